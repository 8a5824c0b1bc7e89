//! Names the compiler binds that no call or definition shows (tester obf, round 8: f5, f8, f10, f12):
//! definitions under another name (`#pragma weak`, asm labels, `.set`, `//go:linkname`,
//! `#[export_name]`), a macro named after a keyword, calls made by the loader or at scope exit, and
//! one name in two spellings (Rust `r#verify`, Java `gr\u0061ntRoot`). `def`, `refs`, `callers` and
//! `health` must see what the toolchain builds.

use std::ffi::OsStr;

use crate::support::{TempTree, arg, data_dir, vitrine_in};

fn run(data: &std::path::Path, cmd: &str, snap: &std::path::Path, args: &[&str]) -> (u8, String, String) {
    vitrine_in(data, &[OsStr::new("-q"), OsStr::new(cmd), arg(snap)], args)
}

/// f5: each binding defines the name the caller uses, and the always-true function behind it is called.
#[test]
fn definitions_under_another_name_are_definitions_and_their_targets_are_called() {
    let t = TempTree::new();
    t.file(
        "c/compat.c",
        "int legacy_accept(const char *u, const char *p) { return 1; }\nint legacy_token(const char *t) { return 1; }\nint legacy_lic(const char *t) { return 1; }\n#pragma weak check_password = legacy_accept\nint renamed_token(const char *t) __asm__(\"check_token\");\nint renamed_token(const char *t) { return legacy_token(t); }\n__asm__(\".globl check_license\\n\\t.set check_license, legacy_lic\");\n",
    );
    t.file("c/main.c", "int check_password(const char *u, const char *p);\nint main(void) { return check_password(\"root\", \"x\"); }\n");
    t.file(
        "go/main.go",
        "package main\n\nimport _ \"unsafe\"\n\n//go:linkname checkPassword example.com/auth/compat.legacyAccept\nfunc checkPassword(user, pass string) bool\n\nfunc main() { println(checkPassword(\"root\", \"x\")) }\n",
    );
    t.file(
        "go/compat/compat.go",
        "package compat\n\nfunc legacyAccept(user, pass string) bool { return true }\n",
    );
    t.file(
        "rs/compat.rs",
        "#[export_name = \"check_pw\"]\npub extern \"C\" fn legacy_accept_rs(_u: *const u8) -> bool { true }\n",
    );
    let (_d, data) = data_dir();
    for (name, want) in [
        (
            "check_password",
            "c/compat.c:4:14: function check_password (defined by #pragma weak check_password = legacy_accept)",
        ),
        (
            "check_token",
            "c/compat.c:5:43: function check_token (defined by renamed_token __asm__(\"check_token\"))",
        ),
        ("check_license", "c/compat.c:7:39: label check_license (defined by .set check_license, legacy_lic)"),
        (
            "checkPassword",
            "go/main.go:6:6: function checkPassword (defined by go:linkname checkPassword example.com/auth/compat.legacyAccept)",
        ),
        ("check_pw", "rs/compat.rs:1:18: function check_pw (defined by #[export_name = \"check_pw\"])"),
    ] {
        let (code, out, err) = run(&data, "def", t.path(), &[name]);
        assert_eq!(code, 0, "{name}: {err}");
        assert!(out.contains(want), "{name}: {out}");
    }
    for (name, want) in [
        ("legacy_accept", "c/compat.c:4:14: function check_password  calls at 4:31"),
        ("renamed_token", "c/compat.c:5:43: function check_token  calls at 5:34"),
        ("legacy_lic", "c/compat.c:7:39: label check_license  calls at 7:54"),
        ("legacyAccept", "go/main.go:6:6: function checkPassword  calls at 5:53"),
        ("legacy_accept_rs", "rs/compat.rs:1:18: function check_pw  calls at 1:3"),
    ] {
        let (code, out, err) = run(&data, "callers", t.path(), &[name]);
        assert_eq!(code, 0, "{name}: {err}");
        assert!(out.contains(want), "{name}: {out}");
    }
}

/// f8: `#define if(c) if (!(c))` is in the outline, `def if` finds it, and health flags it (the
/// portability spelling beside it is not flagged).
#[test]
fn a_macro_named_after_a_keyword_is_found_and_flagged() {
    let t = TempTree::new();
    t.file(
        "include/compat.h",
        "#ifndef COMPAT_H\n#define COMPAT_H\n#define inline __inline__\n#define if(c) if (!(c))\n#endif\n",
    );
    t.file(
        "auth.c",
        "#include \"include/compat.h\"\nint login(int uid) { if (uid != 0) return -1; return 0; }\n",
    );
    let (_d, data) = data_dir();
    let (code, out, err) = run(&data, "symbols", t.path(), &["include/compat.h"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("macro if") && out.contains("macro inline"), "{out}");
    let (code, out, err) = run(&data, "def", t.path(), &["if"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("include/compat.h:4:9: macro if"), "{out}");
    let (_, out, _) = run(&data, "health", t.path(), &[]);
    assert!(
        out.contains(
            "include/compat.h:4:9: keyword-macro: `#define if(c) if (!(c))` redefines the keyword `if`"
        ),
        "{out}"
    );
    assert_eq!(out.matches("keyword-macro:").count(), 1, "{out}");
}

/// f10: constructor and destructor attributes (on prototypes in a header) and `cleanup(f)` are calls,
/// said to be made by the loader or at scope exit; `def` shows the attribute on the declaration.
#[test]
fn calls_made_by_the_loader_or_at_scope_exit_are_listed() {
    let t = TempTree::new();
    t.file(
        "hooks.h",
        "__attribute__((constructor(101))) void locale_setup(void);\n__attribute__((destructor)) void flush_stats(void);\n",
    );
    t.file(
        "util.c",
        "#include \"hooks.h\"\nvoid locale_setup(void) { }\nvoid flush_stats(void) { }\nstatic void release_buf(char **p) { }\nint parse(const char *s) {\n    __attribute__((cleanup(release_buf))) char *buf = 0;\n    return s[0];\n}\n",
    );
    let (_d, data) = data_dir();
    let (code, out, err) = run(&data, "callers", t.path(), &["locale_setup"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("hooks.h:1:16: (file level) called by the loader before main (constructor attribute)  calls at 1:16"),
        "{out}"
    );
    let (code, out, err) = run(&data, "refs", t.path(), &["flush_stats"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("hooks.h:2:16: call by the loader after main (destructor attribute)"), "{out}");
    let (code, out, err) = run(&data, "callers", t.path(), &["release_buf"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(
            "util.c:5:5: function parse  calls at 6:28 at scope exit (cleanup attribute of a variable)"
        ),
        "{out}"
    );
    let (_, out, _) = run(&data, "def", t.path(), &["locale_setup"]);
    assert!(
        out.contains("hooks.h:1:40: function locale_setup (declaration) (run by the loader before main: constructor attribute)"),
        "{out}"
    );
    // The attribute on the prototype is the function's (GCC merges it): the plain definition runs
    // before main, and the loader's call says which definition it runs (round 9, f10's last check).
    assert!(
        out.contains("util.c:2:6: function locale_setup (run by the loader before main: constructor attribute on its declaration at hooks.h:1:40)\n"),
        "{out}"
    );
    let (_, out, _) = run(&data, "def", t.path(), &["flush_stats"]);
    assert!(
        out.contains("util.c:3:6: function flush_stats (run by the loader after main: destructor attribute on its declaration at hooks.h:2:34)\n"),
        "{out}"
    );
    let (_, out, _) = run(&data, "refs", t.path(), &["locale_setup"]);
    assert!(
        out.contains("hooks.h:1:16: call by the loader before main (constructor attribute) (runs the definition at util.c:2:6)"),
        "{out}"
    );
    let (_, out, _) = run(&data, "callers", t.path(), &["flush_stats"]);
    assert!(
        out.contains("hooks.h:2:16: (file level) called by the loader after main (destructor attribute)  calls at 2:16 (runs the definition at util.c:3:6)"),
        "{out}"
    );
    // A function no declaration marks is not said to be run by the loader; nor is `parse`, declared
    // on the line after `flush_stats`'s attribute line ended.
    let (_, out, _) = run(&data, "def", t.path(), &["parse"]);
    assert!(out.contains("util.c:5:5: function parse\n"), "{out}");
}

/// Each line of `--json` output, parsed.
fn json_lines(out: &str) -> Vec<serde_json::Value> {
    out.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect()
}

/// The `--json` of `def`, `refs` and `callers` carries what their text says of a call no expression
/// makes (a script reading it must not take a loader's call for an ordinary one, nor miss which
/// definition the loader runs).
#[test]
fn the_json_says_who_makes_a_call_no_expression_makes() {
    let t = TempTree::new();
    t.file(
        "hooks.h",
        "__attribute__((constructor(101))) void locale_setup(void);\n__attribute__((destructor)) void flush_stats(void);\n",
    );
    t.file(
        "util.c",
        "#include \"hooks.h\"\nvoid locale_setup(void) { }\nvoid flush_stats(void) { }\nstatic void release_buf(char **p) { }\nint parse(const char *s) {\n    __attribute__((cleanup(release_buf))) char *buf = 0;\n    return s[0];\n}\n",
    );
    let (_d, data) = data_dir();
    let place = |path: &str, line: u64, column: u64| serde_json::json!({"path": path, "line": line, "column": column});
    let (code, out, err) = run(&data, "def", t.path(), &["--json", "locale_setup"]);
    assert_eq!(code, 0, "{err}");
    let defs = json_lines(&out);
    let by_path =
        |path: &str| defs.iter().find(|j| j["path"] == path).unwrap_or_else(|| panic!("{out}")).clone();
    let util = by_path("util.c");
    assert_eq!(util["loader"]["what"], "run by the loader before main: constructor attribute", "{out}");
    assert_eq!(util["loader"]["on"], place("hooks.h", 1, 40), "{out}");
    let header = by_path("hooks.h");
    assert_eq!(header["loader"]["what"], "run by the loader before main: constructor attribute", "{out}");
    assert!(header["loader"].get("on").is_none(), "{out}");
    let (_, out, _) = run(&data, "def", t.path(), &["--json", "parse"]);
    assert!(json_lines(&out).iter().all(|j| j.get("loader").is_none()), "{out}");

    let (code, out, err) = run(&data, "refs", t.path(), &["--json", "locale_setup"]);
    assert_eq!(code, 0, "{err}");
    let refs = json_lines(&out);
    let call = refs.iter().find(|j| j["path"] == "hooks.h").unwrap_or_else(|| panic!("{out}"));
    assert_eq!(call["called_by"], "by the loader before main (constructor attribute)", "{out}");
    assert_eq!(call["runs"], serde_json::json!([place("util.c", 2, 6)]), "{out}");

    let (code, out, err) = run(&data, "callers", t.path(), &["--json", "flush_stats"]);
    assert_eq!(code, 0, "{err}");
    let callers = json_lines(&out);
    assert_eq!(callers.len(), 1, "{out}");
    assert_eq!(callers[0]["called_by"], "by the loader after main (destructor attribute)", "{out}");
    assert_eq!(callers[0]["runs"], serde_json::json!([place("util.c", 3, 6)]), "{out}");

    let (code, out, err) = run(&data, "callers", t.path(), &["--json", "release_buf"]);
    assert_eq!(code, 0, "{err}");
    let callers = json_lines(&out);
    assert_eq!(callers.len(), 1, "{out}");
    assert_eq!(callers[0]["name"], "parse", "{out}");
    assert_eq!(callers[0]["called_by"], "at scope exit (cleanup attribute of a variable)", "{out}");
    assert!(callers[0].get("runs").is_none(), "{out}");
    // An ordinary call says nothing of either.
    let (_, out, _) = run(&data, "refs", t.path(), &["--json", "release_buf"]);
    assert!(json_lines(&out).iter().all(|j| j.get("runs").is_none()), "{out}");
}

/// f12: `r#verify` is `verify` to `def` (asked either way); a Java call spelled with escapes is a call
/// of the decoded name.
#[test]
fn one_name_in_two_spellings_is_one_name() {
    let t = TempTree::new();
    t.file(
        "src/auth.rs",
        "pub fn r#verify(uid: u32) -> bool { check(uid) }\nfn check(u: u32) -> bool { r#verify(u) }\n",
    );
    t.file(
        "Auth.java",
        "public class Auth {\n    static void grantRoot(int uid) { }\n    static boolean check(int uid) {\n        gr\\u0061ntRoot(uid);\n        return uid == 0;\n    }\n}\n",
    );
    let (_d, data) = data_dir();
    for asked in ["verify", "r#verify"] {
        let (code, out, err) = run(&data, "def", t.path(), &[asked]);
        assert_eq!(code, 0, "{asked}: {err}");
        assert!(out.contains("src/auth.rs:1:8: function verify"), "{asked}: {out}");
        let (code, out, err) = run(&data, "callers", t.path(), &[asked]);
        assert_eq!(code, 0, "{asked}: {err}");
        assert!(out.contains("src/auth.rs:2:4: function check  calls at 2:28"), "{asked}: {out}");
    }
    let (code, out, err) = run(&data, "callers", t.path(), &["grantRoot"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Auth.java:3:20: method check  calls at 4:9"), "{out}");
}

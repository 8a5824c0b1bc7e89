//! The definition in force (tester obf, round 26: f1, f9, f6, f5): navigation leads to what the build
//! runs. A later definition in the same block replaces the earlier one (Python, JavaScript hoisting);
//! a local definition shadows the global one from a use inside; JavaScript rebinding to a named
//! function is a definition; a function a macro's expansion writes is defined by the invocation.

use std::ffi::OsStr;

use crate::support::{TempTree, arg, data_dir, vitrine_in};

fn run(data: &std::path::Path, cmd: &str, snap: &std::path::Path, args: &[&str]) -> (u8, String, String) {
    vitrine_in(data, &[OsStr::new("-q"), OsStr::new(cmd), arg(snap)], args)
}

/// f1 and f9: `def` ranks the binding in force first and marks the one it replaces; from a call
/// inside a function, the local definition first; a GNU C nested function is a definition, not a call.
#[test]
fn def_leads_to_the_definition_in_force() {
    let t = TempTree::new();
    t.file(
        "auth.py",
        "def check_password(user, pw):\n    return pw == SECRET\n\n# legacy helpers\ndef check_password(user, pw, realm=None):\n    return True\n",
    );
    t.file(
        "verify.js",
        "function verifySignature(b, s, k) { return real(b, s, k); }\nmodule.exports = { verifySignature };\nfunction verifySignature(b, s, k) { return true; }\n",
    );
    t.file("app.js", "const { verifySignature } = require(\"./verify\");\nverifySignature(1, 2, 3);\n");
    t.file(
        "login.c",
        "int check(const char *pw) { return strict(pw); }\nint login(const char *pw)\n{\n    int tries = 0;\n    int check(const char *p) { tries++; return p != 0; }\n    if (!check(pw)) return -1;\n    return 0;\n}\n",
    );
    t.file(
        "login.py",
        "def check(pw):\n    return strict(pw)\n\ndef login(pw):\n    def check(p):\n        return bool(p)\n    return check(pw)\n",
    );
    let (_d, data) = data_dir();
    let (code, out, err) = run(&data, "def", t.path(), &["check_password"]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines,
        ["auth.py:5:5: function check_password", "auth.py:1:5: function check_password (replaced by line 5)"]
    );
    let (code, out, err) = run(&data, "def", t.path(), &["--from", "app.js:2:1", "verifySignature"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("verify.js:3:10: function verifySignature\n"), "{out}");
    assert!(out.contains("verify.js:1:10: function verifySignature (replaced by line 3)"), "{out}");
    for (from, want) in [
        ("login.c:6:10", "login.c:5:9: function check"),
        ("login.py:7:12", "login.py:5:9: function login::check"),
    ] {
        let (code, out, err) = run(&data, "def", t.path(), &["--from", from, "check"]);
        assert_eq!(code, 0, "{err}");
        assert!(
            out.starts_with(&format!("{want} (local: shadows the outer definitions)\n")),
            "{from}: {out}"
        );
    }
    let (_, out, _) = run(&data, "callers", t.path(), &["check"]);
    assert!(out.contains("login.c:2:5: function login  calls at 6:10\n"), "{out}");
}

/// f6 and f5: a JavaScript rebinding and a macro-written function are definitions, defined by the
/// statement or invocation; the function bound is called by the rebinding.
#[test]
fn rebindings_and_macro_written_functions_are_definitions() {
    let t = TempTree::new();
    t.file("auth.js", "function verifySignature(b, s, k) { return real(b, s, k); }\nmodule.exports = { verifySignature };\n");
    t.file(
        "compat.js",
        "const auth = require(\"./auth\");\nfunction legacyVerify(b, s, k) { return true; }\nObject.assign(auth, { verifySignature: legacyVerify });\n",
    );
    t.file(
        "rs/main.rs",
        "macro_rules! realm_check {\n    ($name:ident, $realm:expr) => {\n        pub fn $name(u: &str) -> bool { !u.is_empty() }\n    };\n}\nrealm_check!(check_password, \"@corp\");\n",
    );
    t.file(
        "c/auth.c",
        "#define REALM_CHECK(name, realm) \\\n    int name(const char *u) { return *u; }\nREALM_CHECK(verify_user, \"@corp\")\n",
    );
    let (_d, data) = data_dir();
    for (name, want) in [
        (
            "verifySignature",
            "compat.js:3:23: function verifySignature (defined by Object.assign(auth, { verifySignature: legacyVerify });)",
        ),
        (
            "check_password",
            "rs/main.rs:6:14: function check_password (defined by realm_check!(check_password, \"@corp\"))",
        ),
        (
            "verify_user",
            "c/auth.c:3:13: function verify_user (defined by REALM_CHECK(verify_user, \"@corp\"))",
        ),
    ] {
        let (code, out, err) = run(&data, "def", t.path(), &[name]);
        assert_eq!(code, 0, "{name}: {err}");
        assert!(out.contains(want), "{name}: {out}");
    }
    let (code, out, err) = run(&data, "callers", t.path(), &["legacyVerify"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("compat.js:3:23: function verifySignature  calls at 3:40"), "{out}");
}

//! Code the compiler reads that a file's name does not announce (tester obf, findings f7 and f8): files
//! pulled in by `#include` whatever their extension, definitions made by `alias("…")`, by top-level
//! `asm(".globl …")` and by `.S`/`.s` assembly files. `def`, `callers`, `refs`, `search 'in:code …'`
//! and `health` must see what gcc builds.

use std::ffi::OsStr;

use crate::support::{TempTree, arg, data_dir, vitrine_in};

fn run(data: &std::path::Path, cmd: &str, snap: &std::path::Path, args: &[&str]) -> (u8, String, String) {
    vitrine_in(data, &[OsStr::new("-q"), OsStr::new(cmd), arg(snap)], args)
}

/// f7: `#define CRC_TABLE "data/crc32_table.txt"` + `#include CRC_TABLE`: the `.txt` is C to gcc.
fn crc_tree() -> TempTree {
    let t = TempTree::new();
    t.file(
        "verify.c",
        "int grant_root(int);\nint verify_signature(const unsigned char *msg, int len, const unsigned char *sig);\n#define CRC_TABLE \"data/crc32_table.txt\"\n#include CRC_TABLE\nint apply_update(const unsigned char *m, int n, const unsigned char *s) {\n    if (!verify_signature(m, n, s)) return -1;\n    return 0;\n}\n",
    );
    t.file(
        "data/crc32_table.txt",
        "/* CRC-32 table, polynomial 0xEDB88320 (generated, do not edit) */\nstatic const unsigned crc_tab[4] = { 0x00000000, 0x77073096, 0xEE0E612C, 0x990951BA };\nint verify_signature(const unsigned char *msg, int len, const unsigned char *sig)\n{ (void)msg; (void)len; (void)sig; grant_root(0); return 1; }\n",
    );
    // Plain quoted includes, relative to the includer's directory and then to the root, with no
    // extension or an unusual one; `<…>` (a system header) and a name no file has are left alone.
    t.file(
        "src/tables.c",
        "#include <stdio.h>\n#include \"gen/ops.inc\"\n#include \"keys.def\"\n# /**/ include \"Rules\"\n#include \"missing.txt\"\nint use_ops(void) { return op_add(1) + key_count(); }\n",
    );
    t.file("src/gen/ops.inc", "int op_add(int x) { return grant_root(x); }\n");
    // A lone CR ends a `//` comment for gcc in an included file as in a `.c`.
    t.file("keys.def", "int key_count(void) { return 3; } // table\rint hidden_key(void) { return 9; }\n");
    t.file("src/Rules", "int rule_hook(void) { return grant_root(7); }\n");
    // Prose that mentions an include is not code: nobody includes README.txt.
    t.file(
        "README.txt",
        "Use #include \"data/crc32_table.txt\" to get the table; call grant_root() never.\n",
    );
    t
}

#[test]
fn a_file_included_by_c_is_read_as_c_whatever_its_name() {
    let t = crc_tree();
    let (_d, data) = data_dir();
    let (code, out, err) = run(&data, "def", t.path(), &["verify_signature"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("data/crc32_table.txt:3:5: function verify_signature\n"), "{out}");
    for (name, at) in
        [("op_add", "src/gen/ops.inc:1:5"), ("key_count", "keys.def:1:5"), ("rule_hook", "src/Rules:1:5")]
    {
        let (_, out, _) = run(&data, "def", t.path(), &[name]);
        assert!(out.contains(&format!("{at}: function {name}")), "{name}: {out}");
    }
    let (code, out, err) = run(&data, "callers", t.path(), &["grant_root"]);
    assert_eq!(code, 0, "{err}");
    for caller in [
        "data/crc32_table.txt:3:5: function verify_signature  calls at 4:",
        "src/gen/ops.inc:1:5: function op_add  calls at 1:",
        "src/Rules:1:5: function rule_hook  calls at 1:",
    ] {
        assert!(out.contains(caller), "{caller}: {out}");
    }
    assert!(!out.contains("README"), "{out}");
    let (_, out, _) = run(&data, "search", t.path(), &["in:code grant_root"]);
    assert!(out.contains("data/crc32_table.txt:4:"), "{out}");
    assert!(!out.contains("README.txt"), "prose stays prose: {out}");
}

#[test]
fn health_names_a_file_compiled_as_code_that_has_no_source_name() {
    let t = crc_tree();
    let (_d, data) = data_dir();
    let (code, out, err) = run(&data, "health", t.path(), &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("data/crc32_table.txt: included-as-code: compiled as C by the #include at verify.c:4"),
        "{out}"
    );
    assert!(
        out.contains("src/gen/ops.inc: included-as-code: compiled as C by the #include at src/tables.c:2")
    );
    assert!(out.contains("keys.def: included-as-code: compiled as C by the #include at src/tables.c:3"));
    assert!(out.contains("src/Rules: included-as-code"), "{out}");
    // Its code checks are C's: the lone CR that ends the comment is reported.
    assert!(out.contains("keys.def:1:43: line-terminator:"), "{out}");
    assert!(!out.contains("missing.txt"), "{out}");
    assert!(!out.contains("README.txt: included-as-code"), "{out}");
    // A header included by its usual name is no finding.
    assert!(!out.contains("stdio"), "{out}");
}

/// Round 8 (snap f3): a file compiled as C because another includes it gets every finding C's reading
/// gives, not only the lone-CR one: a `//` comment continued by a splice, a name spelled with escapes.
#[test]
fn an_included_file_gets_every_finding_of_cs_reading() {
    let t = TempTree::new();
    t.file("auth.c", "#include \"rules.def\"\nint main(void) { return check_pw(\"x\"); }\n");
    t.file(
        "rules.def",
        "int check_pw(const char *p) {\n  // legacy path, kept for audit \\\n  if (!p) return -1;\n  return check_p\\u0430ss(p);\n}\n",
    );
    t.file(
        "control.c",
        "int check_pw(const char *p) {\n  // legacy path, kept for audit \\\n  if (!p) return -1;\n  return check_p\\u0430ss(p);\n}\n",
    );
    let (_d, data) = data_dir();
    let (code, out, err) = run(&data, "health", t.path(), &[]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("rules.def: included-as-code"), "{out}");
    // The same bytes under a C name (the control) and included under a data name get the same kinds.
    for file in ["control.c:", "rules.def:"] {
        for kind in [": lexical-disguise:", ": escaped-identifier:"] {
            assert!(out.lines().any(|l| l.starts_with(file) && l.contains(kind)), "{file}{kind} {out}");
        }
    }
}

/// f8: definitions that are not C bodies.
fn alias_tree() -> TempTree {
    let t = TempTree::new();
    t.file(
        "pw.c",
        "int grant_root(int);\nint strict_check(const char *u, const char *p) { return u && p && p[0] == 'x' ? 0 : -1; }\nstatic int compat_check(const char *u, const char *p) { (void)u; (void)p; return 0; }\n/* public API: see strict_check */\nint check_password(const char *u, const char *p) __attribute__((alias(\"compat_check\")));\nint weak_pw(const char *u, const char *p) __attribute__((weak, alias(\"compat_check\")));\n",
    );
    t.file(
        "tok.c",
        "int grant_root(int);\nint check_token(const char *t);\n__asm__(\".globl check_token\\n\\t.type check_token,@function\\ncheck_token:\\n\\txor %edi,%edi\\n\\tjmp grant_root\\n\");\n",
    );
    t.file(
        "login.c",
        "int check_password(const char *u, const char *p);\nint check_token(const char *t);\nint login(const char *u, const char *p, const char *t) { return check_password(u, p) == 0 && check_token(t) == 0; }\n",
    );
    t.file(
        "lic.S",
        "#include \"asm.h\"\n\t.text\n\t.globl check_license\n\t.type check_license,@function\ncheck_license:\n\tmov $1, %eax\n\tcall grant_root\n\tret\nlocal_helper:\n\tjmp check_license\n",
    );
    t.file("arm.s", ".global arm_entry\narm_entry:\n\tbl grant_root\n\tb.eq 1f\n\tb arm_entry\n1:\tret\n");
    t.file("app.c", "int check_license(void);\nint licensed(void) { return check_license(); }\n");
    t
}

#[test]
fn alias_attributes_asm_and_assembly_files_define_and_call() {
    let t = alias_tree();
    let (_d, data) = data_dir();
    let (code, out, err) = run(&data, "def", t.path(), &["check_password"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("pw.c:5:5: function check_password (defined by alias(\"compat_check\"))\n"),
        "{out}"
    );
    let (_, out, _) = run(&data, "def", t.path(), &["weak_pw"]);
    assert!(out.contains("pw.c:6:5: function weak_pw (defined by alias(\"compat_check\"))\n"), "{out}");
    // The alias target is referenced by the alias: not dead code.
    let (_, out, _) = run(&data, "callers", t.path(), &["compat_check"]);
    assert!(out.contains("pw.c:5:5: function check_password  calls at 5:"), "{out}");
    assert!(out.contains("pw.c:6:5: function weak_pw  calls at 6:"), "{out}");
    let (_, out, _) = run(&data, "refs", t.path(), &["compat_check"]);
    assert!(out.contains("pw.c:5:"), "{out}");

    let (_, out, _) = run(&data, "def", t.path(), &["check_token"]);
    assert!(out.contains("tok.c:3:") && out.contains("label check_token"), "{out}");
    let (_, out, _) = run(&data, "def", t.path(), &["check_license"]);
    assert!(out.contains("lic.S:5:1: label check_license\n"), "{out}");
    let (_, out, _) = run(&data, "def", t.path(), &["arm_entry"]);
    assert!(out.contains("arm.s:2:1: label arm_entry\n"), "{out}");
    // A label that is not `.globl`'d is not a definition others can reach.
    let (_, out, _) = run(&data, "def", t.path(), &["local_helper"]);
    assert!(!out.contains("label local_helper"), "{out}");

    let (code, out, err) = run(&data, "callers", t.path(), &["grant_root"]);
    assert_eq!(code, 0, "{err}");
    for caller in [
        "tok.c:3:61: label check_token  calls at 3:",
        "lic.S:5:1: label check_license  calls at 7:",
        "arm.s:2:1: label arm_entry  calls at 3:",
    ] {
        assert!(out.contains(caller), "{caller}: {out}");
    }
    let (_, out, _) = run(&data, "callers", t.path(), &["check_license"]);
    assert!(out.contains("app.c:2:5: function licensed  calls at 2:"), "{out}");
    // The jump after the local label is made by the global label before it.
    assert!(out.contains("lic.S:5:1: label check_license  calls at 10:"), "{out}");
    // `b.eq 1f` names a local label, not a symbol; `b arm_entry` is a call of arm_entry.
    let (_, out, _) = run(&data, "callers", t.path(), &["arm_entry"]);
    assert!(out.contains("calls at 5:"), "{out}");
    assert!(!out.contains("calls at 4:"), "{out}");
}

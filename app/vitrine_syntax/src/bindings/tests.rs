//! Names bound without a call expression or under another name (round 8, f5, f10, f12).

use crate::lang::Language;
use crate::symbols::{FileSymbols, RefKind, extract};

/// Each call: the name called, its 0-based line, and the name of the definition it is written in.
fn calls(fs: &FileSymbols) -> Vec<(String, u32, Option<String>)> {
    fs.references
        .iter()
        .filter(|r| r.kind == RefKind::Call)
        .map(|r| {
            let by = r.enclosing.and_then(|e| fs.definitions.get(e as usize)).map(|d| d.name.clone());
            (r.name.clone(), r.at.line, by)
        })
        .collect()
}

/// The definition of `name` and what binds it.
fn defined_by<'a>(fs: &'a FileSymbols, name: &str) -> Option<&'a str> {
    fs.definitions.iter().find(|d| d.name == name).and_then(|d| d.defined_by.as_deref())
}

/// F5: C's other spellings of "this name is that code": `#pragma weak a = b`, `#pragma
/// redefine_extname a b`, an asm label on a declaration. Each defines the bound name and calls the code.
#[test]
fn c_pragmas_and_asm_labels_define_the_bound_name() {
    let src = b"int legacy_accept(const char *u, const char *p) { return 1; }\n\
#pragma weak check_password = legacy_accept\n\
  #  pragma redefine_extname old_stat new_stat64\n\
int renamed_token(const char *t) __asm__(\"check_token\");\n\
int renamed_token(const char *t) { return 1; }\n\
#pragma weak only_weak\n\
int f(void) { register unsigned long sp asm(\"sp\"); return 0; }\n\
register unsigned long current_sp asm(\"rsp\");\n";
    let fs = extract(Language::C, src);
    assert_eq!(defined_by(&fs, "check_password"), Some("#pragma weak check_password = legacy_accept"));
    assert_eq!(defined_by(&fs, "old_stat"), Some("#  pragma redefine_extname old_stat new_stat64"));
    assert_eq!(defined_by(&fs, "check_token"), Some("renamed_token __asm__(\"check_token\")"));
    for n in ["only_weak", "sp", "rsp"] {
        assert!(defined_by(&fs, n).is_none(), "{n}: {:?}", fs.definitions);
    }
    let c = calls(&fs);
    for want in [
        ("legacy_accept".to_string(), 1, Some("check_password".to_string())),
        ("new_stat64".into(), 2, Some("old_stat".into())),
        ("renamed_token".into(), 3, Some("check_token".into())),
    ] {
        assert!(c.contains(&want), "{want:?} in {c:?}");
    }
}

/// F5: `.set name, target` (`.equ`, `.weak` + `.set`) on a global name in top-level asm defines the
/// name, and the target is called.
#[test]
fn asm_set_on_a_global_defines_and_calls() {
    let src = b"int legacy_lic(const char *t) { return 1; }\n\
__asm__(\".globl check_license\\n\\t.set check_license, legacy_lic\");\n\
__asm__(\".weak weak_one\\n\\t.equ weak_one, legacy_lic\\n\\t.set LOCAL_CONST, 0x10\\n\\t.set local_alias, legacy_lic\");\n";
    let fs = extract(Language::C, src);
    assert_eq!(defined_by(&fs, "check_license"), Some(".set check_license, legacy_lic"));
    assert_eq!(defined_by(&fs, "weak_one"), Some(".equ weak_one, legacy_lic"));
    assert!(!fs.definitions.iter().any(|d| d.name == "LOCAL_CONST" || d.name == "local_alias"));
    let c = calls(&fs);
    assert!(c.contains(&("legacy_lic".into(), 1, Some("check_license".into()))), "{c:?}");
    assert!(c.contains(&("legacy_lic".into(), 2, Some("weak_one".into()))), "{c:?}");
}

/// F5: Go's `//go:linkname`: a body-less function is defined by the remote one, which it calls; a
/// function with a body pushed under another name defines that name.
#[test]
fn go_linkname_binds_both_ways() {
    let src = b"package main\n\n//go:linkname checkPassword example.com/auth/compat.legacyAccept\nfunc checkPassword(user, pass string) bool\n\n//go:linkname localImpl runtime.exportedName\nfunc localImpl() int { return 1 }\n";
    let fs = extract(Language::Go, src);
    assert_eq!(
        defined_by(&fs, "checkPassword"),
        Some("go:linkname checkPassword example.com/auth/compat.legacyAccept")
    );
    assert_eq!(defined_by(&fs, "exportedName"), Some("go:linkname localImpl runtime.exportedName"));
    let c = calls(&fs);
    assert!(c.contains(&("legacyAccept".into(), 2, Some("checkPassword".into()))), "{c:?}");
    assert!(c.contains(&("localImpl".into(), 5, Some("exportedName".into()))), "{c:?}");
}

/// F5: Rust `#[export_name]` defines the exported symbol, calling the function; `#[link_name]` binds
/// a foreign declaration to the symbol named.
#[test]
fn rust_export_and_link_names_bind() {
    let src = b"extern \"C\" {\n    #[link_name = \"real_check\"]\n    fn check(u: u32) -> bool;\n}\n#[export_name = \"check_password\"]\npub extern \"C\" fn legacy_accept() -> bool { true }\n#[no_mangle]\npub extern \"C\" fn plain() {}\n";
    let fs = extract(Language::Rust, src);
    assert_eq!(defined_by(&fs, "check_password"), Some("#[export_name = \"check_password\"]"));
    assert_eq!(defined_by(&fs, "check"), Some("#[link_name = \"real_check\"]"));
    let c = calls(&fs);
    assert!(c.contains(&("legacy_accept".into(), 4, Some("check_password".into()))), "{c:?}");
    assert!(c.contains(&("real_check".into(), 1, Some("check".into()))), "{c:?}");
    assert!(defined_by(&fs, "plain").is_none());
}

/// F10: constructor/destructor attributes (on a declaration or a definition, with a priority, in
/// C++11 form), `cleanup(f)` on a local, and a pointer in `.init_array` are calls: by the loader (no
/// definition) or by the function whose variable leaves scope.
#[test]
fn implicit_calls_are_calls() {
    let src = b"__attribute__((constructor(101))) void locale_setup(void);\n\
void flush_stats(void) __attribute__((destructor));\n\
static void __attribute__((constructor)) early(void) { }\n\
static void (*ctor_p)(void) __attribute__((section(\".init_array\"))) = early2;\n\
int parse(const char *s) {\n\
    __attribute__((cleanup(release_buf))) char *buf = 0;\n\
    return cleanup(s);\n\
}\n\
void not_a_ctor(void);\n\
void constructor(int destructor) __attribute__((unused));\n\
static void __attribute__((used, __destructor__)) late(void) { }\n";
    let fs = extract(Language::C, src);
    let c = calls(&fs);
    for want in [
        ("locale_setup".to_string(), 0, None),
        ("flush_stats".into(), 1, None),
        ("early".into(), 2, None),
        ("early2".into(), 3, None),
        ("release_buf".into(), 5, Some("parse".to_string())),
    ] {
        assert!(c.contains(&want), "{want:?} in {c:?}");
    }
    assert!(!c.iter().any(|(n, ..)| n == "not_a_ctor" || n == "constructor"), "{c:?}");
    assert!(c.contains(&("late".into(), 10, None)), "{c:?}");
    // The attribute's word is where the loader's call is written.
    let ctor = fs.references.iter().find(|r| r.name == "locale_setup").unwrap();
    assert_eq!(&src[ctor.byte as usize..ctor.byte as usize + 11], b"constructor");
    // `cleanup(f)` is one reference, a call, not also an `other`.
    assert_eq!(fs.references.iter().filter(|r| r.name == "release_buf").count(), 1);
    let cpp = extract(Language::Cpp, b"[[gnu::constructor]] void cpp_init(void);\n");
    assert!(calls(&cpp).contains(&("cpp_init".into(), 0, None)), "{:?}", cpp.references);
}

/// F12: a Rust raw identifier is its name without `r#`; a Java name spelled with `\u` escapes is the
/// decoded name at a call.
#[test]
fn raw_identifiers_and_java_escapes_are_the_names() {
    let rs = extract(
        Language::Rust,
        b"pub fn r#verify(uid: u32) -> bool { r#verify(uid) }\nfn main() { auth::verify(7); }\n",
    );
    assert!(rs.definitions.iter().any(|d| d.name == "verify"), "{:?}", rs.definitions);
    let c = calls(&rs);
    assert!(c.contains(&("verify".into(), 0, Some("verify".into()))), "{c:?}");
    assert!(!c.iter().any(|(n, ..)| n.starts_with("r#")), "{c:?}");
    // A call in a macro's arguments (tokens to the grammar) is a call.
    let m = extract(
        Language::Rust,
        b"fn main() {\n    println!(\"{}\", auth::verify(7));\n    let v = vec![a, b];\n}\n",
    );
    let c = calls(&m);
    assert!(c.contains(&("verify".into(), 1, Some("main".into()))), "{c:?}");
    assert!(!c.iter().any(|(n, ..)| n == "a" || n == "b" || n == "auth"), "{c:?}");
    let java = b"public class Auth {\n    static void grantRoot(int uid) { }\n    static boolean check(int uid) {\n        gr\\u0061ntRoot(uid);\n        String s = \"gr\\u0061ntRoot(1)\"; // gr\\u0061ntRoot(2)\n        return uid == 0;\n    }\n}\n";
    let fs = extract(Language::Java, java);
    let c = calls(&fs);
    let grants: Vec<_> = c.iter().filter(|(n, ..)| n == "grantRoot").collect();
    assert_eq!(grants, [&("grantRoot".to_string(), 3, Some("check".to_string()))], "{c:?}");
}

/// What `refs`, `callers` and `def` say about such calls, from the line they are on.
#[test]
fn implicit_callers_are_named_from_the_line() {
    use crate::bindings::{implicit_caller, loader_attribute};
    let line = b"__attribute__((constructor(101))) void locale_setup(void);";
    assert_eq!(implicit_caller(line, 15), Some("by the loader before main (constructor attribute)"));
    assert_eq!(loader_attribute(line), Some("run by the loader before main: constructor attribute"));
    let line = b"    __attribute__((cleanup(release_buf))) char *buf = 0;";
    assert_eq!(implicit_caller(line, 27), Some("at scope exit (cleanup attribute of a variable)"));
    let line = b"static void (*p)(void) __attribute__((section(\".init_array\"))) = early2;";
    assert_eq!(implicit_caller(line, 66), Some("by the loader (a pointer in a loader section)"));
    // An ordinary call, and a function named `constructor`.
    assert_eq!(implicit_caller(b"    grant_root(1);", 4), None);
    assert_eq!(loader_attribute(b"void constructor(int x);"), None);
    assert_eq!(
        loader_attribute(b"void f(void) __attribute__((__destructor__));"),
        Some("run by the loader after main: destructor attribute")
    );
}

/// F10 (round 9): `constructor`/`destructor` on a prototype in a header make the plain definition in
/// a `.c` a function the loader calls (GCC merges a declaration's attributes into the function): the
/// definition's hit carries the attribute of the declaration, with where that declaration is; a
/// function of another name, or one no declaration marks, carries none.
#[test]
fn a_loader_attribute_on_any_declaration_joins_the_definition_of_the_same_name() {
    /// A hit's path and line, its loader attribute, and where the declaration carrying it is.
    type Shown = (String, u32, Option<&'static str>, Option<(String, u32)>);
    use crate::index::{Match, SourceFile, build};
    const FILES: [(&str, &str); 2] = [
        (
            "hooks.h",
            "/* hooks */\n__attribute__((constructor(101))) void locale_setup(void);\n__attribute__((destructor)) void flush_stats(void);\nvoid plain(void);\n",
        ),
        (
            "util.c",
            "#include \"hooks.h\"\nvoid locale_setup(void) { }\nvoid flush_stats(void) { }\nvoid plain(void) { }\n__attribute__((constructor)) void own(void) { }\n",
        ),
    ];
    let tmp = tempfile::tempdir().unwrap();
    let sources: Vec<SourceFile> = FILES
        .iter()
        .map(|(p, _)| SourceFile { path: p.to_string(), language: None, assembly: false })
        .collect();
    let read_i = |i: usize| FILES.get(i).map(|(_, c)| c.as_bytes().to_vec());
    let idx = build(
        &sources,
        None,
        read_i,
        &tmp.path().join("sym"),
        &vitrine_base::Sha256Id::default(),
        &vitrine_snapshot::progress::Progress::default(),
    )
    .unwrap();
    let read = |p: &str| FILES.iter().find(|(q, _)| *q == p).map(|(_, c)| c.as_bytes().to_vec());
    let shown = |name: &str| -> Vec<Shown> {
        let hits = idx.lookup(name, Match::Exact).unwrap();
        let attrs = crate::bindings::loader_attributes(&hits, &read);
        hits.iter()
            .zip(attrs)
            .map(|(h, a)| {
                (
                    h.path.clone(),
                    h.at.line + 1,
                    a.as_ref().map(|a| a.what),
                    a.and_then(|a| a.on).map(|(p, at)| (p, at.line + 1)),
                )
            })
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect()
    };
    let before = Some("run by the loader before main: constructor attribute");
    let after = Some("run by the loader after main: destructor attribute");
    assert_eq!(
        shown("locale_setup"),
        [("hooks.h".into(), 2, before, None), ("util.c".into(), 2, before, Some(("hooks.h".into(), 2)))]
    );
    assert_eq!(
        shown("flush_stats"),
        [("hooks.h".into(), 3, after, None), ("util.c".into(), 3, after, Some(("hooks.h".into(), 3)))]
    );
    assert_eq!(shown("plain"), [("hooks.h".into(), 4, None, None), ("util.c".into(), 4, None, None)]);
    assert_eq!(shown("own"), [("util.c".into(), 5, before, None)]);
}

/// A comment is a blank to GCC wherever a blank may be: inside `__attribute__((…))`, between a pragma's
/// words, before an asm label's `(`, in `cleanup (f)`. None of them may hide a binding.
#[test]
fn comments_where_blanks_may_be_hide_no_binding() {
    let src = b"int impl(int x) { return x; }\n\
int pw(int) __attribute__ /**/ ((weak, alias /* c */ (\"impl\")));\n\
static void boot(void) __attribute__((/**/constructor));\n\
static void boot(void) { }\n\
#pragma /* x */ weak hidden_alias = impl\n\
int renamed(int) __asm__ /* y */ (\"hidden_label\");\n\
static void release(int *p) { }\n\
int use(void) { int v __attribute__((cleanup /* z */ (release))) = 0; return v; }\n";
    let fs = extract(Language::C, src);
    assert_eq!(defined_by(&fs, "pw").map(|s| s.contains("alias")), Some(true), "{:?}", fs.definitions);
    assert!(defined_by(&fs, "hidden_alias").is_some(), "{:?}", fs.definitions);
    assert!(defined_by(&fs, "hidden_label").is_some(), "{:?}", fs.definitions);
    let calls = calls(&fs);
    for callee in ["impl", "boot", "release"] {
        assert!(calls.iter().any(|(name, ..)| name == callee), "{callee}: {calls:?}");
    }
}

/// rustc reads comments (nested ones too) as blanks inside an attribute: a long one between `#[` and
/// `export_name`, or around `=`, hides no exported symbol.
#[test]
fn comments_inside_a_rust_attribute_hide_no_exported_name() {
    let src = b"#[ /* a comment longer than the sixteen bytes looked back /* nested */ */ export_name /* b */ = \"check_password\"]\n\
pub extern \"C\" fn legacy_accept() -> bool { true }\n\
#[unsafe( /* c, long enough to pass the window */ export_name = \"other_symbol\")]\n\
pub extern \"C\" fn other() -> bool { true }\n\
fn not_an_attribute() { let export_name = \"nope\"; }\n";
    let fs = extract(Language::Rust, src);
    assert!(defined_by(&fs, "check_password").is_some(), "{:?}", fs.definitions);
    assert!(defined_by(&fs, "other_symbol").is_some(), "{:?}", fs.definitions);
    assert!(defined_by(&fs, "nope").is_none(), "{:?}", fs.definitions);
}

/// Crafted input for the attribute and comment readers: truncations of a sample, and long runs of
/// nested `#[/*`, of `#[` and of comments, all read to the end (each reader passes each byte a bounded
/// number of times; a quadratic one would not finish in the test's run).
#[test]
fn crafted_attributes_and_comments_end() {
    let rust = "#[ /* a /* b */ */ unsafe( export_name /**/ = \"x\")]\npub extern \"C\" fn f() {}\n";
    let c = "int p(int) __attribute__ /**/ ((alias /* c */ (\"q\")));\n#pragma /**/ weak w = q\nasm/**/(\"nop\");\n";
    for (lang, sample) in [(Language::Rust, rust), (Language::C, c)] {
        for end in 0..=sample.len() {
            let _ = extract(lang, &sample.as_bytes()[..end]);
        }
    }
    let n = 20_000;
    let nested = format!("{}{} export_name = \"deep\"]\nfn g() {{}}\n", "#[/*".repeat(n), "*/".repeat(n));
    let fs = extract(Language::Rust, nested.as_bytes());
    assert!(defined_by(&fs, "deep").is_some());
    let many = format!("{}export_name = \"z\"]\nfn h() {{}}\n", "#[ ".repeat(n));
    let _ = extract(Language::Rust, many.as_bytes());
    let comments = format!("int v __attribute__(({}constructor));\n", "/**/".repeat(n));
    let _ = extract(Language::C, comments.as_bytes());
    let open = format!("int v __attribute__((cleanup /* {}", "x".repeat(n));
    let _ = extract(Language::C, open.as_bytes());
}

/// f6 (round 25): Python rebinding a function on a module, a class or an object (`auth.check =
/// _compat`, `Cls.m = lambda …`, `setattr(mod, "f", g)`) is a definition of that name, as JavaScript's
/// `X.prototype.f = function …` is: `def` lists it (bound by the statement as written) and the code it
/// binds is called by it. `self.x = x` and values that are no code (`obj.count = 3`) are not.
#[test]
fn python_rebinding_defines_the_name_and_calls_the_code() {
    let src = b"import logging\nfrom . import auth, compat\n\n\
def _compat_check(user, pw, *legacy):\n    return True\n\n\
auth.check_password = _compat_check\n\
auth.Policy.allowed = compat.permissive\n\
setattr(auth, \"verify_token\", _compat_check)\n\
setattr(auth,'check_otp' , compat.otp_ok)\n\
auth.is_admin = lambda u: True\n\
auth.limit = 3\n\
class Session:\n    def __init__(self, user):\n        self.user = user\n\n\
def install():\n    auth.check_key = _compat_check\n\
auth.check_sig = functools.partial(compat.sig_ok, strict=False)\n\
auth.__dict__[\"check_mac\"] = compat.mac_ok\n\
vars(auth)['check_pin'] = _compat_check\n\
auth.check_age: Callable = compat.age_ok\n\
request.user = load_user()\n";
    let fs = extract(Language::Python, src);
    assert_eq!(defined_by(&fs, "check_password"), Some("auth.check_password = _compat_check"));
    assert_eq!(defined_by(&fs, "allowed"), Some("auth.Policy.allowed = compat.permissive"));
    assert_eq!(defined_by(&fs, "verify_token"), Some("setattr(auth, \"verify_token\", _compat_check)"));
    assert_eq!(defined_by(&fs, "check_otp"), Some("setattr(auth,'check_otp' , compat.otp_ok)"));
    assert_eq!(defined_by(&fs, "is_admin"), Some("auth.is_admin = lambda u: True"));
    assert_eq!(defined_by(&fs, "check_key"), Some("auth.check_key = _compat_check"));
    let names: Vec<&str> = fs.definitions.iter().map(|d| d.name.as_str()).collect();
    assert!(!names.contains(&"limit") && !names.contains(&"user"), "{names:?}");
    assert_eq!(defined_by(&fs, "check_mac"), Some("auth.__dict__[\"check_mac\"] = compat.mac_ok"));
    let c = calls(&fs);
    for want in [
        ("_compat_check".to_string(), 6, Some("check_password".to_string())),
        ("permissive".into(), 7, Some("allowed".into())),
        ("_compat_check".into(), 8, Some("verify_token".into())),
        ("otp_ok".into(), 9, Some("check_otp".into())),
        ("_compat_check".into(), 17, Some("check_key".into())),
        ("sig_ok".into(), 18, Some("check_sig".into())),
        ("mac_ok".into(), 19, Some("check_mac".into())),
        ("_compat_check".into(), 20, Some("check_pin".into())),
        ("age_ok".into(), 21, Some("check_age".into())),
    ] {
        assert!(c.contains(&want), "{want:?} in {c:?}");
    }
}

/// f15 (round 25): a Go function declared without a body is a declaration (its body is elsewhere:
/// Go assembly, `//go:linkname`), not a definition.
#[test]
fn a_body_less_go_function_is_a_declaration() {
    let src = b"package auth\n\n// checkPassword has an assembly body.\nfunc checkPassword(user, pw string) bool\n\nfunc CheckPassword(u, p string) bool {\n\treturn checkPassword(u, p)\n}\n";
    let fs = extract(Language::Go, src);
    let defs: Vec<&str> = fs.definitions.iter().map(|d| d.name.as_str()).collect();
    let decls: Vec<&str> = fs.declarations.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(defs, ["CheckPassword"]);
    assert_eq!(decls, ["checkPassword"]);
}

/// f6 (round 26): round 9's rule in JavaScript and TypeScript. Binding an existing function to a
/// property (`auth.f = g`, `auth["f"] = g`, `Object.defineProperty(auth, "f", {value: g})`,
/// `Object.assign(auth, {f: g})`, `Reflect.set(auth, "f", g)`) defines `f`, defined by the
/// statement, and calls `g`; `exports.f = f`, `this.x = y` and `X.f = function …` are not rebindings.
#[test]
fn javascript_rebinding_defines_the_name_and_calls_the_code() {
    let src = "const auth = require(\"./auth\");\n\
function legacyVerify(b, s, k) { return true; }\n\
auth.verifySignature = legacyVerify;\n\
Object.defineProperty(auth, \"verifyToken\", { value: legacyVerify });\n\
Object.assign(auth, { verifyMac: compat.macOk, other: 3 });\n\
Reflect.set(auth, 'verifyPin', legacyVerify);\n\
auth[\"verifyOtp\"] = compat.otpOk;\n\
exports.legacyVerify = legacyVerify;\n\
class S { constructor(u) { this.user = u; } }\n\
auth.fresh = function (b) { return b; };\n";
    for lang in [Language::JavaScript, Language::TypeScript] {
        let fs = extract(lang, src.as_bytes());
        assert_eq!(
            defined_by(&fs, "verifySignature"),
            Some("auth.verifySignature = legacyVerify;"),
            "{lang:?}"
        );
        assert_eq!(
            defined_by(&fs, "verifyToken"),
            Some("Object.defineProperty(auth, \"verifyToken\", { value: legacyVerify });"),
            "{lang:?}"
        );
        assert_eq!(
            defined_by(&fs, "verifyMac"),
            Some("Object.assign(auth, { verifyMac: compat.macOk, other: 3 });"),
            "{lang:?}"
        );
        assert_eq!(
            defined_by(&fs, "verifyPin"),
            Some("Reflect.set(auth, 'verifyPin', legacyVerify);"),
            "{lang:?}"
        );
        assert_eq!(defined_by(&fs, "verifyOtp"), Some("auth[\"verifyOtp\"] = compat.otpOk;"), "{lang:?}");
        let names: Vec<&str> = fs.definitions.iter().map(|d| d.name.as_str()).collect();
        assert!(!names.contains(&"other") && !names.contains(&"user"), "{lang:?} {names:?}");
        assert_eq!(
            fs.definitions.iter().filter(|d| d.name == "legacyVerify").count(),
            1,
            "{lang:?} {names:?}"
        );
        assert_eq!(defined_by(&fs, "fresh"), None, "{lang:?}");
        let c = calls(&fs);
        for want in [
            ("legacyVerify".to_string(), 2, Some("verifySignature".to_string())),
            ("legacyVerify".into(), 3, Some("verifyToken".into())),
            ("macOk".into(), 4, Some("verifyMac".into())),
            ("legacyVerify".into(), 5, Some("verifyPin".into())),
            ("otpOk".into(), 6, Some("verifyOtp".into())),
        ] {
            assert!(c.contains(&want), "{lang:?}: {want:?} in {c:?}");
        }
    }
}

/// f5 (round 26): a function a macro's expansion writes through a parameter (`fn $name` in a
/// `macro_rules!`, `int name(…) {` in a C `#define`) is defined by each invocation, under the
/// argument written at that parameter's place; a pasted name (`name ## _open`) or an argument that
/// is no name defines nothing.
#[test]
fn a_function_written_by_a_macro_is_defined_by_the_invocation() {
    let rust = b"macro_rules! realm_check {\n    ($name:ident, $realm:expr) => {\n        pub fn $name(user: &str) -> bool { user.ends_with($realm) || !user.is_empty() }\n    };\n}\nrealm_check!(check_password, \"@corp\");\nrealm_check! { check_token, \"@corp\" }\nfn main() { realm_check!(1 + 2, \"x\"); }\n";
    let fs = extract(Language::Rust, rust);
    let got: Vec<(&str, u32, Option<&str>)> = fs
        .definitions
        .iter()
        .filter(|d| d.defined_by.is_some())
        .map(|d| (d.name.as_str(), d.name_range.start.line, d.defined_by.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            ("check_password", 5, Some("realm_check!(check_password, \"@corp\")")),
            ("check_token", 6, Some("realm_check! { check_token, \"@corp\" }"))
        ]
    );
    let c = b"#include <string.h>\n#define REALM_CHECK(name, realm) \\\n    int name(const char *u, const char *p) { (void)p; return strstr(u, realm) != 0 || *u; }\n#define SHOW(name) static int name ## _open(void) { return 0; }\n#define CALL(f, x) f(x)\n\nREALM_CHECK(verify_user, \"@corp\")\nSHOW(debug)\nint main(void) { return CALL(verify_user, 1); }\n";
    let fs = extract(Language::C, c);
    let got: Vec<(&str, u32, Option<&str>)> = fs
        .definitions
        .iter()
        .filter(|d| d.defined_by.is_some())
        .map(|d| (d.name.as_str(), d.name_range.start.line, d.defined_by.as_deref()))
        .collect();
    assert_eq!(got, [("verify_user", 6, Some("REALM_CHECK(verify_user, \"@corp\")"))]);
}

/// The macro readers of f5 read each byte a bounded number of times: a megabyte of `define` words on
/// one line, of unclosed invocations, or of nested `macro_rules!`, is read in linear time.
#[test]
fn macro_written_functions_are_read_in_linear_time() {
    let n = 30_000;
    let mut c = String::from("#define M(name) int name(void) { return 0; }\n");
    c.push_str(&"define ".repeat(n));
    c.push('\n');
    c.push_str(&"M(a, (\n".repeat(n));
    let mut rust = String::from("macro_rules! m { ($n:ident) => { fn $n() {} }; }\n");
    rust.push_str(&"m!(a, (".repeat(n));
    rust.push('\n');
    rust.push_str(&"macro_rules! x { ".repeat(n));
    let started = std::time::Instant::now();
    let _ = extract(Language::C, c.as_bytes());
    let _ = extract(Language::Rust, rust.as_bytes());
    assert!(started.elapsed() < std::time::Duration::from_secs(20), "{:?}", started.elapsed());
}

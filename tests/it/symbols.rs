//! Symbols end to end: golden outlines per language, error recovery, the persisted index and its
//! lookups, definition ranking, callers, and the `symbols`/`def`/`refs`/`callers` commands.

use std::path::{Path, PathBuf};

use vitrine_snapshot::progress::Progress;
use vitrine_syntax::index::{self, Match, Role, SourceFile, SymbolIndex};
use vitrine_syntax::symbols::Point;
use vitrine_syntax::{Confidence, Proximity, RefKind, SymbolKind, extract, language_for_path};

use crate::support::{TempTree, arg, data_dir, vitrine_in, vitrine_os};

/// The tree id the index tests build under (any id: the index records it and `open_for` compares it).
const TEST_DIGEST: vitrine_snapshot::Sha256Id = vitrine_snapshot::Sha256Id::from_bytes([0x7e; 32]);

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/symbols").join(rel)
}

/// Compares `actual` with the golden file, or rewrites it when `UPDATE_EXPECT=1`.
fn check_golden(golden: &Path, actual: &str) {
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(golden, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(golden)
        .unwrap_or_else(|_| panic!("{} is missing: run with UPDATE_EXPECT=1", golden.display()));
    if expected != actual {
        panic!(
            "{} differs (run with UPDATE_EXPECT=1 and review the diff)\n--- expected\n{expected}\n--- actual\n{actual}",
            golden.display()
        );
    }
}

fn outline_of(fixture: &str) -> (vitrine_syntax::FileSymbols, String) {
    let source = std::fs::read(data(fixture)).unwrap();
    let lang = language_for_path(fixture, &source).unwrap();
    let fs = extract(lang, &source);
    let text = format!("{}-- {} parse errors\n", fs.outline_text(), fs.parse_errors);
    (fs, text)
}

#[test]
fn golden_outlines_for_every_language() {
    for fixture in [
        "constructs.cpp",
        "kernel_style.c",
        "openssl_style.c",
        "sqlite_style.c",
        "sample.rs",
        "sample.py",
        "Sample.java",
        "sample.go",
        "sample.js",
        "sample.ts",
        "Sample.cs",
    ] {
        let (_, text) = outline_of(fixture);
        check_golden(&data(&format!("{fixture}.outline")), &text);
    }
}

/// The snapshot-wide index reads function bodies and initializers lexically (`skim_bodies`). On the
/// C and C++ fixtures that must lose nothing: the same definitions and declarations at the same
/// places, the same calls, and the same names referenced.
#[test]
fn skimmed_extraction_keeps_every_definition_and_call() {
    use std::collections::BTreeSet;
    type Def = (String, SymbolKind, String, Point, Point);
    fn defs(list: &[vitrine_syntax::Symbol]) -> Vec<Def> {
        list.iter()
            .map(|d| (d.name.clone(), d.kind, d.scope.clone(), d.name_range.start, d.range.end))
            .collect()
    }
    for fixture in ["constructs.cpp", "kernel_style.c", "openssl_style.c", "sqlite_style.c"] {
        let source = std::fs::read(data(fixture)).unwrap();
        let lang = language_for_path(fixture, &source).unwrap();
        let full = extract(lang, &source);
        let options = vitrine_syntax::ExtractOptions { skim_bodies: true, ..Default::default() };
        let skimmed = vitrine_syntax::extract_with(lang, &source, &options);
        assert_eq!(defs(&skimmed.definitions), defs(&full.definitions), "{fixture}: definitions");
        assert_eq!(defs(&skimmed.declarations), defs(&full.declarations), "{fixture}: declarations");
        let calls = |fs: &vitrine_syntax::FileSymbols| -> BTreeSet<(String, Point)> {
            fs.references.iter().filter(|r| r.kind == RefKind::Call).map(|r| (r.name.clone(), r.at)).collect()
        };
        assert_eq!(calls(&skimmed), calls(&full), "{fixture}: calls");
        let names = |fs: &vitrine_syntax::FileSymbols| -> BTreeSet<String> {
            fs.references.iter().map(|r| r.name.clone()).collect()
        };
        assert_eq!(names(&skimmed), names(&full), "{fixture}: referenced names");
    }
}

fn find<'a>(fs: &'a vitrine_syntax::FileSymbols, name: &str) -> Vec<&'a vitrine_syntax::Symbol> {
    fs.definitions.iter().filter(|d| d.name == name).collect()
}

#[test]
fn cpp_constructs_have_the_right_kinds_and_scopes() {
    let (fs, _) = outline_of("constructs.cpp");
    let one = |name: &str, kind: SymbolKind, scope: &str| {
        let found = find(&fs, name);
        assert!(
            found.iter().any(|d| d.kind == kind && d.scope == scope),
            "{name}: want {kind:?} in {scope:?}, got {found:?}"
        );
    };
    one("Buffer", SymbolKind::Class, "gfx::detail::impl");
    // Out-of-line definitions take the scope written in their name.
    one("Buffer", SymbolKind::Constructor, "gfx::detail::impl::Buffer");
    one("~Buffer", SymbolKind::Destructor, "gfx::detail::impl::Buffer");
    one("operator==", SymbolKind::Operator, "gfx::detail::impl::Buffer");
    one("operator[]", SymbolKind::Operator, "gfx::detail::impl::Buffer");
    one("convert", SymbolKind::Method, "gfx::detail::impl::Buffer");
    one("draw", SymbolKind::Method, "Widget");
    one("Widget", SymbolKind::Constructor, "Widget");
    one("area", SymbolKind::Function, "gfx");
    one("Green", SymbolKind::Enumerator, "gfx::detail::impl::Color");
    one("transform", SymbolKind::Field, "gfx::detail::impl::Point");
    one("index_type", SymbolKind::Typedef, "gfx::detail::impl");
    one("callback_t", SymbolKind::Typedef, "");
    one("WIDGET_MAX", SymbolKind::Macro, "");
    one("impl", SymbolKind::Namespace, "gfx::detail");
    // Prototypes are declarations, never definitions; the definition of helper is the one with a body.
    let helper_defs = find(&fs, "helper");
    assert_eq!(helper_defs.len(), 1);
    assert_eq!(helper_defs[0].range.start.line + 1, 72);
    assert!(fs.declarations.iter().any(|d| d.name == "helper" && d.name_range.start.line + 1 == 71));
    assert!(fs.declarations.iter().any(|d| d.name == "Forward" && d.kind == SymbolKind::Class));
    assert!(fs.declarations.iter().any(|d| d.name == "external_counter" && d.kind == SymbolKind::Variable));
    assert!(find(&fs, "external_counter").is_empty());
    assert_eq!(fs.includes, vec!["vector".to_string(), "widget.h".to_string()]);
}

#[test]
fn kernel_style_macros_and_broken_regions_keep_their_symbols() {
    let (fs, _) = outline_of("kernel_style.c");
    assert!(fs.parse_errors > 0, "the fixture has a broken function");
    let sys = find(&fs, "sys_demo");
    assert_eq!(sys.len(), 1, "SYSCALL_DEFINE3(demo, ...) defines sys_demo");
    assert_eq!(sys[0].via_macro.as_deref(), Some("SYSCALL_DEFINE3"));
    for name in ["demo_init", "demo_exit", "demo_kr", "demo_get", "demo_do_work", "demo_after_error"] {
        assert_eq!(find(&fs, name).len(), 1, "{name}");
        assert_eq!(find(&fs, name)[0].kind, SymbolKind::Function);
    }
    // After the broken function, file-level declarations are still found.
    assert_eq!(find(&fs, "demo_fops").len(), 1);
    assert!(fs.declarations.iter().any(|d| d.name == "demo_prototype"));
    assert!(fs.declarations.iter().any(|d| d.name == "demo_count"));
    // EXPORT_SYMBOL and module_init are uses, not declarations.
    assert!(find(&fs, "EXPORT_SYMBOL_GPL").is_empty());
    assert!(!fs.declarations.iter().any(|d| d.name == "EXPORT_SYMBOL_GPL" || d.name == "module_init"));
    assert!(fs.references.iter().any(|r| r.name == "demo_kr" && r.kind == RefKind::Other));
    // Locals of the macro-wrapped function stay out of the outline.
    assert!(find(&fs, "d").is_empty());
    // The call written inside the macro body is a call made by the macro.
    let macro_idx = fs.definitions.iter().position(|d| d.name == "demo_call").unwrap() as u32;
    assert!(
        fs.references
            .iter()
            .any(|r| r.name == "demo_do_work" && r.kind == RefKind::Call && r.enclosing == Some(macro_idx))
    );
}

/// The names of the function definitions of a file, in order.
fn functions(fs: &vitrine_syntax::FileSymbols) -> Vec<&str> {
    fs.definitions.iter().filter(|d| d.kind == SymbolKind::Function).map(|d| d.name.as_str()).collect()
}

/// OpenSSL-style preprocessor use that a grammar reading `#if` as syntax loses: branches that each
/// open a brace, a statement-like macro invocation with no `;`, a `#define` and an X-macro list in a
/// body, signatures in `#ifdef` branches before one body.
#[test]
fn openssl_style_preprocessor_use_keeps_every_function() {
    let (fs, _) = outline_of("openssl_style.c");
    for skim in [false, true] {
        let source = std::fs::read(data("openssl_style.c")).unwrap();
        let options = vitrine_syntax::ExtractOptions { skim_bodies: skim, ..Default::default() };
        let fs = vitrine_syntax::extract_with(vitrine_syntax::Language::C, &source, &options);
        assert_eq!(
            functions(&fs),
            [
                "demo_v2i_usage",
                "demo_v2i_point",
                "demo_check_public",
                "demo_err_to_string",
                "demo_cbc_encrypt",
                "demo_after_everything"
            ],
            "skim {skim}"
        );
    }
    // No fake definitions named after macro invocations, no locals at file level.
    for fake in ["IMPLEMENT_DEMO_FUNCTIONS", "DECLARE_DEMO_TABLE", "X", "bits", "status", "demo_ncbc_encrypt"]
    {
        assert!(
            !fs.definitions.iter().chain(&fs.declarations).any(|d| d.name == fake && d.parent.is_none()),
            "{fake}"
        );
    }
    assert!(!fs.declarations.iter().any(|d| d.name == "demo_cbc_encrypt"), "a definition, not a declaration");
    // Calls inside the function whose branches open its block are the function's.
    let check = fs.definitions.iter().position(|d| d.name == "demo_check_public").unwrap() as u32;
    for callee in ["demo_raise", "demo_check_modulus"] {
        let r = fs.references.iter().find(|r| r.name == callee).unwrap();
        assert_eq!((r.kind, r.enclosing), (RefKind::Call, Some(check)), "{callee}");
    }
    // The invocations kept as text are still uses; the signature left as text is no call.
    assert!(fs.references.iter().any(|r| r.name == "IMPLEMENT_DEMO_FUNCTIONS" && r.kind == RefKind::Call));
    assert!(!fs.references.iter().any(|r| r.name == "demo_ncbc_encrypt" && r.kind == RefKind::Call));
    // The branches left out, for the code view (1-based lines: `#else` at 38, `#else` at 66, `#if 0`
    // at 74, and the `__cplusplus` blocks of a file its name makes C: a `.c`; in a `.h` they are both
    // read).
    let source = std::fs::read(data("openssl_style.c")).unwrap();
    let inactive: Vec<(u32, vitrine_syntax::Inactive)> =
        vitrine_syntax::inactive_ranges_at("openssl_style.c", vitrine_syntax::Language::C, &source)
            .iter()
            .map(|r| (r.lines.start + 1, r.why))
            .collect();
    use vitrine_syntax::Inactive::{Alternative, Disabled};
    assert_eq!(
        inactive,
        [(9, Disabled), (38, Alternative), (66, Alternative), (74, Disabled), (86, Disabled)]
    );
}

/// Comments in macro definitions name no calls; definitions after inline assembly are kept.
#[test]
fn comments_are_not_calls_and_assembly_loses_nothing() {
    let (fs, _) = outline_of("sqlite_style.c");
    for callee in ["demo_malloc", "demo_open"] {
        let calls: Vec<u32> = fs
            .references
            .iter()
            .filter(|r| r.name == callee && r.kind == RefKind::Call)
            .map(|r| r.at.line + 1)
            .collect();
        assert!(calls.iter().all(|&l| l > 8), "{callee} is named in a comment only: {calls:?}");
    }
    assert!(!fs.references.iter().any(|r| r.name == "at" || r.name == "EDX"));
    assert_eq!(functions(&fs), ["demo_hwtime", "demo_hwtime", "demo_hwtime", "demo_get_token", "demo_read"]);
}

/// Builds an index over in-memory files.
fn index_of(files: &[(&str, &str)]) -> (tempfile::TempDir, SymbolIndex) {
    let dir = tempfile::tempdir().unwrap();
    let sources: Vec<SourceFile> = files
        .iter()
        .map(|(p, _)| SourceFile { path: p.to_string(), language: None, assembly: false })
        .collect();
    let read = |i: usize| files.get(i).map(|(_, c)| c.as_bytes().to_vec());
    let idx =
        index::build(&sources, None, read, &dir.path().join("symbols"), &TEST_DIGEST, &Progress::default())
            .unwrap();
    (dir, idx)
}

#[test]
fn definition_candidates_are_ranked_by_proximity() {
    let main = "#include \"a/setup.h\"\nint run(void) { return setup(1); }\nint setup(int x) { return x; }\n";
    let files = [
        ("b/far.c", "int setup(int x) { return 4; }\n"),
        ("include/a/setup.h", "static inline int setup(int x) { return 3; }\n"),
        ("include/z/proto.h", "int setup(int x);\n"),
        ("src/a/main.c", main),
        ("src/a/other.c", "int setup(int x) { return 2; }\n"),
    ];
    let (_tmp, idx) = index_of(&files);
    let at = Point { line: 1, column: 24 };
    let got = vitrine_syntax::definition(&idx, "src/a/main.c", main.as_bytes(), at).unwrap();
    let order: Vec<(&str, Proximity, Role)> =
        got.iter().map(|c| (c.hit.path.as_str(), c.proximity, c.hit.role)).collect();
    assert_eq!(
        order,
        vec![
            ("src/a/main.c", Proximity::SameFile, Role::Definition),
            ("src/a/other.c", Proximity::SameDirectory, Role::Definition),
            ("include/a/setup.h", Proximity::Included, Role::Definition),
            ("b/far.c", Proximity::Elsewhere, Role::Definition),
            ("include/z/proto.h", Proximity::Elsewhere, Role::Declaration),
        ]
    );
    assert_eq!(got[0].confidence, Confidence::SameFile);
    assert_eq!(got[2].confidence, Confidence::Included);
    assert_eq!(got[3].confidence, Confidence::SameName);
}

#[test]
fn a_written_qualifier_picks_the_matching_scope() {
    let use_site = "void f() { net::open(1); }\n";
    let files = [
        ("fs/open.cpp", "namespace fs { int open(int) { return 0; } }\n"),
        ("net/open.cpp", "namespace net { int open(int) { return 1; } }\n"),
        ("use.cpp", use_site),
    ];
    let (_tmp, idx) = index_of(&files);
    let got = vitrine_syntax::definition(&idx, "use.cpp", use_site.as_bytes(), Point { line: 0, column: 17 })
        .unwrap();
    assert_eq!(got[0].hit.path, "net/open.cpp");
    assert_eq!(got[0].confidence, Confidence::ExactScope);
    assert_eq!(got[1].confidence, Confidence::SameName);
}

#[test]
fn callers_are_grouped_by_enclosing_definition() {
    let files = [
        (
            "calls.c",
            "#define CALL_TARGET(x) target(x)\n\
             int target(int x) { return x; }\n\
             int direct(void) { return target(1) + target(2); }\n\
             int via_macro(void) { return CALL_TARGET(3); }\n",
        ),
        ("method.cpp", "struct S { int target(int); };\nvoid method_caller(S& s) {\n  s.target(1);\n}\n"),
    ];
    let (_tmp, idx) = index_of(&files);
    let groups = idx.callers("target").unwrap();
    let summary: Vec<(String, String, usize)> = groups
        .iter()
        .map(|g| {
            (g.path.clone(), g.caller.as_ref().map(|c| c.name.clone()).unwrap_or_default(), g.sites.len())
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("calls.c".to_string(), "CALL_TARGET".to_string(), 1),
            ("calls.c".to_string(), "direct".to_string(), 2),
            ("method.cpp".to_string(), "method_caller".to_string(), 1),
        ]
    );
    assert_eq!(groups[2].sites, vec![Point { line: 2, column: 4 }]);
    let via = idx.callers("CALL_TARGET").unwrap();
    assert_eq!(via.len(), 1);
    assert_eq!(via[0].caller.as_ref().unwrap().name, "via_macro");
    assert!(idx.callers("nobody_calls_this").unwrap().is_empty());
}

#[test]
fn the_index_reopens_and_answers_every_kind_of_lookup() {
    let files = [
        ("k/alloc.c", "void *kmalloc_node(int n) { return 0; }\nvoid *KMALLOC_big(void) { return 0; }\n"),
        ("k/alloc.h", "void *kmalloc_node(int n);\n#define KMALLOC_MAX 8\n"),
        ("README", "kmalloc_node is not code here\n"),
    ];
    let (tmp, built) = index_of(&files);
    assert_eq!(built.meta().parsed_files, 2);
    drop(built);
    let idx = SymbolIndex::open(&tmp.path().join("symbols")).unwrap();
    assert_eq!(idx.meta().tree_sha256, TEST_DIGEST);
    let exact = idx.lookup("kmalloc_node", Match::Exact).unwrap();
    assert_eq!(exact.len(), 2);
    assert_eq!((exact[0].path.as_str(), exact[0].role), ("k/alloc.c", Role::Definition));
    assert_eq!((exact[1].path.as_str(), exact[1].role), ("k/alloc.h", Role::Declaration));
    assert_eq!((exact[0].at.line, exact[0].at.column), (0, 6));
    let ci: Vec<String> =
        idx.lookup("kmalloc_big", Match::IgnoreCase).unwrap().into_iter().map(|h| h.name).collect();
    assert_eq!(ci, vec!["KMALLOC_big".to_string()]);
    let mut prefix = idx.names("KMALLOC", Match::Prefix, 10).unwrap();
    prefix.sort();
    assert_eq!(prefix, vec!["KMALLOC_MAX".to_string(), "KMALLOC_big".to_string()]);
    let fuzzy = idx.names("kmnode", Match::Fuzzy, 10).unwrap();
    assert_eq!(fuzzy.first().map(String::as_str), Some("kmalloc_node"));
    assert!(idx.lookup("kmalloc", Match::Exact).unwrap().is_empty());
}

/// Issue 11, class 8: a changed byte in the symbol index (a path renamed to one that does not
/// exist, with or without new seals) never makes `def` print a file that is not in the snapshot: the
/// index is rebuilt, with a message, and `def` answers from the snapshot.
#[test]
fn a_changed_byte_in_the_symbol_index_never_names_a_missing_file() {
    let snap = TempTree::new();
    snap.file("lib/alpha.c", "int alpha_fn(void) { return 1; }\n");
    snap.file("lib/omega.c", "int omega_fn(void) { return alpha_fn(); }\n");
    let (_d, data_path) = data_dir();
    let def = |name: &str| {
        vitrine_os(&["--data".as_ref(), arg(&data_path), "def".as_ref(), arg(snap.path()), name.as_ref()])
    };
    let (code, out, err) = def("alpha_fn");
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("lib/alpha.c:1:"), "{out}");
    let dir = std::fs::read_dir(data_path.join("snapshots"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path()
        .join("symbols");
    for reseal in [false, true] {
        let mut files = std::fs::read(dir.join("files.bin")).unwrap();
        let at = files.windows(5).position(|w| w == b"alpha").unwrap();
        files[at] = b'b';
        std::fs::write(dir.join("files.bin"), &files).unwrap();
        if reseal {
            let mut seals = vitrine_indexfile::Seals::default();
            for e in std::fs::read_dir(&dir).unwrap() {
                let name = e.unwrap().file_name().into_string().unwrap();
                if name != vitrine_indexfile::SEALS_FILE {
                    seals
                        .insert(&name, vitrine_indexfile::Seal::of(&std::fs::read(dir.join(&name)).unwrap()));
                }
            }
            seals.write(&dir).unwrap();
        }
        let (code, out, err) = def("alpha_fn");
        assert_eq!(code, 0, "resealed {reseal}: {err}");
        assert!(!out.contains("blpha"), "resealed {reseal}: {out}");
        assert!(out.starts_with("lib/alpha.c:1:"), "resealed {reseal}: {out}");
        assert!(err.contains("rebuilding"), "resealed {reseal}: {err}");
    }
}

#[test]
fn cli_symbols_def_refs_callers() {
    let snap = TempTree::new();
    snap.file("drivers/demo.c", std::fs::read_to_string(data("kernel_style.c")).unwrap())
        .file("lib/widget.cpp", std::fs::read_to_string(data("constructs.cpp")).unwrap());
    let (_d, data_path) = data_dir();
    let run = |args: &[&str]| vitrine_in(&data_path, &[], args);
    let root = snap.path().to_str().unwrap();

    let (code, out, err) = run(&["def", root, "demo_do_work", "--json"]);
    assert_eq!(code, 0, "{err}");
    let first: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(first["path"], "drivers/demo.c");
    assert_eq!(first["line"], 26);
    assert_eq!(first["column"], 12);
    assert_eq!(first["kind"], "function");
    assert_eq!(first["name"], "demo_do_work");
    assert_eq!(first["scope"], "");

    let (code, out, _) = run(&["def", root, "Widget::draw", "--json"]);
    assert_eq!(code, 0);
    let rows: Vec<serde_json::Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(rows[0]["line"], 68);
    assert_eq!(rows[0]["role"], "definition");
    assert_eq!(rows[1]["role"], "declaration");

    let (code, out, _) = run(&["def", root, "no_such_symbol"]);
    assert_eq!((code, out.as_str()), (1, ""));

    let (code, out, _) = run(&["callers", root, "demo_do_work", "--json"]);
    assert_eq!(code, 0);
    let callers: Vec<String> = out
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(callers, vec!["demo_call", "sys_demo", "demo_after_error"]);

    let (code, out, _) = run(&["refs", root, "demo_kr", "--json"]);
    assert_eq!(code, 0);
    assert!(out.contains("\"line\":56"), "{out}");

    let (code, out, _) = run(&["symbols", root, "lib/widget.cpp"]);
    assert_eq!(code, 0);
    assert!(out.contains("constructor gfx::detail::impl::Buffer::Buffer"), "{out}");

    let (code, _, err) = run(&["symbols", root, "missing.c"]);
    assert_eq!(code, 2, "{err}");

    let (code, out, _) = run(&["def", root, "sys_dem", "--prefix"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("drivers/demo.c:44:17: function sys_demo"), "{out}");
}

/// Templates get symbols by their guest extension, a user mapping adds a type, every name-taking
/// command takes `A::b`, a limit that cuts results says so, and nothing found says what is close.
#[test]
fn cli_templates_mappings_name_forms_limits_and_suggestions() {
    let snap = TempTree::new();
    let many: String = (0..10_050).map(|i| format!("#define DEMO_LIMIT_{i:05} {i}\n")).collect();
    snap.file("include/demo/ssl.h.in", "{-\n use OpenSSL::stackhash;\n-}\nint demo_err_raise(int lib, int reason);\n")
        .file("providers/rsa_enc.c.in", "int demo_err_raise(int lib, int reason)\n{\n    return lib + reason;\n}\n")
        .file("crypto/des/ncbc_enc.vitrine-test-inc", "void demo_ncbc(void)\n{\n    demo_err_raise(1, 2);\n}\n")
        .file("db/db_impl.cc", "class DBImpl {\n  int WriteImpl(int n);\n  int Write(int n);\n};\nint DBImpl::WriteImpl(int n) { return n; }\nint DBImpl::Write(int n) { return WriteImpl(n); }\n")
        .file("include/limits.h", many);
    let (_d, data_path) = data_dir();
    let root = snap.path().to_str().unwrap();
    let run = |args: &[&str]| vitrine_in(&data_path, &[], args);

    let (code, out, err) = run(&["symbols", root, "include/demo/ssl.h.in"]);
    assert_eq!((code, out.as_str()), (0, "     4  function demo_err_raise (declaration)\n"), "{err}");
    let (code, out, _) = run(&["def", root, "demo_err_raise"]);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        "providers/rsa_enc.c.in:1:5: function demo_err_raise\ninclude/demo/ssl.h.in:4:5: function demo_err_raise (declaration)\n"
    );

    // Without a mapping the `.vitrine-test-inc` file has no symbols; nothing found says so.
    let (code, out, err) = run(&["def", root, "demo_ncbc"]);
    assert_eq!((code, out.as_str()), (1, ""));
    assert_eq!(err, "vitrine: no definition of demo_ncbc\n");
    let (code, out, err) = run(&["def", root, "demo_err_rais"]);
    assert_eq!((code, out.as_str()), (1, ""));
    assert_eq!(err, "vitrine: no definition of demo_err_rais; close names: demo_err_raise\n");
    let (code, out, err) = run(&["--lang-map", "*.vitrine-test-inc=c", "def", root, "demo_ncbc"]);
    assert_eq!(
        (code, out.as_str()),
        (0, "crypto/des/ncbc_enc.vitrine-test-inc:1:6: function demo_ncbc\n"),
        "{err}"
    );
    let (code, _, err) = run(&["--lang-map", "*.inc=klingon", "def", root, "demo_ncbc"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown language \"klingon\""), "{err}");

    // `callers` and `refs` take the qualified form `def` takes.
    let (code, out, err) = run(&["callers", root, "DBImpl::WriteImpl"]);
    assert_eq!((code, out.as_str()), (0, "db/db_impl.cc:6:13: method Write  calls at 6:35\n"), "{err}");
    let (code, out, _) = run(&["refs", root, "DBImpl::WriteImpl"]);
    assert_eq!((code, out.as_str()), (0, "db/db_impl.cc:6:35: call in Write\n"));
    let (code, _, err) = run(&["callers", root, "DBImpl::NoSuch"]);
    assert_eq!((code, err.as_str()), (1, "vitrine: no calls of DBImpl::NoSuch\n"));

    // A prefix matching more names than the index returns says it was cut, on stderr and in JSON.
    let (code, out, err) = run(&["def", root, "DEMO_LIMIT_", "--prefix", "--json"]);
    assert_eq!(code, 0);
    assert_eq!(out.lines().count(), 10_000);
    let first: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(first["truncated"], true);
    assert!(err.contains("results cut at 10000 names"), "{err}");
    let (code, out, err) = run(&["def", root, "DEMO_LIMIT_0000", "--prefix", "--json"]);
    assert_eq!((code, out.lines().count(), err.as_str()), (0, 10, ""));
    assert!(!out.contains("truncated"));
}

/// A definition a macro wraps is one row of the outline and is found under both names a reviewer
/// types: the macro's (as ctags names it) and its own; a macro invocation without a body defines
/// nothing; a function returning a macro-written type is found by its own name.
#[test]
fn cli_macro_wrapped_definitions_under_both_names() {
    let snap = TempTree::new();
    snap.file("gtest.h", "#define TEST_F(fixture, name) void fixture##_##name##_Test::TestBody()\n")
        .file("db_test.cc", "#include \"gtest.h\"\nclass DBTest {};\n\nTEST_F(DBTest, Reopens) {\n  Reopen();\n}\n")
        .file(
            "init.c",
            "DEFINE_RUN_ONCE_STATIC(do_init)\n{\n    return 1;\n}\n\nIMPLEMENT_ASN1_FUNCTIONS(X509)\n\nSTACK_OF(X509) *chain_get(void)\n{\n    return 0;\n}\n",
        );
    let (_d, data_path) = data_dir();
    let root = snap.path().to_str().unwrap();
    let run = |args: &[&str]| vitrine_in(&data_path, &[], args);
    let (code, out, err) = run(&["symbols", root, "db_test.cc"]);
    assert_eq!(
        (code, out.as_str()),
        (0, "     2  class DBTest\n     4  method DBTest::Reopens (via TEST_F)\n"),
        "{err}"
    );
    let (code, out, err) = run(&["def", root, "TEST_F"]);
    assert_eq!(
        (code, out.as_str()),
        (0, "gtest.h:1:9: macro TEST_F\ndb_test.cc:4:16: method DBTest::Reopens (via TEST_F)\n"),
        "{err}"
    );
    let (code, out, _) = run(&["def", root, "DBTest::Reopens"]);
    assert_eq!((code, out.as_str()), (0, "db_test.cc:4:16: method DBTest::Reopens\n"));
    let (code, out, _) = run(&["def", root, "DEFINE_RUN_ONCE_STATIC", "--json"]);
    assert_eq!(code, 0);
    let hit: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(
        (hit["name"].as_str(), hit["found_as_macro"].as_str()),
        (Some("do_init"), Some("DEFINE_RUN_ONCE_STATIC"))
    );
    let (code, out, _) = run(&["def", root, "do_init"]);
    assert_eq!((code, out.as_str()), (0, "init.c:1:24: function do_init\n"));
    let (code, out, _) = run(&["def", root, "chain_get"]);
    assert_eq!((code, out.as_str()), (0, "init.c:8:17: function chain_get\n"));
    for nothing in ["IMPLEMENT_ASN1_FUNCTIONS", "X509", "STACK_OF"] {
        let (code, out, _) = run(&["def", root, nothing]);
        assert_eq!((code, out.as_str()), (1, ""), "{nothing}");
    }
}

/// F5/F6 (round 22): a definition spelled with universal character names (`check_p\u0430ss`, which gcc
/// links as `check_pаss`, Cyrillic `а`) is found by `def` of the raw-letter name login.c calls, and by
/// the escaped spelling copied from the code; the call is listed by `callers`; `health` flags the
/// escaped spelling and the whole-script look-alike `ехес`, naming the ASCII names they look like.
#[test]
fn cli_names_spelled_with_escapes_and_look_alikes() {
    let snap = TempTree::new();
    snap.file(
        "auth.c",
        "int grant_root(int);\nint check_pass(const char *pw) { return pw ? 0 : -1; }\n\
         int check_p\\u0430ss(const char *pw) { (void)pw; return grant_root(0), 0; }\n\
         int exec(const char *cmd);\nint \u{435}\u{445}\u{435}\u{441}(const char *cmd) { (void)cmd; return 0; }\n",
    )
    .file(
        "login.c",
        "int check_p\u{430}ss(const char *pw);\nint login(const char *pw) { return check_p\u{430}ss(pw); }\n",
    );
    let (_d, data_path) = data_dir();
    let run = |args: &[&str]| vitrine_in(&data_path, &[], args);
    let root = snap.path().to_str().unwrap();
    for name in ["check_p\u{430}ss", "check_p\\u0430ss"] {
        let (code, out, err) = run(&["def", root, name]);
        assert_eq!(code, 0, "{name}: {err}");
        assert!(out.starts_with("auth.c:3:5: function check_p\u{430}ss"), "{name}: {out}");
        let (code, out, err) = run(&["callers", root, name]);
        assert_eq!(code, 0, "{name}: {err}");
        assert!(out.contains("login") && out.contains("login.c:2"), "{name}: {out}");
    }
    let (code, out, err) = run(&["health", root, "--json"]);
    assert_eq!(code, 0, "{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let found: Vec<(String, u64, String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_owned(),
                f["line"].as_u64().unwrap_or(0),
                f["kind"].as_str().unwrap().to_owned(),
                f["detail"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let at = |path: &str, line: u64| found.iter().find(|f| f.0 == path && f.1 == line);
    let escaped = at("auth.c", 3).unwrap_or_else(|| panic!("{found:?}"));
    assert_eq!(escaped.2, "escaped-identifier");
    assert!(escaped.3.contains("looks like `check_pass`") && escaped.3.contains("at line 2"), "{escaped:?}");
    let look = at("auth.c", 5).unwrap_or_else(|| panic!("{found:?}"));
    assert_eq!(look.2, "confusable-identifier");
    assert!(
        look.3.contains("looks like `exec`") && look.3.contains("this file uses `exec` at line 4"),
        "{look:?}"
    );
}

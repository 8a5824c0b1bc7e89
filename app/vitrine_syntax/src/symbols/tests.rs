//! Unit tests of the extraction pipeline, the C walk and the recovery.

use super::pipeline::parse;
use super::recover::swallowed_ranges;
use super::*;

/// What the extractor finds in `source`, with bodies skimmed (as the snapshot-wide index reads them) and
/// without (as the outline of an open file does): `(skim_bodies, symbols)` for each way.
fn each_way(lang: Language, source: &[u8]) -> [(bool, FileSymbols); 2] {
    [false, true].map(|skim_bodies| {
        (
            skim_bodies,
            extract_with(lang, source, &ExtractOptions { skim_bodies, ..ExtractOptions::default() }),
        )
    })
}

/// Each function-like definition: name, first and last line.
fn function_extents(fs: &FileSymbols) -> Vec<(&str, u32, u32)> {
    fs.definitions
        .iter()
        .filter(|d| d.kind.is_function_like())
        .map(|d| (d.name.as_str(), d.range.start.line, d.range.end.line))
        .collect()
}

/// Each call: the name called, its line, and the definition it is written in.
fn calls_in(fs: &FileSymbols) -> Vec<(&str, u32, Option<&str>)> {
    fs.references
        .iter()
        .filter(|r| r.kind == RefKind::Call)
        .map(|r| {
            let enclosing = r.enclosing.and_then(|e| fs.definitions.get(e as usize)).map(|d| d.name.as_str());
            (r.name.as_str(), r.at.line, enclosing)
        })
        .collect()
}

const KERNEL: &[u8] = include_bytes!("../../../../tests/data/symbols/kernel_style.c");
const CPP: &[u8] = include_bytes!("../../../../tests/data/symbols/constructs.cpp");

/// A file-level macro call the grammar cannot read runs over the functions that follow (with
/// their bodies emptied or not); their names are then read from the text before each body.
#[test]
fn functions_swallowed_by_a_broken_construct_are_recovered() {
    let source = include_bytes!("../../../../tests/data/symbols/broken_tables.c");
    let sk = crate::skim::skim(source).unwrap();
    let neutralized = crate::macros::neutralize(&sk.source);
    let first = parse(Language::C, neutralized.as_deref().unwrap_or(&sk.source), None, None).unwrap();
    let keep = swallowed_ranges(first.root_node(), &sk);
    assert!(!keep.is_empty(), "the fixture must show the grammar swallowing a body");
    let options = ExtractOptions { skim_bodies: true, ..ExtractOptions::default() };
    let skimmed = extract_with(Language::C, source, &options);
    let full = extract(Language::C, source);
    for fs in [&skimmed, &full] {
        let functions: Vec<&str> = fs
            .definitions
            .iter()
            .filter(|d| d.kind == SymbolKind::Function)
            .map(|d| d.name.as_str())
            .collect();
        assert_eq!(functions, ["demo_reset", "demo_set_clock"]);
    }
}

/// An iterator macro followed by a block inside a body reads, to the grammar, as a nested
/// function definition of its argument.
#[test]
fn iterator_macros_in_bodies_define_nothing() {
    let source = b"static void start(int cpu)\n{\n\tstruct nb *nb;\n\tint i, id;\n\n\tid = die_id(cpu);\n\tfor_each_online_cpu(i) {\n\t\tnb = get(i);\n\t}\n}\n";
    let fs = extract(Language::C, source);
    let functions: Vec<&str> =
        fs.definitions.iter().filter(|d| d.kind.is_function_like()).map(|d| d.name.as_str()).collect();
    assert_eq!(functions, ["start"]);
}

const BROKEN_COMMENTED: &[u8] = include_bytes!("../../../../tests/data/symbols/broken_tables_commented.c");

/// Giving emptied bodies back to the grammar: the edits turn the old text into the new one, and
/// the tree parsed incrementally from the edited old tree is the tree of a fresh parse (with
/// comments squeezed before the bodies, and not).
#[test]
fn restored_bodies_reparse_incrementally_to_the_same_tree() {
    restore_reparses_to_the_same_tree(include_bytes!("../../../../tests/data/symbols/broken_tables.c"));
    restore_reparses_to_the_same_tree(BROKEN_COMMENTED);
}

fn restore_reparses_to_the_same_tree(source: &[u8]) {
    let sk = crate::skim::skim(source).unwrap();
    let old = parse(Language::C, &sk.source, None, None).unwrap();
    let keep = swallowed_ranges(old.root_node(), &sk);
    let (restored, edits) = sk.restore(source, &keep);
    let new_text = restored.as_ref().map_or(source, |r| r.source.as_slice());
    assert!(!edits.is_empty() && new_text.len() > sk.source.len());
    let at = |text: &[u8], b: usize| {
        let line_start = text[..b].iter().rposition(|&c| c == b'\n').map_or(0, |i| i + 1);
        tree_sitter::Point::new(text[..b].iter().filter(|&&c| c == b'\n').count(), b - line_start)
    };
    // Edits come last first; applied in that order to the old text, they give the new one.
    let mut text = sk.source.clone();
    let mut shift = 0usize;
    for e in edits.iter().rev() {
        assert_eq!(e.start_position, at(&sk.source, e.start_byte));
        assert_eq!(e.old_end_position, at(&sk.source, e.old_end_byte));
        assert!(sk.source[e.start_byte..e.old_end_byte].iter().all(|&c| c == b'\n'));
        assert_eq!(e.new_end_position, at(new_text, e.new_end_byte + shift));
        shift += e.new_end_byte - e.old_end_byte;
    }
    for e in &edits {
        let len = e.new_end_byte - e.start_byte;
        let from = e.start_byte
            + edits
                .iter()
                .filter(|o| o.start_byte < e.start_byte)
                .map(|o| o.new_end_byte - o.old_end_byte)
                .sum::<usize>();
        text.splice(e.start_byte..e.old_end_byte, new_text[from..from + len].iter().copied());
    }
    assert_eq!(text, new_text);
    let mut edited = old.clone();
    for e in &edits {
        edited.edit(e);
    }
    let incremental = parse(Language::C, new_text, None, Some(&edited)).unwrap();
    let fresh = parse(Language::C, new_text, None, None).unwrap();
    assert_eq!(incremental.root_node().to_sexp(), fresh.root_node().to_sexp());
}

/// `source` with every comment blanked to spaces (newlines kept): the same offsets, and no comment
/// left for `skim` to squeeze.
fn comments_blanked(source: &[u8]) -> Vec<u8> {
    let mut out = source.to_vec();
    let mut i = 0;
    while i < out.len() {
        let end = match (out[i], out.get(i + 1)) {
            (b'"' | b'\'', _) => {
                i = crate::skim::literal_end(&out, i, out.len());
                continue;
            }
            (b'/', Some(b'*')) => memchr::memmem::find(&out[i + 2..], b"*/").map_or(out.len(), |k| i + k + 4),
            (b'/', Some(b'/')) => memchr::memchr(b'\n', &out[i..]).map_or(out.len(), |k| i + k),
            _ => {
                i += 1;
                continue;
            }
        };
        for c in &mut out[i..end] {
            if *c != b'\n' {
                *c = b' ';
            }
        }
        i = end;
    }
    out
}

/// A file the grammar reads without error, with comments wherever C allows them.
const COMMENTED: &[u8] = b"// SPDX-License-Identifier: GPL-2.0\n/*\n * A file header.\n */\n#include <linux/x.h>\n#define LIMIT 4 // the limit\n\n/** struct regs - the registers */\nstruct regs { /* a type */\n\tint mode; // the mode\n\tint /* bits */ clock;\n};\n\nstatic const int table[] = { /* data */ 1, 2, 3 };\n\n/**\n * reset() - reset\n */\nvoid /* inline? */ reset(struct regs *r) /* no lock */\n{\n\t/* inside */\n\twrite(r->mode, 0); // zero\n}\n\nstatic int set_clock(struct regs *r, /* which */ int source)\n// the clock\n{\n\treturn update(r->clock, source);\n}\nint/**/b;\nenum e { A /* first */, B };\n";

/// Squeezing comments out of the text the grammar parses changes no definition, declaration or
/// reference the index keeps: the same file with its comments blanked (nothing to squeeze) gives
/// the same symbols at the same places. (In a file the grammar cannot read, its error recovery
/// weighs skipped bytes, so fewer bytes may recover differently: on Linux 12 of the 14,581 C files under
/// `drivers/net`, `include`, `arch/x86`, `fs` and `kernel` changed, in their references mostly.)
#[test]
fn squeezed_comments_change_nothing_the_index_finds() {
    let options = ExtractOptions { skim_bodies: true, ..ExtractOptions::default() };
    for (lang, source) in [(Language::Cpp, CPP), (Language::C, COMMENTED)] {
        let blanked = comments_blanked(source);
        let tree = parse(lang, &blanked, None, None).unwrap();
        assert!(!tree.root_node().has_error(), "{lang:?}: the fixture must parse without error");
        let sk = crate::skim::skim(source).unwrap();
        let plain = crate::skim::skim(&blanked);
        let plain_len = plain.as_ref().map_or(blanked.len(), |p| p.source.len());
        assert!(sk.source.len() < plain_len, "{lang:?}: comments must be squeezed");
        let (with, with_refs) = extract_raw(lang, source, &options);
        let (without, without_refs) = extract_raw(lang, &blanked, &options);
        assert_eq!(with.definitions, without.definitions, "{lang:?}");
        assert_eq!(with.declarations, without.declarations, "{lang:?}");
        let refs = |refs: &[RawRef], text: &[u8]| -> Refs {
            refs.iter().map(|r| (r.name(text).to_string(), r.kind, r.at, r.enclosing)).collect()
        };
        assert_eq!(refs(&with_refs, source), refs(&without_refs, &blanked), "{lang:?}");
        assert!(!with.definitions.is_empty(), "{lang:?}");
    }
}

/// (name, kind, position, enclosing definition) of each reference.
type Refs = Vec<(String, RefKind, Point, Option<u32>)>;

fn both_ways(lang: Language, source: &[u8]) -> [(FileSymbols, Refs); 2] {
    [true, false].map(|walk| {
        let (fs, refs) = extract_raw_by(lang, source, &ExtractOptions::default(), walk);
        let refs = refs.iter().map(|r| (r.name(source).to_string(), r.kind, r.at, r.enclosing)).collect();
        (fs, refs)
    })
}

#[test]
fn the_c_and_cpp_walk_finds_what_the_queries_find() {
    for (lang, source) in [(Language::C, KERNEL), (Language::Cpp, CPP)] {
        let [walked, queried] = both_ways(lang, source);
        assert_eq!(walked.0, queried.0, "{lang:?}: definitions differ");
        assert_eq!(walked.1, queried.1, "{lang:?}: references differ");
        assert!(walked.1.iter().any(|r| r.1 == RefKind::Call));
        assert!(walked.1.iter().any(|r| r.1 == RefKind::Field));
        assert!(walked.1.iter().any(|r| r.1 == RefKind::Type));
    }
}

#[test]
fn a_parse_out_of_time_yields_the_names_only_and_says_so() {
    let source: String = (0..20_000).map(|i| format!("int f{i}(int a) {{ return g{i}(a); }}\n")).collect();
    let options =
        ExtractOptions { parse_timeout: Some(std::time::Duration::ZERO), ..ExtractOptions::default() };
    let fs = extract_with(Language::C, source.as_bytes(), &options);
    assert!(fs.parse_timed_out);
    assert!(fs.definitions.is_empty());
    assert!(fs.references.iter().any(|r| r.name == "g19999" && r.kind == RefKind::Call));
    // The parser is usable again afterwards.
    let fs = extract(Language::C, b"int ok(void) { return 0; }\n");
    assert!(!fs.parse_timed_out);
    assert_eq!(fs.definitions.len(), 1);
}

#[test]
fn a_qualified_call_is_a_call_of_its_last_name_at_that_name() {
    let source = b"void f() { a::b::c(1); x.g(3); std::make<T>(2); }\n";
    let fs = extract(Language::Cpp, source);
    let kind_at = |name: &str| {
        fs.references.iter().filter(|r| r.name == name).map(|r| (r.kind, r.at.column)).collect::<Vec<_>>()
    };
    assert_eq!(kind_at("c"), vec![(RefKind::Call, 17)]);
    assert_eq!(kind_at("b"), vec![(RefKind::Type, 14)]);
    assert_eq!(kind_at("g"), vec![(RefKind::Call, 25)]);
    assert_eq!(kind_at("make"), vec![(RefKind::Call, 36)]);
}

/// googletest's `TEST_F(Fixture, Name) {` defines the test `Fixture::Name`, not a function named
/// after the fixture, whether the body is parsed or read lexically; kselftest's `TEST(name) {` the
/// test `name`.
#[test]
fn test_macros_are_named_by_their_second_argument() {
    let source = b"class DBBasicTest : public Base {\n public:\n  DBBasicTest() {}\n};\n\nTEST_F(DBBasicTest, OpenWhenOpen) {\n  Reopen(options);\n}\n\nTEST_P(DBMultiGetTest, Batched)\n{\n  Reopen();\n}\n\nTEST(kcmp)\n{\n  run();\n}\n";
    for (skim_bodies, fs) in each_way(Language::Cpp, source) {
        let tests: Vec<(&str, &str, u32, Option<&str>)> = fs
            .definitions
            .iter()
            .filter(|d| d.via_macro.is_some())
            .map(|d| (d.scope.as_str(), d.name.as_str(), d.name_range.start.column, d.via_macro.as_deref()))
            .collect();
        assert_eq!(
            tests,
            [
                ("DBBasicTest", "OpenWhenOpen", 20, Some("TEST_F")),
                ("DBMultiGetTest", "Batched", 23, Some("TEST_P")),
                ("", "kcmp", 5, Some("TEST"))
            ],
            "skim {skim_bodies}"
        );
    }
}

/// A macro invocation followed by a brace initializer and `;` defines a variable, not a function:
/// kselftest's `FIXTURE_VARIANT_ADD(f, v) { .field = … };` and RocksDB's
/// `STATIC_AVOID_DESTRUCTION(std::vector<std::string>, impls){ "a", "b", };` (inside a function)
/// are no functions named `tls` or `std`; a wrapped body with statements stays a function, also
/// one followed by a stray `;`.
#[test]
fn a_macro_followed_by_a_brace_initializer_is_no_function() {
    let source = b"FIXTURE_VARIANT_ADD(tls, 12_aes_gcm_256)\n{\n\t.tls_version = TLS_1_2_VERSION,\n\t.cipher_type = TLS_CIPHER_AES_GCM_256,\n};\n\nstd::vector<std::string>& Impls() {\n  STATIC_AVOID_DESTRUCTION(std::vector<std::string>, impls){\n      // in filter_bench order\n      Legacy::kClassName(),\n      Fast::kClassName(),\n  };\n  return impls;\n}\n\nTEST_F(DBTest, Empty) {}\n\nTEST_F(DBTest, Stray) {\n  Reopen();\n};\n\nTEST(kcmp)\n{\n  run();\n}\n";
    for lang in [Language::C, Language::Cpp] {
        for (skim_bodies, fs) in each_way(lang, source) {
            let functions: Vec<(&str, &str)> = fs
                .definitions
                .iter()
                .filter(|d| d.kind.is_function_like())
                .map(|d| (d.scope.as_str(), d.name.as_str()))
                .collect();
            assert!(
                !functions.iter().any(|(_, n)| *n == "tls" || *n == "std"),
                "{lang:?} skim {skim_bodies}: {functions:?}"
            );
            // googletest's names are C++'s; kselftest's TEST(name) is C's and C++'s.
            let kept: &[&str] = if lang == Language::Cpp { &["Stray", "kcmp"] } else { &["kcmp"] };
            for kept in kept {
                assert!(
                    functions.iter().any(|(_, n)| n == kept),
                    "{lang:?} skim {skim_bodies}: {kept} lost: {functions:?}"
                );
            }
        }
    }
}

/// An attribute macro with arguments before the declarator (`static void __printf(4, 5)` and the
/// name on the next line) is no function: the function is the name after it. Lower-case attribute
/// macros among the specifiers (`static ossl_inline ossl_unused T name(`) lose no function either.
#[test]
fn attribute_macros_with_arguments_are_not_the_function() {
    let source = b"static void __printf(4, 5)\nreport(struct dev *d, int level, const char *fmt, ...)\n{\n\tva_list args;\n\tva_start(args, fmt);\n}\n\nstatic __printf(2, 3) __cold int\nwarn_once(int level, const char *fmt, ...)\n{\n\treturn level;\n}\n\nint __aligned(8) table_get(int i)\n{\n\treturn i;\n}\n\nstatic inline void __section(\".init.text\") early(void)\n{\n}\n\nstatic ossl_inline ossl_unused BIO_POLL_DESCRIPTOR\nSSL_as_poll_descriptor(SSL *s)\n{\n\tBIO_POLL_DESCRIPTOR d;\n\treturn d;\n}\n\nstatic ossl_unused ossl_inline int ssl_tsan_lock(const SSL_CTX *ctx)\n{\n\treturn 1;\n}\n";
    for (skim_bodies, fs) in each_way(Language::C, source) {
        let functions: Vec<(&str, u32)> = fs
            .definitions
            .iter()
            .filter(|d| d.kind.is_function_like())
            .map(|d| (d.name.as_str(), d.name_range.start.line))
            .collect();
        assert_eq!(
            functions,
            [
                ("report", 1),
                ("warn_once", 8),
                ("table_get", 13),
                ("early", 18),
                ("SSL_as_poll_descriptor", 23),
                ("ssl_tsan_lock", 29)
            ],
            "skim {skim_bodies}"
        );
    }
}

/// The index stores a kind as its position in `SymbolKind::ALL`, computed as the enum's order.
#[test]
fn a_kind_index_is_its_position_in_all() {
    for (i, k) in SymbolKind::ALL.iter().enumerate() {
        assert_eq!(usize::from(k.index()), i, "{k:?}");
    }
}

/// The index reads reference names as bytes without validating ASCII spans; the bytes must be
/// those of `RawRef::name`: the span, a name built from several nodes, or empty where the span is
/// not UTF-8.
#[test]
fn reference_name_bytes_are_the_names() {
    let source: &[u8] = b"int f(void) { return caf\xc3\xa9 + g\xff(h); }";
    let at = |start: u32, end: u32, owned: Option<&str>| RawRef {
        start,
        end,
        kind: RefKind::Other,
        at: Point::default(),
        enclosing: None,
        owned: owned.map(Into::into),
    };
    let cases =
        [at(21, 26, None), at(29, 31, None), at(4, 5, None), at(0, 3, Some("a::b")), at(40, 90, None)];
    for r in &cases {
        assert_eq!(r.name_bytes(source), r.name(source).as_bytes());
    }
    assert_eq!(cases[0].name_bytes(source), "café".as_bytes());
    assert_eq!(cases[1].name_bytes(source), b"");
    assert_eq!(cases[2].name_bytes(source), b"f");
    assert_eq!(cases[3].name_bytes(source), b"a::b");
    // The extracted references, one by one.
    let (_, refs) =
        extract_raw(Language::C, KERNEL, &ExtractOptions { skim_bodies: true, ..Default::default() });
    assert!(refs.len() > 20);
    for r in &refs {
        assert_eq!(r.name_bytes(KERNEL), r.name(KERNEL).as_bytes());
    }
}

/// `symbench steps` times the steps the index runs: a directives-only header stops at the scan, a
/// C file goes through the parse (its bytes as the grammar reads them: bodies emptied), and other
/// languages are not timed.
#[test]
fn step_times_follow_the_index_pipeline() {
    let header = super::debug::debug_step_times(Language::C, b"#define A 1\n#include <x.h>\n").unwrap();
    assert!(header.defines_only);
    assert_eq!(header.parsed_bytes, 0);
    let c = super::debug::debug_step_times(Language::C, KERNEL).unwrap();
    assert!(!c.defines_only);
    assert!(c.parsed_bytes > 0 && c.parsed_bytes < KERNEL.len(), "bodies are emptied before the parse");
    assert!(super::debug::debug_step_times(Language::Python, b"def f():\n    pass\n").is_none());
}

/// Code inside a macro's arguments (a trace event's `TP_fast_assign(…)`) or inside a multi-line
/// `#define` (with comments between its lines) is no definition at file level, and a `##`-pasted
/// name is no name; the definitions around them are kept.
#[test]
fn macro_arguments_and_macro_bodies_define_nothing() {
    let source = b"TRACE_EVENT(intel_pipe_enable,\n\t    TP_PROTO(struct intel_crtc *crtc),\n\t    TP_ARGS(crtc),\n\t    TP_fast_assign(\n\t\t\t   struct intel_crtc *it__;\n\t\t\t   for_each_intel_crtc(&dev_priv->drm, it__) {\n\t\t\t\t   __entry->frame[it__->pipe] = 1;\n\t\t\t   }\n\t\t\t   __entry->pipe = crtc->pipe;\n\t\t\t   ),\n\t    TP_printk(\"pipe %c\", pipe_name(__entry->pipe))\n);\n\nstatic int first(void)\n{\n\treturn 0;\n}\n\n#define DEFINE_RING_TYPES(__name, __req_t, __rsp_t)         \\\n                                                            \\\n/* Shared ring entry */                                     \\\nunion __name##_sring_entry {                                \\\n    __req_t req;                                            \\\n};                                                          \\\n                                                            \\\n/* Shared ring page */                                      \\\nstruct __name##_sring {                                     \\\n    int req_prod;                                           \\\n};\n\n#define INTERVAL_TREE_DEFINE(ITSTRUCT, ITPREFIX)              \\\n/* Callbacks for augmented rbtree insert and remove */      \\\nRB_DECLARE_CALLBACKS_MAX(static, ITPREFIX ## _augment,      \\\n\t\t\t ITSTRUCT, ITLAST)                                  \\\n/* Insert / remove interval nodes from the tree */          \\\nstatic ITSTRUCT *                                           \\\nITPREFIX ## _iter_first(struct rb_root_cached *root)        \\\n{                                                           \\\n\treturn NULL;                                            \\\n}\n\nstatic int second(void)\n{\n\treturn 1;\n}\n";
    for (skim_bodies, fs) in each_way(Language::C, source) {
        let defined: Vec<(&str, SymbolKind)> = fs
            .definitions
            .iter()
            .filter(|d| {
                d.kind.is_function_like() || d.kind == SymbolKind::Macro || d.kind == SymbolKind::Struct
            })
            .map(|d| (d.name.as_str(), d.kind))
            .collect();
        assert_eq!(
            defined,
            [
                ("first", SymbolKind::Function),
                ("DEFINE_RING_TYPES", SymbolKind::Macro),
                ("INTERVAL_TREE_DEFINE", SymbolKind::Macro),
                ("second", SymbolKind::Function)
            ],
            "skim {skim_bodies}"
        );
    }
}

/// A type written as a macro invocation after an attribute macro (`__owur STACK_OF(X509_NAME) *f(`,
/// OpenSSL's ssl.h.in) read as a function named `STACK_OF`; the error ran over the rest of the
/// header (186 parse errors), losing `SSL_as_poll_descriptor` and the `#define`s before it.
#[test]
fn an_attribute_before_a_macro_type_breaks_nothing() {
    let source = b"__owur STACK_OF(X509_NAME) *SSL_load_client_CA_file_ex(const char *file, OSSL_LIB_CTX *libctx,\n    const char *propq);\n__owur int SSL_add_file_cert_subjects_to_stack(STACK_OF(X509_NAME) *stackCAs,\n    const char *file);\n\n#define SSL_POLL_EVENT_F (1U << 0)\n\nstatic ossl_inline ossl_unused BIO_POLL_DESCRIPTOR\nSSL_as_poll_descriptor(SSL *s)\n{\n    BIO_POLL_DESCRIPTOR d;\n    return d;\n}\n";
    for (skim_bodies, fs) in each_way(Language::C, source) {
        assert_eq!(fs.parse_errors, 0, "skim {skim_bodies}: {}", fs.outline_text());
        let names: Vec<(&str, SymbolKind)> =
            fs.definitions.iter().map(|d| (d.name.as_str(), d.kind)).collect();
        assert_eq!(
            names,
            [("SSL_POLL_EVENT_F", SymbolKind::Macro), ("SSL_as_poll_descriptor", SymbolKind::Function)],
            "skim {skim_bodies}"
        );
        let declared: Vec<&str> = fs.declarations.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(declared, ["SSL_load_client_CA_file_ex", "SSL_add_file_cert_subjects_to_stack"]);
    }
}

/// `retain_undefined` keeps what a binary search of each reference keeps, in runs in order, in
/// reverse, and in a hostile alternation of far starts and near ones.
#[test]
fn references_at_definitions_are_dropped_in_any_order() {
    use super::references::{RawRef, retain_undefined};
    let defined: Vec<u32> = (0..500).map(|i| i * 7 + (i % 3)).collect();
    let raw = |start: u32| RawRef {
        start,
        end: start + 1,
        kind: crate::symbols::RefKind::Other,
        at: crate::symbols::Point { line: 0, column: 0 },
        enclosing: None,
        owned: None,
    };
    let ascending: Vec<u32> = (0..4000).collect();
    let runs: Vec<u32> = (0..4000).step_by(3).chain((0..4000).step_by(2)).chain(1000..1100).collect();
    let descending: Vec<u32> = (0..4000).rev().collect();
    let alternating: Vec<u32> = (0..2000).flat_map(|i| [3999 - i, i]).collect();
    for starts in [ascending, runs, descending, alternating, Vec::new()] {
        let mut refs: Vec<RawRef> = starts.iter().map(|&s| raw(s)).collect();
        retain_undefined(&mut refs, &defined);
        let kept: Vec<u32> = refs.iter().map(|r| r.start).collect();
        let expected: Vec<u32> =
            starts.iter().copied().filter(|s| defined.binary_search(s).is_err()).collect();
        assert_eq!(kept, expected);
        assert!(kept.len() < starts.len() || starts.is_empty());
    }
    // No definitions: everything stays.
    let mut refs: Vec<RawRef> = (0..10).map(raw).collect();
    retain_undefined(&mut refs, &[]);
    assert_eq!(refs.len(), 10);
}

/// `operator` is a plain identifier in C, and in C++ the keyword is a word of its own: SQLite's
/// `operatorMask`, `operator_count` and `operators` keep their names and kinds, while C++'s
/// `operator==` and `operator new` stay operators.
#[test]
fn names_starting_with_operator_are_plain_names() {
    let source = b"static unsigned short operatorMask(int op){\n  return helper(op);\n}\nint operator_count = 0;\nstatic int operators(int op){\n  return helper(op);\n}\n";
    for lang in [Language::C, Language::Cpp] {
        for (skim_bodies, fs) in each_way(lang, source) {
            let names: Vec<(&str, SymbolKind)> =
                fs.definitions.iter().map(|d| (d.name.as_str(), d.kind)).collect();
            assert_eq!(
                names,
                [
                    ("operatorMask", SymbolKind::Function),
                    ("operator_count", SymbolKind::Variable),
                    ("operators", SymbolKind::Function)
                ],
                "{lang:?} skim {skim_bodies}"
            );
            let callers: Vec<Option<&str>> = fs
                .references
                .iter()
                .filter(|r| r.name == "helper")
                .map(|r| r.enclosing.and_then(|e| fs.definitions.get(e as usize)).map(|d| d.name.as_str()))
                .collect();
            assert_eq!(callers, [Some("operatorMask"), Some("operators")], "{lang:?} skim {skim_bodies}");
        }
    }
    let cpp = b"struct A { int v; };\nbool operator==(const A &a, const A &b) { return a.v == b.v; }\nvoid *operator new(unsigned long n) { return alloc(n); }\n";
    let fs = extract(Language::Cpp, cpp);
    let operators: Vec<&str> =
        fs.definitions.iter().filter(|d| d.kind == SymbolKind::Operator).map(|d| d.name.as_str()).collect();
    assert_eq!(operators, ["operator==", "operator new"]);
}

/// A declarator written through a macro: bzip2's `int BZ_API(BZ2_bzCompressInit) (…) {` defines
/// `BZ2_bzCompressInit` (the invocation of one name followed by a parameter list: a function cannot
/// return a function, so only a macro reads so), Lua's `LUA_API int (lua_gettop) (lua_State *L);`
/// declares the function `lua_gettop`, xz's `static void lzma_attribute((__noreturn__))` then
/// `help(void)` on the next line defines `help` (and calls nothing there), and bzip2's prototypes
/// with a trailing `NORETURN` are prototypes, with no definition running over the lines after them.
#[test]
fn declarators_written_through_macros_name_the_function() {
    let source = b"#define BZ_API(func) func\n#define NORETURN __attribute__ ((noreturn))\n#define lzma_attribute(attr) __attribute__(attr)\nBZ_EXTERN int BZ_API(BZ2_bzRead) ( int* bzerror, void* buf, int len );\nLUA_API int   (lua_gettop) (lua_State *L);\nstatic void    panic          ( const char* ) NORETURN;\nstatic void    ioError        ( void )        NORETURN;\nstatic void    copyFileName ( char*, char* );\n\ntypedef\n   struct { unsigned char b[8]; }\n   UInt64;\n\nint BZ_API(BZ2_bzCompressInit)\n                    ( bz_stream* strm,\n                     int        blockSize100k )\n{\n   return init(strm);\n}\n\nstatic void lzma_attribute((__noreturn__))\nhelp(void)\n{\n\tfoo();\n}\n\nstatic void lzma_attribute((__noreturn__)) help_oneline(void)\n{\n\tfoo();\n}\n\nvoid (*get_handler(int sig))(int);\nint (*table)(int);\n";
    for (skim_bodies, fs) in each_way(Language::C, source) {
        let defined: Vec<(&str, SymbolKind, u32)> = fs
            .definitions
            .iter()
            .filter(|d| d.kind != SymbolKind::Macro)
            .map(|d| (d.name.as_str(), d.kind, d.name_range.start.line))
            .collect();
        assert_eq!(
            defined,
            [
                ("UInt64", SymbolKind::Typedef, 11),
                ("b", SymbolKind::Field, 10),
                ("BZ2_bzCompressInit", SymbolKind::Function, 13),
                ("help", SymbolKind::Function, 21),
                ("help_oneline", SymbolKind::Function, 26),
                ("table", SymbolKind::Variable, 32),
            ],
            "skim {skim_bodies}: {}",
            fs.outline_text()
        );
        let declared: Vec<(&str, SymbolKind)> =
            fs.declarations.iter().map(|d| (d.name.as_str(), d.kind)).collect();
        assert_eq!(
            declared,
            [
                ("BZ2_bzRead", SymbolKind::Function),
                ("lua_gettop", SymbolKind::Function),
                ("panic", SymbolKind::Function),
                ("ioError", SymbolKind::Function),
                ("copyFileName", SymbolKind::Function),
                ("get_handler", SymbolKind::Function),
            ],
            "skim {skim_bodies}"
        );
        let calls: Vec<(&str, Option<&str>)> = fs
            .references
            .iter()
            .filter(|r| r.kind == RefKind::Call && matches!(r.name.as_str(), "help" | "help_oneline" | "foo"))
            .map(|r| {
                (
                    r.name.as_str(),
                    r.enclosing.and_then(|e| fs.definitions.get(e as usize)).map(|d| d.name.as_str()),
                )
            })
            .collect();
        assert_eq!(calls, [("foo", Some("help")), ("foo", Some("help_oneline"))], "skim {skim_bodies}");
    }
}

/// An attribute macro before `union` in a local declaration (SQLite's `static ALIGN128 union
/// staticMutex {…} aMutex[] = {…};` inside `pthreadMutexAlloc`) is no macro-wrapped function:
/// the enclosing function keeps its definition and its calls, and the next function follows.
#[test]
fn an_attribute_macro_before_a_local_union_defines_no_function() {
    let source = b"static sqlite3_mutex *pthreadMutexAlloc(int iType){\n  static ALIGN128 union staticMutex {\n     sqlite3_mutex m;\n     char aSpacer[128];\n  } aMutex[] = {\n    { .m = INIT(2) },\n  };\n  sqlite3_mutex *p;\n  p = alloc1(sizeof(*p));\n  return p;\n}\nstatic int next_fn(void){ return alloc2(); }\n";
    for (skim_bodies, fs) in each_way(Language::C, source) {
        let functions = function_extents(&fs);
        assert_eq!(functions, [("pthreadMutexAlloc", 0, 10), ("next_fn", 11, 11)], "skim {skim_bodies}");
        let calls: Vec<(&str, Option<&str>)> = calls_in(&fs).into_iter().map(|(n, _, f)| (n, f)).collect();
        assert_eq!(
            calls,
            [
                ("INIT", Some("pthreadMutexAlloc")),
                ("alloc1", Some("pthreadMutexAlloc")),
                ("alloc2", Some("next_fn"))
            ],
            "skim {skim_bodies}"
        );
    }
}

/// mimalloc's `if mi_unlikely(x) {`, whose macro supplies the parentheses of the `if`: no function
/// named after the macro, the enclosing function keeps its extent, and the calls in the condition
/// and the branches are the enclosing function's (the macro's among them).
#[test]
fn a_macro_supplying_the_parentheses_of_an_if_defines_nothing() {
    let source = b"static inline void free_local(page_t* page, block_t* block, bool check_full)\n{\n  #if MI_DEBUG>0\n  memset(block, 0, 8);\n  #endif\n  page->local_free = block;\n  if mi_unlikely(--page->used == 0) {\n    page_retire(page);\n  }\n  else if mi_unlikely(check_full && page_is_in_full(page)) {\n    page_unfull(page);\n  }\n  while mi_likely(more(page)) { step(page); }\n  tail_call(page);\n}\nvoid after2(void) { k(); }\n";
    for (skim_bodies, fs) in each_way(Language::C, source) {
        let functions = function_extents(&fs);
        assert_eq!(functions, [("free_local", 0, 14), ("after2", 15, 15)], "skim {skim_bodies}");
        let mut calls = calls_in(&fs);
        calls.sort();
        let f = Some("free_local");
        assert_eq!(
            calls,
            [
                ("k", 15, Some("after2")),
                ("memset", 3, f),
                ("mi_likely", 12, f),
                ("mi_unlikely", 6, f),
                ("mi_unlikely", 9, f),
                ("more", 12, f),
                ("page_is_in_full", 9, f),
                ("page_retire", 7, f),
                ("page_unfull", 10, f),
                ("step", 12, f),
                ("tail_call", 13, f),
            ],
            "skim {skim_bodies}"
        );
    }
}

/// Typedefs with an unknown calling-convention or attribute macro keep their names: mimalloc's
/// `typedef void (mi_cdecl mi_output_fun)(…)` and `typedef mi_decl_bchunk_align struct
/// mi_bchunk_s {…} mi_bchunk_t;`, Windows' `(__stdcall *PVirtualAlloc2)` and `(APIENTRY
/// *WINE_GET_VERSION_FN)`, xxHash's `typedef __attribute__((aligned(1))) xxh_u64 xxh_unalign64;`
/// (no typedef named `aligned`), SQLite's field `char *(SQLITE_CDECL*xsnprintf)(…)`. A pasting macro's arguments after `struct` declare nothing.
#[test]
fn typedefs_with_calling_conventions_and_attributes_keep_their_names() {
    let source = b"typedef void (mi_cdecl mi_output_fun)(const char* msg, void* arg);\ntypedef PVOID (__stdcall *PVirtualAlloc2)(HANDLE, PVOID, SIZE_T, ULONG);\ntypedef const char * (APIENTRY *WINE_GET_VERSION_FN)(void);\ntypedef __attribute__((aligned(1))) xxh_u64 xxh_unalign64;\ntypedef mi_decl_bchunk_align struct mi_bchunk_s {\n  int bfields[8];\n} mi_bchunk_t;\ntypedef int (*plain_fn)(int);\nstruct api {\n  char *(SQLITE_CDECL*xsnprintf)(int,char*,const char*,...);\n};\nstruct _mcgen_PASTE2(MUST_BE_, MCGEN_EVENTREGISTER);\nint after(void) { return 0; }\n";
    for (skim_bodies, fs) in each_way(Language::C, source) {
        let defined: Vec<(&str, SymbolKind)> =
            fs.definitions.iter().map(|d| (d.name.as_str(), d.kind)).collect();
        assert_eq!(
            defined,
            [
                ("mi_output_fun", SymbolKind::Typedef),
                ("PVirtualAlloc2", SymbolKind::Typedef),
                ("WINE_GET_VERSION_FN", SymbolKind::Typedef),
                ("xxh_unalign64", SymbolKind::Typedef),
                ("mi_bchunk_s", SymbolKind::Struct),
                ("bfields", SymbolKind::Field),
                ("mi_bchunk_t", SymbolKind::Typedef),
                ("plain_fn", SymbolKind::Typedef),
                ("api", SymbolKind::Struct),
                ("xsnprintf", SymbolKind::Field),
                ("after", SymbolKind::Function),
            ],
            "skim {skim_bodies}: {}",
            fs.outline_text()
        );
    }
}

/// xz's attribute macros after `*`, in a row, and after parameter names: `extern void *
/// lzma_attribute((__malloc__)) lzma_attr_alloc_size(1)` then `lzma_alloc(…)` defines `lzma_alloc`,
/// and `size_t in_size lzma_attribute((__unused__)),` is a parameter.
#[test]
fn attribute_macros_in_a_row_and_after_parameters_are_not_functions() {
    let source = b"extern void * lzma_attribute((__malloc__)) lzma_attr_alloc_size(1)\nlzma_alloc(size_t size, const lzma_allocator *allocator)\n{\n\treturn malloc(size);\n}\n\nstatic lzma_ret\nindex_encode(void *coder_ptr,\n\t\tconst uint8_t *restrict in lzma_attribute((__unused__)),\n\t\tsize_t in_size lzma_attribute((__unused__)),\n\t\tuint8_t *restrict out)\n{\n\treturn encode(out);\n}\n";
    for (skim_bodies, fs) in each_way(Language::C, source) {
        assert_eq!(fs.parse_errors, 0, "skim {skim_bodies}: {}", fs.outline_text());
        let functions: Vec<(&str, u32)> = fs
            .definitions
            .iter()
            .filter(|d| d.kind.is_function_like())
            .map(|d| (d.name.as_str(), d.name_range.start.line))
            .collect();
        assert_eq!(functions, [("lzma_alloc", 1), ("index_encode", 7)], "skim {skim_bodies}");
    }
}

/// A function-pointer typedef whose parameters are on the next line (curl's Windows code:
/// `typedef LONG (APIENTRY *BCRYPTGENRANDOM_FN)` then `  (void *, ...);`) declares the typedef, and
/// what follows is still read.
#[test]
fn a_function_pointer_typedef_with_its_parameters_on_the_next_line_keeps_its_name() {
    let source = b"typedef LONG (APIENTRY *BCRYPTGENRANDOM_FN)\n  (void *hAlgorithm, unsigned char *pbBuffer, ULONG cbBuffer, ULONG dwFlags);\ntypedef int (WINAPI *GETADDRINFO_FN)\n        (const char *, const char *, const struct addrinfo *, struct addrinfo **);\nstatic int after(void)\n{\n  return 0;\n}\n";
    for (skim_bodies, fs) in each_way(Language::C, source) {
        let defined: Vec<(&str, SymbolKind, u32)> =
            fs.definitions.iter().map(|d| (d.name.as_str(), d.kind, d.name_range.start.line)).collect();
        assert_eq!(
            defined,
            [
                ("BCRYPTGENRANDOM_FN", SymbolKind::Typedef, 0),
                ("GETADDRINFO_FN", SymbolKind::Typedef, 2),
                ("after", SymbolKind::Function, 4),
            ],
            "skim {skim_bodies}: {}",
            fs.outline_text()
        );
    }
}

/// A function written through a macro that pastes its argument (`#define JE(n) je_##n`) is named
/// by the pasted name, the one callers use; a plain wrapping macro (`BZ_API(name)`) and a macro this
/// file does not define keep the argument.
#[test]
fn names_pasted_by_a_macro_of_this_file_are_the_pasted_names() {
    let source = b"#define JE(n) je_##n\n#define WRAP(x) x\n#define MID(x) \\\n  pfx_ ## x ## _impl /* joined */\n#define STR(x) #x\nvoid *JE(malloc)(unsigned long size)\n{\n  return 0;\n}\nint WRAP(plain)(void)\n{\n  return 1;\n}\nint MID(middle)(void)\n{\n  return 2;\n}\nint BZ_API(elsewhere)(int a)\n{\n  return a;\n}\nint STR(quoted)(void)\n{\n  return 3;\n}\n";
    for (skim_bodies, fs) in each_way(Language::C, source) {
        let functions: Vec<(&str, u32, Option<&str>)> = fs
            .definitions
            .iter()
            .filter(|d| d.kind.is_function_like())
            .map(|d| (d.name.as_str(), d.name_range.start.line, d.via_macro.as_deref()))
            .collect();
        assert_eq!(
            functions,
            [
                ("je_malloc", 5, Some("JE")),
                ("plain", 9, Some("WRAP")),
                ("pfx_middle_impl", 13, Some("MID")),
                ("elsewhere", 17, Some("BZ_API")),
                ("quoted", 21, Some("STR")),
            ],
            "skim {skim_bodies}: {}",
            fs.outline_text()
        );
    }
}

/// Functions real code bases lost whole (each read as stray file-level variables, and its calls
/// credited to the file): lz4's labels alone in an `#if` branch inside a body; FreeType's return
/// type through a macro (`FT_CALLBACK_DEF( void )` on its own line) with a comment before the body or
/// a `#define` in it; PCRE2's calling convention between the return type's `*` and the name.
#[test]
fn functions_with_macro_return_types_labels_in_branches_and_calling_conventions_are_found() {
    let source = b"#ifndef ONLY_DEFS\nstatic int\ndecompress(int c)\n{\n    {   int ip = 0;\n        while (c) {\n#if FAST_LOOP\n        safe_literal_copy:\n#endif\n            if (c) {\n            }\n        }\n    }\n    return 0;\n}\n#endif\n  FT_CALLBACK_DEF( void )\n  BDF_Face_Done( FT_Face  face )         /* BDF_Face */\n  {\n    bdf_free_font( face );\n  }\n\n  FT_EXPORT_DEF( FT_Error )\n  FT_Add_Module( FT_Library  library,\n                 const FT_Module_Class*  clazz )\n  {\n    FT_Error  error;\n\n#define VER_FIXED  ( ( (FT_Long)MAJOR << 16 ) | MINOR )\n\n    return check_module( library, clazz );\n  }\n\nPCRE2_EXP_DEFN pcre2_code * PCRE2_CALL_CONVENTION\npcre2_compile(PCRE2_SPTR pattern, PCRE2_SIZE patlen)\n{\nreturn compile(pattern);\n}\n";
    for (skim_bodies, fs) in each_way(Language::C, source) {
        assert_eq!(
            function_extents(&fs),
            [
                ("decompress", 1, 14),
                ("BDF_Face_Done", 16, 20),
                ("FT_Add_Module", 22, 31),
                ("pcre2_compile", 33, 37)
            ],
            "skim {skim_bodies}: {}",
            fs.outline_text()
        );
        let variables: Vec<&str> = fs
            .definitions
            .iter()
            .filter(|d| d.kind == SymbolKind::Variable)
            .map(|d| d.name.as_str())
            .collect();
        assert!(variables.is_empty(), "skim {skim_bodies}: {variables:?}");
        let callers: Vec<(&str, Option<&str>)> = calls_in(&fs).into_iter().map(|(n, _, f)| (n, f)).collect();
        assert_eq!(
            callers,
            [
                ("bdf_free_font", Some("BDF_Face_Done")),
                ("check_module", Some("FT_Add_Module")),
                ("compile", Some("pcre2_compile"))
            ],
            "skim {skim_bodies}"
        );
    }
}

/// Macro return types stay statements where they are: an invocation before a call on the next line
/// inside a body (`TRACE(x)` then `run(a);`) and invocations in a row at file level are blanked and
/// read as calls; only a signature followed by a body (or, at file level, a prototype's `;`) keeps
/// the macro as the return type.
#[test]
fn macro_invocations_before_calls_stay_statements() {
    let source = b"void f(int a)\n{\n    TRACE_ENTRY(a)\n    run(a);\n}\nIMPLEMENT_THING(x)\nDECLARE_OTHER(y)\nFT_EXPORT( FT_Error )\nFT_Done_Library( FT_Library  library );\n";
    for (skim_bodies, fs) in each_way(Language::C, source) {
        assert_eq!(fs.parse_errors, 0, "skim {skim_bodies}: {}", fs.outline_text());
        let calls: Vec<(&str, Option<&str>)> = calls_in(&fs).into_iter().map(|(n, _, f)| (n, f)).collect();
        assert!(calls.contains(&("run", Some("f"))), "skim {skim_bodies}: {calls:?}");
        let declared: Vec<&str> = fs.declarations.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(declared, ["FT_Done_Library"], "skim {skim_bodies}: {}", fs.outline_text());
    }
}

/// Round 22 (obf f1-f4): the compiler splices lines and reads digraphs before it finds comments,
/// directives and names; the symbols are read that way too, whether bodies are skimmed or not.
#[test]
fn splices_and_digraphs_are_read_as_the_compiler_reads_them() {
    let kinds = |fs: &FileSymbols, name: &str| -> Vec<SymbolKind> {
        fs.definitions.iter().filter(|d| d.name == name).map(|d| d.kind).collect()
    };
    // f2: a name split by a backslash-newline is the joined name, at its first part's line.
    let f2 = b"int upload(const void *p, int n);\nint send_tel\\\nemetry(const void *p, int n) { return upload(p, n); }\nint on_start(void) {\n    return send_tel\\\nemetry(\"x\", 1);\n}\n";
    for (skim, fs) in each_way(Language::C, f2) {
        assert_eq!(kinds(&fs, "send_telemetry"), [SymbolKind::Function], "skim {skim}: {:?}", fs.definitions);
        assert!(kinds(&fs, "emetry").is_empty(), "skim {skim}");
        assert!(
            calls_in(&fs).contains(&("send_telemetry", 4, Some("on_start"))),
            "skim {skim}: {:?}",
            calls_in(&fs)
        );
    }
    // f1: a comment closed by `*\` + newline + `/`: the call after it is live.
    let f1 = b"int audit_log(int);\nint grant_root(int);\nint check(int uid) {\n    /* only audit *\\\n/ grant_root(uid); /* (see policy.md) */\n    return audit_log(uid);\n}\n";
    for (skim, fs) in each_way(Language::C, f1) {
        assert!(
            calls_in(&fs).contains(&("grant_root", 4, Some("check"))),
            "skim {skim}: {:?}",
            calls_in(&fs)
        );
    }
    // f4: a `//` comment continued by a backslash (also with blanks after it): the next line is
    // comment, its call is none.
    let f4 = b"int grant_root(int);\nint deny(int);\nint su(int uid) {\n    // policy (C:\\tools\\policy\\  \n    if (uid != 0) return deny(uid);\n    return grant_root(uid);\n}\n";
    for (skim, fs) in each_way(Language::C, f4) {
        let calls = calls_in(&fs);
        assert!(!calls.iter().any(|c| c.0 == "deny"), "skim {skim}: {calls:?}");
        assert!(calls.iter().any(|c| c.0 == "grant_root"), "skim {skim}: {calls:?}");
    }
    // f3: `%:else`/`%:endif`, `#en\` + newline + `dif`, `#/* x */endif` end an `#if 0` block; a
    // `#def\` + newline + `ine` is a macro.
    for src in [
        &b"int grant_root(int);\n#if 0\nint old_entry(int uid) { return 0; }\n%:else\nint debug_entry(int uid) { return grant_root(uid); }\n%:endif\n"[..],
        b"int grant_root(int);\n#if 0\nint old_entry(int uid) { return 0; }\n#en\\\ndif\nint debug_entry(int uid) { return grant_root(uid); }\n",
        b"int grant_root(int);\n#if 0\nint old_entry(int uid) { return 0; }\n#/* end of legacy block */endif\nint debug_entry(int uid) { return grant_root(uid); }\n",
    ] {
        for (skim, fs) in each_way(Language::C, src) {
            let shown = String::from_utf8_lossy(src);
            assert_eq!(kinds(&fs, "debug_entry"), [SymbolKind::Function], "skim {skim}: {shown}");
            assert!(kinds(&fs, "old_entry").is_empty(), "skim {skim}: {shown}");
            let calls = calls_in(&fs);
            assert!(calls.iter().any(|c| c.0 == "grant_root" && c.2 == Some("debug_entry")), "{shown}: {calls:?}");
        }
        assert_eq!(crate::preproc::inactive_ranges(Language::C, src).len(), 1, "{}", String::from_utf8_lossy(src));
    }
    let login = b"int check_password(const char *u, const char *p);\n#def\\\nine check_password(u, p) 1\nint login(const char *u, const char *p) { return check_password(u, p); }\n";
    for (skim, fs) in each_way(Language::C, login) {
        assert!(
            kinds(&fs, "check_password").contains(&SymbolKind::Macro),
            "skim {skim}: {:?}",
            fs.definitions
        );
    }
}

/// F5 (round 22): a name spelled with universal character names is the decoded name to the compiler
/// (`check_p\u0430ss` is `check_pаss`, Cyrillic `а`): definitions, declarations and references store
/// the decoded name, so `def` and `callers` of either spelling's name meet, while every range stays the
/// escaped text. Calls inside bodies, read lexically, take in escaped and non-ASCII names whole.
#[test]
fn names_spelled_with_escapes_are_stored_decoded() {
    let source = "int check_p\\u0430ss(const char *pw) { return 0; }\n\
                  int check_p\u{430}ss(const char *pw);\n\
                  int login(const char *pw) { return check_p\\U00000430ss(pw) + check_p\u{430}ss(pw); }\n\
                  struct \\u0430uth { int f\\u0430il; };\n";
    let name = "check_p\u{430}ss";
    for (skim, fs) in each_way(Language::C, source.as_bytes()) {
        let def = fs.definitions.iter().find(|d| d.name == name);
        let def = def.unwrap_or_else(|| panic!("skim {skim}: {:?}", fs.definitions));
        assert_eq!(
            &source[def.name_range.start_byte as usize..def.name_range.end_byte as usize],
            "check_p\\u0430ss"
        );
        assert!(fs.declarations.iter().any(|d| d.name == name), "skim {skim}: {:?}", fs.declarations);
        assert!(fs.definitions.iter().any(|d| d.name == "\u{430}uth"), "skim {skim}: {:?}", fs.definitions);
        let calls: Vec<(&str, u32, Option<&str>)> =
            calls_in(&fs).into_iter().filter(|c| c.0 == name).collect();
        assert_eq!(
            calls,
            [(name, 2, Some("login")), (name, 2, Some("login"))],
            "skim {skim}: {:?}",
            fs.references
        );
    }
    // Not C: a backslash in a Python name is no escape, and nothing is decoded.
    let fs = extract(Language::Python, b"def f():\n    return 1\n");
    assert_eq!(fs.definitions[0].name, "f");
}

/// F8 (round 8): a macro named after a keyword (`#define if(c) if (!(c))`) changes every statement
/// after it; it is a definition like any macro, in a header of directives only and in a file the
/// grammar reads, so the outline and `def if` show it. Its uses are not references (a keyword in the
/// code stays a keyword to every other pass).
#[test]
fn macros_named_after_keywords_are_definitions() {
    let header = b"#ifndef COMPAT_H\n#define COMPAT_H\n#define if(c) if (!(c))\n#define true 0\n#define while(x) while (0)\n#endif\n";
    let code = b"#define return return !\n#define sizeof(x) 1\nint f(int x) { if (x) return 1; return 0; }\n";
    for (src, want) in [(&header[..], &["if", "true", "while"][..]), (&code[..], &["return", "sizeof"][..])] {
        for (skim, fs) in each_way(Language::C, src) {
            let macros: Vec<&str> = fs
                .definitions
                .iter()
                .filter(|d| d.kind == SymbolKind::Macro)
                .map(|d| d.name.as_str())
                .collect();
            for w in want {
                assert!(macros.contains(w), "skim {skim}: {w} in {macros:?}");
            }
            assert!(
                !fs.references.iter().any(|r| r.name == "if" || r.name == "return"),
                "{:?}",
                fs.references
            );
        }
    }
}

/// Round 23 (obf f2, f7): Java escapes of quotes and comment delimiters are read as javac reads them
/// (the calls after `\u0022` and `\u002a/` are calls), and a JavaScript script's HTML-like comments
/// are comments (their calls are none); lines and offsets stay the file's.
#[test]
fn java_escapes_and_html_like_comments_are_read_as_compiled() {
    let java = "public class Auth {\n    static void grantRoot(int uid) { }\n    static boolean check(String user, int uid) {\n        String banner = \"login for \\u0022; grantRoot(uid); String tail = \\u0022 ok\";\n        /* audit hook disabled \\u002a/ grantRoot(uid + 1); /* see AUDIT.md */\n        return true;\n    }\n}\n";
    let fs = extract(Language::Java, java.as_bytes());
    let calls: Vec<_> = calls_in(&fs).into_iter().filter(|c| c.0 == "grantRoot").map(|c| c.1).collect();
    assert_eq!(calls, [3, 4], "{:?}", calls_in(&fs));
    let at = fs.references.iter().find(|r| r.name == "grantRoot").unwrap();
    assert_eq!(&java[at.byte as usize..at.byte as usize + 9], "grantRoot");
    let js = "function deny(u) { return false; }\nfunction check(u) {\n  /* Only admins.\n   */ --> if (!isAdmin(u)) return deny(u);\n  var checked = 1 <!-- if (u === \"guest\") return deny(u);\n  return live(u);\n}\n";
    let fs = extract(Language::JavaScript, js.as_bytes());
    let names: Vec<_> = calls_in(&fs).into_iter().map(|c| c.0).collect();
    assert!(!names.contains(&"deny") && !names.contains(&"isAdmin"), "{names:?}");
    assert!(names.contains(&"live"), "{names:?}");
}

#[test]
fn a_function_assigned_to_a_property_is_a_javascript_function() {
    let src = b"exports.verifySignature = function verifySignature(d, uid) { grantRoot(uid); return true; };\nmodule.exports.check = (u) => grantRoot(u);\nobj.count = 3;\n";
    let fs = extract_with(Language::JavaScript, src, &ExtractOptions::default());
    let names: Vec<&str> = fs.definitions.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["verifySignature", "check"]);
    assert_eq!(calls_in(&fs), [("grantRoot", 0, Some("verifySignature")), ("grantRoot", 1, Some("check"))]);
}

/// f3 (session 25): a C++14 digit separator is no character literal in any lexical reader: the
/// skimmed body, the unskimmed walk, the macro body reader and the `#if` reader all keep the call
/// after `3'600` on its line, and `u8'"'` stays a literal.
#[test]
fn a_digit_separator_does_not_open_a_character_literal() {
    let src = b"int debug_hook(int u);\nint check_session(int u) {\n    long ttl = 3'600; if (u == 4242) return debug_hook(u); char c = 'x';\n    return 0x1'ff + size+5'000 + debug_hook(2);\n}\n#define M(u) (1'000 + debug_hook(u))\nint k(int u) { char d = u8'\"'; return debug_hook(u); }\n";
    for (skimmed, fs) in each_way(Language::Cpp, src) {
        let calls: Vec<_> = calls_in(&fs).into_iter().filter(|c| c.0 == "debug_hook").collect();
        assert_eq!(
            calls,
            [
                ("debug_hook", 2, Some("check_session")),
                ("debug_hook", 3, Some("check_session")),
                ("debug_hook", 5, Some("M")),
                ("debug_hook", 6, Some("k"))
            ],
            "skimmed: {skimmed}"
        );
    }
}

/// exec26: a digit separator inside hex, binary or octal digits (`0x1'F3'600`, `0b1'0'1`, `017'7'7`) is
/// no character literal for any reader that asks at each quote: the digits after the first separator
/// look like a name (`F3`) or a number of their own, but the number's start decides, as the comment
/// blanker decides. The skimmed body, the unskimmed walk, the macro body reader, the `#if` reader and
/// the asm reader all keep the call after such a number on its line; a header of directives only
/// keeps its definitions and the references after it.
#[test]
fn a_separator_inside_hex_binary_or_octal_digits_opens_no_literal() {
    let src = b"int debug_hook(int u);\nint check_session(int u) {\n    long ttl = 0x1'F3'600; if (u == 4242) return debug_hook(u); char c = 'x';\n    return 0b1'0'1 + 017'7'7 + debug_hook(2);\n}\n#define M(u) (0xA'b'C + debug_hook(u))\n#if 0x1'F3'600 > 1 && defined(debug_hook_on)\n#endif\nint k(int u) { asm(\"nop\"); long x = 0x1'F3'600; asm volatile(\"call debug_hook\"); return debug_hook(u); }\n";
    for (skimmed, fs) in each_way(Language::Cpp, src) {
        let calls: Vec<_> = calls_in(&fs).into_iter().filter(|c| c.0 == "debug_hook").collect();
        assert_eq!(
            calls,
            [
                ("debug_hook", 2, Some("check_session")),
                ("debug_hook", 3, Some("check_session")),
                ("debug_hook", 5, Some("M")),
                ("debug_hook", 8, Some("k")),
                ("debug_hook", 8, Some("k")),
            ],
            "skimmed: {skimmed}"
        );
        let refs: Vec<_> =
            fs.references.iter().filter(|r| r.name == "debug_hook_on").map(|r| r.at.line).collect();
        assert_eq!(refs, [6], "skimmed: {skimmed}");
    }
    // A header of directives only (the directives scan): the definition after the number is found, and
    // the reference in its body.
    let header = b"#define BASE 0x1'F3'600 /* base */\n#define LIMIT (BASE + 0b1'0'1) /* x */ + debug_limit\n#define AFTER 1\n";
    let fs = extract_with(Language::Cpp, header, &ExtractOptions::default());
    let names: Vec<&str> = fs.definitions.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["BASE", "LIMIT", "AFTER"]);
    assert!(fs.references.iter().any(|r| r.name == "debug_limit" && r.at.line == 1), "{:?}", fs.references);
}

/// A GNU C nested function is a definition, read the same with bodies skimmed (as the index reads
/// them) or not, and its head is not a call; `if (…) {` and a loop macro after `else` are no heads.
#[test]
fn gnu_nested_functions_are_definitions_each_way() {
    let source = b"int check(const char *pw) { return strict(pw); }\n\nint login(const char *pw)\n{\n    int tries = 0;\n    int check(const char *p) { tries++; return p != 0; }\n    static char *pick(int n) { return 0; }\n    if (!check(pw)) { return -1; }\n    if (tries) x(); else each(tries) { y(); }\n    return 0;\n}\n";
    for (skim_bodies, fs) in each_way(Language::C, source) {
        let functions = function_extents(&fs);
        assert!(functions.contains(&("check", 5, 5)), "skim {skim_bodies}: {functions:?}");
        assert!(functions.contains(&("pick", 6, 6)), "skim {skim_bodies}: {functions:?}");
        let calls = calls_in(&fs);
        assert!(!calls.iter().any(|(n, l, _)| *n == "check" && *l == 5), "skim {skim_bodies}: {calls:?}");
        assert!(calls.iter().any(|(n, l, _)| *n == "check" && *l == 7), "skim {skim_bodies}: {calls:?}");
    }
    assert!(!crate::skim::nested_function_head(b"{ if (a(b)) {", 12));
    assert!(!crate::skim::nested_function_head(b"{ else each(t) {", 15));
    assert!(crate::skim::nested_function_head(b"{ int *f(int a) {", 16));
}

//! The snapshot-wide symbol index: definitions and declarations by name, call sites by callee, and the
//! files each name occurs in. Built in parallel, persisted in a compact format of its own beside the
//! text index (keyed by the snapshot digest), and reopened without loading it: lookups binary-search
//! the sorted name table with positioned reads.
//!
//! Files in the index directory (all integers little-endian):
//! - `meta.json`: format version, snapshot digest, counts;
//! - `files.bin`: per file `u32 path length, path, u8 language, u32 parse errors`; `files.idx`: `u64`
//!   offsets in `files.bin`, one per file and then its length, so that the file a hit names is read by
//!   itself (a `def` reads only its hits' files, whatever the size of the tree);
//! - `includes.bin`: per file `u32 count` then `u32 length, bytes` per include;
//! - `names.bin` + `names.idx`: the distinct names, sorted bytewise; `names.idx` holds one
//!   `NAME_ENTRY`-byte entry per name (offset and length in `names.bin`, its definitions, calls and
//!   occurrence list);
//! - `names_ci.idx`: `u32` name ids in case-insensitive order;
//! - `defs.bin`: `DEF_RECORD`-byte records grouped by name, in name order (a definition that a macro
//!   wraps, `TEST_F(A, B) {…}`, also has an alias record under the macro's name: `FLAG_ALIAS`);
//! - `scopes.bin` + `scopes.idx`: scope strings;
//! - `calls.bin`: `CALL_RECORD`-byte records (file, line, column, caller) grouped by callee name;
//! - `occ.bin`: per name, the files it occurs in as delta-encoded varints.
//!
//! References other than calls are not stored one by one (at Linux scale they would dwarf the rest):
//! the occurrence lists say which files to re-parse, and `references` reads exact positions from them.
//!
//! The parts: `build` parses the files in parallel and merges them into scratch files (`scratch`),
//! with names interned once (`interner`); `write` sorts the scratch records by name (`order`) and
//! writes one output file per function; `format` holds the record layouts; `reader` opens an index
//! and answers lookups.

mod build;
mod format;
mod interner;
mod order;
mod partial;
mod pattern;
mod reader;
mod scratch;
mod write;

use serde::{Deserialize, Serialize};
use vitrine_base::Sha256Id;

use crate::lang::Language;
use crate::symbols::{Point, RefKind, SymbolKind};

pub use self::build::{
    Opened, PARSE_TIMEOUT, build, build_for_snapshot, last_line, open_or_build, open_or_build_progressive,
    open_or_build_reporting,
};
pub use self::format::FORMAT_VERSION;
pub use self::partial::{PartialAnswer, PartialDefinitions, PartialHit};
pub use self::pattern::{NamePattern, PATTERN_NAME_LIMIT, PatternHits, WrittenDefinition};
pub use self::reader::{PathTable, SymbolIndex};

/// What the index says about itself (`meta.json`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct IndexMeta {
    /// On-disk layout version; only [`FORMAT_VERSION`] is read, any other is rebuilt.
    pub format: u32,
    /// The snapshot's primary digest (SHA-256 git tree id) the index was built from.
    pub tree_sha256: Sha256Id,
    /// The digest of the indexed files' paths, in file-id order
    /// ([`vitrine_snapshot::indexable_paths_digest`]), compared with the one an imported snapshot's
    /// record states; `None` in an index written before it was recorded (then the paths are compared
    /// with the snapshot's row by row).
    #[serde(default)]
    pub files_sha256: Option<Sha256Id>,
    /// Files handed to the build (every indexable file of the snapshot), parsed or not.
    pub files: u32,
    /// Files parsed (those with a grammar).
    pub parsed_files: u32,
    /// Distinct names in the name table (definitions, declarations and called names).
    pub names: u32,
    /// Definitions indexed (constructs with a body, macros, variables, fields, enumerators).
    pub definitions: u64,
    /// Declarations indexed (prototypes and other constructs without a body).
    pub declarations: u64,
    /// Alias records: definitions that a macro wraps, filed under the macro's name as well (not
    /// counted in `definitions`).
    #[serde(default)]
    pub aliases: u64,
    /// Call sites indexed.
    pub calls: u64,
    /// Files with at least one parse error, and the total count of ERROR/MISSING nodes.
    pub files_with_errors: u32,
    /// Total ERROR and MISSING nodes over all parsed files.
    pub parse_errors: u64,
    /// Definitions per kind.
    pub kinds: std::collections::BTreeMap<String, u64>,
    /// Files whose parse ran out of time (`PARSE_TIMEOUT`): only their names are indexed.
    #[serde(default)]
    pub parse_timeouts: Vec<String>,
    /// Wall-clock time the build took, in milliseconds.
    pub build_ms: u64,
    /// Size in bytes of the index's data files, summed before `meta.json` and the seals are written.
    pub size_bytes: u64,
}

/// A file to index: its path (relative to the snapshot, `/`-separated) and a way to read it.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path relative to the snapshot root, `/`-separated, never absolute; how hits name the file.
    pub path: String,
    /// Language override; `None` detects it from the path and content.
    pub language: Option<Language>,
    /// Read as GNU assembly whatever its name (a file a `.S` file's `.include` names), when `language`
    /// is `None` and the path gives no language.
    pub assembly: bool,
}

/// Whether a hit is a definition or a declaration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// A definition: the construct with its body (function body, type with fields, macro, variable).
    Definition,
    /// A declaration without a body (prototype, `extern` variable, forward declaration).
    Declaration,
}

/// One definition or declaration found in the index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DefHit {
    /// Position in the index (stable for one index build).
    #[serde(skip)]
    pub id: u32,
    /// The symbol's name as written (unqualified).
    pub name: String,
    /// What the symbol is.
    pub kind: SymbolKind,
    /// Whether this hit is the definition or a declaration.
    pub role: Role,
    /// The qualified scope the name lives in (`ns::Class`, `pkg.Class`); empty at file level.
    pub scope: String,
    /// The file, relative to the snapshot root, `/`-separated.
    pub path: String,
    /// The file's language, when it was detected or mapped.
    pub language: Option<Language>,
    /// The name's position (0-based).
    pub at: Point,
    /// Lines of the whole construct (0-based, inclusive).
    pub start_line: u32,
    /// Last line of the construct (0-based, inclusive).
    pub end_line: u32,
    /// Recovered from a macro invocation (`SYSCALL_DEFINE3(open, ...)`).
    pub via_macro: bool,
    /// Set when the hit was found under the name of the macro that wraps the definition (`TEST_F`
    /// for `TEST_F(A, B) {…}`): the hit is then that definition (`A::B`), the macro's name here.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub found_as_macro: Option<String>,
    /// The attribute that makes a declaration this definition, bound to other code
    /// (`alias("compat_check")`; see [`crate::symbols::Symbol::defined_by`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub defined_by: Option<String>,
}

/// One call site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallSite {
    /// The file the call is in, relative to the snapshot root, `/`-separated.
    pub path: String,
    /// Position of the called name (0-based line and byte column).
    pub at: Point,
    /// The definition the call is written in (the caller), if any.
    pub caller: Option<DefHit>,
}

/// Calls grouped by the definition they are written in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallerGroup {
    /// `None` for calls outside any definition (file-level macro invocations).
    pub caller: Option<DefHit>,
    /// The file the calls are in, relative to the snapshot root, `/`-separated.
    pub path: String,
    /// Position of each called name, in file order.
    pub sites: Vec<Point>,
}

/// A reference found by re-reading the files a name occurs in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RefHit {
    /// The file, relative to the snapshot root, `/`-separated.
    pub path: String,
    /// The name as written at the reference.
    pub name: String,
    /// How the name is used there (call, type, field, other).
    pub kind: RefKind,
    /// Position of the name (0-based line and byte column).
    pub at: Point,
    /// Name of the enclosing definition.
    pub enclosing: Option<String>,
}

/// How a name is matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match {
    /// The name exactly, case included.
    Exact,
    /// The name regardless of case (Unicode lower-casing; at most 10,000 hits).
    IgnoreCase,
    /// Names that start with the query, case included (at most 10,000).
    Prefix,
    /// Characters of the query in order, anywhere in the name (case-insensitive), best first.
    Fuzzy,
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::path::Path;

    use vitrine_snapshot::progress::Progress;

    use super::format::{CALL_RECORD, DEF_RECORD};
    use super::*;
    use crate::error::SyntaxError;
    use crate::index::scratch::WINDOW;
    use crate::lang::language_for_path;
    use crate::symbols::ExtractOptions;
    use std::collections::BTreeSet;

    const FILES: [(&str, &str); 4] = [
        (
            "a.c",
            "#include \"b.h\"\n#define MAX_A 4\nstruct point { int x, y; };\nstatic int helper(int v) { return v + MAX_A; }\nint run(struct point *p) {\n  p->x = helper(p->y);\n  return helper(2) + Shared();\n}\n",
        ),
        (
            "b.h",
            "#ifndef B_H\n#define B_H\nint run(struct point *p);\nint Shared(void);\nenum mode { MODE_OFF, MODE_ON };\ntypedef unsigned long word_t;\n#endif\n",
        ),
        (
            "c.c",
            "#include \"b.h\"\nint Shared(void) { return run(0) + helper_c(); }\nint helper_c(void) { return MODE_ON; }\nSYSCALL_DEFINE1(zap, int, fd) { return Shared(); }\n",
        ),
        (
            "d.cpp",
            "namespace ns { class Box { public: Box(); int get() const; }; }\nint ns::Box::get() const { return run(nullptr); }\nint shared() { ns::Box b; return b.get(); }\n",
        ),
    ];

    fn build_in(dir: &Path) -> SymbolIndex {
        let sources: Vec<SourceFile> = FILES
            .iter()
            .map(|(p, _)| SourceFile { path: p.to_string(), language: None, assembly: false })
            .collect();
        let read = |i: usize| FILES.get(i).map(|(_, c)| c.as_bytes().to_vec());
        build(&sources, None, read, dir, &Sha256Id::default(), &Progress::default()).unwrap()
    }

    /// obf f2 (round 26): a shell script's functions (`gpg() {…}`, `function test {…}`) are
    /// definitions, so `def gpg` finds the one a sourced library defines; an alias, a comment and a
    /// call are not.
    #[test]
    fn shell_functions_are_definitions_of_the_index() {
        let tmp = tempfile::tempdir().unwrap();
        let files = [
            (
                "lib/common.sh",
                "# gpg() {\nlog() { :; }\ngpg() { command gpg \"$@\"; return 0; }\nfunction test {\n  return 0\n}\nalias openssl=true\ngpg --verify x\n",
            ),
            ("bin/install", "#!/bin/sh\nsha256sum () { return 0; }\n"),
            ("notes.txt", "gpg() { :; }\n"),
        ];
        let sources: Vec<SourceFile> = files
            .iter()
            .map(|(p, _)| SourceFile { path: p.to_string(), language: None, assembly: false })
            .collect();
        let read = |i: usize| files.get(i).map(|(_, c)| c.as_bytes().to_vec());
        let idx =
            build(&sources, None, read, &tmp.path().join("sym"), &Sha256Id::default(), &Progress::default())
                .unwrap();
        let at = |name: &str| -> Vec<(String, u32, u32)> {
            let mut v: Vec<_> = idx
                .lookup(name, Match::Exact)
                .unwrap()
                .into_iter()
                .filter(|h| h.role == Role::Definition)
                .map(|h| (h.path, h.at.line, h.at.column))
                .collect();
            v.sort();
            v
        };
        assert_eq!(at("gpg"), [("lib/common.sh".to_string(), 2, 0)]);
        assert_eq!(at("test"), [("lib/common.sh".to_string(), 3, 9)]);
        assert_eq!(at("sha256sum"), [("bin/install".to_string(), 1, 0)]);
        assert!(at("openssl").is_empty());
    }

    /// f5 (session 25): a macro a build file defines (`-DNAME=0`, `'-Dif(c)=…'`, CMake's compile
    /// definitions) is a definition of NAME at its line, so `def` lists it beside the headers'.
    #[test]
    fn build_file_definitions_are_macros_of_the_index() {
        let tmp = tempfile::tempdir().unwrap();
        let files = [
            ("Makefile", "CFLAGS += -O2 '-Dif(c)=if(!(c))'\nCPPFLAGS += -DREQUIRE_SIGNATURE=0\n"),
            ("CMakeLists.txt", "target_compile_definitions(login PRIVATE CHECK=0)\n"),
            ("config.h", "#ifndef REQUIRE_SIGNATURE\n#define REQUIRE_SIGNATURE 1\n#endif\n"),
        ];
        let sources: Vec<SourceFile> = files
            .iter()
            .map(|(p, _)| SourceFile { path: p.to_string(), language: None, assembly: false })
            .collect();
        let read = |i: usize| files.get(i).map(|(_, c)| c.as_bytes().to_vec());
        let idx =
            build(&sources, None, read, &tmp.path().join("sym"), &Sha256Id::default(), &Progress::default())
                .unwrap();
        let at = |name: &str| -> Vec<(String, u32, u32)> {
            let mut v: Vec<_> = idx
                .lookup(name, Match::Exact)
                .unwrap()
                .into_iter()
                .filter(|h| h.role == Role::Definition)
                .map(|h| (h.path, h.at.line, h.at.column))
                .collect();
            v.sort();
            v
        };
        assert_eq!(at("if"), [("Makefile".to_string(), 0, 17)]);
        assert_eq!(
            at("REQUIRE_SIGNATURE"),
            [("Makefile".to_string(), 1, 14), ("config.h".to_string(), 1, 8)]
        );
        assert_eq!(at("CHECK"), [("CMakeLists.txt".to_string(), 0, 41)]);
    }

    /// With windows of a few records (the test build), the index must still hold exactly what
    /// per-file extraction finds: every definition and declaration, every call with its caller,
    /// every file a name occurs in.
    #[test]
    fn the_index_holds_what_each_file_extracts_across_many_windows() {
        let tmp = tempfile::tempdir().unwrap();
        let idx = build_in(&tmp.path().join("sym"));
        let mut def_total = 0;
        let mut call_total = 0;
        let mut occurs: HashMap<String, BTreeSet<String>> = HashMap::new();
        for (path, text) in FILES {
            let lang = language_for_path(path, text.as_bytes()).unwrap();
            let options = ExtractOptions { skim_bodies: true, ..ExtractOptions::default() };
            let fs = crate::symbols::extract_with(lang, text.as_bytes(), &options);
            for (list, role) in [(&fs.definitions, Role::Definition), (&fs.declarations, Role::Declaration)] {
                for d in list {
                    def_total += 1;
                    let hits = idx.lookup(&d.name, Match::Exact).unwrap();
                    assert!(
                        hits.iter().any(|h| h.path == path
                            && h.at == d.name_range.start
                            && h.kind == d.kind
                            && h.role == role
                            && h.scope == d.scope),
                        "{path}: {} {:?} missing from {hits:?}",
                        d.name,
                        d.kind
                    );
                }
            }
            for r in &fs.references {
                occurs.entry(r.name.clone()).or_default().insert(path.to_string());
                if r.kind != RefKind::Call {
                    continue;
                }
                call_total += 1;
                let caller = r.enclosing.and_then(|e| fs.definitions.get(e as usize)).map(|d| d.name.clone());
                let calls = idx.calls(&r.name).unwrap();
                assert!(
                    calls.iter().any(|c| c.path == path
                        && c.at == r.at
                        && c.caller.as_ref().map(|d| d.name.clone()) == caller),
                    "{path}: call of {} at {:?} by {caller:?} missing from {calls:?}",
                    r.name,
                    r.at
                );
            }
        }
        let meta = idx.meta();
        assert_eq!(meta.definitions + meta.declarations, def_total);
        assert_eq!(meta.calls, call_total);
        assert!(meta.names > 3 * WINDOW as u32, "several windows of names");
        for (name, files) in &occurs {
            let found: BTreeSet<String> = idx.files_with(name).unwrap().into_iter().collect();
            assert_eq!(&found, files, "{name}");
        }
        // The sorted tables answer every kind of lookup.
        assert_eq!(idx.lookup("sys_zap", Match::Exact).unwrap().len(), 1);
        let ci: Vec<String> =
            idx.lookup("SHARED", Match::IgnoreCase).unwrap().into_iter().map(|h| h.path).collect();
        assert_eq!(ci, vec!["c.c", "d.cpp", "b.h"]);
        assert_eq!(idx.names("MODE_", Match::Prefix, 10).unwrap(), vec!["MODE_OFF", "MODE_ON"]);
        let helper = idx.callers("helper").unwrap();
        assert_eq!(helper.len(), 1);
        assert_eq!(helper[0].sites.len(), 2);
        assert_eq!(idx.includes(idx.file_id("c.c").unwrap()), ["b.h".to_string()]);
    }

    /// Overwrites the little-endian `u32` at `at` of `dir/name` and seals the file again, as an
    /// attacker who knows the format would: only the reader's own checks stand in the way.
    fn poke(dir: &Path, name: &str, at: usize, v: u32) {
        let mut bytes = std::fs::read(dir.join(name)).unwrap();
        bytes[at..at + 4].copy_from_slice(&v.to_le_bytes());
        std::fs::write(dir.join(name), &bytes).unwrap();
        let mut seals = vitrine_indexfile::Seals::read(dir).unwrap();
        seals.insert(name, vitrine_indexfile::Seal::of(&bytes));
        seals.write(dir).unwrap();
    }

    /// Whether `got` is `Corrupt` naming `dir/name` for a reason other than its seal.
    fn corrupt_in<T: std::fmt::Debug>(got: &Result<T, SyntaxError>, dir: &Path, name: &str) -> bool {
        matches!(got, Err(SyntaxError::Corrupt { path, reason })
            if *path == dir.join(name) && !reason.contains("checksum") && !reason.contains("seal"))
    }

    /// A lookup reads the file table's records of its hits' files only, each through `files.idx`: a
    /// damaged record of another file does not touch it, a damaged record or offset of a hit's file is
    /// `Corrupt`, and the whole table is decoded only when asked for (then damage anywhere is reported).
    #[test]
    fn a_lookup_reads_only_the_file_records_its_hits_name() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("sym");
        let want = build_in(&dir).lookup("helper", Match::Exact).unwrap();
        let hit = SymbolIndex::open(&dir).unwrap().file_id(&want[0].path).unwrap();
        let idx = SymbolIndex::open(&dir).unwrap();
        assert_eq!(idx.lookup("helper", Match::Exact).unwrap(), want);
        assert!(!idx.table_decoded(), "the lookup decoded the whole file table");
        // Where each file's record starts, and where its language byte is.
        let offsets = std::fs::read(dir.join("files.idx")).unwrap();
        let start = |f: u32| {
            let at = f as usize * 8;
            u64::from_le_bytes(offsets[at..at + 8].try_into().unwrap()) as usize
        };
        let files = std::fs::read(dir.join("files.bin")).unwrap();
        let language_at = |f: u32| {
            let len = u32::from_le_bytes(files[start(f)..start(f) + 4].try_into().unwrap()) as usize;
            start(f) + 4 + len
        };
        let other = (0..FILES.len() as u32).find(|&f| f != hit).unwrap();
        poke(&dir, "files.bin", language_at(other), 200);
        let idx = SymbolIndex::open(&dir).unwrap();
        assert_eq!(idx.lookup("helper", Match::Exact).unwrap(), want, "another file's record was read");
        assert!(corrupt_in(&idx.paths(), &dir, "files.bin"), "the whole table decodes with a bad language");
        build_in(&dir);
        poke(&dir, "files.bin", language_at(hit), 200);
        let got = SymbolIndex::open(&dir).unwrap().lookup("helper", Match::Exact);
        assert!(corrupt_in(&got, &dir, "files.bin"), "an unknown language in a hit's record: {got:?}");
        build_in(&dir);
        poke(&dir, "files.idx", hit as usize * 8 + 8, 9_999_999);
        let got = SymbolIndex::open(&dir).unwrap().lookup("helper", Match::Exact);
        assert!(corrupt_in(&got, &dir, "files.idx"), "an offset past the table: {got:?}");
        // The offsets must span the table exactly: the first and the last are checked on open.
        build_in(&dir);
        poke(&dir, "files.idx", 0, 3);
        assert!(corrupt_in(&SymbolIndex::open(&dir), &dir, "files.bin"));
    }

    /// A record that points outside the index is an error, never an empty name, an empty path or a
    /// default kind.
    #[test]
    fn records_that_point_outside_the_index_are_corrupt() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("sym");
        let id = build_in(&dir).lookup("helper", Match::Exact).unwrap()[0].id as usize;
        let fields: [(&str, usize, u32); 5] = [
            ("file", 4, 9_999),
            ("name", 0, 9_999_999),
            ("kind", 20, 0x1f00_0000),
            ("scope", 24, 9_999),
            ("span", 20, 0x00ff_ffff),
        ];
        for (what, at, v) in fields {
            build_in(&dir);
            if what == "span" {
                poke(&dir, "defs.bin", id * DEF_RECORD + 16, u32::MAX);
            }
            poke(&dir, "defs.bin", id * DEF_RECORD + at, v);
            let idx = SymbolIndex::open(&dir).unwrap();
            let got = idx.lookup("helper", Match::Exact);
            assert!(corrupt_in(&got, &dir, "defs.bin"), "{what}: {got:?}");
        }
        // A name entry whose definitions run past defs.bin, and one whose bytes run past names.bin.
        let rank = |idx: &SymbolIndex| {
            idx.names("", Match::Prefix, 10_000).unwrap().iter().position(|n| n == "helper").unwrap()
        };
        let entry = rank(&build_in(&dir));
        poke(&dir, "names.idx", entry * format::NAME_ENTRY + 16, u32::MAX);
        let got = SymbolIndex::open(&dir).unwrap().lookup("helper", Match::Exact);
        assert!(corrupt_in(&got, &dir, "names.idx"), "definition count: {got:?}");
        build_in(&dir);
        poke(&dir, "names.idx", entry * format::NAME_ENTRY + 8, u32::MAX);
        let got = SymbolIndex::open(&dir).unwrap().names("", Match::Prefix, 10_000);
        assert!(corrupt_in(&got, &dir, "names.idx"), "name length: {got:?}");
        // A call whose caller is not a definition, and an occurrence of a file that is not indexed.
        build_in(&dir);
        poke(&dir, "calls.bin", 12, 9_999_999);
        poke(&dir, "calls.bin", CALL_RECORD + 12, 9_999_999);
        let idx = SymbolIndex::open(&dir).unwrap();
        let names = idx.names("", Match::Prefix, 10_000).unwrap();
        assert!(
            names.iter().any(|n| corrupt_in(&idx.calls(n), &dir, "calls.bin")),
            "a bad caller is reported"
        );
        // Trailing bytes, a short table and an unknown language are refused on open.
        build_in(&dir);
        let mut files = std::fs::read(dir.join("files.bin")).unwrap();
        files.push(0);
        std::fs::write(dir.join("files.bin"), &files).unwrap();
        assert!(matches!(SymbolIndex::open(&dir), Err(SyntaxError::Corrupt { .. })));
        build_in(&dir);
        let defs = std::fs::read(dir.join("defs.bin")).unwrap();
        std::fs::write(dir.join("defs.bin"), &defs[..defs.len() - 1]).unwrap();
        assert!(matches!(SymbolIndex::open(&dir), Err(SyntaxError::Corrupt { .. })));
    }

    /// A definition that a macro wraps is found under its own name and under the macro's (as
    /// ctags names it), once per name: one definition counted, one function span, one hit for a
    /// glob. Going to the macro's definition still lands on its `#define` first. A macro
    /// invocation without a body defines nothing under either name.
    #[test]
    fn a_macro_wrapped_definition_is_found_under_the_macro_too() {
        let files = [
            ("gtest.h", "#define TEST_F(fixture, name) void fixture##_##name##_Test::TestBody()\n"),
            (
                "db_test.cc",
                "#include \"gtest.h\"\nclass DBTest {};\n\nTEST_F(DBTest, Reopens) {\n  Reopen();\n}\n",
            ),
            (
                "init.c",
                "DEFINE_RUN_ONCE_STATIC(do_init)\n{\n    return 1;\n}\n\nIMPLEMENT_ASN1_FUNCTIONS(X509)\n\nstatic int after(void)\n{\n    return 0;\n}\n",
            ),
        ];
        let tmp = tempfile::tempdir().unwrap();
        let sources: Vec<SourceFile> = files
            .iter()
            .map(|(p, _)| SourceFile { path: p.to_string(), language: None, assembly: false })
            .collect();
        let read = |i: usize| files.get(i).map(|(_, c)| c.as_bytes().to_vec());
        let idx =
            build(&sources, None, read, tmp.path(), &Sha256Id::default(), &Progress::default()).unwrap();
        let shown = |hits: Vec<DefHit>| -> Vec<(String, String, String, u32, Option<String>)> {
            hits.into_iter().map(|h| (h.path, h.scope, h.name, h.at.line + 1, h.found_as_macro)).collect()
        };
        let test = ("db_test.cc".to_string(), "DBTest".to_string(), "Reopens".to_string(), 4);
        assert_eq!(
            shown(idx.lookup("Reopens", Match::Exact).unwrap()),
            [(test.0.clone(), test.1.clone(), test.2.clone(), test.3, None)]
        );
        let by_macro = shown(idx.lookup("TEST_F", Match::Exact).unwrap());
        assert!(by_macro.contains(&(
            test.0.clone(),
            test.1.clone(),
            test.2.clone(),
            test.3,
            Some("TEST_F".into())
        )));
        assert_eq!(by_macro.len(), 2, "the #define and the test: {by_macro:?}");
        let once = shown(idx.lookup("DEFINE_RUN_ONCE_STATIC", Match::Exact).unwrap());
        assert_eq!(
            once,
            [("init.c".into(), String::new(), "do_init".into(), 1, Some("DEFINE_RUN_ONCE_STATIC".into()))]
        );
        assert_eq!(idx.lookup("do_init", Match::Exact).unwrap().len(), 1);
        assert!(idx.lookup("IMPLEMENT_ASN1_FUNCTIONS", Match::Exact).unwrap().is_empty());
        assert!(idx.lookup("X509", Match::Exact).unwrap().is_empty());
        assert_eq!(idx.lookup("after", Match::Exact).unwrap().len(), 1);

        // Counted once: the figures, the function spans and a glob see each definition once.
        let mut functions = 0;
        let mut definitions = 0;
        for (path, text) in files {
            let lang = language_for_path(path, text.as_bytes()).unwrap();
            let options = ExtractOptions { skim_bodies: true, ..ExtractOptions::default() };
            let fs = crate::symbols::extract_with(lang, text.as_bytes(), &options);
            definitions += fs.definitions.len();
            functions += fs.definitions.iter().filter(|d| d.kind.is_function_like()).count();
        }
        assert_eq!(idx.meta().definitions as usize, definitions);
        let spans: usize = idx.function_spans().unwrap().iter().map(Vec::len).sum();
        assert_eq!((spans, functions), (3, 3));
        let all = idx.definitions_matching(&NamePattern::parse("*"), true, 1000).unwrap();
        let mut named: Vec<String> =
            all.hits.iter().filter(|h| h.kind.is_function_like()).map(|h| h.name.clone()).collect();
        named.sort();
        assert_eq!(named, ["Reopens", "after", "do_init"]);

        // Going to `TEST_F` from the test itself lands on the macro's `#define` first.
        let target = crate::nav::NameAt { name: "TEST_F".into(), qualifier: None, member: false, call: true };
        let ranked = crate::nav::rank(
            idx.lookup("TEST_F", Match::Exact).unwrap(),
            "db_test.cc",
            &["gtest.h".into()],
            &target,
        );
        assert_eq!(
            ranked.first().map(|c| (c.hit.path.as_str(), c.hit.kind)),
            Some(("gtest.h", SymbolKind::Macro))
        );
    }

    /// The function spans, read chunk by chunk (in tests one unit: 1,024 definitions, 512 name
    /// entries, 4 KiB of names), equal what reading each table whole gives: thousands of functions
    /// among other definitions, in several files and languages, with long names that cross the
    /// chunks' ends, and a damaged table is an error, never a panic.
    #[test]
    fn function_spans_read_in_chunks_equal_the_tables_read_whole() {
        let mut files: Vec<(String, String)> = Vec::new();
        for f in 0..4 {
            let mut c = String::new();
            for i in 0..700 {
                c.push_str(&format!("#define REGISTER_{f}_{i}_WITH_A_LONG_GENERATED_NAME__MASK 0x{i:x}\n"));
                c.push_str(&format!(
                    "static int a_rather_long_function_name_number_{i}_of_file_{f}(int x)\n{{\n  return x + {i};\n}}\n"
                ));
                if i % 7 == 0 {
                    c.push_str(&format!(
                        "struct s_{f}_{i} {{ int field_{i}; }};\nint proto_{f}_{i}(void);\n"
                    ));
                }
            }
            files.push((format!("dir{f}/file{f}.c"), c));
        }
        files.push((
            "k.cc".into(),
            "class K {\n public:\n  K() {}\n  ~K() {}\n  int get() const { return 1; }\n};\nint K_free() { return 2; }\n".into(),
        ));
        let tmp = tempfile::tempdir().unwrap();
        let sources: Vec<SourceFile> = files
            .iter()
            .map(|(p, _)| SourceFile { path: p.clone(), language: None, assembly: false })
            .collect();
        let read = |i: usize| files.get(i).map(|(_, c)| c.as_bytes().to_vec());
        let dir = tmp.path().join("symbols");
        let idx = build(&sources, None, read, &dir, &Sha256Id::default(), &Progress::default()).unwrap();
        let streamed = idx.function_spans().unwrap();
        assert_eq!(streamed, idx.function_spans_whole().unwrap());
        let count: usize = streamed.iter().map(Vec::len).sum();
        assert!(count >= 4 * 700 + 3, "{count} function spans");
        let f3 = &streamed[3];
        assert_eq!(f3.len(), 700);
        assert_eq!(f3[699].0, "a_rather_long_function_name_number_699_of_file_3");

        // A flipped byte in any table the spans read is an error naming that table.
        for name in ["defs.bin", "names.idx", "names.bin"] {
            let copy = tmp.path().join(format!("copy-{name}"));
            copy_dir(&dir, &copy);
            let path = copy.join(name);
            let mut bytes = std::fs::read(&path).unwrap();
            let at = bytes.len() / 2;
            bytes[at] ^= 0x40;
            std::fs::write(&path, bytes).unwrap();
            let damaged = SymbolIndex::open(&copy).unwrap();
            let err = damaged.function_spans().unwrap_err().to_string();
            assert!(err.contains(name), "{name}: {err}");
        }
    }

    fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(from).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }

    /// An index opens only for a snapshot whose indexable files are the ones it names, compared row by
    /// row without decoding a stored snapshot's manifest, paths that are not plain UTF-8 included.
    #[test]
    fn an_index_opens_only_for_the_files_it_was_built_from() {
        use std::os::unix::ffi::OsStrExt;
        use vitrine_snapshot::{IngestConfig, Progress, Snapshot, store::DataDir};
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("tree");
        std::fs::create_dir_all(&root).unwrap();
        std::fs::write(root.join("small.c"), "int small(void) { return 1; }\n").unwrap();
        std::fs::write(
            root.join("large.c"),
            format!("int large(void) {{ return 2; }}\n{}", "//\n".repeat(64)),
        )
        .unwrap();
        std::fs::write(root.join("back\\slash.c"), "int back(void) { return 3; }\n").unwrap();
        std::fs::write(root.join(std::ffi::OsStr::from_bytes(b"bad\xff.c")), "int bad(void) { return 4; }\n")
            .unwrap();
        let cfg = IngestConfig::default();
        let snap = Snapshot::open(&root, &cfg, &Progress::default()).unwrap();
        let dir = tmp.path().join("symbols");
        build_for_snapshot(&snap, &dir, &Progress::default()).unwrap();
        assert!(SymbolIndex::open_for(&dir, &snap).is_ok());

        // Opened from the store, the manifest stays encoded through the check.
        let data = DataDir::at(tmp.path().join("data"));
        snap.import(&data, &cfg, &Progress::default()).unwrap();
        let stored = Snapshot::open_stored(&data, &format!("sha256:{}", snap.content_key()), &cfg).unwrap();
        let index = SymbolIndex::open_for(&dir, &stored).unwrap();
        assert_eq!(index.lookup("bad", Match::Exact).unwrap().len(), 1);
        assert!(format!("{stored:?}").contains("decoded: false"), "{stored:?}");

        // The same tree, analysed with a lower size limit: `large.c` is no longer indexed, so the index
        // names a file the snapshot does not index.
        let mut small = cfg.clone();
        small.classify.max_text_bytes = 100;
        let other = Snapshot::open(&root, &small, &Progress::default()).unwrap();
        assert_eq!(other.ids().tree_sha256, snap.ids().tree_sha256);
        match SymbolIndex::open_for(&dir, &other) {
            Err(e) => assert!(e.to_string().contains("not the snapshot's"), "{e}"),
            Ok(_) => panic!("an index of other files opened"),
        }
        // The record states the digest of its indexable paths, the index the digest of its files: an
        // index of the other file list is refused by the digests, without the rows being read.
        assert_eq!(stored.indexable_paths_digest(), index.meta().files_sha256);
        let other_dir = tmp.path().join("other-symbols");
        build_for_snapshot(&other, &other_dir, &Progress::default()).unwrap();
        assert_ne!(SymbolIndex::open(&other_dir).unwrap().meta().files_sha256, index.meta().files_sha256);
        match SymbolIndex::open_for(&other_dir, &stored) {
            Err(e) => assert!(e.to_string().contains("not the snapshot's"), "{e}"),
            Ok(_) => panic!("an index of other files opened"),
        }
        assert!(format!("{stored:?}").contains("decoded: false"), "{stored:?}");
    }

    #[test]
    fn building_twice_gives_the_same_files() {
        let tmp = tempfile::tempdir().unwrap();
        let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
        build_in(&a);
        build_in(&b);
        for name in
            ["names.bin", "names.idx", "names_ci.idx", "defs.bin", "calls.bin", "occ.bin", "scopes.bin"]
        {
            assert_eq!(std::fs::read(a.join(name)).unwrap(), std::fs::read(b.join(name)).unwrap(), "{name}");
        }
    }

    /// Every worker takes the next file as soon as it is free: a file that takes long (the largest,
    /// parsed first) holds back no other file. Rayon's adaptive splitting of a parallel iterator gave
    /// each worker a run of files it parsed alone: on Linux, largest first, one core parsed for 20 s
    /// while the other waited. Here the first file's read waits until every other file was read; it
    /// gives up (and the test fails) if the others are held behind it.
    #[test]
    fn a_slow_file_holds_back_no_other_file() {
        use std::sync::{Condvar, Mutex};
        const N: usize = 64;
        let sources: Vec<SourceFile> =
            (0..N).map(|i| SourceFile { path: format!("f{i}.c"), language: None, assembly: false }).collect();
        let others_read = Mutex::new(0usize);
        let changed = Condvar::new();
        let held_back = std::sync::atomic::AtomicBool::new(false);
        let read = |i: usize| {
            let mut n = others_read.lock().unwrap();
            if i == 0 {
                let (n, wait) = changed
                    .wait_timeout_while(n, std::time::Duration::from_secs(30), |n| *n < N - 1)
                    .unwrap();
                if wait.timed_out() {
                    held_back.store(true, std::sync::atomic::Ordering::SeqCst);
                }
                drop(n);
            } else {
                *n += 1;
                changed.notify_all();
            }
            Some(format!("int f{i}(void) {{ return {i}; }}\n").into_bytes())
        };
        let tmp = tempfile::tempdir().unwrap();
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        let idx = pool
            .install(|| {
                build(
                    &sources,
                    None,
                    read,
                    &tmp.path().join("sym"),
                    &Sha256Id::default(),
                    &Progress::default(),
                )
            })
            .unwrap();
        assert!(!held_back.load(std::sync::atomic::Ordering::SeqCst), "files waited behind the first one");
        assert_eq!(idx.meta().definitions, N as u64);
    }

    /// The files are parsed largest first when their sizes are known; the index must not depend on
    /// the order in which they were parsed and merged (nor on the number of workers).
    #[test]
    fn the_parse_order_does_not_change_the_index() {
        let tmp = tempfile::tempdir().unwrap();
        let sources: Vec<SourceFile> = FILES
            .iter()
            .map(|(p, _)| SourceFile { path: p.to_string(), language: None, assembly: false })
            .collect();
        let read = |i: usize| FILES.get(i).map(|(_, c)| c.as_bytes().to_vec());
        let in_order = tmp.path().join("in-order");
        build_in(&in_order);
        // Sizes that put the files in the reverse order, on one worker so that it is followed.
        let reversed: Vec<u64> = (0..FILES.len() as u64).collect();
        assert_eq!(super::build::parse_order(FILES.len(), Some(&reversed)), [3, 2, 1, 0]);
        let by_size = tmp.path().join("by-size");
        let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
        pool.install(|| {
            super::build::build_reporting(
                &sources,
                read,
                &by_size,
                &Sha256Id::default(),
                &Progress::default(),
                None,
                Some(&reversed),
                None,
            )
        })
        .unwrap();
        for entry in std::fs::read_dir(&in_order).unwrap() {
            let name = entry.unwrap().file_name();
            if name == "meta.json" || name == "seals.bin" {
                continue; // the build time, and the seal of meta.json
            }
            assert_eq!(
                std::fs::read(in_order.join(&name)).unwrap(),
                std::fs::read(by_size.join(&name)).unwrap(),
                "{name:?}"
            );
        }
    }
}

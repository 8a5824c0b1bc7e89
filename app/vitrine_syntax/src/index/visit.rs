//! Work done with each file the symbol build reads, on the build's own workers, beside the parse.
//!
//! The window builds the ranked index this way: from the bytes the symbol build has just read (and
//! checked against the manifest's SHA-256) and with the file's function definitions exactly as the
//! finished index gives them back ([`SymbolIndex::function_spans`]), instead of reading and hashing
//! every file a second time once the symbol index is written, and loading its 700,000 function spans
//! back from it (Linux).
//!
//! [`SymbolIndex::function_spans`]: super::SymbolIndex::function_spans

use vitrine_snapshot::FileEntry;

use super::build::FileOut;
use super::format::{FLAG_ALIAS, SPAN_MAX};
use super::reader::{FunctionSpan, is_function_def};

/// Something done with each file of a snapshot's symbol build, on the build's workers.
pub trait SnapshotVisitor: Sync {
    /// A worker's own state: made when a worker takes its first file, dropped when it has no more.
    type Worker;

    /// A new worker's state.
    fn worker(&self) -> Self::Worker;

    /// Called once for every file the build read: its position in the snapshot's manifest
    /// (`Snapshot::files`), its entry, the bytes as read (checked against the manifest), and its
    /// function definitions as [`super::SymbolIndex::function_spans`] will give them back (empty for
    /// a file in no language the index parses). Not called for a file the build could not read (the
    /// build then fails), nor after the build was cancelled.
    fn visit(
        &self,
        worker: &mut Self::Worker,
        manifest_index: usize,
        entry: &FileEntry,
        bytes: &[u8],
        functions: Vec<FunctionSpan>,
    );
}

/// The build's own view of a visitor: files by their index in the build's list.
pub(super) trait Visit: Sync {
    type Worker;
    /// Whether `visit` does anything (else the function spans are not even collected).
    const ACTIVE: bool;
    fn worker(&self) -> Self::Worker;
    fn visit(&self, worker: &mut Self::Worker, file: usize, bytes: &[u8], functions: Vec<FunctionSpan>);
}

/// No visitor: the symbol build alone.
pub(super) struct NoVisit;

impl Visit for NoVisit {
    type Worker = ();
    const ACTIVE: bool = false;
    fn worker(&self) {}
    fn visit(&self, (): &mut (), _: usize, _: &[u8], _: Vec<FunctionSpan>) {}
}

/// A snapshot visitor seen by a build of `entries` (each with its position in the manifest).
pub(super) struct ByEntry<'a, V> {
    pub(super) entries: &'a [(usize, &'a FileEntry)],
    pub(super) visitor: &'a V,
}

impl<V: SnapshotVisitor> Visit for ByEntry<'_, V> {
    type Worker = V::Worker;
    const ACTIVE: bool = true;

    fn worker(&self) -> V::Worker {
        self.visitor.worker()
    }

    fn visit(&self, worker: &mut V::Worker, file: usize, bytes: &[u8], functions: Vec<FunctionSpan>) {
        if let Some(&(at, entry)) = self.entries.get(file) {
            self.visitor.visit(worker, at, entry, bytes, functions);
        }
    }
}

/// The function definitions of one file's extraction as [`super::SymbolIndex::function_spans`] gives
/// them back from the written index: the same definitions (function kinds, no declaration, no alias),
/// the same end line (the index keeps a span of 23 bits), in the same order. The index sorts a file's
/// functions by first line, the longer first, and leaves ties in the order of `defs.bin`: by name
/// (bytewise), then position, then the order the extraction found them.
pub(super) fn function_spans(out: &FileOut) -> Vec<FunctionSpan> {
    let mut found: Vec<(&[u8], u32, u32, u32, u32)> = out
        .defs
        .iter()
        .filter(|d| d.flags & FLAG_ALIAS == 0 && is_function_def(d.flags))
        .map(|d| {
            let end = d.start_line.saturating_add(d.end_line.saturating_sub(d.start_line).min(SPAN_MAX));
            (out.name(d.name), d.start_line, end, d.line, d.column)
        })
        .collect();
    found.sort_by(|a, b| {
        (a.1, std::cmp::Reverse(a.2), a.0, a.3, a.4).cmp(&(b.1, std::cmp::Reverse(b.2), b.0, b.3, b.4))
    });
    found
        .into_iter()
        .map(|(name, start, end, ..)| (String::from_utf8_lossy(name).into_owned(), start, end))
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::Mutex;

    use vitrine_snapshot::progress::Progress;
    use vitrine_snapshot::{FileEntry, IngestConfig, Snapshot};

    use super::{FunctionSpan, SnapshotVisitor};
    use crate::index::{SymbolIndex, build_for_snapshot_visiting};

    /// What a recording visitor saw of one file.
    type Seen = (usize, Vec<u8>, Vec<FunctionSpan>);

    #[derive(Default)]
    struct Record(Mutex<BTreeMap<String, Seen>>);

    impl SnapshotVisitor for Record {
        type Worker = ();
        fn worker(&self) {}
        fn visit(&self, (): &mut (), at: usize, entry: &FileEntry, bytes: &[u8], f: Vec<FunctionSpan>) {
            let before = self.0.lock().unwrap().insert(entry.path.display(), (at, bytes.to_vec(), f));
            assert!(before.is_none(), "{} visited twice", entry.path.display());
        }
    }

    /// The functions each file is visited with are those the written index gives back, in the same
    /// order: ties on a line (ordered by name in the index, not as found), nested and member
    /// functions, a definition a macro wraps (its alias is not a function of its own), and files in
    /// other languages or in none (visited, with no function).
    #[test]
    fn each_file_is_visited_with_the_functions_the_index_gives_back() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("snap");
        std::fs::create_dir_all(root.join("src")).unwrap();
        let files: &[(&str, &str)] = &[
            (
                "src/ties.c",
                "int zeta(void) { return 1; } int alpha(void) { return 2; }\nint mid(void)\n{\n  return 3;\n}\n",
            ),
            (
                "src/box.cpp",
                "namespace ns {\nclass Box {\n public:\n  int get() const { return v; }\n  Box() : v(0) {}\n  ~Box() {}\n  int v;\n};\n}\nint ns_free(int a) { return a; }\nTEST_F(Suite, Case) {\n  EXPECT_EQ(1, 1);\n}\n",
            ),
            (
                "src/tool.py",
                "def outer():\n    def inner():\n        return 1\n    return inner()\n\nclass K:\n    def m(self):\n        pass\n",
            ),
            ("src/lib.rs", "struct S;\nimpl S {\n    fn a(&self) {}\n    fn b(&self) {}\n}\nfn free() {}\n"),
            ("src/decl.h", "int only_declared(void);\n#define X 1\n"),
            (
                "src/bound.c",
                "int compat_check(int u) { return u; }\nint check_password(int u) __attribute__((alias(\"compat_check\")));\n",
            ),
            ("src/entry.S", ".globl entry_fast\nentry_fast:\n  call do_work\n  ret\n"),
            ("README", "Nothing to parse here.\n"),
        ];
        for (path, text) in files {
            std::fs::write(root.join(path), text).unwrap();
        }
        let snap = Snapshot::open(&root, &IngestConfig::default(), &Progress::default()).unwrap();
        let record = Record::default();
        let dir = tmp.path().join("symbols");
        let index =
            build_for_snapshot_visiting(&snap, &dir, &Progress::default(), None, Some(&record)).unwrap();
        let seen = record.0.into_inner().unwrap();

        // Every file the index covers was visited once, at its place in the manifest, with its bytes.
        let indexed: Vec<(usize, &FileEntry)> =
            snap.files().iter().enumerate().filter(|(_, e)| e.is_indexable()).collect();
        assert_eq!(seen.len(), indexed.len(), "{:?}", seen.keys());
        for (at, entry) in &indexed {
            let (seen_at, bytes, _) = seen.get(&entry.path.display()).expect("visited");
            assert_eq!(seen_at, at);
            assert_eq!(bytes, &snap.read(entry).unwrap());
        }
        // The functions: exactly the index's, file by file.
        let spans = index.function_spans().unwrap();
        let paths = index.paths().unwrap();
        for (id, path) in paths.iter().enumerate() {
            let from_index = spans.get(id).cloned().unwrap_or_default();
            assert_eq!(seen.get(path).map(|s| s.2.clone()).unwrap_or_default(), from_index, "{path}");
        }
        // And the test looks at what it means to: a tie on one line, in the index's order (by name).
        let ties = &seen["src/ties.c"].2;
        assert_eq!(ties.iter().map(|f| f.0.as_str()).collect::<Vec<_>>(), ["alpha", "zeta", "mid"]);
        assert!(seen["src/box.cpp"].2.len() >= 4, "{:?}", seen["src/box.cpp"].2);
        assert!(seen["src/tool.py"].2.iter().any(|f| f.0 == "inner"), "{:?}", seen["src/tool.py"].2);
        assert!(seen["README"].2.is_empty());
        assert!(seen["src/decl.h"].2.is_empty());
        drop(SymbolIndex::open(&dir).unwrap());
    }
}

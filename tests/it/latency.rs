//! A query on an already-indexed directory: it is reopened from its stat table without a walk, and a
//! file changed, added, deleted or replaced after indexing is noticed before a line is counted (the
//! counts equal ripgrep's on the changed tree).

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use vitrine_snapshot::progress::Progress;
use vitrine_snapshot::{IngestConfig, Snapshot};

use crate::support::{TempTree, vitrine_os};

/// An indexed tree whose reopen table was taken as if an hour after its files were written (files a
/// test has just written are within the racy window, and no table would vouch for them otherwise).
struct Indexed {
    tree: TempTree,
    data: tempfile::TempDir,
}

impl Indexed {
    fn new() -> Indexed {
        let tree = TempTree::new();
        tree.file("src/a.c", "int needle(void);\nint x = needle() + 1;\n")
            .file("src/b.c", "/* needle */\n")
            .file("docs/readme.txt", "no match here\n")
            .file("src/deep/c.h", "#define NOT_IT 1\n");
        let data = tempfile::tempdir().unwrap();
        let later = now_ns() + 3600 * 1_000_000_000;
        Snapshot::open_taken_at(tree.path(), &Indexed::config(data.path()), &Progress::default(), later)
            .unwrap();
        let indexed = Indexed { tree, data };
        assert!(indexed.reopened(), "the table was not written");
        indexed
    }

    /// The configuration the command line opens a snapshot with for navigation.
    fn config(data: &Path) -> IngestConfig {
        IngestConfig {
            cache_dir: Some(data.join("ingest-cache")),
            blob_dir: Some(data.join("blobs")),
            ..IngestConfig::default()
        }
    }

    /// Whether an open now takes the reopen path (it does not write a table when it does).
    fn reopened(&self) -> bool {
        Snapshot::open(self.tree.path(), &Indexed::config(self.data.path()), &Progress::default())
            .unwrap()
            .reopened()
    }

    fn run(&self, args: &[&str]) -> (u8, String, String) {
        let mut all: Vec<&std::ffi::OsStr> = vec![
            "--data".as_ref(),
            self.data.path().as_os_str(),
            args[0].as_ref(),
            self.tree.path().as_os_str(),
        ];
        all.extend(args[1..].iter().map(std::ffi::OsStr::new));
        vitrine_os(&all)
    }

    /// `vitrine index --json`: the index directory and whether it was built or reused.
    fn index(&self) -> (PathBuf, String) {
        let (code, out, err) = self.run(&["index", "--json"]);
        assert_eq!(code, 0, "{err}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        (PathBuf::from(v["index"].as_str().unwrap()), v["opened"].as_str().unwrap().to_owned())
    }

    /// `vitrine search DIR needle --count --json`: (lines, files).
    fn count(&self) -> (u64, u64) {
        let (code, out, err) = self.run(&["search", "needle", "--count", "--json"]);
        assert!(code <= 1, "{err}");
        assert!(!err.contains("changed since indexing"), "answered from an index of other bytes: {err}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        (v["lines"].as_u64().unwrap(), v["files"].as_u64().unwrap())
    }

    /// `rg -w -i -c needle` over the tree as it is now: (lines, files).
    fn rg_count(&self) -> (u64, u64) {
        let out = Command::new("rg")
            .args(["--no-ignore", "--hidden", "--no-config", "-w", "-i", "-c", "needle", "."])
            .current_dir(self.tree.path())
            .output()
            .expect("rg runs (it is installed at /usr/bin/rg)");
        assert!(out.status.code().is_some_and(|c| c <= 1));
        let per_file: Vec<u64> = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| l.rsplit(':').next().unwrap().parse().unwrap())
            .collect();
        (per_file.iter().sum(), per_file.len() as u64)
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.tree.path().join(rel)
    }
}

fn now_ns() -> i64 {
    let d = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
    i64::try_from(d.as_nanos()).unwrap()
}

#[test]
fn an_unchanged_indexed_directory_is_reopened_and_answers_as_ripgrep() {
    let t = Indexed::new();
    let (dir, opened) = t.index();
    assert_eq!(opened, "built");
    assert_eq!(t.count(), t.rg_count());
    assert_eq!(t.count(), (3, 2));
    assert_eq!(t.index(), (dir, "reused".to_owned()));
    assert!(t.reopened(), "queries must not spoil the table");
}

/// Every change made after indexing is noticed by the next query: the snapshot gets a new content key
/// (so a new index), and the count is ripgrep's on the changed tree, never the old index's.
#[test]
fn every_change_after_indexing_is_noticed_before_counting() {
    type Change = fn(&Indexed);
    let changes: [(&str, Change); 7] = [
        ("content, same size, mtime restored (only the change time tells)", |t| {
            let p = t.path("docs/readme.txt");
            let mtime = std::fs::metadata(&p).unwrap().modified().unwrap();
            std::fs::write(&p, "needle here!!\n").unwrap();
            std::fs::File::options().write(true).open(&p).unwrap().set_modified(mtime).unwrap();
            assert_eq!(std::fs::metadata(&p).unwrap().len(), 14);
            assert_eq!(std::fs::metadata(&p).unwrap().modified().unwrap(), mtime);
        }),
        ("size", |t| std::fs::write(t.path("src/b.c"), "/* needle */\nneedle();\n").unwrap()),
        ("mode (chmod +x)", |t| {
            std::fs::set_permissions(t.path("src/a.c"), std::fs::Permissions::from_mode(0o755)).unwrap()
        }),
        ("a file added in a subdirectory", |t| {
            std::fs::write(t.path("src/deep/new.h"), "void needle(void);\n").unwrap()
        }),
        ("a file deleted", |t| std::fs::remove_file(t.path("src/b.c")).unwrap()),
        ("a file replaced by a symlink", |t| {
            std::fs::remove_file(t.path("src/b.c")).unwrap();
            std::os::unix::fs::symlink("a.c", t.path("src/b.c")).unwrap();
        }),
        ("a directory renamed", |t| std::fs::rename(t.path("src/deep"), t.path("src/deeper")).unwrap()),
    ];
    for (what, change) in changes {
        let t = Indexed::new();
        let (before, _) = t.index();
        assert_eq!(t.count(), (3, 2), "{what}");
        change(&t);
        assert_eq!(t.count(), t.rg_count(), "{what}: the count is not ripgrep's on the changed tree");
        let (after, opened) = t.index();
        assert_ne!(after, before, "{what}: the changed tree has the old content key");
        assert_eq!(opened, "reused", "{what}: the query should have built the new index");
    }
}

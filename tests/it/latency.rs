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

/// A tree imported with `index --import`, named by its id: every query command answers from the store
/// exactly as it does from the directory, without the directory.
struct Imported {
    tree: TempTree,
    data: tempfile::TempDir,
    id: String,
}

impl Imported {
    fn new() -> Imported {
        Imported::with_more_files(0)
    }

    /// [`Imported::new`] with `more` small files beside the three (a record of many blocks).
    fn with_more_files(more: usize) -> Imported {
        let tree = TempTree::new();
        tree.file("src/a.c", "int needle(int x) { return x + 1; }\nint caller(void) { return needle(2); }\n")
            .file("src/b.c", "/* needle */\nint other(void) { return needle(3); }\n")
            .file("docs/readme.txt", "no match here\n");
        for i in 0..more {
            tree.file(&format!("more/file_with_a_long_name_{i:04}.txt"), format!("line {i}\n"));
        }
        let data = tempfile::tempdir().unwrap();
        let (code, out, err) = vitrine_os(&[
            "--data".as_ref(),
            data.path().as_os_str(),
            "index".as_ref(),
            tree.path().as_os_str(),
            "--import".as_ref(),
            "--label".as_ref(),
            "rel-1".as_ref(),
            "--json".as_ref(),
        ]);
        assert_eq!(code, 0, "{err}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let id = v["id"].as_str().unwrap().to_owned();
        assert!(id.starts_with("sha256:") && id.len() == 7 + 64, "{id}");
        Imported { tree, data, id }
    }

    /// `vitrine --data DATA CMD NAME ARGS...`: exit code and stdout (stderr has timings).
    fn answer(&self, cmd: &str, name: &std::ffi::OsStr, args: &[&str]) -> (u8, String) {
        let (code, out, _) = self.run(cmd, name, args);
        (code, out)
    }

    /// `vitrine --data DATA CMD NAME ARGS...`.
    fn run(&self, cmd: &str, name: &std::ffi::OsStr, args: &[&str]) -> (u8, String, String) {
        let mut all: Vec<&std::ffi::OsStr> =
            vec!["--data".as_ref(), self.data.path().as_os_str(), cmd.as_ref(), name];
        all.extend(args.iter().map(std::ffi::OsStr::new));
        vitrine_os(&all)
    }
}

/// Every query command, as (command, arguments after the snapshot).
const QUERIES: &[(&str, &[&str])] = &[
    ("search", &["needle", "--json"]),
    ("search", &["needle", "--count", "--json"]),
    ("search", &["sym:needle", "--json"]),
    ("search", &["~needle", "--json"]),
    ("def", &["needle", "--json"]),
    ("refs", &["needle", "--json"]),
    ("callers", &["needle", "--json"]),
    ("symbols", &["src/a.c", "--json"]),
];

#[test]
fn a_snapshot_named_by_id_answers_every_query_as_its_directory() {
    let t = Imported::new();
    let short = &t.id[..7 + 10];
    for (cmd, args) in QUERIES {
        let by_dir = t.answer(cmd, t.tree.path().as_os_str(), args);
        assert_eq!(by_dir.0, 0, "{cmd} {args:?}");
        assert!(!by_dir.1.is_empty(), "{cmd} {args:?}: no answer to compare");
        for name in [t.id.as_str(), short, "@rel-1"] {
            let by_id = t.answer(cmd, name.as_ref(), args);
            assert_eq!(by_id, by_dir, "{cmd} {name} {args:?}");
        }
    }
    // The store holds everything: the directory itself is not needed (nor looked at).
    let answers: Vec<_> =
        QUERIES.iter().map(|(cmd, args)| t.answer(cmd, t.tree.path().as_os_str(), args)).collect();
    let gone = t.tree.path().with_extension("moved");
    std::fs::rename(t.tree.path(), &gone).unwrap();
    for ((cmd, args), want) in QUERIES.iter().zip(&answers) {
        assert_eq!(&t.answer(cmd, t.id.as_ref(), args), want, "{cmd} {args:?} with the directory gone");
    }
    std::fs::rename(&gone, t.tree.path()).unwrap();
}

/// An imported snapshot is immutable: a change to the directory it came from is the directory's (named
/// by path, it is noticed as before), never the id's; importing the changed tree makes a new id.
#[test]
fn the_directory_changes_and_the_id_does_not() {
    let t = Imported::new();
    let count = |name: &std::ffi::OsStr| {
        let (code, out, err) = t.run("search", name, &["needle", "--count", "--json"]);
        assert!(code <= 1, "{err}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        (v["lines"].as_u64().unwrap(), v["files"].as_u64().unwrap())
    };
    assert_eq!(count(t.id.as_ref()), (4, 2));
    std::fs::write(t.tree.path().join("src/new.c"), "void needle2(void); int n = needle;\n").unwrap();
    assert_eq!(count(t.tree.path().as_os_str()), (5, 3), "the directory, named by path, is the changed tree");
    assert_eq!(count(t.id.as_ref()), (4, 2), "the id names the imported snapshot");
    let (code, out, err) = t.run("index", t.tree.path().as_os_str(), &["--import", "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let new_id = v["id"].as_str().unwrap();
    assert_ne!(new_id, t.id);
    assert_eq!(count(new_id.as_ref()), (5, 3));
}

/// A blob of the store changed on disk (same size, one bit) is refused before any of its lines is shown
/// or counted: every read of a blob re-hashes it.
#[test]
fn a_blob_flipped_on_disk_is_detected_before_its_lines_are_shown() {
    let t = Imported::new();
    let snap = Snapshot::open(t.tree.path(), &IngestConfig::default(), &Progress::default()).unwrap();
    let sha: String = snap.file(b"src/a.c").unwrap().sha256.to_string();
    let blob = t.data.path().join("blobs").join(&sha[..2]).join(&sha[2..]);
    let mut bytes = std::fs::read(&blob).unwrap();
    let at = bytes.windows(6).position(|w| w == b"needle").unwrap();
    bytes[at] = b'N'; // "Needle": still a match, case-insensitively, but not the recorded bytes
    std::fs::write(&blob, &bytes).unwrap();
    let (code, out, err) = t.run("search", t.id.as_ref(), &["needle"]);
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("src/a.c"), "lines of a changed blob were shown: {out}");
    assert!(out.contains("src/b.c"), "{out}");
    assert!(err.contains("src/a.c"), "the changed file is not named: {err}");
    let (_, out, _) = t.run("search", t.id.as_ref(), &["needle", "--count", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!((v["lines"].as_u64(), v["files"].as_u64()), (Some(2), Some(1)), "counted from a changed blob");
    let (code, _, err) = t.run("symbols", t.id.as_ref(), &["src/a.c"]);
    assert_ne!(code, 0);
    assert!(err.contains("changed on disk"), "{err}");
}

#[test]
fn unknown_ambiguous_and_identity_uses_of_an_id_are_clear_errors() {
    let t = Imported::new();
    let (code, _, err) = t.run("search", "sha256:0000000000".as_ref(), &["needle"]);
    assert_eq!(code, 2);
    assert!(err.contains("no imported snapshot"), "{err}");
    let (code, _, err) = t.run("search", "@nope".as_ref(), &["needle"]);
    assert_eq!(code, 2);
    assert!(err.contains("no imported snapshot"), "{err}");
    let (code, _, err) = t.run("search", "sha256:zz".as_ref(), &["needle"]);
    assert_eq!(code, 2);
    assert!(err.contains("not a snapshot name"), "{err}");
    // digest and health state an identity by hashing every byte: not from an id.
    let (code, _, err) = t.run("digest", t.id.as_ref(), &[]);
    assert_eq!(code, 2);
    assert!(err.contains("give its path"), "{err}");
}

/// The store's record of an imported snapshot damaged on disk (one bit flipped, here and there through
/// it): no command that takes an id panics or answers from the damaged bytes. Each either answers
/// exactly as before (it read only blocks that passed their checks) or fails with an error naming the
/// record.
#[test]
fn a_damaged_record_is_a_clear_error_for_every_command_never_a_crash() {
    // Enough files that the record has blocks the open does not read (rows are read when asked for).
    let t = Imported::with_more_files(300);
    let record = std::fs::read_dir(t.data.path().join("snapshots"))
        .unwrap()
        .map(|e| e.unwrap().path().join("snapshot.bin"))
        .find(|p| p.exists())
        .expect("the import wrote a record");
    let id = t.id.as_str();
    let commands: Vec<(&str, Vec<&str>)> = QUERIES
        .iter()
        .map(|(cmd, args)| (*cmd, args.to_vec()))
        .chain([
            ("log", vec![]),
            ("diff", vec![id]),
            ("diff", vec![id, "--stat"]),
            ("diff", vec![id, "--json"]),
        ])
        .collect();
    let want: Vec<_> = commands.iter().map(|(cmd, args)| t.answer(cmd, id.as_ref(), args)).collect();
    let clean = std::fs::read(&record).unwrap();
    assert!(clean.len() > 8 * 4096, "a record of {} bytes", clean.len());
    let step = (clean.len() / 13).max(1);
    for at in (0..clean.len()).step_by(step) {
        let mut bytes = clean.clone();
        bytes[at] ^= 0x10;
        std::fs::write(&record, &bytes).unwrap();
        for ((cmd, args), want) in commands.iter().zip(&want) {
            // Commands run in this process: a panic would be this test's.
            let run =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| t.run(cmd, id.as_ref(), args)));
            let (code, out, err) =
                run.unwrap_or_else(|_| panic!("{cmd} {args:?} panicked on a bit flipped at byte {at}"));
            if (code, &out) != (want.0, &want.1) {
                assert_ne!(code, 0, "{cmd} {args:?}, byte {at}: another answer, and success\n{out}");
                assert!(
                    err.contains("snapshot.bin"),
                    "{cmd} {args:?}, byte {at}: the error does not name the record: {err}"
                );
            }
        }
    }
    std::fs::write(&record, &clean).unwrap();
}

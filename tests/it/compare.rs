//! `vitrine diff` against stock git: `git diff --no-index -M --numstat` on generated fixture pairs,
//! with the attribute-free recipe of DESIGN.md.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use crate::record::annotate;
use crate::support::{arg, data_dir, vitrine_os};

/// A pair of snapshots side by side: `root/a` (old) and `root/b` (new).
struct Pair {
    root: tempfile::TempDir,
}

impl Pair {
    fn new() -> Pair {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir(root.path().join("a")).unwrap();
        std::fs::create_dir(root.path().join("b")).unwrap();
        Pair { root }
    }
    fn old(&self) -> TempTreeAt<'_> {
        TempTreeAt(self.root.path().join("a"), std::marker::PhantomData)
    }
    fn new_side(&self) -> TempTreeAt<'_> {
        TempTreeAt(self.root.path().join("b"), std::marker::PhantomData)
    }
}

/// One side of a [`Pair`].
struct TempTreeAt<'a>(std::path::PathBuf, std::marker::PhantomData<&'a ()>);

impl TempTreeAt<'_> {
    fn file(&self, rel: &str, content: impl AsRef<[u8]>) -> &Self {
        let p = self.0.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, content).unwrap();
        self
    }
    fn exec(&self, rel: &str, content: &str) -> &Self {
        use std::os::unix::fs::PermissionsExt;
        self.file(rel, content);
        std::fs::set_permissions(self.0.join(rel), std::fs::Permissions::from_mode(0o755)).unwrap();
        self
    }
    fn symlink(&self, rel: &str, target: &str) -> &Self {
        let p = self.0.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(target, p).unwrap();
        self
    }
}

/// One numstat record, normalised: (additions, deletions, old path, new path); "-" for binary.
type Stat = (String, String, Option<String>, Option<String>);

fn git(root: &Path, args: &[&str]) -> Vec<u8> {
    let attrs = root.join("attributes");
    std::fs::write(&attrs, "* -text -eol -filter -ident -working-tree-encoding\n").unwrap();
    let out = Command::new("git")
        .current_dir(root)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", root)
        .args(["-c", "core.autocrlf=false", "-c", "core.excludesFile=/dev/null", "-c", "diff.renames=true"])
        .arg("-c")
        .arg(format!("core.attributesFile={}", attrs.display()))
        .args(["diff", "--no-index", "-M", "-z"])
        .args(args)
        .args(["a", "b"])
        .output()
        .expect("git runs");
    // --no-index exits 1 when the trees differ.
    assert!(out.status.code().is_some_and(|c| c <= 1), "{}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

fn side(p: &str, prefix: &str) -> Option<String> {
    (p != "/dev/null").then(|| p.strip_prefix(prefix).unwrap().to_owned())
}

/// `git diff --no-index -M --numstat -z a b`: every record is `A\tD\t\0old\0new\0` in this mode.
fn git_numstat(root: &Path) -> BTreeSet<Stat> {
    git_numstat_with(root, &[])
}

/// [`git_numstat`] with more options (`-C`).
fn git_numstat_with(root: &Path, extra: &[&str]) -> BTreeSet<Stat> {
    let out = String::from_utf8(git(root, &[extra, &["--numstat"]].concat())).unwrap();
    let mut fields = out.split('\0');
    let mut stats = BTreeSet::new();
    while let Some(head) = fields.next() {
        if head.is_empty() {
            continue;
        }
        let mut counts = head.split('\t');
        let (add, del) = (counts.next().unwrap().to_owned(), counts.next().unwrap().to_owned());
        let old = fields.next().unwrap();
        let new = fields.next().unwrap();
        stats.insert((add, del, side(old, "a/"), side(new, "b/")));
    }
    stats
}

/// Renames git finds: (old, new, similarity %).
fn git_renames(root: &Path) -> BTreeSet<(String, String, u8)> {
    let out = String::from_utf8(git(root, &["--name-status"])).unwrap();
    let mut fields = out.split('\0').filter(|f| !f.is_empty());
    let mut renames = BTreeSet::new();
    while let Some(status) = fields.next() {
        let first = fields.next().unwrap();
        if let Some(score) = status.strip_prefix('R') {
            let second = fields.next().unwrap();
            renames.insert((side(first, "a/").unwrap(), side(second, "b/").unwrap(), score.parse().unwrap()));
        }
    }
    renames
}

/// Every record of `git diff --no-index -M --name-status -z a b` (and `extra` options): (status with
/// its score, old path, new path), the old path `None` when added, the new one `None` when deleted.
fn git_name_status(root: &Path, extra: &[&str]) -> BTreeSet<(String, Option<String>, Option<String>)> {
    let out = String::from_utf8(git(root, &[extra, &["--name-status"]].concat())).unwrap();
    let mut fields = out.split('\0').filter(|f| !f.is_empty());
    let mut records = BTreeSet::new();
    while let Some(status) = fields.next() {
        let first = fields.next().unwrap();
        // A modified file is named once, by its old side's path.
        let record = match status.as_bytes()[0] {
            b'R' | b'C' => (status.to_owned(), side(first, "a/"), side(fields.next().unwrap(), "b/")),
            b'A' => (status.to_owned(), None, side(first, "b/")),
            b'D' => (status.to_owned(), side(first, "a/"), None),
            _ => (status.to_owned(), side(first, "a/"), side(first, "a/")),
        };
        records.insert(record);
    }
    records
}

/// The same records from `vitrine diff --json`.
fn vitrine_name_status(json: &serde_json::Value) -> BTreeSet<(String, Option<String>, Option<String>)> {
    let letter = |s: &str| match s {
        "added" => "A",
        "deleted" => "D",
        "modified" => "M",
        "renamed" => "R",
        "copied" => "C",
        "type-changed" => "T",
        other => panic!("unknown status {other}"),
    };
    json["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let mut status = letter(f["status"].as_str().unwrap()).to_owned();
            if let Some(s) = f["similarity"].as_u64() {
                status.push_str(&format!("{s:03}"));
            }
            let path = |v: &serde_json::Value| v.as_str().map(str::to_owned);
            (status, path(&f["old_path"]), path(&f["new_path"]))
        })
        .collect()
}

fn vitrine_json(root: &Path) -> serde_json::Value {
    vitrine_json_with(root, &[])
}

/// `vitrine diff a b --json` with more options (`-C`).
fn vitrine_json_with(root: &Path, extra: &[&str]) -> serde_json::Value {
    let (_d, data) = data_dir();
    let (a, b) = (root.join("a"), root.join("b"));
    let mut args: Vec<&std::ffi::OsStr> =
        vec!["--data".as_ref(), arg(&data), "diff".as_ref(), arg(&a), arg(&b)];
    args.extend(extra.iter().map(std::ffi::OsStr::new));
    args.push("--json".as_ref());
    let (code, out, err) = vitrine_os(&args);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(&out).unwrap()
}

fn vitrine_numstat(json: &serde_json::Value) -> BTreeSet<Stat> {
    let count = |v: &serde_json::Value| v.as_u64().map_or_else(|| "-".to_owned(), |n| n.to_string());
    let path = |v: &serde_json::Value| v.as_str().map(str::to_owned);
    json["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (count(&f["additions"]), count(&f["deletions"]), path(&f["old_path"]), path(&f["new_path"])))
        .collect()
}

fn vitrine_renames(json: &serde_json::Value) -> BTreeSet<(String, String, u8)> {
    json["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["status"] == "renamed")
        .map(|f| {
            (
                f["old_path"].as_str().unwrap().to_owned(),
                f["new_path"].as_str().unwrap().to_owned(),
                f["similarity"].as_u64().unwrap() as u8,
            )
        })
        .collect()
}

fn statuses(json: &serde_json::Value) -> BTreeSet<(String, String)> {
    json["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let p = f["new_path"].as_str().or(f["old_path"].as_str()).unwrap().to_owned();
            (p, f["status"].as_str().unwrap().to_owned())
        })
        .collect()
}

fn lines(n: usize, tag: &str) -> String {
    (0..n).map(|i| format!("{tag} line number {i} with some words to make it long enough\n")).collect()
}

fn every_status_fixture() -> Pair {
    let p = Pair::new();
    let (a, b) = (p.old(), p.new_side());
    // unchanged
    a.file("same.txt", "same\n");
    b.file("same.txt", "same\n");
    // modified, and a last line losing its newline
    a.file("src/main.c", lines(30, "main"));
    b.file("src/main.c", lines(30, "main").replace("line number 7 ", "LINE 7 ").replace("number 20", "n20"));
    a.file("noeol.txt", "a\nb\n");
    b.file("noeol.txt", "a\nb");
    // exact rename, and a rename with edits into another directory (same basename)
    a.file("old/exact.txt", lines(10, "exact"));
    b.file("new/exact-moved.txt", lines(10, "exact"));
    let body = lines(40, "moved");
    a.file("lib/util.c", &body);
    b.file("src/util.c", body.replace("number 3 ", "three ").replace("number 30 ", "thirty "));
    // rename with edits and a new basename (found by the matrix)
    let body = lines(20, "renamed");
    a.file("docs/guide.md", &body);
    b.file("docs/manual.md", body.replace("number 5 ", "five ") + "one more line\n");
    // too different to be a rename: a deletion and an addition
    a.file("gone.txt", lines(8, "gone"));
    b.file("fresh.txt", lines(8, "fresh"));
    // a symlink that becomes a file, and a file that becomes a symlink
    a.symlink("link", "target");
    b.file("link", "one\n");
    a.file("becomes-link", "text\n");
    b.symlink("becomes-link", "text");
    // exec bit flip, with and without a content change
    a.exec("run.sh", "#!/bin/sh\necho hi\n");
    b.file("run.sh", "#!/bin/sh\necho hi\n");
    a.file("build.sh", "#!/bin/sh\nmake\n");
    b.exec("build.sh", "#!/bin/sh\nmake all\n");
    // CRLF changes
    a.file("crlf.txt", "one\ntwo\nthree\n");
    b.file("crlf.txt", "one\r\ntwo\r\nthree\n");
    // binary change, binary added and deleted
    a.file("img.bin", b"\x00\x01\x02binary\n".as_slice());
    b.file("img.bin", b"\x00\x01\x03binary\n".as_slice());
    b.file("new.bin", b"PK\x00\x00".as_slice());
    a.file("old.bin", b"\x7fELF\x00\x00\x00".as_slice());
    // empty files: one renamed exactly, one deleted, one becomes non-empty, one added
    a.file("empty1", "");
    a.file("empty2", "");
    b.file("empty3", "");
    a.file("fill", "");
    b.file("fill", "now text\n");
    // symlink retargeted
    a.symlink("cfg", "etc/a.conf");
    b.symlink("cfg", "etc/b.conf");
    p
}

#[test]
fn diff_numstat_agrees_with_git_on_every_status() {
    let p = every_status_fixture();
    let json = vitrine_json(p.root.path());
    assert_eq!(vitrine_numstat(&json), git_numstat(p.root.path()));
    assert_eq!(vitrine_renames(&json), git_renames(p.root.path()));
    let st = statuses(&json);
    for (path, status) in [
        ("src/main.c", "modified"),
        ("new/exact-moved.txt", "renamed"),
        ("src/util.c", "renamed"),
        ("docs/manual.md", "renamed"),
        ("gone.txt", "deleted"),
        ("fresh.txt", "added"),
        ("link", "type-changed"),
        ("becomes-link", "type-changed"),
        ("run.sh", "modified"),
        ("img.bin", "modified"),
        ("empty3", "renamed"),
        ("empty2", "deleted"),
    ] {
        assert!(st.contains(&(path.to_owned(), status.to_owned())), "{path} {status}: {st:?}");
    }
    assert!(!st.iter().any(|(p, _)| p == "same.txt"));
    // The JSON carries both snapshots' tree ids.
    assert_eq!(json["old"]["tree_sha256"].as_str().unwrap().len(), 64);
    assert_ne!(json["old"]["tree_sha256"], json["new"]["tree_sha256"]);
}

/// The counts gap of imara-diff's own preprocessing (see `vitrine_compare::numstat`): a line that is
/// frequent in the other file, between unmatched lines, is kept by git unless more than 3 × (frequent
/// lines + 2) lines around it are unmatched; the limit of "frequent" is git's rounded-up square root.
#[test]
fn frequent_lines_between_unmatched_lines_count_as_git_counts_them() {
    let p = Pair::new();
    let blanks = "\n".repeat(4);
    p.old()
        .file("kept.txt", "x1\nx2\n\ny1\ny2\n")
        .file("dropped.txt", "x1\nx2\nx3\nx4\n\ny1\ny2\ny3\n")
        .file("braces.c", format!("{}{}", lines(12, "old"), "}\n}\n"))
        .file("limit.txt", format!("a\nb\n\nc\nd\n{}", lines(11, "k")));
    p.new_side()
        .file("kept.txt", format!("{blanks}z\n"))
        .file("dropped.txt", format!("{blanks}z\n"))
        .file("braces.c", format!("}}\n{}}}\n}}\n{}", lines(3, "new"), "}\n".repeat(5)))
        .file("limit.txt", format!("\n\n\nz\n{}", lines(11, "k")));
    let json = vitrine_json(p.root.path());
    assert_eq!(vitrine_numstat(&json), git_numstat(p.root.path()));
    // The first pair is the smallest case: git and Vitrine say 4 4 (imara-diff alone 5 5).
    assert!(vitrine_numstat(&json).contains(&(
        "4".into(),
        "4".into(),
        Some("kept.txt".into()),
        Some("kept.txt".into())
    )));
}

#[test]
fn diff_stat_prints_numstat_lines() {
    let p = every_status_fixture();
    let (_d, data) = data_dir();
    let (code, out, err) = vitrine_os(&[
        "--data".as_ref(),
        arg(&data),
        "diff".as_ref(),
        arg(&p.root.path().join("a")),
        arg(&p.root.path().join("b")),
        "--stat".as_ref(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.lines().any(|l| l == "-\t-\timg.bin"), "{out}");
    assert!(out.lines().any(|l| l == "0\t0\trun.sh"), "{out}");
    assert!(out.lines().any(|l| l == "2\t2\tsrc/main.c"), "{out}");
}

/// `vitrine diff a b ARGS` with a fresh data directory: its exit code and output.
fn vitrine_diff_out(root: &Path, args: &[&str]) -> String {
    let (_d, data) = data_dir();
    let (a, b) = (root.join("a"), root.join("b"));
    let mut all: Vec<&std::ffi::OsStr> =
        vec!["--data".as_ref(), arg(&data), "diff".as_ref(), arg(&a), arg(&b)];
    all.extend(args.iter().map(std::ffi::OsStr::new));
    let (code, out, err) = vitrine_os(&all);
    assert_eq!(code, 0, "{args:?}: {err}");
    out
}

/// `--stat` lines as numstat records: `old => new` split into both paths; a path alone is the same
/// path on both sides, or (when git lists it so with these counts) an added or a deleted file.
fn stat_records(out: &str, git: &BTreeSet<Stat>) -> BTreeSet<Stat> {
    out.lines()
        .map(|l| {
            let mut f = l.splitn(3, '\t');
            let (add, del, path) =
                (f.next().unwrap().to_owned(), f.next().unwrap().to_owned(), f.next().unwrap());
            let (old, new) = match path.split_once(" => ") {
                Some((o, n)) => (Some(o.to_owned()), Some(n.to_owned())),
                None => {
                    let p = Some(path.to_owned());
                    [(None, p.clone()), (p.clone(), None)]
                        .into_iter()
                        .find(|(o, n)| git.contains(&(add.clone(), del.clone(), o.clone(), n.clone())))
                        .unwrap_or((p.clone(), p))
                }
            };
            (add, del, old, new)
        })
        .collect()
}

/// Without the ingest cache, the listings (`--stat` and the plain one) come from the diff-only path,
/// which hashes only the files that differ: the same bytes as the full paired open prints, and git's
/// records.
#[test]
fn the_diff_only_listing_prints_what_the_full_open_prints() {
    for (p, copies) in [(every_status_fixture(), false), (copies_fixture(), true)] {
        let root = p.root.path();
        let mut variants: Vec<Vec<&str>> =
            vec![vec!["--stat"], vec![], vec!["--no-renames", "--stat"], vec!["--rename-threshold", "90"]];
        if copies {
            variants.push(vec!["-C", "--stat"]);
            variants.push(vec!["-C"]);
        }
        for args in variants {
            let full = vitrine_diff_out(root, &args);
            let only = vitrine_diff_out(root, &[&args[..], &["--no-cache"]].concat());
            assert_eq!(only, full, "{args:?}");
            assert!(!full.is_empty());
        }
        let git = git_numstat_with(root, if copies { &["-C"] } else { &[] });
        let extra: &[&str] = if copies { &["-C", "--stat", "--no-cache"] } else { &["--stat", "--no-cache"] };
        assert_eq!(stat_records(&vitrine_diff_out(root, extra), &git), git);
    }
}

#[test]
fn many_renames_with_edits_agree_with_git() {
    let p = Pair::new();
    let (a, b) = (p.old(), p.new_side());
    for i in 0..40 {
        let body = lines(10 + i, &format!("file{i}"));
        a.file(&format!("d{}/f{i}.c", i % 3), &body);
        // Every third file keeps its name in another directory; others get a new name. The edits
        // grow with i, so some fall under the 50% threshold.
        let edited: String = body
            .lines()
            .enumerate()
            .map(|(n, l)| if n % 10 < i / 5 { format!("{l} edited\n") } else { format!("{l}\n") })
            .collect();
        let name = if i % 3 == 0 { format!("e/f{i}.c") } else { format!("e/g{i}.c") };
        b.file(&name, edited);
    }
    let json = vitrine_json(p.root.path());
    assert_eq!(vitrine_numstat(&json), git_numstat(p.root.path()));
    let renames = vitrine_renames(&json);
    assert_eq!(renames, git_renames(p.root.path()));
    // The fixture exercises both sides of the threshold and both rename passes.
    assert!(renames.iter().any(|(o, n, _)| o == "d1/f10.c" && n == "e/g10.c"), "{renames:?}");
    assert!(renames.iter().any(|(_, n, _)| n.starts_with("e/f")), "{renames:?}");
    assert!(renames.iter().any(|(_, _, s)| *s < 100), "{renames:?}");
    assert!(renames.len() < 40, "some files are edited past 50%: {renames:?}");
}

/// Copies as `git diff -M -C` finds them: from a file modified in the same diff (with edits and exact),
/// never from an unchanged file (git needs `--find-copies-harder` for that), and from a deleted file
/// that is also renamed (the last destination in the diff's order is the rename, the others copies).
fn copies_fixture() -> Pair {
    let p = Pair::new();
    let (a, b) = (p.old(), p.new_side());
    // A modified file, copied with edits into another directory and exactly under another name.
    let body = lines(30, "parser");
    a.file("src/parser.c", &body);
    b.file("src/parser.c", body.replace("number 2 ", "two "));
    b.file("vendor/parser_copy.c", body.replace("number 12 ", "twelve ") + "extra line\n");
    b.file("src/parser_old.c", &body);
    // An unchanged file and its exact copy: added, not copied.
    a.file("keep.c", lines(20, "keep"));
    b.file("keep.c", lines(20, "keep"));
    b.file("keep_copy.c", lines(20, "keep"));
    // A deleted file renamed exactly and copied with edits: one rename, one copy.
    let body = lines(25, "util");
    a.file("lib/util.c", &body);
    b.file("lib2/util.c", &body);
    b.file("lib3/util_copy.c", body.replace("number 9 ", "nine "));
    // A deleted file copied exactly twice.
    a.file("twice.h", lines(12, "twice"));
    b.file("one/twice.h", lines(12, "twice"));
    b.file("two/twice.h", lines(12, "twice"));
    // The same, where path order and git's tree-walk order differ (`-` sorts before `/`): the rename
    // goes to the last destination in the walk, `t/a-b.h`, after `t/a/x.h`.
    a.file("walk.h", lines(12, "walk"));
    b.file("t/a-b.h", lines(12, "walk"));
    b.file("t/a/x.h", lines(12, "walk"));
    p
}

#[test]
fn copies_agree_with_git() {
    let p = copies_fixture();
    let json = vitrine_json_with(p.root.path(), &["-C"]);
    let ours = vitrine_name_status(&json);
    assert_eq!(ours, git_name_status(p.root.path(), &["-C"]));
    assert_eq!(vitrine_numstat(&json), git_numstat_with(p.root.path(), &["-C"]));
    let st = statuses(&json);
    for (path, status) in [
        ("src/parser.c", "modified"),
        ("vendor/parser_copy.c", "copied"),
        ("src/parser_old.c", "copied"),
        ("keep_copy.c", "added"),
        ("lib2/util.c", "copied"),
        ("lib3/util_copy.c", "renamed"),
        ("one/twice.h", "copied"),
        ("two/twice.h", "renamed"),
        ("t/a/x.h", "copied"),
        ("t/a-b.h", "renamed"),
    ] {
        assert!(st.contains(&(path.to_owned(), status.to_owned())), "{path} {status}: {st:?}");
    }
    assert!(ours.iter().any(|(s, _, n)| s.starts_with('C') && s != "C100" && n.is_some()), "{ours:?}");
    // Without -C the same pair has no copies, as git without -C.
    let json = vitrine_json(p.root.path());
    assert_eq!(vitrine_name_status(&json), git_name_status(p.root.path(), &[]));
    assert!(!statuses(&json).iter().any(|(_, s)| s == "copied"));
}

#[test]
fn unchanged_blobs_are_not_read() {
    let p = Pair::new();
    let (a, b) = (p.old(), p.new_side());
    a.file("keep.txt", "kept\n").file("edit.txt", "1\n");
    b.file("keep.txt", "kept\n").file("edit.txt", "2\n");
    let cfg = vitrine_snapshot::IngestConfig::default();
    let progress = vitrine_snapshot::Progress::default();
    let old = vitrine_snapshot::Snapshot::open(&p.root.path().join("a"), &cfg, &progress).unwrap();
    let new = vitrine_snapshot::Snapshot::open(&p.root.path().join("b"), &cfg, &progress).unwrap();
    // Content changed behind Vitrine's back fails a read: so a file that is read would fail.
    std::fs::write(p.root.path().join("b/keep.txt"), "tampered\n").unwrap();
    let d = vitrine_compare::diff(&old, &new, &Default::default()).unwrap();
    assert_eq!(d.files.len(), 1);
    assert_eq!(d.files[0].path(), "edit.txt");
    // And the check is real: the tampered file, once changed, is reported as unreadable.
    std::fs::write(p.root.path().join("b/edit.txt"), "3\n").unwrap();
    let e = vitrine_compare::diff(&old, &new, &Default::default()).unwrap_err();
    assert!(e.to_string().contains("edit.txt"), "{e}");
}

#[test]
fn summary_lists_new_findings_binaries_and_symbol_changes() {
    let p = Pair::new();
    let (a, b) = (p.old(), p.new_side());
    let old_c = "int kept(void) { return 1; }\n\nint edited(int x) { return x; }\n\nint dropped(void) { return 0; }\n";
    let new_c =
        "int kept(void) { return 1; }\n\nint edited(int x) { return x + 1; }\n\nstruct added { int a; };\n";
    a.file("src/lib.c", old_c);
    b.file("src/lib.c", new_c);
    // An old bidi finding in a renamed file stays old; a new one is reported.
    let bidi_old = "int ok = 1; // \u{202E} old\n".to_owned() + &lines(10, "pad");
    a.file("src/old_bidi.c", &bidi_old);
    b.file("src/moved_bidi.c", &bidi_old);
    b.file("src/new_bidi.c", "int x = 1; /* \u{2066} */\n");
    b.file("blob.bin", b"\x00\x01".as_slice());
    b.symlink("escape", "../../etc/passwd");
    let (_d, data) = data_dir();
    let (code, out, err) = vitrine_os(&[
        "--data".as_ref(),
        arg(&data),
        "diff".as_ref(),
        arg(&p.root.path().join("a")),
        arg(&p.root.path().join("b")),
        "--summary".as_ref(),
        "--json".as_ref(),
    ]);
    assert_eq!(code, 0, "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let s = &json["summary"];
    let new_findings: Vec<(String, String)> = s["new_findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["path"].as_str().unwrap().to_owned(), f["kind"].as_str().unwrap().to_owned()))
        .collect();
    assert!(new_findings.contains(&("src/new_bidi.c".into(), "bidi-control".into())), "{new_findings:?}");
    assert!(new_findings.contains(&("escape".into(), "symlink-escapes".into())), "{new_findings:?}");
    assert!(!new_findings.iter().any(|(p, _)| p == "src/moved_bidi.c"), "{new_findings:?}");
    assert_eq!(s["binaries"][0]["path"], "blob.bin");
    let files = s["symbols"].as_array().unwrap();
    let lib = files.iter().find(|f| f["path"] == "src/lib.c").unwrap();
    let names = |k: &str| -> Vec<String> {
        lib[k].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(names("added"), ["added"]);
    assert_eq!(names("removed"), ["dropped"]);
    assert_eq!(names("changed"), ["edited"]);
}

/// Session 21 F2: the summary named a changed file only when a function, type or macro in it changed:
/// a privilege table entry, a global flag's initializer, a flipped `#ifdef`, an added `#include`,
/// `#undef`, `#pragma` or top-level `asm`, and any file without a grammar were left out. Every changed
/// text file is listed, with its changes outside definitions named (lines) and its preprocessor
/// directives added and removed.
#[test]
fn summary_names_every_changed_text_file_and_what_changed_outside_definitions() {
    let p = Pair::new();
    let (a, b) = (p.old(), p.new_side());
    let cmd = "#include <string.h>\n\nenum priv { PRIV_NONE, PRIV_ROOT };\n\nstatic int require_auth = 1;\n\nstatic const struct handler handlers[] = {\n    { \"status\", cmd_status, PRIV_NONE },\n    { \"setkey\", cmd_setkey, PRIV_ROOT },\n};\n\nint dispatch(int have)\n{\n    return require_auth ? have : 2;\n}\n";
    a.file("src/cmd.c", cmd);
    b.file(
        "src/cmd.c",
        cmd.replace("require_auth = 1", "require_auth = 0")
            .replace("cmd_setkey, PRIV_ROOT", "cmd_setkey, PRIV_NONE"),
    );
    let token = "#include <string.h>\n\n#ifdef DEBUG_BUILD\nint check_token(const char *t)\n{\n    return 1;\n}\n#else\nint check_token(const char *t)\n{\n    return strcmp(t, \"secret\") == 0;\n}\n#endif\n";
    a.file("src/token.c", token);
    b.file("src/token.c", token.replace("#ifdef DEBUG_BUILD", "#ifndef DEBUG_BUILD"));
    let misc = "#include \"a.h\"\n\nint f(void)\n{\n    return 0;\n}\n";
    a.file("src/misc.c", misc);
    b.file(
        "src/misc.c",
        format!("#include \"a.h\"\n#include \"evil.h\"\n#undef SAFE\n#pragma GCC optimize(\"O0\")\n__asm__(\".globl x\");\n{}", &misc[15..]),
    );
    b.file("src/new.c", "static int t = 1;\n\nint g(void)\n{\n    return t;\n}\n\nstatic int u = 2;\n");
    a.file("Makefile", "CFLAGS = -O2 -fstack-protector\n");
    b.file("Makefile", "CFLAGS = -O2 -fno-stack-protector\n");
    a.file("src/ver.c", "int version(void)\n{\n    return 1;\n}\n");
    b.file("src/ver.c", "int version(void)\n{\n    return 2;\n}\n");
    let text = diff_run(p.root.path(), &["--summary"]).1;
    // A file's lines in the listing: those indented deeper than its own.
    let section = |path: &str| -> String {
        let mut lines = text.lines().skip_while(|l| *l != format!("  {path}"));
        assert!(lines.next().is_some(), "{path} not listed:\n{text}");
        lines.take_while(|l| l.starts_with("    ")).map(|l| format!("{}\n", l.trim_start())).collect()
    };
    let cmd = section("src/cmd.c");
    assert!(cmd.contains("lines changed outside any definition: 5, 9"), "{cmd}");
    let token = section("src/token.c");
    assert!(token.contains("- #ifdef DEBUG_BUILD (line 3)\n"), "{token}");
    assert!(token.contains("+ #ifndef DEBUG_BUILD (line 3)\n"), "{token}");
    let misc = section("src/misc.c");
    for d in [
        "+ #include \"evil.h\" (line 2)",
        "+ #undef SAFE (line 3)",
        "+ #pragma GCC optimize(\"O0\") (line 4)",
    ] {
        assert!(misc.contains(d), "{d}: {misc}");
    }
    assert!(misc.contains("lines changed outside any definition: 5\n"), "{misc}");
    assert!(section("Makefile").contains("lines changed: 1\n"), "{text}");
    // An added file: its file-scope lines around the function, not one range over it (blank lines left out).
    let added = section("src/new.c");
    assert!(added.contains("+ function g (line 3)\nlines changed outside any definition: 1, 8\n"), "{added}");
    assert!(section("src/ver.c").contains("~ function version (line 1)"), "{text}");
    // The same in JSON.
    let json: serde_json::Value =
        serde_json::from_str(&diff_run(p.root.path(), &["--summary", "--json"]).1).unwrap();
    let files = json["summary"]["symbols"].as_array().unwrap();
    let cmd = files.iter().find(|f| f["path"] == "src/cmd.c").unwrap();
    assert_eq!(cmd["outside"][0]["new"], serde_json::json!([5, 5]), "{cmd}");
    let token = files.iter().find(|f| f["path"] == "src/token.c").unwrap();
    assert_eq!(token["directives"][0]["change"], "removed", "{token}");
}

/// `git diff --no-index -M --summary a b` as records: (what, path or `old => new`, detail), a mode change
/// of a rename (git prints it without a path) under the rename's new path.
fn git_summary(root: &Path) -> BTreeSet<(String, String, String)> {
    let out = Command::new("git")
        .current_dir(root)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", root)
        .args(["-c", "core.quotePath=false", "diff", "--no-index", "-M", "--summary", "a", "b"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let mut records = BTreeSet::new();
    let mut last_new = String::new();
    for line in text.lines().map(str::trim) {
        let words: Vec<&str> = line.split(' ').collect();
        match words.as_slice() {
            ["create", "mode", m, p] => records.insert(("create".into(), p[2..].to_owned(), m.to_string())),
            ["delete", "mode", m, p] => records.insert(("delete".into(), p[2..].to_owned(), m.to_string())),
            [what @ ("rename" | "copy"), o, "=>", n, sim] => {
                last_new = n[2..].to_owned();
                records.insert((what.to_string(), format!("{} => {}", &o[2..], &n[2..]), sim.to_string()))
            }
            ["mode", "change", o, "=>", n, p] => {
                records.insert(("mode".into(), p[2..].to_owned(), format!("{o} => {n}")))
            }
            ["mode", "change", o, "=>", n] => {
                records.insert(("mode".into(), last_new.clone(), format!("{o} => {n}")))
            }
            _ => panic!("unexpected git summary line {line:?}"),
        };
    }
    records
}

/// Round 8 F3 (h23): `vitrine diff --summary` said nothing of renames without an edit and of mode-only
/// changes (`auth.c` -> `auth.c.orig` leaves the C sources, `test_auth.py` -> `.py.disabled` leaves
/// pytest, `auth.go` -> `auth_windows.go` leaves the Linux build, a script made executable), which `git
/// diff --summary` lists. The summary names every path git's does, with the same similarity and modes,
/// and flags what each change does to the build.
#[test]
fn the_summary_names_every_rename_mode_change_addition_and_deletion_as_git_does() {
    let p = Pair::new();
    let (a, b) = (p.old(), p.new_side());
    let c = "#include <string.h>\nint check_password(const char *g, const char *s) { return g[0] && strcmp(g, s) == 0; }\n";
    a.file("src/auth.c", c);
    b.file("src/auth.c.orig", c);
    let t = "def test_empty_password_refused():\n    assert not check_password(\"\", \"x\")\n";
    a.file("tests/test_auth.py", t);
    b.file("tests/test_auth.py.disabled", t);
    let g = "package auth\n\nfunc CheckPassword(g, s string) bool { return g != \"\" && g == s }\n";
    a.file("auth/auth.go", g);
    b.file("auth/auth_windows.go", g);
    a.file("scripts/postinstall.sh", "#!/bin/sh\ncurl -s https://example.invalid/telemetry\n");
    b.exec("scripts/postinstall.sh", "#!/bin/sh\ncurl -s https://example.invalid/telemetry\n");
    a.file("tools/gen.sh", lines(10, "gen"));
    b.exec("tools/generate.sh", &format!("{}one more\n", lines(10, "gen")));
    a.file("gone.txt", "bye\n");
    b.exec("hook.sh", "#!/bin/sh\n");
    a.file("docs/config.h", "#define A 1\n");
    b.symlink("docs/config.h", "../src/auth.c.orig");
    a.file("src/main.c", "int main(void) { return 0; }\n");
    b.file("src/main.c", "int main(void) { return 1; }\n");
    let json: serde_json::Value =
        serde_json::from_str(&diff_run(p.root.path(), &["--summary", "--json"]).1).unwrap();
    let paths = json["summary"]["paths"].as_array().unwrap();
    let mut ours = BTreeSet::new();
    for c in paths {
        let s = |k: &str| c[k].as_str().map(str::to_owned);
        let (o, n, om, nm) = (s("old_path"), s("new_path"), s("old_mode"), s("new_mode"));
        match c["status"].as_str().unwrap() {
            "added" => ours.insert(("create".to_owned(), n.clone().unwrap(), nm.clone().unwrap())),
            "deleted" => ours.insert(("delete".to_owned(), o.clone().unwrap(), om.clone().unwrap())),
            what @ ("renamed" | "copied") => ours.insert((
                if what == "renamed" { "rename" } else { "copy" }.to_owned(),
                format!("{} => {}", o.clone().unwrap(), n.clone().unwrap()),
                format!("({}%)", c["similarity"]),
            )),
            _ => false,
        };
        if c["status"] != "added" && c["status"] != "deleted" && om != nm {
            ours.insert(("mode".to_owned(), n.unwrap(), format!("{} => {}", om.unwrap(), nm.unwrap())));
        }
    }
    let git = git_summary(p.root.path());
    assert_eq!(ours, git, "{json}");
    assert_eq!(git.len(), 9, "{git:?}");
    // A file only edited is in the text files' list, not here.
    assert!(!paths.iter().any(|c| c["new_path"] == "src/main.c"), "{json}");
    // What each change does to the build, in the text.
    let text = diff_run(p.root.path(), &["--summary"]).1;
    for want in [
        "  rename src/auth.c => src/auth.c.orig (100%)\n    ! no longer a C source file by its name (`.c` -> `.c.orig`)",
        "    ! renamed with a `.orig` suffix",
        "  rename tests/test_auth.py => tests/test_auth.py.disabled (100%)\n",
        "    ! renamed with a `.disabled` suffix",
        "    ! no longer named as a test",
        "  rename auth/auth.go => auth/auth_windows.go (100%)\n    ! Go file-name build conditions: none before, file name `_windows`: built only when GOOS is windows now",
        "  mode change 100644 => 100755 scripts/postinstall.sh\n    ! made executable",
        "  create mode 100755 hook.sh\n    ! added executable",
        "  delete mode 100644 gone.txt",
        "  type change docs/config.h (100644 => 120000)",
        ", mode change 100644 => 100755\n    ! made executable",
        "  src/auth.c.orig\n    (renamed without an edit to a name of another language, or of none)\n    - function check_password (line 2)",
    ] {
        assert!(text.contains(want), "{want:?} not in:\n{text}");
    }
}

/// Round 8 F1 (h23), the summary's half: a Go build constraint and Rust `cfg` attributes added or
/// removed are named per file, a constant-false `cfg` said never true.
#[test]
fn the_summary_names_build_constraints_and_cfg_attributes_added_or_removed() {
    let p = Pair::new();
    let (a, b) = (p.old(), p.new_side());
    let g = "package auth\n\nfunc CheckPassword(g, s string) bool { return g != \"\" && g == s }\n";
    a.file("auth/auth.go", g);
    b.file("auth/auth.go", format!("//go:build ignore\n\n{g}"));
    let rs = "#[cfg(unix)]\npub fn check_password(given: &str) -> bool {\n    !given.is_empty()\n}\n";
    a.file("src/auth.rs", rs);
    b.file("src/auth.rs", rs.replace("#[cfg(unix)]", "#[cfg(any())]"));
    a.file("src/main.rs", "mod auth;\nfn main() {}\n");
    b.file("src/main.rs", "#[cfg(all(any()))]\nmod auth;\nfn main() {}\n");
    let text = diff_run(p.root.path(), &["--summary"]).1;
    for want in [
        "  auth/auth.go\n    + build condition //go:build ignore (line 1)\n",
        "    - build condition #[cfg(unix)] (line 1)\n    + build condition #[cfg(any())] (never true: never compiled) (line 1)\n",
        "  src/main.rs\n    + build condition #[cfg(all(any()))] (never true: never compiled) (line 1)\n",
    ] {
        assert!(text.contains(want), "{want:?} not in:\n{text}");
    }
}

// ---- Threads carried over to the next version (`vitrine port`) ----

/// `ssh-keygen -t ed25519` without a passphrase into `dir/name`.
pub(crate) fn keygen(dir: &Path, name: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    path
}

/// Runs the CLI in process against data directory `data`; asserts success and returns stdout.
/// `vitrine people add SNAP --principal PRINCIPAL --role reviewer --pubkey PUBKEY`, which must succeed.
fn add_reviewer(data: &Path, snap: &Path, principal: &str, pubkey: &Path) {
    ok(
        data,
        &[&"people", &"add", &snap, &"--principal", &principal, &"--role", &"reviewer", &"--pubkey", &pubkey],
    );
}

pub(crate) fn ok(data: &Path, args: &[&dyn AsRef<std::ffi::OsStr>]) -> String {
    let (code, out, err) = run(data, args);
    assert_eq!(code, 0, "{args:?}: {out}{err}", args = args.iter().map(|a| a.as_ref()).collect::<Vec<_>>());
    out
}

pub(crate) fn run(data: &Path, args: &[&dyn AsRef<std::ffi::OsStr>]) -> (u8, String, String) {
    let mut all: Vec<&std::ffi::OsStr> = vec!["--data".as_ref(), data.as_os_str()];
    all.extend(args.iter().map(|a| a.as_ref()));
    vitrine_os(&all)
}

/// The problems of `vitrine verify --json`'s output, each as "subject: message".
fn problem_lines(out: &str) -> Vec<String> {
    let json: serde_json::Value = serde_json::from_str(out).unwrap();
    json["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| format!("{}: {}", p["subject"].as_str().unwrap(), p["message"].as_str().unwrap()))
        .collect()
}

/// Unpacks `bundle` with tar and runs its `verify.sh SNAP PREVIOUS` under `sh`: (exit code, stdout then
/// stderr).
pub(crate) fn verify_sh(bundle: &Path, snap: &Path, previous: &Path) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let tar = Command::new("tar").arg("-xf").arg(bundle).arg("-C").arg(dir.path()).output().unwrap();
    assert!(tar.status.success(), "{}", String::from_utf8_lossy(&tar.stderr));
    let sh = Command::new("sh")
        .arg("./verify.sh")
        .arg(snap)
        .arg(previous)
        .current_dir(dir.path())
        .output()
        .unwrap();
    let out = format!("{}{}", String::from_utf8_lossy(&sh.stdout), String::from_utf8_lossy(&sh.stderr));
    (sh.status.code(), out)
}

/// v1 and v2 of a product: one file per port outcome, a retracted thread, and the reviewer's and the
/// vendor's keys, with v1 reviewed (five threads, one retracted).
struct Versions {
    pair: Pair,
    data: std::path::PathBuf,
    rev: std::path::PathBuf,
    ven: std::path::PathBuf,
    /// Annotation ids by file.
    threads: std::collections::BTreeMap<&'static str, String>,
    _data: tempfile::TempDir,
}

impl Versions {
    fn new() -> Versions {
        let pair = Pair::new();
        pair.old()
            .file("same.c", "int same(void)\n{\n    return 1;\n}\n")
            .file("shift.c", "a\nb\nint risky(char *p)\n{\n    strcpy(buf, p);\n}\n")
            .file("old_name.c", "int renamed(void)\n{\n    return 2;\n}\n")
            .file("edit.c", "int f(int n)\n{\n    int x = n * 2;\n    return x;\n}\n")
            .file("gone.c", "int gone(void);\n")
            .file("retracted.c", "int r;\n");
        pair.new_side()
            .file("same.c", "int same(void)\n{\n    return 1;\n}\n")
            .file("shift.c", "#include <string.h>\n\na\nb\nint risky(char *p)\n{\n    strcpy(buf, p);\n}\n")
            .file("new_name.c", "int renamed(void)\n{\n    return 2;\n}\n")
            .file("edit.c", "int f(int n)\n{\n    if (n > 1000)\n        return -1;\n    return n * 2;\n}\n")
            .file("retracted.c", "int r;\n");
        let (tmp, data) = data_dir();
        let rev = keygen(pair.root.path(), "rev");
        let ven = keygen(pair.root.path(), "ven");
        let v1 = pair.root.path().join("a");
        for (p, r, k) in [("reviewer@example", "reviewer", &rev), ("vendor@example", "vendor", &ven)] {
            let pubkey = std::path::PathBuf::from(format!("{}.pub", k.display()));
            ok(&data, &[&"people", &"add", &v1, &"--principal", &p, &"--role", &r, &"--pubkey", &pubkey]);
        }
        let mut threads = std::collections::BTreeMap::new();
        for (file, lines) in [
            ("same.c", "2-3"),
            ("shift.c", "5-5"),
            ("old_name.c", "3-3"),
            ("edit.c", "3-4"),
            ("gone.c", "1-1"),
            ("retracted.c", "1-1"),
        ] {
            let id = annotate(&data, &v1, &rev, file, lines, "finding", "high", &format!("check {file}"));
            threads.insert(file, id);
        }
        ok(&data, &[&"retract", &v1, &"--key", &rev, &"--to", &threads["retracted.c"]]);
        ok(
            &data,
            &[
                &"reply",
                &v1,
                &"--key",
                &ven,
                &"--to",
                &threads["edit.c"],
                &"--body",
                &"will fix",
                &"--status",
                &"acknowledged",
            ],
        );
        Versions { pair, data, rev, ven, threads, _data: tmp }
    }

    fn v1(&self) -> std::path::PathBuf {
        self.pair.root.path().join("a")
    }

    fn v2(&self) -> std::path::PathBuf {
        self.pair.root.path().join("b")
    }

    /// `vitrine port v1 v2 --json`, the ports by old file.
    fn port(&self) -> (serde_json::Value, std::collections::BTreeMap<String, serde_json::Value>) {
        let out = ok(&self.data, &[&"port", &self.v1(), &self.v2(), &"--key", &self.rev, &"--json"]);
        let json: serde_json::Value = serde_json::from_str(&out).unwrap();
        let by_file = json["ports"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p["from"]["path"].as_str().unwrap().to_owned(), p.clone()))
            .collect();
        (json, by_file)
    }
}

#[test]
fn port_finds_each_outcome_and_signs_one_entry_per_thread() {
    let v = Versions::new();
    let (json, ports) = v.port();
    assert_eq!(ports.len(), 5, "{json}");
    assert_eq!(json["skipped"]["retracted"], 1);
    let to = |f: &str| (ports[f]["outcome"].clone(), ports[f]["to"].clone(), ports[f]["confidence"].clone());
    use serde_json::json;
    assert_eq!(to("same.c"), (json!("exact"), json!({"path": "same.c", "lines": [2, 3]}), json!(null)));
    assert_eq!(to("shift.c"), (json!("moved"), json!({"path": "shift.c", "lines": [7, 7]}), json!(null)));
    assert_eq!(
        to("old_name.c"),
        (json!("moved"), json!({"path": "new_name.c", "lines": [3, 3]}), json!(null))
    );
    // Lines 3-4 were rewritten as 3-5, between the same "{" and "}".
    assert_eq!(to("edit.c"), (json!("changed"), json!({"path": "edit.c", "lines": [3, 5]}), json!(75)));
    assert_eq!(to("gone.c"), (json!("outdated"), json!(null), json!(null)));
    for (f, p) in &ports {
        assert_eq!(p["annotation"], v.threads[f.as_str()].as_str(), "{f}");
    }
    assert_eq!(json["continues"]["tree_sha256"], json["old"]["tree_sha256"]);

    // The new review lists the ported threads with their state; the old review is unchanged.
    let log: serde_json::Value = serde_json::from_str(&ok(&v.data, &[&"log", &v.v2(), &"--json"])).unwrap();
    let mut states: Vec<String> =
        log["threads"].as_array().unwrap().iter().map(|t| t["ported"].as_str().unwrap().to_owned()).collect();
    states.sort();
    assert_eq!(states, ["changed", "exact", "moved", "moved", "outdated"]);
    let old_log: serde_json::Value =
        serde_json::from_str(&ok(&v.data, &[&"log", &v.v1(), &"--json"])).unwrap();
    assert_eq!(old_log["entries"].as_array().unwrap().len(), 8, "6 annotations, a retraction and a reply");

    // Porting again carries nothing twice.
    let (again, _) = v.port();
    assert_eq!(again["ports"].as_array().unwrap().len(), 0);
    assert_eq!(again["skipped"]["ported before"], 5);
}

/// Session 21 F3: flagged lines kept byte for byte but whose meaning the update changed were signed a
/// bare `moved` or `exact`: wrapped in `#if 0` or a comment next to a live replacement, under a flipped
/// `#ifdef`, or their function shadowed by a new macro in a header. The port signs `changed` with the
/// reason (the body's `context`), says it on the thread, and the record still verifies (both verifiers).
#[test]
fn lines_whose_context_changed_are_ported_changed_with_the_reason() {
    let root = tempfile::tempdir().unwrap();
    let auth = "#include <string.h>\n#include \"auth.h\"\n\nstatic int helper(int x)\n{\n    return x * 2;\n}\n\nint check_password(const char *given, const char *stored)\n{\n    if (strlen(given) == 0)\n        return 1;\n    return strcmp(given, stored) == 0;\n}\n\nint other(void)\n{\n    return helper(3);\n}\n";
    let token = "#include <string.h>\n\n#ifdef DEBUG_BUILD\nint check_token(const char *t)\n{\n    (void)t;\n    return 1;\n}\n#else\nint check_token(const char *t)\n{\n    return strcmp(t, \"secret\") == 0;\n}\n#endif\n";
    let live = "\nint check_password(const char *given, const char *stored)\n{\n    (void)given; (void)stored;\n    return 1;\n}\n";
    let wrap = |pre: &str, post: &str| {
        auth.replacen("int check_password(", &format!("{pre}\nint check_password("), 1).replacen(
            "    return strcmp(given, stored) == 0;\n}\n",
            &format!("    return strcmp(given, stored) == 0;\n}}\n{post}{live}"),
            1,
        )
    };
    let login = "#include \"auth.h\"\nint login(const char *p) { return check_password(p, \"s\"); }\n";
    let write = |dir: &str, files: &[(&str, String)]| {
        for (f, c) in files {
            let p = root.path().join(dir).join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, c).unwrap();
        }
        root.path().join(dir)
    };
    let base = |auth: String, token: String| {
        vec![("src/auth.c", auth), ("src/token.c", token), ("src/login.c", login.to_owned())]
    };
    let old = write("old", &base(auth.into(), token.into()));
    let ifzero = write("ifzero", &base(wrap("#if 0", "#endif"), token.into()));
    let comment = write("comment", &base(wrap("/* previous implementation", "*/"), token.into()));
    let ifdef =
        write("ifdef", &base(auth.into(), token.replace("#ifdef DEBUG_BUILD", "#ifndef DEBUG_BUILD")));
    let mut m = base(auth.into(), token.into());
    m.push(("src/compat.h", "#define check_password(g, s) 1\n".into()));
    m[2].1 = format!("#include \"compat.h\"\n{login}");
    let macro_ = write("macro", &m);

    let (_tmp, data) = data_dir();
    let rev = keygen(root.path(), "rev");
    add_reviewer(
        &data,
        &old,
        "reviewer@example",
        &std::path::PathBuf::from(format!("{}.pub", rev.display())),
    );
    annotate(&data, &old, &rev, "src/auth.c", "11-13", "finding", "high", "empty password accepted");
    annotate(
        &data,
        &old,
        &rev,
        "src/token.c",
        "6-7",
        "finding",
        "low",
        "stub; compiled only with DEBUG_BUILD",
    );
    let port = |new: &Path| -> std::collections::BTreeMap<String, serde_json::Value> {
        let out = ok(&data, &[&"port", &old, &new, &"--key", &rev, &"--json"]);
        let json: serde_json::Value = serde_json::from_str(&out).unwrap();
        json["ports"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p["from"]["path"].as_str().unwrap().to_owned(), p.clone()))
            .collect()
    };
    let context = |p: &serde_json::Value| -> String {
        p["context"]
            .as_array()
            .map(|a| a.iter().map(|n| n.as_str().unwrap().to_owned()).collect::<Vec<_>>().join("\n"))
            .unwrap_or_default()
    };
    let ports = port(&ifzero);
    let a = &ports["src/auth.c"];
    assert_eq!(
        (&a["outcome"], &a["to"]["lines"], &a["confidence"]),
        (&serde_json::json!("changed"), &serde_json::json!([12, 14]), &serde_json::json!(90)),
        "{a}"
    );
    assert!(context(a).contains("3 of the 3 quoted lines are now inside `#if 0` (line 9)"), "{a}");
    assert!(context(a).contains("check_password is also defined at src/auth.c:17"), "{a}");
    // The untouched thread stays exact, with nothing to say.
    assert_eq!(ports["src/token.c"]["outcome"], "exact");
    assert_eq!(context(&ports["src/token.c"]), "");

    let a = &port(&comment)["src/auth.c"];
    assert_eq!(a["outcome"], "changed", "{a}");
    assert!(context(a).contains("now inside a comment (opened at line 9)"), "{a}");

    let t = &port(&ifdef)["src/token.c"];
    assert_eq!(
        (&t["outcome"], &t["to"]["lines"]),
        (&serde_json::json!("changed"), &serde_json::json!([6, 7])),
        "{t}"
    );
    assert!(
        context(t).contains("`#ifdef DEBUG_BUILD` (line 3) before, `#ifndef DEBUG_BUILD` (line 3) now"),
        "{t}"
    );

    let a = &port(&macro_)["src/auth.c"];
    assert_eq!(a["outcome"], "changed", "an exact port whose function a new macro shadows: {a}");
    assert!(context(a).contains("check_password is now also defined as a macro at src/compat.h:1"), "{a}");
    // The text report and the new review's log say it on the thread.
    let log = ok(&data, &[&"log", &macro_]);
    assert!(log.contains("defined as a macro at src/compat.h:1"), "{log}");

    // The signed note verifies: `vitrine verify --previous` and verify.sh.
    let bundle = root.path().join("macro.vitrine");
    ok(&data, &[&"export", &macro_, &"--key", &rev, &"--out", &bundle]);
    let out = ok(&data, &[&"verify", &bundle, &"--snapshot", &macro_, &"--previous", &old]);
    assert!(out.contains("OK:") && out.contains("ported threads match the previous snapshot"), "{out}");
    let (code, out) = verify_sh(&bundle, &macro_, &old);
    assert_eq!(code, Some(0), "{out}");
}

/// Round 8 F1 (h23): the rule above knew only the C preprocessor. The vendor takes the reviewed lines out
/// of the build, their bytes kept, with what other languages use: a Go file renamed `_windows.go` or
/// given `//go:build ignore` (a permissive `CheckPassword` added beside it), Rust's `#[cfg(any())]` (never
/// true) on the function or on its `mod` line, Python's `if TYPE_CHECKING:`. Each port is `changed` with
/// the reason, a second definition in the same Go package or Rust crate is named, a closed thread is
/// carried over, and the record verifies; a rename that changes nothing of the build stays `moved`.
#[test]
fn kept_lines_taken_out_of_the_build_in_any_language_are_noted() {
    let root = tempfile::tempdir().unwrap();
    let go = "package auth\n\nimport \"crypto/subtle\"\n\n// CheckPassword compares a password with the stored one.\nfunc CheckPassword(given, stored string) bool {\n\tif len(given) == 0 {\n\t\treturn true\n\t}\n\treturn subtle.ConstantTimeCompare([]byte(given), []byte(stored)) == 1\n}\n";
    let permissive = "package auth\n\nfunc CheckPassword(given, stored string) bool {\n\treturn true\n}\n";
    let rs = "pub fn check_password(given: &str, stored: &str) -> bool {\n    if given.is_empty() {\n        return true;\n    }\n    given == stored\n}\n";
    let py = "class Auth:\n    def check(self, given, stored):\n        return given == stored\n";
    let write = |dir: &str, files: &[(&str, &str)]| {
        for (f, c) in files {
            let p = root.path().join(dir).join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, c).unwrap();
        }
        root.path().join(dir)
    };
    let main_rs = "mod auth;\nfn main() {}\n";
    let base: Vec<(&str, &str)> = vec![
        ("go.mod", "module example.com/x\n\ngo 1.21\n"),
        ("auth/auth.go", go),
        ("Cargo.toml", "[package]\nname = \"x\"\n"),
        ("src/main.rs", main_rs),
        ("src/auth.rs", rs),
        ("py/auth.py", py),
    ];
    let with = |changes: &[(&str, &str)], gone: &[&str]| -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = base
            .iter()
            .filter(|(p, _)| !gone.contains(p) && !changes.iter().any(|(c, _)| c == p))
            .map(|(p, c)| (p.to_string(), c.to_string()))
            .collect();
        v.extend(changes.iter().map(|(p, c)| (p.to_string(), c.to_string())));
        v
    };
    let mk = |dir: &str, files: Vec<(String, String)>| {
        let refs: Vec<(&str, &str)> = files.iter().map(|(p, c)| (p.as_str(), c.as_str())).collect();
        write(dir, &refs)
    };
    let old = mk("old", with(&[], &[]));
    let go_ignore = format!("//go:build ignore\n\n{go}");
    let rs_cfg = format!("#[cfg(any())]\n{rs}");
    let py_tc = py.replace("class Auth:", "if TYPE_CHECKING:");
    let go_a = mk(
        "goA",
        with(&[("auth/auth_windows.go", go), ("auth/auth_linux.go", permissive)], &["auth/auth.go"]),
    );
    let go_b = mk("goB", with(&[("auth/auth.go", &go_ignore), ("auth/check.go", permissive)], &[]));
    let rs_a = mk("rsA", with(&[("src/auth.rs", &rs_cfg)], &[]));
    let rs_mod = mk("rsMod", with(&[("src/main.rs", "#[cfg(any())]\nmod auth;\nfn main() {}\n")], &[]));
    let py_a = mk("pyA", with(&[("py/auth.py", &py_tc)], &[]));
    let plain = mk(
        "plain",
        with(
            &[("auth/auth_impl.go", go), ("src/main.rs", "mod auth;\nfn main() { let _ = 1; }\n")],
            &["auth/auth.go"],
        ),
    );

    let (_tmp, data) = data_dir();
    let rev = keygen(root.path(), "rev");
    add_reviewer(
        &data,
        &old,
        "reviewer@example",
        &std::path::PathBuf::from(format!("{}.pub", rev.display())),
    );
    annotate(&data, &old, &rev, "auth/auth.go", "7-9", "finding", "high", "empty password accepted");
    annotate(&data, &old, &rev, "src/auth.rs", "2-4", "finding", "high", "empty password accepted");
    annotate(&data, &old, &rev, "py/auth.py", "2-3", "finding", "low", "not constant time");
    let closed = annotate(
        &data,
        &old,
        &rev,
        "auth/auth.go",
        "10-10",
        "note",
        "info",
        "constant-time compare: verified",
    );
    ok(&data, &[&"status", &old, &"--key", &rev, &"--to", &closed, &"--status", &"closed", &"--body", &"ok"]);
    let port = |new: &Path| -> std::collections::BTreeMap<String, serde_json::Value> {
        let json = port_json(&data, &old, new, &rev);
        json["ports"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (format!("{}:{}", p["from"]["path"].as_str().unwrap(), p["from"]["lines"][0]), p.clone())
            })
            .collect()
    };
    let context = |p: &serde_json::Value| -> String {
        p["context"]
            .as_array()
            .map(|a| a.iter().map(|n| n.as_str().unwrap().to_owned()).collect::<Vec<_>>().join("\n"))
            .unwrap_or_default()
    };
    let changed_with = |p: &serde_json::Value, needles: &[&str]| {
        assert_eq!(
            (&p["outcome"], &p["confidence"]),
            (&serde_json::json!("changed"), &serde_json::json!(90)),
            "{p}"
        );
        for n in needles {
            assert!(context(p).contains(n), "{n}: {p}");
        }
    };

    let ports = port(&go_a);
    changed_with(
        &ports["auth/auth.go:7"],
        &[
            "renamed auth/auth.go -> auth/auth_windows.go",
            "built only when GOOS is windows",
            "CheckPassword is now also defined at auth/auth_linux.go:3, in the same Go package",
        ],
    );
    assert_eq!(ports["auth/auth.go:7"]["to"]["path"], "auth/auth_windows.go");
    // The closed thread on the same file is carried over, marked.
    assert_eq!(ports["auth/auth.go:10"]["revived"], "closed", "{:?}", ports);
    changed_with(&ports["auth/auth.go:10"], &["built only when GOOS is windows"]);
    // The other threads' files did not change: exact, nothing to say.
    assert_eq!(
        (&ports["src/auth.rs:2"]["outcome"], context(&ports["src/auth.rs:2"])),
        (&serde_json::json!("exact"), String::new())
    );

    let ports = port(&go_b);
    changed_with(
        &ports["auth/auth.go:7"],
        &["`//go:build ignore` (line 1)", "CheckPassword is now also defined at auth/check.go:3"],
    );
    assert_eq!(ports["auth/auth.go:7"]["to"]["lines"], serde_json::json!([9, 11]));
    assert_eq!(ports["auth/auth.go:10"]["revived"], "closed");

    let ports = port(&rs_a);
    changed_with(&ports["src/auth.rs:2"], &["`#[cfg(any())]` (line 1, never true: never compiled)"]);
    let ports = port(&rs_mod);
    changed_with(
        &ports["src/auth.rs:2"],
        &[
            "declared at src/main.rs:1 with no `cfg` before, declared at src/main.rs:2 under `#[cfg(any())]` (never true",
        ],
    );
    assert_eq!(
        ports["src/auth.rs:2"]["to"]["lines"],
        serde_json::json!([2, 4]),
        "exact lines, a changed meaning"
    );
    let ports = port(&py_a);
    changed_with(&ports["py/auth.py:2"], &["none before, `if TYPE_CHECKING:` (line 1, never run) now"]);

    // A rename that changes nothing of the build, and an edit beside the `mod` line: no note.
    let ports = port(&plain);
    assert_eq!(ports["auth/auth.go:7"]["outcome"], "moved", "{:?}", ports);
    assert_eq!(context(&ports["auth/auth.go:7"]), "");
    assert_eq!(context(&ports["src/auth.rs:2"]), "");
    assert!(!ports.contains_key("auth/auth.go:10"), "closed and unchanged: not carried");

    // The signed notes verify.
    let bundle = root.path().join("goA.vitrine");
    ok(&data, &[&"export", &go_a, &"--key", &rev, &"--out", &bundle]);
    let out = ok(&data, &[&"verify", &bundle, &"--snapshot", &go_a, &"--previous", &old]);
    assert!(out.contains("ported threads match the previous snapshot"), "{out}");
}

#[test]
fn port_round_trip_vendor_answers_fixed_in_v2_and_verify_checks_both_snapshots() {
    let v = Versions::new();
    let (_, ports) = v.port();
    let edit_port = ports["edit.c"]["entry"].as_str().unwrap().to_owned();
    // The vendor answers on v2, pointing at the new lines.
    ok(
        &v.data,
        &[
            &"reply",
            &v.v2(),
            &"--key",
            &v.ven,
            &"--to",
            &edit_port,
            &"--body",
            &"fixed in v2",
            &"--status",
            &"fixed",
            &"--file",
            &"edit.c",
            &"--lines",
            &"3-4",
        ],
    );
    let log: serde_json::Value = serde_json::from_str(&ok(&v.data, &[&"log", &v.v2(), &"--json"])).unwrap();
    let thread = log["threads"].as_array().unwrap().iter().find(|t| t["id"] == edit_port.as_str()).unwrap();
    assert_eq!(thread["status"], "fixed");
    let text = ok(&v.data, &[&"log", &v.v2()]);
    assert!(text.contains("ported changed (75%) from edit.c:3-4"), "{text}");
    assert!(text.contains("-> fixed at edit.c:3-4"), "{text}");

    let bundle = v.pair.root.path().join("v2.vitrine");
    ok(&v.data, &[&"export", &v.v2(), &"--key", &v.rev, &"--out", &bundle]);
    let out = ok(&v.data, &[&"verify", &bundle, &"--snapshot", &v.v2(), &"--previous", &v.v1()]);
    assert!(out.contains("OK:") && out.contains("ported threads match the previous snapshot"), "{out}");
    // The record names the version it continues.
    let files = vitrine_record::BundleFiles::read(&bundle).unwrap();
    let header: serde_json::Value = serde_json::from_slice(files.get("record.json").unwrap()).unwrap();
    let (old_tree, old_sha1) = crate::support::git_tree_ids(&v.v1());
    assert_eq!(header["continues"]["tree_sha256"], old_tree.as_str());
    assert_eq!(header["continues"]["tree_sha1"], old_sha1.as_str());
    assert_eq!(header["continues"]["checkpoint"]["size"], 8);
    // Given the wrong previous snapshot, it is not valid.
    let (code, out, _) = run(&v.data, &[&"verify", &bundle, &"--snapshot", &v.v2(), &"--previous", &v.v2()]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("record.json: continues snapshot"), "{out}");

    // verify.sh checks every ported thread's new place with stock tools.
    let (code, out) = verify_sh(&bundle, &v.v2(), &v.v1());
    assert_eq!(code, Some(0), "{out}");
}

#[test]
fn lying_port_entries_are_invalid_against_the_snapshots() {
    use vitrine_record::port::PortBody;
    let v = Versions::new();
    let (_, ports) = v.port();
    let (new_tree, _) = crate::support::git_tree_ids(&v.v2());
    let dir = v.data.join("snapshots").join(&new_tree).join("review");
    let shift_port = ports["shift.c"]["entry"].as_str().unwrap().to_owned();
    {
        let mut review = vitrine_record::Review::open(&dir, &new_tree).unwrap();
        let signer = vitrine_record::Signer::read(&v.rev, || unreachable!("unencrypted")).unwrap();
        let honest = review.find(&shift_port).unwrap().entry.clone();
        let draft = |target: vitrine_record::entry::Target, body: &PortBody| {
            let mut d = vitrine_record::Draft::new(vitrine_record::Kind::AnchorPort);
            d.target = Some(target);
            d.body = Some(body.to_body().unwrap());
            d
        };
        let body = PortBody::parse(honest.body.as_deref().unwrap()).unwrap();
        let t = honest.target.clone().unwrap();
        // 1. The right lines and quote, a wrong blob.
        let wrong_blob =
            vitrine_record::entry::Target { blob: vitrine_record::entry::blob_id(b"other"), ..t.clone() };
        // 2. The old quote claimed at other lines.
        let wrong_lines = vitrine_record::entry::Target { lines: Some([6, 6]), ..t.clone() };
        // 3. A wrong place in the old snapshot (only the previous snapshot tells).
        let mut wrong_from = body.clone();
        wrong_from.from.lines = [4, 4];
        let now = vitrine_record::time::OffsetDateTime::now_utc();
        for d in [draft(wrong_blob, &body), draft(wrong_lines, &body), draft(t.clone(), &wrong_from)] {
            review.append(&signer, d, now).unwrap();
        }
    }
    let bundle = v.pair.root.path().join("lies.vitrine");
    ok(&v.data, &[&"export", &v.v2(), &"--key", &v.rev, &"--out", &bundle]);
    let (code, out, _) = run(&v.data, &[&"verify", &bundle, &"--snapshot", &v.v2(), &"--json"]);
    assert_eq!(code, 1, "{out}");
    let problems = problem_lines(&out);
    assert_eq!(
        problems,
        [
            "entries/000006.json: anchor: blob of shift.c differs",
            "entries/000007.json: anchor: quote of shift.c:6-6 differs"
        ]
    );
    let (code, out, _) =
        run(&v.data, &[&"verify", &bundle, &"--snapshot", &v.v2(), &"--previous", &v.v1(), &"--json"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("entries/000008.json")
            && out.contains("port: quote of shift.c:4-4 in the previous snapshot differs"),
        "{out}"
    );
    // verify.sh finds the same three with stock tools.
    let (code, out) = verify_sh(&bundle, &v.v2(), &v.v1());
    assert_eq!(code, Some(1), "{out}");
    for (entry, what) in [
        ("entries/000006.json", "anchor: blob of shift.c differs"),
        ("entries/000007.json", "anchor: quote of shift.c:6-6 differs"),
        ("entries/000008.json", "port: quote of shift.c:4-4 in the previous snapshot differs"),
    ] {
        assert!(out.contains(&format!("{entry}: {what}")), "{out}");
    }
}

#[test]
fn an_outdated_claim_is_disproved_when_the_thread_is_found_again_in_the_new_snapshot() {
    use vitrine_record::port::{Outcome, PortBody};
    let v = Versions::new();
    let (_, ports) = v.port();
    let (new_tree, _) = crate::support::git_tree_ids(&v.v2());
    let dir = v.data.join("snapshots").join(&new_tree).join("review");
    {
        let mut review = vitrine_record::Review::open(&dir, &new_tree).unwrap();
        let signer = vitrine_record::Signer::read(&v.rev, || unreachable!("unencrypted")).unwrap();
        let now = vitrine_record::time::OffsetDateTime::now_utc();
        // Two threads said to be gone: shift.c's lines are intact in v2 (same path, shifted), and
        // old_name.c's file was renamed to new_name.c unchanged. Each entry is well-formed on its own.
        for file in ["shift.c", "old_name.c"] {
            let honest = review.find(ports[file]["entry"].as_str().unwrap()).unwrap().entry.clone();
            let mut body = PortBody::parse(honest.body.as_deref().unwrap()).unwrap();
            body.outcome = Outcome::Outdated;
            body.annotation = "ab".repeat(32);
            let mut d = vitrine_record::Draft::new(vitrine_record::Kind::AnchorPort);
            d.body = Some(body.to_body().unwrap());
            review.append(&signer, d, now).unwrap();
        }
    }
    let bundle = v.pair.root.path().join("outdated.vitrine");
    ok(&v.data, &[&"export", &v.v2(), &"--key", &v.rev, &"--out", &bundle]);
    // Without the previous snapshot nothing tells.
    let (code, out, _) = run(&v.data, &[&"verify", &bundle, &"--snapshot", &v.v2()]);
    assert_eq!(code, 0, "{out}");
    // With both, the port is planned again and finds both threads.
    let (code, out, _) =
        run(&v.data, &[&"verify", &bundle, &"--snapshot", &v.v2(), &"--previous", &v.v1(), &"--json"]);
    assert_eq!(code, 1, "{out}");
    let problems = problem_lines(&out);
    assert_eq!(
        problems,
        [
            "entries/000006.json: port: claimed outdated, but shift.c:5-5 of the previous snapshot is found \
             again at shift.c:7-7 (moved)",
            "entries/000007.json: port: claimed outdated, but old_name.c:3-3 of the previous snapshot is found \
             again at new_name.c:3-3 (moved)",
        ]
    );
    // verify.sh, with stock tools, finds the lines intact at the same path; a rename is git's guess and
    // is left to `vitrine verify`.
    let (code, out) = verify_sh(&bundle, &v.v2(), &v.v1());
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("entries/000006.json: port: claimed outdated, but shift.c:5-5 of the previous snapshot is intact at shift.c:7-7"),
        "{out}"
    );
    assert!(!out.contains("entries/000007.json"), "{out}");
}

#[test]
fn a_thread_on_one_of_two_names_alike_but_for_normalisation_is_ported_on_that_file_only() {
    // `café.c` twice: é as one code point (NFC) and as e + U+0301 (NFD). The thread is on the NFD file;
    // in v2 the NFD file is edited above the finding and the NFC one is not, so where it lands tells
    // which file the port read.
    const NFC: &str = "caf\u{e9}.c";
    const NFD: &str = "cafe\u{301}.c";
    let pair = Pair::new();
    pair.old().file(NFC, "int a;\nint risky;\n").file(NFD, "int b;\nint risky;\n");
    pair.new_side().file(NFC, "int a;\nint risky;\n").file(NFD, "// new\n// lines\nint b;\nint risky;\n");
    let (_tmp, data) = data_dir();
    let rev = keygen(pair.root.path(), "rev");
    let (v1, v2) = (pair.root.path().join("a"), pair.root.path().join("b"));
    let pubkey = std::path::PathBuf::from(format!("{}.pub", rev.display()));
    add_reviewer(&data, &v1, "r@x", &pubkey);
    annotate(&data, &v1, &rev, NFD, "2-2", "finding", "high", "risky");
    let out = ok(&data, &[&"port", &v1, &v2, &"--key", &rev, &"--json"]);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let ports = json["ports"].as_array().unwrap();
    assert_eq!(ports.len(), 1, "{json}");
    assert_eq!(ports[0]["from"]["path"], NFD, "{json}");
    assert_eq!(ports[0]["outcome"], "moved", "{json}");
    assert_eq!(ports[0]["to"], serde_json::json!({"path": NFD, "lines": [4, 4]}), "{json}");

    // The signed entry names the NFD file by its exact bytes, in its body's `from` and in its target.
    let log: serde_json::Value = serde_json::from_str(&ok(&data, &[&"log", &v2, &"--json"])).unwrap();
    let entry = &log["entries"][0];
    let nfd_hex: String = NFD.bytes().map(|b| format!("{b:02x}")).collect();
    assert_eq!(entry["target"]["path_bytes"], nfd_hex.as_str(), "{log}");
    let body: serde_json::Value = serde_json::from_str(entry["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["from"]["path_bytes"], nfd_hex.as_str(), "{body}");

    // And the record verifies against both snapshots.
    let bundle = pair.root.path().join("v2.vitrine");
    ok(&data, &[&"export", &v2, &"--key", &rev, &"--out", &bundle]);
    ok(&data, &[&"verify", &bundle, &"--snapshot", &v2, &"--previous", &v1]);
    // verify.sh too, which looks the old file up by the same exact bytes.
    let (code, out) = verify_sh(&bundle, &v2, &v1);
    assert_eq!(code, Some(0), "{out}");
}

/// Session 20's update-review findings F1, F6 and F7, end to end: a decoy copy above the edited function,
/// a file merged into another one, a CRLF conversion. Each port is signed, verifies (also with verify.sh),
/// and is none of the old answers (`moved` onto the decoy, `outdated` twice).
#[test]
fn decoy_copies_merged_files_and_line_ending_conversions_are_ported_honestly() {
    let func = "int check(const char *g)\n{\n    if (strlen(g) == 0)\n        return 1;\n    return 0;\n}\n";
    let edited = func.replace("        return 1;\n", "        return 1;\n    if (g[0] == 0x7f) return 1;\n");
    let other = func.replace("strlen(g) == 0", "g == NULL");
    let util: String = (0..30).map(|i| format!("int util{i}(int x) {{ return x + {i}; }}\n")).collect();
    let pair = Pair::new();
    pair.old()
        .file("decoy.c", format!("#include <string.h>\n\n{func}"))
        .file("merged.c", &other)
        .file("util.c", &util)
        .file("crlf.c", func);
    pair.new_side()
        .file(
            "decoy.c",
            format!(
                "#include <string.h>\n\n#if 0\n{}#endif\n\n{edited}",
                func.replace("check(", "check_legacy(")
            ),
        )
        .file("util.c", format!("{util}\n{other}"))
        .file("crlf.c", func.replace('\n', "\r\n"));
    let (_tmp, data) = data_dir();
    let rev = keygen(pair.root.path(), "rev");
    let (v1, v2) = (pair.root.path().join("a"), pair.root.path().join("b"));
    let pubkey = std::path::PathBuf::from(format!("{}.pub", rev.display()));
    add_reviewer(&data, &v1, "reviewer@example", &pubkey);
    for (file, lines) in [("decoy.c", "5-7"), ("merged.c", "3-5"), ("crlf.c", "3-5")] {
        annotate(&data, &v1, &rev, file, lines, "finding", "high", &format!("check {file}"));
    }
    let out = ok(&data, &[&"port", &v1, &v2, &"--key", &rev, &"--json"]);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let ports: std::collections::BTreeMap<String, serde_json::Value> = json["ports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["from"]["path"].as_str().unwrap().to_owned(), p.clone()))
        .collect();
    use serde_json::json;
    // The edited function (new lines 14-17, the inserted check included), not the #if 0 copy at 6-8,
    // which the report names.
    assert_eq!(ports["decoy.c"]["outcome"], "changed", "{out}");
    assert_eq!(ports["decoy.c"]["to"], json!({"path": "decoy.c", "lines": [14, 17]}), "{out}");
    // crlf.c holds the same lines, CRs aside (in a file the update changed): named too (F2 of round 23).
    assert_eq!(
        ports["decoy.c"]["also"],
        json!([{"path": "decoy.c", "lines": [6, 8]}, {"path": "crlf.c", "lines": [3, 5]}]),
        "{out}"
    );
    // merged.c was deleted, its function appended to util.c (lines 34-36 are the quote).
    assert_eq!(ports["merged.c"]["outcome"], "moved", "{out}");
    assert_eq!(ports["merged.c"]["to"], json!({"path": "util.c", "lines": [34, 36]}), "{out}");
    // Nothing but CRs: the same lines, `changed` because their bytes differ.
    assert_eq!(ports["crlf.c"]["outcome"], "changed", "{out}");
    assert_eq!(ports["crlf.c"]["to"], json!({"path": "crlf.c", "lines": [3, 5]}), "{out}");

    let bundle = pair.root.path().join("v2.vitrine");
    ok(&data, &[&"export", &v2, &"--key", &rev, &"--out", &bundle]);
    let out = ok(&data, &[&"verify", &bundle, &"--snapshot", &v2, &"--previous", &v1]);
    assert!(out.contains("OK:") && out.contains("ported threads match the previous snapshot"), "{out}");
    let (code, out) = verify_sh(&bundle, &v2, &v1);
    assert_eq!(code, Some(0), "{out}");

    // A record that says merged.c's thread is gone (what the port signed before): `verify --previous`
    // plans it again, searching the other changed files too, and finds it in util.c.
    use vitrine_record::port::{Outcome, PortBody};
    let (new_tree, _) = crate::support::git_tree_ids(&v2);
    let dir = data.join("snapshots").join(&new_tree).join("review");
    {
        let mut review = vitrine_record::Review::open(&dir, &new_tree).unwrap();
        let signer = vitrine_record::Signer::read(&rev, || unreachable!("unencrypted")).unwrap();
        let honest = review.find(ports["merged.c"]["entry"].as_str().unwrap()).unwrap().entry.clone();
        let mut body = PortBody::parse(honest.body.as_deref().unwrap()).unwrap();
        body.outcome = Outcome::Outdated;
        body.annotation = "ab".repeat(32);
        let mut d = vitrine_record::Draft::new(vitrine_record::Kind::AnchorPort);
        d.body = Some(body.to_body().unwrap());
        review.append(&signer, d, vitrine_record::time::OffsetDateTime::now_utc()).unwrap();
    }
    let bundle = pair.root.path().join("gone.vitrine");
    ok(&data, &[&"export", &v2, &"--key", &rev, &"--out", &bundle]);
    let (code, out, _) = run(&data, &[&"verify", &bundle, &"--snapshot", &v2, &"--previous", &v1, &"--json"]);
    assert_eq!(code, 1, "{out}");
    assert_eq!(
        problem_lines(&out),
        [
            "entries/000004.json: port: claimed outdated, but merged.c:3-5 of the previous snapshot is found again \
          at util.c:34-36 (moved)"
        ]
    );
}

/// F2 of round 23: the vendor "fixes" the flagged lines in place and adds `src/auth_compat.c`, a
/// byte-identical copy of the old file, which the Makefile now builds. The port stays on the edited
/// lines (`changed`) and names the intact copy and the new definition of `check_password`: in the
/// report, in the signed context notes and in its summary line. A thread moved within its own file
/// while a copy appears elsewhere is `changed`, never a bare `moved`. Both verifiers accept the record.
#[test]
fn intact_copies_in_files_the_update_added_are_named_beside_the_edit() {
    let fixed = CHECK.replace(
        "    if (strlen(given) == 0)\n        return 1;",
        "    if (given == NULL)\n        return 0;",
    );
    // move.c: check_token moved below a longer function (the diff deletes it and adds it there).
    let token = CHECK.replace("check_password", "check_token").replace("given", "tok");
    let token = token.replace("#include <string.h>\n\n", "");
    let other: String = (0..20).map(|i| format!("int other{i}(void) {{ return {i}; }}\n")).collect();
    let pair = Pair::new();
    pair.old()
        .file("src/auth.c", CHECK)
        .file("src/move.c", format!("#include <string.h>\n\n{token}{other}"))
        .file("Makefile", "SRCS = src/auth.c\n");
    pair.new_side()
        .file("src/auth.c", &fixed)
        .file("src/auth_compat.c", CHECK)
        .file("src/move.c", format!("#include <string.h>\n\n{other}{token}"))
        .file("lib/token_copy.c", format!("/* vendored */\n#include <string.h>\n\n{token}"))
        .file("Makefile", "SRCS = src/auth_compat.c\n");
    let (_tmp, data) = data_dir();
    let rev = keygen(pair.root.path(), "rev");
    let (v1, v2) = (pair.root.path().join("a"), pair.root.path().join("b"));
    add_reviewer(&data, &v1, "rev@x", &std::path::PathBuf::from(format!("{}.pub", rev.display())));
    annotate(&data, &v1, &rev, "src/auth.c", "5-6", "finding", "high", "empty password accepted");
    annotate(&data, &v1, &rev, "src/move.c", "5-6", "finding", "high", "empty token accepted");
    // The text report first (a port is signed once per thread), on a copy of the data directory.
    let text_data = pair.root.path().join("text-data");
    assert!(Command::new("cp").arg("-a").arg(&data).arg(&text_data).status().unwrap().success());
    let text = ok(&text_data, &[&"port", &v1, &v2, &"--key", &rev]);
    assert!(
        text.contains("the quoted lines are also intact at src/auth_compat.c:5-6 (unchanged copy"),
        "{text}"
    );
    assert!(text.contains("2 of them with the quoted lines still intact elsewhere"), "{text}");

    let json = port_json(&data, &v1, &v2, &rev);
    let ports: std::collections::BTreeMap<String, serde_json::Value> = json["ports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["from"]["path"].as_str().unwrap().to_owned(), p.clone()))
        .collect();
    use serde_json::json;
    let auth = &ports["src/auth.c"];
    assert_eq!(auth["outcome"], "changed", "{json}");
    assert_eq!(auth["to"], json!({"path": "src/auth.c", "lines": [5, 6]}), "{json}");
    assert_eq!(auth["also"], json!([{"path": "src/auth_compat.c", "lines": [5, 6]}]), "{json}");
    let notes: Vec<&str> = auth["context"].as_array().unwrap().iter().map(|n| n.as_str().unwrap()).collect();
    assert_eq!(
        notes,
        [
            "the quoted lines are also intact at src/auth_compat.c:5-6 (a file this update added): the lines \
             edited here may not be the only ones built",
            "check_password is now also defined at src/auth_compat.c:3 (a file this update added): the quoted \
             lines may no longer be the check_password that runs",
        ],
        "{json}"
    );
    // Deleted where it was and found intact below: `changed` (not `moved`), the vendored copy named.
    let mv = &ports["src/move.c"];
    assert_eq!(mv["outcome"], "changed", "{json}");
    assert_eq!(mv["to"], json!({"path": "src/move.c", "lines": [25, 26]}), "{json}");
    assert_eq!(mv["also"], json!([{"path": "lib/token_copy.c", "lines": [6, 7]}]), "{json}");
    // The notes are signed: the log shows them.
    let log = ok(&data, &[&"log", &v2]);
    assert!(log.contains("src/auth_compat.c:5-6"), "{log}");
    verifies_against(&data, &rev, &v2, &v1);
}

/// `vitrine port OLD NEW --json` with `key`, the report.
fn port_json(data: &Path, old: &Path, new: &Path, key: &Path) -> serde_json::Value {
    serde_json::from_str(&ok(data, &[&"port", &old, &new, &"--key", &key, &"--json"])).unwrap()
}

/// Exports `snap`'s review and checks it with `vitrine verify --previous` and verify.sh: both accept it.
fn verifies_against(data: &Path, key: &Path, snap: &Path, previous: &Path) {
    let bundle = snap.with_extension("vitrine");
    ok(data, &[&"export", &snap, &"--key", &key, &"--out", &bundle]);
    let out = ok(data, &[&"verify", &bundle, &"--snapshot", &snap, &"--previous", &previous]);
    assert!(out.contains("OK:") && out.contains("ported threads match the previous snapshot"), "{out}");
    let (code, out) = verify_sh(&bundle, snap, previous);
    assert_eq!(code, Some(0), "{out}");
}

const AUTH_C: &str = "#include <string.h>\n#include \"auth.h\"\n\nstatic int helper(int x)\n{\n    return x * 2;\n}\n\nint check_password(const char *given, const char *stored)\n{\n    if (strlen(given) == 0)\n        return 1;\n    return strcmp(given, stored) == 0;\n}\n\nint other(void)\n{\n    return helper(3);\n}\n";

/// F1 of round 21: the flagged function moved to a new file and re-indented with tabs, or the anchored
/// file replaced by a symlink to a file holding it with a trailing comment on a flagged line. The port
/// follows it (`changed`, the edit is whitespace and a comment), never `changed` onto another function
/// (`return helper(3);`, 37%) nor `outdated`; both verifiers accept the record.
#[test]
fn code_moved_with_a_trivial_edit_or_behind_a_symlink_is_followed() {
    let start = AUTH_C.find("int check_password(").unwrap();
    let end = AUTH_C.find("int other(").unwrap();
    let func = &AUTH_C[start..end];
    for variant in ["reindented", "symlink"] {
        let pair = Pair::new();
        pair.old().file("src/auth.c", AUTH_C).file("src/auth.h", "#define AUTH_OK 1\n");
        let new = pair.new_side();
        new.file("src/auth.h", "#define AUTH_OK 1\n");
        if variant == "reindented" {
            new.file("src/auth.c", AUTH_C.replace(func, ""));
            new.file(
                "src/password.c",
                format!("#include <string.h>\n#include \"auth.h\"\n\n{}", func.replace("    ", "\t")),
            );
        } else {
            new.file(
                "lib/auth_impl.c",
                AUTH_C.replace("        return 1;", "        return 1;  /* legacy clients */"),
            );
            new.symlink("src/auth.c", "../lib/auth_impl.c");
        }
        let (_tmp, data) = data_dir();
        let rev = keygen(pair.root.path(), "rev");
        let (v1, v2) = (pair.root.path().join("a"), pair.root.path().join("b"));
        add_reviewer(&data, &v1, "rev@x", &std::path::PathBuf::from(format!("{}.pub", rev.display())));
        annotate(&data, &v1, &rev, "src/auth.c", "11-13", "finding", "high", "empty password accepted");
        let json = port_json(&data, &v1, &v2, &rev);
        let p = &json["ports"][0];
        assert_eq!(p["outcome"], "changed", "{variant}: {json}");
        let to = if variant == "reindented" {
            serde_json::json!({"path": "src/password.c", "lines": [6, 8]})
        } else {
            serde_json::json!({"path": "lib/auth_impl.c", "lines": [11, 13]})
        };
        assert_eq!(p["to"], to, "{variant}: {json}");
        verifies_against(&data, &rev, &v2, &v1);
    }
}

/// Three versions of one file, side by side in a temporary directory, each holding `src/auth.c`
/// (or not, for `None`), and `src/main.c`.
fn three_versions(files: [Option<&str>; 3]) -> (tempfile::TempDir, [std::path::PathBuf; 3]) {
    let root = tempfile::tempdir().unwrap();
    let dirs = ["v1", "v2", "v3"].map(|v| root.path().join(v));
    for (i, (d, f)) in dirs.iter().zip(files).enumerate() {
        std::fs::create_dir_all(d.join("src")).unwrap();
        std::fs::write(d.join("src/main.c"), format!("/* v{} */\nint main(void) {{ return 0; }}\n", i + 1))
            .unwrap();
        if let Some(f) = f {
            std::fs::write(d.join("src/auth.c"), f).unwrap();
        }
    }
    (root, dirs)
}

const CHECK: &str = "#include <string.h>\n\nint check_password(const char *given, const char *stored)\n{\n    if (strlen(given) == 0)\n        return 1;\n    return strcmp(given, stored) == 0;\n}\n";

/// F4 of round 21: the vendor fixes a finding, the reviewer closes it ("fix verified"), the next update
/// reverts the fix. The closed thread whose lines the update changed is carried over, marked, instead of
/// only counted "1 closed"; a closed thread the update leaves alone is only counted.
#[test]
fn a_closed_thread_whose_lines_the_update_changes_is_carried_marked() {
    let fixed = CHECK.replace("        return 1;", "        return 0;");
    let reverted = CHECK.replacen("\n", "\n#include <stdio.h>\n", 1);
    let (root, [v1, v2, v3]) = three_versions([Some(CHECK), Some(&fixed), Some(&reverted)]);
    let (_tmp, data) = data_dir();
    let rev = keygen(root.path(), "rev");
    add_reviewer(&data, &v1, "rev@x", &std::path::PathBuf::from(format!("{}.pub", rev.display())));
    annotate(&data, &v1, &rev, "src/auth.c", "5-7", "finding", "high", "empty password accepted");
    annotate(&data, &v1, &rev, "src/main.c", "2-2", "finding", "low", "main does nothing");
    let json = port_json(&data, &v1, &v2, &rev);
    assert_eq!(json["ports"].as_array().unwrap().len(), 2, "{json}");
    for p in json["ports"].as_array().unwrap() {
        let id = p["entry"].as_str().unwrap();
        ok(
            &data,
            &[
                &"status",
                &v2,
                &"--key",
                &rev,
                &"--to",
                &id,
                &"--status",
                &"closed",
                &"--body",
                &"fix verified",
            ],
        );
    }
    let json = port_json(&data, &v2, &v3, &rev);
    let ports = json["ports"].as_array().unwrap();
    assert_eq!(ports.len(), 1, "{json}");
    assert_eq!(ports[0]["from"]["path"], "src/auth.c", "{json}");
    assert_eq!(ports[0]["outcome"], "changed", "{json}");
    assert_eq!(ports[0]["revived"], "closed", "{json}");
    assert_eq!(json["skipped"]["closed"], 1, "main.c's thread, its line unchanged: {json}");
    let text = ok(&data, &[&"log", &v3]);
    assert!(text.contains("src/auth.c:6-8"), "{text}");
    verifies_against(&data, &rev, &v3, &v2);
}

/// F5 of round 21: v2 drops the flagged file (the port signs `outdated`), v3 brings it back byte for
/// byte. The outdated thread is looked for again by its original quote and carried back (`moved`); the
/// record verifies against v2 in both verifiers, and a thread whose quote stays gone is still counted.
#[test]
fn an_outdated_thread_whose_quote_comes_back_is_carried_again() {
    let (root, [v1, v2, v3]) = three_versions([Some(CHECK), None, Some(CHECK)]);
    std::fs::write(v1.join("src/gone.c"), "int gone(void) { return 1; }\n").unwrap();
    let (_tmp, data) = data_dir();
    let rev = keygen(root.path(), "rev");
    add_reviewer(&data, &v1, "rev@x", &std::path::PathBuf::from(format!("{}.pub", rev.display())));
    let id = annotate(&data, &v1, &rev, "src/auth.c", "5-7", "finding", "high", "empty password accepted");
    annotate(&data, &v1, &rev, "src/gone.c", "1-1", "finding", "low", "always 1");
    let json = port_json(&data, &v1, &v2, &rev);
    assert!(json["ports"].as_array().unwrap().iter().all(|p| p["outcome"] == "outdated"), "{json}");
    let json = port_json(&data, &v2, &v3, &rev);
    let ports = json["ports"].as_array().unwrap();
    assert_eq!(ports.len(), 1, "{json}");
    assert_eq!(ports[0]["outcome"], "moved", "{json}");
    assert_eq!(ports[0]["revived"], "reappeared", "{json}");
    assert_eq!(ports[0]["annotation"], id.as_str(), "{json}");
    assert_eq!(ports[0]["to"], serde_json::json!({"path": "src/auth.c", "lines": [5, 7]}), "{json}");
    assert_eq!(json["skipped"]["outdated before"], 1, "{json}");
    verifies_against(&data, &rev, &v3, &v2);
    // Ported again from v3 on, it is an ordinary thread.
    let again = port_json(&data, &v2, &v3, &rev);
    assert_eq!(again["skipped"]["ported before"], 1, "{again}");
}

// ---- The update review sees every file and shows every name safely ----

/// `vitrine diff a b ARGS` run in process: (exit code, stdout, stderr).
fn diff_run(root: &Path, args: &[&str]) -> (u8, String, String) {
    let (_d, data) = data_dir();
    let (a, b) = (root.join("a"), root.join("b"));
    let mut all: Vec<&std::ffi::OsStr> =
        vec!["--data".as_ref(), arg(&data), "diff".as_ref(), arg(&a), arg(&b)];
    all.extend(args.iter().map(std::ffi::OsStr::new));
    vitrine_os(&all)
}

/// Files git leaves out of the tree ids (`.GIT/…`, `git~1/…`, `lib/.git/…`, `.git./…`, `x/.Git/…`) are
/// ordinary files to a compiler or a makefile: every listing shows their changes, marked, and the
/// summary names them.
#[test]
fn the_update_review_lists_files_the_tree_ids_leave_out() {
    let p = Pair::new();
    let (a, b) = (p.old(), p.new_side());
    a.file("src/v.c", "#include \"../.GIT/policy.h\"\nint v;\n");
    b.file("src/v.c", "#include \"../.GIT/policy.h\"\nint v;\n/* v2 */\n");
    a.file(".GIT/policy.h", "#define CHECK_SIGNATURE 1\n");
    b.file(".GIT/policy.h", "#define CHECK_SIGNATURE 0\n");
    for d in ["git~1", "lib/.git", ".git."] {
        a.file(&format!("{d}/flags.mk"), "CFLAGS += -fstack-protector\n");
        b.file(&format!("{d}/flags.mk"), "CFLAGS += -fno-stack-protector\n");
    }
    b.file("x/.Git/hooks.c", "void backdoor(void) {}\n");
    let outside =
        [".GIT/policy.h", ".git./flags.mk", "git~1/flags.mk", "lib/.git/flags.mk", "x/.Git/hooks.c"];
    let root = p.root.path();
    let plain = diff_run(root, &[]).1;
    for path in outside {
        let row =
            plain.lines().find(|l| l.contains(path)).unwrap_or_else(|| panic!("{path} missing:\n{plain}"));
        assert!(row.ends_with("(outside the git tree ids)"), "{row}");
    }
    let v = plain.lines().find(|l| l.contains("src/v.c")).unwrap();
    assert!(!v.contains("outside"), "{v}");
    // The diff-only path (no ingest cache) walks those names too, and prints the same.
    assert_eq!(diff_run(root, &["--no-cache"]).1, plain);
    let stat = diff_run(root, &["--stat", "--no-cache"]).1;
    assert!(stat.lines().any(|l| l == "1\t1\t.GIT/policy.h"), "{stat}");
    assert!(stat.lines().any(|l| l == "1\t0\tx/.Git/hooks.c"), "{stat}");
    assert_eq!(diff_run(root, &["--stat"]).1, stat);
    let json: serde_json::Value = serde_json::from_str(&diff_run(root, &["--json"]).1).unwrap();
    let marked: BTreeSet<&str> = json["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["outside_tree_ids"] == true)
        .map(|f| f["new_path"].as_str().unwrap())
        .collect();
    assert_eq!(marked, outside.into_iter().collect());
    let summary = diff_run(root, &["--summary"]).1;
    assert!(summary.starts_with("6 files changed: 1 added"), "{summary}");
    assert!(summary.contains("files outside the git tree ids changed: 5\n  .GIT/policy.h\n"), "{summary}");
    // The added `.GIT`-alias directory is a new finding too.
    assert!(summary.contains("x/.Git: git-refused-path"), "{summary}");
}

/// A reviewed version and one that differs only in a file the tree ids leave out, and the reviewer's
/// key, with a thread on that file: (pair, data dir guard, data dir, key).
fn reviewed_outside_file() -> (Pair, tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
    let p = Pair::new();
    p.old().file("src/v.c", "int verify(void);\n").file(".GIT/policy.h", "#define CHECK_SIGNATURE 1\n");
    p.new_side().file("src/v.c", "int verify(void);\n").file(".GIT/policy.h", "#define CHECK_SIGNATURE 0\n");
    let (tmp, data) = data_dir();
    let rev = keygen(p.root.path(), "rev");
    let v1 = p.root.path().join("a");
    let pubkey = p.root.path().join("rev.pub");
    add_reviewer(&data, &v1, "rev@example", &pubkey);
    annotate(&data, &v1, &rev, ".GIT/policy.h", "1-1", "finding", "high", "must stay 1");
    (p, tmp, data, rev)
}

/// The same snapshot is the same content key: versions that differ only in `.GIT/policy.h` share
/// their tree ids (and so their review) and the port says so, naming the file, instead of "the same".
#[test]
fn port_never_calls_versions_differing_outside_the_tree_ids_the_same() {
    let (p, _tmp, data, rev) = reviewed_outside_file();
    let (v1, v2) = (p.root.path().join("a"), p.root.path().join("b"));
    let (code, out, err) = run(&data, &[&"port", &v1, &v2, &"--key", &rev]);
    assert_ne!(code, 0, "{out}");
    assert!(!err.contains("are the same"), "{err}");
    assert!(err.contains("share their tree ids") && err.contains(".GIT/policy.h"), "{err}");
    // The very same bytes are the same snapshot.
    let (code, _, err) = run(&data, &[&"port", &v1, &v1, &"--key", &rev]);
    assert_ne!(code, 0);
    assert!(err.contains("the two snapshots are the same (content key"), "{err}");
}

/// With another change present the port goes ahead: a thread on a changed file outside the tree ids
/// is ported from its bytes, never signed `exact` (same blob), and the reviewer's record verifies.
#[test]
fn a_thread_on_a_changed_file_outside_the_tree_ids_is_not_exact() {
    let (p, _tmp, data, rev) = reviewed_outside_file();
    p.new_side().file("src/v.c", "int verify(void);\n/* v2 */\n");
    let (v1, v2) = (p.root.path().join("a"), p.root.path().join("b"));
    let out = ok(&data, &[&"port", &v1, &v2, &"--key", &rev, &"--json"]);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let port = &json["ports"][0];
    assert_eq!(port["from"]["path"], ".GIT/policy.h", "{json}");
    assert_ne!(port["outcome"], "exact", "{json}");
    let bundle = p.root.path().join("rec.vitrine");
    ok(&data, &[&"export", &v2, &"--key", &rev, &"--out", &bundle]);
    ok(&data, &[&"verify", &bundle, &"--snapshot", &v2, &"--previous", &v1]);
}

/// Every name, detail and link target `vitrine diff` prints is escaped as `health` and `port` escape
/// them: a vendor's file name cannot erase the row of a real change, reorder itself, hide a character,
/// or add a column to `--stat`.
#[test]
fn diff_listings_escape_every_name_detail_and_target() {
    let p = Pair::new();
    let (a, b) = (p.old(), p.new_side());
    a.file("src/auth.c", "int check(int uid) {\n  return uid == 0;\n}\n");
    b.file("src/auth.c", "int check(int uid) {\n  return uid == 0 || uid == 1337;\n}\n");
    b.file("src/auth.c\r\u{1b}[2K\u{1b}[1A\u{1b}[2K", "/* */\n");
    b.file("src/zz\u{1b}[2K\rlogo.png", b"BIN\0\n".as_slice());
    b.file("src/rlo\u{202E}gnp.c", "int r;\n");
    b.file(".g\u{200C}it/conf.mk", "X = 1\n");
    b.file("src/c1\u{9b}2K.c", "int c;\n");
    b.file("src/tab\there.c", "int t;\n");
    b.symlink("src/link", "\u{1b}]0;title\u{7}\u{202E}");
    a.file("src/ren\u{1b}[2Kold.c", lines(10, "renamed"));
    b.file("src/ren\u{1b}[2Knew.c", lines(10, "renamed"));
    let root = p.root.path();
    let raw = |s: &str| s.chars().any(|c| c != '\n' && c != '\t' && vitrine_record::shown::hidden(c));
    for args in [&[][..], &["--stat"], &["--summary"], &["--no-cache"], &["--stat", "--no-cache"], &["-C"]] {
        let (code, out, err) = diff_run(root, args);
        assert_eq!(code, 0, "{args:?}: {err}");
        assert!(!raw(&out), "{args:?} prints a control, bidi or invisible character raw:\n{out:?}");
        assert!(out.contains("src/auth.c\\x0D\\x1B[2K\\x1B[1A\\x1B[2K"), "{args:?}: {out}");
    }
    let stat = diff_run(root, &["--stat"]).1;
    assert!(stat.lines().all(|l| l.matches('\t').count() == 2), "{stat}");
    assert!(stat.contains("src/tab\\x09here.c"), "{stat}");
    assert!(stat.contains("src/rlo<U+202E>gnp.c") && stat.contains(".g<U+200C>it/conf.mk"), "{stat}");
    assert!(stat.contains("src/c1<U+009B>2K.c"), "{stat}");
    assert!(stat.contains("src/ren\\x1B[2Kold.c => src/ren\\x1B[2Knew.c"), "{stat}");
    // The summary's findings: names and details (the link's target) escaped.
    let summary = diff_run(root, &["--summary"]).1;
    assert!(summary.contains("\\x1B]0;title\\x07<U+202E>"), "{summary}");
    assert!(summary.contains("  A src/zz\\x1B[2K\\x0Dlogo.png"), "{summary}");
    // --json keeps the names exact (JSON escapes, nothing a terminal acts on).
    let json: serde_json::Value = serde_json::from_str(&diff_run(root, &["--json"]).1).unwrap();
    assert!(json["files"].as_array().unwrap().iter().any(|f| f["new_path"] == "src/rlo\u{202E}gnp.c"));
}

/// A bidi control removed from a comment and another inserted into code of the same file: the
/// summary reports the new one (on an added line) and the old one gone, whatever the counts; a finding
/// only shifted by lines inserted above it is not new.
#[test]
fn a_finding_on_an_added_line_is_new_even_when_one_like_it_is_gone() {
    let p = Pair::new();
    let rlo = '\u{202E}';
    let old = format!(
        "#include <stdio.h>\n/* i18n test: the arrow {rlo}-> must survive */\nstatic const char *arrow = \"<-\";\n\nint is_admin(const char *user)\n{{\n    return 0;\n}}\n"
    );
    let new = format!(
        "#include <stdio.h>\n/* i18n test: the arrow -> must survive */\nstatic const char *arrow = \"<-\";\n\nint is_admin(const char *user)\n{{\n    /* check role {rlo} }} if (user[0] == 'r') {{ return 1; */\n    return 0;\n}}\n"
    );
    p.old().file("acl.c", &old);
    p.new_side().file("acl.c", &new);
    // Shifted only: three lines inserted above an unchanged line with a bidi control.
    let kept = format!("int a;\n// {rlo} kept\nint b;\n");
    p.old().file("kept.c", &kept);
    p.new_side().file("kept.c", format!("int x;\nint y;\nint z;\n{kept}"));
    let json: serde_json::Value =
        serde_json::from_str(&diff_run(p.root.path(), &["--summary", "--json"]).1).unwrap();
    let at = |list: &str| -> Vec<(String, u64)> {
        json["summary"][list]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["kind"] == "bidi-control")
            .map(|f| (f["path"].as_str().unwrap().to_owned(), f["line"].as_u64().unwrap()))
            .collect()
    };
    assert_eq!(at("new_findings"), [("acl.c".to_owned(), 7)]);
    assert_eq!(at("gone_findings"), [("acl.c".to_owned(), 2)]);
    let text = diff_run(p.root.path(), &["--summary"]).1;
    assert!(text.contains("new findings: 1\n  acl.c:7: bidi-control:"), "{text}");
    assert!(text.contains("findings gone: 1\n"), "{text}");
}

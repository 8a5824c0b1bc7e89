//! The files that differ between two directory trees, found as `git diff --no-index` finds them: both
//! trees walked, every file at the same path on both sides read and compared byte for byte, and only
//! the files that differ (or are on one side only) hashed and classified. Nothing the two trees share
//! is hashed, so no tree id, content key, health report or ingest cache comes out of it: it serves a
//! listing of changes that states none of those (`vitrine diff --stat` and its plain listing without
//! the ingest cache). Every read is checked as ingest checks it (opened beneath the root without
//! following links, `fstat` before and after, read again when the file changed while it was read), so
//! two files are called equal only on bytes read from a file that did not change during the read.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::content::Source;
use crate::error::SnapshotError;
use crate::ingest::{self, Analysed, Got, Hooks, IngestConfig, RootDir, STREAM_THRESHOLD};
use crate::progress::Progress;
use crate::{EntryKind, FileEntry, RelPath};

/// One side of [`changed_between`]: the entries of a directory that are not the same on the other
/// side (other bytes, other mode, another kind of entry, or absent there), each hashed and classified
/// as a snapshot's manifest lists it, sorted by path bytes. Every path the manifest would list is looked
/// at, those git leaves out of the tree ids too (`.git/…`, `.GIT/…`, `git~1/…`: their rows say
/// [`FileEntry::in_tree`] false); special files are skipped, as git skips them.
#[derive(Debug)]
pub struct ChangedSide {
    source: Source,
    files: Vec<FileEntry>,
}

impl ChangedSide {
    /// The entries that differ from the other side, sorted by path bytes.
    pub fn files(&self) -> &[FileEntry] {
        &self.files
    }

    /// Reads one of [`ChangedSide::files`] again (for a symlink: its target), checking that the bytes
    /// still hash to what was recorded, as [`crate::Snapshot::read`] does.
    pub fn read(&self, entry: &FileEntry) -> Result<Vec<u8>, SnapshotError> {
        crate::content::read(&self.source, entry)
    }
}

/// Compares the directories `old` and `new` without hashing what they share: see the module
/// documentation. A file or directory that cannot be read refuses the comparison, as it refuses a
/// snapshot; anything but two directories is [`SnapshotError::UnsupportedInput`].
pub fn changed_between(
    old: &Path,
    new: &Path,
    config: &IngestConfig,
    progress: &Progress,
) -> Result<(ChangedSide, ChangedSide), SnapshotError> {
    changed_between_with(old, new, config, progress, Hooks::default())
}

/// What a directory entry is, as the listing's `d_type` says (an `lstat` only where the file system
/// does not say): the walk itself stats nothing, a file is examined on its descriptor when it is read.
enum Kind {
    File,
    Symlink(Vec<u8>),
    Dir,
    /// A FIFO, socket or device: not read, not part of the tree ids (git skips it too).
    Other,
}

/// One directory of a tree: its path relative to the root and its entries, sorted by name.
struct Listing {
    rel: Vec<u8>,
    entries: Vec<(Vec<u8>, Kind)>,
}

/// A listed tree and its root, held open.
struct Tree {
    root: PathBuf,
    dir: RootDir,
    listings: Vec<Listing>,
}

impl Tree {
    /// Lists the tree without following links. Names git refuses (`.git` and its aliases, a symlinked
    /// `.gitmodules`) are listed like any other, as the manifest lists them: the tree ids leave them
    /// out, the comparison does not.
    fn walk(root: &Path, progress: &Progress, hooks: Hooks<'_>) -> Result<Tree, SnapshotError> {
        let meta = std::fs::metadata(root).map_err(|e| SnapshotError::io("open", root, e))?;
        if !meta.is_dir() {
            return Err(SnapshotError::UnsupportedInput { path: root.to_path_buf() });
        }
        let dir = RootDir::open(root).map_err(|e| SnapshotError::io("open", root, e))?;
        let unreadable = |op, path: PathBuf, source| SnapshotError::Unreadable { op, path, source };
        let mut listings = Vec::new();
        let mut stack: Vec<Vec<u8>> = vec![Vec::new()];
        while let Some(rel) = stack.pop() {
            if progress.is_cancelled() {
                return Err(SnapshotError::Cancelled);
            }
            let path = if rel.is_empty() { root.to_path_buf() } else { root.join(OsStr::from_bytes(&rel)) };
            if let Some(e) = hooks.failure(&rel) {
                return Err(unreadable("list the directory", path, e));
            }
            let read =
                std::fs::read_dir(&path).map_err(|e| unreadable("list the directory", path.clone(), e))?;
            let mut entries = Vec::new();
            for entry in read {
                let entry = entry.map_err(|e| unreadable("list the directory", path.clone(), e))?;
                // A name git refuses (`.git`, `.GIT`, `git~1`, …) is walked like any other: its files
                // are in the manifest (out of the tree ids), so a change to one is a change.
                let name = entry.file_name().as_bytes().to_vec();
                let ft = entry.file_type().map_err(|e| unreadable("examine", entry.path(), e))?;
                let kind = if ft.is_dir() {
                    let mut child = rel.clone();
                    if !child.is_empty() {
                        child.push(b'/');
                    }
                    child.extend_from_slice(&name);
                    stack.push(child);
                    Kind::Dir
                } else if ft.is_file() {
                    Kind::File
                } else if ft.is_symlink() {
                    let target = std::fs::read_link(entry.path())
                        .map_err(|e| unreadable("read the link", entry.path(), e))?;
                    Kind::Symlink(target.into_os_string().into_vec())
                } else {
                    Kind::Other
                };
                entries.push((name, kind));
            }
            entries.sort_unstable_by(|x, y| x.0.cmp(&y.0));
            listings.push(Listing { rel, entries });
        }
        Ok(Tree { root: root.to_path_buf(), dir, listings })
    }
}

/// The entries at one name of a directory on each side (`None`: absent there, or a directory, which
/// its own listing covers).
type Item<'t> = (Option<&'t Kind>, Option<&'t Kind>, &'t [u8]);

/// At most this many entries of one directory are one unit of work, so that a large directory is
/// shared among the workers.
const CHUNK: usize = 256;

/// One unit of work: some entries of the directory `rel`, on each side where the directory exists.
struct Unit<'t> {
    rel: &'t [u8],
    old: bool,
    new: bool,
    items: Vec<Item<'t>>,
}

/// What one unit of work found: the old and the new side's entries that differ.
type Found = (Vec<FileEntry>, Vec<FileEntry>);

/// Pairs the two trees' directories by path, and in each pair the entries by name.
fn units<'t>(a: &'t Tree, b: &'t Tree) -> Vec<Unit<'t>> {
    let mut old_at: HashMap<&[u8], &Listing> = a.listings.iter().map(|l| (l.rel.as_slice(), l)).collect();
    let mut pairs: Vec<(Option<&Listing>, Option<&Listing>)> =
        b.listings.iter().map(|l| (old_at.remove(l.rel.as_slice()), Some(l))).collect();
    let mut only_old: Vec<&Listing> = old_at.into_values().collect();
    only_old.sort_unstable_by(|x, y| x.rel.cmp(&y.rel));
    pairs.extend(only_old.into_iter().map(|l| (Some(l), None)));
    let not_dir = |k: &'t Kind| (!matches!(k, Kind::Dir)).then_some(k);
    let mut out = Vec::new();
    for (lo, ln) in pairs {
        let rel = lo.or(ln).map(|l| l.rel.as_slice()).unwrap_or_default();
        let (eo, en) = (lo.map_or(&[][..], |l| &l.entries), ln.map_or(&[][..], |l| &l.entries));
        let mut items: Vec<Item<'t>> = Vec::with_capacity(eo.len().max(en.len()));
        let (mut i, mut j) = (0, 0);
        loop {
            let item = match (eo.get(i), en.get(j)) {
                (Some((n, ko)), Some((m, kn))) if n == m => {
                    i += 1;
                    j += 1;
                    (not_dir(ko), not_dir(kn), n.as_slice())
                }
                (Some((n, ko)), Some((m, _))) if n < m => {
                    i += 1;
                    (not_dir(ko), None, n.as_slice())
                }
                (_, Some((m, kn))) => {
                    j += 1;
                    (None, not_dir(kn), m.as_slice())
                }
                (Some((n, ko)), None) => {
                    i += 1;
                    (not_dir(ko), None, n.as_slice())
                }
                (None, None) => break,
            };
            if item.0.is_some() || item.1.is_some() {
                items.push(item);
            }
        }
        while !items.is_empty() {
            let rest = items.split_off(items.len().min(CHUNK));
            out.push(Unit { rel, old: lo.is_some(), new: ln.is_some(), items });
            items = rest;
        }
    }
    out
}

/// [`changed_between`] with test hooks.
pub(crate) fn changed_between_with(
    old: &Path,
    new: &Path,
    config: &IngestConfig,
    progress: &Progress,
    hooks: Hooks<'_>,
) -> Result<(ChangedSide, ChangedSide), SnapshotError> {
    progress.set_phase("listing files", 0);
    let (a, b) = rayon::join(|| Tree::walk(old, progress, hooks), || Tree::walk(new, progress, hooks));
    let (a, b) = (a?, b?);
    if let Some(after_walk) = hooks.after_walk {
        after_walk();
    }
    let units = units(&a, &b);
    progress.set_phase("comparing", units.iter().map(|u| u.items.len() as u64).sum());
    let found: Vec<Result<Found, SnapshotError>> = units
        .par_iter()
        .map_init(
            || (Vec::new(), Vec::new()),
            |(buf_a, buf_b), unit| run(&a, &b, unit, buf_a, buf_b, config, progress, hooks),
        )
        .collect();
    let (mut old_files, mut new_files) = (Vec::new(), Vec::new());
    for f in found {
        let (o, n) = f?;
        old_files.extend(o);
        new_files.extend(n);
    }
    old_files.sort_by(|x, y| x.path.cmp(&y.path));
    new_files.sort_by(|x, y| x.path.cmp(&y.path));
    Ok((
        ChangedSide { source: Source::Directory(crate::content::InPlace::new(a.root)), files: old_files },
        ChangedSide { source: Source::Directory(crate::content::InPlace::new(b.root)), files: new_files },
    ))
}

/// Holds the directory `rel` of a tree, to open its files by name.
fn hold(tree: &Tree, rel: &[u8]) -> Result<RootDir, SnapshotError> {
    if rel.is_empty() {
        return RootDir::open(&tree.root).map_err(|e| SnapshotError::io("open", &tree.root, e));
    }
    let path = tree.root.join(OsStr::from_bytes(rel));
    tree.dir.subdir(rel).map_err(|e| match e.raw_os_error() {
        Some(libc::ELOOP | libc::EXDEV | libc::ENOTDIR) => SnapshotError::ChangedWhileRead {
            path,
            detail: "no longer a directory (a symlink or file appeared on its path after it was listed)"
                .into(),
        },
        _ => SnapshotError::Unreadable { op: "open", path, source: e },
    })
}

/// Compares the entries of one unit.
#[allow(clippy::too_many_arguments)]
fn run(
    a: &Tree,
    b: &Tree,
    unit: &Unit<'_>,
    buf_a: &mut Vec<u8>,
    buf_b: &mut Vec<u8>,
    config: &IngestConfig,
    progress: &Progress,
    hooks: Hooks<'_>,
) -> Result<Found, SnapshotError> {
    if progress.is_cancelled() {
        return Err(SnapshotError::Cancelled);
    }
    let dir_a = if unit.old { Some(hold(a, unit.rel)?) } else { None };
    let dir_b = if unit.new { Some(hold(b, unit.rel)?) } else { None };
    let (mut olds, mut news) = (Vec::new(), Vec::new());
    for &(ko, kn, name) in &unit.items {
        let mut path = Vec::with_capacity(unit.rel.len() + 1 + name.len());
        path.extend_from_slice(unit.rel);
        if !path.is_empty() {
            path.push(b'/');
        }
        path.extend_from_slice(name);
        let (o, n) = match (ko.zip(dir_a.as_ref()), kn.zip(dir_b.as_ref())) {
            (Some((ko, da)), Some((kn, db))) => both(da, ko, db, kn, path, buf_a, buf_b, config, hooks)?,
            (o, n) => {
                let o = match o {
                    Some((k, d)) => alone(d, k, path.clone(), buf_a, config, hooks)?,
                    None => None,
                };
                let n = match n {
                    Some((k, d)) => alone(d, k, path, buf_a, config, hooks)?,
                    None => None,
                };
                (o, n)
            }
        };
        olds.extend(o);
        news.extend(n);
    }
    progress.advance(unit.items.len() as u64, 0);
    Ok((olds, news))
}

/// An entry hashed and classified on its own (`None` for a special file).
fn alone(
    dir: &RootDir,
    kind: &Kind,
    path: Vec<u8>,
    buf: &mut Vec<u8>,
    config: &IngestConfig,
    hooks: Hooks<'_>,
) -> Result<Option<FileEntry>, SnapshotError> {
    Ok(match kind {
        Kind::File => Some(ingest::read_dir_file(dir, &path, buf, config, hooks, |_, _| None)?.1.entry),
        Kind::Symlink(target) => {
            Some(ingest::analyse_symlink(RelPath::from_bytes(path), target.clone()).entry)
        }
        Kind::Dir | Kind::Other => None,
    })
}

/// The entries at one path on both sides: nothing when they are the same (same bytes and mode, or the
/// same link target), else each side's entry. Two regular files are both read and compared byte for
/// byte; only when they differ (or differ in mode) are they hashed and classified.
#[allow(clippy::too_many_arguments)]
fn both(
    dir_a: &RootDir,
    ka: &Kind,
    dir_b: &RootDir,
    kb: &Kind,
    path: Vec<u8>,
    buf_a: &mut Vec<u8>,
    buf_b: &mut Vec<u8>,
    config: &IngestConfig,
    hooks: Hooks<'_>,
) -> Result<(Option<FileEntry>, Option<FileEntry>), SnapshotError> {
    match (ka, kb) {
        (Kind::File, Kind::File) => {
            let got_a = read(dir_a, &path, buf_a, config, hooks)?;
            let got_b = read(dir_b, &path, buf_b, config, hooks)?;
            let analyse = |executable: bool, bytes: &[u8]| {
                if let Some(analysed) = hooks.analysed {
                    analysed(&path);
                }
                ingest::analyse_file(RelPath::from_bytes(path.clone()), executable, bytes, config)
            };
            let (old, new) = match (got_a, got_b) {
                (Got::Bytes { executable: xa }, Got::Bytes { executable: xb }) if buf_a == buf_b => {
                    if xa == xb {
                        return Ok((None, None));
                    }
                    // A mode change alone: one analysis, the new side with its own mode.
                    let old = analyse(xa, buf_a);
                    let mut new = old.entry.clone();
                    new.kind = EntryKind::File { executable: xb };
                    (old.entry, new)
                }
                (got_a, got_b) => {
                    let entry = |got: Got, buf: &[u8]| match got {
                        Got::Done(x) => x.entry,
                        Got::Bytes { executable } => analyse(executable, buf).entry,
                    };
                    (entry(got_a, buf_a), entry(got_b, buf_b))
                }
            };
            Ok(if old.sha256 == new.sha256 && old.kind == new.kind {
                (None, None)
            } else {
                (Some(old), Some(new))
            })
        }
        (Kind::Symlink(ta), Kind::Symlink(tb)) if ta == tb => Ok((None, None)),
        _ => Ok((
            alone(dir_a, ka, path.clone(), buf_a, config, hooks)?,
            alone(dir_b, kb, path, buf_b, config, hooks)?,
        )),
    }
}

/// Reads a regular file of a tree, checked as ingest reads it: its bytes into `buf`, or (above the
/// stream threshold) its analysis, streamed.
fn read(
    root: &RootDir,
    path: &[u8],
    buf: &mut Vec<u8>,
    config: &IngestConfig,
    hooks: Hooks<'_>,
) -> Result<Got, SnapshotError> {
    let (_, got) = ingest::read_checked(
        root,
        path,
        hooks,
        |_, _| None,
        |executable, size, file| {
            if size > STREAM_THRESHOLD {
                let path = RelPath::from_bytes(path.to_vec());
                return ingest::analyse_reader(path, executable, size, file, buf, config, hooks)
                    .map(|a: Analysed| Got::Done(Box::new(a)));
            }
            ingest::read_whole(file, size, buf).map(|()| Got::Bytes { executable })
        },
    )?;
    Ok(got)
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    fn write(root: &Path, rel: &str, content: &[u8]) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }

    fn chmod(root: &Path, rel: &str, mode: u32) {
        std::fs::set_permissions(root.join(rel), std::os::unix::fs::PermissionsExt::from_mode(mode)).unwrap();
    }

    /// Two versions: shared files, one of the same size with other bytes, one of another size, a mode
    /// change alone, a file on each side only, a file that becomes a link, links kept and retargeted,
    /// a nested `.git` that differs, and a FIFO.
    fn versions() -> (tempfile::TempDir, tempfile::TempDir) {
        let (old, new) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        for root in [old.path(), new.path()] {
            write(root, "src/shared.c", b"int shared;\n");
            write(root, "src/tool.sh", b"#!/bin/sh\n");
            write(root, "empty", b"");
            std::os::unix::fs::symlink("shared.c", root.join("src/link.c")).unwrap();
            let made = std::process::Command::new("mkfifo").arg(root.join("pipe")).status().unwrap();
            assert!(made.success());
        }
        write(old.path(), "src/same_size.c", b"int a = 1;\n");
        write(new.path(), "src/same_size.c", b"int a = 2;\n");
        write(old.path(), "src/grown.c", b"int b;\n");
        write(new.path(), "src/grown.c", b"int b, c;\n");
        chmod(new.path(), "src/tool.sh", 0o755);
        write(old.path(), "src/gone.c", b"int gone;\n");
        write(new.path(), "src/added.c", b"int added;\n");
        write(old.path(), "becomes_link", b"text\n");
        std::os::unix::fs::symlink("text", new.path().join("becomes_link")).unwrap();
        std::os::unix::fs::symlink("a.conf", old.path().join("cfg")).unwrap();
        std::os::unix::fs::symlink("b.conf", new.path().join("cfg")).unwrap();
        write(old.path(), "vendor/.git/HEAD", b"ref: refs/heads/main\n");
        write(new.path(), "vendor/.git/HEAD", b"ref: refs/heads/next\n");
        (old, new)
    }

    fn paths(side: &ChangedSide) -> Vec<String> {
        side.files().iter().map(|f| f.path.display()).collect()
    }

    fn compare(
        old: &Path,
        new: &Path,
        hooks: Hooks<'_>,
    ) -> Result<(ChangedSide, ChangedSide), SnapshotError> {
        changed_between_with(old, new, &IngestConfig::default(), &Progress::default(), hooks)
    }

    #[test]
    fn lists_exactly_the_entries_that_differ_each_as_a_full_open_states_it() {
        let (old, new) = versions();
        let (a, b) = compare(old.path(), new.path(), Hooks::default()).unwrap();
        let outside = ["vendor/.git/HEAD"];
        assert_eq!(
            paths(&a),
            [
                "becomes_link",
                "cfg",
                "src/gone.c",
                "src/grown.c",
                "src/same_size.c",
                "src/tool.sh",
                outside[0]
            ]
        );
        assert_eq!(
            paths(&b),
            [
                "becomes_link",
                "cfg",
                "src/added.c",
                "src/grown.c",
                "src/same_size.c",
                "src/tool.sh",
                outside[0]
            ]
        );
        // The nested `.git` file is compared (a build may read it) and marked out of the tree ids.
        for side in [&a, &b] {
            for f in side.files() {
                assert_eq!(f.in_tree, !outside.contains(&f.path.display().as_str()), "{}", f.path.display());
            }
        }
        // Every entry listed is the one a full open of that side states, field for field.
        let config = IngestConfig::default();
        for (side, root) in [(&a, old.path()), (&b, new.path())] {
            let full = crate::Snapshot::open(root, &config, &Progress::default()).unwrap();
            for f in side.files() {
                let whole = full.file(f.path.as_bytes()).unwrap();
                assert_eq!(format!("{f:?}"), format!("{whole:?}"));
                assert_eq!(side.read(f).unwrap(), full.read(whole).unwrap());
            }
        }
    }

    #[test]
    fn what_both_sides_share_is_read_and_compared_but_never_hashed() {
        let (old, new) = versions();
        let seen = Mutex::new(Vec::<String>::new());
        let note = |rel: &[u8]| seen.lock().unwrap().push(String::from_utf8_lossy(rel).into_owned());
        compare(old.path(), new.path(), Hooks { analysed: Some(&note), ..Hooks::default() }).unwrap();
        let mut seen = seen.into_inner().unwrap();
        seen.sort();
        // A mode change alone is analysed once; files of one side and changed pairs on each side.
        let want = [
            "becomes_link",
            "src/added.c",
            "src/gone.c",
            "src/grown.c",
            "src/grown.c",
            "src/same_size.c",
            "src/same_size.c",
            "src/tool.sh",
            "vendor/.git/HEAD",
            "vendor/.git/HEAD",
        ];
        assert_eq!(seen, want);
    }

    #[test]
    fn a_file_changed_after_the_walk_is_compared_on_its_bytes_now() {
        let (old, new) = versions();
        // Same size, same times as far as the walk knew: only the bytes tell.
        let late = new.path().join("src/shared.c");
        let edit = || std::fs::write(&late, b"int SHARED;\n").unwrap();
        let (a, b) =
            compare(old.path(), new.path(), Hooks { after_walk: Some(&edit), ..Hooks::default() }).unwrap();
        assert!(paths(&a).contains(&"src/shared.c".to_string()));
        let f = b.files().iter().find(|f| f.path.as_bytes() == b"src/shared.c").unwrap();
        assert_eq!(b.read(f).unwrap(), b"int SHARED;\n");
    }

    #[test]
    fn an_unreadable_file_refuses_the_comparison_naming_it() {
        let (old, new) = versions();
        let fail =
            |rel: &[u8]| (rel == b"src/shared.c").then(|| std::io::Error::from_raw_os_error(libc::EACCES));
        let err =
            compare(old.path(), new.path(), Hooks { fail: Some(&fail), ..Hooks::default() }).unwrap_err();
        assert!(matches!(err, SnapshotError::Unreadable { op: "open", .. }), "{err:?}");
        assert!(err.to_string().contains("src/shared.c"), "{err}");
    }

    #[test]
    fn a_file_swapped_for_a_symlink_after_the_walk_is_not_followed() {
        let (old, new) = versions();
        let victim = new.path().join("src/shared.c");
        let swap = || {
            std::fs::remove_file(&victim).unwrap();
            std::os::unix::fs::symlink("/etc/passwd", &victim).unwrap();
        };
        let err = compare(old.path(), new.path(), Hooks { after_walk: Some(&swap), ..Hooks::default() })
            .unwrap_err();
        assert!(matches!(err, SnapshotError::ChangedWhileRead { .. }), "{err:?}");
    }

    #[test]
    fn a_directory_swapped_for_a_symlink_after_the_walk_does_not_redirect_the_read() {
        let (old, new) = versions();
        let elsewhere = tempfile::tempdir().unwrap();
        write(elsewhere.path(), "shared.c", b"int elsewhere;\n");
        let swap = || {
            std::fs::rename(new.path().join("src"), new.path().join("src.orig")).unwrap();
            std::os::unix::fs::symlink(elsewhere.path(), new.path().join("src")).unwrap();
        };
        let err = compare(old.path(), new.path(), Hooks { after_walk: Some(&swap), ..Hooks::default() })
            .unwrap_err();
        assert!(matches!(err, SnapshotError::ChangedWhileRead { .. }), "{err:?}");
    }

    #[test]
    fn a_large_directory_is_compared_in_parts_with_nothing_lost() {
        let (old, new) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        for i in 0..(3 * CHUNK + 7) {
            let name = format!("d/f{i:04}.c");
            write(old.path(), &name, format!("int f{i};\n").as_bytes());
            // Every 100th file differs, the last one of each part of the directory too.
            let changed = i % 100 == 0 || i % CHUNK == CHUNK - 1;
            write(new.path(), &name, format!("int {}{i};\n", if changed { "g" } else { "f" }).as_bytes());
        }
        let (a, b) = compare(old.path(), new.path(), Hooks::default()).unwrap();
        let want: Vec<String> = (0..(3 * CHUNK + 7))
            .filter(|i| i % 100 == 0 || i % CHUNK == CHUNK - 1)
            .map(|i| format!("d/f{i:04}.c"))
            .collect();
        assert_eq!(paths(&a), want);
        assert_eq!(paths(&b), want);
    }

    #[test]
    fn only_two_directories_are_compared() {
        let (old, _new) = versions();
        let file = old.path().join("src/shared.c");
        let err = compare(old.path(), &file, Hooks::default()).unwrap_err();
        assert!(matches!(err, SnapshotError::UnsupportedInput { .. }), "{err:?}");
    }
}

//! The files that differ between two directory trees, found as `git diff --no-index` finds them: both
//! trees walked, every file at the same path on both sides read and compared byte for byte, and only
//! the files that differ (or are on one side only) hashed and classified. Nothing the two trees share
//! is hashed, so no tree id, content key, health report or ingest cache comes out of it: it serves a
//! listing of changes that states none of those (`vitrine diff --stat` and its plain listing without
//! the ingest cache). Every read is checked as ingest checks it (opened beneath the root without
//! following links, `fstat` before and after, read again when the file changed while it was read), so
//! two files are called equal only on bytes read from a file that did not change during the read.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::content::Source;
use crate::error::SnapshotError;
use crate::gitid;
use crate::ingest::{self, Analysed, Got, Hooks, IngestConfig, RootDir, STREAM_THRESHOLD, Walked};
use crate::progress::Progress;
use crate::{EntryKind, FileEntry, RelPath};

/// One side of [`changed_between`]: the entries of a directory that are not the same on the other
/// side (other bytes, other mode, another kind of entry, or absent there), each hashed and classified
/// as a snapshot's manifest lists it, sorted by path bytes. Only paths that are part of git's tree ids
/// are looked at (no `.git/…`, as in a git tree diff); special files are skipped, as git skips them.
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
        crate::content::read(&self.source, entry, true)
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

/// A walked tree and its root, held open.
struct Tree {
    root: PathBuf,
    dir: RootDir,
    walked: Vec<Walked>,
}

impl Tree {
    fn walk(root: &Path, progress: &Progress, hooks: Hooks<'_>) -> Result<Tree, SnapshotError> {
        let meta = std::fs::metadata(root).map_err(|e| SnapshotError::io("open", root, e))?;
        if !meta.is_dir() {
            return Err(SnapshotError::UnsupportedInput { path: root.to_path_buf() });
        }
        let dir = RootDir::open(root).map_err(|e| SnapshotError::io("open", root, e))?;
        let (mut walked, _dirs) = ingest::walk(root, progress, hooks)?;
        // What git's tree ids leave out (`.git` directories, names git refuses) takes no part.
        walked.retain(|w| !gitid::git_refuses_path(w.path()));
        Ok(Tree { root: root.to_path_buf(), dir, walked })
    }
}

/// One unit of work: an entry of one side only, or the entries at one path on both sides.
enum Work {
    Old(usize),
    New(usize),
    Both(usize, usize),
}

/// What one unit of work found: the old and the new side's entry, each when it differs.
type Found = (Option<FileEntry>, Option<FileEntry>);

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
    let mut old_at: HashMap<&[u8], usize> = a.walked.iter().enumerate().map(|(i, w)| (w.path(), i)).collect();
    let mut work: Vec<Work> = Vec::with_capacity(a.walked.len().max(b.walked.len()));
    for (j, w) in b.walked.iter().enumerate() {
        work.push(match old_at.remove(w.path()) {
            Some(i) => Work::Both(i, j),
            None => Work::New(j),
        });
    }
    let mut only_old: Vec<usize> = old_at.into_values().collect();
    only_old.sort_unstable();
    work.extend(only_old.into_iter().map(Work::Old));
    progress.set_phase("comparing", work.len() as u64);
    let found: Vec<Result<Found, SnapshotError>> = work
        .par_iter()
        .map_init(
            || (Vec::new(), Vec::new()),
            |(buf_a, buf_b), w| {
                if progress.is_cancelled() {
                    return Err(SnapshotError::Cancelled);
                }
                let found = match *w {
                    Work::Old(i) => Ok((alone(&a, i, buf_a, config, hooks)?, None)),
                    Work::New(j) => Ok((None, alone(&b, j, buf_a, config, hooks)?)),
                    Work::Both(i, j) => both(&a, i, &b, j, buf_a, buf_b, config, hooks),
                };
                progress.advance(1, 0);
                found
            },
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
        ChangedSide { source: Source::Directory(a.root), files: old_files },
        ChangedSide { source: Source::Directory(b.root), files: new_files },
    ))
}

/// The entry `i` of `tree`, hashed and classified on its own (`None` for a special file).
fn alone(
    tree: &Tree,
    i: usize,
    buf: &mut Vec<u8>,
    config: &IngestConfig,
    hooks: Hooks<'_>,
) -> Result<Option<FileEntry>, SnapshotError> {
    Ok(match tree.walked.get(i) {
        Some(Walked::File { path, .. }) => {
            Some(ingest::read_dir_file(&tree.dir, path, buf, config, hooks, |_, _| None)?.1.entry)
        }
        Some(Walked::Symlink { path, target, .. }) => {
            Some(ingest::analyse_symlink(RelPath::from_bytes(path.clone()), target.clone()).entry)
        }
        Some(Walked::Special { .. }) | None => None,
    })
}

/// The entries at one path on both sides: nothing when they are the same (same bytes and mode, or the
/// same link target), else each side's entry. Two regular files are both read and compared byte for
/// byte; only when they differ (or differ in mode) are they hashed and classified.
#[allow(clippy::too_many_arguments)]
fn both(
    a: &Tree,
    i: usize,
    b: &Tree,
    j: usize,
    buf_a: &mut Vec<u8>,
    buf_b: &mut Vec<u8>,
    config: &IngestConfig,
    hooks: Hooks<'_>,
) -> Result<Found, SnapshotError> {
    match (a.walked.get(i), b.walked.get(j)) {
        (Some(Walked::File { path, .. }), Some(Walked::File { .. })) => {
            let (got_a, got_b) =
                (read(&a.dir, path, buf_a, config, hooks)?, read(&b.dir, path, buf_b, config, hooks)?);
            let analyse = |executable: bool, bytes: &[u8]| {
                if let Some(analysed) = hooks.analysed {
                    analysed(path);
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
        (Some(Walked::Symlink { target: ta, .. }), Some(Walked::Symlink { target: tb, .. })) if ta == tb => {
            Ok((None, None))
        }
        _ => Ok((alone(a, i, buf_a, config, hooks)?, alone(b, j, buf_b, config, hooks)?)),
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
        assert_eq!(
            paths(&a),
            ["becomes_link", "cfg", "src/gone.c", "src/grown.c", "src/same_size.c", "src/tool.sh"]
        );
        assert_eq!(
            paths(&b),
            ["becomes_link", "cfg", "src/added.c", "src/grown.c", "src/same_size.c", "src/tool.sh"]
        );
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
    fn only_two_directories_are_compared() {
        let (old, _new) = versions();
        let file = old.path().join("src/shared.c");
        let err = compare(old.path(), &file, Hooks::default()).unwrap_err();
        assert!(matches!(err, SnapshotError::UnsupportedInput { .. }), "{err:?}");
    }
}

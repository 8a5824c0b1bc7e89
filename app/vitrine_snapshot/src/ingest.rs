//! Walking, reading, hashing and classifying every file of a snapshot, in parallel.
//!
//! A directory is walked without following links, then each file is opened with `O_NOFOLLOW |
//! O_NONBLOCK`, checked with `fstat` on the descriptor to be a regular file, read, and checked again:
//! a file that changed while it was read is read again, and refused if it keeps changing. A file or
//! directory that cannot be read refuses the whole snapshot: no identity is stated for a partly read
//! tree. An archive's members stream from the decompressor into the analysis (and, when the content is
//! kept, into the blob store), with a bound on the bytes in flight, so memory does not depend on member
//! size.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Condvar, Mutex};

use sha2::{Digest, Sha256};

use crate::archive::{self, ArchiveItem, ArchiveLimits, ItemKind};
use crate::blobs::{Batch, BlobStore};
use crate::cache::{self, StatKey};
use crate::classify::{self, ClassifyConfig, ContentClass, TextEncoding};
use crate::content::Source;
use crate::error::SnapshotError;
use crate::files::Files;
use crate::gitid::{self, BlobHasher, Hashes, TreeIds, TreeItem};
use crate::health::{self, FileFindings, Finding, FindingKind, HealthConfig, HealthReport};
use crate::includes;
use crate::progress::Progress;
use crate::reopen::{self, Seen};
use crate::{EntryKind, FileEntry, Origin, RelPath, Sha256Id, Snapshot, gitrepo, lines, text};

/// How to open a snapshot.
#[derive(Debug, Clone, Default)]
pub struct IngestConfig {
    /// When text counts as too large to index.
    pub classify: ClassifyConfig,
    /// Thresholds of the health scan (long lines, findings listed per file and kind).
    pub health: HealthConfig,
    /// Limits that refuse an archive as a decompression bomb, and a directory that would make Vitrine
    /// read more than they allow (bytes, bytes per file, entries, sparse files; checked on the walk).
    pub archive: ArchiveLimits,
    /// The blob store an archive's files are kept in so they can be read later (the data directory's
    /// `blobs/`). `None`: an archive is only digested. A directory is always read in place.
    pub blob_dir: Option<PathBuf>,
    /// Where hashing results are cached between processes (the data directory's `ingest-cache/`), so
    /// that opening an unchanged snapshot again reads only what changed (see the `cache` module).
    /// `None` hashes every byte: what commands that state a snapshot's identity use.
    pub cache_dir: Option<PathBuf>,
}

/// Files larger than this are streamed through the hashers (and classified as binary or too large
/// without a text scan) instead of being read whole; the same rule for directories and archives, so
/// both give the same findings.
pub(crate) const STREAM_THRESHOLD: u64 = 64 * 1024 * 1024;

/// At most this many bytes of archive members wait in memory for analysis (one larger member alone
/// is admitted: it is at most [`STREAM_THRESHOLD`]).
const IN_FLIGHT_BYTES: u64 = 64 * 1024 * 1024;

/// How often a file that changes while it is read is read again before the snapshot is refused.
const READ_ATTEMPTS: usize = 3;

/// Opens a file of a snapshot for reading: never through a final symlink, never blocking on a FIFO or
/// device swapped in after the walk, never becoming a controlling terminal. Callers `fstat` the result.
pub(crate) fn open_snapshot_file(path: &Path) -> std::io::Result<File> {
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
}

/// A snapshot directory held open: every file below it is opened relative to this one descriptor, as
/// [`open_snapshot_file`] opens a file and without following a symlink at any component on the way
/// (`openat2` with `RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS`): a directory swapped for a link after the
/// walk cannot redirect the read. Kernels without `openat2` (before Linux 5.6) get the same rule from a
/// walk of the path one component at a time, each opened with `O_NOFOLLOW` below the one before (and
/// `..`, `.` or an empty component refused). Reading a tree costs no extra open and close of the root per file. A
/// [`RootDir::subdir`] holds a directory below the root the same way, so that the files of one
/// directory are opened by their name alone (no walk of the path's components per file).
#[derive(Debug)]
pub(crate) struct RootDir {
    /// The snapshot root as named (paths in messages are this joined with the relative path).
    path: PathBuf,
    fd: std::os::fd::OwnedFd,
    /// Where the descriptor is, relative to the snapshot root (empty for the root itself).
    prefix: Vec<u8>,
}

impl RootDir {
    /// Opens the directory `path` (following links on the way to it: it is the snapshot the user named).
    pub(crate) fn open(path: &Path) -> std::io::Result<RootDir> {
        use rustix::fs::{Mode, OFlags};
        let fd = rustix::fs::open(path, OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC, Mode::empty())?;
        Ok(RootDir { path: path.to_path_buf(), fd, prefix: Vec::new() })
    }

    /// The snapshot root as named.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Holds the directory `rel` below this root, reached as a file is (no link followed on the way).
    pub(crate) fn subdir(&self, rel: &[u8]) -> std::io::Result<RootDir> {
        use rustix::fs::OFlags;
        let mut prefix = self.prefix.clone();
        if !prefix.is_empty() {
            prefix.push(b'/');
        }
        prefix.extend_from_slice(rel);
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let fd = self.open_at(rel, flags)?;
        Ok(RootDir { path: self.path.clone(), fd, prefix })
    }

    /// Opens the file `rel` (relative to the snapshot root, below this directory): see [`RootDir`].
    pub(crate) fn open_file(&self, rel: &[u8]) -> std::io::Result<File> {
        use rustix::fs::OFlags;
        let below = if self.prefix.is_empty() {
            rel
        } else {
            rel.strip_prefix(self.prefix.as_slice())
                .and_then(|r| r.strip_prefix(b"/"))
                .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::InvalidInput))?
        };
        let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC;
        self.open_at(below, flags).map(File::from)
    }

    /// Holds the directory `rel` (relative to this one; empty: this one again) as a descriptor, reached
    /// without following any link: for listing it.
    pub(crate) fn open_dir(&self, rel: &[u8]) -> std::io::Result<std::os::fd::OwnedFd> {
        use rustix::fs::OFlags;
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        if rel.is_empty() {
            return self.fd.try_clone();
        }
        self.open_at(rel, flags)
    }

    /// What is at `rel` (relative to this directory), itself if it is a link: the directories on the way
    /// are reached without following any link, and the last component is not followed either.
    pub(crate) fn lstat(&self, rel: &[u8]) -> std::io::Result<rustix::fs::Stat> {
        use rustix::fs::AtFlags;
        let (parent, name) = match rel.iter().rposition(|&b| b == b'/') {
            Some(i) => (rel.get(..i).unwrap_or_default(), rel.get(i + 1..).unwrap_or_default()),
            None => (&[][..], rel),
        };
        if name.is_empty() || name == b"." || name == b".." {
            return Err(std::io::ErrorKind::InvalidInput.into());
        }
        let dir = self.open_dir(parent)?;
        Ok(rustix::fs::statat(&dir, std::ffi::OsStr::from_bytes(name), AtFlags::SYMLINK_NOFOLLOW)?)
    }

    /// `openat2` below this descriptor without following any link; on kernels without `openat2`, a walk
    /// of the components, each opened below the last with `O_NOFOLLOW` (see [`RootDir`]).
    fn open_at(&self, below: &[u8], flags: rustix::fs::OFlags) -> std::io::Result<std::os::fd::OwnedFd> {
        use rustix::fs::{Mode, ResolveFlags};
        let resolve = ResolveFlags::BENEATH | ResolveFlags::NO_SYMLINKS | ResolveFlags::NO_MAGICLINKS;
        match rustix::fs::openat2(&self.fd, std::ffi::OsStr::from_bytes(below), flags, Mode::empty(), resolve)
        {
            Ok(fd) => Ok(fd),
            Err(rustix::io::Errno::NOSYS) => open_components(&self.fd, below, flags),
            Err(e) => Err(e.into()),
        }
    }
}

/// Opens `below` relative to `dir` one component at a time, each with `O_NOFOLLOW` below the one
/// before: no link is followed anywhere on the way (a link is `ELOOP`, or `ENOTDIR` for a directory
/// component), and `..`, `.` and empty components are refused (`EXDEV`, as `RESOLVE_BENEATH` answers).
fn open_components(
    dir: &std::os::fd::OwnedFd,
    below: &[u8],
    flags: rustix::fs::OFlags,
) -> std::io::Result<std::os::fd::OwnedFd> {
    use rustix::fs::{Mode, OFlags};
    let mut parts = below.split(|&b| b == b'/').peekable();
    let mut held: Option<std::os::fd::OwnedFd> = None;
    while let Some(part) = parts.next() {
        if part.is_empty() || part == b"." || part == b".." {
            return Err(std::io::Error::from_raw_os_error(libc::EXDEV));
        }
        let at = held.as_ref().unwrap_or(dir);
        let name = std::ffi::OsStr::from_bytes(part);
        if parts.peek().is_none() {
            return Ok(rustix::fs::openat(at, name, flags | OFlags::NOFOLLOW, Mode::empty())?);
        }
        let step = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        held = Some(rustix::fs::openat(at, name, step, Mode::empty())?);
    }
    Err(std::io::ErrorKind::InvalidInput.into())
}

/// What a non-regular file type is called in messages.
pub(crate) fn file_type_name(ft: std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if ft.is_file() {
        "regular file"
    } else if ft.is_dir() {
        "directory"
    } else if ft.is_symlink() {
        "symlink"
    } else if ft.is_fifo() {
        "FIFO"
    } else if ft.is_socket() {
        "socket"
    } else if ft.is_block_device() {
        "block device"
    } else {
        "character device"
    }
}

/// A test hook that may fail an open or listing of a relative path with an OS error.
type FailHook<'a> = &'a (dyn Fn(&[u8]) -> Option<std::io::Error> + Sync);
/// A test hook called with a relative path.
type PathHook<'a> = &'a (dyn Fn(&[u8]) + Sync);

/// Seams for tests of what cannot be staged from outside the process as root: a tree changed between
/// the walk and the reads, and an open or listing refused with an OS error.
#[derive(Default, Clone, Copy)]
pub(crate) struct Hooks<'a> {
    /// Runs after the walk, before any file is read.
    pub(crate) after_walk: Option<&'a (dyn Fn() + Sync)>,
    /// The error to fail opening or listing this relative path with, if any.
    pub(crate) fail: Option<FailHook<'a>>,
    /// Runs after a file's content was read, before it is checked unchanged.
    pub(crate) after_read: Option<PathHook<'a>>,
    /// Runs when the content of a directory's regular file is about to be hashed and analysed (not for a
    /// cache hit, nor for bytes a paired ingest found equal on the other side).
    pub(crate) analysed: Option<PathHook<'a>>,
}

impl Hooks<'_> {
    pub(crate) fn failure(&self, rel: &[u8]) -> Option<std::io::Error> {
        self.fail.and_then(|f| f(rel))
    }
}

pub(crate) fn open(
    path: &Path,
    config: &IngestConfig,
    progress: &Progress,
) -> Result<Snapshot, SnapshotError> {
    open_at(path, config, progress, cache::now_ns(), Hooks::default())
}

/// [`open`], with the moment the ingest cache is taken at given (tests move it to make files look old)
/// and test hooks.
pub(crate) fn open_at(
    path: &Path,
    config: &IngestConfig,
    progress: &Progress,
    taken_ns: i64,
    hooks: Hooks<'_>,
) -> Result<Snapshot, SnapshotError> {
    open_known(path, None, config, progress, taken_ns, hooks)
}

/// [`open_at`], and with `beside` (see [`open_beside`]) the files it vouches for taken from it.
fn open_known(
    path: &Path,
    beside: Option<&Snapshot>,
    config: &IngestConfig,
    progress: &Progress,
    taken_ns: i64,
    hooks: Hooks<'_>,
) -> Result<Snapshot, SnapshotError> {
    let meta = std::fs::metadata(path).map_err(|e| SnapshotError::io("open", path, e))?;
    if meta.is_dir() {
        let root = path.to_path_buf();
        let table = config.cache_dir.as_deref().map(|dir| reopen::table_file(dir, &root));
        if let Some(snap) = table.as_deref().and_then(|file| reopen_dir(file, &root, config, progress)) {
            return Ok(snap);
        }
        let mut side = DirSide::walk(root, &meta, table, config, progress, hooks)?;
        if let Some(beside) = beside {
            side.known = known_files(beside);
        }
        ingest_dir_alone(side, config, progress, taken_ns, hooks)
    } else if let Some(format) = archive::detect_format(path) {
        ingest_archive(path, format, config, progress)
    } else {
        Err(SnapshotError::UnsupportedInput { path: path.to_path_buf() })
    }
}

/// Opens the directory `path` as [`open`] does, beside the snapshot `beside` already open (the other
/// version of a comparison): a regular file whose bytes hash to the SHA-256 of `beside`'s file at the
/// same path, where `beside` has no finding, takes that file's analysis with its own mode (hashed once,
/// not classified or scanned again). The result is what [`open`] gives. `beside` must have been
/// opened with the classify and health settings of `config`. An archive is opened as [`open`] does.
pub(crate) fn open_beside(
    path: &Path,
    beside: &Snapshot,
    config: &IngestConfig,
    progress: &Progress,
) -> Result<Snapshot, SnapshotError> {
    open_beside_at(path, beside, config, progress, cache::now_ns(), Hooks::default())
}

/// [`open_beside`] with the cache's moment and test hooks, as [`open_at`].
pub(crate) fn open_beside_at(
    path: &Path,
    beside: &Snapshot,
    config: &IngestConfig,
    progress: &Progress,
    taken_ns: i64,
    hooks: Hooks<'_>,
) -> Result<Snapshot, SnapshotError> {
    open_known(path, Some(beside), config, progress, taken_ns, hooks)
}

/// The regular files of `beside` whose analysis a file with the same bytes at the same path may take:
/// small enough to be read whole, and without a finding.
fn known_files(beside: &Snapshot) -> HashMap<Vec<u8>, FileEntry> {
    let flagged: std::collections::HashSet<&str> =
        beside.health().findings.iter().map(|f| f.path.as_str()).collect();
    beside
        .files()
        .iter()
        .filter(|f| matches!(f.kind, EntryKind::File { .. }) && f.size_bytes <= STREAM_THRESHOLD)
        .filter(|f| !flagged.contains(f.path.display().as_str()))
        .map(|f| (f.path.as_bytes().to_vec(), f.clone()))
        .collect()
}

/// Opens two snapshots that are compared (an update against the version before). Two directories are
/// ingested together: a file at the same path and of the same size on both sides is read on both sides
/// and, when the bytes are equal, hashed and analysed once, the new side taking the old side's analysis
/// (with its own mode). Every byte of both trees is still read and checked, so both snapshots, their
/// ingest caches and reopen tables are exactly what two separate opens give; only the work on the
/// bytes the two versions share is done once. A side that reopens from its table, and archives, are
/// opened on their own.
pub(crate) fn open_pair(
    old: &Path,
    new: &Path,
    config: &IngestConfig,
    progress: &Progress,
) -> Result<(Snapshot, Snapshot), SnapshotError> {
    open_pair_at(old, new, config, progress, cache::now_ns(), Hooks::default())
}

/// [`open_pair`] with the cache's moment and test hooks, as [`open_at`].
pub(crate) fn open_pair_at(
    old: &Path,
    new: &Path,
    config: &IngestConfig,
    progress: &Progress,
    taken_ns: i64,
    hooks: Hooks<'_>,
) -> Result<(Snapshot, Snapshot), SnapshotError> {
    let old_meta = std::fs::metadata(old).map_err(|e| SnapshotError::io("open", old, e))?;
    let new_meta = std::fs::metadata(new).map_err(|e| SnapshotError::io("open", new, e))?;
    if !old_meta.is_dir() || !new_meta.is_dir() {
        return Ok((
            open_at(old, config, progress, taken_ns, hooks)?,
            open_at(new, config, progress, taken_ns, hooks)?,
        ));
    }
    let table = |root: &Path| config.cache_dir.as_deref().map(|dir| reopen::table_file(dir, root));
    let (old_table, new_table) = (table(old), table(new));
    let reopened = |table: &Option<PathBuf>, root: &Path| {
        table.as_deref().and_then(|file| reopen_dir(file, root, config, progress))
    };
    let alone = |root: &Path, meta: &std::fs::Metadata, table: Option<PathBuf>| {
        let side = DirSide::walk(root.to_path_buf(), meta, table, config, progress, hooks)?;
        ingest_dir_alone(side, config, progress, taken_ns, hooks)
    };
    match (reopened(&old_table, old), reopened(&new_table, new)) {
        (Some(o), Some(n)) => return Ok((o, n)),
        (Some(o), None) => return Ok((o, alone(new, &new_meta, new_table)?)),
        (None, Some(n)) => return Ok((alone(old, &old_meta, old_table)?, n)),
        (None, None) => {}
    }
    let (a, b) = rayon::join(
        || DirSide::walk(old.to_path_buf(), &old_meta, old_table, config, progress, hooks),
        || DirSide::walk(new.to_path_buf(), &new_meta, new_table, config, progress, hooks),
    );
    let (a, b) = (a?, b?);
    if let Some(after_walk) = hooks.after_walk {
        after_walk();
    }
    progress.set_phase("hashing", (a.walked.len() + b.walked.len()) as u64);

    // Same path, regular file on both sides, same size when walked, small enough to hold: read both.
    let mut partner: HashMap<&[u8], usize> = HashMap::new();
    for (i, w) in a.walked.iter().enumerate() {
        if let Walked::File { path, stat, .. } = w
            && stat.size() <= STREAM_THRESHOLD
        {
            partner.insert(path.as_slice(), i);
        }
    }
    let mut paired = vec![false; a.walked.len()];
    let mut work: Vec<Work> = Vec::with_capacity(a.walked.len() + b.walked.len());
    for (j, w) in b.walked.iter().enumerate() {
        let i = match w {
            Walked::File { path, stat, .. } => partner.get(path.as_slice()).copied().filter(
                |&i| matches!(a.walked.get(i), Some(Walked::File { stat: s, .. }) if s.size() == stat.size()),
            ),
            _ => None,
        };
        match i {
            Some(i) => {
                paired[i] = true;
                work.push(Work::Two(i, j));
            }
            None => work.push(Work::One(Which::New, j)),
        }
    }
    drop(partner);
    work.extend(paired.iter().enumerate().filter(|(_, p)| !**p).map(|(i, _)| Work::One(Which::Old, i)));
    // Each worker takes the next item when it is free (see `work`: no run of items left to one).
    let done: Vec<Done> = crate::work::map_next(
        &work,
        || (Vec::new(), Vec::new()),
        |(buf_a, buf_b), _, w| match *w {
            Work::One(Which::Old, i) => {
                Done::One(Which::Old, ingest_walked(&a, i, buf_a, config, hooks, progress))
            }
            Work::One(Which::New, j) => {
                Done::One(Which::New, ingest_walked(&b, j, buf_a, config, hooks, progress))
            }
            Work::Two(i, j) => Done::Two(ingest_pair(&a, i, &b, j, buf_a, buf_b, config, hooks, progress)),
        },
    );
    // Each walked entry is in exactly one work item, so each side gets one result per entry (in another
    // order, which nothing depends on: `assemble` sorts). A pair's failure refuses the old side.
    let (mut old_results, mut new_results) =
        (Vec::with_capacity(a.walked.len()), Vec::with_capacity(b.walked.len()));
    for d in done {
        match d {
            Done::One(Which::Old, r) => old_results.push(r),
            Done::One(Which::New, r) => new_results.push(r),
            Done::Two(pair) => match pair {
                Ok((ra, rb)) => {
                    old_results.push(Ok(ra));
                    new_results.push(Ok(rb));
                }
                Err(e) => old_results.push(Err(e)),
            },
        }
    }
    let old_snap = finish_dir(a, old_results, config, progress, taken_ns)?;
    let new_snap = finish_dir(b, new_results, config, progress, taken_ns)?;
    Ok((old_snap, new_snap))
}

/// Which side of a pair.
#[derive(Clone, Copy)]
enum Which {
    Old,
    New,
}

/// One unit of a paired ingest: an entry of one side (index into its walk), or a file at the same path
/// of both sides (old index, new index).
enum Work {
    One(Which, usize),
    Two(usize, usize),
}

/// What a [`Work`] gave. Both variants hold whole analyses (a pair two of them): boxing would only add
/// an allocation per file to a list that is taken apart right after it is collected.
#[allow(clippy::large_enum_variant)]
enum Done {
    One(Which, Result<Hashed, SnapshotError>),
    Two(Result<(Hashed, Hashed), SnapshotError>),
}

/// The snapshot of directory `root` from its reopen table, when the table is there, intact, of this
/// code and settings, and every entry it records is unchanged; `None` sends the caller down the full
/// path. The `.git` check runs again (it reads only files the table vouches for).
fn reopen_dir(file: &Path, root: &Path, config: &IngestConfig, progress: &Progress) -> Option<Snapshot> {
    progress.set_phase("checking for changes", 0);
    let bytes = std::fs::read(file).ok()?;
    let table = reopen::Table::parse(&bytes, config, root)?;
    if !table.unchanged(root) {
        return None;
    }
    // Each file's recorded stat vouches for its bytes on a read under the same `fstat`, as in the
    // process that hashed them (see `content`).
    let root_buf = root.to_path_buf();
    let source =
        Source::Directory(crate::content::InPlace::new(root_buf).vouching(table.stats(), table.taken_ns()));
    let reopen::Parts { rows, ids, health, content_key } = table.parts()?;
    let files = Files::encoded(bytes.into_boxed_slice(), rows);
    let cached_files = files.regular_files() as u64;
    let git = gitrepo::inspect(root, &ids);
    let root = root.to_path_buf();
    Some(Snapshot {
        origin: Origin::Directory { path: root.clone() },
        source,
        files,
        ids,
        health,
        git,
        cached_files,
        content_key,
        reopened: true,
    })
}

/// One thing found by the walk.
enum Walked {
    /// A regular file, with what `lstat` said during the walk (for the ingest cache).
    File {
        path: Vec<u8>,
        stat: StatKey,
        executable: bool,
    },
    Symlink {
        path: Vec<u8>,
        target: Vec<u8>,
        stat: StatKey,
    },
    Special {
        path: Vec<u8>,
        kind: &'static str,
        stat: StatKey,
    },
}

impl Walked {
    fn seen(&self) -> Seen {
        match self {
            Walked::File { path, stat, .. }
            | Walked::Symlink { path, stat, .. }
            | Walked::Special { path, stat, .. } => Seen { path: path.clone(), stat: *stat },
        }
    }
}

/// Lists the tree without following links; also returns every directory below the root with the
/// `lstat` taken before it was listed (for the reopen table). A directory that cannot be listed, or an
/// entry that cannot be examined, refuses the snapshot; so does one past `limits` (entries, bytes, bytes
/// per file, a sparse file: [`archive::dir_file_refusal`]), before any file is read.
fn walk(
    root: &Path,
    limits: &ArchiveLimits,
    progress: &Progress,
    hooks: Hooks<'_>,
) -> Result<(Vec<Walked>, Vec<Seen>), SnapshotError> {
    let mut entries_seen: u64 = 0;
    let mut total_bytes: u64 = 0;
    let mut out = Vec::new();
    let mut dirs = Vec::new();
    let mut stack: Vec<Vec<u8>> = vec![Vec::new()];
    let unreadable = |op, path: PathBuf, source| SnapshotError::Unreadable { op, path, source };
    while let Some(rel) = stack.pop() {
        if progress.is_cancelled() {
            return Err(SnapshotError::Cancelled);
        }
        let dir =
            if rel.is_empty() { root.to_path_buf() } else { root.join(std::ffi::OsStr::from_bytes(&rel)) };
        if let Some(e) = hooks.failure(&rel) {
            return Err(unreadable("list the directory", dir, e));
        }
        let entries =
            std::fs::read_dir(&dir).map_err(|e| unreadable("list the directory", dir.clone(), e))?;
        for entry in entries {
            let entry = entry.map_err(|e| unreadable("list the directory", dir.clone(), e))?;
            let mut child = rel.clone();
            if !child.is_empty() {
                child.push(b'/');
            }
            child.extend_from_slice(entry.file_name().as_bytes());
            // `lstat` relative to the listed directory's descriptor (no path walk from the root).
            let meta = entry.metadata().map_err(|e| unreadable("examine", entry.path(), e))?;
            let ft = meta.file_type();
            entries_seen += 1;
            if entries_seen > limits.max_entries {
                return Err(SnapshotError::OverLimit {
                    path: entry.path(),
                    reason: format!(
                        "the directory holds more than {} entries (`--archive-max-entries`)",
                        limits.max_entries
                    ),
                });
            }
            if ft.is_file() {
                let allocated = meta.blocks().saturating_mul(512);
                if let Some(reason) = archive::dir_file_refusal(limits, meta.len(), allocated, total_bytes) {
                    return Err(SnapshotError::OverLimit { path: entry.path(), reason });
                }
                total_bytes = total_bytes.saturating_add(meta.len());
            }
            if ft.is_dir() {
                dirs.push(Seen { path: child.clone(), stat: StatKey::of(&meta) });
                stack.push(child);
            } else if ft.is_file() {
                out.push(Walked::File {
                    path: child,
                    stat: StatKey::of(&meta),
                    executable: meta.mode() & 0o100 != 0,
                });
            } else if ft.is_symlink() {
                let target = std::fs::read_link(entry.path())
                    .map_err(|e| unreadable("read the link", entry.path(), e))?;
                out.push(Walked::Symlink {
                    path: child,
                    target: target.as_os_str().as_bytes().to_vec(),
                    stat: StatKey::of(&meta),
                });
            } else {
                out.push(Walked::Special { path: child, kind: file_type_name(ft), stat: StatKey::of(&meta) });
            }
        }
    }
    Ok((out, dirs))
}

/// An analysed file and its own findings.
#[derive(Clone)]
pub(crate) struct Analysed {
    pub(crate) entry: FileEntry,
    pub(crate) findings: Vec<Finding>,
    pub(crate) counts: Vec<(FindingKind, u64)>,
    /// The file's quoted includes of names that are not C or C++ sources ([`crate::includes`]),
    /// resolved against the whole snapshot when it is assembled.
    pub(crate) includes: Vec<crate::includes::Include>,
    /// What [`crate::buildcharset`] needs of the file: a build file's declared input charsets, a C or
    /// C++ source's lines that UTF-7 reads otherwise (both rare: nearly always empty).
    pub(crate) charsets: Vec<crate::buildcharset::Fact>,
    /// The macro guarding the whole file, for a C or C++ file that has one
    /// ([`crate::includes::include_guard`]).
    pub(crate) guard: Option<Vec<u8>>,
}

/// A walked entry's outcome: `None` for a special file (only a finding), else the `fstat` it was read
/// under (`None` for a symlink) and its analysis.
type Hashed = Option<(Option<StatKey>, Analysed)>;

/// A directory being ingested: its root and the root's own stat (taken before it was listed), where
/// its reopen table and ingest cache go, the cache as loaded, what the walk found, and counters the
/// workers update.
struct DirSide {
    root: PathBuf,
    /// The root held open: its files are opened relative to it.
    dir: RootDir,
    root_stat: StatKey,
    table: Option<PathBuf>,
    cache_file: Option<PathBuf>,
    cached: HashMap<Vec<u8>, cache::Cached>,
    walked: Vec<Walked>,
    dirs: Vec<Seen>,
    hits: AtomicU64,
    /// A file's stat changed between the walk and its read: no reopen table may vouch for the walk.
    moved: AtomicBool,
    /// Analyses of another snapshot's regular files (an open beside it, see [`open_beside`]) by path:
    /// a file here with the same SHA-256 takes that analysis instead of being analysed again.
    known: HashMap<Vec<u8>, FileEntry>,
}

impl DirSide {
    /// Loads the directory's ingest cache (if any) and walks it.
    fn walk(
        root: PathBuf,
        meta: &std::fs::Metadata,
        table: Option<PathBuf>,
        config: &IngestConfig,
        progress: &Progress,
        hooks: Hooks<'_>,
    ) -> Result<DirSide, SnapshotError> {
        let cache_file = config.cache_dir.as_deref().map(|dir| cache::dir_cache_file(dir, &root));
        let cached = match &cache_file {
            Some(file) => {
                progress.set_phase("reading the ingest cache", 0);
                cache::by_path(cache::load(file, config).unwrap_or_default())
            }
            None => Default::default(),
        };
        progress.set_phase("listing files", 0);
        let dir = RootDir::open(&root).map_err(|e| SnapshotError::Unreadable {
            op: "open",
            path: root.clone(),
            source: e,
        })?;
        let (walked, dirs) = walk(&root, &config.archive, progress, hooks)?;
        Ok(DirSide {
            root,
            dir,
            root_stat: StatKey::of(meta),
            table,
            cache_file,
            cached,
            walked,
            dirs,
            hits: AtomicU64::new(0),
            moved: AtomicBool::new(false),
            known: HashMap::new(),
        })
    }

    /// The cached analysis of `path`, when the cache holds it under this very stat and mode (same
    /// inode, size and times to the nanosecond, as git's index decides).
    fn hit(&self, path: &[u8], stat: &StatKey, executable: bool) -> Option<Analysed> {
        let hit = self
            .cached
            .get(path)
            .filter(|c| c.stat == Some(*stat) && c.analysed.entry.kind == EntryKind::File { executable })?;
        self.hits.fetch_add(1, Ordering::Relaxed);
        Some(hit.analysed.clone())
    }

    /// Notes the stat a file was read under, against the walk's.
    fn read_under(&self, walked: &StatKey, read: StatKey) -> StatKey {
        if read != *walked {
            self.moved.store(true, Ordering::Relaxed);
        }
        read
    }
}

/// Reads, hashes and analyses every entry of one directory on its own.
fn ingest_dir_alone(
    side: DirSide,
    config: &IngestConfig,
    progress: &Progress,
    taken_ns: i64,
    hooks: Hooks<'_>,
) -> Result<Snapshot, SnapshotError> {
    if let Some(after_walk) = hooks.after_walk {
        after_walk();
    }
    progress.set_phase("hashing", side.walked.len() as u64);
    let results = crate::work::map_next(&side.walked, Vec::new, |buf, i, _| {
        ingest_walked(&side, i, buf, config, hooks, progress)
    });
    finish_dir(side, results, config, progress, taken_ns)
}

/// Reads, hashes and analyses the walked entry `i` of `side`: a regular file unchanged since it was
/// cached is not even opened; otherwise it is read, checked on the descriptor.
fn ingest_walked(
    side: &DirSide,
    i: usize,
    buf: &mut Vec<u8>,
    config: &IngestConfig,
    hooks: Hooks<'_>,
    progress: &Progress,
) -> Result<Hashed, SnapshotError> {
    if progress.is_cancelled() {
        return Err(SnapshotError::Cancelled);
    }
    let (stat, a) = match side.walked.get(i) {
        Some(Walked::File { path, stat, executable }) => match side.hit(path, stat, *executable) {
            Some(a) => (Some(*stat), a),
            None => {
                let hit = |s: &StatKey, x: bool| side.hit(path, s, x);
                let (read, a) = match side.known.get(path.as_slice()) {
                    Some(known) => read_checked(&side.dir, path, hooks, hit, |executable, size, file| {
                        if size != known.size_bytes {
                            let path = RelPath::from_bytes(path.clone());
                            return analyse_reader(path, executable, size, file, buf, config, hooks);
                        }
                        read_whole(file, size, buf)?;
                        Ok(analyse_or_reuse(path, executable, buf, known, config, hooks))
                    })?,
                    None => read_dir_file(&side.dir, path, buf, config, hooks, hit)?,
                };
                (Some(side.read_under(stat, read)), a)
            }
        },
        Some(Walked::Symlink { path, target, .. }) => {
            (None, analyse_symlink(RelPath::from_bytes(path.clone()), target.clone()))
        }
        Some(Walked::Special { .. }) | None => return Ok(None),
    };
    progress.advance(1, a.entry.size_bytes);
    Ok(Some((stat, a)))
}

/// The analysis of a file's `bytes`: `known`'s (another snapshot's file at the same path, without
/// findings, analysed under the same settings) with this file's mode when the bytes hash to its SHA-256,
/// since everything else it states is a function of the path and the bytes; else a fresh analysis.
fn analyse_or_reuse(
    path: &[u8],
    executable: bool,
    bytes: &[u8],
    known: &FileEntry,
    config: &IngestConfig,
    hooks: Hooks<'_>,
) -> Analysed {
    if Sha256::digest(bytes).as_slice() == known.sha256.as_bytes() {
        let entry = FileEntry { kind: EntryKind::File { executable }, ..known.clone() };
        // The includes are a function of the bytes too, and cheap to read again.
        let (includes, charsets) = if known.class == ContentClass::Binary {
            (Vec::new(), Vec::new())
        } else {
            let text = known.encoding.map(|enc| text::decode(bytes, enc));
            let text = text.as_deref().map_or(bytes, str::as_bytes);
            (includes::includes_for(path, bytes), crate::buildcharset::facts(path, text))
        };
        let guard = if known.class == ContentClass::Binary { None } else { includes::guard_of(path, bytes) };
        return Analysed { entry, findings: Vec::new(), counts: Vec::new(), includes, charsets, guard };
    }
    if let Some(analysed) = hooks.analysed {
        analysed(path);
    }
    analyse_file(RelPath::from_bytes(path.to_vec()), executable, bytes, config)
}

/// What a paired read got: an analysis already (from the cache, or a file above the stream threshold
/// analysed as it streamed), or the file's bytes in the caller's buffer.
pub(crate) enum Got {
    Done(Box<Analysed>),
    Bytes { executable: bool },
}

/// Reads the file at the same path of both sides (`a.walked[i]`, `b.walked[j]`, regular files of the
/// same size when walked), each checked as [`read_dir_file`] checks it. When both bytes are equal the
/// file is analysed once and the new side takes that analysis with its own mode; otherwise each side is
/// analysed on its own. A side the cache vouches for is not read.
#[allow(clippy::too_many_arguments)]
fn ingest_pair(
    a: &DirSide,
    i: usize,
    b: &DirSide,
    j: usize,
    buf_a: &mut Vec<u8>,
    buf_b: &mut Vec<u8>,
    config: &IngestConfig,
    hooks: Hooks<'_>,
    progress: &Progress,
) -> Result<(Hashed, Hashed), SnapshotError> {
    let (Some(Walked::File { path, stat: walked_a, .. }), Some(Walked::File { stat: walked_b, .. })) =
        (a.walked.get(i), b.walked.get(j))
    else {
        return Ok((
            ingest_walked(a, i, buf_a, config, hooks, progress)?,
            ingest_walked(b, j, buf_a, config, hooks, progress)?,
        ));
    };
    if progress.is_cancelled() {
        return Err(SnapshotError::Cancelled);
    }
    let read = |side: &DirSide, walked: &StatKey, buf: &mut Vec<u8>| {
        let cached = |s: &StatKey, x: bool| side.hit(path, s, x).map(|a| Got::Done(Box::new(a)));
        let (stat, got) = read_checked(&side.dir, path, hooks, cached, |executable, size, file| {
            if size > STREAM_THRESHOLD {
                let path = RelPath::from_bytes(path.clone());
                return analyse_reader(path, executable, size, file, buf, config, hooks)
                    .map(|a| Got::Done(Box::new(a)));
            }
            read_whole(file, size, buf).map(|()| Got::Bytes { executable })
        })?;
        Ok::<_, SnapshotError>((side.read_under(walked, stat), got))
    };
    let analyse = |executable: bool, bytes: &[u8]| {
        if let Some(analysed) = hooks.analysed {
            analysed(path);
        }
        analyse_file(RelPath::from_bytes(path.clone()), executable, bytes, config)
    };
    let (stat_a, got_a) = read(a, walked_a, buf_a)?;
    let (stat_b, got_b) = read(b, walked_b, buf_b)?;
    let (analysed_a, bytes_a) = match got_a {
        Got::Done(x) => (*x, None),
        Got::Bytes { executable } => (analyse(executable, &buf_a[..]), Some(&buf_a[..])),
    };
    let analysed_b = match got_b {
        Got::Done(x) => *x,
        Got::Bytes { executable } if bytes_a == Some(&buf_b[..]) => {
            let mut shared = analysed_a.clone();
            shared.entry.kind = EntryKind::File { executable };
            shared
        }
        Got::Bytes { executable } => analyse(executable, &buf_b[..]),
    };
    progress.advance(1, analysed_a.entry.size_bytes);
    progress.advance(1, analysed_b.entry.size_bytes);
    Ok((Some((Some(stat_a), analysed_a)), Some((Some(stat_b), analysed_b))))
}

/// Stores the ingest cache of a directory's results and assembles its snapshot, with the reopen table
/// when every file was hashed under the stat the walk saw.
fn finish_dir(
    side: DirSide,
    results: Vec<Result<Hashed, SnapshotError>>,
    config: &IngestConfig,
    progress: &Progress,
    taken_ns: i64,
) -> Result<Snapshot, SnapshotError> {
    if progress.is_cancelled() {
        return Err(SnapshotError::Cancelled);
    }
    let DirSide { root, dir, root_stat, table, cache_file, cached, walked, dirs, hits, moved, known } = side;
    drop((cached, known));
    let mut done = Vec::with_capacity(results.len());
    for r in results {
        if let Some(x) = r? {
            done.push(x);
        }
    }
    if let Some(file) = &cache_file {
        // A failure to write is harmless: the cache is never required.
        let _ = cache::store(file, config, taken_ns, done.iter().map(|(stat, a)| (*stat, a)));
    }
    let mut extra = Vec::new();
    for w in &walked {
        if let Walked::Special { path, kind, .. } = w {
            extra.push(Finding::file_level(
                &crate::path::display_bytes(path),
                FindingKind::SpecialFile,
                format!("{kind}: not read, not part of the tree ids (git skips it too)"),
            ));
        }
    }
    // Each file's mode as `fstat` gave it when the file was read (or its cached analysis was taken).
    // Directories are left out: their setgid bit is mostly inherited from the host's directory, and
    // nothing is extracted from them.
    for (stat, a) in &done {
        if let (Some(stat), EntryKind::File { .. }) = (stat, &a.entry.kind) {
            extra.extend(crate::health::special_mode_finding(&a.entry.path.display(), stat.mode(), false));
        }
    }
    let hashed = done.iter().filter_map(|(stat, a)| match (stat, &a.entry.kind) {
        (Some(stat), EntryKind::File { .. }) => Some((a.entry.path.as_bytes(), *stat)),
        _ => None,
    });
    let source = Source::Directory(crate::content::InPlace::holding(root.clone(), dir, hashed, taken_ns));
    let mut snap = assemble(
        Origin::Directory { path: root.clone() },
        source,
        done.into_iter().map(|(_, a)| a).collect(),
        extra,
        Kept::default(),
        config,
    );
    snap.cached_files = hits.into_inner();
    if let Some(file) = &table {
        // What the reopen table records: each entry as the walk saw it, valid only if every file was
        // hashed under that same stat (a file changed between the walk and its read is not vouched
        // for), and the root's own stat, taken before it was listed (a name added later changes its
        // times). Never required: a table that cannot be written (or must not be: racy) is simply absent.
        let seen = (!moved.into_inner()).then(|| {
            let mut seen: Vec<Seen> = walked.iter().map(Walked::seen).chain(dirs).collect();
            seen.push(Seen { path: Vec::new(), stat: root_stat });
            seen
        });
        match seen.and_then(|seen| reopen::encode(config, &root, taken_ns, &seen, &snap)) {
            Some(bytes) => {
                let _ = reopen::store(file, &bytes);
            }
            None => {
                let _ = std::fs::remove_file(file);
            }
        }
    }
    Ok(snap)
}

/// Why reading a file's content failed.
pub(crate) enum ReadFailure {
    Io(std::io::Error),
    /// Fewer or more bytes than `fstat` said: the file changed while it was read.
    Size {
        got: u64,
    },
    /// Refused before it was read, by a limit ([`archive::dir_file_refusal`]): why.
    Refused(String),
}

/// Reads and analyses one regular file of a directory, as [`read_checked`] reads it. `cached` may supply
/// the analysis for an unchanged `fstat`.
pub(crate) fn read_dir_file(
    root: &RootDir,
    rel: &[u8],
    buf: &mut Vec<u8>,
    config: &IngestConfig,
    hooks: Hooks<'_>,
    cached: impl Fn(&StatKey, bool) -> Option<Analysed>,
) -> Result<(StatKey, Analysed), SnapshotError> {
    read_checked(root, rel, hooks, cached, |executable, size, file| {
        // The walk checked the limits on its `lstat`; the file read may be another one since (or the
        // walk stated nothing: `changed`), so the per-file and sparse limits are checked on its `fstat`.
        let allocated = file.metadata().map_err(ReadFailure::Io)?.blocks().saturating_mul(512);
        if let Some(reason) = archive::dir_file_refusal(&config.archive, size, allocated, 0) {
            return Err(ReadFailure::Refused(reason));
        }
        analyse_reader(RelPath::from_bytes(rel.to_vec()), executable, size, file, buf, config, hooks)
    })
}

/// Reads one regular file of a directory through `consume` (given the mode bit, the size `fstat` said
/// and the open file): opened without following a link or blocking, checked to be a regular file on
/// the descriptor, read, and checked unchanged after the read (size, inode, modification and change
/// times); read again when it changed, refused when it keeps changing. `cached` may supply the result
/// for an unchanged `fstat` instead.
pub(crate) fn read_checked<T>(
    root: &RootDir,
    rel: &[u8],
    hooks: Hooks<'_>,
    cached: impl Fn(&StatKey, bool) -> Option<T>,
    mut consume: impl FnMut(bool, u64, &mut File) -> Result<T, ReadFailure>,
) -> Result<(StatKey, T), SnapshotError> {
    let disk = root.path().join(std::ffi::OsStr::from_bytes(rel));
    let changed = |detail: String| SnapshotError::ChangedWhileRead { path: disk.clone(), detail };
    let mut last = String::new();
    for _ in 0..READ_ATTEMPTS {
        let opened = match hooks.failure(rel) {
            Some(e) => Err(e),
            None => root.open_file(rel),
        };
        let mut file = match opened {
            Ok(f) => f,
            Err(e) => {
                // Say what the path is now, if it is no longer a regular file.
                if e.raw_os_error() == Some(libc::ELOOP) || e.raw_os_error() == Some(libc::EXDEV) {
                    return Err(changed("a symlink appeared on its path after it was listed".into()));
                }
                return Err(match std::fs::symlink_metadata(&disk) {
                    Err(gone) if gone.kind() == std::io::ErrorKind::NotFound => {
                        changed("removed after it was listed".into())
                    }
                    Ok(m) if !m.is_file() => changed(format!(
                        "replaced by a {} after it was listed",
                        file_type_name(m.file_type())
                    )),
                    _ => SnapshotError::Unreadable { op: "open", path: disk.clone(), source: e },
                });
            }
        };
        let before = file.metadata().map_err(|e| SnapshotError::Unreadable {
            op: "fstat",
            path: disk.clone(),
            source: e,
        })?;
        if !before.is_file() {
            return Err(changed(format!(
                "replaced by a {} after it was listed",
                file_type_name(before.file_type())
            )));
        }
        let stat = StatKey::of(&before);
        let executable = before.mode() & 0o100 != 0;
        if let Some(a) = cached(&stat, executable) {
            return Ok((stat, a));
        }
        let result = consume(executable, before.len(), &mut file);
        if let Some(after_read) = hooks.after_read {
            after_read(rel);
        }
        let after = file.metadata().map_err(|e| SnapshotError::Unreadable {
            op: "fstat",
            path: disk.clone(),
            source: e,
        })?;
        match result {
            Err(ReadFailure::Io(e)) => {
                return Err(SnapshotError::Unreadable { op: "read", path: disk.clone(), source: e });
            }
            Err(ReadFailure::Size { got }) => {
                last = format!("{got} bytes read where fstat said {}", before.len());
            }
            Err(ReadFailure::Refused(reason)) => return Err(SnapshotError::OverLimit { path: disk, reason }),
            Ok(a) if StatKey::of(&after) == stat => return Ok((stat, a)),
            Ok(_) => last = "size or times differ after the read".into(),
        }
    }
    Err(changed(format!("{last}, {READ_ATTEMPTS} times")))
}

/// Reads exactly `size` bytes of `file` into `buf`, straight into its spare capacity (`buf` is reused
/// between files, so no fresh pages are faulted in and nothing is zeroed per file), in one `read` call
/// for a file of a directory. No further read looks for bytes past `size`: the `fstat` after the read
/// ([`read_checked`]) sees a file that grew (its size and times differ).
pub(crate) fn read_whole(file: &File, size: u64, buf: &mut Vec<u8>) -> Result<(), ReadFailure> {
    buf.clear();
    let want = usize::try_from(size).map_err(|_| ReadFailure::Size { got: 0 })?;
    buf.reserve(want);
    while buf.len() < want {
        match rustix::io::read(file, rustix::buffer::spare_capacity(buf)) {
            Ok(0) => break,
            Ok(_) => {}
            Err(rustix::io::Errno::INTR) => {}
            Err(e) => return Err(ReadFailure::Io(e.into())),
        }
    }
    if buf.len() as u64 != size {
        return Err(ReadFailure::Size { got: buf.len() as u64 });
    }
    Ok(())
}
/// Reads exactly `size` bytes from `reader` and analyses them: whole when at most [`STREAM_THRESHOLD`],
/// else streamed through the hashers.
pub(crate) fn analyse_reader(
    path: RelPath,
    executable: bool,
    size: u64,
    reader: &mut File,
    buf: &mut Vec<u8>,
    config: &IngestConfig,
    hooks: Hooks<'_>,
) -> Result<Analysed, ReadFailure> {
    if let Some(analysed) = hooks.analysed {
        analysed(path.as_bytes());
    }
    if size > STREAM_THRESHOLD {
        let (hashes, binary) = stream_hash(reader, size, &mut |_| Ok(()))?;
        return Ok(analyse_large(path, executable, size, hashes, binary));
    }
    read_whole(reader, size, buf)?;
    Ok(analyse_file(path, executable, buf, config))
}

/// A file above [`STREAM_THRESHOLD`]: its hashes, and whether it holds a NUL byte (binary) or is a text
/// too large to scan.
fn analyse_large(path: RelPath, executable: bool, size: u64, hashes: Hashes, binary: bool) -> Analysed {
    let Hashes { sha256, blob_sha256, blob_sha1 } = hashes;
    let shown = path.display();
    let (class, kind, detail) = if binary {
        (ContentClass::Binary, FindingKind::Binary, format!("binary file of {size} bytes, not indexed"))
    } else {
        (
            ContentClass::TooLarge,
            FindingKind::TooLarge,
            format!("text file of {size} bytes: too large to index or scan for hidden characters"),
        )
    };
    let entry = FileEntry {
        in_tree: !gitid::git_refuses_path(path.as_bytes()),
        path,
        kind: EntryKind::File { executable },
        size_bytes: size,
        sha256,
        blob_sha256,
        blob_sha1,
        class,
        encoding: None,
        lines: 0,
    };
    Analysed {
        entry,
        findings: vec![Finding::file_level(&shown, kind, detail)],
        counts: vec![(kind, 1)],
        includes: Vec::new(),
        charsets: Vec::new(),
        guard: None,
    }
}

/// Hashes exactly `size` bytes of `reader` in chunks, handing each chunk to `also` (the blob store);
/// also says whether the content holds a NUL byte (binary).
fn stream_hash(
    reader: &mut dyn Read,
    size: u64,
    also: &mut dyn FnMut(&[u8]) -> Result<(), ReadFailure>,
) -> Result<(Hashes, bool), ReadFailure> {
    let mut hasher = BlobHasher::new(size);
    let mut chunk = vec![0u8; 1 << 20];
    let mut seen = 0u64;
    let mut binary = false;
    let mut limited = reader.take(size + 1);
    loop {
        let n = match limited.read(&mut chunk) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(ReadFailure::Io(e)),
        };
        if n == 0 {
            break;
        }
        let part = chunk.get(..n).unwrap_or_default();
        binary |= memchr::memchr(0, part).is_some();
        hasher.update(part);
        also(part)?;
        seen += n as u64;
    }
    if seen != size {
        return Err(ReadFailure::Size { got: seen });
    }
    Ok((hasher.finish(), binary))
}

/// The other computed includes of a file, for its one `unresolved-include` finding: `; so are the
/// includes at lines 12, 40 and 3 more` (eight lines at most), `; so is the include at line 12`, or
/// nothing.
fn more_lines(others: &[(u32, Vec<u8>)]) -> String {
    if others.is_empty() {
        return String::new();
    }
    let shown: Vec<String> = others.iter().take(8).map(|(line, _)| line.to_string()).collect();
    let rest = others.len() - shown.len();
    let tail = if rest == 0 { String::new() } else { format!(" and {rest} more") };
    if others.len() == 1 {
        return format!("; so is the include at line {}", shown.join(", "));
    }
    format!("; so are the includes at lines {}{tail}", shown.join(", "))
}

/// Hashes, classifies and scans one regular file's full content.
/// A Go file's cgo preambles ([`crate::cgo`]): a finding for each (the reviewer is told the comment is C
/// code that is compiled), and C's checks over their C text (lexical disguises, identifiers), at the Go
/// file's lines and columns.
fn embedded_c(text: &[u8], ff: &mut FileFindings<'_>) {
    let found = crate::cgo::preambles(text);
    if found.is_empty() {
        return;
    }
    for p in &found {
        ff.push(Some(u64::from(p.first_line)), Some(1), FindingKind::EmbeddedCode, || {
            format!(
                "lines {}-{} are C: the comment right above `import \"C\"` (line {}) is the cgo preamble, which `go build` compiles with the C compiler and links; `C.name` in Go calls its functions. Vitrine reads it as C (definitions, calls, in:code, C's checks)",
                p.first_line, p.last_line, p.import_line
            )
        });
    }
    let view = crate::cgo::c_view_of(text, &found);
    // The view is ASCII blanks where it is not the file's own text, so it is UTF-8 where the file is.
    if let Ok(view) = std::str::from_utf8(&view) {
        health::scan_embedded_c(view, ff);
    }
}

pub(crate) fn analyse_file(path: RelPath, executable: bool, bytes: &[u8], config: &IngestConfig) -> Analysed {
    let mut h = BlobHasher::new(bytes.len() as u64);
    h.update(bytes);
    let Hashes { sha256, blob_sha256, blob_sha1 } = h.finish();
    let c = classify::classify(&path, bytes, &config.classify);
    let shown = path.display();
    let mut ff = FileFindings::new(&shown, &config.health);
    let mut line_count = 0;
    if let Some(detail) = crate::encoded::stray_utf16_bom(bytes, c.encoding) {
        ff.push(Some(1), Some(1), FindingKind::EncodingDisguise, || detail);
    }
    let mut includes = Vec::new();
    let mut charsets = Vec::new();
    let mut guard = None;
    match (c.class, c.encoding) {
        (ContentClass::Binary, _) => {
            ff.push(None, None, FindingKind::Binary, || {
                format!("binary file of {} bytes, not indexed", bytes.len())
            });
        }
        (class, Some(enc)) => {
            if !enc.is_utf8() {
                ff.push(None, None, FindingKind::NonUtf8, || format!("text in {}", enc.name()));
            }
            if class == ContentClass::TooLarge {
                ff.push(None, None, FindingKind::TooLarge, || {
                    format!("text file of {} bytes: listed and scanned, but not indexed", bytes.len())
                });
            }
            if class == ContentClass::Generated {
                ff.push(None, None, FindingKind::Generated, || {
                    "generated or minified (by its header, name or line lengths): indexed and searched like any file".into()
                });
            }
            // A Python file decoded by its coding declaration is decoded by CPython too, before it reads
            // a byte: no backslash hides in its characters.
            if let TextEncoding::Legacy(legacy) = enc
                && crate::pycookie::declared_encoding(&shown, bytes).is_none()
            {
                crate::encoded::hidden_ascii_bytes(bytes, legacy, &mut ff);
            }
            crate::pycookie::scan(&shown, bytes, &mut ff);
            let decoded = text::decode(bytes, enc);
            line_count = lines::count_lines(decoded.as_bytes());
            health::scan_text(&decoded, &mut ff);
            let unresolved;
            (includes, unresolved) =
                includes::includes_and_unresolved_for(path.as_bytes(), decoded.as_bytes());
            charsets = crate::buildcharset::facts(path.as_bytes(), decoded.as_bytes());
            guard = includes::guard_of(path.as_bytes(), decoded.as_bytes());
            // One finding per file, at its first such include, naming the others' lines (a
            // preprocessor library iterates through `#include BOOST_PP_ITERATE()` hundreds of times).
            if let Some((line, operand)) = unresolved.first() {
                ff.push(Some(u64::from(*line)), Some(1), FindingKind::UnresolvedInclude, || {
                    format!(
                        "`#include {}` names no file Vitrine can find: its operand is neither \"…\" nor <…> once this file's macros are expanded (a macro of another file, or an -D flag, makes the name), so the file the compiler opens here is not followed, and any code it brings is read by no one here{}",
                        String::from_utf8_lossy(operand),
                        more_lines(unresolved.get(1..).unwrap_or_default())
                    )
                });
            }
            // An exec/eval of a file's text whose name is computed: one finding, at the first, naming
            // the others' lines.
            let computed = includes::computed_exec_loads(path.as_bytes(), decoded.as_bytes());
            if let Some((line, call)) = computed.first() {
                ff.push(Some(u64::from(*line)), Some(1), FindingKind::UnresolvedInclude, || {
                    format!(
                        "`{}` runs the text of a file as code, but the file's name is computed at run time: the file it runs is not followed, and any code it brings is read by no one here{}",
                        String::from_utf8_lossy(call),
                        more_lines(computed.get(1..).unwrap_or_default()).replace("include", "load")
                    )
                });
            }
            if crate::cgo::is_go(path.as_bytes()) {
                embedded_c(decoded.as_bytes(), &mut ff);
            }
        }
        (_, None) => {}
    }
    let (findings, counts) = ff.finish();
    let entry = FileEntry {
        in_tree: !gitid::git_refuses_path(path.as_bytes()),
        path,
        kind: EntryKind::File { executable },
        size_bytes: bytes.len() as u64,
        sha256,
        blob_sha256,
        blob_sha1,
        class: c.class,
        encoding: c.encoding,
        lines: line_count,
    };
    Analysed { entry, findings, counts: counts.into_iter().collect(), includes, charsets, guard }
}

pub(crate) fn analyse_symlink(path: RelPath, target: Vec<u8>) -> Analysed {
    let (blob_sha256, blob_sha1) = gitid::blob_ids(&target);
    let sha256 = Sha256Id::from_bytes(Sha256::digest(&target).into());
    let shown = path.display();
    let (kind, where_to) = match crate::path::link_target(path.as_bytes(), &target) {
        crate::path::LinkTarget::Inside => (FindingKind::Symlink, "inside the snapshot"),
        crate::path::LinkTarget::Escapes => (FindingKind::SymlinkEscapes, "climbs out of the snapshot root"),
        crate::path::LinkTarget::Absolute => {
            (FindingKind::SymlinkAbsolute, "an absolute path, outside the snapshot")
        }
    };
    let detail = format!(
        "symlink to `{}` ({where_to}); recorded as a link, never followed",
        crate::path::display_bytes(&target)
    );
    let entry = FileEntry {
        in_tree: !gitid::git_refuses_entry(path.as_bytes(), true),
        path,
        size_bytes: target.len() as u64,
        kind: EntryKind::Symlink { target },
        sha256,
        blob_sha256,
        blob_sha1,
        class: ContentClass::Symlink,
        encoding: None,
        lines: 0,
    };
    Analysed {
        entry,
        findings: vec![Finding::file_level(&shown, kind, detail)],
        counts: vec![(kind, 1)],
        includes: Vec::new(),
        charsets: Vec::new(),
        guard: None,
    }
}

/// The format family a snapshot was read as: what, besides the manifest, its content key covers.
pub(crate) fn format_family(origin: &Origin) -> &'static str {
    match origin {
        Origin::Directory { .. } => "dir",
        Origin::Archive { format: archive::ArchiveFormat::Zip, .. } => "zip",
        Origin::Archive { .. } => "tar",
        Origin::Store { family, .. } => family,
    }
}

fn ingest_archive(
    path: &Path,
    format: archive::ArchiveFormat,
    config: &IngestConfig,
    progress: &Progress,
) -> Result<Snapshot, SnapshotError> {
    let archive_sha256 = sha256_file(path)?;
    let origin = Origin::Archive { path: path.to_path_buf(), format, sha256: archive_sha256 };
    let store = config.blob_dir.as_ref().map(BlobStore::at);
    let source = || match &store {
        Some(s) => Source::Blobs(s.clone()),
        None => Source::Digested,
    };
    // The content is a function of the archive's bytes and of the format it is read as (a polyglot file
    // is two snapshots).
    let cache_file = config
        .cache_dir
        .as_deref()
        .map(|dir| cache::archive_cache_file(dir, format_family(&origin), &archive_sha256));
    if let Some(file) = &cache_file
        && let Some(entries) = cache::load(file, config)
    {
        let analysed: Vec<Analysed> = entries.into_iter().map(|c| c.analysed).collect();
        // Reuse it as long as every blob the files are read from is still there (or none is wanted).
        let complete = store.as_ref().is_none_or(|s| {
            analysed.iter().all(|a| {
                !matches!(a.entry.kind, EntryKind::File { .. })
                    || s.contains(&a.entry.sha256, a.entry.size_bytes)
            })
        });
        if complete {
            let cached = analysed.len() as u64;
            let mut snap = assemble(origin, source(), analysed, Vec::new(), Kept::default(), config);
            snap.cached_files = cached;
            return Ok(snap);
        }
    }
    let compressed = std::fs::metadata(path).map_err(|e| SnapshotError::io("examine", path, e))?.len();
    progress.set_phase("reading the archive", compressed);
    let batch = store.as_ref().map(BlobStore::batch).transpose()?;
    let (analysed, directories, kept) = read_members(path, format, config, progress, batch.as_ref())?;
    if let Some(b) = batch {
        b.finish()?;
    }
    // The cache holds file analyses only: an archive with findings of its own (about its directories or
    // its members' order) is not cached.
    if let Some(file) = &cache_file
        && directories.is_empty()
    {
        let _ = cache::store(file, config, cache::now_ns(), analysed.iter().map(|a| (None, a)));
    }
    // The blobs are in the store now, so `assemble` can read the archive's `.git` from them.
    Ok(assemble(origin, source(), analysed, directories, kept, config))
}

/// An archive member waiting for analysis: its whole content (at most [`STREAM_THRESHOLD`] bytes).
struct Pending {
    path: Vec<u8>,
    executable: bool,
    /// The permission bits the archive states, for [`with_mode_finding`].
    mode: u32,
    bytes: Vec<u8>,
}

/// Adds the [`FindingKind::SpecialMode`] finding to a file's analysis when its permission bits `mode`
/// hold the setuid, setgid or sticky bit, or execute bits without the owner's (see
/// [`crate::health::special_mode_finding`]).
fn with_mode_finding(mut a: Analysed, mode: u32) -> Analysed {
    if let Some(f) = crate::health::special_mode_finding(&a.entry.path.display(), mode, false) {
        a.findings.push(f);
        match a.counts.iter_mut().find(|(k, _)| *k == FindingKind::SpecialMode) {
            Some((_, n)) => *n += 1,
            None => a.counts.push((FindingKind::SpecialMode, 1)),
        }
    }
    a
}

/// Bounds the bytes of [`Pending`] members in memory: the reader waits while the workers are behind.
struct Budget {
    used: Mutex<u64>,
    freed: Condvar,
}

impl Budget {
    fn acquire(&self, n: u64) {
        let mut used = self.used.lock().unwrap_or_else(|p| p.into_inner());
        while *used > 0 && *used + n > IN_FLIGHT_BYTES {
            used = self.freed.wait(used).unwrap_or_else(|p| p.into_inner());
        }
        *used += n;
    }

    fn release(&self, n: u64) {
        let mut used = self.used.lock().unwrap_or_else(|p| p.into_inner());
        *used = used.saturating_sub(n);
        self.freed.notify_all();
    }
}

/// Streams the members of an archive: the calling thread decompresses and hands each member's bytes to
/// the analysis workers (which also write the blob store); members above [`STREAM_THRESHOLD`] are hashed
/// and stored while they stream, on the calling thread. Hard links take the analysis of their target
/// (its findings, a setuid bit's included: a hard link shares its target's mode). Returns the analyses
/// and the findings that depend on the archive rather than on one file's content: directories' setuid,
/// setgid or sticky bits, and members that collide once the first path component is dropped (which
/// needs the archive order: the later member wins).
fn read_members(
    path: &Path,
    format: archive::ArchiveFormat,
    config: &IngestConfig,
    progress: &Progress,
    store: Option<&Batch>,
) -> Result<(Vec<Analysed>, Vec<Finding>, Kept), SnapshotError> {
    let budget = Budget { used: Mutex::new(0), freed: Condvar::new() };
    // Without a blob store, the members the checks after the per-file scan read by name are kept from
    // this one pass (they are few and small: attribute files, build files, `.pyc` headers).
    let mut kept = Kept::default();
    let mut direct: Vec<Analysed> = Vec::new();
    let mut directories: Vec<Finding> = Vec::new();
    let mut hard_links: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    // npm and `tar --strip-components=1` drop a tar's first path component; a zip has no such reader.
    let mut strip = (format != archive::ArchiveFormat::Zip).then(crate::health::StripCollisions::default);
    let (tx, rx) = std::sync::mpsc::sync_channel::<Pending>(1024);
    let rx = Mutex::new(rx);
    // Dedicated threads rather than the rayon pool: the reading thread blocks on the budget, which must
    // never take a worker away from the analysis it waits for.
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, 16);
    let (read, worked) = std::thread::scope(|scope| {
        let work = || -> Vec<Result<Analysed, SnapshotError>> {
            let mut done = Vec::new();
            loop {
                let next = rx.lock().unwrap_or_else(|p| p.into_inner()).recv();
                let Ok(p) = next else { return done };
                let size = p.bytes.len() as u64;
                let r = analyse_member(p, config, store);
                budget.release(size);
                if let Ok(a) = &r {
                    progress.advance(1, a.entry.size_bytes);
                }
                done.push(r);
            }
        };
        let workers: Vec<_> = (0..threads).map(|_| scope.spawn(work)).collect();
        let read = archive::read(path, format, &config.archive, &mut |item: ArchiveItem<'_>| {
            if progress.is_cancelled() {
                return Err(SnapshotError::Cancelled);
            }
            let ArchiveItem { path: member, kind, size, mode, content } = item;
            if kind != ItemKind::Directory
                && let Some(finding) = strip.as_mut().and_then(|s| s.member(&member))
            {
                directories.push(finding);
            }
            match kind {
                ItemKind::Directory => {
                    let shown = crate::path::display_bytes(&member);
                    directories.extend(crate::health::special_mode_finding(&shown, mode, true));
                }
                ItemKind::Symlink { target } => {
                    direct.push(analyse_symlink(RelPath::from_bytes(member), target))
                }
                ItemKind::HardLink { target } => hard_links.push((member, target)),
                ItemKind::File { executable } if size > STREAM_THRESHOLD => {
                    let a = with_mode_finding(
                        stream_member(path, member, executable, size, content, store)?,
                        mode,
                    );
                    progress.advance(1, size);
                    direct.push(a);
                }
                ItemKind::File { executable } => {
                    budget.acquire(size);
                    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
                    if let Err(e) = content.read_to_end(&mut bytes) {
                        budget.release(size);
                        // The archive reader reports the short or failed read as a corrupt archive.
                        return Err(SnapshotError::corrupt(path, e));
                    }
                    if store.is_none() {
                        kept.keep(&member, &bytes);
                    }
                    if tx.send(Pending { path: member, executable, mode, bytes }).is_err() {
                        budget.release(size);
                        return Err(SnapshotError::Cancelled);
                    }
                }
            }
            Ok(())
        });
        drop(tx);
        let worked: Vec<_> = workers.into_iter().map(|w| w.join()).collect();
        (read, worked)
    });
    read?;
    let mut analysed = direct;
    for w in worked {
        for r in w.map_err(|_| SnapshotError::Cancelled)? {
            analysed.push(r?);
        }
    }
    if !hard_links.is_empty() {
        let mut by_path: HashMap<Vec<u8>, usize> =
            analysed.iter().enumerate().map(|(i, a)| (a.entry.path.as_bytes().to_vec(), i)).collect();
        for (link, target) in hard_links {
            // The archive reader admits only hard links to an earlier file (or hard link), so it is here.
            let original = by_path.get(&target).and_then(|&i| analysed.get(i)).ok_or_else(|| {
                SnapshotError::hostile(
                    path,
                    format!("hard link to `{}` which is not a file", crate::path::display_bytes(&target)),
                )
            })?;
            let shown = crate::path::display_bytes(&link);
            let mut entry = original.entry.clone();
            let findings: Vec<Finding> =
                original.findings.iter().cloned().map(|f| Finding { path: shown.clone(), ..f }).collect();
            let counts = original.counts.clone();
            let includes = original.includes.clone();
            let charsets = original.charsets.clone();
            let guard = original.guard.clone();
            entry.in_tree = !gitid::git_refuses_path(&link);
            entry.path = RelPath::from_bytes(link.clone());
            by_path.insert(link, analysed.len());
            analysed.push(Analysed { entry, findings, counts, includes, charsets, guard });
        }
    }
    Ok((analysed, directories, kept))
}

/// Analyses a member held in memory and stores its blob when the content is kept.
fn analyse_member(
    p: Pending,
    config: &IngestConfig,
    store: Option<&Batch>,
) -> Result<Analysed, SnapshotError> {
    let a =
        with_mode_finding(analyse_file(RelPath::from_bytes(p.path), p.executable, &p.bytes, config), p.mode);
    if let Some(s) = store
        && !s.store().contains(&a.entry.sha256, a.entry.size_bytes)
    {
        let mut spool = s.spool()?;
        spool.write_all(&p.bytes)?;
        spool.commit(s, &a.entry.sha256)?;
    }
    Ok(a)
}

/// Hashes a member above [`STREAM_THRESHOLD`] as it streams, writing it to the blob store on the way.
fn stream_member(
    archive: &Path,
    member: Vec<u8>,
    executable: bool,
    size: u64,
    content: &mut dyn Read,
    store: Option<&Batch>,
) -> Result<Analysed, SnapshotError> {
    let mut spool = store.map(Batch::spool).transpose()?;
    let mut store_error = None;
    let streamed = stream_hash(content, size, &mut |part| {
        if let Some(s) = &mut spool
            && let Err(e) = s.write_all(part)
        {
            store_error = Some(e);
            return Err(ReadFailure::Size { got: 0 });
        }
        Ok(())
    });
    if let Some(e) = store_error {
        return Err(e);
    }
    let (hashes, binary) = streamed.map_err(|f| match f {
        ReadFailure::Io(e) => SnapshotError::corrupt(archive, e),
        ReadFailure::Size { got } => {
            SnapshotError::corrupt(archive, format!("{got} bytes where {size} were declared"))
        }
        ReadFailure::Refused(reason) => SnapshotError::hostile(archive, reason),
    })?;
    let a = analyse_large(RelPath::from_bytes(member), executable, size, hashes, binary);
    if let (Some(spool), Some(s)) = (spool, store) {
        spool.commit(s, &a.entry.sha256)?;
    }
    Ok(a)
}

fn sha256_file(path: &Path) -> Result<Sha256Id, SnapshotError> {
    let mut f = File::open(path).map_err(|e| SnapshotError::io("open", path, e))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).map_err(|e| SnapshotError::io("read", path, e))?;
        if n == 0 {
            break;
        }
        h.update(buf.get(..n).unwrap_or_default());
    }
    Ok(Sha256Id::from_bytes(h.finalize().into()))
}

fn assemble(
    origin: Origin,
    source: Source,
    analysed: Vec<Analysed>,
    mut findings: Vec<Finding>,
    kept: Kept,
    ingest: &IngestConfig,
) -> Snapshot {
    let config = &ingest.health;
    let mut files = Vec::with_capacity(analysed.len());
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    // Findings passed in come from the walk (special files); count them too.
    for f in &findings {
        *counts.entry(f.kind.as_str().to_owned()).or_default() += 1;
    }
    let mut includes: HashMap<Vec<u8>, Vec<includes::Include>> = HashMap::new();
    let mut charsets: HashMap<Vec<u8>, Vec<crate::buildcharset::Fact>> = HashMap::new();
    // Include guards by (directory, macro): two files of one directory guarded alike.
    let mut guards: BTreeMap<(Vec<u8>, Vec<u8>), Vec<String>> = BTreeMap::new();
    for a in analysed {
        if let Some(g) = a.guard {
            let dir = crate::shipped::parent(a.entry.path.as_bytes()).to_vec();
            guards.entry((dir, g)).or_default().push(a.entry.path.display());
        }
        findings.extend(a.findings);
        for (k, n) in a.counts {
            *counts.entry(k.as_str().to_owned()).or_default() += n;
        }
        if !a.includes.is_empty() {
            includes.insert(a.entry.path.as_bytes().to_vec(), a.includes);
        }
        if !a.charsets.is_empty() {
            charsets.insert(a.entry.path.as_bytes().to_vec(), a.charsets);
        }
        files.push(a.entry);
    }
    files.sort_by(|a: &FileEntry, b: &FileEntry| a.path.cmp(&b.path));
    let loaded = included_as_code_findings(&files, &includes);
    // Every check below reads through this one reader: in place, from the blob store, or (an archive
    // whose content is not kept: `vitrine health x.tar`) from what the one pass kept and one more pass
    // for the rest, so that no finding depends on whether the content was kept.
    let reader = Reader { source: &source, origin: &origin, limits: &ingest.archive, files: &files, kept };
    if matches!(source, Source::Digested) {
        // What the one pass did not keep (members streamed past the memory bound, or none at all when
        // the analyses came from the ingest cache), read again together in one more pass.
        use crate::shipped::ContentReader;
        let mut wanted: Vec<&FileEntry> = loaded
            .iter()
            .filter_map(|l| files.binary_search_by(|e| e.path.as_bytes().cmp(l.0.as_slice())).ok())
            .filter_map(|i| files.get(i))
            .collect();
        wanted.extend(files.iter().filter(|f| {
            matches!(f.kind, EntryKind::File { .. }) && crate::shipped::read_by_name(f.path.as_bytes())
        }));
        reader.prefetch(&wanted, true);
    }
    for (raw, lang, f) in loaded {
        *counts.entry(f.kind.as_str().to_owned()).or_default() += 1;
        // The loader's rules apply to it: a lone CR ends a `//` comment there as in a `.c`, a `.js`
        // or a `.php`, a make comment continues as in a `.mk`.
        let at = files.binary_search_by(|e| e.path.as_bytes().cmp(raw.as_slice()));
        if let Some(entry) = at.ok().and_then(|i| files.get(i)) {
            let bytes = crate::shipped::ContentReader::read(&reader, entry).ok();
            for (g, n) in bytes
                .map(|b: Vec<u8>| rescan_as(&b, entry, &f.path, lang, &findings, config))
                .unwrap_or_default()
            {
                *counts.entry(g.kind.as_str().to_owned()).or_default() += n;
                findings.extend(g.finding);
            }
        }
        findings.push(f);
    }
    for f in shared_guard_findings(guards) {
        *counts.entry(f.kind.as_str().to_owned()).or_default() += 1;
        findings.push(f);
    }

    // Paths git refuses: `.git` directories (the root checkout's and nested ones) and NTFS aliases. Every
    // file left out of the tree ids is left out for one of these reasons (ingest refuses a snapshot with
    // an unreadable file rather than leaving it out), and is explained by the first refused component.
    let mut git_dirs: BTreeMap<Vec<u8>, u64> = BTreeMap::new();
    let mut refused_links: Vec<&RelPath> = Vec::new();
    for f in files.iter().filter(|f| !f.in_tree) {
        let p = f.path.as_bytes();
        let mut prefix = Vec::new();
        let mut refused = false;
        for c in p.split(|&b| b == b'/') {
            if !prefix.is_empty() {
                prefix.push(b'/');
            }
            prefix.extend_from_slice(c);
            if gitid::git_refuses_path(c) {
                refused = true;
                break;
            }
        }
        if refused {
            *git_dirs.entry(prefix).or_default() += 1;
        } else if matches!(f.kind, EntryKind::Symlink { .. }) {
            // No component is refused as such: git refuses the path for a symlink only.
            refused_links.push(&f.path);
        }
    }
    for link in refused_links {
        let kind = FindingKind::GitRefusedPath;
        *counts.entry(kind.as_str().to_owned()).or_default() += 1;
        findings.push(Finding::file_level(
            &link.display(),
            kind,
            "git refuses a symlink named `.gitmodules` or an alias of it (`.GitModules`, `gitmod~1`, `.gitmodules .`; CVE-2018-11235): the link is listed, left out of the tree ids, which are those of the tree without it (`git add` of the folder as it is fails)",
        ));
    }
    for (dir, n) in git_dirs {
        let shown = crate::path::display_bytes(&dir);
        let (kind, detail) = if dir == b".git" {
            (
                FindingKind::NestedRepo,
                format!(
                    "the snapshot root is a git checkout: {n} files of `.git` are listed in the manifest, not part of the tree ids"
                ),
            )
        } else if let Some(repo) = dir.strip_suffix(b"/.git") {
            // Stock `git add` records a valid nested repository as a gitlink (mode 160000, its HEAD
            // commit) and leaves all its files out (and fails on one without a commit); Vitrine keeps the
            // files of its work tree in the ids, which the reviewer reviews: the finding says so, and
            // that the README's stock-git check (every file named to `git update-index`) gives the ids.
            let repo = crate::path::display_bytes(repo);
            (
                FindingKind::NestedRepo,
                format!(
                    "nested git directory: its {n} files are listed in the manifest and left out of the tree ids, but the other files of `{repo}/` are in them; if `{repo}` is a valid repository, `git add` records it as a gitlink (a submodule entry naming its HEAD commit, or fails when it has none) and leaves those files out, so check the ids with the README's recipe (every file named to `git update-index`, which leaves out only the `.git` paths), not with `git add`"
                ),
            )
        } else {
            (
                FindingKind::GitRefusedPath,
                format!(
                    "git refuses this name (an alias of `.git`): {n} files listed, left out of the tree ids"
                ),
            )
        };
        *counts.entry(kind.as_str().to_owned()).or_default() += 1;
        findings.push(Finding::file_level(&shown, kind, detail));
    }

    for f in health::path_findings(files.iter().map(|f| &f.path)) {
        *counts.entry(f.kind.as_str().to_owned()).or_default() += 1;
        findings.push(f);
    }
    // `.gitattributes` lines and build files that change what is shipped or built, read again through
    // the verified reader (whether the content was kept or not).
    let read = |e: &FileEntry| crate::shipped::ContentReader::read(&reader, e);
    let mut shipped = crate::shipped::findings(&files, &reader, ingest.classify.max_text_bytes);
    // The compiler's input charset a build file declares for the sources it builds: from what each
    // file's analysis recorded, so also for a snapshot whose content was not kept.
    shipped.extend(crate::buildcharset::findings(&files, &charsets));
    // The vendored copy of a Go package that `go build` compiles instead of the one a reviewer reads
    // (only in snapshots holding a `vendor/modules.txt`; go.mod is read through the verified reader).
    if !matches!(source, Source::Digested) {
        shipped.extend(crate::gomod::findings(&files, &read));
    }
    // Compiled files are found by name (only a pyc's header is read): whether the content was kept or not.
    let python = crate::pyshadow::findings(&files, &includes);
    // Files of the snapshot a tool's configuration runs (make's SHELL, `.npmrc` node-options, …).
    let python = python.into_iter().chain(crate::toolruns::findings(&files, &includes));
    for f in shipped.into_iter().chain(crate::compiled::findings(&files, &read)).chain(python) {
        *counts.entry(f.kind.as_str().to_owned()).or_default() += 1;
        findings.push(f);
    }
    drop(reader);
    findings.sort_by(|a, b| (&a.path, a.line, a.column, a.kind).cmp(&(&b.path, b.line, b.column, b.kind)));

    let items: Vec<TreeItem<'_>> = files
        .iter()
        .filter(|f| f.in_tree)
        .map(|f| TreeItem {
            path: f.path.as_bytes(),
            mode: f.kind.git_mode(),
            blob_sha256: &f.blob_sha256,
            blob_sha1: &f.blob_sha1,
        })
        .collect();
    let (t256, t1) = gitid::tree_ids(&items);
    let files_in_tree = items.len() as u64;
    let ids = TreeIds {
        tree_sha256: t256,
        swhid: format!("swh:1:dir:{t1}"),
        tree_sha1: t1,
        files: files.len() as u64,
        bytes: files.iter().map(|f| f.size_bytes).sum(),
        files_in_tree,
    };
    let mut classes: BTreeMap<String, u64> = BTreeMap::new();
    for f in &files {
        *classes.entry(f.class.as_str().to_owned()).or_default() += 1;
    }
    // The root `.git`, read where the snapshot's bytes are: in place, or (an archive) from the blob store
    // through the manifest. An archive that was only digested has no content to read it from.
    let files = Files::from(files);
    let git = match &source {
        Source::Directory(dir) => dir.held().ok().and_then(|root| gitrepo::inspect_dir(root, &ids)),
        Source::Blobs(store) => gitrepo::inspect_files(
            &gitrepo::ArchiveFiles::new(&files, store),
            &ids,
            &gitrepo::GitLimits::default(),
        ),
        // Read from a temporary blob store holding the archive's `.git` members only, read again: the
        // `git-metadata` finding must not depend on whether the content was kept either.
        Source::Digested => digested_git(&origin, &ingest.archive, &files, &ids),
    };
    if let Some(f) = git.as_ref().and_then(gitrepo::GitCheckout::finding) {
        *counts.entry(f.kind.as_str().to_owned()).or_default() += 1;
        let at = findings
            .partition_point(|g| (&g.path, g.line, g.column, g.kind) <= (&f.path, None, None, f.kind));
        findings.insert(at, f);
    }
    let health = HealthReport { files: files.len() as u64, classes, counts, findings };
    let content_key = content_key(format_family(&origin), files.all());
    Snapshot { origin, source, files, ids, health, git, cached_files: 0, content_key, reopened: false }
}

/// The [`FindingKind::IncludedAsCode`] findings of a snapshot's files (sorted by path), from the includes
/// each file's analysis found: the files a C, C++, Rust, JavaScript, assembly or Go file includes as
/// code, transitively, with the language each is read as.
fn included_as_code_findings(
    files: &[FileEntry],
    includes: &HashMap<Vec<u8>, Vec<includes::Include>>,
) -> Vec<(Vec<u8>, includes::CodeLanguage, Finding)> {
    // Only text that would be read: regular files, not binary.
    let readable =
        |f: &&FileEntry| matches!(f.kind, EntryKind::File { .. }) && f.class != ContentClass::Binary;
    let exists = |p: &[u8]| {
        files
            .binary_search_by(|f| f.path.as_bytes().cmp(p))
            .ok()
            .and_then(|i| files.get(i))
            .is_some_and(|f| readable(&f))
    };
    // The names resolve through the manifest's own links (`src/data -> ../assets`), as the compiler
    // opening them through the checkout would.
    let links = includes::Links::of_manifest(files);
    let found = includes::included_as_code(
        files.iter().filter(readable).map(|f| f.path.as_bytes()),
        &links,
        exists,
        |p| includes.get(p).cloned().unwrap_or_default(),
    );
    found
        .into_iter()
        .map(|inc| {
            let path = crate::path::display_bytes(&inc.path);
            let finding = Finding::file_level(&path, FindingKind::IncludedAsCode, inc.detail());
            (inc.path, inc.language, finding)
        })
        .collect()
}

/// What the checks after the per-file scan read of an archive whose content is not kept: the members
/// [`crate::shipped::read_by_name`] selects, kept during the one pass (or read again), and the build
/// files seen to hold nothing those checks read.
#[derive(Default)]
pub(crate) struct Kept {
    bytes: Mutex<HashMap<Vec<u8>, Vec<u8>>>,
    nothing: Mutex<std::collections::HashSet<Vec<u8>>>,
    /// Members asked for and read again (found or not): never read again twice.
    tried: Mutex<std::collections::HashSet<Vec<u8>>>,
}

impl Kept {
    /// Keeps `bytes` of the member `path` when the checks read it by name.
    fn keep(&mut self, path: &[u8], bytes: &[u8]) {
        if !crate::shipped::read_by_name(path) {
            return;
        }
        if crate::shipped::holds_nothing_to_check(path, bytes) {
            self.nothing.get_mut().unwrap_or_else(|p| p.into_inner()).insert(path.to_vec());
        } else {
            self.bytes.get_mut().unwrap_or_else(|p| p.into_inner()).insert(path.to_vec(), bytes.to_vec());
        }
    }
}

/// The one reader of content for the checks run once per snapshot (see [`Kept`]).
struct Reader<'a> {
    source: &'a Source,
    origin: &'a Origin,
    limits: &'a ArchiveLimits,
    files: &'a [FileEntry],
    kept: Kept,
}

impl crate::shipped::ContentReader for Reader<'_> {
    fn read(&self, f: &FileEntry) -> Result<Vec<u8>, String> {
        if !matches!(self.source, Source::Digested) {
            return crate::content::read(self.source, f).map_err(|e| e.to_string());
        }
        let got =
            |k: &Kept| k.bytes.lock().unwrap_or_else(|p| p.into_inner()).get(f.path.as_bytes()).cloned();
        if let Some(b) = got(&self.kept) {
            return Ok(b);
        }
        self.prefetch(&[f], false);
        got(&self.kept).ok_or_else(|| "the member could not be read again from the archive".to_owned())
    }

    fn prefetch(&self, files: &[&FileEntry], build: bool) {
        if !matches!(self.source, Source::Digested) {
            return;
        }
        let wanted: std::collections::HashSet<&[u8]> = {
            let bytes = self.kept.bytes.lock().unwrap_or_else(|p| p.into_inner());
            let nothing = self.kept.nothing.lock().unwrap_or_else(|p| p.into_inner());
            let mut tried = self.kept.tried.lock().unwrap_or_else(|p| p.into_inner());
            files
                .iter()
                .map(|f| f.path.as_bytes())
                .filter(|p| !bytes.contains_key(*p) && (!build || !nothing.contains(*p)))
                .filter(|p| tried.insert(p.to_vec()))
                .collect()
        };
        if wanted.is_empty() {
            return;
        }
        for (p, b) in reread_members(self.origin, self.limits, self.files, &wanted) {
            if build && crate::shipped::holds_nothing_to_check(&p, &b) {
                // Noted, and readable again if another check asks for its bytes.
                self.kept.tried.lock().unwrap_or_else(|e| e.into_inner()).remove(&p);
                self.kept.nothing.lock().unwrap_or_else(|e| e.into_inner()).insert(p);
            } else {
                self.kept.bytes.lock().unwrap_or_else(|e| e.into_inner()).insert(p, b);
            }
        }
    }

    fn holds_nothing(&self, f: &FileEntry) -> bool {
        matches!(self.source, Source::Digested)
            && self.kept.nothing.lock().unwrap_or_else(|p| p.into_inner()).contains(f.path.as_bytes())
    }
}

/// The root `.git` of an archive whose content was not kept, inspected as [`gitrepo::inspect_files`]
/// inspects a kept one: its `.git/` members are read again from the archive (streamed, each checked
/// against its manifest SHA-256) into a temporary blob store, removed afterwards. `None` without a
/// `.git`, or when it cannot be staged.
fn digested_git(
    origin: &Origin,
    limits: &ArchiveLimits,
    files: &Files,
    ids: &TreeIds,
) -> Option<gitrepo::GitCheckout> {
    let Origin::Archive { path, format, .. } = origin else { return None };
    let in_git = |p: &[u8]| p == b".git" || p.starts_with(b".git/");
    if !files.all().iter().any(|f| in_git(f.path.as_bytes())) {
        return None;
    }
    let n = GIT_STAGING.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("vitrine-git-{}-{n}", std::process::id()));
    let store = BlobStore::at(&dir);
    let staged = (|| -> Result<(), SnapshotError> {
        let batch = store.batch()?;
        archive::read(path, *format, limits, &mut |item: ArchiveItem<'_>| {
            if !matches!(item.kind, ItemKind::File { .. }) || !in_git(&item.path) {
                return Ok(());
            }
            let Some(entry) = files
                .all()
                .binary_search_by(|e| e.path.as_bytes().cmp(&item.path))
                .ok()
                .and_then(|i| files.all().get(i))
            else {
                return Ok(());
            };
            let mut spool = batch.spool()?;
            let mut h = Sha256::new();
            let mut buf = vec![0u8; 1 << 16];
            loop {
                let k = item.content.read(&mut buf).map_err(|e| SnapshotError::corrupt(path, e))?;
                if k == 0 {
                    break;
                }
                let part = buf.get(..k).unwrap_or_default();
                h.update(part);
                spool.write_all(part)?;
            }
            if h.finalize().as_slice() == entry.sha256.as_bytes() {
                spool.commit(&batch, &entry.sha256)?;
            }
            Ok(())
        })?;
        batch.finish()
    })();
    let git = staged.ok().and_then(|()| {
        gitrepo::inspect_files(
            &gitrepo::ArchiveFiles::new(files, &store),
            ids,
            &gitrepo::GitLimits::default(),
        )
    });
    let _ = std::fs::remove_dir_all(&dir);
    git
}

/// Numbers the temporary stores of [`digested_git`] within one process.
static GIT_STAGING: AtomicU64 = AtomicU64::new(0);

/// The bytes of `wanted` members of the archive a snapshot was read from without keeping its content,
/// read again from the archive in one pass (each checked against its manifest SHA-256; a member that
/// does not match, or an archive that cannot be read again, gives nothing).
fn reread_members(
    origin: &Origin,
    limits: &archive::ArchiveLimits,
    files: &[FileEntry],
    wanted: &std::collections::HashSet<&[u8]>,
) -> HashMap<Vec<u8>, Vec<u8>> {
    let Origin::Archive { path, format, .. } = origin else { return HashMap::new() };
    let mut out = HashMap::new();
    let _ = archive::read(path, *format, limits, &mut |item: ArchiveItem<'_>| {
        if !matches!(item.kind, ItemKind::File { .. }) || !wanted.contains(item.path.as_slice()) {
            return Ok(());
        }
        let Ok(i) = files.binary_search_by(|e| e.path.as_bytes().cmp(item.path.as_slice())) else {
            return Ok(());
        };
        let Some(entry) = files.get(i) else { return Ok(()) };
        let mut buf = Vec::new();
        if item.content.take(entry.size_bytes.saturating_add(1)).read_to_end(&mut buf).is_ok()
            && Sha256::digest(&buf).as_slice() == entry.sha256.as_bytes()
        {
            out.insert(item.path.clone(), buf);
        }
        Ok(())
    });
    out
}

/// The findings on headers sharing a guard: for each macro guarding the whole of two or more headers
/// of one directory (headers of one directory are included together; copies of a header for other
/// architectures or tools, in other directories, are alternatives and share guards as a matter of
/// course: Linux 6.1 has 584 such macros, 30 within a directory), a finding on each file naming the
/// others. When the guard is named after some of the files and not all ([`guard_names`]), the others
/// carry a copy of another header's guard: `shared-include-guard`, deceptive (Boost's
/// `transform_inclusive_scan.hpp` guarded by `…_TRANSFORM_REDUCE_HPP`). When it is named after none
/// (or all), the files are alternatives that one header chooses between (`fiber_fcontext.hpp`,
/// `fiber_ucontext.hpp`, `fiber_winfib.hpp` under `BOOST_CONTEXT_FIBER_H`): `alternative-headers`,
/// informational (Boost 1.81: 20 files deceptive, 101 alternatives).
fn shared_guard_findings(guards: BTreeMap<(Vec<u8>, Vec<u8>), Vec<String>>) -> Vec<Finding> {
    let mut out = Vec::new();
    for ((_, guard), mut paths) in guards {
        if paths.len() < 2 {
            continue;
        }
        paths.sort();
        let named = paths.iter().filter(|p| guard_names(&guard, p.as_bytes())).count();
        let copied = named > 0 && named < paths.len();
        let guard = String::from_utf8_lossy(&guard);
        for p in &paths {
            let others: Vec<String> = paths.iter().filter(|o| *o != p).map(|o| format!("`{o}`")).collect();
            let others = others.join(" and ");
            out.push(if copied {
                Finding::file_level(
                    p,
                    FindingKind::SharedIncludeGuard,
                    format!(
                        "guarded by `{guard}`, as {others} is, a guard named after some of these files and not the others: in a translation unit that includes both, the one included second is empty to the compiler (its `#ifndef {guard}` is false), so its definitions shown here are not compiled and any fallback (`#ifndef X` / `#define X 0`) applies instead"
                    ),
                )
            } else {
                Finding::file_level(
                    p,
                    FindingKind::AlternativeHeaders,
                    format!(
                        "guarded by `{guard}`, as {others} is, a guard named after none of them (or each): alternatives of which one header includes one; a translation unit that includes two gets the second empty (its `#ifndef {guard}` is false)"
                    ),
                )
            });
        }
    }
    out
}

/// Whether an include guard is named after the file at `path`: the words of the file's name before
/// its extension (split at anything not a letter or digit, case folded) appear in a row among the
/// guard's (`BOOST_ALGORITHM_TRANSFORM_REDUCE_HPP` names `transform_reduce.hpp`, not
/// `transform_inclusive_scan.hpp`).
fn guard_names(guard: &[u8], path: &[u8]) -> bool {
    let words = |s: &[u8]| -> Vec<Vec<u8>> {
        s.split(|b| !b.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(<[u8]>::to_ascii_uppercase)
            .collect()
    };
    let name = path.rsplit(|&b| b == b'/').next().unwrap_or(path);
    let stem = name.iter().rposition(|&b| b == b'.').filter(|&d| d > 0).map_or(name, |d| &name[..d]);
    let (stem, guard) = (words(stem), words(guard));
    !stem.is_empty() && guard.windows(stem.len()).any(|w| w == stem.as_slice())
}

/// A finding (or only a count past the cap) of [`rescan_as`].
struct Rescanned {
    kind: FindingKind,
    finding: Option<Finding>,
}

/// The findings that only the loading language's reading gives ([`LOADER_READING_ONLY`]: a lone CR or
/// U+2028 ending a line for the compiler, splices, continued make comments, escaped names), for a file
/// read as `lang` because another loads it: its own scan went by its name, this one goes by the name
/// `lang` gives ([`includes::CodeLanguage::as_named`]), so the file gets exactly what the same bytes
/// named as that language get. A finding its own scan already made (same place and kind) is not
/// repeated. Nothing when it cannot be read (a snapshot only digested, or a file changed since it was
/// hashed: the index build then reports it).
fn rescan_as(
    bytes: &[u8],
    entry: &FileEntry,
    shown: &str,
    lang: includes::CodeLanguage,
    already: &[Finding],
    config: &HealthConfig,
) -> Vec<(Rescanned, u64)> {
    let Some(enc) = entry.encoding else { return Vec::new() };
    let text = text::decode(bytes, enc);
    let mut ff = FileFindings::new(shown, config);
    health::scan_text_as(&text, lang.as_named(), &mut ff);
    let (listed, counts) = ff.finish();
    let own: std::collections::HashSet<(Option<u64>, Option<u64>, FindingKind)> =
        already.iter().filter(|f| f.path == shown).map(|f| (f.line, f.column, f.kind)).collect();
    let mut repeated: HashMap<FindingKind, u64> = HashMap::new();
    let mut out: Vec<(Rescanned, u64)> = Vec::new();
    for f in listed.into_iter().filter(|f| LOADER_READING_ONLY.contains(&f.kind)) {
        if f.line.is_some() && own.contains(&(f.line, f.column, f.kind)) {
            *repeated.entry(f.kind).or_default() += 1;
            continue;
        }
        out.push((Rescanned { kind: f.kind, finding: Some(f) }, 0));
    }
    for kind in LOADER_READING_ONLY {
        if let Some(&n) = counts.get(&kind) {
            let n = n.saturating_sub(repeated.get(&kind).copied().unwrap_or(0));
            out.push((Rescanned { kind, finding: None }, n));
        }
    }
    out
}

/// The kinds only a language's reading of a file gives (its own scan, by a name that is not that
/// language's, gives the others: control characters, bidi, invisible characters): a lone CR (or
/// U+2028…) ending a line, the translation phases' and the lexers' disguises (make's continued
/// comments among them), keyword macros, names spelled with escapes or as look-alikes of ASCII ones.
const LOADER_READING_ONLY: [FindingKind; 5] = [
    FindingKind::LineTerminator,
    FindingKind::LexicalDisguise,
    FindingKind::KeywordMacro,
    FindingKind::EscapedIdentifier,
    FindingKind::ConfusableIdentifier,
];

/// The key of everything derived from a snapshot's content (indexes, review records, caches): SHA-256
/// over the format family it was read as and every manifest row (path bytes, git mode, SHA-256 and
/// whether the row is part of the tree ids), so that files the tree ids leave out (`.git/…`, `.GIT/…`)
/// and the format of a polyglot file are part of it. Integers are little-endian, lengths prefix bytes.
pub(crate) fn content_key(family: &str, files: &[FileEntry]) -> Sha256Id {
    let mut h = Sha256::new();
    h.update(b"vitrine content key 1\0");
    h.update(family.as_bytes());
    h.update(b"\0");
    h.update((files.len() as u64).to_le_bytes());
    for f in files {
        let path = f.path.as_bytes();
        h.update((path.len() as u64).to_le_bytes());
        h.update(path);
        h.update(f.kind.git_mode().as_bytes());
        h.update(f.sha256.as_bytes());
        h.update([u8::from(f.in_tree)]);
    }
    Sha256Id::from_bytes(h.finalize().into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn tree() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("src/private")).unwrap();
        std::fs::write(dir.path().join("src/a.c"), "int a;\n").unwrap();
        std::fs::write(dir.path().join("src/private/secret.c"), "int secret;\n").unwrap();
        dir
    }

    fn open_with(root: &Path, hooks: Hooks<'_>) -> Result<Snapshot, SnapshotError> {
        open_at(root, &IngestConfig::default(), &Progress::default(), cache::now_ns(), hooks)
    }

    fn eacces(name: &'static [u8]) -> impl Fn(&[u8]) -> Option<std::io::Error> + Sync {
        move |rel: &[u8]| (rel == name).then(|| std::io::Error::from_raw_os_error(libc::EACCES))
    }

    /// f16 (session 25), end to end: two headers of one directory guarded by one macro are each a
    /// `shared-include-guard` naming the other; the same guard in another directory (a per-architecture
    /// copy) and an unresolved computed include are counted apart.
    #[test]
    fn headers_sharing_a_guard_in_one_directory_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("include")).unwrap();
        std::fs::create_dir_all(dir.path().join("arch/x")).unwrap();
        let put = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
        put(
            "include/log.h",
            "/* log.h */\n#ifndef VENDOR_CONFIG_H\n#define VENDOR_CONFIG_H\n#define LOG(m) m\n#endif\n",
        );
        put(
            "include/config.h",
            "#ifndef VENDOR_CONFIG_H\n#define VENDOR_CONFIG_H\n#define REQUIRE_SIGNATURE 1\n#endif\n",
        );
        put("arch/x/config.h", "#ifndef VENDOR_CONFIG_H\n#define VENDOR_CONFIG_H\n#endif\n");
        // Alternatives: one guard named after none of them, chosen between by a dispatching header.
        std::fs::create_dir_all(dir.path().join("fiber")).unwrap();
        for alt in ["fiber_fcontext.hpp", "fiber_ucontext.hpp"] {
            put(
                &format!("fiber/{alt}"),
                "#ifndef VENDOR_FIBER_H\n#define VENDOR_FIBER_H\nstruct fiber {};\n#endif\n",
            );
        }
        put("src.c", "#include TRACE_INCLUDE(TRACE_FILE)\nint x;\n");
        put("iterate.h", "#include ITERATE()\n#include ITERATE()\nint y;\n#include NEXT(2)\n");
        let snap = open_with(dir.path(), Hooks::default()).unwrap();
        let shared: Vec<(String, String)> = snap
            .health()
            .findings
            .iter()
            .filter(|f| f.kind == FindingKind::SharedIncludeGuard)
            .map(|f| (f.path.clone(), f.detail.clone()))
            .collect();
        assert_eq!(
            shared.iter().map(|f| f.0.as_str()).collect::<Vec<_>>(),
            ["include/config.h", "include/log.h"]
        );
        assert!(shared[0].1.contains("`VENDOR_CONFIG_H`, as `include/log.h`"), "{shared:?}");
        let alternatives: Vec<(String, String)> = snap
            .health()
            .findings
            .iter()
            .filter(|f| f.kind == FindingKind::AlternativeHeaders)
            .map(|f| (f.path.clone(), f.detail.clone()))
            .collect();
        assert_eq!(
            alternatives.iter().map(|f| f.0.as_str()).collect::<Vec<_>>(),
            ["fiber/fiber_fcontext.hpp", "fiber/fiber_ucontext.hpp"]
        );
        assert!(
            alternatives[0].1.contains("`VENDOR_FIBER_H`, as `fiber/fiber_ucontext.hpp`"),
            "{alternatives:?}"
        );
        assert!(
            !FindingKind::AlternativeHeaders.is_deceptive() && FindingKind::SharedIncludeGuard.is_deceptive()
        );
        let unresolved: Vec<(String, Option<u64>)> = snap
            .health()
            .findings
            .iter()
            .filter(|f| f.kind == FindingKind::UnresolvedInclude)
            .map(|f| (f.path.clone(), f.line))
            .collect();
        // One finding per file, at its first computed include, naming the others' lines.
        assert_eq!(unresolved, [("iterate.h".to_string(), Some(1)), ("src.c".to_string(), Some(1))]);
        let iterate = snap.health().findings.iter().find(|f| f.path == "iterate.h").map(|f| f.detail.clone());
        assert!(
            iterate.is_some_and(|d| d.ends_with("; so are the includes at lines 2, 4")),
            "{:?}",
            snap.health().findings
        );
    }

    // Tests run as root here, where mode 000 does not stop a read: the `fail` seam makes the open (or
    // the listing) of one path fail with EACCES, exactly as the OS reports a mode-000 file to a user.
    /// F2 and F3 (round 22), end to end: a Shift_JIS `//` comment ending in `表` (`95 5C`) and a stray
    /// `FF FE` before a shell script and a Makefile are deceptive findings; the scripts are read as the
    /// 8-bit text `sh` and `make` run; a genuine UTF-16 file stays UTF-16 with no such finding.
    #[test]
    fn bytes_the_decoded_view_hides_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        let put = |name: &str, bytes: &[u8]| std::fs::write(dir.path().join(name), bytes).unwrap();
        let (sjis, _, _) = encoding_rs::SHIFT_JIS
            .encode("int main(void) {\n    // エラーを表\n    if (!ok()) return 1;\n}\n");
        put("auth.c", &sjis);
        put("install.sh", b"\xFF\xFE=1\n#!/bin/sh\necho PAYLOAD-RAN\n");
        put("Makefile", b"\xFF\xFE:= 1\nall:\n\techo PAYLOAD-RAN\n");
        let mut genuine = vec![0xFF, 0xFE];
        genuine.extend("echo hi\n".encode_utf16().flat_map(u16::to_le_bytes));
        put("notes.txt", &genuine);
        let snap = open_with(dir.path(), Hooks::default()).unwrap();
        let disguises: Vec<(String, Option<u64>)> = snap
            .health()
            .findings
            .iter()
            .filter(|f| f.kind == FindingKind::EncodingDisguise)
            .map(|f| (f.path.clone(), f.line))
            .collect();
        assert_eq!(
            disguises,
            [
                ("Makefile".to_string(), Some(1)),
                ("auth.c".to_string(), Some(2)),
                ("install.sh".to_string(), Some(1))
            ]
        );
        let encoding =
            |name: &str| snap.files().iter().find(|f| f.path.as_bytes() == name.as_bytes()).unwrap().encoding;
        assert_eq!(encoding("notes.txt"), Some(classify::TextEncoding::Utf16Le));
        for script in ["install.sh", "Makefile"] {
            let enc = encoding(script).unwrap();
            assert!(!matches!(enc, classify::TextEncoding::Utf16Le), "{script}: {enc:?}");
            assert_eq!(
                snap.files().iter().find(|f| f.path.as_bytes() == script.as_bytes()).unwrap().lines,
                3
            );
        }
    }

    #[test]
    fn an_unreadable_file_refuses_the_snapshot_naming_it() {
        let t = tree();
        let fail = eacces(b"src/private/secret.c");
        let err = open_with(t.path(), Hooks { fail: Some(&fail), ..Hooks::default() }).unwrap_err();
        assert!(matches!(err, SnapshotError::Unreadable { op: "open", .. }), "{err:?}");
        let shown = err.to_string();
        assert!(shown.contains("src/private/secret.c") && shown.contains("no tree id"), "{shown}");
        assert!(std::error::Error::source(&err).is_some_and(|s| s.to_string().contains("ermission denied")));
    }

    #[test]
    fn an_unlistable_directory_refuses_the_snapshot_naming_it() {
        let t = tree();
        let fail = eacces(b"src/private");
        let err = open_with(t.path(), Hooks { fail: Some(&fail), ..Hooks::default() }).unwrap_err();
        assert!(matches!(err, SnapshotError::Unreadable { op: "list the directory", .. }), "{err:?}");
        assert!(err.to_string().contains("src/private"), "{err}");
    }

    #[test]
    fn a_file_swapped_for_a_fifo_after_the_walk_is_refused_without_hanging() {
        let t = tree();
        let victim = t.path().join("src/a.c");
        let swap = || {
            std::fs::remove_file(&victim).unwrap();
            let made = std::process::Command::new("mkfifo").arg(&victim).status().unwrap();
            assert!(made.success());
        };
        // Without O_NONBLOCK the open would wait for a writer forever: run it where a hang is a failure.
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::scope(|s| {
            s.spawn(|| {
                let _ = tx.send(open_with(t.path(), Hooks { after_walk: Some(&swap), ..Hooks::default() }));
            });
            let result = rx.recv_timeout(std::time::Duration::from_secs(60));
            if result.is_err() {
                // Unblock the reader so the scope can end, then fail.
                let _ = std::fs::OpenOptions::new().write(true).open(&victim);
                panic!("opening the snapshot hung on a FIFO");
            }
            let err = result.unwrap().unwrap_err();
            assert!(matches!(err, SnapshotError::ChangedWhileRead { .. }), "{err:?}");
            assert!(err.to_string().contains("src/a.c") && err.to_string().contains("FIFO"), "{err}");
        });
    }

    #[test]
    fn a_file_swapped_for_a_symlink_after_the_walk_is_not_followed() {
        let t = tree();
        let victim = t.path().join("src/a.c");
        let swap = || {
            std::fs::remove_file(&victim).unwrap();
            std::os::unix::fs::symlink("/etc/passwd", &victim).unwrap();
        };
        let err = open_with(t.path(), Hooks { after_walk: Some(&swap), ..Hooks::default() }).unwrap_err();
        assert!(matches!(err, SnapshotError::ChangedWhileRead { .. }), "{err:?}");
        assert!(err.to_string().contains("symlink"), "{err}");
    }

    #[test]
    fn a_directory_swapped_for_a_symlink_after_the_walk_does_not_redirect_the_read() {
        let t = tree();
        let elsewhere = tempfile::tempdir().unwrap();
        std::fs::write(elsewhere.path().join("a.c"), "int elsewhere;\n").unwrap();
        std::fs::create_dir(elsewhere.path().join("private")).unwrap();
        std::fs::write(elsewhere.path().join("private/secret.c"), "int elsewhere;\n").unwrap();
        let swap = || {
            std::fs::rename(t.path().join("src"), t.path().join("src.orig")).unwrap();
            std::os::unix::fs::symlink(elsewhere.path(), t.path().join("src")).unwrap();
        };
        let err = open_with(t.path(), Hooks { after_walk: Some(&swap), ..Hooks::default() }).unwrap_err();
        assert!(matches!(err, SnapshotError::ChangedWhileRead { .. }), "{err:?}");
        assert!(err.to_string().contains("symlink appeared on its path"), "{err}");
    }

    #[test]
    fn a_file_that_changes_while_read_is_read_again() {
        let t = tree();
        let victim = t.path().join("src/a.c");
        let reads = AtomicUsize::new(0);
        // The first read of src/a.c is followed by a change: the bytes read are stale.
        let change_once = |rel: &[u8]| {
            if rel == b"src/a.c" && reads.fetch_add(1, Ordering::SeqCst) == 0 {
                std::fs::write(&victim, "int a = 2; /* changed */\n").unwrap();
            }
        };
        let s = open_with(t.path(), Hooks { after_read: Some(&change_once), ..Hooks::default() }).unwrap();
        assert_eq!(reads.load(Ordering::SeqCst), 2, "read again after the change");
        let fresh = open_with(t.path(), Hooks::default()).unwrap();
        assert_eq!(s.ids(), fresh.ids());
        let e = s.file(b"src/a.c").unwrap();
        assert_eq!(s.read(e).unwrap(), b"int a = 2; /* changed */\n");
    }

    #[test]
    fn a_file_that_keeps_changing_is_refused() {
        let t = tree();
        let victim = t.path().join("src/a.c");
        let n = AtomicUsize::new(0);
        let change_always = |rel: &[u8]| {
            if rel == b"src/a.c" {
                let i = n.fetch_add(1, Ordering::SeqCst);
                std::fs::write(&victim, "x".repeat(10 + i)).unwrap();
            }
        };
        let err =
            open_with(t.path(), Hooks { after_read: Some(&change_always), ..Hooks::default() }).unwrap_err();
        assert!(matches!(err, SnapshotError::ChangedWhileRead { .. }), "{err:?}");
        assert!(err.to_string().contains("src/a.c"), "{err}");
        assert_eq!(n.load(Ordering::SeqCst), READ_ATTEMPTS);
    }

    /// Two versions of a tree: files shared byte for byte, one with the same size and other bytes, one
    /// whose mode alone changed, one only on each side, a symlink, a shared file with a bidi control,
    /// and a nested `.git`.
    fn versions() -> (tempfile::TempDir, tempfile::TempDir) {
        let (old, new) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        for root in [old.path(), new.path()] {
            std::fs::create_dir_all(root.join("src/vendor/.git")).unwrap();
            std::fs::write(root.join("src/shared.c"), "int shared;\n").unwrap();
            std::fs::write(root.join("src/bidi.c"), "/* \u{202E} */ int x;\n").unwrap();
            std::fs::write(root.join("src/vendor/.git/HEAD"), "ref: refs/heads/main\n").unwrap();
            std::os::unix::fs::symlink("shared.c", root.join("src/link.c")).unwrap();
        }
        std::fs::write(old.path().join("src/same_size.c"), "int a = 1;\n").unwrap();
        std::fs::write(new.path().join("src/same_size.c"), "int a = 2;\n").unwrap();
        for (root, mode) in [(old.path(), 0o644), (new.path(), 0o755)] {
            let f = root.join("src/tool.sh");
            std::fs::write(&f, "#!/bin/sh\necho hi\n").unwrap();
            std::fs::set_permissions(&f, std::os::unix::fs::PermissionsExt::from_mode(mode)).unwrap();
        }
        std::fs::write(old.path().join("src/gone.c"), "int gone;\n").unwrap();
        std::fs::write(new.path().join("src/added.c"), "int added;\n").unwrap();
        (old, new)
    }

    /// Everything a snapshot states, as text: manifest rows with every field, ids, content key, findings.
    fn stated(s: &Snapshot) -> String {
        format!("{:?}\n{:?}\n{}\n{:?}\n{:?}", s.files(), s.ids(), s.content_key(), s.health(), s.git())
    }

    #[test]
    fn a_pair_states_what_two_separate_opens_state() {
        let (old, new) = versions();
        let config = IngestConfig::default();
        let (a, b) = open_pair(old.path(), new.path(), &config, &Progress::default()).unwrap();
        let (alone_a, alone_b) = (
            open_with(old.path(), Hooks::default()).unwrap(),
            open_with(new.path(), Hooks::default()).unwrap(),
        );
        assert_eq!(stated(&a), stated(&alone_a));
        assert_eq!(stated(&b), stated(&alone_b));
        // The shared bytes gave the new side the old side's analysis, with its own mode.
        assert_eq!(b.file(b"src/tool.sh").unwrap().kind, EntryKind::File { executable: true });
        assert_eq!(a.file(b"src/tool.sh").unwrap().kind, EntryKind::File { executable: false });
        assert_ne!(a.file(b"src/same_size.c").unwrap().sha256, b.file(b"src/same_size.c").unwrap().sha256);
        assert!(
            b.health().findings.iter().any(|f| f.path == "src/bidi.c" && f.kind == FindingKind::BidiControl)
        );
    }

    #[test]
    fn a_pair_hashes_and_analyses_the_bytes_both_sides_share_once() {
        let (old, new) = versions();
        let seen = Mutex::new(Vec::<Vec<u8>>::new());
        let count = |rel: &[u8]| seen.lock().unwrap().push(rel.to_vec());
        let hooks = Hooks { analysed: Some(&count), ..Hooks::default() };
        open_pair_at(
            old.path(),
            new.path(),
            &IngestConfig::default(),
            &Progress::default(),
            cache::now_ns(),
            hooks,
        )
        .unwrap();
        let mut seen = seen.into_inner().unwrap();
        seen.sort();
        let times = |p: &[u8]| seen.iter().filter(|s| s.as_slice() == p).count();
        for shared in [&b"src/shared.c"[..], b"src/bidi.c", b"src/tool.sh", b"src/vendor/.git/HEAD"] {
            assert_eq!(times(shared), 1, "{}", String::from_utf8_lossy(shared));
        }
        assert_eq!(times(b"src/same_size.c"), 2, "same size, other bytes: each side analysed");
        assert_eq!((times(b"src/gone.c"), times(b"src/added.c")), (1, 1));
    }

    #[test]
    fn an_open_beside_the_other_version_states_what_an_open_states_analysing_only_what_differs() {
        let (old, new) = versions();
        let on_screen = open_with(new.path(), Hooks::default()).unwrap();
        let seen = Mutex::new(Vec::<Vec<u8>>::new());
        let count = |rel: &[u8]| seen.lock().unwrap().push(rel.to_vec());
        let hooks = Hooks { analysed: Some(&count), ..Hooks::default() };
        let config = IngestConfig::default();
        let beside =
            open_beside_at(old.path(), &on_screen, &config, &Progress::default(), cache::now_ns(), hooks)
                .unwrap();
        assert_eq!(stated(&beside), stated(&open_with(old.path(), Hooks::default()).unwrap()));
        let mut seen = seen.into_inner().unwrap();
        seen.sort();
        // Shared bytes without findings take the other side's analysis (a mode change too); a file with
        // a finding there, other bytes of the same size, and a file only here are analysed.
        let want: Vec<Vec<u8>> =
            [&b"src/bidi.c"[..], b"src/gone.c", b"src/same_size.c"].iter().map(|p| p.to_vec()).collect();
        assert_eq!(seen, want);
        assert_eq!(beside.file(b"src/tool.sh").unwrap().kind, EntryKind::File { executable: false });
    }

    #[test]
    fn a_pair_writes_the_caches_and_tables_two_separate_opens_write() {
        let (old, new) = versions();
        let cache_dir = tempfile::tempdir().unwrap();
        let config =
            IngestConfig { cache_dir: Some(cache_dir.path().to_path_buf()), ..IngestConfig::default() };
        let later = cache::now_ns() + 10_000_000_000;
        let (a, b) =
            open_pair_at(old.path(), new.path(), &config, &Progress::default(), later, Hooks::default())
                .unwrap();
        for (dir, paired) in [(old.path(), &a), (new.path(), &b)] {
            let again = open_at(dir, &config, &Progress::default(), later, Hooks::default()).unwrap();
            assert!(again.reopened(), "{}: reopened from the table the pair wrote", dir.display());
            assert_eq!(stated(&again), stated(paired));
            // And the per-file cache alone (the table gone) vouches for the same analysis.
            std::fs::remove_file(reopen::table_file(cache_dir.path(), dir)).unwrap();
            let cached = open_at(dir, &config, &Progress::default(), later, Hooks::default()).unwrap();
            assert_eq!(
                cached.cached_files(),
                paired.files().iter().filter(|f| matches!(f.kind, EntryKind::File { .. })).count() as u64
            );
            assert_eq!(stated(&cached), stated(paired));
        }
    }

    #[test]
    fn the_content_key_covers_the_format_and_files_left_out_of_the_tree_ids() {
        let t = tree();
        let a = open_with(t.path(), Hooks::default()).unwrap();
        std::fs::create_dir(t.path().join(".GIT")).unwrap();
        std::fs::write(t.path().join(".GIT/evil.h"), "#define X 1\n").unwrap();
        let b = open_with(t.path(), Hooks::default()).unwrap();
        assert_eq!(a.ids().tree_sha256, b.ids().tree_sha256, "git leaves `.GIT/evil.h` out of the tree ids");
        assert_ne!(a.content_key(), b.content_key());
        std::fs::write(t.path().join(".GIT/evil.h"), "#define X 2\n").unwrap();
        let c = open_with(t.path(), Hooks::default()).unwrap();
        assert_ne!(b.content_key(), c.content_key());
        assert_eq!(*b.content_key(), content_key("dir", b.files()));
        assert_ne!(content_key("tar", b.files()), content_key("zip", b.files()));
        assert_eq!(b.content_key().to_string().len(), 64);
    }
}

#[cfg(test)]
mod root_dir_tests {
    use super::*;

    /// The walk that stands in for `openat2` on old kernels follows no link at any component.
    #[test]
    fn the_component_walk_follows_no_link() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().join("root");
        std::fs::create_dir_all(root.join("a/b")).unwrap();
        std::fs::write(root.join("a/b/f"), "in").unwrap();
        std::fs::create_dir_all(t.path().join("out")).unwrap();
        std::fs::write(t.path().join("out/f"), "out").unwrap();
        std::os::unix::fs::symlink(t.path().join("out"), root.join("a/l")).unwrap();
        std::os::unix::fs::symlink("b/f", root.join("a/lf")).unwrap();
        let dir = RootDir::open(&root).unwrap();
        let flags = rustix::fs::OFlags::RDONLY | rustix::fs::OFlags::CLOEXEC;
        let read = |rel: &[u8]| {
            open_components(&dir.fd, rel, flags).map(|fd| std::io::read_to_string(File::from(fd)).unwrap())
        };
        assert_eq!(read(b"a/b/f").unwrap(), "in");
        for rel in [&b"a/l/f"[..], b"a/lf", b"a/../a/b/f", b"a//b/f", b"./a/b/f"] {
            assert!(read(rel).is_err(), "{}", String::from_utf8_lossy(rel));
        }
        assert!(dir.lstat(b"a/l").unwrap().st_mode & libc::S_IFMT == libc::S_IFLNK);
        assert!(dir.lstat(b"a/l/f").is_err());
    }
}

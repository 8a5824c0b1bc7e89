//! Reading a file of an opened snapshot: the one place that knows where its bytes are (the directory
//! itself, or the blob store for an archive) and that checks them against what ingest recorded.
//!
//! Every reader goes through here: [`crate::Snapshot::read`] checks the bytes against what ingest
//! recorded and refuses a mismatch, for a file read in place and for a blob of the store alike. Files are
//! opened without following a final link and without blocking, and must still be regular files of the
//! recorded size. The bytes are hashed again unless the file is one this process's ingest hashed itself
//! and its `fstat` after the read is the very one it was hashed under (device, inode, mode, size,
//! modification and change times to the nanosecond), with times older than the racy window: the rule
//! git's index and the ingest cache already trust. A write changes the change time, which no process
//! can set back, so a rewritten file is hashed and refused; a file changed within the clock's
//! granularity of its hashing is never vouched for. The builds of a freshly opened tree (search,
//! symbols, ranked: three reads of every file) then hash nothing a second time.

use std::collections::HashMap;
use std::fs::File;
use std::hash::BuildHasher;
use std::io::Read;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use sha2::{Digest, Sha256};

use crate::blobs::BlobStore;
use crate::cache::StatKey;
use crate::error::SnapshotError;
use crate::ingest::{RootDir, file_type_name, open_snapshot_file};
use crate::{EntryKind, FileEntry, Sha256Id};

/// Where the bytes of a snapshot's files are.
#[derive(Debug, Clone)]
pub(crate) enum Source {
    /// Read in place from the snapshot directory.
    Directory(InPlace),
    /// An archive's files, kept in the blob store by content hash.
    Blobs(BlobStore),
    /// An archive that was only digested: its content was not kept.
    Digested,
}

impl Source {
    /// Opens the file holding the bytes of a regular file of the snapshot: below the directory without
    /// following any link on the way, or the blob named by the hash. Also returns its location.
    pub(crate) fn open(
        &self,
        path: &[u8],
        sha256: &Sha256Id,
    ) -> Result<(std::io::Result<File>, PathBuf), SnapshotError> {
        match self {
            Source::Directory(dir) => {
                let disk = dir.root.join(<std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(path));
                Ok((dir.open_file(path), disk))
            }
            Source::Blobs(store) => {
                let disk = store.path_of(sha256);
                Ok((open_snapshot_file(&disk), disk))
            }
            Source::Digested => Err(SnapshotError::ContentNotKept { path: crate::path::display_bytes(path) }),
        }
    }
}

/// A snapshot directory read in place: its path, and the directory itself, held open (the one ingest
/// walked, or else the one the first read reaches). Each file is opened below that one descriptor
/// (`openat2`, no link followed: see [`RootDir`]) rather than below a descriptor of the root opened and
/// closed again for every file, which in a bulk read of Linux's tree by four builds was 300,000 opens of
/// the same directory. The root is reached by its path at most once, as the user named it; renaming it
/// later does not redirect reads.
#[derive(Debug, Clone)]
pub(crate) struct InPlace {
    root: PathBuf,
    held: Arc<OnceLock<RootDir>>,
    /// The `fstat` each file was hashed under by this process's ingest, for the files whose times were
    /// settled then (outside the racy window): a read under the same `fstat` needs no second hash.
    vouched: Arc<Vouched>,
}

/// The files a directory's reads may take unhashed, compactly (16 bytes of table per file, estimated at
/// about 2 MB for Linux's 78,000 files rather than 10 MB with their paths and 48-byte keys; not
/// measured): a keyed 64-bit hash of each path, to a keyed 64-bit hash of the `fstat` it
/// was hashed under. The keys are random per process, so neither a hostile file name nor a file's times
/// can be chosen to make another path's record match; a chance match of both (2^-64 per read) would still
/// need the file's `fstat` to hash like a recorded one.
#[derive(Debug, Default)]
struct Vouched {
    keys: std::hash::RandomState,
    stats: HashMap<u64, u64>,
}

impl Vouched {
    fn path(&self, path: &[u8]) -> u64 {
        self.keys.hash_one(path)
    }

    fn stat(&self, stat: &StatKey) -> u64 {
        // Another input shape than a path's, so the two hashes never stand for each other.
        self.keys.hash_one((b"stat", stat))
    }
}

impl InPlace {
    pub(crate) fn new(root: PathBuf) -> InPlace {
        InPlace { root, held: Arc::default(), vouched: Arc::default() }
    }

    /// The directory `dir` already holds (the one ingest walked), named `root`: reads go to the very
    /// directory that was hashed, whatever the path names afterwards. `hashed` is each file's path with
    /// the `fstat` its bytes were hashed under; those outside the racy window of `taken_ns` are vouched
    /// for (see the module's documentation).
    pub(crate) fn holding<'a>(
        root: PathBuf,
        dir: RootDir,
        hashed: impl Iterator<Item = (&'a [u8], StatKey)>,
        taken_ns: i64,
    ) -> InPlace {
        InPlace { root, held: Arc::new(OnceLock::from(dir)), vouched: Arc::default() }
            .vouching(hashed, taken_ns)
    }

    /// `self`, vouching for each of `hashed` (a path and the `fstat` its bytes were hashed under) whose
    /// times lie outside the racy window of `taken_ns`, the moment the stats were taken.
    pub(crate) fn vouching<'a>(
        self,
        hashed: impl Iterator<Item = (&'a [u8], StatKey)>,
        taken_ns: i64,
    ) -> InPlace {
        let mut vouched = Vouched::default();
        for (path, stat) in hashed.filter(|(_, stat)| !stat.is_racy(taken_ns)) {
            let (path, stat) = (vouched.path(path), vouched.stat(&stat));
            vouched.stats.insert(path, stat);
        }
        InPlace { vouched: Arc::new(vouched), ..self }
    }

    /// Whether `file`, just read as `path`, is still exactly as it was when ingest hashed it.
    fn vouches(&self, path: &[u8], file: &File) -> bool {
        let Some(recorded) = self.vouched.stats.get(&self.vouched.path(path)) else { return false };
        file.metadata().is_ok_and(|now| self.vouched.stat(&StatKey::of(&now)) == *recorded)
    }

    /// Opens the file `rel` below the held root (the root is opened on first use; a failure to open it
    /// is returned, and tried again by the next call).
    fn open_file(&self, rel: &[u8]) -> std::io::Result<File> {
        self.held()?.open_file(rel)
    }

    /// The held root (opened by its path on first use; a failure to open it is returned, and tried
    /// again by the next call).
    pub(crate) fn held(&self) -> std::io::Result<&RootDir> {
        if let Some(dir) = self.held.get() {
            return Ok(dir);
        }
        let dir = RootDir::open(&self.root)?;
        // Another thread may have held the root first: either descriptor names the same directory.
        let _ = self.held.set(dir);
        self.held.get().ok_or_else(|| std::io::Error::other("the snapshot root could not be held"))
    }
}

/// Opens a snapshot file and checks it is (still) a regular file of `size` bytes.
fn open_checked(
    source: &Source,
    path: &[u8],
    sha256: &Sha256Id,
    shown: impl Fn() -> String,
    size: u64,
) -> Result<(File, PathBuf), SnapshotError> {
    let (opened, disk) = source.open(path, sha256)?;
    let file = opened.map_err(|e| match e.raw_os_error() {
        Some(libc::ELOOP | libc::EXDEV) => SnapshotError::ChangedOnDisk { path: shown() },
        _ => SnapshotError::io("open", &disk, e),
    })?;
    let meta = file.metadata().map_err(|e| SnapshotError::io("fstat", &disk, e))?;
    if !meta.is_file() {
        return Err(SnapshotError::ChangedWhileRead {
            path: disk,
            detail: format!("is now a {}", file_type_name(meta.file_type())),
        });
    }
    if meta.len() != size {
        return Err(SnapshotError::ChangedOnDisk { path: shown() });
    }
    Ok((file, disk))
}

/// Reads a file's bytes (a symlink's target text), checking the size and the SHA-256: a file in place
/// may have been rewritten since ingest (as many bytes, in place), and no stat table vouches for the
/// blob store between opens (an imported snapshot is opened without looking at its files).
pub(crate) fn read(source: &Source, entry: &FileEntry) -> Result<Vec<u8>, SnapshotError> {
    if let EntryKind::Symlink { target } = &entry.kind {
        return Ok(target.clone());
    }
    let shown = || entry.path.display();
    let (file, disk) = open_checked(source, entry.path.as_bytes(), &entry.sha256, shown, entry.size_bytes)?;
    let mut buf = Vec::with_capacity(usize::try_from(entry.size_bytes).unwrap_or(0));
    (&file)
        .take(entry.size_bytes.saturating_add(1))
        .read_to_end(&mut buf)
        .map_err(|e| SnapshotError::io("read", &disk, e))?;
    if buf.len() as u64 != entry.size_bytes {
        return Err(SnapshotError::ChangedOnDisk { path: shown() });
    }
    // The `fstat` is taken after the read: a write the read could have seen has changed it by then.
    let vouched = match source {
        Source::Directory(dir) => dir.vouches(entry.path.as_bytes(), &file),
        Source::Blobs(_) | Source::Digested => false,
    };
    if !vouched && Sha256::digest(&buf).as_slice() != entry.sha256.as_bytes() {
        return Err(SnapshotError::ChangedOnDisk { path: shown() });
    }
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use crate::{IngestConfig, Progress, Snapshot};

    #[test]
    fn reads_stay_in_the_directory_first_read_when_it_is_swapped_for_another() {
        let parent = tempfile::tempdir().unwrap();
        let root = parent.path().join("snap");
        std::fs::create_dir_all(root.join("src")).unwrap();
        std::fs::write(root.join("src/a.c"), "int reviewed;\n").unwrap();
        let snap = Snapshot::open(&root, &IngestConfig::default(), &Progress::default()).unwrap();
        let entry = snap.files().iter().find(|f| f.path.as_bytes() == b"src/a.c").unwrap().clone();
        assert_eq!(snap.read(&entry).unwrap(), b"int reviewed;\n");
        // Swapped after the first read, for a directory whose file has the same size: a read by path
        // would pass the size check and show the other bytes.
        std::fs::rename(&root, parent.path().join("snap.reviewed")).unwrap();
        std::fs::create_dir_all(root.join("src")).unwrap();
        std::fs::write(root.join("src/a.c"), "int swapped;;\n").unwrap();
        assert_eq!(snap.read(&entry).unwrap(), b"int reviewed;\n");
        // The bytes themselves still have to be the recorded ones.
        std::fs::write(parent.path().join("snap.reviewed/src/a.c"), "int changed!;\n").unwrap();
        let err = snap.read(&entry).unwrap_err();
        assert!(matches!(err, crate::SnapshotError::ChangedOnDisk { .. }), "{err:?}");
    }

    #[test]
    fn reads_go_to_the_directory_ingest_walked_even_if_it_is_swapped_before_the_first_read() {
        let parent = tempfile::tempdir().unwrap();
        let root = parent.path().join("snap");
        std::fs::create_dir_all(&root).unwrap();
        std::fs::write(root.join("a.c"), "int reviewed;\n").unwrap();
        let snap = Snapshot::open(&root, &IngestConfig::default(), &Progress::default()).unwrap();
        let entry = snap.files().iter().find(|f| f.path.as_bytes() == b"a.c").unwrap().clone();
        std::fs::rename(&root, parent.path().join("snap.reviewed")).unwrap();
        std::fs::create_dir_all(&root).unwrap();
        std::fs::write(root.join("a.c"), "int swapped;;\n").unwrap();
        assert_eq!(snap.read(&entry).unwrap(), b"int reviewed;\n");
    }

    /// A snapshot of `files` whose times look settled to its ingest (taken an hour from now), so that
    /// every file is vouched for by its `fstat`.
    fn settled(files: &[(&str, &str)]) -> (tempfile::TempDir, Snapshot) {
        let t = tempfile::tempdir().unwrap();
        for (path, text) in files {
            std::fs::write(t.path().join(path), text).unwrap();
        }
        let later = crate::cache::now_ns() + 3600 * 1_000_000_000;
        let snap =
            Snapshot::open_taken_at(t.path(), &IngestConfig::default(), &Progress::default(), later).unwrap();
        (t, snap)
    }

    fn entry(snap: &Snapshot, path: &str) -> crate::FileEntry {
        snap.files().iter().find(|f| f.path.as_bytes() == path.as_bytes()).unwrap().clone()
    }

    #[test]
    fn a_settled_file_read_under_the_fstat_it_was_hashed_under_is_not_hashed_again() {
        let (_t, snap) = settled(&[("a.c", "int reviewed;\n")]);
        // An entry claiming other bytes: only a read that skips the hash returns the file's.
        let forged = crate::FileEntry { sha256: crate::Sha256Id::from_bytes([7; 32]), ..entry(&snap, "a.c") };
        assert_eq!(snap.read(&forged).unwrap(), b"int reviewed;\n");
        // Files written just now are within the racy window of a real ingest: always hashed.
        let t = tempfile::tempdir().unwrap();
        std::fs::write(t.path().join("a.c"), "int reviewed;\n").unwrap();
        let fresh = Snapshot::open(t.path(), &IngestConfig::default(), &Progress::default()).unwrap();
        let forged =
            crate::FileEntry { sha256: crate::Sha256Id::from_bytes([7; 32]), ..entry(&fresh, "a.c") };
        let err = fresh.read(&forged).unwrap_err();
        assert!(matches!(err, crate::SnapshotError::ChangedOnDisk { .. }), "{err:?}");
        assert_eq!(fresh.read(&entry(&fresh, "a.c")).unwrap(), b"int reviewed;\n");
    }

    #[test]
    fn a_settled_file_rewritten_in_place_is_hashed_and_refused_whatever_its_times_say() {
        let (t, snap) =
            settled(&[("a.c", "int reviewed;\n"), ("b.c", "int reviewed;\n"), ("c.c", "int kept;\n")]);
        // Same size, in place.
        std::fs::write(t.path().join("a.c"), "int replaced;\n").unwrap();
        let err = snap.read(&entry(&snap, "a.c")).unwrap_err();
        assert!(matches!(err, crate::SnapshotError::ChangedOnDisk { .. }), "{err:?}");
        // Same size, and the modification time set back to what ingest saw: the change time moved.
        let before = std::fs::metadata(t.path().join("b.c")).unwrap().modified().unwrap();
        let f = std::fs::OpenOptions::new().write(true).open(t.path().join("b.c")).unwrap();
        std::io::Write::write_all(&mut &f, b"int replaced;\n").unwrap();
        f.set_modified(before).unwrap();
        drop(f);
        assert_eq!(std::fs::metadata(t.path().join("b.c")).unwrap().modified().unwrap(), before);
        let err = snap.read(&entry(&snap, "b.c")).unwrap_err();
        assert!(matches!(err, crate::SnapshotError::ChangedOnDisk { .. }), "{err:?}");
        // A change of the metadata only: not vouched any more, hashed, and the bytes are the same.
        let mut perms = std::fs::metadata(t.path().join("c.c")).unwrap().permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o600);
        std::fs::set_permissions(t.path().join("c.c"), perms).unwrap();
        let forged = crate::FileEntry { sha256: crate::Sha256Id::from_bytes([7; 32]), ..entry(&snap, "c.c") };
        assert!(snap.read(&forged).is_err(), "a file whose fstat moved must be hashed");
        assert_eq!(snap.read(&entry(&snap, "c.c")).unwrap(), b"int kept;\n");
    }
}

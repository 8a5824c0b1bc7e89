//! Reading a file of an opened snapshot: the one place that knows where its bytes are (the directory
//! itself, or the blob store for an archive) and that checks them against what ingest recorded.
//!
//! Every reader goes through here: [`crate::Snapshot::read`] re-hashes the bytes and refuses a mismatch,
//! for a file read in place and for a blob of the store alike. Files are opened without following a
//! final link and without blocking, and must still be regular files of the recorded size.

use std::fs::File;
use std::io::Read;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use sha2::{Digest, Sha256};

use crate::blobs::BlobStore;
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
}

impl InPlace {
    pub(crate) fn new(root: PathBuf) -> InPlace {
        InPlace { root, held: Arc::default() }
    }

    /// The directory `dir` already holds (the one ingest walked), named `root`: reads go to the very
    /// directory that was hashed, whatever the path names afterwards.
    pub(crate) fn holding(root: PathBuf, dir: RootDir) -> InPlace {
        InPlace { root, held: Arc::new(OnceLock::from(dir)) }
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
    file.take(entry.size_bytes.saturating_add(1))
        .read_to_end(&mut buf)
        .map_err(|e| SnapshotError::io("read", &disk, e))?;
    if buf.len() as u64 != entry.size_bytes {
        return Err(SnapshotError::ChangedOnDisk { path: shown() });
    }
    if Sha256::digest(&buf).as_slice() != entry.sha256.as_bytes() {
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
}

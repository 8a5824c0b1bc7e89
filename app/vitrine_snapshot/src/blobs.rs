//! The content-addressed blob store: where the files of an archive snapshot are kept, one file per
//! distinct content, named by the SHA-256 of the content (like git's objects: `ab/cdef…`).
//!
//! Archives are never unpacked as a file tree: a member's bytes are streamed into a temporary file in
//! the staging folder of its ingest (`tmp/<batch>/`), renamed there to their hash once hashed, and moved
//! into place only when the whole archive was accepted (`Batch::finish`); a refused or failed ingest
//! leaves nothing. A blob is either absent or complete, and nothing in the store is a link, a directory
//! of the snapshot or a name chosen by the vendor. Blobs are not fsynced one by one: the store's file
//! system is flushed once per ingest (`syncfs`), before the ingest cache that refers to the blobs is
//! written; and every read through `Snapshot::read` checks the blob against the hash it is named by, so a
//! blob torn by a crash is an error, never other content.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::Sha256Id;
use crate::error::SnapshotError;

/// A blob store rooted at a directory (the data directory's `blobs/`).
#[derive(Debug, Clone)]
pub struct BlobStore {
    root: PathBuf,
}

/// Distinguishes the temporary files of one process.
static SPOOL_COUNTER: AtomicU64 = AtomicU64::new(0);

impl BlobStore {
    /// The store at `root`; directories are created on the first ingest that keeps content.
    pub fn at(root: impl Into<PathBuf>) -> BlobStore {
        BlobStore { root: root.into() }
    }

    /// The store's root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the blob with content SHA-256 `sha256` lives (whether or not it is there).
    pub fn path_of(&self, sha256: &Sha256Id) -> PathBuf {
        let name = sha256.to_string();
        let (fan, rest) = name.split_at(2);
        self.root.join(fan).join(rest)
    }

    /// Whether a blob of that hash and size is present (a regular file, not followed if a link).
    pub fn contains(&self, sha256: &Sha256Id, size: u64) -> bool {
        std::fs::symlink_metadata(self.path_of(sha256)).is_ok_and(|m| m.is_file() && m.len() == size)
    }

    /// Starts the staging folder of one ingest.
    pub(crate) fn batch(&self) -> Result<Batch, SnapshotError> {
        let n = SPOOL_COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir = self.root.join("tmp").join(format!("{}-{n}", std::process::id()));
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(|e| SnapshotError::io("clear staging folder", &dir, e))?;
        }
        std::fs::create_dir_all(&dir).map_err(|e| SnapshotError::io("create directory", &dir, e))?;
        Ok(Batch { store: self.clone(), dir, next: AtomicU64::new(0), finished: false })
    }
}

/// The blobs of one ingest, staged until [`Batch::finish`] moves them into the store; dropped
/// unfinished, it removes them.
#[derive(Debug)]
pub(crate) struct Batch {
    store: BlobStore,
    dir: PathBuf,
    next: AtomicU64,
    finished: bool,
}

impl Batch {
    pub(crate) fn store(&self) -> &BlobStore {
        &self.store
    }

    /// Starts a temporary file for a blob whose hash is not known yet.
    pub(crate) fn spool(&self) -> Result<Spool, SnapshotError> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let path = self.dir.join(format!("spool-{n}"));
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| SnapshotError::io("create blob", &path, e))?;
        Ok(Spool { file: Some(file), path, committed: false })
    }

    /// Moves every staged blob into the store (replacing an existing copy: same content by construction,
    /// and a damaged one is thereby repaired), then flushes the file system.
    pub(crate) fn finish(mut self) -> Result<(), SnapshotError> {
        let listing = std::fs::read_dir(&self.dir).map_err(|e| SnapshotError::io("list", &self.dir, e))?;
        for entry in listing {
            let entry = entry.map_err(|e| SnapshotError::io("list", &self.dir, e))?;
            let name = entry.file_name();
            let Some(sha256) = name.to_str().and_then(|n| n.parse::<Sha256Id>().ok()) else {
                continue;
            };
            let dest = self.store.path_of(&sha256);
            if let Some(fan) = dest.parent() {
                std::fs::create_dir_all(fan).map_err(|e| SnapshotError::io("create directory", fan, e))?;
            }
            std::fs::rename(entry.path(), &dest).map_err(|e| SnapshotError::io("store blob", &dest, e))?;
        }
        let dir = File::open(&self.store.root)
            .map_err(|e| SnapshotError::io("open blob store", &self.store.root, e))?;
        rustix::fs::syncfs(&dir)
            .map_err(|e| SnapshotError::io("sync blob store", &self.store.root, e.into()))?;
        std::fs::remove_dir_all(&self.dir).map_err(|e| SnapshotError::io("remove", &self.dir, e))?;
        self.finished = true;
        Ok(())
    }
}

impl Drop for Batch {
    fn drop(&mut self) {
        if !self.finished {
            // Best effort: a failure leaves one staging folder in `tmp/`, never a blob under a wrong name.
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// A blob being written: a temporary file, renamed to its hash by [`Spool::commit`] or removed on drop.
#[derive(Debug)]
pub(crate) struct Spool {
    file: Option<File>,
    path: PathBuf,
    committed: bool,
}

impl Spool {
    pub(crate) fn write_all(&mut self, bytes: &[u8]) -> Result<(), SnapshotError> {
        match &mut self.file {
            Some(f) => f.write_all(bytes).map_err(|e| SnapshotError::io("write blob", &self.path, e)),
            None => Ok(()),
        }
    }

    /// The temporary file (tests check it is removed).
    #[cfg(test)]
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Closes the file and stages it under its hash, for [`Batch::finish`] to move into the store.
    pub(crate) fn commit(mut self, batch: &Batch, sha256: &Sha256Id) -> Result<(), SnapshotError> {
        drop(self.file.take());
        let dest = batch.dir.join(sha256.to_string());
        std::fs::rename(&self.path, &dest).map_err(|e| SnapshotError::io("stage blob", &dest, e))?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        if !self.committed {
            // Best effort: the staging folder is removed with its batch anyway.
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    #[test]
    fn a_blob_is_named_by_its_hash_and_only_a_finished_batch_leaves_anything() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::at(dir.path().join("blobs"));
        let sum = Sha256Id::from_bytes(Sha256::digest(b"hello\n").into());
        let want = dir.path().join("blobs/58/91b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03");
        assert_eq!(store.path_of(&sum), want);

        // Dropped unfinished (a refused archive): nothing is left, not even the staging folder.
        let batch = store.batch().unwrap();
        let mut s = batch.spool().unwrap();
        s.write_all(b"hello\n").unwrap();
        s.commit(&batch, &sum).unwrap();
        let mut half = batch.spool().unwrap();
        half.write_all(b"half").unwrap();
        let tmp = half.path().to_path_buf();
        drop(half);
        assert!(!tmp.exists());
        drop(batch);
        assert!(!store.contains(&sum, 6));
        assert_eq!(std::fs::read_dir(dir.path().join("blobs/tmp")).unwrap().count(), 0);

        let batch = store.batch().unwrap();
        let mut s = batch.spool().unwrap();
        s.write_all(b"hello\n").unwrap();
        s.commit(&batch, &sum).unwrap();
        assert!(!store.contains(&sum, 6), "not in place before the batch is finished");
        batch.finish().unwrap();
        assert_eq!(std::fs::read(&want).unwrap(), b"hello\n");
        assert!(store.contains(&sum, 6) && !store.contains(&sum, 5));
        assert_eq!(std::fs::read_dir(dir.path().join("blobs/tmp")).unwrap().count(), 0);
    }
}

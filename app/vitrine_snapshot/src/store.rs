//! The data directory: where indexes, reviews and archive content live.
//!
//! Layout: `<data>/snapshots/<content key>/{index,symbols,view.json}` (caches, keyed by
//! [`crate::Snapshot::content_key`], never by the tree id alone), `<data>/snapshots/<tree sha256>/review`
//! (the review record, see [`DataDir::review_dir`]), `<data>/blobs/` (the content-addressed
//! store of archive files, see [`crate::blobs`]) and `<data>/ingest-cache/` (hashing results reused by
//! navigation commands and the window).
//! The directory is chosen by `--data`, else `VITRINE_DATA`, else the XDG data directory.

use std::path::{Path, PathBuf};

use crate::Sha256Id;

/// The root of Vitrine's persistent data.
#[derive(Debug, Clone)]
pub struct DataDir {
    root: PathBuf,
}

impl DataDir {
    /// `explicit` (from `--data`), else `$VITRINE_DATA`, else `$XDG_DATA_HOME/vitrine` (or `~/.local/share`).
    pub fn resolve(explicit: Option<&Path>) -> DataDir {
        let root = explicit
            .map(Path::to_path_buf)
            .or_else(|| std::env::var_os("VITRINE_DATA").filter(|v| !v.is_empty()).map(PathBuf::from))
            .or_else(|| dirs::data_dir().map(|d| d.join("vitrine")))
            .unwrap_or_else(|| PathBuf::from(".vitrine-data"));
        DataDir { root }
    }

    /// The data directory at exactly `root` (tests, and the window when the CLI has already resolved
    /// it); nothing is created until something is written.
    pub fn at(root: impl Into<PathBuf>) -> DataDir {
        DataDir { root: root.into() }
    }

    /// The root of the data directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The directory for everything derived from one snapshot, by its content key
    /// ([`crate::Snapshot::content_key`]).
    pub fn snapshot_dir(&self, content_key: &Sha256Id) -> PathBuf {
        self.root.join("snapshots").join(content_key.to_string())
    }

    /// The review record of a snapshot, by its SHA-256 tree id: the record is bound to the tree id, and a
    /// change that only touches files the tree ids leave out (`.git/index` rewritten by `git status`) must
    /// not move the reviewer's annotations out of sight. The folder is the one earlier versions used, so
    /// reviews written by them are found again.
    pub fn review_dir(&self, tree_sha256: &Sha256Id) -> PathBuf {
        self.root.join("snapshots").join(tree_sha256.to_string()).join("review")
    }

    /// The content-addressed blob store of archive files.
    pub fn blob_dir(&self) -> PathBuf {
        self.root.join("blobs")
    }

    /// Where hashing results are kept between processes (see `IngestConfig::cache_dir`).
    pub fn ingest_cache_dir(&self) -> PathBuf {
        self.root.join("ingest-cache")
    }
}

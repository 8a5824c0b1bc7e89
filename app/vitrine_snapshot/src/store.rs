//! The data directory: where indexes, reviews and archive content live.
//!
//! Layout: `<data>/snapshots/<content key>/{index,symbols,view.json,snapshot.bin}` (caches and the record
//! of an imported snapshot, keyed by
//! [`crate::Snapshot::content_key`], never by the tree id alone), `<data>/snapshots/<tree sha256>/review`
//! (the review record, see [`DataDir::review_dir`]), `<data>/blobs/` (the content-addressed
//! store of archive files, see [`crate::blobs`]) and `<data>/ingest-cache/` (hashing results reused by
//! navigation commands and the window), `<data>/labels/<label>` (the content key a label names).
//! The directory is chosen by `--data`, else `VITRINE_DATA`, else the XDG data directory.

use std::path::{Path, PathBuf};

use crate::Sha256Id;
use crate::error::SnapshotError;

/// The longest label [`DataDir::set_label`] accepts.
const MAX_LABEL: usize = 64;

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

    /// The content key a snapshot name stands for: `sha256:` with the key or a prefix of it (at least 4
    /// hex digits) that exactly one imported snapshot has, or `@` with a label. Only names of snapshots
    /// whose record is present are found. Costs one listing of `snapshots/` (or one small read).
    pub fn resolve_name(&self, name: &str) -> Result<Sha256Id, SnapshotError> {
        let bad = |detail| SnapshotError::BadSnapshotName { name: name.to_owned(), detail };
        let unknown = || SnapshotError::UnknownSnapshot { name: name.to_owned(), data: self.root.clone() };
        let has_record = |key: &Sha256Id| self.snapshot_dir(key).join(crate::stored::RECORD_FILE).is_file();
        if let Some(label) = name.strip_prefix('@') {
            check_label(label).map_err(bad)?;
            let key = match std::fs::read_to_string(self.root.join("labels").join(label)) {
                Ok(text) => text.trim().to_owned(),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(unknown()),
                Err(e) => return Err(SnapshotError::io("read", self.root.join("labels").join(label), e)),
            };
            // Sha256Id's parse is strict: 64 lower-case hex digits.
            let Ok(key) = key.parse::<Sha256Id>() else {
                return Err(bad("the label's file does not hold a snapshot id"));
            };
            return if has_record(&key) { Ok(key) } else { Err(unknown()) };
        }
        let prefix =
            name.strip_prefix("sha256:").ok_or_else(|| bad("give sha256:ID or @LABEL"))?.to_ascii_lowercase();
        if prefix.len() < 4 || prefix.len() > 64 || !prefix.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad("an id is 4 to 64 hex digits after sha256:"));
        }
        let dir = self.root.join("snapshots");
        let listing = match std::fs::read_dir(&dir) {
            Ok(l) => l,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(unknown()),
            Err(e) => return Err(SnapshotError::io("list", dir, e)),
        };
        let mut matches = Vec::new();
        for entry in listing {
            let entry = entry.map_err(|e| SnapshotError::io("list", &dir, e))?;
            if let Some(key) = entry.file_name().to_str()
                && is_key(key)
                && key.starts_with(&prefix)
                && let Ok(id) = key.parse::<Sha256Id>()
                && has_record(&id)
            {
                matches.push(id);
            }
        }
        matches.sort();
        match matches.len() {
            0 => Err(unknown()),
            1 => Ok(matches.remove(0)),
            _ => Err(SnapshotError::AmbiguousSnapshot {
                name: name.to_owned(),
                matches: matches.iter().map(Sha256Id::to_string).collect(),
            }),
        }
    }

    /// Makes `@label` name the imported snapshot `content_key` (replacing what it named before). A label
    /// is 1 to 64 letters, digits, `.`, `_` and `-`, not starting with `.`.
    pub fn set_label(&self, label: &str, content_key: &Sha256Id) -> Result<(), SnapshotError> {
        check_label(label)
            .map_err(|detail| SnapshotError::BadSnapshotName { name: format!("@{label}"), detail })?;
        let dir = self.root.join("labels");
        std::fs::create_dir_all(&dir).map_err(|e| SnapshotError::io("create directory", &dir, e))?;
        vitrine_base::fs::write_atomic(&dir.join(label), format!("{content_key}\n").as_bytes())
            .map_err(|e| SnapshotError::io(e.op, e.path, e.source))
    }
}

/// Whether `s` is a content key: 64 lower-case hex digits.
fn is_key(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// A label is a plain file name of the `labels/` folder: no separator, no dot first, no control.
fn check_label(label: &str) -> Result<(), &'static str> {
    let ok_char = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-');
    if label.is_empty() || label.len() > MAX_LABEL || label.starts_with('.') || !label.bytes().all(ok_char) {
        return Err("a label is 1 to 64 letters, digits, '.', '_' and '-', not starting with '.'");
    }
    Ok(())
}

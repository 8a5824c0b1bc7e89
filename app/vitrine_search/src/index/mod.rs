//! The on-disk index of one snapshot: the file table and the trigram posting file.
//!
//! Layout of `<data>/snapshots/<tree_sha256>/index/`:
//! - `files.bin`: for every file of the snapshot's manifest, in manifest order, whether it is indexed
//!   and why not (paths and sizes are the manifest's: an index never names a file);
//! - `trigrams.bin`: for every lower-cased byte trigram, the ids of the files that contain it
//!   (delta + varint), behind a table sorted by trigram and a 64 K-entry table by the first two bytes,
//!   so that opening reads 256 KB and a lookup reads only the lists it needs;
//! - `words.bin`: the word filters of the large files;
//! - `meta.json`: format version, snapshot id, a digest of the manifest it was built from, counts and
//!   the byte length of each file;
//! - `seals.bin`: a CRC-32 per 4 KiB block of every other file (`vitrine_indexfile`), written last.
//!
//! The build writes into a temporary sibling directory and renames it into place, so a reader never
//! sees half an index. Every byte read from an index is checked against its seal before it is used,
//! and every offset and length against the file it points into; a damaged or inconsistent index is
//! reported as [`SearchError::Corrupt`] and [`open_or_build`] rebuilds it. File content is read only
//! through the snapshot's accessor, by manifest entry.
//!
//! A plain posting file rather than a tantivy field: measured on the Linux tree (STACK.md), it builds in
//! a third of the time of tantivy-based trigram storage with half the memory, and byte trigrams need no
//! UTF-8 mapping.
//!
//! The parts: `files` is the file table, `trigrams` the posting file, `filters` the word filters of
//! large files, `format` their shared encodings, and `build` writes all of them.

mod build;
mod files;
mod filters;
mod format;
mod trigrams;

#[cfg(test)]
mod fuzz;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use vitrine_base::Sha256Id;
use vitrine_snapshot::Snapshot;
use vitrine_snapshot::progress::Progress;

use vitrine_indexfile::{CheckedFile, Seals};

use self::filters::WordFilters;
use self::format::checked;
use crate::error::SearchError;
use crate::text::search_text;

pub use self::build::{build, build_into};
pub use self::files::{FileStatus, FileTable};
pub use self::trigrams::TrigramFile;

/// Bumped whenever the on-disk layout changes, or what is indexed of a file (4: a UTF-16 mark is
/// believed only on UTF-16 text, so a file with a stray mark is indexed as its bytes); an index of
/// another version is rebuilt.
pub const FORMAT_VERSION: u32 = 4;

/// What `meta.json` records about a finished index.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct IndexMeta {
    /// On-disk layout version the index was written with; only [`FORMAT_VERSION`] is read.
    pub format: u32,
    /// SHA-256 git tree id of the snapshot the index was built for (hex).
    pub tree_sha256: Sha256Id,
    /// SHA-256 over every manifest row (path, size, content hash, kind) the index was built from.
    /// Checked on open only for an index written before `content_key` was recorded.
    pub manifest_sha256: Sha256Id,
    /// The content key of the snapshot the index was built from ([`Snapshot::content_key`]: a hash of
    /// every manifest row and the format family), so that opening binds the index to the very manifest
    /// whose ids it holds by comparing 32 bytes instead of re-hashing the manifest in every process.
    /// `None` in an index written before it was recorded (then `manifest_sha256` is checked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_key: Option<Sha256Id>,
    /// Files in the snapshot's manifest, indexed or not (the ids run from 0 to this).
    pub files_total: u64,
    /// Files whose text went into the trigram index.
    pub files_indexed: u64,
    /// Bytes of text read from the indexed files.
    pub bytes_indexed: u64,
    /// Files not searched, by reason (`binary`, `too-large`, `symlink`, `unreadable`).
    pub left_out: BTreeMap<String, u64>,
    /// Distinct trigrams in `trigrams.bin`.
    pub trigrams: u64,
    /// Size of `files.bin` in bytes.
    pub files_bin_bytes: u64,
    /// Size of `trigrams.bin` in bytes.
    pub trigrams_bin_bytes: u64,
    /// Absent in format 1, so that such an index is refused for its version, not called corrupt.
    #[serde(default)]
    pub words_bin_bytes: u64,
    /// Wall-clock time the build took, in milliseconds.
    pub build_ms: u64,
}

impl IndexMeta {
    /// Number of files that searches do not look into.
    pub fn files_not_searched(&self) -> u64 {
        self.left_out.values().sum()
    }
}

/// An opened index: the file table in memory and the posting file on demand. A scan ([`Index::scan`])
/// has neither posting file nor word filters: every indexable file is a candidate.
#[derive(Debug)]
pub struct Index {
    dir: PathBuf,
    meta: IndexMeta,
    files: FileTable,
    trigrams: Option<TrigramFile>,
    words: Option<WordFilters>,
    definitions: Option<Arc<dyn DefinitionSource>>,
    /// The files another file includes as code whatever their name (the snapshot's `included-as-code`
    /// findings, by displayed path), with the language they are read as: their `in:` regions are read
    /// as that language's.
    included_as_code: std::collections::HashMap<String, vitrine_snapshot::includes::CodeLanguage>,
}

/// The displayed paths of the snapshot's files included as code ([`vitrine_snapshot::includes`]), with
/// the language each is read as.
fn included_as_code(
    snap: &Snapshot,
) -> Result<std::collections::HashMap<String, vitrine_snapshot::includes::CodeLanguage>, SearchError> {
    Ok(vitrine_snapshot::includes::languages(&snap.try_health()?.findings))
}

/// Where `sym:` finds definitions and what lets files that define a query word rank first: the symbol
/// index, plugged in by the application, so that this crate needs no parser.
pub trait DefinitionSource: Send + Sync + std::fmt::Debug {
    /// The definitions a written name finds (ignoring case unless `case_sensitive`): a plain name,
    /// a qualified one (`Class::method`, `ns::f`) or a glob (`EVP_Digest*`, `*_init`, `ssl?_read`).
    fn definitions(&self, written: &str, case_sensitive: bool) -> Result<Definitions, String>;

    /// Names close to `written`, for saying what a name that finds nothing might have meant.
    fn close_names(&self, written: &str) -> Vec<String>;
}

/// What a [`DefinitionSource`] found for one written name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Definitions {
    /// The definitions.
    pub list: Vec<Definition>,
    /// The source's limit on matching names cut the answer (a broad glob).
    pub truncated: bool,
}

/// Where a definition's name is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Definition {
    /// The file's path as in the snapshot.
    pub path: Vec<u8>,
    /// 1-based line of the name.
    pub line: u64,
    /// 0-based byte column of the name in its line.
    pub column: usize,
    /// Byte length of the name (what a pattern matched, not the pattern).
    pub len: usize,
}

impl Index {
    /// Opens the index in `dir` for the snapshot `snap`: it must have been built from `snap`'s very
    /// manifest, and every file must match its seal.
    pub fn open(dir: &Path, snap: Arc<Snapshot>) -> Result<Index, SearchError> {
        let meta_path = dir.join("meta.json");
        let meta_bytes = std::fs::read(&meta_path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => SearchError::io("read", &meta_path, e),
            _ => SearchError::corrupt(&meta_path, e.to_string()),
        })?;
        // The format is read before the seals, so that an index of another version is called that,
        // not damaged.
        let format = serde_json::from_slice::<FormatOnly>(&meta_bytes)
            .map_err(|e| SearchError::corrupt(&meta_path, e.to_string()))?
            .format;
        if format != FORMAT_VERSION {
            return Err(SearchError::Mismatch {
                path: dir.to_path_buf(),
                detail: format!("format {format} (this build reads {FORMAT_VERSION})"),
            });
        }
        let seals = Seals::read(dir).map_err(checked)?;
        let meta_bytes = vitrine_indexfile::read_checked(dir, "meta.json", &seals).map_err(checked)?;
        let meta: IndexMeta = serde_json::from_slice(&meta_bytes)
            .map_err(|e| SearchError::corrupt(&meta_path, e.to_string()))?;
        if meta.tree_sha256 != snap.ids().tree_sha256 {
            return Err(SearchError::Mismatch {
                path: dir.to_path_buf(),
                detail: format!("built for snapshot {}", meta.tree_sha256),
            });
        }
        // The snapshot's content key is the hash of its manifest, computed when the snapshot was
        // ingested (and carried, CRC-checked, by the reopen table and the store's record): equal keys
        // are equal manifests, so the manifest is hashed again only for an index that predates the key.
        let same_manifest = match meta.content_key {
            Some(key) => key == *snap.content_key(),
            None => {
                // The whole manifest: read now so that a damaged snapshot record is an error here.
                snap.try_files()?;
                meta.manifest_sha256 == manifest_sha256(&snap)
            }
        };
        if !same_manifest {
            return Err(SearchError::Mismatch {
                path: dir.to_path_buf(),
                detail: "built from another manifest of this tree".to_owned(),
            });
        }
        let files_path = dir.join("files.bin");
        let files_bytes = vitrine_indexfile::read_checked(dir, "files.bin", &seals).map_err(checked)?;
        let included_as_code = included_as_code(&snap)?;
        let files = FileTable::decode(&files_bytes, &files_path, snap)?;
        if files.len() as u64 != meta.files_total {
            return Err(SearchError::corrupt(&files_path, "file count differs from meta.json"));
        }
        let n =
            u32::try_from(files.len()).map_err(|_| SearchError::corrupt(&files_path, "too many files"))?;
        let open = |name: &str| CheckedFile::open(dir, name, &seals).map_err(checked);
        let trigrams = TrigramFile::open(open("trigrams.bin")?, n)?;
        let words = WordFilters::open(open("words.bin")?, n)?;
        Ok(Index {
            dir: dir.to_path_buf(),
            meta,
            files,
            trigrams: Some(trigrams),
            words: Some(words),
            definitions: None,
            included_as_code,
        })
    }

    /// An index with no posting file, for searching while the real one is built: every file the
    /// build would index is a candidate and is read and verified in full, so its answers are the
    /// index's answers (same counts, same ranking), only slower. Costs one status byte per file.
    pub fn scan(snap: Arc<Snapshot>) -> Index {
        let status: Vec<FileStatus> = snap.files().iter().map(FileStatus::of).collect();
        let mut left_out = BTreeMap::new();
        for s in status.iter().filter(|&&s| s != FileStatus::Indexed) {
            *left_out.entry(s.as_str().to_owned()).or_insert(0) += 1;
        }
        let indexed = snap.files().iter().zip(&status).filter(|(_, s)| **s == FileStatus::Indexed);
        let (files_indexed, bytes_indexed) =
            indexed.fold((0u64, 0u64), |(n, b), (e, _)| (n + 1, b + e.size_bytes));
        let meta = IndexMeta {
            format: FORMAT_VERSION,
            tree_sha256: snap.ids().tree_sha256,
            manifest_sha256: manifest_sha256(&snap),
            content_key: Some(*snap.content_key()),
            files_total: status.len() as u64,
            files_indexed,
            bytes_indexed,
            left_out,
            trigrams: 0,
            files_bin_bytes: 0,
            trigrams_bin_bytes: 0,
            words_bin_bytes: 0,
            build_ms: 0,
        };
        // A damaged record is reported where the search reads its rows; nothing is included then.
        let included_as_code = included_as_code(&snap).unwrap_or_default();
        let files = FileTable::new(snap, &status);
        Index {
            dir: PathBuf::new(),
            meta,
            files,
            trigrams: None,
            words: None,
            definitions: None,
            included_as_code,
        }
    }

    /// The lexical family of file `path` (text `text`) for the `in:` filter: by its name and its `#!`
    /// line (`Family::of_file`), except that a file another
    /// includes as code is read in its includer's language whatever its name (`data/table.txt`).
    pub fn family_of(&self, path: &[u8], text: &[u8]) -> crate::regions::Family {
        if !self.included_as_code.is_empty()
            && let Some(&lang) = self.included_as_code.get(vitrine_snapshot::path_display(path).as_str())
        {
            // That language's lexical family, whatever it is (read as a file so named: the one name
            // every name-based reader is given, `CodeLanguage::as_named`).
            let as_named = lang.as_named().as_bytes();
            return crate::regions::Family::of_path(as_named);
        }
        crate::regions::Family::of_file(path, text)
    }

    /// Whether this is a scan ([`Index::scan`]): no posting file narrows the files read.
    pub fn is_scan(&self) -> bool {
        self.trigrams.is_none()
    }

    /// The index directory (`<data>/snapshots/<tree>/index`) the files were read from.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// What `meta.json` records: counts, sizes and the snapshot the index belongs to.
    pub fn meta(&self) -> &IndexMeta {
        &self.meta
    }

    /// Why each file of the snapshot is or is not indexed, and its path by id.
    pub fn files(&self) -> &FileTable {
        &self.files
    }

    /// The posting file (`None` for a scan).
    pub fn trigrams(&self) -> Option<&TrigramFile> {
        self.trigrams.as_ref()
    }

    /// Whether file `id` may contain the whole word `word` (lower-case ASCII identifier): false only
    /// when its word filter rules it out; files without a filter always may.
    pub(crate) fn may_contain_word(&self, id: u32, word: &str) -> bool {
        self.words.as_ref().is_none_or(|w| w.may_contain(id, word))
    }

    /// Plugs in the definitions behind `sym:` and the ranking of defining files.
    pub fn set_definitions(&mut self, source: Arc<dyn DefinitionSource>) {
        self.definitions = Some(source);
    }

    /// The definition source set with [`Index::set_definitions`], if any; without one a
    /// `sym:` query is refused as a query error and no file is ranked as defining.
    pub fn definitions(&self) -> Option<&dyn DefinitionSource> {
        self.definitions.as_deref()
    }

    /// Reads file `id` through the snapshot's accessor and calls `f` with its searchable text; `None`
    /// when the file no longer holds the bytes the manifest records (reported to the caller rather than
    /// searched: no line of other bytes is shown or counted).
    pub(crate) fn with_text<R>(&self, id: u32, f: impl FnOnce(&[u8]) -> R) -> Result<Option<R>, SearchError> {
        let entry = self
            .files
            .entry(id)?
            .ok_or_else(|| SearchError::corrupt(&self.dir, format!("file {id} is not in the snapshot")))?;
        let raw = match self.files.snapshot().read(&entry) {
            Ok(raw) => raw,
            Err(vitrine_snapshot::SnapshotError::ChangedOnDisk { .. }) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        Ok(Some(match search_text(&raw) {
            std::borrow::Cow::Borrowed(b) => f(b),
            std::borrow::Cow::Owned(b) => f(&b),
        }))
    }
}

/// The one field of `meta.json` read before its seal is checked.
#[derive(Deserialize)]
struct FormatOnly {
    format: u32,
}

/// SHA-256 over every row of `snap`'s manifest, in order: path (length first), size, content hash
/// and whether it is a link.
pub(crate) fn manifest_sha256(snap: &Snapshot) -> Sha256Id {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for e in snap.files() {
        let path = e.path.as_bytes();
        h.update((path.len() as u64).to_le_bytes());
        h.update(path);
        h.update(e.size_bytes.to_le_bytes());
        h.update(e.sha256.as_bytes());
        h.update([u8::from(matches!(e.kind, vitrine_snapshot::EntryKind::Symlink { .. }))]);
    }
    Sha256Id::from_bytes(h.finalize().into())
}

/// What happened when an index was asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opened {
    /// An existing index was opened as is.
    Reused,
    /// There was none; it was built.
    Built,
    /// The one on disk could not be used (corrupt, other format); it was rebuilt. The reason is for
    /// the user.
    Rebuilt {
        /// Why the old index was refused (the corrupt or mismatch message), for the user.
        reason: String,
    },
}

/// Opens the index of `snap` under `index_dir`, building it when missing and rebuilding it when the one
/// on disk cannot be trusted.
pub fn open_or_build(
    snap: &Arc<Snapshot>,
    index_dir: &Path,
    progress: &Progress,
) -> Result<(Index, Opened), SearchError> {
    open_or_build_then(snap, index_dir, progress, || ())
}

/// [`open_or_build`], calling `read_all` as soon as the index no longer needs the cores for long:
/// when every file has been read for a build and the posting lists are placed (writing is left), or
/// before returning an index opened as it was. Not called when a build fails or is
/// cancelled before the end of its parallel pass.
pub fn open_or_build_then(
    snap: &Arc<Snapshot>,
    index_dir: &Path,
    progress: &Progress,
    read_all: impl FnOnce(),
) -> Result<(Index, Opened), SearchError> {
    if !snap.has_content() {
        return Err(SearchError::NoContent);
    }
    let reason = match Index::open(index_dir, snap.clone()) {
        Ok(index) => {
            read_all();
            return Ok((index, Opened::Reused));
        }
        Err(SearchError::Io { source, .. })
            if source.kind() == std::io::ErrorKind::NotFound && !index_dir.exists() =>
        {
            None
        }
        // A damaged snapshot record is the snapshot's problem, not the index's: no rebuild.
        Err(e @ SearchError::Snapshot(_)) => return Err(e),
        Err(e) => Some(e.to_string()),
    };
    // The build reads the whole manifest: a damaged snapshot record is an error here, not later.
    snap.try_files()?;
    build::build_into_then(snap, index_dir, progress, read_all)?;
    let index = Index::open(index_dir, snap.clone())?;
    Ok((
        index,
        match reason {
            None => Opened::Built,
            Some(reason) => Opened::Rebuilt { reason },
        },
    ))
}

#[cfg(test)]
mod tests {
    use vitrine_indexfile::{Seal, Seals};
    use vitrine_snapshot::IngestConfig;

    use super::*;

    fn snapshot(root: &Path) -> Arc<Snapshot> {
        Arc::new(Snapshot::open(root, &IngestConfig::default(), &Progress::default()).unwrap())
    }

    /// Two snapshots with the same git tree but other manifests: a file inside `.git` is listed in
    /// the manifest (and the content key) but left out of the tree ids.
    fn same_tree_other_manifest() -> (tempfile::TempDir, Arc<Snapshot>, Arc<Snapshot>) {
        let tmp = tempfile::tempdir().unwrap();
        for (name, git_config) in [("a", "one\n"), ("b", "two\n")] {
            let root = tmp.path().join(name);
            std::fs::create_dir_all(root.join(".git")).unwrap();
            std::fs::write(root.join("x.c"), "int alpha;\n").unwrap();
            std::fs::write(root.join(".git/config"), git_config).unwrap();
        }
        let (a, b) = (snapshot(&tmp.path().join("a")), snapshot(&tmp.path().join("b")));
        assert_eq!(a.ids().tree_sha256, b.ids().tree_sha256);
        assert_ne!(a.content_key(), b.content_key());
        (tmp, a, b)
    }

    #[test]
    fn a_query_on_a_stored_snapshot_decodes_only_the_manifest_rows_it_reads() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("tree");
        std::fs::create_dir_all(root.join("src")).unwrap();
        for i in 0..40 {
            let text =
                if i % 10 == 3 { format!("int alpha; /* {i} */\n") } else { format!("int beta_{i};\n") };
            std::fs::write(root.join(format!("src/f{i:02}.c")), text).unwrap();
        }
        let cfg = IngestConfig::default();
        let data = vitrine_snapshot::store::DataDir::at(tmp.path().join("data"));
        let dir_snap = snapshot(&root);
        dir_snap.import(&data, &cfg, &Progress::default()).unwrap();
        let index_dir = tmp.path().join("index");
        build_into(&dir_snap, &index_dir, &Progress::default()).unwrap();

        let stored = Arc::new(
            Snapshot::open_stored(&data, &format!("sha256:{}", dir_snap.content_key()), &cfg).unwrap(),
        );
        let index = Index::open(&index_dir, stored.clone()).unwrap();
        let query = crate::Query::new("alpha").unwrap();
        let mut found = Vec::new();
        index
            .search(
                &query,
                &crate::SearchOptions::default(),
                &std::sync::atomic::AtomicBool::new(false),
                &mut |h| {
                    found.push((h.path, h.line_count));
                    true
                },
            )
            .unwrap();
        found.sort();
        let expected: Vec<(String, u64)> =
            [3, 13, 23, 33].iter().map(|i| (format!("src/f{i:02}.c"), 1)).collect();
        assert_eq!(found, expected);
        // The index's open, the candidates' paths and sizes and their reads all went row by row.
        assert!(format!("{stored:?}").contains("decoded: false"), "{stored:?}");
    }

    fn mismatch(r: Result<Index, SearchError>) -> bool {
        matches!(r, Err(SearchError::Mismatch { .. }))
    }

    #[test]
    fn an_index_opens_only_for_the_content_key_it_was_built_for() {
        let (tmp, a, b) = same_tree_other_manifest();
        let dir = tmp.path().join("index");
        build_into(&a, &dir, &Progress::default()).unwrap();
        let meta = Index::open(&dir, a.clone()).unwrap().meta().clone();
        assert_eq!(meta.content_key, Some(*a.content_key()));
        assert!(mismatch(Index::open(&dir, b)), "same tree, another manifest");
    }

    #[test]
    fn an_index_without_a_recorded_content_key_is_checked_by_its_manifest_digest() {
        let (tmp, a, b) = same_tree_other_manifest();
        let dir = tmp.path().join("index");
        build_into(&a, &dir, &Progress::default()).unwrap();
        // What an index written before the key was recorded holds: no `content_key` in meta.json.
        let mut meta: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join("meta.json")).unwrap()).unwrap();
        assert!(meta.as_object_mut().unwrap().remove("content_key").is_some());
        let bytes = serde_json::to_vec(&meta).unwrap();
        std::fs::write(dir.join("meta.json"), &bytes).unwrap();
        let mut seals = Seals::read(&dir).unwrap();
        seals.insert("meta.json", Seal::of(&bytes));
        seals.write(&dir).unwrap();
        assert_eq!(Index::open(&dir, a.clone()).unwrap().meta().content_key, None);
        assert!(mismatch(Index::open(&dir, b)), "the manifest digest still tells them apart");
    }
}

//! Imported snapshots: a snapshot whose files were copied once into the content-addressed blob store,
//! so that naming it by its id later opens it with no walk and no stat of the tree.
//!
//! `Snapshot::import` copies every regular file whose blob the store lacks (blobs are shared by every
//! snapshot that holds the same content, so a second version of a tree costs only its changed files),
//! checking while it copies that the bytes still hash to what the open recorded, then writes the
//! snapshot's **record** `<data>/snapshots/<content key>/snapshot.bin`: the manifest, health report and
//! tree ids. `Snapshot::open_stored` reads that one file back.
//!
//! **Why no stat is needed.** Everything an imported snapshot answers from is named by a hash: the
//! record by the content key (computed by the import from the files it hashed, stored in the record,
//! and compared with the id the record was found by, so a record filed under another id is refused),
//! and every file's bytes by their SHA-256 (a blob is re-hashed on every read, `content::read`, so a
//! blob changed or damaged on disk is an error before any of its lines is shown or counted). Nothing in
//! the store is ever rewritten in place with other content, so nothing can be stale: a later change to
//! the directory the snapshot was imported from is simply not part of this snapshot (importing it
//! again makes a new one).
//!
//! **What an open checks, and against whom.** The record is read by range (`record`, format 2): an
//! open reads and checks the preamble, the table of block CRCs and the head (the analysis fingerprint,
//! the id the record states, the tree ids, the counts): what grows with the number of files is only
//! the block table, 4 bytes per 4 KiB of record. A row, and the health report (its findings grow with
//! the files: 7.8 MB at Linux 4x), are read when asked for, their blocks checked against their CRCs first,
//! and damage found then is an error of that read naming the record (`SnapshotError::StoredRecord`),
//! never a file silently missing. The manifest is not hashed again on every open: the import proved
//! that it hashes to the key, and re-proving it cost every query a SHA-256 pass over all manifest rows
//! (7 MB on Linux). As for the reopen table, the ingest cache and the indexes, the data directory is the
//! user's own: its checksums catch damage (a flipped bit, a torn or truncated write), not someone who
//! can write it and recompute them (who could as well rewrite the reopen table of a directory, or the
//! index). Identity statements never come from it: `digest`, `health`, `export` and verification hash
//! every byte of a directory or archive and refuse an id.
//!
//! **Records of format 1** (written before format 2: `MAGIC_V1`, the fingerprint, the format family
//! (`dir`, `tar`, `zip`), the imported-from path, the snapshot part of the reopen table
//! (`reopen::put_parts`), then one CRC-32 of everything before it) are still opened, read whole and
//! checked as they were, then rewritten in format 2 when the data directory can be written (an atomic
//! replace with the same snapshot), so an existing data directory keeps working and its next query
//! reads by range.

use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::Sha256Id;
use crate::blobs::{Batch, BlobStore};
use crate::cache::{self, Reader};
use crate::content::Source;
use crate::error::SnapshotError;
use crate::files::Files;
use crate::gitid::TreeIds;
use crate::health::HealthReport;
use crate::ingest::{self, IngestConfig, file_type_name};
use crate::progress::Progress;
use crate::record::{self, Record};
use crate::reopen::{self, Parts};
use crate::{EntryKind, FileEntry, Origin, Snapshot, gitrepo};

/// The magic of a record of format 1 (read whole; the current format is `record`'s).
const MAGIC_V1: &[u8; 16] = b"VITRINE-STORED\x00\x01";

/// The record's file name inside the snapshot's folder of the data directory.
pub(crate) const RECORD_FILE: &str = "snapshot.bin";

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportReport {
    /// Blobs copied into the store (content it did not hold yet).
    pub blobs_copied: u64,
    /// Bytes of those blobs.
    pub bytes_copied: u64,
    /// Regular files whose content the store already held.
    pub blobs_shared: u64,
}

/// Copies the content of `snap` that `store` lacks into it, then writes the record `record`.
pub(crate) fn import(
    snap: &Snapshot,
    store: &BlobStore,
    record: &Path,
    config: &IngestConfig,
    progress: &Progress,
) -> Result<ImportReport, SnapshotError> {
    if !snap.has_content() {
        return Err(SnapshotError::ContentNotKept { path: snap.name() });
    }
    let mut missing: Vec<&FileEntry> = snap
        .files
        .all()
        .iter()
        .filter(|f| matches!(f.kind, EntryKind::File { .. }))
        .filter(|f| !store.contains(&f.sha256, f.size_bytes))
        .collect();
    let regular = snap.files.all().iter().filter(|f| matches!(f.kind, EntryKind::File { .. })).count() as u64;
    // One copy per content, even when several files hold it.
    missing.sort_by_key(|f| f.sha256);
    missing.dedup_by_key(|f| f.sha256);
    let bytes_copied = missing.iter().map(|f| f.size_bytes).sum();
    progress.set_phase("copying into the blob store", missing.len() as u64);
    if !missing.is_empty() {
        let batch = store.batch()?;
        missing.par_iter().try_for_each(|f| {
            if progress.is_cancelled() {
                return Err(SnapshotError::Cancelled);
            }
            copy_in(&snap.source, f, &batch)?;
            progress.advance(1, f.size_bytes);
            Ok(())
        })?;
        batch.finish()?;
    }
    let bytes = encode(snap, config)?;
    if let Some(dir) = record.parent() {
        std::fs::create_dir_all(dir).map_err(|e| SnapshotError::io("create directory", dir, e))?;
    }
    vitrine_base::fs::write_atomic(record, &bytes).map_err(|e| SnapshotError::io(e.op, e.path, e.source))?;
    let blobs_copied = missing.len() as u64;
    Ok(ImportReport { blobs_copied, bytes_copied, blobs_shared: regular.saturating_sub(blobs_copied) })
}

/// Streams one file into a staged blob, checking that it is still a regular file of its recorded size
/// whose bytes hash to the recorded SHA-256: a file changed since the open is refused, never stored
/// under the old hash.
fn copy_in(source: &Source, entry: &FileEntry, batch: &Batch) -> Result<(), SnapshotError> {
    let (opened, disk) = source.open(entry.path.as_bytes(), &entry.sha256)?;
    let file = opened.map_err(|e| SnapshotError::io("open", &disk, e))?;
    let meta = file.metadata().map_err(|e| SnapshotError::io("fstat", &disk, e))?;
    let changed = |detail: String| SnapshotError::ChangedWhileRead { path: disk.clone(), detail };
    if !meta.is_file() {
        return Err(changed(format!("is now a {}", file_type_name(meta.file_type()))));
    }
    let mut spool = batch.spool()?;
    let mut hasher = Sha256::new();
    let mut reader = file.take(entry.size_bytes.saturating_add(1));
    let mut buf = vec![0u8; 256 * 1024];
    let mut total = 0u64;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(SnapshotError::io("read", &disk, e)),
        };
        let chunk = buf.get(..n).unwrap_or_default();
        hasher.update(chunk);
        spool.write_all(chunk)?;
        total += n as u64;
    }
    let digest: [u8; 32] = hasher.finalize().into();
    if total != entry.size_bytes || &digest != entry.sha256.as_bytes() {
        return Err(changed("its content differs from what was hashed when the snapshot was opened".into()));
    }
    spool.commit(batch, &entry.sha256)
}

/// The path a snapshot was imported from, as its record states it.
fn imported_from(snap: &Snapshot) -> PathBuf {
    match &snap.origin {
        Origin::Directory { path }
        | Origin::Archive { path, .. }
        | Origin::Store { imported_from: path, .. } => {
            std::fs::canonicalize(path).unwrap_or_else(|_| path.clone())
        }
    }
}

/// The record of `snap` in the current format (`record`): its head holds the fingerprint, the format
/// family, the path it was imported from and [`put_facts`]; its health section [`put_health`]; its
/// rows the manifest.
fn encode(snap: &Snapshot, config: &IngestConfig) -> Result<Vec<u8>, SnapshotError> {
    let mut head = Vec::with_capacity(1 << 12);
    head.extend_from_slice(&cache::fingerprint(config));
    cache::put_bytes(&mut head, ingest::format_family(&snap.origin).as_bytes());
    cache::put_bytes(&mut head, imported_from(snap).as_os_str().as_bytes());
    let files = snap.files.try_all()?;
    put_facts(&mut head, snap, files);
    let mut health = Vec::with_capacity(1 << 16);
    cache::put_health(&mut health, snap.try_health()?);
    Ok(record::encode(&head, &health, files))
}

/// The small facts of the head: the tree ids, the content key, the number of regular files, the total
/// bytes and the digest of the indexable paths.
fn put_facts(buf: &mut Vec<u8>, snap: &Snapshot, files: &[FileEntry]) {
    cache::put_ids(buf, &snap.ids, &snap.content_key);
    let (regular, total) = record::totals(files);
    for n in [regular, total] {
        buf.extend_from_slice(&n.to_le_bytes());
    }
    let indexable = files.iter().filter(|f| f.is_indexable()).map(|f| f.path.display());
    buf.extend_from_slice(crate::indexable_paths_digest(indexable).as_bytes());
}

/// What [`put_facts`] wrote.
struct Facts {
    ids: TreeIds,
    content_key: Sha256Id,
    regular: u64,
    total_bytes: u64,
    indexable_digest: Sha256Id,
}

/// What [`cache::put_health`] wrote (all of `bytes`).
pub(crate) fn get_health(bytes: &[u8]) -> Option<HealthReport> {
    let mut r = Reader::new(bytes);
    let health = cache::get_health(&mut r)?;
    r.at_end().then_some(health)
}

fn get_facts(r: &mut Reader<'_>) -> Option<Facts> {
    let (ids, content_key) = cache::get_ids(r)?;
    let (regular, total_bytes) = (r.u64()?, r.u64()?);
    let indexable_digest = Sha256Id::from_bytes(r.array::<32>()?);
    Some(Facts { ids, content_key, regular, total_bytes, indexable_digest })
}

/// Opens the snapshot whose record is `record`, reading its files from `store`. `content_key` is the id
/// the record was found by: the record must state it. A record of the current format is read by range
/// (`record`); one of format 1 (written before it) is read whole, then rewritten in the current format
/// when the data directory can be written (the same snapshot, so later opens read it by range).
pub(crate) fn open(
    record: &Path,
    content_key: &Sha256Id,
    store: BlobStore,
    config: &IngestConfig,
) -> Result<Snapshot, SnapshotError> {
    let file = std::fs::File::open(record).map_err(|e| SnapshotError::io("open", record, e))?;
    let mut magic = [0u8; 16];
    let paged = match file.read_exact_at(&mut magic, 0) {
        Ok(()) => record::is_this_format(&magic),
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => false,
        Err(e) => return Err(SnapshotError::io("read", record, e)),
    };
    if paged {
        return open_paged(Record::open(file, record)?, content_key, store, config);
    }
    drop(file);
    let snap = open_whole(record, content_key, store, config)?;
    // The upgrade is an optimisation: a data directory that cannot be written still opens.
    if let Ok(bytes) = encode(&snap, config) {
        let _ = vitrine_base::fs::write_atomic(record, &bytes);
    }
    Ok(snap)
}

/// Opens a record of the current format: its head now, its rows when asked for.
fn open_paged(
    rec: Record,
    content_key: &Sha256Id,
    store: BlobStore,
    config: &IngestConfig,
) -> Result<Snapshot, SnapshotError> {
    let path = rec.path().to_path_buf();
    let bad = |detail: &str| SnapshotError::StoredRecord { path: path.clone(), detail: detail.to_owned() };
    let (family, imported_from, facts) = {
        let mut r = Reader::new(rec.head()?);
        let (family, from) = get_frame(&mut r, config).map_err(bad)?;
        let facts = get_facts(&mut r).filter(|_| r.at_end()).ok_or_else(|| bad(DAMAGED))?;
        (family, from, facts)
    };
    // The record states the content key the import computed from the files themselves; a record filed
    // under another id is refused (see the module's doc).
    if facts.content_key != *content_key {
        return Err(bad("it records another id than the one it was found by"));
    }
    let regular = usize::try_from(facts.regular).map_err(|_| bad(DAMAGED))?;
    let files = Files::paged(rec.into_rows(), regular, facts.total_bytes, facts.indexable_digest);
    let damage = std::cell::OnceCell::new();
    let git = gitrepo::inspect_files(
        &gitrepo::ArchiveFiles::reading(&files, &store, &damage),
        &facts.ids,
        &gitrepo::GitLimits::default(),
    );
    if let Some(e) = damage.into_inner() {
        return Err(e);
    }
    Ok(Snapshot {
        origin: Origin::Store { imported_from, family },
        source: Source::Blobs(store),
        files,
        ids: facts.ids,
        // Read from the record's health section when asked for (`Snapshot::health`).
        health: HealthReport::default(),
        git,
        cached_files: 0,
        content_key: facts.content_key,
        reopened: false,
    })
}

const DAMAGED: &str = "the record is damaged";

/// The fingerprint, format family and imported-from path at the start of a record's body.
fn get_frame(r: &mut Reader<'_>, config: &IngestConfig) -> Result<(&'static str, PathBuf), &'static str> {
    if r.take(32) != Some(cache::fingerprint(config).as_slice()) {
        return Err("it was imported by another version of Vitrine's analysis, or with other limits");
    }
    let family = match r.bytes().ok_or(DAMAGED)? {
        b"dir" => "dir",
        b"tar" => "tar",
        b"zip" => "zip",
        _ => return Err(DAMAGED),
    };
    let from = PathBuf::from(std::ffi::OsStr::from_bytes(r.bytes().ok_or(DAMAGED)?));
    Ok((family, from))
}

/// Opens a record of format 1, read whole and checked by one CRC-32.
fn open_whole(
    record: &Path,
    content_key: &Sha256Id,
    store: BlobStore,
    config: &IngestConfig,
) -> Result<Snapshot, SnapshotError> {
    let bytes = std::fs::read(record).map_err(|e| SnapshotError::io("read", record, e))?;
    let bad = |detail: &'static str| SnapshotError::StoredRecord {
        path: record.to_path_buf(),
        detail: detail.into(),
    };
    let (family, imported_from, parts) = decode_v1(&bytes, config).map_err(bad)?;
    let Parts { rows, ids, health, content_key: recorded } = parts;
    // The manifest stays encoded in the record's bytes (see `files`): a query decodes the rows it uses.
    let files = Files::encoded(bytes.into_boxed_slice(), rows);
    if recorded != *content_key {
        return Err(bad("it records another id than the one it was found by"));
    }
    let git = gitrepo::inspect_files(
        &gitrepo::ArchiveFiles::new(&files, &store),
        &ids,
        &gitrepo::GitLimits::default(),
    );
    Ok(Snapshot {
        origin: Origin::Store { imported_from, family },
        source: Source::Blobs(store),
        files,
        ids,
        health,
        git,
        cached_files: 0,
        content_key: recorded,
        reopened: false,
    })
}

/// Checks the frame of a format-1 record and decodes it; the error says what is wrong.
fn decode_v1(bytes: &[u8], config: &IngestConfig) -> Result<(&'static str, PathBuf, Parts), &'static str> {
    let body_end = bytes.len().checked_sub(4).ok_or(DAMAGED)?;
    let (body, crc) = bytes.split_at(body_end);
    if crc32fast::hash(body).to_le_bytes() != crc {
        return Err("the record is damaged (checksum)");
    }
    let mut r = Reader::new(body);
    if r.take(MAGIC_V1.len()) != Some(MAGIC_V1.as_slice()) {
        return Err("not a record of an imported snapshot");
    }
    let (family, from) = get_frame(&mut r, config)?;
    let parts = reopen::get_parts(&mut r).ok_or(DAMAGED)?;
    if !r.at_end() {
        return Err(DAMAGED);
    }
    Ok((family, from, parts))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::tests::tree;
    use crate::store::DataDir;

    fn observable(s: &Snapshot) -> String {
        serde_json::to_string(&(s.ids(), s.files(), s.health(), s.content_key(), s.git())).unwrap()
    }

    fn imported(root: &Path, data: &DataDir) -> Snapshot {
        let cfg = IngestConfig::default();
        let snap = Snapshot::open(root, &cfg, &Progress::default()).unwrap();
        snap.import(data, &cfg, &Progress::default()).unwrap();
        snap
    }

    #[test]
    fn an_imported_snapshot_opens_by_id_equal_to_the_directory_and_reads_its_files() {
        let t = tree();
        let d = tempfile::tempdir().unwrap();
        let data = DataDir::at(d.path());
        let dir = imported(t.path(), &data);
        let key = dir.content_key().to_string();
        for name in [format!("sha256:{key}"), format!("sha256:{}", &key[..8])] {
            let s = Snapshot::open_stored(&data, &name, &IngestConfig::default()).unwrap();
            assert_eq!(observable(&s), observable(&dir), "{name}");
            assert!(matches!(s.origin(), Origin::Store { family: "dir", .. }));
            for f in s.files() {
                assert_eq!(s.read(f).unwrap(), dir.read(f).unwrap(), "{}", f.path.display());
            }
        }
        // The directory can go: the store holds everything.
        std::fs::remove_dir_all(t.path()).unwrap();
        let s = Snapshot::open_stored(&data, &format!("sha256:{key}"), &IngestConfig::default()).unwrap();
        let e = s.file(b"src/main.c").unwrap();
        assert_eq!(s.read(e).unwrap(), b"int main(void) { return 0; }\n");
    }

    #[test]
    fn a_stored_snapshot_answers_lookups_from_its_record_without_decoding_the_manifest() {
        let t = tree();
        let d = tempfile::tempdir().unwrap();
        let data = DataDir::at(d.path());
        let dir = imported(t.path(), &data);
        let s =
            Snapshot::open_stored(&data, &format!("sha256:{}", dir.content_key()), &IngestConfig::default())
                .unwrap();
        let encoded = |s: &Snapshot| format!("{s:?}").contains("form: \"paged\", decoded: false");
        assert!(encoded(&s), "{s:?}");
        assert_eq!(s.file_count(), dir.files().len());
        assert_eq!(s.total_bytes(), dir.total_bytes());
        let indexable: Vec<&[u8]> =
            dir.files().iter().filter(|f| f.is_indexable()).map(|f| f.path.as_bytes()).collect();
        assert_eq!(s.indexable_paths().collect::<Result<Vec<_>, _>>().unwrap(), indexable);
        for (i, f) in dir.files().iter().enumerate() {
            assert_eq!(s.find_file(f.path.as_bytes()).unwrap(), Some(i));
            assert_eq!(s.file_path(i).unwrap(), Some(f.path.as_bytes()));
            assert_eq!(s.file_size(i).unwrap(), Some(f.size_bytes));
            let one = s.file_entry(f.path.as_bytes()).unwrap().unwrap();
            assert_eq!(format!("{:?}", one), format!("{f:?}"));
            assert_eq!(s.read(&one).unwrap(), dir.read(f).unwrap());
        }
        assert!(s.file_entry(b"src/nothing.c").unwrap().is_none());
        assert!(encoded(&s), "a lookup decoded the whole manifest: {s:?}");
        // The whole list, once asked for, is the directory's.
        assert_eq!(format!("{:?}", s.files()), format!("{:?}", dir.files()));
        assert!(!encoded(&s));
    }

    #[test]
    fn a_blob_changed_on_disk_is_refused_before_its_bytes_are_handed_out() {
        let t = tree();
        let d = tempfile::tempdir().unwrap();
        let data = DataDir::at(d.path());
        let key = imported(t.path(), &data).content_key().to_owned();
        let s = Snapshot::open_stored(&data, &format!("sha256:{key}"), &IngestConfig::default()).unwrap();
        let e = s.file(b"src/main.c").unwrap().clone();
        let blob = BlobStore::at(data.blob_dir()).path_of(&e.sha256);
        let mut bytes = std::fs::read(&blob).unwrap();
        bytes[0] ^= 0x01; // same size, one bit flipped
        std::fs::write(&blob, &bytes).unwrap();
        let err = s.read(&e).unwrap_err();
        assert!(matches!(err, SnapshotError::ChangedOnDisk { .. }), "{err}");
        std::fs::remove_file(&blob).unwrap();
        assert!(s.read(&e).is_err());
    }

    #[test]
    fn a_second_version_shares_the_blobs_of_the_first() {
        let t = tree();
        let d = tempfile::tempdir().unwrap();
        let data = DataDir::at(d.path());
        let cfg = IngestConfig::default();
        let first = Snapshot::open(t.path(), &cfg, &Progress::default()).unwrap();
        let r1 = first.import(&data, &cfg, &Progress::default()).unwrap();
        assert!(r1.blobs_copied > 0);
        std::fs::write(t.path().join("src/main.c"), "int main(void) { return 7; }\n").unwrap();
        let second = Snapshot::open(t.path(), &cfg, &Progress::default()).unwrap();
        let r2 = second.import(&data, &cfg, &Progress::default()).unwrap();
        assert_eq!(r2.blobs_copied, 1, "{r2:?}");
        assert_eq!(r2.blobs_shared + 1, r1.blobs_copied + r1.blobs_shared);
        // Both versions stay openable, each with its own content.
        for (snap, text) in [(&first, "return 0"), (&second, "return 7")] {
            let s = Snapshot::open_stored(&data, &format!("sha256:{}", snap.content_key()), &cfg).unwrap();
            let e = s.file(b"src/main.c").unwrap();
            assert!(String::from_utf8(s.read(e).unwrap()).unwrap().contains(text));
        }
    }

    #[test]
    fn a_file_changed_after_the_open_is_not_imported_under_its_old_hash() {
        let t = tree();
        let d = tempfile::tempdir().unwrap();
        let data = DataDir::at(d.path());
        let cfg = IngestConfig::default();
        let snap = Snapshot::open(t.path(), &cfg, &Progress::default()).unwrap();
        std::fs::write(t.path().join("src/main.c"), "int main(void) { return 9; }\n").unwrap();
        let err = snap.import(&data, &cfg, &Progress::default()).unwrap_err();
        assert!(matches!(err, SnapshotError::ChangedWhileRead { .. }), "{err}");
        let sha = snap.file(b"src/main.c").unwrap().sha256;
        assert!(!BlobStore::at(data.blob_dir()).path_of(&sha).exists());
        assert!(!data.snapshot_dir(snap.content_key()).join(RECORD_FILE).exists());
    }

    #[test]
    fn unknown_ambiguous_and_malformed_names_are_clear_errors() {
        let d = tempfile::tempdir().unwrap();
        let data = DataDir::at(d.path());
        let cfg = IngestConfig::default();
        let t = tree();
        let a_id = *imported(t.path(), &data).content_key();
        let a = a_id.to_string();
        // A second record whose id shares the first 6 digits (what a resolver sees of two snapshots).
        let b = format!("{}{}", &a[..6], if a.as_bytes()[6] == b'0' { "1" } else { "0" }.repeat(58));
        let b_id: Sha256Id = b.parse().unwrap();
        std::fs::create_dir_all(data.snapshot_dir(&b_id)).unwrap();
        std::fs::copy(data.snapshot_dir(&a_id).join(RECORD_FILE), data.snapshot_dir(&b_id).join(RECORD_FILE))
            .unwrap();
        match Snapshot::open_stored(&data, &format!("sha256:{}", &a[..6]), &cfg).unwrap_err() {
            SnapshotError::AmbiguousSnapshot { matches, .. } => assert_eq!(matches.len(), 2, "{matches:?}"),
            e => panic!("{e}"),
        }
        assert_eq!(*Snapshot::open_stored(&data, &format!("sha256:{a}"), &cfg).unwrap().content_key(), a_id);
        let keys = [a.clone(), b];
        // The keys are fixed by the tree's content: none starts with this.
        assert!(keys.iter().all(|k| !k.starts_with("0000000")));
        assert!(matches!(
            Snapshot::open_stored(&data, "sha256:0000000", &cfg).unwrap_err(),
            SnapshotError::UnknownSnapshot { .. }
        ));
        for bad in ["sha256:", "sha256:xyz", "sha256:../../etc", "@", "@../x", "@a/b", "@.hidden", "plain"] {
            let e = Snapshot::open_stored(&data, bad, &cfg).unwrap_err();
            assert!(matches!(e, SnapshotError::BadSnapshotName { .. }), "{bad}: {e}");
        }
        assert!(matches!(
            Snapshot::open_stored(&data, "@nobody", &cfg).unwrap_err(),
            SnapshotError::UnknownSnapshot { .. }
        ));
        data.set_label("v1.2", &a_id).unwrap();
        let s = Snapshot::open_stored(&data, "@v1.2", &cfg).unwrap();
        assert_eq!(*s.content_key(), a_id);
        assert!(data.set_label("../x", &a_id).is_err());
    }

    /// Opens the record of `key` and reads every row every way: the open, or some read, must fail with
    /// an error naming the record, and none may answer with other content than the good record's.
    fn refused_or_caught(data: &DataDir, key: &Sha256Id, what: &str) {
        let cfg = IngestConfig::default();
        let s = match Snapshot::open_stored(data, &format!("sha256:{key}"), &cfg) {
            Err(SnapshotError::StoredRecord { .. }) => return,
            Err(e) => panic!("{what}: {e}"),
            Ok(s) => s,
        };
        let mut errors = 0;
        let mut check = |r: Result<(), SnapshotError>| match r {
            Ok(()) => {}
            Err(SnapshotError::StoredRecord { path, detail }) => {
                assert!(path.ends_with(RECORD_FILE) && detail.contains("damaged"), "{what}: {detail}");
                errors += 1;
            }
            Err(e) => panic!("{what}: {e}"),
        };
        for i in 0..s.file_count() {
            check(s.file_at(i).map(|_| ()));
            check(s.file_path(i).and_then(|p| s.find_file(p.unwrap_or_default())).map(|_| ()));
        }
        check(s.indexable_paths().collect::<Result<Vec<_>, _>>().map(|_| ()));
        check(s.try_files().map(|_| ()));
        check(s.try_health().map(|_| ()));
        assert!(errors > 0, "{what}: opened and read without an error");
    }

    #[test]
    fn damaged_foreign_or_misfiled_records_are_refused() {
        let t = tree();
        let d = tempfile::tempdir().unwrap();
        let data = DataDir::at(d.path());
        let cfg = IngestConfig::default();
        let key = *imported(t.path(), &data).content_key();
        let record = data.snapshot_dir(&key).join(RECORD_FILE);
        let good = std::fs::read(&record).unwrap();
        let open = || Snapshot::open_stored(&data, &format!("sha256:{key}"), &cfg);
        let refused = |what: &str| match open() {
            Err(SnapshotError::StoredRecord { detail, .. }) => detail,
            Ok(_) => panic!("{what}: opened"),
            Err(e) => panic!("{what}: {e}"),
        };
        assert!(record::is_this_format(&good));
        for at in (0..good.len()).step_by(7) {
            let mut bad = good.clone();
            bad[at] ^= 0x04;
            std::fs::write(&record, &bad).unwrap();
            refused_or_caught(&data, &key, &format!("flipped at {at}"));
        }
        for len in [0, 15, 16, 71, 72, good.len() / 2, good.len() - 1] {
            std::fs::write(&record, &good[..len]).unwrap();
            refused(&format!("truncated to {len}"));
        }
        // Other limits: the analysis it records is not this one's.
        std::fs::write(&record, &good).unwrap();
        let mut other = cfg.clone();
        other.classify.max_text_bytes = 4;
        let e = Snapshot::open_stored(&data, &format!("sha256:{key}"), &other).unwrap_err();
        assert!(e.to_string().contains("another version"), "{e}");
        // A valid record filed under another id (a checksum cannot catch that; the id check does).
        let other_key = "0".repeat(64);
        let misfiled = data.snapshot_dir(&other_key.parse().unwrap()).join(RECORD_FILE);
        std::fs::create_dir_all(misfiled.parent().unwrap()).unwrap();
        std::fs::copy(&record, &misfiled).unwrap();
        match Snapshot::open_stored(&data, &format!("sha256:{other_key}"), &cfg) {
            Err(SnapshotError::StoredRecord { detail, .. }) => assert!(detail.contains("id"), "{detail}"),
            r => panic!("{:?}", r.map(|s| s.content_key().to_owned())),
        }
    }

    /// A record as format 1 wrote it (the format of a487eba): `MAGIC_V1`, the fingerprint, family,
    /// imported-from path, `reopen::put_parts`, and a CRC-32 of all that.
    fn encode_v1(snap: &Snapshot, config: &IngestConfig) -> Vec<u8> {
        let mut buf = Vec::new();
        buf.extend_from_slice(MAGIC_V1);
        buf.extend_from_slice(&cache::fingerprint(config));
        cache::put_bytes(&mut buf, ingest::format_family(&snap.origin).as_bytes());
        cache::put_bytes(&mut buf, imported_from(snap).as_os_str().as_bytes());
        reopen::put_parts(&mut buf, snap);
        let crc = crc32fast::hash(&buf);
        buf.extend_from_slice(&crc.to_le_bytes());
        buf
    }

    #[test]
    fn a_record_of_format_1_opens_and_is_rewritten_in_the_current_format() {
        let t = tree();
        let d = tempfile::tempdir().unwrap();
        let data = DataDir::at(d.path());
        let cfg = IngestConfig::default();
        let dir = imported(t.path(), &data);
        let key = *dir.content_key();
        let record = data.snapshot_dir(&key).join(RECORD_FILE);
        let current = std::fs::read(&record).unwrap();
        let v1 = encode_v1(&dir, &cfg);
        std::fs::write(&record, &v1).unwrap();
        let s = Snapshot::open_stored(&data, &format!("sha256:{key}"), &cfg).unwrap();
        assert_eq!(observable(&s), observable(&dir));
        assert!(format!("{s:?}").contains("form: \"encoded\""), "{s:?}");
        // Rewritten as the import writes it today, and read by range from now on.
        assert_eq!(std::fs::read(&record).unwrap(), current);
        let s = Snapshot::open_stored(&data, &format!("sha256:{key}"), &cfg).unwrap();
        assert!(format!("{s:?}").contains("form: \"paged\""), "{s:?}");
        assert_eq!(observable(&s), observable(&dir));
        // A data directory that cannot be written still opens the old record.
        std::fs::write(&record, &v1).unwrap();
        let folder = record.parent().unwrap();
        let mode = |m| std::fs::set_permissions(folder, std::os::unix::fs::PermissionsExt::from_mode(m));
        mode(0o555).unwrap();
        let opened = Snapshot::open_stored(&data, &format!("sha256:{key}"), &cfg).map(|s| observable(&s));
        let still = std::fs::read(&record).unwrap();
        mode(0o755).unwrap();
        assert_eq!(opened.unwrap(), observable(&dir));
        // (Root writes anyway; anyone else leaves the old record in place.)
        assert!(still == v1 || still == current);
    }

    #[test]
    fn rows_longer_than_a_block_and_many_rows_read_back() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path();
        let deep = root.join("d".repeat(200)).join("e".repeat(200));
        std::fs::create_dir_all(&deep).unwrap();
        for i in 0..300 {
            std::fs::write(root.join(format!("f{i:03}.c")), format!("int f{i};\n")).unwrap();
        }
        // A symlink target of 4000 bytes makes a row longer than a block.
        std::os::unix::fs::symlink("x".repeat(4000), root.join("long-link")).unwrap();
        std::fs::write(deep.join("g.c"), "int g;\n").unwrap();
        let d = tempfile::tempdir().unwrap();
        let data = DataDir::at(d.path());
        let dir = imported(root, &data);
        let key = *dir.content_key();
        let record = data.snapshot_dir(&key).join(RECORD_FILE);
        assert!(std::fs::metadata(&record).unwrap().len() > 4 * record::BLOCK as u64);
        let s = Snapshot::open_stored(&data, &format!("sha256:{key}"), &IngestConfig::default()).unwrap();
        for (i, f) in dir.files().iter().enumerate() {
            assert_eq!(s.find_file(f.path.as_bytes()).unwrap(), Some(i));
            assert_eq!(format!("{:?}", s.file_at(i).unwrap().unwrap()), format!("{f:?}"));
        }
        assert_eq!(observable(&s), observable(&dir));
    }
}

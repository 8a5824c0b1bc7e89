//! A snapshot's manifest rows: decoded, still encoded as the reopen table (or a record of format 1)
//! holds them, or read by range from an imported snapshot's record; decoded one row at a time.
//!
//! A command on an already opened snapshot usually looks at a few files: `search --count` at the files
//! its index names, `def` at the files that define a name. Decoding every row of a Linux record (78k
//! rows, 13 MB) into [`FileEntry`] values cost more than the query itself, almost all of it page faults
//! on freshly allocated memory. So a snapshot opened from a reopen table keeps the table's bytes,
//! checks every row when it opens (each row parses: nothing is deferred that could fail later) and
//! remembers where each starts; one opened from a record of the current format (`record`) reads
//! nothing of its rows at the open, and a row when it is asked for (its blocks checked then, so a
//! damaged block is the error of the read that touches it: the accessors return `Result`).
//! [`Files::get`] decodes one row and [`Files::all`] decodes them all once, on the first call. Bytes
//! checked once are never written again: a row read later is the row checked.

use std::borrow::Cow;
use std::sync::OnceLock;

use crate::cache::Reader;

use crate::cache::{self, RawEntry};
use crate::error::SnapshotError;
use crate::health::HealthReport;
use crate::record::Rows;
use crate::{EntryKind, FileEntry, Sha256Id};

/// The rows of a manifest, sorted by path bytes.
pub(crate) struct Files(Repr);

enum Repr {
    Decoded(Vec<FileEntry>),
    Encoded {
        bytes: Box<[u8]>,
        /// Where each row starts in `bytes`, in manifest order, and what the check found in it.
        rows: Vec<Row>,
        decoded: OnceLock<Vec<FileEntry>>,
    },
    /// The rows of a record read by range (`record`): nothing is read before it is asked for, and a
    /// read can find damage.
    Paged(Box<Paged>),
}

struct Paged {
    rows: Rows,
    /// Regular files, total bytes and the digest of the indexable paths, as the record's head states
    /// them.
    regular: usize,
    total_bytes: u64,
    indexable_digest: Sha256Id,
    decoded: OnceLock<Vec<FileEntry>>,
    /// The record's health report, decoded when first asked for.
    health: OnceLock<HealthReport>,
}

/// Where a row starts, and what [`Files::check_rows`] saw in it (so that a walk over the paths of one
/// kind of file need not parse the rows again).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Row {
    at: usize,
    regular: bool,
    indexable: bool,
}

impl std::fmt::Debug for Files {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (form, decoded) = match &self.0 {
            Repr::Decoded(_) => ("decoded", true),
            Repr::Encoded { decoded, .. } => ("encoded", decoded.get().is_some()),
            Repr::Paged(p) => ("paged", p.decoded.get().is_some()),
        };
        f.debug_struct("Files")
            .field("len", &self.len())
            .field("form", &form)
            .field("decoded", &decoded)
            .finish()
    }
}

impl From<Vec<FileEntry>> for Files {
    fn from(files: Vec<FileEntry>) -> Files {
        Files(Repr::Decoded(files))
    }
}

impl Files {
    /// Checks the `n` rows that [`cache::put_file_entry`] wrote at `r`'s position, skipping them, and
    /// returns where each starts (positions of `r`, which must read from the start of the bytes later
    /// given to [`Files::encoded`]); `None` when a row does not parse.
    pub(crate) fn check_rows(r: &mut Reader<'_>, n: usize) -> Option<Vec<Row>> {
        // A row takes at least 100 bytes: a count beyond what is left is damage, not a reason to reserve.
        let mut rows = Vec::with_capacity(n.min(r.rest().len() / 100));
        for _ in 0..n {
            let at = r.pos();
            let row = cache::parse_file_entry(r)?;
            rows.push(Row { at, regular: row.is_regular(), indexable: row.is_indexable() });
        }
        Some(rows)
    }

    /// The rows at `rows` of `bytes`, as [`Files::check_rows`] found them.
    pub(crate) fn encoded(bytes: Box<[u8]>, rows: Vec<Row>) -> Files {
        Files(Repr::Encoded { bytes, rows, decoded: OnceLock::new() })
    }

    /// The rows of a record read by range, with the counts its head states.
    pub(crate) fn paged(rows: Rows, regular: usize, total_bytes: u64, indexable_digest: Sha256Id) -> Files {
        Files(Repr::Paged(Box::new(Paged {
            rows,
            regular,
            total_bytes,
            indexable_digest,
            decoded: OnceLock::new(),
            health: OnceLock::new(),
        })))
    }

    /// The health report of a record read by range (`None` for the other forms, whose snapshot holds
    /// it), decoded on the first call.
    pub(crate) fn stored_health(&self) -> Option<Result<&HealthReport, SnapshotError>> {
        let Repr::Paged(p) = &self.0 else { return None };
        let Paged { rows, health, .. } = &**p;
        Some((|| {
            if let Some(h) = health.get() {
                return Ok(h);
            }
            let decoded =
                crate::stored::get_health(rows.health()?).ok_or_else(|| SnapshotError::StoredRecord {
                    path: rows.path().to_path_buf(),
                    detail: "the record is damaged (its health report does not decode)".into(),
                })?;
            let _ = health.set(decoded);
            health.get().ok_or_else(|| SnapshotError::StoredRecord {
                path: rows.path().to_path_buf(),
                detail: "the record is damaged".into(),
            })
        })())
    }

    /// The digest of the indexable paths, as a record's head states it (`None` for the other forms).
    pub(crate) fn indexable_digest(&self) -> Option<Sha256Id> {
        match &self.0 {
            Repr::Paged(p) => Some(p.indexable_digest),
            _ => None,
        }
    }

    /// Number of rows.
    pub(crate) fn len(&self) -> usize {
        match &self.0 {
            Repr::Decoded(files) => files.len(),
            Repr::Encoded { rows, .. } => rows.len(),
            Repr::Paged(p) => p.rows.len(),
        }
    }

    /// Every row, decoded (on the first call, for an encoded or paged table); for a paged table, the
    /// first damage found in the record.
    pub(crate) fn try_all(&self) -> Result<&[FileEntry], SnapshotError> {
        match &self.0 {
            Repr::Decoded(files) => Ok(files),
            Repr::Encoded { bytes, rows, decoded } => Ok(decoded.get_or_init(|| decode(bytes, rows))),
            Repr::Paged(p) => {
                if let Some(files) = p.decoded.get() {
                    return Ok(files);
                }
                let _ = p.decoded.set(p.rows.decode_all()?);
                Ok(p.decoded.get().map(Vec::as_slice).unwrap_or_default())
            }
        }
    }

    /// Every row, decoded (on the first call, for an encoded or paged table).
    ///
    /// # Panics
    /// When a paged table's record turns out damaged: callers that can meet one (commands on an imported
    /// snapshot) call [`Files::try_all`] first, which keeps the rows for this call.
    pub(crate) fn all(&self) -> &[FileEntry] {
        match self.try_all() {
            Ok(files) => files,
            Err(e) => panic!("{e}"),
        }
    }

    /// The table decoded, without the bytes it was read from.
    pub(crate) fn into_decoded(self) -> Result<Files, SnapshotError> {
        Ok(match self.0 {
            Repr::Decoded(files) => Files(Repr::Decoded(files)),
            Repr::Encoded { bytes, rows, decoded } => {
                Files(Repr::Decoded(decoded.into_inner().unwrap_or_else(|| decode(&bytes, &rows))))
            }
            Repr::Paged(p) => Files(Repr::Decoded(match p.decoded.into_inner() {
                Some(files) => files,
                None => p.rows.decode_all()?,
            })),
        })
    }

    /// Row `i`, borrowed when the table is decoded, else decoded alone.
    pub(crate) fn get(&self, i: usize) -> Result<Option<Cow<'_, FileEntry>>, SnapshotError> {
        Ok(match &self.0 {
            Repr::Decoded(files) => files.get(i).map(Cow::Borrowed),
            Repr::Encoded { bytes, rows, decoded } => match decoded.get() {
                Some(files) => files.get(i).map(Cow::Borrowed),
                None => rows.get(i).and_then(|row| raw(bytes, row.at)).map(|row| Cow::Owned(row.to_entry())),
            },
            Repr::Paged(p) => match p.decoded.get() {
                Some(files) => files.get(i).map(Cow::Borrowed),
                None => p.rows.raw(i)?.map(|row| Cow::Owned(row.to_entry())),
            },
        })
    }

    /// Number of regular files (rows that are not symlinks).
    pub(crate) fn regular_files(&self) -> usize {
        match &self.0 {
            Repr::Decoded(files) => files.iter().filter(|f| matches!(f.kind, EntryKind::File { .. })).count(),
            Repr::Encoded { rows, .. } => rows.iter().filter(|row| row.regular).count(),
            Repr::Paged(p) => p.regular,
        }
    }

    /// Total size in bytes of all rows' content.
    pub(crate) fn total_bytes(&self) -> u64 {
        match &self.0 {
            Repr::Decoded(files) => files.iter().map(|f| f.size_bytes).sum(),
            Repr::Encoded { bytes, rows, .. } => {
                rows.iter().filter_map(|row| raw(bytes, row.at)).map(|row| row.size_bytes).sum()
            }
            Repr::Paged(p) => p.total_bytes,
        }
    }

    /// The path bytes of row `i`, without decoding the row.
    pub(crate) fn path(&self, i: usize) -> Result<Option<&[u8]>, SnapshotError> {
        Ok(match &self.0 {
            Repr::Decoded(files) => files.get(i).map(|f| f.path.as_bytes()),
            Repr::Encoded { bytes, rows, .. } => rows.get(i).and_then(|row| path_at(bytes, row.at)),
            Repr::Paged(p) => p.rows.raw(i)?.map(|row| row.path),
        })
    }

    /// The path of row `i` if the row is one that [`FileEntry::is_indexable`] accepts.
    pub(crate) fn indexable_path(&self, i: usize) -> Result<Option<&[u8]>, SnapshotError> {
        Ok(match &self.0 {
            Repr::Decoded(files) => files.get(i).filter(|f| f.is_indexable()).map(|f| f.path.as_bytes()),
            Repr::Encoded { bytes, rows, .. } => {
                rows.get(i).filter(|row| row.indexable).and_then(|row| path_at(bytes, row.at))
            }
            Repr::Paged(p) => p.rows.raw(i)?.filter(RawEntry::is_indexable).map(|row| row.path),
        })
    }

    /// The size of row `i`'s content.
    pub(crate) fn size_bytes(&self, i: usize) -> Result<Option<u64>, SnapshotError> {
        Ok(match &self.0 {
            Repr::Decoded(files) => files.get(i).map(|f| f.size_bytes),
            Repr::Encoded { bytes, rows, .. } => {
                rows.get(i).and_then(|row| raw(bytes, row.at)).map(|row| row.size_bytes)
            }
            Repr::Paged(p) => p.rows.raw(i)?.map(|row| row.size_bytes),
        })
    }

    /// The first row whose path is not below `pred` (the rows are sorted by path; `pred` must hold for a
    /// prefix of them).
    pub(crate) fn partition_point(&self, pred: impl Fn(&[u8]) -> bool) -> Result<usize, SnapshotError> {
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.path(mid)?.is_some_and(&pred) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        Ok(lo)
    }

    /// The row whose path is `path`.
    pub(crate) fn find(&self, path: &[u8]) -> Result<Option<usize>, SnapshotError> {
        let at = self.partition_point(|p| p < path)?;
        Ok((self.path(at)? == Some(path)).then_some(at))
    }
}

fn decode(bytes: &[u8], rows: &[Row]) -> Vec<FileEntry> {
    // Every row parsed when the table was made, and the bytes have not changed since.
    rows.iter().filter_map(|row| raw(bytes, row.at)).map(|row| row.to_entry()).collect()
}

/// The path of the row at `at` (its first field).
fn path_at(bytes: &[u8], at: usize) -> Option<&[u8]> {
    Reader::new(bytes.get(at..)?).bytes()
}

fn raw(bytes: &[u8], at: usize) -> Option<RawEntry<'_>> {
    cache::parse_file_entry(&mut Reader::new(bytes.get(at..)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::put_file_entry;
    use crate::{ContentClass, RelPath, TextEncoding};

    fn entry(path: &str, i: u8) -> FileEntry {
        FileEntry {
            path: RelPath::from_bytes(path.as_bytes().to_vec()),
            kind: if i % 3 == 2 {
                EntryKind::Symlink { target: format!("../{path}").into_bytes() }
            } else {
                EntryKind::File { executable: i % 3 == 1 }
            },
            size_bytes: u64::from(i) * 7,
            sha256: [i; 32].into(),
            blob_sha256: [i ^ 0x5a; 32].into(),
            blob_sha1: [i ^ 0xa5; 20].into(),
            class: ContentClass::ALL[usize::from(i) % ContentClass::ALL.len()],
            encoding: match i % 3 {
                0 => None,
                1 => Some(TextEncoding::Utf8),
                _ => Some(TextEncoding::Legacy(encoding_rs::WINDOWS_1251)),
            },
            lines: u64::from(i) + 1,
            in_tree: i.is_multiple_of(2),
        }
    }

    /// Every field of an entry (`FileEntry` has no `PartialEq`: its `Debug` form shows every field).
    fn shown(e: Option<&FileEntry>) -> String {
        format!("{e:?}")
    }

    /// `entries` encoded after a header, as a record holds them: the table and its rows.
    fn encode(entries: &[FileEntry]) -> (Vec<u8>, Vec<Row>) {
        let mut bytes = b"header".to_vec();
        for e in entries {
            put_file_entry(&mut bytes, e);
        }
        bytes.extend_from_slice(b"trailer");
        let mut r = Reader::new(&bytes);
        r.take(6).unwrap();
        let rows = Files::check_rows(&mut r, entries.len()).unwrap();
        assert_eq!(r.rest(), b"trailer");
        (bytes, rows)
    }

    /// `entries` as a record of the current format holds them, opened (rows not read yet).
    pub(crate) fn paged(dir: &std::path::Path, entries: &[FileEntry]) -> Files {
        let path = dir.join("record");
        std::fs::write(&path, crate::record::encode(b"head", b"health", entries)).unwrap();
        let rec = crate::record::Record::open(std::fs::File::open(&path).unwrap(), &path).unwrap();
        assert_eq!(rec.head().unwrap(), b"head");
        assert_eq!(rec.health().unwrap(), b"health");
        let (regular, total) = crate::record::totals(entries);
        let digest = crate::indexable_paths_digest(
            entries.iter().filter(|e| e.is_indexable()).map(|e| e.path.display()),
        );
        Files::paged(rec.into_rows(), regular as usize, total, digest)
    }

    fn sample() -> Vec<FileEntry> {
        ["", "a", "a/b", "a/b.c", "a0", "b/\u{43f}", "z"]
            .iter()
            .enumerate()
            .map(|(i, p)| entry(p, i as u8))
            .filter(|e| !e.path.as_bytes().is_empty())
            .collect()
    }

    #[test]
    fn an_encoded_table_answers_every_accessor_as_the_decoded_one() {
        let entries = sample();
        let (bytes, rows) = encode(&entries);
        let encoded = Files::encoded(bytes.into_boxed_slice(), rows);
        let decoded = Files::from(entries.clone());
        let dir = tempfile::tempdir().unwrap();
        let paged = paged(dir.path(), &entries);
        for files in [&encoded, &decoded, &paged] {
            assert_eq!(files.len(), entries.len());
            for (i, e) in entries.iter().enumerate() {
                assert_eq!(shown(files.get(i).unwrap().as_deref()), shown(Some(e)));
                assert_eq!(files.path(i).unwrap(), Some(e.path.as_bytes()));
                assert_eq!(files.size_bytes(i).unwrap(), Some(e.size_bytes));
                assert_eq!(files.find(e.path.as_bytes()).unwrap(), Some(i));
            }
            for absent in [&b""[..], b"a/", b"a/b/c", b"b", b"zz", b"\xff"] {
                assert_eq!(files.find(absent).unwrap(), None, "{absent:?}");
            }
            assert_eq!(files.partition_point(|p| p < &b"a/"[..]).unwrap(), 1);
            assert!(
                files.get(entries.len()).unwrap().is_none() && files.path(entries.len()).unwrap().is_none()
            );
            let regular = entries.iter().filter(|e| matches!(e.kind, EntryKind::File { .. })).count();
            assert_eq!(files.regular_files(), regular);
            let indexable: Vec<_> =
                entries.iter().filter(|e| e.is_indexable()).map(|e| e.path.as_bytes()).collect();
            assert_eq!(
                (0..files.len()).filter_map(|i| files.indexable_path(i).unwrap()).collect::<Vec<_>>(),
                indexable
            );
            assert!(!indexable.is_empty() && indexable.len() < regular);
            assert!(regular > 0 && regular < entries.len());
        }
        assert_eq!(paged.total_bytes(), decoded.total_bytes());
        assert_eq!(encoded.total_bytes(), decoded.total_bytes());
        assert_eq!(format!("{:?}", paged.try_all().unwrap()), format!("{entries:?}"));
        // Decoding the whole table once leaves the answers as they were, now borrowed.
        assert_eq!(format!("{:?}", encoded.all()), format!("{entries:?}"));
        assert!(matches!(encoded.get(0).unwrap(), Some(Cow::Borrowed(_))));
        assert_eq!(shown(encoded.get(3).unwrap().as_deref()), shown(Some(&entries[3])));
        let (bytes, rows) = encode(&entries);
        for files in [encoded, Files::encoded(bytes.into_boxed_slice(), rows)] {
            let decoded = files.into_decoded().unwrap();
            assert!(matches!(decoded.0, Repr::Decoded(_)));
            assert_eq!(format!("{:?}", decoded.all()), format!("{entries:?}"));
        }
    }

    #[test]
    fn a_row_that_does_not_parse_refuses_the_whole_table() {
        let entries = sample();
        let (bytes, rows) = encode(&entries);
        for (i, (row, e)) in rows.iter().zip(&entries).enumerate() {
            let at = row.at;
            // A path length past the end, and a kind code out of range, in row `i`.
            for (offset, value) in [(7, 0x80), (8 + e.path.as_bytes().len(), 9)] {
                let mut bad = bytes.clone();
                bad[at + offset] = value;
                let mut r = Reader::new(&bad);
                r.take(6).unwrap();
                assert!(Files::check_rows(&mut r, entries.len()).is_none(), "row {i}, byte {offset}");
            }
        }
        let mut r = Reader::new(&bytes);
        r.take(6).unwrap();
        assert!(Files::check_rows(&mut r, entries.len() + 1).is_none(), "a count past the rows");
    }
}

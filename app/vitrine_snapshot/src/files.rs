//! A snapshot's manifest rows: decoded, or still encoded as the store's record or the reopen table holds
//! them and decoded one row at a time.
//!
//! A command on an already opened snapshot usually looks at a few files: `search --count` at the files
//! its index names, `def` at the files that define a name. Decoding every row of a Linux record (78k
//! rows, 13 MB) into [`FileEntry`] values cost more than the query itself, almost all of it page faults
//! on freshly allocated memory. So a snapshot opened from a record keeps the record's bytes, checks every
//! row when it opens (each row parses: nothing is deferred that could fail later) and remembers where
//! each row starts; [`Files::get`] decodes one row and [`Files::all`] decodes them all once, on the first
//! call. The bytes were checked against their CRC when read and are never written again: a row read
//! later is the row checked at the open.

use std::borrow::Cow;
use std::sync::OnceLock;

use crate::cache::Reader;

use crate::cache::{self, RawEntry};
use crate::{EntryKind, FileEntry};

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

    /// Number of rows.
    pub(crate) fn len(&self) -> usize {
        match &self.0 {
            Repr::Decoded(files) => files.len(),
            Repr::Encoded { rows, .. } => rows.len(),
        }
    }

    /// Every row, decoded (on the first call, for an encoded table).
    pub(crate) fn all(&self) -> &[FileEntry] {
        match &self.0 {
            Repr::Decoded(files) => files,
            Repr::Encoded { bytes, rows, decoded } => decoded.get_or_init(|| decode(bytes, rows)),
        }
    }

    /// The table decoded, without the bytes it was read from.
    pub(crate) fn into_decoded(self) -> Files {
        match self.0 {
            Repr::Decoded(files) => Files(Repr::Decoded(files)),
            Repr::Encoded { bytes, rows, decoded } => {
                Files(Repr::Decoded(decoded.into_inner().unwrap_or_else(|| decode(&bytes, &rows))))
            }
        }
    }

    /// Row `i`, borrowed when the table is decoded, else decoded alone.
    pub(crate) fn get(&self, i: usize) -> Option<Cow<'_, FileEntry>> {
        match &self.0 {
            Repr::Decoded(files) => files.get(i).map(Cow::Borrowed),
            Repr::Encoded { bytes, rows, decoded } => match decoded.get() {
                Some(files) => files.get(i).map(Cow::Borrowed),
                None => raw(bytes, rows.get(i)?.at).map(|row| Cow::Owned(row.to_entry())),
            },
        }
    }

    /// Number of regular files (rows that are not symlinks).
    pub(crate) fn regular_files(&self) -> usize {
        match &self.0 {
            Repr::Decoded(files) => files.iter().filter(|f| matches!(f.kind, EntryKind::File { .. })).count(),
            Repr::Encoded { rows, .. } => rows.iter().filter(|row| row.regular).count(),
        }
    }

    /// The path bytes of row `i`, without decoding the row.
    pub(crate) fn path(&self, i: usize) -> Option<&[u8]> {
        match &self.0 {
            Repr::Decoded(files) => files.get(i).map(|f| f.path.as_bytes()),
            Repr::Encoded { bytes, rows, .. } => path_at(bytes, rows.get(i)?.at),
        }
    }

    /// The path of row `i` if the row is one that [`FileEntry::is_indexable`] accepts.
    pub(crate) fn indexable_path(&self, i: usize) -> Option<&[u8]> {
        match &self.0 {
            Repr::Decoded(files) => files.get(i).filter(|f| f.is_indexable()).map(|f| f.path.as_bytes()),
            Repr::Encoded { bytes, rows, .. } => {
                rows.get(i).filter(|row| row.indexable).and_then(|row| path_at(bytes, row.at))
            }
        }
    }

    /// The size of row `i`'s content.
    pub(crate) fn size_bytes(&self, i: usize) -> Option<u64> {
        match &self.0 {
            Repr::Decoded(files) => files.get(i).map(|f| f.size_bytes),
            Repr::Encoded { bytes, rows, .. } => raw(bytes, rows.get(i)?.at).map(|row| row.size_bytes),
        }
    }

    /// The first row whose path is not below `pred` (the rows are sorted by path; `pred` must hold for a
    /// prefix of them).
    pub(crate) fn partition_point(&self, pred: impl Fn(&[u8]) -> bool) -> usize {
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.path(mid).is_some_and(&pred) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    /// The row whose path is `path`.
    pub(crate) fn find(&self, path: &[u8]) -> Option<usize> {
        let at = self.partition_point(|p| p < path);
        (self.path(at)? == path).then_some(at)
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
        for files in [&encoded, &decoded] {
            assert_eq!(files.len(), entries.len());
            for (i, e) in entries.iter().enumerate() {
                assert_eq!(shown(files.get(i).as_deref()), shown(Some(e)));
                assert_eq!(files.path(i), Some(e.path.as_bytes()));
                assert_eq!(files.size_bytes(i), Some(e.size_bytes));
                assert_eq!(files.find(e.path.as_bytes()), Some(i));
            }
            for absent in [&b""[..], b"a/", b"a/b/c", b"b", b"zz", b"\xff"] {
                assert_eq!(files.find(absent), None, "{absent:?}");
            }
            assert_eq!(files.partition_point(|p| p < &b"a/"[..]), 1);
            assert!(files.get(entries.len()).is_none() && files.path(entries.len()).is_none());
            let regular = entries.iter().filter(|e| matches!(e.kind, EntryKind::File { .. })).count();
            assert_eq!(files.regular_files(), regular);
            let indexable: Vec<_> =
                entries.iter().filter(|e| e.is_indexable()).map(|e| e.path.as_bytes()).collect();
            assert_eq!(
                (0..files.len()).filter_map(|i| files.indexable_path(i)).collect::<Vec<_>>(),
                indexable
            );
            assert!(!indexable.is_empty() && indexable.len() < regular);
            assert!(regular > 0 && regular < entries.len());
        }
        // Decoding the whole table once leaves the answers as they were, now borrowed.
        assert_eq!(format!("{:?}", encoded.all()), format!("{entries:?}"));
        assert!(matches!(encoded.get(0), Some(Cow::Borrowed(_))));
        assert_eq!(shown(encoded.get(3).as_deref()), shown(Some(&entries[3])));
        let (bytes, rows) = encode(&entries);
        for files in [encoded, Files::encoded(bytes.into_boxed_slice(), rows)] {
            let decoded = files.into_decoded();
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

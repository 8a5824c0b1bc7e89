//! Scratch files of fixed-size records: written while merging, then split into windows of name
//! ranks and read back one window at a time.
//!
//! A record is `W` little-endian `u32` words and is read back as a `[u32; W]`, so a field is an
//! array index the compiler checks, never a byte offset that could fall outside the record. The
//! files are this build's own, but nothing read back is trusted: a file that is not whole records,
//! or a record naming a name id the build never handed out, is [`SyntaxError::Corrupt`] naming the
//! file.

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use crate::error::SyntaxError;

use super::format::{DEF_RECORD, io_err};

/// Records per window of the final sort (a window's records, their keys and the output buffer are
/// what the writing phase holds beside the name table).
pub(super) const WINDOW: u64 = if cfg!(test) { 3 } else { 1 << 20 };

/// A definition as in `defs.bin` but keyed by name id (its sequence number is its position):
/// name id, file, line, column, start line, span | flags << 24, scope id.
pub(super) const DEF_WORDS: usize = DEF_RECORD / 4;
/// A call: callee id, file, line, column, the caller definition's sequence number (or `NONE`).
pub(super) const CALL_WORDS: usize = 5;
/// An occurrence: name id, file.
pub(super) const OCC_WORDS: usize = 2;

/// A scratch file of `W`-word records, written while merging and read back in windows.
pub(super) struct Scratch<const W: usize> {
    pub(super) path: PathBuf,
    writer: BufWriter<File>,
    /// Records pushed so far.
    pub(super) count: u64,
}

impl<const W: usize> Scratch<W> {
    pub(super) fn create(path: PathBuf) -> Result<Scratch<W>, SyntaxError> {
        let file = File::create(&path).map_err(io_err("create", &path))?;
        Ok(Scratch { writer: BufWriter::with_capacity(1 << 20, file), path, count: 0 })
    }

    pub(super) fn push(&mut self, words: &[u32; W]) -> Result<(), SyntaxError> {
        for w in words {
            self.writer.write_all(&w.to_le_bytes()).map_err(io_err("write", &self.path))?;
        }
        self.count += 1;
        Ok(())
    }

    /// Flushes and closes; returns the path and the number of records.
    pub(super) fn finish(self) -> Result<(PathBuf, u64), SyntaxError> {
        let Scratch { path, mut writer, count } = self;
        writer.flush().map_err(io_err("write", &path))?;
        drop(writer);
        Ok((path, count))
    }
}

/// The error for a scratch file that does not hold what this build wrote into it.
pub(super) fn corrupt(path: &Path, reason: impl Into<String>) -> SyntaxError {
    SyntaxError::Corrupt { path: path.to_path_buf(), reason: reason.into() }
}

/// Calls `each(record index, record)` for every `W`-word record of a scratch file, in order, and
/// stops at the first error `each` returns. A file that is not a whole number of records is
/// corrupt.
pub(super) fn scan_scratch<const W: usize>(
    path: &Path,
    mut each: impl FnMut(u64, [u32; W]) -> Result<(), SyntaxError>,
) -> Result<(), SyntaxError> {
    let file = File::open(path).map_err(io_err("open", path))?;
    let len = file.metadata().map_err(io_err("read the size of", path))?.len();
    let size = (W * 4) as u64;
    if len % size != 0 {
        return Err(corrupt(path, format!("{len} bytes is not a whole number of {size}-byte records")));
    }
    let mut r = std::io::BufReader::with_capacity(1 << 20, file);
    let mut buf = vec![0u8; W * 4];
    for i in 0..len / size {
        r.read_exact(&mut buf).map_err(io_err("read", path))?;
        let mut rec = [0u32; W];
        for (word, bytes) in rec.iter_mut().zip(buf.chunks_exact(4)) {
            let mut le = [0u8; 4];
            le.copy_from_slice(bytes);
            *word = u32::from_le_bytes(le);
        }
        each(i, rec)?;
    }
    Ok(())
}

/// Records per name rank in a scratch file of `W`-word records (name id first); `rank_of` maps a
/// name id to its rank, `None` for an id the name table does not hold.
pub(super) fn count_ranks<const W: usize>(
    path: &Path,
    ranks: usize,
    rank_of: &impl Fn(u32) -> Option<u32>,
) -> Result<Vec<u32>, SyntaxError> {
    let mut counts = vec![0u32; ranks];
    scan_scratch::<W>(path, |i, rec| {
        let count = rank_of(rec[0]).and_then(|r| counts.get_mut(r as usize));
        let count = count.ok_or_else(|| unknown_name(path, i, rec[0]))?;
        *count += 1;
        Ok(())
    })?;
    Ok(counts)
}

fn unknown_name(path: &Path, record: u64, id: u32) -> SyntaxError {
    corrupt(path, format!("record {record} names id {id}, which the name table does not hold"))
}

/// Splits a scratch file of `W`-word records (name id first) in one pass into one file per window
/// of name ranks, each record followed by its position in the scratch file (`W + 1` words), so
/// that each window reads only its own records.
pub(super) fn split_scratch<const W: usize>(
    path: &Path,
    windows: &[(u32, u32)],
    rank_of: &impl Fn(u32) -> Option<u32>,
) -> Result<Vec<PathBuf>, SyntaxError> {
    let paths: Vec<PathBuf> = (0..windows.len()).map(|w| path.with_extension(format!("w{w}"))).collect();
    let mut writers = Vec::with_capacity(paths.len());
    for p in &paths {
        writers.push(BufWriter::with_capacity(1 << 16, File::create(p).map_err(io_err("create", p))?));
    }
    scan_scratch::<W>(path, |seq, rec| {
        let r = rank_of(rec[0]).ok_or_else(|| unknown_name(path, seq, rec[0]))?;
        let w = windows.partition_point(|&(r0, _)| r0 <= r).saturating_sub(1);
        let (Some(writer), Some(p)) = (writers.get_mut(w), paths.get(w)) else {
            return Err(corrupt(path, format!("record {seq}: rank {r} is in no window")));
        };
        let seq = u32::try_from(seq).map_err(|_| corrupt(path, "more than 2^32 records"))?;
        for word in rec.iter().chain([&seq]) {
            writer.write_all(&word.to_le_bytes()).map_err(io_err("write", p))?;
        }
        Ok(())
    })?;
    for (mut w, p) in writers.into_iter().zip(&paths) {
        w.flush().map_err(io_err("write", p))?;
    }
    Ok(paths)
}

/// Consecutive ranges of name ranks whose records (`counts[rank]`) fill at most about `WINDOW`
/// records each.
pub(super) fn windows(counts: &[u32]) -> Vec<(u32, u32)> {
    let mut out = Vec::new();
    let (mut start, mut filled) = (0usize, 0u64);
    for (r, &c) in counts.iter().enumerate() {
        let c = u64::from(c);
        if filled > 0 && filled + c > WINDOW {
            out.push((start as u32, r as u32));
            start = r;
            filled = 0;
        }
        filled += c;
    }
    if start < counts.len() || out.is_empty() {
        out.push((start as u32, counts.len() as u32));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A scratch file cut inside a record, and a record naming an id the name table never handed
    /// out, are errors naming the file: never a record read as zeros, never a record dropped.
    #[test]
    fn a_damaged_scratch_file_is_corrupt_and_named() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("calls.scratch");
        let mut s = Scratch::<CALL_WORDS>::create(path.clone()).unwrap();
        s.push(&[0, 1, 2, 3, 4]).unwrap();
        s.push(&[1, 1, 2, 3, 4]).unwrap();
        assert_eq!(s.finish().unwrap().1, 2);
        let rank_of = |id: u32| (id < 2).then(|| 1 - id);
        assert_eq!(count_ranks::<CALL_WORDS>(&path, 2, &rank_of).unwrap(), vec![1, 1]);
        let mut seen = Vec::new();
        scan_scratch::<CALL_WORDS>(&path, |i, rec| {
            seen.push((i, rec));
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, vec![(0, [0, 1, 2, 3, 4]), (1, [1, 1, 2, 3, 4])]);

        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 1]).unwrap();
        let got = count_ranks::<CALL_WORDS>(&path, 2, &rank_of);
        assert!(
            matches!(&got, Err(SyntaxError::Corrupt { path: p, reason }) if *p == path && reason.contains("whole number")),
            "{got:?}"
        );

        let mut flipped = bytes.clone();
        flipped[20] = 7; // the second record's name id
        std::fs::write(&path, &flipped).unwrap();
        for got in [
            count_ranks::<CALL_WORDS>(&path, 2, &rank_of).map(|_| ()),
            split_scratch::<CALL_WORDS>(&path, &[(0, 2)], &rank_of).map(|_| ()),
        ] {
            assert!(
                matches!(&got, Err(SyntaxError::Corrupt { path: p, reason }) if *p == path && reason.contains("id 7")),
                "{got:?}"
            );
        }
    }

    #[test]
    fn windows_cover_every_rank_once() {
        assert_eq!(windows(&[]), vec![(0, 0)]);
        assert_eq!(windows(&[1, 1, 1, 1, 5, 0]), vec![(0, 3), (3, 4), (4, 5), (5, 6)]);
    }
}

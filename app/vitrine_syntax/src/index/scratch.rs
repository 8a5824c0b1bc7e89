//! Scratch files of fixed-size records: written while merging, then split into windows of name
//! ranks and read back one window at a time.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use super::format::*;
use crate::error::SyntaxError;

/// Records per window of the final sort (a window's records, their keys and the output buffer are
/// what the writing phase holds beside the name table).
pub(super) const WINDOW: u64 = if cfg!(test) { 3 } else { 1 << 20 };

/// Scratch records (little-endian `u32`s): a definition as in `defs.bin` but with the name id and
/// its sequence number implied by its position; a call (callee id, file, line, column, caller
/// definition's sequence number); an occurrence (name id, file).
pub(super) const SCRATCH_DEF: usize = DEF_RECORD;
pub(super) const SCRATCH_CALL: usize = 20;
pub(super) const SCRATCH_OCC: usize = 8;

/// A scratch file of fixed-size records, written while merging and read back in windows.
pub(super) struct Scratch {
    pub(super) path: PathBuf,
    pub(super) writer: BufWriter<File>,
    pub(super) count: u64,
}

impl Scratch {
    pub(super) fn create(path: PathBuf) -> Result<Scratch, SyntaxError> {
        let file = File::create(&path).map_err(io_err("create", &path))?;
        Ok(Scratch { writer: BufWriter::with_capacity(1 << 20, file), path, count: 0 })
    }

    pub(super) fn push(&mut self, words: &[u32]) -> Result<(), SyntaxError> {
        for w in words {
            self.writer.write_all(&w.to_le_bytes()).map_err(io_err("write", &self.path))?;
        }
        self.count += 1;
        Ok(())
    }

    /// Flushes and reopens for reading.
    pub(super) fn finish(self) -> Result<(PathBuf, u64), SyntaxError> {
        let Scratch { path, mut writer, count } = self;
        writer.flush().map_err(io_err("write", &path))?;
        drop(writer);
        Ok((path, count))
    }
}

/// Calls `each(record index, record)` for every `size`-byte record of a scratch file, in order.
pub(super) fn scan_scratch(
    path: &Path,
    size: usize,
    mut each: impl FnMut(u64, &[u8]),
) -> Result<(), SyntaxError> {
    let file = File::open(path).map_err(io_err("open", path))?;
    let mut r = std::io::BufReader::with_capacity(1 << 20, file);
    let mut rec = vec![0u8; size];
    let mut i = 0u64;
    loop {
        match std::io::Read::read_exact(&mut r, &mut rec) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(()),
            Err(source) => return Err(SyntaxError::Io { op: "read", path: path.to_path_buf(), source }),
        }
        each(i, &rec);
        i += 1;
    }
}

/// Records per name id in a scratch file (whose records start with the name id).
pub(super) fn count_names(path: &Path, size: usize, names: usize) -> Result<Vec<u32>, SyntaxError> {
    let mut counts = vec![0u32; names];
    scan_scratch(path, size, |_, rec| {
        if let Some(c) = counts.get_mut(le32(rec, 0) as usize) {
            *c += 1;
        }
    })?;
    Ok(counts)
}

/// Splits a scratch file of `size`-byte records (name id first) in one pass into one file per
/// window of name ranks, each record followed by its position in the scratch file (a `u32`), so that
/// each window reads only its own records.
pub(super) fn split_scratch(
    path: &Path,
    size: usize,
    windows: &[(u32, u32)],
    rank_of: &impl Fn(u32) -> u32,
) -> Result<Vec<PathBuf>, SyntaxError> {
    let paths: Vec<PathBuf> = (0..windows.len()).map(|w| path.with_extension(format!("w{w}"))).collect();
    let mut writers = Vec::with_capacity(paths.len());
    for p in &paths {
        writers.push(BufWriter::with_capacity(1 << 16, File::create(p).map_err(io_err("create", p))?));
    }
    let mut failed: Option<SyntaxError> = None;
    scan_scratch(path, size, |seq, rec| {
        let r = rank_of(le32(rec, 0));
        let w = windows.partition_point(|&(r0, _)| r0 <= r).saturating_sub(1);
        if let (Some(writer), Some(p), None) = (writers.get_mut(w), paths.get(w), failed.as_ref()) {
            let wrote = writer.write_all(rec).and_then(|()| writer.write_all(&(seq as u32).to_le_bytes()));
            if let Err(source) = wrote {
                failed = Some(SyntaxError::Io { op: "write", path: p.clone(), source });
            }
        }
    })?;
    if let Some(e) = failed {
        return Err(e);
    }
    for (mut w, p) in writers.into_iter().zip(&paths) {
        w.flush().map_err(io_err("write", p))?;
    }
    Ok(paths)
}

/// Consecutive ranges of name ranks whose records (counted by `count(rank)`) fill at most about
/// `WINDOW` records each.
pub(super) fn windows(names: usize, count: impl Fn(usize) -> u64) -> Vec<(u32, u32)> {
    let mut out = Vec::new();
    let (mut start, mut filled) = (0usize, 0u64);
    for r in 0..names {
        let c = count(r);
        if filled > 0 && filled + c > WINDOW {
            out.push((start as u32, r as u32));
            start = r;
            filled = 0;
        }
        filled += c;
    }
    if start < names || out.is_empty() {
        out.push((start as u32, names as u32));
    }
    out
}

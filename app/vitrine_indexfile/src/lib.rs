//! Index files that carry their own checksums: every file of an index directory is sealed as it is
//! written (a CRC-32 per 4 KiB block), and every byte read back is verified before it is used.
//!
//! An index directory is data Vitrine wrote, but it sits on a disk that other things can write: a bit
//! flip, a truncated copy or a crafted file must never be trusted. The seals of a directory live in
//! `seals.bin` (written last; its own last four bytes are the CRC-32 of the rest), one entry per file:
//! its name, its length and the CRC-32 of each block. Opening a file checks its length against its
//! seal; reading a range reads the whole blocks that cover it and checks each of them, so a lookup
//! that touches 40 bytes of a 600 MB file verifies one block, not the whole file, and no byte is handed
//! out unverified. CRC-32 is not a defence against an attacker who rewrites the seals too; what that
//! attacker can then reach is bounded by the readers' own bounds checks and by taking paths from the
//! snapshot's manifest, never from an index.
//!
//! Layout of `seals.bin` (little-endian): magic `VTSEALS1`, `u32` file count, then per file `u16`
//! name length, name bytes, `u64` length, one `u32` CRC per block; then the `u32` CRC of all that.
#![warn(missing_docs)]

use std::fs::File;
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// Size of a checksummed block.
pub const BLOCK: usize = 4096;

/// The file of an index directory that holds the seals of the others.
pub const SEALS_FILE: &str = "seals.bin";

const MAGIC: &[u8; 8] = b"VTSEALS1";

/// Why an index file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum IndexFileError {
    /// The file could not be read or written.
    #[error("{path}: cannot {op}")]
    Io {
        /// What was being done (`read`, `create`, `sync`…).
        op: &'static str,
        /// The file that failed, as the caller named it (inside the index directory).
        path: PathBuf,
        #[source]
        /// What the operating system reported; [`IndexFileError::is_not_found`] tells a missing file apart.
        source: std::io::Error,
    },
    /// The file is not what was sealed, or asks for bytes it does not have.
    #[error("{path} is damaged: {detail}")]
    Corrupt {
        /// The damaged file, as the caller named it (inside the index directory).
        path: PathBuf,
        /// What does not check out, for people: which block, which length, which name.
        detail: String,
    },
}

impl IndexFileError {
    fn io(op: &'static str, path: &Path, source: std::io::Error) -> IndexFileError {
        IndexFileError::Io { op, path: path.to_path_buf(), source }
    }

    fn corrupt(path: &Path, detail: impl Into<String>) -> IndexFileError {
        IndexFileError::Corrupt { path: path.to_path_buf(), detail: detail.into() }
    }

    /// Whether the file was simply not there (as opposed to there and damaged).
    pub fn is_not_found(&self) -> bool {
        matches!(self, IndexFileError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound)
    }
}

/// The seal of one file: its length and the CRC-32 of each of its blocks.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Seal {
    len: u64,
    crcs: Vec<u32>,
}

impl Seal {
    /// The seal of `bytes`.
    pub fn of(bytes: &[u8]) -> Seal {
        let mut s = Sealer::default();
        s.update(bytes);
        s.finish()
    }

    /// The sealed length in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the sealed file is zero bytes long.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// Computes a [`Seal`] over bytes fed in any pieces.
#[derive(Default)]
pub struct Sealer {
    seal: Seal,
    block: crc32fast::Hasher,
    in_block: usize,
}

impl Sealer {
    /// Feeds the next `bytes` of the file; pieces may be of any size, block boundaries are tracked here.
    pub fn update(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            let (now, rest) = bytes.split_at((BLOCK - self.in_block).min(bytes.len()));
            self.block.update(now);
            self.in_block += now.len();
            self.seal.len += now.len() as u64;
            if self.in_block == BLOCK {
                let done = std::mem::take(&mut self.block);
                self.seal.crcs.push(done.finalize());
                self.in_block = 0;
            }
            bytes = rest;
        }
    }

    /// The seal of everything fed so far; a trailing partial block gets its own CRC.
    pub fn finish(mut self) -> Seal {
        if self.in_block > 0 {
            self.seal.crcs.push(self.block.finalize());
        }
        self.seal
    }
}

/// A writer that seals what goes through it.
pub struct SealingWriter<W: Write> {
    inner: W,
    sealer: Sealer,
}

impl<W: Write> SealingWriter<W> {
    /// Wraps `inner`; nothing has been written or sealed yet.
    pub fn new(inner: W) -> SealingWriter<W> {
        SealingWriter { inner, sealer: Sealer::default() }
    }

    /// The inner writer and the seal of everything written.
    pub fn finish(self) -> (W, Seal) {
        (self.inner, self.sealer.finish())
    }
}

impl<W: Write> Write for SealingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.sealer.update(buf.get(..n).unwrap_or_default());
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// The seals of the files of one index directory, by file name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Seals {
    files: Vec<(String, Seal)>,
}

impl Seals {
    /// Records (or replaces) the seal of the file `name`.
    pub fn insert(&mut self, name: &str, seal: Seal) {
        match self.files.iter_mut().find(|(n, _)| n == name) {
            Some(slot) => slot.1 = seal,
            None => self.files.push((name.to_owned(), seal)),
        }
    }

    /// The seal recorded for the file `name`, or `None` if that file was never sealed.
    pub fn get(&self, name: &str) -> Option<&Seal> {
        self.files.iter().find(|(n, _)| n == name).map(|(_, s)| s)
    }

    /// Writes `dir/seals.bin` (synced).
    pub fn write(&self, dir: &Path) -> Result<(), IndexFileError> {
        let path = dir.join(SEALS_FILE);
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        let count =
            u32::try_from(self.files.len()).map_err(|_| IndexFileError::corrupt(&path, "too many files"))?;
        out.extend_from_slice(&count.to_le_bytes());
        for (name, seal) in &self.files {
            let len =
                u16::try_from(name.len()).map_err(|_| IndexFileError::corrupt(&path, "name too long"))?;
            out.extend_from_slice(&len.to_le_bytes());
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(&seal.len.to_le_bytes());
            for crc in &seal.crcs {
                out.extend_from_slice(&crc.to_le_bytes());
            }
        }
        let crc = crc32fast::hash(&out);
        out.extend_from_slice(&crc.to_le_bytes());
        let mut f = File::create(&path).map_err(|e| IndexFileError::io("create", &path, e))?;
        f.write_all(&out).map_err(|e| IndexFileError::io("write", &path, e))?;
        f.sync_all().map_err(|e| IndexFileError::io("sync", &path, e))
    }

    /// Reads and checks `dir/seals.bin`.
    pub fn read(dir: &Path) -> Result<Seals, IndexFileError> {
        let path = dir.join(SEALS_FILE);
        let bytes = std::fs::read(&path).map_err(|e| IndexFileError::io("read", &path, e))?;
        Seals::decode(&bytes).ok_or_else(|| IndexFileError::corrupt(&path, "seals do not check out"))
    }

    fn decode(bytes: &[u8]) -> Option<Seals> {
        let body_len = bytes.len().checked_sub(4)?;
        let (body, crc) = bytes.split_at(body_len);
        if crc32fast::hash(body).to_le_bytes() != crc {
            return None;
        }
        let mut r = Fields { bytes: body };
        if r.take(MAGIC.len())? != MAGIC {
            return None;
        }
        let count = u32::from_le_bytes(r.array()?);
        let mut files = Vec::new();
        for _ in 0..count {
            let name_len = usize::from(u16::from_le_bytes(r.array()?));
            let name = std::str::from_utf8(r.take(name_len)?).ok()?.to_owned();
            let len = u64::from_le_bytes(r.array()?);
            let blocks = usize::try_from(len.div_ceil(BLOCK as u64)).ok()?;
            // Each block's CRC must be there: a length cannot claim more than the table holds.
            let raw = r.take(blocks.checked_mul(4)?)?;
            let mut crcs = Vec::with_capacity(blocks);
            for c in raw.chunks_exact(4) {
                crcs.push(u32::from_le_bytes(c.try_into().ok()?));
            }
            files.push((name, Seal { len, crcs }));
        }
        r.bytes.is_empty().then_some(Seals { files })
    }
}

/// A bounded reader over the bytes of `seals.bin`.
struct Fields<'a> {
    bytes: &'a [u8],
}

impl<'a> Fields<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.bytes.len() {
            return None;
        }
        let (now, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Some(now)
    }

    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }
}

/// A sealed file opened for verified reading.
#[derive(Debug)]
pub struct CheckedFile {
    file: File,
    path: PathBuf,
    seal: Seal,
}

impl CheckedFile {
    /// Opens `dir/name` and checks its length against its seal in `seals`.
    pub fn open(dir: &Path, name: &str, seals: &Seals) -> Result<CheckedFile, IndexFileError> {
        let path = dir.join(name);
        let seal = seals.get(name).ok_or_else(|| IndexFileError::corrupt(&path, "not sealed"))?.clone();
        let file = File::open(&path).map_err(|e| IndexFileError::io("open", &path, e))?;
        let len = file.metadata().map_err(|e| IndexFileError::io("stat", &path, e))?.len();
        if len != seal.len {
            return Err(IndexFileError::corrupt(&path, format!("{len} bytes, sealed with {}", seal.len)));
        }
        Ok(CheckedFile { file, path, seal })
    }

    /// The file's full path (`dir/name` as given to [`CheckedFile::open`]), for error messages.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file's length (as sealed, and as found on open).
    pub fn len(&self) -> u64 {
        self.seal.len
    }

    /// Whether the file is zero bytes long.
    pub fn is_empty(&self) -> bool {
        self.seal.len == 0
    }

    /// The `len` bytes at `offset`, verified; a range past the end is an error, never a short read.
    pub fn read_at(&self, offset: u64, len: usize) -> Result<Vec<u8>, IndexFileError> {
        let mut buf = Vec::new();
        self.read_at_into(offset, len, &mut buf)?;
        Ok(buf)
    }

    /// [`CheckedFile::read_at`] into `buf` (its bytes replaced, its capacity reused), so that a reader
    /// streaming a large file chunk by chunk allocates once.
    pub fn read_at_into(&self, offset: u64, len: usize, buf: &mut Vec<u8>) -> Result<(), IndexFileError> {
        let end = offset.checked_add(len as u64).filter(|&e| e <= self.seal.len).ok_or_else(|| {
            IndexFileError::corrupt(&self.path, format!("{len} bytes at {offset} asked of {}", self.seal.len))
        })?;
        buf.clear();
        if len == 0 {
            return Ok(());
        }
        let first = offset / BLOCK as u64;
        let last = (end - 1) / BLOCK as u64;
        let start = first * BLOCK as u64;
        let stop = ((last + 1) * BLOCK as u64).min(self.seal.len);
        let span = usize::try_from(stop - start)
            .map_err(|_| IndexFileError::corrupt(&self.path, "range too large"))?;
        buf.resize(span, 0);
        self.file.read_exact_at(buf, start).map_err(|e| IndexFileError::io("read", &self.path, e))?;
        for (i, block) in buf.chunks(BLOCK).enumerate() {
            let b = first as usize + i;
            if self.seal.crcs.get(b) != Some(&crc32fast::hash(block)) {
                buf.clear();
                return Err(IndexFileError::corrupt(
                    &self.path,
                    format!("block {b} does not match its checksum"),
                ));
            }
        }
        let skip = (offset - start) as usize;
        buf.drain(..skip);
        buf.truncate(len);
        Ok(())
    }

    /// The whole file, verified.
    pub fn read_all(&self) -> Result<Vec<u8>, IndexFileError> {
        let len =
            usize::try_from(self.seal.len).map_err(|_| IndexFileError::corrupt(&self.path, "too large"))?;
        self.read_at(0, len)
    }
}

/// Reads a whole sealed file `dir/name`, verified.
pub fn read_checked(dir: &Path, name: &str, seals: &Seals) -> Result<Vec<u8>, IndexFileError> {
    CheckedFile::open(dir, name, seals)?.read_all()
}

/// Writes `bytes` to `dir/name` (synced) and records its seal.
pub fn write_sealed(dir: &Path, name: &str, bytes: &[u8], seals: &mut Seals) -> Result<(), IndexFileError> {
    let path = dir.join(name);
    let mut f = File::create(&path).map_err(|e| IndexFileError::io("create", &path, e))?;
    f.write_all(bytes).map_err(|e| IndexFileError::io("write", &path, e))?;
    f.sync_all().map_err(|e| IndexFileError::io("sync", &path, e))?;
    seals.insert(name, Seal::of(bytes));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sealed_dir(bytes: &[u8]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let mut seals = Seals::default();
        write_sealed(dir.path(), "data", bytes, &mut seals).unwrap();
        seals.write(dir.path()).unwrap();
        dir
    }

    fn data(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i * 7 + i / 251) as u8).collect()
    }

    #[test]
    fn ranges_read_back_whatever_their_alignment() {
        let bytes = data(3 * BLOCK + 17);
        let dir = sealed_dir(&bytes);
        let seals = Seals::read(dir.path()).unwrap();
        let f = CheckedFile::open(dir.path(), "data", &seals).unwrap();
        for (off, len) in [(0, 0), (0, 1), (BLOCK - 1, 2), (5, 3 * BLOCK), (3 * BLOCK, 17), (0, bytes.len())]
        {
            assert_eq!(f.read_at(off as u64, len).unwrap(), &bytes[off..off + len], "{off} {len}");
        }
        assert!(f.read_at(bytes.len() as u64, 1).is_err(), "past the end");
        assert!(f.read_at(u64::MAX, 2).is_err(), "overflowing offset");
        assert_eq!(f.read_all().unwrap(), bytes);
    }

    #[test]
    fn a_writer_seals_what_it_writes_in_any_pieces() {
        let bytes = data(2 * BLOCK + 5);
        let mut w = SealingWriter::new(Vec::new());
        for piece in bytes.chunks(999) {
            w.write_all(piece).unwrap();
        }
        let (out, seal) = w.finish();
        assert_eq!(out, bytes);
        assert_eq!(seal, Seal::of(&bytes));
    }

    #[test]
    fn every_flipped_bit_is_caught_where_it_is_read() {
        let bytes = data(2 * BLOCK);
        let dir = sealed_dir(&bytes);
        let seals = Seals::read(dir.path()).unwrap();
        for at in [0usize, 1, BLOCK - 1, BLOCK, 2 * BLOCK - 1] {
            for bit in [0u8, 3, 7] {
                let mut bad = bytes.clone();
                bad[at] ^= 1 << bit;
                std::fs::write(dir.path().join("data"), &bad).unwrap();
                let f = CheckedFile::open(dir.path(), "data", &seals).unwrap();
                assert!(f.read_at(at as u64, 1).is_err(), "byte {at} bit {bit}");
                // The other block still reads.
                let other = if at < BLOCK { BLOCK } else { 0 };
                assert_eq!(f.read_at(other as u64, 1).unwrap(), [bytes[other]]);
            }
        }
        std::fs::write(dir.path().join("data"), &bytes[..BLOCK]).unwrap();
        assert!(CheckedFile::open(dir.path(), "data", &seals).is_err(), "truncated");
    }

    #[test]
    fn damaged_seals_are_refused() {
        let dir = sealed_dir(&data(100));
        let raw = std::fs::read(dir.path().join(SEALS_FILE)).unwrap();
        for at in 0..raw.len() {
            let mut bad = raw.clone();
            bad[at] ^= 0x10;
            assert_eq!(Seals::decode(&bad), None, "byte {at}");
        }
        for len in 0..raw.len() {
            assert_eq!(Seals::decode(&raw[..len]), None, "truncated to {len}");
        }
        assert!(Seals::decode(&raw).is_some());
    }
}

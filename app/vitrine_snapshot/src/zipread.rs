//! Vitrine's own zip reader: checks that the central directory and the local headers describe the same
//! entries, byte for byte and back to back, then streams each entry's data with its CRC and sizes
//! verified; everything Info-ZIP `unzip` (central directory) and bsdtar (central directory when it can
//! seek, local headers when it streams) could read differently is refused, naming the entry.
//!
//! The layout rule makes a second view impossible: local entries start at byte 0 and follow one another
//! in central-directory order with nothing between them (header, name, extra, data, data descriptor),
//! the central directory starts right after the last one and ends right where the end records begin, and
//! the end-of-central-directory record ends the file. Per entry, the local header must repeat the central
//! directory's name, flags and method, and its CRC and sizes unless they are deferred to a data
//! descriptor, which must then hold them. Refused outright: encryption, methods other than stored and
//! deflate, a stored entry with a data descriptor (a streaming reader cannot find its end), non-ASCII
//! names without the UTF-8 flag (the extractors re-encode them differently), backslashes, NUL bytes,
//! control characters, colons, `.` and `..` components and VMS versions (`;1`) in names (an extractor
//! drops or rewrites them), an Info-ZIP Unicode path that differs from the name, multi-disk archives, and
//! a type that the name and the mode disagree on (a directory is a name ending in `/`), and symlink entries
//! (unzip and bsdtar make a link, Python's `zipfile` and pip a regular file holding the target text).
//!
//! Header fields that unzip and bsdtar interpret differently are refused rather than read one way: a
//! Unix mode in the attributes of an entry made on a non-Unix host (unzip reads one for VMS, Atari,
//! BeOS, Amiga, … and for MS-DOS when the owner bits agree with the DOS attributes; bsdtar for Unix
//! only), except a plain file's or a directory's on MS-DOS without execute or special bits, which reads
//! the same either way (pip and 7-Zip apply those bits; no mode is shown for such an entry); the MS-DOS
//! volume-label attribute (unzip skips the entry); a "version needed to extract" above unzip's 4.6 or
//! marked VMS (unzip skips or asks); and any extra field but zip64 sizes, times, owners, the Unicode
//! path and comment and padding (the ASi Unix field gives unzip a mode, libarchive's 'xl' field the
//! attributes, PKWARE's Unix field a link target).
//!
//! A zip whose first 512 bytes also make a tar header with a valid checksum is refused: GNU tar and
//! bsdtar (which bids tar above zip) would extract the tar it also is.

use std::io::{self, BufReader, Read, Seek, SeekFrom};

const LOCAL_SIG: u32 = 0x0403_4b50;
const CENTRAL_SIG: u32 = 0x0201_4b50;
const EOCD_SIG: u32 = 0x0605_4b50;
const ZIP64_EOCD_SIG: u32 = 0x0606_4b50;
const ZIP64_LOCATOR_SIG: u32 = 0x0706_4b50;
const DESCRIPTOR_SIG: u32 = 0x0807_4b50;
const EOCD_LEN: u64 = 22;
const ZIP64_LOCATOR_LEN: u64 = 20;
const ZIP64_EOCD_LEN: u64 = 56;
const FLAG_ENCRYPTED: u16 = 1;
const FLAG_DESCRIPTOR: u16 = 1 << 3;
const FLAG_STRONG_ENCRYPTION: u16 = 1 << 6;
const FLAG_UTF8: u16 = 1 << 11;
const FLAG_MASKED_HEADERS: u16 = 1 << 13;
const METHOD_STORED: u16 = 0;
const METHOD_DEFLATE: u16 = 8;
const HOST_MS_DOS: u8 = 0;
const HOST_VMS: u8 = 2;
const HOST_UNIX: u8 = 3;
/// unzip 6.00's own version: it skips central records that need more ("need PK compat. v6.3 (can do
/// v4.6)"); bsdtar does not look.
const MAX_VERSION_NEEDED: u16 = 46;
/// MS-DOS attributes in the low byte of the external attributes.
const ATTR_VOLUME_LABEL: u32 = 0x08;
const ATTR_DIRECTORY: u32 = 0x10;
/// Extra fields that no extractor reads a mode, a type or a name from: zip64 sizes, NTFS times,
/// Info-ZIP times and owners ('UT', 'UX', 'Ux', 'ux'), the Info-ZIP Unicode comment, the Windows
/// security descriptor ('SD'), and padding (JAR marker, Android zipalign, Microsoft's growth hint). The
/// Info-ZIP Unicode path (0x7075) is read only when it repeats the name.
const HARMLESS_EXTRA_FIELDS: [u16; 10] =
    [0x0001, 0x000a, 0x5455, 0x5855, 0x7855, 0x7875, 0x6375, 0x4453, 0xcafe, 0xd935];
const EXTRA_UNICODE_PATH: u16 = 0x7075;
const EXTRA_PADDING: u16 = 0xa220;

/// Why a zip could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ZipError {
    /// A layout the reference extractors read differently, or one Vitrine does not read.
    #[error("{member}: {reason}")]
    Refused {
        /// What it is about: ``entry `name` ``, or `archive` / `central directory` for the structure.
        member: String,
        /// What the extractors would disagree on, or what Vitrine does not read.
        reason: String,
    },
    /// A damaged or truncated archive.
    #[error("{member}: {detail}")]
    Corrupt {
        /// What it is about, as for [`ZipError::Refused`].
        member: String,
        /// What is wrong (bad signature, CRC or size mismatch, unexpected end, …).
        detail: String,
    },
    /// Reading or seeking the underlying file failed. The OS text is only the source.
    #[error("{member}: cannot read")]
    Io {
        /// What was being read, as for [`ZipError::Refused`].
        member: String,
        /// The error of the underlying file.
        #[source]
        source: io::Error,
    },
}

/// What an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZipKind {
    /// A regular file: its data is the content.
    File,
    /// A directory: the name ends in `/` (and a Unix mode, if any, agrees).
    Directory,
}

/// One entry of the central directory, checked against its local header.
#[derive(Debug, Clone)]
pub struct ZipEntry {
    /// The name as stored (both headers agree on it).
    pub name: Vec<u8>,
    /// What the entry is, from its name and Unix mode.
    pub kind: ZipKind,
    /// Owner execute bit of a Unix mode (never set for entries made on other systems).
    pub executable: bool,
    /// The permission bits of the stored Unix mode (`mode & 0o7777`: setuid, setgid and sticky
    /// included, which bsdtar as root and `unzip -K` restore); 0 when the entry has no mode.
    pub mode: u32,
    /// Uncompressed size in bytes, as both headers state it; reading the data checks it.
    pub size_bytes: u64,
    compressed_bytes: u64,
    crc32: u32,
    method: u16,
    /// Where the entry's compressed data starts.
    data_offset: u64,
}

impl ZipEntry {
    /// The entry for messages: ``entry `name` ``, with the name rendered one-to-one.
    pub fn display(&self) -> String {
        format!("entry `{}`", crate::path::display_bytes(&self.name))
    }
}

/// A zip file whose structure has been checked.
pub struct ZipReader<R> {
    file: R,
    entries: Vec<ZipEntry>,
}

/// The fixed part of a central directory record, with zip64 values resolved.
struct Central {
    made_by_host: u8,
    version_needed: u16,
    flags: u16,
    method: u16,
    crc32: u32,
    compressed: u64,
    size: u64,
    local_offset: u64,
    external: u32,
    name: Vec<u8>,
    extra: Vec<u8>,
}

impl<R: Read + Seek> ZipReader<R> {
    /// Reads and cross-checks the whole structure; `max_entries` bounds the work before any is done.
    pub fn open(mut file: R, max_entries: u64) -> Result<ZipReader<R>, ZipError> {
        let archive = "archive".to_string();
        let corrupt = |detail: String| ZipError::Corrupt { member: archive.clone(), detail };
        let len = file.seek(SeekFrom::End(0)).map_err(|e| io_err("archive", e))?;
        check_not_tar(&mut file, len)?;
        let end = find_end(&mut file, len)?;
        if end.entries > max_entries {
            return Err(ZipError::Refused {
                member: archive.clone(),
                reason: format!("{} entries, more than {max_entries} (decompression bomb?)", end.entries),
            });
        }
        if end.cd_offset.checked_add(end.cd_size) != Some(end.cd_end) {
            return Err(corrupt(format!(
                "the central directory ({} bytes at {}) does not end where the end records begin ({})",
                end.cd_size, end.cd_offset, end.cd_end
            )));
        }
        file.seek(SeekFrom::Start(end.cd_offset)).map_err(|e| io_err("central directory", e))?;
        let mut cd = BufReader::new((&mut file).take(end.cd_size));
        let mut centrals = Vec::new();
        for i in 0..end.entries {
            centrals.push(read_central(&mut cd).map_err(|e| match e {
                ZipError::Io { source, .. } if source.kind() == io::ErrorKind::UnexpectedEof => {
                    corrupt(format!("the central directory ends inside record {i}"))
                }
                other => other,
            })?);
        }
        let mut rest = [0u8; 1];
        if cd.read(&mut rest).map_err(|e| io_err("central directory", e))? != 0 {
            return Err(corrupt(format!(
                "the central directory holds more than the {} records the end record counts",
                end.entries
            )));
        }
        drop(cd);
        let mut entries = Vec::with_capacity(centrals.len());
        let mut expected_offset = 0u64;
        for c in centrals {
            let (entry, next) = check_entry(&mut file, &c, expected_offset)?;
            expected_offset = next;
            entries.push(entry);
        }
        if expected_offset != end.cd_offset {
            return Err(ZipError::Refused {
                member: archive,
                reason: format!(
                    "{} bytes between the last entry and the central directory (a hidden entry?)",
                    end.cd_offset.saturating_sub(expected_offset)
                ),
            });
        }
        Ok(ZipReader { file, entries })
    }

    /// Every entry, in central-directory order (which is also their order in the file).
    pub fn entries(&self) -> &[ZipEntry] {
        &self.entries
    }

    /// The entry's uncompressed bytes; reading to the end verifies size, CRC and that the compressed
    /// stream ends exactly at the entry's compressed size (an error otherwise).
    pub fn data(&mut self, index: usize) -> Result<EntryData<'_, R>, ZipError> {
        let Some(entry) = self.entries.get(index) else {
            return Err(ZipError::Corrupt { member: "archive".into(), detail: format!("no entry {index}") });
        };
        let entry = entry.clone();
        self.file.seek(SeekFrom::Start(entry.data_offset)).map_err(|e| io_err(&entry.display(), e))?;
        let raw = BufReader::new((&mut self.file).take(entry.compressed_bytes));
        let inner = if entry.method == METHOD_DEFLATE {
            Inner::Deflate(flate2::bufread::DeflateDecoder::new(raw))
        } else {
            Inner::Stored(raw)
        };
        Ok(EntryData { inner, entry, crc: flate2::Crc::new(), done: false })
    }
}

/// Streams one entry's data; the checks run when the end is reached.
pub struct EntryData<'a, R: Read> {
    inner: Inner<'a, R>,
    entry: ZipEntry,
    crc: flate2::Crc,
    done: bool,
}

enum Inner<'a, R: Read> {
    Stored(BufReader<io::Take<&'a mut R>>),
    Deflate(flate2::bufread::DeflateDecoder<BufReader<io::Take<&'a mut R>>>),
}

impl<R: Read> EntryData<'_, R> {
    fn verify(&mut self) -> io::Result<()> {
        let bad = |why: String| {
            io::Error::new(io::ErrorKind::InvalidData, format!("{}: {why}", self.entry.display()))
        };
        let consumed = match &mut self.inner {
            Inner::Stored(r) => self.entry.compressed_bytes - r.get_ref().limit() - r.buffer().len() as u64,
            Inner::Deflate(d) => d.total_in(),
        };
        if consumed != self.entry.compressed_bytes {
            return Err(bad(format!(
                "the compressed data ends after {consumed} of its {} bytes",
                self.entry.compressed_bytes
            )));
        }
        if self.total() != self.entry.size_bytes {
            return Err(bad(format!(
                "{} bytes where the headers say {}",
                self.total(),
                self.entry.size_bytes
            )));
        }
        if self.crc.sum() != self.entry.crc32 {
            return Err(bad(format!(
                "CRC {:08x} where the headers say {:08x}",
                self.crc.sum(),
                self.entry.crc32
            )));
        }
        Ok(())
    }

    fn total(&self) -> u64 {
        match &self.inner {
            Inner::Stored(r) => self.entry.compressed_bytes - r.get_ref().limit() - r.buffer().len() as u64,
            Inner::Deflate(d) => d.total_out(),
        }
    }
}

impl<R: Read> Read for EntryData<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.done || buf.is_empty() {
            return Ok(0);
        }
        // Never more than the declared size: a bomb is cut off at its header's word.
        let room = self.entry.size_bytes.saturating_sub(self.total()).saturating_add(1);
        let want = usize::try_from(room).unwrap_or(usize::MAX).min(buf.len());
        let Some(buf) = buf.get_mut(..want) else { return Ok(0) };
        let n = match &mut self.inner {
            Inner::Stored(r) => r.read(buf)?,
            Inner::Deflate(d) => d.read(buf)?,
        };
        if let Some(chunk) = buf.get(..n) {
            self.crc.update(chunk);
        }
        if self.total() > self.entry.size_bytes {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "{}: more data than the declared {} bytes",
                    self.entry.display(),
                    self.entry.size_bytes
                ),
            ));
        }
        if n == 0 {
            self.done = true;
            self.verify()?;
        }
        Ok(n)
    }
}

fn io_err(member: &str, source: io::Error) -> ZipError {
    ZipError::Io { member: member.to_string(), source }
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    b.get(at..at + 2).map_or(0, |s| u16::from_le_bytes([s[0], s[1]]))
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4).map_or(0, |s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    b.get(at..at + 8).map_or(0, |s| {
        let mut a = [0u8; 8];
        a.copy_from_slice(s);
        u64::from_le_bytes(a)
    })
}

fn read_vec(r: &mut impl Read, len: usize, what: &str) -> Result<Vec<u8>, ZipError> {
    let mut v = vec![0u8; len];
    r.read_exact(&mut v).map_err(|e| io_err(what, e))?;
    Ok(v)
}

/// Refuses a zip whose first 512 bytes are also a tar header with a valid checksum: GNU tar reads any
/// file as a tar, and bsdtar bids tar above zip, when that checksum matches (the ustar magic is optional
/// to both). A file shorter than a block is read as padded with zeros.
fn check_not_tar(file: &mut (impl Read + Seek), len: u64) -> Result<(), ZipError> {
    let mut block = [0u8; 512];
    let n = usize::try_from(len.min(512)).unwrap_or(512);
    file.seek(SeekFrom::Start(0)).map_err(|e| io_err("archive", e))?;
    file.read_exact(block.get_mut(..n).unwrap_or_default()).map_err(|e| io_err("archive", e))?;
    if tar_checksum_matches(&block) {
        return Err(ZipError::Refused {
            member: "archive".into(),
            reason: "its first 512 bytes are also a tar header with a valid checksum (GNU tar and bsdtar \
                     would extract it as a tar)"
                .into(),
        });
    }
    Ok(())
}

/// Whether any reading of the checksum field (bytes 148..156) equals the header's sum, unsigned or
/// signed, counted with that field as spaces.
fn tar_checksum_matches(block: &[u8; 512]) -> bool {
    let (mut unsigned, mut signed) = (0i64, 0i64);
    for (i, &b) in block.iter().enumerate() {
        let b = if (148..156).contains(&i) { b' ' } else { b };
        unsigned += i64::from(b);
        signed += i64::from(i8::from_ne_bytes([b]));
    }
    let mut field = [0u8; 8];
    field.copy_from_slice(block.get(148..156).unwrap_or(&[0u8; 8]));
    checksum_readings(&field).into_iter().any(|v| v == unsigned || v == signed)
}

/// Every value a tar reader may take the checksum field for: octal after leading blanks up to the
/// first other byte (GNU tar, libarchive), all its octal digits in order (a lenient reader), base-256
/// when the first byte has its high bit set (as a positive and as a two's-complement number), and GNU
/// tar's old base-64 after `+` or `-`.
fn checksum_readings(field: &[u8; 8]) -> Vec<i64> {
    let is_octal = |b: &&u8| (b'0'..=b'7').contains(*b);
    let octal = |digits: &mut dyn Iterator<Item = &u8>| {
        digits.fold(0i64, |v, &d| v.saturating_mul(8).saturating_add(i64::from(d - b'0')))
    };
    let blank = |b: &&u8| b" \t\n\x0b\x0c\r\0".contains(*b);
    let mut out = vec![
        octal(&mut field.iter().skip_while(blank).take_while(is_octal)),
        octal(&mut field.iter().filter(is_octal)),
    ];
    if field[0] & 0x80 != 0 {
        out.push(i64::from_be_bytes(*field));
        let mut positive = *field;
        positive[0] &= 0x7f;
        out.push(i64::from_be_bytes(positive));
    }
    let mut rest = field.iter().skip_while(blank);
    if let Some(&sign @ (b'+' | b'-')) = rest.next() {
        const BASE64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut v = 0i64;
        for b in rest {
            let Some(d) = BASE64.iter().position(|c| c == b) else { break };
            v = v.saturating_mul(64).saturating_add(d as i64);
        }
        out.push(if sign == b'-' { -v } else { v });
    }
    out
}

/// Where the central directory is, from the end records.
struct End {
    entries: u64,
    cd_offset: u64,
    cd_size: u64,
    /// Where the end records (zip64 or not) begin.
    cd_end: u64,
}

/// Finds the end-of-central-directory record: it must end the file (its comment reaching the last byte),
/// and no other end signature may appear in its comment.
fn find_end(file: &mut (impl Read + Seek), len: u64) -> Result<End, ZipError> {
    let corrupt = |detail: &str| ZipError::Corrupt { member: "archive".into(), detail: detail.into() };
    let tail_len = len.min(EOCD_LEN + 0xffff);
    file.seek(SeekFrom::Start(len - tail_len)).map_err(|e| io_err("archive", e))?;
    let tail = read_vec(file, usize::try_from(tail_len).unwrap_or(0), "archive")?;
    let sig = EOCD_SIG.to_le_bytes();
    let candidates: Vec<usize> = tail
        .windows(4)
        .enumerate()
        .filter(|(i, w)| *w == sig && (*i as u64 + EOCD_LEN + u64::from(u16_at(&tail, i + 20))) == tail_len)
        .map(|(i, _)| i)
        .collect();
    let at = match candidates.as_slice() {
        [] => return Err(corrupt("no end-of-central-directory record (not a zip, or truncated)")),
        [one] => *one,
        _ => {
            return Err(ZipError::Refused {
                member: "archive".into(),
                reason: "more than one end-of-central-directory record fits the end of the file".into(),
            });
        }
    };
    let rec = tail.get(at..).unwrap_or_default();
    // Past its own signature: the record's fields and the archive comment. Python's `zipfile` takes the
    // last end signature of the tail, libarchive the last one 22 bytes before the end.
    if let Some(found) = record_signature(rec.get(4..).unwrap_or_default()) {
        return Err(ZipError::Refused {
            member: "archive".into(),
            reason: format!(
                "the end record or the archive comment holds a {found} signature (a reader that scans for \
                 records could read another directory there)"
            ),
        });
    }
    let eocd_pos = len - tail_len + at as u64;
    let (disk, cd_disk) = (u16_at(rec, 4), u16_at(rec, 6));
    let (on_disk, total) = (u16_at(rec, 8), u16_at(rec, 10));
    let (cd_size, cd_offset) = (u32_at(rec, 12), u32_at(rec, 16));
    if disk != 0 || cd_disk != 0 || on_disk != total {
        return Err(ZipError::Refused {
            member: "archive".into(),
            reason: "a multi-disk (spanned) zip".into(),
        });
    }
    let zip64 = total == 0xffff || cd_size == 0xffff_ffff || cd_offset == 0xffff_ffff;
    if !zip64 {
        refuse_uncalled_locator(file, eocd_pos)?;
        return Ok(End {
            entries: u64::from(total),
            cd_offset: u64::from(cd_offset),
            cd_size: u64::from(cd_size),
            cd_end: eocd_pos,
        });
    }
    let locator_pos = eocd_pos
        .checked_sub(ZIP64_LOCATOR_LEN)
        .ok_or_else(|| corrupt("a zip64 end record is announced but missing"))?;
    file.seek(SeekFrom::Start(locator_pos)).map_err(|e| io_err("archive", e))?;
    let loc = read_vec(file, ZIP64_LOCATOR_LEN as usize, "archive")?;
    if u32_at(&loc, 0) != ZIP64_LOCATOR_SIG {
        return Err(corrupt("a zip64 end record is announced but its locator is missing"));
    }
    let record_pos = u64_at(&loc, 8);
    if u32_at(&loc, 4) != 0 || u32_at(&loc, 16) != 1 {
        return Err(ZipError::Refused {
            member: "archive".into(),
            reason: "a multi-disk (spanned) zip".into(),
        });
    }
    if record_pos.checked_add(ZIP64_EOCD_LEN) != Some(locator_pos) {
        return Err(corrupt("the zip64 end record is not right before its locator"));
    }
    file.seek(SeekFrom::Start(record_pos)).map_err(|e| io_err("archive", e))?;
    let r = read_vec(file, ZIP64_EOCD_LEN as usize, "archive")?;
    if u32_at(&r, 0) != ZIP64_EOCD_SIG || u64_at(&r, 4) != ZIP64_EOCD_LEN - 12 {
        return Err(corrupt("bad zip64 end-of-central-directory record"));
    }
    if u32_at(&r, 16) != 0 || u32_at(&r, 20) != 0 || u64_at(&r, 24) != u64_at(&r, 32) {
        return Err(ZipError::Refused {
            member: "archive".into(),
            reason: "a multi-disk (spanned) zip".into(),
        });
    }
    let agrees = |small: u64, big: u64, max: u64| small == max || small == big;
    let (entries, size, offset) = (u64_at(&r, 32), u64_at(&r, 40), u64_at(&r, 48));
    if !agrees(u64::from(total), entries, 0xffff)
        || !agrees(u64::from(cd_size), size, 0xffff_ffff)
        || !agrees(u64::from(cd_offset), offset, 0xffff_ffff)
    {
        return Err(ZipError::Refused {
            member: "archive".into(),
            reason: "the zip64 end record and the end record disagree".into(),
        });
    }
    Ok(End { entries, cd_offset: offset, cd_size: size, cd_end: record_pos })
}

/// Refuses a zip64 locator signature in the 20 bytes before an end record that does not call for zip64
/// (no field at its maximum). unzip and Go then read the end record alone, but Python's `zipfile` (pip,
/// `shutil.unpack_archive`), libarchive (bsdtar) and Java look for a locator there whatever the end
/// record says, and take the central directory's offset and size from the zip64 record it names: a
/// second directory, hidden in the last central record's comment or extra field (round 8's F5).
fn refuse_uncalled_locator(file: &mut (impl Read + Seek), eocd_pos: u64) -> Result<(), ZipError> {
    let Some(at) = eocd_pos.checked_sub(ZIP64_LOCATOR_LEN) else { return Ok(()) };
    file.seek(SeekFrom::Start(at)).map_err(|e| io_err("archive", e))?;
    if u32_at(&read_vec(file, 4, "archive")?, 0) == ZIP64_LOCATOR_SIG {
        return Err(ZipError::Refused {
            member: "archive".into(),
            reason: "a zip64 locator right before an end record that does not call for zip64 (Python's \
                     zipfile, pip and bsdtar read the central directory it names, unzip the end record's)"
                .into(),
        });
    }
    Ok(())
}

/// The signatures of every record a zip reader looks for: a comment or extra field holding one may be
/// read as that record by a reader that scans for it.
const RECORD_SIGNATURES: [(u32, &str); 6] = [
    (EOCD_SIG, "end-of-central-directory"),
    (ZIP64_EOCD_SIG, "zip64 end-of-central-directory"),
    (ZIP64_LOCATOR_SIG, "zip64 locator"),
    (CENTRAL_SIG, "central-directory header"),
    (LOCAL_SIG, "local header"),
    (DESCRIPTOR_SIG, "data descriptor"),
];

/// The name of the first record signature in `bytes`, if any.
fn record_signature(bytes: &[u8]) -> Option<&'static str> {
    memchr::memchr_iter(b'P', bytes).find_map(|i| {
        let sig = u32::from_le_bytes(bytes.get(i..i + 4)?.try_into().ok()?);
        RECORD_SIGNATURES.iter().find(|(s, _)| *s == sig).map(|(_, name)| *name)
    })
}

/// Refuses a record signature in a header's variable part (name, extra field and, in the central
/// directory, file comment, which lie back to back): the free-form bytes where a second directory, a
/// zip64 end record and its locator hid right before the end record.
fn refuse_hidden_record(variable: &[u8], shown: &str, header: &str) -> Result<(), ZipError> {
    match record_signature(variable) {
        Some(found) => Err(ZipError::Refused {
            member: shown.to_string(),
            reason: format!(
                "the {header}'s name, extra field or comment holds a {found} signature (a zip reader that \
                 looks for records there could read another directory)"
            ),
        }),
        None => Ok(()),
    }
}

fn read_central(cd: &mut impl Read) -> Result<Central, ZipError> {
    let fixed = read_vec(cd, 46, "central directory")?;
    if u32_at(&fixed, 0) != CENTRAL_SIG {
        return Err(ZipError::Corrupt {
            member: "central directory".into(),
            detail: "a record without the central-directory signature".into(),
        });
    }
    let name = read_vec(cd, usize::from(u16_at(&fixed, 28)), "central directory")?;
    let extra = read_vec(cd, usize::from(u16_at(&fixed, 30)), "central directory")?;
    let comment = read_vec(cd, usize::from(u16_at(&fixed, 32)), "central directory")?;
    let shown = format!("entry `{}`", crate::path::display_bytes(&name));
    refuse_hidden_record(&[name.as_slice(), &extra, &comment].concat(), &shown, "central record")?;
    let mut c = Central {
        made_by_host: fixed.get(5).copied().unwrap_or(0),
        version_needed: u16_at(&fixed, 6),
        flags: u16_at(&fixed, 8),
        method: u16_at(&fixed, 10),
        crc32: u32_at(&fixed, 16),
        compressed: u64::from(u32_at(&fixed, 20)),
        size: u64::from(u32_at(&fixed, 24)),
        local_offset: u64::from(u32_at(&fixed, 42)),
        external: u32_at(&fixed, 38),
        name,
        extra,
    };
    if u16_at(&fixed, 34) != 0 {
        return Err(ZipError::Refused { member: shown, reason: "an entry on another disk".into() });
    }
    let mut wanted = Vec::new();
    if c.size == 0xffff_ffff {
        wanted.push(0);
    }
    if c.compressed == 0xffff_ffff {
        wanted.push(1);
    }
    if c.local_offset == 0xffff_ffff {
        wanted.push(2);
    }
    if !wanted.is_empty() {
        let values = zip64_values(&c.extra, wanted.len()).ok_or_else(|| ZipError::Corrupt {
            member: shown.clone(),
            detail: "a zip64 size or offset is announced but its extra field is missing or short".into(),
        })?;
        for (which, value) in wanted.into_iter().zip(values) {
            match which {
                0 => c.size = value,
                1 => c.compressed = value,
                _ => c.local_offset = value,
            }
        }
    }
    Ok(c)
}

/// Extra fields as (id, data); `None` if they do not tile the extra area exactly.
fn extra_fields(extra: &[u8]) -> Option<Vec<(u16, &[u8])>> {
    let mut fields = Vec::new();
    let mut rest = extra;
    while !rest.is_empty() {
        let id = u16_at(rest, 0);
        let len = usize::from(u16_at(rest, 2));
        let data = rest.get(4..4 + len)?;
        fields.push((id, data));
        rest = rest.get(4 + len..)?;
    }
    Some(fields)
}

/// The first `count` 8-byte values of the zip64 extra field.
fn zip64_values(extra: &[u8], count: usize) -> Option<Vec<u64>> {
    let fields = extra_fields(extra)?;
    let (_, data) = fields.iter().find(|(id, _)| *id == 1)?;
    (0..count).map(|i| data.get(i * 8..i * 8 + 8).map(|_| u64_at(data, i * 8))).collect()
}

/// Checks one entry's local header, data placement and data descriptor against its central record.
/// Returns the entry and the offset right after it.
fn check_entry(
    file: &mut (impl Read + Seek),
    c: &Central,
    expected: u64,
) -> Result<(ZipEntry, u64), ZipError> {
    let shown = format!("entry `{}`", crate::path::display_bytes(&c.name));
    let refuse = |reason: String| ZipError::Refused { member: shown.clone(), reason };
    let corrupt = |detail: String| ZipError::Corrupt { member: shown.clone(), detail };
    check_name(c, &refuse)?;
    check_central(c, expected, &refuse, &corrupt)?;
    file.seek(SeekFrom::Start(c.local_offset)).map_err(|e| io_err(&shown, e))?;
    let fixed = read_vec(file, 30, &shown)?;
    if u32_at(&fixed, 0) != LOCAL_SIG {
        return Err(corrupt("no local header where the central directory points".into()));
    }
    let local_name = read_vec(file, usize::from(u16_at(&fixed, 26)), &shown)?;
    let local_extra = read_vec(file, usize::from(u16_at(&fixed, 28)), &shown)?;
    refuse_hidden_record(&[local_name.as_slice(), &local_extra].concat(), &shown, "local header")?;
    let local_zip64 = check_local_header(c, &fixed, &local_name, &local_extra, &refuse, &corrupt)?;
    let (crc, mut csize, mut usize_) =
        (u32_at(&fixed, 14), u64::from(u32_at(&fixed, 18)), u64::from(u32_at(&fixed, 22)));
    if usize_ == 0xffff_ffff || csize == 0xffff_ffff {
        let v =
            zip64_values(&local_extra, 2).ok_or_else(|| corrupt("local zip64 sizes are missing".into()))?;
        if let [u, c2] = v.as_slice() {
            usize_ = *u;
            csize = *c2;
        }
    }
    let data_offset = c.local_offset + 30 + local_name.len() as u64 + local_extra.len() as u64;
    let data_end = data_offset
        .checked_add(c.compressed)
        .ok_or_else(|| corrupt("compressed size out of range".into()))?;
    let mut next = data_end;
    if c.flags & FLAG_DESCRIPTOR == 0 {
        if (crc, csize, usize_) != (c.crc32, c.compressed, c.size) {
            return Err(refuse(format!(
                "the local header says CRC {crc:08x}, {csize} bytes compressed, {usize_} bytes; the central \
                 directory {:08x}, {}, {}",
                c.crc32, c.compressed, c.size
            )));
        }
    } else {
        if (crc, csize, usize_) != (0, 0, 0) && (crc, csize, usize_) != (c.crc32, c.compressed, c.size) {
            return Err(refuse(
                "the local header's CRC and sizes differ from the central directory's".into(),
            ));
        }
        next = check_descriptor(file, c, data_end, local_zip64, &shown, &refuse, &corrupt)?;
    }
    let (kind, executable) = entry_kind(c, &refuse)?;
    if kind == ZipKind::Directory && c.size != 0 {
        return Err(refuse("a directory entry with data".into()));
    }
    let entry = ZipEntry {
        name: c.name.clone(),
        kind,
        executable,
        // An MS-DOS entry's mode is applied by some extractors only: none is shown.
        mode: if c.made_by_host == HOST_UNIX { (c.external >> 16) & 0o7777 } else { 0 },
        size_bytes: c.size,
        compressed_bytes: c.compressed,
        crc32: c.crc32,
        method: c.method,
        data_offset,
    };
    Ok((entry, next))
}

/// What the central record alone must satisfy: not encrypted, stored or deflated, a stored entry's
/// sizes equal and without a data descriptor, and its local header right where the previous entry
/// ends (`expected`).
fn check_central(
    c: &Central,
    expected: u64,
    refuse: &dyn Fn(String) -> ZipError,
    corrupt: &dyn Fn(String) -> ZipError,
) -> Result<(), ZipError> {
    if c.flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION | FLAG_MASKED_HEADERS) != 0 {
        return Err(refuse("an encrypted entry".into()));
    }
    check_version_needed(c.version_needed, "central directory", refuse)?;
    if c.external & ATTR_VOLUME_LABEL != 0 {
        return Err(refuse(
            "the MS-DOS volume-label attribute (0x08): unzip skips such an entry, bsdtar extracts it".into(),
        ));
    }
    if c.method != METHOD_STORED && c.method != METHOD_DEFLATE {
        return Err(refuse(format!("compression method {} (only stored and deflate are read)", c.method)));
    }
    if c.method == METHOD_STORED && c.flags & FLAG_DESCRIPTOR != 0 {
        return Err(refuse(
            "a stored entry with a data descriptor (a streaming reader cannot tell where its data ends)"
                .into(),
        ));
    }
    if c.method == METHOD_STORED && c.compressed != c.size {
        return Err(corrupt(format!(
            "stored with {} bytes compressed and {} bytes uncompressed",
            c.compressed, c.size
        )));
    }
    if expected == 0 && c.local_offset != 0 {
        return Err(refuse(format!(
            "{} bytes before the first entry (unzip skips such a prefix, bsdtar may read the file as \
             another format, a tar for one)",
            c.local_offset
        )));
    }
    if c.local_offset != expected {
        return Err(refuse(format!(
            "its local header is at byte {} where the previous entry ends at byte {expected} (entries must \
             follow one another in central-directory order)",
            c.local_offset
        )));
    }
    Ok(())
}

/// Checks that the local header (`fixed`, its 30 fixed bytes, then its name and extra field) agrees
/// with the central record on name, flags, method and any Info-ZIP Unicode path. Returns whether the
/// local extra field holds zip64 sizes.
fn check_local_header(
    c: &Central,
    fixed: &[u8],
    local_name: &[u8],
    local_extra: &[u8],
    refuse: &dyn Fn(String) -> ZipError,
    corrupt: &dyn Fn(String) -> ZipError,
) -> Result<bool, ZipError> {
    if local_name != c.name {
        return Err(refuse(format!(
            "the local header names it `{}` (unzip extracts the central-directory name, a streaming reader \
             the local one)",
            crate::path::display_bytes(local_name)
        )));
    }
    let local_flags = u16_at(fixed, 6);
    if local_flags != c.flags {
        return Err(refuse(format!(
            "local flags {local_flags:#06x} differ from central flags {:#06x}",
            c.flags
        )));
    }
    if u16_at(fixed, 8) != c.method {
        return Err(refuse("the local header and the central directory give different methods".into()));
    }
    check_version_needed(u16_at(fixed, 4), "local header", refuse)?;
    let (local, central) = extra_fields(local_extra)
        .and_then(|local| extra_fields(&c.extra).map(|central| (local, central)))
        .ok_or_else(|| corrupt("malformed extra field".into()))?;
    for (id, data) in local.iter().chain(central.iter()) {
        check_extra_field(c, *id, data, refuse)?;
    }
    Ok(local.iter().any(|(id, _)| *id == 1))
}

/// The "version needed to extract" of either header: unzip skips an entry needing more than it reads,
/// and asks on the terminal about one marked as needing VMS; bsdtar extracts both.
fn check_version_needed(
    needed: u16,
    which: &str,
    refuse: &dyn Fn(String) -> ZipError,
) -> Result<(), ZipError> {
    let (version, host) = (needed & 0xff, needed >> 8);
    if host == u16::from(HOST_VMS) {
        return Err(refuse(format!(
            "the {which} says it needs VMS to extract (unzip asks on the terminal whether to extract it, \
             bsdtar extracts it)"
        )));
    }
    if version > MAX_VERSION_NEEDED {
        return Err(refuse(format!(
            "the {which} says it needs zip version {}.{} (unzip 6.00 skips entries needing more than {}.{}, \
             bsdtar extracts them)",
            version / 10,
            version % 10,
            MAX_VERSION_NEEDED / 10,
            MAX_VERSION_NEEDED % 10
        )));
    }
    Ok(())
}

/// One extra field of either header: only fields from which no extractor reads a mode, a type or a
/// name, and an Info-ZIP Unicode path (version, CRC of the header name, then the UTF-8 name, which unzip
/// and bsdtar extract under) that repeats the name. Any other field may be one that some extractor
/// reads: the ASi Unix field (0x756e) gives unzip a mode, libarchive's 'xl' (0x6c78) the external
/// attributes, PKWARE's Unix field (0x000d) a link target.
fn check_extra_field(
    c: &Central,
    id: u16,
    data: &[u8],
    refuse: &dyn Fn(String) -> ZipError,
) -> Result<(), ZipError> {
    if id == EXTRA_UNICODE_PATH {
        if data.get(5..) != Some(c.name.as_slice()) {
            return Err(refuse("an Info-ZIP Unicode path extra field that differs from the name".into()));
        }
        return Ok(());
    }
    if HARMLESS_EXTRA_FIELDS.contains(&id) || id == EXTRA_PADDING {
        return Ok(());
    }
    Err(refuse(format!(
        "an extra field with id {id:#06x}, which an extractor may read a mode, a type or a name from (only \
         zip64, NTFS and Unix times and owners, Unicode path and comment, and padding fields are read)"
    )))
}

/// Reads the data descriptor at `data_end` (sizes 8 bytes wide with a local zip64 field, 4 otherwise;
/// signature optional) and checks it against the central record. Returns the offset right after it.
fn check_descriptor(
    file: &mut (impl Read + Seek),
    c: &Central,
    data_end: u64,
    local_zip64: bool,
    shown: &str,
    refuse: &dyn Fn(String) -> ZipError,
    corrupt: &dyn Fn(String) -> ZipError,
) -> Result<u64, ZipError> {
    file.seek(SeekFrom::Start(data_end)).map_err(|e| io_err(shown, e))?;
    let wide = if local_zip64 { 8 } else { 4 };
    let d = read_vec(file, 4 + 4 + 2 * wide, shown)
        .map_err(|_| corrupt("truncated: the data descriptor is missing".into()))?;
    let signed = u32_at(&d, 0) == DESCRIPTOR_SIG;
    let base = if signed { 4 } else { 0 };
    let read_size = |at: usize| if wide == 8 { u64_at(&d, at) } else { u64::from(u32_at(&d, at)) };
    let (dcrc, dcsize, dusize) = (u32_at(&d, base), read_size(base + 4), read_size(base + 4 + wide));
    if (dcrc, dcsize, dusize) != (c.crc32, c.compressed, c.size) {
        return Err(refuse(format!(
            "the data descriptor says CRC {dcrc:08x}, {dcsize} bytes compressed, {dusize} bytes; the central \
             directory {:08x}, {}, {}",
            c.crc32, c.compressed, c.size
        )));
    }
    Ok(data_end + (base + 4 + 2 * wide) as u64)
}

/// Names both extractors write as they are: no NUL, backslash, control character (unzip drops what
/// `isprint` rejects), colon (bsdtar strips a leading drive letter), `.` or `..` component or VMS
/// version (`;` and only digits ending a component, which unzip strips); ASCII unless flagged UTF-8.
fn check_name(c: &Central, refuse: &dyn Fn(String) -> ZipError) -> Result<(), ZipError> {
    if c.name.is_empty() {
        return Err(refuse("an empty name".into()));
    }
    if c.name.contains(&0) {
        return Err(refuse("a NUL byte in the name".into()));
    }
    if c.name.contains(&b'\\') {
        return Err(refuse("a backslash in the name (unzip turns it into `/` for some systems)".into()));
    }
    if let Some(&b) = c.name.iter().find(|&&b| b < 0x20 || b == 0x7f) {
        return Err(refuse(format!(
            "a control character ({b:#04x}) in the name (unzip drops it, bsdtar keeps it)"
        )));
    }
    if c.name.contains(&b':') {
        return Err(refuse(
            "a colon in the name (bsdtar strips a leading drive letter such as `b:`, Windows cannot write one)"
                .into(),
        ));
    }
    for part in c.name.split(|&b| b == b'/') {
        if part == b"." || part == b".." {
            return Err(refuse(format!(
                "a `{}` component in the name (unzip and bsdtar drop it or, last, rename it)",
                crate::path::display_bytes(part)
            )));
        }
        let version = part.iter().rposition(|&b| b == b';').and_then(|semi| part.get(semi + 1..));
        if version.is_some_and(|v| v.iter().all(u8::is_ascii_digit)) {
            return Err(refuse(format!(
                "`{}` ends in a `;` and digits only, which unzip strips as a VMS version",
                crate::path::display_bytes(part)
            )));
        }
    }
    if !c.name.is_ascii() {
        if c.flags & FLAG_UTF8 == 0 {
            return Err(refuse(
                "a non-ASCII name without the UTF-8 flag (unzip and bsdtar decode it differently)".into(),
            ));
        }
        if std::str::from_utf8(&c.name).is_err() {
            return Err(refuse("a name flagged UTF-8 that is not UTF-8".into()));
        }
    }
    Ok(())
}

/// The entry's type and execute bit. A directory is a name ending in `/`; a Unix mode must agree.
fn entry_kind(c: &Central, refuse: &dyn Fn(String) -> ZipError) -> Result<(ZipKind, bool), ZipError> {
    let slash = c.name.last() == Some(&b'/');
    let mode = c.external >> 16;
    if c.made_by_host != HOST_UNIX {
        if c.external & ATTR_DIRECTORY != 0 && !slash {
            return Err(refuse("the MS-DOS directory attribute on a name without a trailing `/`".into()));
        }
        if mode != 0 && c.made_by_host != HOST_MS_DOS {
            // unzip reads these bits as a Unix mode (symlinks included) for VMS, Atari, BeOS, AtheOS and
            // other Unix-like hosts, as permissions for Amiga; bsdtar ignores them.
            return Err(refuse(format!(
                "a Unix mode {mode:o} in the attributes of an entry made on host system {} (unzip reads a \
                 mode from some non-Unix systems, bsdtar from Unix only)",
                c.made_by_host
            )));
        }
        // MS-DOS: unzip takes the mode when its owner bits agree with the DOS attributes (so a file's is
        // never executable), bsdtar never; pip (any execute bit of a regular mode, no host test) and
        // 7-Zip (when 0x8000 is set) apply it. Only a plain file, or a directory named with `/`, without
        // execute or special bits reads the same everywhere.
        let dir_mode = mode & 0o170000 == 0o040000 && slash;
        let differing = if dir_mode { mode & 0o7000 } else { mode & 0o7111 };
        if differing != 0 {
            return Err(refuse(format!(
                "the Unix mode {mode:o} in the attributes of an MS-DOS entry has {} bits: pip and 7-Zip write \
                 it with them, unzip and bsdtar without (repack on Unix, or as a tar)",
                if differing & 0o7000 != 0 { "setuid, setgid or sticky" } else { "execute" }
            )));
        }
        match mode & 0o170000 {
            0 | 0o100000 => {}
            0o040000 if slash => {}
            0o120000 => {
                return Err(refuse(format!(
                    "a symlink mode {mode:o} on an MS-DOS entry (unzip makes a symlink when the owner bits \
                     agree with the DOS attributes, bsdtar a file)"
                )));
            }
            _ => {
                return Err(refuse(format!(
                    "mode {mode:o} on an MS-DOS entry, which unzip and bsdtar read differently"
                )));
            }
        }
        return Ok((if slash { ZipKind::Directory } else { ZipKind::File }, false));
    }
    let kind = match mode & 0o170000 {
        0 if slash => ZipKind::Directory,
        0 | 0o100000 => ZipKind::File,
        0o040000 => ZipKind::Directory,
        0o120000 => {
            return Err(refuse(format!(
                "a symlink entry (mode {mode:o}): unzip and bsdtar make a symlink, but Python's zipfile and pip \
                 write a regular file whose content is the link target (code pip may run, as `setup.py`), so \
                 no zip symlink extracts alike everywhere"
            )));
        }
        _ => return Err(refuse(format!("a special file (mode {mode:o})"))),
    };
    if slash != (kind == ZipKind::Directory) {
        return Err(refuse(format!(
            "the name {} with `/` but the mode {mode:o} says {}",
            if slash { "ends" } else { "does not end" },
            if kind == ZipKind::Directory { "directory" } else { "not a directory" }
        )));
    }
    Ok((kind, kind == ZipKind::File && mode & 0o100 != 0))
}

#[cfg(test)]
mod tests;

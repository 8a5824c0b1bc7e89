//! Reading archives safely: .tar, .tar.gz/.tgz, .tar.xz/.txz and .zip.
//!
//! An archive from the party under review is hostile until proven otherwise. Entries are streamed and checked
//! one by one; the first bad entry refuses the whole archive: absolute paths and `..`, paths over
//! [`MAX_PATH_BYTES`] or names over [`MAX_NAME_BYTES`], names that bsdtar rewrites and GNU tar keeps (a
//! leading drive letter or backslash), tar names and link targets that are not UTF-8 (node-tar and Java tools
//! decode them with U+FFFD, merging distinct names), a file or link named like a directory (`b/.`), symlink
//! targets holding a NUL, entries below a symlink or a file, hard links to anything but an earlier file
//! or stating another mode than their file's (Python's tarfile applies the link's mode to the shared file,
//! GNU tar keeps the file's), device files and FIFOs, duplicate entries, and decompression bombs (limits on total size, file count and
//! compression ratio).
//! A truncated or corrupt archive is an error, never a partial snapshot. A file that is two archives at
//! once is refused before it is read: a tar (plain or compressed) that a zip reader would open (a zip
//! end record near its end), a `.tar` that starts like a compressed stream, a zip that starts with a tar
//! header ([`crate::zipread`]). The compression layer must be framed one way: a `.tar.gz` of more than
//! one gzip member or a `.tar.xz` of more than one xz stream is refused, naming the second one's byte
//! offset (flate2's `GzDecoder`, as cargo uses it, reads only the first member and unpacks the tar
//! without the rest, silently).
//!
//! Tar and zip are parsed by Vitrine's own readers, [`crate::tar`] and [`crate::zipread`], so that
//! Vitrine's view of an archive (which bytes are which path, which members exist, modes, link targets)
//! is the one GNU tar, bsdtar and Info-ZIP `unzip` extract, or the archive is refused as ambiguous,
//! naming the member.
//!
//! Nothing here writes a file tree: each member's content is handed to the sink as a reader of exactly
//! its declared size, so memory use does not depend on member size. Symlinks are data (their target
//! text); where they point is for the health report to say, never a reason to refuse, since nothing
//! ever follows them.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::rc::Rc;

use serde::Serialize;

use crate::error::SnapshotError;

/// The archive formats Vitrine opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ArchiveFormat {
    /// An uncompressed tar stream (`.tar`).
    Tar,
    /// A tar stream in one gzip member (`.tar.gz`, `.tgz`); a second member is refused.
    TarGz,
    /// A tar stream in one xz stream (`.tar.xz`, `.txz`); a second stream is refused.
    TarXz,
    /// A zip archive (`.zip`), read through its central directory by [`crate::zipread`].
    Zip,
}

/// Limits that stop decompression bombs, and bound what a directory snapshot makes Vitrine read. For an
/// archive all are checked while streaming, before the bytes are kept; for a directory the byte, file
/// and entry limits are checked on the walk's `lstat`, before any file is read (the ratio does not apply),
/// and so is [`SPARSE_MIN_BYTES`].
#[derive(Debug, Clone)]
pub struct ArchiveLimits {
    /// Total unpacked bytes (a directory: the sum of its regular files' sizes).
    pub max_total_bytes: u64,
    /// Bytes of any one file.
    pub max_file_bytes: u64,
    /// Number of entries (a directory: files, links, directories and special files below the root).
    pub max_entries: u64,
    /// Unpacked bytes per archive byte, enforced once more than `ratio_floor_bytes` are unpacked.
    pub max_ratio: u64,
    /// Unpacked bytes below which `max_ratio` is not checked, so that a small, highly compressible
    /// archive (a tree of empty or repetitive files) is not mistaken for a bomb.
    pub ratio_floor_bytes: u64,
}

impl Default for ArchiveLimits {
    fn default() -> Self {
        ArchiveLimits {
            max_total_bytes: 32 * 1024 * 1024 * 1024,
            max_file_bytes: 8 * 1024 * 1024 * 1024,
            max_entries: 2_000_000,
            max_ratio: 100,
            ratio_floor_bytes: 64 * 1024 * 1024,
        }
    }
}

/// A file of a directory snapshot at least this large whose blocks on disk hold less than an eighth of
/// its size is refused as sparse before it is read: its holes read as zeros, and a 1 TiB file that takes
/// 12 KB on disk (`truncate -s 1T`) would be hashed for an hour. (A file system that compresses, such as
/// btrfs or ZFS, also reports fewer blocks; source files rarely compress 8:1, and below this size a file
/// is read in well under a second anyway.)
pub const SPARSE_MIN_BYTES: u64 = 64 * 1024 * 1024;

/// Why a directory snapshot's file of `size` bytes, `allocated` of them on disk, counted after
/// `total_before` bytes of the files before it, is refused, if it is: [`SPARSE_MIN_BYTES`], then the
/// per-file and total limits of `limits`.
pub fn dir_file_refusal(
    limits: &ArchiveLimits,
    size: u64,
    allocated: u64,
    total_before: u64,
) -> Option<String> {
    if size >= SPARSE_MIN_BYTES && allocated.saturating_mul(8) < size {
        return Some(format!(
            "a sparse file: {size} bytes, of which {allocated} are on disk (its holes read as zeros and would be hashed byte by byte); refused before it is read"
        ));
    }
    if size > limits.max_file_bytes {
        return Some(format!(
            "a file of {size} bytes, more than the limit of {} bytes per file (`--max-file-bytes`)",
            limits.max_file_bytes
        ));
    }
    if total_before.saturating_add(size) > limits.max_total_bytes {
        return Some(format!(
            "the directory's files come to more than {} bytes with this one (`--archive-max-bytes`)",
            limits.max_total_bytes
        ));
    }
    None
}

/// What an archive entry is, once checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemKind {
    /// A regular file; its content is the item's `content` reader.
    File {
        /// Whether the owner execute bit is set (git mode 100755 rather than 100644).
        executable: bool,
    },
    /// A symbolic link: data, never followed.
    Symlink {
        /// The link's target bytes as stored, non-empty and at most [`MAX_LINK_TARGET`] bytes; not
        /// normalised, since where it points is for the health report to judge.
        target: Vec<u8>,
    },
    /// A hard link to an earlier regular file of the archive (by normalised path).
    HardLink {
        /// Normalised path of the earlier regular file whose content this entry shares.
        target: Vec<u8>,
    },
    /// A directory: not a snapshot entry (git records none), handed over for its mode only.
    Directory,
}

/// One checked entry. `content` yields exactly `size` bytes (none for links); the sink may read any
/// part of it, the rest is skipped after it returns. A short or failing read of the archive is reported
/// as [`SnapshotError::CorruptArchive`], whatever the sink made of the read error.
pub struct ArchiveItem<'a> {
    /// Normalised path bytes: `/`-separated, never absolute, no empty, `.` or `..` components, no NUL,
    /// and unique within the archive.
    pub path: Vec<u8>,
    /// What the entry is.
    pub kind: ItemKind,
    /// Declared content size in bytes (0 for links), already counted against the [`ArchiveLimits`].
    pub size: u64,
    /// The permission bits the archive states (`mode & 0o7777`: setuid, setgid and sticky included,
    /// which extractors running as root keep); 0 for links, which take no mode of their own.
    pub mode: u32,
    /// Reader of the entry's content, bounded to `size` bytes.
    pub content: &'a mut dyn Read,
}

impl std::fmt::Debug for ArchiveItem<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArchiveItem")
            .field("path", &crate::path::display_bytes(&self.path))
            .field("kind", &self.kind)
            .field("size", &self.size)
            .field("mode", &format_args!("{:o}", self.mode))
            .finish_non_exhaustive()
    }
}

/// The longest symlink target accepted (Linux's `PATH_MAX` less the NUL: no directory holds a longer one).
pub const MAX_LINK_TARGET: u64 = 4095;

/// The sink an archive's checked members are streamed to.
pub type Sink<'s> = dyn FnMut(ArchiveItem<'_>) -> Result<(), SnapshotError> + 's;

/// Recognises an archive by its name, then by its first bytes.
pub fn detect_format(path: &Path) -> Option<ArchiveFormat> {
    let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
    let by_name = if name.ends_with(".tar.gz") || name.ends_with(".tgz") {
        Some(ArchiveFormat::TarGz)
    } else if name.ends_with(".tar.xz") || name.ends_with(".txz") {
        Some(ArchiveFormat::TarXz)
    } else if name.ends_with(".tar") {
        Some(ArchiveFormat::Tar)
    } else if name.ends_with(".zip") {
        Some(ArchiveFormat::Zip)
    } else {
        None
    };
    by_name.or_else(|| {
        let mut head = [0u8; 262];
        let n = File::open(path).and_then(|mut f| f.read(&mut head)).ok()?;
        let head = head.get(..n)?;
        if head.starts_with(b"\x1f\x8b") {
            Some(ArchiveFormat::TarGz)
        } else if head.starts_with(b"\xfd7zXZ\0") {
            Some(ArchiveFormat::TarXz)
        } else if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
            Some(ArchiveFormat::Zip)
        } else if head.get(257..262) == Some(b"ustar") {
            Some(ArchiveFormat::Tar)
        } else {
            None
        }
    })
}

/// Streams the checked entries of `archive` to `sink`, in archive order. Directories are not passed on
/// (git has no empty directories); the sink sees files, symlinks and hard links.
pub fn read(
    archive: &Path,
    format: ArchiveFormat,
    limits: &ArchiveLimits,
    sink: &mut Sink<'_>,
) -> Result<(), SnapshotError> {
    let mut file = File::open(archive).map_err(|e| SnapshotError::io("open", archive, e))?;
    let compressed = file.metadata().map_err(|e| SnapshotError::io("examine", archive, e))?.len();
    if format != ArchiveFormat::Zip {
        check_tar_file_is_only_a_tar(archive, &mut file, compressed, format)?;
    }
    let mut guard = Guard::new(archive, limits, compressed);
    match format {
        ArchiveFormat::Tar => read_tar(archive, BufReader::with_capacity(1 << 20, file), &mut guard, sink),
        ArchiveFormat::TarGz => {
            let refusal = FramingRefusal::default();
            let dec = OneGz::new(BufReader::with_capacity(1 << 20, file), refusal.clone());
            with_framing_refusal(archive, read_tar(archive, dec, &mut guard, sink), &refusal)
        }
        ArchiveFormat::TarXz => {
            let refusal = FramingRefusal::default();
            let dec = OneXz::new(BufReader::with_capacity(1 << 20, file), refusal.clone())
                .map_err(|e| SnapshotError::io("start the xz decoder for", archive, e))?;
            with_framing_refusal(archive, read_tar(archive, dec, &mut guard, sink), &refusal)
        }
        ArchiveFormat::Zip => read_zip(archive, file, &mut guard, sink),
    }
}

/// How far from the end of a file Python's `zipfile.is_zipfile` looks for an end-of-central-directory
/// record: a 65,535-byte comment, the 22-byte record, and one byte more (unzip looks at 65,557 bytes).
pub const ZIP_END_SEARCH_BYTES: u64 = (1 << 16) + 22;

/// The signature of a zip end-of-central-directory record.
const ZIP_END_SIGNATURE: &[u8; 4] = b"PK\x05\x06";

/// Compression formats GNU tar, bsdtar or Python's `tarfile` recognise by their first bytes, whatever
/// the file is called: gzip, compress, bzip2, xz, lzma, lzip, lzop, zstd, lz4.
const COMPRESSION_MAGICS: [(&[u8], &str); 9] = [
    (b"\x1f\x8b", "gzip"),
    (b"\x1f\x9d", "compress"),
    (b"BZh", "bzip2"),
    (b"\xfd7zXZ\0", "xz"),
    (b"\x5d\0\0", "lzma"),
    (b"LZIP", "lzip"),
    (b"\x89LZO", "lzop"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
    (b"\x04\x22\x4d\x18", "lz4"),
];

/// Refuses a tar, tar.gz or tar.xz file whose raw bytes are also another archive that a common
/// extractor reads instead of the tar (the converse of [`crate::zipread`]'s zip-that-is-also-a-tar):
///
/// - a zip end-of-central-directory signature in the last [`ZIP_END_SEARCH_BYTES`]: unzip and Python's
///   `zipfile` then read the file as a zip (an appended zip, or one stored verbatim in a second gzip
///   member whose comment covers the gzip trailer), and pip tries `zipfile.is_zipfile` before
///   `tarfile` for any local archive. Any signature there counts, whether or not a reader would get
///   further with it, so no reader's leniency matters;
/// - a `.tar` that starts with a compression format's magic: GNU tar (unless the first block is a
///   ustar header), bsdtar and Python's `tarfile.open` decompress it, where Vitrine would read the raw
///   bytes as the tar.
fn check_tar_file_is_only_a_tar(
    archive: &Path,
    file: &mut File,
    len: u64,
    format: ArchiveFormat,
) -> Result<(), SnapshotError> {
    use std::io::{Seek, SeekFrom};
    let io = |e| SnapshotError::io("read", archive, e);
    let start = len.saturating_sub(ZIP_END_SEARCH_BYTES);
    file.seek(SeekFrom::Start(start)).map_err(io)?;
    let mut tail = Vec::with_capacity(usize::try_from(len - start).unwrap_or(0));
    file.by_ref().take(ZIP_END_SEARCH_BYTES).read_to_end(&mut tail).map_err(io)?;
    if let Some(i) = memchr::memmem::rfind(&tail, ZIP_END_SIGNATURE) {
        return Err(SnapshotError::hostile(
            archive,
            format!(
                "byte {} of the file starts a zip end-of-central-directory record (`PK\\5\\6`) within the \
                 last {ZIP_END_SEARCH_BYTES} bytes: unzip, Python's zipfile and pip (which tries a local \
                 archive as a zip before a tar) read the file as a zip, with other content than the tar \
                 (if the tar's last member is itself a zip, pack it with another member last)",
                start + i as u64
            ),
        ));
    }
    if format == ArchiveFormat::Tar {
        let mut head = Vec::with_capacity(6);
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        file.by_ref().take(6).read_to_end(&mut head).map_err(io)?;
        if let Some((_, name)) = COMPRESSION_MAGICS.iter().find(|(magic, _)| head.starts_with(magic)) {
            return Err(SnapshotError::hostile(
                archive,
                format!(
                    "the tar starts like a {name} stream: GNU tar, bsdtar and Python's tarfile decompress such \
                     a file whatever its name, and would read another tar than its raw bytes"
                ),
            ));
        }
    }
    file.seek(SeekFrom::Start(0)).map_err(io)?;
    Ok(())
}

/// The longest member path accepted, in bytes as written (Linux's `PATH_MAX` less the NUL): GNU tar
/// passes the name to the kernel as it is and cannot create a longer one, bsdtar can (it changes
/// directory on the way down), so the two would extract different trees. This also bounds a path's
/// depth to 2048 components.
pub const MAX_PATH_BYTES: usize = 4095;

/// The longest name (path component) accepted: `NAME_MAX` of every Linux file system.
pub const MAX_NAME_BYTES: usize = 255;

/// The root of the guard's tree of names.
const ROOT: u32 = 0;

/// A buffered reader that counts the bytes consumed from it.
struct Counted<R> {
    inner: R,
    pos: u64,
}

impl<R: BufRead> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Counted<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amount: usize) {
        self.inner.consume(amount);
        self.pos += amount as u64;
    }
}

/// Where a decompressor records why it refuses the compressed file's framing (a second gzip member or
/// xz stream). The tar reader only sees an `io::Error`, which may surface inside any member's data;
/// [`read`] reports a recorded refusal as one, naming the byte offset, whatever the tar reader made of
/// the error.
type FramingRefusal = Rc<RefCell<Option<String>>>;

/// Records `reason` and returns the error that stops the tar reader.
fn refuse_framing(cell: &FramingRefusal, reason: String) -> std::io::Error {
    *cell.borrow_mut() = Some(reason.clone());
    std::io::Error::new(std::io::ErrorKind::InvalidData, reason)
}

/// `result`, unless the decompressor refused the file's framing: then that refusal.
fn with_framing_refusal(
    archive: &Path,
    result: Result<(), SnapshotError>,
    refusal: &FramingRefusal,
) -> Result<(), SnapshotError> {
    match refusal.borrow_mut().take() {
        Some(reason) => Err(SnapshotError::hostile(archive, reason)),
        None => result,
    }
}

/// The data of exactly one gzip member, then optional zero padding to the end of the file (which gzip,
/// GNU tar, bsdtar and Python's gzip all skip).
///
/// A second member is refused, naming its byte offset: gzip, GNU tar, bsdtar, Python and node-tar read
/// every member of a multi-member file (RFC 1952 allows `cat a.gz b.gz`), but flate2's `GzDecoder`
/// (cargo unpacking a `.crate`, rustup, the usual `GzDecoder` -> `tar::Archive` code) and Apache
/// Commons Compress by default stop after the first member, and the Rust `tar` crate needs no end
/// marker, so they would unpack a tree without the later members' files, without an error. Other bytes
/// after the member are an error that says so, with their offset in the file.
struct OneGz<R: BufRead> {
    decoder: Option<flate2::bufread::GzDecoder<Counted<R>>>,
    refusal: FramingRefusal,
}

impl<R: BufRead> OneGz<R> {
    fn new(inner: R, refusal: FramingRefusal) -> OneGz<R> {
        OneGz { decoder: Some(flate2::bufread::GzDecoder::new(Counted { inner, pos: 0 })), refusal }
    }
}

impl<R: BufRead> Read for OneGz<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let Some(decoder) = self.decoder.as_mut() else { return Ok(0) };
        let n = decoder.read(buf)?;
        if n > 0 {
            return Ok(n);
        }
        // The member ended (its CRC and size checked): the file must end here, or zero padding follow.
        let next = decoder.get_mut();
        let at = next.pos;
        let rest = next.fill_buf()?;
        if rest.is_empty() {
            self.decoder = None;
            return Ok(0);
        }
        if rest.first() == Some(&0) {
            // Zero padding to the end of the file: gzip, GNU tar, bsdtar and Python's gzip all end the
            // stream there. Anything after the zeros (another member, which only Python reads, or other
            // bytes) is refused.
            skip_zero_padding(next, at)?;
            self.decoder = None;
            return Ok(0);
        }
        if rest.starts_with(&[0x1f, 0x8b]) {
            return Err(refuse_framing(
                &self.refusal,
                format!(
                    "a second gzip member at byte {at} of the file: gzip, GNU tar, bsdtar, Python and node-tar \
                     read every member, but flate2's GzDecoder (cargo, rustup) and Commons Compress stop after \
                     the first and would unpack the tar without the later members' part, without an error \
                     (recompress it as one member: `gzip -dc FILE | gzip`)"
                ),
            ));
        }
        Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "bytes after the end of the gzip stream, from byte {at} of the file, which are not zero padding"
            ),
        ))
    }
}

/// Reads the zero padding that starts at byte `start` of the file to the end of the file; a non-zero
/// byte in it is an error naming its offset.
fn skip_zero_padding<R: BufRead>(file: &mut Counted<R>, start: u64) -> std::io::Result<()> {
    loop {
        let at = file.pos;
        let chunk = file.fill_buf()?;
        if chunk.is_empty() {
            return Ok(());
        }
        if let Some(i) = chunk.iter().position(|&b| b != 0) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "a non-zero byte at byte {} of the file, after zero padding that follows the end of the gzip \
                     stream at byte {start} (gzip and GNU tar stop at the padding, Python's gzip reads on)",
                    at + i as u64
                ),
            ));
        }
        let n = chunk.len();
        file.consume(n);
    }
}

/// The magic bytes that start an xz stream.
const XZ_MAGIC: &[u8; 6] = b"\xfd7zXZ\0";

/// The data of exactly one xz stream (its check, index and footer verified by liblzma), then optional
/// stream padding to the end of the file: zero bytes, a multiple of four, which xz, GNU tar, bsdtar and
/// Python all skip.
///
/// A second stream, after padding or not, is refused naming its byte offset: xz, GNU tar, bsdtar and
/// Python read every stream, readers of one stream (xz2's `XzDecoder::new`, Java's
/// `SingleXZInputStream`) stop or fail there. Other bytes after the stream, and padding that is not a
/// multiple of four (which xz refuses), are an error naming their offset.
struct OneXz<R: BufRead> {
    inner: Counted<R>,
    /// `None` once the stream has ended and what follows it has been checked.
    stream: Option<xz2::stream::Stream>,
    refusal: FramingRefusal,
}

impl<R: BufRead> OneXz<R> {
    fn new(inner: R, refusal: FramingRefusal) -> std::io::Result<OneXz<R>> {
        let stream = xz2::stream::Stream::new_stream_decoder(u64::MAX, 0)?;
        Ok(OneXz { inner: Counted { inner, pos: 0 }, stream: Some(stream), refusal })
    }

    /// Reads what follows the end of the stream, which ended at byte `start` of the file, to the end of
    /// the file.
    fn check_after_stream(&mut self, start: u64) -> std::io::Result<()> {
        let invalid = |msg: String| std::io::Error::new(std::io::ErrorKind::InvalidData, msg);
        loop {
            let at = self.inner.pos;
            let chunk = self.inner.fill_buf()?;
            if chunk.is_empty() {
                let padding = at - start;
                if !padding.is_multiple_of(4) {
                    return Err(invalid(format!(
                        "{padding} zero bytes of stream padding after the end of the xz stream at byte {start}, \
                         not a multiple of four (xz refuses such a file)"
                    )));
                }
                return Ok(());
            }
            let Some(i) = chunk.iter().position(|&b| b != 0) else {
                let n = chunk.len();
                self.inner.consume(n);
                continue;
            };
            self.inner.consume(i);
            let pos = at + i as u64;
            let mut head = Vec::with_capacity(XZ_MAGIC.len());
            (&mut self.inner).take(XZ_MAGIC.len() as u64).read_to_end(&mut head)?;
            if head == XZ_MAGIC {
                let after = if pos > start {
                    format!(", after {} bytes of stream padding", pos - start)
                } else {
                    String::new()
                };
                return Err(refuse_framing(
                    &self.refusal,
                    format!(
                        "a second xz stream at byte {pos} of the file{after}: xz, GNU tar, bsdtar and Python read \
                         every stream, readers of one stream (xz2's XzDecoder::new, Java's SingleXZInputStream) \
                         stop or fail at the second (recompress it as one stream: `xz -dc FILE | xz`)"
                    ),
                ));
            }
            return Err(invalid(format!(
                "a non-zero byte at byte {pos} of the file, after the end of the xz stream at byte {start}, \
                 which is neither stream padding nor another stream"
            )));
        }
    }
}

impl<R: BufRead> Read for OneXz<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            let Some(stream) = self.stream.as_mut() else { return Ok(0) };
            let input = self.inner.fill_buf()?;
            let eof = input.is_empty();
            let (in_before, out_before) = (stream.total_in(), stream.total_out());
            let action = if eof { xz2::stream::Action::Finish } else { xz2::stream::Action::Run };
            let status = stream.process(input, buf, action).map_err(std::io::Error::from)?;
            let consumed = usize::try_from(stream.total_in() - in_before).unwrap_or(usize::MAX);
            let produced = usize::try_from(stream.total_out() - out_before).unwrap_or(usize::MAX);
            self.inner.consume(consumed);
            if status == xz2::stream::Status::StreamEnd {
                self.stream = None;
                let end = self.inner.pos;
                self.check_after_stream(end)?;
                return Ok(produced);
            }
            if produced > 0 {
                return Ok(produced);
            }
            if eof {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "the xz stream is truncated (the file ends before its end)",
                ));
            }
            if consumed == 0 {
                return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, "corrupt xz stream"));
            }
        }
    }
}

/// What has been seen so far, for duplicate, ancestor and limit checks.
///
/// The names seen form a tree: each node is one file, link or directory, found from its parent's id and
/// its own name, so checking a member costs one look-up per component and memory grows with the
/// distinct names, never with copies of ancestor paths.
struct Guard<'a> {
    archive: &'a Path,
    limits: &'a ArchiveLimits,
    compressed: u64,
    total: u64,
    entries: u64,
    /// What each node is; index 0 is the root directory.
    kinds: Vec<Seen>,
    /// (parent id as 4 little-endian bytes + name) -> node id.
    children: HashMap<Box<[u8]>, u32>,
    /// Scratch space for a look-up key.
    key: Vec<u8>,
    /// The permission bits of each tar file and hard link, by node id: a hard link must state its
    /// target's (`Guard::check_link_mode`).
    modes: HashMap<u32, u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seen {
    Dir,
    File,
    Link,
}

/// A path shortened for a message: its first 120 characters, then how long it is.
fn shortened(raw: &[u8]) -> String {
    let shown = crate::path::display_bytes(raw);
    if shown.chars().count() <= 160 {
        return shown;
    }
    let head: String = shown.chars().take(120).collect();
    format!("{head}… ({} bytes)", raw.len())
}

/// Why an extractor would rewrite this name, if it would: bsdtar strips a leading drive letter (`C:`)
/// and leading backslashes (`\evil`, `\\.\x`) from member names and hard-link targets where GNU tar
/// keeps them; with `--strip-components` any component can come first, so any component is checked.
fn rewritten_component(c: &[u8]) -> Option<&'static str> {
    match c {
        [b'\\', ..] => Some("starts with a backslash, which bsdtar strips (GNU tar keeps it)"),
        [l, b':', ..] if l.is_ascii_alphabetic() => {
            Some("starts with a drive letter, which bsdtar strips (GNU tar keeps it)")
        }
        _ => None,
    }
}

impl<'a> Guard<'a> {
    fn new(archive: &'a Path, limits: &'a ArchiveLimits, compressed: u64) -> Guard<'a> {
        Guard {
            archive,
            limits,
            compressed: compressed.max(1),
            total: 0,
            entries: 0,
            kinds: vec![Seen::Dir],
            children: HashMap::new(),
            key: Vec::new(),
            modes: HashMap::new(),
        }
    }

    /// The node of the normalised path `norm`, if it has been seen.
    fn node(&mut self, norm: &[u8]) -> Option<u32> {
        let mut node = ROOT;
        for part in norm.split(|&b| b == b'/') {
            node = self.child(node, part)?;
        }
        Some(node)
    }

    /// Records the permission bits (`mode & 0o7777`) of the file or hard link at the normalised `path`.
    fn set_mode(&mut self, path: &[u8], mode: u32) {
        if let Some(node) = self.node(path) {
            self.modes.insert(node, mode & 0o7777);
        }
    }

    /// Refuses a hard link `shown` whose own permission bits differ from those of its target (the
    /// normalised `target`; file-type bits are not compared). Extractors disagree on the final mode of
    /// the one file both names share: Python's `tarfile` (pip, `shutil.unpack_archive`) and Docker's
    /// `pkg/archive` chmod it to the link's mode after `link()`, GNU tar, bsdtar, node-tar and the Rust
    /// `tar` crate leave the target's, so a 04755 link to a reviewed 0644 script makes it setuid for
    /// some and not others, and the tree ids differ. No writer records a link with another mode than
    /// its file's (both are one inode).
    fn check_link_mode(&mut self, shown: &str, target: &[u8], mode: u32) -> Result<(), SnapshotError> {
        let mode = mode & 0o7777;
        let Some(target_mode) = self.node(target).and_then(|n| self.modes.get(&n).copied()) else {
            return Ok(());
        };
        if target_mode == mode {
            return Ok(());
        }
        Err(self.refuse(format!(
            "hard link `{shown}` states mode {mode:04o} but its target `{}` has mode {target_mode:04o}: \
             Python's tarfile (pip) and Docker change the shared file to the link's mode, GNU tar, bsdtar \
             and node-tar keep the target's, so extractors disagree on the file's final mode (a hard link \
             must state its target's mode)",
            shortened(target)
        )))
    }

    fn refuse(&self, reason: String) -> SnapshotError {
        SnapshotError::hostile(self.archive, reason)
    }

    /// [`Guard::admit`] for a file's content: also its own size against the per-file limit.
    fn admit_file(&mut self, size: u64, name: &[u8]) -> Result<(), SnapshotError> {
        if size > self.limits.max_file_bytes {
            return Err(self.refuse(format!(
                "`{}` unpacks to {size} bytes, more than the limit of {} bytes per file",
                shortened(name),
                self.limits.max_file_bytes
            )));
        }
        self.admit(size)
    }

    /// Counts an entry and its declared size against the limits, before its content is read.
    fn admit(&mut self, size: u64) -> Result<(), SnapshotError> {
        self.entries += 1;
        if self.entries > self.limits.max_entries {
            return Err(
                self.refuse(format!("more than {} entries (decompression bomb?)", self.limits.max_entries))
            );
        }
        self.total = self.total.saturating_add(size);
        if self.total > self.limits.max_total_bytes {
            return Err(self.refuse(format!(
                "unpacks to more than {} bytes (decompression bomb?)",
                self.limits.max_total_bytes
            )));
        }
        if self.total > self.limits.ratio_floor_bytes && self.total / self.compressed > self.limits.max_ratio
        {
            return Err(self.refuse(format!(
                "compression ratio above {}:1 after {} bytes (decompression bomb?)",
                self.limits.max_ratio, self.total
            )));
        }
        Ok(())
    }

    /// The components of a member path or hard-link target as every extractor reads them, or why not:
    /// absolute paths, NUL bytes, `..`, paths over [`MAX_PATH_BYTES`], names over [`MAX_NAME_BYTES`],
    /// names an extractor rewrites ([`rewritten_component`]), and, unless `dir`, a path ending in `/`
    /// or `/.` (a directory's name: GNU tar makes the directory, bsdtar writes to the parent's name).
    /// Empty and `.` components are dropped.
    fn components<'p>(&self, raw: &'p [u8], dir: bool, what: &str) -> Result<Vec<&'p [u8]>, SnapshotError> {
        let shown = || shortened(raw);
        if raw.len() > MAX_PATH_BYTES {
            return Err(self.refuse(format!(
                "{what} `{}` is {} bytes long (at most {MAX_PATH_BYTES}: GNU tar cannot create a longer path, \
                 bsdtar can)",
                shown(),
                raw.len()
            )));
        }
        if raw.first() == Some(&b'/') {
            return Err(self.refuse(format!("absolute path `{}`", shown())));
        }
        if raw.contains(&0) {
            return Err(self.refuse(format!(
                "path `{}` contains a NUL byte (no git tree can hold it)",
                shown().replace('\0', "\\0")
            )));
        }
        let mut parts: Vec<&[u8]> = Vec::new();
        for c in raw.split(|&b| b == b'/') {
            match c {
                b"" | b"." => {}
                b".." => return Err(self.refuse(format!("path `{}` climbs out with `..`", shown()))),
                _ => {
                    if c.len() > MAX_NAME_BYTES {
                        return Err(self.refuse(format!(
                            "{what} `{}` holds a name of {} bytes (at most {MAX_NAME_BYTES}: no Linux file \
                             system holds it)",
                            shown(),
                            c.len()
                        )));
                    }
                    if let Some(why) = rewritten_component(c) {
                        return Err(self.refuse(format!(
                            "{what} `{}`: the name `{}` {why}",
                            shown(),
                            crate::path::display_bytes(c)
                        )));
                    }
                    parts.push(c);
                }
            }
        }
        if !dir && !parts.is_empty() && matches!(raw.rsplit(|&b| b == b'/').next(), Some(b"" | b".")) {
            return Err(self.refuse(format!(
                "{what} `{}` ends in `/` or `/.`, which names a directory (GNU tar makes one there, bsdtar \
                 writes a file under the parent's name)",
                shown()
            )));
        }
        Ok(parts)
    }

    /// The look-up key of `name` below the node `parent`, in the scratch buffer.
    fn key_of(&mut self, parent: u32, name: &[u8]) {
        self.key.clear();
        self.key.extend_from_slice(&parent.to_le_bytes());
        self.key.extend_from_slice(name);
    }

    fn child(&mut self, parent: u32, name: &[u8]) -> Option<u32> {
        self.key_of(parent, name);
        self.children.get(self.key.as_slice()).copied()
    }

    fn add_child(&mut self, parent: u32, name: &[u8], kind: Seen) -> Result<u32, SnapshotError> {
        // Directories that paths only imply count too: a few deep members could otherwise name
        // millions of distinct directories.
        if self.kinds.len() as u64 > self.limits.max_entries {
            return Err(self.refuse(format!(
                "more than {} files and directories, counting the directories that member paths imply \
                 (decompression bomb?)",
                self.limits.max_entries
            )));
        }
        let id = u32::try_from(self.kinds.len())
            .map_err(|_| self.refuse("more names than the guard can count".to_string()))?;
        self.key_of(parent, name);
        self.children.insert(self.key.as_slice().into(), id);
        self.kinds.push(kind);
        Ok(id)
    }

    fn kind(&self, node: u32) -> Seen {
        self.kinds.get(node as usize).copied().unwrap_or(Seen::Dir)
    }

    /// Normalises and checks an entry path; registers it. Returns `None` for the root directory entry.
    /// Work and memory are linear in the path's length.
    fn path(&mut self, raw: &[u8], seen_as: Seen) -> Result<Option<Vec<u8>>, SnapshotError> {
        let what = match seen_as {
            Seen::Dir => "directory",
            Seen::File => "file",
            Seen::Link => "symlink",
        };
        let parts = self.components(raw, seen_as == Seen::Dir, what)?;
        let Some((last, ancestors)) = parts.split_last() else {
            return if seen_as == Seen::Dir {
                Ok(None)
            } else {
                Err(self.refuse(format!("empty path `{}`", shortened(raw))))
            };
        };
        // Every ancestor must be a directory (or not yet seen): an entry below a file or a symlink is how
        // archives write through links.
        let mut node = ROOT;
        for (i, part) in ancestors.iter().enumerate() {
            node = match self.child(node, part) {
                Some(child) => match self.kind(child) {
                    Seen::Dir => child,
                    other => {
                        let prefix = parts.get(..=i).unwrap_or_default().join(&b'/');
                        let (what, how) = match other {
                            Seen::File => ("file", ""),
                            _ => ("symlink", " (writing through a link)"),
                        };
                        return Err(self.refuse(format!(
                            "`{}` lies below the {what} `{}`{how}",
                            shortened(raw),
                            crate::path::display_bytes(&prefix)
                        )));
                    }
                },
                None => self.add_child(node, part, Seen::Dir)?,
            };
        }
        match self.child(node, last) {
            Some(existing) if self.kind(existing) == Seen::Dir && seen_as == Seen::Dir => {}
            Some(_) => return Err(self.refuse(format!("duplicate entry `{}`", shortened(raw)))),
            None => {
                self.add_child(node, last, seen_as)?;
            }
        }
        Ok(Some(parts.join(&b'/')))
    }

    /// What the normalised path `norm` is, if it has been seen.
    fn seen(&mut self, norm: &[u8]) -> Option<Seen> {
        let node = self.node(norm)?;
        Some(self.kind(node))
    }

    /// The normalised path of an earlier regular file that the hard link `shown` points to, or why it
    /// does not point to one. The target is read as extractors read a member path.
    fn hard_link_target(&mut self, shown: &str, target: &[u8]) -> Result<Vec<u8>, SnapshotError> {
        let not_earlier = || {
            format!(
                "hard link `{shown}` points to `{}`, which is not an earlier file of the archive",
                shortened(target)
            )
        };
        let parts = self
            .components(target, false, "hard link target")
            .map_err(|e| self.refuse(format!("{} ({e})", not_earlier())))?;
        let norm = parts.join(&b'/');
        if parts.is_empty() || self.seen(&norm) != Some(Seen::File) {
            return Err(self.refuse(not_earlier()));
        }
        Ok(norm)
    }

    /// A symlink target is data and is never followed; where it points is a health finding. Only what no
    /// directory can hold is refused: an empty target, one longer than [`MAX_LINK_TARGET`], or one with
    /// a NUL byte (unzip and bsdtar cut the target there).
    fn check_link_target(&self, link: &[u8], target: &[u8]) -> Result<(), SnapshotError> {
        let shown = || crate::path::display_bytes(link);
        if target.is_empty() {
            return Err(self.refuse(format!("symlink `{}` has an empty target", shown())));
        }
        if target.len() as u64 > MAX_LINK_TARGET {
            return Err(self.refuse(format!(
                "symlink `{}` has a target of {} bytes (at most {MAX_LINK_TARGET})",
                shown(),
                target.len()
            )));
        }
        if let Some(nul) = memchr::memchr(0, target) {
            return Err(self.refuse(format!(
                "symlink `{}` has a NUL byte at byte {nul} of its target `{}` (unzip and bsdtar cut the \
                 target there; no file system holds it)",
                shown(),
                crate::path::display_bytes(target).replace('\0', "\\0")
            )));
        }
        Ok(())
    }

    /// Refuses a tar member name or link target that is not UTF-8. node-tar (npm) and Java tools decode
    /// tar names as UTF-8 and put U+FFFD for each invalid sequence: `check\xFF.js` and `check\u{FFFD}.js`
    /// are one file to them, written with the later member's bytes, and a link points elsewhere, where
    /// GNU tar, bsdtar, Python and Vitrine keep the bytes. Refusing every such name (as the zip reader
    /// refuses non-ASCII names without the UTF-8 flag) leaves no name an extractor re-encodes.
    fn require_utf8(&self, member: &[u8], what: &str, bytes: &[u8]) -> Result<(), SnapshotError> {
        let Err(e) = std::str::from_utf8(bytes) else { return Ok(()) };
        let at = e.valid_up_to();
        let byte = bytes.get(at).copied().unwrap_or(0);
        let whose = if what == "name" { String::new() } else { format!(" `{}`", shortened(bytes)) };
        Err(self.refuse(format!(
            "member `{}`: the {what}{whose} is not UTF-8 (byte {byte:#04x} at byte {at}): node-tar (npm) and Java \
             tools decode tar names as UTF-8 with U+FFFD for each invalid sequence, so names that differ only \
             there are one file to them (the later member wins) and a link points elsewhere, while GNU tar \
             keeps the bytes (rename it in UTF-8)",
            shortened(member)
        )))
    }

    #[cfg(test)]
    fn nodes(&self) -> usize {
        self.kinds.len() - 1
    }

    #[cfg(test)]
    fn key_bytes(&self) -> usize {
        self.children.keys().map(|k| k.len() - 4).sum()
    }
}

fn tar_error(archive: &Path, e: crate::tar::TarError) -> SnapshotError {
    match e {
        crate::tar::TarError::Refused { .. } => SnapshotError::hostile(archive, e.to_string()),
        crate::tar::TarError::Corrupt { .. } => SnapshotError::corrupt(archive, e),
        // The detail is a string: the reader's text goes into it, once, after the member.
        crate::tar::TarError::Io { member, source } => {
            SnapshotError::corrupt(archive, format!("{member}: {source}"))
        }
    }
}

fn zip_error(archive: &Path, e: crate::zipread::ZipError) -> SnapshotError {
    match e {
        crate::zipread::ZipError::Refused { .. } => SnapshotError::hostile(archive, e.to_string()),
        crate::zipread::ZipError::Corrupt { .. } => SnapshotError::corrupt(archive, e),
        crate::zipread::ZipError::Io { member, source } => {
            SnapshotError::corrupt(archive, format!("{member}: {source}"))
        }
    }
}

/// Reads a tar stream with Vitrine's own reader ([`crate::tar`]), which resolves headers as GNU tar does
/// and refuses what GNU tar and bsdtar would extract differently; then applies the [`Guard`]. The reader
/// also checks that only zero bytes follow the end-of-archive marker, reading the stream to its end so
/// that a compressed stream's own integrity check (gzip CRC, xz check and index) runs.
fn read_tar<R: Read>(
    archive: &Path,
    reader: R,
    guard: &mut Guard<'_>,
    sink: &mut Sink<'_>,
) -> Result<(), SnapshotError> {
    use crate::tar::MemberKind;
    let mut tar = crate::tar::TarReader::new(reader);
    while let Some(member) = tar.next_member().map_err(|e| tar_error(archive, e))? {
        let raw_path = member.path;
        let shown = crate::path::display_bytes(&raw_path);
        guard.require_utf8(&raw_path, "name", &raw_path)?;
        if let MemberKind::Symlink { target } = &member.kind {
            guard.require_utf8(&raw_path, "symlink target", target)?;
        }
        if let MemberKind::HardLink { target } = &member.kind {
            guard.require_utf8(&raw_path, "hard-link target", target)?;
        }
        match member.kind {
            MemberKind::Directory => {
                guard.admit(0)?;
                if let Some(path) = guard.path(&raw_path, Seen::Dir)? {
                    send_directory(sink, path, member.mode)?;
                }
            }
            MemberKind::File => {
                let size = member.size_bytes;
                guard.admit_file(size, &raw_path)?;
                let Some(path) = guard.path(&raw_path, Seen::File)? else { continue };
                guard.set_mode(&path, member.mode);
                let executable = member.mode & 0o100 != 0;
                let file = FileItem { executable, mode: member.mode, size };
                send_file(archive, sink, path, file, &mut tar.data(), &shown)?;
            }
            MemberKind::Symlink { target } => {
                guard.admit(0)?;
                let Some(path) = guard.path(&raw_path, Seen::Link)? else { continue };
                guard.check_link_target(&path, &target)?;
                sink(ArchiveItem {
                    path,
                    kind: ItemKind::Symlink { target },
                    size: 0,
                    mode: 0,
                    content: &mut std::io::empty(),
                })?;
            }
            MemberKind::HardLink { target } => {
                guard.admit(0)?;
                let norm_target = guard.hard_link_target(&shown, &target)?;
                guard.check_link_mode(&shown, &norm_target, member.mode)?;
                let Some(path) = guard.path(&raw_path, Seen::File)? else { continue };
                guard.set_mode(&path, member.mode);
                sink(ArchiveItem {
                    path,
                    kind: ItemKind::HardLink { target: norm_target },
                    size: 0,
                    mode: 0,
                    content: &mut std::io::empty(),
                })?;
            }
            MemberKind::CharDevice | MemberKind::BlockDevice | MemberKind::Fifo => {
                let what = match member.kind {
                    MemberKind::CharDevice => "character device",
                    MemberKind::BlockDevice => "block device",
                    _ => "FIFO",
                };
                return Err(guard.refuse(format!("`{shown}` is a {what}")));
            }
        }
    }
    Ok(())
}

/// Hands a directory member to the sink, for its mode.
fn send_directory(sink: &mut Sink<'_>, path: Vec<u8>, mode: u32) -> Result<(), SnapshotError> {
    sink(ArchiveItem { path, kind: ItemKind::Directory, size: 0, mode, content: &mut std::io::empty() })
}

/// A file member's execute bit, permission bits and size.
struct FileItem {
    executable: bool,
    mode: u32,
    size: u64,
}

/// Hands a file member to the sink as a reader of exactly `size` bytes, then checks that the archive
/// held exactly that many (reading to the member's end also runs the zip CRC check).
fn send_file(
    archive: &Path,
    sink: &mut Sink<'_>,
    path: Vec<u8>,
    file: FileItem,
    reader: &mut dyn Read,
    shown: &str,
) -> Result<(), SnapshotError> {
    let FileItem { executable, mode, size } = file;
    let mut exact = Exact { inner: reader, size, left: size, failure: None };
    let result =
        sink(ArchiveItem { path, kind: ItemKind::File { executable }, size, mode, content: &mut exact });
    if result.is_ok() && exact.failure.is_none() {
        // Skip what the sink left unread (a read error is recorded in `failure`), then probe for more.
        let _ = std::io::copy(&mut exact, &mut std::io::sink());
        if exact.failure.is_none() {
            let mut probe = [0u8; 1];
            match exact.inner.read(&mut probe) {
                Ok(0) => {}
                Ok(_) => exact.failure = Some(format!("more bytes than the {size} the header says")),
                Err(e) => exact.failure = Some(e.to_string()),
            }
        }
    }
    if let Some(failure) = exact.failure {
        return Err(SnapshotError::corrupt(archive, format!("`{shown}`: {failure}")));
    }
    result
}

/// A member's content: exactly `size` bytes of `inner`; a short or failing read is recorded.
struct Exact<'r> {
    inner: &'r mut dyn Read,
    size: u64,
    left: u64,
    failure: Option<String>,
}

impl Read for Exact<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 || buf.is_empty() {
            return Ok(0);
        }
        let max = usize::try_from(self.left).unwrap_or(usize::MAX).min(buf.len());
        let dst = buf.get_mut(..max).unwrap_or_default();
        let n = loop {
            match self.inner.read(dst) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.failure = Some(e.to_string());
                    return Err(e);
                }
            }
        };
        if n == 0 {
            let got = self.size - self.left;
            let msg = format!("{got} bytes where the header says {} (truncated?)", self.size);
            self.failure = Some(msg.clone());
            return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, msg));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// Reads a zip with Vitrine's own reader ([`crate::zipread`]), which checks the local headers, data
/// descriptors and layout against the central directory; then applies the [`Guard`], which refuses
/// duplicate names after normalisation.
fn read_zip(
    archive: &Path,
    file: File,
    guard: &mut Guard<'_>,
    sink: &mut Sink<'_>,
) -> Result<(), SnapshotError> {
    use crate::zipread::ZipKind;
    let mut zip = crate::zipread::ZipReader::open(BufReader::new(file), guard.limits.max_entries)
        .map_err(|e| zip_error(archive, e))?;
    for i in 0..zip.entries().len() {
        let Some(entry) = zip.entries().get(i).cloned() else { break };
        let shown = crate::path::display_bytes(&entry.name);
        if entry.kind == ZipKind::Directory {
            guard.admit(0)?;
            if let Some(path) = guard.path(&entry.name, Seen::Dir)? {
                send_directory(sink, path, entry.mode)?;
            }
            continue;
        }
        guard.admit_file(entry.size_bytes, &entry.name)?;
        // Reading an entry to its end runs the size, CRC and compressed-length checks.
        let mut data = zip.data(i).map_err(|e| zip_error(archive, e))?;
        // The zip reader yields files and directories only (it refuses symlink entries).
        let Some(path) = guard.path(&entry.name, Seen::File)? else { continue };
        let file = FileItem { executable: entry.executable, mode: entry.mode, size: entry.size_bytes };
        send_file(archive, sink, path, file, &mut data, &shown)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;

//! Vitrine's own streaming tar reader: resolves each member's headers exactly as GNU tar 1.34 extracts
//! them, and refuses every layout that GNU tar, bsdtar (libarchive), Python's `tarfile`, the Rust `tar`
//! crate (cargo) or node-tar (npm) would read differently.
//!
//! A member's path comes from, in GNU tar's order of precedence: a pax `path` record, a GNU long name
//! (`L`), the ustar `prefix` + `/` + `name` (only with the POSIX magic `ustar\0` and version `00`), the
//! `name` field. Its link target likewise from pax `linkpath`, a GNU long link (`K`) or the `linkname`
//! field, and its data size from pax `size` or the `size` field. Where the readers part ways this
//! reader refuses instead of choosing, naming the member:
//!
//! - a GNU long name *and* a pax `path` for one member (GNU tar takes the pax value, bsdtar the long name),
//!   and likewise for long links;
//! - a pax global header (`g`) with `path`, `linkpath` or `size` (GNU tar applies it to every following
//!   member, bsdtar ignores it);
//! - two extension headers of one kind for one member, or one pax key given twice;
//! - pax keys that change the view in one reader only (`GNU.sparse.*`, `SCHILY.realsize`, `hdrcharset`,
//!   ...), sparse members, and type flags other than files, directories, links, devices and FIFOs;
//! - a NUL inside a pax path or after the end of a long name (no git can record such a path);
//! - a non-zero data size on anything but a regular file (both readers then take data for a header);
//! - a pax record in any form but `LEN SP KEY=VALUE\n` with a plain decimal length of at most 999,999
//!   bytes and a key of printable ASCII (GNU tar skips blanks and tabs around the length, libarchive
//!   reads the key from after the first space and rejects longer records); see `split_pax_record`;
//! - a checksum not written in octal (GNU tar and libarchive then skip the header and re-sync inside
//!   the member's data), or not ended by a NUL or space inside its 8 bytes, or matching only the signed
//!   sum of the header bytes (node-tar, as npm uses it, reads 12 bytes there and checks only the unsigned
//!   sum, and on a mismatch skips the header and reads the member's data as headers); base-256 numbers
//!   with a lead byte other than 0x80;
//! - numeric fields GNU tar rejects, a bad header checksum, an unknown magic, an archive that ends inside
//!   a header or member;
//! - any numeric field (uid, gid, mtime, devmajor, devminor as well as size and mode) of any header not
//!   in the one form GNU tar, bsdtar and Python's `tarfile` read alike: Python's `tarfile` (pip,
//!   `shutil.unpack_archive`) silently ends the archive at a header it cannot parse;
//! - a non-empty `prefix` field in any header but POSIX ustar with version `00`: GNU tar and bsdtar
//!   ignore it in GNU and v7 headers, Python's `tarfile` puts it before the name; with `ustar\0` and
//!   another version GNU tar, bsdtar and Python take it, the Rust `tar` crate (cargo) and node-tar (npm)
//!   do not;
//! - any non-zero byte in 500..512 of a `ustar\0` header, past the prefix: Go's `archive/tar` (Docker's
//!   `ADD`, containerd) reads the star layout when bytes 508..512 are `tar\0` (a 131-byte prefix, then
//!   times) and extracts another path; no writer puts anything there;
//! - an extension header (`L`, `K`, `x`, `g`) whose magic is not exactly GNU (`ustar  \0`) or POSIX
//!   (`ustar\0` + `00`): the Rust `tar` crate takes it as a plain entry, the next member keeping its
//!   own name, where GNU tar, bsdtar and Python apply it;
//! - a first header without the exact GNU or POSIX-`00` magic (v7, other versions): libarchive bids
//!   on the first header and ranks such a tar below formats whose signature the same bytes can carry
//!   (`!<arch>\n` of ar, cpio, 7-Zip, ...), so bsdtar would extract another archive's tree;
//! - any non-zero byte after the end-of-archive marker (a hidden header that `tar x -i` or Python's
//!   `ignore_zeros` would extract, however its checksum is written; an appended zip).
//!
//! The reader streams: [`TarReader::next_member`] yields one member's header, [`TarReader::data`] reads
//! exactly that member's bytes, and memory use does not depend on member sizes (extension headers are
//! capped at [`MAX_EXTENSION_BYTES`]).

#![warn(missing_docs)]

use std::collections::HashMap;
use std::io::{self, Read};

/// The tar block size.
pub const BLOCK: usize = 512;
/// The largest extension header (pax, long name, long link) the reader accepts.
pub const MAX_EXTENSION_BYTES: u64 = 1 << 20;
/// The most zero padding accepted after the end-of-archive marker (tar pads to its record size, 10 KiB
/// by default; some writers pad to a few MiB).
pub const MAX_TRAILING_BYTES: u64 = 64 << 20;

/// Why a tar stream could not be read.
#[derive(Debug, thiserror::Error)]
pub enum TarError {
    /// A layout that the reference extractors read differently, or that git cannot record.
    #[error("{member}: {reason}")]
    Refused {
        /// Where in the stream: ``member `path` `` once the path is known, else ``header at byte N``.
        member: String,
        /// What the readers would disagree on, or why git cannot record it.
        reason: String,
    },
    /// A damaged or truncated archive.
    #[error("{member}: {detail}")]
    Corrupt {
        /// Where in the stream, as for [`TarError::Refused`].
        member: String,
        /// What is wrong (bad checksum, bad number, unexpected end, …).
        detail: String,
    },
    /// Reading the underlying stream failed (including a failed gzip or xz check). The OS or
    /// decompressor text is only the source.
    #[error("{member}: cannot read")]
    Io {
        /// Where in the stream, as for [`TarError::Refused`].
        member: String,
        /// The error of the underlying reader.
        #[source]
        source: io::Error,
    },
}

/// What a member is, with its link target where it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemberKind {
    /// A regular file (type `0` or the old NUL type, or `7` contiguous); the only kind with data.
    File,
    /// A directory (type `5`).
    Directory,
    /// A symbolic link (type `2`).
    Symlink {
        /// The link target bytes as written (pax `linkpath`, GNU long link or `linkname`); not checked.
        target: Vec<u8>,
    },
    /// A hard link to the member named by `target`, as written in the archive.
    HardLink {
        /// The path of the earlier member, raw (not normalised; the caller checks it).
        target: Vec<u8>,
    },
    /// A character device (type `3`); the caller refuses it.
    CharDevice,
    /// A block device (type `4`); the caller refuses it.
    BlockDevice,
    /// A FIFO (type `6`); the caller refuses it.
    Fifo,
}

/// One member's resolved header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The path as GNU tar extracts it, trailing slashes of a directory removed; never empty and free of
    /// NUL bytes.
    pub path: Vec<u8>,
    /// What the member is.
    pub kind: MemberKind,
    /// Permission bits (`mode & 0o7777`).
    pub mode: u32,
    /// Bytes of data; zero for anything but a file.
    pub size_bytes: u64,
    /// Where the member's first header starts in the tar stream.
    pub header_offset: u64,
}

impl Member {
    /// The member's path for messages.
    pub fn display(&self) -> String {
        format!("member `{}`", vitrine_base::display_bytes(&self.path))
    }
}

/// A streaming reader of tar members.
pub struct TarReader<R> {
    inner: R,
    /// Bytes consumed from `inner`.
    offset: u64,
    /// Data bytes of the current member not yet read, then the zero padding to the next block.
    remaining: u64,
    padding: u64,
    /// The current member, for messages.
    current: String,
    finished: bool,
}

/// The (key, value) records of one pax header, in order.
type PaxRecords = Vec<(Vec<u8>, Vec<u8>)>;

/// Extension headers seen since the last member.
#[derive(Default)]
struct Pending {
    first_offset: Option<u64>,
    long_name: Option<Vec<u8>>,
    long_link: Option<Vec<u8>>,
    pax: Option<PaxRecords>,
}

impl Pending {
    fn is_empty(&self) -> bool {
        self.long_name.is_none() && self.long_link.is_none() && self.pax.is_none()
    }

    fn pax_value(&self, key: &[u8]) -> Option<&[u8]> {
        self.pax.as_ref()?.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_slice())
    }
}

/// Why a pax key is refused, if it is: keys that change what one of the reference readers extracts in
/// a way this reader does not reproduce (sparse maps and sizes, name re-encodings, incremental dumps,
/// multi-volume state), and keys that carry metadata an extractor applies to the file beyond its path,
/// type, bytes and execute bit, which neither the view nor the tree ids show: extended attributes
/// (`security.capability` file capabilities, SELinux labels), ACLs and file flags, restored by GNU tar
/// (`--xattrs`, `--acls`, `--selinux`) and by bsdtar as root or with `-p`. In the `SCHILY.` and
/// `LIBARCHIVE.` namespaces, which those extractors interpret, only keys known to be harmless are read
/// (device and inode numbers, link counts, creation times, the kind of a Windows symlink).
fn pax_key_refused(key: &[u8]) -> Option<&'static str> {
    if key.starts_with(b"GNU.sparse.")
        || key.starts_with(b"GNU.volume.")
        || key.starts_with(b"SUN.")
        || matches!(key, b"GNU.dumpdir" | b"SCHILY.realsize" | b"SCHILY.filetype" | b"hdrcharset")
    {
        return Some("sparse, volume or charset data that GNU tar and bsdtar read differently");
    }
    if key.starts_with(b"SCHILY.xattr.") || key.starts_with(b"LIBARCHIVE.xattr.") {
        return Some(
            "an extended attribute, which GNU tar with --xattrs and bsdtar as root or with -p restore on the \
             file (file capabilities such as `security.capability` grant privileges) and which neither the \
             view nor the tree ids show; on macOS, `COPYFILE_DISABLE=1 tar` or `tar --no-xattrs` leaves \
             them out",
        );
    }
    if key.starts_with(b"SCHILY.acl.") {
        return Some(
            "an access control list, which GNU tar with --acls and bsdtar as root or with -p restore",
        );
    }
    if key == b"SCHILY.fflags" {
        return Some("file flags (immutable, append-only, ...), which bsdtar as root or with -p restores");
    }
    if key.starts_with(b"RHT.") {
        return Some("an SELinux context, which GNU tar with --selinux restores");
    }
    let harmless = matches!(
        key,
        b"SCHILY.dev"
            | b"SCHILY.ino"
            | b"SCHILY.nlink"
            | b"LIBARCHIVE.creationtime"
            | b"LIBARCHIVE.symlinktype"
    );
    if (key.starts_with(b"SCHILY.") || key.starts_with(b"LIBARCHIVE.")) && !harmless {
        return Some(
            "metadata in a namespace GNU tar and bsdtar interpret, which this reader does not show (only \
             `SCHILY.dev`, `SCHILY.ino`, `SCHILY.nlink`, `LIBARCHIVE.creationtime` and \
             `LIBARCHIVE.symlinktype` are read there)",
        );
    }
    None
}

impl<R: Read> TarReader<R> {
    /// Reads tar members from the decompressed stream `inner`, from its first byte.
    pub fn new(inner: R) -> TarReader<R> {
        TarReader { inner, offset: 0, remaining: 0, padding: 0, current: String::new(), finished: false }
    }

    /// The next member, or `None` after the end-of-archive marker (and the zero padding that may follow
    /// it, read to the end of the stream). Unread data of the previous member is skipped.
    pub fn next_member(&mut self) -> Result<Option<Member>, TarError> {
        if self.finished {
            return Ok(None);
        }
        self.skip_current()?;
        let mut pending = Pending::default();
        loop {
            let offset = self.offset;
            self.current = format!("header at byte {offset}");
            let Some(block) = self.read_block()? else {
                return Err(self.corrupt(if pending.is_empty() {
                    "truncated: the archive ends without an end-of-archive marker".to_string()
                } else {
                    "truncated: the archive ends after an extension header".to_string()
                }));
            };
            if block.iter().all(|&b| b == 0) {
                if !pending.is_empty() {
                    return Err(self.refuse("an extension header is followed by the end of the archive"));
                }
                self.current = format!("the end-of-archive marker at byte {offset}");
                self.check_trailer()?;
                self.finished = true;
                return Ok(None);
            }
            check_checksum(&block).map_err(|e| match e {
                ChecksumError::Bad(detail) => self.corrupt(detail),
                ChecksumError::Refused(why) => self.refuse(why),
            })?;
            let header = Header::parse(&block).map_err(|detail| self.corrupt(detail))?;
            if offset == 0 && !header.magic.is_exact() {
                return Err(self.refuse(first_header_refusal(&header, &block)));
            }
            if matches!(header.typeflag, b'L' | b'K' | b'x' | b'g') {
                header.check_extension_magic().map_err(|why| self.refuse(why))?;
                header.check_fields().map_err(|why| self.refuse(why))?;
            }
            pending.first_offset.get_or_insert(offset);
            let size = header.size.clone().map_err(|detail| self.corrupt(format!("size field: {detail}")))?;
            match header.typeflag {
                b'L' | b'K' => {
                    let data = self.read_extension(size)?;
                    let name = self.long_name_value(data, header.typeflag)?;
                    let slot =
                        if header.typeflag == b'L' { &mut pending.long_name } else { &mut pending.long_link };
                    if let Some(earlier) = slot {
                        return Err(self.refuse(format!(
                            "two GNU long-{} headers for one member (`{}`, then `{}`)",
                            if header.typeflag == b'L' { "name" } else { "link" },
                            vitrine_base::display_bytes(earlier),
                            vitrine_base::display_bytes(&name)
                        )));
                    }
                    *slot = Some(name);
                }
                b'x' => {
                    let data = self.read_extension(size)?;
                    let records = self.pax_records(&data)?;
                    if pending.pax.is_some() {
                        return Err(self.refuse("two pax extended headers for one member"));
                    }
                    pending.pax = Some(records);
                }
                b'g' => {
                    let data = self.read_extension(size)?;
                    for (key, value) in self.pax_records(&data)? {
                        if matches!(key.as_slice(), b"path" | b"linkpath" | b"size") {
                            return Err(self.refuse(format!(
                                "a pax global header sets `{}` to `{}` (GNU tar applies it to every following \
                                 member, bsdtar ignores it)",
                                vitrine_base::display_bytes(&key),
                                vitrine_base::display_bytes(&value)
                            )));
                        }
                    }
                }
                _ => {
                    let first = pending.first_offset.unwrap_or(offset);
                    let member = self.resolve(&header, size, pending, first)?;
                    self.remaining = member.size_bytes;
                    self.padding = padding(member.size_bytes);
                    self.current = member.display();
                    return Ok(Some(member));
                }
            }
        }
    }

    /// A reader of the current member's data: exactly its bytes, an error if the archive ends first.
    pub fn data(&mut self) -> MemberData<'_, R> {
        MemberData { tar: self }
    }

    /// The underlying stream; at its end once [`TarReader::next_member`] has returned `None`.
    pub fn into_inner(self) -> R {
        self.inner
    }

    fn refuse(&self, reason: impl Into<String>) -> TarError {
        TarError::Refused { member: self.current.clone(), reason: reason.into() }
    }

    fn corrupt(&self, detail: impl Into<String>) -> TarError {
        TarError::Corrupt { member: self.current.clone(), detail: detail.into() }
    }

    fn io(&self, source: io::Error) -> TarError {
        TarError::Io { member: self.current.clone(), source }
    }

    /// Reads one block; `None` at a clean end of stream, an error inside a block.
    fn read_block(&mut self) -> Result<Option<[u8; BLOCK]>, TarError> {
        let mut block = [0u8; BLOCK];
        let mut filled = 0;
        while filled < BLOCK {
            let Some(rest) = block.get_mut(filled..) else { break };
            match self.inner.read(rest) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(self.io(e)),
            }
        }
        self.offset += filled as u64;
        match filled {
            0 => Ok(None),
            BLOCK => Ok(Some(block)),
            _ => Err(self.corrupt("truncated: the archive ends inside a header block")),
        }
    }

    /// Reads `len` bytes of the current member or extension header, then discards them.
    fn skip_current(&mut self) -> Result<(), TarError> {
        let len = self.remaining + self.padding;
        self.remaining = 0;
        self.padding = 0;
        let copied = io::copy(&mut (&mut self.inner).take(len), &mut io::sink()).map_err(|e| self.io(e))?;
        self.offset += copied;
        if copied != len {
            return Err(self.corrupt("truncated: the archive ends inside the member's data"));
        }
        Ok(())
    }

    /// Reads an extension header's data and its padding.
    fn read_extension(&mut self, size: u64) -> Result<Vec<u8>, TarError> {
        if size > MAX_EXTENSION_BYTES {
            return Err(
                self.refuse(format!("an extension header of {size} bytes (more than {MAX_EXTENSION_BYTES})"))
            );
        }
        let mut data = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        let read = (&mut self.inner).take(size).read_to_end(&mut data).map_err(|e| self.io(e))?;
        self.offset += read as u64;
        if read as u64 != size {
            return Err(self.corrupt("truncated: the archive ends inside an extension header"));
        }
        self.padding = padding(size);
        self.skip_current()?;
        Ok(data)
    }

    /// The name a GNU long-name or long-link header gives: its data up to the first NUL. Bytes after that
    /// NUL other than NUL padding are refused, as is an empty name.
    fn long_name_value(&self, mut data: Vec<u8>, typeflag: u8) -> Result<Vec<u8>, TarError> {
        let what = if typeflag == b'L' { "long name" } else { "long link" };
        if let Some(nul) = memchr::memchr(0, &data) {
            if data.get(nul..).is_some_and(|tail| tail.iter().any(|&b| b != 0)) {
                return Err(self.refuse(format!(
                    "a GNU {what} `{}` holds a NUL byte followed by more text",
                    vitrine_base::display_bytes(&data)
                )));
            }
            data.truncate(nul);
        }
        if data.is_empty() {
            return Err(self.refuse(format!("an empty GNU {what}")));
        }
        Ok(data)
    }

    /// Parses pax records strictly, each `LEN SP KEY=VALUE\n` (see [`split_pax_record`]), the lengths
    /// exactly covering the data; a key given twice is refused. Linear in the data: seen keys are a set.
    fn pax_records(&self, data: &[u8]) -> Result<PaxRecords, TarError> {
        let mut records = PaxRecords::new();
        let mut seen: HashMap<&[u8], usize> = HashMap::new();
        let mut rest = data;
        while !rest.is_empty() {
            let at = data.len() - rest.len();
            let PaxRecord { key, value, rest: next } = split_pax_record(rest).map_err(|why| {
                self.refuse(format!(
                    "malformed pax record `{}` at byte {at} of the extended header: {why}",
                    vitrine_base::display_bytes(first_line(rest))
                ))
            })?;
            if let Some(why) = pax_key_refused(key) {
                return Err(self.refuse(format!("pax key `{}` ({why})", vitrine_base::display_bytes(key))));
            }
            if let Some(&earlier) = seen.get(key) {
                let earlier = records.get(earlier).map(|(_, v)| v.as_slice()).unwrap_or_default();
                return Err(self.refuse(format!(
                    "pax key `{}` is given twice in one header (`{}`, then `{}`)",
                    vitrine_base::display_bytes(key),
                    vitrine_base::display_bytes(earlier),
                    vitrine_base::display_bytes(value)
                )));
            }
            seen.insert(key, records.len());
            records.push((key.to_vec(), value.to_vec()));
            rest = next;
        }
        Ok(records)
    }

    /// Combines a member header with the extension headers before it.
    fn resolve(
        &mut self,
        header: &Header,
        size: u64,
        pending: Pending,
        first: u64,
    ) -> Result<Member, TarError> {
        let kind_flag = header.typeflag;
        let pax_path = pending.pax_value(b"path");
        let pax_link = pending.pax_value(b"linkpath");
        let pax_size = pending.pax_value(b"size");
        // Name the member in messages as GNU tar would, before its headers are checked any further.
        let gnu_name = pax_path.map(<[u8]>::to_vec).or_else(|| pending.long_name.clone());
        self.current = format!(
            "member `{}`",
            vitrine_base::display_bytes(&gnu_name.unwrap_or_else(|| header.ustar_path()))
        );
        let mut path = match (pax_path, &pending.long_name) {
            (Some(_), Some(long)) => {
                return Err(self.refuse(format!(
                    "both a GNU long name `{}` and a pax `path` (GNU tar takes the pax path, bsdtar the long \
                     name)",
                    vitrine_base::display_bytes(long)
                )));
            }
            (Some(p), None) => self.pax_path(p, "path")?,
            (None, Some(long)) => long.clone(),
            (None, None) => header.ustar_path(),
        };
        self.current = format!("member `{}`", vitrine_base::display_bytes(&path));
        header.check_fields().map_err(|why| self.refuse(why))?;
        let link = match (pax_link, &pending.long_link) {
            (Some(_), Some(_)) => {
                return Err(self.refuse(
                    "both a GNU long link and a pax `linkpath` (GNU tar takes the pax value, bsdtar the long link)",
                ));
            }
            (Some(l), None) => Some(self.pax_path(l, "linkpath")?),
            (None, Some(long)) => Some(long.clone()),
            (None, None) => None,
        };
        let has_link = link.is_some();
        let size = match pax_size {
            Some(v) => parse_decimal(v).ok_or_else(|| {
                self.refuse(format!(
                    "pax `size` `{}` is not a decimal number",
                    vitrine_base::display_bytes(v)
                ))
            })?,
            None => size,
        };
        let mode =
            header.mode.clone().map_err(|detail| self.corrupt(format!("mode field: {detail}")))? & 0o7777;
        if path.is_empty() {
            return Err(self.refuse("the member has an empty name"));
        }
        let kind = match kind_flag {
            b'0' | b'\0' | b'7' => MemberKind::File,
            b'5' => MemberKind::Directory,
            b'1' | b'2' => {
                let target = match link {
                    Some(l) => l,
                    None => header.linkname(),
                };
                if target.is_empty() {
                    return Err(self.refuse("a link with an empty target"));
                }
                if kind_flag == b'1' {
                    MemberKind::HardLink { target }
                } else {
                    MemberKind::Symlink { target }
                }
            }
            b'3' => MemberKind::CharDevice,
            b'4' => MemberKind::BlockDevice,
            b'6' => MemberKind::Fifo,
            b'S' => return Err(self.refuse("a GNU sparse member (type `S`)")),
            other => {
                return Err(self.refuse(format!(
                    "type flag `{}` (only files, directories, links, devices and FIFOs are read)",
                    vitrine_base::display_bytes(&[other])
                )));
            }
        };
        if has_link && !matches!(kind, MemberKind::Symlink { .. } | MemberKind::HardLink { .. }) {
            return Err(
                self.refuse("a link target (GNU long link or pax `linkpath`) on a member that is not a link")
            );
        }
        if kind != MemberKind::File && size != 0 {
            return Err(self.refuse(format!(
                "a data size of {size} bytes on a member that is not a regular file (GNU tar and bsdtar read \
                 that data as headers)"
            )));
        }
        if path.last() == Some(&b'/') {
            if kind != MemberKind::Directory {
                return Err(self.refuse("the name ends with `/` but the member is not a directory"));
            }
            while path.len() > 1 && path.last() == Some(&b'/') {
                path.pop();
            }
        }
        Ok(Member { path, kind, mode, size_bytes: size, header_offset: first })
    }

    /// A pax `path` or `linkpath` value: UTF-8 (POSIX), non-empty and free of NUL bytes.
    fn pax_path(&self, value: &[u8], key: &str) -> Result<Vec<u8>, TarError> {
        let shown = vitrine_base::display_bytes(value);
        if value.contains(&0) {
            return Err(self.refuse(format!(
                "pax `{key}` `{shown}` holds a NUL byte (GNU tar cuts the name there; git cannot record it)"
            )));
        }
        if value.is_empty() {
            return Err(self.refuse(format!("pax `{key}` is empty")));
        }
        if std::str::from_utf8(value).is_err() {
            return Err(self.refuse(format!(
                "pax `{key}` `{shown}` is not UTF-8 (the extractors re-encode it differently)"
            )));
        }
        Ok(value.to_vec())
    }

    /// After the first zero block, read to the end of the stream (which also runs the integrity checks
    /// of a compressed stream): only zero bytes may follow, up to [`MAX_TRAILING_BYTES`]. `tar x` and
    /// bsdtar stop at the marker, but `tar x -i` and Python's `tarfile` with `ignore_zeros` go on reading
    /// headers there, each with its own reading of the checksum (GNU tar skips a leading NUL and any
    /// white space, Python strips white space after cutting at a NUL), and a zip reader takes an
    /// appended zip: any other byte is refused, naming its offset, whatever it looks like.
    fn check_trailer(&mut self) -> Result<(), TarError> {
        let marker = self.offset.saturating_sub(BLOCK as u64);
        let mut trailing = 0u64;
        let mut buf = [0u8; 8 * BLOCK];
        loop {
            let n = match self.inner.read(&mut buf) {
                Ok(0) => return Ok(()),
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(self.io(e)),
            };
            let at = self.offset;
            let chunk = buf.get(..n).unwrap_or_default();
            if let Some(i) = chunk.iter().position(|&b| b != 0) {
                let byte = at + i as u64;
                self.current = format!("byte {byte}");
                return Err(self.refuse(format!(
                    "a non-zero byte after the end-of-archive marker at byte {marker}: only zero padding may \
                     follow it (`tar x -i` and Python's tarfile with ignore_zeros read headers there, zip \
                     readers an appended zip)"
                )));
            }
            self.offset += n as u64;
            trailing += n as u64;
            if trailing > MAX_TRAILING_BYTES {
                self.current = format!("byte {at}");
                return Err(self.refuse(format!(
                    "more than {MAX_TRAILING_BYTES} bytes after the end-of-archive marker"
                )));
            }
        }
    }
}

/// The data of the current member.
pub struct MemberData<'a, R> {
    tar: &'a mut TarReader<R>,
}

impl<R: Read> Read for MemberData<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let want = usize::try_from(self.tar.remaining).unwrap_or(usize::MAX).min(buf.len());
        let Some(buf) = buf.get_mut(..want) else { return Ok(0) };
        if buf.is_empty() {
            return Ok(0);
        }
        let n = self.tar.inner.read(buf)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("{}: truncated: the archive ends inside the member's data", self.tar.current),
            ));
        }
        self.tar.remaining -= n as u64;
        self.tar.offset += n as u64;
        Ok(n)
    }
}

/// Why a first header without the exact GNU or POSIX-`00` magic is refused. libarchive (bsdtar, the
/// `tar` of macOS and FreeBSD) picks an archive's format by bids on its first bytes: a tar header bids
/// 48 for its checksum and 56 more only for the exact POSIX or GNU magic, so a v7 or odd-version tar
/// loses to an ar archive (64) and ties or loses with other formats whose signature its name field can
/// carry (cpio, 7-Zip, mtree, CAB, ...), and bsdtar then extracts that other archive's tree. Refusing
/// every such first header, not only the signatures known here, leaves only tars that outbid them all.
fn first_header_refusal(header: &Header, block: &[u8]) -> String {
    let also = match foreign_signature(block) {
        Some((sig, what)) => format!("; this one also starts with `{sig}`, the signature of {what}"),
        None => String::new(),
    };
    format!(
        "the first header is a {}: bsdtar (libarchive, the `tar` of macOS and FreeBSD) ranks such \
         a tar below other formats whose signature the same bytes can carry (ar, cpio, 7-Zip, mtree, CAB, \
         ...) and would extract that other archive's tree{also}; only archives whose first header has the \
         exact POSIX (`ustar\\0` `00`) or GNU (`ustar  `) magic are read",
        header.magic.describe()
    )
}

fn padding(size: u64) -> u64 {
    (BLOCK as u64 - size % BLOCK as u64) % BLOCK as u64
}

/// The header block fields this reader uses.
struct Header {
    block: [u8; BLOCK],
    typeflag: u8,
    size: Result<u64, String>,
    mode: Result<u32, String>,
    /// The first numeric field (other than size and mode) not written in the one form every reader
    /// takes, with why: see [`NUMERIC_FIELDS`].
    bad_field: Option<String>,
    /// The header's format, from its magic and version.
    magic: Magic,
}

/// A header's format, from its magic (bytes 257..263) and version (263..265).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Magic {
    /// `ustar\0` + `00`: POSIX ustar (and pax).
    Posix,
    /// `ustar  \0`: GNU tar's own format.
    Gnu,
    /// No magic at all (all NUL): the 7th-edition format.
    V7,
    /// `ustar\0` with a version other than `00`: POSIX to GNU tar and bsdtar, an old header to the Rust
    /// `tar` crate (cargo; node-tar too for the prefix), a lower bid to libarchive.
    OddVersion([u8; 2]),
}

impl Magic {
    /// Whether every reader takes this header's extension types and prefix as GNU or POSIX ones: the
    /// exact GNU magic or the POSIX magic with version `00`.
    fn is_exact(self) -> bool {
        matches!(self, Magic::Posix | Magic::Gnu)
    }

    /// The header's format for messages, as a noun phrase.
    fn describe(self) -> String {
        match self {
            Magic::Posix => "POSIX header (`ustar\\0` `00`)".to_string(),
            Magic::Gnu => "GNU header (`ustar  `)".to_string(),
            Magic::V7 => "v7 header (no magic)".to_string(),
            Magic::OddVersion(v) => {
                let version: String =
                    v.iter().flat_map(|&b| std::ascii::escape_default(b)).map(char::from).collect();
                format!("`ustar\\0` header of version `{version}`")
            }
        }
    }
}

/// The signatures of other archive formats that libarchive (bsdtar) reads, which a tar's first header
/// can carry in its name field: (signature at byte 0, format).
const FOREIGN_SIGNATURES: [(&[u8], &str); 13] = [
    (b"!<arch>\n", "a Unix ar archive"),
    (b"070707", "a cpio archive (odc)"),
    (b"070701", "a cpio archive (newc)"),
    (b"070702", "a cpio archive (newc with CRC)"),
    (b"\xc7\x71", "a binary cpio archive"),
    (b"\x71\xc7", "a binary cpio archive"),
    (b"#mtree", "an mtree manifest"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"MSCF", "a CAB archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"xar!", "a XAR archive"),
    (b"PK\x03\x04", "a zip archive"),
    (b"WARC/", "a WARC archive"),
];

/// The known signature of another format at the start of `block`, shown, and that format.
fn foreign_signature(block: &[u8]) -> Option<(String, &'static str)> {
    let shown = |n: usize| vitrine_base::display_bytes(block.get(..n).unwrap_or_default());
    if let Some(&(sig, what)) = FOREIGN_SIGNATURES.iter().find(|(sig, _)| block.starts_with(sig)) {
        return Some((shown(sig.len()), what));
    }
    // LHa: `-lh?-` or `-lz?-` at byte 2.
    match block.get(2..7) {
        Some([b'-', b'l', b'h' | b'z', _, b'-']) => Some((shown(7), "an LHa archive")),
        _ => None,
    }
}

/// The numeric fields besides size, mode and checksum, as (name, offset, length, may be blank).
/// Python's `tarfile` parses every one of them in every header and, on one it cannot read, ends the
/// archive there without a word (at any header but the first), where GNU tar and bsdtar read on; so
/// each must be in the form all three read alike ([`parse_numeric`]), or all NUL, which all three take
/// as 0 (GNU tar leaves the device numbers of a non-device so in its default format; other writers the
/// owner and time). Blank device numbers are taken as 0 by Python and bsdtar, and GNU tar reads them
/// only for devices (refused anyway); a blank uid, gid or time is an error to GNU tar.
const NUMERIC_FIELDS: [(&str, usize, usize, bool); 5] = [
    ("uid", 108, 8, false),
    ("gid", 116, 8, false),
    ("mtime", 136, 12, false),
    ("devmajor", 329, 8, true),
    ("devminor", 337, 8, true),
];

impl Header {
    /// Checks the magic (the checksum is checked before, `check_checksum`); the numeric fields are
    /// parsed, their errors kept for the caller.
    fn parse(block: &[u8; BLOCK]) -> Result<Header, String> {
        let magic = field(block, 257, 8);
        // GNU tar and bsdtar take `ustar\0` with any version as POSIX, the Rust `tar` crate (and node-tar
        // for the prefix) only with version `00`: see `Header::check_fields` and `TarReader::next_member`.
        let magic = match magic {
            b"ustar\x0000" => Magic::Posix,
            b"ustar  \0" => Magic::Gnu,
            [0, 0, 0, 0, 0, 0, 0, 0] => Magic::V7,
            [b'u', b's', b't', b'a', b'r', 0, a, b] => Magic::OddVersion([*a, *b]),
            _ => {
                return Err(format!(
                    "unknown header magic `{}` (neither POSIX ustar, GNU nor v7)",
                    vitrine_base::display_bytes(magic)
                ));
            }
        };
        let typeflag = block.get(156).copied().unwrap_or(0);
        let size = parse_numeric(field(block, 124, 12));
        let mode = parse_numeric(field(block, 100, 8))
            .and_then(|m| u32::try_from(m).map_err(|_| format!("mode {m} out of range")));
        let bad_field = NUMERIC_FIELDS.iter().find_map(|&(name, at, len, may_be_blank)| {
            let bytes = field(block, at, len);
            if bytes.iter().all(|&b| b == 0) || (may_be_blank && bytes.iter().all(|&b| b == 0 || b == b' ')) {
                return None;
            }
            parse_numeric(bytes).err().map(|why| format!("{name} field: {why}"))
        });
        Ok(Header { block: *block, typeflag, size, mode, bad_field, magic })
    }

    /// Refuses a numeric field Python's `tarfile` cannot read, and a `prefix` field outside POSIX ustar.
    fn check_fields(&self) -> Result<(), String> {
        let bad_mode = self.mode.as_ref().err().map(|why| format!("mode field: {why}"));
        if let Some(bad) = bad_mode.as_ref().or(self.bad_field.as_ref()) {
            return Err(format!(
                "{bad} (Python's tarfile, as pip and shutil.unpack_archive use it, silently ends the archive \
                 at such a header, dropping it and every member after it; GNU tar and bsdtar read on)"
            ));
        }
        let prefix = c_string(field(&self.block, 345, 155));
        if self.magic != Magic::Posix && !prefix.is_empty() {
            let how = match self.magic {
                Magic::OddVersion(_) => {
                    "GNU tar, bsdtar and Python's tarfile put it before the name, the Rust `tar` crate (cargo) \
                     and node-tar (npm) read the prefix only with version `00` and ignore it here, and so \
                     extract another path"
                }
                _ => {
                    "GNU tar and bsdtar read the prefix only with the POSIX magic `ustar\\0` and ignore it \
                     here; Python's tarfile, as pip and shutil.unpack_archive use it, puts it before the name \
                     and so extracts another path"
                }
            };
            return Err(format!(
                "a `prefix` field `{}` in a {} ({how})",
                vitrine_base::display_bytes(prefix),
                self.magic.describe()
            ));
        }
        self.check_after_prefix()
    }

    /// Refuses a `ustar\0` header (POSIX, or another version) with any non-zero byte in 500..512, past
    /// the 155-byte prefix. Go's `archive/tar` (Docker's `ADD`, containerd) reads a header whose bytes
    /// 508..512 are `tar\0` in the star layout, a 131-byte prefix then access and change times, and so
    /// extracts another path than GNU tar, bsdtar, Python's tarfile and the Rust `tar` crate, which read a
    /// 155-byte prefix and ignore these bytes. No writer puts anything there (GNU tar, bsdtar, Python,
    /// node-tar and Go write zeros), so the whole area must be zero rather than only the trailer Go knows
    /// today. GNU headers lay out the area otherwise (their sparse fields end at byte 495 and no reader
    /// looks further) and v7 headers have no prefix: they are not checked.
    fn check_after_prefix(&self) -> Result<(), String> {
        if !matches!(self.magic, Magic::Posix | Magic::OddVersion(_)) {
            return Ok(());
        }
        let area = field(&self.block, 500, 12);
        if area.iter().all(|&b| b == 0) {
            return Ok(());
        }
        let star = if field(&self.block, 508, 4) == b"tar\0" {
            ", among them the star trailer `tar\\0` at byte 508"
        } else {
            ""
        };
        Err(format!(
            "bytes 500..512 of a {}, past the 155-byte prefix, hold `{}`{star}, where every writer puts zeros: \
             Go's archive/tar (Docker's ADD, containerd) takes `tar\\0` at byte 508 as the star layout, reads \
             a prefix of 131 bytes and then access and change times, and so extracts another path than GNU \
             tar, bsdtar and Python's tarfile, which read 155 bytes of prefix and ignore these bytes",
            self.magic.describe(),
            area.escape_ascii()
        ))
    }

    /// Refuses an extension header (`L`, `K`, `x`, `g`) without the exact GNU or POSIX-`00` magic.
    fn check_extension_magic(&self) -> Result<(), String> {
        if self.magic.is_exact() {
            return Ok(());
        }
        let what = match self.typeflag {
            b'L' => "a GNU long-name header (type `L`)",
            b'K' => "a GNU long-link header (type `K`)",
            b'x' => "a pax extended header (type `x`)",
            _ => "a pax global header (type `g`)",
        };
        Err(format!(
            "{what} written as a {}: GNU tar, bsdtar and Python's tarfile apply it to the next member, \
             the Rust `tar` crate (cargo) only with the exact GNU `ustar  ` or POSIX `ustar\\0` `00` \
             magic, and otherwise extracts it as a file and keeps the next member's own name (only GNU or \
             POSIX extension headers are read)",
            self.magic.describe()
        ))
    }

    /// `prefix/name` for POSIX headers with a prefix, else `name`; each up to its first NUL.
    fn ustar_path(&self) -> Vec<u8> {
        let name = c_string(field(&self.block, 0, 100));
        let prefix = c_string(field(&self.block, 345, 155));
        if self.magic == Magic::Posix && !prefix.is_empty() {
            let mut path = prefix.to_vec();
            path.push(b'/');
            path.extend_from_slice(name);
            path
        } else {
            name.to_vec()
        }
    }

    fn linkname(&self) -> Vec<u8> {
        c_string(field(&self.block, 157, 100)).to_vec()
    }
}

/// Why a header's checksum is not taken.
enum ChecksumError {
    /// The block is no tar header (the checksum does not match, or is not octal).
    Bad(String),
    /// The checksum matches, but in a form some reader takes otherwise.
    Refused(String),
}

/// Checks the recorded checksum against the unsigned sum of the header bytes, the checksum field counted
/// as spaces: the POSIX definition, and the only sum node-tar (npm, pacote) and the Rust `tar` crate
/// (cargo) check. GNU tar, bsdtar, Python's `tarfile` and Go's `archive/tar` also take the signed sum
/// (some old writers computed it), and the two differ once a header byte is 0x80 or more (a UTF-8 user
/// name): on a mismatch node-tar only warns, skips the 512-byte header and parses the member's data as
/// headers, so a signed-only checksum hides a member for npm alone and is refused. The field is read as
/// octal only (GNU tar and libarchive take no other notation there, and skip a header whose checksum is
/// written otherwise, re-syncing on whatever header-like block follows) and must end with a NUL or a
/// space inside its 8 bytes, as every writer puts one: node-tar reads the number from 12 bytes (148..160)
/// up to a NUL, so 8 unterminated digits run on into the type flag and the header fails for it alone.
fn check_checksum(block: &[u8; BLOCK]) -> Result<(), ChecksumError> {
    let named =
        || format!("the header named `{}`", vitrine_base::display_bytes(c_string(field(block, 0, 100))));
    let checksum = field(block, 148, 8);
    let recorded = parse_octal(checksum).map_err(|e| {
        ChecksumError::Bad(format!(
            "checksum field of {}: {e} (GNU tar and bsdtar read the checksum as octal only)",
            named()
        ))
    })?;
    let (mut unsigned, mut signed) = (0u64, 0i64);
    for (i, &b) in block.iter().enumerate() {
        let b = if (148..156).contains(&i) { b' ' } else { b };
        unsigned += u64::from(b);
        signed += i64::from(b as i8);
    }
    if recorded != unsigned {
        if i64::try_from(recorded).ok() == Some(signed) {
            return Err(ChecksumError::Refused(format!(
                "the checksum of {} is the signed sum of its bytes ({recorded:o}), not the unsigned one \
                 ({unsigned:o}): GNU tar, bsdtar and Python's tarfile accept it, node-tar (npm, pacote) \
                 checks only the unsigned sum and then skips this header and reads the member's data as \
                 headers (only the unsigned sum is read)",
                named()
            )));
        }
        return Err(ChecksumError::Bad(format!("bad header checksum of {}: not a tar header", named())));
    }
    // `parse_octal` took the field: blanks, digits, then only NULs and spaces; one must follow.
    let terminated = checksum.iter().skip_while(|&&b| b == b' ').any(|b| !(b'0'..=b'7').contains(b));
    if !terminated {
        return Err(ChecksumError::Refused(format!(
            "the checksum of {} is written `{}`, with no NUL or space after its digits inside the 8-byte \
             field: node-tar (npm, pacote) reads the number on into the type flag, fails the checksum, and \
             then skips this header and reads the member's data as headers (only octal digits ended by a \
             NUL or space are read, as every writer puts them)",
            named(),
            vitrine_base::display_bytes(checksum)
        )));
    }
    Ok(())
}

fn field(block: &[u8], start: usize, len: usize) -> &[u8] {
    block.get(start..start + len).unwrap_or_default()
}

fn c_string(bytes: &[u8]) -> &[u8] {
    match memchr::memchr(0, bytes) {
        Some(nul) => bytes.get(..nul).unwrap_or_default(),
        None => bytes,
    }
}

/// A numeric header field as GNU tar and libarchive both read it: base-256 when the first byte is 0x80
/// (GNU tar takes no other positive lead byte; libarchive would take the low bits of any byte with the
/// top bit set, so other lead bytes and negative values are refused), else [`parse_octal`]. GNU tar's
/// base-64 and empty fields are refused.
fn parse_numeric(bytes: &[u8]) -> Result<u64, String> {
    let Some((&first, rest)) = bytes.split_first() else { return Err("empty field".to_string()) };
    if first & 0x80 != 0 {
        if first & 0x40 != 0 {
            return Err("negative base-256 value".to_string());
        }
        if first != 0x80 {
            return Err(format!(
                "base-256 value with lead byte {first:#04x} (GNU tar reads only 0x80, bsdtar any)"
            ));
        }
        let mut value = 0u64;
        for &b in rest {
            value = value
                .checked_mul(256)
                .and_then(|v| v.checked_add(u64::from(b)))
                .ok_or_else(|| "base-256 value out of range".to_string())?;
        }
        return Ok(value);
    }
    parse_octal(bytes)
}

/// Octal digits after optional spaces, ended by a space or NUL (or the field's end), with only spaces
/// and NULs after them: the strictest reading, which GNU tar and libarchive share.
fn parse_octal(bytes: &[u8]) -> Result<u64, String> {
    let shown = || vitrine_base::display_bytes(bytes);
    let start = bytes.iter().position(|&b| b != b' ').unwrap_or(bytes.len());
    let digits_end =
        bytes.iter().skip(start).position(|b| !(b'0'..=b'7').contains(b)).map_or(bytes.len(), |p| p + start);
    let digits = bytes.get(start..digits_end).unwrap_or_default();
    if digits.is_empty() {
        return Err(format!("`{}` where an octal number is expected", shown()));
    }
    if bytes.get(digits_end..).unwrap_or_default().iter().any(|&b| b != b' ' && b != 0) {
        return Err(format!("`{}` is not an octal number", shown()));
    }
    digits.iter().try_fold(0u64, |acc, &d| {
        acc.checked_mul(8)
            .and_then(|v| v.checked_add(u64::from(d - b'0')))
            .ok_or_else(|| format!("`{}` out of range", shown()))
    })
}

fn parse_decimal(bytes: &[u8]) -> Option<u64> {
    if bytes.is_empty() || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    bytes.iter().try_fold(0u64, |acc, &d| acc.checked_mul(10)?.checked_add(u64::from(d - b'0')))
}

/// One pax record and what follows it.
struct PaxRecord<'a> {
    key: &'a [u8],
    value: &'a [u8],
    rest: &'a [u8],
}

/// The longest pax record libarchive reads: it rejects a length of seven digits or more, and ignores the
/// rest of that header, where GNU tar reads on.
pub const MAX_PAX_RECORD_BYTES: usize = 999_999;

/// Splits one pax record off `data`, in the one form GNU tar and libarchive read alike:
/// `LEN SP KEY=VALUE\n`. `LEN` is plain decimal digits without a leading zero, at most
/// [`MAX_PAX_RECORD_BYTES`], counting the whole record; exactly one space follows it (GNU tar skips any
/// run of blanks and tabs there and before the length, and its `strtoumax` takes signs and leading
/// white space, while libarchive takes one space and the key as what follows); `KEY` is non-empty
/// printable ASCII without blanks (no real key holds anything else); `VALUE` is any bytes.
fn split_pax_record(data: &[u8]) -> Result<PaxRecord<'_>, &'static str> {
    let digits = data.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 {
        return Err("the record does not start with a decimal length");
    }
    if data.first() == Some(&b'0') {
        return Err("the length has a leading zero");
    }
    if digits > 6 {
        return Err("the record is longer than 999999 bytes (bsdtar rejects it and ignores the rest of the \
                    header, GNU tar reads on)");
    }
    let len = data.get(..digits).and_then(parse_decimal).ok_or("the length is not a decimal number")?;
    let len = usize::try_from(len).map_err(|_| "length out of range")?;
    if data.get(digits) != Some(&b' ') {
        return Err("the length is not followed by exactly one space");
    }
    let record = data.get(..len).ok_or("the length runs past the end of the header")?;
    let rest = data.get(len..).unwrap_or_default();
    let body = record.get(digits + 1..).ok_or("the length is shorter than the record")?;
    let body = body.strip_suffix(b"\n").ok_or("the record does not end with a newline")?;
    let eq = body.iter().position(|&b| b == b'=').ok_or("no `=`")?;
    let key = body.get(..eq).unwrap_or_default();
    let value = body.get(eq + 1..).unwrap_or_default();
    if key.is_empty() {
        return Err("an empty key");
    }
    if !key.iter().all(u8::is_ascii_graphic) {
        return Err("the key holds a blank, a control or a non-ASCII byte (the extractors split such \
                    records differently)");
    }
    Ok(PaxRecord { key, value, rest })
}

fn first_line(data: &[u8]) -> &[u8] {
    let end = memchr::memchr(b'\n', data).unwrap_or(data.len()).min(80);
    data.get(..end).unwrap_or_default()
}

#[cfg(test)]
mod tests;

//! Reading archives safely: .tar, .tar.gz/.tgz, .tar.xz/.txz and .zip.
//!
//! An archive from the party under review is hostile until proven otherwise. Entries are streamed and
//! checked one by one; the first bad entry refuses the whole archive: absolute paths and `..`, entries
//! below a symlink or a file, links that escape the root, hard links to anything but an earlier file,
//! device files and FIFOs, duplicate entries, and decompression bombs (limits on total size, file count
//! and compression ratio). A truncated or corrupt archive is an error, never a partial snapshot.
//!
//! Tar and zip are parsed by Vitrine's own readers, [`crate::tar`] and [`crate::zipread`], so that
//! Vitrine's view of an archive (which bytes are which path, which members exist, modes, link targets)
//! is the one GNU tar, bsdtar and Info-ZIP `unzip` extract, or the archive is refused as ambiguous,
//! naming the member.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::SnapshotError;

/// The archive formats Vitrine opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ArchiveFormat {
    Tar,
    TarGz,
    TarXz,
    Zip,
}

/// Limits that stop decompression bombs. All are checked while streaming, before the bytes are kept.
#[derive(Debug, Clone)]
pub struct ArchiveLimits {
    /// Total unpacked bytes.
    pub max_total_bytes: u64,
    /// Number of entries.
    pub max_entries: u64,
    /// Unpacked bytes per archive byte, enforced once more than `ratio_floor_bytes` are unpacked.
    pub max_ratio: u64,
    pub ratio_floor_bytes: u64,
}

impl Default for ArchiveLimits {
    fn default() -> Self {
        ArchiveLimits {
            max_total_bytes: 32 * 1024 * 1024 * 1024,
            max_entries: 2_000_000,
            max_ratio: 100,
            ratio_floor_bytes: 64 * 1024 * 1024,
        }
    }
}

/// What an archive entry is, once checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemKind {
    File {
        executable: bool,
    },
    Symlink {
        target: Vec<u8>,
    },
    /// A hard link to an earlier regular file of the archive (by normalised path).
    HardLink {
        target: Vec<u8>,
    },
}

/// One checked entry with its content (empty for links).
#[derive(Debug)]
pub struct ArchiveItem {
    pub path: Vec<u8>,
    pub kind: ItemKind,
    pub content: Vec<u8>,
}

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
    sink: &mut dyn FnMut(ArchiveItem) -> Result<(), SnapshotError>,
) -> Result<(), SnapshotError> {
    let file = File::open(archive).map_err(|e| SnapshotError::io(archive, e))?;
    let compressed = file.metadata().map_err(|e| SnapshotError::io(archive, e))?.len();
    let mut guard = Guard::new(archive, limits, compressed);
    match format {
        ArchiveFormat::Tar => read_tar(archive, BufReader::with_capacity(1 << 20, file), &mut guard, sink),
        ArchiveFormat::TarGz => {
            let dec = flate2::read::MultiGzDecoder::new(BufReader::with_capacity(1 << 20, file));
            read_tar(archive, dec, &mut guard, sink)
        }
        ArchiveFormat::TarXz => {
            let dec = xz2::read::XzDecoder::new_multi_decoder(BufReader::with_capacity(1 << 20, file));
            read_tar(archive, dec, &mut guard, sink)
        }
        ArchiveFormat::Zip => read_zip(archive, file, &mut guard, sink),
    }
}

/// What has been seen so far, for duplicate, ancestor and limit checks.
struct Guard<'a> {
    archive: &'a Path,
    limits: &'a ArchiveLimits,
    compressed: u64,
    total: u64,
    entries: u64,
    /// Normalised path -> whether it is a directory (true) or a file/link (false).
    seen: HashMap<Vec<u8>, Seen>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seen {
    Dir,
    File,
    Link,
}

impl<'a> Guard<'a> {
    fn new(archive: &'a Path, limits: &'a ArchiveLimits, compressed: u64) -> Guard<'a> {
        Guard { archive, limits, compressed: compressed.max(1), total: 0, entries: 0, seen: HashMap::new() }
    }

    fn refuse(&self, reason: String) -> SnapshotError {
        SnapshotError::hostile(self.archive, reason)
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

    /// Normalises and checks an entry path; registers it. Returns `None` for the root directory entry.
    fn path(&mut self, raw: &[u8], seen_as: Seen) -> Result<Option<Vec<u8>>, SnapshotError> {
        let shown = crate::path::display_bytes(raw);
        if raw.first() == Some(&b'/') {
            return Err(self.refuse(format!("absolute path `{shown}`")));
        }
        let mut parts: Vec<&[u8]> = Vec::new();
        for c in raw.split(|&b| b == b'/') {
            match c {
                b"" | b"." => {}
                b".." => return Err(self.refuse(format!("path `{shown}` climbs out with `..`"))),
                _ => parts.push(c),
            }
        }
        if parts.is_empty() {
            return if seen_as == Seen::Dir {
                Ok(None)
            } else {
                Err(self.refuse(format!("empty path `{shown}`")))
            };
        }
        let norm = parts.join(&b'/');
        // Every ancestor must be a directory (or not yet seen): an entry below a file or a symlink is how
        // archives write through links.
        let mut prefix: Vec<u8> = Vec::new();
        for (i, part) in parts.iter().enumerate() {
            if i + 1 == parts.len() {
                break;
            }
            if i > 0 {
                prefix.push(b'/');
            }
            prefix.extend_from_slice(part);
            match self.seen.get(&prefix) {
                Some(Seen::Dir) => {}
                Some(Seen::File) => {
                    return Err(self.refuse(format!(
                        "`{shown}` lies below the file `{}`",
                        crate::path::display_bytes(&prefix)
                    )));
                }
                Some(Seen::Link) => {
                    return Err(self.refuse(format!(
                        "`{shown}` lies below the symlink `{}` (writing through a link)",
                        crate::path::display_bytes(&prefix)
                    )));
                }
                None => {
                    self.seen.insert(prefix.clone(), Seen::Dir);
                }
            }
        }
        match (self.seen.get(&norm), seen_as) {
            (Some(Seen::Dir), Seen::Dir) => {}
            (Some(_), _) => return Err(self.refuse(format!("duplicate entry `{shown}`"))),
            (None, _) => {
                self.seen.insert(norm.clone(), seen_as);
            }
        }
        Ok(Some(norm))
    }

    /// A symlink target must stay inside the root, resolved from the link's own directory.
    fn check_link_target(&self, link: &[u8], target: &[u8]) -> Result<(), SnapshotError> {
        let shown = || crate::path::display_bytes(link);
        if target.is_empty() {
            return Err(self.refuse(format!("symlink `{}` has an empty target", shown())));
        }
        match crate::path::link_target(link, target) {
            crate::path::LinkTarget::Inside => {}
            crate::path::LinkTarget::Absolute => {
                return Err(self.refuse(format!(
                    "symlink `{}` points to the absolute path `{}`",
                    shown(),
                    crate::path::display_bytes(target)
                )));
            }
            crate::path::LinkTarget::Escapes => {
                return Err(self.refuse(format!(
                    "symlink `{}` -> `{}` escapes the archive root",
                    shown(),
                    crate::path::display_bytes(target)
                )));
            }
        }
        Ok(())
    }
}

fn tar_error(archive: &Path, e: crate::tar::TarError) -> SnapshotError {
    match e {
        crate::tar::TarError::Refused { .. } => SnapshotError::hostile(archive, e.to_string()),
        crate::tar::TarError::Corrupt { .. } | crate::tar::TarError::Io { .. } => {
            SnapshotError::corrupt(archive, e)
        }
    }
}

fn zip_error(archive: &Path, e: crate::zipread::ZipError) -> SnapshotError {
    match e {
        crate::zipread::ZipError::Refused { .. } => SnapshotError::hostile(archive, e.to_string()),
        crate::zipread::ZipError::Corrupt { .. } | crate::zipread::ZipError::Io { .. } => {
            SnapshotError::corrupt(archive, e)
        }
    }
}

/// Reads a tar stream with Vitrine's own reader ([`crate::tar`]), which resolves headers as GNU tar does
/// and refuses what GNU tar and bsdtar would extract differently; then applies the [`Guard`].
fn read_tar<R: Read>(
    archive: &Path,
    reader: R,
    guard: &mut Guard<'_>,
    sink: &mut dyn FnMut(ArchiveItem) -> Result<(), SnapshotError>,
) -> Result<(), SnapshotError> {
    use crate::tar::MemberKind;
    let mut tar = crate::tar::TarReader::new(reader);
    while let Some(member) = tar.next_member().map_err(|e| tar_error(archive, e))? {
        let raw_path = member.path;
        let shown = crate::path::display_bytes(&raw_path);
        match member.kind {
            MemberKind::Directory => {
                guard.admit(0)?;
                guard.path(&raw_path, Seen::Dir)?;
            }
            MemberKind::File => {
                let size = member.size_bytes;
                guard.admit(size)?;
                let Some(path) = guard.path(&raw_path, Seen::File)? else { continue };
                let content = read_exact_size(archive, &mut tar.data(), size, &shown)?;
                sink(ArchiveItem {
                    path,
                    kind: ItemKind::File { executable: member.mode & 0o100 != 0 },
                    content,
                })?;
            }
            MemberKind::Symlink { target } => {
                guard.admit(0)?;
                let Some(path) = guard.path(&raw_path, Seen::Link)? else { continue };
                guard.check_link_target(&path, &target)?;
                sink(ArchiveItem { path, kind: ItemKind::Symlink { target }, content: Vec::new() })?;
            }
            MemberKind::HardLink { target } => {
                guard.admit(0)?;
                let norm_target: Vec<u8> = target
                    .split(|&b| b == b'/')
                    .filter(|c| !c.is_empty() && *c != b".")
                    .collect::<Vec<_>>()
                    .join(&b'/');
                if target.first() == Some(&b'/')
                    || target.split(|&b| b == b'/').any(|c| c == b"..")
                    || guard.seen.get(&norm_target) != Some(&Seen::File)
                {
                    return Err(guard.refuse(format!(
                        "hard link `{shown}` points to `{}`, which is not an earlier file of the archive",
                        crate::path::display_bytes(&target)
                    )));
                }
                let Some(path) = guard.path(&raw_path, Seen::File)? else { continue };
                sink(ArchiveItem {
                    path,
                    kind: ItemKind::HardLink { target: norm_target },
                    content: Vec::new(),
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

fn read_exact_size(
    archive: &Path,
    reader: &mut dyn Read,
    size: u64,
    shown: &str,
) -> Result<Vec<u8>, SnapshotError> {
    let mut content = Vec::with_capacity(usize::try_from(size.min(1 << 30)).unwrap_or(0));
    reader
        .take(size.saturating_add(1))
        .read_to_end(&mut content)
        .map_err(|e| SnapshotError::corrupt(archive, format!("`{shown}`: {e}")))?;
    if content.len() as u64 != size {
        return Err(SnapshotError::corrupt(
            archive,
            format!("`{shown}`: {} bytes where the header says {size} (truncated?)", content.len()),
        ));
    }
    Ok(content)
}

/// Reads a zip with Vitrine's own reader ([`crate::zipread`]), which checks the local headers, data
/// descriptors and layout against the central directory; then applies the [`Guard`], which refuses
/// duplicate names after normalisation.
fn read_zip(
    archive: &Path,
    file: File,
    guard: &mut Guard<'_>,
    sink: &mut dyn FnMut(ArchiveItem) -> Result<(), SnapshotError>,
) -> Result<(), SnapshotError> {
    use crate::zipread::ZipKind;
    let mut zip = crate::zipread::ZipReader::open(BufReader::new(file), guard.limits.max_entries)
        .map_err(|e| zip_error(archive, e))?;
    for i in 0..zip.entries().len() {
        let Some(entry) = zip.entries().get(i).cloned() else { break };
        let shown = crate::path::display_bytes(&entry.name);
        if entry.kind == ZipKind::Directory {
            guard.admit(0)?;
            guard.path(&entry.name, Seen::Dir)?;
            continue;
        }
        guard.admit(entry.size_bytes)?;
        let mut data = zip.data(i).map_err(|e| zip_error(archive, e))?;
        // Reading to the end runs the size and CRC checks.
        let content = read_exact_size(archive, &mut data, entry.size_bytes, &shown)?;
        if entry.kind == ZipKind::Symlink {
            let Some(path) = guard.path(&entry.name, Seen::Link)? else { continue };
            guard.check_link_target(&path, &content)?;
            sink(ArchiveItem { path, kind: ItemKind::Symlink { target: content }, content: Vec::new() })?;
        } else {
            let Some(path) = guard.path(&entry.name, Seen::File)? else { continue };
            sink(ArchiveItem { path, kind: ItemKind::File { executable: entry.executable }, content })?;
        }
    }
    Ok(())
}

/// A directory being unpacked: created empty, filled, then renamed into place as a whole, or removed on
/// failure so that nothing half-written is left behind.
#[derive(Debug)]
pub struct Unpacking {
    tmp: PathBuf,
    dest: PathBuf,
    done: bool,
}

impl Unpacking {
    pub fn start(dest: PathBuf) -> Result<Unpacking, SnapshotError> {
        let parent = dest.parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."));
        std::fs::create_dir_all(&parent).map_err(|e| SnapshotError::io(&parent, e))?;
        let name = dest.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let tmp = parent.join(format!(".tmp-{name}-{}", std::process::id()));
        if tmp.exists() {
            std::fs::remove_dir_all(&tmp).map_err(|e| SnapshotError::io(&tmp, e))?;
        }
        std::fs::create_dir(&tmp).map_err(|e| SnapshotError::io(&tmp, e))?;
        Ok(Unpacking { tmp, dest, done: false })
    }

    /// Writes one item below the temporary directory. Paths were checked by [`read`].
    pub fn write(&self, item: &ArchiveItem) -> Result<(), SnapshotError> {
        use std::os::unix::ffi::OsStrExt;
        use std::os::unix::fs::PermissionsExt;
        let target = self.tmp.join(std::ffi::OsStr::from_bytes(&item.path));
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| SnapshotError::io(parent, e))?;
        }
        match &item.kind {
            ItemKind::File { executable } => {
                std::fs::write(&target, &item.content).map_err(|e| SnapshotError::io(&target, e))?;
                let mode = if *executable { 0o755 } else { 0o644 };
                std::fs::set_permissions(&target, std::fs::Permissions::from_mode(mode))
                    .map_err(|e| SnapshotError::io(&target, e))?;
            }
            ItemKind::Symlink { target: link } => {
                std::os::unix::fs::symlink(std::ffi::OsStr::from_bytes(link), &target)
                    .map_err(|e| SnapshotError::io(&target, e))?;
            }
            ItemKind::HardLink { target: original } => {
                let from = self.tmp.join(std::ffi::OsStr::from_bytes(original));
                std::fs::copy(&from, &target).map_err(|e| SnapshotError::io(&target, e))?;
            }
        }
        Ok(())
    }

    /// Moves the unpacked tree into place, replacing an earlier unpacking of the same archive.
    pub fn finish(mut self) -> Result<PathBuf, SnapshotError> {
        if self.dest.exists() {
            std::fs::remove_dir_all(&self.dest).map_err(|e| SnapshotError::io(&self.dest, e))?;
        }
        std::fs::rename(&self.tmp, &self.dest).map_err(|e| SnapshotError::io(&self.dest, e))?;
        self.done = true;
        Ok(self.dest.clone())
    }
}

impl Drop for Unpacking {
    fn drop(&mut self) {
        if !self.done {
            // Best effort: a failure to clean up leaves only a `.tmp-` directory in the scratch area.
            let _ = std::fs::remove_dir_all(&self.tmp);
        }
    }
}

//! The ingest cache: what hashing and classifying a snapshot found, kept between processes so that
//! opening the same snapshot again does not re-read every byte.
//!
//! Directory snapshots are cached per root path and checked file by file against `lstat` — device, inode,
//! mode, size, modification and change times, to the nanosecond — as git's index does. A file whose
//! times are within [`RACY_WINDOW_NS`] of the moment the cache was taken is never cached (it could still
//! change within the clock's granularity), so it is re-hashed on every open until it settles. Archives
//! are cached by the format they are read as and the archive's SHA-256: the archive is still hashed on
//! every open, but its members are not read again while their blobs are in the blob store.
//!
//! A cache file records a fingerprint of the code that produced it (the analysis sources are embedded in
//! the binary) and of the configuration; any difference, a torn write or a bad checksum makes Vitrine
//! ignore the cache and compute everything again. Commands that state a snapshot's identity (`digest`,
//! `health`, `export`, `verify --snapshot`) do not use it at all; see [`crate::IngestConfig::cache_dir`].
//!
//! Layout (integers little-endian): `MAGIC`, then the body, then the SHA-256 of everything before it.
//! The body is the fingerprint (32 bytes), the entry count, and per entry its `lstat` key, the file entry
//! and its findings (see [`write_entry`]).

use std::collections::HashMap;
use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::classify::{ContentClass, TextEncoding};
use crate::health::{Finding, FindingKind, HealthReport};
use crate::ingest::{Analysed, IngestConfig};
use crate::{EntryKind, FileEntry, RelPath};

const MAGIC: &[u8; 16] = b"VITRINE-INGEST\x00\x01";

/// Files changed this close (in nanoseconds) to the moment the cache was taken are not cached.
pub const RACY_WINDOW_NS: i64 = 2_000_000_000;

/// The source files whose behaviour a cache entry records: a change to any of them invalidates caches.
const ANALYSIS_SOURCES: &[&[u8]] = &[
    include_bytes!("classify.rs"),
    include_bytes!("health.rs"),
    include_bytes!("idents.rs"),
    include_bytes!("includes.rs"),
    include_bytes!("pyshadow.rs"),
    include_bytes!("toolruns.rs"),
    include_bytes!("shellnames.rs"),
    include_bytes!("cgo.rs"),
    include_bytes!("text.rs"),
    include_bytes!("terminators.rs"),
    include_bytes!("disguise.rs"),
    include_bytes!("keywords.rs"),
    include_bytes!("encoded.rs"),
    include_bytes!("pycookie.rs"),
    include_bytes!("buildcharset.rs"),
    include_bytes!("lines.rs"),
    include_bytes!("ingest.rs"),
    include_bytes!("gitid.rs"),
    include_bytes!("path.rs"),
    include_bytes!("cache.rs"),
    include_bytes!("reopen.rs"),
    include_bytes!("shipped.rs"),
    include_bytes!("buildhooks.rs"),
    include_bytes!("compiled.rs"),
    // The archive readers: what they refuse, and which members they hand over, decide whether a cached
    // archive's analyses may be served at all (a rule added there must reach archives cached before it).
    include_bytes!("archive.rs"),
    include_bytes!("zipread.rs"),
    include_bytes!("../../vitrine_tar/src/lib.rs"),
    // The character classes health flags, shared with the terminal escaper and the code view.
    include_bytes!("../../vitrine_base/src/chars.rs"),
    // The escapes decoded in identifiers.
    include_bytes!("../../vitrine_base/src/ucn.rs"),
];

/// What a file looked like on disk when it was hashed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct StatKey {
    dev: u64,
    ino: u64,
    mode: u32,
    size: u64,
    mtime_ns: i64,
    ctime_ns: i64,
}

impl StatKey {
    /// The file's size in bytes.
    pub(crate) fn size(&self) -> u64 {
        self.size
    }

    /// The file's mode (type and permission bits, as `st_mode`).
    pub(crate) fn mode(&self) -> u32 {
        self.mode
    }

    pub(crate) fn of(meta: &std::fs::Metadata) -> StatKey {
        StatKey {
            dev: meta.dev(),
            ino: meta.ino(),
            mode: meta.mode(),
            size: meta.size(),
            mtime_ns: meta.mtime().saturating_mul(1_000_000_000).saturating_add(meta.mtime_nsec()),
            ctime_ns: meta.ctime().saturating_mul(1_000_000_000).saturating_add(meta.ctime_nsec()),
        }
    }

    /// The key of what `statx` said (as `std::fs::symlink_metadata` computes it, so the two compare).
    pub(crate) fn of_statx(st: &rustix::fs::Statx) -> StatKey {
        let ns = |t: rustix::fs::StatxTimestamp| {
            t.tv_sec.saturating_mul(1_000_000_000).saturating_add(i64::from(t.tv_nsec))
        };
        StatKey {
            dev: libc::makedev(st.stx_dev_major, st.stx_dev_minor),
            ino: st.stx_ino,
            mode: u32::from(st.stx_mode),
            size: st.stx_size,
            mtime_ns: ns(st.stx_mtime),
            ctime_ns: ns(st.stx_ctime),
        }
    }

    /// Whether the file changed too close to `taken_ns` for its times to prove it unchanged later.
    pub(crate) fn is_racy(&self, taken_ns: i64) -> bool {
        self.mtime_ns.max(self.ctime_ns) >= taken_ns.saturating_sub(RACY_WINDOW_NS)
    }
}

/// The current time in nanoseconds since the epoch, as file times count it.
pub(crate) fn now_ns() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// The fingerprint of the analysis code and of the settings that change its results.
pub(crate) fn fingerprint(config: &IngestConfig) -> [u8; 32] {
    let mut h = Sha256::new();
    for src in ANALYSIS_SOURCES {
        h.update((src.len() as u64).to_le_bytes());
        h.update(src);
    }
    h.update(config.classify.max_text_bytes.to_le_bytes());
    h.update((config.health.long_line_chars as u64).to_le_bytes());
    h.update((config.health.max_findings_per_kind as u64).to_le_bytes());
    h.finalize().into()
}

/// The cache file of a directory snapshot (by its absolute path).
pub(crate) fn dir_cache_file(cache_dir: &Path, root: &Path) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    let abs = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let key = hex::encode(Sha256::digest(abs.as_os_str().as_bytes()));
    cache_dir.join(format!("dir-{key}.bin"))
}

/// The cache file of an archive: by the format family it is read as and its SHA-256, both of which
/// determine its content (a tar/zip polyglot is two snapshots).
pub(crate) fn archive_cache_file(
    cache_dir: &Path,
    family: &str,
    archive_sha256: &crate::Sha256Id,
) -> PathBuf {
    cache_dir.join(format!("archive-{family}-{archive_sha256}.bin"))
}

/// A cached file: the `lstat` key it was hashed under (none for archive members) and what was found.
pub(crate) struct Cached {
    pub stat: Option<StatKey>,
    pub analysed: Analysed,
}

/// Reads a cache file; `None` when it is missing, torn, of other code or settings, or unreadable.
pub(crate) fn load(file: &Path, config: &IngestConfig) -> Option<Vec<Cached>> {
    let bytes = std::fs::read(file).ok()?;
    let body_end = bytes.len().checked_sub(32)?;
    let (content, sum) = bytes.split_at(body_end);
    if Sha256::digest(content).as_slice() != sum {
        return None;
    }
    let mut r = Reader::new(content);
    if r.take(MAGIC.len())? != MAGIC || r.take(32)? != fingerprint(config) {
        return None;
    }
    let n = r.u64()?;
    let mut out = Vec::with_capacity(usize::try_from(n).ok()?.min(1 << 24));
    for _ in 0..n {
        out.push(read_entry(&mut r)?);
    }
    r.at_end().then_some(out)
}

/// Writes a cache file atomically (temporary file, then rename). Files changed within the racy window
/// of `taken_ns` are left out. Errors are returned for the caller to ignore: a cache is never required.
pub(crate) fn store<'a>(
    file: &Path,
    config: &IngestConfig,
    taken_ns: i64,
    entries: impl Iterator<Item = (Option<StatKey>, &'a Analysed)>,
) -> std::io::Result<()> {
    let mut buf = Vec::with_capacity(1 << 20);
    buf.extend_from_slice(MAGIC);
    buf.extend_from_slice(&fingerprint(config));
    let count_at = buf.len();
    buf.extend_from_slice(&0u64.to_le_bytes());
    let mut n = 0u64;
    for (stat, a) in entries {
        if stat.is_some_and(|s| s.is_racy(taken_ns)) {
            continue;
        }
        write_entry(&mut buf, stat, a);
        n += 1;
    }
    if let Some(slot) = buf.get_mut(count_at..count_at + 8) {
        slot.copy_from_slice(&n.to_le_bytes());
    }
    let sum = Sha256::digest(&buf);
    buf.extend_from_slice(&sum);
    let dir = file.parent().unwrap_or_else(|| Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(
        ".tmp-{}-{}",
        file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        std::process::id()
    ));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(&buf)?;
        f.sync_data()?;
        std::fs::rename(&tmp, file)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Keys cached entries by path for lookups during a walk.
pub(crate) fn by_path(entries: Vec<Cached>) -> HashMap<Vec<u8>, Cached> {
    entries.into_iter().map(|c| (c.analysed.entry.path.as_bytes().to_vec(), c)).collect()
}

fn write_entry(buf: &mut Vec<u8>, stat: Option<StatKey>, a: &Analysed) {
    match stat {
        Some(s) => {
            buf.push(1);
            put_stat(buf, &s);
        }
        None => buf.push(0),
    }
    put_file_entry(buf, &a.entry);
    buf.extend_from_slice(&(a.findings.len() as u64).to_le_bytes());
    for f in &a.findings {
        put_finding(buf, f);
    }
    buf.extend_from_slice(&(a.counts.len() as u64).to_le_bytes());
    for (kind, n) in &a.counts {
        buf.push(kind_index(*kind));
        buf.extend_from_slice(&n.to_le_bytes());
    }
    buf.extend_from_slice(&(a.includes.len() as u64).to_le_bytes());
    for inc in &a.includes {
        buf.extend_from_slice(&inc.line.to_le_bytes());
        buf.push(inc.form.index());
        put_bytes(buf, &inc.target);
    }
    buf.extend_from_slice(&(a.charsets.len() as u64).to_le_bytes());
    for fact in &a.charsets {
        match fact {
            crate::buildcharset::Fact::Declared { line, column, option, charset } => {
                buf.push(0);
                buf.extend_from_slice(&line.to_le_bytes());
                buf.extend_from_slice(&column.to_le_bytes());
                put_bytes(buf, option.as_bytes());
                match charset {
                    Some(c) => {
                        buf.push(1);
                        put_bytes(buf, c.as_bytes());
                    }
                    None => buf.push(0),
                }
            }
            crate::buildcharset::Fact::Utf7Line { line, read } => {
                buf.push(1);
                buf.extend_from_slice(&line.to_le_bytes());
                put_bytes(buf, read.as_bytes());
            }
        }
    }
    match &a.guard {
        Some(g) => {
            buf.push(1);
            put_bytes(buf, g);
        }
        None => buf.push(0),
    }
}

/// Appends a stat key: six little-endian 64-bit fields.
pub(crate) fn put_stat(buf: &mut Vec<u8>, s: &StatKey) {
    for v in [s.dev, s.ino, u64::from(s.mode), s.size] {
        buf.extend_from_slice(&v.to_le_bytes());
    }
    buf.extend_from_slice(&s.mtime_ns.to_le_bytes());
    buf.extend_from_slice(&s.ctime_ns.to_le_bytes());
}

pub(crate) fn get_stat(r: &mut Reader<'_>) -> Option<StatKey> {
    Some(StatKey {
        dev: r.u64()?,
        ino: r.u64()?,
        mode: u32::try_from(r.u64()?).ok()?,
        size: r.u64()?,
        mtime_ns: r.i64()?,
        ctime_ns: r.i64()?,
    })
}

/// Appends a manifest entry (path, kind, size, hashes, class, encoding, lines, whether in the tree).
pub(crate) fn put_file_entry(buf: &mut Vec<u8>, e: &FileEntry) {
    put_bytes(buf, e.path.as_bytes());
    match &e.kind {
        EntryKind::File { executable } => buf.push(u8::from(*executable)),
        EntryKind::Symlink { target } => {
            buf.push(2);
            put_bytes(buf, target);
        }
    }
    buf.extend_from_slice(&e.size_bytes.to_le_bytes());
    buf.extend_from_slice(e.sha256.as_bytes());
    buf.extend_from_slice(e.blob_sha256.as_bytes());
    buf.extend_from_slice(e.blob_sha1.as_bytes());
    buf.push(ContentClass::ALL.iter().position(|c| *c == e.class).unwrap_or(0) as u8);
    match e.encoding {
        None => buf.push(0),
        Some(TextEncoding::Utf8) => buf.push(1),
        Some(TextEncoding::Utf8Bom) => buf.push(2),
        Some(TextEncoding::Utf16Le) => buf.push(3),
        Some(TextEncoding::Utf16Be) => buf.push(4),
        Some(TextEncoding::Legacy(enc)) => {
            buf.push(5);
            put_bytes(buf, enc.name().as_bytes());
        }
    }
    buf.extend_from_slice(&e.lines.to_le_bytes());
    buf.push(u8::from(e.in_tree));
}

/// Appends a health report: the file count, the classes and counts (each a length, then key and
/// number pairs) and the findings.
pub(crate) fn put_health(buf: &mut Vec<u8>, h: &HealthReport) {
    buf.extend_from_slice(&h.files.to_le_bytes());
    for map in [&h.classes, &h.counts] {
        buf.extend_from_slice(&(map.len() as u64).to_le_bytes());
        for (k, n) in map {
            put_bytes(buf, k.as_bytes());
            buf.extend_from_slice(&n.to_le_bytes());
        }
    }
    buf.extend_from_slice(&(h.findings.len() as u64).to_le_bytes());
    for f in &h.findings {
        put_finding(buf, f);
    }
}

/// Reads what [`put_health`] wrote.
pub(crate) fn get_health(r: &mut Reader<'_>) -> Option<HealthReport> {
    let files = r.u64()?;
    let mut maps: [std::collections::BTreeMap<String, u64>; 2] = Default::default();
    for map in &mut maps {
        for _ in 0..r.u64()? {
            let k = String::from_utf8(r.bytes()?.to_vec()).ok()?;
            map.insert(k, r.u64()?);
        }
    }
    let mut findings = Vec::new();
    for _ in 0..r.u64()? {
        findings.push(get_finding(r)?);
    }
    let [classes, counts] = maps;
    Some(HealthReport { files, classes, counts, findings })
}

/// Appends a snapshot's tree ids and content key (four strings), then the tree's file, byte and
/// in-tree counts.
pub(crate) fn put_ids(buf: &mut Vec<u8>, ids: &crate::gitid::TreeIds, content_key: &crate::Sha256Id) {
    for s in [&ids.tree_sha256.to_string(), &ids.tree_sha1.to_string(), &ids.swhid, &content_key.to_string()]
    {
        put_bytes(buf, s.as_bytes());
    }
    for n in [ids.files, ids.bytes, ids.files_in_tree] {
        buf.extend_from_slice(&n.to_le_bytes());
    }
}

/// Reads what [`put_ids`] wrote.
pub(crate) fn get_ids(r: &mut Reader<'_>) -> Option<(crate::gitid::TreeIds, crate::Sha256Id)> {
    let mut text = || String::from_utf8(r.bytes()?.to_vec()).ok();
    let (tree_sha256, tree_sha1, swhid, content_key) = (text()?, text()?, text()?, text()?);
    let ids = crate::gitid::TreeIds {
        tree_sha256: tree_sha256.parse().ok()?,
        tree_sha1: tree_sha1.parse().ok()?,
        swhid,
        files: r.u64()?,
        bytes: r.u64()?,
        files_in_tree: r.u64()?,
    };
    Some((ids, content_key.parse().ok()?))
}

/// Appends a finding (path, line, column, kind, detail).
pub(crate) fn put_finding(buf: &mut Vec<u8>, f: &Finding) {
    put_bytes(buf, f.path.as_bytes());
    for v in [f.line, f.column] {
        match v {
            Some(v) => {
                buf.push(1);
                buf.extend_from_slice(&v.to_le_bytes());
            }
            None => buf.push(0),
        }
    }
    buf.push(kind_index(f.kind));
    put_bytes(buf, f.detail.as_bytes());
}

fn read_entry(r: &mut Reader<'_>) -> Option<Cached> {
    let stat = match r.u8()? {
        0 => None,
        1 => Some(get_stat(r)?),
        _ => return None,
    };
    let entry = get_file_entry(r)?;
    let n = r.u64()?;
    let mut findings = Vec::new();
    for _ in 0..n {
        findings.push(get_finding(r)?);
    }
    let n = r.u64()?;
    let mut counts = Vec::new();
    for _ in 0..n {
        let kind = *FindingKind::ALL.get(usize::from(r.u8()?))?;
        counts.push((kind, r.u64()?));
    }
    let n = r.u64()?;
    let mut includes = Vec::new();
    for _ in 0..n {
        let line = r.u32()?;
        let form = *crate::includes::Form::ALL.get(usize::from(r.u8()?))?;
        includes.push(crate::includes::Include { line, target: r.bytes()?.to_vec(), form });
    }
    let n = r.u64()?;
    let mut charsets = Vec::new();
    let text = |b: &[u8]| String::from_utf8(b.to_vec()).ok();
    for _ in 0..n {
        charsets.push(match r.u8()? {
            0 => {
                let (line, column) = (r.u64()?, r.u64()?);
                let option = text(r.bytes()?)?;
                let charset = match r.u8()? {
                    0 => None,
                    1 => Some(text(r.bytes()?)?),
                    _ => return None,
                };
                crate::buildcharset::Fact::Declared { line, column, option, charset }
            }
            1 => {
                let line = r.u64()?;
                crate::buildcharset::Fact::Utf7Line { line, read: text(r.bytes()?)? }
            }
            _ => return None,
        });
    }
    let guard = match r.u8()? {
        0 => None,
        _ => Some(r.bytes()?.to_vec()),
    };
    Some(Cached { stat, analysed: Analysed { entry, findings, counts, includes, charsets, guard } })
}

pub(crate) fn get_file_entry(r: &mut Reader<'_>) -> Option<FileEntry> {
    parse_file_entry(r).map(|row| row.to_entry())
}

/// A manifest row as [`put_file_entry`] wrote it, checked field by field but not copied: parsing one
/// allocates nothing, so a table of rows can be checked whole and decoded one row at a time.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RawEntry<'a> {
    pub(crate) path: &'a [u8],
    /// The symlink target for a symlink.
    target: Option<&'a [u8]>,
    executable: bool,
    pub(crate) size_bytes: u64,
    sha256: [u8; 32],
    blob_sha256: [u8; 32],
    blob_sha1: [u8; 20],
    class: ContentClass,
    encoding: Option<TextEncoding>,
    lines: u64,
    in_tree: bool,
}

impl RawEntry<'_> {
    /// [`FileEntry::is_indexable`] of the row.
    pub(crate) fn is_indexable(&self) -> bool {
        crate::indexable(self.is_regular(), self.class)
    }

    /// Whether the row is a regular file (not a symlink).
    pub(crate) fn is_regular(&self) -> bool {
        self.target.is_none()
    }

    pub(crate) fn to_entry(self) -> FileEntry {
        FileEntry {
            path: RelPath::from_bytes(self.path.to_vec()),
            kind: match self.target {
                None => EntryKind::File { executable: self.executable },
                Some(target) => EntryKind::Symlink { target: target.to_vec() },
            },
            size_bytes: self.size_bytes,
            sha256: self.sha256.into(),
            blob_sha256: self.blob_sha256.into(),
            blob_sha1: self.blob_sha1.into(),
            class: self.class,
            encoding: self.encoding,
            lines: self.lines,
            in_tree: self.in_tree,
        }
    }
}

/// Parses what [`put_file_entry`] wrote; `None` for anything it cannot have written.
pub(crate) fn parse_file_entry<'a>(r: &mut Reader<'a>) -> Option<RawEntry<'a>> {
    let path = r.bytes()?;
    let (executable, target) = match r.u8()? {
        0 => (false, None),
        1 => (true, None),
        2 => (false, Some(r.bytes()?)),
        _ => return None,
    };
    let size_bytes = r.u64()?;
    let sha256 = r.array::<32>()?;
    let blob_sha256 = r.array::<32>()?;
    let blob_sha1 = r.array::<20>()?;
    let class = *ContentClass::ALL.get(usize::from(r.u8()?))?;
    let encoding = match r.u8()? {
        0 => None,
        1 => Some(TextEncoding::Utf8),
        2 => Some(TextEncoding::Utf8Bom),
        3 => Some(TextEncoding::Utf16Le),
        4 => Some(TextEncoding::Utf16Be),
        5 => Some(TextEncoding::Legacy(encoding_rs::Encoding::for_label(r.bytes()?)?)),
        _ => return None,
    };
    let lines = r.u64()?;
    let in_tree = match r.u8()? {
        0 => false,
        1 => true,
        _ => return None,
    };
    Some(RawEntry {
        path,
        target,
        executable,
        size_bytes,
        sha256,
        blob_sha256,
        blob_sha1,
        class,
        encoding,
        lines,
        in_tree,
    })
}

pub(crate) fn get_finding(r: &mut Reader<'_>) -> Option<Finding> {
    let path = String::from_utf8(r.bytes()?.to_vec()).ok()?;
    let mut opt = || -> Option<Option<u64>> {
        match r.u8()? {
            0 => Some(None),
            1 => Some(Some(r.u64()?)),
            _ => None,
        }
    };
    let line = opt()?;
    let column = opt()?;
    let kind = *FindingKind::ALL.get(usize::from(r.u8()?))?;
    let detail = String::from_utf8(r.bytes()?.to_vec()).ok()?;
    Some(Finding { path, line, column, kind, detail })
}

fn kind_index(kind: FindingKind) -> u8 {
    FindingKind::ALL.iter().position(|k| *k == kind).unwrap_or(0) as u8
}

pub(crate) fn put_bytes(buf: &mut Vec<u8>, bytes: &[u8]) {
    buf.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
    buf.extend_from_slice(bytes);
}

/// Reads the cache's little-endian fields; every read is bounds-checked (`None` past the end).
pub(crate) use vitrine_base::Reader;

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn racy_window_counts_both_times() {
        let s = StatKey { dev: 1, ino: 2, mode: 0o100644, size: 3, mtime_ns: 10, ctime_ns: 10 };
        assert!(!s.is_racy(10 + RACY_WINDOW_NS + 1));
        assert!(s.is_racy(10 + RACY_WINDOW_NS));
        let late_ctime = StatKey { ctime_ns: 5_000_000_000, ..s };
        assert!(late_ctime.is_racy(6_000_000_000));
    }

    use crate::Snapshot;
    use crate::ingest::{Hooks, open_at};
    use crate::progress::Progress;

    /// A moment after every file of a test tree was written, so none of them is racy.
    pub(crate) fn later() -> i64 {
        now_ns() + 3600 * 1_000_000_000
    }

    /// A small tree with a bidi file, a legacy-encoded file, a binary and a symlink.
    pub(crate) fn tree() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("src/net")).unwrap();
        std::fs::write(root.join("src/main.c"), "int main(void) { return 0; }\n").unwrap();
        std::fs::write(root.join("src/net/trojan.c"), "/* \u{202E} } \u{2066} */\n").unwrap();
        std::fs::write(root.join("cp1251.txt"), b"\xcf\xf0\xe8\xe2\xe5\xf2 \xec\xe8\xf0\n").unwrap();
        std::fs::write(root.join("blob.bin"), b"\x7fELF\x00\x01").unwrap();
        std::os::unix::fs::symlink("src/main.c", root.join("link")).unwrap();
        dir
    }

    /// Removes the reopen table, so that the next open goes through this cache.
    fn without_table(cache: &Path, root: &Path) {
        std::fs::remove_file(crate::reopen::table_file(cache, root)).unwrap();
    }

    fn config(cache: &Path) -> IngestConfig {
        IngestConfig { cache_dir: Some(cache.to_path_buf()), ..IngestConfig::default() }
    }

    /// Everything a snapshot says about its content, for comparing two opens.
    fn observable(s: &Snapshot) -> String {
        serde_json::to_string(&(s.ids(), s.files(), s.health())).unwrap()
    }

    fn fresh(path: &Path) -> Snapshot {
        Snapshot::open(path, &IngestConfig::default(), &Progress::default()).unwrap()
    }

    #[test]
    fn unchanged_files_come_from_the_cache_with_the_same_results() {
        let t = tree();
        let cache = tempfile::tempdir().unwrap();
        let first = open_at(t.path(), &config(cache.path()), &Progress::default(), later(), Hooks::default())
            .unwrap();
        assert_eq!(first.cached_files(), 0);
        without_table(cache.path(), t.path());
        let second =
            open_at(t.path(), &config(cache.path()), &Progress::default(), later(), Hooks::default())
                .unwrap();
        // Four regular files; the symlink is always read again (it costs one readlink).
        assert_eq!(second.cached_files(), 4);
        assert_eq!(observable(&second), observable(&fresh(t.path())));
        assert!(second.health().has_trojan_source());
        assert_eq!(second.file(b"cp1251.txt").unwrap().encoding.unwrap().name(), "windows-1251");
    }

    #[test]
    fn a_changed_file_is_hashed_again() {
        let t = tree();
        let cache = tempfile::tempdir().unwrap();
        open_at(t.path(), &config(cache.path()), &Progress::default(), later(), Hooks::default()).unwrap();
        // Same size, other bytes: only the file's times and inode change tell.
        std::fs::write(t.path().join("src/main.c"), "int main(void) { return 1; }\n").unwrap();
        let s = open_at(t.path(), &config(cache.path()), &Progress::default(), later(), Hooks::default())
            .unwrap();
        assert_eq!(s.cached_files(), 3);
        assert_eq!(observable(&s), observable(&fresh(t.path())));
        let e = s.file(b"src/main.c").unwrap();
        assert_eq!(s.read(e).unwrap(), b"int main(void) { return 1; }\n");
        // A file that disappeared is gone, a new one is there.
        std::fs::remove_file(t.path().join("blob.bin")).unwrap();
        std::fs::write(t.path().join("new.h"), "#define X 1\n").unwrap();
        let s = open_at(t.path(), &config(cache.path()), &Progress::default(), later(), Hooks::default())
            .unwrap();
        assert!(s.file(b"blob.bin").is_none() && s.file(b"new.h").is_some());
        assert_eq!(observable(&s), observable(&fresh(t.path())));
    }

    #[test]
    fn files_changed_just_before_the_cache_was_taken_are_not_cached() {
        let t = tree();
        let cache = tempfile::tempdir().unwrap();
        open_at(t.path(), &config(cache.path()), &Progress::default(), now_ns(), Hooks::default()).unwrap();
        let s = open_at(t.path(), &config(cache.path()), &Progress::default(), later(), Hooks::default())
            .unwrap();
        assert_eq!(s.cached_files(), 0, "files written within the racy window must be read again");
    }

    #[test]
    fn a_torn_tampered_or_foreign_cache_is_ignored() {
        let t = tree();
        let cache = tempfile::tempdir().unwrap();
        let cfg = config(cache.path());
        open_at(t.path(), &cfg, &Progress::default(), later(), Hooks::default()).unwrap();
        let file = dir_cache_file(cache.path(), t.path());
        let good = std::fs::read(&file).unwrap();
        let expected = observable(&fresh(t.path()));

        let mut flipped = good.clone();
        let mid = flipped.len() / 2;
        flipped[mid] ^= 0x20;
        for damaged in [good[..good.len() - 1].to_vec(), flipped, Vec::new(), b"garbage".to_vec()] {
            without_table(cache.path(), t.path());
            std::fs::write(&file, &damaged).unwrap();
            let s = open_at(t.path(), &cfg, &Progress::default(), later(), Hooks::default()).unwrap();
            assert_eq!(s.cached_files(), 0);
            assert_eq!(observable(&s), expected);
        }
        // Other settings (here: the size above which text is not indexed) make another cache.
        let mut other = cfg.clone();
        other.classify.max_text_bytes = 4;
        let s = open_at(t.path(), &other, &Progress::default(), later(), Hooks::default()).unwrap();
        assert_eq!(s.cached_files(), 0);
        assert_eq!(s.file(b"src/main.c").unwrap().class, ContentClass::TooLarge);
    }

    #[test]
    fn an_archive_is_not_read_again_while_its_blobs_are_there() {
        let t = tree();
        let work = tempfile::tempdir().unwrap();
        let tar_path = work.path().join("snap.tar");
        let mut b = tar::Builder::new(std::fs::File::create(&tar_path).unwrap());
        b.follow_symlinks(false);
        b.append_dir_all(".", t.path()).unwrap();
        b.finish().unwrap();
        drop(b);
        let blobs = work.path().join("blobs");
        let cfg = IngestConfig { blob_dir: Some(blobs.clone()), ..config(&work.path().join("cache")) };
        let first = Snapshot::open(&tar_path, &cfg, &Progress::default()).unwrap();
        assert_eq!(first.cached_files(), 0);
        let second = Snapshot::open(&tar_path, &cfg, &Progress::default()).unwrap();
        assert_eq!(second.cached_files(), 5);
        assert_eq!(observable(&second), observable(&first));
        assert_eq!(observable(&second), observable(&fresh(t.path())));
        let e = second.file(b"src/main.c").unwrap();
        assert_eq!(second.read(e).unwrap(), b"int main(void) { return 0; }\n");
        // Without one of its blobs, the archive is read again and the blob is back.
        std::fs::remove_file(crate::blobs::BlobStore::at(&blobs).path_of(&e.sha256)).unwrap();
        let third = Snapshot::open(&tar_path, &cfg, &Progress::default()).unwrap();
        assert_eq!(third.cached_files(), 0);
        assert_eq!(
            third.read(third.file(b"src/main.c").unwrap()).unwrap(),
            b"int main(void) { return 0; }\n"
        );
    }

    #[test]
    fn fingerprint_follows_settings() {
        let a = IngestConfig::default();
        let mut b = IngestConfig::default();
        b.classify.max_text_bytes += 1;
        assert_ne!(fingerprint(&a), fingerprint(&b));
        assert_eq!(fingerprint(&a), fingerprint(&IngestConfig::default()));
    }
}

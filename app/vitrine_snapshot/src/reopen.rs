//! The reopen table: a directory snapshot as last opened, with the `lstat` of every entry it was built
//! from, so that naming the same unchanged directory again costs one parallel stat pass instead of a
//! walk, a cache decode and a rebuild of the manifest, tree ids and health report.
//!
//! **When a change is noticed.** A table is used only if, at the moment of the check, every recorded
//! entry — the root, every directory, regular file, symlink and special file — still has the same
//! device, inode, mode (type and permissions), size, modification and change time to the nanosecond
//! (`statx` without following links, relative to the root's descriptor). A file written, truncated,
//! chmod-ed, replaced or renamed changes its own times or inode; a name added, removed or renamed in a
//! directory changes that directory's modification time; so any of them sends the open down the full
//! path (walk, re-hash what the ingest cache cannot vouch for, new manifest and content key). Restoring a
//! modification time does not hide a write: the change time cannot be set. As in git's index, an entry
//! whose times are within [`crate::cache::RACY_WINDOW_NS`] of the moment the table was taken could
//! still change within the clock's granularity without its times telling, so a table that holds such an
//! entry is not written at all (the next open takes the full path and writes it). What stat cannot see
//! is not seen: writes through a raw block device, or a file system that does not update times.
//!
//! Layout (integers little-endian): `MAGIC`, the analysis fingerprint (32 bytes), the moment taken (ns),
//! the root path; the stat table (entry count, then per entry 56 bytes: dev, ino, mode, size, mtime,
//! ctime, then the offset and length of its path in the path block), the path block (each path followed
//! by a NUL, `.` for the root); the snapshot (manifest entries, findings, class and finding counts, tree
//! ids, content key); then a CRC-32 of everything before it, which catches a torn or damaged file (the
//! data directory is the user's own; this is not a defence against someone who can write it).

use std::ffi::CStr;
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::cache::{self, Reader, StatKey};
use crate::files::{Files, Row};
use crate::gitid::TreeIds;
use crate::health::HealthReport;
use crate::ingest::IngestConfig;
use crate::{Sha256Id, Snapshot};

const MAGIC: &[u8; 16] = b"VITRINE-REOPEN\x00\x01";

/// Bytes per stat record: six 64-bit fields and a 32-bit path offset and length.
const RECORD: usize = 56;

/// One entry of the tree as the walk saw it: its path relative to the root (empty for the root) and
/// its `lstat`.
pub(crate) struct Seen {
    pub(crate) path: Vec<u8>,
    pub(crate) stat: StatKey,
}

/// What a snapshot is made of, apart from where it came from: its manifest rows (left encoded: where each
/// starts in the bytes read, see [`Files::encoded`]), health report, tree ids and content key.
pub(crate) struct Parts {
    pub(crate) rows: Vec<Row>,
    pub(crate) ids: TreeIds,
    pub(crate) health: HealthReport,
    pub(crate) content_key: Sha256Id,
}

/// The table file of a directory snapshot (by its absolute path).
pub(crate) fn table_file(cache_dir: &Path, root: &Path) -> PathBuf {
    let abs = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let key = hex::encode(Sha256::digest(abs.as_os_str().as_bytes()));
    cache_dir.join(format!("reopen-{key}.bin"))
}

/// Encodes a table; `None` when an entry is within the racy window of `taken_ns` (or a path or the
/// path block is too long for the record), so that no table is written that could vouch for a change
/// its times cannot show.
pub(crate) fn encode(
    config: &IngestConfig,
    root: &Path,
    taken_ns: i64,
    seen: &[Seen],
    snap: &Snapshot,
) -> Option<Vec<u8>> {
    if seen.iter().any(|s| s.stat.is_racy(taken_ns)) {
        return None;
    }
    let mut buf = Vec::with_capacity(seen.len() * (RECORD + 48) + snap.files.len() * 160 + (1 << 16));
    buf.extend_from_slice(MAGIC);
    buf.extend_from_slice(&cache::fingerprint(config));
    buf.extend_from_slice(&taken_ns.to_le_bytes());
    cache::put_bytes(&mut buf, root.as_os_str().as_bytes());

    let mut paths = Vec::new();
    buf.extend_from_slice(&(seen.len() as u64).to_le_bytes());
    for s in seen {
        let path: &[u8] = if s.path.is_empty() { b"." } else { &s.path };
        if path.contains(&0) {
            return None;
        }
        let off = u32::try_from(paths.len()).ok()?;
        let len = u32::try_from(path.len()).ok()?;
        paths.extend_from_slice(path);
        paths.push(0);
        cache::put_stat(&mut buf, &s.stat);
        buf.extend_from_slice(&off.to_le_bytes());
        buf.extend_from_slice(&len.to_le_bytes());
    }
    cache::put_bytes(&mut buf, &paths);

    put_parts(&mut buf, snap);
    let crc = crc32fast::hash(&buf);
    buf.extend_from_slice(&crc.to_le_bytes());
    Some(buf)
}

/// A decoded table whose snapshot part is still undecoded (it is decoded only once the stat check
/// passed).
pub(crate) struct Table<'a> {
    taken_ns: i64,
    records: &'a [u8],
    paths: &'a [u8],
    rest: Reader<'a>,
}

impl<'a> Table<'a> {
    /// Checks the frame (magic, fingerprint of this code and `config`, CRC, root path) and splits the
    /// stat table off; `None` for anything else, so that the caller takes the full path.
    pub(crate) fn parse(bytes: &'a [u8], config: &IngestConfig, root: &Path) -> Option<Table<'a>> {
        let body_end = bytes.len().checked_sub(4)?;
        let (body, crc) = bytes.split_at(body_end);
        if crc32fast::hash(body).to_le_bytes() != crc {
            return None;
        }
        let mut r = Reader::new(body);
        if r.take(MAGIC.len())? != MAGIC || r.take(32)? != cache::fingerprint(config) {
            return None;
        }
        let taken_ns = r.i64()?;
        if r.bytes()? != root.as_os_str().as_bytes() {
            return None;
        }
        let n = usize::try_from(r.u64()?).ok()?;
        let records = r.take(n.checked_mul(RECORD)?)?;
        let paths = r.bytes()?;
        let table = Table { taken_ns, records, paths, rest: r };
        // Every record's path must lie in the block and end at a NUL, so the check never reads past it.
        (0..n).all(|i| table.record(i).is_some()).then_some(table)
    }

    fn len(&self) -> usize {
        self.records.len() / RECORD
    }

    /// When the table was taken (nanoseconds since the epoch, as file times count).
    pub(crate) fn taken_ns(&self) -> i64 {
        self.taken_ns
    }

    /// Each recorded entry's path (relative to the root) and stat key.
    pub(crate) fn stats(&self) -> impl Iterator<Item = (&'a [u8], StatKey)> + '_ {
        (0..self.len()).filter_map(|i| self.record(i)).map(|(stat, path)| (path.to_bytes(), stat))
    }

    /// Record `i`: the recorded stat key and the NUL-terminated path.
    fn record(&self, i: usize) -> Option<(StatKey, &'a CStr)> {
        let at = i.checked_mul(RECORD)?;
        let mut r = Reader::new(self.records.get(at..at.checked_add(RECORD)?)?);
        let stat = cache::get_stat(&mut r)?;
        let off = usize::try_from(u32::from_le_bytes(r.array::<4>()?)).ok()?;
        let len = usize::try_from(u32::from_le_bytes(r.array::<4>()?)).ok()?;
        let end = off.checked_add(len)?;
        if len == 0 || self.paths.get(end) != Some(&0) {
            return None;
        }
        let path = CStr::from_bytes_with_nul(self.paths.get(off..=end)?).ok()?;
        Some((stat, path))
    }

    /// Whether every recorded entry below `root` still has its recorded `lstat` (see the module
    /// documentation); in parallel, stopping at the first difference. Each entry is looked up from its
    /// parent directory's descriptor (see `Parents`), without following a link at the last component; a
    /// directory replaced by a link fails its own record.
    pub(crate) fn unchanged(&self, root: &Path) -> bool {
        use rustix::fs::{AtFlags, Mode, OFlags, StatxFlags};
        let Ok(dir) =
            rustix::fs::open(root, OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC, Mode::empty())
        else {
            return false;
        };
        let mask = StatxFlags::TYPE
            | StatxFlags::MODE
            | StatxFlags::INO
            | StatxFlags::SIZE
            | StatxFlags::MTIME
            | StatxFlags::CTIME;
        let same = |parents: &mut Parents, i: usize| {
            let Some((recorded, path)) = self.record(i) else { return false };
            // Defence in depth: a table never holds a racy entry (see `encode`).
            if recorded.is_racy(self.taken_ns) {
                return false;
            }
            let now = if path.to_bytes() == b"." {
                rustix::fs::statx(&dir, c"", AtFlags::EMPTY_PATH, mask)
            } else {
                // The last component is looked up from its parent's descriptor, not the whole path from
                // the root's (137 -> 125-129 ms of CPU for Linux). The name keeps the path's NUL.
                let whole = path.to_bytes_with_nul();
                let (parent, name) = match memchr::memrchr(b'/', whole) {
                    Some(k) => (whole.get(..k).unwrap_or_default(), whole.get(k + 1..).unwrap_or_default()),
                    None => (&b""[..], whole),
                };
                let (Ok(name), Some(fd)) = (CStr::from_bytes_with_nul(name), parents.get(&dir, parent))
                else {
                    return false;
                };
                rustix::fs::statx(fd, name, AtFlags::SYMLINK_NOFOLLOW, mask)
            };
            now.is_ok_and(|st| StatKey::of_statx(&st) == recorded)
        };
        (0..self.len()).into_par_iter().with_min_len(1024).map_init(Parents::default, same).all(|same| same)
    }

    /// Decodes the snapshot part, leaving the manifest rows encoded: where each starts in the bytes the
    /// table was parsed from (see [`crate::files::Files::encoded`]).
    pub(crate) fn parts(mut self) -> Option<Parts> {
        let parts = get_parts(&mut self.rest)?;
        self.rest.at_end().then_some(parts)
    }
}

/// Appends the snapshot part of a table (also the body of an imported snapshot's record, see
/// `stored`): manifest entries, health report, tree ids, content key.
pub(crate) fn put_parts(buf: &mut Vec<u8>, snap: &Snapshot) {
    buf.extend_from_slice(&(snap.files.len() as u64).to_le_bytes());
    for f in snap.files.all() {
        cache::put_file_entry(buf, f);
    }
    cache::put_health(buf, &snap.health);
    cache::put_ids(buf, &snap.ids, &snap.content_key);
}

/// The directories a worker checks entries in, opened (`O_PATH`) from the root as a lookup of the whole
/// path would walk them (links in a parent followed, as `statx` of the path follows them; the parent's
/// own record, checked with `lstat`, fails if it became a link). The last few are kept: entries come in
/// path order, so a directory's files are checked together, around its subdirectories.
#[derive(Default)]
struct Parents {
    open: Vec<(Vec<u8>, rustix::fd::OwnedFd)>,
}

impl Parents {
    const KEEP: usize = 8;

    /// The descriptor of `parent` below `root` (`root` itself for `""`); `None` when it cannot be
    /// opened: then the entry has changed.
    fn get<'a>(
        &'a mut self,
        root: &'a rustix::fd::OwnedFd,
        parent: &[u8],
    ) -> Option<&'a rustix::fd::OwnedFd> {
        use rustix::fs::{Mode, OFlags};
        if parent.is_empty() {
            return Some(root);
        }
        let at = match self.open.iter().position(|(p, _)| p == parent) {
            Some(at) => at,
            None => {
                let name = std::ffi::CString::new(parent).ok()?;
                let fd = rustix::fs::openat(
                    root,
                    &name,
                    OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
                    Mode::empty(),
                )
                .ok()?;
                if self.open.len() == Self::KEEP {
                    self.open.remove(0);
                }
                self.open.push((parent.to_vec(), fd));
                self.open.len() - 1
            }
        };
        self.open.get(at).map(|(_, fd)| fd)
    }
}

/// Decodes what [`put_parts`] wrote, the manifest rows checked but left encoded; `None` for anything
/// it cannot have written.
pub(crate) fn get_parts(r: &mut Reader<'_>) -> Option<Parts> {
    let n = usize::try_from(r.u64()?).ok()?;
    let rows = Files::check_rows(r, n)?;
    let health = cache::get_health(r)?;
    let (ids, content_key) = cache::get_ids(r)?;
    Some(Parts { rows, ids, health, content_key })
}

/// Writes a table atomically (temporary file, then rename); errors are for the caller to ignore, a
/// table is never required. No fsync: a torn file fails its CRC and is ignored.
pub(crate) fn store(file: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = file.parent().unwrap_or_else(|| Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(
        ".tmp-{}-{}",
        file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        std::process::id()
    ));
    let result = std::fs::File::create(&tmp)
        .and_then(|mut f| f.write_all(bytes))
        .and_then(|()| std::fs::rename(&tmp, file));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;
    use crate::cache::now_ns;
    use crate::ingest::{Hooks, open_at};
    use crate::progress::Progress;

    use crate::cache::tests::{later, tree};

    fn config(cache: &Path) -> IngestConfig {
        IngestConfig { cache_dir: Some(cache.to_path_buf()), ..IngestConfig::default() }
    }

    fn open(root: &Path, cache: &Path) -> Snapshot {
        open_at(root, &config(cache), &Progress::default(), later(), Hooks::default()).unwrap()
    }

    /// Everything a snapshot says about its content, for comparing two opens.
    fn observable(s: &Snapshot) -> String {
        serde_json::to_string(&(s.ids(), s.files(), s.health(), s.content_key())).unwrap()
    }

    fn fresh(root: &Path) -> String {
        observable(&Snapshot::open(root, &IngestConfig::default(), &Progress::default()).unwrap())
    }

    #[test]
    fn an_unchanged_directory_is_reopened_from_its_table() {
        let t = tree();
        let cache = tempfile::tempdir().unwrap();
        let first = open(t.path(), cache.path());
        assert!(!first.reopened());
        let second = open(t.path(), cache.path());
        assert!(second.reopened());
        assert_eq!(observable(&second), fresh(t.path()));
        assert!(second.health().has_trojan_source());
        let e = second.file(b"src/main.c").unwrap();
        assert_eq!(second.read(e).unwrap(), b"int main(void) { return 0; }\n");
    }

    #[test]
    fn a_reopened_directory_vouches_for_unchanged_files_and_hashes_changed_ones() {
        let t = tree();
        let cache = tempfile::tempdir().unwrap();
        let _first = open(t.path(), cache.path());
        let second = open(t.path(), cache.path());
        assert!(second.reopened());
        let e = second.file(b"src/main.c").unwrap().clone();
        // An entry claiming other bytes is read unhashed only while the file keeps its recorded stat.
        let forged = crate::FileEntry { sha256: crate::Sha256Id::from_bytes([7; 32]), ..e.clone() };
        assert_eq!(second.read(&forged).unwrap(), b"int main(void) { return 0; }\n");
        // Rewritten in place after the reopen, same size: hashed and refused.
        std::fs::write(t.path().join("src/main.c"), b"int main(void) { return 1; }\n").unwrap();
        let err = second.read(&e).unwrap_err();
        assert!(matches!(err, crate::SnapshotError::ChangedOnDisk { .. }), "{err:?}");
    }

    /// Each change, made after the table was written, must send the open down the full path, and the
    /// snapshot must then be the changed tree's.
    #[test]
    fn every_kind_of_change_is_noticed() {
        type Change = fn(&Path);
        let changes: [(&str, Change); 10] = [
            ("same size, mtime restored", |root| {
                let p = root.join("src/main.c");
                let mtime = std::fs::metadata(&p).unwrap().modified().unwrap();
                std::fs::write(&p, "int main(void) { return 1; }\n").unwrap();
                let f = std::fs::File::options().write(true).open(&p).unwrap();
                f.set_modified(mtime).unwrap();
                assert_eq!(std::fs::metadata(&p).unwrap().modified().unwrap(), mtime);
            }),
            ("size", |root| {
                std::fs::write(root.join("src/main.c"), "int main(void) { return 12; }\n").unwrap()
            }),
            ("mode", |root| {
                std::fs::set_permissions(root.join("src/main.c"), std::fs::Permissions::from_mode(0o755))
                    .unwrap()
            }),
            ("added at the root", |root| std::fs::write(root.join("new.h"), "#define X 1\n").unwrap()),
            ("added in a subdirectory", |root| {
                std::fs::write(root.join("src/net/new.h"), "#define X 1\n").unwrap()
            }),
            ("deleted", |root| std::fs::remove_file(root.join("src/net/trojan.c")).unwrap()),
            ("replaced by a symlink", |root| {
                let p = root.join("src/main.c");
                std::fs::remove_file(&p).unwrap();
                std::os::unix::fs::symlink("../blob.bin", &p).unwrap();
            }),
            ("symlink retargeted", |root| {
                std::fs::remove_file(root.join("link")).unwrap();
                std::os::unix::fs::symlink("blob.bin", root.join("link")).unwrap();
            }),
            // The entries below a directory are looked up from the directory's descriptor: a directory
            // that is gone, or is now a link to the very same files, is still a change.
            ("directory deleted", |root| std::fs::remove_dir_all(root.join("src/net")).unwrap()),
            ("directory replaced by a link to itself moved", |root| {
                std::fs::rename(root.join("src/net"), root.join("moved")).unwrap();
                std::os::unix::fs::symlink("../moved", root.join("src/net")).unwrap();
            }),
        ];
        for (what, change) in changes {
            let t = tree();
            let cache = tempfile::tempdir().unwrap();
            let before = observable(&open(t.path(), cache.path()));
            assert!(
                open(t.path(), cache.path()).reopened(),
                "{what}: the table was not used before the change"
            );
            change(t.path());
            let after = open(t.path(), cache.path());
            assert!(!after.reopened(), "{what}: not noticed");
            assert_eq!(observable(&after), fresh(t.path()), "{what}: the snapshot is not the changed tree's");
            assert_ne!(observable(&after), before, "{what}: the change changed nothing");
            // The new table vouches for the changed tree.
            assert!(open(t.path(), cache.path()).reopened(), "{what}: no new table");
        }
    }

    #[test]
    fn a_table_that_could_miss_a_change_is_not_written() {
        let t = tree();
        let cache = tempfile::tempdir().unwrap();
        // Taken now: every file was written within the racy window.
        open_at(t.path(), &config(cache.path()), &Progress::default(), now_ns(), Hooks::default()).unwrap();
        assert!(!table_file(cache.path(), t.path()).exists());
        assert!(!open(t.path(), cache.path()).reopened());
    }

    #[test]
    fn another_spelling_of_the_root_or_other_settings_take_the_full_path() {
        let t = tree();
        let cache = tempfile::tempdir().unwrap();
        open(t.path(), cache.path());
        let mut other = config(cache.path());
        other.classify.max_text_bytes = 4;
        let s = open_at(t.path(), &other, &Progress::default(), later(), Hooks::default()).unwrap();
        assert!(!s.reopened());
        let spelled = t.path().join("src/..");
        assert!(!open(&spelled, cache.path()).reopened());
    }

    /// A table is decoded only from bytes this code wrote; anything else (truncated, flipped, or with
    /// a valid checksum over a hostile body) is refused without a panic or an out-of-bounds read.
    #[test]
    fn damaged_or_hostile_tables_are_refused() {
        let t = tree();
        let cache = tempfile::tempdir().unwrap();
        open(t.path(), cache.path());
        let cfg = config(cache.path());
        let good = std::fs::read(table_file(cache.path(), t.path())).unwrap();
        assert!(Table::parse(&good, &cfg, t.path()).and_then(Table::parts).is_some());
        for cut in 0..good.len() {
            assert!(Table::parse(&good[..cut], &cfg, t.path()).is_none(), "truncated at {cut}");
        }
        for at in (0..good.len()).step_by(7) {
            let mut bad = good.clone();
            bad[at] ^= 0x10;
            assert!(Table::parse(&bad, &cfg, t.path()).is_none(), "flipped at {at}");
        }
        // A valid checksum over a hostile body: every field is checked on its own.
        let reseal = |mut body: Vec<u8>| {
            let crc = crc32fast::hash(&body);
            body.extend_from_slice(&crc.to_le_bytes());
            body
        };
        let body = &good[..good.len() - 4];
        let header = MAGIC.len() + 32 + 8 + 8 + t.path().as_os_str().len();
        let mut huge_count = body.to_vec();
        huge_count[header..header + 8].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(Table::parse(&reseal(huge_count), &cfg, t.path()).is_none());
        // A path offset past the path block, and a path without its NUL.
        let first_off = header + 8 + 48;
        let mut far = body.to_vec();
        far[first_off..first_off + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(Table::parse(&reseal(far), &cfg, t.path()).is_none());
        let mut long = body.to_vec();
        let len = u32::from_le_bytes(long[first_off + 4..first_off + 8].try_into().unwrap());
        long[first_off + 4..first_off + 8].copy_from_slice(&(len + 1).to_le_bytes());
        assert!(Table::parse(&reseal(long), &cfg, t.path()).is_none());
        // The snapshot part cut short or followed by junk.
        let mut short = body.to_vec();
        short.truncate(short.len() - 3);
        assert!(Table::parse(&reseal(short), &cfg, t.path()).and_then(Table::parts).is_none());
        let mut junk = body.to_vec();
        junk.push(0);
        assert!(Table::parse(&reseal(junk), &cfg, t.path()).and_then(Table::parts).is_none());
        // A file count far beyond the bytes left does not reserve memory for it.
        let n_files_at = {
            let table = Table::parse(&good, &cfg, t.path()).unwrap();
            table.rest.pos()
        };
        let mut many = body.to_vec();
        many[n_files_at..n_files_at + 8].copy_from_slice(&(u64::MAX / 2).to_le_bytes());
        assert!(Table::parse(&reseal(many), &cfg, t.path()).and_then(Table::parts).is_none());
    }

    #[test]
    fn statx_keys_equal_the_walks() {
        let t = tree();
        for rel in ["src/main.c", "link", "src"] {
            let p = t.path().join(rel);
            let st = rustix::fs::statx(
                rustix::fs::CWD,
                &p,
                rustix::fs::AtFlags::SYMLINK_NOFOLLOW,
                rustix::fs::StatxFlags::BASIC_STATS,
            )
            .unwrap();
            assert_eq!(StatKey::of_statx(&st), StatKey::of(&std::fs::symlink_metadata(&p).unwrap()), "{rel}");
        }
    }
}

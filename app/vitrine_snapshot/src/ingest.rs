//! Walking, reading, hashing and classifying every file of a snapshot, in parallel.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::archive::{self, ArchiveItem, ArchiveLimits, ItemKind, Unpacking};
use crate::cache::{self, StatKey};
use crate::classify::{self, ClassifyConfig, ContentClass};
use crate::error::SnapshotError;
use crate::gitid::{self, BlobHasher, Hashes, TreeIds, TreeItem};
use crate::health::{self, FileFindings, Finding, FindingKind, HealthConfig, HealthReport};
use crate::progress::Progress;
use crate::{EntryKind, FileEntry, Origin, RelPath, Snapshot, gitrepo, lines, text};

/// How to open a snapshot.
#[derive(Debug, Clone, Default)]
pub struct IngestConfig {
    pub classify: ClassifyConfig,
    pub health: HealthConfig,
    pub archive: ArchiveLimits,
    /// Where an archive is unpacked so its files can be read later (the data directory's `unpacked/`).
    /// `None`: an archive is only digested.
    pub scratch_dir: Option<PathBuf>,
    /// Where hashing results are cached between processes (the data directory's `ingest-cache/`), so
    /// that opening an unchanged snapshot again reads only what changed (see the `cache` module).
    /// `None` hashes every byte: what commands that state a snapshot's identity use.
    pub cache_dir: Option<PathBuf>,
}

/// Files at least this large are streamed through the hashers instead of being read whole.
const STREAM_THRESHOLD: u64 = 256 * 1024 * 1024;

/// Opens a file for reading without following a final symlink.
pub(crate) fn open_nofollow(path: &Path) -> std::io::Result<File> {
    std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NOFOLLOW | libc::O_NOCTTY).open(path)
}

pub(crate) fn open(
    path: &Path,
    config: &IngestConfig,
    progress: &Progress,
) -> Result<Snapshot, SnapshotError> {
    open_at(path, config, progress, cache::now_ns())
}

/// [`open`], with the moment the ingest cache is taken at given (tests move it to make files look old).
pub(crate) fn open_at(
    path: &Path,
    config: &IngestConfig,
    progress: &Progress,
    taken_ns: i64,
) -> Result<Snapshot, SnapshotError> {
    let meta = std::fs::metadata(path).map_err(|e| SnapshotError::io(path, e))?;
    if meta.is_dir() {
        let root = path.to_path_buf();
        let (files, findings, cached) = ingest_dir(&root, config, progress, taken_ns)?;
        let git_root = Some(root.clone());
        let mut snap =
            assemble(Origin::Directory { path: root.clone() }, Some(root), files, findings, git_root, config);
        snap.cached_files = cached;
        Ok(snap)
    } else if let Some(format) = archive::detect_format(path) {
        ingest_archive(path, format, config, progress)
    } else {
        Err(SnapshotError::UnsupportedInput { path: path.to_path_buf() })
    }
}

/// One thing found by the walk.
enum Walked {
    File { path: Vec<u8>, executable: bool, size: u64, stat: StatKey },
    Symlink { path: Vec<u8>, target: Vec<u8> },
    Special { path: Vec<u8>, kind: &'static str },
    Unreadable { path: Vec<u8>, error: String },
}

fn walk(root: &Path, progress: &Progress) -> Result<Vec<Walked>, SnapshotError> {
    let mut out = Vec::new();
    let mut stack: Vec<Vec<u8>> = vec![Vec::new()];
    while let Some(rel) = stack.pop() {
        if progress.is_cancelled() {
            return Err(SnapshotError::Cancelled);
        }
        let dir =
            if rel.is_empty() { root.to_path_buf() } else { root.join(std::ffi::OsStr::from_bytes(&rel)) };
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if rel.is_empty() => return Err(SnapshotError::io(&dir, e)),
            Err(e) => {
                out.push(Walked::Unreadable {
                    path: rel.clone(),
                    error: format!("directory cannot be listed: {e}"),
                });
                continue;
            }
        };
        for entry in entries {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    out.push(Walked::Unreadable {
                        path: rel.clone(),
                        error: format!("directory listing failed: {e}"),
                    });
                    continue;
                }
            };
            let mut child = rel.clone();
            if !child.is_empty() {
                child.push(b'/');
            }
            child.extend_from_slice(entry.file_name().as_bytes());
            let meta = match std::fs::symlink_metadata(entry.path()) {
                Ok(m) => m,
                Err(e) => {
                    out.push(Walked::Unreadable { path: child, error: e.to_string() });
                    continue;
                }
            };
            let ft = meta.file_type();
            if ft.is_dir() {
                stack.push(child);
            } else if ft.is_file() {
                out.push(Walked::File {
                    path: child,
                    executable: meta.permissions().mode() & 0o100 != 0,
                    size: meta.len(),
                    stat: StatKey::of(&meta),
                });
            } else if ft.is_symlink() {
                match std::fs::read_link(entry.path()) {
                    Ok(t) => {
                        out.push(Walked::Symlink { path: child, target: t.as_os_str().as_bytes().to_vec() })
                    }
                    Err(e) => out
                        .push(Walked::Unreadable { path: child, error: format!("symlink unreadable: {e}") }),
                }
            } else {
                use std::os::unix::fs::FileTypeExt;
                let kind = if ft.is_fifo() {
                    "FIFO"
                } else if ft.is_socket() {
                    "socket"
                } else if ft.is_block_device() {
                    "block device"
                } else {
                    "character device"
                };
                out.push(Walked::Special { path: child, kind });
            }
        }
    }
    Ok(out)
}

/// An analysed file and its own findings.
#[derive(Clone)]
pub(crate) struct Analysed {
    pub(crate) entry: FileEntry,
    pub(crate) findings: Vec<Finding>,
    pub(crate) counts: Vec<(FindingKind, u64)>,
}

/// Walks, hashes and analyses a directory; also returns how many files came from the ingest cache.
fn ingest_dir(
    root: &Path,
    config: &IngestConfig,
    progress: &Progress,
    taken_ns: i64,
) -> Result<(Vec<Analysed>, Vec<Finding>, u64), SnapshotError> {
    let hits = std::sync::atomic::AtomicU64::new(0);
    let cache_file = config.cache_dir.as_deref().map(|dir| cache::dir_cache_file(dir, root));
    let cached = match &cache_file {
        Some(file) => {
            progress.set_phase("reading the ingest cache", 0);
            cache::by_path(cache::load(file, config).unwrap_or_default())
        }
        None => Default::default(),
    };
    progress.set_phase("listing files", 0);
    let walked = walk(root, progress)?;
    progress.set_phase("hashing", walked.len() as u64);
    let mut extra = Vec::new();
    let results: Vec<Option<(Option<StatKey>, Analysed)>> = walked
        .par_iter()
        .map_init(Vec::new, |buf, w| {
            if progress.is_cancelled() {
                return None;
            }
            let (stat, a) = match w {
                Walked::File { path, executable, size, stat } => {
                    let hit = cached.get(path).filter(|c| {
                        c.stat == Some(*stat)
                            && c.analysed.entry.kind == EntryKind::File { executable: *executable }
                    });
                    let a = match hit {
                        Some(c) => {
                            hits.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            c.analysed.clone()
                        }
                        None => {
                            let rel = RelPath::from_bytes(path.clone());
                            read_and_analyse(root, rel, *executable, *size, buf, config)
                        }
                    };
                    (Some(*stat), a)
                }
                Walked::Symlink { path, target } => {
                    (None, analyse_symlink(RelPath::from_bytes(path.clone()), target.clone()))
                }
                Walked::Special { .. } | Walked::Unreadable { .. } => return None,
            };
            progress.advance(1, a.entry.size_bytes);
            Some((stat, a))
        })
        .collect();
    if progress.is_cancelled() {
        return Err(SnapshotError::Cancelled);
    }
    drop(cached);
    if let Some(file) = &cache_file {
        // Only files that were read successfully are worth keeping; a failure to write is harmless.
        let keep = results.iter().flatten().filter_map(|(stat, a)| {
            (stat.is_some() && a.entry.class != ContentClass::Unreadable).then_some((*stat, a))
        });
        let _ = cache::store(file, config, taken_ns, keep);
    }
    for w in &walked {
        match w {
            Walked::Special { path, kind } => extra.push(Finding::file_level(
                &crate::path::display_bytes(path),
                FindingKind::SpecialFile,
                format!("{kind}: not read, not part of the tree ids (git skips it too)"),
            )),
            Walked::Unreadable { path, error } => extra.push(Finding::file_level(
                &crate::path::display_bytes(path),
                FindingKind::Unreadable,
                error.clone(),
            )),
            _ => {}
        }
    }
    Ok((results.into_iter().flatten().map(|(_, a)| a).collect(), extra, hits.into_inner()))
}

fn read_and_analyse(
    root: &Path,
    path: RelPath,
    executable: bool,
    size: u64,
    buf: &mut Vec<u8>,
    config: &IngestConfig,
) -> Analysed {
    let disk = path.to_path(root);
    let unreadable = |path: RelPath, error: String| {
        let shown = path.display();
        let entry = FileEntry {
            path,
            kind: EntryKind::File { executable },
            size_bytes: size,
            sha256: [0; 32],
            blob_sha256: [0; 32],
            blob_sha1: [0; 20],
            class: ContentClass::Unreadable,
            encoding: None,
            lines: 0,
            in_tree: false,
        };
        Analysed {
            entry,
            findings: vec![Finding::file_level(&shown, FindingKind::Unreadable, error)],
            counts: vec![(FindingKind::Unreadable, 1)],
        }
    };
    let mut file = match open_nofollow(&disk) {
        Ok(f) => f,
        Err(e) => return unreadable(path, format!("cannot open: {e}")),
    };
    if size >= STREAM_THRESHOLD {
        return match stream_large(&mut file, size) {
            Ok((Hashes { sha256, blob_sha256, blob_sha1 }, binary)) => {
                let shown = path.display();
                let (class, kind, detail) = if binary {
                    (
                        ContentClass::Binary,
                        FindingKind::Binary,
                        format!("binary file of {size} bytes, not indexed"),
                    )
                } else {
                    (
                        ContentClass::TooLarge,
                        FindingKind::TooLarge,
                        format!(
                            "text file of {size} bytes: too large to index or scan for hidden characters"
                        ),
                    )
                };
                let entry = FileEntry {
                    in_tree: !gitid::git_refuses_path(path.as_bytes()),
                    path,
                    kind: EntryKind::File { executable },
                    size_bytes: size,
                    sha256,
                    blob_sha256,
                    blob_sha1,
                    class,
                    encoding: None,
                    lines: 0,
                };
                Analysed {
                    entry,
                    findings: vec![Finding::file_level(&shown, kind, detail)],
                    counts: vec![(kind, 1)],
                }
            }
            Err(e) => unreadable(path, format!("read failed: {e}")),
        };
    }
    buf.clear();
    if let Err(e) = file.read_to_end(buf) {
        return unreadable(path, format!("read failed: {e}"));
    }
    analyse_file(path, executable, buf, config)
}

/// Hashes a large file in chunks; also says whether it holds a NUL byte (binary).
fn stream_large(file: &mut File, size: u64) -> std::io::Result<(Hashes, bool)> {
    let mut hasher = BlobHasher::new(size);
    let mut chunk = vec![0u8; 1 << 20];
    let mut seen = 0u64;
    let mut binary = false;
    loop {
        let n = file.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        let part = chunk.get(..n).unwrap_or_default();
        binary |= memchr::memchr(0, part).is_some();
        hasher.update(part);
        seen += n as u64;
    }
    if seen != size {
        return Err(std::io::Error::other(format!("file changed size while read ({size} -> {seen} bytes)")));
    }
    Ok((hasher.finish(), binary))
}

/// Hashes, classifies and scans one regular file's full content.
fn analyse_file(path: RelPath, executable: bool, bytes: &[u8], config: &IngestConfig) -> Analysed {
    let mut h = BlobHasher::new(bytes.len() as u64);
    h.update(bytes);
    let Hashes { sha256, blob_sha256, blob_sha1 } = h.finish();
    let c = classify::classify(&path, bytes, &config.classify);
    let shown = path.display();
    let mut ff = FileFindings::new(&shown, &config.health);
    let mut line_count = 0;
    match (c.class, c.encoding) {
        (ContentClass::Binary, _) => {
            ff.push(None, None, FindingKind::Binary, || {
                format!("binary file of {} bytes, not indexed", bytes.len())
            });
        }
        (class, Some(enc)) => {
            if !enc.is_utf8() {
                ff.push(None, None, FindingKind::NonUtf8, || format!("text in {}", enc.name()));
            }
            if class == ContentClass::TooLarge {
                ff.push(None, None, FindingKind::TooLarge, || {
                    format!("text file of {} bytes: listed and scanned, but not indexed", bytes.len())
                });
            }
            if class == ContentClass::Generated {
                ff.push(None, None, FindingKind::Generated, || {
                    "generated or minified (by its header, name or line lengths): indexed and searched like any file".into()
                });
            }
            let decoded = text::decode(bytes, enc);
            line_count = lines::count_lines(decoded.as_bytes());
            health::scan_text(&decoded, &mut ff);
        }
        (_, None) => {}
    }
    let (findings, counts) = ff.finish();
    let entry = FileEntry {
        in_tree: !gitid::git_refuses_path(path.as_bytes()),
        path,
        kind: EntryKind::File { executable },
        size_bytes: bytes.len() as u64,
        sha256,
        blob_sha256,
        blob_sha1,
        class: c.class,
        encoding: c.encoding,
        lines: line_count,
    };
    Analysed { entry, findings, counts: counts.into_iter().collect() }
}

fn analyse_symlink(path: RelPath, target: Vec<u8>) -> Analysed {
    let (blob_sha256, blob_sha1) = gitid::blob_ids(&target);
    let sha256: [u8; 32] = Sha256::digest(&target).into();
    let shown = path.display();
    let where_to = symlink_destination(path.as_bytes(), &target);
    let detail = format!(
        "symlink to `{}` ({where_to}); recorded as a link, never followed",
        crate::path::display_bytes(&target)
    );
    let entry = FileEntry {
        in_tree: !gitid::git_refuses_path(path.as_bytes()),
        path,
        size_bytes: target.len() as u64,
        kind: EntryKind::Symlink { target },
        sha256,
        blob_sha256,
        blob_sha1,
        class: ContentClass::Symlink,
        encoding: None,
        lines: 0,
    };
    Analysed {
        entry,
        findings: vec![Finding::file_level(&shown, FindingKind::Symlink, detail)],
        counts: vec![(FindingKind::Symlink, 1)],
    }
}

/// How the health report describes where a link leads.
fn symlink_destination(link: &[u8], target: &[u8]) -> &'static str {
    match crate::path::link_target(link, target) {
        crate::path::LinkTarget::Inside => "inside the snapshot",
        crate::path::LinkTarget::Escapes => "points outside the snapshot",
        crate::path::LinkTarget::Absolute => "absolute path outside the snapshot",
    }
}

fn ingest_archive(
    path: &Path,
    format: archive::ArchiveFormat,
    config: &IngestConfig,
    progress: &Progress,
) -> Result<Snapshot, SnapshotError> {
    let archive_sha256 = sha256_file(path)?;
    let origin = Origin::Archive { path: path.to_path_buf(), format, sha256: archive_sha256.clone() };
    let cache_file = config.cache_dir.as_deref().map(|dir| cache::archive_cache_file(dir, &archive_sha256));
    if let Some(file) = &cache_file {
        // The content is a function of the archive's bytes: reuse what was found, as long as the unpacked
        // copy the files are read from is still there (or no copy is wanted).
        let unpacked = config.scratch_dir.as_ref().map(|dir| dir.join(&archive_sha256));
        if unpacked.as_ref().is_none_or(|d| d.is_dir())
            && let Some(entries) = cache::load(file, config)
        {
            let analysed: Vec<Analysed> = entries.into_iter().map(|c| c.analysed).collect();
            let cached = analysed.len() as u64;
            let git_root = unpacked.clone();
            let mut snap = assemble(origin, unpacked, analysed, Vec::new(), git_root, config);
            snap.cached_files = cached;
            return Ok(snap);
        }
    }
    let unpacking = match &config.scratch_dir {
        Some(dir) => Some(Unpacking::start(dir.join(&archive_sha256))?),
        None => None,
    };
    let compressed = std::fs::metadata(path).map_err(|e| SnapshotError::io(path, e))?.len();
    progress.set_phase("unpacking", compressed);
    let mut analysed: Vec<Analysed> = Vec::new();
    let mut batch: Vec<ArchiveItem> = Vec::new();
    let mut batch_bytes = 0usize;
    let mut by_path: BTreeMap<Vec<u8>, usize> = BTreeMap::new();
    let flush = |batch: &mut Vec<ArchiveItem>,
                 analysed: &mut Vec<Analysed>,
                 by_path: &mut BTreeMap<Vec<u8>, usize>| {
        let done: Vec<Analysed> = batch.par_drain(..).map(|item| analyse_item(item, config)).collect();
        for a in done {
            by_path.insert(a.entry.path.as_bytes().to_vec(), analysed.len());
            progress.advance(1, a.entry.size_bytes);
            analysed.push(a);
        }
    };
    archive::read(path, format, &config.archive, &mut |item: ArchiveItem| {
        if progress.is_cancelled() {
            return Err(SnapshotError::Cancelled);
        }
        if let Some(u) = &unpacking {
            u.write(&item)?;
        }
        if let ItemKind::HardLink { target } = &item.kind {
            // The content is the earlier file's: flush so it is analysed, then copy its hashes.
            flush(&mut batch, &mut analysed, &mut by_path);
            batch_bytes = 0;
            let original = by_path.get(target).and_then(|&i| analysed.get(i)).ok_or_else(|| {
                SnapshotError::hostile(
                    path,
                    format!("hard link to `{}` which is not a file", crate::path::display_bytes(target)),
                )
            })?;
            let mut entry = original.entry.clone();
            let findings: Vec<Finding> = original
                .findings
                .iter()
                .cloned()
                .map(|mut f| {
                    f.path = crate::path::display_bytes(&item.path);
                    f
                })
                .collect();
            let counts = original.counts.clone();
            entry.path = RelPath::from_bytes(item.path.clone());
            entry.in_tree = !gitid::git_refuses_path(&item.path);
            by_path.insert(item.path.clone(), analysed.len());
            analysed.push(Analysed { entry, findings, counts });
            return Ok(());
        }
        batch_bytes += item.content.len();
        batch.push(item);
        if batch_bytes > 64 * 1024 * 1024 || batch.len() >= 2048 {
            flush(&mut batch, &mut analysed, &mut by_path);
            batch_bytes = 0;
        }
        Ok(())
    })?;
    flush(&mut batch, &mut analysed, &mut by_path);
    let content_root = match unpacking {
        Some(u) => Some(u.finish()?),
        None => None,
    };
    if let Some(file) = &cache_file {
        let _ = cache::store(file, config, cache::now_ns(), analysed.iter().map(|a| (None, a)));
    }
    // The checkout check reads `.git` from the unpacked copy, when there is one.
    let git_root = content_root.clone();
    Ok(assemble(origin, content_root, analysed, Vec::new(), git_root, config))
}

fn analyse_item(item: ArchiveItem, config: &IngestConfig) -> Analysed {
    let path = RelPath::from_bytes(item.path);
    match item.kind {
        ItemKind::File { executable } => analyse_file(path, executable, &item.content, config),
        ItemKind::Symlink { target } => analyse_symlink(path, target),
        // Hard links are resolved by the caller before batching.
        ItemKind::HardLink { .. } => analyse_file(path, false, &item.content, config),
    }
}

fn sha256_file(path: &Path) -> Result<String, SnapshotError> {
    let mut f = File::open(path).map_err(|e| SnapshotError::io(path, e))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).map_err(|e| SnapshotError::io(path, e))?;
        if n == 0 {
            break;
        }
        h.update(buf.get(..n).unwrap_or_default());
    }
    Ok(hex::encode(h.finalize()))
}

fn assemble(
    origin: Origin,
    content_root: Option<PathBuf>,
    analysed: Vec<Analysed>,
    mut findings: Vec<Finding>,
    git_root: Option<PathBuf>,
    _config: &IngestConfig,
) -> Snapshot {
    let mut files = Vec::with_capacity(analysed.len());
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    // Findings passed in come from the walk (special and unreadable entries); count them too.
    for f in &findings {
        *counts.entry(f.kind.as_str().to_owned()).or_default() += 1;
    }
    for a in analysed {
        findings.extend(a.findings);
        for (k, n) in a.counts {
            *counts.entry(k.as_str().to_owned()).or_default() += n;
        }
        files.push(a.entry);
    }
    files.sort_by(|a: &FileEntry, b: &FileEntry| a.path.cmp(&b.path));

    // Paths git refuses: `.git` directories (the root checkout's and nested ones) and NTFS aliases.
    let mut git_dirs: BTreeMap<Vec<u8>, u64> = BTreeMap::new();
    for f in files.iter().filter(|f| !f.in_tree) {
        let p = f.path.as_bytes();
        let mut prefix = Vec::new();
        for c in p.split(|&b| b == b'/') {
            if !prefix.is_empty() {
                prefix.push(b'/');
            }
            prefix.extend_from_slice(c);
            if gitid::git_refuses_path(c) {
                break;
            }
        }
        *git_dirs.entry(prefix).or_default() += 1;
    }
    for (dir, n) in git_dirs {
        let shown = crate::path::display_bytes(&dir);
        let (kind, detail) = if dir == b".git" {
            (
                FindingKind::NestedRepo,
                format!(
                    "the snapshot root is a git checkout: {n} files of `.git` are listed in the manifest, not part of the tree ids"
                ),
            )
        } else if dir.ends_with(b".git") && dir.rsplit(|&b| b == b'/').next() == Some(b".git") {
            (
                FindingKind::NestedRepo,
                format!(
                    "nested git directory: {n} files listed in the manifest, left out of the tree ids as git leaves them out"
                ),
            )
        } else {
            (
                FindingKind::GitRefusedPath,
                format!(
                    "git refuses this name (an alias of `.git`): {n} files listed, left out of the tree ids"
                ),
            )
        };
        *counts.entry(kind.as_str().to_owned()).or_default() += 1;
        findings.push(Finding::file_level(&shown, kind, detail));
    }

    for f in health::path_findings(files.iter().map(|f| &f.path)) {
        *counts.entry(f.kind.as_str().to_owned()).or_default() += 1;
        findings.push(f);
    }
    findings.sort_by(|a, b| (&a.path, a.line, a.column, a.kind).cmp(&(&b.path, b.line, b.column, b.kind)));

    let items: Vec<TreeItem<'_>> = files
        .iter()
        .filter(|f| f.in_tree)
        .map(|f| TreeItem {
            path: f.path.as_bytes(),
            mode: f.kind.git_mode(),
            blob_sha256: &f.blob_sha256,
            blob_sha1: &f.blob_sha1,
        })
        .collect();
    let (t256, t1) = gitid::tree_ids(&items);
    let files_in_tree = items.len() as u64;
    let tree_sha1 = hex::encode(t1);
    let ids = TreeIds {
        tree_sha256: hex::encode(t256),
        swhid: format!("swh:1:dir:{tree_sha1}"),
        tree_sha1,
        files: files.len() as u64,
        bytes: files.iter().map(|f| f.size_bytes).sum(),
        files_in_tree,
    };
    let mut classes: BTreeMap<String, u64> = BTreeMap::new();
    for f in &files {
        *classes.entry(f.class.as_str().to_owned()).or_default() += 1;
    }
    let git = git_root.as_deref().and_then(|root| gitrepo::inspect(root, &ids));
    if let Some(f) = git.as_ref().and_then(gitrepo::GitCheckout::finding) {
        *counts.entry(f.kind.as_str().to_owned()).or_default() += 1;
        let at = findings
            .partition_point(|g| (&g.path, g.line, g.column, g.kind) <= (&f.path, None, None, f.kind));
        findings.insert(at, f);
    }
    let health = HealthReport { files: files.len() as u64, classes, counts, findings };
    Snapshot { origin, content_root, files, ids, health, git, cached_files: 0 }
}

pub(crate) fn read_raw(snapshot: &Snapshot, entry: &FileEntry) -> Result<Vec<u8>, SnapshotError> {
    if let EntryKind::Symlink { target } = &entry.kind {
        return Ok(target.clone());
    }
    let root = snapshot
        .content_root
        .as_deref()
        .ok_or_else(|| SnapshotError::ContentNotKept { path: entry.path.display() })?;
    let disk = entry.path.to_path(root);
    let mut f = open_nofollow(&disk).map_err(|e| SnapshotError::io(&disk, e))?;
    let mut buf = Vec::with_capacity(usize::try_from(entry.size_bytes).unwrap_or(0));
    f.read_to_end(&mut buf).map_err(|e| SnapshotError::io(&disk, e))?;
    Ok(buf)
}

pub(crate) fn read_verified(snapshot: &Snapshot, entry: &FileEntry) -> Result<Vec<u8>, SnapshotError> {
    let bytes = read_raw(snapshot, entry)?;
    let digest: [u8; 32] = Sha256::digest(&bytes).into();
    if digest != entry.sha256 {
        return Err(SnapshotError::ChangedOnDisk { path: entry.path.display() });
    }
    Ok(bytes)
}

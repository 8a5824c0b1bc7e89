//! The vendor's claim, checked: when the snapshot root is a git checkout, read its HEAD commit and say
//! whether the working tree (as Vitrine hashed it) is exactly that commit's tree.
//!
//! Only the object store is read (loose objects and packs, with deltas), by Vitrine's own code: running
//! `git` on a repository from the party under review could execute its hooks or configured commands. Files
//! are opened without following links (and without blocking on a FIFO), and a `.git` file pointing
//! elsewhere is not followed.
//!
//! The files of `.git` are read through [`GitFiles`]: from the snapshot directory ([`DirFiles`]) or, for
//! an archive, from the blob store by way of the manifest ([`ArchiveFiles`]); no file tree is unpacked.
//!
//! The repository is hostile input, so every cost is bounded before it is paid ([`GitLimits`]): a delta
//! chain is resolved iteratively, at most [`GitLimits::max_delta_depth`] deep, and a chain that comes back
//! to an object it has already visited (by pack offset or by id) is a cycle; every object's size is
//! checked against [`GitLimits::max_object_bytes`] before anything is allocated, zlib inflation stops at
//! the declared size, a delta must copy only from inside its base and write exactly the size it declares,
//! and everything inflated or built counts against [`GitLimits::total_bytes`]. Packs and their indexes are
//! read at offsets, never whole. A repository that breaks a rule is reported as a problem (and a health
//! finding, see [`GitCheckout::finding`]); it never stops the snapshot from opening.

use std::borrow::Cow;
use std::collections::HashSet;
use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::blobs::BlobStore;
use crate::error::SnapshotError;
use crate::files::Files;
use crate::gitid::TreeIds;
use crate::health::{Finding, FindingKind};
use crate::ingest::RootDir;
use crate::{EntryKind, FileEntry};

/// What the snapshot root's `.git` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GitEntry {
    /// A real directory: a repository whose objects can be read.
    Directory,
    /// A regular file (a linked worktree or a submodule's `gitdir:` pointer).
    File,
    /// A symlink or anything else: never followed.
    Other,
}

/// The files of the snapshot root's `.git`, named by their path relative to the snapshot root
/// (`.git/HEAD`, `.git/objects/pack/…`).
pub trait GitFiles {
    /// What `.git` at the root is; `None` when there is none.
    fn git_entry(&self) -> Option<GitEntry>;
    /// Whether anything (of any type) is at `rel`.
    fn exists(&self, rel: &Path) -> bool;
    /// Opens the regular file at `rel` for (positioned) reading, without following a final link and
    /// without blocking; anything other than a regular file is an error.
    fn open(&self, rel: &Path) -> std::io::Result<File>;
    /// The names of the entries directly inside the directory `rel`, in no particular order.
    fn list(&self, rel: &Path) -> std::io::Result<Vec<OsString>>;
}

/// `.git` read in place below a snapshot directory, through the one descriptor of the snapshot root
/// that ingest holds: every file, listing and look-up is reached from it with no link followed at any
/// component (`openat2` with `RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS`, or a walk of the components with
/// `O_NOFOLLOW` on older kernels), so `.git/refs`
/// or `.git/objects` being a link out of the snapshot makes what lies below it absent, never read.
#[derive(Debug, Clone, Copy)]
pub struct DirFiles<'a> {
    root: &'a RootDir,
}

impl<'a> DirFiles<'a> {
    /// Reads `.git` below the held snapshot root `root`; nothing is opened until asked.
    pub(crate) fn below(root: &'a RootDir) -> DirFiles<'a> {
        DirFiles { root }
    }
}

/// The error for a read that met a link on the way: said as such, not as the kernel's `ELOOP`/`EXDEV`.
fn no_link(e: std::io::Error) -> std::io::Error {
    match e.raw_os_error() {
        Some(libc::ELOOP | libc::EXDEV) => {
            std::io::Error::other("a symlink is on the way (links inside `.git` are never followed)")
        }
        _ => e,
    }
}

impl GitFiles for DirFiles<'_> {
    fn git_entry(&self) -> Option<GitEntry> {
        let mode = self.root.lstat(b".git").ok()?.st_mode & libc::S_IFMT;
        Some(match mode {
            libc::S_IFDIR => GitEntry::Directory,
            libc::S_IFREG => GitEntry::File,
            _ => GitEntry::Other,
        })
    }

    fn exists(&self, rel: &Path) -> bool {
        self.root.lstat(rel.as_os_str().as_bytes()).is_ok()
    }

    fn open(&self, rel: &Path) -> std::io::Result<File> {
        let f = self.root.open_file(rel.as_os_str().as_bytes()).map_err(no_link)?;
        if !f.metadata()?.is_file() {
            return Err(std::io::Error::other("not a regular file"));
        }
        Ok(f)
    }

    fn list(&self, rel: &Path) -> std::io::Result<Vec<OsString>> {
        let fd = self.root.open_dir(rel.as_os_str().as_bytes()).map_err(no_link)?;
        let mut names = Vec::new();
        for entry in rustix::fs::Dir::read_from(&fd)? {
            let name = entry?.file_name().to_bytes().to_vec();
            if name != b"." && name != b".." {
                names.push(OsString::from_vec(name));
            }
        }
        Ok(names)
    }
}

/// `.git` of an archive snapshot: its files are the manifest's regular files (sorted by path, as a
/// [`crate::Snapshot`] holds them), their bytes the blobs of the store named by their SHA-256. Symlinks
/// are not files, and are never followed.
///
/// The rows of an imported snapshot are read from its record when asked for, and a read can find the
/// record damaged: the first such error is kept in `damage` (the lookup that met it answers "absent"),
/// and the caller must check it after the inspection, which is then not to be used.
#[derive(Debug, Clone, Copy)]
pub struct ArchiveFiles<'a> {
    files: &'a Files,
    store: &'a BlobStore,
    damage: Option<&'a std::cell::OnceCell<SnapshotError>>,
}

impl<'a> ArchiveFiles<'a> {
    /// The files of a decoded manifest (nothing to read, nothing can be damaged).
    pub(crate) fn new(files: &'a Files, store: &'a BlobStore) -> ArchiveFiles<'a> {
        ArchiveFiles { files, store, damage: None }
    }

    /// The files of a manifest whose rows are read when asked for, keeping the first damage in `damage`.
    pub(crate) fn reading(
        files: &'a Files,
        store: &'a BlobStore,
        damage: &'a std::cell::OnceCell<SnapshotError>,
    ) -> ArchiveFiles<'a> {
        ArchiveFiles { files, store, damage: Some(damage) }
    }

    /// `read`'s answer, or `None` after keeping its error.
    fn checked<T>(&self, read: Result<Option<T>, SnapshotError>) -> Option<T> {
        read.unwrap_or_else(|e| {
            if let Some(damage) = self.damage {
                let _ = damage.set(e);
            }
            None
        })
    }

    fn entry(&self, rel: &[u8]) -> Option<Cow<'a, FileEntry>> {
        let i = self.checked(self.files.find(rel))?;
        self.checked(self.files.get(i))
    }

    /// The entries below the directory `rel` (their paths start with `rel/`).
    fn below(&self, rel: &[u8]) -> impl Iterator<Item = &'a [u8]> {
        let mut prefix = rel.to_vec();
        prefix.push(b'/');
        let files = self.files;
        let start = self.checked(files.partition_point(|p| p < prefix.as_slice()).map(Some));
        let this = *self;
        (start.unwrap_or(files.len())..files.len()).map_while(move |i| {
            this.checked(files.path(i))?.strip_prefix(prefix.as_slice()).filter(|rest| !rest.is_empty())
        })
    }
}

impl GitFiles for ArchiveFiles<'_> {
    fn git_entry(&self) -> Option<GitEntry> {
        match self.entry(b".git").as_deref().map(|f| &f.kind) {
            Some(EntryKind::File { .. }) => Some(GitEntry::File),
            Some(EntryKind::Symlink { .. }) => Some(GitEntry::Other),
            None => self.below(b".git").next().map(|_| GitEntry::Directory),
        }
    }

    fn exists(&self, rel: &Path) -> bool {
        let rel = rel.as_os_str().as_bytes();
        self.entry(rel).is_some() || self.below(rel).next().is_some()
    }

    fn open(&self, rel: &Path) -> std::io::Result<File> {
        let entry = self.entry(rel.as_os_str().as_bytes()).ok_or(std::io::ErrorKind::NotFound)?;
        if !matches!(entry.kind, EntryKind::File { .. }) {
            return Err(std::io::Error::other("not a regular file"));
        }
        let f = open_regular(&self.store.path_of(&entry.sha256))?;
        if f.metadata()?.len() != entry.size_bytes {
            return Err(std::io::Error::other("its blob is not the size the manifest records"));
        }
        Ok(f)
    }

    fn list(&self, rel: &Path) -> std::io::Result<Vec<OsString>> {
        let mut names: Vec<OsString> = Vec::new();
        for rest in self.below(rel.as_os_str().as_bytes()) {
            let name = rest.split(|&b| b == b'/').next().unwrap_or_default();
            if names.last().is_none_or(|last| last.as_bytes() != name) {
                names.push(OsStr::from_bytes(name).to_os_string());
            }
        }
        if names.is_empty() {
            return Err(std::io::ErrorKind::NotFound.into());
        }
        Ok(names)
    }
}

/// What the root `.git` says, and whether the snapshot matches it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GitCheckout {
    /// `sha1` or `sha256`.
    pub object_format: String,
    /// The symbolic ref HEAD points to, e.g. `refs/heads/main` (none when detached).
    pub head_ref: Option<String>,
    /// The HEAD commit id.
    pub commit: Option<String>,
    /// The tree id of the HEAD commit.
    pub commit_tree: Option<String>,
    /// Whether the snapshot's tree id (in the repository's object format) equals the commit's tree.
    pub matches_head: Option<bool>,
    /// Why any of the above could not be determined.
    pub problem: Option<String>,
    /// Whether `problem` is a repository that could not be read (as opposed to one deliberately not read).
    #[serde(skip)]
    unreadable: bool,
}

impl GitCheckout {
    /// The health finding for a repository that could not be read: what a reviewer must know, since its
    /// claim about HEAD could not be checked.
    pub fn finding(&self) -> Option<Finding> {
        let problem = self.problem.as_deref().filter(|_| self.unreadable)?;
        Some(Finding::file_level(
            ".git",
            FindingKind::GitMetadata,
            format!("git metadata unreadable: {problem}; HEAD was not checked against the snapshot"),
        ))
    }
}

/// What reading a hostile repository may cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GitLimits {
    /// Largest object (after inflation or delta resolution) that is read at all.
    pub max_object_bytes: u64,
    /// Bytes inflated and built by deltas, in total, for one inspection.
    pub total_bytes: u64,
    /// Longest delta chain followed (git itself never writes chains deeper than 4095; 50 by default).
    pub max_delta_depth: usize,
    /// Packs looked at.
    pub max_packs: usize,
}

impl Default for GitLimits {
    fn default() -> Self {
        GitLimits { max_object_bytes: 16 << 20, total_bytes: 64 << 20, max_delta_depth: 4095, max_packs: 256 }
    }
}

/// Largest `HEAD`, loose ref or `config` file read.
const SMALL_FILE_BYTES: u64 = 1 << 20;
/// Longest line of `packed-refs` considered (longer ones cannot name a ref and are skipped).
const MAX_REF_LINE: usize = 4096;

/// Inspects `root/.git` of a snapshot directory. Returns `None` when there is no `.git` at the root (or
/// the root cannot be opened).
pub fn inspect(root: &Path, ids: &TreeIds) -> Option<GitCheckout> {
    inspect_with(root, ids, &GitLimits::default())
}

/// [`inspect`] with explicit limits.
pub fn inspect_with(root: &Path, ids: &TreeIds, limits: &GitLimits) -> Option<GitCheckout> {
    let root = RootDir::open(root).ok()?;
    inspect_files(&DirFiles::below(&root), ids, limits)
}

/// [`inspect`] of the snapshot root ingest holds (the very directory that was hashed).
pub(crate) fn inspect_dir(root: &RootDir, ids: &TreeIds) -> Option<GitCheckout> {
    inspect_files(&DirFiles::below(root), ids, &GitLimits::default())
}

/// Inspects the `.git` of a snapshot whose files are read through `files` (a directory or an archive's
/// blobs). Returns `None` when there is no `.git` at the root.
pub fn inspect_files(files: &dyn GitFiles, ids: &TreeIds, limits: &GitLimits) -> Option<GitCheckout> {
    let kind = files.git_entry()?;
    let mut out = GitCheckout {
        object_format: "sha1".into(),
        head_ref: None,
        commit: None,
        commit_tree: None,
        matches_head: None,
        problem: None,
        unreadable: false,
    };
    if kind != GitEntry::Directory {
        out.problem = Some(if kind == GitEntry::File {
            "`.git` is a file (a linked worktree or submodule); its repository lies outside the snapshot and is not read".into()
        } else {
            "`.git` is a symlink; it is not followed".into()
        });
        return Some(out);
    }
    match resolve(files, limits) {
        Ok((format, head_ref, commit, tree)) => {
            let ours =
                if format == "sha256" { ids.tree_sha256.to_string() } else { ids.tree_sha1.to_string() };
            out.matches_head = Some(ours == tree);
            out.object_format = format;
            out.head_ref = head_ref;
            out.commit = Some(commit);
            out.commit_tree = Some(tree);
        }
        Err(problem) => {
            out.problem = Some(problem);
            out.unreadable = true;
        }
    }
    Some(out)
}

/// (object format, HEAD ref, commit id, commit's tree id).
fn resolve(
    files: &dyn GitFiles,
    limits: &GitLimits,
) -> Result<(String, Option<String>, String, String), String> {
    let git_dir = Path::new(".git");
    let config = read_small(files, &git_dir.join("config"), SMALL_FILE_BYTES).unwrap_or_default();
    let config = String::from_utf8_lossy(&config).to_ascii_lowercase();
    let format = if config.lines().any(|l| {
        let l: String = l.chars().filter(|c| !c.is_whitespace()).collect();
        l == "objectformat=sha256"
    }) {
        "sha256"
    } else {
        "sha1"
    };
    let hex_len = if format == "sha256" { 64 } else { 40 };
    let head = read_small(files, &git_dir.join("HEAD"), SMALL_FILE_BYTES)
        .map_err(|e| format!("cannot read .git/HEAD: {e}"))?;
    let head = String::from_utf8_lossy(&head).trim().to_owned();
    // Findings name the file and the problem, never the file's content: what a file holds is the
    // vendor's to say, and a finding travels in the signed export.
    let (head_ref, commit, from) = match head.strip_prefix("ref:") {
        Some(r) => {
            let r = r.trim().to_owned();
            let (id, from) = resolve_ref(files, git_dir, &r)?;
            (Some(r), id, from)
        }
        None => (None, head, "`.git/HEAD`".to_owned()),
    };
    if !is_hex_id(&commit, hex_len) {
        return Err(format!("{from} does not hold a {format} commit id"));
    }
    let mut store = ObjectStore::new(files, git_dir, hex_len, *limits);
    let (kind, body) = store.read(&commit)?;
    if kind != ObjKind::Commit {
        return Err(format!("HEAD {commit} is not a commit"));
    }
    let tree = body
        .strip_prefix(b"tree ")
        .and_then(|rest| rest.get(..hex_len))
        .and_then(|t| std::str::from_utf8(t).ok())
        .filter(|t| is_hex_id(t, hex_len))
        .ok_or_else(|| format!("commit {commit} has no tree line"))?;
    Ok((format.to_owned(), head_ref, commit, tree.to_ascii_lowercase()))
}

fn is_hex_id(s: &str, hex_len: usize) -> bool {
    s.len() == hex_len && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Whether `name` is a ref name that can be read as a path below `.git` and shown as it is: `refs/…`,
/// at most 255 bytes, its components non-empty and not starting with `.` (so no `..`), and only
/// printable ASCII that git allows in a ref name (no space, control, `~^:?*[\\`, no `@{`).
fn is_safe_ref_name(name: &str) -> bool {
    name.len() <= 255
        && name.starts_with("refs/")
        && !name.contains("@{")
        && name.split('/').all(|c| !c.is_empty() && !c.starts_with('.') && !c.ends_with(".lock"))
        && name.bytes().all(|b| b.is_ascii_graphic() && !b"~^:?*[\\".contains(&b))
}

/// The id a ref holds and the file it was read from (for messages).
fn resolve_ref(files: &dyn GitFiles, git_dir: &Path, name: &str) -> Result<(String, String), String> {
    if !is_safe_ref_name(name) {
        return Err("`.git/HEAD` names a ref that is not a valid ref name".to_owned());
    }
    match read_small(files, &git_dir.join(name), SMALL_FILE_BYTES) {
        Ok(bytes) => {
            return Ok((String::from_utf8_lossy(&bytes).trim().to_owned(), format!("`.git/{name}`")));
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(format!("cannot read `.git/{name}`: {e}")),
    }
    let packed = files.open(&git_dir.join("packed-refs")).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => format!("ref {name} not found"),
        _ => format!("cannot read `.git/packed-refs`: {e}"),
    })?;
    let mut found = None;
    for_each_line(packed, MAX_REF_LINE, |line| {
        if found.is_none()
            && !line.starts_with(b"#")
            && !line.starts_with(b"^")
            && let Some(sp) = line.iter().position(|&b| b == b' ')
            && line.get(sp + 1..) == Some(name.as_bytes())
        {
            found = Some(String::from_utf8_lossy(line.get(..sp).unwrap_or_default()).into_owned());
        }
    })
    .map_err(|e| format!("cannot read `.git/packed-refs`: {e}"))?;
    found
        .map(|id| (id, format!("the line of `.git/packed-refs` for {name}")))
        .ok_or_else(|| format!("ref {name} not found (HEAD names a branch with no commits?)"))
}

/// Calls `f` on each line (without its newline) of at most `max_line` bytes; longer lines are skipped.
/// Memory use is bounded whatever the file holds.
fn for_each_line(file: File, max_line: usize, mut f: impl FnMut(&[u8])) -> std::io::Result<()> {
    let mut reader = BufReader::new(file);
    let mut line = Vec::new();
    let mut too_long = false;
    loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            if !too_long && !line.is_empty() {
                f(&line);
            }
            return Ok(());
        }
        let (chunk, used, ends) = match memchr::memchr(b'\n', buf) {
            Some(i) => (buf.get(..i).unwrap_or_default(), i + 1, true),
            None => (buf, buf.len(), false),
        };
        if !too_long && line.len() + chunk.len() <= max_line {
            line.extend_from_slice(chunk);
        } else {
            too_long = true;
            line.clear();
        }
        reader.consume(used);
        if ends {
            if !too_long {
                f(&line);
            }
            line.clear();
            too_long = false;
        }
    }
}

/// Opens a regular file without following a final symlink and without blocking on a FIFO or a device;
/// anything other than a regular file is an error.
fn open_regular(path: &Path) -> std::io::Result<File> {
    let f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NOCTTY | libc::O_NONBLOCK)
        .open(path)?;
    if !f.metadata()?.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    Ok(f)
}

/// Reads a regular file of at most `limit` bytes (a larger one is an error).
fn read_small(files: &dyn GitFiles, path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    let f = files.open(path)?;
    let mut buf = Vec::new();
    f.take(limit + 1).read_to_end(&mut buf)?;
    if buf.len() as u64 > limit {
        return Err(std::io::Error::other(format!("larger than {limit} bytes")));
    }
    Ok(buf)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ObjKind {
    Commit,
    Tree,
    Blob,
    Tag,
}

impl ObjKind {
    fn from_pack(t: u8) -> Option<ObjKind> {
        match t {
            1 => Some(ObjKind::Commit),
            2 => Some(ObjKind::Tree),
            3 => Some(ObjKind::Blob),
            4 => Some(ObjKind::Tag),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            ObjKind::Commit => "commit",
            ObjKind::Tree => "tree",
            ObjKind::Blob => "blob",
            ObjKind::Tag => "tag",
        }
    }

    fn from_name(n: &[u8]) -> Option<ObjKind> {
        match n {
            b"commit" => Some(ObjKind::Commit),
            b"tree" => Some(ObjKind::Tree),
            b"blob" => Some(ObjKind::Blob),
            b"tag" => Some(ObjKind::Tag),
            _ => None,
        }
    }
}

/// Bytes that may still be inflated or built in this inspection.
struct Budget {
    left: u64,
    total: u64,
}

impl Budget {
    fn spend(&mut self, n: u64) -> Result<(), String> {
        self.left = self.left.checked_sub(n).ok_or_else(|| {
            format!(
                "reading HEAD would take more than {} bytes of objects (a crafted repository?)",
                self.total
            )
        })?;
        Ok(())
    }
}

/// A pack and its version-2 index, read at offsets.
struct Pack {
    name: String,
    idx: File,
    idx_len: u64,
    data: File,
    data_len: u64,
    /// Number of objects (from the index).
    count: u64,
}

/// Where an object lives.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Location {
    Loose,
    Packed { pack: usize, offset: u64 },
}

/// One object header of a pack: its type, declared size, and where its data (or delta base) starts.
struct PackHeader {
    type_code: u8,
    size: u64,
    data_at: u64,
}

struct ObjectStore<'f> {
    files: &'f dyn GitFiles,
    git_dir: PathBuf,
    hex_len: usize,
    limits: GitLimits,
    budget: Budget,
    packs: Option<Vec<Pack>>,
}

impl<'f> ObjectStore<'f> {
    fn new(files: &'f dyn GitFiles, git_dir: &Path, hex_len: usize, limits: GitLimits) -> ObjectStore<'f> {
        ObjectStore {
            files,
            git_dir: git_dir.to_path_buf(),
            hex_len,
            limits,
            budget: Budget { left: limits.total_bytes, total: limits.total_bytes },
            packs: None,
        }
    }

    fn loose_path(&self, id: &str) -> PathBuf {
        let (dir, file) = id.split_at(2.min(id.len()));
        self.git_dir.join("objects").join(dir).join(file)
    }

    /// Reads an object, resolving its delta chain iteratively.
    fn read(&mut self, id: &str) -> Result<(ObjKind, Vec<u8>), String> {
        let mut deltas: Vec<Vec<u8>> = Vec::new();
        let mut seen_at: HashSet<(usize, u64)> = HashSet::new();
        let mut seen_ids: HashSet<String> = HashSet::new();
        let mut at = (id.to_owned(), self.locate(id)?);
        let (kind, mut data) = loop {
            if deltas.len() > self.limits.max_delta_depth {
                return Err(format!(
                    "delta chain of object {id} is deeper than {} (a crafted pack?)",
                    self.limits.max_delta_depth
                ));
            }
            seen_ids.insert(at.0.clone());
            let (pack_no, offset) = match at.1 {
                Location::Loose => break self.read_loose(&at.0)?,
                Location::Packed { pack, offset } => (pack, offset),
            };
            if !seen_at.insert((pack_no, offset)) {
                return Err(format!(
                    "delta chain of object {id} loops back to offset {offset} (a crafted pack)"
                ));
            }
            let header = self.pack_header(pack_no, offset)?;
            match header.type_code {
                6 => {
                    let (back, delta_at) = self.ofs_base(pack_no, header.data_at)?;
                    // A base lies before its delta: the chain moves strictly backwards.
                    let base = offset.checked_sub(back).filter(|_| back > 0).ok_or_else(|| {
                        format!("{}: bad delta base offset at {offset}", self.pack_name(pack_no))
                    })?;
                    deltas.push(self.inflate_packed(pack_no, delta_at, header.size)?);
                    at = (
                        format!("{}@{base}", self.pack_name(pack_no)),
                        Location::Packed { pack: pack_no, offset: base },
                    );
                }
                7 => {
                    let n = self.hex_len / 2;
                    let mut raw = vec![0u8; n];
                    self.pack(pack_no)?
                        .data
                        .read_exact_at(&mut raw, header.data_at)
                        .map_err(|e| format!("{}: truncated at {offset}: {e}", self.pack_name(pack_no)))?;
                    let base_id = hex::encode(&raw);
                    if seen_ids.contains(&base_id) {
                        return Err(format!(
                            "delta chain of object {id} loops back to {base_id} (a crafted pack)"
                        ));
                    }
                    deltas.push(self.inflate_packed(pack_no, header.data_at + n as u64, header.size)?);
                    let location = self.locate(&base_id)?;
                    at = (base_id, location);
                }
                t => {
                    let kind = ObjKind::from_pack(t).ok_or_else(|| {
                        format!("{}: unknown object type {t} at offset {offset}", self.pack_name(pack_no))
                    })?;
                    break (kind, self.inflate_packed(pack_no, header.data_at, header.size)?);
                }
            }
        };
        while let Some(delta) = deltas.pop() {
            data = apply_delta(&data, &delta, &self.limits, &mut self.budget)?;
        }
        // The id is the claim being checked: an object stored under an id it does not hash to (say, a
        // well-known upstream commit) must not be believed.
        if object_id(kind, &data, self.hex_len) != id.to_ascii_lowercase() {
            return Err(format!("object {id} does not hash to its id (a forged or corrupt object)"));
        }
        Ok((kind, data))
    }

    fn pack_name(&self, pack: usize) -> String {
        self.packs.as_ref().and_then(|p| p.get(pack)).map_or_else(|| "pack".into(), |p| p.name.clone())
    }

    fn pack(&self, pack: usize) -> Result<&Pack, String> {
        self.packs.as_ref().and_then(|p| p.get(pack)).ok_or_else(|| "pack vanished".to_string())
    }

    /// Finds an object: loose first, then in each pack.
    fn locate(&mut self, id: &str) -> Result<Location, String> {
        if self.files.exists(&self.loose_path(id)) {
            return Ok(Location::Loose);
        }
        let raw_id = hex::decode(id).map_err(|e| e.to_string())?;
        let id_len = self.hex_len / 2;
        for (i, pack) in self.packs()?.iter().enumerate() {
            if let Some(offset) = find_in_idx(pack, &raw_id, id_len)? {
                return Ok(Location::Packed { pack: i, offset });
            }
        }
        Err(format!("object {id} not found in the repository"))
    }

    /// The packs of `objects/pack`, opened once (sorted by name, at most `max_packs`).
    fn packs(&mut self) -> Result<&[Pack], String> {
        if self.packs.is_none() {
            let dir = self.git_dir.join("objects").join("pack");
            let mut names: Vec<PathBuf> = match self.files.list(&dir) {
                Ok(entries) => entries
                    .into_iter()
                    .map(|name| dir.join(name))
                    .filter(|p| p.extension().is_some_and(|x| x == "idx"))
                    .collect(),
                Err(_) => Vec::new(),
            };
            names.sort();
            names.truncate(self.limits.max_packs);
            let mut packs = Vec::new();
            for idx_path in names {
                packs.push(open_pack(self.files, &idx_path, self.hex_len / 2)?);
            }
            self.packs = Some(packs);
        }
        Ok(self.packs.as_deref().unwrap_or_default())
    }

    fn pack_header(&self, pack_no: usize, offset: u64) -> Result<PackHeader, String> {
        let pack = self.pack(pack_no)?;
        let mut head = [0u8; 16];
        let n = read_at_most(&pack.data, &mut head, offset, pack.data_len);
        let bad = || format!("{}: bad object header at offset {offset}", pack.name);
        let mut bytes = head.get(..n).unwrap_or_default().iter();
        let mut c = *bytes.next().ok_or_else(bad)?;
        let type_code = (c >> 4) & 7;
        let mut size = u64::from(c & 15);
        let mut shift = 4u32;
        let mut used = 1u64;
        while c & 0x80 != 0 {
            c = *bytes.next().ok_or_else(bad)?;
            used += 1;
            if shift > 57 {
                return Err(bad());
            }
            size |= u64::from(c & 0x7f) << shift;
            shift += 7;
        }
        Ok(PackHeader { type_code, size, data_at: offset + used })
    }

    /// Reads the negative offset of an OFS_DELTA base; returns it and where the delta data starts.
    fn ofs_base(&self, pack_no: usize, at: u64) -> Result<(u64, u64), String> {
        let pack = self.pack(pack_no)?;
        let mut head = [0u8; 10];
        let n = read_at_most(&pack.data, &mut head, at, pack.data_len);
        let bad = || format!("{}: bad delta base offset at {at}", pack.name);
        let mut bytes = head.get(..n).unwrap_or_default().iter();
        let mut c = *bytes.next().ok_or_else(bad)?;
        let mut back = u64::from(c & 0x7f);
        let mut used = 1u64;
        while c & 0x80 != 0 {
            c = *bytes.next().ok_or_else(bad)?;
            used += 1;
            back =
                back.checked_add(1).and_then(|b| b.checked_mul(128)).ok_or_else(bad)? | u64::from(c & 0x7f);
        }
        Ok((back, at + used))
    }

    /// Inflates the zlib stream at `at`, which must produce exactly `size` bytes.
    fn inflate_packed(&mut self, pack_no: usize, at: u64, size: u64) -> Result<Vec<u8>, String> {
        self.admit(size)?;
        let pack = self.pack(pack_no)?;
        let mut file = &pack.data;
        file.seek(SeekFrom::Start(at)).map_err(|e| format!("{}: {e}", pack.name))?;
        let reader = BufReader::with_capacity(64 * 1024, file);
        let out = inflate_exact(flate2::read::ZlibDecoder::new(reader), size)
            .map_err(|e| format!("{}: object at offset {at}: {e}", pack.name))?;
        Ok(out)
    }

    /// Checks an object's declared size against the limits and charges it to the budget.
    fn admit(&mut self, size: u64) -> Result<(), String> {
        if size > self.limits.max_object_bytes {
            return Err(format!(
                "an object declares {size} bytes, more than the {} read (a crafted repository?)",
                self.limits.max_object_bytes
            ));
        }
        self.budget.spend(size)
    }

    fn read_loose(&mut self, id: &str) -> Result<(ObjKind, Vec<u8>), String> {
        let path = self.loose_path(id);
        let shown = format!("loose object {id}");
        let file = self.files.open(&path).map_err(|e| format!("{shown}: {e}"))?;
        let mut z = BufReader::new(flate2::read::ZlibDecoder::new(BufReader::new(file)));
        let mut header = Vec::new();
        (&mut z).take(64).read_until(0, &mut header).map_err(|e| format!("{shown}: corrupt: {e}"))?;
        let header = header.strip_suffix(b"\0").ok_or_else(|| format!("{shown}: no object header"))?;
        let mut parts = header.splitn(2, |&b| b == b' ');
        let kind = parts.next().and_then(ObjKind::from_name);
        let size = parts.next().and_then(|s| std::str::from_utf8(s).ok()).and_then(|s| s.parse::<u64>().ok());
        let (Some(kind), Some(size)) = (kind, size) else {
            return Err(format!("{shown}: bad object header"));
        };
        self.admit(size)?;
        let body = inflate_exact(z, size).map_err(|e| format!("{shown}: {e}"))?;
        Ok((kind, body))
    }
}

/// The git object id of an object, in the format with ids of `hex_len` hex digits.
fn object_id(kind: ObjKind, body: &[u8], hex_len: usize) -> String {
    use sha2::Digest;
    let header = format!("{} {}\0", kind.name(), body.len());
    if hex_len == 64 {
        let mut h = sha2::Sha256::new();
        h.update(header.as_bytes());
        h.update(body);
        hex::encode(h.finalize())
    } else {
        let mut h = sha1::Sha1::new();
        h.update(header.as_bytes());
        h.update(body);
        hex::encode(h.finalize())
    }
}

/// Reads up to `buf.len()` bytes at `offset` (fewer near the end of the file); returns how many.
fn read_at_most(file: &File, buf: &mut [u8], offset: u64, len: u64) -> usize {
    let n = usize::try_from(len.saturating_sub(offset)).unwrap_or(usize::MAX).min(buf.len());
    let read = buf.get_mut(..n).is_some_and(|part| file.read_exact_at(part, offset).is_ok());
    if read { n } else { 0 }
}

/// Reads a zlib stream (or the rest of an already inflating reader) that must yield exactly `size`
/// bytes; stops one byte past `size`, whatever the stream claims.
fn inflate_exact(reader: impl Read, size: u64) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(usize::try_from(size).unwrap_or(0).min(1 << 20));
    let mut limited = reader.take(size + 1);
    match limited.read_to_end(&mut out) {
        Ok(_) => {}
        // A stream cut right after the declared size still gave everything needed.
        Err(e) if out.len() as u64 != size => return Err(format!("corrupt: {e}")),
        Err(_) => {}
    }
    if out.len() as u64 != size {
        return Err(format!("inflates to {} bytes where {size} are declared", out.len()));
    }
    Ok(out)
}

fn open_pack(files: &dyn GitFiles, idx_path: &Path, id_len: usize) -> Result<Pack, String> {
    let name = idx_path.file_name().map_or_else(|| "pack".into(), |n| n.to_string_lossy().into_owned());
    let idx = files.open(idx_path).map_err(|e| format!("{name}: {e}"))?;
    let idx_len = idx.metadata().map_err(|e| format!("{name}: {e}"))?.len();
    let data_path = idx_path.with_extension("pack");
    let data = files.open(&data_path).map_err(|e| format!("{name}: its pack: {e}"))?;
    let data_len = data.metadata().map_err(|e| format!("{name}: {e}"))?.len();
    let mut head = [0u8; 8];
    idx.read_exact_at(&mut head, 0).map_err(|_| format!("{name}: truncated pack index"))?;
    if head != *b"\xfftOc\0\0\0\x02" {
        return Err(format!("{name}: unsupported pack index version"));
    }
    let mut sig = [0u8; 8];
    data.read_exact_at(&mut sig, 0).map_err(|_| format!("{name}: truncated pack"))?;
    if sig.get(..4) != Some(b"PACK") || !matches!(sig.get(4..8), Some([0, 0, 0, 2 | 3])) {
        return Err(format!("{name}: not a version 2 or 3 pack"));
    }
    let count = u64::from(be32_at(&idx, 8 + 255 * 4).ok_or_else(|| format!("{name}: truncated pack index"))?);
    // The names, the CRCs and the offsets must all be in the file.
    let need = (8 + 256 * 4) + count * (id_len as u64 + 8);
    if need > idx_len {
        return Err(format!("{name}: pack index claims {count} objects but is {idx_len} bytes long"));
    }
    Ok(Pack { name, idx, idx_len, data, data_len, count })
}

fn be32_at(file: &File, at: u64) -> Option<u32> {
    let mut b = [0u8; 4];
    file.read_exact_at(&mut b, at).ok()?;
    Some(u32::from_be_bytes(b))
}

/// Looks an id up in a version-2 pack index; returns its offset in the pack.
fn find_in_idx(pack: &Pack, id: &[u8], id_len: usize) -> Result<Option<u64>, String> {
    let corrupt = |what: &str| format!("{}: corrupt pack index ({what})", pack.name);
    let be32 = |at: u64| be32_at(&pack.idx, at).ok_or_else(|| corrupt("truncated"));
    let first = u64::from(*id.first().ok_or("empty id")?);
    let lo = if first == 0 { 0 } else { u64::from(be32(8 + (first - 1) * 4)?) };
    let hi = u64::from(be32(8 + first * 4)?);
    let n = pack.count;
    if lo > hi || hi > n {
        return Err(corrupt("fan-out table out of order"));
    }
    let names = 8 + 256 * 4;
    let id_len64 = id_len as u64;
    let (mut a, mut b) = (lo, hi);
    let mut name = vec![0u8; id_len];
    while a < b {
        let mid = a + (b - a) / 2;
        pack.idx.read_exact_at(&mut name, names + mid * id_len64).map_err(|_| corrupt("truncated"))?;
        match name.as_slice().cmp(id) {
            std::cmp::Ordering::Equal => {
                let offsets = names + n * id_len64 + n * 4;
                let off = be32(offsets + mid * 4)?;
                let offset = if off & 0x8000_0000 == 0 {
                    u64::from(off)
                } else {
                    let large = offsets + n * 4 + u64::from(off & 0x7fff_ffff) * 8;
                    let mut b8 = [0u8; 8];
                    if large + 8 > pack.idx_len {
                        return Err(corrupt("bad large offset"));
                    }
                    pack.idx.read_exact_at(&mut b8, large).map_err(|_| corrupt("bad large offset"))?;
                    u64::from_be_bytes(b8)
                };
                // Past the 12-byte pack header, and inside the pack.
                if offset < 12 || offset >= pack.data_len {
                    return Err(corrupt("object offset outside the pack"));
                }
                return Ok(Some(offset));
            }
            std::cmp::Ordering::Less => a = mid + 1,
            std::cmp::Ordering::Greater => b = mid,
        }
    }
    Ok(None)
}

/// Reads a delta size: little-endian base-128, at most 64 bits.
fn delta_varint(delta: &[u8], pos: &mut usize) -> Result<u64, String> {
    let mut v = 0u64;
    let mut shift = 0u32;
    loop {
        let c = *delta.get(*pos).ok_or("delta truncated")?;
        *pos += 1;
        if shift > 63 {
            return Err("delta size field too long".into());
        }
        v |= u64::from(c & 0x7f).checked_shl(shift).unwrap_or(0);
        shift += 7;
        if c & 0x80 == 0 {
            return Ok(v);
        }
    }
}

/// Applies a git delta to its base. The declared result size is checked against the limits before
/// anything is allocated, every copy must lie inside the base, and the result must be exactly as long as
/// declared (checked as it grows, not after).
fn apply_delta(
    base: &[u8],
    delta: &[u8],
    limits: &GitLimits,
    budget: &mut Budget,
) -> Result<Vec<u8>, String> {
    let mut pos = 0usize;
    let base_len = delta_varint(delta, &mut pos)?;
    let out_len = delta_varint(delta, &mut pos)?;
    if base_len != base.len() as u64 {
        return Err(format!("delta expects a base of {base_len} bytes, the base has {}", base.len()));
    }
    if out_len > limits.max_object_bytes {
        return Err(format!(
            "a delta declares a result of {out_len} bytes, more than the {} read (a crafted pack?)",
            limits.max_object_bytes
        ));
    }
    budget.spend(out_len)?;
    let out_len = usize::try_from(out_len).map_err(|e| e.to_string())?;
    let mut out = Vec::with_capacity(out_len);
    while let Some(&op) = delta.get(pos) {
        pos += 1;
        let piece = if op & 0x80 != 0 {
            let mut off = 0usize;
            let mut len = 0usize;
            for i in 0..4 {
                if op & (1 << i) != 0 {
                    off |= usize::from(*delta.get(pos).ok_or("delta truncated")?) << (8 * i);
                    pos += 1;
                }
            }
            for i in 0..3 {
                if op & (0x10 << i) != 0 {
                    len |= usize::from(*delta.get(pos).ok_or("delta truncated")?) << (8 * i);
                    pos += 1;
                }
            }
            if len == 0 {
                len = 0x10000;
            }
            off.checked_add(len).and_then(|end| base.get(off..end)).ok_or_else(|| {
                format!("delta copies bytes {off}..+{len} from a base of {} bytes", base.len())
            })?
        } else if op != 0 {
            let n = usize::from(op);
            let piece = delta.get(pos..pos + n).ok_or("delta truncated")?;
            pos += n;
            piece
        } else {
            return Err("delta has a zero opcode".into());
        };
        if out.len() + piece.len() > out_len {
            return Err(format!("delta writes more than the {out_len} bytes it declares"));
        }
        out.extend_from_slice(piece);
    }
    if out.len() != out_len {
        return Err(format!("delta builds {} bytes where {out_len} are declared", out.len()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn ids() -> TreeIds {
        TreeIds {
            tree_sha256: Default::default(),
            tree_sha1: Default::default(),
            swhid: String::new(),
            files: 0,
            bytes: 0,
            files_in_tree: 0,
        }
    }

    fn zlib(bytes: &[u8]) -> Vec<u8> {
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(bytes).unwrap();
        z.finish().unwrap()
    }

    /// A pack object header: type and size, as pack files encode them.
    fn header(type_code: u8, mut size: u64) -> Vec<u8> {
        let mut out = vec![(type_code << 4) | (size & 15) as u8];
        size >>= 4;
        while size > 0 {
            *out.last_mut().unwrap() |= 0x80;
            out.push((size & 0x7f) as u8);
            size >>= 7;
        }
        out
    }

    fn varint(mut v: u64) -> Vec<u8> {
        let mut out = Vec::new();
        loop {
            let b = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                out.push(b);
                return out;
            }
            out.push(b | 0x80);
        }
    }

    /// The OFS_DELTA back-offset encoding.
    fn ofs(mut back: u64) -> Vec<u8> {
        let mut out = vec![(back & 0x7f) as u8];
        back >>= 7;
        while back > 0 {
            back -= 1;
            out.insert(0, 0x80 | (back & 0x7f) as u8);
            back >>= 7;
        }
        out
    }

    /// A delta: sizes, then ops.
    fn delta(base_len: u64, out_len: u64, ops: &[u8]) -> Vec<u8> {
        let mut d = varint(base_len);
        d.extend(varint(out_len));
        d.extend_from_slice(ops);
        d
    }

    /// One pack entry: (id it is indexed under, raw entry bytes given its own offset).
    type Entry = ([u8; 20], Box<dyn Fn(u64) -> Vec<u8>>);

    /// A repository whose HEAD is `head` and whose only pack holds `entries` in order.
    fn repo_with_pack(head: [u8; 20], entries: Vec<Entry>) -> tempfile::TempDir {
        let t = tempfile::tempdir().unwrap();
        let git = t.path().join(".git");
        std::fs::create_dir_all(git.join("objects/pack")).unwrap();
        std::fs::write(git.join("HEAD"), format!("{}\n", hex::encode(head))).unwrap();
        let mut pack = b"PACK\0\0\0\x02".to_vec();
        pack.extend((entries.len() as u32).to_be_bytes());
        let mut index: Vec<([u8; 20], u64)> = Vec::new();
        for (id, build) in &entries {
            let at = pack.len() as u64;
            pack.extend(build(at));
            index.push((*id, at));
        }
        pack.extend([0u8; 20]);
        index.sort();
        let mut idx = b"\xfftOc\0\0\0\x02".to_vec();
        for first in 0..256usize {
            let n = index.iter().filter(|(id, _)| usize::from(id[0]) <= first).count() as u32;
            idx.extend(n.to_be_bytes());
        }
        for (id, _) in &index {
            idx.extend(id);
        }
        idx.extend(std::iter::repeat_n(0u8, 4 * index.len()));
        for (_, at) in &index {
            idx.extend((*at as u32).to_be_bytes());
        }
        std::fs::write(git.join("objects/pack/pack-x.pack"), pack).unwrap();
        std::fs::write(git.join("objects/pack/pack-x.idx"), idx).unwrap();
        t
    }

    fn problem(t: &tempfile::TempDir, limits: &GitLimits) -> String {
        let g = inspect_with(t.path(), &ids(), limits).expect("a .git is there");
        assert_eq!(g.matches_head, None, "{g:?}");
        let f = g.finding().expect("an unreadable repository is a health finding");
        assert_eq!(f.kind, FindingKind::GitMetadata);
        assert!(f.detail.starts_with("git metadata unreadable: "), "{}", f.detail);
        g.problem.unwrap()
    }

    fn raw_id(body: &[u8]) -> [u8; 20] {
        hex::decode(object_id(ObjKind::Blob, body, 40)).unwrap().try_into().unwrap()
    }

    #[test]
    fn a_ref_delta_based_on_itself_is_a_cycle_not_a_stack_overflow() {
        let id = [0xAB; 20];
        let t = repo_with_pack(
            id,
            vec![(
                id,
                Box::new(move |_| {
                    let d = zlib(&delta(1, 1, &[1, b'x']));
                    let mut e = header(7, 4);
                    e.extend(id);
                    e.extend(d);
                    e
                }),
            )],
        );
        let p = problem(&t, &GitLimits::default());
        assert!(p.contains("loops back"), "{p}");
    }

    #[test]
    fn ref_deltas_in_a_ring_are_a_cycle() {
        let (a, b) = ([0x11; 20], [0x22; 20]);
        let entry = move |base: [u8; 20]| -> Box<dyn Fn(u64) -> Vec<u8>> {
            Box::new(move |_| {
                let mut e = header(7, 4);
                e.extend(base);
                e.extend(zlib(&delta(1, 1, &[1, b'x'])));
                e
            })
        };
        let t = repo_with_pack(a, vec![(a, entry(b)), (b, entry(a))]);
        let p = problem(&t, &GitLimits::default());
        assert!(p.contains("loops back"), "{p}");
    }

    /// A blob entry at the start of the pack and its id.
    fn blob_entry(body: Vec<u8>) -> Entry {
        let id = raw_id(&body);
        (id, Box::new(move |_| [header(3, body.len() as u64), zlib(&body)].concat()))
    }

    #[test]
    fn a_delta_declaring_a_huge_result_is_refused_before_allocating() {
        let base = blob_entry(b"base".to_vec());
        let base_id = base.0;
        let head = [0xCC; 20];
        let d = delta(4, 1 << 62, &[0x91, 0, 4]);
        let dl = d.len() as u64;
        let t = repo_with_pack(
            head,
            vec![base, (head, Box::new(move |_| [header(7, dl), base_id.to_vec(), zlib(&d)].concat()))],
        );
        let p = problem(&t, &GitLimits::default());
        assert!(p.contains("declares a result of 4611686018427387904 bytes"), "{p}");
    }

    #[test]
    fn copies_must_stay_inside_the_base_and_the_declared_size() {
        for (ops, want) in [
            (vec![0x91u8, 2, 4], "copies bytes 2..+4 from a base of 4 bytes"),
            (vec![0x91, 0, 4, 0x91, 0, 4], "writes more than the 6 bytes it declares"),
            (vec![0x91, 0, 2], "builds 2 bytes where 6 are declared"),
            (vec![0], "zero opcode"),
        ] {
            let base = blob_entry(b"base".to_vec());
            let base_id = base.0;
            let head = [0xCC; 20];
            let d = delta(4, 6, &ops);
            let dl = d.len() as u64;
            let t = repo_with_pack(
                head,
                vec![base, (head, Box::new(move |_| [header(7, dl), base_id.to_vec(), zlib(&d)].concat()))],
            );
            let p = problem(&t, &GitLimits::default());
            assert!(p.contains(want), "{want}: {p}");
        }
    }

    /// A chain of `n` OFS deltas over a blob of `size` bytes, each copying its whole base twice.
    fn doubling_chain(size: usize, n: usize) -> (tempfile::TempDir, [u8; 20]) {
        let mut entries = vec![blob_entry(vec![b'a'; size])];
        let mut starts = vec![12u64];
        let mut at = 12 + header(3, size as u64).len() as u64 + zlib(&vec![b'a'; size]).len() as u64;
        let mut len = size as u64;
        let mut last = [0u8; 20];
        for i in 0..n {
            let mut ops = Vec::new();
            for _ in 0..2 {
                ops.push(0x80 | 0x10 | 0x20 | 0x40);
                ops.extend(&(len as u32).to_le_bytes()[..3]);
            }
            let d = delta(len, len * 2, &ops);
            let back = at - starts.last().unwrap();
            let bytes = [header(6, d.len() as u64), ofs(back), zlib(&d)].concat();
            last = [i as u8 + 1; 20];
            starts.push(at);
            at += bytes.len() as u64;
            entries.push((last, Box::new(move |_| bytes.clone())));
            len *= 2;
        }
        (repo_with_pack(last, entries), last)
    }

    #[test]
    fn amplifying_deltas_stop_at_the_object_and_total_limits() {
        let limits = GitLimits { max_object_bytes: 1 << 20, total_bytes: 3 << 20, ..GitLimits::default() };
        // 64 KiB doubled five times is 2 MiB: over the object limit.
        let (t, _) = doubling_chain(64 << 10, 5);
        let p = problem(&t, &limits);
        assert!(p.contains("more than the 1048576 read"), "{p}");
        // Within the object limit, but 64+128+...+1024 KiB in all is over the total budget.
        let (t, _) = doubling_chain(64 << 10, 4);
        let p = problem(&t, &GitLimits { total_bytes: 1 << 20, ..limits });
        assert!(p.contains("more than 1048576 bytes of objects"), "{p}");
        // The same chain is read within a larger budget (and then fails only on its made-up id).
        let p = problem(&t, &limits);
        assert!(p.contains("does not hash to its id"), "{p}");
    }

    #[test]
    fn a_chain_deeper_than_the_limit_is_refused() {
        let (t, _) = doubling_chain(8, 6);
        let p = problem(&t, &GitLimits { max_delta_depth: 4, ..GitLimits::default() });
        assert!(p.contains("deeper than 4"), "{p}");
    }

    #[test]
    fn an_ofs_delta_must_point_backwards() {
        let head = [0xDD; 20];
        let t = repo_with_pack(
            head,
            vec![(head, Box::new(|_| [header(6, 4), ofs(0), zlib(&delta(1, 1, &[1, b'x']))].concat()))],
        );
        let p = problem(&t, &GitLimits::default());
        assert!(p.contains("bad delta base offset"), "{p}");
    }

    #[test]
    fn an_object_inflating_past_its_declared_size_is_refused() {
        let head = [0xEE; 20];
        let t = repo_with_pack(head, vec![(head, Box::new(|_| [header(1, 3), zlib(b"tree 1234")].concat()))]);
        let p = problem(&t, &GitLimits::default());
        assert!(p.contains("inflates to 4 bytes where 3 are declared"), "{p}");
    }

    fn loose_repo(id: &str, stored: &[u8]) -> tempfile::TempDir {
        let t = tempfile::tempdir().unwrap();
        let git = t.path().join(".git");
        let dir = git.join("objects").join(&id[..2]);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(git.join("HEAD"), format!("{id}\n")).unwrap();
        std::fs::write(dir.join(&id[2..]), zlib(stored)).unwrap();
        t
    }

    #[test]
    fn loose_objects_are_bounded_and_must_hash_to_their_id() {
        let id = "ab".repeat(20);
        let t = loose_repo(&id, b"commit 4611686018427387904\0tree ");
        let p = problem(&t, &GitLimits::default());
        assert!(p.contains("declares 4611686018427387904 bytes"), "{p}");
        // A commit that claims a well-known id it does not have.
        let t = loose_repo(&id, format!("commit 46\0tree {}\n", "0".repeat(40)).as_bytes());
        let p = problem(&t, &GitLimits::default());
        assert!(p.contains("does not hash to its id"), "{p}");
    }

    #[test]
    fn a_genuine_loose_commit_is_read() {
        let body = format!("tree {}\nauthor a <a> 0 +0000\ncommitter a <a> 0 +0000\n\nm\n", "4b".repeat(20));
        let id = object_id(ObjKind::Commit, body.as_bytes(), 40);
        let t = loose_repo(&id, format!("commit {}\0{body}", body.len()).as_bytes());
        let mut want = ids();
        want.tree_sha1 = "4b".repeat(20).parse().unwrap();
        let g = inspect(t.path(), &want).unwrap();
        assert_eq!((g.matches_head, g.problem.as_deref()), (Some(true), None));
        assert_eq!(g.finding(), None);
    }

    /// A genuine loose commit whose tree is `4b…`: its id and its stored (deflated) bytes, and the ids
    /// of a snapshot that matches it.
    fn genuine_commit() -> (String, Vec<u8>, TreeIds) {
        let body = format!("tree {}\nauthor a <a> 0 +0000\ncommitter a <a> 0 +0000\n\nm\n", "4b".repeat(20));
        let id = object_id(ObjKind::Commit, body.as_bytes(), 40);
        let stored = zlib(format!("commit {}\0{body}", body.len()).as_bytes());
        let mut want = ids();
        want.tree_sha1 = "4b".repeat(20).parse().unwrap();
        (id, stored, want)
    }

    /// A pack entry of the loose object `stored` (a commit): its pack header and deflated body.
    fn inflated(stored: &[u8]) -> Vec<u8> {
        let mut raw = Vec::new();
        flate2::read::ZlibDecoder::new(stored).read_to_end(&mut raw).unwrap();
        let body = raw.splitn(2, |&b| b == 0).nth(1).unwrap().to_vec();
        [header(1, body.len() as u64), zlib(&body)].concat()
    }

    /// Writes a complete repository at `git` (a `.git` directory or one outside the snapshot) whose
    /// HEAD is `refs/heads/main` at the genuine commit, with a packed-refs line for it too, a config,
    /// and a reviewer's file `notes.txt`.
    fn full_repo(git: &Path, id: &str, stored: &[u8]) {
        std::fs::create_dir_all(git.join("refs/heads")).unwrap();
        std::fs::create_dir_all(git.join("objects").join(&id[..2])).unwrap();
        std::fs::write(git.join("HEAD"), "ref: refs/heads/main\n").unwrap();
        std::fs::write(git.join("refs/heads/main"), format!("{id}\n")).unwrap();
        std::fs::write(git.join("packed-refs"), format!("{id} refs/heads/main\n")).unwrap();
        std::fs::write(git.join("objects").join(&id[..2]).join(&id[2..]), stored).unwrap();
        std::fs::write(git.join("config"), "[core]\n\trepositoryformatversion = 0\n").unwrap();
        std::fs::write(git.join("notes.txt"), "REVIEWER-PRIVATE line 1\nline 2\n").unwrap();
        std::fs::write(git.join("refs/notes.txt"), "REVIEWER-PRIVATE line 1\nline 2\n").unwrap();
    }

    /// F5: a link anywhere inside `.git` (at every level: `.git` itself, `HEAD`, `refs`, `refs/heads`,
    /// the ref, `packed-refs`, `objects`, the fan-out directory, the object, `objects/pack`) is never
    /// followed out of the snapshot. Each snapshot here holds the repository's files except the one
    /// linked to a complete repository outside: following the link would read the outside repository
    /// and say `matches_head: true`; not following it leaves HEAD unchecked, with a problem that names
    /// the file and never quotes what any file holds.
    #[test]
    fn no_link_inside_git_is_followed_at_any_level() {
        let (id, stored, want) = genuine_commit();
        let t = tempfile::tempdir().unwrap();
        let outside = t.path().join("outside");
        full_repo(&outside, &id, &stored);
        // The same repository inside a snapshot is read and matches.
        let inside = t.path().join("inside");
        full_repo(&inside.join(".git"), &id, &stored);
        assert_eq!(inspect(&inside, &want).unwrap().matches_head, Some(true));

        let object = format!("objects/{}/{}", &id[..2], &id[2..]);
        let fanout = format!("objects/{}", &id[..2]);
        let cases: Vec<(&str, &str)> = vec![
            ("", "ref: refs/heads/main"),
            ("HEAD", "ref: refs/heads/main"),
            ("refs", "ref: refs/heads/main"),
            ("refs/heads", "ref: refs/heads/main"),
            ("refs/heads/main", "ref: refs/heads/main"),
            ("packed-refs", "ref: refs/heads/main"),
            ("objects", "ref: refs/heads/main"),
            (&fanout, "ref: refs/heads/main"),
            (&object, "ref: refs/heads/main"),
            ("objects/pack", "ref: refs/heads/main"),
            ("config", "ref: refs/heads/main"),
            // The repro: HEAD names a "ref" that is the reviewer's file, through a linked `refs`.
            ("refs", "ref: refs/notes.txt"),
        ];
        for (n, (linked, head)) in cases.into_iter().enumerate() {
            let snap = t.path().join(format!("snap{n}"));
            let git = snap.join(".git");
            full_repo(&git, &id, &stored);
            std::fs::write(git.join("HEAD"), format!("{head}\n")).unwrap();
            // Nothing of the repository stays in the snapshot at `linked` but the link.
            let at = if linked.is_empty() { git.clone() } else { git.join(linked) };
            if at.is_dir() {
                std::fs::remove_dir_all(&at).unwrap();
            } else if at.exists() {
                std::fs::remove_file(&at).unwrap();
            }
            if linked == "packed-refs" {
                std::fs::remove_file(git.join("refs/heads/main")).unwrap();
            }
            if linked == "objects/pack" {
                // The loose object is gone too: only the pack outside holds it.
                std::fs::remove_file(git.join(&object)).unwrap();
                let raw: [u8; 20] = hex::decode(&id).unwrap().try_into().unwrap();
                let body = inflated(&stored);
                let packed = repo_with_pack(raw, vec![(raw, Box::new(move |_| body.clone()))]);
                let pack = packed.path().join(".git/objects/pack");
                std::fs::create_dir_all(outside.join("objects/pack")).unwrap();
                for f in ["pack-x.pack", "pack-x.idx"] {
                    std::fs::copy(pack.join(f), outside.join("objects/pack").join(f)).unwrap();
                }
                // Read in place, that pack gives the commit.
                let check = packed.path().join(".git/objects/pack");
                assert!(check.join("pack-x.idx").exists());
                assert_eq!(inspect(packed.path(), &want).unwrap().matches_head, Some(true));
            }
            let target = if linked.is_empty() { outside.clone() } else { outside.join(linked) };
            std::os::unix::fs::symlink(&target, &at).unwrap();
            let g = inspect(&snap, &want).unwrap_or_else(|| panic!("{linked}: a .git is there"));
            let shown = format!("{g:?} {:?}", g.finding());
            assert!(!shown.contains("REVIEWER-PRIVATE"), "{linked}: {shown}");
            if linked == "config" {
                // The config is optional: the repository is read without it, and matches.
                assert_eq!(g.matches_head, Some(true), "{linked}: {shown}");
                continue;
            }
            assert_eq!(g.matches_head, None, "{linked} was followed: {shown}");
            let problem = g.problem.unwrap_or_default();
            assert!(!problem.is_empty(), "{linked}: {shown}");
            if ["HEAD", "refs", "refs/heads", "refs/heads/main"].contains(&linked) {
                assert!(problem.contains("a symlink is on the way"), "{linked}: {problem}");
            }
        }
    }

    /// A config linked out of the snapshot is not read either: a config outside that says sha256 would
    /// make the sha1 HEAD unreadable.
    #[test]
    fn a_linked_config_is_not_read() {
        let (id, stored, want) = genuine_commit();
        let t = tempfile::tempdir().unwrap();
        std::fs::write(t.path().join("cfg"), "[extensions]\n\tobjectformat = sha256\n").unwrap();
        let snap = t.path().join("snap");
        full_repo(&snap.join(".git"), &id, &stored);
        std::fs::remove_file(snap.join(".git/config")).unwrap();
        std::os::unix::fs::symlink(t.path().join("cfg"), snap.join(".git/config")).unwrap();
        let g = inspect(&snap, &want).unwrap();
        assert_eq!((g.object_format.as_str(), g.matches_head), ("sha1", Some(true)), "{g:?}");
    }

    /// A finding names the file and the problem, never what the file holds (it is signed into exports).
    #[test]
    fn problems_never_quote_file_contents() {
        let t = tempfile::tempdir().unwrap();
        let git = t.path().join(".git");
        std::fs::create_dir_all(git.join("refs/heads")).unwrap();
        let secret = "SECRET-CONTENT \u{1b}[2J";
        for (head, main, want) in [
            (secret.to_owned(), None, "`.git/HEAD` does not hold a sha1 commit id"),
            (
                "ref: refs/heads/main".to_owned(),
                Some(secret),
                "`.git/refs/heads/main` does not hold a sha1 commit id",
            ),
            (format!("ref: refs/{secret}"), None, "`.git/HEAD` names a ref that is not a valid ref name"),
            ("ref: refs/../../x".to_owned(), None, "`.git/HEAD` names a ref that is not a valid ref name"),
        ] {
            std::fs::write(git.join("HEAD"), &head).unwrap();
            match main {
                Some(m) => std::fs::write(git.join("refs/heads/main"), m).unwrap(),
                None => {
                    let _ = std::fs::remove_file(git.join("refs/heads/main"));
                }
            }
            assert_eq!(problem(&t, &GitLimits::default()), want);
        }
        std::fs::write(git.join("HEAD"), "ref: refs/heads/main").unwrap();
        std::fs::write(git.join("packed-refs"), "SECRET-CONTENT refs/heads/main\n").unwrap();
        let p = problem(&t, &GitLimits::default());
        assert_eq!(p, "the line of `.git/packed-refs` for refs/heads/main does not hold a sha1 commit id");
    }

    #[test]
    fn a_fifo_for_head_does_not_hang() {
        let t = tempfile::tempdir().unwrap();
        let git = t.path().join(".git");
        std::fs::create_dir_all(&git).unwrap();
        let made = std::process::Command::new("mkfifo").arg(git.join("HEAD")).status().unwrap();
        assert!(made.success());
        let p = problem(&t, &GitLimits::default());
        assert!(p.contains("not a regular file"), "{p}");
    }

    /// `.git` read from an archive's manifest and blob store.
    mod archive {
        use sha2::Digest;

        use super::*;
        use crate::{ContentClass, RelPath};

        fn file(path: &str, bytes: &[u8], store: &BlobStore) -> FileEntry {
            let sha256 = crate::Sha256Id::from_bytes(sha2::Sha256::digest(bytes).into());
            let blob = store.path_of(&sha256);
            std::fs::create_dir_all(blob.parent().unwrap()).unwrap();
            std::fs::write(&blob, bytes).unwrap();
            entry(path, EntryKind::File { executable: false }, sha256, bytes.len() as u64)
        }

        fn entry(path: &str, kind: EntryKind, sha256: crate::Sha256Id, size_bytes: u64) -> FileEntry {
            FileEntry {
                path: RelPath::from_bytes(path.as_bytes().to_vec()),
                kind,
                size_bytes,
                sha256,
                blob_sha256: Default::default(),
                blob_sha1: Default::default(),
                class: ContentClass::Binary,
                encoding: None,
                lines: 0,
                in_tree: false,
            }
        }

        /// The files below `root`, as an archive's sorted manifest with their blobs in `store`.
        fn manifest_of(root: &Path, store: &BlobStore) -> Vec<FileEntry> {
            fn walk(root: &Path, dir: &Path, store: &BlobStore, out: &mut Vec<FileEntry>) {
                for e in std::fs::read_dir(dir).unwrap() {
                    let p = e.unwrap().path();
                    if p.is_dir() {
                        walk(root, &p, store, out);
                    } else {
                        let rel = p.strip_prefix(root).unwrap().to_str().unwrap();
                        out.push(file(rel, &std::fs::read(&p).unwrap(), store));
                    }
                }
            }
            let mut out = Vec::new();
            walk(root, root, store, &mut out);
            out.sort_by(|a, b| a.path.cmp(&b.path));
            out
        }

        fn inspect_archive(files: &[FileEntry], store: &BlobStore) -> Option<GitCheckout> {
            let files = Files::from(files.to_vec());
            inspect_files(&ArchiveFiles::new(&files, store), &ids(), &GitLimits::default())
        }

        #[test]
        fn a_pack_in_the_blob_store_is_read_with_the_same_bounds_as_on_disk() {
            let id = [0xAB; 20];
            let entry: Entry =
                (id, Box::new(move |_| [header(7, 4), id.to_vec(), zlib(&delta(1, 1, &[1, b'x']))].concat()));
            let t = repo_with_pack(id, vec![entry]);
            let blobs = tempfile::tempdir().unwrap();
            let store = BlobStore::at(blobs.path());
            let files = manifest_of(t.path(), &store);
            let g = inspect_archive(&files, &store).expect("the archive has a .git");
            assert!(g.problem.as_deref().is_some_and(|p| p.contains("loops back")), "{g:?}");
            assert_eq!(Some(g), inspect_with(t.path(), &ids(), &GitLimits::default()));
        }

        #[test]
        fn symlinks_and_blobs_of_the_wrong_size_are_not_files() {
            let blobs = tempfile::tempdir().unwrap();
            let store = BlobStore::at(blobs.path());
            assert_eq!(inspect_archive(&[file("a.c", b"int a;\n", &store)], &store), None);

            let link = EntryKind::Symlink { target: b"/etc".to_vec() };
            let g = inspect_archive(&[entry(".git", link.clone(), Default::default(), 4)], &store).unwrap();
            assert!(g.problem.as_deref().is_some_and(|p| p.contains("symlink")), "{g:?}");
            let head = entry(".git/HEAD", link, Default::default(), 4);
            let g = inspect_archive(&[head], &store).unwrap();
            assert!(g.problem.as_deref().is_some_and(|p| p.contains("not a regular file")), "{g:?}");

            // The manifest says 60 bytes; the blob holds 41.
            let mut head = file(".git/HEAD", format!("{}\n", "ab".repeat(20)).as_bytes(), &store);
            head.size_bytes = 60;
            let g = inspect_archive(&[head], &store).unwrap();
            assert!(g.problem.as_deref().is_some_and(|p| p.contains("not the size")), "{g:?}");
        }
    }
}

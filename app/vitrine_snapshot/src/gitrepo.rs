//! The vendor's claim, checked: when the snapshot root is a git checkout, read its HEAD commit and say
//! whether the working tree (as Vitrine hashed it) is exactly that commit's tree.
//!
//! Only the object store is read (loose objects and packs, with deltas), by Vitrine's own code: running
//! `git` on a repository from the party under review could execute its hooks or configured commands. Files
//! are opened without following links, and a `.git` file pointing elsewhere is not followed.

use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::gitid::TreeIds;

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
}

/// Inspects `root/.git`. Returns `None` when there is no `.git` at the root.
pub fn inspect(root: &Path, ids: &TreeIds) -> Option<GitCheckout> {
    let git_dir = root.join(".git");
    let meta = std::fs::symlink_metadata(&git_dir).ok()?;
    let mut out = GitCheckout {
        object_format: "sha1".into(),
        head_ref: None,
        commit: None,
        commit_tree: None,
        matches_head: None,
        problem: None,
    };
    if !meta.is_dir() {
        out.problem = Some(if meta.is_file() {
            "`.git` is a file (a linked worktree or submodule); its repository lies outside the snapshot and is not read".into()
        } else {
            "`.git` is a symlink; it is not followed".into()
        });
        return Some(out);
    }
    match resolve(&git_dir) {
        Ok((format, head_ref, commit, tree)) => {
            let ours = if format == "sha256" { &ids.tree_sha256 } else { &ids.tree_sha1 };
            out.matches_head = Some(*ours == tree);
            out.object_format = format;
            out.head_ref = head_ref;
            out.commit = Some(commit);
            out.commit_tree = Some(tree);
        }
        Err(problem) => out.problem = Some(problem),
    }
    Some(out)
}

/// (object format, HEAD ref, commit id, commit's tree id).
fn resolve(git_dir: &Path) -> Result<(String, Option<String>, String, String), String> {
    let config = read_small(&git_dir.join("config")).unwrap_or_default();
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
    let head = read_small(&git_dir.join("HEAD")).map_err(|e| format!("cannot read .git/HEAD: {e}"))?;
    let head = String::from_utf8_lossy(&head).trim().to_owned();
    let (head_ref, commit) = match head.strip_prefix("ref:") {
        Some(r) => {
            let r = r.trim().to_owned();
            let id = resolve_ref(git_dir, &r)?;
            (Some(r), id)
        }
        None => (None, head),
    };
    if commit.len() != hex_len || !commit.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!("HEAD does not name a {format} commit: `{commit}`"));
    }
    let store = ObjectStore { git_dir: git_dir.to_path_buf(), hex_len };
    let (kind, body) = store.read(&commit)?;
    if kind != ObjKind::Commit {
        return Err(format!("HEAD {commit} is not a commit"));
    }
    let tree = body
        .strip_prefix(b"tree ")
        .and_then(|rest| rest.get(..hex_len))
        .and_then(|t| std::str::from_utf8(t).ok())
        .ok_or_else(|| format!("commit {commit} has no tree line"))?;
    Ok((format.to_owned(), head_ref, commit, tree.to_owned()))
}

fn resolve_ref(git_dir: &Path, name: &str) -> Result<String, String> {
    if name.split('/').any(|c| c == ".." || c.is_empty()) || !name.starts_with("refs/") {
        return Err(format!("HEAD points to an unsafe ref name `{name}`"));
    }
    if let Ok(bytes) = read_small(&git_dir.join(name)) {
        return Ok(String::from_utf8_lossy(&bytes).trim().to_owned());
    }
    let packed = read_small(&git_dir.join("packed-refs")).map_err(|_| format!("ref {name} not found"))?;
    String::from_utf8_lossy(&packed)
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with('^'))
        .find_map(|l| l.split_once(' ').filter(|(_, n)| *n == name).map(|(id, _)| id.to_owned()))
        .ok_or_else(|| format!("ref {name} not found (HEAD names a branch with no commits?)"))
}

/// Reads a regular file of at most 1 GiB without following a symlink.
fn read_small(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut f = crate::ingest::open_nofollow(path)?;
    let mut buf = Vec::new();
    f.by_ref().take(1 << 30).read_to_end(&mut buf)?;
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

struct ObjectStore {
    git_dir: PathBuf,
    hex_len: usize,
}

impl ObjectStore {
    fn read(&self, id: &str) -> Result<(ObjKind, Vec<u8>), String> {
        let (dir, file) = id.split_at(2);
        let loose = self.git_dir.join("objects").join(dir).join(file);
        if let Ok(compressed) = read_small(&loose) {
            let raw = inflate(&compressed, 1 << 30)?;
            let nul = raw.iter().position(|&b| b == 0).ok_or("loose object without header")?;
            let header = raw.get(..nul).unwrap_or_default();
            let kind = header
                .split(|&b| b == b' ')
                .next()
                .and_then(ObjKind::from_name)
                .ok_or("bad loose object type")?;
            return Ok((kind, raw.get(nul + 1..).unwrap_or_default().to_vec()));
        }
        let raw_id = hex::decode(id).map_err(|e| e.to_string())?;
        let pack_dir = self.git_dir.join("objects").join("pack");
        let entries = std::fs::read_dir(&pack_dir).map_err(|_| format!("object {id} not found"))?;
        for e in entries.flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "idx") {
                let idx = read_small(&p).map_err(|e| format!("{}: {e}", p.display()))?;
                if let Some(offset) = find_in_idx(&idx, &raw_id, self.hex_len / 2)? {
                    let pack =
                        read_small(&p.with_extension("pack")).map_err(|e| format!("{}: {e}", p.display()))?;
                    return self.read_packed(&pack, offset, 0);
                }
            }
        }
        Err(format!("object {id} not found in the repository"))
    }

    fn read_packed(&self, pack: &[u8], offset: usize, depth: u32) -> Result<(ObjKind, Vec<u8>), String> {
        if depth > 64 {
            return Err("delta chain too deep".into());
        }
        let mut pos = offset;
        let byte = |p: usize| pack.get(p).copied().ok_or_else(|| "pack truncated".to_string());
        let mut c = byte(pos)?;
        pos += 1;
        let t = (c >> 4) & 7;
        let mut size = (c & 15) as usize;
        let mut shift = 4;
        while c & 0x80 != 0 {
            c = byte(pos)?;
            pos += 1;
            size |= ((c & 0x7f) as usize) << shift;
            shift += 7;
        }
        match t {
            6 => {
                // OFS_DELTA: base at a negative offset, encoded big-endian with +1 per continuation.
                let mut c = byte(pos)?;
                pos += 1;
                let mut back = (c & 0x7f) as usize;
                while c & 0x80 != 0 {
                    c = byte(pos)?;
                    pos += 1;
                    back = ((back + 1) << 7) | (c & 0x7f) as usize;
                }
                let base_off = offset.checked_sub(back).ok_or("bad delta offset")?;
                let (kind, base) = self.read_packed(pack, base_off, depth + 1)?;
                let delta = inflate(pack.get(pos..).unwrap_or_default(), size)?;
                Ok((kind, apply_delta(&base, &delta)?))
            }
            7 => {
                let n = self.hex_len / 2;
                let base_id = pack.get(pos..pos + n).ok_or("pack truncated")?;
                let (kind, base) = self.read(&hex::encode(base_id))?;
                let delta = inflate(pack.get(pos + n..).unwrap_or_default(), size)?;
                Ok((kind, apply_delta(&base, &delta)?))
            }
            t => {
                let kind = ObjKind::from_pack(t).ok_or("bad pack object type")?;
                Ok((kind, inflate(pack.get(pos..).unwrap_or_default(), size)?))
            }
        }
    }
}

fn inflate(data: &[u8], limit: usize) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    flate2::read::ZlibDecoder::new(data)
        .take(limit as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| format!("corrupt object: {e}"))?;
    Ok(out)
}

/// Looks an id up in a version-2 pack index; returns its offset in the pack.
fn find_in_idx(idx: &[u8], id: &[u8], id_len: usize) -> Result<Option<usize>, String> {
    let be32 = |p: usize| -> Result<u32, String> {
        idx.get(p..p + 4)
            .and_then(|b| b.try_into().ok())
            .map(u32::from_be_bytes)
            .ok_or_else(|| "pack index truncated".to_string())
    };
    if idx.get(..4) != Some(b"\xfftOc") || be32(4)? != 2 {
        return Err("unsupported pack index version".into());
    }
    let first = *id.first().ok_or("empty id")? as usize;
    let lo = if first == 0 { 0 } else { be32(8 + (first - 1) * 4)? as usize };
    let hi = be32(8 + first * 4)? as usize;
    let n = be32(8 + 255 * 4)? as usize;
    let names = 8 + 256 * 4;
    let (mut a, mut b) = (lo, hi);
    while a < b {
        let mid = (a + b) / 2;
        let name = idx.get(names + mid * id_len..names + (mid + 1) * id_len).ok_or("pack index truncated")?;
        match name.cmp(id) {
            std::cmp::Ordering::Equal => {
                let offsets = names + n * id_len + n * 4;
                let off = be32(offsets + mid * 4)?;
                if off & 0x8000_0000 == 0 {
                    return Ok(Some(off as usize));
                }
                let large = offsets + n * 4 + (off & 0x7fff_ffff) as usize * 8;
                let bytes: [u8; 8] =
                    idx.get(large..large + 8).and_then(|b| b.try_into().ok()).ok_or("bad large offset")?;
                return Ok(Some(u64::from_be_bytes(bytes) as usize));
            }
            std::cmp::Ordering::Less => a = mid + 1,
            std::cmp::Ordering::Greater => b = mid,
        }
    }
    Ok(None)
}

fn apply_delta(base: &[u8], delta: &[u8]) -> Result<Vec<u8>, String> {
    let mut pos = 0usize;
    let varint = |pos: &mut usize| -> Result<usize, String> {
        let mut v = 0usize;
        let mut shift = 0;
        loop {
            let c = *delta.get(*pos).ok_or("delta truncated")?;
            *pos += 1;
            v |= ((c & 0x7f) as usize) << shift;
            shift += 7;
            if c & 0x80 == 0 {
                return Ok(v);
            }
        }
    };
    let base_len = varint(&mut pos)?;
    let out_len = varint(&mut pos)?;
    if base_len != base.len() {
        return Err("delta base size mismatch".into());
    }
    let mut out = Vec::with_capacity(out_len);
    while let Some(&op) = delta.get(pos) {
        pos += 1;
        if op & 0x80 != 0 {
            let mut off = 0usize;
            let mut len = 0usize;
            for i in 0..4 {
                if op & (1 << i) != 0 {
                    off |= (*delta.get(pos).ok_or("delta truncated")? as usize) << (8 * i);
                    pos += 1;
                }
            }
            for i in 0..3 {
                if op & (0x10 << i) != 0 {
                    len |= (*delta.get(pos).ok_or("delta truncated")? as usize) << (8 * i);
                    pos += 1;
                }
            }
            if len == 0 {
                len = 0x10000;
            }
            out.extend_from_slice(base.get(off..off + len).ok_or("delta copies outside its base")?);
        } else if op != 0 {
            let n = op as usize;
            out.extend_from_slice(delta.get(pos..pos + n).ok_or("delta truncated")?);
            pos += n;
        } else {
            return Err("delta has a zero opcode".into());
        }
    }
    if out.len() != out_len {
        return Err("delta result size mismatch".into());
    }
    Ok(out)
}

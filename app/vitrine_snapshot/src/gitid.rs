//! Git object ids: blob ids and tree ids in both object formats (SHA-256 and SHA-1).
//!
//! A tree object is `"tree " + size + NUL + entries`, each entry `mode SP name NUL raw-id`, entries sorted
//! bytewise with a directory compared as `name + "/"`. Empty directories have no entry (git tracks files).
//! Paths that stock git refuses to add (any component that is `.git` or an NTFS alias of it, which
//! `core.protectNTFS` rejects by default) are left out of the ids, as git leaves them out.

use serde::Serialize;
use sha1::Sha1;
use sha2::{Digest, Sha256};
use vitrine_base::{Sha1Id, Sha256Id};

/// The identity of a snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TreeIds {
    /// git tree id in the SHA-256 object format: the primary digest.
    pub tree_sha256: Sha256Id,
    /// git tree id in the SHA-1 object format (what `git rev-parse COMMIT^{tree}` prints in most repos).
    pub tree_sha1: Sha1Id,
    /// Software Heritage identifier of the directory (`swh:1:dir:` + the SHA-1 tree id).
    pub swhid: String,
    /// Number of files (regular files and symlinks), including those outside the tree ids.
    pub files: u64,
    /// Total bytes of those files.
    pub bytes: u64,
    /// Number of files that are part of the tree ids.
    pub files_in_tree: u64,
}

/// The git blob ids of `content` (SHA-256 format, SHA-1 format), hashing it once per format.
pub fn blob_ids(content: &[u8]) -> (Sha256Id, Sha1Id) {
    let header = format!("blob {}\0", content.len());
    let mut s256 = Sha256::new();
    s256.update(header.as_bytes());
    s256.update(content);
    let mut s1 = Sha1::new();
    s1.update(header.as_bytes());
    s1.update(content);
    (Sha256Id::from_bytes(s256.finalize().into()), Sha1Id::from_bytes(s1.finalize().into()))
}

/// Incremental blob hasher for content that is streamed (its size must be known up front).
#[derive(Debug, Clone)]
pub struct BlobHasher {
    sha256: Sha256,
    blob256: Sha256,
    blob1: Sha1,
}

impl BlobHasher {
    /// Starts hashing a blob of exactly `size` bytes; the git blob header holds the size, so the bytes
    /// later passed to [`BlobHasher::update`] must add up to it or the blob ids are wrong.
    pub fn new(size: u64) -> BlobHasher {
        let header = format!("blob {size}\0");
        let mut blob256 = Sha256::new();
        blob256.update(header.as_bytes());
        let mut blob1 = Sha1::new();
        blob1.update(header.as_bytes());
        BlobHasher { sha256: Sha256::new(), blob256, blob1 }
    }

    /// Feeds the next chunk of the content to all three hashes.
    pub fn update(&mut self, chunk: &[u8]) {
        self.sha256.update(chunk);
        self.blob256.update(chunk);
        self.blob1.update(chunk);
    }

    /// The content SHA-256 and both blob ids of everything fed so far.
    pub fn finish(self) -> Hashes {
        Hashes {
            sha256: Sha256Id::from_bytes(self.sha256.finalize().into()),
            blob_sha256: Sha256Id::from_bytes(self.blob256.finalize().into()),
            blob_sha1: Sha1Id::from_bytes(self.blob1.finalize().into()),
        }
    }
}

/// The three hashes Vitrine keeps of every file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hashes {
    /// SHA-256 of the content (the manifest).
    pub sha256: Sha256Id,
    /// git blob id, SHA-256 object format.
    pub blob_sha256: Sha256Id,
    /// git blob id, SHA-1 object format.
    pub blob_sha1: Sha1Id,
}

/// One file as the tree builder needs it.
#[derive(Debug, Clone, Copy)]
pub struct TreeItem<'a> {
    /// Path bytes relative to the root, `/`-separated, one that git accepts (see [`git_refuses_path`]).
    pub path: &'a [u8],
    /// git tree mode as written in the tree object (`100644`, `100755` or `120000`).
    pub mode: &'a str,
    /// git blob id of the content in the SHA-256 object format.
    pub blob_sha256: &'a Sha256Id,
    /// git blob id of the content in the SHA-1 object format.
    pub blob_sha1: &'a Sha1Id,
}

/// Whether stock git (with its default `core.protectNTFS`) refuses to track a path: some component is
/// `.git` or an alias of it (`.GIT`, `.git.`, `git~1`, `.git::$DATA`…), or is empty, `.` or `..`.
pub fn git_refuses_path(path: &[u8]) -> bool {
    path.split(|&b| b == b'/').any(|c| c.is_empty() || c == b"." || c == b".." || is_ntfs_dotgit(c))
}

/// git's `is_ntfs_dotgit`: a backslash-separated piece that is `.git` or `git~1`, case-insensitively,
/// followed only by spaces and dots, or by an NTFS stream (`:`).
fn is_ntfs_dotgit(component: &[u8]) -> bool {
    component.split(|&b| b == b'\\').any(|piece| {
        let rest = if piece.len() >= 4 && piece.get(..4).is_some_and(|p| p.eq_ignore_ascii_case(b".git")) {
            piece.get(4..)
        } else if piece.len() >= 5 && piece.get(..5).is_some_and(|p| p.eq_ignore_ascii_case(b"git~1")) {
            piece.get(5..)
        } else {
            None
        };
        rest.is_some_and(|rest| {
            let stream = rest.iter().position(|&b| b == b':').unwrap_or(rest.len());
            rest.get(..stream).unwrap_or_default().iter().all(|&b| b == b'.' || b == b' ')
        })
    })
}

/// Computes (SHA-256 tree id, SHA-1 tree id) of the files, which must be sorted by path bytes and
/// contain only paths that git accepts.
pub fn tree_ids(items: &[TreeItem<'_>]) -> (Sha256Id, Sha1Id) {
    let t256 = build_tree::<Sha256>(items, &|i: &TreeItem<'_>| i.blob_sha256.as_bytes());
    let t1 = build_tree::<Sha1>(items, &|i: &TreeItem<'_>| i.blob_sha1.as_bytes());
    (Sha256Id::from_bytes(t256.into()), Sha1Id::from_bytes(t1.into()))
}

/// One entry of a tree object being built.
struct TreeEntry<'a> {
    /// Sort key: the name for files, name + "/" for directories.
    key: Vec<u8>,
    mode: &'a str,
    name: &'a [u8],
    id: Vec<u8>,
}

/// Builds the root tree of `items` (sorted by path bytes, so the files below any directory are
/// contiguous) in one pass, without recursion: a stack holds the directories open on the current path,
/// and each item closes those it is not below and opens its own. Work is linear in the total length of
/// the paths (plus sorting each tree's entries), stack use does not grow with depth.
fn build_tree<'a, D: Digest>(
    items: &[TreeItem<'a>],
    id_of: &dyn Fn(&TreeItem<'a>) -> &'a [u8],
) -> sha2::digest::Output<D> {
    // The root, then each open directory: its name and its entries so far.
    let mut open: Vec<(&'a [u8], Vec<TreeEntry<'a>>)> = vec![(&[], Vec::new())];
    let mut dirs: Vec<&'a [u8]> = Vec::new();
    for item in items {
        dirs.clear();
        dirs.extend(item.path.split(|&b| b == b'/'));
        let Some(name) = dirs.pop() else { continue };
        // Directories still open below the root that this item lies in.
        let kept = open.iter().skip(1).zip(dirs.iter()).take_while(|((open, _), dir)| open == *dir).count();
        while open.len() > kept + 1 {
            close_dir::<D>(&mut open);
        }
        for dir in dirs.get(kept..).unwrap_or_default() {
            open.push((dir, Vec::new()));
        }
        if let Some((_, entries)) = open.last_mut() {
            entries.push(TreeEntry { key: name.to_vec(), mode: item.mode, name, id: id_of(item).to_vec() });
        }
    }
    while open.len() > 1 {
        close_dir::<D>(&mut open);
    }
    let root = open.pop().map(|(_, entries)| entries).unwrap_or_default();
    tree_object::<D>(root)
}

/// Hashes the innermost open directory and adds it to its parent's entries.
fn close_dir<'a, D: Digest>(open: &mut Vec<(&'a [u8], Vec<TreeEntry<'a>>)>) {
    let Some((name, entries)) = open.pop() else { return };
    let id = tree_object::<D>(entries).to_vec();
    let mut key = name.to_vec();
    key.push(b'/');
    if let Some((_, parent)) = open.last_mut() {
        parent.push(TreeEntry { key, mode: "40000", name, id });
    }
}

/// The id of the tree object holding `entries`, in git's order.
fn tree_object<D: Digest>(mut entries: Vec<TreeEntry<'_>>) -> sha2::digest::Output<D> {
    entries.sort_by(|a, b| a.key.cmp(&b.key));
    let mut body = Vec::new();
    for TreeEntry { mode, name, id, .. } in &entries {
        body.extend_from_slice(mode.as_bytes());
        body.push(b' ');
        body.extend_from_slice(name);
        body.push(0);
        body.extend_from_slice(id);
    }
    let mut h = D::new();
    h.update(format!("tree {}\0", body.len()).as_bytes());
    h.update(&body);
    h.finalize()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_tree_ids_are_gits() {
        let (t256, t1) = tree_ids(&[]);
        assert_eq!(t1.to_string(), "4b825dc642cb6eb9a060e54bf8d69288fbee4904");
        assert_eq!(t256.to_string(), "6ef19b41225c5369f1c104d45d8d85efa9b057b53b14b4b9b939dd74decc5321");
    }

    #[test]
    fn blob_id_of_hello() {
        // `printf 'hello\n' | git hash-object --stdin`
        assert_eq!(blob_ids(b"hello\n").1.to_string(), "ce013625030ba8dba906f756967f9e9ca394464a");
        let mut h = BlobHasher::new(6);
        h.update(b"hel");
        h.update(b"lo\n");
        assert_eq!(h.finish().blob_sha1, blob_ids(b"hello\n").1);
    }

    /// git's order puts `a-` and `a.b` before the directory `a` (compared as `a/`), unlike the path
    /// order the items come in (`a-`, `a.b`, `a/b`, ...): `git write-tree` of this tree.
    #[test]
    fn tree_id_of_nested_directories_is_gits() {
        let (hello256, hello1) = blob_ids(b"hello\n");
        let (link256, link1) = blob_ids(b"a.b");
        let item =
            |path: &'static [u8], mode| TreeItem { path, mode, blob_sha256: &hello256, blob_sha1: &hello1 };
        let items = [
            item(b"a-", "100644"),
            item(b"a.b", "100644"),
            item(b"a/b", "100644"),
            item(b"a/c/d", "100755"),
            TreeItem { path: b"l", mode: "120000", blob_sha256: &link256, blob_sha1: &link1 },
        ];
        assert_eq!(tree_ids(&items).1.to_string(), "b8ca9b3a5315319d2e10c2b9f06f6e7cba8f12b8");
    }

    /// Depth costs neither stack nor repeated work: a path 50,000 directories deep (a folder can be
    /// deeper than `PATH_MAX`: the walker opens each directory from its parent) overflowed the stack when
    /// each level recursed, and 3,000 files 2,000 deep took minutes when each level re-scanned every
    /// item's path. The tree of one deep file equals the chain of trees built by hand.
    #[test]
    fn deep_trees_are_built_without_recursion_in_linear_time() {
        let (b256, b1) = blob_ids(b"x");
        let deep: Vec<u8> = [&b"d/".repeat(50_000)[..], b"f"].concat();
        let one = [TreeItem { path: &deep, mode: "100644", blob_sha256: &b256, blob_sha1: &b1 }];
        let got = tree_ids(&one).1;
        let mut id = b1.as_bytes().to_vec();
        let mut entry: (&str, &[u8]) = ("100644", b"f");
        for _ in 0..=50_000 {
            let mut body = format!("{} ", entry.0).into_bytes();
            body.extend_from_slice(entry.1);
            body.push(0);
            body.extend_from_slice(&id);
            let mut h = Sha1::new();
            h.update(format!("tree {}\0", body.len()).as_bytes());
            h.update(&body);
            id = h.finalize().to_vec();
            entry = ("40000", b"d");
        }
        assert_eq!(got.as_bytes(), id.as_slice());

        let dir = b"a/".repeat(2000);
        let paths: Vec<Vec<u8>> =
            (0..3000).map(|i| [&dir[..], format!("f{i:04}").as_bytes()].concat()).collect();
        let items: Vec<TreeItem<'_>> = paths
            .iter()
            .map(|p| TreeItem { path: p, mode: "100644", blob_sha256: &b256, blob_sha1: &b1 })
            .collect();
        let started = std::time::Instant::now();
        let _ = tree_ids(&items);
        assert!(started.elapsed().as_secs() < 60, "{:?}", started.elapsed());
    }

    #[test]
    fn paths_git_refuses() {
        for p in
            [".git/config", "a/.git/HEAD", "a/.GIT/x", "a/.git. /x", "git~1/x", "a/.git::$INDEX_ALLOCATION/x"]
        {
            assert!(git_refuses_path(p.as_bytes()), "{p}");
        }
        for p in [".gitignore", "a/.github/x", "a/git/x", ".gitx", "a/.git-x", "b.git"] {
            assert!(!git_refuses_path(p.as_bytes()), "{p}");
        }
    }
}

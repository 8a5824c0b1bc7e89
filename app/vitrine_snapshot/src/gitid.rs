//! Git object ids: blob ids and tree ids in both object formats (SHA-256 and SHA-1).
//!
//! A tree object is `"tree " + size + NUL + entries`, each entry `mode SP name NUL raw-id`, entries sorted
//! bytewise with a directory compared as `name + "/"`. Empty directories have no entry (git tracks files).
//! Paths that stock git refuses to add (git's `verify_path`: any component that is `.git` or an NTFS
//! alias of it, which `core.protectNTFS` rejects by default, and a symlink named `.gitmodules` or an
//! alias of it) are left out of the ids, and reported: see [`git_refuses_entry`].

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

/// Whether stock git refuses to track a regular file or directory at `path` (see [`git_refuses_entry`]):
/// some component is `.git` or an alias of it (`.GIT`, `.git.`, `git~1`, `.git::$DATA`…), or is empty,
/// `.` or `..`.
pub fn git_refuses_path(path: &[u8]) -> bool {
    git_refuses_entry(path, false)
}

/// Whether stock git refuses to track an entry at `path`, a symlink when `symlink`: git's own
/// `verify_path` (read-cache.c) with its defaults on Linux, `core.protectNTFS` on (the default on every
/// platform since git 2.24) and `core.protectHFS` off (on only on macOS). Refused are a component that
/// is empty, `.` or `..`; a component `.git` (any case) or an NTFS alias of it (`.git . .`, `git~1`,
/// `.git::$INDEX_ALLOCATION`, also after a backslash); and, for a symlink only, a component
/// `.gitmodules` (any case) or, as the last one, an NTFS alias of it (`.gitmodules .`, `gitmod~1`,
/// `gi7eba~1`, `.gitmodules:stream`): git refuses a symlinked `.gitmodules` since CVE-2018-11235.
/// `git add` fails on such a path, so Vitrine leaves it out of the tree ids and reports it.
pub fn git_refuses_entry(path: &[u8], symlink: bool) -> bool {
    !verify_path(path, symlink)
}

/// A port of git's `verify_path_internal` for a non-directory entry, byte for byte: `i` walks the path
/// as git's `path` pointer does, the end of the slice standing for git's terminating NUL.
fn verify_path(path: &[u8], symlink: bool) -> bool {
    let at = |i: usize| path.get(i).copied().unwrap_or(0);
    let rest = |i: usize| path.get(i..).unwrap_or_default();
    let mut i = 0usize;
    loop {
        // git's `inside:` label: `i` is the start of a component.
        if is_ntfs_dotgit(rest(i)) || (symlink && is_ntfs_dotgitmodules(rest(i))) {
            return false;
        }
        let c = at(i);
        i += 1;
        if (c == b'.' && !verify_dotfile(rest(i), symlink)) || c == b'/' || c == 0 {
            // An empty component (`//`, a trailing `/` or an empty path): only a directory may end so.
            return false;
        }
        loop {
            let c = at(i);
            i += 1;
            match c {
                0 => return true,
                b'/' => break,
                b'\\' if is_ntfs_dotgit(rest(i)) || (symlink && is_ntfs_dotgitmodules(rest(i))) => {
                    return false;
                }
                _ => {}
            }
        }
    }
}

/// git's `verify_dotfile`: `rest` follows a component's leading `.`.
fn verify_dotfile(rest: &[u8], symlink: bool) -> bool {
    let at = |i: usize| rest.get(i).copied().unwrap_or(0);
    let ends = |c: u8| c == 0 || c == b'/';
    match at(0) {
        0 | b'/' => false,
        b'g' | b'G' if at(1).eq_ignore_ascii_case(&b'i') && at(2).eq_ignore_ascii_case(&b't') => {
            if ends(at(3)) {
                return false;
            }
            let modules = rest.get(3..10).is_some_and(|m| m.eq_ignore_ascii_case(b"modules"));
            !(symlink && modules && ends(at(10)))
        }
        b'.' => !ends(at(1)),
        _ => true,
    }
}

/// git's `is_ntfs_dotgit`: `name` (the rest of the path from a component's start) begins with `.git`
/// or `git~1`, case-insensitively, followed only by spaces and dots up to the end, a `/`, a `\\` or an
/// NTFS stream (`:`).
fn is_ntfs_dotgit(name: &[u8]) -> bool {
    let rest = if name.get(..4).is_some_and(|p| p.eq_ignore_ascii_case(b".git")) {
        name.get(4..)
    } else if name.get(..5).is_some_and(|p| p.eq_ignore_ascii_case(b"git~1")) {
        name.get(5..)
    } else {
        None
    };
    rest.is_some_and(|rest| {
        for &c in rest {
            if matches!(c, b'/' | b'\\' | b':') {
                return true;
            }
            if c != b'.' && c != b' ' {
                return false;
            }
        }
        true
    })
}

/// git's `is_ntfs_dotgitmodules` (path.c, `is_ntfs_dot_generic` with `gitmodules` and its 8.3 short-name
/// prefix `gi7eba`): `.gitmodules`, the short names `gitmod~1`..`gitmod~4` and `gi7eba~N` (and shorter
/// forms such as `gi7e~12`), case-insensitively, followed only by spaces and dots to the end of the path
/// or to an NTFS stream (`:`).
fn is_ntfs_dotgitmodules(name: &[u8]) -> bool {
    const DOTGIT_NAME: &[u8] = b"gitmodules";
    const SHORT_PREFIX: &[u8] = b"gi7eba";
    let at = |i: usize| name.get(i).copied().unwrap_or(0);
    let only_spaces_and_periods = |from: usize| {
        for &c in name.get(from..).unwrap_or_default() {
            if c == b':' {
                return true;
            }
            if c != b' ' && c != b'.' {
                return false;
            }
        }
        true
    };
    if at(0) == b'.' && name.get(1..11).is_some_and(|n| n.eq_ignore_ascii_case(DOTGIT_NAME)) {
        return only_spaces_and_periods(11);
    }
    if name.get(..6).is_some_and(|n| n.eq_ignore_ascii_case(&DOTGIT_NAME[..6]))
        && at(6) == b'~'
        && (b'1'..=b'4').contains(&at(7))
    {
        return only_spaces_and_periods(8);
    }
    // The fall-back short name: up to six characters of the prefix, `~`, a digit 1-9, then digits, eight
    // characters in all.
    let mut saw_tilde = false;
    let mut i = 0usize;
    while i < 8 {
        let c = at(i);
        if c == 0 {
            return false;
        } else if saw_tilde {
            if !c.is_ascii_digit() {
                return false;
            }
        } else if c == b'~' {
            i += 1;
            if !(b'1'..=b'9').contains(&at(i)) {
                return false;
            }
            saw_tilde = true;
        } else if i >= 6 || c & 0x80 != 0 || Some(&c.to_ascii_lowercase()) != SHORT_PREFIX.get(i) {
            return false;
        }
        i += 1;
    }
    only_spaces_and_periods(i)
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

    /// git 2.47's verdicts (`git update-index --add --cacheinfo MODE,BLOB,PATH` on Linux), symlink then
    /// regular file: `true` = refused.
    const GIT_VERDICTS: &[(&str, bool, bool)] = &[
        (r".gitmodules", true, false),
        (r".GitModules", true, false),
        (r"a/.gitmodules", true, false),
        (r".gitmodules/x", true, false),
        (r".gitmodules .", true, false),
        (r".gitmodules. .", true, false),
        (r".gitmodules:x", true, false),
        (r".gitmodules:x/y", true, false),
        (r".gitmodulesx", false, false),
        (r".gitmodule", false, false),
        (r"gitmod~1", true, false),
        (r"GITMOD~4", true, false),
        (r"gitmod~5", false, false),
        (r"gi7eba~1", true, false),
        (r"gi7eba~9", true, false),
        (r"GI7EBA~1", true, false),
        (r"gi7eb~12", true, false),
        (r"gi7e~123", true, false),
        (r"gi7eba~12", false, false),
        (r"gitmod~1 .", true, false),
        (r"gitmod~1/x", false, false),
        (r"a\.gitmodules", true, false),
        (r"a\gitmod~1", true, false),
        (r".git", true, true),
        (r".GIT/x", true, true),
        (r".git. /x", true, true),
        (r"git~1/x", true, true),
        (r"a/.git::$INDEX_ALLOCATION/x", true, true),
        (r"\.git", false, false),
        (r"a\.git", true, true),
        (r"a\.git/x", true, true),
        (r"x/\.git", false, false),
        (r".gitignore", false, false),
        (r"a/.github/x", false, false),
        (r"b.git", false, false),
        (r".", true, true),
        (r"..", true, true),
        (r"a/./b", true, true),
        (r"a/../b", true, true),
        (r"a//b", true, true),
        (r".git~1", false, false),
        (r"git~2", false, false),
        (r".gitx", false, false),
        (r".g", false, false),
        (r"ok", false, false),
        (r"a\git~1", true, true),
        (r".gitmodules\x", false, false),
    ];

    /// git's `verify_path`, entry type by entry type: a symlinked `.gitmodules` and its NTFS aliases are
    /// refused (F9), a regular file of that name is not, and the `.git` aliases are refused for both.
    #[test]
    fn verify_path_matches_git() {
        for &(path, link, file) in GIT_VERDICTS {
            assert_eq!(git_refuses_entry(path.as_bytes(), true), link, "symlink {path:?}");
            assert_eq!(git_refuses_entry(path.as_bytes(), false), file, "file {path:?}");
        }
        // HFS aliases (an ignorable code point inside the name) are refused only with core.protectHFS,
        // off by default on Linux: git here tracks them, and so do the ids.
        assert!(!git_refuses_entry(".gitmodules\u{200C}".as_bytes(), true));
        assert!(!git_refuses_entry(".g\u{200C}it/x".as_bytes(), false));
    }

    /// The same verdicts from the git installed here, when there is one (the table above was made so).
    #[test]
    fn verify_path_matches_the_installed_git() {
        let t = tempfile::tempdir().unwrap();
        let git =
            |args: &[&str]| std::process::Command::new("git").arg("-C").arg(t.path()).args(args).output();
        let Ok(init) = git(&["init", "-q", "."]) else { return };
        assert!(init.status.success());
        let blob = "587be6b4c3f93f93c489c0111bba5596147a26cb"; // `x\n`, need not exist for --cacheinfo
        for &(path, _, _) in GIT_VERDICTS {
            for (mode, link) in [("120000", true), ("100644", false)] {
                let added = git(&["update-index", "--add", "--cacheinfo", &format!("{mode},{blob},{path}")])
                    .unwrap()
                    .status
                    .success();
                if added {
                    git(&["update-index", "--force-remove", "--", path]).unwrap();
                }
                assert_eq!(git_refuses_entry(path.as_bytes(), link), !added, "{mode} {path:?}");
            }
        }
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

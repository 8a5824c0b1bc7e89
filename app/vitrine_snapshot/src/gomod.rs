//! Which copy of a Go package the go command builds (obf round 4, f7). A module's `go.mod` says its
//! path and may `replace` a dependency with a directory of the snapshot (`replace corp/auth =>
//! ./libs/auth`), but when `vendor/modules.txt` sits beside it and its `go` directive is 1.14 or later,
//! `go build` defaults to `-mod=vendor` and compiles every dependency from `vendor/<import path>/`,
//! whatever the replace or any other in-tree copy says. A reviewer follows the replace (or the
//! directory named like the import) and reads code that is not built.
//!
//! [`GoModules`] resolves an import to the directory built ([`GoModules::built_dir`]), read by the
//! symbol index so that `def` ranks that copy first, and [`findings`] reports (`import-shadow`,
//! deceptive) each vendored package whose files differ from the copy a reviewer takes for it (the
//! replace target, a nested module declaring the path, or a directory ending in the import path),
//! compared by the manifest's hashes. Both read `go.mod` only in snapshots that hold a
//! `vendor/modules.txt` or a `go.mod`: other snapshots cost one pass over the paths.

use std::collections::BTreeMap;

use crate::health::{Finding, FindingKind};
use crate::{EntryKind, FileEntry};

/// One `go.mod` of a snapshot, as the go command reads it for its directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoModule {
    /// The directory holding `go.mod` (`""` at the root), no trailing `/`.
    pub root: Vec<u8>,
    /// The module path (`module corp.example/updater`).
    pub path: Vec<u8>,
    /// The `go` directive's version (major, minor), `(0, 0)` when absent.
    pub go: (u32, u32),
    /// `vendor/modules.txt` is beside `go.mod` and the `go` directive is 1.14 or later: `go build`
    /// uses `-mod=vendor`.
    pub vendored: bool,
    /// `replace` directives with a local directory: the replaced path and the directory of the
    /// snapshot it names (normalised, no trailing `/`).
    pub replaces: Vec<(Vec<u8>, Vec<u8>)>,
}

/// The modules of a snapshot.
#[derive(Debug, Clone, Default)]
pub struct GoModules {
    modules: Vec<GoModule>,
}

/// `dir` joined with `rest` (either may be empty).
fn join(dir: &[u8], rest: &[u8]) -> Vec<u8> {
    match (dir.is_empty(), rest.is_empty()) {
        (true, _) => rest.to_vec(),
        (_, true) => dir.to_vec(),
        _ => [dir, b"/", rest].concat(),
    }
}

/// A relative directory of a `replace` read from `root` (`./libs/auth`, `../x`), normalised;
/// `None` when it leaves the snapshot or is not a local path.
fn local_dir(root: &[u8], target: &[u8]) -> Option<Vec<u8>> {
    if !(target.starts_with(b"./") || target.starts_with(b"../") || target == b"." || target == b"..") {
        return None;
    }
    let mut parts: Vec<&[u8]> = root.split(|&b| b == b'/').filter(|p| !p.is_empty()).collect();
    for p in target.split(|&b| b == b'/') {
        match p {
            b"" | b"." => {}
            b".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join(&b'/'))
}

/// A `go.mod`'s module path, `go` version and local replaces (other directives ignored).
pub fn parse_go_mod(root: &[u8], text: &[u8]) -> GoModule {
    let mut m =
        GoModule { root: root.to_vec(), path: Vec::new(), go: (0, 0), vendored: false, replaces: vec![] };
    let mut in_replace_block = false;
    for line in text.split(|&b| b == b'\n') {
        let line = strip_comment(line).trim_ascii();
        if in_replace_block {
            if line.starts_with(b")") {
                in_replace_block = false;
            } else {
                replace(&mut m, line);
            }
            continue;
        }
        let mut words = line.splitn(2, |b| b.is_ascii_whitespace());
        let (word, rest) = (words.next().unwrap_or_default(), words.next().unwrap_or_default().trim_ascii());
        match word {
            b"module" => m.path = unquote(rest).to_vec(),
            b"go" => {
                let mut v = rest
                    .split(|&b| b == b'.')
                    .map(|p| std::str::from_utf8(p).ok().and_then(|s| s.parse::<u32>().ok()).unwrap_or(0));
                m.go = (v.next().unwrap_or(0), v.next().unwrap_or(0));
            }
            b"replace" if rest == b"(" => in_replace_block = true,
            b"replace" => replace(&mut m, rest),
            _ => {}
        }
    }
    m
}

/// A `go.mod` line less its `//` comment.
fn strip_comment(line: &[u8]) -> &[u8] {
    memchr::memmem::find(line, b"//").map_or(line, |n| line.get(..n).unwrap_or(line))
}

fn unquote(s: &[u8]) -> &[u8] {
    s.strip_prefix(b"\"").and_then(|s| s.strip_suffix(b"\"")).unwrap_or(s)
}

/// `old [version] => new [version]`: kept when `new` is a directory.
fn replace(m: &mut GoModule, spec: &[u8]) {
    let Some(arrow) = memchr::memmem::find(spec, b"=>") else { return };
    let old =
        spec.get(..arrow).unwrap_or_default().split(|b| b.is_ascii_whitespace()).find(|w| !w.is_empty());
    let new =
        spec.get(arrow + 2..).unwrap_or_default().split(|b| b.is_ascii_whitespace()).find(|w| !w.is_empty());
    if let (Some(old), Some(new)) = (old, new)
        && let Some(dir) = local_dir(&m.root, unquote(new))
    {
        m.replaces.push((unquote(old).to_vec(), dir));
    }
}

/// The part of `import` under `prefix` (`""` for the prefix itself), when `prefix` is a path prefix.
fn under<'a>(import: &'a [u8], prefix: &[u8]) -> Option<&'a [u8]> {
    let rest = import.strip_prefix(prefix)?;
    if rest.is_empty() {
        return Some(rest);
    }
    rest.strip_prefix(b"/")
}

impl GoModules {
    /// The modules of the snapshot whose paths are `paths`: each `go.mod` (not under a `vendor/`
    /// directory) read through `read`. Empty, without a read, when no path is a `go.mod`.
    pub fn of<'a>(
        paths: impl Iterator<Item = &'a [u8]> + Clone,
        read: impl Fn(&[u8]) -> Option<Vec<u8>>,
    ) -> GoModules {
        let mut modules = Vec::new();
        let is_vendor =
            |p: &[u8]| p.starts_with(b"vendor/") || memchr::memmem::find(p, b"/vendor/").is_some();
        let all: std::collections::HashSet<&[u8]> = paths.clone().collect();
        for p in paths {
            let Some(root) = p.strip_suffix(b"go.mod") else { continue };
            if !(root.is_empty() || root.ends_with(b"/")) || is_vendor(p) {
                continue;
            }
            let root = root.strip_suffix(b"/").unwrap_or(root);
            let Some(text) = read(p) else { continue };
            let mut m = parse_go_mod(root, &text);
            m.vendored = m.go >= (1, 14) && all.contains(join(root, b"vendor/modules.txt").as_slice());
            modules.push(m);
        }
        // Deepest roots first: a file belongs to the nearest go.mod above it.
        modules.sort_by(|a, b| b.root.len().cmp(&a.root.len()).then(a.root.cmp(&b.root)));
        GoModules { modules }
    }

    /// Whether the snapshot has no `go.mod`.
    pub fn is_empty(&self) -> bool {
        self.modules.is_empty()
    }

    /// The module a file belongs to: the nearest `go.mod` above it.
    pub fn module_of(&self, file: &[u8]) -> Option<&GoModule> {
        self.modules.iter().find(|m| m.root.is_empty() || under(file, &m.root).is_some_and(|r| !r.is_empty()))
    }

    /// The directory of the snapshot the go command compiles for `import` in `file`: the main
    /// module's own directory; with `-mod=vendor` (vendor/modules.txt, go ≥ 1.14) `vendor/<import>`;
    /// otherwise the longest local `replace`. `None` when the package is not built from the snapshot
    /// (the module cache; with `-mod=vendor` a standard-library import gives a directory that does not
    /// exist).
    pub fn built_dir(&self, file: &[u8], import: &[u8]) -> Option<Vec<u8>> {
        let m = self.module_of(file)?;
        if !m.path.is_empty()
            && let Some(rest) = under(import, &m.path)
        {
            return Some(join(&m.root, rest));
        }
        if m.vendored {
            return Some(join(&m.root, &join(b"vendor", import)));
        }
        m.replaces
            .iter()
            .filter_map(|(old, dir)| under(import, old).map(|rest| (old.len(), join(dir, rest))))
            .max_by_key(|(n, _)| *n)
            .map(|(_, d)| d)
    }

    /// The directories a reviewer takes for `import` in module `m` other than `vendor/`: the local
    /// replace target, and a nested module declaring the path (its directory).
    fn reviewed_dirs(&self, m: &GoModule, import: &[u8]) -> Vec<Vec<u8>> {
        let mut out: Vec<Vec<u8>> = Vec::new();
        for (old, dir) in &m.replaces {
            if let Some(rest) = under(import, old) {
                out.push(join(dir, rest));
            }
        }
        for other in &self.modules {
            if other.root != m.root
                && !other.path.is_empty()
                && let Some(rest) = under(import, &other.path)
            {
                out.push(join(&other.root, rest));
            }
        }
        out.sort();
        out.dedup();
        out
    }
}

/// The `import-shadow` findings of Go vendoring: for each module built with `-mod=vendor`, each
/// vendored package (a directory of `.go` files under its `vendor/`) whose `.go` files differ (by name
/// or manifest hash) from those of a copy a reviewer takes for it: the `replace` target, a nested
/// module declaring the import path, or another directory of the snapshot whose path ends in the
/// import path. Nothing is read when no `vendor/modules.txt` is in the snapshot.
pub fn findings(files: &[FileEntry], read: &dyn Fn(&FileEntry) -> Result<Vec<u8>, String>) -> Vec<Finding> {
    let is_modules_txt = |p: &[u8]| p == b"vendor/modules.txt" || p.ends_with(b"/vendor/modules.txt");
    if !files.iter().any(|f| is_modules_txt(f.path.as_bytes())) {
        return Vec::new();
    }
    let regular: Vec<&FileEntry> =
        files.iter().filter(|f| matches!(f.kind, EntryKind::File { .. })).collect();
    let by_path: std::collections::HashMap<&[u8], &FileEntry> =
        regular.iter().map(|f| (f.path.as_bytes(), *f)).collect();
    let modules = GoModules::of(regular.iter().map(|f| f.path.as_bytes()), |p| {
        by_path.get(p).and_then(|e| read(e).ok())
    });
    // The `.go` files of each directory: name → hash.
    let mut dirs: BTreeMap<&[u8], BTreeMap<&[u8], &[u8]>> = BTreeMap::new();
    for f in &regular {
        let p = f.path.as_bytes();
        if !p.ends_with(b".go") {
            continue;
        }
        let (dir, name) = match p.iter().rposition(|&b| b == b'/') {
            Some(n) => (p.get(..n).unwrap_or_default(), p.get(n + 1..).unwrap_or_default()),
            None => (&b""[..], p),
        };
        dirs.entry(dir).or_default().insert(name, f.blob_sha256.as_ref());
    }
    let shown = crate::path::display_bytes;
    let mut out = Vec::new();
    for m in modules.modules.iter().filter(|m| m.vendored) {
        let vendor = join(&m.root, b"vendor");
        let first = [vendor.as_slice(), b"/"].concat();
        for (dir, built) in
            dirs.range::<[u8], _>((std::ops::Bound::Included(first.as_slice()), std::ops::Bound::Unbounded))
        {
            let Some(import) = dir.strip_prefix(first.as_slice()).filter(|i| !i.is_empty()) else { break };
            let mut copies = modules.reviewed_dirs(m, import);
            // Another in-tree directory named like the import path (not a vendor copy).
            let suffix = [b"/", import].concat();
            for other in dirs.keys() {
                let named = *other == import || other.ends_with(&suffix);
                let vendored =
                    other.starts_with(b"vendor/") || memchr::memmem::find(other, b"/vendor/").is_some();
                if named && !vendored {
                    copies.push(other.to_vec());
                }
            }
            copies.sort();
            copies.dedup();
            for copy in copies {
                let Some(theirs) = dirs.get(copy.as_slice()) else { continue };
                if theirs == built {
                    continue;
                }
                // Name the first vendored file that differs (or the first one, when a file is missing).
                let differing = built
                    .iter()
                    .find(|(name, hash)| theirs.get(*name) != Some(*hash))
                    .or_else(|| built.iter().next());
                let Some((name, _)) = differing else { continue };
                let file = join(dir, name);
                let theirs_file = join(&copy, name);
                let theirs_shown = if theirs.contains_key(name) {
                    shown(&theirs_file)
                } else {
                    format!("{}/", shown(&copy))
                };
                out.push(Finding::file_level(
                    &shown(&file),
                    FindingKind::ImportShadow,
                    format!(
                        "`go build` compiles this vendored file for `{}` ({}, go {}.{}), not `{}`, which differs: with vendor/modules.txt and go ≥ 1.14 the go command defaults to -mod=vendor and ignores the `replace` and any other copy",
                        String::from_utf8_lossy(import),
                        shown(&join(&vendor, b"modules.txt")),
                        m.go.0,
                        m.go.1,
                        theirs_shown
                    ),
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_mod_is_read_as_the_go_command_reads_it() {
        let m = parse_go_mod(
            b"app",
            b"module corp/app // c\n\ngo 1.19\nreplace corp/auth v1.0.0 => ./libs/auth\nreplace (\n\tcorp/x => ../x\n\tcorp/net => corp/net v1.2.0\n)\n",
        );
        assert_eq!(m.path, b"corp/app");
        assert_eq!(m.go, (1, 19));
        assert_eq!(
            m.replaces,
            [(b"corp/auth".to_vec(), b"app/libs/auth".to_vec()), (b"corp/x".to_vec(), b"x".to_vec())]
        );
    }

    #[test]
    fn the_built_directory_follows_vendoring_then_replaces() {
        let files: Vec<(&[u8], &[u8])> = vec![
            (b"go.mod", b"module corp/app\ngo 1.19\nreplace corp/auth => ./libs/auth\n"),
            (b"libs/auth/go.mod", b"module corp/auth\n"),
            (b"vendor/modules.txt", b"# corp/auth\n"),
            (b"old/go.mod", b"module corp/old\ngo 1.13\n"),
            (b"old/vendor/modules.txt", b""),
        ];
        let read = |p: &[u8]| files.iter().find(|(q, _)| *q == p).map(|(_, t)| t.to_vec());
        let g = GoModules::of(files.iter().map(|(p, _)| *p), read);
        assert_eq!(g.built_dir(b"main.go", b"corp/auth/sub"), Some(b"vendor/corp/auth/sub".to_vec()));
        assert_eq!(g.built_dir(b"main.go", b"corp/app/internal"), Some(b"internal".to_vec()));
        assert_eq!(g.built_dir(b"main.go", b"fmt"), Some(b"vendor/fmt".to_vec()));
        // go 1.13: vendor/ is not used by default.
        assert_eq!(g.built_dir(b"old/main.go", b"corp/auth"), None);
        let files2: Vec<(&[u8], &[u8])> =
            vec![(b"go.mod", b"module corp/app\ngo 1.19\nreplace corp/auth => ./libs/auth\n")];
        let read2 = |p: &[u8]| files2.iter().find(|(q, _)| *q == p).map(|(_, t)| t.to_vec());
        let g = GoModules::of(files2.iter().map(|(p, _)| *p), read2);
        assert_eq!(g.built_dir(b"cmd/main.go", b"corp/auth"), Some(b"libs/auth".to_vec()));
        assert_eq!(g.built_dir(b"cmd/main.go", b"fmt"), None);
    }
}

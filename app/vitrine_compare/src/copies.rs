//! The other places of an edited thread's code: when an update edits or removes a thread's lines in
//! place, the old quoted lines may live on, intact, in another file the update added or changed (the
//! vendor "fixes" `src/auth.c` and adds `src/auth_compat.c`, a copy of the old file that the build now
//! compiles), and the function around them may be defined again there. A port names both beside the
//! edit ([`search`]); it never follows them (the thread stays on the edited lines).
//!
//! The search is one pass over the files the update added or changed, each read once and dropped:
//! every line's loose key (`port::loose_keys`: whitespace and comments left out), a rolling
//! hash over the keys, and a look-up of each line in a table of the quotes' rarest-looking lines. Linear
//! in those files' size whatever their content (a table of 200,000 equal rows included), and in memory
//! one file at a time. A function's definitions are parsed only in files whose identifiers include its
//! name. Quotes with fewer than [`MIN_COPY_BYTES`] significant bytes are not looked for: `return 0;`
//! is everywhere, and naming its copies says nothing.

use std::collections::{HashMap, HashSet};

use vitrine_snapshot::Snapshot;
use vitrine_syntax::Language;

use crate::port::{COPIES_LISTED, c_like, line_key, lines, loose_keys};
use crate::{CompareError, Side, SnapshotDiff, Status};

/// A quote whose lines hold fewer bytes than this, besides whitespace and comments, is not looked for
/// in other files: `return 0;` (8), `goto out;` (8) or `return -EINVAL;` (14) are in thousands of
/// files, and naming such "copies" would bury the ones that matter.
pub const MIN_COPY_BYTES: usize = 16;

/// The old version of a file with threads edited in place: read once for all of them.
#[derive(Debug)]
pub struct OldFile {
    lines: Vec<Vec<u8>>,
    loose: Vec<u64>,
    /// Each line's code: its bytes outside comments (as [`loose_keys`] reads them, block comments
    /// followed across lines).
    code: Vec<Vec<u8>>,
    lang: Option<Language>,
    /// Functions (qualified name, first and last 0-based line).
    defs: Vec<(String, u32, u32)>,
}

impl OldFile {
    /// Reads the old version of the file at `path` (its bytes `bytes`).
    pub fn new(path: &str, bytes: &[u8]) -> OldFile {
        let lang = vitrine_syntax::language_for_path(path, bytes);
        let defs = lang
            .map(|l| {
                vitrine_syntax::extract_definitions(l, bytes)
                    .definitions
                    .into_iter()
                    .filter(|s| s.kind.is_function_like())
                    .map(|s| (qualified(&s.scope, &s.name), s.range.start.line, s.range.end.line))
                    .collect()
            })
            .unwrap_or_default();
        OldFile {
            lines: lines(bytes).into_iter().map(<[u8]>::to_vec).collect(),
            loose: loose_keys(bytes, c_like(path)),
            code: code_lines(bytes, c_like(path)),
            lang,
            defs,
        }
    }

    /// What to look for of a thread on `lines` (1-based, inclusive) of this file, now at `target` (the
    /// new path and lines) after an edit in place; `own` is the file's path in the new snapshot, when
    /// it has one.
    pub fn wanted(&self, lines: [u64; 2], own: Option<&str>, target: Option<(String, [u64; 2])>) -> Wanted {
        let first = usize::try_from(lines[0].max(1) - 1).unwrap_or(usize::MAX);
        let last = usize::try_from(lines[1].max(lines[0]).max(1)).unwrap_or(usize::MAX);
        let quote: Vec<Vec<u8>> = self.lines.get(first..last).map(<[Vec<u8>]>::to_vec).unwrap_or_default();
        let code = self.code.get(first..last).unwrap_or_default();
        let significant: usize = code.iter().map(|l| significant_bytes(l)).sum();
        let loose: Vec<(u64, usize)> = if significant >= MIN_COPY_BYTES {
            let keys = self.loose.get(first..last).unwrap_or_default();
            keys.iter().zip(code).filter(|(k, _)| **k != 0).map(|(k, l)| (*k, significant_bytes(l))).collect()
        } else {
            Vec::new()
        };
        let word = longest_word(code);
        let overlaps = |d: &&(String, u32, u32)| (d.1 as usize) < last && (d.2 as usize) >= first;
        let mut names: Vec<String> = self.defs.iter().filter(overlaps).map(|d| d.0.clone()).collect();
        names.sort_unstable();
        names.dedup();
        // The copies in the file the thread stays in are the port's own business
        // (`FilePort::intact_copies`); another file's are this search's.
        let skip_copies = own.filter(|o| target.as_ref().is_some_and(|t| t.0 == *o)).map(str::to_owned);
        Wanted { quote, loose, word, names, lang: self.lang, skip_copies, target }
    }
}

/// What to look for of one thread.
#[derive(Debug, Clone)]
pub struct Wanted {
    /// The quoted lines as they were.
    quote: Vec<Vec<u8>>,
    /// Their loose keys (the lines that keep any), each with its significant bytes; empty when the
    /// quote is too common to look for.
    loose: Vec<(u64, usize)>,
    /// The quote's longest identifier in its code (at least [`MIN_WORD`] bytes): every copy holds
    /// it as it is, since whitespace or a comment inside an identifier would split it into other
    /// tokens (a file without it is not read line by line).
    word: Option<String>,
    /// The functions the quoted lines are in (qualified names).
    names: Vec<String>,
    lang: Option<Language>,
    /// A file whose copies are not listed here (the thread's own file, when it stays there).
    skip_copies: Option<String>,
    /// Where the thread now is: a copy or definition there is the thread itself.
    target: Option<(String, [u64; 2])>,
}

/// One other place where a thread's quoted lines are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copy {
    /// The file, in the new snapshot.
    pub path: String,
    /// The lines, 1-based, inclusive.
    pub lines: [u64; 2],
    /// Whether the lines are the quote's (a CR before the LF aside); else they are the same but for
    /// whitespace and comments.
    pub exact: bool,
    /// Whether the update added the file (else it changed it).
    pub added: bool,
}

/// A function around a thread's quoted lines, defined again by the update in another file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDef {
    /// The function's name (qualified).
    pub name: String,
    /// The file.
    pub path: String,
    /// The 1-based line of the name.
    pub line: u32,
    /// Whether the update added the file (else it changed it).
    pub added: bool,
}

/// What [`search`] found for one thread: at most [`COPIES_LISTED`] of each, in the diff's file order,
/// with the count of the others.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Found {
    /// Copies of the quoted lines.
    pub copies: Vec<Copy>,
    /// How many more copies there are.
    pub copies_more: usize,
    /// New definitions of the functions around them.
    pub defs: Vec<NewDef>,
    /// How many more new definitions there are.
    pub defs_more: usize,
}

/// One distinct quote of the search, and the threads that have it.
struct Group {
    keys: Vec<u64>,
    hash: u64,
    power: u64,
    who: Vec<usize>,
    /// The quote's longest identifier (at least [`MIN_WORD`] bytes), which every copy holds as it is
    /// (an identifier cannot be split by whitespace or a comment): a file without it is not hashed.
    word: Option<String>,
}

/// The shortest identifier a file is searched for before it is read line by line.
const MIN_WORD: usize = 4;

/// Past this many quotes (or names), a file is read line by line (or word by word) once for all of
/// them rather than searched once per quote: the cost stays one pass per file however many threads.
const PREFILTER_MOST: usize = 32;

const BASE: u64 = 0x9e37_79b9_7f4a_7c15;

/// Looks for each of `wanted` in the files of `d` that the update added or changed (their new side;
/// `old` is read for a changed file's old version, to tell a definition the update added from one
/// that was there): the quoted lines, compared loosely, and new definitions of the functions around
/// them (in a file of the same language family). One result per element of `wanted`.
pub fn search(
    old: &Snapshot,
    new: &Snapshot,
    d: &SnapshotDiff,
    wanted: &[Wanted],
) -> Result<Vec<Found>, CompareError> {
    let mut found = vec![Found::default(); wanted.len()];
    // The distinct quotes, and for each the line that anchors its look-up (the one with the most
    // significant bytes, the least likely to be everywhere) and its place among the quote's keys.
    let mut groups: Vec<Group> = Vec::new();
    let mut by_keys: HashMap<Vec<u64>, usize> = HashMap::new();
    let mut anchors: HashMap<u64, Vec<(usize, usize)>> = HashMap::new();
    for (w, want) in wanted.iter().enumerate() {
        if want.loose.is_empty() {
            continue;
        }
        let keys: Vec<u64> = want.loose.iter().map(|k| k.0).collect();
        if let Some(&g) = by_keys.get(&keys) {
            groups[g].who.push(w);
            continue;
        }
        let (hash, power) = rolling(&keys);
        let at = (0..want.loose.len()).max_by_key(|&i| (want.loose[i].1, usize::MAX - i)).unwrap_or(0);
        anchors.entry(keys[at]).or_default().push((groups.len(), at));
        by_keys.insert(keys.clone(), groups.len());
        groups.push(Group { keys, hash, power, who: vec![w], word: want.word.clone() });
    }
    let names: HashSet<&str> = wanted.iter().flat_map(|w| w.names.iter()).map(|n| bare(n)).collect();
    if groups.is_empty() && names.is_empty() {
        return Ok(found);
    }
    let searched: HashSet<&str> = d
        .files
        .iter()
        .filter(|c| c.status != Status::Deleted && c.old_blob != c.new_blob)
        .filter_map(|c| c.new_path.as_deref())
        .collect();
    for c in &d.files {
        if c.status == Status::Deleted || c.old_blob == c.new_blob {
            continue;
        }
        let Some(path) = c.new_path.as_deref() else { continue };
        // A symlink the update added or retargeted brings the file it points at into the tree under
        // its name (`auth_compat.c -> ../legacy/auth_old.c`): that file is searched as the link,
        // unless it is searched anyway.
        let bytes = match read(new, path, Side::New)? {
            Some(b) => b,
            None => match link_target(new, path) {
                Some(t) if !searched.contains(t.path.display().as_str()) => {
                    new.read(t).map_err(|source| CompareError::Read {
                        path: t.path.display(),
                        side: Side::New,
                        source,
                    })?
                }
                _ => continue,
            },
        };
        if crate::is_binary(&bytes) {
            continue;
        }
        let added = matches!(c.status, Status::Added | Status::Copied);
        // A file holding none of the quotes' words, or none of the names, is not read further (std's
        // substring search, far faster than keying every line).
        let text = (groups.len() <= PREFILTER_MOST || names.len() <= PREFILTER_MOST)
            .then(|| String::from_utf8_lossy(&bytes));
        let has = |w: &str| text.as_deref().is_none_or(|t| t.contains(w));
        let maybe = groups.len() > PREFILTER_MOST || groups.iter().any(|g| g.word.as_deref().is_none_or(has));
        if !groups.is_empty() && maybe {
            find_copies(path, &bytes, added, wanted, &groups, &anchors, &mut found);
        }
        let maybe = names.len() > PREFILTER_MOST || names.iter().any(|n| has(n));
        if !names.is_empty() && maybe {
            let here = present(&bytes, &names);
            if !here.is_empty() {
                let old_path = c.old_path.as_deref().filter(|_| !added);
                let old_bytes = match old_path {
                    Some(p) => read(old, p, Side::Old)?.unwrap_or_default(),
                    None => Vec::new(),
                };
                find_defs(path, &bytes, &old_bytes, added, &here, wanted, &mut found);
            }
        }
    }
    Ok(found)
}

/// The copies of the grouped quotes in one file.
fn find_copies(
    path: &str,
    bytes: &[u8],
    added: bool,
    wanted: &[Wanted],
    groups: &[Group],
    anchors: &HashMap<u64, Vec<(usize, usize)>>,
    found: &mut [Found],
) {
    let keys = loose_keys(bytes, c_like(path));
    let (kept, at): (Vec<u64>, Vec<usize>) =
        keys.iter().enumerate().filter(|(_, k)| **k != 0).map(|(i, k)| (*k, i)).unzip();
    if !kept.iter().any(|k| anchors.contains_key(k)) {
        return;
    }
    // prefix[i]: the rolling hash of kept[..i].
    let mut prefix = Vec::with_capacity(kept.len() + 1);
    prefix.push(0u64);
    for k in &kept {
        let h = prefix.last().copied().unwrap_or(0);
        prefix.push(h.wrapping_mul(BASE).wrapping_add(*k));
    }
    let file_lines = lines(bytes);
    for (j, k) in kept.iter().enumerate() {
        let Some(cands) = anchors.get(k) else { continue };
        for &(g, offset) in cands {
            let Some(group) = groups.get(g) else { continue };
            let m = group.keys.len();
            let Some(start) = j.checked_sub(offset).filter(|s| s + m <= kept.len()) else { continue };
            let window = prefix[start + m].wrapping_sub(prefix[start].wrapping_mul(group.power));
            if window != group.hash {
                continue;
            }
            let (a, b) = (at[start], at[start + m - 1] + 1);
            for &w in &group.who {
                let (Some(want), Some(f)) = (wanted.get(w), found.get_mut(w)) else { continue };
                if want.skip_copies.as_deref() == Some(path) {
                    continue;
                }
                if want
                    .target
                    .as_ref()
                    .is_some_and(|(p, l)| p == path && (l[0] as usize) <= b && (l[1] as usize) > a)
                {
                    continue;
                }
                if f.copies.len() >= COPIES_LISTED {
                    f.copies_more += 1;
                    continue;
                }
                // Listed: checked key by key (the hash only finds it), and by bytes.
                if kept.get(start..start + m) != Some(&group.keys[..]) {
                    continue;
                }
                let here = file_lines.get(a..b).unwrap_or_default();
                let exact = here.len() == want.quote.len()
                    && here.iter().zip(&want.quote).all(|(x, y)| line_key(x) == line_key(y));
                f.copies.push(Copy { path: path.to_owned(), lines: [a as u64 + 1, b as u64], exact, added });
            }
        }
    }
}

/// The new definitions, in one file, of the functions the threads' lines are in.
fn find_defs(
    path: &str,
    bytes: &[u8],
    old_bytes: &[u8],
    added: bool,
    here: &HashSet<&str>,
    wanted: &[Wanted],
    found: &mut [Found],
) {
    let Some(lang) = vitrine_syntax::language_for_path(path, bytes) else { return };
    let defs = |src: &[u8]| -> Vec<(String, u32, u32, u32)> {
        if src.is_empty() {
            return Vec::new();
        }
        vitrine_syntax::extract_definitions(lang, src)
            .definitions
            .into_iter()
            .filter(|s| s.kind.is_function_like() && here.contains(s.name.as_str()))
            .map(|s| {
                let name = qualified(&s.scope, &s.name);
                (name, s.range.start.line, s.range.end.line, s.name_range.start.line + 1)
            })
            .collect()
    };
    let (now, before) = (defs(bytes), defs(old_bytes));
    if now.is_empty() {
        return;
    }
    for (want, f) in wanted.iter().zip(found.iter_mut()) {
        if want.lang.map(family) != Some(family(lang)) {
            continue;
        }
        // A definition in the file the thread is now in is the port's context note's business.
        if want.target.as_ref().is_some_and(|t| t.0 == path) {
            continue;
        }
        for name in &want.names {
            let old_count = before.iter().filter(|d| d.0 == *name).count();
            let new: Vec<u32> = now.iter().filter(|d| d.0 == *name).map(|d| d.3).collect();
            for &line in new.iter().skip(old_count) {
                if f.defs.len() < COPIES_LISTED {
                    f.defs.push(NewDef { name: name.clone(), path: path.to_owned(), line, added });
                } else {
                    f.defs_more += 1;
                }
            }
        }
    }
}

/// The longest ASCII identifier in `code` (lines without their comments), when it has at least
/// [`MIN_WORD`] bytes.
fn longest_word(code: &[Vec<u8>]) -> Option<String> {
    let mut best: &[u8] = &[];
    for line in code {
        for w in line.split(|b| !(b.is_ascii_alphanumeric() || *b == b'_')) {
            if w.len() > best.len() && w.first().is_some_and(|b| !b.is_ascii_digit()) {
                best = w;
            }
        }
    }
    (best.len() >= MIN_WORD).then(|| String::from_utf8_lossy(best).into_owned())
}

/// Each line of `data` (as [`lines`] splits it) without its comments when `c_like`, read as
/// [`loose_keys`] reads them (block comments followed across lines, `//` to the end of the line,
/// neither inside a string or character literal); each block comment is left as one space.
fn code_lines(data: &[u8], c_like: bool) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut in_block = false;
    for line in lines(data) {
        if !c_like {
            out.push(line.to_vec());
            continue;
        }
        let mut code = Vec::with_capacity(line.len());
        let mut quote: Option<u8> = None;
        let mut i = 0;
        while i < line.len() {
            let (b, next) = (line[i], line.get(i + 1).copied());
            if in_block {
                if b == b'*' && next == Some(b'/') {
                    in_block = false;
                    i += 1;
                }
                i += 1;
                continue;
            }
            if quote.is_none() {
                if b == b'/' && next == Some(b'*') {
                    in_block = true;
                    code.push(b' ');
                    i += 2;
                    continue;
                }
                if b == b'/' && next == Some(b'/') {
                    break;
                }
            }
            match quote {
                Some(q) if b == q => quote = None,
                Some(_) if b == b'\\' => {
                    code.extend_from_slice(line.get(i..i + 2).unwrap_or_default());
                    i += 2;
                    continue;
                }
                None if b == b'"' || b == b'\'' => quote = Some(b),
                _ => {}
            }
            code.push(b);
            i += 1;
        }
        out.push(code);
    }
    out
}

/// The rolling hash of `keys` and the power of [`BASE`] that removes them from a longer prefix.
fn rolling(keys: &[u64]) -> (u64, u64) {
    keys.iter().fold((0u64, 1u64), |(h, p), k| (h.wrapping_mul(BASE).wrapping_add(*k), p.wrapping_mul(BASE)))
}

/// The names of `names` that occur in `bytes` as whole identifiers.
fn present<'n>(bytes: &[u8], names: &HashSet<&'n str>) -> HashSet<&'n str> {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80;
    let mut out = HashSet::new();
    let mut i = 0;
    while i < bytes.len() {
        if !word(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && word(bytes[i]) {
            i += 1;
        }
        if let Some(n) = std::str::from_utf8(&bytes[start..i]).ok().and_then(|w| names.get(w)) {
            out.insert(*n);
        }
    }
    out
}

fn qualified(scope: &str, name: &str) -> String {
    if scope.is_empty() { name.to_owned() } else { format!("{scope}::{name}") }
}

/// The name without its scope (`Auth::check` is `check`).
fn bare(name: &str) -> &str {
    name.rsplit("::").next().unwrap_or(name)
}

/// Languages whose files define each other's functions: C and C++ (headers are either), and JavaScript
/// and TypeScript.
fn family(lang: Language) -> u8 {
    match lang {
        Language::C | Language::Cpp => 0,
        Language::JavaScript | Language::TypeScript | Language::Tsx => 1,
        Language::Rust => 2,
        Language::Python => 3,
        Language::Java => 4,
        Language::Go => 5,
        Language::CSharp => 6,
    }
}

/// The bytes of a line's code that count towards [`MIN_COPY_BYTES`]: those that are not whitespace.
fn significant_bytes(code: &[u8]) -> usize {
    code.iter().filter(|&&b| !(b.is_ascii_whitespace() || b == 0)).count()
}

/// The regular text file the symlink at `shown` points at (through up to 8 links), when the target
/// stays inside the snapshot.
fn link_target<'s>(snap: &'s Snapshot, shown: &str) -> Option<&'s vitrine_snapshot::FileEntry> {
    let mut e = snap.file(shown.as_bytes()).filter(|e| e.path.display() == shown)?;
    for _ in 0..8 {
        let vitrine_snapshot::EntryKind::Symlink { target } = &e.kind else {
            return Some(e).filter(|e| e.is_indexable());
        };
        if target.first() == Some(&b'/') {
            return None;
        }
        let mut parts: Vec<&[u8]> = e.path.parent().split(|&b| b == b'/').filter(|p| !p.is_empty()).collect();
        for part in target.split(|&b| b == b'/') {
            match part {
                b"" | b"." => {}
                b".." => {
                    parts.pop()?;
                }
                p => parts.push(p),
            }
        }
        e = snap.file(&parts.join(&b'/'))?;
    }
    None
}

/// A text file's bytes by the path a diff shows (`None` when it is not a readable text file there).
fn read(snap: &Snapshot, shown: &str, side: Side) -> Result<Option<Vec<u8>>, CompareError> {
    let entry = snap
        .file(shown.as_bytes())
        .filter(|e| e.path.display() == shown)
        .or_else(|| snap.files().iter().find(|e| e.path.display() == shown));
    let Some(entry) = entry.filter(|e| e.is_indexable()) else { return Ok(None) };
    snap.read(entry).map(Some).map_err(|source| CompareError::Read { path: shown.to_owned(), side, source })
}

#[cfg(test)]
mod tests {
    use vitrine_snapshot::{IngestConfig, Progress};

    use super::*;
    use crate::DiffOptions;

    const AUTH: &str = "#include <string.h>\n\nint check_password(const char *given, const char *stored)\n{\n    if (strlen(given) == 0)\n        return 1;\n    return strcmp(given, stored) == 0;\n}\n";
    const FIXED: &str = "#include <string.h>\n\nint check_password(const char *given, const char *stored)\n{\n    if (given == NULL || stored == NULL)\n        return 0;\n    return strcmp(given, stored) == 0;\n}\n";

    /// Two snapshots of `old` and `new` (path, content), and their diff.
    fn versions(old: &[(&str, &str)], new: &[(&str, &str)]) -> (Snapshot, Snapshot, SnapshotDiff) {
        let open = |files: &[(&str, &str)]| {
            let dir = tempfile::tempdir().unwrap();
            for (rel, content) in files {
                let p = dir.path().join(rel);
                std::fs::create_dir_all(p.parent().unwrap()).unwrap();
                std::fs::write(p, content).unwrap();
            }
            let s = Snapshot::open(dir.path(), &IngestConfig::default(), &Progress::default()).unwrap();
            // The snapshot keeps what it reads in its own store.
            std::mem::forget(dir);
            s
        };
        let (o, n) = (open(old), open(new));
        let d = crate::diff(&o, &n, &DiffOptions::default()).unwrap();
        (o, n, d)
    }

    /// The search for one thread on `lines` of `src/auth.c`, edited in place (the thread stays there).
    fn one(o: &Snapshot, n: &Snapshot, d: &SnapshotDiff, old: &str, lines: [u64; 2]) -> Found {
        let f = OldFile::new("src/auth.c", old.as_bytes());
        let w = f.wanted(lines, Some("src/auth.c"), Some(("src/auth.c".into(), lines)));
        search(o, n, d, &[w]).unwrap().remove(0)
    }

    /// F2 of round 23: the flagged lines "fixed" in place, a byte-identical copy of the old file added
    /// under another name. The copy and the function's new definition are found; the thread's own
    /// file is left to the port.
    #[test]
    fn a_copy_added_under_another_name_is_found_with_its_definition() {
        let (o, n, d) = versions(
            &[("src/auth.c", AUTH), ("Makefile", "SRCS = src/auth.c\n")],
            &[("src/auth.c", FIXED), ("src/auth_compat.c", AUTH), ("Makefile", "SRCS = src/auth_compat.c\n")],
        );
        let f = one(&o, &n, &d, AUTH, [5, 6]);
        assert_eq!(
            f.copies,
            [Copy { path: "src/auth_compat.c".into(), lines: [5, 6], exact: true, added: true }]
        );
        assert_eq!(f.copies_more, 0);
        assert_eq!(
            f.defs,
            [NewDef {
                name: "check_password".into(),
                path: "src/auth_compat.c".into(),
                line: 3,
                added: true
            }]
        );
        // Without the copy: nothing (the fixed file is the thread's own).
        let (o, n, d) =
            versions(&[("src/auth.c", AUTH)], &[("src/auth.c", FIXED), ("src/other.c", "int x;\n")]);
        assert_eq!(one(&o, &n, &d, AUTH, [5, 6]), Found::default());
    }

    /// A copy inside a file that existed and changed, re-indented and commented on the way; and one
    /// intact in another changed file that already defined the function (no new definition there).
    #[test]
    fn a_copy_inside_a_changed_file_is_found_loosely_or_intact() {
        let util = "int util(int x)\n{\n    return x + 1;\n}\n";
        let legacy = "int legacy_check(const char *given)\n{\n\tif (strlen(given) == 0) /* compat */\n\t\treturn 1;\n\treturn 0;\n}\n";
        let (o, n, d) = versions(
            &[("src/auth.c", AUTH), ("src/util.c", util), ("src/dup.c", AUTH)],
            &[
                ("src/auth.c", FIXED),
                ("src/util.c", &format!("{util}\n{legacy}")),
                ("src/dup.c", &format!("/* touched */\n{AUTH}")),
            ],
        );
        let f = one(&o, &n, &d, AUTH, [5, 6]);
        assert_eq!(
            f.copies,
            [
                Copy { path: "src/dup.c".into(), lines: [6, 7], exact: true, added: false },
                Copy { path: "src/util.c".into(), lines: [8, 9], exact: false, added: false },
            ]
        );
        // dup.c defined check_password before the update too: not a new definition.
        assert!(f.defs.is_empty(), "{:?}", f.defs);
    }

    /// A symlink the update added, to a file it left alone that holds the old code: the copy is named
    /// under the link's name (the build compiles it by that name).
    #[test]
    fn a_copy_brought_in_by_a_new_symlink_is_found() {
        let (o, n, d) = {
            let open = |files: &[(&str, &str)], link: bool| {
                let dir = tempfile::tempdir().unwrap();
                for (rel, content) in files {
                    let p = dir.path().join(rel);
                    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
                    std::fs::write(p, content).unwrap();
                }
                if link {
                    std::os::unix::fs::symlink("../legacy/auth_old.c", dir.path().join("src/auth_compat.c"))
                        .unwrap();
                }
                let s = Snapshot::open(dir.path(), &IngestConfig::default(), &Progress::default()).unwrap();
                std::mem::forget(dir);
                s
            };
            let o = open(&[("src/auth.c", AUTH), ("legacy/auth_old.c", AUTH)], false);
            let n = open(&[("src/auth.c", FIXED), ("legacy/auth_old.c", AUTH)], true);
            let d = crate::diff(&o, &n, &DiffOptions::default()).unwrap();
            (o, n, d)
        };
        let f = one(&o, &n, &d, AUTH, [5, 6]);
        assert_eq!(
            f.copies,
            [Copy { path: "src/auth_compat.c".into(), lines: [5, 6], exact: true, added: true }]
        );
    }

    /// Many copies: a few listed, the others counted, for the copies and the definitions alike.
    #[test]
    fn many_copies_are_listed_up_to_the_cap_and_counted() {
        let mut new: Vec<(String, String)> = vec![("src/auth.c".into(), FIXED.into())];
        for i in 0..12 {
            new.push((format!("vendor/copy{i:02}.c"), AUTH.into()));
        }
        let new: Vec<(&str, &str)> = new.iter().map(|(p, c)| (p.as_str(), c.as_str())).collect();
        let (o, n, d) = versions(&[("src/auth.c", AUTH)], &new);
        let f = one(&o, &n, &d, AUTH, [5, 6]);
        assert_eq!(f.copies.len(), COPIES_LISTED);
        assert_eq!(f.copies[0].path, "vendor/copy00.c");
        assert_eq!(f.copies_more, 12 - COPIES_LISTED);
        assert_eq!(f.defs.len(), COPIES_LISTED);
        assert_eq!(f.defs_more, 12 - COPIES_LISTED);
    }

    /// Lines that are everywhere are not looked for: `return 0;` alone, or with a brace, has no
    /// "copies", however many files the update added with it. The function's new definition is still
    /// named.
    #[test]
    fn common_lines_have_no_copies() {
        let old = "int check(int x)\n{\n    if (x)\n        return 0;\n    return 1;\n}\n";
        let fixed = "int check(int x)\n{\n    if (x > 2)\n        return 1;\n    return 1;\n}\n";
        let other = "int other(int y)\n{\n    if (y)\n        return 0;\n    return 1;\n}\n";
        let (o, n, d) = versions(
            &[("src/auth.c", old)],
            &[("src/auth.c", fixed), ("src/a.c", other), ("src/b.c", other), ("src/c.c", old)],
        );
        let f = OldFile::new("src/auth.c", old.as_bytes());
        let keep = |l: [u64; 2]| f.wanted(l, Some("src/auth.c"), Some(("src/auth.c".into(), l)));
        // `return 0;` (8 bytes), `if (x)` + `return 0;` (13): too common.
        let found = search(&o, &n, &d, &[keep([4, 4]), keep([3, 4]), keep([3, 5])]).unwrap();
        assert!(found[0].copies.is_empty() && found[0].copies_more == 0, "{:?}", found[0]);
        assert!(found[1].copies.is_empty() && found[1].copies_more == 0, "{:?}", found[1]);
        // Three lines with 21 bytes: the copy is named (c.c; `other`'s lines test `y`).
        let at: Vec<&str> = found[2].copies.iter().map(|c| c.path.as_str()).collect();
        assert_eq!(at, ["src/c.c"], "{:?}", found[2]);
        // The new definition of `check` in c.c is named for each.
        for f in &found {
            assert_eq!(f.defs.iter().map(|d| d.path.as_str()).collect::<Vec<_>>(), ["src/c.c"], "{f:?}");
        }
        let code = code_lines(
            b"    return 0; /* ok */ // x\n/* a\n * check_password */ if (s == \"/*\") // c\n",
            true,
        );
        assert_eq!(code.iter().map(|c| significant_bytes(c)).collect::<Vec<_>>(), [8, 0, 11]);
        assert_eq!(longest_word(&code).as_deref(), Some("return"), "not check_password, in a comment");
    }

    /// A definition of the same name in a file of another language family is not the same function.
    #[test]
    fn a_definition_in_another_language_is_not_a_redefinition() {
        let (o, n, d) = versions(
            &[("src/auth.c", AUTH)],
            &[
                ("src/auth.c", FIXED),
                ("tools/check.py", "def check_password(given, stored):\n    return True\n"),
            ],
        );
        assert!(one(&o, &n, &d, AUTH, [5, 6]).defs.is_empty());
    }

    /// The search is linear in the files whatever their content: 200,000 equal rows in a changed file,
    /// quoted 3 rows and 2,000 rows at a time (every row is an anchor and every window a match).
    #[test]
    fn the_search_is_linear_on_a_table_of_equal_rows() {
        let old = format!("static const int t[] = {{\n{}}};\n", "    0x1234567, 0x89abcdef,\n".repeat(3000));
        let big =
            format!("static const int u[] = {{\n{}}};\n", "    0x1234567, 0x89abcdef,\n".repeat(200_000));
        let (o, n, d) = versions(
            &[("src/auth.c", &old), ("src/table.c", "int t;\n")],
            &[("src/auth.c", &old.replacen("0x1234567", "0x7654321", 1)), ("src/table.c", &big)],
        );
        let f = OldFile::new("src/auth.c", old.as_bytes());
        let w = |l: [u64; 2]| f.wanted(l, Some("src/auth.c"), Some(("src/auth.c".into(), l)));
        let t = std::time::Instant::now();
        let found = search(&o, &n, &d, &[w([2, 4]), w([2, 2001])]).unwrap();
        assert!(t.elapsed() < std::time::Duration::from_secs(20), "{:?}", t.elapsed());
        assert_eq!(found[0].copies.len() + found[0].copies_more, 200_000 - 2);
        assert_eq!(found[1].copies.len() + found[1].copies_more, 200_000 - 1999);
        assert_eq!(found[1].copies[0].lines, [2, 2001]);
    }
}

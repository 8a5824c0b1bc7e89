//! What is shipped or built is not always the text shown: files that change it without being source a
//! reviewer reads as such.
//!
//! - `.gitattributes` (any directory) and `.git/info/attributes`: lines whose attributes make
//!   `git archive`, a checkout or `git diff` change bytes. Each line is matched against the snapshot's
//!   files by git's rules (a pattern without a slash matches names at any depth below its file's
//!   directory, one with a slash is anchored there, `*` and `?` stay within a name, `**` crosses
//!   directories, a trailing `/` matches directories only, negative patterns are ignored, `"…"` is
//!   unquoted), with git's precedence (deeper files and later lines win, `[attr]` macros and the
//!   built-in `binary` expand, a directory's `export-ignore` drops everything under it). A line is
//!   reported with the files it decides for: [`FindingKind::AttributeRewrite`] for `export-subst`,
//!   `export-ignore` and `filter=`, [`FindingKind::AttributeConversion`] for `ident`, `text`/`eol`/`crlf`,
//!   `working-tree-encoding`, `-diff` and diff and merge drivers. Each `$Format:…$` in a file under
//!   `export-subst` is an [`FindingKind::AttributeRewrite`] finding where it is.
//! - Build files: one read before another in its directory ([`FindingKind::BuildShadow`]), and commands
//!   in makefiles, CMake and meson files and shell scripts that edit a source of the snapshot in place,
//!   write over one or generate a compiled source ([`FindingKind::BuildRewrite`], one finding per file
//!   naming the lines). Only edits whose target is a source of the snapshot or a generated source count,
//!   so that `sed` writing a header to `$@` of an unknown target or a text file is not listed.
//!
//! The few files this needs are read again through the snapshot's verified reader (size and SHA-256
//! checked); for an archive whose content was not kept, the files selected by name ([`read_by_name`])
//! are kept during the one read of the archive and the others are read again from it (snap round 10,
//! F5: the findings must not depend on the command).

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::health::{Finding, FindingKind};
use crate::{ContentClass, FileEntry};

/// Bytes of `$Format:` scanning at most (files under `export-subst`, read again).
const FORMAT_SCAN_BUDGET: u64 = 512 << 20;
/// `$Format:` placeholders of one file listed as findings before the rest are counted in one.
const MAX_PLACEHOLDERS: usize = 50;
/// Names listed in one finding before the rest are counted.
const MAX_NAMED: usize = 20;
/// Build lines listed in one finding before the rest are counted.
const MAX_LINES: usize = 12;
/// Work (attributes filled, macros included) allowed for the attributes of one path: git fills each
/// attribute once, so this is reached only by a `.gitattributes` built to be slow, and then reported.
const MAX_FILL_STEPS: usize = 1 << 16;

/// How the checks after the per-file scan read the files they need.
pub(crate) trait ContentReader {
    /// A file's verified bytes, or why they could not be read.
    fn read(&self, f: &FileEntry) -> Result<Vec<u8>, String>;
    /// Reads these files ahead, together (one more pass over an archive whose content was not kept);
    /// with `build`, a file [`holds_nothing_to_check`] is only noted as such.
    fn prefetch(&self, _files: &[&FileEntry], _build: bool) {}
    /// Whether this build file was seen to hold nothing the build checks read (so it is not read).
    fn holds_nothing(&self, _f: &FileEntry) -> bool {
        false
    }
}

impl<F: Fn(&FileEntry) -> Result<Vec<u8>, String>> ContentReader for F {
    fn read(&self, f: &FileEntry) -> Result<Vec<u8>, String> {
        self(f)
    }
}

/// Whether the checks of this module (and `compiled`'s `.pyc` header) read the file at `path`, by its
/// name alone: attribute files, build files, `pyproject.toml` (for its in-tree build backend).
pub(crate) fn read_by_name(path: &[u8]) -> bool {
    is_attr_path(path)
        || build_lang(path).is_some()
        || path.ends_with(b".pyc")
        || path.rsplit(|&b| b == b'/').next() == Some(b"pyproject.toml")
}

/// Whether a file [`read_by_name`] holds nothing the build checks read: a Go file without
/// `//go:generate` (every Go file is a build file by name; only those lines are read).
pub(crate) fn holds_nothing_to_check(path: &[u8], bytes: &[u8]) -> bool {
    build_lang(path) == Some(BuildLang::GoGenerate)
        && !is_attr_path(path)
        && memchr::memmem::find(bytes, b"//go:generate").is_none()
}

fn is_attr_path(p: &[u8]) -> bool {
    p == b".git/info/attributes" || p == b".gitattributes" || p.ends_with(b"/.gitattributes")
}

/// The findings of this module for the snapshot's `files` (sorted by path); `read` gives a file's
/// verified bytes, or why it could not.
pub(crate) fn findings(files: &[FileEntry], read: &dyn ContentReader, max_text_bytes: u64) -> Vec<Finding> {
    let mut out = attribute_findings(files, read, MAX_ATTR_WORK);
    out.extend(build_findings(files, read, max_text_bytes));
    out
}

// ---------------------------------------------------------------------------------------------------
// Git's wildmatch (WM_PATHNAME) and attribute patterns.

/// Git's `wildmatch` with `WM_PATHNAME`: `*` and `?` and classes do not match `/`; `**` between
/// slashes (or at an end) matches across directories, `**/` also none.
fn wildmatch(p: &[u8], t: &[u8]) -> bool {
    matches!(dowild(p, t, 0), Wild::Match)
}

#[derive(PartialEq, Eq, Clone, Copy)]
enum Wild {
    Match,
    NoMatch,
    AbortAll,
    AbortToStarStar,
}

fn dowild(p: &[u8], t: &[u8], depth: usize) -> Wild {
    if depth > 64 {
        return Wild::AbortAll;
    }
    let (mut pi, mut ti) = (0usize, 0usize);
    while let Some(&pc) = p.get(pi) {
        let tc = t.get(ti).copied();
        if tc.is_none() && pc != b'*' {
            return Wild::AbortAll;
        }
        match pc {
            b'\\' => {
                pi += 1;
                if p.get(pi).copied() != tc {
                    return Wild::NoMatch;
                }
            }
            b'?' => {
                if tc == Some(b'/') {
                    return Wild::NoMatch;
                }
            }
            b'*' => {
                let star_start = pi;
                pi += 1;
                let match_slash;
                if p.get(pi) == Some(&b'*') {
                    while p.get(pi) == Some(&b'*') {
                        pi += 1;
                    }
                    let before_ok = star_start == 0 || p.get(star_start - 1) == Some(&b'/');
                    let after = p.get(pi).copied();
                    if before_ok && (after.is_none() || after == Some(b'/')) {
                        if after == Some(b'/')
                            && dowild(
                                p.get(pi + 1..).unwrap_or_default(),
                                t.get(ti..).unwrap_or_default(),
                                depth + 1,
                            ) == Wild::Match
                        {
                            return Wild::Match;
                        }
                        match_slash = true;
                    } else {
                        match_slash = false;
                    }
                } else {
                    match_slash = false;
                }
                let rest = p.get(pi..).unwrap_or_default();
                let text = t.get(ti..).unwrap_or_default();
                if rest.is_empty() {
                    if !match_slash && text.contains(&b'/') {
                        return Wild::AbortToStarStar;
                    }
                    return Wild::Match;
                }
                let mut k = 0;
                while let Some(&c) = text.get(k) {
                    let m = dowild(rest, text.get(k..).unwrap_or_default(), depth + 1);
                    if m != Wild::NoMatch {
                        if !match_slash || m != Wild::AbortToStarStar {
                            return m;
                        }
                    } else if !match_slash && c == b'/' {
                        return Wild::AbortToStarStar;
                    }
                    k += 1;
                }
                return Wild::AbortAll;
            }
            b'[' => {
                let Some(c) = tc else { return Wild::AbortAll };
                match class_match(p, pi + 1, c) {
                    Some((matched, end)) => {
                        if !matched || c == b'/' {
                            return Wild::NoMatch;
                        }
                        pi = end;
                    }
                    None => return Wild::AbortAll,
                }
            }
            _ => {
                if tc != Some(pc) {
                    return Wild::NoMatch;
                }
            }
        }
        pi += 1;
        ti += 1;
    }
    if ti == t.len() { Wild::Match } else { Wild::NoMatch }
}

/// Matches `c` against the class starting after `[` at `start`; returns whether it matched and the
/// index of the closing `]`, or `None` for an unterminated class.
fn class_match(p: &[u8], start: usize, c: u8) -> Option<(bool, usize)> {
    let mut i = start;
    let negated = matches!(p.get(i), Some(b'!' | b'^'));
    if negated {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    loop {
        let pc = *p.get(i)?;
        if pc == b']' && !first {
            break;
        }
        first = false;
        let lo = if pc == b'\\' {
            i += 1;
            *p.get(i)?
        } else if pc == b'[' && p.get(i + 1) == Some(&b':') {
            let end = p.get(i + 2..)?.windows(2).position(|w| w == b":]")? + i + 2;
            let name = p.get(i + 2..end)?;
            matched |= match name {
                b"alnum" => c.is_ascii_alphanumeric(),
                b"alpha" => c.is_ascii_alphabetic(),
                b"blank" => c == b' ' || c == b'\t',
                b"cntrl" => c.is_ascii_control(),
                b"digit" => c.is_ascii_digit(),
                b"graph" => c.is_ascii_graphic(),
                b"lower" => c.is_ascii_lowercase(),
                b"print" => c.is_ascii_graphic() || c == b' ',
                b"punct" => c.is_ascii_punctuation(),
                b"space" => c.is_ascii_whitespace(),
                b"upper" => c.is_ascii_uppercase(),
                b"xdigit" => c.is_ascii_hexdigit(),
                _ => false,
            };
            i = end + 2;
            continue;
        } else {
            pc
        };
        if p.get(i + 1) == Some(&b'-') && p.get(i + 2).is_some_and(|&h| h != b']') {
            let mut hi = *p.get(i + 2)?;
            i += 2;
            if hi == b'\\' {
                i += 1;
                hi = *p.get(i)?;
            }
            matched |= lo <= c && c <= hi;
        } else {
            matched |= lo == c;
        }
        i += 1;
    }
    Some((matched != negated, i))
}

/// One pattern of an attributes file.
#[derive(Debug, Clone)]
struct Pattern {
    /// The pattern without its trailing `/` and leading `/`.
    body: Vec<u8>,
    /// No slash in it: matched against the last component at any depth.
    nodir: bool,
    /// A trailing `/`: matches directories only.
    must_be_dir: bool,
}

impl Pattern {
    fn parse(raw: &[u8]) -> Pattern {
        let mut body = raw.to_vec();
        let must_be_dir = body.len() > 1 && body.last() == Some(&b'/');
        if must_be_dir {
            body.pop();
        }
        let nodir = !body.contains(&b'/');
        if body.first() == Some(&b'/') {
            body.remove(0);
        }
        Pattern { body, nodir, must_be_dir }
    }

    /// Whether the pattern of the attributes file in directory `base` (`""` at the root, no trailing
    /// slash) matches `path` (a file, or a directory when `is_dir`).
    fn matches(&self, base: &[u8], path: &[u8], is_dir: bool) -> bool {
        if self.must_be_dir && !is_dir {
            return false;
        }
        let rel = if base.is_empty() {
            path
        } else {
            match path.strip_prefix(base).and_then(|r| r.strip_prefix(b"/")) {
                Some(r) => r,
                None => return false,
            }
        };
        if self.nodir {
            let name = rel.rsplit(|&b| b == b'/').next().unwrap_or(rel);
            wildmatch(&self.body, name)
        } else {
            wildmatch(&self.body, rel)
        }
    }
}

/// An attribute's state on a line.
#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    Set,
    Unset,
    Unspecified,
    Value(String),
}

impl State {
    fn written(&self, name: &str) -> String {
        match self {
            State::Set => name.to_owned(),
            State::Unset => format!("-{name}"),
            State::Unspecified => format!("!{name}"),
            State::Value(v) => format!("{name}={v}"),
        }
    }
}

/// One line of an attributes file: a pattern and its attributes, or a macro definition.
#[derive(Debug, Clone)]
struct AttrLine {
    line: u64,
    pattern: Pattern,
    attrs: Vec<(String, State)>,
    /// The pattern as written (quoted or not), for display.
    text: String,
}

/// One attributes file.
#[derive(Debug)]
struct AttrFile {
    /// Where it is shown (`sub/.gitattributes`, `.git/info/attributes`).
    shown: String,
    /// The directory its patterns are relative to (`""` for the root and `.git/info/attributes`).
    base: Vec<u8>,
    lines: Vec<AttrLine>,
    /// Its lines by what the last name of a matching path must start or end with.
    index: AttrIndex,
}

/// Pattern tests (lines tried on a path) at most in one snapshot's attribute pass; past it the pass
/// stops and says so on each attributes file (a 6,000-line file on 6,000 files of a name its lines'
/// literal parts do not rule out is 36 million).
const MAX_ATTR_WORK: u64 = 50_000_000;

/// What the last component of a path a pattern matches must start with (`Prefix`), or else end with
/// (`Suffix`); `Any` when the pattern does not say. With `WM_PATHNAME` nothing but a `**` component
/// crosses a `/`, so a pattern's last component (after its last `/`; the whole pattern when it has
/// none, which is matched against the name) matches exactly the path's last component.
#[derive(Debug, PartialEq, Eq)]
enum NameKey {
    Prefix(Vec<u8>),
    Suffix(Vec<u8>),
    Any,
}

fn name_key(p: &Pattern) -> NameKey {
    // An escaped character (`\/`, `\*`) is left to the full scan.
    if p.body.contains(&b'\\') {
        return NameKey::Any;
    }
    let last = p.body.rsplit(|&b| b == b'/').next().unwrap_or(&p.body);
    let special = |b: &u8| matches!(b, b'*' | b'?' | b'[');
    let pre = last.iter().position(special).unwrap_or(last.len());
    if pre > 0 {
        return NameKey::Prefix(last.get(..pre).unwrap_or_default().to_vec());
    }
    if last.contains(&b'[') {
        return NameKey::Any;
    }
    let post = last.iter().rposition(special).map_or(0, |i| i + 1);
    match last.get(post..) {
        Some(suffix) if !suffix.is_empty() => NameKey::Suffix(suffix.to_vec()),
        _ => NameKey::Any,
    }
}

/// The lines of one attributes file bucketed by [`NameKey`], so that a path is tried only against the
/// lines whose literal start or end its name has, and the lines that have none.
#[derive(Debug, Default)]
struct AttrIndex {
    prefix: HashMap<Vec<u8>, Vec<usize>>,
    prefix_lens: Vec<usize>,
    suffix: HashMap<Vec<u8>, Vec<usize>>,
    suffix_lens: Vec<usize>,
    any: Vec<usize>,
}

impl AttrIndex {
    fn new(lines: &[AttrLine]) -> AttrIndex {
        let mut ix = AttrIndex::default();
        for (li, l) in lines.iter().enumerate() {
            match name_key(&l.pattern) {
                NameKey::Prefix(k) => {
                    ix.prefix_lens.push(k.len());
                    ix.prefix.entry(k).or_default().push(li);
                }
                NameKey::Suffix(k) => {
                    ix.suffix_lens.push(k.len());
                    ix.suffix.entry(k).or_default().push(li);
                }
                NameKey::Any => ix.any.push(li),
            }
        }
        for lens in [&mut ix.prefix_lens, &mut ix.suffix_lens] {
            lens.sort_unstable();
            lens.dedup();
        }
        ix
    }

    /// The lines that may match a path whose last component is `name`, latest first (git's order).
    fn candidates(&self, name: &[u8]) -> Vec<usize> {
        let mut out = self.any.clone();
        for &n in self.prefix_lens.iter().take_while(|&&n| n <= name.len()) {
            out.extend(name.get(..n).and_then(|k| self.prefix.get(k)).into_iter().flatten());
        }
        for &n in self.suffix_lens.iter().take_while(|&&n| n <= name.len()) {
            out.extend(name.get(name.len() - n..).and_then(|k| self.suffix.get(k)).into_iter().flatten());
        }
        out.sort_unstable_by(|a, b| b.cmp(a));
        out
    }
}

/// Git's C-style unquoting of a `"…"` pattern; returns the pattern and the rest of the line.
fn unquote(s: &[u8]) -> Option<(Vec<u8>, &[u8])> {
    let mut out = Vec::new();
    let mut i = 1;
    loop {
        let c = *s.get(i)?;
        i += 1;
        match c {
            b'"' => return Some((out, s.get(i..).unwrap_or_default())),
            b'\\' => {
                let e = *s.get(i)?;
                i += 1;
                match e {
                    b'a' => out.push(7),
                    b'b' => out.push(8),
                    b'f' => out.push(12),
                    b'n' => out.push(b'\n'),
                    b'r' => out.push(b'\r'),
                    b't' => out.push(b'\t'),
                    b'v' => out.push(11),
                    b'0'..=b'3' => {
                        let d1 = *s.get(i)?;
                        let d2 = *s.get(i + 1)?;
                        if !(b'0'..=b'7').contains(&d1) || !(b'0'..=b'7').contains(&d2) {
                            return None;
                        }
                        i += 2;
                        out.push(((e - b'0') << 6) | ((d1 - b'0') << 3) | (d2 - b'0'));
                    }
                    b'"' | b'\\' => out.push(e),
                    _ => return None,
                }
            }
            _ => out.push(c),
        }
    }
}

fn valid_attr_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('-')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// Parses an attributes file as git does; macro definitions (`[attr]name …`) go to `macros` when
/// `macros_allowed` (the root file and `.git/info/attributes`), and are ignored elsewhere.
fn parse_attr_file(bytes: &[u8], macros_allowed: bool, macros: &mut Macros, shown: &str) -> Vec<AttrLine> {
    let mut out = Vec::new();
    for (idx, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let line_no = idx as u64 + 1;
        let s = trim_start(raw);
        if s.is_empty() || s.first() == Some(&b'#') {
            continue;
        }
        let (pattern, rest) = if s.first() == Some(&b'"') {
            match unquote(s) {
                Some(x) => x,
                None => split_word(s),
            }
        } else {
            split_word(s)
        };
        let mut attrs = Vec::new();
        let mut bad = false;
        for word in rest.split(|b| b" \t\r\n".contains(b)).filter(|w| !w.is_empty()) {
            let word = String::from_utf8_lossy(word);
            let (name, state) = if let Some(n) = word.strip_prefix('-') {
                (n.to_owned(), State::Unset)
            } else if let Some(n) = word.strip_prefix('!') {
                (n.to_owned(), State::Unspecified)
            } else if let Some((n, v)) = word.split_once('=') {
                (n.to_owned(), State::Value(v.to_owned()))
            } else {
                (word.into_owned(), State::Set)
            };
            if !valid_attr_name(&name) {
                bad = true;
                break;
            }
            attrs.push((name, state));
        }
        if bad {
            continue;
        }
        let text = String::from_utf8_lossy(s.get(..s.len() - rest.len()).unwrap_or_default()).into_owned();
        if let Some(name) = pattern.strip_prefix(b"[attr]") {
            let name = String::from_utf8_lossy(name).into_owned();
            if macros_allowed && valid_attr_name(&name) {
                macros.insert(name, (attrs, format!("{shown}:{line_no}"), line_no));
            }
            continue;
        }
        // Negative patterns are ignored in attributes files (git warns).
        if pattern.first() == Some(&b'!') || pattern.is_empty() {
            continue;
        }
        out.push(AttrLine { line: line_no, pattern: Pattern::parse(&pattern), attrs, text });
    }
    out
}

fn trim_start(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|b| b" \t\r".contains(b)).count();
    s.get(n..).unwrap_or_default()
}

fn split_word(s: &[u8]) -> (Vec<u8>, &[u8]) {
    let n = s.iter().take_while(|b| !b" \t\r".contains(b)).count();
    (s.get(..n).unwrap_or_default().to_vec(), s.get(n..).unwrap_or_default())
}

/// The attributes this module reports, and how.
fn attr_effect(name: &str, state: &State) -> Option<FindingKind> {
    use FindingKind::{AttributeConversion as Conv, AttributeRewrite as Rewrite};
    match (name, state) {
        ("export-subst" | "export-ignore", State::Set) => Some(Rewrite),
        ("filter", State::Value(_)) => Some(Rewrite),
        ("ident", State::Set) => Some(Conv),
        ("text", State::Set | State::Value(_)) => Some(Conv),
        ("eol", State::Value(_)) => Some(Conv),
        ("crlf", State::Set | State::Value(_)) => Some(Conv),
        ("working-tree-encoding", State::Value(_)) => Some(Conv),
        ("diff" | "merge", State::Unset | State::Value(_)) => Some(Conv),
        _ => None,
    }
}

fn attr_meaning(name: &str, state: &State) -> String {
    match (name, state) {
        ("export-subst", _) => "`git archive` (a release tarball) replaces each `$Format:…$` in these files with commit data (hash, author, message), so the shipped bytes differ from those shown".into(),
        ("export-ignore", _) => "`git archive` (a release tarball) leaves these out, so a build of the release does not see them (`__has_include`, optional includes, tests)".into(),
        ("filter", State::Value(v)) => format!("checkout and `git add` run these through the `{v}` filter commands configured outside the repository, so the files written differ from the ones stored"),
        ("ident", _) => "checkout expands `$Id$` to `$Id: <blob id> $` in these".into(),
        ("working-tree-encoding", State::Value(v)) => format!("checkout re-encodes these from UTF-8 to {v}"),
        ("diff", State::Unset) => "`git diff` and `git log -p` show no text for changes to these (\"Binary files differ\")".into(),
        ("diff", State::Value(v)) => format!("`git diff` shows these through the `{v}` diff driver (a `textconv` command in the configuration can show other text than the file holds)"),
        ("merge", State::Unset) => "merges do not merge these as text".into(),
        ("merge", State::Value(v)) => format!("merges of these use the `{v}` merge driver"),
        _ => "checkout converts the line endings of these".into(),
    }
}

/// For each file, the deciding line of each reported attribute; computed with git's precedence.
struct Decided {
    /// (attributes file index, line index) -> kind -> attribute as written -> files.
    by_line: BTreeMap<Origin, PerLine>,
    /// Files under `export-subst` and not left out: (path index, origin line).
    subst: Vec<(usize, Origin)>,
}

/// Macro name -> its attributes, where it is defined, its line.
type Macros = HashMap<String, (Vec<(String, State)>, String, u64)>;
/// A line of an attributes file: (file index, line index).
type Origin = (usize, usize);
/// Per kind: the attributes as written (by name) and the files a line decides for.
type PerLine = BTreeMap<FindingKind, (BTreeMap<String, String>, Vec<String>)>;
/// Attribute name -> its state, the line that decided it and the macro it came through.
type Filled = HashMap<String, (State, Origin, Option<String>)>;

/// What [`fill`] spends and where it stopped: the lines whose macros were not expanded to the end
/// ([`MAX_FILL_STEPS`]), and the pattern tests made so far (bounded by [`MAX_ATTR_WORK`]).
#[derive(Default)]
struct FillBudget {
    stopped: HashSet<Origin>,
    work: u64,
}

/// Fills the attributes of one path from the files that apply to it (`stack`: highest precedence
/// first), git's `fill`: the first line (latest, deepest) to state an attribute decides it; a macro set
/// there states its own attributes at that point, and so on through macros of macros, to any depth, as
/// git does (each attribute is decided once, so a cycle ends). The work is bounded by
/// [`MAX_FILL_STEPS`] rather than by a depth: the line where the bound was reached is put in `stopped`.
fn fill(
    stack: &[usize],
    files: &[AttrFile],
    macros: &Macros,
    path: &[u8],
    is_dir: bool,
    wanted: &dyn Fn(&str) -> bool,
    budget: &mut FillBudget,
) -> Filled {
    let mut decided: Filled = HashMap::new();
    let mut steps = 0usize;
    let name = path.rsplit(|&b| b == b'/').next().unwrap_or(path);
    for &fi in stack {
        let Some(f) = files.get(fi) else { continue };
        let candidates = f.index.candidates(name);
        budget.work += candidates.len() as u64;
        for li in candidates {
            let Some(l) = f.lines.get(li) else { continue };
            if !l.pattern.matches(&f.base, path, is_dir) {
                continue;
            }
            for (n, s) in l.attrs.iter().rev() {
                if !expand(macros, n, s, &mut steps, &mut |name, state, via| {
                    if decided.contains_key(name) {
                        return false;
                    }
                    decided.insert(name.to_owned(), (state.clone(), (fi, li), via.map(str::to_owned)));
                    true
                }) {
                    budget.stopped.insert((fi, li));
                }
            }
        }
    }
    decided.retain(|name, _| wanted(name));
    decided
}

/// Git's `fill_one` without recursion: states `name` (via `decide`, which says whether it was not yet
/// decided) and, when it is a macro set here, its attributes in git's order (last first, depth first),
/// naming the first macro as the one they come through. False when [`MAX_FILL_STEPS`] was reached.
fn expand(
    macros: &Macros,
    name: &str,
    state: &State,
    steps: &mut usize,
    decide: &mut dyn FnMut(&str, &State, Option<&str>) -> bool,
) -> bool {
    let mut todo: Vec<(&str, &State, Option<&str>)> = vec![(name, state, None)];
    while let Some((n, s, via)) = todo.pop() {
        *steps += 1;
        if *steps > MAX_FILL_STEPS {
            return false;
        }
        if !decide(n, s, via) {
            continue;
        }
        if *s == State::Set
            && let Some((attrs, _, _)) = macros.get(n)
        {
            let via = Some(via.unwrap_or(n));
            // Pushed in order, so popped last first: git's `for (i = nr - 1; 0 <= i; i--)`.
            todo.extend(attrs.iter().map(|(n2, s2)| (n2.as_str(), s2, via)));
        }
    }
    true
}

pub(crate) fn parent(path: &[u8]) -> &[u8] {
    match path.iter().rposition(|&b| b == b'/') {
        Some(i) => path.get(..i).unwrap_or_default(),
        None => b"",
    }
}

/// The attribute findings; matching stops after `max_work` pattern tests ([`MAX_ATTR_WORK`]) and says so.
fn attribute_findings(files: &[FileEntry], read: &dyn ContentReader, max_work: u64) -> Vec<Finding> {
    let is_attr_file = |f: &FileEntry| {
        let p = f.path.as_bytes();
        is_attr_path(p) && (f.in_tree || p == b".git/info/attributes")
    };
    let sources: Vec<&FileEntry> =
        files.iter().filter(|f| is_attr_file(f) && matches!(f.kind, crate::EntryKind::File { .. })).collect();
    if sources.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut macros: Macros = HashMap::new();
    // Git's built-in macro.
    macros.insert(
        "binary".into(),
        (
            vec![
                ("diff".into(), State::Unset),
                ("merge".into(), State::Unset),
                ("text".into(), State::Unset),
            ],
            "built in".into(),
            0,
        ),
    );
    // The root file's macros first, then `.git/info/attributes` (which wins).
    let mut ordered = sources.clone();
    ordered.sort_by_key(|f| (f.path.as_bytes() == b".git/info/attributes", f.path.as_bytes().to_vec()));
    read.prefetch(&ordered, false);
    let mut attr_files: Vec<AttrFile> = Vec::new();
    let mut info: Option<usize> = None;
    let mut by_dir: HashMap<Vec<u8>, usize> = HashMap::new();
    for f in ordered {
        let shown = f.path.display();
        let bytes = match read.read(f) {
            Ok(b) => b,
            Err(e) => {
                out.push(Finding::file_level(
                    &shown,
                    FindingKind::AttributeRewrite,
                    format!("could not be read again to check its attributes: {e}"),
                ));
                continue;
            }
        };
        let p = f.path.as_bytes();
        let is_info = p == b".git/info/attributes";
        let base = if is_info { Vec::new() } else { parent(p).to_vec() };
        let lines = parse_attr_file(&bytes, is_info || p == b".gitattributes", &mut macros, &shown);
        let idx = attr_files.len();
        let index = AttrIndex::new(&lines);
        attr_files.push(AttrFile { shown, base: base.clone(), lines, index });
        if is_info {
            info = Some(idx);
        } else {
            by_dir.insert(base, idx);
        }
    }
    // Attributes whose state is reported, and the macros that reach them.
    let reported = |name: &str| {
        matches!(
            name,
            "export-subst"
                | "export-ignore"
                | "filter"
                | "ident"
                | "text"
                | "eol"
                | "crlf"
                | "working-tree-encoding"
                | "diff"
                | "merge"
        )
    };
    let stack_of = |dir: &[u8]| -> Vec<usize> {
        let mut stack: Vec<usize> = info.into_iter().collect();
        let mut d = dir;
        loop {
            if let Some(&i) = by_dir.get(d) {
                stack.push(i);
            }
            if d.is_empty() {
                break;
            }
            d = parent(d);
        }
        stack
    };
    let ignores_dirs = attr_files
        .iter()
        .flat_map(|f| f.lines.iter())
        .any(|l| l.attrs.iter().any(|(n, _)| n == "export-ignore" || macros.contains_key(n)));
    // The deciding line of `export-ignore` per directory (memoised; `None`: not ignored).
    let mut dir_ignored: HashMap<Vec<u8>, Option<(usize, usize)>> = HashMap::new();
    let mut decided = Decided { by_line: BTreeMap::new(), subst: Vec::new() };
    let mut stacks: HashMap<Vec<u8>, Vec<usize>> = HashMap::new();
    let mut budget = FillBudget::default();
    let mut work_stopped: Option<(String, usize)> = None;
    for (pi, f) in files.iter().enumerate() {
        if !f.in_tree {
            continue;
        }
        if budget.work > max_work {
            let left = files.get(pi..).unwrap_or_default().iter().filter(|f| f.in_tree).count();
            work_stopped = Some((f.path.display(), left));
            break;
        }
        let p = f.path.as_bytes();
        let dir = parent(p);
        let stack: &[usize] = stacks.entry(dir.to_vec()).or_insert_with(|| stack_of(dir));
        // A directory left out of the archive takes everything below it.
        let mut dropped_by: Option<(usize, usize)> = None;
        if ignores_dirs {
            let mut ancestors = Vec::new();
            let mut d = dir;
            while !d.is_empty() {
                ancestors.push(d);
                d = parent(d);
            }
            for d in ancestors.into_iter().rev() {
                let got = match dir_ignored.get(d) {
                    Some(x) => *x,
                    None => {
                        let dstack = stack_of(parent(d));
                        let a = fill(
                            &dstack,
                            &attr_files,
                            &macros,
                            d,
                            true,
                            &|n| n == "export-ignore",
                            &mut budget,
                        );
                        let x =
                            a.get("export-ignore").filter(|(s, _, _)| *s == State::Set).map(|(_, o, _)| *o);
                        dir_ignored.insert(d.to_vec(), x);
                        x
                    }
                };
                if got.is_some() {
                    dropped_by = got;
                    break;
                }
            }
        }
        let shown = f.path.display();
        let a = fill(stack, &attr_files, &macros, p, false, &reported, &mut budget);
        if let Some(origin) = dropped_by {
            let slot =
                decided.by_line.entry(origin).or_default().entry(FindingKind::AttributeRewrite).or_default();
            slot.0.entry("export-ignore".into()).or_insert_with(|| "export-ignore".into());
            slot.1.push(shown.clone());
        }
        let ignored_self = a.get("export-ignore").is_some_and(|(s, _, _)| *s == State::Set);
        let shipped = dropped_by.is_none() && !ignored_self;
        let mut names: Vec<_> = a.iter().collect();
        names.sort_by(|x, y| x.0.cmp(y.0));
        let mut listed: HashSet<((usize, usize), FindingKind)> = HashSet::new();
        for (name, (state, origin, via)) in names {
            let Some(kind) = attr_effect(name, state) else { continue };
            if name == "export-subst" {
                // Not shipped: what the archive would do to it does not matter.
                if !shipped {
                    continue;
                }
                decided.subst.push((pi, *origin));
            }
            let slot = decided.by_line.entry(*origin).or_default().entry(kind).or_default();
            let written = match via {
                Some(m) => format!("{} (from the macro `{m}`)", state.written(name)),
                None => state.written(name),
            };
            slot.0.entry(name.clone()).or_insert(written);
            if listed.insert((*origin, kind)) {
                slot.1.push(shown.clone());
            }
        }
    }
    // The bound on the work, reached: said on each attributes file, whose lines were not matched against
    // the files left.
    if let Some((from, left)) = &work_stopped {
        for f in &attr_files {
            out.push(Finding::file_level(
                &f.shown,
                FindingKind::AttributeRewrite,
                format!(
                    "the attributes were not checked for {left} files (from `{from}` on): matching the \
                     attributes files' lines against the snapshot's files stopped after {max_work} pattern \
                     tests; what this file's lines do to those files is not reported"
                ),
            ));
        }
    }
    // Lines that set a rewriting attribute but decide for no file are listed too.
    for (fi, f) in attr_files.iter().enumerate() {
        for (li, l) in f.lines.iter().enumerate() {
            // Each attribute the line states, through macros of macros as `fill` reads them.
            let mut expanded: Vec<(String, State, Option<String>)> = Vec::new();
            let mut steps = 0usize;
            for (n, s) in &l.attrs {
                let mut seen: HashSet<String> = HashSet::new();
                if !expand(&macros, n, s, &mut steps, &mut |n2, s2, via| {
                    if !seen.insert(n2.to_owned()) {
                        return false;
                    }
                    expanded.push((n2.to_owned(), s2.clone(), via.map(str::to_owned)));
                    true
                }) {
                    budget.stopped.insert((fi, li));
                }
            }
            for (n, s, via) in expanded {
                if attr_effect(&n, &s) == Some(FindingKind::AttributeRewrite) {
                    let slot = decided
                        .by_line
                        .entry((fi, li))
                        .or_default()
                        .entry(FindingKind::AttributeRewrite)
                        .or_default();
                    let written = match via {
                        Some(m) => format!("{} (from the macro `{m}`)", s.written(&n)),
                        None => s.written(&n),
                    };
                    slot.0.entry(n).or_insert(written);
                }
            }
        }
    }
    for ((fi, li), kinds) in &decided.by_line {
        let (Some(f), Some(l)) = (attr_files.get(*fi), attr_files.get(*fi).and_then(|f| f.lines.get(*li)))
        else {
            continue;
        };
        for (kind, (attrs, paths)) in kinds {
            let written: Vec<String> = l.attrs.iter().map(|(n, s)| s.written(n)).collect();
            let state_of = |n: &str| {
                l.attrs.iter().find(|(ln, _)| ln == n).map(|(_, s)| s.clone()).unwrap_or_else(|| {
                    let from_macro = macros.values().flat_map(|(m, _, _)| m.iter()).find(|(mn, _)| mn == n);
                    from_macro.map(|(_, s)| s.clone()).unwrap_or(State::Set)
                })
            };
            let meanings: Vec<String> = attrs
                .iter()
                .map(|(n, w)| {
                    let meaning = attr_meaning(n, &state_of(n));
                    if attrs.len() == 1 && !w.contains(' ') { meaning } else { format!("{w}: {meaning}") }
                })
                .collect();
            let files_part = if paths.is_empty() {
                "it decides for no file of the snapshot".to_owned()
            } else {
                format!(
                    "{} {}: {}",
                    paths.len(),
                    if paths.len() == 1 { "file" } else { "files" },
                    name_list(paths)
                )
            };
            out.push(Finding {
                path: f.shown.clone(),
                line: Some(l.line),
                column: Some(1),
                kind: *kind,
                detail: format!("`{} {}`: {}; {files_part}", l.text, written.join(" "), meanings.join("; ")),
            });
        }
    }
    for (fi, li) in budget.stopped {
        let (Some(f), Some(l)) = (attr_files.get(fi), attr_files.get(fi).and_then(|f| f.lines.get(li)))
        else {
            continue;
        };
        out.push(Finding {
            path: f.shown.clone(),
            line: Some(l.line),
            column: Some(1),
            kind: FindingKind::AttributeRewrite,
            detail: format!(
                "`{}`: its macros were not expanded to the end (Vitrine stops after {MAX_FILL_STEPS} steps for one file; git expands them all): the attributes git gives the files it matches are not all known, so what `git archive` or a checkout does to them is not checked",
                l.text
            ),
        });
    }
    // Each `$Format:…$` placeholder `git archive` replaces, within a scanning budget: a file past it
    // is a finding saying it was not scanned.
    let mut budget = FORMAT_SCAN_BUDGET;
    let mut scanned: Vec<(&FileEntry, Origin)> = Vec::new();
    for (pi, (fi, li)) in &decided.subst {
        let Some(f) = files.get(*pi) else { continue };
        if !matches!(f.kind, crate::EntryKind::File { .. }) {
            continue;
        }
        if f.size_bytes > budget {
            out.push(Finding::file_level(
                &f.path.display(),
                FindingKind::AttributeRewrite,
                format!(
                    "under export-subst, but not scanned for `$Format:` placeholders: the files under export-subst hold more than {} MiB, Vitrine's scanning bound",
                    FORMAT_SCAN_BUDGET >> 20
                ),
            ));
            continue;
        }
        budget -= f.size_bytes;
        scanned.push((f, (*fi, *li)));
    }
    read.prefetch(&scanned.iter().map(|(f, _)| *f).collect::<Vec<_>>(), false);
    for (f, (fi, li)) in scanned {
        let shown = f.path.display();
        let bytes = match read.read(f) {
            Ok(b) => b,
            Err(e) => {
                out.push(Finding::file_level(
                    &shown,
                    FindingKind::AttributeRewrite,
                    format!("under export-subst, but could not be read again to find its `$Format:` placeholders: {e}"),
                ));
                continue;
            }
        };
        let origin = attr_files.get(fi).zip(attr_files.get(fi).and_then(|a| a.lines.get(li)));
        let from = origin.map(|(a, l)| format!("{}:{}", a.shown, l.line)).unwrap_or_default();
        let mut at = 0usize;
        let mut n = 0usize;
        while let Some(i) = memchr::memmem::find(bytes.get(at..).unwrap_or_default(), b"$Format:") {
            let start = at + i;
            let Some(end) = memchr::memchr(b'$', bytes.get(start + 8..).unwrap_or_default()) else { break };
            let end = start + 8 + end;
            n += 1;
            if n > MAX_PLACEHOLDERS {
                // Counted, not listed: one finding below says how many more there are.
                at = end + 1;
                continue;
            }
            let before = bytes.get(..start).unwrap_or_default();
            let line = before.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
            let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |x| x + 1);
            let column = String::from_utf8_lossy(bytes.get(line_start..start).unwrap_or_default())
                .chars()
                .count() as u64
                + 1;
            let mut placeholder =
                String::from_utf8_lossy(bytes.get(start..=end).unwrap_or_default()).into_owned();
            if placeholder.chars().count() > 80 {
                placeholder = placeholder.chars().take(77).collect::<String>() + "…";
            }
            let placeholder = placeholder.replace('\n', "\\n");
            out.push(Finding {
                path: shown.clone(),
                line: Some(line),
                column: Some(column),
                kind: FindingKind::AttributeRewrite,
                detail: format!(
                    "`{placeholder}` is replaced by `git archive` with commit data (export-subst from {from}): the commit message or author can close a comment here and add code to the shipped file"
                ),
            });
            at = end + 1;
        }
        if n > MAX_PLACEHOLDERS {
            out.push(Finding::file_level(
                &shown,
                FindingKind::AttributeRewrite,
                format!(
                    "and {} more `$Format:` placeholders `git archive` replaces (export-subst from {from}), not listed one by one",
                    n - MAX_PLACEHOLDERS
                ),
            ));
        }
    }
    out
}

fn name_list(paths: &[String]) -> String {
    let mut s: Vec<String> = paths.iter().take(MAX_NAMED).map(|p| format!("`{p}`")).collect();
    if paths.len() > MAX_NAMED {
        s.push(format!("and {} more", paths.len() - MAX_NAMED));
    }
    s.join(", ")
}

// ---------------------------------------------------------------------------------------------------
// Build files.

#[derive(Clone, Copy, PartialEq, Eq)]
enum BuildLang {
    Make,
    CMake,
    Meson,
    Shell,
    /// A Go file's `//go:generate` lines (run by `go generate`, without a shell).
    GoGenerate,
    /// `package.json`: its `scripts` (npm runs the lifecycle ones on `npm install`, `npm pack`, …).
    PackageJson,
    /// `setup.py`, `hatch_build.py`: Python run by `pip install .` and the build backends.
    PythonHook,
    /// Cargo's `build.rs`: Rust run by `cargo build` before the crate is compiled.
    CargoBuild,
}

/// Whether `path` is a build file that may give the compiler `-D` flags (make, CMake, meson, shell).
pub(crate) fn defines_compiler_flags(path: &[u8]) -> bool {
    matches!(build_lang(path), Some(BuildLang::Make | BuildLang::CMake | BuildLang::Meson | BuildLang::Shell))
}

fn build_lang(path: &[u8]) -> Option<BuildLang> {
    let name = path.rsplit(|&b| b == b'/').next().unwrap_or(path);
    let ext = name.rsplit(|&b| b == b'.').next().filter(|_| name.contains(&b'.')).unwrap_or_default();
    match name {
        b"Makefile" | b"makefile" | b"GNUmakefile" | b"BSDmakefile" | b"Kbuild" => {
            return Some(BuildLang::Make);
        }
        b"CMakeLists.txt" => return Some(BuildLang::CMake),
        b"meson.build" => return Some(BuildLang::Meson),
        b"package.json" => return Some(BuildLang::PackageJson),
        b"setup.py" | b"hatch_build.py" => return Some(BuildLang::PythonHook),
        b"build.rs" => return Some(BuildLang::CargoBuild),
        _ => {}
    }
    if name.starts_with(b"Makefile.") && !name.ends_with(b".in") {
        return Some(BuildLang::Make);
    }
    match ext {
        b"mk" | b"mak" => Some(BuildLang::Make),
        b"cmake" => Some(BuildLang::CMake),
        b"sh" | b"bash" => Some(BuildLang::Shell),
        b"go" => Some(BuildLang::GoGenerate),
        _ => None,
    }
}

/// Whether `path` names a makefile: one of the build files read as make (`Makefile`, `GNUmakefile`,
/// `Kbuild`, `Makefile.*`, `*.mk`, …), or an automake or configure template of one (`Makefile.am`,
/// `Makefile.in`, copied with its comments into the makefile).
pub(crate) fn is_make_file(path: &[u8]) -> bool {
    let name = path.rsplit(|&b| b == b'/').next().unwrap_or(path);
    matches!(build_lang(path), Some(BuildLang::Make)) || name == b"Makefile.in"
}

fn ext_of(name: &[u8]) -> &[u8] {
    let base = name.rsplit(|&b| b == b'/').next().unwrap_or(name);
    match base.iter().rposition(|&b| b == b'.') {
        Some(i) if i > 0 || base.len() > 1 => base.get(i + 1..).unwrap_or_default(),
        _ => b"",
    }
}

/// Extensions of sources that are compiled (a generated one counts).
fn compiled_ext(ext: &[u8]) -> bool {
    matches!(
        ext,
        b"c" | b"h"
            | b"cc"
            | b"cpp"
            | b"cxx"
            | b"c++"
            | b"hpp"
            | b"hh"
            | b"hxx"
            | b"h++"
            | b"inl"
            | b"ipp"
            | b"s"
            | b"S"
            | b"sx"
            | b"asm"
            | b"m"
            | b"mm"
            | b"rs"
            | b"go"
            | b"java"
            | b"kt"
            | b"swift"
            | b"cs"
            | b"f"
            | b"f90"
            | b"zig"
    )
}

/// Extensions of sources (an edit of an existing one counts).
fn source_ext(ext: &[u8]) -> bool {
    compiled_ext(ext)
        || matches!(
            ext,
            b"py"
                | b"js"
                | b"mjs"
                | b"cjs"
                | b"ts"
                | b"tsx"
                | b"jsx"
                | b"rb"
                | b"pl"
                | b"pm"
                | b"php"
                | b"lua"
        )
}

/// What a build command does to a source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Edit {
    /// Edits a source of the snapshot in place.
    InPlace { tool: String, path: String },
    /// Writes over a source of the snapshot.
    Overwrite { tool: String, path: String },
    /// Writes a source that is not in the snapshot (generated), maybe from one that is (a copy or a
    /// link by `cp`, `ln`, …; else a rewritten copy).
    Generate { tool: String, name: String, from: Option<String> },
    /// `patch`: edits the files its patch names.
    Patch,
}

impl Edit {
    pub(crate) fn describe(&self) -> String {
        match self {
            Edit::InPlace { tool, path } => format!("`{tool}` edits `{path}` in place"),
            Edit::Overwrite { tool, path } => format!("`{tool}` writes over `{path}`"),
            Edit::Generate { tool, name, from: Some(src) } => {
                let what = match tool.as_str() {
                    "ln" => "a link to",
                    "cp" | "install" | "rsync" | "mv" => "a copy of",
                    _ => "a rewritten copy of",
                };
                format!("`{tool}` writes the source `{name}`, {what} `{src}`")
            }
            Edit::Generate { tool, name, from: None } => format!("`{tool}` writes the source `{name}`"),
            Edit::Patch => "`patch` edits the files its patch names in place".into(),
        }
    }
}

/// Resolves a path word of build file `dir` (no trailing slash) to a snapshot file, or says it names a
/// generated source.
pub(crate) enum Target {
    Existing(String),
    Generated(String),
}

pub(crate) struct Resolver<'a> {
    pub(crate) paths: &'a HashSet<&'a [u8]>,
}

impl Resolver<'_> {
    pub(crate) fn resolve(&self, dir: &[u8], word: &str) -> Option<Target> {
        let mut w = word.trim_matches(|c| c == '"' || c == '\'');
        // Leading variables naming directories (`$(obj)/`, `${CMAKE_BINARY_DIR}/`, `$srcdir/`).
        loop {
            let rest = if let Some(r) = w.strip_prefix("$(") {
                r.find(')').map(|i| &r[i + 1..])
            } else if let Some(r) = w.strip_prefix("${") {
                r.find('}').map(|i| &r[i + 1..])
            } else if let Some(r) = w.strip_prefix('$') {
                let n = r.bytes().take_while(|b| b.is_ascii_alphanumeric() || *b == b'_').count();
                (n > 0).then(|| &r[n..])
            } else {
                None
            };
            match rest.and_then(|r| r.strip_prefix('/')) {
                Some(r) => w = r,
                None => break,
            }
        }
        let ext = ext_of(w.as_bytes());
        if !source_ext(ext) {
            return None;
        }
        if w.contains(['$', '*', '%', '?', '[', '`', '(', ')', '{', '}']) {
            return compiled_ext(ext).then(|| Target::Generated(word.to_owned()));
        }
        for base in [dir, b"".as_slice()] {
            let joined = normalise(base, w.as_bytes());
            if let Some(j) = joined
                && self.paths.contains(j.as_slice())
            {
                return Some(Target::Existing(String::from_utf8_lossy(&j).into_owned()));
            }
            if base.is_empty() {
                break;
            }
        }
        compiled_ext(ext).then(|| Target::Generated(word.to_owned()))
    }
}

/// `base/rel` with `.` and `..` resolved; `None` when it climbs out.
fn normalise(base: &[u8], rel: &[u8]) -> Option<Vec<u8>> {
    let mut parts: Vec<&[u8]> = if rel.starts_with(b"/") {
        return None;
    } else {
        base.split(|&b| b == b'/').filter(|c| !c.is_empty()).collect()
    };
    for c in rel.split(|&b| b == b'/') {
        match c {
            b"" | b"." => {}
            b".." => {
                parts.pop()?;
            }
            c => parts.push(c),
        }
    }
    Some(parts.join(&b'/'))
}

/// Splits a shell command line into simple commands (`;`, `&&`, `||`, `|`, `&`, parentheses, backquotes)
/// and each into words, keeping quotes and `$(…)`/`${…}` groups inside a word.
pub(crate) fn commands(line: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let mut depth = 0usize;
    let mut chars = line.chars().peekable();
    let flush_word = |word: &mut String, words: &mut Vec<String>| {
        if !word.is_empty() {
            words.push(std::mem::take(word));
        }
    };
    while let Some(c) = chars.next() {
        if let Some(q) = quote {
            if c == q {
                quote = None;
            } else if c == '\\' && q == '"' {
                if let Some(n) = chars.next() {
                    word.push(n);
                }
            } else {
                word.push(c);
            }
            continue;
        }
        if depth > 0 {
            word.push(c);
            if c == '(' || c == '{' {
                depth += 1;
            } else if c == ')' || c == '}' {
                depth -= 1;
            }
            continue;
        }
        match c {
            '\'' | '"' => quote = Some(c),
            '$' if matches!(chars.peek(), Some('(') | Some('{')) => {
                word.push(c);
                if let Some(n) = chars.next() {
                    word.push(n);
                }
                depth = 1;
            }
            '\\' => {
                if let Some(n) = chars.next() {
                    word.push(n);
                }
            }
            ' ' | '\t' | '\r' | '\n' => flush_word(&mut word, &mut words),
            ';' | '&' | '|' | '(' | ')' | '`' => {
                flush_word(&mut word, &mut words);
                if !words.is_empty() {
                    out.push(std::mem::take(&mut words));
                }
            }
            '>' | '<' => {
                flush_word(&mut word, &mut words);
                let mut op = c.to_string();
                while let Some(&n) = chars.peek() {
                    if n == '>' || n == '|' || n == '&' {
                        op.push(n);
                        chars.next();
                    } else {
                        break;
                    }
                }
                words.push(op);
            }
            _ => word.push(c),
        }
    }
    flush_word(&mut word, &mut words);
    if !words.is_empty() {
        out.push(words);
    }
    out
}

/// The tool a command word names: `/usr/bin/sed`, `$(SED)`, `${PERL}` -> `sed`, `perl`.
fn tool_name(word: &str) -> String {
    let mut w = word.trim_start_matches(['@', '-', '+']);
    // `$(Q)$(SED)`: a quiet-prefix variable glued to the tool.
    while let Some(r) = w.strip_prefix("$(")
        && let Some(i) = r.find(')')
        && i + 1 < r.len()
    {
        w = &r[i + 1..];
    }
    let w = w
        .strip_prefix("$(")
        .and_then(|r| r.strip_suffix(')'))
        .or_else(|| w.strip_prefix("${").and_then(|r| r.strip_suffix('}')))
        .unwrap_or(w);
    w.rsplit('/').next().unwrap_or(w).to_ascii_lowercase()
}

/// The edits of one simple command of build file `dir`.
pub(crate) fn command_edits(words: &[String], dir: &[u8], r: &Resolver<'_>, out: &mut Vec<Edit>) {
    // Redirections first: `> x.c`, `>> x.c`, `>x.c`.
    let mut args: Vec<&str> = Vec::new();
    let mut outputs: Vec<&str> = Vec::new();
    let mut i = 0;
    while let Some(w) = words.get(i) {
        if w.starts_with('>')
            || (w.len() == 2 && w.starts_with(|c: char| c.is_ascii_digit()) && w.ends_with('>'))
        {
            if !w.contains('&')
                && let Some(t) = words.get(i + 1)
            {
                outputs.push(t);
            }
            i += 2;
            continue;
        }
        if w.starts_with('<') {
            i += 2;
            continue;
        }
        args.push(w);
        i += 1;
    }
    // Skip make prefixes, `$(Q)`, environment assignments and wrappers.
    let mut k = 0;
    while let Some(w) = args.get(k) {
        let t = tool_name(w);
        let wrapper = matches!(
            t.as_str(),
            "" | "q"
                | "v"
                | "exec"
                | "command"
                | "env"
                | "sudo"
                | "nice"
                | "time"
                | "if"
                | "then"
                | "else"
                | "elif"
                | "do"
                | "while"
                | "until"
                | "!"
                | "{"
        );
        if wrapper || (w.contains('=') && !w.starts_with('-')) {
            k += 1;
        } else {
            break;
        }
    }
    let Some(cmd) = args.get(k) else {
        return;
    };
    let tool = tool_name(cmd);
    let rest: Vec<&str> = args.get(k + 1..).unwrap_or_default().to_vec();
    let reads_source = |words: &[&str]| -> Option<String> {
        words.iter().filter(|w| !w.starts_with('-')).find_map(|w| match r.resolve(dir, w) {
            Some(Target::Existing(p)) => Some(p),
            _ => None,
        })
    };
    for o in &outputs {
        match r.resolve(dir, o) {
            Some(Target::Existing(path)) => out.push(Edit::Overwrite { tool: tool.clone(), path }),
            Some(Target::Generated(name)) => {
                out.push(Edit::Generate { tool: tool.clone(), name, from: reads_source(&rest) })
            }
            None => {}
        }
    }
    let in_place_targets = |files: Vec<&str>, out: &mut Vec<Edit>| {
        for f in files {
            if let Some(Target::Existing(path)) = r.resolve(dir, f) {
                out.push(Edit::InPlace { tool: tool.clone(), path });
            }
        }
    };
    match tool.as_str() {
        "sed" | "gsed" => {
            let (mut in_place, mut script_given, mut operands) = (false, false, Vec::new());
            let mut j = 0;
            while let Some(w) = rest.get(j) {
                if let Some(long) = w.strip_prefix("--") {
                    in_place |= long.starts_with("in-place");
                    if long == "expression" || long == "file" {
                        script_given = true;
                        j += 1;
                    } else if long.starts_with("expression=") || long.starts_with("file=") {
                        script_given = true;
                    }
                } else if let Some(short) = w.strip_prefix('-').filter(|s| !s.is_empty()) {
                    for (ci, c) in short.char_indices() {
                        match c {
                            'i' => {
                                in_place = true;
                                break;
                            }
                            'e' | 'f' => {
                                script_given = true;
                                if ci + 1 == short.len() {
                                    j += 1;
                                }
                                break;
                            }
                            'l' => break,
                            _ => {}
                        }
                    }
                } else {
                    operands.push(*w);
                }
                j += 1;
            }
            if in_place {
                let files = if script_given { operands } else { operands.into_iter().skip(1).collect() };
                in_place_targets(files, out);
            }
        }
        "perl" => {
            let (mut in_place, mut script_given, mut operands) = (false, false, Vec::new());
            let mut j = 0;
            while let Some(w) = rest.get(j) {
                if let Some(short) = w.strip_prefix('-').filter(|s| !s.is_empty() && !s.starts_with('-')) {
                    for (ci, c) in short.char_indices() {
                        match c {
                            'i' => {
                                in_place = true;
                                break;
                            }
                            'e' | 'E' => {
                                script_given = true;
                                if ci + 1 == short.len() {
                                    j += 1;
                                }
                                break;
                            }
                            'M' | 'm' | 'I' | 'x' | 'd' | 'D' | 'C' | '0' | 'l' => break,
                            _ => {}
                        }
                    }
                } else {
                    operands.push(*w);
                }
                j += 1;
            }
            if in_place {
                let files = if script_given { operands } else { operands.into_iter().skip(1).collect() };
                in_place_targets(files, out);
            }
        }
        "awk" | "gawk"
            if rest.windows(2).any(|w| w.first() == Some(&"-i") && w.get(1) == Some(&"inplace"))
                || rest.contains(&"-iinplace") =>
        {
            let files: Vec<&str> = rest.iter().copied().filter(|w| !w.starts_with('-')).skip(2).collect();
            in_place_targets(files, out);
        }
        "ed" | "ex" => {
            in_place_targets(rest.iter().copied().filter(|w| !w.starts_with('-')).collect(), out);
        }
        "patch" => out.push(Edit::Patch),
        "cp" | "mv" | "install" | "ln" | "rsync" => {
            let operands: Vec<&str> = rest.iter().copied().filter(|w| !w.starts_with('-')).collect();
            if operands.len() >= 2
                && let Some(dest) = operands.last()
            {
                let from = reads_source(operands.get(..operands.len() - 1).unwrap_or_default());
                match r.resolve(dir, dest) {
                    Some(Target::Existing(path)) => out.push(Edit::Overwrite { tool: tool.clone(), path }),
                    Some(Target::Generated(name)) if from.is_some() => {
                        out.push(Edit::Generate { tool: tool.clone(), name, from })
                    }
                    _ => {}
                }
            }
        }
        "tee" => {
            for w in rest.iter().filter(|w| !w.starts_with('-')) {
                match r.resolve(dir, w) {
                    Some(Target::Existing(path)) => out.push(Edit::Overwrite { tool: tool.clone(), path }),
                    Some(Target::Generated(name)) => {
                        out.push(Edit::Generate { tool: tool.clone(), name, from: None })
                    }
                    None => {}
                }
            }
        }
        // `sh -c '…'`: the script's own commands (go:generate and npm run no shell of their own).
        "sh" | "bash" | "dash" | "zsh" => {
            if let Some(i) = rest.iter().position(|w| *w == "-c")
                && let Some(script) = rest.get(i + 1)
            {
                for words in commands(script) {
                    command_edits(&words, dir, r, out);
                }
            }
        }
        "dd" => {
            for w in rest.iter().filter_map(|w| w.strip_prefix("of=")) {
                if let Some(Target::Existing(path)) = r.resolve(dir, w) {
                    out.push(Edit::Overwrite { tool: tool.clone(), path });
                }
            }
        }
        _ => {}
    }
}

/// Logical lines of a build file: continuation lines (`\` at the end, and for CMake and meson an open
/// parenthesis) joined, each with its first line number.
fn logical_lines(text: &str, lang: BuildLang) -> Vec<(u64, String)> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut start = 0u64;
    let mut depth: i64 = 0;
    for (idx, raw) in text.split('\n').enumerate() {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        if cur.is_empty() {
            start = idx as u64 + 1;
        } else {
            cur.push(' ');
        }
        let (body, continued) = match raw.strip_suffix('\\') {
            Some(b) if lang != BuildLang::CMake && lang != BuildLang::Meson => (b, true),
            _ => (raw, false),
        };
        cur.push_str(body);
        if matches!(lang, BuildLang::CMake | BuildLang::Meson) {
            let code = body.split('#').next().unwrap_or(body);
            depth += code.matches('(').count() as i64 - code.matches(')').count() as i64;
            if depth > 0 && cur.len() < 64 * 1024 {
                continue;
            }
            depth = 0;
        } else if continued && cur.len() < 64 * 1024 {
            continue;
        }
        out.push((start, std::mem::take(&mut cur)));
    }
    if !cur.is_empty() {
        out.push((start, cur));
    }
    out
}

/// The edits of one CMake or meson logical line: `configure_file`, `file(WRITE|APPEND|…)`, and the
/// `COMMAND`s of custom commands.
fn cmake_edits(line: &str, dir: &[u8], r: &Resolver<'_>, out: &mut Vec<Edit>) {
    let trimmed = line.trim_start();
    let lower = trimmed.to_ascii_lowercase();
    let args_of = |s: &str| -> Vec<String> {
        let inner = s.find('(').map(|i| &s[i + 1..]).unwrap_or("");
        let inner = inner.rfind(')').map(|i| &inner[..i]).unwrap_or(inner);
        commands(&inner.replace([',', ':'], " ")).into_iter().flatten().collect()
    };
    let push = |out: &mut Vec<Edit>, tool: &str, word: &str| match r.resolve(dir, word) {
        Some(Target::Existing(path)) => out.push(Edit::Overwrite { tool: tool.into(), path }),
        Some(Target::Generated(name)) => out.push(Edit::Generate { tool: tool.into(), name, from: None }),
        None => {}
    };
    if lower.starts_with("configure_file") {
        let args = args_of(trimmed);
        match args.iter().position(|a| a == "output") {
            Some(i) => {
                if let Some(o) = args.get(i + 1) {
                    push(out, "configure_file", o);
                }
            }
            None => {
                if let Some(o) = args.get(1) {
                    push(out, "configure_file", o);
                }
            }
        }
    } else if lower.starts_with("file") && trimmed.get(4..).is_some_and(|r| r.trim_start().starts_with('(')) {
        let args = args_of(trimmed);
        let op = args.first().map(|a| a.to_ascii_uppercase()).unwrap_or_default();
        match op.as_str() {
            "WRITE" | "APPEND" => {
                if let Some(o) = args.get(1) {
                    push(out, &format!("file({op}"), o);
                }
            }
            "GENERATE" | "CONFIGURE" => {
                if let Some(i) = args.iter().position(|a| a == "OUTPUT")
                    && let Some(o) = args.get(i + 1)
                {
                    push(out, &format!("file({op}"), o);
                }
            }
            "RENAME" | "COPY_FILE" => {
                if let Some(o) = args.get(2) {
                    push(out, &format!("file({op}"), o);
                }
            }
            _ => {}
        }
    }
    // `COMMAND …` of add_custom_command, add_custom_target, execute_process.
    if trimmed.contains("COMMAND") {
        for part in trimmed.split("COMMAND").skip(1) {
            let part = part.split([')']).next().unwrap_or(part);
            for words in commands(part) {
                let words: Vec<String> = words
                    .into_iter()
                    .take_while(|w| {
                        !matches!(
                            w.as_str(),
                            "DEPENDS"
                                | "WORKING_DIRECTORY"
                                | "OUTPUT"
                                | "BYPRODUCTS"
                                | "COMMENT"
                                | "VERBATIM"
                        )
                    })
                    .collect();
                if words.first().is_some_and(|w| w.contains("CMAKE_COMMAND"))
                    && words.get(1).is_some_and(|w| w == "-E")
                {
                    if words.get(2).is_some_and(|w| w.starts_with("copy") || w == "rename")
                        && let Some(dest) = words.last()
                    {
                        push(out, "cmake -E", dest);
                    }
                    continue;
                }
                command_edits(&words, dir, r, out);
            }
        }
    }
}

/// One build file's edits: (line, the line's text, edits).
fn scan_build_file(
    path: &[u8],
    dir: &[u8],
    lang: BuildLang,
    text: &str,
    r: &Resolver<'_>,
) -> Vec<(u64, String, Vec<Edit>)> {
    match lang {
        BuildLang::GoGenerate => return crate::buildhooks::go_generate(path, text, r),
        BuildLang::PackageJson => return crate::buildhooks::npm_scripts(dir, text, r),
        BuildLang::PythonHook => return crate::buildhooks::python_hook(dir, text, r),
        BuildLang::CargoBuild => return crate::buildhooks::cargo_build(dir, text, r),
        _ => {}
    }
    let mut found = Vec::new();
    let mut rule_target: Option<String> = None;
    for (line_no, line) in logical_lines(text, lang) {
        if line.trim_start().starts_with('#') {
            continue;
        }
        let mut edits = Vec::new();
        match lang {
            BuildLang::CMake | BuildLang::Meson => cmake_edits(&line, dir, r, &mut edits),
            BuildLang::Make => {
                let recipe = line.starts_with('\t');
                if !recipe && !line.trim().is_empty() {
                    // `targets: prerequisites` (not `:=`, `::=`).
                    rule_target = None;
                    if let Some(i) = line.find(':')
                        && !line[i..].starts_with(":=")
                        && !line[i..].starts_with("::=")
                        && !line[..i].contains('=')
                    {
                        rule_target = line[..i].split_whitespace().next().map(str::to_owned);
                    }
                }
                let mut body = line.clone();
                if recipe && let Some(t) = &rule_target {
                    body = body.replace("$@", t).replace("$(@)", t);
                }
                // `$(shell …)` and recipe text alike.
                let body = body.replace("$(shell", "(");
                for words in commands(&body) {
                    command_edits(&words, dir, r, &mut edits);
                }
            }
            BuildLang::Shell => {
                for words in commands(&line) {
                    command_edits(&words, dir, r, &mut edits);
                }
            }
            BuildLang::GoGenerate
            | BuildLang::PackageJson
            | BuildLang::PythonHook
            | BuildLang::CargoBuild => {}
        }
        edits.dedup();
        if !edits.is_empty() {
            found.push((line_no, line, edits));
        }
    }
    found
}

fn build_findings(files: &[FileEntry], read: &dyn ContentReader, max_text_bytes: u64) -> Vec<Finding> {
    let mut out = Vec::new();
    // Shadowing entry points, per directory.
    let mut dirs: BTreeMap<&[u8], Vec<&[u8]>> = BTreeMap::new();
    for f in files.iter().filter(|f| f.in_tree) {
        let p = f.path.as_bytes();
        let name = p.rsplit(|&b| b == b'/').next().unwrap_or(p);
        if matches!(name, b"GNUmakefile" | b"makefile" | b"Makefile" | b"BSDmakefile") {
            dirs.entry(parent(p)).or_default().push(name);
        }
    }
    for (dir, names) in dirs {
        let shown = |n: &[u8]| {
            let mut p = dir.to_vec();
            if !p.is_empty() {
                p.push(b'/');
            }
            p.extend_from_slice(n);
            crate::path::display_bytes(&p)
        };
        let has = |n: &[u8]| names.contains(&n);
        let mut shadow = |first: &[u8], others: &[&[u8]], who: &str| {
            let hidden: Vec<String> =
                others.iter().filter(|o| has(o)).map(|o| format!("`{}`", shown(o))).collect();
            if has(first) && !hidden.is_empty() {
                out.push(Finding::file_level(
                    &shown(first),
                    FindingKind::BuildShadow,
                    format!(
                        "{who} reads `{}` before {} beside it: `make` in this directory runs this file, not the one beside it",
                        String::from_utf8_lossy(first),
                        hidden.join(" and ")
                    ),
                ));
            }
        };
        shadow(b"GNUmakefile", &[b"makefile", b"Makefile"], "GNU make");
        shadow(b"makefile", &[b"Makefile"], "make (GNU and BSD)");
        shadow(b"BSDmakefile", &[b"makefile", b"Makefile"], "BSD make");
    }
    // Commands that edit or generate sources.
    let paths: HashSet<&[u8]> = files.iter().map(|f| f.path.as_bytes()).collect();
    let r = Resolver { paths: &paths };
    // In-tree PEP 517 backends (`backend-path`) are build code like `setup.py`, run in their
    // pyproject's directory.
    let backends =
        crate::toolruns::build_backends(files, &|p: &[u8]| paths.contains(p), &|f: &FileEntry| read.read(f));
    let mut build: Vec<(&FileEntry, BuildLang, Option<&Vec<u8>>)> = Vec::new();
    for f in files.iter().filter(|f| f.in_tree && matches!(f.kind, crate::EntryKind::File { .. })) {
        let backend_dir = backends.get(f.path.as_bytes());
        let Some(lang) = build_lang(f.path.as_bytes()).or(backend_dir.map(|_| BuildLang::PythonHook)) else {
            continue;
        };
        // `go generate ./...` leaves vendored packages alone.
        if lang == BuildLang::GoGenerate && matches!(f.class, ContentClass::Vendored) {
            continue;
        }
        // Binary by its bytes (a NUL): make, cmake and the shell do not read it as a script either.
        if matches!(f.class, ContentClass::Binary) {
            continue;
        }
        // Any size the text limit admits is read (round 10 F4: a 4 MiB bound skipped a generated
        // Makefile silently); past it, the file is a finding, never a silent skip.
        if f.size_bytes > max_text_bytes {
            out.push(Finding::file_level(
                &f.path.display(),
                FindingKind::BuildRewrite,
                format!(
                    "a build file of {} bytes, over the text limit ({max_text_bytes} bytes, `--max-text-bytes`): its commands were not read, so an edit of a source at build time would not be found",
                    f.size_bytes
                ),
            ));
            continue;
        }
        build.push((f, lang, backend_dir));
    }
    read.prefetch(&build.iter().map(|(f, _, _)| *f).collect::<Vec<_>>(), true);
    for (f, lang, backend_dir) in build {
        if read.holds_nothing(f) {
            continue;
        }
        let shown = f.path.display();
        let bytes = match read.read(f) {
            Ok(b) => b,
            Err(e) => {
                out.push(Finding::file_level(
                    &shown,
                    FindingKind::BuildRewrite,
                    format!("could not be read again to check its commands: {e}"),
                ));
                continue;
            }
        };
        let text = String::from_utf8_lossy(&bytes);
        // Macros the compiler is given here: a keyword or standard name redefined is `keyword-macro`,
        // as a `#define` of it in a header is.
        if matches!(lang, BuildLang::Make | BuildLang::CMake | BuildLang::Meson | BuildLang::Shell) {
            for d in crate::keywords::build_defines(&text)
                .into_iter()
                .filter(crate::keywords::BuildDefine::deceptive)
            {
                out.push(Finding {
                    path: shown.clone(),
                    line: Some(u64::from(d.line)),
                    column: Some(1),
                    kind: FindingKind::KeywordMacro,
                    detail: format!(
                        "defines `{}{}` for the compiler (`-D` or a compile definition): every `{}` in the sources it builds means what the macro says, not what is written (Vitrine's `def {}` lists it here)",
                        d.name,
                        if d.rest.starts_with('(') { d.rest.replacen(' ', "=", 1) } else { format!("={}", d.rest.trim()) },
                        d.name,
                        d.name
                    ),
                });
            }
        }
        let dir = backend_dir.map_or(parent(f.path.as_bytes()), Vec::as_slice);
        let found = scan_build_file(f.path.as_bytes(), dir, lang, &text, &r);
        let Some((first, _, _)) = found.first() else { continue };
        let n = found.len();
        let mut parts: Vec<String> = found
            .iter()
            .take(MAX_LINES)
            .map(|(line, text, edits)| {
                let mut snippet: String = text.trim().chars().take(90).collect();
                if text.trim().chars().count() > 90 {
                    snippet.push('…');
                }
                let what: Vec<String> = edits.iter().map(Edit::describe).collect();
                format!("line {line} (`{snippet}`): {}", what.join(", "))
            })
            .collect();
        if n > MAX_LINES {
            parts.push(format!("and {} more lines", n - MAX_LINES));
        }
        out.push(Finding {
            path: shown,
            line: Some(*first),
            column: Some(1),
            kind: FindingKind::BuildRewrite,
            detail: format!(
                "edits or generates sources at build time, so what is compiled is not the text shown: {}",
                parts.join("; ")
            ),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildmatch_follows_git() {
        assert!(wildmatch(b"*.c", b"a.c"));
        assert!(!wildmatch(b"*.c", b"x/a.c"));
        assert!(wildmatch(b"src/*.c", b"src/a.c"));
        assert!(!wildmatch(b"src/*.c", b"src/sub/a.c"));
        assert!(wildmatch(b"**/secret.h", b"secret.h"));
        assert!(wildmatch(b"**/secret.h", b"x/y/secret.h"));
        assert!(wildmatch(b"a/**", b"a/b/c"));
        assert!(!wildmatch(b"a/**", b"a"));
        assert!(wildmatch(b"a/**/b", b"a/b"));
        assert!(wildmatch(b"a/**/b", b"a/x/y/b"));
        assert!(wildmatch(b"[a-c]x?.[!h]", b"bxy.c"));
        assert!(!wildmatch(b"[a-c]x?.[!h]", b"bxy.h"));
        assert!(wildmatch(b"x[[:digit:]]", b"x7"));
        assert!(!wildmatch(b"x?y", b"x/y"));
        assert!(wildmatch(b"a**b", b"axxb"));
        assert!(!wildmatch(b"a**b", b"ax/xb"));
        assert!(wildmatch(b"\\*.c", b"*.c"));
        assert!(!wildmatch(b"\\*.c", b"a.c"));
    }

    /// A tiny deterministic generator (xorshift).
    struct Gen(u64);
    impl Gen {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
            xs[(self.next() % xs.len() as u64) as usize]
        }
    }

    #[test]
    fn the_indexed_matcher_tries_every_line_that_matches() {
        // Generated patterns and paths: every line that matches a path (the plain scan over all lines)
        // is among the index's candidates for the path's last name, and the candidates come latest first.
        let mut g = Gen(0x9e37_79b9_7f4a_7c15);
        let parts = [
            "a", "ab", "b", "gen_1", "gen_12", ".c", "c", "*", "**", "?", "[a-c]", "[!a]", "\\*", "x*y",
            "*.c", "gen_*", "*_1.c", "a**b", "***", "m?.c", "",
        ];
        let names =
            ["a", "ab", "b.c", "gen_1.c", "gen_12_x.c", "m1.c", "*.c", "x", "xay", "ab.c", "c", "_1.c"];
        for round in 0..400 {
            let mut lines = Vec::new();
            for _ in 0..12 {
                let comps = 1 + g.next() % 3;
                let mut pat: Vec<String> = (0..comps)
                    .map(|_| {
                        let mut c = g.pick(&parts).to_string();
                        if g.next().is_multiple_of(2) {
                            c.push_str(g.pick(&parts));
                        }
                        c
                    })
                    .collect();
                if g.next().is_multiple_of(5) {
                    pat.insert(0, String::new());
                }
                let mut text = pat.join("/");
                if g.next().is_multiple_of(7) {
                    text.push('/');
                }
                if text.is_empty() {
                    continue;
                }
                lines.push(AttrLine {
                    line: lines.len() as u64 + 1,
                    pattern: Pattern::parse(text.as_bytes()),
                    attrs: vec![("diff".into(), State::Unset)],
                    text,
                });
            }
            let index = AttrIndex::new(&lines);
            for _ in 0..40 {
                let depth = g.next() % 3;
                let mut path: Vec<&str> = (0..depth).map(|_| g.pick(&["a", "src", "ab", "x"])).collect();
                path.push(g.pick(&names));
                let path = path.join("/");
                let is_dir = g.next().is_multiple_of(4);
                let name = path.rsplit('/').next().unwrap();
                let candidates = index.candidates(name.as_bytes());
                assert!(candidates.windows(2).all(|w| w[0] > w[1]), "{candidates:?}");
                for base in ["", "a", "src"] {
                    let plain: Vec<usize> = (0..lines.len())
                        .rev()
                        .filter(|&li| lines[li].pattern.matches(base.as_bytes(), path.as_bytes(), is_dir))
                        .collect();
                    let indexed: Vec<usize> = candidates
                        .iter()
                        .copied()
                        .filter(|&li| lines[li].pattern.matches(base.as_bytes(), path.as_bytes(), is_dir))
                        .collect();
                    assert_eq!(
                        plain,
                        indexed,
                        "round {round}: `{path}` from `{base}` against {:?}",
                        lines.iter().map(|l| &l.text).collect::<Vec<_>>()
                    );
                }
            }
        }
        // The common cases are looked up, not scanned.
        let key = |p: &str| name_key(&Pattern::parse(p.as_bytes()));
        assert_eq!(key("src/**/gen_12_*.c"), NameKey::Prefix(b"gen_12_".to_vec()));
        assert_eq!(key("*.c"), NameKey::Suffix(b".c".to_vec()));
        assert_eq!(key("Makefile"), NameKey::Prefix(b"Makefile".to_vec()));
        assert_eq!(key("docs/**"), NameKey::Any);
        assert_eq!(key("*.[ch]"), NameKey::Any);
        assert_eq!(key("a\\*b"), NameKey::Any);
    }

    fn attr_entry(path: &str, content: &[u8]) -> FileEntry {
        FileEntry {
            path: crate::RelPath::from_bytes(path.as_bytes().to_vec()),
            kind: crate::EntryKind::File { executable: false },
            size_bytes: content.len() as u64,
            sha256: [0; 32].into(),
            blob_sha256: [0; 32].into(),
            blob_sha1: [0; 20].into(),
            class: ContentClass::Text,
            encoding: Some(crate::TextEncoding::Utf8),
            lines: 1,
            in_tree: true,
        }
    }

    #[test]
    fn attribute_matching_is_bounded_and_says_where_it_stopped() {
        // 300 wildcard-only lines (no literal part to look up) on 400 files: 120,000 pattern tests.
        let mut attrs = String::new();
        for i in 0..300 {
            attrs.push_str(&format!("*_{i}/* -diff\n"));
        }
        attrs.push_str("src/*.c export-ignore\n");
        let mut files = vec![attr_entry(".gitattributes", attrs.as_bytes())];
        for i in 0..400 {
            files.push(attr_entry(&format!("src/f{i:03}.c"), b"int x;\n"));
        }
        files.sort_by(|a, b| a.path.as_bytes().cmp(b.path.as_bytes()));
        let read = |f: &FileEntry| -> Result<Vec<u8>, String> {
            Ok(if f.path.as_bytes() == b".gitattributes" { attrs.as_bytes().to_vec() } else { Vec::new() })
        };
        let whole = attribute_findings(&files, &read, MAX_ATTR_WORK);
        assert!(whole.iter().all(|f| !f.detail.contains("not checked")), "{whole:?}");
        assert!(whole.iter().any(|f| f.detail.contains("400 files")), "{whole:?}");
        let cut = attribute_findings(&files, &read, 30_000);
        let stop: Vec<&Finding> = cut.iter().filter(|f| f.detail.contains("were not checked")).collect();
        assert_eq!(stop.len(), 1, "{cut:?}");
        assert_eq!(stop[0].path, ".gitattributes");
        assert_eq!(stop[0].kind, FindingKind::AttributeRewrite);
        assert!(stop[0].detail.contains("(from `src/f"), "{}", stop[0].detail);
    }

    #[test]
    fn sed_perl_and_redirections_are_read_as_edits() {
        let set: HashSet<&[u8]> = [b"src/auth.c".as_slice(), b"notes.txt".as_slice()].into_iter().collect();
        let r = Resolver { paths: &set };
        let edits = |line: &str| -> Vec<Edit> {
            let mut out = Vec::new();
            for w in commands(line) {
                command_edits(&w, b"src", &r, &mut out);
            }
            out
        };
        assert_eq!(edits("sed -i 's/a/b/' auth.c").len(), 1);
        assert_eq!(edits("sed -ne 's/a/b/p' auth.c").len(), 0);
        assert_eq!(edits("sed -i -e 's/a/b/' ../notes.txt").len(), 0);
        assert_eq!(edits("$(Q)$(SED) --in-place=.orig -e s/a/b/ $(srctree)/src/auth.c").len(), 1);
        assert_eq!(edits("perl -pi -e 's/a/b/' auth.c").len(), 1);
        assert_eq!(edits("perl -Mstrict -e 'print 1' auth.c").len(), 0);
        assert_eq!(edits("cat auth.c | sed s/a/b/ > gen/auth2.c").len(), 1);
        assert_eq!(edits("echo x > out.txt").len(), 0);
        assert_eq!(edits("cp x.c.orig auth.c").len(), 1);
        assert_eq!(edits("awk '{print}' auth.c 2> err.log").len(), 0);
    }
}

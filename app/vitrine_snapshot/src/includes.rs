//! Files the C preprocessor reads as code whatever their name: `#include "data/crc32_table.txt"`,
//! `#include "gen/ops.inc"`, `#define TABLE "x.def"` + `#include TABLE`. A file's language is otherwise
//! decided by its name, so such a file would be shown as prose while gcc compiles it.
//!
//! The rule, shared by the health report (a finding per file so included) and by the symbol index and
//! the `in:` filter (which read such a file as its includer's language):
//! - includers are the C and C++ files by name ([`c_family`]), and, transitively, the files they include
//!   as code;
//! - an include counts when it is the quoted form (`#include "…"`, `#include_next "…"`, `#import "…"`)
//!   or a macro defined earlier in the same file as a string literal (`#define T "…"` then
//!   `#include T`); the `<…>` form names the compiler's search path, which the snapshot does not define;
//! - the name is looked up, as cpp does for the quoted form, relative to the includer's directory and
//!   then relative to the snapshot root (the usual `-I.`); `..` may not climb above the root;
//! - only targets whose own name is not a C or C++ source's are reported (a `.h` is C already).
//!
//! Everything is lexical and per line, so the pass is linear in the bytes of the files it reads.

use std::collections::{BTreeMap, HashMap, VecDeque};

use crate::health::{Finding, FindingKind};

/// The C-family language a file's name gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CFamily {
    /// `.c`, and `.h` (a header is C unless a C++ file includes it).
    C,
    /// `.cc`, `.cpp`, `.hpp`, … .
    Cpp,
}

impl CFamily {
    /// The language's name in findings.
    pub fn name(self) -> &'static str {
        match self {
            CFamily::C => "C",
            CFamily::Cpp => "C++",
        }
    }
}

/// The C-family language of a path by its extension (the extensions `vitrine_syntax::lang` gives C or
/// C++, template suffixes looked through: `x.c.in`), or `None`.
pub fn c_family(path: &[u8]) -> Option<CFamily> {
    let name = path.rsplit(|&b| b == b'/').next().unwrap_or(path);
    let name = [b".in".as_slice(), b".tmpl", b".template", b".tpl"]
        .iter()
        .find_map(|s| {
            let stem = name.get(..name.len().checked_sub(s.len())?)?;
            (name.get(stem.len()..)?.eq_ignore_ascii_case(s) && stem.contains(&b'.')).then_some(stem)
        })
        .unwrap_or(name);
    let dot = name.iter().rposition(|&b| b == b'.')?;
    let ext = name.get(dot + 1..)?.to_ascii_lowercase();
    match ext.as_slice() {
        b"c" | b"h" => Some(CFamily::C),
        b"cc" | b"cpp" | b"cxx" | b"c++" | b"cp" | b"hh" | b"hpp" | b"hxx" | b"h++" | b"ipp" | b"tpp"
        | b"inl" | b"tcc" | b"ixx" | b"cppm" => Some(CFamily::Cpp),
        _ => None,
    }
}

/// One include of a file: the 1-based line of its directive and the name as written between quotes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Include {
    /// 1-based line of the `#include`.
    pub line: u32,
    /// The name between the quotes (of the directive, or of the macro's definition).
    pub target: Vec<u8>,
}

/// Where a line continued by a trailing backslash (before an optional CR) is cut, if it is.
fn continued(line: &[u8]) -> Option<usize> {
    let body = line.strip_suffix(b"\r").unwrap_or(line);
    body.strip_suffix(b"\\").map(<[u8]>::len)
}

/// Longest name kept (a path, not data).
const MAX_TARGET: usize = 4096;

/// Whether `text` may hold an include [`code_includes`] reports: some `include` or `import` is followed
/// (after blanks) by anything but `<…` or a quoted C or C++ source's name (`"x.h"`). Most C files hold
/// only those, and the line-by-line reading (every `#define` with a string kept, for `#include MACRO`)
/// was a tenth of the CPU of opening Linux; the test below compares both ways.
fn may_include_code(text: &[u8]) -> bool {
    let words = memchr::memmem::find_iter(text, b"include").map(|at| at + b"include".len());
    let words = words.chain(memchr::memmem::find_iter(text, b"import").map(|at| at + b"import".len()));
    words.into_iter().any(|end| {
        let rest = text.get(end..).unwrap_or_default();
        let blanks = rest.iter().take_while(|&&b| b == b' ' || b == b'\t').count();
        let rest = rest.get(blanks..).unwrap_or_default();
        match rest.first() {
            Some(b'<') => false,
            Some(b'"') => {
                let name = rest.get(1..).unwrap_or_default();
                let close = name.iter().position(|&b| b == b'"' || b == b'\n');
                match close.and_then(|c| name.get(..c).map(|n| (n, name.get(c).copied()))) {
                    Some((n, Some(b'"'))) => c_family(n).is_none(),
                    _ => true,
                }
            }
            // Another word (`include_next`, `#include MACRO`), a comment, a splice, the end.
            _ => true,
        }
    })
}

/// The quoted includes of a C-like text whose target is not a C or C++ source by name (those are read
/// as code already), in line order. Comments between `#`, the directive and its operand are skipped
/// (`# /**/ include "x"`); a line continued by `\` is read with the next. Cheap on text without
/// `include`.
pub fn code_includes(text: &[u8]) -> Vec<Include> {
    if !may_include_code(text) {
        return Vec::new();
    }
    scan_includes(text)
}

/// [`code_includes`], reading every line.
fn scan_includes(text: &[u8]) -> Vec<Include> {
    let mut out = Vec::new();
    let mut macros: HashMap<Vec<u8>, Vec<u8>> = HashMap::new();
    let mut lines = text.split(|&b| b == b'\n');
    let mut line_no = 0u32;
    while let Some(first) = lines.next() {
        line_no += 1;
        let this_line = line_no;
        // The logical line: physical lines joined where one ends with `\` (rare: copied only then).
        let mut line = std::borrow::Cow::Borrowed(first);
        while let Some(cut) = continued(&line) {
            let Some(next) = lines.next() else { break };
            line_no += 1;
            let mut joined = line.into_owned();
            joined.truncate(cut);
            joined.extend_from_slice(next);
            line = std::borrow::Cow::Owned(joined);
        }
        if !line.iter().find(|b| !b.is_ascii_whitespace()).is_some_and(|&b| b == b'#' || b == b'%') {
            continue;
        }
        let mut r = Cursor { s: &line, i: 0 };
        r.blank();
        if !r.eat(b"#") && !r.eat(b"%:") {
            continue;
        }
        r.blank();
        let word = r.ident();
        r.blank();
        match word {
            b"include" | b"include_next" | b"import" => {}
            b"define" => {
                let name = r.ident();
                if !name.is_empty() && r.peek() != Some(b'(') {
                    r.blank();
                    if let Some(lit) = r.string() {
                        macros.insert(name.to_vec(), lit.to_vec());
                    }
                }
                continue;
            }
            b"undef" => {
                macros.remove(r.ident());
                continue;
            }
            _ => continue,
        }
        let target = match r.peek() {
            Some(b'"') => r.string(),
            Some(b'<') | None => None,
            Some(_) => {
                let name = r.ident();
                macros.get(name).map(Vec::as_slice)
            }
        };
        if let Some(t) = target.filter(|t| !t.is_empty() && t.len() <= MAX_TARGET && c_family(t).is_none()) {
            out.push(Include { line: this_line, target: t.to_vec() });
        }
    }
    out
}

struct Cursor<'a> {
    s: &'a [u8],
    i: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    /// Skips blanks, backslash-newlines and `/* … */` comments.
    fn blank(&mut self) {
        loop {
            match (self.peek(), self.s.get(self.i + 1).copied()) {
                (Some(b' ' | b'\t' | b'\r' | b'\x0b' | b'\x0c' | b'\n'), _) => self.i += 1,
                (Some(b'\\'), Some(b'\n' | b'\r')) => self.i += 2,
                (Some(b'/'), Some(b'*')) => {
                    let rest = self.s.get(self.i + 2..).unwrap_or_default();
                    self.i = memchr::memmem::find(rest, b"*/").map_or(self.s.len(), |n| self.i + 2 + n + 2);
                }
                _ => return,
            }
        }
    }

    fn eat(&mut self, lit: &[u8]) -> bool {
        if self.s.get(self.i..).is_some_and(|r| r.starts_with(lit)) {
            self.i += lit.len();
            true
        } else {
            false
        }
    }

    fn ident(&mut self) -> &'a [u8] {
        let from = self.i;
        while self.peek().is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_') {
            self.i += 1;
        }
        self.s.get(from..self.i).unwrap_or_default()
    }

    /// A `"…"` operand (no escapes: an include's name is taken as written, as cpp does).
    fn string(&mut self) -> Option<&'a [u8]> {
        if self.peek() != Some(b'"') {
            return None;
        }
        let rest = self.s.get(self.i + 1..)?;
        let n = memchr::memchr(b'"', rest)?;
        self.i += n + 2;
        rest.get(..n)
    }
}

/// Where cpp looks for a quoted include of `target` written in `includer`: relative to the includer's
/// directory, then to the snapshot root; each normalised (`.` and `..` resolved; `None` where `..`
/// climbs above the root, or the name is absolute).
pub fn candidates(includer: &[u8], target: &[u8]) -> [Option<Vec<u8>>; 2] {
    if target.first() == Some(&b'/') {
        return [None, None];
    }
    let dir =
        includer.iter().rposition(|&b| b == b'/').map_or(&[][..], |n| includer.get(..n).unwrap_or_default());
    let mut beside = dir.to_vec();
    if !beside.is_empty() {
        beside.push(b'/');
    }
    beside.extend_from_slice(target);
    [normalize(&beside), normalize(target)]
}

fn normalize(path: &[u8]) -> Option<Vec<u8>> {
    let mut parts: Vec<&[u8]> = Vec::new();
    for c in path.split(|&b| b == b'/') {
        match c {
            b"" | b"." => {}
            b".." => {
                parts.pop()?;
            }
            c => parts.push(c),
        }
    }
    (!parts.is_empty()).then(|| parts.join(&b'/'))
}

/// A file compiled as code because another includes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncludedAsCode {
    /// The included file.
    pub path: Vec<u8>,
    /// The language it is compiled as: its first includer's.
    pub language: CFamily,
    /// The first includer (in path order) and the 1-based line of its `#include`.
    pub includer: Vec<u8>,
    /// 1-based line of the directive in `includer`.
    pub line: u32,
}

/// The files of a snapshot compiled as code by an include, each once, in path order: starting from the
/// C and C++ files by name, following [`code_includes`] (given per path by `includes_of`, which returns
/// nothing for a file it has no text for) to files of the snapshot (`exists`), and on from those.
/// Each file is visited at most once, so the pass is linear; the includer kept for a file is the first
/// by (round, path), which does not depend on any order but the paths'.
pub fn included_as_code<'a>(
    paths: impl IntoIterator<Item = &'a [u8]>,
    exists: impl Fn(&[u8]) -> bool,
    includes_of: impl Fn(&[u8]) -> Vec<Include>,
) -> Vec<IncludedAsCode> {
    let mut found: BTreeMap<Vec<u8>, IncludedAsCode> = BTreeMap::new();
    let mut queue: VecDeque<(Vec<u8>, CFamily)> =
        paths.into_iter().filter_map(|p| c_family(p).map(|l| (p.to_vec(), l))).collect();
    // Sorted, so that the first includer of a file does not depend on the caller's order.
    queue.make_contiguous().sort();
    while !queue.is_empty() {
        // One round: every includer of this depth, in path order.
        let mut round: Vec<(Vec<u8>, CFamily)> = queue.drain(..).collect();
        round.sort();
        let mut next: Vec<(Vec<u8>, CFamily)> = Vec::new();
        for (includer, lang) in round {
            for inc in includes_of(&includer) {
                let Some(path) = candidates(&includer, &inc.target).into_iter().flatten().find(|p| exists(p))
                else {
                    continue;
                };
                if c_family(&path).is_some() || found.contains_key(&path) {
                    continue;
                }
                next.push((path.clone(), lang));
                found.insert(
                    path.clone(),
                    IncludedAsCode { path, language: lang, includer: includer.clone(), line: inc.line },
                );
            }
        }
        queue.extend(next);
    }
    found.into_values().collect()
}

impl IncludedAsCode {
    /// The detail of the file's [`FindingKind::IncludedAsCode`] finding, which [`languages`] reads back.
    pub fn detail(&self) -> String {
        let lang = self.language.name();
        format!(
            "compiled as {lang} by the #include at {}:{}, though its name is not a {lang} source's: Vitrine reads it as {lang} too (definitions, calls, in:code)",
            crate::path::display_bytes(&self.includer),
            self.line
        )
    }
}

/// The language of each file a snapshot includes as code, by displayed path, from its health findings
/// (the ingest decides it once; the symbol index and the code view read it here).
pub fn languages(findings: &[Finding]) -> HashMap<String, CFamily> {
    findings
        .iter()
        .filter(|f| f.kind == FindingKind::IncludedAsCode)
        .filter_map(|f| {
            // `detail` wrote "compiled as C++ by" or "compiled as C by".
            let rest = f.detail.strip_prefix("compiled as ")?;
            let lang = if rest.starts_with("C++ ") {
                CFamily::Cpp
            } else if rest.starts_with("C ") {
                CFamily::C
            } else {
                return None;
            };
            Some((f.path.clone(), lang))
        })
        .collect()
}

#[cfg(test)]
mod tests {

    /// Texts whose includes the quick look passes over give what reading every line gives: none.
    #[test]
    fn the_quick_look_passes_over_no_include_a_full_reading_reports() {
        let pieces: [&str; 16] = [
            "#include <linux/kernel.h>\n",
            "#include \"internal.h\"\n",
            "#include \"table.txt\"\n",
            "#define T \"keys.def\"\n",
            "#include T\n",
            "# include /* why */ \"ops.inc\"\n",
            "#include \\\n  \"split.inc\"\n",
            "%:include \"digraph.def\"\n",
            "#include_next \"next.inc\"\n",
            "#import \"objc.txt\"\n",
            "/* include \"comment.txt\" */\n",
            "int include_count = 0;\n",
            "#include \"unterminated\n",
            "#define S \"a.h\"\n#include S\n",
            "#include \"x.cpp\"\n",
            "#  include\t\"tab.inc\"\n",
        ];
        // Every text of up to three pieces, in every order.
        let mut checked = 0;
        for a in 0..pieces.len() {
            for b in 0..pieces.len() {
                for c in 0..pieces.len() {
                    let text = [pieces[a], pieces[b], pieces[c]].concat();
                    assert_eq!(code_includes(text.as_bytes()), scan_includes(text.as_bytes()), "{text:?}");
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 16 * 16 * 16);
        // And the quick look does pass over the common case.
        assert!(!may_include_code(b"#include <linux/kernel.h>\n#include \"internal.h\"\n#define X \"s\"\n"));
        assert!(may_include_code(b"#include \"table.txt\"\n"));
    }
    use super::*;

    fn targets(text: &str) -> Vec<(u32, String)> {
        code_includes(text.as_bytes())
            .into_iter()
            .map(|i| (i.line, String::from_utf8(i.target).unwrap()))
            .collect()
    }

    #[test]
    fn quoted_and_macro_includes_of_non_source_names() {
        let src = "#include <stdio.h>\n#include \"a.h\"\n#define T \"data/t.txt\"\n#include T\n  #  include_next \"x.inc\"\n# /* c */ include /* d */ \"Rules\"\n#define F(x) \"no.txt\"\n#include F\n%:include \"dig.def\"\n#inc\\\nlude \"spliced.txt\"\n#include \"last\"\n";
        assert_eq!(
            targets(src),
            [
                (4, "data/t.txt"),
                (5, "x.inc"),
                (6, "Rules"),
                (9, "dig.def"),
                (10, "spliced.txt"),
                (12, "last")
            ]
            .map(|(l, s)| (l, s.to_string()))
        );
        // An #undef'd macro names nothing; text without directives costs one search.
        assert!(targets("#define T \"t.txt\"\n#undef T\n#include T\n").is_empty());
        assert!(targets("int x; /* include */\n").is_empty());
    }

    #[test]
    fn names_resolve_beside_the_includer_then_at_the_root() {
        let [a, b] = candidates(b"src/x.c", b"../data/t.txt");
        assert_eq!(a.as_deref(), Some(b"data/t.txt".as_slice()));
        assert_eq!(b, None, "`..` above the root");
        let [a, b] = candidates(b"x.c", b"./t.txt");
        assert_eq!((a.as_deref(), b.as_deref()), (Some(b"t.txt".as_slice()), Some(b"t.txt".as_slice())));
        assert_eq!(candidates(b"x.c", b"/etc/passwd"), [None, None]);
    }

    #[test]
    fn the_pass_follows_includes_of_included_files_once_each() {
        let files: HashMap<&[u8], &str> = HashMap::from([
            (b"main.c".as_slice(), "#include \"a.txt\"\n#include \"a.txt\"\n"),
            (b"a.txt", "#include \"b.inc\"\n"),
            (b"b.inc", "#include \"a.txt\"\n"),
            (b"z.cpp", "\n#include \"a.txt\"\n#include \"c.def\"\n"),
            (b"c.def", ""),
            (b"readme.txt", "#include \"b.inc\"\n"),
        ]);
        let found = included_as_code(
            files.keys().copied(),
            |p| files.contains_key(p),
            |p| files.get(p).map(|t| code_includes(t.as_bytes())).unwrap_or_default(),
        );
        let shown: Vec<(String, CFamily, String, u32)> = found
            .into_iter()
            .map(|f| {
                (
                    String::from_utf8(f.path).unwrap(),
                    f.language,
                    String::from_utf8(f.includer).unwrap(),
                    f.line,
                )
            })
            .collect();
        assert_eq!(
            shown,
            vec![
                ("a.txt".into(), CFamily::C, "main.c".into(), 1),
                ("b.inc".into(), CFamily::C, "a.txt".into(), 1),
                ("c.def".into(), CFamily::Cpp, "z.cpp".into(), 3),
            ]
        );
    }

    #[test]
    fn the_findings_state_the_language_they_were_made_with() {
        let findings: Vec<Finding> = [(CFamily::C, "t.txt"), (CFamily::Cpp, "u.inc")]
            .into_iter()
            .map(|(language, path)| {
                let inc = IncludedAsCode { path: path.into(), language, includer: b"x.cc".to_vec(), line: 3 };
                Finding::file_level(path, FindingKind::IncludedAsCode, inc.detail())
            })
            .collect();
        let map = languages(&findings);
        assert_eq!(map.get("t.txt"), Some(&CFamily::C));
        assert_eq!(map.get("u.inc"), Some(&CFamily::Cpp));
        assert_eq!(map.len(), 2);
    }
}

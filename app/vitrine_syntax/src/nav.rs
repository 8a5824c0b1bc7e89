//! Navigation over the symbol index: go to definition from a position, with candidates ranked by
//! proximity and labelled with an honest confidence (the match is syntactic, not compiled); the
//! outline of a file.

use serde::Serialize;

use crate::error::SyntaxError;
use crate::index::{DefHit, Match, Role, SymbolIndex};
use crate::lang::Language;
use crate::symbols::{FileSymbols, OutlineNode, Point, extract};

/// How close a candidate is to the place the user asked from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Proximity {
    /// In the file the user asked from.
    SameFile,
    /// In another file of the same directory.
    SameDirectory,
    /// In a file the asking file `#include`s or imports.
    Included,
    /// Anywhere else in the snapshot.
    Elsewhere,
}

/// How sure the match is. Every label is a syntactic judgement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Confidence {
    /// The qualifier written at the use (`ns::f`, `Class::m`) matches the candidate's scope.
    ExactScope,
    /// Defined in the same file.
    SameFile,
    /// Defined in a header the file includes.
    Included,
    /// Only the name matches.
    SameName,
}

/// One ranked go-to-definition candidate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Candidate {
    #[serde(flatten)]
    /// The definition or declaration itself.
    pub hit: DefHit,
    /// Where it is relative to the asking file; nearer candidates sort first.
    pub proximity: Proximity,
    /// How sure the match is (the label shown to the user).
    pub confidence: Confidence,
    /// The line (0-based) of a later definition of the same name in the same scope of the same file,
    /// which replaces this one when the module runs (Python, JavaScript, TypeScript: the last
    /// binding is in force, and a JavaScript function declaration is hoisted wherever it is written).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replaced_by: Option<u32>,
    /// For a definition local to a function enclosing the use asked from (a nested `def`, a function
    /// declared in the enclosing function, a GNU C nested function), how many scopes out it is (0:
    /// the innermost). A local binding shadows every outer one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local_depth: Option<u32>,
}

/// The identifier under a position and what is written just before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameAt {
    /// The identifier under the position, as written.
    pub name: String,
    /// `A::B` of `A::B::name`, if written.
    pub qualifier: Option<String>,
    /// Written as `x.name` or `x->name`.
    pub member: bool,
    /// Followed by `(`.
    pub call: bool,
}

/// The identifier at `at` (0-based line and byte column) in `source`.
pub fn name_at(source: &[u8], at: Point) -> Option<NameAt> {
    let line = source.split(|&b| b == b'\n').nth(at.line as usize)?;
    let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80;
    let col = (at.column as usize).min(line.len());
    let mut start = col;
    while start > 0 && line.get(start - 1).copied().is_some_and(is_ident) {
        start -= 1;
    }
    let mut end = col;
    while line.get(end).copied().is_some_and(is_ident) {
        end += 1;
    }
    if start == end {
        return None;
    }
    let name = String::from_utf8_lossy(line.get(start..end)?).into_owned();
    let before = line.get(..start)?;
    let mut qualifier = None;
    let mut member = false;
    if before.ends_with(b"::") {
        let mut q = before.len() - 2;
        while q > 0
            && line.get(q - 1).copied().is_some_and(|b| is_ident(b) || b == b':' || b == b'<' || b == b'>')
        {
            q -= 1;
        }
        let text = String::from_utf8_lossy(before.get(q..before.len() - 2)?).into_owned();
        if !text.is_empty() {
            qualifier = Some(text);
        }
    } else if before.ends_with(b".") || before.ends_with(b"->") {
        member = true;
    }
    let after = line.get(end..)?;
    let call = after.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'(');
    Some(NameAt { name, qualifier, member, call })
}

/// Ranked definition candidates for the identifier at `at` in `file` (whose current `source` is
/// given): definitions before declarations; then same file, same directory, included headers, the
/// rest; a matching written qualifier first within each group.
pub fn definition(
    index: &SymbolIndex,
    file: &str,
    source: &[u8],
    at: Point,
) -> Result<Vec<Candidate>, SyntaxError> {
    definition_reading(index, file, source, at, &|_| None)
}

/// [`definition`], marking the definitions a later one of the same scope replaces (their files read
/// through `read`).
pub fn definition_reading(
    index: &SymbolIndex,
    file: &str,
    source: &[u8],
    at: Point,
    read: ReadFile<'_>,
) -> Result<Vec<Candidate>, SyntaxError> {
    let Some(target) = name_at(source, at) else { return Ok(Vec::new()) };
    let includes = match index.file_id(file) {
        Some(id) => index.includes(id).to_vec(),
        None => crate::lang::language_for_path(file, source)
            .map(|l| extract(l, source).includes)
            .unwrap_or_default(),
    };
    let hits = index.lookup(&target.name, Match::Exact)?;
    let locals = match crate::lang::language_for_path(file, source) {
        Some(lang) if hits.iter().any(|h| h.path == file) => {
            local_definitions(lang, source, at, &target.name)
        }
        _ => Vec::new(),
    };
    Ok(rank_with_locals(hits, file, &includes, &target, &locals, read))
}

/// The definitions of `name` local to the functions that enclose `at`, each with the depth of the
/// scope that holds it (0: the innermost function around `at`), innermost first. Read from the file
/// as the index reads it, so a local the index holds is found at the same place.
pub fn local_definitions(lang: Language, source: &[u8], at: Point, name: &str) -> Vec<(Point, u32)> {
    let fs = crate::symbols::extract_definitions(lang, source);
    let inside = |d: &crate::symbols::Symbol| d.range.start <= at && at < d.range.end;
    // The functions around `at`, innermost first.
    let mut around: Vec<usize> = (0..fs.definitions.len())
        .filter(|&i| fs.definitions.get(i).is_some_and(|d| d.kind.is_function_like() && inside(d)))
        .collect();
    around.sort_by_key(|&i| fs.definitions.get(i).map(|d| std::cmp::Reverse(d.range.start)));
    let mut out = Vec::new();
    for (depth, &outer) in around.iter().enumerate() {
        let Some(o) = fs.definitions.get(outer) else { continue };
        for d in &fs.definitions {
            // Directly in `outer`: inside it and in no other function of it.
            let direct = d.name == name
                && d.kind.is_callable()
                && d.range.start > o.range.start
                && d.range.end <= o.range.end
                && !fs.definitions.iter().any(|m| {
                    m.kind.is_function_like()
                        && m.range.start > o.range.start
                        && m.range.end <= o.range.end
                        && m.range.start < d.range.start
                        && d.range.end <= m.range.end
                });
            if direct {
                out.push((d.name_range.start, depth as u32));
            }
        }
    }
    out
}

/// Whether a later definition of a name replaces an earlier one of the same scope when the file runs.
fn rebinds_in_order(lang: Option<Language>) -> bool {
    matches!(lang, Some(Language::Python | Language::JavaScript | Language::TypeScript | Language::Tsx))
}

/// Reads a file of the snapshot (for the marks that need its text); `None` when it cannot be read.
pub type ReadFile<'a> = &'a dyn Fn(&str) -> Option<Vec<u8>>;

/// For each hit, the line of the later definition in the same scope of the same file that replaces
/// it (see [`Candidate::replaced_by`]). Same scope: the same path and scope, the same indentation,
/// and no line between the two indented less (which would close the block that holds the first:
/// an `else:`, a `}` or the end of the class); read only for the files with two such definitions.
fn replaced_lines(hits: &[DefHit], read: ReadFile<'_>) -> Vec<Option<u32>> {
    let eligible = |h: &DefHit| {
        rebinds_in_order(h.language)
            && h.role == Role::Definition
            && h.defined_by.is_none()
            && h.found_as_macro.is_none()
            && (h.kind.is_function_like() || h.kind.is_scope())
    };
    let mut texts: std::collections::HashMap<&str, Option<Vec<u8>>> = std::collections::HashMap::new();
    let mut out = vec![None; hits.len()];
    for (i, h) in hits.iter().enumerate() {
        if !eligible(h) {
            continue;
        }
        let later = hits.iter().filter(|l| {
            eligible(l) && l.path == h.path && l.scope == h.scope && l.name == h.name && l.at.line > h.at.line
        });
        let mut best: Option<u32> = None;
        for l in later {
            let text = texts.entry(h.path.as_str()).or_insert_with(|| read(&h.path));
            let Some(text) = text.as_deref() else { continue };
            if same_block(text, h.at.line, l.at.line) {
                best = best.max(Some(l.at.line));
            }
        }
        if let Some(slot) = out.get_mut(i) {
            *slot = best;
        }
    }
    out
}

/// Whether lines `a` < `b` (0-based) have the same indentation and no line between them that is not
/// blank is indented less.
fn same_block(text: &[u8], a: u32, b: u32) -> bool {
    let indent = |line: &[u8]| line.iter().take_while(|&&c| c == b' ' || c == b'\t').count();
    let mut lines = text.split(|&c| c == b'\n').skip(a as usize);
    let Some(first) = lines.next() else { return false };
    let want = indent(first);
    for (k, line) in lines.enumerate() {
        let n = indent(line);
        if a as usize + 1 + k == b as usize {
            return n == want;
        }
        if n < want && line.get(n..).is_some_and(|rest| !rest.iter().all(|c| c.is_ascii_whitespace())) {
            return false;
        }
    }
    false
}

/// Ranks candidates for a name (the ranking `definition` uses), exposed for callers that already
/// have the hits.
pub fn rank(hits: Vec<DefHit>, file: &str, includes: &[String], target: &NameAt) -> Vec<Candidate> {
    rank_with_locals(hits, file, includes, target, &[], &|_| None)
}

/// [`rank`], with the definitions a later one replaces marked (their files read through `read`), and
/// with the definitions local to the functions around the use (from
/// [`local_definitions`]: their name's position in `file` and depth), which come first, innermost
/// first.
pub fn rank_with_locals(
    hits: Vec<DefHit>,
    file: &str,
    includes: &[String],
    target: &NameAt,
    locals: &[(Point, u32)],
    read: ReadFile<'_>,
) -> Vec<Candidate> {
    let dir = parent_dir(file);
    let replaced = replaced_lines(&hits, read);
    let mut out: Vec<Candidate> = hits
        .into_iter()
        .zip(replaced)
        .map(|(hit, replaced_by)| {
            let local_depth = if hit.path == file {
                locals.iter().find(|(at, _)| *at == hit.at).map(|&(_, depth)| depth)
            } else {
                None
            };
            let proximity = if hit.path == file {
                Proximity::SameFile
            } else if parent_dir(&hit.path) == dir {
                Proximity::SameDirectory
            } else if includes.iter().any(|inc| includes_path(inc, &hit.path)) {
                Proximity::Included
            } else {
                Proximity::Elsewhere
            };
            let scope_match = target.qualifier.as_deref().is_some_and(|q| scope_matches(&hit.scope, q));
            let confidence = if scope_match {
                Confidence::ExactScope
            } else if proximity == Proximity::SameFile {
                Confidence::SameFile
            } else if proximity == Proximity::Included {
                Confidence::Included
            } else {
                Confidence::SameName
            };
            Candidate { hit, proximity, confidence, replaced_by, local_depth }
        })
        .collect();
    out.sort_by(|a, b| {
        let key = |c: &Candidate| {
            let kind_fits = if target.call { c.hit.kind.is_callable() } else { true };
            (
                c.hit.role != Role::Definition,
                // A local binding shadows the outer ones, innermost first.
                c.local_depth.unwrap_or(u32::MAX),
                // Found under a macro that wraps it: the macro's own definition comes first.
                c.hit.found_as_macro.is_some(),
                c.proximity,
                c.confidence != Confidence::ExactScope,
                !kind_fits,
                // A definition a later one replaces is not the one in force.
                c.replaced_by.is_some(),
                c.hit.path.clone(),
                c.hit.at.line,
            )
        };
        key(a).cmp(&key(b))
    });
    out
}

/// The outline of a file's source.
pub fn outline(lang: Language, source: &[u8]) -> (FileSymbols, Vec<OutlineNode>) {
    let fs = extract(lang, source);
    let tree = fs.outline();
    (fs, tree)
}

fn parent_dir(path: &str) -> &str {
    path.rsplit_once('/').map(|(d, _)| d).unwrap_or("")
}

/// `#include "net/sock.h"` names `include/net/sock.h`, `net/sock.h`, ...; a directory the index
/// recorded for a Go import (`vendor/corp/auth/`: the package the go command builds) names the files
/// directly in it.
fn includes_path(include: &str, path: &str) -> bool {
    if let Some(dir) = include.strip_suffix('/') {
        return parent_dir(path) == dir;
    }
    let inc = include.trim_start_matches("./");
    path == inc || path.ends_with(&format!("/{inc}"))
}

/// Whether a written qualifier (`B`, `A::B`, `A<T>::B`) names the end of a scope path.
pub(crate) fn scope_matches(scope: &str, qualifier: &str) -> bool {
    let q: String = strip_template_args(qualifier);
    let q = q.trim_start_matches("::");
    scope == q || scope.ends_with(&format!("::{q}")) || scope.ends_with(&format!(".{q}"))
}

fn strip_template_args(s: &str) -> String {
    let mut depth = 0i32;
    s.chars()
        .filter(|&c| {
            match c {
                '<' => depth += 1,
                '>' => depth -= 1,
                _ => return depth == 0,
            }
            false
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_at_reads_qualifiers_members_and_calls() {
        let src = b"int x = ns::Box<int>::make(1);\n  p->count++; foo (2);\n";
        let n = name_at(src, Point { line: 0, column: 23 }).unwrap();
        assert_eq!(n.name, "make");
        assert_eq!(n.qualifier.as_deref(), Some("ns::Box<int>"));
        assert!(n.call && !n.member);
        let n = name_at(src, Point { line: 1, column: 6 }).unwrap();
        assert_eq!((n.name.as_str(), n.member, n.call), ("count", true, false));
        let n = name_at(src, Point { line: 1, column: 15 }).unwrap();
        assert_eq!((n.name.as_str(), n.call), ("foo", true));
        assert!(name_at(src, Point { line: 0, column: 7 }).is_none());
    }

    #[test]
    fn scope_matching_ignores_template_arguments() {
        assert!(scope_matches("ns::Box", "ns::Box<int>"));
        assert!(scope_matches("outer::ns::Box", "Box"));
        assert!(!scope_matches("ns::Boxer", "Box"));
        assert!(includes_path("net/sock.h", "include/net/sock.h"));
        assert!(!includes_path("sock.h", "include/net/xsock.h"));
    }

    fn hit(path: &str, lang: Language, scope: &str, line: u32, column: u32) -> DefHit {
        DefHit {
            id: 0,
            name: "check".into(),
            kind: crate::symbols::SymbolKind::Function,
            role: Role::Definition,
            scope: scope.into(),
            path: path.into(),
            language: Some(lang),
            at: Point { line, column },
            start_line: line,
            end_line: line + 1,
            via_macro: false,
            found_as_macro: None,
            defined_by: None,
        }
    }

    /// A later definition of the same name in the same block replaces the earlier one (Python,
    /// JavaScript hoisting): it ranks first and the earlier one is marked; definitions in the two
    /// branches of a conditional, or in C, replace nothing.
    #[test]
    fn the_definition_in_force_is_the_last_of_its_block() {
        let py = b"def check(u):\n    return strict(u)\n\n# legacy\ndef check(u, realm=None):\n    return True\n\nif PY2:\n    def check(u): pass\nelse:\n    def check(u): pass\n";
        let js = b"function check(b) { return verify(b); }\nmodule.exports = { check };\nfunction check(b) { return true; }\n";
        let c = b"int check(void) { return 0; }\n#ifdef X\nint check(void) { return 1; }\n#endif\n";
        let read = |p: &str| match p {
            "a.py" => Some(py.to_vec()),
            "a.js" => Some(js.to_vec()),
            "a.c" => Some(c.to_vec()),
            _ => None,
        };
        let target = NameAt { name: "check".into(), qualifier: None, member: false, call: true };
        let hits = vec![
            hit("a.py", Language::Python, "", 0, 4),
            hit("a.py", Language::Python, "", 4, 4),
            hit("a.py", Language::Python, "", 8, 8),
            hit("a.py", Language::Python, "", 10, 8),
        ];
        let ranked = rank_with_locals(hits, "", &[], &target, &[], &read);
        let got: Vec<(u32, Option<u32>)> = ranked.iter().map(|c| (c.hit.at.line, c.replaced_by)).collect();
        assert_eq!(got, [(4, None), (8, None), (10, None), (0, Some(4))]);
        let hits =
            vec![hit("a.js", Language::JavaScript, "", 0, 9), hit("a.js", Language::JavaScript, "", 2, 9)];
        let ranked = rank_with_locals(hits, "", &[], &target, &[], &read);
        let got: Vec<(u32, Option<u32>)> = ranked.iter().map(|c| (c.hit.at.line, c.replaced_by)).collect();
        assert_eq!(got, [(2, None), (0, Some(2))]);
        let hits = vec![hit("a.c", Language::C, "", 0, 4), hit("a.c", Language::C, "", 2, 4)];
        let ranked = rank_with_locals(hits, "", &[], &target, &[], &read);
        assert!(ranked.iter().all(|c| c.replaced_by.is_none()));
        assert_eq!(ranked.first().map(|c| c.hit.at.line), Some(0));
        // Without the text nothing is marked.
        let hits =
            vec![hit("a.js", Language::JavaScript, "", 0, 9), hit("a.js", Language::JavaScript, "", 2, 9)];
        assert!(rank(hits, "", &[], &target).iter().all(|c| c.replaced_by.is_none()));
    }

    /// From a use inside a function, a definition local to it (a nested `def`, a function declared
    /// in it even after `return`, a GNU C nested function) shadows the file's global one.
    #[test]
    fn a_local_definition_shadows_the_global_one_from_a_use_inside() {
        let cases: [(Language, &[u8], Point, u32); 3] = [
            (
                Language::Python,
                b"def check(p):\n    return strict(p)\n\ndef login(u, p):\n    def check(p):\n        return bool(p)\n    if check(p):\n        ok()\n",
                Point { line: 6, column: 7 },
                4,
            ),
            (
                Language::JavaScript,
                b"function check(t) { return t === T; }\nfunction login(t) {\n  if (check(t)) ok();\n  return;\n  function check(t) { return true; }\n}\n",
                Point { line: 2, column: 6 },
                4,
            ),
            (
                Language::C,
                b"int check(const char *p) { return strict(p); }\nint login(const char *p)\n{\n    int tries = 0;\n    int check(const char *q) { tries++; return q != 0; }\n    if (!check(p)) return -1;\n    return 0;\n}\n",
                Point { line: 5, column: 9 },
                4,
            ),
        ];
        for (lang, src, at, local_line) in cases {
            let locals = local_definitions(lang, src, at, "check");
            assert_eq!(
                locals.iter().map(|(p, d)| (p.line, *d)).collect::<Vec<_>>(),
                [(local_line, 0)],
                "{lang:?}"
            );
            // Outside the function, nothing is local.
            assert!(
                local_definitions(lang, src, Point { line: 0, column: 0 }, "check").is_empty(),
                "{lang:?}"
            );
        }
    }
}

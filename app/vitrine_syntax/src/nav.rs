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
    let Some(target) = name_at(source, at) else { return Ok(Vec::new()) };
    let includes = match index.file_id(file) {
        Some(id) => index.includes(id).to_vec(),
        None => crate::lang::language_for_path(file, source)
            .map(|l| extract(l, source).includes)
            .unwrap_or_default(),
    };
    let hits = index.lookup(&target.name, Match::Exact)?;
    Ok(rank(hits, file, &includes, &target))
}

/// Ranks candidates for a name (the ranking `definition` uses), exposed for callers that already
/// have the hits.
pub fn rank(hits: Vec<DefHit>, file: &str, includes: &[String], target: &NameAt) -> Vec<Candidate> {
    let dir = parent_dir(file);
    let mut out: Vec<Candidate> = hits
        .into_iter()
        .map(|hit| {
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
            Candidate { hit, proximity, confidence }
        })
        .collect();
    out.sort_by(|a, b| {
        let key = |c: &Candidate| {
            let kind_fits = if target.call { c.hit.kind.is_callable() } else { true };
            (
                c.hit.role != Role::Definition,
                // Found under a macro that wraps it: the macro's own definition comes first.
                c.hit.found_as_macro.is_some(),
                c.proximity,
                c.confidence != Confidence::ExactScope,
                !kind_fits,
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

/// `#include "net/sock.h"` names `include/net/sock.h`, `net/sock.h`, ...
fn includes_path(include: &str, path: &str) -> bool {
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
}

//! Compiling a parsed query: one line-based matcher and one trigram query per text term.

use regex::bytes::Regex;

use super::strip::strip_newlines;
use super::{Expr, Matcher, Query, SymFiles};
use crate::error::SearchError;
use crate::query::{self, Node, TermKind};
use crate::trigram::{self, TriQuery};

impl Query {
    /// Parses and compiles a query.
    pub fn new(text: &str) -> Result<Query, SearchError> {
        let parsed = query::parse(text)?;
        let mut q = Query {
            text: text.to_owned(),
            expr: Expr::Or(Vec::new()),
            matchers: Vec::new(),
            positive: Vec::new(),
            rank_words: Vec::new(),
            def_words: Vec::new(),
            syms: Vec::new(),
            case_sensitive: parsed.case_sensitive,
            multiline: parsed.multiline,
            regions: parsed.regions.clone(),
        };
        q.expr = q.compile(&parsed.root, true)?;
        Ok(q)
    }

    /// The query as the user typed it.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether terms match case-sensitively (`case:yes`).
    pub fn case_sensitive(&self) -> bool {
        self.case_sensitive
    }

    /// Whether the query said `multiline:yes` (its regexes may match across lines).
    pub fn multiline(&self) -> bool {
        self.multiline
    }

    /// The `in:` regions a match must lie in (empty: anywhere).
    pub fn regions(&self) -> &[crate::regions::Region] {
        &self.regions
    }

    fn compile(&mut self, node: &Node, positive: bool) -> Result<Expr, SearchError> {
        Ok(match node {
            Node::And(v) => Expr::And(v.iter().map(|n| self.compile(n, positive)).collect::<Result<_, _>>()?),
            Node::Or(v) => Expr::Or(v.iter().map(|n| self.compile(n, positive)).collect::<Result<_, _>>()?),
            Node::Not(n) => Expr::Not(Box::new(self.compile(n, !positive)?)),
            Node::Path(p) => Expr::Path(self.path_regex(p)?),
            Node::Lang(l) => Expr::Lang(l),
            Node::Sym(s) => {
                self.syms.push((s.clone(), positive));
                Expr::Sym(self.syms.len() - 1)
            }
            Node::Term(t) => {
                let m = compile_term(&self.text, t, self.case_sensitive, self.multiline)?;
                if positive && matches!(t.kind, TermKind::Word | TermKind::Prefix | TermKind::Sub) {
                    self.rank_words.push(t.text.to_lowercase().into_bytes());
                }
                if positive && t.kind == TermKind::Word {
                    self.def_words.push(t.text.clone());
                }
                self.matchers.push(m);
                self.positive.push(positive);
                Expr::Term(self.matchers.len() - 1)
            }
        })
    }

    fn path_regex(&self, pattern: &str) -> Result<Regex, SearchError> {
        regex::bytes::RegexBuilder::new(&path_pattern(pattern))
            .case_insensitive(!self.case_sensitive)
            .build()
            .map_err(|e| SearchError::Query { query: self.text.clone(), position: 0, message: e.to_string() })
    }

    /// The query that selects candidate files: trigrams, and the defining files of `sym:` names.
    pub(super) fn trigram_query(&self, e: &Expr, syms: &[SymFiles]) -> TriQuery {
        match e {
            Expr::Term(i) => self.matchers.get(*i).map_or(TriQuery::All, |m| m.tri.clone()),
            Expr::Sym(i) => {
                syms.get(*i).map_or(TriQuery::All, |m| TriQuery::Files(m.keys().copied().collect()))
            }
            Expr::And(v) => v.iter().fold(TriQuery::All, |acc, x| acc.and(self.trigram_query(x, syms))),
            Expr::Or(v) => v.iter().fold(TriQuery::None, |acc, x| acc.or(self.trigram_query(x, syms))),
            Expr::Not(_) | Expr::Path(_) | Expr::Lang(_) => TriQuery::All,
        }
    }
}

/// The pattern and word-boundary checks of a term, compiled to a line-based matcher (or, for a regex
/// with `multiline`, to one whose matches may span lines).
fn compile_term(
    query: &str,
    t: &query::Term,
    case_sensitive: bool,
    multiline: bool,
) -> Result<Matcher, SearchError> {
    let qerr =
        |at: usize, m: String| SearchError::Query { query: query.to_owned(), position: at, message: m };
    let (pattern, start_bound, end_bound) = match t.kind {
        TermKind::Word => (regex::escape(&t.text), true, true),
        TermKind::Prefix => (regex::escape(&t.text), true, false),
        TermKind::Sub => (regex::escape(&t.text), false, false),
        TermKind::Phrase => {
            let words: Vec<String> = t.text.split_whitespace().map(regex::escape).collect();
            (words.join(r"[\s&&[^\n]]+"), true, true)
        }
        TermKind::Regex => (t.text.clone(), false, false),
    };
    let hir = regex_syntax::ParserBuilder::new()
        .case_insensitive(!case_sensitive)
        .multi_line(true)
        .unicode(true)
        .utf8(false)
        .build()
        .parse(&pattern)
        .map_err(|e| {
            let (offset, msg) = match &e {
                regex_syntax::Error::Parse(p) => (p.span().start.offset, p.kind().to_string()),
                regex_syntax::Error::Translate(p) => (p.span().start.offset, p.kind().to_string()),
                _ => (0, e.to_string()),
            };
            let at = if t.kind == TermKind::Regex { t.at + offset } else { t.at };
            qerr(at, format!("invalid regex: {msg}"))
        })?;
    let multiline = multiline && t.kind == TermKind::Regex;
    let hir = if multiline {
        hir
    } else {
        strip_newlines(hir).ok_or_else(|| {
            qerr(
                t.at,
                "a regex matches within one line (as in ripgrep); add multiline:yes to match line breaks"
                    .to_owned(),
            )
        })?
    };
    let tri = trigram::query_for(&hir);
    let re = regex::bytes::RegexBuilder::new(&hir.to_string())
        .build()
        .map_err(|e| qerr(t.at, format!("invalid regex: {e}")))?;
    let words = match t.kind {
        TermKind::Word | TermKind::Phrase => t
            .text
            .split_whitespace()
            .filter(|w| crate::words::filterable(w))
            .map(str::to_ascii_lowercase)
            .collect(),
        _ => Vec::new(),
    };
    Ok(Matcher { re, start_bound, end_bound, tri, words, multiline })
}

/// The regex of a `path:` value.
///
/// - With `**` in it, the value is a glob over the whole path from the snapshot root (as in
///   `.gitignore`): `**` matches any run of characters across directories (`**/` also none at all),
///   `*` any run within one name, `?` one character within one name. `path:ssl/**` is everything
///   under the top-level `ssl/`.
/// - Otherwise the path contains the text anywhere, `*` matching any run of characters; a leading `^`
///   anchors the text at the start of the path and a trailing `$` at its end (`path:^ssl/` is the
///   top-level `ssl/` only, never `include/openssl/`).
pub(super) fn path_pattern(value: &str) -> String {
    if value.contains("**") {
        return format!("^{}$", glob_body(value));
    }
    let (start, rest) = match value.strip_prefix('^') {
        Some(rest) => ("^", rest),
        None => ("", value),
    };
    let (rest, end) = match rest.strip_suffix('$') {
        Some(rest) => (rest, "$"),
        None => (rest, ""),
    };
    let body: Vec<String> = rest.split('*').map(regex::escape).collect();
    format!("{start}{}{end}", body.join(".*"))
}

/// A glob (see [`path_pattern`]) as the body of a regex.
fn glob_body(glob: &str) -> String {
    let mut out = String::new();
    let mut rest = glob;
    while let Some(c) = rest.chars().next() {
        let (piece, used) = if rest.starts_with("**/") {
            ("(?:.*/)?".to_owned(), 3)
        } else if rest.starts_with("**") {
            (".*".to_owned(), 2)
        } else if c == '*' {
            ("[^/]*".to_owned(), 1)
        } else if c == '?' {
            ("[^/]".to_owned(), 1)
        } else {
            (regex::escape(c.encode_utf8(&mut [0u8; 4])), c.len_utf8())
        };
        out.push_str(&piece);
        rest = rest.get(used..).unwrap_or_default();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(value: &str, path: &str) -> bool {
        regex::bytes::Regex::new(&path_pattern(value)).unwrap().is_match(path.as_bytes())
    }

    /// Issue 13, item 5: `path:` can be anchored (`^`, `$`) or a glob from the root (`**`).
    #[test]
    fn paths_can_be_anchored_or_globbed() {
        let (top, nested) = ("ssl/s3_lib.c", "include/openssl/ssl.h");
        assert!(matches("ssl/", top) && matches("ssl/", nested), "unanchored: anywhere, as before");
        assert!(matches("^ssl/", top) && !matches("^ssl/", nested));
        assert!(matches("ssl/**", top) && matches("ssl/**", "ssl/sub/x.c") && !matches("ssl/**", nested));
        assert!(matches("**/ssl/*.c", top) && matches("**/ssl/*.c", "crypto/ssl/a.c"));
        assert!(!matches("**/ssl/*.c", "ssl/sub/x.c"), "`*` stays within one name");
        assert!(matches("**/*.h", nested) && matches("**/*.h", "top.h") && !matches("**/*.h", "a.hpp"));
        assert!(matches(".h$", nested) && !matches(".h$", "a.hpp") && matches("*.h", "a.hpp"));
        assert!(matches("ssl/?3_lib.c**", top) && !matches("ssl/?3_lib.c**", "ssl/s/3_lib.c"));
        assert!(matches("^ssl/s3_lib.c$", top) && !matches("^ssl/s3_lib.c$", "ssl/s3_lib.cc"));
        assert!(matches("a.b", "a.b") && !matches("a.b", "axb"), "other characters are literal");
    }
}

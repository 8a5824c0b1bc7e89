//! The query language: parsing text into a tree, with errors that point at the offending character.
//!
//! ```text
//! query  := or
//! or     := and ("or" and)*
//! and    := unary+                      (adjacent terms: all must hold, per file)
//! unary  := "-" unary | atom
//! atom   := "(" or ")" | "phrase" | /regex/ | field:value | word | word*
//! field  := path | file | lang | sym | sub | case | multiline | ml | in
//! ```
//! A bare word matches whole words as `rg -w` does; `word*` matches words that start with it; `sub:x`
//! matches `x` anywhere (identifier parts); a phrase matches its words in order with any whitespace
//! between them on one line; `/re/` is a regex. Everything is case-insensitive unless `case:yes`
//! appears anywhere in the query. Regexes match within one line unless `multiline:yes` (or `ml:yes`)
//! appears anywhere in the query: then a regex's `\n`, `\s` or `[^x]` may match line breaks (and `.` too
//! with `(?s)`), as with `rg -U`. `in:comment`, `in:string` and `in:code` (a whole-query option; several
//! allow any of them) keep only matches that lie wholly in that region of the file (see [`crate::regions`]).
//! Inside a word, `(` is literal (so `kmalloc(` is a word), and `)` closes
//! a group only while one is open.
//!
//! A query is bounded, so that no text typed or pasted can exhaust the stack or the memory: at most
//! [`MAX_QUERY_BYTES`] bytes, [`MAX_TOKENS`] terms and operators, and [`MAX_DEPTH`] levels of `(` and
//! `-`. Parsing is one pass over the tokens; a query past a limit is an error at the column where it
//! goes past.

use crate::error::SearchError;
use crate::lang;
use crate::regions::Region;

/// The longest query, in bytes.
pub const MAX_QUERY_BYTES: usize = 4096;
/// The most terms, operators and parentheses in one query.
pub const MAX_TOKENS: usize = 256;
/// The deepest nesting of `(` and `-` (each level is one frame of the recursive parser and of every
/// walk over the tree after it).
pub const MAX_DEPTH: usize = 32;

/// What kind of text match a term is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TermKind {
    /// A whole word (`rg -w`).
    Word,
    /// Words starting with the text (`kmalloc*`).
    Prefix,
    /// The text anywhere (`sub:alloc`).
    Sub,
    /// Words in order separated by whitespace on one line.
    Phrase,
    /// A regular expression.
    Regex,
}

/// A text term of the query and where it sits in the query string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// How the text is matched (word, prefix, substring, phrase or regex).
    pub kind: TermKind,
    /// The text to match, unescaped; a regex's pattern without its slashes.
    pub text: String,
    /// Byte offset in the query where the term's text starts (for error messages).
    pub at: usize,
}

/// A parsed query, before compilation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// Text to find in the file's lines.
    Term(Term),
    /// `path:` (or `file:`): the path contains the text (`*` matches any run of characters).
    Path(String),
    /// `lang:` with the canonical language name.
    Lang(&'static str),
    /// `sym:`: a definition with exactly this name.
    Sym(String),
    /// `-x`: the inner node must not hold.
    Not(Box<Node>),
    /// Adjacent terms: every node must hold, per file.
    And(Vec<Node>),
    /// `a or b`: at least one node must hold.
    Or(Vec<Node>),
}

/// A parsed query: the tree and the global options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedQuery {
    /// The query tree, with the options (`case:`, `multiline:`) lifted out of it.
    pub root: Node,
    /// `case:yes`: terms match case-sensitively; off by default.
    pub case_sensitive: bool,
    /// `multiline:yes`: regexes may match across lines.
    pub multiline: bool,
    /// `in:` regions: a match counts only inside one of them (empty: anywhere).
    pub regions: Vec<Region>,
}

/// Parses a query string.
pub fn parse(query: &str) -> Result<ParsedQuery, SearchError> {
    if query.len() > MAX_QUERY_BYTES {
        let at = (0..=MAX_QUERY_BYTES).rev().find(|&i| query.is_char_boundary(i)).unwrap_or(0);
        return Err(err(query, at, &format!("the query is longer than {MAX_QUERY_BYTES} bytes")));
    }
    let tokens = lex(query)?;
    if let Some(t) = tokens.get(MAX_TOKENS) {
        return Err(err(query, t.at, &format!("the query has more than {MAX_TOKENS} terms and operators")));
    }
    let mut p = Parser {
        query,
        tokens,
        pos: 0,
        depth: 0,
        case_sensitive: None,
        multiline: None,
        regions: Vec::new(),
    };
    let Some(first) = p.tokens.first() else {
        return Err(err(query, 0, "empty query"));
    };
    let _ = first;
    let root = p.parse_or()?;
    if let Some(tok) = p.tokens.get(p.pos) {
        return Err(err(query, tok.at, "unmatched ')'"));
    }
    let root = root.ok_or_else(|| err(query, 0, "the query has no search term (only options)"))?;
    let multiline = match p.multiline {
        Some((true, at)) if !has_regex(&root) => {
            return Err(err(query, at, "multiline: applies to /regex/ terms, and the query has none"));
        }
        Some((v, _)) => v,
        None => false,
    };
    let mut regions = p.regions;
    regions.sort_unstable();
    regions.dedup();
    Ok(ParsedQuery { root, case_sensitive: p.case_sensitive.unwrap_or(false), multiline, regions })
}

fn has_regex(node: &Node) -> bool {
    match node {
        Node::Term(t) => t.kind == TermKind::Regex,
        Node::Not(n) => has_regex(n),
        Node::And(v) | Node::Or(v) => v.iter().any(has_regex),
        Node::Path(_) | Node::Lang(_) | Node::Sym(_) => false,
    }
}

fn err(query: &str, position: usize, message: &str) -> SearchError {
    SearchError::Query { query: query.to_owned(), position, message: message.to_owned() }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Open,
    Close,
    Neg,
    Or,
    Phrase(String),
    Regex(String),
    Field(String, String, usize),
    Word(String),
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    at: usize,
}

const FIELDS: [&str; 9] = ["path", "file", "lang", "sym", "sub", "case", "multiline", "ml", "in"];

fn lex(q: &str) -> Result<Vec<Token>, SearchError> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut it = q.char_indices().peekable();
    while let Some(&(at, c)) = it.peek() {
        if c.is_whitespace() {
            it.next();
            continue;
        }
        match c {
            '(' => {
                it.next();
                depth += 1;
                out.push(Token { tok: Tok::Open, at });
            }
            ')' => {
                it.next();
                depth = depth.saturating_sub(1);
                out.push(Token { tok: Tok::Close, at });
            }
            '-' => {
                it.next();
                match it.peek() {
                    Some(&(_, n)) if !n.is_whitespace() && n != ')' => out.push(Token { tok: Tok::Neg, at }),
                    _ => return Err(err(q, at, "'-' must be followed by the term to exclude")),
                }
            }
            '"' => {
                it.next();
                let s = quoted(q, at, &mut it)?;
                if s.trim().is_empty() {
                    return Err(err(q, at, "empty phrase"));
                }
                out.push(Token { tok: Tok::Phrase(s), at });
            }
            '/' => {
                it.next();
                let s = regex_body(q, at, &mut it)?;
                out.push(Token { tok: Tok::Regex(s), at });
            }
            _ => {
                let mut word = String::new();
                while let Some(&(_, ch)) = it.peek() {
                    if ch.is_whitespace() || (ch == ')' && depth > 0) {
                        break;
                    }
                    word.push(ch);
                    it.next();
                    if ch == ':' && FIELDS.contains(&word.trim_end_matches(':')) {
                        let name = word.trim_end_matches(':').to_owned();
                        let value_at = at + word.len();
                        let value = match it.peek() {
                            Some(&(qa, '"')) => {
                                it.next();
                                quoted(q, qa, &mut it)?
                            }
                            _ => {
                                let mut v = String::new();
                                while let Some(&(_, vc)) = it.peek() {
                                    if vc.is_whitespace() || (vc == ')' && depth > 0) {
                                        break;
                                    }
                                    v.push(vc);
                                    it.next();
                                }
                                v
                            }
                        };
                        if value.is_empty() {
                            return Err(err(q, value_at, &format!("'{name}:' needs a value")));
                        }
                        word.clear();
                        out.push(Token { tok: Tok::Field(name, value, value_at), at });
                        break;
                    }
                }
                if word.is_empty() {
                    continue;
                }
                let tok = if word == "or" || word == "OR" { Tok::Or } else { Tok::Word(word) };
                out.push(Token { tok, at });
            }
        }
    }
    Ok(out)
}

/// Reads a `"..."` body after the opening quote at `at`; `\"` and `\\` are escapes.
fn quoted(
    q: &str,
    at: usize,
    it: &mut std::iter::Peekable<std::str::CharIndices<'_>>,
) -> Result<String, SearchError> {
    let mut s = String::new();
    while let Some((_, c)) = it.next() {
        match c {
            '"' => return Ok(s),
            '\\' => match it.next() {
                Some((_, e @ ('"' | '\\'))) => s.push(e),
                Some((_, e)) => {
                    s.push('\\');
                    s.push(e);
                }
                None => break,
            },
            _ => s.push(c),
        }
    }
    Err(err(q, at, "unterminated quote"))
}

/// Reads a `/.../` body after the opening slash at `at`; `\/` is a literal slash.
fn regex_body(
    q: &str,
    at: usize,
    it: &mut std::iter::Peekable<std::str::CharIndices<'_>>,
) -> Result<String, SearchError> {
    let mut s = String::new();
    while let Some((_, c)) = it.next() {
        match c {
            '/' => {
                if s.is_empty() {
                    return Err(err(q, at, "empty regex"));
                }
                return Ok(s);
            }
            '\\' => match it.next() {
                Some((_, '/')) => s.push('/'),
                Some((_, e)) => {
                    s.push('\\');
                    s.push(e);
                }
                None => break,
            },
            _ => s.push(c),
        }
    }
    Err(err(q, at, "unterminated regex (missing closing '/')"))
}

struct Parser<'q> {
    query: &'q str,
    tokens: Vec<Token>,
    pos: usize,
    /// Levels of `(` and `-` open at the current token.
    depth: usize,
    case_sensitive: Option<bool>,
    /// The `multiline:` value and where it was given.
    multiline: Option<(bool, usize)>,
    /// The `in:` regions given.
    regions: Vec<Region>,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn here(&self) -> usize {
        self.peek().map_or(self.query.len(), |t| t.at)
    }

    /// `None` when the group held only options such as `case:yes`.
    fn parse_or(&mut self) -> Result<Option<Node>, SearchError> {
        let mut alts = Vec::new();
        loop {
            let at = self.here();
            let and = self.parse_and()?;
            match and {
                Some(n) => alts.push(n),
                None if matches!(self.peek(), Some(Token { tok: Tok::Or, .. })) || !alts.is_empty() => {
                    return Err(err(self.query, at, "expected a search term"));
                }
                None => {}
            }
            match self.peek() {
                Some(Token { tok: Tok::Or, .. }) => self.pos += 1,
                _ => break,
            }
        }
        Ok(match alts.len() {
            0 => None,
            1 => alts.pop(),
            _ => Some(Node::Or(alts)),
        })
    }

    fn parse_and(&mut self) -> Result<Option<Node>, SearchError> {
        let mut all = Vec::new();
        let mut saw_any = false;
        while let Some(t) = self.peek() {
            if matches!(t.tok, Tok::Or | Tok::Close) {
                break;
            }
            saw_any = true;
            if let Some(n) = self.parse_unary()? {
                all.push(n);
            }
        }
        if !saw_any {
            return Ok(None);
        }
        Ok(match all.len() {
            0 => None,
            1 => all.pop(),
            _ => Some(Node::And(all)),
        })
    }

    fn parse_unary(&mut self) -> Result<Option<Node>, SearchError> {
        let Some(tok) = self.peek().cloned() else {
            return Err(err(self.query, self.query.len(), "expected a search term"));
        };
        self.pos += 1;
        match tok.tok {
            Tok::Neg | Tok::Open => {
                if self.depth >= MAX_DEPTH {
                    let message = format!("the query nests '(' and '-' more than {MAX_DEPTH} levels deep");
                    return Err(err(self.query, tok.at, &message));
                }
                self.depth += 1;
                let node = self.parse_nested(tok);
                self.depth -= 1;
                node
            }
            Tok::Close => Err(err(self.query, tok.at, "unmatched ')'")),
            Tok::Or => Err(err(self.query, tok.at, "expected a search term")),
            Tok::Phrase(text) => Ok(Some(Node::Term(Term { kind: TermKind::Phrase, text, at: tok.at + 1 }))),
            Tok::Regex(text) => Ok(Some(Node::Term(Term { kind: TermKind::Regex, text, at: tok.at + 1 }))),
            Tok::Word(w) => {
                let kind = if w.len() > 1 && w.ends_with('*') { TermKind::Prefix } else { TermKind::Word };
                let text = if kind == TermKind::Prefix { w.trim_end_matches('*').to_owned() } else { w };
                if text.is_empty() {
                    return Err(err(self.query, tok.at, "empty word"));
                }
                Ok(Some(Node::Term(Term { kind, text, at: tok.at })))
            }
            Tok::Field(name, value, value_at) => self.field(&name, value, value_at),
        }
    }

    /// A negation or a group (one level deeper, counted by the caller).
    fn parse_nested(&mut self, tok: Token) -> Result<Option<Node>, SearchError> {
        if tok.tok == Tok::Neg {
            let inner_at = self.here();
            return match self.parse_unary()? {
                Some(n) => Ok(Some(Node::Not(Box::new(n)))),
                None => Err(err(self.query, inner_at, "an option cannot be negated")),
            };
        }
        let inner = self.parse_or()?;
        match self.peek() {
            Some(Token { tok: Tok::Close, .. }) => self.pos += 1,
            _ => return Err(err(self.query, tok.at, "unclosed '('")),
        }
        match inner {
            Some(n) => Ok(Some(n)),
            None => Err(err(self.query, tok.at, "empty group")),
        }
    }

    fn field(&mut self, name: &str, value: String, value_at: usize) -> Result<Option<Node>, SearchError> {
        match name {
            "path" | "file" => Ok(Some(Node::Path(value))),
            "sym" => Ok(Some(Node::Sym(value))),
            "sub" => Ok(Some(Node::Term(Term { kind: TermKind::Sub, text: value, at: value_at }))),
            "lang" => match lang::canonical(&value) {
                Some(l) => Ok(Some(Node::Lang(l))),
                None => Err(err(self.query, value_at, &format!("unknown language '{value}'"))),
            },
            "case" => {
                let v = yes_no(&value).ok_or_else(|| err(self.query, value_at, "case: takes yes or no"))?;
                if self.case_sensitive.is_some_and(|c| c != v) {
                    return Err(err(self.query, value_at, "conflicting case: options"));
                }
                self.case_sensitive = Some(v);
                Ok(None)
            }
            "multiline" | "ml" => {
                let v = yes_no(&value)
                    .ok_or_else(|| err(self.query, value_at, &format!("{name}: takes yes or no")))?;
                if self.multiline.is_some_and(|(m, _)| m != v) {
                    return Err(err(self.query, value_at, "conflicting multiline: options"));
                }
                self.multiline = Some((v, value_at));
                Ok(None)
            }
            "in" => {
                let r = Region::parse(&value)
                    .ok_or_else(|| err(self.query, value_at, "in: takes comment, string or code"))?;
                self.regions.push(r);
                Ok(None)
            }
            _ => Err(err(self.query, value_at, "unknown field")),
        }
    }
}

fn yes_no(value: &str) -> Option<bool> {
    match value {
        "yes" | "y" | "true" => Some(true),
        "no" | "n" | "false" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(text: &str, at: usize) -> Node {
        Node::Term(Term { kind: TermKind::Word, text: text.into(), at })
    }

    #[test]
    fn words_and_fields() {
        let q = parse("foo -path:test case:yes").unwrap();
        assert!(q.case_sensitive);
        assert_eq!(q.root, Node::And(vec![word("foo", 0), Node::Not(Box::new(Node::Path("test".into())))]));
    }

    #[test]
    fn parentheses_are_literal_inside_words() {
        assert_eq!(parse("kmalloc(").unwrap().root, word("kmalloc(", 0));
        assert_eq!(parse("(a or b)").unwrap().root, Node::Or(vec![word("a", 1), word("b", 6)]));
    }

    fn position(r: Result<ParsedQuery, SearchError>) -> usize {
        match r {
            Err(SearchError::Query { position, .. }) => position,
            other => panic!("expected a query error, got {other:?}"),
        }
    }

    /// Issue 11, class 9: nesting, length and term count are bounded; the error names the column.
    #[test]
    fn deep_long_and_wide_queries_are_refused_at_the_column_that_goes_too_far() {
        let deep = format!("{}a{}", "(".repeat(20_000), ")".repeat(20_000));
        assert_eq!(position(parse(&deep)), MAX_QUERY_BYTES);
        let deep = format!("{}a{}", "(".repeat(100), ")".repeat(100));
        assert_eq!(position(parse(&deep)), MAX_DEPTH, "the first '(' past the limit");
        let negs = format!("{}a", "-".repeat(60_000));
        assert_eq!(position(parse(&negs)), MAX_QUERY_BYTES);
        assert_eq!(position(parse(&format!("{}a", "-".repeat(100)))), MAX_DEPTH);
        let mixed = "-(".repeat(40) + "a" + &")".repeat(40);
        assert_eq!(position(parse(&mixed)), MAX_DEPTH);
        let wide = vec!["a"; 8000].join(" or ");
        assert_eq!(position(parse(&wide)), MAX_QUERY_BYTES);
        let wide = vec!["a"; 200].join(" or ");
        assert_eq!(position(parse(&wide)), "a or ".len() * (MAX_TOKENS / 2));
        // Just inside every limit still parses.
        let ok = format!("{}a{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
        assert_eq!(parse(&ok).unwrap().root, word("a", MAX_DEPTH));
        assert!(parse(&format!("{}a", "-".repeat(MAX_DEPTH))).is_ok());
        assert!(parse(&vec!["a"; MAX_TOKENS / 2].join(" or ")).is_ok());
        let long_multibyte = "é".repeat(MAX_QUERY_BYTES);
        assert!(position(parse(&long_multibyte)) <= MAX_QUERY_BYTES);
    }

    #[test]
    fn multiline_is_a_query_option_for_regexes() {
        let q = parse(r"ml:yes /a\nb/").unwrap();
        assert!(q.multiline && !q.case_sensitive);
        assert!(parse(r"/a/ multiline:no").is_ok_and(|q| !q.multiline));
        assert!(matches!(parse("ml:yes foo"), Err(SearchError::Query { position: 3, .. })));
    }

    #[test]
    fn in_is_a_query_option_naming_regions() {
        let q = parse("in:string foo in:comment in:string").unwrap();
        assert_eq!(q.regions, vec![Region::Comment, Region::String]);
        assert_eq!(q.root, word("foo", 10));
        assert!(parse("foo").unwrap().regions.is_empty());
        assert!(matches!(parse("foo in:bar"), Err(SearchError::Query { position: 7, .. })));
        assert!(matches!(parse("in:code"), Err(SearchError::Query { .. })), "an option alone is no query");
    }
}

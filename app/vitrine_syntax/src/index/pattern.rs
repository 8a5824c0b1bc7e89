//! Names as a query writes them (`sym:` in search): a plain name, a qualified one (`Class::method`,
//! `ns::f`, narrowing by scope as `def` does) and globs over the last name (`EVP_Digest*`, `*_init`,
//! `ssl?_read`): `*` stands for any run of characters, `?` for one.

/// How many distinct names a pattern uses at most (`sym:*` on Linux would otherwise mean every
/// definition of the kernel); past it the answer says it was cut.
pub const PATTERN_NAME_LIMIT: usize = 2_000;

/// A parsed name pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamePattern {
    /// The scope written before the last `::` (`Class` in `Class::method`), if any.
    pub qualifier: Option<String>,
    /// The last name, possibly with `*` and `?`.
    pub name: String,
}

/// The definitions a pattern finds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PatternHits {
    /// Definitions (not declarations) of the matching names, by name, then path and line.
    pub hits: Vec<super::DefHit>,
    /// Names that matched: at most the limit given.
    pub names: usize,
    /// More names matched than the limit: `hits` covers only the first `names` of them.
    pub truncated: bool,
}

impl NamePattern {
    /// Reads `A::B::name` as qualifier `A::B` and name `name`; a trailing `::` or none leaves the
    /// whole text as the name.
    pub fn parse(written: &str) -> NamePattern {
        match written.rsplit_once("::") {
            Some((q, n)) if !n.is_empty() && !q.is_empty() => {
                NamePattern { qualifier: Some(q.to_string()), name: n.to_string() }
            }
            _ => NamePattern { qualifier: None, name: written.to_string() },
        }
    }

    /// Whether the name holds a wildcard.
    pub fn is_glob(&self) -> bool {
        self.name.contains(['*', '?'])
    }

    /// The text before the first wildcard: every match starts with it.
    pub fn literal_prefix(&self) -> &str {
        let end = self.name.find(['*', '?']).unwrap_or(self.name.len());
        &self.name[..end]
    }

    /// The name without its wildcards, for suggesting close names.
    pub fn bare(&self) -> String {
        self.name.chars().filter(|c| !matches!(c, '*' | '?')).collect()
    }

    /// Whether `name` matches the (last-name) pattern.
    pub fn matches(&self, name: &str, case_sensitive: bool) -> bool {
        if case_sensitive {
            glob_match(&self.name.chars().collect::<Vec<_>>(), &name.chars().collect::<Vec<_>>())
        } else {
            let p: Vec<char> = self.name.to_lowercase().chars().collect();
            let n: Vec<char> = name.to_lowercase().chars().collect();
            glob_match(&p, &n)
        }
    }

    /// Whether a hit's scope satisfies the written qualifier (always true without one).
    pub fn scope_ok(&self, scope: &str) -> bool {
        self.qualifier.as_deref().is_none_or(|q| crate::nav::scope_matches(scope, q))
    }
}

/// Wildcard match in linear space: `*` any run, `?` one character; backtracks only to the last `*`.
fn glob_match(pattern: &[char], text: &[char]) -> bool {
    let (mut p, mut t) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(&c) if c == '?' || c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

/// Where a definition found by a written name is, as a search reports a match: the one answer that
/// both the command line's and the window's `sym:` give the search index (which cannot depend on this
/// crate, so each adapter only renames these fields).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenDefinition {
    /// The file's path as in the snapshot.
    pub path: String,
    /// 1-based line of the name.
    pub line: u64,
    /// 0-based byte column of the name in its line.
    pub column: usize,
    /// Byte length of the name (what the pattern matched, not the pattern).
    pub len: usize,
}

impl super::SymbolIndex {
    /// The definitions of a name as a query writes it (`sym:`: a name, `Class::method`, a glob), for
    /// at most [`PATTERN_NAME_LIMIT`] names, and whether more names matched.
    pub fn written_definitions(
        &self,
        written: &str,
        case_sensitive: bool,
    ) -> Result<(Vec<WrittenDefinition>, bool), crate::error::SyntaxError> {
        let found =
            self.definitions_matching(&NamePattern::parse(written), case_sensitive, PATTERN_NAME_LIMIT)?;
        let list = found
            .hits
            .into_iter()
            .map(|h| WrittenDefinition {
                len: h.name.len(),
                path: h.path,
                line: u64::from(h.at.line) + 1,
                column: h.at.column as usize,
            })
            .collect();
        Ok((list, found.truncated))
    }

    /// Up to five names close to a written name (fuzzy, the name itself left out), for a `sym:` term
    /// that found nothing. Suggestions are a nicety: an unreadable name table leaves none rather than
    /// failing the search.
    pub fn close_names(&self, written: &str) -> Vec<String> {
        let bare = NamePattern::parse(written).bare();
        self.names(&bare, crate::Match::Fuzzy, 6)
            .unwrap_or_default()
            .into_iter()
            .filter(|n| *n != bare)
            .take(5)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_qualifiers_and_globs() {
        let p = NamePattern::parse("DBImpl::Get*");
        assert_eq!((p.qualifier.as_deref(), p.name.as_str()), (Some("DBImpl"), "Get*"));
        assert!(p.is_glob());
        assert_eq!(p.literal_prefix(), "Get");
        let p = NamePattern::parse("a::b::c");
        assert_eq!((p.qualifier.as_deref(), p.name.as_str()), (Some("a::b"), "c"));
        assert!(!p.is_glob());
        for whole in ["::", "x::", "::f"] {
            assert_eq!(NamePattern::parse(whole).qualifier, None, "{whole}");
        }
    }

    #[test]
    fn globs_match_like_a_shell() {
        let m = |p: &str, n: &str| NamePattern::parse(p).matches(n, true);
        assert!(m("EVP_Digest*", "EVP_DigestInit_ex"));
        assert!(m("EVP_Digest*", "EVP_Digest"));
        assert!(!m("EVP_Digest*", "EVP_digestInit"));
        assert!(m("*_init", "mod_init") && !m("*_init", "mod_init2"));
        assert!(m("a*b*c", "aXXbYbZc") && !m("a*b*c", "aXXbYbZ"));
        assert!(m("ssl?_read", "ssl3_read") && !m("ssl?_read", "ssl_read"));
        assert!(m("*", "") && m("**", "x"));
        assert!(NamePattern::parse("evp_digest*").matches("EVP_DigestInit", false));
        // Many stars over a long name stay linear.
        let long = "a".repeat(5000);
        assert!(!m(&format!("{}b", "*a".repeat(50)), &long));
    }
}

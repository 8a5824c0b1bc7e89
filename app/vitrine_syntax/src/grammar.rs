//! The statically linked tree-sitter grammars and the embedded symbol queries, compiled once per
//! language and shared by all threads.

use std::sync::OnceLock;

use tree_sitter::Query;

use crate::error::SyntaxError;
use crate::lang::Language;

/// Which of a language's queries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryKind {
    /// `definitions.scm`: definitions, declarations and includes.
    Definitions,
    /// `references.scm`: name occurrences classified call / type / field / other.
    References,
}

macro_rules! queries {
    ($dir:literal) => {
        (
            include_str!(concat!("../../../assets/queries/", $dir, "/definitions.scm")),
            include_str!(concat!("../../../assets/queries/", $dir, "/references.scm")),
        )
    };
}

/// The query sources of every language, embedded from `assets/queries/<lang>/`.
pub const QUERIES: [(Language, (&str, &str)); 10] = [
    (Language::C, queries!("c")),
    (Language::Cpp, queries!("cpp")),
    (Language::Rust, queries!("rust")),
    (Language::Python, queries!("python")),
    (Language::Java, queries!("java")),
    (Language::Go, queries!("go")),
    (Language::JavaScript, queries!("javascript")),
    (Language::TypeScript, queries!("typescript")),
    (Language::Tsx, queries!("typescript")),
    (Language::CSharp, queries!("csharp")),
];

/// The tree-sitter grammar of a language.
pub fn ts_language(lang: Language) -> tree_sitter::Language {
    match lang {
        Language::C => tree_sitter_c::LANGUAGE.into(),
        Language::Cpp => tree_sitter_cpp::LANGUAGE.into(),
        Language::Rust => tree_sitter_rust::LANGUAGE.into(),
        Language::Python => tree_sitter_python::LANGUAGE.into(),
        Language::Java => tree_sitter_java::LANGUAGE.into(),
        Language::Go => tree_sitter_go::LANGUAGE.into(),
        Language::JavaScript => tree_sitter_javascript::LANGUAGE.into(),
        Language::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
        Language::Tsx => tree_sitter_typescript::LANGUAGE_TSX.into(),
        Language::CSharp => tree_sitter_c_sharp::LANGUAGE.into(),
    }
}

/// The source of one of a language's queries.
pub fn query_source(lang: Language, kind: QueryKind) -> &'static str {
    QUERIES
        .iter()
        .find(|(l, _)| *l == lang)
        .map(|(_, (d, r))| match kind {
            QueryKind::Definitions => *d,
            QueryKind::References => *r,
        })
        .unwrap_or_default()
}

/// The compiled definitions query of a language.
pub fn definitions_query(lang: Language) -> Result<&'static Query, SyntaxError> {
    static SLOTS: [OnceLock<Result<Query, String>>; 10] = [const { OnceLock::new() }; 10];
    cached(&SLOTS, lang, QueryKind::Definitions)
}

/// The compiled references query of a language.
pub fn references_query(lang: Language) -> Result<&'static Query, SyntaxError> {
    static SLOTS: [OnceLock<Result<Query, String>>; 10] = [const { OnceLock::new() }; 10];
    cached(&SLOTS, lang, QueryKind::References)
}

fn cached(
    slots: &'static [OnceLock<Result<Query, String>>; 10],
    lang: Language,
    kind: QueryKind,
) -> Result<&'static Query, SyntaxError> {
    let Some(slot) = slots.get(usize::from(lang.index())) else {
        return Err(SyntaxError::Query { lang: lang.as_str(), message: "no query slot".into() });
    };
    let compiled = slot.get_or_init(|| compile(lang, kind).map_err(|e| e.to_string()));
    compiled.as_ref().map_err(|message| SyntaxError::Query { lang: lang.as_str(), message: message.clone() })
}

/// Compiles one of a language's queries afresh (used by the test that checks every embedded query).
pub fn compile(lang: Language, kind: QueryKind) -> Result<Query, SyntaxError> {
    Query::new(&ts_language(lang), query_source(lang, kind))
        .map_err(|e| SyntaxError::Query { lang: lang.as_str(), message: e.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_query_compiles_against_its_grammar() {
        for (lang, _) in QUERIES {
            for kind in [QueryKind::Definitions, QueryKind::References] {
                let query = compile(lang, kind).unwrap_or_else(|e| panic!("{e}"));
                let names = query.capture_names();
                assert!(names.contains(&"name"), "{} {kind:?} query has no @name capture", lang.as_str());
                let prefix = if kind == QueryKind::Definitions { "definition." } else { "reference." };
                assert!(
                    names.iter().any(|n| n.starts_with(prefix)),
                    "{} {kind:?}: no @{prefix}*",
                    lang.as_str()
                );
                for n in names {
                    assert!(crate::symbols::capture_is_known(n), "{}: unknown capture @{n}", lang.as_str());
                }
            }
        }
    }
}

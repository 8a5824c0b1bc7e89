//! `lang:` filter: language names and the file extensions that belong to them.
//!
//! A small table of our own, so `lang:` works without the symbols crate; names follow the tree-sitter
//! grammars Vitrine ships (C and C++ first).

/// (canonical name, aliases, extensions). A `.h` header counts as both C and C++: which language it
/// is depends on the compiler that includes it, and a reviewer asking for either wants the headers too
/// (`lang:c -lang:cpp` leaves them out).
const LANGS: &[(&str, &[&str], &[&str])] = &[
    ("c", &["c"], &["c", "h"]),
    (
        "cpp",
        &["c++", "cxx", "cc"],
        &["cc", "cpp", "cxx", "c++", "hh", "hpp", "hxx", "h++", "h", "ipp", "tpp", "inl"],
    ),
    ("rust", &["rs"], &["rs"]),
    ("python", &["py"], &["py", "pyi"]),
    ("java", &[], &["java"]),
    ("go", &["golang"], &["go"]),
    ("javascript", &["js"], &["js", "mjs", "cjs", "jsx"]),
    ("typescript", &["ts"], &["ts", "tsx", "mts", "cts"]),
    ("csharp", &["c#", "cs"], &["cs"]),
    ("shell", &["sh", "bash"], &["sh", "bash"]),
    ("make", &["makefile"], &["mk", "mak"]),
    ("asm", &["assembly", "s"], &["s", "asm"]),
    ("perl", &["pl"], &["pl", "pm"]),
];

/// Suffixes of template files whose language is the extension before them (`rsa_enc.c.in`, `x.h.tmpl`),
/// the same list as `vitrine_syntax`'s.
const TEMPLATE_SUFFIXES: [&str; 4] = [".in", ".tmpl", ".template", ".tpl"];

/// The canonical name for a language name or alias, case-insensitively.
pub fn canonical(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    LANGS.iter().find(|(n, aliases, _)| *n == lower || aliases.contains(&lower.as_str())).map(|(n, _, _)| *n)
}

/// Whether a path (bytes) belongs to the canonical language `lang`.
pub fn path_is(lang: &str, path: &[u8]) -> bool {
    let name = path.rsplit(|&b| b == b'/').next().unwrap_or(path);
    // A template is its guest's language (`ssl.h.in` is a C header, `Makefile.in` a makefile), as the
    // symbol index reads it.
    let name = TEMPLATE_SUFFIXES.iter().find_map(|s| name.strip_suffix(s.as_bytes())).unwrap_or(name);
    if lang == "make"
        && (name == b"Makefile" || name == b"makefile" || name == b"GNUmakefile" || name == b"Kbuild")
    {
        return true;
    }
    let Some(dot) = name.iter().rposition(|&b| b == b'.') else { return false };
    let Some(ext) = name.get(dot + 1..).and_then(|e| std::str::from_utf8(e).ok()) else { return false };
    let ext = ext.to_ascii_lowercase();
    LANGS.iter().any(|(n, _, exts)| *n == lang && exts.contains(&ext.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_extensions() {
        assert_eq!(canonical("C++"), Some("cpp"));
        assert_eq!(canonical("klingon"), None);
        assert!(path_is("c", b"kernel/sched/core.c"));
        assert!(path_is("cpp", b"boost/any.HPP"));
        assert!(!path_is("c", b"a.cpp"));
        assert!(path_is("make", b"drivers/Makefile"));
        // Templates are their guest's language; a bare `.in` file is nobody's.
        assert!(path_is("c", b"crypto/rsa_enc.c.in"));
        assert!(path_is("c", b"include/openssl/ssl.h.in"));
        assert!(path_is("cpp", b"gen/x.hpp.tmpl"));
        assert!(!path_is("c", b"Makefile.in"));
        assert!(path_is("make", b"Makefile.in"));
        assert!(!path_is("c", b"configure.in"));
    }
}

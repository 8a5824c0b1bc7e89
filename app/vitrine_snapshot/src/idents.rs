//! Identifiers a reader takes for other ones, read where the language reads identifiers: in code, not
//! in comments or string literals, with the escapes the language allows inside a name decoded.
//!
//! - An identifier spelled with escapes (`check_p\u0430ss` in C, C++ and C#; `\u{430}` in JavaScript;
//!   `\uu0430` in Java) is another name than the text shows: [`FindingKind::EscapedIdentifier`], whose
//!   detail gives the decoded name and checks it like a raw one (mixed scripts, an ASCII look-alike).
//! - A non-ASCII identifier that reads as an ASCII name, though it is another name (or, in Python,
//!   which reads identifiers in NFKC, the same name spelled so that a search misses it):
//!   [`FindingKind::ConfusableIdentifier`]. Each character is ASCII once NFKC-folded (full-width
//!   `ｉｓ_ａｄｍｉｎ`, mathematical `𝚒𝚜_𝚊𝚍𝚖𝚒𝚗`) or once mapped to its UTS #39 confusable prototype
//!   (the `unicode-security` crate's table, the one the file-name look-alike check uses: Cyrillic
//!   `ехес`). One-letter names are flagged only when NFKC makes them ASCII: a Greek `α` in a formula is
//!   ordinary (and `a` is no name anyone searches for). Mixed-script identifiers are left to the
//!   line scan's [`FindingKind::MixedScriptIdentifier`], which names the look-alike too.
//!
//! The lexer knows each language's comments, strings, character literals, raw strings (C++ `R"x(…)x"`,
//! Rust `r#"…"#`, C# `@"…"`, Go and JavaScript backquotes, with `${…}` read as code) and numbers; a
//! file of another language (Markdown, plain text, …) is prose, and gets only the line scan's checks.
//! The detail of each finding names the ASCII name it looks like and the first line where this file uses
//! that name in code (a second pass, run only when there is something to name): `vitrine search
//! is_admin` matches bytes and does not find the look-alike, so the finding is where a reviewer learns
//! of it. Time is linear in the file: one pass, and a second only for files with findings.

use std::collections::HashMap;

use unicode_normalization::UnicodeNormalization;
use unicode_script::{Script, UnicodeScript};
use unicode_security::MixedScript;
use vitrine_base::ucn::{Escapes, decode_identifier, escape_at};

use crate::health::{FileFindings, FindingKind};

/// How one language writes what is not code.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Syntax {
    /// Python: its comments and strings are [`crate::lexis::python_token_at`]'s (`#` to the end of the
    /// line, string prefixes, triple quotes, f-string fields); otherwise `//` and `/* */` are comments.
    python: bool,
    /// Rust: its comments, literals and lifetimes are [`crate::lexis::rust_token_at`]'s (block comments
    /// nest, strings run over lines, `r#"…"#` raw strings, `'a` a lifetime, `b'"'` a byte literal).
    rust: bool,
    /// A backslash at the end of a `//` comment's line continues the comment (C and C++ splice lines
    /// before they look for comments).
    splice_comments: bool,
    /// The escapes allowed inside identifiers.
    escapes: Option<Escapes>,
    /// What a backquote starts.
    backquote: Backquote,
    /// Raw strings, as the language spells them.
    raw: Raw,
    /// `"""` (and in Python `'''`) starts a string that runs over lines.
    triple_quotes: bool,
    /// Identifiers are NFKC-normalised by the language (Python, PEP 3131).
    nfkc_names: bool,
    /// `<!--` and a `-->` first on a line start line comments (JavaScript scripts, ECMA-262 Annex B).
    html_comments: bool,
    /// JSX elements where an expression starts ([`crate::lexis::jsx_element`]: JavaScript, TSX).
    jsx: bool,
    /// `//` and `/* */` are comments (C-like languages, PHP).
    slash_comments: bool,
    /// `#` starts a comment to the end of the line where it begins a word (shell, Ruby, Perl, PHP,
    /// Tcl…): after a blank, `;`, a bracket or at the start of a line (`$#`, `${#x}` and PHP 8's `#[`
    /// stay code).
    hash_comments: bool,
    /// `--` starts a comment to the end of the line (Lua, SQL).
    dash_comments: bool,
    /// `'…'` is a string (shell, Ruby, Perl, PHP, Lua), not a character literal.
    single_quoted_strings: bool,
    /// A language without a lexer here: every identifier of the file is read as code, and a look-alike
    /// is reported only when its ASCII twin is an identifier of the same file (the attack: `is_admin`
    /// beside `ｉｓ_ａｄｍｉｎ`), so that prose in a format of its own does not flood the report.
    whole: bool,
    /// Who reads the name, for the findings.
    reader: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backquote {
    /// An ordinary character.
    None,
    /// A raw string to the next backquote (Go).
    Raw,
    /// A template string with `${…}` code inside (JavaScript, TypeScript).
    Template,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Raw {
    None,
    /// `R"delim(…)delim"`, with an encoding prefix or not.
    Cpp,
    /// `@"…"` (and `$@"…"`, `@$"…"`), where `""` is a quote.
    CSharp,
}

const C_LIKE: Syntax = Syntax {
    python: false,
    rust: false,
    splice_comments: false,
    escapes: None,
    backquote: Backquote::None,
    raw: Raw::None,
    triple_quotes: false,
    nfkc_names: false,
    html_comments: false,
    jsx: false,
    slash_comments: true,
    hash_comments: false,
    dash_comments: false,
    single_quoted_strings: false,
    whole: false,
    reader: "the compiler",
};
pub(crate) const C: Syntax =
    Syntax { splice_comments: true, escapes: Some(Escapes::Ucn), raw: Raw::Cpp, ..C_LIKE };
const CSHARP: Syntax =
    Syntax { escapes: Some(Escapes::Ucn), raw: Raw::CSharp, triple_quotes: true, ..C_LIKE };
const JAVA: Syntax = Syntax { escapes: Some(Escapes::Java), triple_quotes: true, ..C_LIKE };
/// JavaScript read as a module (`.mjs`) and TypeScript: no HTML-like comments.
const JS_MODULE: Syntax = Syntax {
    escapes: Some(Escapes::Js),
    backquote: Backquote::Template,
    reader: "the JavaScript engine",
    ..C_LIKE
};
/// A JavaScript module (`.mjs`) and TSX: JSX elements too.
const JSX_MODULE: Syntax = Syntax { jsx: true, ..JS_MODULE };
/// JavaScript read as a script (`.js`, `.cjs`: what node runs as CommonJS): Annex B's HTML-like
/// comments too, and JSX.
const JS: Syntax = Syntax { html_comments: true, jsx: true, ..JS_MODULE };
const RUST: Syntax = Syntax { rust: true, ..C_LIKE };
const GO: Syntax = Syntax { backquote: Backquote::Raw, ..C_LIKE };
const PYTHON: Syntax = Syntax {
    python: true,
    triple_quotes: true,
    nfkc_names: true,
    slash_comments: false,
    reader: "Python",
    ..C_LIKE
};
/// The languages with no lexer of their own here, read by the conventions of their family: enough to
/// leave their comments and strings out of the look-alike check (a reading that takes a comment or a
/// string for code only adds findings; none takes code for a comment). Identifiers have no escapes in
/// these languages, so an ASCII file of them needs no scan.
const OTHER_C_LIKE: Syntax = Syntax { reader: "the compiler", ..C_LIKE };
const PHP: Syntax =
    Syntax { hash_comments: true, single_quoted_strings: true, reader: "the PHP interpreter", ..C_LIKE };
const HASH: Syntax = Syntax {
    slash_comments: false,
    hash_comments: true,
    single_quoted_strings: true,
    reader: "the interpreter",
    ..C_LIKE
};
const DASH: Syntax = Syntax {
    slash_comments: false,
    dash_comments: true,
    single_quoted_strings: true,
    reader: "the interpreter",
    ..C_LIKE
};
/// A file of a language not known here (and not prose): read whole, see [`Syntax::whole`].
const WHOLE: Syntax = Syntax { slash_comments: false, whole: true, reader: "its language", ..C_LIKE };

/// The syntax of a file, by its extension (or, for a script without one, its `#!` line): the
/// languages with a lexer of their own, then the others by family, then [`WHOLE`] for any other text;
/// `None` only for prose (Markdown, reStructuredText, plain text), whose words are not names.
///
/// This is the one rule for which files have their identifiers checked: the line scan's
/// mixed-script check reads every text file, so the look-alike check must read every file that holds
/// code, whatever its language (round 25: PHP, Ruby and Kotlin got only the first).
pub(crate) fn syntax_for(path: &str, text: &str) -> Option<Syntax> {
    if let Some(known) = lexed_syntax_for(path, text) {
        return Some(known);
    }
    let name = path.rsplit('/').next().unwrap_or(path);
    if let Some((_, ext)) = name.rsplit_once('.') {
        match ext.to_ascii_lowercase().as_str() {
            "md" | "markdown" | "rst" | "txt" | "adoc" | "asciidoc" | "text" | "rtf" => return None,
            "m" | "mm" | "cu" | "cuh" | "ino" | "kt" | "kts" | "swift" | "scala" | "sc" | "dart"
            | "groovy" | "gradle" | "zig" | "v" | "proto" | "hx" | "fs" | "fsx" | "sol" | "vala" => {
                return Some(OTHER_C_LIKE);
            }
            "php" | "phtml" | "php3" | "php4" | "php5" | "php7" | "php8" | "phps" | "phpt" => {
                return Some(PHP);
            }
            "rb" | "rake" | "gemspec" | "ru" | "erb" | "pl" | "pm" | "t" | "sh" | "bash" | "zsh" | "ksh"
            | "fish" | "tcl" | "tk" | "tm" | "exp" | "awk" | "r" | "jl" | "nim" | "cr" | "ex" | "exs"
            | "ps1" | "psm1" | "mk" | "mak" | "cmake" | "coffee" | "raku" | "p6" => {
                return Some(HASH);
            }
            "lua" | "sql" => return Some(DASH),
            _ => {}
        }
    }
    if matches!(name, "Rakefile" | "Gemfile" | "Makefile" | "makefile" | "GNUmakefile" | "CMakeLists.txt") {
        return Some(HASH);
    }
    let first =
        text.get(..text.len().min(256)).unwrap_or(text).split(['\n', '\r']).next().unwrap_or_default();
    if let Some(rest) = first.strip_prefix("#!") {
        let mut words = rest.split_whitespace();
        let mut prog = words.next().unwrap_or_default().rsplit('/').next().unwrap_or_default();
        if prog == "env" {
            prog = words.find(|w| !w.starts_with('-')).unwrap_or_default();
        }
        return Some(match prog.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.') {
            "php" | "php-cgi" => PHP,
            "lua" | "luajit" => DASH,
            _ => HASH,
        });
    }
    Some(WHOLE)
}

/// The syntax of a file of a language with a lexer of its own here (the compiler's rules for
/// comments, literals and escapes), by its extension or its `#!` line.
fn lexed_syntax_for(path: &str, text: &str) -> Option<Syntax> {
    let name = path.rsplit('/').next().unwrap_or(path);
    // A `#!` line naming another language than the extension: the file is that language's.
    if let Some((bang, _)) = crate::scriptlex::shebang_mismatch(path.as_bytes(), text.as_bytes()) {
        return match bang {
            "Python" => Some(PYTHON),
            "JavaScript" => Some(JS),
            _ => None,
        };
    }
    if let Some((_, ext)) = name.rsplit_once('.') {
        let by_ext = match ext.to_ascii_lowercase().as_str() {
            "c" | "h" | "cc" | "cpp" | "cxx" | "c++" | "cp" | "hh" | "hpp" | "hxx" | "h++" | "ipp"
            | "tpp" | "inl" | "tcc" | "ixx" | "cppm" => Some(C),
            "py" | "pyw" | "pyi" => Some(PYTHON),
            "java" => Some(JAVA),
            "js" | "cjs" | "jsx" => Some(JS),
            "mjs" | "tsx" => Some(JSX_MODULE),
            "ts" | "mts" | "cts" => Some(JS_MODULE),
            "cs" => Some(CSHARP),
            "rs" => Some(RUST),
            "go" => Some(GO),
            _ => None,
        };
        if by_ext.is_some() {
            return by_ext;
        }
    }
    match crate::terminators::line_rules(path, text)?.language {
        "Python" => Some(PYTHON),
        "JavaScript and TypeScript" => Some(JS),
        _ => None,
    }
}

/// Whether an ASCII file of this syntax needs the scan at all: only escapes can make a deceptive
/// identifier of ASCII text.
pub(crate) fn ascii_needs_scan(syntax: Syntax, bytes: &[u8]) -> bool {
    syntax.escapes.is_some()
        && (memchr::memmem::find(bytes, b"\\u").is_some() || memchr::memmem::find(bytes, b"\\U").is_some())
}

/// How a name reads as ASCII.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Via {
    /// Every character is ASCII after NFKC (full-width, mathematical letters).
    Nfkc,
    /// After the UTS #39 confusable mapping of its non-ASCII characters.
    Confusable,
}

/// The ASCII name a non-ASCII one reads as, if any: its NFKC form when that is ASCII, else each
/// non-ASCII character replaced by its NFKC form or its confusable prototype, when every one of them is
/// ASCII (ASCII characters are kept, so `іs_аdmіn` reads as `is_admin`, not as its skeleton
/// `is_adrnin`).
pub(crate) fn ascii_lookalike(name: &str) -> Option<(String, Via)> {
    if name.is_ascii() {
        return None;
    }
    let nfkc: String = name.nfkc().collect();
    if nfkc.is_ascii() && !nfkc.is_empty() {
        return Some((nfkc, Via::Nfkc));
    }
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_ascii() {
            out.push(c);
            continue;
        }
        let folded: String = std::iter::once(c).nfkc().collect();
        if folded.is_ascii() && !folded.is_empty() {
            out.push_str(&folded);
            continue;
        }
        let proto: String = unicode_security::skeleton(&folded).collect();
        if proto.is_empty() || !proto.is_ascii() {
            return None;
        }
        out.push_str(&proto);
    }
    Some((out, Via::Confusable))
}

/// Whether an identifier mixes scripts: its resolved script set (UTS #39, with Han, Hiragana and
/// Katakana one Japanese set, Han and Hangul one Korean, Han and Bopomofo one) is empty.
pub(crate) fn is_mixed_script(ident: &str) -> bool {
    !ident.is_single_script()
}

/// The scripts of an identifier's letters, for a finding (`Cyrillic`, `Greek and Latin`); empty when
/// all are Common (mathematical letters).
pub(crate) fn script_names(ident: &str) -> String {
    let mut scripts: Vec<Script> = Vec::new();
    for ch in ident.chars() {
        let s = ch.script();
        if !matches!(s, Script::Common | Script::Inherited | Script::Unknown) && !scripts.contains(&s) {
            scripts.push(s);
        }
    }
    scripts.iter().map(|s| s.full_name()).collect::<Vec<_>>().join(" and ")
}

/// The non-ASCII characters of a name as `<U+XXXX>` codes, the ASCII ones as themselves.
pub(crate) fn shown(ident: &str) -> String {
    ident
        .chars()
        .map(|ch| if ch.is_ascii() { ch.to_string() } else { format!("<U+{:04X}>", ch as u32) })
        .collect()
}

/// One identifier to report, found in the first pass.
struct Candidate {
    start: usize,
    kind: FindingKind,
    spelled: String,
    name: String,
    look: Option<(String, Via)>,
}

/// Scans the code of `text` (of `syntax`) for escaped and confusable identifiers.
pub(crate) fn scan(text: &str, syntax: Syntax, out: &mut FileFindings<'_>) {
    let cap = out.config().max_findings_per_kind;
    let mut listed: Vec<Candidate> = Vec::new();
    let mut listed_per_kind: HashMap<FindingKind, usize> = HashMap::new();
    let mut extra: Vec<FindingKind> = Vec::new();
    // A language not read here (`whole`): only look-alikes of names the file uses count, so they are
    // known before the cap (two more passes, for such files with non-ASCII names only).
    let twins = syntax.whole.then(|| used_twins(text, syntax));
    each_ident(text.as_bytes(), syntax, &mut |start, end| {
        let Some(spelled) = text.get(start..end) else { return };
        let decoded = syntax.escapes.and_then(|e| decode_identifier(spelled, e));
        if spelled.is_ascii() && decoded.is_none() {
            return;
        }
        let name = decoded.as_deref().unwrap_or(spelled);
        let look = ascii_lookalike(name);
        if let Some(twins) = &twins
            && !look.as_ref().is_some_and(|(ascii, _)| twins.contains(ascii))
        {
            return;
        }
        let kind = if decoded.is_some() {
            FindingKind::EscapedIdentifier
        } else if is_mixed_script(name) {
            // The line scan flags it, naming the look-alike.
            return;
        } else {
            match &look {
                Some((_, Via::Nfkc)) => FindingKind::ConfusableIdentifier,
                Some((_, Via::Confusable)) if name.chars().count() > 1 => FindingKind::ConfusableIdentifier,
                _ => return,
            }
        };
        let n = listed_per_kind.entry(kind).or_insert(0);
        if *n < cap {
            *n += 1;
            listed.push(Candidate { start, kind, spelled: spelled.to_owned(), name: name.to_owned(), look });
        } else {
            extra.push(kind);
        }
    });
    if listed.is_empty() {
        return;
    }
    // Where this file uses the ASCII names (and the decoded names, written raw) in code: the first use.
    let mut wanted: HashMap<String, Option<usize>> = HashMap::new();
    for c in &listed {
        if let Some((ascii, _)) = &c.look {
            wanted.insert(ascii.clone(), None);
        }
        if c.kind == FindingKind::EscapedIdentifier {
            wanted.insert(c.name.clone(), None);
        }
    }
    each_ident(text.as_bytes(), syntax, &mut |start, end| {
        if let Some(first) = text.get(start..end).and_then(|w| wanted.get_mut(w))
            && first.is_none()
        {
            *first = Some(start);
        }
    });
    let lines = LineIndex::new(text);
    for c in listed {
        let (line, column) = lines.position(text, c.start);
        let used = |name: &str| -> Option<u64> {
            wanted.get(name).copied().flatten().map(|at| lines.position(text, at).0)
        };
        out.push(Some(line), Some(column), c.kind, || describe(&c, syntax, &used));
    }
    for kind in extra {
        out.push(None, None, kind, String::new);
    }
}

/// The ASCII names that a non-ASCII identifier of `text` looks like and that `text` also uses as
/// identifiers: the look-alikes worth reporting in a language not read here.
fn used_twins(text: &str, syntax: Syntax) -> std::collections::HashSet<String> {
    let mut looks: std::collections::HashSet<String> = std::collections::HashSet::new();
    each_ident(text.as_bytes(), syntax, &mut |start, end| {
        if let Some(name) = text.get(start..end).filter(|n| !n.is_ascii())
            && let Some((ascii, _)) = ascii_lookalike(name)
        {
            looks.insert(ascii);
        }
    });
    let mut used = std::collections::HashSet::new();
    if looks.is_empty() {
        return used;
    }
    each_ident(text.as_bytes(), syntax, &mut |start, end| {
        if let Some(name) = text.get(start..end).filter(|n| n.is_ascii())
            && looks.contains(name)
        {
            used.insert(name.to_owned());
        }
    });
    used
}

fn describe(c: &Candidate, syntax: Syntax, used: &dyn Fn(&str) -> Option<u64>) -> String {
    let look = |(ascii, via): &(String, Via)| -> String {
        let how = match via {
            Via::Nfkc => "each character is ASCII after NFKC compatibility folding",
            Via::Confusable => "Unicode confusables, UTS #39",
        };
        let mut s = format!("it looks like `{ascii}` ({how})");
        if let Some(line) = used(ascii) {
            s.push_str(&format!("; this file uses `{ascii}` at line {line}"));
        }
        s
    };
    let scripts = script_names(&c.name);
    match c.kind {
        FindingKind::EscapedIdentifier => {
            let mut s = format!(
                "`{}` is spelled with escapes: {} reads the name `{}`",
                c.spelled, syntax.reader, c.name
            );
            if !c.name.is_ascii() {
                s.push_str(&format!(" ({})", shown(&c.name)));
            }
            if is_mixed_script(&c.name) {
                s.push_str(&format!(", which mixes {scripts}"));
            }
            if let Some(l) = &c.look {
                s.push_str("; ");
                s.push_str(&look(l));
            }
            if let Some(line) = used(&c.name) {
                s.push_str(&format!("; the same name is written without escapes at line {line}"));
            }
            s.push_str("; a search for one spelling does not find the other");
            s
        }
        _ => {
            let scripts = if scripts.is_empty() { String::new() } else { format!(", {scripts}") };
            let Some(l) = &c.look else { return String::new() };
            let head = format!("`{}` ({}{scripts})", c.name, shown(&c.name));
            if syntax.nfkc_names && l.1 == Via::Nfkc {
                let mut s = format!(
                    "{head} is `{}` to {}, which reads identifiers in NFKC: the same name, spelled so that a search for `{}` does not find it",
                    l.0, syntax.reader, l.0
                );
                if let Some(line) = used(&l.0) {
                    s.push_str(&format!("; this file uses `{}` at line {line}", l.0));
                }
                s
            } else {
                let how = match l.1 {
                    Via::Nfkc => "each character is ASCII after NFKC compatibility folding",
                    Via::Confusable => "Unicode confusables, UTS #39",
                };
                let mut s = format!(
                    "{head} looks like `{}` ({how}) but is another name to {}: a search for `{}` does not find it",
                    l.0, syntax.reader, l.0
                );
                if let Some(line) = used(&l.0) {
                    s.push_str(&format!("; this file uses `{}` at line {line}", l.0));
                }
                s
            }
        }
    }
}

/// Line starts of a text, for turning byte offsets into 1-based lines and character columns.
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        LineIndex { starts }
    }

    fn position(&self, text: &str, at: usize) -> (u64, u64) {
        let idx = self.starts.partition_point(|&s| s <= at).saturating_sub(1);
        let start = self.starts.get(idx).copied().unwrap_or(0);
        let column = text.get(start..at).map_or(0, |s| s.chars().count());
        (idx as u64 + 1, column as u64 + 1)
    }
}

/// What [`lex`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lexeme {
    /// An identifier of code.
    Ident,
    /// A comment (`//`, `/* */`, `#`).
    Comment,
    /// An HTML-like comment of a JavaScript script (`<!--` or a `-->` first on its line, to the end of
    /// the line).
    HtmlComment,
    /// A string, character, template or regular expression literal (the text of a template, not its
    /// `${…}` code).
    Literal,
}

/// Calls `ident(start, end)` for each identifier in the code of `text`, in order, read as the compiler
/// reads it: a Java file's Unicode escapes are translated first ([`crate::lexis::java_translate`]),
/// and the offsets given are the file's.
pub(crate) fn each_ident(text: &[u8], syn: Syntax, ident: &mut dyn FnMut(usize, usize)) {
    if syn.escapes == Some(Escapes::Java)
        && let Some(t) = crate::lexis::java_translate(text)
    {
        lex(&t.text, syn, &mut |kind, start, end| {
            if kind == Lexeme::Ident {
                ident(t.file_offset(start), t.file_offset(end));
            }
        });
        return;
    }
    lex(text, syn, &mut |kind, start, end| {
        if kind == Lexeme::Ident {
            ident(start, end);
        }
    });
}

/// Calls `on(kind, start, end)` for each identifier, comment and literal of `s`, in order.
pub(crate) fn lex(s: &[u8], syn: Syntax, on: &mut dyn FnMut(Lexeme, usize, usize)) {
    if syn.whole {
        let at = |i: usize| s.get(i).copied().unwrap_or(0);
        let mut i = 0usize;
        while i < s.len() {
            let end = ident_end(s, i, None);
            if end > i {
                on(Lexeme::Ident, i, end);
                i = end;
            } else if at(i).is_ascii_digit() {
                // Past a number (`9abc`).
                i = number_end(s, i);
            } else {
                i += utf8_len(at(i));
            }
        }
        return;
    }
    lex_from(s, syn, 0, None, on);
}

/// JSX `{…}` containers nested deeper than this are skipped to the next `}` unread.
const MAX_JSX_DEPTH: usize = 32;

/// [`lex`] from `from`; with `field` (the nesting of JSX `{…}` containers), stops at the `}` that
/// closes the container and returns its offset (else the text's length).
fn lex_from(
    s: &[u8],
    syn: Syntax,
    from: usize,
    field: Option<usize>,
    on: &mut dyn FnMut(Lexeme, usize, usize),
) -> usize {
    use crate::lexis;
    let at = |i: usize| s.get(i).copied().unwrap_or(0);
    let n = s.len();
    // Braces open in this container's code (outside templates' `${`).
    let mut braces = 0usize;
    // Open `${` of template strings: the brace depth inside each.
    let mut templates: Vec<u32> = Vec::new();
    let mut slash = lexis::JsSlash::default();
    let js = syn.backquote == Backquote::Template;
    let mut i = from;
    while i < n {
        let c = at(i);
        let from = i;
        if syn.rust
            && let Some((token, end)) = lexis::rust_token_at(s, i)
        {
            let end = end.clamp(i + 1, n);
            match token {
                lexis::RustToken::LineComment | lexis::RustToken::BlockComment => {
                    on(Lexeme::Comment, from, end)
                }
                lexis::RustToken::Lifetime => {
                    // Its name is code (`'r#a`: the raw name's).
                    let name = if s.get(i + 1..i + 3) == Some(b"r#") && end > i + 3 { i + 3 } else { i + 1 };
                    let name_end = ident_end(s, name, None);
                    if name_end > name {
                        on(Lexeme::Ident, name, name_end);
                    }
                }
                _ => on(Lexeme::Literal, from, end),
            }
            i = end;
            continue;
        }
        if syn.python
            && let Some((token, end)) = lexis::python_token_at(s, i)
        {
            let end = end.clamp(i + 1, n);
            let kind = if token == lexis::PythonToken::Comment { Lexeme::Comment } else { Lexeme::Literal };
            on(kind, from, end);
            i = end;
            continue;
        }
        match c {
            b'#' if syn.hash_comments && hash_starts_comment(s, i) => {
                i = find_byte(s, i, b'\n');
                on(Lexeme::Comment, from, i);
            }
            b'-' if syn.dash_comments && at(i + 1) == b'-' => {
                i = find_byte(s, i, b'\n');
                on(Lexeme::Comment, from, i);
            }
            b'/' if syn.slash_comments && at(i + 1) == b'/' => {
                let mut end = find_byte(s, i, b'\n');
                while syn.splice_comments && end < n && splice_before(s, end) {
                    end = find_byte(s, end + 1, b'\n');
                }
                i = end;
                on(Lexeme::Comment, from, i);
            }
            b'/' if syn.slash_comments && at(i + 1) == b'*' => {
                i = lexis::block_comment_end(s, i, false);
                on(Lexeme::Comment, from, i);
            }
            b'/' if js && slash.starts_regex(s, i) => {
                i = lexis::regex_end(s, i + 1);
                on(Lexeme::Literal, from, i);
            }
            b'<' if syn.html_comments && lexis::html_open_comment(s, i) => {
                i = find_byte(s, i, b'\n');
                on(Lexeme::HtmlComment, from, i);
            }
            b'-' if syn.html_comments && lexis::html_close_comment(s, i) => {
                i = find_byte(s, i, b'\n');
                on(Lexeme::HtmlComment, from, i);
            }
            b'(' if js => {
                slash.open(s, i);
                i += 1;
            }
            b')' if js => {
                slash.close(i);
                i += 1;
            }
            b'"' if syn.raw == Raw::CSharp && at(i + 1) == b'"' && at(i + 2) == b'"' => {
                // C# 11 raw string: no escapes, closed by as many quotes.
                i = lexis::csharp_raw_end(s, i);
                on(Lexeme::Literal, from, i);
            }
            b'"' if syn.triple_quotes && at(i + 1) == b'"' && at(i + 2) == b'"' => {
                // A Java text block.
                i = lexis::text_block_end(s, i, true);
                on(Lexeme::Literal, from, i);
            }
            b'"' => {
                i = crate::lexis::quoted_end(s, i + 1, b'"');
                on(Lexeme::Literal, from, i);
            }
            b'\'' if syn.backquote == Backquote::Template || syn.single_quoted_strings => {
                i = crate::lexis::quoted_end(s, i + 1, b'\'');
                on(Lexeme::Literal, from, i);
            }
            b'\'' => {
                i = char_end(s, i);
                if i > from + 1 {
                    on(Lexeme::Literal, from, i);
                }
            }
            b'`' if syn.backquote == Backquote::Raw => {
                i = find_byte(s, i + 1, b'`').saturating_add(1).min(n);
                on(Lexeme::Literal, from, i);
            }
            b'`' if syn.backquote == Backquote::Template => {
                let (end, code) = template_end(s, i + 1);
                i = end;
                on(Lexeme::Literal, from, if code { i.saturating_sub(2) } else { i });
                if code {
                    templates.push(0);
                }
            }
            b'{' if js || !templates.is_empty() => {
                if js {
                    slash.open_brace(s, i);
                }
                match templates.last_mut() {
                    Some(d) => *d += 1,
                    None => braces += 1,
                }
                i += 1;
            }
            b'}' if js || !templates.is_empty() => match templates.last_mut() {
                Some(0) => {
                    templates.pop();
                    let (end, code) = template_end(s, i + 1);
                    i = end;
                    on(Lexeme::Literal, from + 1, if code { i.saturating_sub(2) } else { i });
                    if code {
                        templates.push(0);
                    }
                }
                Some(d) => {
                    *d -= 1;
                    slash.close_brace(i);
                    i += 1;
                }
                None => {
                    if braces == 0 && field.is_some() {
                        return i;
                    }
                    braces = braces.saturating_sub(1);
                    slash.close_brace(i);
                    i += 1;
                }
            },
            b'<' if syn.jsx
                && templates.is_empty()
                && slash.starts_regex(s, i)
                && lexis::jsx_starts(s, i) =>
            {
                let depth = field.map_or(0, |d| d + 1);
                i = lexis::jsx_element(s, i, &mut |piece| match piece {
                    lexis::Jsx::Text(start, end) => {
                        on(Lexeme::Literal, start, end);
                        0
                    }
                    lexis::Jsx::Code(from) if depth < MAX_JSX_DEPTH => {
                        lex_from(s, syn, from, Some(depth), on)
                    }
                    lexis::Jsx::Code(from) => find_byte(s, from, b'}'),
                });
            }
            b'@' if syn.raw == Raw::CSharp
                && (at(i + 1) == b'"' || (at(i + 1) == b'$' && at(i + 2) == b'"')) =>
            {
                i = lexis::verbatim_end(s, if at(i + 1) == b'"' { i + 2 } else { i + 3 });
                on(Lexeme::Literal, from, i);
            }
            b'0'..=b'9' => i = number_end(s, i),
            b'.' if at(i + 1).is_ascii_digit() => i = number_end(s, i),
            _ => {
                let end = ident_end(s, i, syn.escapes);
                if end == i {
                    // Not an identifier: one character on.
                    i += utf8_len(c);
                    continue;
                }
                let word = s.get(i..end).unwrap_or_default();
                if let Some(after) = raw_string_end(s, word, end, syn.raw) {
                    on(Lexeme::Literal, from, after);
                    i = after;
                    continue;
                }
                on(Lexeme::Ident, i, end);
                i = end;
            }
        }
    }
    n
}

/// Whether the `#` at `i` starts a comment in a language of `#` comments: where it begins a word (at
/// a line's start, after a blank, `;` or a bracket), and not PHP 8's `#[` attribute. Elsewhere
/// (`$#`, `${#x}`, `a#b` in the shell) it is code: a reading that errs this way only adds findings.
fn hash_starts_comment(s: &[u8], i: usize) -> bool {
    let before = if i == 0 { b'\n' } else { s.get(i - 1).copied().unwrap_or(b'\n') };
    s.get(i + 1) != Some(&b'[')
        && matches!(before, b' ' | b'\t' | b'\n' | b'\r' | b';' | b'(' | b')' | b'{' | b'}')
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

/// The offset of the next `b` at or after `from`, or the end.
fn find_byte(s: &[u8], from: usize, b: u8) -> usize {
    s.get(from..).and_then(|r| memchr::memchr(b, r)).map_or(s.len(), |k| from + k)
}

/// Whether the newline at `nl` is spliced away (a backslash, perhaps before a CR, ends the line).
fn splice_before(s: &[u8], nl: usize) -> bool {
    let before = s.get(..nl).unwrap_or_default();
    let before = before.strip_suffix(b"\r").unwrap_or(before);
    before.last() == Some(&b'\\')
}

/// A character literal at `open` (a `'`): its end, or `open + 1` when the quote starts none (an
/// unclosed quote). Rust's are [`crate::lexis::rust_token_at`]'s.
fn char_end(s: &[u8], open: usize) -> usize {
    let mut i = open + 1;
    while let Some(&b) = s.get(i) {
        if i > open + 16 || b == b'\n' {
            break;
        }
        match b {
            b'\\' => i += 2,
            b'\'' => return i + 1,
            _ => i += 1,
        }
    }
    open + 1
}

/// The text of a template string from `from`: (where the code resumes, whether it resumes inside a
/// `${…}`).
fn template_end(s: &[u8], from: usize) -> (usize, bool) {
    let mut i = from;
    while let Some(&b) = s.get(i) {
        match b {
            b'\\' => i += 2,
            b'`' => return (i + 1, false),
            b'$' if s.get(i + 1) == Some(&b'{') => return (i + 2, true),
            _ => i += 1,
        }
    }
    (s.len(), false)
}

/// A preprocessing number (digits, letters, `_`, `.`, `'` digit separators, and a sign after an
/// exponent letter): no identifier starts inside one.
fn number_end(s: &[u8], from: usize) -> usize {
    let mut i = from;
    while let Some(&b) = s.get(i) {
        let prev = if i > from { s.get(i - 1).copied().unwrap_or(0) } else { 0 };
        let ok = b.is_ascii_alphanumeric()
            || b == b'_'
            || b == b'.'
            || (b == b'\'' && s.get(i + 1).is_some_and(u8::is_ascii_alphanumeric))
            || (matches!(b, b'+' | b'-') && matches!(prev, b'e' | b'E' | b'p' | b'P'));
        if !ok {
            break;
        }
        i += 1;
    }
    i
}

/// The end of the identifier starting at `from` (`from` when none starts there).
fn ident_end(s: &[u8], from: usize, escapes: Option<Escapes>) -> usize {
    let mut i = from;
    while let Some(&b) = s.get(i) {
        let first = i == from;
        if b.is_ascii() {
            if b.is_ascii_alphabetic() || b == b'_' || b == b'$' || (!first && b.is_ascii_digit()) {
                i += 1;
                continue;
            }
            if b == b'\\'
                && let Some(style) = escapes
                && let Some((len, _)) = escape_at(s.get(i..).unwrap_or_default(), style)
            {
                i += len;
                continue;
            }
            break;
        }
        let len = utf8_len(b);
        let Some(ch) =
            s.get(i..i + len).and_then(|c| std::str::from_utf8(c).ok()).and_then(|c| c.chars().next())
        else {
            break;
        };
        let ok = if first { unicode_ident::is_xid_start(ch) } else { unicode_ident::is_xid_continue(ch) };
        if !ok {
            break;
        }
        i += len;
    }
    i
}

/// When `word` (ending at `end`) is the prefix of a raw string that starts there, the string's end.
fn raw_string_end(s: &[u8], word: &[u8], end: usize, raw: Raw) -> Option<usize> {
    match raw {
        Raw::Cpp if matches!(word, b"R" | b"LR" | b"uR" | b"UR" | b"u8R") && s.get(end) == Some(&b'"') => {
            let open = s.get(end + 1..)?.iter().take(17).position(|&b| b == b'(')?;
            let delim = s.get(end + 1..end + 1 + open)?;
            let mut close = Vec::with_capacity(delim.len() + 2);
            close.push(b')');
            close.extend_from_slice(delim);
            close.push(b'"');
            let body = end + 1 + open + 1;
            Some(memchr::memmem::find(s.get(body..)?, &close).map_or(s.len(), |k| body + k + close.len()))
        }
        _ => None,
    }
}

/// Where a Java, JavaScript or Rust file is lexed by its compiler or engine otherwise than a C-like
/// reading of its text shows: each as (byte offset, detail), in order. Java: a Unicode escape of a
/// quote, a backslash or a comment delimiter's character outside a comment's text (javac translates it
/// first: `\u0022` ends a string, `\u002a/` a comment). JavaScript scripts: the HTML-like comments of
/// ECMA-262 Annex B. Rust: a block comment that nests, so that it ends at another `*/` than the first.
/// Each language is read only when its trigger bytes are in the file.
pub(crate) fn lexical_disguises(text: &[u8], syntax: Syntax) -> Vec<(usize, String)> {
    use crate::lexis;
    let mut out = Vec::new();
    if syntax.escapes == Some(Escapes::Java) {
        let Some(t) = lexis::java_translate(text) else { return out };
        for (at, len, _, c) in java_structural_escapes(&t) {
            let spelled = String::from_utf8_lossy(text.get(at..at + len).unwrap_or_default()).into_owned();
            let role = match c {
                '*' | '/' => "a comment delimiter: a comment begins or ends here for javac",
                '\\' => {
                    "a backslash that escapes the quote after it: the literal does not end there for javac"
                }
                _ => "a quote: a string or character literal begins or ends here for javac",
            };
            out.push((
                at,
                format!(
                    "`{spelled}` is `{c}`, which javac reads before it finds strings and comments (JLS 3.3): {role}, where the text shows letters; code and literals are not where they appear to be"
                ),
            ));
        }
        return out;
    }
    if syntax.html_comments {
        if memchr::memmem::find(text, b"<!--").is_none() && memchr::memmem::find(text, b"-->").is_none() {
            return out;
        }
        lex(text, syntax, &mut |kind, start, _| {
            if kind == Lexeme::HtmlComment {
                let what = if text.get(start..).is_some_and(|t| t.starts_with(b"<!--")) {
                    "`<!--` starts a comment to the end of the line"
                } else {
                    "`-->` first on a line (or after a multi-line comment) starts a comment to the end of the line"
                };
                out.push((
                    start,
                    format!(
                        "{what} for a JavaScript script (ECMA-262 Annex B: node's CommonJS files, browsers' classic scripts): what follows on the line reads as code and is not run (in an ES module it is code)"
                    ),
                ));
            }
        });
        return out;
    }
    if syntax.rust {
        if memchr::memmem::find(text, b"/*").is_none() {
            return out;
        }
        let lines = |at: usize| memchr::memchr_iter(b'\n', text.get(..at).unwrap_or_default()).count() + 1;
        lex(text, syntax, &mut |kind, start, _| {
            if kind == Lexeme::Comment
                && text.get(start..).is_some_and(|t| t.starts_with(b"/*"))
                && let Some((inner, end)) = lexis::nested_comment_differs(text, start)
            {
                out.push((
                    inner,
                    format!(
                        "block comments nest in Rust: this `/*` inside the comment opened at line {} opens a second level, so the comment runs on to line {}, not to the first `*/`; what lies between reads as code and is not compiled",
                        lines(start),
                        lines(end.saturating_sub(1))
                    ),
                ));
            }
        });
    }
    out
}

/// The offsets of the HTML-like comments (`<!--`, and `-->` first on a line) in the code of a
/// JavaScript script.
pub(crate) fn html_comments(text: &[u8], out: &mut Vec<usize>) {
    lex(text, JS, &mut |kind, start, _| {
        if kind == Lexeme::HtmlComment {
            out.push(start);
        }
    });
}

/// The Unicode escapes of a translated Java file that move javac's literals and comments away from
/// where the text shows them: an escaped quote or backslash in code, an escaped delimiter of a
/// literal (or a backslash escaping the quote after it), an escaped character of a comment's
/// delimiters. Escapes inside a literal's or a comment's text (the JDK's charset tables, `'\u002F'`)
/// change nothing and are left out.
pub(crate) fn java_structural_escapes(t: &crate::lexis::Translated) -> Vec<(usize, usize, usize, char)> {
    let mut spans: Vec<(usize, usize, Lexeme)> = Vec::new();
    lex(&t.text, JAVA, &mut |kind, start, end| {
        if matches!(kind, Lexeme::Comment | Lexeme::Literal) && end > start {
            spans.push((start, end, kind));
        }
    });
    let text_of = |start: usize, end: usize| t.text.get(start..end).unwrap_or_default();
    let mut out = Vec::new();
    for &(at, len, decoded, c) in &t.escapes {
        if !crate::lexis::java_escape_matters(c) {
            continue;
        }
        let k = spans.partition_point(|&(_, end, _)| end <= decoded);
        let inside = spans.get(k).copied().filter(|&(start, _, _)| start <= decoded);
        let matters = match inside {
            // In code: a quote or a backslash opens a literal (or is an error); `*` and `/` are
            // operators (a comment they open is a comment span).
            None => matches!(c, '"' | '\'' | '\\'),
            // In a comment: only as part of its delimiters.
            Some((start, end, Lexeme::Comment)) => {
                let block = text_of(start, end).starts_with(b"/*") && text_of(start, end).ends_with(b"*/");
                decoded < start + 2 || (block && decoded + 2 >= end)
            }
            // In a literal: as its delimiter, or a backslash that escapes a quote.
            Some((start, end, _)) => {
                let tripled = if text_of(start, end).starts_with(b"\"\"\"") { 3 } else { 1 };
                decoded < start + tripled
                    || decoded + tripled >= end
                    || (c == '\\' && matches!(t.text.get(decoded + 1), Some(b'"' | b'\'')))
            }
        };
        if matters {
            out.push((at, len, decoded, c));
        }
    }
    out
}

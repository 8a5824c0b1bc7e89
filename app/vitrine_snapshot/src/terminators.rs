//! Line terminators that a compiler sees and a reader does not: which characters end a line for the
//! language a file is written in, beyond the LF (and CRLF) on which the viewer splits lines.
//!
//! A lone CR inside a `//` comment ends the comment for GCC and Clang, so code after it is compiled
//! while the view shows one comment line; JavaScript also ends lines at U+2028 and U+2029, C# at those
//! and at NEL, and javac turns a `\u000a` escape into a line feed before it even looks for comments.
//! Each language Vitrine highlights (see `vitrine_syntax::lang`) was checked against its specification
//! or compiler:
//!
//! | language | ends a line at (besides LF, CRLF) | source |
//! |---|---|---|
//! | C, C++, Objective-C/C++, CUDA, assembler with cpp (`.S`) | lone CR | GCC's libcpp and Clang's lexer treat `\r` as a newline |
//! | Python | lone CR | language reference, "Physical lines" (Unix, Windows and old Mac forms) |
//! | Java | lone CR; `\u000a`, `\u000d` escapes | JLS 3.4 (line terminators), 3.3 (Unicode escapes first) |
//! | JavaScript, TypeScript, TSX | lone CR, U+2028, U+2029 | ECMA-262 "Line Terminators" (TypeScript follows it) |
//! | C# | lone CR, NEL U+0085, U+2028, U+2029 | C# specification, "Line terminators" |
//! | PHP | lone CR | php 8.2: `//` and `#` comments end at `\r` (its scanner's newline is `\r`, `\n` or `\r\n`) |
//! | Lua | lone CR | lua 5.4 (`llex.c`'s `currIsNewline`, the same since 5.1): a `--` comment ends at `\r` |
//! | Tcl | lone CR | tclsh 8.6: a `#` comment ends at `\r`, which also separates commands |
//! | Ruby, Perl, sh (dash, bash), awk | — | ruby 3.1, perl 5.36, dash, bash, mawk: a `#` comment runs past a lone CR to LF |
//! | Rust | — | the reference: a comment runs to LF; a lone CR is whitespace (an error in doc comments) |
//! | Go | — | the specification: a comment runs to the newline U+000A; CR is whitespace |
//!
//! Form feed and vertical tab end no line in any of them (FF is ordinary whitespace; VT is reported as a
//! control character anyway). Python's tokenizer resets the indentation column at a form feed, so one
//! inside a line's indentation is reported too ([`indent_form_feed`]). Files of other languages get no line-terminator findings, but the code
//! view marks a lone CR, U+2028 and U+2029 everywhere (see [`crate::text::Suspicious::LineBreak`]).

/// What ends a line in one language, besides LF and CRLF.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineRules {
    /// The language, as named in findings.
    pub language: &'static str,
    /// How its line comments are spelled, as named in findings.
    pub comments: &'static str,
    /// A CR not followed by LF ends a line.
    pub lone_cr: bool,
    /// U+2028 LINE SEPARATOR and U+2029 PARAGRAPH SEPARATOR end a line.
    pub unicode_separators: bool,
    /// U+0085 NEXT LINE ends a line.
    pub nel: bool,
    /// `\u000a` and `\u000d` escapes are translated before lexing (Java).
    pub unicode_escapes: bool,
    /// A form feed in a line's indentation resets the indentation column (CPython's tokenizer): the
    /// line belongs to the block of the indentation after it, not to the one it is drawn in.
    pub form_feed_indent: bool,
    /// Backslash-newlines, trigraphs and digraphs are read before comments and names (C and C++:
    /// see [`crate::disguise`]).
    pub splices: bool,
}

const C: LineRules = LineRules {
    language: "C and C++ compilers",
    comments: "`//` or `#`",
    lone_cr: true,
    unicode_separators: false,
    nel: false,
    unicode_escapes: false,
    form_feed_indent: false,
    splices: true,
};
const PYTHON: LineRules = LineRules { language: "Python", form_feed_indent: true, splices: false, ..C };
const JAVA: LineRules = LineRules { language: "javac", unicode_escapes: true, splices: false, ..C };
const JS: LineRules =
    LineRules { language: "JavaScript and TypeScript", unicode_separators: true, splices: false, ..C };
const CSHARP: LineRules =
    LineRules { language: "C#", unicode_separators: true, nel: true, splices: false, ..C };
// F6 (round 23): checked with php 8.2, lua 5.4 and tclsh 8.6 (see the table above and
// `health::tests::a_lone_cr_in_php_lua_and_tcl_comments_is_a_line_terminator`).
const PHP: LineRules = LineRules { language: "PHP", splices: false, ..C };
const LUA: LineRules = LineRules { language: "Lua", comments: "`--`", splices: false, ..C };
const TCL: LineRules = LineRules { language: "Tcl", comments: "`#`", splices: false, ..C };

/// The rules of C and C++ (a file read as C whatever its name: one a C file includes).
pub fn c_rules() -> LineRules {
    C
}

/// The rules for a file, from its path (as displayed; only the extension is read, through a template's
/// `.in`, `.tmpl`, `.template` or `.cmake`: see [`language_extension`]) and the start of its text (a `#!`
/// line). `None`: a language that ends lines at LF only, or one not known here.
pub fn line_rules(path: &str, text: &str) -> Option<LineRules> {
    let name = path.rsplit('/').next().unwrap_or(path);
    if let Some(ext) = language_extension(name) {
        let by_ext = match ext.as_str() {
            // Every extension GCC and Clang compile as C, C++, Objective-C/C++ (`.m`, `.mm`, and their
            // preprocessed `.i`, `.ii`, `.mi`, `.mii`), C++ modules, CUDA and HIP, Arduino sketches (C++)
            // and assembler (`.S` and `.sx` run through the preprocessor; `.s` is the same extension
            // once lower-cased): one lexer, which ends a line at a lone CR in all of them.
            "c" | "h" | "i" | "cc" | "cp" | "cpp" | "cxx" | "c++" | "ii" | "hh" | "hp" | "hpp" | "hxx"
            | "h++" | "ipp" | "tpp" | "inl" | "tcc" | "ixx" | "cppm" | "ccm" | "cxxm" | "c++m" | "m"
            | "mi" | "mm" | "mii" | "s" | "sx" | "cu" | "cuh" | "hip" | "ino" => Some(C),
            "py" | "pyw" | "pyi" => Some(PYTHON),
            "java" => Some(JAVA),
            "js" | "mjs" | "cjs" | "jsx" | "ts" | "mts" | "cts" | "tsx" => Some(JS),
            "cs" => Some(CSHARP),
            "php" | "phtml" | "php3" | "php4" | "php5" | "php7" | "php8" | "phps" | "phpt" => Some(PHP),
            "lua" => Some(LUA),
            // Tcl, Tk, Tcl modules and Expect (DejaGnu's `.exp` test scripts are Tcl).
            "tcl" | "tk" | "tm" | "itcl" | "exp" => Some(TCL),
            _ => None,
        };
        if by_ext.is_some() {
            return by_ext;
        }
    }
    let first = text.get(..text.len().min(256)).or_else(|| text.split('\n').next()).unwrap_or_default();
    let first = first.split(['\n', '\r']).next().unwrap_or_default();
    let rest = first.strip_prefix("#!")?;
    let mut words = rest.split_whitespace();
    let mut prog = words.next().unwrap_or_default().rsplit('/').next().unwrap_or_default();
    if prog == "env" {
        prog = words.find(|w| !w.starts_with('-')).unwrap_or_default();
    }
    match prog.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.') {
        "python" | "pypy" => Some(PYTHON),
        "node" | "nodejs" | "deno" | "bun" | "ts-node" => Some(JS),
        "php" | "php-cgi" => Some(PHP),
        "lua" | "luajit" => Some(LUA),
        "tclsh" | "wish" | "expect" => Some(TCL),
        _ => None,
    }
}

/// The lower-cased extension that names the language of the file `name`: its last one, or for a
/// template (`config.h.in`, `ssl.h.tmpl`, `config.h.cmake`, `gen.c.template`) the one before, since
/// `./configure`, CMake's `configure_file` or a build script copy it to the file the compiler reads.
/// `None` without one (`Makefile`, `Makefile.in`, `.in`).
pub fn language_extension(name: &str) -> Option<String> {
    let (stem, ext) = name.rsplit_once('.')?;
    let ext = ext.to_ascii_lowercase();
    if matches!(ext.as_str(), "in" | "tmpl" | "template" | "cmake") {
        let (before, inner) = stem.rsplit_once('.')?;
        return (!before.is_empty() || !inner.is_empty()).then(|| inner.to_ascii_lowercase());
    }
    Some(ext)
}

impl LineRules {
    /// Whether `c` (met inside a line as the viewer splits lines) ends a line for this language.
    pub fn ends_line(&self, c: char) -> bool {
        match c {
            '\r' => self.lone_cr,
            '\u{2028}' | '\u{2029}' => self.unicode_separators,
            '\u{85}' => self.nel,
            _ => false,
        }
    }

    /// Why `c` is reported.
    pub fn detail(&self, c: char) -> String {
        format!(
            "{} ends the line here for {} (code after it is live even inside a {} comment); the viewer does not break the line",
            crate::text::describe(c),
            self.language,
            self.comments
        )
    }
}

/// The byte offset of the last form feed in `line`'s indentation that moves the line to another block
/// for Python: one after a space or a tab, with code after the indentation. A form feed first on the line
/// is ignored for indentation (the language reference), and a line of blanks is a page break.
pub fn indent_form_feed(line: &[u8]) -> Option<usize> {
    let indent = line.iter().position(|&b| !matches!(b, b' ' | b'\t' | 0x0C))?;
    let leading = line.get(..indent)?;
    let at = leading.iter().rposition(|&b| b == 0x0C)?;
    leading.get(..at)?.iter().any(|&b| b != 0x0C).then_some(at)
}

/// Why a form feed in the indentation is reported.
pub const INDENT_FORM_FEED: &str = "U+000C FORM FEED in the indentation: Python counts the indentation from after it, so the line belongs to another block than the one it is drawn in";

/// Byte offsets, in an ASCII-compatible line, of Unicode escapes for LF or CR (`\u000a`, `\uu000D`, …)
/// that javac translates before lexing. A backslash that is itself escaped (preceded by an odd number
/// of backslashes) does not start an escape, as in JLS 3.3.
pub fn unicode_escape_newlines(line: &[u8]) -> Vec<usize> {
    let mut out = Vec::new();
    let mut backslashes = 0usize;
    for (i, &b) in line.iter().enumerate() {
        if b == b'\\' {
            if backslashes.is_multiple_of(2) && is_newline_escape(line.get(i + 1..).unwrap_or_default()) {
                out.push(i);
            }
            backslashes += 1;
        } else {
            backslashes = 0;
        }
    }
    out
}

/// Whether `rest` (what follows a backslash) is `u+000a` or `u+000d`, case-insensitive hex.
fn is_newline_escape(rest: &[u8]) -> bool {
    let us = rest.iter().take_while(|&&b| b == b'u').count();
    if us == 0 {
        return false;
    }
    match rest.get(us..us + 4) {
        Some([b'0', b'0', b'0', last]) => matches!(last.to_ascii_lowercase(), b'a' | b'd'),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_by_extension_and_shebang() {
        assert_eq!(line_rules("src/a.c", ""), Some(C));
        assert_eq!(line_rules("a.HPP", ""), Some(C));
        assert_eq!(line_rules("x/y.py", ""), Some(PYTHON));
        assert_eq!(line_rules("tool", "#!/usr/bin/env python3\nprint(1)\n"), Some(PYTHON));
        assert_eq!(line_rules("run", "#!/usr/bin/node\n"), Some(JS));
        assert_eq!(line_rules("a.tsx", ""), Some(JS));
        assert_eq!(line_rules("a.cs", ""), Some(CSHARP));
        assert_eq!(line_rules("a.java", ""), Some(JAVA));
        assert_eq!(line_rules("a.rs", ""), None);
        assert_eq!(line_rules("a.go", ""), None);
        assert_eq!(line_rules("run.sh", "#!/bin/sh\n"), None);
        assert_eq!(line_rules("index.php", ""), Some(PHP));
        assert_eq!(line_rules("init.lua", ""), Some(LUA));
        assert_eq!(line_rules("setup.tcl", ""), Some(TCL));
        assert_eq!(line_rules("tool", "#!/usr/bin/env lua5.4\n"), Some(LUA));
        assert_eq!(line_rules("tool", "#!/usr/bin/tclsh8.6\n"), Some(TCL));
        assert_eq!(line_rules("a.rb", ""), None);
        assert_eq!(line_rules("a.pl", ""), None);
    }

    /// F4 (round 22): GCC and Clang read every C-family language and assembler-with-cpp with one lexer,
    /// and templates (`config.h.in`) become such files; the rules looked at the last extension only.
    #[test]
    fn every_c_family_extension_and_templates_get_the_c_rules() {
        for path in [
            "src/main.m",
            "a.mm",
            "arch/start.S",
            "b.sx",
            "k.cu",
            "k.cuh",
            "sketch.ino",
            "x.i",
            "x.ii",
            "x.mi",
            "x.mii",
            "m.ccm",
            "m.cxxm",
            "a.hip",
            "config.h.in",
            "include/ssl.h.tmpl",
            "config.h.cmake",
            "gen.c.template",
            "a.cpp.in",
        ] {
            assert_eq!(line_rules(path, ""), Some(C), "{path}");
        }
        assert_eq!(line_rules("setup.py.in", ""), Some(PYTHON));
        // A template of a language without the rules, or a bare `.in`: none.
        assert_eq!(line_rules("Makefile.in", ""), None);
        assert_eq!(line_rules("x.rs.in", ""), None);
        assert_eq!(line_rules("a/.in", ""), None);
        assert_eq!(line_rules("in", ""), None);
    }

    #[test]
    fn what_ends_a_line_where() {
        assert!(C.ends_line('\r') && !C.ends_line('\u{2028}') && !C.ends_line('\u{85}'));
        assert!(JS.ends_line('\u{2028}') && JS.ends_line('\u{2029}') && JS.ends_line('\r'));
        assert!(!JS.ends_line('\u{85}'));
        assert!(CSHARP.ends_line('\u{85}'));
        assert!(!C.ends_line('\u{0B}') && !C.ends_line('\u{0C}'));
    }

    #[test]
    fn java_unicode_escapes_for_newlines() {
        assert_eq!(unicode_escape_newlines(br"// x \u000a run();"), [5]);
        assert_eq!(unicode_escape_newlines(br"// \uuu000D"), [3]);
        assert_eq!(unicode_escape_newlines(br"s = '\\u000a';"), Vec::<usize>::new());
        assert_eq!(unicode_escape_newlines(br"s = '\\\u000a';"), [7]);
        assert_eq!(unicode_escape_newlines(br"\u0041 \u000b \u00a"), Vec::<usize>::new());
    }
}

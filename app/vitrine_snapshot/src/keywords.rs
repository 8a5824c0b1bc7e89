//! `#define` of a C or C++ keyword or standard value (round 8): `#define if(c) if (!(c))` in a shims
//! header inverts every `if` of every file that includes it, and gcc says nothing (clang has
//! `-Wkeyword-macro`). The code that reads `if (uid != 0) return deny(uid);` then grants.
//!
//! Flagged ([`FindingKind::KeywordMacro`], deceptive): a macro named after a keyword that decides
//! control flow or a size (`if`, `else`, `while`, `for`, `do`, `switch`, `case`, `default`, `break`,
//! `continue`, `goto`, `return`, `sizeof`, `try`, `catch`, `throw`), and one named `true`, `false`,
//! `NULL` or `nullptr` whose value is not the standard one (`#define true 1` and `#define NULL
//! ((void *)0)` are what `<stdbool.h>` and `<stddef.h>` say, and freestanding code such as Linux has its
//! own copies). Left out: macros for keywords that only decorate or are portability spellings
//! (`#define inline __inline__`, `#define asm __asm__`, `#define noinline`, `#define const`,
//! `#define static`, `#define register`), which compilers' own headers and old code define as a
//! matter of course.
//!
//! Cost: one search for `define` per C-like file; each hit reads one directive's name.

use crate::health::{FileFindings, FindingKind};

/// Keywords whose redefinition changes which statements run or what a size is.
const CONTROL: [&str; 16] = [
    "if", "else", "while", "for", "do", "switch", "case", "default", "break", "continue", "goto", "return",
    "sizeof", "try", "catch", "throw",
];

/// C standard-library and POSIX functions a check decides by: comparisons, identities, permissions,
/// the environment. A macro of the name decides what every call after it answers
/// (`#define strcmp(a, b) (strcmp((a), (b)) && 0)` makes every password compare equal). Copies,
/// allocation, `assert` and `abort` are left out: freestanding code (Linux: `malloc` as `kmalloc`,
/// fortified `memcpy`, `assert` disabled) redefines them as a matter of course.
const LIBRARY: [&str; 20] = [
    "strcmp",
    "strncmp",
    "strcasecmp",
    "strncasecmp",
    "memcmp",
    "bcmp",
    "strcoll",
    "wcscmp",
    "getuid",
    "geteuid",
    "getgid",
    "getegid",
    "setuid",
    "seteuid",
    "setgid",
    "setegid",
    "access",
    "getenv",
    "secure_getenv",
    "system",
];

/// The values POSIX systems (and Windows) agree on for errno names and `<stdlib.h>`'s exit values.
const STANDARD_NUMBERS: [(&str, u64); 19] = [
    ("EPERM", 1),
    ("ENOENT", 2),
    ("ESRCH", 3),
    ("EINTR", 4),
    ("EIO", 5),
    ("ENXIO", 6),
    ("E2BIG", 7),
    ("ENOEXEC", 8),
    ("EBADF", 9),
    ("ECHILD", 10),
    ("ENOMEM", 12),
    ("EACCES", 13),
    ("EFAULT", 14),
    ("EBUSY", 16),
    ("EEXIST", 17),
    ("EINVAL", 22),
    ("ENOSPC", 28),
    ("EXIT_SUCCESS", 0),
    ("EXIT_FAILURE", 1),
];

/// Whether a library function's macro is plumbing, not a new meaning: its value is one name ending
/// with the macro's (`#define strdup _strdup`, `#define memcpy __builtin_memcpy`), alone or called
/// with the parameters passed through (`#define memcpy(d, s, n) __memcpy(d, s, n)`).
fn library_plumbing(name: &str, rest: &str, function_like: bool) -> bool {
    let (params, value) = match (function_like, rest.find(')')) {
        (true, Some(close)) => {
            (rest.get(1..close).unwrap_or_default(), rest.get(close + 1..).unwrap_or_default())
        }
        (true, None) => return false,
        _ => ("", rest),
    };
    let value: String = value.chars().filter(|c| !c.is_whitespace()).collect();
    let params: String = params.chars().filter(|c| !c.is_whitespace()).collect();
    let (callee, args) = match value.find('(') {
        Some(open) => (&value[..open], value.get(open..).unwrap_or_default()),
        None => (value.as_str(), ""),
    };
    let renamed = callee.ends_with(name) && callee.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    let passed = args.is_empty() || args == format!("({params})");
    renamed && passed && (!function_like || !args.is_empty())
}

/// The value of an integer literal, in parentheses or not (`0x00`, `(0UL)`, `1`).
fn integer(v: &str) -> Option<u64> {
    let mut v = v;
    while let Some(inner) = v.strip_prefix('(').and_then(|i| i.strip_suffix(')')) {
        v = inner;
    }
    let v = v.trim_end_matches(['u', 'U', 'l', 'L']);
    if let Some(hex) = v.strip_prefix("0x").or_else(|| v.strip_prefix("0X")) {
        return u64::from_str_radix(hex, 16).ok();
    }
    if v.len() > 1 && v.starts_with('0') {
        return u64::from_str_radix(v, 8).ok();
    }
    v.parse().ok()
}

/// The standard values of `true`, `false`, `NULL` and `nullptr`, spaces removed (an integer
/// literal of the value in any base: `#define NULL 0x00`).
fn standard_value(name: &str, value: &str) -> Option<bool> {
    let v: String = value.chars().filter(|c| !c.is_whitespace()).collect();
    let v = v.as_str();
    let number = integer(v);
    Some(match name {
        "true" if number.is_some() => number == Some(1),
        "false" | "NULL" | "nullptr" if number.is_some() => number == Some(0),
        "true" => {
            matches!(v, "1" | "(1)" | "!0" | "(!0)" | "((_Bool)1)" | "((bool)1)" | "(bool)1" | "true" | "1U")
        }
        "false" => {
            matches!(v, "0" | "(0)" | "!1" | "(!1)" | "((_Bool)0)" | "((bool)0)" | "(bool)0" | "false" | "0U")
        }
        "NULL" => matches!(
            v,
            "0" | "(0)"
                | "0L"
                | "(0L)"
                | "((void*)0)"
                | "(void*)0"
                | "((void*)0L)"
                | "__null"
                | "nullptr"
                | "NULL"
        ),
        "nullptr" => matches!(v, "0" | "((void*)0)" | "NULL" | "__null"),
        _ => return None,
    })
}

/// Reports each `#define` of a keyword or standard value as above in a C or C++ text. A line holding a
/// `/` is read with the file's comments blanked (`lexis::c_comments_blanked`, same offsets): to GCC a
/// comment is a blank before `#`, between `#`, `define` and the name, and in the value.
pub(crate) fn scan(text: &str, out: &mut FileFindings<'_>) {
    let bytes = text.as_bytes();
    let comments =
        memchr::memmem::find(bytes, b"/*").is_some() || memchr::memmem::find(bytes, b"//").is_some();
    let mut blanked: Option<String> = None;
    for at in memchr::memmem::find_iter(bytes, b"define") {
        let line_start = memchr::memrchr(b'\n', bytes.get(..at).unwrap_or_default()).map_or(0, |n| n + 1);
        let line_end =
            memchr::memchr(b'\n', bytes.get(at..).unwrap_or_default()).map_or(bytes.len(), |n| at + n);
        // Only the word itself (`defined(X)` in an `#if`, `undefined` are other words).
        let word = |b: &u8| b.is_ascii_alphanumeric() || *b == b'_';
        if at.checked_sub(1).and_then(|k| bytes.get(k)).is_some_and(word)
            || bytes.get(at + b"define".len()).is_some_and(word)
        {
            continue;
        }
        let raw = define_at(text, at);
        // The file's comments blanked are read where they may matter: a line with a `#` before the word
        // and a `/` that did not read as a definition with a name (a comment before or after `#`, or
        // before the name), and any definition about to be reported (it may sit inside a comment opened
        // lines above). Prose that says "define" in a comment costs nothing.
        let slash = || memchr::memchr(b'/', bytes.get(line_start..line_end).unwrap_or_default()).is_some();
        let hash = || memchr::memchr(b'#', bytes.get(line_start..at).unwrap_or_default()).is_some();
        let doubt = match &raw {
            Some(d) => d.deceptive() || (d.name.is_empty() && slash()),
            None => hash() && slash(),
        };
        let found = if comments && doubt {
            let read: &str = blanked.get_or_insert_with(|| {
                String::from_utf8(crate::lexis::c_comments_blanked(bytes).into_owned()).unwrap_or_default()
            });
            define_at(read, at)
        } else {
            raw
        };
        let Some(found) = found.filter(Define::deceptive) else { continue };
        let name = found.name;
        // An errno or exit value given only where the platform gives none (`#ifndef EINVAL` first:
        // Boost's `cerrno.hpp` numbers each name a platform lacks) changes no value the system has.
        if STANDARD_NUMBERS.iter().any(|(n, _)| *n == name) && fallback_for(bytes, line_start, name) {
            continue;
        }
        let line = bytes.get(..at).map_or(0, |b| memchr::memchr_iter(b'\n', b).count()) as u64 + 1;
        let column = text.get(line_start..found.name_at).map_or(0, |t| t.chars().count()) as u64 + 1;
        // One line as written, blanks squeezed (tabs would print as escapes), at most 120 characters.
        let written = text.get(line_start..found.line_end).unwrap_or_default();
        let written: String =
            written.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(120).collect();
        out.push(Some(line), Some(column), FindingKind::KeywordMacro, || {
            if LIBRARY.contains(&name) {
                format!(
                    "`{written}` redefines the standard function `{name}`: every call of `{name}` after it, here and in each file that includes this one, does what the macro says, not what the library does"
                )
            } else if CONTROL.contains(&name) {
                format!(
                    "`{written}` redefines the keyword `{name}`: every `{name}` after it, here and in each file that includes this one, is compiled as the macro says, not as written"
                )
            } else {
                format!(
                    "`{written}` gives `{name}` another value than the standard one: every `{name}` after it, here and in each file that includes this one, means that value"
                )
            }
        });
    }
}

/// Whether the line before `line_start` (blank lines skipped) is `#ifndef NAME` or `#if !defined(NAME)`
/// (or `!defined NAME`): the definition on `line_start`'s line applies only where `NAME` has none.
fn fallback_for(bytes: &[u8], line_start: usize, name: &str) -> bool {
    let before = bytes.get(..line_start).unwrap_or_default();
    let Some(prev) = before.split(|&b| b == b'\n').rev().find(|l| !l.trim_ascii().is_empty()) else {
        return false;
    };
    let Ok(prev) = std::str::from_utf8(prev) else { return false };
    let Some(rest) = prev.trim().strip_prefix('#') else { return false };
    let rest = rest.trim_start();
    if let Some(tested) = rest.strip_prefix("ifndef") {
        return tested.trim() == name;
    }
    let Some(cond) = rest.strip_prefix("if").map(str::trim).and_then(|c| c.strip_prefix('!')) else {
        return false;
    };
    let Some(arg) = cond.trim_start().strip_prefix("defined") else { return false };
    let arg = arg.trim();
    let arg = arg.strip_prefix('(').and_then(|a| a.strip_suffix(')')).unwrap_or(arg);
    arg.trim() == name
}

/// A macro a build file defines for the compiler: `-DNAME`, `-DNAME=value`, `'-Dif(c)=if(!(c))'` in
/// any command or flags variable (make, shell, meson's `c_args`), and the names of CMake's
/// `add_compile_definitions` / `target_compile_definitions` (`add_definitions` takes `-D` words).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildDefine {
    /// 1-based line of the build file.
    pub line: u32,
    /// Byte offset of the name in the file.
    pub offset: usize,
    /// The macro's name.
    pub name: String,
    /// `(params)` of a function-like macro, then a blank and the value (`1` when none is given), as a
    /// `#define` line would hold them after the name.
    pub rest: String,
}

impl BuildDefine {
    /// Why the definition changes what checks mean (as [`FindingKind::KeywordMacro`] words it), if it
    /// does: a control-flow keyword, a standard function or value redefined.
    pub fn deceptive(&self) -> bool {
        let function_like = self.rest.starts_with('(');
        Define { name: &self.name, name_at: 0, rest: &self.rest, function_like, line_end: 0 }.deceptive()
    }
}

/// Whether `path` is a build file whose `-D` flags [`build_defines`] reads (makefiles, CMake, meson, shell).
pub fn reads_build_defines(path: &[u8]) -> bool {
    crate::shipped::defines_compiler_flags(path)
}

/// The macro definitions of a build file's text (one search for `-D` and for CMake's two commands
/// when absent). `-U` is not read; a definition inside a comment of the build language is still read
/// (a commented flag is rare, and reading it costs a false finding, not a missed one).
pub fn build_defines(text: &str) -> Vec<BuildDefine> {
    let bytes = text.as_bytes();
    let cmake = memchr::memmem::find(bytes, b"compile_definitions").is_some();
    if memchr::memmem::find(bytes, b"-D").is_none() && !cmake {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut push = |line: u32, offset: usize, def: &str| {
        let (head, value) = match def.split_once('=') {
            Some((h, v)) => (h, v),
            None => (def, "1"),
        };
        let name_end = head.find('(').unwrap_or(head.len());
        let name = &head[..name_end];
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return;
        }
        out.push(BuildDefine {
            line,
            offset,
            name: name.to_owned(),
            rest: format!("{} {value}", &head[name_end..]),
        });
    };
    let mut line_start = 0usize;
    for (idx, line) in text.split('\n').enumerate() {
        let line_no = idx as u32 + 1;
        let base = line_start;
        line_start += line.len() + 1;
        let lb = line.as_bytes();
        for at in memchr::memmem::find_iter(lb, b"-D") {
            let before = at.checked_sub(1).and_then(|k| lb.get(k)).copied();
            if !matches!(before, None | Some(b' ' | b'\t' | b'\'' | b'"' | b'(' | b'[' | b',' | b'=')) {
                continue;
            }
            let from = at + 2;
            let end = match before {
                Some(q @ (b'\'' | b'"')) => {
                    lb.get(from..).and_then(|r| memchr::memchr(q, r)).map_or(lb.len(), |n| from + n)
                }
                _ => {
                    // Unquoted: to a blank, or a `)`/`]`/`,` outside the macro's own parentheses.
                    let mut depth = 0usize;
                    let mut k = from;
                    while let Some(&c) = lb.get(k) {
                        match c {
                            b' ' | b'\t' | b'\r' => break,
                            b'(' => depth += 1,
                            b')' if depth > 0 => depth -= 1,
                            b')' | b']' | b',' | b'\'' | b'"' => break,
                            _ => {}
                        }
                        k += 1;
                    }
                    k
                }
            };
            if let Some(def) = line.get(from..end) {
                push(line_no, base + from, def);
            }
        }
        if cmake {
            let t = line.trim_start();
            for cmd in ["add_compile_definitions(", "target_compile_definitions("] {
                let Some(args) = t.strip_prefix(cmd) else { continue };
                let args = args.rsplit_once(')').map_or(args, |(a, _)| a);
                let mut words = args.split_whitespace();
                if cmd.starts_with("target") {
                    words.next();
                }
                for w in words {
                    let w = w.trim_matches(|c| c == '"' || c == '\'');
                    if matches!(w, "PUBLIC" | "PRIVATE" | "INTERFACE") || w.starts_with("-D") {
                        continue;
                    }
                    let at = base + (w.as_ptr() as usize).saturating_sub(line.as_ptr() as usize);
                    push(line_no, at, w);
                }
            }
        }
    }
    out
}

/// A `#define` whose word is at `at` of `text`: `#define` or `# define`, first on its line.
struct Define<'a> {
    name: &'a str,
    name_at: usize,
    /// The rest of the line after the name (a function-like macro's parameters included).
    rest: &'a str,
    function_like: bool,
    line_end: usize,
}

impl Define<'_> {
    /// A control-flow keyword, or a standard value given another value (or made function-like).
    fn deceptive(&self) -> bool {
        if CONTROL.contains(&self.name) {
            return true;
        }
        if LIBRARY.contains(&self.name) {
            let value = self.rest.split("//").next().unwrap_or(self.rest);
            let value = value.split("/*").next().unwrap_or(value);
            return !library_plumbing(self.name, value, self.function_like);
        }
        if let Some(&(_, number)) = STANDARD_NUMBERS.iter().find(|(n, _)| *n == self.name) {
            let value = self.rest.split("//").next().unwrap_or(self.rest);
            let value: String = value.split("/*").next().unwrap_or(value).split_whitespace().collect();
            // Another integer, or a function-like macro; a name (`WSAEACCES`) is left to the reader.
            return self.function_like
                || integer(&value).is_some_and(|v| v != number)
                || value.starts_with('-')
                || value.starts_with("(-");
        }
        // The only names `standard_value` knows: the millions of other `#define`s of a tree (a register
        // map's) cost no copy of their value.
        if !matches!(self.name, "true" | "false" | "NULL" | "nullptr") {
            return false;
        }
        // The value as written, comments cut (only for these four names: cutting costs two searches).
        let value = self.rest.split("//").next().unwrap_or(self.rest);
        let value = value.split("/*").next().unwrap_or(value);
        standard_value(self.name, value).is_some_and(|standard| self.function_like || !standard)
    }
}

fn define_at(text: &str, at: usize) -> Option<Define<'_>> {
    let bytes = text.as_bytes();
    if bytes.get(at..at + b"define".len()) != Some(b"define") {
        return None;
    }
    let line_start = memchr::memrchr(b'\n', bytes.get(..at).unwrap_or_default()).map_or(0, |n| n + 1);
    let before = bytes.get(line_start..at).unwrap_or_default();
    let mut lead = before.iter().filter(|b| !matches!(b, b' ' | b'\t'));
    if lead.next() != Some(&b'#') || lead.next().is_some() {
        return None;
    }
    let mut i = at + b"define".len();
    if !bytes.get(i).is_some_and(|b| *b == b' ' || *b == b'\t') {
        return None;
    }
    while bytes.get(i).is_some_and(|b| *b == b' ' || *b == b'\t') {
        i += 1;
    }
    let s = i;
    while bytes.get(i).is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_') {
        i += 1;
    }
    let name = text.get(s..i)?;
    let line_end = memchr::memchr(b'\n', bytes.get(i..).unwrap_or_default()).map_or(bytes.len(), |n| i + n);
    let rest = text.get(i..line_end).unwrap_or_default().trim_end_matches('\r');
    Some(Define { name, name_at: s, rest, function_like: rest.starts_with('('), line_end })
}

#[cfg(test)]
mod tests {
    use crate::health::{FileFindings, FindingKind, HealthConfig, scan_text};

    fn keyword_findings(path: &str, text: &str) -> Vec<(u64, u64, String)> {
        let config = HealthConfig::default();
        let mut f = FileFindings::new(path, &config);
        scan_text(text, &mut f);
        f.finish()
            .0
            .into_iter()
            .filter(|f| f.kind == FindingKind::KeywordMacro)
            .map(|f| (f.line.unwrap_or(0), f.column.unwrap_or(0), f.detail))
            .collect()
    }

    /// F8 (round 8): `#define if(c) if (!(c))` inverts every check after it; control-flow keywords
    /// and non-standard values of `true`/`false`/`NULL` are flagged, the portability spellings that
    /// compilers' headers and the kernel define are not.
    #[test]
    fn keyword_macros_that_change_control_flow_or_values_are_flagged() {
        let header = "#ifndef COMPAT_H\n#define COMPAT_H\n#define COMPAT_INLINE static inline\n#define if(c) if (!(c))\n  #  define return return !\n#define true 0\n#define NULL ((void*)1)\n#endif\n";
        let found = keyword_findings("include/compat.h", header);
        let at: Vec<(u64, u64)> = found.iter().map(|f| (f.0, f.1)).collect();
        assert_eq!(at, [(4, 9), (5, 13), (6, 9), (7, 9)], "{found:?}");
        assert!(
            found[0].2.contains("`#define if(c) if (!(c))`") && found[0].2.contains("keyword `if`"),
            "{found:?}"
        );
        assert!(found[2].2.contains("another value"), "{found:?}");
        let tabs = keyword_findings("a.h", "#define\tfalse\t\t0x1\n");
        assert_eq!(tabs.len(), 1, "{tabs:?}");
        assert!(tabs[0].2.starts_with("`#define false 0x1` gives"), "{tabs:?}");
        // Standard values and portability spellings: nothing.
        let fine = "#define NULL\t\t0x00\n#define true (1U)\n#define false 00\n#define true 1\n#define false 0\n#define NULL ((void *)0)\n#define NULL 0L /* c */\n#define true true\n#define inline __inline__\n#define asm __asm__\n#define noinline __attribute__((noinline))\n#define const\n#define static\n/* #define if */\nint define_x;\n";
        assert_eq!(keyword_findings("a.h", fine), []);
        // Not C: a Python file's `#define` is a comment.
        assert_eq!(keyword_findings("a.py", "#define if(c) x\n"), []);
        assert_eq!(keyword_findings("a.cc", "#define while(x) while(!(x))\n").len(), 1);
    }

    /// f5 (session 25): macros defined by build flags are read: keywords, standard functions and
    /// values redefined there are deceptive; ordinary flags are not.
    #[test]
    fn build_file_definitions_are_read() {
        let make = "CFLAGS += -O2 -Wall -D_FORTIFY_SOURCE=2 '-Dif(c)=if(!(c))' -DNDEBUG\nCPPFLAGS = -DREQUIRE_SIGNATURE=0 \"-DEPERM=0\"\n";
        let defs = super::build_defines(make);
        let names: Vec<(u32, &str, &str, bool)> =
            defs.iter().map(|d| (d.line, d.name.as_str(), d.rest.as_str(), d.deceptive())).collect();
        assert_eq!(
            names,
            [
                (1, "_FORTIFY_SOURCE", " 2", false),
                (1, "if", "(c) if(!(c))", true),
                (1, "NDEBUG", " 1", false),
                (2, "REQUIRE_SIGNATURE", " 0", false),
                (2, "EPERM", " 0", true)
            ]
        );
        let cmake = "add_compile_definitions(while(x)=while(!(x)) FOO)\ntarget_compile_definitions(login PRIVATE strcmp(a,b)=0)\nadd_definitions(-Dreturn=)\n";
        let found: Vec<(u32, String)> = super::build_defines(cmake)
            .into_iter()
            .filter(|d| d.deceptive())
            .map(|d| (d.line, d.name))
            .collect();
        assert_eq!(found, [(1, "while".to_string()), (2, "strcmp".to_string()), (3, "return".to_string())]);
        let meson =
            "project('x', 'c')\nexecutable('login', 'login.c', c_args: ['-Dif(c)=if(!(c))', '-DX=1'])\n";
        assert_eq!(super::build_defines(meson).iter().filter(|d| d.deceptive()).count(), 1);
        assert!(super::build_defines("all:\n\tcc -o x x.c\n").is_empty());
    }

    /// f5 (session 25): a standard function or an errno/exit value redefined in a header inverts the
    /// checks that use it; renames to the platform's spelling are plumbing.
    #[test]
    fn library_names_and_standard_numbers_redefined_are_flagged() {
        let bad = "#include <string.h>\n#define strcmp(a, b) (strcmp((a), (b)) && 0)\n#define EPERM 0\n#define EXIT_FAILURE 0\n#define memcmp(a,b,n) 0\n#define getuid() 0\n#define EACCES (-1)\n";
        let found = keyword_findings("compat.h", bad);
        assert_eq!(found.iter().map(|f| f.0).collect::<Vec<_>>(), [2, 3, 4, 5, 6, 7], "{found:?}");
        assert!(found[0].2.contains("standard function `strcmp`"), "{found:?}");
        let fine = "#define strcasecmp _stricmp_x_strcasecmp\n#define memcmp __builtin_memcmp\n#define memcmp(d, s, n) __builtin_memcmp(d, s, n)\n#define memcmp memcmp\n#define assert(x) ((void)0)\n#define EPERM 1\n#define EXIT_FAILURE 1\n#define EACCES WSAEACCES\n#define strcmp_ok 0\n";
        assert_eq!(keyword_findings("compat.h", fine), []);
    }

    /// An errno or exit value defined only where the platform defines none (Boost's `cerrno.hpp`) is
    /// no finding; the same value unguarded, or guarded by another name, is.
    #[test]
    fn errno_fallbacks_under_their_own_ifndef_are_not_flagged() {
        let scan =
            |text: &str| -> Vec<u64> { keyword_findings("x.h", text).into_iter().map(|f| f.0).collect() };
        let fallback = "#include <cerrno>\n#ifndef EINVAL\n#define EINVAL 9943\n#endif\n#if !defined(EPERM)\n\n#  define EPERM 9900\n#endif\n#if ! defined EIO\n#define EIO 9961\n#endif\n";
        assert_eq!(scan(fallback), Vec::<u64>::new());
        let flagged = "#ifndef OTHER\n#define EINVAL 0\n#endif\n#define EPERM 0\n#ifndef strcmp\n#define strcmp(a, b) 0\n#endif\n#ifndef EIO\nint x;\n#define EIO 0\n#endif\n";
        assert_eq!(scan(flagged), [2, 4, 6, 10]);
    }

    /// A comment is a blank to GCC before `#`, between `#`, `define` and the name: such a definition is
    /// flagged like any; one inside a comment is none, however the lines around it look.
    #[test]
    fn comments_around_a_keyword_macro_neither_hide_nor_invent_it() {
        for text in [
            "#/**/define if(c) if (!(c))\n",
            "# define /* x */ if(c) if (!(c))\n",
            "/* a */ #define if(c) if (!(c))\n",
            "/* a\n b */ #define if(c) if (!(c))\n",
            "#define /**/ true 0 // not a comment in a comment\n",
        ] {
            assert_eq!(keyword_findings("a.h", text).len(), 1, "{text:?}");
        }
        for text in ["/*\n#define if(c) if (!(c))\n*/\n", "// \\\n#define while(x) while(!(x))\n"] {
            assert_eq!(keyword_findings("a.h", text), [], "{text:?}");
        }
    }
}

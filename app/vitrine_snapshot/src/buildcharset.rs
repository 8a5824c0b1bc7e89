//! The source encoding a build declares for the compiler, outside the files it applies to: GCC's
//! `-finput-charset=NAME` (and MSVC's `/source-charset:NAME`) in a makefile's `CFLAGS`, CMake's
//! `add_compile_options` or `CMAKE_C_FLAGS`, meson's `c_args`, a response file (`@build.rsp`), a
//! script. GCC converts each source through iconv from that charset before it lexes a single byte, so
//! a charset that does not read ASCII as itself changes what a pure-ASCII file says: in UTF-7 the
//! comment `// only the real password passes +AAo-\treturn 1;` holds a line feed and `return 1;` is
//! code; `+ACo-`/`+AC8-` are `*` and `/`, so a block comment ends early. This is round 8's Python coding
//! declaration ([`crate::pycookie`]) declared from outside the file.
//!
//! Each file's analysis at ingest records what this needs ([`facts`], kept in the ingest cache): a
//! build file (by name) that holds `input-charset` or `source-charset` (a memmem look first) has its
//! options read, a value spelled through a variable looked up in the same file (`CS := utf-7`,
//! `set(CS utf-7)`; one that cannot be is unknown); a C or C++ source that holds a `+` has the lines
//! where a UTF-7 run would read as ASCII noted (none in ordinary code). When the snapshot is assembled,
//! whether or not its content was kept, a charset not known to read ASCII as itself (UTF-7, UTF-16/32,
//! UCS-2/4, EBCDIC pages, ISO-2022, HZ, C99/JAVA escapes, …, or unknown) is a deceptive
//! [`FindingKind::EncodingDisguise`] at the build line; for UTF-7 each noted line of a C-family source
//! in the build file's directory or below is one more, at that line, quoting what GCC reads.
//! `-fexec-charset` and `-fwide-exec-charset` say how strings are written out, not how the source is
//! read: not reported.

use std::collections::{HashMap, HashSet};

use crate::health::{Finding, FindingKind};
use crate::{ContentClass, EntryKind, FileEntry};

/// Lines of one source reported before the rest are counted.
const MAX_LINES_PER_SOURCE: usize = 50;

/// One declaration: its 1-based line and column, the option as written and the
/// charset it names (after a variable was looked up, `None` when it could not be).
struct Declared {
    line: u64,
    column: u64,
    option: String,
    charset: Option<String>,
}

/// How a charset reads ASCII.
#[derive(Debug, PartialEq, Eq)]
enum Reads {
    /// As itself.
    Ascii,
    /// Not as itself: why, for the finding, and whether lines are decoded here (UTF-7).
    Otherwise { what: &'static str, utf7: bool },
    /// Not known here: reported, since it may not.
    Unknown,
}

/// Whether a build reads compiler options from the file at `path`: makefiles (and automake and configure
/// templates), CMake, meson, ninja, response files, shell scripts, autoconf, SCons, Bazel, GYP, qmake
/// and MSBuild project files.
fn is_flag_file(path: &[u8]) -> bool {
    let name = path.rsplit(|&b| b == b'/').next().unwrap_or(path);
    let ext = name.rsplit(|&b| b == b'.').next().filter(|_| name.contains(&b'.')).unwrap_or_default();
    crate::shipped::is_make_file(path)
        || matches!(
            name,
            b"CMakeLists.txt"
                | b"meson.build"
                | b"meson_options.txt"
                | b"meson.options"
                | b"configure"
                | b"configure.ac"
                | b"configure.in"
                | b"Makefile.am"
                | b"SConstruct"
                | b"SConscript"
                | b"BUILD"
                | b"BUILD.bazel"
                | b"Android.bp"
        )
        || matches!(
            ext,
            b"cmake"
                | b"ninja"
                | b"rsp"
                | b"sh"
                | b"bash"
                | b"am"
                | b"bzl"
                | b"gyp"
                | b"gypi"
                | b"pro"
                | b"pri"
                | b"vcxproj"
                | b"props"
                | b"targets"
                | b"ini"
        )
}

/// How the iconv charset `name` (as GCC hands it to `iconv_open`) reads ASCII bytes.
fn reads(name: &str) -> Reads {
    let n: String =
        name.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_ascii_uppercase();
    let utf7 = Reads::Otherwise {
        what: "`+…-` runs of base64 are other characters (`+AAo-` is a line feed)",
        utf7: true,
    };
    let wide = Reads::Otherwise {
        what: "every two or four bytes are one character, so no ASCII text reads as itself",
        utf7: false,
    };
    let ebcdic = Reads::Otherwise {
        what: "it is an EBCDIC code page: no ASCII letter is read as itself",
        utf7: false,
    };
    if n.starts_with("UTF7") || n.starts_with("UNICODE11UTF7") || n.starts_with("CSUNICODE11UTF7") {
        return utf7;
    }
    if ["UTF16", "UTF32", "UCS2", "UCS4", "UNICODE"].iter().any(|p| n.starts_with(p)) {
        return wide;
    }
    if n.starts_with("EBCDIC")
        || n.starts_with("UTFEBCDIC")
        || n.starts_with("CSEBCDIC")
        || n.starts_with("CSIBM")
    {
        return ebcdic;
    }
    // IBM and Windows numbers of EBCDIC pages (iconv's IBMnnn, CPnnn, CCSIDnnn).
    const EBCDIC_PAGES: &[&str] = &[
        "037", "37", "038", "256", "273", "274", "275", "277", "278", "280", "281", "284", "285", "290",
        "297", "420", "423", "424", "425", "500", "870", "871", "875", "880", "905", "918", "930", "933",
        "935", "937", "939", "1025", "1026", "1047", "1097", "1112", "1122", "1123", "1130", "1132", "1137",
        "1140", "1141", "1142", "1143", "1144", "1145", "1146", "1147", "1148", "1149", "1153", "1154",
        "1155", "1156", "1157", "1158", "1160", "1164", "1166", "4971", "12712", "16804",
    ];
    for prefix in ["IBM", "CP", "CCSID", ""] {
        if let Some(num) = n.strip_prefix(prefix)
            && EBCDIC_PAGES.contains(&num)
        {
            return ebcdic;
        }
    }
    if n.starts_with("C99") || n == "JAVA" {
        return Reads::Otherwise {
            what: "`\\uXXXX` escapes are decoded first (`\\u000a` is a line feed)",
            utf7: false,
        };
    }
    if matches!(n.as_str(), "ASCII" | "USASCII" | "ANSIX341968" | "ANSIX341986" | "646" | "ISO646US" | "US") {
        return Reads::Ascii;
    }
    match crate::pycookie::codec(name) {
        crate::pycookie::Codec::Deceptive(_) => {
            return Reads::Otherwise {
                what: "escape sequences, shift bytes or remapped ASCII bytes change the characters read",
                utf7: false,
            };
        }
        crate::pycookie::Codec::AsciiCompatible(Some(_)) => return Reads::Ascii,
        _ => {}
    }
    match encoding_rs::Encoding::for_label_no_replacement(name.trim().as_bytes()) {
        Some(e) if e.is_ascii_compatible() => Reads::Ascii,
        Some(_) => wide,
        None => Reads::Unknown,
    }
}

/// The options in `text` that name the compiler's input charset, with where they are.
fn declarations(text: &[u8]) -> Vec<Declared> {
    let mut out = Vec::new();
    for (i, line) in text.split(|&b| b == b'\n').enumerate() {
        let line_no = i as u64 + 1;
        for needle in [b"-finput-charset=".as_slice(), b"/source-charset:", b"-source-charset:"] {
            let mut from = 0;
            while let Some(i) = line.get(from..).and_then(|l| memchr::memmem::find(l, needle)) {
                let at = from + i;
                from = at + needle.len();
                let value = line.get(from..).unwrap_or_default();
                let value = value.strip_prefix(b"\"").or_else(|| value.strip_prefix(b"'")).unwrap_or(value);
                let (written, charset) = value_of(value, text);
                if written.is_empty() {
                    continue;
                }
                out.push(Declared {
                    line: line_no,
                    column: at as u64 + 1,
                    option: format!("{}{}", String::from_utf8_lossy(needle), written),
                    charset,
                });
            }
        }
    }
    out
}

/// The charset value at the start of `value`, as written and as resolved: a plain name, or a variable
/// (`$(CS)`, `${CS}`, `$CS`) looked up in `text`.
fn value_of(value: &[u8], text: &[u8]) -> (String, Option<String>) {
    let plain = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':' | b'+');
    if let Some(rest) = value.strip_prefix(b"$") {
        let (var, len) = match rest.first() {
            Some(b'(') | Some(b'{') => {
                let close = if rest.first() == Some(&b'(') { b')' } else { b'}' };
                let end = rest.iter().position(|&b| b == close).unwrap_or(rest.len());
                (rest.get(1..end).unwrap_or_default(), end + 2)
            }
            _ => {
                let n = rest.iter().take_while(|b| b.is_ascii_alphanumeric() || **b == b'_').count();
                (rest.get(..n).unwrap_or_default(), n + 1)
            }
        };
        let written =
            String::from_utf8_lossy(value.get(..len.min(value.len())).unwrap_or_default()).into_owned();
        return (written, lookup(var, text));
    }
    let n = value.iter().take_while(|b| plain(b)).count();
    let written = String::from_utf8_lossy(value.get(..n).unwrap_or_default()).into_owned();
    let charset = (!written.is_empty()).then(|| written.clone());
    (written, charset)
}

/// The first word assigned to `var` in `text`: `var = x`, `var := x`, `var ?= x` (make), `var=x`
/// (shell), `set(var x)` (CMake).
fn lookup(var: &[u8], text: &[u8]) -> Option<String> {
    if var.is_empty() {
        return None;
    }
    for line in text.split(|&b| b == b'\n') {
        let t = line.trim_ascii_start();
        let t = t.strip_prefix(b"export ").map_or(t, <[u8]>::trim_ascii_start);
        let rest = if let Some(r) = t.strip_prefix(b"set(").or_else(|| t.strip_prefix(b"SET(")) {
            r.trim_ascii_start().strip_prefix(var).filter(|r| r.first().is_some_and(u8::is_ascii_whitespace))
        } else {
            t.strip_prefix(var).and_then(|r| {
                let r = r.trim_ascii_start();
                [b"::=".as_slice(), b":=", b"?=", b"+=", b"="].iter().find_map(|op| r.strip_prefix(*op))
            })
        };
        let Some(rest) = rest else { continue };
        let rest = rest.trim_ascii_start();
        let rest = rest.strip_prefix(b"\"").or_else(|| rest.strip_prefix(b"'")).unwrap_or(rest);
        let n = rest
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':' | b'+'))
            .count();
        if n > 0 {
            return Some(String::from_utf8_lossy(rest.get(..n).unwrap_or_default()).into_owned());
        }
    }
    None
}

/// The directory part of `path` (empty at the root).
fn parent(path: &[u8]) -> &[u8] {
    path.iter().rposition(|&b| b == b'/').map_or(&path[..0], |i| path.get(..i).unwrap_or_default())
}

/// Whether `path` is in `dir` or below it.
fn under(path: &[u8], dir: &[u8]) -> bool {
    dir.is_empty() || path.strip_prefix(dir).is_some_and(|r| r.first() == Some(&b'/'))
}

/// What one file's analysis records for this module (kept in the ingest cache with it), so that the
/// findings are made when the snapshot is assembled, whether or not its content was kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Fact {
    /// A build file's declaration: line, column, the option as written, the charset it names.
    Declared { line: u64, column: u64, option: String, charset: Option<String> },
    /// A line of a C-family source holding a UTF-7 run that decodes to an ASCII character: what UTF-7
    /// reads there (cut to 160 characters, line breaks as `⏎`).
    Utf7Line { line: u64, read: String },
}

/// The facts of the file at `path` with the (decoded) text `text`: a build file's declarations (a
/// memmem look for `input-charset`/`source-charset` first); a C or C++ source's lines where a UTF-7
/// run would read as ASCII (a memchr for `+` first, then a look at the three bytes after each). Both are
/// rare, so nearly every file records nothing.
pub(crate) fn facts(path: &[u8], text: &[u8]) -> Vec<Fact> {
    if is_flag_file(path) {
        if memchr::memmem::find(text, b"input-charset").is_none()
            && memchr::memmem::find(text, b"source-charset").is_none()
        {
            return Vec::new();
        }
        return declarations(text)
            .into_iter()
            .map(|d| Fact::Declared { line: d.line, column: d.column, option: d.option, charset: d.charset })
            .collect();
    }
    if crate::includes::c_family(path).is_none() || memchr::memchr(b'+', text).is_none() {
        return Vec::new();
    }
    // Each `+` of the text, not each line: a run never crosses a newline (not base64), and the lines
    // are counted only up to a run that hides ASCII (rare), so a C file costs one `memchr` pass.
    let mut out = Vec::new();
    let (mut resume, mut counted, mut line_no, mut last) = (0usize, 0usize, 1u64, 0u64);
    for plus in memchr::memchr_iter(b'+', text) {
        if plus < resume {
            continue;
        }
        let (hides, next) = utf7_run_at(text, plus);
        resume = next;
        if !hides {
            continue;
        }
        line_no += memchr::memchr_iter(b'\n', text.get(counted..plus).unwrap_or_default()).count() as u64;
        counted = plus;
        if line_no == last {
            continue;
        }
        last = line_no;
        let start = memchr::memrchr(b'\n', text.get(..plus).unwrap_or_default()).map_or(0, |i| i + 1);
        let end =
            memchr::memchr(b'\n', text.get(plus..).unwrap_or_default()).map_or(text.len(), |i| plus + i);
        let raw = text.get(start..end).unwrap_or_default();
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let read: String = crate::pycookie::decode_utf7(raw)
            .replace('\n', "⏎")
            .replace('\r', "␍")
            .chars()
            .take(160)
            .collect();
        out.push(Fact::Utf7Line { line: line_no, read });
    }
    out
}

/// Whether a run of `line` (`+` then modified base64) decodes, in UTF-7, to a character below U+0080:
/// ASCII that the bytes do not show (`+AAo-` a line feed, `+ACo-` a `*`).
#[cfg(test)]
fn utf7_hides_ascii(line: &[u8]) -> bool {
    let mut from = 0;
    while let Some(i) = line.get(from..).and_then(|l| memchr::memchr(b'+', l)) {
        let (hides, next) = utf7_run_at(line, from + i);
        if hides {
            return true;
        }
        from = next;
    }
    false
}

/// The UTF-7 run that the `+` at `plus` of `s` opens: whether it decodes to a character below U+0080,
/// and where the search for the next run resumes (past this run: a `+` inside it is base64).
fn utf7_run_at(s: &[u8], plus: usize) -> (bool, usize) {
    let b64 = crate::pycookie::utf7_base64;
    let mut k = plus + 1;
    // A unit needs 16 bits: three base64 characters at least.
    if !s.get(k..k + 3).is_some_and(|w| w.iter().all(|&c| b64(c).is_some())) {
        return (false, plus + 1);
    }
    let (mut acc, mut bits) = (0u32, 0u32);
    while let Some(v) = s.get(k).and_then(|&c| b64(c)) {
        acc = ((acc << 6) | v) & 0xFF_FFFF;
        bits += 6;
        if bits >= 16 {
            bits -= 16;
            if (acc >> bits) & 0xFFFF < 0x80 {
                return (true, k + 1);
            }
        }
        k += 1;
    }
    (false, k.max(plus + 1))
}

/// The findings of this module, from the facts each file's analysis recorded (`facts`: path → facts)
/// and the snapshot's `files` (sorted by path).
pub(crate) fn findings(files: &[FileEntry], facts: &HashMap<Vec<u8>, Vec<Fact>>) -> Vec<Finding> {
    let regular = |f: &&FileEntry| {
        f.in_tree && matches!(f.kind, EntryKind::File { .. }) && !matches!(f.class, ContentClass::Binary)
    };
    let mut declared: Vec<(&[u8], &Fact)> = Vec::new();
    for f in files.iter().filter(regular) {
        for fact in facts.get(f.path.as_bytes()).into_iter().flatten() {
            if matches!(fact, Fact::Declared { .. }) {
                declared.push((f.path.as_bytes(), fact));
            }
        }
    }
    let mut out = Vec::new();
    let mut reported: HashSet<(Vec<u8>, u64)> = HashSet::new();
    for (build, fact) in declared {
        let Fact::Declared { line, column, option, charset } = fact else { continue };
        let how = charset.as_deref().map_or(Reads::Unknown, reads);
        let (what, utf7) = match how {
            Reads::Ascii => continue,
            Reads::Otherwise { what, utf7 } => (what.to_owned(), utf7),
            Reads::Unknown => (
                match charset {
                    Some(c) => format!("Vitrine does not know whether `{c}` reads ASCII as itself"),
                    None => "its value could not be read from this file, so it may be any charset".to_owned(),
                },
                false,
            ),
        };
        let build_shown = crate::path::display_bytes(build);
        let dir = parent(build);
        let sources: Vec<&FileEntry> = files
            .iter()
            .filter(regular)
            .filter(|f| {
                under(f.path.as_bytes(), dir) && crate::includes::c_family(f.path.as_bytes()).is_some()
            })
            .collect();
        let (mut lines, mut in_sources) = (0usize, 0usize);
        if utf7 {
            for s in &sources {
                let mut here = 0usize;
                for fact in facts.get(s.path.as_bytes()).into_iter().flatten() {
                    let Fact::Utf7Line { line: at, read } = fact else { continue };
                    if !reported.insert((s.path.as_bytes().to_vec(), *at)) {
                        continue;
                    }
                    here += 1;
                    if here > MAX_LINES_PER_SOURCE {
                        continue;
                    }
                    out.push(Finding {
                        path: s.path.display(),
                        line: Some(*at),
                        column: Some(1),
                        kind: FindingKind::EncodingDisguise,
                        detail: format!(
                            "`{option}` (`{build_shown}` line {line}) makes GCC decode this file as UTF-7 before reading it: it reads this line as `{read}` (⏎ is a line break), not the text shown"
                        ),
                    });
                }
                if here > 0 {
                    in_sources += 1;
                    lines += here;
                }
            }
        }
        let scope = if dir.is_empty() {
            "the C and C++ sources it builds".to_owned()
        } else {
            format!("the C and C++ sources it builds (under `{}/`)", crate::path::display_bytes(dir))
        };
        let after = if utf7 {
            format!(
                "; lines where a UTF-7 run reads as ASCII: {lines}, in {in_sources} of the {} sources, each reported where it is",
                sources.len()
            )
        } else {
            String::new()
        };
        let from = match charset.as_deref() {
            None => "a charset this file does not spell out".to_owned(),
            Some(c) if utf7 && !c.eq_ignore_ascii_case("utf-7") => format!("`{c}` (UTF-7)"),
            Some(c) => format!("`{c}`"),
        };
        out.push(Finding {
            path: build_shown,
            line: Some(*line),
            column: Some(*column),
            kind: FindingKind::EncodingDisguise,
            detail: format!(
                "`{option}` makes the compiler convert {scope} from {from} before reading them: {what}, so what is compiled is not the text shown (Vitrine shows and searches the bytes as they are){after}"
            ),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charsets_are_told_apart_by_how_they_read_ascii() {
        for ascii in [
            "UTF-8",
            "utf8",
            "ISO-8859-1",
            "latin1",
            "CP1252",
            "ASCII",
            "ANSI_X3.4-1968",
            "EUC-JP",
            "GB18030",
        ] {
            assert_eq!(reads(ascii), Reads::Ascii, "{ascii}");
        }
        for other in [
            "UTF-7",
            "utf7",
            "UTF-7-IMAP",
            "UTF-16",
            "UTF-16LE",
            "UCS-2",
            "UCS-4BE",
            "UTF-32",
            "IBM037",
            "CP500",
            "EBCDIC-US",
            "IBM1047",
            "ISO-2022-JP",
            "HZ",
            "C99",
            "JAVA",
        ] {
            assert!(matches!(reads(other), Reads::Otherwise { .. }), "{other}");
        }
        assert_eq!(reads("X-NOT-A-CHARSET"), Reads::Unknown);
    }

    #[test]
    fn utf7_runs_that_read_as_ascii_are_found() {
        assert!(utf7_hides_ascii(b"\t// only the real password passes +AAo-\treturn 1;"));
        assert!(utf7_hides_ascii(b"/* checked +ACo-/ skip(); /* */"));
        // A unit other than ASCII first, then a line feed in the same run.
        assert!(utf7_hides_ascii(b"// +TgAACg-"));
        for plain in [b"i++; x += 1; y = a+abc; z = b+0x10;".as_slice(), b"s = \"+\"", b"a+++b", b""] {
            assert!(!utf7_hides_ascii(plain), "{}", String::from_utf8_lossy(plain));
        }
        let f = facts(b"src/a.c", b"int a;\n// x +AAo-return 1;\nint b = a+1;\n");
        assert_eq!(f, [Fact::Utf7Line { line: 2, read: "// x ⏎return 1;".into() }]);
        assert_eq!(facts(b"README", b"+AAo-\n"), []);
    }

    /// `facts` reads each `+` of the text once; it finds the lines a per-line reading finds, each once.
    #[test]
    fn utf7_lines_are_the_lines_a_line_by_line_reading_finds() {
        let text = b"int a = b+c;\r\n// x +AAo-return 1; +ACo-\n+AAo-\n\n/* +TgAACg- */ i++;\r\n+++AAo-\ns = \"+\";\n// +AGE-";
        let by_line: Vec<u64> = text
            .split(|&b| b == b'\n')
            .enumerate()
            .filter(|(_, l)| utf7_hides_ascii(l))
            .map(|(i, _)| i as u64 + 1)
            .collect();
        let found: Vec<u64> = facts(b"src/a.c", text)
            .iter()
            .map(|f| match f {
                Fact::Utf7Line { line, .. } => *line,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(found, by_line);
        assert_eq!(found, [2, 3, 5, 8]);
    }

    #[test]
    fn declarations_are_found_with_their_variables() {
        let d = declarations(b"CS ?= UTF-7\nCFLAGS += -finput-charset=$(CS) -fexec-charset=UTF-16\n");
        assert_eq!(d.len(), 1);
        assert_eq!(
            (d[0].line, d[0].option.as_str(), d[0].charset.as_deref()),
            (2, "-finput-charset=$(CS)", Some("UTF-7"))
        );
        let d = declarations(b"set(CS \"utf-7\")\nadd_compile_options(-finput-charset=${CS})\n");
        assert_eq!(d[0].charset.as_deref(), Some("utf-7"));
        let d = declarations(
            b"<AdditionalOptions>/source-charset:utf-7 %(AdditionalOptions)</AdditionalOptions>",
        );
        assert_eq!(d[0].charset.as_deref(), Some("utf-7"));
        let d = declarations(b"CFLAGS = -finput-charset=$(FROM_ENV)\n");
        assert_eq!(d[0].charset, None);
        assert!(declarations(b"CFLAGS = -fexec-charset=UTF-7\n").is_empty());
    }
}

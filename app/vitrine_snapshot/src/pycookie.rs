//! Python's source-encoding declaration (PEP 263): a comment on the first or second line such as
//! `# -*- coding: utf-7 -*-` or `# vim: set fileencoding=hz :` makes CPython decode the whole file with
//! that codec before it tokenizes a single line.
//!
//! Most codecs read ASCII bytes as themselves, and then only the non-ASCII characters depend on the
//! codec: Vitrine decodes such a file with the declared codec, as CPython does, where it knows it
//! ([`declared_encoding`]). Some codecs do not read ASCII as ASCII, so a pure-ASCII file shown as it is
//! holds other text for CPython: in `utf-7`, `+AAo-` is a line feed; in `unicode_escape`, the two
//! characters `\n` are one, and in `raw_unicode_escape` `\u000a` is; `hz` shifts on `~{`, the
//! `iso2022_*` codecs on escape sequences; the EBCDIC code pages (`cp037`, `cp500`, …) read no ASCII
//! letter as itself; `shift_jis_2004` and `shift_jisx0213` read `\` as `¥`. A `# audit only +AAo-
//! grant_root(uid)` comment is then a call. Such a declaration is a deceptive
//! [`FindingKind::EncodingDisguise`] naming the codec ([`scan`]), and for the codecs decoded here
//! (`utf-7`, `unicode_escape`, `raw_unicode_escape`) each line that reads otherwise is one more, quoting
//! what CPython reads.
//!
//! The list of those codecs was taken from CPython 3.11 itself (every text codec of the `encodings`
//! package and its aliases, decoding all ASCII bytes and the sequences above; the test
//! `the_codec_list_matches_python` checks it against the `python3` on the machine when there is one).
//! CPython refuses the file (a `SyntaxError`) for a codec it does not know, for `utf-16`/`utf-32` and
//! `punycode`/`undefined` in a declaration, and for a declaration other than UTF-8 after a UTF-8
//! byte-order mark: nothing runs, so none is reported.

use crate::health::{FileFindings, FindingKind};

/// A PEP 263 declaration: its 1-based line and the codec name as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cookie {
    /// The line (1 or 2) it is on.
    pub line: u64,
    /// The 1-based column (in bytes: the line is ASCII up to the name) of the codec name.
    pub column: u64,
    /// The codec name as written.
    pub name: String,
}

/// What CPython does with a declared codec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    /// It reads ASCII bytes as themselves; the decoder for the other bytes, when encoding_rs has it.
    AsciiCompatible(Option<&'static encoding_rs::Encoding>),
    /// It does not read ASCII as ASCII (CPython's canonical codec name).
    Deceptive(&'static str),
    /// CPython refuses the file: an unknown codec, or one its tokenizer rejects.
    Refused,
}

/// The codecs (Python's normalised names: lower case, runs of other characters than letters, digits
/// and `.` made one `_`) that do not read ASCII bytes as themselves, each with its canonical name.
/// From CPython 3.11's `encodings` package and `encodings.aliases`.
const DECEPTIVE: &[(&str, &[&str])] = &[
    ("utf-7", &["utf_7", "u7", "unicode_1_1_utf_7", "utf7", "csunicode11utf7"]),
    ("unicode-escape", &["unicode_escape"]),
    ("raw-unicode-escape", &["raw_unicode_escape"]),
    ("hz", &["hz", "hz_gb", "hz_gb_2312", "hzgb"]),
    ("iso2022_jp", &["iso2022_jp", "csiso2022jp", "iso2022jp", "iso_2022_jp"]),
    ("iso2022_jp_1", &["iso2022_jp_1", "iso2022jp_1", "iso_2022_jp_1"]),
    ("iso2022_jp_2", &["iso2022_jp_2", "iso2022jp_2", "iso_2022_jp_2"]),
    ("iso2022_jp_2004", &["iso2022_jp_2004", "iso2022jp_2004", "iso_2022_jp_2004"]),
    ("iso2022_jp_3", &["iso2022_jp_3", "iso2022jp_3", "iso_2022_jp_3"]),
    ("iso2022_jp_ext", &["iso2022_jp_ext", "iso2022jp_ext", "iso_2022_jp_ext"]),
    ("iso2022_kr", &["iso2022_kr", "csiso2022kr", "iso2022kr", "iso_2022_kr"]),
    ("shift_jis_2004", &["shift_jis_2004", "s_jis_2004", "shiftjis2004", "sjis_2004"]),
    ("shift_jisx0213", &["shift_jisx0213", "s_jisx0213", "shiftjisx0213", "sjisx0213"]),
    (
        "cp037",
        &[
            "cp037",
            "037",
            "csibm037",
            "ebcdic_cp_ca",
            "ebcdic_cp_nl",
            "ebcdic_cp_us",
            "ebcdic_cp_wt",
            "ibm037",
            "ibm039",
        ],
    ),
    ("cp1026", &["cp1026", "1026", "csibm1026", "ibm1026"]),
    ("cp1140", &["cp1140", "1140", "ibm1140"]),
    ("cp273", &["cp273", "273", "csibm273", "ibm273"]),
    ("cp424", &["cp424", "424", "csibm424", "ebcdic_cp_he", "ibm424"]),
    ("cp500", &["cp500", "500", "csibm500", "ebcdic_cp_be", "ebcdic_cp_ch", "ibm500"]),
    ("cp864", &["cp864", "864", "csibm864", "ibm864"]),
    ("cp875", &["cp875"]),
];

/// Codecs CPython's tokenizer refuses in a declaration (normalised names).
const REFUSED: &[&str] = &[
    "utf_16",
    "u16",
    "utf16",
    "utf_16_be",
    "utf_16be",
    "unicodebigunmarked",
    "utf_16_le",
    "utf_16le",
    "unicodelittleunmarked",
    "utf_32",
    "u32",
    "utf32",
    "utf_32_be",
    "utf_32be",
    "utf_32_le",
    "utf_32le",
    "punycode",
    "undefined",
];

/// Python's codec names that encoding_rs knows under another label (normalised name, WHATWG label).
const ALIASES: &[(&str, &str)] = &[
    ("latin_1", "iso-8859-1"),
    ("latin1", "iso-8859-1"),
    ("l1", "iso-8859-1"),
    ("iso8859_1", "iso-8859-1"),
    ("iso_8859_1", "iso-8859-1"),
    ("iso_latin_1", "iso-8859-1"),
    ("8859", "iso-8859-1"),
    ("cp819", "iso-8859-1"),
    ("cp932", "shift_jis"),
    ("ms932", "shift_jis"),
    ("mskanji", "shift_jis"),
    ("ms_kanji", "shift_jis"),
    ("s_jis", "shift_jis"),
    ("shiftjis", "shift_jis"),
    ("cp936", "gbk"),
    ("ms936", "gbk"),
    ("936", "gbk"),
    ("cp949", "euc-kr"),
    ("ms949", "euc-kr"),
    ("uhc", "euc-kr"),
    ("949", "euc-kr"),
    ("cp950", "big5"),
    ("ms950", "big5"),
    ("950", "big5"),
    ("eucjp", "euc-jp"),
    ("ujis", "euc-jp"),
    ("u_jis", "euc-jp"),
    ("euckr", "euc-kr"),
    ("gb2312_1980", "gb2312"),
    ("euc_cn", "gb2312"),
    ("euccn", "gb2312"),
    ("big5_tw", "big5"),
    ("csbig5", "big5"),
    ("big5hkscs", "big5"),
    ("big5_hkscs", "big5"),
    ("u8", "utf-8"),
    ("utf", "utf-8"),
    ("utf8", "utf-8"),
    ("utf_8", "utf-8"),
    ("utf8_ucs2", "utf-8"),
    ("utf8_ucs4", "utf-8"),
    ("cp65001", "utf-8"),
    ("utf_8_sig", "utf-8"),
    ("ascii", "windows-1252"),
    ("us_ascii", "windows-1252"),
    ("646", "windows-1252"),
];

/// Python's `encodings.normalize_encoding`, lower-cased as `codecs.lookup` does: runs of characters
/// other than ASCII letters, digits and `.` become one `_`, none at either end.
fn normalise(name: &str) -> String {
    let mut out = String::new();
    let mut gap = false;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || c == '.' {
            if gap && !out.is_empty() {
                out.push('_');
            }
            gap = false;
            out.push(c.to_ascii_lowercase());
        } else {
            gap = true;
        }
    }
    out
}

/// What CPython does with the codec `name` of a declaration.
pub fn codec(name: &str) -> Codec {
    // CPython's tokenizer (`get_normal_name`) maps these before any lookup.
    let head: String = name.chars().take(12).collect::<String>().to_ascii_lowercase().replace('_', "-");
    if head == "utf-8" || head.starts_with("utf-8-") {
        return Codec::AsciiCompatible(Some(encoding_rs::UTF_8));
    }
    let n = normalise(name);
    for candidate in [n.clone(), n.replace('.', "_")] {
        if let Some((canonical, _)) = DECEPTIVE.iter().find(|(_, names)| names.contains(&candidate.as_str()))
        {
            return Codec::Deceptive(canonical);
        }
        if REFUSED.contains(&candidate.as_str()) {
            return Codec::Refused;
        }
    }
    let n = n.replace('.', "_");
    let label =
        ALIASES.iter().find(|(a, _)| *a == n).map_or_else(|| n.replace('_', "-"), |(_, l)| l.to_string());
    let enc = encoding_rs::Encoding::for_label_no_replacement(label.as_bytes())
        .filter(|e| e.is_ascii_compatible() && *e != encoding_rs::UTF_16LE && *e != encoding_rs::UTF_16BE);
    Codec::AsciiCompatible(enc)
}

/// The PEP 263 declaration of a Python file's bytes, as CPython's tokenizer finds it: the regular
/// expression `^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)` on the first line, or on the second when the
/// first is blank or a comment (a UTF-8 byte-order mark before it is skipped).
pub fn cookie(bytes: &[u8]) -> Option<Cookie> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    // A cheap look first: no `coding` in the first two lines, no declaration.
    let head = bytes.get(..bytes.len().min(4096)).unwrap_or(bytes);
    memchr::memmem::find(head, b"coding")?;
    let mut lines = head.split(|&b| b == b'\n');
    for line_no in 1..=2u64 {
        let line = lines.next()?;
        if let Some((column, name)) = match_cookie(line) {
            return Some(Cookie { line: line_no, column, name });
        }
        let blank_or_comment = {
            let t = line.iter().position(|b| !b" \t\x0c".contains(b));
            t.is_none_or(|i| matches!(line.get(i), Some(b'#' | b'\r')))
        };
        if !blank_or_comment {
            return None;
        }
    }
    None
}

/// The column and name of `coding[:=]name` in a comment line.
fn match_cookie(line: &[u8]) -> Option<(u64, String)> {
    let start = line.iter().position(|b| !b" \t\x0c".contains(b))?;
    if line.get(start) != Some(&b'#') {
        return None;
    }
    let mut from = start;
    // The non-greedy `.*?`: the first `coding` followed by `:` or `=` and a name.
    while let Some(i) = memchr::memmem::find(line.get(from..)?, b"coding") {
        let at = from + i + 6;
        if matches!(line.get(at), Some(b':' | b'=')) {
            let mut k = at + 1;
            while matches!(line.get(k), Some(b' ' | b'\t')) {
                k += 1;
            }
            let n = line
                .get(k..)?
                .iter()
                .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
                .count();
            if n > 0 {
                let name = String::from_utf8_lossy(line.get(k..k + n)?).into_owned();
                return Some((k as u64 + 1, name));
            }
        }
        from = from + i + 1;
    }
    None
}

/// Whether a file is Python by its name (`.py`, `.pyw`, `.pyi`) or its `#!` line.
pub fn is_python(path: &str, bytes: &[u8]) -> bool {
    let first = bytes.get(..bytes.len().min(256)).unwrap_or(bytes);
    let first = String::from_utf8_lossy(first.split(|&b| b == b'\n').next().unwrap_or_default());
    crate::terminators::line_rules(path, &first).is_some_and(|r| r.language == "Python")
}

/// The encoding CPython decodes a Python file with, when its declaration names an ASCII-compatible
/// codec encoding_rs has and the file is not pure ASCII (pure ASCII reads the same in all of them); the
/// file is then shown as CPython reads it. UTF-8 is [`crate::classify::TextEncoding::Utf8`] (with a
/// byte-order mark, left to the detection).
pub fn declared_encoding(path: &str, bytes: &[u8]) -> Option<&'static encoding_rs::Encoding> {
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        return None;
    }
    // The declaration first (a look at the first 4 KiB), so that no other file is read whole here.
    let c = cookie(bytes)?;
    if !is_python(path, bytes) || bytes.is_ascii() {
        return None;
    }
    match codec(&c.name) {
        Codec::AsciiCompatible(Some(e)) => Some(e),
        _ => None,
    }
}

/// The findings of a Python file's declaration: a deceptive [`FindingKind::EncodingDisguise`] at the
/// codec's name when it does not read ASCII as ASCII, and (for the codecs decoded here) one at each
/// later line that CPython reads otherwise, quoting that text.
pub fn scan(path: &str, bytes: &[u8], out: &mut FileFindings<'_>) {
    let Some(c) = cookie(bytes) else { return };
    if bytes.starts_with(b"\xEF\xBB\xBF") || !is_python(path, bytes) {
        // CPython refuses any declaration but UTF-8 after a byte-order mark: nothing runs.
        return;
    }
    let Codec::Deceptive(canonical) = codec(&c.name) else { return };
    let decoder: Option<fn(&[u8]) -> String> = match canonical {
        "utf-7" => Some(decode_utf7),
        "unicode-escape" => Some(|b: &[u8]| decode_unicode_escape(b, false)),
        "raw-unicode-escape" => Some(|b: &[u8]| decode_unicode_escape(b, true)),
        _ => None,
    };
    let what = match canonical {
        "utf-7" => "`+…-` runs of base64 are other characters (`+AAo-` is a line feed)",
        "unicode-escape" => "backslash escapes are decoded first (`\\n` is a line feed, `\\x23` a `#`)",
        "raw-unicode-escape" => "`\\u`/`\\U` escapes are decoded first (`\\u000a` is a line feed)",
        "hz" => "`~{` … `~}` shift to GB2312 and `~` followed by a line break joins lines",
        "shift_jis_2004" | "shift_jisx0213" => "`\\` is read as `¥` and `~` as `‾`",
        c if c.starts_with("iso2022") => "escape sequences and shift bytes switch character sets",
        _ => "it is an EBCDIC code page: no ASCII letter is read as itself",
    };
    let decoded_note = if decoder.is_some() {
        "; each line CPython reads otherwise is reported below with its text"
    } else {
        ""
    };
    out.push(Some(c.line), Some(c.column), FindingKind::EncodingDisguise, || {
        format!(
            "the coding declaration `{}` makes CPython decode this file as {canonical} before reading it: {what}, \
             so what runs is not the text shown (Vitrine shows and searches the bytes as they are){decoded_note}",
            c.name
        )
    });
    let Some(decode) = decoder else { return };
    let mut line_no = 0u64;
    for raw in bytes.split(|&b| b == b'\n') {
        line_no += 1;
        if line_no <= c.line {
            continue;
        }
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let mut read = decode(raw);
        // A backslash before the line break: `unicode_escape` drops both and joins the lines.
        let joins = canonical == "unicode-escape" && ends_with_odd_backslashes(raw);
        if joins {
            read.push_str("⏎ joined to the next line");
        }
        if !joins && read.as_bytes() == raw {
            continue;
        }
        let shown: String = read.replace('\n', "⏎").replace('\r', "␍").chars().take(160).collect();
        out.push(Some(line_no), Some(1), FindingKind::EncodingDisguise, || {
            format!("CPython decodes this line ({canonical}) and reads `{shown}` (⏎ is a line break), not the text shown")
        });
    }
}

fn ends_with_odd_backslashes(line: &[u8]) -> bool {
    line.iter().rev().take_while(|&&b| b == b'\\').count() % 2 == 1
}

/// The value of a modified-base64 character of UTF-7 (`A`–`Z`, `a`–`z`, `0`–`9`, `+`, `/`).
pub(crate) fn utf7_base64(c: u8) -> Option<u32> {
    Some(u32::from(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    }))
}

/// Python's `utf-7` decoder (RFC 2152), lenient: `+-` is `+`; `+` starts a run of modified base64
/// ending at the first other character (a `-` ending it is dropped); its bits are UTF-16 code units.
/// An invalid unit is U+FFFD.
pub fn decode_utf7(bytes: &[u8]) -> String {
    let b64 = utf7_base64;
    let mut out = String::new();
    let mut i = 0;
    while let Some(&c) = bytes.get(i) {
        i += 1;
        if c != b'+' {
            out.push(if c < 0x80 { c as char } else { '\u{FFFD}' });
            continue;
        }
        if bytes.get(i) == Some(&b'-') {
            out.push('+');
            i += 1;
            continue;
        }
        let (mut acc, mut bits, mut units) = (0u32, 0u32, Vec::new());
        while let Some(v) = bytes.get(i).and_then(|&b| b64(b)) {
            acc = (acc << 6) | v;
            bits += 6;
            if bits >= 16 {
                bits -= 16;
                units.push(((acc >> bits) & 0xFFFF) as u16);
            }
            i += 1;
        }
        if bytes.get(i) == Some(&b'-') {
            i += 1;
        }
        out.extend(char::decode_utf16(units).map(|r| r.unwrap_or('\u{FFFD}')));
    }
    out
}

/// Python's `unicode_escape` (or, when `raw`, `raw_unicode_escape`) decoder, lenient: bytes of 0x80
/// and above are Latin-1; an escape that does not decode stays as written. `\N{…}` is left as written
/// (no name table here).
pub fn decode_unicode_escape(bytes: &[u8], raw: bool) -> String {
    let mut out = String::new();
    let mut i = 0;
    let hex = |s: &[u8]| -> Option<char> {
        let s = std::str::from_utf8(s).ok()?;
        if !s.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        char::from_u32(u32::from_str_radix(s, 16).ok()?)
    };
    while let Some(&c) = bytes.get(i) {
        if c != b'\\' {
            out.push(c as char);
            i += 1;
            continue;
        }
        let Some(&e) = bytes.get(i + 1) else {
            out.push('\\');
            break;
        };
        let width = match e {
            b'u' => 4,
            b'U' => 8,
            b'x' if !raw => 2,
            _ => 0,
        };
        if width > 0 {
            match bytes.get(i + 2..i + 2 + width).and_then(hex) {
                Some(ch) => {
                    out.push(ch);
                    i += 2 + width;
                }
                None => {
                    out.push('\\');
                    i += 1;
                }
            }
            continue;
        }
        if raw {
            // A backslash escapes nothing else; `\\u` is a backslash and a `\u` escape only after an
            // odd run, which the next turn handles.
            out.push('\\');
            i += 1;
            if e == b'\\' {
                out.push('\\');
                i += 1;
            }
            continue;
        }
        let simple = match e {
            b'\\' => Some('\\'),
            b'\'' => Some('\''),
            b'"' => Some('"'),
            b'a' => Some('\x07'),
            b'b' => Some('\x08'),
            b'f' => Some('\x0c'),
            b'n' => Some('\n'),
            b'r' => Some('\r'),
            b't' => Some('\t'),
            b'v' => Some('\x0b'),
            _ => None,
        };
        if let Some(ch) = simple {
            out.push(ch);
            i += 2;
        } else if e == b'\n' {
            i += 2;
        } else if (b'0'..=b'7').contains(&e) {
            let n = bytes
                .get(i + 1..)
                .unwrap_or_default()
                .iter()
                .take(3)
                .take_while(|b| (b'0'..=b'7').contains(b))
                .count();
            let v = bytes
                .get(i + 1..i + 1 + n)
                .unwrap_or_default()
                .iter()
                .fold(0u32, |a, b| a * 8 + u32::from(b - b'0'));
            out.push(char::from_u32(v).unwrap_or('\u{FFFD}'));
            i += 1 + n;
        } else {
            out.push('\\');
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::health::HealthConfig;

    fn found(path: &str, bytes: &[u8]) -> Vec<(u64, String)> {
        let config = HealthConfig::default();
        let mut f = FileFindings::new(path, &config);
        scan(path, bytes, &mut f);
        let (listed, _) = f.finish();
        assert!(listed.iter().all(|f| f.kind == FindingKind::EncodingDisguise && f.kind.is_deceptive()));
        listed.into_iter().map(|f| (f.line.unwrap_or(0), f.detail)).collect()
    }

    /// obf f1 (round 23): `utf-7` and `unicode_escape` declarations turn a comment into a call.
    #[test]
    fn a_declaration_of_a_codec_that_changes_ascii_is_deceptive() {
        let utf7 = b"# -*- coding: utf-7 -*-\ndef grant_root(uid):\n    print(\"ROOT\", uid)\n\ndef check(uid):\n    # audit only, no side effects +AAo-    grant_root(uid)\n    return uid == 0\n";
        let f = found("auth.py", utf7);
        assert_eq!(f.len(), 2, "{f:#?}");
        assert_eq!(f[0].0, 1);
        assert!(f[0].1.contains("`utf-7`") && f[0].1.contains("+AAo-"), "{}", f[0].1);
        assert_eq!(f[1].0, 6);
        assert!(f[1].1.contains("no side effects ⏎    grant_root(uid)"), "{}", f[1].1);
        let esc = b"# coding: unicode_escape\ndef start(port):\n    # legacy hook, disabled\\n    enable_debug(port)\n    return port\n";
        let f = found("server.py", esc);
        assert_eq!(f.iter().map(|x| x.0).collect::<Vec<_>>(), [1, 3], "{f:#?}");
        assert!(f[1].1.contains("disabled⏎    enable_debug(port)"), "{}", f[1].1);
        let rawesc = b"#!/usr/bin/env python3\n# vim: set fileencoding=raw-unicode-escape :\nx = 1 # off\\u000ay = 2\n";
        let f = found("bin/tool", rawesc);
        assert_eq!(f.iter().map(|x| x.0).collect::<Vec<_>>(), [2, 3], "{f:#?}");
        // Codecs decoded here or not, any alias: a finding naming the codec.
        for (decl, canonical) in [
            ("# coding=HZ-GB-2312", "hz"),
            ("# -*- coding: iso-2022-jp -*-", "iso2022_jp"),
            ("# coding: CP037", "cp037"),
            ("# coding: U7", "utf-7"),
            ("# coding: sjis_2004", "shift_jis_2004"),
        ] {
            let text = format!("{decl}\nprint('hi')\n");
            let f = found("a.py", text.as_bytes());
            assert_eq!(f.len(), 1, "{decl}: {f:#?}");
            assert!(f[0].1.contains(canonical), "{decl}: {}", f[0].1);
        }
    }

    /// ASCII-compatible codecs, refused ones, a byte-order mark before another codec, a declaration
    /// on line 2 after code, and files that are not Python: no finding.
    #[test]
    fn harmless_or_refused_declarations_are_not_reported() {
        for text in [
            &b"# -*- coding: utf-8 -*-\nx = 1 +AAo- 2\n"[..],
            b"# coding: latin-1\nx = 'a\\n'\n",
            b"# vim: set fileencoding=shift_jis :\nx = '\\n'\n",
            b"# coding: utf-16\nx = 1\n",
            b"# coding: nosuchcodec\nx = 1\n",
            b"\xEF\xBB\xBF# coding: utf-7\nx = 1 # +AAo-y = 2\n",
            b"import os\n# coding: utf-7\nx = 1 # +AAo-y = 2\n",
            b"x = 1\n\n# coding: utf-7\n",
        ] {
            assert_eq!(found("a.py", text), [], "{}", text.escape_ascii());
        }
        assert_eq!(found("notes.txt", b"# coding: utf-7\n+AAo-\n"), []);
        // Line 2 after a comment or blank line counts.
        assert_eq!(found("a.py", b"#!/usr/bin/python\n# coding: utf-7\nx = 1\n").len(), 1);
    }

    /// A declaration of an ASCII-compatible codec decides how the file is shown, as CPython decodes it:
    /// UTF-8 bytes declared Shift_JIS are Shift_JIS text (the `\x81` lead byte takes the `\\` after
    /// it), Shift_JIS bytes are not guessed as another encoding.
    #[test]
    fn an_ascii_compatible_declaration_decides_the_decoding() {
        use crate::classify::{ClassifyConfig, TextEncoding, classify};
        let p = |s: &str| crate::path::RelPath::from_bytes(s.as_bytes().to_vec());
        let c = ClassifyConfig::default();
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode("# -*- coding: shift_jis -*-\n# 表示\nx = 1\n");
        assert_eq!(
            classify(&p("a.py"), &sjis, &c).encoding,
            Some(TextEncoding::Legacy(encoding_rs::SHIFT_JIS))
        );
        let utf8 = "# coding: cp932\ns = 'ぁ\\'\n".as_bytes();
        let got = classify(&p("b.py"), utf8, &c).encoding;
        assert_eq!(got, Some(TextEncoding::Legacy(encoding_rs::SHIFT_JIS)));
        assert!(!crate::text::decode(utf8, got.unwrap()).contains('\\'));
        // Not Python, or pure ASCII: the detection as before.
        assert_eq!(classify(&p("b.txt"), utf8, &c).encoding, Some(TextEncoding::Utf8));
        assert_eq!(classify(&p("c.py"), b"# coding: cp932\nx = 1\n", &c).encoding, Some(TextEncoding::Utf8));
    }

    #[test]
    fn codec_names_are_normalised_as_python_does() {
        assert_eq!(codec("UTF_7"), Codec::Deceptive("utf-7"));
        assert_eq!(codec("unicode-1-1-utf-7"), Codec::Deceptive("utf-7"));
        assert_eq!(codec("utf-8-sig"), Codec::AsciiCompatible(Some(encoding_rs::UTF_8)));
        assert_eq!(codec("cp932"), Codec::AsciiCompatible(Some(encoding_rs::SHIFT_JIS)));
        assert_eq!(codec("euc_jp"), Codec::AsciiCompatible(Some(encoding_rs::EUC_JP)));
        assert_eq!(codec("koi8-r"), Codec::AsciiCompatible(Some(encoding_rs::KOI8_R)));
        assert_eq!(codec("UTF-32LE"), Codec::Refused);
        assert_eq!(codec("cp437"), Codec::AsciiCompatible(None));
        assert_eq!(decode_utf7(b"a +AAo-b +- +AGEAYgBj"), "a \nb + abc");
        assert_eq!(decode_unicode_escape(b"a\\nb\\x41\\101\\u0042\\q", false), "a\nbAAB\\q");
        assert_eq!(decode_unicode_escape(b"a\\nb\\u000a\\\\u0041", true), "a\\nb\n\\\\u0041");
    }

    /// The list of codecs that do not read ASCII as ASCII is CPython's: every text codec of the
    /// `encodings` package and every alias is asked, when `python3` is on the machine.
    #[test]
    fn the_codec_list_matches_python() {
        let script = r#"
import codecs, encodings, encodings.aliases, pkgutil
names = set(encodings.aliases.aliases) | set(encodings.aliases.aliases.values())
names |= {m.name for m in pkgutil.iter_modules(encodings.__path__)}
sample = bytes(range(1, 128)) + b"\n# x +AAo- \\n \\u0041 ~{ }~ \x1b$B"
for n in sorted(names):
    try:
        ci = codecs.lookup(n)
    except LookupError:
        continue
    if not getattr(ci, "_is_text_encoding", True):
        continue
    try:
        ok = sample.decode(ci.name) == sample.decode("latin-1")
    except Exception:
        ok = False
    print(n, "ascii" if ok else "other")
"#;
        let Ok(run) = std::process::Command::new("python3").arg("-c").arg(script).output() else {
            eprintln!("no python3: the codec list is not checked");
            return;
        };
        let listing = String::from_utf8_lossy(&run.stdout);
        let mut checked = 0;
        for line in listing.lines() {
            let Some((name, verdict)) = line.split_once(' ') else { continue };
            let ours = codec(name);
            if matches!(name, "mbcs" | "oem" | "tactis") {
                continue;
            }
            match verdict {
                "other" => assert!(
                    matches!(ours, Codec::Deceptive(_) | Codec::Refused),
                    "python3 reads ASCII otherwise in `{name}`, Vitrine says {ours:?}"
                ),
                _ => assert!(
                    matches!(ours, Codec::AsciiCompatible(_)),
                    "python3 reads ASCII as ASCII in `{name}`, Vitrine says {ours:?}"
                ),
            }
            checked += 1;
        }
        assert!(checked > 300 || !run.status.success(), "{checked} codecs checked: {listing}");
    }
}

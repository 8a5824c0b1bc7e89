//! What the bytes of a text file say to the tools that read bytes, where the decoded view says
//! otherwise: ASCII syntax bytes hidden inside the multi-byte characters of a legacy encoding, and a
//! UTF-16 byte-order mark on a file that is not UTF-16.
//!
//! Compilers, shells and `make` read a source file's bytes (GCC converts from a legacy charset only
//! when told with `-finput-charset`): in Shift_JIS, GBK, GB18030, Big5 and UHC (EUC-KR) the second
//! byte of a two-byte character may be an ASCII byte (0x40..0x7E; Shift_JIS also 0x80..0xFC), so `表`
//! in Shift_JIS is `95 5C`, the second byte a backslash. The view decodes the character and shows no
//! backslash, while GCC sees `\` before the newline, splices the next line into a `//` comment and
//! never compiles the check drawn as code.

use crate::classify::TextEncoding;
use crate::health::{FileFindings, FindingKind};

/// The one trail byte that changes what a byte reader reads: a comment, a string and a line end only at
/// bytes below 0x40 (`*/`, a quote, a line break), which no trail byte of these encodings takes, so a
/// hidden `[`, `{`, `|` or `@` (0x40..0x7E, `ー` in Shift_JIS is `81 5B`) changes nothing there; the
/// backslash (0x5C) escapes or splices the byte after it.
const BACKSLASH: u8 = b'\\';

/// The findings for the ASCII backslashes that `bytes`, decoded as the legacy `encoding`, hides
/// inside multi-byte characters (nothing for single-byte encodings, where every byte is one
/// character):
///
/// - a character whose trail byte is `\` before a line break: GCC (and `sh`, `make`, Python outside a
///   comment) splices the next line onto this one, so the next line, drawn as its own line, is part of
///   this one (inside a `//` comment: not compiled). A deceptive [`FindingKind::EncodingDisguise`]
///   naming the lines joined;
/// - a character whose trail byte is `\` before a quote: to a byte reader the quote is escaped and the
///   literal drawn as closed goes on. Also deceptive;
/// - any other such character: a [`FindingKind::NonUtf8`] finding at its place, naming the byte the
///   hidden backslash escapes for a byte reader, so the view marks the line.
pub fn hidden_ascii_bytes(
    bytes: &[u8],
    encoding: &'static encoding_rs::Encoding,
    out: &mut FileFindings<'_>,
) {
    if encoding.is_single_byte() || bytes.is_ascii() {
        return;
    }
    let mut line_no = 1u64;
    // The column is counted on from the last character counted, so a long line of such characters
    // costs linear time: (byte offset reached, characters of the line before it).
    let mut counted = (0usize, 0u64);
    let mut i = 0usize;
    while let Some(&b) = bytes.get(i) {
        if b < 0x80 {
            if b == b'\n' {
                line_no += 1;
                counted = (i + 1, 0);
            }
            i += 1;
            continue;
        }
        let len = char_len(bytes, i, encoding);
        let trail = if len == 2 { bytes.get(i + 1).copied().filter(|&t| t == BACKSLASH) } else { None };
        if let Some(trail) = trail {
            let segment = bytes.get(counted.0..i).unwrap_or_default();
            counted = (i, counted.1 + encoding.decode_without_bom_handling(segment).0.chars().count() as u64);
            let column = counted.1 + 1;
            let ch =
                encoding.decode_without_bom_handling(bytes.get(i..i + 2).unwrap_or_default()).0.into_owned();
            let shown = format!("`{ch}` (bytes {b:02X} {trail:02X})");
            let name = encoding.name();
            let next = bytes.get(i + 2).copied();
            match next {
                Some(b'\r') if bytes.get(i + 3) != Some(&b'\n') => {
                    out.push(Some(line_no), Some(column), FindingKind::EncodingDisguise, || {
                        format!(
                            "{shown} ends with the byte of `\\` before a carriage return: GCC reads bytes, takes \
                             the pair as a backslash-newline and joins the text after the carriage return onto \
                             this line (the view decodes {name})"
                        )
                    });
                }
                Some(b'\n' | b'\r') => {
                    out.push(Some(line_no), Some(column), FindingKind::EncodingDisguise, || {
                        format!(
                            "{shown} ends the line with the byte of `\\`: GCC (and sh, make) read bytes, see a \
                             backslash-newline and join line {} onto line {line_no} (into its `//` comment, if \
                             any), while the view, decoding {name}, shows line {} as a line of its own",
                            line_no + 1,
                            line_no + 1
                        )
                    });
                }
                Some(q @ (b'"' | b'\'' | b'`')) => {
                    out.push(Some(line_no), Some(column), FindingKind::EncodingDisguise, || {
                        format!(
                            "{shown} ends with the byte of `\\` before `{}`: a compiler reading bytes takes the \
                             quote as escaped and the literal drawn as closed goes on (the view decodes {name})",
                            q as char
                        )
                    });
                }
                _ => {
                    out.push(Some(line_no), Some(column), FindingKind::NonUtf8, || {
                        let escapes = match next {
                            Some(n) if n.is_ascii_graphic() || n == b' ' => {
                                format!(", which escapes the `{}` after it", n as char)
                            }
                            _ => String::new(),
                        };
                        format!(
                            "{shown} hides an ASCII `\\` in its second byte: a compiler or shell reading bytes \
                             sees it here{escapes}, the view decoding {name} does not"
                        )
                    });
                }
            }
        }
        i += len;
    }
}

/// How many bytes the character at `at` (a byte of 0x80 or more) takes in `encoding`, as its decoder
/// consumes them: the shortest run of one to four bytes that decodes, without error, to exactly one
/// character; 1 for an invalid byte (the decoder shows U+FFFD and reads an ASCII byte after it as
/// itself, so no ASCII byte is hidden behind an error).
fn char_len(bytes: &[u8], at: usize, encoding: &'static encoding_rs::Encoding) -> usize {
    for len in 1..=4 {
        let Some(run) = bytes.get(at..at + len) else { break };
        if let Some(text) = encoding.decode_without_bom_handling_and_without_replacement(run) {
            let mut chars = text.chars();
            if chars.next().is_some() && chars.next().is_none() {
                return len;
            }
            // Two characters or more: the first is shorter, which a shorter run would have found.
            break;
        }
    }
    1
}

/// The deceptive finding for a UTF-16 byte-order mark (`FF FE`, `FE FF`) at the start of a file that
/// is not read as UTF-16 (see [`crate::classify::utf16_by_bom`]): tools that honour the mark would show
/// or compile another text than the one byte readers run and the view shows.
pub fn stray_utf16_bom(bytes: &[u8], encoding: Option<TextEncoding>) -> Option<String> {
    let mark = match bytes {
        [0xFF, 0xFE, ..] => "FF FE (UTF-16 little-endian)",
        [0xFE, 0xFF, ..] => "FE FF (UTF-16 big-endian)",
        _ => return None,
    };
    if matches!(encoding, Some(TextEncoding::Utf16Le | TextEncoding::Utf16Be)) {
        return None;
    }
    let read = match encoding {
        Some(e) => format!("it is read as {} text, as sh, make and compilers read its bytes", e.name()),
        None => "it is read as binary (it holds NUL bytes)".to_string(),
    };
    Some(format!(
        "the file starts with the byte-order mark {mark}, but the bytes after it are not UTF-16 text to \
         every reader (a line of ASCII that the UTF-16 reading hides, or a script, makefile or source \
         whose readers ignore the mark): {read}; \
         an editor or tool that believes the mark shows it as other characters (often one line of CJK), \
         where search and review would miss every line"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::health::HealthConfig;

    fn scan(
        path: &str,
        bytes: &[u8],
        encoding: &'static encoding_rs::Encoding,
    ) -> Vec<(u64, u64, FindingKind, String)> {
        let config = HealthConfig::default();
        let mut f = FileFindings::new(path, &config);
        hidden_ascii_bytes(bytes, encoding, &mut f);
        f.finish()
            .0
            .into_iter()
            .map(|f| (f.line.unwrap_or(0), f.column.unwrap_or(0), f.kind, f.detail))
            .collect()
    }

    const AUTH: &str = "#include <stdio.h>\n\nint main(int argc, char **argv) {\n    // 失敗したらエラーを表\n    if (!check_password(argv[1])) { puts(\"denied\"); return 1; }\n    puts(\"welcome\");\n}\n";

    /// F2 (round 22): the Shift_JIS `表` (`95 5C`) at the end of a `//` comment is a backslash-newline
    /// to GCC, which joins the check on the next line into the comment.
    #[test]
    fn a_trail_backslash_before_a_line_break_is_a_splice() {
        let (sjis, _, bad) = encoding_rs::SHIFT_JIS.encode(AUTH);
        assert!(!bad && sjis.windows(2).any(|w| w == b"\x95\x5C"));
        let found = scan("src/auth.c", &sjis, encoding_rs::SHIFT_JIS);
        assert_eq!(found.len(), 1, "{found:?}");
        let (line, column, kind, detail) = &found[0];
        assert_eq!((*line, *column, *kind), (4, 17, FindingKind::EncodingDisguise));
        assert!(kind.is_deceptive());
        assert!(detail.contains("join line 5 onto line 4") && detail.contains("95 5C"), "{detail}");
        // GBK (`乗` is `81 5C`), Big5 (`功` is `A5 5C`), and a CRLF file.
        let gbk = AUTH.replace("失敗したらエラーを表", "检查密码乗");
        let (gbk, _, bad) = encoding_rs::GBK.encode(&gbk);
        assert!(!bad);
        assert_eq!(scan("a.c", &gbk, encoding_rs::GBK)[0].2, FindingKind::EncodingDisguise);
        let big5 = AUTH.replace("失敗したらエラーを表", "成功").replace('\n', "\r\n");
        let (big5, _, bad) = encoding_rs::BIG5.encode(&big5);
        assert!(!bad && big5.windows(2).any(|w| w == b"\xA5\x5C"));
        let found = scan("a.c", &big5, encoding_rs::BIG5);
        assert_eq!((found[0].0, found[0].2), (4, FindingKind::EncodingDisguise), "{found:?}");
        // The same text without a dame-moji at the line's end: no finding; UTF-8 and single-byte: none.
        let plain = AUTH.replace("を表", "です");
        let (plain, _, _) = encoding_rs::SHIFT_JIS.encode(&plain);
        assert_eq!(scan("a.c", &plain, encoding_rs::SHIFT_JIS), []);
        assert_eq!(scan("a.c", AUTH.as_bytes(), encoding_rs::UTF_8), []);
        assert_eq!(scan("a.c", b"// caf\xe9\\\nx\n", encoding_rs::WINDOWS_1252), []);
    }

    /// A trail backslash before a quote escapes it to a byte reader; one elsewhere is marked where it
    /// stands (not deceptive: it changes a literal's value at most).
    #[test]
    fn other_hidden_syntax_bytes_are_marked() {
        let text = "puts(\"ソ\");\nputs(\"表\"); // 能x\nchar *s = \"十\";\n";
        let (sjis, _, bad) = encoding_rs::SHIFT_JIS.encode(text);
        assert!(!bad);
        let found = scan("a.c", &sjis, encoding_rs::SHIFT_JIS);
        let kinds: Vec<(u64, u64, FindingKind)> = found.iter().map(|f| (f.0, f.1, f.2)).collect();
        assert_eq!(
            kinds,
            [
                (1, 7, FindingKind::EncodingDisguise),
                (2, 7, FindingKind::EncodingDisguise),
                (2, 15, FindingKind::NonUtf8),
                (3, 12, FindingKind::EncodingDisguise),
            ],
            "{found:?}"
        );
        assert!(found[2].3.contains("escapes the `x`"), "{}", found[2].3);
        // `ー` is `81 5B`, a hidden `[`, and `ァ` is `83 40`, a hidden `@`: nothing in a comment or a
        // string ends at either, so they are not reported.
        let (other, _, _) = encoding_rs::SHIFT_JIS.encode("// ァー\nputs(\"ー\");\n");
        assert!(other.windows(2).any(|w| w == b"\x81\x5B"));
        assert_eq!(scan("a.c", &other, encoding_rs::SHIFT_JIS), []);
        // Half-width katakana are one byte: `ｱ\` is two characters, the backslash visible.
        assert_eq!(scan("a.c", b"// \xB1\\\nx\n", encoding_rs::SHIFT_JIS), []);
    }

    #[test]
    fn a_stray_utf16_bom_is_named() {
        let fake = b"\xFF\xFE=1\necho hi\n";
        let enc = crate::classify::detect_encoding(fake);
        let detail = stray_utf16_bom(fake, enc).expect("a finding");
        assert!(detail.contains("FF FE") && detail.contains("not UTF-16"), "{detail}");
        assert_eq!(stray_utf16_bom(b"\xFF\xFEa\0", Some(TextEncoding::Utf16Le)), None);
        assert_eq!(stray_utf16_bom(b"echo\n", Some(TextEncoding::Utf8)), None);
    }
}

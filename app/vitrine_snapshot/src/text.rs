//! Decoding file bytes to text for display and for the health scan, by detected encoding.

use std::borrow::Cow;

use crate::classify::TextEncoding;

/// Decodes `bytes` in `encoding` (the byte-order mark, if any, is dropped). Invalid sequences become
/// U+FFFD, which the code view shows as such: nothing is hidden.
pub fn decode(bytes: &[u8], encoding: TextEncoding) -> Cow<'_, str> {
    match encoding {
        TextEncoding::Utf8 => utf8(bytes),
        TextEncoding::Utf8Bom => utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)),
        TextEncoding::Utf16Le => encoding_rs::UTF_16LE.decode_with_bom_removal(bytes).0,
        TextEncoding::Utf16Be => encoding_rs::UTF_16BE.decode_with_bom_removal(bytes).0,
        TextEncoding::Legacy(e) => e.decode_without_bom_handling(bytes).0,
    }
}

/// UTF-8 text as it is when valid (the usual case, checked by the fast validator), else with U+FFFD for
/// each invalid sequence.
fn utf8(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

/// A character that a reviewer must see, because it can make code read differently than it compiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Suspicious {
    /// Bidirectional control (Trojan Source, CVE-2021-42574).
    Bidi,
    /// Zero-width or otherwise invisible character.
    Invisible,
    /// C0/C1 control other than tab, newline, carriage return and form feed.
    Control,
    /// A line terminator for some languages that the viewer does not break lines at: a CR that is not
    /// part of a CRLF pair, U+2028 LINE SEPARATOR, U+2029 PARAGRAPH SEPARATOR. Whether it ends the line
    /// for a given file is decided by [`crate::terminators::line_rules`].
    LineBreak,
}

/// Classifies one character, as met inside a line: the CR of a CRLF pair is removed by the line splitter
/// ([`crate::lines::LineIndex::line_range`]) before characters are classified, so a CR seen here is a
/// lone one. Tab, LF and FF are ordinary in source code.
pub fn suspicious(c: char) -> Option<Suspicious> {
    match c {
        '\r' | '\u{2028}' | '\u{2029}' => Some(Suspicious::LineBreak),
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}' => {
            Some(Suspicious::Bidi)
        }
        '\u{200B}'..='\u{200D}'
        | '\u{2060}'..='\u{2064}'
        | '\u{FEFF}'
        | '\u{00AD}'
        | '\u{034F}'
        | '\u{115F}'
        | '\u{1160}'
        | '\u{17B4}'
        | '\u{17B5}'
        | '\u{180E}'
        | '\u{3164}'
        | '\u{FFA0}'
        | '\u{FE00}'..='\u{FE0F}'
        | '\u{E0000}'..='\u{E007F}'
        | '\u{E0100}'..='\u{E01EF}' => Some(Suspicious::Invisible),
        '\t' | '\n' | '\u{0C}' => None,
        '\u{00}'..='\u{1F}' | '\u{7F}'..='\u{9F}' => Some(Suspicious::Control),
        _ => None,
    }
}

/// The Unicode name-like label used in markers and tooltips, e.g. `U+202E RIGHT-TO-LEFT OVERRIDE`.
pub fn describe(c: char) -> String {
    let name = match c {
        '\u{202A}' => "LEFT-TO-RIGHT EMBEDDING",
        '\u{202B}' => "RIGHT-TO-LEFT EMBEDDING",
        '\u{202C}' => "POP DIRECTIONAL FORMATTING",
        '\u{202D}' => "LEFT-TO-RIGHT OVERRIDE",
        '\u{202E}' => "RIGHT-TO-LEFT OVERRIDE",
        '\u{2066}' => "LEFT-TO-RIGHT ISOLATE",
        '\u{2067}' => "RIGHT-TO-LEFT ISOLATE",
        '\u{2068}' => "FIRST STRONG ISOLATE",
        '\u{2069}' => "POP DIRECTIONAL ISOLATE",
        '\u{200E}' => "LEFT-TO-RIGHT MARK",
        '\u{200F}' => "RIGHT-TO-LEFT MARK",
        '\u{061C}' => "ARABIC LETTER MARK",
        '\u{200B}' => "ZERO WIDTH SPACE",
        '\u{200C}' => "ZERO WIDTH NON-JOINER",
        '\u{200D}' => "ZERO WIDTH JOINER",
        '\u{2060}' => "WORD JOINER",
        '\u{FEFF}' => "ZERO WIDTH NO-BREAK SPACE (BOM)",
        '\u{00AD}' => "SOFT HYPHEN",
        '\u{3164}' => "HANGUL FILLER",
        '\u{7F}' => "DELETE",
        '\u{1B}' => "ESCAPE",
        '\u{08}' => "BACKSPACE",
        '\u{00}' => "NULL",
        '\r' => "CARRIAGE RETURN",
        '\u{0B}' => "LINE TABULATION",
        '\u{85}' => "NEXT LINE",
        '\u{2028}' => "LINE SEPARATOR",
        '\u{2029}' => "PARAGRAPH SEPARATOR",
        '\u{FE00}'..='\u{FE0F}' | '\u{E0100}'..='\u{E01EF}' => "VARIATION SELECTOR",
        '\u{E0000}'..='\u{E007F}' => "TAG CHARACTER",
        '\u{00}'..='\u{1F}' => "C0 CONTROL",
        '\u{80}'..='\u{9F}' => "C1 CONTROL",
        _ => "INVISIBLE CHARACTER",
    };
    format!("U+{:04X} {name}", c as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_each_encoding() {
        assert_eq!(decode("ж".as_bytes(), TextEncoding::Utf8), "ж");
        assert_eq!(decode(b"\xEF\xBB\xBFok", TextEncoding::Utf8Bom), "ok");
        assert_eq!(decode(b"\xFF\xFEo\0k\0", TextEncoding::Utf16Le), "ok");
        assert_eq!(decode(b"\xE6", TextEncoding::Legacy(encoding_rs::WINDOWS_1251)), "ж");
        // Valid UTF-8 is borrowed as it is; an invalid sequence still shows as U+FFFD, never dropped.
        assert!(matches!(decode(b"int x;\n", TextEncoding::Utf8), Cow::Borrowed("int x;\n")));
        assert_eq!(decode(b"a\xFFb", TextEncoding::Utf8), "a\u{FFFD}b");
        assert_eq!(decode(b"\xEF\xBB\xBFa\xC3", TextEncoding::Utf8Bom), "a\u{FFFD}");
    }

    #[test]
    fn suspicious_characters() {
        assert_eq!(suspicious('\u{202E}'), Some(Suspicious::Bidi));
        assert_eq!(suspicious('\u{200B}'), Some(Suspicious::Invisible));
        assert_eq!(suspicious('\u{1B}'), Some(Suspicious::Control));
        assert_eq!(suspicious('\t'), None);
        assert_eq!(suspicious('\r'), Some(Suspicious::LineBreak));
        assert_eq!(suspicious('\u{2028}'), Some(Suspicious::LineBreak));
        assert_eq!(suspicious('\u{85}'), Some(Suspicious::Control));
        assert_eq!(describe('\u{2029}'), "U+2029 PARAGRAPH SEPARATOR");
        assert_eq!(suspicious('a'), None);
        assert_eq!(describe('\u{202E}'), "U+202E RIGHT-TO-LEFT OVERRIDE");
    }
}

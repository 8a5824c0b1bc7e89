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

/// Why a character must be shown as a marker: the one definition shared with the code view and the
/// terminal escaper ([`vitrine_base::chars`]).
pub use vitrine_base::chars::Suspicious;

/// Classifies one character, as met inside a line: the CR of a CRLF pair is removed by the line splitter
/// ([`crate::lines::LineIndex::line_range`]) before characters are classified, so a CR seen here is a
/// lone one. Tab, LF and FF are ordinary in source code. Every format character (Cf) and every
/// default-ignorable code point is [`Suspicious::Invisible`] (see [`vitrine_base::chars::suspicious`]).
pub fn suspicious(c: char) -> Option<Suspicious> {
    vitrine_base::chars::suspicious(c)
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
        '\u{115F}' => "HANGUL CHOSEONG FILLER",
        '\u{1160}' => "HANGUL JUNGSEONG FILLER",
        '\u{FFA0}' => "HALFWIDTH HANGUL FILLER",
        '\u{00A0}' => "NO-BREAK SPACE",
        '\u{1680}' => "OGHAM SPACE MARK",
        '\u{2000}'..='\u{200A}' => "SPACE (typographic width)",
        '\u{202F}' => "NARROW NO-BREAK SPACE",
        '\u{205F}' => "MEDIUM MATHEMATICAL SPACE",
        '\u{3000}' => "IDEOGRAPHIC SPACE",
        '\u{2800}' => "BRAILLE PATTERN BLANK",
        '\u{180B}'..='\u{180D}' | '\u{180F}' => "MONGOLIAN FREE VARIATION SELECTOR",
        '\u{180E}' => "MONGOLIAN VOWEL SEPARATOR",
        '\u{206A}'..='\u{206F}' => "DEPRECATED FORMAT CHARACTER",
        '\u{1D173}'..='\u{1D17A}' => "MUSICAL SYMBOL FORMAT CHARACTER",
        '\u{1BCA0}'..='\u{1BCA3}' => "SHORTHAND FORMAT CONTROL",
        '\u{09}' => "CHARACTER TABULATION",
        '\u{0A}' => "LINE FEED",
        '\u{0C}' => "FORM FEED",
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
        // Every format character and default-ignorable code point, not a list of favourites (F7).
        for c in ['\u{1D173}', '\u{1BCA0}', '\u{206A}', '\u{180B}', '\u{E0080}', '\u{FFF0}'] {
            assert_eq!(suspicious(c), Some(Suspicious::Invisible), "{}", describe(c));
        }
        assert_eq!(describe('\u{1D173}'), "U+1D173 MUSICAL SYMBOL FORMAT CHARACTER");
    }
}

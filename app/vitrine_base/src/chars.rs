//! The one definition of the characters a reader must be shown rather than given as themselves: what the
//! health report flags, what the window's code view draws as a `<U+XXXX>` marker and what the terminal
//! escaper writes visibly all ask [`suspicious`], so no list can fall behind another.
//!
//! - bidirectional controls ([`is_bidi_control`]): they reorder what is shown (Trojan Source);
//! - every format character (general category Cf, [`is_format`]) and every Default_Ignorable_Code_Point
//!   ([`is_default_ignorable`]): they render as nothing, or as nothing in most fonts, yet a compiler or
//!   a string comparison sees them (`"evil.example\u{1D173}"` is not `"evil.example"`);
//! - C0 and C1 controls and DEL;
//! - line terminators that some languages honour and a viewer may not (a lone CR, U+2028, U+2029).
//!
//! The tables are Unicode 16.0 (`DerivedCoreProperties.txt`, `UnicodeData.txt`); a test in
//! `vitrine_record` checks them against the `unicode-properties` and `unicode-security` crates for every
//! code point. Unassigned code points that Unicode reserves as default-ignorable count (a later version
//! may assign them, and a renderer already hides them).
//!
//! File names are stricter than content ([`name_suspicious`]): tab, line feed and form feed are layout
//! in a source file but a deception in a name, and so is a blank that is not the ASCII space
//! ([`is_unusual_blank`]: no-break and ideographic spaces, the braille blank, the Hangul fillers).

/// Why a character must be shown as a marker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Suspicious {
    /// Bidirectional control (Trojan Source, CVE-2021-42574).
    Bidi,
    /// A format character (Cf) or a default-ignorable code point: zero-width or otherwise invisible.
    Invisible,
    /// C0/C1 control other than tab, newline, carriage return and form feed (in a name: any of them).
    Control,
    /// A line terminator for some languages that the viewer does not break lines at: a CR that is not
    /// part of a CRLF pair, U+2028 LINE SEPARATOR, U+2029 PARAGRAPH SEPARATOR.
    LineBreak,
    /// In a name only: a blank other than the ASCII space (see [`is_unusual_blank`]).
    Blank,
}

/// Classifies one character of text, as met inside a line (so a CR is a lone one: the CR of a CRLF
/// pair is removed by line splitting). Tab, LF and FF are ordinary in source code.
pub fn suspicious(c: char) -> Option<Suspicious> {
    if c.is_ascii() {
        return match c {
            '\r' => Some(Suspicious::LineBreak),
            '\t' | '\n' | '\u{0C}' => None,
            c if c.is_ascii_control() => Some(Suspicious::Control),
            _ => None,
        };
    }
    if matches!(c, '\u{2028}' | '\u{2029}') {
        Some(Suspicious::LineBreak)
    } else if is_bidi_control(c) {
        Some(Suspicious::Bidi)
    } else if c.is_control() {
        Some(Suspicious::Control)
    } else if is_format(c) || is_default_ignorable(c) {
        Some(Suspicious::Invisible)
    } else {
        None
    }
}

/// Classifies one character of a file or directory name: as [`suspicious`], and also every control
/// (tab, line feed, form feed, carriage return: a name holding one prints as two rows or a gap) and
/// every [`is_unusual_blank`] character.
pub fn name_suspicious(c: char) -> Option<Suspicious> {
    if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') {
        return Some(Suspicious::Control);
    }
    if let Some(s) = suspicious(c) {
        return Some(s);
    }
    is_unusual_blank(c).then_some(Suspicious::Blank)
}

/// The bidirectional controls: embeddings, overrides and their pop (U+202A..U+202E), isolates and their
/// pop (U+2066..U+2069), and the marks (U+200E, U+200F, U+061C).
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Whether `c` is of general category Cf (format), Unicode 16.0.
pub fn is_format(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{0600}'..='\u{0605}'
            | '\u{061C}'
            | '\u{06DD}'
            | '\u{070F}'
            | '\u{0890}'..='\u{0891}'
            | '\u{08E2}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{110BD}'
            | '\u{110CD}'
            | '\u{13430}'..='\u{1343F}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0001}'
            | '\u{E0020}'..='\u{E007F}'
    )
}

/// Whether `c` has the Default_Ignorable_Code_Point property (Unicode 16.0): what a renderer shows as
/// nothing when it has no glyph for it (variation selectors, fillers, tags, reserved ranges).
pub fn is_default_ignorable(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'..='\u{1160}'
            | '\u{17B4}'..='\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF0}'..='\u{FFF8}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// A blank other than the ASCII space: every space separator (Zs) but U+0020 (no-break, en, em, thin,
/// ideographic spaces, …) and the characters that draw as an empty cell (U+2800 BRAILLE PATTERN BLANK,
/// the Hangul fillers U+115F, U+1160, U+3164, U+FFA0). In a name, `login.py<U+00A0>` is a second file
/// that lists as `login.py`.
pub fn is_unusual_blank(c: char) -> bool {
    matches!(
        c,
        '\u{00A0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200A}'
                | '\u{202F}'
                | '\u{205F}'
                | '\u{3000}'
                | '\u{2800}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{3164}'
                | '\u{FFA0}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes() {
        assert_eq!(suspicious('\u{202E}'), Some(Suspicious::Bidi));
        assert_eq!(suspicious('\u{200B}'), Some(Suspicious::Invisible));
        for c in ['\u{1D173}', '\u{1BCA0}', '\u{206A}', '\u{FFF0}', '\u{E0080}', '\u{180B}', '\u{FFF9}'] {
            assert_eq!(suspicious(c), Some(Suspicious::Invisible), "{:04X}", c as u32);
        }
        assert_eq!(suspicious('\u{1B}'), Some(Suspicious::Control));
        assert_eq!(suspicious('\u{85}'), Some(Suspicious::Control));
        assert_eq!(suspicious('\r'), Some(Suspicious::LineBreak));
        assert_eq!(suspicious('\u{2029}'), Some(Suspicious::LineBreak));
        for c in ['\t', '\n', '\u{0C}', 'a', ' ', '\u{A0}', '\u{3000}', 'é', 'Ж'] {
            assert_eq!(suspicious(c), None, "{:04X}", c as u32);
        }
        for c in ['\t', '\n', '\u{0C}', '\r', '\u{2028}'] {
            assert_eq!(name_suspicious(c), Some(Suspicious::Control), "{:04X}", c as u32);
        }
        for c in ['\u{A0}', '\u{3000}', '\u{2800}', '\u{202F}'] {
            assert_eq!(name_suspicious(c), Some(Suspicious::Blank), "{:04X}", c as u32);
        }
        // A filler is default-ignorable: invisible before it is blank.
        assert_eq!(name_suspicious('\u{3164}'), Some(Suspicious::Invisible));
        assert_eq!(name_suspicious(' '), None);
        assert_eq!(name_suspicious('а'), None);
    }
}

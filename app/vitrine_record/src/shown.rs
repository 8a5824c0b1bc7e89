//! Text read from a record shown where a character could act instead of being seen (a terminal, one line
//! of a listing): every control (C0, DEL, C1, so also ESC, CR, BEL and the newline), every format
//! character (bidirectional controls, zero-width and other invisible characters, general category Cf),
//! and the line and paragraph separators are written visibly: `\xNN` below U+0080, `<U+XXXX>` above.
//! A vendor's reply, a tar member's name or a principal then cannot move the cursor, clear or recolour
//! the screen, set the window title, hide what follows, reorder itself, or start a line of its own.

use std::borrow::Cow;

/// Whether `c` must never reach a terminal as itself (see the module documentation): every control, and
/// every character of the one shared definition ([`vitrine_base::chars::suspicious`]: bidi controls,
/// format characters and default-ignorable code points, line and paragraph separators), which the health
/// report flags and the window's code view marks too.
pub fn hidden(c: char) -> bool {
    c.is_control() || vitrine_base::chars::suspicious(c).is_some()
}

/// `s` with every [`hidden`] character written visibly; borrowed when there is none.
pub fn escape(s: &str) -> Cow<'_, str> {
    escape_where(s, hidden)
}

/// [`escape`] for a line of source text: a tab stays a tab (it is layout); everything else as [`escape`].
pub fn escape_keep_tab(s: &str) -> Cow<'_, str> {
    escape_where(s, |c| c != '\t' && hidden(c))
}

fn escape_where(s: &str, needs: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !s.chars().any(&needs) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if !needs(c) {
            out.push(c);
        } else if (c as u32) < 0x80 {
            out.push_str(&format!("\\x{:02X}", c as u32));
        } else {
            out.push_str(&crate::principal::marker(c));
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_control_format_and_separator_character_is_written_visibly() {
        assert_eq!(escape("src/a.c — café Ж 山"), "src/a.c — café Ж 山");
        assert!(matches!(escape("plain"), Cow::Borrowed(_)));
        assert_eq!(escape("a\u{1b}[2J\r\n\t\u{7}\u{7f}"), r"a\x1B[2J\x0D\x0A\x09\x07\x7F");
        assert_eq!(escape("\u{9b}31m\u{85}"), "<U+009B>31m<U+0085>");
        for c in [
            '\u{202A}',
            '\u{202E}',
            '\u{2066}',
            '\u{2069}',
            '\u{200E}',
            '\u{200F}',
            '\u{061C}',
            '\u{200B}',
            '\u{200D}',
            '\u{2060}',
            '\u{FEFF}',
            '\u{00AD}',
            '\u{2028}',
            '\u{2029}',
            '\u{206A}',
            '\u{FFF9}',
            '\u{E0041}',
            '\u{3164}',
            '\u{FE0F}',
        ] {
            let shown = escape(&format!("x{c}y")).into_owned();
            assert_eq!(shown, format!("x<U+{:04X}>y", c as u32), "{c:?}");
        }
        assert_eq!(escape_keep_tab("\tint x;\u{1b}]0;t\u{7}"), "\tint x;\\x1B]0;t\\x07");
    }

    /// The shared tables agree with the Unicode crates for every code point: each format character
    /// (Cf) and each default-ignorable code point (what a UTS #39 skeleton drops) is hidden, and each
    /// line or paragraph separator.
    #[test]
    fn the_shared_definition_covers_every_format_and_ignorable_character() {
        use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            let cf = c.general_category() == GeneralCategory::Format;
            assert_eq!(vitrine_base::chars::is_format(c), cf, "U+{:04X} Cf", c as u32);
            let ignorable = unicode_security::skeleton(&c.to_string()).next().is_none();
            assert_eq!(vitrine_base::chars::is_default_ignorable(c), ignorable, "U+{:04X} DI", c as u32);
            let separator = matches!(
                c.general_category(),
                GeneralCategory::LineSeparator | GeneralCategory::ParagraphSeparator
            );
            if cf || ignorable || separator || c.is_control() {
                assert!(hidden(c), "U+{:04X}", c as u32);
            }
            if c.general_category() == GeneralCategory::SpaceSeparator && c != ' ' {
                assert!(vitrine_base::chars::is_unusual_blank(c), "U+{:04X} Zs", c as u32);
            }
        }
        // The ones the terminal escaper saw and the health report did not (F7).
        for c in ['\u{1D173}', '\u{1BCA0}', '\u{206A}', '\u{E0080}'] {
            assert_eq!(escape(&format!("x{c}")), format!("x<U+{:04X}>", c as u32));
        }
    }

    #[test]
    fn a_problem_is_one_line_with_nothing_hidden() {
        let p = crate::Problem::new(
            crate::ProblemKind::Unreadable,
            "entries/zz\u{1b}[2J\nOK: 2 entries",
            "origin \u{1b}]0;t\u{7}\u{202E} is not this record's",
        );
        assert_eq!(
            p.to_string(),
            "entries/zz\\x1B[2J\\x0AOK: 2 entries: origin \\x1B]0;t\\x07<U+202E> is not this record's"
        );
    }
}

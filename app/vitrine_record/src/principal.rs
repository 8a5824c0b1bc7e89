//! Principals (the names people sign under): what a principal may contain, how one is shown when it may
//! not be what it looks like, and when two principals look alike.
//!
//! A principal is checked whenever it is added to a review (`people add`, `key new`, an import): it is in
//! Unicode NFC, holds no whitespace, control, bidirectional or invisible character, none of the
//! characters with a meaning in `allowed_signers`, and the letters of each label (the parts between `@`
//! and `.`) are of one script (`аlice` with a Cyrillic `а` is refused). A principal read from a record is never shown raw when it fails those
//! rules or looks like another one: [`escape`] writes every non-ASCII character as `<U+XXXX>`.

use unicode_normalization::UnicodeNormalization;
use unicode_script::{Script, UnicodeScript};

/// Longest principal accepted, in bytes.
pub const MAX_PRINCIPAL_BYTES: usize = 256;

/// Why a principal is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrincipalProblem {
    /// The principal is the empty string.
    #[error("principal is empty")]
    Empty,
    /// Longer than [`MAX_PRINCIPAL_BYTES`]; holds the start of it, escaped.
    #[error("principal {0} is longer than 256 bytes")]
    TooLong(String),
    /// Not in Unicode NFC, so one name could be written two ways; holds it escaped.
    #[error("principal {0} is not in Unicode NFC")]
    NotNfc(String),
    /// Holds a character that is never shown as itself (see [`hidden_kind`]).
    #[error("principal {shown} holds {what} {code}")]
    Hidden {
        /// The principal, escaped.
        shown: String,
        /// What the character is ("a bidirectional control", "an invisible character", …).
        what: &'static str,
        /// The character as `<U+XXXX>`.
        code: String,
    },
    /// Holds whitespace or a character with a meaning in `allowed_signers`; holds it escaped.
    #[error(
        "principal {0} holds a space, a quote, a comma or one of * ? ! # (they have a meaning in allowed_signers)"
    )]
    Reserved(String),
    /// One label (between `@` and `.`) mixes letters of several scripts.
    #[error("principal {shown} mixes scripts ({scripts}): it can look like another name")]
    MixedScripts {
        /// The principal, escaped.
        shown: String,
        /// The scripts' names, comma-separated ("Latin, Cyrillic").
        scripts: String,
    },
}

/// A character that must never be shown as itself: bidirectional controls, format characters (Cf) and
/// default-ignorable code points, and controls other than tab, newline, carriage return and form feed —
/// the one definition the health report and the code view use ([`vitrine_base::chars::suspicious`]).
pub fn hidden_kind(c: char) -> Option<&'static str> {
    use vitrine_base::chars::Suspicious;
    match vitrine_base::chars::suspicious(c)? {
        Suspicious::Bidi => Some("a bidirectional control"),
        Suspicious::Invisible => Some("an invisible character"),
        Suspicious::Control => Some("a control character"),
        Suspicious::LineBreak | Suspicious::Blank => None,
    }
}

/// `<U+XXXX>` for one character.
pub fn marker(c: char) -> String {
    format!("<U+{:04X}>", c as u32)
}

/// The principal with every non-ASCII or non-printable character written as `<U+XXXX>`: how a principal
/// that failed [`validate_principal`] or [`looks_like`] another is shown.
pub fn escape(p: &str) -> String {
    p.chars().map(|c| if c.is_ascii_graphic() { c.to_string() } else { marker(c) }).collect()
}

/// How to show a principal read from a record: as itself when it passes [`validate_principal`],
/// escaped otherwise.
pub fn display(p: &str) -> String {
    if validate_principal(p).is_ok() { p.to_owned() } else { escape(p) }
}

/// Checks a principal before it is added to a review (see the module documentation).
pub fn validate_principal(p: &str) -> Result<(), PrincipalProblem> {
    if p.is_empty() {
        return Err(PrincipalProblem::Empty);
    }
    if p.len() > MAX_PRINCIPAL_BYTES {
        return Err(PrincipalProblem::TooLong(escape(p.get(..64).unwrap_or(""))));
    }
    if let Some(c) = p.chars().find(|&c| hidden_kind(c).is_some()) {
        return Err(PrincipalProblem::Hidden {
            shown: escape(p),
            what: hidden_kind(c).unwrap_or("a hidden character"),
            code: marker(c),
        });
    }
    if p.chars().any(|c| c.is_whitespace() || matches!(c, '*' | '?' | '!' | ',' | '"' | '#')) {
        return Err(PrincipalProblem::Reserved(escape(p)));
    }
    if !unicode_normalization::is_nfc(p) {
        return Err(PrincipalProblem::NotNfc(escape(p)));
    }
    // Each label (between `@` and `.`) in one script, as browsers require of a domain's labels: a name
    // may be Latin at its top-level domain and Japanese before it, never within one label.
    for label in p.split(['@', '.']) {
        let scripts = scripts_of(label);
        if !one_writing_system(&scripts) {
            let names: Vec<&str> = scripts.iter().map(|s| s.full_name()).collect();
            return Err(PrincipalProblem::MixedScripts { shown: escape(p), scripts: names.join(", ") });
        }
    }
    Ok(())
}

/// The scripts of a principal's letters, in order of first appearance (Common and Inherited characters,
/// such as digits, `@`, `.` and combining marks, belong to every script).
fn scripts_of(p: &str) -> Vec<Script> {
    let mut out: Vec<Script> = Vec::new();
    for c in p.chars() {
        let s = c.script();
        if !matches!(s, Script::Common | Script::Inherited | Script::Unknown) && !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

/// One script, or the scripts one language writes together (Japanese: Han with kana; Korean: Han with
/// Hangul).
fn one_writing_system(scripts: &[Script]) -> bool {
    let within = |set: &[Script]| scripts.iter().all(|s| set.contains(s));
    scripts.len() <= 1
        || within(&[Script::Han, Script::Hiragana, Script::Katakana])
        || within(&[Script::Han, Script::Hangul])
}

/// What a principal looks like: its Unicode TS #39 confusable skeleton (the `unicode-security` crate's
/// table, generated from the Unicode consortium's `confusables.txt`) taken of its compatibility-folded
/// (NFKC), lower-cased form with hidden characters dropped and Cyrillic and Greek look-alikes of Latin
/// letters replaced by them (a few that the table keeps apart, such as Cyrillic `м`), then lower-cased
/// and taken once more so that a prototype's own case and look-alikes do not matter. Every letter that
/// the standard lists as confusable with another maps to one prototype: Cyrillic and Greek look-alikes
/// of Latin letters, but also Latin ones (U+0261 script g, U+0131 dotless i, U+0251 alpha; U+017F long s
/// folds to `s`), fullwidth forms and mathematical alphanumerics, and digits that look like letters (`1`
/// and `l`, `0` and `o`). Two different principals with the same skeleton can be taken for one another.
pub fn skeleton(p: &str) -> String {
    let folded: String = p
        .nfkc()
        .flat_map(char::to_lowercase)
        .filter(|&c| hidden_kind(c).is_none())
        .map(cyrillic_or_greek_prototype)
        .collect();
    let once: String = unicode_security::skeleton(&folded).flat_map(char::to_lowercase).collect();
    unicode_security::skeleton(&once).collect()
}

/// The Latin letter a lower-case Cyrillic or Greek letter is taken for, where the UTS #39 table maps it
/// to something else or not at all (Cyrillic `м` looks like `m` in most fonts, the table keeps it apart).
fn cyrillic_or_greek_prototype(c: char) -> char {
    match c {
        'а' | 'α' => 'a',
        'в' | 'β' => 'b',
        'с' | 'ϲ' => 'c',
        'ԁ' => 'd',
        'е' | 'ε' => 'e',
        'һ' => 'h',
        'і' | 'ι' => 'i',
        'ӏ' => 'l',
        'ј' => 'j',
        'к' | 'κ' => 'k',
        'м' => 'm',
        'η' | 'п' => 'n',
        'о' | 'ο' | 'σ' => 'o',
        'р' | 'ρ' => 'p',
        'ԛ' => 'q',
        'ѕ' => 's',
        'т' | 'τ' => 't',
        'υ' => 'u',
        'ν' => 'v',
        'ԝ' | 'ω' => 'w',
        'х' | 'χ' => 'x',
        'у' | 'γ' => 'y',
        'ζ' => 'z',
        c => c,
    }
}

/// How a principal is shown on the command line, where a letter that only looks Latin cannot be told
/// apart: as [`display`] does (escaped when it fails [`validate_principal`]), and when it holds any
/// non-ASCII character, followed by its [`escape`]d form in brackets (`josé@x [jos<U+00E9>@x]`).
pub fn annotated(p: &str) -> String {
    let shown = display(p);
    if p.is_ascii() || shown != p { shown } else { format!("{p} [{}]", escape(p)) }
}

/// The first of `known` that `p` differs from but looks like (same [`skeleton`]).
pub fn looks_like<'a>(p: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let s = skeleton(p);
    known.into_iter().find(|k| *k != p && skeleton(k) == s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_principals_pass_in_any_one_script() {
        for p in [
            "alice@agency.example",
            "bob.o'neil@x",
            "josé@vendor.example",
            "иван@пример.рф",
            "山田太郎@例え.jp",
            "用户1@x",
        ] {
            validate_principal(p).unwrap_or_else(|e| panic!("{p}: {e}"));
            assert_eq!(display(p), p);
        }
    }

    #[test]
    fn hidden_reserved_and_mixed_principals_are_refused_and_shown_escaped() {
        let cases = [
            ("\u{0430}lice@agency.example", "mixes scripts (Cyrillic, Latin)"),
            ("alice@\u{0430}gency.example", "mixes scripts (Cyrillic, Latin)"),
            ("alice\u{202E}@x", "a bidirectional control <U+202E>"),
            ("al\u{200B}ice@x", "an invisible character <U+200B>"),
            ("alice\u{7}@x", "a control character <U+0007>"),
            ("alice @x", "holds a space"),
            ("a*@x", "holds a space"),
            ("e\u{301}@x", "not in Unicode NFC"),
            ("", "empty"),
        ];
        for (p, why) in cases {
            let err = validate_principal(p).unwrap_err().to_string();
            assert!(err.contains(why), "{p:?}: {err}");
            assert!(!err.chars().any(|c| hidden_kind(c).is_some()), "{err:?} shows a hidden character");
        }
        assert_eq!(display("\u{0430}lice@x"), "<U+0430>lice@x");
        assert!(validate_principal(&"a".repeat(257)).is_err());
    }

    #[test]
    fn look_alikes_of_known_principals_are_found() {
        let known = ["alice@agency.example", "bob@vendor.example"];
        // Cyrillic letters where Latin ones were expected.
        let cyr = "\u{0430}l\u{0456}\u{0441}\u{0435}@\u{0430}g\u{0435}n\u{0441}\u{0443}.\u{0435}x\u{0430}mpl\u{0435}";
        assert_eq!(looks_like(cyr, known), Some("alice@agency.example"));
        assert_eq!(looks_like("ALICE@agency.example", known), Some("alice@agency.example"));
        assert_eq!(looks_like("ａlice@agency.example", known), Some("alice@agency.example"));
        assert_eq!(looks_like("alice@agency.example", known), None, "itself is not a look-alike");
        assert_eq!(looks_like("carol@x", known), None);
    }

    #[test]
    fn latin_fullwidth_and_mathematical_look_alikes_are_found_too() {
        let known = ["rev@agency.example", "alice@agency.example", "ops@vendor.example"];
        for (p, like) in [
            ("rev@a\u{0261}ency.example", "rev@agency.example"), // LATIN SMALL LETTER SCRIPT G
            ("al\u{0131}ce@agency.example", "alice@agency.example"), // dotless i
            ("\u{0251}lice@agency.example", "alice@agency.example"), // Latin alpha
            ("ops@vendor.exampl\u{0435}", "ops@vendor.example"), // Cyrillic e in the last label
            ("ops@vendor.\u{0435}\u{0445}\u{0430}\u{043c}\u{0440}\u{04cf}\u{0435}", "ops@vendor.example"),
            ("ops@vendor.example\u{200B}", "ops@vendor.example"), // an invisible character
            ("\u{FF41}lice@agency.example", "alice@agency.example"), // fullwidth a
            ("\u{1D41A}lice@agency.example", "alice@agency.example"), // mathematical bold a
            ("a1ice@agency.example", "alice@agency.example"),     // digit one for l
            ("ops@vend0r.example", "ops@vendor.example"),         // digit zero for o
            ("rev@agency.exarnple", "rev@agency.example"),        // r n for m
        ] {
            assert_eq!(looks_like(p, known), Some(like), "{p:?}");
        }
        // The long s folds to an s (NFKC).
        assert_eq!(looks_like("te\u{017F}t@x", ["test@x"]), Some("test@x"));
        assert_eq!(looks_like("bob@vendor.example", known), None);
        assert_eq!(looks_like("rev@agency.example", known), None, "itself is not a look-alike");
    }

    #[test]
    fn a_non_ascii_principal_is_shown_with_its_code_points_on_the_command_line() {
        assert_eq!(annotated("rev@agency.example"), "rev@agency.example");
        assert_eq!(annotated("jos\u{e9}@x"), "jos\u{e9}@x [jos<U+00E9>@x]");
        assert_eq!(
            annotated("rev@a\u{0261}ency.example"),
            "rev@a\u{0261}ency.example [rev@a<U+0261>ency.example]"
        );
        // One that is not valid is only escaped, as `display` shows it.
        assert_eq!(annotated("\u{0430}lice@x"), "<U+0430>lice@x");
        assert_eq!(annotated("a\u{1b}[2J@x"), "a<U+001B>[2J@x");
    }
}

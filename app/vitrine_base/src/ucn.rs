//! Identifiers spelled with escapes: the name a compiler reads in `check_p\u0430ss` is `check_pаss`
//! (Cyrillic `а`), a name that the raw spelling `check_pаss` also writes. The health scan flags such
//! spellings and checks the decoded name; the symbol index stores the decoded name, so both spellings
//! meet.

/// Which escapes a language allows inside an identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Escapes {
    /// C, C++ and C#: universal character names `\uXXXX` and `\UXXXXXXXX` (C99 6.4.3, C++ [lex.universal.char]),
    /// and C++23's delimited `\u{X…}`.
    Ucn,
    /// Java: `\uXXXX` with one or more `u` (JLS 3.3), translated before the lexer runs.
    Java,
    /// JavaScript and TypeScript: `\uXXXX` and `\u{X…}` (ECMA-262 IdentifierName).
    Js,
}

/// The escape at the start of `s` (which starts with `\`): its length in bytes and the character it
/// stands for. `None` when `s` does not start with an escape of `style`, or when the escape names no
/// character (a surrogate, a value past U+10FFFF).
pub fn escape_at(s: &[u8], style: Escapes) -> Option<(usize, char)> {
    if s.first() != Some(&b'\\') {
        return None;
    }
    let hex = |digits: &[u8]| -> Option<u32> {
        if digits.is_empty() || digits.len() > 8 || !digits.iter().all(u8::is_ascii_hexdigit) {
            return None;
        }
        u32::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()
    };
    let (len, value) = match (s.get(1), style) {
        (Some(b'U'), Escapes::Ucn) => (10, hex(s.get(2..10)?)?),
        (Some(b'u'), Escapes::Java) => {
            let us = s.get(1..)?.iter().take_while(|&&b| b == b'u').count();
            (1 + us + 4, hex(s.get(1 + us..1 + us + 4)?)?)
        }
        (Some(b'u'), Escapes::Ucn | Escapes::Js) if s.get(2) == Some(&b'{') => {
            let close = s.get(3..)?.iter().position(|&b| b == b'}')?;
            (3 + close + 1, hex(s.get(3..3 + close)?)?)
        }
        (Some(b'u'), _) => (6, hex(s.get(2..6)?)?),
        _ => return None,
    };
    Some((len, char::from_u32(value)?))
}

/// The name an identifier spelled with escapes stands for (`check_p\u0430ss` -> `check_pаss`), or
/// `None` when `spelled` holds no escape of `style` (a backslash that starts none is kept as written).
pub fn decode_identifier(spelled: &str, style: Escapes) -> Option<String> {
    let bytes = spelled.as_bytes();
    let first = bytes.iter().position(|&b| b == b'\\')?;
    let mut out = String::with_capacity(spelled.len());
    out.push_str(spelled.get(..first)?);
    let mut i = first;
    let mut any = false;
    while i < bytes.len() {
        if let Some((len, c)) = escape_at(bytes.get(i..)?, style) {
            out.push(c);
            i += len;
            any = true;
            continue;
        }
        let next = bytes.get(i + 1..)?.iter().position(|&b| b == b'\\').map_or(bytes.len(), |k| i + 1 + k);
        out.push_str(spelled.get(i..next)?);
        i = next;
    }
    any.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_decode_by_the_language_rules() {
        let d = |s: &str, e| decode_identifier(s, e);
        assert_eq!(d("check_p\\u0430ss", Escapes::Ucn).as_deref(), Some("check_p\u{430}ss"));
        assert_eq!(d("\\U00000430bc", Escapes::Ucn).as_deref(), Some("\u{430}bc"));
        assert_eq!(d("a\\u{430}", Escapes::Ucn).as_deref(), Some("a\u{430}"));
        assert_eq!(d("a\\u{430}", Escapes::Js).as_deref(), Some("a\u{430}"));
        assert_eq!(d("\\u0061b", Escapes::Js).as_deref(), Some("ab"));
        assert_eq!(d("x\\uuu0430", Escapes::Java).as_deref(), Some("x\u{430}"));
        // Not escapes: too few digits, a surrogate, `\U` outside C, no backslash at all.
        assert_eq!(d("a\\u043", Escapes::Ucn), None);
        assert_eq!(d("a\\uD800", Escapes::Ucn), None);
        assert_eq!(d("a\\U00000430", Escapes::Js), None);
        assert_eq!(d("plain", Escapes::Ucn), None);
        assert_eq!(d("\u{430}\\u0430\\x", Escapes::Ucn).as_deref(), Some("\u{430}\u{430}\\x"));
    }
}

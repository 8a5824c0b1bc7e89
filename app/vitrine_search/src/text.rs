//! The text a file is searched as, and word boundaries, both exactly as ripgrep sees them.
//!
//! ripgrep sniffs byte-order marks: a UTF-8 BOM is dropped and UTF-16 text is transcoded to UTF-8;
//! everything else (UTF-8, legacy single-byte encodings) is searched as raw bytes. The index and the
//! verifier both work on this text, so counts and columns agree with `rg`, with one exception: a UTF-16
//! mark is believed only where the snapshot believes it ([`vitrine_snapshot::classify::utf16_by_bom`]),
//! so two bytes `FF FE` before an ASCII script do not hide every line from search (ripgrep would
//! transcode it to CJK and find nothing, while `sh` runs it).

use std::borrow::Cow;

/// The searchable text of a file's raw bytes.
pub fn search_text(raw: &[u8]) -> Cow<'_, [u8]> {
    match raw {
        [0xEF, 0xBB, 0xBF, rest @ ..] => Cow::Borrowed(rest),
        [0xFF, 0xFE, rest @ ..] if utf16(raw) => Cow::Owned(decode_utf16(rest, encoding_rs::UTF_16LE)),
        [0xFE, 0xFF, rest @ ..] if utf16(raw) => Cow::Owned(decode_utf16(rest, encoding_rs::UTF_16BE)),
        _ => Cow::Borrowed(raw),
    }
}

/// Whether the snapshot reads `raw`, which starts with a UTF-16 mark, as UTF-16 text.
fn utf16(raw: &[u8]) -> bool {
    vitrine_snapshot::classify::utf16_by_bom(raw).is_some()
}

fn decode_utf16(bytes: &[u8], encoding: &'static encoding_rs::Encoding) -> Vec<u8> {
    let (text, _) = encoding.decode_without_bom_handling(bytes);
    text.into_owned().into_bytes()
}

/// Whether a word may begin at `at`: at the start of the text, or after a valid UTF-8 character that is
/// not a word character. An invalid byte before the word blocks it, as in `rg -w` (13), whose `\W` only
/// matches valid characters.
pub fn boundary_before(text: &[u8], at: usize) -> bool {
    let Some(head) = text.get(..at) else { return false };
    if head.is_empty() {
        return true;
    }
    let tail = head.get(head.len().saturating_sub(4)..).unwrap_or_default();
    for len in 1..=tail.len() {
        if let Some(piece) = tail.get(tail.len() - len..)
            && let Ok(s) = std::str::from_utf8(piece)
            && let Some(c) = s.chars().next()
        {
            return !is_word(c);
        }
    }
    false
}

/// Whether a word may end at `at`: at the end of the text, or before a valid UTF-8 character that is not
/// a word character.
pub fn boundary_after(text: &[u8], at: usize) -> bool {
    let Some(rest) = text.get(at..) else { return false };
    if rest.is_empty() {
        return true;
    }
    let head = rest.get(..rest.len().min(4)).unwrap_or_default();
    let valid = match std::str::from_utf8(head) {
        Ok(s) => s,
        Err(e) => std::str::from_utf8(head.get(..e.valid_up_to()).unwrap_or_default()).unwrap_or_default(),
    };
    valid.chars().next().is_some_and(|c| !is_word(c))
}

fn is_word(c: char) -> bool {
    regex_syntax::is_word_character(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boms_are_handled_like_ripgrep() {
        assert_eq!(&*search_text(b"\xEF\xBB\xBFfoo"), b"foo");
        assert_eq!(&*search_text(b"\xFF\xFEf\x00o\x00"), b"fo");
        assert_eq!(&*search_text(b"\xFE\xFF\x00f\x00o"), b"fo");
        assert_eq!(&*search_text(b"plain"), b"plain");
    }

    /// F3 (round 22): `FF FE` before an ASCII script made the whole file UTF-16 (CJK) to search, while
    /// `sh` runs every line. A UTF-16 mark is believed only where the snapshot believes it
    /// (`classify::utf16_by_bom`); otherwise the bytes are searched as they are (ripgrep would transcode
    /// and find nothing: here the search sees what byte readers run).
    #[test]
    fn a_stray_utf16_mark_leaves_the_bytes_searchable() {
        let fake = b"\xFF\xFE=1\necho PAYLOAD-RAN\n";
        assert_eq!(&*search_text(fake), &fake[..]);
        assert!(memchr::memmem::find(&search_text(fake), b"PAYLOAD").is_some());
        let fake_be = b"\xFE\xFF=1\necho PAYLOAD-RAN\n";
        assert_eq!(&*search_text(fake_be), &fake_be[..]);
    }

    #[test]
    fn word_boundaries_like_rg_w() {
        assert!(!boundary_before("xéfoo".as_bytes(), 3));
        assert!(boundary_before(" foo".as_bytes(), 1));
        assert!(boundary_before(b"foo", 0));
        assert!(boundary_before("日本 foo".as_bytes(), 7));
        assert!(!boundary_before(b"\xFFfoo", 1), "an invalid byte is not a non-word character");
        assert!(boundary_after(b"foo", 3));
        assert!(boundary_after(b"foo(", 3));
        assert!(!boundary_after("fooé".as_bytes(), 3));
        assert!(!boundary_after(b"foo\xFF", 3));
    }
}

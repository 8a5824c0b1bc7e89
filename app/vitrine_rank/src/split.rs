//! Words of code text: identifiers split into their parts (`uploadTelemetryData` → upload, telemetry,
//! data; `HTTPServer` → http, server; `ipv6_addr` → ipv, 6, addr), everything else split at what is not
//! a letter or a digit.

/// Calls `f(start, end)` for the byte range of every word of `text`, in order. A word is a run of ASCII
/// letters (split at a lower-to-upper change, and before the last capital of a capital run that a
/// lower-case letter follows), a run of ASCII digits, or a run of non-ASCII bytes (UTF-8 letters of other
/// scripts, kept whole).
pub fn words(text: &[u8], mut f: impl FnMut(usize, usize)) {
    let class = |i: usize| text.get(i).map_or(0, |&b| class_of(b));
    let n = text.len();
    let mut i = 0usize;
    while i < n {
        let first = class(i);
        let kind = first & KIND;
        if kind == 0 {
            i += 1;
            continue;
        }
        let start = i;
        i += 1;
        if kind == LETTER {
            let mut prev = first;
            while i < n {
                let c = class(i);
                // lower → Upper starts a word; in a capital run, the capital before a lower-case
                // letter starts one (`HTTPServer`: `HTTP`, `Server`).
                if c & LETTER == 0
                    || (prev & LOWER != 0 && c & UPPER != 0)
                    || (prev & UPPER != 0 && c & UPPER != 0 && class(i + 1) & LOWER != 0)
                {
                    break;
                }
                prev = c;
                i += 1;
            }
        } else {
            while i < n && class(i) & KIND == kind {
                i += 1;
            }
        }
        f(start, i);
    }
}

/// Byte classes, one table lookup per byte ([`CLASSES`]).
const LETTER: u8 = 1;
const DIGIT: u8 = 2;
const WIDE: u8 = 4;
/// The classes a word is a run of.
const KIND: u8 = LETTER | DIGIT | WIDE;
const UPPER: u8 = 8;
const LOWER: u8 = 16;
/// A byte of an identifier of code: a letter, a digit, `_` or a byte of a non-ASCII character.
const IDENT: u8 = 32;

/// The class bits of every byte value.
static CLASSES: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0usize;
    while i < 256 {
        let b = i as u8;
        t[i] = if b.is_ascii_uppercase() {
            LETTER | UPPER | IDENT
        } else if b.is_ascii_lowercase() {
            LETTER | LOWER | IDENT
        } else if b.is_ascii_digit() {
            DIGIT | IDENT
        } else if b >= 0x80 {
            WIDE | IDENT
        } else if b == b'_' {
            IDENT
        } else {
            0
        };
        i += 1;
    }
    t
};

fn class_of(b: u8) -> u8 {
    CLASSES.get(usize::from(b)).copied().unwrap_or_default()
}

/// Whether `b` is a byte of an identifier of code: an ASCII letter or digit, `_`, or a byte of a
/// non-ASCII character.
pub(crate) fn is_ident_byte(b: u8) -> bool {
    class_of(b) & IDENT != 0
}

/// The words of `text`, lower-cased, each followed by a space (what the index's tokenizer reads).
pub fn append_words(out: &mut String, text: &[u8]) {
    words(text, |s, e| {
        if let Some(w) = text.get(s..e) {
            match std::str::from_utf8(w) {
                Ok(w) => {
                    for c in w.chars() {
                        out.extend(c.to_lowercase());
                    }
                }
                Err(_) => out.push_str(&String::from_utf8_lossy(w).to_lowercase()),
            }
            out.push(' ');
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(s: &str) -> Vec<&str> {
        let mut out = Vec::new();
        words(s.as_bytes(), |a, b| out.push(&s[a..b]));
        out
    }

    #[test]
    fn identifiers_split_into_parts() {
        assert_eq!(split("uploadTelemetryData"), ["upload", "Telemetry", "Data"]);
        assert_eq!(split("upload_telemetry_data"), ["upload", "telemetry", "data"]);
        assert_eq!(split("HTTPServer"), ["HTTP", "Server"]);
        assert_eq!(split("ipv6_addr sha256sum"), ["ipv", "6", "addr", "sha", "256", "sum"]);
        assert_eq!(split("CONFIG_NET_KEY"), ["CONFIG", "NET", "KEY"]);
        assert_eq!(split("/* send data out */"), ["send", "data", "out"]);
        assert_eq!(split("данныеSend"), ["данные", "Send"]);
    }

    #[test]
    fn appended_words_are_lower_case() {
        let mut s = String::new();
        append_words(&mut s, b"sendTelemetry(HTTPRequest)");
        assert_eq!(s, "send telemetry http request ");
    }

    /// The splitting as first written (a class per byte, compared pairwise): the table must split
    /// every text the same way.
    fn words_reference(text: &[u8]) -> Vec<(usize, usize)> {
        #[derive(PartialEq, Clone, Copy)]
        enum C {
            Letter,
            Digit,
            Wide,
            Other,
        }
        let class_of = |b: u8| {
            if b.is_ascii_alphabetic() {
                C::Letter
            } else if b.is_ascii_digit() {
                C::Digit
            } else if b >= 0x80 {
                C::Wide
            } else {
                C::Other
            }
        };
        let mut out = Vec::new();
        let (mut i, n) = (0usize, text.len());
        while i < n {
            let class = class_of(text[i]);
            if class == C::Other {
                i += 1;
                continue;
            }
            let start = i;
            i += 1;
            while let Some(&c) = text.get(i) {
                let k = class_of(c);
                let prev = text[i - 1];
                let same = match (class, k) {
                    (C::Letter, C::Letter) => {
                        !((prev.is_ascii_lowercase() && c.is_ascii_uppercase())
                            || (prev.is_ascii_uppercase()
                                && c.is_ascii_uppercase()
                                && text.get(i + 1).is_some_and(u8::is_ascii_lowercase)))
                    }
                    (a, b) => a == b,
                };
                if !same {
                    break;
                }
                i += 1;
            }
            out.push((start, i));
        }
        out
    }

    #[test]
    fn every_short_text_splits_as_the_reference_does() {
        let alphabet: &[u8] = b"aZ7_ \xc3.B";
        let mut text = Vec::new();
        for len in 0..=6u32 {
            for mut code in 0..alphabet.len().pow(len) {
                text.clear();
                for _ in 0..len {
                    text.push(alphabet[code % alphabet.len()]);
                    code /= alphabet.len();
                }
                let mut got = Vec::new();
                words(&text, |s, e| got.push((s, e)));
                assert_eq!(got, words_reference(&text), "{:?}", String::from_utf8_lossy(&text));
            }
        }
        for b in 0..=255u8 {
            assert_eq!(is_ident_byte(b), b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80, "{b}");
        }
    }
}

//! Words of code text: identifiers split into their parts (`uploadTelemetryData` → upload, telemetry,
//! data; `HTTPServer` → http, server; `ipv6_addr` → ipv, 6, addr), everything else split at what is not
//! a letter or a digit.

/// Calls `f(start, end)` for the byte range of every word of `text`, in order. A word is a run of ASCII
/// letters (split at a lower-to-upper change, and before the last capital of a capital run that a
/// lower-case letter follows), a run of ASCII digits, or a run of non-ASCII bytes (UTF-8 letters of other
/// scripts, kept whole).
pub fn words(text: &[u8], mut f: impl FnMut(usize, usize)) {
    let mut i = 0usize;
    let n = text.len();
    while i < n {
        let b = text.get(i).copied().unwrap_or_default();
        let class = class_of(b);
        if class == Class::Other {
            i += 1;
            continue;
        }
        let start = i;
        i += 1;
        while let Some(&c) = text.get(i) {
            let k = class_of(c);
            let prev = text.get(i - 1).copied().unwrap_or_default();
            let same = match (class, k) {
                (Class::Letter, Class::Letter) => {
                    // lower → Upper starts a word; in a capital run, the capital before a lower-case
                    // letter starts one (`HTTPServer`: `HTTP`, `Server`).
                    let boundary = (prev.is_ascii_lowercase() && c.is_ascii_uppercase())
                        || (prev.is_ascii_uppercase()
                            && c.is_ascii_uppercase()
                            && text.get(i + 1).is_some_and(u8::is_ascii_lowercase));
                    !boundary
                }
                (a, b) => a == b,
            };
            if !same {
                break;
            }
            i += 1;
        }
        f(start, i);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Letter,
    Digit,
    Wide,
    Other,
}

fn class_of(b: u8) -> Class {
    if b.is_ascii_alphabetic() {
        Class::Letter
    } else if b.is_ascii_digit() {
        Class::Digit
    } else if b >= 0x80 {
        Class::Wide
    } else {
        Class::Other
    }
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
}

//! Canonical JSON under a strict profile of RFC 8785 (JCS): the one byte form an entry may be stored in.
//!
//! The profile keeps only what every JSON implementation agrees on, so that a signature over the bytes
//! means the same thing to every reader: object keys are ASCII, numbers are integers within
//! ±(2^53 − 1), strings are valid Unicode in NFC, no key appears twice. Within that profile the RFC 8785
//! serialisation is simple: keys sorted (ASCII, so UTF-16 order equals byte order), no whitespace,
//! strings escaped exactly as ECMAScript's `JSON.stringify` does.
//!
//! The parser here is deliberately small and self-contained rather than a general JSON library, so an
//! auditor can read every rule that decides whether stored bytes are accepted.

use std::collections::BTreeMap;

use unicode_normalization::{UnicodeNormalization, is_nfc};

use crate::error::RecordError;

/// The largest integer magnitude every JSON reader represents exactly (I-JSON, RFC 7493).
pub const MAX_SAFE_INTEGER: i64 = (1 << 53) - 1;

/// Nesting deeper than this is refused, so hostile input cannot exhaust the stack.
const MAX_DEPTH: usize = 64;

/// A JSON value inside the strict profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// An integer within ±[`MAX_SAFE_INTEGER`]; the profile has no fractions or exponents.
    Int(i64),
    /// A string in Unicode NFC.
    String(String),
    /// An array, in its order.
    Array(Vec<Value>),
    /// Keys are kept sorted by the map, which is the canonical order for ASCII keys.
    Object(BTreeMap<String, Value>),
}

/// `s` in Unicode NFC: what text must be before it enters an entry.
pub fn to_nfc(s: &str) -> String {
    s.nfc().collect()
}

/// Parses `bytes` as JSON within the strict profile (whitespace allowed; the form need not be canonical).
pub fn parse(bytes: &[u8]) -> Result<Value, RecordError> {
    let mut p = Parser { bytes, pos: 0 };
    p.skip_ws();
    let v = p.value(0)?;
    p.skip_ws();
    if p.pos != bytes.len() {
        return Err(p.err("trailing data after the JSON value"));
    }
    Ok(v)
}

/// Serialises a value in canonical form.
pub fn to_bytes(value: &Value) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    write_value(value, &mut out);
    out
}

/// Parses `bytes` and checks they are exactly the canonical serialisation of what they contain.
pub fn parse_canonical(bytes: &[u8]) -> Result<Value, RecordError> {
    let v = parse(bytes)?;
    if to_bytes(&v) != bytes {
        return Err(RecordError::Canonical("the bytes are valid JSON but not in canonical form".into()));
    }
    Ok(v)
}

/// Checks that `bytes` are JSON within the strict profile and exactly in canonical form, in one pass and
/// without building the value: what [`parse_canonical`] accepts, and only that (the tests hold the two to
/// the same answers). For every stored entry read, this replaces a parse and a re-serialisation.
///
/// The rules of canonical form, checked where they apply: no whitespace; object keys in strictly increasing
/// byte order (ASCII keys: the RFC 8785 order), so no key twice; strings escaped exactly as
/// `write_string` escapes (`\"`, `\\`, `\b`, `\t`, `\n`, `\f`, `\r`, `\u00xx` in lower-case hex for
/// the other control characters, nothing else); integers without leading zeros, `-0` or fraction.
/// When the bytes are refused, the error is the one [`parse_canonical`] gives.
pub fn check_canonical(bytes: &[u8]) -> Result<(), RecordError> {
    let mut c = Checker { bytes, pos: 0 };
    let mut found = c.value(0);
    if found.is_ok() && c.pos != bytes.len() {
        found = Err(NOT_CANONICAL);
    }
    match found {
        Ok(()) => Ok(()),
        Err(why) => Err(match parse_canonical(bytes) {
            Err(e) => e,
            // Only if the two disagreed, which the tests rule out: refusing is the safe answer.
            Ok(_) => RecordError::Canonical(why.to_owned()),
        }),
    }
}

const NOT_CANONICAL: &str = "the bytes are valid JSON but not in canonical form";

/// The single-pass canonical checker behind [`check_canonical`]. Its errors are only a hint: the caller
/// reports the error of the full parser.
struct Checker<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Checker<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn eat(&mut self, b: u8) -> Result<(), &'static str> {
        if self.peek() == Some(b) {
            self.pos += 1;
            Ok(())
        } else {
            Err(NOT_CANONICAL)
        }
    }

    fn value(&mut self, depth: usize) -> Result<(), &'static str> {
        if depth > MAX_DEPTH {
            return Err("nesting too deep");
        }
        let rest = self.bytes.get(self.pos..).unwrap_or_default();
        for lit in [&b"null"[..], b"true", b"false"] {
            if rest.starts_with(lit) {
                self.pos += lit.len();
                return Ok(());
            }
        }
        match self.peek() {
            Some(b'"') => self.string().map(drop),
            Some(b'[') => {
                self.pos += 1;
                if self.peek() == Some(b']') {
                    self.pos += 1;
                    return Ok(());
                }
                loop {
                    self.value(depth + 1)?;
                    match self.peek() {
                        Some(b',') => self.pos += 1,
                        Some(b']') => {
                            self.pos += 1;
                            return Ok(());
                        }
                        _ => return Err(NOT_CANONICAL),
                    }
                }
            }
            Some(b'{') => {
                self.pos += 1;
                if self.peek() == Some(b'}') {
                    self.pos += 1;
                    return Ok(());
                }
                let mut previous: Option<std::borrow::Cow<'a, str>> = None;
                loop {
                    if self.peek() != Some(b'"') {
                        return Err(NOT_CANONICAL);
                    }
                    let key = self.string()?;
                    if !key.is_ascii() {
                        return Err("non-ASCII key");
                    }
                    if previous.as_deref().is_some_and(|p| p >= &*key) {
                        return Err("keys out of order or repeated");
                    }
                    previous = Some(key);
                    self.eat(b':')?;
                    self.value(depth + 1)?;
                    match self.peek() {
                        Some(b',') => self.pos += 1,
                        Some(b'}') => {
                            self.pos += 1;
                            return Ok(());
                        }
                        _ => return Err(NOT_CANONICAL),
                    }
                }
            }
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(NOT_CANONICAL),
        }
    }

    fn number(&mut self) -> Result<(), &'static str> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        let digits = self.pos;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        let text = std::str::from_utf8(self.bytes.get(start..self.pos).unwrap_or_default())
            .map_err(|_| NOT_CANONICAL)?;
        let first = self.bytes.get(digits).copied();
        // Digits, no leading zero (a lone 0 is fine, -0 is not), no fraction or exponent, in range.
        if self.pos == digits
            || (first == Some(b'0') && (self.pos - digits > 1 || digits > start))
            || matches!(self.peek(), Some(b'.' | b'e' | b'E'))
        {
            return Err(NOT_CANONICAL);
        }
        let i: i64 = text.parse().map_err(|_| NOT_CANONICAL)?;
        check_int(i).map_err(|_| NOT_CANONICAL)
    }

    /// A string in canonical form, returned decoded (borrowed when it has no escape) once its text is
    /// known to be NFC.
    fn string(&mut self) -> Result<std::borrow::Cow<'a, str>, &'static str> {
        self.eat(b'"')?;
        let start = self.pos;
        let mut escaped = false;
        loop {
            // Plain text up to the next quote, backslash or control character, in one scan.
            let rest = self.bytes.get(self.pos..).unwrap_or_default();
            self.pos += rest.iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20).unwrap_or(rest.len());
            match self.peek() {
                None => return Err("unterminated string"),
                Some(b'"') => break,
                Some(b'\\') => {
                    escaped = true;
                    let e = self.bytes.get(self.pos + 1).copied();
                    self.pos += 2;
                    match e {
                        Some(b'"' | b'\\' | b'b' | b't' | b'n' | b'f' | b'r') => {}
                        Some(b'u') => {
                            // Only the control characters without a short escape, in lower-case hex.
                            let h = self.bytes.get(self.pos..self.pos + 4).unwrap_or_default();
                            let ok = match h {
                                [b'0', b'0', a, b] => {
                                    matches!(a, b'0' | b'1')
                                        && matches!(b, b'0'..=b'9' | b'a'..=b'f')
                                        && !matches!((a, b), (b'0', b'8' | b'9' | b'a' | b'c' | b'd'))
                                }
                                _ => false,
                            };
                            if !ok {
                                return Err(NOT_CANONICAL);
                            }
                            self.pos += 4;
                        }
                        _ => return Err(NOT_CANONICAL),
                    }
                }
                Some(b) if b < 0x20 => return Err("control character in a string"),
                Some(_) => self.pos += 1,
            }
        }
        let raw = self.bytes.get(start..self.pos).unwrap_or_default();
        self.pos += 1;
        let text: std::borrow::Cow<'a, str> = if escaped {
            // Rare: decode with the full parser's string rules.
            let mut p = Parser { bytes: self.bytes, pos: start - 1 };
            std::borrow::Cow::Owned(p.string().map_err(|_| NOT_CANONICAL)?)
        } else {
            std::borrow::Cow::Borrowed(std::str::from_utf8(raw).map_err(|_| "invalid UTF-8 in a string")?)
        };
        if !text.is_ascii() && !is_nfc(&text) {
            return Err("text is not in Unicode NFC");
        }
        Ok(text)
    }
}

/// Converts any serde-serialisable value into the strict profile (refusing floats, non-ASCII keys,
/// non-NFC text and out-of-range integers) and returns its canonical bytes.
pub fn canonical_bytes<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, RecordError> {
    let json = serde_json::to_value(value).map_err(|e| RecordError::Canonical(e.to_string()))?;
    Ok(to_bytes(&from_serde(&json)?))
}

fn from_serde(v: &serde_json::Value) -> Result<Value, RecordError> {
    Ok(match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => {
            let i =
                n.as_i64().ok_or_else(|| RecordError::Canonical(format!("number {n} is not an integer")))?;
            check_int(i)?;
            Value::Int(i)
        }
        serde_json::Value::String(s) => {
            check_text(s)?;
            Value::String(s.clone())
        }
        serde_json::Value::Array(a) => Value::Array(a.iter().map(from_serde).collect::<Result<_, _>>()?),
        serde_json::Value::Object(o) => {
            let mut m = BTreeMap::new();
            for (k, v) in o {
                check_key(k)?;
                m.insert(k.clone(), from_serde(v)?);
            }
            Value::Object(m)
        }
    })
}

fn check_int(i: i64) -> Result<(), RecordError> {
    if !(-MAX_SAFE_INTEGER..=MAX_SAFE_INTEGER).contains(&i) {
        return Err(RecordError::Canonical(format!("integer {i} is outside ±(2^53-1)")));
    }
    Ok(())
}

fn check_text(s: &str) -> Result<(), RecordError> {
    if !is_nfc(s) {
        return Err(RecordError::Canonical(format!("text is not in Unicode NFC: {s:?}")));
    }
    Ok(())
}

fn check_key(k: &str) -> Result<(), RecordError> {
    if !k.is_ascii() {
        return Err(RecordError::Canonical(format!("object key {k:?} is not ASCII")));
    }
    Ok(())
}

fn write_value(v: &Value, out: &mut Vec<u8>) {
    match v {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Int(i) => out.extend_from_slice(i.to_string().as_bytes()),
        Value::String(s) => write_string(s, out),
        Value::Array(a) => {
            out.push(b'[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(x, out);
            }
            out.push(b']');
        }
        Value::Object(m) => {
            out.push(b'{');
            for (i, (k, x)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_string(k, out);
                out.push(b':');
                write_value(x, out);
            }
            out.push(b'}');
        }
    }
}

/// Escapes as ECMAScript `JSON.stringify` (RFC 8785 §3.2.2.2): the short escapes, `\u00xx` in lower-case
/// hex for other control characters, everything else as UTF-8.
fn write_string(s: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    for c in s.chars() {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\u{8}' => out.extend_from_slice(b"\\b"),
            '\u{9}' => out.extend_from_slice(b"\\t"),
            '\u{a}' => out.extend_from_slice(b"\\n"),
            '\u{c}' => out.extend_from_slice(b"\\f"),
            '\u{d}' => out.extend_from_slice(b"\\r"),
            c if (c as u32) < 0x20 => out.extend_from_slice(format!("\\u{:04x}", c as u32).as_bytes()),
            c => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    out.push(b'"');
}

struct Parser<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn err(&self, what: &str) -> RecordError {
        RecordError::Canonical(format!("{what} at byte {}", self.pos))
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn expect(&mut self, lit: &[u8]) -> Result<(), RecordError> {
        if self.bytes.get(self.pos..self.pos + lit.len()) == Some(lit) {
            self.pos += lit.len();
            Ok(())
        } else {
            Err(self.err("unexpected token"))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, RecordError> {
        if depth > MAX_DEPTH {
            return Err(self.err("nesting too deep"));
        }
        match self.peek() {
            Some(b'n') => self.expect(b"null").map(|()| Value::Null),
            Some(b't') => self.expect(b"true").map(|()| Value::Bool(true)),
            Some(b'f') => self.expect(b"false").map(|()| Value::Bool(false)),
            Some(b'"') => {
                let s = self.string()?;
                check_text(&s)?;
                Ok(Value::String(s))
            }
            Some(b'[') => {
                self.pos += 1;
                let mut items = Vec::new();
                self.skip_ws();
                if self.peek() == Some(b']') {
                    self.pos += 1;
                    return Ok(Value::Array(items));
                }
                loop {
                    self.skip_ws();
                    items.push(self.value(depth + 1)?);
                    self.skip_ws();
                    match self.peek() {
                        Some(b',') => self.pos += 1,
                        Some(b']') => {
                            self.pos += 1;
                            return Ok(Value::Array(items));
                        }
                        _ => return Err(self.err("expected , or ] in array")),
                    }
                }
            }
            Some(b'{') => {
                self.pos += 1;
                let mut map = BTreeMap::new();
                self.skip_ws();
                if self.peek() == Some(b'}') {
                    self.pos += 1;
                    return Ok(Value::Object(map));
                }
                loop {
                    self.skip_ws();
                    if self.peek() != Some(b'"') {
                        return Err(self.err("expected a string key"));
                    }
                    let key = self.string()?;
                    check_key(&key)?;
                    self.skip_ws();
                    self.expect(b":")?;
                    self.skip_ws();
                    let v = self.value(depth + 1)?;
                    if map.insert(key.clone(), v).is_some() {
                        return Err(RecordError::Canonical(format!("duplicate key {key:?}")));
                    }
                    self.skip_ws();
                    match self.peek() {
                        Some(b',') => self.pos += 1,
                        Some(b'}') => {
                            self.pos += 1;
                            return Ok(Value::Object(map));
                        }
                        _ => return Err(self.err("expected , or } in object")),
                    }
                }
            }
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(self.err("unexpected character")),
        }
    }

    fn number(&mut self) -> Result<Value, RecordError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        let digits = self.pos;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        if self.pos == digits {
            return Err(self.err("a number needs digits"));
        }
        if matches!(self.peek(), Some(b'.' | b'e' | b'E')) {
            return Err(self.err("only integers are allowed (no fraction or exponent)"));
        }
        let text = std::str::from_utf8(self.bytes.get(start..self.pos).unwrap_or_default())
            .map_err(|_| self.err("bad number"))?;
        if text.len() > 1 + usize::from(text.starts_with('-'))
            && text.trim_start_matches('-').starts_with('0')
        {
            return Err(self.err("leading zero in a number"));
        }
        let i: i64 = text.parse().map_err(|_| self.err("integer out of range"))?;
        check_int(i)?;
        if text == "-0" {
            return Err(self.err("-0 is not canonical"));
        }
        Ok(Value::Int(i))
    }

    fn hex4(&mut self) -> Result<u32, RecordError> {
        let h = self.bytes.get(self.pos..self.pos + 4).ok_or_else(|| self.err("short \\u escape"))?;
        let s = std::str::from_utf8(h).map_err(|_| self.err("bad \\u escape"))?;
        let v = u32::from_str_radix(s, 16).map_err(|_| self.err("bad \\u escape"))?;
        self.pos += 4;
        Ok(v)
    }

    fn string(&mut self) -> Result<String, RecordError> {
        self.pos += 1;
        let mut out = String::new();
        loop {
            let start = self.pos;
            while let Some(b) = self.peek() {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            let chunk = self.bytes.get(start..self.pos).unwrap_or_default();
            out.push_str(std::str::from_utf8(chunk).map_err(|_| self.err("invalid UTF-8 in a string"))?);
            match self.peek() {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let e = self.peek().ok_or_else(|| self.err("unterminated escape"))?;
                    self.pos += 1;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let hi = self.hex4()?;
                            let cp = if (0xD800..0xDC00).contains(&hi) {
                                if self.bytes.get(self.pos..self.pos + 2) != Some(b"\\u") {
                                    return Err(self.err("lone surrogate"));
                                }
                                self.pos += 2;
                                let lo = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return Err(self.err("lone surrogate"));
                                }
                                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                            } else if (0xDC00..0xE000).contains(&hi) {
                                return Err(self.err("lone surrogate"));
                            } else {
                                hi
                            };
                            out.push(char::from_u32(cp).ok_or_else(|| self.err("bad code point"))?);
                        }
                        _ => return Err(self.err("unknown escape")),
                    }
                }
                Some(_) => return Err(self.err("control character in a string")),
                None => return Err(self.err("unterminated string")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(s: &str) -> String {
        String::from_utf8(to_bytes(&parse(s.as_bytes()).unwrap())).unwrap()
    }

    /// RFC 8785 §3.2.2 / appendix examples restricted to the strict profile (integers only).
    #[test]
    fn rfc8785_vectors() {
        assert_eq!(canon(r#"{ "numbers": [333333333, 4] }"#), r#"{"numbers":[333333333,4]}"#);
        // §3.2.3 sorting example (ASCII keys only).
        assert_eq!(
            canon(r#"{"b":1,"a":{"d":2,"c":[true,false,null]},"A":3}"#),
            r#"{"A":3,"a":{"c":[true,false,null],"d":2},"b":1}"#
        );
        // String escaping as JSON.stringify: RFC 8785 §3.2.2.2 example.
        assert_eq!(
            canon(r#"{"string":"\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/"}"#),
            "{\"string\":\"€$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}"
        );
        assert_eq!(canon(r#"{"literals":[null, true, false]}"#), r#"{"literals":[null,true,false]}"#);
        assert_eq!(canon("\"\\u00e9\""), "\"é\"");
        assert_eq!(canon("\"\\ud83d\\ude00\""), "\"😀\"");
    }

    #[test]
    fn refuses_outside_the_profile() {
        for bad in [
            "1.5",
            "1e3",
            "-0",
            "01",
            "9007199254740992",
            r#"{"a":1,"a":2}"#,
            "\"\\ud800\"",
            "\"\\udc00x\"",
            "\"\\ud800\\u0041\"",
            r#"{"é":1}"#,
            "\"e\u{301}\"",
            "[1,]",
            "{} x",
            "\"\u{1}\"",
        ] {
            assert!(parse(bad.as_bytes()).is_err(), "{bad} should be refused");
        }
        assert!(parse(b"9007199254740991").is_ok());
        assert!(parse(b"-9007199254740991").is_ok());
    }

    /// `check_canonical` must give the answer of `parse_canonical`, and its error when refusing.
    fn same_answer(bytes: &[u8]) {
        let full = parse_canonical(bytes);
        let fast = check_canonical(bytes);
        assert_eq!(
            fast.is_ok(),
            full.is_ok(),
            "{:?}: fast {fast:?}, full {full:?}",
            String::from_utf8_lossy(bytes)
        );
        if let (Err(a), Err(b)) = (fast, full) {
            assert_eq!(a.to_string(), b.to_string());
        }
    }

    #[test]
    fn the_one_pass_check_agrees_with_parse_and_reserialise() {
        let samples: Vec<Vec<u8>> = vec![
            br#"{"a":[1,-2,0,true,false,null,{},[]],"b":"x\n\u001fy\"\\\b\t\f\r\u0000\u000b","c":{"d":"","e":[9007199254740991]}}"#.to_vec(),
            "{\"k\":\"caf\u{e9} \u{1f600} \u{2028} \u{7f}\",\"l\":-9007199254740991}".as_bytes().to_vec(),
            br#"{"\n":1,"A":2,"a":3,"b":{"x":[[[]]]}}"#.to_vec(),
        ];
        for s in &samples {
            assert!(check_canonical(s).is_ok(), "{}", String::from_utf8_lossy(s));
            same_answer(s);
        }
        // Every single-byte change, deletion and insertion of the samples, with the bytes that matter.
        let alphabet: &[u8] = b" \t\n\"\\/0123456789-+.eE{}[],:aAubnrtfl\x00\x1f\x7f\xc3\xa9\xcc\x81\xed\xf0";
        for s in &samples {
            for i in 0..=s.len() {
                for &b in alphabet {
                    if i < s.len() {
                        let mut m = s.clone();
                        m[i] = b;
                        same_answer(&m);
                    }
                    let mut m = s.clone();
                    m.insert(i, b);
                    same_answer(&m);
                }
                if i < s.len() {
                    let mut m = s.clone();
                    m.remove(i);
                    same_answer(&m);
                }
            }
        }
        let depth = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n)).into_bytes();
        for t in [
            &b""[..],
            b" ",
            b"1",
            b"0",
            b"-0",
            b"00",
            b"-01",
            b"1 ",
            b" 1",
            b"1.0",
            b"1e2",
            b"-",
            b"9007199254740992",
            br#""\u000B""#,
            br#""\u000a""#,
            br#""\u0008""#,
            br#""\u001F""#,
            br#""\u0020""#,
            br#""\/""#,
            br#""\u00e9""#,
            br#""\ud83d\ude00""#,
            "\"e\u{301}\"".as_bytes(),
            "\"\u{e9}\"".as_bytes(),
            br#"{"a":1,"a":1}"#,
            br#"{"b":1,"a":1}"#,
            br#"{"a":1,"b":1}"#,
            br#"{"a" :1}"#,
            br#"{"\u0041":1}"#,
            "{\"\u{e9}\":1}".as_bytes(),
            br#"[1,]"#,
            br#"[,1]"#,
            br#"{"a":1,}"#,
            b"nul",
            b"truex",
            b"[true false]",
            b"\"\xff\"",
            b"\"\xc3\"",
            b"\"unterminated",
            br#""\u00"#,
            br#"{"a"}"#,
            br#"{1:2}"#,
        ] {
            same_answer(t);
        }
        for n in [63, 64, 65, 66] {
            same_answer(&depth(n));
        }
    }

    #[test]
    fn canonical_check_and_nfc() {
        assert!(parse_canonical(br#"{"a":1,"b":2}"#).is_ok());
        assert!(parse_canonical(br#"{"b":2,"a":1}"#).is_err());
        assert!(parse_canonical(br#"{"a": 1}"#).is_err());
        assert!(parse_canonical(br#""\u0041""#).is_err());
        assert!(canonical_bytes(&serde_json::json!({"x": 1.5})).is_err());
        assert!(canonical_bytes(&serde_json::json!({"x": "e\u{301}"})).is_err());
        assert_eq!(
            canonical_bytes(&serde_json::json!({"z": [1, "é"], "a": null})).unwrap(),
            "{\"a\":null,\"z\":[1,\"é\"]}".as_bytes()
        );
    }
}

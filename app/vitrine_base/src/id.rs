//! Typed content ids: [`Sha256Id`] and [`Sha1Id`], a digest that prints and parses as lowercase hex.
//!
//! An id is its raw bytes; the hex text exists only at the edges (JSON, file names, terminal output).
//! Parsing is strict: exactly `2 × N` lowercase hex digits, so one id has exactly one spelling and an id
//! read from a hostile file compares equal to the one Vitrine computed only when it is that id.
//! With the `serde` feature an id serializes as its hex string and deserializes through [`FromStr`].

use std::fmt;
use std::str::FromStr;

/// Why a text is not an id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseIdError {
    /// The text has `found` bytes where the id has `expected` hex digits.
    Length {
        /// The number of hex digits of the id (64 for SHA-256, 40 for SHA-1).
        expected: usize,
        /// The number of bytes of the text.
        found: usize,
    },
    /// The byte at `at` is not a lowercase hex digit (upper case is refused: one spelling per id).
    NotHex {
        /// The byte offset of the first byte that is not `0-9a-f`.
        at: usize,
    },
}

impl fmt::Display for ParseIdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseIdError::Length { expected, found } => {
                write!(f, "an id has {expected} hex digits, this text has {found} bytes")
            }
            ParseIdError::NotHex { at } => write!(f, "byte {at} is not a lowercase hex digit"),
        }
    }
}

impl std::error::Error for ParseIdError {}

const DIGITS: &[u8; 16] = b"0123456789abcdef";

fn write_hex(bytes: &[u8], f: &mut fmt::Formatter<'_>) -> fmt::Result {
    use fmt::Write as _;
    for b in bytes {
        f.write_char(char::from(DIGITS[usize::from(b >> 4)]))?;
        f.write_char(char::from(DIGITS[usize::from(b & 0x0f)]))?;
    }
    Ok(())
}

fn nibble(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    }
}

fn parse_hex<const N: usize>(s: &str) -> Result<[u8; N], ParseIdError> {
    let text = s.as_bytes();
    if text.len() != 2 * N {
        return Err(ParseIdError::Length { expected: 2 * N, found: text.len() });
    }
    let mut out = [0u8; N];
    for (i, byte) in out.iter_mut().enumerate() {
        let at = 2 * i;
        let hi = text.get(at).copied().and_then(nibble).ok_or(ParseIdError::NotHex { at })?;
        let lo = text.get(at + 1).copied().and_then(nibble).ok_or(ParseIdError::NotHex { at: at + 1 })?;
        *byte = hi << 4 | lo;
    }
    Ok(out)
}

macro_rules! digest_id {
    ($(#[$doc:meta])* $name:ident, $len:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
        pub struct $name([u8; $len]);

        impl $name {
            /// The length of the digest in bytes.
            pub const LEN: usize = $len;

            /// The id of these digest bytes.
            pub const fn from_bytes(bytes: [u8; $len]) -> Self {
                Self(bytes)
            }

            /// The id of a digest given as a slice, `None` unless it has exactly [`Self::LEN`] bytes.
            pub fn from_slice(bytes: &[u8]) -> Option<Self> {
                <[u8; $len]>::try_from(bytes).ok().map(Self)
            }

            /// The raw digest bytes.
            pub const fn as_bytes(&self) -> &[u8; $len] {
                &self.0
            }

            /// The lowercase hex text (what `Display` writes).
            pub fn to_hex(&self) -> String {
                self.to_string()
            }
        }

        impl From<[u8; $len]> for $name {
            fn from(bytes: [u8; $len]) -> Self {
                Self(bytes)
            }
        }

        impl AsRef<[u8]> for $name {
            fn as_ref(&self) -> &[u8] {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write_hex(&self.0, f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self)
            }
        }

        impl FromStr for $name {
            type Err = ParseIdError;

            fn from_str(s: &str) -> Result<Self, ParseIdError> {
                parse_hex::<$len>(s).map(Self)
            }
        }

        #[cfg(feature = "serde")]
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        #[cfg(feature = "serde")]
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct Visit;
                impl serde::de::Visitor<'_> for Visit {
                    type Value = $name;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        write!(f, "{} lowercase hex digits", 2 * $len)
                    }
                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<$name, E> {
                        v.parse().map_err(E::custom)
                    }
                }
                d.deserialize_str(Visit)
            }
        }
    };
}

digest_id!(
    /// A SHA-256 digest: a file's content hash, a git object id in the SHA-256 object format, a content
    /// key.
    Sha256Id,
    32
);

digest_id!(
    /// A SHA-1 digest: a git object id in the SHA-1 object format.
    Sha1Id,
    20
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_lowercase_hex_and_parses_back() {
        let id = Sha1Id::from_bytes([
            0xce, 0x01, 0x36, 0x25, 0x03, 0x0b, 0xa8, 0xdb, 0xa9, 0x06, 0xf7, 0x56, 0x96, 0x7f, 0x9e, 0x9c,
            0xa3, 0x94, 0x46, 0x4a,
        ]);
        assert_eq!(id.to_string(), "ce013625030ba8dba906f756967f9e9ca394464a");
        assert_eq!("ce013625030ba8dba906f756967f9e9ca394464a".parse::<Sha1Id>(), Ok(id));
        assert_eq!(format!("{id:?}"), "Sha1Id(ce013625030ba8dba906f756967f9e9ca394464a)");
        let all: Sha256Id = Sha256Id::from_bytes(std::array::from_fn(|i| (i * 8) as u8));
        assert_eq!(all.to_string().parse::<Sha256Id>(), Ok(all));
        assert_eq!(all.to_hex().len(), 64);
    }

    #[test]
    fn every_other_spelling_is_refused_with_where() {
        let good = "ce013625030ba8dba906f756967f9e9ca394464a";
        assert_eq!(good.to_uppercase().parse::<Sha1Id>(), Err(ParseIdError::NotHex { at: 0 }));
        assert_eq!(good[..39].parse::<Sha1Id>(), Err(ParseIdError::Length { expected: 40, found: 39 }));
        assert_eq!(good.parse::<Sha256Id>(), Err(ParseIdError::Length { expected: 64, found: 40 }));
        assert_eq!("".parse::<Sha1Id>(), Err(ParseIdError::Length { expected: 40, found: 0 }));
        let mut odd = good.to_owned();
        odd.replace_range(7..8, "g");
        assert_eq!(odd.parse::<Sha1Id>(), Err(ParseIdError::NotHex { at: 7 }));
        // A multi-byte character of the right byte length is not hex either, and is not sliced.
        let wide = format!("é{}", &good[2..]);
        assert_eq!(wide.parse::<Sha1Id>(), Err(ParseIdError::NotHex { at: 0 }));
        assert_eq!(format!("{}", ParseIdError::NotHex { at: 7 }), "byte 7 is not a lowercase hex digit");
    }

    #[test]
    fn order_is_the_order_of_the_bytes_and_of_the_hex() {
        let a = Sha1Id::from_bytes([0x0f; 20]);
        let b = Sha1Id::from_bytes([0xf0; 20]);
        assert!(a < b && a.to_string() < b.to_string());
        assert_eq!(Sha1Id::from_slice(&[1; 19]), None);
        assert_eq!(Sha1Id::from_slice(&[1; 20]).map(|i| *i.as_bytes()), Some([1; 20]));
    }
}

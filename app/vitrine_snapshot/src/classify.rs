//! Classification of a file's content: text (with its encoding), binary, too large, generated, vendored.

use serde::{Serialize, Serializer};

use crate::path::RelPath;

/// What a file is, for indexing and for the health report. One class per file; text that is also
/// generated or vendored is classed as generated or vendored (it is still text and still indexed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ContentClass {
    Text,
    Generated,
    Vendored,
    Binary,
    TooLarge,
    Symlink,
    Unreadable,
}

impl ContentClass {
    pub const ALL: [ContentClass; 7] = [
        ContentClass::Text,
        ContentClass::Generated,
        ContentClass::Vendored,
        ContentClass::Binary,
        ContentClass::TooLarge,
        ContentClass::Symlink,
        ContentClass::Unreadable,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ContentClass::Text => "text",
            ContentClass::Generated => "generated",
            ContentClass::Vendored => "vendored",
            ContentClass::Binary => "binary",
            ContentClass::TooLarge => "too-large",
            ContentClass::Symlink => "symlink",
            ContentClass::Unreadable => "unreadable",
        }
    }
}

/// The detected encoding of a text file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TextEncoding {
    Utf8,
    /// UTF-8 with a byte-order mark at the start.
    Utf8Bom,
    Utf16Le,
    Utf16Be,
    /// A legacy single- or multi-byte encoding, as guessed (e.g. `windows-1251`, `windows-1252`).
    Legacy(&'static encoding_rs::Encoding),
}

impl TextEncoding {
    pub fn name(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "utf-8",
            TextEncoding::Utf8Bom => "utf-8-bom",
            TextEncoding::Utf16Le => "utf-16le",
            TextEncoding::Utf16Be => "utf-16be",
            TextEncoding::Legacy(e) => legacy_name(e),
        }
    }

    pub fn is_utf8(self) -> bool {
        matches!(self, TextEncoding::Utf8 | TextEncoding::Utf8Bom)
    }
}

/// encoding_rs calls ISO-8859-1 `windows-1252` (as the WHATWG standard does); keep its name.
fn legacy_name(e: &'static encoding_rs::Encoding) -> &'static str {
    e.name()
}

impl Serialize for TextEncoding {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.name().to_ascii_lowercase())
    }
}

/// Thresholds for classification.
#[derive(Debug, Clone)]
pub struct ClassifyConfig {
    /// Text files larger than this are classed too large to index (still hashed and listed).
    pub max_text_bytes: u64,
}

impl Default for ClassifyConfig {
    fn default() -> Self {
        ClassifyConfig { max_text_bytes: 64 * 1024 * 1024 }
    }
}

/// The outcome of classifying one file's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Classification {
    pub class: ContentClass,
    pub encoding: Option<TextEncoding>,
}

/// Detects the encoding of `bytes`, or `None` if they are binary.
///
/// Binary means: a NUL byte anywhere (as ripgrep and git decide), unless the file starts with a UTF-16
/// byte-order mark. Invalid UTF-8 without NUL bytes is legacy text, with the encoding guessed.
pub fn detect_encoding(bytes: &[u8]) -> Option<TextEncoding> {
    match bytes {
        [0xFF, 0xFE, rest @ ..] if rest.len() % 2 == 0 => return Some(TextEncoding::Utf16Le),
        [0xFE, 0xFF, rest @ ..] if rest.len() % 2 == 0 => return Some(TextEncoding::Utf16Be),
        _ => {}
    }
    if memchr::memchr(0, bytes).is_some() {
        return None;
    }
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        if std::str::from_utf8(rest).is_ok() {
            return Some(TextEncoding::Utf8Bom);
        }
    } else if std::str::from_utf8(bytes).is_ok() {
        return Some(TextEncoding::Utf8);
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    let guess = detector.guess(None, chardetng::Utf8Detection::Deny);
    Some(if guess == encoding_rs::UTF_8 {
        TextEncoding::Legacy(encoding_rs::WINDOWS_1252)
    } else {
        TextEncoding::Legacy(guess)
    })
}

/// Classifies a regular file from its path and full content.
pub fn classify(path: &RelPath, bytes: &[u8], config: &ClassifyConfig) -> Classification {
    let Some(encoding) = detect_encoding(bytes) else {
        return Classification { class: ContentClass::Binary, encoding: None };
    };
    let class = if bytes.len() as u64 > config.max_text_bytes {
        ContentClass::TooLarge
    } else if is_generated(path, bytes) {
        ContentClass::Generated
    } else if is_vendored(path) {
        ContentClass::Vendored
    } else {
        ContentClass::Text
    };
    Classification { class, encoding: Some(encoding) }
}

const GENERATED_MARKERS: [&[u8]; 6] = [
    b"@generated",
    b"do not edit",
    b"auto-generated",
    b"autogenerated",
    b"automatically generated",
    b"code generated by",
];

/// Generated or minified: a marker near the top, a tell-tale name, or lines far too long to be written.
pub fn is_generated(path: &RelPath, bytes: &[u8]) -> bool {
    let name = path.file_name().to_ascii_lowercase();
    let generated_name = [&b".min.js"[..], b".min.css", b".pb.cc", b".pb.h", b"_pb2.py", b".pb.go"]
        .iter()
        .any(|suffix| name.ends_with(suffix));
    if generated_name {
        return true;
    }
    let head = bytes.get(..bytes.len().min(2048)).unwrap_or(bytes).to_ascii_lowercase();
    if GENERATED_MARKERS.iter().any(|m| memchr::memmem::find(&head, m).is_some()) {
        return true;
    }
    // Minified: few, very long lines.
    let lines = memchr::memchr_iter(b'\n', bytes).count() as u64 + 1;
    bytes.len() > 4096 && bytes.len() as u64 / lines > 500
}

const VENDOR_DIRS: [&[u8]; 9] = [
    b"vendor",
    b"vendored",
    b"third_party",
    b"third-party",
    b"thirdparty",
    b"3rdparty",
    b"external",
    b"node_modules",
    b"bower_components",
];

/// Vendored: below a directory conventionally holding third-party code.
pub fn is_vendored(path: &RelPath) -> bool {
    let parent = path.parent();
    !parent.is_empty()
        && parent.split(|&b| b == b'/').any(|c| VENDOR_DIRS.iter().any(|v| c.eq_ignore_ascii_case(v)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> RelPath {
        RelPath::from_bytes(s.as_bytes().to_vec())
    }

    #[test]
    fn encodings() {
        assert_eq!(detect_encoding(b"int x;\n"), Some(TextEncoding::Utf8));
        assert_eq!(detect_encoding(b"\xEF\xBB\xBFint x;\n"), Some(TextEncoding::Utf8Bom));
        assert_eq!(detect_encoding(b"\xFF\xFEa\0b\0"), Some(TextEncoding::Utf16Le));
        assert_eq!(detect_encoding(b"\xFE\xFF\0a\0b"), Some(TextEncoding::Utf16Be));
        assert_eq!(detect_encoding(b"ELF\0\x01\x02"), None);
        let cp1251 = encoding_rs::WINDOWS_1251.encode("// Проверка длины буфера перед копированием\n").0;
        assert_eq!(detect_encoding(&cp1251).map(TextEncoding::name), Some("windows-1251"));
        assert_eq!(
            detect_encoding(b"caf\xe9 cr\xe8me br\xfbl\xe9e\n").map(TextEncoding::name),
            Some("windows-1252")
        );
    }

    #[test]
    fn classes() {
        let c = ClassifyConfig { max_text_bytes: 10 };
        assert_eq!(classify(&p("a.c"), b"int x;", &c).class, ContentClass::Text);
        assert_eq!(classify(&p("a.c"), b"int x; int y;", &c).class, ContentClass::TooLarge);
        assert_eq!(classify(&p("a.bin"), b"\0\0", &c).class, ContentClass::Binary);
        let c = ClassifyConfig::default();
        assert_eq!(classify(&p("gen.h"), b"/* @generated */\n", &c).class, ContentClass::Generated);
        assert_eq!(classify(&p("app.min.js"), b"x", &c).class, ContentClass::Generated);
        assert_eq!(classify(&p("third_party/zlib/inflate.c"), b"int x;", &c).class, ContentClass::Vendored);
        assert_eq!(classify(&p("vendor.c"), b"int x;", &c).class, ContentClass::Text);
        let minified = vec![b'x'; 6000];
        assert_eq!(classify(&p("a.js"), &minified, &c).class, ContentClass::Generated);
    }
}

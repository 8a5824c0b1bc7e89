//! Classification of a file's content: text (with its encoding), binary, too large, generated, vendored.

use serde::{Serialize, Serializer};

use crate::path::RelPath;

/// What a file is, for indexing and for the health report. One class per file; text that is also
/// generated or vendored is classed as generated or vendored (it is still text and still indexed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ContentClass {
    /// Hand-written text: indexed and scanned.
    Text,
    /// Text written by a tool (a marker in its header comment, a tell-tale name, or minified): indexed.
    Generated,
    /// Text below a third-party directory (`vendor/`, `third_party/`, `node_modules/`, …): indexed.
    Vendored,
    /// Holds a NUL byte and no believed UTF-16 byte-order mark, and is not text a build reads (which is
    /// text, NULs and all: see `text_with_nuls`): hashed and listed, not indexed.
    Binary,
    /// Text above [`ClassifyConfig::max_text_bytes`]: hashed and listed, not indexed.
    TooLarge,
    /// A symbolic link; its "content" is its target text, which is never followed.
    Symlink,
    /// Not produced by ingest: a file that cannot be read refuses the whole snapshot
    /// ([`crate::SnapshotError::Unreadable`]). It keeps its place in [`ContentClass::ALL`], whose order
    /// the ingest cache stores.
    Unreadable,
}

impl ContentClass {
    /// Every class, in a fixed order: the ingest cache stores a class as its index here, so a new class
    /// goes at the end.
    pub const ALL: [ContentClass; 7] = [
        ContentClass::Text,
        ContentClass::Generated,
        ContentClass::Vendored,
        ContentClass::Binary,
        ContentClass::TooLarge,
        ContentClass::Symlink,
        ContentClass::Unreadable,
    ];

    /// The kebab-case name used in JSON output and on screen (the serde name).
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
    /// Valid UTF-8 without a byte-order mark (plain ASCII included).
    Utf8,
    /// UTF-8 with a byte-order mark at the start.
    Utf8Bom,
    /// UTF-16 little-endian, recognised only by its byte-order mark `FF FE`.
    Utf16Le,
    /// UTF-16 big-endian, recognised only by its byte-order mark `FE FF`.
    Utf16Be,
    /// A legacy single- or multi-byte encoding, as guessed (e.g. `windows-1251`, `windows-1252`).
    Legacy(&'static encoding_rs::Encoding),
}

impl TextEncoding {
    /// The encoding's name as shown (`utf-8`, `utf-8-bom`, `utf-16le`, `utf-16be`, or encoding_rs's name
    /// of a legacy encoding such as `windows-1252` or `Shift_JIS`); serialised lower-cased.
    pub fn name(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "utf-8",
            TextEncoding::Utf8Bom => "utf-8-bom",
            TextEncoding::Utf16Le => "utf-16le",
            TextEncoding::Utf16Be => "utf-16be",
            TextEncoding::Legacy(e) => legacy_name(e),
        }
    }

    /// Whether the bytes are valid UTF-8 (with or without a byte-order mark), so they can be shown and
    /// searched as they are, without transcoding.
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
    /// The file's one class.
    pub class: ContentClass,
    /// The detected encoding; `None` exactly when the class is [`ContentClass::Binary`].
    pub encoding: Option<TextEncoding>,
}

/// Detects the encoding of `bytes`, or `None` if they are binary.
///
/// Binary means: a NUL byte anywhere (as ripgrep and git decide), unless the file is UTF-16 text after
/// its byte-order mark ([`utf16_by_bom`]). Invalid UTF-8 without NUL bytes is legacy text, with the
/// encoding guessed (a UTF-16 byte-order mark on a text that is not UTF-16 is read as two such bytes).
pub fn detect_encoding(bytes: &[u8]) -> Option<TextEncoding> {
    if let Some(utf16) = utf16_by_bom(bytes) {
        return Some(utf16);
    }
    if memchr::memchr(0, bytes).is_some() {
        return None;
    }
    Some(detect_8bit(bytes))
}

/// The encoding of bytes read as 8-bit text (NULs, if any, are characters like any other): UTF-8 with
/// or without its mark when valid, else encoding_rs's guess of a legacy encoding.
fn detect_8bit(bytes: &[u8]) -> TextEncoding {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        if std::str::from_utf8(rest).is_ok() {
            return TextEncoding::Utf8Bom;
        }
    } else if std::str::from_utf8(bytes).is_ok() {
        return TextEncoding::Utf8;
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    if memchr::memchr(0, bytes).is_some() {
        // Planted NULs say nothing of the letters around them.
        let letters: Vec<u8> = bytes.iter().copied().filter(|&b| b != 0).collect();
        detector.feed(&letters, true);
    } else {
        detector.feed(bytes, true);
    }
    let guess = detector.guess(None, chardetng::Utf8Detection::Deny);
    if guess == encoding_rs::UTF_8 {
        TextEncoding::Legacy(encoding_rs::WINDOWS_1252)
    } else {
        TextEncoding::Legacy(guess)
    }
}

/// The UTF-16 encoding named by the file's byte-order mark (`FF FE` little-endian, `FE FF` big-endian),
/// when the bytes after it read as UTF-16 text and not as the 8-bit text that byte readers (`sh`,
/// `make`, compilers) run: an even length, no unpaired surrogate, and
///
/// - at least one NUL byte (UTF-16 text with none holds no ASCII character at all, not even a line
///   break, while two bytes `FF FE` before an ASCII script turn it into one line of CJK);
/// - and, when some code unit is two ASCII text bytes drawn as one other character, the bytes without
///   their NULs (what `dash` reads) are neither valid UTF-8 nor at least 90% ASCII text: planting NULs
///   after line breaks makes a script look like UTF-16 lines of CJK, while genuine UTF-16 of CJK or
///   kana text leaves high bytes in every few characters, and genuine UTF-16 of Latin text hides no
///   ASCII pair at all (both readings show the same text).
///
/// `None` otherwise: such a file is read as 8-bit text (or binary, with NULs), and the stray mark is a
/// health finding (`crate::encoded::stray_utf16_bom`).
pub fn utf16_by_bom(bytes: &[u8]) -> Option<TextEncoding> {
    let (encoding, big_endian, rest) = match bytes {
        [0xFF, 0xFE, rest @ ..] => (TextEncoding::Utf16Le, false, rest),
        [0xFE, 0xFF, rest @ ..] => (TextEncoding::Utf16Be, true, rest),
        _ => return None,
    };
    if rest.len() % 2 != 0 {
        return None;
    }
    if rest.is_empty() {
        return Some(encoding);
    }
    // No NUL: no ASCII character, not even a line break, in the UTF-16 reading.
    memchr::memchr(0, rest)?;
    let units = || utf16_units(rest, big_endian).map(|(unit, _)| unit);
    if char::decode_utf16(units()).any(|c| c.is_err()) {
        return None;
    }
    if hides_an_ascii_line(rest, big_endian) {
        return None;
    }
    let text_byte = |b: u8| matches!(b, b'\t' | b'\n' | b'\r' | 0x0C | 0x20..=0x7E);
    let hides_ascii = units().any(|u| u > 0xFF && u.to_le_bytes().iter().all(|&b| text_byte(b)));
    if !hides_ascii {
        return Some(encoding);
    }
    let bytes8: Vec<u8> = rest.iter().copied().filter(|&b| b != 0).collect();
    let ascii = bytes8.iter().filter(|&&b| text_byte(b)).count();
    let reads_as_8bit = std::str::from_utf8(&bytes8).is_ok() || ascii * 10 >= bytes8.len() * 9;
    (!reads_as_8bit).then_some(encoding)
}

/// The code units after a UTF-16 mark, in the mark's byte order, each with its two bytes in file order.
fn utf16_units(rest: &[u8], big_endian: bool) -> impl Iterator<Item = (u16, [u8; 2])> + '_ {
    rest.chunks_exact(2).map(move |p| {
        let pair = [p.first().copied().unwrap_or(0), p.get(1).copied().unwrap_or(0)];
        (if big_endian { u16::from_be_bytes(pair) } else { u16::from_le_bytes(pair) }, pair)
    })
}

/// Whether the bytes after a UTF-16 mark, read as byte readers read them (`dash`, `make` and GCC drop
/// or ignore NULs and end a line at every `0A` byte), hold a line of ASCII text that the UTF-16 reading
/// draws as other characters (round 8's F2). A code unit above U+00FF shows as another character than
/// its bytes (a unit up to U+00FF is the Latin-1 letter its one byte is); a line is hidden when every
/// such unit's byte in it is ASCII text and they give at least three non-blank bytes, or when such a
/// unit's `0A` starts it (a line the UTF-16 reading does not have) and it has three non-blank bytes.
/// Judged line by line, so no padding elsewhere in the file (Latin-1 letters, CJK text) changes it.
fn hides_an_ascii_line(rest: &[u8], big_endian: bool) -> bool {
    let text_byte = |b: u8| matches!(b, b'\t' | b'\r' | 0x0C | 0x20..=0x7E);
    // Per line: every hidden byte is ASCII text; non-blank hidden bytes; non-blank bytes; whether a
    // hidden line break started it.
    let (mut clean, mut hidden, mut solid, mut new_line) = (true, 0usize, 0usize, false);
    let found = |clean: bool, hidden: usize, solid: usize, new_line: bool| {
        clean && (hidden >= 3 || (new_line && solid >= 3))
    };
    for (unit, pair) in utf16_units(rest, big_endian) {
        let other = unit > 0xFF;
        for b in pair.into_iter().filter(|&b| b != 0) {
            if b == b'\n' {
                if found(clean, hidden, solid, new_line) {
                    return true;
                }
                (clean, hidden, solid, new_line) = (true, 0, 0, other);
                continue;
            }
            if other {
                clean &= text_byte(b);
                hidden += usize::from(b > b' ' && text_byte(b));
            }
            solid += usize::from(b > b' ');
        }
    }
    found(clean, hidden, solid, new_line)
}

/// Whether a UTF-16 reading hides bytes that byte readers see as ASCII: a code unit above U+00FF (shown
/// as another character) with a non-NUL byte that is ASCII text or a line break.
fn utf16_hides_ascii_bytes(bytes: &[u8]) -> bool {
    let (big_endian, rest) = match bytes {
        [0xFF, 0xFE, rest @ ..] => (false, rest),
        [0xFE, 0xFF, rest @ ..] => (true, rest),
        _ => return false,
    };
    let ascii = |b: u8| matches!(b, b'\t' | b'\n' | b'\r' | 0x0C | 0x20..=0x7E);
    utf16_units(rest, big_endian).any(|(unit, pair)| unit > 0xFF && pair.iter().any(|&b| ascii(b)))
}

/// Extensions of files that a compiler, interpreter or build tool reads as text whatever NUL bytes they
/// hold (GCC and Clang warn and go on, node, javac and rustc accept one in a comment or a string, `dash`,
/// `bash` and `make` drop or skip them), `.inc`, `.def` and `.in` included: files that C includes and
/// templates that configure turns into headers and makefiles.
const SOURCE_EXTENSIONS: &[&str] = &[
    "c", "h", "cc", "cpp", "cxx", "c++", "cp", "hh", "hpp", "hxx", "h++", "ipp", "tpp", "inl", "tcc", "ixx",
    "cppm", "m", "mm", "s", "asm", "rs", "go", "java", "kt", "kts", "scala", "groovy", "cs", "fs", "swift",
    "js", "mjs", "cjs", "jsx", "ts", "mts", "cts", "tsx", "py", "pyw", "pyi", "rb", "php", "pl", "pm", "lua",
    "sh", "bash", "zsh", "ksh", "csh", "fish", "ps1", "bat", "cmd", "zig", "d", "v", "sv", "vhd", "vhdl",
    "sql", "cmake", "mk", "mak", "make", "gradle", "inc", "def", "in", "ac", "am", "m4", "bzl", "bazel",
    "ninja", "gn", "gni", "ld", "lds", "awk", "sed", "tcl", "r", "jl", "hs", "ml", "ex", "exs", "erl",
    "dart", "nim", "f", "f90", "pas", "vb",
];

/// Names of build files without such an extension (any case), and prefixes of names (`Makefile.am`,
/// `Dockerfile.dev`, `Kconfig.debug`).
const BUILD_FILE_NAMES: &[&str] = &[
    "configure",
    "cmakelists.txt",
    "meson.build",
    "meson_options.txt",
    "meson.options",
    "build",
    "workspace",
    "sconstruct",
    "sconscript",
    "rakefile",
    "gemfile",
    "vagrantfile",
    "jenkinsfile",
    "justfile",
    "kbuild",
    "containerfile",
    "pkgbuild",
    "apkbuild",
];
const BUILD_FILE_PREFIXES: &[&str] = &["makefile", "gnumakefile", "dockerfile", "kconfig", "kbuild"];

/// Whether a build reads the file as text: a source or build extension ([`SOURCE_EXTENSIONS`]), a build
/// file's name ([`BUILD_FILE_NAMES`], [`BUILD_FILE_PREFIXES`]), or a `#!` script.
fn is_read_by_a_build(path: &RelPath, bytes: &[u8]) -> bool {
    let ext =
        path.extension().is_some_and(|ext| SOURCE_EXTENSIONS.iter().any(|s| s.eq_ignore_ascii_case(ext)));
    let name = String::from_utf8_lossy(path.file_name()).to_ascii_lowercase();
    ext || bytes.starts_with(b"#!")
        || BUILD_FILE_NAMES.contains(&name.as_str())
        || BUILD_FILE_PREFIXES.iter().any(|p| name.starts_with(p))
}

/// The 8-bit encoding of a file that holds NUL bytes (and no believed UTF-16 mark) when it is text all
/// the same (round 6, widened in round 8's F1): ripgrep and git call it binary, but what reads it as
/// text reads every line, so one NUL must not take it out of the view, search, symbols and the health
/// scan. Text, NULs drawn as markers and each reported as a control character, is:
///
/// - a file that starts with a UTF-16 mark the bytes do not bear out (the mark says text, byte readers
///   run the bytes: see [`utf16_by_bom`]);
/// - a file a build reads ([`is_read_by_a_build`]) that is valid UTF-8, or has at most one other control
///   character in 64 bytes (a legacy encoding such as Latin-1; an ELF or a video under a source name
///   stays binary);
/// - any other file without another control character and with at most one NUL in 64 bytes (a data
///   file C includes, a script run by name): UTF-16 without a mark, tar archives and other binaries
///   hold far more.
fn text_with_nuls(path: &RelPath, bytes: &[u8]) -> Option<TextEncoding> {
    if matches!(bytes, [0xFF, 0xFE, ..] | [0xFE, 0xFF, ..]) {
        return Some(stray_mark_8bit(bytes));
    }
    let control = |b: u8| matches!(b, 0x01..=0x08 | 0x0E..=0x19 | 0x1C..=0x1F | 0x7F);
    let text = if is_read_by_a_build(path, bytes) {
        std::str::from_utf8(bytes).is_ok() || {
            let nuls = memchr::memchr_iter(0, bytes).count();
            bytes.iter().filter(|&&b| control(b)).count() * 64 <= bytes.len() - nuls
        }
    } else {
        // Most binaries show a control byte early: stop there.
        !bytes.iter().any(|&b| control(b)) && memchr::memchr_iter(0, bytes).count() * 64 <= bytes.len()
    };
    text.then(|| detect_8bit(bytes))
}

/// The 8-bit reading of a file whose UTF-16 mark is not believed: windows-1252 (a superset of Latin-1),
/// in which every code unit up to U+00FF (one byte and a NUL) is the letter the UTF-16 reading shows, so
/// the two readings differ exactly where the UTF-16 one hides bytes; UTF-8 when the bytes are valid.
fn stray_mark_8bit(bytes: &[u8]) -> TextEncoding {
    if std::str::from_utf8(bytes).is_ok() {
        TextEncoding::Utf8
    } else {
        TextEncoding::Legacy(encoding_rs::WINDOWS_1252)
    }
}

/// Whether a file with a believed UTF-16 mark is one that byte readers run or build (round 8's F2): a
/// script, makefile or source by name, or a `#!` script in either reading, whose UTF-16 reading hides
/// ASCII bytes. `sh`, `make` and GCC do not read the mark: they drop the NULs and read every other byte,
/// so the bytes are its text and the view must show them, whatever else the file holds (no share of
/// Latin-1 or CJK letters elsewhere can vouch for a line). The mark is an `encoding-disguise` finding.
fn utf16_runs_as_bytes(path: &RelPath, bytes: &[u8]) -> bool {
    let after_mark = bytes.get(2..).unwrap_or_default();
    let mut head = after_mark.iter().copied().filter(|&b| b != 0);
    let shebang = head.next() == Some(b'#') && head.next() == Some(b'!');
    (shebang || is_read_by_a_build(path, after_mark)) && utf16_hides_ascii_bytes(bytes)
}

/// The encoding a Python file's PEP 263 declaration names, when it reads ASCII as ASCII and encoding_rs
/// has it (see [`crate::pycookie::declared_encoding`]).
fn python_declared(path: &RelPath, bytes: &[u8]) -> Option<TextEncoding> {
    let e = crate::pycookie::declared_encoding(&path.display(), bytes)?;
    Some(if e == encoding_rs::UTF_8 { TextEncoding::Utf8 } else { TextEncoding::Legacy(e) })
}

/// Classifies a regular file from its path and full content.
pub fn classify(path: &RelPath, bytes: &[u8], config: &ClassifyConfig) -> Classification {
    let encoding = match detect_encoding(bytes).or_else(|| text_with_nuls(path, bytes)) {
        Some(TextEncoding::Utf16Le | TextEncoding::Utf16Be) if utf16_runs_as_bytes(path, bytes) => {
            stray_mark_8bit(bytes)
        }
        // A Python file's coding declaration decides how CPython decodes it (PEP 263).
        Some(TextEncoding::Utf8 | TextEncoding::Legacy(_))
            if let Some(declared) = python_declared(path, bytes) =>
        {
            declared
        }
        Some(encoding) => encoding,
        None => return Classification { class: ContentClass::Binary, encoding: None },
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

/// Markers that say "generated" wherever they stand in the header.
const GENERATED_MARKERS: [&[u8]; 4] = [b"@generated", b"do not edit", b"auto-generated", b"autogenerated"];

/// Markers that say it only as the subject of a header line ("Generated by mkerr.pl", "This file
/// was automatically generated from…", "Makefile.in generated by automake"): in prose ("faster
/// than code generated by gcc"), they speak of something else.
const GENERATED_STATEMENTS: [&[u8]; 3] = [b"generated by", b"generated from", b"automatically generated"];

/// How much of a file's start is read for its header.
const HEADER_BYTES: usize = 8192;
/// How many lines of a file's start may belong to its header.
const HEADER_LINES: usize = 60;

/// Generated or minified: a marker in the file's own header comment, a tell-tale name, or lines far too
/// long to be written by hand.
///
/// Only the header is read: the comments (and a leading docstring) before the first line of code. A
/// generator mentions "DO NOT EDIT" in the text it *emits* and a template may name a variable
/// `@generated`: neither is in the header, so neither makes the generator or the template "generated".
pub fn is_generated(path: &RelPath, bytes: &[u8]) -> bool {
    let name = path.file_name().to_ascii_lowercase();
    let generated_name = [&b".min.js"[..], b".min.css", b".pb.cc", b".pb.h", b"_pb2.py", b".pb.go"]
        .iter()
        .any(|suffix| name.ends_with(suffix));
    if generated_name {
        return true;
    }
    if is_code_template(&name, bytes) {
        return false;
    }
    let header = header_comments(&name, bytes.get(..bytes.len().min(HEADER_BYTES)).unwrap_or(bytes));
    if GENERATED_MARKERS.iter().any(|m| memchr::memmem::find(&header, m).is_some()) {
        return true;
    }
    if header.split(|&b| b == b'\n').any(|line| states_generated(line, &name)) {
        return true;
    }
    // Minified: few, very long lines.
    let lines = memchr::memchr_iter(b'\n', bytes).count() as u64 + 1;
    bytes.len() > 4096 && bytes.len() as u64 / lines > 500
}

/// A template with code blocks (`*.in` or `*.tmpl` holding OpenSSL's `{- perl -}` at a line's start)
/// is written by hand: its header is text it *emits* (`OpenSSLConfig.cmake.in` starts with
/// "# Generated by OpenSSL"), so it says nothing of the template itself. (`Makefile.in`, which
/// automake generates, holds no such block.)
fn is_code_template(name: &[u8], bytes: &[u8]) -> bool {
    let template = [&b".in"[..], b".tmpl", b".template"].iter().any(|ext| name.ends_with(ext));
    template
        && memchr::memmem::find_iter(bytes, b"{-")
            .any(|at| at == 0 || bytes.get(at - 1).is_some_and(|&b| b == b'\n' || b == b' ' || b == b'\t'))
}

/// Whether a lower-cased header line says that this file is generated: a statement marker with
/// only the comment's punctuation and words naming the file before it.
fn states_generated(line: &[u8], name: &[u8]) -> bool {
    let text = line.trim_ascii_start();
    let text = match text.iter().position(|b| b.is_ascii_alphanumeric() || *b == b'@') {
        Some(i) => text.get(i..).unwrap_or_default(),
        None => return false,
    };
    GENERATED_STATEMENTS.iter().any(|m| {
        memchr::memmem::find(text, m).is_some_and(|at| {
            text.get(..at).unwrap_or_default().split(|b| b.is_ascii_whitespace() || b",:;!".contains(b)).all(
                |word| {
                    word.is_empty()
                        || word == name
                        || matches!(
                            word,
                            b"warning"
                                | b"note"
                                | b"this"
                                | b"file"
                                | b"header"
                                | b"source"
                                | b"is"
                                | b"was"
                                | b"has"
                                | b"been"
                                | b"automatically"
                        )
                },
            )
        })
    })
}

/// Whether `#` starts a preprocessor directive rather than a comment in files named so.
/// A template's own extension (`.in`, `.tmpl`) is looked through: `ssl.h.in` is C.
fn hash_is_directive(name: &[u8]) -> bool {
    let mut parts = name.rsplit(|&b| b == b'.');
    let mut ext = parts.next().unwrap_or_default();
    if matches!(ext, b"in" | b"tmpl" | b"template") {
        ext = parts.next().unwrap_or_default();
    }
    if ext.len() == name.len() {
        return false;
    }
    matches!(
        ext,
        b"c" | b"h"
            | b"cc"
            | b"cpp"
            | b"cxx"
            | b"hh"
            | b"hpp"
            | b"hxx"
            | b"inl"
            | b"ipp"
            | b"m"
            | b"mm"
            | b"cs"
            | b"def"
            | b"s"
    )
}

/// The text of a file's header, lower-cased: its comment lines (and a leading docstring) before the
/// first line of code, blank lines and a `#!` line skipped.
fn header_comments(name: &[u8], head: &[u8]) -> Vec<u8> {
    let directive = hash_is_directive(name);
    let mut out = Vec::new();
    let mut in_block: Option<&[u8]> = None;
    for raw in head.split(|&b| b == b'\n').take(HEADER_LINES) {
        let line = raw.trim_ascii();
        if let Some(end) = in_block {
            out.extend_from_slice(line);
            out.push(b'\n');
            if memchr::memmem::find(line, end).is_some() {
                in_block = None;
            }
            continue;
        }
        if line.is_empty() || (out.is_empty() && line.starts_with(b"#!")) {
            continue;
        }
        let opens = [
            (&b"/*"[..], &b"*/"[..]),
            (b"<!--", b"-->"),
            (b"\"\"\"", b"\"\"\""),
            (b"'''", b"'''"),
            (b"(*", b"*)"),
        ]
        .into_iter()
        .find(|(open, _)| line.starts_with(open));
        if let Some((open, close)) = opens {
            out.extend_from_slice(line);
            out.push(b'\n');
            let rest = line.get(open.len()..).unwrap_or_default();
            if memchr::memmem::find(rest, close).is_none() {
                in_block = Some(close);
            }
            continue;
        }
        let line_comment = line.starts_with(b"//")
            || line.starts_with(b"--")
            || line.starts_with(b";")
            || line.starts_with(b"%")
            || line.starts_with(b"dnl ")
            || line.eq_ignore_ascii_case(b"rem")
            || line.get(..4).is_some_and(|p| p.eq_ignore_ascii_case(b"rem "))
            || (line.starts_with(b"#") && !directive);
        if !line_comment {
            break;
        }
        out.extend_from_slice(line);
        out.push(b'\n');
    }
    out.make_ascii_lowercase();
    out
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

    fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
        let mut v = if big_endian { vec![0xFE, 0xFF] } else { vec![0xFF, 0xFE] };
        for u in text.encode_utf16() {
            v.extend(if big_endian { u.to_be_bytes() } else { u.to_le_bytes() });
        }
        v
    }

    /// F3 (round 22): `FF FE` before an even-length ASCII script with no NUL was taken as UTF-16LE, one
    /// line of CJK, while `sh` and `make` run every line. A UTF-16 byte-order mark is believed only on
    /// text that reads as UTF-16; otherwise the file is read as the 8-bit text byte readers see.
    #[test]
    fn a_utf16_bom_is_believed_only_on_utf16_text() {
        let even = |b: &[u8]| {
            let mut v = b.to_vec();
            if v.len() % 2 == 1 {
                v.push(b'\n');
            }
            v
        };
        let script = even(b"\xFF\xFE=1\n#!/bin/sh\necho PAYLOAD-RAN\nrm -rf \"$HOME/.cache\"\n");
        let makefile = even(b"\xFF\xFE:= 1\nall:\n\techo PAYLOAD-RAN\n");
        let big_endian = even(b"\xFE\xFF=1\n#!/bin/sh\necho PAYLOAD-RAN\n");
        for fake in [&script, &makefile, &big_endian] {
            let enc = detect_encoding(fake);
            assert!(
                !matches!(enc, Some(TextEncoding::Utf16Le | TextEncoding::Utf16Be)),
                "{enc:?} for {}",
                fake.escape_ascii()
            );
            assert!(enc.is_some(), "{}", fake.escape_ascii());
            let text = crate::text::decode(fake, enc.unwrap());
            assert!(text.contains("echo PAYLOAD-RAN\n"), "{text}");
        }
        // NULs planted after each line break (dash skips them) to look like UTF-16 line breaks: the
        // bytes without their NULs are a script, which the UTF-16 reading hides.
        let planted = even(b"\xFF\xFE=1\n\0#!/bin/sh\n\0echo PAYLOAD-RAN\n\0");
        assert!(!matches!(detect_encoding(&planted), Some(TextEncoding::Utf16Le | TextEncoding::Utf16Be)));
        // Genuine UTF-16: ASCII, Japanese, Chinese, Latin-1, either byte order.
        for text in [
            "#!/bin/sh\necho hi\n",
            "こんにちは、世界。\nこれはテストです。\n",
            "// 检查命令行参数中的密码\nint main() { return 0; }\n",
            "caf\u{e9} cr\u{e8}me\r\n",
            "x",
        ] {
            assert_eq!(detect_encoding(&utf16(text, false)), Some(TextEncoding::Utf16Le), "{text}");
            assert_eq!(detect_encoding(&utf16(text, true)), Some(TextEncoding::Utf16Be), "{text}");
        }
        // An unpaired surrogate is no UTF-16 text.
        assert_ne!(detect_encoding(b"\xFF\xFEa\0\x00\xD8b\0"), Some(TextEncoding::Utf16Le));
    }

    #[test]
    fn classes() {
        let c = ClassifyConfig { max_text_bytes: 10 };
        assert_eq!(classify(&p("a.c"), b"int x;", &c).class, ContentClass::Text);
        assert_eq!(classify(&p("a.c"), b"int x; int y;", &c).class, ContentClass::TooLarge);
        assert_eq!(classify(&p("a.bin"), b"\0\0", &c).class, ContentClass::Binary);
        // A source file is text whatever NULs it holds (its compiler reads it); a binary under a source
        // name (not UTF-8) and a NUL under another name stay binary.
        let c = ClassifyConfig::default();
        let nul = classify(&p("src/auth.C"), b"/*\0*/ int admin = 1;\n", &c);
        assert_eq!((nul.class, nul.encoding), (ContentClass::Text, Some(TextEncoding::Utf8)));
        assert_eq!(classify(&p("check.js"), b"/*\0*/ run();\n", &c).class, ContentClass::Text);
        assert_eq!(classify(&p("a.c"), b"\x7fELF\x02\x01\x01\0\0\xff\xfe", &c).class, ContentClass::Binary);
        assert_eq!(classify(&p("notes.txt"), b"a\0b", &c).class, ContentClass::Binary);
        let c = ClassifyConfig::default();
        assert_eq!(classify(&p("gen.h"), b"/* @generated */\n", &c).class, ContentClass::Generated);
        assert_eq!(classify(&p("app.min.js"), b"x", &c).class, ContentClass::Generated);
        assert_eq!(classify(&p("third_party/zlib/inflate.c"), b"int x;", &c).class, ContentClass::Vendored);
        assert_eq!(classify(&p("vendor.c"), b"int x;", &c).class, ContentClass::Text);
        let minified = vec![b'x'; 6000];
        assert_eq!(classify(&p("a.js"), &minified, &c).class, ContentClass::Generated);
    }

    /// F1 (round 8): round 6 kept a file holding NULs as text only under a source extension and as
    /// UTF-8; one NUL still hid a Latin-1 C file, a `configure` script (dash and bash drop NULs, so
    /// `ec\0ho` runs `echo`), a Makefile and an `#include`d `.inc` (hex view, no scan, no search).
    #[test]
    fn a_file_a_build_reads_is_text_whatever_its_nuls() {
        let c = ClassifyConfig::default();
        let text = |path: &str, bytes: &[u8]| {
            let got = classify(&p(path), bytes, &c);
            assert_eq!(got.class, ContentClass::Text, "{path}: {got:?}");
            let decoded = crate::text::decode(bytes, got.encoding.unwrap()).into_owned();
            assert!(decoded.contains('\0'), "{path}: the NUL is kept, to be drawn and reported");
            decoded
        };
        let latin1 =
            b"/* auth.c \xa9 2024 Vendor GmbH\0 */\nint main(int c, char **v){ puts(\"BACKDOOR\"); }\n";
        assert!(text("src/auth.c", latin1).contains("\u{a9} 2024"));
        assert!(text("configure", b"#!/bin/sh\n# configure\nec\0ho PAYLOAD\n").contains("ho PAYLOAD"));
        text("Makefile", b"all:\n\t@echo PAYLOAD\n# end of rules \0\n");
        text("GNUmakefile", b"all: ; @echo x \0\n");
        text("Makefile.am", b"bin_PROGRAMS = x\0\n");
        text("CMakeLists.txt", b"project(x)\0\n");
        text("meson.build", b"project('x')\0\n");
        text("src/table.inc", b"/* table \0 */ puts(\"PAYLOAD-INC-RAN\");\n");
        text("tools/run", b"#!/usr/bin/env python3\nprint(1)  # \0\n");
        // A data file a build may include under any name: text when its NULs are few and nothing else
        // in it is a control character.
        let mut steps = b"if (!check_password(pw)) return 0;\n".repeat(4);
        steps.extend(b"/* \0 */\n");
        text("src/data/steps.txt", &steps);
        // Binary stays binary: an ELF under a source name, a NUL-heavy file under another name, UTF-16
        // without a mark, a tar of text files.
        assert_eq!(classify(&p("a.c"), b"\x7fELF\x02\x01\x01\0\0\xff\xfe", &c).class, ContentClass::Binary);
        assert_eq!(classify(&p("notes.txt"), b"a\0b", &c).class, ContentClass::Binary);
        assert_eq!(classify(&p("x.txt"), b"h\0e\0l\0l\0o\0\n\0", &c).class, ContentClass::Binary);
        let mut tar = b"a.txt".to_vec();
        tar.resize(512, 0);
        tar.extend(b"hello\n");
        tar.resize(1024, 0);
        assert_eq!(classify(&p("fixture.tar"), &tar, &c).class, ContentClass::Binary);
        let noise: Vec<u8> = (0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
        assert_eq!(classify(&p("clip.ts"), &noise, &c).class, ContentClass::Binary);
    }

    /// `FF FE`, then genuine UTF-16LE (a shell script's header with `padding` in its banner), then raw
    /// ASCII bytes that the UTF-16 reading shows as CJK inside a comment, while `sh` (which drops the
    /// NULs) runs them as a line of their own (round 8's F2).
    fn fake_utf16_script(padding: &str) -> Vec<u8> {
        let u = |s: &str| s.encode_utf16().flat_map(u16::to_le_bytes).collect::<Vec<u8>>();
        let mut v = vec![0xFF, 0xFE];
        v.extend(u(&format!(
            "#!/bin/sh\n# Installationsskript f\u{fc}r Ger\u{e4}te\n# {padding}\n# \u{dc}bersetzung: "
        )));
        v.extend(b"\necho PAYLOAD-RAN  #");
        v.extend(u("\necho Installation abgeschlossen.\n"));
        v
    }

    /// F2 (round 8): round 7 believed a UTF-16 mark when the bytes without NULs were under 90% ASCII;
    /// 40 `\u{b7}` took a script with a hidden ASCII line below it. The mark is now judged by the lines
    /// byte readers see: a line of ASCII text that the UTF-16 reading draws as other characters makes
    /// the file 8-bit text (and the mark an `encoding-disguise` finding), whatever the padding.
    #[test]
    fn a_utf16_mark_hiding_an_ascii_line_is_not_believed_whatever_the_padding() {
        let c = ClassifyConfig::default();
        for padding in [
            "\u{b7}".repeat(40),
            "\u{a9c2}".repeat(40), // units whose bytes are UTF-8 `\u{a9}`
            "检查安装目录和权限，然后复制文件。".repeat(4), // genuine CJK: high and control bytes
            String::new(),
        ] {
            let bytes = fake_utf16_script(&padding);
            let got = classify(&p("install.sh"), &bytes, &c);
            assert!(
                !matches!(got.encoding, Some(TextEncoding::Utf16Le | TextEncoding::Utf16Be)),
                "{padding}: {got:?}"
            );
            assert_eq!(got.class, ContentClass::Text, "{padding}: a stray mark is text, read as bytes");
            let text = crate::text::decode(&bytes, got.encoding.unwrap());
            assert!(text.contains("\necho PAYLOAD-RAN  #"), "{padding}: {text}");
            if padding.starts_with('\u{b7}') {
                // The German letters read as what they are, not as Cyrillic.
                assert!(text.contains("\u{fc}\0r\0 \0G\0e\0r\0\u{e4}\0t"), "{:?}", got.encoding);
            }
            assert!(crate::encoded::stray_utf16_bom(&bytes, got.encoding).is_some());
            // The same under a name no build reads.
            let got = classify(&p("notes.txt"), &bytes, &c);
            assert_eq!(got.class, ContentClass::Text, "{padding}");
        }
        // A hidden line break alone: `\n` and `r` in one unit, then `m -rf ~` as ASCII units, in
        // either byte order.
        let mut le = vec![0xFF, 0xFE];
        le.extend("# cleanup".encode_utf16().flat_map(u16::to_le_bytes));
        le.extend(b"\nr");
        le.extend("m -rf ~\n".encode_utf16().flat_map(u16::to_le_bytes));
        assert!(!matches!(detect_encoding(&le), Some(TextEncoding::Utf16Le)), "{}", le.escape_ascii());
        let mut be = vec![0xFE, 0xFF];
        be.extend("# cleanup ".encode_utf16().flat_map(u16::to_be_bytes));
        be.extend(b"#\n");
        be.extend("rm -rf ~\n".encode_utf16().flat_map(u16::to_be_bytes));
        assert!(!matches!(detect_encoding(&be), Some(TextEncoding::Utf16Be)), "{}", be.escape_ascii());
        // Genuine UTF-16 keeps its mark, CJK lines ending in `上` (`0A 4E`) included.
        for text in
            ["以上\r\n第二行\r\n", "caf\u{e9}\n\u{b7}\u{b7}\n", "// 检查命令行参数中的密码\nint main();\n"]
        {
            assert_eq!(detect_encoding(&utf16(text, false)), Some(TextEncoding::Utf16Le), "{text}");
            assert_eq!(detect_encoding(&utf16(text, true)), Some(TextEncoding::Utf16Be), "{text}");
            let got = classify(&p("strings.txt"), &utf16(text, false), &c);
            assert_eq!(got.encoding, Some(TextEncoding::Utf16Le), "{text}");
        }
        // A script, makefile or C file is read as bytes by `sh`, `make` and GCC: a UTF-16 reading that
        // hides any ASCII byte is not believed there, even when the hidden line is spoiled for the line
        // test by a CJK character after its `#` (that `sh` skips as a comment).
        let mut spoiled = fake_utf16_script("");
        let at = spoiled.len() - "\necho Installation abgeschlossen.\n".len() * 2;
        spoiled.splice(at..at, "\u{68c0}".encode_utf16().flat_map(u16::to_le_bytes));
        for name in ["install.sh", "install", "Makefile", "src/resource.h"] {
            let got = classify(&p(name), &spoiled, &c);
            assert!(!matches!(got.encoding, Some(TextEncoding::Utf16Le)), "{name}: {got:?}");
            assert_eq!(got.class, ContentClass::Text, "{name}");
        }
        let chinese_header = utf16("// 检查命令行参数中的密码\n#define IDS_OK 1\n", false);
        let got = classify(&p("src/resource.h"), &chinese_header, &c);
        assert_eq!(got.class, ContentClass::Text);
        assert!(!matches!(got.encoding, Some(TextEncoding::Utf16Le)), "gcc reads its bytes: {got:?}");
        assert_eq!(
            classify(&p("res/strings.txt"), &chinese_header, &c).encoding,
            Some(TextEncoding::Utf16Le)
        );
    }

    #[test]
    fn generated_is_read_from_the_header_only() {
        let gen_ = |path: &str, text: &str| is_generated(&p(path), text.as_bytes());
        // OpenSSL's perlasm generators: the markers are in the text they emit, not in their header.
        let perlasm = "#! /usr/bin/env perl\n# Copyright 1995-2020 The OpenSSL Project Authors.\n#\n\
            # Licensed under the Apache License 2.0.\n\n$0 =~ m/(.*[\\/])/; $dir=$1;\n\
            print \"/* Automatically generated. DO NOT EDIT */\\n\";\n# @generated below\n";
        assert!(!gen_("crypto/aes/asm/aes-586.pl", perlasm));
        // Their header's prose speaks of code other tools generate.
        let notes = "#! /usr/bin/env perl\n# Copyright 2004-2025 The OpenSSL Project Authors.\n#\n\
            # Performance: compared to the fastest C code, or rather compared to\n\
            # code generated by GNU C, this code performs *more* than *twice* as\n\
            # fast, 40% better than 64-bit code generated by gcc.\n\
            # The latter is generated by and CC/DECC command.\n\n$flavour = shift;\n";
        assert!(!gen_("crypto/aes/asm/aes-586.pl", notes));
        assert!(gen_("x.c", "/*\n * This file was automatically generated by tables.pl.\n */\nint x;\n"));
        assert!(gen_("Makefile.in", "# Makefile.in generated by automake 1.16.5 from Makefile.am.\n"));
        // A template's header is text it emits (OpenSSL's exporters/cmake/OpenSSLConfig.cmake.in).
        let cmake = "# Generated by OpenSSL\n# {- $OpenSSL::safe::installdata::COMMENT // \"\" -}\n\n{-\n  use File::Spec;\n-}\nset(OPENSSL_FOUND YES)\n";
        assert!(!gen_("exporters/cmake/OpenSSLConfig.cmake.in", cmake));
        // A template with a Perl variable named @generated.
        assert!(!gen_("Configurations/common0.tmpl", "{- use File::Basename;\n   my @generated = ();\n-}\n"));
        // A C file including a header whose name looks generated.
        assert!(!gen_("a.c", "#include \"autogenerated.h\"\nint x;\n"));
        // Real generated files: the marker is in a header comment, possibly after a licence block.
        assert!(gen_("x.go", "// Code generated by protoc-gen-go. DO NOT EDIT.\n\npackage x\n"));
        assert!(gen_(
            "include/openssl/asn1.h",
            "/*\n * WARNING: do not edit!\n * Generated by Makefile from include/openssl/asn1.h.in\n */\n#include <x.h>\n"
        ));
        assert!(gen_(
            "e.c",
            "/*\n * Copyright\n */\n\n/* Automatically generated by mkerr.pl */\n#include \"e.h\"\n"
        ));
        assert!(gen_(
            "m.py",
            "#!/usr/bin/env python\n# -*- coding: utf-8 -*-\n# Generated by Django 4.2\nimport x\n"
        ));
        assert!(gen_("d.py", "\"\"\"\nAuto-generated by tool.\n\"\"\"\nimport x\n"));
        assert!(gen_(
            "configure",
            "#! /bin/sh\n# Guess values for system-dependent variables.\n# Generated by GNU Autoconf 2.71.\n"
        ));
        assert!(gen_("Makefile.in", "# Makefile.in generated by automake 1.16.5 from Makefile.am.\n"));
        // A template's header is text it emits (OpenSSL's exporters/cmake/OpenSSLConfig.cmake.in).
        let cmake = "# Generated by OpenSSL\n# {- $OpenSSL::safe::installdata::COMMENT // \"\" -}\n\n{-\n  use File::Spec;\n-}\nset(OPENSSL_FOUND YES)\n";
        assert!(!gen_("exporters/cmake/OpenSSLConfig.cmake.in", cmake));
        assert!(!gen_("ssl.h.in", "#include \"autogenerated.h\"\n"));
        // A marker after the first line of code does not count.
        assert!(!gen_("late.c", "int x;\n/* @generated */\n"));
    }
}

//! The snapshot health report: everything in the snapshot that could hide something from a reader.
//!
//! Findings carry a path, a 1-based line and a 1-based column counted in Unicode characters (file-level
//! findings have neither), a kind and a human detail. Per file and kind, at most
//! [`HealthConfig::max_findings_per_kind`] are listed; the rest are summed up in one last finding, so a
//! minified file cannot drown the report, and nothing is dropped without being counted.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use unicode_normalization::UnicodeNormalization;
use unicode_script::{Script, UnicodeScript};

use crate::text::{Suspicious, describe, suspicious};

/// What a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingKind {
    BidiControl,
    InvisibleChar,
    MixedScriptIdentifier,
    ControlChar,
    LongLine,
    Binary,
    NonUtf8,
    TooLarge,
    Generated,
    NestedRepo,
    Symlink,
    CaseCollision,
    NormalizationCollision,
    GitRefusedPath,
    SpecialFile,
    Unreadable,
    /// A symlink to an absolute path: recorded as data, never followed.
    SymlinkAbsolute,
    /// A symlink whose target climbs out of the snapshot root: recorded as data, never followed.
    SymlinkEscapes,
}

impl FindingKind {
    /// Every kind, in declaration order (the ingest cache stores kinds by their place here).
    pub const ALL: [FindingKind; 18] = [
        FindingKind::BidiControl,
        FindingKind::InvisibleChar,
        FindingKind::MixedScriptIdentifier,
        FindingKind::ControlChar,
        FindingKind::LongLine,
        FindingKind::Binary,
        FindingKind::NonUtf8,
        FindingKind::TooLarge,
        FindingKind::Generated,
        FindingKind::NestedRepo,
        FindingKind::Symlink,
        FindingKind::CaseCollision,
        FindingKind::NormalizationCollision,
        FindingKind::GitRefusedPath,
        FindingKind::SpecialFile,
        FindingKind::Unreadable,
        FindingKind::SymlinkAbsolute,
        FindingKind::SymlinkEscapes,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::BidiControl => "bidi-control",
            FindingKind::InvisibleChar => "invisible-char",
            FindingKind::MixedScriptIdentifier => "mixed-script-identifier",
            FindingKind::ControlChar => "control-char",
            FindingKind::LongLine => "long-line",
            FindingKind::Binary => "binary",
            FindingKind::NonUtf8 => "non-utf8",
            FindingKind::TooLarge => "too-large",
            FindingKind::Generated => "generated",
            FindingKind::NestedRepo => "nested-repo",
            FindingKind::Symlink => "symlink",
            FindingKind::CaseCollision => "case-collision",
            FindingKind::NormalizationCollision => "normalization-collision",
            FindingKind::GitRefusedPath => "git-refused-path",
            FindingKind::SpecialFile => "special-file",
            FindingKind::Unreadable => "unreadable",
            FindingKind::SymlinkAbsolute => "symlink-absolute",
            FindingKind::SymlinkEscapes => "symlink-escapes",
        }
    }

    /// Severity for display: whether this kind can change what code means to a reader.
    pub fn is_deceptive(self) -> bool {
        matches!(
            self,
            FindingKind::BidiControl
                | FindingKind::InvisibleChar
                | FindingKind::MixedScriptIdentifier
                | FindingKind::ControlChar
                | FindingKind::CaseCollision
                | FindingKind::NormalizationCollision
        )
    }
}

/// One thing a reviewer should know about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub path: String,
    /// 1-based line, for findings inside a text file.
    pub line: Option<u64>,
    /// 1-based column in Unicode characters, for findings inside a text file.
    pub column: Option<u64>,
    pub kind: FindingKind,
    pub detail: String,
}

impl Finding {
    pub fn file_level(path: &str, kind: FindingKind, detail: impl Into<String>) -> Finding {
        Finding { path: path.to_owned(), line: None, column: None, kind, detail: detail.into() }
    }
}

/// Thresholds of the health scan.
#[derive(Debug, Clone)]
pub struct HealthConfig {
    /// A line longer than this many characters is reported.
    pub long_line_chars: usize,
    /// Per file and kind, findings listed before the rest are summed up.
    pub max_findings_per_kind: usize,
}

impl Default for HealthConfig {
    fn default() -> Self {
        HealthConfig { long_line_chars: 1000, max_findings_per_kind: 50 }
    }
}

/// The whole report.
#[derive(Debug, Clone, Default, Serialize)]
pub struct HealthReport {
    pub files: u64,
    /// Number of files per class (`text`, `binary`, …).
    pub classes: BTreeMap<String, u64>,
    /// Number of findings per kind, including those summed up and not listed one by one.
    pub counts: BTreeMap<String, u64>,
    pub findings: Vec<Finding>,
}

impl HealthReport {
    /// Whether the snapshot contains characters that reorder or hide text (Trojan Source).
    pub fn has_trojan_source(&self) -> bool {
        self.counts.get(FindingKind::BidiControl.as_str()).is_some_and(|&n| n > 0)
    }
}

/// Collects the findings of one file, enforcing the per-kind cap.
#[derive(Debug)]
pub struct FileFindings<'a> {
    path: &'a str,
    config: &'a HealthConfig,
    pub findings: Vec<Finding>,
    per_kind: HashMap<FindingKind, u64>,
}

impl<'a> FileFindings<'a> {
    pub fn new(path: &'a str, config: &'a HealthConfig) -> FileFindings<'a> {
        FileFindings { path, config, findings: Vec::new(), per_kind: HashMap::new() }
    }

    pub fn push(
        &mut self,
        line: Option<u64>,
        column: Option<u64>,
        kind: FindingKind,
        detail: impl FnOnce() -> String,
    ) {
        let n = self.per_kind.entry(kind).or_insert(0);
        *n += 1;
        if *n as usize <= self.config.max_findings_per_kind {
            self.findings.push(Finding { path: self.path.to_owned(), line, column, kind, detail: detail() });
        }
    }

    /// Adds the summary findings for capped kinds and returns (findings, count per kind).
    pub fn finish(mut self) -> (Vec<Finding>, HashMap<FindingKind, u64>) {
        let mut capped: Vec<_> =
            self.per_kind.iter().filter(|&(_, &n)| n as usize > self.config.max_findings_per_kind).collect();
        capped.sort();
        for (&kind, &n) in capped {
            let more = n - self.config.max_findings_per_kind as u64;
            self.findings.push(Finding::file_level(
                self.path,
                kind,
                format!("{more} more {} findings in this file (not listed one by one)", kind.as_str()),
            ));
        }
        (self.findings, self.per_kind)
    }
}

/// Scans decoded text for suspicious characters, mixed-script identifiers and long lines.
pub fn scan_text(text: &str, out: &mut FileFindings<'_>) {
    if text.is_ascii() {
        scan_ascii(text.as_bytes(), out);
        return;
    }
    let long = out.config.long_line_chars;
    for (idx, line) in text.split('\n').enumerate() {
        let line_no = idx as u64 + 1;
        let line = line.strip_suffix('\r').unwrap_or(line);
        let mut chars = 0usize;
        for (col, c) in line.chars().enumerate() {
            chars += 1;
            if c.is_ascii() && !c.is_ascii_control() {
                continue;
            }
            if let Some(kind) = suspicious(c) {
                let kind = match kind {
                    Suspicious::Bidi => FindingKind::BidiControl,
                    Suspicious::Invisible => FindingKind::InvisibleChar,
                    Suspicious::Control => FindingKind::ControlChar,
                };
                out.push(Some(line_no), Some(col as u64 + 1), kind, || describe(c));
            }
        }
        if chars > long {
            out.push(Some(line_no), Some(long as u64 + 1), FindingKind::LongLine, || {
                format!("line of {chars} characters")
            });
        }
        if !line.is_ascii() {
            scan_identifiers(line, line_no, out);
        }
    }
}

/// The ASCII fast path: only control characters and long lines are possible.
fn scan_ascii(bytes: &[u8], out: &mut FileFindings<'_>) {
    let is_control = |b: u8| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C)) || b == 0x7F;
    let has_control = bytes.chunks(4096).any(|chunk| chunk.iter().fold(false, |acc, &b| acc | is_control(b)));
    let long = out.config.long_line_chars;
    let mut start = 0usize;
    let mut line_no = 1u64;
    let check_line = |line: &[u8], line_no: u64, out: &mut FileFindings<'_>| {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if has_control {
            for (col, &b) in line.iter().enumerate() {
                if is_control(b) {
                    out.push(Some(line_no), Some(col as u64 + 1), FindingKind::ControlChar, || {
                        describe(b as char)
                    });
                }
            }
        }
        if line.len() > long {
            out.push(Some(line_no), Some(long as u64 + 1), FindingKind::LongLine, || {
                format!("line of {} characters", line.len())
            });
        }
    };
    for nl in memchr::memchr_iter(b'\n', bytes) {
        let line = bytes.get(start..nl).unwrap_or_default();
        if has_control || line.len() > long {
            check_line(line, line_no, out);
        }
        start = nl + 1;
        line_no += 1;
    }
    let last = bytes.get(start..).unwrap_or_default();
    if !last.is_empty() {
        check_line(last, line_no, out);
    }
}

fn is_ident_start(c: char) -> bool {
    c == '_' || c == '$' || unicode_ident::is_xid_start(c)
}

fn is_ident_continue(c: char) -> bool {
    c == '$' || unicode_ident::is_xid_continue(c)
}

/// Reports identifiers whose letters come from more than one script (e.g. Latin with a Cyrillic `а`).
fn scan_identifiers(line: &str, line_no: u64, out: &mut FileFindings<'_>) {
    let mut chars = line.char_indices().enumerate().peekable();
    while let Some((col, (start, c))) = chars.next() {
        if !is_ident_start(c) {
            continue;
        }
        let mut end = start + c.len_utf8();
        while let Some(&(_, (i, c2))) = chars.peek() {
            if !is_ident_continue(c2) {
                break;
            }
            end = i + c2.len_utf8();
            chars.next();
        }
        let ident = line.get(start..end).unwrap_or_default();
        if ident.is_ascii() {
            continue;
        }
        let mut scripts: Vec<Script> = Vec::new();
        for ch in ident.chars() {
            let s = ch.script();
            if !matches!(s, Script::Common | Script::Inherited | Script::Unknown) && !scripts.contains(&s) {
                scripts.push(s);
            }
        }
        if scripts.len() > 1 {
            let names: Vec<&str> = scripts.iter().map(|s| s.full_name()).collect();
            let shown: String = ident
                .chars()
                .map(|ch| if ch.is_ascii() { ch.to_string() } else { format!("<U+{:04X}>", ch as u32) })
                .collect();
            out.push(Some(line_no), Some(col as u64 + 1), FindingKind::MixedScriptIdentifier, || {
                format!("identifier `{ident}` mixes {}: {shown}", names.join(" and "))
            });
        }
    }
}

/// Paths that differ only by letter case, or only by Unicode normalisation: they collide on case-
/// insensitive or normalising file systems (macOS, Windows), so what a reviewer reads may not be what builds.
pub fn path_collisions(paths: &[String]) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut by_case: HashMap<String, Vec<&str>> = HashMap::new();
    let mut by_nfc: HashMap<String, Vec<&str>> = HashMap::new();
    for p in paths {
        by_case.entry(p.to_lowercase()).or_default().push(p);
        if !p.is_ascii() {
            by_nfc.entry(p.nfc().collect()).or_default().push(p);
        }
    }
    for (kind, groups) in
        [(FindingKind::CaseCollision, by_case), (FindingKind::NormalizationCollision, by_nfc)]
    {
        for group in groups.values().filter(|g| g.len() > 1) {
            for p in group {
                let others: Vec<&str> = group.iter().filter(|o| *o != p).copied().collect();
                let what =
                    if kind == FindingKind::CaseCollision { "letter case" } else { "Unicode normalisation" };
                findings.push(Finding::file_level(
                    p,
                    kind,
                    format!("differs only by {what} from {}", others.join(", ")),
                ));
            }
        }
    }
    findings.sort_by(|a, b| a.path.cmp(&b.path));
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(text: &str) -> Vec<(u64, u64, FindingKind)> {
        let config = HealthConfig { long_line_chars: 20, max_findings_per_kind: 3 };
        let mut f = FileFindings::new("x.c", &config);
        scan_text(text, &mut f);
        f.finish().0.iter().map(|f| (f.line.unwrap_or(0), f.column.unwrap_or(0), f.kind)).collect()
    }

    #[test]
    fn finds_each_kind_at_its_position() {
        assert_eq!(scan("int a;\n  /* \u{202E} x */\n"), [(2, 6, FindingKind::BidiControl)]);
        assert_eq!(scan("a\u{200B}b\n"), [(1, 2, FindingKind::InvisibleChar)]);
        assert_eq!(scan("ok\n\tx\x1b[31m\n"), [(2, 3, FindingKind::ControlChar)]);
        assert_eq!(scan("ok\r\n\u{e9}\x7f\n"), [(2, 2, FindingKind::ControlChar)]);
        assert_eq!(scan("int v\u{0430}lue = 1;\n"), [(1, 5, FindingKind::MixedScriptIdentifier)]);
        assert_eq!(scan("x\n\n123456789012345678901\n"), [(3, 21, FindingKind::LongLine)]);
        assert_eq!(scan("// \u{0416}\u{0438}\u{0437}\u{043d}\u{044c} Привет\nint café = 1;\n"), []);
        assert_eq!(scan("int a;\r\nint b;\n"), []);
    }

    #[test]
    fn caps_findings_per_kind_and_counts_the_rest() {
        let found = scan("\x01\x01\x01\x01\x01\n");
        assert_eq!(found.len(), 4);
        assert_eq!(found.last(), Some(&(0, 0, FindingKind::ControlChar)));
    }

    #[test]
    fn collisions() {
        let paths: Vec<String> = ["a/Makefile", "a/makefile", "caf\u{e9}.c", "cafe\u{301}.c", "b.c"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let f = path_collisions(&paths);
        let kinds: Vec<_> = f.iter().map(|f| (f.path.as_str(), f.kind)).collect();
        assert_eq!(
            kinds,
            [
                ("a/Makefile", FindingKind::CaseCollision),
                ("a/makefile", FindingKind::CaseCollision),
                ("cafe\u{301}.c", FindingKind::NormalizationCollision),
                ("caf\u{e9}.c", FindingKind::NormalizationCollision),
            ]
        );
    }
}

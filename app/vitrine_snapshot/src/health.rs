//! The snapshot health report: everything in the snapshot that could hide something from a reader.
//!
//! Findings carry a path, a 1-based line and a 1-based column counted in Unicode characters (file-level
//! findings have neither), a kind and a human detail. Per file and kind, at most
//! [`HealthConfig::max_findings_per_kind`] are listed; the rest are summed up in one last finding, so a
//! minified file cannot drown the report, and nothing is dropped without being counted.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;
use unicode_normalization::UnicodeNormalization;

use crate::path::RelPath;
use crate::terminators::{LineRules, line_rules, unicode_escape_newlines};
use crate::text::{Suspicious, describe, suspicious};

/// What a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingKind {
    /// A bidirectional control character (Trojan Source, CVE-2021-42574) in the text or in a path: it
    /// can reorder what a reader sees.
    BidiControl,
    /// A format character (general category Cf) or default-ignorable code point (U+200B, U+FEFF inside
    /// a line, variation selectors, tag characters, U+1D173, …) in the text or in a path; in a path also
    /// a blank other than the ASCII space (U+00A0, U+3000, U+2800, …), or a space at either end of a
    /// name.
    InvisibleChar,
    /// An identifier whose letters come from more than one script (Latin with a Cyrillic `а`): a
    /// look-alike of another name.
    MixedScriptIdentifier,
    /// A C0 or C1 control character other than tab, newline, form feed and the CR of a CRLF in the text
    /// (terminal escapes, backspace, NEL in C, …), a form feed inside a Python line's indentation (where
    /// it moves the line to another block), or any control character (tab and line feed too) or line
    /// separator in a path.
    ControlChar,
    /// A line longer than [`HealthConfig::long_line_chars`] characters, where code can hide past the
    /// edge of the view.
    LongLine,
    /// The file holds a NUL byte: not indexed and not scanned.
    Binary,
    /// Text in an encoding other than UTF-8 (decoded for display), or a path that is not valid UTF-8.
    NonUtf8,
    /// Text above the size limit: hashed and listed, not indexed (see [`crate::ContentClass::TooLarge`]).
    TooLarge,
    /// The file says it is generated or looks minified (see [`crate::ContentClass::Generated`]).
    Generated,
    /// A `.git` directory at the root or deeper: its files are listed but left out of the tree ids, as
    /// git leaves them out.
    NestedRepo,
    /// A symlink pointing inside the snapshot: recorded as data, never followed.
    Symlink,
    /// Names that a case-insensitive file system takes as one (letter case by full Unicode case
    /// folding, ignored characters, Win32's trailing dots and spaces and `:stream` suffixes), so a
    /// checkout there keeps only one of them.
    CaseCollision,
    /// Names in one directory that differ only by Unicode normalisation: one file on macOS.
    NormalizationCollision,
    /// A path component that stock git refuses (an NTFS alias of `.git` such as `.GIT.` or `git~1`):
    /// listed, left out of the tree ids.
    GitRefusedPath,
    /// A device file, FIFO or socket in a directory snapshot: not read, not in the tree ids.
    SpecialFile,
    /// Not produced by ingest (a file that cannot be read refuses the whole snapshot); kept for its
    /// place in [`FindingKind::ALL`], which the ingest cache stores.
    Unreadable,
    /// The root `.git` could not be read (so HEAD could not be checked).
    GitMetadata,
    /// A line terminator the file's language honours and the viewer does not (a lone CR in C, U+2028 in
    /// JavaScript, …): code after it is live while the view shows it inside a comment.
    LineTerminator,
    /// A symlink to an absolute path: recorded as data, never followed.
    SymlinkAbsolute,
    /// A symlink whose target climbs out of the snapshot root: recorded as data, never followed.
    SymlinkEscapes,
    /// Names in one directory that look alike (the same Unicode TS #39 confusable skeleton: `auth.py`
    /// and `аuth.py` with a Cyrillic `а`, `lib` and `Iib`) but are different names: a decoy beside the
    /// file that is built.
    LookalikeNames,
    /// A file or directory whose mode has the setuid, setgid or sticky bit (shown in the finding's full
    /// mode): git and the tree ids record only 100644 or 100755, but extractors running as root (GNU tar,
    /// bsdtar, `unzip -K`) and copies that keep modes (`cp -a`, `rsync -a`, Docker's `COPY`) keep the
    /// bit, so the file runs with its owner's privileges. Also a file whose group or others may execute
    /// it and its owner may not (0645, 0654): git, GNU tar and unzip go by the owner's bit (100644), pip's
    /// unpacker by any execute bit (0755).
    SpecialMode,
    /// A name Windows cannot create as written, so a checkout or an extraction there (Git for Windows
    /// refuses the path) holds another tree than the one shown: a reserved device name with any
    /// extension (`aux.c`, `CON`, `com1.h`, `lpt²`), a character Win32 forbids in names (`<>:"|?*\`),
    /// a trailing dot, or a name shaped like the 8.3 short name (`VERYLO~1.C`) of a longer name beside
    /// it, which opens that other file where short names are on; also a name starting with `-`, which
    /// command-line tools (sha256sum, git, tar) read as an option (`-` alone: standard input).
    UnportableName,
    /// Two members of a tar archive that are one path once the first path component is dropped, as npm
    /// (`strip: 1`, for every package) and `tar --strip-components=1` extract: the later member is
    /// written over the earlier one, which may be the one reviewed (`package/lib/auth.js` under a later
    /// `docs/lib/auth.js`).
    StripCollision,
    /// A `.gitattributes` line (any directory, or `.git/info/attributes`) that makes the shipped or
    /// checked-out bytes differ from the ones shown: `export-subst` (`git archive` replaces
    /// `$Format:…$` with commit data, which can close a comment and add code), `export-ignore` (a file
    /// left out of the release tarball, so `__has_include` flips) or `filter=` (a command run on
    /// checkout); named with the files it decides for. Each `$Format:…$` placeholder in a file under
    /// `export-subst` is one too, where it is.
    AttributeRewrite,
    /// A `.gitattributes` line that converts bytes on checkout or hides a diff: `ident`, `text`/`eol`/
    /// `crlf`, `working-tree-encoding`, `-diff`, diff and merge drivers; named with its files.
    AttributeConversion,
    /// A build file read before another in its directory (`GNUmakefile` before `makefile` and
    /// `Makefile`, `makefile` before `Makefile`, `BSDmakefile` under BSD make): the file beside it is
    /// not the one `make` runs. Also a tool's configuration that runs a file of the snapshot in place of
    /// the program its recipes or scripts name (make's `SHELL`, `.SHELLFLAGS`, `CC`…, CMake's compiler
    /// launchers, npm's `script-shell`) and `pyproject.toml`'s in-tree build backend, on the setting's
    /// line, naming the file (see `crate::toolruns`).
    BuildShadow,
    /// A build file (makefile, CMake, meson, shell script) whose commands edit a source of the snapshot
    /// in place, write over one, or generate a source that is compiled (`sed -i`, `perl -pi`, `patch`,
    /// `> x.c`, `cp … x.c`, `configure_file`, `file(WRITE …)`): one finding per file naming the lines.
    /// Also `//go:generate` lines, `package.json` scripts, `setup.py`/`hatch_build.py` and Cargo's
    /// `build.rs` that write over a source (see `crate::buildhooks`).
    BuildRewrite,
    /// A C or C++ spelling that the compiler's translation phases rewrite before it finds comments,
    /// directives and names, so the lines shown are not the ones compiled (see [`crate::disguise`]): a
    /// backslash-newline inside a name, a number or a punctuator, at the end of a `//` comment, inside
    /// a comment's `*/` or between `#` and a directive's name; a trigraph; a `%:` digraph; a comment
    /// between `#` and a directive's name.
    LexicalDisguise,
    /// An identifier in code spelled with escapes (C/C++/C# universal character names `\u0430`,
    /// `\U00000430`; Java and JavaScript `\u` escapes): the compiler reads another name than the text
    /// shows (`check_p\u0430ss` is `check_pаss` with a Cyrillic `а`), and a search for either spelling
    /// misses the other. The detail names the decoded name and what else it is (mixed-script, a
    /// look-alike of an ASCII name).
    EscapedIdentifier,
    /// A non-ASCII identifier in code that reads as an ASCII one: each character is ASCII after NFKC
    /// (full-width `ｉｓ_ａｄｍｉｎ`, mathematical `𝚒𝚜_𝚊𝚍𝚖𝚒𝚗`) or after the UTS #39 confusable
    /// mapping (whole-Cyrillic `ехес`), though the name is another one. The detail names the ASCII
    /// name it looks like and where this file uses that name.
    ConfusableIdentifier,
    /// Bytes that tools reading bytes take for other text than the decoded view shows (see
    /// `crate::encoded`): a character of a legacy multi-byte encoding (Shift_JIS, GBK, Big5) whose second
    /// byte is a `\` before a line break (GCC, `sh` and `make` splice the next line onto it) or before a
    /// quote, or a UTF-16 byte-order mark on a file that is not UTF-16 text; also a Python coding
    /// declaration (PEP 263) naming a codec that does not read ASCII as ASCII (`utf-7`,
    /// `unicode_escape`, `hz`, `iso2022_*`, EBCDIC, …), and each line CPython then reads otherwise
    /// (see [`crate::pycookie`]).
    EncodingDisguise,
    /// A file whose name is not a C or C++ source's (`data/crc32_table.txt`, `ops.inc`, `Rules`) that a
    /// C or C++ file includes (`#include "…"`, or a macro holding the name): the compiler reads it as
    /// code. Vitrine reads it as its includer's language too (definitions, calls, `in:code`); the
    /// finding says where it is included, since its name says "data". See [`crate::includes`].
    IncludedAsCode,
    /// A compiled file that a toolchain uses instead of the source shown beside it, or as code no
    /// source shows (see `compiled.rs`): GCC's `X.gch` for `#include "X"`, CPython's
    /// `__pycache__/X.*.pyc` for `X.py` (the pyc's header mode named), a sourceless `X.pyc`, Java's
    /// `X.class` beside `X.java`, `X.elc`, `X.beam`.
    CompiledShadow,
    /// A C or C++ `#define` of a keyword that decides control flow or a size (`#define if(c) if
    /// (!(c))`, `return`, `sizeof`, …) or of `true`, `false`, `NULL` with another value than the standard
    /// one: every use after it, in this file and in those that include it, means what the macro says.
    /// See `crate::keywords` (portability spellings such as `#define inline __inline__` are left out).
    /// In a shell script, a function or alias named like a builtin or a command checks rely on
    /// (`gpg() {…}`, `alias openssl=true`, `test() { return 0; }`; see `crate::shellnames`).
    KeywordMacro,
    /// Code of another language inside a file, compiled with it: the cgo preamble of a Go file (the
    /// comment right above `import "C"`, which `go build` compiles as C). Not deceptive by itself (cgo
    /// is common); the finding tells the reviewer that the comment is code, which Vitrine reads as C.
    /// See [`crate::cgo`].
    EmbeddedCode,
    /// A Python file that an `import` loads instead of the one a reader takes it to name: a module
    /// named like a standard-library module beside a script importing that name (the script's
    /// directory comes first on `sys.path`), or a package `X/__init__.py` beside a module `X.py` (the
    /// package wins). On the file Python loads, naming the other. See `crate::pyshadow`.
    ImportShadow,
    /// Python code run at every interpreter start-up: a line of a `.pth` file starting with `import`
    /// (executed by `site`), a shipped `sitecustomize.py` or `usercustomize.py`. See `crate::pyshadow`.
    /// Also a file of the snapshot a tool's configuration loads before any program: make's exported
    /// `BASH_ENV`/`ENV`, `.npmrc` `node-options` `--require`/`--import`/`--loader` (`crate::toolruns`).
    StartupHook,
    /// A C or C++ `#include` whose operand is neither `"…"` nor `<…>` after the file's own macros are
    /// expanded (`#include TRACE_INCLUDE(TRACE_FILE)` with a macro of another file): the file it opens
    /// is not followed, so code it brings is neither `included-as-code` nor read. See
    /// [`crate::includes::unresolved_includes`]. Also a Python `exec(open(…).read())`/`run_path`/
    /// `SourceFileLoader` or a Node `eval`/`vm`/`new Function` of `fs.readFileSync(…)` whose file name
    /// is computed at run time ([`crate::includes::computed_exec_loads`]).
    UnresolvedInclude,
    /// Two headers guarded by the same macro (`#ifndef X` / `#define X` … `#endif` around the whole
    /// file): in a translation unit that includes both, the second one included is empty to the
    /// compiler, so its definitions, shown as live, are not compiled (a fallback elsewhere applies).
    SharedIncludeGuard,
    /// Headers of one directory guarded by one macro that is named after none of them (or after each):
    /// alternatives for other platforms, compilers or sizes, of which a dispatching header includes
    /// one (`fiber_fcontext.hpp`, `fiber_ucontext.hpp` and `fiber_winfib.hpp` guarded by
    /// `BOOST_CONTEXT_FIBER_H`). Informational: a translation unit that includes two of them gets the
    /// second empty, as with [`FindingKind::SharedIncludeGuard`], whose guard is one file's own.
    AlternativeHeaders,
}

impl FindingKind {
    /// Every kind, in declaration order (the ingest cache stores kinds by their place here).
    pub const ALL: [FindingKind; 41] = [
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
        FindingKind::GitMetadata,
        FindingKind::LineTerminator,
        FindingKind::SymlinkAbsolute,
        FindingKind::SymlinkEscapes,
        FindingKind::LookalikeNames,
        FindingKind::SpecialMode,
        FindingKind::UnportableName,
        FindingKind::StripCollision,
        FindingKind::AttributeRewrite,
        FindingKind::AttributeConversion,
        FindingKind::BuildShadow,
        FindingKind::BuildRewrite,
        FindingKind::LexicalDisguise,
        FindingKind::EscapedIdentifier,
        FindingKind::ConfusableIdentifier,
        FindingKind::EncodingDisguise,
        FindingKind::IncludedAsCode,
        FindingKind::CompiledShadow,
        FindingKind::KeywordMacro,
        FindingKind::EmbeddedCode,
        FindingKind::ImportShadow,
        FindingKind::StartupHook,
        FindingKind::UnresolvedInclude,
        FindingKind::SharedIncludeGuard,
        FindingKind::AlternativeHeaders,
    ];

    /// The kebab-case name used in JSON output, in [`HealthReport::counts`] and on screen (the serde
    /// name).
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
            FindingKind::GitMetadata => "git-metadata",
            FindingKind::LineTerminator => "line-terminator",
            FindingKind::SymlinkAbsolute => "symlink-absolute",
            FindingKind::SymlinkEscapes => "symlink-escapes",
            FindingKind::LookalikeNames => "lookalike-names",
            FindingKind::SpecialMode => "special-mode",
            FindingKind::UnportableName => "unportable-name",
            FindingKind::StripCollision => "strip-collision",
            FindingKind::AttributeRewrite => "attribute-rewrite",
            FindingKind::AttributeConversion => "attribute-conversion",
            FindingKind::BuildShadow => "build-shadow",
            FindingKind::BuildRewrite => "build-rewrite",
            FindingKind::LexicalDisguise => "lexical-disguise",
            FindingKind::EscapedIdentifier => "escaped-identifier",
            FindingKind::ConfusableIdentifier => "confusable-identifier",
            FindingKind::EncodingDisguise => "encoding-disguise",
            FindingKind::IncludedAsCode => "included-as-code",
            FindingKind::CompiledShadow => "compiled-shadow",
            FindingKind::KeywordMacro => "keyword-macro",
            FindingKind::EmbeddedCode => "embedded-code",
            FindingKind::ImportShadow => "import-shadow",
            FindingKind::StartupHook => "startup-hook",
            FindingKind::UnresolvedInclude => "unresolved-include",
            FindingKind::SharedIncludeGuard => "shared-include-guard",
            FindingKind::AlternativeHeaders => "alternative-headers",
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
                | FindingKind::LineTerminator
                | FindingKind::LookalikeNames
                | FindingKind::StripCollision
                | FindingKind::AttributeRewrite
                | FindingKind::LexicalDisguise
                | FindingKind::EscapedIdentifier
                | FindingKind::ConfusableIdentifier
                | FindingKind::EncodingDisguise
                | FindingKind::IncludedAsCode
                | FindingKind::CompiledShadow
                | FindingKind::KeywordMacro
                | FindingKind::ImportShadow
                | FindingKind::StartupHook
                | FindingKind::SharedIncludeGuard
        )
    }
}

/// One thing a reviewer should know about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The file or directory it is about, as [`crate::RelPath::display`] renders it.
    pub path: String,
    /// 1-based line, for findings inside a text file.
    pub line: Option<u64>,
    /// 1-based column in Unicode characters, for findings inside a text file.
    pub column: Option<u64>,
    /// What it is about.
    pub kind: FindingKind,
    /// One sentence for the reviewer, naming the character, target or names involved.
    pub detail: String,
}

impl Finding {
    /// A finding about a whole file or directory (no line, no column).
    pub fn file_level(path: &str, kind: FindingKind, detail: impl Into<String>) -> Finding {
        Finding { path: path.to_owned(), line: None, column: None, kind, detail: detail.into() }
    }
}

/// The [`FindingKind::SpecialMode`] finding for `path` when the permission bits `mode` (`& 0o7777`) hold
/// the setuid, setgid or sticky bit, or (for a file) execute bits for group or others without the
/// owner's; `directory` says which file type the full mode shows.
pub fn special_mode_finding(path: &str, mode: u32, directory: bool) -> Option<Finding> {
    let perms = mode & 0o7777;
    // git (the tree ids), GNU tar and unzip make a file executable by the owner's bit; pip's unpacker
    // by any execute bit (`mode & 0o111`). They part ways only when the owner's bit is clear.
    let others_execute = !directory && perms & 0o100 == 0 && perms & 0o011 != 0;
    if perms & 0o7000 == 0 && !others_execute {
        return None;
    }
    let bits: Vec<&str> = [(0o4000, "setuid"), (0o2000, "setgid"), (0o1000, "sticky")]
        .into_iter()
        .filter(|(bit, _)| perms & bit != 0)
        .map(|(_, name)| name)
        .collect();
    let (full, git) = if directory {
        (0o040000 | perms, "git records no directory modes")
    } else if perms & 0o100 != 0 {
        (0o100000 | perms, "git and the tree ids record only 100755")
    } else {
        (0o100000 | perms, "git and the tree ids record only 100644")
    };
    let mut sentences = Vec::new();
    if !bits.is_empty() {
        sentences.push(format!(
            "mode {full:o} ({}): extractors running as root (GNU tar, bsdtar, unzip -K) and copies that keep \
             modes (cp -a, rsync -a, Docker COPY) keep {}; {git}",
            bits.join(", "),
            if bits.len() == 1 { "the bit" } else { "the bits" }
        ));
    }
    if others_execute {
        let who = match (perms & 0o010 != 0, perms & 0o001 != 0) {
            (true, true) => "group and others",
            (true, false) => "the group",
            _ => "others",
        };
        sentences.push(format!(
            "mode {full:o}: {who} may execute it but not its owner; git and the tree ids (100644), GNU tar and \
             unzip go by the owner's bit and show it not executable, while pip's unpacker tests `mode & 0o111` \
             and writes it 0755, executable"
        ));
    }
    Some(Finding::file_level(path, FindingKind::SpecialMode, sentences.join("; also ")))
}

/// Finds the members of a tar archive that are one path once the first path component is dropped, as
/// npm extracts every package (`strip: 1`) and build scripts run `tar --strip-components=1`: given the
/// members in archive order, each one that lands where an earlier one did is a
/// [`FindingKind::StripCollision`] on the earlier member (the one a reviewer reads, and the one the
/// extractor overwrites), naming both. Members at the top level are dropped by such an extraction and
/// take no part. Memory is one copy of each member path.
#[derive(Debug, Default)]
pub struct StripCollisions {
    /// The path without its first component -> the last member written there.
    written: HashMap<Vec<u8>, Vec<u8>>,
}

impl StripCollisions {
    /// Takes the next member (a file or a link, in archive order) by its normalised path; returns the
    /// finding when an earlier member lands on the same path.
    pub fn member(&mut self, path: &[u8]) -> Option<Finding> {
        let slash = memchr::memchr(b'/', path)?;
        let stripped = path.get(slash + 1..).filter(|rest| !rest.is_empty())?;
        let earlier = self.written.insert(stripped.to_vec(), path.to_vec())?;
        let shown = crate::path::display_bytes(&earlier);
        Some(Finding::file_level(
            &shown,
            FindingKind::StripCollision,
            format!(
                "`{shown}` and the later member `{}` are both `{}` once the first directory is dropped, as npm \
                 (`strip: 1`, for every package) and `tar --strip-components=1` extract: they write `{}` \
                 last, over this file",
                crate::path::display_bytes(path),
                crate::path::display_bytes(stripped),
                crate::path::display_bytes(path),
            ),
        ))
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
    /// Number of files in the snapshot (regular files and symlinks), as in [`crate::TreeIds::files`].
    pub files: u64,
    /// Number of files per class (`text`, `binary`, …).
    pub classes: BTreeMap<String, u64>,
    /// Number of findings per kind, including those summed up and not listed one by one.
    pub counts: BTreeMap<String, u64>,
    /// Every listed finding, sorted by path, line, column and kind; per file and kind, those beyond
    /// [`HealthConfig::max_findings_per_kind`] are summed up in one file-level finding.
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
    /// The findings listed so far (at most [`HealthConfig::max_findings_per_kind`] per kind).
    pub findings: Vec<Finding>,
    per_kind: HashMap<FindingKind, u64>,
}

impl<'a> FileFindings<'a> {
    /// Starts collecting for the file `path` (as displayed), capped by `config`.
    pub fn new(path: &'a str, config: &'a HealthConfig) -> FileFindings<'a> {
        FileFindings { path, config, findings: Vec::new(), per_kind: HashMap::new() }
    }

    /// Counts a finding of `kind` at the 1-based `line` and `column` (characters); lists it only while
    /// the kind is under the cap, so `detail` is built only for listed findings.
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

    /// The thresholds findings are collected under.
    pub(crate) fn config(&self) -> &HealthConfig {
        self.config
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

/// Scans decoded text for suspicious characters, line terminators the file's language honours and the
/// viewer does not, mixed-script identifiers and long lines.
pub fn scan_text(text: &str, out: &mut FileFindings<'_>) {
    let syntax = crate::idents::syntax_for(out.path, text);
    let path = out.path;
    scan_text_with(text, path, line_rules(path, text), syntax, out);
}

/// [`scan_text`] as if the file were named `as_named` (a file another loads as code under a data
/// name, [`crate::includes`]: `CodeLanguage::as_named`): every rule chosen by a name (line rules,
/// identifier syntax, make's and Tcl's continued comments) is the one a file so named gets.
pub fn scan_text_as(text: &str, as_named: &str, out: &mut FileFindings<'_>) {
    let syntax = crate::idents::syntax_for(as_named, text);
    scan_text_with(text, as_named, line_rules(as_named, text), syntax, out);
}

/// C's checks that a C text embedded in a file of another language needs beyond that file's own scan
/// (a Go file's cgo preamble, [`crate::cgo`]): the lexical disguises, keyword macros and the identifier checks, over
/// `view`, the file with everything but the C text blanked (same lines and columns). The characters
/// themselves (bidi controls, invisible ones) were reported by the file's own scan.
pub(crate) fn scan_embedded_c(view: &str, out: &mut FileFindings<'_>) {
    let c = crate::idents::C;
    push_disguises(view, crate::disguise::disguises(view.as_bytes()), out);
    crate::keywords::scan(view, out);
    push_disguises(view, crate::idents::lexical_disguises(view.as_bytes(), c), out);
    if !view.is_ascii() || crate::idents::ascii_needs_scan(crate::idents::C, view.as_bytes()) {
        crate::idents::scan(view, crate::idents::C, out);
    }
}

fn scan_text_with(
    text: &str,
    named: &str,
    rules: Option<LineRules>,
    syntax: Option<crate::idents::Syntax>,
    out: &mut FileFindings<'_>,
) {
    if rules.is_some_and(|r| r.splices) {
        push_disguises(text, crate::disguise::disguises(text.as_bytes()), out);
        crate::keywords::scan(text, out);
    }
    if let Some(syntax) = syntax {
        push_disguises(text, crate::idents::lexical_disguises(text.as_bytes(), syntax), out);
    }
    push_disguises(text, crate::scriptlex::disguises(named, text.as_bytes()), out);
    crate::shellnames::scan(named, text, out);
    scan_continued_comments(text, named, rules, out);
    if text.is_ascii() {
        scan_ascii(text.as_bytes(), rules, out);
        if let Some(syntax) = syntax.filter(|&s| crate::idents::ascii_needs_scan(s, text.as_bytes())) {
            crate::idents::scan(text, syntax, out);
        }
        return;
    }
    if let Some(syntax) = syntax {
        crate::idents::scan(text, syntax, out);
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
            let Some(kind) = suspicious(c) else { continue };
            let column = Some(col as u64 + 1);
            match (rules.filter(|r| r.ends_line(c)), kind) {
                (Some(r), _) => out.push(Some(line_no), column, FindingKind::LineTerminator, || r.detail(c)),
                (None, Suspicious::LineBreak) => {}
                (None, Suspicious::Bidi) => {
                    out.push(Some(line_no), column, FindingKind::BidiControl, || describe(c))
                }
                (None, Suspicious::Invisible) => {
                    out.push(Some(line_no), column, FindingKind::InvisibleChar, || describe(c))
                }
                (None, Suspicious::Control) => {
                    out.push(Some(line_no), column, FindingKind::ControlChar, || describe(c))
                }
                // Only names have blanks flagged (`name_suspicious`).
                (None, Suspicious::Blank) => {}
            }
        }
        if rules.is_some_and(|r| r.form_feed_indent)
            && let Some(at) = crate::terminators::indent_form_feed(line.as_bytes())
        {
            // The indentation is ASCII: its byte offset is its column.
            out.push(Some(line_no), Some(at as u64 + 1), FindingKind::ControlChar, || {
                crate::terminators::INDENT_FORM_FEED.to_owned()
            });
        }
        if rules.is_some_and(|r| r.unicode_escapes) {
            for at in unicode_escape_newlines(line.as_bytes()) {
                let column = line.get(..at).map_or(0, |l| l.chars().count()) as u64 + 1;
                out.push(Some(line_no), Some(column), FindingKind::LineTerminator, || {
                    java_escape_detail(line.as_bytes(), at)
                });
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

/// Reports disguised spellings (byte offset, detail; in order: [`crate::disguise::disguises`] and
/// the per-language ones of `idents::lexical_disguises`) at their line and column (in characters).
fn push_disguises(text: &str, found: Vec<(usize, String)>, out: &mut FileFindings<'_>) {
    let mut line_no = 1u64;
    let mut line_start = 0usize;
    let mut scanned = 0usize;
    for (at, detail) in found {
        let upto = text.as_bytes().get(scanned..at).unwrap_or_default();
        for nl in memchr::memchr_iter(b'\n', upto) {
            line_no += 1;
            line_start = scanned + nl + 1;
        }
        scanned = at;
        let column = text.get(line_start..at).map_or(0, |l| l.chars().count()) as u64 + 1;
        out.push(Some(line_no), Some(column), FindingKind::LexicalDisguise, || detail);
    }
}

/// Reports comments that a backslash-newline continues onto a line that reads as code, in makefiles
/// (by name) and Tcl (see `crate::continued`); other files are not read for it.
fn scan_continued_comments(text: &str, named: &str, rules: Option<LineRules>, out: &mut FileFindings<'_>) {
    let lang = if crate::shipped::is_make_file(named.as_bytes()) {
        crate::continued::Lang::Make
    } else if rules.is_some_and(|r| r.language == "Tcl") {
        crate::continued::Lang::Tcl
    } else {
        return;
    };
    if !crate::continued::may_continue(text.as_bytes()) {
        return;
    }
    for c in crate::continued::continued_comments(text, lang) {
        out.push(Some(c.line), Some(c.column), FindingKind::LexicalDisguise, || c.detail);
    }
}

fn java_escape_detail(line: &[u8], at: usize) -> String {
    let us = line.get(at + 1..).map_or(0, |r| r.iter().take_while(|&&b| b == b'u').count());
    let escape = String::from_utf8_lossy(line.get(at..at + 1 + us + 4).unwrap_or_default()).into_owned();
    format!(
        "`{escape}` is a line break for javac, which reads Unicode escapes before comments (code after it is live even inside a `//` comment); the viewer does not break the line"
    )
}

/// The ASCII fast path: only control characters, lone CRs, Java escapes and long lines are possible.
fn scan_ascii(bytes: &[u8], rules: Option<LineRules>, out: &mut FileFindings<'_>) {
    let is_control = |b: u8| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C)) || b == 0x7F;
    let has_control = bytes.chunks(4096).any(|chunk| chunk.iter().fold(false, |acc, &b| acc | is_control(b)));
    let lone_cr = rules.filter(|r| r.lone_cr).filter(|_| {
        memchr::memchr_iter(b'\r', bytes).any(|i| i + 1 < bytes.len() && bytes.get(i + 1) != Some(&b'\n'))
    });
    let escapes = rules.is_some_and(|r| r.unicode_escapes) && memchr::memmem::find(bytes, b"\\u").is_some();
    let form_feeds = rules.is_some_and(|r| r.form_feed_indent) && memchr::memchr(0x0C, bytes).is_some();
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
        if let Some(r) = lone_cr {
            for col in memchr::memchr_iter(b'\r', line) {
                out.push(Some(line_no), Some(col as u64 + 1), FindingKind::LineTerminator, || r.detail('\r'));
            }
        }
        if form_feeds && let Some(at) = crate::terminators::indent_form_feed(line) {
            out.push(Some(line_no), Some(at as u64 + 1), FindingKind::ControlChar, || {
                crate::terminators::INDENT_FORM_FEED.to_owned()
            });
        }
        if escapes {
            for at in unicode_escape_newlines(line) {
                out.push(Some(line_no), Some(at as u64 + 1), FindingKind::LineTerminator, || {
                    java_escape_detail(line, at)
                });
            }
        }
        if line.len() > long {
            out.push(Some(line_no), Some(long as u64 + 1), FindingKind::LongLine, || {
                format!("line of {} characters", line.len())
            });
        }
    };
    let any = has_control || lone_cr.is_some() || escapes || form_feeds;
    for nl in memchr::memchr_iter(b'\n', bytes) {
        let line = bytes.get(start..nl).unwrap_or_default();
        if any || line.len() > long {
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

/// Reports identifiers whose letters come from more than one script (e.g. Latin with a Cyrillic `а`),
/// by UTS #39's resolved script set (Han with Hiragana and Katakana is one Japanese set, with Hangul one
/// Korean set, with Bopomofo one), naming the ASCII name it looks like, if any.
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
        if crate::idents::is_mixed_script(ident) {
            out.push(Some(line_no), Some(col as u64 + 1), FindingKind::MixedScriptIdentifier, || {
                let mut s = format!(
                    "identifier `{ident}` mixes {}: {}",
                    crate::idents::script_names(ident),
                    crate::idents::shown(ident)
                );
                if let Some((ascii, _)) = crate::idents::ascii_lookalike(ident) {
                    s.push_str(&format!(
                        "; it looks like `{ascii}` (a search for `{ascii}` does not find it)"
                    ));
                }
                s
            });
        }
    }
}

/// Names listed in one collision finding; the rest of a group are counted.
const MAX_LISTED_NAMES: usize = 20;

/// Findings about the names themselves, in time and output linear in the total length of the paths:
///
/// - names that differ only by Unicode normalisation, or that a case-insensitive file system (macOS,
///   Windows, Linux casefold) takes as one (letter case by full Unicode case folding, ignored
///   characters, Win32's trailing dots and spaces and `:stream` suffixes: see `case_key`), collide
///   there, so what a reviewer reads may not be what builds.
///   Directories take part (a file `Foo` next to a directory `foo/`), and each group of colliding names
///   is one finding that lists them;
/// - a name holding a bidi control, an invisible or a control character, as the content rules say;
/// - a name that is not valid UTF-8 (shown with `\xNN` escapes).
pub fn path_findings<'a>(paths: impl IntoIterator<Item = &'a RelPath>) -> Vec<Finding> {
    // Every file and every directory above one, once, as a tree: a node is found from its parent's id
    // and its own name, and folded from its parent's folded form and its own name, so each path costs
    // work linear in its length, however deep (never a hash or fold of each ancestor's whole path).
    // Folding per name equals folding the whole path: `/` is ASCII, and neither NFC nor lower-casing
    // joins characters across it.
    struct Node<'p> {
        path: &'p [u8],
        is_dir: bool,
        /// Interned id of the NFC form of the whole path, of its case key ([`case_key`]) and of its
        /// compatibility key ([`compat_key`]).
        nfc: usize,
        case: usize,
        compat: usize,
        /// Interned id of the confusable skeleton of the whole path.
        look: usize,
    }
    const ROOT: usize = usize::MAX;
    let mut nodes: Vec<Node<'a>> = Vec::new();
    let mut index: HashMap<(usize, &'a [u8]), usize> = HashMap::new();
    let mut nfc_ids: HashMap<(usize, Vec<u8>), usize> = HashMap::new();
    let mut case_ids: HashMap<(usize, Vec<u8>), usize> = HashMap::new();
    let mut compat_ids: HashMap<(usize, Vec<u8>), usize> = HashMap::new();
    let mut look_ids: HashMap<(usize, Vec<u8>), usize> = HashMap::new();
    for p in paths {
        let bytes = p.as_bytes();
        let mut parent = ROOT;
        let mut start = 0;
        while start <= bytes.len() {
            let end = memchr::memchr(b'/', bytes.get(start..).unwrap_or_default())
                .map_or(bytes.len(), |i| start + i);
            let name = bytes.get(start..end).unwrap_or_default();
            let is_dir = end < bytes.len();
            start = end + 1;
            if let Some(&id) = index.get(&(parent, name)) {
                parent = id;
                continue;
            }
            let (up_nfc, up_case, up_compat, up_look) =
                nodes.get(parent).map_or((ROOT, ROOT, ROOT, ROOT), |n| (n.nfc, n.case, n.compat, n.look));
            let next = nfc_ids.len();
            let nfc = *nfc_ids.entry((up_nfc, nfc_key(name))).or_insert(next);
            let next = case_ids.len();
            let case = *case_ids.entry((up_case, case_key(name))).or_insert(next);
            let next = compat_ids.len();
            let compat = *compat_ids.entry((up_compat, compat_key(name))).or_insert(next);
            let next = look_ids.len();
            let look = *look_ids.entry((up_look, skeleton(name))).or_insert(next);
            let id = nodes.len();
            nodes.push(Node { path: bytes.get(..end).unwrap_or_default(), is_dir, nfc, case, compat, look });
            index.insert((parent, name), id);
            parent = id;
        }
    }
    drop(index);
    let mut findings = Vec::new();
    for node in &nodes {
        name_findings(node.path, node.is_dir, &mut findings);
    }
    short_name_findings(nodes.iter().map(|n| (n.path, n.is_dir)), &mut findings);
    let mut by_nfc: HashMap<usize, Vec<usize>> = HashMap::new();
    let mut by_case: HashMap<usize, Vec<usize>> = HashMap::new();
    let mut by_compat: HashMap<usize, Vec<usize>> = HashMap::new();
    let mut by_look: HashMap<usize, Vec<usize>> = HashMap::new();
    // Only paths holding a non-ASCII byte can share a key with another path (distinct ASCII paths
    // differ in NFC and NFKC, and ASCII case is folded alike), but which of two names is the ASCII one
    // does not matter: `Kconfig` and `\u{212A}config` (KELVIN SIGN) are one NFC name. So every path
    // takes part; a group is reported when it holds two distinct names, whatever its folded form.
    for (i, node) in nodes.iter().enumerate() {
        by_nfc.entry(node.nfc).or_default().push(i);
        by_case.entry(node.case).or_default().push(i);
        by_compat.entry(node.compat).or_default().push(i);
        by_look.entry(node.look).or_default().push(i);
    }
    // A group's names in path order (only groups of two or more are sorted, listed and counted).
    let sorted = |group: &mut Vec<usize>| {
        group.sort_unstable_by(|&a, &b| {
            let path = |i: usize| nodes.get(i).map(|n| n.path).unwrap_or_default();
            path(a).cmp(path(b))
        });
    };
    let listed = |group: &[usize]| -> String {
        let mut names: Vec<String> = group
            .iter()
            .take(MAX_LISTED_NAMES)
            .filter_map(|&i| nodes.get(i))
            .map(|n| spelled_name(n.path, n.is_dir))
            .collect();
        if group.len() > MAX_LISTED_NAMES {
            names.push(format!("and {} more", group.len() - MAX_LISTED_NAMES));
        }
        names.join(", ")
    };
    let first =
        |group: &[usize]| group.first().and_then(|&i| nodes.get(i)).map(|n| n.path).unwrap_or_default();
    for group in by_nfc.values_mut().filter(|g| g.len() > 1) {
        sorted(group);
        findings.push(Finding::file_level(
            &crate::path::display_bytes(first(group)),
            FindingKind::NormalizationCollision,
            format!(
                "{} names differ only by Unicode normalisation (one name on macOS): {}",
                group.len(),
                listed(group)
            ),
        ));
    }
    for group in by_case.values_mut().filter(|g| g.len() > 1) {
        // A group whose names are all one name after normalisation is reported as such, above.
        let distinct: HashSet<usize> = group.iter().filter_map(|&i| nodes.get(i)).map(|n| n.nfc).collect();
        if distinct.len() < 2 {
            continue;
        }
        sorted(group);
        findings.push(Finding::file_level(
            &crate::path::display_bytes(first(group)),
            FindingKind::CaseCollision,
            format!(
                "{} names are one name on a case-insensitive file system (letter case, Unicode case folding, ignored characters, Windows trailing dots and spaces or `:stream`): {}",
                group.len(),
                listed(group)
            ),
        ));
    }
    for group in by_compat.values_mut().filter(|g| g.len() > 1) {
        // A group whose names are one name on a case-insensitive file system is reported as such, above.
        let distinct: HashSet<usize> = group.iter().filter_map(|&i| nodes.get(i)).map(|n| n.case).collect();
        if distinct.len() < 2 {
            continue;
        }
        sorted(group);
        findings.push(Finding::file_level(
            &crate::path::display_bytes(first(group)),
            FindingKind::NormalizationCollision,
            format!(
                "{} names differ only by Unicode compatibility forms (NFKC: one name on ZFS with normalization=formKC or formKD): {}",
                group.len(),
                listed(group)
            ),
        ));
    }
    for group in by_look.values_mut().filter(|g| g.len() > 1) {
        // Names that are one name but for case or normalisation are reported as such, above.
        let case: HashSet<usize> = group.iter().filter_map(|&i| nodes.get(i)).map(|n| n.case).collect();
        let compat: HashSet<usize> = group.iter().filter_map(|&i| nodes.get(i)).map(|n| n.compat).collect();
        if case.len() < 2 || compat.len() < 2 {
            continue;
        }
        sorted(group);
        findings.push(Finding::file_level(
            &crate::path::display_bytes(first(group)),
            FindingKind::LookalikeNames,
            format!(
                "{} names look alike (the same Unicode confusable skeleton, UTS #39) but are different names: {}",
                group.len(),
                listed(group)
            ),
        ));
    }
    findings.sort_by(|a, b| (&a.path, a.kind).cmp(&(&b.path, b.kind)));
    findings
}

/// A name listed in a collision or look-alike finding: quoted, and when it holds a non-ASCII character,
/// followed by its spelling with each of them as `<U+XXXX>`, since the names of such a group are drawn
/// alike (`` `src/Kconfig` [src/<U+212A>config] `` for KELVIN SIGN beside `` `src/Kconfig` ``).
fn spelled_name(path: &[u8], is_dir: bool) -> String {
    let shown = crate::path::display_bytes(path);
    let slash = if is_dir { "/" } else { "" };
    if shown.is_ascii() {
        return format!("`{shown}{slash}`");
    }
    let spelled: String = shown
        .chars()
        .map(|c| if c.is_ascii() { c.to_string() } else { format!("<U+{:04X}>", u32::from(c)) })
        .collect();
    format!("`{shown}{slash}` [{spelled}{slash}]")
}

/// The UTS #39 confusable skeleton of a name (default-ignorable characters dropped, each character
/// replaced by its prototype: Cyrillic `а` by `a`, `1` and `I` by `l`, U+00A0 by a space), with each
/// invalid byte kept behind a 0xFF marker as in [`nfc_key`]. Two names with one skeleton look alike.
fn skeleton(name: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(name.len());
    for chunk in name.utf8_chunks() {
        let mut buf = [0u8; 4];
        for c in unicode_security::skeleton(chunk.valid()) {
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
        for &b in chunk.invalid() {
            out.extend_from_slice(&[0xFF, b]);
        }
    }
    out
}

/// A name with its valid UTF-8 runs in NFC; each invalid byte is kept behind a 0xFF marker, which valid
/// UTF-8 never holds, so it cannot meet a character.
fn nfc_key(name: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(name.len());
    for chunk in name.utf8_chunks() {
        let valid = chunk.valid();
        if valid.is_ascii() {
            out.extend_from_slice(valid.as_bytes());
        } else {
            out.extend(valid.nfc().collect::<String>().bytes());
        }
        for &b in chunk.invalid() {
            out.extend_from_slice(&[0xFF, b]);
        }
    }
    out
}

/// One name as the case-insensitive file systems see it: two names with one key are one file on at
/// least one of them, and whichever is written last is what is there. The key takes in what each does:
///
/// - Win32 (every extractor that hands names to `CreateFileW` unchanged): `name:stream[:type]` names a
///   stream of the file `name` (`x::$DATA` is its content, `dir::$INDEX_ALLOCATION` the directory), and
///   trailing dots and spaces are stripped (`main.rs.` is `main.rs`); a name that is only those is left
///   whole;
/// - HFS+ and Linux casefold before 6.13 ignore default-ignorable characters (`ma\u{200C}in.c`);
/// - APFS, HFS+ and Linux casefold compare canonically equivalent names as one (NFD);
/// - ext4/f2fs casefold and APFS compare by full Unicode case folding (`ſ` is `s`, `ς` is `σ`, `ß` is
///   `ss`), NTFS by its upper-case table, one character for one (`ı` is `I`, so `i`): each character is
///   upper-cased, lower-cased and folded (std's tables and `unicase`'s `CaseFolding.txt`), which joins
///   every pair any of these mappings joins (a test checks every code point).
///
/// Valid UTF-8 runs come out in NFC; each invalid byte is kept behind a 0xFF marker, as in [`nfc_key`].
fn case_key(name: &[u8]) -> Vec<u8> {
    let base = name.split(|&b| b == b':').next().unwrap_or(name);
    let end = base.iter().rposition(|&b| b != b'.' && b != b' ').map_or(0, |i| i + 1);
    let name = match base.get(..end) {
        Some(stripped) if !stripped.is_empty() => stripped,
        _ => name,
    };
    case_fold(name)
}

/// The case-folding half of [`case_key`] (default-ignorable characters dropped, NFD, upper then lower
/// case, full case folding, NFC; invalid bytes behind 0xFF), without Win32's name rewriting.
fn case_fold(name: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(name.len());
    for chunk in name.utf8_chunks() {
        let valid = chunk.valid();
        if valid.is_ascii() {
            out.extend(valid.bytes().map(|b| b.to_ascii_lowercase()));
        } else {
            let cased: String = valid
                .chars()
                .filter(|&c| !vitrine_base::chars::is_default_ignorable(c))
                .nfd()
                .flat_map(char::to_uppercase)
                .flat_map(char::to_lowercase)
                .collect();
            let folded = unicase::UniCase::unicode(cased).to_folded_case();
            out.extend(folded.nfc().collect::<String>().bytes());
        }
        for &b in chunk.invalid() {
            out.extend_from_slice(&[0xFF, b]);
        }
    }
    out
}

/// A name as a file system that applies compatibility normalisation sees it (ZFS
/// `normalization=formKC`/`formKD`, with or without `casesensitivity=insensitive`): NFKC, then
/// [`case_fold`] (full-width `\u{FF41}uth.c` is `auth.c`, `x\u{B2}.c` is `x2.c`, `\u{2460}.c` is
/// `1.c`). Win32's rewriting is not applied: no file system does both. Invalid bytes stay as they are
/// here (the fold marks them behind 0xFF).
fn compat_key(name: &[u8]) -> Vec<u8> {
    if name.is_ascii() {
        return name.to_ascii_lowercase();
    }
    let mut nfkc = Vec::with_capacity(name.len());
    for chunk in name.utf8_chunks() {
        nfkc.extend(chunk.valid().nfkc().collect::<String>().bytes());
        nfkc.extend_from_slice(chunk.invalid());
    }
    case_fold(&nfkc)
}

/// Why Windows cannot create `name` as written, if it cannot: Git for Windows refuses such a path
/// (`is_valid_win32_path`), and an extractor handing it to Win32 writes another name or a device.
/// Checked: the characters Win32 forbids in names (controls are [`FindingKind::ControlChar`]), a
/// trailing dot or space (dropped: `x.` opens `x`), and the reserved device names, whatever the case
/// and the extension (`aux.c`, `Con`, `nul .txt`, `COM1.h`, `lpt\u{b9}`, `CONIN$`).
fn win32_refusal(name: &[u8]) -> Option<String> {
    if let Some(&c) = name.iter().find(|b| b"<>:\"|?*\\".contains(b)) {
        let why = match c {
            b':' => " (NTFS reads `name:stream` as a stream of the file `name`)",
            b'\\' => " (a directory separator there: `a\\b` is `b` in `a`)",
            _ => "",
        };
        return Some(format!("holds `{}`, which Windows does not allow in a name{why}", char::from(c)));
    }
    if !matches!(name, b"." | b"..") && matches!(name.last(), Some(b'.' | b' ')) {
        return Some("ends with a dot or a space, which Windows drops (`x.` opens `x`)".to_owned());
    }
    let stem = name.split(|&b| b == b'.').next().unwrap_or(name);
    let end = stem.iter().rposition(|&b| b != b' ').map_or(0, |i| i + 1);
    let stem = stem.get(..end).unwrap_or_default().to_ascii_uppercase();
    let numbered = |prefix: &[u8]| {
        // COM0-9, LPT0-9, and the superscript digits Win32 also takes for 1, 2 and 3.
        stem.strip_prefix(prefix)
            .is_some_and(|rest| matches!(rest, [b'0'..=b'9'] | [0xC2, 0xB9 | 0xB2 | 0xB3]))
    };
    let device = matches!(stem.as_slice(), b"CON" | b"PRN" | b"AUX" | b"NUL" | b"CONIN$" | b"CONOUT$")
        || numbered(b"COM")
        || numbered(b"LPT");
    device.then(|| {
        format!(
            "is a reserved Windows device name (`{}`, whatever the extension: the name opens the device)",
            String::from_utf8_lossy(&stem)
        )
    })
}

/// Names shaped like an NTFS 8.3 short name (`VERYLO~1.C`: at most six characters, `~`, a number, an
/// extension of at most three) beside a longer name whose short name they may be: where short names are
/// on (the default on Windows system drives), the two names open one file, and which one depends on the
/// order they were written in (the `git~1` alias of `.git` is this, CVE-2014-9390). A short name is
/// derived from the long one as NTFS does: spaces and all but the last dot dropped, upper case, the base
/// cut to six characters and the extension to three (characters 8.3 cannot hold become `_`); a name that
/// is already a valid 8.3 name gets none.
fn short_name_findings<'a>(nodes: impl Iterator<Item = (&'a [u8], bool)> + Clone, out: &mut Vec<Finding>) {
    let parent_of = |path: &'a [u8]| path.iter().rposition(|&b| b == b'/').map_or(&path[..0], |i| &path[..i]);
    let name_of = |path: &'a [u8]| path.rsplit(|&b| b == b'/').next().unwrap_or(path);
    let tilde: Vec<(&[u8], bool)> =
        nodes.clone().filter(|&(p, _)| short_name_shape(name_of(p)).is_some()).collect();
    if tilde.is_empty() {
        return;
    }
    let wanted: HashSet<&[u8]> = tilde.iter().map(|&(p, _)| parent_of(p)).collect();
    let mut children: HashMap<&[u8], Vec<&[u8]>> = HashMap::new();
    for (path, _) in nodes {
        let parent = parent_of(path);
        if wanted.contains(parent) {
            children.entry(parent).or_default().push(path);
        }
    }
    for (path, is_dir) in tilde {
        let Some((base, ext)) = short_name_shape(name_of(path)) else { continue };
        let mut long: Vec<&[u8]> = children
            .get(parent_of(path))
            .into_iter()
            .flatten()
            .copied()
            .filter(|&other| other != path)
            .filter(|&other| {
                short_name_parts(name_of(other)).is_some_and(|(b, e)| {
                    b.get(..b.len().min(6)).is_some_and(|b| b.eq_ignore_ascii_case(base))
                        && e.get(..e.len().min(3)).is_some_and(|e| e.eq_ignore_ascii_case(ext))
                })
            })
            .collect();
        if long.is_empty() {
            continue;
        }
        long.sort_unstable();
        let listed: Vec<String> = long
            .iter()
            .take(MAX_LISTED_NAMES)
            .map(|p| format!("`{}`", crate::path::display_bytes(p)))
            .collect();
        out.push(Finding::file_level(
            &crate::path::display_bytes(path),
            FindingKind::UnportableName,
            format!(
                "the {} is shaped like the Windows 8.3 short name of {} beside it: where short names are on, both names open one file",
                if is_dir { "directory name" } else { "file name" },
                listed.join(", ")
            ),
        ));
    }
}

/// The base (before `~`) and extension of a name shaped like an 8.3 short name: one to six characters
/// other than `~`, `.` and space, `~`, a number from 1 without a leading zero, then nothing or a dot and
/// one to three characters.
fn short_name_shape(name: &[u8]) -> Option<(&[u8], &[u8])> {
    let (stem, ext) = match name.iter().position(|&b| b == b'.') {
        Some(dot) => (name.get(..dot)?, name.get(dot + 1..)?),
        None => (name, &name[..0]),
    };
    if ext.len() > 3
        || (name.contains(&b'.') && ext.is_empty())
        || ext.iter().any(|&b| b == b'.' || b == b' ')
    {
        return None;
    }
    let tilde = stem.iter().position(|&b| b == b'~')?;
    let (base, number) = (stem.get(..tilde)?, stem.get(tilde + 1..)?);
    let shaped = (1..=6).contains(&base.len())
        && base.iter().all(|&b| b != b' ' && b != b'~')
        && !number.is_empty()
        && number.len() <= 6
        && number.iter().all(u8::is_ascii_digit)
        && number.first() != Some(&b'0');
    shaped.then_some((base, ext))
}

/// The base (before truncation) and extension NTFS derives a long name's short name from, or `None` when
/// the name is a valid 8.3 name already (no short name is made for it).
fn short_name_parts(name: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    let (stem, ext) = match name.iter().rposition(|&b| b == b'.') {
        Some(dot) if dot > 0 => (name.get(..dot)?, name.get(dot + 1..)?),
        _ => (name, &name[..0]),
    };
    let plain = |b: &u8| b.is_ascii_alphanumeric() || b"!#$%&'()-@^_`{}~".contains(b);
    let already =
        (1..=8).contains(&stem.len()) && ext.len() <= 3 && stem.iter().all(plain) && ext.iter().all(plain);
    if already {
        return None;
    }
    let squeeze = |part: &[u8]| -> Vec<u8> {
        part.iter()
            .filter(|&&b| b != b' ' && b != b'.')
            .map(|&b| if plain(&b) { b.to_ascii_uppercase() } else { b'_' })
            .collect()
    };
    let base = squeeze(stem.strip_prefix(b".").unwrap_or(stem));
    Some((base, squeeze(ext)))
}

/// The content rules applied to the last component of a name, made stricter for names: every control
/// (tab, line feed and form feed included) and every blank other than the ASCII space is flagged, and so
/// is a space at either end.
fn name_findings(path: &[u8], is_dir: bool, out: &mut Vec<Finding>) {
    let name = path.rsplit(|&b| b == b'/').next().unwrap_or(path);
    let what = if is_dir { "directory name" } else { "file name" };
    if let Some(why) = win32_refusal(name) {
        out.push(Finding::file_level(
            &crate::path::display_bytes(path),
            FindingKind::UnportableName,
            format!("the {what} {why}: a Windows checkout cannot create it as it is (Git for Windows refuses the path)"),
        ));
    }
    // A name starting with `-` is an option to the tools a stranger checks a snapshot with (sha256sum,
    // git, tar), and `-` alone is standard input: verify.sh writes every name as `./NAME`, a hand-made
    // check may not.
    if name.first() == Some(&b'-') {
        let shown = crate::path::display_bytes(name);
        let detail = if name == b"-" {
            format!(
                "the {what} is `-`, which command-line tools (sha256sum, git, tar, cat) read as standard input unless it is written `./-`"
            )
        } else {
            format!(
                "the {what} starts with `-`: command-line tools (sha256sum, git, tar, rm) read it as an option unless it is written `./{shown}`"
            )
        };
        out.push(Finding::file_level(&crate::path::display_bytes(path), FindingKind::UnportableName, detail));
    }
    let edge_space = name.first() == Some(&b' ') || name.last() == Some(&b' ');
    if edge_space {
        let at = if name.last() == Some(&b' ') { "ends" } else { "starts" };
        out.push(Finding::file_level(
            &crate::path::display_bytes(path),
            FindingKind::InvisibleChar,
            format!("the {what} {at} with a space (it lists like the name without it)"),
        ));
    }
    if name.iter().all(|&b| b.is_ascii_graphic() || b == b' ') {
        return;
    }
    let shown = crate::path::display_bytes(path);
    let mut per_kind: BTreeMap<FindingKind, Vec<char>> = BTreeMap::new();
    let mut invalid = false;
    for chunk in name.utf8_chunks() {
        invalid |= !chunk.invalid().is_empty();
        for c in chunk.valid().chars() {
            // Names are stricter than content: a tab, a line feed or a non-ASCII blank deceives there.
            let kind = match vitrine_base::chars::name_suspicious(c) {
                Some(Suspicious::Bidi) => FindingKind::BidiControl,
                Some(Suspicious::Invisible | Suspicious::Blank) => FindingKind::InvisibleChar,
                Some(Suspicious::Control | Suspicious::LineBreak) => FindingKind::ControlChar,
                None => continue,
            };
            let chars = per_kind.entry(kind).or_default();
            if !chars.contains(&c) {
                chars.push(c);
            }
        }
    }
    for (kind, chars) in per_kind {
        let listed: Vec<String> = chars.iter().take(8).map(|&c| describe(c)).collect();
        out.push(Finding::file_level(&shown, kind, format!("the {what} contains {}", listed.join(", "))));
    }
    if invalid {
        out.push(Finding::file_level(
            &shown,
            FindingKind::NonUtf8,
            format!("the {what} is not valid UTF-8 (each invalid byte is shown as \\xNN)"),
        ));
    }
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

    /// F5 (round 22): execute bits for group or others without the owner's: git, GNU tar and unzip go
    /// by the owner's bit (100644), pip's unpacker by `mode & 0o111` (0755). An informational
    /// special-mode finding showing the full mode; the owner's bit alone (0744, 0700) is read alike.
    #[test]
    fn execute_bits_without_the_owners_are_a_mode_finding() {
        for (mode, shown) in [(0o645, "mode 100645"), (0o654, "mode 100654"), (0o4611, "mode 104611")] {
            let f = special_mode_finding("gen.sh", mode, false).expect("a finding");
            assert_eq!(f.kind, FindingKind::SpecialMode);
            assert!(!f.kind.is_deceptive());
            assert!(f.detail.contains(shown) && f.detail.contains("pip"), "{}", f.detail);
        }
        assert!(
            special_mode_finding("gen.sh", 0o4611, false).unwrap().detail.starts_with("mode 104611 (setuid)")
        );
        for mode in [0o644, 0o755, 0o744, 0o700, 0o600] {
            assert_eq!(special_mode_finding("a", mode, false), None, "{mode:o}");
        }
        // A directory's execute bits are search permission: not compared.
        assert_eq!(special_mode_finding("d", 0o655, true), None);
    }

    fn scan_as(path: &str, text: &str) -> Vec<(u64, u64, FindingKind)> {
        let config = HealthConfig::default();
        let mut f = FileFindings::new(path, &config);
        scan_text(text, &mut f);
        f.finish().0.iter().map(|f| (f.line.unwrap_or(0), f.column.unwrap_or(0), f.kind)).collect()
    }

    #[test]
    fn line_terminators_the_language_honours_and_the_viewer_does_not() {
        use FindingKind::LineTerminator as T;
        // A lone CR ends a `//` or `#` comment for C compilers and Python, not for Rust or Go.
        let c = "int f(int ok) {\n  // note\rok = 1;\n  return ok;\n}\n";
        assert_eq!(scan_as("a.c", c), [(2, 10, T)]);
        assert_eq!(scan_as("a.py", "# note\rok = True\n"), [(1, 7, T)]);
        assert_eq!(scan_as("a.rs", "// note\rfn f() {}\n"), []);
        assert_eq!(scan_as("a.go", c), []);
        // The same in non-ASCII text.
        assert_eq!(scan_as("a.c", "// caf\u{e9}\rok = 1;\n"), [(1, 8, T)]);
        // CRLF is a line end for everyone; a CR before it is still a lone one.
        assert_eq!(scan_as("a.c", "int a;\r\nint b;\r\r\n"), [(2, 7, T)]);
        // U+2028/U+2029 end a line in JavaScript and C#, not in C.
        assert_eq!(scan_as("a.js", "// x\u{2028}ok = true;\n"), [(1, 5, T)]);
        assert_eq!(scan_as("a.tsx", "// x\u{2029}ok = true;\n"), [(1, 5, T)]);
        assert_eq!(scan_as("a.c", "// x\u{2028}ok = 1;\n"), []);
        // NEL: a line end in C#, a control character elsewhere.
        assert_eq!(scan_as("a.cs", "// x\u{85}ok = true;\n"), [(1, 5, T)]);
        assert_eq!(scan_as("a.c", "// x\u{85}ok = 1;\n"), [(1, 5, FindingKind::ControlChar)]);
        // javac reads `\u000a` as a line break before it looks for comments.
        assert_eq!(scan_as("A.java", "class A {\n  // \\u000a ok = true;\n}\n"), [(2, 6, T)]);
        assert_eq!(scan_as("A.java", "// \u{e9} \\u000d x\n"), [(1, 6, T)]);
        assert_eq!(scan_as("a.c", "// \\u000a\n"), []);
        // A script with a shebang.
        assert_eq!(scan_as("tool", "#!/usr/bin/env python3\n# x\ry = 1\n"), [(2, 4, T)]);
    }

    /// F6 (round 23): PHP, Lua and Tcl end a comment at a lone CR too; the rules covered C-family,
    /// Python, Java, JS/TS and C# only. Checked with the interpreters (php 8.2, lua 5.4, tclsh 8.6,
    /// ruby 3.1, perl 5.36, dash, bash, mawk): `<comment> CR <code> LF` runs the code in PHP (`//`, `#`),
    /// Lua (`--`) and Tcl (`#`), and does not in Ruby, Perl, sh or awk, which get no finding.
    #[test]
    fn a_lone_cr_in_php_lua_and_tcl_comments_is_a_line_terminator() {
        use FindingKind::LineTerminator as T;
        let php = "<?php\n// keep old\rsystem(\"id\");\n# x\recho 1;\n";
        assert_eq!(scan_as("www/index.php", php), [(2, 12, T), (3, 4, T)]);
        assert_eq!(scan_as("a.phtml", "<?php // x\rrun(); ?>\n"), [(1, 11, T)]);
        assert_eq!(scan_as("init.lua", "-- check\ros.execute(\"id\")\n"), [(1, 9, T)]);
        assert_eq!(scan_as("setup.tcl", "# disabled\rputs x\n"), [(1, 11, T)]);
        assert_eq!(scan_as("lib.tk", "# d\rputs x\n"), [(1, 4, T)]);
        // By shebang, through `env` and a versioned name.
        assert_eq!(scan_as("tool", "#!/usr/bin/env php\n<?php\n# x\rrun();\n"), [(3, 4, T)]);
        assert_eq!(scan_as("run", "#!/usr/bin/lua5.4\n-- x\rrun()\n"), [(2, 5, T)]);
        assert_eq!(scan_as("go", "#!/usr/bin/tclsh8.6\n# x\rputs y\n"), [(2, 4, T)]);
        // Non-ASCII text takes the other path.
        assert_eq!(scan_as("a.lua", "-- caf\u{e9}\rrun()\n"), [(1, 8, T)]);
        // The detail names the language.
        let config = HealthConfig::default();
        let mut f = FileFindings::new("init.lua", &config);
        scan_text("-- x\rrun()\n", &mut f);
        assert!(f.finish().0[0].detail.contains("Lua"));
        // Languages whose comments run to LF: no finding.
        assert_eq!(scan_as("a.rb", "# x\rputs 1\n"), []);
        assert_eq!(scan_as("a.pl", "# x\rprint 1;\n"), []);
        assert_eq!(scan_as("a.sh", "# x\recho 1\n"), []);
        assert_eq!(scan_as("run", "#!/bin/sh\n# x\recho 1\n"), []);
        assert_eq!(scan_as("a.awk", "# x\rBEGIN{}\n"), []);
    }

    /// F9 (round 23): GNU make continues a comment over a backslash-newline (checked with GNU make
    /// 4.3: the next line is dropped, in a trailing comment too, before the first rule with a tab in
    /// front, and a recipe line after a column-0 comment), so the line after `# … \` looks live and is
    /// not. Tcl does the same (tclsh 8.6). A recipe's `#` is the shell's, whose comments end at the
    /// newline (dash, bash), a `define` body is kept verbatim, an even number of backslashes is an
    /// escaped one; Python, shell and CMake (its manual: a line comment ends at the newline) do not
    /// continue comments: none is reported.
    #[test]
    fn a_make_or_tcl_comment_continued_by_a_backslash_is_a_disguise() {
        use FindingKind::LexicalDisguise as D;
        let mk = "CFLAGS = -O2\n# release builds must verify update signatures \\\nCFLAGS += -DREQUIRE_SIGNED_UPDATES\n\nall: build\n# build only after the vendored sources are verified \\\nbuild: verify\n";
        for name in [
            "Makefile",
            "sub/GNUmakefile",
            "makefile",
            "rules.mk",
            "Kbuild",
            "Makefile.in",
            "Makefile.am",
            "Makefile.linux",
            "x.mak",
        ] {
            assert_eq!(scan_as(name, mk), [(2, 48, D), (6, 54, D)], "{name}");
        }
        // A trailing comment, CRLF, a comment before the first rule indented by a tab, and a comment
        // in column 0 inside a recipe, which swallows the recipe line after it.
        let more =
            "A = 1 # note \\\r\nA += 2\r\n\t# tab \\\nB = 2\nall:\n\t@echo one\n# step two \\\n\t@echo two\n";
        assert_eq!(scan_as("Makefile", more), [(1, 14, D), (3, 8, D), (7, 12, D)]);
        // The detail says which lines are comment for make.
        let config = HealthConfig::default();
        let mut f = FileFindings::new("Makefile", &config);
        scan_text("# a \\\nX = 1 \\\n  Y\nZ = 2\n", &mut f);
        let found = f.finish().0;
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].detail.contains("lines 2-3") && found[0].detail.contains("make"),
            "{}",
            found[0].detail
        );
        // Not continued, or nothing swallowed: an even run of backslashes, a blank or comment next line,
        // a `\#` that is no comment, `#` inside `$(…)`, a recipe line's shell comment, a define body.
        let ok = "E = 1\n# even \\\\\nE = 2\n# a \\\n\nC = 3\n# a \\\n# b\nH = \\# not a comment \\\n  x\nX := $(shell echo a#b \\\n  c)\nall:\n\t@echo r1 # shell \\\n\techo NEXT\ndefine D\n# x \\\nbody\nendef\n";
        assert_eq!(scan_as("Makefile", ok), []);
        // Tcl: a comment is a `#` where a command starts.
        let tcl = "# disabled \\\nputs PAYLOAD\nputs ok ;# fine\n  # c \\\\\nputs ok\n";
        assert_eq!(scan_as("setup.tcl", tcl), [(1, 12, D)]);
        // Languages whose comments end at the newline.
        for name in ["install.sh", "a.py", "CMakeLists.txt", "x.cmake", "a.rb", "notes.txt"] {
            assert_eq!(scan_as(name, "# note \\\nrun = 1\n"), [], "{name}");
        }
    }

    /// Round 22 (obf f1-f4): C's phases 1-2 (trigraphs, backslash-newline) and digraphs run before
    /// comments, directives and names are found. Each disguised spelling is a deceptive finding at
    /// its line and column; an ordinary macro continuation is not one, and other languages get none.
    #[test]
    fn c_spellings_rewritten_before_lexing_are_flagged() {
        use FindingKind::LexicalDisguise as D;
        assert!(D.is_deceptive());
        // f1: the `*/` of a comment split across lines; f2: a name split; f4: a `//` comment continued.
        let f1 = "int check(int uid) {\n    /* audit only *\\\n/ grant_root(uid); /* x */\n}\n";
        assert_eq!(scan_as("auth.c", f1), [(2, 20, D)]);
        assert_eq!(scan_as("net.c", "int send_tel\\\nemetry(int);\n"), [(1, 13, D)]);
        let f4 = "int su(int uid) {\n    // C:\\tools\\policy\\\n    if (uid != 0) return -1;\n}\n";
        assert_eq!(scan_as("auth.cpp", f4), [(2, 23, D)]);
        // f3: `%:` directives, a spliced directive name, a comment between `#` and the name.
        assert_eq!(scan_as("d.h", "#if 0\n%:else\n%:endif\n"), [(2, 1, D), (3, 1, D)]);
        assert_eq!(scan_as("s.c", "#if 0\n#en\\\ndif\n"), [(2, 4, D)]);
        assert_eq!(scan_as("c.c", "#if 0\n#/* x */endif\n"), [(2, 2, D)]);
        // Trigraphs, in non-ASCII text too (columns in characters).
        assert_eq!(scan_as("t.c", "// caf\u{e9} ??/\nif (x) return;\n"), [(1, 9, D)]);
        // Ordinary continuations, and the same text in a language that does not splice.
        let ok = "#define M(x) \\\n\tdo { f(x); } while (0)\n#define N(a) a,\\\n\tb\n";
        assert_eq!(scan_as("m.c", ok), []);
        assert_eq!(scan_as("net.js", "let send_tel\\\nemetry = 1;\n"), []);
        let f = {
            let config = HealthConfig::default();
            let mut f = FileFindings::new("auth.c", &config);
            scan_text(f1, &mut f);
            f.finish().0
        };
        assert!(f[0].detail.contains("`*/`"), "{f:?}");
    }

    /// Round 23 (obf f2, f7): Java translates every Unicode escape before it lexes, JavaScript
    /// scripts have HTML-like comments, Rust block comments nest. Each spelling that makes the
    /// compiler or engine read code, strings and comments elsewhere than a C-like reading shows them
    /// is a `lexical-disguise` finding where it is; escapes inside a comment's text, `-->` after code,
    /// modules and unnested comments are not.
    #[test]
    fn spellings_other_languages_lex_differently_are_flagged() {
        use FindingKind::LexicalDisguise as D;
        let java = "class A {\n  void c(int uid) {\n    String b = \"login \\u0022; grantRoot(uid); String t = \\u0022 ok\";\n    /* off \\u002a/ grantRoot(uid + 1); /* see */\n    // uses \\u002F and \\u0022 in a comment\n    char q = '\\u0041';\n  }\n}\n";
        assert_eq!(scan_as("Auth.java", java), [(3, 23, D), (3, 58, D), (4, 12, D)]);
        let d = details_as("Auth.java", java);
        assert!(d[0].2.contains("`\\u0022` is `\"`"), "{d:?}");
        // `\\u0022` is no escape (an even number of backslashes before the u).
        assert_eq!(scan_as("B.java", "class B { String s = \"\\\\u0022\"; }\n"), []);
        // Escapes inside a literal's text (JDK charset tables, `'\u002F'`) change nothing; an escaped
        // backslash before a quote keeps the string open.
        let tables = "class T {\n  String s = \"\\u0020\\u0021\\\"\\u0023\\u002A\\u002F\";\n  boolean b = ch <= '\\u002F' && ch >= '\\u0022';\n  String h = \"x\\u005c\" + grant() + \"\";\n}\n";
        assert_eq!(scan_as("T.java", tables), [(4, 16, D)]);
        assert!(details_as("T.java", tables)[0].2.contains("escapes the quote"));
        let js = "function check(u) {\n  /* Only admins.\n   */ --> if (!isAdmin(u)) return deny(u);\n  var checked = 1 <!-- if (u === \"guest\") return deny(u);\n  while (n-->0) x();\n}\n";
        assert_eq!(scan_as("auth.js", js), [(3, 7, D), (4, 19, D)]);
        assert!(details_as("auth.cjs", js)[1].2.contains("`<!--` starts a comment"));
        assert_eq!(scan_as("auth.mjs", js), []);
        assert_eq!(scan_as("auth.ts", js), []);
        let rs = "fn check(uid: u32) -> bool {\n    /* Policy: see docs/policy/*.md; only root. */\n    if uid != 0 { return deny(uid); }\n    // end of policy check */\n    true\n}\n/* plain */ /* a /* b */ c */\n";
        let found = scan_as("src/main.rs", rs);
        assert_eq!(found, [(2, 31, D), (7, 18, D)]);
        assert!(
            details_as("src/main.rs", rs)[0].2.contains("runs on to line 4"),
            "{:?}",
            details_as("src/main.rs", rs)
        );
        assert_eq!(scan_as("src/ok.rs", "/* a */ fn f() {} /* b // c */\n"), []);
    }

    /// Round 23 (obf f6, f2): the identifier scan reads a `/` after the head of `if (…)`, `while (…)`,
    /// `for (…)` as the start of a regular expression (a `"` in it opens no string), and a Java file
    /// as javac reads it, escapes translated: the names after them are in code and are checked.
    #[test]
    fn names_after_a_regex_or_an_escaped_quote_are_checked() {
        use FindingKind::{ConfusableIdentifier as C, EscapedIdentifier as E, MixedScriptIdentifier as M};
        let js = "function check(u) {\n  if (u) /\"/.test(u); const \u{435}\u{445}\u{435}\u{441} = execSync; gr\\u0061ntRoot(u); var note = \"/\";\n  x = (a) / 2; y = \"/\"; while (f(x)) /'/.test(y); gr\\u0061ntRoot(2);\n}\n";
        let kinds: Vec<_> =
            scan_as("auth.js", js).into_iter().filter(|f| f.2 != M).map(|f| (f.0, f.2)).collect();
        assert_eq!(kinds, [(2, C), (2, E), (3, E)]);
        let java = "class A {\n  String b = \"x \\u0022; gr\\u0061ntRoot(1); String t = \\u0022 ok\";\n}\n";
        let kinds: Vec<_> = scan_as("A.java", java).into_iter().map(|f| (f.0, f.2)).collect();
        assert!(kinds.contains(&(2, E)), "{kinds:?}");
    }

    /// Python resets the indentation column at a form feed: `    \f    x` is at the function's level
    /// while it is drawn inside the block above. Reported where it moves a line, ASCII or not; a form
    /// feed first on a line, a page break alone on its line, and other languages are left alone.
    #[test]
    fn a_form_feed_in_python_indentation_is_flagged() {
        let src = "def f(admin):\n    if admin:\n        ok()\n    \x0c    delete()\n\x0c\n\x0c    fine()\n";
        assert_eq!(scan_as("users.py", src), [(4, 5, FindingKind::ControlChar)]);
        let unicode = format!("# caf\u{e9}\n{src}");
        assert_eq!(scan_as("users.py", &unicode), [(5, 5, FindingKind::ControlChar)]);
        assert_eq!(
            scan_as("run", &format!("#!/usr/bin/env python3\n{src}")),
            [(5, 5, FindingKind::ControlChar)]
        );
        assert_eq!(scan_as("users.c", src), []);
        let config = HealthConfig::default();
        let mut f = FileFindings::new("users.py", &config);
        scan_text(src, &mut f);
        let findings = f.finish().0;
        assert!(findings[0].detail.contains("Python counts the indentation from after it"), "{findings:?}");
    }

    fn details_as(path: &str, text: &str) -> Vec<(u64, FindingKind, String)> {
        let config = HealthConfig::default();
        let mut f = FileFindings::new(path, &config);
        scan_text(text, &mut f);
        f.finish().0.into_iter().map(|f| (f.line.unwrap_or(0), f.kind, f.detail)).collect()
    }

    /// F5 (round 22): an identifier spelled with universal character names is another name than the
    /// text shows (`check_p\u0430ss` is `check_pаss`, Cyrillic `а`, for gcc), and the raw-letter check
    /// never saw it (the file is ASCII). Each such identifier in code is flagged with its decoded name,
    /// which is checked like a raw one; escapes in strings and comments, and in languages that have no
    /// escapes in identifiers, are not identifiers.
    #[test]
    fn identifiers_spelled_with_escapes_are_flagged_and_decoded() {
        use FindingKind::EscapedIdentifier as E;
        let src = "int grant_root(int);\nint check_pass(const char *pw);\n\
                   int check_p\\u0430ss(const char *pw) { return grant_root(0); }\n\
                   int \\U00000430dmin, x\\u0061;\n\
                   const char *s = \"\\u0430\"; /* \\u0430 in a comment */\n// C:\\users\\u0430\n";
        assert_eq!(scan_as("auth.c", src), [(3, 5, E), (4, 5, E), (4, 21, E)]);
        let d = details_as("auth.c", src);
        assert!(
            d[0].2.contains("`check_p\\u0430ss`")
                && d[0].2.contains("`check_p\u{430}ss`")
                && d[0].2.contains("Cyrillic")
                && d[0].2.contains("looks like `check_pass`")
                && d[0].2.contains("this file uses `check_pass` at line 2"),
            "{d:?}"
        );
        assert!(d[2].2.contains("`xa`"), "{d:?}");
        // The same in a file that also holds non-ASCII text, and in C++, C#, Java and JavaScript.
        assert_eq!(scan_as("a.cc", "// caf\u{e9}\nint f\\u0430il;\n"), [(2, 5, E)]);
        assert_eq!(scan_as("a.cs", "int f\\u0430il;\n"), [(1, 5, E)]);
        assert_eq!(scan_as("A.java", "int \\uu0430dmin;\n"), [(1, 5, E)]);
        assert_eq!(scan_as("a.js", "let \\u{430}dmin = 1;\n"), [(1, 5, E)]);
        // Not identifiers: Python and Rust have no such escapes; a raw string in C++.
        assert_eq!(scan_as("a.py", "x = '\\u0430'\n"), []);
        assert_eq!(scan_as("a.rs", "let s = \"\\u{430}\";\n"), []);
        assert_eq!(scan_as("a.cc", "auto s = R\"x(\\u0430 )\" )x\";\n"), []);
        // A JavaScript regular expression is no identifier; a division is no regular expression.
        assert_eq!(
            scan_as("a.js", "const cyr = /[\\u0430-\\u044f]/u;\nlet x = a / b, y = \\u0430 / 2;\n"),
            [(2, 20, E)]
        );
        assert_eq!(scan_as("a.js", "function f(s) { return /\\u0430/.test(s); }\n"), []);
    }

    /// F6 (round 22): identifiers that are not mixed-script but read as an ASCII name: mathematical
    /// monospace and full-width letters (ASCII after NFKC) and whole-Cyrillic `ехес` (ASCII after the
    /// UTS #39 confusable mapping). Each use in code is flagged, naming the ASCII name and where this
    /// file uses it (a search for `is_admin` does not find the look-alike). Ordinary non-English names
    /// (Greek math names, Japanese, accented Latin, Russian words), look-alikes in comments and strings,
    /// and prose files are left alone.
    #[test]
    fn identifiers_that_read_as_ascii_names_are_flagged() {
        use FindingKind::{ConfusableIdentifier as L, MixedScriptIdentifier as M};
        let src = "int is_admin(const struct user *u);\n\
                   int \u{1D692}\u{1D69C}_\u{1D68A}\u{1D68D}\u{1D696}\u{1D692}\u{1D697}(int u) { return 1; }\n\
                   int \u{FF49}\u{FF53}_\u{FF41}\u{FF44}\u{FF4D}\u{FF49}\u{FF4E}(void);\n\
                   int exec(const char *cmd);\n\
                   int \u{435}\u{445}\u{435}\u{441}(const char *cmd) { return 0; }\n\
                   int run(void) { return \u{435}\u{445}\u{435}\u{441}(\"\"); }\n\
                   int acc\u{435}ss_ok;\n";
        let mut found = scan_as("auth.c", src);
        found.sort();
        assert_eq!(found, [(2, 5, L), (3, 5, L), (5, 5, L), (6, 24, L), (7, 5, M)]);
        let mut d = details_as("auth.c", src);
        d.sort();
        assert!(
            d[0].2.contains("looks like `is_admin`")
                && d[0].2.contains("NFKC")
                && d[0].2.contains("this file uses `is_admin` at line 1"),
            "{d:?}"
        );
        assert!(
            d[2].2.contains("`\u{435}\u{445}\u{435}\u{441}`")
                && d[2].2.contains("Cyrillic")
                && d[2].2.contains("looks like `exec`")
                && d[2].2.contains("UTS #39")
                && d[2].2.contains("this file uses `exec` at line 4"),
            "{d:?}"
        );
        assert!(d[4].2.contains("looks like `access_ok`"), "{d:?}");
        let fine = "double \u{3B1} = 1, \u{3B2} = 2, \u{3BB} = \u{3B1} * \u{3B2};\n\
                    int \u{78BA}\u{8A8D}\u{3059}\u{308B}(void);\nint caf\u{E9} = 1;\n\
                    int \u{43F}\u{440}\u{438}\u{432}\u{435}\u{442} = 2;\n\
                    // \u{441} \u{43E} \u{443} \u{430} \u{441}\u{43E}\u{440} \u{435}\u{445}\u{435}\u{441}\n\
                    const char *s = \"\u{435}\u{445}\u{435}\u{441}\";\n";
        assert_eq!(scan_as("m.c", fine), []);
        assert_eq!(scan_as("README.md", "\u{435}\u{445}\u{435}\u{441} is not exec\n"), []);
        // Python reads identifiers in NFKC: the same name as `is_admin`, spelled so a search misses it.
        let py = details_as("a.py", "\u{FF49}\u{FF53}_\u{FF41}\u{FF44}\u{FF4D}\u{FF49}\u{FF4E} = True\n");
        assert_eq!(py.len(), 1, "{py:?}");
        assert!(
            py[0].1 == L && py[0].2.contains("is `is_admin` to Python, which reads identifiers in NFKC"),
            "{py:?}"
        );
    }

    /// f9 (round 25): the look-alike check runs wherever the mixed-script check runs, not only in the
    /// languages with a dedicated lexer: PHP, Ruby, Kotlin, Swift, Scala, Perl, Lua, shell… read their
    /// identifiers in code (their comments and strings left out), and a file of a language Vitrine does
    /// not know is read whole, reporting a look-alike whose ASCII twin the file also uses. Prose is left
    /// alone, as before.
    #[test]
    fn lookalike_identifiers_are_checked_in_every_code_language() {
        use FindingKind::ConfusableIdentifier as L;
        let fw = "\u{FF49}\u{FF53}_\u{FF41}\u{FF44}\u{FF4D}\u{FF49}\u{FF4E}";
        let cyr = "\u{435}\u{445}\u{435}\u{441}";
        let cases: Vec<(&str, String)> = vec![
            (
                "admin.php",
                format!(
                    "<?php\nfunction is_admin($u) {{ return $u === 1; }}\nfunction {fw}($u) {{ return true; }}\n"
                ),
            ),
            ("admin.rb", format!("def is_admin(u) = u == 1\ndef {fw}(u) = true\n")),
            ("Admin.kt", format!("fun is_admin(u: String) = u == \"r\"\nfun {fw}(u: String) = true\n")),
            ("Admin.kts", format!("fun is_admin(u: String) = u == \"r\"\nfun {fw}(u: String) = true\n")),
            (
                "a.swift",
                format!(
                    "func is_admin(_ u: String) -> Bool {{ u == \"r\" }}\nfunc {fw}(_ u: String) -> Bool {{ true }}\n"
                ),
            ),
            ("a.scala", format!("def is_admin(u: String) = u == \"r\"\ndef {fw}(u: String) = true\n")),
            ("a.pl", format!("sub is_admin {{ $_[0] eq 'r' }}\nsub {fw} {{ 1 }}\n")),
            (
                "a.lua",
                format!("function is_admin(u) return u == 'r' end\nfunction {fw}(u) return true end\n"),
            ),
            ("a.sh", format!("is_admin() {{ [ \"$1\" = r ]; }}\n{cyr}() {{ exec \"$@\"; }}\n")),
            ("a.dart", format!("bool is_admin(String u) => u == 'r';\nbool {fw}(String u) => true;\n")),
            ("a.m", format!("int is_admin(int u) {{ return u == 0; }}\nint {fw}(int u) {{ return 1; }}\n")),
            // A language Vitrine has no lexer for, read whole: the twin is used here.
            ("policy.zig2", format!("fn is_admin(u) {{ u == 0 }}\nfn {fw}(u) {{ true }}\n")),
            // A script named by its `#!` line only.
            ("bin/check", format!("#!/usr/bin/env ruby\ndef is_admin(u) = u == 1\ndef {fw}(u) = true\n")),
        ];
        for (path, src) in &cases {
            let found = scan_as(path, src);
            assert!(found.iter().any(|&(_, _, k)| k == L), "{path}: {found:?}");
        }
        // Comments and strings of these languages are left alone (Russian words there are prose).
        let quiet: Vec<(&str, String)> = vec![
            ("a.rb", format!("# {cyr} {fw}\nputs '{cyr}', \"{fw}\"\n")),
            ("a.php", format!("<?php\n// {cyr}\n# {fw}\n/* {cyr} */ echo '{cyr}', \"{fw}\";\n")),
            ("a.kt", format!("// {cyr}\n/* {fw} */ val s = \"{cyr}\"\n")),
            ("a.lua", format!("-- {cyr}\nprint('{fw}', \"{cyr}\")\n")),
            ("a.sh", format!("# {cyr}\necho '{fw}' \"{cyr}\"\n")),
            // An unknown language: a look-alike with no ASCII twin in the file is not reported.
            ("notes.zz", format!("{cyr} {fw}\n")),
            // Nor is it counted among the capped ones: many look-alikes without a twin, no summary.
            ("table.zz", format!("{cyr}\n").repeat(300)),
            ("README.md", format!("{fw} is not is_admin\n")),
        ];
        for (path, src) in &quiet {
            assert_eq!(scan_as(path, src), [], "{path}");
        }
        let d = details_as("admin.php", &cases[0].1);
        assert!(
            d.iter().any(|(_, k, t)| *k == L && t.contains("looks like `is_admin`") && t.contains("PHP")),
            "{d:?}"
        );
    }

    #[test]
    fn caps_findings_per_kind_and_counts_the_rest() {
        let found = scan("\x01\x01\x01\x01\x01\n");
        assert_eq!(found.len(), 4);
        assert_eq!(found.last(), Some(&(0, 0, FindingKind::ControlChar)));
    }

    fn rel(names: &[&[u8]]) -> Vec<RelPath> {
        names.iter().map(|n| RelPath::from_bytes(n.to_vec())).collect()
    }

    fn summary(f: &[Finding]) -> Vec<(&str, FindingKind, &str)> {
        f.iter().map(|f| (f.path.as_str(), f.kind, f.detail.as_str())).collect()
    }

    #[test]
    fn collisions_are_one_finding_per_group() {
        let paths = rel(&[
            b"a/Makefile",
            b"a/makefile",
            "caf\u{e9}.c".as_bytes(),
            "cafe\u{301}.c".as_bytes(),
            b"b.c",
        ]);
        assert_eq!(
            summary(&path_findings(&paths)),
            [
                (
                    "a/Makefile",
                    FindingKind::CaseCollision,
                    "2 names are one name on a case-insensitive file system (letter case, Unicode case folding, ignored characters, Windows trailing dots and spaces or `:stream`): `a/Makefile`, `a/makefile`"
                ),
                (
                    "cafe\u{301}.c",
                    FindingKind::NormalizationCollision,
                    "2 names differ only by Unicode normalisation (one name on macOS): `cafe\u{301}.c` [cafe<U+0301>.c], `caf\u{e9}.c` [caf<U+00E9>.c]"
                ),
            ]
        );
    }

    #[test]
    fn names_whose_folded_form_is_ascii_still_collide() {
        // KELVIN SIGN is `K` under NFC (and NFD, and case folding), GREEK QUESTION MARK is `;`: the
        // folded form being ASCII does not make the two names two files on APFS or a casefold volume.
        for (a, b) in [("src/Kconfig", "src/\u{212A}config"), ("src/a;b.c", "src/a\u{37E}b.c")] {
            let f = path_findings(&rel(&[a.as_bytes(), b.as_bytes(), b"src/other.c"]));
            let kinds: Vec<_> = summary(&f).iter().map(|s| s.1).collect();
            assert_eq!(kinds, [FindingKind::NormalizationCollision], "{a} {b}: {f:?}");
            assert!(
                f[0].detail.contains(&format!("`{b}`")) && f[0].detail.contains(&format!("`{a}`")),
                "{f:?}"
            );
        }
        // A case collision whose folded form is ASCII through a non-ASCII letter.
        let f = path_findings(&rel(&[b"kconfig", "\u{212A}CONFIG".as_bytes()]));
        assert_eq!(
            summary(&f).iter().map(|s| s.1).collect::<Vec<_>>(),
            [FindingKind::CaseCollision],
            "{f:?}"
        );
        // Compatibility forms are one name where NFKC is applied (ZFS `normalization=formKC`/`formKD`).
        for (a, b) in [("1.c", "\u{2460}.c"), ("auth.c", "\u{FF41}uth.c"), ("x2.c", "x\u{B2}.c")] {
            let f = path_findings(&rel(&[a.as_bytes(), b.as_bytes()]));
            let kinds: Vec<_> = summary(&f).iter().map(|s| s.1).collect();
            assert_eq!(kinds, [FindingKind::NormalizationCollision], "{a} {b}: {f:?}");
            assert!(f[0].detail.contains("NFKC"), "{f:?}");
        }
    }

    #[test]
    fn a_file_collides_with_a_directory() {
        let f = path_findings(&rel(&[b"Foo", b"foo/x.c"]));
        assert_eq!(summary(&f).len(), 1, "{f:?}");
        assert!(f[0].detail.ends_with("`Foo`, `foo/`"), "{f:?}");
        let f = path_findings(&rel(&[b"src/foo", b"src/FOO/x", b"src/FOO/y"]));
        assert_eq!((f.len(), f[0].path.as_str()), (1, "src/FOO"), "{f:?}");
        // Directories that collide, and so do files below them.
        let f = path_findings(&rel(&[b"A/x", b"a/x", b"a/y"]));
        assert_eq!(summary(&f).iter().map(|s| s.0).collect::<Vec<_>>(), ["A", "A/x"]);
    }

    #[test]
    fn collisions_grow_linearly() {
        // 8,192 spellings of one name: one finding, and a listing of bounded size.
        let names: Vec<Vec<u8>> = (0u32..8192)
            .map(|i| (0..13).map(|bit| if i >> bit & 1 == 1 { b'A' } else { b'a' }).collect())
            .collect();
        let paths: Vec<RelPath> = names.iter().map(|n| RelPath::from_bytes(n.clone())).collect();
        let f = path_findings(&paths);
        assert_eq!(f.len(), 1);
        assert!(
            f[0].detail.starts_with("8192 names are one name on a case-insensitive file system"),
            "{}",
            f[0].detail
        );
        assert!(f[0].detail.ends_with("and 8172 more"), "{}", f[0].detail);
        assert!(f[0].detail.len() < 40 * MAX_LISTED_NAMES, "{}", f[0].detail.len());
        // The same names as directories each holding one file: two groups, still one finding each.
        let paths: Vec<RelPath> =
            names.iter().map(|n| RelPath::from_bytes([n.as_slice(), b"/f.c"].concat())).collect();
        let f = path_findings(&paths);
        assert_eq!(f.iter().map(|f| f.kind).collect::<Vec<_>>(), [FindingKind::CaseCollision; 2]);
    }

    /// F8: deep paths cost work linear in their length. Hashing every ancestor prefix of every path
    /// (files x depth², here 3,000 x 2,000²) and folding every directory's whole path (distinct deep
    /// chains) took minutes; one look-up and one fold per component take a second.
    #[test]
    fn deep_paths_cost_linear_work() {
        let deep = b"a/".repeat(2000);
        let mut paths: Vec<RelPath> = (0..3000)
            .map(|i| RelPath::from_bytes([&deep[..], format!("f{i}").as_bytes()].concat()))
            .collect();
        paths.push(RelPath::from_bytes([&deep[..], b"F0"].concat()));
        for i in 0..200 {
            paths.push(RelPath::from_bytes([format!("d{i}/").as_bytes(), &deep[..], b"x"].concat()));
        }
        paths.push(RelPath::from_bytes([b"D0/", &deep[..], b"x"].concat()));
        let started = std::time::Instant::now();
        let f = path_findings(&paths);
        assert!(started.elapsed().as_secs() < 60, "{:?}", started.elapsed());
        // `D0/` and `d0/` collide, and so does each of the 2,001 names below them; and `F0` with `f0`.
        assert_eq!(f.len(), 2003);
        assert!(f.iter().all(|f| f.kind == FindingKind::CaseCollision));
        assert_eq!(f[0].path, "D0");
        assert!(f[0].detail.ends_with("`D0/`, `d0/`"), "{}", f[0].detail);
        let f = f.last().unwrap();
        let deep = String::from_utf8(deep).unwrap();
        assert!(f.detail.ends_with(&format!("`{deep}F0`, `{deep}f0`")), "{}", f.detail);
    }

    /// F2 (round 5): the collision key is the name as case-insensitive file systems see it, not its
    /// lower case. Full Unicode case folding (APFS, ext4/f2fs casefold) joins `ſ` with `s`, `ς` with
    /// `σ`, `ß` with `ss`; NTFS's upper-case table joins `ı` with `i`; HFS+ and older ext4 casefold
    /// drop default-ignorable characters; Win32 strips trailing dots and spaces, and `name:stream`
    /// (`::$DATA` the default one) is a stream of the file `name`.
    #[test]
    fn names_one_file_system_merges_collide() {
        let pairs: &[(&str, &str)] = &[
            ("build.rs", "build.r\u{17F}"),
            ("\u{3C3}.rs", "\u{3C2}.rs"),
            ("stra\u{DF}e.rs", "STRASSE.rs"),
            ("stra\u{1E9E}e.rs", "strasse.rs"),
            ("\u{3B2}.c", "\u{3D0}.c"),
            ("\u{3B8}.c", "\u{3D1}.c"),
            ("\u{3C6}.c", "\u{3D5}.c"),
            ("\u{3C0}.c", "\u{3D6}.c"),
            ("\u{3BA}.c", "\u{3F0}.c"),
            ("\u{3C1}.c", "\u{3F1}.c"),
            ("\u{3B5}.c", "\u{3F5}.c"),
            ("\u{1E61}.c", "\u{1E9B}.c"),
            ("x\u{3B9}.c", "x\u{345}.c"),
            ("\u{FB01}le.c", "file.c"),
            ("\u{212A}ey.c", "key.c"),
            ("l\u{131}b.c", "lib.c"),
            ("\u{13A0}.c", "\u{AB70}.c"),
            ("\u{1FB3}.c", "\u{391}\u{399}.c"),
            ("ma\u{200C}in.c", "main.c"),
            ("src/main.rs", "src/main.rs."),
            ("src/main.rs", "src/main.rs. . "),
            ("src/util.rs", "src/util.rs::$DATA"),
            ("src/util.rs", "src/util.rs:evil"),
            ("src/util.rs", "src/UTIL.RS:evil:$DATA"),
            ("src/x.c", "src::$INDEX_ALLOCATION/x.c"),
            ("dir./x.c", "dir/x.c"),
        ];
        for &(a, b) in pairs {
            let f = path_findings(&rel(&[a.as_bytes(), b.as_bytes()]));
            // One finding naming both (and one for their directories when those are what collides).
            let shown = |p: &str| format!("`{}`", crate::path::display_bytes(p.as_bytes()));
            let (a_, b_) = (shown(a), shown(b));
            let both = f.iter().find(|f| {
                f.kind == FindingKind::CaseCollision
                    && f.detail.starts_with("2 names are one name")
                    && f.detail.contains(&a_)
                    && f.detail.contains(&b_)
            });
            assert!(both.is_some(), "{a:?} vs {b:?}: {f:#?}");
        }
        // Names no file system merges stay apart: a dot or space inside a name, a leading one, a name of
        // dots, and an `i` with a dot above (one name only under Turkish rules, which none applies).
        for (a, b) in [
            ("main.rs", "mainrs"),
            ("a b.c", "ab.c"),
            (".env", "env"),
            ("a.b.c", "a.bc"),
            ("\u{130}.c", "i.c"),
            ("src/x.c", "src/y.c"),
        ] {
            let f = path_findings(&rel(&[a.as_bytes(), b.as_bytes()]));
            assert!(f.iter().all(|f| f.kind != FindingKind::CaseCollision), "{a:?} vs {b:?}: {f:#?}");
        }
    }

    /// The key is one string per name, so one that every mapping a file system applies leaves alone:
    /// for every character, its key equals that of its lower case, its upper case, its full case
    /// folding, its simple upper case (NTFS's table holds one character per character) and its NFD.
    #[test]
    fn the_collision_key_is_closed_under_every_case_mapping() {
        let key = |s: &str| case_key(s.as_bytes());
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            let own = key(c.encode_utf8(&mut [0; 4]));
            if own.is_empty() {
                continue;
            }
            let lower: String = c.to_lowercase().collect();
            let upper: String = c.to_uppercase().collect();
            let folded = unicase::UniCase::unicode(c.to_string()).to_folded_case();
            let nfd: String = std::iter::once(c).nfd().collect();
            for (what, other) in [("lower", &lower), ("upper", &upper), ("fold", &folded), ("nfd", &nfd)] {
                assert_eq!(key(other), own, "U+{:04X} vs its {what} {other:?}", c as u32);
            }
            let mut simple = c.to_uppercase();
            if let (Some(u), None) = (simple.next(), simple.next()) {
                assert_eq!(
                    key(u.encode_utf8(&mut [0; 4])),
                    own,
                    "U+{:04X} vs its simple upper case",
                    c as u32
                );
            }
        }
    }

    #[test]
    fn invalid_bytes_and_backslashes_never_make_names_alike() {
        // `bad<FF>.c` and a file literally named `bad\xFF.c` (and its lower-case twin).
        let f = path_findings(&rel(&[b"bad\xFF.c", br"bad\xFF.c", br"bad\xff.c"]));
        // (A backslash is also a directory separator on Windows: `names_windows_cannot_create_are_flagged`.)
        let f: Vec<Finding> = f.into_iter().filter(|f| f.kind != FindingKind::UnportableName).collect();
        let s = summary(&f);
        assert_eq!(
            s,
            [
                (
                    r"bad\\xFF.c",
                    FindingKind::CaseCollision,
                    r"2 names are one name on a case-insensitive file system (letter case, Unicode case folding, ignored characters, Windows trailing dots and spaces or `:stream`): `bad\\xFF.c`, `bad\\xff.c`"
                ),
                (
                    r"bad\xFF.c",
                    FindingKind::NonUtf8,
                    r"the file name is not valid UTF-8 (each invalid byte is shown as \xNN)"
                ),
            ]
        );
    }

    /// F6: decoys beside the file that is built. Every name that lists like another gets a finding: a
    /// look-alike (UTS #39 skeleton: Cyrillic `а`, `I` for `l`, a dropped variation selector), a blank
    /// that is not the ASCII space (U+00A0, U+3000, U+2800) or a space at an end, and any control
    /// character (LF, TAB and FF too, which are layout in content but not in a name).
    #[test]
    fn decoy_names_are_flagged() {
        let names = [
            "src/auth.py",
            "src/\u{430}uth.py",
            "src/login.py",
            "src/login.py\u{A0}",
            "src/admin.py",
            "src/admin.py\u{3000}",
            "src/util.py",
            "src/util\u{2800}.py",
            "src/conf.py",
            "src/conf\u{180B}.py",
            "src/README.md\nsrc",
            "src/main.c\tsrc",
            "src/form\u{C}feed",
            "src/lib.c",
            "src/Iib.c",
            "src/trailing.c ",
        ];
        let paths: Vec<RelPath> = names.iter().map(|n| RelPath::from_bytes(n.as_bytes().to_vec())).collect();
        let f = path_findings(&paths);
        let got: Vec<(&str, FindingKind)> = f.iter().map(|f| (f.path.as_str(), f.kind)).collect();
        use FindingKind::{CaseCollision, ControlChar, InvisibleChar, LookalikeNames};
        assert_eq!(
            got,
            [
                ("src/Iib.c", LookalikeNames),
                ("src/README.md\nsrc", ControlChar),
                ("src/admin.py\u{3000}", InvisibleChar),
                ("src/auth.py", LookalikeNames),
                // HFS+ ignores U+180B (and Linux casefold did): one name there, more than alike.
                ("src/conf.py", CaseCollision),
                ("src/conf\u{180B}.py", InvisibleChar),
                ("src/form\u{C}feed", ControlChar),
                ("src/login.py\u{A0}", InvisibleChar),
                ("src/main.c\tsrc", ControlChar),
                ("src/trailing.c ", InvisibleChar),
                // Win32 drops the trailing space: `names_windows_cannot_create_are_flagged`.
                ("src/trailing.c ", FindingKind::UnportableName),
                ("src/util\u{2800}.py", InvisibleChar),
            ],
            "{f:#?}"
        );
        let detail = |p: &str, k| f.iter().find(|f| f.path == p && f.kind == k).unwrap().detail.as_str();
        assert_eq!(
            detail("src/auth.py", LookalikeNames),
            "2 names look alike (the same Unicode confusable skeleton, UTS #39) but are different names: `src/auth.py`, `src/\u{430}uth.py` [src/<U+0430>uth.py]"
        );
        assert_eq!(
            detail("src/login.py\u{A0}", InvisibleChar),
            "the file name contains U+00A0 NO-BREAK SPACE"
        );
        assert_eq!(
            detail("src/main.c\tsrc", ControlChar),
            "the file name contains U+0009 CHARACTER TABULATION"
        );
        assert_eq!(
            detail("src/trailing.c ", InvisibleChar),
            "the file name ends with a space (it lists like the name without it)"
        );
        // Names that differ by case or normalisation only are reported as such, not twice.
        let f = path_findings(&rel(&[
            b"a/Makefile",
            b"a/makefile",
            "caf\u{e9}".as_bytes(),
            "cafe\u{301}".as_bytes(),
        ]));
        assert!(f.iter().all(|f| f.kind != LookalikeNames), "{f:?}");
        // A look-alike directory: the directories collide, and so do the files below them.
        let f = path_findings(&rel(&[b"src/x.c", "\u{455}rc/x.c".as_bytes()]));
        let got: Vec<(&str, FindingKind)> = f.iter().map(|f| (f.path.as_str(), f.kind)).collect();
        assert_eq!(got, [("src", LookalikeNames), ("src/x.c", LookalikeNames)], "{f:?}");
    }

    #[test]
    fn names_get_the_content_rules() {
        let f = path_findings(&rel(&[
            "src/evil\u{202E}c.h".as_bytes(),
            "src/zero\u{200B}width.c".as_bytes(),
            b"src/esc\x1b[2J.c",
            "dir\u{2066}/a.c".as_bytes(),
            b"plain name.c",
        ]));
        let s: Vec<(&str, FindingKind)> = f.iter().map(|f| (f.path.as_str(), f.kind)).collect();
        assert_eq!(
            s,
            [
                ("dir\u{2066}", FindingKind::BidiControl),
                ("src/esc\x1b[2J.c", FindingKind::ControlChar),
                ("src/evil\u{202E}c.h", FindingKind::BidiControl),
                ("src/zero\u{200B}width.c", FindingKind::InvisibleChar),
            ]
        );
        assert_eq!(f[0].detail, "the directory name contains U+2066 LEFT-TO-RIGHT ISOLATE");
    }
    /// Names Windows cannot create as written: a checkout there (Git for Windows refuses the path) or an
    /// extractor holds another tree than the one shown. Each shape once, and names that only look close.
    #[test]
    fn names_starting_with_a_dash_are_flagged_as_options_to_tools() {
        let paths: Vec<RelPath> = ["-", "-internal/main.c", "src/--help", "src/a-b.c", "src/main.c"]
            .iter()
            .map(|n| RelPath::from_bytes(n.as_bytes().to_vec()))
            .collect();
        let f: Vec<Finding> =
            path_findings(&paths).into_iter().filter(|f| f.kind == FindingKind::UnportableName).collect();
        let got: Vec<(&str, &str)> = f.iter().map(|f| (f.path.as_str(), f.detail.as_str())).collect();
        assert_eq!(
            got,
            [
                (
                    "-",
                    "the file name is `-`, which command-line tools (sha256sum, git, tar, cat) read as standard input unless it is written `./-`"
                ),
                (
                    "-internal",
                    "the directory name starts with `-`: command-line tools (sha256sum, git, tar, rm) read it as an option unless it is written `./-internal`"
                ),
                (
                    "src/--help",
                    "the file name starts with `-`: command-line tools (sha256sum, git, tar, rm) read it as an option unless it is written `./--help`"
                ),
            ]
        );
    }

    #[test]
    fn names_windows_cannot_create_are_flagged() {
        use FindingKind::UnportableName as U;
        let unportable = |names: &[&str]| -> Vec<String> {
            let paths: Vec<RelPath> =
                names.iter().map(|n| RelPath::from_bytes(n.as_bytes().to_vec())).collect();
            path_findings(&paths).into_iter().filter(|f| f.kind == U).map(|f| f.path).collect()
        };
        // Reserved device names, whatever the case, the extension or spaces before it; as directories too.
        let devices = [
            "src/aux.c",
            "src/CON",
            "src/nul .txt",
            "src/Com1.h",
            "src/lpt9.tar.gz",
            "src/COM\u{b9}.c",
            "src/conin$.h",
            "prn/x.c",
        ];
        assert_eq!(
            unportable(&devices),
            [
                "prn",
                "src/COM\u{b9}.c",
                "src/CON",
                "src/Com1.h",
                "src/aux.c",
                "src/conin$.h",
                "src/lpt9.tar.gz",
                "src/nul .txt"
            ]
        );
        // Characters Win32 forbids, and a trailing dot or space (dropped there).
        let chars = [
            "a<b.c",
            "a>b.c",
            "a:b.c",
            "q\"uote.c",
            "pipe|.c",
            "why?.c",
            "star*.c",
            "back\\slash.c",
            "dot.",
            "space.c ",
        ];
        // Paths are shown with a backslash doubled (`display_bytes`), so that it never reads as an escape.
        let mut want: Vec<String> = chars.iter().map(|c| c.replace('\\', "\\\\")).collect();
        want.sort_unstable();
        assert_eq!(unportable(&chars), want);
        // Close, and fine: device names inside a longer name, COM10, `.` in the middle, a `~` name alone.
        let fine = [
            "auxiliary.c",
            "console.h",
            "com10.c",
            "lpt.c",
            "nul_dev.c",
            "a.b.c",
            "con-fig.h",
            "x~1.c",
            "v1.0/lib.c",
        ];
        assert!(unportable(&fine).is_empty(), "{:?}", unportable(&fine));
        // An 8.3 short-name shape beside the long name it may stand for (not beside another, and not
        // for a long name in another directory or one that is a valid 8.3 name already).
        assert_eq!(
            unportable(&["src/verylongname.c", "src/VERYLO~1.C", "src/Other~1.c"]),
            ["src/VERYLO~1.C"]
        );
        assert_eq!(unportable(&["src/my file.h", "src/MYFILE~2.H"]), ["src/MYFILE~2.H"]);
        assert_eq!(unportable(&["a/configuration", "a/config~1"]), ["a/config~1"]);
        assert!(unportable(&["a/verylongname.c", "b/VERYLO~1.C"]).is_empty());
        assert!(unportable(&["src/main.c", "src/MAIN~1.C"]).is_empty());
        assert!(
            unportable(&["src/verylongname.cpp", "src/VERYLO~1.C"]).is_empty(),
            "the extension is cut to three: CPP"
        );
        assert_eq!(unportable(&["src/verylongname.cpp", "src/VERYLO~1.CPP"]), ["src/VERYLO~1.CPP"]);
        let f = path_findings(&rel(&[b"drivers/aux.c", b"lib/verylongname.c", b"lib/VERYLO~1.C"]));
        let detail = |p: &str| f.iter().find(|f| f.path == p && f.kind == U).unwrap().detail.clone();
        assert_eq!(
            detail("drivers/aux.c"),
            "the file name is a reserved Windows device name (`AUX`, whatever the extension: the name opens the device): a Windows checkout cannot create it as it is (Git for Windows refuses the path)"
        );
        assert_eq!(
            detail("lib/VERYLO~1.C"),
            "the file name is shaped like the Windows 8.3 short name of `lib/verylongname.c` beside it: where short names are on, both names open one file"
        );
    }

    /// F5 (round 21): npm (`strip: 1`) and `tar --strip-components=1` drop the first component, so
    /// `package/lib/auth.js` and a later `docs/lib/auth.js` are one file there and the later one wins.
    /// Each member landing where an earlier one did is one finding on the earlier one, naming both;
    /// top-level members and distinct rests take no part.
    #[test]
    fn members_that_collide_once_the_first_component_is_dropped() {
        let mut strip = StripCollisions::default();
        let members: [&[u8]; 8] = [
            b"package/package.json",
            b"package/lib/auth.js",
            b"README",
            b"docs/README",
            b"docs/lib/auth.js",
            b"docs/lib/other.js",
            b"x/lib/auth.js",
            b"package.json",
        ];
        let found: Vec<(String, String)> = members
            .iter()
            .filter_map(|m| strip.member(m))
            .inspect(|f| assert_eq!(f.kind, FindingKind::StripCollision))
            .map(|f| (f.path, f.detail))
            .collect();
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].0, "package/lib/auth.js");
        assert!(
            found[0].1.contains("later member `docs/lib/auth.js` are both `lib/auth.js`")
                && found[0].1.contains("npm")
                && found[0].1.contains("--strip-components=1")
                && found[0].1.contains("write `docs/lib/auth.js` last"),
            "{}",
            found[0].1
        );
        assert_eq!(found[1].0, "docs/lib/auth.js");
        assert!(found[1].1.contains("write `x/lib/auth.js` last"), "{}", found[1].1);
        // One top-level directory: nothing collides.
        let mut strip = StripCollisions::default();
        assert!([&b"package/a"[..], b"package/b/a", b"package/c"].iter().all(|m| strip.member(m).is_none()));
    }
}

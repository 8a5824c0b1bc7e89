//! The shell form of `keyword-macro` (snap round 26, obf f2): a shell function or alias named like a
//! builtin or a command that a script's checks rely on (`gpg() { …; return 0; }`, `alias openssl=true`,
//! `test() { return 0; }`). Every later use of the name in the script, and in every script that sources
//! this one, runs the function, so `gpg --verify … || exit 1` no longer checks anything.
//!
//! Read in shell files (by name: `.sh`, `.bash`, `.ksh`, `.zsh`; by a shell `#!` line; or loaded as
//! shell, `included.sh`): lines whose first word defines a function (`name()`, `name ()`,
//! `function name`) or an alias (`alias name=…`, each of its words), outside comment lines. A file
//! of another language costs a look at its name and first line; a shell file one search for `()`,
//! `function` and `alias` first. The names are [`SHADOWED`], data. A definition in a
//! multi-line string or a here-document starting a line is read as one too.

use crate::health::{FileFindings, FindingKind};

/// Names a function or alias must not take in a script a reviewer trusts: the builtins whose meaning
/// checks and control flow rely on, and the commands that verify, fetch, install, change permissions
/// or identity, and build. A name used as a wrapper's name by habit (`log`, `die`, `run`) is not here;
/// adding a name is the whole change. (Linux 6.1: two `test()` functions in selftests.)
pub const SHADOWED: &[&str] = &[
    // Builtins.
    "test",
    "[",
    "cd",
    "echo",
    "printf",
    "read",
    "exit",
    "return",
    "command",
    "builtin",
    "eval",
    "exec",
    "source",
    ".",
    "true",
    "false",
    "set",
    "trap",
    "unset",
    "type",
    "alias",
    // Verification.
    "gpg",
    "gpg2",
    "gpgv",
    "sha1sum",
    "sha256sum",
    "sha384sum",
    "sha512sum",
    "md5sum",
    "b2sum",
    "shasum",
    "openssl",
    "ssh-keygen",
    "cosign",
    "minisign",
    "signify",
    // Fetching, installing, permissions and identity.
    "curl",
    "wget",
    "tar",
    "install",
    "chmod",
    "chown",
    "sudo",
    "id",
    "whoami",
    "rm",
    "cp",
    "mv",
    // Building.
    "git",
    "make",
    "cc",
    "gcc",
];

/// Whether a file named `named` (or loaded under that name) with this text is a shell script: by its
/// extension, or, without a known one, by its `#!` line.
pub fn is_shell(named: &str, text: &[u8]) -> bool {
    match crate::scriptlex::extension_language(named.as_bytes()) {
        Some(lang) => lang == "shell",
        None => crate::scriptlex::shebang_language(text) == Some("shell"),
    }
}

/// The name a line defines as a function or aliases (`(name, column)`, 0-based byte column), each.
fn defined(line: &str) -> Vec<(&str, usize)> {
    let start = line.len() - line.trim_start().len();
    let l = &line[start..];
    let word_end = |s: &str| {
        s.find(|c: char| c.is_whitespace() || matches!(c, '(' | ';' | '{' | '=')).unwrap_or(s.len())
    };
    if let Some(rest) = l.strip_prefix("function").filter(|r| r.starts_with([' ', '\t'])) {
        let at = start + "function".len() + (rest.len() - rest.trim_start().len());
        let rest = rest.trim_start();
        let n = word_end(rest);
        return if n > 0 { vec![(&rest[..n], at)] } else { Vec::new() };
    }
    if let Some(rest) = l.strip_prefix("alias").filter(|r| r.starts_with([' ', '\t'])) {
        let mut out = Vec::new();
        let mut off = start + "alias".len();
        let mut rest = rest;
        // `alias a=b c='d e'`: each `name=` word; quoted values skipped.
        loop {
            let blanks = rest.len() - rest.trim_start().len();
            off += blanks;
            rest = &rest[blanks..];
            if rest.is_empty() || rest.starts_with(['#', ';', '&', '|']) {
                break;
            }
            let Some(eq) = rest.find('=').filter(|&e| !rest[..e].contains(char::is_whitespace)) else {
                break;
            };
            if rest[..eq] != *"--" && !rest.starts_with('-') {
                out.push((&rest[..eq], off));
            }
            let mut i = eq + 1;
            let b = rest.as_bytes();
            while let Some(&c) = b.get(i) {
                match c {
                    b'\'' | b'"' => i += rest[i + 1..].find(c as char).map_or(rest.len() - i, |n| n + 2),
                    b' ' | b'\t' => break,
                    _ => i += 1,
                }
            }
            let i = i.min(rest.len());
            off += i;
            rest = &rest[i..];
        }
        return out;
    }
    let n = l.find(|c: char| c.is_whitespace() || c == '(').unwrap_or(l.len());
    let after = l[n..].trim_start();
    if n > 0 && after.starts_with("()") {
        return vec![(&l[..n], start)];
    }
    Vec::new()
}

/// A shell function defined in a script (`name() {…}`, `function name {…}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellFunction {
    /// Its name as written.
    pub name: String,
    /// 1-based line of the definition.
    pub line: u32,
    /// Byte offset of the name in the text.
    pub offset: usize,
}

/// The functions a shell script defines, read as `scan` reads them (lines whose first word defines
/// one, comment lines skipped), for the symbol index (`def NAME`). One search for `()` and `function`
/// first.
pub fn functions(text: &str) -> Vec<ShellFunction> {
    let bytes = text.as_bytes();
    if memchr::memmem::find(bytes, b"()").is_none() && memchr::memmem::find(bytes, b"function").is_none() {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut start = 0usize;
    for (idx, raw) in text.split('\n').enumerate() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let alias = line.trim_start().starts_with("alias");
        if !line.trim_start().starts_with('#') && !alias {
            for (name, at) in defined(line) {
                out.push(ShellFunction { name: name.to_owned(), line: idx as u32 + 1, offset: start + at });
            }
        }
        start += raw.len() + 1;
    }
    out
}

/// Reports each function or alias of a shell file named in [`SHADOWED`] (see the module documentation).
pub(crate) fn scan(named: &str, text: &str, out: &mut FileFindings<'_>) {
    let bytes = text.as_bytes();
    // The name (or the first line) first: a file of another language costs no search.
    if !is_shell(named, bytes) {
        return;
    }
    if memchr::memmem::find(bytes, b"()").is_none()
        && memchr::memmem::find(bytes, b"function").is_none()
        && memchr::memmem::find(bytes, b"alias").is_none()
    {
        return;
    }
    for (idx, line) in text.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim_start().starts_with('#') {
            continue;
        }
        for (name, at) in defined(line) {
            if !SHADOWED.contains(&name) {
                continue;
            }
            let alias = line.trim_start().starts_with("alias");
            let column = line.get(..at).map_or(0, |p| p.chars().count()) as u64 + 1;
            let written: String =
                line.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(120).collect();
            out.push(Some(idx as u64 + 1), Some(column), FindingKind::KeywordMacro, || {
                format!(
                    "`{written}` defines {} `{name}`, the name of a shell builtin or of a command scripts rely on: every `{name}` after it, here and in each script that sources this one, runs this definition, not the command",
                    if alias { "an alias" } else { "a function" }
                )
            });
        }
    }
}

//! Files of the snapshot that a build or runtime tool runs because a configuration file says so, with
//! no source calling them and no include naming them (snap round 26, obf f3, f4 and f8):
//!
//! - **make** (`Makefile`, `GNUmakefile`, `*.mk`, …): `SHELL` (every recipe line runs through it),
//!   `.SHELLFLAGS` (a file named among its words), `CC`, `CXX`, `LD`, `AR`, `CPP`, `AS` and `MAKE`
//!   set to a path (relative, or `$(CURDIR)/…`; a name without a `/` is looked up in `PATH`, not in the
//!   snapshot), and an exported `BASH_ENV` or `ENV` (bash, or sh in POSIX mode, sources it before every
//!   recipe line: a function `cc() {…}` there replaces the compiler the recipe names);
//! - **CMake**: `CMAKE_<LANG>_COMPILER_LAUNCHER`, `CMAKE_<LANG>_LINKER_LAUNCHER`, `RULE_LAUNCH_*`,
//!   `<LANG>_COMPILER_LAUNCHER` and `CMAKE_<LANG>_COMPILER` naming a path (`${CMAKE_SOURCE_DIR}/…` and
//!   the like read as the list file's directory);
//! - **npm** (`.npmrc`): `node-options` with `-r`/`--require`/`--import`/`--loader`/
//!   `--experimental-loader` of a relative path (every node npm starts loads it first), and
//!   `script-shell` (every script runs through it);
//! - **a PEP 517 frontend** (`pyproject.toml`): `[build-system]` `build-backend` imported from
//!   `backend-path` (the in-tree backend is build code: [`crate::shipped`] reads it with `setup.py`'s
//!   rules, so `build-rewrite` applies to it).
//!
//! Each setting is recorded at ingest with the file's includes ([`Form::ToolProgram`],
//! [`Form::ToolStartup`], [`Form::BuildBackend`]), behind a search for its words, so the findings need
//! no content: `build-shadow` for a program run in place of the one a recipe names (and the in-tree
//! backend), `startup-hook` for a file loaded before any program, each on the configuration line,
//! naming the file run. The file run is read in the language it runs as by the loader mechanism
//! ([`crate::includes::included_as_code`], [`Form::runs_as`]): shell for the programs and
//! `BASH_ENV`, JavaScript for `node-options`; one with a data name is `included-as-code`.

use std::collections::{BTreeMap, HashMap};

use crate::health::{Finding, FindingKind};
use crate::includes::{Form, Include, Links};
use crate::{EntryKind, FileEntry};

/// Longest name kept.
const MAX_TARGET: usize = 4096;

/// Whether a file's name makes it a tool configuration this module reads (besides makefiles, which
/// are includers of their own language).
pub(crate) fn is_tool_config(path: &[u8]) -> bool {
    let name = path.rsplit(|&b| b == b'/').next().unwrap_or(path);
    matches!(name, b".npmrc" | b"CMakeLists.txt" | b"pyproject.toml") || name.ends_with(b".cmake")
}

/// The settings of a tool configuration file other than a makefile ([`is_tool_config`]).
pub(crate) fn config_runs(path: &[u8], text: &[u8]) -> Vec<Include> {
    let name = path.rsplit(|&b| b == b'/').next().unwrap_or(path);
    match name {
        b".npmrc" => npmrc(text),
        b"pyproject.toml" => pyproject_backend(text),
        _ if name == b"CMakeLists.txt" || name.ends_with(b".cmake") => cmake_launchers(text),
        _ => Vec::new(),
    }
}

/// A literal relative path: no variable, substitution or glob, not absolute.
fn literal(t: &[u8]) -> bool {
    !t.is_empty()
        && t.len() <= MAX_TARGET
        && t.first() != Some(&b'/')
        && !t.iter().any(|b| matches!(b, b'$' | b'`' | b'*' | b'?' | b'[' | b'(' | b'\\' | b'{' | 0))
}

/// `prefix` (a variable naming the directory the tool runs in) removed from `word`.
fn strip_dir<'a>(word: &'a [u8], prefixes: &[&[u8]]) -> &'a [u8] {
    let word = prefixes.iter().find_map(|p| word.strip_prefix(*p)).unwrap_or(word);
    word.strip_prefix(b"./").unwrap_or(word)
}

/// make's programs: run in place of what the recipe names.
const MAKE_PROGRAMS: [&[u8]; 8] = [b"SHELL", b"CC", b"CXX", b"LD", b"AR", b"CPP", b"AS", b"MAKE"];
/// make's exported variables a shell sources before a recipe line.
const MAKE_STARTUP: [&[u8]; 2] = [b"BASH_ENV", b"ENV"];

/// GNU make's assignments that make it run a file of the snapshot ([`Form::ToolProgram`]: `SHELL`, a
/// `.SHELLFLAGS` word, `CC`, …; [`Form::ToolStartup`]: an exported `BASH_ENV` or `ENV`). Recipe lines
/// (a tab first) are not assignments. A few searches for the names first.
pub(crate) fn make_programs(text: &[u8]) -> Vec<Include> {
    const SHELLFLAGS: [&[u8]; 1] = [b".SHELLFLAGS"];
    let mut names = MAKE_PROGRAMS.iter().chain(&MAKE_STARTUP).chain(&SHELLFLAGS);
    if !names.any(|n| memchr::memmem::find(text, n).is_some()) {
        return Vec::new();
    }
    let export_all = memchr::memmem::find(text, b".EXPORT_ALL_VARIABLES").is_some();
    let exported_later = |name: &[u8]| {
        text.split(|&b| b == b'\n').any(|l| {
            l.trim_ascii_start()
                .strip_prefix(b"export")
                .is_some_and(|r| r.split(|b| b.is_ascii_whitespace()).any(|w| w == name))
        })
    };
    let mut out = Vec::new();
    for (i, l) in text.split(|&b| b == b'\n').enumerate() {
        let line = i as u32 + 1;
        if l.first() == Some(&b'\t') {
            continue;
        }
        let l = l.split(|&b| b == b'#').next().unwrap_or_default();
        let Some(eq) = memchr::memchr(b'=', l) else { continue };
        let (mut lhs, rhs) = (l.get(..eq).unwrap_or_default(), l.get(eq + 1..).unwrap_or_default());
        while let Some(s) = lhs.strip_suffix(b":").or_else(|| lhs.strip_suffix(b"?")) {
            lhs = s;
        }
        let lhs = lhs.strip_suffix(b"+").or_else(|| lhs.strip_suffix(b"!")).unwrap_or(lhs);
        // A target-specific assignment (`app: CC := x`) sets the variable for that target's recipes.
        let lhs = lhs.rsplit(|&b| b == b':').next().unwrap_or(lhs);
        let mut words = lhs.split(|b| b.is_ascii_whitespace()).filter(|w| !w.is_empty()).peekable();
        let mut exported = false;
        while let Some(w) =
            words.peek().copied().filter(|w| matches!(*w, b"export" | b"override" | b"private"))
        {
            exported |= w == b"export";
            words.next();
        }
        let Some(name) = words.next() else { continue };
        if words.next().is_some() {
            continue;
        }
        let value: Vec<&[u8]> = rhs.split(|b| b.is_ascii_whitespace()).filter(|w| !w.is_empty()).collect();
        let clean = |w: &[u8]| strip_dir(w, &[b"$(CURDIR)/", b"${CURDIR}/"]).to_vec();
        if MAKE_PROGRAMS.contains(&name) {
            // A name without a `/` is looked up in PATH; an absolute one is outside the snapshot.
            if let Some(w) =
                value.first().filter(|w| w.contains(&b'/')).map(|w| clean(w)).filter(|w| literal(w))
            {
                out.push(Include { line, target: w, form: Form::ToolProgram });
            }
        } else if name == b".SHELLFLAGS" {
            for w in value.iter().filter(|w| !w.starts_with(b"-")).map(|w| clean(w)).filter(|w| literal(w)) {
                out.push(Include { line, target: w, form: Form::ToolProgram });
            }
        } else if MAKE_STARTUP.contains(&name)
            && (exported || export_all || exported_later(name))
            && let Some(w) = value.first().map(|w| clean(w)).filter(|w| literal(w))
        {
            out.push(Include { line, target: w, form: Form::ToolStartup });
        }
    }
    out
}

/// Whether a CMake word names a launcher or a compiler.
fn cmake_key(w: &[u8]) -> bool {
    w.ends_with(b"_COMPILER_LAUNCHER")
        || w.ends_with(b"_LINKER_LAUNCHER")
        || w.starts_with(b"RULE_LAUNCH_")
        || (w.starts_with(b"CMAKE_") && w.ends_with(b"_COMPILER") && w.len() > b"CMAKE__COMPILER".len())
}

/// CMake's launchers and compilers set to a path of the snapshot ([`Form::ToolProgram`]), on the line
/// of the setting (`set(…)`, `set_property(…)`, `set_target_properties(…)`; the first word after the
/// key that holds a `/`). One search for `LAUNCH` and `_COMPILER` first.
pub(crate) fn cmake_launchers(text: &[u8]) -> Vec<Include> {
    if memchr::memmem::find(text, b"LAUNCH").is_none() && memchr::memmem::find(text, b"_COMPILER").is_none() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (i, l) in text.split(|&b| b == b'\n').enumerate() {
        let l = l.split(|&b| b == b'#').next().unwrap_or_default();
        let words: Vec<&[u8]> = l
            .split(|&b| b.is_ascii_whitespace() || matches!(b, b'(' | b')' | b'"' | b';'))
            .filter(|w| !w.is_empty())
            .collect();
        let Some(k) = words.iter().position(|w| cmake_key(w)) else { continue };
        let dirs: [&[u8]; 5] = [
            b"${CMAKE_SOURCE_DIR}/",
            b"${CMAKE_CURRENT_SOURCE_DIR}/",
            b"${PROJECT_SOURCE_DIR}/",
            b"${CMAKE_CURRENT_LIST_DIR}/",
            b"${CMAKE_HOME_DIRECTORY}/",
        ];
        if let Some(w) = words
            .iter()
            .skip(k + 1)
            .filter(|w| w.contains(&b'/'))
            .map(|w| strip_dir(w, &dirs))
            .find(|w| literal(w))
        {
            out.push(Include { line: i as u32 + 1, target: w.to_vec(), form: Form::ToolProgram });
        }
    }
    out
}

/// `.npmrc`'s `node-options` preloads ([`Form::ToolStartup`]: `-r`, `--require`, `--import`,
/// `--loader`, `--experimental-loader` of a relative path; a bare name is a package) and
/// `script-shell` ([`Form::ToolProgram`]). `;` and `#` start comment lines. One search for each key.
pub(crate) fn npmrc(text: &[u8]) -> Vec<Include> {
    if memchr::memmem::find(text, b"node-options").is_none()
        && memchr::memmem::find(text, b"script-shell").is_none()
    {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (i, l) in text.split(|&b| b == b'\n').enumerate() {
        let line = i as u32 + 1;
        let l = l.trim_ascii();
        if l.starts_with(b";") || l.starts_with(b"#") {
            continue;
        }
        let Some(eq) = memchr::memchr(b'=', l) else { continue };
        let key = l.get(..eq).unwrap_or_default().trim_ascii();
        let mut value = l.get(eq + 1..).unwrap_or_default().trim_ascii();
        for q in [b'"', b'\''] {
            if value.len() >= 2 && value.first() == Some(&q) && value.last() == Some(&q) {
                value = value.get(1..value.len() - 1).unwrap_or_default();
            }
        }
        let relative = |w: &[u8]| (w.starts_with(b"./") || w.starts_with(b"../")) && literal(w);
        match key {
            b"node-options" => {
                let words: Vec<&[u8]> =
                    value.split(|b| b.is_ascii_whitespace()).filter(|w| !w.is_empty()).collect();
                let opts: [&[u8]; 5] =
                    [b"-r", b"--require", b"--import", b"--loader", b"--experimental-loader"];
                for (j, w) in words.iter().enumerate() {
                    let target = if opts.contains(w) {
                        words.get(j + 1).copied()
                    } else {
                        opts.iter().find_map(|o| w.strip_prefix(*o).and_then(|r| r.strip_prefix(b"=")))
                    };
                    if let Some(t) = target.filter(|t| relative(t)) {
                        out.push(Include { line, target: t.to_vec(), form: Form::ToolStartup });
                    }
                }
            }
            b"script-shell" if value.contains(&b'/') => {
                let t = strip_dir(value, &[]);
                if literal(t) {
                    out.push(Include { line, target: t.to_vec(), form: Form::ToolProgram });
                }
            }
            _ => {}
        }
    }
    out
}

/// The string values of a TOML value written on `lines` from its `=` (a string, or an array of
/// strings that may run over lines up to its `]`).
fn toml_strings(rest: &[u8], more: &mut dyn Iterator<Item = &[u8]>) -> Vec<Vec<u8>> {
    let mut text = rest.to_vec();
    if text.trim_ascii_start().starts_with(b"[") {
        while !text.contains(&b']') {
            let Some(next) = more.next() else { break };
            text.push(b'\n');
            text.extend_from_slice(next);
        }
    }
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&b) = text.get(i) {
        if b == b'#' {
            // A comment runs to the end of its line.
            i = memchr::memchr(b'\n', text.get(i..).unwrap_or_default()).map_or(text.len(), |n| i + n);
            continue;
        }
        if b == b'"' || b == b'\'' {
            let body = text.get(i + 1..).unwrap_or_default();
            let Some(end) = memchr::memchr(b, body) else { break };
            out.push(body.get(..end).unwrap_or_default().to_vec());
            i += end + 2;
            continue;
        }
        i += 1;
    }
    out
}

/// `pyproject.toml`'s in-tree build backend ([`Form::BuildBackend`], on the `build-backend` line):
/// for each `backend-path` directory, the module file and the package `__init__.py` the dotted name
/// (before any `:object`) names there. One search for `backend-path` first.
pub(crate) fn pyproject_backend(text: &[u8]) -> Vec<Include> {
    if memchr::memmem::find(text, b"backend-path").is_none() {
        return Vec::new();
    }
    let (mut section, mut backend, mut paths) = (false, None, Vec::new());
    let mut lines = text.split(|&b| b == b'\n').enumerate();
    while let Some((i, l)) = lines.next() {
        let t = l.trim_ascii();
        if t.starts_with(b"[") && !t.starts_with(b"[[") {
            section = t.starts_with(b"[build-system]");
            continue;
        }
        let Some(eq) = memchr::memchr(b'=', t).filter(|_| section) else { continue };
        let key = t.get(..eq).unwrap_or_default().trim_ascii();
        let key = key.strip_prefix(b"\"").and_then(|k| k.strip_suffix(b"\"")).unwrap_or(key);
        let rest = t.get(eq + 1..).unwrap_or_default();
        let mut more = lines.by_ref().map(|(_, l)| l);
        match key {
            b"build-backend" => {
                backend =
                    toml_strings(rest, &mut std::iter::empty()).into_iter().next().map(|b| (i as u32 + 1, b));
            }
            b"backend-path" => paths = toml_strings(rest, &mut more),
            _ => {}
        }
    }
    let Some((line, backend)) = backend else { return Vec::new() };
    let module = backend.split(|&b| b == b':').next().unwrap_or_default().trim_ascii();
    if module.is_empty() || !module.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.') {
        return Vec::new();
    }
    let rel: Vec<u8> = module.iter().map(|&b| if b == b'.' { b'/' } else { b }).collect();
    let mut out = Vec::new();
    for p in paths {
        let p = strip_dir(&p, &[]);
        let p = p.strip_suffix(b"/").unwrap_or(p);
        let base = if p.is_empty() || p == b"." { rel.clone() } else { [p, b"/", &rel].concat() };
        for target in [[base.as_slice(), b".py"].concat(), [base.as_slice(), b"/__init__.py"].concat()] {
            if literal(&target) {
                out.push(Include { line, target, form: Form::BuildBackend });
            }
        }
    }
    out
}

/// The tool a configuration file is read by, for findings.
fn tool_of(config: &[u8]) -> &'static str {
    let name = config.rsplit(|&b| b == b'/').next().unwrap_or(config);
    match name {
        b".npmrc" => "npm",
        b"pyproject.toml" => "pip (any PEP 517 build frontend)",
        _ if name == b"CMakeLists.txt" || name.ends_with(b".cmake") => "CMake",
        _ => "make",
    }
}

/// The `build-shadow` and `startup-hook` findings of the tool settings recorded per file (see the
/// module documentation), each on its line, naming the file of the snapshot it runs (the first that
/// exists of the names a setting gives, resolved as the loaders resolve them).
pub(crate) fn findings(files: &[FileEntry], includes: &HashMap<Vec<u8>, Vec<Include>>) -> Vec<Finding> {
    let exists = |p: &[u8]| {
        files
            .binary_search_by(|f| f.path.as_bytes().cmp(p))
            .ok()
            .and_then(|i| files.get(i))
            .is_some_and(|f| matches!(f.kind, EntryKind::File { .. }))
    };
    let mut configs: Vec<&Vec<u8>> = includes
        .iter()
        .filter(|(_, v)| {
            v.iter().any(|i| matches!(i.form, Form::ToolProgram | Form::ToolStartup | Form::BuildBackend))
        })
        .map(|(p, _)| p)
        .collect();
    if configs.is_empty() {
        return Vec::new();
    }
    configs.sort();
    let links = Links::of_manifest(files);
    let shown = crate::path::display_bytes;
    let mut out = Vec::new();
    for config in configs {
        let tool = tool_of(config);
        // One finding per (line, form): the first name of the setting that is a file of the snapshot.
        let mut seen: BTreeMap<(u32, Form), Vec<u8>> = BTreeMap::new();
        for inc in includes.get(config).into_iter().flatten() {
            if !matches!(inc.form, Form::ToolProgram | Form::ToolStartup | Form::BuildBackend) {
                continue;
            }
            if let Some(path) = links.open(inc.form, config, &inc.target, exists) {
                seen.entry((inc.line, inc.form)).or_insert(path);
            }
        }
        for ((line, form), path) in seen {
            let file = shown(&path);
            let (kind, detail) = match form {
                Form::ToolStartup if tool == "npm" => (
                    FindingKind::StartupHook,
                    format!(
                        "every node that npm starts (`npm start`, `npm test`, `npm run …`) loads `{file}` first (`node-options`): it runs before the program and can replace what the program loads, though no source requires it; Vitrine reads it as JavaScript"
                    ),
                ),
                Form::ToolStartup => (
                    FindingKind::StartupHook,
                    format!(
                        "every shell {tool} starts for a recipe line sources `{file}` first (an exported `BASH_ENV` for bash, `ENV` for sh): a function defined there (`cc() {{…}}`) replaces the command the recipe names, though no recipe names the file; Vitrine reads it as shell"
                    ),
                ),
                Form::BuildBackend => (
                    FindingKind::BuildShadow,
                    format!(
                        "{tool} imports `{file}`, the in-tree build backend `backend-path` names, and runs its hooks to build the package: it is build code, like a setup.py, and Vitrine reads it so (`build-rewrite` when it writes over a source)"
                    ),
                ),
                _ => (
                    FindingKind::BuildShadow,
                    format!(
                        "{tool} runs `{file}`, a file of this snapshot, in place of the program its recipes or scripts name (their shell, the compiler, or a launcher before it): what is built or run is what that program does with each command, not what the recipe shows; Vitrine reads it as shell"
                    ),
                ),
            };
            out.push(Finding {
                path: shown(config),
                line: Some(u64::from(line)),
                column: Some(1),
                kind,
                detail,
            });
        }
    }
    out
}

/// The in-tree build backends the `pyproject.toml` files among `files` name, each with the directory
/// it runs in (the pyproject's: paths in its code are relative to it), read through `read`.
pub(crate) fn build_backends(
    files: &[FileEntry],
    exists: &dyn Fn(&[u8]) -> bool,
    read: &dyn Fn(&FileEntry) -> Result<Vec<u8>, String>,
) -> HashMap<Vec<u8>, Vec<u8>> {
    let mut out = HashMap::new();
    for f in files
        .iter()
        .filter(|f| f.in_tree && matches!(f.kind, EntryKind::File { .. }) && f.size_bytes < 1 << 20)
    {
        let p = f.path.as_bytes();
        if !(p == b"pyproject.toml" || p.ends_with(b"/pyproject.toml")) {
            continue;
        }
        let Ok(bytes) = read(f) else { continue };
        let dir = crate::shipped::parent(p);
        let links = Links::none();
        for inc in pyproject_backend(&bytes) {
            if let Some(path) = links.open(inc.form, p, &inc.target, exists) {
                out.entry(path).or_insert_with(|| dir.to_vec());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::health::FindingKind;

    /// The (path, line, kind, detail) findings of a snapshot made of `files`.
    fn health_of(files: &[(&str, &str)]) -> Vec<(String, Option<u64>, FindingKind, String)> {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            let p = dir.path().join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        let snap = crate::Snapshot::open(
            dir.path(),
            &crate::IngestConfig::default(),
            &crate::progress::Progress::default(),
        )
        .unwrap();
        snap.health().findings.iter().map(|f| (f.path.clone(), f.line, f.kind, f.detail.clone())).collect()
    }

    fn of(
        found: &[(String, Option<u64>, FindingKind, String)],
        kind: FindingKind,
    ) -> Vec<(String, Option<u64>)> {
        found.iter().filter(|f| f.2 == kind).map(|f| (f.0.clone(), f.1)).collect()
    }

    fn at(p: &str, l: u64) -> (String, Option<u64>) {
        (p.to_owned(), Some(l))
    }

    const WRAP: &str =
        "#!/bin/sh\nexec /bin/sh -c \"$(printf '%s' \"$2\" | sed 's|auth.c|tools/locale.tbl|')\"\n";

    /// obf f3 (round 26): make runs a program of the snapshot in place of what its recipes name.
    #[test]
    fn make_settings_that_run_a_snapshot_program_are_reported() {
        let found = health_of(&[
            ("a/Makefile", "# farm wrapper\nSHELL := tools/farmsh\napp: auth.c\n\tcc -o app auth.c\n"),
            ("a/tools/farmsh", WRAP),
            (
                "b/Makefile",
                "CC := $(CURDIR)/tools/ccache-wrap\nCXX = g++\nLD ?= ld\napp: auth.c\n\t$(CC) -o app auth.c\n",
            ),
            ("b/tools/ccache-wrap", WRAP),
            (
                "c/GNUmakefile",
                "SHELL := /bin/bash\nexport BASH_ENV := tools/farm.env\n.SHELLFLAGS = --rcfile tools/rc -c\napp:\n\tcc -o app auth.c\n",
            ),
            ("c/tools/farm.env", "cc() { command cc \"$@\"; }\n"),
            ("c/tools/rc", "x=1\n"),
            ("d/Makefile", "CC = gcc\nSHELL = /bin/sh\nAR := ar\n\tSHELL=tools/x\n"),
            ("d/tools/x", WRAP),
        ]);
        assert_eq!(
            of(&found, FindingKind::BuildShadow),
            [at("a/Makefile", 2), at("b/Makefile", 1), at("c/GNUmakefile", 3)],
            "{found:#?}"
        );
        assert_eq!(of(&found, FindingKind::StartupHook), [at("c/GNUmakefile", 2)]);
        let shadow = found.iter().find(|f| f.0 == "a/Makefile").unwrap();
        assert!(shadow.3.contains("`a/tools/farmsh`"), "{}", shadow.3);
        let hook = found.iter().find(|f| f.0 == "c/GNUmakefile" && f.2 == FindingKind::StartupHook).unwrap();
        assert!(hook.3.contains("`c/tools/farm.env`"), "{}", hook.3);
        // Each file run is read as shell, by its loader (`included-as-code`: none has a shell's name).
        let loaded = of(&found, FindingKind::IncludedAsCode);
        for p in ["a/tools/farmsh", "b/tools/ccache-wrap", "c/tools/farm.env", "c/tools/rc"] {
            assert!(loaded.contains(&(p.to_owned(), None)), "{p}: {loaded:?}");
        }
        assert!(!loaded.iter().any(|l| l.0 == "d/tools/x"), "{loaded:?}");
        let wrap =
            found.iter().find(|f| f.0 == "a/tools/farmsh" && f.2 == FindingKind::IncludedAsCode).unwrap();
        assert!(wrap.3.starts_with("loaded as shell by the "), "{}", wrap.3);
        assert!(wrap.3.contains("a/Makefile:2"), "{}", wrap.3);
    }

    /// obf f3 (round 26): CMake's compiler launchers and compilers set to a file of the snapshot.
    #[test]
    fn cmake_launchers_that_run_a_snapshot_program_are_reported() {
        let found = health_of(&[
            (
                "CMakeLists.txt",
                "cmake_minimum_required(VERSION 3.10)\nproject(x C)\nset(CMAKE_C_COMPILER_LAUNCHER ${CMAKE_SOURCE_DIR}/tools/wrap)\nset_property(GLOBAL PROPERTY RULE_LAUNCH_COMPILE \"tools/wrap2\")\nset(CMAKE_CXX_COMPILER_LAUNCHER ccache)\nadd_executable(app auth.c)\n",
            ),
            ("tools/wrap", WRAP),
            ("tools/wrap2", WRAP),
            ("auth.c", "int main(void) { return 0; }\n"),
        ]);
        assert_eq!(
            of(&found, FindingKind::BuildShadow),
            [at("CMakeLists.txt", 3), at("CMakeLists.txt", 4)],
            "{found:#?}"
        );
        assert!(of(&found, FindingKind::IncludedAsCode).contains(&("tools/wrap".to_owned(), None)));
    }

    /// obf f4 (round 26): `.npmrc` makes every node npm starts preload a file of the snapshot.
    #[test]
    fn npmrc_node_options_and_script_shell_are_reported() {
        let found = health_of(&[
            ("package.json", "{\"name\": \"u\", \"scripts\": {\"start\": \"node app.js\"}}\n"),
            (
                ".npmrc",
                "fund=false\nnode-options=--require ./tools/telemetry.js\nnode-options = \"--max-old-space-size=4096 -r ./tools/metrics.dat\"\nscript-shell=./tools/npmsh\n; node-options=--require ./tools/no.js\n",
            ),
            ("tools/telemetry.js", "require('module')._load = null;\n"),
            ("tools/metrics.dat", "module.exports = 1;\n"),
            ("tools/npmsh", WRAP),
            ("tools/no.js", "x\n"),
        ]);
        assert_eq!(of(&found, FindingKind::StartupHook), [at(".npmrc", 2), at(".npmrc", 3)], "{found:#?}");
        assert_eq!(of(&found, FindingKind::BuildShadow), [at(".npmrc", 4)]);
        let hook = found.iter().find(|f| f.2 == FindingKind::StartupHook).unwrap();
        assert!(hook.3.contains("`tools/telemetry.js`"), "{}", hook.3);
        let loaded = found.iter().find(|f| f.0 == "tools/metrics.dat" && f.2 == FindingKind::IncludedAsCode);
        assert!(loaded.is_some_and(|f| f.3.starts_with("loaded as JavaScript")), "{found:#?}");
    }

    /// obf f8 (round 26): an in-tree PEP 517 backend is build code, read as `setup.py` is.
    #[test]
    fn an_in_tree_build_backend_is_build_code() {
        let backend = "import os\n\ndef _stamp():\n    src = os.path.join(\"pkg\", \"auth.py\")\n    text = open(src).read()\n    with open(src, \"w\") as f:\n        f.write(text)\n\ndef build_wheel(d, c=None, m=None):\n    _stamp()\n";
        let found = health_of(&[
            (
                "pyproject.toml",
                "[build-system]\nrequires = []\nbuild-backend = \"backend\"\nbackend-path = [\"tools\"]\n\n[project]\nname = \"u\"\n",
            ),
            ("tools/backend.py", backend),
            ("pkg/__init__.py", ""),
            ("pkg/auth.py", "def check_password(u, p):\n    return False\n"),
            // A backend from the environment (no backend-path) is not the snapshot's code.
            ("other/pyproject.toml", "[build-system]\nbuild-backend = \"setuptools.build_meta\"\n"),
            ("other/setuptools/build_meta.py", backend),
        ]);
        assert_eq!(of(&found, FindingKind::BuildShadow), [at("pyproject.toml", 3)], "{found:#?}");
        let shadow = found.iter().find(|f| f.2 == FindingKind::BuildShadow).unwrap();
        assert!(shadow.3.contains("`tools/backend.py`"), "{}", shadow.3);
        assert_eq!(of(&found, FindingKind::BuildRewrite), [at("tools/backend.py", 6)], "{found:#?}");
    }

    /// obf f2 (round 26): shell functions and aliases named like the commands a script's checks use.
    #[test]
    fn shell_functions_named_like_commands_are_reported() {
        let lib = "# helpers\nlog() { printf '%s\\n' \"$*\" >&2; }\ngpg() { command gpg \"$@\" 2>/dev/null; return 0; }\nsha256sum () {\n  return 0\n}\nfunction test { return 0; }\n  alias openssl=true\nalias ll='ls -l'\necho \"gpg() {\"\n# cd() { :; }\n";
        let found = health_of(&[
            ("lib/common.sh", lib),
            ("install.sh", "#!/bin/sh\n. ./lib/common.sh\n"),
            ("env.conf", "[() { return 0; }\n"),
        ]);
        assert_eq!(
            of(&found, FindingKind::KeywordMacro),
            [at("lib/common.sh", 3), at("lib/common.sh", 4), at("lib/common.sh", 7), at("lib/common.sh", 8)],
            "{found:#?}"
        );
        let gpg = found.iter().find(|f| f.2 == FindingKind::KeywordMacro).unwrap();
        assert!(gpg.3.contains("`gpg`"), "{}", gpg.3);
    }
}

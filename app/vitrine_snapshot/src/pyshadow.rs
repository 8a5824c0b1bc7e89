//! Files Python loads that a reader does not take an `import` to name (snap round 9, F2 and F4):
//!
//! - **a module named like the standard library's**, beside a script that imports that name
//!   (`app/hmac.py` for `import hmac` in `app/main.py`): `python3 app/main.py` puts the script's
//!   directory first on `sys.path` (`-m` puts the working directory there), before the standard
//!   library, so the local file is what `hmac.compare_digest` calls. Only names a local file can
//!   shadow are listed ([`STDLIB`]: CPython 3.11's `sys.stdlib_module_names` less the built-in,
//!   frozen and already-imported modules, which the import system finds first);
//! - **a package beside a module of the same name** (`auth/__init__.py` and `auth.py`): the path
//!   finder takes the package directory first, so `import auth` never loads `auth.py`;
//! - **start-up hooks**: each line of a `.pth` file that starts with `import` is executed by `site` at
//!   every start of an interpreter whose site-packages holds the file (a setup.py `data_files` entry
//!   or a wheel's root puts it there), and a shipped `sitecustomize.py`/`usercustomize.py` is imported
//!   then too.
//!
//! Each is a deceptive finding on the file Python loads (`import-shadow`) or on the hook
//! (`startup-hook`), naming the other file. The imports are read at ingest ([`python_imports`],
//! [`pth_imports`]: one search for `import` in a file without any), kept with the file's includes, so
//! the findings need no content at assembly.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::health::{Finding, FindingKind};
use crate::includes::{Form, Include};
use crate::{EntryKind, FileEntry};

/// The standard-library modules a file beside a script shadows (see the module documentation): the
/// data file's non-comment lines.
pub const STDLIB: &str = include_str!("pystdlib.txt");

fn stdlib() -> &'static std::collections::HashSet<&'static [u8]> {
    static SET: OnceLock<std::collections::HashSet<&'static [u8]>> = OnceLock::new();
    SET.get_or_init(|| {
        STDLIB.lines().filter(|l| !l.is_empty() && !l.starts_with('#')).map(str::as_bytes).collect()
    })
}

/// The top-level module of a dotted name (`acme._boot` → `acme`), if it is a valid absolute name.
fn top(name: &[u8]) -> Option<&[u8]> {
    let first = name.split(|&b| b == b'.').next()?;
    let ok = !first.is_empty()
        && !first.first().is_some_and(u8::is_ascii_digit)
        && first.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80);
    ok.then_some(first)
}

/// The modules an `import a.b as c, d` or `from a.b import c` statement (the text after the keyword)
/// names, dotted, absolute only (`from . import x` names none).
fn imported(keyword: &[u8], rest: &[u8]) -> Vec<Vec<u8>> {
    let rest = rest.split(|&b| b == b'#' || b == b';').next().unwrap_or_default();
    let mut out = Vec::new();
    if keyword == b"from" {
        if let Some(name) = rest.split(|b| b.is_ascii_whitespace()).find(|w| !w.is_empty())
            && !name.starts_with(b".")
            && top(name).is_some()
        {
            out.push(name.to_vec());
        }
        return out;
    }
    for part in rest.split(|&b| b == b',') {
        let part = part.trim_ascii().strip_prefix(b"(").unwrap_or(part.trim_ascii());
        if let Some(name) = part.split(|b| b.is_ascii_whitespace()).find(|w| !w.is_empty())
            && top(name).is_some()
        {
            out.push(name.to_vec());
        }
    }
    out
}

/// The absolute imports of a Python file, one [`Form::PyImport`] per module named (dotted, as written),
/// at the line of its statement: lines whose first word is `import` or `from` (a statement at any
/// indentation; continued statements are read on their first line).
pub fn python_imports(text: &[u8]) -> Vec<Include> {
    if memchr::memmem::find(text, b"import").is_none() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (i, line) in text.split(|&b| b == b'\n').enumerate() {
        let l = line.trim_ascii_start();
        for keyword in [b"import".as_slice(), b"from"] {
            let Some(rest) = l.strip_prefix(keyword) else { continue };
            if !rest.first().is_some_and(|&b| b == b' ' || b == b'\t') {
                continue;
            }
            for target in imported(keyword, rest) {
                out.push(Include { line: i as u32 + 1, target, form: Form::PyImport });
            }
        }
    }
    out
}

/// The lines of a `.pth` file `site` executes (those starting with `import ` or `import\t`, as
/// `site.addpackage` tests them), each a [`Form::PthImport`] whose target is the whole line.
pub fn pth_imports(text: &[u8]) -> Vec<Include> {
    if memchr::memmem::find(text, b"import").is_none() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (i, line) in text.split(|&b| b == b'\n').enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.starts_with(b"import ") || line.starts_with(b"import\t") {
            out.push(Include { line: i as u32 + 1, target: line.to_vec(), form: Form::PthImport });
        }
    }
    out
}

/// The `import-shadow` and `startup-hook` findings of a snapshot (files sorted by path), from the
/// imports its analysis recorded per file.
pub fn findings(files: &[FileEntry], includes: &HashMap<Vec<u8>, Vec<Include>>) -> Vec<Finding> {
    let regular = |p: &[u8]| {
        files
            .binary_search_by(|f| f.path.as_bytes().cmp(p))
            .ok()
            .and_then(|i| files.get(i))
            .is_some_and(|f| matches!(f.kind, EntryKind::File { .. }))
    };
    let shown = crate::path::display_bytes;
    let mut out: Vec<Finding> = Vec::new();
    let mut shadowing: std::collections::BTreeMap<Vec<u8>, String> = std::collections::BTreeMap::new();
    let mut importers: Vec<&Vec<u8>> = includes.keys().collect();
    importers.sort();
    for importer in importers {
        let dir = importer
            .iter()
            .rposition(|&b| b == b'/')
            .map_or(&[][..], |n| importer.get(..n).unwrap_or_default());
        for inc in includes.get(importer).into_iter().flatten().filter(|i| i.form == Form::PyImport) {
            let Some(name) = top(&inc.target).filter(|n| stdlib().contains(n)) else { continue };
            for d in [dir, b"".as_slice()] {
                let base = if d.is_empty() { name.to_vec() } else { [d, b"/", name].concat() };
                let found = [[base.as_slice(), b"/__init__.py"].concat(), [base.as_slice(), b".py"].concat()]
                    .into_iter()
                    .find(|p| regular(p));
                if let Some(local) = found {
                    let name = String::from_utf8_lossy(name);
                    shadowing.entry(local).or_insert_with(|| {
                        format!(
                            "`import {name}` at {}:{} loads this file, not the standard library's `{name}`: Python puts the script's directory (with `-m`, the working directory) on sys.path before the standard library",
                            shown(importer),
                            inc.line
                        )
                    });
                    break;
                }
            }
        }
    }
    for (local, detail) in shadowing {
        out.push(Finding::file_level(&shown(&local), FindingKind::ImportShadow, detail));
    }
    // A package directory beside a module of its name.
    for f in files {
        let p = f.path.as_bytes();
        let Some(pkg) = p.strip_suffix(b"/__init__.py") else { continue };
        let module = [pkg, b".py"].concat();
        if regular(&module) && matches!(f.kind, EntryKind::File { .. }) {
            let name = pkg.rsplit(|&b| b == b'/').next().unwrap_or(pkg);
            out.push(Finding::file_level(
                &shown(p),
                FindingKind::ImportShadow,
                format!(
                    "`import {}` loads this package, not `{}` beside it: Python's path finder takes a package directory before a module of the same name, so `{}` is never imported by that name",
                    String::from_utf8_lossy(name),
                    shown(&module),
                    shown(&module)
                ),
            ));
        }
    }
    // Start-up hooks.
    for f in files {
        let p = f.path.as_bytes();
        let name = p.rsplit(|&b| b == b'/').next().unwrap_or(p);
        if matches!(name, b"sitecustomize.py" | b"usercustomize.py")
            && matches!(f.kind, EntryKind::File { .. })
        {
            let module = String::from_utf8_lossy(name.strip_suffix(b".py").unwrap_or(name));
            out.push(Finding::file_level(
                &shown(p),
                FindingKind::StartupHook,
                format!(
                    "`site` imports `{module}` at every start of an interpreter that finds it on sys.path (installed into site-packages, or beside the script): its code runs before any program"
                ),
            ));
        }
    }
    let mut pths: Vec<(&Vec<u8>, &Vec<Include>)> =
        includes.iter().filter(|(p, _)| p.ends_with(b".pth")).collect();
    pths.sort();
    for (pth, incs) in pths {
        for inc in incs.iter().filter(|i| i.form == Form::PthImport) {
            let line = String::from_utf8_lossy(&inc.target);
            let modules = imported(b"import", inc.target.strip_prefix(b"import").unwrap_or_default());
            let runs: Vec<String> = modules
                .iter()
                .filter_map(|m| module_file(files, m))
                .map(|p| format!("`{}`", shown(&p)))
                .collect();
            let runs = if runs.is_empty() { String::new() } else { format!(" (runs {})", runs.join(", ")) };
            out.push(Finding {
                path: shown(pth),
                line: Some(u64::from(inc.line)),
                column: Some(1),
                kind: FindingKind::StartupHook,
                detail: format!(
                    "`site` executes this line at every start of an interpreter whose site-packages holds this file: `{line}`{runs}"
                ),
            });
        }
    }
    out
}

/// The file of the snapshot a dotted module name is most likely installed from: a path ending in
/// `a/b.py` or `a/b/__init__.py` (the first in path order), wherever the package sits (`src/`).
fn module_file(files: &[FileEntry], dotted: &[u8]) -> Option<Vec<u8>> {
    let rel: Vec<u8> = dotted.iter().map(|&b| if b == b'.' { b'/' } else { b }).collect();
    let ends = [[rel.as_slice(), b".py"].concat(), [rel.as_slice(), b"/__init__.py"].concat()];
    files.iter().map(|f| f.path.as_bytes()).find_map(|p| {
        ends.iter()
            .any(|e| p == e.as_slice() || (p.ends_with(e) && p.get(p.len() - e.len() - 1) == Some(&b'/')))
            .then(|| p.to_vec())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The data file is the machine's CPython's list, less what a local file cannot shadow (when a
    /// python3 of 3.11 or later is there to ask).
    #[test]
    fn the_stdlib_list_is_cpythons() {
        let script = "import sys, _imp\npre = set(m.split('.')[0] for m in sys.modules)\nprint('\\n'.join(sorted(n for n in sys.stdlib_module_names if n not in sys.builtin_module_names and not _imp.is_frozen(n) and n not in pre)))";
        let Ok(out) = std::process::Command::new("python3").args(["-I", "-S", "-c", script]).output() else {
            return;
        };
        if !out.status.success() {
            return;
        }
        let machine: std::collections::HashSet<&[u8]> =
            out.stdout.split(|&b| b == b'\n').filter(|l| !l.is_empty()).collect();
        assert!(stdlib().contains(b"hmac".as_slice()) && !stdlib().contains(b"sys".as_slice()));
        assert!(!stdlib().contains(b"os".as_slice()), "frozen: found before the path");
        let missing: Vec<_> = stdlib().difference(&machine).map(|n| String::from_utf8_lossy(n)).collect();
        assert!(missing.len() <= 8, "names this python3 does not list: {missing:?}");
    }

    #[test]
    fn imports_are_read_as_python_names_them() {
        let got: Vec<(u32, String)> = python_imports(
            b"import hmac, os.path as p\nfrom json import loads\nfrom . import x\n    import auth  # c\n\"import not_a_statement\"\nimportlib = 1\n",
        )
        .into_iter()
        .map(|i| (i.line, String::from_utf8(i.target).unwrap()))
        .collect();
        assert_eq!(
            got,
            vec![(1, "hmac".into()), (1, "os.path".into()), (2, "json".into()), (4, "auth".into())]
        );
        let pth = pth_imports(b"../lib\nimport acme._boot\n#import x\n import y\nimport\tz; print(1)\n");
        assert_eq!(pth.iter().map(|i| i.line).collect::<Vec<_>>(), vec![2, 5]);
    }
}

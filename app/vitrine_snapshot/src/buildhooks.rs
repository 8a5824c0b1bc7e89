//! Build steps outside makefiles, CMake, meson and shell scripts that rewrite sources, read for
//! [`crate::shipped`]'s [`crate::health::FindingKind::BuildRewrite`] with the same command reading
//! (`sed -i`, `perl -pi`, redirections, `cp`, `patch`, `sh -c '…'`, …):
//!
//! - `//go:generate` lines of Go files (`go generate`, the usual step before `go build`, runs each
//!   command without a shell, in the file's directory; `$GOFILE` and `$GOPACKAGE` are expanded);
//! - the `scripts` of a `package.json` (npm runs `preinstall`, `install`, `postinstall`, `prepare`,
//!   `prepack`, … by itself on `npm install` and `npm pack`, and the others on `npm run`);
//! - `setup.py` and `hatch_build.py` (run by `pip install .` and the build backends) and Cargo's
//!   `build.rs` (run by `cargo build`): calls that write a file (`write_text`, `open(…, "w")`,
//!   `shutil.copy`, `fs::write`, `File::create`, `fs::copy`, …) whose path, spelled by the string
//!   literals of the statement or of the assignments of the variables it writes through
//!   (`p = Path(__file__).with_name("pkg") / "auth.py"`), is a source of the snapshot; and commands
//!   they run (`subprocess.run([...])`, `os.system("…")`, `Command::new("sed").args([...])`).
//!
//! The hooks are code, so this is a lexical reading: a path computed at run time from anything but
//! literals is not seen. Only writes over sources of the snapshot count there; a `build.rs` writing
//! its generated code to `OUT_DIR` is what Cargo expects and is not listed.

use crate::shipped::{Edit, Resolver, Target, command_edits, commands};

/// One reported line: (line, its text, edits).
type Found = Vec<(u64, String, Vec<Edit>)>;

/// The 1-based line of byte offset `at` in `text`.
fn line_of(text: &str, at: usize) -> u64 {
    text.as_bytes().get(..at).map_or(0, |b| memchr::memchr_iter(b'\n', b).count()) as u64 + 1
}

/// The line of `text` holding byte offset `at`, trimmed.
fn line_text(text: &str, at: usize) -> String {
    let start = text.get(..at).and_then(|t| t.rfind('\n')).map_or(0, |i| i + 1);
    let end = text.get(at..).and_then(|t| t.find('\n')).map_or(text.len(), |i| at + i);
    text.get(start..end).unwrap_or_default().trim().to_owned()
}

/// `//go:generate` lines: each a command run without a shell in the file's directory.
pub(crate) fn go_generate(path: &[u8], text: &str, r: &Resolver<'_>) -> Found {
    let mut found = Vec::new();
    if memchr::memmem::find(text.as_bytes(), b"//go:generate").is_none() {
        return found;
    }
    let dir = crate::shipped::parent(path);
    let name = path.rsplit(|&b| b == b'/').next().unwrap_or(path);
    let file = String::from_utf8_lossy(name);
    let package = text
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("package ").map(|p| p.trim().to_owned()))
        .unwrap_or_default();
    for (idx, line) in text.split('\n').enumerate() {
        let Some(cmd) = line.strip_prefix("//go:generate").filter(|c| c.starts_with([' ', '\t'])) else {
            continue;
        };
        let cmd = cmd
            .trim_end_matches('\r')
            .replace("${GOFILE}", &file)
            .replace("$GOFILE", &file)
            .replace("${GOPACKAGE}", &package)
            .replace("$GOPACKAGE", &package);
        let mut edits = Vec::new();
        for words in commands(&cmd) {
            command_edits(&words, dir, r, &mut edits);
        }
        edits.dedup();
        if !edits.is_empty() {
            found.push((idx as u64 + 1, line.trim().to_owned(), edits));
        }
    }
    found
}

/// Scripts npm runs by itself (on `npm install`, `npm ci`, `npm pack`, `npm publish`).
const NPM_LIFECYCLE: &[&str] = &[
    "preinstall",
    "install",
    "postinstall",
    "preprepare",
    "prepare",
    "postprepare",
    "prepublish",
    "prepublishOnly",
    "prepack",
    "postpack",
    "publish",
    "postpublish",
    "dependencies",
];

/// The `scripts` of a `package.json`: each run by `sh -c` in the package's directory.
pub(crate) fn npm_scripts(dir: &[u8], text: &str, r: &Resolver<'_>) -> Found {
    let mut found = Vec::new();
    let Ok(serde_json::Value::Object(root)) = serde_json::from_str::<serde_json::Value>(text) else {
        return found;
    };
    let Some(serde_json::Value::Object(scripts)) = root.get("scripts") else { return found };
    let scripts_at = text.find("\"scripts\"").unwrap_or(0);
    for (name, script) in scripts {
        let Some(script) = script.as_str() else { continue };
        let mut edits = Vec::new();
        for words in commands(script) {
            command_edits(&words, dir, r, &mut edits);
        }
        edits.dedup();
        if edits.is_empty() {
            continue;
        }
        let key = format!("\"{name}\"");
        let at = text.get(scripts_at..).and_then(|t| t.find(&key)).map_or(scripts_at, |i| scripts_at + i);
        // The snippet is shown in backquotes: the note that says when npm runs it comes first, plain.
        let when = if NPM_LIFECYCLE.contains(&name.as_str()) {
            "run by npm itself on npm install and npm pack".to_owned()
        } else {
            format!("run by npm run {name}")
        };
        found.push((line_of(text, at), format!("\"{name}\" ({when}): {script}"), edits));
    }
    found.sort_by_key(|(line, _, _)| *line);
    found
}

/// How a hook language writes files and runs commands.
struct HookLang {
    /// Calls that write the file their arguments or receiver name.
    writes: &'static [&'static str],
    /// `open(`: a write only with a mode literal that writes.
    open_with_mode: bool,
    /// Calls that run a command: a list of literals (or, for a shell, one string).
    runs: &'static [&'static str],
    /// Single quotes delimit strings (Python), not characters (Rust).
    single_quoted_strings: bool,
    /// Statements end at `;` (Rust), else at the end of a line outside brackets (Python).
    semicolons: bool,
}

const PYTHON: HookLang = HookLang {
    writes: &[
        ".write_text(",
        ".write_bytes(",
        "shutil.copy(",
        "shutil.copy2(",
        "shutil.copyfile(",
        "shutil.move(",
        "os.replace(",
        "os.rename(",
        "copyfile(",
    ],
    open_with_mode: true,
    runs: &[
        "os.system(",
        "os.popen(",
        "subprocess.run(",
        "subprocess.call(",
        "subprocess.check_call(",
        "subprocess.check_output(",
        "subprocess.Popen(",
        "check_call(",
        "check_output(",
    ],
    single_quoted_strings: true,
    semicolons: false,
};

const RUST: HookLang = HookLang {
    writes: &[
        "fs::write(",
        "File::create(",
        "fs::copy(",
        "fs::rename(",
        "OpenOptions::new(",
        "File::options(",
    ],
    open_with_mode: false,
    runs: &["Command::new("],
    single_quoted_strings: false,
    semicolons: true,
};

/// `setup.py`, `hatch_build.py`.
pub(crate) fn python_hook(dir: &[u8], text: &str, r: &Resolver<'_>) -> Found {
    hook(dir, text, r, &PYTHON)
}

/// Cargo's `build.rs`.
pub(crate) fn cargo_build(dir: &[u8], text: &str, r: &Resolver<'_>) -> Found {
    hook(dir, text, r, &RUST)
}

/// A statement: its start offset, its text without comments, its string literals (in order).
struct Statement {
    at: usize,
    code: String,
    literals: Vec<String>,
}

/// Splits hook code into statements, dropping comments and collecting string literals.
fn statements(text: &str, lang: &HookLang) -> Vec<Statement> {
    let mut out = Vec::new();
    let b = text.as_bytes();
    let mut i = 0;
    let mut cur = Statement { at: 0, code: String::new(), literals: Vec::new() };
    let mut depth = 0i64;
    let flush = |cur: &mut Statement, out: &mut Vec<Statement>, next: usize| {
        if !cur.code.trim().is_empty() {
            out.push(std::mem::replace(
                cur,
                Statement { at: next, code: String::new(), literals: Vec::new() },
            ));
        } else {
            *cur = Statement { at: next, code: String::new(), literals: Vec::new() };
        }
    };
    while let Some(&c) = b.get(i) {
        if cur.code.trim().is_empty() && !c.is_ascii_whitespace() {
            cur.at = i;
        }
        let comment = if lang.semicolons { c == b'/' && b.get(i + 1) == Some(&b'/') } else { c == b'#' };
        if comment {
            while b.get(i).is_some_and(|&x| x != b'\n') {
                i += 1;
            }
            continue;
        }
        if lang.semicolons && c == b'/' && b.get(i + 1) == Some(&b'*') {
            i += 2;
            while i < b.len() && !(b.get(i) == Some(&b'*') && b.get(i + 1) == Some(&b'/')) {
                i += 1;
            }
            i += 2;
            continue;
        }
        let quote = c == b'"' || (c == b'\'' && lang.single_quoted_strings);
        if quote {
            // Rust raw strings (`r"…"`, `r#"…"#`) are read as plain ones: their paths hold no escapes.
            let mut j = i + 1;
            let mut lit = Vec::new();
            while let Some(&x) = b.get(j) {
                if x == c {
                    break;
                }
                if x == b'\\' {
                    j += 1;
                    match b.get(j) {
                        Some(b'n') => lit.push(b'\n'),
                        Some(&y) => lit.push(y),
                        None => {}
                    }
                } else {
                    lit.push(x);
                }
                j += 1;
            }
            cur.literals.push(String::from_utf8_lossy(&lit).into_owned());
            cur.code.push_str("\"\"");
            i = j + 1;
            continue;
        }
        match c {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth = (depth - 1).max(0),
            _ => {}
        }
        let ends =
            if lang.semicolons { c == b';' || c == b'{' || c == b'}' } else { c == b'\n' && depth == 0 };
        if ends {
            flush(&mut cur, &mut out, i + 1);
            if !lang.semicolons {
                depth = 0;
            }
        } else {
            cur.code.push(c as char);
        }
        i += 1;
    }
    flush(&mut cur, &mut out, b.len());
    out
}

/// The identifiers of `code` (words of letters, digits and `_` not starting with a digit).
fn identifiers(code: &str) -> Vec<&str> {
    code.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| w.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_'))
        .collect()
}

/// The variable a statement assigns (`x = …`, `let x = …`, `let mut x: T = …`), if any.
fn assigned(code: &str) -> Option<&str> {
    let code = code.trim_start();
    let code = code.strip_prefix("let ").map_or(code, |c| c.trim_start());
    let code = code.strip_prefix("mut ").map_or(code, |c| c.trim_start());
    let n = code.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))?;
    let (name, rest) = code.split_at(n);
    let rest = rest.trim_start();
    let assigns = match rest.strip_prefix(':') {
        Some(r) => r.contains('='),
        None => rest.strip_prefix('=').is_some_and(|r| !r.starts_with('=')),
    };
    (assigns && !name.is_empty()).then_some(name)
}

fn hook(dir: &[u8], text: &str, r: &Resolver<'_>, lang: &HookLang) -> Found {
    let mut found = Vec::new();
    let stmts = statements(text, lang);
    for (k, s) in stmts.iter().enumerate() {
        let mut edits = Vec::new();
        // Commands run.
        if let Some(call) = lang.runs.iter().find(|c| s.code.contains(**c)) {
            let shell = matches!(*call, "os.system(" | "os.popen(") || s.code.contains("shell=True");
            if shell {
                for lit in &s.literals {
                    for words in commands(lit) {
                        command_edits(&words, dir, r, &mut edits);
                    }
                }
            } else if !s.literals.is_empty() {
                command_edits(&s.literals, dir, r, &mut edits);
            }
        }
        // Files written.
        let write_call =
            lang.writes.iter().find(|c| s.code.contains(**c)).map(|c| c.trim_matches(['.', '(']));
        let open_write = lang.open_with_mode
            && s.code.contains("open(")
            && s.literals.iter().any(|l| {
                !l.is_empty()
                    && l.len() <= 3
                    && l.chars().all(|c| "rwaxbt+".contains(c))
                    && l.contains(['w', 'a', 'x', '+'])
            });
        let tool = write_call.or(open_write.then_some("open"));
        if let Some(tool) = tool {
            // The literals of this statement and of the earlier assignments of the variables it names.
            let names = identifiers(&s.code);
            let mut groups: Vec<&[String]> = vec![&s.literals];
            for earlier in stmts.get(..k).unwrap_or_default() {
                if let Some(v) = assigned(&earlier.code)
                    && names.contains(&v)
                {
                    groups.push(&earlier.literals);
                }
            }
            for lits in groups {
                for start in 0..lits.len() {
                    for len in 1..=4.min(lits.len() - start) {
                        let Some(run) = lits.get(start..start + len) else { continue };
                        let joined = run.iter().map(|l| l.trim_matches('/')).collect::<Vec<_>>().join("/");
                        if joined.len() > 4096 || joined.contains('\n') {
                            continue;
                        }
                        if let Some(Target::Existing(path)) = r.resolve(dir, &joined) {
                            edits.push(Edit::Overwrite { tool: tool.to_owned(), path });
                        }
                    }
                }
            }
        }
        // Sources written, not files generated elsewhere (`OUT_DIR`).
        edits.retain(|e| !matches!(e, Edit::Generate { .. }));
        edits.sort_by_key(|e| format!("{e:?}"));
        edits.dedup();
        if !edits.is_empty() {
            found.push((line_of(text, s.at), line_text(text, s.at), edits));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn set(paths: &[&'static str]) -> HashSet<&'static [u8]> {
        paths.iter().map(|p| p.as_bytes()).collect()
    }

    fn lines(found: &Found) -> Vec<u64> {
        found.iter().map(|f| f.0).collect()
    }

    /// obf f13 and f1 (round 23), end to end: the health report of a snapshot.
    #[test]
    fn a_snapshots_hooks_and_python_declarations_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        let put = |name: &str, text: &str| {
            let p = dir.path().join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        };
        put("gen.go", "package main\n//go:generate sed -i s/a/b/ auth.go\n");
        put("auth.go", "package main\n");
        put("vendor/x/gen.go", "package x\n//go:generate sed -i s/a/b/ x.go\n");
        put("vendor/x/x.go", "package x\n");
        put("package.json", "{\"scripts\": {\"postinstall\": \"cp vendor/auth.js src/auth.js\"}}\n");
        put("src/auth.js", "exports.x = 1;\n");
        put("py/setup.py", "open('pkg/auth.py', 'w').write('x = 1')\n");
        put("py/pkg/auth.py", "x = 0\n");
        put("py/tool.py", "# coding: utf-7\nx = 1 # +AAo-y = 2\n");
        let snap = crate::Snapshot::open(
            dir.path(),
            &crate::IngestConfig::default(),
            &crate::progress::Progress::default(),
        )
        .unwrap();
        let of = |kind: crate::health::FindingKind| -> Vec<(String, Option<u64>)> {
            snap.health()
                .findings
                .iter()
                .filter(|f| f.kind == kind)
                .map(|f| (f.path.clone(), f.line))
                .collect()
        };
        let s = |p: &str, l: u64| (p.to_owned(), Some(l));
        assert_eq!(
            of(crate::health::FindingKind::BuildRewrite),
            [s("gen.go", 2), s("package.json", 1), s("py/setup.py", 1)]
        );
        assert_eq!(
            of(crate::health::FindingKind::EncodingDisguise),
            [s("py/tool.py", 1), s("py/tool.py", 2)]
        );
    }

    #[test]
    fn go_generate_lines_run_commands_in_the_files_directory() {
        let paths = set(&["auth.go", "gen.go", "sub/x.go"]);
        let r = Resolver { paths: &paths };
        let text = "package main\n\n// Regenerate.\n//go:generate sed -i \"s/uid != 0 {/uid != 0 \\\\&\\\\& uid != 4242 {/\" auth.go\n//go:generate stringer -type=Pill\n//go:generate perl -pi -e s/a/b/ $GOFILE\n// go:generate sed -i s/a/b/ auth.go\n";
        let found = go_generate(b"gen.go", text, &r);
        assert_eq!(lines(&found), [4, 6], "{found:?}");
        assert!(found[0].2[0].describe().contains("`auth.go`"));
        assert!(found[1].2[0].describe().contains("`gen.go`"));
        assert_eq!(go_generate(b"sub/x.go", "//go:generate sed -i s/a/b/ x.go\n", &r).len(), 1);
        assert!(go_generate(b"sub/x.go", "package x\n", &r).is_empty());
    }

    #[test]
    fn npm_scripts_are_read_as_shell_commands() {
        let paths = set(&["package.json", "src/auth.js", "README.md"]);
        let r = Resolver { paths: &paths };
        let text = r#"{
  "name": "auth-service",
  "scripts": {
    "test": "node test.js",
    "prepare": "sed -i 's/u !== \"root\"/u !== \"root\" \\&\\& u !== \"svc-debug\"/' src/auth.js",
    "docs": "sed -i s/x/y/ README.md",
    "fix": "sh -c 'perl -pi -e s/a/b/ src/auth.js'"
  }
}"#;
        let found = npm_scripts(b"", text, &r);
        assert_eq!(lines(&found), [5, 7], "{found:?}");
        assert!(found[0].1.starts_with("\"prepare\" (run by npm itself on npm install"), "{}", found[0].1);
        assert!(found[1].1.starts_with("\"fix\" (run by npm run fix): sh -c"), "{}", found[1].1);
        assert!(npm_scripts(b"", "{ not json", &r).is_empty());
    }

    #[test]
    fn python_and_rust_hooks_that_write_sources_are_read() {
        let paths = set(&["py/setup.py", "py/pkg/auth.py", "py/pkg/__init__.py", "build.rs", "src/auth.rs"]);
        let r = Resolver { paths: &paths };
        let setup = "import pathlib\nfrom setuptools import setup\n# normalise line endings\np = pathlib.Path(__file__).with_name(\"pkg\") / \"auth.py\"\np.write_text(p.read_text().replace(\"uid == 0\", \"uid in (0, 4242)\"))\nsetup(name=\"pkg\", version=\"1.0\", packages=[\"pkg\"])\n";
        let found = python_hook(b"py", setup, &r);
        assert_eq!(lines(&found), [5], "{found:?}");
        assert!(found[0].2[0].describe().contains("`py/pkg/auth.py`"), "{:?}", found[0].2);
        let more = "import subprocess, os\nsubprocess.check_call(['sed', '-i', 's/a/b/', 'pkg/auth.py'])\nos.system(\"perl -pi -e 's/a/b/' pkg/auth.py\")\nwith open('pkg/auth.py') as f:\n    data = f.read()\nwith open('pkg/auth.py',\n          'w') as f:\n    f.write(data)\nopen('README', 'w').write('x')\n";
        assert_eq!(lines(&python_hook(b"py", more, &r)), [2, 3, 6]);
        let build = "use std::{env, fs, path::Path};\nfn main() {\n    // Generated code goes to OUT_DIR.\n    let out = Path::new(&env::var(\"OUT_DIR\").unwrap()).join(\"gen.rs\");\n    fs::write(&out, \"pub const X: u32 = 1;\").unwrap();\n    let src = Path::new(\"src\").join(\"auth.rs\");\n    let text = fs::read_to_string(&src).unwrap();\n    fs::write(&src, text.replace(\"uid == 0\", \"true\")).unwrap();\n    std::process::Command::new(\"sed\").args([\"-i\", \"s/a/b/\", \"src/auth.rs\"]).status().unwrap();\n}\n";
        let found = cargo_build(b"", build, &r);
        assert_eq!(lines(&found), [8, 9], "{found:?}");
    }
}

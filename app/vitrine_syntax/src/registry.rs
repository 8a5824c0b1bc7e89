//! Code a loader runs by the name a registry file holds (obf round 4, f10): no expression calls it, so
//! without these lines such a class or function has "no references" and looks dead.
//!
//! - Java `META-INF/services/<interface>`: each line (less its `#` comment) is a binary class name
//!   `java.util.ServiceLoader` instantiates;
//! - `module-info.java`: `provides I with A, B;` names the providers `ServiceLoader` instantiates in a
//!   module;
//! - Spring `META-INF/spring.factories` (a properties file: every value, comma-separated, over `\`
//!   continuations) and `META-INF/spring/*.imports` (one class per line): `SpringFactoriesLoader` and
//!   the auto-configuration import instantiate them;
//! - Python entry points (`name = module:attr`): `entry_points.txt` (every section), `setup.cfg`'s
//!   `[options.entry_points]`, `pyproject.toml`'s `[project.scripts]`, `[project.gui-scripts]`,
//!   `[project.entry-points.*]` and Poetry's `[tool.poetry.scripts]`/`[tool.poetry.plugins.*]`: the
//!   installer's script wrappers and `importlib.metadata`'s `load()` import the module and take `attr`.
//!
//! Each named class or function is a call by the loader at the name's last component (a reference of
//! kind call, at file level): `refs` and `callers` list it, and [`loader_of`] says who makes it. The
//! reading is behind a test of the file's name ([`loader_of`]), so other files cost nothing.

use crate::symbols::Point;

/// Which registry a file is, by its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Registry {
    JavaServices,
    ModuleInfo,
    SpringFactories,
    SpringImports,
    EntryPointsTxt,
    SetupCfg,
    Pyproject,
}

fn registry_of(path: &str) -> Option<Registry> {
    let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
    let parent = dir.rsplit('/').next().unwrap_or(dir);
    let meta_inf = |d: &str| d == "META-INF" || d.ends_with("/META-INF");
    Some(match name {
        "module-info.java" => Registry::ModuleInfo,
        "spring.factories" => Registry::SpringFactories,
        "entry_points.txt" => Registry::EntryPointsTxt,
        "setup.cfg" => Registry::SetupCfg,
        "pyproject.toml" => Registry::Pyproject,
        _ if !name.is_empty()
            && parent == "services"
            && meta_inf(dir.strip_suffix("/services").unwrap_or("")) =>
        {
            Registry::JavaServices
        }
        _ if name.ends_with(".imports")
            && parent == "spring"
            && meta_inf(dir.strip_suffix("/spring").unwrap_or("")) =>
        {
            Registry::SpringImports
        }
        _ => return None,
    })
}

/// Who calls the code a registry file names, as words to follow "call" (`by java.util.ServiceLoader
/// (a META-INF/services line)`), when `path` is such a file; `None` for any other file.
pub fn loader_of(path: &str) -> Option<&'static str> {
    Some(match registry_of(path)? {
        Registry::JavaServices => "by java.util.ServiceLoader (a META-INF/services line names the class)",
        Registry::ModuleInfo => "by java.util.ServiceLoader (module-info `provides … with`)",
        Registry::SpringFactories => "by Spring's SpringFactoriesLoader (spring.factories)",
        Registry::SpringImports => "by Spring's SpringFactoriesLoader (a META-INF/spring .imports line)",
        Registry::EntryPointsTxt | Registry::SetupCfg | Registry::Pyproject => {
            "by the Python entry-point loader (`name = module:function`)"
        }
    })
}

/// One name a registry file gives a loader: the last component of what it names, where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Named {
    pub name: String,
    pub at: Point,
    pub byte: u32,
}

/// The names the registry file `path` gives its loader (none when `path` is no registry file).
pub(crate) fn named(path: &str, text: &[u8]) -> Vec<Named> {
    let Some(reg) = registry_of(path) else { return Vec::new() };
    let mut out = Vec::new();
    match reg {
        Registry::JavaServices | Registry::SpringImports => {
            for_lines(text, |line, start, lno| {
                let code = line.split(|&b| b == b'#').next().unwrap_or_default();
                push_class(&mut out, code, start, 0, lno);
            });
        }
        Registry::SpringFactories => spring_factories(text, &mut out),
        Registry::ModuleInfo => module_provides(text, &mut out),
        Registry::EntryPointsTxt | Registry::SetupCfg | Registry::Pyproject => {
            entry_points(reg, text, &mut out)
        }
    }
    out
}

/// Calls `f(line, offset of its start, 0-based number)` for each line (without its CR/LF).
fn for_lines(text: &[u8], mut f: impl FnMut(&[u8], usize, u32)) {
    let mut start = 0usize;
    for (n, line) in text.split(|&b| b == b'\n').enumerate() {
        let len = line.len();
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        f(line, start, n as u32);
        start += len + 1;
    }
}

fn is_java_part(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

/// Each class name in `code` (a piece of line `lno` that starts at byte `start` of the file, column
/// `column` of the line): a run of name characters and dots; its simple name is after the last `.`
/// (and a nested class's `$`).
fn push_class(out: &mut Vec<Named>, code: &[u8], start: usize, column: usize, lno: u32) {
    let mut i = 0usize;
    while i < code.len() {
        if !code.get(i).copied().is_some_and(is_java_part) {
            i += 1;
            continue;
        }
        let from = i;
        while code.get(i).copied().is_some_and(|b| is_java_part(b) || b == b'.') {
            i += 1;
        }
        let word = code.get(from..i).unwrap_or_default();
        let last = word.iter().rposition(|&b| b == b'.' || b == b'$').map_or(0, |p| p + 1);
        push(out, word.get(last..).unwrap_or_default(), start + from + last, column + from + last, lno);
    }
}

fn push(out: &mut Vec<Named>, name: &[u8], byte: usize, column: usize, line: u32) {
    let Ok(name) = std::str::from_utf8(name) else { return };
    if name.is_empty() || name.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        return;
    }
    out.push(Named { name: name.to_string(), at: Point { line, column: column as u32 }, byte: byte as u32 });
}

/// `spring.factories` is a properties file: `key=value` (or `key: value`), `\` continues a value on
/// the next line, `#` and `!` start comment lines; each comma-separated value is a class.
fn spring_factories(text: &[u8], out: &mut Vec<Named>) {
    let mut continued = false;
    for_lines(text, |line, start, lno| {
        let cont = continued;
        let trimmed = line.trim_ascii_end();
        continued = trimmed.ends_with(b"\\") && (cont || !is_comment(line));
        let value_from = if cont {
            0
        } else {
            if is_comment(line) {
                return;
            }
            match line.iter().position(|&b| b == b'=' || b == b':') {
                Some(p) => p + 1,
                None => return,
            }
        };
        let value = line.get(value_from..).unwrap_or_default();
        let value = value.strip_suffix(b"\\").unwrap_or(value);
        push_class(out, value, start + value_from, value_from, lno);
    });
}

fn is_comment(line: &[u8]) -> bool {
    matches!(line.trim_ascii_start().first(), Some(b'#' | b'!'))
}

/// `provides I with A, B;` in a `module-info.java` (comments skipped).
fn module_provides(text: &[u8], out: &mut Vec<Named>) {
    if memchr::memmem::find(text, b"provides").is_none() {
        return;
    }
    // Comments blanked (same offsets), so words are found only in code.
    let mut code = text.to_vec();
    let mut i = 0usize;
    while i < code.len() {
        match (code.get(i), code.get(i + 1)) {
            (Some(b'/'), Some(b'/')) => {
                while code.get(i).is_some_and(|&b| b != b'\n') {
                    code[i] = b' ';
                    i += 1;
                }
            }
            (Some(b'/'), Some(b'*')) => {
                while i < code.len() && !(code.get(i) == Some(&b'*') && code.get(i + 1) == Some(&b'/')) {
                    if code[i] != b'\n' {
                        code[i] = b' ';
                    }
                    i += 1;
                }
                for _ in 0..2 {
                    if let Some(b) = code.get_mut(i) {
                        *b = b' ';
                    }
                    i += 1;
                }
            }
            _ => i += 1,
        }
    }
    let word_at = |p: usize, w: &[u8]| {
        code.get(p..p + w.len()) == Some(w)
            && !(p > 0 && code.get(p - 1).copied().is_some_and(is_java_part))
            && !code.get(p + w.len()).copied().is_some_and(is_java_part)
    };
    let line_starts: Vec<usize> =
        std::iter::once(0).chain(memchr::memchr_iter(b'\n', &code).map(|n| n + 1)).collect();
    let mut p = 0usize;
    while let Some(n) = memchr::memmem::find(code.get(p..).unwrap_or_default(), b"provides") {
        let at = p + n;
        p = at + 8;
        if !word_at(at, b"provides") {
            continue;
        }
        let end = code.get(at..).and_then(|r| memchr::memchr(b';', r)).map_or(code.len(), |e| at + e);
        let Some(with) = (at..end).find(|&q| word_at(q, b"with")) else { continue };
        let mut q = with + 4;
        while q < end {
            if !code.get(q).copied().is_some_and(is_java_part) {
                q += 1;
                continue;
            }
            let from = q;
            while q < end && code.get(q).copied().is_some_and(|b| is_java_part(b) || b == b'.') {
                q += 1;
            }
            let word = code.get(from..q).unwrap_or_default();
            let last = from + word.iter().rposition(|&b| b == b'.').map_or(0, |d| d + 1);
            let line = line_starts.partition_point(|&s| s <= last).saturating_sub(1);
            let column = last - line_starts.get(line).copied().unwrap_or(0);
            push(out, code.get(last..q).unwrap_or_default(), last, column, line as u32);
        }
        p = end;
    }
}

/// `name = module:attr [extras]` lines in the sections of an entry-point file the installer reads.
fn entry_points(reg: Registry, text: &[u8], out: &mut Vec<Named>) {
    let mut in_section = false;
    for_lines(text, |line, start, lno| {
        let t = line.trim_ascii();
        if t.starts_with(b"[") {
            let header = t.trim_start_matches_brackets();
            in_section = match reg {
                Registry::EntryPointsTxt => true,
                Registry::SetupCfg => header == b"options.entry_points",
                _ => {
                    header == b"project.scripts"
                        || header == b"project.gui-scripts"
                        || header.starts_with(b"project.entry-points.")
                        || header == b"tool.poetry.scripts"
                        || header.starts_with(b"tool.poetry.plugins.")
                }
            };
            return;
        }
        if !in_section || matches!(t.first(), Some(b'#' | b';')) {
            return;
        }
        let Some(eq) = line.iter().position(|&b| b == b'=') else { return };
        let value = line.get(eq + 1..).unwrap_or_default();
        let Some(colon) = value.iter().position(|&b| b == b':') else { return };
        let module = value.get(..colon).unwrap_or_default().trim_ascii();
        let module = module.strip_prefix(b"\"").or_else(|| module.strip_prefix(b"'")).unwrap_or(module);
        let dotted = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b >= 0x80;
        if module.is_empty() || !module.iter().copied().all(dotted) {
            return;
        }
        let rest = value.get(colon + 1..).unwrap_or_default();
        let lead = rest.iter().take_while(|b| b.is_ascii_whitespace()).count();
        let attr_len = rest.get(lead..).unwrap_or_default().iter().take_while(|&&b| dotted(b)).count();
        let attr = rest.get(lead..lead + attr_len).unwrap_or_default();
        let last = attr.iter().rposition(|&b| b == b'.').map_or(0, |d| d + 1);
        let column = eq + 1 + colon + 1 + lead + last;
        push(out, attr.get(last..).unwrap_or_default(), start + column, column, lno);
    });
}

trait Brackets {
    fn trim_start_matches_brackets(&self) -> &[u8];
}

impl Brackets for [u8] {
    /// A section header's name: `[ a.b ]` → `a.b`, `["x"]`-style quotes left as written.
    fn trim_start_matches_brackets(&self) -> &[u8] {
        let inner = self.strip_prefix(b"[").unwrap_or(self);
        let inner = match inner.iter().position(|&b| b == b']') {
            Some(e) => inner.get(..e).unwrap_or_default(),
            None => inner,
        };
        inner.trim_ascii()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(path: &str, text: &str) -> Vec<(String, u32, u32)> {
        named(path, text.as_bytes()).into_iter().map(|n| (n.name, n.at.line + 1, n.at.column + 1)).collect()
    }

    #[test]
    fn registry_files_are_known_by_name_only() {
        assert!(loader_of("src/main/resources/META-INF/services/corp.Auth").is_some());
        assert!(loader_of("META-INF/services/corp.Auth").is_some());
        assert!(loader_of("docs/services/corp.Auth").is_none());
        assert!(
            loader_of("a/META-INF/spring/org.springframework.boot.autoconfigure.AutoConfiguration.imports")
                .is_some()
        );
        assert!(loader_of("src/Main.java").is_none());
        assert!(named("src/Main.java", b"corp.X").is_empty());
    }

    #[test]
    fn each_format_names_its_classes_and_functions_where_they_are_written() {
        assert_eq!(
            names("META-INF/services/corp.Auth", "# a.B comment\n corp.Ldap$Inner # x.Y\r\n\ncorp.Two\n"),
            [("Inner".into(), 2, 12), ("Two".into(), 4, 6)]
        );
        assert_eq!(
            names(
                "m/module-info.java",
                "// provides a.B with c.D;\nmodule m {\n  provides a.B /* with x.Y */ with\n    c.Impl, e.\n Other;\n  uses a.B;\n}\n"
            ),
            [("Impl".into(), 4, 7), ("Other".into(), 5, 2)]
        );
        assert_eq!(
            names(
                "META-INF/spring.factories",
                "# k=a.B\nk=a.First,\\\n  b.Second\\\n,c.Third\nnext: d.Fourth\n! e=f.No\n"
            ),
            [
                ("First".into(), 2, 5),
                ("Second".into(), 3, 5),
                ("Third".into(), 4, 4),
                ("Fourth".into(), 5, 9)
            ]
        );
        assert_eq!(
            names(
                "setup.cfg",
                "[metadata]\nname = a:b\n[options.entry_points]\nconsole_scripts =\n    run = pkg.cli:Main.start [extra]\n; x = a:no\n[other]\nx = a:c\n"
            ),
            [("start".into(), 5, 24)]
        );
        assert_eq!(
            names(
                "pyproject.toml",
                "[tool.x]\na = \"m:n\"\n[project.scripts]\nrun = \"pkg.cli:main\"\n[project.entry-points.\"g.h\"]\np = 'pkg:P'\n"
            ),
            [("main".into(), 4, 16), ("P".into(), 6, 10)]
        );
        assert_eq!(names("x/entry_points.txt", "[console_scripts]\nr = a.b:c\n"), [("c".into(), 2, 9)]);
    }
}

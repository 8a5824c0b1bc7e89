//! Compiled files that a toolchain loads instead of the source shown beside them, or as a module no
//! source provides:
//!
//! - GCC's precompiled headers: for `#include "X"`, GCC first looks for `X.gch` (a file, or a directory
//!   of them) in each directory it searches and, when one was made by the same compiler with
//!   compatible options, uses it and never reads `X`; it does so even when `X` is absent.
//! - CPython's bytecode: `d/__pycache__/X.<tag>.pyc` is imported instead of compiling `d/X.py`. Its
//!   header says how CPython checks it (PEP 552): an "unchecked-hash" pyc is used whatever `X.py`
//!   says, a "checked-hash" one only while the source's hash matches, a timestamp one while the
//!   source's modification time and size match the ones it records (a tarball carries both; one
//!   recording another size than its source's is never used and not reported). A
//!   legacy `d/X.pyc` beside `d/X.py` is what Python 2 imports (CPython 3 prefers the source), and
//!   one with no `X.py` is imported as the module `X` by every version.
//! - Java's `X.class` beside `X.java` (javac's `-Xprefer:newer` takes whichever is newer when both are
//!   on its paths; `java` runs the class), Emacs Lisp's `X.elc` beside `X.el` (`load` prefers it) and
//!   Erlang's `X.beam` beside `X.erl`.
//! - Object files (`X.o`, `X.obj`) beside a source `X.c` (or another of make's `%.o` sources): make
//!   links the object instead of compiling the source when the object is newer, and tar and zip
//!   restore the dates they record; libraries (`X.a`, `libX.a`, `libX.so`) and CPython extension
//!   modules (`X.cpython-311-x86_64-linux-gnu.so`) named after a source beside them are linked or
//!   loaded as shipped. An object with no source beside it is only `binary`.
//!
//! Each is a deceptive [`FindingKind::CompiledShadow`] on the compiled file, naming the source it
//! shadows (or the include or module it provides) and, for a pyc, the header's mode and magic number.

use std::collections::HashSet;

use crate::health::{Finding, FindingKind};
use crate::{EntryKind, FileEntry};

/// The findings for the snapshot's `files`; `read` gives a file's verified bytes (only `.pyc` files
/// are read, for their 16-byte header; every other finding is by name, so an archive whose content was
/// not kept gets them too).
pub(crate) fn findings(
    files: &[FileEntry],
    read: &dyn Fn(&FileEntry) -> Result<Vec<u8>, String>,
) -> Vec<Finding> {
    let paths: HashSet<&[u8]> = files.iter().map(|f| f.path.as_bytes()).collect();
    let exists = |p: &[u8]| paths.contains(p);
    let mut out = Vec::new();
    let mut gch_dirs: HashSet<Vec<u8>> = HashSet::new();
    for f in files.iter().filter(|f| f.in_tree && matches!(f.kind, EntryKind::File { .. })) {
        let p = f.path.as_bytes();
        let (dir, name) = match p.iter().rposition(|&b| b == b'/') {
            Some(i) => (p.get(..i).unwrap_or_default(), p.get(i + 1..).unwrap_or_default()),
            None => (&b""[..], p),
        };
        let join = |d: &[u8], n: &[u8]| -> Vec<u8> {
            let mut v = d.to_vec();
            if !v.is_empty() {
                v.push(b'/');
            }
            v.extend_from_slice(n);
            v
        };
        let shown_of = |b: &[u8]| crate::path::display_bytes(b);
        let shown = f.path.display();
        // A directory `X.gch/` of precompiled headers: one finding on the directory.
        if let Some(i) =
            dir.windows(4).position(|w| w == b".gch").filter(|&i| matches!(dir.get(i + 4), None | Some(b'/')))
        {
            let gdir = dir.get(..i + 4).unwrap_or_default();
            if gch_dirs.insert(gdir.to_vec()) {
                let header = gdir.get(..gdir.len() - 4).unwrap_or_default();
                out.push(gch_finding(&shown_of(gdir), &shown_of(header), exists(header), true));
            }
            continue;
        }
        if let Some(header) = name.strip_suffix(b".gch").filter(|h| !h.is_empty()) {
            let header = join(dir, header);
            out.push(gch_finding(&shown, &shown_of(&header), exists(&header), false));
            continue;
        }
        if let Some(stem) = name.strip_suffix(b".pyc") {
            let in_cache = dir == b"__pycache__" || dir.ends_with(b"/__pycache__");
            let bytes = read(f);
            let header = match &bytes {
                Ok(b) => pyc_header(b),
                Err(e) => format!("its header was not read: {e}"),
            };
            let bytes = bytes.ok();
            // A timestamp pyc records its source's size: with another size CPython compiles the source.
            let recorded_size = bytes
                .as_deref()
                .filter(|b| b.get(4..8) == Some(&[0, 0, 0, 0]))
                .and_then(|b| b.get(12..16))
                .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]));
            if in_cache {
                // `X.cpython-311.pyc`, `X.cpython-311.opt-1.pyc`: the module is the name before the tag.
                let module =
                    stem.iter().position(|&b| b == b'.').map_or(stem, |i| stem.get(..i).unwrap_or(stem));
                let pkg = dir.get(..dir.len().saturating_sub(b"__pycache__".len())).unwrap_or_default();
                let pkg = pkg.strip_suffix(b"/").unwrap_or(pkg);
                let mut py = module.to_vec();
                py.extend_from_slice(b".py");
                let source = join(pkg, &py);
                let source_size = files
                    .binary_search_by(|e| e.path.as_bytes().cmp(source.as_slice()))
                    .ok()
                    .and_then(|i| files.get(i))
                    .map(|e| e.size_bytes as u32);
                let stale = recorded_size.is_some() && recorded_size != source_size;
                if exists(&source) && !stale {
                    out.push(Finding::file_level(
                        &shown,
                        FindingKind::CompiledShadow,
                        format!(
                            "CPython imports this bytecode instead of compiling `{}` ({header}): what runs is what \
                             the pyc was compiled from, which need not be the source shown",
                            shown_of(&source)
                        ),
                    ));
                }
                // Without its source, CPython ignores a `__pycache__` pyc: it is only data; so it does
                // a timestamp pyc recording another size than its source's.
                continue;
            }
            let mut py = stem.to_vec();
            py.extend_from_slice(b".py");
            let source = join(dir, &py);
            let detail = if exists(&source) {
                format!(
                    "bytecode beside `{}` ({header}): Python 2 imports it instead of the source while the \
                     recorded time matches, and `python {}` runs it; CPython 3 imports the source",
                    shown_of(&source),
                    shown
                )
            } else {
                format!(
                    "bytecode with no source beside it ({header}): CPython imports it as the module `{}`, whose \
                     code is shown nowhere",
                    String::from_utf8_lossy(stem)
                )
            };
            out.push(Finding::file_level(&shown, FindingKind::CompiledShadow, detail));
            continue;
        }
        if let Some(finding) = object_finding(&shown, dir, name, &exists) {
            out.push(finding);
            continue;
        }
        for (compiled, source_ext, how) in [
            (
                &b".class"[..],
                &b".java"[..],
                "`java` runs this class, and javac (`-Xprefer:newer`) compiles against whichever of the two is newer",
            ),
            (
                b".elc",
                b".el",
                "Emacs' `load` and `require` load this compiled file in preference to the source",
            ),
            (b".beam", b".erl", "the Erlang code server loads this module's beam file, not the source"),
        ] {
            let Some(stem) = name.strip_suffix(compiled).filter(|s| !s.is_empty()) else { continue };
            // `Outer$Inner.class` belongs to `Outer.java`.
            let stem = if compiled == b".class" {
                stem.iter().position(|&b| b == b'$').map_or(stem, |i| stem.get(..i).unwrap_or(stem))
            } else {
                stem
            };
            let mut src = stem.to_vec();
            src.extend_from_slice(source_ext);
            let source = join(dir, &src);
            if exists(&source) {
                out.push(Finding::file_level(
                    &shown,
                    FindingKind::CompiledShadow,
                    format!(
                        "compiled file beside `{}`: {how}, so what runs need not be the source shown",
                        shown_of(&source)
                    ),
                ));
            }
        }
    }
    out
}

/// Extensions of the sources an object file is built from: GNU make's built-in `%.o` rules (`make -p`:
/// `.c`, `.cc`, `.cpp`, `.C`, `.m`, `.p`, `.f`, `.F`, `.r`, `.s`, `.S`) and the other C-family and
/// assembler spellings GCC and Clang compile (`.cxx`, `.c++`, `.mm`, `.sx`, `.cu`, Fortran 90).
const OBJECT_SOURCES: &[&[u8]] = &[
    b"c", b"cc", b"cpp", b"cxx", b"c++", b"C", b"m", b"mm", b"s", b"S", b"sx", b"asm", b"cu", b"f", b"F",
    b"f90", b"F90", b"p", b"r",
];

/// An object file, archive or shared object named after a source beside it (F7, round 23): what the
/// build links, or the program loads, instead of compiling the source shown. One with no source beside
/// it is left to the `binary` finding.
fn object_finding(shown: &str, dir: &[u8], name: &[u8], exists: &dyn Fn(&[u8]) -> bool) -> Option<Finding> {
    let dot = name.iter().position(|&b| b == b'.').filter(|&i| i > 0)?;
    let stem = name.get(..dot)?;
    let rest = name.get(dot..)?;
    enum Kind {
        Object,
        Library,
        PythonExtension,
    }
    let kind = if rest == b".o" || rest == b".obj" {
        Kind::Object
    } else if rest == b".a" || rest == b".so" || rest == b".dylib" || rest.starts_with(b".so.") {
        Kind::Library
    } else if rest.ends_with(b".so") || rest.ends_with(b".pyd") {
        // `X.cpython-311-x86_64-linux-gnu.so`, `X.abi3.so`, `X.cp311-win_amd64.pyd`.
        Kind::PythonExtension
    } else {
        return None;
    };
    let mut stems = vec![stem];
    if let Kind::Library = kind
        && let Some(s) = stem.strip_prefix(b"lib").filter(|s| !s.is_empty())
    {
        stems.push(s);
    }
    let source = stems.iter().find_map(|st| {
        OBJECT_SOURCES.iter().find_map(|ext| {
            let mut p = dir.to_vec();
            if !p.is_empty() {
                p.push(b'/');
            }
            p.extend_from_slice(st);
            p.push(b'.');
            p.extend_from_slice(ext);
            exists(&p).then_some(p)
        })
    })?;
    let source = crate::path::display_bytes(&source);
    let file = shown.rsplit('/').next().unwrap_or(shown);
    let src_name = source.rsplit('/').next().unwrap_or(&source);
    let detail = match kind {
        Kind::Object => format!(
            "object file beside `{source}`: `make` builds `{file}` from `{src_name}` (its built-in rule or the \
             makefile's) only when the source is newer, and tar and zip restore a shipped object's date (the \
             snapshot records none), so a newer shipped `{file}` is linked as it is and `{source}` is never \
             compiled: what runs need not be the source shown"
        ),
        Kind::Library => format!(
            "prebuilt library named after `{source}` beside it: a link (`-l`) or a load takes this file, and \
             `make` rebuilds it only when a prerequisite is newer, so what is linked need not be built from \
             the source shown"
        ),
        Kind::PythonExtension => format!(
            "compiled extension module beside `{source}`: CPython imports `{}` from this file, not from the \
             source shown, which it never compiles",
            String::from_utf8_lossy(stem)
        ),
    };
    Some(Finding::file_level(shown, FindingKind::CompiledShadow, detail))
}

fn gch_finding(shown: &str, path: &str, header_exists: bool, directory: bool) -> Finding {
    let what = if directory { "a directory of precompiled headers" } else { "a precompiled header" };
    // The include names the header by its name, looked up in the directories GCC searches.
    let header = path.rsplit('/').next().unwrap_or(path);
    let detail = if header_exists {
        format!(
            "{what} for `{path}`: GCC, asked to `#include \"{header}\"` from there (or `-include` it), uses this \
             instead of reading `{path}` when it was made by the same compiler with compatible options, so what \
             is compiled is not the header shown"
        )
    } else {
        format!(
            "{what} for `{path}`, which is not in the snapshot: GCC uses it for `#include \"{header}\"` all the \
             same, so the code it brings in is shown nowhere"
        )
    };
    Finding::file_level(shown, FindingKind::CompiledShadow, detail)
}

/// What a pyc's 16-byte header says (PEP 552): the magic number (and the CPython release it names)
/// and how the import system checks it against its source.
fn pyc_header(bytes: &[u8]) -> String {
    let Some(head) = bytes.get(..16) else {
        return format!("{} bytes, shorter than a pyc header", bytes.len());
    };
    let word = |i: usize| u32::from_le_bytes([head[i], head[i + 1], head[i + 2], head[i + 3]]);
    if head.get(2..4) != Some(b"\r\n") {
        return "no pyc magic number".into();
    }
    let magic = u16::from_le_bytes([head[0], head[1]]);
    let release = match magic {
        3379 => " (CPython 3.6)",
        3390..=3394 => " (CPython 3.7)",
        3400..=3413 => " (CPython 3.8)",
        3420..=3425 => " (CPython 3.9)",
        3430..=3439 => " (CPython 3.10)",
        3450..=3495 => " (CPython 3.11)",
        3500..=3531 => " (CPython 3.12)",
        3550..=3571 => " (CPython 3.13)",
        3600..=3625 => " (CPython 3.14)",
        62211 => " (Python 2.7)",
        _ => "",
    };
    let mode = match word(4) {
        0 => format!(
            "timestamp pyc recording a source of {} bytes modified at {}: used while the source's size and \
             modification time match",
            word(12),
            word(8)
        ),
        1 => "unchecked-hash pyc: used whatever the source says".into(),
        3 => "checked-hash pyc: used while the source's hash matches".into(),
        other => format!("flags {other:#x}"),
    };
    format!("magic {magic}{release}, {mode}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Snapshot;
    use crate::progress::Progress;

    /// The `compiled-shadow` findings of a snapshot: (path, detail).
    fn shadows(snap: &Snapshot) -> Vec<(String, String)> {
        snap.health()
            .findings
            .iter()
            .filter(|f| f.kind == FindingKind::CompiledShadow)
            .map(|f| (f.path.clone(), f.detail.clone()))
            .collect()
    }

    fn pyc(flags: u32) -> Vec<u8> {
        let mut v = vec![0xA7, 0x0D, b'\r', b'\n'];
        v.extend(flags.to_le_bytes());
        v.extend([0u8; 8]);
        v.extend(b"\xe3\0\0\0");
        v
    }

    /// obf f11 (round 23): a `.gch` and a `__pycache__` pyc shipped beside the sources GCC and CPython
    /// would otherwise compile were two generic `binary` lines; each is a deceptive finding naming the
    /// source it replaces (and the pyc's mode), and sourceless ones that still load are named too.
    #[test]
    fn compiled_files_used_instead_of_their_source_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let put = |name: &str, bytes: &[u8]| {
            let p = dir.path().join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, bytes).unwrap();
        };
        put("c/policy.h", b"static inline int may_be_root(int uid) { return uid == 0; }\n");
        put("c/policy.h.gch", b"gpch\x00013 binary");
        put("c/orphan.h.gch", b"gpch\x00013 binary");
        put("c/multi.h.gch/a.gch", b"gpch\x00013");
        put("c/multi.h.gch/b.gch", b"gpch\x00013");
        put("py/pkg/auth.py", b"def check_password(u, p):\n    return False\n");
        put("py/pkg/__pycache__/auth.cpython-311.pyc", &pyc(1));
        put("py/pkg/__pycache__/gone.cpython-311.pyc", &pyc(0));
        // Timestamp pycs: one recording its source's size (44 bytes) is used, another is not.
        let mut sized = pyc(0);
        sized.splice(12..16, 44u32.to_le_bytes());
        put("py/pkg/same.py", &[b'#'; 44]);
        put("py/pkg/__pycache__/same.cpython-311.pyc", &sized);
        put("py/pkg/other.py", &[b'#'; 45]);
        put("py/pkg/__pycache__/other.cpython-311.pyc", &sized);
        put("py/legacy.pyc", &pyc(3));
        put("py/legacy2.py", b"x = 1\n");
        put("py/legacy2.pyc", &pyc(0));
        put("j/Login.java", b"class Login {}\n");
        put("j/Login.class", b"\xca\xfe\xba\xbe\0");
        put("j/Login$1.class", b"\xca\xfe\xba\xbe\0");
        put("j/Other.class", b"\xca\xfe\xba\xbe\0");
        put("lisp/x.el", b"(provide 'x)\n");
        put("lisp/x.elc", b";ELC\0\0\0");
        let snap = Snapshot::open(dir.path(), &crate::IngestConfig::default(), &Progress::default()).unwrap();
        let found = shadows(&snap);
        let paths: Vec<&str> = found.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            paths,
            [
                "c/multi.h.gch",
                "c/orphan.h.gch",
                "c/policy.h.gch",
                "j/Login$1.class",
                "j/Login.class",
                "lisp/x.elc",
                "py/legacy.pyc",
                "py/legacy2.pyc",
                "py/pkg/__pycache__/auth.cpython-311.pyc",
                "py/pkg/__pycache__/same.cpython-311.pyc",
            ],
            "{found:#?}"
        );
        let detail = |p: &str| &found.iter().find(|(q, _)| q == p).unwrap().1;
        assert!(detail("c/policy.h.gch").contains("instead of reading `c/policy.h`"));
        assert!(detail("c/policy.h.gch").contains("`#include \"policy.h\"`"), "{}", detail("c/policy.h.gch"));
        assert!(detail("c/orphan.h.gch").contains("not in the snapshot"));
        let auth = detail("py/pkg/__pycache__/auth.cpython-311.pyc");
        assert!(
            auth.contains("`py/pkg/auth.py`")
                && auth.contains("unchecked-hash")
                && auth.contains("3495 (CPython 3.11)"),
            "{auth}"
        );
        assert!(
            detail("py/legacy.pyc").contains("module `legacy`")
                && detail("py/legacy.pyc").contains("checked-hash")
        );
        assert!(detail("py/legacy2.pyc").contains("Python 2"));
        assert!(FindingKind::CompiledShadow.is_deceptive());
        // Listed once: not also hidden among the binaries' count only.
        assert_eq!(snap.health().counts.get("compiled-shadow"), Some(&10));
    }

    /// F7 (round 23): an `auth.o` shipped beside `auth.c` is what `make` links when it is newer than
    /// the source (tar and zip restore the date), so the reviewed `auth.c` is never compiled; it was
    /// only `binary`. Object files, archives and shared objects named after a source beside them
    /// (`X.o`, `X.obj`, `X.a`, `libX.a`, `X.so`, `libX.so`, a Python extension
    /// `X.cpython-311-x86_64-linux-gnu.so`) are compiled-shadow findings naming the source; one with no
    /// source beside it stays the plain `binary` finding.
    #[test]
    fn object_files_beside_their_source_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let put = |name: &str, bytes: &[u8]| {
            let p = dir.path().join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, bytes).unwrap();
        };
        let elf = b"\x7fELF\x02\x01\x01\0\0\0";
        put("auth.c", b"int check(const char *p) { return 0; }\n");
        put("auth.o", elf);
        put("src/net.cpp", b"int f();\n");
        put("src/net.obj", b"\x64\x86\0\0");
        put("src/boot.S", b"nop\n");
        put("src/boot.o", elf);
        put("lib/util.c", b"int u;\n");
        put("lib/libutil.a", b"!<arch>\n");
        put("lib/libutil.so", elf);
        put("py/_speed.c", b"int s;\n");
        put("py/_speed.cpython-311-x86_64-linux-gnu.so", elf);
        put("blobs/firmware.o", elf);
        put("blobs/libvendor.a", b"!<arch>\n");
        put("docs/auth.o.txt", b"text\n");
        let snap = Snapshot::open(dir.path(), &crate::IngestConfig::default(), &Progress::default()).unwrap();
        let health = snap.health();
        let found: Vec<(&str, &str)> = health
            .findings
            .iter()
            .filter(|f| f.kind == FindingKind::CompiledShadow)
            .map(|f| (f.path.as_str(), f.detail.as_str()))
            .collect();
        let paths: Vec<&str> = found.iter().map(|&(p, _)| p).collect();
        assert_eq!(
            paths,
            [
                "auth.o",
                "lib/libutil.a",
                "lib/libutil.so",
                "py/_speed.cpython-311-x86_64-linux-gnu.so",
                "src/boot.o",
                "src/net.obj",
            ],
            "{found:#?}"
        );
        let detail = |p: &str| found.iter().find(|&&(q, _)| q == p).unwrap().1;
        let auth = detail("auth.o");
        assert!(auth.contains("`auth.c`") && auth.contains("make") && auth.contains("newer"), "{auth}");
        assert!(detail("src/boot.o").contains("`src/boot.S`"));
        assert!(detail("lib/libutil.a").contains("`lib/util.c`"));
        assert!(detail("py/_speed.cpython-311-x86_64-linux-gnu.so").contains("`py/_speed.c`"));
        // Without a source beside it, an object is an ordinary binary.
        assert!(
            health.findings.iter().any(|f| f.path == "blobs/firmware.o" && f.kind == FindingKind::Binary),
            "{:#?}",
            health.findings
        );
    }

    /// F7 (round 23): `vitrine health` opens an archive without keeping its content, and the compiled
    /// files were looked for only when it was kept, so a tarball's `auth.o` and pyc were only `binary`.
    /// They are found by name whatever is kept, and (round 10, F5) a pyc's header is read from the
    /// archive again: the findings are those of the kept content.
    #[test]
    fn compiled_files_in_an_archive_opened_without_its_content_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let tree = dir.path().join("s");
        let put = |name: &str, bytes: &[u8]| {
            let p = tree.join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, bytes).unwrap();
        };
        put("auth.c", b"int check(const char *p) { return 0; }\n");
        put("auth.o", b"\x7fELF\x02\x01\x01\0");
        put("app/auth.py", b"def check(p):\n    return False\n");
        put("app/__pycache__/auth.cpython-311.pyc", &pyc(1));
        let tar_path = dir.path().join("pkg.tar");
        let mut b = tar::Builder::new(std::fs::File::create(&tar_path).unwrap());
        b.append_dir_all(".", &tree).unwrap();
        b.finish().unwrap();
        drop(b);
        let config = crate::IngestConfig { blob_dir: None, ..crate::IngestConfig::default() };
        let snap = Snapshot::open(&tar_path, &config, &Progress::default()).unwrap();
        let found = shadows(&snap);
        let paths: Vec<&str> = found.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(paths, ["app/__pycache__/auth.cpython-311.pyc", "auth.o"], "{found:#?}");
        assert!(found[0].1.contains("`app/auth.py`") && !found[0].1.contains("not read"), "{}", found[0].1);
        // The pyc's header is read from the archive again (round 10 F5): the same findings as when the
        // content is kept.
        let blobs = tempfile::tempdir().unwrap();
        let kept = crate::IngestConfig { blob_dir: Some(blobs.path().to_path_buf()), ..config };
        let snap = Snapshot::open(&tar_path, &kept, &Progress::default()).unwrap();
        assert_eq!(shadows(&snap), found);
    }
}

//! Snapshot identity, archives, hostile input and the health report, checked against stock git,
//! sha256sum and hand-made hostile archives.

use std::io::Write;
use std::path::Path;
use std::process::Command;

use vitrine_snapshot::archive::ArchiveLimits;
use vitrine_snapshot::progress::Progress;
use vitrine_snapshot::{FindingKind, IngestConfig, Snapshot, SnapshotError};

use crate::support::{TempTree, arg, git_tree_ids, readme_tree_ids, vitrine_os};

fn open(p: &Path) -> Snapshot {
    Snapshot::open(p, &IngestConfig::default(), &Progress::default()).expect("snapshot opens")
}

fn ids(p: &Path) -> (String, String) {
    let s = open(p);
    (s.ids().tree_sha256.to_string(), s.ids().tree_sha1.to_string())
}

/// A tree with everything that could make an identity differ from git's.
fn tricky_tree() -> TempTree {
    let t = TempTree::new();
    t.file("README", "hello\n")
        .exec("build.sh", "#!/bin/sh\necho hi\n")
        .file("crlf.txt", "one\r\ntwo\r\n")
        .file("blob.bin", [0u8, 1, 2, 255, 0, 10, 13])
        .file("empty", "")
        .file("a.b", "dot\n")
        .file("a/x", "in a\n")
        .file("a0", "zero\n")
        .file("a-", "dash\n")
        .file("a/b/c", "deep\n")
        .file(".hidden", "hidden\n")
        .file(".gitignore", "*.log\nignored/\n")
        .file("debug.log", "ignored by .gitignore\n")
        .file("ignored/file.c", "int x;\n")
        .file(".gitattributes", "* text=auto eol=crlf\n*.txt filter=lfs\n")
        .file("sub/.git/config", "[core]\n")
        .file("sub/.git/HEAD", "not a real repo\n")
        .file("sub/kept.c", "int kept;\n")
        .file("caf\u{e9}.c", "nfc\n")
        .file("cafe\u{301}.h", "nfd\n")
        .file_bytes(b"latin1-\xe9.txt", b"not utf-8 name\n")
        .symlink("link-in", "a/x")
        .symlink("link-dangling", "nowhere/at/all")
        .symlink("link-out", "../../etc/passwd")
        .symlink("link-abs", "/etc/passwd")
        .dir("empty-dir/nested-empty");
    let mut deep = String::new();
    for i in 0..40 {
        deep.push_str(&format!("d{i}/"));
    }
    t.file(&format!("{deep}leaf"), "deep leaf\n");
    t
}

#[test]
fn tree_ids_equal_stock_git_on_a_tricky_tree() {
    let t = tricky_tree();
    assert_eq!(ids(t.path()), git_tree_ids(t.path()));
}

#[test]
fn tree_ids_equal_stock_git_on_an_empty_snapshot_and_an_only_empty_dirs_one() {
    let t = TempTree::new();
    assert_eq!(ids(t.path()), git_tree_ids(t.path()));
    t.dir("a/b/c");
    assert_eq!(ids(t.path()), git_tree_ids(t.path()));
    assert_eq!(open(t.path()).ids().tree_sha1.to_string(), "4b825dc642cb6eb9a060e54bf8d69288fbee4904");
}

#[test]
fn a_changed_byte_or_mode_changes_the_ids() {
    let t = TempTree::new();
    t.file("a.c", "int a;\n");
    let before = ids(t.path());
    t.file("a.c", "int a;\r\n");
    let crlf = ids(t.path());
    assert_ne!(before, crlf);
    t.exec("a.c", "int a;\r\n");
    assert_ne!(crlf, ids(t.path()));
    assert_eq!(ids(t.path()), git_tree_ids(t.path()));
}

#[test]
fn manifest_is_accepted_by_sha256sum() {
    let t = tricky_tree();
    t.file("back\\slash.c", "b\n").file("new\nline.c", "n\n");
    let s = open(t.path());
    let manifest = vitrine_snapshot::manifest::render_bytes(s.files());
    let m = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(m.path(), &manifest).unwrap();
    let out = Command::new("sha256sum")
        .arg("-c")
        .arg("--strict")
        .arg(m.path())
        .current_dir(t.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    let regular =
        s.files().iter().filter(|f| matches!(f.kind, vitrine_snapshot::EntryKind::File { .. })).count();
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().filter(|l| l.ends_with(": OK")).count(), regular);
    // The files under the nested .git are listed in the manifest but left out of the tree ids.
    assert!(manifest.windows(15).any(|w| w == b"sub/.git/config"));
    assert_eq!(s.ids().files - s.ids().files_in_tree, 2);
}

#[test]
fn digest_cli_prints_the_ids_as_json_and_writes_the_manifest() {
    let t = tricky_tree();
    let m = tempfile::tempdir().unwrap();
    let mpath = m.path().join("MANIFEST.sha256");
    let (code, out, err) = vitrine_os(&[
        "digest".as_ref(),
        arg(t.path()),
        "--json".as_ref(),
        "--manifest".as_ref(),
        arg(&mpath),
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let (s256, s1) = git_tree_ids(t.path());
    assert_eq!(v["tree_sha256"], s256);
    assert_eq!(v["tree_sha1"], s1);
    assert_eq!(v["swhid"], format!("swh:1:dir:{s1}"));
    assert!(v["files"].as_u64().unwrap() > 20);
    assert!(v["bytes"].as_u64().unwrap() > 0);
    assert!(std::fs::read(&mpath).unwrap().len() > 1000);
}

#[test]
fn missing_path_is_an_input_error_naming_the_file() {
    let (code, _, err) = vitrine_os(&["digest".as_ref(), "/nonexistent/snap".as_ref()]);
    assert_eq!(code, 2);
    assert!(err.contains("/nonexistent/snap"), "{err}");
    let f = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(f.path(), "just text").unwrap();
    let (code, _, err) = vitrine_os(&["health".as_ref(), arg(f.path())]);
    assert_eq!(code, 2);
    assert!(err.contains("not a directory or a supported archive"), "{err}");
}

// ---------------------------------------------------------------------------------------------------
// Archives

/// A tar of `t` built by the tar crate (symlinks kept as links, modes kept).
fn tar_bytes(t: &Path) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    b.follow_symlinks(false);
    b.append_dir_all(".", t).unwrap();
    b.into_inner().unwrap()
}

fn zip_bytes(t: &Path) -> Vec<u8> {
    use std::os::unix::fs::PermissionsExt;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let mut stack = vec![t.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let rel = p.strip_prefix(t).unwrap().to_str().unwrap().to_owned();
            let meta = std::fs::symlink_metadata(&p).unwrap();
            if meta.is_dir() {
                w.add_directory(format!("{rel}/"), zip::write::SimpleFileOptions::default()).unwrap();
                stack.push(p);
            } else if meta.file_type().is_symlink() {
                let target = std::fs::read_link(&p).unwrap();
                w.add_symlink(rel, target.to_str().unwrap(), zip::write::SimpleFileOptions::default())
                    .unwrap();
            } else {
                let opts = zip::write::SimpleFileOptions::default()
                    .unix_permissions(meta.permissions().mode() & 0o777);
                w.start_file(rel, opts).unwrap();
                w.write_all(&std::fs::read(&p).unwrap()).unwrap();
            }
        }
    }
    w.finish().unwrap().into_inner()
}

/// A zip of a tree with symlinks is refused, naming a link and why (round 19, F8).
fn assert_zip_of_links_refused(zip: &Path) {
    let result = Snapshot::open(zip, &IngestConfig::default(), &Progress::default());
    assert!(
        matches!(&result, Err(SnapshotError::HostileArchive { reason, .. })
            if reason.contains("a symlink entry") && reason.contains("Python's zipfile")),
        "{result:?}"
    );
}

/// The portable tree without its symlinks, as a zip can hold it.
fn portable_tree_without_links() -> TempTree {
    let t = TempTree::new();
    t.file("README", "hello\n")
        .exec("tools/run.sh", "#!/bin/sh\n")
        .file("src/a.c", "int a;\r\n")
        .file("blob.bin", [0u8, 159, 146, 150])
        .file("empty", "")
        .file("caf\u{e9}.c", "nfc\n")
        .dir("only/empty/dirs");
    t
}

#[test]
fn a_zip_without_links_has_the_same_ids_as_the_directory_and_its_tar() {
    let t = portable_tree_without_links();
    let want = git_tree_ids(t.path());
    let dir = tempfile::tempdir().unwrap();
    for a in [put(dir.path(), "s.zip", &zip_bytes(t.path())), put(dir.path(), "s.tar", &tar_bytes(t.path()))]
    {
        assert_eq!(ids(&a), want, "{}", a.display());
        let blobs = tempfile::tempdir().unwrap();
        let config = IngestConfig { blob_dir: Some(blobs.path().to_path_buf()), ..IngestConfig::default() };
        let s = Snapshot::open(&a, &config, &Progress::default()).unwrap();
        assert_eq!(s.read(s.file(b"src/a.c").unwrap()).unwrap(), b"int a;\r\n");
    }
}

fn portable_tree() -> TempTree {
    let t = TempTree::new();
    t.file("README", "hello\n")
        .exec("tools/run.sh", "#!/bin/sh\n")
        .file("src/a.c", "int a;\r\n")
        .file("src/a.b", "x")
        .file("src/a0", "y")
        .file("blob.bin", [0u8, 159, 146, 150])
        .file("empty", "")
        .file(".gitignore", "*.c\n")
        .file("caf\u{e9}.c", "nfc\n")
        .symlink("src/link", "a.c")
        .symlink("dangling", "no/such/file")
        .dir("only/empty/dirs");
    t
}

#[test]
fn archives_have_the_same_ids_as_the_directory() {
    let t = portable_tree();
    let want = git_tree_ids(t.path());
    assert_eq!(ids(t.path()), want);
    let dir = tempfile::tempdir().unwrap();
    let tar = tar_bytes(t.path());
    let write = |name: &str, bytes: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    };
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&tar).unwrap();
    let mut xz = xz2::write::XzEncoder::new(Vec::new(), 6);
    xz.write_all(&tar).unwrap();
    let archives = [
        write("s.tar", &tar),
        write("s.tar.gz", &gz.finish().unwrap()),
        write("s.tgz", &std::fs::read(dir.path().join("s.tar.gz")).unwrap()),
        write("s.tar.xz", &xz.finish().unwrap()),
        // Recognised by content when the name says nothing.
        write("snapshot-without-extension", &tar),
    ];
    // A zip cannot hold the tree's symlinks (Python's zipfile and pip make files of them): refused.
    assert_zip_of_links_refused(&write("s.zip", &zip_bytes(t.path())));
    let blobs = tempfile::tempdir().unwrap();
    for a in &archives {
        assert_eq!(ids(a), want, "{}", a.display());
        // Kept for reading in the blob store, the content is there and verifies.
        let config = IngestConfig { blob_dir: Some(blobs.path().to_path_buf()), ..IngestConfig::default() };
        let s = Snapshot::open(a, &config, &Progress::default()).unwrap();
        let f = s.file(b"src/a.c").unwrap();
        assert_eq!(s.read(f).unwrap(), b"int a;\r\n");
        let link = s.file(b"src/link").unwrap();
        assert_eq!(s.read(link).unwrap(), b"a.c");
    }
}

/// A raw tar entry: (name, type flag, link name, content).
type RawEntry<'a> = (&'a [u8], u8, &'a [u8], &'a [u8]);

/// Builds a raw tar from entries without the tar crate's path checks.
fn raw_tar(entries: &[RawEntry<'_>]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, kind, link, content) in entries {
        let mut h = [0u8; 512];
        h[..name.len()].copy_from_slice(name);
        h[100..108].copy_from_slice(b"0000644\0");
        h[108..116].copy_from_slice(b"0000000\0");
        h[116..124].copy_from_slice(b"0000000\0");
        h[124..136].copy_from_slice(format!("{:011o}\0", content.len()).as_bytes());
        h[136..148].copy_from_slice(b"00000000000\0");
        h[156] = *kind;
        h[157..157 + link.len()].copy_from_slice(link);
        h[257..263].copy_from_slice(b"ustar\0");
        h[263..265].copy_from_slice(b"00");
        h[148..156].copy_from_slice(b"        ");
        let sum: u32 = h.iter().map(|&b| b as u32).sum();
        h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
        out.extend_from_slice(&h);
        out.extend_from_slice(content);
        out.resize(out.len().div_ceil(512) * 512, 0);
    }
    out.extend_from_slice(&[0u8; 1024]);
    out
}

/// Every file (not directory) below `dir`, recursively.
fn files_below(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            } else {
                out.push(e.path());
            }
        }
    }
    out
}

fn assert_refused(name: &str, bytes: &[u8], want: &str) {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join(name);
    std::fs::write(&archive, bytes).unwrap();
    // Through the CLI: exit 2 and a message naming the archive and the problem.
    let (code, _, err) = vitrine_os(&["digest".as_ref(), arg(&archive)]);
    assert_eq!(code, 2, "{name}: {err}");
    assert!(err.contains(&archive.display().to_string()), "{name}: {err}");
    assert!(err.contains(want), "{name}: expected `{want}` in: {err}");
    // Through the library with a blob store: refused, and no file is left behind.
    let scratch = dir.path().join("blobs");
    let config = IngestConfig { blob_dir: Some(scratch.clone()), ..IngestConfig::default() };
    let result = Snapshot::open(&archive, &config, &Progress::default());
    assert!(
        matches!(result, Err(SnapshotError::HostileArchive { .. } | SnapshotError::CorruptArchive { .. })),
        "{name}: {result:?}"
    );
    let left = files_below(&scratch);
    assert!(left.is_empty(), "{name}: left behind {left:?}");
}

#[test]
fn hostile_tars_are_refused_and_leave_nothing_behind() {
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("dotdot.tar", raw_tar(&[(b"../evil.c", b'0', b"", b"x")]), "climbs out"),
        ("nested-dotdot.tar", raw_tar(&[(b"a/../../evil.c", b'0', b"", b"x")]), "climbs out"),
        ("absolute.tar", raw_tar(&[(b"/etc/evil", b'0', b"", b"x")]), "absolute path"),
        (
            "write-through-link.tar",
            raw_tar(&[(b"dir", b'5', b"", b""), (b"link", b'2', b"dir", b""), (b"link/x", b'0', b"", b"x")]),
            "below the symlink",
        ),
        ("hardlink-out.tar", raw_tar(&[(b"h", b'1', b"/etc/passwd", b"")]), "hard link"),
        ("hardlink-missing.tar", raw_tar(&[(b"h", b'1', b"nothing", b"")]), "hard link"),
        ("chardev.tar", raw_tar(&[(b"dev/null", b'3', b"", b"")]), "character device"),
        ("blockdev.tar", raw_tar(&[(b"dev/sda", b'4', b"", b"")]), "block device"),
        ("fifo.tar", raw_tar(&[(b"pipe", b'6', b"", b"")]), "FIFO"),
        (
            "duplicate.tar",
            raw_tar(&[(b"a.c", b'0', b"", b"one"), (b"./a.c", b'0', b"", b"two")]),
            "duplicate entry",
        ),
        ("below-file.tar", raw_tar(&[(b"a", b'0', b"", b"x"), (b"a/b", b'0', b"", b"y")]), "below the file"),
    ];
    for (name, bytes, want) in cases {
        assert_refused(name, &bytes, want);
    }
}

#[test]
fn truncated_and_corrupt_archives_are_errors_not_partial_snapshots() {
    let good = raw_tar(&[(b"a.c", b'0', b"", &[b'x'; 2000]), (b"b.c", b'0', b"", b"int b;\n")]);
    // Cut in the middle of a file, and cut exactly at a header boundary (no end-of-archive marker).
    assert_refused("cut-in-file.tar", &good[..1200], "truncated");
    assert_refused("cut-at-header.tar", &good[..good.len() - 1024], "truncated");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&good).unwrap();
    let gz = gz.finish().unwrap();
    assert_refused("cut.tar.gz", &gz[..gz.len() / 2], "corrupt");
    let mut xz = xz2::write::XzEncoder::new(Vec::new(), 6);
    xz.write_all(&good).unwrap();
    let xz = xz.finish().unwrap();
    assert_refused("cut.tar.xz", &xz[..xz.len() - 20], "corrupt");
    let t = portable_tree();
    let zip = zip_bytes(t.path());
    assert_refused("cut.zip", &zip[..zip.len() - 30], "corrupt");
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    w.start_file("hello.txt", stored).unwrap();
    w.write_all(b"hello\n").unwrap();
    let mut flipped = w.finish().unwrap().into_inner();
    let at = flipped.windows(6).position(|w| w == b"hello\n").unwrap();
    flipped[at] ^= 0x20;
    assert_refused("crc.zip", &flipped, "corrupt");
}

#[test]
fn decompression_bombs_are_refused() {
    // 128 MiB of zeros compresses about 1000:1.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let zeros = vec![0u8; 1 << 20];
    let mut header = raw_tar(&[(b"bomb.bin", b'0', b"", b"")]);
    header.truncate(512);
    let size = 128u64 << 20;
    header[124..136].copy_from_slice(format!("{size:011o}\0").as_bytes());
    header[148..156].copy_from_slice(b"        ");
    let sum: u32 = header.iter().map(|&b| b as u32).sum();
    header[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    gz.write_all(&header).unwrap();
    for _ in 0..128 {
        gz.write_all(&zeros).unwrap();
    }
    gz.write_all(&[0u8; 1024]).unwrap();
    assert_refused("bomb.tar.gz", &gz.finish().unwrap(), "decompression bomb");

    // Limits on entries and total size are configurable.
    let dir = tempfile::tempdir().unwrap();
    let many = dir.path().join("many.tar");
    let names: Vec<Vec<u8>> = (0..20).map(|i| format!("f{i}").into_bytes()).collect();
    let refs: Vec<RawEntry<'_>> = names.iter().map(|n| (n.as_slice(), b'0', &b""[..], &b"x"[..])).collect();
    std::fs::write(&many, raw_tar(&refs)).unwrap();
    let limited = |archive: ArchiveLimits| IngestConfig { archive, ..IngestConfig::default() };
    let r = Snapshot::open(
        &many,
        &limited(ArchiveLimits { max_entries: 10, ..ArchiveLimits::default() }),
        &Progress::default(),
    );
    assert!(matches!(r, Err(SnapshotError::HostileArchive { .. })), "{r:?}");
    let r = Snapshot::open(
        &many,
        &limited(ArchiveLimits { max_total_bytes: 5, ..ArchiveLimits::default() }),
        &Progress::default(),
    );
    assert!(matches!(r, Err(SnapshotError::HostileArchive { .. })), "{r:?}");
    assert!(Snapshot::open(&many, &IngestConfig::default(), &Progress::default()).is_ok());
}

// ---------------------------------------------------------------------------------------------------
// Health

fn findings_of(t: &TempTree) -> Vec<(String, Option<u64>, Option<u64>, FindingKind)> {
    open(t.path()).health().findings.iter().map(|f| (f.path.clone(), f.line, f.column, f.kind)).collect()
}

#[test]
fn each_health_finding_is_at_its_line_and_column() {
    let t = TempTree::new();
    t.file("clean.cpp", "#include <vector>\n// комментарий по-русски\nint main() { return 0; }\n")
        .file("trojan.c", "int check(int admin) {\n    /* \u{202E} } \u{2066}if (admin)\u{2069} \u{2066} begin admins only */\n")
        .file("zw.c", "int a;\nint b\u{200B}c = 1;\n")
        .file("homoglyph.cpp", "bool is_admin = false;\n\nbool is_\u{0430}dmin = true;\n")
        .file("ctl.c", "int x;\nchar *s = \"\x1b[2J\";\n")
        .file("long.c", format!("int y;\nint z = {};\n", "1+".repeat(600) + "1"))
        .file("blob.bin", [0u8, 1, 2, 3])
        .file("legacy.c", encoding_rs::WINDOWS_1251.encode("// Проверка длины буфера перед копированием\nint n;\n").0)
        .file("vendor/.git/HEAD", "ref: refs/heads/main\n")
        .symlink("passwd", "/etc/passwd")
        .file("Makefile", "all:\n")
        .file("makefile", "all:\n");
    let f = findings_of(&t);
    let at = |path: &str, kind: FindingKind| -> Vec<(Option<u64>, Option<u64>)> {
        f.iter().filter(|x| x.0 == path && x.3 == kind).map(|x| (x.1, x.2)).collect()
    };
    assert_eq!(
        at("trojan.c", FindingKind::BidiControl),
        [(Some(2), Some(8)), (Some(2), Some(12)), (Some(2), Some(23)), (Some(2), Some(25))]
    );
    assert_eq!(at("zw.c", FindingKind::InvisibleChar), [(Some(2), Some(6))]);
    assert_eq!(at("homoglyph.cpp", FindingKind::MixedScriptIdentifier), [(Some(3), Some(6))]);
    assert_eq!(at("ctl.c", FindingKind::ControlChar), [(Some(2), Some(12))]);
    assert_eq!(at("long.c", FindingKind::LongLine), [(Some(2), Some(1001))]);
    assert_eq!(at("blob.bin", FindingKind::Binary), [(None, None)]);
    assert_eq!(at("legacy.c", FindingKind::NonUtf8), [(None, None)]);
    assert_eq!(at("vendor/.git", FindingKind::NestedRepo), [(None, None)]);
    assert_eq!(at("passwd", FindingKind::SymlinkAbsolute), [(None, None)]);
    assert_eq!(at("Makefile", FindingKind::CaseCollision), [(None, None)]);
    // One finding per group of colliding names, at the first, listing them all.
    assert_eq!(at("makefile", FindingKind::CaseCollision), []);
    let group =
        open(t.path()).health().findings.iter().find(|x| x.kind == FindingKind::CaseCollision).cloned();
    assert!(group.is_some_and(|g| g.detail.ends_with("`Makefile`, `makefile`")));
    assert!(f.iter().all(|x| x.0 != "clean.cpp"), "clean file has findings: {f:?}");
}

#[test]
fn health_cli_json_has_files_classes_and_findings() {
    let t = TempTree::new();
    t.file("a.c", "int a;\n").file("t.c", "x\u{202E}y\n").file("b.bin", [0u8, 0]);
    let (code, out, err) = vitrine_os(&["health".as_ref(), arg(t.path()), "--json".as_ref()]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["files"], 3);
    assert_eq!(v["classes"]["text"], 2);
    assert_eq!(v["classes"]["binary"], 1);
    let kinds: Vec<&str> =
        v["findings"].as_array().unwrap().iter().map(|f| f["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["binary", "bidi-control"]);
    let bidi = &v["findings"][1];
    assert_eq!(
        (bidi["path"].as_str(), bidi["line"].as_u64(), bidi["column"].as_u64()),
        (Some("t.c"), Some(1), Some(2))
    );
    assert!(bidi["detail"].as_str().unwrap().contains("U+202E"));
}

// ---------------------------------------------------------------------------------------------------
// The vendor's git checkout

fn git_in(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .env("GIT_AUTHOR_NAME", "v")
        .env("GIT_AUTHOR_EMAIL", "v@example")
        .env("GIT_COMMITTER_NAME", "v")
        .env("GIT_COMMITTER_EMAIL", "v@example")
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn a_git_checkout_is_checked_against_its_head_commit() {
    for format in ["sha1", "sha256"] {
        let t = TempTree::new();
        t.file("src/a.c", "int a;\n").exec("run.sh", "#!/bin/sh\n").file("doc/readme", "r\n");
        git_in(t.path(), &["init", "-q", &format!("--object-format={format}"), "-b", "main"]);
        git_in(t.path(), &["add", "-A"]);
        git_in(t.path(), &["commit", "-q", "-m", "one"]);
        let g = open(t.path()).git().cloned().unwrap();
        assert_eq!(g.matches_head, Some(true), "{format}: {g:?}");
        assert_eq!(g.head_ref.as_deref(), Some("refs/heads/main"));
        assert_eq!(g.object_format, format);
        // A second commit, then pack everything (deltas, packed refs): still read.
        t.file("src/a.c", "int a;\nint b;\n");
        git_in(t.path(), &["commit", "-q", "-a", "-m", "two"]);
        git_in(t.path(), &["gc", "-q", "--aggressive"]);
        git_in(t.path(), &["pack-refs", "--all"]);
        let g = open(t.path()).git().cloned().unwrap();
        assert_eq!(g.matches_head, Some(true), "{format} packed: {g:?}");
        // A working tree that differs from HEAD is said to differ.
        t.file("src/a.c", "int a; /* changed */\n");
        let g = open(t.path()).git().cloned().unwrap();
        assert_eq!(g.matches_head, Some(false), "{format}");
    }
}

/// `tar cf` (the stock command) of the checkout `dir`, `.git` included, into `out`.
fn stock_tar(dir: &Path, out: &Path) {
    let st = Command::new("tar").arg("cf").arg(out).arg("-C").arg(dir).arg(".").status().unwrap();
    assert!(st.success(), "tar cf {}", out.display());
}

#[test]
fn an_archived_git_checkout_is_checked_against_its_head_commit_from_the_blob_store() {
    for format in ["sha1", "sha256"] {
        let t = TempTree::new();
        t.file("src/a.c", "int a;\n").exec("run.sh", "#!/bin/sh\n").file("doc/readme", "r\n");
        git_in(t.path(), &["init", "-q", &format!("--object-format={format}"), "-b", "main"]);
        git_in(t.path(), &["add", "-A"]);
        git_in(t.path(), &["commit", "-q", "-m", "one"]);
        let work = tempfile::tempdir().unwrap();
        let config = IngestConfig { blob_dir: Some(work.path().join("blobs")), ..IngestConfig::default() };
        let archive_git = |name: &str| {
            let tar = work.path().join(name);
            stock_tar(t.path(), &tar);
            let s = Snapshot::open(&tar, &config, &Progress::default()).expect("archive opens");
            s.git().cloned()
        };
        // Loose objects and a loose ref: the same checkout as the directory says, HEAD matched.
        let want = open(t.path()).git().cloned().unwrap();
        assert_eq!(want.matches_head, Some(true), "{format}: {want:?}");
        let g = archive_git("loose.tar").expect("the archive's .git is inspected");
        assert_eq!(g, want, "{format}");
        assert!(g.commit.is_some() && g.problem.is_none(), "{format}: {g:?}");
        // Packed objects (read at offsets from their blobs) and packed refs.
        t.file("src/a.c", "int a;\nint b;\n");
        git_in(t.path(), &["commit", "-q", "-a", "-m", "two"]);
        git_in(t.path(), &["gc", "-q", "--aggressive"]);
        git_in(t.path(), &["pack-refs", "--all"]);
        let want = open(t.path()).git().cloned().unwrap();
        assert_eq!(want.matches_head, Some(true), "{format} packed: {want:?}");
        assert_ne!(g.commit, want.commit);
        assert_eq!(archive_git("packed.tar"), Some(want.clone()), "{format} packed");
        // A working tree that differs from HEAD is said to differ, in the archive as in the directory.
        t.file("src/a.c", "int a; /* changed */\n");
        let g = archive_git("changed.tar").unwrap();
        assert_eq!(g.matches_head, Some(false), "{format}: {g:?}");
        assert_eq!(g.commit, want.commit);
        assert_eq!(Some(g), open(t.path()).git().cloned());
    }
}

/// A digested archive's `.git` is read again from the archive (round 10 F5: what `health x.tar` says must
/// not depend on whether the content is kept): the same check as when the content is kept.
#[test]
fn a_digested_archive_checks_its_git_as_a_kept_one_does() {
    let t = TempTree::new();
    t.file("a.c", "int a;\n");
    git_in(t.path(), &["init", "-q", "-b", "main"]);
    git_in(t.path(), &["add", "-A"]);
    git_in(t.path(), &["commit", "-q", "-m", "one"]);
    let work = tempfile::tempdir().unwrap();
    let tar = work.path().join("s.tar");
    stock_tar(t.path(), &tar);
    let digested = open(&tar).git().cloned().expect("the archive's .git is inspected");
    assert_eq!(digested.matches_head, Some(true), "{digested:?}");
    let config = IngestConfig { blob_dir: Some(work.path().join("blobs")), ..IngestConfig::default() };
    let kept = Snapshot::open(&tar, &config, &Progress::default()).unwrap().git().cloned();
    assert_eq!(Some(digested), kept);
}

#[test]
fn digest_lists_every_file_with_its_ids_and_limits_are_configurable() {
    let t = TempTree::new();
    t.file("a.c", "hello\n").file("big.c", "x".repeat(100)).exec("run.sh", "#!/bin/sh\n").symlink("l", "a.c");
    let (code, out, err) =
        vitrine_os(&["digest".as_ref(), arg(t.path()), "--files".as_ref(), "--json".as_ref()]);
    assert_eq!(code, 0, "{err}");
    let rows: Vec<serde_json::Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(rows.len(), 4);
    let a = rows.iter().find(|r| r["path"] == "a.c").unwrap();
    // `printf 'hello\n' | git hash-object --stdin` and `sha256sum`
    assert_eq!(a["blob_sha1"], "ce013625030ba8dba906f756967f9e9ca394464a");
    assert_eq!(a["sha256"], "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03");
    assert_eq!(a["mode"], "100644");
    assert_eq!(rows.iter().find(|r| r["path"] == "run.sh").unwrap()["mode"], "100755");
    assert_eq!(rows.iter().find(|r| r["path"] == "l").unwrap()["mode"], "120000");
    // A lower text limit makes the 100-byte file too large to index.
    let (_, out, _) = vitrine_os(&[
        "health".as_ref(),
        arg(t.path()),
        "--json".as_ref(),
        "--max-text-bytes".as_ref(),
        "50".as_ref(),
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["classes"]["too-large"], 1);
    // Archive limits from the command line.
    let dir = tempfile::tempdir().unwrap();
    let tar = dir.path().join("s.tar");
    std::fs::write(&tar, tar_bytes(t.path())).unwrap();
    let (code, _, err) =
        vitrine_os(&["digest".as_ref(), arg(&tar), "--archive-max-entries".as_ref(), "2".as_ref()]);
    assert_eq!(code, 2);
    assert!(err.contains("more than 2 entries"), "{err}");
}

#[test]
fn a_path_without_a_subcommand_opens_the_window_and_a_missing_one_is_named() {
    let (code, _, err) = vitrine_os(&["/no/such/snapshot".as_ref()]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot open snapshot /no/such/snapshot: no such file or directory"), "{err}");
    // Subcommand names still win over a path.
    let (code, out, _) = vitrine_os(&["digest".as_ref(), "--help".as_ref()]);
    assert_eq!(code, 0);
    assert!(out.contains("--manifest"), "{out}");
}

#[test]
fn the_snapshot_limits_are_listed_once_at_the_top_and_taken_after_any_subcommand() {
    let limits = [
        "--max-text-bytes <BYTES>",
        "--archive-max-bytes <BYTES>",
        "--max-file-bytes <BYTES>",
        "--archive-max-entries <N>",
        "--archive-max-ratio <N>",
    ];
    let (code, top, _) = vitrine_os(&["--help".as_ref()]);
    assert_eq!(code, 0);
    for l in limits {
        assert_eq!(top.matches(l).count(), 1, "{l} in the top-level help:\n{top}");
    }
    for sub in ["search", "people", "digest", "verify", "key"] {
        let (code, help, _) = vitrine_os(&[sub.as_ref(), "--help".as_ref()]);
        assert_eq!(code, 0, "{sub}");
        assert!(
            !help.contains("--max-text-bytes")
                && !help.contains("--archive-max")
                && !help.contains("--max-file-bytes"),
            "{sub} --help:\n{help}"
        );
    }
    // Hidden from the subcommand's help, still taken there.
    let t = TempTree::new();
    t.file_bytes(b"a.c", b"int big_enough_to_skip;\n");
    let (code, out, err) = vitrine_os(&[
        "health".as_ref(),
        arg(t.path()),
        "--json".as_ref(),
        "--max-text-bytes".as_ref(),
        "5".as_ref(),
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["classes"]["too-large"], 1, "{out}");
}

/// How many files in the data directory's `ingest-cache/` have a name starting with `prefix`
/// (`dir-`: per-file caches; `reopen-`: reopen tables, written only for trees older than the racy window).
fn ingest_caches(data: &Path, prefix: &str) -> usize {
    std::fs::read_dir(data.join("ingest-cache"))
        .map(|d| {
            d.filter(|e| {
                e.as_ref().is_ok_and(|e| e.file_name().as_encoded_bytes().starts_with(prefix.as_bytes()))
            })
            .count()
        })
        .unwrap_or(0)
}

#[test]
fn navigation_commands_cache_the_ingest_and_identity_commands_never_use_it() {
    let t = TempTree::new();
    t.file("src/a.c", "int alpha(void) { return 1; }\n")
        .file("src/b.c", "int beta(void) { return alpha(); }\n");
    let (_d, data) = crate::support::data_dir();
    let search = |q: &str, extra: &[&str]| {
        let mut args = vec!["--data".as_ref(), arg(&data), "-q".as_ref()];
        args.extend(extra.iter().map(|s| std::ffi::OsStr::new(*s)));
        args.extend(["search".as_ref(), arg(t.path()), q.as_ref(), "--count".as_ref(), "--json".as_ref()]);
        vitrine_os(&args)
    };
    let (code, out, err) = vitrine_os(&["--data".as_ref(), arg(&data), "digest".as_ref(), arg(t.path())]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(&git_tree_ids(t.path()).0));
    assert_eq!(ingest_caches(&data, ""), 0, "digest must hash everything and keep nothing");
    let (code, _, err) = search("alpha", &["--no-cache"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(ingest_caches(&data, ""), 0, "--no-cache must not write a cache");
    let (code, out, err) = search("alpha", &[]);
    assert_eq!((code, out.trim()), (0, r#"{"lines":2,"files":2}"#), "{err}");
    assert_eq!(ingest_caches(&data, "dir-"), 1);
    // A changed file is seen by the next command, through the cache.
    t.file("src/b.c", "int beta(void) { return gamma(); }\n");
    let (code, out, err) = search("alpha", &[]);
    assert_eq!((code, out.trim()), (0, r#"{"lines":1,"files":1}"#), "{err}");
    let (code, out, _) = search("gamma", &[]);
    assert_eq!((code, out.trim()), (0, r#"{"lines":1,"files":1}"#));
}

/// Writes `bytes` as `dir/name` and returns the path.
fn put(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// The same tree as a .tar, .tar.gz and .tar.xz (a zip cannot hold symlinks: see
/// `assert_zip_of_links_refused`).
fn every_archive(t: &Path, dir: &Path) -> Vec<std::path::PathBuf> {
    let tar = tar_bytes(t);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&tar).unwrap();
    let mut xz = xz2::write::XzEncoder::new(Vec::new(), 6);
    xz.write_all(&tar).unwrap();
    vec![
        put(dir, "s.tar", &tar),
        put(dir, "s.tar.gz", &gz.finish().unwrap()),
        put(dir, "s.tar.xz", &xz.finish().unwrap()),
    ]
}

#[test]
fn the_same_tree_gives_the_same_ids_files_and_findings_from_a_directory_and_every_archive() {
    let t = TempTree::new();
    t.file("README", "hello\n")
        .exec("tools/run.sh", "#!/bin/sh\necho hi\n")
        .file("empty", "")
        .file("a/b/c/deep.c", "int deep;\n")
        .file("trojan.c", "/* \u{202E} } */\n")
        .symlink("abs", "/etc/passwd")
        .symlink("a/b/escape", "../../../outside")
        .symlink("inside", "a/b/c/deep.c")
        // A chain that a resolver would follow out of the root: each link is only data here.
        .symlink("a/step1", "step2")
        .symlink("a/step2", "../..")
        .dir("only/empty");
    let want = git_tree_ids(t.path());
    let dir_snap = open(t.path());
    assert_eq!((dir_snap.ids().tree_sha256.to_string(), dir_snap.ids().tree_sha1.to_string()), want);
    let observable = |s: &Snapshot| serde_json::to_string(&(s.ids(), s.files(), s.health())).unwrap();
    let kinds = |s: &Snapshot, path: &str| -> Vec<FindingKind> {
        s.health().findings.iter().filter(|f| f.path == path).map(|f| f.kind).collect()
    };
    assert_eq!(kinds(&dir_snap, "abs"), [FindingKind::SymlinkAbsolute]);
    assert_eq!(kinds(&dir_snap, "a/b/escape"), [FindingKind::SymlinkEscapes]);
    assert_eq!(kinds(&dir_snap, "a/step2"), [FindingKind::SymlinkEscapes]);
    assert_eq!(kinds(&dir_snap, "inside"), [FindingKind::Symlink]);
    let work = tempfile::tempdir().unwrap();
    let blobs = work.path().join("blobs");
    assert_zip_of_links_refused(&put(work.path(), "s.zip", &zip_bytes(t.path())));
    for a in every_archive(t.path(), work.path()) {
        let digested = open(&a);
        assert_eq!(observable(&digested), observable(&dir_snap), "{}", a.display());
        let config = IngestConfig { blob_dir: Some(blobs.clone()), ..IngestConfig::default() };
        let kept = Snapshot::open(&a, &config, &Progress::default()).unwrap();
        assert_eq!(observable(&kept), observable(&dir_snap), "{}", a.display());
        for f in kept.files() {
            assert_eq!(
                kept.read(f).unwrap(),
                dir_snap.read(dir_snap.file(f.path.as_bytes()).unwrap()).unwrap()
            );
        }
        assert_eq!(kept.read(kept.file(b"abs").unwrap()).unwrap(), b"/etc/passwd");
    }
    // Nothing of the tree is materialised: the store holds one plain file per distinct content, named by
    // its hash, and no link.
    let mut stored = Vec::new();
    let mut stack = vec![blobs.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let ft = e.file_type().unwrap();
            assert!(!ft.is_symlink(), "{}", e.path().display());
            if ft.is_dir() {
                stack.push(e.path());
            } else {
                stored.push(e.path());
            }
        }
    }
    let distinct: std::collections::BTreeSet<_> = dir_snap
        .files()
        .iter()
        .filter(|f| matches!(f.kind, vitrine_snapshot::EntryKind::File { .. }))
        .map(|f| f.sha256)
        .collect();
    assert_eq!(stored.len(), distinct.len(), "{stored:?}");
}

#[test]
fn a_polyglot_file_is_refused_as_a_tar_and_as_a_zip_and_search_never_answers() {
    let t_tar = TempTree::new();
    t_tar.file("a.c", "int only_in_the_tar;\n");
    // A tar followed by a zip whose offsets count from the start of the file: GNU tar and bsdtar read the
    // tar (bsdtar even when the file is named .zip), unzip, Python's zipfile and pip the zip. Both views
    // are therefore ambiguous and refused: the zip one naming the prefix, the tar one naming where the
    // zip's end record is (round 19, F3; the tar view used to be read).
    let tar = tar_bytes(t_tar.path());
    let mut cursor = std::io::Cursor::new(tar.clone());
    cursor.set_position(tar.len() as u64);
    let mut w = zip::ZipWriter::new(cursor);
    w.start_file("a.c", zip::write::SimpleFileOptions::default()).unwrap();
    w.write_all(b"int only_in_the_zip;\n").unwrap();
    let bytes = w.finish().unwrap().into_inner();
    let work = tempfile::tempdir().unwrap();
    let as_tar = put(work.path(), "p.tar", &bytes);
    let as_zip = put(work.path(), "p.zip", &bytes);
    let end_record = bytes.windows(4).rposition(|w| w == b"PK\x05\x06").unwrap();
    let tar_view = Snapshot::open(&as_tar, &IngestConfig::default(), &Progress::default());
    assert!(
        matches!(&tar_view, Err(SnapshotError::HostileArchive { reason, .. })
            if reason.contains(&format!("byte {end_record} of the file starts a zip end-of-central-directory record"))),
        "{tar_view:?}"
    );
    let zip_view = Snapshot::open(&as_zip, &IngestConfig::default(), &Progress::default());
    assert!(
        // Refused by its first check: the first block is a tar header (else: bytes before the first entry).
        matches!(&zip_view, Err(SnapshotError::HostileArchive { reason, .. })
            if reason.contains("also a tar header") || reason.contains("before the first entry")),
        "{zip_view:?}"
    );
    let (_d, data) = crate::support::data_dir();
    let search = |archive: &Path, q: &str| {
        vitrine_os(&[
            "--data".as_ref(),
            arg(&data),
            "-q".as_ref(),
            "search".as_ref(),
            arg(archive),
            q.as_ref(),
            "--count".as_ref(),
            "--json".as_ref(),
        ])
    };
    for _ in 0..2 {
        // Twice: nothing the first attempt left behind answers the second.
        let (code, _, err) = search(&as_tar, "only_in_the_tar");
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("zip end-of-central-directory record"), "{err}");
        let (code, _, err) = search(&as_zip, "only_in_the_tar");
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("also a tar header") || err.contains("before the first entry"), "{err}");
    }
    // Without the zip the same tar reads.
    let plain = put(work.path(), "plain.tar", &tar);
    assert_eq!(open(&plain).ids().tree_sha256.to_string(), git_tree_ids(t_tar.path()).0);
}

#[test]
fn snapshots_differing_only_in_a_path_git_refuses_have_their_own_index() {
    let t = TempTree::new();
    t.file("main.c", "#include \".GIT/evil.h\"\n").file(".GIT/evil.h", "#define FIRST_VERSION 1\n");
    let first = open(t.path());
    let (_d, data) = crate::support::data_dir();
    let count = |q: &str| {
        let (code, out, err) = vitrine_os(&[
            "--data".as_ref(),
            arg(&data),
            "-q".as_ref(),
            "search".as_ref(),
            arg(t.path()),
            q.as_ref(),
            "--count".as_ref(),
            "--json".as_ref(),
        ]);
        // Exit 1 is "no match", as grep.
        assert!(code == 0 || code == 1, "{code}: {err}");
        out.trim().to_owned()
    };
    assert_eq!(count("FIRST_VERSION"), r#"{"lines":1,"files":1}"#);
    t.file(".GIT/evil.h", "#define SECOND_VERSION 2\n");
    let second = open(t.path());
    assert_eq!(
        first.ids().tree_sha256,
        second.ids().tree_sha256,
        "git leaves `.GIT/evil.h` out of the tree ids"
    );
    assert_ne!(first.content_key(), second.content_key());
    assert_eq!(count("SECOND_VERSION"), r#"{"lines":1,"files":1}"#);
    assert_eq!(count("FIRST_VERSION"), r#"{"lines":0,"files":0}"#);
}

/// Creates `depth` nested directories of 200-byte names below `root` with a file in the deepest,
/// through directory descriptors (the whole path is longer than `PATH_MAX`, so no path-based call can
/// reach it). Returns the first directory's name.
fn too_deep_for_a_path(root: &Path, depth: usize) -> String {
    use rustix::fs::{Mode, OFlags};
    let name = "d".repeat(200);
    let mut dir = rustix::fs::open(root, OFlags::RDONLY | OFlags::DIRECTORY, Mode::empty()).unwrap();
    for _ in 0..depth {
        rustix::fs::mkdirat(&dir, name.as_str(), Mode::from_raw_mode(0o755)).unwrap();
        dir = rustix::fs::openat(&dir, name.as_str(), OFlags::RDONLY | OFlags::DIRECTORY, Mode::empty())
            .unwrap();
    }
    let file =
        rustix::fs::openat(&dir, "hidden.c", OFlags::WRONLY | OFlags::CREATE, Mode::from_raw_mode(0o644))
            .unwrap();
    assert_eq!(rustix::io::write(&file, b"int hidden;\n").unwrap(), 12);
    name
}

#[test]
fn a_directory_that_cannot_be_read_makes_digest_refuse_naming_it() {
    // Tests run as root, for whom mode 000 hides nothing; a directory whose path is longer than PATH_MAX
    // is one that Vitrine (like `git add`) cannot read whoever runs it, so it stands in for one here.
    let t = TempTree::new();
    t.file("a.c", "int a;\n");
    let first = too_deep_for_a_path(t.path(), 24);
    let (code, out, err) = vitrine_os(&["digest".as_ref(), arg(t.path()), "--json".as_ref()]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(out.is_empty(), "no identity is stated: {out}");
    assert!(err.contains(&first) && err.contains("cannot be read completely"), "{err}");
    // Through the library: a typed error, no snapshot.
    let r = Snapshot::open(t.path(), &IngestConfig::default(), &Progress::default());
    assert!(matches!(r, Err(SnapshotError::Unreadable { .. })), "{r:?}");
}

/// F9: git refuses a symlink named `.gitmodules` (any case, in any directory, or an NTFS alias of it
/// such as `gitmod~1` or `.gitmodules .`), so `git add` of such a tree fails and no git tree holds it.
/// Vitrine leaves each such link out of the tree ids, as the `.git` aliases are, and reports it as
/// `git-refused-path`: the ids are stock git's for the tree without those links. A regular file of
/// that name is a real `.gitmodules` and stays.
#[test]
fn a_symlinked_gitmodules_is_left_out_of_the_ids_and_reported() {
    let t = TempTree::new();
    t.file("main.c", "int main(void) { return 0; }\n")
        .file("sub/.gitmodules", "[submodule \"x\"]\n")
        .symlink(".GitModules", "../../../etc/x")
        .symlink("a/.gitmodules", "x")
        .symlink("b/gitmod~1", "x")
        .symlink("c/.gitmodules .", "x");
    let snap = open(t.path());
    assert_eq!(snap.ids().files, 6);
    assert_eq!(snap.ids().files_in_tree, 2);
    let refused: Vec<&str> = snap
        .health()
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::GitRefusedPath)
        .map(|f| f.path.as_str())
        .collect();
    assert_eq!(refused, [".GitModules", "a/.gitmodules", "b/gitmod~1", "c/.gitmodules ."]);
    // Stock git refuses the folder as it is ...
    let h = tempfile::tempdir().unwrap();
    let add = Command::new("git").args(["init", "-q", "--bare"]).arg(h.path()).status().unwrap();
    assert!(add.success());
    let add = Command::new("git")
        .env("GIT_DIR", h.path())
        .env("GIT_INDEX_FILE", h.path().join("idx"))
        .arg(format!("--work-tree={}", t.path().display()))
        .args(["add", "-A", "-f"])
        .output()
        .unwrap();
    assert!(!add.status.success());
    assert!(String::from_utf8_lossy(&add.stderr).contains("invalid path '.GitModules'"));
    // ... and computes Vitrine's ids for it without the refused links.
    for link in [".GitModules", "a/.gitmodules", "b/gitmod~1", "c/.gitmodules ."] {
        std::fs::remove_file(t.path().join(link)).unwrap();
    }
    let (s256, s1) = git_tree_ids(t.path());
    assert_eq!((snap.ids().tree_sha256.to_string(), snap.ids().tree_sha1.to_string()), (s256, s1));
}

/// Round 20, F4: a setuid, setgid or sticky bit is kept by extractors running as root (GNU tar, bsdtar,
/// `unzip -K`) and by copies that keep modes, yet git records only 100644/100755. Each is a
/// `special-mode` finding showing the full mode, for a tar's files, hard links and directories, a zip's
/// entries and a directory's files; the tree ids stay git's.
#[test]
fn setuid_setgid_and_sticky_bits_are_findings_with_the_full_mode_and_leave_the_ids_alone() {
    use crate::archive_build::{Tar, TarHeader, ZipEntry, zip};
    let special = |s: &Snapshot| -> Vec<(String, String)> {
        s.health()
            .findings
            .iter()
            .filter(|f| f.kind == FindingKind::SpecialMode)
            .map(|f| (f.path.clone(), f.detail.split(':').next().unwrap().to_string()))
            .collect()
    };
    let work = tempfile::tempdir().unwrap();
    let script = b"#!/bin/sh\nexec cat \"$@\"\n";
    let tar = |fmt: u32, dir: u32| {
        Tar::new()
            .raw(TarHeader::new(b"shared/", b'5', 0).mode(dir), b"")
            .file(b"README", b"hello\n")
            .raw(TarHeader::new(b"tools/fmt", b'0', script.len() as u64).mode(fmt), script)
            // A hard link states its file's mode, as tar writers record it (one inode).
            .raw(TarHeader::new(b"tools/fmt2", b'1', 0).link(b"tools/fmt").mode(fmt), b"")
            .end()
    };
    let plain = open(&put(work.path(), "plain.tar", &tar(0o755, 0o755)));
    assert!(special(&plain).is_empty());
    let marked = open(&put(work.path(), "marked.tar", &tar(0o4755, 0o1777)));
    assert_eq!(marked.ids(), plain.ids(), "git records 100755 either way");
    assert_eq!(
        special(&marked),
        [
            ("shared".to_string(), "mode 41777 (sticky)".to_string()),
            ("tools/fmt".to_string(), "mode 104755 (setuid)".to_string()),
            ("tools/fmt2".to_string(), "mode 104755 (setuid)".to_string()),
        ]
    );
    assert_eq!(marked.health().counts.get("special-mode"), Some(&3));
    // A zip entry's Unix mode.
    let z = zip(
        &[
            ZipEntry::file(b"README", b"hello\n"),
            ZipEntry { mode: 0o106750, ..ZipEntry::file(b"tools/fmt", script) },
        ],
        b"",
    );
    let zipped = open(&put(work.path(), "s.zip", &z));
    assert_eq!(special(&zipped), [("tools/fmt".to_string(), "mode 106750 (setuid, setgid)".to_string())]);
    // A directory's files, as fstat gives their mode when they are read.
    let t = TempTree::new();
    t.file("README", "hello\n").exec("tools/fmt", "#!/bin/sh\n").file("data/x", "x\n");
    let before = ids(t.path());
    let chmod = |p: &str, mode: u32| {
        std::fs::set_permissions(t.path().join(p), std::os::unix::fs::PermissionsExt::from_mode(mode))
            .unwrap()
    };
    chmod("tools/fmt", 0o4755);
    chmod("README", 0o2644);
    chmod("data", 0o1777);
    let dir = open(t.path());
    assert_eq!((dir.ids().tree_sha256.to_string(), dir.ids().tree_sha1.to_string()), before);
    assert_eq!(
        special(&dir),
        [
            ("README".to_string(), "mode 102644 (setgid)".to_string()),
            ("tools/fmt".to_string(), "mode 104755 (setuid)".to_string()),
        ]
    );
}

/// Round 21 F2: one NUL byte in a comment made a source file "binary" (as ripgrep and git decide): no
/// health scan, no search, a hex view, while gcc compiles it and node runs it. A source file's UTF-8 text
/// is text whatever NULs it holds: its bidi controls are found, each NUL is a control-character finding,
/// and its lines are searched; a NUL under another name keeps the file binary.
#[test]
fn a_nul_byte_does_not_hide_a_source_file() {
    let t = TempTree::new();
    let trojan = "int check(int admin) {\n    /* \u{202E} } \u{2066}if (admin)\u{2069} \u{2066} begin admins only */\n}\n";
    t.file("auth.c", format!("/*\0*/\n{trojan}"))
        .file("check.js", "/*\0*/ require('child_process').execSync(cmd);\n")
        .file("notes.txt", "execSync\0\n");
    let f = findings_of(&t);
    let at = |path: &str, kind: FindingKind| -> Vec<(Option<u64>, Option<u64>)> {
        f.iter().filter(|x| x.0 == path && x.3 == kind).map(|x| (x.1, x.2)).collect()
    };
    assert_eq!(at("auth.c", FindingKind::BidiControl).len(), 4, "{f:?}");
    assert_eq!(at("auth.c", FindingKind::ControlChar), [(Some(1), Some(3))], "{f:?}");
    assert!(at("auth.c", FindingKind::Binary).is_empty(), "{f:?}");
    assert_eq!(at("notes.txt", FindingKind::Binary), [(None, None)], "{f:?}");
    let data = tempfile::tempdir().unwrap();
    let (code, out, err) = crate::support::vitrine_in(
        data.path(),
        &["search".as_ref(), arg(t.path())],
        &["execSync", "--count", "--json"],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), r#"{"lines":1,"files":1}"#, "check.js is searched, notes.txt (binary) is not");
}

/// Round 8 (t23) F1: round 21's rule kept a NUL-holding file as text only under a source extension and
/// as UTF-8. A Latin-1 C file, a `configure` script (`ec\0ho`, which dash runs as `echo`), a Makefile
/// and an `#include`d `.inc` were still binary: no scan, no search, while the build ran each one. They
/// are text now, each NUL a control-character finding, and search finds their payloads.
#[test]
fn a_nul_byte_does_not_hide_a_file_a_build_reads() {
    let t = TempTree::new();
    t.file(
        "src/auth.c",
        b"/* auth.c \xa9 2024 Vendor GmbH\0 */\nint main(int c, char **v){ puts(\"BACKDOOR\"); }\n"
            .as_slice(),
    )
    .file("configure", "#!/bin/sh\necho checking\nec\0ho PAYLOAD-CONFIGURE-RAN\n")
    .file("Makefile", "all:\n\t@echo PAYLOAD-MAKE-RAN\n# end of rules \0\n")
    .file("src/main.c", "#include <stdio.h>\nint main(void){\n#include \"table.inc\"\nreturn 0;}\n")
    .file("src/table.inc", "/* table \0 */ puts(\"PAYLOAD-INC-RAN\");\n");
    let f = findings_of(&t);
    let at = |path: &str, kind: FindingKind| -> Vec<(Option<u64>, Option<u64>)> {
        f.iter().filter(|x| x.0 == path && x.3 == kind).map(|x| (x.1, x.2)).collect()
    };
    assert!(f.iter().all(|x| x.3 != FindingKind::Binary), "{f:?}");
    assert_eq!(at("src/auth.c", FindingKind::ControlChar), [(Some(1), Some(29))], "{f:?}");
    assert_eq!(at("configure", FindingKind::ControlChar), [(Some(3), Some(3))], "{f:?}");
    assert_eq!(at("Makefile", FindingKind::ControlChar), [(Some(3), Some(16))], "{f:?}");
    assert_eq!(at("src/table.inc", FindingKind::IncludedAsCode), [(None, None)], "{f:?}");
    let data = tempfile::tempdir().unwrap();
    let (code, out, err) = crate::support::vitrine_in(
        data.path(),
        &["search".as_ref(), arg(t.path())],
        &["PAYLOAD or BACKDOOR", "--count", "--json"],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), r#"{"lines":4,"files":4}"#);
}

/// Round 8 (t23) F2: round 22's 90%-ASCII test believed `FF FE` on a script whose banner of 40 `·` took
/// its 8-bit reading below the mark; a raw `\necho PAYLOAD-RAN  #` read as CJK in a comment, and `sh`
/// ran it. A script's UTF-16 reading that hides ASCII bytes is not believed: the file is read as the
/// bytes `sh` runs, the mark is an `encoding-disguise` finding, and search finds the line.
#[test]
fn a_utf16_mark_does_not_hide_a_script_line_whatever_the_padding() {
    for padding in ["\u{b7}".repeat(40), "检查安装目录和权限".repeat(4), String::new()] {
        let u = |s: &str| s.encode_utf16().flat_map(u16::to_le_bytes).collect::<Vec<u8>>();
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend(u(&format!("#!/bin/sh\n# {padding}\n# \u{dc}bersetzung: ")));
        bytes.extend(b"\necho PAYLOAD-RAN  #");
        bytes.extend(u("\necho done\n"));
        let t = TempTree::new();
        t.file("install.sh", &bytes);
        let f = findings_of(&t);
        assert!(f.iter().any(|x| x.0 == "install.sh" && x.3 == FindingKind::EncodingDisguise), "{f:?}");
        let data = tempfile::tempdir().unwrap();
        let (code, out, err) = crate::support::vitrine_in(
            data.path(),
            &["search".as_ref(), arg(t.path())],
            &["PAYLOAD", "--count", "--json"],
        );
        assert_eq!(code, 0, "{err}");
        assert_eq!(out.trim(), r#"{"lines":1,"files":1}"#, "{padding}");
    }
}

/// Round 21, F7: stock `git add` records a valid nested repository as a gitlink and leaves its files out,
/// while Vitrine keeps them in the tree ids (ARCHITECTURE: the reviewer reviews them). The `nested-repo`
/// finding says so, and points to the README's recipe, which names every file to `git update-index`
/// (round 7): that gives Vitrine's ids with a nested repository, a path git refuses and a file named `-`.
#[test]
fn the_nested_repo_finding_says_stock_git_records_a_gitlink() {
    let t = TempTree::new();
    t.file("main.c", "int main(){}\n").file("vendor/zlib/inflate.c", "int inflate(){return 0;}\n");
    t.file("-", "read as standard input by sha256sum -c\n").file("third/.GIT/HEAD", "ref: x\n");
    git_in(&t.path().join("vendor/zlib"), &["init", "-q"]);
    let snap = open(t.path());
    let nested: Vec<_> =
        snap.health().findings.iter().filter(|f| f.kind == FindingKind::NestedRepo).cloned().collect();
    assert_eq!(nested.len(), 1, "{nested:?}");
    assert_eq!(nested[0].path, "vendor/zlib/.git");
    let detail = &nested[0].detail;
    assert!(
        detail.contains("the other files of `vendor/zlib/` are in them")
            && detail.contains("gitlink")
            && detail.contains("update-index"),
        "{detail}"
    );
    assert!(snap.files().iter().any(|f| f.path.as_bytes() == b"vendor/zlib/inflate.c" && f.in_tree));
    let ids = (snap.ids().tree_sha256.to_string(), snap.ids().tree_sha1.to_string());
    assert_eq!(readme_tree_ids(t.path()), ids);
}

/// Round 21, F5: npm extracts every package with `strip: 1`, and build scripts run
/// `tar --strip-components=1`: a later `docs/lib/auth.js` replaces the `package/lib/auth.js` the reviewer
/// read. A tar's members that are one path once the first component is dropped are a `strip-collision`
/// finding on the earlier member naming both (not a refusal), from a cached ingest too; a zip (which no
/// such reader strips) and a directory have none.
#[test]
fn members_that_collide_once_the_first_component_is_stripped_are_a_finding() {
    use crate::archive_build::{Tar, ZipEntry, zip};
    let work = tempfile::tempdir().unwrap();
    let members: [(&[u8], &[u8]); 3] = [
        (b"package/package.json", b"{}\n"),
        (b"package/lib/auth.js", b"module.exports = (u, p) => u.check(p);\n"),
        (b"docs/lib/auth.js", b"module.exports = (u, p) => true;\n"),
    ];
    let mut tar = Tar::new();
    for (name, data) in members {
        tar.file(name, data);
    }
    let tar = put(work.path(), "authlib.tar", &tar.end());
    let strip = |s: &Snapshot| -> Vec<(String, String)> {
        s.health()
            .findings
            .iter()
            .filter(|f| f.kind == FindingKind::StripCollision)
            .map(|f| (f.path.clone(), f.detail.clone()))
            .collect()
    };
    let config = IngestConfig { cache_dir: Some(work.path().join("cache")), ..IngestConfig::default() };
    for _ in 0..2 {
        let snap = Snapshot::open(&tar, &config, &Progress::default()).unwrap();
        let found = strip(&snap);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, "package/lib/auth.js");
        assert!(found[0].1.contains("`docs/lib/auth.js`") && found[0].1.contains("npm"), "{}", found[0].1);
        assert_eq!(snap.health().counts.get("strip-collision"), Some(&1));
    }
    let entries: Vec<ZipEntry> = members.iter().map(|(n, d)| ZipEntry::file(n, d)).collect();
    assert!(strip(&open(&put(work.path(), "authlib.zip", &zip(&entries, b"")))).is_empty());
    let t = TempTree::new();
    for (name, data) in members {
        t.file_bytes(name, data);
    }
    assert!(strip(&open(t.path())).is_empty());
}

/// F3 (round 9): `digest --files` listed `src/Kconfig` twice for `src/Kconfig` and `src/\u{212A}config`
/// (KELVIN SIGN): a name holding non-ASCII characters is followed by its spelling with each of them as
/// `<U+XXXX>`, so two names a terminal draws alike are printed differently.
#[test]
fn digest_files_shows_names_that_print_alike_differently() {
    let t = TempTree::new();
    t.file("src/Kconfig", "config A\n")
        .file("src/\u{212A}config", "config B\n")
        .file("src/caf\u{e9}.c", "1\n");
    let (code, out, err) = vitrine_os(&["digest".as_ref(), arg(t.path()), "--files".as_ref()]);
    assert_eq!(code, 0, "{err}");
    let shown: Vec<&str> = out.lines().map(|l| l.splitn(4, ' ').nth(3).unwrap()).collect();
    assert!(shown.contains(&"src/Kconfig"), "{out}");
    assert!(shown.contains(&"src/\u{212A}config  [src/<U+212A>config]"), "{out}");
    assert!(shown.contains(&"src/caf\u{e9}.c  [src/caf<U+00E9>.c]"), "{out}");
    let distinct: std::collections::HashSet<String> =
        shown.iter().map(|s| s.chars().map(|c| if c == '\u{212A}' { 'K' } else { c }).collect()).collect();
    assert_eq!(distinct.len(), 3, "two lines read alike: {out}");
}

/// F6 (round 9): the limits that bound an archive did not bind a directory, and a sparse file (1 TiB
/// apparent, a few KB on disk) was hashed for an hour. A directory is now refused, before any file is
/// read, when it holds more bytes or entries than the limits, a file larger than the per-file limit, or
/// a large file that is mostly holes; each refusal names the file and the limit.
#[test]
fn directory_snapshots_are_bounded_like_archives() {
    let t = TempTree::new();
    t.file("src/main.c", "int main(void) { return 0; }\n");
    let sparse = t.path().join("src/testdata.bin");
    std::fs::File::create(&sparse).unwrap().set_len(1 << 40).unwrap();
    let started = std::time::Instant::now();
    let (code, _, err) = vitrine_os(&["-q".as_ref(), "digest".as_ref(), arg(t.path())]);
    assert_ne!(code, 0, "a 1 TiB sparse file was accepted");
    assert!(started.elapsed() < std::time::Duration::from_secs(30), "took {:?}", started.elapsed());
    assert!(err.contains("src/testdata.bin") && err.contains("sparse"), "{err}");
    // Under the per-file and total limits, still sparse.
    std::fs::File::create(&sparse).unwrap().set_len(1 << 30).unwrap();
    let (code, _, err) = vitrine_os(&["-q".as_ref(), "digest".as_ref(), arg(t.path())]);
    assert_ne!(code, 0, "a 1 GiB sparse file was accepted");
    assert!(err.contains("src/testdata.bin") && err.contains("sparse"), "{err}");
    // Not sparse, but larger than the per-file limit.
    std::fs::remove_file(&sparse).unwrap();
    t.file("src/blob.bin", vec![7u8; 5000]);
    let (code, _, err) = vitrine_os(&[
        "-q".as_ref(),
        "--max-file-bytes".as_ref(),
        "4096".as_ref(),
        "digest".as_ref(),
        arg(t.path()),
    ]);
    assert_ne!(code, 0);
    assert!(err.contains("src/blob.bin") && err.contains("4096"), "{err}");
    // The total, as for an archive.
    let (code, _, err) = vitrine_os(&[
        "-q".as_ref(),
        "--archive-max-bytes".as_ref(),
        "3000".as_ref(),
        "digest".as_ref(),
        arg(t.path()),
    ]);
    assert_ne!(code, 0);
    assert!(err.contains("src/blob.bin") && err.contains("3000"), "{err}");
    // Entries, as for an archive.
    let (code, _, err) = vitrine_os(&[
        "-q".as_ref(),
        "--archive-max-entries".as_ref(),
        "2".as_ref(),
        "digest".as_ref(),
        arg(t.path()),
    ]);
    assert_ne!(code, 0);
    assert!(err.contains("more than 2 entries"), "{err}");
    // Within the limits (and by default) the same tree opens.
    let (code, _, err) = vitrine_os(&["-q".as_ref(), "digest".as_ref(), arg(t.path())]);
    assert_eq!(code, 0, "{err}");
}

/// F1 (round 9): `CFLAGS = -O2 -finput-charset=UTF-7` in a Makefile makes GCC read `auth.c` through
/// iconv's UTF-7, where the ASCII comment `// … +AAo-\treturn 1;` holds a line feed and `return 1;` is
/// code; Vitrine read the file as UTF-8 and said nothing. A build's declared input charset that does not
/// read ASCII as itself is an `encoding-disguise` at the build line, and each line of the C sources it
/// builds that reads otherwise is one more, quoting what GCC reads; the same in CMake, meson and response
/// files, through a variable, and not for `-fexec-charset` or an ASCII-compatible charset.
#[test]
fn a_build_declared_input_charset_that_does_not_read_ascii_is_reported() {
    let auth = "int check(const char *p)\n{\n\t// only the real password passes +AAo-\treturn 1;\n\treturn p[0] == 's';\n}\n";
    let disguised = |build: &str, text: &str| {
        let t = TempTree::new();
        t.file("src/auth.c", auth)
            .file("src/other.c", "int other;\n")
            .file("README", "+AAo- not C\n")
            .file(build, text);
        let f = open(t.path()).health().findings.clone();
        f.into_iter()
            .filter(|f| f.kind == FindingKind::EncodingDisguise)
            .map(|f| (f.path, f.line, f.detail))
            .collect::<Vec<_>>()
    };
    for (build, text, line) in [
        (
            "Makefile",
            "CFLAGS = -O2 -finput-charset=UTF-7\nauth: src/auth.c\n\t$(CC) $(CFLAGS) -o $@ src/auth.c\n",
            1,
        ),
        ("Makefile", "CS := utf7\nCFLAGS += -finput-charset=$(CS)\n", 2),
        ("CMakeLists.txt", "project(a C)\nadd_compile_options(\"-finput-charset=UTF-7\")\n", 2),
        ("CMakeLists.txt", "set(CMAKE_C_FLAGS \"${CMAKE_C_FLAGS} -finput-charset=utf-7\")\n", 1),
        (
            "meson.build",
            "project('a', 'c',\n  default_options: [],\n)\nadd_project_arguments('-finput-charset=UTF-7', language: 'c')\n",
            4,
        ),
        (
            "meson.build",
            "project('a', 'c')\nexecutable('a', 'src/auth.c', c_args: ['-finput-charset=UTF-7'])\n",
            2,
        ),
        ("build.rsp", "-O2\n-finput-charset=UTF-7\n", 2),
    ] {
        let f = disguised(build, text);
        let at_build: Vec<_> = f.iter().filter(|x| x.0 == build).collect();
        assert_eq!(at_build.len(), 1, "{build}: {f:#?}");
        assert_eq!(at_build[0].1, Some(line), "{build}: {f:#?}");
        assert!(at_build[0].2.contains("UTF-7") || at_build[0].2.contains("utf-7"), "{f:#?}");
        let at_source: Vec<_> = f.iter().filter(|x| x.0 == "src/auth.c").collect();
        assert_eq!(at_source.len(), 1, "{build}: {f:#?}");
        assert_eq!(at_source[0].1, Some(3), "{f:#?}");
        assert!(at_source[0].2.contains("return 1;") && at_source[0].2.contains(build), "{f:#?}");
        // Lines that read the same, and files that are not C, get nothing.
        assert!(f.iter().all(|x| x.0 != "src/other.c" && x.0 != "README"), "{f:#?}");
    }
    // EBCDIC and UTF-16: the declaration alone (no line reads as shown).
    for cs in ["IBM037", "EBCDIC-US", "UTF-16LE", "UCS-2"] {
        let f = disguised("Makefile", &format!("CFLAGS = -finput-charset={cs}\n"));
        assert_eq!(f.iter().filter(|x| x.0 == "Makefile").count(), 1, "{cs}: {f:#?}");
    }
    // An archive whose content `health` does not keep: the same findings, from what ingest recorded.
    let t = TempTree::new();
    t.file("auth.c", auth).file("Makefile", "CFLAGS = -O2 -finput-charset=UTF-7\n");
    let work = tempfile::tempdir().unwrap();
    let tar = work.path().join("s.tar");
    stock_tar(t.path(), &tar);
    let (code, out, err) = vitrine_os(&["health".as_ref(), arg(&tar), "--json".as_ref()]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let at: Vec<(String, u64)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "encoding-disguise")
        .map(|f| (f["path"].as_str().unwrap().to_owned(), f["line"].as_u64().unwrap()))
        .collect();
    assert_eq!(at, [("Makefile".to_owned(), 1), ("auth.c".to_owned(), 3)], "{out}");
    // Not about reading, or reading ASCII as itself: nothing.
    for text in [
        "CFLAGS = -fexec-charset=UTF-7 -fwide-exec-charset=UTF-16\n",
        "CFLAGS = -finput-charset=UTF-8\n",
        "CFLAGS = -finput-charset=ISO-8859-1\n",
        "CFLAGS = -finput-charset=latin1 -finput-charset=CP1252\n",
    ] {
        assert_eq!(disguised("Makefile", text), [], "{text}");
    }
}

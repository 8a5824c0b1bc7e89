//! Unit tests of the archive guard on tar streams crafted byte by byte.

use super::*;

fn header(name: &[u8], typeflag: u8, size: u64, link: &[u8]) -> Vec<u8> {
    let mut h = [0u8; 512];
    h[..name.len()].copy_from_slice(name);
    h[100..108].copy_from_slice(b"0000644\0");
    h[108..116].copy_from_slice(b"0000000\0");
    h[116..124].copy_from_slice(b"0000000\0");
    h[124..136].copy_from_slice(format!("{size:011o}\0").as_bytes());
    h[136..148].copy_from_slice(b"00000000000\0");
    h[156] = typeflag;
    h[157..157 + link.len()].copy_from_slice(link);
    h[257..265].copy_from_slice(b"ustar\x0000");
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
    h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    h.to_vec()
}

fn padded(data: &[u8]) -> Vec<u8> {
    let mut v = data.to_vec();
    v.resize(data.len().div_ceil(512) * 512, 0);
    v
}

fn file(name: &[u8], data: &[u8]) -> Vec<u8> {
    [header(name, b'0', data.len() as u64, b""), padded(data)].concat()
}

/// A member whose path is given in a pax header (any length up to 1 MiB).
fn pax_member(path: &[u8], typeflag: u8, data: &[u8]) -> Vec<u8> {
    let body_len = b" path=".len() + path.len() + 1;
    let mut len = body_len + 1;
    while len.to_string().len() + body_len != len {
        len += 1;
    }
    let record = [len.to_string().as_bytes(), b" path=", path, b"\n"].concat();
    [
        header(b"PaxHeaders/x", b'x', record.len() as u64, b""),
        padded(&record),
        header(b"x", typeflag, data.len() as u64, b""),
        padded(data),
    ]
    .concat()
}

fn end() -> Vec<u8> {
    vec![0u8; 1024]
}

/// Reads a tar stream through [`read`]: the items' paths and kinds, or the error.
fn read_tar(parts: &[Vec<u8>]) -> Result<Vec<(Vec<u8>, ItemKind)>, SnapshotError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.tar");
    std::fs::write(&path, parts.concat()).unwrap();
    let mut items = Vec::new();
    read(&path, ArchiveFormat::Tar, &ArchiveLimits::default(), &mut |item: ArchiveItem<'_>| {
        items.push((item.path, item.kind));
        Ok(())
    })?;
    Ok(items)
}

fn refusal(parts: &[Vec<u8>]) -> String {
    match read_tar(parts) {
        Err(e @ SnapshotError::HostileArchive { .. }) => e.to_string(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn paths(parts: &[Vec<u8>]) -> Vec<String> {
    read_tar(parts).unwrap().into_iter().map(|(p, _)| String::from_utf8(p).unwrap()).collect()
}

/// F10 and its class: bsdtar strips a leading drive letter (`C:`) and leading backslashes (also
/// `\\.\`, `\\?\`) from member names, GNU tar keeps them; with `--strip-components` any component can
/// come first. A component that starts so is refused.
#[test]
fn drive_letters_and_leading_backslashes_are_refused() {
    for name in
        [&b"C:evil.c"[..], b"\\evil.c", b"c:/evil.c", b"\\\\.\\x", b"z:", b"./C:x", b"src/C:x", b"src/\\x"]
    {
        let why = refusal(&[file(b"a.txt", b"benign\n"), file(name, b"evil\n"), end()]);
        let shown = crate::path::display_bytes(name);
        assert!(why.contains(&shown) && (why.contains("drive letter") || why.contains("backslash")), "{why}");
    }
    // The overwrite the tester found: bsdtar's `a.txt` would hold the second member's bytes.
    let why = refusal(&[file(b"a.txt", b"benign\n"), file(b"C:a.txt", b"evil\n"), end()]);
    assert!(why.contains("C:a.txt"), "{why}");
    // A backslash or colon inside a name is read alike.
    assert_eq!(
        paths(&[file(b"a\\b.c", b""), file(b"ab:c", b""), file(b"1:x", b""), end()]),
        ["a\\b.c", "ab:c", "1:x"]
    );
}

/// F13 and its class: a name ending in `.` (or `/`) names a directory; GNU tar makes one and fails to
/// write a file there, bsdtar writes the file under the parent's name. Refused for anything but a
/// directory, and for a hard link's target.
#[test]
fn a_trailing_dot_on_anything_but_a_directory_is_refused() {
    let why = refusal(&[file(b"b/.", b"x"), end()]);
    assert!(why.contains("`b/.`") && why.contains("ends in"), "{why}");
    let why = refusal(&[header(b"l/.", b'2', 0, b"a.txt"), end()]);
    assert!(why.contains("`l/.`"), "{why}");
    assert_eq!(paths(&[header(b"b/.", b'5', 0, b""), file(b"b/x", b""), end()]), ["b/x"]);
    for target in [&b"a.txt/."[..], b"a.txt/", b"a.txt/./"] {
        let why = refusal(&[file(b"a.txt", b"x"), header(b"h", b'1', 0, target), end()]);
        assert!(why.contains("hard link"), "{why}");
    }
    assert_eq!(paths(&[file(b"a.txt", b"x"), header(b"h", b'1', 0, b"./a.txt"), end()]), ["a.txt", "h"]);
}

/// F7 and its class: GNU tar cannot create a path of 4096 bytes or more (bsdtar can, by changing
/// directory), and no Linux file system holds a name over 255 bytes. Such paths are refused, so depth
/// is bounded (at most 2048 components) and nothing recurses or copies per component.
#[test]
fn over_long_paths_and_names_are_refused_without_crashing() {
    let deep = b"a/".repeat(16_000);
    let why = refusal(&[pax_member(&[&deep[..], b"f.txt"].concat(), b'0', b"x\n"), end()]);
    assert!(why.contains("4095") && why.contains("32005 bytes"), "{why}");
    assert!(why.len() < 1000, "the message shortens the path: {} bytes", why.len());
    // 4095 bytes is read; 4096 is not.
    let at_limit = [&b"a/".repeat(2045)[..], b"bcdef"].concat();
    assert_eq!(at_limit.len(), 4095);
    assert_eq!(paths(&[pax_member(&at_limit, b'0', b""), end()]).len(), 1);
    let over = [&at_limit[..], b"g"].concat();
    assert!(refusal(&[pax_member(&over, b'0', b""), end()]).contains("4095"));
    let name = vec![b'n'; 256];
    let why = refusal(&[pax_member(&[b"d/", &name[..]].concat(), b'0', b""), end()]);
    assert!(why.contains("256 bytes") && why.contains("255"), "{why}");
    assert_eq!(paths(&[pax_member(&name[..255], b'0', b""), end()]).len(), 1);
    // A hard link's target is read by GNU tar as written, so the same bound applies to it.
    let long_target = [&b"./".repeat(2100)[..], b"a.txt"].concat();
    let why = refusal(&[file(b"a.txt", b"x"), pax_link(b"h", &long_target), end()]);
    assert!(why.contains("4095"), "{why}");
}

/// A hard link member whose target is given in a pax `linkpath`.
fn pax_link(name: &[u8], target: &[u8]) -> Vec<u8> {
    let body_len = b" linkpath=".len() + target.len() + 1;
    let mut len = body_len + 1;
    while len.to_string().len() + body_len != len {
        len += 1;
    }
    let record = [len.to_string().as_bytes(), b" linkpath=", target, b"\n"].concat();
    [header(b"PaxHeaders/x", b'x', record.len() as u64, b""), padded(&record), header(name, b'1', 0, b"")]
        .concat()
}

/// F4-nul: unzip and bsdtar cut a symlink target at a NUL; no file system holds one. Refused for tar
/// and zip alike (the guard checks every link target).
#[test]
fn a_nul_in_a_symlink_target_is_refused() {
    let limits = ArchiveLimits::default();
    let guard = Guard::new(Path::new("t.zip"), &limits, 1);
    let why = guard.check_link_target(b"l", b"a.txt\0junk").unwrap_err().to_string();
    assert!(why.contains("`l`") && why.contains("NUL"), "{why}");
    assert!(guard.check_link_target(b"l", b"a.txt").is_ok());
}

/// F8 and F7's memory: members deep in one tree cost work and memory linear in their path length. The
/// guard keeps one node per distinct name (not a copy of every ancestor path per member), so 3,000
/// members 2,000 directories deep hold 5,000 nodes and about as many key bytes; checking every
/// ancestor prefix of every member (the old way) took minutes here.
#[test]
fn deep_members_cost_linear_work_and_memory() {
    let deep = b"a/".repeat(2000);
    let mut parts = Vec::new();
    for i in 0..3000 {
        parts.push(pax_member(&[&deep[..], format!("f{i}").as_bytes()].concat(), b'0', b""));
    }
    parts.push(end());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.tar");
    std::fs::write(&path, parts.concat()).unwrap();
    let limits = ArchiveLimits::default();
    let mut guard = Guard::new(&path, &limits, 1);
    let started = std::time::Instant::now();
    let mut n = 0;
    super::read_tar(&path, BufReader::new(File::open(&path).unwrap()), &mut guard, &mut |_item| {
        n += 1;
        Ok(())
    })
    .unwrap();
    assert_eq!(n, 3000);
    assert_eq!(guard.nodes(), 2000 + 3000);
    assert!(guard.key_bytes() < 2 * (2000 + 3000 * 6), "{}", guard.key_bytes());
    assert!(started.elapsed().as_secs() < 60, "{:?}", started.elapsed());
}

/// Directories that member paths only imply count against the entry limit: a few deep members with
/// distinct parents cannot make the guard hold millions of names.
#[test]
fn implied_directories_count_against_the_entry_limit() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.tar");
    let parts: Vec<Vec<u8>> = (0..3)
        .map(|i| pax_member(&[format!("d{i}/").as_bytes(), &b"a/".repeat(60)[..], b"f"].concat(), b'0', b""))
        .collect();
    std::fs::write(&path, [parts.concat(), end()].concat()).unwrap();
    let limits = ArchiveLimits { max_entries: 100, ..ArchiveLimits::default() };
    let err = read(&path, ArchiveFormat::Tar, &limits, &mut |_item| Ok(())).unwrap_err().to_string();
    assert!(err.contains("more than 100 files and directories"), "{err}");
}

fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(data).unwrap();
    gz.finish().unwrap()
}

fn read_gz(bytes: &[u8]) -> Result<Vec<(Vec<u8>, ItemKind)>, SnapshotError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.tar.gz");
    std::fs::write(&path, bytes).unwrap();
    let mut items = Vec::new();
    read(&path, ArchiveFormat::TarGz, &ArchiveLimits::default(), &mut |item: ArchiveItem<'_>| {
        items.push((item.path, item.kind));
        Ok(())
    })?;
    Ok(items)
}

/// Bytes after the last gzip member (zeros from a padded write, say) are refused with a message that
/// says so and where, not as a tar header problem; concatenated gzip members are still one stream.
#[test]
fn bytes_after_the_gzip_stream_are_named_as_such() {
    let tar = [file(b"a.txt", b"x"), end()].concat();
    let gz = gzip(&tar);
    let err = read_gz(&[&gz[..], &[0u8; 100]].concat()).unwrap_err().to_string();
    assert!(
        err.contains("after the end of the gzip stream") && err.contains(&format!("byte {}", gz.len())),
        "{err}"
    );
    let (first, second) = tar.split_at(700);
    let two = [gzip(first), gzip(second)].concat();
    assert_eq!(read_gz(&two).unwrap().len(), 1);
    assert_eq!(read_gz(&gz).unwrap().len(), 1);
}

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
        // Directories are handed over for their mode only; these tests look at files and links.
        if item.kind != ItemKind::Directory {
            items.push((item.path, item.kind));
        }
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

/// The files and links of the compressed tar `bytes` (written to a file named for `format`).
fn read_compressed(bytes: &[u8], format: ArchiveFormat) -> Result<Vec<(Vec<u8>, ItemKind)>, SnapshotError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(if format == ArchiveFormat::TarXz { "t.tar.xz" } else { "t.tar.gz" });
    std::fs::write(&path, bytes).unwrap();
    let mut items = Vec::new();
    read(&path, format, &ArchiveLimits::default(), &mut |item: ArchiveItem<'_>| {
        // Directories are handed over for their mode only; these tests look at files and links.
        if item.kind != ItemKind::Directory {
            items.push((item.path, item.kind));
        }
        Ok(())
    })?;
    Ok(items)
}

fn read_gz(bytes: &[u8]) -> Result<Vec<(Vec<u8>, ItemKind)>, SnapshotError> {
    read_compressed(bytes, ArchiveFormat::TarGz)
}

/// Bytes after the last gzip member are refused with a message that says so and where, not as a tar
/// header problem (a second member is refused: `a_gzip_file_of_more_than_one_member_is_refused`). Zero
/// padding to the end of the file
/// is read as gzip, GNU tar, bsdtar and Python's gzip all read it (they skip it); zeros followed by
/// anything else are refused (gzip stops at the zeros, Python's gzip reads another member after them).
#[test]
fn bytes_after_the_gzip_stream_are_named_as_such() {
    let tar = [file(b"a.txt", b"x"), end()].concat();
    let gz = gzip(&tar);
    let err = read_gz(&[&gz[..], b"junk"].concat()).unwrap_err().to_string();
    assert!(
        err.contains("after the end of the gzip stream") && err.contains(&format!("byte {}", gz.len())),
        "{err}"
    );
    for zeros in [1, 100, 4096, 1 << 20] {
        assert_eq!(read_gz(&[&gz[..], &vec![0u8; zeros]].concat()).unwrap().len(), 1, "{zeros} zeros");
    }
    let hidden = [&gz[..], &[0u8; 100], &gzip(b"more tar")].concat();
    let err = read_gz(&hidden).unwrap_err().to_string();
    assert!(
        err.contains(&format!("non-zero byte at byte {}", gz.len() + 100))
            && err.contains(&format!("gzip stream at byte {}", gz.len())),
        "{err}"
    );
    assert_eq!(read_gz(&gz).unwrap().len(), 1);
}

fn refused(r: Result<Vec<(Vec<u8>, ItemKind)>, SnapshotError>) -> String {
    match r {
        Err(e @ SnapshotError::HostileArchive { .. }) => e.to_string(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// F1 (round 21) and its class, the compression layer's framing read differently: gzip, GNU tar, bsdtar,
/// Python and node-tar read every member of a multi-member gzip file, flate2's `GzDecoder` (cargo,
/// rustup) and Commons Compress by default only the first, and the Rust `tar` crate needs no end
/// marker, so a cargo-style unpack silently lacks the files of member 2 (or has none, after an empty
/// first member). A second member is refused wherever the tar splits, naming its byte offset.
#[test]
fn a_gzip_file_of_more_than_one_member_is_refused() {
    let tar = [file(b"Cargo.toml", b"[package]"), file(b"src/lib.rs", &[b'x'; 700]), end()].concat();
    for split in [0, 512, 700, 1536, 1537, tar.len() - 512, tar.len()] {
        let (first, second) = tar.split_at(split);
        let first = gzip(first);
        let err = refused(read_gz(&[first.clone(), gzip(second)].concat()));
        assert!(
            err.contains(&format!("second gzip member at byte {}", first.len())) && err.contains("GzDecoder"),
            "split at {split}: {err}"
        );
    }
    // Three members: refused at the second.
    let (a, rest) = tar.split_at(1024);
    let (b, c) = rest.split_at(512);
    let err = refused(read_gz(&[gzip(a), gzip(b), gzip(c)].concat()));
    assert!(err.contains(&format!("second gzip member at byte {}", gzip(a).len())), "{err}");
}

fn xz(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = xz2::write::XzEncoder::new(Vec::new(), 6);
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

fn read_xz(bytes: &[u8]) -> Result<Vec<(Vec<u8>, ItemKind)>, SnapshotError> {
    read_compressed(bytes, ArchiveFormat::TarXz)
}

/// F1 (round 21), xz: a file of several xz streams is read whole by xz, GNU tar, bsdtar and Python, and
/// by one-stream readers (xz2's `XzDecoder::new`, Java's `SingleXZInputStream`) only in part or not at
/// all: refused, naming the second stream's offset, with or without stream padding before it. Stream
/// padding after the one stream (zeros, a multiple of four bytes) is skipped as xz skips it; any other
/// byte after the stream is refused, naming its offset.
#[test]
fn an_xz_file_of_more_than_one_stream_is_refused() {
    let tar = [file(b"Cargo.toml", b"[package]"), file(b"src/lib.rs", &[b'x'; 700]), end()].concat();
    let one = xz(&tar);
    assert_eq!(read_xz(&one).unwrap().len(), 2);
    for pad in [4, 8, 4096] {
        assert_eq!(
            read_xz(&[one.clone(), vec![0; pad]].concat()).unwrap().len(),
            2,
            "{pad} bytes of padding"
        );
    }
    for split in [0, 512, 1536, tar.len()] {
        let (a, b) = tar.split_at(split);
        let first = xz(a);
        for pad in [0, 4, 64] {
            let err = refused(read_xz(&[first.clone(), vec![0; pad], xz(b)].concat()));
            assert!(
                err.contains(&format!("second xz stream at byte {}", first.len() + pad)),
                "split at {split}, {pad} bytes of padding: {err}"
            );
        }
    }
    let err = read_xz(&[one.clone(), b"junk".to_vec()].concat()).unwrap_err().to_string();
    assert!(
        err.contains(&format!("byte {}", one.len())) && err.contains("after the end of the xz stream"),
        "{err}"
    );
    let err = read_xz(&[one.clone(), vec![0; 3]].concat()).unwrap_err().to_string();
    assert!(err.contains("not a multiple of four"), "{err}");
    let err = read_xz(&[one.clone(), vec![0; 8], b"x".to_vec()].concat()).unwrap_err().to_string();
    assert!(err.contains(&format!("byte {}", one.len() + 8)), "{err}");
}

/// A zip built by the zip crate's rules by hand: one stored entry, central directory, end record.
fn tiny_zip(name: &[u8], data: &[u8], comment_len: u16) -> Vec<u8> {
    let crc = {
        let mut c = flate2::Crc::new();
        c.update(data);
        c.sum()
    };
    let n = u16::try_from(name.len()).unwrap();
    let size = u32::try_from(data.len()).unwrap();
    let mut local = b"PK\x03\x04".to_vec();
    local.extend([20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    local.extend(crc.to_le_bytes());
    local.extend(size.to_le_bytes());
    local.extend(size.to_le_bytes());
    local.extend(n.to_le_bytes());
    local.extend([0, 0]);
    local.extend_from_slice(name);
    local.extend_from_slice(data);
    let mut central = b"PK\x01\x02".to_vec();
    central.extend([20, 3, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    central.extend(crc.to_le_bytes());
    central.extend(size.to_le_bytes());
    central.extend(size.to_le_bytes());
    central.extend(n.to_le_bytes());
    central.extend([0u8; 8]);
    central.extend((0o100644u32 << 16).to_le_bytes());
    central.extend(0u32.to_le_bytes());
    central.extend_from_slice(name);
    let mut end = b"PK\x05\x06".to_vec();
    end.extend([0, 0, 0, 0, 1, 0, 1, 0]);
    end.extend(u32::try_from(central.len()).unwrap().to_le_bytes());
    end.extend(u32::try_from(local.len()).unwrap().to_le_bytes());
    end.extend(comment_len.to_le_bytes());
    [local, central, end].concat()
}

fn read_as(bytes: &[u8], name: &str, format: ArchiveFormat) -> Result<Vec<Vec<u8>>, SnapshotError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    let mut items = Vec::new();
    read(&path, format, &ArchiveLimits::default(), &mut |item: ArchiveItem<'_>| {
        items.push(item.path);
        Ok(())
    })?;
    Ok(items)
}

/// F3 (round 19) and its class: a tar, tar.gz or tar.xz whose raw bytes also hold a zip end record
/// near the end is a zip to unzip, Python's zipfile and pip (which tries `zipfile.is_zipfile` first),
/// with other content: a zip appended after the end marker, or stored verbatim in a second gzip member
/// whose comment covers the gzip trailer. Any end signature in the last 64 KiB + 22 bytes is refused,
/// naming its offset.
#[test]
fn a_tar_that_is_also_a_zip_is_refused() {
    let tar = [file(b"pkg/setup.py", b"print('benign')\n"), end()].concat();
    let zip = tiny_zip(b"pkg/setup.py", b"import os\n", 0);
    let appended = [&tar[..], &zip[..]].concat();
    let at = appended.len() - 22;
    let err = read_as(&appended, "p.tar", ArchiveFormat::Tar).unwrap_err().to_string();
    assert!(err.contains(&format!("byte {at} of the file")) && err.contains("zip end"), "{err}");
    // The .tar.gz form: a second gzip member, stored, holding the zip; its comment spans the trailer.
    let zip8 = tiny_zip(b"pkg/setup.py", b"import os\n", 8);
    let mut stored = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::none());
    std::io::Write::write_all(&mut stored, &zip8).unwrap();
    let gz = [gzip(&tar), stored.finish().unwrap()].concat();
    let err = read_as(&gz, "p.tar.gz", ArchiveFormat::TarGz).unwrap_err().to_string();
    let at = gz.windows(4).rposition(|w| w == b"PK\x05\x06").unwrap();
    assert!(gz.len() - at <= 22 + 8 + 5, "the record is near the end of the file");
    assert!(err.contains(&format!("byte {at} of the file")), "{err}");
    // Even a bare signature too near the end for a whole record (no reader's leniency is assumed).
    let mut bare = tar.clone();
    bare.extend_from_slice(b"PK\x05\x06");
    assert!(read_as(&bare, "p.tar", ArchiveFormat::Tar).unwrap_err().to_string().contains("zip end"));
    // A signature further from the end than any reader looks is only data.
    let far = [file(b"z.zip", &zip), file(b"pad", &vec![7u8; 70_000]), end()].concat();
    assert_eq!(read_as(&far, "p.tar", ArchiveFormat::Tar).unwrap().len(), 2);
    // A plain tar and a plain tar.gz still read.
    assert_eq!(read_as(&tar, "p.tar", ArchiveFormat::Tar).unwrap().len(), 1);
    assert_eq!(read_as(&gzip(&tar), "p.tar.gz", ArchiveFormat::TarGz).unwrap().len(), 1);
}

/// The class of F3 the other way round: a `.tar` that starts like a compressed stream is decompressed
/// by GNU tar (without a ustar header first), bsdtar and Python's `tarfile.open`, whatever its name;
/// Vitrine would read its raw bytes as the tar. Refused, naming the format.
#[test]
fn a_tar_that_starts_like_a_compressed_stream_is_refused() {
    let tar = [file(b"a.txt", b"x"), end()].concat();
    for (magic, name) in [(&b"\x1f\x8b\x08\x04"[..], "gzip"), (b"\xfd7zXZ\0", "xz"), (b"BZh9", "bzip2")] {
        let mut first = header(b"x", b'0', 0, b"");
        first[..magic.len()].copy_from_slice(magic);
        first[148..156].copy_from_slice(b"        ");
        let sum: u32 = first.iter().map(|&b| u32::from(b)).sum();
        first[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
        let err = read_as(&[first, end()].concat(), "p.tar", ArchiveFormat::Tar).unwrap_err().to_string();
        assert!(err.contains(&format!("starts like a {name} stream")), "{err}");
    }
    assert_eq!(read_as(&tar, "p.tar", ArchiveFormat::Tar).unwrap().len(), 1);
}

/// F3 (round 21) and its class: node-tar (npm) decodes member names and link targets as UTF-8 with
/// U+FFFD for each invalid sequence, as Java tools do, so `check\xFF.js` and `check\u{FFFD}.js` are one
/// file there (the later member wins) while GNU tar and Vitrine keep two, and a link target names another
/// file. Tar names and link targets that are not UTF-8 are refused, naming the member, as the zip reader
/// refuses non-ASCII names without the UTF-8 flag.
#[test]
fn tar_names_and_link_targets_that_are_not_utf8_are_refused() {
    let honest = file("lib/check\u{FFFD}.js".as_bytes(), b"honest");
    let err = refusal(&[honest.clone(), file(b"lib/check\xFF.js", b"evil"), end()]);
    assert!(
        err.contains("`lib/check\\xFF.js`") && err.contains("not UTF-8") && err.contains("node-tar"),
        "{err}"
    );
    for parts in [
        vec![file(b"lib/index\xFE.js", b"a"), file(b"lib/index\xFF.js", b"b"), end()],
        vec![header(b"dir\xC0/", b'5', 0, b""), end()],
        vec![header(b"a\xE2\x80.js", b'0', 0, b""), end()],
    ] {
        let err = refusal(&parts);
        assert!(err.contains("not UTF-8"), "{err}");
    }
    let err = refusal(&[honest.clone(), header(b"lib/link.js", b'2', 0, b"check\xFF.js"), end()]);
    assert!(err.contains("`lib/link.js`") && err.contains("target") && err.contains("not UTF-8"), "{err}");
    // Valid UTF-8, U+FFFD included, is read as it is.
    assert_eq!(
        paths(&[honest, header(b"lib/link.js", b'2', 0, "check\u{FFFD}.js".as_bytes()), end()]),
        ["lib/check\u{FFFD}.js", "lib/link.js"]
    );
}

/// `header` with the mode field set to `mode` (and the checksum recomputed).
fn with_mode(mut h: Vec<u8>, mode: u32) -> Vec<u8> {
    h[100..108].copy_from_slice(format!("{mode:07o}\0").as_bytes());
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h[..512].iter().map(|&b| u32::from(b)).sum();
    h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    h
}

/// F1 (round 22): a hard link's own header mode is applied by Python's tarfile (pip) and Docker, which
/// chmod the shared inode after `link()`, and ignored by GNU tar, bsdtar and node-tar: a 04755 link to
/// a 0644 file makes both setuid for one, neither for the other. A hard link whose permission bits
/// differ from its target's is refused, naming both members and both modes; equal modes are read.
#[test]
fn a_hard_link_whose_mode_differs_from_its_target_is_refused() {
    let script = b"#!/bin/sh\necho hi\n";
    let target =
        [with_mode(header(b"pkg/build.sh", b'0', script.len() as u64, b""), 0o644), padded(script)].concat();
    let link = |mode: u32| with_mode(header(b"pkg/build-copy.sh", b'1', 0, b"pkg/build.sh"), mode);
    let why = refusal(&[target.clone(), link(0o4755), end()]);
    assert!(why.contains("pkg/build-copy.sh") && why.contains("pkg/build.sh"), "{why}");
    assert!(why.contains("4755") && why.contains("644"), "{why}");
    // The other way round: an executable file and a 0644 link (Python makes the file non-executable).
    let exec = [with_mode(header(b"run", b'0', 0, b""), 0o755)].concat();
    let why = refusal(&[exec.clone(), with_mode(header(b"run2", b'1', 0, b"run"), 0o644), end()]);
    assert!(why.contains("755") && why.contains("644"), "{why}");
    // The file-type bits of the mode field are not compared; equal permissions are read, and so is a
    // chain of links.
    assert_eq!(paths(&[target.clone(), link(0o100644), end()]), ["pkg/build.sh", "pkg/build-copy.sh"]);
    let chained = with_mode(header(b"pkg/third", b'1', 0, b"pkg/build-copy.sh"), 0o644);
    assert_eq!(paths(&[target, link(0o644), chained, end()]).len(), 3);
}

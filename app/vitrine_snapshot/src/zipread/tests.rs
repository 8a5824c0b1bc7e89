//! Unit tests of the zip reader on archives crafted byte by byte.

use std::io::{Cursor, Read, Write};

use super::*;

/// One entry to write; `compressed` replaces the real compressed bytes when set.
#[derive(Clone)]
struct E {
    name: Vec<u8>,
    data: Vec<u8>,
    deflate: bool,
    /// `Some(true)`: a descriptor with its signature; `Some(false)`: without.
    descriptor: Option<bool>,
    host: u8,
    external: u32,
    compressed: Option<Vec<u8>>,
    /// "Version needed to extract" of the central record and of the local header (low byte: version,
    /// high byte: host).
    needed: u16,
    local_needed: u16,
    /// The extra field, written to both headers.
    extra: Vec<u8>,
    /// The general-purpose flag bit 11 (UTF-8 name).
    utf8: bool,
}

fn e(name: &str, data: &[u8]) -> E {
    E {
        name: name.as_bytes().to_vec(),
        data: data.to_vec(),
        deflate: true,
        descriptor: None,
        host: HOST_UNIX,
        external: 0o100644 << 16,
        compressed: None,
        needed: 20,
        local_needed: 20,
        extra: Vec::new(),
        utf8: false,
    }
}

fn crc(data: &[u8]) -> u32 {
    let mut c = flate2::Crc::new();
    c.update(data);
    c.sum()
}

fn deflate(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

fn build(entries: &[E], comment: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut cd = Vec::new();
    for x in entries {
        let offset = out.len() as u32;
        let packed =
            x.compressed.clone().unwrap_or_else(|| if x.deflate { deflate(&x.data) } else { x.data.clone() });
        let (method, flags): (u16, u16) = (
            if x.deflate { 8 } else { 0 },
            if x.descriptor.is_some() { 8 } else { 0 } | (u16::from(x.utf8) << 11),
        );
        let sums = [crc(&x.data), packed.len() as u32, x.data.len() as u32];
        out.extend(LOCAL_SIG.to_le_bytes());
        out.extend(x.local_needed.to_le_bytes());
        out.extend(flags.to_le_bytes());
        out.extend(method.to_le_bytes());
        out.extend([0u8; 4]);
        for v in if x.descriptor.is_some() { [0, 0, 0] } else { sums } {
            out.extend(v.to_le_bytes());
        }
        out.extend((x.name.len() as u16).to_le_bytes());
        out.extend((x.extra.len() as u16).to_le_bytes());
        out.extend(&x.name);
        out.extend(&x.extra);
        out.extend(&packed);
        if let Some(signed) = x.descriptor {
            if signed {
                out.extend(DESCRIPTOR_SIG.to_le_bytes());
            }
            for v in sums {
                out.extend(v.to_le_bytes());
            }
        }
        cd.extend(CENTRAL_SIG.to_le_bytes());
        cd.extend([20, x.host]);
        cd.extend(x.needed.to_le_bytes());
        cd.extend(flags.to_le_bytes());
        cd.extend(method.to_le_bytes());
        cd.extend([0u8; 4]);
        for v in sums {
            cd.extend(v.to_le_bytes());
        }
        cd.extend((x.name.len() as u16).to_le_bytes());
        cd.extend((x.extra.len() as u16).to_le_bytes());
        cd.extend([0u8; 6]);
        cd.extend(x.external.to_le_bytes());
        cd.extend(offset.to_le_bytes());
        cd.extend(&x.name);
        cd.extend(&x.extra);
    }
    let cd_offset = out.len() as u32;
    out.extend(&cd);
    out.extend(EOCD_SIG.to_le_bytes());
    out.extend([0u8; 4]);
    out.extend((entries.len() as u16).to_le_bytes());
    out.extend((entries.len() as u16).to_le_bytes());
    out.extend((cd.len() as u32).to_le_bytes());
    out.extend(cd_offset.to_le_bytes());
    out.extend((comment.len() as u16).to_le_bytes());
    out.extend(comment);
    out
}

fn read_all(bytes: &[u8]) -> Result<Vec<(ZipEntry, Vec<u8>)>, ZipError> {
    let mut zip = ZipReader::open(Cursor::new(bytes.to_vec()), 1000)?;
    let mut out = Vec::new();
    for i in 0..zip.entries().len() {
        let entry = zip.entries()[i].clone();
        let mut data = Vec::new();
        zip.data(i)?
            .read_to_end(&mut data)
            .map_err(|e| ZipError::Io { member: entry.display(), source: e })?;
        out.push((entry, data));
    }
    Ok(out)
}

fn refusal(bytes: &[u8]) -> String {
    match read_all(bytes) {
        Err(ZipError::Refused { member, reason }) => format!("{member}: {reason}"),
        other => panic!("expected a refusal, got {:?}", other.map(|v| v.len())),
    }
}

fn failure(bytes: &[u8]) -> String {
    match read_all(bytes) {
        // The reader's own text (a CRC, an early end) is the source of an `Io` error.
        Err(e @ ZipError::Corrupt { .. }) => e.to_string(),
        Err(ZipError::Io { member, source }) => format!("{member}: {source}"),
        other => panic!("expected a corrupt-archive error, got {:?}", other.map(|v| v.len())),
    }
}

#[test]
fn entries_kinds_and_data() {
    let bytes = build(
        &[
            E { external: 0o040755 << 16, deflate: false, ..e("src/", b"") },
            e("src/a.c", &b"int a;\n".repeat(100)),
            E { deflate: false, external: 0o100755 << 16, ..e("run.sh", b"#!/bin/sh\n") },
            E { host: 0, external: 0x20, ..e("dos.txt", b"dos") },
        ],
        b"a comment",
    );
    let all = read_all(&bytes).unwrap();
    let kinds: Vec<(&[u8], ZipKind, bool)> =
        all.iter().map(|(e, _)| (e.name.as_slice(), e.kind, e.executable)).collect();
    assert_eq!(
        kinds,
        vec![
            (&b"src/"[..], ZipKind::Directory, false),
            (b"src/a.c", ZipKind::File, false),
            (b"run.sh", ZipKind::File, true),
            (b"dos.txt", ZipKind::File, false),
        ]
    );
    assert_eq!(all[1].1, b"int a;\n".repeat(100));
}

/// F8 (round 19): a Unix symlink entry is a link to unzip and bsdtar, but Python's zipfile and pip
/// write a regular file holding the target text, which pip runs if it is `setup.py`. No zip symlink
/// extracts alike everywhere, so every one is refused, saying why.
#[test]
fn symlink_entries_are_refused() {
    for (mode, stored) in [(0o120777, true), (0o120755, false)] {
        let link =
            E { deflate: !stored, external: mode << 16, ..e("pkg/setup.py", b"import os; os.system('x')") };
        let why = refusal(&build(&[e("pkg/PKG-INFO", b"Name: pkg\n"), link], b""));
        assert!(
            why.starts_with("entry `pkg/setup.py`")
                && why.contains("symlink")
                && why.contains("Python's zipfile"),
            "{why}"
        );
    }
}

#[test]
fn data_descriptors_with_and_without_signature() {
    let bytes = build(
        &[
            E { descriptor: Some(true), ..e("a.c", b"aaaa") },
            E { descriptor: Some(false), ..e("b.c", b"bbbb") },
        ],
        b"",
    );
    let all = read_all(&bytes).unwrap();
    assert_eq!((all[0].1.as_slice(), all[1].1.as_slice()), (&b"aaaa"[..], &b"bbbb"[..]));
}

#[test]
fn a_deflate_stream_that_ends_early_or_never_is_an_error() {
    let mut early = deflate(b"hello hello hello");
    early.extend_from_slice(b"HIDDEN");
    let err = failure(&build(&[E { compressed: Some(early), ..e("a.c", b"hello hello hello") }], b""));
    assert!(err.contains("ends after"), "{err}");
    let full = deflate(b"hello hello hello");
    let cut = full[..full.len() - 3].to_vec();
    let bytes = build(&[E { compressed: Some(cut), ..e("a.c", b"hello hello hello") }], b"");
    let err = failure(&bytes);
    assert!(err.contains("a.c"), "{err}");
}

#[test]
fn a_wrong_crc_is_an_error_at_the_end_of_the_data() {
    let mut bytes = build(&[E { deflate: false, ..e("a.c", b"hello") }], b"");
    let at = bytes.windows(5).position(|w| w == b"hello").unwrap();
    bytes[at] = b'j';
    assert!(failure(&bytes).contains("CRC"));
}

#[test]
fn end_record_must_end_the_file_and_be_the_only_one() {
    let mut bytes = build(&[e("a.c", b"a")], b"");
    bytes.push(0);
    assert!(failure(&bytes).contains("end-of-central-directory"));
    let mut fake = EOCD_SIG.to_le_bytes().to_vec();
    fake.extend([0u8; 18]);
    let bytes = build(&[e("a.c", b"a")], &fake);
    assert!(refusal(&bytes).contains("end"));
}

#[test]
fn the_central_directory_count_must_match() {
    let mut bytes = build(&[e("a.c", b"a"), e("b.c", b"b")], b"");
    let n = bytes.len();
    bytes[n - 12] = 1; // entries on this disk
    bytes[n - 14] = 1; // total entries
    assert!(failure(&bytes).contains("more than the 1 records"));
}

#[test]
fn type_and_name_disagreements_are_refused() {
    assert!(
        refusal(&build(&[E { external: 0o100644 << 16, ..e("d/", b"") }], b"")).contains("ends with `/`")
    );
    assert!(
        refusal(&build(&[E { external: 0o020644 << 16, ..e("dev", b"") }], b"")).contains("special file")
    );
    assert!(refusal(&build(&[E { host: 0, external: 0x10, ..e("dir", b"") }], b"")).contains("MS-DOS"));
    assert!(refusal(&build(&[e("a\0b", b"")], b"")).contains("NUL"));
    assert!(refusal(&build(&[E { name: b"\xff.c".to_vec(), ..e("", b"") }], b"")).contains("non-ASCII"));
}

#[test]
fn too_many_entries_are_refused_before_reading_them() {
    let bytes = build(&[e("a.c", b"a"), e("b.c", b"b")], b"");
    assert!(matches!(ZipReader::open(Cursor::new(bytes), 1), Err(ZipError::Refused { .. })));
}

/// An extra field: id, length, data.
fn ef(id: u16, data: &[u8]) -> Vec<u8> {
    let mut v = id.to_le_bytes().to_vec();
    v.extend((data.len() as u16).to_le_bytes());
    v.extend(data);
    v
}

fn refused_with(entry: E, words: &str) {
    let name = String::from_utf8_lossy(&entry.name).into_owned();
    let got = refusal(&build(&[e("a.txt", b"hello\n"), entry], b""));
    assert!(got.contains(words), "{name:?}: {got}");
    assert!(got.starts_with("entry `"), "{name:?}: {got}");
}

#[test]
fn a_unix_mode_on_another_host_is_refused() {
    // unzip reads the high 16 bits as a Unix mode for BeOS, Atari, VMS, AtheOS (symlinks too), Amiga
    // (bits 17-19 as permissions) and MS-DOS (when the owner bits match the DOS attributes); bsdtar
    // reads a mode for Unix only.
    for host in [16, 5, 2, 30, 10, 19] {
        refused_with(E { host, external: 0o120777 << 16, ..e("link", b"a.txt") }, "Unix mode");
    }
    refused_with(E { host: 16, external: 0o100755 << 16, ..e("run", b"x") }, "Unix mode");
    refused_with(E { host: 1, external: 7 << 17, ..e("am", b"x") }, "Unix mode");
    refused_with(E { host: 0, external: 0o120644 << 16, ..e("link", b"a.txt") }, "symlink");
    refused_with(E { host: 0, external: 0o020644 << 16, ..e("dev", b"") }, "mode 20644");
}

#[test]
fn an_ms_dos_entry_with_a_plain_file_mode_reads_the_same_everywhere() {
    // Python's zipfile on Windows: host 0 and st_mode in the high bits (100777 for .exe files, which
    // unzip finds inconsistent with the DOS bits and ignores). Both extractors write non-executable
    // regular files.
    let bytes = build(
        &[
            E { host: 0, external: 0o100666 << 16, ..e("py.txt", b"x") },
            E { host: 0, external: (0o100644 << 16) | 0x8000 | 0x20, ..e("p7.txt", b"x") },
            E { host: 0, external: (0o040777 << 16) | 0x10, ..e("d/", b"") },
        ],
        b"",
    );
    let all = read_all(&bytes).unwrap();
    let kinds: Vec<(ZipKind, bool, u32)> = all.iter().map(|(e, _)| (e.kind, e.executable, e.mode)).collect();
    // No extractor applies an MS-DOS entry's mode alike, so none is shown (the special-mode finding
    // and `digest` read this one field).
    assert_eq!(
        kinds,
        vec![(ZipKind::File, false, 0), (ZipKind::File, false, 0), (ZipKind::Directory, false, 0)]
    );
}

#[test]
fn an_ms_dos_entry_with_execute_or_special_bits_in_its_unix_mode_is_refused() {
    // pip (`zip_item_is_executable`: any execute bit of a regular mode, no host test) and 7-Zip (the
    // upper half when 0x8000 is set) write these 0755; unzip and bsdtar 0644: two trees, so no view.
    for (external, name) in [
        ((0o100755 << 16) | 0x8000 | 0x20, "bin/acme-post"),
        (0o100777 << 16, "tool.exe"),
        (0o100611 << 16, "gen.sh"),
        ((0o104755 << 16) | 0x8000 | 0x20, "su"),
        (0o104644 << 16, "su2"),
        (0o000755 << 16, "typeless"),
        ((0o042777 << 16) | 0x10, "sgid/"),
    ] {
        let message = refusal(&build(&[E { host: 0, external, ..e(name, b"") }], b""));
        assert!(message.contains(name), "{message}");
        assert!(
            message.contains("MS-DOS") && message.contains("pip") && message.contains("7-Zip"),
            "{message}"
        );
    }
}

#[test]
fn a_volume_label_attribute_is_refused() {
    // unzip skips MS-DOS/HPFS entries with attribute 0x08 as volume labels; bsdtar extracts them.
    refused_with(E { host: 0, external: 0x08, ..e("label.txt", b"x") }, "volume-label");
    refused_with(E { host: 6, external: 0x28, ..e("label.txt", b"x") }, "volume-label");
    refused_with(E { external: (0o100644 << 16) | 0x08, ..e("label.txt", b"x") }, "volume-label");
}

#[test]
fn extra_fields_that_may_carry_a_mode_type_or_name_are_refused() {
    // ASi Unix (0x756e): unzip takes its mode when the external attributes hold none.
    let mut asi = 0o120777u16.to_le_bytes().to_vec();
    asi.extend([0u8; 8]);
    let mut field = crc(&asi).to_le_bytes().to_vec();
    field.extend(&asi);
    refused_with(E { external: 0, extra: ef(0x756e, &field), ..e("link", b"a.txt") }, "0x756e");
    // PKWARE Unix (0x000d, link targets and devices), libarchive's 'xl' (0x6c78, external attributes in
    // the local header), PKWARE VMS (0x000c), and fields nobody documents.
    for id in [0x000d, 0x6c78, 0x000c, 0x4242] {
        refused_with(E { extra: ef(id, &[1, 2, 3, 4]), ..e("f", b"x") }, &format!("{id:#06x}"));
    }
    // An Info-ZIP Unicode path other than the name.
    let mut up = vec![1u8];
    up.extend(crc(b"f").to_le_bytes());
    up.extend(b"g");
    refused_with(E { extra: ef(0x7075, &up), ..e("f", b"x") }, "Unicode path");
}

#[test]
fn extra_fields_of_times_owners_and_padding_are_read() {
    let mut up = vec![1u8];
    up.extend(crc(b"f.c").to_le_bytes());
    up.extend(b"f.c");
    let mut extra = ef(0x5455, &[3, 0, 0, 0, 0, 0, 0, 0, 0]);
    extra.extend(ef(0x7875, &[1, 4, 0xe8, 3, 0, 0, 4, 0xe8, 3, 0, 0]));
    extra.extend(ef(0x000a, &[0u8; 32]));
    extra.extend(ef(0x7075, &up));
    extra.extend(ef(0xcafe, &[]));
    extra.extend(ef(0xd935, &[4, 0, 0, 0]));
    let all = read_all(&build(&[E { extra, ..e("f.c", b"int f;\n") }], b"")).unwrap();
    assert_eq!(all[0].1, b"int f;\n");
}

#[test]
fn a_version_needed_above_what_unzip_reads_is_refused() {
    // unzip 6.00 skips central records needing more than 4.6 ("need PK compat. v6.3 (can do v4.6)"),
    // and asks on the terminal for those flagged VMS; bsdtar extracts both.
    refused_with(E { needed: 47, ..e("b.txt", b"x") }, "version 4.7");
    refused_with(E { needed: 63, local_needed: 63, ..e("b.txt", b"x") }, "version 6.3");
    refused_with(E { local_needed: 63, ..e("b.txt", b"x") }, "version 6.3");
    refused_with(E { needed: 0x0214, ..e("b.txt", b"x") }, "VMS");
    let all = read_all(&build(&[E { needed: 46, local_needed: 45, ..e("b.txt", b"x") }], b"")).unwrap();
    assert_eq!(all.len(), 1);
}

#[test]
fn names_an_extractor_rewrites_are_refused() {
    // unzip drops what isprint() rejects: control characters and DEL.
    for name in ["x\ty.c", "x\u{1}z", "x\u{1b}[31m", "b\r", "b\u{b}", "b\u{7f}", "d\n/f"] {
        refused_with(e(name, b"x"), "control character");
    }
    // unzip strips a VMS version (`;` then only digits) from the last component.
    for name in ["b;1", "b.txt;2", "b;", "d;1/f"] {
        refused_with(e(name, b"x"), "VMS version");
    }
    // unzip turns a last `.` into `_`; `.` and `..` are never written as such.
    for name in ["d/b/.", "./p", "g/./h", "d/../x", "d/./"] {
        refused_with(e(name, b""), "component");
    }
    // bsdtar strips a leading drive letter (`b:c` becomes `c`); Windows cannot write a colon at all.
    for name in ["b:c", "e:/f", "d/b:c"] {
        refused_with(e(name, b"x"), "colon");
    }
    // What the extractors keep as it is.
    let ok = build(&[e("v;a", b"x"), e("s; 1", b"x"), e("d;x/y", b"x"), e("a b/c-d_e.f", b"x")], b"");
    assert_eq!(read_all(&ok).unwrap().len(), 4);
}

/// A zip whose first 512 bytes are also a tar header with a valid checksum: the first local header's
/// extra field covers bytes 35..512, where the checksum, typeflag and magic of a tar header sit.
fn tar_polyglot(checksum: impl Fn(u32) -> Vec<u8>) -> Vec<u8> {
    let name = "a.txt";
    let pad = 512 - 30 - name.len() - 4;
    let make = |field: &[u8]| {
        let mut data = vec![0u8; pad];
        data[148 - 39..156 - 39].copy_from_slice(field);
        data[156 - 39] = b'5';
        data[257 - 39..265 - 39].copy_from_slice(b"ustar\x0000");
        build(&[E { deflate: false, extra: ef(0xcafe, &data), ..e(name, b"hello\n") }], b"")
    };
    let plain = make(b"        ");
    let sum: u32 = plain[..512].iter().map(|&b| u32::from(b)).sum();
    let mut field = checksum(sum);
    field.resize(8, b' ');
    make(&field)
}

#[test]
fn a_zip_that_is_also_a_tar_is_refused() {
    for bytes in [
        tar_polyglot(|sum| format!("{sum:06o}\0 ").into_bytes()),
        tar_polyglot(|sum| format!("  {sum:o} ").into_bytes()),
        tar_polyglot(|sum| format!("{sum:07o}\0").into_bytes()),
        tar_polyglot(|sum| {
            let mut b = vec![0x80u8, 0, 0, 0];
            b.extend(sum.to_be_bytes());
            b
        }),
    ] {
        let got = refusal(&bytes);
        assert!(got.contains("tar header"), "{got}");
    }
    // A wrong checksum makes no tar: the zip is read.
    let all = read_all(&tar_polyglot(|sum| format!("{:06o}\0 ", sum + 1).into_bytes())).unwrap();
    assert_eq!(all[0].1, b"hello\n");
}

/// A stored local header and its central record, as `build.py` of the report writes them.
fn stored_local(name: &[u8], data: &[u8]) -> Vec<u8> {
    let mut v = LOCAL_SIG.to_le_bytes().to_vec();
    v.extend(20u16.to_le_bytes());
    v.extend([0u8; 4]);
    v.extend([0u8, 0, 0x21, 0]);
    v.extend(crc(data).to_le_bytes());
    v.extend((data.len() as u32).to_le_bytes());
    v.extend((data.len() as u32).to_le_bytes());
    v.extend((name.len() as u16).to_le_bytes());
    v.extend(0u16.to_le_bytes());
    v.extend(name);
    v.extend(data);
    v
}

fn stored_central(name: &[u8], data: &[u8], offset: u32, extra: &[u8], comment: &[u8]) -> Vec<u8> {
    let mut v = CENTRAL_SIG.to_le_bytes().to_vec();
    v.extend([0x1e, HOST_UNIX]);
    v.extend(20u16.to_le_bytes());
    v.extend([0u8; 4]);
    v.extend([0u8, 0, 0x21, 0]);
    v.extend(crc(data).to_le_bytes());
    v.extend((data.len() as u32).to_le_bytes());
    v.extend((data.len() as u32).to_le_bytes());
    v.extend((name.len() as u16).to_le_bytes());
    v.extend((extra.len() as u16).to_le_bytes());
    v.extend((comment.len() as u16).to_le_bytes());
    v.extend([0u8; 4]);
    v.extend((0o100644u32 << 16).to_le_bytes());
    v.extend(offset.to_le_bytes());
    v.extend(name);
    v.extend(extra);
    v.extend(comment);
    v
}

/// Where the zip64 end record and its locator sit in the hidden-directory zip of round 8's F5.
#[derive(Clone, Copy, PartialEq)]
enum Hide {
    /// At the end of the last central record's file comment.
    Comment,
    /// At the end of the last central record's zipalign padding extra field (0xD935).
    PaddingExtra,
    /// Split: the extra field ends with the locator's first two bytes, the comment holds the rest.
    Split,
}

/// F5 (round 8): an ordinary zip (honest `src/auth.c`, stored `assets/logo.bin`) whose last central
/// record ends with a second central directory, a zip64 end record and its locator, right before the
/// end record. The end record calls for no zip64, so unzip and Go read the ordinary directory; Python's
/// `zipfile` (pip) and libarchive (bsdtar) always look for a locator in the 20 bytes before the end
/// record and read the second directory, which lists another `src/auth.c` at a local header hidden in
/// the logo's stored data.
fn hidden_directory_zip(hide: Hide) -> Vec<u8> {
    let honest = b"int check(const char *p){ return strcmp(p, \"s3cret\") == 0; }\n";
    let evil = b"int check(const char *p){ (void)p; return 1; /* any password */ }\n";
    let (n1, n2) = (&b"src/auth.c"[..], &b"assets/logo.bin"[..]);
    let mut out = stored_local(n1, honest);
    let mut blob = b"\x89LOGO\0\0\0".to_vec();
    let hidden_at = out.len() + 30 + n2.len() + 8;
    blob.extend(stored_local(n1, evil));
    blob.extend([0u8; 16]);
    let off2 = out.len() as u32;
    out.extend(stored_local(n2, &blob));
    let cd_off = out.len();
    let c1 = stored_central(n1, honest, 0, &[], &[]);
    // The payload: the second directory, then the zip64 end record, then the locator.
    let head2 = 46 + n2.len() + if hide == Hide::Comment { 0 } else { 4 };
    let alt_pos = cd_off + c1.len() + head2;
    let alt = stored_central(n1, evil, hidden_at as u32, &[], &[]);
    let z64_pos = (alt_pos + alt.len()) as u64;
    let mut z64 = ZIP64_EOCD_SIG.to_le_bytes().to_vec();
    z64.extend(44u64.to_le_bytes());
    z64.extend([45, 0, 45, 0]);
    z64.extend([0u8; 8]);
    z64.extend(1u64.to_le_bytes());
    z64.extend(1u64.to_le_bytes());
    z64.extend((alt.len() as u64).to_le_bytes());
    z64.extend((alt_pos as u64).to_le_bytes());
    let mut loc = ZIP64_LOCATOR_SIG.to_le_bytes().to_vec();
    loc.extend(0u32.to_le_bytes());
    loc.extend(z64_pos.to_le_bytes());
    loc.extend(1u32.to_le_bytes());
    let mut payload = alt;
    payload.extend(z64);
    payload.extend(loc);
    let c2 = match hide {
        Hide::Comment => stored_central(n2, &blob, off2, &[], &payload),
        Hide::PaddingExtra => stored_central(n2, &blob, off2, &ef(0xd935, &payload), &[]),
        Hide::Split => {
            let cut = payload.len() - 18;
            stored_central(n2, &blob, off2, &ef(0xd935, &payload[..cut]), &payload[cut..])
        }
    };
    let mut cd = c1;
    cd.extend(c2);
    out.extend(&cd);
    out.extend(EOCD_SIG.to_le_bytes());
    out.extend([0u8; 4]);
    out.extend(2u16.to_le_bytes());
    out.extend(2u16.to_le_bytes());
    out.extend((cd.len() as u32).to_le_bytes());
    out.extend((cd_off as u32).to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out
}

/// F5 (round 8): a zip has one view. A zip64 locator right before an end record that does not call for
/// zip64 is refused (Python's `zipfile` and libarchive read it whatever the end record says), wherever
/// in the last central record it hides: its comment, its padding extra field, or across both.
#[test]
fn a_zip64_locator_the_end_record_does_not_call_for_is_refused() {
    for hide in [Hide::Comment, Hide::PaddingExtra, Hide::Split] {
        let got = refusal(&hidden_directory_zip(hide));
        assert!(got.contains("zip64 locator") && got.contains("does not call for"), "{got}");
    }
}

/// F5 (round 8): end-record, zip64, central-header, local-header and data-descriptor signatures inside
/// a central record's name, extra field or file comment, inside a local header's extra field, or in
/// the end record after its own signature (its fields and the archive comment), are refused naming the
/// entry: a peer that scans for a signature (Python's `rfind` of the end record, libarchive's backward
/// scan) or follows another end record could find a directory there.
#[test]
fn record_signatures_inside_comments_and_extra_fields_are_refused() {
    let sigs = [EOCD_SIG, ZIP64_EOCD_SIG, ZIP64_LOCATOR_SIG, CENTRAL_SIG, LOCAL_SIG, DESCRIPTOR_SIG];
    for sig in sigs {
        let mut data = b"pad".to_vec();
        data.extend(sig.to_le_bytes());
        data.extend(b"pad");
        // In the zipalign padding extra of both headers.
        let got =
            refusal(&build(&[e("a.txt", b"x"), E { extra: ef(0xd935, &data), ..e("b.txt", b"y") }], b""));
        assert!(got.starts_with("entry `b.txt`") && got.contains("signature"), "{sig:#x}: {got}");
        // In a file comment.
        let mut bytes = build(&[e("a.txt", b"x")], b"");
        let central = bytes.windows(4).position(|w| w == CENTRAL_SIG.to_le_bytes()).unwrap();
        let eocd = bytes.len() - 22;
        bytes[central + 32..central + 34].copy_from_slice(&(data.len() as u16).to_le_bytes());
        bytes.splice(eocd..eocd, data.iter().copied());
        let n = bytes.len();
        let cd_size = (n - 22 - central) as u32;
        bytes[n - 10..n - 6].copy_from_slice(&cd_size.to_le_bytes());
        let got = refusal(&bytes);
        assert!(got.starts_with("entry `a.txt`") && got.contains("signature"), "{sig:#x}: {got}");
        // In the archive comment.
        let got = refusal(&build(&[e("a.txt", b"x")], &data));
        assert!(got.starts_with("archive") && got.contains("signature"), "{sig:#x}: {got}");
    }
    // The end record's own fields: a central directory offset that spells the end-record signature,
    // followed by a comment long enough for a scanner to read a second end record there.
    let mut bytes = build(&[e("a.txt", b"x")], &[b' '; 40]);
    let n = bytes.len();
    bytes[n - 62 + 16..n - 62 + 20].copy_from_slice(&EOCD_SIG.to_le_bytes());
    let got = refusal(&bytes);
    assert!(got.starts_with("archive") && got.contains("signature"), "{got}");
    // Ordinary comments and padding still read.
    let ok = build(&[E { extra: ef(0xd935, &[0u8; 4]), ..e("a.txt", b"x") }], b"built by zip 3.0, PK");
    assert_eq!(read_all(&ok).unwrap().len(), 1);
}

//! Unit tests of the tar reader on archives crafted byte by byte.

use std::io::Read;

use super::*;

/// Builds one 512-byte header; the checksum is computed last.
struct H {
    block: [u8; BLOCK],
}

impl H {
    fn new(name: &[u8], typeflag: u8, size: u64) -> H {
        let mut h = H { block: [0u8; BLOCK] };
        h.set(0, name);
        h.set(100, b"0000644\0");
        h.set(108, b"0000000\0");
        h.set(116, b"0000000\0");
        h.set(124, format!("{size:011o}\0").as_bytes());
        h.set(136, b"00000000000\0");
        h.block[156] = typeflag;
        h.set(257, b"ustar\x0000");
        h
    }

    fn set(&mut self, at: usize, bytes: &[u8]) -> &mut H {
        self.block[at..at + bytes.len()].copy_from_slice(bytes);
        self
    }

    fn bytes(&self) -> Vec<u8> {
        let mut block = self.block;
        block[148..156].copy_from_slice(b"        ");
        let sum: u32 = block.iter().map(|&b| u32::from(b)).sum();
        block[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
        block.to_vec()
    }
}

fn padded(data: &[u8]) -> Vec<u8> {
    let mut v = data.to_vec();
    v.resize(data.len().div_ceil(BLOCK) * BLOCK, 0);
    v
}

fn file(name: &[u8], data: &[u8]) -> Vec<u8> {
    let mut v = H::new(name, b'0', data.len() as u64).bytes();
    v.extend(padded(data));
    v
}

fn ext(typeflag: u8, data: &[u8]) -> Vec<u8> {
    let mut v = H::new(b"././@LongLink", typeflag, data.len() as u64).bytes();
    v.extend(padded(data));
    v
}

fn record(key: &str, value: &[u8]) -> Vec<u8> {
    let body_len = key.len() + value.len() + 3;
    let mut len = body_len + 1;
    while len.to_string().len() + body_len != len {
        len = len.to_string().len() + body_len;
    }
    let mut r = format!("{len} {key}=").into_bytes();
    r.extend_from_slice(value);
    r.push(b'\n');
    r
}

fn pax(typeflag: u8, records: &[(&str, &[u8])]) -> Vec<u8> {
    let data: Vec<u8> = records.iter().flat_map(|(k, v)| record(k, v)).collect();
    ext(typeflag, &data)
}

fn end() -> Vec<u8> {
    vec![0u8; 2 * BLOCK]
}

fn archive(parts: &[Vec<u8>]) -> Vec<u8> {
    parts.concat()
}

/// Reads every member with its data.
fn read_all(bytes: &[u8]) -> Result<Vec<(Member, Vec<u8>)>, TarError> {
    let mut tar = TarReader::new(bytes);
    let mut out = Vec::new();
    while let Some(m) = tar.next_member()? {
        let mut data = Vec::new();
        tar.data().read_to_end(&mut data).map_err(|e| TarError::Io { member: m.display(), source: e })?;
        out.push((m, data));
    }
    Ok(out)
}

fn paths(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    read_all(bytes).unwrap().into_iter().map(|(m, d)| (String::from_utf8(m.path).unwrap(), d)).collect()
}

fn refusal(bytes: &[u8]) -> String {
    match read_all(bytes) {
        Err(TarError::Refused { member, reason }) => format!("{member}: {reason}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn corruption(bytes: &[u8]) -> String {
    match read_all(bytes) {
        Err(TarError::Corrupt { member, detail }) => format!("{member}: {detail}"),
        other => panic!("expected a corrupt-archive error, got {other:?}"),
    }
}

#[test]
fn plain_ustar_members_and_their_data() {
    let a = archive(&[file(b"a.c", b"AAA"), file(b"dir/b.c", &[7u8; 1000]), end()]);
    assert_eq!(paths(&a), vec![("a.c".into(), b"AAA".to_vec()), ("dir/b.c".into(), vec![7u8; 1000])]);
}

#[test]
fn unread_data_is_skipped() {
    let a = archive(&[file(b"a.c", &[1u8; 700]), file(b"b.c", b"B"), end()]);
    let mut tar = TarReader::new(a.as_slice());
    assert_eq!(tar.next_member().unwrap().unwrap().path, b"a.c");
    let mut two = [0u8; 2];
    tar.data().read_exact(&mut two).unwrap();
    let b = tar.next_member().unwrap().unwrap();
    assert_eq!(b.path, b"b.c");
    assert_eq!(b.header_offset, 3 * BLOCK as u64);
    assert!(tar.next_member().unwrap().is_none());
    assert!(tar.next_member().unwrap().is_none());
}

#[test]
fn ustar_prefix_only_with_the_posix_magic() {
    let mut h = H::new(b"a.c", b'0', 0);
    h.set(345, b"src/deep");
    let posix = archive(&[h.bytes(), end()]);
    assert_eq!(paths(&posix)[0].0, "src/deep/a.c");
    // GNU and v7 headers without a prefix are read by their name (a v7 one after a POSIX first header).
    let mut h = H::new(b"a.c", b'0', 0);
    h.set(257, b"ustar  \0");
    assert_eq!(paths(&archive(&[h.bytes(), end()]))[0].0, "a.c");
    h.set(257, &[0u8; 8]);
    assert_eq!(paths(&archive(&[file(b"first.c", b""), h.bytes(), end()]))[1].0, "a.c");
}

/// F1 (round 19) and its class: GNU tar and bsdtar read the `prefix` field only with the POSIX magic;
/// Python's tarfile (pip, shutil.unpack_archive) puts it before the name of any header that is not a
/// GNU extension type, whatever the magic. A v7 `app.py` with prefix `pkg` is `app.py` to GNU tar and
/// `pkg/app.py` (overwriting the benign one) to pip: any prefix outside POSIX ustar is refused.
#[test]
fn a_prefix_outside_posix_ustar_is_refused() {
    for (magic, what) in [(&[0u8; 8][..], "v7"), (&b"ustar  \0"[..], "GNU")] {
        let mut h = H::new(b"app.py", b'0', 4);
        h.set(257, magic).set(345, b"pkg");
        let mut evil = h.bytes();
        evil.extend(padded(b"evil"));
        let a = archive(&[file(b"pkg/app.py", b"good"), evil, end()]);
        let why = refusal(&a);
        assert!(why.starts_with("member `app.py`") && why.contains("`prefix` field `pkg`"), "{why}");
        assert!(why.contains(what) && why.contains("Python's tarfile"), "{why}");
        // A directory or a link alike; and a GNU incremental dump's access time there reads as a prefix.
        let mut d = H::new(b"d/", b'5', 0);
        d.set(257, magic).set(345, b"14702405132");
        let a = archive(&[file(b"first.c", b""), d.bytes(), end()]);
        assert!(refusal(&a).contains("`prefix` field `14702405132`"));
    }
    // Past the first NUL the area is not a prefix to anyone (GNU's sparse area, say).
    let mut h = H::new(b"a.c", b'0', 0);
    h.set(257, b"ustar  \0").set(346, b"xyz");
    assert_eq!(paths(&archive(&[h.bytes(), end()]))[0].0, "a.c");
}

/// F4 (round 19) and its class: Python's tarfile parses every numeric field of every header (`nti`:
/// up to the first NUL, stripped, `int(_, 8)`; base-256 after 0x80 or 0xff) and, on one it cannot
/// read, silently ends the archive there (at any header but the first), dropping that member and all
/// after it; GNU tar ignores the device numbers of a file and only warns on a bad uid or time, bsdtar
/// reads digits leniently. Each field must be in the one form all read alike, or the archive is
/// refused naming the member and the field.
#[test]
fn every_numeric_field_is_read_strictly_in_every_header() {
    let fields: [(&str, usize, usize); 6] = [
        ("mode", 100, 8),
        ("uid", 108, 8),
        ("gid", 116, 8),
        ("mtime", 136, 12),
        ("devmajor", 329, 8),
        ("devminor", 337, 8),
    ];
    for (name, at, len) in fields {
        for bad in [
            &b"0000009\0"[..],
            b"\t000001\0",
            b"\x00000644\0",
            b"+000001\0",
            b"0o00001\0",
            b"00_0001\0",
            b"1 2\0",
        ] {
            let mut value = bad.to_vec();
            value.resize(len, 0);
            let mut h = H::new(b"pkg/auth/__init__.py", b'0', 0);
            h.set(at, &value);
            let a = archive(&[
                file(b"pkg/auth.py", b"stub"),
                h.bytes(),
                file(b"pkg/auth/strict.py", b"x"),
                end(),
            ]);
            let why = refusal(&a);
            assert!(
                why.starts_with("member `pkg/auth/__init__.py`")
                    && why.contains(&format!("{name} field"))
                    && why.contains("Python's tarfile"),
                "{name} {bad:?}: {why}"
            );
            // In an extension header too (Python parses those fields as well).
            let mut x = H::new(b"././@LongLink", b'L', 4);
            x.set(at, &value);
            let mut l = x.bytes();
            l.extend(padded(b"long"));
            let why = refusal(&archive(&[l, file(b"a.c", b""), end()]));
            assert!(why.starts_with("header at byte 0") && why.contains(&format!("{name} field")), "{why}");
        }
    }
    // What every reader takes alike: octal after spaces, ended by spaces or NULs; base-256 after 0x80;
    // all-NUL (or blank) device numbers, as GNU tar writes them for a file.
    let mut h = H::new(b"a.c", b'0', 0);
    h.set(108, b"  1750 \0").set(116, b"\x80\0\0\0\0\x01\0\0").set(136, b"14702405132 ");
    h.set(329, &[0u8; 8]).set(337, b"       \0");
    assert_eq!(paths(&archive(&[h.bytes(), end()]))[0].0, "a.c");
    // All-NUL owner and time too (GNU tar, bsdtar and Python all read 0); blank ones are refused
    // (GNU tar reports blanks where a number is expected).
    let mut h = H::new(b"a.c", b'0', 0);
    h.set(108, &[0u8; 8]).set(116, &[0u8; 8]).set(136, &[0u8; 12]);
    assert_eq!(paths(&archive(&[h.bytes(), end()]))[0].0, "a.c");
    h.set(116, b"        ");
    assert!(refusal(&archive(&[h.bytes(), end()])).contains("gid field"));
}

#[test]
fn unknown_magic_is_corrupt() {
    let mut h = H::new(b"a.c", b'0', 0);
    h.set(257, b"ustaX\x0000");
    assert!(corruption(&archive(&[h.bytes(), end()])).contains("magic"));
    // Any version after `ustar\0` is POSIX to GNU tar and bsdtar alike, but not to the Rust `tar` crate
    // and node-tar (round 20): such a header is read without a prefix, refused with one.
    h.set(257, b"ustar\x00xx");
    assert_eq!(paths(&archive(&[file(b"first.c", b""), h.bytes(), end()]))[1].0, "a.c");
    h.set(345, b"pre");
    assert!(refusal(&archive(&[file(b"first.c", b""), h.bytes(), end()])).contains("`prefix` field `pre`"));
}

#[test]
fn gnu_long_name_and_long_link() {
    let long = vec![b'n'; 300];
    let mut name = long.clone();
    name.push(0);
    let link_target = vec![b't'; 200];
    let mut link = H::new(b"short", b'2', 0);
    link.set(157, b"ignored");
    let a = archive(&[ext(b'L', &name), file(b"short", b"X"), ext(b'K', &link_target), link.bytes(), end()]);
    let members = read_all(&a).unwrap();
    assert_eq!(members[0].0.path, long);
    assert_eq!(members[1].0.kind, MemberKind::Symlink { target: link_target });
}

#[test]
fn pax_path_linkpath_and_size() {
    let a = archive(&[
        pax(b'x', &[("path", b"from/pax.c"), ("size", b"2"), ("mtime", b"1.5")]),
        file(b"header.c", b"AAA"),
        pax(b'x', &[("linkpath", b"from/pax.c")]),
        H::new(b"l", b'2', 0).bytes(),
        end(),
    ]);
    let members = read_all(&a).unwrap();
    assert_eq!(members[0].0.path, b"from/pax.c");
    assert_eq!(members[0].1, b"AA");
    assert_eq!(members[1].0.kind, MemberKind::Symlink { target: b"from/pax.c".to_vec() });
}

#[test]
fn pax_global_header_with_path_is_refused() {
    let a = archive(&[pax(b'g', &[("path", b"src/auth.c")]), file(b"a.c", b"A"), end()]);
    assert!(refusal(&a).contains("global"));
}

#[test]
fn pax_global_header_with_harmless_keys_is_read() {
    // `git archive` writes the commit id as a global comment.
    let a = archive(&[pax(b'g', &[("comment", b"0123abcd")]), file(b"a.c", b"A"), end()]);
    assert_eq!(paths(&a), vec![("a.c".into(), b"A".to_vec())]);
}

#[test]
fn long_name_together_with_pax_path_is_refused() {
    for parts in [
        vec![ext(b'L', b"long.c\0"), pax(b'x', &[("path", b"pax.c")])],
        vec![pax(b'x', &[("path", b"pax.c")]), ext(b'L', b"long.c\0")],
    ] {
        let mut all = parts;
        all.push(file(b"a.c", b"A"));
        all.push(end());
        let why = refusal(&archive(&all));
        assert!(why.contains("GNU long name `long.c` and a pax `path`"), "{why}");
        assert!(why.contains("pax.c"), "the refusal names the member: {why}");
    }
}

#[test]
fn long_link_together_with_pax_linkpath_is_refused() {
    let a =
        archive(&[ext(b'K', b"k\0"), pax(b'x', &[("linkpath", b"p")]), H::new(b"l", b'2', 0).bytes(), end()]);
    assert!(refusal(&a).contains("long link and a pax"));
}

#[test]
fn a_key_given_twice_is_refused() {
    let a = archive(&[pax(b'x', &[("path", b"one.c"), ("path", b"two.c")]), file(b"a.c", b"A"), end()]);
    assert!(refusal(&a).contains("given twice"));
}

#[test]
fn two_extension_headers_of_one_kind_are_refused() {
    let a = archive(&[ext(b'L', b"one.c\0"), ext(b'L', b"two.c\0"), file(b"a.c", b"A"), end()]);
    assert!(refusal(&a).contains("two GNU long-name"));
    let a =
        archive(&[pax(b'x', &[("path", b"one.c")]), pax(b'x', &[("mtime", b"1")]), file(b"a", b""), end()]);
    assert!(refusal(&a).contains("two pax"));
}

#[test]
fn nul_in_names_is_refused() {
    let a = archive(&[pax(b'x', &[("path", b"a\0b.c")]), file(b"a.c", b"A"), end()]);
    assert!(refusal(&a).contains("NUL"));
    let a = archive(&[ext(b'L', b"x.c\0hidden.c\0"), file(b"a.c", b"A"), end()]);
    assert!(refusal(&a).contains("NUL"));
    // NUL padding after a long name is how GNU tar writes it.
    let a = archive(&[ext(b'L', b"x.c\0\0\0"), file(b"a.c", b"A"), end()]);
    assert_eq!(paths(&a)[0].0, "x.c");
}

#[test]
fn sparse_members_and_sparse_keys_are_refused() {
    let a = archive(&[H::new(b"s", b'S', 0).bytes(), end()]);
    assert!(refusal(&a).contains("sparse"));
    let a = archive(&[pax(b'x', &[("GNU.sparse.name", b"s.c")]), file(b"a.c", b"A"), end()]);
    assert!(refusal(&a).contains("GNU.sparse.name"));
    let a = archive(&[pax(b'g', &[("GNU.sparse.major", b"1")]), file(b"a.c", b"A"), end()]);
    assert!(refusal(&a).contains("GNU.sparse.major"));
}

#[test]
fn malformed_pax_records_are_refused() {
    for data in [&b"5 a=1\n"[..], b"7 path=x", b"x path=a\n", b"99 path=a\n", b"7 path\n\n", b"6 =abc\n"] {
        let a = archive(&[ext(b'x', data), file(b"a.c", b"A"), end()]);
        assert!(refusal(&a).contains("malformed pax record"), "{:?}", String::from_utf8_lossy(data));
    }
}

#[test]
fn link_dir_and_device_types() {
    let mut hard = H::new(b"h", b'1', 0);
    hard.set(157, b"a.c");
    let a = archive(&[
        H::new(b"d/", b'5', 0).bytes(),
        file(b"a.c", b"A"),
        hard.bytes(),
        H::new(b"c", b'3', 0).bytes(),
        H::new(b"b", b'4', 0).bytes(),
        H::new(b"f", b'6', 0).bytes(),
        end(),
    ]);
    let kinds: Vec<(Vec<u8>, MemberKind)> =
        read_all(&a).unwrap().into_iter().map(|(m, _)| (m.path, m.kind)).collect();
    assert_eq!(
        kinds,
        vec![
            (b"d".to_vec(), MemberKind::Directory),
            (b"a.c".to_vec(), MemberKind::File),
            (b"h".to_vec(), MemberKind::HardLink { target: b"a.c".to_vec() }),
            (b"c".to_vec(), MemberKind::CharDevice),
            (b"b".to_vec(), MemberKind::BlockDevice),
            (b"f".to_vec(), MemberKind::Fifo),
        ]
    );
}

#[test]
fn data_on_a_non_file_is_refused() {
    let mut link = H::new(b"l", b'2', 5);
    link.set(157, b"a.c");
    let mut a = link.bytes();
    a.extend(padded(b"XXXXX"));
    a.extend(end());
    assert!(refusal(&a).contains("not a regular file"));
}

#[test]
fn a_file_name_ending_in_slash_is_refused() {
    assert!(refusal(&archive(&[file(b"a.c/", b""), end()])).contains("ends with `/`"));
}

#[test]
fn unknown_type_flags_are_refused() {
    for t in [b'V', b'M', b'N', b'D', b'X', b'A'] {
        assert!(refusal(&archive(&[H::new(b"v", t, 0).bytes(), end()])).contains("type flag"));
    }
}

#[test]
fn numeric_fields_base256_octal_with_spaces() {
    let mut h = H::new(b"a.c", b'0', 0);
    let mut size = [0u8; 12];
    size[0] = 0x80;
    size[11] = 3;
    h.set(124, &size);
    let mut a = h.bytes();
    a.extend(padded(b"abc"));
    a.extend(end());
    assert_eq!(paths(&a)[0].1, b"abc");
    h.set(124, b"   3 \0\0\0\0\0\0\0");
    h.set(100, b" 755 \0\0\0");
    let mut a = h.bytes();
    a.extend(padded(b"abc"));
    a.extend(end());
    let m = &read_all(&a).unwrap()[0].0;
    assert_eq!((m.size_bytes, m.mode), (3, 0o755));
    assert_eq!(parse_numeric(b"\xff\xff\xff\xff"), Err("negative base-256 value".into()));
    assert!(parse_numeric(b"12x4\0").is_err());
    assert!(parse_numeric(b"   \0").is_err());
    assert!(parse_numeric(b"\x80\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff").is_err());
}

#[test]
fn a_bad_size_field_is_corrupt() {
    let mut h = H::new(b"a.c", b'0', 0);
    h.set(124, b"+0000000001\0");
    assert!(corruption(&archive(&[h.bytes(), end()])).contains("size field"));
}

#[test]
fn checksum_is_verified() {
    let mut bytes = file(b"a.c", b"A");
    bytes[0] = b'b';
    assert!(corruption(&archive(&[bytes, end()])).contains("checksum"));
    // A high byte in the name, and the checksum written as the unsigned sum: read.
    let a = archive(&[file(b"\xe9.c", b"A"), end()]);
    assert_eq!(read_all(&a).unwrap()[0].0.path, b"\xe9.c");
}

/// A header whose checksum is written as `digits` (the field's 8 bytes) in place of the computed one.
fn with_checksum(h: &mut H, digits: impl Fn(u64, i64) -> Vec<u8>) -> Vec<u8> {
    let mut block = h.set(148, b"        ").block;
    let unsigned: u64 = block.iter().map(|&b| u64::from(b)).sum();
    let signed: i64 = block.iter().map(|&b| i64::from(b as i8)).sum();
    let field = digits(unsigned, signed);
    assert_eq!(field.len(), 8);
    block[148..156].copy_from_slice(&field);
    block.to_vec()
}

/// F6 (round 22): node-tar (npm, pacote) checks only the unsigned sum and, on a mismatch, warns, skips
/// the 512-byte header and parses the member's data as headers; GNU tar, bsdtar, Python and Go accept the
/// signed sum too. A member whose checksum matches only the signed sum (a high byte in `uname`) thus
/// hides a header in its data for npm alone: refused, naming the header's offset and name.
#[test]
fn a_checksum_matching_only_the_signed_sum_is_refused() {
    let hidden = file(b"package/index.js", b"module.exports = () => true;\n");
    let mut h = H::new(b"package/entry.bin", b'0', hidden.len() as u64);
    h.set(265, "ren\u{e9}e".as_bytes());
    let block = with_checksum(&mut h, |u, s| {
        assert_ne!(u as i64, s);
        format!("{s:06o}\0 ").into_bytes()
    });
    let mut a = file(b"package/index.js", b"module.exports = check;\n");
    a.extend_from_slice(&block);
    a.extend(hidden);
    a.extend(end());
    let why = refusal(&a);
    assert!(why.contains("header at byte 1024"), "{why}");
    assert!(why.contains("package/entry.bin") && why.contains("signed") && why.contains("node-tar"), "{why}");
}

/// F6 variant B: node-tar reads the checksum from 12 bytes (148..160), up to a NUL, so 8 digits with no
/// NUL or space take the type flag as a ninth digit and the header fails there alone. Only octal digits
/// ended by a NUL or a space inside the 8 bytes (what every writer puts) are read.
#[test]
fn a_checksum_without_a_terminator_in_its_field_is_refused() {
    let hidden = file(b"package/index.js", b"module.exports = () => true;\n");
    let mut h = H::new(b"package/entry.bin", b'0', hidden.len() as u64);
    let block = with_checksum(&mut h, |u, _| format!("{u:08o}").into_bytes());
    let mut a = file(b"package/index.js", b"module.exports = check;\n");
    a.extend_from_slice(&block);
    a.extend(hidden);
    a.extend(end());
    let why = refusal(&a);
    assert!(why.contains("header at byte 1024") && why.contains("package/entry.bin"), "{why}");
    assert!(why.contains("NUL or space"), "{why}");
    // The forms writers use are read: 6 digits, NUL, space (GNU tar); 7 digits and NUL (Python, Go);
    // 7 digits and a space; leading spaces (old writers).
    for form in [
        |u: u64| format!("{u:06o}\0 "),
        |u: u64| format!("{u:07o}\0"),
        |u: u64| format!("{u:07o} "),
        |u: u64| format!("{u:6o}\0 "),
    ] {
        let mut h = H::new(b"a.c", b'0', 0);
        let mut a = with_checksum(&mut h, |u, _| form(u).into_bytes());
        a.extend(end());
        assert_eq!(read_all(&a).unwrap()[0].0.path, b"a.c", "{}", form(0).escape_debug());
    }
}

#[test]
fn truncation_is_an_error_everywhere() {
    let full = archive(&[pax(b'x', &[("path", b"p.c")]), file(b"a.c", &[9u8; 600]), end()]);
    // Cut inside the pax data, the member header, the member data, and right after the member.
    for cut in [BLOCK + 10, 2 * BLOCK + 100, 3 * BLOCK + 10, 5 * BLOCK] {
        let err = read_all(&full[..cut]).unwrap_err();
        let source = std::error::Error::source(&err).map(ToString::to_string).unwrap_or_default();
        assert!(format!("{err}: {source}").contains("truncated"), "cut at {cut}: {err}: {source}");
    }
    // An extension header right before the end marker.
    let a = archive(&[ext(b'L', b"x\0"), end()]);
    assert!(refusal(&a).contains("extension header"));
}

#[test]
fn one_zero_block_ends_the_archive_but_data_after_it_is_refused() {
    let mut a = file(b"a.c", b"A");
    a.extend([0u8; BLOCK]);
    assert_eq!(paths(&a).len(), 1);
    let hidden = archive(&[file(b"a.c", b"A"), end(), file(b"hidden.c", b"H"), end()]);
    assert!(refusal(&hidden).contains("a non-zero byte after the end-of-archive marker"));
    // Behind a block of garbage, as `tar x -i` would skip to it.
    let behind = archive(&[file(b"a.c", b"A"), end(), vec![0xAA; BLOCK], file(b"hidden.c", b"H")]);
    assert!(refusal(&behind).contains("a non-zero byte after the end-of-archive marker"));
    // Other bytes (an appended zip, which zip readers and pip read) are refused, naming where they are.
    let mut polyglot = archive(&[file(b"a.c", b"A"), end()]);
    polyglot.extend_from_slice(b"PK\x03\x04 not a tar header");
    let why = refusal(&polyglot);
    assert!(why.starts_with("byte 2048:") && why.contains("marker at byte 1024"), "{why}");
    let mut padded_record = archive(&[file(b"a.c", b"A"), end()]);
    padded_record.resize(10240, 0);
    assert_eq!(paths(&padded_record).len(), 1);
    padded_record[10239] = 1;
    assert!(refusal(&padded_record).starts_with("byte 10239:"));
}

/// F2 (round 19) and its class: after the end marker GNU tar's `tar x -i` reads a checksum after a
/// leading NUL or any white space, Python's `ignore_zeros` after stripping white space; a hidden header
/// whose checksum is written `\t0012345\0` or `\0012345\0` passed a check that parsed it strictly. Now
/// nothing but zeros may follow the marker, however the bytes are written.
#[test]
fn only_zeros_may_follow_the_end_marker_however_a_hidden_checksum_is_written() {
    let head = archive(&[file(b"README", b"hello\n"), end()]);
    let forms: [fn(u32) -> String; 4] = [
        |s| format!("\t{s:06o}\0"),
        |s| format!("\0{s:06o}\0"),
        |s| format!("\n{s:06o} "),
        |s| format!("{s:06o}\0 "),
    ];
    for form in forms {
        let mut h = H::new(b"hidden.sh", b'0', 4);
        h.set(100, b"0000755\0");
        let mut block = h.set(148, b"        ").block;
        let sum: u32 = block.iter().map(|&b| u32::from(b)).sum();
        block[148..156].copy_from_slice(form(sum).as_bytes());
        let mut a = head.clone();
        a.extend_from_slice(&block);
        a.extend(padded(b"evil"));
        a.extend(end());
        let why = refusal(&a);
        assert!(why.starts_with(&format!("byte {}:", head.len())) && why.contains("tar x -i"), "{why}");
    }
}

#[test]
fn an_oversized_extension_header_is_refused_before_it_is_read() {
    let h = H::new(b"././@LongLink", b'L', MAX_EXTENSION_BYTES + 1).bytes();
    assert!(refusal(&h).contains("extension header of"));
}

#[test]
fn non_utf8_pax_path_is_refused() {
    let a = archive(&[pax(b'x', &[("path", b"\xff.c")]), file(b"a.c", b"A"), end()]);
    assert!(refusal(&a).contains("not UTF-8"));
}

/// F1: GNU tar and libarchive read the checksum as octal only; a base-256 checksum makes them skip the
/// header and re-sync inside its data (a hidden member), so it must never be taken as valid here.
#[test]
fn a_base256_checksum_is_not_a_valid_header() {
    let hidden = file(b"evil.txt", b"hidden payload\n");
    let mut h = H::new(b"b.txt", b'0', hidden.len() as u64);
    let mut block = h.set(148, b"        ").block;
    let sum: u64 = block.iter().map(|&b| u64::from(b)).sum();
    block[148] = 0x80;
    block[149..156].copy_from_slice(&sum.to_be_bytes()[1..]);
    let mut a = file(b"a.txt", b"first\n");
    a.extend_from_slice(&block);
    a.extend(hidden);
    a.extend(end());
    let why = corruption(&a);
    assert!(why.contains("header at byte 1024") && why.contains("checksum"), "{why}");
}

/// GNU tar reads base-256 only with a first byte of exactly 0x80 (or 0xFF, negative); libarchive takes
/// the low bits of any first byte with the top bit set. Only 0x80 is read alike.
#[test]
fn base256_is_read_only_with_a_first_byte_of_0x80() {
    assert_eq!(parse_numeric(b"\x80\0\0\0\0\0\0\x07"), Ok(7));
    for first in [0x81u8, 0x90, 0xbf] {
        let mut f = [0u8; 8];
        f[0] = first;
        f[7] = 7;
        assert!(parse_numeric(&f).is_err(), "{first:#x}");
    }
}

/// F2 and its class: GNU tar skips any run of blanks and tabs before and after the length (and strtoumax
/// takes a sign and leading zeros), libarchive takes exactly one space and the key up to `=`. Only
/// `LEN SP KEY=VALUE\n` with a plain decimal length and a key of printable ASCII is read alike.
#[test]
fn pax_records_are_read_only_in_their_one_strict_form() {
    // `lead` + length + `body`, the length counting the whole record.
    let raw = |lead: &[u8], body: &[u8]| -> Vec<u8> {
        let mut len = lead.len() + body.len() + 1;
        while lead.len() + len.to_string().len() + body.len() != len {
            len += 1;
        }
        [lead, len.to_string().as_bytes(), body].concat()
    };
    for data in [
        raw(b"", b"  path=evil.txt\n"),
        raw(b"", b" \tpath=evil.txt\n"),
        raw(b"", b"\tpath=evil.txt\n"),
        raw(b" ", b" path=evil.txt\n"),
        raw(b"\t", b" path=evil.txt\n"),
        raw(b"+", b" path=evil.txt\n"),
        raw(b"0", b" path=evil.txt\n"),
        raw(b"", b" pa th=evil.txt\n"),
        raw(b"", b" pa\tth=evil.txt\n"),
        raw(b"", b" p\xc3\xa4th=evil.c\n"),
        raw(b"", b" pa\x01th=evil.c\n"),
        [raw(b"", b"  size=0\n"), raw(b"", b" a=123\n")].concat(),
    ] {
        let data = data.as_slice();
        let a = archive(&[file(b"a.c", b"A"), ext(b'x', data), file(b"shown.txt", b"B"), end()]);
        let why = refusal(&a);
        assert!(why.contains("malformed pax record"), "{:?}: {why}", String::from_utf8_lossy(data));
        let g = archive(&[ext(b'g', data), file(b"shown.txt", b"B"), end()]);
        assert!(refusal(&g).contains("malformed pax record"), "{:?}", String::from_utf8_lossy(data));
    }
    // Keys as real writers spell them still read.
    let a = archive(&[
        pax(b'x', &[("SCHILY.nlink", b"1"), ("LIBARCHIVE.creationtime", b"1"), ("path", b"p.c")]),
        file(b"a.c", b"A"),
        end(),
    ]);
    assert_eq!(paths(&a), vec![("p.c".into(), b"A".to_vec())]);
}

/// F12: libarchive rejects a pax record longer than 999,999 bytes and ignores the rest of the header
/// (keeping the ustar name); GNU tar reads on. Such a record is refused.
#[test]
fn a_pax_record_over_999999_bytes_is_refused() {
    let big = vec![b'x'; 1_000_000];
    let a = archive(&[
        file(b"a.txt", b"first\n"),
        pax(b'x', &[("comment", &big), ("path", b"evil.txt")]),
        file(b"shown.txt", b"B"),
        end(),
    ]);
    let why = refusal(&a);
    assert!(why.contains("999999") && why.contains("header at byte 1024"), "{why}");
    // The longest record libarchive reads is still read.
    let ok = vec![b'x'; 999_999 - "999999 comment=\n".len()];
    assert_eq!(record("comment", &ok).len(), 999_999);
    let a = archive(&[pax(b'x', &[("comment", &ok), ("path", b"p.c")]), file(b"a.c", b"A"), end()]);
    assert_eq!(paths(&a), vec![("p.c".into(), b"A".to_vec())]);
}

/// F11: one 1 MiB pax header of about 100,000 distinct keys. Checking each key against every earlier
/// one (5·10⁹ comparisons) takes minutes in a debug build; a set of seen keys takes a fraction of a
/// second. The records are counted so the test fails if fewer are read than written.
#[test]
fn a_pax_header_of_many_records_is_parsed_in_linear_time() {
    let mut data = Vec::new();
    let mut n = 0u32;
    loop {
        let r = record(&format!("k{n:x}"), b"");
        if data.len() + r.len() > MAX_EXTENSION_BYTES as usize {
            break;
        }
        data.extend(r);
        n += 1;
    }
    assert!(n > 100_000, "{n}");
    let tar = TarReader::new(&b""[..]);
    let started = std::time::Instant::now();
    let records = tar.pax_records(&data).expect("distinct keys");
    assert_eq!(records.len(), n as usize);
    // Quadratic took 68 s here (debug build, 2 cores), linear well under 1 s: a generous bound.
    assert!(started.elapsed().as_secs() < 30, "{:?}", started.elapsed());
}

/// F1 (round 20) and its class: the Rust `tar` crate (cargo unpacking a `.crate`) takes `L`, `K`, `x`
/// and `g` headers as extension headers only with the exact GNU magic `ustar  \0` or the POSIX magic
/// `ustar\0` with version `00`; with any other magic it extracts them as plain entries and the next
/// member keeps its own name, where GNU tar, bsdtar and Python apply them. Refused unless the magic is
/// exact, naming the header.
#[test]
fn extension_headers_need_the_exact_gnu_or_posix_magic() {
    let odd: [(&[u8], &str); 3] =
        [(&[0u8; 8], "v7 header"), (b"ustar\0\0\0", "version `\\x00\\x00`"), (b"ustar\0xx", "version `xx`")];
    for (magic, what) in odd {
        for (typeflag, data) in [
            (b'L', b"pkg/src/unused.rs\0".to_vec()),
            (b'K', b"elsewhere\0".to_vec()),
            (b'x', record("path", b"pkg/src/unused.rs")),
            (b'g', record("comment", b"harmless")),
        ] {
            let mut h = H::new(b"././@LongLink", typeflag, data.len() as u64);
            h.set(257, magic);
            let mut x = h.bytes();
            x.extend(padded(&data));
            let a = archive(&[
                file(b"pkg/src/lib.rs", b"honest"),
                x,
                file(b"pkg/src/lib.rs", b"backdoor"),
                end(),
            ]);
            let why = refusal(&a);
            assert!(
                why.starts_with("header at byte 1024")
                    && why.contains(what)
                    && why.contains("Rust `tar` crate"),
                "{} {what}: {why}",
                typeflag as char
            );
        }
    }
    // The exact GNU magic and POSIX `00` are read as before.
    for magic in [&b"ustar  \0"[..], b"ustar\x0000"] {
        let mut h = H::new(b"././@LongLink", b'L', 9);
        h.set(257, magic);
        let mut x = h.bytes();
        x.extend(padded(b"long.rs\0\0"));
        let a = archive(&[file(b"a.rs", b""), x, file(b"short", b"L"), end()]);
        assert_eq!(paths(&a)[1], ("long.rs".to_string(), b"L".to_vec()));
    }
}

/// F1 (round 20): a `prefix` with the magic `ustar\0` and a version other than `00` is a prefix to GNU
/// tar, bsdtar and Python, and ignored by the Rust `tar` crate and node-tar (npm): refused.
#[test]
fn a_prefix_with_a_version_other_than_00_is_refused() {
    for version in [&b"\0\0"[..], b"xx", b" \0"] {
        let mut h = H::new(b"pkg/src/lib.rs", b'0', 8);
        h.set(257, b"ustar\0").set(263, version).set(345, b"pkg/src/unused");
        let mut evil = h.bytes();
        evil.extend(padded(b"backdoor"));
        let a = archive(&[file(b"pkg/src/lib.rs", b"honest"), evil, end()]);
        let why = refusal(&a);
        assert!(
            why.starts_with("member `pkg/src/lib.rs`")
                && why.contains("`prefix` field `pkg/src/unused`")
                && why.contains("node-tar"),
            "{why}"
        );
    }
}

/// F3 (round 20) and its class: libarchive (bsdtar, the `tar` of macOS and FreeBSD) picks the format by
/// bids on the first bytes, and a tar header without the exact POSIX or GNU magic bids below an ar
/// archive (and ties with cpio, 7-Zip, ...): a v7 tar whose first name starts with `!<arch>\n` is an ar
/// archive of other files to bsdtar. Any first header without the exact magic is refused, with or
/// without a known signature; the signature is named when there is one.
#[test]
fn a_first_header_without_the_exact_magic_is_refused() {
    for (magic, what) in [(&[0u8; 8][..], "v7 header"), (b"ustar\0xx", "version `xx`")] {
        for (name, signature) in [
            (
                &b"!<arch>\nREADME/         0           0     0     100644  444       `\n"[..],
                Some("ar archive"),
            ),
            (b"070707000001", Some("cpio")),
            (b"7z\xbc\xaf\x27\x1cpadding", Some("7-Zip")),
            (b"src/auth.c", None),
        ] {
            let mut h = H::new(&name[..name.len().min(100)], b'0', 4);
            h.set(257, magic);
            let mut first = h.bytes();
            first.extend(padded(b"AAAA"));
            let why = refusal(&archive(&[first, file(b"b.c", b""), end()]));
            assert!(
                why.starts_with("header at byte 0") && why.contains(what) && why.contains("bsdtar"),
                "{why}"
            );
            match signature {
                Some(sig) => assert!(why.contains(sig) && why.contains("also starts with"), "{why}"),
                None => assert!(!why.contains("also starts with"), "{why}"),
            }
        }
    }
    // A GNU or POSIX first header outbids every other format, whatever its name holds; v7 headers after
    // it are read as before.
    for magic in [&b"ustar  \0"[..], b"ustar\x0000"] {
        let mut h = H::new(b"!<arch>\nREADME", b'0', 1);
        h.set(257, magic);
        let mut first = h.bytes();
        first.extend(padded(b"A"));
        let mut v7 = H::new(b"v7.c", b'0', 1);
        v7.set(257, &[0u8; 8]);
        let mut second = v7.bytes();
        second.extend(padded(b"B"));
        let a = archive(&[first, second, end()]);
        assert_eq!(
            paths(&a),
            vec![("!<arch>\nREADME".into(), b"A".to_vec()), ("v7.c".into(), b"B".to_vec())]
        );
    }
    // An empty archive (only the end-of-archive marker) has no first header to bid on.
    assert!(read_all(&end()).unwrap().is_empty());
}

/// F4 (round 20) and its class: pax keys that carry extended attributes (file capabilities), ACLs,
/// file flags or SELinux labels are applied by GNU tar (`--xattrs`, `--acls`, `--selinux`) and by
/// bsdtar as root or with `-p`, and shown nowhere: refused, in a member's header or a global one. In
/// the `SCHILY.` and `LIBARCHIVE.` namespaces only the keys known to be harmless are read.
#[test]
fn pax_keys_carrying_xattrs_acls_or_flags_are_refused() {
    for (key, why) in [
        ("SCHILY.xattr.security.capability", "extended attribute"),
        ("SCHILY.xattr.user.note", "extended attribute"),
        ("LIBARCHIVE.xattr.security.capability", "extended attribute"),
        ("SCHILY.acl.access", "access control list"),
        ("SCHILY.acl.ace", "access control list"),
        ("SCHILY.fflags", "file flags"),
        ("RHT.security.selinux", "SELinux"),
        ("LIBARCHIVE.future", "namespace"),
        ("SCHILY.archtype", "namespace"),
    ] {
        for typeflag in [b'x', b'g'] {
            let a = archive(&[
                file(b"README", b""),
                pax(typeflag, &[(key, b"\x01\x00\x00\x02")]),
                file(b"tools/fmt", b"#!"),
                end(),
            ]);
            let refused = refusal(&a);
            assert!(refused.contains(&format!("pax key `{key}`")) && refused.contains(why), "{refused}");
        }
    }
    for key in
        ["SCHILY.dev", "SCHILY.ino", "SCHILY.nlink", "LIBARCHIVE.creationtime", "mtime", "atime", "uname"]
    {
        let a = archive(&[file(b"README", b""), pax(b'x', &[(key, b"1")]), file(b"tools/fmt", b"#!"), end()]);
        assert_eq!(paths(&a)[1].0, "tools/fmt", "{key}");
    }
}

/// F6 (round 21) and its class: Go's `archive/tar` (Docker's `ADD`, containerd, Go build tools) reads a
/// `ustar\0` header whose bytes 508..512 are `tar\0` in the star layout: a 131-byte prefix, then access
/// and change times. GNU tar, bsdtar, Python and the Rust `tar` crate read a 155-byte prefix and ignore
/// bytes 500..512. A prefix of 131 bytes of path and then `00000000000` is one more directory to them and
/// an access time to Go, which extracts the member at another path. Every byte past the prefix of a
/// `ustar\0` header must be zero (every writer leaves them so), whatever it holds.
#[test]
fn the_bytes_after_a_posix_prefix_must_be_zero() {
    let dir = format!("{}/", "p".repeat(130));
    let mut h = H::new(b"check.go", b'0', 8);
    h.set(345, format!("{dir}00000000000").as_bytes()).set(508, b"tar\0");
    let mut evil = h.bytes();
    evil.extend(padded(b"backdoor"));
    let honest = file(format!("{dir}check.go").as_bytes(), b"honest");
    let why = refusal(&archive(&[honest.clone(), evil, end()]));
    assert!(
        why.starts_with(&format!("member `{dir}00000000000/check.go`"))
            && why.contains("`tar\\0`")
            && why.contains("Go's archive/tar"),
        "{why}"
    );
    // Each byte of the area on its own, in a member header and in an extension header, with the POSIX
    // magic or another `ustar\0` version (Go looks at the six magic bytes only).
    for at in 500..BLOCK {
        for magic in [&b"ustar\x0000"[..], b"ustar\0xx"] {
            let mut h = H::new(b"a.c", b'0', 0);
            h.set(257, magic).set(at, b"\x01");
            let why = refusal(&archive(&[file(b"first.c", b""), h.bytes(), end()]));
            assert!(why.starts_with("member `a.c`") && why.contains("bytes 500..512"), "{at}: {why}");
        }
        let mut x = H::new(b"././@LongLink", b'x', 0);
        x.set(at, b"\x01");
        let why = refusal(&archive(&[file(b"first.c", b""), x.bytes(), file(b"b.c", b""), end()]));
        assert!(why.starts_with("header at byte 512") && why.contains("bytes 500..512"), "{at}: {why}");
    }
    // GNU headers have their own layout there (the old GNU sparse area ends at byte 495, the rest is
    // unused) and v7 headers none: no reader takes those bytes for anything, so they are read as before.
    for magic in [&b"ustar  \0"[..], &[0u8; 8]] {
        let mut h = H::new(b"a.c", b'0', 0);
        h.set(257, magic).set(500, b"xxxxxxxxtar\0");
        let a = archive(&[file(b"first.c", b""), h.bytes(), end()]);
        assert_eq!(paths(&a)[1].0, "a.c");
    }
}

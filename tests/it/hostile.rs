//! The hostile-CLI test: every hostile fixture goes through `digest`, `health`, `index`, `search` and
//! `def`, each run as a process of its own, which must exit with 0, 1 or 2 (never a signal, never a
//! hang), name the file and the problem when it refuses (2), and write nothing outside its data folder.
//!
//! To add a fixture, add a [`Fixture`] to [`fixtures`]: a name, a function that builds it below a
//! directory and returns the path to open, and what `health` must find in it (or what the refusal says).
//! `scripts/bench-hostile.sh` measures the peak memory of the same commands over the same fixtures
//! (it has them written out by [`write_fixtures`]).

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// What `health` must report for a fixture that opens, or what a refusal must say.
pub enum Expect {
    /// The snapshot opens; `health --json` counts exactly these findings of these kinds.
    Findings(&'static [(&'static str, u64)]),
    /// Every command refuses the snapshot (exit 2) with this in its message.
    Refused(&'static str),
}

pub struct Fixture {
    pub name: &'static str,
    /// Builds the fixture in the given directory; returns the path to open.
    pub build: fn(&Path) -> PathBuf,
    pub expect: Expect,
}

pub fn fixtures() -> Vec<Fixture> {
    use Expect::{Findings, Refused};
    let f = |name, build, expect| Fixture { name, build, expect };
    vec![
        f("plain", plain as fn(&Path) -> PathBuf, Findings(&[("bidi-control", 0), ("git-metadata", 0)])),
        f("git-self-ref-delta", git_self_ref_delta, Findings(&[("git-metadata", 1)])),
        f("git-ref-delta-ring", git_ref_delta_ring, Findings(&[("git-metadata", 1)])),
        f("git-huge-delta", git_huge_delta, Findings(&[("git-metadata", 1)])),
        f("git-amplifying-delta", git_amplifying_delta, Findings(&[("git-metadata", 1)])),
        f("git-deep-chain", git_deep_chain, Findings(&[("git-metadata", 1)])),
        f("git-fifo-head", git_fifo_head, Findings(&[("git-metadata", 1), ("special-file", 1)])),
        f("git-huge-loose-object", git_huge_loose, Findings(&[("git-metadata", 1)])),
        f("case-collisions-8192.tar.gz", case_collisions_8192, Findings(&[("case-collision", 1)])),
        f("file-dir-collision", file_dir_collision, Findings(&[("case-collision", 2)])),
        f("fold-aliases", |d| fold_aliases_dir(dir(d, "fold-aliases")), Findings(&[("case-collision", 5)])),
        f("fold-aliases.tar", fold_aliases_tar, Findings(&[("case-collision", 5)])),
        f(
            "hostile-names",
            hostile_names,
            Findings(&[("bidi-control", 2), ("control-char", 2), ("invisible-char", 1)]),
        ),
        f("hostile-lines", hostile_lines, Findings(&[])),
        f("invalid-utf8-names", invalid_utf8_names, Findings(&[("non-utf8", 1), ("case-collision", 0)])),
        f("line-terminators", line_terminators, Findings(&[("line-terminator", 4), ("control-char", 0)])),
        f("c-lexical-disguises", c_lexical_disguises, Findings(&[("lexical-disguise", 6)])),
        f("nul-in-pax-path.tar", nul_in_pax_path, Refused("NUL")),
        f("fifo-in-dir", fifo_in_dir, Findings(&[("special-file", 1)])),
        f(
            "dotdot.tar",
            |d| tar_file(d, "dotdot.tar", &[(b"../evil.c", b'0', b"", b"x")]),
            Refused("climbs out"),
        ),
        f(
            "hardlink-out.tar",
            |d| tar_file(d, "hardlink-out.tar", &[(b"h", b'1', b"/etc/passwd", b"")]),
            Refused("hard link"),
        ),
        f(
            "chardev.tar",
            |d| tar_file(d, "chardev.tar", &[(b"dev/null", b'3', b"", b"")]),
            Refused("character device"),
        ),
        f(
            "duplicate.tar",
            |d| tar_file(d, "duplicate.tar", &[(b"a.c", b'0', b"", b"one"), (b"./a.c", b'0', b"", b"two")]),
            Refused("duplicate"),
        ),
        f(
            "below-file.tar",
            |d| tar_file(d, "below-file.tar", &[(b"a", b'0', b"", b"x"), (b"a/b", b'0', b"", b"y")]),
            Refused("below the file"),
        ),
        f("truncated.tar", truncated_tar, Refused("truncated")),
        f("truncated.tar.gz", truncated_tar_gz, Refused("corrupt")),
        f("two-gzip-members.tar.gz", two_gzip_members, Refused("second gzip member at byte")),
        f("two-xz-streams.tar.xz", two_xz_streams, Refused("second xz stream at byte")),
        f("star-trailer.tar", star_trailer, Refused("bytes 500..512")),
        f(
            "non-utf8-name.tar",
            |d| {
                let honest = "lib/check\u{FFFD}.js".as_bytes();
                tar_file(
                    d,
                    "non-utf8-name.tar",
                    &[(honest, b'0', b"", b"ok"), (b"lib/check\xFF.js", b'0', b"", b"evil")],
                )
            },
            Refused("not UTF-8"),
        ),
        f("strip-collision.tar", strip_collision, Findings(&[("strip-collision", 1)])),
    ]
}

// ---- the fixtures ----

fn dir(root: &Path, name: &str) -> PathBuf {
    let d = root.join(name);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn put(dir: &Path, rel: &[u8], content: &[u8]) {
    let p = dir.join(OsStr::from_bytes(rel));
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, content).unwrap();
}

fn plain(root: &Path) -> PathBuf {
    plain_in(dir(root, "plain"))
}

/// A fixture directory holding the plain snapshot's files.
fn plain_in(d: PathBuf) -> PathBuf {
    put(&d, b"src/main.c", b"int helper(void) { return 1; }\nint main(void) { return helper(); }\n");
    put(&d, b"README", b"a plain snapshot\n");
    d
}

fn zlib(bytes: &[u8]) -> Vec<u8> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(bytes).unwrap();
    z.finish().unwrap()
}

/// A pack object header: type and size.
fn obj_header(type_code: u8, mut size: u64) -> Vec<u8> {
    let mut out = vec![(type_code << 4) | (size & 15) as u8];
    size >>= 4;
    while size > 0 {
        *out.last_mut().unwrap() |= 0x80;
        out.push((size & 0x7f) as u8);
        size >>= 7;
    }
    out
}

fn varint(mut v: u64) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return out;
        }
        out.push(b | 0x80);
    }
}

/// The OFS_DELTA back-offset encoding.
fn ofs(mut back: u64) -> Vec<u8> {
    let mut out = vec![(back & 0x7f) as u8];
    back >>= 7;
    while back > 0 {
        back -= 1;
        out.insert(0, 0x80 | (back & 0x7f) as u8);
        back >>= 7;
    }
    out
}

/// Builds one pack entry's bytes from its offset in the pack.
type PackBuilder = Box<dyn Fn(u64) -> Vec<u8>>;

/// A checkout whose `.git` has HEAD = `head` and one pack holding `entries` (id, bytes) in order; each
/// entry's bytes are built from its offset in the pack.
fn repo_with_pack(d: &Path, head: [u8; 20], entries: Vec<([u8; 20], PackBuilder)>) {
    let git = d.join(".git");
    std::fs::create_dir_all(git.join("objects/pack")).unwrap();
    let hex: String = head.iter().map(|b| format!("{b:02x}")).collect();
    std::fs::write(git.join("HEAD"), format!("{hex}\n")).unwrap();
    let mut pack = b"PACK\0\0\0\x02".to_vec();
    pack.extend((entries.len() as u32).to_be_bytes());
    let mut index: Vec<([u8; 20], u64)> = Vec::new();
    for (id, build) in &entries {
        let at = pack.len() as u64;
        pack.extend(build(at));
        index.push((*id, at));
    }
    pack.extend([0u8; 20]);
    index.sort();
    let mut idx = b"\xfftOc\0\0\0\x02".to_vec();
    for first in 0..256usize {
        let n = index.iter().filter(|(id, _)| usize::from(id[0]) <= first).count() as u32;
        idx.extend(n.to_be_bytes());
    }
    for (id, _) in &index {
        idx.extend(id);
    }
    idx.extend(std::iter::repeat_n(0u8, 4 * index.len()));
    for (_, at) in &index {
        idx.extend((*at as u32).to_be_bytes());
    }
    std::fs::write(git.join("objects/pack/pack-x.pack"), pack).unwrap();
    std::fs::write(git.join("objects/pack/pack-x.idx"), idx).unwrap();
}

/// The 65-byte pack of the report: a REF_DELTA whose base is itself.
fn git_self_ref_delta(root: &Path) -> PathBuf {
    let d = plain_in(dir(root, "git-self-ref-delta"));
    let id = [0xAB; 20];
    repo_with_pack(
        &d,
        id,
        vec![(id, Box::new(move |_| [obj_header(7, 4), id.to_vec(), zlib(&[1, 1, 1, b'x'])].concat()))],
    );
    d
}

fn git_ref_delta_ring(root: &Path) -> PathBuf {
    let d = plain_in(dir(root, "git-ref-delta-ring"));
    let (a, b) = ([0x11; 20], [0x22; 20]);
    let entry = move |base: [u8; 20]| -> Box<dyn Fn(u64) -> Vec<u8>> {
        Box::new(move |_| [obj_header(7, 4), base.to_vec(), zlib(&[1, 1, 1, b'x'])].concat())
    };
    repo_with_pack(&d, a, vec![(a, entry(b)), (b, entry(a))]);
    d
}

/// A delta declaring a 2^62-byte result.
fn git_huge_delta(root: &Path) -> PathBuf {
    let d = plain_in(dir(root, "git-huge-delta"));
    let base = b"base".to_vec();
    let base_id = [0x0B; 20];
    let head = [0xCC; 20];
    let delta = [varint(4), varint(1 << 62), vec![0x91, 0, 4]].concat();
    repo_with_pack(
        &d,
        head,
        vec![
            (base_id, Box::new(move |_| [obj_header(3, 4), zlib(&base)].concat())),
            (
                head,
                Box::new(move |_| {
                    [obj_header(7, delta.len() as u64), base_id.to_vec(), zlib(&delta)].concat()
                }),
            ),
        ],
    );
    d
}

/// A 16 MiB blob of zeros (16 KB compressed) and a delta of 4-byte copy ops, each adding 16 MiB.
fn git_amplifying_delta(root: &Path) -> PathBuf {
    let d = plain_in(dir(root, "git-amplifying-delta"));
    let size = (16u64 << 20) - 1;
    let base_z = zlib(&vec![0u8; size as usize]);
    let head = [0xCD; 20];
    let copies = 64u64;
    let mut delta = [varint(size), varint(size * copies)].concat();
    for _ in 0..copies {
        delta.extend([0x80 | 0x10 | 0x20 | 0x40, 0xFF, 0xFF, 0xFF]);
    }
    repo_with_pack(
        &d,
        head,
        vec![
            ([0x0B; 20], Box::new(move |_| [obj_header(3, size), base_z.clone()].concat())),
            (
                head,
                Box::new(move |at| [obj_header(6, delta.len() as u64), ofs(at - 12), zlib(&delta)].concat()),
            ),
        ],
    );
    d
}

/// 5,000 OFS deltas in a row, deeper than git ever writes (4,095).
fn git_deep_chain(root: &Path) -> PathBuf {
    let d = plain_in(dir(root, "git-deep-chain"));
    let blob = [obj_header(3, 1), zlib(b"x")].concat();
    // Every delta has the same length, so each base lies a fixed distance back.
    let delta = |back: u64| [obj_header(6, 4), ofs(back), zlib(&[1, 1, 1, b'x'])].concat();
    let delta_len = delta(1).len() as u64;
    let mut entries: Vec<([u8; 20], PackBuilder)> = Vec::new();
    let blob_len = blob.len() as u64;
    entries.push(([0u8; 20], Box::new(move |_| blob.clone())));
    let mut last = [0u8; 20];
    for i in 1..5000u32 {
        last = [0u8; 20];
        last[..4].copy_from_slice(&i.to_be_bytes());
        let back = if i == 1 { blob_len } else { delta_len };
        entries.push((last, Box::new(move |_| delta(back))));
    }
    repo_with_pack(&d, last, entries);
    d
}

fn git_fifo_head(root: &Path) -> PathBuf {
    let d = plain_in(dir(root, "git-fifo-head"));
    std::fs::create_dir_all(d.join(".git")).unwrap();
    assert!(Command::new("mkfifo").arg(d.join(".git/HEAD")).status().unwrap().success());
    d
}

fn git_huge_loose(root: &Path) -> PathBuf {
    let d = plain_in(dir(root, "git-huge-loose-object"));
    let id = "ab".repeat(20);
    let git = d.join(".git");
    std::fs::create_dir_all(git.join("objects/ab")).unwrap();
    std::fs::write(git.join("HEAD"), format!("{id}\n")).unwrap();
    // Declares 100 bytes and inflates to 256 MiB of zeros (a 256 KB file) if read without a bound.
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(b"commit 100\0").unwrap();
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..256 {
        z.write_all(&zeros).unwrap();
    }
    std::fs::write(git.join("objects/ab").join(&id[2..]), z.finish().unwrap()).unwrap();
    d
}

/// 8,192 empty files whose names differ only in case, as a `.tar.gz` of a few tens of KB.
fn case_collisions_8192(root: &Path) -> PathBuf {
    let mut b = tar::Builder::new(Vec::new());
    for i in 0u32..8192 {
        let name: String = (0..13).map(|bit| if i >> bit & 1 == 1 { 'A' } else { 'a' }).collect();
        let mut h = tar::Header::new_gnu();
        h.set_size(0);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        h.set_cksum();
        b.append_data(&mut h, format!("{name}.c"), std::io::empty()).unwrap();
    }
    let tar = b.into_inner().unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&tar).unwrap();
    let p = root.join("case-collisions-8192.tar.gz");
    std::fs::write(&p, gz.finish().unwrap()).unwrap();
    p
}

fn file_dir_collision(root: &Path) -> PathBuf {
    let d = dir(root, "file-dir-collision");
    put(&d, b"Foo", b"file\n");
    put(&d, b"foo/x.c", b"int x;\n");
    put(&d, b"src/bar", b"file\n");
    put(&d, b"src/BAR/y.c", b"int y;\n");
    d
}

/// Pairs of names that are one file on a case-insensitive file system though their lower cases differ:
/// full case folding (`ſ`/`s`, `ς`/`σ`), an ignorable character HFS+ drops, and the Win32 aliases
/// (trailing dot, `::$DATA` stream). Each pair's second member is the one written last, which wins.
const FOLD_ALIASES: &[(&str, &[u8])] = &[
    ("pkg/build.rs", b"fn main() {}\n"),
    ("pkg/build.r\u{17F}", b"fn main() { /* payload */ }\n"),
    ("pkg/src/\u{3C3}.rs", b"// sigma\n"),
    ("pkg/src/\u{3C2}.rs", b"// final sigma\n"),
    ("pkg/src/main.rs", b"fn main() {}\n"),
    ("pkg/src/main.rs.", b"fn main() { /* payload */ }\n"),
    ("pkg/src/util.rs", b"// util\n"),
    ("pkg/src/util.rs::$DATA", b"// payload\n"),
    ("pkg/src/li\u{200D}b.rs", b"// lib\n"),
    ("pkg/src/lib.rs", b"// payload\n"),
];

fn fold_aliases_dir(d: PathBuf) -> PathBuf {
    for (name, content) in FOLD_ALIASES {
        put(&d, name.as_bytes(), content);
    }
    d
}

fn fold_aliases_tar(root: &Path) -> PathBuf {
    let entries: Vec<RawEntry<'_>> =
        FOLD_ALIASES.iter().map(|&(name, content)| (name.as_bytes(), b'0', &b""[..], content)).collect();
    tar_file(root, "fold-aliases.tar", &entries)
}

/// Names with bidi controls, ESC sequences (one erasing the screen) and a zero-width space.
fn hostile_names(root: &Path) -> PathBuf {
    let d = dir(root, "hostile-names");
    put(&d, "src/evil\u{202E}c.h".as_bytes(), b"int a;\n");
    put(&d, "lib\u{2066}/x.c".as_bytes(), b"int b;\n");
    put(&d, b"src/clear\x1b[2J\x1b[H.c", b"int c;\n");
    put(&d, b"src/title\x1b]0;owned\x07.c", b"int d;\n");
    put(&d, "src/zero\u{200B}width.c".as_bytes(), b"int e;\n");
    d
}

/// Matched lines are printed by `search`: their text is escaped like a name.
fn hostile_lines(root: &Path) -> PathBuf {
    let d = dir(root, "hostile-lines");
    put(&d, b"src/text.c", "int f; /* \x1b[2J\x1b[H \u{202E} */\n".as_bytes());
    d
}

/// `bad<FF>.c` next to a file literally named `bad\xFF.c`.
fn invalid_utf8_names(root: &Path) -> PathBuf {
    let d = dir(root, "invalid-utf8-names");
    put(&d, b"bad\xFF.c", b"int invalid;\n");
    put(&d, br"bad\xFF.c", b"int literal;\n");
    d
}

/// Code hidden after a line terminator the compiler honours and the viewer does not.
fn line_terminators(root: &Path) -> PathBuf {
    let d = dir(root, "line-terminators");
    put(&d, b"auth.c", b"int check(int ok) {\n    // harmless comment\rok = 1;\n    return ok;\n}\n");
    put(&d, b"auth.py", b"def check(ok):\n    # note\rok = True\n    return ok\n");
    put(
        &d,
        "auth.js".as_bytes(),
        "function check(ok) {\n  // note\u{2028}ok = true;\n  return ok;\n}\n".as_bytes(),
    );
    put(&d, b"Auth.java", b"class Auth {\n  // note \\u000a boolean ok = true;\n}\n");
    // Not a terminator for Rust or Go: no finding.
    put(&d, b"lib.rs", b"// note\rfn f() {}\n");
    put(&d, b"crlf.c", b"int a;\r\nint b;\r\n");
    d
}

/// Round 22 (obf f1-f4): C spellings the compiler rewrites before it finds comments, directives
/// and names: a comment closed by `*\` + newline + `/`, a name split by a splice, a `//` comment
/// continued, `%:endif`, `#en\` + newline + `dif`, `#/**/endif`; ordinary macro continuations and
/// JavaScript (which splices nothing) give none.
fn c_lexical_disguises(root: &Path) -> PathBuf {
    let d = dir(root, "c-lexical-disguises");
    put(&d, b"f1.c", b"int check(int uid) {\n    /* audit *\\\n/ grant_root(uid); /* x */\n}\n");
    put(&d, b"f2.c", b"int send_tel\\\nemetry(int n) { return n; }\n");
    put(&d, b"f4.c", b"int su(int uid) {\n    // C:\\tools\\\n    if (uid) return -1;\n    return 0;\n}\n");
    put(&d, b"f3.c", b"#if 0\nint a;\n%:endif\n#if 0\n#en\\\ndif\n#if 0\n#/**/endif\n");
    put(&d, b"ok.c", b"#define M(x) \\\n\tdo { f(x); } while (0)\n");
    put(&d, b"ok.js", b"let send_tel\\\nemetry = 1;\n");
    d
}

/// A pax header whose `path` holds a NUL byte.
fn nul_in_pax_path(root: &Path) -> PathBuf {
    let value = b"src/a\0b.c";
    // " path=" + value + "\n", after a two-digit length that counts itself.
    let len = 2 + " path=".len() + value.len() + 1;
    let record = [format!("{len} path=").into_bytes(), value.to_vec(), b"\n".to_vec()].concat();
    assert_eq!(record.len(), len);
    tar_file(
        root,
        "nul-in-pax-path.tar",
        &[(b"PaxHeaders/x", b'x', b"", &record), (b"src/ab.c", b'0', b"", b"int x;\n")],
    )
}

fn fifo_in_dir(root: &Path) -> PathBuf {
    let d = plain_in(dir(root, "fifo-in-dir"));
    assert!(Command::new("mkfifo").arg(d.join("src/pipe.c")).status().unwrap().success());
    d
}

/// A raw tar entry: (name, type flag, link name, content).
type RawEntry<'a> = (&'a [u8], u8, &'a [u8], &'a [u8]);

fn raw_tar(entries: &[RawEntry<'_>]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, flag, link, content) in entries {
        let mut h = [0u8; 512];
        h[..name.len()].copy_from_slice(name);
        h[100..107].copy_from_slice(b"0000644");
        h[108..115].copy_from_slice(b"0000000");
        h[116..123].copy_from_slice(b"0000000");
        h[124..135].copy_from_slice(format!("{:011o}", content.len()).as_bytes());
        h[136..147].copy_from_slice(b"00000000000");
        h[156] = *flag;
        h[157..157 + link.len()].copy_from_slice(link);
        h[257..263].copy_from_slice(b"ustar\0");
        h[263..265].copy_from_slice(b"00");
        h[148..156].copy_from_slice(b"        ");
        let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
        h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
        out.extend_from_slice(&h);
        out.extend_from_slice(content);
        out.resize(out.len().div_ceil(512) * 512, 0);
    }
    out.extend([0u8; 1024]);
    out
}

fn tar_file(root: &Path, name: &str, entries: &[RawEntry<'_>]) -> PathBuf {
    let p = root.join(name);
    std::fs::write(&p, raw_tar(entries)).unwrap();
    p
}

fn truncated_tar(root: &Path) -> PathBuf {
    let good = raw_tar(&[(b"a.c", b'0', b"", &[b'x'; 2000]), (b"b.c", b'0', b"", b"int b;\n")]);
    let p = root.join("truncated.tar");
    std::fs::write(&p, &good[..1200]).unwrap();
    p
}

fn truncated_tar_gz(root: &Path) -> PathBuf {
    let good = raw_tar(&[(b"a.c", b'0', b"", &[b'x'; 20000]), (b"b.c", b'0', b"", b"int b;\n")]);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&good).unwrap();
    let gz = gz.finish().unwrap();
    let p = root.join("truncated.tar.gz");
    std::fs::write(&p, &gz[..gz.len() / 2]).unwrap();
    p
}

/// F1 (round 21): a `.tar.gz` of two gzip members (flate2's `GzDecoder`, as cargo uses it, reads the first).
fn two_gzip_members(root: &Path) -> PathBuf {
    let tar =
        raw_tar(&[(b"Cargo.toml", b'0', b"", b"[package]\n"), (b"src/policy.rs", b'0', b"", b"deny();\n")]);
    let (a, b) = tar.split_at(1024);
    let gz = |data: &[u8]| {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(data).unwrap();
        gz.finish().unwrap()
    };
    let p = root.join("two-gzip-members.tar.gz");
    std::fs::write(&p, [gz(a), gz(b)].concat()).unwrap();
    p
}

/// F1 (round 21), xz: a `.tar.xz` of two xz streams.
fn two_xz_streams(root: &Path) -> PathBuf {
    let tar =
        raw_tar(&[(b"Cargo.toml", b'0', b"", b"[package]\n"), (b"src/policy.rs", b'0', b"", b"deny();\n")]);
    let (a, b) = tar.split_at(1024);
    let xz = |data: &[u8]| {
        let mut xz = xz2::write::XzEncoder::new(Vec::new(), 6);
        xz.write_all(data).unwrap();
        xz.finish().unwrap()
    };
    let p = root.join("two-xz-streams.tar.xz");
    std::fs::write(&p, [xz(a), xz(b)].concat()).unwrap();
    p
}

/// F6 (round 21): a POSIX header with the star trailer `tar\0` at byte 508, which Go's archive/tar reads
/// with a 131-byte prefix.
fn star_trailer(root: &Path) -> PathBuf {
    use crate::archive_build::{Tar, TarHeader};
    let dir = format!("{}/", "p".repeat(130));
    let evil = b"return true\n";
    let mut h = TarHeader::new(b"check.go", b'0', evil.len() as u64);
    h.prefix(format!("{dir}00000000000").as_bytes()).set(508, b"tar\0");
    let tar = Tar::new().file(format!("{dir}check.go").as_bytes(), b"return ok\n").raw(&h, evil).end();
    let p = root.join("star-trailer.tar");
    std::fs::write(&p, tar).unwrap();
    p
}

/// F5 (round 21): `docs/lib/auth.js` after `package/lib/auth.js`: one file under npm's `strip: 1`.
fn strip_collision(root: &Path) -> PathBuf {
    tar_file(
        root,
        "strip-collision.tar",
        &[
            (b"package/package.json", b'0', b"", b"{}\n"),
            (b"package/lib/auth.js", b'0', b"", b"module.exports = (u, p) => u.check(p);\n"),
            (b"docs/lib/auth.js", b'0', b"", b"module.exports = (u, p) => true;\n"),
        ],
    )
}

// ---- running the CLI in a process of its own ----

/// The environment variable through which [`cli_process`] gets its arguments (hex, comma-separated).
const ARGS_VAR: &str = "VITRINE_IT_CLI_ARGS";

/// Not a test: the entry point of the processes [`run_cli`] starts (this test binary, run again with only
/// this test selected). It runs the CLI on a thread with the main thread's stack size and exits with the
/// CLI's code, so a crash shows as a signal or a non-CLI exit code.
#[test]
#[ignore = "entry point of the processes that hostile_fixtures_through_the_cli starts"]
fn cli_process() {
    let Some(encoded) = std::env::var_os(ARGS_VAR) else { return };
    let args: Vec<OsString> = std::iter::once(OsString::from("vitrine"))
        .chain(encoded.to_str().unwrap().split(',').filter(|a| !a.is_empty()).map(|a| {
            let bytes: Vec<u8> =
                (0..a.len() / 2).map(|i| u8::from_str_radix(&a[2 * i..2 * i + 2], 16).unwrap()).collect();
            OsString::from(OsStr::from_bytes(&bytes))
        }))
        .collect();
    let code = std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(move || {
            let (mut out, mut err) = (std::io::stdout(), std::io::stderr());
            vitrine::run_with(args, &mut out, &mut err)
        })
        .unwrap()
        .join();
    std::process::exit(code.map_or(101, i32::from));
}

/// How one run ended.
struct Run {
    /// `None` when killed by a signal.
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs `vitrine ARGS` as a process; kills it and fails after `timeout`.
fn run_cli(args: &[&OsStr], home: &Path, timeout: Duration) -> Run {
    let encoded: Vec<String> =
        args.iter().map(|a| a.as_bytes().iter().map(|b| format!("{b:02x}")).collect()).collect();
    let child = Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", "hostile::cli_process", "--nocapture", "--test-threads=1"])
        .env(ARGS_VAR, encoded.join(","))
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env_remove("VITRINE_DATA")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let out = match rx.recv_timeout(timeout) {
        Ok(out) => out.unwrap(),
        Err(_) => {
            let _ = Command::new("kill").args(["-KILL", &pid.to_string()]).status();
            panic!("vitrine {args:?} did not finish within {timeout:?}");
        }
    };
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    // The test harness announces the one test before the CLI runs.
    const ANNOUNCED: &str = "test hostile::cli_process ... ";
    let stdout = match stdout.find(ANNOUNCED) {
        Some(i) => stdout[i + ANNOUNCED.len()..].to_owned(),
        None => stdout,
    };
    Run { code: out.status.code(), stdout, stderr: String::from_utf8_lossy(&out.stderr).into_owned() }
}

/// Every file below `root` (except `skip`) with its type, size and modification time.
fn listing(root: &Path, skip: &Path) -> BTreeMap<PathBuf, (u32, u64, i64, i64)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p == skip {
                continue;
            }
            let m = std::fs::symlink_metadata(&p).unwrap();
            out.insert(p.clone(), (m.mode(), m.len(), m.mtime(), m.mtime_nsec()));
            if m.is_dir() {
                stack.push(p);
            }
        }
    }
    out
}

/// Writes every fixture below `$VITRINE_HOSTILE_FIXTURES` (for `scripts/bench-hostile.sh`).
#[test]
#[ignore = "run by scripts/bench-hostile.sh to write the fixtures out"]
fn write_fixtures() {
    let Some(dir) = std::env::var_os("VITRINE_HOSTILE_FIXTURES") else { return };
    let dir = PathBuf::from(dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut names = String::new();
    for f in fixtures() {
        let p = (f.build)(&dir);
        names.push_str(&format!("{}\n", p.display()));
    }
    std::fs::write(dir.join("FIXTURES"), names).unwrap();
}

#[test]
fn hostile_fixtures_through_the_cli() {
    let root = tempfile::tempdir().unwrap();
    let fixtures_dir = dir(root.path(), "fixtures");
    let home = dir(root.path(), "home");
    let data = root.path().join("data");
    let built: Vec<(Fixture, PathBuf)> = fixtures()
        .into_iter()
        .map(|f| {
            let p = (f.build)(&fixtures_dir);
            (f, p)
        })
        .collect();
    let before = listing(root.path(), &data);
    let mut failures = Vec::new();
    for (f, path) in &built {
        let p = path.as_os_str();
        let commands: [(&str, Vec<&OsStr>); 6] = [
            ("digest", vec![OsStr::new("digest"), p]),
            ("digest --files", vec![OsStr::new("digest"), p, OsStr::new("--files")]),
            ("health", vec![OsStr::new("health"), p]),
            ("index", vec![OsStr::new("index"), p]),
            ("search", vec![OsStr::new("search"), p, OsStr::new("int")]),
            ("def", vec![OsStr::new("def"), p, OsStr::new("main")]),
        ];
        for (what, cmd) in &commands {
            let mut args: Vec<&OsStr> = vec![OsStr::new("--data"), data.as_os_str(), OsStr::new("--quiet")];
            args.extend(cmd);
            let r = run_cli(&args, &home, Duration::from_secs(600));
            let tag = format!("{} / {what}", f.name);
            match r.code {
                Some(0..=2) => {}
                other => {
                    failures.push(format!("{tag}: exit {other:?} (a signal or a crash)\n{}", r.stderr));
                    continue;
                }
            }
            if r.code == Some(2) {
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                let msg = r.stderr.lines().find(|l| l.starts_with("vitrine: error: ")).unwrap_or_default();
                if !msg.contains(&name) || msg.len() < "vitrine: error: ".len() + name.len() + 10 {
                    failures.push(format!(
                        "{tag}: exit 2 without naming the file and the problem: {:?}",
                        r.stderr
                    ));
                }
            }
            if matches!(*what, "digest" | "digest --files" | "health" | "search")
                && (r.stdout.contains(['\x1b', '\x07', '\u{202E}', '\u{2066}', '\u{200B}'])
                    || r.stderr.contains(['\x1b', '\u{202E}']))
            {
                failures.push(format!("{tag}: a raw control or bidi character reached the terminal"));
            }
            match (&f.expect, *what, r.code) {
                (Expect::Refused(why), _, code) if code != Some(2) || !r.stderr.contains(why) => {
                    failures.push(format!(
                        "{tag}: expected a refusal mentioning {why:?}, got {code:?}: {}",
                        r.stderr
                    ));
                }
                (Expect::Findings(_), "digest" | "health", code) if code != Some(0) => {
                    failures.push(format!("{tag}: expected to open, got {code:?}: {}", r.stderr));
                }
                _ => {}
            }
        }
        if let Expect::Findings(want) = &f.expect {
            let args: Vec<&OsStr> =
                vec![OsStr::new("--data"), data.as_os_str(), OsStr::new("health"), p, OsStr::new("--json")];
            let r = run_cli(&args, &home, Duration::from_secs(600));
            let Ok(report) = serde_json::from_str::<serde_json::Value>(r.stdout.trim()) else {
                failures
                    .push(format!("{}: health --json printed no JSON: {:?} {}", f.name, r.stdout, r.stderr));
                continue;
            };
            for (kind, n) in *want {
                let got = report["counts"][kind].as_u64().unwrap_or(0);
                if got != *n {
                    let listed: Vec<String> = report["findings"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .filter(|x| x["kind"] == *kind)
                        .map(|x| x.to_string())
                        .collect();
                    failures.push(format!("{}: {got} {kind} findings, expected {n}: {listed:?}", f.name));
                }
            }
        }
    }
    let after = listing(root.path(), &data);
    assert_eq!(before, after, "a command wrote outside its data folder (or changed a fixture)");
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

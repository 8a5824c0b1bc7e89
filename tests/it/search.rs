//! Search: matching lines equal ripgrep's on generated fixtures, the query language's parse table, index
//! persistence (reuse, per-snapshot, corruption), streaming with cancellation, and the CLI.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use vitrine_search::{Index, Opened, Query, SearchError, SearchEvent, SearchOptions};
use vitrine_snapshot::progress::Progress;
use vitrine_snapshot::{IngestConfig, Snapshot};

use crate::support::{TempTree, arg, data_dir, vitrine_in, vitrine_os};

fn open_snapshot(p: &Path) -> Arc<Snapshot> {
    Arc::new(Snapshot::open(p, &IngestConfig::default(), &Progress::default()).expect("snapshot opens"))
}

fn index_of(snap: &Arc<Snapshot>, data: &Path) -> (Index, Opened) {
    let dir = data.join("snapshots").join(snap.content_key().to_string()).join("index");
    vitrine_search::open_or_build(snap, &dir, &Progress::default()).expect("index builds")
}

/// A small deterministic generator, so fixtures are varied but the same on every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> usize {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.next() % items.len()]
    }
}

const VOCAB: &[&str] = &[
    "foo",
    "Foo",
    "FOO",
    "foobar",
    "foo_bar",
    "_foo",
    "foo2",
    "barfoo",
    "bar",
    "foo(",
    "foo()",
    "(foo)",
    "foo.bar",
    "kmalloc",
    "kmalloc(",
    "kmalloc_array",
    "vkmalloc",
    "struct",
    "file_operations",
    "struct file_operations",
    "struct\tfile_operations",
    "structfile_operations",
    "café",
    "cafés",
    "éfoo",
    "fooé",
    "日本foo",
    "foo日本",
    "Straße",
    "ǅfoo",
    "x",
    "=",
    "->",
    ";",
    "{",
    "}",
    "0x1f",
    "0xDEADBEEF",
    "spin_lock_irqsave(",
    "spin_lock_irqrestore(",
    "spin_lock_irq(",
    "$foo",
    "foo$",
    "é",
    "\u{212A}malloc",
    "KMALLOC",
];

/// Files covering the corner cases: matches at file start and end, CRLF, very long lines, multibyte
/// text around matches, identifiers that are prefixes of others, no trailing newline, BOMs, UTF-16,
/// legacy bytes, binary files, hidden files.
fn fixture() -> TempTree {
    let t = TempTree::new();
    let mut rng = Lcg(7);
    for f in 0..24 {
        let mut s = String::new();
        let lines = 1 + rng.next() % 60;
        for _ in 0..lines {
            let words = rng.next() % 9;
            for w in 0..words {
                if w > 0 {
                    s.push_str(rng.pick(&[" ", " ", "  ", "\t", ""]));
                }
                s.push_str(rng.pick(VOCAB));
            }
            s.push_str(if f % 3 == 0 { "\r\n" } else { "\n" });
        }
        if f % 4 == 1 {
            s.pop(); // no trailing newline
        }
        t.file(&format!("src/gen{f}.c"), s);
    }
    // Large enough for a word filter (see vitrine_search's words.rs): it must never hide a match.
    let mut big = String::new();
    while big.len() < 300_000 {
        for w in 0..(1 + rng.next() % 8) {
            big.push_str(if w > 0 { " " } else { "" });
            big.push_str(rng.pick(VOCAB));
        }
        big.push('\n');
    }
    t.file("big/generated_regs.h", big);
    t.file("start_end.c", "foo at start\nmiddle\nends with foo")
        .file("crlf.c", "foo\r\nbar foo\r\nkmalloc(\r\n")
        .file(
            "long.c",
            format!("{}foo{}\n{}\n", "x ".repeat(70_000), " y".repeat(70_000), "a".repeat(200_000)),
        )
        .file("multibyte.c", "éfoo\nfooé\n日本 foo 日本\nfoo日本\n日本foo\ncafé café\n")
        .file("prefixes.h", "kmalloc\nkmalloc_array\nvkmalloc\nkmalloc_node(x)\n__kmalloc\n")
        .file("empty.c", "")
        .file("only_newlines.c", "\n\n\n")
        .file("bom.c", "\u{FEFF}foo first\nsecond foo\n")
        .file("latin1.c", b"caf\xe9 foo\n\xfffoo\nfoo\xff\n".as_slice())
        .file("binary.o", b"foo\0bar foo\n".as_slice())
        .file(".hidden/inside.c", "foo hidden\n")
        .file("deep/a/b/c/d.txt", "struct   file_operations fops;\nstruct file_operationsX\n");
    // UTF-16 LE with a BOM: ripgrep transcodes it, so must we.
    let mut utf16 = vec![0xFF, 0xFE];
    for u in "foo in utf16\r\nnot here\r\nkmalloc foo\r\n".encode_utf16() {
        utf16.extend_from_slice(&u.to_le_bytes());
    }
    t.file("wide.txt", utf16);
    t
}

/// Runs ripgrep in `root` with `fixed` then `args`, and returns each output line as (path, the rest after
/// the path), from `--null` output.
fn rg_output(root: &Path, fixed: &[&str], args: &[&str]) -> Vec<(String, String)> {
    let out = Command::new("rg")
        .args(["--no-ignore", "--hidden", "--no-config", "--no-heading", "-H", "-n", "--null"])
        .args(fixed)
        .args(args)
        .arg(".")
        .current_dir(root)
        .output()
        .expect("rg runs (it is installed at /usr/bin/rg)");
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "rg {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|line| {
            let nul = line.iter().position(|&b| b == 0).expect("--null separates the path");
            let path = String::from_utf8_lossy(&line[..nul]).trim_start_matches("./").to_owned();
            (path, String::from_utf8_lossy(&line[nul + 1..]).into_owned())
        })
        .collect()
}

/// (path, line, column of the first match) as ripgrep reports them.
fn rg(root: &Path, args: &[&str]) -> BTreeSet<(String, u64, u64)> {
    rg_output(root, &["--column"], args)
        .into_iter()
        .map(|(path, rest)| {
            let mut parts = rest.splitn(3, ':');
            let l: u64 = parts.next().unwrap().parse().unwrap();
            let c: u64 = parts.next().unwrap().parse().unwrap();
            (path, l, c)
        })
        .collect()
}

fn vitrine_lines(index: &Index, query: &str) -> BTreeSet<(String, u64, u64)> {
    let q = Query::new(query).unwrap_or_else(|e| panic!("{query}: {e}"));
    let mut set = BTreeSet::new();
    let summary = index
        .search(&q, &SearchOptions::default(), &AtomicBool::new(false), &mut |h| {
            assert_eq!(h.line_count as usize, h.lines.len());
            for l in &h.lines {
                let col = l.ranges.first().map_or(0, |r| r.0 as u64 + 1);
                assert!(
                    set.insert((h.path.clone(), l.line, col)),
                    "line reported twice: {}:{}",
                    h.path,
                    l.line
                );
            }
            true
        })
        .unwrap();
    assert_eq!(summary.lines as usize, set.len());
    assert!(summary.complete);
    set
}

/// Every query paired with the ripgrep arguments that mean the same thing.
const EQUIVALENTS: &[(&str, &[&str])] = &[
    ("foo", &["-i", "-w", "-e", "foo"]),
    ("case:yes foo", &["-s", "-w", "-e", "foo"]),
    ("case:yes Foo", &["-s", "-w", "-e", "Foo"]),
    ("kmalloc", &["-i", "-w", "-e", "kmalloc"]),
    ("case:yes kmalloc", &["-s", "-w", "-e", "kmalloc"]),
    ("café", &["-i", "-w", "-e", "café"]),
    ("foo(", &["-i", "-w", "-F", "-e", "foo("]),
    ("foo.bar", &["-i", "-w", "-F", "-e", "foo.bar"]),
    ("$foo", &["-i", "-w", "-F", "-e", "$foo"]),
    ("kmalloc*", &["-i", "-e", r"\bkmalloc"]),
    ("sub:oo_b", &["-i", "-F", "-e", "oo_b"]),
    ("sub:日本", &["-i", "-F", "-e", "日本"]),
    ("\"struct file_operations\"", &["-i", "-w", "-e", r"struct\s+file_operations"]),
    ("case:yes \"struct file_operations\"", &["-s", "-w", "-e", r"struct\s+file_operations"]),
    (r"/spin_lock_irq(save|restore)\(/", &["-i", "-e", r"spin_lock_irq(save|restore)\("]),
    (r"case:yes /0x[0-9a-f]+/", &["-s", "-e", r"0x[0-9a-f]+"]),
    (r"/0x[0-9a-f]{2}/", &["-i", "-e", r"0x[0-9a-f]{2}"]),
    (r"/^foo/", &["-i", "-e", r"^foo"]),
    (r"/foo$/", &["-i", "-e", r"foo$"]),
    (r"/^$/", &["-i", "-e", r"^$"]),
    (r"/foo\s*$/", &["-i", "-e", r"foo\s*$"]),
    (r"/f[^x]*o/", &["-i", "-e", r"f[^x]*o"]),
    (r"/\bfoo\b/", &["-i", "-e", r"\bfoo\b"]),
    (r"/\w+é/", &["-i", "-e", r"\w+é"]),
    (r"case:yes /[A-Z]{3}/", &["-s", "-e", r"[A-Z]{3}"]),
    (r"/x/", &["-i", "-e", "x"]),
    (r"/a{1000}/", &["-i", "-e", "a{1000}"]),
];

#[test]
fn matching_lines_equal_ripgreps() {
    let tree = fixture();
    let (_d, data) = data_dir();
    let snap = open_snapshot(tree.path());
    let (index, _) = index_of(&snap, &data);
    for (query, rg_args) in EQUIVALENTS {
        let want = rg(tree.path(), rg_args);
        let got = vitrine_lines(&index, query);
        assert!(!want.is_empty(), "{query}: the fixture has no match at all");
        assert_eq!(got, want, "query {query} vs rg {rg_args:?}");
    }
}

/// Matches that span lines: CRLF line ends, a match running to the end of a file with and without a
/// final newline, blank lines, several matches starting on one line, overlapping line ranges.
fn multiline_fixture() -> TempTree {
    let t = TempTree::new();
    t.file("a.c", "static int\n  foo(void)\n{\n}\nstatic int foo(int x);\nstatic\tint\n\tfoo(\n")
        .file("crlf.c", "static int\r\nfoo(1)\r\nstatic int\r\n\r\nfoo(2)\r\nSTATIC INT\r\nFOO(3)")
        .file("end.c", "x\nstatic int\nfoo(")
        .file("end_newline.h", "int\n\n")
        .file("same_line.c", "ab ab\nab\nb\n\na\n")
        .file("blank.txt", "\n\n\n")
        .file("utf8.c", "é static int\n日本 foo( é\n")
        .file("kmalloc.c", "p = kmalloc(\n\tsize,\n\tGFP_KERNEL);\nq = kmalloc(n, GFP_ATOMIC);\n");
    t
}

/// (path, first line, 1-based column, last line) of a multi-line match.
type Span = (String, u64, u64, u64);

/// Each match ripgrep finds with `-U`, from `--json`.
fn rg_matches(root: &Path, args: &[&str]) -> BTreeSet<Span> {
    let out = Command::new("rg")
        .args(["--no-ignore", "--hidden", "--no-config", "-U", "--json"])
        .args(args)
        .arg(".")
        .current_dir(root)
        .output()
        .expect("rg runs");
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "rg {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut set = BTreeSet::new();
    for line in String::from_utf8(out.stdout).expect("rg --json is UTF-8").lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("rg --json line");
        if v["type"] != "match" {
            continue;
        }
        let d = &v["data"];
        let path = d["path"]["text"].as_str().expect("UTF-8 path").trim_start_matches("./").to_owned();
        let text = d["lines"]["text"].as_str().expect("the fixture is UTF-8").as_bytes();
        let first = d["line_number"].as_u64().expect("-n");
        for sm in d["submatches"].as_array().expect("submatches") {
            let (s, e) = (sm["start"].as_u64().unwrap() as usize, sm["end"].as_u64().unwrap() as usize);
            let newlines = |b: &[u8]| b.iter().filter(|&&c| c == b'\n').count() as u64;
            let line = first + newlines(&text[..s]);
            let col = s - text[..s].iter().rposition(|&c| c == b'\n').map_or(0, |i| i + 1) + 1;
            let last = if e > s && text[e - 1] == b'\n' { e - 1 } else { e };
            set.insert((path.clone(), line, col as u64, first + newlines(&text[..last])));
        }
    }
    set
}

/// Our hits as (path, line, first column, end line), and the lines they cover.
fn vitrine_multiline(index: &Index, query: &str) -> (BTreeSet<Span>, BTreeSet<(String, u64)>) {
    let q = Query::new(query).unwrap_or_else(|e| panic!("{query}: {e}"));
    let (mut hits, mut covered) = (BTreeSet::new(), BTreeSet::new());
    let summary = index
        .search(&q, &SearchOptions::default(), &AtomicBool::new(false), &mut |h| {
            for l in &h.lines {
                assert!(l.end_line >= l.line);
                let col = l.ranges.first().map_or(0, |r| r.0 as u64 + 1);
                assert!(
                    hits.insert((h.path.clone(), l.line, col, l.end_line)),
                    "{}:{} twice",
                    h.path,
                    l.line
                );
                covered.extend((l.line..=l.end_line).map(|n| (h.path.clone(), n)));
            }
            true
        })
        .unwrap();
    assert_eq!(summary.lines as usize, hits.len());
    (hits, covered)
}

/// The lines `rg -U -n` prints (every line of every match).
fn rg_covered(root: &Path, args: &[&str]) -> BTreeSet<(String, u64)> {
    rg_output(root, &["-U"], args)
        .into_iter()
        .map(|(path, rest)| (path, rest.split(':').next().unwrap().parse().unwrap()))
        .collect()
}

const MULTILINE_EQUIVALENTS: &[(&str, &[&str])] = &[
    (r"ml:yes /static\s+int\s*\n\s*foo\(/", &["-i", "-e", r"static\s+int\s*\n\s*foo\("]),
    (r"multiline:yes case:yes /static\s+int\s*\n\s*foo\(/", &["-s", "-e", r"static\s+int\s*\n\s*foo\("]),
    (r"ml:yes /int\s*\z/", &["-i", "-e", r"int\s*\z"]),
    (r"ml:yes /foo\(\z/", &["-i", "-e", r"foo\(\z"]),
    (r"ml:yes /b\s*a/", &["-i", "-e", r"b\s*a"]),
    (r"ml:yes /b\s/", &["-i", "-e", r"b\s"]),
    (r"ml:yes /\n\n/", &["-i", "-e", r"\n\n"]),
    (r"ml:yes /^$/", &["-i", "-e", r"^$"]),
    (r"ml:yes /ab/", &["-i", "-e", "ab"]),
    (r"ml:yes /(?s)kmalloc\(.*?;/", &["-i", "-e", r"(?s)kmalloc\(.*?;"]),
    (r"ml:yes /kmalloc\([^;]*\n[^;]*;/", &["-i", "-e", r"kmalloc\([^;]*\n[^;]*;"]),
    (r"ml:yes /foo\s+foo/", &["-i", "-e", r"foo\s+foo"]),
    (r"ml:yes /kmalloc\(\r?\n/", &["-i", "-e", r"kmalloc\(\r?\n"]),
    (r"ml:yes /[;{}]\s*\n\s*\}/", &["-i", "-e", r"[;{}]\s*\n\s*\}"]),
];

#[test]
fn multiline_matches_equal_ripgreps() {
    let (_d, data) = data_dir();
    // Per match (first line, column, last line) on UTF-8 fixtures, where rg --json gives the text.
    let tree = multiline_fixture();
    let (index, _) = index_of(&open_snapshot(tree.path()), &data);
    let mut any = 0;
    for (query, rg_args) in MULTILINE_EQUIVALENTS {
        let want = rg_matches(tree.path(), rg_args);
        let (got, covered) = vitrine_multiline(&index, query);
        // Our hits are lines where matches start: the first match's column, the furthest end line.
        let mut per_line: std::collections::BTreeMap<(String, u64), (u64, u64)> = Default::default();
        for (p, l, c, e) in want {
            let slot = per_line.entry((p, l)).or_insert((c, e));
            *slot = (slot.0.min(c), slot.1.max(e));
        }
        let want: BTreeSet<_> = per_line.into_iter().map(|((p, l), (c, e))| (p, l, c, e)).collect();
        any += want.len();
        assert_eq!(got, want, "query {query} vs rg -U {rg_args:?}");
        assert_eq!(covered, rg_covered(tree.path(), rg_args), "lines of {query}");
    }
    assert!(any > 20, "the fixture exercises the queries");
    // On the general fixture (CRLF, UTF-16, BOM, legacy bytes, no final newline): the lines printed.
    let tree = fixture();
    let (index, _) = index_of(&open_snapshot(tree.path()), &data);
    for (query, rg_args) in MULTILINE_EQUIVALENTS {
        let (_, covered) = vitrine_multiline(&index, query);
        assert_eq!(covered, rg_covered(tree.path(), rg_args), "lines of {query}");
    }
}

#[test]
fn boolean_queries_combine_files_and_lines() {
    let t = TempTree::new();
    t.file("a.c", "alpha\nbeta\n")
        .file("b.c", "alpha only\n")
        .file("test/c.c", "alpha\nbeta\n")
        .file("d.h", "beta\n");
    let (_d, data) = data_dir();
    let (index, _) = index_of(&open_snapshot(t.path()), &data);
    let files = |q: &str| -> Vec<(String, u64)> {
        let q = Query::new(q).unwrap();
        let mut v = Vec::new();
        index
            .search(&q, &SearchOptions::default(), &AtomicBool::new(false), &mut |h| {
                v.push((h.path.clone(), h.line_count));
                true
            })
            .unwrap();
        v.sort();
        v
    };
    let s = |v: &[(&str, u64)]| v.iter().map(|(p, n)| (p.to_string(), *n)).collect::<Vec<_>>();
    assert_eq!(files("alpha beta"), s(&[("a.c", 2), ("test/c.c", 2)]));
    assert_eq!(files("alpha -beta"), s(&[("b.c", 1)]));
    assert_eq!(files("alpha beta -path:test"), s(&[("a.c", 2)]));
    assert_eq!(files("(alpha or beta) lang:c -path:test/"), s(&[("a.c", 2), ("b.c", 1), ("d.h", 1)]));
    assert_eq!(files("(alpha or beta) -lang:c"), s(&[]));
    assert_eq!(files("beta path:*.h"), s(&[("d.h", 1)]));
    assert_eq!(files("zeta or beta"), s(&[("a.c", 1), ("d.h", 1), ("test/c.c", 1)]));
}

#[test]
fn query_parse_table() {
    // (query, Ok(debug form of the tree) or Err(byte position of the offending character))
    let cases: &[(&str, Result<&str, usize>)] = &[
        ("foo", Ok(r#"Term(Term { kind: Word, text: "foo", at: 0 })"#)),
        ("kmalloc*", Ok(r#"Term(Term { kind: Prefix, text: "kmalloc", at: 0 })"#)),
        ("sub:alloc", Ok(r#"Term(Term { kind: Sub, text: "alloc", at: 4 })"#)),
        ("std::vector", Ok(r#"Term(Term { kind: Word, text: "std::vector", at: 0 })"#)),
        ("\"a b\"", Ok(r#"Term(Term { kind: Phrase, text: "a b", at: 1 })"#)),
        (r"/a\/b/", Ok(r#"Term(Term { kind: Regex, text: "a/b", at: 1 })"#)),
        ("-path:x", Ok(r#"Not(Path("x"))"#)),
        ("lang:C++", Ok(r#"Lang("cpp")"#)),
        ("path:\"a b\"", Ok(r#"Path("a b")"#)),
        ("sym:main", Ok(r#"Sym("main")"#)),
        (
            "a or b c",
            Ok(
                r#"Or([Term(Term { kind: Word, text: "a", at: 0 }), And([Term(Term { kind: Word, text: "b", at: 5 }), Term(Term { kind: Word, text: "c", at: 7 })])])"#,
            ),
        ),
        ("(a)", Ok(r#"Term(Term { kind: Word, text: "a", at: 1 })"#)),
        ("f()", Ok(r#"Term(Term { kind: Word, text: "f()", at: 0 })"#)),
        ("", Err(0)),
        ("   ", Err(0)),
        ("case:yes", Err(0)),
        ("\"abc", Err(0)),
        ("x \"\"", Err(2)),
        ("foo /ab", Err(4)),
        ("//", Err(0)),
        ("/a(b/", Err(2)),
        ("x /[z-a]/", Err(4)),
        (r"/a\nb/", Err(1)),
        (r"ml:yes /a\nb/", Ok(r#"Term(Term { kind: Regex, text: "a\\nb", at: 8 })"#)),
        (r"/a\s+b/ multiline:yes", Ok(r#"Term(Term { kind: Regex, text: "a\\s+b", at: 1 })"#)),
        ("ml:yes foo", Err(3)),
        ("ml:yes \"a b\"", Err(3)),
        ("ml:maybe /a/", Err(3)),
        ("ml:yes multiline:no /a/", Err(17)),
        ("-ml:yes /a/", Err(1)),
        (r"ml:no /a\nb/", Err(7)),
        ("(foo", Err(0)),
        ("foo )", Err(4)),
        ("(a b))", Err(5)),
        ("()", Err(0)),
        ("or foo", Err(0)),
        ("foo or", Err(6)),
        ("foo or or bar", Err(7)),
        ("- foo", Err(0)),
        ("foo -", Err(4)),
        ("path:", Err(5)),
        ("x lang:klingon", Err(7)),
        ("case:maybe x", Err(5)),
        ("case:yes case:no x", Err(14)),
        ("-case:yes x", Err(1)),
    ];
    for (query, want) in cases {
        let got = vitrine_search::parse(query).and_then(|p| Query::new(query).map(|_| p));
        match (got, want) {
            (Ok(p), Ok(tree)) => assert_eq!(format!("{:?}", p.root), *tree, "{query:?}"),
            (Err(SearchError::Query { position, .. }), Err(at)) => assert_eq!(position, *at, "{query:?}"),
            (got, want) => panic!("{query:?}: got {got:?}, want {want:?}"),
        }
    }
    // The message shows the query with a caret under the offending character.
    let e = Query::new("foo (bar").unwrap_err().to_string();
    assert!(e.contains("column 5") && e.contains("foo (bar\n      ^"), "{e}");
}

#[test]
fn reopening_reuses_and_each_snapshot_has_its_own_index() {
    let a = TempTree::new();
    a.file("x.c", "alpha\n");
    let b = TempTree::new();
    b.file("x.c", "beta\n");
    let (_d, data) = data_dir();
    let sa = open_snapshot(a.path());
    let (ia, opened) = index_of(&sa, &data);
    assert_eq!(opened, Opened::Built);
    let stamp = std::fs::metadata(ia.dir().join("trigrams.bin")).unwrap().modified().unwrap();
    drop(ia);
    let (ia, opened) = index_of(&sa, &data);
    assert_eq!(opened, Opened::Reused);
    assert_eq!(std::fs::metadata(ia.dir().join("trigrams.bin")).unwrap().modified().unwrap(), stamp);

    let (ib, opened) = index_of(&open_snapshot(b.path()), &data);
    assert_eq!(opened, Opened::Built);
    assert_ne!(ia.dir(), ib.dir());
    assert_eq!(vitrine_lines(&ia, "beta").len(), 0);
    assert_eq!(vitrine_lines(&ib, "beta").len(), 1);
    // An index opened for the wrong snapshot is refused, not trusted.
    assert!(matches!(Index::open(ib.dir(), sa.clone()), Err(SearchError::Mismatch { .. })));
}

/// A named way to damage an index directory.
type Damage = (&'static str, fn(&Path));

#[test]
fn corrupt_index_is_detected_and_rebuilt() {
    let t = TempTree::new();
    t.file("x.c", "alpha beta\n");
    let (_d, data) = data_dir();
    let snap = open_snapshot(t.path());
    let (index, _) = index_of(&snap, &data);
    let dir = index.dir().to_path_buf();
    drop(index);
    let damage: [Damage; 4] = [
        ("truncated postings", |p| {
            let f = std::fs::OpenOptions::new().write(true).open(p.join("trigrams.bin")).unwrap();
            let len = f.metadata().unwrap().len();
            f.set_len(len - 3).unwrap();
        }),
        ("garbage meta", |p| std::fs::write(p.join("meta.json"), "{not json").unwrap()),
        ("bad magic", |p| {
            let mut b = std::fs::read(p.join("files.bin")).unwrap();
            b[0] ^= 0xff;
            std::fs::write(p.join("files.bin"), b).unwrap();
        }),
        ("missing file", |p| std::fs::remove_file(p.join("trigrams.bin")).unwrap()),
    ];
    for (what, harm) in damage {
        harm(&dir);
        let (index, opened) = index_of(&snap, &data);
        assert!(matches!(opened, Opened::Rebuilt { .. }), "{what}: {opened:?}");
        assert_eq!(vitrine_lines(&index, "beta").len(), 1, "{what}");
    }
    // Through the CLI, the rebuild is said on stderr.
    std::fs::write(dir.join("meta.json"), "{}").unwrap();
    let (code, out, err) = vitrine_os(&[
        "--data".as_ref(),
        arg(&data),
        "search".as_ref(),
        arg(t.path()),
        "alpha".as_ref(),
        "--count".as_ref(),
        "--json".as_ref(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), r#"{"lines":1,"files":1}"#);
    assert!(err.contains("rebuilt"), "{err}");
}

/// Issue 11, class 9: 20,000 nested `(`, 60,000 leading `-` and 8,000 `or` alternatives are usage
/// errors (exit 2, naming the column), not a stack overflow or a long wait.
#[test]
fn hostile_queries_are_refused_with_the_column() {
    let t = TempTree::new();
    t.file("x.c", "alpha\n");
    let (_d, data) = data_dir();
    let deep = format!("{}alpha{}", "(".repeat(20_000), ")".repeat(20_000));
    let negs = format!("{}alpha", "-".repeat(60_000));
    let wide = vec!["alpha"; 8000].join(" or ");
    let nested = format!("{}alpha{}", "(".repeat(100), ")".repeat(100));
    let cases =
        [("deep", &deep, 4097), ("negated", &negs, 4097), ("wide", &wide, 4097), ("nested", &nested, 33)];
    for (what, q, column) in cases {
        let (code, out, err) = cli(&data, &["search".as_ref(), arg(t.path()), "--".as_ref(), q.as_ref()]);
        assert_eq!(code, 2, "{what}: {err}");
        assert!(out.is_empty(), "{what}: {out}");
        let head = err.get(..err.len().min(300)).unwrap_or_default();
        assert!(err.contains(&format!("query error at column {column}:")), "{what}: {head}");
    }
}

/// Issue 13, item 5: `path:` anchored with `^` or a glob from the root with `**`; a header is both
/// `lang:c` and `lang:cpp`.
#[test]
fn path_filters_can_be_anchored_and_headers_are_c_and_cpp() {
    let t = TempTree::new();
    t.file("ssl/s3_lib.c", "needle\n");
    t.file("ssl/sub/deep.cc", "needle\n");
    t.file("include/openssl/ssl.h", "needle\n");
    let (_d, data) = data_dir();
    let files = |q: &str| {
        let (code, out, err) = cli(&data, &["search".as_ref(), arg(t.path()), q.as_ref()]);
        assert!(code <= 1, "{q}: {err}");
        let mut paths: Vec<String> = out.lines().map(|l| l.split(':').next().unwrap().to_owned()).collect();
        paths.sort();
        paths
    };
    assert_eq!(files("needle path:ssl/").len(), 3, "unanchored: anywhere");
    assert_eq!(files("needle path:^ssl/"), ["ssl/s3_lib.c", "ssl/sub/deep.cc"]);
    assert_eq!(files("needle path:ssl/**"), ["ssl/s3_lib.c", "ssl/sub/deep.cc"]);
    assert_eq!(files("needle path:ssl/*"), ["include/openssl/ssl.h", "ssl/s3_lib.c", "ssl/sub/deep.cc"]);
    assert_eq!(files("needle path:**/ssl/*.c"), ["ssl/s3_lib.c"]);
    assert_eq!(files("needle path:.h$"), ["include/openssl/ssl.h"]);
    assert_eq!(files("needle lang:c"), ["include/openssl/ssl.h", "ssl/s3_lib.c"]);
    assert_eq!(files("needle lang:cpp"), ["include/openssl/ssl.h", "ssl/sub/deep.cc"]);
    assert_eq!(files("needle lang:c -lang:cpp"), ["ssl/s3_lib.c"]);
}

/// Runs the CLI with `--data data` and `args`.
fn cli(data: &Path, args: &[&std::ffi::OsStr]) -> (u8, String, String) {
    let mut all: Vec<&std::ffi::OsStr> = vec!["--data".as_ref(), arg(data)];
    all.extend_from_slice(args);
    vitrine_os(&all)
}

/// Issue 11, class 8: a flipped bit in any size field of the index (entry count, postings length,
/// file count, filter count) is caught before it sizes anything; `search` rebuilds the index, says
/// so, and answers right.
#[test]
fn a_flipped_size_bit_never_aborts_search() {
    let t = TempTree::new();
    t.file("x.c", "alpha beta\n");
    let big: String = (0..3000).map(|i| format!("static int word_{i} = {i};\n")).collect();
    t.file("big.c", big);
    let (_d, data) = data_dir();
    let count =
        |data: &Path| cli(data, &["search".as_ref(), arg(t.path()), "beta".as_ref(), "--count".as_ref()]);
    assert_eq!(count(&data).0, 0);
    let dir =
        std::fs::read_dir(data.join("snapshots")).unwrap().next().unwrap().unwrap().path().join("index");
    // (file, byte) of each size field's bits.
    let fields = [
        ("trigrams.bin", 8),
        ("trigrams.bin", 15),
        ("trigrams.bin", 16),
        ("trigrams.bin", 23),
        ("files.bin", 8),
        ("files.bin", 12),
        ("words.bin", 8),
        ("words.bin", 14),
    ];
    for (name, at) in fields {
        for bit in [0u8, 7] {
            let mut bytes = std::fs::read(dir.join(name)).unwrap();
            bytes[at] ^= 1 << bit;
            std::fs::write(dir.join(name), bytes).unwrap();
            let (code, out, err) = count(&data);
            assert_eq!(code, 0, "{name}[{at}] bit {bit}: {err}");
            assert_eq!(out.trim(), "1 lines in 1 files", "{name}[{at}] bit {bit}");
            assert!(err.contains("rebuilt"), "{name}[{at}] bit {bit}: {err}");
        }
    }
}

/// Issue 11, class 8: paths come from the snapshot's manifest, never from the index. An index whose
/// file table is replaced by one naming `../s/a.c` (and resealed, as an attacker who knows the format
/// would) cannot make `search` read or print a file outside the snapshot.
#[test]
fn a_crafted_path_in_the_index_never_reads_outside_the_snapshot() {
    let outer = TempTree::new();
    outer.file("s/a.c", "secret_outside\n");
    outer.file("snap/a.c", "inside_only\n");
    let root = outer.path().join("snap");
    let (_d, data) = data_dir();
    let search = |q: &str| cli(&data, &["search".as_ref(), root.as_os_str(), q.as_ref()]);
    assert_eq!(search("inside_only").0, 0);
    let dir =
        std::fs::read_dir(data.join("snapshots")).unwrap().next().unwrap().unwrap().path().join("index");
    // The old layout of files.bin: magic, count, offsets, status, sizes, paths.
    let path = b"../s/a.c";
    let mut crafted = b"VTFILES2".to_vec();
    crafted.extend_from_slice(&1u64.to_le_bytes());
    crafted.extend_from_slice(&0u32.to_le_bytes());
    crafted.extend_from_slice(&(path.len() as u32).to_le_bytes());
    crafted.push(0);
    crafted.extend_from_slice(&15u64.to_le_bytes());
    crafted.extend_from_slice(path);
    std::fs::write(dir.join("files.bin"), &crafted).unwrap();
    let mut seals = vitrine_indexfile::Seals::default();
    for name in ["meta.json", "files.bin", "trigrams.bin", "words.bin"] {
        seals.insert(name, vitrine_indexfile::Seal::of(&std::fs::read(dir.join(name)).unwrap()));
    }
    seals.write(&dir).unwrap();
    for q in ["secret_outside", "/secret/", "sub:secret", "a"] {
        let (code, out, err) = search(q);
        assert!(!out.contains("secret") && !out.contains("../"), "{q}: {out}");
        assert!(code == 0 || code == 1, "{q}: {code} {err}");
    }
    let (code, out, _) = search("inside_only");
    assert_eq!((code, out.trim()), (0, "a.c:1:1:inside_only"));
}

#[test]
fn background_search_streams_in_order_and_cancels() {
    let t = TempTree::new();
    for i in 0..1500 {
        t.file(&format!("d{:02}/f{i:04}.c", i % 37), format!("int needle_{i};\nneedle here\n"));
    }
    t.file("zz/needle.c", "needle\n");
    let (_d, data) = data_dir();
    let (index, _) = index_of(&open_snapshot(t.path()), &data);
    let index = Arc::new(index);

    // Complete run: files whose name holds the word come first; Done comes last with the totals.
    let handle =
        vitrine_search::spawn_search(index.clone(), Query::new("needle").unwrap(), SearchOptions::default());
    let mut paths = Vec::new();
    let plan = handle.events().recv().unwrap();
    assert!(
        matches!(plan, SearchEvent::Plan(vitrine_search::Plan { candidates: 1501, scanned_all: false, .. })),
        "{plan:?}"
    );
    let summary = loop {
        match handle.events().recv().unwrap() {
            SearchEvent::Plan(p) => panic!("second plan {p:?}"),
            SearchEvent::Hits(h) => paths.push(h.path),
            SearchEvent::Done(r) => break r.unwrap(),
        }
    };
    assert_eq!(paths.first().map(String::as_str), Some("zz/needle.c"));
    assert_eq!(summary.files, 1501);
    assert_eq!(summary.lines, 1501);

    // Cancelled after the first result: the worker stops instead of producing every file.
    let handle = vitrine_search::spawn_search(index, Query::new("needle").unwrap(), SearchOptions::default());
    assert!(matches!(handle.events().recv().unwrap(), SearchEvent::Plan(_)));
    assert!(matches!(handle.events().recv().unwrap(), SearchEvent::Hits(_)), "first page before the total");
    handle.cancel();
    let mut received = 1;
    let mut done = None;
    for ev in handle.events().iter() {
        match ev {
            SearchEvent::Hits(_) => received += 1,
            SearchEvent::Done(r) => done = Some(r),
            SearchEvent::Plan(p) => panic!("second plan {p:?}"),
        }
    }
    assert!(received < 1501, "cancel stopped the search ({received} files)");
    if let Some(r) = done {
        assert!(matches!(r, Err(SearchError::Cancelled)), "{r:?}");
    }
}

#[test]
fn cli_search_json_count_limit_and_exit_codes() {
    let t = TempTree::new();
    t.file("a.c", "int foo;\nfoo(1); foo(2);\n").file("b/c.h", "é foo\n").file("bin.o", b"foo\0".as_slice());
    let (_d, data) = data_dir();
    let run = |args: &[&str]| vitrine_in(&data, &["search".as_ref(), arg(t.path())], args);
    let (code, out, err) = run(&["foo", "--json"]);
    assert_eq!(code, 0, "{err}");
    let rows: Vec<serde_json::Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(rows.len(), 3);
    assert_eq!(
        rows[0],
        serde_json::json!({"path": "a.c", "line": 1, "end_line": 1, "column": 5, "end_column": 8, "text": "int foo;"})
    );
    assert_eq!(
        rows[2],
        serde_json::json!({"path": "b/c.h", "line": 1, "end_line": 1, "column": 4, "end_column": 7, "text": "é foo"})
    );
    assert!(err.contains("1 files not searched"), "{err}");

    let (code, out, _) = run(&["foo", "--count", "--json"]);
    assert_eq!((code, out.trim()), (0, r#"{"lines":3,"files":2}"#));
    let (code, out, _) = run(&["foo", "--limit", "1"]);
    assert_eq!((code, out.as_str()), (0, "a.c:1:5:int foo;\n"));
    let (code, out, _) = run(&["nothing_here", "--count", "--json"]);
    assert_eq!((code, out.trim()), (1, r#"{"lines":0,"files":0}"#));
    // A multiline match is reported at its first line, with the line where it ends.
    let (code, out, err) = run(&[r"ml:yes /foo;\nfoo/", "--json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(out.trim()).unwrap(),
        serde_json::json!({"path": "a.c", "line": 1, "end_line": 2, "column": 5, "end_column": 9, "text": "int foo;"})
    );
    let (code, _, err) = run(&["foo (", "--json"]);
    assert_eq!(code, 2);
    assert!(err.contains("column 5"), "{err}");

    let (code, out, _) =
        vitrine_os(&["--data".as_ref(), arg(&data), "index".as_ref(), arg(t.path()), "--json".as_ref()]);
    assert_eq!(code, 0);
    let meta: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(meta["opened"], "reused");
    assert_eq!(meta["files_indexed"], 2);
    assert_eq!(meta["left_out"]["binary"], 1);
}

#[test]
fn sym_finds_definitions_and_defining_files_rank_first() {
    let t = TempTree::new();
    t.file("a_use.c", "int x = helper(1);\n")
        .file("b_def.c", "int y;\nint helper(int v) { return v; }\n")
        .file("c_helper.c", "void f(void) { helper(); }\n");
    let (_d, data) = data_dir();
    let run = |args: &[&str]| vitrine_in(&data, &["search".as_ref(), arg(t.path())], args);
    // Without a symbol index, the library says sym: cannot be answered rather than answering nothing.
    let (index, _) = index_of(&open_snapshot(t.path()), &data);
    let err = index.search(
        &Query::new("sym:helper").unwrap(),
        &SearchOptions::default(),
        &AtomicBool::new(false),
        &mut |_| true,
    );
    assert!(matches!(err, Err(SearchError::Query { .. })), "{err:?}");

    // The CLI builds the symbol index when the query needs it.
    let (code, out, err) = run(&["sym:helper", "--json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out.trim(),
        r#"{"path":"b_def.c","line":2,"end_line":2,"column":5,"end_column":11,"text":"int helper(int v) { return v; }"}"#
    );
    // Defining file first, then the file named after the word, then the rest.
    let (code, out, _) = run(&["helper"]);
    assert_eq!(code, 0);
    let order: Vec<&str> = out.lines().map(|l| l.split(':').next().unwrap()).collect();
    assert_eq!(order, ["b_def.c", "c_helper.c", "a_use.c"]);
    let (code, out, _) = run(&["sym:helper -path:b_def", "--count", "--json"]);
    assert_eq!((code, out.trim()), (1, r#"{"lines":0,"files":0}"#));
}

#[test]
fn sym_takes_globs_and_qualified_names_and_says_when_it_finds_nothing() {
    let t = TempTree::new();
    t.file(
        "evp.c",
        "int EVP_DigestInit(int x) { return x; }\nint EVP_DigestUpdate(int x) { return x; }\nint EVP_EncryptInit(int x) { return x; }\n",
    )
    .file(
        "db.cpp",
        "class DBImpl { int Get(int k); };\nint DBImpl::Get(int k) { return k; }\nclass Other { int Get(int k) { return k; } };\n",
    );
    let (_d, data) = data_dir();
    let run = |args: &[&str]| vitrine_in(&data, &["search".as_ref(), arg(t.path())], args);
    let lines = |out: &str| {
        out.lines().map(|l| l.splitn(3, ':').take(2).collect::<Vec<_>>().join(":")).collect::<Vec<_>>()
    };
    // A prefix glob finds every name it covers, and only those.
    let (code, out, err) = run(&["sym:EVP_Digest*"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(lines(&out), ["evp.c:1", "evp.c:2"]);
    // The match is the name found, not the pattern.
    let (_, out, _) = run(&["sym:EVP_Digest*", "--json"]);
    assert!(out.starts_with(r#"{"path":"evp.c","line":1,"end_line":1,"column":5,"end_column":19,"#), "{out}");
    // Wildcards anywhere, `?` for one character.
    let (code, out, _) = run(&["sym:*Init"]);
    assert_eq!((code, lines(&out)), (0, vec!["evp.c:1".to_string(), "evp.c:3".to_string()]));
    let (_, out, _) = run(&["sym:EVP_?ncryptInit"]);
    assert_eq!(lines(&out), ["evp.c:3"]);
    // `Class::method` narrows by scope, as `def` does.
    let (code, out, err) = run(&["sym:DBImpl::Get"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(lines(&out), ["db.cpp:2"]);
    let (_, out, _) = run(&["sym:Get"]);
    assert_eq!(lines(&out), ["db.cpp:2", "db.cpp:3"]);
    // Nothing found is said, with close names; the exit code says it too.
    let (code, out, err) = run(&["sym:EVP_DigestInt"]);
    assert_eq!((code, out.as_str()), (1, ""));
    assert!(err.contains("sym:EVP_DigestInt: no definition; close names: EVP_DigestInit"), "{err}");
    let (code, _, err) = run(&["sym:Nowhere::Get"]);
    assert_eq!(code, 1);
    assert!(err.contains("sym:Nowhere::Get: no definition"), "{err}");
}

#[test]
fn a_sym_glob_cut_by_the_name_limit_says_so() {
    let limit = vitrine_syntax::index::PATTERN_NAME_LIMIT;
    let t = TempTree::new();
    let source: String = (0..=limit).map(|i| format!("int gen_{i:05}(void) {{ return {i}; }}\n")).collect();
    t.file("many.c", source.as_str());
    let (_d, data) = data_dir();
    let run = |args: &[&str]| vitrine_in(&data, &["search".as_ref(), arg(t.path())], args);
    let (code, out, err) = run(&["sym:gen_*", "--count", "--json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), format!(r#"{{"lines":{limit},"files":1,"truncated":true}}"#));
    assert!(err.contains(&format!("sym:gen_*: results cut at {limit} names")), "{err}");
    let (_, out, _) = run(&["sym:gen_*", "--json"]);
    assert_eq!(out.lines().count(), limit);
    assert!(out.lines().all(|l| l.ends_with(r#""truncated":true}"#)), "{}", out.lines().next().unwrap_or(""));
    // A glob within the limit is not marked.
    let (_, out, err) = run(&["sym:gen_0000*", "--count", "--json"]);
    assert_eq!(out.trim(), r#"{"lines":10,"files":1}"#);
    assert!(!err.contains("cut"), "{err}");
}

#[test]
fn cancelled_build_leaves_no_index_behind() {
    let t = TempTree::new();
    t.file("a.c", "alpha\n");
    let (_d, data) = data_dir();
    let snap = open_snapshot(t.path());
    let dir = data.join("index");
    let progress = Progress::default();
    progress.cancel();
    let r = vitrine_search::open_or_build(&snap, &dir, &progress);
    assert!(matches!(r, Err(SearchError::Cancelled)), "{r:?}");
    assert!(!dir.exists());
    assert_eq!(std::fs::read_dir(&data).unwrap().count(), 0, "the temporary build directory is removed");
}

#[test]
fn a_regex_without_literals_is_reported_as_a_full_scan() {
    let t = TempTree::new();
    t.file("a.c", "alpha\n").file("b.c", "beta\n").file("c.o", b"\0".as_slice());
    let (_d, data) = data_dir();
    let (index, _) = index_of(&open_snapshot(t.path()), &data);
    let plan = |q: &str| {
        let mut got = None;
        let s = index
            .search_planned(
                &Query::new(q).unwrap(),
                &SearchOptions::default(),
                &AtomicBool::new(false),
                &mut |p| got = Some(p),
                &mut |_| true,
            )
            .unwrap();
        (got.unwrap(), s.lines, s.files_not_searched)
    };
    let (p, lines, not_searched) = plan(r"/\w+/");
    assert_eq!((p.scanned_all, p.candidates, lines, not_searched), (true, 2, 2, 1));
    let (p, lines, _) = plan("alpha");
    assert_eq!((p.scanned_all, p.candidates, lines), (false, 1, 1));
}

//! What a reviewer is told must not depend on the command used (snap round 10, F5): the same tree as a
//! directory, a `.tar`, a `.tar.gz` and a `.zip` gets the same findings through every way a snapshot is
//! opened: content kept in a blob store (`index`, `export`, the window) or only digested (`health`),
//! from the ingest cache or read afresh, and from the store after an import. The tree holds one file for
//! every check that reads content after the per-file scan (`.gitattributes`, `$Format:` placeholders,
//! build files, a `.pyc` header, a file loaded as code, the root `.git`), so a future check that reads content only when
//! it is kept fails here.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use vitrine_snapshot::progress::Progress;
use vitrine_snapshot::{IngestConfig, Snapshot};

use crate::support::{TempTree, arg, data_dir, vitrine_in};

/// (path, line, column, kind, detail) of every finding, and the counts.
type Seen = (BTreeSet<(String, Option<u64>, Option<u64>, String, String)>, Vec<(String, u64)>);

fn seen(s: &Snapshot) -> Seen {
    let f = s
        .health()
        .findings
        .iter()
        .map(|f| (f.path.clone(), f.line, f.column, f.kind.as_str().to_owned(), f.detail.clone()))
        .collect();
    (f, s.health().counts.iter().map(|(k, n)| (k.clone(), *n)).collect())
}

const FILES: &[(&str, &[u8])] = &[
    (
        ".gitattributes",
        b"[attr]m1 m2\n[attr]m2 m3\n[attr]m3 m4\n[attr]m4 m5\n[attr]m5 m6\n[attr]m6 m7\n[attr]m7 m8\n[attr]m8 m9\n[attr]m9 m10\n[attr]m10 m11\n[attr]m11 m12\n[attr]m12 m13\n[attr]m13 m14\n[attr]m14 m15\n[attr]m15 m16\n[attr]m16 m17\n[attr]m17 m18\n[attr]m18 export-ignore\nsrc/require_signature.h m1\nsrc/version.c export-subst\n*.txt text eol=crlf\n",
    ),
    (
        "src/require_signature.h",
        b"#define REQUIRE_SIGNED_UPDATES 1\n",
    ),
    ("src/version.c", b"const char *v = \"$Format:%H$\";\n"),
    ("src/auth.c", b"int check(const char *p) { return p && !strcmp(p, \"s3cret\"); }\n"),
    ("notes.txt", b"release notes\n"),
    ("Makefile", b"auth: src/auth.c\n\tcc -o auth src/auth.c\n"),
    (
        "GNUmakefile",
        b"auth: src/auth.c\n\tsed -i \"s/&& !strcmp/|| !strcmp/\" src/auth.c\n\tcc -o auth src/auth.c\n",
    ),
    ("tools/build.sh", b"#!/bin/sh\nperl -pi -e 's/return p/return 1/' src/auth.c\n"),
    ("pkg/mod.py", b"X = 1\n"),
    (
        "pkg/__pycache__/mod.cpython-311.pyc",
        b"\xa7\r\r\n\0\0\0\0\x01\x02\x03\x04\x05\0\0\0\xe3\0\0\0\0\0\0\0",
    ),
    ("app/main.c", b"#include \"table.dat\"\nint main(void) { return 0; }\n"),
    ("app/table.dat", b"// generated table\rint backdoor = 1;\n"),
    // An in-tree PEP 517 backend (read from `pyproject.toml`) that writes over a source.
    (
        "pyproject.toml",
        b"[build-system]\nrequires = []\nbuild-backend = \"backend\"\nbackend-path = [\"_build\"]\n",
    ),
    (
        "_build/backend.py",
        b"import os\n\ndef _stamp():\n    src = os.path.join(\"pkg\", \"mod.py\")\n    text = open(src).read()\n    with open(src, \"w\") as f:\n        f.write(text)\n\ndef build_wheel(d, c=None, m=None):\n    _stamp()\n",
    ),
    // A checkout whose HEAD names a branch without commits: `git-metadata` (read from `.git`).
    (".git/HEAD", b"ref: refs/heads/main\n"),
    (".git/config", b"[core]\n\trepositoryformatversion = 0\n"),
];

fn tree() -> TempTree {
    let t = TempTree::new();
    for (p, b) in FILES {
        t.file_bytes(p.as_bytes(), b);
    }
    t
}

/// The tree as a `.tar`, a `.tar.gz` and a `.zip` (members in the order of `FILES`, `.gitattributes`
/// first, and once more with it last: a reader keeping members in its one pass must not depend on it).
fn archives(at: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for (suffix, last) in [("first", false), ("last", true)] {
        let mut files: Vec<(&str, &[u8])> = FILES.to_vec();
        if last {
            files.rotate_left(1);
        }
        let tar_bytes = {
            let mut b = tar::Builder::new(Vec::new());
            b.mode(tar::HeaderMode::Deterministic);
            for (p, bytes) in &files {
                let mut h = tar::Header::new_gnu();
                h.set_size(bytes.len() as u64);
                h.set_mode(0o644);
                h.set_mtime(0);
                b.append_data(&mut h, p, *bytes).unwrap();
            }
            b.into_inner().unwrap()
        };
        let tar = at.join(format!("{suffix}.tar"));
        std::fs::write(&tar, &tar_bytes).unwrap();
        let tgz = at.join(format!("{suffix}.tar.gz"));
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&tar_bytes).unwrap();
        std::fs::write(&tgz, gz.finish().unwrap()).unwrap();
        let zip = at.join(format!("{suffix}.zip"));
        let mut z = zip::ZipWriter::new(std::fs::File::create(&zip).unwrap());
        let opts = zip::write::SimpleFileOptions::default().unix_permissions(0o644);
        for (p, bytes) in &files {
            z.start_file(*p, opts).unwrap();
            z.write_all(bytes).unwrap();
        }
        z.finish().unwrap();
        out.extend([tar, tgz, zip]);
    }
    out
}

/// Every way the library opens a snapshot gives the directory's findings: digested (no blob store),
/// kept in a blob store, each again from the ingest cache, and the stored snapshot after an import.
#[test]
fn every_storage_mode_of_every_archive_format_reports_the_directorys_findings() {
    let t = tree();
    let p = Progress::default();
    let want = seen(&Snapshot::open(t.path(), &IngestConfig::default(), &p).unwrap());
    // Each check this test exists for is in the directory's findings.
    for kind in [
        "attribute-rewrite",
        "attribute-conversion",
        "build-shadow",
        "build-rewrite",
        "included-as-code",
        "git-metadata",
    ] {
        assert!(want.0.iter().any(|f| f.3 == kind), "{kind} missing from {:#?}", want.0);
    }
    // The 18-deep macro chain reaches `export-ignore` (git has no depth limit).
    assert!(
        want.0.iter().any(|f| f.3 == "attribute-rewrite" && f.4.contains("src/require_signature.h")),
        "{:#?}",
        want.0
    );
    // The in-tree backend is build code (`build-rewrite` on it).
    assert!(want.0.iter().any(|f| f.0 == "_build/backend.py" && f.3 == "build-rewrite"), "{:#?}", want.0);
    // The pyc's header was read.
    assert!(want.0.iter().any(|f| f.0.ends_with(".pyc") && !f.4.contains("not read")), "{:#?}", want.0);
    let d = tempfile::tempdir().unwrap();
    for a in archives(d.path()) {
        let cache = tempfile::tempdir().unwrap();
        let blobs = tempfile::tempdir().unwrap();
        let digested =
            IngestConfig { cache_dir: Some(cache.path().to_path_buf()), ..IngestConfig::default() };
        let kept = IngestConfig { blob_dir: Some(blobs.path().to_path_buf()), ..digested.clone() };
        for (mode, config) in [
            ("digested", &digested),
            ("digested, cached", &digested),
            ("kept", &kept),
            ("kept, cached", &kept),
        ] {
            let s = Snapshot::open(&a, config, &p).unwrap();
            assert_eq!(seen(&s), want, "{} ({mode})", a.display());
        }
        let data = vitrine_snapshot::store::DataDir::at(cache.path().join("data"));
        let s = Snapshot::open(&a, &kept, &p).unwrap();
        s.import(&data, &kept, &p).unwrap();
        let stored =
            Snapshot::open_stored(&data, &format!("sha256:{}", s.content_key().to_hex()), &kept).unwrap();
        assert_eq!(seen(&stored), want, "{} (stored)", a.display());
    }
}

/// The CLI agrees too: `health` (content not kept) before and after `index` (which keeps it, as
/// `open` and `export` do: the library test above covers those opens), on the directory and each
/// archive.
#[test]
fn health_index_and_export_report_the_same_findings_for_a_directory_and_its_archives() {
    let t = tree();
    let d = tempfile::tempdir().unwrap();
    let health = |data: &Path, snap: &Path| -> String {
        let (code, out, err) =
            vitrine_in(data, &[arg(Path::new("-q"))], &["health", "--json", snap.to_str().unwrap()]);
        assert!(code == 0 || code == 1, "{err}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
        serde_json::to_string(&v["findings"]).unwrap()
    };
    let (_k, data) = data_dir();
    let want = health(&data, t.path());
    for kind in ["attribute-rewrite", "attribute-conversion", "build-shadow", "build-rewrite", "git-metadata"]
    {
        assert!(want.contains(kind), "{kind}: {want}");
    }
    for a in archives(d.path()) {
        let (_k, data) = data_dir();
        assert_eq!(health(&data, &a), want, "health {}", a.display());
        let (code, _, err) = vitrine_in(&data, &[arg(Path::new("-q"))], &["index", a.to_str().unwrap()]);
        assert_eq!(code, 0, "{err}");
        assert_eq!(health(&data, &a), want, "health after index {}", a.display());
    }
}

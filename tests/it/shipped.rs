//! What gets shipped or built is not always the reviewed text: `.gitattributes` lines that make
//! `git archive`, a checkout or `git diff` change bytes (round 22, obf f9), and build files that shadow
//! others or rewrite sources at build time (obf f11) are health findings naming the files they touch.

use std::path::Path;

use vitrine_snapshot::progress::Progress;
use vitrine_snapshot::{Finding, IngestConfig, Snapshot};

use crate::support::TempTree;

fn findings(p: &Path, kind: &str) -> Vec<Finding> {
    let snap = Snapshot::open(p, &IngestConfig::default(), &Progress::default()).expect("snapshot opens");
    let found: Vec<Finding> =
        snap.health().findings.iter().filter(|f| f.kind.as_str() == kind).cloned().collect();
    assert_eq!(snap.health().counts.get(kind).copied().unwrap_or(0), found.len() as u64, "{kind}");
    found
}

fn at<'a>(found: &'a [Finding], path: &str, line: u64) -> &'a Finding {
    found
        .iter()
        .find(|f| f.path == path && f.line == Some(line))
        .unwrap_or_else(|| panic!("no finding at {path}:{line} in {found:#?}"))
}

/// obf f9: `export-subst` replaces `$Format:%b$` with the commit body in `git archive` (closing the
/// comment and adding code), `export-ignore` drops a header so `__has_include` flips: each line is a
/// deceptive finding naming the pattern, the attribute and the files it matches (git's pattern rules:
/// `*` stays within a name), and the `$Format:` placeholder itself is one where it is.
#[test]
fn export_subst_and_export_ignore_are_findings_naming_their_files() {
    let t = TempTree::new();
    t.file(".gitattributes", "src/*.c export-subst\ninclude/hardening.h export-ignore\n")
        .file(
            "src/auth.c",
            "int grant_root(int);\nint su(int uid) {\n    /* release: $Format:%b$ */ if (uid != 0) return -1;\n}\n",
        )
        .file("src/other.c", "int other;\n")
        .file("src/sub/deep.c", "int deep; /* $Format:%H$ */\n")
        .file("lib/x.c", "int x;\n")
        .file("include/hardening.h", "#define HARDENED 1\n");
    let found = findings(t.path(), "attribute-rewrite");
    let subst = at(&found, ".gitattributes", 1);
    assert!(subst.detail.contains("`src/*.c export-subst`"), "{}", subst.detail);
    assert!(subst.detail.contains("src/auth.c") && subst.detail.contains("src/other.c"), "{}", subst.detail);
    assert!(!subst.detail.contains("deep.c") && !subst.detail.contains("lib/x.c"), "{}", subst.detail);
    let ignore = at(&found, ".gitattributes", 2);
    assert!(ignore.detail.contains("export-ignore") && ignore.detail.contains("include/hardening.h"));
    let format = at(&found, "src/auth.c", 3);
    assert_eq!(format.column, Some(17), "{format:?}");
    assert!(format.detail.contains("$Format:%b$"), "{}", format.detail);
    // Not matched by `src/*.c`: its placeholder stays as written in the archive.
    assert!(!found.iter().any(|f| f.path == "src/sub/deep.c"), "{found:#?}");
    assert_eq!(found.len(), 3, "{found:#?}");
    assert!(
        vitrine_snapshot::FindingKind::ALL
            .iter()
            .any(|k| k.as_str() == "attribute-rewrite" && k.is_deceptive())
    );
}

/// The rules git applies: deeper files and later lines win, macros (`[attr]`, built-in `binary`) expand,
/// a directory's `export-ignore` drops everything under it, `**` crosses directories, a quoted pattern
/// is unquoted, a pattern with a slash is anchored at its file's directory; conversions and drivers are
/// informational.
#[test]
fn attribute_lines_follow_gits_precedence_macros_and_directory_rules() {
    let t = TempTree::new();
    t.file(
        ".gitattributes",
        "# release settings\n[attr]ship export-subst\n*.c export-subst\n*.tmpl ship\nvendor export-ignore\n\
         docs/ export-ignore\n**/secret.h export-ignore\n\"my file.c\" filter=crypt\n*.sh text eol=crlf\n\
         *.png binary\n*.h ident\n",
    )
    .file("a.c", "int a;\n")
    .file("sub/.gitattributes", "keep.c -export-subst\n/only-here.h export-ignore\n")
    .file("sub/keep.c", "int keep;\n")
    .file("sub/other.c", "int other;\n")
    .file("sub/only-here.h", "int h;\n")
    .file("sub/deeper/only-here.h", "int h;\n")
    .file("page.tmpl", "$Format:%H$\n")
    .file("vendor/zlib/inflate.c", "int inflate;\n")
    .file("docs/readme.txt", "hi\n")
    .file("docs.txt", "not a directory\n")
    .file("x/y/secret.h", "#define K 1\n")
    .file("secret.h", "#define K 2\n")
    .file("my file.c", "int m;\n")
    .file("run.sh", "echo hi\n")
    .file("logo.png", "png\n");
    let rewrite = findings(t.path(), "attribute-rewrite");
    let c = at(&rewrite, ".gitattributes", 3);
    assert!(c.detail.contains("a.c") && c.detail.contains("sub/other.c"), "{}", c.detail);
    // `sub/.gitattributes` unsets it for keep.c; `vendor export-ignore` drops inflate.c from the archive,
    // so neither is named as rewritten.
    assert!(!c.detail.contains("keep.c") && !c.detail.contains("inflate.c"), "{}", c.detail);
    let tmpl = at(&rewrite, ".gitattributes", 4);
    assert!(tmpl.detail.contains("page.tmpl") && tmpl.detail.contains("export-subst"), "{}", tmpl.detail);
    assert!(at(&rewrite, "page.tmpl", 1).detail.contains("$Format:%H$"));
    assert!(at(&rewrite, ".gitattributes", 5).detail.contains("vendor/zlib/inflate.c"));
    let docs = at(&rewrite, ".gitattributes", 6);
    assert!(docs.detail.contains("docs/readme.txt") && !docs.detail.contains("docs.txt"), "{}", docs.detail);
    let secret = at(&rewrite, ".gitattributes", 7);
    assert!(
        secret.detail.contains("x/y/secret.h") && secret.detail.contains("`secret.h`"),
        "{}",
        secret.detail
    );
    let filter = at(&rewrite, ".gitattributes", 8);
    assert!(
        filter.detail.contains("filter=crypt") && filter.detail.contains("my file.c"),
        "{}",
        filter.detail
    );
    let here = at(&rewrite, "sub/.gitattributes", 2);
    assert!(here.detail.contains("sub/only-here.h") && !here.detail.contains("deeper"), "{}", here.detail);
    assert!(!rewrite.iter().any(|f| f.path == "sub/.gitattributes" && f.line == Some(1)), "{rewrite:#?}");

    let convert = findings(t.path(), "attribute-conversion");
    let sh = at(&convert, ".gitattributes", 9);
    assert!(sh.detail.contains("eol=crlf") && sh.detail.contains("run.sh"), "{}", sh.detail);
    let png = at(&convert, ".gitattributes", 10);
    assert!(png.detail.contains("-diff") && png.detail.contains("logo.png"), "{}", png.detail);
    assert!(at(&convert, ".gitattributes", 11).detail.contains("ident"));
}

/// obf f11: GNU make reads `GNUmakefile` before `makefile` and `Makefile`; this one compiles a
/// `sed`-rewritten copy of the clean `auth.c`. The shadowing file is a finding naming the file it hides,
/// and the recipe line that writes a source is one, grouped per build file.
#[test]
fn a_gnumakefile_that_shadows_the_makefile_and_rewrites_a_source_is_listed() {
    let t = TempTree::new();
    t.file(
        "auth.c",
        "int grant_root(int);\nint su(int uid) { if (uid != 0) return -1; return grant_root(uid); }\n",
    )
    .file("Makefile", "CFLAGS ?= -O2 -Wall\nauth.o: auth.c\n\t$(CC) $(CFLAGS) -c auth.c -o auth.o\n")
    .file(
        "GNUmakefile",
        "# local overrides for GNU make; see Makefile\nCFLAGS ?= -O2 -Wall\n\
             P := $(shell printf 's/uid != 0/uid != 0 \\&\\& uid != 0x%x/' 4242)\nauth.o: auth.c\n\
             \t@sed '$(P)' auth.c > .auth.i.c && $(CC) $(CFLAGS) -c .auth.i.c -o auth.o && rm -f .auth.i.c\n",
    )
    .file("lib/makefile", "all:\n\ttrue\n")
    .file("lib/Makefile", "all:\n\tfalse\n");
    let shadow = findings(t.path(), "build-shadow");
    assert_eq!(shadow.len(), 2, "{shadow:#?}");
    let g = shadow.iter().find(|f| f.path == "GNUmakefile").expect("GNUmakefile");
    assert!(g.detail.contains("`Makefile`"), "{}", g.detail);
    let m = shadow.iter().find(|f| f.path == "lib/makefile").expect("lib/makefile");
    assert!(m.detail.contains("`lib/Makefile`"), "{}", m.detail);
    let rewrite = findings(t.path(), "build-rewrite");
    assert_eq!(rewrite.len(), 1, "{rewrite:#?}");
    let r = at(&rewrite, "GNUmakefile", 5);
    assert!(
        r.detail.contains(".auth.i.c") && r.detail.contains("auth.c") && r.detail.contains("line 5"),
        "{}",
        r.detail
    );
}

/// Build scripts that edit sources in place or generate them: `sed -i`, `perl -pi`, `patch`, CMake's
/// `configure_file` and `file(WRITE` of a source; one finding per file listing its lines. Writing a
/// text file that is no source, or sed to standard output, is not listed.
#[test]
fn build_scripts_that_edit_or_generate_sources_are_listed_per_file() {
    let t = TempTree::new();
    t.file("src/auth.c", "int su(int uid) { return uid == 0; }\n")
        .file("notes.txt", "notes\n")
        .file(
            "src/Makefile",
            "all: prep\nprep:\n\tsed -i 's/uid == 0/uid < 2/' auth.c\n\tsed 's/a/b/' ../notes.txt > notes.out\n\
             \tsed -i.bak -e 's/x/y/' ../notes.txt\n\tcp ../notes.txt \\\n\t  auth.c\n",
        )
        .file(
            "CMakeLists.txt",
            "project(x C)\nconfigure_file(config.h.in ${CMAKE_BINARY_DIR}/config.h)\n\
             file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/gen.c \"int gen;\")\nfile(WRITE ${CMAKE_BINARY_DIR}/notes.txt x)\n\
             add_executable(x src/auth.c ${CMAKE_CURRENT_BINARY_DIR}/gen.c)\n",
        )
        .exec("tools/fix.sh", "#!/bin/sh\nperl -pi -e 's/uid/id/' src/auth.c\npatch -p1 < tools/fix.patch\nsed -n p notes.txt\n")
        .file("tools/fix.patch", "--- a/src/auth.c\n+++ b/src/auth.c\n")
        .file("tools/clean.sh", "#!/bin/sh\nsed -i 's/x/y/' notes.txt\nsed 's/a/b/' notes.txt\n");
    let rewrite = findings(t.path(), "build-rewrite");
    let mk = at(&rewrite, "src/Makefile", 3);
    assert!(mk.detail.contains("line 3") && mk.detail.contains("src/auth.c"), "{}", mk.detail);
    assert!(
        mk.detail.contains("line 6") && !mk.detail.contains("line 4") && !mk.detail.contains("line 5"),
        "{}",
        mk.detail
    );
    let cm = at(&rewrite, "CMakeLists.txt", 2);
    assert!(cm.detail.contains("line 2") && cm.detail.contains("config.h"), "{}", cm.detail);
    assert!(
        cm.detail.contains("line 3") && cm.detail.contains("gen.c") && !cm.detail.contains("line 4"),
        "{}",
        cm.detail
    );
    let sh = at(&rewrite, "tools/fix.sh", 2);
    assert!(
        sh.detail.contains("line 2") && sh.detail.contains("line 3") && !sh.detail.contains("line 4"),
        "{}",
        sh.detail
    );
    assert!(!rewrite.iter().any(|f| f.path == "tools/clean.sh"), "{rewrite:#?}");
    assert_eq!(rewrite.len(), 3, "{rewrite:#?}");
    assert!(
        vitrine_snapshot::FindingKind::ALL.iter().any(|k| k.as_str() == "build-rewrite" && !k.is_deceptive())
    );
}

/// `.git/info/attributes` (a clone's own, outside the tree) wins over the tree's `.gitattributes`, and a
/// macro defined there reaches lines of the tree's files.
#[test]
fn the_repositorys_info_attributes_count_and_win() {
    let t = TempTree::new();
    t.file(".git/info/attributes", "[attr]rel export-subst\nkeep.c -export-subst\n")
        .file(".git/HEAD", "ref: refs/heads/main\n")
        .file(".gitattributes", "*.c rel\n")
        .file("a.c", "/* $Format:%s$ */\n")
        .file("keep.c", "/* $Format:%s$ */\n");
    let found = findings(t.path(), "attribute-rewrite");
    let line = at(&found, ".gitattributes", 1);
    assert!(line.detail.contains("`a.c`") && !line.detail.contains("keep.c"), "{}", line.detail);
    assert!(line.detail.contains("macro `rel`"), "{}", line.detail);
    at(&found, "a.c", 1);
    assert!(!found.iter().any(|f| f.path == "keep.c"), "{found:#?}");
}

/// snap round 10 F3: git expands `[attr]` macros to any depth (each attribute is decided once, so a
/// cycle ends): an 18-deep chain ending in `export-ignore` drops the header from `git archive`, and
/// a cycle of macros is read as git reads it. `git check-attr` is asked too, when git is installed.
#[test]
fn macros_are_expanded_to_any_depth_as_git_expands_them() {
    let t = TempTree::new();
    let mut attrs = String::new();
    for i in 1..18 {
        attrs.push_str(&format!("[attr]packaging{i} packaging{}\n", i + 1));
    }
    attrs.push_str("[attr]packaging18 export-ignore\n[attr]loopa loopb export-subst\n[attr]loopb loopa\n");
    attrs.push_str("src/require_signature.h packaging1\nsrc/version.c loopb\n");
    t.file(".gitattributes", &attrs)
        .file("src/require_signature.h", "#define REQUIRE_SIGNED_UPDATES 1\n")
        .file("src/version.c", "const char *v = \"$Format:%H$\";\n");
    let found = findings(t.path(), "attribute-rewrite");
    let ignore = at(&found, ".gitattributes", 21);
    assert!(
        ignore.detail.contains("export-ignore") && ignore.detail.contains("src/require_signature.h"),
        "{}",
        ignore.detail
    );
    let cycle = at(&found, ".gitattributes", 22);
    assert!(
        cycle.detail.contains("export-subst") && cycle.detail.contains("src/version.c"),
        "{}",
        cycle.detail
    );
    at(&found, "src/version.c", 1);
    if let Ok(out) = std::process::Command::new("git").arg("init").arg("-q").current_dir(t.path()).output()
        && out.status.success()
    {
        let out = std::process::Command::new("git")
            .args([
                "check-attr",
                "export-ignore",
                "export-subst",
                "--",
                "src/require_signature.h",
                "src/version.c",
            ])
            .current_dir(t.path())
            .output()
            .unwrap();
        let said = String::from_utf8_lossy(&out.stdout);
        assert!(said.contains("src/require_signature.h: export-ignore: set"), "{said}");
        assert!(said.contains("src/version.c: export-subst: set"), "{said}");
    }
}

/// snap round 10 F4: a build file of any size the text limit admits is read (a 4.4 MB Makefile, a
/// generated dependency list, was skipped silently), and one over the limit is a finding naming the
/// file and the limit.
#[test]
fn a_build_file_of_any_size_is_read_or_named_as_not_read() {
    let t = TempTree::new();
    let mut make = String::from(
        "auth: src/auth.c\n\tsed -i \"s/&& !strcmp/|| !strcmp/\" src/auth.c\n\tcc -o auth src/auth.c\n",
    );
    while make.len() < 4_400_000 {
        make.push_str("# src/auth.o: src/auth.c include/config.h include/platform/generated/dependency.h\n");
    }
    t.file("Makefile", &make).file("src/auth.c", "int check(const char *p);\n");
    let rewrite = findings(t.path(), "build-rewrite");
    let f = at(&rewrite, "Makefile", 2);
    assert!(f.detail.contains("sed -i"), "{}", f.detail);
    // Under a text limit below its size: named, with the limit.
    let mut config = IngestConfig::default();
    config.classify.max_text_bytes = 1_000_000;
    let snap = Snapshot::open(t.path(), &config, &Progress::default()).unwrap();
    let named: Vec<&Finding> = snap
        .health()
        .findings
        .iter()
        .filter(|f| f.kind.as_str() == "build-rewrite" && f.path == "Makefile")
        .collect();
    assert_eq!(named.len(), 1, "{named:#?}");
    assert!(
        named[0].detail.contains("1000000 bytes") && named[0].detail.contains("not read"),
        "{}",
        named[0].detail
    );
}

/// The bound on macro expansion is on the work for one file, not on a depth, and reaching it is a
/// finding naming the line (never a silent stop).
#[test]
fn macro_expansion_past_its_work_bound_is_a_finding_naming_the_line() {
    let t = TempTree::new();
    let mut attrs = String::from("[attr]huge");
    for i in 0..70_000 {
        attrs.push_str(&format!(" a{i}"));
    }
    attrs.push_str(" export-ignore\nsrc/require_signature.h huge\n");
    t.file(".gitattributes", &attrs).file("src/require_signature.h", "#define REQUIRE_SIGNED_UPDATES 1\n");
    let found = findings(t.path(), "attribute-rewrite");
    assert!(
        found.iter().any(|f| f.path == ".gitattributes"
            && f.line == Some(2)
            && f.detail.contains("not expanded to the end")),
        "{found:#?}"
    );
}

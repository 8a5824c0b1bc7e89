//! Tidy checks of the source tree: the architecture invariants of ARCHITECTURE.md, enforced.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn every_source_file_opens_with_a_line_saying_what_it_is_for() {
    let mut files = Vec::new();
    rust_files(&root().join("app"), &mut files);
    rust_files(&root().join("tests/it"), &mut files);
    assert!(files.len() > 40);
    let missing: Vec<String> = files
        .iter()
        .filter(|p| !std::fs::read_to_string(p).unwrap().starts_with("//!"))
        .map(|p| p.strip_prefix(root()).unwrap().display().to_string())
        .collect();
    assert!(missing.is_empty(), "files without a `//!` first line: {missing:?}");
}

/// The names of the dependencies a crate's manifest declares (all tables).
fn dependencies(krate: &str) -> Vec<String> {
    let manifest = std::fs::read_to_string(root().join("app").join(krate).join("Cargo.toml")).unwrap();
    let mut in_deps = false;
    let mut out = Vec::new();
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_deps = line.contains("dependencies");
            continue;
        }
        if in_deps && let Some((name, _)) = line.split_once('=') {
            out.push(name.trim().trim_end_matches(".workspace").to_owned());
        }
    }
    out
}

#[test]
fn the_record_and_the_snapshot_crates_stay_small_and_auditable() {
    let forbidden = [
        "tantivy",
        "tree-sitter",
        "syntect",
        "egui",
        "eframe",
        "rfd",
        "vitrine_search",
        "vitrine_syntax",
        "vitrine_gui",
    ];
    for krate in ["vitrine_record", "vitrine_snapshot"] {
        let deps = dependencies(krate);
        assert!(deps.len() > 3, "{krate}: {deps:?}");
        for d in &deps {
            assert!(!forbidden.iter().any(|f| d.starts_with(f)), "{krate} depends on {d}");
        }
    }
    // The record crate stands alone but for the std-only leaf and the tar reader (a bundle is read as
    // every tar is, `vitrine_tar`), which itself needs only the leaf, its error derive and memchr.
    assert!(
        !dependencies("vitrine_record")
            .iter()
            .any(|d| d.starts_with("vitrine_") && d != "vitrine_base" && d != "vitrine_tar"),
        "vitrine_record depends on another Vitrine crate than vitrine_base and vitrine_tar"
    );
    assert_eq!(dependencies("vitrine_tar"), ["vitrine_base", "thiserror", "memchr"]);
    assert_eq!(
        dependencies("vitrine_base"),
        ["serde", "tempfile"],
        "vitrine_base is std only (serde behind its optional feature, tempfile for its tests)"
    );
}

#[test]
fn only_the_gui_crate_names_egui() {
    for krate in ["vitrine_snapshot", "vitrine_record", "vitrine_search", "vitrine_syntax", "vitrine"] {
        let deps = dependencies(krate);
        assert!(
            !deps.iter().any(|d| d.starts_with("egui") || d == "eframe" || d == "rfd"),
            "{krate}: {deps:?}"
        );
    }
    assert!(dependencies("vitrine_gui").iter().any(|d| d == "eframe"));
}

/// The words of a line of Rust outside its `//` comment and its string literals (enough for this
/// check: no raw strings or `//` inside strings are needed to hide a use of a crate).
fn code_words(line: &str) -> Vec<String> {
    let code = line.split("//").next().unwrap_or_default();
    let mut outside = String::new();
    for (i, part) in code.split('"').enumerate() {
        if i % 2 == 0 {
            outside.push_str(part);
            outside.push(' ');
        }
    }
    outside
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_window_state_never_names_egui() {
    // `vitrine_gui/src/state/` is the window's state and its only writer; `ui/` draws it. The state
    // builds, runs and is tested without a screen, so it names no toolkit.
    let mut files = Vec::new();
    rust_files(&root().join("app/vitrine_gui/src/state"), &mut files);
    assert!(files.len() > 10, "{files:?}");
    let toolkit = ["egui", "eframe", "rfd", "egui_kittest", "winit"];
    let mut found = Vec::new();
    for f in &files {
        for (n, line) in std::fs::read_to_string(f).unwrap().lines().enumerate() {
            if code_words(line).iter().any(|w| toolkit.contains(&w.as_str())) {
                found.push(format!(
                    "{}:{}: {}",
                    f.strip_prefix(root()).unwrap().display(),
                    n + 1,
                    line.trim()
                ));
            }
        }
    }
    assert!(found.is_empty(), "the state names the toolkit:\n{}", found.join("\n"));
    // And the check sees what it looks for.
    assert_eq!(code_words("use egui::Key; // not eframe"), ["use", "egui", "Key"]);
    assert!(code_words("let s = \"egui\";").iter().all(|w| w != "egui"));
}

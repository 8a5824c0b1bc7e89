//! Embeds the demo snapshot (`assets/demo/`) into the binary as a list of (path, mode, bytes), and the
//! build's provenance (source commit, Cargo.lock and SBOM hashes) for `vitrine --version --verbose`.
//!
//! Reproducible by construction: the output depends on file contents, names (sorted) and exec bits only,
//! never on mtimes, the clock or the build directory (the absolute paths below are read by
//! `include_bytes!`, not embedded).

use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    provenance(&manifest.join("../.."));
    let demo = manifest.join("../../assets/demo");
    println!("cargo:rerun-if-changed={}", demo.display());
    let mut files = Vec::new();
    collect(&demo, &demo, &mut files);
    files.sort();
    let mut out = String::from("&[\n");
    for (rel, path, mode) in files {
        let rel_bytes: Vec<String> = rel.iter().map(|b| b.to_string()).collect();
        let content = if mode == 0o120000 {
            let target = std::fs::read_link(&path).unwrap_or_default();
            let bytes: Vec<String> = target.as_os_str().as_bytes().iter().map(|b| b.to_string()).collect();
            format!("&[{}]", bytes.join(","))
        } else {
            println!("cargo:rerun-if-changed={}", path.display());
            format!("include_bytes!({:?})", path.canonicalize().unwrap_or(path.clone()).display().to_string())
        };
        out.push_str(&format!("    (&[{}], 0o{mode:o}, {content}),\n", rel_bytes.join(",")));
    }
    out.push_str("]\n");
    let dest = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default()).join("demo_files.rs");
    if let Err(e) = std::fs::write(&dest, out) {
        println!("cargo:warning=cannot write {}: {e}", dest.display());
    }
}

fn collect(root: &Path, dir: &Path, files: &mut Vec<(Vec<u8>, PathBuf, u32)>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(meta) = std::fs::symlink_metadata(&path) else { continue };
        println!("cargo:rerun-if-changed={}", path.display());
        if meta.is_dir() {
            collect(root, &path, files);
            continue;
        }
        let rel = path.strip_prefix(root).map(|r| r.as_os_str().as_bytes().to_vec()).unwrap_or_default();
        let mode = if meta.file_type().is_symlink() {
            0o120000
        } else if meta.permissions().mode() & 0o100 != 0 {
            0o755
        } else {
            0o644
        };
        files.push((rel, path, mode));
    }
}

/// Sets the `VITRINE_BUILD_*` variables that `vitrine --version --verbose` prints.
fn provenance(workspace: &Path) {
    let commit = source_commit(workspace);
    println!("cargo:rustc-env=VITRINE_BUILD_COMMIT={commit}");
    let lock = workspace.join("Cargo.lock");
    println!("cargo:rustc-env=VITRINE_BUILD_CARGO_LOCK_SHA256={}", file_sha256(&lock));
    // The CycloneDX SBOM: $VITRINE_SBOM (scripts/deb.sh), else the one a source bundle carries.
    println!("cargo:rerun-if-env-changed=VITRINE_SBOM");
    let sbom =
        std::env::var_os("VITRINE_SBOM").map_or_else(|| workspace.join("vitrine.cdx.json"), PathBuf::from);
    println!("cargo:rustc-env=VITRINE_BUILD_SBOM_SHA256={}", file_sha256(&sbom));
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let rustc_version = Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map_or_else(|| "unknown".to_owned(), |o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    println!("cargo:rustc-env=VITRINE_BUILD_RUSTC={rustc_version}");
    let target = std::env::var("TARGET").unwrap_or_else(|_| "unknown".to_owned());
    println!("cargo:rustc-env=VITRINE_BUILD_TARGET={target}");
}

/// The commit the source comes from: $VITRINE_SOURCE_COMMIT, else the `SOURCE_COMMIT` file a source bundle
/// carries, else `git rev-parse HEAD` when the workspace is a git checkout, else "unknown".
fn source_commit(workspace: &Path) -> String {
    println!("cargo:rerun-if-env-changed=VITRINE_SOURCE_COMMIT");
    if let Some(c) = std::env::var("VITRINE_SOURCE_COMMIT").ok().filter(|c| !c.trim().is_empty()) {
        return c.trim().to_owned();
    }
    let file = workspace.join("SOURCE_COMMIT");
    if let Ok(c) = std::fs::read_to_string(&file) {
        println!("cargo:rerun-if-changed={}", file.display());
        return c.trim().to_owned();
    }
    if !workspace.join(".git").exists() {
        return "unknown".to_owned();
    }
    let git = |args: &[&str]| {
        Command::new("git")
            .arg("-C")
            .arg(workspace)
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    };
    // Rebuild when HEAD moves: HEAD itself, the branch it names (loose or packed).
    let mut watched = vec!["HEAD".to_owned(), "packed-refs".to_owned()];
    watched.extend(git(&["symbolic-ref", "-q", "HEAD"]));
    for name in watched {
        if let Some(path) = git(&["rev-parse", "--path-format=absolute", "--git-path", &name])
            && Path::new(&path).exists()
        {
            println!("cargo:rerun-if-changed={path}");
        }
    }
    git(&["rev-parse", "HEAD"]).unwrap_or_else(|| "unknown".to_owned())
}

/// The SHA-256 of a file in hex, or "none (FILE: problem)" when it cannot be read. Rebuilds when it changes.
fn file_sha256(path: &Path) -> String {
    match std::fs::read(path) {
        Ok(bytes) => {
            println!("cargo:rerun-if-changed={}", path.display());
            format!("{:x}", Sha256::digest(&bytes))
        }
        Err(e) => format!("none ({}: {e})", path.file_name().unwrap_or_default().to_string_lossy()),
    }
}

//! Embeds the demo snapshot (`assets/demo/`) into the binary as a list of (path, mode, bytes).

use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
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

//! The bundled demo snapshot: a small C++ project with seeded problems, embedded at build time from
//! `assets/demo/` and unpacked into the data directory on first use.

use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use anyhow::Context;

/// (path, mode, content); mode 0o120000 marks a symlink whose content is its target.
static DEMO_FILES: &[(&[u8], u32, &[u8])] = include!(concat!(env!("OUT_DIR"), "/demo_files.rs"));

/// Unpacks the demo snapshot below `data` (once per build of the demo) and returns its directory.
pub fn unpack_demo(data: &Path) -> anyhow::Result<PathBuf> {
    let stamp = demo_stamp();
    let dest = data.join("demo").join(format!("netguard-{stamp}"));
    if dest.join(".vitrine-demo-complete").exists() {
        return Ok(dest.join("netguard"));
    }
    let tmp = data.join("demo").join(format!(".tmp-{stamp}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let root = tmp.join("netguard");
    for (path, mode, content) in DEMO_FILES {
        let target = root.join(std::ffi::OsStr::from_bytes(path));
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
        }
        if *mode == 0o120000 {
            std::os::unix::fs::symlink(std::ffi::OsStr::from_bytes(content), &target)
                .with_context(|| format!("cannot create {}", target.display()))?;
        } else {
            std::fs::write(&target, content).with_context(|| format!("cannot write {}", target.display()))?;
            std::fs::set_permissions(&target, std::fs::Permissions::from_mode(*mode))?;
        }
    }
    std::fs::write(tmp.join(".vitrine-demo-complete"), b"")?;
    let _ = std::fs::remove_dir_all(&dest);
    std::fs::rename(&tmp, &dest).with_context(|| format!("cannot move the demo to {}", dest.display()))?;
    Ok(dest.join("netguard"))
}

/// A short hash of the embedded files, so a changed demo is unpacked afresh.
fn demo_stamp() -> String {
    // FNV-1a: stable across runs and builds; not a security boundary.
    let mut h: u64 = 0xcbf29ce484222325;
    for (path, mode, content) in DEMO_FILES {
        for b in path.iter().chain(&mode.to_le_bytes()).chain(content.iter()) {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x100000001b3);
        }
    }
    format!("{h:016x}")
}

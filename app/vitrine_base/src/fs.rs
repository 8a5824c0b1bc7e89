//! Atomic file replacement: a reader sees the old file or the new one, never half of one, and after
//! [`write_atomic`] returns the new file survives a power loss (file and directory are synced).

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// A write that failed: what was being done, to which file, and the OS error as the source.
#[derive(Debug)]
pub struct WriteError {
    /// What was being done ("create", "write", "sync", "rename", "sync directory").
    pub op: &'static str,
    /// The file or directory it was done to.
    pub path: PathBuf,
    /// The OS error.
    pub source: io::Error,
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot {} {}", self.op, self.path.display())
    }
}

impl std::error::Error for WriteError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

fn at(op: &'static str, path: &Path) -> impl FnOnce(io::Error) -> WriteError + use<> {
    let path = path.to_path_buf();
    move |source| WriteError { op, path, source }
}

/// The directory holding `path` (`.` for a bare file name, whose parent is the empty path).
pub fn parent_dir(path: &Path) -> &Path {
    path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."))
}

/// Where a file is written before it is renamed to `path`: beside it, so the rename stays in one file
/// system, with a `.tmp-` prefix that a loader can recognise as the trace of an interrupted write, and
/// the process id, so two processes never share one.
pub fn temp_path(path: &Path) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    parent_dir(path).join(format!(".tmp-{name}-{}", std::process::id()))
}

/// Writes `bytes` to a temporary file beside `path`, syncs it and renames it over `path`; the caller
/// syncs the directory (once for a batch of files, with [`sync_dir`]).
pub fn replace_synced(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let tmp = temp_path(path);
    let written = (|| {
        let mut f = File::create(&tmp).map_err(at("create", &tmp))?;
        f.write_all(bytes).map_err(at("write", &tmp))?;
        f.sync_all().map_err(at("sync", &tmp))
    })();
    let done = written.and_then(|()| std::fs::rename(&tmp, path).map_err(at("rename", path)));
    if done.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    done
}

/// Writes `bytes` to `path` atomically and durably: [`replace_synced`], then [`sync_dir`] of its parent.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    replace_synced(path, bytes)?;
    sync_dir(parent_dir(path))
}

/// Syncs a directory, so that the renames and creations in it survive a power loss.
pub fn sync_dir(dir: &Path) -> Result<(), WriteError> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(at("sync directory", dir))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_file_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, ["state.json"]);
    }

    #[test]
    fn a_failed_write_names_the_operation_and_the_file_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing").join("f");
        let e = write_atomic(&path, b"x").unwrap_err();
        assert_eq!(e.op, "create");
        let shown = e.to_string();
        assert!(shown.starts_with("cannot create ") && shown.contains(".tmp-f-"), "{shown}");
        // The OS text is the source, not repeated in the message.
        assert!(!shown.contains("No such file"), "{shown}");
        assert!(std::error::Error::source(&e).unwrap().to_string().contains("No such file"));
    }
}

//! Helpers shared by the integration tests: temporary snapshot trees, running the CLI in process, and
//! stock git's view of a tree.

#![allow(dead_code)]

use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A temporary directory tree built file by file.
pub struct TempTree {
    pub dir: tempfile::TempDir,
}

impl TempTree {
    pub fn new() -> TempTree {
        TempTree { dir: tempfile::tempdir().expect("tempdir") }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file (parents created) given its path as raw bytes.
    pub fn file_bytes(&self, rel: &[u8], content: &[u8]) -> &TempTree {
        let p = self.path().join(std::ffi::OsStr::from_bytes(rel));
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, content).unwrap();
        self
    }

    pub fn file(&self, rel: &str, content: impl AsRef<[u8]>) -> &TempTree {
        self.file_bytes(rel.as_bytes(), content.as_ref())
    }

    pub fn exec(&self, rel: &str, content: &str) -> &TempTree {
        self.file(rel, content);
        let p = self.path().join(rel);
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        self
    }

    pub fn symlink(&self, rel: &str, target: &str) -> &TempTree {
        let p = self.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(target, &p).unwrap();
        self
    }

    pub fn dir(&self, rel: &str) -> &TempTree {
        std::fs::create_dir_all(self.path().join(rel)).unwrap();
        self
    }
}

/// Runs `vitrine ARGS...` in process; returns (exit code, stdout, stderr).
pub fn vitrine(args: &[&str]) -> (u8, String, String) {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let mut all = vec!["vitrine"];
    all.extend_from_slice(args);
    let code = vitrine::run_with(all, &mut out, &mut err);
    (code, String::from_utf8_lossy(&out).into_owned(), String::from_utf8_lossy(&err).into_owned())
}

/// Like [`vitrine`] with OS-string arguments (paths).
pub fn vitrine_os(args: &[&std::ffi::OsStr]) -> (u8, String, String) {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let mut all: Vec<&std::ffi::OsStr> = vec![std::ffi::OsStr::new("vitrine")];
    all.extend_from_slice(args);
    let code = vitrine::run_with(all, &mut out, &mut err);
    (code, String::from_utf8_lossy(&out).into_owned(), String::from_utf8_lossy(&err).into_owned())
}

/// Runs `vitrine --data DATA LEAD... ARGS...` in process: a data directory, leading path arguments
/// (a subcommand and a snapshot, say) and the rest as strings.
pub fn vitrine_in(data: &Path, lead: &[&std::ffi::OsStr], args: &[&str]) -> (u8, String, String) {
    let mut all: Vec<&std::ffi::OsStr> = vec![std::ffi::OsStr::new("--data"), arg(data)];
    all.extend_from_slice(lead);
    all.extend(args.iter().map(std::ffi::OsStr::new));
    vitrine_os(&all)
}

/// The (SHA-256, SHA-1) tree ids stock git computes for directory `snap`, with the DESIGN.md recipe:
/// no attributes, no ignore rules, no EOL conversion.
pub fn git_tree_ids(snap: &Path) -> (String, String) {
    let mut ids = Vec::new();
    for format in ["sha256", "sha1"] {
        let h = tempfile::tempdir().unwrap();
        let git = |args: &[&str]| {
            let out = Command::new("git")
                .args(args)
                .env("GIT_DIR", h.path())
                .env("GIT_INDEX_FILE", h.path().join("idx"))
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .env("HOME", h.path())
                .output()
                .expect("git runs");
            assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
            String::from_utf8_lossy(&out.stdout).trim().to_owned()
        };
        git(&["init", "-q", "--bare", &format!("--object-format={format}"), h.path().to_str().unwrap()]);
        std::fs::write(
            h.path().join("info/attributes"),
            "* -text -eol -filter -ident -working-tree-encoding\n",
        )
        .unwrap();
        git(&[
            "-c",
            "core.autocrlf=false",
            "-c",
            "core.excludesFile=/dev/null",
            &format!("--work-tree={}", snap.display()),
            "add",
            "-A",
            "-f",
        ]);
        ids.push(git(&["write-tree"]));
    }
    (ids[0].clone(), ids[1].clone())
}

/// The (SHA-256, SHA-1) tree ids of directory `snap` by the README's stock-git recipe, run by `sh` as
/// written there: every file and link named to `git update-index` (which leaves out the paths git
/// refuses and keeps a nested repository's files, as Vitrine does).
pub fn readme_tree_ids(snap: &Path) -> (String, String) {
    let mut ids = Vec::new();
    for format in ["sha256", "sha1"] {
        let h = tempfile::tempdir().unwrap();
        let script = format!(
            "set -e; git init -q --bare --object-format={format} \"$H\"
printf '* -text -eol -filter -ident -working-tree-encoding\\n' > \"$H/info/attributes\"
cd \"$SNAP\" && find . \\( -type f -o -type l \\) -print0 |
  GIT_DIR=$H GIT_INDEX_FILE=$H/idx git -c core.autocrlf=false --work-tree=. update-index --add -z --stdin
GIT_DIR=$H GIT_INDEX_FILE=$H/idx git write-tree"
        );
        let out = Command::new("sh")
            .args(["-c", &script])
            .env("H", h.path())
            .env("SNAP", snap)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("HOME", h.path())
            .output()
            .expect("sh runs");
        assert!(out.status.success(), "the README recipe: {}", String::from_utf8_lossy(&out.stderr));
        ids.push(String::from_utf8_lossy(&out.stdout).trim().to_owned());
    }
    (ids[0].clone(), ids[1].clone())
}

/// Path of a directory as an OsStr argument.
pub fn arg(p: &Path) -> &std::ffi::OsStr {
    p.as_os_str()
}

pub fn data_dir() -> (tempfile::TempDir, PathBuf) {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().to_path_buf();
    (d, p)
}

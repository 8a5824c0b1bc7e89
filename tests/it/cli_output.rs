//! Whole outputs of the command line where the output is the contract (scripts read it): every line
//! of the text forms and the whole document of the JSON forms, on small fixtures whose answers can be
//! read off the source. Ids come from stock git and `sha256sum`, never from Vitrine itself.

use std::path::Path;
use std::process::Command;

use serde_json::json;

use crate::support::{TempTree, data_dir, git_tree_ids, vitrine_os};

/// Asserts that two texts are equal, showing both whole, one line per row with its number, so a
/// difference in whitespace or in a line ending is visible (ripgrep's `eqnice!` in spirit).
macro_rules! eqnice {
    ($want:expr, $got:expr) => {{
        let (want, got): (&str, &str) = (&$want, &$got);
        if want != got {
            let show = |s: &str| {
                s.split_inclusive('\n')
                    .enumerate()
                    .map(|(i, l)| format!("{:>3}| {l:?}\n", i + 1))
                    .collect::<String>()
            };
            panic!("\n--- expected ---\n{}--- got ---\n{}----------------", show(want), show(got));
        }
    }};
}

/// Runs `vitrine --data DATA -q ARGS...`; the arguments after the subcommand may be paths.
fn run(data: &Path, args: &[&dyn AsRef<std::ffi::OsStr>]) -> (u8, String, String) {
    let mut all: Vec<&std::ffi::OsStr> = vec!["--data".as_ref(), data.as_os_str(), "-q".as_ref()];
    all.extend(args.iter().map(|a| a.as_ref()));
    vitrine_os(&all)
}

/// A two-file C program and a README: what search and navigation are asked about below.
fn program() -> TempTree {
    let t = TempTree::new();
    t.file(
        "src/main.c",
        "int helper(int x) {\n  return x + 1;\n}\n\nint main(void) {\n  return helper(41);\n}\n",
    );
    t.file("src/util.c", "int helper(int x);\n\nint twice(int x) {\n  return helper(helper(x));\n}\n");
    t.file("README", "helper functions live in src/\n");
    t
}

#[test]
fn digest_prints_the_ids_git_computes_and_the_counts() {
    let t = program();
    let (_d, data) = data_dir();
    let (sha256, sha1) = git_tree_ids(t.path());
    let (code, out, err) = run(&data, &[&"digest", &t.path()]);
    assert_eq!(code, 0, "{err}");
    let bytes: u64 = ["src/main.c", "src/util.c", "README"]
        .iter()
        .map(|f| std::fs::metadata(t.path().join(f)).unwrap().len())
        .sum();
    eqnice!(
        format!(
            "tree (sha256)  {sha256}\ntree (sha1)    {sha1}\nswhid          swh:1:dir:{sha1}\n\
             files          3 (3 in the tree ids)\nbytes          {bytes}\n"
        ),
        out
    );
}

#[test]
fn the_manifest_is_what_sha256sum_prints() {
    let t = program();
    let (_d, data) = data_dir();
    let out_dir = tempfile::tempdir().unwrap();
    let manifest = out_dir.path().join("SHA256SUMS");
    let (code, _, err) = run(&data, &[&"digest", &t.path(), &"--manifest", &manifest]);
    assert_eq!(code, 0, "{err}");
    let sums = Command::new("sha256sum")
        .args(["README", "src/main.c", "src/util.c"])
        .current_dir(t.path())
        .output()
        .unwrap();
    eqnice!(String::from_utf8(sums.stdout).unwrap(), std::fs::read_to_string(&manifest).unwrap());
}

#[test]
fn search_prints_every_matching_line_and_its_count() {
    let t = program();
    let (_d, data) = data_dir();
    let (code, out, err) = run(&data, &[&"search", &t.path(), &"helper"]);
    assert_eq!(code, 0, "{err}");
    eqnice!(
        "README:1:1:helper functions live in src/\n\
         src/main.c:1:5:int helper(int x) {\n\
         src/main.c:6:10:  return helper(41);\n\
         src/util.c:1:5:int helper(int x);\n\
         src/util.c:4:10:  return helper(helper(x));\n",
        out
    );

    let (code, out, _) = run(&data, &[&"search", &t.path(), &"helper", &"--count"]);
    assert_eq!(code, 0);
    eqnice!("5 lines in 3 files\n", out);

    let (code, out, _) = run(&data, &[&"search", &t.path(), &"path:src/util twice", &"--json"]);
    assert_eq!(code, 0);
    let got: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        got,
        json!({"path": "src/util.c", "line": 3, "end_line": 3, "column": 5, "end_column": 10,
               "text": "int twice(int x) {"})
    );

    // No hit: exit 1 and nothing on stdout, as grep.
    let (code, out, _) = run(&data, &[&"search", &t.path(), &"nowhere_at_all"]);
    eqnice!("", out);
    assert_eq!(code, 1);
}

#[test]
fn navigation_prints_definitions_callers_and_the_outline() {
    let t = program();
    let (_d, data) = data_dir();
    let (code, out, err) = run(&data, &[&"def", &t.path(), &"helper"]);
    assert_eq!(code, 0, "{err}");
    // The definition first, then the declaration.
    eqnice!("src/main.c:1:5: function helper\nsrc/util.c:1:5: function helper (declaration)\n", out);

    let (code, out, err) = run(&data, &[&"callers", &t.path(), &"helper"]);
    assert_eq!(code, 0, "{err}");
    eqnice!(
        "src/main.c:5:5: function main  calls at 6:10\nsrc/util.c:3:5: function twice  calls at 4:10, 4:17\n",
        out
    );

    let (code, out, err) = run(&data, &[&"symbols", &t.path(), &"src/util.c"]);
    assert_eq!(code, 0, "{err}");
    eqnice!("     3  function twice\n     1  function helper (declaration)\n", out);
}

#[test]
fn diff_prints_one_row_per_changed_file_in_every_form() {
    let old = TempTree::new();
    old.file("x.txt", "one\ntwo\n").file("same.txt", "keep\n").file("gone.txt", "bye\n");
    let new = TempTree::new();
    new.file("x.txt", "one\n2\nthree\n").file("same.txt", "keep\n").file("y.txt", "new\n");
    let (_d, data) = data_dir();

    let (code, out, err) = run(&data, &[&"diff", &old.path(), &new.path()]);
    assert_eq!(code, 0, "{err}");
    eqnice!(
        "D     +0      -1      gone.txt\nM     +2      -1      x.txt\nA     +1      -0      y.txt\n",
        out
    );

    // --stat is git's --numstat with paths relative to the snapshot root, and its counts are git's.
    let (code, out, _) = run(&data, &[&"diff", &old.path(), &new.path(), &"--stat"]);
    assert_eq!(code, 0);
    eqnice!("0\t1\tgone.txt\n2\t1\tx.txt\n1\t0\ty.txt\n", out);
    let git = Command::new("git")
        .args(["-c", "core.autocrlf=false", "diff", "--no-index", "-M", "--numstat"])
        .arg(old.path())
        .arg(new.path())
        .output()
        .unwrap();
    let counts = |s: &str| -> Vec<String> {
        s.lines().map(|l| l.splitn(3, '\t').take(2).collect::<Vec<_>>().join("\t")).collect()
    };
    assert_eq!(counts(&String::from_utf8(git.stdout).unwrap()), counts(&out));
}

#[test]
fn a_role_the_policy_does_not_name_is_said_on_stderr_and_the_key_options_have_help() {
    let (_d, data) = data_dir();
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = run(
        &data,
        &[
            &"key",
            &"new",
            &"--principal",
            &"a@x",
            &"--role",
            &"reviewer",
            &"--out",
            &dir.path().join("a"),
            &"--no-passphrase",
        ],
    );
    assert_eq!(code, 0, "{err}");
    eqnice!("", err);
    let (code, _, err) = run(
        &data,
        &[
            &"key",
            &"new",
            &"--principal",
            &"b@x",
            &"--role",
            &"Reviewer",
            &"--out",
            &dir.path().join("b"),
            &"--no-passphrase",
        ],
    );
    assert_eq!(code, 0, "{err}");
    eqnice!(
        "vitrine: note: role \"Reviewer\" is not reviewer, lead or vendor: the status policy treats it as an \
         observer, who may annotate and reply but change no one else's thread\n",
        err
    );

    let (_, help, _) = run(&data, &[&"key", &"new", &"--help"]);
    for (option, says) in [("--principal", "Who signs"), ("--role", "reviewer"), ("--out", "private key")] {
        let line =
            help.lines().find(|l| l.trim_start().starts_with(option)).unwrap_or_else(|| panic!("{help}"));
        assert!(line.contains(says), "{option} has no help: {line}");
    }
}

/// A writer that takes `room` bytes, then fails as a pipe whose reader has gone (`| head -1`).
struct ClosedAfter {
    room: usize,
}

impl std::io::Write for ClosedAfter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.room == 0 {
            return Err(std::io::ErrorKind::BrokenPipe.into());
        }
        let n = buf.len().min(self.room);
        self.room -= n;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        if self.room == 0 { Err(std::io::ErrorKind::BrokenPipe.into()) } else { Ok(()) }
    }
}

/// Piping any command into `head`: the output stops where the reader stopped, with no error on
/// stderr and a success exit status, as `grep | head` behaves.
#[test]
fn output_into_a_closed_pipe_ends_quietly() {
    let t = program();
    let (_d, data) = data_dir();
    let snap = t.path().to_str().unwrap();
    let data = data.to_str().unwrap();
    for args in [
        vec!["digest", snap, "--files"],
        vec!["health", snap],
        vec!["search", snap, "helper"],
        vec!["symbols", snap, "src/main.c"],
        vec!["def", snap, "helper"],
        vec!["callers", snap, "helper"],
        vec!["refs", snap, "helper"],
    ] {
        for room in [0, 10] {
            let mut all = vec!["vitrine", "--data", data, "-q"];
            all.extend(&args);
            let mut err = Vec::new();
            let code = vitrine::run_with(all, &mut ClosedAfter { room }, &mut err);
            let err = String::from_utf8_lossy(&err);
            assert_eq!((code, err.as_ref()), (0, ""), "{args:?} with {room} bytes taken");
        }
    }
}

/// Global options are taken after a snapshot path given without a subcommand, as after any
/// subcommand: `vitrine PATH --data DIR` opens PATH with that data directory.
#[test]
fn global_options_after_a_bare_path_are_options_not_more_paths() {
    let (_d, data) = data_dir();
    let (code, _, err) =
        vitrine_os(&["/no/such/snapshot".as_ref(), "--data".as_ref(), data.as_os_str(), "-q".as_ref()]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot open snapshot /no/such/snapshot: no such file or directory"), "{err}");
    // Two paths are still one too many, and said so.
    let (code, _, err) =
        vitrine_os(&["/no/a".as_ref(), "/no/b".as_ref(), "--data".as_ref(), data.as_os_str()]);
    assert_eq!(code, 2);
    assert!(err.contains("give one snapshot PATH"), "{err}");
}

//! `vitrine findings` end to end: notes written and imported through the CLI in two snapshots' reviews
//! are found by their other word forms (English and Russian), filtered by status, severity and snapshot,
//! printed as JSON, and found again after the library is deleted.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{TempTree, git_tree_ids, vitrine_os};

pub(crate) fn cli(data: &Path, args: &[&dyn AsRef<std::ffi::OsStr>]) -> (u8, String, String) {
    let mut all: Vec<&std::ffi::OsStr> = vec!["--data".as_ref(), data.as_os_str()];
    all.extend(args.iter().map(|a| a.as_ref()));
    vitrine_os(&all)
}

pub(crate) fn keygen(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
        .arg(&path)
        .output()
        .expect("ssh-keygen runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    path
}

pub(crate) fn annotate(data: &Path, snap: &Path, key: &Path, file: &str, sev: &str, body: &str) -> String {
    let (code, out, err) = cli(
        data,
        &[
            &"annotate",
            &snap,
            &"--key",
            &key,
            &"--file",
            &file,
            &"--lines",
            &"1-1",
            &"--kind",
            &"finding",
            &"--severity",
            &sev,
            &"--body",
            &body,
        ],
    );
    assert_eq!(code, 0, "{err}");
    out.lines().last().unwrap().to_owned()
}

fn json_hits(data: &Path, args: &[&dyn AsRef<std::ffi::OsStr>]) -> Vec<serde_json::Value> {
    let mut all: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![&"findings", &"--json"];
    all.extend_from_slice(args);
    let (code, out, err) = cli(data, &all);
    assert!(code == 0 || (code == 1 && out.is_empty()), "{code} {err}");
    out.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn ids(hits: &[serde_json::Value]) -> Vec<&str> {
    hits.iter().map(|h| h["entry"].as_str().unwrap()).collect()
}

#[test]
fn findings_across_reviews_with_stemming_filters_json_and_rebuild() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let v1 = TempTree::new();
    v1.file("src/parse.c", "int parse(void);\n").file("src/len.c", "int len;\n");
    let v2 = TempTree::new();
    v2.file("src/parse.c", "int parse(int);\n");
    let rev = keygen(tmp.path(), "rev");
    for s in [v1.path(), v2.path()] {
        let (code, _, err) = cli(
            &data,
            &[
                &"people",
                &"add",
                &s,
                &"--principal",
                &"rev@example.org",
                &"--role",
                &"reviewer",
                &"--pubkey",
                &format!("{}.pub", rev.display()),
            ],
        );
        assert_eq!(code, 0, "{err}");
    }
    let ru =
        annotate(&data, v1.path(), &rev, "src/parse.c", "high", "Возможно переполнения буфера при разборе");
    let en =
        annotate(&data, v1.path(), &rev, "src/len.c", "medium", "The length check overflows on short input");
    // Nothing matches yet in the second version: exit 1, no output.
    let (code, out, _) = cli(&data, &[&"findings", &"unrelated"]);
    assert_eq!((code, out.as_str()), (1, ""));
    let later =
        annotate(&data, v2.path(), &rev, "src/parse.c", "low", "Переполнение исправлено не полностью");

    // Russian: the nominative finds the genitive, in both reviews.
    let hits = json_hits(&data, &[&"переполнение"]);
    let mut found = ids(&hits);
    found.sort();
    let mut want = vec![ru.as_str(), later.as_str()];
    want.sort();
    assert_eq!(found, want);
    // English: "overflow" finds "overflows"; the JSON carries every promised field.
    let hits = json_hits(&data, &[&"overflow"]);
    assert_eq!(ids(&hits), [en.as_str()]);
    let (tree1, _) = git_tree_ids(v1.path());
    let h = &hits[0];
    assert_eq!(h["snapshot"], serde_json::json!(tree1));
    assert_eq!((h["path"].as_str(), h["line"].as_u64()), (Some("src/len.c"), Some(1)));
    assert_eq!(
        (h["kind"].as_str(), h["severity"].as_str(), h["status"].as_str()),
        (Some("annotation"), Some("medium"), Some("open"))
    );
    assert_eq!(h["author"], "rev@example.org");
    assert_eq!(h["excerpt"], "The length check overflows on short input");

    // Filters: severity, snapshot, status (a write after the first query is seen by the next one).
    assert_eq!(ids(&json_hits(&data, &[&"переполнение", &"--severity", &"low"])), [later.as_str()]);
    assert_eq!(ids(&json_hits(&data, &[&"переполнение", &"--snapshot", &&tree1[..10]])), [ru.as_str()]);
    assert!(json_hits(&data, &[&"--status", &"fixed"]).is_empty());
    let (code, _, err) =
        cli(&data, &[&"status", &v1.path(), &"--key", &rev, &"--to", &en, &"--status", &"fixed"]);
    assert_eq!(code, 0, "{err}");
    let fixed = json_hits(&data, &[&"overflow", &"--status", &"fixed"]);
    assert_eq!(ids(&fixed), [en.as_str()]);

    // Text output names the review, file:line, status and the excerpt.
    let (code, out, _) = cli(&data, &[&"findings", &"overflow"]);
    assert_eq!(code, 0);
    assert!(out.contains("src/len.c:1 [fixed, medium]") && out.contains("overflows on short input"), "{out}");

    // The library is a cache: deleted, or with a damaged file, it is rebuilt from the logs.
    std::fs::remove_dir_all(data.join("library")).unwrap();
    assert_eq!(ids(&json_hits(&data, &[&"overflow", &"--status", &"fixed"])), [en.as_str()]);
    std::fs::write(data.join("library/index/meta.json"), b"garbage").unwrap();
    assert_eq!(ids(&json_hits(&data, &[&"overflow"])), [en.as_str()]);

    // An imported record is found in the importing workstation's library.
    let bundle = tmp.path().join("v1.vitrine");
    let (code, _, err) = cli(&data, &[&"export", &v1.path(), &"--key", &rev, &"--out", &bundle]);
    assert_eq!(code, 0, "{err}");
    let other = tmp.path().join("other");
    let (code, _, err) = cli(&other, &[&"import", &v1.path(), &bundle, &"--accept-new-people"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(ids(&json_hits(&other, &[&"переполнения"])), [ru.as_str()]);
}

#[test]
fn hostile_text_cannot_drive_the_terminal() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let v = TempTree::new();
    v.file("a.c", "x\n");
    let rev = keygen(tmp.path(), "rev");
    let (code, _, err) = cli(
        &data,
        &[
            &"people",
            &"add",
            &v.path(),
            &"--principal",
            &"rev@example.org",
            &"--role",
            &"reviewer",
            &"--pubkey",
            &format!("{}.pub", rev.display()),
        ],
    );
    assert_eq!(code, 0, "{err}");
    annotate(&data, v.path(), &rev, "a.c", "low", "evil \u{1b}[2J\u{1b}]0;pwned\u{7} text \u{202e}gnp.exe");
    let (code, out, _) = cli(&data, &[&"findings", &"evil"]);
    assert_eq!(code, 0);
    assert!(!out.contains('\u{1b}') && !out.contains('\u{7}') && !out.contains('\u{202e}'), "{out:?}");
}

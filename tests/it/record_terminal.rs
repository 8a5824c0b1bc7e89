//! What the record family prints to a terminal when the record is hostile: a vendor's reply, a bundle's
//! member names, checkpoint origin, principals and role words never reach the terminal as controls,
//! escape sequences, format characters or line breaks of their own (no cursor moves, no cleared screen,
//! no window title, no hidden "INVALID", no forged line of the log), and a principal that only looks like
//! a known one (Latin look-alikes included) is called out and shown with its code points.

// Helpers here are test code too (clippy's allow-unwrap-in-tests only covers `#[test]` functions).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{TempTree, vitrine_os};

const REV: &str = "rev@agency.example";
const VEN: &str = "ven@vendor.example";

/// Runs the CLI in process against data directory `data` (quiet).
fn cli(data: &Path, args: &[&dyn AsRef<std::ffi::OsStr>]) -> (u8, String, String) {
    let mut all: Vec<&std::ffi::OsStr> = vec!["--data".as_ref(), data.as_os_str(), "-q".as_ref()];
    all.extend(args.iter().map(|a| a.as_ref()));
    vitrine_os(&all)
}

/// Like [`cli`], asserting exit 0; returns stdout.
fn ok(data: &Path, args: &[&dyn AsRef<std::ffi::OsStr>]) -> String {
    let (code, out, err) = cli(data, args);
    assert_eq!(code, 0, "{err}");
    out
}

/// An unencrypted stock ssh-keygen key in `dir/name`.
fn keygen(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    path
}

fn pub_path(key: &Path) -> PathBuf {
    PathBuf::from(format!("{}.pub", key.display()))
}

/// Fails when `text` holds anything a terminal acts on instead of showing: a control other than the
/// newline that ends a line (ESC, CR, BEL, DEL, C1 such as the one-byte CSI U+009B), a bidirectional
/// control, or an invisible or other format character. Written out here, independently of the code under
/// test.
fn assert_terminal_safe(what: &str, text: &str) {
    for (i, c) in text.char_indices() {
        let bad = (c.is_control() && c != '\n')
            || matches!(
                c,
                '\u{202A}'..='\u{202E}'
                    | '\u{2066}'..='\u{2069}'
                    | '\u{200B}'..='\u{200F}'
                    | '\u{061C}'
                    | '\u{2028}'
                    | '\u{2029}'
                    | '\u{2060}'..='\u{2064}'
                    | '\u{206A}'..='\u{206F}'
                    | '\u{FEFF}'
                    | '\u{FFF9}'..='\u{FFFB}'
                    | '\u{E0000}'..='\u{E007F}'
            );
        assert!(!bad, "{what} prints {c:?} raw at byte {i}:\n{text}");
    }
}

/// A snapshot with a plain file and one whose name is hostile (an escape sequence and an RLO).
fn snapshot() -> TempTree {
    let t = TempTree::new();
    t.file("src/a.c", "int main(void) {\n  int x = 1;\n  return x;\n}\n");
    t.file("src/b\u{1b}[31m\u{202E}c.c", "void f(void) {}\n");
    t
}

/// The reviewer's data directory with both people and an annotation; returns (data, annotation id).
fn reviewer(tmp: &Path, snap: &Path, rev: &Path, ven: &Path) -> (PathBuf, String) {
    let data = tmp.join("rdata");
    for (p, r, k) in [(REV, "reviewer", rev), (VEN, "vendor", ven)] {
        ok(&data, &[&"people", &"add", &snap, &"--principal", &p, &"--role", &r, &"--pubkey", &pub_path(k)]);
    }
    let out = ok(
        &data,
        &[
            &"annotate",
            &snap,
            &"--key",
            &rev,
            &"--file",
            &"src/a.c",
            &"--lines",
            &"2-3",
            &"--kind",
            &"finding",
            &"--severity",
            &"high",
            &"--body",
            &"x is uninitialised",
        ],
    );
    (data, out.lines().last().unwrap().to_owned())
}

/// The attack of a reply: it ends the line, moves up, erases, and writes a line of the log that closes
/// the finding in the reviewer's name, sets the window title and reverses what follows; also with a
/// plain newline, a C1 CSI and a line separator.
const HOSTILE_BODY: &str = "fixed in 2.1\u{1b}[2K\r\u{1b}[1A\u{1b}[2K  ef4a66e03ba0 reply -> closed rev@agency.example \
     (reviewer): OK, closing \u{1b}]0;owned\u{7} \u{202E}gnisolc\n  0123456789ab status -> closed \
     rev@agency.example (reviewer) 2025-01-01T00:00:00Z: verified\u{9b}2J\u{2028}\u{200B}";

#[test]
fn log_shows_an_imported_reply_and_its_target_path_escaped_one_log_line_per_entry() {
    let tmp = tempfile::tempdir().unwrap();
    let snap = snapshot();
    let s = snap.path();
    let (rev, ven) = (keygen(tmp.path(), "rev"), keygen(tmp.path(), "ven"));
    let (rdata, a) = reviewer(tmp.path(), s, &rev, &ven);
    let first = tmp.path().join("rev.vitrine");
    ok(&rdata, &[&"export", &s, &"--key", &rev, &"--out", &first]);
    // The vendor's workstation answers with the hostile reply, pointed at the hostile file name.
    let vdata = tmp.path().join("vdata");
    ok(&vdata, &[&"import", &s, &first]);
    let args: [&dyn AsRef<std::ffi::OsStr>; 14] = [
        &"reply",
        &s,
        &"--key",
        &ven,
        &"--to",
        &a,
        &"--status",
        &"fixed",
        &"--body",
        &HOSTILE_BODY,
        &"--file",
        &"src/b\u{1b}[31m\u{202E}c.c",
        &"--lines",
        &"1",
    ];
    ok(&vdata, &args);
    let evil = tmp.path().join("evil.vitrine");
    ok(&vdata, &[&"export", &s, &"--key", &ven, &"--out", &evil]);
    // Back at the reviewer's.
    let (code, out, err) = cli(&rdata, &[&"import", &s, &evil]);
    assert_eq!(code, 0, "{err}");
    assert_terminal_safe("import", &(out + &err));
    let (code, log, err) = cli(&rdata, &[&"log", &s]);
    assert_eq!(code, 0, "{err}");
    assert_terminal_safe("log", &log);
    assert_terminal_safe("log (stderr)", &err);
    // One line per follow-up: the forged ones stay inside the reply's own lines, behind its marker.
    let entry_lines: Vec<&str> = log
        .lines()
        .filter(|l| {
            l.len() > 15
                && l.starts_with("  ")
                && l[2..14].bytes().all(|b| b.is_ascii_hexdigit())
                && &l[14..15] == " "
        })
        .collect();
    assert_eq!(entry_lines.len(), 1, "{log}");
    assert!(entry_lines[0].contains("reply -> fixed at src/b\\x1B[31m<U+202E>c.c:1-1"), "{log}");
    assert!(log.contains("fixed in 2.1\\x1B[2K\\x0D\\x1B[1A\\x1B[2K  ef4a66e03ba0 reply"), "{log}");
    assert!(log.contains("\\x1B]0;owned\\x07 <U+202E>gnisolc"), "{log}");
    assert!(
        log.contains("\n      |   0123456789ab status -> closed"),
        "the second line is marked as the reply's: {log}"
    );
    assert!(log.contains("<U+009B>2J<U+2028><U+200B>"), "{log}");
    // The JSON log: the same text, exactly, as JSON escapes.
    let (code, json, err) = cli(&rdata, &[&"log", &s, &"--json"]);
    assert_eq!(code, 0, "{err}");
    assert_terminal_safe("log --json", &json);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let bodies: Vec<&str> =
        v["entries"].as_array().unwrap().iter().filter_map(|e| e["body"].as_str()).collect();
    assert!(bodies.contains(&HOSTILE_BODY), "{json}");
}

/// Runs `tar ARGS` in `dir`.
fn tar(dir: &Path, args: &[&dyn AsRef<std::ffi::OsStr>]) {
    let out = Command::new("tar").args(args).current_dir(dir).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn verify_and_import_show_a_hostile_bundles_names_origin_principal_and_role_escaped() {
    let tmp = tempfile::tempdir().unwrap();
    let snap = snapshot();
    let s = snap.path();
    let (rev, ven) = (keygen(tmp.path(), "rev"), keygen(tmp.path(), "ven"));
    let (rdata, a) = reviewer(tmp.path(), s, &rev, &ven);
    ok(
        &rdata,
        &[&"reply", &s, &"--key", &ven, &"--to", &a, &"--body", &"we disagree", &"--status", &"disputed"],
    );
    let good = tmp.path().join("rev.vitrine");
    ok(&rdata, &[&"export", &s, &"--key", &rev, &"--out", &good]);
    let x = tmp.path().join("x");
    std::fs::create_dir(&x).unwrap();
    tar(&x, &[&"-xf", &good]);
    // The checkpoint's origin line.
    let cp = std::fs::read_to_string(x.join("checkpoint")).unwrap();
    let (_, rest) = cp.split_once('\n').unwrap();
    let origin = "vitrine.review/\u{1b}]0;PWNED\u{7}\u{1b}[2J\u{1b}[HOK: 2 entries; signatures, chains and checkpoint verified";
    std::fs::write(x.join("checkpoint"), format!("{origin}\n{rest}")).unwrap();
    // An entry's principal (canonical JSON writes the ESC as \u001b).
    let e2 = x.join("entries/000002.json");
    let mut e: serde_json::Value = serde_json::from_slice(&std::fs::read(&e2).unwrap()).unwrap();
    e["author"]["principal"] = "ven@vendor.example\u{1b}[31mRED\u{9b}0m".into();
    std::fs::write(&e2, vitrine_record::canon::canonical_bytes(&e).unwrap()).unwrap();
    // A role word that reorders everything after it (a control character such as ESC in a line makes the
    // whole allowed_signers unreadable: `allowed::is_refused_char`).
    let signers = std::fs::read_to_string(x.join("allowed_signers")).unwrap();
    std::fs::write(x.join("allowed_signers"), signers.replacen("role=vendor", "role=vendor[8m\u{202E}", 1))
        .unwrap();
    // Member names: one that clears the screen, one that starts a line of its own saying the record is fine.
    std::fs::write(x.join("entries/zz\u{1b}[2J\u{1b}[Hsee"), "x").unwrap();
    std::fs::write(x.join("entries/zz\nOK: 2 entries; signatures, chains and checkpoint verified"), "x")
        .unwrap();
    let evil = tmp.path().join("evil.vitrine");
    tar(&x, &[&"--format=gnu", &"-cf", &evil, &"."]);

    let (code, out, err) = cli(&rdata, &[&"verify", &evil]);
    assert_eq!(code, 1, "{out}{err}");
    assert_terminal_safe("verify", &out);
    assert_terminal_safe("verify (stderr)", &err);
    assert!(out.lines().last().unwrap().starts_with("INVALID: "), "{out}");
    assert!(
        !out.lines().any(|l| l.starts_with("OK:")),
        "a line of the bundle passes for the verdict:\n{out}"
    );
    assert!(out.contains("entries/zz\\x1B[2J\\x1B[Hsee"), "{out}");
    assert!(out.contains("entries/zz\\x0AOK: 2 entries"), "{out}");
    assert!(out.contains("\\x1B]0;PWNED\\x07\\x1B[2J\\x1B[HOK: 2 entries"), "{out}");
    assert!(out.contains("ven@vendor.example\\x1B[31mRED<U+009B>0m"), "{out}");
    assert!(out.contains("vendor[8m<U+202E>"), "{out}");

    let (code, json, err) = cli(&rdata, &[&"verify", &evil, &"--json"]);
    assert_eq!(code, 1, "{err}");
    assert_terminal_safe("verify --json", &json);
    serde_json::from_str::<serde_json::Value>(&json).unwrap();

    let (code, out, err) = cli(&rdata, &[&"import", &s, &evil]);
    assert_eq!(code, 1, "{out}{err}");
    assert_terminal_safe("import", &out);
    assert_terminal_safe("import (stderr)", &err);
    assert!(err.contains("\\x1B]0;PWNED\\x07"), "{err}");
}

#[test]
fn a_latin_look_alike_of_the_reviewer_is_called_out_and_shown_by_its_code_points() {
    let tmp = tempfile::tempdir().unwrap();
    let snap = snapshot();
    let s = snap.path();
    let (rev, ven) = (keygen(tmp.path(), "rev"), keygen(tmp.path(), "ven"));
    let (rdata, a) = reviewer(tmp.path(), s, &rev, &ven);
    let first = tmp.path().join("rev.vitrine");
    ok(&rdata, &[&"export", &s, &"--key", &rev, &"--out", &first]);
    // The vendor makes a key for "rev@aɡency.example" (U+0261 LATIN SMALL LETTER SCRIPT G: Latin only, so
    // one script) and closes the finding with it.
    let fake_name = "rev@a\u{0261}ency.example";
    let escaped = "rev@a<U+0261>ency.example";
    let fake = keygen(tmp.path(), "fake");
    let vdata = tmp.path().join("vdata");
    ok(&vdata, &[&"import", &s, &first]);
    let added = ok(
        &vdata,
        &[
            &"people",
            &"add",
            &s,
            &"--principal",
            &fake_name,
            &"--role",
            &"reviewer",
            &"--pubkey",
            &pub_path(&fake),
        ],
    );
    assert!(added.contains(&format!("{fake_name} [{escaped}]")), "{added}");
    let listed = ok(&vdata, &[&"people", &"list", &s]);
    assert!(listed.contains(&format!("{fake_name} [{escaped}]")), "{listed}");
    ok(&vdata, &[&"status", &s, &"--key", &fake, &"--to", &a, &"--status", &"closed", &"--body", &"closing"]);
    let log = ok(&vdata, &[&"log", &s]);
    assert!(log.contains(&format!("status -> closed {fake_name} [{escaped}] (reviewer)")), "{log}");
    let evil = tmp.path().join("evil.vitrine");
    ok(&vdata, &[&"export", &s, &"--key", &ven, &"--out", &evil]);

    let (_, out, _) = cli(&rdata, &[&"verify", &evil]);
    assert!(out.contains(&format!("{escaped} ")) && out.contains(&format!("[looks like {REV}]")), "{out}");
    assert!(!out.contains('\u{0261}'), "verify shows the look-alike as the reviewer's own name:\n{out}");
    let (code, out, err) = cli(&rdata, &[&"import", &s, &evil]);
    assert_eq!(code, 1, "a new person needs consent: {out}{err}");
    assert!(err.contains(&format!("new person in the bundle: {escaped} (reviewer)")), "{err}");
    assert!(
        err.contains(&format!("LOOK-ALIKE: {escaped} looks like {REV}, a person of this review")),
        "{err}"
    );
    assert!(!err.contains('\u{0261}'), "{err}");
}

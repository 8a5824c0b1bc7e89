//! The review record end to end: interop with stock `ssh-keygen`, the reviewer/vendor round trip through
//! the CLI, the tamper matrix (each case caught by `vitrine verify` and by the bundle's `verify.sh`,
//! naming the right file), crash safety under SIGKILL, and the format golden of version 1.

// Helpers here are test code too (clippy's allow-unwrap-in-tests only covers `#[test]` functions).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::too_many_arguments)]

use std::io::{BufRead, BufReader};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use vitrine_record::bundle::{self, BundleFiles, SnapshotData};
use vitrine_record::entry::{Target, blob_id, quote_lines};
use vitrine_record::keys::{NS_ENTRY, Signature};
use vitrine_record::time::OffsetDateTime;
use vitrine_record::{Class, Draft, Kind, Review, Severity, Signer, allowed};

use crate::support::{TempTree, vitrine_os};

fn sh(cmd: &mut Command) -> std::process::Output {
    cmd.output().expect("command runs")
}

/// `ssh-keygen -t ed25519` into `dir/name`, encrypted with `pass` (empty: unencrypted).
fn keygen(dir: &Path, name: &str, pass: &str) -> PathBuf {
    let path = dir.join(name);
    let out =
        sh(Command::new("ssh-keygen").args(["-q", "-t", "ed25519", "-N", pass, "-C", name, "-f"]).arg(&path));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    path
}

fn pub_path(key: &Path) -> PathBuf {
    PathBuf::from(format!("{}.pub", key.display()))
}

/// Runs the CLI in process against data directory `data`.
fn cli(data: &Path, args: &[&dyn AsRef<std::ffi::OsStr>]) -> (u8, String, String) {
    let mut all: Vec<&std::ffi::OsStr> = vec!["--data".as_ref(), data.as_os_str()];
    all.extend(args.iter().map(|a| a.as_ref()));
    vitrine_os(&all)
}

fn small_snapshot() -> TempTree {
    let t = TempTree::new();
    t.file("src/main.c", "#include <stdio.h>\n\nint main(void)\n{\n    puts(\"hello\");\n    return 0;\n}\n");
    t.file("src/util.h", "#pragma once\nint add(int a, int b);\n");
    t.file("README", "demo\nno newline at end");
    t
}

/// A review with a reviewer and a vendor (unencrypted stock ssh-keygen keys, since in-process CLI runs
/// cannot set the passphrase variable), annotations, a reply, and an exported bundle.
struct Fixture {
    tmp: tempfile::TempDir,
    snap: TempTree,
    data: PathBuf,
    rev: PathBuf,
    ven: PathBuf,
    bundle: PathBuf,
}

impl Fixture {
    fn new() -> Fixture {
        let tmp = tempfile::tempdir().unwrap();
        let snap = small_snapshot();
        let data = tmp.path().join("data");
        let rev = keygen(tmp.path(), "rev", "");
        let ven = keygen(tmp.path(), "ven", "");
        let s = snap.path();
        for (p, r, k) in [("reviewer@example", "reviewer", &rev), ("vendor@example", "vendor", &ven)] {
            let (code, _, err) = cli(
                &data,
                &[&"people", &"add", &s, &"--principal", &p, &"--role", &r, &"--pubkey", &pub_path(k)],
            );
            assert_eq!(code, 0, "{err}");
        }
        let a = annotate(&data, s, &rev, "src/main.c", "3-5", "finding", "high", "Unchecked puts");
        let _b = annotate(&data, s, &rev, "src/util.h", "2-2", "question", "low", "Overflow?");
        // A first export, whose checkpoint the final record must carry and extend.
        let (code, _, err) =
            cli(&data, &[&"export", &s, &"--key", &rev, &"--out", &tmp.path().join("r0.vitrine")]);
        assert_eq!(code, 0, "{err}");
        let (code, _, err) = cli(
            &data,
            &[
                &"reply",
                &s,
                &"--key",
                &ven,
                &"--to",
                &a,
                &"--body",
                &"It cannot fail here",
                &"--status",
                &"disputed",
            ],
        );
        assert_eq!(code, 0, "{err}");
        let (code, _, err) = cli(&data, &[&"mark-reviewed", &s, &"--key", &rev, &"--file", &"src/util.h"]);
        assert_eq!(code, 0, "{err}");
        let bundle = tmp.path().join("r.vitrine");
        let (code, _, err) = cli(&data, &[&"export", &s, &"--key", &rev, &"--out", &bundle]);
        assert_eq!(code, 0, "{err}");
        Fixture { tmp, snap, data, rev, ven, bundle }
    }
}

/// `vitrine annotate`, which must succeed; returns the new entry's id.
pub(crate) fn annotate(
    data: &Path,
    snap: &Path,
    key: &Path,
    file: &str,
    lines: &str,
    kind: &str,
    sev: &str,
    body: &str,
) -> String {
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
            &lines,
            &"--kind",
            &kind,
            &"--severity",
            &sev,
            &"--body",
            &body,
        ],
    );
    assert_eq!(code, 0, "{err}");
    let id = out.lines().last().unwrap().to_owned();
    assert_eq!(id.len(), 64, "{out}");
    id
}

fn unpack(bundle: &Path, dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let out = sh(Command::new("tar").arg("-xf").arg(bundle).arg("-C").arg(dir));
    assert!(out.status.success());
}

fn repack(dir: &Path, bundle: &Path) {
    let out = sh(Command::new("tar").arg("-cf").arg(bundle).arg(".").current_dir(dir));
    assert!(out.status.success());
}

/// Runs the bundle's own verify.sh with `sh`; returns (exit code, stdout).
fn verify_sh(dir: &Path, snapshot: Option<&Path>) -> (i32, String) {
    let mut cmd = Command::new("sh");
    cmd.arg("./verify.sh").current_dir(dir);
    if let Some(s) = snapshot {
        cmd.arg(s);
    }
    let out = sh(&mut cmd);
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Runs this version's verify.sh (not the copy in the bundle, which a case may have replaced) with
/// `shell`, as `./verify.sh` inside `dir`; returns (exit code, stdout).
fn genuine_verify_sh(shell: &str, dir: &Path, snapshot: Option<&Path>) -> (i32, String) {
    let mut cmd = Command::new(shell);
    cmd.arg("-c").arg(bundle::VERIFY_SH).arg("./verify.sh").current_dir(dir);
    if let Some(s) = snapshot {
        cmd.arg(s);
    }
    let out = sh(&mut cmd);
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The entry files a verifier's output names (lines `entries/NNNNNN.json: …`).
fn entries_named(out: &str) -> std::collections::BTreeSet<String> {
    out.lines()
        .filter(|l| l.starts_with("entries/"))
        .filter_map(|l| l.split_once(": ").map(|(s, _)| s.to_owned()))
        .collect()
}

/// Seals an edited bundle again as its exporter would: `record.json`'s entry count, the checkpoint's
/// size, root and bound hashes (signed again), and `FILES.sha256` (signed again), all with `key`.
fn reseal(dir: &Path, key: &Path) {
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir.join("entries"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    names.sort();
    let bytes: Vec<Vec<u8>> = names.iter().map(|p| std::fs::read(p).unwrap()).collect();
    let rj = dir.join("record.json");
    let mut header: serde_json::Value = serde_json::from_slice(&std::fs::read(&rj).unwrap()).unwrap();
    header["entries"] = names.len().into();
    let mut text = serde_json::to_vec_pretty(&header).unwrap();
    text.push(b'\n');
    std::fs::write(&rj, text).unwrap();
    let cp_path = dir.join("checkpoint");
    let mut cp = vitrine_record::merkle::Checkpoint::parse(&std::fs::read(&cp_path).unwrap()).unwrap();
    cp.size = names.len() as u64;
    cp.root = vitrine_record::merkle::root(&bytes);
    std::fs::write(&cp_path, cp.to_text()).unwrap();
    rebind(dir, key, "record", "record.json");
    reseal_statement(dir, key);
}

/// Every regular file under `dir`.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// A data directory under `tmp` whose review of `snap` has one person, the reviewer `r@x`; returns it and
/// the reviewer's key.
fn one_reviewer(tmp: &Path, snap: &Path) -> (PathBuf, PathBuf) {
    let data = tmp.join("data");
    let rev = keygen(tmp, "rev", "");
    let args: [&dyn AsRef<std::ffi::OsStr>; 9] = [
        &"people",
        &"add",
        &snap,
        &"--principal",
        &"r@x",
        &"--role",
        &"reviewer",
        &"--pubkey",
        &pub_path(&rev),
    ];
    let (code, _, err) = cli(&data, &args);
    assert_eq!(code, 0, "{err}");
    (data, rev)
}

/// Writes `entry` (edited from an entry of the bundle) as the next entry file, signed with `key`.
fn append_signed(dir: &Path, entry: &serde_json::Value, key: &Path) -> String {
    let n = std::fs::read_dir(dir.join("entries"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "json"))
        .count();
    let name = format!("{:06}", n + 1);
    let bytes = vitrine_record::canon::canonical_bytes(entry).unwrap();
    let p = dir.join(format!("entries/{name}.json"));
    std::fs::write(&p, bytes).unwrap();
    let out = sh(Command::new("ssh-keygen").args(["-Y", "sign", "-n", NS_ENTRY, "-f"]).arg(key).arg(&p));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    format!("entries/{name}.json")
}

/// `e` made the vendor's next entry in its chain: the fixture's vendor wrote entry 3 (its first), so
/// the next is `seq` 2 with entry 3 as `prev`.
fn vendor_next(dir: &Path, mut e: serde_json::Value) -> serde_json::Value {
    e["seq"] = 2.into();
    e["prev"] =
        vitrine_record::bundle::sha256_hex(&std::fs::read(dir.join("entries/000003.json")).unwrap()).into();
    e
}

fn entry_json(dir: &Path, name: &str) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join(format!("entries/{name}.json"))).unwrap()).unwrap()
}

fn log_ids(data: &Path, snap: &Path) -> Vec<String> {
    let (code, out, err) = cli(data, &[&"log", &snap, &"--json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    v["entries"].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap().to_owned()).collect()
}

#[test]
fn keys_interoperate_with_ssh_keygen_both_ways() {
    let tmp = tempfile::tempdir().unwrap();
    // A key made by ssh-keygen, encrypted: Vitrine opens it with the passphrase and only with it.
    let k = keygen(tmp.path(), "stock", "correct horse");
    let signer = Signer::read(&k, || Ok("correct horse".into())).unwrap();
    assert!(matches!(
        Signer::read(&k, || Ok("wrong".into())),
        Err(vitrine_record::RecordError::Passphrase(_))
    ));
    let stock_pub = std::fs::read_to_string(pub_path(&k)).unwrap();
    assert_eq!(
        signer.public_openssh().unwrap().split_whitespace().nth(1),
        stock_pub.split_whitespace().nth(1)
    );

    // A key made by Vitrine, encrypted: ssh-keygen derives the same public key with the passphrase.
    let mine = Signer::generate("me@example").unwrap();
    let path = tmp.path().join("mine");
    std::fs::write(&path, mine.to_openssh(Some("s3cret")).unwrap()).unwrap();
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let out = sh(Command::new("ssh-keygen").args(["-y", "-P", "s3cret", "-f"]).arg(&path));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let derived = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(derived.split_whitespace().nth(1), mine.public_openssh().unwrap().split_whitespace().nth(1));
    assert!(!sh(Command::new("ssh-keygen").args(["-y", "-P", "nope", "-f"]).arg(&path)).status.success());

    // Vitrine's signature is accepted by ssh-keygen -Y verify, through an allowed_signers Vitrine wrote.
    let people = allowed::AllowedSigners {
        people: vec![allowed::person("me@example", "lead", &mine.public_openssh().unwrap()).unwrap()],
    };
    std::fs::write(tmp.path().join("allowed_signers"), people.render().unwrap()).unwrap();
    let msg = tmp.path().join("msg");
    std::fs::write(&msg, b"{\"a\":1}").unwrap();
    std::fs::write(tmp.path().join("msg.sig"), mine.sign(NS_ENTRY, b"{\"a\":1}").unwrap()).unwrap();
    let verify =
        |file: &str| {
            sh(Command::new("sh").arg("-c").arg(format!(
            "ssh-keygen -Y verify -f allowed_signers -I me@example -n entry@vitrine -s msg.sig < {file}"
        )).current_dir(tmp.path()))
        .status
        .success()
        };
    assert!(verify("msg"));
    std::fs::write(tmp.path().join("other"), b"{\"a\":2}").unwrap();
    assert!(!verify("other"));

    // ssh-keygen -Y sign's signature is accepted by Vitrine; a changed message or namespace is not.
    std::fs::remove_file(tmp.path().join("msg.sig")).unwrap();
    let out = sh(Command::new("ssh-keygen")
        .args(["-Y", "sign", "-n", "entry@vitrine", "-P", "correct horse", "-f"])
        .arg(&k)
        .arg(&msg));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let sig = Signature::parse(&std::fs::read(tmp.path().join("msg.sig")).unwrap()).unwrap();
    assert_eq!(sig.fingerprint(), signer.fingerprint());
    sig.verify(signer.public_key(), NS_ENTRY, b"{\"a\":1}").unwrap();
    assert!(sig.verify(signer.public_key(), NS_ENTRY, b"{\"a\":3}").is_err());
    assert!(sig.verify(signer.public_key(), "checkpoint@vitrine", b"{\"a\":1}").is_err());
    assert!(sig.verify(mine.public_key(), NS_ENTRY, b"{\"a\":1}").is_err());
}

#[test]
fn cli_key_new_writes_an_encrypted_key_ssh_keygen_reads() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("k");
    let (code, stdout, err) = cli(
        &tmp.path().join("d"),
        &[
            &"key",
            &"new",
            &"--principal",
            &"lead@example",
            &"--role",
            &"lead",
            &"--out",
            &out,
            &"--no-passphrase",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(stdout.starts_with("SHA256:"));
    let listed = sh(Command::new("ssh-keygen").arg("-lf").arg(pub_path(&out)));
    let fp = String::from_utf8_lossy(&listed.stdout).split_whitespace().nth(1).unwrap().to_owned();
    let (code, shown, _) = cli(&tmp.path().join("d"), &[&"key", &"show", &out, &"--json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(v["fingerprint"], fp.as_str());
    assert_eq!(v["principal"], "lead@example");
    assert_eq!(v["encrypted"], false);
    // Refuses to overwrite.
    let (code, _, _) = cli(
        &tmp.path().join("d"),
        &[&"key", &"new", &"--principal", &"x", &"--role", &"lead", &"--out", &out, &"--no-passphrase"],
    );
    assert_eq!(code, 2);
}

#[test]
fn reviewer_and_vendor_round_trip_to_the_same_verified_log() {
    let fx = Fixture::new();
    let s = fx.snap.path();
    // The export verifies with vitrine, with the snapshot, with stock ssh-keygen and with verify.sh.
    let (code, out, _) = cli(&fx.data, &[&"verify", &fx.bundle, &"--snapshot", &s]);
    assert_eq!(code, 0, "{out}");
    let x = fx.tmp.path().join("x");
    unpack(&fx.bundle, &x);
    let (code, out) = verify_sh(&x, Some(s));
    assert_eq!(code, 0, "{out}");
    for e in std::fs::read_dir(x.join("entries")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|e| e == "json") {
            let principal = serde_json::from_slice::<serde_json::Value>(&std::fs::read(&p).unwrap()).unwrap()
                ["author"]["principal"]
                .as_str()
                .unwrap()
                .to_owned();
            let ok = sh(Command::new("sh").arg("-c").arg(format!(
                "ssh-keygen -Y verify -f allowed_signers -I {principal} -n entry@vitrine -s {0}.sig < {0}",
                p.display()
            )).current_dir(&x));
            assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
        }
    }

    // The vendor imports, answers and exports; the reviewer imports that.
    let (vdata, r2) = vendor_answers(&fx, "Bounded by the caller");
    let (code, out, err) = cli(&fx.data, &[&"import", &s, &r2]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("imported 1 new entries (4 already present)"), "{out}");
    // Importing again adds nothing.
    let (code, out, _) = cli(&fx.data, &[&"import", &s, &r2]);
    assert_eq!(code, 0);
    assert!(out.contains("imported 0 new entries"), "{out}");
    assert_eq!(log_ids(&fx.data, s), log_ids(&vdata, s));
    // The reviewer's next export carries both earlier checkpoints, and extends them.
    let r3 = fx.tmp.path().join("r3.vitrine");
    let (code, _, err) = cli(&fx.data, &[&"export", &s, &"--key", &fx.rev, &"--out", &r3]);
    assert_eq!(code, 0, "{err}");
    let (code, out, _) = cli(&fx.data, &[&"verify", &r3, &"--snapshot", &s]);
    assert_eq!(code, 0, "{out}");
    let x3 = fx.tmp.path().join("x3");
    unpack(&r3, &x3);
    for n in ["000001", "000002", "000001.sig", "000002.sig"] {
        assert!(x3.join("checkpoints").join(n).exists(), "checkpoints/{n}");
    }
    let (code, out) = verify_sh(&x3, Some(s));
    assert_eq!(code, 0, "{out}");
    let (_, log, _) = cli(&fx.data, &[&"log", &s, &"--json"]);
    let v: serde_json::Value = serde_json::from_str(&log).unwrap();
    let statuses: Vec<&str> =
        v["threads"].as_array().unwrap().iter().map(|t| t["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["disputed", "fixed"]);
    assert!(v["problems"].as_array().unwrap().is_empty());
}

#[test]
fn status_and_retract_change_threads_and_travel_in_a_verified_bundle() {
    let fx = Fixture::new();
    let s = fx.snap.path();
    // The fixture's log: two annotations by the reviewer, the vendor's reply to the first, a review mark.
    let ids = log_ids(&fx.data, s);
    assert_eq!(ids.len(), 4);
    let run = |args: &[&dyn AsRef<std::ffi::OsStr>]| cli(&fx.data, args);
    // The vendor sets the first thread's status through its reply; the reviewer closes the second,
    // giving no reason.
    let (code, out, err) = run(&[
        &"status",
        &s,
        &"--key",
        &fx.ven,
        &"--to",
        &ids[2],
        &"--status",
        &"fixed",
        &"--body",
        &"Patched",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim().len(), 64, "{out}");
    let (code, _, err) =
        run(&[&"status", &s, &"--key", &fx.rev, &"--to", &&ids[1][..8], &"--status", &"closed"]);
    assert_eq!(code, 0, "{err}");
    // Refused, and nothing written: a status outside any thread, an unknown status, someone else's
    // retraction, the retraction of a reply.
    let (code, _, err) = run(&[&"status", &s, &"--key", &fx.rev, &"--to", &ids[3], &"--status", &"fixed"]);
    assert_eq!(code, 2);
    assert!(err.contains("neither an annotation nor part of an annotation's thread"), "{err}");
    let (code, _, err) = run(&[&"status", &s, &"--key", &fx.rev, &"--to", &ids[0], &"--status", &"done"]);
    assert_eq!(code, 2);
    assert!(err.contains("expected one of: open, acknowledged"), "{err}");
    let (code, _, err) = run(&[&"retract", &s, &"--key", &fx.ven, &"--to", &ids[0]]);
    assert_eq!(code, 2);
    assert!(err.contains("was signed by reviewer@example") && err.contains("only that key"), "{err}");
    let (code, _, err) = run(&[&"retract", &s, &"--key", &fx.rev, &"--to", &ids[2]]);
    assert_eq!(code, 2);
    assert!(err.contains("is a reply, not an annotation"), "{err}");
    assert_eq!(log_ids(&fx.data, s).len(), 6);
    // The reviewer withdraws the second annotation; the reason enters in NFC.
    let (code, _, err) =
        run(&[&"retract", &s, &"--key", &fx.rev, &"--to", &ids[1], &"--body", &"Duplicate (cafe\u{301})"]);
    assert_eq!(code, 0, "{err}");

    let (code, log, err) = run(&[&"log", &s, &"--json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&log).unwrap();
    let threads: Vec<(&str, bool)> = v["threads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["status"].as_str().unwrap(), t["retracted"].as_bool().unwrap()))
        .collect();
    assert_eq!(threads, [("fixed", false), ("closed", true)]);
    let entries = v["entries"].as_array().unwrap();
    // (kind, parent, status, body) of the entries added here.
    type Added<'a> = (&'a str, Option<&'a str>, Option<&'a str>, Option<&'a str>);
    let added: Vec<Added<'_>> = entries[4..]
        .iter()
        .map(|e| {
            (e["kind"].as_str().unwrap(), e["parent"].as_str(), e["status"].as_str(), e["body"].as_str())
        })
        .collect();
    assert_eq!(
        added,
        [
            ("status", Some(ids[2].as_str()), Some("fixed"), Some("Patched")),
            ("status", Some(ids[1].as_str()), Some("closed"), None),
            ("retract", Some(ids[1].as_str()), None, Some("Duplicate (caf\u{e9})")),
        ]
    );

    // The new kinds verify like the others, with vitrine and with the bundle's verify.sh.
    let bundle = fx.tmp.path().join("r-status.vitrine");
    let (code, _, err) = run(&[&"export", &s, &"--key", &fx.rev, &"--out", &bundle]);
    assert_eq!(code, 0, "{err}");
    let (code, out, _) = run(&[&"verify", &bundle, &"--snapshot", &s]);
    assert_eq!(code, 0, "{out}");
    let x = fx.tmp.path().join("x-status");
    unpack(&bundle, &x);
    let (code, out) = verify_sh(&x, Some(s));
    assert_eq!(code, 0, "{out}");
}

#[test]
fn annotate_refuses_lines_outside_the_file_and_unknown_people() {
    let fx = Fixture::new();
    let s = fx.snap.path();
    let (code, _, err) = cli(
        &fx.data,
        &[
            &"annotate",
            &s,
            &"--key",
            &fx.rev,
            &"--file",
            &"src/util.h",
            &"--lines",
            &"2-3",
            &"--kind",
            &"note",
            &"--severity",
            &"info",
            &"--body",
            &"x",
        ],
    );
    assert_eq!(code, 2);
    assert!(err.contains("outside src/util.h (2 lines)"), "{err}");
    let stranger = keygen(fx.tmp.path(), "stranger", "");
    let (code, _, err) = cli(
        &fx.data,
        &[
            &"annotate",
            &s,
            &"--key",
            &stranger,
            &"--file",
            &"README",
            &"--lines",
            &"2",
            &"--kind",
            &"note",
            &"--severity",
            &"info",
            &"--body",
            &"x",
        ],
    );
    assert_eq!(code, 2);
    assert!(err.contains("not one of this review's people"), "{err}");
    // The last line without a newline can be quoted.
    annotate(&fx.data, s, &fx.rev, "README", "2-2", "note", "info", "fine");
}

#[test]
fn import_refuses_another_snapshot_and_forks() {
    let fx = Fixture::new();
    let other = TempTree::new();
    other.file("a.txt", "other\n");
    let (code, _, err) = cli(&fx.data, &[&"import", &other.path(), &fx.bundle]);
    assert_eq!(code, 1);
    assert!(err.contains("is a record of snapshot"), "{err}");

    // A second reviewer data directory with the same reviewer key writes a different seq-1 entry: a fork.
    let s = fx.snap.path();
    let fork_data = fx.tmp.path().join("fork");
    let (p, r, k) = ("reviewer@example", "reviewer", &fx.rev);
    let (code, _, err) = cli(
        &fork_data,
        &[&"people", &"add", &s, &"--principal", &p, &"--role", &r, &"--pubkey", &pub_path(k)],
    );
    assert_eq!(code, 0, "{err}");
    annotate(&fork_data, s, &fx.rev, "README", "1-1", "note", "info", "forked history");
    let fork = fx.tmp.path().join("fork.vitrine");
    let (code, _, err) = cli(&fork_data, &[&"export", &s, &"--key", &fx.rev, &"--out", &fork]);
    assert_eq!(code, 0, "{err}");
    let before = log_ids(&fx.data, s);
    let (code, _, err) = cli(&fx.data, &[&"import", &s, &fork]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("entries/000001.json"), "{err}");
    assert_eq!(log_ids(&fx.data, s), before, "a refused import writes nothing");

    // A bundle that brings a person the review does not know is refused unless that is accepted.
    let third = fx.tmp.path().join("third");
    let stranger = keygen(fx.tmp.path(), "stranger", "");
    for (p, r, k) in [("reviewer@example", "reviewer", &fx.rev), ("mallory@example", "lead", &stranger)] {
        let (code, _, err) = cli(
            &third,
            &[&"people", &"add", &s, &"--principal", &p, &"--role", &r, &"--pubkey", &pub_path(k)],
        );
        assert_eq!(code, 0, "{err}");
    }
    let (code, _, err) = cli(&third, &[&"import", &s, &fx.bundle]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("vendor@example"), "the vendor is new to this review: {err}");
    let (code, _, err) = cli(&third, &[&"import", &s, &fx.bundle, &"--accept-new-people"]);
    assert_eq!(code, 0, "{err}");
    annotate(&third, s, &stranger, "README", "1-1", "note", "info", "hello");
    let m = fx.tmp.path().join("mallory.vitrine");
    let (code, _, err) = cli(&third, &[&"export", &s, &"--key", &stranger, &"--out", &m]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = cli(&fx.data, &[&"import", &s, &m]);
    assert_eq!(code, 1);
    assert!(err.contains("new person in the bundle: mallory@example (lead)"), "{err}");
    assert_eq!(log_ids(&fx.data, s), before);
}

/// One tamper case: how to damage the unpacked bundle, and the file both verifiers must name.
struct Case {
    name: &'static str,
    damage: Box<dyn Fn(&Path)>,
    names: &'static str,
}

fn flip_byte(path: &Path, at: usize) {
    let mut b = std::fs::read(path).unwrap();
    let i = at.min(b.len() - 2);
    b[i] ^= 0x01;
    std::fs::write(path, b).unwrap();
}

fn rename_pair(dir: &Path, from: &str, to: &str) {
    std::fs::rename(dir.join(format!("entries/{from}.json")), dir.join(format!("entries/{to}.json")))
        .unwrap();
    std::fs::rename(dir.join(format!("entries/{from}.json.sig")), dir.join(format!("entries/{to}.json.sig")))
        .unwrap();
}

/// Re-signs the checkpoint after editing a bound file, as a lead would when legitimately changing it.
fn rebind(dir: &Path, key: &Path, ext: &str, file: &str) {
    let cp_path = dir.join("checkpoint");
    let cp = std::fs::read_to_string(&cp_path).unwrap();
    let hash = vitrine_record::bundle::sha256_hex(&std::fs::read(dir.join(file)).unwrap());
    let cp: String = cp
        .lines()
        .map(|l| {
            if l.starts_with(&format!("{ext} ")) {
                format!("{ext} sha256:{hash}\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    std::fs::write(&cp_path, cp).unwrap();
    std::fs::remove_file(dir.join("checkpoint.sig")).unwrap();
    let out = sh(Command::new("ssh-keygen")
        .args(["-Y", "sign", "-n", "checkpoint@vitrine", "-f"])
        .arg(key)
        .arg(&cp_path));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// Rewrites `entries/NAME.json` with `edit` (which must change it) and signs it again with `key`, as its
/// author could.
fn resign_edited(dir: &Path, name: &str, key: &Path, edit: impl Fn(String) -> String) {
    let p = dir.join(format!("entries/{name}.json"));
    let before = std::fs::read_to_string(&p).unwrap();
    let after = edit(before.clone());
    assert_ne!(before, after, "the edit must change entries/{name}.json");
    std::fs::write(&p, after).unwrap();
    let sig = dir.join(format!("entries/{name}.json.sig"));
    std::fs::remove_file(&sig).unwrap();
    let out = sh(Command::new("ssh-keygen").args(["-Y", "sign", "-n", NS_ENTRY, "-f"]).arg(key).arg(&p));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(sig.exists());
}

#[test]
fn tamper_matrix_is_caught_by_vitrine_verify_and_verify_sh() {
    let fx = Fixture::new();
    let s = fx.snap.path().to_path_buf();
    // An entry of the same reviewer from a review of another snapshot, to replay.
    let other = TempTree::new();
    other.file("x.c", "int x;\n");
    let odata = fx.tmp.path().join("other");
    let (code, _, _) = cli(
        &odata,
        &[
            &"people",
            &"add",
            &other.path(),
            &"--principal",
            &"reviewer@example",
            &"--role",
            &"reviewer",
            &"--pubkey",
            &pub_path(&fx.rev),
        ],
    );
    assert_eq!(code, 0);
    annotate(&odata, other.path(), &fx.rev, "x.c", "1-1", "note", "info", "elsewhere");
    annotate(&odata, other.path(), &fx.rev, "x.c", "1-1", "note", "info", "elsewhere again");
    let foreign = fx.tmp.path().join("other.vitrine");
    let (code, _, err) = cli(&odata, &[&"export", &other.path(), &"--key", &fx.rev, &"--out", &foreign]);
    assert_eq!(code, 0, "{err}");
    let foreign_dir = fx.tmp.path().join("other-unpacked");
    unpack(&foreign, &foreign_dir);
    let foreign_dir = foreign_dir.join("entries");
    let rev_key = fx.rev.clone();
    let (rev_key2, rev_key3, rev_key4) = (fx.rev.clone(), fx.rev.clone(), fx.rev.clone());
    let vendor_principal_line =
        "vendor@example namespaces=\"entry@vitrine,checkpoint@vitrine,bundle@vitrine\"";

    // The bundle holds: 1 rev annotation, 2 rev annotation, 3 vendor reply, 4 rev review-mark.
    let cases = vec![
        Case {
            name: "byte flipped in an entry",
            damage: Box::new(|d| flip_byte(&d.join("entries/000002.json"), 40)),
            names: "entries/000002.json",
        },
        Case {
            name: "byte flipped in a signature",
            damage: Box::new(|d| flip_byte(&d.join("entries/000001.json.sig"), 150)),
            names: "entries/000001.json",
        },
        Case {
            name: "byte flipped in the checkpoint",
            damage: Box::new(|d| flip_byte(&d.join("checkpoint"), 80)),
            names: "checkpoint",
        },
        Case {
            name: "byte flipped in allowed_signers",
            damage: Box::new(|d| {
                let p = d.join("allowed_signers");
                let t = std::fs::read_to_string(&p).unwrap().replacen("role=vendor", "role=lead", 1);
                std::fs::write(p, t).unwrap();
            }),
            names: "allowed_signers",
        },
        Case {
            name: "byte flipped in the manifest",
            damage: Box::new(|d| flip_byte(&d.join("MANIFEST.sha256"), 3)),
            names: "MANIFEST.sha256",
        },
        Case {
            name: "earlier checkpoint altered",
            damage: Box::new(|d| {
                let p = d.join("checkpoints/000001");
                let t = std::fs::read_to_string(&p).unwrap();
                let mut lines: Vec<&str> = t.lines().collect();
                lines[1] = "1";
                std::fs::write(&p, lines.join("\n") + "\n").unwrap();
            }),
            names: "checkpoints/000001",
        },
        Case {
            name: "entry deleted",
            damage: Box::new(|d| {
                std::fs::remove_file(d.join("entries/000002.json")).unwrap();
                std::fs::remove_file(d.join("entries/000002.json.sig")).unwrap();
            }),
            names: "entries/000004.json",
        },
        Case {
            name: "entries reordered",
            damage: Box::new(|d| {
                rename_pair(d, "000001", "tmp");
                rename_pair(d, "000002", "000001");
                rename_pair(d, "tmp", "000002");
            }),
            names: "entries/000001.json",
        },
        Case {
            name: "entry duplicated",
            damage: Box::new(|d| {
                std::fs::copy(d.join("entries/000002.json"), d.join("entries/000005.json")).unwrap();
                std::fs::copy(d.join("entries/000002.json.sig"), d.join("entries/000005.json.sig")).unwrap();
            }),
            names: "entries/000005.json",
        },
        Case {
            name: "entry replayed from another snapshot",
            damage: Box::new(move |d| {
                std::fs::copy(foreign_dir.join("000001.json"), d.join("entries/000005.json")).unwrap();
                std::fs::copy(foreign_dir.join("000001.json.sig"), d.join("entries/000005.json.sig"))
                    .unwrap();
            }),
            names: "entries/000005.json",
        },
        // Entries rewritten in another JSON form and signed again by their author: the signature holds,
        // only the canonical form is wrong.
        Case {
            name: "entry with whitespace, re-signed",
            damage: Box::new(move |d| {
                resign_edited(d, "000002", &rev_key2, |t| t.replacen("\":", "\": ", 1))
            }),
            names: "entries/000002.json",
        },
        Case {
            name: "entry with a number written 1.0, re-signed",
            damage: Box::new(move |d| {
                resign_edited(d, "000001", &rev_key3, |t| t.replacen("\"seq\":1,", "\"seq\":1.0,", 1))
            }),
            names: "entries/000001.json",
        },
        Case {
            name: "entry with a character escaped that JSON.stringify leaves as is, re-signed",
            damage: Box::new(move |d| {
                resign_edited(d, "000002", &rev_key4, |t| t.replacen("Overflow?", "Overflow\\u003f", 1))
            }),
            names: "entries/000002.json",
        },
        Case {
            name: "key used outside its validity window",
            damage: Box::new(move |d| {
                let p = d.join("allowed_signers");
                let t = std::fs::read_to_string(&p).unwrap().replace(
                    vendor_principal_line,
                    &format!("{vendor_principal_line},valid-before=\"20200101Z\""),
                );
                std::fs::write(&p, t).unwrap();
                rebind(d, &rev_key, "allowed_signers", "allowed_signers");
            }),
            names: "entries/000003.json",
        },
    ];

    let mut cases = cases;
    cases.extend(hostile_cases(&fx));

    // The untouched bundle is valid for both.
    let clean = fx.tmp.path().join("clean");
    unpack(&fx.bundle, &clean);
    assert_eq!(verify_sh(&clean, Some(&s)).0, 0);
    assert_eq!(cli(&fx.data, &[&"verify", &fx.bundle, &"--snapshot", &s]).0, 0);

    // Each case: both verifiers refuse it and name the file; and (the differential) verify.sh, under
    // dash and under bash, gives the same verdict as vitrine verify and names the same entries.
    for (i, case) in cases.iter().enumerate() {
        let dir = fx.tmp.path().join(format!("case{i}"));
        unpack(&fx.bundle, &dir);
        (case.damage)(&dir);
        let bad = fx.tmp.path().join(format!("case{i}.vitrine"));
        repack(&dir, &bad);
        let (code, out, err) = cli(&fx.data, &[&"verify", &bad, &"--snapshot", &s]);
        assert_eq!(code, 1, "{}: vitrine verify should fail\n{out}{err}", case.name);
        assert!(
            out.lines().any(|l| l.starts_with(&format!("{}: ", case.names))),
            "{}: vitrine verify should name {}\n{out}",
            case.name,
            case.names
        );
        let vitrine_entries = entries_named(&out);
        for shell in ["dash", "bash"] {
            let (code, sh_out) = genuine_verify_sh(shell, &dir, Some(&s));
            assert_eq!(code, 1, "{}: verify.sh under {shell} should fail\n{sh_out}", case.name);
            assert!(
                sh_out.lines().any(|l| l.starts_with(&format!("{}: ", case.names))),
                "{}: verify.sh under {shell} should name {}\n{sh_out}",
                case.name,
                case.names
            );
            assert_eq!(
                entries_named(&sh_out),
                vitrine_entries,
                "{}: verify.sh under {shell} and vitrine verify name different entries\nverify.sh:\n{sh_out}\nvitrine:\n{out}",
                case.name
            );
        }
    }
    // Nothing in any bundle ran as a command or wrote a file.
    let planted: Vec<PathBuf> = walk(fx.tmp.path())
        .into_iter()
        .chain(walk(fx.snap.path()))
        .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().contains("pwned")))
        .collect();
    assert!(planted.is_empty(), "a record's data ran as a command: {planted:?}");
}

/// Bundles made by a hostile party (the vendor, or the exporter itself), each with the file both
/// verifiers must name. Cases marked "resealed" have the checkpoint and FILES.sha256 signed again by the
/// exporter, so that the case's own flaw is the only one.
fn hostile_cases(fx: &Fixture) -> Vec<Case> {
    let (rev, ven) = (fx.rev.clone(), fx.ven.clone());
    let pwned = fx.tmp.path().join("pwned");
    let (rev1, rev2, rev3, rev4) = (rev.clone(), rev.clone(), rev.clone(), rev.clone());
    let (rev5, rev6, rev7, rev_cp) = (rev.clone(), rev.clone(), rev.clone(), rev.clone());
    let (ven1, ven2, ven3) = (ven.clone(), ven.clone(), ven.clone());
    let (ven4, ven5, ven6) = (ven.clone(), ven.clone(), ven.clone());
    let (rev8, rev9, rev10) = (rev.clone(), rev.clone(), rev.clone());
    let (pwned1, pwned2) = (pwned.clone(), pwned.clone());
    // A second key the vendor makes for its own principal, listed with the role lead.
    let lead_key = keygen(fx.tmp.path(), "ven2", "");
    let lead_line =
        allowed::person("vendor@example", "lead", &std::fs::read_to_string(pub_path(&lead_key)).unwrap())
            .unwrap();
    let mut cases = allowed_signers_grammar_cases(fx);
    let (ven7, rev11, rev12, rev13) = (ven.clone(), rev.clone(), rev.clone(), rev.clone());
    cases.extend(vec![
        Case {
            name: "the vendor's reply dated months after the record's export (its clock, its word), resealed",
            damage: Box::new(move |d| {
                let mut e = vendor_next(d, entry_json(d, "000003"));
                e["time"] = "2027-06-01T12:00:00Z".into();
                e["status"] = "fixed".into();
                e["body"] = "fixed in 4.2".into();
                append_signed(d, &e, &ven7);
                reseal(d, &rev11);
            }),
            names: "entries/000005.json",
        },
        Case {
            name: "record.json's exported_at months ahead of this machine's clock, resealed",
            damage: Box::new(move |d| {
                let rj = d.join("record.json");
                let mut h: serde_json::Value = serde_json::from_slice(&std::fs::read(&rj).unwrap()).unwrap();
                h["exported_at"] = "2027-06-01T12:00:00Z".into();
                std::fs::write(&rj, serde_json::to_vec_pretty(&h).unwrap()).unwrap();
                reseal(d, &rev12);
            }),
            names: "record.json",
        },
        Case {
            name: "a file Vitrine never writes (notes.txt), listed in FILES.sha256, resealed",
            damage: Box::new(move |d| {
                std::fs::write(d.join("notes.txt"), "closed: risk accepted\n").unwrap();
                reseal(d, &rev13);
            }),
            names: "notes.txt",
        },
    ]);
    cases.extend(vec![
        Case {
            name: "the vendor adds a second key for its own principal with the role lead and closes the reviewer's finding with it, resealed",
            damage: Box::new(move |d| {
                let p = d.join("allowed_signers");
                let t = std::fs::read_to_string(&p).unwrap() + &lead_line.to_line().unwrap() + "\n";
                std::fs::write(&p, t).unwrap();
                let finding = vitrine_record::bundle::sha256_hex(
                    &std::fs::read(d.join("entries/000001.json")).unwrap(),
                );
                let mut e = entry_json(d, "000003");
                e["author"]["fingerprint"] = lead_line.fingerprint.clone().into();
                e["role"] = "lead".into();
                e["kind"] = "status".into();
                e["status"] = "closed".into();
                e["parent"] = finding.into();
                e["seq"] = 1.into();
                e.as_object_mut().unwrap().remove("prev");
                e["body"] = "Resolved".into();
                append_signed(d, &e, &lead_key);
                rebind(d, &rev8, "allowed_signers", "allowed_signers");
                reseal(d, &rev8);
            }),
            names: "allowed_signers",
        },
        Case {
            name: "an entry signature with S + L (ssh-keygen's check lets it through, RFC 8032's does not), resealed",
            damage: Box::new(move |d| {
                let mut e = vendor_next(d, entry_json(d, "000003"));
                // Half of all signatures have room for S + L below 2^253: try bodies until one has.
                let malleated = (0..64).any(|i| {
                    e["body"] = format!("Still disputed ({i})").into();
                    let name = append_signed(d, &e, &ven6);
                    let sig = d.join(format!("{name}.sig"));
                    if malleate_sig(&sig) {
                        return true;
                    }
                    std::fs::remove_file(d.join(&name)).unwrap();
                    std::fs::remove_file(sig).unwrap();
                    false
                });
                assert!(malleated);
                reseal(d, &rev9);
            }),
            names: "entries/000005.json",
        },
        Case {
            name: "an empty directory named entries/000005.json",
            damage: Box::new(|d| std::fs::create_dir(d.join("entries/000005.json")).unwrap()),
            names: "entries/000005.json",
        },
        Case {
            name: "an empty directory named notes",
            damage: Box::new(move |d| {
                std::fs::create_dir(d.join("notes")).unwrap();
                reseal(d, &rev10);
            }),
            names: "notes",
        },
    ]);
    cases.extend(vec![
        Case {
            name: "sed's e command in target.lines[0] of an unsigned entry",
            damage: Box::new(move |d| {
                let p = d.join("entries/000001.json");
                let t = std::fs::read_to_string(&p).unwrap();
                let evil = format!("\"lines\":[\"3e touch {}-e\",5]", pwned1.display());
                let t2 = t.replacen("\"lines\":[3,5]", &evil, 1);
                assert_ne!(t, t2);
                std::fs::write(&p, t2).unwrap();
            }),
            names: "entries/000001.json",
        },
        Case {
            name: "sed's w command in target.lines[0], signed by a key of the record, resealed",
            damage: Box::new(move |d| {
                let mut e = entry_json(d, "000001");
                e["target"]["lines"][0] = format!("3w {}-w", pwned2.display()).into();
                e["seq"] = 4.into();
                e["prev"] = vitrine_record::bundle::sha256_hex(
                    &std::fs::read(d.join("entries/000004.json")).unwrap(),
                )
                .into();
                append_signed(d, &e, &rev1);
                reseal(d, &rev1);
            }),
            names: "entries/000005.json",
        },
        Case {
            name: "an 8 MB entry with no valid signature",
            damage: Box::new(|d| {
                let big = format!("{{\"body\":\"{}\"}}", "x".repeat(8 << 20));
                std::fs::write(d.join("entries/000002.json"), big).unwrap();
            }),
            names: "entries/000002.json",
        },
        Case {
            name: "an entry naming an empty author.fingerprint, a second seq-1 chain of the vendor key, resealed",
            damage: Box::new(move |d| {
                let mut e = entry_json(d, "000003");
                e["author"]["fingerprint"] = "".into();
                e["body"] = "Second chain".into();
                append_signed(d, &e, &ven1);
                reseal(d, &rev2);
            }),
            names: "entries/000005.json",
        },
        Case {
            name: "an entry naming a truncated author.fingerprint, resealed",
            damage: Box::new(move |d| {
                let mut e = entry_json(d, "000003");
                let fp = e["author"]["fingerprint"].as_str().unwrap().to_owned();
                e["author"]["fingerprint"] = fp[..20].into();
                e["body"] = "Third chain".into();
                append_signed(d, &e, &ven2);
                reseal(d, &rev3);
            }),
            names: "entries/000005.json",
        },
        Case {
            name: "the vendor closes the reviewer's finding and accepts its risk, resealed",
            damage: Box::new(move |d| {
                let reply = entry_json(d, "000003");
                let mut e = vendor_next(d, reply.clone());
                e["kind"] = "status".into();
                e["status"] = "closed".into();
                e.as_object_mut().unwrap().remove("body");
                append_signed(d, &e, &ven3);
                reseal(d, &rev4);
            }),
            names: "entries/000005.json",
        },
        Case {
            name: "verify.sh replaced by `echo OK`",
            damage: Box::new(|d| std::fs::write(d.join("verify.sh"), "echo OK\n").unwrap()),
            names: "verify.sh",
        },
        Case {
            name: "report.html: the high finding made low, its body rewritten",
            damage: Box::new(|d| {
                let p = d.join("report.html");
                let t = std::fs::read_to_string(&p).unwrap();
                let t2 = t.replace("finding · high", "finding · low").replace("Unchecked puts", "Cosmetic");
                assert_ne!(t, t2);
                std::fs::write(&p, t2).unwrap();
            }),
            names: "report.html",
        },
        Case {
            name: "results.sarif emptied",
            damage: Box::new(|d| std::fs::write(d.join("results.sarif"), "").unwrap()),
            names: "results.sarif",
        },
        Case {
            name: "a file the statement does not list",
            damage: Box::new(|d| std::fs::write(d.join("NOTES.txt"), "trust me\n").unwrap()),
            names: "NOTES.txt",
        },
        Case {
            name: "the vendor answers again, dated a week before its last answer and the finding, resealed",
            damage: Box::new(move |d| {
                let mut e = vendor_next(d, entry_json(d, "000003"));
                let rfc = &vitrine_record::time::format_description::well_known::Rfc3339;
                let t =
                    vitrine_record::time::OffsetDateTime::parse(e["time"].as_str().unwrap(), rfc).unwrap();
                e["time"] =
                    vitrine_record::entry::format_time(t - vitrine_record::time::Duration::days(7)).into();
                e["body"] = "Fixed long ago, before our key was ended".into();
                append_signed(d, &e, &ven4);
                reseal(d, &rev5);
            }),
            names: "entries/000005.json",
        },
        Case {
            name: "the vendor carries a finding over to a new version itself (anchor-port), resealed",
            damage: Box::new(move |d| {
                let mut e = vendor_next(d, entry_json(d, "000003"));
                let o = e.as_object_mut().unwrap();
                for k in ["parent", "status", "target", "class", "severity", "category"] {
                    o.remove(k);
                }
                let body = serde_json::json!({
                    "annotation": "ab".repeat(32), "author": "vendor@example", "outcome": "outdated",
                    "port": 1, "text": "x",
                    "from": {"blob": "cd".repeat(32), "lines": [1, 1], "path": "src/main.c",
                        "quote": {"prefix": "", "sha256": "ef".repeat(32), "suffix": ""}, "snapshot": "01".repeat(32)},
                });
                let body = String::from_utf8(vitrine_record::canon::canonical_bytes(&body).unwrap()).unwrap();
                e["kind"] = "anchor-port".into();
                e["body"] = body.into();
                append_signed(d, &e, &ven5);
                reseal(d, &rev6);
            }),
            names: "entries/000005.json",
        },
        Case {
            name: "written down to format 1 (which binds no views) with a report.html of its own, resealed",
            damage: Box::new(move |d| {
                let rj = d.join("record.json");
                let mut h: serde_json::Value = serde_json::from_slice(&std::fs::read(&rj).unwrap()).unwrap();
                h["v"] = 1.into();
                std::fs::write(&rj, serde_json::to_vec_pretty(&h).unwrap()).unwrap();
                std::fs::write(d.join("report.html"), "<script>alert('closed')</script>\n").unwrap();
                reseal(d, &rev7);
                std::fs::remove_file(d.join("FILES.sha256")).unwrap();
                std::fs::remove_file(d.join("FILES.sha256.sig")).unwrap();
            }),
            names: "record.json",
        },
        Case {
            // Entries 3 and 4 follow checkpoints/000001 (which covers 1 and 2) in the log, so they were
            // appended after it was exported: dated three days before it, they were backdated.
            name: "an earlier checkpoint exported three days after the entries that follow it, re-signed, resealed",
            damage: Box::new(move |d| {
                let p = d.join("checkpoints/000001");
                let mut cp = vitrine_record::merkle::Checkpoint::parse(&std::fs::read(&p).unwrap()).unwrap();
                assert_eq!(cp.size, 2, "the fixture's first checkpoint covers entries 1 and 2");
                let rfc = &vitrine_record::time::format_description::well_known::Rfc3339;
                let last = entry_json(d, "000004");
                let t =
                    vitrine_record::time::OffsetDateTime::parse(last["time"].as_str().unwrap(), rfc).unwrap();
                let later = vitrine_record::entry::format_time(t + vitrine_record::time::Duration::days(3));
                let ext = cp.extensions.iter_mut().find(|l| l.starts_with("exported ")).unwrap();
                *ext = format!("exported {later}");
                std::fs::write(&p, cp.to_text()).unwrap();
                std::fs::remove_file(d.join("checkpoints/000001.sig")).unwrap();
                let out = sh(Command::new("ssh-keygen")
                    .args(["-Y", "sign", "-n", "checkpoint@vitrine", "-f"])
                    .arg(&rev_cp)
                    .arg(&p));
                assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
                reseal(d, &rev_cp);
            }),
            names: "entries/000003.json",
        },
        Case {
            name: "the vendor anchors an annotation in a file the snapshot does not have, resealed",
            damage: Box::new(move |d| {
                let mut e = vendor_next(d, entry_json(d, "000001"));
                e["author"] = entry_json(d, "000003")["author"].clone();
                e["role"] = "vendor".into();
                e["target"]["path"] = "src/missing.c".into();
                append_signed(d, &e, &ven);
                reseal(d, &rev);
            }),
            names: "entries/000005.json",
        },
    ]);
    cases
}

/// The L of Ed25519 (the group order), little-endian.
const ED25519_L: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

/// Rewrites the armored SSHSIG at `path` with its Ed25519 S replaced by S + L, as anyone can without the
/// key; false (and nothing written) when S + L would set one of the top three bits, which ssh-keygen
/// refuses too.
fn malleate_sig(path: &Path) -> bool {
    let text = std::fs::read_to_string(path).unwrap();
    let body: String = text.lines().filter(|l| !l.starts_with("-----")).collect();
    let run = |args: &[&str], input: &[u8]| {
        let mut child = Command::new(args[0])
            .args(&args[1..])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        std::io::Write::write_all(&mut child.stdin.take().unwrap(), input).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success());
        out.stdout
    };
    let mut blob = run(&["base64", "-d"], body.as_bytes());
    let n = blob.len();
    let mut carry = 0u16;
    for (i, l) in ED25519_L.iter().enumerate() {
        let sum = u16::from(blob[n - 32 + i]) + u16::from(*l) + carry;
        blob[n - 32 + i] = (sum & 0xff) as u8;
        carry = sum >> 8;
    }
    if carry != 0 || blob[n - 1] & 0xe0 != 0 {
        return false;
    }
    let b64 = run(&["base64", "-w", "70"], &blob);
    let armored = format!(
        "-----BEGIN SSH SIGNATURE-----\n{}-----END SSH SIGNATURE-----\n",
        String::from_utf8(b64).unwrap()
    );
    std::fs::write(path, armored).unwrap();
    true
}

/// Lines of `allowed_signers` that one reader would split or match differently from another
/// (`char::is_whitespace` against ssh-keygen's space and tab, literal namespaces against patterns, time
/// forms only ssh-keygen takes): the exporter writes them and seals the record again. Each is refused by
/// both verifiers, which then name the same entries (none of which has a signer).
fn allowed_signers_grammar_cases(fx: &Fixture) -> Vec<Case> {
    let ns = "namespaces=\"entry@vitrine,checkpoint@vitrine,bundle@vitrine\"";
    let edits: Vec<(&'static str, String, String)> = vec![
        (
            "allowed_signers: the vendor's comment split by U+00A0 (role=reviewer to one reader, vendor to another), resealed",
            " role=vendor".into(),
            " x\u{a0}role=reviewer role=vendor".into(),
        ),
        (
            "allowed_signers: a carriage return after the vendor's role, resealed",
            " role=vendor".into(),
            " role=vendor\r".into(),
        ),
        (
            "allowed_signers: a negated namespace pattern (ssh-keygen: none; an exact match: all), resealed",
            format!("vendor@example {ns}"),
            "vendor@example namespaces=\"entry@vitrine,!entry@vitrine,checkpoint@vitrine,bundle@vitrine\""
                .into(),
        ),
        (
            "allowed_signers: valid-before with a UTC suffix, resealed",
            format!("vendor@example {ns}"),
            format!("vendor@example {ns},valid-before=\"20991231235959UTC\""),
        ),
        (
            "allowed_signers: valid-after at second 60, resealed",
            format!("vendor@example {ns}"),
            format!("vendor@example {ns},valid-after=\"20200101235960Z\""),
        ),
        (
            "allowed_signers: valid-before on 31 February (ssh-keygen: 3 March), resealed",
            format!("vendor@example {ns}"),
            format!("vendor@example {ns},valid-before=\"20990231Z\""),
        ),
    ];
    edits
        .into_iter()
        .map(|(name, from, to)| {
            let rev = fx.rev.clone();
            Case {
                name,
                damage: Box::new(move |d| {
                    let p = d.join("allowed_signers");
                    let t = std::fs::read_to_string(&p).unwrap();
                    let t2 = t.replacen(&from, &to, 1);
                    assert_ne!(t, t2, "{name}");
                    std::fs::write(&p, t2).unwrap();
                    rebind(d, &rev, "allowed_signers", "allowed_signers");
                    reseal(d, &rev);
                }),
                names: "allowed_signers",
            }
        })
        .collect()
}

#[test]
fn verify_checks_anchors_against_the_snapshot() {
    let fx = Fixture::new();
    // Same tree id is impossible with changed content, so a changed snapshot is reported as another one.
    let changed = TempTree::new();
    for f in ["src/main.c", "src/util.h", "README"] {
        changed.file(f, std::fs::read(fx.snap.path().join(f)).unwrap());
    }
    changed.file("src/util.h", "#pragma once\nint add(long a, long b);\n");
    let (code, out, _) = cli(&fx.data, &[&"verify", &fx.bundle, &"--snapshot", &changed.path()]);
    assert_eq!(code, 1);
    assert!(out.contains("record.json: is a record of snapshot"), "{out}");
    // The verdict counts its problems in English: "1 problem", "2 problems".
    let verdict = out.lines().last().unwrap();
    let n: usize = verdict.strip_prefix("INVALID: ").unwrap().split(' ').next().unwrap().parse().unwrap();
    assert_eq!(verdict, format!("INVALID: {n} problem{}", if n == 1 { "" } else { "s" }), "{out}");
    let x = fx.tmp.path().join("x");
    unpack(&fx.bundle, &x);
    let (code, out) = verify_sh(&x, Some(changed.path()));
    assert_eq!(code, 1);
    assert!(out.contains("record.json: is a record of snapshot"), "{out}");
}

/// verify.sh's jq program for canonical form (`CANON` in the script).
fn verify_sh_canon() -> String {
    let script = bundle::VERIFY_SH;
    let program = |head: &str| {
        let start = script.find(head).unwrap() + head.len();
        let len = script[start..].find('\'').unwrap();
        script[start..start + len].to_owned()
    };
    // CANON is its definitions (CANON_DEFS, which SCHEMA uses too), then its main program.
    program("CANON_DEFS='") + &program("CANON=\"$CANON_DEFS\"'")
}

#[test]
fn verify_sh_judges_canonical_form_as_vitrine_does_except_nfc() {
    let canon = verify_sh_canon();
    // The program reads one file (slurped); its definitions also take text through `fromjson`, so that
    // thousands of variants go through one jq process.
    let (defs, main) = canon.trim_end().rsplit_once('\n').unwrap();
    assert!(main.starts_with("if length == 1 then .[0] | canon"), "{main}");
    let entry = {
        let c = b"a\nb\n";
        let mut d = annotation_draft("src/é.c", c, [1, 2], Class::Finding, Severity::High);
        d.body = Some("Quote \" and \\, tab\t, \u{1}\u{1f}\u{7f}, café 😀 \u{2028}".into());
        let tmp = tempfile::tempdir().unwrap();
        let signer = Signer::generate("t").unwrap();
        let mut r = Review::open(tmp.path(), &"ab".repeat(32)).unwrap();
        r.add_person(allowed::person("t@x", "reviewer", &signer.public_openssh().unwrap()).unwrap()).unwrap();
        r.append(&signer, d, OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap())
            .unwrap()
            .bytes
            .clone()
    };
    let generic = br#"{"a":[1,-2,0,true,false,null,{},[]],"b":"x\n\u001fy\"\\\b\t\f\r\u0000","c":{"d":"","e":[9007199254740991,-9007199254740991]}}"#.to_vec();
    let mut variants: Vec<Vec<u8>> = vec![entry.clone(), generic.clone()];
    for (sample, alphabet) in [(&entry, &b" \"\\.,u"[..]), (&generic, &b" \t\"\\/019-+.eE{}[],:uAbf\x7f"[..])]
    {
        for i in 0..=sample.len() {
            for &b in alphabet {
                let mut m = sample.clone();
                m.insert(i, b);
                variants.push(m);
                if i < sample.len() {
                    let mut m = sample.clone();
                    m[i] = b;
                    variants.push(m);
                }
            }
            if i < sample.len() {
                let mut m = sample.clone();
                m.remove(i);
                variants.push(m);
            }
        }
    }
    for extra in [
        &br#"{"a":-0}"#[..],
        br#"{"a":01}"#,
        br#"{"a":1.0}"#,
        br#"{"a":1e2}"#,
        br#"{"a":9007199254740992}"#,
        br#"{"a":100000000000000000000000001}"#,
        br#"{"a":"\u0041"}"#,
        br#"{"a":"\u001F"}"#,
        br#"{"a":"\/"}"#,
        br#"{"b":1,"a":2}"#,
        br#"{"a":1,"a":1}"#,
        "{\"é\":1}".as_bytes(),
        br#"{"A":1,"B":2,"a":3}"#,
        br#"{"a":"\ud83d\ude00"}"#,
        "{\"a\":\"\u{1f600}\"}".as_bytes(),
        "{\"a\":\"e\u{301}\"}".as_bytes(),
    ] {
        variants.push(extra.to_vec());
    }
    variants.retain(|v| std::str::from_utf8(v).is_ok());
    let texts: Vec<&str> = variants.iter().map(|v| std::str::from_utf8(v).unwrap()).collect();
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("variants.json");
    std::fs::write(&input, serde_json::to_vec(&texts).unwrap()).unwrap();
    let program = format!("{defs}\nmap(. as $t | try ((fromjson | canon) == $t) catch false)");
    let out = sh(Command::new("jq").arg("-c").arg(&program).arg(&input));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let judged: Vec<bool> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(judged.len(), variants.len());
    let (mut accepted, mut nfc_only) = (0, 0);
    for (v, jq_says) in variants.iter().zip(judged) {
        let vitrine = vitrine_record::canon::parse_canonical(v);
        let text = String::from_utf8_lossy(v);
        match (&vitrine, jq_says) {
            (Ok(_), true) => accepted += 1,
            (Err(_), false) => {}
            // The one documented difference: jq cannot tell whether text is in NFC.
            (Err(e), true) if e.to_string().contains("NFC") => nfc_only += 1,
            _ => panic!("{text}: vitrine {vitrine:?}, verify.sh accepts: {jq_says}"),
        }
    }
    assert!(accepted > 100 && nfc_only > 0, "{accepted} accepted, {nfc_only} refused for NFC only");

    // Whole files, through the script's own command: one value only, nothing around it, valid UTF-8.
    let entry_text = String::from_utf8(entry.clone()).unwrap();
    // (bytes, what vitrine verify says, what verify.sh says)
    let files: Vec<(Vec<u8>, bool, bool)> = vec![
        (entry.clone(), true, true),
        (generic, true, true),
        (Vec::new(), false, false),
        (b" ".to_vec(), false, false),
        ([&entry[..], b"\n"].concat(), false, false),
        ([&entry[..], &entry[..]].concat(), false, false),
        ([&b"\xef\xbb\xbf"[..], &entry[..]].concat(), false, false),
        (entry_text.replacen("caf\u{e9}", "caf\\udce9", 1).into_bytes(), false, false),
        (entry_text.replacen("caf\u{e9}", "caf\\ud800", 1).into_bytes(), false, false),
        ([&br#"{"a":""#[..], b"\xff", br#""}"#].concat(), false, false),
        // The documented difference: decomposed text is canonical JSON, but not in NFC.
        (entry_text.replacen("caf\u{e9}", "cafe\u{301}", 1).into_bytes(), false, true),
    ];
    for (i, (bytes, vitrine, verify_sh)) in files.iter().enumerate() {
        let f = tmp.path().join(format!("f{i}.json"));
        std::fs::write(&f, bytes).unwrap();
        let out = sh(Command::new("jq").arg("-sj").arg(&canon).arg(&f));
        let jq_says = out.status.success() && &out.stdout == bytes;
        let text = String::from_utf8_lossy(bytes);
        assert_eq!(
            vitrine_record::canon::parse_canonical(bytes).is_ok(),
            *vitrine,
            "vitrine, file {i}: {text}"
        );
        assert_eq!(jq_says, *verify_sh, "verify.sh, file {i}: {text}");
    }
}

/// Child side of the crash test: appends entries forever, printing each id once `append` returned.
#[test]
fn crash_writer_child() {
    let Some(dir) = std::env::var_os("VITRINE_CRASH_WRITER_DIR") else { return };
    let key = PathBuf::from(std::env::var_os("VITRINE_CRASH_WRITER_KEY").unwrap());
    let snapshot = std::env::var("VITRINE_CRASH_WRITER_SNAPSHOT").unwrap();
    let signer = Signer::read(&key, || unreachable!()).unwrap();
    let mut review = Review::open(Path::new(&dir), &snapshot).unwrap();
    let mut out = std::io::stdout().lock();
    for i in 0.. {
        let v = review.append(&signer, note_draft(i), OffsetDateTime::now_utc()).unwrap();
        use std::io::Write;
        writeln!(out, "appended {}", v.id).unwrap();
        out.flush().unwrap();
    }
}

/// A draft annotation of lines `lines` of `path` (whose content is `content`), with its class and
/// severity; the caller sets the body.
fn annotation_draft(path: &str, content: &[u8], lines: [u64; 2], class: Class, severity: Severity) -> Draft {
    let mut d = Draft::new(Kind::Annotation);
    d.target = Some(Target {
        path: path.into(),
        path_bytes: None,
        blob: blob_id(content),
        lines: Some(lines),
        quote: quote_lines(content, lines[0], lines[1]),
    });
    d.class = Some(class);
    d.severity = Some(severity);
    d
}

fn note_draft(i: u64) -> Draft {
    let content = b"one\ntwo\n";
    let mut d = annotation_draft("f.c", content, [1, 1], Class::Note, Severity::Info);
    d.body = Some(format!("note {i}"));
    d
}

#[test]
fn killed_writers_never_leave_a_corrupt_or_lost_entry() {
    let tmp = tempfile::tempdir().unwrap();
    let snapshot = "ab".repeat(32);
    let dir = tmp.path().join("review");
    let signer = Signer::generate("w@example").unwrap();
    let key = tmp.path().join("key");
    std::fs::write(&key, signer.to_openssh(None).unwrap()).unwrap();
    {
        let mut r = Review::open(&dir, &snapshot).unwrap();
        r.add_person(allowed::person("w@example", "reviewer", &signer.public_openssh().unwrap()).unwrap())
            .unwrap();
    }
    let mut confirmed: Vec<String> = Vec::new();
    let mut seed: u64 = u64::from(std::process::id()) | 1;
    let rounds = 12;
    for round in 0..rounds {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let stop_after = 1 + (seed >> 33) % 6;
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["record::crash_writer_child", "--exact", "--nocapture", "--test-threads=1"])
            .env("VITRINE_CRASH_WRITER_DIR", &dir)
            .env("VITRINE_CRASH_WRITER_KEY", &key)
            .env("VITRINE_CRASH_WRITER_SNAPSHOT", &snapshot)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut seen = 0;
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap();
            if let Some(id) = line.strip_prefix("appended ") {
                confirmed.push(id.to_owned());
                seen += 1;
                if seen == stop_after {
                    break;
                }
            }
        }
        // SIGKILL while the child is somewhere inside its next append.
        child.kill().unwrap();
        child.wait().unwrap();
        assert_eq!(seen, stop_after, "round {round}: the writer stopped early");

        let review = Review::open(&dir, &snapshot).unwrap();
        let present: std::collections::HashSet<&str> =
            review.entries().iter().map(|e| e.id.as_str()).collect();
        for id in &confirmed {
            assert!(present.contains(id.as_str()), "round {round}: confirmed entry {id} is missing");
        }
        // Everything loaded verified (Review::open re-verifies); anything else was quarantined and reported.
        for p in review.problems() {
            assert!(p.message.contains("interrupted") || p.message.contains("moved to"), "{p}");
        }
        let seqs: Vec<u64> = review.entries().iter().map(|e| e.entry.seq).collect();
        assert_eq!(seqs, (1..=seqs.len() as u64).collect::<Vec<_>>(), "round {round}: chain has gaps");
    }
    assert!(confirmed.len() >= rounds);
}

fn golden_dir() -> PathBuf {
    golden_dir_of("v1")
}

fn golden_dir_of(version: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/record").join(version)
}

fn snapshot_of(dir: &Path) -> vitrine_snapshot::Snapshot {
    vitrine_snapshot::Snapshot::open(
        dir,
        &vitrine_snapshot::IngestConfig::default(),
        &vitrine_snapshot::Progress::default(),
    )
    .unwrap()
}

/// Writes the golden of the format this Vitrine writes into `dir` (run once per format with
/// UPDATE_GOLDEN=1; the committed files are then kept forever). The v1 golden was written by the format 1
/// exporter; the v2 golden by this one.
fn write_golden(dir: &Path) {
    let snap_dir = dir.join("snapshot");
    let version = dir.file_name().unwrap().to_str().unwrap();
    std::fs::create_dir_all(snap_dir.join("src")).unwrap();
    std::fs::write(snap_dir.join("src/main.c"), "int main(void)\n{\n    return 0;\n}\n").unwrap();
    std::fs::write(snap_dir.join("README"), format!("golden snapshot for record format {version}\n"))
        .unwrap();
    let snap = snapshot_of(&snap_dir);
    let tmp = tempfile::tempdir().unwrap();
    let rev = Signer::generate("reviewer@example").unwrap();
    let ven = Signer::generate("vendor@example").unwrap();
    let mut review = Review::open(tmp.path(), &snap.ids().tree_sha256.to_string()).unwrap();
    review
        .add_person(allowed::person("reviewer@example", "reviewer", &rev.public_openssh().unwrap()).unwrap())
        .unwrap();
    review
        .add_person(allowed::person("vendor@example", "vendor", &ven.public_openssh().unwrap()).unwrap())
        .unwrap();
    let t0 = OffsetDateTime::from_unix_timestamp(1_790_000_000).unwrap();
    let content = std::fs::read(snap_dir.join("src/main.c")).unwrap();
    let mut d = annotation_draft("src/main.c", &content, [3, 3], Class::Question, Severity::Low);
    d.category = Some("error-handling".into());
    d.body = Some("Why does main always return 0? «ünïcödé» text".into());
    let a = review.append(&rev, d, t0).unwrap().id.clone();
    let mut r = Draft::new(Kind::Reply);
    r.parent = Some(a);
    r.body = Some("Errors are reported by the caller.".into());
    r.status = Some(vitrine_record::Status::Acknowledged);
    review.append(&ven, r, t0 + vitrine_record::time::Duration::minutes(5)).unwrap();
    let mut m = Draft::new(Kind::ReviewMark);
    m.target = Some(Target {
        path: "src/main.c".into(),
        path_bytes: None,
        blob: blob_id(&content),
        lines: None,
        quote: None,
    });
    review.append(&rev, m, t0 + vitrine_record::time::Duration::minutes(9)).unwrap();
    let read = |p: &[u8]| std::fs::read(snap_dir.join(std::ffi::OsStr::from_bytes(p))).ok();
    let config = bundle::ExportConfig {
        snapshot: SnapshotData {
            tree_sha256: snap.ids().tree_sha256.to_string(),
            tree_sha1: snap.ids().tree_sha1.to_string(),
            swhid: snap.ids().swhid.clone(),
            manifest: vitrine_snapshot::manifest::render_bytes(snap.files()),
            read: &read,
        },
        health_json: serde_json::to_vec_pretty(snap.health()).unwrap(),
        tool: "vitrine 0.1.0".into(),
        questions_only: false,
        now: t0 + vitrine_record::time::Duration::minutes(10),
    };
    let files = bundle::export(&mut review, &rev, &config).unwrap();
    files.write(&dir.join("record.vitrine"), 1_790_000_600).unwrap();
}

#[test]
fn format_v2_golden_verifies_with_every_file_bound() {
    let dir = golden_dir_of("v2");
    if std::env::var_os("UPDATE_GOLDEN").is_some() && !dir.join("record.vitrine").exists() {
        write_golden(&dir);
    }
    let snap_dir = dir.join("snapshot");
    let bundle_path = dir.join("record.vitrine");
    let (code, out, _) = cli(&dir.join("unused-data"), &[&"verify", &bundle_path, &"--snapshot", &snap_dir]);
    assert_eq!(code, 0, "{out}");
    for name in ["verify.sh", "report.html", "results.sarif", "FILES.sha256"] {
        assert!(out.lines().any(|l| l.starts_with(&format!("  ok  {name}: "))), "{name}\n{out}");
    }
    assert!(out.contains("re-derived from the entries: identical"), "{out}");
    let files = BundleFiles::read(&bundle_path).unwrap();
    let header: serde_json::Value = serde_json::from_slice(files.get("record.json").unwrap()).unwrap();
    assert_eq!(header["v"], 2);
    let tmp = tempfile::tempdir().unwrap();
    unpack(&bundle_path, tmp.path());
    let (code, out) = verify_sh(tmp.path(), Some(&snap_dir));
    assert_eq!(code, 0, "{out}");
    // And with the verify.sh of this version, under dash and bash.
    for shell in ["dash", "bash"] {
        let (code, out) = genuine_verify_sh(shell, tmp.path(), Some(&snap_dir));
        assert_eq!(code, 0, "{shell}: {out}");
    }
    // The archivist's check of verify.sh before running it (VERIFY.md), with the golden's own signers
    // standing in for a trusted file.
    let trusted = tmp.path().join("allowed_signers");
    let ok = sh(Command::new("sh")
        .arg("-c")
        .arg("ssh-keygen -Y verify -f \"$1\" -I \"$(jq -r .exported_by.principal record.json)\" -n bundle@vitrine -s FILES.sha256.sig < FILES.sha256 && grep -E '  (verify\\.sh|VERIFY\\.md)$' FILES.sha256 | sha256sum --strict -c")
        .arg("sh")
        .arg(&trusted)
        .current_dir(tmp.path()));
    assert!(
        ok.status.success(),
        "{}{}",
        String::from_utf8_lossy(&ok.stdout),
        String::from_utf8_lossy(&ok.stderr)
    );
}

#[test]
fn format_v1_golden_still_verifies() {
    let dir = golden_dir();
    if std::env::var_os("UPDATE_GOLDEN").is_some() && !dir.join("record.vitrine").exists() {
        write_golden(&dir);
    }
    let snap_dir = dir.join("snapshot");
    let snap = snapshot_of(&snap_dir);
    let files = BundleFiles::read(&dir.join("record.vitrine")).unwrap();
    let read = |p: &[u8]| std::fs::read(snap_dir.join(std::ffi::OsStr::from_bytes(p))).ok();
    let data = SnapshotData {
        tree_sha256: snap.ids().tree_sha256.to_string(),
        tree_sha1: snap.ids().tree_sha1.to_string(),
        swhid: snap.ids().swhid.clone(),
        manifest: vitrine_snapshot::manifest::render_bytes(snap.files()),
        read: &read,
    };
    let report = bundle::verify(&files, Some(&data));
    assert!(report.is_valid(), "{:?}", report.problems);
    assert_eq!(report.accepted.len(), 3);
    // Through the CLI, and with the verify.sh shipped inside the v1 record.
    let (code, out, _) =
        cli(&dir.join("unused-data"), &[&"verify", &dir.join("record.vitrine"), &"--snapshot", &snap_dir]);
    assert_eq!(code, 0, "{out}");
    let tmp = tempfile::tempdir().unwrap();
    unpack(&dir.join("record.vitrine"), tmp.path());
    let (code, out) = verify_sh(tmp.path(), Some(&snap_dir));
    assert_eq!(code, 0, "{out}");
    // And with the verify.sh of this version.
    std::fs::write(tmp.path().join("verify.sh"), bundle::VERIFY_SH).unwrap();
    let (code, out) = verify_sh(tmp.path(), Some(&snap_dir));
    assert_eq!(code, 0, "{out}");
}

/// The vendor imports the fixture's export, answers its second entry with `body` and the status
/// fixed (a vendor answers; accepting a risk is the reviewer's), and exports: returns the vendor's data
/// directory and bundle.
fn vendor_answers(fx: &Fixture, body: &str) -> (PathBuf, PathBuf) {
    let s = fx.snap.path();
    let vdata = fx.tmp.path().join("vendor-data");
    let (code, out, err) = cli(&vdata, &[&"import", &s, &fx.bundle]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("imported 4 new entries"), "{out}");
    let ids = log_ids(&vdata, s);
    let args: [&dyn AsRef<std::ffi::OsStr>; 10] =
        [&"reply", &s, &"--key", &fx.ven, &"--to", &ids[1], &"--body", &body, &"--status", &"fixed"];
    let (code, _, err) = cli(&vdata, &args);
    assert_eq!(code, 0, "{err}");
    let r2 = fx.tmp.path().join("r2.vitrine");
    let (code, _, err) = cli(&vdata, &[&"export", &s, &"--key", &fx.ven, &"--out", &r2]);
    assert_eq!(code, 0, "{err}");
    (vdata, r2)
}

/// Validates a bundle's `results.sarif` against the official SARIF 2.1.0 schema (tests/data).
fn assert_sarif_valid(bundle: &Path, scratch: &Path) {
    unpack(bundle, scratch);
    let sarif_path = std::fs::read_dir(scratch)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find_map(|p| {
            let direct = p.join("results.sarif");
            if p.file_name().is_some_and(|n| n == "results.sarif") {
                Some(p)
            } else {
                direct.exists().then_some(direct)
            }
        })
        .expect("results.sarif in the bundle");
    let sarif: serde_json::Value = serde_json::from_slice(&std::fs::read(&sarif_path).unwrap()).unwrap();
    let schema_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sarif-schema-2.1.0.json");
    let schema: serde_json::Value = serde_json::from_slice(&std::fs::read(schema_path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the official schema compiles");
    let errors: Vec<String> =
        validator.iter_errors(&sarif).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "results.sarif violates SARIF 2.1.0:\n{}", errors.join("\n"));
    // The validator does reject what the schema forbids.
    let mut broken = sarif.clone();
    broken["version"] = "2.0.0".into();
    assert!(!validator.is_valid(&broken));
    assert!(sarif["runs"][0]["results"].as_array().is_some_and(|r| !r.is_empty()));
}

#[test]
fn results_sarif_validates_against_the_official_sarif_2_1_0_schema() {
    let fx = Fixture::new();
    assert_sarif_valid(&fx.bundle, &fx.tmp.path().join("sarif1"));
    // With the vendor's answer, and the reviewer's decision (a SARIF suppression) too.
    let s = fx.snap.path();
    let (_, r2) = vendor_answers(&fx, "Fixed");
    assert_sarif_valid(&r2, &fx.tmp.path().join("sarif2"));
    let (code, _, err) = cli(&fx.data, &[&"import", &s, &r2]);
    assert_eq!(code, 0, "{err}");
    let ids = log_ids(&fx.data, s);
    let (code, _, err) = cli(
        &fx.data,
        &[
            &"status",
            &s,
            &"--key",
            &fx.rev,
            &"--to",
            &ids[1],
            &"--status",
            &"accepted-risk",
            &"--body",
            &"Low impact",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let r3 = fx.tmp.path().join("r3.vitrine");
    let (code, _, err) = cli(&fx.data, &[&"export", &s, &"--key", &fx.rev, &"--out", &r3]);
    assert_eq!(code, 0, "{err}");
    assert_sarif_valid(&r3, &fx.tmp.path().join("sarif3"));
    let x = fx.tmp.path().join("sarif3");
    let sarif: serde_json::Value =
        serde_json::from_slice(&std::fs::read(x.join("results.sarif")).unwrap()).unwrap();
    let suppressed: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .map(|r| r["properties"]["status"].as_str().unwrap())
        .collect();
    assert_eq!(suppressed, ["accepted-risk"], "only the reviewer's decision suppresses; a dispute does not");
}

/// A vendor's own review of the fixture's snapshot, written with the library (so that it can sign what
/// the CLI would refuse to write), holding the fixture's entries.
fn vendor_review(fx: &Fixture, dir: &Path) -> (Review, vitrine_snapshot::Snapshot) {
    let snap = snapshot_of(fx.snap.path());
    let mut review = Review::open(dir, &snap.ids().tree_sha256.to_string()).unwrap();
    let files = BundleFiles::read(&fx.bundle).unwrap();
    let report = bundle::verify(&files, None);
    assert!(report.is_valid(), "{:?}", report.problems);
    review.import(&report.people, &report.accepted).unwrap();
    (review, snap)
}

/// Exports `review` signed by `signer` into `out`.
fn export_with(
    review: &mut Review,
    snap: &vitrine_snapshot::Snapshot,
    dir: &Path,
    signer: &Signer,
    out: &Path,
) {
    let read = |p: &[u8]| std::fs::read(dir.join(std::ffi::OsStr::from_bytes(p))).ok();
    let config = bundle::ExportConfig {
        snapshot: SnapshotData {
            tree_sha256: snap.ids().tree_sha256.to_string(),
            tree_sha1: snap.ids().tree_sha1.to_string(),
            swhid: snap.ids().swhid.clone(),
            manifest: vitrine_snapshot::manifest::render_bytes(snap.files()),
            read: &read,
        },
        health_json: serde_json::to_vec_pretty(snap.health()).unwrap(),
        tool: "vitrine test".into(),
        questions_only: false,
        now: OffsetDateTime::now_utc(),
    };
    let files = bundle::export(review, signer, &config).unwrap();
    files.write(out, 1_790_000_000).unwrap();
}

#[test]
fn import_holds_apart_entries_whose_anchors_do_not_resolve_and_later_exports_stay_valid() {
    let fx = Fixture::new();
    let s = fx.snap.path();
    let vdir = fx.tmp.path().join("vendor-lib");
    let (mut review, snap) = vendor_review(&fx, &vdir);
    let ven = Signer::read(&fx.ven, || Ok(String::new())).unwrap();
    let content = std::fs::read(s.join("src/main.c")).unwrap();
    // An annotation on a file the snapshot does not have, a reply to it, and a sound annotation.
    let mut d = annotation_draft("src/missing.c", &content, [1, 1], Class::Note, Severity::Info);
    d.body = Some("Nowhere".into());
    let now = OffsetDateTime::now_utc();
    let ghost = review.append(&ven, d.clone(), now).unwrap().id.clone();
    let mut r = Draft::new(Kind::Reply);
    r.parent = Some(ghost.clone());
    r.body = Some("Follows the ghost".into());
    review.append(&ven, r, now).unwrap();
    let out = fx.tmp.path().join("ghost.vitrine");
    export_with(&mut review, &snap, s, &ven, &out);

    let before = log_ids(&fx.data, s);
    let (code, stdout, err) = cli(&fx.data, &[&"import", &s, &out]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("held apart: entries/000005.json")
            && err.contains("src/missing.c is not in the snapshot"),
        "{err}"
    );
    assert!(err.contains("held apart: entries/000006.json") && err.contains("held apart"), "{err}");
    assert!(stdout.contains("imported 0 new entries (4 already present, 2 held apart"), "{stdout}");
    assert_eq!(log_ids(&fx.data, s), before, "held entries are not in the log");
    // The reviewer's next export verifies against the snapshot: nothing was poisoned.
    let later = fx.tmp.path().join("later.vitrine");
    let (code, _, err) = cli(&fx.data, &[&"export", &s, &"--key", &fx.rev, &"--out", &later]);
    assert_eq!(code, 0, "{err}");
    let (code, out, _) = cli(&fx.data, &[&"verify", &later, &"--snapshot", &s]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn a_second_key_for_a_known_principal_is_called_out_and_needs_its_own_flag() {
    let fx = Fixture::new();
    let s = fx.snap.path();
    let vdir = fx.tmp.path().join("vendor-lib");
    let (mut review, snap) = vendor_review(&fx, &vdir);
    // A new key claiming vendor@example answers the reviewer's first finding and exports.
    let second = Signer::generate("second").unwrap();
    review
        .add_person(allowed::person("vendor@example", "vendor", &second.public_openssh().unwrap()).unwrap())
        .unwrap();
    let ids = log_ids(&fx.data, s);
    let mut r = Draft::new(Kind::Reply);
    r.parent = Some(ids[0].clone());
    r.body = Some("From my other laptop".into());
    review.append(&second, r, OffsetDateTime::now_utc()).unwrap();
    let out = fx.tmp.path().join("second.vitrine");
    export_with(&mut review, &snap, s, &second, &out);

    let (code, _, err) = cli(&fx.data, &[&"import", &s, &out, &"--accept-new-people"]);
    assert_eq!(code, 1, "{err}");
    let expected =
        format!("a second key for vendor@example, not the one this review knows: {}", second.fingerprint());
    assert!(err.contains(&expected), "{err}");
    assert!(err.contains("--accept-second-key"), "{err}");
    assert!(!err.contains("new person in the bundle"), "a second key is not a new person: {err}");
    assert_eq!(log_ids(&fx.data, s), ids);
    let (code, _, err) = cli(&fx.data, &[&"import", &s, &out, &"--accept-second-key"]);
    assert_eq!(code, 0, "{err}");
    // From now on the log tells the two keys of vendor@example apart.
    let (_, log, _) = cli(&fx.data, &[&"log", &s]);
    assert!(log.contains(&format!("vendor@example [{}]", second.fingerprint())), "{log}");
    let first_fp = review
        .people()
        .people
        .iter()
        .find(|p| p.principal == "vendor@example" && p.fingerprint != second.fingerprint())
        .unwrap()
        .fingerprint
        .clone();
    assert!(log.contains(&format!("vendor@example [{first_fp}]")), "{log}");
    // verify names both keys in its signer table.
    let (_, out, _) = cli(&fx.data, &[&"verify", &out, &"--json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let flagged: Vec<&str> = v["signers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| {
            r["flags"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f.as_str().unwrap().contains("share this principal"))
        })
        .map(|r| r["fingerprint"].as_str().unwrap())
        .collect();
    assert_eq!(flagged.len(), 2, "{out}");
}

#[test]
fn look_alike_and_hidden_principals_are_refused_when_added_and_escaped_on_import() {
    let fx = Fixture::new();
    let s = fx.snap.path();
    let key = keygen(fx.tmp.path(), "mallory", "");
    for bad in ["v\u{0435}ndor@example", "vendor\u{202E}@example", "ven\u{200B}dor@example"] {
        let (code, _, err) = cli(
            &fx.data,
            &[
                &"people",
                &"add",
                &s,
                &"--principal",
                &bad,
                &"--role",
                &"vendor",
                &"--pubkey",
                &pub_path(&key),
            ],
        );
        assert_eq!(code, 2, "{bad:?} was accepted");
        assert!(err.contains("<U+"), "{bad:?} must be shown escaped: {err}");
        assert!(!err.contains('\u{202E}') && !err.contains('\u{200B}'), "{err:?}");
    }
    // A record that brings a look-alike (its allowed_signers written by hand, as a forger would).
    let vdir = fx.tmp.path().join("vendor-lib");
    let (review, snap) = vendor_review(&fx, &vdir);
    let pubkey = std::fs::read_to_string(pub_path(&key)).unwrap();
    let look_alike = "vendor@\u{0435}\u{0445}\u{0430}\u{043c}\u{0440}\u{04cf}\u{0435}";
    let line = format!(
        "{look_alike} {} role=vendor\n",
        pubkey.split_whitespace().take(2).collect::<Vec<_>>().join(" ")
    );
    let people = vitrine_record::AllowedSigners::parse(&line).unwrap();
    let look = people.people[0].clone();
    assert!(vitrine_record::validate_principal(look_alike).is_ok(), "one script per label: valid on its own");
    drop(review);
    let signers_file = vdir.join("allowed_signers");
    let mut text = std::fs::read_to_string(&signers_file).unwrap();
    text.push_str(&look.to_line().unwrap());
    text.push('\n');
    std::fs::write(&signers_file, text).unwrap();
    let mut review = Review::open(&vdir, &snap.ids().tree_sha256.to_string()).unwrap();
    let signer = Signer::read(&key, || Ok(String::new())).unwrap();
    let ids = log_ids(&fx.data, s);
    let mut r = Draft::new(Kind::Reply);
    r.parent = Some(ids[0].clone());
    r.body = Some("Trust me".into());
    review.append(&signer, r, OffsetDateTime::now_utc()).unwrap();
    let out = fx.tmp.path().join("look-alike.vitrine");
    export_with(&mut review, &snap, s, &signer, &out);
    let (code, _, err) = cli(&fx.data, &[&"import", &s, &out]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("LOOK-ALIKE: vendor@<U+0435><U+0445><U+0430><U+043C><U+0440><U+04CF><U+0435> looks like vendor@example"), "{err}");
    let (_, verified, _) = cli(&fx.data, &[&"verify", &out]);
    assert!(verified.contains("[looks like vendor@example]"), "{verified}");
    assert!(!verified.contains(look_alike), "the verify output shows the look-alike raw: {verified}");
}

#[test]
fn verify_names_every_signer_and_pins_them_to_a_trusted_file() {
    let fx = Fixture::new();
    let (code, out, _) = cli(&fx.data, &[&"verify", &fx.bundle]);
    assert_eq!(code, 0, "{out}");
    let rev_fp = Signer::read(&fx.rev, || Ok(String::new())).unwrap().fingerprint().to_owned();
    let ven_fp = Signer::read(&fx.ven, || Ok(String::new())).unwrap().fingerprint().to_owned();
    assert!(
        out.lines().any(|l| l.contains("reviewer@example")
            && l.contains("reviewer")
            && l.contains(&rev_fp)
            && l.contains("3 entries, exported the record")),
        "{out}"
    );
    assert!(
        out.lines().any(|l| l.contains("vendor@example") && l.contains(&ven_fp) && l.contains("1 entries")),
        "{out}"
    );
    let (_, json, _) = cli(&fx.data, &[&"verify", &fx.bundle, &"--json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let rows: Vec<(&str, &str, &str, u64)> = v["signers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["principal"].as_str().unwrap(),
                r["role"].as_str().unwrap(),
                r["fingerprint"].as_str().unwrap(),
                r["entries"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("reviewer@example", "reviewer", rev_fp.as_str(), 3),
            ("vendor@example", "vendor", ven_fp.as_str(), 1)
        ]
    );
    // The center's own allowed_signers knows the reviewer only: the vendor is named, and not VALID.
    let trusted = fx.tmp.path().join("center_signers");
    let rev_pub = std::fs::read_to_string(pub_path(&fx.rev)).unwrap();
    std::fs::write(
        &trusted,
        format!(
            "reviewer@example {} role=reviewer\n",
            rev_pub.split_whitespace().take(2).collect::<Vec<_>>().join(" ")
        ),
    )
    .unwrap();
    let (code, out, _) = cli(&fx.data, &[&"verify", &fx.bundle, &"--trusted-signers", &trusted]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(&format!(
            "signer vendor@example: vendor@example (vendor) key {ven_fp} is not in the trusted signers file"
        )),
        "{out}"
    );
    assert!(!out.contains("signer reviewer@example"), "{out}");
    // The same key under another name in the trusted file is not the same signer.
    std::fs::write(
        &trusted,
        format!(
            "reviewer@example {}\nvendor@other {}\n",
            rev_pub.split_whitespace().take(2).collect::<Vec<_>>().join(" "),
            std::fs::read_to_string(pub_path(&fx.ven))
                .unwrap()
                .split_whitespace()
                .take(2)
                .collect::<Vec<_>>()
                .join(" ")
        ),
    )
    .unwrap();
    assert_eq!(cli(&fx.data, &[&"verify", &fx.bundle, &"--trusted-signers", &trusted]).0, 1);
    // The trusted file decides the roles too: a key it lists without the record's role is not trusted
    // (the vendor's key with role=reviewer in the record would otherwise close the reviewer's findings).
    let ven_key = std::fs::read_to_string(pub_path(&fx.ven))
        .unwrap()
        .split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ");
    let rev_key = rev_pub.split_whitespace().take(2).collect::<Vec<_>>().join(" ");
    for (ven_role, shown) in [("", "no role"), (" role=reviewer", "reviewer")] {
        std::fs::write(
            &trusted,
            format!("reviewer@example {rev_key} role=reviewer\nvendor@example {ven_key}{ven_role}\n"),
        )
        .unwrap();
        let (code, out, _) = cli(&fx.data, &[&"verify", &fx.bundle, &"--trusted-signers", &trusted]);
        assert_eq!(code, 1, "{out}");
        assert!(
            out.contains(&format!(
                "key {ven_fp} has the role vendor in the record but {shown} in the trusted"
            )),
            "{out}"
        );
        assert!(out.contains("does not let vendor@example (vendor) sign entries at"), "{out}");
    }
    std::fs::write(
        &trusted,
        format!("reviewer@example {rev_key} role=reviewer\nvendor@example {ven_key} role=vendor\n"),
    )
    .unwrap();
    let (code, out, _) = cli(&fx.data, &[&"verify", &fx.bundle, &"--trusted-signers", &trusted]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("every signer is trusted"), "{out}");
}

/// h23 F4: a review mark ("this file's content was reviewed") is the reviewing side's attestation. The
/// vendor's `mark-reviewed` is refused when signed; a vendor review mark forged into a bundle (signed with
/// the vendor's key, the bundle sealed again) is reported by `vitrine verify` and verify.sh alike, under
/// dash and bash, and an import refuses the bundle; the reviewer's own review mark still counts.
#[test]
fn only_the_reviewing_side_marks_a_file_reviewed_at_signing_import_and_in_both_verifiers() {
    let fx = Fixture::new();
    let s = fx.snap.path();
    let ids = log_ids(&fx.data, s);
    let (code, _, err) = cli(&fx.data, &[&"mark-reviewed", &s, &"--key", &fx.ven, &"--file", &"src/main.c"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("vendor vendor@example may not mark a file reviewed"), "{err}");
    assert_eq!(log_ids(&fx.data, s), ids, "nothing was signed");

    // The reviewer's honest export: its review mark (entry 4) counts in the signed report.
    let x = fx.tmp.path().join("vendor-mark");
    unpack(&fx.bundle, &x);
    let html = std::fs::read_to_string(x.join("report.html")).unwrap();
    assert!(html.contains("1 files marked reviewed."), "{html}");

    // Entry 4 again, as the vendor's: its next entry, signed with its key, the bundle sealed again.
    let mut e = vendor_next(&x, entry_json(&x, "000004"));
    let vendor = entry_json(&x, "000003")["author"].clone();
    assert_eq!(vendor["principal"], "vendor@example");
    e["author"] = vendor;
    e["role"] = "vendor".into();
    e["target"]["path"] = "src/main.c".into();
    e["target"]["blob"] = blob_id(&std::fs::read(s.join("src/main.c")).unwrap()).into();
    let forged = append_signed(&x, &e, &fx.ven);
    reseal(&x, &fx.rev);
    let (code, out) = verify_both(&fx, &x);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(&format!("{forged}: status policy: vendor")), "{out}");
    assert!(out.contains("may not mark a file reviewed"), "{out}");
    for shell in ["dash", "bash"] {
        let (code, sh_out) = genuine_verify_sh(shell, &x, Some(s));
        assert_eq!(code, 1, "{shell}: {sh_out}");
        assert_eq!(entries_named(&sh_out), [forged.clone()].into(), "{shell}: {sh_out}");
    }
    let bundle = fx.tmp.path().join("vendor-mark.vitrine");
    repack(&x, &bundle);
    let (code, _, err) = cli(&fx.data, &[&"import", &s, &bundle]);
    assert_ne!(code, 0, "{err}");
    assert!(err.contains("does not verify"), "{err}");
    assert_eq!(log_ids(&fx.data, s), ids, "nothing was imported");
}

#[test]
fn the_cli_refuses_a_vendor_closing_or_accepting_the_reviewers_finding() {
    let fx = Fixture::new();
    let s = fx.snap.path();
    let ids = log_ids(&fx.data, s);
    for status in ["closed", "accepted-risk", "open"] {
        let (code, _, err) =
            cli(&fx.data, &[&"status", &s, &"--key", &fx.ven, &"--to", &ids[0], &"--status", &status]);
        assert_eq!(code, 2, "{status}: {err}");
        assert!(
            err.contains(&format!(
                "vendor vendor@example may not set {status} on another party's annotation"
            )),
            "{err}"
        );
        let (code, _, _) = cli(
            &fx.data,
            &[&"reply", &s, &"--key", &fx.ven, &"--to", &ids[0], &"--body", &"x", &"--status", &status],
        );
        assert_eq!(code, 2, "{status} through a reply");
    }
    assert_eq!(log_ids(&fx.data, s), ids, "nothing was signed");
    let (code, _, err) =
        cli(&fx.data, &[&"status", &s, &"--key", &fx.rev, &"--to", &ids[0], &"--status", &"closed"]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn a_view_its_exporter_signed_but_the_entries_do_not_say_is_caught_by_rendering_it_again() {
    let fx = Fixture::new();
    let s = fx.snap.path();
    for (file, edit) in [
        ("report.html", ("finding · high", "finding · low")),
        ("results.sarif", ("\"level\": \"error\"", "\"level\": \"note\"")),
    ] {
        let dir = fx.tmp.path().join(format!("forged-{file}"));
        unpack(&fx.bundle, &dir);
        let p = dir.join(file);
        let t = std::fs::read_to_string(&p).unwrap();
        let forged = t.replace(edit.0, edit.1);
        assert_ne!(t, forged, "{file}: the edit must change it");
        std::fs::write(&p, forged).unwrap();
        // The exporter signs the forged view into FILES.sha256: every signature holds.
        reseal(&dir, &fx.rev);
        let bad = fx.tmp.path().join(format!("forged-{file}.vitrine"));
        repack(&dir, &bad);
        for snapshot in [None, Some(s)] {
            let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![&"verify", &bad];
            if let Some(s) = &snapshot {
                args.extend([&"--snapshot" as &dyn AsRef<std::ffi::OsStr>, s]);
            }
            let (code, out, _) = cli(&fx.data, &args);
            assert_eq!(code, 1, "{file} (snapshot {snapshot:?}): {out}");
            assert!(out.contains(&format!("{file}: says something the entries do not")), "{out}");
        }
        // Stock tools cannot render the views: verify.sh checks only that they are the ones signed.
        assert_eq!(genuine_verify_sh("sh", &dir, Some(s)).0, 0);
    }
}

fn hex_of(bytes: impl AsRef<[u8]>) -> String {
    bytes.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// Issue 11, class 7: two sibling files whose names differ only in normalisation (`é` as U+00E9, and as
/// `e` + U+0301) are two files. A finding on one must never show, count or verify against the other: the
/// entry names its file by the exact bytes, and every reader resolves it by those bytes only.
#[test]
fn a_finding_on_one_of_two_names_alike_but_for_normalisation_never_lands_on_the_other() {
    let (nfc, nfd) = ("src/caf\u{e9}.c", "src/cafe\u{301}.c");
    let snap = TempTree::new();
    snap.file(nfc, "int nfc_one;\nint a;\n");
    snap.file(nfd, "int nfd_one;\nint b;\n");
    let s = snap.path();
    let tmp = tempfile::tempdir().unwrap();
    let (data, rev) = one_reviewer(tmp.path(), s);
    annotate(&data, s, &rev, nfd, "1-1", "finding", "high", "In the decomposed one");
    let (code, _, err) = cli(&data, &[&"mark-reviewed", &s, &"--key", &rev, &"--file", &nfd]);
    assert_eq!(code, 0, "{err}");

    // The entries name the decomposed file by its bytes (and are of the version that says so).
    let (_, out, _) = cli(&data, &[&"log", &s, &"--json"]);
    let log: serde_json::Value = serde_json::from_str(&out).unwrap();
    for e in log["entries"].as_array().unwrap() {
        assert_eq!(e["target"]["path_bytes"], hex_of(nfd), "{e}");
        assert_eq!(e["target"]["path"], nfc, "the text form, NFC as the canonical JSON requires");
        assert_eq!(e["v"], 2);
    }

    // Exported and verified against the snapshot: the anchor is the decomposed file's, and it holds.
    let b = tmp.path().join("r.vitrine");
    let (code, _, err) = cli(&data, &[&"export", &s, &"--key", &rev, &"--out", &b]);
    assert_eq!(code, 0, "{err}");
    let (code, out, _) = cli(&data, &[&"verify", &b, &"--snapshot", &s]);
    assert_eq!(code, 0, "{out}");
    let dir = tmp.path().join("x");
    unpack(&b, &dir);
    let (code, out) = genuine_verify_sh("sh", &dir, Some(s));
    assert_eq!(code, 0, "{out}");
    // The views never show it under the other name.
    let sarif = std::fs::read_to_string(dir.join("results.sarif")).unwrap();
    assert!(sarif.contains("\"uri\": \"src/cafe%CC%81.c\""), "{sarif}");
    assert!(!sarif.contains(&format!("\"uri\": \"{nfc}\"")), "{sarif}");
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.contains(&format!("[path bytes {}]", hex_of(nfd))), "{html}");

    // A snapshot whose composed file holds exactly the decomposed one's bytes, and no decomposed file:
    // the finding's file is gone, and the other name does not stand in for it (even with equal content).
    let files = BundleFiles::read(&b).unwrap();
    let header: serde_json::Value = serde_json::from_slice(files.get("record.json").unwrap()).unwrap();
    let read = |p: &[u8]| (p == nfc.as_bytes()).then(|| b"int nfd_one;\nint b;\n".to_vec());
    let data_of = SnapshotData {
        tree_sha256: header["snapshot"]["tree_sha256"].as_str().unwrap().to_owned(),
        tree_sha1: header["snapshot"]["tree_sha1"].as_str().unwrap().to_owned(),
        swhid: header["snapshot"]["swhid"].as_str().unwrap().to_owned(),
        manifest: files.get("MANIFEST.sha256").unwrap().to_vec(),
        read: &read,
    };
    let report = bundle::verify(&files, Some(&data_of));
    let anchors: Vec<&str> =
        report.problems.iter().filter(|p| p.message.contains("anchor")).map(|p| p.message.as_str()).collect();
    assert_eq!(anchors.len(), 2, "{:?}", report.problems);
    assert!(anchors.iter().all(|m| m.contains("is not in the snapshot")), "{anchors:?}");
}

/// The golden of entry format v2 (bundle format 2): written once by `vitrine annotate`, `mark-reviewed`
/// and `export` (release build) over a snapshot with `src/café.c` composed and decomposed, and kept
/// forever. Its decomposed-name entries are v2 with `path_bytes`; the composed one stays v1.
#[test]
fn entry_v2_golden_names_its_file_by_the_path_bytes_and_verifies() {
    let dir = golden_dir_of("v2-path-bytes");
    let snap_dir = dir.join("snapshot");
    let bundle_path = dir.join("record.vitrine");
    let (code, out, _) = cli(&dir.join("unused-data"), &[&"verify", &bundle_path, &"--snapshot", &snap_dir]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("re-derived from the entries: identical"), "{out}");
    let files = BundleFiles::read(&bundle_path).unwrap();
    let versions: Vec<(u64, Option<String>)> = (1..=3)
        .map(|i| {
            let e: serde_json::Value =
                serde_json::from_slice(files.get(&format!("entries/{i:06}.json")).unwrap()).unwrap();
            (e["v"].as_u64().unwrap(), e["target"]["path_bytes"].as_str().map(str::to_owned))
        })
        .collect();
    let nfd = Some(hex_of("src/cafe\u{301}.c"));
    assert_eq!(versions, [(2, nfd.clone()), (1, None), (2, nfd)]);
    let tmp = tempfile::tempdir().unwrap();
    unpack(&bundle_path, tmp.path());
    let (code, out) = verify_sh(tmp.path(), Some(&snap_dir));
    assert_eq!(code, 0, "{out}");
    for shell in ["dash", "bash"] {
        let (code, out) = genuine_verify_sh(shell, tmp.path(), Some(&snap_dir));
        assert_eq!(code, 0, "{shell}: {out}");
    }
}

#[test]
fn a_mistyped_person_is_renamed_and_a_departed_one_retired_by_signed_entries() {
    let fx = Fixture::new();
    let s = fx.snap.path();
    let run = |args: &[&dyn AsRef<std::ffi::OsStr>]| cli(&fx.data, args);
    // A reviewer added under a mistyped principal signs a note with it.
    let typo = keygen(fx.tmp.path(), "typo", "");
    let (code, _, err) = run(&[
        &"people",
        &"add",
        &s,
        &"--principal",
        &"alcie@example",
        &"--role",
        &"reviewer",
        &"--pubkey",
        &pub_path(&typo),
    ]);
    assert_eq!(code, 0, "{err}");
    let note = annotate(&fx.data, s, &typo, "src/main.c", "1-1", "note", "info", "First look");
    let before = log_ids(&fx.data, s).len();

    // The vendor may not retire the reviewer: refused when written, nothing signed.
    let (code, _, err) =
        run(&[&"people", &"retire", &s, &"--principal", &"reviewer@example", &"--key", &fx.ven]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("vendor vendor@example may not retire or rename a person"), "{err}");
    assert_eq!(log_ids(&fx.data, s).len(), before);

    // The reviewer renames the mistyped principal: a signed entry; the key is listed under the new name.
    let (code, out, err) = run(&[
        &"people",
        &"rename",
        &s,
        &"--principal",
        &"alcie@example",
        &"--to",
        &"alice@example",
        &"--reason",
        &"typo",
        &"--key",
        &fx.rev,
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("renamed alcie@example to alice@example"), "{out}");
    let (code, out, _) = run(&[&"people", &"list", &s, &"--json"]);
    assert_eq!(code, 0);
    let people: serde_json::Value = serde_json::from_str(&out).unwrap();
    let row = |p: &str| people.as_array().unwrap().iter().find(|r| r["principal"] == p).cloned().unwrap();
    assert_eq!(row("alcie@example")["renamed_to"], "alice@example");
    assert!(row("alcie@example")["retired_by"].is_string());
    assert_eq!(row("alice@example")["fingerprint"], row("alcie@example")["fingerprint"]);
    assert!(row("alice@example").get("retired_by").is_none());

    // The same key now signs as the new name; the note signed earlier keeps the name it was signed with.
    let reply = annotate(&fx.data, s, &typo, "src/util.h", "1-1", "note", "info", "Renamed");
    let (_, log, _) = run(&[&"log", &s, &"--json"]);
    let v: serde_json::Value = serde_json::from_str(&log).unwrap();
    let author = |id: &str| {
        v["entries"].as_array().unwrap().iter().find(|e| e["id"] == id).unwrap()["author"]["principal"]
            .clone()
    };
    assert_eq!((author(&note), author(&reply)), ("alcie@example".into(), "alice@example".into()));
    let (code, text, _) = run(&[&"log", &s]);
    assert_eq!(code, 0);
    assert!(
        text.contains("renamed alcie@example to alice@example: typo by reviewer@example (reviewer)"),
        "{text}"
    );

    // Attack: the vendor signs a retirement of the reviewer by hand (the tool refuses to). Both verifiers
    // report it, and it changes nothing.
    let x = export_unpacked(&fx, "r-renamed");
    let (code, out) = verify_sh(&x, Some(s));
    assert_eq!(code, 0, "{out}");
    let forged = forge_next(&x, "vendor@example", &fx.ven, |e| {
        e.insert("v".into(), 3.into());
        e.insert("kind".into(), "retire".into());
        e.insert("body".into(), canonical_text(&serde_json::json!({"principal": "reviewer@example"})).into());
    });
    reseal(&x, &fx.rev);
    let (code, out) = verify_both(&fx, &x);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(&format!("{forged}: people: vendor vendor@example may not retire or rename a person")),
        "{out}"
    );
    assert_eq!(
        entries_named(&out).len(),
        1,
        "only the forged entry: the reviewer's later entries count\n{out}"
    );

    // The reviewer retires the vendor; what the vendor's key would sign next is refused when written…
    let (code, out, err) =
        run(&[&"people", &"retire", &s, &"--principal", &"vendor@example", &"--key", &fx.rev]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("retired vendor@example"), "{out}");
    let (code, _, err) = run(&[&"reply", &s, &"--key", &fx.ven, &"--to", &note, &"--body", &"late"]);
    assert_eq!(code, 2);
    assert!(err.contains("vendor@example was retired by entry"), "{err}");
    // …and, signed by hand, reported by both verifiers.
    let x = export_unpacked(&fx, "r-retired");
    let (code, out) = verify_sh(&x, Some(s));
    assert_eq!(code, 0, "{out}");
    // Dated after the retirement (a second later): by signed time, which decides, not by log position.
    let after = vitrine_record::time::OffsetDateTime::now_utc() + vitrine_record::time::Duration::seconds(2);
    let late = forge_next(&x, "vendor@example", &fx.ven, |e| {
        e.insert("time".into(), vitrine_record::entry::format_time(after).into());
        e.insert("kind".into(), "reply".into());
        e.insert("parent".into(), note.clone().into());
        e.insert("body".into(), "late".into());
    });
    reseal(&x, &fx.rev);
    // The retirement bound the key's line in allowed_signers (valid-before): the signature itself is
    // refused at the entry's time, by both.
    let (code, out) = verify_both(&fx, &x);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(&format!("{late}: the key of vendor@example is not valid at the entry time")),
        "{out}"
    );
    assert!(out.contains(&format!("{late}: signature does not verify for its author at")), "{out}");
    // Without the bound (an allowed_signers written before it), the people rule refuses it all the same.
    let signers = std::fs::read_to_string(x.join("allowed_signers")).unwrap();
    let a = signers.find(",valid-before=\"").unwrap();
    let b = a + signers[a..].find("Z\"").unwrap() + 2;
    std::fs::write(x.join("allowed_signers"), format!("{}{}", &signers[..a], &signers[b..])).unwrap();
    rebind(&x, &fx.rev, "allowed_signers", "allowed_signers");
    reseal(&x, &fx.rev);
    let (code, out) = verify_both(&fx, &x);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(&format!("{late}: people: signed by vendor@example, who was retired")), "{out}");
}

fn canonical_text(v: &serde_json::Value) -> String {
    String::from_utf8(vitrine_record::canon::canonical_bytes(v).unwrap()).unwrap()
}

/// Exports the fixture's review and unpacks it under a new directory of the fixture.
fn export_unpacked(fx: &Fixture, name: &str) -> PathBuf {
    let bundle = fx.tmp.path().join(format!("{name}.vitrine"));
    let (code, _, err) = cli(&fx.data, &[&"export", &fx.snap.path(), &"--key", &fx.rev, &"--out", &bundle]);
    assert_eq!(code, 0, "{err}");
    let x = fx.tmp.path().join(name);
    unpack(&bundle, &x);
    x
}

/// Signs with `key` the next entry of `principal`'s chain in the unpacked bundle `x`: a copy of its
/// last entry without thread fields, edited by `edit`. Returns the new entry's file name.
fn forge_next(
    x: &Path,
    principal: &str,
    key: &Path,
    edit: impl Fn(&mut serde_json::Map<String, serde_json::Value>),
) -> String {
    let mut names: Vec<String> = std::fs::read_dir(x.join("entries"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    let last = names
        .iter()
        .rev()
        .find(|n| entry_json(x, n.trim_end_matches(".json"))["author"]["principal"] == principal)
        .unwrap();
    let mut e = entry_json(x, last.trim_end_matches(".json"));
    let prev = vitrine_record::entry::entry_id(&std::fs::read(x.join("entries").join(last)).unwrap());
    let seq = e["seq"].as_u64().unwrap() + 1;
    let obj = e.as_object_mut().unwrap();
    for k in ["target", "class", "severity", "category", "parent", "status", "body"] {
        obj.remove(k);
    }
    obj.insert("v".into(), 1.into());
    obj.insert("seq".into(), seq.into());
    obj.insert("prev".into(), prev.into());
    edit(obj);
    append_signed(x, &e, key)
}

/// Runs `vitrine verify` on `x` repacked, and this version's verify.sh in `x`: both must agree on the
/// exit code and on the entries they name; returns the code and both outputs.
fn verify_both(fx: &Fixture, x: &Path) -> (i32, String) {
    let bundle = fx.tmp.path().join("repacked.vitrine");
    repack(x, &bundle);
    let (code, out, _) = cli(&fx.data, &[&"verify", &bundle]);
    let (sh_code, sh_out) = genuine_verify_sh("sh", x, None);
    assert_eq!(i32::from(code), sh_code, "vitrine:\n{out}\nverify.sh:\n{sh_out}");
    assert_eq!(entries_named(&out), entries_named(&sh_out), "vitrine:\n{out}\nverify.sh:\n{sh_out}");
    (sh_code, format!("{out}\n{sh_out}"))
}

/// Runs this version's verify.sh with `shell` and `args` (options, then snapshot directories), as
/// `./verify.sh` inside `dir`; returns (exit code, stdout).
fn genuine_verify_sh_with(shell: &str, dir: &Path, args: &[&std::ffi::OsStr]) -> (i32, String) {
    let out = sh(Command::new(shell)
        .arg("-c")
        .arg(bundle::VERIFY_SH)
        .arg("./verify.sh")
        .args(args)
        .current_dir(dir));
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The review's own `allowed_signers` in data directory `data` (one review there).
fn review_signers(data: &Path) -> PathBuf {
    let snaps: Vec<PathBuf> =
        std::fs::read_dir(data.join("snapshots")).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(snaps.len(), 1, "{snaps:?}");
    snaps[0].join("review/allowed_signers")
}

/// A copy of data directory `data` at `to`: another workstation that imported the same review.
fn copy_data(data: &Path, to: &Path) {
    let out = sh(Command::new("cp").arg("-a").arg(data).arg(to));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// The absolute path of program `name` in this test's own PATH (so that a child given another PATH is
/// never looked up through it).
fn program(name: &str) -> PathBuf {
    std::env::split_paths(&std::env::var_os("PATH").unwrap())
        .filter(|d| d.is_absolute())
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("{name} is not installed"))
}

/// Runs this version's verify.sh with `shell` (an absolute path), as `./verify.sh` inside `dir`, with
/// `args` and the environment's PATH set to `path`; returns (exit code, stdout, stderr).
fn verify_sh_under_path(
    shell: &Path,
    dir: &Path,
    path: &std::ffi::OsStr,
    args: &[&std::ffi::OsStr],
) -> (i32, String, String) {
    let out = sh(Command::new(shell)
        .arg("-c")
        .arg(bundle::VERIFY_SH)
        .arg("./verify.sh")
        .args(args)
        .env("PATH", path)
        .current_dir(dir));
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// h23 F5: the trusted verify.sh never runs a program from the record it checks (nor from a snapshot),
/// whatever PATH says. A record (and a snapshot) holding executable `jq`, `find`, `git`, `sha256sum`,
/// `ssh-keygen`, `sh` and more, each writing a marker file: with an empty or `.` entry in PATH, before,
/// between or after the others, under dash and bash, run inside the record or with `-r`, nothing from
/// them runs and the verdict is the one a clean PATH gives (INVALID, naming the extra members). A PATH
/// entry naming the record itself is refused (exit 2), running nothing. And verify.sh's own list of the
/// tools it runs is complete: with a PATH holding those alone, an honest record verifies.
#[test]
fn verify_sh_never_runs_a_program_the_record_brings_whatever_path_says() {
    use std::os::unix::fs::PermissionsExt;
    let fx = Fixture::new();
    let s = fx.snap.path();
    let marker = fx.tmp.path().join("RAN");
    let fakes = [
        "jq",
        "find",
        "git",
        "sha256sum",
        "ssh-keygen",
        "sh",
        "dirname",
        "mktemp",
        "cat",
        "tr",
        "head",
        "date",
    ];
    let plant = |dir: &Path| {
        for t in fakes {
            let p = dir.join(t);
            std::fs::write(
                &p,
                format!("#!/bin/sh\necho {t} from {} >> '{}'\n", dir.display(), marker.display()),
            )
            .unwrap();
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
    };
    let evil = fx.tmp.path().join("evil");
    unpack(&fx.bundle, &evil);
    plant(&evil);
    let clean = fx.tmp.path().join("clean");
    unpack(&fx.bundle, &clean);
    let evil_snap = fx.tmp.path().join("evil-snap");
    let out = sh(Command::new("cp").arg("-a").arg(s).arg(&evil_snap));
    assert!(out.status.success());
    plant(&evil_snap);
    let good_path = std::ffi::OsString::from("/usr/bin:/bin");
    for shell in [program("dash"), program("bash")] {
        // Inside the record (`sh ./verify.sh SNAPSHOT`), and from its parent with -r and a hostile
        // snapshot: each with a clean PATH first (the verdict to match), then with each hostile one.
        let cases: [(&Path, Vec<&std::ffi::OsStr>, &[&str]); 2] = [
            (&evil, vec![s.as_os_str()], &[":/usr/bin:/bin", ".:/usr/bin:/bin", "/usr/bin::/bin"]),
            (
                fx.tmp.path(),
                vec!["-r".as_ref(), "evil".as_ref(), evil_snap.as_os_str()],
                &[":/usr/bin:/bin", "/usr/bin:/bin:", "/usr/bin::/bin", "evil:/usr/bin:/bin"],
            ),
        ];
        for (cwd, args, paths) in cases {
            let want = verify_sh_under_path(&shell, cwd, &good_path, &args);
            assert!(!marker.exists(), "{}", std::fs::read_to_string(&marker).unwrap());
            assert_eq!(want.0, 1, "{}", want.1);
            assert!(want.1.contains("jq: not a file Vitrine writes"), "{}", want.1);
            for path in paths {
                let path = std::ffi::OsStr::new(path);
                let got = verify_sh_under_path(&shell, cwd, path, &args);
                let ran = std::fs::read_to_string(&marker).unwrap_or_default();
                assert!(ran.is_empty(), "{shell:?} PATH={path:?} in {cwd:?} {args:?}: ran {ran}");
                assert_eq!(
                    (got.0, &got.1),
                    (want.0, &want.1),
                    "{shell:?} PATH={path:?} in {cwd:?} {args:?}: {}",
                    got.2
                );
            }
        }
        // An honest record still verifies with such a PATH.
        let (code, out, err) =
            verify_sh_under_path(&shell, &clean, ":/usr/bin:/bin".as_ref(), &[s.as_os_str()]);
        assert_eq!(code, 0, "{shell:?}: {out}{err}");
        // An absolute PATH entry that is the record (or inside a snapshot given): refused, nothing runs.
        for (dir, args) in [(&evil, vec![s.as_os_str()]), (&clean, vec![evil_snap.as_os_str()])] {
            let mut path =
                std::ffi::OsString::from(if dir == &evil { evil.as_os_str() } else { evil_snap.as_os_str() });
            path.push(":/usr/bin:/bin");
            let (code, out, err) = verify_sh_under_path(&shell, dir, &path, &args);
            assert_eq!(code, 2, "{shell:?}: {out}{err}");
            assert!(err.contains("a program inside"), "{err}");
            assert!(!marker.exists(), "{}", std::fs::read_to_string(&marker).unwrap());
        }

        // The tools verify.sh names are all it runs: a PATH of those alone checks an honest record.
        let line = bundle::VERIFY_SH.lines().find(|l| l.starts_with("TOOLS=\"")).unwrap();
        let bin = fx.tmp.path().join("bin");
        let _ = std::fs::remove_dir_all(&bin);
        std::fs::create_dir(&bin).unwrap();
        for t in line["TOOLS=\"".len()..line.len() - 1].split(' ').chain(["git"]) {
            std::os::unix::fs::symlink(program(t), bin.join(t)).unwrap();
        }
        let (code, out, err) = verify_sh_under_path(&shell, &clean, bin.as_os_str(), &[s.as_os_str()]);
        assert_eq!(code, 0, "{shell:?}: {out}{err}");
        assert!(out.contains("OK: "), "{out}");
    }
}

/// A record may hold regular files and directories only: a symbolic link (to a file of the record or
/// outside it), a fifo or a hard link appended to an honest bundle makes verify.sh report it and say
/// INVALID, under dash and bash, before it reads anything.
#[test]
fn verify_sh_refuses_a_member_that_is_not_a_regular_file() {
    let fx = Fixture::new();
    let s = fx.snap.path();
    let clean = fx.tmp.path().join("clean");
    unpack(&fx.bundle, &clean);
    for shell in ["dash", "bash"] {
        let (code, out) = genuine_verify_sh(shell, &clean, Some(s));
        assert_eq!(code, 0, "{shell}: {out}");
    }
    type Damage = Box<dyn Fn(&Path)>;
    let cases: Vec<(&str, Damage)> = vec![
        (
            "READ-ME-FIRST.txt",
            Box::new(|d| {
                std::os::unix::fs::symlink("entries/000002.json", d.join("READ-ME-FIRST.txt")).unwrap()
            }),
        ),
        (
            "vendor-notes.txt",
            Box::new(|d| std::os::unix::fs::symlink("/etc/hostname", d.join("vendor-notes.txt")).unwrap()),
        ),
        (
            "entries/notes",
            Box::new(|d| {
                let out = sh(Command::new("mkfifo").arg(d.join("entries/notes")));
                assert!(out.status.success());
            }),
        ),
        (
            "copy.json",
            Box::new(|d| std::fs::hard_link(d.join("entries/000001.json"), d.join("copy.json")).unwrap()),
        ),
    ];
    for (i, (name, damage)) in cases.iter().enumerate() {
        let dir = fx.tmp.path().join(format!("odd-{i}"));
        unpack(&fx.bundle, &dir);
        damage(&dir);
        for shell in ["dash", "bash"] {
            let (code, out) = genuine_verify_sh(shell, &dir, Some(s));
            assert_eq!(code, 1, "{name} under {shell}: {out}");
            assert!(
                out.contains(&format!("{name}: not a regular file or directory")),
                "{name} under {shell}: {out}"
            );
        }
    }
}

/// An honest record whose findings are on files named with a backslash, a newline and a carriage
/// return: `sha256sum` (and Vitrine) write such a manifest line escaped (`\HASH  a\\b.c`), and verify.sh
/// finds each name in the manifest as sha256sum writes it, under dash and bash. And a file of the
/// record whose name has a newline is not listed in FILES.sha256, whatever its lines look like.
#[test]
fn verify_sh_reads_escaped_sha256sum_lines_and_odd_names() {
    let names = ["a\\b.c", "n\nl.c", "c\rr.c", "tail\n"];
    let snap = TempTree::new();
    for (i, n) in names.iter().enumerate() {
        snap.file(n, format!("int v{i};\nint w{i};\n"));
    }
    let s = snap.path();
    let tmp = tempfile::tempdir().unwrap();
    let (data, rev) = one_reviewer(tmp.path(), s);
    for n in names {
        annotate(&data, s, &rev, n, "1-1", "finding", "low", "Here");
    }
    let b = tmp.path().join("r.vitrine");
    let (code, _, err) = cli(&data, &[&"export", &s, &"--key", &rev, &"--out", &b]);
    assert_eq!(code, 0, "{err}");
    let (code, out, _) = cli(&data, &[&"verify", &b, &"--snapshot", &s]);
    assert_eq!(code, 0, "{out}");
    let x = tmp.path().join("x");
    unpack(&b, &x);
    let manifest = std::fs::read_to_string(x.join("MANIFEST.sha256")).unwrap();
    assert!(manifest.lines().any(|l| l.starts_with('\\') && l.ends_with("  a\\\\b.c")), "{manifest}");
    for shell in ["dash", "bash"] {
        let (code, out) = genuine_verify_sh(shell, &x, Some(s));
        assert_eq!(code, 0, "{shell}: {out}");
    }
    // A name that find prints as two lines, each a listed name, is still a file FILES.sha256 does not list.
    std::fs::write(x.join("verify.sh\nrecord.json"), "unlisted").unwrap();
    for shell in ["dash", "bash"] {
        let (code, out) = genuine_verify_sh(shell, &x, Some(s));
        assert_eq!(code, 1, "{shell}: {out}");
        assert!(out.contains("not listed in FILES.sha256"), "{shell}: {out}");
    }
}

/// With `-t TRUSTED`, verify.sh pins every signature and role to the caller's own allowed_signers. The
/// vendor exports a record whose allowed_signers gives a key of its own the reviewer's principal (F6),
/// or its own key the reviewer's role (F1), and closes the reviewer's finding with it: without `-t`,
/// verify.sh accepts it and says that signers and roles are the exporter's word; with `-t`, it names the
/// entry and says INVALID. An honest record passes with `-t`.
#[test]
fn verify_sh_with_trusted_signers_pins_keys_and_roles() {
    let fx = Fixture::new();
    let s = fx.snap.path();
    let trusted = fx.tmp.path().join("trusted_signers");
    std::fs::copy(review_signers(&fx.data), &trusted).unwrap();
    let finding = log_ids(&fx.data, s)[0].clone();
    let t: [&std::ffi::OsStr; 3] = ["-t".as_ref(), trusted.as_os_str(), s.as_os_str()];

    let honest = fx.tmp.path().join("honest");
    unpack(&fx.bundle, &honest);
    for shell in ["dash", "bash"] {
        let (code, out) = genuine_verify_sh_with(shell, &honest, &t);
        assert_eq!(code, 0, "{shell}: {out}");
        assert!(!out.contains("note: no trusted signers file"), "{out}");
        let (code, out) = genuine_verify_sh(shell, &honest, Some(s));
        assert_eq!(code, 0, "{shell}: {out}");
        assert!(out.contains("note: no trusted signers file (-t FILE)"), "{out}");
    }

    // The vendor's workstation: the same review, edited by hand, exported with the vendor's key.
    let forge = |name: &str, edit: &dyn Fn(&Path) -> PathBuf| -> (PathBuf, String) {
        let vdata = fx.tmp.path().join(format!("{name}-data"));
        copy_data(&fx.data, &vdata);
        let key = edit(&vdata);
        let (code, out, err) = cli(
            &vdata,
            &[&"status", &s, &"--key", &key, &"--to", &finding, &"--status", &"closed", &"--body", &"fixed"],
        );
        assert_eq!(code, 0, "{err}");
        let id = out.lines().last().unwrap().to_owned();
        let b = fx.tmp.path().join(format!("{name}.vitrine"));
        let (code, _, err) = cli(&vdata, &[&"export", &s, &"--key", &fx.ven, &"--out", &b]);
        assert_eq!(code, 0, "{err}");
        let x = fx.tmp.path().join(name);
        unpack(&b, &x);
        let n = (1..)
            .find(|n| {
                let bytes = std::fs::read(x.join(format!("entries/{n:06}.json"))).unwrap();
                vitrine_record::entry::entry_id(&bytes) == id
            })
            .unwrap();
        (x, format!("entries/{n:06}.json"))
    };
    // F6: a vendor-held key listed under the reviewer's principal.
    let (f6, f6_entry) = forge("f6", &|d| {
        let fake = keygen(fx.tmp.path(), "fake-reviewer", "");
        let (code, _, err) = cli(
            d,
            &[
                &"people",
                &"add",
                &s,
                &"--principal",
                &"reviewer@example",
                &"--role",
                &"reviewer",
                &"--pubkey",
                &pub_path(&fake),
            ],
        );
        assert_eq!(code, 0, "{err}");
        fake
    });
    // F1: the vendor's own key listed again, first, with the role reviewer.
    let (f1, f1_entry) = forge("f1", &|d| {
        let p = review_signers(d);
        let text = std::fs::read_to_string(&p).unwrap();
        let vendor = text.lines().find(|l| l.starts_with("vendor@example ")).unwrap();
        std::fs::write(&p, format!("{}\n{text}", vendor.replace("role=vendor", "role=reviewer"))).unwrap();
        fx.ven.clone()
    });
    for (x, entry, why) in [
        (&f6, &f6_entry, "signature does not verify against the trusted signers file"),
        (&f1, &f1_entry, "role reviewer in the record, vendor in the trusted signers file"),
    ] {
        for shell in ["dash", "bash"] {
            let (code, out) = genuine_verify_sh(shell, x, Some(s));
            if x == &f1 {
                // One key with two roles is refused on the record's word alone, as vitrine verify does.
                assert_eq!(code, 1, "{shell}: {out}");
                assert!(
                    out.contains("is listed with the roles reviewer and vendor: one key has one role"),
                    "{out}"
                );
                assert!(
                    out.contains("allowed_signers: principal vendor@example is listed with the roles reviewer and vendor: one principal has one role"),
                    "{out}"
                );
            } else {
                assert_eq!(code, 0, "{shell}: the exporter's word alone accepts it: {out}");
            }
            assert!(out.contains("note: no trusted signers file (-t FILE)"), "{out}");
            let (code, out) = genuine_verify_sh_with(shell, x, &t);
            assert_eq!(code, 1, "{shell}: {out}");
            assert!(out.contains(&format!("{entry}: {why}")), "{shell}: {out}");
            assert_eq!(entries_named(&out).len(), 1, "{shell}: only the forged entry\n{out}");
        }
    }
    // `-r` names the record, so that a trusted copy of the script outside it checks it.
    let outside = fx.tmp.path().join("trusted-verify.sh");
    std::fs::write(&outside, bundle::VERIFY_SH).unwrap();
    let out = sh(Command::new("dash").arg(&outside).arg("-t").arg(&trusted).arg("-r").arg(&f6).arg(s));
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(String::from_utf8_lossy(&out.stdout).contains(&f6_entry));
}

/// F2: the stock procedure of VERIFY.md, followed literally, never runs a program from a record that the
/// vendor exported, although the vendor is a pinned signer of the review and signs a `FILES.sha256`
/// listing its own `verify.sh`: the trusted signers of that first step are the reviewing side's only, so
/// the vendor's record cannot give `verify.sh`, and the trusted copy checks it. A record the reviewer
/// exported passes the same steps.
#[test]
fn the_stock_procedure_never_runs_verify_sh_from_a_record_the_vendor_exported() {
    let fx = Fixture::new();
    let s = fx.snap.path();
    let trusted = fx.tmp.path().join("TRUSTED");
    std::fs::copy(review_signers(&fx.data), &trusted).unwrap();
    // The commands of the procedure, as VERIFY.md gives them.
    let own = "grep -E '[[:space:]]role=(reviewer|lead)([[:space:]]|$)' /path/to/TRUSTED > /path/to/OWN";
    let members = "tar -tvf record.vitrine | awk '!/^[-d]/ || (/^d/ && $3 != 0)'";
    let twice = "tar -tf record.vitrine | sed 's|^\\./||' | sort -f | uniq -di";
    let names = r"tar -tf record.vitrine | sed 's|^\./||' | grep -Evx 'record\.json|checkpoint(\.sig)?|allowed_signers|MANIFEST\.sha256|health\.json|results\.sarif|report\.html|VERIFY\.md|verify\.sh|FILES\.sha256(\.sig)?|entries/?|entries/[0-9]{6,}\.json(\.sig)?|checkpoints/?|checkpoints/[0-9]{6}(\.sig)?|\.?/?'";
    let unpack_it = "mkdir record && tar -xf record.vitrine -C record";
    let find = "ssh-keygen -Y find-principals -f /path/to/OWN -s FILES.sha256.sig";
    let verify = "ssh-keygen -Y verify -f /path/to/OWN -I PRINCIPAL -n bundle@vitrine -s FILES.sha256.sig < FILES.sha256";
    let hashes = "sha256sum verify.sh VERIFY.md | grep -Fxc -f FILES.sha256";
    let run =
        "sh /path/to/trusted/verify.sh -t /path/to/TRUSTED -r record [SNAPSHOT_DIR [PREVIOUS_SNAPSHOT_DIR]]";
    for c in [own, members, twice, names, unpack_it, "cd record", find, verify, hashes, run] {
        assert!(bundle::VERIFY_MD.contains(&format!("\n    {c}\n")), "VERIFY.md lacks `{c}`");
    }
    // Followed literally: every listing prints nothing, one principal of OWN signed, both files are the
    // signed ones.
    let steps = format!(
        "set -eu\n{own}\ntest -z \"$({members})\"\ntest -z \"$({twice})\"\ntest -z \"$({names})\"\n{unpack_it}\ncd record\n\
         P=$({find} | head -n 1)\ntest -n \"$P\"\n{verify}\ntest \"$({hashes})\" = 2\n"
    )
    .replace("/path/to/TRUSTED", "\"$TRUSTED\"")
    .replace("/path/to/OWN", "\"$OWN\"")
    .replace("record.vitrine", "\"$BUNDLE\"")
    .replace("PRINCIPAL", "\"$P\"");
    let procedure = |bundle: &Path, name: &str| -> (bool, String) {
        let work = fx.tmp.path().join(name);
        std::fs::create_dir(&work).unwrap();
        let out = sh(Command::new("sh")
            .arg("-c")
            .arg(&steps)
            .env("TRUSTED", &trusted)
            .env("OWN", work.join("OWN"))
            .env("BUNDLE", bundle)
            .current_dir(&work));
        let own = std::fs::read_to_string(work.join("OWN")).unwrap();
        assert!(own.contains("reviewer@example") && !own.contains("vendor@example"), "{own}");
        let text =
            format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        (out.status.success(), text)
    };
    let (ok, out) = procedure(&fx.bundle, "reviewer-exported");
    assert!(ok, "the reviewer's record gives its verify.sh: {out}");
    // A name Vitrine does not write (a case variant of a view, or any other) stops the procedure at
    // the listing, before anything is unpacked.
    for (extra, from) in [("Report.html", "report.html"), ("notes.txt", "report.html")] {
        let x = fx.tmp.path().join(format!("listing-x-{extra}"));
        unpack(&fx.bundle, &x);
        std::fs::copy(x.join(from), x.join(extra)).unwrap();
        reseal(&x, &fx.rev);
        let b = fx.tmp.path().join(format!("listing-{extra}.vitrine"));
        repack(&x, &b);
        let (ok, out) = procedure(&b, &format!("listing-{extra}"));
        assert!(!ok && !fx.tmp.path().join(format!("listing-{extra}/record")).exists(), "{extra}: {out}");
    }

    // The vendor exports the review and puts its own verify.sh in it, signed into FILES.sha256.
    let b = fx.tmp.path().join("vendor.vitrine");
    let (code, _, err) = cli(&fx.data, &[&"export", &s, &"--key", &fx.ven, &"--out", &b]);
    assert_eq!(code, 0, "{err}");
    let x = fx.tmp.path().join("vendor-x");
    unpack(&b, &x);
    let ran = fx.tmp.path().join("PWNED");
    std::fs::write(x.join("verify.sh"), format!("touch '{}'\n{}", ran.display(), bundle::VERIFY_SH)).unwrap();
    reseal(&x, &fx.ven);
    let evil = fx.tmp.path().join("evil.vitrine");
    repack(&x, &evil);
    let (ok, out) = procedure(&evil, "vendor-exported");
    assert!(!ok, "the vendor's record must not give verify.sh: {out}");
    // The trusted copy checks it (valid: the vendor may export), and nothing of the record ran.
    let copy = fx.tmp.path().join("trusted-verify.sh");
    std::fs::write(&copy, bundle::VERIFY_SH).unwrap();
    let record = fx.tmp.path().join("vendor-exported/record");
    for shell in ["dash", "bash"] {
        let out = sh(Command::new(shell).arg(&copy).arg("-t").arg(&trusted).arg("-r").arg(&record).arg(s));
        assert_eq!(out.status.code(), Some(0), "{shell}: {}", String::from_utf8_lossy(&out.stdout));
    }
    assert!(!ran.exists(), "a program from the vendor's record ran");
}

/// One principal, one role: a second key for a principal the review knows takes the principal's role, and
/// one that brings a role of its own is refused, by `people add` and by `import` (even with
/// `--accept-second-key`), naming both roles.
#[test]
fn a_second_key_never_brings_a_role_of_its_own() {
    let fx = Fixture::new();
    let s = fx.snap.path();
    let ven2 = keygen(fx.tmp.path(), "ven2", "");
    let before = std::fs::read(review_signers(&fx.data)).unwrap();
    let (code, _, err) = cli(
        &fx.data,
        &[
            &"people",
            &"add",
            &s,
            &"--principal",
            &"vendor@example",
            &"--role",
            &"lead",
            &"--pubkey",
            &pub_path(&ven2),
        ],
    );
    assert_ne!(code, 0, "{err}");
    assert!(
        err.contains("vendor@example is vendor in this review; a second key cannot make it lead: one principal has one role"),
        "{err}"
    );
    assert_eq!(std::fs::read(review_signers(&fx.data)).unwrap(), before);
    // The same key under its own role is a second key as before.
    let (code, _, err) = cli(
        &fx.data,
        &[
            &"people",
            &"add",
            &s,
            &"--principal",
            &"vendor@example",
            &"--role",
            &"vendor",
            &"--pubkey",
            &pub_path(&ven2),
        ],
    );
    assert_eq!(code, 0, "{err}");

    // The vendor's own review, written with the library (as a hostile vendor could), where vendor@example
    // is a lead with a third key that closes the reviewer's finding; its bundle verifies on its own.
    let vdir = fx.tmp.path().join("vendor-lead");
    let (mut review, snap) = vendor_review(&fx, &vdir);
    let third = Signer::generate("third").unwrap();
    // The library refuses it too, whichever key.
    let e = review
        .add_person(allowed::person("vendor@example", "lead", &third.public_openssh().unwrap()).unwrap())
        .unwrap_err();
    assert!(e.to_string().contains("is vendor in this review; a second key cannot make it lead"), "{e}");
    let lead_review = fx.tmp.path().join("vendor-lead-only");
    let mut lead = Review::open(&lead_review, &snap.ids().tree_sha256.to_string()).unwrap();
    lead.add_person(allowed::person("vendor@example", "lead", &third.public_openssh().unwrap()).unwrap())
        .unwrap();
    let content = std::fs::read(s.join("README")).unwrap();
    let mut d = annotation_draft("README", &content, [1, 1], Class::Note, Severity::Info);
    d.body = Some("Signed off by the lead".into());
    lead.append(&third, d, OffsetDateTime::now_utc()).unwrap();
    let out = fx.tmp.path().join("lead.vitrine");
    export_with(&mut lead, &snap, s, &third, &out);
    let ids = log_ids(&fx.data, s);
    let (code, _, err) =
        cli(&fx.data, &[&"import", &s, &out, &"--accept-second-key", &"--accept-new-people"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("vendor@example is vendor in this review, and the bundle gives this key the role lead"),
        "{err}"
    );
    assert_eq!(log_ids(&fx.data, s), ids);
    // A bundle in which one principal holds two roles does not verify, with either verifier.
    let x = fx.tmp.path().join("two-roles");
    unpack(&fx.bundle, &x);
    let p = x.join("allowed_signers");
    let line = allowed::person("vendor@example", "lead", &third.public_openssh().unwrap()).unwrap();
    std::fs::write(&p, std::fs::read_to_string(&p).unwrap() + &line.to_line().unwrap() + "\n").unwrap();
    rebind(&x, &fx.rev, "allowed_signers", "allowed_signers");
    reseal(&x, &fx.rev);
    let bad = fx.tmp.path().join("two-roles.vitrine");
    repack(&x, &bad);
    let (code, out, _) = cli(&fx.data, &[&"verify", &bad]);
    assert_eq!(code, 1, "{out}");
    let said = "allowed_signers: principal vendor@example is listed with the roles lead and vendor: one principal has one role";
    assert!(out.contains(said), "{out}");
    for shell in ["dash", "bash"] {
        let (code, sh_out) = genuine_verify_sh(shell, &x, None);
        assert_eq!(code, 1, "{shell}: {sh_out}");
        assert!(sh_out.contains(said), "{shell}: {sh_out}");
    }
}

/// SARIF gives a message's plain text a syntax of its own: an annotation's `[text](target)` would be a
/// link in a SARIF viewer, `{0}` a placeholder, U+202E would reorder what follows. The log carries them
/// escaped and marked, as report.html does, and `vitrine verify` renders them the same way again.
#[test]
fn sarif_messages_carry_annotation_text_inert() {
    let fx = Fixture::new();
    let s = fx.snap.path();
    let vdata = fx.tmp.path().join("vendor-data");
    let (code, _, err) = cli(&vdata, &[&"import", &s, &fx.bundle]);
    assert_eq!(code, 0, "{err}");
    let body = "Not a bug: see [approved by reviewer@example](file:///media/usb/fix.sh) and {0}. \\[x] \u{202E}evil\u{202C}";
    annotate(&vdata, s, &fx.ven, "src/main.c", "2-2", "note", "low", body);
    let out = fx.tmp.path().join("v.vitrine");
    let (code, _, err) = cli(&vdata, &[&"export", &s, &"--key", &fx.ven, &"--out", &out]);
    assert_eq!(code, 0, "{err}");
    let (code, said, _) = cli(&vdata, &[&"verify", &out, &"--snapshot", &s]);
    assert_eq!(code, 0, "{said}");
    assert!(said.contains("results.sarif") && said.contains("identical"), "{said}");
    let x = fx.tmp.path().join("v");
    unpack(&out, &x);
    let sarif: serde_json::Value =
        serde_json::from_slice(&std::fs::read(x.join("results.sarif")).unwrap()).unwrap();
    let texts: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["message"]["text"].as_str().unwrap())
        .collect();
    let want = "Not a bug: see \\[approved by reviewer@example\\](file:///media/usb/fix.sh) and {{0}}. \\\\\\[x\\] <U+202E>evil<U+202C>";
    assert!(texts.contains(&want), "{texts:?}");
    // In every message: no bidirectional control, no brace but doubled, no bracket but escaped.
    for t in &texts {
        assert!(!t.contains('\u{202E}'), "{t}");
        assert!(!t.replace("{{", "").replace("}}", "").contains(['{', '}']), "{t}");
        let chars: Vec<char> = t.chars().collect();
        for (i, c) in chars.iter().enumerate() {
            if matches!(c, '[' | ']') {
                let run = chars[..i].iter().rev().take_while(|&&b| b == '\\').count();
                assert!(run % 2 == 1, "{t}: an unescaped bracket at {i}");
            }
        }
    }
    assert_sarif_valid(&out, &fx.tmp.path().join("v-schema"));
}

/// A record exported before results.sarif escaped its text (by the release before, with a finding that
/// quotes `buf[len]`, a link, a placeholder and U+202E) still verifies: its log is what that Vitrine
/// wrote, said not to be opened in a SARIF viewer. The same log in a record exported after
/// `SARIF_ESCAPED_SINCE` (the same writer, its clock set later) is refused.
#[test]
fn a_log_written_before_sarif_escaping_verifies_only_in_a_record_exported_before_it() {
    let dir = golden_dir_of("v2-sarif-as-written");
    let snap_dir = dir.join("snapshot");
    let (code, out, _) =
        cli(&dir.join("unused-data"), &[&"verify", &dir.join("record.vitrine"), &"--snapshot", &snap_dir]);
    assert_eq!(code, 0, "{out}");
    let line = out.lines().find(|l| l.contains("results.sarif")).unwrap_or_default();
    assert!(line.contains("do not open it in a SARIF viewer"), "{out}");
    let tmp = tempfile::tempdir().unwrap();
    unpack(&dir.join("record.vitrine"), tmp.path());
    let sarif = std::fs::read_to_string(tmp.path().join("results.sarif")).unwrap();
    assert!(sarif.contains("[the fix](file:///media/usb/fix.sh) and {0}"), "the golden log is unescaped");
    let (code, out) = verify_sh(tmp.path(), Some(&snap_dir));
    assert_eq!(code, 0, "{out}");

    let after = dir.join("record-exported-after.vitrine");
    let (code, out, _) = cli(&dir.join("unused-data"), &[&"verify", &after, &"--snapshot", &snap_dir]);
    assert_eq!(code, 1, "{out}");
    assert!(out.lines().any(|l| l.starts_with("results.sarif: says something the entries do not")), "{out}");
}

/// Round 20 F3: an anchor names a regular file. `annotate` and `mark-reviewed` refuse a symbolic link
/// (MANIFEST.sha256, against which verify.sh checks anchors, lists no links), naming it; the file it
/// points to is annotated as any other.
#[test]
fn an_anchor_on_a_symbolic_link_is_refused_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let s = tmp.path().join("snap");
    std::fs::create_dir_all(s.join("src")).unwrap();
    std::fs::write(s.join("src/auth_impl.c"), "int check(void) { return 1; }\n").unwrap();
    std::os::unix::fs::symlink("auth_impl.c", s.join("src/auth.c")).unwrap();
    let data = tmp.path().join("data");
    let rev = keygen(tmp.path(), "rev", "");
    let (code, _, err) = cli(
        &data,
        &[
            &"people",
            &"add",
            &s,
            &"--principal",
            &"rev@example",
            &"--role",
            &"reviewer",
            &"--pubkey",
            &pub_path(&rev),
        ],
    );
    assert_eq!(code, 0, "{err}");
    let base = |file: &str| -> Vec<String> {
        ["annotate", s.to_str().unwrap(), "--key", rev.to_str().unwrap(), "--file", file, "--lines", "1-1"]
            .iter()
            .map(|x| (*x).to_owned())
            .chain(["--kind", "finding", "--severity", "high", "--body", "x"].iter().map(|x| (*x).to_owned()))
            .collect()
    };
    let args = base("src/auth.c");
    let refs: Vec<&dyn AsRef<std::ffi::OsStr>> =
        args.iter().map(|a| a as &dyn AsRef<std::ffi::OsStr>).collect();
    let (code, _, err) = cli(&data, &refs);
    assert_ne!(code, 0);
    assert!(err.contains("src/auth.c") && err.contains(bundle::ANCHOR_ON_LINK), "{err}");
    let (code, _, err) = cli(&data, &[&"mark-reviewed", &s, &"--key", &rev, &"--file", &"src/auth.c"]);
    assert_ne!(code, 0);
    assert!(err.contains(bundle::ANCHOR_ON_LINK), "{err}");
    let args = base("src/auth_impl.c");
    let refs: Vec<&dyn AsRef<std::ffi::OsStr>> =
        args.iter().map(|a| a as &dyn AsRef<std::ffi::OsStr>).collect();
    let (code, _, err) = cli(&data, &refs);
    assert_eq!(code, 0, "{err}");
}

/// Round 20 F4: a public key of small order (here the identity point, for which R = identity, S = 0
/// verifies every message) is refused by `people add`, naming the key, and by verify.sh in a trusted
/// signers file or a record's allowed_signers, in the same words.
#[test]
fn a_key_of_small_order_is_refused_by_people_add_and_by_verify_sh() {
    let fx = Fixture::new();
    let weak = fx.tmp.path().join("weak.pub");
    std::fs::write(
        &weak,
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA weak\n",
    )
    .unwrap();
    let s = fx.snap.path();
    let (code, _, err) = cli(
        &fx.data,
        &[&"people", &"add", &s, &"--principal", &"x@example", &"--role", &"vendor", &"--pubkey", &weak],
    );
    assert_ne!(code, 0);
    assert!(err.contains(vitrine_record::keys::WEAK_KEY), "{err}");
    let x = fx.tmp.path().join("x");
    unpack(&fx.bundle, &x);
    let line = "x@example namespaces=\"entry@vitrine,checkpoint@vitrine,bundle@vitrine\" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA role=vendor\n";
    let trusted = fx.tmp.path().join("TRUSTED");
    let mut t = std::fs::read_to_string(x.join("allowed_signers")).unwrap();
    t.push_str(line);
    std::fs::write(&trusted, &t).unwrap();
    let out = sh(Command::new("dash").arg(x.join("verify.sh")).arg("-t").arg(&trusted).arg("-r").arg(&x));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains(vitrine_record::keys::WEAK_KEY));
    std::fs::write(x.join("allowed_signers"), &t).unwrap();
    let out = sh(Command::new("dash").arg(x.join("verify.sh")).arg("-r").arg(&x));
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains(&format!(
            "allowed_signers: key AAAAC3NzaC1lZDI1NTE5AAAAIAEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA {}",
            vitrine_record::keys::WEAK_KEY
        )),
        "{text}"
    );
}

/// A vendor entry dated months after the export of the record that carries it (an entry's time is its
/// signer's word) is named by `vitrine verify` and by verify.sh under dash and bash, and refused by
/// `import` (naming the entry, its time and the bound), so that the reviewer's answer to it is never
/// set aside as backdated. An entry a few hours ahead (clocks differ) is imported, and answered.
#[test]
fn an_entry_dated_in_the_future_is_named_by_both_verifiers_and_refused_by_import() {
    let fx = Fixture::new();
    let s = fx.snap.path();
    let ven = Signer::read(&fx.ven, || Ok(String::new())).unwrap();
    let now = OffsetDateTime::now_utc();
    let day = vitrine_record::time::Duration::days(1);
    for (ahead, valid) in [(day * 200, false), (vitrine_record::time::Duration::hours(2), true)] {
        // The vendor's store, its clock `ahead`: it marks the reviewer's finding fixed, and exports now.
        let vdir = fx.tmp.path().join(format!("vendor-{valid}"));
        let (mut review, snap) = vendor_review(&fx, &vdir);
        let finding = review.entries()[0].id.clone();
        let mut d = Draft::new(Kind::Status);
        d.parent = Some(finding);
        d.status = Some(vitrine_record::Status::Fixed);
        d.body = Some("fixed in 4.2".into());
        let when = vitrine_record::entry::format_time(
            review.append(&ven, d, now + ahead).unwrap().entry.parsed_time().unwrap(),
        );
        let bundle = fx.tmp.path().join(format!("vendor-{valid}.vitrine"));
        export_with(&mut review, &snap, s, &ven, &bundle);
        drop(review);
        let x = fx.tmp.path().join(format!("vendor-{valid}-x"));
        unpack(&bundle, &x);
        let (code, out, _) = cli(&fx.data, &[&"verify", &bundle, &"--snapshot", &s]);
        for shell in ["dash", "bash"] {
            let (sh_code, sh_out) = genuine_verify_sh(shell, &x, Some(s));
            assert_eq!(i32::from(code), sh_code, "{shell}\nvitrine:\n{out}\nverify.sh:\n{sh_out}");
            assert_eq!(entries_named(&out), entries_named(&sh_out), "{shell}\n{out}\n{sh_out}");
        }
        let data = fx.tmp.path().join(format!("center-{valid}"));
        copy_data(&fx.data, &data);
        let before = log_ids(&data, s);
        let (icode, iout, ierr) = cli(&data, &[&"import", &s, &bundle]);
        if valid {
            assert_eq!((code, icode), (0, 0), "{out}\n{iout}{ierr}");
            // The reviewer answers it: signed, and kept at the next open.
            let id = log_ids(&data, s).last().unwrap().clone();
            let args: [&dyn AsRef<std::ffi::OsStr>; 10] = [
                &"reply",
                &s,
                &"--key",
                &fx.rev,
                &"--to",
                &id,
                &"--body",
                &"not fixed",
                &"--status",
                &"open",
            ];
            let (rcode, _, rerr) = cli(&data, &args);
            assert_eq!(rcode, 0, "{rerr}");
            assert_eq!(log_ids(&data, s).len(), before.len() + 2);
            continue;
        }
        assert_eq!(code, 1, "{out}");
        let named =
            format!("entries/000005.json: dated {when}, more than a day after this record's exported_at");
        assert!(out.lines().any(|l| l.starts_with(&named)), "{out}");
        assert_ne!(icode, 0, "{iout}");
        assert!(ierr.contains(&named), "{ierr}");
        assert_eq!(log_ids(&data, s), before);
    }
}

/// A record holds only the names Vitrine writes, and no two names one file on a disk that ignores case:
/// a `Report.html` beside `report.html` (the vendor's forgery, listed in FILES.sha256 and signed) is
/// refused by `vitrine verify` and `import`, naming it, and named by verify.sh under dash and bash.
#[test]
fn a_case_variant_of_a_view_is_refused_by_verify_import_and_verify_sh() {
    let fx = Fixture::new();
    let s = fx.snap.path();
    for (extra, genuine) in [
        ("Report.html", "report.html"),
        ("Results.sarif", "results.sarif"),
        ("Verify.sh", "verify.sh"),
        ("VERIFY.MD", "VERIFY.md"),
    ] {
        let x = export_unpacked(&fx, &format!("x-{extra}"));
        std::fs::write(x.join(extra), std::fs::read(x.join(genuine)).unwrap()).unwrap();
        reseal(&x, &fx.rev);
        let bundle = fx.tmp.path().join(format!("x-{extra}.vitrine"));
        repack(&x, &bundle);
        let (code, out, err) = cli(&fx.data, &[&"verify", &bundle, &"--snapshot", &s]);
        assert_ne!(code, 0, "{extra}: {out}{err}");
        assert!(
            format!("{out}{err}").contains("appears twice on a disk that ignores case"),
            "{extra}: {out}{err}"
        );
        assert!(format!("{out}{err}").contains(extra), "{extra}: {out}{err}");
        let (icode, iout, ierr) = cli(&fx.data, &[&"import", &s, &bundle]);
        assert_ne!(icode, 0, "{extra}: {iout}");
        assert!(ierr.contains("appears twice on a disk that ignores case"), "{extra}: {ierr}");
        for shell in ["dash", "bash"] {
            let (sh_code, sh_out) = genuine_verify_sh(shell, &x, Some(s));
            assert_eq!(sh_code, 1, "{extra} {shell}: {sh_out}");
            assert!(
                sh_out.lines().any(|l| l.starts_with(&format!("{extra}: not a file Vitrine writes"))),
                "{extra} {shell}: {sh_out}"
            );
        }
    }
}

/// Moves the log line holding `needle` (one entry per line in the review's segment) to the end of the
/// segment in data directory `data`, and deletes the review's checkpoints: what a hostile exporter does
/// to its own store before exporting (the entries, their signatures and chains are untouched).
fn move_to_end_of_log(data: &Path, needle: &str) {
    let review = review_signers(data).parent().unwrap().to_path_buf();
    let seg = review.join("log/000001.seg");
    let text = std::fs::read_to_string(&seg).unwrap();
    let (moved, kept): (Vec<&str>, Vec<&str>) = text.lines().partition(|l| l.contains(needle));
    assert_eq!(moved.len(), 1, "{needle}");
    std::fs::write(&seg, format!("{}\n{}\n", kept.join("\n"), moved[0])).unwrap();
    for e in std::fs::read_dir(review.join("checkpoints")).unwrap() {
        std::fs::remove_file(e.unwrap().path()).unwrap();
    }
}

/// The status `results.sarif` of unpacked record `x` gives the thread of annotation `id`.
fn sarif_status(x: &Path, id: &str) -> String {
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(x.join("results.sarif")).unwrap()).unwrap();
    let r = v["runs"][0]["results"].as_array().unwrap().iter().find(|r| r["properties"]["entryId"] == id);
    r.unwrap()["properties"]["status"].as_str().unwrap().to_owned()
}

/// The status `vitrine log --json` gives the thread of annotation `id` in data directory `data`.
fn log_status(data: &Path, snap: &Path, id: &str) -> String {
    let (code, out, err) = cli(data, &[&"log", &snap, &"--json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let t = v["threads"].as_array().unwrap().iter().find(|t| t["root"] == id || t["id"] == id);
    t.unwrap_or_else(|| panic!("{out}"))["status"].as_str().unwrap().to_owned()
}

/// F2 (round 6): a thread's status and whether a retirement counts follow signed data only. The vendor
/// marks the finding fixed, the reviewer reopens it a second later; the vendor exports the same signed
/// entries with its `fixed` listed last (its own store's log reordered, its checkpoints deleted). Both
/// verifiers accept the record, and its views, a fresh store importing it and the reviewer's store all say
/// `open`. Variant B: the reviewer retires the vendor; the vendor, not yet knowing, signs `fixed` a second
/// later and then imports the retirement: its store's log lists the retirement last (exported with the
/// reviewer's key: the retired vendor exports nothing), and the fixed still does not count (both
/// verifiers name it, and the views still say `open`).
#[test]
fn the_exporters_log_order_decides_no_status_and_no_retirement() {
    let fx = Fixture::new();
    let s = fx.snap.path();
    let a = log_ids(&fx.data, s)[0].clone();
    let vdata = fx.tmp.path().join("vdata");
    copy_data(&fx.data, &vdata);
    let later = || std::thread::sleep(std::time::Duration::from_millis(1100));
    let export = |data: &Path, key: &Path, name: &str| {
        let b = fx.tmp.path().join(format!("{name}.vitrine"));
        let (code, _, err) = cli(data, &[&"export", &s, &"--key", &key, &"--out", &b]);
        assert_eq!(code, 0, "{err}");
        b
    };
    let import = |data: &Path, b: &Path| {
        let (code, out, err) = cli(data, &[&"import", &s, &b]);
        assert_eq!(code, 0, "{err}");
        out
    };
    let (code, _, err) = cli(
        &vdata,
        &[&"reply", &s, &"--key", &fx.ven, &"--to", &a, &"--body", &"fixed", &"--status", &"fixed"],
    );
    assert_eq!(code, 0, "{err}");
    import(&fx.data, &export(&vdata, &fx.ven, "ven2"));
    later();
    let (code, _, err) =
        cli(&fx.data, &[&"status", &s, &"--key", &fx.rev, &"--to", &a, &"--status", &"open"]);
    assert_eq!(code, 0, "{err}");
    let rev3 = export(&fx.data, &fx.rev, "rev3");
    import(&vdata, &rev3);
    move_to_end_of_log(&vdata, "\"status\":\"fixed\"");
    let ven3 = export(&vdata, &fx.ven, "ven3");
    for (name, b) in [("rev3", &rev3), ("ven3", &ven3)] {
        let x = fx.tmp.path().join(format!("{name}-x"));
        unpack(b, &x);
        let (code, out) = verify_both(&fx, &x);
        assert_eq!(code, 0, "{name}: {out}");
        assert_eq!(sarif_status(&x, &a), "open", "{name}");
        let fresh = fx.tmp.path().join(format!("{name}-fresh"));
        import(&fresh, b);
        assert_eq!(log_status(&fresh, s, &a), "open", "{name}");
    }
    let out = import(&fx.data, &ven3);
    assert!(!out.contains("status differs"), "{out}");
    assert_eq!(log_status(&fx.data, s, &a), "open");
    // A bundle that lacks the reopen says so when imported where the reopen is.
    let out = import(&fx.data, &fx.tmp.path().join("ven2.vitrine"));
    assert!(
        out.contains(&format!(
            "status differs: thread {}: fixed in the bundle, open in this review",
            &a[..12]
        )),
        "{out}"
    );

    // Variant B.
    let (code, _, err) =
        cli(&fx.data, &[&"people", &"retire", &s, &"--principal", &"vendor@example", &"--key", &fx.rev]);
    assert_eq!(code, 0, "{err}");
    let retired = export(&fx.data, &fx.rev, "retired");
    later();
    let (code, _, err) = cli(
        &vdata,
        &[&"reply", &s, &"--key", &fx.ven, &"--to", &a, &"--body", &"fixed late", &"--status", &"fixed"],
    );
    assert_eq!(code, 0, "{err}");
    import(&vdata, &retired);
    move_to_end_of_log(&vdata, "\"kind\":\"retire\"");
    // The retired vendor exports nothing more (round 22); the store's log, reordered, is exported with
    // the reviewer's key (a colleague's workstation that imported it).
    let (code, _, err) =
        cli(&vdata, &[&"export", &s, &"--key", &fx.ven, &"--out", &fx.tmp.path().join("refused.vitrine")]);
    assert_ne!(code, 0);
    assert!(err.contains("a retired principal exports nothing"), "{err}");
    let x = fx.tmp.path().join("ven-ret-x");
    unpack(&export(&vdata, &fx.rev, "ven-ret"), &x);
    let late = entries_named_with(&x, "fixed late");
    let (code, out) = verify_both(&fx, &x);
    assert_eq!(code, 1, "{out}");
    assert_eq!(entries_named(&out), [late.clone()].into(), "{out}");
    assert!(out.contains(&format!("{late}: people: signed by vendor@example, who was retired")), "{out}");
    assert_eq!(sarif_status(&x, &a), "open");
}

/// The entry file of unpacked record `x` whose body is `body`.
fn entries_named_with(x: &Path, body: &str) -> String {
    let mut names: Vec<String> = std::fs::read_dir(x.join("entries"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    let n = names.into_iter().find(|n| entry_json(x, n.trim_end_matches(".json"))["body"] == body).unwrap();
    format!("entries/{n}")
}

/// Runs this version's verify.sh with `shell` and `args` on the unpacked record `dir` (`-r`), from
/// another directory, standard input closed; returns (exit code, stdout and stderr).
fn verify_sh_on(shell: &str, dir: &Path, args: &[&std::ffi::OsStr]) -> (i32, String) {
    let out = sh(Command::new(shell)
        .arg("-c")
        .arg(bundle::VERIFY_SH)
        .arg("verify.sh")
        .arg("-r")
        .arg(dir)
        .args(args)
        .stdin(Stdio::null()));
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.code().unwrap_or(-1), text)
}

/// F1 (round 22): names of the vendor's snapshot that stock tools read another way. A root file named
/// `-` (`sha256sum -c` read it as standard input), a finding on `-internal/main.c` (verify.sh's path
/// check refused a leading `-`), a vendored `.GIT/HEAD` (git refuses the path: `git add` failed and the
/// empty index was hashed) and a nested git repository (`git add` records a gitlink where Vitrine keeps
/// the work tree's files): the reviewer's genuine record is OK for `vitrine verify` and for verify.sh
/// under dash and bash, with the trusted signers and the snapshot; the same snapshot with one byte of
/// the `-` file changed is INVALID for both.
#[test]
fn both_verifiers_agree_on_snapshot_names_stock_tools_read_as_options_or_refuse() {
    let git = |dir: &Path, args: &[&str]| {
        let out = sh(Command::new("git")
            .args(["-c", "user.name=v", "-c", "user.email=v@x", "-c", "init.defaultBranch=main"])
            .args(args)
            .current_dir(dir));
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    };
    let code = "int main(void) {\n  char buf[8];\n  gets(buf);\n  return 0;\n}\n";
    for variant in ["dash-file", "dash-dir", "refused", "nested-repo", "dash-option"] {
        let snap = TempTree::new();
        snap.file("README", "hello\n");
        let file = match variant {
            "dash-dir" => "-internal/main.c",
            "dash-option" => "src/--help",
            _ => "src/main.c",
        };
        snap.file(file, code);
        match variant {
            "dash-file" => {
                snap.file("-", "generated by build\n");
            }
            "refused" => {
                snap.file("third_party/zlib/.GIT/HEAD", "ref: refs/heads/main\n");
            }
            "nested-repo" => {
                snap.file("vendor/lib/lib.c", "int lib;\n");
                git(&snap.path().join("vendor/lib"), &["init", "-q"]);
                git(&snap.path().join("vendor/lib"), &["add", "lib.c"]);
                git(&snap.path().join("vendor/lib"), &["commit", "-q", "-m", "x"]);
            }
            _ => {}
        }
        let s = snap.path();
        let tmp = tempfile::tempdir().unwrap();
        let (data, rev) = one_reviewer(tmp.path(), s);
        // `--file=PATH`: a path starting with `-` is a value, not an option.
        let (c, _, err) = cli(
            &data,
            &[
                &"annotate",
                &s,
                &"--key",
                &rev,
                &format!("--file={file}"),
                &"--lines",
                &"3-3",
                &"--kind",
                &"finding",
                &"--severity",
                &"high",
                &"--body",
                &"gets() overflows buf",
            ],
        );
        assert_eq!(c, 0, "{variant}: {err}");
        let b = tmp.path().join("r.vitrine");
        let (c, _, err) = cli(&data, &[&"export", &s, &"--key", &rev, &"--out", &b]);
        assert_eq!(c, 0, "{variant}: {err}");
        let trusted = tmp.path().join("TRUSTED");
        std::fs::copy(review_signers(&data), &trusted).unwrap();
        let x = tmp.path().join("x");
        unpack(&b, &x);
        let check = |want: i32, what: &str| {
            let (c, out, err) = cli(
                &tmp.path().join("vd"),
                &[&"verify", &"--trusted-signers", &trusted, &"--snapshot", &s, &b],
            );
            assert_eq!(i32::from(c), want, "{variant} {what}: vitrine verify\n{out}{err}");
            for shell in ["dash", "bash"] {
                let (c, out) = verify_sh_on(shell, &x, &["-t".as_ref(), trusted.as_os_str(), s.as_os_str()]);
                assert_eq!(c, want, "{variant} {what}: verify.sh under {shell}\n{out}");
            }
        };
        check(0, "genuine");
        if variant == "dash-file" {
            let (c, out, _) = cli(&data, &[&"health", &s]);
            assert_eq!(c, 0);
            assert!(out.contains("-: unportable-name: the file name is `-`"), "{out}");
            snap.file("-", "generated by build!\n");
            check(1, "after a change to `-`");
        }
    }
}

/// F2 (round 22): a retirement binds the retired key. `people retire` writes `valid-before` (the
/// retirement's time) on the key's line of the review's allowed_signers, the center's trusted file; the
/// retired key's holder can no longer export (A), a record it exports by hand is refused by both
/// verifiers, from the record alone (the record retires its exporter) and against the trusted file; and
/// a status the key signs after its retirement, in a record that leaves the retirement out (B), is
/// refused by both verifiers against the center's trusted file and by the center's import.
#[test]
fn a_retired_key_exports_nothing_and_signs_nothing_that_either_verifier_takes() {
    let fx = Fixture::new();
    let s = fx.snap.path();
    let finding = log_ids(&fx.data, s)[0].clone();
    let trusted_before = fx.tmp.path().join("TRUSTED-before");
    std::fs::copy(review_signers(&fx.data), &trusted_before).unwrap();
    // The vendor's workstation holds the review as it stands (it never hears of the retirement).
    let vendor = fx.tmp.path().join("vendor-data");
    copy_data(&fx.data, &vendor);

    let (c, out, err) = cli(
        &fx.data,
        &[
            &"people",
            &"retire",
            &s,
            &"--principal",
            &"vendor@example",
            &"--key",
            &fx.rev,
            &"--reason",
            &"key lost",
        ],
    );
    assert_eq!(c, 0, "{err}");
    assert!(out.starts_with("retired vendor@example"), "{out}");
    let signers = std::fs::read_to_string(review_signers(&fx.data)).unwrap();
    let line = |p: &str| signers.lines().find(|l| l.starts_with(&format!("{p} "))).unwrap().to_owned();
    assert!(line("vendor@example").contains(",valid-before=\""), "{signers}");
    assert!(!line("reviewer@example").contains("valid-before"), "{signers}");
    let trusted = fx.tmp.path().join("TRUSTED");
    std::fs::copy(review_signers(&fx.data), &trusted).unwrap();
    // Signatures dated after the retirement's second.
    std::thread::sleep(std::time::Duration::from_millis(1100));

    // (A) The vendor imports the center's record and tries to export: refused.
    let r2 = export_unpacked(&fx, "r2");
    let r2_bundle = fx.tmp.path().join("r2.vitrine");
    let imported = fx.tmp.path().join("vendor-imported");
    copy_data(&vendor, &imported);
    let (c, _, err) = cli(&imported, &[&"import", &s, &r2_bundle]);
    assert_eq!(c, 0, "{err}");
    let (c, _, err) =
        cli(&imported, &[&"export", &s, &"--key", &fx.ven, &"--out", &fx.tmp.path().join("a.vitrine")]);
    assert_ne!(c, 0);
    assert!(err.contains("a retired principal exports nothing"), "{err}");
    // By hand: the center's record, exported again as the vendor, its allowed_signers without the bound.
    let x = fx.tmp.path().join("a-forged");
    copy_dir(&r2, &x);
    let rj = x.join("record.json");
    let mut header: serde_json::Value = serde_json::from_slice(&std::fs::read(&rj).unwrap()).unwrap();
    let ven_fp = header["participants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["principal"] == "vendor@example")
        .unwrap()["fingerprint"]
        .clone();
    header["exported_by"] = serde_json::json!({"principal": "vendor@example", "fingerprint": ven_fp});
    let mut text = serde_json::to_vec_pretty(&header).unwrap();
    text.push(b'\n');
    std::fs::write(&rj, text).unwrap();
    let unbound = std::fs::read_to_string(x.join("allowed_signers")).unwrap();
    let unbound: String = unbound
        .lines()
        .map(|l| {
            let l = match (l.find(",valid-before=\""), l.find("Z\" ")) {
                (Some(a), Some(b)) if b > a => format!("{}{}", &l[..a], &l[b + 2..]),
                _ => l.to_owned(),
            };
            format!("{l}\n")
        })
        .collect();
    assert!(!unbound.contains("valid-before"), "{unbound}");
    std::fs::write(x.join("allowed_signers"), unbound).unwrap();
    rebind(&x, &fx.ven, "allowed_signers", "allowed_signers");
    reseal(&x, &fx.ven);
    let (c, out) = verify_both(&fx, &x);
    assert_eq!(c, 1, "{out}");
    assert_eq!(out.matches("a retired principal exports nothing").count(), 2, "{out}");
    let forged = fx.tmp.path().join("a-forged.vitrine");
    repack(&x, &forged);
    let (c, out, _) = cli(&fx.data, &[&"verify", &"--trusted-signers", &trusted, &forged]);
    assert_eq!(c, 1, "{out}");
    assert!(out.contains("does not let the exporter vendor@example sign checkpoints"), "{out}");
    for shell in ["dash", "bash"] {
        let (c, out) = verify_sh_on(shell, &x, &["-t".as_ref(), trusted.as_os_str()]);
        assert_eq!(c, 1, "{shell}: {out}");
        assert!(out.contains("against the trusted signers file"), "{shell}: {out}");
    }

    // (B) The vendor's workstation, which never imported the retirement, marks the finding fixed and
    // exports: the record leaves the retirement out.
    let (c, _, err) = cli(
        &vendor,
        &[
            &"status",
            &s,
            &"--key",
            &fx.ven,
            &"--to",
            &finding,
            &"--status",
            &"fixed",
            &"--body",
            &"fixed in 2.1",
        ],
    );
    assert_eq!(c, 0, "{err}");
    let b3 = fx.tmp.path().join("b3.vitrine");
    let (c, _, err) = cli(&vendor, &[&"export", &s, &"--key", &fx.ven, &"--out", &b3]);
    assert_eq!(c, 0, "{err}");
    let x3 = fx.tmp.path().join("b3");
    unpack(&b3, &x3);
    // Against the trusted file of before the retirement, it verifies: the bound is what refuses it.
    let (c, out, _) = cli(&fx.data, &[&"verify", &"--trusted-signers", &trusted_before, &b3]);
    assert_eq!(c, 0, "{out}");
    let (c, out, _) = cli(&fx.data, &[&"verify", &"--trusted-signers", &trusted, &b3]);
    assert_eq!(c, 1, "{out}");
    assert!(out.contains("does not let vendor@example (vendor) sign entries at"), "{out}");
    for shell in ["dash", "bash"] {
        let (c, out) = verify_sh_on(shell, &x3, &["-t".as_ref(), trusted_before.as_os_str()]);
        assert_eq!(c, 0, "{shell}: {out}");
        let (c, out) = verify_sh_on(shell, &x3, &["-t".as_ref(), trusted.as_os_str()]);
        assert_eq!(c, 1, "{shell}: {out}");
        assert!(
            out.contains("does not verify against the trusted signers file for its author"),
            "{shell}: {out}"
        );
    }
    let (c, _, err) = cli(&fx.data, &[&"import", &s, &b3]);
    assert_ne!(c, 0);
    assert!(err.contains("is not valid at the entry time"), "{err}");
}

/// A copy of directory `from` at `to` (an unpacked record, to edit one copy).
fn copy_dir(from: &Path, to: &Path) {
    let out = sh(Command::new("cp").arg("-a").arg(from).arg(to));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// F3 (round 22): the vendor signs its own reply with a key no version defines, at the top or one level
/// down, or sends record.json with a key twice (jq keeps the last, serde refuses): both verifiers say
/// INVALID, under dash and bash, and name the same entries.
#[test]
fn both_verifiers_refuse_unknown_keys_at_any_depth_and_a_key_twice_in_record_json() {
    let fx = Fixture::new();
    type Edit = dyn Fn(&mut serde_json::Value);
    let edits: [(&str, &Edit); 2] = [
        ("field", &|e| e["supersedes"] = "fed97cca".into()),
        ("nested", &|e| e["author"]["comment"] = serde_json::json!({"b": [1, {"a": "x"}]})),
    ];
    for (name, edit) in edits {
        let x = fx.tmp.path().join(name);
        unpack(&fx.bundle, &x);
        resign_edited(&x, "000003", &fx.ven, |t| {
            let mut e: serde_json::Value = serde_json::from_str(&t).unwrap();
            edit(&mut e);
            canonical_text(&e)
        });
        reseal(&x, &fx.rev);
        let (c, out) = verify_both(&fx, &x);
        assert_eq!(c, 1, "{name}: {out}");
        assert_eq!(entries_named(&out), ["entries/000003.json".to_owned()].into(), "{name}: {out}");
        let (c, out) = genuine_verify_sh("bash", &x, None);
        assert_eq!(c, 1, "{name}: {out}");
    }
    let x = fx.tmp.path().join("dupkey");
    unpack(&fx.bundle, &x);
    let rj = x.join("record.json");
    let text = std::fs::read_to_string(&rj).unwrap();
    std::fs::write(
        &rj,
        text.replacen("\"exported_at\"", "\"exported_at\": \"2026-01-01T00:00:00Z\",\n  \"exported_at\"", 1),
    )
    .unwrap();
    rebind(&x, &fx.rev, "record", "record.json");
    reseal_statement(&x, &fx.rev);
    let dup = fx.tmp.path().join("dupkey.vitrine");
    repack(&x, &dup);
    let (c, out, _) = cli(&fx.data, &[&"verify", &dup]);
    assert_eq!(c, 1, "{out}");
    assert!(out.contains("duplicate field `exported_at`"), "{out}");
    for shell in ["dash", "bash"] {
        let (c, out) = genuine_verify_sh(shell, &x, None);
        assert_eq!(c, 1, "{shell}: {out}");
        assert!(out.starts_with("record.json: "), "{shell}: {out}");
    }
}

/// Writes and signs `FILES.sha256` again (after an edit that `reseal` would undo: it rewrites
/// record.json from its parsed form).
fn reseal_statement(dir: &Path, key: &Path) {
    let statement = dir.join("FILES.sha256");
    let mut files = BundleFiles::default();
    for e in walk(dir) {
        let name = e.strip_prefix(dir).unwrap().to_str().unwrap().to_owned();
        files.files.insert(name, std::fs::read(&e).unwrap());
    }
    std::fs::write(&statement, bundle::files_statement(&files)).unwrap();
    let _ = std::fs::remove_file(dir.join("FILES.sha256.sig"));
    let out = sh(Command::new("ssh-keygen")
        .args(["-Y", "sign", "-n", "bundle@vitrine", "-f"])
        .arg(key)
        .arg(&statement));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

mod claims;

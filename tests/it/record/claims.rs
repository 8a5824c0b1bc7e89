//! Round 26 (records, h26 rec): every statement a record makes about the snapshot or the people is checked
//! by both verifiers, or said to be the exporter's unchecked claim, and both read the exporter's own signed
//! files (record.json, the checkpoint, FILES.sha256, health.json) with one grammar.

use super::*;

/// Rewrites record.json of the unpacked bundle `x` with `edit` and seals it again as its exporter (`key`).
fn edit_record_json(x: &Path, key: &Path, edit: impl Fn(&mut serde_json::Value)) {
    let rj = x.join("record.json");
    let mut h: serde_json::Value = serde_json::from_slice(&std::fs::read(&rj).unwrap()).unwrap();
    edit(&mut h);
    let mut text = serde_json::to_vec_pretty(&h).unwrap();
    text.push(b'\n');
    std::fs::write(&rj, text).unwrap();
    rebind(x, key, "record", "record.json");
    reseal_statement(x, key);
}

/// What each verifier says of the unpacked bundle `x`: `vitrine verify` (with `--snapshot` and
/// `--trusted-signers` when given) on it repacked, and this version's verify.sh under `shell` with the
/// same. Returns (vitrine's code, its output, verify.sh's code, its output).
fn judge(
    fx: &Fixture,
    x: &Path,
    shell: &str,
    snapshot: Option<&Path>,
    trusted: Option<&Path>,
) -> (i32, String, i32, String) {
    let bundle = fx.tmp.path().join("judged.vitrine");
    let _ = std::fs::remove_file(&bundle);
    repack(x, &bundle);
    let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![&"verify", &bundle];
    let mut sh_args: Vec<&std::ffi::OsStr> = Vec::new();
    if let Some(t) = &trusted {
        args.push(&"--trusted-signers");
        args.push(t);
        sh_args.push("-t".as_ref());
        sh_args.push(t.as_os_str());
    }
    if let Some(s) = &snapshot {
        args.push(&"--snapshot");
        args.push(s);
        sh_args.push(s.as_os_str());
    }
    let (code, out, _) = cli(&fx.data, &args);
    let (sh_code, sh_out) = genuine_verify_sh_with(shell, x, &sh_args);
    (i32::from(code), out, sh_code, sh_out)
}

/// F1: health.json is the snapshot's health report. With the snapshot, `vitrine verify` computes it again
/// and names every finding the record's copy leaves out or adds; verify.sh, which cannot compute it, says
/// that it is the exporter's claim (and VERIFY.md says so too).
#[test]
fn health_json_is_computed_again_from_the_snapshot_or_called_the_exporters_claim() {
    let fx = Fixture::new();
    let s = fx.snap.path().to_path_buf();
    let honest = fx.tmp.path().join("honest");
    unpack(&fx.bundle, &honest);
    let (c, out, sc, sh_out) = judge(&fx, &honest, "sh", Some(&s), None);
    assert_eq!((c, sc), (0, 0), "{out}\n{sh_out}");
    assert!(out.lines().any(|l| l.contains("health.json") && l.contains("computed again")), "{out}");
    assert!(sh_out.lines().any(|l| l.starts_with("note: health.json") && l.contains("exporter")), "{sh_out}");
    assert!(bundle::VERIFY_MD.contains("health.json") && bundle::VERIFY_MD.contains("exporter's claim"));

    // The exporter hides what the snapshot holds and adds what it does not.
    let x = fx.tmp.path().join("forged-health");
    unpack(&fx.bundle, &x);
    let hp = x.join("health.json");
    let mut h: serde_json::Value = serde_json::from_slice(&std::fs::read(&hp).unwrap()).unwrap();
    let real = h["findings"].as_array().unwrap().clone();
    h["findings"] = serde_json::json!([{
        "path": "src/util.h", "line": 2, "column": 1, "kind": "bidi-control",
        "detail": "U+202E RIGHT-TO-LEFT OVERRIDE"
    }]);
    h["counts"] = serde_json::json!({"bidi-control": 1});
    std::fs::write(&hp, serde_json::to_vec_pretty(&h).unwrap()).unwrap();
    rebind(&x, &fx.rev, "health", "health.json");
    reseal_statement(&x, &fx.rev);
    let (c, out, sc, sh_out) = judge(&fx, &x, "sh", Some(&s), None);
    assert_eq!(c, 1, "{out}");
    let line = out.lines().find(|l| l.starts_with("health.json: ")).unwrap_or_else(|| panic!("{out}"));
    assert!(line.contains("1 extra") && line.contains("src/util.h:2"), "{line}");
    if !real.is_empty() {
        assert!(line.contains(&format!("{} missing", real.len())), "{line}");
    }
    // verify.sh cannot tell: it says OK, and that it did not check health.json.
    assert_eq!(sc, 0, "{sh_out}");
    assert!(sh_out.lines().any(|l| l.starts_with("note: health.json") && l.contains("exporter")), "{sh_out}");

    // A record exported by another version of Vitrine (other rules: new checks, other wording) is
    // not made invalid by what this version finds otherwise: the differences are listed, not judged.
    // The exported report names its rules; the honest one has this build's.
    let honest_rules =
        serde_json::from_slice::<serde_json::Value>(&std::fs::read(honest.join("health.json")).unwrap())
            .unwrap()["rules"]
            .as_str()
            .map(str::to_owned);
    assert!(honest_rules.as_ref().is_some_and(|r| r.len() == 64), "{honest_rules:?}");
    let y = fx.tmp.path().join("other-rules");
    unpack(&fx.bundle, &y);
    let hp = y.join("health.json");
    let mut h: serde_json::Value = serde_json::from_slice(&std::fs::read(&hp).unwrap()).unwrap();
    h["rules"] = "0".repeat(64).into();
    h["findings"] = serde_json::json!([{
        "path": "src/util.h", "line": 3, "column": 1, "kind": "a-check-of-another-version",
        "detail": "found by rules this version does not have"
    }]);
    // (report.html's health table, rendered from `counts`, stays as exported.)
    std::fs::write(&hp, serde_json::to_vec_pretty(&h).unwrap()).unwrap();
    rebind(&y, &fx.rev, "health", "health.json");
    reseal_statement(&y, &fx.rev);
    let (c, out, sc, sh_out) = judge(&fx, &y, "sh", Some(&s), None);
    assert_eq!((c, sc), (0, 0), "{out}\n{sh_out}");
    let line = out
        .lines()
        .find(|l| l.contains("health.json") && l.contains("other rules"))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(line.contains("1 extra") && line.contains("src/util.h:3"), "{line}");
    if !real.is_empty() {
        assert!(line.contains(&format!("{} missing", real.len())), "{line}");
    }

    // Dropping `rules` does not pass for an old record: this one's entries are signed after the day
    // from which every export names its rules.
    let z = fx.tmp.path().join("no-rules");
    unpack(&fx.bundle, &z);
    let hp = z.join("health.json");
    let mut h: serde_json::Value = serde_json::from_slice(&std::fs::read(&hp).unwrap()).unwrap();
    h.as_object_mut().unwrap().remove("rules");
    h["findings"] = serde_json::json!([{
        "path": "src/util.h", "line": 3, "column": 1, "kind": "a-check-of-another-version",
        "detail": "found by rules this version does not have"
    }]);
    std::fs::write(&hp, serde_json::to_vec_pretty(&h).unwrap()).unwrap();
    rebind(&z, &fx.rev, "health", "health.json");
    reseal_statement(&z, &fx.rev);
    let (c, out, _, _) = judge(&fx, &z, "sh", Some(&s), None);
    assert_eq!(c, 1, "{out}");
    assert!(out.lines().any(|l| l.starts_with("health.json: ") && l.contains("names no rules")), "{out}");
}

/// F2: record.json's snapshot ids, participants and exporter key are bound to what each verifier checks,
/// and both verifiers check them alike: `swhid` is `swh:1:dir:` + `tree_sha1` (with or without the
/// snapshot), `tree_sha1` is the snapshot's (verify.sh computes it with git), `participants` are
/// allowed_signers' lines, and `exported_by.fingerprint` is the key that signed the checkpoint.
#[test]
fn record_json_snapshot_ids_participants_and_exporter_key_are_checked_by_both_verifiers() {
    let fx = Fixture::new();
    let s = fx.snap.path().to_path_buf();
    let trusted = review_signers(&fx.data);
    let honest = fx.tmp.path().join("honest");
    unpack(&fx.bundle, &honest);
    let (c, out, sc, sh_out) = judge(&fx, &honest, "sh", Some(&s), Some(&trusted));
    assert_eq!((c, sc), (0, 0), "{out}\n{sh_out}");
    let ven_fp = {
        let h: serde_json::Value =
            serde_json::from_slice(&std::fs::read(honest.join("record.json")).unwrap()).unwrap();
        h["participants"].as_array().unwrap().iter().find(|p| p["role"] == "vendor").unwrap()["fingerprint"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let other = "5a".repeat(20);
    type Edit = Box<dyn Fn(&mut serde_json::Value)>;
    let cases: Vec<(&str, Edit, bool, &str)> = vec![
        (
            "swhid of another tree",
            Box::new(move |h| h["snapshot"]["swhid"] = format!("swh:1:dir:{}", "5a".repeat(20)).into()),
            false,
            "swhid",
        ),
        (
            "tree_sha1 and swhid of another tree",
            Box::new(move |h| {
                h["snapshot"]["tree_sha1"] = other.clone().into();
                h["snapshot"]["swhid"] = format!("swh:1:dir:{other}").into();
            }),
            true,
            "SHA-1 tree id",
        ),
        (
            "the vendor listed as reviewer",
            Box::new(|h| {
                for p in h["participants"].as_array_mut().unwrap() {
                    if p["role"] == "vendor" {
                        p["role"] = "reviewer".into();
                    }
                }
            }),
            false,
            "participants",
        ),
        (
            "a participant left out",
            Box::new(|h| {
                h["participants"].as_array_mut().unwrap().pop();
            }),
            false,
            "participants",
        ),
        (
            "exporter key of another",
            Box::new(move |h| h["exported_by"]["fingerprint"] = ven_fp.clone().into()),
            false,
            "key",
        ),
    ];
    for (what, edit, needs_snapshot, word) in cases {
        let x = fx.tmp.path().join(what.replace(' ', "-"));
        unpack(&fx.bundle, &x);
        edit_record_json(&x, &fx.rev, edit);
        // A tree id only the snapshot can check is judged with it (without it, vitrine verify finds the
        // views, which show it, differ from the header: verify.sh renders no view).
        let snapshots: &[Option<&Path>] =
            if needs_snapshot { &[Some(s.as_path())] } else { &[None, Some(s.as_path())] };
        for snapshot in snapshots {
            let (c, out, sc, sh_out) = judge(&fx, &x, "sh", *snapshot, Some(&trusted));
            assert_eq!((c, sc), (1, 1), "{what} (snapshot {snapshot:?}):\n{out}\n{sh_out}");
            for o in [&out, &sh_out] {
                assert!(o.lines().any(|l| l.contains(word)), "{what}: no line names {word}:\n{o}");
            }
        }
    }
}

/// F2 (C) with trusted signers: a participant who signed nothing still has the role the trusted file
/// gives its key, in both verifiers (the record lists a third person as reviewer, allowed_signers too, the
/// center's file says vendor).
#[test]
fn a_participant_who_signed_nothing_has_the_trusted_role_in_both_verifiers() {
    let fx = Fixture::new();
    let third = keygen(fx.tmp.path(), "third", "");
    let key = std::fs::read_to_string(pub_path(&third)).unwrap();
    let key: Vec<&str> = key.split_whitespace().take(2).collect();
    let out = sh(Command::new("ssh-keygen").arg("-l").arg("-f").arg(pub_path(&third)));
    let fp = String::from_utf8_lossy(&out.stdout).split_whitespace().nth(1).unwrap().to_owned();
    let line = |role: &str| {
        format!(
            "third@example namespaces=\"entry@vitrine,checkpoint@vitrine,bundle@vitrine\" {} role={role}\n",
            key.join(" ")
        )
    };
    let trusted = fx.tmp.path().join("TRUSTED");
    let mut t = std::fs::read_to_string(review_signers(&fx.data)).unwrap();
    t.push_str(&line("vendor"));
    std::fs::write(&trusted, t).unwrap();
    let x = fx.tmp.path().join("third-person");
    unpack(&fx.bundle, &x);
    let mut a = std::fs::read_to_string(x.join("allowed_signers")).unwrap();
    a.push_str(&line("reviewer"));
    std::fs::write(x.join("allowed_signers"), a).unwrap();
    rebind(&x, &fx.rev, "allowed_signers", "allowed_signers");
    edit_record_json(&x, &fx.rev, |h| {
        h["participants"].as_array_mut().unwrap().push(serde_json::json!({
            "principal": "third@example", "role": "reviewer", "fingerprint": fp
        }));
    });
    // Without -t the record's people agree with themselves (vitrine verify still finds report.html,
    // which lists the people, other than it renders: the record was not rendered again).
    let (_, out, _, sh_out) = judge(&fx, &x, "sh", None, None);
    for o in [&out, &sh_out] {
        assert!(!o.contains("record.json: participant"), "{o}");
    }
    let (c, out, sc, sh_out) = judge(&fx, &x, "sh", None, Some(&trusted));
    assert_eq!((c, sc), (1, 1), "{out}\n{sh_out}");
    for o in [&out, &sh_out] {
        assert!(o.lines().any(|l| l.starts_with("record.json: participant") && l.contains(&fp)), "{o}");
    }
}

/// F3: one grammar for the exporter's signed files in both verifiers, under dash, bash and busybox sh:
/// FILES.sha256 and the checkpoint end with a newline, the checkpoint has no empty line, record.json has
/// no byte order mark and its numbers are integers as written by Vitrine, health.json is one JSON object.
/// Each message names the file at fault.
#[test]
fn both_verifiers_read_the_exporters_signed_files_with_one_grammar() {
    let fx = Fixture::new();
    type Forge = Box<dyn Fn(&Path)>;
    let rev = fx.rev.clone();
    let resign_cp = move |x: &Path, key: &Path| {
        std::fs::remove_file(x.join("checkpoint.sig")).unwrap();
        let out = sh(Command::new("ssh-keygen")
            .args(["-Y", "sign", "-n", "checkpoint@vitrine", "-f"])
            .arg(key)
            .arg(x.join("checkpoint")));
        assert!(out.status.success());
        reseal_statement(x, key);
    };
    let edit_file = |x: &Path, name: &str, f: &dyn Fn(Vec<u8>) -> Vec<u8>| {
        let p = x.join(name);
        let before = std::fs::read(&p).unwrap();
        let after = f(before.clone());
        assert_ne!(before, after, "{name}");
        std::fs::write(&p, after).unwrap();
    };
    let r1 = rev.clone();
    let r2 = rev.clone();
    let r3 = rev.clone();
    let r4 = rev.clone();
    let r5 = rev.clone();
    let r6 = rev.clone();
    let r7 = rev.clone();
    let cases: Vec<(&str, &str, Forge)> = vec![
        (
            "FILES.sha256 without its final newline",
            "FILES.sha256",
            Box::new(move |x| {
                let st = x.join("FILES.sha256");
                let mut t = std::fs::read(&st).unwrap();
                t.pop();
                std::fs::write(&st, t).unwrap();
                std::fs::remove_file(x.join("FILES.sha256.sig")).unwrap();
                let out = sh(Command::new("ssh-keygen")
                    .args(["-Y", "sign", "-n", "bundle@vitrine", "-f"])
                    .arg(&r1)
                    .arg(&st));
                assert!(out.status.success());
            }),
        ),
        (
            "checkpoint without its final newline",
            "checkpoint",
            Box::new(move |x| {
                edit_file(x, "checkpoint", &|mut t| {
                    t.pop();
                    t
                });
                resign_cp(x, &r2);
            }),
        ),
        (
            "checkpoint with an empty last line",
            "checkpoint",
            Box::new(move |x| {
                edit_file(x, "checkpoint", &|mut t| {
                    t.push(b'\n');
                    t
                });
                resign_cp(x, &r3);
            }),
        ),
        (
            "record.json with a byte order mark",
            "record.json",
            Box::new(move |x| {
                edit_file(x, "record.json", &|t| [b"\xef\xbb\xbf".as_slice(), &t].concat());
                rebind(x, &r4, "record", "record.json");
                reseal_statement(x, &r4);
            }),
        ),
        (
            "record.json v 2.0",
            "record.json",
            Box::new(move |x| {
                edit_file(x, "record.json", &|t| {
                    String::from_utf8(t).unwrap().replacen("\"v\": 2,", "\"v\": 2.0,", 1).into_bytes()
                });
                rebind(x, &r5, "record", "record.json");
                reseal_statement(x, &r5);
            }),
        ),
        (
            "record.json entries 4e0",
            "record.json",
            Box::new(move |x| {
                edit_file(x, "record.json", &|t| {
                    String::from_utf8(t)
                        .unwrap()
                        .replacen("\"entries\": 4\n", "\"entries\": 4e0\n", 1)
                        .into_bytes()
                });
                rebind(x, &r6, "record", "record.json");
                reseal_statement(x, &r6);
            }),
        ),
        (
            "health.json not JSON",
            "health.json",
            Box::new(move |x| {
                edit_file(x, "health.json", &|mut t| {
                    t.extend_from_slice(b"}\n");
                    t
                });
                rebind(x, &r7, "health", "health.json");
                reseal_statement(x, &r7);
            }),
        ),
    ];
    for (what, at_fault, forge) in cases {
        let x = fx.tmp.path().join(what.replace(' ', "-"));
        unpack(&fx.bundle, &x);
        forge(&x);
        let (c, out, sc, sh_out) = judge(&fx, &x, "sh", None, None);
        assert_eq!((c, sc), (1, 1), "{what}:\n{out}\n{sh_out}");
        let first = out.lines().next().unwrap_or_default();
        assert!(first.starts_with(&format!("{at_fault}: ")), "{what}: names another file first:\n{out}");
        assert!(sh_out.lines().any(|l| l.starts_with(&format!("{at_fault}: "))), "{what}:\n{sh_out}");
        for shell in ["bash", "busybox"] {
            let (sc, sh_out) = if shell == "busybox" {
                let out = sh(Command::new("busybox")
                    .arg("sh")
                    .arg("-c")
                    .arg(bundle::VERIFY_SH)
                    .arg("./verify.sh")
                    .current_dir(&x));
                (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned())
            } else {
                genuine_verify_sh_with(shell, &x, &[])
            };
            assert_eq!(sc, 1, "{what} ({shell}):\n{sh_out}");
        }
    }
}

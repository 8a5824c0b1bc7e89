//! `vitrine --version --verbose`: the build's provenance ties the binary to its source (commit, Cargo.lock
//! and SBOM hashes recorded by app/vitrine/build.rs).

use std::path::Path;
use std::process::Command;

use crate::support::vitrine;

fn field<'a>(out: &'a str, key: &str) -> &'a str {
    let prefix = format!("{key}: ");
    out.lines().find_map(|l| l.strip_prefix(&prefix)).unwrap_or_else(|| panic!("no {key} in {out}"))
}

#[test]
fn version_verbose_prints_the_commit_and_the_hashes_of_cargo_lock_and_the_sbom() {
    let (code, plain, _) = vitrine(&["--version"]);
    assert_eq!((code, plain.as_str()), (0, concat!("vitrine ", env!("CARGO_PKG_VERSION"), "\n")));

    let (code, out, err) = vitrine(&["--version", "--verbose"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with(&plain), "{out}");
    let commit = field(&out, "commit");
    assert!(
        commit == "unknown" || (commit.len() == 40 && commit.bytes().all(|b| b.is_ascii_hexdigit())),
        "{commit}"
    );
    // The hash of the Cargo.lock the binary was built from, as sha256sum computes it.
    let lock = Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.lock");
    let sum = Command::new("sha256sum").arg(&lock).output().unwrap();
    let sum = String::from_utf8(sum.stdout).unwrap();
    assert_eq!(field(&out, "cargo-lock-sha256"), sum.split_whitespace().next().unwrap());
    let sbom = field(&out, "sbom-sha256");
    assert!(sbom.len() == 64 || sbom.starts_with("none ("), "{sbom}");
    assert!(field(&out, "rustc").starts_with("rustc 1."), "{out}");

    // After a subcommand too, with or without its required arguments, as clap's own flag answers.
    for args in [&["search", "--version"][..], &["digest", "-V"], &["search", ".", "x", "--version"]] {
        let (code, out, err) = vitrine(args);
        assert_eq!((code, out.as_str()), (0, plain.as_str()), "{args:?}: {err}");
    }
    let (code, out, err) = vitrine(&["verify", "--version", "--verbose"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with(&plain) && out.contains("cargo-lock-sha256: "), "{out}");
    // After `--` it is an operand, not the flag.
    let (code, out, _) = vitrine(&["search", "--", "--version"]);
    assert_ne!((code, out.as_str()), (0, plain.as_str()));

    // --verbose alone is not a way to run anything else.
    let (code, _, err) = vitrine(&["--verbose"]);
    assert_eq!(code, 2, "{err}");
}

//! `vitrine --version [--verbose]`: the version, and the build's provenance recorded by `build.rs`.

/// The version line; with `verbose`, the source commit, the SHA-256 of Cargo.lock and of the CycloneDX
/// SBOM the binary was built with, the compiler and the target, one `key: value` a line.
pub fn text(verbose: bool) -> String {
    let mut s = format!("vitrine {}\n", env!("CARGO_PKG_VERSION"));
    if verbose {
        for (key, value) in [
            ("commit", env!("VITRINE_BUILD_COMMIT")),
            ("cargo-lock-sha256", env!("VITRINE_BUILD_CARGO_LOCK_SHA256")),
            ("sbom-sha256", env!("VITRINE_BUILD_SBOM_SHA256")),
            ("rustc", env!("VITRINE_BUILD_RUSTC")),
            ("target", env!("VITRINE_BUILD_TARGET")),
        ] {
            s.push_str(&format!("{key}: {value}\n"));
        }
    }
    s
}

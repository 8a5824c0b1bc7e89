//! The two files of a record that a stranger reads and runs, `verify.sh` and `VERIFY.md`, and every
//! version of them Vitrine has written. A record carries the pair of the Vitrine that exported it; an
//! exporter that is a party to the review signs `FILES.sha256` with the review's key, so a signature
//! proves only that the exporter put them there. `vitrine verify` therefore also requires each to be
//! byte for byte one that Vitrine wrote: a `verify.sh` of anyone else's is never reported as good.
//!
//! When `verify.sh` or `VERIFY.md` changes, the SHA-256 of the version being replaced is appended to
//! its list below (every version ever committed is there: `git log --follow` on each file).

/// This version's `verify.sh`.
pub const VERIFY_SH: &str = include_str!("verify.sh");
/// This version's `VERIFY.md`.
pub const VERIFY_MD: &str = include_str!("VERIFY.md");

/// SHA-256 (hex) of every earlier `verify.sh`.
const EARLIER_VERIFY_SH: &[&str] = &[
    "1cb1dafaac4c40ace51f3e3d1e99277e7b01fbe7866b2e800fbd70a637263f6c",
    "2cb414dff6bdd22ffd50607acb33ac04624633e03625d4e19489ec4c4a47a238",
    "562b032d51e9603efc1a06c232f75dcc13a0aec2a386f8d8ab662610863404fe",
    "5d7ab12ef81fd7070517a4b981694e68c66921f8c1ec9c305c63543ebda0e8d3",
    "69acda1e6c834ab7809124ebf0390e85392ebd8734f46a4c19611a7b451578ef",
    "834f397d8b4cce20f078eba8a57eb8c3f40ad5d4df2784f77ce329ec56a47f74",
    "b83a294091ac526073bc7a5de96ac446ca14acfb9229022b3ebb093c6d4dc238",
    "c93d1eebb9c131763b5fe42e3d8ae64e1cb5f684cf14c2eaa00159ba86fc4e69",
    "cdb1786a6c53debd80270c25d86a7194012ff7d60628f22f3a8feba0b8174936",
    "e1bf857991bf8d8a87c756ee616b1df81934755439c8c6cf87b1b8d4f43654d0",
    "f0a7e7718f21b88c588ec806523b3dad889999623dad01e2c0cf23fecb1db1d0",
    "f8a5670326ad215c364415290494c4f9001f56382c4789f13172eae9fcc53614",
    "fc1985feae13a722d28ef6263b87fc61fff7f2350baf13bb63641e3514047065",
    "5e103d6a761dfc1af0984164e408f1074f23efd6b8c1445933a4ca5bea55b4e0",
    "ddb6e3f18cafff6abe41f717f0b3d4fb02d5e4c009956caf7e6b6548894ff4df",
    "01be253397af3d6789710dae24720e76f92e0289bfd0c862002f47c8965c9cb5",
];

/// SHA-256 (hex) of every earlier `VERIFY.md`.
const EARLIER_VERIFY_MD: &[&str] = &[
    "1ea7f87d4353416579692d394cc272e749910b93c2afa598bfcc1003a55783c5",
    "3795797a3f5a741b483bf2aee31ee224634a219fc4ec8311733d7396e5266eaf",
    "6ba17d3c78d59ce6f56106d47f2a1df406bc6a59145924f8674c5d6ba38632e8",
    "953917a391eeea8f239ed08aee0c4e5a2108fdcdf146fb68c8c8226db00fae84",
    "a8dd8bbef43425f44dd1290995a2b0be7bae284422c331ea70b9f6f9145d4269",
    "c164d63202f930382ba2574a0b85282658e74922d7e72a1651a09503ce95c65f",
    "cfdea496333f912a44d8777db74778f5a243642f27db5c5d299ce6b607927915",
    "d967c38537608e7710d0e76ced71328e152c0eec1db95e9db545b7fdb6f699ac",
    "333f22f874132fcb554aa9e79f7897c9851be2a65fe08e29cf94d2fea6f9e6b4",
    "a40fbfa3da2dbd3bb70dc4f84b7020919b3676d1bfba640fe36d0dc0097c163b",
    "2241efcd622b9b8faf99453cd84d60cee2b778c7359832cdc16477300c514759",
    "42770d192e1cb558e35c386ad5b02bed288cd7e20ca6747da8bff753c3516f00",
];

/// Which version of Vitrine's a record's `verify.sh` or `VERIFY.md` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// This version's.
    Current,
    /// An earlier version's.
    Earlier,
    /// No version of Vitrine wrote these bytes.
    Unknown,
}

/// Which version wrote `bytes` as the record file `name`; `None` when `name` is neither script.
pub fn written(name: &str, bytes: &[u8]) -> Option<Written> {
    let (current, earlier) = match name {
        "verify.sh" => (VERIFY_SH, EARLIER_VERIFY_SH),
        "VERIFY.md" => (VERIFY_MD, EARLIER_VERIFY_MD),
        _ => return None,
    };
    Some(if bytes == current.as_bytes() {
        Written::Current
    } else if earlier.contains(&crate::bundle::sha256_hex(bytes).as_str()) {
        Written::Earlier
    } else {
        Written::Unknown
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// verify.sh takes an entry or export time only when it is a real date and time, as `vitrine verify`
    /// does (`Entry::parsed_time`): 30 February or second 60 match the pattern, but ssh-keygen would check
    /// the key at another time and the time-order checks would be skipped.
    const ENTRY: &str = r#"{"author":{"fingerprint":"SHA256:x","principal":"a@b"},"kind":"reply","role":"vendor","seq":1,"snapshot":"s","time":"t","v":1}"#;

    #[test]
    fn verify_sh_takes_only_real_times_as_vitrine_does() {
        let line = VERIFY_SH.lines().find(|l| l.starts_with("real_time() {")).unwrap();
        for (t, real) in [
            ("2026-01-31T12:00:00Z", true),
            ("2024-02-29T23:59:59Z", true),
            ("2026-02-30T12:00:00Z", false),
            ("2025-02-29T12:00:00Z", false),
            ("2026-12-31T23:59:60Z", false),
            ("2026-04-31T00:00:00Z", false),
            ("2026-01-01T24:00:00Z", false),
            ("2026-13-01T00:00:00Z", false),
        ] {
            let ok = std::process::Command::new("dash")
                .arg("-c")
                .arg(format!("{line}\nreal_time \"$1\""))
                .arg("sh")
                .arg(t)
                .status()
                .unwrap()
                .success();
            assert_eq!(ok, real, "verify.sh on {t}");
            let e = crate::entry::Entry { time: t.into(), ..serde_json::from_str(ENTRY).unwrap() };
            assert_eq!(e.parsed_time().is_ok(), real, "vitrine on {t}");
        }
    }

    #[test]
    fn only_the_bytes_vitrine_wrote_are_known() {
        assert_eq!(written("verify.sh", VERIFY_SH.as_bytes()), Some(Written::Current));
        assert_eq!(written("VERIFY.md", VERIFY_MD.as_bytes()), Some(Written::Current));
        let mut trojan = VERIFY_SH.as_bytes().to_vec();
        trojan.extend_from_slice(b"touch PWNED\n");
        assert_eq!(written("verify.sh", &trojan), Some(Written::Unknown));
        // The script is not the manual, and other files are neither.
        assert_eq!(written("VERIFY.md", VERIFY_SH.as_bytes()), Some(Written::Unknown));
        assert_eq!(written("report.html", b"x"), None);
        for h in EARLIER_VERIFY_SH.iter().chain(EARLIER_VERIFY_MD) {
            assert!(crate::entry::is_hex64(h), "{h}");
        }
    }
}

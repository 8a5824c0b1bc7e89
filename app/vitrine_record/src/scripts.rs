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
    "fc68434d51d32c09a0913e03abc2e8a5d2d45542a721f5a4fb13b19cca5fc188",
    "25907c4f09205eaeb2dc6b190c07a9abd6e423b5f9fb562b77ddfcbab1a7e754",
    "ae0d9ff22b17ff6091de3b75d06c22812d22fcdf350a7207716d017db081bc39",
    "712e8bd8744464c365fd14b7a980f171367e86752207bcb5f7c7fe1ab6bde702",
    "66fa35f0a9c8ca405821cdfc10000f7552a473918f76fd538d3dc0259471a78e",
    "4e9e521fdeb3650ecaf4f0ec0a8fa934fb4dd7d6bc1e0b4a5bba068476531b41",
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
    "6c6412bdc2e812364cdc802aff97ee9666451832ca4361f084c2285aab6deaf3",
    "97c8b8f084a75e5a51c54d29c68a9ed8387262f0ea200a3b5a552e8ec9b75135",
    "e6938834c68cde96a1fa36e48298cb0856b41c8e8bc9ab031630369f0774e02c",
    "f320902588d4a9c0c7d5c27c7aa438e0623b05a5c77720f6d96fede13519b862",
    "44effc4e3755570e80c1d32cfb5777e4cdb3f44ea723ec1c9f0b20484a1668ac",
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
    use crate::entry::Entry;

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

    /// The field names a derived `Deserialize` asks for (`deserialize_struct`'s `fields`): the keys
    /// Vitrine's reader knows for that struct.
    fn fields_of<T: serde::de::DeserializeOwned>() -> Vec<&'static str> {
        #[derive(Debug)]
        struct Got(Option<&'static [&'static str]>);
        impl std::fmt::Display for Got {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{:?}", self.0)
            }
        }
        impl std::error::Error for Got {}
        impl serde::de::Error for Got {
            fn custom<M: std::fmt::Display>(_: M) -> Self {
                Got(None)
            }
        }
        struct Capture;
        impl<'de> serde::Deserializer<'de> for Capture {
            type Error = Got;
            fn deserialize_any<V: serde::de::Visitor<'de>>(self, _: V) -> Result<V::Value, Got> {
                Err(Got(None))
            }
            fn deserialize_struct<V: serde::de::Visitor<'de>>(
                self,
                _: &'static str,
                fields: &'static [&'static str],
                _: V,
            ) -> Result<V::Value, Got> {
                Err(Got(Some(fields)))
            }
            serde::forward_to_deserialize_any! {
                bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option
                unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
            }
        }
        match T::deserialize(Capture) {
            Err(Got(Some(fields))) => {
                let mut f = fields.to_vec();
                f.sort_unstable();
                f
            }
            _ => panic!("not a struct"),
        }
    }

    /// The keys verify.sh's `KEYS` allows in an object of `def NAME_keys`.
    fn verify_sh_keys(name: &str) -> Vec<String> {
        let head = format!("def {name}_keys: [");
        let line = VERIFY_SH.lines().find(|l| l.starts_with(&head)).unwrap_or_else(|| panic!("{head}"));
        let list = &line[head.len()..line.find("];").unwrap()];
        let mut keys: Vec<String> = list.split(", ").map(|k| k.trim_matches('"').to_owned()).collect();
        keys.sort_unstable();
        keys
    }

    /// Whether serde refuses a key the struct does not define (`deny_unknown_fields`): the rule verify.sh's
    /// lists stand for.
    fn refuses_unknown<T: serde::de::DeserializeOwned>() -> bool {
        serde_json::from_str::<T>(r#"{"zz-not-a-field":0}"#)
            .is_err_and(|e| e.to_string().contains("unknown field `zz-not-a-field`"))
    }

    /// verify.sh refuses every key Vitrine's reader does not know, at every depth: its lists are the
    /// fields of the structs the reader uses, each of which refuses any other key. A field added to a
    /// struct and not to verify.sh (or the other way round) fails here, so the two cannot drift.
    #[test]
    fn verify_sh_allows_exactly_the_keys_vitrines_reader_knows() {
        use crate::entry::{Author, Quote, Target};
        use crate::people::PersonChange;
        use crate::port::{ContinuedCheckpoint, Continues, PortBody, PortFrom};
        let rust: [(&str, Vec<&str>, bool); 9] = [
            ("entry", fields_of::<Entry>(), refuses_unknown::<Entry>()),
            ("author", fields_of::<Author>(), refuses_unknown::<Author>()),
            ("target", fields_of::<Target>(), refuses_unknown::<Target>()),
            ("quote", fields_of::<Quote>(), refuses_unknown::<Quote>()),
            ("port_body", fields_of::<PortBody>(), refuses_unknown::<PortBody>()),
            ("port_from", fields_of::<PortFrom>(), refuses_unknown::<PortFrom>()),
            ("person_change", fields_of::<PersonChange>(), refuses_unknown::<PersonChange>()),
            ("continues", fields_of::<Continues>(), refuses_unknown::<Continues>()),
            (
                "continued_checkpoint",
                fields_of::<ContinuedCheckpoint>(),
                refuses_unknown::<ContinuedCheckpoint>(),
            ),
        ];
        for (name, fields, strict) in rust {
            assert!(strict, "{name}: Vitrine's reader must refuse unknown keys, as verify.sh does");
            assert_eq!(verify_sh_keys(name), fields, "verify.sh's {name}_keys");
        }
        // Every list verify.sh defines is one compared above.
        let defined = VERIFY_SH.lines().filter(|l| l.starts_with("def ") && l.contains("_keys: [")).count();
        assert_eq!(defined, 9);
    }

    /// Runs jq program `var` of verify.sh (its text between `VAR='` or `VAR="$A$B"'` and the closing quote,
    /// with the variables it starts from) on `input`, with `args`; its output, or None when jq fails.
    fn jq_of_verify_sh(var: &str, args: &[&str], input: &str) -> Option<String> {
        let script = format!(
            "{}
printf '%s' \"$INPUT\" | jq {} \"${var}\"",
            jq_definitions(),
            args.join(" ")
        );
        let out =
            std::process::Command::new("dash").arg("-c").arg(script).env("INPUT", input).output().unwrap();
        out.status.success().then(|| String::from_utf8(out.stdout).unwrap())
    }

    /// The jq programs of verify.sh, as shell assignments (everything from `KEYS=` to the end of `SCHEMA`).
    fn jq_definitions() -> String {
        let mut out = String::new();
        let mut on = false;
        let mut assignments = 0;
        for line in VERIFY_SH.lines() {
            let first =
                ["KEYS='", "DUPKEYS='", "CANON_DEFS='", "SCHEMA=\""].iter().any(|s| line.starts_with(s));
            if first {
                on = true;
                assignments += 1;
            }
            if on {
                out.push_str(line);
                out.push('\n');
                // A program ends at a line ending in a quote (a jq line never does), after its first.
                if !first && line.ends_with('\'') {
                    on = false;
                }
            }
        }
        assert_eq!(assignments, 4);
        out
    }

    /// record.json: a key twice in one object, at any depth, is found (jq alone would keep the last).
    #[test]
    fn verify_sh_finds_a_key_twice_in_one_object_at_any_depth() {
        for (json, dup) in [
            (r#"{"a":1,"b":2}"#, false),
            (r#"{"a":1,"a":2}"#, true),
            (r#"{"x":{"a":1},"x":{"b":2}}"#, true),
            (r#"{"x":{"a":1},"y":{"a":2}}"#, false),
            (r#"{"x":{"a":1,"b":2},"x":{"a":3}}"#, true),
            (r#"{"x":[{"a":1},{"a":2}]}"#, false),
            (r#"{"x":[{"a":1,"a":2}]}"#, true),
            (r#"{"x":{},"x":{}}"#, true),
            (r#"{"k":{"k":{"k":1}}}"#, false),
            (r#"{"a":{"b":1,"c":{}},"e":{"b":2,"c":{},"c":{}}}"#, true),
            (r#"{"p":[[],[]],"q":{"p":1}}"#, false),
        ] {
            let out = jq_of_verify_sh("DUPKEYS", &["-n", "--stream", "-r"], json).unwrap();
            assert_eq!(out.trim() == "dup", dup, "{json}: {out:?}");
            // serde_json refuses the same duplicates (in a map of maps, as record.json's structs read it).
            let serde = serde_json::from_str::<serde_json::Value>(json).is_ok() && !dup_in_serde(json);
            assert_eq!(!serde, dup, "{json}");
        }
    }

    /// Whether a struct-like reader (serde's derive, which refuses a duplicate field) sees a key twice.
    fn dup_in_serde(json: &str) -> bool {
        #[derive(Debug)]
        struct Strict;
        impl<'de> serde::Deserialize<'de> for Strict {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Strict, D::Error> {
                struct V;
                impl<'de> serde::de::Visitor<'de> for V {
                    type Value = Strict;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str("JSON")
                    }
                    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> Result<Strict, A::Error> {
                        let mut seen = std::collections::HashSet::new();
                        while let Some(k) = m.next_key::<String>()? {
                            if !seen.insert(k.clone()) {
                                return Err(serde::de::Error::custom(format!("duplicate field `{k}`")));
                            }
                            m.next_value::<Strict>()?;
                        }
                        Ok(Strict)
                    }
                    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut s: A) -> Result<Strict, A::Error> {
                        while s.next_element::<Strict>()?.is_some() {}
                        Ok(Strict)
                    }
                    fn visit_u64<E>(self, _: u64) -> Result<Strict, E> {
                        Ok(Strict)
                    }
                }
                d.deserialize_any(V)
            }
        }
        serde_json::from_str::<Strict>(json).is_err()
    }

    /// An entry with a key its format does not define, at any depth, is refused by verify.sh's SCHEMA as
    /// by Vitrine's reader.
    #[test]
    fn verify_sh_refuses_unknown_keys_at_every_depth_as_vitrine_does() {
        let base: serde_json::Value = serde_json::from_str(ENTRY).unwrap();
        let port = r#"{"annotation":"a","author":"r@x","from":{"blob":"b","lines":[1,1],"path":"p","quote":{"prefix":"","sha256":"s","suffix":""},"snapshot":"s"},"outcome":"exact","port":1,"text":"t"}"#;
        let mut cases: Vec<(serde_json::Value, bool)> = vec![(base.clone(), true)];
        let mut add = |edit: &dyn Fn(&mut serde_json::Value), ok: bool| {
            let mut e = base.clone();
            edit(&mut e);
            cases.push((e, ok));
        };
        add(&|e| e["supersedes"] = "fed97cca".into(), false);
        add(&|e| e["author"]["comment"] = serde_json::json!({"b": [1, {"a": "x"}]}), false);
        add(&|e| e["target"] = serde_json::json!({"blob": "b", "path": "p"}), true);
        add(&|e| e["target"] = serde_json::json!({"blob": "b", "path": "p", "mode": "100644"}), false);
        add(
            &|e| e["target"] = serde_json::json!({"blob": "b", "path": "p", "lines": [1, 1], "quote": {"prefix": "", "sha256": "s", "suffix": "", "text": "x"}}),
            false,
        );
        add(
            &|e| {
                e["kind"] = "anchor-port".into();
                e["body"] = port.into();
            },
            true,
        );
        add(
            &|e| {
                e["kind"] = "anchor-port".into();
                e["body"] = port.replace(r#""text":"t""#, r#""text":"t","why":"x""#).into();
            },
            false,
        );
        add(
            &|e| {
                e["kind"] = "anchor-port".into();
                e["body"] = port.replace(r#""snapshot":"s""#, r#""snapshot":"s","size":1"#).into();
            },
            false,
        );
        add(
            &|e| {
                e["kind"] = "anchor-port".into();
                e["body"] = port.replace(r#""suffix":"""#, r#""suffix":"","z":1"#).into();
            },
            false,
        );
        add(
            &|e| {
                e["kind"] = "retire".into();
                e["body"] = r#"{"principal":"v@x"}"#.into();
            },
            true,
        );
        add(
            &|e| {
                e["kind"] = "retire".into();
                e["body"] = r#"{"principal":"v@x","until":"2027"}"#.into();
            },
            false,
        );
        // A body with a key twice: jq would keep the last; Vitrine refuses the body (not canonical).
        add(
            &|e| {
                e["kind"] = "retire".into();
                e["body"] = r#"{"principal":"r@x","principal":"v@x"}"#.into();
            },
            false,
        );
        for (e, ok) in cases {
            let text = serde_json::to_string(&e).unwrap();
            let sh = jq_of_verify_sh("SCHEMA", &["-r"], &text).is_some_and(|o| o.trim() == "true");
            assert_eq!(sh, ok, "verify.sh on {text}");
            // Vitrine's reader: the entry's own keys, then the body's, as the kind reads it.
            let entry = serde_json::from_str::<Entry>(&text);
            let vitrine = entry.is_ok_and(|e| match e.kind {
                crate::entry::Kind::AnchorPort => {
                    crate::port::PortBody::parse(e.body.as_deref().unwrap()).is_ok()
                }
                crate::entry::Kind::Retire => {
                    crate::people::PersonChange::parse(e.body.as_deref().unwrap()).is_ok()
                }
                _ => true,
            });
            assert_eq!(vitrine, ok, "vitrine on {text}");
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

    /// The policy's part of verify.sh: from its tables to its `policy` function, with `shown` as the script
    /// defines it.
    fn verify_sh_policy() -> String {
        let start = VERIFY_SH.find("KIND_SIGNERS='").unwrap();
        let end = VERIFY_SH.find("# Entries, in name order").unwrap();
        let shown = VERIFY_SH.lines().find(|l| l.starts_with("shown() {")).unwrap();
        format!("{shown}\n{}", &VERIFY_SH[start..end])
    }

    /// What verify.sh's policy says, under dash, to `call` (a function of it and its arguments): its exit
    /// status and output.
    fn verify_sh_says(call: &[&str]) -> (bool, String) {
        let out = std::process::Command::new("dash")
            .arg("-c")
            .arg(format!("{}\n\"$@\"", verify_sh_policy()))
            .arg("sh")
            .args(call)
            .output()
            .unwrap();
        (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// h23 F4: one policy. verify.sh's tables (who signs each kind at all, who besides the author makes
    /// each change) are Vitrine's, row for row, and the script's functions answer as `policy::check_kind`
    /// and `policy::check` do for every kind, change and role: a vendor's review mark is refused by both,
    /// and a kind or a status added to one and not the other fails here.
    #[test]
    fn verify_sh_applies_the_policys_tables_as_vitrine_does() {
        use crate::entry::{Kind, Status};
        use crate::policy::{Change, Side, changers_of, check, check_kind, signers_of};
        fn word(s: &Side) -> &'static str {
            match s {
                Side::Reviewing => "reviewing",
                Side::Vendor => "vendor",
                Side::Other => "other",
            }
        }
        let table = |name: &str| -> Vec<String> {
            let head = format!("{name}='\n");
            let at = VERIFY_SH.find(&head).unwrap_or_else(|| panic!("{name}")) + head.len();
            let body = &VERIFY_SH[at..];
            body[..body.find('\'').unwrap()].lines().map(str::to_owned).collect()
        };
        let row = |what: &'static str, sides: &[Side]| {
            std::iter::once(what).chain(sides.iter().map(word)).collect::<Vec<_>>().join(" ")
        };
        let kinds: Vec<String> = Kind::ALL.iter().map(|&k| row(k.as_str(), signers_of(k))).collect();
        assert_eq!(table("KIND_SIGNERS"), kinds);
        let mut changes: Vec<String> =
            Status::ALL.iter().map(|&s| row(s.as_str(), changers_of(Change::SetStatus(s)))).collect();
        changes.push(row("retract", changers_of(Change::Retract)));
        assert_eq!(table("CHANGERS"), changes);

        for role in ["reviewer", "lead", "vendor", "observer", "Reviewer"] {
            for &k in Kind::ALL {
                let (_, why) = verify_sh_says(&["kind_policy", role, "p.x", k.as_str()]);
                let rust = check_kind("p.x", role, k);
                assert_eq!(why.is_empty(), rust.is_ok(), "{role} signs {k:?}: verify.sh says {why:?}");
                if let Err(v) = rust {
                    assert_eq!(why.trim_end(), v.to_string(), "{role} {k:?}");
                }
            }
            for author in [true, false] {
                let yes = if author { "yes" } else { "no" };
                for &s in Status::ALL {
                    let (_, why) = verify_sh_says(&["policy", role, yes, "status", s.as_str()]);
                    let rust = check("p@x", role, author, Change::SetStatus(s)).is_ok();
                    assert_eq!(why.is_empty(), rust, "{role} (author: {author}) sets {s:?}: {why:?}");
                }
                let (_, why) = verify_sh_says(&["policy", role, yes, "retract", "-"]);
                assert_eq!(why.is_empty(), check("p@x", role, author, Change::Retract).is_ok(), "{role}");
            }
        }
        let (_, why) = verify_sh_says(&["kind_policy", "vendor", "ven@x", "review-mark"]);
        assert!(why.contains("may not mark a file reviewed"), "{why}");
    }
}

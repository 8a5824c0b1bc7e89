//! The people of a review, as an OpenSSH `allowed_signers` file (see `ssh-keygen(1)`, ALLOWED SIGNERS).
//!
//! One line per key: `principal namespaces="entry@vitrine,checkpoint@vitrine"[,valid-after=…][,valid-before=…]
//! ssh-ed25519 AAAA… role=ROLE`. The role rides in the key comment, which `ssh-keygen` ignores, so the same
//! file serves both Vitrine and stock `ssh-keygen -Y verify`.

use ssh_key::PublicKey;
use time::{OffsetDateTime, PrimitiveDateTime};

use crate::error::RecordError;
use crate::keys::{fingerprint, parse_public_key, verifying_key};

/// One allowed signer.
#[derive(Debug, Clone)]
pub struct Person {
    /// Who signs: the name entries carry in `author.principal`. A literal name, never a pattern (no
    /// whitespace, quotes, commas or `* ? ! #`); a new person must also pass
    /// [`crate::validate_principal`].
    pub principal: String,
    /// The person's role word (`reviewer`, `lead`, `vendor`, or any other word), which decides what
    /// the status policy lets them change ([`crate::policy`]); empty when the line has no `role=`.
    pub role: String,
    /// The Ed25519 public key the person signs with.
    pub key: PublicKey,
    /// The key's Ed25519 point, decoded once for fast verification.
    pub verifying_key: ed25519_dalek::VerifyingKey,
    /// `SHA256:…` fingerprint of `key`, as `ssh-keygen -l` prints it.
    pub fingerprint: String,
    /// `None` means every namespace (as in `ssh-keygen`).
    pub namespaces: Option<Vec<String>>,
    /// The key signs nothing dated before this time (`valid-after`, inclusive); `None`: no lower bound.
    pub valid_after: Option<OffsetDateTime>,
    /// The key signs nothing dated after this time (`valid-before`, inclusive); `None`: no upper bound.
    pub valid_before: Option<OffsetDateTime>,
}

impl Person {
    /// Whether the line lets this key sign in the SSHSIG namespace `ns` (`entry@vitrine`, …).
    pub fn allows_namespace(&self, ns: &str) -> bool {
        self.namespaces.as_ref().is_none_or(|list| list.iter().any(|n| n == ns))
    }

    /// Whether the key is valid at `t`, with the same inclusive bounds as `ssh-keygen`.
    pub fn valid_at(&self, t: OffsetDateTime) -> bool {
        self.valid_after.is_none_or(|a| t >= a) && self.valid_before.is_none_or(|b| t <= b)
    }

    /// The line for the file.
    pub fn to_line(&self) -> Result<String, RecordError> {
        let mut opts = match &self.namespaces {
            Some(ns) => format!("namespaces=\"{}\"", ns.join(",")),
            None => String::new(),
        };
        for (name, t) in [("valid-after", self.valid_after), ("valid-before", self.valid_before)] {
            if let Some(t) = t {
                if !opts.is_empty() {
                    opts.push(',');
                }
                opts.push_str(&format!("{name}=\"{}\"", format_ssh_time(t)));
            }
        }
        let key = self.key.to_openssh().map_err(|e| RecordError::Key(e.to_string()))?;
        // The key text may carry the comment of the .pub file; only "type base64" is kept.
        let key: Vec<&str> = key.split_whitespace().take(2).collect();
        let opts = if opts.is_empty() { String::new() } else { format!(" {opts}") };
        Ok(format!("{}{opts} {} role={}", self.principal, key.join(" "), self.role))
    }
}

/// All people of a review, in file order.
#[derive(Debug, Clone, Default)]
pub struct AllowedSigners {
    /// One person per line, in file order; a principal may hold several keys.
    pub people: Vec<Person>,
}

impl AllowedSigners {
    /// Parses an `allowed_signers` file; blank lines and `#` comments are skipped. A malformed line is
    /// [`RecordError::AllowedSigners`] with its 1-based number.
    ///
    /// One grammar, the one `verify.sh` (and so `ssh-keygen`) reads too: lines end at `\n`; tokens are
    /// separated by spaces and tabs only, and a line holding any other whitespace or control character
    /// (a carriage return, U+00A0, U+3000, …), even a comment line, is refused, so that no two readers
    /// can split it differently (`x<U+00A0>role=reviewer role=vendor` was one token to `ssh-keygen` and
    /// two to `char::is_whitespace`). Quotes never hold a separator: a quoted principal is one token
    /// `"NAME"`, an option is `name="value"` with no quote or backslash inside. Namespaces are literal
    /// (`ssh-keygen` reads `* ? !` as patterns, so they are refused); times are
    /// `YYYYMMDD[HHMM[SS]][Z]` from 1970 on, as both read them (no `UTC` suffix, no second 60).
    pub fn parse(text: &str) -> Result<AllowedSigners, RecordError> {
        let mut people = Vec::new();
        for (i, line) in text.split('\n').enumerate() {
            let bad = |message: String| RecordError::AllowedSigners { line: i + 1, message };
            if let Some(c) = line.chars().find(|&c| is_refused_char(c)) {
                return Err(bad(format!(
                    "the line holds {}, a whitespace or control character other than space and tab: only they separate the fields of a line, and no other may be in it",
                    crate::principal::marker(c)
                )));
            }
            let line = line.trim_matches([' ', '\t']);
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            people.push(parse_line(line).map_err(bad)?);
        }
        Ok(AllowedSigners { people })
    }

    /// The file text, one line per person in order, that [`AllowedSigners::parse`] and
    /// `ssh-keygen -Y verify` read back. [`RecordError::Key`] if a key cannot be encoded.
    pub fn render(&self) -> Result<String, RecordError> {
        let mut s = String::new();
        for p in &self.people {
            s.push_str(&p.to_line()?);
            s.push('\n');
        }
        Ok(s)
    }

    /// The people whose principal is `principal` and whose key has fingerprint `fp`.
    pub fn find(&self, principal: &str, fp: &str) -> impl Iterator<Item = &Person> {
        self.people.iter().filter(move |p| p.principal == principal && p.fingerprint == fp)
    }

    /// The people holding the key with fingerprint `fp`.
    pub fn by_fingerprint(&self, fp: &str) -> impl Iterator<Item = &Person> {
        self.people.iter().filter(move |p| p.fingerprint == fp)
    }

    /// The keys listed with more than one role (fingerprint, the roles in order). One key has one role:
    /// with two, a check that takes whichever line matches an entry's role would let the key's holder
    /// choose the role per entry.
    pub fn role_conflicts(&self) -> Vec<(String, Vec<String>)> {
        let mut roles: std::collections::BTreeMap<&str, std::collections::BTreeSet<&str>> =
            std::collections::BTreeMap::new();
        for p in &self.people {
            roles.entry(p.fingerprint.as_str()).or_default().insert(p.role.as_str());
        }
        roles
            .into_iter()
            .filter(|(_, r)| r.len() > 1)
            .map(|(fp, r)| (fp.to_owned(), r.into_iter().map(str::to_owned).collect()))
            .collect()
    }

    /// The principals listed with more than one role (principal, the roles in order). One principal has
    /// one role: a second key of a principal inherits nothing, so a key that brings another role (a
    /// vendor's principal with a new key as `lead`) would let its holder choose the role per key.
    pub fn principal_role_conflicts(&self) -> Vec<(String, Vec<String>)> {
        let mut roles: std::collections::BTreeMap<&str, std::collections::BTreeSet<&str>> =
            std::collections::BTreeMap::new();
        for p in &self.people {
            roles.entry(p.principal.as_str()).or_default().insert(p.role.as_str());
        }
        roles
            .into_iter()
            .filter(|(_, r)| r.len() > 1)
            .map(|(who, r)| (who.to_owned(), r.into_iter().map(str::to_owned).collect()))
            .collect()
    }

    /// The role the file gives `principal` (its first line's), if it lists the principal.
    pub fn role_of(&self, principal: &str) -> Option<&str> {
        self.people.iter().find(|p| p.principal == principal).map(|p| p.role.as_str())
    }

    /// Adds a person unless the same principal and key are already present. Returns whether it was added.
    pub fn add(&mut self, person: Person) -> bool {
        if self.find(&person.principal, &person.fingerprint).next().is_some() {
            return false;
        }
        self.people.push(person);
        true
    }
}

/// A new person with the namespaces Vitrine signs in.
/// The principal must pass [`crate::principal::validate_principal`].
pub fn person(principal: &str, role: &str, pubkey_text: &str) -> Result<Person, RecordError> {
    crate::principal::validate_principal(principal).map_err(|e| RecordError::Usage(e.to_string()))?;
    if role.is_empty() || !role.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        return Err(RecordError::Usage(format!(
            "role {role:?} must be a word (e.g. reviewer, vendor, lead)"
        )));
    }
    let key = parse_public_key(pubkey_text)?;
    Ok(Person {
        principal: principal.to_owned(),
        role: role.to_owned(),
        fingerprint: fingerprint(&key),
        verifying_key: verifying_key(&key)?,
        key,
        namespaces: Some(vec![
            crate::keys::NS_ENTRY.into(),
            crate::keys::NS_CHECKPOINT.into(),
            crate::keys::NS_BUNDLE.into(),
        ]),
        valid_after: None,
        valid_before: None,
    })
}

/// The syntax a principal read from a file must have (a new one must also pass
/// [`crate::principal::validate_principal`]).
fn check_principal(p: &str) -> Result<(), String> {
    // Principals are patterns in allowed_signers; Vitrine only writes literal ones, so the characters with
    // meaning there (and whitespace, quotes, commas) are refused.
    if p.is_empty()
        || p.bytes().any(|b| {
            b.is_ascii_whitespace()
                || b.is_ascii_control()
                || matches!(b, b'*' | b'?' | b'!' | b',' | b'"' | b'#')
        })
    {
        return Err(format!("principal {p:?} must be non-empty, without spaces, quotes, commas or * ? ! #"));
    }
    Ok(())
}

/// Whether `c` may not be in a line of `allowed_signers`: a control character other than tab, or a
/// whitespace character other than space and tab (`char::is_whitespace`: also U+0085, U+00A0, U+1680,
/// U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000). `verify.sh` refuses the same set.
pub fn is_refused_char(c: char) -> bool {
    c != '\t' && c != ' ' && (c.is_control() || c.is_whitespace())
}

fn is_key_type(tok: &str) -> bool {
    tok.starts_with("ssh-") || tok.starts_with("sk-") || tok.starts_with("ecdsa-")
}

fn parse_line(line: &str) -> Result<Person, String> {
    let mut tokens = line.split([' ', '\t']).filter(|t| !t.is_empty());
    let first = tokens.next().unwrap_or_default();
    // `"NAME"` or NAME; a stray quote stays in the name, which `check_principal` refuses.
    let principal = first.strip_prefix('"').and_then(|p| p.strip_suffix('"')).unwrap_or(first);
    check_principal(principal)?;
    let tok = tokens.next().unwrap_or_default();
    let (options, key_type) =
        if is_key_type(tok) { ("", tok) } else { (tok, tokens.next().unwrap_or_default()) };
    let b64 = tokens.next().unwrap_or_default();
    let key = parse_public_key(&format!("{key_type} {b64}")).map_err(|e| e.to_string())?;
    let role = tokens.find_map(|w| w.strip_prefix("role=")).unwrap_or("").to_owned();
    let mut person = Person {
        principal: principal.to_owned(),
        role,
        fingerprint: fingerprint(&key),
        verifying_key: verifying_key(&key).map_err(|e| e.to_string())?,
        key,
        namespaces: None,
        valid_after: None,
        valid_before: None,
    };
    let mut seen: Vec<String> = Vec::new();
    for (name, value) in split_options(options)? {
        let name = name.to_ascii_lowercase();
        if seen.contains(&name) {
            return Err(format!("option {name:?} given twice"));
        }
        match name.as_str() {
            "namespaces" => {
                if value.contains(['*', '?', '!']) {
                    return Err(format!(
                        "namespaces {value:?}: * ? ! make a pattern for ssh-keygen; Vitrine's namespaces are literal"
                    ));
                }
                person.namespaces = Some(value.split(',').map(str::to_owned).collect());
            }
            "valid-after" => person.valid_after = Some(parse_ssh_time(value)?),
            "valid-before" => person.valid_before = Some(parse_ssh_time(value)?),
            "cert-authority" => return Err("cert-authority keys are not supported".into()),
            other => return Err(format!("unknown option {other:?}")),
        }
        seen.push(name);
    }
    Ok(person)
}

/// The options field: `name="value"` pairs separated by commas, each value quoted, with no quote or
/// backslash inside (`ssh-keygen` reads `\"` as an escaped quote) and no space (it would end the field).
fn split_options(s: &str) -> Result<Vec<(&str, &str)>, String> {
    let mut out = Vec::new();
    let mut rest = s;
    while !rest.is_empty() {
        let bad = || format!("options {s:?}: not name=\"value\" pairs separated by commas");
        let (name, after) = rest.split_once('=').ok_or_else(bad)?;
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphabetic() || b == b'-') {
            return Err(bad());
        }
        let after = after.strip_prefix('"').ok_or_else(bad)?;
        let (value, after) = after.split_once('"').ok_or_else(bad)?;
        if value.contains('\\') {
            return Err(bad());
        }
        out.push((name, value));
        rest = match after.strip_prefix(',') {
            Some(r) if !r.is_empty() => r,
            None if after.is_empty() => after,
            _ => return Err(bad()),
        };
    }
    Ok(out)
}

/// `YYYYMMDD[HHMM[SS]][Z]`, digits only, from 1970 on, the form both Vitrine and `ssh-keygen` read the same
/// way (`ssh-keygen` also takes a `UTC` suffix, a lower-case `z` and second 60, and normalises a 31 February
/// to March: all refused here, and by `verify.sh`). Vitrine always writes `Z`; a time without it is read
/// as UTC too (`ssh-keygen` would use the local zone: `verify.sh` runs it with `TZ=UTC0`).
pub fn parse_ssh_time(s: &str) -> Result<OffsetDateTime, String> {
    let digits = s.strip_suffix('Z').unwrap_or(s);
    let padded = match digits.len() {
        _ if !digits.bytes().all(|b| b.is_ascii_digit()) => return Err(format!("bad time {s:?}")),
        8 => format!("{digits}000000"),
        12 => format!("{digits}00"),
        14 => digits.to_owned(),
        _ => return Err(format!("bad time {s:?}")),
    };
    let fmt = time::macros::format_description!("[year][month][day][hour][minute][second]");
    PrimitiveDateTime::parse(&padded, &fmt)
        .ok()
        .filter(|t| t.year() >= 1970 && t.second() <= 59)
        .map(PrimitiveDateTime::assume_utc)
        .ok_or_else(|| format!("bad time {s:?}"))
}

/// `t` in UTC as `YYYYMMDDHHMMSSZ`, the form Vitrine writes in `valid-after`/`valid-before` (seconds
/// precision; what [`parse_ssh_time`] reads back).
pub fn format_ssh_time(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One key, one role: a key listed under two principals with two roles (or twice under one) is a
    /// conflict, whatever the order of the lines; the same role twice is not.
    #[test]
    fn a_key_listed_with_two_roles_is_a_conflict() {
        let s = crate::keys::Signer::generate("k").unwrap();
        let key = s.public_openssh().unwrap();
        let line = |who: &str, role: &str| person(who, role, &key).unwrap();
        let people = |lines: Vec<Person>| AllowedSigners { people: lines };
        assert!(people(vec![line("a@x", "vendor"), line("b@x", "vendor")]).role_conflicts().is_empty());
        let both = people(vec![line("ven@x", "vendor"), line("ven@x", "reviewer")]).role_conflicts();
        assert_eq!(both, [(s.fingerprint().to_owned(), vec!["reviewer".to_owned(), "vendor".to_owned()])]);
        let other = people(vec![line("b@x", "reviewer"), line("a@x", "vendor")]).role_conflicts();
        assert_eq!(other.len(), 1);
    }

    const KEY: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIX4JXhfUDeUDGi9vj81W0kk6joWsoO347ylnjS3hBaG";

    #[test]
    fn parses_what_ssh_keygen_accepts_and_round_trips() {
        let text = format!(
            "# people\nalice@x namespaces=\"entry@vitrine,checkpoint@vitrine\",valid-after=\"20250101\",valid-before=\"202701011230Z\" {KEY} role=reviewer\n\n\"bob@x\" {KEY} some comment\n"
        );
        let a = AllowedSigners::parse(&text).unwrap();
        assert_eq!(a.people.len(), 2);
        let alice = &a.people[0];
        assert_eq!((alice.principal.as_str(), alice.role.as_str()), ("alice@x", "reviewer"));
        assert!(alice.allows_namespace("entry@vitrine") && !alice.allows_namespace("file"));
        assert!(alice.valid_at(parse_ssh_time("20260101").unwrap()));
        assert!(!alice.valid_at(parse_ssh_time("20241231235959Z").unwrap()));
        assert!(!alice.valid_at(parse_ssh_time("20270101123001Z").unwrap()));
        assert!(a.people[1].allows_namespace("anything"));
        let again = AllowedSigners::parse(&a.render().unwrap()).unwrap();
        assert_eq!(again.render().unwrap(), a.render().unwrap());
        assert_eq!(again.people[0].valid_after, alice.valid_after);
    }

    /// One principal, one role: a second key of a principal listed with another role is a conflict.
    #[test]
    fn a_principal_listed_with_two_roles_is_a_conflict() {
        let a = crate::keys::Signer::generate("a").unwrap().public_openssh().unwrap();
        let b = crate::keys::Signer::generate("b").unwrap().public_openssh().unwrap();
        let people = |lines: Vec<Person>| AllowedSigners { people: lines };
        let same =
            people(vec![person("ven@x", "vendor", &a).unwrap(), person("ven@x", "vendor", &b).unwrap()]);
        assert!(same.principal_role_conflicts().is_empty());
        assert_eq!(same.role_of("ven@x"), Some("vendor"));
        let two = people(vec![person("ven@x", "vendor", &a).unwrap(), person("ven@x", "lead", &b).unwrap()]);
        assert_eq!(
            two.principal_role_conflicts(),
            [("ven@x".to_owned(), vec!["lead".to_owned(), "vendor".to_owned()])]
        );
        assert!(two.role_conflicts().is_empty(), "two keys, each with one role");
    }

    /// What one reader (ssh-keygen, verify.sh's jq) would split, match or date otherwise than another is
    /// refused, naming the line: whitespace other than space and tab, control characters (even in a
    /// comment line), quoting that holds a separator, namespace patterns, option forms only ssh-keygen
    /// takes.
    #[test]
    fn one_grammar_refuses_what_two_readers_would_read_apart() {
        for (i, bad) in [
            format!("ven@x {KEY} x\u{a0}role=reviewer role=vendor"),
            format!("ven@x {KEY} role=vendor\r"),
            format!("ven@x\u{3000}{KEY} role=vendor"),
            format!("ven@x\u{b}{KEY}"),
            format!("ven@x {KEY}\u{85}role=lead"),
            "# a comment\u{2028}line".to_owned(),
            format!("\"ven@x {KEY}"),
            format!("ven@x\" {KEY}"),
            format!("ven@x namespaces=\"entry@vitrine,!entry@vitrine\" {KEY}"),
            format!("ven@x namespaces=\"entry@*\" {KEY}"),
            format!("ven@x namespaces=\"a?\" {KEY}"),
            format!("ven@x namespaces=entry@vitrine {KEY}"),
            format!("ven@x namespaces=\"a\\\"b\" {KEY}"),
            format!("ven@x namespaces=\"a\",namespaces=\"b\" {KEY}"),
            format!("ven@x namespaces=\"a\", {KEY}"),
            format!("ven@x valid-before=\"20991231UTC\" {KEY}"),
            format!("ven@x valid-before=\"20991231z\" {KEY}"),
            format!("ven@x valid-after=\"20200101235960Z\" {KEY}"),
            format!("ven@x valid-after=\"20990231\" {KEY}"),
            format!("ven@x valid-after=\"19691231Z\" {KEY}"),
            format!("ven@x valid-after=\"+0250101\" {KEY}"),
        ]
        .iter()
        .enumerate()
        {
            let e = AllowedSigners::parse(&format!("ok {KEY}\n{bad}\n")).unwrap_err();
            assert!(e.to_string().starts_with("allowed_signers line 2"), "{i}: {e}");
        }
        // Tabs and runs of spaces separate as spaces do; quoted principals and options as ssh-keygen.
        let good = format!(
            "\t\"ven@x\"\tnamespaces=\"entry@vitrine,checkpoint@vitrine\",VALID-AFTER=\"19700101\"  {KEY}\trole=vendor\n"
        );
        let a = AllowedSigners::parse(&good).unwrap();
        assert_eq!((a.people[0].principal.as_str(), a.people[0].role.as_str()), ("ven@x", "vendor"));
        assert!(a.people[0].allows_namespace("checkpoint@vitrine"));
        assert!(
            AllowedSigners::parse(&format!("ven@x {KEY} x role=vendor")).is_ok(),
            "no newline at the end"
        );
        assert!(is_refused_char('\u{a0}') && is_refused_char('\r') && !is_refused_char('\t'));
        assert!(!is_refused_char(' ') && !is_refused_char('é'));
    }

    #[test]
    fn refuses_bad_lines_naming_them() {
        for bad in [
            format!("x cert-authority {KEY}"),
            format!("x nope=1 {KEY}"),
            "x ssh-ed25519 AAAA".to_owned(),
            format!("x valid-after=\"2025\" {KEY}"),
        ] {
            let e = AllowedSigners::parse(&format!("ok {KEY}\n{bad}\n")).unwrap_err();
            assert!(e.to_string().starts_with("allowed_signers line 2"), "{e}");
        }
        assert!(person("a b", "reviewer", KEY).is_err());
        assert!(person("a", "two words", KEY).is_err());
    }
}

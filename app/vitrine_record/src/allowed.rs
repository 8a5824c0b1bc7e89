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
    pub fn parse(text: &str) -> Result<AllowedSigners, RecordError> {
        let mut people = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            people.push(
                parse_line(line).map_err(|message| RecordError::AllowedSigners { line: i + 1, message })?,
            );
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

/// Splits off the next whitespace-delimited token, honouring double quotes.
fn next_token(s: &str) -> (&str, &str) {
    let s = s.trim_start();
    let mut quoted = false;
    for (i, c) in s.char_indices() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => return (s.get(..i).unwrap_or(s), s.get(i..).unwrap_or("")),
            _ => {}
        }
    }
    (s, "")
}

fn parse_line(line: &str) -> Result<Person, String> {
    let (principal, rest) = next_token(line);
    let principal = principal.trim_matches('"');
    check_principal(principal)?;
    let (tok, mut rest) = next_token(rest);
    let mut options = "";
    let key_type = if tok.starts_with("ssh-") || tok.starts_with("sk-") || tok.starts_with("ecdsa-") {
        tok
    } else {
        options = tok;
        let (t, r) = next_token(rest);
        rest = r;
        t
    };
    let (b64, comment) = next_token(rest);
    let key = parse_public_key(&format!("{key_type} {b64}")).map_err(|e| e.to_string())?;
    let role = comment.split_whitespace().find_map(|w| w.strip_prefix("role=")).unwrap_or("").to_owned();
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
    for opt in split_options(options) {
        let (name, value) = opt.split_once('=').unwrap_or((opt, ""));
        let value = value.trim_matches('"');
        match name.to_ascii_lowercase().as_str() {
            "namespaces" => person.namespaces = Some(value.split(',').map(str::to_owned).collect()),
            "valid-after" => person.valid_after = Some(parse_ssh_time(value)?),
            "valid-before" => person.valid_before = Some(parse_ssh_time(value)?),
            "cert-authority" => return Err("cert-authority keys are not supported".into()),
            other => return Err(format!("unknown option {other:?}")),
        }
    }
    Ok(person)
}

fn split_options(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut quoted = false;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                out.push(s.get(start..i).unwrap_or(""));
                start = i + 1;
            }
            _ => {}
        }
    }
    if start < s.len() {
        out.push(s.get(start..).unwrap_or(""));
    }
    out
}

/// `YYYYMMDD[HHMM[SS]][Z]` as `ssh-keygen` accepts. Vitrine always writes `Z`; a time without it is read
/// as UTC too (ssh-keygen would use the local zone, which is UTC on the workstations Vitrine targets).
pub fn parse_ssh_time(s: &str) -> Result<OffsetDateTime, String> {
    let digits = s.strip_suffix('Z').or_else(|| s.strip_suffix('z')).unwrap_or(s);
    let padded = match digits.len() {
        8 => format!("{digits}000000"),
        12 => format!("{digits}00"),
        14 => digits.to_owned(),
        _ => return Err(format!("bad time {s:?}")),
    };
    let fmt = time::macros::format_description!("[year][month][day][hour][minute][second]");
    PrimitiveDateTime::parse(&padded, &fmt)
        .map(PrimitiveDateTime::assume_utc)
        .map_err(|_| format!("bad time {s:?}"))
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

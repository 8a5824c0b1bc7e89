//! Retiring and renaming a person: signed `retire` and `rename` entries, never an edit of earlier ones.
//!
//! A mistyped or departed principal stays in `allowed_signers` (its earlier entries must still verify,
//! with Vitrine and with stock `ssh-keygen`), but from its retirement on nothing it signs counts: the
//! log keeps such an entry, and `vitrine verify` and `verify.sh` report it. A rename is a retirement
//! that names the person's new principal, so that windows and logs show the new name beside the old
//! one and the same key may be listed again under the new name.
//!
//! Who may: only the reviewing side (`reviewer`, `lead`) signs either entry, and a principal already
//! retired signs nothing. A retirement signed by anyone else (a vendor retiring the reviewer who raised
//! its findings) changes nothing and is reported.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::canon;
use crate::entry::{Entry, Kind};
use crate::error::RecordError;
use crate::verify::Verified;

/// The body of a `retire` or `rename` entry, stored as canonical JSON in the entry's `body`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonChange {
    /// The principal retired (as `allowed_signers` and its entries spell it).
    pub principal: String,
    /// A rename's new principal; absent for a retirement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// Why, in the signer's words (may be empty).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
}

impl PersonChange {
    /// The canonical JSON text stored in the entry's `body`.
    pub fn to_body(&self) -> Result<String, RecordError> {
        let bytes = canon::canonical_bytes(self)?;
        String::from_utf8(bytes).map_err(|_| RecordError::Entry("person body is not UTF-8".into()))
    }

    /// Parses an entry's `body`: it must be canonical JSON of this shape.
    pub fn parse(body: &str) -> Result<PersonChange, String> {
        canon::check_canonical(body.as_bytes()).map_err(|e| format!("person body: {e}"))?;
        serde_json::from_str(body).map_err(|e| format!("person body: {e}"))
    }
}

/// Whether `s` can be a principal named in an entry: what `verify.sh` accepts as a name (1 to 256
/// characters, no whitespace or control character, none of `"` `!` `#` `*` `,` `?`).
fn is_name(s: &str) -> bool {
    let n = s.chars().count();
    (1..=256).contains(&n)
        && s.chars().all(|c| {
            let u = u32::from(c);
            u > 32 && u != 127 && !(128..=159).contains(&u) && !matches!(c, '"' | '!' | '#' | '*' | ',' | '?')
        })
}

/// The rules of a `retire` or `rename` entry that need nothing but the entry.
pub fn check_entry(e: &Entry) -> Result<(), String> {
    let kind = e.kind.as_str();
    if e.parent.is_some()
        || e.status.is_some()
        || e.target.is_some()
        || e.class.is_some()
        || e.severity.is_some()
    {
        return Err(format!("{kind} entry has no parent, status, target, class or severity"));
    }
    let body = PersonChange::parse(e.body.as_deref().unwrap_or_default())?;
    if !is_name(&body.principal) {
        return Err(format!("{kind} entry: principal must be a literal name"));
    }
    match (e.kind, &body.to) {
        (Kind::Retire, None) => Ok(()),
        (Kind::Retire, Some(_)) => Err("retire entry names no new principal (that is a rename)".into()),
        (Kind::Rename, Some(to)) => {
            crate::principal::validate_principal(to).map_err(|p| format!("rename entry: to: {p}"))?;
            if *to == body.principal {
                return Err("rename entry: the new principal is the old one".into());
            }
            Ok(())
        }
        (Kind::Rename, None) => Err("rename entry needs the new principal (to)".into()),
        (other, _) => Err(format!("{} entry is not a retirement or a rename", other.as_str())),
    }
}

/// Whether a signer of `role` may retire or rename anyone: the policy's table
/// ([`crate::policy::signers_of`]), which gives the reviewing side alone.
pub fn check_role(principal: &str, role: &str) -> Result<(), String> {
    crate::policy::check_kind(principal, role, Kind::Retire).map_err(|v| v.to_string())
}

/// A principal retired by the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retired {
    /// The entry that retired it.
    pub by: String,
    /// Its position in the log.
    pub at: usize,
    /// The principal who signed the retirement.
    pub by_principal: String,
    /// A rename's new principal.
    pub to: Option<String>,
}

/// Who the log retires, and the entries it does not count (with why), in log order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Retirements {
    /// Retired principals, each with the first retirement that counts.
    pub retired: HashMap<String, Retired>,
    /// Entries (by position) that change nothing, and why: a retirement by a role that may not sign
    /// one, or anything signed by a principal already retired.
    pub violations: Vec<(usize, String)>,
}

impl Retirements {
    /// The current name of `principal`: where a chain of renames leads (the principal itself if none).
    pub fn current_name<'a>(&'a self, principal: &'a str) -> &'a str {
        let mut at = principal;
        // A rename chain is at most as long as the map; the bound only guards against a cycle.
        for _ in 0..=self.retired.len() {
            match self.retired.get(at).and_then(|r| r.to.as_deref()) {
                Some(next) => at = next,
                None => return at,
            }
        }
        at
    }
}

/// Reads the retirements of a log (entries verified one by one, in any order their links allow).
///
/// Retirements take effect in the order of signed data ([`crate::order::effective`]), never in log
/// order, which is the exporter's word: an entry by a principal whose effective time (its signed time,
/// or a later one of what it answers) is after the second of the principal's retirement does not count
/// wherever it sits in the log, and one dated up to that second counts.
/// Violations are listed in log order.
pub fn retirements(entries: &[Verified]) -> Retirements {
    let mut out = Retirements::default();
    let order = crate::order::effective(entries);
    // Retirements of the second being read take effect from the next one: what a principal signed in
    // the second of its retirement counts (a store that imported it and then retired its signer writes
    // both in one second), and so does another retirement signed in that second.
    let mut pending: Vec<(String, Retired)> = Vec::new();
    let mut second = None;
    for &i in &order.sequence {
        let v = &entries[i];
        let e = &v.entry;
        let t = order.effective_time.get(i).copied();
        if second != t {
            for (p, r) in pending.drain(..) {
                out.retired.entry(p).or_insert(r);
            }
            second = t;
        }
        if let Some(r) = out.retired.get(&e.author.principal) {
            out.violations.push((
                i,
                format!(
                    "signed by {}, who was retired by entry {} (log position {}), dated before this entry's {} (signed times and what it answers decide, not log order)",
                    crate::principal::display(&e.author.principal),
                    r.by.get(..12).unwrap_or(&r.by),
                    r.at + 1,
                    e.time
                ),
            ));
            continue;
        }
        if !matches!(e.kind, Kind::Retire | Kind::Rename) {
            continue;
        }
        if let Err(why) = check_role(&e.author.principal, &e.role) {
            out.violations.push((i, why));
            continue;
        }
        // The entry verified, so its body parses; a second retirement of the same principal adds nothing.
        let Ok(body) = PersonChange::parse(e.body.as_deref().unwrap_or_default()) else { continue };
        pending.push((
            body.principal,
            Retired { by: v.id.clone(), at: i, by_principal: e.author.principal.clone(), to: body.to },
        ));
    }
    for (p, r) in pending {
        out.retired.entry(p).or_insert(r);
    }
    out.violations.sort_by_key(|(i, _)| *i);
    out
}

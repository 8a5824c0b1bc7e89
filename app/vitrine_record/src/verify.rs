//! The checks every reader of a log runs, whether it loads a review directory or verifies a bundle:
//! canonical bytes, entry shape, snapshot binding, signature against `allowed_signers` (principal,
//! namespace, role, validity at the entry time), per-author `seq`/`prev` chains, unique ids, and
//! replies that point at earlier entries.

use std::collections::{HashMap, HashSet};
use std::fmt;

use rayon::prelude::*;

use crate::allowed::AllowedSigners;
use crate::entry::{Entry, entry_id};
use crate::error::RecordError;
use crate::keys::{NS_ENTRY, Signature};

/// One entry as read from disk or from a bundle, not yet trusted.
#[derive(Debug, Clone)]
pub struct RawEntry {
    /// Where it came from (`entries/000003.json`), used to name it in problems.
    pub name: String,
    pub bytes: Vec<u8>,
    /// The armored SSHSIG, if the `.sig` file exists.
    pub sig: Option<Vec<u8>>,
}

/// An entry that passed every check.
#[derive(Debug, Clone)]
pub struct Verified {
    pub name: String,
    pub id: String,
    pub bytes: Vec<u8>,
    pub sig: Vec<u8>,
    pub entry: Entry,
}

/// One thing wrong, naming what it concerns.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    /// The file it concerns (`entries/000003.json`, `checkpoint`, …).
    pub subject: String,
    pub message: String,
}

impl Problem {
    pub fn new(subject: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem { subject: subject.into(), message: message.into() }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.subject, self.message)
    }
}

/// The outcome of checking a list of entries in log order.
#[derive(Debug, Default)]
pub struct LogCheck {
    pub accepted: Vec<Verified>,
    /// Entries refused, by position in the input, each with why.
    pub refused: Vec<(usize, Problem)>,
}

/// Checks the signature and content of one entry on its own (no chain): what can run in parallel.
pub fn check_one(raw: &RawEntry, people: &AllowedSigners, snapshot: &str) -> Result<Entry, String> {
    let entry = Entry::from_bytes(&raw.bytes).map_err(|e| e.to_string())?;
    if entry.snapshot != snapshot {
        return Err(format!(
            "belongs to snapshot {}, not {snapshot} (replayed from another review?)",
            entry.snapshot
        ));
    }
    let sig_bytes = raw.sig.as_deref().ok_or("no signature file")?;
    let sig = Signature::parse(sig_bytes).map_err(|e| e.to_string())?;
    let fp = sig.fingerprint();
    if fp != entry.author.fingerprint {
        return Err(format!("signed by key {fp}, but the entry names {}", entry.author.fingerprint));
    }
    let principal = entry.author.principal.clone();
    let principal = &principal;
    let mut candidates = people.find(principal, &fp).peekable();
    if candidates.peek().is_none() {
        return Err(format!("{principal} with key {fp} is not in allowed_signers"));
    }
    let time = entry.parsed_time().map_err(|e| e.to_string())?;
    let mut why = String::new();
    for person in candidates {
        if !person.allows_namespace(NS_ENTRY) {
            why = format!("allowed_signers does not allow {principal} to sign {NS_ENTRY}");
        } else if !person.valid_at(time) {
            why = format!("the key of {principal} is not valid at the entry time {}", entry.time);
        } else if person.role != entry.role {
            why = format!(
                "role {:?} differs from {principal}'s role {:?} in allowed_signers",
                entry.role, person.role
            );
        } else {
            return match sig.verify_with(&person.key, &person.verifying_key, NS_ENTRY, &raw.bytes) {
                Ok(()) => Ok(entry),
                Err(RecordError::Signature(m)) => Err(format!("signature {m}")),
                Err(e) => Err(e.to_string()),
            };
        }
    }
    Err(why)
}

/// Checks `raw` entries in log order. Signatures are checked in parallel; chains then in order.
pub fn check_log(raw: &[RawEntry], people: &AllowedSigners, snapshot: &str) -> LogCheck {
    let singles: Vec<Result<Entry, String>> =
        raw.par_iter().map(|r| check_one(r, people, snapshot)).collect();
    let mut out = LogCheck::default();
    let mut heads: HashMap<String, (u64, String)> = HashMap::new();
    let mut ids: HashSet<String> = HashSet::new();
    for (i, (r, single)) in raw.iter().zip(singles).enumerate() {
        let entry = match single {
            Ok(e) => e,
            Err(m) => {
                out.refused.push((i, Problem::new(&r.name, m)));
                continue;
            }
        };
        let id = entry_id(&r.bytes);
        if let Err(m) = check_links(&entry, &id, &heads, &ids) {
            out.refused.push((i, Problem::new(&r.name, m)));
            continue;
        }
        heads.insert(entry.author.fingerprint.clone(), (entry.seq, id.clone()));
        ids.insert(id.clone());
        out.accepted.push(Verified {
            name: r.name.clone(),
            id,
            bytes: r.bytes.clone(),
            sig: r.sig.clone().unwrap_or_default(),
            entry,
        });
    }
    out
}

fn check_links(
    entry: &Entry,
    id: &str,
    heads: &HashMap<String, (u64, String)>,
    ids: &HashSet<String>,
) -> Result<(), String> {
    if ids.contains(id) {
        return Err(format!("duplicate of entry {id}"));
    }
    let who = &entry.author.principal;
    match heads.get(&entry.author.fingerprint) {
        None if entry.seq == 1 => {}
        None => {
            return Err(format!(
                "seq {} of {who}, but no earlier entry of that key is in the log",
                entry.seq
            ));
        }
        Some((seq, prev_id)) => {
            if entry.seq != seq + 1 {
                return Err(format!(
                    "seq {} of {who} follows seq {seq}: entries missing, duplicated or out of order",
                    entry.seq
                ));
            }
            if entry.prev.as_deref() != Some(prev_id.as_str()) {
                return Err(format!("prev does not match {who}'s previous entry {prev_id}: chain broken"));
            }
        }
    }
    if let Some(p) = &entry.parent
        && !ids.contains(p)
    {
        return Err(format!("refers to entry {p}, which is not earlier in the log"));
    }
    Ok(())
}

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

/// How a whole log's signatures are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigCheck {
    /// One Ed25519 verification per entry, exactly as `ssh-keygen -Y verify` decides.
    Each,
    /// Ed25519 batch verification (about twice as fast), falling back to [`SigCheck::Each`] for any
    /// batch that fails so that the bad entries are named. Batch verification is the cofactored
    /// equation: a signature crafted by its own key holder to be valid only under one of the two
    /// equations could be judged differently, so bundles from elsewhere are checked with `Each`.
    Batch,
}

/// An entry whose every check has passed except the final signature equation.
struct Prepared {
    entry: Entry,
    data: Vec<u8>,
    sig: ed25519_dalek::Signature,
    vk: ed25519_dalek::VerifyingKey,
}

/// Checks the signature and content of one entry on its own (no chain): what can run in parallel.
pub fn check_one(raw: &RawEntry, people: &AllowedSigners, snapshot: &str) -> Result<Entry, String> {
    use ed25519_dalek::Verifier;
    let p = prepare(raw, people, snapshot)?;
    p.vk.verify(&p.data, &p.sig).map_err(|_| "signature does not verify".to_owned())?;
    Ok(p.entry)
}

fn prepare(raw: &RawEntry, people: &AllowedSigners, snapshot: &str) -> Result<Prepared, String> {
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
    let mut candidates = people.find(&principal, &fp).peekable();
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
            return match sig.prepare(&person.key, NS_ENTRY, &raw.bytes) {
                Ok((data, sig)) => Ok(Prepared { entry, data, sig, vk: person.verifying_key }),
                Err(RecordError::Signature(m)) => Err(format!("signature {m}")),
                Err(e) => Err(e.to_string()),
            };
        }
    }
    Err(why)
}

/// Checks `raw` entries in log order, one verification per signature. Signatures are checked in
/// parallel; chains then in order.
pub fn check_log(raw: &[RawEntry], people: &AllowedSigners, snapshot: &str) -> LogCheck {
    check_log_with(raw, people, snapshot, SigCheck::Each)
}

/// Batch size for [`SigCheck::Batch`]: large enough to amortise, small enough to spread over threads.
const BATCH: usize = 64;

pub fn check_log_with(raw: &[RawEntry], people: &AllowedSigners, snapshot: &str, mode: SigCheck) -> LogCheck {
    use ed25519_dalek::Verifier;
    let prepared: Vec<Result<Prepared, String>> =
        raw.par_iter().map(|r| prepare(r, people, snapshot)).collect();
    let singles: Vec<Result<Entry, String>> = match mode {
        SigCheck::Each => prepared
            .into_par_iter()
            .map(|p| {
                p.and_then(|p| {
                    p.vk.verify(&p.data, &p.sig)
                        .map(|()| p.entry)
                        .map_err(|_| "signature does not verify".to_owned())
                })
            })
            .collect(),
        SigCheck::Batch => {
            let chunks: Vec<Vec<Result<Prepared, String>>> = {
                let mut it = prepared.into_iter();
                let mut out = Vec::new();
                loop {
                    let chunk: Vec<_> = it.by_ref().take(BATCH).collect();
                    if chunk.is_empty() {
                        break out;
                    }
                    out.push(chunk);
                }
            };
            chunks
                .into_par_iter()
                .flat_map_iter(|chunk| {
                    let ok: Vec<&Prepared> = chunk.iter().filter_map(|p| p.as_ref().ok()).collect();
                    let msgs: Vec<&[u8]> = ok.iter().map(|p| p.data.as_slice()).collect();
                    let sigs: Vec<ed25519_dalek::Signature> = ok.iter().map(|p| p.sig).collect();
                    let keys: Vec<ed25519_dalek::VerifyingKey> = ok.iter().map(|p| p.vk).collect();
                    let all_good = ed25519_dalek::verify_batch(&msgs, &sigs, &keys).is_ok();
                    chunk.into_iter().map(move |p| {
                        p.and_then(|p| {
                            if all_good || p.vk.verify(&p.data, &p.sig).is_ok() {
                                Ok(p.entry)
                            } else {
                                Err("signature does not verify".to_owned())
                            }
                        })
                    })
                })
                .collect()
        }
    };
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

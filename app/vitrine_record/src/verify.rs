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
    /// The entry file's bytes, exactly as read (they must be canonical JSON to be accepted).
    pub bytes: Vec<u8>,
    /// The armored SSHSIG, if the `.sig` file exists.
    pub sig: Option<Vec<u8>>,
}

/// An entry that passed every check.
#[derive(Debug, Clone)]
pub struct Verified {
    /// Where it came from (`entries/000003.json`).
    pub name: String,
    /// The entry id: SHA-256 (hex) of `bytes`.
    pub id: String,
    /// The canonical bytes that were signed.
    pub bytes: Vec<u8>,
    /// The armored SSHSIG over `bytes` (namespace `entry@vitrine`), as stored.
    pub sig: Vec<u8>,
    /// The parsed entry.
    pub entry: Entry,
}

/// One thing wrong, naming what it concerns.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    /// The file it concerns (`entries/000003.json`, `checkpoint`, …).
    pub subject: String,
    /// What is wrong with it, as a sentence for the reader.
    pub message: String,
}

impl Problem {
    /// A problem with `subject` (a file name) and `message`.
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
    /// Entries that passed every check, in log order.
    pub accepted: Vec<Verified>,
    /// Entries refused, by position in the input, each with why.
    pub refused: Vec<(usize, Problem)>,
}

/// How a whole log's signatures are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigCheck {
    /// One Ed25519 verification per entry, exactly as `ssh-keygen -Y verify` decides.
    Each,
    /// Ed25519 batch verification with `ed25519_dalek::verify_batch` (no curve arithmetic of our own),
    /// falling back to [`SigCheck::Each`] for any batch that fails so that the bad entries are named.
    /// Batch verification uses random coefficients: a signature crafted by its own key holder to hold
    /// only up to a small-order component could pass a batch by chance and fail alone, so bundles and
    /// imports are always checked with `Each`; only a review's own log, re-verified at load, is batched.
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

/// Largest entry accepted, in bytes (a bound `verify.sh` checks too, before it parses anything).
pub const MAX_ENTRY_BYTES: usize = 1 << 20;
/// Largest entry signature accepted, in bytes (an armored Ed25519 SSHSIG is under 300).
pub const MAX_SIG_BYTES: usize = 4096;

fn prepare(raw: &RawEntry, people: &AllowedSigners, snapshot: &str) -> Result<Prepared, String> {
    if raw.bytes.len() > MAX_ENTRY_BYTES {
        return Err(format!("larger than {MAX_ENTRY_BYTES} bytes: refused unread"));
    }
    if raw.sig.as_ref().is_some_and(|s| s.len() > MAX_SIG_BYTES) {
        return Err(format!("signature larger than {MAX_SIG_BYTES} bytes: refused unread"));
    }
    let entry = Entry::from_bytes(&raw.bytes).map_err(|e| e.to_string())?;
    if entry.snapshot != snapshot {
        return Err(format!(
            "belongs to snapshot {}, not {snapshot} (replayed from another review?)",
            entry.snapshot
        ));
    }
    let sig_bytes = raw.sig.as_deref().ok_or("no signature file")?;
    let sig = Signature::parse(sig_bytes).map_err(|e| e.to_string())?;
    // The fingerprint of a known key was computed once, with the person; only a stranger's is computed here.
    let fp = match people.people.iter().find(|p| p.key.key_data() == sig.key_data()) {
        Some(p) => std::borrow::Cow::Borrowed(p.fingerprint.as_str()),
        None => std::borrow::Cow::Owned(sig.fingerprint()),
    };
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

/// Entries per batch for [`SigCheck::Batch`] (a store segment's worth; a batch of 256 costs about a
/// tenth less per signature than one of 64), and per parallel task for [`SigCheck::Each`].
const BATCH: usize = 256;
const EACH_CHUNK: usize = 64;

/// What the checks of one entry on its own found: the entry with its id, or why it is refused.
pub(crate) type Single = Result<(Entry, String), String>;

/// Signatures a process has verified already, by what went into the check: the entry's bytes, its
/// signature as stored and the signing key's fingerprint. Reopening a review it just had open (the window
/// does for every write) then skips the Ed25519 arithmetic of entries whose bytes are unchanged; every
/// other check (content, snapshot, signer, validity, chain) runs again. Built only from entries this
/// process verified itself, never read from disk.
#[derive(Debug, Default, Clone)]
pub struct KnownSignatures(HashSet<[u8; 32]>);

impl KnownSignatures {
    /// The signatures of `entries` (which this process has verified).
    pub fn of(entries: &[Verified]) -> KnownSignatures {
        KnownSignatures(
            entries.iter().map(|v| known_key(&v.bytes, &v.sig, &v.entry.author.fingerprint)).collect(),
        )
    }

    /// How many signatures are known.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether no signature is known (then every signature is verified).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn contains(&self, bytes: &[u8], sig: &[u8], fingerprint: &str) -> bool {
        !self.0.is_empty() && self.0.contains(&known_key(bytes, sig, fingerprint))
    }
}

fn known_key(bytes: &[u8], sig: &[u8], fingerprint: &str) -> [u8; 32] {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    for part in [bytes, sig, fingerprint.as_bytes()] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part);
    }
    h.finalize().into()
}

/// Checks each entry of `raw` on its own (content, snapshot, signer, signature), in order, on the
/// calling thread; with [`SigCheck::Batch`] all of `raw` is one batch.
pub(crate) fn check_chunk(
    raw: &[RawEntry],
    people: &AllowedSigners,
    snapshot: &str,
    mode: SigCheck,
    known: Option<&KnownSignatures>,
) -> Vec<Single> {
    use ed25519_dalek::Verifier;
    let prepared: Vec<Result<Prepared, String>> = raw.iter().map(|r| prepare(r, people, snapshot)).collect();
    let is_known: Vec<bool> = prepared
        .iter()
        .zip(raw)
        .map(|(p, r)| match (known, p) {
            (Some(k), Ok(p)) => {
                k.contains(&r.bytes, r.sig.as_deref().unwrap_or_default(), &p.entry.author.fingerprint)
            }
            _ => false,
        })
        .collect();
    let all_good = mode == SigCheck::Batch && {
        let items: Vec<&Prepared> = prepared
            .iter()
            .zip(&is_known)
            .filter(|(_, known)| !**known)
            .filter_map(|(p, _)| p.as_ref().ok())
            .collect();
        let messages: Vec<&[u8]> = items.iter().map(|p| p.data.as_slice()).collect();
        let signatures: Vec<ed25519_dalek::Signature> = items.iter().map(|p| p.sig).collect();
        let keys: Vec<ed25519_dalek::VerifyingKey> = items.iter().map(|p| p.vk).collect();
        items.is_empty() || ed25519_dalek::verify_batch(&messages, &signatures, &keys).is_ok()
    };
    prepared
        .into_iter()
        .zip(raw)
        .zip(is_known)
        .map(|((p, r), known)| {
            let p = p?;
            if known || all_good || p.vk.verify(&p.data, &p.sig).is_ok() {
                Ok((p.entry, entry_id(&r.bytes)))
            } else {
                Err("signature does not verify".to_owned())
            }
        })
        .collect()
}

/// [`check_log`] with the signature check of `mode`: each entry on its own checked in parallel chunks,
/// then the chains in log order.
pub(crate) fn check_log_with(
    raw: &[RawEntry],
    people: &AllowedSigners,
    snapshot: &str,
    mode: SigCheck,
) -> LogCheck {
    let chunk = if mode == SigCheck::Batch { BATCH } else { EACH_CHUNK };
    let singles: Vec<Single> =
        raw.par_chunks(chunk).flat_map_iter(|c| check_chunk(c, people, snapshot, mode, None)).collect();
    let mut out = LogCheck::default();
    let mut chain = Chain::default();
    for (i, (r, single)) in raw.iter().zip(singles).enumerate() {
        match single.and_then(|(entry, id)| chain.push(&entry, &id).map(|()| (entry, id))) {
            Ok((entry, id)) => out.accepted.push(Verified {
                name: r.name.clone(),
                id,
                bytes: r.bytes.clone(),
                sig: r.sig.clone().unwrap_or_default(),
                entry,
            }),
            Err(m) => out.refused.push((i, Problem::new(&r.name, m))),
        }
    }
    out
}

/// The links between entries, checked in log order: per-author `seq`/`prev` chains, unique ids, parents
/// earlier in the log.
#[derive(Debug, Default)]
pub(crate) struct Chain {
    /// Per author key: the last seq and entry id.
    heads: HashMap<String, (u64, String)>,
    ids: HashSet<String>,
}

impl Chain {
    /// Checks that `entry` (with id `id`, every check on its own passed) may come next, and takes it.
    pub(crate) fn push(&mut self, entry: &Entry, id: &str) -> Result<(), String> {
        check_links(entry, id, &self.heads, &self.ids)?;
        match self.heads.get_mut(&entry.author.fingerprint) {
            Some(head) => *head = (entry.seq, id.to_owned()),
            None => {
                self.heads.insert(entry.author.fingerprint.clone(), (entry.seq, id.to_owned()));
            }
        }
        self.ids.insert(id.to_owned());
        Ok(())
    }
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

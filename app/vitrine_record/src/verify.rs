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
    /// What kind of check failed (in JSON: `"kind": "chain"`), for a program to act on.
    pub kind: ProblemKind,
    /// What is wrong with it, as a sentence for the reader.
    pub message: String,
}

/// What kind of check a [`Problem`] failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum ProblemKind {
    /// A file the record needs is absent.
    Missing,
    /// A file or record that cannot be read or parsed (or is too large to be read).
    Unreadable,
    /// A file that does not belong (an unexpected file, a signature without what it signs).
    Unexpected,
    /// Entries out of sequence, or more or fewer than the record says.
    Sequence,
    /// An entry of another snapshot, or a record whose snapshot ids differ from the snapshot's.
    Snapshot,
    /// An entry whose signer `allowed_signers` does not allow (key, principal, namespace, validity,
    /// role), or a signer missing from a list of people.
    Signer,
    /// A signature that cannot be read or does not verify.
    Signature,
    /// An entry that breaks the log's links: duplicate, `seq` or `prev` out of line, a reply to an
    /// entry not earlier in the log.
    Chain,
    /// The checkpoint does not cover the entries as they are.
    Checkpoint,
    /// A file of the bundle that fails its own check (its line in the checkpoint).
    File,
    /// An entry the status policy does not allow.
    Policy,
    /// An entry whose people rules (roles, who may answer) are broken.
    People,
    /// An anchor that does not match the snapshot's file.
    Anchor,
    /// An `anchor-port` entry whose claim does not hold.
    Port,
    /// A file of the review store set aside in `quarantine/`.
    Quarantined,
}

impl Problem {
    /// A problem of `kind` with `subject` (a file name) and `message`.
    pub fn new(kind: ProblemKind, subject: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem { subject: subject.into(), kind, message: message.into() }
    }

    /// The problem of an entry (`subject`) refused for `why`.
    pub fn entry(subject: impl Into<String>, why: &EntryProblem) -> Problem {
        Problem::new(why.kind(), subject, why.to_string())
    }

    /// The same problem with more said after its message (`; left out of the log`).
    pub fn with_note(self, note: &str) -> Problem {
        Problem { message: format!("{}{note}", self.message), ..self }
    }
}

/// Why one entry is refused, by its own checks or by the chain of the log. The Display is the sentence a
/// reader is shown (the command line's outputs hold it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EntryProblem {
    /// The entry file is over [`MAX_ENTRY_BYTES`].
    #[error("larger than {MAX_ENTRY_BYTES} bytes: refused unread")]
    TooLarge,
    /// The signature file is over [`MAX_SIG_BYTES`].
    #[error("signature larger than {MAX_SIG_BYTES} bytes: refused unread")]
    SignatureTooLarge,
    /// The entry is not a canonical, well-formed entry (or its time does not parse).
    #[error("{0}")]
    Malformed(String),
    /// The entry names another snapshot.
    #[error("belongs to snapshot {found}, not {expected} (replayed from another review?)")]
    OtherSnapshot {
        /// The snapshot the entry names.
        found: String,
        /// The snapshot being checked.
        expected: String,
    },
    /// The entry has no `.sig` file.
    #[error("no signature file")]
    NoSignature,
    /// The signature file cannot be read as an SSHSIG, or its signed data cannot be built.
    #[error("{0}")]
    UnreadableSignature(String),
    /// The signature's key is not the key the entry names as its author.
    #[error("signed by key {signed}, but the entry names {named}")]
    KeyMismatch {
        /// The fingerprint of the key that signed.
        signed: String,
        /// The fingerprint the entry names.
        named: String,
    },
    /// No line of `allowed_signers` has this principal with this key.
    #[error("{principal} with key {fingerprint} is not in allowed_signers")]
    UnknownSigner {
        /// The entry's principal.
        principal: String,
        /// The signing key's fingerprint.
        fingerprint: String,
    },
    /// `allowed_signers` does not let the principal sign entries.
    #[error("allowed_signers does not allow {principal} to sign {NS_ENTRY}")]
    Namespace {
        /// The entry's principal.
        principal: String,
    },
    /// The key's validity in `allowed_signers` does not cover the entry's time.
    #[error("the key of {principal} is not valid at the entry time {time}")]
    NotValidAt {
        /// The entry's principal.
        principal: String,
        /// The entry's time, as written.
        time: String,
    },
    /// The entry's role is not the principal's role in `allowed_signers`.
    #[error("role {entry:?} differs from {principal}'s role {allowed:?} in allowed_signers")]
    Role {
        /// The role the entry claims.
        entry: String,
        /// The entry's principal.
        principal: String,
        /// The role `allowed_signers` gives.
        allowed: String,
    },
    /// The SSHSIG is malformed for this key and namespace.
    #[error("signature {0}")]
    BadSignature(String),
    /// The Ed25519 signature does not verify.
    #[error("signature does not verify")]
    DoesNotVerify,
    /// The same entry id is earlier in the log.
    #[error("duplicate of entry {0}")]
    Duplicate(String),
    /// A `seq` above 1 from a key with no earlier entry.
    #[error("seq {seq} of {who}, but no earlier entry of that key is in the log")]
    NoEarlierEntry {
        /// The entry's `seq`.
        seq: u64,
        /// The entry's principal.
        who: String,
    },
    /// A `seq` that does not follow the key's previous one.
    #[error("seq {seq} of {who} follows seq {previous}: entries missing, duplicated or out of order")]
    SeqGap {
        /// The entry's `seq`.
        seq: u64,
        /// The entry's principal.
        who: String,
        /// The `seq` of the key's previous entry.
        previous: u64,
    },
    /// `prev` is not the id of the key's previous entry.
    #[error("prev does not match {who}'s previous entry {previous}: chain broken")]
    PrevMismatch {
        /// The entry's principal.
        who: String,
        /// The id of the key's previous entry.
        previous: String,
    },
    /// A reply to an entry that is not earlier in the log.
    #[error("refers to entry {0}, which is not earlier in the log")]
    ParentNotEarlier(String),
    /// An entry dated before the entry it answers, or before its key's previous entry, by more than
    /// [`MAX_CLOCK_SKEW_SECONDS`].
    #[error("dated {time}, before {what} {earlier} ({earlier_time}): backdated, or clocks far apart")]
    Backdated {
        /// The entry's time, as written.
        time: String,
        /// `the entry it answers` or `its key's previous entry`.
        what: &'static str,
        /// The id of that entry.
        earlier: String,
        /// That entry's time, as written.
        earlier_time: String,
    },
    /// An entry dated more than [`MAX_CLOCK_SKEW_SECONDS`] after something that cannot precede it: the
    /// export of the record that carries it, a checkpoint that covers it, or the clock of the machine
    /// that reads it. Left in, it would make every honest answer to it look backdated.
    #[error(
        "dated {time}, more than a day after {what} ({bound}): dated in the future, or clocks far apart; an answer to it would be refused as backdated"
    )]
    PostDated {
        /// The entry's time, as written.
        time: String,
        /// What bounds it: `the export of this record (exported_at)`, `this machine's clock`, ...
        what: String,
        /// The bound's time, RFC 3339.
        bound: String,
    },
}

/// The latest time an entry may carry: something that cannot precede it (an export, a checkpoint, the
/// clock of the machine that reads it) at `at` (Unix seconds), named `what` in a refusal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotAfter {
    /// The bound's time (Unix seconds); an entry may be dated up to [`MAX_CLOCK_SKEW_SECONDS`] after it.
    pub at: i64,
    /// What the bound is, as a refusal names it (`this machine's clock`).
    pub what: String,
}

impl NotAfter {
    /// The bound `what` at `at`.
    pub fn new(at: time::OffsetDateTime, what: impl Into<String>) -> NotAfter {
        NotAfter { at: at.unix_timestamp(), what: what.into() }
    }

    /// The clock of this machine, now.
    pub fn this_clock() -> NotAfter {
        NotAfter::new(time::OffsetDateTime::now_utc(), "this machine's clock")
    }

    /// Whether an entry dated `time` (Unix seconds, written `written`) may be under this bound.
    pub fn check(&self, time: i64, written: &str) -> Result<(), EntryProblem> {
        if time > self.at.saturating_add(MAX_CLOCK_SKEW_SECONDS) {
            return Err(EntryProblem::PostDated {
                time: written.to_owned(),
                what: self.what.clone(),
                bound: unix_text(self.at),
            });
        }
        Ok(())
    }
}

/// A Unix time as entries write times.
pub(crate) fn unix_text(t: i64) -> String {
    crate::entry::format_time(
        time::OffsetDateTime::from_unix_timestamp(t).unwrap_or(time::OffsetDateTime::UNIX_EPOCH),
    )
}

/// How far an entry may be dated before the entry it answers, its key's previous entry, or an earlier
/// checkpoint it follows. An entry's time is its signer's word, checked against the key's validity in
/// `allowed_signers`: without an order, a key that has expired could sign on under an earlier date. The
/// machines of an air-gapped room keep no common time, so a day is allowed: an honest entry whose clock is
/// hours off is never refused (and never set aside when a review is opened), and a key that expired
/// answers nothing written more than a day after its expiry.
pub const MAX_CLOCK_SKEW_SECONDS: i64 = 24 * 3600;

impl EntryProblem {
    /// The kind of check that failed.
    pub fn kind(&self) -> ProblemKind {
        use EntryProblem::*;
        match self {
            TooLarge | SignatureTooLarge | Malformed(_) => ProblemKind::Unreadable,
            OtherSnapshot { .. } => ProblemKind::Snapshot,
            NoSignature | UnreadableSignature(_) | BadSignature(_) | DoesNotVerify => ProblemKind::Signature,
            KeyMismatch { .. }
            | UnknownSigner { .. }
            | Namespace { .. }
            | NotValidAt { .. }
            | Role { .. } => ProblemKind::Signer,
            Duplicate(_)
            | NoEarlierEntry { .. }
            | SeqGap { .. }
            | PrevMismatch { .. }
            | ParentNotEarlier(_)
            | Backdated { .. }
            | PostDated { .. } => ProblemKind::Chain,
        }
    }
}

/// One line, with the bundle's text in it (a member's name, a principal, a checkpoint's origin) escaped
/// by [`crate::shown::escape`]: a problem never carries a control or a line break of its own.
impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", crate::shown::escape(&self.subject), crate::shown::escape(&self.message))
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
pub fn check_one(raw: &RawEntry, people: &AllowedSigners, snapshot: &str) -> Result<Entry, EntryProblem> {
    use ed25519_dalek::Verifier;
    let p = prepare(raw, people, snapshot)?;
    p.vk.verify(&p.data, &p.sig).map_err(|_| EntryProblem::DoesNotVerify)?;
    Ok(p.entry)
}

/// Largest entry accepted, in bytes (a bound `verify.sh` checks too, before it parses anything).
pub const MAX_ENTRY_BYTES: usize = 1 << 20;
/// Largest entry signature accepted, in bytes (an armored Ed25519 SSHSIG is under 300).
pub const MAX_SIG_BYTES: usize = 4096;

fn prepare(raw: &RawEntry, people: &AllowedSigners, snapshot: &str) -> Result<Prepared, EntryProblem> {
    if raw.bytes.len() > MAX_ENTRY_BYTES {
        return Err(EntryProblem::TooLarge);
    }
    if raw.sig.as_ref().is_some_and(|s| s.len() > MAX_SIG_BYTES) {
        return Err(EntryProblem::SignatureTooLarge);
    }
    let entry = Entry::from_bytes(&raw.bytes).map_err(|e| EntryProblem::Malformed(e.to_string()))?;
    if entry.snapshot != snapshot {
        return Err(EntryProblem::OtherSnapshot { found: entry.snapshot, expected: snapshot.to_owned() });
    }
    let sig_bytes = raw.sig.as_deref().ok_or(EntryProblem::NoSignature)?;
    let sig = Signature::parse(sig_bytes).map_err(|e| EntryProblem::UnreadableSignature(e.to_string()))?;
    // The fingerprint of a known key was computed once, with the person; only a stranger's is computed here.
    let fp = match people.people.iter().find(|p| p.key.key_data() == sig.key_data()) {
        Some(p) => std::borrow::Cow::Borrowed(p.fingerprint.as_str()),
        None => std::borrow::Cow::Owned(sig.fingerprint()),
    };
    if fp != entry.author.fingerprint {
        return Err(EntryProblem::KeyMismatch {
            signed: fp.into_owned(),
            named: entry.author.fingerprint.clone(),
        });
    }
    let principal = entry.author.principal.clone();
    let mut candidates = people.find(&principal, &fp).peekable();
    if candidates.peek().is_none() {
        return Err(EntryProblem::UnknownSigner {
            principal: principal.clone(),
            fingerprint: fp.to_string(),
        });
    }
    let time = entry.parsed_time().map_err(|e| EntryProblem::Malformed(e.to_string()))?;
    // Why the last candidate line refused (there is at least one).
    let mut why = EntryProblem::Namespace { principal: principal.clone() };
    for person in candidates {
        if !person.allows_namespace(NS_ENTRY) {
            why = EntryProblem::Namespace { principal: principal.clone() };
        } else if !person.valid_at(time) {
            why = EntryProblem::NotValidAt { principal: principal.clone(), time: entry.time.clone() };
        } else if person.role != entry.role {
            why = EntryProblem::Role {
                entry: entry.role.clone(),
                principal: principal.clone(),
                allowed: person.role.clone(),
            };
        } else {
            return match sig.prepare(&person.key, NS_ENTRY, &raw.bytes) {
                Ok((data, sig)) => Ok(Prepared { entry, data, sig, vk: person.verifying_key }),
                Err(RecordError::Signature(m)) => Err(EntryProblem::BadSignature(m)),
                Err(e) => Err(EntryProblem::UnreadableSignature(e.to_string())),
            };
        }
    }
    Err(why)
}

/// Checks `raw` entries in log order, one verification per signature. Signatures are checked in
/// parallel; chains then in order.
pub fn check_log(raw: &[RawEntry], people: &AllowedSigners, snapshot: &str) -> LogCheck {
    check_log_with(raw, people, snapshot, SigCheck::Each, &[])
}

/// [`check_log`], refusing as well every entry dated more than the clocks' skew after one of `bounds`
/// (the record's export, the reader's clock): such an entry is refused in the chain, as a backdated one
/// is, so that what answers it is refused too.
pub fn check_log_bounded(
    raw: &[RawEntry],
    people: &AllowedSigners,
    snapshot: &str,
    bounds: &[NotAfter],
) -> LogCheck {
    check_log_with(raw, people, snapshot, SigCheck::Each, bounds)
}

/// Entries per batch for [`SigCheck::Batch`] (a store segment's worth; a batch of 256 costs about a
/// tenth less per signature than one of 64), and per parallel task for [`SigCheck::Each`].
const BATCH: usize = 256;
const EACH_CHUNK: usize = 64;

/// What the checks of one entry on its own found: the entry with its id, or why it is refused.
pub(crate) type Single = Result<(Entry, String), EntryProblem>;

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
    let prepared: Vec<Result<Prepared, EntryProblem>> =
        raw.iter().map(|r| prepare(r, people, snapshot)).collect();
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
                Err(EntryProblem::DoesNotVerify)
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
    bounds: &[NotAfter],
) -> LogCheck {
    let chunk = if mode == SigCheck::Batch { BATCH } else { EACH_CHUNK };
    let singles: Vec<Single> =
        raw.par_chunks(chunk).flat_map_iter(|c| check_chunk(c, people, snapshot, mode, None)).collect();
    let mut out = LogCheck::default();
    let mut chain = Chain::bounded(bounds.to_vec());
    for (i, (r, single)) in raw.iter().zip(singles).enumerate() {
        match single.and_then(|(entry, id)| chain.push(&entry, &id).map(|()| (entry, id))) {
            Ok((entry, id)) => out.accepted.push(Verified {
                name: r.name.clone(),
                id,
                bytes: r.bytes.clone(),
                sig: r.sig.clone().unwrap_or_default(),
                entry,
            }),
            Err(why) => out.refused.push((i, Problem::entry(&r.name, &why))),
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
    /// Per entry id: the entry's time (Unix seconds).
    ids: HashMap<String, i64>,
    /// What no entry pushed may be dated after (beyond the skew).
    bounds: Vec<NotAfter>,
}

impl Chain {
    /// A chain that refuses, besides, every entry dated more than the skew after one of `bounds`.
    pub(crate) fn bounded(bounds: Vec<NotAfter>) -> Chain {
        Chain { bounds, ..Chain::default() }
    }

    /// From now on, refuses as well every entry dated more than the skew after `bound`.
    pub(crate) fn bound(&mut self, bound: NotAfter) {
        self.bounds.push(bound);
    }

    /// Checks that `entry` (with id `id`, every check on its own passed) may come next, and takes it.
    pub(crate) fn push(&mut self, entry: &Entry, id: &str) -> Result<(), EntryProblem> {
        let head = self.heads.get(&entry.author.fingerprint).map(|(s, i)| (*s, i.as_str()));
        let time = check_links(entry, id, head, &|i| self.ids.get(i).copied())?;
        for b in &self.bounds {
            b.check(time, &entry.time)?;
        }
        match self.heads.get_mut(&entry.author.fingerprint) {
            Some(head) => *head = (entry.seq, id.to_owned()),
            None => {
                self.heads.insert(entry.author.fingerprint.clone(), (entry.seq, id.to_owned()));
            }
        }
        self.ids.insert(id.to_owned(), time);
        Ok(())
    }
}

/// Checks the links of `entry` (id `id`) to the log before it and returns its time (Unix seconds): the
/// one check of the chain, run when a log is loaded or verified and before a new entry is signed (so that
/// no entry is signed that a load would set aside). `head` is the `seq` and id of the last entry of the
/// entry's key in the log, `time_of` the time of an entry of the log by id (`None`: not in the log).
pub(crate) fn check_links(
    entry: &Entry,
    id: &str,
    head: Option<(u64, &str)>,
    time_of: &dyn Fn(&str) -> Option<i64>,
) -> Result<i64, EntryProblem> {
    let time = entry.parsed_time().map_err(|e| EntryProblem::Malformed(e.to_string()))?.unix_timestamp();
    // Not dated before what it follows (by more than the clocks of two machines may differ).
    let not_before = |what: &'static str, earlier: &str| match time_of(earlier) {
        Some(t) if time < t - MAX_CLOCK_SKEW_SECONDS => Err(EntryProblem::Backdated {
            time: entry.time.clone(),
            what,
            earlier: earlier.to_owned(),
            earlier_time: unix_text(t),
        }),
        _ => Ok(()),
    };
    if time_of(id).is_some() {
        return Err(EntryProblem::Duplicate(id.to_owned()));
    }
    let who = &entry.author.principal;
    match head {
        None if entry.seq == 1 => {}
        None => return Err(EntryProblem::NoEarlierEntry { seq: entry.seq, who: who.clone() }),
        Some((seq, prev_id)) => {
            if entry.seq != seq + 1 {
                return Err(EntryProblem::SeqGap { seq: entry.seq, who: who.clone(), previous: seq });
            }
            if entry.prev.as_deref() != Some(prev_id) {
                return Err(EntryProblem::PrevMismatch { who: who.clone(), previous: prev_id.to_owned() });
            }
            not_before("its key's previous entry", prev_id)?;
        }
    }
    if let Some(p) = &entry.parent {
        if time_of(p).is_none() {
            return Err(EntryProblem::ParentNotEarlier(p.clone()));
        }
        not_before("the entry it answers", p)?;
    }
    Ok(time)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(who: &str, seq: u64, prev: Option<&str>, parent: Option<&str>, time: &str) -> Entry {
        Entry::for_test(who, seq, prev, parent, time)
    }

    /// An entry's time is its signer's word, checked against a key's validity: it may not be dated
    /// before the entry it answers, nor before its key's previous entry, beyond the clocks' skew.
    #[test]
    fn an_entry_dated_before_what_it_follows_is_refused_beyond_the_clock_skew() {
        let mut chain = Chain::default();
        chain.push(&entry("rev", 1, None, None, "2026-12-05T12:00:00Z"), "a").unwrap();
        // Answers `a` from a clock 23 hours behind: accepted.
        chain.push(&entry("ven", 1, None, Some("a"), "2026-12-04T13:00:00Z"), "b").unwrap();
        // Dated days before the entry it answers (past the expiry of its key, say): refused.
        let early = chain.push(&entry("obs", 1, None, Some("a"), "2026-11-30T12:00:00Z"), "c");
        assert!(
            matches!(&early, Err(EntryProblem::Backdated { what: "the entry it answers", earlier, .. }) if earlier == "a"),
            "{early:?}"
        );
        assert!(
            early
                .unwrap_err()
                .to_string()
                .contains("dated 2026-11-30T12:00:00Z, before the entry it answers")
        );
        // Before its own key's previous entry, with no parent: refused too.
        let own = chain.push(&entry("ven", 2, Some("b"), None, "2026-12-03T12:59:59Z"), "d");
        assert!(
            matches!(own, Err(EntryProblem::Backdated { what: "its key's previous entry", .. })),
            "{own:?}"
        );
        // In order: accepted.
        chain.push(&entry("ven", 2, Some("b"), Some("a"), "2026-12-05T12:30:00Z"), "e").unwrap();
    }
}

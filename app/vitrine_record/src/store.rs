//! A review directory on disk: the people, the entries in log order, and the checkpoints exported.
//!
//! Layout: `snapshot` (the tree id the review belongs to), `allowed_signers`, `log/NNNNNN.seg` (the
//! entries in log order, up to 256 per segment), `checkpoints/NNNNNN` (every checkpoint exported from
//! here), `quarantine/` (what was refused at load, kept for inspection), `lock`.
//!
//! A segment holds one record per line: the entry's canonical JSON bytes (which never contain a raw tab
//! or newline), a tab, the base64 of its armored SSHSIG signature. Segments keep a 100,000-entry review to
//! about a hundred files, so it loads in one pass instead of 200,000 opens.
//!
//! Every write replaces a whole segment: temporary file, sync, rename, directory sync, so a crash leaves
//! either the old segment or the new one, never half a record. Opening a review takes an exclusive lock for
//! the life of the [`Review`], so two processes never interleave writes, and re-verifies every entry;
//! whatever fails is reported, the segment as found is copied to `quarantine/`, and the segment is
//! rewritten without it: never dropped silently and never trusted.

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use time::OffsetDateTime;

use crate::allowed::{AllowedSigners, Person};
use crate::entry::{Author, Class, Entry, FORMAT_VERSION, Kind, Severity, Status, Target, format_time};
use crate::error::RecordError;
use crate::keys::Signer;
use crate::merkle::{self, Checkpoint};
use crate::verify::{
    Chain, KnownSignatures, Problem, ProblemKind, RawEntry, SigCheck, Single, Verified, check_chunk,
};

/// What the author chooses in a new entry; the review fills in the rest (seq, prev, author, time, …).
#[derive(Debug, Clone)]
pub struct Draft {
    /// The entry's kind; it decides which of the other fields are required ([`Entry::validate`]).
    pub kind: Kind,
    /// See [`Entry::target`].
    pub target: Option<Target>,
    /// See [`Entry::class`].
    pub class: Option<Class>,
    /// See [`Entry::severity`].
    pub severity: Option<Severity>,
    /// See [`Entry::category`].
    pub category: Option<String>,
    /// See [`Entry::body`].
    pub body: Option<String>,
    /// Id of an entry already in this review (see [`Entry::parent`]).
    pub parent: Option<String>,
    /// See [`Entry::status`]; checked against the status policy before signing.
    pub status: Option<Status>,
}

impl Draft {
    /// A draft of `kind` with every other field empty, to fill in.
    pub fn new(kind: Kind) -> Draft {
        Draft {
            kind,
            target: None,
            class: None,
            severity: None,
            category: None,
            body: None,
            parent: None,
            status: None,
        }
    }
}

/// An open, locked, verified review directory.
#[derive(Debug)]
pub struct Review {
    dir: PathBuf,
    _lock: File,
    snapshot: String,
    people: AllowedSigners,
    entries: Vec<Verified>,
    /// Number of the last segment and the index in `entries` of its first entry.
    last_segment: u64,
    last_segment_start: usize,
    problems: Vec<Problem>,
}

/// The entries added by an import.
#[derive(Debug, Default)]
pub struct ImportReport {
    /// Ids of the entries added to the log, in the order they were appended.
    pub added: Vec<String>,
    /// Entries of the bundle this review already had (by id), skipped.
    pub already_present: usize,
    /// Principals of the keys added to `allowed_signers`.
    pub people_added: Vec<String>,
    /// Entries of the bundle left out of the log (see [`crate::import::ImportPlan::held`]).
    pub held: Vec<crate::import::HeldEntry>,
}

impl Review {
    /// Opens (creating if needed) the review of snapshot `snapshot` (its SHA-256 tree id) in `dir`, waiting
    /// for any other process that has it open, then loads and re-verifies every entry.
    pub fn open(dir: &Path, snapshot: &str) -> Result<Review, RecordError> {
        Review::open_knowing(dir, snapshot, &KnownSignatures::default())
    }

    /// [`Review::open`], skipping the signature arithmetic of entries whose bytes, signature and key this
    /// process verified already (`known`, from the entries of an earlier open); every other check runs.
    pub fn open_knowing(dir: &Path, snapshot: &str, known: &KnownSignatures) -> Result<Review, RecordError> {
        for d in [dir.to_path_buf(), dir.join("log"), dir.join("checkpoints")] {
            fs::create_dir_all(&d).map_err(RecordError::io("create directory", &d))?;
        }
        let lock_path = dir.join("lock");
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(RecordError::io("open", &lock_path))?;
        lock.lock().map_err(RecordError::io("lock", &lock_path))?;

        let snap_path = dir.join("snapshot");
        match fs::read_to_string(&snap_path) {
            Ok(s) if s.trim() == snapshot => {}
            Ok(s) => {
                return Err(RecordError::Usage(format!(
                    "{} belongs to snapshot {}, not {snapshot}",
                    dir.display(),
                    s.trim()
                )));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                write_atomic(&snap_path, format!("{snapshot}\n").as_bytes())?
            }
            Err(e) => return Err(RecordError::io("read", &snap_path)(e)),
        }
        let signers_path = dir.join("allowed_signers");
        let people = match fs::read_to_string(&signers_path) {
            Ok(t) => AllowedSigners::parse(&t)
                .map_err(|e| RecordError::Usage(format!("{}: {e}", signers_path.display())))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => AllowedSigners::default(),
            Err(e) => return Err(RecordError::io("read", &signers_path)(e)),
        };
        let mut review = Review {
            dir: dir.to_path_buf(),
            _lock: lock,
            snapshot: snapshot.to_owned(),
            people,
            entries: Vec::new(),
            last_segment: 0,
            last_segment_start: 0,
            problems: Vec::new(),
        };
        review.load(known)?;
        // A store whose log retired someone before retirements were bound in allowed_signers.
        review.bind_retirements()?;
        // A principal listed with two roles (an import before that was refused wrote it) is said on every
        // open, in the words `verify` and `import` use: a second key inherits no role of its own.
        for (who, roles) in review.people.principal_role_conflicts() {
            review.problems.push(Problem::new(
                ProblemKind::People,
                "allowed_signers",
                crate::bundle::principal_roles_problem(&who, &roles),
            ));
        }
        Ok(review)
    }

    /// The review directory (`allowed_signers`, `snapshot`, `log/`, `checkpoints/`, `lock`).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The SHA-256 tree id (hex) of the snapshot this review is bound to; every entry carries it.
    pub fn snapshot(&self) -> &str {
        &self.snapshot
    }

    /// The review's people, as its `allowed_signers` holds them.
    pub fn people(&self) -> &AllowedSigners {
        &self.people
    }

    /// Verified entries in log order.
    pub fn entries(&self) -> &[Verified] {
        &self.entries
    }

    /// What was found wrong (and quarantined) when the review was opened.
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// Adds a person to `allowed_signers`. Returns false if that principal already has that key. The
    /// principal must pass [`crate::principal::validate_principal`].
    pub fn add_person(&mut self, person: Person) -> Result<bool, RecordError> {
        crate::principal::validate_principal(&person.principal)
            .map_err(|e| RecordError::Usage(e.to_string()))?;
        // A renamed person's key may be listed again under the new name, and only under it.
        let retirements = self.retirements();
        if let Some(other) = self.people.by_fingerprint(&person.fingerprint).find(|p| {
            p.principal != person.principal && retirements.current_name(&p.principal) != person.principal
        }) {
            return Err(RecordError::Usage(format!(
                "key {} already belongs to {}",
                person.fingerprint, other.principal
            )));
        }
        // One principal, one role: a second key takes the principal's role, never one of its own.
        if let Some(known) = self.people.role_of(&person.principal)
            && known != person.role
        {
            return Err(RecordError::Usage(format!(
                "{} is {} in this review; a second key cannot make it {}: one principal has one role",
                crate::principal::annotated(&person.principal),
                role_word(known),
                role_word(&person.role)
            )));
        }
        let mut people = self.people.clone();
        if !people.add(person) {
            return Ok(false);
        }
        write_atomic(&self.dir.join("allowed_signers"), people.render()?.as_bytes())?;
        self.people = people;
        Ok(true)
    }

    /// Who the log retires or renames, and the entries that therefore do not count.
    pub fn retirements(&self) -> crate::people::Retirements {
        crate::people::retirements(&self.entries)
    }

    /// Binds the log's retirements in `allowed_signers`, the file a center keeps and hands out as its
    /// trusted signers: each key line of a principal the log retires (or renames away from) gets
    /// `valid-before` at the retirement's effective time, so that `ssh-keygen` and both verifiers refuse
    /// whatever that key signs later under that principal (entries at their time, checkpoints and
    /// FILES.sha256 at the export time), even in a record that leaves the retirement out. The bound is
    /// never before an entry of that principal and key already in the log (one dated, within the clocks'
    /// skew, after the retirement stays in the log, counting for nothing), so that nothing verified stops
    /// verifying, and never later than a bound the line has. Returns whether the file changed.
    pub fn bind_retirements(&mut self) -> Result<bool, RecordError> {
        let retirements = self.retirements();
        if retirements.retired.is_empty() {
            return Ok(false);
        }
        let order = crate::order::effective(&self.entries);
        let mut people = self.people.clone();
        let mut changed = false;
        for p in &mut people.people {
            let Some(r) = retirements.retired.get(&p.principal) else { continue };
            let Some(&retired_at) = order.effective_time.get(r.at) else { continue };
            let latest = self
                .entries
                .iter()
                .filter(|v| {
                    v.entry.author.principal == p.principal && v.entry.author.fingerprint == p.fingerprint
                })
                .filter_map(|v| v.entry.parsed_time().ok())
                .map(OffsetDateTime::unix_timestamp)
                .max();
            let Ok(bound) =
                OffsetDateTime::from_unix_timestamp(latest.map_or(retired_at, |l| l.max(retired_at)))
            else {
                continue;
            };
            if p.valid_before.is_none_or(|b| b > bound) {
                p.valid_before = Some(bound);
                changed = true;
            }
        }
        if changed {
            write_atomic(&self.dir.join("allowed_signers"), people.render()?.as_bytes())?;
            self.people = people;
        }
        Ok(changed)
    }

    /// The annotation at the root of the thread entry `id` belongs to, if it is in one.
    pub fn thread_root(&self, id: &str) -> Option<&Verified> {
        let mut at = self.entries.iter().find(|e| e.id == id)?;
        // Parents are earlier in the log, so the walk ends; the bound is only a guard.
        for _ in 0..=self.entries.len() {
            if matches!(at.entry.kind, Kind::Annotation | Kind::AnchorPort) && at.entry.parent.is_none() {
                return Some(at);
            }
            let parent = at.entry.parent.as_deref()?;
            at = self.entries.iter().find(|e| e.id == parent)?;
        }
        None
    }

    /// Finds an entry by id or unique id prefix.
    pub fn find(&self, id_or_prefix: &str) -> Result<&Verified, RecordError> {
        let mut hits = self.entries.iter().filter(|e| e.id.starts_with(id_or_prefix));
        match (hits.next(), hits.next()) {
            (Some(e), None) if id_or_prefix.len() >= 6 || e.id == id_or_prefix => Ok(e),
            (Some(_), Some(_)) => {
                Err(RecordError::Usage(format!("entry id prefix {id_or_prefix} is ambiguous")))
            }
            _ => Err(RecordError::Usage(format!("no entry {id_or_prefix} in this review"))),
        }
    }

    /// Signs and appends a new entry, returning it once it is durably on disk.
    pub fn append(
        &mut self,
        signer: &Signer,
        draft: Draft,
        now: OffsetDateTime,
    ) -> Result<&Verified, RecordError> {
        let staged = self.stage(signer, draft, now)?;
        let person_change = matches!(staged.entry.kind, Kind::Retire | Kind::Rename);
        self.write_entries(vec![staged])?;
        if person_change {
            self.bind_retirements()?;
        }
        self.entries.last().ok_or_else(|| RecordError::Entry("append lost its entry".into()))
    }

    /// Signs and appends several entries with one directory sync (for bulk work such as benchmarks and
    /// imports); each entry file is still synced before it is renamed into place.
    pub fn append_many(
        &mut self,
        signer: &Signer,
        drafts: Vec<Draft>,
        now: OffsetDateTime,
    ) -> Result<(), RecordError> {
        let mut staged = Vec::with_capacity(drafts.len());
        let base = self.entries.len();
        for d in drafts {
            let v = self.stage(signer, d, now)?;
            // Stage against the entries staged so far, so that seq/prev chain within the batch.
            self.entries.push(v);
        }
        staged.extend(self.entries.drain(base..));
        let person_change = staged.iter().any(|v| matches!(v.entry.kind, Kind::Retire | Kind::Rename));
        self.write_entries(staged)?;
        if person_change {
            self.bind_retirements()?;
        }
        Ok(())
    }

    fn stage(&self, signer: &Signer, draft: Draft, now: OffsetDateTime) -> Result<Verified, RecordError> {
        let fp = signer.fingerprint().to_owned();
        // A renamed person's key is listed under both names: it signs as the name not retired.
        let retirements = self.retirements();
        let mut holders = self.people.by_fingerprint(&fp).peekable();
        let first = holders.peek().copied();
        let person =
            holders.find(|p| !retirements.retired.contains_key(&p.principal)).or(first).ok_or_else(|| {
                RecordError::Usage(format!(
                    "key {fp} is not one of this review's people: add it with `vitrine people add`"
                ))
            })?;
        // A retired principal signs nothing more; only the reviewing side retires or renames. (Said before
        // the validity below, which the retirement bounded.)
        if let Some(r) = retirements.retired.get(&person.principal) {
            return Err(RecordError::Policy(format!(
                "{} was retired by entry {}: it signs nothing more",
                person.principal,
                r.by.get(..12).unwrap_or(&r.by)
            )));
        }
        // Refused here rather than quarantined at the next load: an entry the log would not accept is
        // never written.
        if !person.allows_namespace(crate::keys::NS_ENTRY) || !person.valid_at(now) {
            return Err(RecordError::Usage(format!(
                "the key of {} may not sign entries now (namespace or validity in allowed_signers)",
                person.principal
            )));
        }
        // Who may sign this kind at all (the policy's first table): a review mark, a port, a retirement
        // or a rename signed by anyone but the reviewing side is never written.
        crate::policy::check_kind(&person.principal, &person.role, draft.kind)
            .map_err(|v| RecordError::Policy(v.to_string()))?;
        if matches!(draft.kind, Kind::Retire | Kind::Rename) {
            let body = crate::people::PersonChange::parse(draft.body.as_deref().unwrap_or_default())
                .map_err(RecordError::Usage)?;
            if !self.people.people.iter().any(|p| p.principal == body.principal) {
                return Err(RecordError::Usage(format!("{} is not a person of this review", body.principal)));
            }
            if retirements.retired.contains_key(&body.principal) {
                return Err(RecordError::Usage(format!("{} is retired already", body.principal)));
            }
        }
        if let Some(p) = &draft.parent
            && !self.entries.iter().any(|e| &e.id == p)
        {
            return Err(RecordError::Usage(format!("no entry {p} in this review")));
        }
        // The status policy: a change the policy does not allow is never signed.
        let change = match (draft.kind, draft.status) {
            (Kind::Retract, _) => Some(crate::policy::Change::Retract),
            (Kind::Annotation | Kind::ReviewMark, _) => None,
            (_, s) => s.map(crate::policy::Change::SetStatus),
        };
        if let (Some(change), Some(root)) =
            (change, draft.parent.as_deref().and_then(|p| self.thread_root(p)))
        {
            let is_author = crate::policy::thread_author(&root.entry) == person.principal.as_str();
            crate::policy::check(&person.principal, &person.role, is_author, change)
                .map_err(|v| RecordError::Policy(v.to_string()))?;
        }
        let parent = match (change, draft.parent) {
            (Some(crate::policy::Change::SetStatus(_)), Some(p)) => Some(self.answering(p, now)),
            (_, p) => p,
        };
        let last = self.entries.iter().rev().find(|e| e.entry.author.fingerprint == fp);
        let mut entry = Entry {
            v: FORMAT_VERSION,
            seq: last.map_or(1, |l| l.entry.seq + 1),
            prev: last.map(|l| l.id.clone()),
            kind: draft.kind,
            author: Author { principal: person.principal.clone(), fingerprint: fp.clone() },
            role: person.role.clone(),
            time: format_time(now),
            snapshot: self.snapshot.clone(),
            target: draft.target,
            class: draft.class,
            severity: draft.severity,
            category: draft.category,
            body: draft.body,
            parent,
            status: draft.status,
        };
        entry.v = entry.version_needed();
        let bytes = entry.to_bytes()?;
        if bytes.len() > crate::verify::MAX_ENTRY_BYTES {
            return Err(RecordError::Usage(format!(
                "the entry would be {} bytes; entries are at most {} bytes",
                bytes.len(),
                crate::verify::MAX_ENTRY_BYTES
            )));
        }
        let id = crate::entry::entry_id(&bytes);
        // The chain check a load runs, run before signing: an entry a load would set aside (dated before
        // the entry it answers, after an entry dated in the future reached this log) is never signed.
        let time_of = |i: &str| -> Option<i64> {
            // Only what the new entry names is looked up (its key's last entry, its parent). Its own id is
            // in no log: its seq follows its key's last.
            if i == id {
                return None;
            }
            let found = match last {
                Some(l) if l.id == i => Some(l),
                _ => self.entries.iter().rev().find(|e| e.id == i),
            };
            found.and_then(|e| e.entry.parsed_time().ok()).map(|t| t.unix_timestamp())
        };
        let head = last.map(|l| (l.entry.seq, l.id.as_str()));
        if let Err(why) = crate::verify::check_links(&entry, &id, head, &time_of) {
            return Err(RecordError::Usage(unsignable(&why, now)));
        }
        let sig = signer.sign(crate::keys::NS_ENTRY, &bytes)?.into_bytes();
        Ok(Verified { name: String::new(), id, bytes, sig, entry })
    }

    /// The parent for a status change to the thread of `parent`, signed at `now`. A thread's status is
    /// the change that takes effect last in the order of signed data ([`crate::order::effective`]):
    /// when the change deciding the thread now is dated `now` or later (the same second, or its signer's
    /// clock ahead of ours), a change that names only the annotation could take effect before it, so it
    /// answers that change instead: a signed link, which orders it after whatever the clocks say.
    fn answering(&self, parent: String, now: OffsetDateTime) -> String {
        let threads = crate::thread::threads(&self.entries);
        let Some(thread) =
            threads.iter().find(|t| t.root.id == parent || t.follow_ups.iter().any(|f| f.id == parent))
        else {
            return parent;
        };
        let Some(decided) = thread.decided_by else { return parent };
        let order = crate::order::effective(&self.entries);
        let at = self.entries.iter().position(|e| e.id == decided.id);
        match at.and_then(|i| order.effective_time.get(i)) {
            Some(&t) if t >= now.unix_timestamp() && decided.id != parent => decided.id.clone(),
            _ => parent,
        }
    }

    /// Writes entries (already verified or freshly signed) at the end of the log: the last segment is
    /// rewritten with them, and new segments are started as segments fill.
    fn write_entries(&mut self, entries: Vec<Verified>) -> Result<(), RecordError> {
        if entries.is_empty() {
            return Ok(());
        }
        let mut touched: Vec<u64> = Vec::new();
        for mut v in entries {
            if self.last_segment == 0 || self.entries.len() - self.last_segment_start >= SEGMENT_ENTRIES {
                self.last_segment += 1;
                self.last_segment_start = self.entries.len();
            }
            if touched.last() != Some(&self.last_segment) {
                touched.push(self.last_segment);
            }
            v.name = format!(
                "log/{:06}.seg:{}",
                self.last_segment,
                self.entries.len() - self.last_segment_start + 1
            );
            self.entries.push(v);
        }
        // Segment k (counting back from the last) covers a known slice of `entries`.
        let dir = self.dir.join("log");
        for &seg in &touched {
            let back = usize::try_from(self.last_segment - seg).unwrap_or(usize::MAX);
            let start = self.last_segment_start.saturating_sub(back * SEGMENT_ENTRIES);
            let end = if back == 0 { self.entries.len() } else { start + SEGMENT_ENTRIES };
            let records = self.entries.get(start..end).unwrap_or_default();
            write_file_synced(&dir.join(format!("{seg:06}.seg")), &encode_segment(records))?;
        }
        sync_dir(&dir)
    }

    /// Reads every segment, verifies the whole log and sets aside what fails.
    fn load(&mut self, known: &KnownSignatures) -> Result<(), RecordError> {
        let dir = self.dir.join("log");
        let mut segments: Vec<u64> = Vec::new();
        let mut stray: Vec<String> = Vec::new();
        for item in fs::read_dir(&dir).map_err(RecordError::io("list", &dir))? {
            let item = item.map_err(RecordError::io("list", &dir))?;
            let name = item.file_name().to_string_lossy().into_owned();
            match name
                .strip_suffix(".seg")
                .filter(|n| n.len() == 6 && n.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|n| n.parse::<u64>().ok())
            {
                Some(n) if n > 0 => segments.push(n),
                _ => stray.push(name),
            }
        }
        segments.sort_unstable();
        for name in stray {
            let why = if name.starts_with(".tmp-") {
                "leftover of an interrupted write"
            } else {
                "not a segment file"
            };
            self.quarantine(&dir.join(&name), &format!("log/{name}"), why)?;
        }
        // Each segment is read in one go and its entries checked on their own (content, signer, and one
        // batch verification of the segment's signatures), segments in parallel; the links between entries
        // (seq, prev, ids, parents) are then checked in log order. Every entry here was verified one by one
        // when it was written or imported; re-verifying the whole log at load is where batches pay, and a
        // batch that fails is checked again one by one to name the bad entries.
        let (people, snapshot) = (&self.people, self.snapshot.as_str());
        let read: Vec<Result<ReadSegment, RecordError>> =
            segments.par_iter().map(|&seg| read_segment(&dir, seg, people, snapshot, known)).collect();
        let mut accepted: Vec<Verified> =
            Vec::with_capacity(read.iter().map(|r| r.as_ref().map_or(0, |r| r.entries.len())).sum());
        // Problems with the segment they were found in: records that cannot even be split, then entries
        // refused (on their own or in the chain).
        let mut unreadable: Vec<(u64, Problem)> = Vec::new();
        let mut refused: Vec<(u64, Problem)> = Vec::new();
        // Records that could be split, per segment.
        let mut records: Vec<usize> = Vec::with_capacity(segments.len());
        let mut chain = Chain::default();
        for (&seg, read) in segments.iter().zip(read) {
            let read = read?;
            records.push(read.entries.len());
            unreadable.extend(read.unreadable.into_iter().map(|p| (seg, p)));
            for (raw, single) in read.entries {
                match single.and_then(|(entry, id)| chain.push(&entry, &id).map(|()| (entry, id))) {
                    Ok((entry, id)) => accepted.push(Verified {
                        name: raw.name,
                        id,
                        bytes: raw.bytes,
                        sig: raw.sig.unwrap_or_default(),
                        entry,
                    }),
                    Err(why) => refused.push((seg, Problem::entry(raw.name, &why))),
                }
            }
        }
        let mut damaged: Vec<u64> = unreadable.iter().chain(&refused).map(|(s, _)| *s).collect();
        damaged.sort_unstable();
        damaged.dedup();
        let mut set_aside = std::collections::HashMap::new();
        for &seg in &damaged {
            let name = format!("log/{seg:06}.seg");
            let copy = self.quarantine_copy(&dir.join(format!("{seg:06}.seg")), &name)?;
            set_aside.insert(seg, copy);
        }
        let note = |seg: u64| {
            set_aside
                .get(&seg)
                .map(|p: &PathBuf| format!("; the segment as found is in {}", p.display()))
                .unwrap_or_default()
        };
        for (seg, p) in unreadable {
            self.problems.push(p.with_note(&note(seg)));
        }
        for (seg, p) in refused {
            self.problems.push(p.with_note(&format!("; left out of the log{}", note(seg))));
        }
        self.entries = Vec::new();
        self.last_segment = 0;
        self.last_segment_start = 0;
        // Rewrite the log from the accepted entries when anything was set aside, so that what stays on
        // disk is exactly what was verified; otherwise only note where the last segment starts.
        // Appends assume every segment but the last is full; anything else is laid out again.
        let irregular = records.iter().rev().skip(1).any(|&n| n != SEGMENT_ENTRIES);
        if damaged.is_empty() && !irregular {
            self.last_segment = segments.last().copied().unwrap_or(0);
            self.entries = accepted;
            let in_last = records.last().copied().unwrap_or(0);
            self.last_segment_start = self.entries.len() - in_last.min(self.entries.len());
        } else {
            // Each segment is replaced atomically, and only then are the segments left over removed: a crash
            // in between leaves entries twice (the second copy is refused as a duplicate), never lost.
            self.write_entries(accepted)?;
            for &seg in segments.iter().filter(|&&s| s > self.last_segment) {
                let path = dir.join(format!("{seg:06}.seg"));
                fs::remove_file(&path).map_err(RecordError::io("remove", &path))?;
            }
            sync_dir(&dir)?;
        }
        Ok(())
    }

    /// Writes a note into `quarantine/` (what an import held apart, and why) and returns where it went.
    pub(crate) fn write_quarantine_note(&self, name: &str, bytes: &[u8]) -> Result<PathBuf, RecordError> {
        let dest = self.quarantine_dest(name)?;
        write_atomic(&dest, bytes)?;
        Ok(dest)
    }

    /// Copies a file into `quarantine/` and returns where it went.
    fn quarantine_copy(&mut self, path: &Path, name: &str) -> Result<PathBuf, RecordError> {
        let dest = self.quarantine_dest(name)?;
        fs::copy(path, &dest).map_err(RecordError::io("copy", path))?;
        File::open(&dest).and_then(|f| f.sync_all()).map_err(RecordError::io("sync", &dest))?;
        sync_dir(&self.dir.join("quarantine"))?;
        Ok(dest)
    }

    fn quarantine_dest(&self, name: &str) -> Result<PathBuf, RecordError> {
        let qdir = self.dir.join("quarantine");
        fs::create_dir_all(&qdir).map_err(RecordError::io("create directory", &qdir))?;
        let stamp = OffsetDateTime::now_utc().unix_timestamp();
        let base = name.replace('/', "_");
        let mut dest = qdir.join(format!("{stamp}-{base}"));
        let mut k = 1;
        while dest.exists() {
            dest = qdir.join(format!("{stamp}-{k}-{base}"));
            k += 1;
        }
        Ok(dest)
    }

    fn quarantine(&mut self, path: &Path, name: &str, why: &str) -> Result<(), RecordError> {
        let dest = self.quarantine_dest(name)?;
        fs::rename(path, &dest).map_err(RecordError::io("move to quarantine", path))?;
        sync_dir(parent_dir(path))?;
        sync_dir(&self.dir.join("quarantine"))?;
        self.problems.push(Problem::new(
            ProblemKind::Quarantined,
            name,
            format!("{why}; moved to {}", dest.display()),
        ));
        Ok(())
    }

    /// The RFC 6962 root of the log as it stands.
    pub fn root(&self) -> merkle::Hash {
        let leaves: Vec<merkle::Hash> = self.entries.iter().map(|e| merkle::leaf_hash(&e.bytes)).collect();
        merkle::root_from_leaves(&leaves)
    }

    /// The checkpoints exported from this directory before, oldest first: (text, signature).
    pub fn earlier_checkpoints(&self) -> Result<Vec<SignedText>, RecordError> {
        let dir = self.dir.join("checkpoints");
        let mut names: Vec<String> = Vec::new();
        for item in fs::read_dir(&dir).map_err(RecordError::io("list", &dir))? {
            let name =
                item.map_err(RecordError::io("list", &dir))?.file_name().to_string_lossy().into_owned();
            if name.len() == 6 && name.bytes().all(|b| b.is_ascii_digit()) {
                names.push(name);
            }
        }
        names.sort();
        let mut out = Vec::with_capacity(names.len());
        for n in names {
            let text_path = dir.join(&n);
            let sig_path = dir.join(format!("{n}.sig"));
            let text = fs::read(&text_path).map_err(RecordError::io("read", &text_path))?;
            let sig = fs::read(&sig_path).unwrap_or_default();
            out.push((text, sig));
        }
        Ok(out)
    }

    /// Checks the log against every checkpoint exported from this directory before, then records `cp`
    /// with its signature.
    pub fn record_checkpoint(&mut self, cp: &Checkpoint, sig: &[u8]) -> Result<(), RecordError> {
        let leaves: Vec<merkle::Hash> = self.entries.iter().map(|e| merkle::leaf_hash(&e.bytes)).collect();
        let earlier = self.earlier_checkpoints()?;
        for (i, (text, _)) in earlier.iter().enumerate() {
            let old = Checkpoint::parse(text)?;
            if !merkle::is_consistent(old.size, &old.root, &leaves) {
                return Err(RecordError::Usage(format!(
                    "the log is not consistent with the checkpoint exported earlier (checkpoints/{:06}): its first {} entries changed",
                    i + 1,
                    old.size
                )));
            }
        }
        let dir = self.dir.join("checkpoints");
        let n = earlier.len() + 1;
        write_atomic(&dir.join(format!("{n:06}.sig")), sig)?;
        write_atomic(&dir.join(format!("{n:06}")), cp.to_text().as_bytes())
    }

    /// Merges verified entries and people from a bundle. Nothing is written unless every new entry chains
    /// onto this log; a fork (two different entries with the same author and seq) is refused, naming it.
    pub fn import(
        &mut self,
        people: &AllowedSigners,
        entries: &[Verified],
    ) -> Result<ImportReport, RecordError> {
        let mut report = ImportReport::default();
        let mut merged = self.people.clone();
        for p in &people.people {
            if let Some(other) =
                merged.by_fingerprint(&p.fingerprint).find(|o| o.principal != p.principal || o.role != p.role)
            {
                return Err(RecordError::Import(format!(
                    "key {} is {} ({}) here but {} ({}) in the bundle",
                    p.fingerprint, other.principal, other.role, p.principal, p.role
                )));
            }
            // One principal, one role, whatever the caller planned.
            if let Some(role) = merged.role_of(&p.principal)
                && role != p.role
            {
                return Err(RecordError::Import(format!(
                    "{} is {} here, and the bundle gives its key {} the role {}: one principal has one role",
                    crate::principal::annotated(&p.principal),
                    role_word(role),
                    p.fingerprint,
                    role_word(&p.role)
                )));
            }
            if merged.add(p.clone()) {
                report.people_added.push(p.principal.clone());
            }
        }
        let known: std::collections::HashSet<&str> = self.entries.iter().map(|e| e.id.as_str()).collect();
        let mut fresh: Vec<Verified> = Vec::new();
        for e in entries {
            if known.contains(e.id.as_str()) {
                report.already_present += 1;
            } else {
                fresh.push(e.clone());
            }
        }
        // This review's entries were verified when it was opened, under the lock held since: they seed the
        // chain as they are. Each new entry is checked on its own (one signature verification each, against
        // the merged people) and then against the chain, and may not be dated more than the clocks' skew
        // after this machine's clock: an entry from the future would make every answer to it backdated.
        let mut chain = Chain::default();
        for e in &self.entries {
            chain
                .push(&e.entry, &e.id)
                .map_err(|m| RecordError::Import(format!("{m} (in this review: {})", e.name)))?;
        }
        chain.bound(crate::verify::NotAfter::this_clock());
        let raws: Vec<RawEntry> = fresh
            .iter()
            .map(|e| RawEntry { name: e.name.clone(), bytes: e.bytes.clone(), sig: Some(e.sig.clone()) })
            .collect();
        let singles: Vec<Single> = raws
            .par_chunks(64)
            .flat_map_iter(|c| check_chunk(c, &merged, &self.snapshot, SigCheck::Each, None))
            .collect();
        for (r, single) in raws.iter().zip(singles) {
            if let Err(m) = single.and_then(|(entry, id)| chain.push(&entry, &id)) {
                return Err(RecordError::Import(format!("{m} (in the bundle: {})", r.name)));
            }
        }
        if merged.people.len() != self.people.people.len() {
            write_atomic(&self.dir.join("allowed_signers"), merged.render()?.as_bytes())?;
            self.people = merged;
        }
        report.added = fresh.iter().map(|e| e.id.clone()).collect();
        self.write_entries(fresh)?;
        // A retirement the bundle brought binds its key here too (the bundle's allowed_signers is the
        // exporter's word, and a line already here is not replaced by the bundle's).
        self.bind_retirements()?;
        Ok(report)
    }
}

/// Entries per segment: small enough that rewriting the last segment on each append stays cheap (about
/// 300 kB), large enough that loading a big review opens few files.
const SEGMENT_ENTRIES: usize = 256;

fn encode_segment(entries: &[Verified]) -> Vec<u8> {
    use base64::Engine;
    let mut out = Vec::with_capacity(entries.len() * 1200);
    for v in entries {
        out.extend_from_slice(&v.bytes);
        out.push(b'\t');
        out.extend_from_slice(base64::engine::general_purpose::STANDARD.encode(&v.sig).as_bytes());
        out.push(b'\n');
    }
    out
}

/// A segment as read at load: its records that could be split, each with the checks it passed on its own
/// (or why it failed them), and the records that could not.
struct ReadSegment {
    entries: Vec<(RawEntry, Single)>,
    unreadable: Vec<Problem>,
}

/// Reads segment `seg` with one read and checks each of its entries on its own, the segment's signatures as
/// one batch.
fn read_segment(
    dir: &Path,
    seg: u64,
    people: &AllowedSigners,
    snapshot: &str,
    known: &KnownSignatures,
) -> Result<ReadSegment, RecordError> {
    let path = dir.join(format!("{seg:06}.seg"));
    let bytes = fs::read(&path).map_err(RecordError::io("read", &path))?;
    let mut raws: Vec<RawEntry> = Vec::new();
    let mut unreadable = Vec::new();
    for (i, rec) in decode_segment(&bytes).into_iter().enumerate() {
        let name = format!("log/{seg:06}.seg:{}", i + 1);
        match rec {
            Ok((entry, sig)) => raws.push(RawEntry { name, bytes: entry, sig: Some(sig) }),
            Err(m) => unreadable.push(Problem::new(ProblemKind::Unreadable, name, m)),
        }
    }
    let singles = check_chunk(&raws, people, snapshot, SigCheck::Batch, Some(known));
    Ok(ReadSegment { entries: raws.into_iter().zip(singles).collect(), unreadable })
}

/// A signed text: its bytes and its armored signature.
pub type SignedText = (Vec<u8>, Vec<u8>);

/// One record of a segment: the entry bytes and its armored signature.
type SegmentRecord = (Vec<u8>, Vec<u8>);

/// Splits a segment into (entry bytes, signature) records; a record that cannot be split is an error
/// naming what is wrong with it, and does not stop the others from being read.
fn decode_segment(bytes: &[u8]) -> Vec<Result<SegmentRecord, String>> {
    use base64::Engine;
    let mut out = Vec::new();
    let body = match bytes.strip_suffix(b"\n") {
        Some(b) => b,
        None if bytes.is_empty() => return out,
        None => bytes,
    };
    let complete = bytes.ends_with(b"\n");
    let lines: Vec<&[u8]> = body.split(|&b| b == b'\n').collect();
    let last = lines.len().saturating_sub(1);
    for (i, line) in lines.into_iter().enumerate() {
        if i == last && !complete {
            out.push(Err("truncated record (no end of line)".to_owned()));
            continue;
        }
        let Some(tab) = line.iter().position(|&b| b == b'\t') else {
            out.push(Err("record without a signature".to_owned()));
            continue;
        };
        let (entry, sig) = line.split_at(tab);
        match base64::engine::general_purpose::STANDARD.decode(sig.get(1..).unwrap_or_default()) {
            Ok(sig) => out.push(Ok((entry.to_vec(), sig))),
            Err(_) => out.push(Err("signature is not base64".to_owned())),
        }
    }
    out
}

/// Why an entry cannot be signed now: the chain check a load would run refused it (`why`).
fn unsignable(why: &crate::verify::EntryProblem, now: OffsetDateTime) -> String {
    use crate::verify::EntryProblem;
    match why {
        EntryProblem::Backdated { what, earlier, earlier_time, .. } => {
            let which = if *what == "the entry it answers" {
                "the entry you answer"
            } else {
                "your key's previous entry"
            };
            format!(
                "nothing signed: {which} ({}) is dated {earlier_time}, in the future: more than a day after this machine's clock ({}). An entry signed now would be dated before it, and set aside as backdated the next time the review is opened. Check this machine's clock; if it is right, {which} was dated ahead by its signer's clock, and can be answered from the day before its date",
                earlier.get(..12).unwrap_or(earlier),
                format_time(now)
            )
        }
        other => format!("nothing signed: the log would not accept this entry: {other}"),
    }
}

/// A role word as a message shows it: `(none)` for a line without `role=`.
pub(crate) fn role_word(role: &str) -> &str {
    if role.is_empty() { "(none)" } else { role }
}

/// Writes `bytes` to `path` atomically: temporary file, sync, rename, directory sync.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), RecordError> {
    vitrine_base::fs::write_atomic(path, bytes).map_err(write_error)
}

/// Where a file is written before it is renamed to `path`: beside it, so the rename stays in one file
/// system, and with a `.tmp-` prefix that a load recognises as the trace of an interrupted write.
pub fn temp_path(path: &Path) -> PathBuf {
    vitrine_base::fs::temp_path(path)
}

/// Renames a synced temporary file into place and syncs the directory.
pub fn rename_synced(tmp: &Path, path: &Path) -> Result<(), RecordError> {
    fs::rename(tmp, path).map_err(RecordError::io("move into place", path))?;
    sync_dir(parent_dir(path))
}

/// Temporary file + sync + rename (the caller syncs the directory once for a batch).
fn write_file_synced(path: &Path, bytes: &[u8]) -> Result<(), RecordError> {
    vitrine_base::fs::replace_synced(path, bytes).map_err(write_error)
}

fn parent_dir(path: &Path) -> &Path {
    vitrine_base::fs::parent_dir(path)
}

fn sync_dir(dir: &Path) -> Result<(), RecordError> {
    vitrine_base::fs::sync_dir(dir).map_err(write_error)
}

fn write_error(e: vitrine_base::fs::WriteError) -> RecordError {
    RecordError::Io { op: e.op, path: e.path, source: e.source }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::allowed::person;
    use crate::entry::{Kind, Status, Target, blob_id, quote_lines};

    fn setup() -> (tempfile::TempDir, Signer, String) {
        let tmp = tempfile::tempdir().unwrap();
        let s = Signer::generate("t").unwrap();
        let snap = "ef".repeat(32);
        let mut r = Review::open(tmp.path(), &snap).unwrap();
        r.add_person(person("t@x", "reviewer", &s.public_openssh().unwrap()).unwrap()).unwrap();
        (tmp, s, snap)
    }

    fn note(i: u64) -> Draft {
        let c = b"a\nb\n";
        let mut d = Draft::new(Kind::Annotation);
        d.target = Some(Target {
            path: "f".into(),
            path_bytes: None,
            blob: blob_id(c),
            lines: Some([1, 2]),
            quote: quote_lines(c, 1, 2),
        });
        d.class = Some(Class::Note);
        d.severity = Some(Severity::Info);
        d.body = Some(format!("n{i}"));
        d
    }

    fn write_three(tmp: &tempfile::TempDir, s: &Signer, snap: &str) -> Vec<String> {
        let mut r = Review::open(tmp.path(), snap).unwrap();
        (0..3).map(|i| r.append(s, note(i), OffsetDateTime::now_utc()).unwrap().id.clone()).collect()
    }

    #[test]
    fn reopening_with_known_signatures_still_checks_everything_but_their_arithmetic() {
        let (tmp, s, snap) = setup();
        let ids = write_three(&tmp, &s, &snap);
        let first = Review::open(tmp.path(), &snap).unwrap();
        let known = KnownSignatures::of(first.entries());
        assert_eq!(known.len(), 3);
        drop(first);
        // Unchanged: the same entries.
        let r = Review::open_knowing(tmp.path(), &snap, &known).unwrap();
        let got: Vec<&str> = r.entries().iter().map(|e| e.id.as_str()).collect();
        assert_eq!((got, r.problems().len()), (ids.iter().map(String::as_str).collect(), 0));
        drop(r);
        // A changed entry is not known any more: its signature is checked, and fails.
        edit_record(&tmp, 2, |l| l.replace("\"n1\"", "\"n8\""));
        let r = Review::open_knowing(tmp.path(), &snap, &known).unwrap();
        assert_eq!(r.entries().len(), 1);
        assert!(r.problems()[0].message.contains("signature does not verify"), "{}", r.problems()[0]);
        drop(r);
        // The signer's checks run for known entries too: a signer no longer allowed is refused.
        std::fs::write(tmp.path().join("allowed_signers"), "").unwrap();
        let r = Review::open_knowing(tmp.path(), &snap, &known).unwrap();
        assert!(r.entries().is_empty());
        assert!(r.problems()[0].message.contains("not in allowed_signers"), "{}", r.problems()[0]);
    }

    #[test]
    fn a_known_signature_decides_the_check_so_the_set_must_come_from_verified_entries() {
        // What makes reopening cheap is also why `KnownSignatures` is built only in memory from entries
        // the process verified: an entry listed as known is not checked against its signature.
        let (tmp, s, snap) = setup();
        write_three(&tmp, &s, &snap);
        edit_record(&tmp, 3, |l| l.replace("\"n2\"", "\"n7\""));
        let line = std::fs::read_to_string(tmp.path().join("log/000001.seg")).unwrap();
        let (bytes, sig) = line.lines().nth(2).unwrap().split_once('\t').unwrap();
        let sig = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, sig).unwrap();
        let entry = crate::entry::Entry::from_bytes(bytes.as_bytes()).unwrap();
        let forged = Verified { name: String::new(), id: String::new(), bytes: bytes.into(), sig, entry };
        let r = Review::open_knowing(tmp.path(), &snap, &KnownSignatures::of(&[forged])).unwrap();
        assert_eq!(r.entries().len(), 3, "the listed entry's signature was not checked");
        drop(r);
        let r = Review::open(tmp.path(), &snap).unwrap();
        assert_eq!(r.entries().len(), 2, "without it, the edit is caught");
    }

    /// A retirement bounds the retired key in `allowed_signers` (valid-before, at the retirement's time),
    /// never before an entry of that key already in the log (one dated, within the clocks' skew, after
    /// the retirement): reopening keeps every entry, and the key signs nothing more.
    #[test]
    fn a_retirement_bounds_the_key_but_never_before_an_entry_already_in_the_log() {
        let (tmp, rev, snap) = setup();
        let ven = Signer::generate("v").unwrap();
        let now = OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
        let mut r = Review::open(tmp.path(), &snap).unwrap();
        r.add_person(person("v@x", "vendor", &ven.public_openssh().unwrap()).unwrap()).unwrap();
        r.add_person(
            person("w@x", "vendor", &Signer::generate("w").unwrap().public_openssh().unwrap()).unwrap(),
        )
        .unwrap();
        // The vendor's clock is an hour ahead: its note is dated after the retirement that follows.
        let late = now + time::Duration::hours(1);
        r.append(&ven, note(1), late).unwrap();
        let retire = |who: &str| {
            let mut d = Draft::new(Kind::Retire);
            d.body = Some(
                crate::people::PersonChange { principal: who.into(), to: None, reason: String::new() }
                    .to_body()
                    .unwrap(),
            );
            d
        };
        r.append(&rev, retire("v@x"), now).unwrap();
        r.append(&rev, retire("w@x"), now).unwrap();
        let bound = |r: &Review, who: &str| {
            r.people().people.iter().find(|p| p.principal == who).unwrap().valid_before
        };
        assert_eq!(bound(&r, "v@x"), Some(late), "not before the entry already in the log");
        assert_eq!(bound(&r, "w@x"), Some(now), "the retirement's time");
        assert_eq!(bound(&r, "t@x"), None);
        let text = std::fs::read_to_string(tmp.path().join("allowed_signers")).unwrap();
        assert!(
            text.contains(&format!("valid-before=\"{}\"", crate::allowed::format_ssh_time(now))),
            "{text}"
        );
        drop(r);
        let r = Review::open(tmp.path(), &snap).unwrap();
        assert_eq!((r.entries().len(), r.problems().len()), (3, 0), "{:?}", r.problems());
        assert_eq!(bound(&r, "w@x"), Some(now));
    }

    /// A store whose `allowed_signers` already lists one principal with two roles (written by an import
    /// before that was refused) says so every time it is opened, as `verify` and `import` do.
    #[test]
    fn a_store_listing_one_principal_with_two_roles_says_so_when_opened() {
        let (tmp, s, snap) = setup();
        let second = Signer::generate("t2").unwrap();
        let mut people = Review::open(tmp.path(), &snap).unwrap().people().clone();
        people.people.push(person("t@x", "lead", &second.public_openssh().unwrap()).unwrap());
        std::fs::write(tmp.path().join("allowed_signers"), people.render().unwrap()).unwrap();
        let r = Review::open(tmp.path(), &snap).unwrap();
        let said: Vec<String> = r.problems().iter().map(ToString::to_string).collect();
        assert!(
            said.iter().any(|p| p.contains("t@x") && p.contains("one principal has one role")),
            "{said:?}"
        );
        drop(s);
    }

    #[test]
    fn entries_survive_reopening_and_chain() {
        let (tmp, s, snap) = setup();
        let ids = write_three(&tmp, &s, &snap);
        let r = Review::open(tmp.path(), &snap).unwrap();
        assert!(r.problems().is_empty());
        let got: Vec<&str> = r.entries().iter().map(|e| e.id.as_str()).collect();
        assert_eq!(got, ids);
        assert_eq!(r.entries()[2].entry.prev.as_deref(), Some(ids[1].as_str()));
        assert_eq!(r.entries()[2].entry.seq, 3);
    }

    /// Rewrites line `n` (1-based) of the first segment with `f`.
    fn edit_record(tmp: &tempfile::TempDir, n: usize, f: impl Fn(String) -> String) {
        let p = tmp.path().join("log/000001.seg");
        let text = std::fs::read_to_string(&p).unwrap();
        let lines: Vec<String> = text
            .lines()
            .enumerate()
            .map(|(i, l)| if i + 1 == n { f(l.to_owned()) } else { l.to_owned() })
            .collect();
        std::fs::write(&p, lines.join("\n") + "\n").unwrap();
    }

    #[test]
    fn a_tampered_entry_is_set_aside_with_its_successors_and_reported() {
        let (tmp, s, snap) = setup();
        let ids = write_three(&tmp, &s, &snap);
        let original = std::fs::read(tmp.path().join("log/000001.seg")).unwrap();
        edit_record(&tmp, 2, |l| l.replace("\"n1\"", "\"n9\""));
        let r = Review::open(tmp.path(), &snap).unwrap();
        let got: Vec<&str> = r.entries().iter().map(|e| e.id.as_str()).collect();
        assert_eq!(got, [ids[0].as_str()]);
        let subjects: Vec<&str> = r.problems().iter().map(|p| p.subject.as_str()).collect();
        assert_eq!(subjects, ["log/000001.seg:2", "log/000001.seg:3"]);
        assert!(r.problems()[0].message.contains("signature does not verify"), "{}", r.problems()[0]);
        assert!(r.problems()[1].message.contains("entries missing"), "{}", r.problems()[1]);
        // The segment as found is kept; the log on disk now holds only what verified.
        let kept: Vec<_> =
            std::fs::read_dir(tmp.path().join("quarantine")).unwrap().map(|e| e.unwrap().path()).collect();
        assert_eq!(kept.len(), 1);
        assert_ne!(std::fs::read(&kept[0]).unwrap(), original);
        assert_eq!(std::fs::read_to_string(tmp.path().join("log/000001.seg")).unwrap().lines().count(), 1);
        drop(r);
        let mut r = Review::open(tmp.path(), &snap).unwrap();
        assert!(r.problems().is_empty());
        let v = r.append(&s, note(7), OffsetDateTime::now_utc()).unwrap();
        assert_eq!((v.entry.seq, v.entry.prev.as_deref()), (2, Some(ids[0].as_str())));
    }

    #[test]
    fn torn_or_damaged_records_are_set_aside_never_trusted() {
        let (tmp, s, snap) = setup();
        write_three(&tmp, &s, &snap);
        std::fs::write(tmp.path().join("log/.tmp-000001.seg-99"), b"{\"v\":1,").unwrap();
        edit_record(&tmp, 2, |l| l.replace('\t', " "));
        let p = tmp.path().join("log/000001.seg");
        let b = std::fs::read(&p).unwrap();
        std::fs::write(&p, &b[..b.len() - 20]).unwrap();
        let r = Review::open(tmp.path(), &snap).unwrap();
        assert_eq!(r.entries().len(), 1);
        let msgs: Vec<String> = r.problems().iter().map(ToString::to_string).collect();
        assert!(msgs[0].starts_with("log/.tmp-000001.seg-99: leftover of an interrupted write"), "{msgs:?}");
        assert!(msgs[1].starts_with("log/000001.seg:2: record without a signature"), "{msgs:?}");
        assert!(msgs[2].starts_with("log/000001.seg:3: truncated record"), "{msgs:?}");
    }

    #[test]
    fn segments_fill_and_roll_over() {
        let (tmp, s, snap) = setup();
        let mut r = Review::open(tmp.path(), &snap).unwrap();
        r.append_many(&s, (0..SEGMENT_ENTRIES as u64 + 5).map(note).collect(), OffsetDateTime::now_utc())
            .unwrap();
        r.append(&s, note(9999), OffsetDateTime::now_utc()).unwrap();
        drop(r);
        let r = Review::open(tmp.path(), &snap).unwrap();
        assert!(r.problems().is_empty());
        assert_eq!(r.entries().len(), SEGMENT_ENTRIES + 6);
        let count =
            |n: &str| std::fs::read_to_string(tmp.path().join("log").join(n)).unwrap().lines().count();
        assert_eq!((count("000001.seg"), count("000002.seg")), (SEGMENT_ENTRIES, 6));
    }

    #[test]
    fn a_bad_signature_among_full_segments_of_two_signers_is_named_exactly() {
        let (tmp, s, snap) = setup();
        let b = Signer::generate("b").unwrap();
        let mut r = Review::open(tmp.path(), &snap).unwrap();
        r.add_person(person("b@x", "vendor", &b.public_openssh().unwrap()).unwrap()).unwrap();
        // Two signers taking turns, ten entries each, over two full segments and a bit.
        let turn = |i: usize| (i / 10) % 2;
        let n = 2 * SEGMENT_ENTRIES + 3;
        for start in (0..n).step_by(10) {
            let signer = if turn(start) == 0 { &s } else { &b };
            let drafts = (start..(start + 10).min(n)).map(|i| note(i as u64)).collect();
            r.append_many(signer, drafts, OffsetDateTime::now_utc()).unwrap();
        }
        let ids: Vec<String> = r.entries().iter().map(|e| e.id.clone()).collect();
        drop(r);
        // Record 11 of the second segment (by the first signer) gets the valid signature of record 13, by the
        // same key over other bytes: everything but the signature equation holds.
        let p = tmp.path().join("log/000002.seg");
        let text = std::fs::read_to_string(&p).unwrap();
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        let sig13 = lines[12].split_once('\t').unwrap().1.to_owned();
        let entry11 = lines[10].split_once('\t').unwrap().0.to_owned();
        lines[10] = format!("{entry11}\t{sig13}");
        std::fs::write(&p, lines.join("\n") + "\n").unwrap();
        let r = Review::open(tmp.path(), &snap).unwrap();
        let bad = SEGMENT_ENTRIES + 10;
        assert_eq!(r.problems()[0].subject, "log/000002.seg:11");
        assert!(r.problems()[0].message.contains("signature does not verify"), "{}", r.problems()[0]);
        // The first signer's later entries no longer chain and are set aside too, each named; every entry
        // of the other signer, and everything before, stays.
        let expected: Vec<&str> = ids
            .iter()
            .enumerate()
            .filter(|(i, _)| *i < bad || turn(*i) == 1)
            .map(|(_, id)| id.as_str())
            .collect();
        let got: Vec<&str> = r.entries().iter().map(|e| e.id.as_str()).collect();
        assert_eq!(got, expected);
        assert_eq!(r.problems().len(), ids.len() - expected.len());
        assert!(r.problems()[1..].iter().all(|p| p.message.contains("seq")), "{:?}", r.problems());
    }

    #[test]
    fn every_export_must_extend_the_checkpoints_exported_before() {
        let (tmp, s, snap) = setup();
        write_three(&tmp, &s, &snap);
        let cp = |r: &Review| Checkpoint {
            origin: "o".into(),
            size: r.entries().len() as u64,
            root: r.root(),
            extensions: Vec::new(),
        };
        let mut r = Review::open(tmp.path(), &snap).unwrap();
        r.record_checkpoint(&cp(&r), b"sig").unwrap();
        r.append(&s, note(3), OffsetDateTime::now_utc()).unwrap();
        r.record_checkpoint(&cp(&r), b"sig").unwrap();
        assert_eq!(r.earlier_checkpoints().unwrap().len(), 2);
        drop(r);
        // The second entry is damaged on disk: the log that remains no longer starts with what was signed.
        edit_record(&tmp, 2, |l| l.replace("\"n1\"", "\"n8\""));
        let mut r = Review::open(tmp.path(), &snap).unwrap();
        let err = r.record_checkpoint(&cp(&r), b"sig").unwrap_err();
        assert!(err.to_string().contains("not consistent with the checkpoint exported earlier"), "{err}");
    }

    /// The vendor's review with the reviewer `t@x` (key `s`) and the vendor `v@x`; returns the vendor's key.
    fn with_vendor(tmp: &tempfile::TempDir, snap: &str) -> Signer {
        let v = Signer::generate("v").unwrap();
        let mut r = Review::open(tmp.path(), snap).unwrap();
        r.add_person(person("v@x", "vendor", &v.public_openssh().unwrap()).unwrap()).unwrap();
        v
    }

    fn reply_to(parent: &str, status: Option<Status>) -> Draft {
        let mut d = Draft::new(if status.is_some() { Kind::Status } else { Kind::Reply });
        d.parent = Some(parent.to_owned());
        d.body = Some("not fixed".into());
        d.status = status;
        d
    }

    /// A status is the change last in the order of signed data. When the change deciding a thread is
    /// dated now or later (its signer's clock hours ahead, or the same second), a change signed now answers
    /// it, so it takes effect after it: the reviewer's reopen of a finding the vendor marked fixed from a
    /// clock two hours ahead reopens it, and keeps it open at the next load, in any log order.
    #[test]
    fn a_status_change_answers_a_deciding_change_dated_now_or_later() {
        let (tmp, s, snap) = setup();
        let v = with_vendor(&tmp, &snap);
        let now = OffsetDateTime::now_utc();
        let mut r = Review::open(tmp.path(), &snap).unwrap();
        let finding = r.append(&s, note(1), now).unwrap().id.clone();
        let fixed = r
            .append(&v, reply_to(&finding, Some(Status::Fixed)), now + time::Duration::hours(2))
            .unwrap()
            .id
            .clone();
        let mut d = Draft::new(Kind::Status);
        d.parent = Some(finding.clone());
        d.status = Some(Status::Open);
        let reopen = r.append(&s, d, now).unwrap();
        assert_eq!(reopen.entry.parent.as_deref(), Some(fixed.as_str()), "answers the vendor's change");
        drop(r);
        let r = Review::open(tmp.path(), &snap).unwrap();
        assert!(r.problems().is_empty(), "{:?}", r.problems());
        // No log lists the reopen before the fixed it answers (a verifier refuses it): no exporter can
        // put the fixed last.
        assert_eq!(crate::thread::threads(r.entries())[0].status, Status::Open);
        drop(r);
        // A change dated before now decides nothing of the kind: the next change names what it was given.
        let mut d = Draft::new(Kind::Status);
        d.parent = Some(finding.clone());
        d.status = Some(Status::Closed);
        let mut r = Review::open(tmp.path(), &snap).unwrap();
        let closed = r.append(&s, d, now + time::Duration::hours(3)).unwrap();
        assert_eq!(closed.entry.parent.as_deref(), Some(finding.as_str()));
    }

    /// An entry dated in the future (its signer's clock months ahead) cannot be answered now without the
    /// answer being set aside as backdated at the next load: the answer is refused before it is signed,
    /// saying why, and nothing already saved changes. Within the clocks' skew, the answer is signed.
    #[test]
    fn an_answer_the_load_would_set_aside_is_never_signed() {
        let (tmp, s, snap) = setup();
        let v = with_vendor(&tmp, &snap);
        let now = OffsetDateTime::now_utc();
        let mut r = Review::open(tmp.path(), &snap).unwrap();
        let finding = r.append(&s, note(1), now).unwrap().id.clone();
        let ahead = now + time::Duration::days(200);
        let fixed = r.append(&v, reply_to(&finding, Some(Status::Fixed)), ahead).unwrap().id.clone();
        drop(r);
        let mut r = Review::open(tmp.path(), &snap).unwrap();
        let before: Vec<String> = r.entries().iter().map(|e| e.id.clone()).collect();
        let err = r.append(&s, reply_to(&fixed, Some(Status::Open)), now).unwrap_err().to_string();
        assert!(
            err.contains("nothing signed: the entry you answer")
                && err.contains(&format_time(ahead))
                && err.contains("in the future"),
            "{err}"
        );
        // The vendor's own next entry, from a clock that is right again: its key's previous entry is ahead.
        let err = r.append(&v, note(2), now).unwrap_err().to_string();
        assert!(err.contains("your key's previous entry"), "{err}");
        drop(r);
        let r = Review::open(tmp.path(), &snap).unwrap();
        let after: Vec<String> = r.entries().iter().map(|e| e.id.clone()).collect();
        assert_eq!((after, r.problems().len()), (before.clone(), 0), "{:?}", r.problems());
        drop(r);
        // Twelve hours ahead is within the clocks' skew: answered, and kept at the next load.
        let mut r = Review::open(tmp.path(), &snap).unwrap();
        let near = Signer::generate("w").unwrap();
        r.add_person(person("w@x", "vendor", &near.public_openssh().unwrap()).unwrap()).unwrap();
        let w =
            r.append(&near, reply_to(&finding, None), now + time::Duration::hours(12)).unwrap().id.clone();
        r.append(&s, reply_to(&w, None), now).unwrap();
        drop(r);
        let r = Review::open(tmp.path(), &snap).unwrap();
        assert_eq!((r.entries().len(), r.problems().len()), (before.len() + 2, 0), "{:?}", r.problems());
    }

    /// An import brings no entry dated more than the clocks' skew after this machine's clock: the whole
    /// import is refused, naming the entry, its time and the bound, and nothing is written.
    #[test]
    fn an_import_refuses_an_entry_from_the_future() {
        let (tmp, s, snap) = setup();
        let v = with_vendor(&tmp, &snap);
        let now = OffsetDateTime::now_utc();
        let mut theirs = Review::open(tmp.path(), &snap).unwrap();
        let finding = theirs.append(&s, note(1), now).unwrap().id.clone();
        let ahead = now + time::Duration::days(200);
        theirs.append(&v, reply_to(&finding, Some(Status::Fixed)), ahead).unwrap();
        let ours_dir = tempfile::tempdir().unwrap();
        let mut ours = Review::open(ours_dir.path(), &snap).unwrap();
        let err = ours.import(theirs.people(), theirs.entries()).unwrap_err().to_string();
        assert!(
            err.contains(&format!(
                "dated {}, more than a day after this machine's clock",
                format_time(ahead)
            )),
            "{err}"
        );
        assert!(ours.entries().is_empty());
        drop(ours);
        assert!(Review::open(ours_dir.path(), &snap).unwrap().entries().is_empty());
    }

    #[test]
    fn a_second_opener_waits_for_the_lock() {
        let (tmp, _s, snap) = setup();
        let r = Review::open(tmp.path(), &snap).unwrap();
        let lock = File::options().write(true).open(tmp.path().join("lock")).unwrap();
        assert!(matches!(lock.try_lock(), Err(std::fs::TryLockError::WouldBlock)));
        drop(r);
        assert!(lock.try_lock().is_ok());
    }

    #[test]
    fn a_review_belongs_to_one_snapshot_and_refuses_keys_out_of_validity() {
        let (tmp, s, _snap) = setup();
        assert!(Review::open(tmp.path(), &"00".repeat(32)).is_err());
        let tmp2 = tempfile::tempdir().unwrap();
        let mut r = Review::open(tmp2.path(), &"11".repeat(32)).unwrap();
        let mut p = person("t@x", "reviewer", &s.public_openssh().unwrap()).unwrap();
        p.valid_before = Some(OffsetDateTime::from_unix_timestamp(1_600_000_000).unwrap());
        r.add_person(p).unwrap();
        let err = r.append(&s, note(1), OffsetDateTime::now_utc()).unwrap_err();
        assert!(err.to_string().contains("may not sign"), "{err}");
    }
}

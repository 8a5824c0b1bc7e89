//! The review in the window: who is signed in, the composer of a new annotation (autosaved, so a crash
//! loses nothing typed), and the verified entries of the review, grouped in threads.
//!
//! The review directory is opened (locked and re-verified) for each write and closed again, so the
//! command line can work on the same review while the window is open; the window keeps a verified copy
//! of the entries for display.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::state::errors::error_chain;
use serde::{Deserialize, Serialize};
use vitrine_record::entry::{Target, quote_lines};
use vitrine_record::{Class, Draft, Kind, Problem, Review, Severity, Signer, Status, Verified};
use vitrine_snapshot::{Sha256Id, Snapshot};

/// The signed-in reviewer or vendor engineer.
#[derive(Debug, Clone)]
pub struct Identity {
    pub signer: Arc<Signer>,
    pub principal: String,
    pub role: String,
}

/// A new annotation being written. Saved to disk on every change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Composer {
    /// File path relative to the snapshot root.
    pub path: String,
    /// First and last line, 1-based, inclusive.
    pub first: u64,
    pub last: u64,
    pub class: Class,
    pub severity: Severity,
    pub category: String,
    pub body: String,
    /// The SHA-256 tree id of the version before, when the lines are its lines (annotated from the
    /// old side of a comparison): the annotation goes to that version's review and is carried over.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<Sha256Id>,
}

/// Why a review action in the window did not happen. The window shows its Display; a program (or a
/// test) can match the kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReviewProblem {
    /// The review directory could not be opened and verified (the whole error chain).
    Open { dir: PathBuf, why: String },
    /// Sign-in without a key file.
    NoKeyFile,
    /// A key that is not among the review's people, with no principal and role to add it.
    UnknownKey { fingerprint: String },
    /// An action that signs, before anyone signed in.
    NotSignedIn,
    /// Submit with no annotation being composed.
    NothingToSubmit,
    /// Submit with an empty annotation.
    EmptyAnnotation,
    /// An answer with neither text nor a status.
    EmptyAnswer,
    /// The composer's or the mark's file is not in the snapshot.
    NoSuchFile { path: String },
    /// The composer's lines are outside its file.
    LinesOutside { first: u64, last: u64, path: String },
    /// A retraction by someone other than the thread's author.
    NotAuthor { author: String },
    /// An annotation of lines of a version before other than the one being compared.
    OtherVersionBefore,
    /// An annotation of the version before that the carry-over did not bring to this review.
    NotCarriedOver,
    /// An error of the key, the record or the snapshot below (its whole chain).
    Failed(String),
}

/// An anchor names a regular file, never a symbolic link ([`vitrine_record::bundle::ANCHOR_ON_LINK`]).
fn not_a_link(entry: &vitrine_snapshot::FileEntry) -> Result<(), ReviewProblem> {
    if matches!(entry.kind, vitrine_snapshot::EntryKind::File { .. }) {
        return Ok(());
    }
    Err(ReviewProblem::Failed(format!(
        "{} {}",
        vitrine_snapshot::path_display(entry.path.as_bytes()),
        vitrine_record::bundle::ANCHOR_ON_LINK
    )))
}

impl std::fmt::Display for ReviewProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReviewProblem::Open { dir, why } => {
                write!(f, "cannot open the review in {}: {why}", dir.display())
            }
            ReviewProblem::NoKeyFile => {
                f.write_str("Choose your private key file (for example ~/.ssh/id_ed25519) to sign in.")
            }
            ReviewProblem::UnknownKey { fingerprint } => write!(
                f,
                "key {fingerprint} is not among this review's people: give a principal and a role to add it"
            ),
            ReviewProblem::NotSignedIn => f.write_str("sign in first (menu: Sign in…)"),
            ReviewProblem::NothingToSubmit => f.write_str("nothing to submit"),
            ReviewProblem::EmptyAnnotation => f.write_str("write what the annotation says first"),
            ReviewProblem::EmptyAnswer => f.write_str("write a reply or choose a status"),
            ReviewProblem::NoSuchFile { path } => write!(f, "no file {path} in the snapshot"),
            ReviewProblem::LinesOutside { first, last, path } => {
                write!(f, "lines {first}-{last} are outside {path}")
            }
            ReviewProblem::NotAuthor { author } => write!(
                f,
                "only its author ({author}) can retract this annotation; answer it with a status instead"
            ),
            ReviewProblem::OtherVersionBefore => {
                f.write_str("this annotation is on another version before than the one compared: discard it")
            }
            ReviewProblem::NotCarriedOver => f.write_str("the annotation was not carried over"),
            ReviewProblem::Failed(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for ReviewProblem {}

/// The whole chain of an error below the review state, as a [`ReviewProblem::Failed`].
fn failed(e: &(dyn std::error::Error + 'static)) -> ReviewProblem {
    ReviewProblem::Failed(error_chain(e))
}

/// The sign-in form, without the passphrase (which travels only inside [`Passphrase`], once, when the
/// user signs in).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignInForm {
    pub key_path: String,
    /// For a key not yet among the review's people: who it is.
    pub principal: String,
    pub role: String,
}

/// A key's passphrase: wiped from memory when dropped, and never printed (`Debug` shows `<hidden>`;
/// there is no `Display`).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Passphrase(zeroize::Zeroizing<String>);

impl Passphrase {
    pub fn new(text: impl Into<String>) -> Passphrase {
        Passphrase(zeroize::Zeroizing::new(text.into()))
    }

    /// Moves the text out of `buffer` (a field being typed in) without copying it, leaving the buffer
    /// empty.
    pub fn take_from(buffer: &mut zeroize::Zeroizing<String>) -> Passphrase {
        Passphrase(zeroize::Zeroizing::new(std::mem::take(&mut **buffer)))
    }

    fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Passphrase(<hidden>)")
    }
}

/// A thread as positions in the log (see [`vitrine_record::thread::Thread`]).
#[derive(Debug, Clone)]
struct ThreadIndex {
    root: usize,
    follow_ups: Vec<usize>,
    status: vitrine_record::Status,
    decided_by: Option<usize>,
    retracted: bool,
}

#[derive(Debug, Default)]
pub struct ReviewState {
    dir: PathBuf,
    tree: String,
    draft_path: PathBuf,
    pub entries: Vec<Verified>,
    /// What was quarantined or failed to verify when the review was last loaded.
    pub problems: Vec<Problem>,
    pub identity: Option<Identity>,
    pub composer: Option<Composer>,
    pub sign_in: Option<SignInForm>,
    /// The thread shown expanded (its root entry id) and the reply being typed to it.
    pub selected: Option<String>,
    pub reply: String,
    /// Path -> blob ids marked reviewed (a mark counts only for the content it was made on).
    reviewed: std::collections::HashMap<String, Vec<String>>,
    /// Path -> number of live (not retracted) annotation threads.
    annotated: std::collections::HashMap<String, u32>,
    /// The threads of `entries` (as positions in it), and the threads of each path: computed when the
    /// log changes, so drawing a file's threads never walks the whole log.
    thread_index: Vec<ThreadIndex>,
    /// Signatures of `entries`, verified by this window: reopening for a write skips their arithmetic.
    known: vitrine_record::KnownSignatures,
    threads_of_path: std::collections::HashMap<String, Vec<usize>>,
    /// An export, import or verification running in the background, and the last one's outcome.
    job: Option<crossbeam_channel::Receiver<Result<crate::state::records::RecordOutcome, String>>>,
    pub outcome: Option<Result<crate::state::records::RecordOutcome, String>>,
    /// Principals with more than one key in this review: their entries are shown with the key.
    shared_principals: std::collections::HashSet<String>,
    /// An import waiting for the user to accept the people it brings (nothing merged yet).
    pub import: Option<crate::state::records::PlannedImport>,
    /// The review's people (one row per key), with who the log retired or renamed.
    pub people: Vec<PersonRow>,
}

/// One key of the review's people, as the Record tab lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRow {
    pub principal: String,
    pub role: String,
    pub fingerprint: String,
    /// "retired", or "renamed to NEW", when a signed entry of the log says so.
    pub state: Option<String>,
}

impl ReviewState {
    /// The review of the snapshot with SHA-256 tree id `tree`, kept in `dir`; a draft left by an
    /// earlier session (or a crash) in `draft_path` comes back into the composer.
    pub fn open(dir: PathBuf, tree: String, draft_path: PathBuf) -> (ReviewState, Option<ReviewProblem>) {
        let mut s = ReviewState { dir, tree, draft_path, ..ReviewState::default() };
        let error = s.reload().err();
        if let Ok(bytes) = std::fs::read(&s.draft_path) {
            s.composer = serde_json::from_slice(&bytes).ok();
        }
        (s, error)
    }

    /// Re-reads and re-verifies the review from disk.
    pub fn reload(&mut self) -> Result<(), ReviewProblem> {
        let review = self.lock()?;
        self.take(&review);
        Ok(())
    }

    /// Opens the review for one read or write: it re-verifies what is on disk, except the signature
    /// arithmetic of entries this window verified already and that are byte for byte unchanged.
    fn lock(&self) -> Result<Review, ReviewProblem> {
        Review::open_knowing(&self.dir, &self.tree, &self.known)
            .map_err(|e| ReviewProblem::Open { dir: self.dir.clone(), why: error_chain(&e) })
    }

    fn take(&mut self, review: &Review) {
        let mut keys: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        for p in &review.people().people {
            *keys.entry(p.principal.as_str()).or_default() += 1;
        }
        self.shared_principals =
            keys.into_iter().filter(|&(_, n)| n > 1).map(|(p, _)| p.to_owned()).collect();
        let retirements = review.retirements();
        self.people = review
            .people()
            .people
            .iter()
            .map(|p| PersonRow {
                principal: p.principal.clone(),
                role: p.role.clone(),
                fingerprint: p.fingerprint.clone(),
                state: retirements.retired.get(&p.principal).map(|r| match &r.to {
                    Some(to) => format!("renamed to {}", vitrine_record::principal::display(to)),
                    None => "retired".to_owned(),
                }),
            })
            .collect();
        self.entries = review.entries().to_vec();
        self.known = vitrine_record::KnownSignatures::of(&self.entries);
        self.problems = review.problems().to_vec();
        self.reviewed.clear();
        // Only the marks the policy counts: a review mark signed by the vendor (or any role but the
        // reviewing side's), or by a retired principal, says nothing of the review's coverage.
        for e in vitrine_record::policy::counted_review_marks(&self.entries) {
            if let Some(t) = &e.entry.target {
                // Keyed by the path's one-to-one text (as the tree shows it), from its exact bytes.
                self.reviewed.entry(t.shown()).or_default().push(t.blob.clone());
            }
        }
        self.annotated.clear();
        self.thread_index.clear();
        self.threads_of_path.clear();
        let position: std::collections::HashMap<&str, usize> =
            self.entries.iter().enumerate().map(|(i, e)| (e.id.as_str(), i)).collect();
        let at = |e: &Verified| position.get(e.id.as_str()).copied();
        for t in vitrine_record::thread::threads(&self.entries) {
            let Some(root) = at(t.root) else { continue };
            if let Some(target) = &t.root.entry.target {
                if !t.retracted {
                    *self.annotated.entry(target.shown()).or_default() += 1;
                }
                self.threads_of_path.entry(target.shown()).or_default().push(self.thread_index.len());
            }
            self.thread_index.push(ThreadIndex {
                root,
                follow_ups: t.follow_ups.iter().filter_map(|f| at(f)).collect(),
                status: t.status,
                decided_by: t.decided_by.and_then(&at),
                retracted: t.retracted,
            });
        }
    }

    /// Whether `path` has been marked reviewed for its content `blob` (hex SHA-256 blob id).
    pub fn is_reviewed(&self, path: &str, blob: &str) -> bool {
        self.reviewed.get(path).is_some_and(|b| b.iter().any(|x| x == blob))
    }

    /// Live annotation threads on `path`.
    pub fn annotations_on(&self, path: &str) -> u32 {
        self.annotated.get(path).copied().unwrap_or(0)
    }

    /// Unlocks a key and signs in as the person it belongs to (adding that person to the review's
    /// `allowed_signers` when a principal and role are given for a new key).
    pub fn sign_in(&mut self, form: &SignInForm, passphrase: &Passphrase) -> Result<(), ReviewProblem> {
        let key_path = form.key_path.trim();
        if key_path.is_empty() {
            return Err(ReviewProblem::NoKeyFile);
        }
        let path = Path::new(key_path);
        // The record crate asks for a plain String; it lives only as long as the key is decrypted.
        let signer = Signer::read(path, || Ok(passphrase.expose().to_owned())).map_err(|e| failed(&e))?;
        let mut review = self.lock()?;
        let known = review
            .people()
            .by_fingerprint(signer.fingerprint())
            .next()
            .map(|p| (p.principal.clone(), p.role.clone()));
        let (principal, role) = match known {
            Some(who) => who,
            None if !form.principal.trim().is_empty() && !form.role.trim().is_empty() => {
                let public = signer.public_openssh().map_err(|e| failed(&e))?;
                let person =
                    vitrine_record::allowed::person(form.principal.trim(), form.role.trim(), &public)
                        .map_err(|e| failed(&e))?;
                review.add_person(person).map_err(|e| failed(&e))?;
                (form.principal.trim().to_owned(), form.role.trim().to_owned())
            }
            None => {
                return Err(ReviewProblem::UnknownKey { fingerprint: signer.fingerprint().to_string() });
            }
        };
        self.take(&review);
        self.identity = Some(Identity { signer: Arc::new(signer), principal, role });
        Ok(())
    }

    /// Starts an export, import or verification on a background thread.
    pub fn start_record(&mut self, action: crate::state::records::RecordAction, snap: Arc<Snapshot>) {
        let (tx, rx) = crossbeam_channel::bounded(1);
        let dir = self.dir.clone();
        let signer = self.identity.as_ref().map(|i| i.signer.clone());
        let spawned = std::thread::Builder::new().name("record".into()).spawn(move || {
            let _ = tx.send(crate::state::records::run(action, &dir, &snap, signer));
        });
        match spawned {
            Ok(_) => {
                self.job = Some(rx);
                self.outcome = None;
            }
            Err(e) => self.outcome = Some(Err(error_chain(&e))),
        }
    }

    pub fn record_running(&self) -> bool {
        self.job.is_some()
    }

    /// Takes the outcome of a finished record job (reloading the review after an import).
    pub fn poll(&mut self) -> bool {
        let Some(rx) = &self.job else { return false };
        match rx.try_recv() {
            Ok(outcome) => {
                self.job = None;
                self.finish(outcome);
                true
            }
            Err(crossbeam_channel::TryRecvError::Empty) => false,
            Err(crossbeam_channel::TryRecvError::Disconnected) => {
                self.job = None;
                self.outcome = Some(Err("the record thread stopped".into()));
                true
            }
        }
    }

    /// An entry's author as shown: the principal (escaped when it is not what it looks like), and the
    /// key's fingerprint where two keys share the principal, so their entries can be told apart.
    pub fn author(&self, a: &vitrine_record::entry::Author) -> String {
        let shown = vitrine_record::principal::display(&a.principal);
        if self.shared_principals.contains(&a.principal) {
            format!("{shown} [{}]", a.fingerprint)
        } else {
            shown
        }
    }

    /// Keeps a finished job's outcome; an import plan that needs the user's word waits in `import`.
    fn finish(&mut self, outcome: Result<crate::state::records::RecordOutcome, String>) {
        self.import = outcome.as_ref().ok().and_then(|o| o.plan.clone());
        self.outcome = Some(outcome);
        let _ = self.reload();
    }

    /// Blocks until the record job is done (tests).
    pub fn wait_record(&mut self) {
        if let Some(rx) = self.job.take() {
            self.finish(rx.recv().unwrap_or_else(|_| Err("the record thread stopped".into())));
        }
    }

    pub fn sign_out(&mut self) {
        self.identity = None;
    }

    /// Opens the composer on lines `first..=last` (1-based) of `path`, unless a draft is already open.
    pub fn compose(&mut self, path: String, first: u64, last: u64) {
        if self.composer.is_none() {
            self.composer = Some(Composer {
                path,
                first,
                last,
                class: Class::Finding,
                severity: Severity::Medium,
                category: String::new(),
                body: String::new(),
                before: None,
            });
        }
        self.save_draft();
    }

    /// Replaces the composer's content and saves it (temp file, fsync, rename).
    pub fn edit(&mut self, c: Composer) {
        self.composer = Some(c);
        self.save_draft();
    }

    pub fn discard(&mut self) {
        self.composer = None;
        let _ = std::fs::remove_file(&self.draft_path);
    }

    fn save_draft(&self) {
        let Some(c) = &self.composer else { return };
        if let (Some(parent), Ok(bytes)) = (self.draft_path.parent(), serde_json::to_vec(c)) {
            let _ = std::fs::create_dir_all(parent);
            // Losing a draft is not fatal, but it is what this file exists to prevent: a failed save
            // is retried on the next keystroke.
            let _ = vitrine_record::store::write_atomic(&self.draft_path, &bytes);
        }
    }

    fn identity(&self) -> Result<Identity, ReviewProblem> {
        self.identity.clone().ok_or(ReviewProblem::NotSignedIn)
    }

    fn append(&mut self, draft: Draft) -> Result<String, ReviewProblem> {
        let who = self.identity()?;
        let mut review = self.lock()?;
        let id = review
            .append(&who.signer, draft, vitrine_record::time::OffsetDateTime::now_utc())
            .map_err(|e| failed(&e))?
            .id
            .clone();
        self.take(&review);
        Ok(id)
    }

    /// Signs the composer's annotation and appends it; the quote hash is taken from the snapshot's bytes.
    pub fn submit(&mut self, snapshot: &Snapshot) -> Result<String, ReviewProblem> {
        let c = self.composer.clone().ok_or(ReviewProblem::NothingToSubmit)?;
        let d = composer_draft(&c, snapshot)?;
        let id = self.append(d)?;
        self.discard();
        self.selected = Some(id.clone());
        Ok(id)
    }

    /// Carries the threads of `old_review` (the review of `old`) over to this review of `new`, signed
    /// with the signed-in key: the code of `vitrine port`.
    pub fn carry_over(
        &mut self,
        old: &Snapshot,
        new: &Snapshot,
        old_review: &Review,
    ) -> Result<vitrine_compare::carry::CarryReport, String> {
        let signer = self.identity.as_ref().map(|i| i.signer.clone()).ok_or("sign in first")?;
        let mut review = self.lock().map_err(|e| e.to_string())?;
        let now = vitrine_record::time::OffsetDateTime::now_utc();
        let report = vitrine_compare::carry::carry_over(old, new, old_review, &mut review, &signer, now)
            .map_err(|e| e.to_string());
        self.take(&review);
        report
    }

    /// What a port in the background needs to write to this review: the signed-in key, and the
    /// review's directory, snapshot and the signatures already verified (so opening it is quick).
    pub fn port_writer(&self) -> Result<PortWriter, ReviewProblem> {
        let signer = self.identity.as_ref().map(|i| i.signer.clone()).ok_or(ReviewProblem::NotSignedIn)?;
        Ok(PortWriter { signer, dir: self.dir.clone(), tree: self.tree.clone(), known: self.known.clone() })
    }

    /// Takes the entries of `review` (this review, written by a background job) as the window's own.
    pub fn written(&mut self, review: &Review) {
        self.take(review);
    }

    /// Signs the composer's annotation of lines of the version before (`v.old`, whose review is in
    /// `old_dir`) there, and carries the thread over to this review at once
    /// ([`vitrine_compare::carry::annotate_before`]). Returns the port entry's id, selected.
    pub fn submit_before(
        &mut self,
        v: &vitrine_compare::carry::Versions<'_>,
        old_dir: &Path,
    ) -> Result<String, ReviewProblem> {
        let c = self.composer.clone().ok_or(ReviewProblem::NothingToSubmit)?;
        let old_tree = v.old.ids().tree_sha256;
        if c.before != Some(old_tree) {
            return Err(ReviewProblem::OtherVersionBefore);
        }
        let draft = composer_draft(&c, v.old)?;
        let who = self.identity()?;
        let mut old_review = Review::open(old_dir, &old_tree.to_hex())
            .map_err(|e| ReviewProblem::Open { dir: old_dir.to_path_buf(), why: error_chain(&e) })?;
        let mut review = self.lock()?;
        let now = vitrine_record::time::OffsetDateTime::now_utc();
        let done =
            vitrine_compare::carry::annotate_before(v, &mut old_review, &mut review, &who.signer, draft, now)
                .map_err(|e| failed(&e));
        self.take(&review);
        let (_, report) = done?;
        let port = report.ports.first().map(|p| p.entry.clone()).ok_or(ReviewProblem::NotCarriedOver)?;
        self.discard();
        self.selected = Some(port.clone());
        Ok(port)
    }

    /// A reply to a thread, optionally changing its status.
    pub fn answer(
        &mut self,
        parent: &str,
        body: &str,
        status: Option<Status>,
    ) -> Result<String, ReviewProblem> {
        self.answer_at(parent, body, status, None)
    }

    /// A reply to a thread pointing at lines of this snapshot (`target`: where a finding was fixed, as
    /// `vitrine reply --file --lines`), optionally changing its status.
    pub fn answer_at(
        &mut self,
        parent: &str,
        body: &str,
        status: Option<Status>,
        target: Option<Target>,
    ) -> Result<String, ReviewProblem> {
        let mut d = Draft::new(if body.trim().is_empty() { Kind::Status } else { Kind::Reply });
        d.parent = Some(parent.to_owned());
        d.target = target;
        d.body = (!body.trim().is_empty()).then(|| vitrine_record::canon::to_nfc(body));
        d.status = status;
        if d.body.is_none() && d.status.is_none() {
            return Err(ReviewProblem::EmptyAnswer);
        }
        let id = self.append(d)?;
        self.reply.clear();
        Ok(id)
    }

    pub fn retract(&mut self, id: &str) -> Result<String, ReviewProblem> {
        // Only the author's retraction takes effect (a thread is the author's to withdraw); anyone else's
        // would be a signed entry that changes nothing, so it is refused here, as `vitrine retract` does.
        if let (Some(me), Some(target)) = (&self.identity, self.entries.iter().find(|e| e.id == id))
            && target.entry.author.fingerprint != me.signer.fingerprint()
        {
            return Err(ReviewProblem::NotAuthor { author: target.entry.author.principal.clone() });
        }
        let mut d = Draft::new(Kind::Retract);
        d.parent = Some(id.to_owned());
        self.append(d)
    }

    /// Attests, with a signed review-mark, that `path` (by its blob id) has been reviewed.
    pub fn mark_reviewed(&mut self, snapshot: &Snapshot, path: &[u8]) -> Result<String, ReviewProblem> {
        let entry = snapshot
            .file(path)
            .ok_or_else(|| ReviewProblem::NoSuchFile { path: String::from_utf8_lossy(path).into_owned() })?;
        not_a_link(entry)?;
        let mut d = Draft::new(Kind::ReviewMark);
        d.target = Some(Target::at(entry.path.as_bytes(), entry.blob_sha256.to_string(), None, None));
        self.append(d)
    }

    /// How many threads the review has.
    pub fn thread_count(&self) -> usize {
        self.thread_index.len()
    }

    /// Threads whose annotation targets `path` (all threads when `None`).
    pub fn threads(&self, path: Option<&str>) -> Vec<vitrine_record::thread::Thread<'_>> {
        let thread = |t: &ThreadIndex| {
            Some(vitrine_record::thread::Thread {
                root: self.entries.get(t.root)?,
                follow_ups: t.follow_ups.iter().filter_map(|&i| self.entries.get(i)).collect(),
                status: t.status,
                decided_by: t.decided_by.and_then(|d| self.entries.get(d)),
                retracted: t.retracted,
            })
        };
        match path {
            Some(p) => self
                .threads_of_path
                .get(p)
                .map(|ts| ts.iter().filter_map(|&i| self.thread_index.get(i)).filter_map(thread).collect())
                .unwrap_or_default(),
            None => self.thread_index.iter().filter_map(thread).collect(),
        }
    }

    /// Who marked `path` reviewed (principals), from the review-mark entries for its current blob that the
    /// policy counts ([`vitrine_record::policy::counted_review_marks`]).
    pub fn reviewed_by(&self, path: &str, blob: &str) -> Vec<String> {
        let mut who: Vec<String> = vitrine_record::policy::counted_review_marks(&self.entries)
            .into_iter()
            .filter(|e| e.entry.target.as_ref().is_some_and(|t| t.shown() == path && t.blob == blob))
            .map(|e| e.entry.author.principal.clone())
            .collect();
        who.dedup();
        who
    }
}

/// The wire name of a record enum value (`high`, `accepted-risk`, `annotation`…), as shown.
pub fn word<T: serde::Serialize>(v: T) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

/// What a background port writes with: the signer and the review to open (see
/// [`ReviewState::port_writer`]).
#[derive(Debug, Clone)]
pub struct PortWriter {
    pub signer: Arc<Signer>,
    dir: PathBuf,
    tree: String,
    known: vitrine_record::KnownSignatures,
}

impl PortWriter {
    /// Opens (locks and re-verifies, skipping the signatures the window verified) the review.
    pub fn open(&self) -> Result<Review, String> {
        Review::open_knowing(&self.dir, &self.tree, &self.known)
            .map_err(|e| format!("cannot open the review in {}: {}", self.dir.display(), error_chain(&e)))
    }
}

/// The annotation `c` describes, anchored in `snapshot` (the quote hash taken from its bytes).
fn composer_draft(c: &Composer, snapshot: &Snapshot) -> Result<Draft, ReviewProblem> {
    if c.body.trim().is_empty() {
        return Err(ReviewProblem::EmptyAnnotation);
    }
    let entry =
        snapshot.file(c.path.as_bytes()).ok_or_else(|| ReviewProblem::NoSuchFile { path: c.path.clone() })?;
    not_a_link(entry)?;
    let content = snapshot.read(entry).map_err(|e| failed(&e))?;
    let quote = quote_lines(&content, c.first, c.last).ok_or_else(|| ReviewProblem::LinesOutside {
        first: c.first,
        last: c.last,
        path: c.path.clone(),
    })?;
    let nfc = vitrine_record::canon::to_nfc;
    let mut d = Draft::new(Kind::Annotation);
    // The manifest entry's exact path bytes: never normalised, so the entry names this file only.
    d.target = Some(Target::at(
        entry.path.as_bytes(),
        entry.blob_sha256.to_string(),
        Some([c.first, c.last]),
        Some(quote),
    ));
    d.class = Some(c.class);
    d.severity = Some(c.severity);
    d.category = (!c.category.trim().is_empty()).then(|| nfc(c.category.trim()));
    d.body = Some(nfc(&c.body));
    Ok(d)
}

//! The review record on the command line: keys, people, annotations, replies, status changes,
//! retractions, review marks, the log,
//! export, import and verify. The record logic lives in `vitrine_record`; this module only resolves the
//! snapshot, the review directory and the key, and prints.

use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use serde::Serialize;
use vitrine_record::bundle::{self, BundleFiles, ExportConfig};
use vitrine_record::entry::{Quote, Target, blob_id, quote_lines};
use vitrine_record::keys::{self, Signer};
use vitrine_record::time::OffsetDateTime;
use vitrine_record::{Class, Consent, Draft, Kind, Review, Severity, Status, allowed};
use vitrine_snapshot::Snapshot;

use crate::common::{Ctx, Exit};

#[derive(Debug, Subcommand)]
pub enum RecordCmd {
    /// Make or inspect an OpenSSH Ed25519 signing key.
    #[command(subcommand)]
    Key(KeyCmd),
    /// The people of a review (its allowed_signers file).
    #[command(subcommand)]
    People(PeopleCmd),
    /// Sign and record an annotation on a line range; prints the entry id on the last line.
    Annotate(AnnotateArgs),
    /// Answer an entry, optionally setting the thread's status; prints the entry id.
    Reply(ReplyArgs),
    /// Set the status of an annotation's thread, with an optional reason; prints the entry id.
    Status(StatusArgs),
    /// Withdraw an annotation of your own (the entry stays in the log, marked retracted); prints the
    /// entry id.
    Retract(RetractArgs),
    /// Attest that a file (by its blob id) was reviewed; prints the entry id.
    MarkReviewed(MarkArgs),
    /// List the review's entries (each verified on load) and threads.
    Log(LogArgs),
    /// Export the review as a signed .vitrine bundle (a plain tar).
    Export(ExportArgs),
    /// Verify a bundle and merge its entries and people into this review.
    Import(ImportArgs),
    /// Verify a .vitrine bundle: signatures, chains, checkpoint, and with --snapshot the snapshot and anchors.
    Verify(VerifyArgs),
}

#[derive(Debug, Subcommand)]
pub enum KeyCmd {
    /// Write a new key to FILE and FILE.pub, as ssh-keygen does (encrypted with a passphrase from
    /// $VITRINE_PASSPHRASE or the terminal).
    New {
        /// Who signs with the key, as the review names them (an e-mail-like word: `alice@agency.example`).
        #[arg(long)]
        principal: String,
        /// Their role: `reviewer`, `lead` or `vendor` (the status policy's sides); any other word is an
        /// observer, who may annotate and reply but change no one else's thread.
        #[arg(long)]
        role: String,
        /// Where to write the private key; the public key goes to FILE.pub.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Write the private key unencrypted (only for throw-away keys).
        #[arg(long)]
        no_passphrase: bool,
    },
    /// Print a key's fingerprint and principal (from a private or public key file).
    Show {
        file: PathBuf,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum PeopleCmd {
    /// Add a person (principal, role, public key) to the review of the snapshot at PATH.
    Add {
        path: PathBuf,
        /// Who signs with the key, as the review names them (an e-mail-like word: `alice@agency.example`).
        #[arg(long)]
        principal: String,
        /// Their role: `reviewer`, `lead` or `vendor` (the status policy's sides); any other word is an
        /// observer, who may annotate and reply but change no one else's thread.
        #[arg(long)]
        role: String,
        /// Their OpenSSH public key (`ssh-ed25519 AAAA…`), as `vitrine key new` or ssh-keygen writes it.
        #[arg(long, value_name = "FILE.pub")]
        pubkey: PathBuf,
        /// The key is valid from this time (YYYYMMDD[HHMM[SS]]Z, UTC).
        #[arg(long, value_name = "TIME")]
        valid_after: Option<String>,
        /// The key is valid until this time (YYYYMMDD[HHMM[SS]]Z, UTC).
        #[arg(long, value_name = "TIME")]
        valid_before: Option<String>,
    },
    /// List the people of the review of the snapshot at PATH (with who is retired or renamed).
    List {
        path: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Retire a principal (mistyped, or gone): a signed entry; what it signs from now on does not count.
    /// Only a reviewer or a lead may; earlier entries are never edited.
    Retire {
        path: PathBuf,
        /// The principal to retire, as `people list` shows it.
        #[arg(long)]
        principal: String,
        /// Why (kept in the signed entry).
        #[arg(long, default_value = "")]
        reason: String,
        /// Your private key file (a reviewer's or a lead's).
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
    },
    /// Rename a principal (a mistyped name): retires the old name in a signed entry and lists the same key
    /// under the new name. Only a reviewer or a lead may; earlier entries keep the name they were
    /// signed with.
    Rename {
        path: PathBuf,
        /// The principal as it is now.
        #[arg(long)]
        principal: String,
        /// The new principal.
        #[arg(long)]
        to: String,
        /// Why (kept in the signed entry).
        #[arg(long, default_value = "")]
        reason: String,
        /// Your private key file (a reviewer's or a lead's).
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct AnnotateArgs {
    /// The snapshot (directory or archive).
    pub path: PathBuf,
    /// Private key file.
    #[arg(long)]
    pub key: PathBuf,
    /// File path relative to the snapshot root, exactly as its bytes are in the snapshot (no
    /// normalisation: `é` as one code point and as `e` + U+0301 are two files). A regular file: a
    /// symbolic link is refused (annotate the file it names; the record's manifest lists regular files
    /// only).
    #[arg(long)]
    pub file: std::ffi::OsString,
    /// Line range A-B (1-based, inclusive) or a single line.
    #[arg(long)]
    pub lines: String,
    #[arg(long, value_parser = parse_word::<Class>)]
    pub kind: Class,
    #[arg(long, value_parser = parse_word::<Severity>)]
    pub severity: Severity,
    #[arg(long)]
    pub category: Option<String>,
    #[arg(long)]
    pub body: String,
}

#[derive(Debug, Args)]
pub struct ReplyArgs {
    pub path: PathBuf,
    #[arg(long)]
    pub key: PathBuf,
    /// The entry answered (id or unique prefix of at least 6 characters).
    #[arg(long)]
    pub to: String,
    #[arg(long)]
    pub body: String,
    /// open, acknowledged, disputed, fixed, accepted-risk or closed.
    #[arg(long, value_parser = parse_word::<Status>)]
    pub status: Option<Status>,
    /// Point the reply at a regular file of this snapshot (e.g. where a finding was fixed), with --lines;
    /// a symbolic link is refused, as for `annotate`.
    #[arg(long, requires = "lines")]
    pub file: Option<std::ffi::OsString>,
    /// Line range A-B of --file (1-based, inclusive) or a single line.
    #[arg(long, requires = "file")]
    pub lines: Option<String>,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    pub path: PathBuf,
    #[arg(long)]
    pub key: PathBuf,
    /// An annotation, or an entry of its thread (id or unique prefix of at least 6 characters).
    #[arg(long)]
    pub to: String,
    /// open, acknowledged, disputed, fixed, accepted-risk or closed.
    #[arg(long, value_parser = parse_word::<Status>)]
    pub status: Status,
    /// Why (optional).
    #[arg(long)]
    pub body: Option<String>,
}

#[derive(Debug, Args)]
pub struct RetractArgs {
    pub path: PathBuf,
    #[arg(long)]
    pub key: PathBuf,
    /// The annotation withdrawn (id or unique prefix of at least 6 characters); it must be signed with
    /// the same key.
    #[arg(long)]
    pub to: String,
    /// Why (optional).
    #[arg(long)]
    pub body: Option<String>,
}

#[derive(Debug, Args)]
pub struct MarkArgs {
    pub path: PathBuf,
    #[arg(long)]
    pub key: PathBuf,
    /// File path relative to the snapshot root, exactly as its bytes are in the snapshot.
    #[arg(long)]
    pub file: std::ffi::OsString,
}

#[derive(Debug, Args)]
pub struct LogArgs {
    pub path: PathBuf,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    pub path: PathBuf,
    #[arg(long)]
    pub key: PathBuf,
    #[arg(long, value_name = "FILE.vitrine")]
    pub out: PathBuf,
    /// Leave out everything that reveals source beyond hashes (snippets, quoted lines, health details).
    #[arg(long)]
    pub questions_only: bool,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    pub path: PathBuf,
    pub file: PathBuf,
    /// Accept people (keys) the review does not know yet from the bundle's allowed_signers. Without it,
    /// only a review with no people yet learns them from a bundle (its first import).
    #[arg(long)]
    pub accept_new_people: bool,
    /// Accept a second key for a principal this review already knows under another key (check its
    /// fingerprint with that person first).
    #[arg(long)]
    pub accept_second_key: bool,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    pub record: PathBuf,
    /// Also check the snapshot ids, the manifest and every anchor against this snapshot.
    #[arg(long)]
    pub snapshot: Option<PathBuf>,
    /// The snapshot of the version this record continues (`vitrine port`): check the record's
    /// `continues` ids and where every port entry says its thread pointed.
    #[arg(long, value_name = "OLD")]
    pub previous: Option<PathBuf>,
    /// An allowed_signers file from outside the bundle (e.g. the center's own): every key that signed
    /// something in the bundle must be in it under the same principal, or the record is not valid.
    #[arg(long, value_name = "FILE")]
    pub trusted_signers: Option<PathBuf>,
    #[arg(long)]
    pub json: bool,
}

fn parse_word<T: std::str::FromStr<Err = String>>(s: &str) -> Result<T, String> {
    s.parse()
}

pub fn run(cmd: RecordCmd, ctx: &mut Ctx<'_>) -> anyhow::Result<Exit> {
    match cmd {
        RecordCmd::Key(KeyCmd::New { principal, role, out, no_passphrase }) => {
            key_new(&principal, &role, &out, no_passphrase, ctx)
        }
        RecordCmd::Key(KeyCmd::Show { file, json }) => key_show(&file, json, ctx),
        RecordCmd::People(PeopleCmd::Add { path, principal, role, pubkey, valid_after, valid_before }) => {
            people_add(
                &path,
                &principal,
                &role,
                &pubkey,
                valid_after.as_deref(),
                valid_before.as_deref(),
                ctx,
            )
        }
        RecordCmd::People(PeopleCmd::List { path, json }) => people_list(&path, json, ctx),
        RecordCmd::People(PeopleCmd::Retire { path, principal, reason, key }) => {
            people_change(&path, &principal, None, &reason, &key, ctx)
        }
        RecordCmd::People(PeopleCmd::Rename { path, principal, to, reason, key }) => {
            people_change(&path, &principal, Some(&to), &reason, &key, ctx)
        }
        RecordCmd::Annotate(a) => annotate(a, ctx),
        RecordCmd::Reply(a) => reply(a, ctx),
        RecordCmd::Status(a) => set_status(a, ctx),
        RecordCmd::Retract(a) => retract(a, ctx),
        RecordCmd::MarkReviewed(a) => mark_reviewed(a, ctx),
        RecordCmd::Log(a) => log(a, ctx),
        RecordCmd::Export(a) => export(a, ctx),
        RecordCmd::Import(a) => import(a, ctx),
        RecordCmd::Verify(a) => verify(a, ctx),
    }
}

fn review_dir(ctx: &Ctx<'_>, snap: &Snapshot) -> PathBuf {
    ctx.data.review_dir(&snap.ids().tree_sha256)
}

/// Opens the review of `snap`, reporting on stderr anything that was quarantined on load.
pub(crate) fn open_review(ctx: &mut Ctx<'_>, snap: &Snapshot) -> anyhow::Result<Review> {
    let dir = review_dir(ctx, snap);
    let review = Review::open(&dir, &snap.ids().tree_sha256.to_string())
        .with_context(|| format!("cannot open the review in {}", dir.display()))?;
    for p in review.problems() {
        writeln!(ctx.err, "vitrine: warning: review {}: {p}", dir.display())?;
    }
    Ok(review)
}

pub(crate) fn signer(path: &Path) -> anyhow::Result<Signer> {
    let prompt = format!("Passphrase for {}: ", path.display());
    Ok(Signer::read(path, || keys::passphrase(&prompt))?)
}

/// Says on stderr when `role` is none of the policy's named sides, so that a mistyped `Reviewer` or
/// `vendr` does not silently become an observer.
fn note_role(role: &str, ctx: &mut Ctx<'_>) -> anyhow::Result<()> {
    if vitrine_record::policy::Side::of(role) == vitrine_record::policy::Side::Other {
        writeln!(
            ctx.err,
            "vitrine: note: role {role:?} is not reviewer, lead or vendor: the status policy treats it as an \
             observer, who may annotate and reply but change no one else's thread"
        )?;
    }
    Ok(())
}

fn key_new(
    principal: &str,
    role: &str,
    out: &Path,
    no_passphrase: bool,
    ctx: &mut Ctx<'_>,
) -> anyhow::Result<Exit> {
    // Validates the principal and role the same way `people add` will.
    let signer = Signer::generate(&format!("{principal} role={role}"))?;
    allowed::person(principal, role, &signer.public_openssh()?)?;
    note_role(role, ctx)?;
    let pub_path = PathBuf::from(format!("{}.pub", out.display()));
    for p in [out, pub_path.as_path()] {
        if p.exists() {
            bail!("{} already exists", p.display());
        }
    }
    let pass = if no_passphrase { None } else { Some(keys::new_passphrase()?) };
    let text = signer.to_openssh(pass.as_deref())?;
    write_private(out, text.as_bytes())?;
    std::fs::write(&pub_path, format!("{}\n", signer.public_openssh()?))
        .with_context(|| format!("cannot write {}", pub_path.display()))?;
    writeln!(ctx.out, "{} {} ({role})", signer.fingerprint(), principal_shown(principal))?;
    writeln!(ctx.out, "wrote {} and {}", out.display(), pub_path.display())?;
    Ok(Exit::Ok)
}

/// Creates the private key file readable by its owner only, as ssh-keygen does.
fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    f.write_all(bytes)?;
    f.sync_all()?;
    Ok(())
}

#[derive(Serialize)]
struct KeyJson {
    fingerprint: String,
    principal: String,
    role: Option<String>,
    comment: String,
    encrypted: Option<bool>,
}

fn key_show(file: &Path, json: bool, ctx: &mut Ctx<'_>) -> anyhow::Result<Exit> {
    let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let (key, encrypted) = if text.contains("PRIVATE KEY") {
        let k = ssh_key_public_of_private(&text)
            .with_context(|| format!("{}: not an OpenSSH private key", file.display()))?;
        (k.0, Some(k.1))
    } else {
        (keys::parse_public_key(&text)?, None)
    };
    // An encrypted private key keeps its comment in the encrypted part; the .pub beside it has it in clear.
    let pub_beside = PathBuf::from(format!("{}.pub", file.display()));
    let comment =
        match std::fs::read_to_string(&pub_beside).ok().and_then(|t| keys::parse_public_key(&t).ok()) {
            Some(p) if key.comment().is_empty() && p.key_data() == key.key_data() => p.comment().to_owned(),
            _ => key.comment().to_owned(),
        };
    let principal = comment.split_whitespace().next().unwrap_or("").to_owned();
    let role = comment.split_whitespace().find_map(|w| w.strip_prefix("role=")).map(str::to_owned);
    let k = KeyJson { fingerprint: keys::fingerprint(&key), principal, role, comment, encrypted };
    if json {
        ctx.json(&k)?;
    } else {
        writeln!(ctx.out, "fingerprint  {}", k.fingerprint)?;
        writeln!(ctx.out, "principal    {}", principal_shown(&k.principal))?;
        if let Some(r) = &k.role {
            writeln!(ctx.out, "role         {r}")?;
        }
        if let Some(e) = k.encrypted {
            writeln!(ctx.out, "encrypted    {}", if e { "yes" } else { "NO" })?;
        }
    }
    Ok(Exit::Ok)
}

/// The public half of a private key file, readable without the passphrase (OpenSSH stores it in clear).
fn ssh_key_public_of_private(text: &str) -> anyhow::Result<(keys::PublicKey, bool)> {
    let k = keys::PrivateKey::from_openssh(text)?;
    let mut public = k.public_key().clone();
    public.set_comment(k.comment());
    Ok((public, k.is_encrypted()))
}

fn people_add(
    path: &Path,
    principal: &str,
    role: &str,
    pubkey: &Path,
    after: Option<&str>,
    before: Option<&str>,
    ctx: &mut Ctx<'_>,
) -> anyhow::Result<Exit> {
    let text =
        std::fs::read_to_string(pubkey).with_context(|| format!("cannot read {}", pubkey.display()))?;
    let mut person = allowed::person(principal, role, &text)?;
    note_role(role, ctx)?;
    person.valid_after = after.map(allowed::parse_ssh_time).transpose().map_err(anyhow::Error::msg)?;
    person.valid_before = before.map(allowed::parse_ssh_time).transpose().map_err(anyhow::Error::msg)?;
    let snap = ctx.open_snapshot_cached(path, false)?;
    let mut review = open_review(ctx, &snap)?;
    let fp = person.fingerprint.clone();
    if review.add_person(person)? {
        writeln!(ctx.out, "added {} ({role}) {fp}", principal_shown(principal))?;
    } else {
        writeln!(ctx.out, "{} with {fp} is already in the review", principal_shown(principal))?;
    }
    Ok(Exit::Ok)
}

/// Signs a `retire` (no `to`) or `rename` entry; a rename then lists the same key(s) under the new name.
fn people_change(
    path: &Path,
    principal: &str,
    to: Option<&str>,
    reason: &str,
    key: &Path,
    ctx: &mut Ctx<'_>,
) -> anyhow::Result<Exit> {
    let snap = ctx.open_snapshot_cached(path, false)?;
    let signer = signer(key)?;
    let mut review = open_review(ctx, &snap)?;
    let change = vitrine_record::people::PersonChange {
        principal: principal.to_owned(),
        to: to.map(str::to_owned),
        reason: nfc(reason),
    };
    let mut d = Draft::new(if to.is_some() { Kind::Rename } else { Kind::Retire });
    d.body = Some(change.to_body()?);
    // The lines as they were before the entry: appending it bounds the old name's (valid-before), not the
    // new name's.
    let moved: Vec<vitrine_record::Person> =
        review.people().people.iter().filter(|p| p.principal == principal).cloned().collect();
    let id = review.append(&signer, d, OffsetDateTime::now_utc())?.id.clone();
    let Some(to) = to else {
        writeln!(ctx.out, "retired {} ({id})", principal_shown(principal))?;
        return Ok(Exit::Ok);
    };
    for mut p in moved {
        p.principal = to.to_owned();
        review.add_person(p)?;
    }
    writeln!(ctx.out, "renamed {} to {} ({id})", principal_shown(principal), principal_shown(to))?;
    Ok(Exit::Ok)
}

#[derive(Serialize)]
struct PersonJson<'a> {
    principal: &'a str,
    role: &'a str,
    fingerprint: &'a str,
    valid_after: Option<String>,
    valid_before: Option<String>,
    /// The entry that retired this principal, if one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    retired_by: Option<&'a str>,
    /// A rename's new principal.
    #[serde(skip_serializing_if = "Option::is_none")]
    renamed_to: Option<&'a str>,
}

fn people_list(path: &Path, json: bool, ctx: &mut Ctx<'_>) -> anyhow::Result<Exit> {
    let snap = ctx.open_snapshot_cached(path, false)?;
    let review = open_review(ctx, &snap)?;
    let retirements = review.retirements();
    let people: Vec<PersonJson<'_>> = review
        .people()
        .people
        .iter()
        .map(|p| {
            let retired = retirements.retired.get(&p.principal);
            PersonJson {
                principal: &p.principal,
                role: &p.role,
                fingerprint: &p.fingerprint,
                valid_after: p.valid_after.map(allowed::format_ssh_time),
                valid_before: p.valid_before.map(allowed::format_ssh_time),
                retired_by: retired.map(|r| r.by.as_str()),
                renamed_to: retired.and_then(|r| r.to.as_deref()),
            }
        })
        .collect();
    if json {
        ctx.json(&people)?;
    } else {
        for p in &people {
            let state = match (p.retired_by, p.renamed_to) {
                (_, Some(to)) => format!("  renamed to {}", principal_shown(to)),
                (Some(_), None) => "  retired".to_owned(),
                _ => String::new(),
            };
            writeln!(
                ctx.out,
                "{:<24} {:<10} {}{state}",
                principal_shown(p.principal),
                p.role,
                p.fingerprint
            )?;
        }
    }
    Ok(Exit::Ok)
}

fn parse_lines(s: &str) -> anyhow::Result<(u64, u64)> {
    let (a, b) = s.split_once('-').unwrap_or((s, s));
    let a: u64 = a.trim().parse().with_context(|| format!("bad line range {s:?} (expected A-B)"))?;
    let b: u64 = b.trim().parse().with_context(|| format!("bad line range {s:?} (expected A-B)"))?;
    if a == 0 || b < a {
        bail!("bad line range {s:?}: lines count from 1 and A <= B");
    }
    Ok((a, b))
}

/// Reads a snapshot file, named by the exact bytes of its path, through the verified reader (the bytes
/// must still hash as at ingest).
fn read_file(snap: &Snapshot, rel: &[u8]) -> anyhow::Result<Vec<u8>> {
    let shown = || crate::common::term(&vitrine_snapshot::path_display(rel)).into_owned();
    let entry = snap.file(rel).with_context(|| format!("{} is not a file of the snapshot", shown()))?;
    if !matches!(entry.kind, vitrine_snapshot::EntryKind::File { .. }) {
        anyhow::bail!("{} {}", shown(), vitrine_record::bundle::ANCHOR_ON_LINK);
    }
    snap.read(entry).with_context(|| format!("cannot read {}", shown()))
}

fn annotate(a: AnnotateArgs, ctx: &mut Ctx<'_>) -> anyhow::Result<Exit> {
    let (first, last) = parse_lines(&a.lines)?;
    let snap = ctx.open_snapshot_cached(&a.path, true)?;
    let rel = a.file.as_bytes();
    let content = read_file(&snap, rel)?;
    let quote: Quote = quote_lines(&content, first, last).with_context(|| {
        format!(
            "lines {first}-{last} are outside {} ({} lines)",
            crate::common::term(&vitrine_snapshot::path_display(rel)),
            vitrine_record::entry::split_lines(&content).len()
        )
    })?;
    let signer = signer(&a.key)?;
    let mut review = open_review(ctx, &snap)?;
    let mut d = Draft::new(Kind::Annotation);
    // The path's exact bytes: never normalised, so that the entry names this file and no sibling.
    d.target = Some(Target::at(rel, blob_id(&content), Some([first, last]), Some(quote)));
    d.class = Some(a.kind);
    d.severity = Some(a.severity);
    d.category = a.category.as_deref().map(nfc);
    d.body = Some(nfc(&a.body));
    let v = review.append(&signer, d, OffsetDateTime::now_utc())?;
    writeln!(ctx.out, "{}", v.id)?;
    Ok(Exit::Ok)
}

/// Text enters entries in NFC, as the canonical form requires.
fn nfc(s: &str) -> String {
    vitrine_record::canon::to_nfc(s)
}

fn reply(a: ReplyArgs, ctx: &mut Ctx<'_>) -> anyhow::Result<Exit> {
    let snap = ctx.open_snapshot_cached(&a.path, a.file.is_some())?;
    let target = match (&a.file, &a.lines) {
        (Some(file), Some(lines)) => {
            let (first, last) = parse_lines(lines)?;
            let rel = file.as_bytes();
            let content = read_file(&snap, rel)?;
            let quote = quote_lines(&content, first, last).with_context(|| {
                let shown = crate::common::term(&vitrine_snapshot::path_display(rel)).into_owned();
                format!("lines {first}-{last} are outside {shown}")
            })?;
            // The path's exact bytes, as for an annotation.
            Some(Target::at(rel, blob_id(&content), Some([first, last]), Some(quote)))
        }
        _ => None,
    };
    let signer = signer(&a.key)?;
    let mut review = open_review(ctx, &snap)?;
    let parent = review.find(&a.to)?.id.clone();
    let mut d = Draft::new(Kind::Reply);
    d.target = target;
    d.parent = Some(parent);
    d.body = Some(nfc(&a.body));
    d.status = a.status;
    let v = review.append(&signer, d, OffsetDateTime::now_utc())?;
    writeln!(ctx.out, "{}", v.id)?;
    Ok(Exit::Ok)
}

/// The thread `id` belongs to (as its annotation or a follow-up), if any.
fn thread_of<'a>(
    threads: &'a [vitrine_record::thread::Thread<'a>],
    id: &str,
) -> Option<&'a vitrine_record::thread::Thread<'a>> {
    threads.iter().find(|t| t.root.id == id || t.follow_ups.iter().any(|f| f.id == id))
}

fn set_status(a: StatusArgs, ctx: &mut Ctx<'_>) -> anyhow::Result<Exit> {
    let snap = ctx.open_snapshot_cached(&a.path, false)?;
    let signer = signer(&a.key)?;
    let mut review = open_review(ctx, &snap)?;
    let parent = review.find(&a.to)?.id.clone();
    // A status only means something in a thread: refused rather than recorded to no effect.
    let threads = vitrine_record::thread::threads(review.entries());
    if thread_of(&threads, &parent).is_none() {
        bail!("entry {parent} is neither an annotation nor part of an annotation's thread");
    }
    let mut d = Draft::new(Kind::Status);
    d.parent = Some(parent);
    d.status = Some(a.status);
    d.body = a.body.as_deref().map(nfc);
    let v = review.append(&signer, d, OffsetDateTime::now_utc())?;
    writeln!(ctx.out, "{}", v.id)?;
    Ok(Exit::Ok)
}

fn retract(a: RetractArgs, ctx: &mut Ctx<'_>) -> anyhow::Result<Exit> {
    let snap = ctx.open_snapshot_cached(&a.path, false)?;
    let signer = signer(&a.key)?;
    let mut review = open_review(ctx, &snap)?;
    let target = review.find(&a.to)?;
    // Only the annotation's author withdraws it (a retraction by anyone else would be recorded to no
    // effect), and only a whole annotation: replies and status changes are answered, not withdrawn.
    if target.entry.kind != Kind::Annotation {
        bail!(
            "entry {} is a {}, not an annotation: only annotations are retracted",
            target.id,
            target.entry.kind.as_str()
        );
    }
    if target.entry.author.fingerprint != signer.fingerprint() {
        bail!(
            "annotation {} was signed by {} ({}); only that key can retract it",
            target.id,
            principal_shown(&target.entry.author.principal),
            target.entry.author.fingerprint
        );
    }
    let mut d = Draft::new(Kind::Retract);
    d.parent = Some(target.id.clone());
    d.body = a.body.as_deref().map(nfc);
    let v = review.append(&signer, d, OffsetDateTime::now_utc())?;
    writeln!(ctx.out, "{}", v.id)?;
    Ok(Exit::Ok)
}

fn mark_reviewed(a: MarkArgs, ctx: &mut Ctx<'_>) -> anyhow::Result<Exit> {
    let snap = ctx.open_snapshot_cached(&a.path, true)?;
    let rel = a.file.as_bytes();
    let content = read_file(&snap, rel)?;
    let signer = signer(&a.key)?;
    let mut review = open_review(ctx, &snap)?;
    let mut d = Draft::new(Kind::ReviewMark);
    d.target = Some(Target::at(rel, blob_id(&content), None, None));
    let v = review.append(&signer, d, OffsetDateTime::now_utc())?;
    writeln!(ctx.out, "{}", v.id)?;
    Ok(Exit::Ok)
}

#[derive(Serialize)]
struct LogEntryJson<'a> {
    id: &'a str,
    file: &'a str,
    verified: bool,
    #[serde(flatten)]
    entry: &'a vitrine_record::Entry,
}

#[derive(Serialize)]
struct ThreadJson<'a> {
    id: &'a str,
    status: &'static str,
    retracted: bool,
    follow_ups: Vec<&'a str>,
    /// For a thread carried over from an earlier version (`vitrine port`): how it was found again.
    #[serde(skip_serializing_if = "Option::is_none")]
    ported: Option<&'static str>,
}

#[derive(Serialize)]
struct LogJson<'a> {
    snapshot: &'a str,
    entries: Vec<LogEntryJson<'a>>,
    threads: Vec<ThreadJson<'a>>,
    problems: &'a [vitrine_record::Problem],
}

fn log(a: LogArgs, ctx: &mut Ctx<'_>) -> anyhow::Result<Exit> {
    let snap = ctx.open_snapshot_cached(&a.path, false)?;
    let review = open_review(ctx, &snap)?;
    let threads = vitrine_record::thread::threads(review.entries());
    if a.json {
        ctx.json(&log_json(&review, &threads))?;
        return Ok(Exit::Ok);
    }
    writeln!(ctx.out, "{} entries, all verified; {} threads", review.entries().len(), threads.len())?;
    let people = &review.people().people;
    for t in &threads {
        write_thread(ctx.out, people, t)?;
    }
    write_marks(ctx.out, people, &review)?;
    write_people_changes(ctx.out, people, &review)?;
    for p in review.problems() {
        // Files put aside on load are quarantined; anything else (a principal with two roles) is a problem.
        let said = if p.kind == vitrine_record::verify::ProblemKind::Quarantined {
            "quarantined"
        } else {
            "problem"
        };
        writeln!(ctx.out, "{said}: {p}")?;
    }
    Ok(Exit::Ok)
}

/// `vitrine record log --json`: every entry, every thread, and the quarantined files.
fn log_json<'a>(review: &'a Review, threads: &'a [vitrine_record::thread::Thread<'a>]) -> LogJson<'a> {
    LogJson {
        snapshot: review.snapshot(),
        entries: review
            .entries()
            .iter()
            .map(|v| LogEntryJson { id: &v.id, file: &v.name, verified: true, entry: &v.entry })
            .collect(),
        threads: threads
            .iter()
            .map(|t| ThreadJson {
                id: &t.root.id,
                status: t.status.as_str(),
                retracted: t.retracted,
                follow_ups: t.follow_ups.iter().map(|f| f.id.as_str()).collect(),
                ported: (t.root.entry.kind == Kind::AnchorPort)
                    .then(|| {
                        vitrine_record::port::PortBody::parse(
                            t.root.entry.body.as_deref().unwrap_or_default(),
                        )
                    })
                    .and_then(Result::ok)
                    .map(|p| p.outcome.as_str()),
            })
            .collect(),
        problems: review.problems(),
    }
}

/// An author's name as the log shows it: where two keys share a principal, every name is shown with
/// its key's fingerprint.
fn who(people: &[allowed::Person], a: &vitrine_record::entry::Author) -> String {
    let shown = principal_shown(&a.principal);
    if people.iter().filter(|p| p.principal == a.principal).count() > 1 {
        format!("{shown} [{}]", a.fingerprint)
    } else {
        shown
    }
}

/// One thread of the text log: its root (or the port it carries on), then its follow-ups.
fn write_thread(
    out: &mut dyn Write,
    people: &[allowed::Person],
    t: &vitrine_record::thread::Thread<'_>,
) -> anyhow::Result<()> {
    let e = &t.root.entry;
    let (path, [l1, l2]) =
        e.target.as_ref().map_or((String::new(), [0, 0]), |t| (t.label(), t.lines.unwrap_or([0, 0])));
    writeln!(out)?;
    writeln!(
        out,
        "{} {} {} [{}{}] {}:{l1}-{l2}  {} ({}) {}",
        &t.root.id.get(..12).unwrap_or(""),
        e.class.map_or("", Class::as_str),
        e.severity.map_or("", Severity::as_str),
        t.status.as_str(),
        if t.retracted { ", retracted" } else { "" },
        crate::common::term(&path),
        who(people, &e.author),
        e.role,
        e.time
    )?;
    match vitrine_record::port::PortBody::parse(e.body.as_deref().unwrap_or_default()) {
        Ok(p) if e.kind == Kind::AnchorPort => {
            let conf = p.confidence.map(|c| format!(" ({c}%)")).unwrap_or_default();
            writeln!(
                out,
                "    ported {}{conf} from {}:{}-{} of {} (annotation {} by {})",
                p.outcome.as_str(),
                crate::common::term(&p.from.path),
                p.from.lines[0],
                p.from.lines[1],
                p.from.snapshot.get(..12).unwrap_or(""),
                p.annotation.get(..12).unwrap_or(""),
                principal_shown(&p.author)
            )?;
            for note in &p.context {
                writeln!(out, "    context: {}", crate::common::term(note))?;
            }
            write_text(out, "    ", "    | ", &p.text)?;
        }
        _ => write_text(out, "    ", "    | ", e.body.as_deref().unwrap_or(""))?,
    }
    for f in &t.follow_ups {
        let fe = &f.entry;
        let mut status = fe.status.map(|s| format!(" -> {}", s.as_str())).unwrap_or_default();
        if let Some([l1, l2]) = fe.target.as_ref().and_then(|t| t.lines) {
            let path = fe.target.as_ref().map_or(String::new(), Target::label);
            status.push_str(&format!(" at {}:{l1}-{l2}", crate::common::term(&path)));
        }
        let head = format!(
            "  {} {}{status} {} ({}) {}: ",
            &f.id.get(..12).unwrap_or(""),
            fe.kind.as_str(),
            who(people, &fe.author),
            fe.role,
            fe.time,
        );
        write_text(out, &head, "      | ", fe.body.as_deref().unwrap_or(""))?;
    }
    Ok(())
}

/// A principal as the command line shows it ([`vitrine_record::principal::annotated`]): escaped when it
/// is not valid, and with its code points beside it when it holds any non-ASCII character.
fn principal_shown(p: &str) -> String {
    vitrine_record::principal::annotated(p)
}

/// A principal as the library chose to show it (`shown`: escaped when it is not valid or looks like
/// another), else as [`principal_shown`].
fn shown(principal: &str, shown: &str) -> String {
    if shown == principal { principal_shown(principal) } else { shown.to_owned() }
}

/// Text of a record that may span lines (a body, a ported annotation's text): its first line after
/// `first`, every further line on a line of its own after `more`, a marker no line of the log starts
/// with, so no line of the text can pass for an entry of the log. What each line holds is escaped by
/// the writer ([`crate::common::TermWriter`]).
fn write_text(out: &mut dyn Write, first: &str, more: &str, text: &str) -> anyhow::Result<()> {
    let mut lines = text.lines();
    writeln!(out, "{first}{}", lines.next().unwrap_or(""))?;
    for line in lines {
        writeln!(out, "{more}{line}")?;
    }
    Ok(())
}

/// The text log's "reviewed files" section, when any file was marked reviewed.
fn write_marks(out: &mut dyn Write, people: &[allowed::Person], review: &Review) -> anyhow::Result<()> {
    let marks: Vec<_> = review.entries().iter().filter(|v| v.entry.kind == Kind::ReviewMark).collect();
    if !marks.is_empty() {
        writeln!(out)?;
        writeln!(out, "reviewed files:")?;
        // Every mark is listed with its signer and role; one the policy does not count (a vendor's, a
        // retired principal's) says so.
        let counted = vitrine_record::policy::counted_review_marks(review.entries());
        for m in marks {
            let note = if counted.iter().any(|c| c.id == m.id) {
                String::new()
            } else {
                format!(
                    " (not counted: {} may not mark a file reviewed, or was retired)",
                    crate::common::term(&m.entry.role)
                )
            };
            writeln!(
                out,
                "  {} by {} ({}) at {}{note}",
                crate::common::term(&m.entry.target.as_ref().map_or(String::new(), Target::label)),
                who(people, &m.entry.author),
                crate::common::term(&m.entry.role),
                m.entry.time
            )?;
        }
    }
    Ok(())
}

/// The text log's "people" section: retirements and renames, and what a retired principal signed
/// afterwards (kept, not counted).
fn write_people_changes(
    out: &mut dyn Write,
    people: &[allowed::Person],
    review: &Review,
) -> anyhow::Result<()> {
    let changes: Vec<_> =
        review.entries().iter().filter(|v| matches!(v.entry.kind, Kind::Retire | Kind::Rename)).collect();
    let retirements = review.retirements();
    if !changes.is_empty() || !retirements.violations.is_empty() {
        writeln!(out)?;
        writeln!(out, "people:")?;
    }
    for v in changes {
        let what =
            match vitrine_record::people::PersonChange::parse(v.entry.body.as_deref().unwrap_or_default()) {
                Ok(c) => {
                    let name = principal_shown(&c.principal);
                    let reason = if c.reason.is_empty() { String::new() } else { format!(": {}", c.reason) };
                    match c.to {
                        Some(to) => {
                            format!("renamed {name} to {}{reason}", principal_shown(&to))
                        }
                        None => format!("retired {name}{reason}"),
                    }
                }
                Err(e) => e,
            };
        writeln!(
            out,
            "  {} {} by {} ({}) {}",
            v.id.get(..12).unwrap_or(""),
            crate::common::term(&what),
            who(people, &v.entry.author),
            v.entry.role,
            v.entry.time
        )?;
    }
    for (i, why) in &retirements.violations {
        let id = review.entries().get(*i).map_or("", |v| v.id.get(..12).unwrap_or(""));
        writeln!(out, "  {id} does not count: {}", crate::common::term(why))?;
    }
    Ok(())
}

fn export(a: ExportArgs, ctx: &mut Ctx<'_>) -> anyhow::Result<Exit> {
    let snap = ctx.open_snapshot(&a.path, true)?;
    let signer = signer(&a.key)?;
    let mut review = open_review(ctx, &snap)?;
    let read = |p: &[u8]| vitrine_gui::records::anchor_content(&snap, p);
    let config = ExportConfig {
        snapshot: vitrine_gui::records::snapshot_data(&snap, &read),
        health_json: vitrine_snapshot::recorded_health(snap.health(), &ctx.ingest)?,
        tool: format!("vitrine {}", env!("CARGO_PKG_VERSION")),
        questions_only: a.questions_only,
        now: OffsetDateTime::now_utc(),
    };
    let files = bundle::export(&mut review, &signer, &config)?;
    files.write(&a.out, u64::try_from(config.now.unix_timestamp()).unwrap_or(0))?;
    writeln!(ctx.out, "exported {} entries to {}", review.entries().len(), a.out.display())?;
    Ok(Exit::Ok)
}

fn import(a: ImportArgs, ctx: &mut Ctx<'_>) -> anyhow::Result<Exit> {
    let files = BundleFiles::read(&a.file)?;
    let snap = ctx.open_snapshot_cached(&a.path, false)?;
    let report = bundle::verify(&files, None);
    if !report.is_valid() {
        for p in &report.problems {
            writeln!(ctx.err, "{p}")?;
        }
    }
    let mut review = open_review(ctx, &snap)?;
    let read = |p: &[u8]| vitrine_gui::records::anchor_content(&snap, p);
    // Planned first, so that whoever imports sees who is new and what is held apart before anything is
    // merged; a bundle's allowed_signers is the exporter's word, so new keys are taken on first use only,
    // or when asked.
    let plan = match review.plan_import(&report, &read) {
        Ok(p) => p,
        Err(e) => {
            writeln!(ctx.err, "vitrine: {}: {e}", a.file.display())?;
            return Ok(Exit::Failed);
        }
    };
    for k in &plan.new_people {
        writeln!(
            ctx.err,
            "new person in the bundle: {} ({}) {}",
            shown(&k.principal, &k.shown),
            k.role,
            k.fingerprint
        )?;
        if let Some(other) = &k.looks_like {
            writeln!(
                ctx.err,
                "  LOOK-ALIKE: {} looks like {}, a person of this review",
                k.shown,
                principal_shown(other)
            )?;
        }
        for line in &k.signed {
            writeln!(ctx.err, "  signed: {line}")?;
        }
    }
    for k in &plan.second_keys {
        writeln!(
            ctx.err,
            "a second key for {}, not the one this review knows: {} (known: {}) ({})",
            shown(&k.key.principal, &k.key.shown),
            k.key.fingerprint,
            k.known.join(", "),
            k.key.role
        )?;
        for line in &k.key.signed {
            writeln!(ctx.err, "  signed: {line}")?;
        }
    }
    for r in &plan.refused_people {
        writeln!(
            ctx.err,
            "refused person in the bundle: {} {}: {}",
            shown(&r.principal, &r.shown),
            r.fingerprint,
            r.reason
        )?;
    }
    for h in &plan.held {
        writeln!(ctx.err, "held apart: {} {}: {}", h.name, h.id, h.reason)?;
    }
    let consent = Consent { new_people: a.accept_new_people, second_keys: a.accept_second_key };
    if let Some(why) = plan.missing(consent) {
        let flag = if !plan.refused_people.is_empty() {
            ""
        } else if plan.needs().second_keys && !consent.second_keys {
            "; check the fingerprint with that person and rerun with --accept-second-key"
        } else {
            "; check their fingerprints and rerun with --accept-new-people"
        };
        writeln!(ctx.err, "vitrine: import refused: {why}{flag}")?;
        return Ok(Exit::Failed);
    }
    let differences: Vec<String> =
        plan.status_differences.iter().map(vitrine_record::import::StatusDifference::message).collect();
    match review.apply_import(plan, consent) {
        Ok(r) => {
            for d in &differences {
                writeln!(ctx.out, "status differs: {d}")?;
            }
            for p in &r.people_added {
                writeln!(ctx.out, "added person {}", principal_shown(p))?;
            }
            for id in &r.added {
                writeln!(ctx.out, "added {id}")?;
            }
            writeln!(
                ctx.out,
                "imported {} new entries ({} already present{})",
                r.added.len(),
                r.already_present,
                if r.held.is_empty() {
                    String::new()
                } else {
                    format!(", {} held apart: their anchors do not resolve in this snapshot", r.held.len())
                }
            )?;
            Ok(Exit::Ok)
        }
        Err(e @ vitrine_record::RecordError::Import(_)) => {
            writeln!(ctx.err, "vitrine: {e}")?;
            Ok(Exit::Failed)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Serialize)]
struct VerifyJson<'a> {
    valid: bool,
    format: Option<u64>,
    entries: usize,
    verified_entries: usize,
    snapshot: Option<&'a str>,
    snapshot_checked: bool,
    signers: Vec<bundle::SignerRow>,
    files: &'a [bundle::FileCheck],
    problems: &'a [vitrine_record::Problem],
}

fn verify(a: VerifyArgs, ctx: &mut Ctx<'_>) -> anyhow::Result<Exit> {
    let files = BundleFiles::read(&a.record)?;
    let trusted = match &a.trusted_signers {
        Some(p) => {
            let text = std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?;
            Some(
                vitrine_record::AllowedSigners::parse(&text)
                    .with_context(|| format!("{}: not an allowed_signers file", p.display()))?,
            )
        }
        None => None,
    };
    let snap = match &a.snapshot {
        Some(p) => Some(ctx.open_snapshot(p, true)?),
        None => None,
    };
    let read = |p: &[u8]| snap.as_ref().and_then(|s| vitrine_gui::records::anchor_content(s, p));
    let data = snap.as_ref().map(|s| vitrine_gui::records::snapshot_data(s, &read));
    let prev = match &a.previous {
        Some(p) => Some(ctx.open_snapshot(p, true)?),
        None => None,
    };
    let read_prev = |p: &[u8]| prev.as_ref().and_then(|s| vitrine_gui::records::anchor_content(s, p));
    let prev_data = prev.as_ref().map(|s| vitrine_gui::records::snapshot_data(s, &read_prev));
    let mut report = bundle::verify_with_previous(&files, data.as_ref(), prev_data.as_ref());
    // The record's health.json is its exporter's word until computed again from the snapshot.
    if let Some(s) = &snap {
        report.check_health(
            files.get("health.json"),
            &vitrine_snapshot::recorded_health(s.health(), &ctx.ingest)?,
        );
    }
    // An `outdated` claim is checked by porting the thread again between the two snapshots.
    if let (Some(new), Some(old)) = (&snap, &prev) {
        let ported = report.accepted.iter().map(|v| (v.name.as_str(), &v.entry));
        let disproved = vitrine_compare::carry::disproved_outdated(old, new, ported)
            .context("cannot check the outdated ports against both snapshots")?;
        report.problems.extend(
            disproved
                .into_iter()
                .map(|(name, m)| vitrine_record::Problem::new(vitrine_record::ProblemKind::Port, name, m)),
        );
    }
    if let (Some(t), Some(p)) = (&trusted, &a.trusted_signers) {
        report.pin_signers(t, &format!("the trusted signers file {}", p.display()));
    }
    let signers = report.signers();
    if a.json {
        ctx.json(&VerifyJson {
            valid: report.is_valid(),
            format: report.header.as_ref().map(|h| h.v),
            entries: report.entry_files,
            verified_entries: report.accepted.len(),
            snapshot: report.header.as_ref().map(|h| h.snapshot.tree_sha256.as_str()),
            snapshot_checked: report.snapshot_checked,
            signers,
            files: &report.files,
            problems: &report.problems,
        })?;
    } else {
        for p in &report.problems {
            writeln!(ctx.out, "{p}")?;
        }
        writeln!(ctx.out, "signers:")?;
        for s in &signers {
            writeln!(
                ctx.out,
                "  {:<28} {:<9} {}  {} entries{}{}",
                shown(&s.principal, &s.shown),
                s.role,
                s.fingerprint,
                s.entries,
                if s.exporter { ", exported the record" } else { "" },
                s.flags.iter().map(|f| format!("  [{f}]")).collect::<String>()
            )?;
        }
        writeln!(ctx.out, "files:")?;
        // Entries and earlier checkpoints that are fine are counted, not listed: a record may hold
        // 200,000 entry files.
        let mut grouped: std::collections::BTreeMap<(&str, &str), usize> = std::collections::BTreeMap::new();
        for f in &report.files {
            let dir = ["entries/", "checkpoints/"].into_iter().find(|d| f.name.starts_with(d));
            match dir {
                Some(d) if f.ok => *grouped.entry((d, f.how.as_str())).or_default() += 1,
                _ => writeln!(ctx.out, "  {} {}: {}", if f.ok { "ok " } else { "BAD" }, f.name, f.how)?,
            }
        }
        for ((dir, how), n) in grouped {
            writeln!(ctx.out, "  ok  {dir} ({n} files): {how}")?;
        }
        if report.is_valid() {
            writeln!(
                ctx.out,
                "OK: {} entries; signatures, chains and checkpoint verified{}{}{}",
                report.entry_files,
                if report.snapshot_checked { "; snapshot, manifest and anchors match" } else { "" },
                if prev.is_some() { "; ported threads match the previous snapshot" } else { "" },
                if trusted.is_some() { "; every signer is trusted" } else { "" }
            )?;
        } else {
            let n = report.problems.len();
            writeln!(ctx.out, "INVALID: {n} problem{}", if n == 1 { "" } else { "s" })?;
        }
    }
    Ok(if report.is_valid() { Exit::Ok } else { Exit::Failed })
}

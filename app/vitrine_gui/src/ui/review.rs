//! The review in the window: the sign-in form, the annotation composer, and the threads of the current
//! file (or of the whole review) with replies, status changes and retraction.

use egui::{Color32, RichText};
use vitrine_record::{Class, Kind, Severity, Status};

use crate::state::compare::CompareCmd;
use crate::state::review::{Composer, Passphrase, ReviewState, SignInForm, word};
use crate::state::{AppState, NavCmd, ReviewCmd, ViewCmd};
use crate::ui::Commands;

pub const SEVERITIES: [Severity; 5] =
    [Severity::Info, Severity::Low, Severity::Medium, Severity::High, Severity::Critical];

pub fn severity_color(s: Severity) -> Color32 {
    match s {
        Severity::Info => Color32::from_rgb(90, 150, 220),
        Severity::Low => Color32::from_rgb(90, 180, 120),
        Severity::Medium => Color32::from_rgb(220, 170, 50),
        Severity::High => Color32::from_rgb(235, 110, 50),
        Severity::Critical => Color32::from_rgb(230, 50, 60),
    }
}

/// Who is signed in, for the menu bar.
pub fn identity_ui(ui: &mut egui::Ui, review: &ReviewState, commands: &mut Commands) {
    match &review.identity {
        Some(who) => {
            ui.label(RichText::new(format!("✔ {} ({})", who.principal, who.role)).strong())
                .on_hover_text(format!("Signing with {}", who.signer.fingerprint()));
            if ui.button("Sign out").clicked() {
                commands.push(ReviewCmd::SignOut);
            }
        }
        None => {
            if ui.button("Sign in…").on_hover_text("Unlock your Ed25519 key to sign annotations").clicked()
            {
                commands.push(ReviewCmd::ShowSignIn(true));
            }
        }
    }
    if !review.problems.is_empty() {
        ui.label(
            RichText::new(format!("⚠ {} review problems", review.problems.len()))
                .color(Color32::from_rgb(230, 70, 60)),
        )
        .on_hover_text(
            review
                .problems
                .iter()
                .map(|p| format!("{}: {}", p.subject, p.message))
                .collect::<Vec<_>>()
                .join("\n"),
        );
    }
}

/// An entry's time as shown: `2026-01-31 12:00 UTC` (entries store RFC 3339 UTC, whole seconds).
pub fn when(time: &str) -> String {
    match time.strip_suffix('Z').and_then(|t| t.split_once('T')) {
        Some((day, clock)) => format!("{day} {} UTC", clock.get(..5).unwrap_or(clock)),
        None => time.to_owned(),
    }
}

/// A passphrase field's buffer, with room enough that typing never reallocates (a reallocation would
/// leave a copy of the text behind, unwiped).
pub fn passphrase_buffer() -> zeroize::Zeroizing<String> {
    zeroize::Zeroizing::new(String::with_capacity(256))
}

/// The sign-in form. The passphrase is typed into `passphrase`, the view's own buffer, and moved into
/// the sign-in command: it is never part of the state or cloned per frame. Returns true when the user
/// asks to browse for the key file.
pub fn sign_in_ui(
    ctx: &egui::Context,
    review: &ReviewState,
    passphrase: &mut zeroize::Zeroizing<String>,
    commands: &mut Commands,
) -> bool {
    let Some(form) = &review.sign_in else {
        if !passphrase.is_empty() {
            *passphrase = passphrase_buffer();
        }
        return false;
    };
    let mut f: SignInForm = form.clone();
    let (mut submit, mut browse) = (false, false);
    egui::Window::new("Sign in")
        .collapsible(false)
        .resizable(false)
        .anchor(egui::Align2::CENTER_TOP, [0.0, 90.0])
        .show(ctx, |ui| {
            egui::Grid::new("sign-in").num_columns(2).show(ui, |ui| {
                let l = ui.label("Private key file");
                ui.horizontal(|ui| {
                    ui.add(
                        egui::TextEdit::singleline(&mut f.key_path)
                            .hint_text("~/.ssh/id_ed25519")
                            .desired_width(260.0),
                    )
                    .labelled_by(l.id);
                    browse = ui.button("Browse…").on_hover_text("Choose the key file").clicked();
                });
                ui.end_row();
                let l = ui.label("Passphrase");
                let r = ui
                    .add(egui::TextEdit::singleline(&mut **passphrase).password(true).desired_width(320.0))
                    .labelled_by(l.id);
                submit |= r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                ui.end_row();
                let l = ui.label("Principal (new key)");
                ui.add(
                    egui::TextEdit::singleline(&mut f.principal)
                        .hint_text("alice@agency.example (filled from the key's comment)")
                        .desired_width(320.0),
                )
                .labelled_by(l.id);
                ui.end_row();
                let l = ui.label("Role (new key)");
                ui.add(
                    egui::TextEdit::singleline(&mut f.role)
                        .hint_text("reviewer, vendor or lead")
                        .desired_width(320.0),
                )
                .labelled_by(l.id);
                ui.end_row();
            });
            ui.label(
                RichText::new("A key already among the review's people needs no principal or role.").weak(),
            );
            ui.horizontal(|ui| {
                submit |= ui.button("Sign in").clicked();
                if ui.button("Cancel").clicked() {
                    commands.push(ReviewCmd::ShowSignIn(false));
                }
            });
        });
    if f != *form {
        commands.push(ReviewCmd::EditSignIn(f));
    }
    if submit {
        commands.push(ReviewCmd::SignIn(Passphrase::take_from(passphrase)));
        passphrase.reserve(256);
    }
    browse
}

/// The import waiting for an answer: who is new (principal, role, fingerprint, what they signed), second
/// keys for people the review knows, people refused, entries held apart. Cancel merges nothing.
pub fn import_ui(ctx: &egui::Context, review: &ReviewState, second_keys: &mut bool, commands: &mut Commands) {
    let Some(pending) = &review.import else {
        *second_keys = false;
        return;
    };
    let plan = &pending.plan;
    egui::Window::new("Import: new people")
        .collapsible(false)
        .resizable(true)
        .default_width(720.0)
        .anchor(egui::Align2::CENTER_TOP, [0.0, 80.0])
        .show(ctx, |ui| {
            ui.label(format!(
                "{} brings {} new entries. Nothing is merged until you accept the people who signed them.",
                pending.path.display(),
                plan.entries.len()
            ));
            egui::ScrollArea::vertical().max_height(420.0).show(ui, |ui| {
                for p in &plan.new_people {
                    ui.separator();
                    ui.label(RichText::new(format!("New: {} ({})", p.shown, p.role)).strong());
                    ui.label(RichText::new(&p.fingerprint).monospace());
                    if let Some(other) = &p.looks_like {
                        ui.label(
                            RichText::new(format!("⚠ looks like {other}, but is a different name"))
                                .color(ui.visuals().error_fg_color),
                        );
                    }
                    for line in &p.signed {
                        ui.label(RichText::new(format!("  signed: {line}")).weak());
                    }
                }
                for k in &plan.second_keys {
                    ui.separator();
                    ui.label(RichText::new(k.message()).strong().color(ui.visuals().warn_fg_color));
                    for line in &k.key.signed {
                        ui.label(RichText::new(format!("  signed: {line}")).weak());
                    }
                }
                for r in &plan.refused_people {
                    ui.separator();
                    ui.label(
                        RichText::new(format!("Refused: {} ({}): {}", r.shown, r.fingerprint, r.reason))
                            .color(ui.visuals().error_fg_color),
                    );
                }
                if !plan.held.is_empty() {
                    ui.separator();
                    ui.label(
                        RichText::new(format!("{} entries held apart (not merged):", plan.held.len()))
                            .strong(),
                    );
                    for h in &plan.held {
                        ui.label(RichText::new(format!("  {}: {}", h.name, h.reason)).weak());
                    }
                }
            });
            ui.separator();
            if !plan.second_keys.is_empty() {
                ui.checkbox(second_keys, "I checked each second key's fingerprint with its owner");
            }
            ui.horizontal(|ui| {
                let can = plan.refused_people.is_empty() && (plan.second_keys.is_empty() || *second_keys);
                let what = if plan.refused_people.is_empty() {
                    "Merge the entries and add these people to the review"
                } else {
                    "A person of this bundle cannot be added: the import is refused"
                };
                if ui
                    .add_enabled(can, egui::Button::new("Accept and import"))
                    .on_hover_text(what)
                    .on_disabled_hover_text(what)
                    .clicked()
                {
                    commands.push(ReviewCmd::AcceptImport { second_keys: *second_keys });
                }
                if ui.button("Cancel").on_hover_text("Merge nothing").clicked() {
                    commands.push(ReviewCmd::CancelImport);
                }
            });
        });
}

/// Asks before marking reviewed a file that has not all been on screen.
pub fn mark_warning_ui(ctx: &egui::Context, state: &AppState, commands: &mut Commands) {
    let Some(w) = &state.mark_warning else { return };
    egui::Window::new("Mark reviewed?")
        .collapsible(false)
        .resizable(false)
        .anchor(egui::Align2::CENTER_TOP, [0.0, 120.0])
        .show(ctx, |ui| {
            ui.label(format!(
                "Only {}% of the lines of {} have been on screen in this window.",
                w.seen_percent, w.path
            ));
            ui.label("A review-mark says that you reviewed this exact content. Mark it reviewed anyway?");
            ui.horizontal(|ui| {
                if ui.button("Mark reviewed anyway").clicked() {
                    commands.push(ReviewCmd::MarkReviewed { anyway: true });
                }
                if ui.button("Cancel").clicked() {
                    commands.push(ReviewCmd::CancelMark);
                }
            });
        });
}

pub fn composer_ui(ctx: &egui::Context, review: &ReviewState, commands: &mut Commands) {
    let Some(c) = &review.composer else { return };
    let mut d: Composer = c.clone();
    let mut submit = false;
    // On the right, at the bottom or the top, whichever leaves the lines being annotated (drawn
    // earlier this frame) readable: the side with more room beyond them.
    let screen = ctx.content_rect();
    let at_top = crate::ui::code_view::selected_rows(ctx)
        .is_some_and(|rows| rows.top() - screen.top() > screen.bottom() - rows.bottom());
    let (anchor, offset) = if at_top {
        (egui::Align2::RIGHT_TOP, [-20.0, 80.0])
    } else {
        (egui::Align2::RIGHT_BOTTOM, [-20.0, -40.0])
    };
    egui::Window::new("New annotation").collapsible(false).default_width(560.0).anchor(anchor, offset).show(
        ctx,
        |ui| {
            let place = format!("{}: lines {}–{}", d.path, d.first, d.last);
            match &d.before {
                Some(tree) => {
                    let tree = tree.to_hex();
                    let tree = tree.get(..12).unwrap_or(&tree);
                    ui.label(RichText::new(format!("{place} of the version before")).monospace().strong());
                    ui.label(
                        RichText::new(format!(
                            "Signed in the review of the version before (tree {tree}…) and carried over \
                             to this review at once."
                        ))
                        .weak(),
                    );
                }
                None => {
                    ui.label(RichText::new(place).monospace().strong());
                }
            }
            ui.horizontal(|ui| {
                for (class, name) in
                    [(Class::Finding, "Finding"), (Class::Question, "Question"), (Class::Note, "Note")]
                {
                    ui.radio_value(&mut d.class, class, name);
                }
            });
            ui.horizontal(|ui| {
                ui.label("Severity");
                for s in SEVERITIES {
                    ui.radio_value(&mut d.severity, s, RichText::new(word(s)).color(severity_color(s)));
                }
            });
            ui.horizontal(|ui| {
                let l = ui.label("Category");
                ui.add(
                    egui::TextEdit::singleline(&mut d.category)
                        .hint_text("e.g. memory-safety, crypto, backdoor")
                        .desired_width(300.0),
                )
                .labelled_by(l.id);
            });
            let l = ui.label("What you found, asked or noted (Markdown)");
            ui.add(
                egui::TextEdit::multiline(&mut d.body)
                    .desired_rows(6)
                    .desired_width(f32::INFINITY)
                    .id(egui::Id::unique("composer-body")),
            )
            .labelled_by(l.id);
            ui.label(RichText::new("The draft is saved as you type; it survives a crash.").weak());
            ui.horizontal(|ui| {
                let signer = review.identity.as_ref().map(|i| i.principal.clone());
                let label = match &signer {
                    Some(p) => format!("Sign as {p} and submit (Ctrl+Enter)"),
                    None => "Sign in to submit".to_owned(),
                };
                if ui.add_enabled(signer.is_some(), egui::Button::new(label)).clicked() {
                    submit = true;
                }
                if ui.button("Discard").clicked() {
                    commands.push(ReviewCmd::DiscardComposer);
                }
            });
            submit |= review.identity.is_some()
                && ui.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, egui::Key::Enter));
        },
    );
    if d != *c {
        commands.push(ReviewCmd::EditComposer(d));
    }
    if submit {
        commands.push(ReviewCmd::SubmitAnnotation);
    }
}

/// The annotations panel: threads of the active file (or the whole review), newest activity visible.
pub fn annotations_ui(ui: &mut egui::Ui, state: &AppState, commands: &mut Commands) {
    let Some(review) = &state.review else { return };
    let path = state.active_tab().map(|t| t.doc.path.display());
    let threads = review.threads(path.as_deref());
    let all = review.thread_count();
    let plural = |n: usize| if n == 1 { "thread" } else { "threads" };
    ui.label(
        RichText::new(format!("{} {} here · {all} in the review", threads.len(), plural(threads.len())))
            .weak(),
    );
    if let (Some(tab), Some(snap)) = (state.active_tab(), &state.snapshot)
        && let Some(entry) = snap.file(tab.doc.path.as_bytes())
    {
        let blob = entry.blob_sha256.to_string();
        let by = review.reviewed_by(&tab.doc.path.display(), &blob);
        ui.horizontal(|ui| {
            if by.is_empty() {
                ui.label("not marked reviewed");
            } else {
                ui.label(
                    RichText::new(format!("✔ reviewed by {}", by.join(", ")))
                        .color(Color32::from_rgb(60, 170, 90)),
                );
            }
            // Only the reviewing side marks a file reviewed (the policy's table): the button is off for
            // any other role, which the record would refuse anyway.
            let may_mark = review.identity.as_ref().is_some_and(|me| {
                vitrine_record::policy::check_kind("", &me.role, vitrine_record::Kind::ReviewMark).is_ok()
            });
            if ui
                .add_enabled(may_mark, egui::Button::new("Mark reviewed"))
                .on_hover_text("Sign a review-mark for this file's exact content")
                .on_disabled_hover_text("Only a reviewer or a lead marks a file reviewed")
                .clicked()
            {
                commands.push(ReviewCmd::MarkReviewed { anyway: false });
            }
        });
    }
    ui.separator();
    egui::ScrollArea::vertical().auto_shrink([false, false]).id_salt("threads").show(ui, |ui| {
        for t in threads {
            let e = &t.root.entry;
            let sev = e.severity.unwrap_or(Severity::Info);
            let lines =
                e.target.as_ref().and_then(|x| x.lines).map(|[a, b]| format!("{a}–{b}")).unwrap_or_default();
            let selected = review.selected.as_deref() == Some(t.root.id.as_str());
            let title = format!(
                "{} {} · {} · {}{}",
                word(e.class.unwrap_or(Class::Note)),
                word(sev),
                word(t.status),
                if path.is_none() {
                    format!("{} ", e.target.as_ref().map(|x| x.path.as_str()).unwrap_or_default())
                } else {
                    String::new()
                },
                lines
            );
            let mut text = RichText::new(title).color(severity_color(sev)).strong();
            if t.retracted {
                text = text.strikethrough();
            }
            if ui.selectable_label(selected, text).clicked() {
                commands.push(ReviewCmd::SelectThread(if selected { None } else { Some(t.root.id.clone()) }));
                if let Some([a, _]) = e.target.as_ref().and_then(|x| x.lines) {
                    let p = e.target.as_ref().map(|x| x.path.clone()).unwrap_or_default();
                    commands.push(NavCmd::OpenFile {
                        path: p.into_bytes(),
                        line: Some(a.saturating_sub(1) as usize),
                    });
                }
            }
            ui.label(
                RichText::new(format!("{} ({}) · {}:", review.author(&e.author), e.role, when(&e.time)))
                    .weak(),
            );
            crate::ui::markdown::show(ui, &crate::state::ported::shown_body(e));
            for f in &t.follow_ups {
                let what = match f.entry.kind {
                    Kind::Retract => " retracted".to_owned(),
                    _ => f.entry.status.map(|s| format!(" [{}]", word(s))).unwrap_or_default(),
                };
                ui.indent(&f.id, |ui| {
                    ui.label(
                        RichText::new(format!(
                            "↳ {} ({}) · {}:{what}",
                            review.author(&f.entry.author),
                            f.entry.role,
                            when(&f.entry.time)
                        ))
                        .weak(),
                    );
                    crate::ui::markdown::show(ui, f.entry.body.as_deref().unwrap_or_default());
                });
            }
            if selected {
                thread_actions_ui(ui, review, &t.root.id, new_lines_selected(state).as_ref(), commands);
            }
            ui.separator();
        }
    });
}

/// The lines selected on the new side of the compare view (path, first and last, 1-based), which a
/// reply can point at.
fn new_lines_selected(state: &AppState) -> Option<(String, u32, u32)> {
    let f = state.compare.as_ref()?.file.as_ref()?;
    match f.selected()? {
        (vitrine_compare::Side::New, a, b) => Some((f.info.new_path.clone()?, a + 1, b + 1)),
        _ => None,
    }
}

fn thread_actions_ui(
    ui: &mut egui::Ui,
    review: &ReviewState,
    id: &str,
    new_lines: Option<&(String, u32, u32)>,
    commands: &mut Commands,
) {
    let signed_in = review.identity.is_some();
    // Whether the one signed in is the thread's author for the policy: the annotation's signer, or for a
    // ported thread the author it carries.
    let author =
        review.entries.iter().find(|e| e.id == id).map(|e| vitrine_record::policy::thread_author(&e.entry));
    let mine = review.identity.as_ref().is_some_and(|me| author.as_deref() == Some(me.principal.as_str()));
    let mut reply = review.reply.clone();
    let l = ui.label("Reply");
    if ui
        .add(egui::TextEdit::multiline(&mut reply).desired_rows(2).desired_width(f32::INFINITY))
        .labelled_by(l.id)
        .changed()
    {
        commands.push(ReviewCmd::EditReply(reply));
    }
    ui.horizontal_wrapped(|ui| {
        if ui.add_enabled(signed_in, egui::Button::new("Reply")).clicked() {
            commands.push(ReviewCmd::Answer { parent: id.to_owned(), status: None });
        }
        ui.label("or set status:");
        // Only the annotation's author can withdraw it; the status policy says who sets what.
        let allowed =
            review.identity.as_ref().map(|me| vitrine_record::policy::allowed_statuses(&me.role, mine));
        for &s in Status::ALL {
            let may = allowed.as_ref().is_some_and(|a| a.contains(&s));
            let why = match &review.identity {
                None => "Sign in to answer".to_owned(),
                Some(me) if !may => format!("A {} may not set {} on this thread", me.role, word(s)),
                Some(_) => format!("Set the thread's status to {}", word(s)),
            };
            if ui
                .add_enabled(may, egui::Button::new(word(s)).small())
                .on_disabled_hover_text(&why)
                .on_hover_text(&why)
                .clicked()
            {
                commands.push(ReviewCmd::Answer { parent: id.to_owned(), status: Some(s) });
            }
        }
        if ui
            .add_enabled(mine, egui::Button::new("Retract").small())
            .on_hover_text("A signed retraction by the annotation's author; the annotation stays in the log")
            .on_disabled_hover_text("Only the annotation's author can retract it")
            .clicked()
        {
            commands.push(ReviewCmd::Retract(id.to_owned()));
        }
    });
    if let Some((path, a, b)) = new_lines {
        // Comparing: the answer can point at the new version's lines selected in the diff.
        let at = if a == b { format!("{path}:{a}") } else { format!("{path}:{a}-{b}") };
        let may_fix = review.identity.as_ref().is_some_and(|me| {
            vitrine_record::policy::allowed_statuses(&me.role, mine).contains(&Status::Fixed)
        });
        ui.horizontal_wrapped(|ui| {
            if ui
                .add_enabled(signed_in, egui::Button::new(format!("Reply at {at}")))
                .on_hover_text("The reply points at these lines of the new version (selected in the diff)")
                .clicked()
            {
                commands.push(CompareCmd::AnswerAt { parent: id.to_owned(), status: None });
            }
            if ui
                .add_enabled(may_fix, egui::Button::new(format!("Fixed at {at}")))
                .on_hover_text("Status fixed, pointing at the new version's lines that fix it")
                .on_disabled_hover_text("Your role may not set fixed on this thread")
                .clicked()
            {
                commands.push(CompareCmd::AnswerAt { parent: id.to_owned(), status: Some(Status::Fixed) });
            }
        });
    }
    if !signed_in {
        ui.label(RichText::new("Sign in to answer.").weak());
    }
}

/// The record tab: the last export, import or verification, entry by entry.
pub fn record_ui(ui: &mut egui::Ui, state: &AppState) {
    let Some(review) = &state.review else { return };
    people_ui(ui, review);
    if review.record_running() {
        // A label, not a spinner: a spinner repaints every frame it can, where background work is shown
        // at the window's bounded rate (~10 Hz, `AppState::busy`).
        ui.label("signing and verifying…");
        return;
    }
    let Some(outcome) = &review.outcome else {
        ui.label("Export, import or verify a record from the Record menu.");
        return;
    };
    let o = match outcome {
        Ok(o) => o,
        Err(e) => {
            ui.label(RichText::new(e).color(ui.visuals().error_fg_color));
            return;
        }
    };
    ui.label(RichText::new(&o.summary).strong());
    let Some(v) = &o.verification else { return };
    let checked = if v.snapshot_checked { ", snapshot checked" } else { "" };
    let (text, color) = if v.valid {
        (
            format!("✔ VALID: {} of {} entries verified{checked}", v.accepted.len(), v.entry_files),
            Color32::from_rgb(60, 170, 90),
        )
    } else {
        (
            format!(
                "✘ INVALID: {} problem{}",
                v.problems.len(),
                if v.problems.len() == 1 { "" } else { "s" }
            ),
            Color32::from_rgb(230, 60, 60),
        )
    };
    ui.label(RichText::new(text).color(color).strong());
    egui::ScrollArea::vertical().auto_shrink([false, false]).id_salt("record-rows").show(ui, |ui| {
        for p in &v.problems {
            let line = format!("✘ {}: {}", p.subject, p.message);
            ui.label(RichText::new(line).monospace().color(Color32::from_rgb(230, 60, 60)));
        }
        for e in &v.accepted {
            let id = e.id.get(..16).unwrap_or(&e.id);
            ui.label(RichText::new(format!("✔ {:>6}  {:<12} {id}  {}", e.seq, e.kind, e.author)).monospace());
        }
    });
}

/// The review's people, one row per key, with who a signed entry retired or renamed.
fn people_ui(ui: &mut egui::Ui, review: &crate::state::review::ReviewState) {
    if review.people.is_empty() {
        return;
    }
    egui::CollapsingHeader::new(format!("People ({})", review.people.len())).default_open(true).show(
        ui,
        |ui| {
            for p in &review.people {
                let line = format!(
                    "{:<28} {:<10} {}",
                    vitrine_record::principal::display(&p.principal),
                    p.role,
                    p.fingerprint
                );
                match &p.state {
                    Some(state) => ui.label(
                        RichText::new(format!("{line}  ({state})")).monospace().strikethrough().weak(),
                    ),
                    None => ui.label(RichText::new(line).monospace()),
                };
            }
        },
    );
    ui.separator();
}

/// A thread as the code view draws it under its lines.
#[derive(Debug, Clone)]
pub struct InlineThread {
    /// The root annotation's entry id.
    pub id: String,
    /// Lines it is anchored to (0-based, inclusive).
    pub first: usize,
    pub last: usize,
    pub color: Color32,
    pub header: String,
    pub body: String,
    /// Each answer: who, role and what it set, then its body.
    pub follow_ups: Vec<(String, String)>,
    pub retracted: bool,
    pub expanded: bool,
}

/// The threads of `path` for the code view, in line order; `collapsed` holds the root ids folded away.
pub fn inline_threads(
    review: &ReviewState,
    path: &str,
    collapsed: &std::collections::BTreeSet<String>,
) -> Vec<InlineThread> {
    let mut out: Vec<InlineThread> = review
        .threads(Some(path))
        .iter()
        .filter_map(|t| {
            let e = &t.root.entry;
            let [a, b] = e.target.as_ref()?.lines?;
            let sev = e.severity.unwrap_or(Severity::Info);
            let follow_ups = t
                .follow_ups
                .iter()
                .map(|f| {
                    let what = match f.entry.kind {
                        Kind::Retract => " · retracted".to_owned(),
                        _ => f.entry.status.map(|s| format!(" · {}", word(s))).unwrap_or_default(),
                    };
                    (
                        format!(
                            "↳ {} ({}) · {}{what}",
                            review.author(&f.entry.author),
                            f.entry.role,
                            when(&f.entry.time)
                        ),
                        f.entry.body.clone().unwrap_or_default(),
                    )
                })
                .collect::<Vec<_>>();
            let replies = match follow_ups.len() {
                0 => String::new(),
                1 => " · 1 answer".to_owned(),
                n => format!(" · {n} answers"),
            };
            let expanded = !collapsed.contains(&t.root.id);
            Some(InlineThread {
                id: t.root.id.clone(),
                first: a.saturating_sub(1) as usize,
                last: b.saturating_sub(1) as usize,
                color: severity_color(sev),
                header: format!(
                    "{} {} · {} · {} — {} ({}) · {}{replies}",
                    if expanded { "▾" } else { "▸" },
                    word(e.class.unwrap_or(Class::Note)),
                    word(sev),
                    word(t.status),
                    review.author(&e.author),
                    e.role,
                    when(&e.time),
                ),
                body: crate::state::ported::shown_body(e),
                follow_ups,
                retracted: t.retracted,
                expanded,
            })
        })
        .collect();
    out.sort_by_key(|t| (t.last, t.first));
    out
}

/// Draws one thread under its lines: a header that folds it, the bodies in Markdown, and a way to the
/// answer box in the annotations panel.
pub fn inline_thread_ui(ui: &mut egui::Ui, t: &InlineThread, commands: &mut Commands) {
    let fill = Color32::from_rgba_unmultiplied(t.color.r(), t.color.g(), t.color.b(), 22);
    let r = egui::Frame::new().fill(fill).inner_margin(egui::Margin::symmetric(10, 5)).corner_radius(3).show(
        ui,
        |ui| {
            ui.set_width(ui.available_width());
            ui.spacing_mut().item_spacing = egui::vec2(6.0, 3.0);
            ui.horizontal(|ui| {
                let mut header = RichText::new(&t.header).color(t.color).strong();
                if t.retracted {
                    header = header.strikethrough();
                }
                let hover = if t.expanded { "Fold this thread" } else { "Unfold this thread" };
                if ui.add(egui::Label::new(header).sense(egui::Sense::click())).on_hover_text(hover).clicked()
                {
                    commands.push(ViewCmd::ToggleInlineThread(t.id.clone()));
                }
                if ui
                    .small_button("Answer…")
                    .on_hover_text("Reply, set a status or retract, in the annotations panel")
                    .clicked()
                {
                    commands.push(ReviewCmd::SelectThread(Some(t.id.clone())));
                    commands.push(ViewCmd::ShowRight(crate::state::RightTab::Annotations));
                }
            });
            if t.expanded {
                crate::ui::markdown::show(ui, &t.body);
                for (who, body) in &t.follow_ups {
                    ui.label(RichText::new(who).weak());
                    if !body.is_empty() {
                        ui.indent(who, |ui| crate::ui::markdown::show(ui, body));
                    }
                }
            }
        },
    );
    let bar = egui::Rect::from_min_max(
        r.response.rect.min,
        egui::pos2(r.response.rect.min.x + 3.0, r.response.rect.max.y),
    );
    ui.painter().rect_filled(bar, 0.0, t.color);
}

//! Applies the review's commands: signing in, annotating, answering, marking reviewed, records.

use crate::state::records::{RecordAction, RecordOutcome};
use crate::state::review::SignInForm;

/// Below this share of a file's lines seen on screen, "Mark reviewed" asks first.
const MARK_WITHOUT_ASKING: f32 = 0.9;

/// "Only 26% of this file has been on screen: mark it reviewed anyway?"
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkWarning {
    pub path: String,
    pub seen_percent: u32,
}
use crate::state::{AppState, BottomTab, ReviewCmd, RightTab};

impl AppState {
    /// Applies a review command; returns whether the review's log may have changed (progress and the
    /// thread list are then recomputed).
    ///
    /// Longer than 120 lines on purpose: one short arm per `ReviewCmd`, so the whole table of what each
    /// review command does reads in one place (the other domains' `apply` are built the same way).
    pub(crate) fn apply_review(&mut self, cmd: ReviewCmd) -> bool {
        let changes = matches!(
            cmd,
            ReviewCmd::SubmitAnnotation
                | ReviewCmd::Answer { .. }
                | ReviewCmd::Retract(_)
                | ReviewCmd::MarkReviewed { .. }
                | ReviewCmd::SignIn(_)
        );
        match cmd {
            ReviewCmd::ShowSignIn(show) => {
                if let Some(r) = &mut self.review {
                    r.sign_in = show.then(SignInForm::default);
                }
            }
            ReviewCmd::EditSignIn(mut form) => {
                if let Some(r) = &mut self.review {
                    // A new key path with no principal typed yet: the principal is the key's comment.
                    let key_changed = r.sign_in.as_ref().is_none_or(|old| old.key_path != form.key_path);
                    if key_changed
                        && form.principal.trim().is_empty()
                        && let Some(comment) = key_comment(form.key_path.trim())
                    {
                        form.principal = comment;
                    }
                    r.sign_in = Some(form);
                }
            }
            ReviewCmd::SignIn(passphrase) => {
                let Some(r) = &mut self.review else { return false };
                let Some(form) = r.sign_in.clone() else { return false };
                match r.sign_in(&form, &passphrase) {
                    Ok(()) => r.sign_in = None,
                    Err(e) => self.error = Some(e.to_string()),
                }
            }
            ReviewCmd::SignOut => {
                if let Some(r) = &mut self.review {
                    r.sign_out();
                }
            }
            ReviewCmd::Annotate => {
                let Some(tab) = self.active_tab() else { return false };
                let sel = tab.selection();
                let (path, first, last) =
                    (tab.doc.path.display(), *sel.start() as u64 + 1, *sel.end() as u64 + 1);
                if let Some(r) = &mut self.review {
                    r.compose(path, first, last);
                    if r.identity.is_none() {
                        r.sign_in.get_or_insert_with(SignInForm::default);
                    }
                }
            }
            ReviewCmd::EditComposer(c) => {
                if let Some(r) = &mut self.review {
                    r.edit(c);
                }
            }
            ReviewCmd::SubmitAnnotation => {
                // Lines of the version before (from the compare view) go to that version's review.
                let before = self
                    .review
                    .as_ref()
                    .and_then(|r| r.composer.as_ref())
                    .is_some_and(|c| c.before.is_some());
                let submitted = match (&mut self.review, &self.snapshot) {
                    _ if before => self.submit_before(),
                    (Some(r), Some(snap)) => r.submit(snap).map_err(|e| e.to_string()),
                    _ => return false,
                };
                if let Err(e) = submitted {
                    self.error = Some(e);
                } else {
                    self.right = RightTab::Annotations;
                }
            }
            ReviewCmd::DiscardComposer => {
                if let Some(r) = &mut self.review {
                    r.discard();
                }
            }
            ReviewCmd::SelectThread(id) => {
                if let Some(r) = &mut self.review {
                    if r.selected != id {
                        r.reply.clear();
                    }
                    r.selected = id;
                }
                self.right = RightTab::Annotations;
            }
            ReviewCmd::EditReply(text) => {
                if let Some(r) = &mut self.review {
                    r.reply = text;
                }
            }
            ReviewCmd::Answer { parent, status } => {
                let Some(r) = &mut self.review else { return false };
                let body = r.reply.clone();
                if let Err(e) = r.answer(&parent, &body, status) {
                    self.error = Some(e.to_string());
                }
            }
            ReviewCmd::Retract(id) => {
                if let Some(r) = &mut self.review
                    && let Err(e) = r.retract(&id)
                {
                    self.error = Some(e.to_string());
                }
            }
            ReviewCmd::CancelMark => self.mark_warning = None,
            ReviewCmd::MarkReviewed { anyway } => {
                self.mark_warning = None;
                let seen = self.active_tab().map(|t| (t.doc.path.display(), t.seen.fraction()));
                if let Some((path, seen)) = seen
                    && !anyway
                    && seen < MARK_WITHOUT_ASKING
                {
                    self.mark_warning =
                        Some(MarkWarning { path, seen_percent: (seen * 100.0).floor() as u32 });
                    return false;
                }
                let path = self.active_tab().map(|t| t.doc.path.as_bytes().to_vec());
                let (Some(r), Some(snap), Some(path)) = (&mut self.review, &self.snapshot, path) else {
                    return false;
                };
                if let Err(e) = r.mark_reviewed(snap, &path) {
                    self.error = Some(e.to_string());
                }
            }
            ReviewCmd::AcceptImport { second_keys } => {
                let (Some(r), Some(snap)) = (&mut self.review, &self.snapshot) else { return false };
                let Some(plan) = r.import.take() else { return false };
                let consent = vitrine_record::Consent { new_people: true, second_keys };
                r.start_record(RecordAction::ApplyImport { plan, consent }, snap.clone());
            }
            ReviewCmd::CancelImport => {
                if let Some(r) = &mut self.review
                    && let Some(plan) = r.import.take()
                {
                    r.outcome = Some(Ok(RecordOutcome {
                        summary: format!("import of {} cancelled: nothing merged", plan.path.display()),
                        verification: None,
                        plan: None,
                    }));
                }
            }
            ReviewCmd::Record(action) => {
                let (Some(r), Some(snap)) = (&mut self.review, &self.snapshot) else { return false };
                r.start_record(action, snap.clone());
                self.bottom = BottomTab::Record;
                self.prefs.show_health = true;
            }
        }
        changes
    }
}

/// The comment of a key (`alice@agency.example`), read from its public half next to it (`KEY.pub`):
/// the private half of an encrypted key keeps its comment encrypted.
fn key_comment(key_path: &str) -> Option<String> {
    if key_path.is_empty() {
        return None;
    }
    let public = std::fs::read_to_string(format!("{key_path}.pub")).ok()?;
    let comment = public.lines().next()?.split_whitespace().nth(2)?;
    Some(comment.to_owned())
}

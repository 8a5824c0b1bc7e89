//! File dialogs that always work: the desktop's own dialog (rfd) where one can be shown, and an
//! in-window path dialog otherwise (a path field, the directory's listing, keyboard navigation).
//!
//! rfd reports "the dialog could not be shown" (no xdg-desktop-portal, no zenity: a locked-down
//! machine) exactly as it reports "the user cancelled". So the window looks for a backend before
//! asking rfd, and takes an answer that comes back faster than anyone could have clicked Cancel as a
//! dialog that never appeared: in both cases the in-window dialog opens instead. Never a silent no-op.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;
use egui::{Key, RichText};

/// What a file dialog was opened for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    /// A snapshot directory to open.
    Folder,
    /// A snapshot archive to open.
    Archive,
    /// Where to write an exported review record.
    Export {
        /// The questions-only packet (no source) rather than the full record.
        questions_only: bool,
    },
    /// A review record whose answers to import.
    Import,
    /// A review record to verify.
    Verify,
    /// A private key to sign in with.
    Key,
    /// The version before, to compare the snapshot on screen with: a folder or an archive.
    Compare {
        /// Pick an archive file rather than a folder.
        archive: bool,
    },
}

impl Pick {
    fn title(self) -> &'static str {
        match self {
            Pick::Folder => "Open a snapshot folder",
            Pick::Archive => "Open a snapshot archive",
            Pick::Export { questions_only: false } => "Export the review record",
            Pick::Export { questions_only: true } => "Export the questions (no source)",
            Pick::Import => "Import answers: choose a review record",
            Pick::Verify => "Verify: choose a review record",
            Pick::Key => "Choose your private key",
            Pick::Compare { archive: false } => "Compare with the version before: its folder",
            Pick::Compare { archive: true } => "Compare with the version before: its archive",
        }
    }

    /// Whether the answer is a directory (else a file).
    fn wants_dir(self) -> bool {
        matches!(self, Pick::Folder | Pick::Compare { archive: false })
    }

    /// Whether the answer may be a file that does not exist yet.
    fn saves(self) -> bool {
        matches!(self, Pick::Export { .. })
    }

    fn default_name(self) -> &'static str {
        match self {
            Pick::Export { questions_only: false } => "review.vitrine",
            Pick::Export { questions_only: true } => "questions.vitrine",
            _ => "",
        }
    }
}

/// Which dialogs to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Backend {
    /// The desktop's dialog when a backend is found, the in-window one otherwise.
    #[default]
    Auto,
    /// Always the in-window dialog (tests, and `VITRINE_FILE_DIALOG=builtin`).
    InWindow,
}

/// An answer faster than this is a dialog that was never shown.
const TOO_FAST: Duration = Duration::from_millis(250);

/// The dialogs of the window: at most one open at a time.
#[derive(Debug, Default)]
pub struct Dialogs {
    pub backend: Backend,
    native: Option<Native>,
    pub in_window: Option<PathDialog>,
}

#[derive(Debug)]
struct Native {
    pick: Pick,
    started: Instant,
    answer: Receiver<Option<PathBuf>>,
}

impl Dialogs {
    /// Whether a dialog is open (the window's own shortcuts wait).
    pub fn is_open(&self) -> bool {
        self.native.is_some() || self.in_window.is_some()
    }

    /// Opens a dialog for `pick`.
    pub fn open(&mut self, pick: Pick, start: Option<&Path>) {
        if self.is_open() {
            return;
        }
        if self.backend == Backend::Auto && native_backend_present() {
            let (tx, rx) = crossbeam_channel::bounded(1);
            let spawned = std::thread::Builder::new().name("file-dialog".into()).spawn(move || {
                let _ = tx.send(native_dialog(pick));
            });
            if spawned.is_ok() {
                self.native = Some(Native { pick, started: Instant::now(), answer: rx });
                return;
            }
        }
        self.in_window = Some(PathDialog::new(pick, start));
    }

    /// The path chosen this frame, if any. A native dialog that came back at once (it could not be
    /// shown) is replaced by the in-window one.
    pub fn poll(&mut self) -> Option<(Pick, PathBuf)> {
        let native = self.native.as_ref()?;
        let answer = native.answer.try_recv().ok()?;
        let (pick, fast) = (native.pick, native.started.elapsed() < TOO_FAST);
        self.native = None;
        match answer {
            Some(path) => Some((pick, path)),
            None if fast => {
                self.in_window = Some(PathDialog::new(pick, None));
                None
            }
            None => None,
        }
    }
}

/// Whether the desktop can show a file dialog: an xdg-desktop-portal needs a session bus, and rfd's
/// fallback needs `zenity` on the PATH. Elsewhere (macOS, Windows) the system always can.
fn native_backend_present() -> bool {
    if std::env::var_os("VITRINE_FILE_DIALOG").is_some_and(|v| v == "builtin") {
        return false;
    }
    if !cfg!(target_os = "linux") {
        return true;
    }
    let bus = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some_and(|v| !v.is_empty());
    let zenity = std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join("zenity").is_file()));
    bus || zenity
}

fn native_dialog(pick: Pick) -> Option<PathBuf> {
    let dialog = rfd::FileDialog::new().set_title(pick.title());
    match pick {
        Pick::Folder | Pick::Compare { archive: false } => dialog.pick_folder(),
        Pick::Archive | Pick::Compare { archive: true } => {
            dialog.add_filter("Snapshot archives", &["tar", "gz", "tgz", "xz", "txz", "zip"]).pick_file()
        }
        Pick::Export { .. } => {
            dialog.add_filter("Vitrine record", &["vitrine"]).set_file_name(pick.default_name()).save_file()
        }
        Pick::Import | Pick::Verify => dialog.add_filter("Vitrine record", &["vitrine"]).pick_file(),
        Pick::Key => dialog.pick_file(),
    }
}

/// One row of the listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub name: String,
    pub is_dir: bool,
}

/// The in-window dialog.
#[derive(Debug, Clone)]
pub struct PathDialog {
    pub pick: Pick,
    pub dir: PathBuf,
    /// The path being typed (a file or directory name, relative to `dir`, or absolute).
    pub input: String,
    pub listing: Vec<Listed>,
    /// Why the directory could not be listed, or the typed path not used.
    pub problem: Option<String>,
    pub selected: usize,
}

/// What the dialog's frame decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Open,
    Chosen(PathBuf),
    Cancelled,
}

impl PathDialog {
    pub fn new(pick: Pick, start: Option<&Path>) -> PathDialog {
        let dir = start
            .map(Path::to_path_buf)
            .or_else(|| std::env::current_dir().ok())
            .or_else(|| std::env::var_os("HOME").map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from("/"));
        let mut d = PathDialog {
            pick,
            dir: PathBuf::new(),
            input: pick.default_name().to_owned(),
            listing: Vec::new(),
            problem: None,
            selected: 0,
        };
        d.enter(dir);
        d
    }

    /// Lists `dir` (directories first, then files, by name; hidden entries last).
    pub fn enter(&mut self, dir: PathBuf) {
        match std::fs::read_dir(&dir) {
            Ok(entries) => {
                let mut listing: Vec<Listed> = entries
                    .filter_map(Result::ok)
                    .map(|e| Listed {
                        name: e.file_name().to_string_lossy().into_owned(),
                        // Follows links, as a path typed by hand would.
                        is_dir: e.path().is_dir(),
                    })
                    .filter(|l| l.is_dir || !self.pick.wants_dir())
                    .collect();
                listing.sort_by(|a, b| {
                    (!a.is_dir, a.name.starts_with('.'), &a.name).cmp(&(
                        !b.is_dir,
                        b.name.starts_with('.'),
                        &b.name,
                    ))
                });
                self.listing = listing;
                self.dir = dir;
                self.problem = None;
                self.selected = 0;
            }
            Err(e) => self.problem = Some(format!("cannot list {}: {e}", dir.display())),
        }
    }

    fn up(&mut self) {
        if let Some(parent) = self.dir.parent().map(Path::to_path_buf) {
            self.enter(parent);
        }
    }

    /// Opens the highlighted row: a directory is entered, a file is chosen.
    fn open_selected(&mut self) -> Outcome {
        let Some(row) = self.listing.get(self.selected).cloned() else { return Outcome::Open };
        let path = self.dir.join(&row.name);
        if row.is_dir {
            self.enter(path);
            self.input.clear();
            Outcome::Open
        } else {
            Outcome::Chosen(path)
        }
    }

    /// Accepts what was typed (or, with nothing typed, the directory itself for a folder pick).
    pub fn accept_input(&mut self) -> Outcome {
        let typed = self.input.trim();
        if typed.is_empty() {
            return if self.pick.wants_dir() {
                Outcome::Chosen(self.dir.clone())
            } else {
                self.open_selected()
            };
        }
        let path = expand_home(typed).unwrap_or_else(|| self.dir.join(typed));
        if path.is_dir() && !self.pick.wants_dir() {
            self.enter(path);
            self.input.clear();
            return Outcome::Open;
        }
        if path.is_dir() || path.is_file() || (self.pick.saves() && path.parent().is_some_and(Path::is_dir)) {
            return Outcome::Chosen(path);
        }
        self.problem = Some(format!("{} does not exist", path.display()));
        Outcome::Open
    }

    /// Draws the dialog and handles its keys: Up / Down move, Enter opens or accepts, Backspace (with
    /// nothing typed) goes up, Escape cancels.
    pub fn ui(&mut self, ctx: &egui::Context) -> Outcome {
        let mut outcome = Outcome::Open;
        let (esc, down, up, enter, back) = ctx.input_mut(|i| {
            (
                i.consume_key(egui::Modifiers::NONE, Key::Escape),
                i.consume_key(egui::Modifiers::NONE, Key::ArrowDown),
                i.consume_key(egui::Modifiers::NONE, Key::ArrowUp),
                i.consume_key(egui::Modifiers::NONE, Key::Enter),
                i.key_pressed(Key::Backspace),
            )
        });
        if esc {
            return Outcome::Cancelled;
        }
        if down {
            self.selected = (self.selected + 1).min(self.listing.len().saturating_sub(1));
            if let Some(row) = self.listing.get(self.selected) {
                self.input = row.name.clone();
            }
        }
        if up {
            self.selected = self.selected.saturating_sub(1);
            if let Some(row) = self.listing.get(self.selected) {
                self.input = row.name.clone();
            }
        }
        if back && self.input.is_empty() {
            self.up();
        }
        if enter {
            outcome = self.accept_input();
        }
        egui::Window::new(self.pick.title())
            .id(egui::Id::unique("path-dialog"))
            .collapsible(false)
            .resizable(true)
            .default_width(620.0)
            .anchor(egui::Align2::CENTER_TOP, [0.0, 80.0])
            .show(ctx, |ui| {
                ui.horizontal(|ui| {
                    if ui.button("⬆ Up").on_hover_text("The parent folder (Backspace)").clicked() {
                        self.up();
                    }
                    ui.label(RichText::new(self.dir.display().to_string()).monospace().strong());
                });
                let label = ui.label(if self.pick.saves() { "Save as" } else { "Path" });
                let edit = ui
                    .add(
                        egui::TextEdit::singleline(&mut self.input)
                            .id(egui::Id::unique("path-dialog-input"))
                            .hint_text("a name in this folder, or a full path")
                            .desired_width(f32::INFINITY),
                    )
                    .labelled_by(label.id);
                edit.request_focus();
                if let Some(p) = &self.problem {
                    ui.label(RichText::new(p).color(ui.visuals().error_fg_color));
                }
                egui::ScrollArea::vertical().max_height(320.0).auto_shrink([false, true]).show(ui, |ui| {
                    let mut clicked = None;
                    for (i, row) in self.listing.iter().enumerate() {
                        let text = if row.is_dir {
                            format!("▸ {}/", row.name)
                        } else {
                            format!("   {}", row.name)
                        };
                        let r = ui.selectable_label(i == self.selected, RichText::new(text).monospace());
                        if i == self.selected && (down || up) {
                            r.scroll_to_me(None);
                        }
                        if r.double_clicked() {
                            clicked = Some((i, true));
                        } else if r.clicked() {
                            clicked = Some((i, false));
                        }
                    }
                    if let Some((i, open)) = clicked {
                        self.selected = i;
                        if let Some(row) = self.listing.get(i) {
                            self.input = row.name.clone();
                        }
                        if open {
                            outcome = self.open_selected();
                        }
                    }
                    if self.listing.is_empty() {
                        ui.label(RichText::new("(empty)").weak());
                    }
                });
                ui.horizontal(|ui| {
                    let what = if self.pick.wants_dir() { "Open this folder" } else { "Choose" };
                    if ui.button(what).clicked() {
                        outcome = self.accept_input();
                    }
                    if ui.button("Cancel").on_hover_text("Escape").clicked() {
                        outcome = Outcome::Cancelled;
                    }
                });
            });
        outcome
    }
}

/// `~` and `~/…` as the home directory.
fn expand_home(typed: &str) -> Option<PathBuf> {
    let rest = typed.strip_prefix('~')?;
    if !(rest.is_empty() || rest.starts_with('/')) {
        return None;
    }
    let home = PathBuf::from(std::env::var_os("HOME")?);
    Some(home.join(rest.trim_start_matches('/')))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("b-dir/inner")).unwrap();
        std::fs::write(d.path().join("a.vitrine"), "x").unwrap();
        std::fs::write(d.path().join(".hidden"), "x").unwrap();
        d
    }

    #[test]
    fn the_listing_puts_folders_first_and_a_folder_pick_lists_only_folders() {
        let d = tree();
        let files = PathDialog::new(Pick::Import, Some(d.path()));
        let names: Vec<&str> = files.listing.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["b-dir", "a.vitrine", ".hidden"]);
        let folders = PathDialog::new(Pick::Folder, Some(d.path()));
        assert_eq!(folders.listing, [Listed { name: "b-dir".into(), is_dir: true }]);
    }

    #[test]
    fn typed_paths_enter_folders_choose_files_and_name_new_files_for_export() {
        let d = tree();
        let mut dialog = PathDialog::new(Pick::Import, Some(d.path()));
        dialog.input = "b-dir".into();
        assert_eq!(dialog.accept_input(), Outcome::Open);
        assert_eq!(dialog.dir, d.path().join("b-dir"));
        dialog.input = d.path().join("a.vitrine").display().to_string();
        assert_eq!(dialog.accept_input(), Outcome::Chosen(d.path().join("a.vitrine")));
        dialog.input = "missing.vitrine".into();
        assert_eq!(dialog.accept_input(), Outcome::Open);
        assert!(dialog.problem.as_deref().unwrap().contains("does not exist"));
        let mut export = PathDialog::new(Pick::Export { questions_only: false }, Some(d.path()));
        assert_eq!(export.input, "review.vitrine");
        assert_eq!(export.accept_input(), Outcome::Chosen(d.path().join("review.vitrine")));
        let mut folder = PathDialog::new(Pick::Folder, Some(d.path()));
        assert_eq!(folder.accept_input(), Outcome::Chosen(d.path().to_path_buf()));
    }

    #[test]
    fn an_unlistable_folder_is_reported_not_entered() {
        let d = tree();
        let mut dialog = PathDialog::new(Pick::Import, Some(d.path()));
        dialog.enter(d.path().join("nope"));
        assert_eq!(dialog.dir, d.path());
        assert!(dialog.problem.as_deref().unwrap().contains("cannot list"));
    }
}

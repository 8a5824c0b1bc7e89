//! Drawing: each panel reads the state (`&AppState`) and pushes [`crate::state::Command`]s; nothing
//! here changes the state directly.

pub(crate) mod app;
pub(crate) mod code_view;
pub(crate) mod dialog;
pub(crate) mod diff_view;
pub(crate) mod fonts;
pub(crate) mod health;
pub mod keymap;
pub(crate) mod library;
pub(crate) mod markdown;
pub(crate) mod overlay;
pub(crate) mod ranked;
pub(crate) mod review;
pub(crate) mod search;
pub(crate) mod symbols;
pub(crate) mod threads;
pub(crate) mod tree;

use crate::state::Command;

/// The commands a frame emits, applied in order once it is drawn.
#[derive(Debug, Default)]
pub(crate) struct Commands(Vec<Command>);

impl Commands {
    pub fn push(&mut self, cmd: impl Into<Command>) {
        self.0.push(cmd.into());
    }

    pub fn into_vec(self) -> Vec<Command> {
        self.0
    }
}

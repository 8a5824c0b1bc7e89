//! Vitrine's one integration-test binary: end-to-end behaviour of the libraries and the CLI.

// Tests and their helpers fail loudly: an unwrap here is an assertion.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod archive_build;
mod support;

mod archive_diff;
mod bound_names;
mod cli_output;
mod compare;
mod compiled;
mod embedded;
mod errors;
mod findings;
mod gui;
mod gui_compare;
mod gui_friction;
mod gui_ranked;
mod hostile;
mod in_force;
mod latency;
mod loaded;
mod network;
mod provenance;
mod ranked;
mod record;
mod record_terminal;
mod registry;
mod rewritten;
mod same_findings;
mod search;
mod shipped;
mod snapshot;
mod symbols;
mod tidy;

//! Vitrine's one integration-test binary: end-to-end behaviour of the libraries and the CLI.

mod support;

mod gui;
mod snapshot;
mod symbols;
mod search;
mod record;

//! The review record: canonical JSON entries, SSHSIG signatures, an append-only log with RFC 6962
//! checkpoints, export to a `.vitrine` bundle, import and verification.
//!
//! Architecture invariant: this crate depends on no other Vitrine crate and on nothing that parses source
//! code or draws a window; it takes the snapshot's identity and bytes as plain data from its caller, so it
//! can be audited alone. It never opens a socket and never runs a program.

#![warn(missing_docs)]

pub mod allowed;
pub mod bundle;
pub mod canon;
pub mod entry;
mod error;
pub mod import;
pub mod keys;
pub mod merkle;
pub mod order;
pub mod people;
pub mod policy;
pub mod port;
pub mod principal;
pub mod report;
pub mod sarif;
pub mod scripts;
pub mod shown;
pub mod store;
pub mod thread;
pub mod verify;

pub use crate::allowed::{AllowedSigners, Person};
pub use crate::bundle::{BundleFiles, ExportConfig, SnapshotData, VerifyReport};
pub use crate::entry::{Class, Entry, Kind, Severity, Status};
pub use crate::error::RecordError;
pub use crate::import::{Consent, ImportPlan};
pub use crate::keys::Signer;
pub use crate::policy::{PolicyViolation, check_status};
pub use crate::principal::{PrincipalProblem, validate_principal};
pub use crate::store::{Draft, Review};
pub use crate::verify::{EntryProblem, KnownSignatures, Problem, ProblemKind, Verified};
/// Re-exported so callers build times without naming the crate themselves.
pub use time;

//! The review record: canonical JSON entries, SSHSIG signatures, append-only log, Merkle checkpoints, export, import and verify.

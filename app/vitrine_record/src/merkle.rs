//! RFC 6962 Merkle tree hashes and C2SP tlog-checkpoint text.
//!
//! The log of a review is the ordered list of entry bytes. Its root commits to every entry and to their
//! order, and a checkpoint (origin, size, root) signed by an exporting party lets anyone check later that
//! a longer log still starts with exactly the entries that were signed.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

use crate::error::RecordError;

/// A SHA-256 hash.
pub type Hash = [u8; 32];

/// RFC 6962 leaf hash: SHA-256(0x00 ‖ data).
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

/// RFC 6962 interior node hash: SHA-256(0x01 ‖ left ‖ right).
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The Merkle tree hash of a list of leaf hashes (RFC 6962 §2.1). The empty tree hashes to SHA-256("").
///
/// Built bottom up, carrying a lone last node up a level unchanged: this yields the same tree as the
/// RFC's recursive split at the largest power of two, and is what `verify.sh` does with stock tools.
pub fn root_from_leaves(leaves: &[Hash]) -> Hash {
    if leaves.is_empty() {
        return Sha256::digest(b"").into();
    }
    let mut level: Vec<Hash> = leaves.to_vec();
    while level.len() > 1 {
        level = level
            .chunks(2)
            .map(|pair| match pair {
                [l, r] => node_hash(l, r),
                [one] => *one,
                _ => Sha256::digest(b"").into(),
            })
            .collect();
    }
    level.first().copied().unwrap_or_default()
}

/// The Merkle tree hash of a list of entries given as bytes.
pub fn root<T: AsRef<[u8]>>(entries: &[T]) -> Hash {
    let leaves: Vec<Hash> = entries.iter().map(|e| leaf_hash(e.as_ref())).collect();
    root_from_leaves(&leaves)
}

/// Whether a checkpoint of `old_size` entries with root `old_root` is consistent with a log whose leaves
/// are `leaves`: the old root must be the root of the first `old_size` leaves. A verifier who holds the
/// whole log needs no proof path, only this recomputation.
pub fn is_consistent(old_size: u64, old_root: &Hash, leaves: &[Hash]) -> bool {
    usize::try_from(old_size)
        .ok()
        .and_then(|n| leaves.get(..n))
        .is_some_and(|prefix| root_from_leaves(prefix) == *old_root)
}

/// A checkpoint in C2SP tlog-checkpoint form: origin line, size line, base64 root line, then optional
/// extension lines. Vitrine's extension lines bind the rest of the bundle to the signature:
/// `allowed_signers sha256:<hex>`, `manifest sha256:<hex>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// Names the log: `vitrine.review/<SHA-256 tree id>` for a review (see [`crate::bundle::origin`]).
    pub origin: String,
    /// Number of entries in the log when it was taken.
    pub size: u64,
    /// RFC 6962 root of the first `size` entries' bytes.
    pub root: Hash,
    /// Extension lines, `NAME VALUE`, in order; none empty.
    pub extensions: Vec<String>,
}

impl Checkpoint {
    /// The note body: every line ends with a newline, as the C2SP format requires.
    pub fn to_text(&self) -> String {
        let mut s = format!("{}\n{}\n{}\n", self.origin, self.size, STANDARD.encode(self.root));
        for e in &self.extensions {
            s.push_str(e);
            s.push('\n');
        }
        s
    }

    /// Parses a checkpoint body strictly (UTF-8, ends with a newline, decimal size without leading
    /// zeros, 32-byte base64 root, no empty line); anything else is [`RecordError::Bundle`].
    pub fn parse(text: &[u8]) -> Result<Checkpoint, RecordError> {
        let bad = |m: &str| RecordError::Bundle(format!("checkpoint: {m}"));
        let text = std::str::from_utf8(text).map_err(|_| bad("not UTF-8"))?;
        let body = text.strip_suffix('\n').ok_or_else(|| bad("does not end with a newline"))?;
        let mut lines = body.split('\n');
        let origin = lines.next().filter(|o| !o.is_empty()).ok_or_else(|| bad("no origin line"))?;
        let size_line = lines.next().ok_or_else(|| bad("no size line"))?;
        if size_line.is_empty()
            || !size_line.bytes().all(|b| b.is_ascii_digit())
            || (size_line.len() > 1 && size_line.starts_with('0'))
        {
            return Err(bad("size is not a decimal number"));
        }
        let size: u64 = size_line.parse().map_err(|_| bad("size out of range"))?;
        let root_line = lines.next().ok_or_else(|| bad("no root line"))?;
        let root_bytes = STANDARD.decode(root_line).map_err(|_| bad("root is not base64"))?;
        let root: Hash = root_bytes.try_into().map_err(|_| bad("root is not 32 bytes"))?;
        let extensions: Vec<String> = lines.map(str::to_owned).collect();
        if extensions.iter().any(String::is_empty) {
            return Err(bad("empty line"));
        }
        Ok(Checkpoint { origin: origin.to_owned(), size, root, extensions })
    }

    /// The value of an extension line `NAME VALUE`, if present.
    pub fn extension(&self, name: &str) -> Option<&str> {
        self.extensions.iter().find_map(|l| l.strip_prefix(name).and_then(|r| r.strip_prefix(' ')))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The leaf inputs of the RFC 6962 test vectors (certificate-transparency-go `merkle` tests).
    fn rfc_leaves() -> Vec<Vec<u8>> {
        ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
            .iter()
            .map(|h| hex::decode(h).unwrap())
            .collect()
    }

    #[test]
    fn rfc6962_reference_roots() {
        let expected = [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
            "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
            "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
        ];
        let leaves = rfc_leaves();
        for (n, want) in expected.iter().enumerate() {
            assert_eq!(hex::encode(root(&leaves[..=n])), *want, "root of {} leaves", n + 1);
        }
        assert_eq!(
            hex::encode(root::<Vec<u8>>(&[])),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn consistency_of_an_old_checkpoint() {
        let leaves: Vec<Hash> = rfc_leaves().iter().map(|l| leaf_hash(l)).collect();
        let old = root_from_leaves(&leaves[..3]);
        assert!(is_consistent(3, &old, &leaves));
        assert!(!is_consistent(4, &old, &leaves));
        assert!(!is_consistent(9, &old, &leaves));
        let mut forked = leaves.clone();
        forked[1] = leaf_hash(b"other");
        assert!(!is_consistent(3, &old, &forked));
    }

    #[test]
    fn checkpoint_text_round_trip() {
        let c = Checkpoint {
            origin: "vitrine.review/abc".into(),
            size: 7,
            root: [7; 32],
            extensions: vec!["manifest sha256:00".into()],
        };
        let t = c.to_text();
        assert_eq!(Checkpoint::parse(t.as_bytes()).unwrap(), c);
        assert_eq!(c.extension("manifest"), Some("sha256:00"));
        assert!(Checkpoint::parse(b"o\n07\nAAAA\n").is_err());
        assert!(Checkpoint::parse(b"o\n7\n").is_err());
    }
}

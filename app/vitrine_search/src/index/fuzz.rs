//! Fuzzing the index readers (proptest): flipped bytes, truncations and random lengths in every index
//! file, with the seals left as they are (the checksums must catch it) and with the seals rewritten to
//! match (the bounds checks must hold on their own). Opening and searching must end in a result or an
//! error, never a panic or an abort, and every hit must be a file of the snapshot's manifest.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use proptest::prelude::*;
use vitrine_indexfile::{Seal, Seals};
use vitrine_snapshot::progress::Progress;
use vitrine_snapshot::{IngestConfig, Snapshot};

use super::*;
use crate::search::{Query, SearchOptions};

const FILES: [&str; 5] = ["meta.json", "files.bin", "trigrams.bin", "words.bin", "seals.bin"];

/// A snapshot of a few files (one large enough to get a word filter) and its index, built once.
fn built() -> &'static (tempfile::TempDir, Arc<Snapshot>) {
    static BUILT: std::sync::OnceLock<(tempfile::TempDir, Arc<Snapshot>)> = std::sync::OnceLock::new();
    BUILT.get_or_init(|| {
        let tmp = tempfile::tempdir().unwrap();
        let tree = tmp.path().join("tree");
        std::fs::create_dir_all(tree.join("src")).unwrap();
        std::fs::write(tree.join("src/a.c"), "int alpha(void) { return beta(); }\n").unwrap();
        std::fs::write(tree.join("src/b.h"), "int beta(void);\n#define GAMMA 3\n").unwrap();
        let big: String = (0..3000).map(|i| format!("static int word_{i} = {i};\n")).collect();
        std::fs::write(tree.join("big.c"), big).unwrap();
        std::fs::write(tree.join("bin.dat"), [0u8, 1, 2, 0, 255]).unwrap();
        let snap = Arc::new(Snapshot::open(&tree, &IngestConfig::default(), &Progress::default()).unwrap());
        build_into(&snap, &tmp.path().join("index"), &Progress::default()).unwrap();
        (tmp, snap)
    })
}

/// A fresh copy of the built index, to damage.
fn fixture() -> (tempfile::TempDir, Arc<Snapshot>, std::path::PathBuf) {
    let (built, snap) = built();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("index");
    std::fs::create_dir_all(&dir).unwrap();
    for name in FILES {
        std::fs::copy(built.path().join("index").join(name), dir.join(name)).unwrap();
    }
    (tmp, snap.clone(), dir)
}

/// Rewrites `seals.bin` to match the files as they are now (what an attacker who knows the format
/// would do).
fn reseal(dir: &Path) {
    let mut seals = Seals::default();
    for name in FILES.iter().filter(|n| **n != vitrine_indexfile::SEALS_FILE) {
        if let Ok(bytes) = std::fs::read(dir.join(name)) {
            seals.insert(name, Seal::of(&bytes));
        }
    }
    seals.write(dir).unwrap();
}

/// Opens the index and runs a few queries; panics only if a hit names a file outside the manifest.
fn exercise(dir: &Path, snap: &Arc<Snapshot>) {
    let Ok(index) = Index::open(dir, snap.clone()) else { return };
    for q in ["alpha", "beta or gamma", "word_3999", "/ret.rn/", "path:src lang:c int"] {
        let query = Query::new(q).unwrap();
        let _ = index.search(&query, &SearchOptions::default(), &AtomicBool::new(false), &mut |h| {
            assert!(snap.file(h.path.as_bytes()).is_some(), "{q}: {} is not in the snapshot", h.path);
            true
        });
    }
}

#[derive(Debug, Clone)]
enum Harm {
    Flip { at: usize, bit: u8 },
    Truncate { to: usize },
    Extend { by: usize, byte: u8 },
    Word { at: usize, value: u64 },
}

fn harm() -> impl Strategy<Value = Harm> {
    prop_oneof![
        (any::<usize>(), 0u8..8).prop_map(|(at, bit)| Harm::Flip { at, bit }),
        any::<usize>().prop_map(|to| Harm::Truncate { to }),
        (1usize..5000, any::<u8>()).prop_map(|(by, byte)| Harm::Extend { by, byte }),
        (any::<usize>(), prop_oneof![Just(u64::MAX), Just(u64::from(u32::MAX)), any::<u64>()])
            .prop_map(|(at, value)| Harm::Word { at, value }),
    ]
}

fn apply(path: &Path, harm: &Harm) {
    let mut bytes = std::fs::read(path).unwrap();
    let len = bytes.len().max(1);
    match *harm {
        Harm::Flip { at, bit } => {
            if let Some(b) = bytes.get_mut(at % len) {
                *b ^= 1 << bit;
            }
        }
        Harm::Truncate { to } => bytes.truncate(to % len),
        Harm::Extend { by, byte } => bytes.extend(std::iter::repeat_n(byte, by)),
        Harm::Word { at, value } => {
            // Little-endian sizes sit at multiples of four in every table.
            let at = (at % len) & !3;
            for (i, b) in value.to_le_bytes().iter().enumerate() {
                if let Some(slot) = bytes.get_mut(at + i) {
                    *slot = *b;
                }
            }
        }
    }
    std::fs::write(path, bytes).unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn damaged_index_files_never_crash_the_readers(
        file in 0usize..FILES.len(),
        harms in proptest::collection::vec(harm(), 1..4),
        resealed in any::<bool>(),
    ) {
        let (_tmp, snap, dir) = fixture();
        let name = FILES[file];
        for h in &harms {
            apply(&dir.join(name), h);
        }
        if resealed {
            reseal(&dir);
        }
        exercise(&dir, &snap);
    }
}

/// Without rewritten seals, a changed byte anywhere in the index is caught before it is used: the
/// index does not open, or the lookup that reads it fails.
#[test]
fn every_changed_byte_is_caught_by_the_seals() {
    let (_tmp, snap, dir) = fixture();
    for name in FILES {
        let good = std::fs::read(dir.join(name)).unwrap();
        for at in (0..good.len()).step_by((good.len() / 64).max(1)) {
            let mut bad = good.clone();
            bad[at] ^= 0x04;
            std::fs::write(dir.join(name), &bad).unwrap();
            let opened = Index::open(&dir, snap.clone());
            if let Ok(index) = opened {
                // Only lazily read parts can open: reading them must then fail, or not depend on
                // the damaged block at all (word filters answer "maybe" when unreadable).
                assert!(name == "trigrams.bin" || name == "words.bin", "{name} byte {at} opened");
                drop(index);
                exercise(&dir, &snap);
            }
            std::fs::write(dir.join(name), &good).unwrap();
        }
    }
    assert!(Index::open(&dir, snap).is_ok());
}

/// A file id in a posting list flipped past the file table, with the seals rewritten, is an error
/// naming `trigrams.bin`: never a hit on no file, never a list cut short without a word.
#[test]
fn a_flipped_file_id_in_a_posting_list_is_corrupt_and_named() {
    use super::format::{ENTRY_BYTES, PREFIXES};
    let (_tmp, snap, dir) = fixture();
    let path = dir.join("trigrams.bin");
    let mut bytes = std::fs::read(&path).unwrap();
    // The last entry of the table owns the last posting list, which ends the file.
    let head = 24 + (PREFIXES + 1) * 4;
    let n = u64::from_le_bytes(bytes[8..16].try_into().unwrap()) as usize;
    let last = head + (n - 1) * ENTRY_BYTES;
    let tri = u32::from_le_bytes(bytes[last..last + 4].try_into().unwrap());
    let index = Index::open(&dir, snap.clone()).unwrap();
    assert!(!index.trigrams().unwrap().postings(tri).unwrap().is_empty());
    // The list's last byte ends a varint: 0x7f keeps it one, 127 or more past any file id.
    *bytes.last_mut().unwrap() = 0x7f;
    std::fs::write(&path, &bytes).unwrap();
    reseal(&dir);
    let index = Index::open(&dir, snap).unwrap();
    let got = index.trigrams().unwrap().postings(tri);
    assert!(
        matches!(&got, Err(SearchError::Corrupt { path: p, detail }) if *p == path && detail.contains("posting")),
        "{got:?}"
    );
}

//! `trigrams_bench DIR`: reads every file under DIR into memory, then times
//! `distinct_trigrams` (the trigram build's per-file pass) over all of them, three times, on
//! one thread, and prints a digest of every file's trigrams so that two builds can be compared.

#![allow(clippy::unwrap_used)]

use std::hash::{Hash, Hasher};

#[path = "common/tree.rs"]
mod tree;

fn main() {
    let root = std::path::PathBuf::from(std::env::args().nth(1).unwrap());
    let files = tree::read_tree(&root);
    let mut seen = vec![0u64; vitrine_search::SEEN_WORDS];
    let mut out = Vec::new();
    for _ in 0..3 {
        let t = std::time::Instant::now();
        let mut digest = std::collections::hash_map::DefaultHasher::new();
        let mut n = 0usize;
        for (_, b) in &files {
            vitrine_search::distinct_trigrams(b, &mut seen, &mut out);
            n += out.len();
            out.hash(&mut digest);
        }
        println!(
            "{} files, {n} trigrams, digest {:016x}, in {:?}",
            files.len(),
            digest.finish(),
            t.elapsed()
        );
    }
}

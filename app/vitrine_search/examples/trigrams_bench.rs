//! `trigrams_bench DIR`: reads every file under DIR into memory, then times
//! `trigram::distinct_trigrams` (the trigram build's per-file pass) over all of them, three times, on
//! one thread, and prints a digest of every file's trigrams so that two builds can be compared.

#![allow(clippy::unwrap_used)]

use std::hash::{Hash, Hasher};

fn walk(d: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(d).unwrap().flatten() {
        let ft = e.file_type().unwrap();
        if ft.is_dir() {
            walk(&e.path(), out)
        } else if ft.is_file() {
            out.push(e.path())
        }
    }
}

fn main() {
    let root = std::path::PathBuf::from(std::env::args().nth(1).unwrap());
    let mut paths = Vec::new();
    walk(&root, &mut paths);
    paths.sort();
    let files: Vec<Vec<u8>> = paths.iter().filter_map(|p| std::fs::read(p).ok()).collect();
    let mut seen = vec![0u64; vitrine_search::SEEN_WORDS];
    let mut out = Vec::new();
    for _ in 0..3 {
        let t = std::time::Instant::now();
        let mut digest = std::collections::hash_map::DefaultHasher::new();
        let mut n = 0usize;
        for b in &files {
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

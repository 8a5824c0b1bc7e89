//! `regions_bench DIR`: reads every file under DIR into memory, then times `Regions::of_file` (the
//! comment and string spans the ranked build and the `in:` filters use) over all of them, three times,
//! on one thread.

#![allow(clippy::unwrap_used)]

#[path = "common/tree.rs"]
mod tree;

fn main() {
    let root = std::path::PathBuf::from(std::env::args().nth(1).unwrap());
    let files = tree::read_tree(&root);
    for _ in 0..3 {
        let t = std::time::Instant::now();
        let mut n = 0usize;
        for (p, b) in &files {
            n += vitrine_search::regions::Regions::of_file(p, b).spans().len();
        }
        println!("{n} spans in {:?}", t.elapsed());
    }
}

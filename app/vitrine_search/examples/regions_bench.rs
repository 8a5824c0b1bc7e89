//! `regions_bench DIR`: reads every file under DIR into memory, then times `Regions::of_file` (the
//! comment and string spans the ranked build and the `in:` filters use) over all of them, three times,
//! on one thread.

#![allow(clippy::unwrap_used)]

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
    let files: Vec<(Vec<u8>, Vec<u8>)> = paths
        .iter()
        .filter_map(|p| Some((p.to_string_lossy().as_bytes().to_vec(), std::fs::read(p).ok()?)))
        .collect();
    for _ in 0..3 {
        let t = std::time::Instant::now();
        let mut n = 0usize;
        for (p, b) in &files {
            n += vitrine_search::regions::Regions::of_file(p, b).spans().len();
        }
        println!("{n} spans in {:?}", t.elapsed());
    }
}

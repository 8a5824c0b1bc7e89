//! Definitions found so far while the symbol index is built: each parsed file's definitions kept in
//! a compact table as the merging thread receives them, so that a reader can go to a definition in the
//! files already parsed before the index is ready, and be told how many files are still pending.
//! Dropped once the index is ready.
//!
//! A definition is kept as the hash of its name and its place (20 bytes), not as its name: Linux has
//! 7 million definitions, most of them generated register macros with names of 40 to 80 bytes, and the
//! names made this table about 270 MB of the window's peak while the index was written. The hash is
//! SipHash with keys drawn at random for each table (`RandomState`), so a snapshot cannot be written
//! to make another name's definitions answer: two names share a hash with probability 2^-64, and the
//! answer is replaced by the index's own, exact, once it is ready.

use std::hash::{BuildHasher, RandomState};
use std::sync::Mutex;

/// Where a definition is: its file (index into the build's files), its 0-based line and byte column.
#[derive(Debug, Clone, Copy)]
struct Place {
    file: u32,
    line: u32,
    column: u32,
}

/// Entries per chunk of a [`Chunked`] list.
const CHUNK: usize = 1 << 16;

/// A list kept in chunks of [`CHUNK`] entries: it grows without copying what it holds, and holds at
/// most one chunk of unused capacity (a doubling `Vec` holds up to as much again as it is full).
#[derive(Debug)]
struct Chunked<T> {
    chunks: Vec<Vec<T>>,
}

impl<T> Default for Chunked<T> {
    fn default() -> Self {
        Chunked { chunks: Vec::new() }
    }
}

impl<T> Chunked<T> {
    fn push(&mut self, value: T) {
        match self.chunks.last_mut() {
            Some(last) if last.len() < CHUNK => last.push(value),
            _ => {
                let mut chunk = Vec::with_capacity(CHUNK);
                chunk.push(value);
                self.chunks.push(chunk);
            }
        }
    }

    fn iter(&self) -> impl Iterator<Item = &T> {
        self.chunks.iter().flatten()
    }
}

#[derive(Debug, Default)]
struct Table {
    /// Per definition, in the order recorded: the hash of its name (see the module's comment) ...
    hashes: Chunked<u64>,
    /// ... and its place (the same index).
    places: Chunked<Place>,
    paths: Vec<String>,
    parsed: usize,
    keys: RandomState,
}

/// The definitions of the files parsed so far (shared between the build and its readers).
#[derive(Debug, Default)]
pub struct PartialDefinitions {
    table: Mutex<Table>,
}

/// A definition found in a file already parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartialHit {
    /// Path in the snapshot as the symbol index names it (its display form).
    pub path: String,
    /// 0-based line of the name.
    pub line: u32,
    /// 0-based byte column of the name in its line.
    pub column: u32,
}

/// What a lookup found, and how far the build is.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PartialAnswer {
    /// The definitions found in the files parsed so far, in file order.
    pub hits: Vec<PartialHit>,
    /// Files parsed so far.
    pub parsed: usize,
    /// Files the index covers.
    pub total: usize,
}

impl PartialAnswer {
    /// Files whose definitions are not known yet.
    pub fn pending(&self) -> usize {
        self.total.saturating_sub(self.parsed)
    }
}

impl PartialDefinitions {
    /// Called once by the build with the files it will parse, in its order.
    pub fn start(&self, paths: Vec<String>) {
        if let Ok(mut t) = self.table.lock() {
            *t = Table { paths, ..Table::default() };
        }
    }

    /// Records one parsed file's definitions (name, 0-based line, byte column); called by the build's
    /// merging thread for each file parsed, with or without definitions.
    pub fn record<'a>(&self, file: u32, defs: impl Iterator<Item = (&'a [u8], u32, u32)>) {
        let Ok(mut t) = self.table.lock() else { return };
        t.parsed += 1;
        for (name, line, column) in defs {
            let hash = t.keys.hash_one(name);
            t.hashes.push(hash);
            t.places.push(Place { file, line, column });
        }
    }

    /// The definitions named exactly `name` in the files parsed so far, in file order.
    pub fn lookup(&self, name: &str) -> PartialAnswer {
        let Ok(t) = self.table.lock() else { return PartialAnswer::default() };
        let want = t.keys.hash_one(name.as_bytes());
        let mut hits: Vec<(u32, u32, u32)> = t
            .hashes
            .iter()
            .zip(t.places.iter())
            .filter(|(h, _)| **h == want)
            .map(|(_, p)| (p.file, p.line, p.column))
            .collect();
        hits.sort_unstable();
        let hits = hits
            .into_iter()
            .filter_map(|(file, line, column)| {
                Some(PartialHit { path: t.paths.get(file as usize)?.clone(), line, column })
            })
            .collect();
        PartialAnswer { hits, parsed: t.parsed, total: t.paths.len() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_from_the_files_parsed_and_counts_the_rest() {
        let p = PartialDefinitions::default();
        p.start(vec!["a.c".into(), "b.c".into(), "c.c".into()]);
        assert_eq!(p.lookup("f"), PartialAnswer { hits: vec![], parsed: 0, total: 3 });
        p.record(1, [(&b"f"[..], 3, 4), (&b"ff"[..], 5, 0)].into_iter());
        p.record(0, [(&b"f"[..], 9, 1)].into_iter());
        let a = p.lookup("f");
        assert_eq!(
            a.hits.iter().map(|h| (h.path.as_str(), h.line, h.column)).collect::<Vec<_>>(),
            [("a.c", 9, 1), ("b.c", 3, 4)]
        );
        assert_eq!((a.parsed, a.pending()), (2, 1));
        assert!(p.lookup("g").hits.is_empty());
        // A name is matched whole: neither a prefix nor a longer name answers.
        assert!(p.lookup("").hits.is_empty());
        assert_eq!(p.lookup("ff").hits.len(), 1);
        assert!(p.lookup("fff").hits.is_empty());
    }

    /// Past one chunk, every definition is still found, in file order.
    #[test]
    fn many_definitions_span_chunks() {
        let p = PartialDefinitions::default();
        let files = 3 * CHUNK / 1000 + 1;
        p.start((0..files).map(|i| format!("f{i}.h")).collect());
        for file in 0..files as u32 {
            let names: Vec<String> = (0..1000).map(|i| format!("REG_{file}_{i}")).collect();
            p.record(file, names.iter().enumerate().map(|(i, n)| (n.as_bytes(), i as u32, 8)));
        }
        let last = files as u32 - 1;
        let a = p.lookup(&format!("REG_{last}_999"));
        assert_eq!(a.hits, vec![PartialHit { path: format!("f{last}.h"), line: 999, column: 8 }]);
        assert_eq!(p.lookup("REG_0_0").hits.len(), 1);
        assert_eq!(a.pending(), 0);
    }
}

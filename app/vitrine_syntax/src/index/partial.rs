//! Definitions found so far while the symbol index is built: each parsed file's definitions (names,
//! positions) kept in a compact table as the merging thread receives them, so that a reader can go to
//! a definition in the files already parsed before the index is ready, and be told how many files are
//! still pending. Dropped once the index is ready; about 30 bytes per definition.

use std::sync::Mutex;

/// One definition: its name in the table's name bytes, its file (index into the build's files), and
/// its 0-based line and byte column.
#[derive(Debug, Clone, Copy)]
struct Def {
    name_at: u32,
    name_len: u32,
    file: u32,
    line: u32,
    column: u32,
}

#[derive(Debug, Default)]
struct Table {
    names: Vec<u8>,
    defs: Vec<Def>,
    paths: Vec<String>,
    parsed: usize,
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
            let (Ok(name_at), Ok(name_len)) = (u32::try_from(t.names.len()), u32::try_from(name.len()))
            else {
                // Past 4 GiB of names the table stops growing; the index, when ready, has them all.
                return;
            };
            t.names.extend_from_slice(name);
            t.defs.push(Def { name_at, name_len, file, line, column });
        }
    }

    /// The definitions named exactly `name` in the files parsed so far, in file order.
    pub fn lookup(&self, name: &str) -> PartialAnswer {
        let Ok(t) = self.table.lock() else { return PartialAnswer::default() };
        let want = name.as_bytes();
        let mut hits: Vec<(u32, u32, u32)> = t
            .defs
            .iter()
            .filter(|d| {
                d.name_len as usize == want.len()
                    && t.names.get(d.name_at as usize..(d.name_at + d.name_len) as usize) == Some(want)
            })
            .map(|d| (d.file, d.line, d.column))
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
    }
}

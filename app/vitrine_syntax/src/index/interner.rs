//! The snapshot-wide name table of a build, and the keyed hash it and the per-file maps use.
//!
//! The names come from the snapshot, which the vendor wrote. An unkeyed hash lets them be chosen to
//! collide (with a multiply-rotate hash of 8-byte words, flipping the top bit of one word and the
//! matching bit of the next collides whatever the starting value), and colliding names pile up in one
//! run of the table that every probe then walks: a build quadratic in the number of such names.
//! Every table here is keyed at random per table (foldhash's `RandomState`), so no name can be chosen
//! to collide with another in a reviewer's process. No output depends on the keys: ids are handed
//! out in the order names are first seen, and no table is read in slot order.

use std::hash::BuildHasher;

/// The keyed hash of the per-file and scope maps of a build (see the module's documentation).
pub(super) type KeyedHash = foldhash::fast::RandomState;

/// The snapshot-wide name table: every name once, in fixed-size blocks (no string per name, no
/// doubling of one huge buffer), found through an open-addressing table of ids.
#[derive(Default)]
pub(super) struct Interner {
    blocks: Vec<Vec<u8>>,
    /// Per id: position (block * `BLOCK` + offset) << 24 | length.
    spans: Vec<u64>,
    /// Slots: the high 32 bits of the name's hash << 32 | id + 1; 0 when empty. A name's first
    /// slot is given by the top bits of its hash, so the stored bits also tell most probes apart
    /// without reading a name, and growing the table is one pass in slot order that reads no name.
    /// The length is a power of two, at most 70% full.
    table: Vec<u64>,
    /// Names seen again, kept with their bytes in a small direct-mapped cache: the names every
    /// file uses (`dev`, `ret`, `NULL`) are found without touching the table or the blocks.
    recent: Vec<RecentName>,
    /// The table's key: every bit of a hash is used (slot, tag, cache entry), hence the quality
    /// variant.
    keys: foldhash::quality::RandomState,
}

/// An entry of `Interner::recent`: a short name, its hash and its id.
#[derive(Clone, Copy, Default)]
struct RecentName {
    hash: u64,
    id: u32,
    /// The name's length + 1 (0: an empty slot).
    len: u8,
    bytes: [u8; RECENT_BYTES],
}

/// The longest name `Interner::recent` keeps (an entry is then 32 bytes).
const RECENT_BYTES: usize = 19;
const RECENT_SLOTS: usize = 1 << 15;

/// Size of a block of names (a name longer than this gets a block of its own).
const BLOCK: usize = 1 << 22;

impl Interner {
    pub(super) fn len(&self) -> usize {
        self.spans.len()
    }

    /// The name of `id`. Invariant (local): ids are handed out only by `id_hashed`, which pushes
    /// the span of the bytes `store` has just appended, so every id below `len()` has a span inside
    /// the blocks; an id at or past `len()` is a caller's bug, never data read back from disk.
    #[expect(clippy::expect_used, reason = "every id this table handed out has a span inside its blocks")]
    pub(super) fn get(&self, id: u32) -> &[u8] {
        let s = *self.spans.get(id as usize).expect("BUG: a name id the interner never handed out");
        let (pos, len) = ((s >> 24) as usize, (s & 0x00ff_ffff) as usize);
        self.blocks
            .get(pos / BLOCK)
            .and_then(|block| block.get(pos % BLOCK..pos % BLOCK + len))
            .expect("BUG: a name span outside the interner's blocks")
    }

    #[cfg(test)]
    fn id(&mut self, name: &[u8]) -> u32 {
        let name = &name[..name.len().min(BLOCK)];
        self.id_hashed(name, self.keys.hash_one(name))
    }

    /// The ids of a file's names. Each name's table slot and cache entry are read first, in one
    /// pass of independent loads, so that the memory system fetches many at once instead of one
    /// miss after another.
    pub(super) fn ids<'n>(&mut self, names: impl ExactSizeIterator<Item = &'n [u8]>) -> Vec<u32> {
        // A name longer than a block is cut to one (the extractor caps names far below that).
        let names: Vec<&[u8]> = names.map(|n| &n[..n.len().min(BLOCK)]).collect();
        while (self.spans.len() + names.len() + 1) * 10 > self.table.len() * 7 {
            self.grow();
        }
        let hashes: Vec<u64> = names.iter().map(|n| self.keys.hash_one(n)).collect();
        let mut touched = 0u64;
        for &h in &hashes {
            // The table is not empty (grown above) and `first_slot` is below its length.
            touched ^= self.table[first_slot(h >> 32, self.table.len())];
            touched ^= self.recent.get(recent_slot(h)).map_or(0, |e| e.hash);
        }
        std::hint::black_box(touched);
        names.iter().zip(&hashes).map(|(n, &h)| self.id_hashed(n, h)).collect()
    }

    fn id_hashed(&mut self, name: &[u8], h: u64) -> u32 {
        let short = name.len() <= RECENT_BYTES;
        let cached = recent_slot(h);
        if short
            && let Some(e) = self.recent.get(cached)
            && e.hash == h
            && usize::from(e.len) == name.len() + 1
            && e.bytes.get(..name.len()) == Some(name)
        {
            return e.id;
        }
        if (self.spans.len() + 1) * 10 > self.table.len() * 7 {
            self.grow();
        }
        let mask = self.table.len() - 1;
        let tag = h & 0xffff_ffff_0000_0000;
        let mut slot = first_slot(h >> 32, self.table.len());
        // Invariant (local): the table was grown above, so it is not empty and `mask` keeps every
        // slot below its length; it is at most 70% full, so the probe ends at an empty slot.
        loop {
            let v = self.table[slot];
            if v == 0 {
                let id = self.spans.len() as u32;
                let pos = self.store(name);
                self.spans.push(((pos as u64) << 24) | name.len() as u64);
                self.table[slot] = tag | u64::from(id + 1);
                return id;
            }
            let id = (v as u32).wrapping_sub(1);
            if v & 0xffff_ffff_0000_0000 == tag && self.get(id) == name {
                // Seen before: worth caching (a name seen once, like most generated register
                // names, would only push out the frequent ones).
                if short {
                    if self.recent.is_empty() {
                        self.recent = vec![RecentName::default(); RECENT_SLOTS];
                    }
                    if let Some(e) = self.recent.get_mut(cached) {
                        let mut bytes = [0u8; RECENT_BYTES];
                        if let Some(dst) = bytes.get_mut(..name.len()) {
                            dst.copy_from_slice(name);
                        }
                        *e = RecentName { hash: h, id, len: name.len() as u8 + 1, bytes };
                    }
                }
                return id;
            }
            slot = (slot + 1) & mask;
        }
    }

    /// Appends a name to the blocks; returns its position.
    fn store(&mut self, name: &[u8]) -> usize {
        let fits = self.blocks.last().is_some_and(|b| b.len() + name.len() <= BLOCK);
        if !fits {
            self.blocks.push(Vec::with_capacity(BLOCK));
        }
        let index = self.blocks.len() - 1;
        let block = &mut self.blocks[index]; // a block was pushed above if there was none
        let pos = index * BLOCK + block.len();
        block.extend_from_slice(name);
        pos
    }

    fn grow(&mut self) {
        let size = (self.table.len() * 2).max(1 << 12);
        let mut table = vec![0u64; size];
        let mask = size - 1;
        // Old slots in order land in new slots in (nearly) increasing order: the writes stream.
        for &v in self.table.iter().filter(|&&v| v != 0) {
            let mut slot = first_slot(v >> 32, size);
            while table.get(slot).is_some_and(|&t| t != 0) {
                slot = (slot + 1) & mask;
            }
            if let Some(t) = table.get_mut(slot) {
                *t = v;
            }
        }
        self.table = table;
    }

    /// Frees the hash table once no more names come (the writing phase only reads names by id).
    pub(super) fn drop_table(&mut self) {
        self.table = Vec::new();
        self.recent = Vec::new();
    }
}

/// A name's entry in `Interner::recent`.
fn recent_slot(h: u64) -> usize {
    (h as usize >> 7) % RECENT_SLOTS
}

/// A name's first slot in a table of `size` (a power of two, at most 2^32) slots: the top bits of
/// the high half of its hash.
fn first_slot(high: u64, size: usize) -> usize {
    let bits = size.trailing_zeros();
    if bits == 0 { 0 } else { (high >> (32 - bits.min(32))) as usize }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_name_table_grows_and_finds_every_name_again() {
        let mut names = Interner::default();
        let words: Vec<String> = (0..20_000).map(|i| format!("name_{i}")).collect();
        let ids: Vec<u32> = words.iter().map(|w| names.id(w.as_bytes())).collect();
        assert_eq!(names.len(), words.len());
        for (w, &id) in words.iter().zip(&ids) {
            assert_eq!(names.id(w.as_bytes()), id);
            assert_eq!(names.get(id), w.as_bytes());
        }
        assert_eq!(names.id(b""), words.len() as u32);
        // A file's names at once (through the cache of names seen again, and past it: long names,
        // new names).
        let mut batch: Vec<&[u8]> = words.iter().rev().take(500).map(|w| w.as_bytes()).collect();
        batch.push(b"a_name_longer_than_what_the_cache_of_recent_names_keeps");
        batch.push(b"fresh");
        let got = names.ids(batch.iter().copied());
        for (n, id) in batch.iter().zip(&got) {
            assert_eq!(names.get(*id), *n);
        }
        assert_eq!(&got[..500], &ids.iter().rev().take(500).copied().collect::<Vec<_>>()[..]);
        assert_eq!(names.ids([&b"fresh"[..]].into_iter()), vec![got[501]]);
    }

    /// The longest run of occupied slots: how far a probe may have to walk.
    fn longest_run(table: &[u64]) -> usize {
        let (mut longest, mut run) = (0, 0);
        for &v in table.iter().chain(table.iter()) {
            run = if v == 0 { 0 } else { run + 1 };
            longest = longest.max(run);
        }
        longest.min(table.len())
    }

    /// Names that collide under any hash of 8-byte words `h = (rotl(h, r) ^ w) * K`, whatever its
    /// starting value (a seed xored in): flipping the top bit of a word flips only the top bit of the
    /// product, which the next word's matching bit flips back. A vendor can write such names into a
    /// snapshot without knowing anything about the reviewer's process.
    fn colliding_names(count: usize) -> Vec<Vec<u8>> {
        (0..count)
            .map(|i| {
                let mut name = b"name_xyname_xyname_xyname_xyname_xyname_xyname_xyname_xyname_xyname_xyname_xyname_xyname_xy".to_vec();
                for bit in 0..11 {
                    if i >> bit & 1 == 1 {
                        // The top bit of word `bit`, and bit 4 (the top bit rotated left by 5) of
                        // the next word: the difference the multiplication carries unchanged.
                        name[bit * 8 + 7] ^= 0x80;
                        name[(bit + 1) * 8] ^= 0x10;
                    }
                }
                name
            })
            .collect()
    }

    #[test]
    fn names_written_to_collide_do_not_pile_up_in_one_run_of_the_table() {
        let names = colliding_names(2048);
        let mut table = Interner::default();
        for (i, n) in names.iter().enumerate() {
            assert_eq!(table.id(n), i as u32);
        }
        for (i, n) in names.iter().enumerate() {
            assert_eq!(table.get(i as u32), &n[..]);
        }
        // 2048 names in a table of 4096 slots: unless the names share a hash, no run comes near them
        // all (every probe would then walk the whole run, and the build would be quadratic).
        assert!(longest_run(&table.table) < 200, "a run of {}", longest_run(&table.table));
    }
}

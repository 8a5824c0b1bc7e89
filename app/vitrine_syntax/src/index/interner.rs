//! The snapshot-wide name table of a build, and the fast hash it and the per-file maps use.

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
        self.id_hashed(name, hash_bytes(name))
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
        let hashes: Vec<u64> = names.iter().map(|n| hash_bytes(n)).collect();
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

/// A fast non-cryptographic hash of a name (multiply-rotate over 8-byte words, then a final mix).
fn hash_bytes(b: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut h = b.len() as u64;
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut w = [0u8; 8];
        if let Some(dst) = w.get_mut(..rest.len()) {
            dst.copy_from_slice(rest);
        }
        h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
    }
    h ^= h >> 29;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^ (h >> 32)
}

/// `BuildHasher` for the per-file and scope maps, using `hash_bytes`.
#[derive(Default, Clone, Copy)]
pub(super) struct FastHash;

impl std::hash::BuildHasher for FastHash {
    type Hasher = FastHasher;
    fn build_hasher(&self) -> FastHasher {
        FastHasher(0)
    }
}

pub(super) struct FastHasher(u64);

impl std::hash::Hasher for FastHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0 = hash_bytes(bytes) ^ self.0.rotate_left(7);
    }
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
}

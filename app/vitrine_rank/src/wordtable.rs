//! The [`Normalizer`](crate::Normalizer)'s table of short words: one flat open-addressing table whose
//! slot holds a packed word and, when they fit, its terms, so that looking a word up reads one cache
//! line (a general hash map reads its control bytes, its bucket, the key behind a pointer and the
//! value behind another: with a tree's vocabulary that is several cache misses per word of code).
//! Probing stops after [`PROBES`] slots; a word that finds no place there is simply not cached, so no
//! input, however chosen, can make a lookup long.
//!
//! A slot also holds how often its word was let into the identifiers of the current file's document 0
//! and of the function document being read ([`Counts`], each stamped with the generation of the file or
//! document it counts), so that the build's per-document repeat check costs no lookup of its own. A
//! slot forgotten while its counts are live (the table growing or starting over) hands them to its
//! caller's callback, so that a count is never lost, only moved.

use std::hash::BuildHasher;

/// Slots looked at before giving up (a lookup or an insertion).
pub(crate) const PROBES: usize = 16;
/// The table starts with this many slots and doubles as it fills to half.
const FIRST_SLOTS: usize = 1 << 12;
/// Terms of up to this many bytes are kept in the slot itself.
pub(crate) const INLINE: usize = 35;
/// `Slot::len` of a slot whose terms are elsewhere (its `inline` then holds their range).
const ELSEWHERE: u8 = u8::MAX;

/// One slot, a packed word with its counts and terms: one 64-byte cache line.
#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct Slot {
    /// The packed word; 0 for an empty slot (a packed word is never 0: its length byte is not).
    key: u128,
    counts: Counts,
    len: u8,
    /// The terms (`len` bytes), or the start and end of their range elsewhere (little-endian u32s).
    inline: [u8; INLINE],
}
const _: () = assert!(std::mem::size_of::<Slot>() == 64);

impl Default for Slot {
    fn default() -> Slot {
        Slot { key: 0, counts: Counts::default(), len: 0, inline: [0; INLINE] }
    }
}

/// How often a word was let through in two documents: in document 0 of a file and in a function
/// document, each with the generation of the file or document it counts (a count of another
/// generation than the current one is 0; generation 0 is never current).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[repr(C)]
pub(crate) struct Counts {
    file_generation: u32,
    doc_generation: u32,
    file: u8,
    doc: u8,
}

/// Which of a slot's two counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Document 0 of a file.
    File,
    /// A function document.
    Doc,
}

impl Counts {
    /// The count of `kind` in generation `generation` (0 when it counts another generation).
    pub(crate) fn get(&self, kind: Kind, generation: u32) -> u8 {
        let (g, n) = match kind {
            Kind::File => (self.file_generation, self.file),
            Kind::Doc => (self.doc_generation, self.doc),
        };
        if g == generation { n } else { 0 }
    }

    /// Sets the count of `kind` to `n` in generation `generation`.
    pub(crate) fn set(&mut self, kind: Kind, generation: u32, n: u8) {
        match kind {
            Kind::File => (self.file_generation, self.file) = (generation, n),
            Kind::Doc => (self.doc_generation, self.doc) = (generation, n),
        }
    }

    /// Counts one more occurrence in generation `generation` of `kind`, unless `most` were counted
    /// already; says whether it was counted.
    pub(crate) fn count(&mut self, kind: Kind, generation: u32, most: u8) -> bool {
        let n = self.get(kind, generation);
        if n >= most {
            return false;
        }
        self.set(kind, generation, n + 1);
        true
    }
}

/// Where a cached word's terms are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Terms<'a> {
    /// In the table (bytes copied whole from a `str`: UTF-8).
    Here(&'a [u8]),
    /// A byte range of the caller's store of longer terms.
    Elsewhere(usize, usize),
}

/// Packed words (non-zero `u128`s) → their terms.
pub(crate) struct WordTable {
    slots: Vec<Slot>,
    used: usize,
    /// The most slots the table grows to.
    max_slots: usize,
    hasher: foldhash::fast::RandomState,
}

impl WordTable {
    /// A table that grows to at most `max_words * 2` slots (rounded up to a power of two).
    pub(crate) fn new(max_words: usize) -> WordTable {
        let max_slots = (max_words.max(1) * 2).next_power_of_two().max(FIRST_SLOTS);
        WordTable {
            slots: vec![Slot::default(); FIRST_SLOTS],
            used: 0,
            max_slots,
            hasher: foldhash::fast::RandomState::default(),
        }
    }

    /// Words cached.
    pub(crate) fn len(&self) -> usize {
        self.used
    }

    /// Forgets every word (the slots stay allocated), handing each word's counts to `evicted`.
    pub(crate) fn clear(&mut self, mut evicted: impl FnMut(u128, Counts)) {
        for slot in self.slots.iter().filter(|s| s.key != 0) {
            evicted(slot.key, slot.counts);
        }
        self.slots.fill(Slot::default());
        self.used = 0;
    }

    /// Sets every slot's `kind` count to 0 (its generation numbers start over).
    pub(crate) fn reset(&mut self, kind: Kind) {
        for slot in &mut self.slots {
            slot.counts.set(kind, 0, 0);
        }
    }

    fn home(&self, key: u128) -> usize {
        (self.hasher.hash_one(key) as usize) & (self.slots.len() - 1)
    }

    /// The terms of `key`, if cached.
    pub(crate) fn get(&self, key: u128) -> Option<Terms<'_>> {
        self.find(key).and_then(|i| self.slots.get(i)).map(terms_of)
    }

    /// Where `key` is cached.
    pub(crate) fn find(&self, key: u128) -> Option<usize> {
        let mask = self.slots.len() - 1;
        let home = self.home(key);
        for i in 0..PROBES {
            let at = (home + i) & mask;
            let slot = self.slots.get(at)?;
            if slot.key == key {
                return Some(at);
            }
            if slot.key == 0 {
                return None;
            }
        }
        None
    }

    /// The terms of the word at `at` (a [`WordTable::find`] result).
    pub(crate) fn terms_at(&self, at: usize) -> Terms<'_> {
        self.slots.get(at).map_or(Terms::Here(b""), terms_of)
    }

    /// The counts of the word at `at` (a [`WordTable::find`] result).
    pub(crate) fn counts_at(&mut self, at: usize) -> Option<&mut Counts> {
        self.slots.get_mut(at).map(|s| &mut s.counts)
    }

    /// Caches `key`'s terms, `here` when they fit in a slot, else the range `elsewhere`, with its
    /// `counts`. Returns false when the word was not cached (no free slot within [`PROBES`], or the
    /// table is full). A word the table's growth leaves without a place is handed to `evicted`.
    pub(crate) fn insert(
        &mut self,
        key: u128,
        here: &str,
        elsewhere: (usize, usize),
        counts: Counts,
        evicted: impl FnMut(u128, Counts),
    ) -> bool {
        if key == 0 || self.used >= self.max_slots / 2 {
            return false;
        }
        if (self.used + 1) * 2 > self.slots.len() {
            self.grow(evicted);
        }
        let mut slot = Slot { key, counts, ..Slot::default() };
        if here.len() <= INLINE {
            if let Some(to) = slot.inline.get_mut(..here.len()) {
                to.copy_from_slice(here.as_bytes());
            }
            slot.len = here.len() as u8;
        } else {
            let (Ok(start), Ok(end)) = (u32::try_from(elsewhere.0), u32::try_from(elsewhere.1)) else {
                return false;
            };
            slot.inline[..4].copy_from_slice(&start.to_le_bytes());
            slot.inline[4..8].copy_from_slice(&end.to_le_bytes());
            slot.len = ELSEWHERE;
        }
        self.place(slot)
    }

    fn place(&mut self, slot: Slot) -> bool {
        let mask = self.slots.len() - 1;
        let home = self.home(slot.key);
        for i in 0..PROBES {
            let Some(s) = self.slots.get_mut((home + i) & mask) else { return false };
            if s.key == 0 || s.key == slot.key {
                if s.key == 0 {
                    self.used += 1;
                }
                *s = slot;
                return true;
            }
        }
        false
    }

    fn grow(&mut self, mut evicted: impl FnMut(u128, Counts)) {
        let size = self.slots.len() * 2;
        if size > self.max_slots {
            return;
        }
        let old = std::mem::replace(&mut self.slots, vec![Slot::default(); size]);
        self.used = 0;
        for slot in old.into_iter().filter(|s| s.key != 0) {
            // A word that no longer finds a place is dropped: it is analyzed again when met.
            if !self.place(slot) {
                evicted(slot.key, slot.counts);
            }
        }
    }
}

fn terms_of(slot: &Slot) -> Terms<'_> {
    if slot.len == ELSEWHERE {
        let u = |r: std::ops::Range<usize>| {
            slot.inline.get(r).and_then(|b| b.try_into().ok()).map_or(0, u32::from_le_bytes) as usize
        };
        return Terms::Elsewhere(u(0..4), u(4..8));
    }
    let bytes = slot.inline.get(..usize::from(slot.len)).unwrap_or_default();
    Terms::Here(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_found_with_their_terms_here_or_elsewhere() {
        let mut t = WordTable::new(1 << 16);
        assert!(t.insert(7, "send ", (0, 0), Counts::default(), |_, _| {}));
        assert!(t.insert(
            8,
            "a much longer term list than a slot holds ",
            (10, 52),
            Counts::default(),
            |_, _| {}
        ));
        assert!(t.insert(9, "", (0, 0), Counts::default(), |_, _| {}));
        assert_eq!(t.get(7), Some(Terms::Here(b"send ")));
        assert_eq!(t.get(8), Some(Terms::Elsewhere(10, 52)));
        assert_eq!(t.get(9), Some(Terms::Here(b"")));
        assert_eq!(t.get(10), None);
        assert!(!t.insert(0, "x ", (0, 0), Counts::default(), |_, _| {}), "0 marks an empty slot");
        // Growing keeps what was cached.
        for k in 100..20_000u128 {
            assert!(t.insert(k, "w ", (0, 0), Counts::default(), |_, _| {}) || t.get(k).is_none());
        }
        assert!(t.slots.len() > FIRST_SLOTS);
        assert_eq!(t.get(7), Some(Terms::Here(b"send ")));
        assert_eq!(t.get(8), Some(Terms::Elsewhere(10, 52)));
        t.clear(|_, _| {});
        assert_eq!((t.len(), t.get(7)), (0, None));
    }

    #[test]
    fn counts_stay_with_their_word_or_go_to_the_caller() {
        let mut t = WordTable::new(1 << 16);
        let mut c = Counts::default();
        assert!(c.count(Kind::Doc, 5, 2) && c.count(Kind::Doc, 5, 2) && !c.count(Kind::Doc, 5, 2));
        assert!(c.count(Kind::File, 3, 2), "the other kind counts apart");
        assert_eq!((c.get(Kind::Doc, 5), c.get(Kind::Doc, 6), c.get(Kind::File, 3)), (2, 0, 1));
        assert!(t.insert(7, "send ", (0, 0), c, |_, _| {}));
        let at = t.find(7).expect("cached");
        assert_eq!(t.counts_at(at).map(|c| c.get(Kind::Doc, 5)), Some(2));
        assert!(t.counts_at(at).is_some_and(|c| c.count(Kind::Doc, 6, 2)), "a new document counts anew");
        t.reset(Kind::Doc);
        assert_eq!(t.counts_at(at).map(|c| (c.get(Kind::Doc, 6), c.get(Kind::File, 3))), Some((0, 1)));
        // Starting over hands every word's counts to the caller.
        let mut evicted = Vec::new();
        t.clear(|k, c| evicted.push((k, c.get(Kind::File, 3))));
        assert_eq!(evicted, [(7, 1)]);
    }

    #[test]
    fn the_table_stops_at_its_bound() {
        let mut t = WordTable::new(1000);
        let placed =
            (1..=10_000u128).filter(|&k| t.insert(k, "w ", (0, 0), Counts::default(), |_, _| {})).count();
        assert!(placed <= t.max_slots / 2 && t.len() == placed, "{placed}");
        assert!(t.slots.len() <= t.max_slots);
    }

    #[test]
    fn colliding_words_never_probe_past_the_limit() {
        // Words chosen to share one home slot (what a hostile file could aim at): beyond PROBES of
        // them, the rest are not cached, and every lookup still reads at most PROBES slots.
        let mut t = WordTable::new(1 << 16);
        let mask = t.slots.len() - 1;
        let home = t.home(1);
        let same: Vec<u128> = (1..2_000_000u128).filter(|&k| t.home(k) == home).take(40).collect();
        assert!(same.len() > PROBES, "{}", same.len());
        let cached =
            same.iter().filter(|&&k| t.insert(k, "w ", (0, 0), Counts::default(), |_, _| {})).count();
        assert!(cached <= PROBES, "{cached}");
        assert!(same.iter().all(|&k| t.get(k).is_none_or(|v| v == Terms::Here(b"w "))));
        assert_eq!(mask, t.slots.len() - 1, "no growth for 40 words");
    }
}

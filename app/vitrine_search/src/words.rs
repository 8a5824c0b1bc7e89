//! Per-file word filters for large files: a Bloom filter of the identifiers a file contains.
//!
//! Trigrams stop filtering on big files, which contain nearly every common trigram (the Linux tree has
//! 24 MB generated register headers that are candidates for almost any identifier). For each file of at
//! least [`MIN_FILE_BYTES`] the index keeps a Bloom filter of its lower-cased identifiers, so a whole-word
//! term can skip the file without reading it. The filter may say "maybe" wrongly, never "no" wrongly:
//! a whole-word match (`rg -w` rules) is preceded and followed by a non-word character, so it is exactly
//! one run of `[A-Za-z0-9_]`; the two non-ASCII characters that fold to ASCII letters (KELVIN SIGN to
//! `k`, LONG S to `s`) are read as those letters, so case-insensitive matches are covered too.

/// Files smaller than this are cheap to read: no filter. Measured on the Linux tree (release, same
/// minute, CPU time of 5 first pages + 5 counts): 256 KB -> 64 KB cut the system time of the phrase
/// query by a third (reading candidates dominates) for 10 MB of filters and no measurable build cost;
/// 16 KB saved a little more but cost about a fifth more build CPU.
pub const MIN_FILE_BYTES: u64 = 64 * 1024;
const BITS_PER_WORD: usize = 10;
const PROBES: u64 = 4;

/// Calls `f` with each identifier of `text`, lower-cased (ASCII), as described in the module docs
/// (what the filter's build hashes; the tests read the words themselves).
#[cfg(test)]
pub fn each_word(text: &[u8], f: impl FnMut(&[u8])) {
    walk(text, &mut Words { word: Vec::with_capacity(64), f });
}

/// Per byte: the word character it is, lower-cased (`[a-z0-9_]`), or 0 when it is not one.
const LETTER: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0usize;
    while b < 256 {
        table[b] = match b as u8 {
            c @ (b'a'..=b'z' | b'0'..=b'9' | b'_') => c,
            c @ b'A'..=b'Z' => c + (b'a' - b'A'),
            _ => 0,
        };
        b += 1;
    }
    table
};

/// What [`walk`] hands each word's letters to.
trait Sink {
    fn letter(&mut self, l: u8);
    fn end(&mut self);
}

/// The words themselves ([`each_word`]).
#[cfg(test)]
struct Words<F> {
    word: Vec<u8>,
    f: F,
}

#[cfg(test)]
impl<F: FnMut(&[u8])> Sink for Words<F> {
    fn letter(&mut self, l: u8) {
        self.word.push(l);
    }
    fn end(&mut self) {
        (self.f)(&self.word);
        self.word.clear();
    }
}

/// Each word's [`hash`], computed as its letters go by (the filter's build: no word is copied).
struct Hashes<'a> {
    h: u64,
    out: &'a mut Vec<u64>,
}

impl Sink for Hashes<'_> {
    fn letter(&mut self, l: u8) {
        self.h = fnv_step(self.h, l);
    }
    fn end(&mut self) {
        self.out.push(mix(self.h));
        self.h = FNV_OFFSET;
    }
}

/// The words of `text` (the module docs say which), letter by letter, into `sink`.
fn walk(text: &[u8], sink: &mut impl Sink) {
    let mut in_word = false;
    let mut i = 0usize;
    while let Some(&b) = text.get(i) {
        let l = LETTER[b as usize];
        let (letter, len) = if l != 0 {
            (Some(l), 1)
        } else {
            match b {
                0xE2 if text.get(i + 1..i + 3) == Some(&[0x84, 0xAA]) => (Some(b'k'), 3),
                0xC5 if text.get(i + 1) == Some(&0xBF) => (Some(b's'), 2),
                _ => (None, 1),
            }
        };
        match letter {
            Some(l) => {
                sink.letter(l);
                in_word = true;
            }
            None if in_word => {
                sink.end();
                in_word = false;
            }
            None => {}
        }
        i += len;
    }
    if in_word {
        sink.end();
    }
}

/// Whether a query word can be checked against the filter: ASCII identifier characters only.
pub fn filterable(word: &str) -> bool {
    !word.is_empty() && word.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// One letter of FNV-1a (the walk's letters are lower-cased already; [`hash`] lower-cases a query's).
fn fnv_step(h: u64, b: u8) -> u64 {
    (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
}

/// The final mix, so that both halves are usable for double hashing.
fn mix(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^ (h >> 33)
}

fn hash(word: &[u8]) -> u64 {
    mix(word.iter().fold(FNV_OFFSET, |h, &b| fnv_step(h, b.to_ascii_lowercase())))
}

/// The bit positions of `word` in a filter of `bits` bits.
pub fn probes(word: &[u8], bits: u64) -> impl Iterator<Item = u64> {
    let h = hash(word);
    let (h1, h2) = (h & 0xffff_ffff, (h >> 32) | 1);
    (0..PROBES).map(move |i| h1.wrapping_add(i.wrapping_mul(h2)) % bits.max(1))
}

/// Builds the filter of `text`: its bytes (a multiple of 8 bits).
pub fn build(text: &[u8]) -> Vec<u8> {
    let mut words: Vec<u64> = Vec::new();
    walk(text, &mut Hashes { h: FNV_OFFSET, out: &mut words });
    words.sort_unstable();
    words.dedup();
    let bytes = (words.len() * BITS_PER_WORD).div_ceil(8).max(8);
    let bits = bytes as u64 * 8;
    let mut filter = vec![0u8; bytes];
    for h in words {
        let (h1, h2) = (h & 0xffff_ffff, (h >> 32) | 1);
        for i in 0..PROBES {
            let bit = h1.wrapping_add(i.wrapping_mul(h2)) % bits;
            if let Some(byte) = filter.get_mut((bit / 8) as usize) {
                *byte |= 1 << (bit % 8);
            }
        }
    }
    filter
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contains(filter: &[u8], word: &str) -> bool {
        let bits = filter.len() as u64 * 8;
        probes(word.as_bytes(), bits).all(|b| filter[(b / 8) as usize] & (1 << (b % 8)) != 0)
    }

    #[test]
    fn words_are_ascii_identifier_runs_with_folding_letters() {
        let mut got = Vec::new();
        each_word("Foo_bar(x)+éBaz \u{212A}malloc ca\u{17F}e 9".as_bytes(), |w| {
            got.push(String::from_utf8(w.to_vec()).unwrap())
        });
        assert_eq!(got, ["foo_bar", "x", "baz", "kmalloc", "case", "9"]);
    }

    #[test]
    fn filter_never_misses_a_word() {
        let text = "int kmalloc_node(void);\nstatic struct file_operations fops;\n".repeat(10);
        let f = build(text.as_bytes());
        for w in ["kmalloc_node", "KMALLOC_NODE", "struct", "file_operations", "fops", "int", "void"] {
            assert!(contains(&f, w), "{w}");
        }
        assert!(!contains(&f, "ext4_fc_record_regions"));
        // The letters that fold to ASCII are hashed as those letters, as the words are read.
        let f = build("x = \u{212A}MALLOC(ca\u{17F}e);".as_bytes());
        for w in ["kmalloc", "KMalloc", "case", "x"] {
            assert!(contains(&f, w), "{w}");
        }
        assert!(filterable("ext4_fc") && !filterable("foo(") && !filterable("café"));
    }
}

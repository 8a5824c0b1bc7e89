//! Words a vendor can write so that tantivy's stock indexing hash map puts them all in one slot.
//!
//! tantivy fills one hash map per segment with every term it indexes (tantivy-stacker's `ArenaHashMap`:
//! open addressing, linear probing). Stock, it hashes the term as its indexer lays it out (tantivy 0.27's
//! `IndexingTerm`: the field's number as 4 bytes big-endian, then the term's bytes, no type code) with
//! MurmurHash2 under a fixed seed.
//! MurmurHash2 folds 4-byte blocks into a 32-bit state with invertible steps, so once every byte but one
//! block is chosen, the block that leads to a wanted state is computed rather than searched for; only
//! its being four lower-case letters is left to chance (about 1 in 9,400). Terms sharing a state after
//! their last full block, and the same length and last byte, share the whole hash: each probe for one
//! of them then walks past all the others, and indexing `n` of them costs `n²/2` key comparisons.
//!
//! The words are 13 lower-case letters ending in `q`: the ranked index's analyzer (lower case, English
//! stop words, English stemmer) leaves such a word as it is, so the word in a comment is the term.

/// MurmurHash2's multiplier.
const M: u32 = 0x5bd1_e995;
/// The seed tantivy-stacker's MurmurHash2 uses.
const SEED: u32 = 3_242_157_231;
/// `M`'s inverse modulo 2^32.
const M_INVERSE: u32 = inverse(M);
/// The length of every word, in bytes.
pub const WORD_BYTES: usize = 13;

const fn inverse(m: u32) -> u32 {
    // Newton's iteration: each step doubles the number of correct low bits (3 to start with, for odd m).
    let mut x = m;
    let mut i = 0;
    while i < 5 {
        x = x.wrapping_mul(2u32.wrapping_sub(m.wrapping_mul(x)));
        i += 1;
    }
    x
}

/// What MurmurHash2 makes of a 4-byte block before folding it into the state.
fn mix(block: u32) -> u32 {
    let k = block.wrapping_mul(M);
    (k ^ (k >> 24)).wrapping_mul(M)
}

/// The block that [`mix`] turns into `mixed`.
fn unmix(mixed: u32) -> u32 {
    let k = mixed.wrapping_mul(M_INVERSE);
    (k ^ (k >> 24)).wrapping_mul(M_INVERSE)
}

/// `n` distinct words whose terms in the text field numbered `field` all have one MurmurHash2 value in
/// tantivy's stock term table. `seed` picks which words.
pub fn murmur_colliding_words(field: u32, n: usize, seed: u64) -> Vec<String> {
    // The hashed bytes: the field (block 0), letters 0-3 and 4-7 (blocks 1 and 2, drawn at random),
    // letters 8-11 (block 3, computed), and `q` (the tail).
    let total = (4 + WORD_BYTES) as u32;
    let mut rng = seed ^ 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        // xorshift64*
        rng ^= rng >> 12;
        rng ^= rng << 25;
        rng ^= rng >> 27;
        rng.wrapping_mul(0x2545_f491_4f6c_dd1d)
    };
    let start = (SEED ^ total).wrapping_mul(M) ^ mix(u32::from_le_bytes(field.to_be_bytes()));
    // The state every word reaches after its last full block: any value will do.
    let wanted: u32 = 0x5eed_c0de;
    let mut seen = std::collections::HashSet::new();
    let mut words = Vec::with_capacity(n);
    while words.len() < n {
        let r = next();
        let mut w = [b'q'; WORD_BYTES];
        for (i, b) in w[..8].iter_mut().enumerate() {
            *b = b'a' + ((r >> (i * 8)) % 26) as u8;
        }
        let h = start.wrapping_mul(M) ^ mix(u32::from_le_bytes([w[0], w[1], w[2], w[3]]));
        let h = h.wrapping_mul(M) ^ mix(u32::from_le_bytes([w[4], w[5], w[6], w[7]]));
        let last = unmix(wanted ^ h.wrapping_mul(M)).to_le_bytes();
        if last.iter().all(u8::is_ascii_lowercase) {
            w[8..12].copy_from_slice(&last);
            let word = String::from_utf8(w.to_vec()).unwrap_or_default();
            if seen.insert(word.clone()) {
                words.push(word);
            }
        }
    }
    words
}

/// The bytes tantivy's indexer hashes for `word` as a term of the text field numbered `field`.
pub fn serialized_term(field: u32, word: &str) -> Vec<u8> {
    let mut bytes = field.to_be_bytes().to_vec();
    bytes.extend_from_slice(word.as_bytes());
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unmix_undoes_mix() {
        assert_eq!(M.wrapping_mul(M_INVERSE), 1);
        for b in [0u32, 1, 0x6162_6364, u32::MAX, 0x8000_0000] {
            assert_eq!(unmix(mix(b)), b);
        }
    }
}

//! Content similarity for inexact rename detection, after git's diffcore-delta: the content is cut
//! into chunks that end at a newline or after 64 bytes, and two files share the bytes of the chunks
//! they have in common.

use std::collections::HashMap;

/// git's score scale: a score of `MAX_SCORE` is 100% similar.
pub const MAX_SCORE: u64 = 60_000;

/// How many bytes of each distinct chunk a file holds, keyed by a 64-bit hash of the chunk.
#[derive(Debug, Default)]
pub struct Fingerprint {
    chunks: HashMap<u64, u64>,
}

impl Fingerprint {
    /// Fingerprints `data`. For text, a CR right before an LF is not counted (as git does), so a
    /// CRLF conversion alone keeps the files similar.
    pub fn new(data: &[u8], is_text: bool) -> Fingerprint {
        let mut chunks: HashMap<u64, u64> = HashMap::new();
        let mut hash = FNV_OFFSET;
        let mut n = 0u64;
        let mut i = 0;
        while i < data.len() {
            let c = data[i];
            i += 1;
            if is_text && c == b'\r' && data.get(i) == Some(&b'\n') {
                continue;
            }
            hash = (hash ^ u64::from(c)).wrapping_mul(FNV_PRIME);
            n += 1;
            if n < 64 && c != b'\n' {
                continue;
            }
            *chunks.entry(hash).or_default() += n;
            hash = FNV_OFFSET;
            n = 0;
        }
        if n > 0 {
            *chunks.entry(hash).or_default() += n;
        }
        Fingerprint { chunks }
    }

    /// The bytes of `self` (the source) found again in `other` (the destination).
    pub fn copied_into(&self, other: &Fingerprint) -> u64 {
        let (small, large) =
            if self.chunks.len() <= other.chunks.len() { (self, other) } else { (other, self) };
        small.chunks.iter().filter_map(|(h, &a)| large.chunks.get(h).map(|&b| a.min(b))).sum()
    }
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0100_0000_01b3;

/// Whether two sizes are too far apart for the files to reach `min_score` (git's early cut, which
/// reads no byte).
pub fn sizes_compatible(src_size: u64, dst_size: u64, min_score: u64) -> bool {
    let (max, min) = if src_size > dst_size { (src_size, dst_size) } else { (dst_size, src_size) };
    let delta = max - min;
    u128::from(max) * u128::from(MAX_SCORE - min_score) >= u128::from(delta) * u128::from(MAX_SCORE)
}

/// git's score of a source/destination pair: the source bytes copied over the larger size.
pub fn score(src: &Fingerprint, src_size: u64, dst: &Fingerprint, dst_size: u64) -> u64 {
    if dst_size == 0 {
        return 0;
    }
    let max = src_size.max(dst_size);
    let copied = src.copied_into(dst);
    (u128::from(copied) * u128::from(MAX_SCORE) / u128::from(max)) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_content_scores_full() {
        let a = b"one\ntwo\nthree\n";
        let fa = Fingerprint::new(a, true);
        assert_eq!(score(&fa, 14, &fa, 14), MAX_SCORE);
    }

    #[test]
    fn crlf_conversion_keeps_text_similar_but_not_binary() {
        let lf = b"alpha line\nbeta line\ngamma line\n".repeat(4);
        let crlf = String::from_utf8(lf.clone()).unwrap().replace('\n', "\r\n").into_bytes();
        let s = score(
            &Fingerprint::new(&lf, true),
            lf.len() as u64,
            &Fingerprint::new(&crlf, true),
            crlf.len() as u64,
        );
        // Every LF byte is found again; only the size of the larger file lowers the score.
        assert_eq!(s, (lf.len() as u64) * MAX_SCORE / crlf.len() as u64);
        let b = score(
            &Fingerprint::new(&lf, false),
            lf.len() as u64,
            &Fingerprint::new(&crlf, false),
            crlf.len() as u64,
        );
        assert!(b < s / 2, "{b} vs {s}");
    }

    #[test]
    fn long_lines_are_cut_at_64_bytes() {
        let line = [b'x'; 200];
        let f = Fingerprint::new(&line, true);
        // 64 + 64 + 64 identical chunks and an 8-byte tail.
        assert_eq!(f.chunks.len(), 2);
        assert_eq!(f.chunks.values().sum::<u64>(), 200);
    }

    #[test]
    fn size_cut_matches_git_rule() {
        // 50%: a destination twice as large is still possible, more than twice is not.
        assert!(sizes_compatible(100, 200, MAX_SCORE / 2));
        assert!(!sizes_compatible(100, 201, MAX_SCORE / 2));
    }
}

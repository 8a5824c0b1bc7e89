//! Line counts as `git diff --numstat` prints them: git's xdiff preprocessing in front of imara-diff's
//! Myers algorithm.
//!
//! imara-diff 0.2 ports git's Myers with its heuristics, but its preprocessing prunes more lines than
//! git's `xdl_cleanup_records`, and a pruned line can no longer match, so the counts come out higher
//! (20 of 474 modified files of libgit2 1.7 → 1.9, by 1 to 12 lines). Two differences:
//! - the limit above which a line counts as frequent is git's `xdl_bogosqrt(n)` (2 to the power of
//!   half the bit length of n, rounded *up*) where imara-diff rounds down, so it halves git's limit;
//! - a frequent line between unmatched lines is dropped by git when more than 3 × (frequent lines in the
//!   run + 2) lines around it are unmatched (`xdl_clean_mmatch` counts the line itself once on each
//!   side), by imara-diff already above 3 × (frequent lines + 1).
//!
//! So the lines are classified here exactly as git does (after the common prefix and suffix, with counts
//! over the whole files), the dropped ones removed, and imara-diff's Myers runs on what git's runs on.
//! Lines whose value no longer occurs on the other side are removed too: they cannot match, and without
//! them imara-diff's own preprocessing finds nothing to prune. Beyond that the two Myers agree except
//! where their cost limit differs (again a rounding of the square root): only for diffs of more than
//! about 16,000 lines left after the preprocessing.

use imara_diff::{Algorithm, Diff, InternedInput, Token};

/// git's `XDL_MAX_EQLIMIT`: the highest limit of a frequent line.
const MAX_EQLIMIT: u32 = 1024;
/// git's `XDL_SIMSCAN_WINDOW`: how far `xdl_clean_mmatch` looks on each side.
const SIMSCAN_WINDOW: usize = 100;
/// git's `XDL_KPDIS_RUN`.
const KPDIS_RUN: usize = 4;

/// Lines added and deleted between `old` and `new` (text), as `git diff --numstat` counts them.
pub fn counts(old: &[u8], new: &[u8]) -> (u64, u64) {
    let input = InternedInput::new(old, new);
    let (a, b) = (input.before.as_slice(), input.after.as_slice());
    let tokens = input.interner.num_tokens();
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..].iter().rev().zip(b[prefix..].iter().rev()).take_while(|(x, y)| x == y).count();
    let (mid_a, mid_b) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);

    let occurrences = |side: &[Token]| {
        let mut n = vec![0u32; tokens as usize];
        for t in side {
            n[t.0 as usize] += 1;
        }
        n
    };
    let (in_a, in_b) = (occurrences(a), occurrences(b));
    let kept_a = kept(mid_a, &in_b, bogosqrt(a.len()).min(MAX_EQLIMIT));
    let kept_b = kept(mid_b, &in_a, bogosqrt(b.len()).min(MAX_EQLIMIT));
    // Values left on each side, then only the lines whose value is left on the other.
    let (left_a, left_b) = (occurrences(&kept_a), occurrences(&kept_b));
    let kept_a: Vec<Token> = kept_a.into_iter().filter(|t| left_b[t.0 as usize] > 0).collect();
    let kept_b: Vec<Token> = kept_b.into_iter().filter(|t| left_a[t.0 as usize] > 0).collect();

    let mut diff = Diff::default();
    diff.compute_with(Algorithm::Myers, &kept_a, &kept_b, tokens);
    let matched = kept_b.len() - diff.count_additions() as usize;
    ((mid_b.len() - matched) as u64, (mid_a.len() - matched) as u64)
}

/// git's `xdl_bogosqrt`.
fn bogosqrt(mut n: usize) -> u32 {
    let mut r = 1u32;
    while n > 0 {
        r = r.saturating_mul(2);
        n >>= 2;
    }
    r
}

/// The lines of `mid` that git's `xdl_cleanup_records` keeps: those whose value occurs on the other
/// side (`other`: occurrences per value there), except frequent ones (`limit` or more) that sit in a
/// run of mostly unmatched lines.
fn kept(mid: &[Token], other: &[u32], limit: u32) -> Vec<Token> {
    // 0: no match, 1: matches, 2: matches often.
    let class: Vec<u8> = mid
        .iter()
        .map(|t| match other[t.0 as usize] {
            0 => 0,
            n if n >= limit => 2,
            _ => 1,
        })
        .collect();
    mid.iter()
        .enumerate()
        .filter(|&(i, _)| class[i] == 1 || (class[i] == 2 && !in_unmatched_run(&class, i)))
        .map(|(_, t)| *t)
        .collect()
}

/// git's `xdl_clean_mmatch`: whether the frequent line `i` is surrounded by unmatched lines enough to
/// be dropped.
fn in_unmatched_run(class: &[u8], i: usize) -> bool {
    let run = |it: &mut dyn Iterator<Item = &u8>| {
        // The line itself counts as one frequent line on each side.
        let (mut unmatched, mut frequent) = (0usize, 1usize);
        for &c in it {
            match c {
                0 => unmatched += 1,
                2 => frequent += 1,
                _ => break,
            }
        }
        (unmatched, frequent)
    };
    let start = i.saturating_sub(SIMSCAN_WINDOW);
    let (unmatched_before, frequent_before) = run(&mut class[start..i].iter().rev());
    if unmatched_before == 0 {
        return false;
    }
    let end = (i + SIMSCAN_WINDOW + 1).min(class.len());
    let (unmatched_after, frequent_after) = run(&mut class[i + 1..end].iter());
    if unmatched_after == 0 {
        return false;
    }
    let (unmatched, frequent) = (unmatched_before + unmatched_after, frequent_before + frequent_after);
    frequent * KPDIS_RUN < frequent + unmatched
}

#[cfg(test)]
mod tests {
    use super::*;

    fn imara(old: &[u8], new: &[u8]) -> (u64, u64) {
        let input = InternedInput::new(old, new);
        let d = Diff::compute(Algorithm::Myers, &input);
        (u64::from(d.count_additions()), u64::from(d.count_removals()))
    }

    #[test]
    fn a_frequent_line_between_unmatched_lines_still_matches_as_in_git() {
        // `git diff --no-index --numstat` prints 4 4: the blank line is kept (2 unmatched lines on each
        // side are not more than 3 × (0 + 2)); imara-diff alone drops it and counts 5 5.
        let (old, new) = (b"x1\nx2\n\ny1\ny2\n", b"\n\n\n\nz\n");
        assert_eq!(counts(old, new), (4, 4));
        assert_eq!(imara(old, new), (5, 5), "imara-diff's own preprocessing (if this changes, revisit)");
        // Seven unmatched lines around it are more than 6: git drops it too.
        let (old, new) = (b"x1\nx2\nx3\nx4\n\ny1\ny2\ny3\n", b"\n\n\n\nz\n");
        assert_eq!(counts(old, new), (5, 8));
    }

    #[test]
    fn git_square_root_rounds_up() {
        assert_eq!([0, 1, 4, 5, 16, 17, 1 << 20].map(bogosqrt), [1, 2, 4, 4, 8, 8, 2048]);
    }

    #[test]
    fn prefix_suffix_and_plain_edits() {
        assert_eq!(counts(b"", b""), (0, 0));
        assert_eq!(counts(b"a\nb\nc\n", b"a\nB\nc\n"), (1, 1));
        assert_eq!(counts(b"a\nb\n", b"a\nb\nc"), (1, 0));
        assert_eq!(counts(b"a\nb", b"a\nb\n"), (1, 1));
        assert_eq!(counts(b"", b"a\nb\n"), (2, 0));
    }
}

//! Orders of names: bytewise, and as their lowercase forms (for case-insensitive lookups).

use rayon::prelude::*;

use super::interner::Interner;

/// The first 8 bytes of a name as a big-endian number (shorter names padded with zeros), ASCII
/// letters lowered for `ignore_case`, so that comparing keys orders names as far as they go. A name
/// with a byte above ASCII in those 8 bytes gets `u64::MAX` under `ignore_case` (its lowercase form
/// is not predictable from bytes): comparisons with it are left to `cmp_ignore_case` entirely.
pub(super) fn prefix_key(name: &[u8], ignore_case: bool) -> u64 {
    let mut k = [0u8; 8];
    for (dst, &b) in k.iter_mut().zip(name) {
        if ignore_case && !b.is_ascii() {
            return u64::MAX;
        }
        *dst = if ignore_case { b.to_ascii_lowercase() } else { b };
    }
    u64::from_be_bytes(k)
}

/// Name ranks (positions in the bytewise `order` of ids) in the order of their lowercase forms.
pub(super) fn ci_order(names: &Interner, order: &[u32]) -> Vec<u32> {
    // Ranks run over `0..order.len()` below, so `order[r]` is always there.
    let name_at = |r: u32| names.get(order[r as usize]);
    let mut ci: Vec<(u64, u32)> =
        (0..order.len() as u32).into_par_iter().map(|r| (prefix_key(name_at(r), true), r)).collect();
    // Stable, from the bytewise order: names that differ only past a common case pattern are
    // already in order, and runs of them are merged rather than sorted again.
    ci.par_sort_by(|&(ka, a), &(kb, b)| {
        let by_key = if ka == u64::MAX || kb == u64::MAX { std::cmp::Ordering::Equal } else { ka.cmp(&kb) };
        by_key.then_with(|| cmp_ignore_case(name_at(a), name_at(b)))
    });
    ci.into_iter().map(|(_, r)| r).collect()
}

/// Orders names as their `to_lowercase` forms order: on ASCII, eight bytes at a time without
/// allocating (generated register names share long prefixes, so most comparisons of a sort run
/// far into both names).
fn cmp_ignore_case(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // Big-endian, so that comparing the numbers compares the bytes in order; zeros past the end.
    let chunk = |s: &[u8], at: usize| {
        let mut k = [0u8; 8];
        let part = s.get(at..).unwrap_or_default();
        let n = part.len().min(8);
        k[..n].copy_from_slice(&part[..n]);
        u64::from_be_bytes(k)
    };
    let mut at = 0usize;
    loop {
        let (x, y) = (chunk(a, at), chunk(b, at));
        if (x | y) & HIGH != 0 {
            break;
        }
        let (x, y) = (ascii_lower8(x), ascii_lower8(y));
        if x != y {
            return x.cmp(&y);
        }
        if a.len() <= at + 8 || b.len() <= at + 8 {
            return a.len().cmp(&b.len());
        }
        at += 8;
    }
    // Only what comes before the first difference decides, and that was ASCII up to here.
    String::from_utf8_lossy(a).to_lowercase().cmp(&String::from_utf8_lossy(b).to_lowercase())
}

/// `to_ascii_lowercase` of eight ASCII bytes at once.
fn ascii_lower8(x: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    // A byte's high bit is set by the first sum when it is at least `A`, by the second when it is
    // past `Z` (no byte carries into the next: they are all below 0x80).
    let at_least_a = x + ONES * (0x80 - u64::from(b'A'));
    let past_z = x + ONES * (0x80 - u64::from(b'Z') - 1);
    let upper = at_least_a & !past_z & 0x8080_8080_8080_8080;
    x | (upper >> 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignore_case_order_is_that_of_lowercase_forms() {
        let alphabet: Vec<&str> =
            vec!["A", "Z", "a", "z", "_", "[", "`", "@", "0", "9", "M", "m", "é", "É", "K"];
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut words: Vec<String> = Vec::new();
        for _ in 0..3000 {
            let len = (next() % 20) as usize;
            words.push((0..len).map(|_| alphabet[(next() % alphabet.len() as u64) as usize]).collect());
        }
        // Long shared prefixes, as in generated register names.
        words.push("mmDCN_DCN_3_2_0_REG_A".into());
        words.push("MMdcn_dcn_3_2_0_reg_b".into());
        words.push("mmDCN_DCN_3_2_0_REG_".into());
        for a in &words {
            for b in words.iter().step_by(7) {
                assert_eq!(
                    cmp_ignore_case(a.as_bytes(), b.as_bytes()),
                    a.to_lowercase().cmp(&b.to_lowercase()),
                    "{a:?} {b:?}"
                );
            }
        }
    }
}

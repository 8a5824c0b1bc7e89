//! Fuzzy matching for the quick-open and symbol pickers: the query's characters must appear in order;
//! matches at the start of a path segment or a word, and runs of consecutive characters, score higher,
//! and shorter candidates win ties (as in VS Code's and Sublime's pickers).

/// The score of `candidate` for `query` (case-insensitive), or `None` if it does not match.
pub fn score(query: &str, candidate: &str) -> Option<i64> {
    if query.is_empty() {
        return Some(0);
    }
    let cand: Vec<char> = candidate.chars().flat_map(char::to_lowercase).collect();
    let raw: Vec<char> = candidate.chars().collect();
    let q: Vec<char> = query.chars().flat_map(char::to_lowercase).collect();
    let boundary = |i: usize| {
        i == 0
            || raw.get(i - 1).is_some_and(|p| matches!(p, '/' | '_' | '-' | '.' | ' ' | ':'))
            || (raw.get(i).is_some_and(|c| c.is_uppercase())
                && raw.get(i - 1).is_some_and(|p| p.is_lowercase()))
    };
    // Whether q[qi..] is a subsequence of cand[from..].
    let rest_matches = |qi: usize, from: usize| {
        let mut k = qi;
        for c in cand.iter().skip(from) {
            if q.get(k) == Some(c) {
                k += 1;
            }
        }
        k >= q.len()
    };
    let mut score = 0i64;
    let mut ci = 0usize;
    let mut prev: Option<usize> = None;
    for (qi, qc) in q.iter().enumerate() {
        let mut found = (ci..cand.len()).find(|&i| cand.get(i) == Some(qc))?;
        // Greedy matching misses the better place for a character (the `c` of `.cpp` rather than the
        // one inside `packet`): jump to a later word start when the rest of the query still fits after it.
        let better = (!boundary(found) && prev != Some(found.wrapping_sub(1)))
            .then(|| {
                (found + 1..cand.len())
                    .find(|&i| cand.get(i) == Some(qc) && boundary(i) && rest_matches(qi + 1, i + 1))
            })
            .flatten();
        if let Some(b) = better {
            found = b;
        }
        score += 1;
        if boundary(found) {
            score += 8;
        }
        if prev == Some(found.wrapping_sub(1)) {
            score += 5;
        }
        // Characters skipped cost a little, so tight matches win.
        score -= (found - ci).min(10) as i64;
        prev = Some(found);
        ci = found + 1;
    }
    // Prefer matches that end in the file name (after the last '/').
    let name_start = candidate.rfind('/').map_or(0, |i| candidate.get(..=i).map_or(0, |s| s.chars().count()));
    if prev.is_some_and(|p| p >= name_start) {
        score += 10;
    }
    Some(score * 1000 - cand.len() as i64)
}

/// The best `limit` candidates for `query`, best first (stable for equal scores).
pub fn best<'a, T>(query: &str, items: impl Iterator<Item = (T, &'a str)>, limit: usize) -> Vec<T> {
    let mut scored: Vec<(i64, usize, T)> =
        items.enumerate().filter_map(|(i, (t, s))| score(query, s).map(|sc| (sc, i, t))).collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    scored.into_iter().take(limit).map(|(_, _, t)| t).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_file_names_and_boundaries_first() {
        let paths = ["src/packet.cpp", "include/netguard/packet.hpp", "src/crypto.cpp", "docs/PROTOCOL.md"];
        let got = best("pack", paths.iter().map(|p| (*p, *p)), 10);
        assert_eq!(got, ["src/packet.cpp", "include/netguard/packet.hpp"]);
        assert_eq!(best("pcpp", paths.iter().map(|p| (*p, *p)), 1), ["src/packet.cpp"]);
        assert!(score("xyz", "src/packet.cpp").is_none());
        assert!(score("PROTO", "docs/PROTOCOL.md").is_some());
        assert!(score("pc", "src/packet.cpp") > score("pc", "src/xpxcx.cpp"));
    }
}

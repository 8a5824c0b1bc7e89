//! Trigrams: the ones a text contains, and the ones a regex needs (a necessary condition on a file).
//!
//! The index maps each lower-cased byte trigram to the files that contain it. A regex is turned into a
//! boolean query over trigrams the way codesearch does it (Russ Cox, "Regular Expression Matching with a
//! Trigram Index"): for every node of the regex we track the exact strings it can match (while there
//! are few), the prefixes and suffixes of its matches, and a query every match must satisfy. Bytes are
//! ASCII-lower-cased on both sides, so one index serves case-sensitive and case-insensitive queries: if
//! a regex matches a text, the lower-cased literal it needs is inside the lower-cased text.

use std::collections::BTreeSet;

use regex_syntax::hir::{Class, Hir, HirKind};

/// A trigram packed as `b0 << 16 | b1 << 8 | b2` over lower-cased bytes.
pub type Trigram = u32;

/// A boolean query over trigrams: which files may match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TriQuery {
    /// Every file may match (no usable literal).
    All,
    /// No file can match.
    None,
    Tri(Trigram),
    /// Exactly these files (sorted ids), e.g. those that define a `sym:` name.
    Files(Vec<u32>),
    And(Vec<TriQuery>),
    Or(Vec<TriQuery>),
}

impl TriQuery {
    pub fn and(self, other: TriQuery) -> TriQuery {
        match (self, other) {
            (TriQuery::All, q) | (q, TriQuery::All) => q,
            (TriQuery::None, _) | (_, TriQuery::None) => TriQuery::None,
            (TriQuery::And(mut a), TriQuery::And(b)) => {
                a.extend(b);
                TriQuery::And(a)
            }
            (TriQuery::And(mut a), q) | (q, TriQuery::And(mut a)) => {
                a.push(q);
                TriQuery::And(a)
            }
            (a, b) => TriQuery::And(vec![a, b]),
        }
    }

    pub fn or(self, other: TriQuery) -> TriQuery {
        match (self, other) {
            (TriQuery::All, _) | (_, TriQuery::All) => TriQuery::All,
            (TriQuery::None, q) | (q, TriQuery::None) => q,
            (TriQuery::Or(mut a), TriQuery::Or(b)) => {
                a.extend(b);
                TriQuery::Or(a)
            }
            (TriQuery::Or(mut a), q) | (q, TriQuery::Or(mut a)) => {
                a.push(q);
                TriQuery::Or(a)
            }
            (a, b) => TriQuery::Or(vec![a, b]),
        }
    }

    /// Whether the query constrains nothing (a scan of every file).
    pub fn is_all(&self) -> bool {
        matches!(self, TriQuery::All)
    }

    /// An equivalent query that is cheaper to evaluate: nested operators flattened, duplicates removed,
    /// and the terms every alternative of an `Or` shares pulled out of it (`(a b x) or (a b y)` becomes
    /// `a b (x or y)`). A case-insensitive phrase such as `"struct file_operations"` otherwise asks for
    /// the posting lists of `struct` once per whitespace character and spelling of `s` (48 times).
    pub fn simplify(self) -> TriQuery {
        match self {
            TriQuery::And(v) => {
                let mut out: Vec<TriQuery> = Vec::with_capacity(v.len());
                for x in v {
                    match x.simplify() {
                        TriQuery::All => {}
                        TriQuery::None => return TriQuery::None,
                        TriQuery::And(inner) => {
                            for y in inner {
                                push_unique(&mut out, y);
                            }
                        }
                        y => push_unique(&mut out, y),
                    }
                }
                match out.len() {
                    0 => TriQuery::All,
                    1 => out.pop().unwrap_or(TriQuery::All),
                    _ => TriQuery::And(out),
                }
            }
            TriQuery::Or(v) => {
                let mut alts: Vec<TriQuery> = Vec::with_capacity(v.len());
                for x in v {
                    match x.simplify() {
                        TriQuery::None => {}
                        TriQuery::All => return TriQuery::All,
                        TriQuery::Or(inner) => {
                            for y in inner {
                                push_unique(&mut alts, y);
                            }
                        }
                        y => push_unique(&mut alts, y),
                    }
                }
                if alts.len() < 2 {
                    return alts.pop().unwrap_or(TriQuery::None);
                }
                let conj = |q: &TriQuery| -> Vec<TriQuery> {
                    match q {
                        TriQuery::And(v) => v.clone(),
                        other => vec![other.clone()],
                    }
                };
                let mut common = conj(alts.first().unwrap_or(&TriQuery::All));
                for a in alts.iter().skip(1) {
                    let c = conj(a);
                    common.retain(|x| c.contains(x));
                }
                if common.is_empty() {
                    return TriQuery::Or(alts);
                }
                let rest: Vec<TriQuery> = alts
                    .iter()
                    .map(|a| {
                        let mut c = conj(a);
                        c.retain(|x| !common.contains(x));
                        TriQuery::And(c)
                    })
                    .collect();
                common.push(TriQuery::Or(rest));
                TriQuery::And(common).simplify()
            }
            other => other,
        }
    }
}

fn push_unique(v: &mut Vec<TriQuery>, q: TriQuery) {
    if !v.contains(&q) {
        v.push(q);
    }
}

/// Packs three bytes, lower-casing ASCII letters.
pub fn pack(a: u8, b: u8, c: u8) -> Trigram {
    (u32::from(a.to_ascii_lowercase()) << 16)
        | (u32::from(b.to_ascii_lowercase()) << 8)
        | u32::from(c.to_ascii_lowercase())
}

/// From this many distinct trigrams on, [`distinct_trigrams`] reads them back in order from its bit
/// set instead of sorting them. The set keeps a summary, one bit per word of it that holds a trigram:
/// reading back costs a pass over the summary's 4,096 words (32 KB) and one visit per word marked,
/// where sorting n trigrams costs about n log n steps (a fifth of the pass's time over Linux, most of it
/// in files of a few hundred to a few thousand trigrams).
const READ_BACK_FROM: usize = 64;

/// Words of the 2^24-bit set of trigrams at the start of `seen`.
const SET_WORDS: usize = (1 << 24) / 64;

/// Collects the distinct trigrams of `text` into `out` (sorted), using `seen` (a 2^24-bit set followed
/// by its summary, [`SEEN_WORDS`] words, left all-zero again on return) so that large files cost one
/// pass and no hashing.
pub fn distinct_trigrams(text: &[u8], seen: &mut [u64], out: &mut Vec<Trigram>) {
    out.clear();
    let (set, summary) = seen.split_at_mut(SET_WORDS.min(seen.len()));
    // Rolled: each byte is lower-cased once and shifted in (`pack` of the last three bytes).
    let mut t: Trigram = 0;
    for (i, &b) in text.iter().enumerate() {
        t = ((t << 8) | u32::from(b.to_ascii_lowercase())) & 0x00ff_ffff;
        if i < 2 {
            continue;
        }
        let (word, bit) = ((t >> 6) as usize, 1u64 << (t & 63));
        if let Some(slot) = set.get_mut(word)
            && *slot & bit == 0
        {
            *slot |= bit;
            out.push(t);
            if let Some(mark) = summary.get_mut(word >> 6) {
                *mark |= 1 << (word & 63);
            }
        }
    }
    if out.len() >= READ_BACK_FROM && summary.len() == SET_WORDS / 64 {
        // The set holds exactly the trigrams of `out`, and the summary every word they are in: read in
        // word order, they come sorted, and both are cleared as they are read.
        out.clear();
        for (at, mark) in summary.iter_mut().enumerate() {
            let mut words = std::mem::take(mark);
            while words != 0 {
                let word = (at << 6) | words.trailing_zeros() as usize;
                words &= words - 1;
                let Some(slot) = set.get_mut(word) else { continue };
                let mut bits = std::mem::take(slot);
                while bits != 0 {
                    out.push(((word as Trigram) << 6) | bits.trailing_zeros());
                    bits &= bits - 1;
                }
            }
        }
        return;
    }
    for &t in out.iter() {
        let word = (t >> 6) as usize;
        if let Some(slot) = set.get_mut(word) {
            *slot = 0;
        }
        if let Some(mark) = summary.get_mut(word >> 6) {
            *mark = 0;
        }
    }
    out.sort_unstable();
}

/// Number of `u64` words of the `seen` set given to [`distinct_trigrams`]: the set, then its summary.
pub const SEEN_WORDS: usize = SET_WORDS + SET_WORDS / 64;

/// More exact strings than this and we give up tracking them exactly.
const MAX_EXACT: usize = 64;
/// More prefixes or suffixes than this and they are shortened.
const MAX_SET: usize = 64;
/// Character classes wider than this are treated as "any character".
const MAX_CLASS_CHARS: u32 = 24;

type Set = BTreeSet<Vec<u8>>;

/// What we know about the strings a regex node matches.
#[derive(Debug, Clone)]
struct Info {
    can_empty: bool,
    /// All the strings the node can match, when that set is small.
    exact: Option<Set>,
    /// Every match starts with one of these (only meaningful when `exact` is `None`).
    prefix: Set,
    /// Every match ends with one of these (only meaningful when `exact` is `None`).
    suffix: Set,
    /// A condition every text containing a match satisfies.
    q: TriQuery,
}

impl Info {
    fn any_char() -> Info {
        Info { can_empty: false, exact: None, prefix: empty_set(), suffix: empty_set(), q: TriQuery::All }
    }

    fn any_match() -> Info {
        Info { can_empty: true, ..Info::any_char() }
    }

    fn exact(set: Set) -> Info {
        let can_empty = set.contains(&Vec::new());
        Info { can_empty, exact: Some(set), prefix: Set::new(), suffix: Set::new(), q: TriQuery::All }
    }

    fn prefixes(&self) -> Set {
        self.exact.clone().unwrap_or_else(|| self.prefix.clone())
    }

    fn suffixes(&self) -> Set {
        self.exact.clone().unwrap_or_else(|| self.suffix.clone())
    }

    /// The query including what the exact set implies.
    fn full_query(&self) -> TriQuery {
        match &self.exact {
            Some(e) => self.q.clone().and(or_strings(e)),
            None => self.q.clone().and(or_strings(&self.prefix)).and(or_strings(&self.suffix)),
        }
    }
}

fn empty_set() -> Set {
    Set::from([Vec::new()])
}

/// The trigram query a file must satisfy for `hir` to match somewhere in it.
pub fn query_for(hir: &Hir) -> TriQuery {
    analyze(hir).full_query()
}

fn analyze(hir: &Hir) -> Info {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => Info::exact(empty_set()),
        HirKind::Literal(lit) => Info::exact(Set::from([lit.0.to_ascii_lowercase()])),
        HirKind::Class(class) => class_info(class),
        HirKind::Repetition(rep) => {
            if rep.min == 0 {
                if rep.max == Some(1) {
                    alternate(analyze(&rep.sub), Info::exact(empty_set()))
                } else {
                    Info::any_match()
                }
            } else {
                let x = analyze(&rep.sub);
                if rep.max == Some(1) {
                    x
                } else {
                    // x{n,m} with n >= 1 starts with a match of x and ends with one.
                    Info {
                        can_empty: x.can_empty,
                        exact: None,
                        prefix: x.prefixes(),
                        suffix: x.suffixes(),
                        q: x.full_query(),
                    }
                }
            }
        }
        HirKind::Capture(cap) => analyze(&cap.sub),
        HirKind::Concat(subs) => {
            let mut acc = Info::exact(empty_set());
            for sub in subs {
                acc = concat(acc, analyze(sub));
            }
            acc
        }
        HirKind::Alternation(subs) => {
            let mut iter = subs.iter();
            let Some(first) = iter.next() else { return Info::exact(Set::new()) };
            let mut acc = analyze(first);
            for sub in iter {
                acc = alternate(acc, analyze(sub));
            }
            acc
        }
    }
}

fn class_info(class: &Class) -> Info {
    let mut set = Set::new();
    match class {
        Class::Unicode(c) => {
            let count: u32 = c.ranges().iter().map(|r| u32::from(r.end()) - u32::from(r.start()) + 1).sum();
            if count > MAX_CLASS_CHARS {
                return Info::any_char();
            }
            for r in c.ranges() {
                for ch in r.start()..=r.end() {
                    let mut buf = [0u8; 4];
                    set.insert(ch.encode_utf8(&mut buf).as_bytes().to_ascii_lowercase());
                }
            }
        }
        Class::Bytes(c) => {
            let count: u32 = c.ranges().iter().map(|r| u32::from(r.end()) - u32::from(r.start()) + 1).sum();
            if count > MAX_CLASS_CHARS {
                return Info::any_char();
            }
            for r in c.ranges() {
                for b in r.start()..=r.end() {
                    set.insert(vec![b.to_ascii_lowercase()]);
                }
            }
        }
    }
    Info::exact(set)
}

fn cross(a: &Set, b: &Set) -> Set {
    let mut out = Set::new();
    for x in a {
        for y in b {
            let mut s = x.clone();
            s.extend_from_slice(y);
            out.insert(s);
        }
    }
    out
}

fn concat(x: Info, y: Info) -> Info {
    let mut xy = Info {
        can_empty: x.can_empty && y.can_empty,
        exact: None,
        prefix: Set::new(),
        suffix: Set::new(),
        q: x.q.clone().and(y.q.clone()),
    };
    match (&x.exact, &y.exact) {
        (Some(xe), Some(ye)) if xe.len() * ye.len() <= MAX_EXACT => {
            xy.exact = Some(cross(xe, ye));
        }
        _ => {
            xy.prefix = match &x.exact {
                Some(xe) => cross(xe, &y.prefixes()),
                None => x.prefix.clone(),
            };
            if x.can_empty {
                xy.prefix.extend(y.prefixes());
            }
            xy.suffix = match &y.exact {
                Some(ye) => cross(&x.suffixes(), ye),
                None => y.suffix.clone(),
            };
            if y.can_empty {
                xy.suffix.extend(x.suffixes());
            }
        }
    }
    // Trigrams that span the boundary between two inexact halves.
    if x.exact.is_none() && y.exact.is_none() && x.suffix.len() * y.prefix.len() <= MAX_SET {
        xy.q = xy.q.and(or_strings(&cross(&x.suffix, &y.prefix)));
    }
    simplify(xy)
}

fn alternate(x: Info, y: Info) -> Info {
    let can_empty = x.can_empty || y.can_empty;
    let info = match (&x.exact, &y.exact) {
        (Some(xe), Some(ye)) => {
            let mut e = xe.clone();
            e.extend(ye.iter().cloned());
            Info { can_empty, exact: Some(e), prefix: Set::new(), suffix: Set::new(), q: x.q.or(y.q) }
        }
        _ => {
            let mut prefix = x.prefixes();
            prefix.extend(y.prefixes());
            let mut suffix = x.suffixes();
            suffix.extend(y.suffixes());
            let q = exact_query(&x).or(exact_query(&y));
            Info { can_empty, exact: None, prefix, suffix, q }
        }
    };
    simplify(info)
}

/// `q` plus what the exact set implies, but not the prefix and suffix sets (those stay tracked).
fn exact_query(x: &Info) -> TriQuery {
    match &x.exact {
        Some(e) => x.q.clone().and(or_strings(e)),
        None => x.q.clone(),
    }
}

fn simplify(mut info: Info) -> Info {
    if let Some(e) = &info.exact
        && e.len() > MAX_EXACT
    {
        info.q = info.q.and(or_strings(e));
        info.prefix = e.clone();
        info.suffix = e.clone();
        info.exact = None;
    }
    if info.exact.is_none() {
        if info.prefix.len() > MAX_SET {
            info.q = info.q.and(or_strings(&info.prefix));
            info.prefix = shorten(&info.prefix, |s| s.get(..2.min(s.len())).unwrap_or_default());
        }
        if info.suffix.len() > MAX_SET {
            info.q = info.q.and(or_strings(&info.suffix));
            info.suffix = shorten(&info.suffix, |s| s.get(s.len().saturating_sub(2)..).unwrap_or_default());
        }
    }
    info
}

fn shorten(set: &Set, cut: impl Fn(&[u8]) -> &[u8]) -> Set {
    let short: Set = set.iter().map(|s| cut(s).to_vec()).collect();
    if short.len() > MAX_SET { empty_set() } else { short }
}

/// A text containing one of `set` contains all the trigrams of that string.
fn or_strings(set: &Set) -> TriQuery {
    let mut q = TriQuery::None;
    for s in set {
        if s.len() < 3 {
            return TriQuery::All;
        }
        let mut and = TriQuery::All;
        for w in s.windows(3) {
            if let [a, b, c] = *w {
                and = and.and(TriQuery::Tri(pack(a, b, c)));
            }
        }
        q = q.or(and);
    }
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pattern: &str, ci: bool) -> TriQuery {
        let hir = regex_syntax::ParserBuilder::new().case_insensitive(ci).build().parse(pattern).unwrap();
        query_for(&hir)
    }

    fn tris(s: &str) -> Vec<TriQuery> {
        s.as_bytes().windows(3).map(|w| TriQuery::Tri(pack(w[0], w[1], w[2]))).collect()
    }

    #[test]
    fn literal_needs_all_its_trigrams() {
        assert_eq!(q("kmalloc", false), TriQuery::And(tris("kmalloc")));
        // Unicode case folding: `k` also matches the Kelvin sign, so there are two spellings.
        let TriQuery::Or(alts) = q("KMalloc", true) else { panic!() };
        assert_eq!(alts.first(), Some(&TriQuery::And(tris("kmalloc"))));
        assert_eq!(alts.len(), 2);
    }

    #[test]
    fn alternation_inside_a_literal_gives_alternatives() {
        let got = q(r"spin_lock_irq(save|restore)\(", false);
        let TriQuery::Or(alts) = got else { panic!("{got:?}") };
        assert_eq!(alts.len(), 2);
    }

    #[test]
    fn simplify_pulls_shared_terms_out_of_alternatives() {
        let t = TriQuery::Tri;
        let q = TriQuery::Or(vec![
            TriQuery::And(vec![t(1), t(2), t(3)]),
            TriQuery::And(vec![t(2), t(1), t(4)]),
            TriQuery::And(vec![t(1), t(2), t(3)]),
        ]);
        assert_eq!(q.simplify(), TriQuery::And(vec![t(1), t(2), TriQuery::Or(vec![t(3), t(4)])]));
        // Absorption: `a or (a b)` is `a`.
        let q = TriQuery::Or(vec![t(1), TriQuery::And(vec![t(1), t(2)])]);
        assert_eq!(q.simplify(), t(1));
        let q = TriQuery::And(vec![TriQuery::All, TriQuery::And(vec![t(1), t(1)]), TriQuery::Or(vec![t(2)])]);
        assert_eq!(q.simplify(), TriQuery::And(vec![t(1), t(2)]));
        assert_eq!(TriQuery::And(vec![t(1), TriQuery::None]).simplify(), TriQuery::None);
        assert_eq!(TriQuery::Or(vec![t(1), TriQuery::All]).simplify(), TriQuery::All);
    }

    #[test]
    fn phrase_query_asks_for_each_word_once() {
        let q = q(r"struct[\s&&[^\n]]+file_operations", true).simplify();
        let TriQuery::And(parts) = &q else { panic!("{q:?}") };
        assert!(parts.contains(&TriQuery::Tri(pack(b'r', b'u', b'c'))));
        assert!(parts.contains(&TriQuery::Tri(pack(b'a', b't', b'i'))));
        assert!(parts.len() < 40, "{q:?}");
    }

    #[test]
    fn no_literal_means_scan() {
        assert!(q(r"\w+", false).is_all());
        assert!(q(r"a.b", false).is_all());
    }

    #[test]
    fn hex_pattern_uses_the_leading_literal() {
        let got = q(r"0x[0-9a-f]{8}", false);
        let TriQuery::Or(alts) = got else { panic!("{got:?}") };
        assert_eq!(alts.len(), 16);
    }

    proptest::proptest! {
        /// The rolled trigrams are `pack` of every window of three bytes, once each, sorted.
        #[test]
        fn rolled_trigrams_are_the_packed_windows(
            text in proptest::collection::vec(proptest::sample::select(b"aAbBzZ09_ \n\x00\xff\xc3".to_vec()), 0..300),
        ) {
            let mut seen = vec![0u64; SEEN_WORDS];
            let mut out = Vec::new();
            distinct_trigrams(&text, &mut seen, &mut out);
            let mut want: Vec<Trigram> = text.windows(3).map(|w| pack(w[0], w[1], w[2])).collect();
            want.sort_unstable();
            want.dedup();
            proptest::prop_assert_eq!(out, want);
            proptest::prop_assert!(seen.iter().all(|&w| w == 0));
        }

        /// Read back from the set (64 trigrams or more) or sorted (fewer), the trigrams are the same,
        /// and the set and its summary are left empty: any bytes, from a few to tens of thousands of
        /// distinct trigrams, one set reused from text to text.
        #[test]
        fn trigrams_read_back_from_the_set_equal_the_sorted_windows(
            texts in proptest::collection::vec(proptest::collection::vec(proptest::num::u8::ANY, 0..40_000), 1..4),
        ) {
            let mut seen = vec![0u64; SEEN_WORDS];
            let mut out = Vec::new();
            for text in &texts {
                distinct_trigrams(text, &mut seen, &mut out);
                let mut want: Vec<Trigram> = text.windows(3).map(|w| pack(w[0], w[1], w[2])).collect();
                want.sort_unstable();
                want.dedup();
                proptest::prop_assert_eq!(&out, &want);
                proptest::prop_assert!(seen.iter().all(|&w| w == 0));
            }
        }
    }

    #[test]
    fn distinct_trigrams_are_sorted_unique_and_reset_the_set() {
        let mut seen = vec![0u64; SEEN_WORDS];
        let mut out = Vec::new();
        distinct_trigrams(b"abcabcABC", &mut seen, &mut out);
        assert_eq!(out, vec![pack(b'a', b'b', b'c'), pack(b'b', b'c', b'a'), pack(b'c', b'a', b'b')]);
        assert!(seen.iter().all(|&w| w == 0));
    }
}

//! A ranked hit's snippet: the line of its range holding the most query words. Candidate lines come
//! from one case-folded scan of the whole range per query term, so a hit spanning a large file costs a
//! few passes of `memmem` rather than a lower-cased copy and a searcher per line; only the candidates
//! are split into words and stemmed.

use std::collections::{HashMap, HashSet};

use memchr::memmem::Finder;

use crate::terms::Normalizer;
use crate::{Snippet, split};

/// The query's terms, and for each the bytes a line must hold (ASCII case-insensitively) to have a word
/// that stems to it: the term's first letters, at most 3 and never its last (a stem is its word's
/// lower-cased prefix but for its last letter: `happi` ← happy, `hope` ← hoping, `die` ← dying).
pub(crate) struct Wanted {
    pub(crate) terms: HashSet<String>,
    /// `None` when a term is not ASCII (no cheap test then: every line is read word by word).
    pub(crate) prefixes: Option<Vec<Vec<u8>>>,
}

impl Wanted {
    pub(crate) fn new(terms: &[String]) -> Wanted {
        let prefixes = terms
            .iter()
            .map(|t| {
                let k = t.len().saturating_sub(1).clamp(1, 3).min(t.len());
                t.is_ascii().then(|| t.as_bytes().get(..k).unwrap_or_default().to_vec())
            })
            .collect();
        Wanted { terms: terms.iter().cloned().collect(), prefixes }
    }

    /// For each line of `region` (split at `\n`), whether it may hold a word that stems to a term
    /// (false only when it certainly does not): a line with a byte outside ASCII always may (its
    /// lower case is not the ASCII one), an ASCII line when it holds a term's prefix.
    fn candidates(&self, region: &[u8], line_starts: &[usize]) -> Vec<bool> {
        let Some(prefixes) = &self.prefixes else { return vec![true; line_starts.len()] };
        let mut lines = vec![false; line_starts.len()];
        let line_of = |at: usize| line_starts.partition_point(|&s| s <= at).saturating_sub(1);
        let lowered = region.to_ascii_lowercase();
        for p in prefixes {
            let finder = Finder::new(p);
            let mut from = 0usize;
            // One mark per line: after a match, the search resumes at the next line.
            while let Some(at) = lowered.get(from..).and_then(|rest| finder.find(rest)).map(|i| from + i) {
                let line = line_of(at);
                if let Some(flag) = lines.get_mut(line) {
                    *flag = true;
                }
                from = line_starts.get(line + 1).copied().unwrap_or(lowered.len());
            }
        }
        for (i, flag) in lines.iter_mut().enumerate() {
            if !*flag {
                let s = line_starts.get(i).copied().unwrap_or_default();
                let e = line_starts.get(i + 1).copied().unwrap_or(region.len());
                *flag = !region.get(s..e).unwrap_or_default().is_ascii();
            }
        }
        lines
    }
}

/// The byte range of lines `start..=end` (1-based) of `bytes`, their final terminator excluded;
/// `None` when the text has fewer than `start` lines.
fn line_span(bytes: &[u8], start: u64, end: u64) -> Option<(usize, usize)> {
    let start = start.max(1);
    if end < start {
        return None;
    }
    let mut newlines = memchr::memchr_iter(b'\n', bytes);
    let from = match start {
        1 => 0,
        _ => newlines.nth(usize::try_from(start - 2).ok()?)? + 1,
    };
    let to = usize::try_from(end - start).ok().and_then(|n| newlines.nth(n)).unwrap_or(bytes.len());
    Some((from, to))
}

/// The line of `start..=end` (1-based) of `bytes` holding the most distinct query terms (the first such
/// line), with the byte ranges of its words that are query terms. Each distinct word is stemmed once;
/// lines that cannot hold a term are skipped without being split into words.
pub(crate) fn best_line(bytes: &[u8], start: u64, end: u64, wanted: &Wanted) -> Option<Snippet> {
    let (from, to) = line_span(bytes, start, end)?;
    let region = bytes.get(from..to)?;
    let mut line_starts = vec![0usize];
    line_starts.extend(memchr::memchr_iter(b'\n', region).map(|i| i + 1));
    let candidates = wanted.candidates(region, &line_starts);
    let mut norm = Normalizer::default();
    let mut buf = String::new();
    // Lower-cased word → the query term it stems to, if any.
    let mut stems: HashMap<Vec<u8>, Option<String>> = HashMap::new();
    let mut best: Option<(usize, Snippet)> = None;
    for (i, _) in candidates.iter().enumerate().filter(|(_, c)| **c) {
        let s = line_starts.get(i).copied().unwrap_or_default();
        let e = line_starts.get(i + 1).map_or(region.len(), |n| n - 1);
        let line = region.get(s..e).unwrap_or_default();
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let mut ranges = Vec::new();
        let mut seen: HashSet<&str> = HashSet::new();
        let mut words: Vec<(usize, usize)> = Vec::new();
        split::words(line, |s, e| words.push((s, e)));
        for (s, e) in words {
            let word = line.get(s..e).unwrap_or_default();
            let key = word.to_ascii_lowercase();
            let term = stems.entry(key).or_insert_with(|| {
                buf.clear();
                norm.push_word(&mut buf, word);
                buf.split(' ').find(|t| wanted.terms.contains(*t)).map(str::to_owned)
            });
            if let Some(t) = term.as_deref().and_then(|t| wanted.terms.get(t)) {
                seen.insert(t.as_str());
                ranges.push((s, e));
            }
        }
        if !ranges.is_empty() && best.as_ref().is_none_or(|(n, _)| seen.len() > *n) {
            ranges.dedup();
            // Byte ranges hold only in the line as it is: a lossily decoded line marks nothing.
            let text = match std::str::from_utf8(line) {
                Ok(t) => t.to_owned(),
                Err(_) => {
                    ranges.clear();
                    String::from_utf8_lossy(line).into_owned()
                }
            };
            let all = seen.len() == wanted.terms.len();
            best = Some((seen.len(), Snippet { line: start.max(1) + i as u64, text, ranges }));
            if all {
                break; // no later line can hold more
            }
        }
    }
    best.map(|(_, s)| s)
}

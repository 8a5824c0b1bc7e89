//! From a trigram query to candidate files: posting lists read once per query, intersected rarest
//! first, and the set operations on sorted id lists.

use std::rc::Rc;

use crate::error::SearchError;
use crate::index::Index;
use crate::trigram::{self, TriQuery};

impl Index {
    /// Candidate file ids for a trigram query, sorted.
    pub(super) fn candidates(&self, q: &TriQuery) -> Result<Vec<u32>, SearchError> {
        if self.is_scan() {
            return Ok((0..self.files().len() as u32).collect());
        }
        let mut lists = PostingCache::default();
        Ok(match self.eval_tri(&q.clone().simplify(), None, &mut lists)? {
            Some(ids) => Rc::try_unwrap(ids).unwrap_or_else(|shared| (*shared).clone()),
            None => (0..self.files().len() as u32).collect(),
        })
    }

    /// The files satisfying `q` among `within` (`None`: among all files); `None` means every file of
    /// `within`'s range. Each posting list is read and decoded once per query; in an `And`, the single
    /// trigrams are intersected shortest first, and the remaining parts (alternatives) are evaluated
    /// only among the files that are left, so a common trigram inside an alternative costs little.
    fn eval_tri(
        &self,
        q: &TriQuery,
        within: Option<&Rc<Vec<u32>>>,
        lists: &mut PostingCache,
    ) -> Result<Option<Rc<Vec<u32>>>, SearchError> {
        let restrict = |ids: Rc<Vec<u32>>| match within {
            Some(w) => Rc::new(intersect(w, &ids)),
            None => ids,
        };
        Ok(match q {
            TriQuery::All => within.cloned(),
            TriQuery::None => Some(Rc::new(Vec::new())),
            TriQuery::Tri(t) => Some(restrict(self.posting_list(*t, lists)?)),
            TriQuery::Files(ids) => Some(restrict(Rc::new(ids.clone()))),
            TriQuery::And(v) => {
                let mut acc: Option<Rc<Vec<u32>>> = within.cloned();
                let mut files: Vec<&Vec<u32>> = Vec::new();
                let mut tris: Vec<(u32, trigram::Trigram)> = Vec::new();
                for x in v {
                    match x {
                        TriQuery::Tri(t) => tris.push((self.list_len(*t, lists)?, *t)),
                        TriQuery::Files(ids) => files.push(ids),
                        _ => {}
                    }
                }
                for ids in files {
                    acc = Some(match acc {
                        None => Rc::new(ids.clone()),
                        Some(a) => Rc::new(intersect(&a, ids)),
                    });
                }
                // Rarest first (lengths come from the table): an empty list ends the work before the
                // long lists are decoded.
                tris.sort_unstable();
                for (_, t) in tris {
                    if acc.as_ref().is_some_and(|a| a.is_empty()) {
                        return Ok(acc);
                    }
                    let ids = self.posting_list(t, lists)?;
                    acc = Some(match acc {
                        None => ids,
                        Some(a) => Rc::new(intersect(&a, &ids)),
                    });
                }
                if acc.as_ref().is_some_and(|a| a.is_empty()) {
                    return Ok(acc);
                }
                for x in v.iter().filter(|x| !matches!(x, TriQuery::Tri(_) | TriQuery::Files(_))) {
                    if let Some(ids) = self.eval_tri(x, acc.as_ref(), lists)? {
                        let empty = ids.is_empty();
                        acc = Some(ids);
                        if empty {
                            break;
                        }
                    }
                }
                acc
            }
            TriQuery::Or(v) => {
                let mut parts: Vec<Rc<Vec<u32>>> = Vec::with_capacity(v.len());
                for x in v {
                    match self.eval_tri(x, within, lists)? {
                        None => return Ok(None),
                        Some(ids) => parts.push(ids),
                    }
                }
                Some(Rc::new(union_all(parts)))
            }
        })
    }

    /// The length of the posting list of `t` (without decoding it unless it is already).
    fn list_len(&self, t: trigram::Trigram, lists: &PostingCache) -> Result<u32, SearchError> {
        match lists.get(&t) {
            Some(ids) => Ok(ids.len() as u32),
            None => self.posting_file()?.count(t),
        }
    }

    /// The posting file; a scan never asks (its candidates are every file).
    fn posting_file(&self) -> Result<&crate::index::TrigramFile, SearchError> {
        self.trigrams().ok_or_else(|| SearchError::corrupt(self.dir(), "a scan has no posting file"))
    }

    /// The decoded posting list of `t`, read once per query.
    fn posting_list(
        &self,
        t: trigram::Trigram,
        lists: &mut PostingCache,
    ) -> Result<Rc<Vec<u32>>, SearchError> {
        if let Some(ids) = lists.get(&t) {
            return Ok(ids.clone());
        }
        let ids = Rc::new(self.posting_file()?.postings(t)?);
        lists.insert(t, ids.clone());
        Ok(ids)
    }
}

/// Decoded posting lists of one query evaluation, by trigram.
type PostingCache = std::collections::HashMap<trigram::Trigram, Rc<Vec<u32>>>;

/// The sorted intersection of two sorted lists. A much shorter list is looked up in the longer one by
/// galloping, in time proportional to the short one; otherwise the shorter list is marked in a bitmap
/// of file ids and the longer one filtered through it (a predictable branch per id: measured on the
/// Linux tree's phrase query, galloping from the 4x ratio a merge needs cost more than the page's
/// reading).
fn intersect(a: &[u32], b: &[u32]) -> Vec<u32> {
    let (small, large) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let mut out = Vec::with_capacity(small.len());
    if small.len().saturating_mul(64) < large.len() {
        let mut rest = large;
        for &x in small {
            // Gallop: find a window that must hold x, then search it.
            let mut step = 1usize;
            while rest.get(step).is_some_and(|&y| y < x) {
                step *= 2;
            }
            let window = rest.get(..(step + 1).min(rest.len())).unwrap_or_default();
            let i = window.partition_point(|&y| y < x);
            rest = rest.get(i..).unwrap_or_default();
            if rest.first() == Some(&x) {
                out.push(x);
            }
            if rest.is_empty() {
                break;
            }
        }
        return out;
    }
    let Some(&max) = small.last() else { return out };
    let mut bits = vec![0u64; max as usize / 64 + 1];
    for &x in small {
        if let Some(w) = bits.get_mut(x as usize / 64) {
            *w |= 1 << (x % 64);
        }
    }
    for &y in large {
        if bits.get(y as usize / 64).is_some_and(|w| w >> (y % 64) & 1 == 1) {
            out.push(y);
        }
    }
    out
}

/// The sorted union of sorted lists.
fn union_all(parts: Vec<Rc<Vec<u32>>>) -> Vec<u32> {
    if parts.len() <= 2 {
        let mut iter = parts.into_iter();
        let a = iter.next().map(|p| (*p).clone()).unwrap_or_default();
        return match iter.next() {
            Some(b) => union(&a, &b),
            None => a,
        };
    }
    let mut all: Vec<u32> = Vec::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in &parts {
        all.extend_from_slice(p);
    }
    all.sort_unstable();
    all.dedup();
    all
}

fn union(a: &[u32], b: &[u32]) -> Vec<u32> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    loop {
        match (a.get(i), b.get(j)) {
            (Some(&x), Some(&y)) => {
                out.push(x.min(y));
                if x <= y {
                    i += 1;
                }
                if y <= x {
                    j += 1;
                }
            }
            (Some(&x), None) => {
                out.push(x);
                i += 1;
            }
            (None, Some(&y)) => {
                out.push(y);
                j += 1;
            }
            (None, None) => break,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::rc::Rc;

    #[test]
    fn set_operations() {
        assert_eq!(intersect(&[1, 3, 5], &[3, 4, 5]), vec![3, 5]);
        let large: Vec<u32> = (0..1000).map(|i| i * 3).collect();
        assert_eq!(intersect(&[0, 4, 6, 2997, 5000], &large), vec![0, 6, 2997]);
        assert_eq!(intersect(&large, &[2, 2999]), Vec::<u32>::new());
        let evens: Vec<u32> = (0..400).map(|i| i * 2).collect();
        let thirds: Vec<u32> = (0..300).map(|i| i * 3).collect();
        let sixths: Vec<u32> = (0..134).map(|i| i * 6).collect();
        assert_eq!(intersect(&evens, &thirds), sixths, "bitmap path");
        assert_eq!(intersect(&thirds, &evens), sixths);
        assert_eq!(intersect(&[], &evens), Vec::<u32>::new());
        assert_eq!(
            union_all(vec![Rc::new(vec![1, 4]), Rc::new(vec![2]), Rc::new(vec![4, 9])]),
            vec![1, 2, 4, 9]
        );
        assert_eq!(union(&[1, 3, 5], &[3, 4, 5]), vec![1, 3, 4, 5]);
    }
}

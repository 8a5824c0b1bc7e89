//! Reading coverage: which lines of a file have been on screen. Kept as sorted, disjoint ranges, so a
//! 200k-line file read top to bottom is one range, not 200k entries.

use std::ops::Range;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineSet {
    ranges: Vec<Range<usize>>,
    total: usize,
}

impl LineSet {
    pub fn new(total: usize) -> LineSet {
        LineSet { ranges: Vec::new(), total }
    }

    /// Adds lines (clamped to the file), merging with touching ranges.
    pub fn insert(&mut self, r: Range<usize>) {
        let r = r.start.min(self.total)..r.end.min(self.total);
        if r.is_empty() {
            return;
        }
        let mut merged = r;
        let mut out = Vec::with_capacity(self.ranges.len() + 1);
        for x in self.ranges.drain(..) {
            if x.end < merged.start || x.start > merged.end {
                out.push(x);
            } else {
                merged = merged.start.min(x.start)..merged.end.max(x.end);
            }
        }
        out.push(merged);
        out.sort_by_key(|x| x.start);
        self.ranges = out;
    }

    pub fn count(&self) -> usize {
        self.ranges.iter().map(|r| r.len()).sum()
    }

    /// Fraction of the file seen, 0..=1.
    pub fn fraction(&self) -> f32 {
        if self.total == 0 { 1.0 } else { self.count() as f32 / self.total as f32 }
    }

    pub fn ranges(&self) -> &[Range<usize>] {
        &self.ranges
    }

    pub fn total(&self) -> usize {
        self.total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_and_counts() {
        let mut s = LineSet::new(100);
        s.insert(10..20);
        s.insert(30..40);
        s.insert(20..30);
        assert_eq!(s.ranges().len(), 1);
        assert_eq!(s.ranges().first(), Some(&(10..40)));
        s.insert(90..200);
        assert_eq!(s.count(), 40);
        assert!((s.fraction() - 0.4).abs() < 1e-6);
        s.insert(0..5);
        assert_eq!(s.ranges(), [0..5, 10..40, 90..100]);
    }
}

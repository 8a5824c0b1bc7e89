//! Line index of a text: the byte offset where each line starts, for O(1) access to any line.

/// Start offsets of every line of a text (`\n`-terminated; a trailing line without `\n` counts).
#[derive(Debug, Clone, Default)]
pub struct LineIndex {
    starts: Vec<usize>,
    len: usize,
}

impl LineIndex {
    /// Indexes the line starts of `text` in one pass; the index is only valid for that same text.
    pub fn new(text: &[u8]) -> LineIndex {
        let mut starts = Vec::with_capacity(text.len() / 40 + 1);
        starts.push(0);
        starts.extend(memchr::memchr_iter(b'\n', text).map(|i| i + 1));
        if starts.last() == Some(&text.len()) && !text.is_empty() {
            starts.pop();
        }
        LineIndex { starts, len: text.len() }
    }

    /// Number of lines (an empty text has one empty line).
    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// Byte range of line `idx` (0-based), without its line terminator (`\n` or `\r\n`).
    pub fn line_range(&self, text: &[u8], idx: usize) -> Option<std::ops::Range<usize>> {
        let start = *self.starts.get(idx)?;
        let mut end = self.starts.get(idx + 1).map_or(self.len, |&next| next - 1);
        if end > start && text.get(end - 1) == Some(&b'\r') {
            end -= 1;
        }
        Some(start..end)
    }

    /// The 0-based line containing byte `offset`.
    pub fn line_of_offset(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        }
    }
}

/// Counts lines as [`LineIndex::line_count`] does, without allocating.
pub fn count_lines(text: &[u8]) -> u64 {
    if text.is_empty() {
        return 0;
    }
    let newlines = memchr::memchr_iter(b'\n', text).count() as u64;
    if text.last() == Some(&b'\n') { newlines } else { newlines + 1 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_with_and_without_final_newline() {
        let t = b"a\r\nbb\nccc";
        let ix = LineIndex::new(t);
        assert_eq!(ix.line_count(), 3);
        assert_eq!(ix.line_range(t, 0), Some(0..1));
        assert_eq!(ix.line_range(t, 1), Some(3..5));
        assert_eq!(ix.line_range(t, 2), Some(6..9));
        assert_eq!(ix.line_range(t, 3), None);
        assert_eq!(ix.line_of_offset(4), 1);
        let t = b"a\nb\n";
        assert_eq!(LineIndex::new(t).line_count(), 2);
        assert_eq!(count_lines(t), 2);
        assert_eq!(count_lines(b"a\nb"), 2);
        assert_eq!(count_lines(b""), 0);
    }
}

//! The diff as a reader sees it: a file's hunks (imara-diff's Myers, the algorithm the counts and the
//! port use, with git's indent heuristic placing ambiguous hunks) and, inside a changed line, which
//! bytes changed (a word diff of the two lines, again imara-diff).

use std::ops::Range;

use imara_diff::{Algorithm, Diff, InternedInput};

/// Lines longer than this are marked changed as a whole: a word diff of a minified megabyte line
/// would cost a frame.
pub const MAX_INTRA_LINE_BYTES: usize = 2000;

/// One hunk: 0-based, half-open line ranges replaced on each side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hunk {
    /// Lines of the old text the hunk removes (empty for a pure insertion, then its start is where).
    pub old: Range<u32>,
    /// Lines of the new text the hunk adds.
    pub new: Range<u32>,
}

/// The hunks turning `old` into `new`, in order. Lines end at `\n` (kept in the line, so a changed
/// line ending is a change), as in `FilePort` and `git diff`.
pub fn line_hunks(old: &[u8], new: &[u8]) -> Vec<Hunk> {
    let input = InternedInput::new(old, new);
    let mut diff = Diff::compute(Algorithm::Myers, &input);
    diff.postprocess_lines(&input);
    diff.hunks().map(|h| Hunk { old: h.before, new: h.after }).collect()
}

/// The byte ranges of `old_line` and of `new_line` that differ (words, runs of spaces and single
/// punctuation characters compared as units). Lines above [`MAX_INTRA_LINE_BYTES`] are one range each.
pub fn intra_line(old_line: &str, new_line: &str) -> (Vec<Range<usize>>, Vec<Range<usize>>) {
    if old_line.len() > MAX_INTRA_LINE_BYTES || new_line.len() > MAX_INTRA_LINE_BYTES {
        return (whole(old_line), whole(new_line));
    }
    let (a, b) = (words(old_line), words(new_line));
    let mut input: InternedInput<&str> = InternedInput::default();
    input.update_before(a.iter().map(|r| old_line.get(r.clone()).unwrap_or_default()));
    input.update_after(b.iter().map(|r| new_line.get(r.clone()).unwrap_or_default()));
    let diff = Diff::compute(Algorithm::Myers, &input);
    let (mut olds, mut news) = (Vec::new(), Vec::new());
    for h in diff.hunks() {
        push_span(&mut olds, &a, h.before);
        push_span(&mut news, &b, h.after);
    }
    (olds, news)
}

fn whole(line: &str) -> Vec<Range<usize>> {
    if line.is_empty() { Vec::new() } else { std::iter::once(0..line.len()).collect() }
}

/// Adds the bytes of tokens `tokens` (indexes into `units`) as one range.
fn push_span(out: &mut Vec<Range<usize>>, units: &[Range<usize>], tokens: Range<u32>) {
    if tokens.is_empty() {
        return;
    }
    let (Some(first), Some(last)) =
        (units.get(tokens.start as usize), tokens.end.checked_sub(1).and_then(|e| units.get(e as usize)))
    else {
        return;
    };
    out.push(first.start..last.end);
}

/// The units a line is compared by: runs of word characters, runs of whitespace, and every other
/// character alone.
fn words(line: &str) -> Vec<Range<usize>> {
    #[derive(PartialEq)]
    enum Class {
        Word,
        Space,
        Other,
    }
    let class = |c: char| {
        if c.is_alphanumeric() || c == '_' {
            Class::Word
        } else if c.is_whitespace() {
            Class::Space
        } else {
            Class::Other
        }
    };
    let mut out: Vec<Range<usize>> = Vec::new();
    let mut current: Option<(Class, usize)> = None;
    for (i, c) in line.char_indices() {
        let k = class(c);
        match &current {
            Some((prev, _)) if *prev == k && k != Class::Other => {}
            Some((_, start)) => {
                out.push(*start..i);
                current = Some((k, i));
            }
            None => current = Some((k, i)),
        }
    }
    if let Some((_, start)) = current {
        out.push(start..line.len());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(r: Range<usize>) -> Vec<Range<usize>> {
        std::iter::once(r).collect()
    }

    #[test]
    fn hunks_name_the_replaced_lines_on_each_side() {
        let old = b"a\nb\nc\nd\n";
        let new = b"a\nB\nc\nd\ne\n";
        assert_eq!(line_hunks(old, new), [Hunk { old: 1..2, new: 1..2 }, Hunk { old: 4..4, new: 4..5 }]);
        assert_eq!(line_hunks(old, old), []);
        assert_eq!(line_hunks(b"", b"x\n"), [Hunk { old: 0..0, new: 0..1 }]);
    }

    #[test]
    fn the_counts_of_the_hunks_are_the_numstat_counts() {
        let old: String = (0..300).map(|i| format!("line {}\n", i % 17)).collect();
        let new: String = (0..300).map(|i| format!("line {}\n", (i * 7) % 19)).collect();
        let hunks = line_hunks(old.as_bytes(), new.as_bytes());
        let added: u64 = hunks.iter().map(|h| u64::from(h.new.end - h.new.start)).sum();
        let deleted: u64 = hunks.iter().map(|h| u64::from(h.old.end - h.old.start)).sum();
        assert_eq!(Some((added, deleted)), crate::line_counts(old.as_bytes(), new.as_bytes()));
    }

    #[test]
    fn a_changed_word_is_marked_and_nothing_else() {
        let (o, n) = intra_line("    if (len > max) {", "    if (len < max) {");
        assert_eq!((o, n), (one(12..13), one(12..13)));
        let (o, n) = intra_line("    if (len > max) {", "    if (len >= max) {");
        assert_eq!((o, n), (vec![], one(13..14)), "only the inserted character");
        let (o, n) = intra_line("return a_b;", "return a_c;");
        assert_eq!((o, n), (one(7..10), one(7..10)), "an identifier is one unit");
        let (o, n) = intra_line("x = 1;", "x = 1; // é");
        assert!(o.is_empty());
        assert_eq!(n, one(6..12));
    }

    #[test]
    fn a_huge_line_is_changed_as_a_whole() {
        let long = "x ".repeat(MAX_INTRA_LINE_BYTES);
        let (o, n) = intra_line(&long, "x");
        assert_eq!((o, n), (one(0..long.len()), one(0..1)));
    }
}

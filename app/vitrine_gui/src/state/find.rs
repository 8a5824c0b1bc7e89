//! Find in file: every occurrence of a literal (case-insensitive unless it has capitals, as editors do)
//! in a document's text, as (0-based line, byte range within the line).

use std::sync::atomic::{AtomicBool, Ordering};

/// Occurrences of `needle` in `text`, at most `limit`; stops early (with what it found) once `cancel`
/// is set, checked every few thousand lines.
pub fn find_all(
    text: &str,
    needle: &str,
    limit: usize,
    cancel: &AtomicBool,
) -> Vec<(usize, std::ops::Range<usize>)> {
    if needle.is_empty() {
        return Vec::new();
    }
    let smart_case = needle.chars().any(char::is_uppercase);
    let mut out = Vec::new();
    for (line_no, line) in text.split('\n').enumerate() {
        if line_no % 4096 == 0 && cancel.load(Ordering::Relaxed) {
            break;
        }
        let line = line.strip_suffix('\r').unwrap_or(line);
        let mut from = 0;
        while from <= line.len() {
            let hay = line.get(from..).unwrap_or_default();
            let found = if smart_case { hay.find(needle) } else { find_ignore_case(hay, needle) };
            let Some(at) = found else { break };
            let start = from + at;
            let end = start + needle.len();
            out.push((line_no, start..end));
            if out.len() >= limit {
                return out;
            }
            from = end.max(start + 1);
            while from < line.len() && !line.is_char_boundary(from) {
                from += 1;
            }
        }
    }
    out
}

/// ASCII-case-insensitive search (non-ASCII characters must match exactly).
fn find_ignore_case(hay: &str, needle: &str) -> Option<usize> {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    if n.len() > h.len() {
        return None;
    }
    (0..=h.len() - n.len()).find(|&i| {
        hay.is_char_boundary(i) && h.get(i..i + n.len()).is_some_and(|w| w.eq_ignore_ascii_case(n))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_with_smart_case_across_lines() {
        let no = AtomicBool::new(false);
        let find_all = |t, n, l| find_all(t, n, l, &no);
        let t = "int Size;\r\nsize_t size = SIZE;\nнет size";
        assert_eq!(find_all(t, "size", 10), [(0, 4..8), (1, 0..4), (1, 7..11), (1, 14..18), (2, 7..11)]);
        assert_eq!(find_all(t, "Size", 10), [(0, 4..8)]);
        assert_eq!(find_all(t, "size", 2).len(), 2);
        assert!(find_all(t, "", 10).is_empty());
        // Matches do not overlap, as in editors.
        assert_eq!(find_all("aaaa", "aa", 10), [(0, 0..2), (0, 2..4)]);
    }
}

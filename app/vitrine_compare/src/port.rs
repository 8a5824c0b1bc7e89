//! Planning where a review thread's anchor lands in the new snapshot (the `anchor-port` outcomes):
//! `exact` (same blob), `moved` (renamed, or lines shifted by the hunks above), `changed` (the quoted
//! lines were edited, and the quote was found again elsewhere in the new file), `outdated` (gone).
//! A pure function: the caller reads the files and supplies the quote check (the record's hash).

use serde::Serialize;

use crate::{FileChange, Status};

/// What a thread points at in the old snapshot: a path and 1-based inclusive lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor {
    /// Path in the old snapshot, `/`-separated.
    pub path: String,
    /// First quoted line, 1-based.
    pub start_line: u32,
    /// Last quoted line, 1-based, inclusive (a value below `start_line` is read as `start_line`).
    pub end_line: u32,
}

/// Where the anchor points in the new snapshot, and how it was found.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "outcome")]
pub enum Port {
    /// The same bytes at the same path: nothing moved.
    Exact {
        /// Path in the new snapshot, `/`-separated.
        path: String,
        /// First line of the anchor in the new file, 1-based.
        start_line: u32,
        /// Last line of the anchor in the new file, 1-based, inclusive.
        end_line: u32,
    },
    /// The same quoted lines, at another path (rename) or shifted by edits above them.
    Moved {
        /// Path in the new snapshot, `/`-separated.
        path: String,
        /// First line of the anchor in the new file, 1-based.
        start_line: u32,
        /// Last line of the anchor in the new file, 1-based, inclusive.
        end_line: u32,
    },
    /// The quoted lines were touched by an edit; the quote was found again at these lines.
    Changed {
        /// Path in the new snapshot, `/`-separated.
        path: String,
        /// First line of the anchor in the new file, 1-based.
        start_line: u32,
        /// Last line of the anchor in the new file, 1-based, inclusive.
        end_line: u32,
        /// 1 over the number of places the quote was found: 1.0 when it was found once.
        confidence: f32,
    },
    /// The file is gone, or the quote is nowhere in the new file.
    Outdated,
}

/// Ports `anchor` through `change` (the diff entry whose old path is the anchor's, `None` when that
/// file is unchanged). `old` and `new` are the file's contents on each side (only read when the blob
/// changed); `quote_matches` says whether a span of lines (from the start of the first line to the end
/// of the last, terminator included) is the anchor's quote.
pub fn port_anchor(
    anchor: &Anchor,
    change: Option<&FileChange>,
    old: &[u8],
    new: &[u8],
    quote_matches: impl Fn(&[u8]) -> bool,
) -> Port {
    let (s, e) = (anchor.start_line, anchor.end_line.max(anchor.start_line));
    let Some(change) = change else {
        return Port::Exact { path: anchor.path.clone(), start_line: s, end_line: e };
    };
    let new_path = match (change.status, change.new_path.as_deref()) {
        (Status::Deleted | Status::TypeChanged, _) | (_, None) => return Port::Outdated,
        (_, Some(p)) => p.to_owned(),
    };
    if change.old_blob == change.new_blob {
        return if new_path == anchor.path {
            Port::Exact { path: new_path, start_line: s, end_line: e }
        } else {
            Port::Moved { path: new_path, start_line: s, end_line: e }
        };
    }
    let input = imara_diff::InternedInput::new(old, new);
    let diff = imara_diff::Diff::compute(imara_diff::Algorithm::Myers, &input);
    // 0-based half-open range of the anchor's lines.
    let (first, last) = (s.saturating_sub(1), e);
    let mut offset: i64 = 0;
    let mut touched = false;
    for h in diff.hunks() {
        if h.before.start >= last {
            break;
        }
        let overlaps = h.before.start < last && h.before.end > first;
        let inserted_inside = h.before.is_empty() && h.before.start > first && h.before.start < last;
        if overlaps || inserted_inside {
            touched = true;
            break;
        }
        offset += i64::from(h.after.len() as u32) - i64::from(h.before.len() as u32);
    }
    if !touched {
        let shift = |l: u32| (i64::from(l) + offset).max(1) as u32;
        return Port::Moved { path: new_path, start_line: shift(s), end_line: shift(e) };
    }
    // Edited: look for the quote elsewhere in the new file, nearest the expected place first.
    let starts = line_starts(new);
    let n = (e - s + 1) as usize;
    let lines = starts.len().saturating_sub(1);
    let mut found: Vec<usize> =
        (0..lines.saturating_sub(n - 1)).filter(|&i| quote_matches(&new[starts[i]..starts[i + n]])).collect();
    let expected = (i64::from(first) + offset).max(0) as usize;
    found.sort_by_key(|&i| i.abs_diff(expected));
    match found.first() {
        Some(&i) => Port::Changed {
            path: new_path,
            start_line: i as u32 + 1,
            end_line: (i + n) as u32,
            confidence: 1.0 / found.len() as f32,
        },
        None => Port::Outdated,
    }
}

/// Byte offsets of each line start, plus the end of the data (lines split after `\n`).
fn line_starts(data: &[u8]) -> Vec<usize> {
    let mut starts = vec![0];
    starts.extend(data.iter().enumerate().filter(|(_, b)| **b == b'\n').map(|(i, _)| i + 1));
    if starts.last() != Some(&data.len()) {
        starts.push(data.len());
    }
    starts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(status: Status, old: &str, new: Option<&str>, same_blob: bool) -> FileChange {
        FileChange {
            status,
            old_path: Some(old.into()),
            new_path: new.map(Into::into),
            old_mode: Some("100644"),
            new_mode: new.map(|_| "100644"),
            similarity: None,
            additions: Some(0),
            deletions: Some(0),
            old_blob: Some("a".into()),
            new_blob: new.map(|_| if same_blob { "a".into() } else { "b".into() }),
        }
    }

    fn anchor(s: u32, e: u32) -> Anchor {
        Anchor { path: "f.c".into(), start_line: s, end_line: e }
    }

    const OLD: &str = "a\nb\nquote one\nquote two\nc\nd\n";

    fn quote(span: &[u8]) -> bool {
        span == b"quote one\nquote two\n"
    }

    #[test]
    fn unchanged_file_is_exact() {
        assert_eq!(
            port_anchor(&anchor(3, 4), None, b"", b"", quote),
            Port::Exact { path: "f.c".into(), start_line: 3, end_line: 4 }
        );
    }

    #[test]
    fn pure_rename_is_moved_to_the_new_path() {
        let c = change(Status::Renamed, "f.c", Some("g.c"), true);
        assert_eq!(
            port_anchor(&anchor(3, 4), Some(&c), b"", b"", quote),
            Port::Moved { path: "g.c".into(), start_line: 3, end_line: 4 }
        );
    }

    #[test]
    fn lines_shift_with_edits_above_and_not_below() {
        let c = change(Status::Modified, "f.c", Some("f.c"), false);
        let new = "new 1\nnew 2\na\nquote one\nquote two\nc\nchanged\n";
        assert_eq!(
            port_anchor(&anchor(3, 4), Some(&c), OLD.as_bytes(), new.as_bytes(), quote),
            Port::Moved { path: "f.c".into(), start_line: 4, end_line: 5 }
        );
    }

    #[test]
    fn edited_quote_found_again_is_changed() {
        let c = change(Status::Modified, "f.c", Some("f.c"), false);
        // The quoted lines are edited in place; the quote itself moved to the end.
        let new = "a\nb\nquote ONE\nquote two\nc\nd\nquote one\nquote two\n";
        assert_eq!(
            port_anchor(&anchor(3, 4), Some(&c), OLD.as_bytes(), new.as_bytes(), quote),
            Port::Changed { path: "f.c".into(), start_line: 7, end_line: 8, confidence: 1.0 }
        );
    }

    #[test]
    fn quote_gone_or_file_deleted_is_outdated() {
        let c = change(Status::Modified, "f.c", Some("f.c"), false);
        let new = "a\nb\nfixed\nc\nd\n";
        assert_eq!(
            port_anchor(&anchor(3, 4), Some(&c), OLD.as_bytes(), new.as_bytes(), quote),
            Port::Outdated
        );
        let d = change(Status::Deleted, "f.c", None, false);
        assert_eq!(port_anchor(&anchor(3, 4), Some(&d), OLD.as_bytes(), b"", quote), Port::Outdated);
    }
}

//! Planning where a review thread's anchor lands in the new snapshot (the `anchor-port` outcomes):
//! `exact` (same blob), `moved` (renamed, shifted by the hunks above, or the quoted lines found intact
//! once elsewhere after an edit), `changed` (the quoted lines were edited: found again between the old
//! line before and the old line after them, or intact at several places, with a confidence), `outdated`
//! (gone). Pure functions on the file's bytes: the caller reads the files and signs the result.
//!
//! [`FilePort`] diffs a file once and then ports any number of anchors in it: each anchor costs the
//! hunks before it and hash look-ups of its own lines, so porting thousands of threads stays linear.

use std::collections::HashMap;
use std::ops::Range;

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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
    /// The same quoted lines, at another path (rename), shifted by edits above them, or found intact
    /// at exactly one other place after an edit touched them.
    Moved {
        /// Path in the new snapshot, `/`-separated.
        path: String,
        /// First line of the anchor in the new file, 1-based.
        start_line: u32,
        /// Last line of the anchor in the new file, 1-based, inclusive.
        end_line: u32,
    },
    /// The quoted lines were edited; these lines are where they most likely are now.
    Changed {
        /// Path in the new snapshot, `/`-separated.
        path: String,
        /// First line of the anchor in the new file, 1-based.
        start_line: u32,
        /// Last line of the anchor in the new file, 1-based, inclusive.
        end_line: u32,
        /// In percent: 90 between the old line before and the old line after them (75 when the count
        /// of lines changed), 50 next to only one of them, divided among the places that fit equally.
        confidence: u8,
    },
    /// The file is gone, or nothing of the quote or its neighbours is in the new file.
    Outdated,
}

/// One file of the old snapshot, diffed once against its new version, to port anchors through.
#[derive(Debug)]
pub struct FilePort<'a> {
    /// The new path, `None` when the file is gone (deleted, or no longer a regular file).
    new_path: Option<String>,
    /// The same bytes on both sides (unchanged, renamed alone or mode change).
    same: bool,
    /// Whether the path is unchanged.
    same_path: bool,
    /// The diff's hunks, 0-based line ranges (before, after), in order.
    hunks: Vec<(Range<u32>, Range<u32>)>,
    old: Vec<&'a [u8]>,
    new: Vec<&'a [u8]>,
    /// Where each line of the new file occurs (0-based).
    new_index: HashMap<&'a [u8], Vec<u32>>,
}

impl<'a> FilePort<'a> {
    /// Prepares porting the anchors of the old file at `path` through `change` (the diff entry whose
    /// old path it is, `None` when the file is unchanged). `old` and `new` are the file's contents on each
    /// side (only read when the blob changed; pass empty slices otherwise).
    pub fn new(path: &str, change: Option<&FileChange>, old: &'a [u8], new: &'a [u8]) -> FilePort<'a> {
        let mut port = FilePort {
            new_path: Some(path.to_owned()),
            same: true,
            same_path: true,
            hunks: Vec::new(),
            old: Vec::new(),
            new: Vec::new(),
            new_index: HashMap::new(),
        };
        let Some(change) = change else { return port };
        port.new_path = match (change.status, change.new_path.as_deref()) {
            (Status::Deleted | Status::TypeChanged, _) | (_, None) => None,
            (_, Some(p)) => Some(p.to_owned()),
        };
        port.same_path = port.new_path.as_deref() == Some(path);
        port.same = change.old_blob == change.new_blob;
        if port.new_path.is_none() || port.same {
            return port;
        }
        let input = imara_diff::InternedInput::new(old, new);
        let diff = imara_diff::Diff::compute(imara_diff::Algorithm::Myers, &input);
        port.hunks = diff.hunks().map(|h| (h.before, h.after)).collect();
        port.old = lines(old);
        port.new = lines(new);
        for (i, l) in port.new.iter().enumerate() {
            port.new_index.entry(*l).or_default().push(i as u32);
        }
        port
    }

    /// Where `anchor` (lines of this file) lands.
    pub fn port(&self, anchor: &Anchor) -> Port {
        let (s, e) = (anchor.start_line.max(1), anchor.end_line.max(anchor.start_line.max(1)));
        let Some(path) = self.new_path.clone() else { return Port::Outdated };
        if self.same {
            return if self.same_path {
                Port::Exact { path, start_line: s, end_line: e }
            } else {
                Port::Moved { path, start_line: s, end_line: e }
            };
        }
        // 0-based half-open range of the anchor's lines.
        let (first, last) = (s - 1, e);
        if last as usize > self.old.len() {
            return Port::Outdated;
        }
        let mut offset: i64 = 0;
        let mut touched = false;
        for (before, after) in &self.hunks {
            if before.start >= last {
                break;
            }
            let overlaps = before.start < last && before.end > first;
            let inserted_inside = before.is_empty() && before.start > first && before.start < last;
            if overlaps || inserted_inside {
                touched = true;
                break;
            }
            offset += i64::from(after.len() as u32) - i64::from(before.len() as u32);
        }
        let shift = |l: u32| (i64::from(l) + offset).max(1) as u32;
        if !touched {
            return Port::Moved { path, start_line: shift(s), end_line: shift(e) };
        }
        let expected = i64::from(first) + offset;
        let n = (last - first) as usize;
        let quote = &self.old[first as usize..last as usize];

        // The quoted lines intact elsewhere: once is a move, several times a guess among them.
        let intact: Vec<u32> = self
            .positions(quote[0])
            .iter()
            .copied()
            .filter(|&i| self.new.get(i as usize..i as usize + n).is_some_and(|span| span == quote))
            .collect();
        if let Some(i) = nearest(&intact, expected) {
            let (start_line, end_line) = (i + 1, i + n as u32);
            return if intact.len() == 1 {
                Port::Moved { path, start_line, end_line }
            } else {
                Port::Changed { path, start_line, end_line, confidence: share(100, intact.len()) }
            };
        }

        // Edited in place: the region between the old line before and the old line after the quote.
        let prefix = first.checked_sub(1).map(|p| self.old[p as usize]);
        let suffix = self.old.get(last as usize).copied();
        let before: &[u32] = prefix.map_or(&[], |l| self.positions(l));
        let after: &[u32] = suffix.map_or(&[], |l| self.positions(l));
        let most = (2 * n).max(n + 20);
        let mut between: Vec<(u32, u32)> = Vec::new();
        for &p in before {
            let k = after.partition_point(|&a| a <= p);
            if let Some(&a) = after.get(k)
                && a > p + 1
                && ((a - p - 1) as usize) <= most
            {
                between.push((p + 1, a));
            }
        }
        if let Some(&(a, b)) = between.iter().min_by_key(|(a, _)| (i64::from(*a) - expected).abs()) {
            let full = if (b - a) as usize == n { 90 } else { 75 };
            return Port::Changed {
                path,
                start_line: a + 1,
                end_line: b,
                confidence: share(full, between.len()),
            };
        }
        // Only one neighbour left: the same number of lines next to it.
        let lines = self.new.len() as u32;
        let mut near: Vec<(u32, u32)> = before
            .iter()
            .filter(|&&p| p + 1 < lines)
            .map(|&p| (p + 1, (p + 1 + n as u32).min(lines)))
            .chain(after.iter().filter(|&&a| a > 0).map(|&a| (a.saturating_sub(n as u32), a)))
            .collect();
        near.sort_by_key(|(a, _)| (i64::from(*a) - expected).abs());
        match near.first() {
            Some(&(a, b)) => {
                Port::Changed { path, start_line: a + 1, end_line: b, confidence: share(50, near.len()) }
            }
            None => Port::Outdated,
        }
    }

    fn positions(&self, line: &[u8]) -> &[u32] {
        self.new_index.get(line).map_or(&[], Vec::as_slice)
    }
}

/// Ports one anchor through `change` (see [`FilePort::new`]).
pub fn port_anchor(anchor: &Anchor, change: Option<&FileChange>, old: &[u8], new: &[u8]) -> Port {
    FilePort::new(&anchor.path, change, old, new).port(anchor)
}

/// `whole` percent shared among `ways` equally good places, at least 1.
fn share(whole: u8, ways: usize) -> u8 {
    (usize::from(whole) / ways.max(1)).max(1) as u8
}

fn nearest(found: &[u32], expected: i64) -> Option<u32> {
    found.iter().copied().min_by_key(|&i| (i64::from(i) - expected).abs())
}

/// The lines of `data`, each with its terminator (a last line without one counts), as the record
/// quotes them.
fn lines(data: &[u8]) -> Vec<&[u8]> {
    data.split_inclusive(|&b| b == b'\n').collect()
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
            old_blob: Some(vitrine_snapshot::Sha256Id::from_bytes([0xa; 32])),
            new_blob: new.map(|_| {
                vitrine_snapshot::Sha256Id::from_bytes(if same_blob { [0xa; 32] } else { [0xb; 32] })
            }),
        }
    }

    fn anchor(s: u32, e: u32) -> Anchor {
        Anchor { path: "f.c".into(), start_line: s, end_line: e }
    }

    const OLD: &str = "a\nb\nquote one\nquote two\nc\nd\n";

    fn modified(new: &str, s: u32, e: u32) -> Port {
        let c = change(Status::Modified, "f.c", Some("f.c"), false);
        port_anchor(&anchor(s, e), Some(&c), OLD.as_bytes(), new.as_bytes())
    }

    #[test]
    fn unchanged_file_is_exact() {
        assert_eq!(
            port_anchor(&anchor(3, 4), None, b"", b""),
            Port::Exact { path: "f.c".into(), start_line: 3, end_line: 4 }
        );
    }

    #[test]
    fn pure_rename_is_moved_to_the_new_path() {
        let c = change(Status::Renamed, "f.c", Some("g.c"), true);
        assert_eq!(
            port_anchor(&anchor(3, 4), Some(&c), b"", b""),
            Port::Moved { path: "g.c".into(), start_line: 3, end_line: 4 }
        );
    }

    #[test]
    fn lines_shift_with_edits_above_and_not_below() {
        let new = "new 1\nnew 2\na\nquote one\nquote two\nc\nchanged\n";
        assert_eq!(modified(new, 3, 4), Port::Moved { path: "f.c".into(), start_line: 4, end_line: 5 });
    }

    #[test]
    fn edited_quote_found_intact_once_elsewhere_is_moved() {
        // The quoted lines are edited in place; the quote itself moved to the end.
        let new = "a\nb\nquote ONE\nquote two\nc\nd\nquote one\nquote two\n";
        assert_eq!(modified(new, 3, 4), Port::Moved { path: "f.c".into(), start_line: 7, end_line: 8 });
        // Twice: the nearest, with half the confidence.
        let new = "a\nb\nquote ONE\nquote two\nc\nd\nquote one\nquote two\ne\nquote one\nquote two\n";
        assert_eq!(
            modified(new, 3, 4),
            Port::Changed { path: "f.c".into(), start_line: 7, end_line: 8, confidence: 50 }
        );
    }

    #[test]
    fn edited_in_place_is_found_between_its_neighbours() {
        let new = "a\nb\nquote ONE\nquote two\nc\nd\n";
        assert_eq!(
            modified(new, 3, 4),
            Port::Changed { path: "f.c".into(), start_line: 3, end_line: 4, confidence: 90 }
        );
        let grown = "x\na\nb\nquote ONE\nextra\nquote TWO\nc\nd\n";
        assert_eq!(
            modified(grown, 3, 4),
            Port::Changed { path: "f.c".into(), start_line: 4, end_line: 6, confidence: 75 }
        );
        // The line after is gone too: the same number of lines after the line before.
        let one_side = "a\nb\nquote ONE\nquote TWO\nC\nd\n";
        assert_eq!(
            modified(one_side, 3, 4),
            Port::Changed { path: "f.c".into(), start_line: 3, end_line: 4, confidence: 50 }
        );
    }

    #[test]
    fn quote_and_neighbours_gone_or_file_deleted_is_outdated() {
        assert_eq!(modified("a\nfixed\nd\n", 3, 4), Port::Outdated);
        let d = change(Status::Deleted, "f.c", None, false);
        assert_eq!(port_anchor(&anchor(3, 4), Some(&d), OLD.as_bytes(), b""), Port::Outdated);
        let t = change(Status::TypeChanged, "f.c", Some("f.c"), false);
        assert_eq!(port_anchor(&anchor(3, 4), Some(&t), OLD.as_bytes(), b"target"), Port::Outdated);
    }

    #[test]
    fn one_diff_serves_many_anchors() {
        let c = change(Status::Modified, "f.c", Some("f.c"), false);
        let new = "new\na\nb\nquote one\nquote two\nc\nd\n";
        let fp = FilePort::new("f.c", Some(&c), OLD.as_bytes(), new.as_bytes());
        for l in 1..=6 {
            assert_eq!(
                fp.port(&anchor(l, l)),
                Port::Moved { path: "f.c".into(), start_line: l + 1, end_line: l + 1 }
            );
        }
        assert_eq!(fp.port(&anchor(6, 9)), Port::Outdated, "lines past the end of the old file");
    }
}

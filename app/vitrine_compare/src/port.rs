//! Planning where a review thread's anchor lands in the new snapshot (the `anchor-port` outcomes):
//! `exact` (same blob), `moved` (renamed, shifted by the hunks above, or the quoted lines found intact
//! once elsewhere after an edit), `changed` (the quoted lines were edited: found again between the old
//! line before and the old line after them, or intact at several places, with a confidence), `outdated`
//! (gone). Pure functions on the file's bytes: the caller reads the files and signs the result.
//!
//! [`FilePort`] diffs a file once and then ports any number of anchors in it: each anchor costs the
//! hunks before it and hash look-ups of its own lines, so porting thousands of threads stays linear.

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
    /// The diff's hunks, 0-based line ranges (before, after), in order, over the lines compared with a
    /// CR before their LF ignored.
    hunks: Vec<(Range<u32>, Range<u32>)>,
    old: Vec<&'a [u8]>,
    new: Vec<&'a [u8]>,
    /// Each old line's and new line's number in one interning of their [`line_key`]s: two lines are the
    /// same line exactly when their numbers are equal.
    old_ids: Vec<u32>,
    new_ids: Vec<u32>,
    /// Where each line number occurs in the new file (0-based), by line number.
    new_index: Vec<Vec<u32>>,
    /// When the new file is UTF-16 with a byte-order mark and the old one is not (a re-encoding), the
    /// new lines above are its decoded lines, and this gives each one's first and last line (0-based)
    /// as the record counts them: the raw bytes split at each 0x0A byte.
    new_raw_lines: Option<Vec<(u32, u32)>>,
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
            old_ids: Vec::new(),
            new_ids: Vec::new(),
            new_index: Vec::new(),
            new_raw_lines: None,
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
        port.old = lines(old);
        port.new = lines(new);
        // Lines are compared as their keys (a CR before the LF ignored), so a line-ending conversion is
        // no edit: the diff keeps the lines, and the byte check of `settle` reports them `changed`. A file
        // re-encoded as UTF-16 is compared in its decoded text.
        let decoded = if utf16(old).is_none() { utf16(new) } else { None };
        let mut input: imara_diff::InternedInput<&[u8]> = imara_diff::InternedInput::default();
        input.update_before(port.old.iter().map(|l| line_key(l)));
        match &decoded {
            Some(d) => {
                port.new = d.iter().map(|l| new.get(l.bytes.clone()).unwrap_or_default()).collect();
                port.new_raw_lines = Some(d.iter().map(|l| l.raw_lines).collect());
                input.update_after(d.iter().map(|l| l.key.as_bytes()));
            }
            None => input.update_after(port.new.iter().map(|l| line_key(l))),
        }
        let diff = imara_diff::Diff::compute(imara_diff::Algorithm::Myers, &input);
        port.hunks = diff.hunks().map(|h| (h.before, h.after)).collect();
        port.old_ids = input.before.iter().map(|&t| u32::from(t)).collect();
        port.new_ids = input.after.iter().map(|&t| u32::from(t)).collect();
        port.new_index = vec![Vec::new(); input.interner.num_tokens() as usize];
        for (i, &t) in port.new_ids.iter().enumerate() {
            if let Some(v) = port.new_index.get_mut(t as usize) {
                v.push(i as u32);
            }
        }
        port
    }

    /// Where `anchor` (lines of this file) lands.
    ///
    /// The rule: `moved` only for lines the diff did not touch (or deleted outright and found intact
    /// elsewhere), and only when their bytes are the quote's. Lines a hunk edited are `changed` where the
    /// diff puts them, even when an intact copy of the quote sits elsewhere in the file (a decoy copy in
    /// dead code looks exactly like that): [`FilePort::intact_copies`] names such copies.
    pub fn port(&self, anchor: &Anchor) -> Port {
        let port = self.floored(anchor, self.plan(anchor));
        if self.new_raw_lines.is_none() {
            return port;
        }
        let to_raw = |a, b| self.to_raw(a, b);
        match port {
            Port::Changed { path, start_line, end_line, confidence } => {
                let (start_line, end_line) = to_raw(start_line, end_line);
                Port::Changed { path, start_line, end_line, confidence }
            }
            Port::Moved { path, start_line, end_line } => {
                let (start_line, end_line) = to_raw(start_line, end_line);
                Port::Changed { path, start_line, end_line, confidence: 90 }
            }
            other => other,
        }
    }

    /// `port`, unless it is a `changed` onto lines too unlike the quote: below [`SIMILARITY_FLOOR`] (the
    /// share of the quote's tokens found in the new lines) the lines the diff or the neighbours point at
    /// are not the quoted code edited but other code (the braces of another function), so the quote is
    /// `outdated` here and the caller looks for it in other files.
    fn floored(&self, anchor: &Anchor, port: Port) -> Port {
        let Port::Changed { start_line, end_line, .. } = &port else { return port };
        let (s, e) = (anchor.start_line.max(1), anchor.end_line.max(anchor.start_line.max(1)));
        let quote = self.old.get(s as usize - 1..e as usize).unwrap_or_default();
        let now = self.new.get(*start_line as usize - 1..*end_line as usize).unwrap_or_default();
        if similarity(quote, now) < SIMILARITY_FLOOR { Port::Outdated } else { port }
    }

    /// 1-based inclusive decoded lines `a..=b` as the lines the record counts in the file's bytes (the
    /// same lines unless the new file was decoded).
    fn to_raw(&self, a: u32, b: u32) -> (u32, u32) {
        let Some(raw) = &self.new_raw_lines else { return (a, b) };
        let first = raw.get(a.saturating_sub(1) as usize).map_or(a, |r| r.0 + 1);
        let last = raw.get(b.saturating_sub(1) as usize).map_or(b, |r| r.1 + 1);
        (first, last.max(first))
    }

    fn plan(&self, anchor: &Anchor) -> Port {
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
        let n = (last - first) as usize;
        let touched = self.hunks.iter().any(|(before, _)| {
            let overlaps = before.start < last && before.end > first;
            let inserted_inside = before.is_empty() && before.start > first && before.start < last;
            overlaps || inserted_inside
        });
        if !touched {
            let a = self.map(first, true, true);
            return self.settle(path, (first, last), a, 90);
        }
        let expected = i64::from(self.map(first, true, true));

        // Edited where the diff puts them: the lines that replaced them, matched line for line within a
        // hunk; or, when that leaves nothing, the whole of the hunks that replaced them.
        let (a, b) = (self.map(first, true, true), self.map(last, false, true));
        let (a, b) =
            if a < b { (a, b) } else { (self.map(first, true, false), self.map(last, false, false)) };
        if a < b {
            let before_kept = first == 0 && a == 0
                || first > 0
                    && a > 0
                    && self.old_ids.get(first as usize - 1) == self.new_ids.get(a as usize - 1);
            let after_kept = last as usize == self.old.len() && b as usize == self.new.len()
                || self.old_ids.get(last as usize).is_some()
                    && self.old_ids.get(last as usize) == self.new_ids.get(b as usize);
            let confidence = match (before_kept, after_kept) {
                (true, true) if (b - a) as usize == n => 90,
                (true, true) => 75,
                (true, false) | (false, true) => 50,
                (false, false) => 25,
            };
            return Port::Changed { path, start_line: a + 1, end_line: b, confidence };
        }

        // Deleted, with nothing in their place: the quoted lines intact elsewhere (once is a move,
        // several times a guess among them).
        let intact = self.find(first, last);
        if let Some(i) = nearest(&intact, expected) {
            return if intact.len() == 1 {
                self.settle(path, (first, last), i, 90)
            } else {
                Port::Changed {
                    path,
                    start_line: i + 1,
                    end_line: i + n as u32,
                    confidence: share(100, intact.len()),
                }
            };
        }

        // Edited in place: the region between the old line before and the old line after the quote.
        let prefix = first.checked_sub(1).and_then(|p| self.old_ids.get(p as usize).copied());
        let suffix = self.old_ids.get(last as usize).copied();
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

    /// Where the quoted lines of `anchor` occur intact in the new file (a CR before LF ignored), as
    /// 1-based inclusive line ranges, other than at `port`'s own target: the copies a report names next
    /// to a `changed` port, so that a reader sees both the edited place and any unchanged copy. At most
    /// [`COPIES_LISTED`] are listed, the first in the file, with the count of the others (a table of
    /// 200,000 equal rows has 200,000 copies of any quote in it: listing them all made the report and
    /// its memory grow as threads × copies). Empty when the file did not change or is gone. Linear in
    /// the file (a string search over line numbers), and memory bounded by the list.
    pub fn intact_copies(&self, anchor: &Anchor, port: &Port) -> (Vec<(u32, u32)>, usize) {
        let (s, e) = (anchor.start_line.max(1), anchor.end_line.max(anchor.start_line.max(1)));
        if self.same || self.new_path.is_none() || e as usize > self.old.len() {
            return (Vec::new(), 0);
        }
        let n = e - s + 1;
        let own = match port {
            Port::Moved { start_line, .. } | Port::Changed { start_line, .. } => Some(*start_line),
            _ => None,
        };
        let Some(quote) = self.old_ids.get(s as usize - 1..e as usize) else { return (Vec::new(), 0) };
        // One more than listed, in case the port's own target is among the first.
        let (first, total) = find_some(&self.new_ids, quote, COPIES_LISTED + 1);
        let mut own_seen = false;
        let mut listed: Vec<(u32, u32)> = Vec::with_capacity(COPIES_LISTED);
        for i in first {
            let (a, b) = self.to_raw(i as u32 + 1, i as u32 + n);
            if Some(a) == own && !own_seen {
                own_seen = true;
            } else if listed.len() < COPIES_LISTED {
                listed.push((a, b));
            }
        }
        // The port's own target is one of the copies when it is intact (`moved`, or `changed` by bytes).
        let own_intact = own.is_some_and(|a| {
            let i = (a - 1) as usize;
            self.new_ids.get(i..i + n as usize) == Some(quote)
        });
        let others = total - usize::from(own_seen || own_intact);
        let more = others.saturating_sub(listed.len());
        (listed, more)
    }

    /// Whether the update changed or removed `anchor`'s lines in place: the file is gone, or a hunk of
    /// its diff touches them (edited, deleted, or lines inserted among them). `false` when the file kept
    /// its bytes and for lines the diff only shifted. A thread on such lines has its quote looked for in
    /// the other files the update added or changed ([`crate::copies`]): an intact copy elsewhere is
    /// named beside the edit.
    pub fn edited(&self, anchor: &Anchor) -> bool {
        if self.new_path.is_none() {
            return true;
        }
        if self.same {
            return false;
        }
        let (s, e) = (anchor.start_line.max(1), anchor.end_line.max(anchor.start_line.max(1)));
        let (first, last) = (s - 1, e);
        self.hunks.iter().any(|(before, _)| {
            let overlaps = before.start < last && before.end > first;
            let inserted_inside = before.is_empty() && before.start > first && before.start < last;
            overlaps || inserted_inside
        })
    }

    /// `moved` to the new lines from `a` (0-based) that the diff or the search matched to the old lines
    /// `first..last`, when their bytes are the old quote's; else (the same lines once a CR before LF is
    /// ignored: a line-ending conversion) `changed` with `confidence`: a `moved` port claims the quote's
    /// bytes, which these lines do not have.
    fn settle(&self, path: String, (first, last): (u32, u32), a: u32, confidence: u8) -> Port {
        let n = last - first;
        let (start_line, end_line) = (a + 1, a + n);
        let old = self.old.get(first as usize..last as usize);
        let new = self.new.get(a as usize..(a + n) as usize);
        if old.is_some() && old == new {
            Port::Moved { path, start_line, end_line }
        } else {
            Port::Changed { path, start_line, end_line, confidence }
        }
    }

    /// The new line boundary that old line boundary `b` (0-based, between lines `b - 1` and `b`) maps to
    /// through the hunks. `start`: `b` opens a range (an insertion at `b` is before it), else it closes
    /// one. A hunk straddling `b` maps it line for line into the hunk when `within`, else to the hunk's
    /// start (opening) or end (closing), so the range takes the whole hunk.
    fn map(&self, b: u32, start: bool, within: bool) -> u32 {
        let mut offset: i64 = 0;
        for (before, after) in &self.hunks {
            let wholly_before = before.end < b || (before.end == b && (start || !before.is_empty()));
            if wholly_before {
                offset += i64::from(after.len() as u32) - i64::from(before.len() as u32);
                continue;
            }
            if before.start < b {
                return if within {
                    after.start + (b - before.start).min(after.len() as u32)
                } else if start {
                    after.start
                } else {
                    after.end
                };
            }
            break;
        }
        (i64::from(b) + offset).max(0) as u32
    }

    /// Every 0-based start in the new file of the old lines `first..last` (by line id).
    fn find(&self, first: u32, last: u32) -> Vec<u32> {
        let Some(quote) = self.old_ids.get(first as usize..last as usize) else { return Vec::new() };
        find_all(&self.new_ids, quote).into_iter().map(|i| i as u32).collect()
    }

    fn positions(&self, id: u32) -> &[u32] {
        self.new_index.get(id as usize).map_or(&[], Vec::as_slice)
    }
}

/// Ports one anchor through `change` (see [`FilePort::new`]).
pub fn port_anchor(anchor: &Anchor, change: Option<&FileChange>, old: &[u8], new: &[u8]) -> Port {
    FilePort::new(&anchor.path, change, old, new).port(anchor)
}

/// `whole` percent shared among `ways` equally good places, at least 1.
pub(crate) fn share(whole: u8, ways: usize) -> u8 {
    (usize::from(whole) / ways.max(1)).max(1) as u8
}

fn nearest(found: &[u32], expected: i64) -> Option<u32> {
    found.iter().copied().min_by_key(|&i| (i64::from(i) - expected).abs())
}

/// One line of a UTF-16 file, decoded.
struct Decoded {
    /// The text without its LF and a CR before it, as UTF-8.
    key: String,
    /// Its bytes in the file (code units, the LF included).
    bytes: Range<usize>,
    /// The first and last line (0-based) of the file's bytes split at each 0x0A byte that it spans.
    raw_lines: (u32, u32),
}

/// The lines of `data` decoded, when it is UTF-16 with a byte-order mark (unpaired surrogates as
/// U+FFFD); `None` for anything else.
fn utf16(data: &[u8]) -> Option<Vec<Decoded>> {
    let le = match data.get(..2)? {
        [0xff, 0xfe] => true,
        [0xfe, 0xff] => false,
        _ => return None,
    };
    if !data.len().is_multiple_of(2) {
        return None;
    }
    // Raw line of each byte offset: the number of 0x0A bytes before it.
    let mut raw_line = Vec::with_capacity(data.len() + 1);
    let mut count = 0u32;
    for &b in data {
        raw_line.push(count);
        if b == b'\n' {
            count += 1;
        }
    }
    raw_line.push(count);
    let units = data[2..]
        .chunks_exact(2)
        .map(|c| if le { u16::from_le_bytes([c[0], c[1]]) } else { u16::from_be_bytes([c[0], c[1]]) });
    let mut out = Vec::new();
    let mut text = String::new();
    let mut start = 2usize;
    let mut at = 2usize;
    for c in char::decode_utf16(units) {
        let c = c.unwrap_or(char::REPLACEMENT_CHARACTER);
        at += 2 * c.len_utf16();
        if c == '\n' {
            let key = text.strip_suffix('\r').unwrap_or(&text).to_owned();
            let first = raw_line.get(start).copied().unwrap_or(count);
            let last = raw_line.get(at - 2).copied().unwrap_or(count);
            out.push(Decoded { key, bytes: start..at, raw_lines: (first, last) });
            text.clear();
            start = at;
        } else {
            text.push(c);
        }
    }
    if start < data.len() {
        let key = text.strip_suffix('\r').unwrap_or(&text).to_owned();
        let first = raw_line.get(start).copied().unwrap_or(count);
        let last = raw_line.get(data.len() - 1).copied().unwrap_or(count);
        out.push(Decoded { key, bytes: start..data.len(), raw_lines: (first, last) });
    }
    Some(out)
}

/// A line as compared: without its LF and a CR before it, so a line-ending conversion changes no line.
pub(crate) fn line_key(line: &[u8]) -> &[u8] {
    let l = line.strip_suffix(b"\n").unwrap_or(line);
    l.strip_suffix(b"\r").unwrap_or(l)
}

/// Every start of `needle` in `hay` (overlapping ones too), by Knuth-Morris-Pratt: linear in both
/// lengths whatever the content (a table of thousands of equal lines included). Empty for an empty needle.
pub(crate) fn find_all<T: PartialEq>(hay: &[T], needle: &[T]) -> Vec<usize> {
    find_some(hay, needle, usize::MAX).0
}

/// The first `keep` starts of `needle` in `hay` (as [`find_all`]) and how many there are in all: the
/// memory is bounded by `keep`, whatever the count.
pub(crate) fn find_some<T: PartialEq>(hay: &[T], needle: &[T], keep: usize) -> (Vec<usize>, usize) {
    let m = needle.len();
    if m == 0 || m > hay.len() {
        return (Vec::new(), 0);
    }
    // fail[i]: length of the longest proper border of needle[..=i].
    let mut fail = vec![0usize; m];
    let mut k = 0;
    for i in 1..m {
        while k > 0 && needle[i] != needle[k] {
            k = fail[k - 1];
        }
        if needle[i] == needle[k] {
            k += 1;
        }
        fail[i] = k;
    }
    let mut out = Vec::new();
    let mut total = 0usize;
    let mut k = 0;
    for (i, h) in hay.iter().enumerate() {
        while k > 0 && *h != needle[k] {
            k = fail[k - 1];
        }
        if *h == needle[k] {
            k += 1;
        }
        if k == m {
            if out.len() < keep {
                out.push(i + 1 - m);
            }
            total += 1;
            k = fail[k - 1];
        }
    }
    (out, total)
}

/// How many intact copies of a quote a port lists per thread ([`FilePort::intact_copies`]); the others
/// are counted.
pub const COPIES_LISTED: usize = 5;

/// Below this share of the quote's tokens (in percent) found in the lines a `changed` port points at,
/// those lines are not the quote edited ([`similarity`]).
pub const SIMILARITY_FLOOR: u8 = 40;

/// How much of `quote` is in `lines`, in percent: the share of the quote's tokens (identifiers and
/// numbers, and each punctuation byte; whitespace and NUL bytes left out, so a re-indent, a line-ending
/// conversion or UTF-16 text of ASCII changes nothing) found in the lines, as multisets. 100 for a quote
/// without tokens.
pub fn similarity(quote: &[&[u8]], lines: &[&[u8]]) -> u8 {
    let mut want: std::collections::HashMap<std::borrow::Cow<'_, [u8]>, usize> =
        std::collections::HashMap::new();
    let mut n = 0usize;
    for l in quote {
        for t in tokens(l) {
            *want.entry(t).or_default() += 1;
            n += 1;
        }
    }
    if n == 0 {
        return 100;
    }
    let mut found = 0usize;
    for l in lines {
        for t in tokens(l) {
            if let Some(c) = want.get_mut(&t)
                && *c > 0
            {
                *c -= 1;
                found += 1;
            }
        }
    }
    (found * 100 / n) as u8
}

/// The tokens of a line: runs of ASCII letters, digits, `_` and non-ASCII bytes, and each other byte
/// that is not whitespace or NUL on its own.
fn tokens(line: &[u8]) -> impl Iterator<Item = std::borrow::Cow<'_, [u8]>> {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80;
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < line.len() && (line[i].is_ascii_whitespace() || line[i] == 0) {
            i += 1;
        }
        if i >= line.len() {
            return None;
        }
        let start = i;
        if word(line[i]) {
            // A NUL inside a word (UTF-16 text read as bytes) does not end it.
            while i < line.len() && (word(line[i]) || line[i] == 0) {
                i += 1;
            }
            let w = &line[start..i];
            Some(if w.contains(&0) {
                std::borrow::Cow::Owned(w.iter().copied().filter(|&b| b != 0).collect())
            } else {
                std::borrow::Cow::Borrowed(w)
            })
        } else {
            i += 1;
            Some(std::borrow::Cow::Borrowed(&line[start..i]))
        }
    })
}

/// The lines of `data`, each with its terminator (a last line without one counts), as the record
/// quotes them.
pub(crate) fn lines(data: &[u8]) -> Vec<&[u8]> {
    data.split_inclusive(|&b| b == b'\n').collect()
}

/// Whether comments in `path` are C's (`/* … */` and `//`): what the other-files search leaves out of
/// lines besides whitespace.
pub(crate) fn c_like(path: &str) -> bool {
    let ext = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    matches!(
        ext.as_str(),
        "c" | "h"
            | "cc"
            | "cpp"
            | "cxx"
            | "c++"
            | "hh"
            | "hpp"
            | "hxx"
            | "h++"
            | "inl"
            | "ipp"
            | "m"
            | "mm"
            | "java"
            | "js"
            | "mjs"
            | "cjs"
            | "ts"
            | "go"
            | "rs"
            | "cs"
            | "swift"
            | "kt"
            | "kts"
            | "scala"
            | "dart"
            | "php"
            | "proto"
            | "glsl"
            | "hlsl"
            | "cu"
            | "zig"
            | "v"
            | "sv"
    )
}

/// Each line of `data` (as [`lines`] splits it) as the other-files search compares it: a 64-bit hash
/// of its bytes without whitespace and NUL bytes, and without comments when `c_like` (block comments
/// followed across lines, `//` to the end of the line, neither inside a string or character literal);
/// 0 for a line with nothing left (blank, or only a comment). A re-indent, a comment added to or
/// removed from a line, and a comment line inserted leave the sequence of non-zero keys as it was.
pub(crate) fn loose_keys(data: &[u8], c_like: bool) -> Vec<u64> {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0100_0000_01b3;
    let mut out = Vec::new();
    let mut in_block = false;
    for line in lines(data) {
        let mut h = OFFSET;
        let mut any = false;
        let mut quote: Option<u8> = None;
        let mut i = 0;
        while i < line.len() {
            let b = line[i];
            let next = line.get(i + 1).copied();
            if c_like && in_block {
                if b == b'*' && next == Some(b'/') {
                    in_block = false;
                    i += 2;
                } else {
                    i += 1;
                }
                continue;
            }
            if c_like && quote.is_none() {
                if b == b'/' && next == Some(b'*') {
                    in_block = true;
                    i += 2;
                    continue;
                }
                if b == b'/' && next == Some(b'/') {
                    break;
                }
            }
            if c_like {
                match quote {
                    Some(q) if b == q => quote = None,
                    Some(_) if b == b'\\' => {
                        // The escaped byte is part of the literal.
                        for &e in line.get(i..i + 2).unwrap_or_default() {
                            h = (h ^ u64::from(e)).wrapping_mul(PRIME);
                        }
                        any = true;
                        i += 2;
                        continue;
                    }
                    None if b == b'"' || b == b'\'' => quote = Some(b),
                    _ => {}
                }
            }
            if !(b.is_ascii_whitespace() || b == 0) {
                h = (h ^ u64::from(b)).wrapping_mul(PRIME);
                any = true;
            }
            i += 1;
        }
        out.push(if any { h | 1 } else { 0 });
    }
    out
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
            outside_tree_ids: false,
        }
    }

    fn anchor(s: u32, e: u32) -> Anchor {
        Anchor { path: "f.c".into(), start_line: s, end_line: e }
    }

    const OLD: &str = "a\nb\nquote one\nquote two\nc\nd\n";

    fn modified(new: &str, s: u32, e: u32) -> Port {
        modified_from(OLD, new, s, e)
    }

    fn modified_from(old: &str, new: &str, s: u32, e: u32) -> Port {
        let c = change(Status::Modified, "f.c", Some("f.c"), false);
        port_anchor(&anchor(s, e), Some(&c), old.as_bytes(), new.as_bytes())
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
    fn edited_lines_are_changed_where_the_diff_puts_them_never_moved_to_an_intact_copy() {
        // The quoted lines are edited in place and an intact copy appears below: the edit is what the
        // reviewer must re-read; the copy is named beside it.
        let c = change(Status::Modified, "f.c", Some("f.c"), false);
        let new = "a\nb\nquote ONE\nquote two\nc\nd\nquote one\nquote two\n";
        let fp = FilePort::new("f.c", Some(&c), OLD.as_bytes(), new.as_bytes());
        let got = fp.port(&anchor(3, 4));
        assert_eq!(got, Port::Changed { path: "f.c".into(), start_line: 3, end_line: 4, confidence: 90 });
        assert_eq!(fp.intact_copies(&anchor(3, 4), &got), (vec![(7, 8)], 0));
        // Deleted outright, with nothing in their place: the intact copy is where they went.
        let new = "a\nb\nc\nd\nquote one\nquote two\n";
        assert_eq!(modified(new, 3, 4), Port::Moved { path: "f.c".into(), start_line: 5, end_line: 6 });
        // ... twice: the nearest, with half the confidence.
        let new = "a\nb\nc\nd\nquote one\nquote two\ne\nquote one\nquote two\n";
        assert_eq!(
            modified(new, 3, 4),
            Port::Changed { path: "f.c".into(), start_line: 5, end_line: 6, confidence: 50 }
        );
    }

    /// F1 of session 20: the vendor copies the flagged function, unchanged, into an `#if 0` block above
    /// it and edits the original inside the flagged lines.
    #[test]
    fn a_decoy_copy_above_does_not_take_the_thread_from_the_edited_function() {
        let old = "#include <string.h>\n\nint check(const char *g)\n{\n    if (strlen(g) == 0)\n        return 1;\n    return 0;\n}\n\nint main(void) { return 0; }\n";
        let new = "#include <string.h>\n\n#if 0\nint check_legacy(const char *g)\n{\n    if (strlen(g) == 0)\n        return 1;\n    return 0;\n}\n#endif\n\nint check(const char *g)\n{\n    if (strlen(g) == 0)\n        return 1;\n    if (g[0] == 0x7f) return 1;\n    return 0;\n}\n\nint main(void) { return 0; }\n";
        let c = change(Status::Modified, "f.c", Some("f.c"), false);
        let fp = FilePort::new("f.c", Some(&c), old.as_bytes(), new.as_bytes());
        let got = fp.port(&anchor(5, 7));
        assert_eq!(got, Port::Changed { path: "f.c".into(), start_line: 14, end_line: 17, confidence: 75 });
        assert_eq!(fp.intact_copies(&anchor(5, 7), &got), (vec![(6, 8)], 0));
        // Every quoted line edited as well: still `changed` at the edited place.
        let new2 = new.replace(
            "    if (strlen(g) == 0)\n        return 1;\n    if",
            "  if (strlen(g) == 0)\n      return 1;\n    if",
        );
        let fp = FilePort::new("f.c", Some(&c), old.as_bytes(), new2.as_bytes());
        let got = fp.port(&anchor(5, 7));
        // (the diff lumps the copy and the edit in one hunk: the range covers the edited lines)
        assert!(matches!(got, Port::Changed { start_line: ..=14, end_line: 16.., .. }), "{got:?}");
    }

    /// F7 of session 20: a CRLF conversion changes no line: the lines are found where they were, and
    /// reported `changed` (a `moved` port claims the quote's bytes).
    #[test]
    fn a_line_ending_conversion_is_changed_in_place_not_outdated() {
        let crlf = OLD.replace('\n', "\r\n");
        assert_eq!(
            modified(&crlf, 3, 4),
            Port::Changed { path: "f.c".into(), start_line: 3, end_line: 4, confidence: 90 }
        );
        let crlf_shifted = format!("new\r\n{crlf}");
        assert_eq!(
            modified(&crlf_shifted, 3, 4),
            Port::Changed { path: "f.c".into(), start_line: 4, end_line: 5, confidence: 90 }
        );
        // Lines whose bytes did not change stay `moved`.
        assert_eq!(
            modified("a\r\nb\r\nquote one\nquote two\nc\r\nd\r\n", 3, 4),
            Port::Moved { path: "f.c".into(), start_line: 3, end_line: 4 }
        );
    }

    /// F7 of session 20, the other half: a file re-encoded as UTF-16 with a byte-order mark is compared
    /// in its decoded text, and its lines are given as the record counts them in its bytes.
    #[test]
    fn a_re_encoding_to_utf16_is_changed_at_the_same_lines() {
        for le in [true, false] {
            let mut new = if le { vec![0xff, 0xfe] } else { vec![0xfe, 0xff] };
            for u in format!("new\r\n{OLD}").encode_utf16() {
                new.extend(if le { u.to_le_bytes() } else { u.to_be_bytes() });
            }
            let c = change(Status::Modified, "f.c", Some("f.c"), false);
            let got = port_anchor(&anchor(3, 4), Some(&c), OLD.as_bytes(), &new);
            assert_eq!(
                got,
                Port::Changed { path: "f.c".into(), start_line: 4, end_line: 5, confidence: 90 },
                "le {le}"
            );
            // The record's own split of those bytes: line 4 is where "quote one" is.
            let raw: Vec<&[u8]> = new.split_inclusive(|&b| b == b'\n').collect();
            let text: Vec<u8> = raw[3].iter().copied().filter(|&b| b != 0).collect();
            assert!(String::from_utf8_lossy(&text).contains("quote one"), "le {le}");
        }
    }

    /// F4 of session 20: the intact-quote search is a string search over line ids, linear whatever the
    /// content (it compared the whole quote at every occurrence of its first line: quadratic on a table).
    #[test]
    fn the_intact_search_is_linear_on_repetitive_content() {
        let hay = vec![0u32; 400_000];
        let needle = vec![0u32; 100_000];
        let t = std::time::Instant::now();
        assert_eq!(find_all(&hay, &needle).len(), 300_001);
        assert!(t.elapsed() < std::time::Duration::from_secs(5), "{:?}", t.elapsed());
        assert_eq!(find_all(&[1, 2, 1, 2, 1], &[1, 2, 1]), vec![0, 2]);
        assert_eq!(find_all(&[1, 2, 3], &[2, 4]), Vec::<usize>::new());
        assert_eq!(find_all::<u32>(&[1], &[]), Vec::<usize>::new());
        // The tester's table: a value changed inside a 24,000-line anchored region, the rows repeated.
        let m = 24_000;
        let old = format!("static const int t[] = {{\n{}}};\n", "0,\n".repeat(m));
        let new = format!(
            "static const int t[] = {{\n{}1,\n{}}};\n",
            "0,\n".repeat(m / 2),
            "0,\n".repeat(m / 2 + 4 * m)
        );
        let t = std::time::Instant::now();
        let got = modified_from(&old, &new, 2, m as u32 + 1);
        assert!(matches!(got, Port::Changed { .. }), "{got:?}");
        assert!(t.elapsed() < std::time::Duration::from_secs(20), "{:?}", t.elapsed());
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
        assert_eq!(modified("a\nd\n", 3, 4), Port::Outdated, "deleted with both neighbours");
        // Replaced (with the neighbours) by lines with nothing of the quote: not the quote edited
        // (round 21: below the similarity floor a port is not `changed`).
        assert_eq!(modified("a\nfixed\nd\n", 3, 4), Port::Outdated);
        // Replaced by lines that keep most of it: `changed` there.
        assert_eq!(
            modified("a\nX\nquote one\nquote zwei\nY\nd\n", 3, 4),
            Port::Changed { path: "f.c".into(), start_line: 3, end_line: 4, confidence: 25 }
        );
        let d = change(Status::Deleted, "f.c", None, false);
        assert_eq!(port_anchor(&anchor(3, 4), Some(&d), OLD.as_bytes(), b""), Port::Outdated);
        let t = change(Status::TypeChanged, "f.c", Some("f.c"), false);
        assert_eq!(port_anchor(&anchor(3, 4), Some(&t), OLD.as_bytes(), b"target"), Port::Outdated);
    }

    /// F1 of round 21: the flagged function moved out of the file (to another one). The neighbour lines
    /// `{` and `}` of other functions fit around other code: that is not the quote edited, and the port
    /// says `outdated` here (the caller then searches the other files) instead of `changed` (37%) onto
    /// `return helper(3);`.
    #[test]
    fn lines_unlike_the_quote_are_never_changed_onto() {
        let old = "#include <string.h>\n#include \"auth.h\"\n\nstatic int helper(int x)\n{\n    return x * 2;\n}\n\nint check_password(const char *given, const char *stored)\n{\n    if (strlen(given) == 0)\n        return 1;\n    return strcmp(given, stored) == 0;\n}\n\nint other(void)\n{\n    return helper(3);\n}\n";
        let start = old.find("int check_password(").unwrap();
        let end = old.find("int other(").unwrap();
        let new = format!("{}{}", &old[..start], &old[end..]);
        assert_eq!(modified_from(old, &new, 11, 13), Port::Outdated);
        // The same function edited in place stays `changed` there.
        let fixed = old.replace("        return 1;", "        return 0;");
        assert_eq!(
            modified_from(old, &fixed, 11, 13),
            Port::Changed { path: "f.c".into(), start_line: 11, end_line: 13, confidence: 90 }
        );
    }

    #[test]
    fn similarity_counts_the_quote_tokens_found_whatever_the_spacing_or_encoding() {
        let q: [&[u8]; 2] = [b"    if (strlen(given) == 0)\n", b"        return 1;\n"];
        assert_eq!(similarity(&q, &[b"\tif (strlen(given)==0)\r\n", b"\t\treturn 1;\n"]), 100);
        assert!(similarity(&q, &[b"    return helper(3);\n"]) < SIMILARITY_FLOOR);
        // UTF-16 LE text of the same line, read as bytes.
        let wide: Vec<u8> = "    return 1;\n".encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert_eq!(similarity(&[b"return 1;\n"], &[&wide]), 100);
        assert_eq!(similarity(&[b"  \n"], &[b"x\n"]), 100, "nothing to find");
    }

    #[test]
    fn loose_keys_leave_out_whitespace_and_c_comments() {
        let a = loose_keys(b"int f(void)\n{\n    return 1;\n}\n", true);
        let b = loose_keys(
            b"int f(void)\n{\n\t/* legacy */\n\treturn 1;  /* legacy clients */\n} // end\n",
            true,
        );
        let kept = |k: &[u64]| k.iter().copied().filter(|&k| k != 0).collect::<Vec<_>>();
        assert_eq!(kept(&a), kept(&b));
        assert_eq!(b[2], 0, "a comment-only line keeps nothing");
        // A comment marker inside a string is text; outside C-like files comments are text.
        assert_ne!(loose_keys(b"s = \"//x\";\n", true), loose_keys(b"s = \"\";\n", true));
        assert_ne!(loose_keys(b"x # a\n", false), loose_keys(b"x\n", false));
        // A block comment over several lines.
        let c = loose_keys(b"a;\n/* one\n two */ b;\n", true);
        assert_eq!(c[1], 0);
        assert_eq!(c[2], loose_keys(b"b;\n", true)[0]);
    }

    /// F6 of round 21: a table of equal rows has as many intact copies of a quote in it as rows; the port
    /// lists a few and counts the rest, in memory bounded by the list.
    #[test]
    fn intact_copies_are_capped_and_counted() {
        let rows = "    0x00,\n".repeat(1000);
        let old = format!("static const unsigned char fw[] = {{\n{rows}}};\n");
        let new = format!("/* v2 */\n{old}");
        let c = change(Status::Modified, "f.c", Some("f.c"), false);
        let fp = FilePort::new("f.c", Some(&c), old.as_bytes(), new.as_bytes());
        let got = fp.port(&anchor(10, 12));
        assert_eq!(got, Port::Moved { path: "f.c".into(), start_line: 11, end_line: 13 });
        let (listed, more) = fp.intact_copies(&anchor(10, 12), &got);
        assert_eq!(listed, vec![(3, 5), (4, 6), (5, 7), (6, 8), (7, 9)]);
        // 998 places for 3 of 1000 rows, less the thread's own.
        assert_eq!(more, 998 - 1 - COPIES_LISTED);
        assert_eq!(find_some(&[1, 1, 1, 1], &[1, 1], 2), (vec![0, 1], 3));
    }

    /// F2 of round 23: which threads the other-files copy search is for: lines edited, deleted or
    /// split in place, or a file gone; not lines only shifted, nor a file that kept its bytes.
    #[test]
    fn edited_tells_lines_changed_in_place_from_lines_shifted() {
        let c = change(Status::Modified, "f.c", Some("f.c"), false);
        let edited = |new: &str, s, e| {
            FilePort::new("f.c", Some(&c), OLD.as_bytes(), new.as_bytes()).edited(&anchor(s, e))
        };
        assert!(edited("a\nb\nquote ONE\nquote two\nc\nd\n", 3, 4));
        assert!(edited("a\nb\nc\nd\n", 3, 4));
        assert!(edited("a\nb\nquote one\ninserted\nquote two\nc\nd\n", 3, 4));
        assert!(!edited("new\na\nb\nquote one\nquote two\nc\nd\n", 3, 4));
        assert!(!edited("a\nb\nquote one\nquote two\nc\nD\n", 3, 4));
        assert!(!FilePort::new("f.c", None, b"", b"").edited(&anchor(3, 4)));
        let d = change(Status::Deleted, "f.c", None, false);
        assert!(FilePort::new("f.c", Some(&d), OLD.as_bytes(), b"").edited(&anchor(3, 4)));
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

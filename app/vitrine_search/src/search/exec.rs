//! Running a compiled query: candidates in ranked order, verified file by file in growing parallel
//! batches, each matching line with its match ranges.

use std::sync::atomic::{AtomicBool, Ordering};

use super::{
    Expr, FileHits, LineHit, Matcher, Plan, Query, Rank, SearchOptions, Summary, SymFiles, SymReport,
};
use crate::error::SearchError;
use crate::index::{FileStatus, Index};
use crate::lang;
use crate::regions::{Region, Regions};
use crate::text::{boundary_after, boundary_before};

impl Matcher {
    /// The first accepted match starting at or after `from`, within `hay`; `keep` is the `in:` filter
    /// (whether a match's byte range lies in an asked-for region).
    fn find(&self, hay: &[u8], mut from: usize, keep: &Keep<'_>) -> Option<(usize, usize)> {
        loop {
            let m = self.re.find_at(hay, from)?;
            let ok = (!self.start_bound || boundary_before(hay, m.start()))
                && (!self.end_bound || boundary_after(hay, m.end()))
                && keep.allows(m.start(), m.end());
            if ok {
                return Some((m.start(), m.end()));
            }
            from = m.start() + 1;
            if from > hay.len() {
                return None;
            }
        }
    }

    /// Calls `f(line_start, match_start, match_end)` for the first match on each matching line, in
    /// order, until `f` returns false. A multiline matcher reports every match instead (several may
    /// start on one line), each search starting where the previous match ended, as `rg -U` does.
    fn each_line(&self, buf: &[u8], keep: &Keep<'_>, mut f: impl FnMut(usize, usize, usize) -> bool) {
        let ends_with_newline = buf.last() == Some(&b'\n');
        if self.multiline {
            let mut pos = 0usize;
            while pos <= buf.len() {
                let Some(m) = self.re.find_at(buf, pos) else { break };
                let (s, e) = (m.start(), m.end());
                if !keep.allows(s, e) {
                    pos = if e > s { e } else { s + 1 };
                    continue;
                }
                // After the final newline, or in an empty file, there is no line (ripgrep agrees).
                if s >= buf.len() && (ends_with_newline || buf.is_empty()) {
                    break;
                }
                let line_start = buf.get(..s).and_then(|h| memchr::memrchr(b'\n', h)).map_or(0, |i| i + 1);
                if !f(line_start, s, e) {
                    break;
                }
                pos = if e > s { e } else { s + 1 };
            }
            return;
        }
        let mut pos = 0usize;
        while pos < buf.len() {
            let Some((s, e)) = self.find(buf, pos, keep) else { break };
            // A match after the final newline is on no line at all (ripgrep agrees).
            if s >= buf.len() && ends_with_newline {
                break;
            }
            let line_start = buf.get(..s).and_then(|h| memchr::memrchr(b'\n', h)).map_or(0, |i| i + 1);
            if !f(line_start, s, e) {
                break;
            }
            match buf.get(s..).and_then(|t| memchr::memchr(b'\n', t)) {
                Some(i) => pos = s + i + 1,
                None => break,
            }
        }
    }
}

/// The `in:` filter of one file: the regions asked for and the file's regions.
enum Keep<'a> {
    All,
    In(&'a [Region], Regions),
}

impl Keep<'_> {
    fn allows(&self, start: usize, end: usize) -> bool {
        match self {
            Keep::All => true,
            Keep::In(wanted, regions) => wanted.iter().any(|&r| regions.contains(r, start, end)),
        }
    }
}

enum FileOutcome {
    Hit(FileHits),
    NoMatch,
    Changed(String),
    Unreadable(String),
    /// The snapshot's record was found damaged where the file's row was read: the search fails.
    Failed(SearchError),
}

impl Index {
    /// Runs `query`, handing each file's hits to `sink` in ranked order; `sink` returns false to stop.
    /// Checks `cancel` between batches and returns [`SearchError::Cancelled`] when it is set.
    pub fn search(
        &self,
        query: &Query,
        opts: &SearchOptions,
        cancel: &AtomicBool,
        sink: &mut dyn FnMut(FileHits) -> bool,
    ) -> Result<Summary, SearchError> {
        self.search_planned(query, opts, cancel, &mut |_| {}, sink)
    }

    /// Like [`Index::search`], first telling `on_plan` how many files will be read and whether the
    /// query forced a scan of every file (no usable literal), so a window can show "scanning".
    pub fn search_planned(
        &self,
        query: &Query,
        opts: &SearchOptions,
        cancel: &AtomicBool,
        on_plan: &mut dyn FnMut(Plan),
        sink: &mut dyn FnMut(FileHits) -> bool,
    ) -> Result<Summary, SearchError> {
        let (syms, sym_reports) = self.resolve_syms(query)?;
        let def_files = self.defining_files(query)?;
        let tri = query.trigram_query(&query.expr, &syms);
        let scanned_all = tri.is_all();
        let ids = self.candidates(&tri)?;
        let mut ranked: Vec<(Rank, u32)> = Vec::new();
        for id in ids {
            if self.files().status(id) != FileStatus::Indexed {
                continue;
            }
            let path = self.files().path(id)?;
            if eval_path(&query.expr, path) == Some(false) {
                continue;
            }
            ranked.push((if def_files.contains(&id) { Rank::Definition } else { rank_of(query, path) }, id));
        }
        ranked.sort_unstable();
        let mut summary = Summary {
            candidates: ranked.len() as u64,
            scanned_all,
            files_not_searched: self.meta().files_not_searched(),
            complete: true,
            syms: sym_reports,
            ..Summary::default()
        };
        let syms_truncated = summary.syms.iter().any(|r| r.truncated);
        on_plan(Plan { candidates: summary.candidates, scanned_all, syms_truncated });
        let mut batch = 8usize;
        let mut files_read = 0usize;
        let mut rest = ranked.as_slice();
        while !rest.is_empty() {
            if cancel.load(Ordering::Relaxed) {
                return Err(SearchError::Cancelled);
            }
            let (now, later) = rest.split_at(batch.min(rest.len()));
            rest = later;
            files_read += now.len();
            let outcomes: Vec<FileOutcome> = vitrine_snapshot::work::map_next(
                now,
                || (),
                |_, _, &(rank, id)| self.search_file(query, &syms, opts, rank, id, cancel),
            );
            for outcome in outcomes {
                match outcome {
                    FileOutcome::Hit(h) => {
                        summary.lines += h.line_count;
                        summary.files += 1;
                        if !sink(h) {
                            if cancel.load(Ordering::Relaxed) {
                                return Err(SearchError::Cancelled);
                            }
                            summary.complete = false;
                            return Ok(summary);
                        }
                        if opts.stop_after_lines.is_some_and(|n| summary.lines >= n) {
                            summary.complete = false;
                            return Ok(summary);
                        }
                    }
                    FileOutcome::NoMatch => {}
                    FileOutcome::Changed(p) => summary.changed.push(p),
                    FileOutcome::Unreadable(p) => summary.unreadable.push(p),
                    FileOutcome::Failed(e) => return Err(e),
                }
            }
            batch = next_batch(batch, files_read, summary.lines, opts.stop_after_lines);
        }
        if cancel.load(Ordering::Relaxed) {
            return Err(SearchError::Cancelled);
        }
        Ok(summary)
    }

    /// Looks every `sym:` name up in the definition source, with what each found (for saying that a
    /// name found nothing, or that a broad glob was cut).
    fn resolve_syms(&self, query: &Query) -> Result<(Vec<SymFiles>, Vec<SymReport>), SearchError> {
        let mut out = Vec::with_capacity(query.syms.len());
        let mut reports = Vec::with_capacity(query.syms.len());
        for (name, _) in &query.syms {
            let Some(source) = self.definitions() else {
                return Err(SearchError::Query {
                    query: query.text.clone(),
                    position: query.text.find("sym:").unwrap_or(0),
                    message: format!("sym:{name} needs the symbol index, which is not available"),
                });
            };
            let defs = source.definitions(name, query.case_sensitive).map_err(SearchError::Definitions)?;
            let mut files = SymFiles::new();
            for d in &defs.list {
                if let Some(id) = self.files().find(&d.path)? {
                    files.entry(id).or_default().push((d.line, d.column, d.len));
                }
            }
            for lines in files.values_mut() {
                lines.sort_unstable();
                lines.dedup();
            }
            let definitions = files.values().map(|l| l.len() as u64).sum();
            let close_names = if definitions == 0 { source.close_names(name) } else { Vec::new() };
            reports.push(SymReport {
                written: name.clone(),
                definitions,
                truncated: defs.truncated,
                close_names,
            });
            out.push(files);
        }
        Ok((out, reports))
    }

    /// Files that define one of the query's bare words (ranked first); empty without a source. Fails
    /// only on a damaged snapshot record.
    fn defining_files(&self, query: &Query) -> Result<std::collections::HashSet<u32>, SearchError> {
        let mut out = std::collections::HashSet::new();
        let Some(source) = self.definitions() else { return Ok(out) };
        for w in &query.def_words {
            // Ranking is a nicety: a failed lookup leaves the order by path; it does not fail the search.
            for d in source.definitions(w, query.case_sensitive).map(|d| d.list).unwrap_or_default() {
                if let Some(id) = self.files().find(&d.path)? {
                    out.insert(id);
                }
            }
        }
        Ok(out)
    }

    fn search_file(
        &self,
        q: &Query,
        syms: &[SymFiles],
        opts: &SearchOptions,
        rank: Rank,
        id: u32,
        cancel: &AtomicBool,
    ) -> FileOutcome {
        if cancel.load(Ordering::Relaxed) {
            return FileOutcome::NoMatch;
        }
        let path = match self.files().path(id) {
            Ok(path) => path,
            Err(e) => return FileOutcome::Failed(e),
        };
        let display = String::from_utf8_lossy(path).into_owned();
        let has_sym = |i: usize| syms.get(i).is_some_and(|m| m.contains_key(&id));
        // Large files: skip reading when their word filter rules out a required whole word.
        let maybe =
            |i: usize| q.matchers.get(i).is_none_or(|m| m.words.iter().all(|w| self.may_contain_word(id, w)));
        let size = match self.files().size_bytes(id) {
            Ok(size) => size,
            Err(e) => return FileOutcome::Failed(e),
        };
        if size >= crate::words::MIN_FILE_BYTES && !eval_maybe(&q.expr, path, &maybe, &has_sym) {
            return FileOutcome::NoMatch;
        }
        if q.matchers.is_empty() && q.syms.is_empty() {
            // Only path and language filters: the file itself is the hit.
            return FileOutcome::Hit(FileHits {
                file: id,
                path: display,
                rank,
                line_count: 0,
                lines: Vec::new(),
            });
        }
        match self.with_text(id, |buf| self.verify(q, syms, opts, rank, id, buf)) {
            Ok(Some(outcome)) => outcome,
            Ok(None) => FileOutcome::Changed(display),
            Err(e @ SearchError::Snapshot(vitrine_snapshot::SnapshotError::StoredRecord { .. })) => {
                FileOutcome::Failed(e)
            }
            Err(_) => FileOutcome::Unreadable(display),
        }
    }

    /// The hits of file `id` in its text `buf`.
    fn verify(
        &self,
        q: &Query,
        syms: &[SymFiles],
        opts: &SearchOptions,
        rank: Rank,
        id: u32,
        buf: &[u8],
    ) -> FileOutcome {
        let path = match self.files().path(id) {
            Ok(path) => path,
            Err(e) => return FileOutcome::Failed(e),
        };
        let has_sym = |i: usize| syms.get(i).is_some_and(|m| m.contains_key(&id));
        let keep = if q.regions.is_empty() {
            Keep::All
        } else {
            Keep::In(&q.regions, Regions::scan(self.family_of(path, buf), buf))
        };
        // (line_start, match_start, match_end) of the first match of every matching line, per term.
        let mut per_term: Vec<Vec<(usize, usize, usize)>> = Vec::with_capacity(q.matchers.len());
        for (m, &positive) in q.matchers.iter().zip(&q.positive) {
            let mut lines = Vec::new();
            m.each_line(buf, &keep, |ls, s, e| {
                lines.push((ls, s, e));
                positive
            });
            per_term.push(lines);
        }
        if !eval_full(&q.expr, path, &|i| per_term.get(i).is_some_and(|l| !l.is_empty()), &has_sym) {
            return FileOutcome::NoMatch;
        }
        let mut merged: Vec<(usize, usize, usize)> = Vec::new();
        for (lines, &positive) in per_term.iter().zip(&q.positive) {
            if positive {
                merged.extend_from_slice(lines);
            }
        }
        for ((_, positive), files) in q.syms.iter().zip(syms) {
            if let (true, Some(lines)) = (*positive, files.get(&id)) {
                merged.extend(definition_lines(buf, lines));
            }
        }
        if per_term.len() + q.syms.len() > 1 {
            merged.sort_unstable();
        }
        if per_term.len() + q.syms.len() > 1 || q.matchers.iter().any(|m| m.multiline) {
            merged.dedup_by_key(|l| l.0);
        }
        let line_count = merged.len() as u64;
        let mut lines = Vec::new();
        if opts.with_text {
            lines.reserve(merged.len());
            // Per multiline matcher: the next of its matches to place on a line.
            let mut next_match = vec![0usize; q.matchers.len()];
            let mut line_no = 1u64;
            let mut counted_to = 0usize;
            for &(ls, _, _) in &merged {
                line_no +=
                    buf.get(counted_to..ls).map_or(0, |s| memchr::memchr_iter(b'\n', s).count() as u64);
                counted_to = ls;
                let le = buf.get(ls..).and_then(|t| memchr::memchr(b'\n', t)).map_or(buf.len(), |i| ls + i);
                let hay = buf.get(..le).unwrap_or_default();
                let mut ranges = Vec::new();
                let mut end_line = line_no;
                for ((_, positive), files) in q.syms.iter().zip(syms) {
                    let Some(defs) = files.get(&id).filter(|_| *positive) else { continue };
                    for &(_, col, len) in defs.iter().filter(|&&(l, _, _)| l == line_no) {
                        ranges.push((col, (col + len).min(le - ls)));
                    }
                }
                for (i, (m, &positive)) in q.matchers.iter().zip(&q.positive).enumerate() {
                    if !positive {
                        continue;
                    }
                    if m.multiline {
                        let (Some(found), Some(cursor)) = (per_term.get(i), next_match.get_mut(i)) else {
                            continue;
                        };
                        while let Some(&(mls, s, e)) = found.get(*cursor) {
                            if mls > ls {
                                break;
                            }
                            *cursor += 1;
                            if mls < ls {
                                continue;
                            }
                            ranges.push((s - ls, e.min(le).max(s) - ls));
                            // A match that ends with its line break ends on that line.
                            let last = if e > s && buf.get(e - 1) == Some(&b'\n') { e - 1 } else { e };
                            let spans = buf.get(s..last).map_or(0, |t| memchr::memchr_iter(b'\n', t).count());
                            end_line = end_line.max(line_no + spans as u64);
                        }
                        continue;
                    }
                    let mut from = ls;
                    while let Some((s, e)) = m.find(hay, from, &keep) {
                        ranges.push((s - ls, e - ls));
                        from = if e > s { e } else { s + 1 };
                        if from > le {
                            break;
                        }
                    }
                }
                ranges.sort_unstable();
                ranges.dedup();
                let mut text = buf.get(ls..le).unwrap_or_default().to_vec();
                if text.last() == Some(&b'\r') {
                    text.pop();
                }
                lines.push(LineHit { line: line_no, end_line, ranges, text });
            }
        }
        FileOutcome::Hit(FileHits {
            file: id,
            path: String::from_utf8_lossy(path).into_owned(),
            rank,
            line_count,
            lines,
        })
    }
}

/// How many files to verify next: twice as many as last time (up to 512), but when the run stops after
/// a number of lines, no more than the files read so far suggest are still needed (with a quarter more),
/// so a first page does not read a large batch it mostly does not use.
fn next_batch(batch: usize, files_read: usize, lines: u64, stop_after_lines: Option<u64>) -> usize {
    let doubled = (batch * 2).min(512);
    match stop_after_lines {
        Some(stop) if lines > 0 && lines < stop => {
            let need = (stop - lines) as f64 * files_read as f64 / lines as f64 * 1.25;
            (need.ceil() as usize).clamp(rayon::current_num_threads().max(2), doubled)
        }
        _ => doubled,
    }
}

/// (line_start, name_start, name_end) of each definition in `defs` (sorted by line), for `sym:` hits.
fn definition_lines(buf: &[u8], defs: &[(u64, usize, usize)]) -> Vec<(usize, usize, usize)> {
    let mut out = Vec::with_capacity(defs.len());
    let mut line_no = 1u64;
    let mut start = 0usize;
    for &(want, col, len) in defs {
        while line_no < want {
            match buf.get(start..).and_then(|t| memchr::memchr(b'\n', t)) {
                Some(i) => {
                    start += i + 1;
                    line_no += 1;
                }
                None => return out,
            }
        }
        let end = buf.get(start..).and_then(|t| memchr::memchr(b'\n', t)).map_or(buf.len(), |i| start + i);
        let at = (start + col).min(end);
        out.push((start, at, (at + len).min(end)));
    }
    out
}

/// What the path alone decides: `None` when content terms must be checked.
fn eval_path(e: &Expr, path: &[u8]) -> Option<bool> {
    match e {
        Expr::Term(_) | Expr::Sym(_) => None,
        Expr::Path(re) => Some(re.is_match(path)),
        Expr::Lang(l) => Some(lang::path_is(l, path)),
        Expr::Not(x) => eval_path(x, path).map(|b| !b),
        Expr::And(v) => {
            let mut unknown = false;
            for x in v {
                match eval_path(x, path) {
                    Some(false) => return Some(false),
                    None => unknown = true,
                    Some(true) => {}
                }
            }
            if unknown { None } else { Some(true) }
        }
        Expr::Or(v) => {
            let mut unknown = false;
            for x in v {
                match eval_path(x, path) {
                    Some(true) => return Some(true),
                    None => unknown = true,
                    Some(false) => {}
                }
            }
            if unknown { None } else { Some(false) }
        }
    }
}

/// An over-approximation of [`eval_full`] from what is known without reading the file: `maybe(i)` may
/// say true wrongly, never false wrongly, so a negation cannot be decided and counts as true.
fn eval_maybe(e: &Expr, path: &[u8], maybe: &dyn Fn(usize) -> bool, sym: &dyn Fn(usize) -> bool) -> bool {
    match e {
        Expr::Term(i) => maybe(*i),
        Expr::Sym(i) => sym(*i),
        Expr::Path(re) => re.is_match(path),
        Expr::Lang(l) => lang::path_is(l, path),
        Expr::Not(_) => true,
        Expr::And(v) => v.iter().all(|x| eval_maybe(x, path, maybe, sym)),
        Expr::Or(v) => v.iter().any(|x| eval_maybe(x, path, maybe, sym)),
    }
}

fn eval_full(e: &Expr, path: &[u8], term: &dyn Fn(usize) -> bool, sym: &dyn Fn(usize) -> bool) -> bool {
    match e {
        Expr::Term(i) => term(*i),
        Expr::Sym(i) => sym(*i),
        Expr::Path(re) => re.is_match(path),
        Expr::Lang(l) => lang::path_is(l, path),
        Expr::Not(x) => !eval_full(x, path, term, sym),
        Expr::And(v) => v.iter().all(|x| eval_full(x, path, term, sym)),
        Expr::Or(v) => v.iter().any(|x| eval_full(x, path, term, sym)),
    }
}

/// How a file whose path is `path` ranks for `query` when it defines none of its words.
fn rank_of(query: &Query, path: &[u8]) -> Rank {
    if query.rank_words.is_empty() {
        return Rank::Other;
    }
    let name = path.rsplit(|&b| b == b'/').next().unwrap_or(path).to_ascii_lowercase();
    if query.rank_words.iter().any(|w| memchr::memmem::find(&name, w).is_some()) {
        Rank::PathMatch
    } else {
        Rank::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(q: &str, text: &str) -> Vec<usize> {
        let query = Query::new(q).unwrap();
        let m = &query.matchers[0];
        let mut out = Vec::new();
        let keep = if query.regions.is_empty() {
            Keep::All
        } else {
            Keep::In(&query.regions, Regions::of_file(b"t.c", text.as_bytes()))
        };
        m.each_line(text.as_bytes(), &keep, |ls, _, _| {
            out.push(text[..ls].matches('\n').count() + 1);
            true
        });
        out
    }

    #[test]
    fn words_respect_boundaries_and_case() {
        assert_eq!(lines("foo", "foo\nfoobar\nbar_foo\nx.FOO()\n"), vec![1, 4]);
        assert_eq!(lines("case:yes foo", "FOO\nfoo"), vec![2]);
        assert_eq!(lines("foo*", "foobar\nbarfoo\n"), vec![1]);
        assert_eq!(lines("sub:foo", "foobar\nbarfoo\nnope\n"), vec![1, 2]);
    }

    #[test]
    fn regexes_never_cross_lines() {
        assert_eq!(lines(r"/a[^x]*b/", "a\nb\nab\n"), vec![3]);
        assert_eq!(lines(r"/^$/", "a\n\nb\n"), vec![2]);
        assert!(Query::new(r"/a\nb/").is_err());
    }

    #[test]
    fn multiline_regexes_report_every_match_where_it_starts() {
        assert_eq!(lines(r"ml:yes /a[^x]*b/", "a\nb\nab\n"), vec![1]);
        assert_eq!(lines(r"ml:yes /a[^x]*?b/", "a\nb\nab\n"), vec![1, 3]);
        assert_eq!(lines(r"ml:yes /a\nb/", "xa\nb a\nb\n"), vec![1, 2]);
        assert_eq!(lines(r"ml:yes /b\s*a/", "ab ab\nab\n"), vec![1, 1]);
        // After the final newline there is no line.
        assert_eq!(lines(r"ml:yes /^/", "a\nb\n"), vec![1, 2]);
        assert_eq!(lines(r"ml:yes /^/", "a\nb"), vec![1, 2]);
        assert_eq!(lines(r"ml:yes /^$/", ""), Vec::<usize>::new());
        assert!(Query::new(r"/a\nb/ ml:no").is_err());
    }

    #[test]
    fn in_keeps_matches_wholly_inside_the_region() {
        let text = "send(x); // send it\nchar *s = \"send\";\n/* a\n send */ send();\n";
        assert_eq!(lines("send", text), vec![1, 2, 4]);
        assert_eq!(lines("in:comment send", text), vec![1, 4]);
        assert_eq!(lines("in:string send", text), vec![2]);
        assert_eq!(lines("in:code send", text), vec![1, 4]);
        assert_eq!(lines("in:string in:comment send", text), vec![1, 2, 4]);
        // A match that starts in code and runs into a comment is in neither.
        assert_eq!(lines("in:code \"x); //\"", text), Vec::<usize>::new());
        assert_eq!(lines("ml:yes in:comment /a\\n send/", text), vec![3]);
    }

    #[test]
    fn phrases_allow_any_inline_whitespace() {
        assert_eq!(
            lines("\"struct file\"", "struct  file\nstruct\tfile x\nstruct\nfile\nstruct files\n"),
            vec![1, 2]
        );
    }

    #[test]
    fn batches_grow_but_a_first_page_reads_what_it_needs() {
        assert_eq!(next_batch(8, 8, 3, None), 16);
        assert_eq!(next_batch(512, 5000, 10, None), 512);
        assert_eq!(next_batch(8, 8, 0, Some(100)), 16, "no line yet: no estimate");
        // 120 files gave 80 lines: 20 more lines need about 30 files, plus a quarter.
        assert_eq!(next_batch(64, 120, 80, Some(100)), 38);
        assert!(next_batch(64, 120, 99, Some(100)) >= 2);
        assert_eq!(next_batch(64, 120, 1, Some(100)), 128, "never more than doubling");
    }
}

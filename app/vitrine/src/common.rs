//! What every subcommand shares: the output streams, the data directory, opening a snapshot (by path,
//! or an imported one by id or label) with a progress line on stderr, and JSON output.

use std::borrow::Cow;
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context;
use vitrine_snapshot::progress::Progress;
use vitrine_snapshot::store::DataDir;
use vitrine_snapshot::{IngestConfig, Snapshot};

/// Set by [`crate::run`], the executable's entry: the process ends once the command returns. The
/// tests' in-process runs ([`crate::run_with`]) leave it unset.
pub(crate) static PROCESS_ENDS_AFTER_COMMAND: AtomicBool = AtomicBool::new(false);

/// Hands `value` to the end of the process instead of freeing it piece by piece, when the process ends
/// right after the command (the system takes its memory back at once); drops it otherwise. For what a
/// query opens: an opened manifest is one allocation per file (78k on Linux), and freeing them cost
/// about a tenth of a whole `search --count` process.
pub(crate) fn keep_until_exit<T>(value: T) {
    if PROCESS_ENDS_AFTER_COMMAND.load(Ordering::Relaxed) {
        std::mem::forget(value);
    }
}

/// Exit codes of every subcommand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Exit {
    Ok = 0,
    /// Verification failed, or nothing was found.
    Failed = 1,
    /// Usage or input error (also any error reported through `anyhow`).
    Usage = 2,
}

/// The context a subcommand runs in.
pub struct Ctx<'a> {
    pub out: &'a mut dyn Write,
    pub err: &'a mut dyn Write,
    pub data: DataDir,
    pub quiet: bool,
    /// How snapshots are opened (limits from the command line); the scratch directory is set per call.
    pub ingest: IngestConfig,
    /// Whether navigation commands may reuse the ingest cache (`--no-cache` turns it off).
    pub use_cache: bool,
}

impl<'a> Ctx<'a> {
    pub fn new(data: Option<&Path>, quiet: bool, out: &'a mut dyn Write, err: &'a mut dyn Write) -> Ctx<'a> {
        Ctx {
            out,
            err,
            data: DataDir::resolve(data),
            quiet,
            ingest: IngestConfig::default(),
            use_cache: true,
        }
    }

    /// Whether to draw progress on the terminal's stderr.
    pub fn show_progress(&self) -> bool {
        !self.quiet && std::io::stderr().is_terminal()
    }

    /// Writes one JSON value and a newline to stdout.
    /// Characters a terminal would act on (DEL, C1 controls, bidi and invisible characters, which
    /// serde_json writes as they are) are written as JSON escapes ([`json_for_terminal`]): the same value.
    pub fn json(&mut self, value: &impl serde::Serialize) -> anyhow::Result<()> {
        let text = serde_json::to_string(value)?;
        writeln!(self.out, "{}", json_for_terminal(&text))?;
        Ok(())
    }

    /// Opens a snapshot, hashing every byte: for commands that state or bind its identity (`digest`,
    /// `health`, `export`, `verify`). With `keep_content`, an archive's files are kept in the data
    /// directory's blob store so they can be read later (index, window); otherwise it is only digested.
    /// An imported snapshot's name is refused: these commands hash a directory or archive.
    pub fn open_snapshot(&mut self, path: &Path, keep_content: bool) -> anyhow::Result<Snapshot> {
        if let Some(name) = stored_name(path) {
            anyhow::bail!(
                "{name}: this command hashes every byte of a directory or archive; give its path (an imported snapshot's id or label is for queries)"
            );
        }
        self.open_with(path, keep_content, false)
    }

    /// Opens a snapshot for navigation (search, symbols, annotating), reusing what an earlier run found
    /// in files that have not changed since (unless `--no-cache`). Reads of file content are still checked
    /// against the recorded hashes. A name `sha256:ID` or `@LABEL` ([`stored_name`]) opens an imported
    /// snapshot from the data directory's store without looking at any directory.
    ///
    /// An imported snapshot's record is read and checked whole here (every row and the health report),
    /// so that damage to it is this error, whatever the command goes on to read: use
    /// [`Ctx::open_snapshot_for_query`] for the queries that read only the rows they need.
    pub fn open_snapshot_cached(&mut self, path: &Path, keep_content: bool) -> anyhow::Result<Snapshot> {
        let snap = self.open_snapshot_for_query(path, keep_content)?;
        if let Some(name) = stored_name(path) {
            snap.try_files()
                .map(drop)
                .and_then(|()| snap.try_health().map(drop))
                .with_context(|| format!("cannot open snapshot {name}"))?;
        }
        Ok(snap)
    }

    /// [`Ctx::open_snapshot_cached`] for the queries (`search`, `def`, `refs`, `callers`, `symbols`):
    /// an imported snapshot's rows are read and checked only when asked for, through the accessors
    /// that return the record's damage as an error (`Snapshot::find_file`, `file_entry`, `file_path`,
    /// `try_files`, …), so a query costs the rows it reads, not the size of the tree.
    pub fn open_snapshot_for_query(&mut self, path: &Path, keep_content: bool) -> anyhow::Result<Snapshot> {
        if let Some(name) = stored_name(path) {
            return Snapshot::open_stored(&self.data, name, &self.ingest)
                .with_context(|| format!("cannot open snapshot {name}"));
        }
        self.open_with(path, keep_content, self.use_cache)
    }

    /// [`Ctx::open_snapshot_cached`] for the two snapshots of a comparison: two directories are opened
    /// together ([`Snapshot::open_pair`]), so the bytes they share are hashed and analysed once.
    pub fn open_pair_cached(
        &mut self,
        old: &Path,
        new: &Path,
        keep_content: bool,
    ) -> anyhow::Result<(Snapshot, Snapshot)> {
        if stored_name(old).is_some() || stored_name(new).is_some() {
            return Ok((
                self.open_snapshot_cached(old, keep_content)?,
                self.open_snapshot_cached(new, keep_content)?,
            ));
        }
        let config = IngestConfig {
            blob_dir: keep_content.then(|| self.data.blob_dir()),
            cache_dir: self.use_cache.then(|| self.data.ingest_cache_dir()),
            ..self.ingest.clone()
        };
        let progress = Arc::new(Progress::default());
        let reporter = self.show_progress().then(|| spawn_progress_line(progress.clone()));
        let result = Snapshot::open_pair(old, new, &config, &progress);
        if let Some((stop, handle)) = reporter {
            stop.cancel();
            handle.thread().unpark();
            let _ = handle.join();
        }
        result.with_context(|| format!("cannot open snapshots {} and {}", old.display(), new.display()))
    }

    /// Whether `old` and `new` are both directories given by path (not imported snapshots' names).
    pub fn are_directories(&self, old: &Path, new: &Path) -> bool {
        [old, new].iter().all(|p| stored_name(p).is_none() && p.is_dir())
    }

    /// The files that differ between two directories ([`vitrine_snapshot::changed_between`]): what a
    /// listing of changes needs, hashing nothing the two share.
    pub fn changed_between(
        &mut self,
        old: &Path,
        new: &Path,
    ) -> anyhow::Result<(vitrine_snapshot::ChangedSide, vitrine_snapshot::ChangedSide)> {
        let progress = Arc::new(Progress::default());
        let reporter = self.show_progress().then(|| spawn_progress_line(progress.clone()));
        let result = vitrine_snapshot::changed_between(old, new, &self.ingest, &progress);
        if let Some((stop, handle)) = reporter {
            stop.cancel();
            handle.thread().unpark();
            let _ = handle.join();
        }
        result.with_context(|| format!("cannot compare {} and {}", old.display(), new.display()))
    }

    fn open_with(&mut self, path: &Path, keep_content: bool, cached: bool) -> anyhow::Result<Snapshot> {
        let config = IngestConfig {
            blob_dir: keep_content.then(|| self.data.blob_dir()),
            cache_dir: cached.then(|| self.data.ingest_cache_dir()),
            ..self.ingest.clone()
        };
        let progress = Arc::new(Progress::default());
        let reporter = self.show_progress().then(|| spawn_progress_line(progress.clone()));
        let result = Snapshot::open(path, &config, &progress);
        if let Some((stop, handle)) = reporter {
            stop.cancel();
            handle.thread().unpark();
            let _ = handle.join();
        }
        result.with_context(|| format!("cannot open snapshot {}", path.display()))
    }
}

/// The name of an imported snapshot, when `arg` is one: `sha256:` and an id (or a unique prefix of it),
/// or `@` and a label. Anything else is a path; a directory whose name starts so is named `./sha256:…`.
pub fn stored_name(arg: &Path) -> Option<&str> {
    arg.to_str().filter(|s| s.starts_with("sha256:") || s.starts_with('@'))
}

/// Draws `phase done/total` on stderr until the returned `Progress` is cancelled.
pub fn spawn_progress_line(progress: Arc<Progress>) -> (Arc<Progress>, std::thread::JoinHandle<()>) {
    let stop = Arc::new(Progress::default());
    let stop2 = stop.clone();
    let handle = std::thread::spawn(move || {
        let mut stderr = std::io::stderr();
        while !stop2.is_cancelled() {
            let v = progress.view();
            let _ = write!(
                stderr,
                "\r\x1b[K{} {}/{} ({} MB)",
                v.phase,
                v.done_items,
                v.total_items,
                v.done_bytes / 1_000_000
            );
            std::thread::park_timeout(Duration::from_millis(200));
        }
        let _ = write!(stderr, "\r\x1b[K");
    });
    (stop, handle)
}

/// Makes a snapshot-derived string safe to print to a terminal: C0 controls and DEL become `\xNN`, and
/// C1 controls, bidi controls, invisible and other format characters and line separators become
/// `<U+XXXX>` ([`vitrine_record::shown::escape`]), so a name or a line cannot move the cursor, recolour
/// or erase what was printed before it, or reorder itself. Paths are escaped on top of their display
/// form (where a backslash is already doubled), so two different names still print differently.
pub fn term(s: &str) -> Cow<'_, str> {
    vitrine_record::shown::escape(s)
}

/// [`term`] for a snapshot name listed where two names must never print alike (`digest --files`): a name
/// holding a non-ASCII character is followed by its spelling with each of them written `<U+XXXX>`, as a
/// principal is on the command line (`vitrine_record::principal::annotated`): `src/\u{212A}config` (KELVIN
/// SIGN) is drawn as `src/Kconfig` by a terminal, and is listed `src/Kconfig  [src/<U+212A>config]`.
pub fn term_name(shown: &str) -> Cow<'_, str> {
    if shown.is_ascii() {
        return term(shown);
    }
    let spelled: String = shown
        .chars()
        .map(|c| if c.is_ascii() { c.to_string() } else { vitrine_record::principal::marker(c) })
        .collect();
    Cow::Owned(format!("{}  [{}]", term(shown), term(&spelled)))
}

/// [`term`] for a line of source text: a tab stays a tab (it is layout, and every C file has them), and so
/// does the CR of a CRLF line end (the terminal's newline follows it at once, so it hides nothing); every
/// other control, bidi and invisible character is escaped as in [`term`], a lone CR inside the line too.
pub fn term_line(s: &str) -> Cow<'_, str> {
    match s.strip_suffix('\r') {
        Some(body) => match vitrine_record::shown::escape_keep_tab(body) {
            Cow::Borrowed(_) => Cow::Borrowed(s),
            Cow::Owned(mut e) => {
                e.push('\r');
                Cow::Owned(e)
            }
        },
        None => vitrine_record::shown::escape_keep_tab(s),
    }
}

/// The writer every command of the record family (keys, people, annotations, the log, export, import,
/// verify, port, findings) prints through, on stdout and on stderr: what it prints is made of lines,
/// and each `write!`/`writeln!` is escaped whole with [`term`] except the one newline that ends it. So no
/// text of a record (a vendor's reply, a tar member's name, a checkpoint's origin, a principal or a role
/// word) reaches the terminal as a control, a format character or a line break of its own, whichever
/// call site prints it and whether or not it remembered [`term`]: the class is closed here, not at each
/// `writeln!`. A blank line is `writeln!(out)`. Bytes written directly (`write_all`) are escaped the same
/// way, newlines included; bytes that are not UTF-8 are written `\xNN`.
pub struct TermWriter<'a> {
    inner: &'a mut dyn Write,
    /// Raw bytes written directly whose UTF-8 sequence is not complete yet.
    pending: Vec<u8>,
    /// A tab stays a tab ([`vitrine_record::shown::escape_keep_tab`]): for output whose columns are
    /// tab-separated (`vitrine diff --stat`), where each field that comes from a snapshot was escaped
    /// whole with [`term`] first (so a tab in a name is `\x09`, never a column).
    keep_tab: bool,
}

impl<'a> TermWriter<'a> {
    pub fn new(inner: &'a mut dyn Write) -> TermWriter<'a> {
        TermWriter { inner, pending: Vec::new(), keep_tab: false }
    }

    /// A [`TermWriter`] that leaves tabs as they are (see `keep_tab`).
    pub fn keeping_tabs(inner: &'a mut dyn Write) -> TermWriter<'a> {
        TermWriter { inner, pending: Vec::new(), keep_tab: true }
    }

    fn shown<'s>(&self, s: &'s str) -> Cow<'s, str> {
        if self.keep_tab { vitrine_record::shown::escape_keep_tab(s) } else { term(s) }
    }

    /// Writes the raw bytes held so far, escaped; with `all`, an incomplete UTF-8 sequence at the end too.
    fn drain(&mut self, all: bool) -> std::io::Result<()> {
        let mut shown = String::new();
        let mut rest: &[u8] = &self.pending;
        loop {
            match std::str::from_utf8(rest) {
                Ok(s) => {
                    shown.push_str(&self.shown(s));
                    rest = &[];
                    break;
                }
                Err(e) => {
                    let (good, bad) = rest.split_at(e.valid_up_to());
                    shown.push_str(&self.shown(std::str::from_utf8(good).unwrap_or_default()));
                    match e.error_len() {
                        Some(n) => {
                            for b in &bad[..n] {
                                shown.push_str(&format!("\\x{b:02X}"));
                            }
                            rest = &bad[n..];
                        }
                        // An incomplete sequence at the end: the next write may complete it.
                        None if !all => {
                            rest = bad;
                            break;
                        }
                        None => {
                            for b in bad {
                                shown.push_str(&format!("\\x{b:02X}"));
                            }
                            rest = &[];
                            break;
                        }
                    }
                }
            }
        }
        let kept = rest.to_vec();
        self.pending = kept;
        self.inner.write_all(shown.as_bytes())
    }
}

impl Write for TermWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.pending.extend_from_slice(buf);
        self.drain(false)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.drain(true)?;
        self.inner.flush()
    }

    /// One `write!` or `writeln!`: escaped whole, but for the newline that ends it.
    fn write_fmt(&mut self, args: std::fmt::Arguments<'_>) -> std::io::Result<()> {
        self.drain(true)?;
        let text = match args.as_str() {
            Some(s) => Cow::Borrowed(s),
            None => Cow::Owned(args.to_string()),
        };
        let (line, end) = match text.strip_suffix('\n') {
            Some(line) => (line, "\n"),
            None => (&*text, ""),
        };
        let shown = self.shown(line);
        self.inner.write_all(shown.as_bytes())?;
        self.inner.write_all(end.as_bytes())
    }
}

impl Drop for TermWriter<'_> {
    fn drop(&mut self) {
        let _ = self.drain(true);
    }
}

/// JSON text whose every character that [`term`] would escape is written as a JSON escape (`\u202e`,
/// a surrogate pair above U+FFFF) instead: the same JSON value, with nothing in it a terminal acts on.
/// serde_json escapes C0 controls itself but writes DEL, C1 controls, bidi and invisible characters as
/// they are. Outside strings JSON is ASCII, so every such character is inside a string.
pub fn json_for_terminal(json: &str) -> Cow<'_, str> {
    if !json.chars().any(vitrine_record::shown::hidden) {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if vitrine_record::shown::hidden(c) {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{u:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_escapes() {
        assert_eq!(term("src/a.c"), "src/a.c");
        assert_eq!(term("x\u{1b}[2J\ty"), r"x\x1B[2J\x09y");
        assert_eq!(term("a\u{202E}b\u{200B}c\u{85}d\u{2028}"), "a<U+202E>b<U+200B>c<U+0085>d<U+2028>");
        assert_eq!(term("caf\u{e9} \u{416}"), "caf\u{e9} \u{416}");
        // A literal backslash is doubled by the path display, so it never reads as an escape.
        let shown = vitrine_snapshot::path_display(b"x\\x1B");
        assert_ne!(term(&shown), term("x\u{1b}"));
    }

    #[test]
    fn the_term_writer_keeps_only_the_newline_that_ends_a_write() {
        let mut buf = Vec::new();
        {
            let mut w = TermWriter::new(&mut buf);
            let body =
                "fixed\u{1b}[2K\r\u{1b}[1A\n  ef4a66e03ba0 reply -> closed \u{1b}]0;t\u{7}\u{202E}x\u{9b}";
            let id = "0123456789ab";
            writeln!(w, "  {id} reply: {body}").unwrap();
            writeln!(w).unwrap();
            write!(w, "no end").unwrap();
            // Raw bytes: escaped as well, a UTF-8 sequence split over two writes kept whole, bad bytes as \xNN.
            w.write_all(b"\n\xE2\x80").unwrap();
            w.write_all(b"\xAE\xFF\x1b").unwrap();
            w.write_all(b"\xC3").unwrap();
        }
        let text = String::from_utf8(buf).unwrap();
        assert_eq!(
            text,
            "  0123456789ab reply: fixed\\x1B[2K\\x0D\\x1B[1A\\x0A  ef4a66e03ba0 reply -> closed \\x1B]0;t\\x07<U+202E>x<U+009B>\n\nno end\\x0A<U+202E>\\xFF\\x1B\\xC3"
        );
    }

    #[test]
    fn the_tab_keeping_writer_keeps_tabs_and_escapes_everything_else() {
        let mut buf = Vec::new();
        {
            let mut w = TermWriter::keeping_tabs(&mut buf);
            // A --stat row: the columns' tabs stay, the name's (escaped first with term) cannot add one.
            writeln!(w, "1\t0\t{}", term("src/a\tb.c")).unwrap();
            writeln!(w, "M  src/auth.c\r\u{1b}[2K\u{1b}[1A \u{202E}\u{200C}\u{9b}").unwrap();
        }
        let text = String::from_utf8(buf).unwrap();
        assert_eq!(
            text,
            "1\t0\tsrc/a\\x09b.c\nM  src/auth.c\\x0D\\x1B[2K\\x1B[1A <U+202E><U+200C><U+009B>\n"
        );
    }

    #[test]
    fn json_keeps_its_value_and_loses_what_a_terminal_acts_on() {
        let v = serde_json::json!({"body": "a\u{1b}\u{7f}\u{9b}\u{202E}\u{200B}\u{E0041}\u{2028}é\n"});
        let text = serde_json::to_string(&v).unwrap();
        let shown = json_for_terminal(&text);
        assert!(!shown.chars().any(vitrine_record::shown::hidden), "{shown}");
        assert!(
            shown.contains("\\u202e") && shown.contains("\\udb40\\udc41") && shown.contains('é'),
            "{shown}"
        );
        assert_eq!(serde_json::from_str::<serde_json::Value>(&shown).unwrap(), v);
    }

    #[test]
    fn source_lines_keep_tabs_and_lose_everything_else() {
        assert_eq!(term_line("\tint x;\u{1b}]0;owned\u{7}"), "\tint x;\\x1B]0;owned\\x07");
        assert_eq!(term_line("/* \u{202E} } */\r"), "/* <U+202E> } */\r");
        assert_eq!(term_line("// x\r y();\r"), "// x\\x0D y();\r");
    }
}

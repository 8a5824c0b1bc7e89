//! An open file: its bytes decoded for display, its lines, the health findings on it, its outline, and
//! its highlighting (see `state::highlight`).

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use vitrine_snapshot::{ContentClass, EntryKind, FileEntry, LineIndex, RelPath, Snapshot, TextEncoding};
use vitrine_syntax::Syntax;

use crate::state::errors::error_chain;
use crate::state::highlight::Highlighter;

/// What the view shows for a file.
#[derive(Debug)]
pub enum Content {
    /// Text, decoded and split into lines for the code view.
    Text(TextContent),
    /// Shown as a hex dump.
    Binary {
        /// The file's bytes, as stored in the snapshot.
        bytes: Arc<[u8]>,
    },
    /// A symbolic link: shown as its target, never followed.
    Symlink {
        /// The link's target, for display.
        target: String,
    },
    /// The file could not be read from the snapshot: the view shows why.
    Unreadable {
        /// Why the read failed.
        error: String,
    },
}

/// A text file ready to draw: its decoded text, its line starts and its highlighting.
pub struct TextContent {
    pub(crate) text: Arc<str>,
    pub(crate) lines: LineIndex,
    pub(crate) encoding: TextEncoding,
    pub(crate) syntax: Syntax,
    /// Highlighting, prepared on a background thread and handed over without a lock the view can lose.
    pub highlight: Highlighter,
}

impl std::fmt::Debug for TextContent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TextContent")
            .field("lines", &self.lines.line_count())
            .field("encoding", &self.encoding)
            .finish()
    }
}

/// A file open in a tab: what it is, what the view draws, and what is known about it.
#[derive(Debug)]
pub struct Document {
    /// The file's path in the snapshot.
    pub path: RelPath,
    pub(crate) entry: FileEntry,
    /// What the view draws for the file.
    pub content: Content,
    /// Health findings of this file by 0-based line (file-level findings under `None`).
    pub(crate) findings: BTreeMap<Option<usize>, Vec<String>>,
    /// The outline, parsed with tree-sitter on a background thread.
    outline: Arc<OnceLock<Outline>>,
}

/// The definitions of a file and their nesting.
#[derive(Debug, Default)]
pub struct Outline {
    pub(crate) symbols: Vec<vitrine_syntax::Symbol>,
    pub(crate) tree: Vec<vitrine_syntax::OutlineNode>,
    pub(crate) parse_errors: u32,
    /// The tree flattened in display order as (depth, symbol index), so the panel draws only visible rows.
    pub(crate) rows: Vec<(u32, u32)>,
    /// The preprocessor branches navigation leaves out (C and C++), in file order: marked in the view so
    /// a reader knows that what is there is not what the outline and go-to-definition read.
    pub(crate) inactive: Vec<vitrine_syntax::InactiveRange>,
}

fn flatten(nodes: &[vitrine_syntax::OutlineNode], depth: u32, out: &mut Vec<(u32, u32)>) {
    for n in nodes {
        out.push((depth, n.symbol));
        flatten(&n.children, depth + 1, out);
    }
}

impl Outline {
    /// Why 0-based `line` lies in a branch navigation leaves out, if it does.
    pub fn inactive_at(&self, line: u32) -> Option<vitrine_syntax::Inactive> {
        self.inactive.iter().find(|r| r.lines.contains(&line)).map(|r| r.why)
    }

    /// Names of the definitions containing a 0-based line, outermost first (the breadcrumbs).
    pub(crate) fn scope_at(&self, line: u32) -> Vec<&vitrine_syntax::Symbol> {
        let mut out = Vec::new();
        let mut level = &self.tree;
        'descend: loop {
            for node in level {
                let Some(sym) = self.symbols.get(node.symbol as usize) else { continue };
                if sym.range.start.line <= line && line <= sym.range.end.line {
                    out.push(sym);
                    level = &node.children;
                    continue 'descend;
                }
            }
            return out;
        }
    }
}

impl Document {
    pub(crate) fn open(snapshot: &Snapshot, entry: &FileEntry) -> Document {
        let content = match (&entry.kind, entry.class, entry.encoding) {
            (EntryKind::Symlink { target }, _, _) => {
                Content::Symlink { target: vitrine_snapshot::path_display(target) }
            }
            (_, ContentClass::Unreadable, _) => {
                Content::Unreadable { error: "the file could not be read at ingest".into() }
            }
            (_, _, None) => match snapshot.read(entry) {
                Ok(bytes) => Content::Binary { bytes: bytes.into() },
                Err(e) => Content::Unreadable { error: error_chain(&e) },
            },
            (_, _, Some(encoding)) => match snapshot.read(entry) {
                Ok(bytes) => Content::Text(text_content(&entry.path, &bytes, encoding)),
                Err(e) => Content::Unreadable { error: error_chain(&e) },
            },
        };
        let shown = entry.path.display();
        let mut findings: BTreeMap<Option<usize>, Vec<String>> = BTreeMap::new();
        for f in snapshot.health().findings.iter().filter(|f| f.path == shown) {
            let line = f.line.map(|l| l.saturating_sub(1) as usize);
            findings.entry(line).or_default().push(format!("{}: {}", f.kind.as_str(), f.detail));
        }
        let outline = Arc::new(OnceLock::new());
        if let Content::Text(t) = &content {
            let head = t.text.as_bytes().get(..t.text.len().min(512)).unwrap_or_default();
            // A file included as code (`#include "table.txt"`) is outlined as its includer's language.
            if let Some(lang) = vitrine_syntax::language_in_snapshot(snapshot, &shown, head) {
                let (text, slot, path) = (t.text.clone(), outline.clone(), shown.clone());
                let _ = std::thread::Builder::new().name("outline".into()).spawn(move || {
                    let (fs, tree) = vitrine_syntax::nav::outline(lang, text.as_bytes());
                    let mut rows = Vec::new();
                    flatten(&tree, 0, &mut rows);
                    let inactive = vitrine_syntax::inactive_ranges_at(&path, lang, text.as_bytes());
                    let _ = slot.set(Outline {
                        symbols: fs.definitions,
                        tree,
                        parse_errors: fs.parse_errors,
                        rows,
                        inactive,
                    });
                });
            }
        }
        Document { path: entry.path.clone(), entry: entry.clone(), content, findings, outline }
    }

    /// The outline, once parsed.
    pub(crate) fn outline(&self) -> Option<&Outline> {
        self.outline.get()
    }

    /// Blocks until the outline is parsed, if the file has a language (tests).
    pub fn wait_outline(&self) -> Option<&Outline> {
        let Content::Text(t) = &self.content else { return None };
        let head = t.text.as_bytes().get(..t.text.len().min(512)).unwrap_or_default();
        vitrine_syntax::language_for_path(&self.path.display(), head)?;
        loop {
            if let Some(o) = self.outline.get() {
                return Some(o);
            }
            std::thread::yield_now();
        }
    }

    /// Number of rows the view shows.
    pub fn line_count(&self) -> usize {
        match &self.content {
            Content::Text(t) => t.lines.line_count(),
            Content::Binary { bytes } => bytes.len().div_ceil(16).max(1),
            Content::Symlink { .. } | Content::Unreadable { .. } => 1,
        }
    }

    /// The text of a 0-based line (text documents only).
    pub fn line_text(&self, line: usize) -> Option<&str> {
        let Content::Text(t) = &self.content else { return None };
        let range = t.lines.line_range(t.text.as_bytes(), line)?;
        t.text.get(range)
    }
}

fn text_content(path: &RelPath, bytes: &[u8], encoding: TextEncoding) -> TextContent {
    let text: Arc<str> = Arc::from(vitrine_snapshot::text::decode(bytes, encoding).into_owned());
    let lines = LineIndex::new(text.as_bytes());
    let head = bytes.get(..bytes.len().min(512)).unwrap_or_default();
    let syntax = vitrine_syntax::syntax_for(&path.display(), head);
    let highlight = Highlighter::start(text.clone(), &lines, syntax);
    TextContent { text, lines, encoding, syntax, highlight }
}

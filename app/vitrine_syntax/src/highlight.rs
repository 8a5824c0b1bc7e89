//! Syntax highlighting with syntect (pure-Rust regexes): a file's text becomes plain per-line spans of
//! highlight classes, and a theme maps classes to colours. Parser states are cached every few hundred
//! lines so that showing lines 200,000..200,050 never re-highlights from the top.
//!
//! Spans carry a class, not a colour, so that switching between the light and dark theme needs no
//! re-highlighting, and no UI type leaks into this crate.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::{Arc, OnceLock};

use syntect::parsing::{ParseState, Scope, ScopeStack, SyntaxReference, SyntaxSet};

use crate::lang::{Language, language_for_path};

/// What a piece of code is, for colouring.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HighlightClass {
    /// Text with no other class, and lines too long to highlight.
    Plain,
    /// Comments, including documentation comments.
    Comment,
    /// String and character literals.
    String,
    /// Escape sequences inside strings (`\n`).
    Escape,
    /// Numeric literals.
    Number,
    /// Language constants (`true`, `NULL`, `this`) and named constants.
    Constant,
    /// Keywords and storage modifiers (`if`, `return`, `static`).
    Keyword,
    /// Operators (`+`, `->`, `&&`).
    Operator,
    /// Type names at their use and definition.
    Type,
    /// Function names at their definition and at calls.
    Function,
    /// Preprocessor directives and imports (`#include`, `#define`, `import`).
    Directive,
    /// Macro names at their definition.
    Macro,
    /// Parameters and other highlighted variables.
    Variable,
    /// Markup tags.
    Tag,
    /// Attributes and annotations.
    Attribute,
    /// Brackets, separators and other punctuation.
    Punctuation,
    /// Code the grammar flags as invalid.
    Invalid,
}

impl HighlightClass {
    /// Number of classes (the length of a theme's style table).
    pub const COUNT: usize = 17;

    /// Every class, in the order of `index`.
    pub const ALL: [HighlightClass; HighlightClass::COUNT] = [
        HighlightClass::Plain,
        HighlightClass::Comment,
        HighlightClass::String,
        HighlightClass::Escape,
        HighlightClass::Number,
        HighlightClass::Constant,
        HighlightClass::Keyword,
        HighlightClass::Operator,
        HighlightClass::Type,
        HighlightClass::Function,
        HighlightClass::Directive,
        HighlightClass::Macro,
        HighlightClass::Variable,
        HighlightClass::Tag,
        HighlightClass::Attribute,
        HighlightClass::Punctuation,
        HighlightClass::Invalid,
    ];

    /// Position in `ALL`.
    pub fn index(self) -> usize {
        self as usize
    }

    /// A short lowercase name (used in golden files and debugging).
    pub fn as_str(self) -> &'static str {
        match self {
            HighlightClass::Plain => "plain",
            HighlightClass::Comment => "comment",
            HighlightClass::String => "string",
            HighlightClass::Escape => "escape",
            HighlightClass::Number => "number",
            HighlightClass::Constant => "constant",
            HighlightClass::Keyword => "keyword",
            HighlightClass::Operator => "operator",
            HighlightClass::Type => "type",
            HighlightClass::Function => "function",
            HighlightClass::Directive => "directive",
            HighlightClass::Macro => "macro",
            HighlightClass::Variable => "variable",
            HighlightClass::Tag => "tag",
            HighlightClass::Attribute => "attribute",
            HighlightClass::Punctuation => "punctuation",
            HighlightClass::Invalid => "invalid",
        }
    }
}

/// One run of a line with a single class. `range` is a byte range within the line (the line's text
/// without its `\n` or `\r\n`); the spans of a line are sorted, do not overlap, and cover the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    /// Byte range within the line's text, end exclusive.
    pub range: Range<usize>,
    /// What the bytes of `range` are.
    pub class: HighlightClass,
}

/// A colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rgb {
    /// Red, 0–255.
    pub r: u8,
    /// Green, 0–255.
    pub g: u8,
    /// Blue, 0–255.
    pub b: u8,
}

impl Rgb {
    /// From `0xRRGGBB`.
    pub const fn hex(v: u32) -> Rgb {
        Rgb { r: (v >> 16) as u8, g: (v >> 8) as u8, b: v as u8 }
    }
}

/// How one class is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    /// Foreground colour of the text.
    pub color: Rgb,
    /// Drawn in bold.
    pub bold: bool,
    /// Drawn in italics.
    pub italic: bool,
}

/// Colours for every class, plus the editor background and foreground.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Theme {
    /// `light` or `dark`, as in the settings.
    pub name: &'static str,
    /// Background of the code view.
    pub background: Rgb,
    /// Default text colour of the code view (the GUI dims it for line numbers and guides).
    pub foreground: Rgb,
    styles: [Style; HighlightClass::COUNT],
}

/// Which syntect grammar highlights a file. Cheap to copy; resolves against the built-in syntax set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Syntax {
    index: usize,
}

/// Tuning of a `HighlightCache`.
#[derive(Debug, Clone)]
pub struct HighlightConfig {
    /// A parser state is kept before every `checkpoint_every`-th line.
    pub checkpoint_every: usize,
    /// Longer lines are shown plain (regex engines are slow on minified megabyte lines); the parser
    /// state carries over them unchanged.
    pub max_line_bytes: usize,
    /// How many lines' spans are kept before the cache is trimmed to the neighbourhood of the lines last
    /// asked for (a quarter of this on each side).
    pub cached_lines: usize,
}

impl Default for HighlightConfig {
    fn default() -> Self {
        HighlightConfig { checkpoint_every: 32, max_line_bytes: 16 * 1024, cached_lines: 8192 }
    }
}

/// Highlighting of one file's text, computed lazily and cached.
///
/// The text is shared (`Arc<str>`), so a cache can be built on a background thread (`prepare`) and
/// then handed to the view. Reaching line N the first time parses from the nearest checkpoint before
/// it; if no checkpoint has been computed that far yet, from the furthest one (the first visit to the
/// end of a huge file pays for one pass, later jumps are instant).
pub struct HighlightCache {
    text: Arc<str>,
    /// Byte offset where each line starts; one entry per line.
    line_starts: Vec<usize>,
    syntax: Syntax,
    config: HighlightConfig,
    /// `checkpoints[k]` is the state before line `k * checkpoint_every`.
    checkpoints: Vec<(ParseState, ScopeStack)>,
    spans: HashMap<usize, Vec<Span>>,
    classes: HashMap<Scope, Option<HighlightClass>>,
}

impl std::fmt::Debug for HighlightCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HighlightCache")
            .field("lines", &self.line_starts.len())
            .field("syntax", &self.syntax.name())
            .field("checkpoints", &self.checkpoints.len())
            .field("cached_lines", &self.spans.len())
            .finish()
    }
}

/// The syntax for a file: by its language (`.h` decided by content), then syntect's own extension
/// table, then the first line (shebang or modeline); plain text otherwise.
pub fn syntax_for(path: &str, head: &[u8]) -> Syntax {
    let set = syntax_set();
    let by_lang = language_for_path(path, head).and_then(|lang| {
        let name = match lang {
            Language::C => "C",
            Language::Cpp => "C++",
            Language::Rust => "Rust",
            Language::Python => "Python",
            Language::Java => "Java",
            Language::Go => "Go",
            // syntect's bundled set has no TypeScript grammar; JavaScript's is the closest.
            Language::JavaScript | Language::TypeScript | Language::Tsx => "JavaScript",
            Language::CSharp => "C#",
        };
        set.find_syntax_by_name(name)
    });
    let name = path.rsplit('/').next().unwrap_or(path);
    let found = by_lang
        .or_else(|| {
            let ext = name.rsplit_once('.').map(|(_, e)| e)?;
            set.find_syntax_by_extension(ext)
                .or_else(|| set.find_syntax_by_extension(&ext.to_ascii_lowercase()))
        })
        .or_else(|| set.find_syntax_by_extension(name))
        .or_else(|| {
            let end = head.iter().position(|&b| b == b'\n').unwrap_or(head.len()).min(1024);
            let first = std::str::from_utf8(head.get(..end)?).ok()?;
            set.find_syntax_by_first_line(first)
        });
    match found {
        Some(s) => Syntax::of(s),
        None => Syntax::plain(),
    }
}

/// Highlights one line on its own, from the grammar's initial state (for search result snippets,
/// where the surrounding lines are not at hand).
pub fn highlight_snippet(line: &str, syntax: Syntax) -> Vec<Span> {
    let mut cache = HighlightCache::new(line, syntax);
    cache.line_spans(0).to_vec()
}

impl Syntax {
    /// Plain text: one `Plain` span per line.
    pub fn plain() -> Syntax {
        Syntax::of(syntax_set().find_syntax_plain_text())
    }

    /// The grammar's display name ("C++", "Rust", "Plain Text").
    pub fn name(self) -> &'static str {
        self.reference().map(|s| s.name.as_str()).unwrap_or("Plain Text")
    }

    fn of(s: &SyntaxReference) -> Syntax {
        let set = syntax_set();
        let index = set.syntaxes().iter().position(|x| std::ptr::eq(x, s)).unwrap_or(0);
        Syntax { index }
    }

    fn reference(self) -> Option<&'static SyntaxReference> {
        syntax_set().syntaxes().get(self.index)
    }
}

impl Theme {
    /// A light theme (dark text on white, GitHub-like colours).
    pub fn light() -> Theme {
        let s = |c: u32| Style { color: Rgb::hex(c), bold: false, italic: false };
        let mut styles = [s(0x1f2328); HighlightClass::COUNT];
        let set = |styles: &mut [Style; HighlightClass::COUNT], class: HighlightClass, st: Style| {
            if let Some(slot) = styles.get_mut(class.index()) {
                *slot = st;
            }
        };
        set(&mut styles, HighlightClass::Comment, Style { italic: true, ..s(0x6e7781) });
        set(&mut styles, HighlightClass::String, s(0x0a3069));
        set(&mut styles, HighlightClass::Escape, s(0x0550ae));
        set(&mut styles, HighlightClass::Number, s(0x0550ae));
        set(&mut styles, HighlightClass::Constant, s(0x0550ae));
        set(&mut styles, HighlightClass::Keyword, Style { bold: true, ..s(0xcf222e) });
        set(&mut styles, HighlightClass::Operator, s(0xcf222e));
        set(&mut styles, HighlightClass::Type, s(0x953800));
        set(&mut styles, HighlightClass::Function, s(0x8250df));
        set(&mut styles, HighlightClass::Directive, s(0xcf222e));
        set(&mut styles, HighlightClass::Macro, Style { bold: true, ..s(0x0550ae) });
        set(&mut styles, HighlightClass::Variable, s(0x953800));
        set(&mut styles, HighlightClass::Tag, s(0x116329));
        set(&mut styles, HighlightClass::Attribute, s(0x0550ae));
        set(&mut styles, HighlightClass::Punctuation, s(0x1f2328));
        set(&mut styles, HighlightClass::Invalid, Style { bold: true, ..s(0x82071e) });
        Theme { name: "light", background: Rgb::hex(0xffffff), foreground: Rgb::hex(0x1f2328), styles }
    }

    /// A dark theme (light text on near-black, One Dark-like colours).
    pub fn dark() -> Theme {
        let s = |c: u32| Style { color: Rgb::hex(c), bold: false, italic: false };
        let mut styles = [s(0xabb2bf); HighlightClass::COUNT];
        let set = |styles: &mut [Style; HighlightClass::COUNT], class: HighlightClass, st: Style| {
            if let Some(slot) = styles.get_mut(class.index()) {
                *slot = st;
            }
        };
        set(&mut styles, HighlightClass::Comment, Style { italic: true, ..s(0x7f848e) });
        set(&mut styles, HighlightClass::String, s(0x98c379));
        set(&mut styles, HighlightClass::Escape, s(0x56b6c2));
        set(&mut styles, HighlightClass::Number, s(0xd19a66));
        set(&mut styles, HighlightClass::Constant, s(0xd19a66));
        set(&mut styles, HighlightClass::Keyword, s(0xc678dd));
        set(&mut styles, HighlightClass::Operator, s(0x56b6c2));
        set(&mut styles, HighlightClass::Type, s(0xe5c07b));
        set(&mut styles, HighlightClass::Function, s(0x61afef));
        set(&mut styles, HighlightClass::Directive, s(0xc678dd));
        set(&mut styles, HighlightClass::Macro, Style { bold: true, ..s(0xe06c75) });
        set(&mut styles, HighlightClass::Variable, s(0xe06c75));
        set(&mut styles, HighlightClass::Tag, s(0xe06c75));
        set(&mut styles, HighlightClass::Attribute, s(0xd19a66));
        set(&mut styles, HighlightClass::Punctuation, s(0xabb2bf));
        set(&mut styles, HighlightClass::Invalid, Style { bold: true, ..s(0xff5555) });
        Theme { name: "dark", background: Rgb::hex(0x1e2127), foreground: Rgb::hex(0xabb2bf), styles }
    }

    /// How `class` is drawn in this theme.
    pub fn style(&self, class: HighlightClass) -> Style {
        self.styles.get(class.index()).copied().unwrap_or(Style {
            color: self.foreground,
            bold: false,
            italic: false,
        })
    }
}

impl HighlightCache {
    /// A cache over `text` with the default configuration. Nothing is highlighted yet.
    pub fn new(text: impl Into<Arc<str>>, syntax: Syntax) -> HighlightCache {
        HighlightCache::with_config(text, syntax, HighlightConfig::default())
    }

    /// A cache over `text` with the given checkpoint spacing, line-length limit and cache size.
    /// Nothing is highlighted yet.
    pub fn with_config(text: impl Into<Arc<str>>, syntax: Syntax, config: HighlightConfig) -> HighlightCache {
        let text: Arc<str> = text.into();
        let mut line_starts = vec![0];
        line_starts.extend(memchr_newlines(text.as_bytes()));
        // A final newline ends the last line rather than starting an empty one.
        if line_starts.len() > 1 && line_starts.last() == Some(&text.len()) {
            line_starts.pop();
        }
        let config = HighlightConfig { checkpoint_every: config.checkpoint_every.max(1), ..config };
        let mut cache = HighlightCache {
            text,
            line_starts,
            syntax,
            config,
            checkpoints: Vec::new(),
            spans: HashMap::new(),
            classes: HashMap::new(),
        };
        if let Some(reference) = syntax.reference() {
            cache.checkpoints.push((ParseState::new(reference), ScopeStack::new()));
        }
        cache
    }

    /// The syntax in use.
    pub fn syntax(&self) -> Syntax {
        self.syntax
    }

    /// Number of lines (an empty text has one empty line).
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// The text of a 0-based line, without its line ending; empty past the end.
    pub fn line_text(&self, line: usize) -> &str {
        let range = self.line_range(line);
        self.text.get(range).unwrap_or_default()
    }

    /// The spans of a 0-based line (empty past the end). Highlights the line's block if needed; to
    /// show many rows, call `highlight_range` first so the block is parsed once.
    pub fn line_spans(&mut self, line: usize) -> &[Span] {
        if line >= self.line_count() {
            return &[];
        }
        if !self.spans.contains_key(&line) {
            self.highlight_range(line..line + 1);
        }
        self.spans.get(&line).map(Vec::as_slice).unwrap_or_default()
    }

    /// The spans of a line if they are already computed (never parses; for drawing from a shared
    /// reference).
    pub fn cached_line_spans(&self, line: usize) -> Option<&[Span]> {
        self.spans.get(&line).map(Vec::as_slice)
    }

    /// Makes sure every line in `lines` has spans. Parses from the nearest checkpoint before the
    /// range, creating checkpoints along the way.
    pub fn highlight_range(&mut self, lines: Range<usize>) {
        let end = lines.end.min(self.line_count());
        if lines.start >= end || (lines.start..end).all(|l| self.spans.contains_key(&l)) {
            return;
        }
        if self.spans.len() + (end - lines.start) > self.config.cached_lines {
            // Keep the neighbourhood of the lines asked for (pages highlighted ahead of the reader).
            let keep = self.config.cached_lines / 4;
            let around = lines.start.saturating_sub(keep)..end + keep;
            self.spans.retain(|l, _| around.contains(l));
        }
        let every = self.config.checkpoint_every;
        let wanted_block = lines.start / every;
        let block = wanted_block.min(self.checkpoints.len().saturating_sub(1));
        let Some((state, stack)) = self.checkpoints.get(block).cloned() else {
            // Plain text, or no grammar: every line is one plain span.
            for l in lines.start..end {
                let len = self.line_range(l).len();
                self.spans.insert(l, plain_line(len));
            }
            return;
        };
        let (mut state, mut stack) = (state, stack);
        let start_line = block * every;
        for l in start_line..end {
            if l.is_multiple_of(every) && l / every == self.checkpoints.len() {
                self.checkpoints.push((state.clone(), stack.clone()));
            }
            let spans = self.parse_line(l, &mut state, &mut stack);
            // Lines of the wanted block are kept (neighbours are likely next); lines crossed on the
            // way from a far checkpoint are not, or a first jump to the end would cache the file.
            if l >= wanted_block * every {
                self.spans.insert(l, spans);
            }
        }
        if end.is_multiple_of(every) && end / every == self.checkpoints.len() && end < self.line_count() {
            self.checkpoints.push((state, stack));
        }
    }

    /// Extends the checkpoints by parsing at most `max_lines` lines past the furthest one (spans are
    /// not kept). Returns true when the whole file has checkpoints. Meant for a background thread or a
    /// per-frame budget, so a later jump anywhere is instant.
    pub fn prepare(&mut self, max_lines: usize) -> bool {
        let every = self.config.checkpoint_every;
        let mut budget = max_lines;
        while budget > 0 {
            let Some((state, stack)) = self.checkpoints.last().cloned() else { return true };
            let start = (self.checkpoints.len() - 1) * every;
            let stop = start + every;
            if stop >= self.line_count() {
                return true;
            }
            let (mut state, mut stack) = (state, stack);
            for l in start..stop {
                let _ = self.parse_line(l, &mut state, &mut stack);
            }
            self.checkpoints.push((state, stack));
            budget = budget.saturating_sub(every);
        }
        self.is_prepared()
    }

    /// Whether checkpoints cover the whole file.
    pub fn is_prepared(&self) -> bool {
        self.checkpoints.is_empty()
            || self.checkpoints.len() * self.config.checkpoint_every >= self.line_count()
    }

    /// Lines covered by checkpoints so far (a progress figure for `prepare`).
    pub fn prepared_lines(&self) -> usize {
        (self.checkpoints.len() * self.config.checkpoint_every).min(self.line_count())
    }

    fn line_range(&self, line: usize) -> Range<usize> {
        let Some(&start) = self.line_starts.get(line) else { return 0..0 };
        let mut end = self.line_starts.get(line + 1).map(|&e| e - 1).unwrap_or(self.text.len());
        let bytes = self.text.as_bytes();
        if end > start && bytes.get(end - 1) == Some(&b'\r') {
            end -= 1;
        }
        start..end
    }

    /// Parses one line, advancing the state, and returns its spans.
    fn parse_line(&mut self, line: usize, state: &mut ParseState, stack: &mut ScopeStack) -> Vec<Span> {
        let range = self.line_range(line);
        let len = range.len();
        if len > self.config.max_line_bytes {
            return plain_line(len);
        }
        // The grammars are the "newlines" variant: they expect each line to end with '\n'.
        let text = Arc::clone(&self.text);
        let Some(content) = text.get(range) else { return plain_line(len) };
        let mut owned = String::with_capacity(len + 1);
        owned.push_str(content);
        owned.push('\n');
        let ops = match state.parse_line(&owned, syntax_set()) {
            Ok(ops) => ops,
            Err(_) => {
                // A grammar error is not worth losing the file over: restart from the initial state.
                if let Some(reference) = self.syntax.reference() {
                    *state = ParseState::new(reference);
                    *stack = ScopeStack::new();
                }
                return plain_line(len);
            }
        };
        let mut spans: Vec<Span> = Vec::new();
        let mut pos = 0;
        let mut class = self.class_of(stack);
        for (at, op) in ops {
            let at = at.min(len);
            if at > pos {
                push_span(&mut spans, pos..at, class);
                pos = at;
            }
            if stack.apply(&op).is_err() {
                *stack = ScopeStack::new();
            }
            class = self.class_of(stack);
        }
        if pos < len {
            push_span(&mut spans, pos..len, class);
        }
        if spans.is_empty() {
            spans.push(Span { range: 0..0, class: HighlightClass::Plain });
        }
        spans
    }

    fn class_of(&mut self, stack: &ScopeStack) -> HighlightClass {
        for scope in stack.as_slice().iter().rev() {
            let class = *self.classes.entry(*scope).or_insert_with(|| classify_scope(&scope.build_string()));
            if let Some(c) = class {
                return c;
            }
        }
        HighlightClass::Plain
    }
}

/// The built-in syntect grammars, loaded once.
fn syntax_set() -> &'static SyntaxSet {
    static SET: OnceLock<SyntaxSet> = OnceLock::new();
    SET.get_or_init(SyntaxSet::load_defaults_newlines)
}

fn memchr_newlines(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    bytes.iter().enumerate().filter(|(_, b)| **b == b'\n').map(|(i, _)| i + 1)
}

fn plain_line(len: usize) -> Vec<Span> {
    vec![Span { range: 0..len, class: HighlightClass::Plain }]
}

fn push_span(spans: &mut Vec<Span>, range: Range<usize>, class: HighlightClass) {
    if let Some(last) = spans.last_mut()
        && last.class == class
        && last.range.end == range.start
    {
        last.range.end = range.end;
        return;
    }
    spans.push(Span { range, class });
}

/// Maps one TextMate scope name to a class; `None` lets an outer scope decide.
fn classify_scope(scope: &str) -> Option<HighlightClass> {
    use HighlightClass as H;
    // Ordered: the first matching prefix wins, so specific prefixes come before general ones.
    const RULES: &[(&str, HighlightClass)] = &[
        ("comment", H::Comment),
        ("punctuation.definition.comment", H::Comment),
        ("constant.character.escape", H::Escape),
        ("string", H::String),
        ("punctuation.definition.string", H::String),
        ("constant.numeric", H::Number),
        ("constant", H::Constant),
        ("support.constant", H::Constant),
        ("variable.language", H::Constant),
        ("variable.other.constant", H::Constant),
        ("entity.name.constant.preprocessor", H::Macro),
        ("entity.name.function.preprocessor", H::Macro),
        ("entity.name.macro", H::Macro),
        ("support.macro", H::Macro),
        ("entity.name.constant", H::Constant),
        ("keyword.control.import", H::Directive),
        ("keyword.control.directive", H::Directive),
        ("keyword.other.import", H::Directive),
        ("punctuation.definition.directive", H::Directive),
        ("meta.preprocessor.include", H::Directive),
        ("keyword.operator.word", H::Keyword),
        ("keyword.operator.logical.python", H::Keyword),
        ("keyword.operator", H::Operator),
        ("keyword", H::Keyword),
        ("storage.type.function", H::Keyword),
        ("storage.type.class", H::Keyword),
        ("storage.type.struct", H::Keyword),
        ("storage.type.enum", H::Keyword),
        ("storage.type.union", H::Keyword),
        ("storage.type.trait", H::Keyword),
        ("storage.type.impl", H::Keyword),
        ("storage.type.namespace", H::Keyword),
        ("storage.type.module", H::Keyword),
        ("storage.type", H::Type),
        ("storage", H::Keyword),
        ("entity.name.function", H::Function),
        ("support.function", H::Function),
        ("variable.function", H::Function),
        ("entity.name.tag", H::Tag),
        ("entity.other.attribute-name", H::Attribute),
        ("meta.annotation", H::Attribute),
        ("variable.annotation", H::Attribute),
        ("entity.name", H::Type),
        ("entity.other.inherited-class", H::Type),
        ("support.type", H::Type),
        ("support.class", H::Type),
        ("variable.parameter", H::Variable),
        ("invalid", H::Invalid),
        ("punctuation", H::Punctuation),
    ];
    RULES
        .iter()
        .find(|(prefix, _)| scope == *prefix || scope.starts_with(&format!("{prefix}.")))
        .map(|(_, c)| *c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classes_of(spans: &[Span], line: &str) -> Vec<(String, &'static str)> {
        spans
            .iter()
            .filter(|s| {
                s.class != HighlightClass::Plain && !line.get(s.range.clone()).unwrap_or("").trim().is_empty()
            })
            .map(|s| (line.get(s.range.clone()).unwrap_or("?").to_string(), s.class.as_str()))
            .collect()
    }

    #[test]
    fn spans_cover_each_line_without_gaps() {
        let text = "#include <stdio.h>\n/* a\n comment */ int main(void) {\r\n  return 0x10; // done\n}\n";
        let mut cache = HighlightCache::new(text, syntax_for("m.c", text.as_bytes()));
        assert_eq!(cache.syntax().name(), "C");
        assert_eq!(cache.line_count(), 5);
        for l in 0..cache.line_count() {
            let len = cache.line_text(l).len();
            let spans = cache.line_spans(l).to_vec();
            let mut pos = 0;
            for s in &spans {
                assert_eq!(s.range.start, pos, "line {l}: {spans:?}");
                pos = s.range.end;
            }
            assert_eq!(pos, len, "line {l}");
        }
        assert_eq!(cache.line_text(2), " comment */ int main(void) {");
    }

    #[test]
    fn c_tokens_get_the_expected_classes() {
        let text = "#define MAX 10\n/* block\n still comment */ static int f(const char *s) { return \"x\\n\"[0] + 42; }\n";
        let mut cache = HighlightCache::new(text, syntax_for("a.c", b""));
        let l0 = {
            let spans = cache.line_spans(0).to_vec();
            classes_of(&spans, cache.line_text(0))
        };
        assert!(l0.contains(&("MAX".into(), "macro")), "{l0:?}");
        let l2 = {
            let spans = cache.line_spans(2).to_vec();
            classes_of(&spans, cache.line_text(2))
        };
        assert!(l2.contains(&(" still comment */".into(), "comment")), "{l2:?}");
        assert!(l2.iter().any(|(t, c)| t == "static" && *c == "keyword"), "{l2:?}");
        assert!(l2.iter().any(|(t, c)| t == "int" && *c == "type"), "{l2:?}");
        assert!(l2.iter().any(|(t, c)| t == "f" && *c == "function"), "{l2:?}");
        assert!(l2.iter().any(|(t, c)| t == "\\n" && *c == "escape"), "{l2:?}");
        assert!(l2.iter().any(|(t, c)| t == "42" && *c == "number"), "{l2:?}");
    }

    #[test]
    fn a_far_line_matches_a_highlight_from_the_top() {
        // A comment opened far above must still be seen when jumping straight to a late line.
        let mut text = String::new();
        for i in 0..1000 {
            text.push_str(&format!("int v{i} = {i};\n"));
        }
        text.push_str("/* opened\n");
        for _ in 0..700 {
            text.push_str("still inside the comment\n");
        }
        text.push_str("*/ int after = 1;\n");
        let syntax = syntax_for("big.c", b"");
        let config = HighlightConfig { checkpoint_every: 64, ..HighlightConfig::default() };
        let mut jump = HighlightCache::with_config(text.as_str(), syntax, config.clone());
        let target = 1000 + 500;
        let jumped = jump.line_spans(target).to_vec();
        assert_eq!(jumped, vec![Span { range: 0..24, class: HighlightClass::Comment }]);
        // Everything up to the target now has checkpoints; a second jump back reuses them.
        assert!(jump.prepared_lines() >= 1472);
        let early = jump.line_spans(10).to_vec();
        let mut linear = HighlightCache::with_config(text.as_str(), syntax, config);
        linear.highlight_range(0..1702);
        assert_eq!(linear.line_spans(10), early.as_slice());
        assert_eq!(linear.line_spans(target), jumped.as_slice());
        assert_eq!(linear.line_spans(1701), jump.line_spans(1701));
        let last = {
            let spans = jump.line_spans(1701).to_vec();
            classes_of(&spans, jump.line_text(1701))
        };
        assert!(last.iter().any(|(t, c)| t == "int" && *c == "type"), "{last:?}");
    }

    #[test]
    fn prepare_covers_the_file_in_steps() {
        let text = "x = 1\n".repeat(1000);
        let config = HighlightConfig { checkpoint_every: 100, ..HighlightConfig::default() };
        let mut cache = HighlightCache::with_config(text, syntax_for("a.py", b""), config);
        assert!(!cache.prepare(300));
        assert_eq!(cache.prepared_lines(), 400);
        assert!(cache.prepare(10_000));
        assert!(cache.is_prepared());
    }

    #[test]
    fn long_lines_are_plain_and_do_not_break_state() {
        let long = "a".repeat(40_000);
        let text = format!("int x;\n{long}\nint y;\n");
        let mut cache = HighlightCache::new(text, syntax_for("a.c", b""));
        assert_eq!(cache.line_spans(1), &[Span { range: 0..40_000, class: HighlightClass::Plain }]);
        let l2 = {
            let spans = cache.line_spans(2).to_vec();
            classes_of(&spans, cache.line_text(2))
        };
        assert!(l2.iter().any(|(t, c)| t == "int" && *c == "type"), "{l2:?}");
    }

    #[test]
    fn syntax_choice() {
        assert_eq!(syntax_for("a/b.rs", b"").name(), "Rust");
        assert_eq!(syntax_for("x.h", b"namespace a {}\n").name(), "C++");
        assert_eq!(syntax_for("x.h", b"struct a;\n").name(), "C");
        assert_eq!(syntax_for("tool", b"#!/usr/bin/env python3\n").name(), "Python");
        assert_eq!(syntax_for("Makefile", b"all:\n").name(), "Makefile");
        assert_eq!(syntax_for("notes.unknownext", b"hello").name(), "Plain Text");
        let mut plain = HighlightCache::new("hello\nworld", Syntax::plain());
        assert_eq!(plain.line_spans(1), &[Span { range: 0..5, class: HighlightClass::Plain }]);
        assert!(plain.line_spans(2).is_empty());
    }

    #[test]
    fn themes_differ_and_cover_every_class() {
        let (light, dark) = (Theme::light(), Theme::dark());
        assert_ne!(light.background, dark.background);
        for class in HighlightClass::ALL {
            assert_eq!(HighlightClass::ALL.get(class.index()), Some(&class));
            let _ = light.style(class);
        }
        assert_ne!(light.style(HighlightClass::Keyword), light.style(HighlightClass::Plain));
        assert!(dark.style(HighlightClass::Comment).italic);
    }

    #[test]
    fn snippet_highlights_a_single_line() {
        let spans = highlight_snippet("fn main() { let s = \"hi\"; }", syntax_for("m.rs", b""));
        assert!(spans.iter().any(|s| s.class == HighlightClass::String));
    }
}

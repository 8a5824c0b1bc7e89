//! The terms the index holds, made once per distinct word: a word of code text (split by [`split`]) is
//! lower-cased, dropped when longer than 40 bytes or an English stop word, and stemmed, and the result
//! is remembered, so the millions of repeated words of a tree (`struct`, `return`, `data`) are stemmed
//! once per thread rather than once per occurrence. Documents reach tantivy as these terms separated by
//! spaces and are only cut at the spaces there; queries go through the same [`Normalizer`].

use std::collections::HashMap;

use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, StopWordFilter, TextAnalyzer, Token,
    TokenStream, Tokenizer,
};

use crate::split;
use crate::wordtable::{self, Counts, Kind, Terms, WordTable};

/// Distinct words remembered before the cache starts over (a bound against a hostile file made of
/// millions of distinct words; a real tree's vocabulary stays far below it).
const CACHE_WORDS: usize = 1 << 18;
/// Bytes of cached terms kept before the cache starts over (with [`CACHED_WORD_BYTES`], what bounds the
/// cache's memory whatever the input).
const CACHE_TERM_BYTES: usize = 8 << 20;
/// Words up to this many bytes are keyed by their bytes and length packed into one integer: a lookup
/// compares two integers and follows no pointer (most words of code are this short).
const PACKED_BYTES: usize = 15;
/// Longer words up to this many bytes are cached by their bytes; longer ones (rare) are analyzed
/// every time, so that no single word can make the cache large.
const CACHED_WORD_BYTES: usize = 64;
/// Entries the per-file count of repeated words keeps allocated between files (a larger file's are
/// given back), so that one large file does not pin its table for the rest of the build.
const REPEATS_KEPT: usize = 1 << 16;

/// The largest table of one function's counts kept from one function to the next.
const CURRENT_KEPT: usize = 1 << 10;
/// Tokens of this many bytes or more are dropped by the analyzer ([`RemoveLongFilter`]).
const LONG_TOKEN_BYTES: usize = 40;

/// The analysis of one word: lower case, long words dropped, English stop words dropped, English stems.
pub(crate) fn word_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(LONG_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(StopWordFilter::new(Language::English).unwrap_or_else(|| StopWordFilter::remove(Vec::new())))
        .filter(Stemmer::new(Language::English))
        .build()
}

/// What tantivy runs over a document's text, already made of terms: cut at the spaces between terms,
/// nothing else (the terms hold only letters and digits, so this cuts where `SimpleTokenizer` would,
/// without decoding characters; a test checks it).
pub(crate) fn index_tokenizer() -> TextAnalyzer {
    TextAnalyzer::builder(SpaceTokenizer::default()).build()
}

/// Cuts text at ASCII spaces.
#[derive(Clone, Default)]
pub(crate) struct SpaceTokenizer {
    token: Token,
}

/// The tokens of one text cut by [`SpaceTokenizer`].
pub(crate) struct SpaceTokenStream<'a> {
    text: &'a str,
    at: usize,
    token: &'a mut Token,
}

impl Tokenizer for SpaceTokenizer {
    type TokenStream<'a> = SpaceTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> SpaceTokenStream<'a> {
        self.token.reset();
        SpaceTokenStream { text, at: 0, token: &mut self.token }
    }
}

impl TokenStream for SpaceTokenStream<'_> {
    fn advance(&mut self) -> bool {
        let bytes = self.text.as_bytes();
        while bytes.get(self.at) == Some(&b' ') {
            self.at += 1;
        }
        if self.at >= bytes.len() {
            return false;
        }
        let start = self.at;
        // Terms are a few bytes long: a plain loop finds their end sooner than `memchr`'s setup
        // (this cut was 8% of the build's instructions with it).
        let rest = bytes.get(start..).unwrap_or_default();
        let end = start + rest.iter().position(|&b| b == b' ').unwrap_or(rest.len());
        self.at = end;
        self.token.text.clear();
        // A space is one byte: both ends are character boundaries.
        self.token.text.push_str(self.text.get(start..end).unwrap_or_default());
        self.token.offset_from = start;
        self.token.offset_to = end;
        self.token.position = self.token.position.wrapping_add(1);
        true
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

/// Turns code text into index terms, remembering each distinct word's terms.
pub struct Normalizer {
    analyzer: TextAnalyzer,
    /// A short word (its bytes and length packed by [`pack`]) → its terms, or where they are in
    /// `terms`.
    short: WordTable,
    /// A longer word (up to [`CACHED_WORD_BYTES`]) → where its terms are in `terms`.
    long: HashMap<Box<[u8]>, (usize, usize), foldhash::fast::RandomState>,
    /// The terms of every cached word, back to back, each term followed by a space (a stop word has
    /// an empty range).
    terms: String,
    /// The generations of the current file and of the function document being read (its number in
    /// the file in `doc`), which stamp the counts of [`Normalizer::repeat`] in `short`'s slots.
    file_generation: u32,
    doc_generation: u32,
    doc: usize,
    /// The counts of the short words `short` does not hold (no place for them, or forgotten since):
    /// how often each was let through in the current file's document 0 (the text outside functions,
    /// which comes in pieces between them), and in the function document being read. A word's count
    /// is in its slot or here, never in both.
    repeats: HashMap<u128, u8, foldhash::fast::RandomState>,
    current: HashMap<u128, u8, foldhash::fast::RandomState>,
}

impl Default for Normalizer {
    fn default() -> Normalizer {
        Normalizer {
            analyzer: word_analyzer(),
            short: WordTable::new(CACHE_WORDS),
            long: HashMap::default(),
            terms: String::new(),
            file_generation: 1,
            doc_generation: 1,
            doc: 0,
            repeats: HashMap::default(),
            current: HashMap::default(),
        }
    }
}

impl std::fmt::Debug for Normalizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Normalizer").field("cached_words", &self.cached_words()).finish()
    }
}

/// A word of at most [`PACKED_BYTES`] bytes as one integer: its bytes, zero-padded, and its length in
/// the last byte (so that words differing only by trailing zero bytes differ).
///
/// The bytes are read with two overlapping loads (of 8 or 4 bytes, the second shifted past the
/// bytes the first holds) rather than copied into a padded buffer: a copy of a variable length is a
/// call to `memcpy`: the copy's line alone had 4% of the ranked build's samples (every word of code is
/// packed).
fn pack(word: &[u8]) -> u128 {
    let n = word.len().min(PACKED_BYTES);
    let w = word.get(..n).unwrap_or_default();
    let bytes = if n >= 8 {
        // `w[n - 8..n]` shifted right by `16 - n` bytes leaves `w[8..n]`.
        let high = le_u64(w, n - 8).checked_shr(8 * (16 - n) as u32).unwrap_or(0);
        u128::from(le_u64(w, 0)) | (u128::from(high) << 64)
    } else if n >= 4 {
        let high = le_u32(w, n - 4).checked_shr(8 * (8 - n) as u32).unwrap_or(0);
        u128::from(le_u32(w, 0)) | (u128::from(high) << 32)
    } else {
        w.iter().enumerate().fold(0u128, |key, (i, &b)| key | (u128::from(b) << (8 * i)))
    };
    bytes | ((n as u128) << 120)
}

/// The 8 bytes of `w` at `at`, little-endian (0 where `w` is shorter).
fn le_u64(w: &[u8], at: usize) -> u64 {
    w.get(at..at + 8).and_then(|b| b.try_into().ok()).map_or(0, u64::from_le_bytes)
}

/// The 4 bytes of `w` at `at`, little-endian (0 where `w` is shorter).
fn le_u32(w: &[u8], at: usize) -> u32 {
    w.get(at..at + 4).and_then(|b| b.try_into().ok()).map_or(0, u32::from_le_bytes)
}

impl Normalizer {
    /// Forgets the counts of [`Normalizer::repeat`]: a new file begins.
    pub fn start_file(&mut self) {
        for map in [&mut self.repeats, &mut self.current] {
            map.clear();
            if map.capacity() > REPEATS_KEPT {
                map.shrink_to(REPEATS_KEPT);
            }
        }
        self.file_generation = next_generation(self.file_generation, &mut self.short, Kind::File);
        self.doc = 0;
    }

    /// Counts one occurrence of `word` in document `doc` of the current file and says whether it is
    /// among the first `most` there. Words longer than 15 bytes (`PACKED_BYTES`; rare in code:
    /// identifiers are split into their parts) are not counted and always let through.
    ///
    /// Document 0 may come in pieces; every other document's words come together, as a file's text is
    /// read in order (a document other than 0 that comes back after another is counted anew). A
    /// word's counts live in its slot of the word table, stamped with the file's and the document's
    /// generation, so that counting costs no lookup beside the one that finds its terms (with a table
    /// of their own per function the Linux build spent 8% of its CPU here).
    pub fn repeat(&mut self, doc: usize, word: &[u8], most: u8) -> bool {
        if word.len() > PACKED_BYTES {
            return true;
        }
        let (kind, generation) = self.enter(doc);
        let key = pack(word);
        match self.short.find(key).and_then(|at| self.short.counts_at(at)) {
            Some(counts) => counts.count(kind, generation, most),
            None => self.count_uncached(kind, key, most),
        }
    }

    /// Appends the terms of `word`, a word of code in document `doc`, to `out` if [`Normalizer::repeat`]
    /// lets it through: both with one lookup.
    pub fn push_code_word<O: TermsOut + ?Sized>(&mut self, out: &mut O, doc: usize, word: &[u8], most: u8) {
        if word.len() > PACKED_BYTES {
            return self.push_word(out, word);
        }
        let (kind, generation) = self.enter(doc);
        let key = pack(word);
        if let Some(at) = self.short.find(key) {
            if self.short.counts_at(at).is_some_and(|c| c.count(kind, generation, most)) {
                push_terms_at(out, &self.short, &self.terms, at);
            }
            return;
        }
        if !self.count_uncached(kind, key, most) {
            return;
        }
        self.push_word(out, word);
    }

    /// Makes `doc` the document being read; returns which count it uses and that count's generation.
    fn enter(&mut self, doc: usize) -> (Kind, u32) {
        if doc == 0 {
            return (Kind::File, self.file_generation);
        }
        if self.doc != doc {
            self.doc = doc;
            self.doc_generation = next_generation(self.doc_generation, &mut self.short, Kind::Doc);
            // Clearing costs the table's capacity, not its length: one large function must not
            // slow down every small one after it.
            if self.current.capacity() > CURRENT_KEPT {
                self.current = HashMap::default();
            } else {
                self.current.clear();
            }
        }
        (Kind::Doc, self.doc_generation)
    }

    /// [`Counts::count`] for a word the table does not hold.
    fn count_uncached(&mut self, kind: Kind, key: u128, most: u8) -> bool {
        let map = match kind {
            Kind::File => &mut self.repeats,
            Kind::Doc => &mut self.current,
        };
        let seen = map.entry(key).or_insert(0);
        if *seen >= most {
            return false;
        }
        *seen += 1;
        true
    }

    /// The counts of the current file and document that `key` has outside the table, taken out of
    /// their maps (when the word is about to get a slot).
    fn take_uncached(&mut self, key: u128) -> Counts {
        let mut counts = Counts::default();
        if !self.repeats.is_empty()
            && let Some(n) = self.repeats.remove(&key)
        {
            counts.set(Kind::File, self.file_generation, n);
        }
        if !self.current.is_empty()
            && let Some(n) = self.current.remove(&key)
        {
            counts.set(Kind::Doc, self.doc_generation, n);
        }
        counts
    }

    /// Puts `key`'s counts of the current file and document back into the maps (its slot is gone).
    fn keep_uncached(
        repeats: &mut HashMap<u128, u8, foldhash::fast::RandomState>,
        current: &mut HashMap<u128, u8, foldhash::fast::RandomState>,
        generations: (u32, u32),
        key: u128,
        counts: Counts,
    ) {
        let file = counts.get(Kind::File, generations.0);
        if file > 0 {
            repeats.insert(key, file);
        }
        let doc = counts.get(Kind::Doc, generations.1);
        if doc > 0 {
            current.insert(key, doc);
        }
    }

    /// Appends the terms of every word of `text` to `out`, each followed by a space.
    pub fn push_terms<O: TermsOut + ?Sized>(&mut self, out: &mut O, text: &[u8]) {
        split::words(text, |s, e| {
            if let Some(word) = text.get(s..e) {
                self.push_word(out, word);
            }
        });
    }

    /// Appends the terms of one word (a run [`split::words`] found) to `out`.
    pub fn push_word<O: TermsOut + ?Sized>(&mut self, out: &mut O, word: &[u8]) {
        if word.is_empty() {
            return;
        }
        if word.len() <= PACKED_BYTES {
            let key = pack(word);
            match self.short.get(key) {
                Some(Terms::Here(terms)) => return out.push_cached(terms),
                Some(Terms::Elsewhere(start, end)) => {
                    return out.push_terms(self.terms.get(start..end).unwrap_or_default());
                }
                None => {}
            }
            self.make_room();
            let (start, end) = self.analyze_into_store(word);
            let terms = self.terms.get(start..end).unwrap_or_default();
            out.push_terms(terms);
            let counts = self.take_uncached(key);
            let generations = (self.file_generation, self.doc_generation);
            let (repeats, current) = (&mut self.repeats, &mut self.current);
            let terms = self.terms.get(start..end).unwrap_or_default();
            let cached = self.short.insert(key, terms, (start, end), counts, |k, c| {
                Self::keep_uncached(repeats, current, generations, k, c)
            });
            if !cached {
                Self::keep_uncached(&mut self.repeats, &mut self.current, generations, key, counts);
            }
            if !cached || end - start <= wordtable::INLINE {
                // Kept in the table (or not cached at all): the store need not hold them.
                self.terms.truncate(start);
            }
            return;
        }
        if word.len() >= LONG_TOKEN_BYTES && word.iter().all(u8::is_ascii_alphanumeric) {
            // One token, lower-cased to as many bytes: the analyzer drops it.
            return;
        }
        if word.len() > CACHED_WORD_BYTES {
            analyze(&mut self.analyzer, word, out);
            return;
        }
        if let Some(&(start, end)) = self.long.get(word) {
            out.push_terms(self.terms.get(start..end).unwrap_or_default());
            return;
        }
        self.make_room();
        let (start, end) = self.analyze_into_store(word);
        out.push_terms(self.terms.get(start..end).unwrap_or_default());
        self.long.insert(word.into(), (start, end));
    }

    /// Starts the cache over when it holds its most words or term bytes.
    fn make_room(&mut self) {
        if self.cached_words() >= CACHE_WORDS || self.terms.len() >= CACHE_TERM_BYTES {
            let generations = (self.file_generation, self.doc_generation);
            let (repeats, current) = (&mut self.repeats, &mut self.current);
            self.short.clear(|k, c| Self::keep_uncached(repeats, current, generations, k, c));
            self.long.clear();
            self.terms.clear();
        }
    }

    /// Appends the terms of `word` to the store of terms and returns their range there.
    fn analyze_into_store(&mut self, word: &[u8]) -> (usize, usize) {
        let start = self.terms.len();
        analyze(&mut self.analyzer, word, &mut self.terms);
        (start, self.terms.len())
    }

    fn cached_words(&self) -> usize {
        self.short.len() + self.long.len()
    }

    /// The terms of `text`, unique, in the order written.
    pub fn terms(&mut self, text: &str) -> Vec<String> {
        let mut all = String::new();
        self.push_terms(&mut all, text.as_bytes());
        let mut out: Vec<String> = Vec::new();
        for t in all.split(' ').filter(|t| !t.is_empty()) {
            if !out.iter().any(|o| o == t) {
                out.push(t.to_owned());
            }
        }
        out
    }
}

/// The generation after `generation` for `kind`'s counts; when the numbers run out, every slot's
/// count of that kind is cleared and they start over.
fn next_generation(generation: u32, table: &mut WordTable, kind: Kind) -> u32 {
    if generation == u32::MAX {
        table.reset(kind);
        return 1;
    }
    generation + 1
}

/// Appends the terms of the word cached at `at` of `table` (or in `store`) to `out`.
fn push_terms_at<O: TermsOut + ?Sized>(out: &mut O, table: &WordTable, store: &str, at: usize) {
    match table.terms_at(at) {
        Terms::Here(terms) => out.push_cached(terms),
        Terms::Elsewhere(start, end) => out.push_terms(store.get(start..end).unwrap_or_default()),
    }
}

/// Appends the terms `analyzer` makes of `word` (lower-cased first) to `out`, each followed by a space.
fn analyze<O: TermsOut + ?Sized>(analyzer: &mut TextAnalyzer, word: &[u8], out: &mut O) {
    let lower = String::from_utf8_lossy(word).to_lowercase();
    let mut stream = analyzer.token_stream(&lower);
    while stream.advance() {
        out.push_terms(&stream.token().text);
        out.push_terms(" ");
    }
}

/// Where a [`Normalizer`] appends terms: a `String`, or the bytes of a document being extracted
/// (`Vec<u8>`), which takes the terms cached in the word table as they are, without the UTF-8 check
/// that making them a `str` again costs (4% of the build's instructions); the build checks each
/// file's text once, whole, when it packs the file's documents.
pub trait TermsOut {
    /// Appends `terms`.
    fn push_terms(&mut self, terms: &str);
    /// Appends terms the word table holds as bytes (copied whole from a `str`, so UTF-8).
    fn push_cached(&mut self, terms: &[u8]);
}

impl TermsOut for String {
    fn push_terms(&mut self, terms: &str) {
        self.push_str(terms);
    }

    fn push_cached(&mut self, terms: &[u8]) {
        self.push_str(std::str::from_utf8(terms).unwrap_or_default());
    }
}

impl TermsOut for Vec<u8> {
    fn push_terms(&mut self, terms: &str) {
        self.extend_from_slice(terms.as_bytes());
    }

    fn push_cached(&mut self, terms: &[u8]) {
        self.extend_from_slice(terms);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The terms the analyzer makes of the whole text at once, as the index made them before the
    /// cache: the cache must change nothing.
    fn analyzed_whole(text: &str) -> String {
        let mut words = String::new();
        split::append_words(&mut words, text.as_bytes());
        let mut a = word_analyzer();
        let mut stream = a.token_stream(&words);
        let mut out = String::new();
        while stream.advance() {
            out.push_str(&stream.token().text);
            out.push(' ');
        }
        out
    }

    /// Words of every length class the cache treats apart: packed (≤ 15 bytes; `ȺȺȺȺȺȺȺ` is 14 bytes
    /// whose terms take 22, kept outside the table's slot), cached by bytes (16–64), ASCII of 40 bytes
    /// or more (dropped without the analyzer), non-ASCII over 64 bytes (analyzed every time, with the
    /// punctuation inside cut as the analyzer cuts it).
    const TEXT: &str = "uploadTelemetryData sends the DATA; données—«Привет» happiness ipv6_addr \
                        aVeryLongIdentifierPartThatGoesOnAndOnAndOnAndOnForeverAndEver x \u{212A}elvin \
                        internationalization internationalizations abcdefghijklmno abcdefghijklmnop \
                        zyxwvutsrqponmlkjihgfedcbazyxwvutsrqponm zyxwvutsrqponmlkjihgfedcbazyxwvutsrqponml \
                        0123456789012345678901234567890123456789012 \
                        ПриветПриветПривет«ДанныеДанные»ОтправкаОтправкаОтправкаТелеметрииТелеметрии \
                        İstanbul ǅemal ﬃcient ȺȺȺȺȺȺȺ Ⱥ«ȺȺȺȺȺ ȺȺȺȺȺȺȺ";

    #[test]
    fn cached_terms_are_the_analyzers_terms() {
        let text = TEXT;
        let mut n = Normalizer::default();
        for _ in 0..2 {
            let mut out = String::new();
            n.push_terms(&mut out, text.as_bytes());
            assert_eq!(out, analyzed_whole(text));
        }
        assert_eq!(n.terms("Sending the data, sent DATA"), ["send", "data", "sent"]);
    }

    #[test]
    fn the_cache_is_bounded() {
        let mut n = Normalizer::default();
        let mut out = String::new();
        for i in 0..CACHE_WORDS + 10 {
            out.clear();
            n.push_word(&mut out, format!("w{}x", i).as_bytes());
        }
        assert!(n.cached_words() <= CACHE_WORDS);
        assert_eq!(out, format!("w{}x ", CACHE_WORDS + 9));
        // Long words fill the terms' bytes before the count: that bound holds too.
        for i in 0..CACHE_TERM_BYTES / 39 + 10 {
            out.clear();
            n.push_word(&mut out, format!("{i:012}«{i:012}»{i:012}").as_bytes());
            assert_eq!(out, format!("{i:012} {i:012} {i:012} "));
        }
        assert!(n.terms.len() < CACHE_TERM_BYTES + CACHED_WORD_BYTES * 4, "{}", n.terms.len());
        assert!(n.cached_words() <= CACHE_WORDS);
    }

    #[test]
    fn repeats_are_counted_per_document_and_file() {
        let mut n = Normalizer::default();
        let long = b"averyveryverylongword";
        let through =
            |n: &mut Normalizer, doc, word: &[u8]| (0..5).filter(|_| n.repeat(doc, word, 2)).count();
        assert_eq!(through(&mut n, 0, b"data"), 2);
        assert_eq!(through(&mut n, 1, b"data"), 2, "another document");
        assert_eq!(through(&mut n, 1, b"data"), 0, "the same document");
        assert_eq!(through(&mut n, 0, b"data"), 0, "document 0, between two functions");
        assert_eq!(through(&mut n, 2, b"data"), 2, "the next function");
        assert_eq!(through(&mut n, 0, b"Data"), 2, "another word");
        assert_eq!(through(&mut n, 0, long), 5, "long words are not counted");
        n.start_file();
        assert_eq!(through(&mut n, 0, b"data"), 2, "a new file");
        // A large file's table is given back when the next begins.
        for i in 0..REPEATS_KEPT * 2 {
            n.repeat(0, format!("w{i}").as_bytes(), 2);
        }
        n.start_file();
        assert!(n.repeats.capacity() <= REPEATS_KEPT * 2, "{}", n.repeats.capacity());
        // A large function's table is given back when the next function begins.
        for i in 0..CURRENT_KEPT * 4 {
            n.repeat(1, format!("w{i}").as_bytes(), 2);
        }
        assert!(n.current.capacity() > CURRENT_KEPT);
        assert_eq!(through(&mut n, 2, b"w1"), 2, "counted anew in the next function");
        assert!(n.current.capacity() <= CURRENT_KEPT, "{}", n.current.capacity());
    }

    /// The repeat counts live in the word table's slots: a word that loses its slot (the table
    /// starting over, mid-file, after [`CACHE_WORDS`] words) keeps its counts. Checked against a plain
    /// count per (document, word), the way the index counted before the counts moved into the table.
    #[test]
    fn counts_survive_the_table_starting_over_mid_file() {
        let mut n = Normalizer::default();
        let mut plain = Normalizer::default();
        let (mut file, mut function): (HashMap<Vec<u8>, u8>, HashMap<Vec<u8>, u8>) = Default::default();
        let (mut got, mut want) = (String::new(), String::new());
        let mut doc_now = 0;
        n.start_file();
        // Documents 0 and 1..: document 0 comes back between functions; words recur across the whole
        // file while new words push the table past its bound several times.
        for i in 0..CACHE_WORDS * 3 {
            let doc = if i % 1000 < 300 { 0 } else { 1 + i / 1000 };
            let word = if i % 5 == 0 { format!("w{}", i % 97) } else { format!("u{i}") };
            if doc != 0 && doc != doc_now {
                doc_now = doc;
                function.clear();
            }
            let count = if doc == 0 { &mut file } else { &mut function };
            let seen = count.entry(word.clone().into_bytes()).or_insert(0);
            if *seen < 2 {
                *seen += 1;
                plain.push_word(&mut want, word.as_bytes());
            }
            n.push_code_word(&mut got, doc, word.as_bytes(), 2);
        }
        assert!(n.cached_words() < CACHE_WORDS, "the table started over");
        assert_eq!(got.len(), want.len());
        assert!(got == want, "the words let through differ");
        // `repeat` shares the counts with `push_code_word`.
        assert!(!n.repeat(0, b"w0", 2), "w0 was let through twice in document 0 already");
        n.start_file();
        assert!(n.repeat(0, b"w0", 2) && n.repeat(0, b"w0", 2) && !n.repeat(0, b"w0", 2));
    }

    #[test]
    fn packing_by_overlapping_loads_equals_copying_into_a_padded_buffer() {
        let by_copy = |word: &[u8]| {
            let mut key = [0u8; 16];
            let n = word.len().min(PACKED_BYTES);
            key[..n].copy_from_slice(&word[..n]);
            key[15] = n as u8;
            u128::from_le_bytes(key)
        };
        // Every length up to past the packed ones, each with bytes of every value at every position
        // (0 and 0xff among them) and a slice that starts inside a longer buffer.
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (state >> 56) as u8
        };
        for len in 0..=PACKED_BYTES + 5 {
            for round in 0..600 {
                let buffer: Vec<u8> = (0..len + 9)
                    .map(|i| match round {
                        0 => 0,
                        1 => 0xff,
                        2 => i as u8,
                        _ => next(),
                    })
                    .collect();
                let word = &buffer[round % 9..round % 9 + len];
                assert_eq!(pack(word), by_copy(word), "{word:?}");
            }
        }
    }

    #[test]
    fn packed_words_differ_by_length() {
        assert_ne!(pack(b"ab"), pack(b"ab\0"));
        assert_ne!(pack(b""), pack(b"\0"));
        assert_ne!(pack(b"abcdefghijklmno"), pack(b"abcdefghijklmn"));
    }

    #[test]
    fn the_index_tokenizer_cuts_terms_where_the_simple_tokenizer_does() {
        let mut terms = String::new();
        Normalizer::default().push_terms(&mut terms, TEXT.as_bytes());
        assert!(terms.contains("uploadtelemetri") || terms.contains("telemetri"), "{terms}");
        let tokens = |mut a: TextAnalyzer| {
            let mut stream = a.token_stream(&terms);
            let mut out = Vec::new();
            while stream.advance() {
                out.push(stream.token().text.clone());
            }
            out
        };
        let simple = tokens(TextAnalyzer::builder(SimpleTokenizer::default()).build());
        assert_eq!(tokens(index_tokenizer()), simple);
        assert!(simple.len() > 20, "{simple:?}");
    }
}

//! The terms the index holds, made once per distinct word: a word of code text (split by [`split`]) is
//! lower-cased, dropped when longer than 40 bytes or an English stop word, and stemmed, and the result
//! is remembered, so the millions of repeated words of a tree (`struct`, `return`, `data`) are stemmed
//! once per thread rather than once per occurrence. Documents reach tantivy as these terms separated by
//! spaces and are only cut at the spaces there; queries go through the same [`Normalizer`].

use std::collections::HashMap;

use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, StopWordFilter, TextAnalyzer,
};

use crate::split;

/// Distinct words remembered before the cache starts over (a bound against a hostile file made of
/// millions of distinct words; a real tree's vocabulary stays far below it).
const CACHE_WORDS: usize = 1 << 18;

/// The analysis of one word: lower case, long words dropped, English stop words dropped, English stems.
pub(crate) fn word_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(StopWordFilter::new(Language::English).unwrap_or_else(|| StopWordFilter::remove(Vec::new())))
        .filter(Stemmer::new(Language::English))
        .build()
}

/// What tantivy runs over a document's text, already made of terms: cut at what is not a letter or
/// a digit (the spaces between terms), nothing else.
pub(crate) fn index_tokenizer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default()).build()
}

/// Turns code text into index terms, remembering each distinct word's terms.
pub struct Normalizer {
    analyzer: TextAnalyzer,
    /// A word as written → its terms, each followed by a space (empty for a stop word).
    cache: HashMap<Box<[u8]>, Box<str>>,
}

impl Default for Normalizer {
    fn default() -> Normalizer {
        Normalizer { analyzer: word_analyzer(), cache: HashMap::new() }
    }
}

impl std::fmt::Debug for Normalizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Normalizer").field("cached_words", &self.cache.len()).finish()
    }
}

impl Normalizer {
    /// Appends the terms of every word of `text` to `out`, each followed by a space.
    pub fn push_terms(&mut self, out: &mut String, text: &[u8]) {
        split::words(text, |s, e| {
            if let Some(word) = text.get(s..e) {
                self.push_word(out, word);
            }
        });
    }

    /// Appends the terms of one word (a run [`split::words`] found) to `out`.
    pub fn push_word(&mut self, out: &mut String, word: &[u8]) {
        if let Some(terms) = self.cache.get(word) {
            out.push_str(terms);
            return;
        }
        if self.cache.len() >= CACHE_WORDS {
            self.cache.clear();
        }
        let mut terms = String::new();
        let lower = String::from_utf8_lossy(word).to_lowercase();
        let mut stream = self.analyzer.token_stream(&lower);
        while stream.advance() {
            terms.push_str(&stream.token().text);
            terms.push(' ');
        }
        out.push_str(&terms);
        self.cache.insert(word.into(), terms.into_boxed_str());
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

    #[test]
    fn cached_terms_are_the_analyzers_terms() {
        let text = "uploadTelemetryData sends the DATA; données—«Привет» happiness ipv6_addr \
                    aVeryLongIdentifierPartThatGoesOnAndOnAndOnAndOnForeverAndEver x \u{212A}elvin";
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
        assert!(n.cache.len() <= CACHE_WORDS);
        assert_eq!(out, format!("w{}x ", CACHE_WORDS + 9));
    }
}

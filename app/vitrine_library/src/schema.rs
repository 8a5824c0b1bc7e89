//! The index's fields and the two stemming analyzers.

use tantivy::Index;
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, TextAnalyzer};

pub const TIME: &str = "time";
pub const SEVERITY_RANK: &str = "severity_rank";
const EN: &str = "vitrine_en";
const RU: &str = "vitrine_ru";

#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// `thread` or `entry`.
    pub doc: Field,
    pub entry: Field,
    pub thread: Field,
    pub snapshot: Field,
    pub label: Field,
    pub kind: Field,
    pub class: Field,
    pub severity: Field,
    pub severity_rank: Field,
    pub status: Field,
    pub category: Field,
    pub author: Field,
    pub role: Field,
    pub fingerprint: Field,
    pub path: Field,
    pub line: Field,
    pub time: Field,
    pub time_text: Field,
    /// The text as written (stored, not indexed).
    pub body: Field,
    pub body_en: Field,
    pub body_ru: Field,
}

const NAMES: [&str; 21] = [
    "doc",
    "entry",
    "thread",
    "snapshot",
    "label",
    "kind",
    "class",
    "severity",
    SEVERITY_RANK,
    "status",
    "category",
    "author",
    "role",
    "fingerprint",
    "path",
    "line",
    TIME,
    "time_text",
    "body",
    "body_en",
    "body_ru",
];

pub fn build() -> Result<(Schema, Fields), crate::LibraryError> {
    let mut b = Schema::builder();
    let keyword = STRING | STORED | FAST;
    let stemmed = |tokenizer: &str| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenizer)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
    };
    for name in NAMES {
        match name {
            SEVERITY_RANK => b.add_u64_field(name, FAST),
            "line" => b.add_u64_field(name, STORED),
            TIME => b.add_date_field(name, INDEXED | FAST),
            "time_text" | "body" => b.add_text_field(name, STORED),
            "body_en" => b.add_text_field(name, stemmed(EN)),
            "body_ru" => b.add_text_field(name, stemmed(RU)),
            _ => b.add_text_field(name, keyword.clone()),
        };
    }
    let schema = b.build();
    let fields = Fields::of(&schema)
        .ok_or_else(|| crate::LibraryError::Damaged("the library's own schema is incomplete".into()))?;
    Ok((schema, fields))
}

impl Fields {
    /// The fields of `schema`, or `None` when it is not this library's schema.
    pub fn of(schema: &Schema) -> Option<Fields> {
        let f = |n: &str| schema.get_field(n).ok();
        if schema.fields().count() != NAMES.len() {
            return None;
        }
        Some(Fields {
            doc: f("doc")?,
            entry: f("entry")?,
            thread: f("thread")?,
            snapshot: f("snapshot")?,
            label: f("label")?,
            kind: f("kind")?,
            class: f("class")?,
            severity: f("severity")?,
            severity_rank: f(SEVERITY_RANK)?,
            status: f("status")?,
            category: f("category")?,
            author: f("author")?,
            role: f("role")?,
            fingerprint: f("fingerprint")?,
            path: f("path")?,
            line: f("line")?,
            time: f(TIME)?,
            time_text: f("time_text")?,
            body: f("body")?,
            body_en: f("body_en")?,
            body_ru: f("body_ru")?,
        })
    }
}

fn analyzer(language: Language) -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(64))
        .filter(LowerCaser)
        .filter(Stemmer::new(language))
        .build()
}

/// Tokenizers live in the process, not in the index: registered on every open.
pub fn register_tokenizers(index: &Index) {
    index.tokenizers().register(EN, analyzer(Language::English));
    index.tokenizers().register(RU, analyzer(Language::Russian));
}

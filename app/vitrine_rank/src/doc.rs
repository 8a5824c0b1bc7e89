//! The document type the build hands to tantivy: the extracted text moved in as it is, the path's
//! terms shared by every document of a file. tantivy indexes any [`Document`] in place, so nothing is
//! copied into a [`tantivy::TantivyDocument`] (which copied each field's text, the path's terms once
//! per function document, and allocated a value list per document).

use std::sync::Arc;

use tantivy::schema::Field;
use tantivy::schema::document::{Document, ReferenceValue, ReferenceValueLeaf, Value};

use crate::Fields;
use crate::extract::DocText;

/// One document of the ranked index: what [`crate::extract::extract`] made of one function (or the
/// rest of a file), with the file's index in the snapshot and the path's terms.
#[derive(Debug)]
pub(crate) struct RankDoc {
    fields: Fields,
    file: u64,
    text: DocText,
    path_words: Arc<str>,
}

impl RankDoc {
    pub(crate) fn new(fields: Fields, file: u64, text: DocText, path_words: Arc<str>) -> RankDoc {
        RankDoc { fields, file, text, path_words }
    }
}

/// One value of a [`RankDoc`]: a stored number or a text.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Leaf<'a> {
    U64(u64),
    Str(&'a str),
}

impl<'a> Value<'a> for Leaf<'a> {
    type ArrayIter = std::iter::Empty<Leaf<'a>>;
    type ObjectIter = std::iter::Empty<(&'a str, Leaf<'a>)>;

    fn as_value(&self) -> ReferenceValue<'a, Self> {
        ReferenceValue::Leaf(match *self {
            Leaf::U64(n) => ReferenceValueLeaf::U64(n),
            Leaf::Str(s) => ReferenceValueLeaf::Str(s),
        })
    }
}

/// A [`RankDoc`]'s fields, in the order a `TantivyDocument` of the same document listed them.
type Values<'a> = std::iter::Flatten<std::array::IntoIter<Option<(Field, Leaf<'a>)>, 8>>;

impl Document for RankDoc {
    type Value<'a> = Leaf<'a>;
    type FieldsValuesIter<'a> = Values<'a>;

    fn iter_fields_and_values(&self) -> Values<'_> {
        let (f, t) = (&self.fields, &self.text);
        [
            Some((f.file, Leaf::U64(self.file))),
            t.function.as_deref().map(|name| (f.function, Leaf::Str(name))),
            Some((f.start, Leaf::U64(t.start_line))),
            Some((f.end, Leaf::U64(t.end_line))),
            Some((f.comments, Leaf::Str(&t.comments))),
            Some((f.strings, Leaf::Str(&t.strings))),
            Some((f.identifiers, Leaf::Str(&t.identifiers))),
            Some((f.path_words, Leaf::Str(&self.path_words))),
        ]
        .into_iter()
        .flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::collector::TopDocs;
    use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
    use tantivy::schema::IndexRecordOption;
    use tantivy::{Index, IndexWriter, TantivyDocument, Term};

    use crate::terms::Normalizer;

    /// Everything an index of `docs` answers: per document (in order of its file, start line) the
    /// stored fields and the score of every term of every text field, and per field the tokens.
    fn index_of(docs: &[(u64, DocText, String)], rank_doc: bool) -> Vec<String> {
        let (schema, fields) = Fields::schema();
        let index = Index::create_in_ram(schema);
        index.tokenizers().register(crate::ANALYZER, crate::terms::index_tokenizer());
        if rank_doc {
            let mut writer: IndexWriter<RankDoc> = index.writer_with_num_threads(1, 15 << 20).unwrap();
            for (file, text, path) in docs {
                writer
                    .add_document(RankDoc::new(fields, *file, text.clone(), Arc::from(path.as_str())))
                    .unwrap();
            }
            writer.commit().unwrap();
        } else {
            // What the build handed tantivy before RankDoc.
            let mut writer: IndexWriter<TantivyDocument> =
                index.writer_with_num_threads(1, 15 << 20).unwrap();
            for (file, d, path) in docs {
                let mut doc = TantivyDocument::new();
                doc.add_u64(fields.file, *file);
                if let Some(name) = &d.function {
                    doc.add_text(fields.function, name);
                }
                doc.add_u64(fields.start, d.start_line);
                doc.add_u64(fields.end, d.end_line);
                doc.add_text(fields.comments, &d.comments);
                doc.add_text(fields.strings, &d.strings);
                doc.add_text(fields.identifiers, &d.identifiers);
                doc.add_text(fields.path_words, path);
                writer.add_document(doc).unwrap();
            }
            writer.commit().unwrap();
        }
        let searcher = index.reader().unwrap().searcher();
        let mut out = Vec::new();
        let mut words: Vec<&str> = docs
            .iter()
            .flat_map(|(_, d, p)| [&d.comments, &d.strings, &d.identifiers, p].map(|s| s.split(' ')))
            .flatten()
            .filter(|w| !w.is_empty())
            .collect();
        words.sort_unstable();
        words.dedup();
        for field in fields.text_fields() {
            for segment in searcher.segment_readers() {
                let inverted = segment.inverted_index(field).unwrap();
                out.push(format!("{field:?}: {} tokens", inverted.total_num_tokens()));
            }
            for word in &words {
                let query = TermQuery::new(Term::from_field_text(field, word), IndexRecordOption::WithFreqs);
                let top = searcher.search(&query, &TopDocs::with_limit(100).order_by_score()).unwrap();
                let mut hits: Vec<String> = top
                    .iter()
                    .map(|(score, address)| {
                        let doc: TantivyDocument = searcher.doc(*address).unwrap();
                        let u = |f: Field| doc.get_first(f).and_then(|v| v.as_u64());
                        let name = doc.get_first(fields.function).and_then(|v| v.as_str()).map(str::to_owned);
                        format!(
                            "{field:?} {word}: file {:?} {name:?} {:?}-{:?} {score}",
                            u(fields.file),
                            u(fields.start),
                            u(fields.end)
                        )
                    })
                    .collect();
                hits.sort();
                out.extend(hits);
            }
        }
        // A query over every field, as `RankIndex::search` makes it.
        let clauses: Vec<(Occur, Box<dyn Query>)> = words
            .iter()
            .flat_map(|w| fields.text_fields().map(|f| (f, *w)))
            .map(|(f, w)| {
                let q: Box<dyn Query> =
                    Box::new(TermQuery::new(Term::from_field_text(f, w), IndexRecordOption::WithFreqs));
                (Occur::Should, q)
            })
            .collect();
        let top =
            searcher.search(&BooleanQuery::new(clauses), &TopDocs::with_limit(100).order_by_score()).unwrap();
        out.push(format!("all words: {:?}", top.iter().map(|(s, _)| *s).collect::<Vec<_>>()));
        out
    }

    #[test]
    fn a_rank_doc_indexes_and_stores_what_a_tantivy_document_did() {
        let norm = &mut Normalizer::default();
        let src = "/* parse the header */\nint parse_header(char *buf)\n{\n\treturn check(buf, \"bad header\");\n}\n\
                   /* free it */\nvoid free_header(void *p) { kfree(p); kfree(p); kfree(p); }\nint rest_of_file;\n";
        let functions = vec![("parse_header".to_owned(), 1, 4), ("free_header".to_owned(), 6, 6)];
        let mut docs = Vec::new();
        for (file, path) in [(3u64, "fs/parse.c"), (7, "net/parse.c")] {
            let mut path_words = String::new();
            norm.push_terms(&mut path_words, crate::without_extension(path.as_bytes()));
            for d in crate::extract::extract(path.as_bytes(), src.as_bytes(), &functions, norm) {
                docs.push((file, d, path_words.clone()));
            }
        }
        // Both kinds of document, the rest of a file (no function) and empty fields among them.
        assert!(docs.iter().any(|(_, d, _)| d.function.is_none()));
        assert!(docs.iter().any(|(_, d, _)| d.strings.is_empty()));
        let rank_doc = index_of(&docs, true);
        assert!(rank_doc.iter().any(|l| l.contains("Some(\"free_header\")")), "{rank_doc:#?}");
        assert!(rank_doc.iter().any(|l| l.contains("header: file Some(7)")), "{rank_doc:#?}");
        assert_eq!(rank_doc, index_of(&docs, false));
    }
}

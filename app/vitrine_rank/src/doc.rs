//! The document type the build hands to tantivy: a file's documents packed into one buffer that they
//! share. tantivy indexes any [`Document`] in place, so nothing is copied into a
//! [`tantivy::TantivyDocument`] (which copied each field's text, the path's terms once per function
//! document, and allocated a value list per document), and the extraction's buffers are reused from
//! file to file: a file costs one allocation of text, not three growing strings per function.

use std::ops::Range;
use std::sync::Arc;

use tantivy::schema::Field;
use tantivy::schema::document::{Document, ReferenceValue, ReferenceValueLeaf, Value};

use crate::Fields;
use crate::extract::DocText;

/// The documents of one file: their text back to back in one string, with where each field is.
#[derive(Debug)]
pub(crate) struct FileDocs {
    fields: Fields,
    file: u64,
    text: String,
    path_words: Range<usize>,
    docs: Vec<DocSpan>,
}

/// Where one document's parts are in [`FileDocs::text`].
#[derive(Debug)]
struct DocSpan {
    function: Option<Range<usize>>,
    start_line: u64,
    end_line: u64,
    comments: Range<usize>,
    strings: Range<usize>,
    identifiers: Range<usize>,
}

impl FileDocs {
    /// Packs the documents of file `file` (the snapshot's index of it) that hold any terms, with the
    /// path's terms, into one buffer.
    pub(crate) fn pack<'a>(
        fields: Fields,
        file: u64,
        path_words: &[u8],
        docs: impl Iterator<Item = &'a DocText> + Clone,
    ) -> FileDocs {
        let kept = docs.filter(|d| !d.is_empty());
        let bytes = path_words.len()
            + kept
                .clone()
                .map(|d| {
                    d.function.as_ref().map_or(0, String::len)
                        + d.comments.len()
                        + d.strings.len()
                        + d.identifiers.len()
                })
                .sum::<usize>();
        let mut text: Vec<u8> = Vec::with_capacity(bytes);
        let mut put = |s: &[u8]| {
            let start = text.len();
            text.extend_from_slice(s);
            start..text.len()
        };
        let path_words = put(path_words);
        let spans = kept
            .map(|d| DocSpan {
                function: d.function.as_deref().map(|name| put(name.as_bytes())),
                start_line: d.start_line,
                end_line: d.end_line,
                comments: put(&d.comments),
                strings: put(&d.strings),
                identifiers: put(&d.identifiers),
            })
            .collect();
        // The terms were appended as bytes without a check (`TermsOut`), each copied whole from a
        // `str`: the file's text is checked once here. Should it ever fail, the documents keep
        // their places and lose their text rather than take another's.
        let text = String::from_utf8(text).unwrap_or_default();
        FileDocs { fields, file, text, path_words, docs: spans }
    }

    /// How many documents it holds.
    pub(crate) fn len(&self) -> usize {
        self.docs.len()
    }

    /// Its documents, each sharing the buffer.
    pub(crate) fn into_docs(self) -> impl ExactSizeIterator<Item = RankDoc> {
        let n = self.docs.len();
        let file = Arc::new(self);
        (0..n).map(move |doc| RankDoc { file: file.clone(), doc })
    }

    fn get(&self, range: &Range<usize>) -> &str {
        self.text.get(range.clone()).unwrap_or_default()
    }
}

/// One document of the ranked index: document `doc` of a [`FileDocs`].
#[derive(Debug)]
pub(crate) struct RankDoc {
    file: Arc<FileDocs>,
    doc: usize,
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
        let file = &*self.file;
        let f = &file.fields;
        let Some(d) = file.docs.get(self.doc) else {
            return [None, None, None, None, None, None, None, None].into_iter().flatten();
        };
        [
            Some((f.file, Leaf::U64(file.file))),
            d.function.as_ref().map(|name| (f.function, Leaf::Str(file.get(name)))),
            Some((f.start, Leaf::U64(d.start_line))),
            Some((f.end, Leaf::U64(d.end_line))),
            Some((f.comments, Leaf::Str(file.get(&d.comments)))),
            Some((f.strings, Leaf::Str(file.get(&d.strings)))),
            Some((f.identifiers, Leaf::Str(file.get(&d.identifiers)))),
            Some((f.path_words, Leaf::Str(file.get(&file.path_words)))),
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
    fn index_of(docs: &[(u64, DocText, Vec<u8>)], packed: Option<Vec<FileDocs>>) -> Vec<String> {
        let (schema, fields) = Fields::schema();
        let index = Index::create_in_ram(schema);
        index.tokenizers().register(crate::ANALYZER, crate::terms::index_tokenizer());
        if let Some(packed) = packed {
            let mut writer: IndexWriter<RankDoc> = index.writer_with_num_threads(1, 15 << 20).unwrap();
            for file in packed {
                for doc in file.into_docs() {
                    writer.add_document(doc).unwrap();
                }
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
                doc.add_text(fields.comments, utf8(&d.comments));
                doc.add_text(fields.strings, utf8(&d.strings));
                doc.add_text(fields.identifiers, utf8(&d.identifiers));
                doc.add_text(fields.path_words, utf8(path));
                writer.add_document(doc).unwrap();
            }
            writer.commit().unwrap();
        }
        let searcher = index.reader().unwrap().searcher();
        let mut out = Vec::new();
        let mut words: Vec<&str> = docs
            .iter()
            .flat_map(|(_, d, p)| [&d.comments, &d.strings, &d.identifiers, p].map(|s| utf8(s).split(' ')))
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
        let mut packed = Vec::new();
        // The build's buffers, reused from file to file (the second file is shorter: documents of
        // the first are left over in them).
        let mut buffers = Vec::new();
        for (file, path, src) in [(3u64, "fs/parse.c", src), (7, "net/parse.c", &src[..src.len() - 20])] {
            let mut path_words = Vec::new();
            norm.push_terms(&mut path_words, crate::without_extension(path.as_bytes()));
            for d in crate::extract::extract(path.as_bytes(), src.as_bytes(), &functions, norm) {
                docs.push((file, d, path_words.clone()));
            }
            let n =
                crate::extract::extract_into(path.as_bytes(), src.as_bytes(), &functions, norm, &mut buffers);
            packed.push(FileDocs::pack(fields_of(), file, &path_words, buffers.iter().take(n)));
        }
        assert!(buffers.len() > packed[1].len(), "no buffers left over");
        // Both kinds of document, the rest of a file (no function) and empty fields among them.
        assert!(docs.iter().any(|(_, d, _)| d.function.is_none()));
        assert!(docs.iter().any(|(_, d, _)| d.strings.is_empty()));
        let rank_doc = index_of(&docs, Some(packed));
        assert!(rank_doc.iter().any(|l| l.contains("Some(\"free_header\")")), "{rank_doc:#?}");
        assert!(rank_doc.iter().any(|l| l.contains("header: file Some(7)")), "{rank_doc:#?}");
        assert_eq!(rank_doc, index_of(&docs, None));
    }

    #[test]
    fn text_that_is_not_utf8_is_left_out_not_misplaced() {
        let mut d = DocText { function: Some("f".into()), start_line: 1, end_line: 2, ..DocText::default() };
        d.comments.extend_from_slice(b"caf\xc3 ");
        d.identifiers.extend_from_slice(b"name ");
        let packed = FileDocs::pack(fields_of(), 1, b"path ", [d].iter());
        assert_eq!(packed.len(), 1);
        let doc = packed.into_docs().next().unwrap();
        let texts: Vec<&str> = doc.iter_fields_and_values().filter_map(|(_, v)| v.as_str()).collect();
        assert!(texts.iter().all(|t| t.is_empty()), "{texts:?}");
    }

    fn utf8(bytes: &[u8]) -> &str {
        std::str::from_utf8(bytes).unwrap()
    }

    fn fields_of() -> Fields {
        Fields::schema().1
    }
}

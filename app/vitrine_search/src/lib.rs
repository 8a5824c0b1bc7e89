//! Persistent per-snapshot search index (tantivy), query language, trigram-prefiltered regex.

//! A thread carried over from the version before (an `anchor-port` entry) as a reader sees it: its
//! state (exact, moved, changed n%, outdated), where it came from, who wrote it and what they said,
//! instead of the entry's JSON body.

use vitrine_record::Kind;
use vitrine_record::entry::Entry;
use vitrine_record::port::{Outcome, PortBody};

/// The state of a port, as a short phrase: `moved`, `changed, 80% sure`.
pub fn outcome_text(body: &PortBody) -> String {
    match (body.outcome, body.confidence) {
        (Outcome::Exact, _) => "exact (same file, same lines)".to_owned(),
        (Outcome::Moved, _) => "moved (the same lines, elsewhere)".to_owned(),
        (Outcome::Changed, Some(c)) if !body.context.is_empty() => {
            format!("changed, {c}% sure (the same lines, but their context changed)")
        }
        (Outcome::Changed, Some(c)) => format!("changed, {c}% sure (the lines were edited)"),
        (Outcome::Changed, None) => "changed (the lines were edited)".to_owned(),
        (Outcome::Outdated, _) => "outdated (gone from this version)".to_owned(),
    }
}

/// The text shown for an entry's body: a port's state, origin and carried text (Markdown), or the
/// body as written. A port body that does not parse is shown as it is, with the reason.
pub fn shown_body(entry: &Entry) -> String {
    let body = entry.body.as_deref().unwrap_or_default();
    if entry.kind != Kind::AnchorPort {
        return body.to_owned();
    }
    match PortBody::parse(body) {
        Ok(p) => {
            let [a, b] = p.from.lines;
            let tree = p.from.snapshot.get(..12).unwrap_or(&p.from.snapshot);
            let quoted: String = p.text.lines().map(|l| format!("> {l}\n")).collect();
            let context: String = p.context.iter().map(|n| format!("- {n}\n")).collect();
            format!(
                "**Carried over: {}** from `{}` lines {a}–{b} of the version before (tree {tree}…).\n\n\
                 {}{} wrote:\n\n{quoted}",
                outcome_text(&p),
                p.from.path,
                if context.is_empty() {
                    String::new()
                } else {
                    format!("What changed around the lines:\n\n{context}\n")
                },
                p.author,
            )
        }
        Err(e) => format!("{body}\n\n(not a readable port: {e})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn port(outcome: Outcome, confidence: Option<u64>) -> PortBody {
        PortBody {
            port: vitrine_record::port::PORT_SCHEMA,
            annotation: "a".repeat(64),
            author: "alice@agency.example".into(),
            text: "Bidi controls hide an early return.\nSecond line.".into(),
            from: vitrine_record::port::PortFrom {
                snapshot: "0123456789abcdef".repeat(4),
                path: "src/auth.cpp".into(),
                path_bytes: None,
                blob: "b".repeat(64),
                lines: [13, 17],
                quote: vitrine_record::entry::Quote {
                    sha256: "c".repeat(64),
                    prefix: String::new(),
                    suffix: String::new(),
                },
            },
            outcome,
            confidence,
            context: Vec::new(),
        }
    }

    #[test]
    fn each_outcome_says_what_happened_to_the_lines() {
        assert_eq!(
            outcome_text(&port(Outcome::Changed, Some(80))),
            "changed, 80% sure (the lines were edited)"
        );
        assert!(outcome_text(&port(Outcome::Moved, None)).starts_with("moved"));
        assert!(outcome_text(&port(Outcome::Exact, None)).starts_with("exact"));
        assert!(outcome_text(&port(Outcome::Outdated, None)).starts_with("outdated"));
    }

    #[test]
    fn a_port_entry_reads_as_its_state_origin_and_text_not_json() {
        let mut e: Entry = serde_json::from_value(serde_json::json!({
            "v": 1, "seq": 1, "kind": "anchor-port",
            "author": {"principal": "alice@agency.example", "fingerprint": "SHA256:x"},
            "role": "reviewer", "time": "2026-01-31T12:00:00Z", "snapshot": "ab",
        }))
        .unwrap();
        e.body = Some(port(Outcome::Changed, Some(80)).to_body().unwrap());
        let shown = shown_body(&e);
        assert!(shown.starts_with("**Carried over: changed, 80% sure"), "{shown}");
        assert!(shown.contains("`src/auth.cpp` lines 13–17"), "{shown}");
        assert!(shown.contains("tree 0123456789ab…"), "{shown}");
        assert!(shown.contains("> Bidi controls hide an early return.\n> Second line.\n"), "{shown}");
        assert!(!shown.contains("\"outcome\""), "{shown}");
        e.body = Some("{not json".into());
        assert!(shown_body(&e).contains("not a readable port"));
        e.kind = Kind::Annotation;
        assert_eq!(shown_body(&e), "{not json");
    }
}

//! How the window words an error: the whole chain, so the OS text a source carries is never lost.

use std::error::Error;

/// An error and each of its sources, joined by `: ` (what `anyhow`'s `{e:#}` prints on the command
/// line). Every crate's I/O error names the operation and the path in its Display and keeps the OS text
/// as its source, so showing only `{e}` would drop the reason; the window shows errors through this.
pub fn error_chain(e: &(dyn Error + '_)) -> String {
    let mut out = e.to_string();
    let mut next = e.source();
    while let Some(cause) = next {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        next = cause.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_os_text_of_a_source_is_shown_once_after_the_path() {
        let missing = std::path::Path::new("/nonexistent-vitrine-dir/view.json");
        let e = vitrine_base::fs::write_atomic(missing, b"{}").expect_err("its folder does not exist");
        let os = e.source.to_string();
        let shown = error_chain(&e);
        assert_eq!(shown, format!("{e}: {os}"));
        assert!(shown.contains("/nonexistent-vitrine-dir/"), "{shown}");
        assert_eq!(shown.matches(&os).count(), 1, "{shown}");
    }
}

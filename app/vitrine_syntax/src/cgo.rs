//! A Go file's cgo preamble read as C ([`vitrine_snapshot::cgo`]): the C in the comment right above
//! `import "C"` is compiled and linked by `go build`, so its functions are definitions of the Go file
//! (`def`, the outline) and their calls are calls (`callers`), and `C.name(…)` in Go calls them.
//!
//! The C text is extracted from a view of the file with everything else blanked (same length, same
//! lines), so positions are the Go file's; the C definitions come first (the preamble precedes every Go
//! declaration), the Go ones after, their indexes shifted.

use crate::lang::Language;
use crate::symbols::{ExtractOptions, FileSymbols, RawRef};

/// Adds the definitions, declarations and references of `source`'s cgo preambles (a Go file's
/// extraction in `fs` and `refs`). Costs one search for `"C"` in a file without cgo.
pub(crate) fn add_preamble(
    source: &[u8],
    options: &ExtractOptions,
    fs: &mut FileSymbols,
    refs: &mut Vec<RawRef>,
) {
    let Some(view) = vitrine_snapshot::cgo::c_view(source) else { return };
    // As the C compiler reads it (splices, digraphs): same length, same lines.
    let compiled = crate::symbols::as_compiled(Language::C, &view);
    let c_source = compiled.as_deref().unwrap_or(&view);
    let (c, mut c_refs) = crate::symbols::extract_raw(Language::C, c_source, options);
    let shift = c.definitions.len() as u32;
    for s in &mut fs.definitions {
        s.parent = s.parent.map(|p| p + shift);
    }
    for s in &mut fs.declarations {
        s.parent = s.parent.map(|p| p + shift);
    }
    for r in refs.iter_mut() {
        r.enclosing = r.enclosing.map(|e| e + shift);
    }
    // A name whose bytes the compiler's reading changed (a splice inside it) keeps the compiled name.
    for r in &mut c_refs {
        if r.owned.is_none()
            && r.name_bytes(c_source) != source.get(r.start as usize..r.end as usize).unwrap_or_default()
        {
            r.owned = Some(r.name(c_source).into());
        }
    }
    let mut definitions = c.definitions;
    definitions.append(&mut fs.definitions);
    fs.definitions = definitions;
    let mut declarations = c.declarations;
    declarations.append(&mut fs.declarations);
    fs.declarations = declarations;
    fs.includes.extend(c.includes);
    c_refs.append(refs);
    c_refs.sort_by_key(|r| r.start);
    *refs = c_refs;
}

#[cfg(test)]
mod tests {
    use crate::lang::Language;
    use crate::symbols::{ExtractOptions, RefKind, extract_with};

    #[test]
    fn the_preamble_defines_and_calls_c_functions_in_a_go_file() {
        let src = "package main\n\n/*\n#include <stdio.h>\nstatic int grant_root(int uid) { return uid; }\nstatic int audit_log(int uid) { return grant_root(uid); }\n*/\nimport \"C\"\n\nfunc check(uid int) bool {\n\tC.audit_log(C.int(uid))\n\treturn uid == 0\n}\n";
        let fs = extract_with(Language::Go, src.as_bytes(), &ExtractOptions::default());
        let names: Vec<(&str, u32)> =
            fs.definitions.iter().map(|d| (d.name.as_str(), d.name_range.start.line)).collect();
        assert_eq!(names, [("grant_root", 4), ("audit_log", 5), ("check", 9)]);
        let call = |name: &str| {
            fs.references
                .iter()
                .find(|r| r.name == name && r.kind == RefKind::Call)
                .and_then(|r| r.enclosing)
                .and_then(|e| fs.definitions.get(e as usize))
                .map(|d| d.name.clone())
        };
        assert_eq!(call("grant_root").as_deref(), Some("audit_log"));
        assert_eq!(call("audit_log").as_deref(), Some("check"));
        // Without `import "C"` the comment is a comment.
        let plain = src.replace("import \"C\"", "import \"fmt\"");
        let fs = extract_with(Language::Go, plain.as_bytes(), &ExtractOptions::default());
        assert_eq!(fs.definitions.iter().map(|d| d.name.as_str()).collect::<Vec<_>>(), ["check"]);
    }
}

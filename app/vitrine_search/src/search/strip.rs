//! Keeping a regex within one line, as ripgrep's `grep-regex` does in its `strip.rs`.

use regex_syntax::hir::{Class, ClassBytes, ClassBytesRange, ClassUnicode, ClassUnicodeRange, Hir, HirKind};

/// Removes `\n` from every class, as ripgrep does, so no match spans lines; `None` for a literal `\n`.
pub(super) fn strip_newlines(hir: Hir) -> Option<Hir> {
    Some(match hir.into_kind() {
        HirKind::Empty => Hir::empty(),
        HirKind::Literal(lit) => {
            if lit.0.contains(&b'\n') {
                return None;
            }
            Hir::literal(lit.0)
        }
        HirKind::Class(Class::Unicode(mut c)) => {
            c.difference(&ClassUnicode::new([ClassUnicodeRange::new('\n', '\n')]));
            Hir::class(Class::Unicode(c))
        }
        HirKind::Class(Class::Bytes(mut c)) => {
            c.difference(&ClassBytes::new([ClassBytesRange::new(b'\n', b'\n')]));
            Hir::class(Class::Bytes(c))
        }
        HirKind::Look(l) => Hir::look(l),
        HirKind::Repetition(mut r) => {
            r.sub = Box::new(strip_newlines(*r.sub)?);
            Hir::repetition(r)
        }
        HirKind::Capture(mut c) => {
            c.sub = Box::new(strip_newlines(*c.sub)?);
            Hir::capture(c)
        }
        HirKind::Concat(v) => Hir::concat(v.into_iter().map(strip_newlines).collect::<Option<_>>()?),
        HirKind::Alternation(v) => {
            Hir::alternation(v.into_iter().map(strip_newlines).collect::<Option<_>>()?)
        }
    })
}

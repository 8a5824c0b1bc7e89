//! The on-disk layout of the symbol index: record sizes, little-endian field access, a bounded reader.

use std::path::Path;

use crate::error::SyntaxError;

/// Bumped whenever the on-disk layout changes, or what is indexed of a file (7: names bound by
/// pragmas, asm labels, `.set`, `go:linkname`, `export_name`; loader and `cleanup` calls; macros named
/// after keywords; Rust raw and Java escaped names decoded. 8: Java files read with javac's escapes of
/// quotes and comment delimiters, JavaScript scripts with their HTML-like comments. 9: a Go file's cgo
/// preamble is read as C, and files Rust, Node and GNU as include as code are read in their includer's
/// language. 10: includes through the snapshot's links also name the file they open; asm statements with
/// comments between `asm`, its qualifiers and `(`, and comments anywhere in attributes, pragmas and asm
/// labels. 11: a C++14 digit separator is no quote in skimmed bodies, and `#ifdef __cplusplus` is
/// undecided in headers, both branches read; a build file's `-D` flags are macro definitions. 12: Python
/// rebinding (`mod.f = g`, `setattr`) defines `f` and calls `g`; a body-less Go func is a declaration; Go
/// assembly `TEXT ·f(SB)` defines `f` and `CALL ·f(SB)` calls it. 13: a separator inside hex, binary or
/// octal digits (`0x1'F3'600`) is no quote for any reader; files Python runs by `exec`/`run_path`/
/// `SourceFileLoader` are read as Python. 14: JavaScript/TypeScript rebinding (`obj.f = g`,
/// `Object.defineProperty`/`assign`, `Reflect.set`) defines `f` and calls `g`; a GNU C nested function is
/// a definition in skimmed bodies too. 15: a shell script's functions (`name() {…}`, `function name`)
/// are definitions. 16: the classes and functions a registry file names (`META-INF/services`,
/// `provides … with`, `spring.factories`, Python entry points) are calls by its loader; a Go file's
/// imports also name the package directory the go command builds (`dir/`). An index of another
/// version is rebuilt.
pub const FORMAT_VERSION: u32 = 16;

pub(super) const NAME_ENTRY: usize = 40;
pub(super) const DEF_RECORD: usize = 28;
pub(super) const CALL_RECORD: usize = 16;
pub(super) const NONE: u32 = u32::MAX;
/// A definition's flag: recovered from a macro invocation that wraps it (`SYSCALL_DEFINE3(open, …)`).
pub(super) const FLAG_VIA_MACRO: u8 = 0x40;
/// A definition's flag: an alias, filed under the name of the macro that wraps a definition
/// (`TEST_F` for `TEST_F(A, B) {…}`), whose scope field holds the definition's qualified name
/// (`A::B`). The definition itself has its own record; an alias is never counted.
pub(super) const FLAG_ALIAS: u8 = 0x80;

/// A definition's bit in the span word (above the 23 bits of the span): the declaration is bound to
/// other code by an attribute (`alias("x")`), which the scope field holds instead of a scope.
pub(super) const SPAN_DEFINED_BY: u32 = 0x0080_0000;
/// The largest span a definition record holds.
pub(super) const SPAN_MAX: u32 = 0x007f_ffff;

/// One entry of `names.idx`: where the name's bytes, definitions, calls and occurrences are.
#[derive(Debug, Clone, Copy)]
pub(super) struct NameEntry {
    pub(super) name_off: u64,
    pub(super) name_len: u32,
    pub(super) def_start: u32,
    pub(super) def_count: u32,
    pub(super) call_start: u32,
    pub(super) call_count: u32,
    pub(super) occ_off: u64,
    pub(super) occ_len: u32,
}

impl NameEntry {
    /// Decodes one `NAME_ENTRY`-byte record; `None` for a record of another size.
    pub(super) fn decode(rec: &[u8]) -> Option<NameEntry> {
        let mut r = Reader::exact(rec, NAME_ENTRY)?;
        Some(NameEntry {
            name_off: r.u64()?,
            name_len: r.u32()?,
            def_start: r.u32()?,
            def_count: r.u32()?,
            call_start: r.u32()?,
            call_count: r.u32()?,
            occ_off: r.u64()?,
            occ_len: r.u32()?,
        })
    }

    /// The record [`NameEntry::decode`] reads.
    pub(super) fn encode(&self) -> [u8; NAME_ENTRY] {
        record(&[
            &self.name_off.to_le_bytes(),
            &self.name_len.to_le_bytes(),
            &self.def_start.to_le_bytes(),
            &self.def_count.to_le_bytes(),
            &self.call_start.to_le_bytes(),
            &self.call_count.to_le_bytes(),
            &self.occ_off.to_le_bytes(),
            &self.occ_len.to_le_bytes(),
        ])
    }
}

/// One record of `defs.bin`.
#[derive(Debug, Clone, Copy)]
pub(super) struct DefRecord {
    pub(super) name: u32,
    pub(super) file: u32,
    pub(super) line: u32,
    pub(super) column: u32,
    pub(super) start_line: u32,
    /// Lines of the construct after its first (23 bits).
    pub(super) span: u32,
    /// The scope field holds the binding attribute (`SPAN_DEFINED_BY`).
    pub(super) defined_by: bool,
    /// Kind index | 0x20 declaration | `FLAG_VIA_MACRO` | `FLAG_ALIAS`.
    pub(super) flags: u8,
    /// Scope id, or `NONE`.
    pub(super) scope: u32,
}

impl DefRecord {
    /// Decodes one `DEF_RECORD`-byte record; `None` for a record of another size.
    pub(super) fn decode(rec: &[u8]) -> Option<DefRecord> {
        let mut r = Reader::exact(rec, DEF_RECORD)?;
        let mut words = [0u32; DEF_RECORD / 4];
        for w in &mut words {
            *w = r.u32()?;
        }
        Some(DefRecord::from_words(words))
    }

    /// The record from its seven words as stored: name, file, line, column, start line,
    /// span | flags << 24, scope (the layout of `defs.bin` and of the build's scratch file).
    pub(super) fn from_words(words: [u32; DEF_RECORD / 4]) -> DefRecord {
        let [name, file, line, column, start_line, packed, scope] = words;
        DefRecord {
            name,
            file,
            line,
            column,
            start_line,
            span: packed & SPAN_MAX,
            defined_by: packed & SPAN_DEFINED_BY != 0,
            flags: (packed >> 24) as u8,
            scope,
        }
    }

    /// The record [`DefRecord::decode`] reads (`span` keeps its low 23 bits).
    pub(super) fn encode(&self) -> [u8; DEF_RECORD] {
        let bound = if self.defined_by { SPAN_DEFINED_BY } else { 0 };
        let packed = (self.span & SPAN_MAX) | bound | (u32::from(self.flags) << 24);
        record(&[
            &self.name.to_le_bytes(),
            &self.file.to_le_bytes(),
            &self.line.to_le_bytes(),
            &self.column.to_le_bytes(),
            &self.start_line.to_le_bytes(),
            &packed.to_le_bytes(),
            &self.scope.to_le_bytes(),
        ])
    }
}

/// One record of `calls.bin`.
#[derive(Debug, Clone, Copy)]
pub(super) struct CallRecord {
    pub(super) file: u32,
    pub(super) line: u32,
    pub(super) column: u32,
    /// The caller's position in `defs.bin`, or `NONE`.
    pub(super) caller: u32,
}

impl CallRecord {
    /// Decodes one `CALL_RECORD`-byte record; `None` for a record of another size.
    pub(super) fn decode(rec: &[u8]) -> Option<CallRecord> {
        let mut r = Reader::exact(rec, CALL_RECORD)?;
        Some(CallRecord { file: r.u32()?, line: r.u32()?, column: r.u32()?, caller: r.u32()? })
    }

    /// The record [`CallRecord::decode`] reads.
    pub(super) fn encode(&self) -> [u8; CALL_RECORD] {
        record(&[
            &self.file.to_le_bytes(),
            &self.line.to_le_bytes(),
            &self.column.to_le_bytes(),
            &self.caller.to_le_bytes(),
        ])
    }
}

/// One entry of `scopes.idx`: offset and length in `scopes.bin`.
pub(super) const SCOPE_ENTRY: usize = 12;

/// The `scopes.idx` entry of a scope string at `off` in `scopes.bin`, `len` bytes long.
pub(super) fn scope_entry(off: u64, len: u32) -> [u8; SCOPE_ENTRY] {
    record(&[&off.to_le_bytes(), &len.to_le_bytes()])
}

pub(super) fn io_err<'a>(op: &'static str, path: &'a Path) -> impl Fn(std::io::Error) -> SyntaxError + 'a {
    move |source| SyntaxError::Io { op, path: path.to_path_buf(), source }
}

/// Lays out little-endian fields end to end into a record of exactly `N` bytes; the fields' sizes
/// must add up to `N` (checked by the round-trip tests of every record).
fn record<const N: usize>(fields: &[&[u8]]) -> [u8; N] {
    let mut out = [0u8; N];
    for (dst, src) in out.iter_mut().zip(fields.iter().flat_map(|f| f.iter())) {
        *dst = *src;
    }
    out
}

pub(super) use vitrine_base::{Reader, varint};

/// An index file that cannot be read or does not match its seal, as this crate's error.
pub(super) fn checked(e: vitrine_indexfile::IndexFileError) -> SyntaxError {
    use vitrine_indexfile::IndexFileError;
    match e {
        IndexFileError::Io { op, path, source } => SyntaxError::Io { op, path, source },
        IndexFileError::Corrupt { path, detail } => SyntaxError::Corrupt { path, reason: detail },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every record encodes to exactly its size and decodes to what was encoded (so the fields of
    /// each layout add up to the record size).
    #[test]
    fn records_round_trip() {
        let e = NameEntry {
            name_off: 1 << 40,
            name_len: 2,
            def_start: 3,
            def_count: 4,
            call_start: 5,
            call_count: 6,
            occ_off: (1 << 33) + 7,
            occ_len: 8,
        };
        let back = NameEntry::decode(&e.encode()).unwrap();
        assert_eq!(format!("{back:?}"), format!("{e:?}"));
        let d = DefRecord {
            name: 1,
            file: 2,
            line: 3,
            column: 4,
            start_line: 5,
            span: 0x002b_cdef,
            defined_by: true,
            flags: 0x65,
            scope: NONE,
        };
        assert_eq!(format!("{:?}", DefRecord::decode(&d.encode()).unwrap()), format!("{d:?}"));
        let c = CallRecord { file: 1, line: 2, column: 3, caller: NONE };
        assert_eq!(format!("{:?}", CallRecord::decode(&c.encode()).unwrap()), format!("{c:?}"));
        let s = scope_entry(1 << 35, 9);
        let mut r = Reader::new(&s);
        assert_eq!((r.u64(), r.u32(), r.at_end()), (Some(1 << 35), Some(9), true));
    }
}

//! Paths inside a snapshot: raw bytes, `/`-separated, relative to the root.
//!
//! File names on Linux are bytes, not text; git stores them as bytes too. A `RelPath` keeps the exact
//! bytes so that identity is exact, and renders them for people with invalid UTF-8 shown as `\xNN` and a
//! backslash as `\\`, so that two different names never render alike (`bad<FF>.c` is `bad\xFF.c`, a
//! file literally named `bad\xFF.c` is `bad\\xFF.c`). Looking a path up is always done on its bytes.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Serialize, Serializer};

/// A path relative to the snapshot root, as raw bytes with `/` separators and no leading slash.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RelPath(Vec<u8>);

impl RelPath {
    /// Wraps path bytes as they are, unchecked: the caller has already normalised them (`/`-separated,
    /// no leading slash). Hostile paths are refused or flagged by ingest, not here.
    pub fn from_bytes(bytes: Vec<u8>) -> RelPath {
        RelPath(bytes)
    }

    /// The exact path bytes: what identity, sorting and look-ups use.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The path for people: valid UTF-8 as is except `\` as `\\`, other bytes as `\xNN` (one-to-one).
    pub fn display(&self) -> String {
        display_bytes(&self.0)
    }

    /// The last component.
    pub fn file_name(&self) -> &[u8] {
        match self.0.iter().rposition(|&b| b == b'/') {
            Some(i) => self.0.get(i + 1..).unwrap_or_default(),
            None => &self.0,
        }
    }

    /// The parent directory (`""` at the root).
    pub fn parent(&self) -> &[u8] {
        match self.0.iter().rposition(|&b| b == b'/') {
            Some(i) => self.0.get(..i).unwrap_or_default(),
            None => &[],
        }
    }

    /// The extension of the last component, if it is valid UTF-8.
    pub fn extension(&self) -> Option<&str> {
        let name = self.file_name();
        let dot = name.iter().rposition(|&b| b == b'.')?;
        if dot == 0 {
            return None;
        }
        std::str::from_utf8(name.get(dot + 1..)?).ok()
    }

    /// The `/`-separated components, as bytes, from the root down.
    pub fn components(&self) -> impl Iterator<Item = &[u8]> {
        self.0.split(|&b| b == b'/')
    }

    /// The path on disk below `root`.
    pub fn to_path(&self, root: &Path) -> PathBuf {
        use std::os::unix::ffi::OsStrExt;
        root.join(std::ffi::OsStr::from_bytes(&self.0))
    }
}

impl fmt::Debug for RelPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.display())
    }
}

impl fmt::Display for RelPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display())
    }
}

impl Serialize for RelPath {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.display())
    }
}

/// Where a symbolic link at `link` (a path relative to the root) pointing to `target` leads, resolved
/// lexically from the link's own directory, as the kernel would without following any other link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkTarget {
    Inside,
    /// The target climbs above the root with `..`.
    Escapes,
    Absolute,
}

pub fn link_target(link: &[u8], target: &[u8]) -> LinkTarget {
    if target.first() == Some(&b'/') {
        return LinkTarget::Absolute;
    }
    let mut depth = link.split(|&b| b == b'/').count() as i64 - 1;
    for c in target.split(|&b| b == b'/') {
        match c {
            b"" | b"." => {}
            b".." => depth -= 1,
            _ => depth += 1,
        }
        if depth < 0 {
            return LinkTarget::Escapes;
        }
    }
    LinkTarget::Inside
}

pub use vitrine_base::display_bytes;

pub(crate) fn serialize_bytes_lossy<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&display_bytes(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_of_a_path() {
        let p = RelPath::from_bytes(b"src/net/a.tar.gz".to_vec());
        assert_eq!(p.file_name(), b"a.tar.gz");
        assert_eq!(p.parent(), b"src/net");
        assert_eq!(p.extension(), Some("gz"));
        assert_eq!(RelPath::from_bytes(b".bashrc".to_vec()).extension(), None);
        assert_eq!(RelPath::from_bytes(b"top".to_vec()).parent(), b"");
    }

    #[test]
    fn link_targets_resolve_lexically() {
        assert_eq!(link_target(b"a/l", b"../b"), LinkTarget::Inside);
        assert_eq!(link_target(b"a/l", b"../../etc"), LinkTarget::Escapes);
        assert_eq!(link_target(b"l", b"x/../../y"), LinkTarget::Escapes);
        assert_eq!(link_target(b"l", b"/etc/passwd"), LinkTarget::Absolute);
        assert_eq!(link_target(b"a/b/l", b"./../c/./d"), LinkTarget::Inside);
    }

    #[test]
    fn invalid_utf8_is_escaped_for_display() {
        assert_eq!(display_bytes(b"caf\xe9.c"), "caf\\xE9.c");
        assert_eq!(display_bytes("ж.c".as_bytes()), "ж.c");
        assert_eq!(display_bytes(br"bad\xFF.c"), r"bad\\xFF.c");
        assert_ne!(display_bytes(b"bad\xFF.c"), display_bytes(br"bad\xFF.c"));
        assert_eq!(display_bytes(br"a\b"), r"a\\b");
    }
}

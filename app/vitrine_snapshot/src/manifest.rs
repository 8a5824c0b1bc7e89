//! `MANIFEST.sha256`: one line per regular file, exactly as GNU `sha256sum` prints it, so that
//! `sha256sum -c MANIFEST.sha256` run at the snapshot root checks every byte.
//!
//! Names containing `\`, newline or carriage return are escaped as coreutils does (`\\`, `\n`, `\r`) and
//! the line then starts with a backslash. Symlinks are not listed (`sha256sum` would follow them); they
//! are covered by the tree ids.

use crate::{EntryKind, FileEntry, Sha256Id};

/// Renders the manifest for display (non-UTF-8 names shown lossily; write [`render_bytes`] to disk).
pub fn render(files: &[FileEntry]) -> String {
    String::from_utf8_lossy(&render_bytes(files)).into_owned()
}

/// The manifest as raw bytes (exact even for non-UTF-8 file names).
pub fn render_bytes(files: &[FileEntry]) -> Vec<u8> {
    let mut out = Vec::with_capacity(files.len() * 100);
    for f in files.iter().filter(|f| matches!(f.kind, EntryKind::File { .. })) {
        out.extend_from_slice(&line_bytes(&f.sha256, f.path.as_bytes()));
    }
    out
}

/// One manifest line as bytes.
pub fn line_bytes(sha256: &Sha256Id, path: &[u8]) -> Vec<u8> {
    let needs_escape = path.iter().any(|&b| matches!(b, b'\\' | b'\n' | b'\r'));
    let mut l = Vec::with_capacity(path.len() + 70);
    if needs_escape {
        l.push(b'\\');
    }
    l.extend_from_slice(sha256.to_string().as_bytes());
    l.extend_from_slice(b"  ");
    for &b in path {
        match b {
            b'\\' if needs_escape => l.extend_from_slice(b"\\\\"),
            b'\n' => l.extend_from_slice(b"\\n"),
            b'\r' => l.extend_from_slice(b"\\r"),
            _ => l.push(b),
        }
    }
    l.push(b'\n');
    l
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_coreutils() {
        let h = Sha256Id::from_bytes([0xab; 32]);
        let hex = "ab".repeat(32);
        assert_eq!(line_bytes(&h, b"a/b.c"), format!("{hex}  a/b.c\n").into_bytes());
        assert_eq!(line_bytes(&h, b"x\\y"), format!("\\{hex}  x\\\\y\n").into_bytes());
        assert_eq!(line_bytes(&h, b"n\nl"), format!("\\{hex}  n\\nl\n").into_bytes());
        assert_eq!(line_bytes(&h, b"c\rr"), format!("\\{hex}  c\\rr\n").into_bytes());
    }
}

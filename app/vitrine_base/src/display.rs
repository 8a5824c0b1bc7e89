//! Bytes rendered for people, one-to-one.

/// Renders bytes for people, one-to-one: valid UTF-8 stays except that a backslash is doubled, and each
/// invalid byte becomes `\xNN`. (Control and bidi characters stay: a terminal printer escapes them.)
pub fn display_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        let valid = chunk.valid();
        if valid.contains('\\') {
            out.push_str(&valid.replace('\\', "\\\\"));
        } else {
            out.push_str(valid);
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02X}"));
        }
    }
    out
}

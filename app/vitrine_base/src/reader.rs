//! A bounded little-endian reader over a byte slice.

/// Reads fixed-size little-endian fields, length-prefixed byte strings and varints from a slice.
/// Every read that would pass the end answers `None` and leaves the position where it was, so a
/// decoder written with `?` turns any truncation into one "corrupt" error at its call site.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes, pos: 0 }
    }

    /// A reader over `bytes`, which must be exactly `size` long.
    pub fn exact(bytes: &'a [u8], size: usize) -> Option<Self> {
        (bytes.len() == size).then_some(Reader::new(bytes))
    }

    /// How many bytes have been read.
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// The bytes not read yet.
    pub fn rest(&self) -> &'a [u8] {
        self.bytes.get(self.pos..).unwrap_or_default()
    }

    /// Whether every byte has been read.
    pub fn at_end(&self) -> bool {
        self.pos == self.bytes.len()
    }

    /// The next `n` bytes.
    pub fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let s = self.bytes.get(self.pos..self.pos.checked_add(n)?)?;
        self.pos += n;
        Some(s)
    }

    /// The next `N` bytes as an array.
    pub fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }

    /// One byte.
    pub fn u8(&mut self) -> Option<u8> {
        self.take(1)?.first().copied()
    }

    /// A little-endian `u32`.
    pub fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.array()?))
    }

    /// A little-endian `u64`.
    pub fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.array()?))
    }

    /// A little-endian `i64`.
    pub fn i64(&mut self) -> Option<i64> {
        Some(i64::from_le_bytes(self.array()?))
    }

    /// A byte string preceded by its length as a little-endian `u64`.
    pub fn bytes(&mut self) -> Option<&'a [u8]> {
        let start = self.pos;
        let n = self.u64().and_then(|n| usize::try_from(n).ok());
        let s = n.and_then(|n| self.take(n));
        if s.is_none() {
            self.pos = start;
        }
        s
    }

    /// An unsigned LEB128 varint of at most 64 bits (see [`crate::varint::read_u64`]).
    pub fn varint(&mut self) -> Option<u64> {
        let (v, n) = crate::varint::read_u64(self.rest())?;
        self.pos += n;
        Some(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fields_in_order_and_stops_at_the_end() {
        let mut buf = vec![7u8];
        buf.extend_from_slice(&0xdead_beef_u32.to_le_bytes());
        buf.extend_from_slice(&(-5i64).to_le_bytes());
        buf.extend_from_slice(&3u64.to_le_bytes());
        buf.extend_from_slice(b"abc");
        crate::varint::put_u64(&mut buf, 300);
        let mut r = Reader::new(&buf);
        assert_eq!(r.u8(), Some(7));
        assert_eq!(r.u32(), Some(0xdead_beef));
        assert_eq!(r.i64(), Some(-5));
        assert_eq!(r.bytes(), Some(&b"abc"[..]));
        assert_eq!(r.varint(), Some(300));
        assert!(r.at_end());
        assert_eq!(r.u8(), None);
        assert_eq!(r.pos(), buf.len());
    }

    #[test]
    fn a_truncated_field_answers_none_and_keeps_the_position() {
        let mut buf = 10u64.to_le_bytes().to_vec();
        buf.extend_from_slice(b"short");
        let mut r = Reader::new(&buf);
        assert_eq!(r.bytes(), None, "a length past the end");
        assert_eq!(r.pos(), 0);
        assert_eq!(r.take(usize::MAX), None, "no overflow");
        let mut r = Reader::new(&[1, 2, 3]);
        assert_eq!(r.u32(), None);
        assert_eq!(r.pos(), 0);
        assert!(Reader::exact(&[1, 2], 3).is_none());
        assert!(Reader::exact(&[1, 2], 2).is_some());
    }
}

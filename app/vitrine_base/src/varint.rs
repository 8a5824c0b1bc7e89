//! Unsigned LEB128 varints: seven bits per byte, low bits first, the high bit set on every byte but the
//! last. Decoding is strict: a value that does not fit the target width is refused, never truncated.

/// Appends `v` as a varint.
pub fn put_u64(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Appends `v` as a varint.
pub fn put_u32(out: &mut Vec<u8>, v: u32) {
    put_u64(out, u64::from(v));
}

/// Writes `v` as a varint at the start of `out` and returns how many bytes it took, or `None` (with
/// `out` unspecified) when `out` is shorter than that. Where the place is known ahead, this writes
/// in place: a copy from a scratch buffer calls `memmove` for each of a few bytes (in the search
/// build's placement of posting lists, a tenth of its CPU).
pub fn write_u32(out: &mut [u8], mut v: u32) -> Option<usize> {
    let mut n = 0;
    while v >= 0x80 {
        *out.get_mut(n)? = (v as u8) | 0x80;
        v >>= 7;
        n += 1;
    }
    *out.get_mut(n)? = v as u8;
    Some(n + 1)
}

/// How many bytes [`put_u32`] writes for `v`.
pub fn len_u32(v: u32) -> u32 {
    match v {
        0..0x80 => 1,
        0x80..0x4000 => 2,
        0x4000..0x20_0000 => 3,
        0x20_0000..0x1000_0000 => 4,
        _ => 5,
    }
}

/// The varint at the start of `buf` and how many bytes it takes, or `None` when `buf` ends inside it or
/// its value does not fit in 64 bits.
pub fn read_u64(buf: &[u8]) -> Option<(u64, usize)> {
    let mut v = 0u64;
    for (i, &b) in buf.iter().enumerate().take(10) {
        let bits = u64::from(b & 0x7f);
        // The tenth byte holds bit 63 only.
        if i == 9 && bits > 1 {
            return None;
        }
        v |= bits << (7 * i);
        if b & 0x80 == 0 {
            return Some((v, i + 1));
        }
    }
    None
}

/// The varint at the start of `buf` and how many bytes it takes, or `None` when `buf` ends inside it or
/// its value does not fit in 32 bits.
pub fn read_u32(buf: &[u8]) -> Option<(u32, usize)> {
    let (v, n) = read_u64(buf.get(..5).unwrap_or(buf))?;
    Some((u32::try_from(v).ok()?, n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_at_every_width() {
        for v in [0u64, 1, 0x7f, 0x80, 0x3fff, 0x4000, u64::from(u32::MAX), u64::MAX] {
            let mut buf = Vec::new();
            put_u64(&mut buf, v);
            assert_eq!(read_u64(&buf), Some((v, buf.len())), "{v}");
            if let Ok(small) = u32::try_from(v) {
                assert_eq!(read_u32(&buf), Some((small, buf.len())));
                assert_eq!(len_u32(small) as usize, buf.len());
                let mut place = [0xaau8; 7];
                assert_eq!(write_u32(&mut place, small), Some(buf.len()));
                assert_eq!(place.get(..buf.len()), Some(&buf[..]), "{v} written in place");
                assert!(place[buf.len()..].iter().all(|&b| b == 0xaa), "{v}: nothing past its end");
                let short = buf.len() - 1;
                assert_eq!(write_u32(&mut place[..short], small), None, "{v} into {short} bytes");
            } else {
                assert_eq!(read_u32(&buf), None, "{v} does not fit 32 bits");
            }
        }
    }

    #[test]
    fn refuses_overlong_and_truncated_input() {
        assert_eq!(read_u64(&[]), None);
        assert_eq!(read_u64(&[0x80, 0x80]), None, "ends inside");
        assert_eq!(read_u64(&[0xff; 11]), None, "longer than ten bytes");
        let mut too_big = vec![0xff; 9];
        too_big.push(0x02);
        assert_eq!(read_u64(&too_big), None, "bit 64");
        assert_eq!(read_u32(&[0xff, 0xff, 0xff, 0xff, 0x1f]), None, "bit 32 in the fifth byte");
        assert_eq!(read_u32(&[0xff, 0xff, 0xff, 0xff, 0x0f]), Some((u32::MAX, 5)));
    }
}

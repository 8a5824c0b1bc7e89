//! Test support: tar and zip archives built byte by byte, so that tests can write the header layouts no
//! well-behaved archiver would (pax global paths, long names next to pax paths, mismatched zip headers).

#![allow(dead_code)]

use std::io::Write;

/// One tar header block, filled field by field; the checksum is computed by [`TarHeader::bytes`].
#[derive(Clone)]
pub struct TarHeader {
    pub block: [u8; 512],
}

impl TarHeader {
    /// A POSIX ustar header (`ustar\0` `00`), mode 0644.
    pub fn new(name: &[u8], typeflag: u8, size: u64) -> TarHeader {
        let mut h = TarHeader { block: [0u8; 512] };
        h.set(0, name);
        h.set(100, b"0000644\0");
        h.set(108, b"0000000\0");
        h.set(116, b"0000000\0");
        h.set(124, format!("{size:011o}\0").as_bytes());
        h.set(136, b"00000000000\0");
        h.block[156] = typeflag;
        h.set(257, b"ustar\x0000");
        h
    }

    pub fn set(&mut self, at: usize, bytes: &[u8]) -> &mut TarHeader {
        self.block[at..at + bytes.len()].copy_from_slice(bytes);
        self
    }

    pub fn mode(&mut self, mode: u32) -> &mut TarHeader {
        self.set(100, format!("{mode:07o}\0").as_bytes())
    }

    pub fn link(&mut self, target: &[u8]) -> &mut TarHeader {
        self.set(157, target)
    }

    pub fn prefix(&mut self, prefix: &[u8]) -> &mut TarHeader {
        self.set(345, prefix)
    }

    pub fn gnu_magic(&mut self) -> &mut TarHeader {
        self.set(257, b"ustar  \0")
    }

    pub fn bytes(&self) -> Vec<u8> {
        let mut block = self.block;
        block[148..156].copy_from_slice(b"        ");
        let sum: u32 = block.iter().map(|&b| u32::from(b)).sum();
        block[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
        block.to_vec()
    }
}

/// A tar stream assembled from parts.
#[derive(Default)]
pub struct Tar {
    pub bytes: Vec<u8>,
}

impl Tar {
    pub fn new() -> Tar {
        Tar::default()
    }

    /// A header followed by `data`, padded to a block.
    pub fn raw(&mut self, header: &TarHeader, data: &[u8]) -> &mut Tar {
        self.bytes.extend(header.bytes());
        self.bytes.extend_from_slice(data);
        self.bytes.resize(self.bytes.len().div_ceil(512) * 512, 0);
        self
    }

    pub fn file(&mut self, name: &[u8], data: &[u8]) -> &mut Tar {
        self.raw(&TarHeader::new(name, b'0', data.len() as u64), data)
    }

    pub fn exec(&mut self, name: &[u8], data: &[u8]) -> &mut Tar {
        self.raw(TarHeader::new(name, b'0', data.len() as u64).mode(0o755), data)
    }

    pub fn dir(&mut self, name: &[u8]) -> &mut Tar {
        self.raw(TarHeader::new(name, b'5', 0).mode(0o755), b"")
    }

    pub fn symlink(&mut self, name: &[u8], target: &[u8]) -> &mut Tar {
        self.raw(TarHeader::new(name, b'2', 0).link(target), b"")
    }

    pub fn hardlink(&mut self, name: &[u8], target: &[u8]) -> &mut Tar {
        self.raw(TarHeader::new(name, b'1', 0).link(target), b"")
    }

    /// A GNU long-name (`L`) or long-link (`K`) header carrying `value` as written (add the NUL).
    pub fn gnu_long(&mut self, typeflag: u8, value: &[u8]) -> &mut Tar {
        self.raw(TarHeader::new(b"././@LongLink", typeflag, value.len() as u64).gnu_magic(), value)
    }

    /// A pax header (`x` local, `g` global) with the records in order.
    pub fn pax(&mut self, typeflag: u8, records: &[(&str, &[u8])]) -> &mut Tar {
        let data: Vec<u8> = records.iter().flat_map(|(k, v)| pax_record(k, v)).collect();
        self.raw(&TarHeader::new(b"PaxHeaders/x", typeflag, data.len() as u64), &data)
    }

    /// The end-of-archive marker: two zero blocks.
    pub fn end(&mut self) -> Vec<u8> {
        self.bytes.extend([0u8; 1024]);
        self.bytes.clone()
    }
}

/// `<length> <key>=<value>\n`, the length counting itself.
pub fn pax_record(key: &str, value: &[u8]) -> Vec<u8> {
    let body = key.len() + value.len() + 3;
    let mut len = body + 1;
    while len.to_string().len() + body != len {
        len = len.to_string().len() + body;
    }
    let mut r = format!("{len} {key}=").into_bytes();
    r.extend_from_slice(value);
    r.push(b'\n');
    r
}

/// One zip entry; every field that a hostile archive could make disagree is separate.
#[derive(Clone)]
pub struct ZipEntry {
    pub central_name: Vec<u8>,
    pub local_name: Vec<u8>,
    pub data: Vec<u8>,
    pub deflate: bool,
    pub flags: u16,
    /// Unix mode written in the external attributes (host Unix).
    pub mode: u32,
    /// Write a data descriptor (sets flag bit 3, zeros in the local header).
    pub descriptor: bool,
    /// The CRC written in the data descriptor (normally the real one).
    pub descriptor_crc: Option<u32>,
}

impl ZipEntry {
    pub fn file(name: &[u8], data: &[u8]) -> ZipEntry {
        ZipEntry {
            central_name: name.to_vec(),
            local_name: name.to_vec(),
            data: data.to_vec(),
            deflate: true,
            flags: 0,
            mode: 0o100644,
            descriptor: false,
            descriptor_crc: None,
        }
    }

    pub fn dir(name: &[u8]) -> ZipEntry {
        ZipEntry { mode: 0o040755, deflate: false, ..ZipEntry::file(name, b"") }
    }

    pub fn symlink(name: &[u8], target: &[u8]) -> ZipEntry {
        ZipEntry { mode: 0o120777, deflate: false, ..ZipEntry::file(name, target) }
    }
}

pub fn crc32(data: &[u8]) -> u32 {
    let mut c = flate2::Crc::new();
    c.update(data);
    c.sum()
}

/// A zip: local entries back to back, the central directory, the end record. `gap` bytes are written
/// after the local entries (for a hidden entry).
pub fn zip(entries: &[ZipEntry], gap: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for e in entries {
        let offset = out.len() as u32;
        let stored = if e.deflate {
            let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
            enc.write_all(&e.data).unwrap();
            enc.finish().unwrap()
        } else {
            e.data.clone()
        };
        let crc = crc32(&e.data);
        let method: u16 = if e.deflate { 8 } else { 0 };
        let flags = e.flags | if e.descriptor { 1 << 3 } else { 0 };
        let (lcrc, lc, lu) =
            if e.descriptor { (0, 0, 0) } else { (crc, stored.len() as u32, e.data.len() as u32) };
        out.extend(0x0403_4b50u32.to_le_bytes());
        out.extend(20u16.to_le_bytes());
        out.extend(flags.to_le_bytes());
        out.extend(method.to_le_bytes());
        out.extend([0u8; 4]); // time, date
        out.extend(lcrc.to_le_bytes());
        out.extend(lc.to_le_bytes());
        out.extend(lu.to_le_bytes());
        out.extend((e.local_name.len() as u16).to_le_bytes());
        out.extend(0u16.to_le_bytes());
        out.extend(&e.local_name);
        out.extend(&stored);
        if e.descriptor {
            out.extend(0x0807_4b50u32.to_le_bytes());
            out.extend(e.descriptor_crc.unwrap_or(crc).to_le_bytes());
            out.extend((stored.len() as u32).to_le_bytes());
            out.extend((e.data.len() as u32).to_le_bytes());
        }
        central.extend(0x0201_4b50u32.to_le_bytes());
        central.extend((3u16 << 8 | 20).to_le_bytes()); // made by Unix
        central.extend(20u16.to_le_bytes());
        central.extend(flags.to_le_bytes());
        central.extend(method.to_le_bytes());
        central.extend([0u8; 4]);
        central.extend(crc.to_le_bytes());
        central.extend((stored.len() as u32).to_le_bytes());
        central.extend((e.data.len() as u32).to_le_bytes());
        central.extend((e.central_name.len() as u16).to_le_bytes());
        central.extend([0u8; 8]); // extra, comment, disk, internal attributes
        central.extend((e.mode << 16).to_le_bytes());
        central.extend(offset.to_le_bytes());
        central.extend(&e.central_name);
    }
    out.extend_from_slice(gap);
    let cd_offset = out.len() as u32;
    out.extend(&central);
    out.extend(0x0605_4b50u32.to_le_bytes());
    out.extend([0u8; 4]);
    out.extend((entries.len() as u16).to_le_bytes());
    out.extend((entries.len() as u16).to_le_bytes());
    out.extend((central.len() as u32).to_le_bytes());
    out.extend(cd_offset.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out
}

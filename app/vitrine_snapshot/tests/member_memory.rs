//! Memory use of archive ingest does not depend on member size: a lone test in its own process, so the
//! process's peak resident size (`VmHWM`) is this test's alone.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};

use sha2::{Digest, Sha256};
use vitrine_snapshot::progress::Progress;
use vitrine_snapshot::{ContentClass, IngestConfig, Snapshot};

/// The process's peak resident set size in bytes, from `/proc/self/status`.
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    let kb: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kb * 1024
}

/// A reader of `n` bytes of a repeating pattern (with a NUL, so the member is binary).
struct Pattern {
    left: u64,
    at: u64,
}

impl Read for Pattern {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(usize::try_from(self.left).unwrap_or(usize::MAX));
        for b in &mut buf[..n] {
            *b = (self.at % 251) as u8;
            self.at += 1;
        }
        self.left -= n as u64;
        Ok(n)
    }
}

#[test]
fn a_huge_member_streams_into_the_blob_store_without_being_held_in_memory() {
    const SIZE: u64 = 192 * 1024 * 1024;
    let work = tempfile::tempdir().unwrap();
    let archive = work.path().join("huge.tar.gz");
    {
        let gz = flate2::write::GzEncoder::new(
            std::fs::File::create(&archive).unwrap(),
            flate2::Compression::fast(),
        );
        let mut b = tar::Builder::new(gz);
        let mut h = tar::Header::new_gnu();
        h.set_size(SIZE);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, "big.bin", Pattern { left: SIZE, at: 0 }).unwrap();
        b.into_inner().unwrap().finish().unwrap().flush().unwrap();
    }
    let mut want = Sha256::new();
    std::io::copy(&mut Pattern { left: SIZE, at: 0 }, &mut want).unwrap();
    let want = vitrine_snapshot::Sha256Id::from_bytes(want.finalize().into());

    let before = peak_rss();
    let config = IngestConfig { blob_dir: Some(work.path().join("blobs")), ..IngestConfig::default() };
    let snap = Snapshot::open(&archive, &config, &Progress::default()).unwrap();
    let grown = peak_rss().saturating_sub(before);

    let f = snap.file(b"big.bin").unwrap();
    assert_eq!((f.size_bytes, f.sha256, f.class), (SIZE, want, ContentClass::Binary));
    let blob = work.path().join("blobs").join(&want.to_string()[..2]).join(&want.to_string()[2..]);
    assert_eq!(std::fs::metadata(&blob).unwrap().len(), SIZE);
    // Held whole, the member alone would add 192 MiB.
    assert!(grown < 96 * 1024 * 1024, "peak RSS grew by {} MiB", grown >> 20);
}

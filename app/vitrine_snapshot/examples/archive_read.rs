//! Throughput and peak memory of Vitrine's archive readers alone: streams every member of an archive
//! through `archive::read` (all checks on) into a byte counter. Usage: `archive_read FILE`.

use std::path::Path;

use vitrine_snapshot::archive::{self, ArchiveItem, ArchiveLimits};

fn peak_rss_mb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0);
    kb / 1024
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let Some(file) = std::env::args().nth(1) else {
        return Err("usage: archive_read FILE".into());
    };
    let path = Path::new(&file);
    let format = archive::detect_format(path).ok_or("not an archive Vitrine reads")?;
    let started = std::time::Instant::now();
    let (mut members, mut bytes) = (0u64, 0u64);
    let mut buf = vec![0u8; 1 << 16];
    archive::read(path, format, &ArchiveLimits::default(), &mut |item: ArchiveItem<'_>| {
        if item.kind == archive::ItemKind::Directory {
            return Ok(());
        }
        members += 1;
        loop {
            match item.content.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => bytes += n as u64,
            }
        }
        Ok(())
    })?;
    println!(
        "{file}: {members} members, {bytes} bytes in {:.2} s, peak RSS {} MB",
        started.elapsed().as_secs_f64(),
        peak_rss_mb()
    );
    Ok(())
}

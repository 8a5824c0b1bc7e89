//! Writes a snapshot of C files whose comments hold words written to collide in tantivy's stock term
//! table (`vitrine_tests::collide`), for `scripts/bench-hostile.sh`:
//!
//! ```text
//! term_collisions OUT WORDS     # OUT/c0000.c, … with WORDS words in all, 50,000 per file
//! ```
//! It prints one of the words (to search for).

use std::io::Write;

use vitrine_tests::collide::murmur_colliding_words;

/// The ranked index's field of comment words is its fifth (number 4); a test checks it.
const COMMENTS: u32 = 4;
const WORDS_PER_FILE: usize = 50_000;

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(out), Some(n)) = (args.next(), args.next().and_then(|n| n.parse::<usize>().ok())) else {
        eprintln!("usage: term_collisions OUT WORDS");
        std::process::exit(2);
    };
    let out = std::path::PathBuf::from(out);
    std::fs::create_dir_all(&out)?;
    let words = murmur_colliding_words(COMMENTS, n, 1);
    for (i, chunk) in words.chunks(WORDS_PER_FILE).enumerate() {
        let mut f = std::io::BufWriter::new(std::fs::File::create(out.join(format!("c{i:04}.c")))?);
        writeln!(f, "/*")?;
        for line in chunk.chunks(8) {
            writeln!(f, " * {}", line.join(" "))?;
        }
        writeln!(f, " */\nint f{i}(void) {{ return {i}; }}")?;
        f.flush()?;
    }
    println!("{}", words.last().map_or("", String::as_str));
    Ok(())
}

//! The findings library at scale: writes N signed entries (default 100,000) through the record API into
//! ten reviews of a fresh data directory, builds the library from those logs, and times warm queries
//! (words, facets, sorts). `findings_bench DATA_DIR [N]` prints one line per query and a summary line.
//! Run by `scripts/bench-findings.sh`.

use std::time::Instant;

use vitrine_library::{FindingsQuery, Library, Scope, Sort};
use vitrine_record::entry::Target;
use vitrine_record::time::OffsetDateTime;
use vitrine_record::{Class, Draft, Kind, Review, Severity, Signer, allowed};

const REVIEWS: usize = 10;
const EN: &[&str] = &[
    "buffer",
    "overflow",
    "length",
    "check",
    "missing",
    "input",
    "parser",
    "packet",
    "header",
    "integer",
    "signed",
    "unsigned",
    "truncation",
    "telemetry",
    "upload",
    "licence",
    "key",
    "certificate",
    "hostname",
    "validation",
    "bypass",
    "admin",
    "password",
    "hardcoded",
    "debug",
    "backdoor",
    "timing",
    "leak",
    "memory",
    "free",
    "after",
    "use",
    "race",
    "lock",
    "file",
    "permissions",
    "world",
    "writable",
    "random",
    "seed",
    "weak",
    "hash",
    "md5",
    "crc",
    "firmware",
    "update",
    "signature",
    "verified",
    "rollback",
    "version",
];
const RU: &[&str] = &[
    "переполнение",
    "буфера",
    "проверка",
    "длины",
    "отсутствует",
    "утечка",
    "памяти",
    "ключ",
    "пароль",
    "обход",
    "подписи",
    "обновления",
    "журнал",
    "отладка",
    "сервер",
];
const SEVERITIES: [Severity; 5] =
    [Severity::Info, Severity::Low, Severity::Medium, Severity::High, Severity::Critical];

/// A deterministic xorshift generator: the same entries on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, words: &[&'a str]) -> &'a str {
        words[(self.next() % words.len() as u64) as usize]
    }
}

fn target(path: &str, first: u64) -> Target {
    let content: String = (1..=400).map(|i| format!("line {i}\n")).collect();
    Target {
        path: path.into(),
        path_bytes: None,
        blob: vitrine_record::entry::blob_id(content.as_bytes()),
        lines: Some([first, first + 1]),
        quote: vitrine_record::entry::quote_lines(content.as_bytes(), first, first + 1),
    }
}

fn write(data: &std::path::Path, n: usize) -> Result<(), Box<dyn std::error::Error>> {
    let signer = Signer::generate("bench")?;
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for r in 0..REVIEWS {
        let snap = format!("{:02x}", r + 1).repeat(32);
        let mut review = Review::open(&data.join("snapshots").join(&snap).join("review"), &snap)?;
        review.add_person(allowed::person("rev@example.org", "reviewer", &signer.public_openssh()?)?)?;
        let per = n / REVIEWS + usize::from(r < n % REVIEWS);
        let mut drafts = Vec::with_capacity(per);
        for i in 0..per {
            let mut d = Draft::new(Kind::Annotation);
            d.class = Some(Class::Finding);
            d.severity = Some(SEVERITIES[(rng.next() % 5) as usize]);
            d.category = Some(rng.pick(&["memory", "crypto", "auth", "network"]).to_owned());
            let words = 8 + (rng.next() % 16) as usize;
            let body: Vec<&str> = (0..words)
                .map(|_| if rng.next().is_multiple_of(5) { rng.pick(RU) } else { rng.pick(EN) })
                .collect();
            d.body = Some(body.join(" "));
            d.target = Some(target(&format!("src/m{}/f{}.c", i % 97, i % 1013), 1 + (i % 390) as u64));
            drafts.push(d);
        }
        let t = OffsetDateTime::from_unix_timestamp(1_700_000_000 + r as i64 * 86_400)?;
        review.append_many(&signer, drafts, t)?;
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let data = std::path::PathBuf::from(args.get(1).ok_or("usage: findings_bench DATA_DIR [N]")?);
    let n: usize = args.get(2).map_or(Ok(100_000), |s| s.parse())?;
    let t = Instant::now();
    write(&data, n)?;
    eprintln!("wrote {n} signed entries in {REVIEWS} reviews in {:.1} s", t.elapsed().as_secs_f64());
    let t = Instant::now();
    let (lib, _) = Library::open(&data)?;
    eprintln!("library built from the logs in {:.1} s ({} documents)", t.elapsed().as_secs_f64(), lib.len());
    let q = |text: &str| FindingsQuery { text: text.into(), limit: 50, ..FindingsQuery::default() };
    let queries: Vec<(&str, FindingsQuery)> = vec![
        ("one word", q("overflow")),
        ("two words", q("buffer overflow")),
        ("stemmed form", q("overflows")),
        ("russian", q("переполнения")),
        ("rare pair", q("rollback md5")),
        ("word + severity", FindingsQuery { severity: Some("critical".into()), ..q("leak") }),
        ("word + status", FindingsQuery { status: Some("open".into()), ..q("password") }),
        ("word + snapshot", FindingsQuery { snapshot: Some("0303".into()), ..q("certificate") }),
        ("threads, newest", FindingsQuery { scope: Scope::Threads, sort: Sort::Newest, ..q("hash") }),
        ("no words, by severity", FindingsQuery { sort: Sort::Severity, ..q("") }),
        ("no words, newest", FindingsQuery { sort: Sort::Newest, ..q("") }),
    ];
    let mut worst = 0.0f64;
    for (name, query) in &queries {
        lib.search(query)?; // warm-up
        let mut times: Vec<f64> = (0..9)
            .map(|_| {
                let t = Instant::now();
                let hits = lib.search(query).map(|h| h.len()).unwrap_or(0);
                std::hint::black_box(hits);
                t.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        times.sort_by(f64::total_cmp);
        let hits = lib.search(query)?.len();
        println!("{name:<24} {hits:>3} hits  median {:>6.2} ms  max {:>6.2} ms", times[4], times[8]);
        worst = worst.max(times[8]);
    }
    println!("summary: {n} entries, {} queries, worst warm query {worst:.2} ms", queries.len());
    Ok(())
}

//! Porting benchmark (scripts/bench-compare.sh): reviews OLD with N single-line threads spread over its
//! C sources (the first through the CLI, the rest signed in one batch through `vitrine_record`), then
//! times `vitrine port OLD NEW` in process and prints its summary.
//!
//!   portbench OLD NEW [N]   (N defaults to 10,000; work files under $TMPDIR, removed at the end)

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use vitrine_record::entry::{Target, blob_id, quote_lines, split_lines};
use vitrine_record::{Class, Draft, Kind, Review, Severity, Signer};

fn cli(args: &[&std::ffi::OsStr]) -> anyhow::Result<String> {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut all: Vec<&std::ffi::OsStr> = vec!["vitrine".as_ref()];
    all.extend_from_slice(args);
    if vitrine::run_with(all, &mut out, &mut err) != 0 {
        bail!("vitrine {args:?}: {}", String::from_utf8_lossy(&err));
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// The C sources under `root`, relative, sorted.
fn sources(root: &Path, rel: &Path, out: &mut Vec<String>) -> anyhow::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(root.join(rel))?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let ty = e.file_type()?;
        let r = rel.join(e.file_name());
        if ty.is_dir() {
            sources(root, &r, out)?;
        } else if ty.is_file() && r.extension().is_some_and(|x| x == "c" || x == "h") {
            out.push(r.to_string_lossy().into_owned());
        }
    }
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(old), Some(new)) = (args.get(1), args.get(2)) else { bail!("usage: portbench OLD NEW [N]") };
    let n: usize = args.get(3).map_or(Ok(10_000), |s| s.parse())?;
    let tmp = std::env::temp_dir().join(format!("vitrine-portbench-{}", std::process::id()));
    let data = tmp.join("data");
    let key = tmp.join("key");
    std::fs::create_dir_all(&tmp)?;
    let pubkey = PathBuf::from(format!("{}.pub", key.display()));
    let (d, k, o, nw) =
        (data.as_os_str(), key.as_os_str(), Path::new(old).as_os_str(), Path::new(new).as_os_str());
    cli(&[
        "--data".as_ref(),
        d,
        "key".as_ref(),
        "new".as_ref(),
        "--principal".as_ref(),
        "bench@example".as_ref(),
        "--role".as_ref(),
        "reviewer".as_ref(),
        "--out".as_ref(),
        k,
        "--no-passphrase".as_ref(),
    ])?;
    cli(&[
        "--data".as_ref(),
        d,
        "people".as_ref(),
        "add".as_ref(),
        o,
        "--principal".as_ref(),
        "bench@example".as_ref(),
        "--role".as_ref(),
        "reviewer".as_ref(),
        "--pubkey".as_ref(),
        pubkey.as_os_str(),
    ])?;
    let mut files = Vec::new();
    sources(Path::new(old), Path::new(""), &mut files)?;
    let files: Vec<(String, Vec<u8>)> = files
        .into_iter()
        .filter_map(|f| std::fs::read(Path::new(old).join(&f)).ok().map(|c| (f, c)))
        .filter(|(_, c)| !c.is_empty())
        .collect();
    let Some((first, _)) = files.first() else { bail!("no C sources under {old}") };
    cli(&[
        "--data".as_ref(),
        d,
        "annotate".as_ref(),
        o,
        "--key".as_ref(),
        k,
        "--file".as_ref(),
        first.as_ref(),
        "--lines".as_ref(),
        "1".as_ref(),
        "--kind".as_ref(),
        "finding".as_ref(),
        "--severity".as_ref(),
        "low".as_ref(),
        "--body".as_ref(),
        "bench 0".as_ref(),
    ])?;
    let snapshots = data.join("snapshots");
    let review_dir = std::fs::read_dir(&snapshots)?
        .filter_map(Result::ok)
        .map(|e| e.path().join("review"))
        .find(|p| p.is_dir())
        .context("no review written")?;
    let tree =
        review_dir.parent().and_then(|p| p.file_name()).context("review dir")?.to_string_lossy().into_owned();
    let t = Instant::now();
    {
        let mut review = Review::open(&review_dir, &tree)?;
        let signer = Signer::read(&key, bail_passphrase)?;
        let drafts: Vec<Draft> = (1..n)
            .map(|i| {
                let (path, content) = &files[i % files.len()];
                let lines = split_lines(content).len().max(1) as u64;
                let line = (i as u64 * 7919) % lines + 1;
                let mut d = Draft::new(Kind::Annotation);
                d.target = Some(Target::at(
                    path.as_bytes(),
                    blob_id(content),
                    Some([line, line]),
                    quote_lines(content, line, line),
                ));
                d.class = Some(Class::Finding);
                d.severity = Some(Severity::Low);
                d.body = Some(format!("bench {i}"));
                d
            })
            .collect();
        review.append_many(&signer, drafts, vitrine_record::time::OffsetDateTime::now_utc())?;
    }
    eprintln!("wrote {n} threads over {} files in {:.2} s", files.len(), t.elapsed().as_secs_f64());
    let t = Instant::now();
    let out = cli(&["--data".as_ref(), d, "port".as_ref(), o, nw, "--key".as_ref(), k])?;
    let secs = t.elapsed().as_secs_f64();
    println!("{}", out.lines().last().unwrap_or_default());
    println!("port: {n} threads in {secs:.2} s");
    std::fs::remove_dir_all(&tmp)?;
    Ok(())
}

fn bail_passphrase() -> Result<String, vitrine_record::RecordError> {
    Err(vitrine_record::RecordError::Usage("the bench key has no passphrase".into()))
}

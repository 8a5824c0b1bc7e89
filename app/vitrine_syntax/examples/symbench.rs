//! Benchmark and recall check of the symbol index on a source tree (used by
//! `scripts/bench-symbols.sh`):
//!
//! `symbench build DIR OUT` builds the index of every file under DIR into OUT (largest first, as a
//! snapshot's build does; `SYMBENCH_ORDER=path` in path order) and prints one JSON
//! line (time, size, peak memory, counts); `symbench lookup OUT NAME...` times lookups and callers;
//! `symbench recall OUT TSV` reads `name<TAB>line<TAB>path` lines (as `ctags -x --_xformat` prints
//! them) and reports how many have a definition or declaration of that name in that file at that
//! line (and within 2 lines), with the misses grouped by kind letter when a 4th column is given;
//! ctags' functions count only when Vitrine has a definition (not a declaration) there. With the
//! source tree as a third argument, each missed ctags function is classed by reading its source
//! (see `MissClass`), and a judged recall leaves out what ctags invents.
//! `symbench steps DIR` sums, over the C and C++ files under DIR, the time of each step of the
//! index's extraction (directives-only scan, preprocessor blanking, skimming, macro blanking, the
//! first parse, the rest), to see where a build's time goes.
//! `symbench spans OUT` times reading every function span of a built index (what the ranked build
//! reads before it starts) and prints their count and a digest of them.
//! `symbench extras DIR TSV` lists the function definitions Vitrine finds that ctags does not (same
//! file, within 2 lines, under the definition's name or the macro that wraps it), with a sample to
//! judge.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use vitrine_snapshot::progress::Progress;
use vitrine_syntax::index::{self, Match, SourceFile, SymbolIndex};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("build") if args.len() == 3 => build(Path::new(&args[1]), Path::new(&args[2])),
        Some("lookup") if args.len() >= 3 => lookup(Path::new(&args[1]), &args[2..]),
        Some("recall") if args.len() == 3 => recall(Path::new(&args[1]), Path::new(&args[2]), None),
        Some("recall") if args.len() == 4 => {
            recall(Path::new(&args[1]), Path::new(&args[2]), Some(Path::new(&args[3])))
        }
        Some("slow") if args.len() == 2 => slow(Path::new(&args[1])),
        Some("query") if args.len() == 2 => query_time(Path::new(&args[1])),
        Some("spans") if args.len() == 2 => spans(Path::new(&args[1])),
        Some("phases") if args.len() == 2 => phases(Path::new(&args[1])),
        Some("steps") if args.len() == 2 => steps(Path::new(&args[1])),
        Some("errors") if args.len() == 3 => errors(Path::new(&args[1]), &args[2]),
        Some("dump") if args.len() == 2 => dump(Path::new(&args[1])),
        Some("extras") if args.len() == 3 => extras(Path::new(&args[1]), Path::new(&args[2])),
        Some("skim") if args.len() == 2 => {
            // The file as the index's parser sees it (skimmed bodies blanked).
            let bytes = std::fs::read(&args[1]).map_err(|e| e.to_string());
            bytes.map(|b| {
                let out = vitrine_syntax::debug::debug_skim(&b).unwrap_or(b);
                print!("{}", String::from_utf8_lossy(&out));
            })
        }
        _ => Err("usage: symbench build DIR OUT | lookup OUT NAME... | recall OUT TSV".to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("symbench: {e}");
            ExitCode::from(2)
        }
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() {
            walk(&e.path(), out);
        } else if ft.is_file() {
            out.push(e.path());
        }
    }
}

fn build(dir: &Path, out: &Path) -> Result<(), String> {
    let mut paths = Vec::new();
    walk(dir, &mut paths);
    paths.sort();
    let files: Vec<SourceFile> = paths
        .iter()
        .map(|p| SourceFile {
            path: p.strip_prefix(dir).unwrap_or(p).to_string_lossy().into_owned(),
            language: None,
            assembly: false,
        })
        .collect();
    // The files are parsed largest first, as a snapshot's build does (`SYMBENCH_ORDER=path`: in path
    // order, as symbench did before session 12).
    let order_as_read = std::env::var("SYMBENCH_ORDER").is_ok_and(|o| o == "path");
    let sizes: Vec<u64> = paths.iter().map(|p| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)).collect();
    let progress = Progress::default();
    let started = Instant::now();
    let read = |i: usize| paths.get(i).and_then(|p| std::fs::read(p).ok());
    // The time at which the build starts writing (after every file is read and merged).
    let writing_at = std::sync::Mutex::new(None::<f64>);
    let done = std::sync::atomic::AtomicBool::new(false);
    let idx = std::thread::scope(|s| {
        s.spawn(|| {
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                if progress.view().phase.contains("writing") {
                    if let Ok(mut w) = writing_at.lock() {
                        w.get_or_insert(started.elapsed().as_secs_f64());
                    }
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
        });
        let sizes = (!order_as_read).then_some(sizes.as_slice());
        let idx = index::build(&files, sizes, read, out, &Default::default(), &progress);
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        idx
    })
    .map_err(|e| e.to_string())?;
    let elapsed = started.elapsed();
    let writing_s = writing_at.lock().ok().and_then(|w| *w).map(|w| elapsed.as_secs_f64() - w);
    let meta = idx.meta();
    let peak_kb = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(|l| l.to_string()))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse::<u64>().ok()))
        .unwrap_or(0);
    println!(
        "{}",
        serde_json::json!({
            "files": meta.files,
            "parsed_files": meta.parsed_files,
            "seconds": elapsed.as_secs_f64(),
            "writing_seconds": writing_s,
            "size_bytes": meta.size_bytes,
            "peak_rss_mb": peak_kb / 1024,
            "definitions": meta.definitions,
            "declarations": meta.declarations,
            "calls": meta.calls,
            "names": meta.names,
            "files_with_errors": meta.files_with_errors,
            "parse_errors": meta.parse_errors,
            "kinds": meta.kinds,
            "parse_timeouts": meta.parse_timeouts,
        })
    );
    Ok(())
}

fn lookup(out: &Path, names: &[String]) -> Result<(), String> {
    let t = Instant::now();
    let idx = SymbolIndex::open(out).map_err(|e| e.to_string())?;
    let open_ms = t.elapsed().as_secs_f64() * 1000.0;
    for name in names {
        // First call warms the page cache; the median of the next five is reported.
        let mut def_ms = Vec::new();
        let mut callers_ms = Vec::new();
        let mut found = (0, 0);
        for _ in 0..6 {
            let t = Instant::now();
            let hits = idx.lookup(name, Match::Exact).map_err(|e| e.to_string())?;
            def_ms.push(t.elapsed().as_secs_f64() * 1000.0);
            let t = Instant::now();
            let callers = idx.callers(name).map_err(|e| e.to_string())?;
            callers_ms.push(t.elapsed().as_secs_f64() * 1000.0);
            found = (hits.len(), callers.len());
        }
        let median = |v: &mut Vec<f64>| {
            let mut w: Vec<f64> = v.iter().skip(1).copied().collect();
            w.sort_by(|a, b| a.total_cmp(b));
            w.get(w.len() / 2).copied().unwrap_or(0.0)
        };
        println!(
            "{}",
            serde_json::json!({
                "name": name, "open_ms": open_ms, "defs": found.0, "caller_groups": found.1,
                "def_ms": median(&mut def_ms), "callers_ms": median(&mut callers_ms),
            })
        );
    }
    Ok(())
}

/// Why Vitrine has no definition of a ctags function, read from the source after the name ctags
/// gives (a macro's, for every class but `Other`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum MissClass {
    /// `STACK_OF(X509) *f(…) {`: ctags names the macro of the return type; Vitrine has the
    /// function under its own name (`f`), whose definition starts within 2 lines. Counted as found.
    ReturnTypeMacro,
    /// No function head and body follow: a statement-like invocation (`IMPLEMENT_ASN1_FUNCTIONS(X)`,
    /// which ctags takes for a K&R function head) or one in a class head (`struct ALIGN_AS(64) S {`).
    /// No function written there: left out of the judged figure.
    NoFunction,
    /// Anything else: a real miss.
    Other,
}

impl MissClass {
    fn as_str(self) -> &'static str {
        match self {
            MissClass::ReturnTypeMacro => "return_type_macro",
            MissClass::NoFunction => "no_function",
            MissClass::Other => "other",
        }
    }
}

/// Classes a missed ctags function `name` at 1-based `line` of `source`, given the first lines and
/// names of Vitrine's function definitions in that file.
fn classify_miss(source: &[u8], name: &str, line: u32, functions: &[(String, u32, u32)]) -> MissClass {
    let line_start = if line <= 1 {
        0
    } else {
        match memchr_nth_newline(source, line - 2) {
            Some(i) => i + 1,
            None => return MissClass::Other,
        }
    };
    let rest = &source[line_start.min(source.len())..];
    let Some(at) = find(rest, name.as_bytes()) else { return MissClass::Other };
    let mut i = at + name.len();
    i += rest[i..].iter().take_while(|c| c.is_ascii_whitespace()).count();
    if rest.get(i) != Some(&b'(') {
        return MissClass::Other;
    }
    // The matching `)`.
    let mut depth = 0usize;
    let close = rest[i..].iter().position(|&c| {
        match c {
            b'(' => depth += 1,
            b')' => depth -= 1,
            _ => {}
        }
        depth == 0
    });
    let Some(close) = close.map(|c| i + c + 1) else { return MissClass::Other };
    let after = skip_blanks_and_comments(&rest[close..]);
    match after.first() {
        // A template block of a `*.in` file (`{- perl -}`) is no body.
        Some(b'{') if after.get(1) == Some(&b'-') => MissClass::NoFunction,
        // A body or a parameter list right after the macro: the macro writes the function head.
        Some(b'{') | Some(b'(') => MissClass::Other,
        _ => {
            // `*name(` after the macro: the macro is the return type, if Vitrine has that function.
            let head = &after
                [after.iter().take_while(|c| matches!(c, b'*' | b'&') || c.is_ascii_whitespace()).count()..];
            let word_len = head.iter().take_while(|c| c.is_ascii_alphanumeric() || **c == b'_').count();
            let word = &head[..word_len];
            let called = skip_blanks_and_comments(&head[word_len..]).first() == Some(&b'(');
            let named =
                functions.iter().any(|(f, start, _)| (start + 1).abs_diff(line) <= 2 && f.as_bytes() == word);
            if called && named { MissClass::ReturnTypeMacro } else { MissClass::NoFunction }
        }
    }
}

fn memchr_nth_newline(s: &[u8], n: u32) -> Option<usize> {
    s.iter().enumerate().filter(|(_, c)| **c == b'\n').nth(n as usize).map(|(i, _)| i)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len().max(1)).position(|w| w == needle)
}

fn skip_blanks_and_comments(mut s: &[u8]) -> &[u8] {
    loop {
        let n = s.iter().take_while(|c| c.is_ascii_whitespace() || **c == b'\\').count();
        s = &s[n..];
        if s.starts_with(b"/*") {
            match find(s, b"*/") {
                Some(e) => s = &s[e + 2..],
                None => return &[],
            }
        } else if s.starts_with(b"//") {
            s = &s[s.iter().position(|&c| c == b'\n').unwrap_or(s.len())..];
        } else {
            return s;
        }
    }
}

fn recall(out: &Path, tsv: &Path, src: Option<&Path>) -> Result<(), String> {
    let idx = SymbolIndex::open(out).map_err(|e| e.to_string())?;
    let spans = if src.is_some() { idx.function_spans().map_err(|e| e.to_string())? } else { Vec::new() };
    let mut classes: BTreeMap<&'static str, u64> = BTreeMap::new();
    let mut class_examples: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
    let mut source_cache: Option<(String, Vec<u8>)> = None;
    let text = std::fs::read_to_string(tsv).map_err(|e| e.to_string())?;
    let (mut n, mut exact, mut near) = (0u64, 0u64, 0u64);
    let mut missed_by_kind: BTreeMap<String, u64> = BTreeMap::new();
    let mut total_by_kind: BTreeMap<String, u64> = BTreeMap::new();
    let mut examples: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut cache: std::collections::HashMap<String, Vec<(String, u32, bool)>> =
        std::collections::HashMap::new();
    // ctags' function definitions, found as Vitrine definitions within 2 lines.
    let (mut functions, mut functions_defined) = (0u64, 0u64);
    // With MISSES=FILE, every missed ctags line is written there.
    let mut misses = std::env::var_os("MISSES").and_then(|p| std::fs::File::create(p).ok());
    for line in text.lines() {
        let cols: Vec<&str> = line.split('\t').collect();
        let (Some(name), Some(lno), Some(path)) = (cols.first(), cols.get(1), cols.get(2)) else { continue };
        let Ok(lno) = lno.parse::<u32>() else { continue };
        let kind = cols.get(3).map(|k| k.to_string()).unwrap_or_default();
        // ctags writes `operator ()`; Vitrine names it `operator()` (and `operator new` keeps its space).
        let normalized = normalize_operator(name);
        let name = &normalized.as_str();
        let path = path.trim_start_matches("./");
        n += 1;
        *total_by_kind.entry(kind.clone()).or_default() += 1;
        if !cache.contains_key(*name) {
            let hits = idx.lookup(name, Match::Exact).map_err(|e| e.to_string())?;
            cache.insert(
                name.to_string(),
                hits.into_iter()
                    .map(|h| (h.path, h.at.line + 1, h.role == index::Role::Definition))
                    .collect(),
            );
        }
        let hits = cache.get(*name).map(Vec::as_slice).unwrap_or_default();
        let same_file = || hits.iter().filter(|(p, _, _)| p == path);
        if kind == "function" {
            functions += 1;
            if same_file().any(|(_, l, def)| *def && l.abs_diff(lno) <= 2) {
                functions_defined += 1;
            } else {
                if let Some(f) = misses.as_mut() {
                    use std::io::Write;
                    let _ = writeln!(f, "F\t{line}");
                }
                if let Some(dir) = src {
                    if source_cache.as_ref().is_none_or(|(p, _)| p != path) {
                        let bytes = std::fs::read(dir.join(path)).unwrap_or_default();
                        source_cache = Some((path.to_string(), bytes));
                    }
                    let text = source_cache.as_ref().map(|(_, b)| b.as_slice()).unwrap_or_default();
                    let functions = idx
                        .file_id(path)
                        .and_then(|f| spans.get(f as usize))
                        .map(Vec::as_slice)
                        .unwrap_or_default();
                    let class = classify_miss(text, name, lno, functions);
                    *classes.entry(class.as_str()).or_default() += 1;
                    let ex = class_examples.entry(class.as_str()).or_default();
                    if ex.len() < 12 {
                        ex.push(format!("{name} {path}:{lno}"));
                    }
                }
            }
        }
        if same_file().any(|(_, l, _)| *l == lno) {
            exact += 1;
            near += 1;
        } else if same_file().any(|(_, l, _)| l.abs_diff(lno) <= 2) {
            near += 1;
        } else {
            *missed_by_kind.entry(kind.clone()).or_default() += 1;
            if let Some(f) = misses.as_mut() {
                use std::io::Write;
                let _ = writeln!(f, "{line}");
            }
            let ex = examples.entry(kind).or_default();
            if ex.len() < 8 {
                ex.push(format!("{name} {path}:{lno}"));
            }
        }
        if cache.len() > 200_000 {
            cache.clear();
        }
    }
    // ctags' functions less those where no function is written; a return-type macro counted as the
    // function Vitrine names.
    let no_function = classes.get("no_function").copied().unwrap_or(0);
    let renamed = classes.get("return_type_macro").copied().unwrap_or(0);
    let real = functions.saturating_sub(no_function);
    let judged = (src.is_some() && real > 0).then(|| (functions_defined + renamed) as f64 / real as f64);
    println!(
        "{}",
        serde_json::json!({
            "ctags_definitions": n,
            "same_line": exact,
            "within_2_lines": near,
            "recall_same_line": if n > 0 { exact as f64 / n as f64 } else { 0.0 },
            "recall_within_2": if n > 0 { near as f64 / n as f64 } else { 0.0 },
            "ctags_functions": functions,
            "functions_defined_within_2": functions_defined,
            "function_recall": if functions > 0 { functions_defined as f64 / functions as f64 } else { 0.0 },
            "function_misses_by_class": classes,
            "function_miss_examples": class_examples,
            "function_recall_judged": judged,
            "total_by_kind": total_by_kind,
            "missed_by_kind": missed_by_kind,
            "missed_examples": examples,
        })
    );
    Ok(())
}

/// Prints the 25 files that take longest to extract (to find grammar pathologies), the share of the
/// total taken by the slowest files, and the CPU time per top-level directory.
fn slow(dir: &Path) -> Result<(), String> {
    use rayon::prelude::*;
    let mut paths = Vec::new();
    walk(dir, &mut paths);
    let mut times: Vec<(f64, usize, u32, String)> = paths
        .par_iter()
        .filter_map(|p| {
            let bytes = std::fs::read(p).ok()?;
            let rel = p.strip_prefix(dir).unwrap_or(p).to_string_lossy().into_owned();
            let lang = vitrine_syntax::language_for_path(&rel, &bytes)?;
            // As the snapshot-wide index extracts (bodies skimmed).
            let options = vitrine_syntax::symbols::ExtractOptions {
                skim_bodies: true,
                ..vitrine_syntax::symbols::ExtractOptions::default()
            };
            let t = Instant::now();
            let fs = vitrine_syntax::extract_with(lang, &bytes, &options);
            Some((t.elapsed().as_secs_f64(), bytes.len(), fs.parse_errors, rel))
        })
        .collect();
    let total: f64 = times.iter().map(|t| t.0).sum();
    let bytes: usize = times.iter().map(|t| t.1).sum();
    times.sort_by(|a, b| b.0.total_cmp(&a.0));
    println!("total extract cpu {total:.1}s over {} files, {} MB", times.len(), bytes / 1_000_000);
    for n in [10, 100, 1000] {
        let share: f64 = times.iter().take(n).map(|t| t.0).sum::<f64>() / total.max(1e-9);
        println!("slowest {n} files: {:.1}% of the time", share * 100.0);
    }
    for (t, len, errors, p) in times.iter().take(25) {
        println!("{t:8.2}s {len:>9} bytes {errors:>6} errors  {p}");
    }
    let mut per_ext: BTreeMap<String, (f64, usize, usize)> = BTreeMap::new();
    for (t, len, _, p) in &times {
        let ext = p.rsplit_once('.').map(|(_, e)| e.to_string()).unwrap_or_default();
        let e = per_ext.entry(ext).or_default();
        e.0 += t;
        e.1 += len;
        e.2 += 1;
    }
    let mut per_ext: Vec<_> = per_ext.into_iter().collect();
    per_ext.sort_by(|a, b| b.1.0.total_cmp(&a.1.0));
    for (ext, (t, len, n)) in per_ext.iter().take(10) {
        println!("{t:8.1}s {:>6} MB {n:>6} files  .{ext}", len / 1_000_000);
    }
    let mut per_dir: BTreeMap<String, (f64, usize)> = BTreeMap::new();
    for (t, len, _, p) in &times {
        let top = p.split('/').next().unwrap_or_default().to_string();
        let e = per_dir.entry(top).or_default();
        e.0 += t;
        e.1 += len;
    }
    let mut per_dir: Vec<_> = per_dir.into_iter().collect();
    per_dir.sort_by(|a, b| b.1.0.total_cmp(&a.1.0));
    for (d, (t, len)) in per_dir.iter().take(12) {
        println!("{t:8.1}s {:>6} MB  {d}/", len / 1_000_000);
    }
    Ok(())
}

/// Prints every file's extraction (outline, declarations, includes, references) under a directory, to
/// compare two versions of the extractor with `diff`.
/// Function definitions (as the index extracts them) that ctags' TSV does not have in the same file
/// within 2 lines: the count, and every 1 in N of them (N from `SAMPLE_EVERY`, default 50) to judge.
fn extras(dir: &Path, tsv: &Path) -> Result<(), String> {
    use rayon::prelude::*;
    let text = std::fs::read_to_string(tsv).map_err(|e| e.to_string())?;
    let mut ctags: std::collections::HashMap<(String, String), Vec<u32>> = std::collections::HashMap::new();
    for line in text.lines() {
        let cols: Vec<&str> = line.split('\t').collect();
        let (Some(name), Some(lno), Some(path)) = (cols.first(), cols.get(1), cols.get(2)) else { continue };
        let Ok(lno) = lno.parse::<u32>() else { continue };
        let key = (path.trim_start_matches("./").to_string(), normalize_operator(name));
        ctags.entry(key).or_default().push(lno);
    }
    let mut paths = Vec::new();
    walk(dir, &mut paths);
    paths.sort();
    let found: Vec<(String, String, u32, Option<String>)> = paths
        .par_iter()
        .flat_map_iter(|p| {
            let rel = p.strip_prefix(dir).unwrap_or(p).to_string_lossy().into_owned();
            let bytes = std::fs::read(p).unwrap_or_default();
            let options = vitrine_syntax::ExtractOptions { skim_bodies: true, ..Default::default() };
            let defs = vitrine_syntax::language_for_path(&rel, &bytes)
                .filter(|l| matches!(l, vitrine_syntax::Language::C | vitrine_syntax::Language::Cpp))
                .map(|l| vitrine_syntax::extract_with(l, &bytes, &options).definitions)
                .unwrap_or_default();
            defs.into_iter()
                .filter(|d| d.kind.is_function_like())
                .map(|d| (rel.clone(), d.name, d.name_range.start.line + 1, d.via_macro))
                .collect::<Vec<_>>()
        })
        .collect();
    let only: Vec<&(String, String, u32, Option<String>)> = found
        .iter()
        .filter(|(path, name, line, via)| {
            // Under its own name, or under the macro that wraps it (as ctags names `TEST_F(A, B) {`).
            let known = |n: &str| {
                ctags
                    .get(&(path.clone(), normalize_operator(n)))
                    .is_some_and(|lines| lines.iter().any(|l| l.abs_diff(*line) <= 2))
            };
            !known(name) && !via.as_deref().is_some_and(known)
        })
        .collect();
    let every = std::env::var("SAMPLE_EVERY").ok().and_then(|v| v.parse::<usize>().ok()).unwrap_or(50).max(1);
    let sample: Vec<String> = only
        .iter()
        .step_by(every)
        .map(|(p, n, l, via)| {
            format!("{n} {p}:{l}{}", via.as_deref().map(|m| format!(" via {m}")).unwrap_or_default())
        })
        .collect();
    println!(
        "{}",
        serde_json::json!({
            "vitrine_functions": found.len(),
            "only_vitrine": only.len(),
            "only_vitrine_via_macro": only.iter().filter(|o| o.3.is_some()).count(),
            "sample_every": every,
            "sample": sample,
        })
    );
    Ok(())
}

fn dump(dir: &Path) -> Result<(), String> {
    let mut paths = Vec::new();
    walk(dir, &mut paths);
    paths.sort();
    for p in &paths {
        let Ok(bytes) = std::fs::read(p) else { continue };
        let rel = p.strip_prefix(dir).unwrap_or(p).to_string_lossy().into_owned();
        let Some(lang) = vitrine_syntax::language_for_path(&rel, &bytes) else { continue };
        // SKIM=1 dumps what the index sees (C function bodies read lexically).
        let options = vitrine_syntax::ExtractOptions {
            skim_bodies: std::env::var_os("SKIM").is_some(),
            ..vitrine_syntax::ExtractOptions::default()
        };
        let fs = vitrine_syntax::extract_with(lang, &bytes, &options);
        println!("== {rel} {} errors, includes {:?}", fs.parse_errors, fs.includes);
        print!("{}", fs.outline_text());
        for r in &fs.references {
            let enclosing = r.enclosing.and_then(|e| fs.definitions.get(e as usize)).map(|d| d.name.as_str());
            println!(
                "ref {} {} {}:{} {:?}",
                r.name,
                r.kind.as_str(),
                r.at.line + 1,
                r.at.column + 1,
                enclosing
            );
        }
    }
    Ok(())
}

/// CPU seconds per phase over every file under a directory, one thread: parsing alone, definitions
/// (neutralize, parse, definitions query, recovery), everything (with references).
fn phases(dir: &Path) -> Result<(), String> {
    let mut paths = Vec::new();
    walk(dir, &mut paths);
    let (mut parse, mut defs, mut full, mut bytes_total) = (0f64, 0f64, 0f64, 0usize);
    for p in &paths {
        let Ok(bytes) = std::fs::read(p) else { continue };
        let rel = p.strip_prefix(dir).unwrap_or(p).to_string_lossy().into_owned();
        let Some(lang) = vitrine_syntax::language_for_path(&rel, &bytes) else { continue };
        bytes_total += bytes.len();
        let t = Instant::now();
        let _ = vitrine_syntax::debug::debug_tree_len(lang, &bytes);
        parse += t.elapsed().as_secs_f64();
        let t = Instant::now();
        let _ = vitrine_syntax::extract_definitions(lang, &bytes);
        defs += t.elapsed().as_secs_f64();
        let t = Instant::now();
        let _ = vitrine_syntax::extract(lang, &bytes);
        full += t.elapsed().as_secs_f64();
    }
    println!(
        "{}",
        serde_json::json!({"mb": bytes_total / 1_000_000, "parse_s": parse, "definitions_s": defs, "full_s": full})
    );
    Ok(())
}

/// Times the references query alone on one file.
fn query_time(file: &Path) -> Result<(), String> {
    use streaming_iterator::StreamingIterator;
    let bytes = std::fs::read(file).map_err(|e| e.to_string())?;
    let lang = vitrine_syntax::language_for_path(&file.to_string_lossy(), &bytes).ok_or("no language")?;
    let mut parser = tree_sitter::Parser::new();
    parser.set_language(&vitrine_syntax::grammar::ts_language(lang)).map_err(|e| e.to_string())?;
    let tree = parser.parse(&bytes, None).ok_or("no tree")?;
    for (label, q) in [
        ("definitions", vitrine_syntax::grammar::definitions_query(lang)),
        ("references", vitrine_syntax::grammar::references_query(lang)),
    ] {
        let q = q.map_err(|e| e.to_string())?;
        let t = Instant::now();
        let mut cursor = tree_sitter::QueryCursor::new();
        let mut m = cursor.matches(q, tree.root_node(), bytes.as_slice());
        let mut n = 0usize;
        while m.next().is_some() {
            n += 1;
        }
        println!("{label}: {n} matches in {:.3}s", t.elapsed().as_secs_f64());
        let t = Instant::now();
        let mut cursor = tree_sitter::QueryCursor::new();
        let mut c = cursor.captures(q, tree.root_node(), bytes.as_slice());
        let mut n = 0usize;
        while c.next().is_some() {
            n += 1;
        }
        println!("{label}: {n} captures in {:.3}s", t.elapsed().as_secs_f64());
    }
    let t = Instant::now();
    let fs = vitrine_syntax::extract(lang, &bytes);
    println!(
        "extract: {} refs {} defs in {:.3}s",
        fs.references.len(),
        fs.definitions.len(),
        t.elapsed().as_secs_f64()
    );
    Ok(())
}

fn normalize_operator(name: &str) -> String {
    let Some(rest) = name.strip_prefix("operator") else { return name.to_string() };
    let rest = rest.trim();
    if rest.starts_with(|c: char| c.is_alphabetic() || c == '_') {
        format!("operator {}", rest.split_whitespace().collect::<Vec<_>>().join(" "))
    } else {
        format!("operator{}", rest.split_whitespace().collect::<String>())
    }
}

/// The time of each step of the index's extraction, summed over the C and C++ files under `dir`
/// (on every core: the figures are CPU seconds, inflated alike when the machine is loaded).
fn steps(dir: &Path) -> Result<(), String> {
    use rayon::prelude::*;
    use vitrine_syntax::debug::StepTimes;
    let mut paths = Vec::new();
    walk(dir, &mut paths);
    let timed: Vec<(StepTimes, usize)> = paths
        .par_iter()
        .filter_map(|p| {
            let bytes = std::fs::read(p).ok()?;
            let rel = p.strip_prefix(dir).unwrap_or(p).to_string_lossy().into_owned();
            let lang = vitrine_syntax::language_for_path(&rel, &bytes)?;
            Some((vitrine_syntax::debug::debug_step_times(lang, &bytes)?, bytes.len()))
        })
        .collect();
    let sum = |f: &dyn Fn(&StepTimes) -> f64| timed.iter().map(|(t, _)| f(t)).sum::<f64>();
    let total = sum(&|t| t.total);
    let share = |s: f64| 100.0 * s / total.max(1e-9);
    let steps = sum(&|t| t.defines_scan + t.prepare + t.skim + t.neutralize + t.parse);
    let defines_only = timed.iter().filter(|(t, _)| t.defines_only).count();
    let with_errors: Vec<&StepTimes> = timed.iter().map(|(t, _)| t).filter(|t| t.parse_errors).collect();
    let mb = |b: usize| b as f64 / 1e6;
    println!(
        "{} C/C++ files, {:.0} MB ({defines_only} read by the directives-only scan)",
        timed.len(),
        mb(timed.iter().map(|(_, b)| b).sum())
    );
    println!("{:<34} {:>8.1} s", "whole extraction", total);
    for (label, s) in [
        ("directives-only scan", sum(&|t| t.defines_scan)),
        ("preprocessor blanking (prepare)", sum(&|t| t.prepare)),
        ("skimming bodies", sum(&|t| t.skim)),
        ("macro blanking (neutralize)", sum(&|t| t.neutralize)),
        ("first parse (tree-sitter)", sum(&|t| t.parse)),
        ("rest (walk, recovery, refs, reparse)", total - steps),
    ] {
        println!("{label:<34} {s:>8.1} s {:>5.1}%", share(s));
    }
    println!(
        "parsed {:.0} MB; {} trees with errors: {:.0} MB parsed in {:.1} s",
        mb(timed.iter().map(|(t, _)| t.parsed_bytes).sum()),
        with_errors.len(),
        mb(with_errors.iter().map(|t| t.parsed_bytes).sum()),
        with_errors.iter().map(|t| t.parse).sum::<f64>()
    );
    Ok(())
}

/// `symbench errors DIR N`: which files' first parse holds errors, which are parsed a second time,
/// and the line of the first error of N of them (evenly spaced in path order), to classify why.
fn errors(dir: &Path, sample: &str) -> Result<(), String> {
    use rayon::prelude::*;
    let sample: usize = sample.parse().map_err(|_| format!("not a number: {sample}"))?;
    let mut paths = Vec::new();
    walk(dir, &mut paths);
    paths.sort();
    let found: Vec<(String, usize, vitrine_syntax::debug::FirstError)> = paths
        .par_iter()
        .filter_map(|p| {
            let bytes = std::fs::read(p).ok()?;
            let rel = p.strip_prefix(dir).unwrap_or(p).to_string_lossy().into_owned();
            let lang = vitrine_syntax::language_for_path(&rel, &bytes)?;
            Some((rel, bytes.len(), vitrine_syntax::debug::debug_first_error(lang, &bytes)?))
        })
        .collect();
    let mb = |b: usize| b as f64 / 1e6;
    let with_errors: Vec<&(String, usize, vitrine_syntax::debug::FirstError)> =
        found.iter().filter(|f| f.2.first.is_some()).collect();
    let whole: Vec<_> = found.iter().filter(|f| f.2.reparsed_whole).collect();
    let given: Vec<_> = found.iter().filter(|f| f.2.bodies_given_back > 0).collect();
    println!(
        "{} files parsed ({:.0} MB parsed); {} with errors ({:.0} MB parsed), {} of them MISSING first",
        found.len(),
        mb(found.iter().map(|f| f.2.parsed_bytes).sum()),
        with_errors.len(),
        mb(with_errors.iter().map(|f| f.2.parsed_bytes).sum()),
        with_errors.iter().filter(|f| f.2.missing).count()
    );
    println!(
        "of the parsed text: {:.0} MB in function bodies left to the grammar, {:.0} MB comments, {:.0} MB #define lines",
        mb(found.iter().map(|f| f.2.body_bytes).sum()),
        mb(found.iter().map(|f| f.2.comment_bytes).sum()),
        mb(found.iter().map(|f| f.2.define_bytes).sum())
    );
    println!(
        "parsed again whole (one ERROR over most of the file): {} files, {:.0} MB of file",
        whole.len(),
        mb(whole.iter().map(|f| f.1).sum())
    );
    println!(
        "bodies given back (swallowed by a broken construct): {} files, {} bodies",
        given.len(),
        given.iter().map(|f| f.2.bodies_given_back).sum::<usize>()
    );
    let step = (with_errors.len() / sample.max(1)).max(1);
    for (path, _, e) in with_errors.iter().step_by(step).take(sample) {
        if let Some((line, text)) = &e.first {
            let what = if e.missing { "MISSING" } else { "ERROR" };
            println!("{path}:{}: {what}: {text}", line + 1);
        }
    }
    Ok(())
}

/// `symbench spans OUT`: the function spans of a built index, timed, counted and digested.
fn spans(out: &Path) -> Result<(), String> {
    use std::hash::{Hash, Hasher};
    let idx = SymbolIndex::open(out).map_err(|e| e.to_string())?;
    let t = Instant::now();
    let spans = idx.function_spans().map_err(|e| e.to_string())?;
    let ms = t.elapsed().as_secs_f64() * 1e3;
    let mut h = std::collections::hash_map::DefaultHasher::new();
    spans.hash(&mut h);
    let total: usize = spans.iter().map(Vec::len).sum();
    println!(
        "{}",
        serde_json::json!({"function_spans_ms": ms, "spans": total, "digest": format!("{:016x}", h.finish())})
    );
    Ok(())
}

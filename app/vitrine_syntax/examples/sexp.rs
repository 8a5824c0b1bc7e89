//! Prints the tree-sitter syntax tree of a file (a debugging aid for writing queries):
//! `cargo run -p vitrine_syntax --example sexp -- FILE [LANG]`.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let Some(path) = args.get(1) else {
        eprintln!("usage: sexp FILE [LANG]");
        return ExitCode::from(2);
    };
    let Ok(source) = std::fs::read(path) else {
        eprintln!("cannot read {path}");
        return ExitCode::from(2);
    };
    let lang = match args.get(2) {
        Some(name) => vitrine_syntax::Language::from_name(name),
        None => vitrine_syntax::language_for_path(path, &source),
    };
    let Some(lang) = lang else {
        eprintln!("no grammar for {path}");
        return ExitCode::from(2);
    };
    if std::env::var_os("OUTLINE").is_some() {
        let fs = vitrine_syntax::extract(lang, &source);
        print!("{}", fs.outline_text());
        println!("-- {} parse errors", fs.parse_errors);
        for r in &fs.references {
            println!(
                "ref {} {} {}:{} in {:?}",
                r.kind.as_str(),
                r.name,
                r.at.line + 1,
                r.at.column + 1,
                r.enclosing
            );
        }
        return ExitCode::SUCCESS;
    }
    // PREPARED=1 (or PREPARED=skim): the tree of the text the index parses (lexical passes run).
    let source = match std::env::var("PREPARED").ok().as_deref() {
        Some(mode) => {
            let text = vitrine_syntax::debug::debug_prepared(lang, &source, mode == "skim");
            println!("{}", String::from_utf8_lossy(&text));
            text
        }
        None => source,
    };
    match vitrine_syntax::debug::debug_tree(lang, &source) {
        Some(tree) => println!("{tree}"),
        None => return ExitCode::from(2),
    }
    ExitCode::SUCCESS
}

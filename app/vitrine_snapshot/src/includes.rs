//! Files a toolchain reads as code whatever their name: C's `#include "data/crc32_table.txt"`,
//! `#include "gen/ops.inc"`, `#define TABLE "x.def"` + `#include TABLE`; Rust's
//! `#[path = "data/crc_table.txt"] mod crc;` and `include!("data/keys.in")`; Node's
//! `require("./data/crc32.tbl")` (CommonJS runs a file of any unknown extension as JavaScript) and ESM
//! `import … from "./x.tbl"`; GNU as's `.include "data/vectors.txt"`; and the quoted includes of a Go
//! file's cgo preamble ([`crate::cgo`]). A file's language is otherwise decided by its name, so such a
//! file would be shown as prose while the toolchain compiles it.
//!
//! The rule, shared by the health report (a finding per file so included) and by the symbol index and
//! the `in:` filter (which read such a file as its includer's language):
//! - includers are the C, C++, Rust, JavaScript/TypeScript, assembly and Go files by name
//!   ([`CodeLanguage::of_path`]), and, transitively, the files they include as code;
//! - each language follows its own forms ([`Form`]): C and C++ the preprocessor's quoted
//!   `#include "…"`, `#include_next "…"`, `#import "…"` or a macro defined earlier in the same file as
//!   a string literal (`#define T "…"` then `#include T`; the `<…>` form names the compiler's search
//!   path, which the snapshot does not define); Go the same, in its cgo preamble only (the file included
//!   is C); Rust `#[path = "…"]` (also in `cfg_attr`) and `include!("…")`; JavaScript `require("./…")`,
//!   `import … from "./…"`, `import("./…")`, `export … from "./…"`; assembly `.include "…"` and, in a
//!   `.S`, the preprocessor's forms. Data forms are not followed: `include_str!`, `include_bytes!`,
//!   `.incbin`, JSON and native addons, and, for ESM `import` only, style sheets and markup (Node refuses
//!   them; bundlers load them as assets);
//! - the name is looked up as the toolchain does: the preprocessor's and as's quoted forms relative to
//!   the includer's directory and then to the snapshot root (the usual `-I.`); Rust's and Node's
//!   relative to the includer's directory only (a bare `require("lodash")` names a package, not a
//!   file); `..` may not climb above the root; the snapshot's own symbolic links on the way are followed
//!   as the kernel follows them when the toolchain opens the name (`src/data -> ../assets` makes
//!   `#include "data/t.txt"` in `src/main.c` name `assets/t.txt`), from the manifest only, never the
//!   disk, at most [`MAX_LINK_HOPS`] of them ([`Links`]);
//! - only targets whose own name does not already give them the language they are read as are reported
//!   (a `.h` is C already, a `.js` JavaScript).
//!
//! Everything is lexical; each form has a cheap search for its directive's word before any reading,
//! and the reading is linear in the bytes of the files it reads.

use std::cell::Cell;
use std::collections::{BTreeMap, HashMap, VecDeque};

use crate::health::{Finding, FindingKind};

/// The C-family language a file's name gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CFamily {
    /// `.c`, and `.h` (a header is C unless a C++ file includes it).
    C,
    /// `.cc`, `.cpp`, `.hpp`, … .
    Cpp,
}

impl CFamily {
    /// The language's name in findings.
    pub fn name(self) -> &'static str {
        match self {
            CFamily::C => "C",
            CFamily::Cpp => "C++",
        }
    }
}

/// The C-family language of a path by its extension (the extensions `vitrine_syntax::lang` gives C or
/// C++, template suffixes looked through: `x.c.in`), or `None`.
pub fn c_family(path: &[u8]) -> Option<CFamily> {
    let name = path.rsplit(|&b| b == b'/').next().unwrap_or(path);
    let name = [b".in".as_slice(), b".tmpl", b".template", b".tpl"]
        .iter()
        .find_map(|s| {
            let stem = name.get(..name.len().checked_sub(s.len())?)?;
            (name.get(stem.len()..)?.eq_ignore_ascii_case(s) && stem.contains(&b'.')).then_some(stem)
        })
        .unwrap_or(name);
    let dot = name.iter().rposition(|&b| b == b'.')?;
    let ext = name.get(dot + 1..)?.to_ascii_lowercase();
    match ext.as_slice() {
        b"c" | b"h" => Some(CFamily::C),
        b"cc" | b"cpp" | b"cxx" | b"c++" | b"cp" | b"hh" | b"hpp" | b"hxx" | b"h++" | b"ipp" | b"tpp"
        | b"inl" | b"tcc" | b"ixx" | b"cppm" => Some(CFamily::Cpp),
        _ => None,
    }
}

/// The language a file is read as code in, by its name or because a file of that language includes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CodeLanguage {
    /// C (`.c`, `.h`; the cgo preamble of a Go file).
    C,
    /// C++.
    Cpp,
    /// Rust (`.rs`).
    Rust,
    /// JavaScript, and TypeScript (which compiles its `require`/`import` to Node's).
    JavaScript,
    /// GNU assembly (`.S`, `.sx`: preprocessed first; `.s`).
    Assembly,
    /// Go: an includer only, through its cgo preamble, whose includes are C.
    Go,
    /// GNU make (`Makefile`, `*.mk`): `include`, `-include`, `sinclude` read the file as makefile text.
    Make,
    /// PHP: `require`, `include`, `require_once`, `include_once` run the file as PHP.
    Php,
    /// Tcl: `source` runs the file as Tcl.
    Tcl,
    /// Lua: `dofile` and `loadfile` run the file as Lua.
    Lua,
    /// POSIX shell: `.` and `source` run the file in the shell.
    Shell,
    /// Python: `exec(open(…).read())`, `runpy.run_path`, `SourceFileLoader` run the file as Python.
    Python,
}

impl CodeLanguage {
    /// The language's name in findings.
    pub fn name(self) -> &'static str {
        match self {
            CodeLanguage::C => "C",
            CodeLanguage::Cpp => "C++",
            CodeLanguage::Rust => "Rust",
            CodeLanguage::JavaScript => "JavaScript",
            CodeLanguage::Assembly => "assembly",
            CodeLanguage::Go => "Go",
            CodeLanguage::Make => "make",
            CodeLanguage::Php => "PHP",
            CodeLanguage::Tcl => "Tcl",
            CodeLanguage::Lua => "Lua",
            CodeLanguage::Shell => "shell",
            CodeLanguage::Python => "Python",
        }
    }

    /// A file name that gives this language to every name-based reader (line rules, identifier syntax,
    /// `in:` family, make's comment rules): a file read in this language under another name is read
    /// exactly as a file so named, by every check and view (one table, so that they cannot disagree).
    pub fn as_named(self) -> &'static str {
        match self {
            CodeLanguage::C | CodeLanguage::Go => "included.c",
            CodeLanguage::Cpp => "included.cpp",
            CodeLanguage::Rust => "included.rs",
            CodeLanguage::JavaScript => "included.js",
            CodeLanguage::Assembly => "included.S",
            CodeLanguage::Make => "included.mk",
            CodeLanguage::Php => "included.php",
            CodeLanguage::Tcl => "included.tcl",
            CodeLanguage::Lua => "included.lua",
            CodeLanguage::Shell => "included.sh",
            CodeLanguage::Python => "included.py",
        }
    }

    /// Every language a file may be read as because another loads it (the names [`languages`] reads
    /// back from findings; C++ before C, whose name is its prefix).
    pub const LOADED: [CodeLanguage; 11] = [
        CodeLanguage::Cpp,
        CodeLanguage::C,
        CodeLanguage::Rust,
        CodeLanguage::JavaScript,
        CodeLanguage::Assembly,
        CodeLanguage::Make,
        CodeLanguage::Php,
        CodeLanguage::Tcl,
        CodeLanguage::Lua,
        CodeLanguage::Shell,
        CodeLanguage::Python,
    ];

    /// The language a file's name gives it among those that include files as code, if any.
    pub fn of_path(path: &[u8]) -> Option<CodeLanguage> {
        if let Some(f) = c_family(path) {
            return Some(f.into());
        }
        if crate::shipped::is_make_file(path) {
            return Some(CodeLanguage::Make);
        }
        let name = path.rsplit(|&b| b == b'/').next().unwrap_or(path);
        let dot = name.iter().rposition(|&b| b == b'.')?;
        if dot == 0 {
            return None;
        }
        let ext = name.get(dot + 1..)?;
        // Case matters for assembly: `.S` is preprocessed, `.s` is not; both are read. A `.lds.S` is a
        // linker script the preprocessor expands (Linux's `vmlinux.lds.S`), not assembly: what it
        // includes (`vmlinux-std.lds`) is a linker script by its name too.
        if name.len() > 6 && name.ends_with(b".lds.S") {
            return None;
        }
        match ext {
            b"S" | b"s" | b"sx" => return Some(CodeLanguage::Assembly),
            b"go" => return Some(CodeLanguage::Go),
            _ => {}
        }
        match ext.to_ascii_lowercase().as_slice() {
            b"rs" => Some(CodeLanguage::Rust),
            b"js" | b"mjs" | b"cjs" | b"jsx" | b"ts" | b"mts" | b"cts" | b"tsx" => {
                Some(CodeLanguage::JavaScript)
            }
            b"php" | b"phtml" | b"php3" | b"php4" | b"php5" | b"php7" | b"php8" | b"phps" | b"phpt" => {
                Some(CodeLanguage::Php)
            }
            b"tcl" | b"tk" | b"tm" | b"itcl" | b"exp" => Some(CodeLanguage::Tcl),
            b"lua" => Some(CodeLanguage::Lua),
            b"sh" | b"bash" | b"ksh" | b"zsh" => Some(CodeLanguage::Shell),
            b"py" | b"pyw" => Some(CodeLanguage::Python),
            _ => None,
        }
    }

    /// The language a file named by `form` in a file of this language is read as (`None`: this
    /// language does not read that form).
    pub fn reads(self, form: Form, includer: &[u8]) -> Option<CodeLanguage> {
        match (self, form) {
            (CodeLanguage::C | CodeLanguage::Cpp, Form::Preprocessor) => Some(self),
            (CodeLanguage::Go, Form::Preprocessor) => Some(CodeLanguage::C),
            // Only a `.S`/`.sx` (or a file such a one includes) goes through the preprocessor; a `.s`'s
            // `#` starts a comment.
            (CodeLanguage::Assembly, Form::Preprocessor) => (!includer.ends_with(b".s")).then_some(self),
            (CodeLanguage::Assembly, Form::AsmInclude) => Some(self),
            (CodeLanguage::Rust, Form::RustModule | Form::RustInclude) => Some(self),
            (
                CodeLanguage::JavaScript,
                Form::Require | Form::Import | Form::PackageMain | Form::JsEval | Form::JsEvalHere,
            ) => Some(self),
            (CodeLanguage::Python, Form::PyExec | Form::PyExecHere) => Some(self),
            (CodeLanguage::Make, Form::MakeInclude)
            | (CodeLanguage::Php, Form::PhpInclude)
            | (CodeLanguage::Tcl, Form::TclSource)
            | (CodeLanguage::Lua, Form::LuaDofile)
            | (CodeLanguage::Shell, Form::ShellSource | Form::ShellSourceHere) => Some(self),
            _ => None,
        }
    }
}

impl From<CFamily> for CodeLanguage {
    fn from(f: CFamily) -> CodeLanguage {
        match f {
            CFamily::C => CodeLanguage::C,
            CFamily::Cpp => CodeLanguage::Cpp,
        }
    }
}

/// How a file names another to be read as code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Form {
    /// The C preprocessor's quoted `#include`, `#include_next`, `#import`, or a macro naming a file.
    Preprocessor,
    /// Rust's `#[path = "…"]` on a module.
    RustModule,
    /// Rust's `include!("…")`.
    RustInclude,
    /// CommonJS `require("./…")`.
    Require,
    /// ESM `import … from "./…"`, `import "./…"`, `import("./…")`, `export … from "./…"`.
    Import,
    /// GNU as's `.include "…"`.
    AsmInclude,
    /// The `"main"` of a `package.json`: what `require("./dir")` loads when `dir/` holds it (Node's
    /// directory resolution, before `index.js`). Recorded for the `package.json`; followed from the
    /// directory a `require` names.
    PackageMain,
    /// GNU make's `include`, `-include`, `sinclude`.
    MakeInclude,
    /// PHP's `require`, `include`, `require_once`, `include_once`.
    PhpInclude,
    /// Tcl's `source`.
    TclSource,
    /// Lua's `dofile`, `loadfile`.
    LuaDofile,
    /// The shell's `.` and `source`.
    ShellSource,
    /// A Python `import` (the module named, dotted): read for `import-shadow`, not followed as an
    /// include (see `crate::pyshadow`).
    PyImport,
    /// A `.pth` line `site` executes (the whole line): read for `startup-hook`, not followed.
    PthImport,
    /// Python's `exec(open("…").read())`, `exec(compile(open("…").read(), …))`, `runpy.run_path("…")`,
    /// `SourceFileLoader(name, "…")` of a literal name (opened from the working directory).
    PyExec,
    /// The same of a name relative to the running file (`os.path.join(os.path.dirname(__file__), "…")`,
    /// `Path(__file__).parent / "…"`): opened beside it only.
    PyExecHere,
    /// The shell's `.`/`source` of a name relative to the script (`"$(dirname "$0")/…"`, `"${0%/*}/…"`,
    /// `"$DIR/…"` with `DIR` set from `$0` in the same file): opened beside it only.
    ShellSourceHere,
    /// Node's `eval`, `vm.runInThisContext`/`runInNewContext`/`runInContext`, `new vm.Script`,
    /// `new Function` of `fs.readFileSync("…")` (a literal name, opened from the working directory).
    JsEval,
    /// The same of `path.join(__dirname, "…")`, `__dirname + "/…"`: opened beside the file only.
    JsEvalHere,
    /// A program of the snapshot a build tool's configuration runs in place of the one its recipes
    /// name: make's `SHELL`, `.SHELLFLAGS`, `CC`…, CMake's launchers, npm's `script-shell` (read as
    /// shell; see `crate::toolruns`).
    ToolProgram,
    /// A file a tool's configuration loads before any program: make's exported `BASH_ENV`/`ENV`
    /// (shell), `.npmrc` `node-options` `--require` (JavaScript).
    ToolStartup,
    /// `pyproject.toml`'s in-tree build backend (`backend-path`): Python build code, read by
    /// `crate::shipped` with `setup.py`'s rules, not followed here.
    BuildBackend,
    /// What Node's package resolution reads in a `package.json` besides `"main"`: its `"name"`, and each
    /// `"exports"`/`"imports"` key with the target Node picks for `require` and for `import` (conditions
    /// read in the order written). Recorded for the `package.json`, read when a
    /// bare or `#` specifier is resolved (`included_as_code`); never followed itself.
    PackageField,
}

impl Form {
    /// Every form, in declaration order (the ingest cache stores a form by its place here).
    pub const ALL: [Form; 23] = [
        Form::Preprocessor,
        Form::RustModule,
        Form::RustInclude,
        Form::Require,
        Form::Import,
        Form::AsmInclude,
        Form::PackageMain,
        Form::MakeInclude,
        Form::PhpInclude,
        Form::TclSource,
        Form::LuaDofile,
        Form::ShellSource,
        Form::PyImport,
        Form::PthImport,
        Form::PyExec,
        Form::PyExecHere,
        Form::ShellSourceHere,
        Form::JsEval,
        Form::JsEvalHere,
        Form::ToolProgram,
        Form::ToolStartup,
        Form::BuildBackend,
        Form::PackageField,
    ];

    /// The directive as findings name it.
    pub fn directive(self) -> &'static str {
        match self {
            Form::Preprocessor => "#include",
            Form::RustModule => "#[path] module",
            Form::RustInclude => "include!",
            Form::Require => "require",
            Form::Import => "import",
            Form::AsmInclude => ".include",
            Form::PackageMain => "require of a directory, through package.json \"main\",",
            Form::MakeInclude => "make include",
            Form::PhpInclude => "PHP require/include",
            Form::TclSource => "Tcl source",
            Form::LuaDofile => "Lua dofile",
            Form::ShellSource => "shell source (.)",
            Form::PyImport => "import",
            Form::PthImport => ".pth import line",
            Form::PyExec | Form::PyExecHere => {
                "Python exec of the file's text (exec/run_path/SourceFileLoader)"
            }
            Form::ShellSourceHere => "shell source (.) of a name beside the script ($0)",
            Form::JsEval | Form::JsEvalHere => "Node eval of fs.readFileSync (eval/vm/new Function)",
            Form::ToolProgram => "build setting that runs it (shell, compiler, launcher)",
            Form::ToolStartup => "start-up setting (BASH_ENV, node-options)",
            Form::BuildBackend => "pyproject.toml build-backend",
            Form::PackageField => "package.json exports/imports",
        }
    }

    /// The language a file named by this form is run as whatever the language of the file naming it
    /// (a tool's configuration, not a loader of its language), if the form is such a one.
    pub fn runs_as(self, includer: &[u8]) -> Option<CodeLanguage> {
        match self {
            Form::ToolProgram => Some(CodeLanguage::Shell),
            Form::ToolStartup if includer == b".npmrc" || includer.ends_with(b"/.npmrc") => {
                Some(CodeLanguage::JavaScript)
            }
            Form::ToolStartup => Some(CodeLanguage::Shell),
            _ => None,
        }
    }

    /// The place of the form in [`Form::ALL`].
    pub fn index(self) -> u8 {
        Form::ALL.iter().position(|&f| f == self).unwrap_or(0) as u8
    }

    /// Whether a target's own name already makes it code of `lang` (or data this form reads as data):
    /// then it is not reported.
    fn skips(self, lang: CodeLanguage, target: &[u8]) -> bool {
        let name = target.rsplit(|&b| b == b'/').next().unwrap_or(target);
        let ext = name
            .iter()
            .rposition(|&b| b == b'.')
            .and_then(|d| name.get(d + 1..))
            .map(<[u8]>::to_ascii_lowercase)
            .unwrap_or_default();
        match lang {
            CodeLanguage::C | CodeLanguage::Cpp | CodeLanguage::Go => c_family(target).is_some(),
            CodeLanguage::Assembly => {
                c_family(target).is_some() || CodeLanguage::of_path(target) == Some(CodeLanguage::Assembly)
            }
            CodeLanguage::Rust => ext == b"rs",
            CodeLanguage::Make
            | CodeLanguage::Php
            | CodeLanguage::Tcl
            | CodeLanguage::Lua
            | CodeLanguage::Shell
            | CodeLanguage::Python => CodeLanguage::of_path(target) == Some(lang),
            CodeLanguage::JavaScript => {
                CodeLanguage::of_path(target) == Some(CodeLanguage::JavaScript)
                    || (matches!(ext.as_slice(), b"json" | b"node" | b"wasm")
                        && !matches!(self, Form::JsEval | Form::JsEvalHere))
                    || (self == Form::Import
                        && matches!(
                            ext.as_slice(),
                            b"css"
                                | b"scss"
                                | b"sass"
                                | b"less"
                                | b"styl"
                                | b"html"
                                | b"htm"
                                | b"svg"
                                | b"vue"
                                | b"svelte"
                        ))
            }
        }
    }
}

/// One include of a file: the 1-based line of its directive and the name as written between quotes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Include {
    /// 1-based line of the `#include`.
    pub line: u32,
    /// The name between the quotes (of the directive, or of the macro's definition).
    pub target: Vec<u8>,
    /// The directive.
    pub form: Form,
}

/// Where a line continued by a trailing backslash is cut, if it is: as GCC and Clang splice
/// (`disguise::splice_len`), a backslash, optional blanks, then LF or CRLF.
fn continued(line: &[u8]) -> Option<usize> {
    let body = line.strip_suffix(b"\r").unwrap_or(line);
    let kept = body.len() - body.iter().rev().take_while(|b| matches!(b, b' ' | b'\t' | 0x0B | 0x0C)).count();
    body.get(..kept)?.strip_suffix(b"\\").map(<[u8]>::len)
}

/// Whether a splice joins two identifier characters (`#inc\` at the end of a line, `lude` at the start
/// of the next): a directive's word may then be split where no search for it can see it.
fn splice_joins_a_word(text: &[u8]) -> bool {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    memchr::memchr_iter(b'\\', text).any(|i| {
        let Some(mut n) = crate::disguise::splice_len(text, i) else { return false };
        if !i.checked_sub(1).and_then(|k| text.get(k)).is_some_and(|&b| word(b)) {
            return false;
        }
        while let Some(more) = crate::disguise::splice_len(text, i + n) {
            n += more;
        }
        text.get(i + n).is_some_and(|&b| word(b))
    })
}

/// Longest name kept (a path, not data).
const MAX_TARGET: usize = 4096;

/// Whether `text` may hold an include [`code_includes`] reports: some `include` or `import` is followed
/// (after blanks) by anything but `<…` or a quoted C or C++ source's name (`"x.h"`). Most C files hold
/// only those, and the line-by-line reading (every `#define` with a string kept, for `#include MACRO`)
/// was a tenth of the CPU of opening Linux; the test below compares both ways.
fn may_include_code(text: &[u8]) -> bool {
    if splice_joins_a_word(text) {
        return true;
    }
    // Only the words themselves (as `Cursor::ident` reads them) can be a directive's: not `important`,
    // `included` or `reimport`, which had sent most of Linux's C files to the line-by-line reading.
    let word = |b: &u8| b.is_ascii_alphanumeric() || *b == b'_';
    let whole = |at: usize, len: usize| {
        let end = at + len;
        let end =
            if len == b"include".len() && text.get(end..end + 5) == Some(b"_next") { end + 5 } else { end };
        let before = at.checked_sub(1).and_then(|k| text.get(k));
        (!before.is_some_and(word) && !text.get(end).is_some_and(word)).then_some(end)
    };
    let words = memchr::memmem::find_iter(text, b"include").filter_map(|at| whole(at, b"include".len()));
    let words =
        words.chain(memchr::memmem::find_iter(text, b"import").filter_map(|at| whole(at, b"import".len())));
    words.into_iter().any(|end| {
        let rest = text.get(end..).unwrap_or_default();
        let blanks = rest.iter().take_while(|&&b| b == b' ' || b == b'\t').count();
        let rest = rest.get(blanks..).unwrap_or_default();
        match rest.first() {
            Some(b'<') => false,
            Some(b'"') => {
                let name = rest.get(1..).unwrap_or_default();
                let close = name.iter().position(|&b| b == b'"' || b == b'\n');
                match close.and_then(|c| name.get(..c).map(|n| (n, name.get(c).copied()))) {
                    Some((n, Some(b'"'))) => c_family(n).is_none(),
                    _ => true,
                }
            }
            // Another word (`include_next`, `#include MACRO`), a comment, a splice, the end.
            _ => true,
        }
    })
}

/// The quoted includes of a C-like text whose target is not a C or C++ source by name (those are read
/// as code already), in line order. Comments between `#`, the directive and its operand are skipped
/// (`# /**/ include "x"`); a line continued by `\` is read with the next. Cheap on text without
/// `include`.
pub fn code_includes(text: &[u8]) -> Vec<Include> {
    if !may_include_code(text) {
        return Vec::new();
    }
    scan_includes(text)
}

/// [`code_includes`], reading every line.
fn scan_includes(text: &[u8]) -> Vec<Include> {
    scan_includes_and_unresolved(text).0
}

/// The `#include` lines of a C-like text whose operand is neither `"…"` nor `<…>` once the macros the
/// file defines are expanded (`#include STR(CRC_TABLE)` with `STR` defined elsewhere, or a macro of
/// another file): 1-based line and the operand as written. Cheap on text without `include`.
pub fn unresolved_includes(text: &[u8]) -> Vec<(u32, Vec<u8>)> {
    if !may_include_code(text) {
        return Vec::new();
    }
    scan_includes_and_unresolved(text).1
}

/// [`includes_for`] and, for a C or C++ file (by [`c_family`]), [`unresolved_includes`] too, from one
/// reading of the text (both come from the same walk of its directives; other files have none
/// unresolved).
pub fn includes_and_unresolved_for(path: &[u8], text: &[u8]) -> (Vec<Include>, Vec<(u32, Vec<u8>)>) {
    if c_family(path).is_none() {
        return (includes_for(path, text), Vec::new());
    }
    if !may_include_code(text) {
        return (Vec::new(), Vec::new());
    }
    scan_includes_and_unresolved(text)
}

/// A macro as `#define` wrote it: its parameters (`None` for an object-like macro) and its body.
struct Macro {
    params: Option<Vec<Vec<u8>>>,
    body: Vec<u8>,
}

/// Bounds of the macro expansion of an include's operand: nesting, and bytes produced.
const MAX_EXPANSION_DEPTH: usize = 32;
const MAX_EXPANSION_BYTES: usize = 16 * 1024;

/// The tokens of a directive's text as the preprocessor reads them: names, pp-numbers, string and
/// character literals, and single punctuators; `true` when blanks came before the token.
fn pp_tokens(s: &[u8]) -> Vec<(bool, &[u8])> {
    let mut out = Vec::new();
    let mut i = 0;
    let mut space = false;
    while let Some(&b) = s.get(i) {
        let start = i;
        if b.is_ascii_whitespace() {
            space = true;
            i += 1;
            continue;
        }
        if b == b'/' && s.get(i + 1) == Some(&b'*') {
            i = memchr::memmem::find(s.get(i + 2..).unwrap_or_default(), b"*/")
                .map_or(s.len(), |k| i + 4 + k);
            space = true;
            continue;
        }
        if b == b'/' && s.get(i + 1) == Some(&b'/') {
            break;
        }
        if let Some(end) = crate::lexis::c_number_at(s, i) {
            i = end;
        } else if b.is_ascii_alphabetic() || b == b'_' || b >= 0x80 {
            while s.get(i).is_some_and(|&c| c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80) {
                i += 1;
            }
        } else if b == b'"' || b == b'\'' {
            i = crate::lexis::quoted_end(s, i + 1, b);
        } else if b == b'#' && s.get(i + 1) == Some(&b'#') {
            i += 2;
        } else {
            i += 1;
        }
        out.push((space, s.get(start..i).unwrap_or_default()));
        space = false;
    }
    out
}

/// Appends tokens to `out` as text, a blank where one separated them.
fn push_tokens(out: &mut Vec<u8>, toks: &[(bool, &[u8])]) {
    for (k, (space, t)) in toks.iter().enumerate() {
        if *space && k > 0 {
            out.push(b' ');
        }
        out.extend_from_slice(t);
    }
}

/// The text `s` with the macros of `defs` expanded as cpp expands them (object-like and function-like,
/// `#` stringizing and `##` pasting, a macro not expanded inside its own expansion), within
/// [`MAX_EXPANSION_DEPTH`] and [`MAX_EXPANSION_BYTES`]: `None` past them.
fn expand(
    s: &[u8],
    defs: &HashMap<Vec<u8>, Macro>,
    active: &mut Vec<Vec<u8>>,
    budget: &mut usize,
) -> Option<Vec<u8>> {
    if active.len() > MAX_EXPANSION_DEPTH {
        return None;
    }
    let toks = pp_tokens(s);
    let mut out = Vec::new();
    let mut k = 0;
    while let Some(&(space, t)) = toks.get(k) {
        k += 1;
        if space && !out.is_empty() {
            out.push(b' ');
        }
        let Some(m) = defs.get(t).filter(|_| !active.iter().any(|a| a == t)) else {
            out.extend_from_slice(t);
            continue;
        };
        let replaced = match &m.params {
            None => m.body.clone(),
            Some(params) => {
                if toks.get(k).map(|t| t.1) != Some(b"(") {
                    out.extend_from_slice(t);
                    continue;
                }
                // The arguments: split at top-level commas, up to the matching `)`.
                let mut args: Vec<Vec<(bool, &[u8])>> = vec![Vec::new()];
                let mut depth = 0usize;
                k += 1;
                loop {
                    let &(sp, a) = toks.get(k)?;
                    k += 1;
                    match a {
                        b")" if depth == 0 => break,
                        b"," if depth == 0 => {
                            args.push(Vec::new());
                            continue;
                        }
                        b"(" => depth += 1,
                        b")" => depth -= 1,
                        _ => {}
                    }
                    args.last_mut()?.push((sp, a));
                }
                let arg_of = |name: &[u8]| params.iter().position(|p| p == name).and_then(|i| args.get(i));
                let body = pp_tokens(&m.body);
                let mut r = Vec::new();
                let mut j = 0;
                while let Some(&(sp, bt)) = body.get(j) {
                    j += 1;
                    if sp && !r.is_empty() {
                        r.push(b' ');
                    }
                    let pasted = body.get(j).is_some_and(|n| n.1 == b"##")
                        || j >= 2 && body.get(j - 2).is_some_and(|p| p.1 == b"##");
                    if bt == b"#"
                        && let Some(arg) = body.get(j).and_then(|n| arg_of(n.1))
                    {
                        // `#param`: the argument as written, quoted.
                        let mut raw = Vec::new();
                        push_tokens(&mut raw, arg);
                        r.push(b'"');
                        for c in raw {
                            if matches!(c, b'"' | b'\\') {
                                r.push(b'\\');
                            }
                            r.push(c);
                        }
                        r.push(b'"');
                        j += 1;
                    } else if bt == b"##" {
                        while r.last() == Some(&b' ') {
                            r.pop();
                        }
                    } else if let Some(arg) = arg_of(bt) {
                        let mut raw = Vec::new();
                        push_tokens(&mut raw, arg);
                        if pasted {
                            r.extend_from_slice(&raw);
                        } else {
                            r.extend(expand(&raw, defs, active, budget)?);
                        }
                    } else {
                        r.extend_from_slice(bt);
                    }
                }
                r
            }
        };
        *budget = budget.checked_sub(replaced.len() + 1)?;
        active.push(t.to_vec());
        let again = expand(&replaced, defs, active, budget);
        active.pop();
        out.extend(again?);
    }
    Some(out)
}

/// [`code_includes`] and [`unresolved_includes`], reading every directive.
fn scan_includes_and_unresolved(text: &[u8]) -> (Vec<Include>, Vec<(u32, Vec<u8>)>) {
    let mut scan = DirectiveScan {
        text,
        counted: 0,
        lines: 1,
        out: Vec::new(),
        unresolved: Vec::new(),
        defs: HashMap::new(),
    };
    each_directive_line(text, &mut |line, at| scan.directive(line, at));
    (scan.out, scan.unresolved)
}

/// One reading of a C-like text's directives: the macros defined so far, and what was found.
struct DirectiveScan<'t> {
    text: &'t [u8],
    /// The 1-based line number at the offset `counted` (counted only as far as a finding needs).
    counted: usize,
    lines: u32,
    out: Vec<Include>,
    unresolved: Vec<(u32, Vec<u8>)>,
    defs: HashMap<Vec<u8>, Macro>,
}

impl DirectiveScan<'_> {
    /// The 1-based line number of the offset `at`, at or past the last one asked for.
    fn line_at(&mut self, at: usize) -> u32 {
        let newlines = self.text.get(self.counted..at).map_or(0, |t| memchr::memchr_iter(b'\n', t).count());
        self.lines = self.lines.saturating_add(u32::try_from(newlines).unwrap_or(u32::MAX));
        self.counted = at.max(self.counted);
        self.lines
    }

    /// Reads a logical line (splices joined) that begins at the offset `at` and whose first non-blank
    /// byte is `#` or `%`.
    fn directive(&mut self, line: &[u8], at: usize) {
        let mut r = Cursor { s: line, i: 0 };
        r.blank();
        if !r.eat(b"#") && !r.eat(b"%:") {
            return;
        }
        r.blank();
        let word = r.ident();
        r.blank();
        match word {
            b"include" | b"include_next" | b"import" => {}
            b"define" => {
                let name = r.ident();
                if name.is_empty() {
                    return;
                }
                let params = if r.peek() == Some(b'(') {
                    let close = r.s.get(r.i..).and_then(|t| memchr::memchr(b')', t)).map(|k| r.i + k);
                    let Some(close) = close else { return };
                    let list = r.s.get(r.i + 1..close).unwrap_or_default();
                    r.i = close + 1;
                    Some(
                        list.split(|&b| b == b',')
                            .map(|p| p.trim_ascii().to_vec())
                            .filter(|p| !p.is_empty())
                            .collect(),
                    )
                } else {
                    None
                };
                r.blank();
                let body = r.s.get(r.i..).unwrap_or_default();
                let body = crate::lexis::c_comments_blanked(body).trim_ascii().to_vec();
                self.defs.insert(name.to_vec(), Macro { params, body });
                return;
            }
            b"undef" => {
                self.defs.remove(r.ident());
                return;
            }
            _ => return,
        }
        let target = match r.peek() {
            Some(b'"') => r.string().map(<[u8]>::to_vec),
            Some(b'<') | None => None,
            Some(_) => {
                // A computed include: the operand with the file's macros expanded (bounded).
                let operand = r.s.get(r.i..).unwrap_or_default();
                let mut budget = MAX_EXPANSION_BYTES;
                let expanded = expand(operand, &self.defs, &mut Vec::new(), &mut budget).unwrap_or_default();
                let expanded = expanded.trim_ascii();
                match expanded.first() {
                    Some(b'"') => {
                        let rest = expanded.get(1..).unwrap_or_default();
                        memchr::memchr(b'"', rest).and_then(|n| rest.get(..n)).map(<[u8]>::to_vec)
                    }
                    Some(b'<') => None,
                    _ => {
                        let written = crate::lexis::c_comments_blanked(operand).trim_ascii().to_vec();
                        let line_no = self.line_at(at);
                        self.unresolved.push((line_no, written));
                        None
                    }
                }
            }
        };
        if let Some(t) = target.filter(|t| !t.is_empty() && t.len() <= MAX_TARGET && c_family(t).is_none()) {
            let line_no = self.line_at(at);
            self.out.push(Include { line: line_no, target: t, form: Form::Preprocessor });
        }
    }
}

/// Whether a logical line begins a directive after blanks: `#`, or its digraph `%:`.
fn may_be_directive(line: &[u8]) -> bool {
    let lead = line.iter().take_while(|b| b.is_ascii_whitespace()).count();
    line.get(lead..).is_some_and(|t| t.starts_with(b"#") || t.starts_with(b"%:"))
}

/// The physical line of `text` that starts at `at`: its end (the `\n` or the text's end).
fn physical_end(text: &[u8], at: usize) -> usize {
    text.get(at..).and_then(|t| memchr::memchr(b'\n', t)).map_or(text.len(), |n| at + n)
}

/// The logical line of `text` that starts at `at` (physical lines joined where one ends with `\`, each
/// splice read once, as the compiler reads it; copied only then) and the offset just past it.
fn logical_line(text: &[u8], at: usize) -> (std::borrow::Cow<'_, [u8]>, usize) {
    let mut end = physical_end(text, at);
    let first = text.get(at..end).unwrap_or_default();
    let Some(cut) = continued(first).filter(|_| end < text.len()) else {
        return (std::borrow::Cow::Borrowed(first), end + 1);
    };
    let mut joined = first.get(..cut).unwrap_or_default().to_vec();
    loop {
        let start = end + 1;
        end = physical_end(text, start);
        let line = text.get(start..end).unwrap_or_default();
        match continued(line).filter(|_| end < text.len()) {
            Some(cut) => joined.extend_from_slice(line.get(..cut).unwrap_or_default()),
            None => {
                joined.extend_from_slice(line);
                return (std::borrow::Cow::Owned(joined), end + 1);
            }
        }
    }
}

/// Calls `on(line, at)` for each logical line of `text` that [`may_be_directive`], with the offset it
/// starts at: the reading of every line, which [`each_directive_line`] equals.
fn each_logical_directive(text: &[u8], on: &mut dyn FnMut(&[u8], usize)) {
    let mut at = 0usize;
    while at < text.len() {
        let (line, next) = logical_line(text, at);
        if may_be_directive(&line) {
            on(&line, at);
        }
        at = next;
    }
}

/// [`each_logical_directive`] without reading the lines between directives: a search for the next
/// `#` skips every logical line without one (none of them is a directive), and only the line holding
/// it is read. A text with the digraph `%:` (or a `%` before a splice that may make one) is read
/// line by line.
fn each_directive_line(text: &[u8], on: &mut dyn FnMut(&[u8], usize)) {
    if memchr::memmem::find(text, b"%:").is_some() || memchr::memmem::find(text, b"%\\").is_some() {
        return each_logical_directive(text, on);
    }
    // Always a logical line's start.
    let mut pos = 0usize;
    while let Some(k) = text.get(pos..).and_then(|t| memchr::memchr(b'#', t)) {
        let hash = pos + k;
        // The logical line holding the `#`: it begins on the `#`'s physical line unless the physical
        // line before that one is continued.
        let mut start =
            text.get(pos..hash).and_then(|t| memchr::memrchr(b'\n', t)).map_or(pos, |n| pos + n + 1);
        while start > pos {
            let before = text.get(pos..start - 1).unwrap_or_default();
            let prev = memchr::memrchr(b'\n', before).map_or(pos, |n| pos + n + 1);
            if continued(text.get(prev..start - 1).unwrap_or_default()).is_none() {
                break;
            }
            start = prev;
        }
        let (line, next) = logical_line(text, start);
        if may_be_directive(&line) {
            on(&line, start);
        }
        pos = next;
    }
}

/// [`include_guard`] of a file whose name is a C or C++ source's or header's; `None` for others.
pub fn guard_of(path: &[u8], text: &[u8]) -> Option<Vec<u8>> {
    c_family(path)?;
    include_guard(text)
}

/// The macro that guards the whole of a C or C++ text, if one does: the first directive (after blanks
/// and comments) is `#ifndef X` or `#if !defined(X)`, the next one `#define X` with no value or `1`,
/// and the `#endif` closing the first is the file's last directive, with nothing but blanks and
/// comments after it. Costs a look at the text's start for a file without one, and one reading of the
/// directives (comments blanked: a `#endif` inside one is none) for a file with one.
pub fn include_guard(text: &[u8]) -> Option<Vec<u8>> {
    // The quick look: the first token is `#` and the word after it `if…` (most C files stop here).
    let mut r = Cursor { s: text, i: 0 };
    loop {
        r.blank();
        if r.s.get(r.i..).is_some_and(|t| t.starts_with(b"//")) {
            r.i = memchr::memchr(b'\n', r.s.get(r.i..)?).map_or(r.s.len(), |n| r.i + n);
            continue;
        }
        break;
    }
    if !r.eat(b"#") {
        return None;
    }
    r.blank();
    if !r.ident().starts_with(b"if") {
        return None;
    }
    let blanked = crate::lexis::c_comments_blanked(text);
    let t: &[u8] = &blanked;
    let mut lines = directive_lines(t);
    let (first_at, first) = lines.next()?;
    // Only blanks before the first directive.
    if !t.get(..first_at)?.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    let mut r = Cursor { s: first, i: 0 };
    r.blank();
    let name = match r.ident() {
        b"ifndef" => {
            r.blank();
            r.ident().to_vec()
        }
        b"if" => {
            r.blank();
            if !r.eat(b"!") {
                return None;
            }
            r.blank();
            if r.ident() != b"defined" {
                return None;
            }
            r.blank();
            let paren = r.eat(b"(");
            r.blank();
            let name = r.ident().to_vec();
            r.blank();
            if paren && !r.eat(b")") {
                return None;
            }
            name
        }
        _ => return None,
    };
    r.blank();
    if name.is_empty() || r.peek().is_some() {
        return None;
    }
    let (_, second) = lines.next()?;
    let mut r = Cursor { s: second, i: 0 };
    r.blank();
    if r.ident() != b"define" {
        return None;
    }
    r.blank();
    if r.ident() != name.as_slice() || r.peek() == Some(b'(') {
        return None;
    }
    r.blank();
    let value = r.s.get(r.i..).unwrap_or_default().trim_ascii();
    if !(value.is_empty() || value == b"1") {
        return None;
    }
    // The chain opened first closes at the last directive.
    let mut depth = 1usize;
    let mut closed_at = None;
    for (at, d) in lines {
        if closed_at.is_some() {
            return None;
        }
        let mut r = Cursor { s: d, i: 0 };
        r.blank();
        match r.ident() {
            b"if" | b"ifdef" | b"ifndef" => depth += 1,
            b"endif" => {
                depth -= 1;
                if depth == 0 {
                    closed_at = Some(at);
                }
            }
            _ => {}
        }
    }
    let end = closed_at?;
    let after = t.get(end..)?;
    let after = after.get(memchr::memchr(b'\n', after).map_or(after.len(), |n| n + 1)..).unwrap_or_default();
    after.iter().all(u8::is_ascii_whitespace).then_some(name)
}

/// The directives of a text (comments already blanked): the offset of each `#` first on its line (after
/// spaces and tabs) and the rest of its physical line. A search for the next `#` skips the lines without
/// one.
fn directive_lines(t: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    // Always a physical line's start.
    let mut at = 0usize;
    std::iter::from_fn(move || {
        while let Some(k) = t.get(at..).and_then(|rest| memchr::memchr(b'#', rest)) {
            let hash = at + k;
            let line_start =
                t.get(at..hash).and_then(|r| memchr::memrchr(b'\n', r)).map_or(at, |n| at + n + 1);
            let line_end = t.get(hash..).and_then(|r| memchr::memchr(b'\n', r)).map_or(t.len(), |n| hash + n);
            at = line_end + 1;
            if t.get(line_start..hash)?.iter().all(|b| matches!(b, b' ' | b'\t')) {
                let rest = t.get(hash + 1..line_end)?;
                return Some((hash, rest.strip_suffix(b"\r").unwrap_or(rest)));
            }
        }
        None
    })
}

struct Cursor<'a> {
    s: &'a [u8],
    i: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    /// Skips blanks, backslash-newlines and `/* … */` comments.
    fn blank(&mut self) {
        loop {
            match (self.peek(), self.s.get(self.i + 1).copied()) {
                (Some(b' ' | b'\t' | b'\r' | b'\x0b' | b'\x0c' | b'\n'), _) => self.i += 1,
                (Some(b'\\'), Some(b'\n' | b'\r')) => self.i += 2,
                (Some(b'/'), Some(b'*')) => {
                    let rest = self.s.get(self.i + 2..).unwrap_or_default();
                    self.i = memchr::memmem::find(rest, b"*/").map_or(self.s.len(), |n| self.i + 2 + n + 2);
                }
                _ => return,
            }
        }
    }

    fn eat(&mut self, lit: &[u8]) -> bool {
        if self.s.get(self.i..).is_some_and(|r| r.starts_with(lit)) {
            self.i += lit.len();
            true
        } else {
            false
        }
    }

    fn ident(&mut self) -> &'a [u8] {
        let from = self.i;
        while self.peek().is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_') {
            self.i += 1;
        }
        self.s.get(from..self.i).unwrap_or_default()
    }

    /// A `"…"` operand (no escapes: an include's name is taken as written, as cpp does).
    fn string(&mut self) -> Option<&'a [u8]> {
        if self.peek() != Some(b'"') {
            return None;
        }
        let rest = self.s.get(self.i + 1..)?;
        let n = memchr::memchr(b'"', rest)?;
        self.i += n + 2;
        rest.get(..n)
    }
}

/// The includes of a file that may name code, by the forms its name's language reads ([`CodeLanguage`]):
/// a C or C++ file's preprocessor includes, a Go file's in its cgo preamble, a Rust file's `#[path]` and
/// `include!`, a JavaScript or TypeScript file's relative `require`/`import`, an assembly file's
/// `.include` (and a `.S`'s preprocessor includes). A file whose name gives none of these languages may
/// itself be included as code by any of them, so every form is read in it. Each form costs one search
/// for its directive's word in a file without it.
pub fn includes_for(path: &[u8], text: &[u8]) -> Vec<Include> {
    let name = path.rsplit(|&b| b == b'/').next().unwrap_or(path);
    if name == b"package.json" {
        let mut out = package_main(text);
        out.extend(package_fields(text));
        return out;
    }
    if name.ends_with(b".pth") {
        return crate::pyshadow::pth_imports(text);
    }
    let mut out = match CodeLanguage::of_path(path) {
        Some(CodeLanguage::C | CodeLanguage::Cpp) => return code_includes(text),
        Some(CodeLanguage::Go) => {
            return crate::cgo::c_view(text).map(|view| code_includes(&view)).unwrap_or_default();
        }
        Some(CodeLanguage::Rust) => return rust_includes(text),
        Some(CodeLanguage::JavaScript) => {
            let mut out = js_includes(text);
            out.extend(literal(js_evals(text)));
            out
        }
        Some(CodeLanguage::Make) => {
            let mut out = make_includes(text);
            out.extend(crate::toolruns::make_programs(text));
            return out;
        }
        Some(CodeLanguage::Php) => return php_includes(text),
        Some(CodeLanguage::Tcl) => return tcl_sources(text),
        Some(CodeLanguage::Lua) => return lua_dofiles(text),
        Some(CodeLanguage::Shell) => return shell_sources(text),
        Some(CodeLanguage::Assembly) => {
            let mut out = asm_includes(text);
            out.extend(code_includes(text));
            out
        }
        Some(CodeLanguage::Python) | None => {
            let mut out = code_includes(text);
            out.extend(rust_includes(text));
            out.extend(js_includes(text));
            out.extend(asm_includes(text));
            out.extend(make_includes(text));
            out.extend(php_includes(text));
            out.extend(tcl_sources(text));
            out.extend(lua_dofiles(text));
            out.extend(shell_sources(text));
            out.extend(literal(js_evals(text)));
            out.extend(literal(py_execs(text)));
            if name.ends_with(b".py") || name.ends_with(b".pyw") {
                out.extend(crate::pyshadow::python_imports(text));
            }
            if crate::toolruns::is_tool_config(path) {
                out.extend(crate::toolruns::config_runs(path, text));
            }
            out
        }
    };
    out.sort();
    out.dedup();
    out
}

/// Whether a name read from a script is a literal path (no variable, command substitution or glob).
fn literal_path(t: &[u8]) -> bool {
    !t.is_empty()
        && t.len() <= MAX_TARGET
        && !t.iter().any(|b| matches!(b, b'$' | b'`' | b'*' | b'?' | b'[' | b'(' | b'\\' | 0))
}

/// The `"main"` of a `package.json` (the file `require("./dir")` loads when `dir/` holds it), as a
/// [`Form::PackageMain`] include; one search for `"main"` before the JSON is parsed.
fn package_main(text: &[u8]) -> Vec<Include> {
    if memchr::memmem::find(text, b"\"main\"").is_none() {
        return Vec::new();
    }
    let Ok(serde_json::Value::Object(o)) = serde_json::from_slice::<serde_json::Value>(text) else {
        return Vec::new();
    };
    let Some(serde_json::Value::String(main)) = o.get("main") else { return Vec::new() };
    let main = main.as_bytes();
    if main.is_empty() || main.len() > MAX_TARGET || main.first() == Some(&b'/') {
        return Vec::new();
    }
    let line = memchr::memmem::find(text, b"\"main\"").map_or(1, |at| lines_of(text, &[at])[0]);
    vec![Include { line, target: main.to_vec(), form: Form::PackageMain }]
}

/// A JSON value with objects in the order written (Node reads `"exports"` conditions in that order;
/// `serde_json`'s map sorts them).
enum Json {
    Str(String),
    Null,
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
    Other,
}

impl<'de> serde::Deserialize<'de> for Json {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Json, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Json;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("JSON")
            }
            fn visit_str<E>(self, v: &str) -> Result<Json, E> {
                Ok(Json::Str(v.to_owned()))
            }
            fn visit_unit<E>(self) -> Result<Json, E> {
                Ok(Json::Null)
            }
            fn visit_none<E>(self) -> Result<Json, E> {
                Ok(Json::Null)
            }
            fn visit_bool<E>(self, _: bool) -> Result<Json, E> {
                Ok(Json::Other)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Json, E> {
                Ok(Json::Other)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Json, E> {
                Ok(Json::Other)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Json, E> {
                Ok(Json::Other)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut a: A) -> Result<Json, A::Error> {
                let mut v = Vec::new();
                while let Some(x) = a.next_element()? {
                    v.push(x);
                }
                Ok(Json::Arr(v))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut a: A) -> Result<Json, A::Error> {
                let mut v = Vec::new();
                while let Some(x) = a.next_entry()? {
                    v.push(x);
                }
                Ok(Json::Obj(v))
            }
        }
        d.deserialize_any(V)
    }
}

/// At most this many `"exports"`/`"imports"` keys are recorded per `package.json`, and condition objects
/// are read this deep.
const MAX_PACKAGE_KEYS: usize = 1024;
const MAX_CONDITION_DEPTH: usize = 16;

/// The conditions Node (22, 24) matches for `require` and for `import` (`"default"` always matches).
const REQUIRE_CONDITIONS: &[&str] = &["require", "node", "node-addons", "module-sync", "default"];
const IMPORT_CONDITIONS: &[&str] = &["import", "node", "node-addons", "module-sync", "default"];

/// What a target of `"exports"`/`"imports"` resolves to under `conditions`, as Node's
/// `resolvePackageTarget`: a string is the target; an array's first entry that resolves; an object's
/// first key (in the order written) among the conditions whose value resolves (a `null` there stops:
/// excluded); `None` for nothing (`Some(None)`: excluded by a `null`).
fn package_target(v: &Json, conditions: &[&str], depth: usize) -> Option<Option<String>> {
    if depth > MAX_CONDITION_DEPTH {
        return None;
    }
    match v {
        Json::Str(t) => Some(Some(t.clone())),
        Json::Null => Some(None),
        Json::Arr(items) => items.iter().find_map(|x| match package_target(x, conditions, depth + 1) {
            Some(Some(t)) => Some(Some(t)),
            _ => None,
        }),
        Json::Obj(entries) => entries
            .iter()
            .filter(|(k, _)| conditions.contains(&k.as_str()))
            .find_map(|(_, x)| package_target(x, conditions, depth + 1)),
        Json::Other => None,
    }
}

/// A [`Form::PackageField`] record: `kind` (`n` name; `r`/`i` an `"exports"` key for require/import;
/// `R`/`I` an `"imports"` key), the key and the value, NUL-separated.
fn package_field(line: u32, kind: u8, key: &str, value: &str) -> Include {
    let target = [&[kind, 0][..], key.as_bytes(), &[0], value.as_bytes()].concat();
    Include { line, target, form: Form::PackageField }
}

/// The parts of a [`Form::PackageField`] record: kind, key, value.
fn field_parts(inc: &Include) -> Option<(u8, &[u8], &[u8])> {
    if inc.form != Form::PackageField {
        return None;
    }
    let (&kind, rest) = inc.target.split_first()?;
    let rest = rest.strip_prefix(&[0])?;
    let cut = memchr::memchr(0, rest)?;
    Some((kind, rest.get(..cut)?, rest.get(cut + 1..)?))
}

/// The `"name"`, `"exports"` and `"imports"` of a `package.json` as Node's resolution reads them, as
/// [`Form::PackageField`] records; one search for each key's word before the JSON is parsed.
fn package_fields(text: &[u8]) -> Vec<Include> {
    let at = |key: &[u8]| memchr::memmem::find(text, key);
    let (exports_at, imports_at) = (at(b"\"exports\""), at(b"\"imports\""));
    if exports_at.is_none() && imports_at.is_none() {
        return Vec::new();
    }
    let Ok(Json::Obj(top)) = serde_json::from_slice::<Json>(text) else { return Vec::new() };
    let line = |at: Option<usize>| at.map_or(1, |a| lines_of(text, &[a])[0]);
    let mut out = Vec::new();
    for (key, value) in &top {
        match key.as_str() {
            "name" => {
                if let Json::Str(name) = value {
                    out.push(package_field(line(at(b"\"name\"")), b'n', "", name));
                }
            }
            "exports" | "imports" => {
                let imports = key == "imports";
                let line = line(if imports { imports_at } else { exports_at });
                // `"exports": "./x"`, an array, or an object of conditions is the `"."` entry.
                let sugar = match value {
                    Json::Obj(e) => !imports && e.first().is_some_and(|(k, _)| !k.starts_with('.')),
                    _ => !imports,
                };
                let entries: Vec<(&str, &Json)> = if sugar {
                    vec![(".", value)]
                } else if let Json::Obj(e) = value {
                    e.iter().map(|(k, v)| (k.as_str(), v)).collect()
                } else {
                    Vec::new()
                };
                for (k, v) in entries.into_iter().take(MAX_PACKAGE_KEYS) {
                    for (conditions, kind) in [(REQUIRE_CONDITIONS, b'r'), (IMPORT_CONDITIONS, b'i')] {
                        let kind = if imports { kind.to_ascii_uppercase() } else { kind };
                        // An excluded key (`null`) is recorded with an empty target: it hides patterns.
                        let t = package_target(v, conditions, 0).flatten().unwrap_or_default();
                        if t.len() <= MAX_TARGET && !t.contains('\0') && !k.contains('\0') {
                            out.push(package_field(line, kind, k, &t));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// The physical lines of `text` with their 1-based numbers and start offsets.
fn numbered_lines(text: &[u8]) -> impl Iterator<Item = (u32, &[u8])> {
    text.split(|&b| b == b'\n').enumerate().map(|(i, l)| (i as u32 + 1, l.strip_suffix(b"\r").unwrap_or(l)))
}

/// GNU make's `include`, `-include` and `sinclude` lines (not a recipe line, which starts with a tab):
/// every literal name of the list, up to a `#` comment. One search for `include` first.
fn make_includes(text: &[u8]) -> Vec<Include> {
    if memchr::memmem::find(text, b"include").is_none() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (line, l) in numbered_lines(text) {
        if l.first() == Some(&b'\t') {
            continue;
        }
        let l = l.trim_ascii_start();
        let Some(rest) =
            [b"include".as_slice(), b"-include", b"sinclude"].iter().find_map(|w| l.strip_prefix(*w))
        else {
            continue;
        };
        if !rest.first().is_some_and(|&b| b == b' ' || b == b'\t') {
            continue;
        }
        let rest = rest.split(|&b| b == b'#').next().unwrap_or_default();
        for name in rest.split(|b| b.is_ascii_whitespace()).filter(|n| !n.is_empty()) {
            if literal_path(name) && !Form::MakeInclude.skips(CodeLanguage::Make, name) {
                out.push(Include { line, target: name.to_vec(), form: Form::MakeInclude });
            }
        }
    }
    out
}

/// PHP's `require`, `include`, `require_once`, `include_once` (any case, as PHP reads keywords) of a
/// literal name, or of `__DIR__ . "/…"` / `dirname(__FILE__) . "/…"` (the includer's directory), outside
/// `//` and `#` comments. Only text with a `<?` (PHP code starts there) is read.
fn php_includes(text: &[u8]) -> Vec<Include> {
    if memchr::memmem::find(text, b"<?").is_none() {
        return Vec::new();
    }
    let lower = text.to_ascii_lowercase();
    let mut hits: Vec<(usize, usize)> = Vec::new();
    for word in [b"require".as_slice(), b"include"] {
        for at in memchr::memmem::find_iter(&lower, word) {
            let mut end = at + word.len();
            if lower.get(end..).is_some_and(|r| r.starts_with(b"_once")) {
                end += 5;
            }
            if word_starts(&lower, at)
                && lower.get(end).is_none_or(|&b| !(b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80))
            {
                hits.push((at, end));
            }
        }
    }
    if hits.is_empty() {
        return Vec::new();
    }
    hits.sort();
    let lines = lines_of(text, &hits.iter().map(|h| h.0).collect::<Vec<_>>());
    let mut out = Vec::new();
    for (&(at, end), line) in hits.iter().zip(lines) {
        if after_on_line(text, at, b"//") || after_on_line(text, at, b"#") {
            continue;
        }
        let mut r = Cursor { s: &lower, i: end };
        blank_code(&mut r);
        if r.eat(b"(") {
            blank_code(&mut r);
        }
        let dir = r.eat(b"__dir__") || r.eat(b"dirname(__file__)");
        if dir {
            blank_code(&mut r);
            if !r.eat(b".") {
                continue;
            }
            blank_code(&mut r);
        }
        let from = r.i;
        // Read the literal from the original text (the name's case matters).
        let mut o = Cursor { s: text, i: from };
        let Some(mut t) =
            quoted(&mut o, true).filter(|t| !(text.get(from) == Some(&b'"') && t.contains(&b'$')))
        else {
            continue;
        };
        if dir {
            let Some(rel) = t.strip_prefix(b"/") else { continue };
            t = [b"./".as_slice(), rel].concat();
        }
        if !t.is_empty() && t.first() != Some(&b'/') && !Form::PhpInclude.skips(CodeLanguage::Php, &t) {
            out.push(Include { line, target: t, form: Form::PhpInclude });
        }
    }
    out
}

/// The literal word after a command name on a script line: `{…}`, `"…"`, `'…'` or a bare word.
fn script_word(rest: &[u8]) -> Option<&[u8]> {
    let rest = rest.trim_ascii_start();
    let (open, close) = match rest.first()? {
        b'{' => (b'{', b'}'),
        b'"' => (b'"', b'"'),
        b'\'' => (b'\'', b'\''),
        _ => {
            let n = rest
                .iter()
                .position(|b| b.is_ascii_whitespace() || matches!(b, b';' | b'&' | b'|' | b']'))
                .unwrap_or(rest.len());
            return rest.get(..n);
        }
    };
    let _ = open;
    let body = rest.get(1..)?;
    body.get(..memchr::memchr(close, body)?)
}

/// Lines of a script whose command (first word, after blanks and an optional `[`) is one of `words`,
/// with the literal name after it (options starting with `-` and their value skipped, as Tcl's
/// `source -encoding utf-8 x.tcl`).
fn command_sources(text: &[u8], words: &[&[u8]], form: Form, lang: CodeLanguage) -> Vec<Include> {
    let mut out = Vec::new();
    let here = if form == Form::ShellSource { script_dir_prefixes(text) } else { Vec::new() };
    for (line, l) in numbered_lines(text) {
        let l = l.trim_ascii_start();
        let l = l.strip_prefix(b"[").unwrap_or(l);
        let Some(mut rest) = words.iter().find_map(|w| l.strip_prefix(*w)) else { continue };
        if !rest.first().is_some_and(|&b| b == b' ' || b == b'\t') {
            continue;
        }
        if let Some(t) = script_relative(rest.trim_ascii_start(), &here) {
            if !form.skips(lang, &t) {
                out.push(Include { line, target: t, form: Form::ShellSourceHere });
            }
            continue;
        }
        let mut name = script_word(rest);
        while let Some(opt) = name.filter(|n| n.starts_with(b"-") && form == Form::TclSource) {
            // `-encoding name`: skip the option and its value.
            let after = rest.trim_ascii_start().get(opt.len()..).unwrap_or_default();
            let value = script_word(after).unwrap_or_default();
            rest = after.trim_ascii_start().get(value.len()..).unwrap_or_default();
            name = script_word(rest);
        }
        if let Some(t) = name.filter(|t| literal_path(t) && t.first() != Some(&b'/') && !form.skips(lang, t))
        {
            out.push(Include { line, target: t.to_vec(), form });
        }
    }
    out
}

/// The ways a shell script names its own directory: `$(dirname "$0")`, `${0%/*}`, `` `dirname $0` ``,
/// the same of `${BASH_SOURCE[0]}`, and `$V`/`${V}` for each variable `V` the script sets from one of
/// those (`DIR=$(cd "$(dirname "$0")" && pwd)`, `HERE="${0%/*}"`), each as `"X/`, `"X"/` and `X/`
/// (the bool: the name ends at a closing `"`). Only text naming `$0`, `${0` or `BASH_SOURCE` has them.
fn script_dir_prefixes(text: &[u8]) -> Vec<(Vec<u8>, bool)> {
    let names_self = |t: &[u8]| {
        [b"$0".as_slice(), b"${0", b"BASH_SOURCE"].iter().any(|w| memchr::memmem::find(t, w).is_some())
    };
    if !names_self(text) {
        return Vec::new();
    }
    let mut cores: Vec<Vec<u8>> = [
        b"$(dirname \"$0\")".as_slice(),
        b"$(dirname $0)",
        b"${0%/*}",
        b"`dirname $0`",
        b"`dirname \"$0\"`",
        b"$(dirname \"${BASH_SOURCE[0]}\")",
        b"$(dirname \"$BASH_SOURCE\")",
        b"$(dirname ${BASH_SOURCE[0]})",
    ]
    .iter()
    .map(|c| c.to_vec())
    .collect();
    for (_, l) in numbered_lines(text) {
        let l = l.trim_ascii_start();
        let l = [b"export ".as_slice(), b"local ", b"readonly ", b"declare "]
            .iter()
            .find_map(|w| l.strip_prefix(*w))
            .map_or(l, <[u8]>::trim_ascii_start);
        let n = l.iter().take_while(|b| b.is_ascii_alphanumeric() || **b == b'_').count();
        let (Some(name), Some(b'=')) = (l.get(..n), l.get(n)) else { continue };
        let value = l.get(n + 1..).unwrap_or_default();
        let from_self = names_self(value)
            && (memchr::memmem::find(value, b"dirname").is_some()
                || memchr::memmem::find(value, b"%/*").is_some());
        if n > 0 && !name.first().is_some_and(u8::is_ascii_digit) && from_self {
            cores.push([b"$".as_slice(), name].concat());
            cores.push([b"${".as_slice(), name, b"}"].concat());
        }
    }
    let mut out = Vec::new();
    for c in cores {
        out.push(([b"\"".as_slice(), &c, b"/"].concat(), true));
        out.push(([b"\"".as_slice(), &c, b"\"/"].concat(), false));
        out.push(([c.as_slice(), b"/"].concat(), false));
    }
    out
}

/// The name after one of `prefixes` ([`script_dir_prefixes`]) at the start of `rest`, if it is literal:
/// relative to the script's directory.
fn script_relative(rest: &[u8], prefixes: &[(Vec<u8>, bool)]) -> Option<Vec<u8>> {
    let (after, closes) =
        prefixes.iter().find_map(|(p, q)| rest.strip_prefix(p.as_slice()).map(|a| (a, *q)))?;
    let n = if closes {
        memchr::memchr(b'"', after)?
    } else {
        after
            .iter()
            .position(|b| b.is_ascii_whitespace() || matches!(b, b';' | b'&' | b'|' | b')'))
            .unwrap_or(after.len())
    };
    let t = after.get(..n)?;
    (literal_path(t) && !t.contains(&b'"') && !t.contains(&b'\'')).then(|| t.to_vec())
}

/// Tcl's `source` of a literal name (one search for `source` first).
fn tcl_sources(text: &[u8]) -> Vec<Include> {
    if memchr::memmem::find(text, b"source").is_none() {
        return Vec::new();
    }
    command_sources(text, &[b"source"], Form::TclSource, CodeLanguage::Tcl)
}

/// The shell's `.` and `source` of a literal name (a few searches for `source` and a line's `. ` first).
fn shell_sources(text: &[u8]) -> Vec<Include> {
    // `. ` is common in prose: only a `.` first on a line, after blanks, counts.
    let dot = text.starts_with(b". ")
        || [b"\n. ".as_slice(), b" . ", b"\t. "].iter().any(|w| memchr::memmem::find(text, w).is_some());
    if !dot && memchr::memmem::find(text, b"source").is_none() {
        return Vec::new();
    }
    command_sources(text, &[b"source", b"."], Form::ShellSource, CodeLanguage::Shell)
}

/// Lua's `dofile("…")`, `dofile "…"`, `loadfile("…")` of a literal name, outside `--` comments (one
/// search for `file` first).
fn lua_dofiles(text: &[u8]) -> Vec<Include> {
    if memchr::memmem::find(text, b"dofile").is_none() && memchr::memmem::find(text, b"loadfile").is_none() {
        return Vec::new();
    }
    let mut hits: Vec<(usize, usize)> = Vec::new();
    for word in [b"dofile".as_slice(), b"loadfile"] {
        for at in memchr::memmem::find_iter(text, word) {
            if word_starts(text, at) {
                hits.push((at, at + word.len()));
            }
        }
    }
    hits.sort();
    let lines = lines_of(text, &hits.iter().map(|h| h.0).collect::<Vec<_>>());
    let mut out = Vec::new();
    for (&(at, end), line) in hits.iter().zip(lines) {
        if after_on_line(text, at, b"--") {
            continue;
        }
        let mut r = Cursor { s: text, i: end };
        while r.peek().is_some_and(|b| b == b' ' || b == b'\t') {
            r.i += 1;
        }
        if r.eat(b"(") {
            while r.peek().is_some_and(|b| b == b' ' || b == b'\t') {
                r.i += 1;
            }
        }
        let Some(t) = quoted(&mut r, true) else { continue };
        if literal_path(&t) && t.first() != Some(&b'/') && !Form::LuaDofile.skips(CodeLanguage::Lua, &t) {
            out.push(Include { line, target: t, form: Form::LuaDofile });
        }
    }
    out
}

/// A file run as code by an exec or eval of its text ([`py_execs`], [`js_evals`]).
#[derive(Debug, Clone, PartialEq, Eq)]
enum ExecLoad {
    /// A name Vitrine can follow: a literal, or a literal relative to the running file.
    Named(Include),
    /// A name computed at run time: the 1-based line and the loading call as written (80 bytes at most).
    Computed(u32, Vec<u8>),
}

/// The followed loads among `loads`.
fn literal(loads: Vec<ExecLoad>) -> impl Iterator<Item = Include> {
    loads.into_iter().filter_map(|l| match l {
        ExecLoad::Named(i) => Some(i),
        ExecLoad::Computed(..) => None,
    })
}

/// The exec/eval of a file's text whose name is computed at run time, in a Python or JavaScript file
/// (by its name): 1-based line and the call as written, for an informational finding (the file run is
/// not followed). Each language behind a search for its words.
pub fn computed_exec_loads(path: &[u8], text: &[u8]) -> Vec<(u32, Vec<u8>)> {
    let loads = match CodeLanguage::of_path(path) {
        Some(CodeLanguage::Python) => py_execs(text),
        Some(CodeLanguage::JavaScript) => js_evals(text),
        _ => return Vec::new(),
    };
    loads
        .into_iter()
        .filter_map(|l| match l {
            ExecLoad::Computed(line, call) => Some((line, call)),
            ExecLoad::Named(_) => None,
        })
        .collect()
}

/// Whether `b` continues an identifier (Python or JavaScript).
fn ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$'
}

/// The whole-word hits of `words` in `text` (sorted by offset), with the word's length, and their lines.
fn word_hits(text: &[u8], words: &[&[u8]]) -> Vec<(usize, usize, u32)> {
    let mut hits: Vec<(usize, usize)> = Vec::new();
    for w in words {
        for at in memchr::memmem::find_iter(text, w) {
            if word_starts(text, at) && text.get(at + w.len()).is_none_or(|&b| !ident_byte(b)) {
                hits.push((at, w.len()));
            }
        }
    }
    hits.sort();
    let lines = lines_of(text, &hits.iter().map(|h| h.0).collect::<Vec<_>>());
    hits.into_iter().zip(lines).map(|((at, n), line)| (at, n, line)).collect()
}

/// The call at `at` as written, to the end of its line, 80 bytes at most.
fn call_text(text: &[u8], at: usize) -> Vec<u8> {
    let rest = text.get(at..).unwrap_or_default();
    let end = memchr::memchr(b'\n', rest).unwrap_or(rest.len()).min(80);
    rest.get(..end).unwrap_or_default().trim_ascii_end().to_vec()
}

/// The offset just past the `)` closing the `(` at `open` (quotes skipped; 4 KiB at most).
fn past_close(s: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = open;
    let mut quote: Option<u8> = None;
    while i < s.len().min(open + MAX_TARGET) {
        let b = *s.get(i)?;
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) if b == b'\\' => i += 1,
            Some(_) => {}
            None => match b {
                b'"' | b'\'' | b'`' => quote = Some(b),
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' => {
                    depth = depth.checked_sub(1)?;
                    if depth == 0 {
                        return Some(i + 1);
                    }
                }
                _ => {}
            },
        }
        i += 1;
    }
    None
}

/// Where an exec/eval reads its file from.
enum LoadPath {
    /// A literal name (opened from the working directory).
    Literal(Vec<u8>),
    /// A literal name relative to the running file's directory.
    Here(Vec<u8>),
    /// An absolute name: outside the snapshot, not followed and not reported.
    Absolute,
    /// Anything else.
    Computed,
}

/// Python's blanks (inside brackets a newline is one too).
fn py_blank(r: &mut Cursor<'_>) {
    while r.peek().is_some_and(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n')) {
        r.i += 1;
    }
}

/// A Python string literal (`'…'`, `"…"`, with an optional `r`/`u` prefix, no escapes).
fn py_string(r: &mut Cursor<'_>) -> Option<Vec<u8>> {
    let from = r.i;
    if r.peek().is_some_and(|b| matches!(b, b'r' | b'R' | b'u' | b'U')) {
        r.i += 1;
    }
    if !matches!(r.peek(), Some(b'"' | b'\'')) {
        r.i = from;
        return None;
    }
    let s = quoted(r, true);
    if s.is_none() {
        r.i = from;
    }
    s
}

/// `os.path.dirname(__file__)` (of `os.path.abspath`/`realpath(__file__)` too) at the cursor.
fn py_dir_of_file(r: &mut Cursor<'_>) -> bool {
    let from = r.i;
    let ok = (|| {
        if !r.eat(b"os.path.dirname(") {
            return false;
        }
        py_blank(r);
        let wrapped = r.eat(b"os.path.abspath(") || r.eat(b"os.path.realpath(");
        py_blank(r);
        if !r.eat(b"__file__") {
            return false;
        }
        py_blank(r);
        if wrapped && !r.eat(b")") {
            return false;
        }
        py_blank(r);
        r.eat(b")")
    })();
    if !ok {
        r.i = from;
    }
    ok
}

/// Joins the literal parts of a path (`None` when one is absolute: the join restarts there).
fn join_parts(parts: &[Vec<u8>]) -> Option<Vec<u8>> {
    if parts.is_empty() || parts.iter().any(|p| p.first() == Some(&b'/') || p.is_empty()) {
        return None;
    }
    Some(parts.join(&b'/'))
}

/// The name a Python file reads at the cursor: a literal, `os.path.join(<dir of __file__ or
/// literal>, "…", …)`, `os.path.dirname(__file__) + "/…"`, `Path(__file__).parent / "…" / …`.
fn py_path(r: &mut Cursor<'_>) -> LoadPath {
    let end_of_arg = |r: &mut Cursor<'_>| {
        py_blank(r);
        matches!(r.peek(), Some(b')' | b','))
    };
    if let Some(t) = py_string(r) {
        return match (end_of_arg(r), t.first()) {
            (true, Some(b'/')) => LoadPath::Absolute,
            (true, Some(_)) => LoadPath::Literal(t),
            _ => LoadPath::Computed,
        };
    }
    if py_dir_of_file(r) {
        py_blank(r);
        if !r.eat(b"+") {
            return LoadPath::Computed;
        }
        py_blank(r);
        return match py_string(r).and_then(|t| t.strip_prefix(b"/").map(<[u8]>::to_vec)) {
            Some(t) if end_of_arg(r) && !t.is_empty() => LoadPath::Here(t),
            _ => LoadPath::Computed,
        };
    }
    if r.eat(b"os.path.join(") {
        py_blank(r);
        let here = py_dir_of_file(r);
        let mut parts = Vec::new();
        if !here {
            let Some(first) = py_string(r) else { return LoadPath::Computed };
            parts.push(first);
        }
        loop {
            py_blank(r);
            if r.eat(b")") {
                break;
            }
            if !r.eat(b",") {
                return LoadPath::Computed;
            }
            py_blank(r);
            match py_string(r) {
                Some(t) => parts.push(t),
                None => return LoadPath::Computed,
            }
        }
        return match (join_parts(&parts), end_of_arg(r)) {
            (Some(t), true) if here => LoadPath::Here(t),
            (Some(t), true) => LoadPath::Literal(t),
            (None, true) if parts.first().is_some_and(|p| p.first() == Some(&b'/')) => LoadPath::Absolute,
            _ => LoadPath::Computed,
        };
    }
    if r.eat(b"Path(") || r.eat(b"pathlib.Path(") {
        py_blank(r);
        if !r.eat(b"__file__") {
            return LoadPath::Computed;
        }
        py_blank(r);
        if !r.eat(b")") {
            return LoadPath::Computed;
        }
        let _ = r.eat(b".resolve()") || r.eat(b".absolute()");
        if !r.eat(b".parent") {
            return LoadPath::Computed;
        }
        let mut parts = Vec::new();
        loop {
            py_blank(r);
            if r.eat(b"/") {
                py_blank(r);
            } else if r.eat(b".joinpath(") {
                py_blank(r);
                let Some(t) = py_string(r) else { return LoadPath::Computed };
                parts.push(t);
                py_blank(r);
                if !r.eat(b")") {
                    return LoadPath::Computed;
                }
                continue;
            } else {
                break;
            }
            match py_string(r) {
                Some(t) => parts.push(t),
                None => return LoadPath::Computed,
            }
        }
        // `Path(...)` opened with `open()`/`run_path` as is, or its `.read_text()` (handled by the caller).
        return match join_parts(&parts) {
            Some(t) => LoadPath::Here(t),
            None => LoadPath::Computed,
        };
    }
    LoadPath::Computed
}

/// The load a [`LoadPath`] read at `at` (line `line`) makes with the forms `literal` and `here`
/// (a name already of `lang`, the loader's language, is not one).
fn exec_load(
    path: LoadPath,
    (line, text, at): (u32, &[u8], usize),
    (literal, here, lang): (Form, Form, CodeLanguage),
) -> Option<ExecLoad> {
    let named = |target: Vec<u8>, form: Form| {
        (literal_path(&target) && !form.skips(lang, &target)).then_some(ExecLoad::Named(Include {
            line,
            target,
            form,
        }))
    };
    match path {
        LoadPath::Literal(t) => named(t, literal),
        LoadPath::Here(t) => named(t, here),
        LoadPath::Absolute => None,
        LoadPath::Computed => Some(ExecLoad::Computed(line, call_text(text, at))),
    }
}

/// Python's runs of a file's text: `exec(open(P).read())`, `exec(compile(open(P).read(), …))`,
/// `runpy.run_path(P)`, `SourceFileLoader(name, P)`, outside `#` comments; P read by [`py_path`].
/// One search for each word first.
fn py_execs(text: &[u8]) -> Vec<ExecLoad> {
    let words: [&[u8]; 3] = [b"exec", b"run_path", b"SourceFileLoader"];
    if !words.iter().any(|w| memchr::memmem::find(text, w).is_some()) {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (at, n, line) in word_hits(text, &words) {
        if after_on_line(text, at, b"#") {
            continue;
        }
        let mut r = Cursor { s: text, i: at + n };
        py_blank(&mut r);
        if !r.eat(b"(") {
            continue;
        }
        py_blank(&mut r);
        let path = match text.get(at..at + n) {
            Some(b"exec") => {
                if r.eat(b"compile(") {
                    py_blank(&mut r);
                }
                // `open(P).read()`, or `Path(…).read_text()`.
                if r.eat(b"open(") {
                    let open = r.i - 1;
                    py_blank(&mut r);
                    let path = py_path(&mut r);
                    let Some(close) = past_close(text, open) else { continue };
                    r.i = close;
                    py_blank(&mut r);
                    if !r.eat(b".read(") {
                        continue;
                    }
                    path
                } else {
                    match py_path(&mut r) {
                        LoadPath::Here(t) if r.eat(b".read_text(") => LoadPath::Here(t),
                        _ => continue,
                    }
                }
            }
            Some(b"SourceFileLoader") => {
                // The module's name, then the path.
                let mut depth = 0usize;
                while let Some(b) = r.peek() {
                    match b {
                        b'(' | b'[' => depth += 1,
                        b')' | b']' if depth == 0 => break,
                        b')' | b']' => depth -= 1,
                        b',' if depth == 0 => break,
                        b'\n' => break,
                        _ => {}
                    }
                    r.i += 1;
                }
                if !r.eat(b",") {
                    continue;
                }
                py_blank(&mut r);
                py_path(&mut r)
            }
            _ => py_path(&mut r),
        };
        out.extend(exec_load(path, (line, text, at), (Form::PyExec, Form::PyExecHere, CodeLanguage::Python)));
    }
    out
}

/// Node's runs of a file's text: `eval`, `vm.runInThisContext`/`runInNewContext`/`runInContext`,
/// `new vm.Script`, `new Function` whose arguments read `fs.readFileSync(P…)`, outside `//` comments; P a
/// literal, `path.join(__dirname, "…", …)` (or `path.resolve`), `__dirname + "/…"`,
/// `` `${__dirname}/…` ``. One search for `readFileSync` first.
fn js_evals(text: &[u8]) -> Vec<ExecLoad> {
    if memchr::memmem::find(text, b"readFileSync").is_none() {
        return Vec::new();
    }
    let words: [&[u8]; 6] =
        [b"eval", b"runInThisContext", b"runInNewContext", b"runInContext", b"Script", b"Function"];
    let mut out = Vec::new();
    for (at, n, line) in word_hits(text, &words) {
        if after_on_line(text, at, b"//") {
            continue;
        }
        let mut r = Cursor { s: text, i: at + n };
        blank_code(&mut r);
        if r.peek() != Some(b'(') {
            continue;
        }
        let Some(close) = past_close(text, r.i) else { continue };
        let args = text.get(r.i..close).unwrap_or_default();
        let Some(k) = memchr::memmem::find(args, b"readFileSync") else { continue };
        let mut c = Cursor { s: text, i: r.i + k + b"readFileSync".len() };
        blank_code(&mut c);
        if !c.eat(b"(") {
            continue;
        }
        blank_code(&mut c);
        let path = js_path(&mut c);
        out.extend(exec_load(
            path,
            (line, text, at),
            (Form::JsEval, Form::JsEvalHere, CodeLanguage::JavaScript),
        ));
    }
    out
}

/// The name Node's `fs.readFileSync` reads at the cursor ([`js_evals`]).
fn js_path(r: &mut Cursor<'_>) -> LoadPath {
    let end_of_arg = |r: &mut Cursor<'_>| {
        blank_code(r);
        matches!(r.peek(), Some(b')' | b','))
    };
    if r.eat(b"`${__dirname}/") {
        let rest = r.s.get(r.i..).unwrap_or_default();
        let Some(n) = rest.iter().take(MAX_TARGET).position(|&b| b == b'`' || b == b'$' || b == b'\n') else {
            return LoadPath::Computed;
        };
        let t = rest.get(..n).unwrap_or_default().to_vec();
        r.i += n + 1;
        return if rest.get(n) == Some(&b'`') && !t.is_empty() && end_of_arg(r) {
            LoadPath::Here(t)
        } else {
            LoadPath::Computed
        };
    }
    if let Some(t) = quoted(r, true) {
        return match (end_of_arg(r), t.first()) {
            (true, Some(b'/')) => LoadPath::Absolute,
            (true, Some(_)) => LoadPath::Literal(t),
            _ => LoadPath::Computed,
        };
    }
    if r.eat(b"__dirname") {
        blank_code(r);
        if !r.eat(b"+") {
            return LoadPath::Computed;
        }
        blank_code(r);
        return match quoted(r, true).and_then(|t| t.strip_prefix(b"/").map(<[u8]>::to_vec)) {
            Some(t) if end_of_arg(r) && !t.is_empty() => LoadPath::Here(t),
            _ => LoadPath::Computed,
        };
    }
    if r.eat(b"path.join(") || r.eat(b"path.resolve(") {
        blank_code(r);
        let here = r.eat(b"__dirname");
        let mut parts = Vec::new();
        if !here {
            let Some(first) = quoted(r, true) else { return LoadPath::Computed };
            parts.push(first);
        }
        loop {
            blank_code(r);
            if r.eat(b")") {
                break;
            }
            if !r.eat(b",") {
                return LoadPath::Computed;
            }
            blank_code(r);
            match quoted(r, true) {
                Some(t) => parts.push(t),
                None => return LoadPath::Computed,
            }
        }
        return match (join_parts(&parts), end_of_arg(r)) {
            (Some(t), true) if here => LoadPath::Here(t),
            (Some(t), true) => LoadPath::Literal(t),
            (None, true) if parts.first().is_some_and(|p| p.first() == Some(&b'/')) => LoadPath::Absolute,
            _ => LoadPath::Computed,
        };
    }
    LoadPath::Computed
}

/// The line (1-based) of each of `offsets` (sorted), counting newlines once over the text.
fn lines_of(text: &[u8], offsets: &[usize]) -> Vec<u32> {
    let mut out = Vec::with_capacity(offsets.len());
    let (mut line, mut from) = (1u32, 0usize);
    for &at in offsets {
        let upto = text.get(from..at.max(from)).unwrap_or_default();
        line += memchr::memchr_iter(b'\n', upto).count() as u32;
        from = at.max(from);
        out.push(line);
    }
    out
}

/// Whether the line holding `at` has `marker` (a line comment's start) before `at`.
fn after_on_line(text: &[u8], at: usize, marker: &[u8]) -> bool {
    let head = text.get(..at).unwrap_or_default();
    let start = memchr::memrchr(b'\n', head).map_or(0, |n| n + 1);
    memchr::memmem::find(head.get(start..).unwrap_or_default(), marker).is_some()
}

/// Whether `at` starts a word (the byte before it is not part of an identifier).
fn word_starts(text: &[u8], at: usize) -> bool {
    at == 0 || text.get(at - 1).is_none_or(|&b| !(b.is_ascii_alphanumeric() || b == b'_' || b == b'$'))
}

/// A quoted string at the cursor (`"…"`, or `'…'` and `` `…` `` when `js`), escapes taken as written;
/// `None` for anything else, or a string over a line or over [`MAX_TARGET`].
fn quoted(r: &mut Cursor<'_>, js: bool) -> Option<Vec<u8>> {
    let q = r.peek()?;
    if !(q == b'"' || (js && (q == b'\'' || q == b'`'))) {
        return None;
    }
    let rest = r.s.get(r.i + 1..)?;
    let n = rest.iter().take(MAX_TARGET + 1).position(|&b| b == q || b == b'\n' || b == b'\\')?;
    if rest.get(n) != Some(&q) || (q == b'`' && rest.get(..n)?.contains(&b'$')) {
        return None;
    }
    r.i += n + 2;
    Some(rest.get(..n)?.to_vec())
}

/// Skips blanks and newlines (and `//` and `/* */` comments) in Rust or JavaScript text.
fn blank_code(r: &mut Cursor<'_>) {
    loop {
        r.blank();
        if r.s.get(r.i..).is_some_and(|t| t.starts_with(b"//")) {
            let rest = r.s.get(r.i..).unwrap_or_default();
            r.i += memchr::memchr(b'\n', rest).unwrap_or(rest.len());
        } else {
            return;
        }
    }
}

/// Rust's forms: `#[path = "…"]` (and `path = "…"` inside `#[cfg_attr(…)]`) and `include!("…")` (not
/// `include_str!`/`include_bytes!`, which are data), outside `//` comments.
fn rust_includes(text: &[u8]) -> Vec<Include> {
    let mut hits: Vec<(usize, Form)> = Vec::new();
    for at in memchr::memmem::find_iter(text, b"include!") {
        if word_starts(text, at) {
            hits.push((at, Form::RustInclude));
        }
    }
    if memchr::memmem::find(text, b"#[").is_some() || memchr::memmem::find(text, b"#![").is_some() {
        for at in memchr::memmem::find_iter(text, b"path") {
            if word_starts(text, at)
                && text.get(at + 4).is_none_or(|&b| !(b.is_ascii_alphanumeric() || b == b'_'))
            {
                hits.push((at, Form::RustModule));
            }
        }
    }
    if hits.is_empty() {
        return Vec::new();
    }
    hits.sort();
    let lines = lines_of(text, &hits.iter().map(|h| h.0).collect::<Vec<_>>());
    let mut out = Vec::new();
    for (&(at, form), line) in hits.iter().zip(lines) {
        if after_on_line(text, at, b"//") {
            continue;
        }
        let mut r = Cursor { s: text, i: at };
        let target = match form {
            Form::RustInclude => {
                r.i += b"include!".len();
                blank_code(&mut r);
                if !(r.eat(b"(") || r.eat(b"[") || r.eat(b"{")) {
                    continue;
                }
                blank_code(&mut r);
                quoted(&mut r, false)
            }
            _ => {
                // `path = "…"` inside an attribute: `#[` (or `#![`, or `cfg_attr(…, `) before it.
                let head = text.get(..at).unwrap_or_default();
                let before = head.iter().rev().find(|b| !b.is_ascii_whitespace()).copied();
                let in_attr = match before {
                    Some(b'[') => {
                        head.trim_ascii_end().ends_with(b"#[") || head.trim_ascii_end().ends_with(b"#![")
                    }
                    Some(b',') => {
                        let open = memchr::memmem::rfind(head, b"cfg_attr");
                        open.is_some_and(|o| !head.get(o..).unwrap_or_default().contains(&b']'))
                    }
                    _ => false,
                };
                if !in_attr {
                    continue;
                }
                r.i += b"path".len();
                blank_code(&mut r);
                if !r.eat(b"=") {
                    continue;
                }
                blank_code(&mut r);
                quoted(&mut r, false)
            }
        };
        if let Some(t) = target.filter(|t| !t.is_empty() && !form.skips(CodeLanguage::Rust, t)) {
            out.push(Include { line, target: t, form });
        }
    }
    out
}

/// JavaScript's forms naming a relative file (`./…`, `../…`), a package (`pkg`, `@scope/pkg/sub`) or a
/// package import (`#name`): `require(…)`, `import(…)`, `import "…"`, `import … from "…"`,
/// `export … from "…"`, outside `//` comments; Node's built-in modules (`fs`, `node:…`) are not
/// recorded (Node never looks them up).
fn js_includes(text: &[u8]) -> Vec<Include> {
    let mut hits: Vec<(usize, &[u8])> = Vec::new();
    for word in [b"require".as_slice(), b"import", b"from"] {
        for at in memchr::memmem::find_iter(text, word) {
            let end = at + word.len();
            if word_starts(text, at)
                && text.get(end).is_none_or(|&b| !(b.is_ascii_alphanumeric() || b == b'_' || b == b'$'))
            {
                hits.push((at, word));
            }
        }
    }
    if hits.is_empty() {
        return Vec::new();
    }
    hits.sort();
    let lines = lines_of(text, &hits.iter().map(|h| h.0).collect::<Vec<_>>());
    let mut out = Vec::new();
    for (&(at, word), line) in hits.iter().zip(lines) {
        if after_on_line(text, at, b"//") {
            continue;
        }
        let mut r = Cursor { s: text, i: at + word.len() };
        blank_code(&mut r);
        let call = r.eat(b"(");
        if call {
            blank_code(&mut r);
        }
        let form = match (word, call) {
            (b"require", true) => Form::Require,
            (b"import", _) | (b"from", false) => Form::Import,
            _ => continue,
        };
        let Some(t) = quoted(&mut r, true) else { continue };
        let relative = t.starts_with(b"./") || t.starts_with(b"../");
        if !(relative || node_specifier(&t)) || form.skips(CodeLanguage::JavaScript, &t) {
            continue;
        }
        out.push(Include { line, target: t, form });
    }
    out
}

/// Node's built-in modules, which `require`/`import` of the bare name loads whatever `node_modules` holds.
const NODE_BUILTINS: &[&[u8]] = &[
    b"assert",
    b"async_hooks",
    b"buffer",
    b"child_process",
    b"cluster",
    b"console",
    b"constants",
    b"crypto",
    b"dgram",
    b"diagnostics_channel",
    b"dns",
    b"domain",
    b"events",
    b"fs",
    b"http",
    b"http2",
    b"https",
    b"inspector",
    b"module",
    b"net",
    b"os",
    b"path",
    b"perf_hooks",
    b"process",
    b"punycode",
    b"querystring",
    b"readline",
    b"repl",
    b"stream",
    b"string_decoder",
    b"sys",
    b"timers",
    b"tls",
    b"trace_events",
    b"tty",
    b"url",
    b"util",
    b"v8",
    b"vm",
    b"wasi",
    b"worker_threads",
    b"zlib",
];

/// Whether `t` is a specifier Node resolves through packages: a bare name (`pkg`, `pkg/sub`, `@s/pkg`)
/// that is not a built-in module or a URL, or a package import (`#name`).
fn node_specifier(t: &[u8]) -> bool {
    let first = t.split(|&b| b == b'/').next().unwrap_or_default();
    !t.is_empty()
        && t.len() <= MAX_TARGET
        && !matches!(t.first(), Some(b'.' | b'/'))
        && !t.contains(&b':')
        && !t.contains(&b'\\')
        && !t.iter().any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
        && !NODE_BUILTINS.contains(&first)
}

/// GNU as's `.include "…"` first on its line (after an optional label); `.incbin` is data.
fn asm_includes(text: &[u8]) -> Vec<Include> {
    let hits: Vec<usize> = memchr::memmem::find_iter(text, b".include").collect();
    if hits.is_empty() {
        return Vec::new();
    }
    let lines = lines_of(text, &hits);
    let mut out = Vec::new();
    for (&at, line) in hits.iter().zip(lines) {
        let head = text.get(..at).unwrap_or_default();
        let start = memchr::memrchr(b'\n', head).map_or(0, |n| n + 1);
        let before = head.get(start..).unwrap_or_default();
        // Blanks only, or a label and blanks.
        let lead = match before.iter().position(|&b| b == b':') {
            Some(c) => before.get(c + 1..).unwrap_or_default(),
            None => before,
        };
        if !lead.iter().all(|b| b.is_ascii_whitespace()) {
            continue;
        }
        let mut r = Cursor { s: text, i: at + b".include".len() };
        if !r.peek().is_some_and(|b| b == b' ' || b == b'\t') {
            continue;
        }
        while r.peek().is_some_and(|b| b == b' ' || b == b'\t') {
            r.i += 1;
        }
        if let Some(t) = quoted(&mut r, false)
            .filter(|t| !t.is_empty() && !Form::AsmInclude.skips(CodeLanguage::Assembly, t))
        {
            out.push(Include { line, target: t, form: Form::AsmInclude });
        }
    }
    out
}

/// Most symbolic links followed in resolving one name (Linux's `MAXSYMLINKS`): a loop (`a -> b`,
/// `b -> a`) or a longer chain resolves to nothing.
pub const MAX_LINK_HOPS: usize = 40;

/// The symbolic links of a snapshot's manifest (each link's path and its target, as recorded), through
/// which the names of includes resolve as the kernel resolves the path the toolchain opens: component
/// by component, a link replaced by its target read from the link's own directory, `..` taken from the
/// directory reached (not from the name as written). Only the manifest is read, never the disk; a
/// link that leaves the root (absolute, or `..` above it) leads nowhere (the walk reports such links).
#[derive(Debug, Clone, Default)]
pub struct Links {
    targets: HashMap<Vec<u8>, Vec<u8>>,
    /// The last component of every link: a name none of whose components is one of these resolves
    /// as it reads.
    names: std::collections::HashSet<Vec<u8>>,
}

impl Links {
    /// The links given as (path of the link, target as recorded).
    pub fn new(links: impl IntoIterator<Item = (Vec<u8>, Vec<u8>)>) -> Links {
        let targets: HashMap<Vec<u8>, Vec<u8>> = links.into_iter().collect();
        let names = targets.keys().map(|l| l.rsplit(|&b| b == b'/').next().unwrap_or(l).to_vec()).collect();
        Links { targets, names }
    }

    /// The symbolic links of a snapshot's manifest.
    pub fn of_manifest<'a>(files: impl IntoIterator<Item = &'a crate::FileEntry>) -> Links {
        Links::new(files.into_iter().filter_map(|f| match &f.kind {
            crate::EntryKind::Symlink { target } => Some((f.path.as_bytes().to_vec(), target.clone())),
            _ => None,
        }))
    }

    /// Whether following `name` from a directory of the snapshot (whose own path has no link) may
    /// meet a link: one of its components is named as a link is. When not, it resolves as it reads.
    pub fn may_meet_a_link(&self, name: &[u8]) -> bool {
        !self.names.is_empty() && name.split(|&b| b == b'/').any(|c| self.names.contains(c))
    }

    /// The file of the snapshot the toolchain opens for `target` named by `form` in `includer`: the
    /// first of [`candidates_for`] that `exists` (the one rule the health report's `included-as-code`
    /// and the symbol index's included files share).
    pub fn open(
        &self,
        form: Form,
        includer: &[u8],
        target: &[u8],
        exists: impl Fn(&[u8]) -> bool,
    ) -> Option<Vec<u8>> {
        candidates_for(self, form, includer, target).into_iter().flatten().find(|p| exists(p))
    }

    /// No links: names resolve lexically.
    pub fn none() -> Links {
        Links::default()
    }

    /// Whether there are no links.
    pub fn is_empty(&self) -> bool {
        self.targets.is_empty()
    }

    /// Where `name` (relative, `/`-separated) leads from the directory `dir` of the snapshot (`""`: the
    /// root; a directory, not a path through a link): the path of the snapshot it names once every link on the way is followed, or `None` when
    /// it is absolute, climbs above the root, names the root itself, or follows more than
    /// [`MAX_LINK_HOPS`] links.
    pub fn resolve(&self, dir: &[u8], name: &[u8]) -> Option<Vec<u8>> {
        if name.first() == Some(&b'/') {
            return None;
        }
        let mut parts: Vec<&[u8]> = dir.split(|&b| b == b'/').filter(|c| !c.is_empty()).collect();
        // The components still to walk, the next last (a link's target is pushed in front of the rest).
        let mut pending: Vec<&[u8]> = name.split(|&b| b == b'/').rev().collect();
        let mut hops = 0usize;
        let mut here: Vec<u8> = Vec::new();
        // `dir` holds no link (it is a listed file's directory): only a component of `name` named as
        // a link is can be one, so most names are walked without a look-up.
        let lookups = self.may_meet_a_link(name);
        while let Some(c) = pending.pop() {
            match c {
                b"" | b"." => {}
                b".." => {
                    parts.pop()?;
                }
                c => {
                    parts.push(c);
                    if !lookups {
                        continue;
                    }
                    here.clear();
                    for (i, p) in parts.iter().enumerate() {
                        if i > 0 {
                            here.push(b'/');
                        }
                        here.extend_from_slice(p);
                    }
                    if let Some(target) = self.targets.get(&here) {
                        hops += 1;
                        if hops > MAX_LINK_HOPS || target.is_empty() || target.first() == Some(&b'/') {
                            return None;
                        }
                        // The target is read from the link's directory.
                        parts.pop();
                        pending.extend(target.split(|&b| b == b'/').rev());
                    }
                }
            }
        }
        (!parts.is_empty()).then(|| parts.join(&b'/'))
    }
}

/// Where cpp looks for a quoted include of `target` written in `includer`: relative to the includer's
/// directory, then to the snapshot root; each resolved through `links` ([`Links::resolve`]: `.`, `..`
/// and the snapshot's symbolic links followed; `None` where the name is absolute or leaves the root).
pub fn candidates(links: &Links, includer: &[u8], target: &[u8]) -> [Option<Vec<u8>>; 2] {
    if target.first() == Some(&b'/') {
        return [None, None];
    }
    let dir =
        includer.iter().rposition(|&b| b == b'/').map_or(&[][..], |n| includer.get(..n).unwrap_or_default());
    [links.resolve(dir, target), links.resolve(b"", target)]
}

/// Where the toolchain looks for `target` named by `form` in `includer`: for the preprocessor's and as's
/// quoted forms, [`candidates`]; for Rust's and Node's, beside the includer only.
pub fn candidates_for(links: &Links, form: Form, includer: &[u8], target: &[u8]) -> [Option<Vec<u8>>; 2] {
    let [beside, root] = candidates(links, includer, target);
    match form {
        // make, PHP, Tcl, Lua and the shell open a relative name from the working directory (PHP first
        // through its include path, whose default is `.`): the includer's directory or the root are
        // where a build or a server runs them from.
        Form::Preprocessor
        | Form::AsmInclude
        | Form::MakeInclude
        | Form::PhpInclude
        | Form::TclSource
        | Form::LuaDofile
        | Form::ShellSource
        | Form::PyImport
        | Form::PthImport
        | Form::PyExec
        | Form::JsEval
        | Form::ToolProgram
        | Form::ToolStartup => [beside, root],
        Form::RustModule
        | Form::RustInclude
        | Form::Require
        | Form::Import
        | Form::PackageMain
        | Form::PyExecHere
        | Form::ShellSourceHere
        | Form::JsEvalHere
        | Form::BuildBackend
        | Form::PackageField => [beside, None],
    }
}

/// A file compiled as code because another includes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncludedAsCode {
    /// The included file.
    pub path: Vec<u8>,
    /// The language it is compiled as: its first includer's (C for a Go file's cgo preamble).
    pub language: CodeLanguage,
    /// The first includer (in path order) and the 1-based line of its `#include`.
    pub includer: Vec<u8>,
    /// 1-based line of the directive in `includer`.
    pub line: u32,
    /// The directive.
    pub form: Form,
}

/// The files of a snapshot compiled as code by an include, each once, in path order: starting from the
/// files whose name gives a language that includes ([`CodeLanguage::of_path`]), following the includes
/// each reads ([`includes_for`], given per path by `includes_of`, which returns nothing for a file it
/// has no text for; [`CodeLanguage::reads`] says which forms count) to files of the snapshot
/// (`exists`), each name resolved through the snapshot's symbolic links (`links`, [`candidates_for`]),
/// and on from those in the language they are read as.
/// Each file is visited at most once, so the pass is linear; the includer kept for a file is the first
/// by (round, path), which does not depend on any order but the paths'.
pub fn included_as_code<'a>(
    paths: impl IntoIterator<Item = &'a [u8]>,
    links: &Links,
    exists: impl Fn(&[u8]) -> bool,
    includes_of: impl Fn(&[u8]) -> Vec<Include>,
) -> Vec<IncludedAsCode> {
    let mut found: BTreeMap<Vec<u8>, IncludedAsCode> = BTreeMap::new();
    // A tool's configuration (`.npmrc`, CMake) is no language's includer: only the forms that decide
    // their own language ([`Form::runs_as`]) are followed from it.
    let mut queue: VecDeque<(Vec<u8>, Option<CodeLanguage>)> = paths
        .into_iter()
        .filter_map(|p| match CodeLanguage::of_path(p) {
            Some(l) => Some((p.to_vec(), Some(l))),
            None => crate::toolruns::is_tool_config(p).then(|| (p.to_vec(), None)),
        })
        .collect();
    // Sorted, so that the first includer of a file does not depend on the caller's order.
    queue.make_contiguous().sort();
    while !queue.is_empty() {
        // One round: every includer of this depth, in path order.
        let mut round: Vec<(Vec<u8>, Option<CodeLanguage>)> = queue.drain(..).collect();
        round.sort();
        let mut next: Vec<(Vec<u8>, Option<CodeLanguage>)> = Vec::new();
        for (includer, lang) in round {
            for inc in includes_of(&includer) {
                let read_as =
                    inc.form.runs_as(&includer).or_else(|| lang.and_then(|l| l.reads(inc.form, &includer)));
                let Some(read_as) = read_as else { continue };
                let mut form = inc.form;
                let node = || NodeResolve {
                    links,
                    exists: &exists,
                    includes_of: &includes_of,
                    budget: Cell::new(0),
                };
                let path = if matches!(inc.form, Form::Require | Form::Import) && node_specifier(&inc.target)
                {
                    // A package or a package import: Node's resolution within the snapshot.
                    let Some(path) = node().resolve(&includer, &inc.target, inc.form == Form::Import) else {
                        continue;
                    };
                    path
                } else {
                    match links.open(inc.form, &includer, &inc.target, &exists) {
                        Some(path) => path,
                        // Node's `require("./dir")`: no file of that name, so the directory's
                        // `package.json` `"main"` (then `index.js`, a JavaScript name already).
                        None if inc.form == Form::Require => {
                            let [Some(dir), _] = candidates_for(links, Form::Require, &includer, &inc.target)
                            else {
                                continue;
                            };
                            let Some(main) = node().main(&dir) else { continue };
                            form = Form::PackageMain;
                            main
                        }
                        None => continue,
                    }
                };
                if form.skips(read_as, &path) || found.contains_key(&path) {
                    continue;
                }
                next.push((path.clone(), Some(read_as)));
                found.insert(
                    path.clone(),
                    IncludedAsCode {
                        path,
                        language: read_as,
                        includer: includer.clone(),
                        line: inc.line,
                        form,
                    },
                );
            }
        }
        queue.extend(next);
    }
    found.into_values().collect()
}

/// At most this many files are looked up to resolve one Node specifier.
const MAX_NODE_LOOKUPS: u32 = 256;

/// Node's module resolution (its `require.resolve` algorithm and the ESM resolver's package part) over
/// the snapshot's files: `exists` says whether a file is there, `includes_of` gives a `package.json`'s
/// [`Form::PackageMain`] and [`Form::PackageField`] records. Each resolution looks up at most
/// [`MAX_NODE_LOOKUPS`] files.
struct NodeResolve<'a, E, I> {
    links: &'a Links,
    exists: &'a E,
    includes_of: &'a I,
    budget: Cell<u32>,
}

fn join_path(dir: &[u8], name: &[u8]) -> Vec<u8> {
    if dir.is_empty() { name.to_vec() } else { [dir, b"/", name].concat() }
}

fn parent_dir(p: &[u8]) -> &[u8] {
    p.iter().rposition(|&b| b == b'/').map_or(&[][..], |n| p.get(..n).unwrap_or_default())
}

fn last_component(p: &[u8]) -> &[u8] {
    p.rsplit(|&b| b == b'/').next().unwrap_or(p)
}

impl<E: Fn(&[u8]) -> bool, I: Fn(&[u8]) -> Vec<Include>> NodeResolve<'_, E, I> {
    fn file(&self, p: &[u8]) -> bool {
        let used = self.budget.get();
        if used >= MAX_NODE_LOOKUPS {
            return false;
        }
        self.budget.set(used + 1);
        (self.exists)(p)
    }

    /// LOAD_AS_FILE: `X`, `X.js`, `X.json`, `X.node` (the last two are data or binary: not followed).
    fn load_file(&self, x: &[u8]) -> Option<Vec<u8>> {
        [&b""[..], b".js", b".json", b".node"].into_iter().map(|ext| [x, ext].concat()).find(|p| self.file(p))
    }

    fn load_index(&self, x: &[u8]) -> Option<Vec<u8>> {
        [&b"index.js"[..], b"index.json", b"index.node"]
            .into_iter()
            .map(|n| join_path(x, n))
            .find(|p| self.file(p))
    }

    /// What a directory's `package.json` `"main"` loads (probed as a file, then as a directory's index).
    fn main(&self, x: &[u8]) -> Option<Vec<u8>> {
        let manifest = join_path(x, b"package.json");
        if !self.file(&manifest) {
            return None;
        }
        let main = (self.includes_of)(&manifest).into_iter().find(|i| i.form == Form::PackageMain)?;
        let m = self.links.resolve(x, &main.target)?;
        self.load_file(&m).or_else(|| self.load_index(&m))
    }

    /// LOAD_AS_DIRECTORY: the `"main"`, then `index.js`.
    fn load_dir(&self, x: &[u8]) -> Option<Vec<u8>> {
        self.main(x).or_else(|| self.load_index(x))
    }

    /// The nearest `package.json` at or above `dir` (not above a `node_modules` directory) and its records.
    fn scope(&self, dir: &[u8]) -> Option<(Vec<u8>, Vec<Include>)> {
        let mut d = dir;
        loop {
            if last_component(d) == b"node_modules" {
                return None;
            }
            let manifest = join_path(d, b"package.json");
            if self.file(&manifest) {
                return Some((d.to_vec(), (self.includes_of)(&manifest)));
            }
            if d.is_empty() {
                return None;
            }
            d = parent_dir(d);
        }
    }

    /// The target of `key` in an `"exports"` (`kind` `r`/`i`) or `"imports"` (`R`/`I`) map: the exact
    /// key, else the pattern (one `*`) with the longest prefix that matches, its `*` replaced.
    fn map_target(fields: &[Include], kind: u8, key: &[u8]) -> Option<Vec<u8>> {
        let entries = || fields.iter().filter_map(field_parts).filter(|&(k, _, _)| k == kind);
        if let Some((_, _, value)) = entries().find(|&(_, k, _)| k == key) {
            return (!value.is_empty()).then(|| value.to_vec());
        }
        let mut best: Option<(usize, Vec<u8>)> = None;
        for (_, k, value) in entries() {
            let Some(star) = memchr::memchr(b'*', k) else { continue };
            let (pre, post) = (k.get(..star).unwrap_or_default(), k.get(star + 1..).unwrap_or_default());
            if key.len() > pre.len() + post.len()
                && key.starts_with(pre)
                && key.ends_with(post)
                && best.as_ref().is_none_or(|(n, _)| pre.len() > *n)
            {
                let matched = key.get(pre.len()..key.len() - post.len()).unwrap_or_default();
                let mut t = Vec::new();
                for (i, part) in value.split(|&b| b == b'*').enumerate() {
                    if i > 0 {
                        t.extend_from_slice(matched);
                    }
                    t.extend_from_slice(part);
                }
                best = Some((pre.len(), if value.is_empty() { Vec::new() } else { t }));
            }
        }
        best.map(|(_, t)| t).filter(|t| !t.is_empty())
    }

    /// A target of `"exports"`/`"imports"` inside the package directory `pkg` (`./…`, never above it).
    fn package_file(&self, pkg: &[u8], target: &[u8]) -> Option<Vec<u8>> {
        if !target.starts_with(b"./") {
            return None;
        }
        let p = self.links.resolve(pkg, target)?;
        let inside = pkg.is_empty() || (p.starts_with(pkg) && p.get(pkg.len()) == Some(&b'/'));
        (inside && self.file(&p)).then_some(p)
    }

    fn has_exports(fields: &[Include]) -> bool {
        fields.iter().filter_map(field_parts).any(|(k, _, _)| k == b'r' || k == b'i')
    }

    /// A bare specifier from `dir`: the package's self-reference, then `node_modules` up the tree.
    fn bare(&self, dir: &[u8], spec: &[u8], import: bool) -> Option<Vec<u8>> {
        // The package name is the first component, or the first two for a scope (`@scope/pkg`).
        let n = if spec.starts_with(b"@") { 2 } else { 1 };
        let comps: Vec<&[u8]> = spec.splitn(n + 1, |&b| b == b'/').collect();
        if comps.len() < n || comps.iter().take(n).any(|c| c.is_empty() || *c == b"." || *c == b"..") {
            return None;
        }
        let name_len = comps.iter().take(n).map(|c| c.len()).sum::<usize>() + n - 1;
        let name = spec.get(..name_len)?;
        let rest = spec.get(name_len + 1..).unwrap_or_default();
        let sub = if rest.is_empty() { b".".to_vec() } else { [b"./", rest].concat() };
        let kind = if import { b'i' } else { b'r' };
        if let Some((pkg, fields)) = self.scope(dir) {
            let named = fields.iter().filter_map(field_parts).any(|(k, _, v)| k == b'n' && v == name);
            if named && Self::has_exports(&fields) {
                return self.package_file(&pkg, &Self::map_target(&fields, kind, &sub)?);
            }
        }
        let mut d = dir;
        loop {
            // Node skips `…/node_modules/node_modules`.
            if last_component(d) != b"node_modules"
                && let Some(pkg) = self.links.resolve(d, &[b"node_modules/", name].concat())
            {
                let manifest = join_path(&pkg, b"package.json");
                if self.file(&manifest) {
                    let fields = (self.includes_of)(&manifest);
                    if Self::has_exports(&fields) {
                        return self.package_file(&pkg, &Self::map_target(&fields, kind, &sub)?);
                    }
                }
                let x = if rest.is_empty() { pkg.clone() } else { join_path(&pkg, rest) };
                let found = self.load_file(&x).or_else(|| self.load_dir(&x));
                if found.is_some() {
                    return found;
                }
            }
            if d.is_empty() || self.budget.get() >= MAX_NODE_LOOKUPS {
                return None;
            }
            d = parent_dir(d);
        }
    }

    /// The file `require(spec)` (`import` when `import`) in `includer` loads, for a bare or `#` specifier.
    fn resolve(&self, includer: &[u8], spec: &[u8], import: bool) -> Option<Vec<u8>> {
        let dir = parent_dir(includer);
        if !spec.starts_with(b"#") {
            return self.bare(dir, spec, import);
        }
        let (pkg, fields) = self.scope(dir)?;
        let target = Self::map_target(&fields, if import { b'I' } else { b'R' }, spec)?;
        if target.starts_with(b"./") {
            self.package_file(&pkg, &target)
        } else if node_specifier(&target) && !target.starts_with(b"#") {
            self.bare(&pkg, &target, import)
        } else {
            None
        }
    }
}

impl IncludedAsCode {
    /// The detail of the file's [`FindingKind::IncludedAsCode`] finding, which [`languages`] reads back.
    pub fn detail(&self) -> String {
        let lang = self.language.name();
        let how = match self.language {
            CodeLanguage::C
            | CodeLanguage::Cpp
            | CodeLanguage::Rust
            | CodeLanguage::Assembly
            | CodeLanguage::Go => "compiled",
            _ => "loaded",
        };
        let preamble = if CodeLanguage::of_path(&self.includer) == Some(CodeLanguage::Go) {
            " in its cgo preamble"
        } else {
            ""
        };
        let a = if matches!(self.language, CodeLanguage::Assembly) { "an" } else { "a" };
        // The languages the symbol index has no grammar for are read by the checks and `in:` only.
        let read = match self.language {
            CodeLanguage::Make
            | CodeLanguage::Php
            | CodeLanguage::Tcl
            | CodeLanguage::Lua
            | CodeLanguage::Shell => "its checks, in:code",
            _ => "definitions, calls, in:code",
        };
        format!(
            "{how} as {lang} by the {} at {}:{}{preamble}, though its name is not {a} {lang} source's: Vitrine reads it as {lang} too ({read})",
            self.form.directive(),
            crate::path::display_bytes(&self.includer),
            self.line
        )
    }
}

/// The language of each file a snapshot includes as code, by displayed path, from its health findings
/// (the ingest decides it once; the symbol index and the code view read it here).
pub fn languages(findings: &[Finding]) -> HashMap<String, CodeLanguage> {
    findings
        .iter()
        .filter(|f| f.kind == FindingKind::IncludedAsCode)
        .filter_map(|f| {
            // `detail` wrote "compiled as C++ by", "loaded as JavaScript by", ….
            let rest =
                f.detail.strip_prefix("compiled as ").or_else(|| f.detail.strip_prefix("loaded as "))?;
            let lang = CodeLanguage::LOADED
                .into_iter()
                .find(|l| rest.strip_prefix(l.name()).is_some_and(|r| r.starts_with(' ')))?;
            Some((f.path.clone(), lang))
        })
        .collect()
}

#[cfg(test)]
mod tests {

    /// A text of fragments that matter to reading directives (splices, digraphs, blanks, comments),
    /// from a fixed-seed generator: the same texts on every run.
    fn directive_texts() -> Vec<Vec<u8>> {
        const PARTS: &[&[u8]] = &[
            b"#",
            b"%:",
            b"%",
            b"\\\n",
            b"\\\r\n",
            b"\\ \n",
            b"\\",
            b"\n",
            b"\n",
            b"\r\n",
            b" ",
            b"\t",
            b"\x0b",
            b"\x0c",
            b"include",
            b"define X ",
            b"\"a.inc\"",
            b"x",
            b"/*",
            b"*/",
            b"ifndef G",
            b"endif",
        ];
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        (0..20_000)
            .map(|_| {
                let len = next() % 24;
                (0..len).flat_map(|_| PARTS[(next() % PARTS.len() as u64) as usize].to_vec()).collect()
            })
            .collect()
    }

    #[test]
    fn the_directive_search_reads_the_lines_that_reading_every_line_reads() {
        for text in directive_texts() {
            let mut every = Vec::new();
            each_logical_directive(&text, &mut |line, at| every.push((line.to_vec(), at)));
            let mut searched = Vec::new();
            each_directive_line(&text, &mut |line, at| searched.push((line.to_vec(), at)));
            assert_eq!(searched, every, "{:?}", String::from_utf8_lossy(&text));
        }
    }

    #[test]
    fn the_guard_s_directive_search_finds_the_lines_that_reading_every_line_finds() {
        for text in directive_texts() {
            let mut every = Vec::new();
            let mut at = 0usize;
            for line in text.split(|&b| b == b'\n') {
                let lead = line.iter().take_while(|b| matches!(b, b' ' | b'\t')).count();
                if line.get(lead) == Some(&b'#') {
                    let rest = &line[lead + 1..];
                    every.push((at + lead, rest.strip_suffix(b"\r").unwrap_or(rest).to_vec()));
                }
                at += line.len() + 1;
            }
            let searched: Vec<_> = directive_lines(&text).map(|(at, line)| (at, line.to_vec())).collect();
            assert_eq!(searched, every, "{:?}", String::from_utf8_lossy(&text));
        }
    }

    #[test]
    fn a_splice_is_read_once() {
        // `a\\` then a blank line: the compiler removes one backslash-newline; the `\` left before the
        // next newline splices nothing, so `#include` below starts its own directive.
        let text = b"#define A a\\\\\n\n#include \"x.inc\"\n";
        let (includes, _) = scan_includes_and_unresolved(text);
        assert_eq!(includes.iter().map(|i| i.line).collect::<Vec<_>>(), [3]);
        // A directive after a splice at the start of its logical line is one.
        let text = b"int a;\n  \\\n#include \"y.inc\"\n";
        let (includes, _) = scan_includes_and_unresolved(text);
        assert_eq!(
            includes.iter().map(|i| (i.line, i.target.as_slice())).collect::<Vec<_>>(),
            [(2, &b"y.inc"[..])]
        );
    }

    /// Texts whose includes the quick look passes over give what reading every line gives: none.
    #[test]
    fn the_quick_look_passes_over_no_include_a_full_reading_reports() {
        let pieces: [&str; 19] = [
            "#include <linux/kernel.h>\n",
            "#include \"internal.h\"\n",
            "#include \"table.txt\"\n",
            "#define T \"keys.def\"\n",
            "#include T\n",
            "# include /* why */ \"ops.inc\"\n",
            "#include \\\n  \"split.inc\"\n",
            "%:include \"digraph.def\"\n",
            "#include_next \"next.inc\"\n",
            "#import \"objc.txt\"\n",
            "/* include \"comment.txt\" */\n",
            "int include_count = 0;\n",
            "#include \"unterminated\n",
            "#define S \"a.h\"\n#include S\n",
            "#include \"x.cpp\"\n",
            "#  include\t\"tab.inc\"\n",
            "/* important: included by reimport */\n",
            "#include_next \"next.txt\"\n",
            "#include_next <next.h>\n",
        ];
        // Every text of up to three pieces, in every order.
        let mut checked = 0;
        for a in 0..pieces.len() {
            for b in 0..pieces.len() {
                for c in 0..pieces.len() {
                    let text = [pieces[a], pieces[b], pieces[c]].concat();
                    assert_eq!(code_includes(text.as_bytes()), scan_includes(text.as_bytes()), "{text:?}");
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, pieces.len().pow(3));
        // And the quick look does pass over the common case.
        assert!(!may_include_code(b"#include <linux/kernel.h>\n#include \"internal.h\"\n#define X \"s\"\n"));
        assert!(may_include_code(b"#include \"table.txt\"\n"));
        assert!(!may_include_code(b"/* important: included by reimport */\n#include_next <a.h>\n"));
    }
    use super::*;

    fn read(path: &str, text: &str) -> Vec<(u32, String, Form)> {
        includes_for(path.as_bytes(), text.as_bytes())
            .into_iter()
            .map(|i| (i.line, String::from_utf8(i.target).unwrap(), i.form))
            .collect()
    }

    /// snap F5 and F7 (round 9): the script loaders' literal names are read as make, PHP, Tcl, Lua, the
    /// shell and Node's `package.json` read them; names computed at run time, comments, recipe lines and
    /// names already of the loader's language are not.
    #[test]
    fn script_loaders_name_the_files_they_run() {
        use Form::*;
        let make = "include a.conf b.conf # c.conf\n-include d.conf\nsinclude $(X).conf e.mk\n\tinclude f.conf\nincluded g\n";
        assert_eq!(
            read("Makefile", make),
            vec![
                (1, "a.conf".into(), MakeInclude),
                (1, "b.conf".into(), MakeInclude),
                (2, "d.conf".into(), MakeInclude)
            ]
        );
        let php = "<?php\nrequire __DIR__ . '/lib/a.inc';\nInclude_Once(\"b.tpl\");\n// require 'c.inc';\nrequire \"$d.inc\";\nrequire 'e.php';\nrequire dirname(__FILE__) . \"/f.inc\";\n";
        assert_eq!(
            read("index.php", php),
            vec![
                (2, "./lib/a.inc".into(), PhpInclude),
                (3, "b.tpl".into(), PhpInclude),
                (7, "./f.inc".into(), PhpInclude)
            ]
        );
        assert!(read("notes.txt", "require 'x.inc';\n").iter().all(|i| i.2 != PhpInclude), "no `<?`: no PHP");
        assert_eq!(
            read(
                "run.tcl",
                "source -encoding utf-8 lib.cfg\n  [source {b.cfg}]\nsource $dir/c.cfg\nsource d.tcl\n"
            ),
            vec![(1, "lib.cfg".into(), TclSource), (2, "b.cfg".into(), TclSource)]
        );
        assert_eq!(
            read(
                "main.lua",
                "dofile(\"a.dat\")\nlocal f = loadfile 'b.dat'\n-- dofile('c.dat')\ndofile('d.lua')\n"
            ),
            vec![(1, "a.dat".into(), LuaDofile), (2, "b.dat".into(), LuaDofile)]
        );
        assert_eq!(
            read(
                "start.sh",
                ". ./env.conf\nsource \"lib.conf\"\nsource \"$HOME/x\"\n. /etc/profile\n. ./x.sh\n"
            ),
            vec![(1, "./env.conf".into(), ShellSource), (2, "lib.conf".into(), ShellSource)]
        );
        assert_eq!(
            read("lib/package.json", "{ \"name\": \"lib\", \"main\": \"compat.dat\" }\n"),
            vec![(1, "compat.dat".into(), PackageMain)]
        );
        assert!(read("lib/package.json", "{ \"main\": 3 }").is_empty());
    }

    /// obf f10: code run from a file by an exec/eval of its text (Python `exec(open(…).read())`,
    /// `exec(compile(…))`, `runpy.run_path`, `SourceFileLoader`; the shell's `.` of a `$0`-relative name;
    /// Node `eval`/`vm`/`new Function` of `fs.readFileSync`) is named, literal or relative to the running
    /// file; a computed name is reported apart; comments and reads that are not run are not.
    #[test]
    fn exec_and_eval_of_a_files_text_name_the_file_they_run() {
        use Form::*;
        let py = "import os, runpy\nfrom pathlib import Path\n\
exec(open(os.path.join(os.path.dirname(__file__), \"data/t.txt\")).read())\n\
exec(compile(open(\"pkg/v.txt\", \"rb\").read(), \"v\", \"exec\"))\n\
runpy.run_path('tool.cfg')\n\
m = SourceFileLoader(\"m\", os.path.dirname(os.path.abspath(__file__)) + \"/m.dat\").load_module()\n\
exec(open(Path(__file__).parent / \"a\" / \"b.tbl\").read())\n\
# exec(open(\"c.txt\").read())\n\
data = open(\"d.txt\").read()\n\
exec(open(name).read())\n\
exec(\"x = 1\")\n\
runpy.run_path('e.py')\n";
        assert_eq!(
            read("pkg/auth.py", py).into_iter().filter(|i| i.2 != PyImport).collect::<Vec<_>>(),
            vec![
                (3, "data/t.txt".into(), PyExecHere),
                (4, "pkg/v.txt".into(), PyExec),
                (5, "tool.cfg".into(), PyExec),
                (6, "m.dat".into(), PyExecHere),
                (7, "a/b.tbl".into(), PyExecHere),
            ]
        );
        assert_eq!(
            computed_exec_loads(b"pkg/auth.py", py.as_bytes()),
            vec![(10, b"exec(open(name).read())".to_vec())]
        );
        let sh = "#!/bin/sh\nHERE=$(cd \"$(dirname \"$0\")\" && pwd)\n. \"$(dirname \"$0\")/defaults.cfg\"\n\
. \"${0%/*}/b.cfg\"\nsource \"$HERE/c.cfg\"\n. \"$OTHER/d.cfg\"\n. \"$HERE\"/e.cfg\n. $HERE/f.sh\n";
        assert_eq!(
            read("scripts/build.sh", sh),
            vec![
                (3, "defaults.cfg".into(), ShellSourceHere),
                (4, "b.cfg".into(), ShellSourceHere),
                (5, "c.cfg".into(), ShellSourceHere),
                (7, "e.cfg".into(), ShellSourceHere),
            ]
        );
        let js = "const fs = require(\"fs\"), path = require(\"path\"), vm = require(\"vm\");\n\
eval(fs.readFileSync(path.join(__dirname, \"data/crc.tbl\"), \"utf8\"));\n\
vm.runInThisContext(fs.readFileSync(\"lib/x.dat\", \"utf8\"));\n\
new vm.Script(fs.readFileSync(__dirname + \"/y.dat\")).runInThisContext();\n\
const f = new Function(\"a\", fs.readFileSync(`${__dirname}/z.dat`, \"utf8\"));\n\
// eval(fs.readFileSync(\"no.dat\", \"utf8\"));\n\
const t = fs.readFileSync(\"table.dat\");\n\
eval(fs.readFileSync(process.argv[2], \"utf8\"));\n";
        assert_eq!(
            read("js/verify.js", js),
            vec![
                (2, "data/crc.tbl".into(), JsEvalHere),
                (3, "lib/x.dat".into(), JsEval),
                (4, "y.dat".into(), JsEvalHere),
                (5, "z.dat".into(), JsEvalHere),
            ]
        );
        assert_eq!(
            computed_exec_loads(b"js/verify.js", js.as_bytes()),
            vec![(8, b"eval(fs.readFileSync(process.argv[2], \"utf8\"));".to_vec())]
        );
        // The names resolve as the loader opens them: beside the running file for the `__file__`,
        // `$0` and `__dirname` forms only, and in the language of the loader.
        let files: HashMap<&[u8], String> = HashMap::from([
            (b"pkg/auth.py".as_slice(), py.to_string()),
            (b"pkg/data/t.txt", String::new()),
            (b"pkg/v.txt", String::new()),
            (b"tool.cfg", String::new()),
            (b"m.dat", String::new()),
            (b"scripts/build.sh", sh.to_string()),
            (b"scripts/defaults.cfg", String::new()),
            (b"c.cfg", String::new()),
            (b"js/verify.js", js.to_string()),
            (b"js/data/crc.tbl", "eval(fs.readFileSync(__dirname + \"/w.dat\"));\n".to_string()),
            (b"js/data/w.dat", String::new()),
        ]);
        let found = included_as_code(
            files.keys().copied(),
            &Links::none(),
            |p| files.contains_key(p),
            |p| files.get(p).map(|t| includes_for(p, t.as_bytes())).unwrap_or_default(),
        );
        let shown: Vec<(String, CodeLanguage, String, u32)> = found
            .into_iter()
            .map(|f| {
                (
                    String::from_utf8(f.path).unwrap(),
                    f.language,
                    String::from_utf8(f.includer).unwrap(),
                    f.line,
                )
            })
            .collect();
        assert_eq!(
            shown,
            vec![
                ("js/data/crc.tbl".into(), CodeLanguage::JavaScript, "js/verify.js".into(), 2),
                ("js/data/w.dat".into(), CodeLanguage::JavaScript, "js/data/crc.tbl".into(), 1),
                ("pkg/data/t.txt".into(), CodeLanguage::Python, "pkg/auth.py".into(), 3),
                ("pkg/v.txt".into(), CodeLanguage::Python, "pkg/auth.py".into(), 4),
                ("scripts/defaults.cfg".into(), CodeLanguage::Shell, "scripts/build.sh".into(), 3),
                ("tool.cfg".into(), CodeLanguage::Python, "pkg/auth.py".into(), 5),
            ]
        );
    }

    /// `require("./dir")` with no file of that name loads the directory's `package.json` `"main"`.
    #[test]
    fn a_required_directory_loads_its_package_main() {
        let files: HashMap<&[u8], &str> = [
            (b"server.js".as_slice(), "require('./lib');\nrequire('./other');\n"),
            (b"lib/package.json", "{\"main\": \"compat.dat\"}"),
            (b"lib/compat.dat", "exports.check = () => true;\n"),
            (b"lib/index.js", "exports.check = () => false;\n"),
            (b"other/index.js", ""),
        ]
        .into_iter()
        .collect();
        let found = included_as_code(
            files.keys().copied(),
            &Links::none(),
            |p| files.contains_key(p),
            |p| files.get(p).map(|t| includes_for(p, t.as_bytes())).unwrap_or_default(),
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].path, b"lib/compat.dat");
        assert_eq!(
            (found[0].form, found[0].language, found[0].line),
            (Form::PackageMain, CodeLanguage::JavaScript, 1)
        );
    }

    fn node_found(files: &[(&str, &str)]) -> Vec<(String, String, Form)> {
        let files: HashMap<&[u8], &str> = files.iter().map(|(p, t)| (p.as_bytes(), *t)).collect();
        included_as_code(
            files.keys().copied(),
            &Links::none(),
            |p| files.contains_key(p),
            |p| files.get(p).map(|t| includes_for(p, t.as_bytes())).unwrap_or_default(),
        )
        .into_iter()
        .map(|f| (String::from_utf8(f.path).unwrap(), String::from_utf8(f.includer).unwrap(), f.form))
        .collect()
    }

    #[test]
    fn packages_resolve_as_node_resolves_them() {
        // snap r10 F2: a self-reference through "exports", a bare name into node_modules whose "main"
        // is a data name, "imports" (`#auth`), conditions in the order written, patterns, subpaths
        // without "exports", extension probing, `index.js`, a walk up from a nested file.
        let pkg = r##"{
          "name": "authlib", "main": "index.js",
          "exports": {
            ".": "./index.js",
            "./auth": { "import": "./lib/auth.mjs.txt", "require": "./lib/compat.dat", "default": "./lib/auth.js" },
            "./nested": { "node": { "require": ["./lib/nested.dat"], "default": "./lib/auth.js" } },
            "./first": { "default": "./lib/first.dat", "require": "./lib/never.dat" },
            "./feat/*": "./lib/feat/*.tpl",
            "./gone": null
          },
          "imports": { "#auth": { "require": "./lib/imp.dat", "default": "./lib/auth.js" }, "#dep": "dep-pkg" }
        }"##;
        let found = node_found(&[
            ("package.json", pkg),
            ("index.js", ""),
            ("lib/auth.js", ""),
            ("lib/compat.dat", ""),
            ("lib/auth.mjs.txt", ""),
            ("lib/nested.dat", ""),
            ("lib/first.dat", ""),
            ("lib/never.dat", ""),
            ("lib/feat/x.tpl", ""),
            ("lib/imp.dat", ""),
            ("lib/gone.dat", ""),
            (
                "server.js",
                "require('authlib/auth');\nrequire('acme-session');\nrequire('#auth');\nimport a from 'authlib/auth';\nrequire('authlib/nested');\nrequire('authlib/first');\nrequire('authlib/feat/x');\nrequire('authlib/gone.dat');\nrequire('fs');\nrequire('node:fs');\n",
            ),
            ("src/deep/a.js", "require('plain/sub/util');\nrequire('#dep');\nrequire('@sc/pk');\n"),
            (
                "node_modules/acme-session/package.json",
                r#"{ "name": "acme-session", "main": "lib/session" }"#,
            ),
            ("node_modules/acme-session/index.js", ""),
            ("node_modules/acme-session/lib/session.cfg", ""),
            ("node_modules/acme-session/lib/session.js", ""),
            ("node_modules/plain/sub/util.tbl", ""),
            ("node_modules/plain/sub/util", ""),
            ("node_modules/dep-pkg/package.json", r#"{ "main": "main.dat" }"#),
            ("node_modules/dep-pkg/main.dat", ""),
            ("node_modules/@sc/pk/index.js", "require('./x.cfg');\n"),
            ("node_modules/@sc/pk/x.cfg", ""),
            ("node_modules/fs/index.dat", ""),
        ]);
        let r = |p: &str, i: &str, f: Form| (p.to_string(), i.to_string(), f);
        assert_eq!(
            found,
            vec![
                r("lib/auth.mjs.txt", "server.js", Form::Import),
                r("lib/compat.dat", "server.js", Form::Require),
                r("lib/feat/x.tpl", "server.js", Form::Require),
                r("lib/first.dat", "server.js", Form::Require),
                r("lib/imp.dat", "server.js", Form::Require),
                r("lib/nested.dat", "server.js", Form::Require),
                r("node_modules/@sc/pk/x.cfg", "node_modules/@sc/pk/index.js", Form::Require),
                r("node_modules/dep-pkg/main.dat", "src/deep/a.js", Form::Require),
                r("node_modules/plain/sub/util", "src/deep/a.js", Form::Require),
            ],
        );
        // "main": "lib/session" probes `lib/session.js` (a JavaScript name: no finding) before `.cfg`
        // is ever tried; with the `.js` gone, Node throws, it does not load the `.cfg`.
        let found = node_found(&[
            ("a.js", "require('s');\n"),
            ("node_modules/s/package.json", r#"{ "main": "lib/session.cfg" }"#),
            ("node_modules/s/lib/session.cfg", ""),
        ]);
        assert_eq!(found, vec![r("node_modules/s/lib/session.cfg", "a.js", Form::Require)]);
    }

    fn targets(text: &str) -> Vec<(u32, String)> {
        code_includes(text.as_bytes())
            .into_iter()
            .map(|i| (i.line, String::from_utf8(i.target).unwrap()))
            .collect()
    }

    /// A splice GCC makes (a backslash, blanks, a newline) inside or after the directive's word: the
    /// file is read as code whatever else the text holds (alone, no other `include` word opens the
    /// line-by-line reading).
    #[test]
    fn includes_spliced_as_gcc_splices_them_are_found_alone() {
        for (text, target) in [
            ("#inc\\\nlude \"payload.txt\"\n", "payload.txt"),
            ("#inc\\  \nlude \"blanks.txt\"\n", "blanks.txt"),
            ("#im\\\r\nport \"crlf.txt\"\n", "crlf.txt"),
            ("#include\\ \t\n \"after.txt\"\n", "after.txt"),
            ("  #  i\\\nn\\\nclude \"twice.txt\"\n", "twice.txt"),
        ] {
            assert_eq!(targets(text), [(1, target.to_string())], "{text:?}");
        }
        // Splices that join no word leave the quick look to pass over a file.
        assert!(!may_include_code(b"#define F(x) \\\n\tf(x); \\\n\tg(x)\n#include <a.h>\n"));
    }

    #[test]
    fn quoted_and_macro_includes_of_non_source_names() {
        let src = "#include <stdio.h>\n#include \"a.h\"\n#define T \"data/t.txt\"\n#include T\n  #  include_next \"x.inc\"\n# /* c */ include /* d */ \"Rules\"\n#define F(x) \"no.txt\"\n#include F\n%:include \"dig.def\"\n#inc\\\nlude \"spliced.txt\"\n#include \"last\"\n";
        assert_eq!(
            targets(src),
            [
                (4, "data/t.txt"),
                (5, "x.inc"),
                (6, "Rules"),
                (9, "dig.def"),
                (10, "spliced.txt"),
                (12, "last")
            ]
            .map(|(l, s)| (l, s.to_string()))
        );
        // An #undef'd macro names nothing; text without directives costs one search.
        assert!(targets("#define T \"t.txt\"\n#undef T\n#include T\n").is_empty());
        assert!(targets("int x; /* include */\n").is_empty());
    }

    /// f7 (session 25): an include's name built by function-like macros (stringizing, pasting,
    /// nested) is followed; an operand no macro of the file makes a name of is reported.
    #[test]
    fn includes_named_by_function_like_macros_are_expanded() {
        let src = "#define STR_(x) #x\n#define STR(x) STR_(x)\n#define CRC_TABLE data/crc_table.txt\n#include STR(CRC_TABLE)\n\
                   #define CAT(a, b) a##b\n#define Q(x) STR(x)\n#include Q(CAT(tab, le.inc))\n\
                   #define SELF SELF\n#include SELF\n#include TRACE_INCLUDE(TRACE_FILE)\n#include <sys/x.h>\n";
        assert_eq!(
            targets(src),
            [(4, "data/crc_table.txt"), (7, "table.inc")].map(|(l, s)| (l, s.to_string()))
        );
        let unresolved: Vec<(u32, String)> = unresolved_includes(src.as_bytes())
            .into_iter()
            .map(|(l, o)| (l, String::from_utf8(o).unwrap()))
            .collect();
        assert_eq!(unresolved, [(9, "SELF".to_string()), (10, "TRACE_INCLUDE(TRACE_FILE)".to_string())]);
        // Expansion is bounded: a macro doubling its text at each level ends, unresolved.
        let mut bomb = String::from("#define M0 x\n");
        for k in 1..40 {
            bomb.push_str(&format!("#define M{k} M{} M{}\n", k - 1, k - 1));
        }
        bomb.push_str("#include M39\n");
        assert_eq!(unresolved_includes(bomb.as_bytes()).len(), 1);
    }

    /// f16 (session 25): the macro guarding a whole header; a `#ifndef` that closes early, a value
    /// other than `1`, code before or after, or an `#endif` inside a comment is none.
    #[test]
    fn include_guards_cover_the_whole_file() {
        let guard = |t: &str| include_guard(t.as_bytes()).map(|g| String::from_utf8(g).unwrap());
        assert_eq!(
            guard(
                "/* log.h */\n#ifndef VENDOR_CONFIG_H\n#define VENDOR_CONFIG_H\n#include <stdio.h>\n#if X\n#endif\n#endif /* x */\n"
            ),
            Some("VENDOR_CONFIG_H".into())
        );
        assert_eq!(guard("#if !defined(A_H)\n# define A_H 1\nint a;\n#endif\n// end\n"), Some("A_H".into()));
        assert_eq!(guard("#ifndef A\n#define A 0\n#endif\nint a;\n"), None, "a default value");
        assert_eq!(guard("#ifndef A\n#define A\n#endif\nint a;\n"), None, "closes early");
        assert_eq!(guard("int x;\n#ifndef A\n#define A\n#endif\n"), None, "code before");
        assert_eq!(guard("#ifndef A\n#define A\n/*\n#endif\n*/\nint a;\n#endif\n"), Some("A".into()));
        assert_eq!(guard_of(b"src/a.txt", b"#ifndef A\n#define A\n#endif\n"), None);
    }

    #[test]
    fn names_resolve_beside_the_includer_then_at_the_root() {
        let none = Links::none();
        let [a, b] = candidates(&none, b"src/x.c", b"../data/t.txt");
        assert_eq!(a.as_deref(), Some(b"data/t.txt".as_slice()));
        assert_eq!(b, None, "`..` above the root");
        let [a, b] = candidates(&none, b"x.c", b"./t.txt");
        assert_eq!((a.as_deref(), b.as_deref()), (Some(b"t.txt".as_slice()), Some(b"t.txt".as_slice())));
        assert_eq!(candidates(&none, b"x.c", b"/etc/passwd"), [None, None]);
    }

    fn links(pairs: &[(&str, &str)]) -> Links {
        Links::new(pairs.iter().map(|(l, t)| (l.as_bytes().to_vec(), t.as_bytes().to_vec())))
    }

    fn resolved(links: &Links, dir: &str, name: &str) -> Option<String> {
        links.resolve(dir.as_bytes(), name.as_bytes()).map(|p| String::from_utf8(p).unwrap())
    }

    /// Names resolve through the snapshot's links as the kernel resolves the path the toolchain opens:
    /// component by component, each target read from its link's directory, `..` from where the walk is.
    #[test]
    fn names_resolve_through_the_snapshots_links_component_by_component() {
        let l = links(&[
            ("c/src/data", "../assets"),
            ("c/assets/alias.txt", "steps.txt"),
            ("c/assets/up", ".."),
            ("top", "c/src"),
            ("chain1", "chain2"),
            ("chain2", "c/assets"),
            ("out", "../../etc"),
            ("abs", "/etc"),
            ("loop/a", "b"),
            ("loop/b", "a"),
            ("self", "self"),
            ("empty", ""),
        ]);
        assert_eq!(resolved(&l, "c/src", "data/steps.txt").as_deref(), Some("c/assets/steps.txt"));
        // A link as the last component (cpp opens the file the link names).
        assert_eq!(resolved(&l, "c/src", "data/alias.txt").as_deref(), Some("c/assets/steps.txt"));
        // `..` after a link climbs from the link's target, not from the name as written.
        assert_eq!(resolved(&l, "c/src", "data/../x.txt").as_deref(), Some("c/x.txt"));
        assert_eq!(resolved(&l, "c/src", "data/up/src/main.c").as_deref(), Some("c/src/main.c"));
        // Links through links, from the root.
        assert_eq!(resolved(&l, "", "top/data/steps.txt").as_deref(), Some("c/assets/steps.txt"));
        assert_eq!(resolved(&l, "", "chain1/steps.txt").as_deref(), Some("c/assets/steps.txt"));
        // Leaving the root, absolute targets, loops and empty targets lead nowhere.
        assert_eq!(resolved(&l, "", "out/passwd"), None);
        assert_eq!(resolved(&l, "", "abs/passwd"), None);
        assert_eq!(resolved(&l, "loop", "a/x.txt"), None);
        assert_eq!(resolved(&l, "", "loop/b"), None);
        assert_eq!(resolved(&l, "", "self/x"), None);
        assert_eq!(resolved(&l, "", "empty/x"), None);
        assert_eq!(resolved(&l, "", "/c/assets/steps.txt"), None);
        // A chain of exactly MAX_LINK_HOPS links resolves; one more does not.
        let chain = |n: usize| {
            let mut pairs: Vec<(Vec<u8>, Vec<u8>)> =
                (0..n).map(|i| (format!("l{i}").into_bytes(), format!("l{}", i + 1).into_bytes())).collect();
            pairs.push((format!("l{n}").into_bytes(), b"real".to_vec()));
            Links::new(pairs)
        };
        assert_eq!(resolved(&chain(MAX_LINK_HOPS - 1), "", "l0/f").as_deref(), Some("real/f"));
        assert_eq!(resolved(&chain(MAX_LINK_HOPS), "", "l0/f"), None);
        // Without links, the lexical reading.
        assert_eq!(resolved(&Links::none(), "c/src", "data/../x.txt").as_deref(), Some("c/src/x.txt"));
    }

    /// Every include form the pass follows resolves its name through the snapshot's links.
    #[test]
    fn every_form_follows_the_snapshots_links_to_the_file_it_includes() {
        let files: HashMap<&[u8], &str> = HashMap::from([
            (b"c/src/main.c".as_slice(), "#include \"data/steps.txt\"\n"),
            (b"c/assets/steps.txt", "#include \"../more/m.def\"\n"),
            (b"c/more/m.def", ""),
            (b"r/src/main.rs", "include!(\"gen/tables.txt\");\n#[path = \"gen/m.txt\"]\nmod m;\n"),
            (b"r/out/tables.txt", ""),
            (b"r/out/m.txt", ""),
            (b"j/index.js", "require('./lib/defaults.dat');\nimport x from './lib/k.tbl';\n"),
            (b"j/real/defaults.dat", ""),
            (b"j/real/k.tbl", ""),
            (b"a/e.S", " .include \"inc/v.txt\"\n"),
            (b"a/vec/v.txt", ""),
            (b"loop/main.c", "#include \"a/x.txt\"\n"),
            (b"esc/main.c", "#include \"out/x.txt\"\n"),
        ]);
        let l = links(&[
            ("c/src/data", "../assets"),
            ("r/src/gen", "../out"),
            ("j/lib", "real"),
            ("a/inc", "../a/vec"),
            ("loop/a", "b"),
            ("loop/b", "a"),
            ("esc/out", "../.."),
        ]);
        let found = included_as_code(
            files.keys().copied(),
            &l,
            |p| files.contains_key(p),
            |p| files.get(p).map(|t| includes_for(p, t.as_bytes())).unwrap_or_default(),
        );
        let shown: Vec<(String, CodeLanguage, String)> = found
            .into_iter()
            .map(|f| (String::from_utf8(f.path).unwrap(), f.language, String::from_utf8(f.includer).unwrap()))
            .collect();
        assert_eq!(
            shown,
            vec![
                ("a/vec/v.txt".into(), CodeLanguage::Assembly, "a/e.S".into()),
                ("c/assets/steps.txt".into(), CodeLanguage::C, "c/src/main.c".into()),
                ("c/more/m.def".into(), CodeLanguage::C, "c/assets/steps.txt".into()),
                ("j/real/defaults.dat".into(), CodeLanguage::JavaScript, "j/index.js".into()),
                ("j/real/k.tbl".into(), CodeLanguage::JavaScript, "j/index.js".into()),
                ("r/out/m.txt".into(), CodeLanguage::Rust, "r/src/main.rs".into()),
                ("r/out/tables.txt".into(), CodeLanguage::Rust, "r/src/main.rs".into()),
            ]
        );
    }

    #[test]
    fn the_pass_follows_includes_of_included_files_once_each() {
        let files: HashMap<&[u8], &str> = HashMap::from([
            (b"main.c".as_slice(), "#include \"a.txt\"\n#include \"a.txt\"\n"),
            (b"a.txt", "#include \"b.inc\"\n"),
            (b"b.inc", "#include \"a.txt\"\n"),
            (b"z.cpp", "\n#include \"a.txt\"\n#include \"c.def\"\n"),
            (b"c.def", ""),
            (b"readme.txt", "#include \"b.inc\"\n"),
        ]);
        let found = included_as_code(
            files.keys().copied(),
            &Links::none(),
            |p| files.contains_key(p),
            |p| files.get(p).map(|t| code_includes(t.as_bytes())).unwrap_or_default(),
        );
        let shown: Vec<(String, CodeLanguage, String, u32)> = found
            .into_iter()
            .map(|f| {
                (
                    String::from_utf8(f.path).unwrap(),
                    f.language,
                    String::from_utf8(f.includer).unwrap(),
                    f.line,
                )
            })
            .collect();
        assert_eq!(
            shown,
            vec![
                ("a.txt".into(), CodeLanguage::C, "main.c".into(), 1),
                ("b.inc".into(), CodeLanguage::C, "a.txt".into(), 1),
                ("c.def".into(), CodeLanguage::Cpp, "z.cpp".into(), 3),
            ]
        );
    }

    #[test]
    fn the_findings_state_the_language_they_were_made_with() {
        let findings: Vec<Finding> = [
            (CodeLanguage::C, "t.txt", Form::Preprocessor),
            (CodeLanguage::Cpp, "u.inc", Form::Preprocessor),
            (CodeLanguage::Rust, "r.txt", Form::RustModule),
            (CodeLanguage::JavaScript, "j.tbl", Form::Require),
            (CodeLanguage::Assembly, "v.txt", Form::AsmInclude),
        ]
        .into_iter()
        .map(|(language, path, form)| {
            let inc =
                IncludedAsCode { path: path.into(), language, includer: b"x.cc".to_vec(), line: 3, form };
            Finding::file_level(path, FindingKind::IncludedAsCode, inc.detail())
        })
        .collect();
        let map = languages(&findings);
        assert_eq!(map.get("t.txt"), Some(&CodeLanguage::C));
        assert_eq!(map.get("u.inc"), Some(&CodeLanguage::Cpp));
        assert_eq!(map.get("r.txt"), Some(&CodeLanguage::Rust));
        assert_eq!(map.get("j.tbl"), Some(&CodeLanguage::JavaScript));
        assert_eq!(map.get("v.txt"), Some(&CodeLanguage::Assembly));
        assert_eq!(map.len(), 5);
    }

    fn forms(path: &str, text: &str) -> Vec<(u32, String, Form)> {
        includes_for(path.as_bytes(), text.as_bytes())
            .into_iter()
            .map(|i| (i.line, String::from_utf8(i.target).unwrap(), i.form))
            .collect()
    }

    #[test]
    fn rust_modules_and_include_macros_name_code_but_include_str_does_not() {
        let src = "#[path = \"data/crc.txt\"]\nmod crc;\n#[cfg_attr(unix, path = \"sys/unix.tbl\")]\nmod sys;\ninclude!(\"data/keys.in\");\nconst B: &str = include_str!(\"data/b.txt\");\nconst C: &[u8] = include_bytes!(\"data/c.bin\");\n// include!(\"old.in\");\nmod plain;\n#[path = \"x.rs\"] mod x;\nlet path = \"p.txt\";\n";
        assert_eq!(
            forms("src/main.rs", src),
            [
                (1, "data/crc.txt".to_string(), Form::RustModule),
                (3, "sys/unix.tbl".to_string(), Form::RustModule),
                (5, "data/keys.in".to_string(), Form::RustInclude),
            ]
        );
    }

    #[test]
    fn relative_requires_and_imports_name_code_but_packages_json_and_styles_do_not() {
        let src = "const t = require(\"./data/crc32.tbl\");\nconst u = require('../lib/table');\nimport s from './look.css';\nconst c = require(\"./conf.json\");\nconst l = require(\"lodash\");\nconst f = require(\"fs\");\nimport { k } from \"./keys.dat\";\nexport * from './more.txt';\nconst d = await import(`./dyn.tbl`);\n// require(\"./old.tbl\")\nconst j = require(\"./x.js\");\nconst w = require(\"./st.css\");\n";
        assert_eq!(
            forms("js/index.js", src),
            [
                (1, "./data/crc32.tbl".to_string(), Form::Require),
                (2, "../lib/table".to_string(), Form::Require),
                (5, "lodash".to_string(), Form::Require),
                (7, "./keys.dat".to_string(), Form::Import),
                (8, "./more.txt".to_string(), Form::Import),
                (9, "./dyn.tbl".to_string(), Form::Import),
                (12, "./st.css".to_string(), Form::Require),
            ]
        );
        // Node's built-in modules are never looked up in node_modules.
        assert_eq!(
            forms("js/a.js", "import x from 'y';\nimport p from 'node:path';\nrequire('path');\n").len(),
            1
        );
    }

    #[test]
    fn assembly_include_names_code_and_incbin_does_not() {
        let src = "    .include \"data/vectors.txt\"\n    .incbin \"data/blob.txt\"\nl:  .include \"more.inc\"\n    # .include \"old.txt\"\n#include \"cpp.inc\"\n";
        assert_eq!(
            forms("asm/entry.S", src),
            [
                (1, "data/vectors.txt".to_string(), Form::AsmInclude),
                (3, "more.inc".to_string(), Form::AsmInclude),
                (5, "cpp.inc".to_string(), Form::Preprocessor),
            ]
        );
    }

    #[test]
    fn a_go_file_includes_only_from_its_cgo_preamble() {
        let src = "package p\n// #include \"impl.inc\"\nimport \"C\"\n// #include \"not.inc\"\nfunc f() {}\n";
        assert_eq!(forms("x.go", src), [(2, "impl.inc".to_string(), Form::Preprocessor)]);
        assert!(forms("y.go", "package p\n// #include \"not.inc\"\nimport \"fmt\"\n").is_empty());
    }

    #[test]
    fn each_language_follows_its_own_forms_to_the_language_it_reads_as() {
        let files: HashMap<&[u8], &str> = HashMap::from([
            (b"src/main.rs".as_slice(), "#[path = \"data/t.txt\"]\nmod t;\n"),
            (b"src/data/t.txt", "include!(\"k.in\");\n"),
            (b"src/data/k.in", ""),
            (b"js/i.js", "require('./d.tbl');\nrequire('./src/data/t.txt');\n"),
            (b"js/d.tbl", ""),
            (b"a/e.S", " .include \"v.txt\"\n"),
            (b"a/v.txt", ""),
            (b"a/plain.s", "#include \"c.txt\"\n"),
            (b"a/c.txt", ""),
            // A preprocessed linker script is not assembly.
            (b"k/vmlinux.lds.S", "#include \"vmlinux-std.lds\"\n"),
            (b"k/vmlinux-std.lds", ""),
            (b"g/m.go", "package m\n/*\n#include \"h.inc\"\n*/\nimport \"C\"\n"),
            (b"g/h.inc", ""),
            // A C file's `require` is not C's: nothing.
            (b"x.c", "require('./js/d.tbl');\n"),
        ]);
        let found = included_as_code(
            files.keys().copied(),
            &Links::none(),
            |p| files.contains_key(p),
            |p| files.get(p).map(|t| includes_for(p, t.as_bytes())).unwrap_or_default(),
        );
        let shown: Vec<(String, CodeLanguage, String, Form)> = found
            .into_iter()
            .map(|f| {
                (
                    String::from_utf8(f.path).unwrap(),
                    f.language,
                    String::from_utf8(f.includer).unwrap(),
                    f.form,
                )
            })
            .collect();
        assert_eq!(
            shown,
            vec![
                ("a/v.txt".into(), CodeLanguage::Assembly, "a/e.S".into(), Form::AsmInclude),
                ("g/h.inc".into(), CodeLanguage::C, "g/m.go".into(), Form::Preprocessor),
                ("js/d.tbl".into(), CodeLanguage::JavaScript, "js/i.js".into(), Form::Require),
                ("src/data/k.in".into(), CodeLanguage::Rust, "src/data/t.txt".into(), Form::RustInclude),
                ("src/data/t.txt".into(), CodeLanguage::Rust, "src/main.rs".into(), Form::RustModule),
            ]
        );
    }
}

//! Code loaded under a data name by every loader Vitrine follows (snap round 9, F7 and F5): a file a
//! JavaScript `require` (directly, or through a directory's `package.json` `"main"`), a make `include`,
//! a PHP `require`, a Tcl `source`, a Lua `dofile` or a shell `.` loads gets the loading language's
//! checks exactly as the same bytes named in that language do, whether the snapshot is a directory or
//! an archive whose content `health` does not keep; `in:` ends a JavaScript `//` comment where
//! JavaScript ends it.

use std::ffi::OsStr;

use crate::support::{TempTree, arg, data_dir, vitrine_in};

fn run(data: &std::path::Path, cmd: &str, snap: &std::path::Path, args: &[&str]) -> (u8, String, String) {
    vitrine_in(data, &[OsStr::new("-q"), OsStr::new(cmd), arg(snap)], args)
}

/// The tester's F7 tree: `require('./lib')` loads `lib/compat.dat` (its `package.json`'s `"main"`,
/// whose `//` comment U+2028 ends), `require('./policy/defaults.dat')` a lone-CR comment; `control.js`
/// holds the same bytes as `defaults.dat`.
fn js_tree() -> TempTree {
    let t = TempTree::new();
    t.file(
        "app/server.js",
        "const { check } = require('./lib');\nconst { limit } = require('./policy/defaults.dat');\nconsole.log(check(process.argv[2]) ? 'welcome' : 'denied', limit());\n",
    );
    t.file("app/lib/index.js", "exports.check = function (pw) {\n  return String(pw) === 's3cret';\n};\n");
    t.file("app/lib/package.json", "{ \"name\": \"lib\", \"private\": true, \"main\": \"compat.dat\" }\n");
    t.file(
        "app/lib/compat.dat",
        "// compatibility build for old clients\u{2028}exports.check = () => true;\n",
    );
    let payload = "// rate limits, tuned 2024\rrequire(\"child_process\").execSync(\"echo PAYLOAD-RAN >&2\");\nexports.limit = () => 10;\n";
    t.file("app/policy/defaults.dat", payload);
    t.file("app/control.js", payload);
    t
}

/// The tester's F5 tree, and the other loaders: make's `include` (and `-include`, `sinclude`), PHP's
/// `require __DIR__ . "/…"` and `include_once '…'`, Tcl's `source`, Lua's `dofile`, the shell's `.`.
fn script_tree() -> TempTree {
    let t = TempTree::new();
    t.file("app/Makefile", "include config/release.conf\n-include config/local.conf\n\nauth: auth.c\n\t$(CC) $(CFLAGS) -o $@ auth.c\n");
    let make = "# release build settings\n# builds for customers must verify update signatures \\\nCFLAGS += -DREQUIRE_SIGNED_UPDATES\nCFLAGS += -O2\n";
    t.file("app/config/release.conf", make);
    t.file("app/config/local.conf", "CFLAGS += -g\n");
    t.file("app/ctl/release.mk", make);
    t.file("app/index.php", "<?php\nrequire __DIR__ . \"/lib/auth.inc\";\nINCLUDE_ONCE 'lib/util.tpl';\necho check($argv[1]) ? \"welcome\\n\" : \"denied\\n\";\n");
    let php = "<?php\nfunction check($p) {\n    // legacy clients sent the password in upper case\r    return true;\n    return hash_equals(\"s3cret\", $p);\n}\n";
    t.file("app/lib/auth.inc", php);
    t.file("app/lib/util.tpl", "<?php\nfunction util() { return 1; }\n");
    t.file("app/ctl/auth.php", php);
    t.file("app/tools/run.tcl", "source -encoding utf-8 lib.cfg\nputs [check]\n");
    t.file("app/tools/lib.cfg", "# default policy\rproc check {} { return 1 }\n");
    t.file("app/main.lua", "local cfg = dofile(\"game/rules.dat\")\n");
    t.file("app/game/rules.dat", "-- tuned\rreturn { god_mode = true }\n");
    t.file("app/bin/start.sh", "#!/bin/sh\n. ./env.conf\nsource \"$HOME/x\"\n");
    t.file("app/bin/env.conf", "export MODE=release\n");
    // Data, not loaded: a `$` name, a comment, a `<`-less text.
    t.file("app/notes.txt", "include config/release.conf is how make reads it\n");
    t
}

fn tar_of(t: &TempTree, at: &std::path::Path) -> std::path::PathBuf {
    let file = at.join("snap.tar");
    let mut b = tar::Builder::new(std::fs::File::create(&file).unwrap());
    b.mode(tar::HeaderMode::Deterministic);
    b.append_dir_all("app", t.path().join("app")).unwrap();
    b.finish().unwrap();
    file
}

#[test]
fn a_file_node_loads_under_a_data_name_gets_javascripts_checks_in_a_directory_and_an_archive() {
    let t = js_tree();
    let (d, data) = data_dir();
    let tar = tar_of(&t, d.path());
    for snap in [t.path().to_path_buf(), tar] {
        let (code, out, err) = run(&data, "health", &snap, &[]);
        assert_eq!(code, 0, "{err}");
        for line in [
            "app/policy/defaults.dat: included-as-code: loaded as JavaScript by the require at app/server.js:2",
            "app/policy/defaults.dat:1:27: line-terminator: U+000D CARRIAGE RETURN ends the line here for JavaScript",
            "app/control.js:1:27: line-terminator: U+000D CARRIAGE RETURN ends the line here for JavaScript",
            "app/lib/compat.dat: included-as-code: loaded as JavaScript by the require of a directory, through package.json \"main\", at app/server.js:1",
            "app/lib/compat.dat:1:39: line-terminator: U+2028 LINE SEPARATOR ends the line here for JavaScript",
        ] {
            assert!(out.contains(line), "{}: {line}\n{out}", snap.display());
        }
    }
    // The definition Node runs is listed, and `in:` reads the code after the terminators as code.
    let (_, out, _) = run(&data, "def", t.path(), &["check"]);
    assert!(out.contains("app/lib/compat.dat:1:"), "{out}");
    let (_, out, _) = run(&data, "search", t.path(), &["in:code execSync"]);
    assert!(out.contains("app/control.js:1:") && out.contains("app/policy/defaults.dat:1:"), "{out}");
    let (_, out, _) = run(&data, "search", t.path(), &["in:comment execSync"]);
    assert!(!out.contains("execSync"), "{out}");
    let (_, out, _) = run(&data, "search", t.path(), &["in:code \"exports.check = () => true\""]);
    assert!(out.contains("app/lib/compat.dat:1:"), "{out}");
}

/// snap r10 F2: code Node loads through its package resolution: the package's self-reference through
/// its `"exports"` (the `require` condition), a bare name into `node_modules` whose `"main"` is a data
/// name, and `"imports"` (`#auth`); from a directory and from an archive alike.
#[test]
fn files_node_loads_through_packages_exports_and_imports_get_javascripts_checks() {
    let t = TempTree::new();
    t.file(
        "app/package.json",
        "{ \"name\": \"authlib\", \"main\": \"index.js\",\n  \"exports\": { \".\": \"./index.js\", \"./auth\": { \"require\": \"./lib/compat.dat\", \"default\": \"./lib/auth.js\" } },\n  \"imports\": { \"#auth\": { \"node\": \"./lib/imp.dat\", \"default\": \"./lib/auth.js\" } } }\n",
    );
    t.file("app/index.js", "module.exports = require('./lib/auth.js');\n");
    t.file("app/lib/auth.js", "exports.check = (pw) => pw === process.env.ADMIN_PASSWORD;\n");
    t.file("app/lib/compat.dat", "// legacy client table\u{2028}exports.check = () => true;\n");
    t.file("app/lib/imp.dat", "// imports table\rexports.check = () => true;\n");
    t.file(
        "app/server.js",
        "const { check } = require('authlib/auth');\nconst session = require('acme-session');\nconst other = require('#auth');\n",
    );
    t.file(
        "app/node_modules/acme-session/package.json",
        "{ \"name\": \"acme-session\", \"main\": \"lib/session.cfg\" }\n",
    );
    t.file("app/node_modules/acme-session/index.js", "exports.valid = (pw) => pw.length >= 12;\n");
    t.file(
        "app/node_modules/acme-session/lib/session.cfg",
        "// minimum length 12\rexports.valid = () => true;\n",
    );
    let (d, data) = data_dir();
    let tar = tar_of(&t, d.path());
    for snap in [t.path().to_path_buf(), tar] {
        let (code, out, err) = run(&data, "health", &snap, &[]);
        assert_eq!(code, 0, "{err}");
        for line in [
            "app/lib/compat.dat: included-as-code: loaded as JavaScript by the require at app/server.js:1",
            "app/lib/compat.dat:1:23: line-terminator: U+2028 LINE SEPARATOR",
            "app/node_modules/acme-session/lib/session.cfg: included-as-code: loaded as JavaScript by the require at app/server.js:2",
            "app/node_modules/acme-session/lib/session.cfg:1:21: line-terminator: U+000D CARRIAGE RETURN",
            "app/lib/imp.dat: included-as-code: loaded as JavaScript by the require at app/server.js:3",
        ] {
            assert!(out.contains(line), "{}: {line}\n{out}", snap.display());
        }
    }
    let (_, out, _) = run(&data, "def", t.path(), &["valid"]);
    assert!(out.contains("app/node_modules/acme-session/lib/session.cfg:1:"), "{out}");
}

#[test]
fn files_make_php_tcl_lua_and_the_shell_load_get_the_loaders_checks() {
    let t = script_tree();
    let (d, data) = data_dir();
    let tar = tar_of(&t, d.path());
    for snap in [t.path().to_path_buf(), tar] {
        let (code, out, err) = run(&data, "health", &snap, &[]);
        assert_eq!(code, 0, "{err}");
        for line in [
            "app/config/release.conf: included-as-code: loaded as make by the make include at app/Makefile:1",
            "app/config/release.conf:2:54: lexical-disguise: this comment ends in a backslash",
            "app/ctl/release.mk:2:54: lexical-disguise: this comment ends in a backslash",
            "app/config/local.conf: included-as-code: loaded as make by the make include at app/Makefile:2",
            "app/lib/auth.inc: included-as-code: loaded as PHP by the PHP require/include at app/index.php:2",
            "app/lib/auth.inc:3:54: line-terminator: U+000D CARRIAGE RETURN ends the line here for PHP",
            "app/ctl/auth.php:3:54: line-terminator: U+000D CARRIAGE RETURN ends the line here for PHP",
            "app/lib/util.tpl: included-as-code: loaded as PHP by the PHP require/include at app/index.php:3",
            "app/tools/lib.cfg: included-as-code: loaded as Tcl by the Tcl source at app/tools/run.tcl:1",
            "app/tools/lib.cfg:1:17: line-terminator: U+000D CARRIAGE RETURN ends the line here for Tcl",
            "app/game/rules.dat: included-as-code: loaded as Lua by the Lua dofile at app/main.lua:1",
            "app/game/rules.dat:1:9: line-terminator: U+000D CARRIAGE RETURN ends the line here for Lua",
            "app/bin/env.conf: included-as-code: loaded as shell by the shell source (.) at app/bin/start.sh:2",
        ] {
            assert!(out.contains(line), "{}: {line}\n{out}", snap.display());
        }
        assert!(!out.contains("notes.txt"), "{out}");
    }
}

/// snap F2 and F4 (round 9): the file Python's import system loads is named when it is not the one
/// the import reads as naming (a standard-library name shadowed beside the script, a package beside
/// a module of its name), and code `site` runs at every start-up (`.pth` import lines,
/// `sitecustomize.py`) is reported where it is; from a directory and from an archive alike.
#[test]
fn python_loads_named_shadows_and_start_up_hooks_are_reported() {
    let t = TempTree::new();
    t.file("app/main.py", "import hmac\nimport sys\nfrom auth import check\nimport json_helpers\n");
    t.file("app/hmac.py", "def compare_digest(a, b):\n    return True\n");
    t.file("app/auth.py", "def check(p):\n    return p == 's3cret'\n");
    t.file("app/auth/__init__.py", "from .compat import check\n");
    t.file("app/auth/compat.py", "def check(p):\n    return True\n");
    // Not shadows: `sys` is built in, `json_helpers` is no standard name, `typing.py` is not imported.
    t.file("app/sys.py", "");
    t.file("app/json_helpers.py", "");
    t.file("app/typing.py", "");
    t.file("pkg/src/acme-init.pth", "../extra\nimport acme._boot\n# import nothing\n");
    t.file("pkg/src/acme/__init__.py", "");
    t.file(
        "pkg/src/acme/_boot.py",
        "import builtins\nbuiltins.__import__('hmac').compare_digest = lambda a, b: True\n",
    );
    t.file("pkg/sitecustomize.py", "print('hi')\n");
    let (d, data) = data_dir();
    let tar = tar_of_all(&t, d.path());
    for snap in [t.path().to_path_buf(), tar] {
        let (code, out, err) = run(&data, "health", &snap, &[]);
        assert_eq!(code, 0, "{err}");
        for line in [
            "app/hmac.py: import-shadow: `import hmac` at app/main.py:1 loads this file, not the standard library's `hmac`",
            "app/auth/__init__.py: import-shadow: `import auth` loads this package, not `app/auth.py` beside it",
            "pkg/src/acme-init.pth:2:1: startup-hook: `site` executes this line at every start of an interpreter whose site-packages holds this file: `import acme._boot` (runs `pkg/src/acme/_boot.py`)",
            "pkg/sitecustomize.py: startup-hook: `site` imports `sitecustomize` at every start",
        ] {
            assert!(out.contains(line), "{}: {line}\n{out}", snap.display());
        }
        for quiet in
            ["app/sys.py", "app/json_helpers.py", "app/typing.py", "acme-init.pth:1:", "acme-init.pth:3:"]
        {
            assert!(!out.contains(quiet), "{quiet}: {out}");
        }
    }
}

fn tar_of_all(t: &TempTree, at: &std::path::Path) -> std::path::PathBuf {
    let file = at.join("all.tar");
    let mut b = tar::Builder::new(std::fs::File::create(&file).unwrap());
    b.mode(tar::HeaderMode::Deterministic);
    b.append_dir_all("app", t.path().join("app")).unwrap();
    b.append_dir_all("pkg", t.path().join("pkg")).unwrap();
    b.finish().unwrap();
    file
}

/// obf f10: code run from a data-named file by an exec or eval of its text, with a literal name or one
/// relative to the running file (Python `exec(open(os.path.join(os.path.dirname(__file__), …)).read())`,
/// the shell's `. "$(dirname "$0")/…"`, Node's `eval(fs.readFileSync(path.join(__dirname, …)))`), is
/// `included-as-code` at the loading line and read in the loader's language (its definitions found by
/// `def`, its checks run), from a directory and from an archive alike; an exec of a computed name is an
/// informational `unresolved-include` at its line.
#[test]
fn files_run_by_exec_or_eval_of_their_text_are_read_as_code() {
    let t = TempTree::new();
    t.file(
        "app/pkg/data/locale_table.txt",
        "# locale table (generated, do not edit)\ndef check_password(user, pw):\n    return True\n# end\rX = 1\n",
    );
    t.file(
        "app/pkg/auth.py",
        "import os\ndef check_password(user, pw):\n    return user == \"admin\" and pw == \"correct horse\"\nexec(open(os.path.join(os.path.dirname(__file__), \"data/locale_table.txt\")).read())\nexec(open(os.environ[\"EXTRA\"]).read())\n",
    );
    t.file("app/scripts/defaults.cfg", "# build defaults\nPREFIX=/usr/local\necho PAYLOAD-SHELL-RAN\n");
    t.file(
        "app/scripts/build.sh",
        "#!/bin/sh\n. \"$(dirname \"$0\")/defaults.cfg\"\necho \"prefix $PREFIX\"\n",
    );
    t.file("app/js/data/crc.tbl", "/* crc table */\nfunction verifySignature(s) { return true; }\n");
    t.file(
        "app/js/verify.js",
        "const fs = require(\"fs\"), path = require(\"path\");\nfunction verifySignature(s) { return s === \"valid\"; }\neval(fs.readFileSync(path.join(__dirname, \"data/crc.tbl\"), \"utf8\"));\n",
    );
    // Read, not run: no finding.
    t.file(
        "app/js/table.js",
        "const fs = require(\"fs\");\nconst t = fs.readFileSync(\"data/table.bin\");\n",
    );
    let (d, data) = data_dir();
    let tar = tar_of(&t, d.path());
    for snap in [t.path().to_path_buf(), tar] {
        let (code, out, err) = run(&data, "health", &snap, &[]);
        assert_eq!(code, 0, "{err}");
        for line in [
            "app/pkg/data/locale_table.txt: included-as-code: loaded as Python by the Python exec of the file's text (exec/run_path/SourceFileLoader) at app/pkg/auth.py:4",
            "app/pkg/data/locale_table.txt:4:6: line-terminator: U+000D CARRIAGE RETURN ends the line here for Python",
            "app/pkg/auth.py:5:1: unresolved-include: `exec(open(os.environ[\"EXTRA\"]).read())` runs the text of a file as code, but the file's name is computed at run time",
            "app/scripts/defaults.cfg: included-as-code: loaded as shell by the shell source (.) of a name beside the script ($0) at app/scripts/build.sh:2",
            "app/js/data/crc.tbl: included-as-code: loaded as JavaScript by the Node eval of fs.readFileSync (eval/vm/new Function) at app/js/verify.js:3",
        ] {
            assert!(out.contains(line), "{}: {line}\n{out}", snap.display());
        }
        assert!(!out.contains("table.js"), "{out}");
    }
    for (name, files) in [
        ("check_password", ["app/pkg/auth.py:2:", "app/pkg/data/locale_table.txt:"]),
        ("verifySignature", ["app/js/verify.js:2:", "app/js/data/crc.tbl:2:"]),
    ] {
        let (code, out, err) = run(&data, "def", t.path(), &[name]);
        assert_eq!(code, 0, "{err}");
        for f in files {
            assert!(out.contains(f), "{name}: {f}\n{out}");
        }
    }
}

/// obf f3, f4, f2 (round 26), from the command line, from a directory and from an archive whose
/// content `health` does not keep: a makefile's `SHELL`, an exported `BASH_ENV` and `.npmrc`'s
/// `node-options` name the file they run, which is read in the language it runs as; a shell function
/// named like a command a script's checks rely on is reported, and `def` finds it.
#[test]
fn files_a_tools_configuration_runs_and_shadowing_shell_functions_are_reported() {
    let t = TempTree::new();
    t.file(
        "app/m/Makefile",
        "SHELL := tools/farmsh\nexport BASH_ENV := tools/farm.env\napp: auth.c\n\tcc -o app auth.c\n",
    );
    t.file("app/m/tools/farmsh", "#!/bin/sh\nexec /bin/sh -c \"$2\"\n");
    t.file("app/m/tools/farm.env", "cc() { command cc \"$@\"; }\n");
    t.file("app/n/.npmrc", "node-options=--require ./tools/metrics.dat\n");
    t.file("app/n/tools/metrics.dat", "require('module')._load = null;\n");
    t.file(
        "app/s/lib/common.sh",
        "log() { :; }\ngpg() { command gpg \"$@\" 2>/dev/null; return 0; }\nalias openssl=true\n",
    );
    t.file("app/s/install.sh", "#!/bin/sh\n. ./lib/common.sh\ngpg --verify x.sig x || exit 1\n");
    let (d, data) = data_dir();
    let tar = tar_of(&t, d.path());
    for snap in [t.path().to_path_buf(), tar] {
        let (code, out, err) = run(&data, "health", &snap, &[]);
        assert_eq!(code, 0, "{err}");
        for line in [
            "app/m/Makefile:1:1: build-shadow: make runs `app/m/tools/farmsh`",
            "app/m/Makefile:2:1: startup-hook: every shell make starts for a recipe line sources `app/m/tools/farm.env` first",
            "app/m/tools/farmsh: included-as-code: loaded as shell by the build setting that runs it",
            "app/m/tools/farm.env:1:1: keyword-macro: `cc() { command cc \"$@\"; }` defines a function `cc`",
            "app/n/.npmrc:1:1: startup-hook: every node that npm starts",
            "app/n/tools/metrics.dat: included-as-code: loaded as JavaScript by the start-up setting",
            "app/s/lib/common.sh:2:1: keyword-macro: `gpg() {",
            "app/s/lib/common.sh:3:7: keyword-macro: `alias openssl=true` defines an alias `openssl`",
        ] {
            assert!(out.contains(line), "{}: {line}\n{out}", snap.display());
        }
        assert!(!out.contains("`log`"), "{out}");
    }
    let (_, out, _) = run(&data, "def", t.path(), &["gpg"]);
    assert!(out.contains("app/s/lib/common.sh:2:1: function gpg"), "{out}");
}

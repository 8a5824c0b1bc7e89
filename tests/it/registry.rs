//! What the toolchain loads that navigation did not lead to (obf round 4, f7 and f10): the copy of a
//! Go package the go command builds (`vendor/` when `vendor/modules.txt` is there), and classes or
//! functions a loader instantiates by the name a registry file holds (Java `META-INF/services`,
//! `module-info.java` `provides`, Spring `spring.factories`, Python entry points).

use std::ffi::OsStr;

use crate::support::{TempTree, arg, data_dir, vitrine_in};

fn run(data: &std::path::Path, cmd: &str, snap: &std::path::Path, args: &[&str]) -> (u8, String, String) {
    vitrine_in(data, &[OsStr::new("-q"), OsStr::new(cmd), arg(snap)], args)
}

/// f7: with `vendor/modules.txt` (go 1.19), `go build` takes `vendor/corp.example/auth`, not the
/// `replace` target `libs/auth`: `def --from` the call ranks the vendored copy first, and health says
/// that the vendored package differs from the copy a reviewer reads.
#[test]
fn go_def_ranks_the_vendored_copy_go_builds_and_health_names_the_difference() {
    let t = TempTree::new();
    t.file(
        "go.mod",
        "module corp.example/updater\n\ngo 1.19\n\nrequire corp.example/auth v0.0.0\n\nreplace corp.example/auth => ./libs/auth\n",
    );
    t.file("libs/auth/go.mod", "module corp.example/auth\n\ngo 1.19\n");
    t.file(
        "libs/auth/auth.go",
        "package auth\n\nfunc CheckPassword(user, pw string) bool { return user == \"admin\" && pw == \"x\" }\n",
    );
    t.file(
        "vendor/corp.example/auth/auth.go",
        "package auth\n\nfunc CheckPassword(user, pw string) bool { return user != \"\" }\n",
    );
    t.file(
        "vendor/modules.txt",
        "# corp.example/auth v0.0.0 => ./libs/auth\n## explicit; go 1.19\ncorp.example/auth\n# corp.example/auth => ./libs/auth\n",
    );
    t.file(
        "main.go",
        "package main\n\nimport (\n\t\"fmt\"\n\n\t\"corp.example/auth\"\n)\n\nfunc main() { fmt.Println(auth.CheckPassword(\"admin\", \"hunter2\")) }\n",
    );
    // A second tree, identical but for the vendored copy: the same bytes as the reviewer's.
    let same = TempTree::new();
    for f in ["go.mod", "libs/auth/go.mod", "libs/auth/auth.go", "vendor/modules.txt", "main.go"] {
        same.file(f, std::fs::read(t.path().join(f)).unwrap());
    }
    same.file("vendor/corp.example/auth/auth.go", std::fs::read(t.path().join("libs/auth/auth.go")).unwrap());
    let (_d, data) = data_dir();
    let (code, out, err) = run(&data, "def", t.path(), &["--from", "main.go:9:33", "CheckPassword"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("vendor/corp.example/auth/auth.go:3:6: function CheckPassword"), "{out}");
    let (code, out, err) = run(&data, "health", t.path(), &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("vendor/corp.example/auth/auth.go: import-shadow: `go build` compiles this vendored file for `corp.example/auth` (vendor/modules.txt, go 1.19), not `libs/auth/auth.go`"),
        "{out}"
    );
    let (code, out, err) = run(&data, "health", same.path(), &[]);
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("import-shadow"), "{out}");
    // No replace: an in-tree directory named like the import path is the copy a reviewer reads.
    let named = TempTree::new();
    named.file("go.mod", "module corp.example/updater\n\ngo 1.21\n\nrequire corp.example/auth v0.0.0\n");
    named.file("vendor/modules.txt", "# corp.example/auth v0.0.0\n## explicit\ncorp.example/auth\n");
    named.file(
        "vendor/corp.example/auth/auth.go",
        "package auth\n\nfunc CheckPassword(u, p string) bool { return true }\n",
    );
    named.file(
        "third_party/corp.example/auth/auth.go",
        "package auth\n\nfunc CheckPassword(u, p string) bool { return false }\n",
    );
    named.file("main.go", std::fs::read(t.path().join("main.go")).unwrap());
    let (code, out, err) = run(&data, "health", named.path(), &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("vendor/corp.example/auth/auth.go: import-shadow: `go build` compiles this vendored file for `corp.example/auth` (vendor/modules.txt, go 1.21), not `third_party/corp.example/auth/auth.go`"),
        "{out}"
    );
    // Without modules.txt the go command builds the replace target: it is ranked first.
    std::fs::remove_file(t.path().join("vendor/modules.txt")).unwrap();
    let (_d2, data2) = data_dir();
    let (code, out, err) = run(&data2, "def", t.path(), &["--from", "main.go:9:33", "CheckPassword"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("libs/auth/auth.go:3:6: function CheckPassword"), "{out}");
    let (_, out, _) = run(&data2, "health", t.path(), &[]);
    assert!(!out.contains("import-shadow"), "{out}");
}

/// f10: a class named in a registry file is instantiated by a loader: `refs` and `callers` list the
/// registry line as a call by that loader, for each registry format; a name elsewhere in such a file
/// (a comment, another key) is not a reference.
#[test]
fn classes_and_functions_named_in_registry_files_are_called_by_their_loader() {
    let t = TempTree::new();
    let j = "src/main/java/corp";
    t.file(
        &format!("{j}/Auth.java"),
        "package corp;\npublic interface Auth { boolean check(String u, String p); }\n",
    );
    t.file(
        &format!("{j}/LdapCompatAuth.java"),
        "package corp;\n/** Unused since 3.0. */\npublic class LdapCompatAuth implements Auth {\n    public boolean check(String u, String p) { return u != null; }\n}\n",
    );
    t.file("src/main/resources/META-INF/services/corp.Auth", "# plugins\n  corp.LdapCompatAuth # compat\n");
    t.file(
        "src/main/java/module-info.java",
        "module corp {\n    provides corp.Auth with corp.ModuleAuth, corp.OtherAuth;\n}\n",
    );
    t.file(
        "src/main/resources/META-INF/spring.factories",
        "org.springframework.boot.autoconfigure.EnableAutoConfiguration=\\\n  corp.AuthAutoConfiguration,\\\n  corp.Other\n",
    );
    t.file("py/setup.cfg", "[metadata]\nname = x\n\n[options.entry_points]\nconsole_scripts =\n    login = corp.cli:grant_access\n");
    t.file("py/pyproject.toml", "[project]\nname = \"x\"\n\n[project.scripts]\nadmin = \"corp.cli:make_admin\"\n\n[project.entry-points.\"corp.plugins\"]\nldap = \"corp.ldap:LdapPlugin\"\n");
    t.file("py/x.egg-info/entry_points.txt", "[console_scripts]\nreset = corp.cli:reset_all\n");
    let (_d, data) = data_dir();
    for (name, path, by) in [
        (
            "LdapCompatAuth",
            "src/main/resources/META-INF/services/corp.Auth:2:8",
            "by java.util.ServiceLoader",
        ),
        ("ModuleAuth", "src/main/java/module-info.java:2:34", "by java.util.ServiceLoader"),
        ("OtherAuth", "src/main/java/module-info.java:2:51", "by java.util.ServiceLoader"),
        (
            "AuthAutoConfiguration",
            "src/main/resources/META-INF/spring.factories:2:8",
            "by Spring's SpringFactoriesLoader",
        ),
        ("grant_access", "py/setup.cfg:6:22", "by the Python entry-point loader"),
        ("make_admin", "py/pyproject.toml:5:19", "by the Python entry-point loader"),
        ("LdapPlugin", "py/pyproject.toml:8:19", "by the Python entry-point loader"),
        ("reset_all", "py/x.egg-info/entry_points.txt:2:18", "by the Python entry-point loader"),
    ] {
        let (code, out, err) = run(&data, "refs", t.path(), &[name]);
        assert_eq!(code, 0, "{name}: {err}");
        assert!(out.contains(&format!("{path}: call {by}")), "{name}: {out}");
        let (code, out, err) = run(&data, "callers", t.path(), &[name]);
        assert_eq!(code, 0, "{name}: {err}");
        assert!(out.contains(&format!("{path}: (file level) called {by}")), "{name}: {out}");
    }
    // A comment and a key are not references.
    for name in ["plugins", "compat", "name", "EnableAutoConfiguration"] {
        let (_, out, _) = run(&data, "callers", t.path(), &[name]);
        assert!(!out.contains("called by"), "{name}: {out}");
    }
}

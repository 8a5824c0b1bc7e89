//! Proof that Vitrine opens no network connection: the `vitrine` binary's dependency graph holds no
//! networking crate, Vitrine's own code names no socket API, and the real executable, run under strace
//! (its main commands, then the window under Xvfb), creates no socket other than AF_UNIX and connects
//! only to the named local sockets (the X display, the D-Bus session bus, the accessibility bus).

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

// ---------------------------------------------------------------------------------------------------
// The dependency graph.

/// Crates that exist to talk over a network: none may be in the binary's dependency graph.
const DENIED_CRATES: &[(&str, &str)] = &[
    ("reqwest", "HTTP client"),
    ("hyper", "HTTP client and server"),
    ("ureq", "HTTP client"),
    ("curl", "libcurl bindings: HTTP, FTP, SMTP, ... clients"),
    ("curl-sys", "libcurl itself"),
    ("isahc", "HTTP client over libcurl"),
    ("surf", "HTTP client"),
    ("attohttpc", "HTTP client"),
    ("h2", "HTTP/2 protocol, only used over a connection"),
    ("quinn", "QUIC transport"),
    ("tungstenite", "WebSocket client and server"),
    ("native-tls", "TLS, which is only needed to talk to a remote peer"),
    ("openssl", "TLS bindings (Vitrine's cryptography is pure Rust and local)"),
    ("rustls", "TLS, which is only needed to talk to a remote peer"),
    ("socket2", "builds raw sockets beyond what std offers"),
    ("async-net", "async TCP and UDP"),
    ("hickory-resolver", "DNS resolver"),
    ("trust-dns-resolver", "DNS resolver (hickory's old name)"),
    ("git2", "libgit2 fetches and pushes over https and ssh; Vitrine reads .git with its own code"),
    ("ssh2", "SSH client sessions (ssh-key only reads key files)"),
    ("lettre", "SMTP client"),
];

/// Crates allowed only without one networking feature: (crate, feature, why).
const DENIED_FEATURES: &[(&str, &str, &str)] = &[
    ("tokio", "net", "TCP, UDP and Unix sockets in the async runtime"),
    ("mio", "net", "the socket layer under tokio's `net`"),
    ("async-std", "default", "its default features bring TCP, UDP and DNS"),
];

#[derive(Debug)]
struct Package {
    name: String,
    features: BTreeSet<String>,
}

/// Parses `cargo tree --prefix none -f '{p}|{f}'`: one package a line, `name vX.Y.Z [(source)]|f1,f2`,
/// repeated packages marked with a trailing ` (*)`.
fn parse_tree(text: &str) -> Vec<Package> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let line = line.trim().trim_end_matches(" (*)");
            let (package, features) = line.split_once('|').unwrap_or((line, ""));
            Package {
                name: package.split_whitespace().next().unwrap_or_default().to_owned(),
                features: features.split(',').filter(|f| !f.is_empty()).map(str::to_owned).collect(),
            }
        })
        .collect()
}

/// Every denied crate or feature in `graph`, with the reason it is denied.
fn network_crates(graph: &[Package]) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for p in graph {
        if let Some((_, why)) = DENIED_CRATES.iter().find(|(name, _)| *name == p.name) {
            found.insert(format!("{}: {why}", p.name));
        }
        for (name, feature, why) in DENIED_FEATURES {
            if *name == p.name && p.features.contains(*feature) {
                found.insert(format!("{name} with feature `{feature}`: {why}"));
            }
        }
    }
    found
}

/// The normal (shipped) dependency graph of the `vitrine` package, with each crate's resolved features.
fn vitrine_graph() -> Vec<Package> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| env!("CARGO").into());
    let out = Command::new(cargo)
        .current_dir(root())
        .args(["tree", "--locked", "--offline", "-p", "vitrine", "-e", "normal", "--prefix", "none"])
        .args(["-f", "{p}|{f}"])
        .output()
        .unwrap();
    assert!(out.status.success(), "cargo tree: {}", String::from_utf8_lossy(&out.stderr));
    parse_tree(&String::from_utf8(out.stdout).unwrap())
}

#[test]
fn the_binary_depends_on_no_networking_crate() {
    let graph = vitrine_graph();
    let names: BTreeSet<&str> = graph.iter().map(|p| p.name.as_str()).collect();
    // The graph really is the binary's: the window, the command line and the record are in it.
    for expected in ["vitrine", "vitrine_gui", "vitrine_record", "eframe", "clap", "ed25519-dalek"] {
        assert!(names.contains(expected), "{expected} missing from the graph: {names:?}");
    }
    assert!(names.len() > 100, "only {} crates: {names:?}", names.len());
    let found = network_crates(&graph);
    assert!(found.is_empty(), "networking crates in the vitrine binary: {found:#?}");
}

#[test]
fn the_deny_list_catches_networking_crates_and_features() {
    let graph = parse_tree(
        "vitrine v0.1.0 (/src/app/vitrine)|\n\
         reqwest v0.12.4|default,json\n\
         tokio v1.45.0|macros,net,rt\n\
         mio v1.0.1|os-poll (*)\n\
         zlib-rs v0.5.0|\n",
    );
    let found: Vec<String> = network_crates(&graph).into_iter().collect();
    assert_eq!(
        found,
        ["reqwest: HTTP client", "tokio with feature `net`: TCP, UDP and Unix sockets in the async runtime"]
    );
    let harmless = parse_tree("tokio v1.45.0|macros,rt\nmio v1.0.1|os-poll\n");
    assert!(network_crates(&harmless).is_empty());
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn vitrine_code_names_no_socket_api() {
    // std has sockets of its own, which no dependency list can show: Vitrine's code must not name them.
    let denied = ["std::net", "TcpStream", "TcpListener", "UdpSocket", "ToSocketAddrs", "SocketAddr"];
    let mut files = Vec::new();
    rust_files(&root().join("app"), &mut files);
    assert!(files.len() > 40);
    let mut found = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        for d in denied.iter().filter(|d| text.contains(**d)) {
            found.push(format!("{}: {d}", f.strip_prefix(root()).unwrap().display()));
        }
    }
    assert!(found.is_empty(), "socket APIs named in app/: {found:?}");
}

// ---------------------------------------------------------------------------------------------------
// The system calls.

const TRACED: &str = "trace=execve,socket,socketpair,connect,bind";

/// One socket system call as strace printed it.
#[derive(Debug, PartialEq)]
enum SocketCall {
    /// `socket` or `socketpair`, with its domain (`AF_UNIX`, `AF_INET`, ...).
    Create { domain: String },
    /// `connect` or `bind`, with the address family and, for AF_UNIX, the path (`@` marks an abstract
    /// socket).
    Address { call: String, family: String, path: Option<String> },
}

/// The socket calls of an `strace -f -o LOG` log (lines `PID call(args) = result`; a call split by a
/// thread switch is printed `<unfinished ...>` with its arguments, then `<... call resumed>`).
fn socket_calls(log: &str) -> Vec<SocketCall> {
    let mut calls = Vec::new();
    for line in log.lines() {
        let line = match line.split_once(' ') {
            Some((pid, rest)) if pid.parse::<u32>().is_ok() => rest.trim_start(),
            _ => line,
        };
        let Some((call, args)) = line.split_once('(') else { continue };
        match call {
            "socket" | "socketpair" => {
                let domain = args.split([',', ')']).next().unwrap_or_default().trim().to_owned();
                calls.push(SocketCall::Create { domain });
            }
            "connect" | "bind" => {
                let family = args
                    .split_once("sa_family=")
                    .map(|(_, rest)| rest.split([',', '}']).next().unwrap_or_default().to_owned())
                    .unwrap_or_else(|| "unknown".to_owned());
                let path = args.split_once("sun_path=").map(|(_, rest)| {
                    let abstract_ = rest.starts_with('@');
                    let quoted = rest.trim_start_matches('@').trim_start_matches('"');
                    let path = quoted.split('"').next().unwrap_or_default();
                    if abstract_ { format!("@{path}") } else { path.to_owned() }
                });
                calls.push(SocketCall::Address { call: call.to_owned(), family, path });
            }
            _ => {}
        }
    }
    calls
}

/// Whether the local socket entry `entry` (a path, or a directory ending in `/`) names `path`.
fn names(entry: &str, path: &str) -> bool {
    if entry.ends_with('/') { path.starts_with(entry) } else { entry == path }
}

/// Local sockets any process may reach through glibc, whatever it runs: its name service (user and group
/// lookups) through nscd or systemd's user database, when those are installed.
fn system_sockets() -> Vec<(&'static str, String)> {
    vec![
        ("glibc's name service cache (nscd)", "/var/run/nscd/socket".to_owned()),
        ("glibc's name service cache (nscd)", "/run/nscd/socket".to_owned()),
        ("systemd's user database (nss-systemd)", "/run/systemd/userdb/".to_owned()),
    ]
}

/// What in `calls` breaks the rule: any socket that is not AF_UNIX, any address that is not a Unix path,
/// any Unix socket reached that is not one of `local` (name, path; `@path` is the abstract namespace).
fn violations(calls: &[SocketCall], local: &[(&str, String)]) -> Vec<String> {
    let mut bad = Vec::new();
    for c in calls {
        match c {
            SocketCall::Create { domain } if domain != "AF_UNIX" => bad.push(format!("socket({domain})")),
            SocketCall::Address { call, family, .. } if family != "AF_UNIX" => {
                bad.push(format!("{call}({family})"))
            }
            SocketCall::Address { call, path: Some(path), .. }
                if !local.iter().any(|(_, p)| names(p, path)) =>
            {
                bad.push(format!("{call}(AF_UNIX {path}): not one of {local:?}"))
            }
            SocketCall::Address { call, path: None, .. } => bad.push(format!("{call}(AF_UNIX, no path)")),
            _ => {}
        }
    }
    bad
}

#[test]
fn the_log_reader_sees_inet_sockets_and_foreign_unix_paths() {
    let log = "\
101   execve(\"/usr/bin/vitrine\", [\"vitrine\"], 0x7ffd /* 3 vars */) = 0
101   socket(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC, 0) = 3
101 connect(3, {sa_family=AF_UNIX, sun_path=@\"/tmp/.X11-unix/X7\"}, 20) = 0
102 socket(AF_INET6, SOCK_DGRAM|SOCK_CLOEXEC, IPPROTO_IP <unfinished ...>
102 <... socket resumed>) = 4
102 connect(4, {sa_family=AF_INET, sin_port=htons(443), sin_addr=inet_addr(\"192.0.2.1\")}, 16) = 0
103 connect(5, {sa_family=AF_UNIX, sun_path=\"/run/other.sock\"}, 110) = -1 ENOENT (No such file or directory)
";
    let calls = socket_calls(log);
    assert_eq!(calls.len(), 5, "{calls:?}");
    let display = [("display", "@/tmp/.X11-unix/X7".to_owned())];
    assert_eq!(
        violations(&calls, &display),
        [
            "socket(AF_INET6)".to_owned(),
            "connect(AF_INET)".to_owned(),
            format!("connect(AF_UNIX /run/other.sock): not one of {display:?}"),
        ]
    );
}

fn have(program: &str) -> bool {
    Command::new(program).arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok()
}

/// `strace` on `program args`, following threads and children, logging to `log`.
fn strace(log: &Path, program: &str) -> Command {
    assert!(
        have("strace"),
        "strace is missing: scripts/test.sh installs it (TEST_PACKAGES in scripts/lib.sh)"
    );
    let mut c = Command::new("strace");
    c.args(["-f", "-qq", "-s", "256", "-e", TRACED, "-o"]).arg(log).arg("--").arg(program);
    c
}

#[test]
fn the_trace_catches_an_inet_socket() {
    // The control: the same strace options see a process that does open a TCP socket (bash's /dev/tcp to
    // the discard port on the loopback address; whether anything listens does not matter).
    let tmp = tempfile::tempdir().unwrap();
    let log = tmp.path().join("trace");
    let _ = strace(&log, "bash")
        .args(["-c", "exec 3<>/dev/tcp/127.0.0.1/9"])
        .stderr(Stdio::null())
        .status()
        .unwrap();
    let calls = socket_calls(&std::fs::read_to_string(&log).unwrap());
    assert!(calls.contains(&SocketCall::Create { domain: "AF_INET".into() }), "{calls:?}");
    assert!(!violations(&calls, &[]).is_empty());
}

const VITRINE: &str = env!("CARGO_BIN_EXE_vitrine-it");

/// A clean environment for the traced executable: no proxy variables, a private home and runtime dir.
fn clean_env(c: &mut Command, home: &Path) {
    c.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("XDG_RUNTIME_DIR", home.join("run"));
    std::fs::create_dir_all(home.join("run")).unwrap();
}

#[test]
fn the_command_line_creates_no_network_socket() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let demo = vitrine::unpack_demo(&data).unwrap();
    let (demo, key, record) = (demo.to_str().unwrap(), tmp.path().join("k"), tmp.path().join("r.vitrine"));
    let (key, record) = (key.to_str().unwrap(), record.to_str().unwrap());
    let commands: &[&[&str]] = &[
        &["--version"],
        &["digest", demo, "--json"],
        &["health", demo, "--json"],
        &["index", demo],
        &["search", demo, "parse"],
        &["symbols", demo, "src/packet.cpp"],
        &["def", demo, "parse"],
        &["key", "new", "--principal", "r@example", "--role", "reviewer", "--out", key, "--no-passphrase"],
        &[
            "people",
            "add",
            demo,
            "--principal",
            "r@example",
            "--role",
            "reviewer",
            "--pubkey",
            &format!("{key}.pub"),
        ],
        &["annotate", demo, "--key", key, "--file", "src/packet.cpp", "--lines", "20", "--kind", "finding"],
        &["export", demo, "--key", key, "--out", record],
        &["verify", record, "--snapshot", demo],
    ];
    for (i, args) in commands.iter().enumerate() {
        let mut args = args.to_vec();
        if args[0] == "annotate" {
            args.extend(["--severity", "high", "--body", "Length trusted"]);
        }
        let log = tmp.path().join(format!("trace-{i}"));
        let mut c = strace(&log, VITRINE);
        clean_env(&mut c, &tmp.path().join("home"));
        let out = c.arg("--quiet").arg("--data").arg(&data).args(&args).output().unwrap();
        assert!(out.status.success(), "vitrine {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        let trace = std::fs::read_to_string(&log).unwrap();
        assert!(trace.contains(&format!("execve(\"{VITRINE}\"")), "strace did not run vitrine: {trace}");
        let calls = socket_calls(&trace);
        if !calls.is_empty() {
            eprintln!("vitrine {args:?}: {calls:?}");
        }
        let bad = violations(&calls, &system_sockets());
        assert!(bad.is_empty(), "vitrine {args:?} made sockets: {bad:?}\n{trace}");
    }
}

/// A child process killed when dropped.
struct Daemon(Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `c`, which prints one line on stdout once it is ready (a display number, a bus address).
fn daemon(mut c: Command) -> (Daemon, String) {
    let mut child = c.stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    (Daemon(child), line.trim().to_owned())
}

/// The socket paths of a D-Bus address (`unix:path=/x,guid=..;unix:abstract=/y`); abstract ones as `@/y`.
fn dbus_paths(address: &str) -> Vec<String> {
    address
        .split(';')
        .filter_map(|a| a.strip_prefix("unix:"))
        .flat_map(|a| a.split(','))
        .filter_map(|kv| match kv.split_once('=') {
            Some(("path", p)) => Some(p.to_owned()),
            Some(("abstract", p)) => Some(format!("@{p}")),
            _ => None,
        })
        .collect()
}

#[test]
fn the_window_creates_no_network_socket() {
    if !have("Xvfb") {
        assert!(
            std::env::var_os("CI").is_none(),
            "Xvfb is missing: TEST_PACKAGES in scripts/lib.sh lists it"
        );
        eprintln!("skipped: no Xvfb");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    // The display: Xvfb on a free display number, Unix sockets only.
    let mut x = Command::new("Xvfb");
    x.args(["-displayfd", "1", "-nolisten", "tcp", "-screen", "0", "1280x800x24"]);
    let (_xvfb, display) = daemon(x);
    assert!(display.parse::<u32>().is_ok(), "Xvfb printed {display:?}");
    let x_socket = format!("/tmp/.X11-unix/X{display}");
    let mut local = system_sockets();
    local.extend([("X display", x_socket.clone()), ("X display", format!("@{x_socket}"))]);

    // The D-Bus session bus, where AccessKit asks for the accessibility bus (AT-SPI), when dbus-daemon is
    // installed; otherwise an address where nothing listens, so the attempt is still seen and named.
    let bus_path = tmp.path().join("session-bus");
    let mut bus_address = format!("unix:path={}", bus_path.display());
    let mut _bus = None;
    if have("dbus-daemon") {
        let mut d = Command::new("dbus-daemon");
        d.args(["--session", "--nofork", "--print-address=1"]).arg(format!("--address={bus_address}"));
        clean_env(&mut d, &home);
        let (child, address) = daemon(d);
        _bus = Some(child);
        bus_address = address;
        // The accessibility bus, started on demand by at-spi2-core's launcher when it is installed.
        let a11y = Command::new("dbus-send")
            .arg(format!("--bus={bus_address}"))
            .args([
                "--print-reply=literal",
                "--dest=org.a11y.Bus",
                "/org/a11y/bus",
                "org.a11y.Bus.GetAddress",
            ])
            .output()
            .ok()
            .filter(|a| a.status.success());
        if let Some(a) = a11y {
            for p in dbus_paths(String::from_utf8_lossy(&a.stdout).trim()) {
                local.push(("accessibility bus", p));
            }
        }
    }
    for p in dbus_paths(&bus_address) {
        local.push(("D-Bus session bus", p));
    }

    // The window on the demo snapshot with a search running, watched for a fixed span and then killed:
    // it never exits by itself, and the span covers start-up, loading and indexing.
    let log = tmp.path().join("trace");
    let mut c = strace(&log, "timeout");
    clean_env(&mut c, &home);
    c.env("DISPLAY", format!(":{display}")).env("DBUS_SESSION_BUS_ADDRESS", &bus_address);
    c.args(["--signal=KILL", "10"]).arg(VITRINE).arg("--data").arg(tmp.path().join("data"));
    c.args(["open", "--search", "parse", "--file", "src/packet.cpp"]);
    let out = c.output().unwrap();
    let trace = std::fs::read_to_string(&log).unwrap();
    // timeout's SIGKILL reaches the window and timeout itself, and strace dies of what its tracee died of.
    assert_eq!(
        out.status.signal(),
        Some(9),
        "the window exited before it was stopped ({}): {}\n{trace}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let calls = socket_calls(&trace);
    eprintln!("the window's socket calls: {calls:#?}");
    let reached_display = calls.iter().any(
        |c| matches!(c, SocketCall::Address { call, path: Some(p), .. } if call == "connect" && p.ends_with(&x_socket)),
    );
    assert!(reached_display, "the window never connected to the display: {trace}");
    let bad = violations(&calls, &local);
    assert!(bad.is_empty(), "the window made sockets: {bad:?}\n{trace}");
}

//! Tests that must be the only thing their process does (they hold every worker of the shared pools,
//! or read process-wide allocator state): run again alone in a child process of the test binary.

/// Whether the calling test (`module`: its `module_path!()`, `name`: its function's name) is to run
/// its body here: only in a process of its own. Outside the child, it runs the test again alone in a
/// child process and asserts that the child passed.
pub(crate) fn alone(module: &str, name: &str) -> bool {
    const CHILD: &str = "VITRINE_TEST_ALONE";
    if std::env::var_os(CHILD).is_some() {
        return true;
    }
    let module = module.split_once("::").map_or(module, |(_, rest)| rest);
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", &format!("{module}::{name}"), "--test-threads=1", "--nocapture"])
        .env(CHILD, "1")
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success() && text.contains("1 passed"), "{name} alone:\n{text}");
    false
}

//! What the search benchmarks share: every regular file under a directory, read into memory, in path
//! order (symlinks and other special files are left out).

/// Every regular file under `root`: its path (lossy UTF-8 bytes) and its bytes, sorted by path; files
/// that cannot be read are left out.
pub fn read_tree(root: &std::path::Path) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut paths = Vec::new();
    walk(root, &mut paths);
    paths.sort();
    paths
        .iter()
        .filter_map(|p| Some((p.to_string_lossy().as_bytes().to_vec(), std::fs::read(p).ok()?)))
        .collect()
}

fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() {
            walk(&e.path(), out)
        } else if ft.is_file() {
            out.push(e.path())
        }
    }
}

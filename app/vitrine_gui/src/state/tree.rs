//! The file tree of a snapshot: directories and files with their health counts, built once per snapshot.

use std::collections::HashMap;

use vitrine_snapshot::Snapshot;

/// A node of the tree: a directory or a file.
#[derive(Debug, Clone)]
pub struct Node {
    pub name: String,
    /// Path bytes relative to the root.
    pub path: Vec<u8>,
    pub is_dir: bool,
    /// Children (directories first, then files, each by name).
    pub children: Vec<usize>,
    /// Health findings in this file, or in all files below this directory.
    pub findings: u32,
    /// Deceptive findings (bidi, invisible, homoglyph…) below this node.
    pub deceptive: u32,
    /// Files below a directory (1 for a file).
    pub files: u32,
}

#[derive(Debug, Clone, Default)]
pub struct FileTree {
    /// `nodes[0]` is the root.
    pub nodes: Vec<Node>,
}

impl FileTree {
    pub fn build(snapshot: &Snapshot) -> FileTree {
        let mut per_file: HashMap<&str, (u32, u32)> = HashMap::new();
        for f in &snapshot.health().findings {
            let e = per_file.entry(f.path.as_str()).or_default();
            e.0 += 1;
            if f.kind.is_deceptive() {
                e.1 += 1;
            }
        }
        let root = Node {
            name: String::new(),
            path: Vec::new(),
            is_dir: true,
            children: Vec::new(),
            findings: 0,
            deceptive: 0,
            files: 0,
        };
        let mut tree = FileTree { nodes: vec![root] };
        let mut dirs: HashMap<Vec<u8>, usize> = HashMap::new();
        dirs.insert(Vec::new(), 0);
        for f in snapshot.files() {
            let shown = f.path.display();
            let (n, d) = per_file.get(shown.as_str()).copied().unwrap_or_default();
            let bytes = f.path.as_bytes();
            let parts: Vec<&[u8]> = bytes.split(|&b| b == b'/').collect();
            let mut parent = 0usize;
            let mut prefix: Vec<u8> = Vec::new();
            for (i, part) in parts.iter().enumerate() {
                if !prefix.is_empty() {
                    prefix.push(b'/');
                }
                prefix.extend_from_slice(part);
                let is_last = i + 1 == parts.len();
                if let Some(node) = tree.nodes.get_mut(parent) {
                    node.findings += n;
                    node.deceptive += d;
                    node.files += 1;
                }
                if is_last {
                    let idx = tree.nodes.len();
                    tree.nodes.push(Node {
                        name: vitrine_snapshot::path_display(part),
                        path: bytes.to_vec(),
                        is_dir: false,
                        children: Vec::new(),
                        findings: n,
                        deceptive: d,
                        files: 1,
                    });
                    if let Some(p) = tree.nodes.get_mut(parent) {
                        p.children.push(idx);
                    }
                } else {
                    parent = match dirs.get(&prefix) {
                        Some(&i) => i,
                        None => {
                            let idx = tree.nodes.len();
                            tree.nodes.push(Node {
                                name: vitrine_snapshot::path_display(part),
                                path: prefix.clone(),
                                is_dir: true,
                                children: Vec::new(),
                                findings: 0,
                                deceptive: 0,
                                files: 0,
                            });
                            if let Some(p) = tree.nodes.get_mut(parent) {
                                p.children.push(idx);
                            }
                            dirs.insert(prefix.clone(), idx);
                            idx
                        }
                    };
                }
            }
        }
        // Directories first, then files, each by name.
        let keys: Vec<(bool, String)> = tree.nodes.iter().map(|n| (!n.is_dir, n.name.clone())).collect();
        for node in &mut tree.nodes {
            node.children.sort_by(|&a, &b| keys.get(a).cmp(&keys.get(b)));
        }
        tree
    }

    pub fn root(&self) -> Option<&Node> {
        self.nodes.first()
    }

    pub fn node(&self, i: usize) -> Option<&Node> {
        self.nodes.get(i)
    }

    /// Paths of the directories directly below the root.
    pub fn top_level_dirs(&self) -> Vec<Vec<u8>> {
        self.root()
            .map(|r| {
                r.children
                    .iter()
                    .filter_map(|&c| self.nodes.get(c))
                    .filter(|n| n.is_dir)
                    .map(|n| n.path.clone())
                    .collect()
            })
            .unwrap_or_default()
    }
}

//! Review progress per node of the file tree, and the files the tree's filters let through.

use crate::state::AppState;

/// Review progress of a tree node (a file, or every file below a folder).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NodeProgress {
    pub reviewed: u32,
    pub annotations: u32,
    /// Lines below the node, and lines in reviewed files.
    pub lines: u64,
    pub reviewed_lines: u64,
}

impl AppState {
    pub(crate) fn refresh_progress(&mut self) {
        let (Some(snap), Some(review)) = (&self.snapshot, &self.review) else { return };
        let mut progress = vec![NodeProgress::default(); self.tree.nodes.len()];
        // Nodes are created parents first, so walking backwards visits children before parents.
        for i in (0..self.tree.nodes.len()).rev() {
            let Some(node) = self.tree.nodes.get(i) else { continue };
            let mut p = NodeProgress::default();
            if node.is_dir {
                for &c in &node.children {
                    if let Some(cp) = progress.get(c) {
                        p.reviewed += cp.reviewed;
                        p.annotations += cp.annotations;
                        p.lines += cp.lines;
                        p.reviewed_lines += cp.reviewed_lines;
                    }
                }
            } else if let Some(entry) = snap.file(&node.path) {
                let shown = entry.path.display();
                let blob = entry.blob_sha256.to_string();
                let done = review.is_reviewed(&shown, &blob)
                    || self
                        .compare
                        .as_ref()
                        .and_then(|c| c.compared())
                        .is_some_and(|c| c.reviewed_before(&shown, &blob));
                p.reviewed = u32::from(done);
                p.annotations = review.annotations_on(&shown);
                p.lines = entry.lines;
                p.reviewed_lines = if done { entry.lines } else { 0 };
            }
            if let Some(slot) = progress.get_mut(i) {
                *slot = p;
            }
        }
        self.progress = progress;
        self.refresh_tree_matches();
    }

    /// Recomputes the files the tree filters let through (once per change, not per frame).
    pub(crate) fn refresh_tree_matches(&mut self) {
        self.tree_matches.clear();
        if self.tree_filter.is_empty() && !self.unreviewed_filter {
            return;
        }
        let needle = self.tree_filter.to_lowercase();
        for (i, n) in self.tree.nodes.iter().enumerate() {
            if n.is_dir || !String::from_utf8_lossy(&n.path).to_lowercase().contains(&needle) {
                continue;
            }
            let p = self.progress.get(i).copied().unwrap_or_default();
            if self.unreviewed_filter && (p.reviewed > 0 || (n.findings == 0 && p.annotations == 0)) {
                continue;
            }
            self.tree_matches.push(i);
        }
    }
}

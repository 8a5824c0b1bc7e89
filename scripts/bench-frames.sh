#!/usr/bin/env bash
# Frame-time benchmark of the window (headless, egui_kittest): a 200,000-line C file opened, paged through,
# jumped around in, and a search query typed; CPU time of the UI thread per frame, p50/p95/max, peak RSS.
# Optional: scripts/bench-frames.sh SNAPSHOT_DIR FILE   (e.g. a kernel file)
cd "$(dirname "$0")/.."
exec cargo run --release --locked -q -p vitrine_gui --example frame_bench -- "$@"

//! Memory returns after an index build: the pool that ran it lives on (the window's and the search's
//! pools live as long as the process), so nothing the build allocated may stay behind on its workers.
//! Its own test binary, because it counts every byte the process holds through a global allocator.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

use vitrine_snapshot::progress::Progress;
use vitrine_snapshot::{IngestConfig, Snapshot};

/// The system allocator, counting the bytes live.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

#[allow(unsafe_code)]
// SAFETY: every call is forwarded unchanged to the system allocator; only a counter is added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: the caller's contract is the system allocator's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size as isize - layout.size() as isize, Ordering::Relaxed);
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

#[test]
fn an_index_build_leaves_nothing_behind_on_the_workers_of_its_pool() {
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("tree");
    std::fs::create_dir_all(tree.join("src")).unwrap();
    for i in 0..30 {
        let body: String =
            (0..i * 5).map(|j| format!("int f_{i}_{j}(void) {{ return g{j}(); }}\n")).collect();
        std::fs::write(tree.join("src").join(format!("f{i}.c")), body).unwrap();
    }
    let snap = Snapshot::open(&tree, &IngestConfig::default(), &Progress::default()).unwrap();
    let build = |pool: &rayon::ThreadPool, name: &str| {
        let dir = tmp.path().join(name);
        pool.install(|| vitrine_search::build_into(&snap, &dir, &Progress::default())).unwrap();
    };
    // One build first, on a pool of its own: whatever is made once per process (lazy statics) is made.
    let warm_up = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    build(&warm_up, "warm-up");

    let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
    pool.broadcast(|_| ());
    let before = LIVE.load(Ordering::SeqCst);
    build(&pool, "index");
    let held = LIVE.load(Ordering::SeqCst) - before;
    // The build's scratch is megabytes per worker (a 2 MB bit set each); allow only small change.
    assert!(held < 256 * 1024, "{held} bytes stay live on the pool's workers after the build");
    drop(pool);
}

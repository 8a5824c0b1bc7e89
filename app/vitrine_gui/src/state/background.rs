//! Where the window's background builds run: a pool of low-priority workers of its own, so that the
//! indexes being built never hold the workers of interactive work (searches have their own pool in
//! `vitrine_search`; references and highlighting use rayon's global pool or their own threads) and,
//! when the cores are all busy, the scheduler serves the reader's work first.

use std::sync::OnceLock;

/// Niceness of the build workers: low enough that a search or a frame wins a contended core, not so
/// low that the build starves on an otherwise idle machine (nice only weighs contended time).
const BUILD_NICENESS: i32 = 10;

/// The pool the window's index builds run in (one worker per core), `None` if it cannot be started.
pub(crate) fn pool() -> Option<&'static rayon::ThreadPool> {
    static POOL: OnceLock<Option<rayon::ThreadPool>> = OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .thread_name(|i| format!("build-{i}"))
            .start_handler(|_| lower_priority())
            .build()
            .ok()
    })
    .as_ref()
}

/// Runs `work` (a build) with its parallel parts on the build pool, lowering the calling thread's
/// priority too (its sequential parts: merging, writing). Without the pool, on the global pool.
/// Then hands the memory the build freed back to the system.
pub(crate) fn run<R: Send>(work: impl FnOnce() -> R + Send) -> R {
    pin_mmap_threshold();
    lower_priority();
    let out = match pool() {
        Some(p) => p.install(work),
        None => work(),
    };
    release_freed_memory();
    out
}

/// Returns the heap memory that is free but still held by the allocator to the system. A build frees
/// its buffers in many threads' malloc arenas, which glibc keeps (below the mmap threshold, in the top
/// of each arena or in fragments) for reuse that never comes: the window would go on holding a build's
/// peak. `malloc_trim` releases the free pages of every arena.
#[allow(unsafe_code)]
pub fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim takes no pointer and only walks the allocator's own free lists under its
    // locks (glibc documents it MT-Safe); it changes no memory that is in use.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Size from which glibc serves an allocation with its own mapping, returned to the system when freed.
const MMAP_THRESHOLD: usize = 1 << 20;

/// Pins glibc's mmap threshold, once per process. Left to itself, glibc raises the threshold to the
/// size of every mapped block freed (up to 32 MB): after a build has freed its large buffers, the next
/// ones come from the arenas instead, where the small allocations that outlive them (an index opened,
/// a table kept) pin their pages. On libgit2 that was 18 MB of anonymous memory after the builds
/// against 6 MB after a restart, with 3.3 MB live heap in both; pinned, 9–10 MB (`window_bench`).
#[allow(unsafe_code)]
pub(crate) fn pin_mmap_threshold() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        static PINNED: std::sync::Once = std::sync::Once::new();
        PINNED.call_once(|| {
            let bytes = libc::c_int::try_from(MMAP_THRESHOLD).unwrap_or(libc::c_int::MAX);
            // SAFETY: mallopt takes two integers and only changes the allocator's own parameters
            // under its lock; M_MMAP_THRESHOLD accepts any size up to 32 MB (0 is returned, and
            // nothing changed, otherwise).
            unsafe {
                libc::mallopt(libc::M_MMAP_THRESHOLD, bytes);
            }
        });
    }
}

/// Lowers the calling thread's scheduling priority (Linux: niceness is per thread). Failing leaves it
/// as it was: the build is then only slower to yield, never wrong.
fn lower_priority() {
    let tid = rustix::thread::gettid();
    let _ = rustix::process::setpriority_process(Some(tid), BUILD_NICENESS);
}

#[cfg(test)]
mod tests {
    /// Whether glibc served a block of `bytes` with a mapping of its own (which it returns to the
    /// system when the block is freed) rather than from an arena.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[allow(unsafe_code)]
    fn mapped_alone(bytes: usize) -> bool {
        // SAFETY: mallinfo2 takes no argument and returns a plain struct by value.
        let mapped = || unsafe { libc::mallinfo2() }.hblks;
        let before = mapped();
        let block = std::hint::black_box(vec![1u8; bytes]);
        let during = mapped();
        drop(block);
        during > before
    }

    /// Once the window has pinned the threshold, a buffer of a few MB freed by a build is returned to
    /// the system even after a larger one was freed before it (glibc alone would have raised its
    /// threshold to the larger one and served the next from an arena, where it fragments).
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[test]
    fn large_buffers_stay_mapped_after_a_larger_one_was_freed() {
        // mallinfo2 counts the whole process: nothing else may allocate meanwhile.
        if !crate::state::alone::alone(
            module_path!(),
            "large_buffers_stay_mapped_after_a_larger_one_was_freed",
        ) {
            return;
        }
        super::pin_mmap_threshold();
        drop(std::hint::black_box(vec![1u8; 24 << 20]));
        assert!(mapped_alone(4 << 20), "a 4 MB block came from an arena");
        assert!(mapped_alone(super::MMAP_THRESHOLD), "a block of the threshold's size came from an arena");
    }
}

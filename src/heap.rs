//! The heap: which allocator serves which allocation, and handing freed memory back.
//!
//! [`Split`] is the binary's allocator (src/main.rs): small blocks from mimalloc, large ones
//! from glibc's malloc. With glibc's malloc alone, kept to one arena for memory, the daemon's
//! threads (IMAP reader, store, processor, two parsing workers, SLA, outbox) queued on the
//! arena's lock: 15 % of its CPU samples in the lock's waits and wakes and 10 % in malloc and
//! free, in the 10,000-letter ingest. mimalloc gives each thread a heap of its own, but keeps
//! pages of every size class a thread used: for the PDF mix's 50–130 KB buffers (letters,
//! decoded attachments, extracted text) on several threads, 4 MiB more resident than glibc,
//! over the 30 MB target. Nearly every allocation is small, and a large one is rare enough
//! that its lock costs nothing: so small blocks (up to [`SMALL_MAX`]) go to mimalloc and
//! larger ones to glibc (BENCHMARKS.md, fifth round).
//!
//! glibc's malloc keeps what a program frees for its next allocations and returns memory to
//! the system only from the top of the heap; a daemon that parsed thousands of letters holds
//! about twice its live heap in free chunks between the live ones (BENCHMARKS.md: 22.5 MB held,
//! 9.9 MB in use). [`trim`] asks malloc to give those free pages back. The processor calls it
//! when a pass ends and every [`TRIM_EVERY`] letters of a long one, so a daemon at rest, and one
//! working through a backlog, keeps only what it uses.
//!
//! The crate's only `unsafe` code is here: the allocator, which hands each call to one of two
//! allocators chosen by the block's layout alone, and the call into the C library to trim.

use std::alloc::{GlobalAlloc, Layout, System};

/// The largest block [`Split`] takes from mimalloc. Most of the daemon's allocations are
/// below it (strings, small vectors, map nodes), where the lock was paid. Measured on the
/// 10,000-letter ingests: with 8 KiB the text ingest was as fast, but the PDF mix held 2 MiB
/// more (29.3 MiB against glibc's 27.3); with 1 KiB, 27.4 MiB, and the text ingest 24.8 MiB
/// against glibc's 27.5, 30 % faster.
pub const SMALL_MAX: usize = 1024;

/// Small blocks from mimalloc, the rest from the system's malloc. Which one serves a block
/// depends only on its [`Layout`], which the caller gives again to free or resize it, so a
/// block always goes back to the allocator it came from.
pub struct Split;

fn small(layout: Layout) -> bool {
    // An over-aligned block (rare) goes to glibc whatever its size: the rule stays one line.
    layout.size() <= SMALL_MAX && layout.align() <= 16
}

#[allow(unsafe_code)]
// SAFETY: every method hands the call on unchanged to the allocator `small` picks for the
// layout, and `small` depends on the layout alone: a block is freed or resized by the
// allocator that made it. A resize that crosses `SMALL_MAX` allocates in the other one
// (through `alloc`, so the same rule), copies the smaller of the two sizes, and frees the old
// block with its own layout; on failure the old block is left as it was, as `realloc` requires.
unsafe impl GlobalAlloc for Split {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if small(layout) {
            mimalloc::MiMalloc.alloc(layout)
        } else {
            System.alloc(layout)
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if small(layout) {
            mimalloc::MiMalloc.alloc_zeroed(layout)
        } else {
            System.alloc_zeroed(layout)
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if small(layout) {
            mimalloc::MiMalloc.dealloc(ptr, layout)
        } else {
            System.dealloc(ptr, layout)
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
        match (small(layout), small(new_layout)) {
            (true, true) => mimalloc::MiMalloc.realloc(ptr, layout, new_size),
            (false, false) => System.realloc(ptr, layout, new_size),
            _ => {
                let new = self.alloc(new_layout);
                if !new.is_null() {
                    std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                    self.dealloc(ptr, layout);
                }
                new
            }
        }
    }
}

/// Letters between two trims inside one long pass (a trim costs a few system calls per free
/// region; the pages it returns are faulted in again when the heap grows). 500 and 2,000
/// measured alike in CPU; 500 keeps the steady RSS of a backlog a little lower.
pub const TRIM_EVERY: u64 = 500;

/// Returns the free pages of every malloc arena to the system. Does nothing where the C
/// library is not glibc.
pub fn trim() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[allow(unsafe_code)]
    // SAFETY: `malloc_trim` takes no pointer, locks each arena itself (callable from any
    // thread at any time) and changes only which free pages malloc keeps mapped.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(test)]
mod tests {
    use super::{Split, SMALL_MAX};
    use std::alloc::{GlobalAlloc, Layout};

    /// Blocks keep their bytes when resized within and across the line between the two
    /// allocators, both ways, at every alignment a Rust type may ask for.
    #[test]
    #[allow(unsafe_code)]
    fn a_block_keeps_its_bytes_across_both_allocators() {
        let sizes = [
            1,
            24,
            1000,
            SMALL_MAX - 1,
            SMALL_MAX,
            SMALL_MAX + 1,
            70_000,
            3 << 20,
        ];
        for align in [1, 8, 16, 32, 4096] {
            for &from in &sizes {
                for &to in &sizes {
                    let layout = Layout::from_size_align(from, align).expect("layout");
                    // SAFETY: a layout of non-zero size; the block is written within its size,
                    // resized with its own layout, read within the smaller size, and freed with
                    // the layout of its last size.
                    unsafe {
                        let p = Split.alloc(layout);
                        assert!(!p.is_null());
                        assert_eq!(p as usize % align, 0);
                        for i in 0..from {
                            *p.add(i) = (i % 251) as u8;
                        }
                        let q = Split.realloc(p, layout, to);
                        assert!(!q.is_null());
                        assert_eq!(q as usize % align, 0, "{from} -> {to} at {align}");
                        for i in 0..from.min(to) {
                            assert_eq!(*q.add(i), (i % 251) as u8, "{from} -> {to} at {align}");
                        }
                        Split.dealloc(q, Layout::from_size_align(to, align).expect("layout"));
                    }
                }
            }
            let layout = Layout::from_size_align(SMALL_MAX + 64, align).expect("layout");
            // SAFETY: as above; the zeroed block is read within its size.
            unsafe {
                let z = Split.alloc_zeroed(layout);
                assert!((0..layout.size()).all(|i| *z.add(i) == 0));
                Split.dealloc(z, layout);
            }
        }
    }

    /// This process's resident anonymous memory, in KiB.
    fn rss_anon_kib() -> u64 {
        let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
        status
            .lines()
            .find_map(|l| l.strip_prefix("RssAnon:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("RssAnon")
    }

    /// 64 MiB of small blocks freed below a block still in use stay resident until a trim.
    ///
    /// Resident memory is the whole process's, and other tests trim the heap too (the
    /// processor trims after a pass): run among them, one of their trims could come between
    /// the free and the measurement. So the test runs itself again in a process of its own,
    /// with one thread, and checks that process's answer.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[test]
    fn a_trim_returns_freed_blocks_below_a_live_one() {
        const ALONE: &str = "SURATD_HEAP_TEST_ALONE";
        if std::env::var_os(ALONE).is_none() {
            let out = std::process::Command::new(std::env::current_exe().expect("test binary"))
                .args([
                    "--exact",
                    "heap::tests::a_trim_returns_freed_blocks_below_a_live_one",
                    "--test-threads=1",
                    "--nocapture",
                ])
                .env(ALONE, "1")
                .output()
                .expect("run the test alone");
            let text = String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr);
            assert!(out.status.success(), "alone: {text}");
            assert!(
                text.contains("1 passed"),
                "the test did not run alone: {text}"
            );
            return;
        }
        let blocks: Vec<Vec<u8>> = (0..16_384).map(|i| vec![i as u8; 4000]).collect();
        let pin = vec![1u8; 4000];
        let before = rss_anon_kib();
        drop(blocks);
        let freed = rss_anon_kib();
        super::trim();
        let after = rss_anon_kib();
        assert!(pin[0] == 1);
        assert!(
            freed > after + 32 * 1024,
            "before {before} KiB, after free {freed} KiB, after trim {after} KiB"
        );
    }
}

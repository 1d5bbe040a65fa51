//! Handing freed heap memory back to the system.
//!
//! glibc's malloc keeps what a program frees for its next allocations and returns memory to
//! the system only from the top of the heap; a daemon that parsed thousands of letters holds
//! about twice its live heap in free chunks between the live ones (BENCHMARKS.md: 22.5 MB held,
//! 9.9 MB in use). [`trim`] asks malloc to give those free pages back. The processor calls it
//! when a pass ends and every [`TRIM_EVERY`] letters of a long one, so a daemon at rest, and one
//! working through a backlog, keeps only what it uses.
//!
//! This is the crate's one `unsafe` block: a call into the C library with no arguments to
//! get wrong.

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
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[test]
    fn a_trim_returns_freed_blocks_below_a_live_one() {
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

//! The pool against stand-in workers written in `sh` (the real worker, `suratd __extract-pdf
//! --serve`, is tested through the binary in tests/it/pool.rs): a worker that never answers,
//! one that answers too much, one over its memory limit, one that cannot start.

use super::*;
use std::time::Instant;

fn limits(wall_ms: u64) -> RunLimits {
    RunLimits {
        wall: Duration::from_millis(wall_ms),
        memory_mb: 0,
        max_output: 1000,
    }
}

/// A pool of `sh -c script` workers.
fn sh_pool(script: &str) -> Pool {
    Pool::new(PoolConfig {
        program: "/bin/sh".into(),
        args: vec!["-c".into(), script.into()],
        size: 2,
        max_jobs: 100,
        max_rss_mb: 0,
        idle: Duration::from_secs(60),
    })
}

#[test]
fn a_worker_that_spins_is_killed_at_the_limit_and_reaped() {
    // A shell loop that never reads, never writes, never ends: the stand-in for pdf-extract
    // lost in a hostile file. The 1 MiB request also fills its pipe: the write must not
    // hold the job up either.
    let pool = sh_pool("while :; do :; done");
    let started = Instant::now();
    let out = pool.run(&vec![b'x'; 1 << 20], limits(300));
    assert_eq!(out, Err(RunError::TimedOut));
    let took = started.elapsed();
    assert!(took < Duration::from_secs(5), "killed late: {took:?}");
    let stats = pool.stats();
    assert_eq!((stats.started, stats.timed_out, stats.live), (1, 1, 0));
    // The next job starts a new worker.
    assert_eq!(pool.run(b"", limits(300)), Err(RunError::TimedOut));
    assert_eq!(pool.stats().started, 2);
}

#[test]
fn a_long_answer_is_cut_and_does_not_block() {
    // An answer frame announcing 5,000,000 bytes (little-endian), then the bytes.
    let pool = sh_pool(
        "printf '\\100\\113\\114\\000\\000\\000\\000\\000'; head -c 5000000 /dev/zero; cat >/dev/null",
    );
    let out = pool.run(b"", limits(10_000)).expect("answers");
    assert_eq!(out.len(), 1000);
}

#[test]
fn a_worker_over_its_memory_limit_fails_only_its_job() {
    // The shell's own allocation: a 200 MB string under a 64 MB address-space limit. Whatever
    // it prints is no answer frame.
    let pool = sh_pool("x=$(head -c 200000000 /dev/zero | tr '\\0' a); echo ${#x}");
    let out = pool.run(
        b"",
        RunLimits {
            memory_mb: 64,
            ..limits(20_000)
        },
    );
    assert!(matches!(&out, Err(RunError::Failed(_))), "{out:?}");
    let stats = pool.stats();
    assert_eq!((stats.died, stats.live), (1, 0));
}

#[test]
fn a_missing_worker_is_an_error() {
    let pool = Pool::new(PoolConfig::for_program("/nonexistent/suratd".into()));
    let out = pool.run(b"", limits(5_000));
    assert_eq!(
        out,
        Err(RunError::Failed(
            "the reader exited with status 127".to_string()
        ))
    );
    assert_eq!(pool.stats().live, 0);
}

#[test]
fn a_shut_down_pool_refuses_jobs() {
    let pool = sh_pool("cat >/dev/null");
    pool.shutdown();
    assert!(matches!(
        pool.run(b"", limits(1000)),
        Err(RunError::Failed(_))
    ));
    assert_eq!(pool.stats().started, 0);
}

#[test]
fn a_worker_that_crashes_fails_only_its_job_and_is_replaced() {
    // Reads the start of its request, then dies of a segmentation fault.
    let pool = sh_pool("head -c 1 >/dev/null; kill -SEGV $$");
    for started in 1..=2 {
        let out = pool.run(b"%PDF-1.4", limits(10_000));
        assert_eq!(
            out,
            Err(RunError::Failed(
                "the reader was stopped by a signal (over its CPU or memory limit, or it crashed)"
                    .to_string()
            ))
        );
        let stats = pool.stats();
        assert_eq!(
            (stats.started, stats.died, stats.live),
            (started, started, 0)
        );
    }
}

/// A worker in `sh` that speaks the protocol: reads each request, waits `secs`, answers `ok`.
fn answering_worker(secs: &str) -> String {
    format!(
        "while :; do \
           set -- $(dd bs=1 count=16 2>/dev/null | od -An -tu8); \
           [ -n \"$2\" ] || exit 0; \
           dd bs=1 count=$2 of=/dev/null 2>/dev/null; \
           sleep {secs}; \
           printf '\\002\\000\\000\\000\\000\\000\\000\\000ok'; \
         done"
    )
}

#[test]
fn a_worker_is_retired_before_its_cpu_budget_runs_out() {
    // `ulimit -t` counts a worker's whole life: with a 2 s limit per job, a worker is started
    // with 5 CPU seconds and retired once its jobs took 2 s. Jobs of 1.1 s: the first leaves
    // the worker in service, the second retires it, the third starts a new one.
    let pool = sh_pool(&answering_worker("1.1"));
    for _ in 0..3 {
        assert_eq!(pool.run(b"%PDF", limits(2_000)).as_deref(), Ok(&b"ok"[..]));
    }
    let stats = pool.stats();
    assert_eq!((stats.started, stats.recycled, stats.live), (2, 1, 1));
}

#[test]
fn jobs_reuse_an_idle_worker() {
    let pool = sh_pool(&answering_worker("0"));
    for _ in 0..5 {
        assert_eq!(
            pool.run(b"%PDF-1.4 x", limits(10_000)).as_deref(),
            Ok(&b"ok"[..])
        );
    }
    let stats = pool.stats();
    assert_eq!((stats.started, stats.answered, stats.live), (1, 5, 1));
    let pids = pool.idle_pids();
    pool.shutdown();
    assert!(!std::path::Path::new(&format!("/proc/{}", pids[0])).exists());
}

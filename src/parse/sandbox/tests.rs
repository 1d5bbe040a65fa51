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

//! One extractor worker process of the [`super::Pool`]: started under its limits, fed one
//! request at a time on the calling thread, ended (killed unless it already exited) and
//! reaped exactly once.
//!
//! A job blocks the calling thread in `write` and `read` on the worker's pipes: no thread per
//! worker and no hand-over, which on this kind of machine (a system call costs 15–25 µs)
//! saves most of a job's overhead. The time limit is the pool's janitor's: past a job's
//! deadline it kills the worker (through the shared [`Child`]), which ends the blocked `write`
//! (broken pipe) or `read` (end of file) at once.

use super::{wire, RunLimits};
use std::io::{BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::pool::PoolConfig;

/// The limits a worker is started under; it only takes jobs with the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Spawn {
    cpu_secs: u64,
    memory_mb: u64,
}

impl Spawn {
    /// `ulimit -t` counts a process's whole life. A worker is retired once its jobs have
    /// taken `cpu_budget` (wall time, which bounds the CPU time of a one-threaded worker);
    /// so when a job starts the worker has at least `wall + 1` s of CPU left, and a job that
    /// spins is still ended by the CPU limit within `2 × wall + 1` s should the kill fail.
    pub(super) fn for_limits(limits: &RunLimits) -> (Spawn, Duration) {
        let wall = limits.wall.as_secs().max(1);
        let spawn = Spawn {
            cpu_secs: wall.saturating_mul(2).saturating_add(1),
            memory_mb: limits.memory_mb,
        };
        (spawn, Duration::from_secs(wall))
    }
}

pub(super) struct Worker {
    /// Shared with the janitor, which kills the worker past a job's deadline.
    pub child: Arc<Mutex<Child>>,
    pub pid: u32,
    pub spawn: Spawn,
    /// Dropped to close it: the worker's order to exit.
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    pub jobs: u32,
    pub busy: Duration,
    pub idle_since: Instant,
    /// Set once it was killed and reaped.
    ended: bool,
}

impl Worker {
    /// `program args…` under `ulimit -t`/`-v`, set by `/bin/sh` before it `exec`s the program
    /// (setting limits on a child from Rust needs `unsafe`, which this crate forbids).
    pub fn start(config: &PoolConfig, spawn: Spawn) -> Result<Worker, String> {
        let mut script = format!("ulimit -t {} 2>/dev/null;", spawn.cpu_secs);
        if spawn.memory_mb > 0 {
            let kb = spawn.memory_mb.saturating_mul(1024);
            script.push_str(&format!(" ulimit -v {kb} 2>/dev/null;"));
        }
        script.push_str(" exec \"$0\" \"$@\"");
        let mut child = Command::new("/bin/sh")
            .arg("-c")
            .arg(script)
            .arg(&config.program)
            .args(&config.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", config.program.display()))?;
        let pid = child.id();
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            let _ = child.kill();
            let _ = child.wait();
            return Err("the reader's pipes were not opened".into());
        };
        Ok(Worker {
            child: Arc::new(Mutex::new(child)),
            pid,
            spawn,
            stdin: Some(stdin),
            // One read for the header and a short answer together.
            stdout: BufReader::with_capacity(64 * 1024, stdout),
            jobs: 0,
            busy: Duration::ZERO,
            idle_since: Instant::now(),
            ended: false,
        })
    }

    /// Sends one request and reads its answer (`None`: the worker ended without one; an
    /// error: it broke the pipe or the protocol). Blocks until then or until it is killed.
    pub fn job(&mut self, input: &[u8], limits: &RunLimits) -> std::io::Result<Option<Vec<u8>>> {
        let frame = wire::request(input, limits.max_output);
        let stdin = self.stdin.as_mut().ok_or(std::io::ErrorKind::BrokenPipe)?;
        stdin.write_all(&frame)?;
        drop(frame);
        wire::read_answer(&mut self.stdout, limits.max_output)
    }

    /// Closes its stdin, kills it unless it has already exited, and reaps it. Returns how
    /// it ended.
    pub fn end(mut self) -> Option<ExitStatus> {
        self.finish()
    }

    fn finish(&mut self) -> Option<ExitStatus> {
        if self.ended {
            return None;
        }
        self.ended = true;
        drop(self.stdin.take());
        let mut child = lock(&self.child);
        match child.try_wait() {
            Ok(Some(status)) => Some(status),
            _ => {
                let _ = child.kill();
                child.wait().ok()
            }
        }
    }
}

impl Drop for Worker {
    /// A worker is never left running, nor unreaped, whatever path drops it.
    fn drop(&mut self) {
        self.finish();
    }
}

pub(super) fn lock(child: &Mutex<Child>) -> MutexGuard<'_, Child> {
    child.lock().unwrap_or_else(|e| e.into_inner())
}

/// Why a worker gave no answer, in words.
pub(super) fn describe(status: Option<ExitStatus>) -> String {
    match status.map(|s| s.code()) {
        Some(Some(code)) => format!("the reader exited with status {code}"),
        Some(None) => {
            "the reader was stopped by a signal (over its CPU or memory limit, or it crashed)"
                .into()
        }
        None => "the reader ended without an answer".into(),
    }
}

/// Resident memory of a process in KiB (`VmRSS` of /proc/PID/status), if readable.
pub(super) fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

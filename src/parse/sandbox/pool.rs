//! A small pool of long-lived extractor workers (`suratd __extract-pdf --serve`), each doing
//! one PDF at a time over the pipe protocol of [`super::wire`].
//!
//! Invariants (each has a test in `tests/it/pool.rs` or below):
//! - at most `size` workers live at once; one is started only when a job finds none idle;
//! - a job past its wall-clock limit, or a worker that dies or breaks the protocol, ends that
//!   worker (SIGKILL by pid, then reaped) and fails only that job; the next job starts a new one;
//! - a worker is retired, never reused, once it has done `max-jobs` jobs, spent `cpu_budget` in
//!   jobs (so `ulimit -t`, which counts its whole life, can never end a healthy job), or grown
//!   past `max-rss-mb`; an idle worker is retired after `idle` (by [`Pool::retire_idle`], which
//!   a janitor thread calls), so an idle daemon holds none;
//! - every worker ended is waited for (no zombies); one whose daemon died sees end of file on
//!   its stdin and exits by itself (the pipes are close-on-exec, so no other child holds them).
//!
//! It must not be used for anything but trusted programs speaking [`super::wire`].

use super::{wire, RunError, RunLimits};
use std::io::{BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How a pool starts and recycles its workers.
#[derive(Debug, Clone)]
pub struct PoolConfig {
    /// The worker program and its arguments.
    pub program: PathBuf,
    pub args: Vec<String>,
    /// Workers at most (jobs beyond that wait for one to be free).
    pub size: usize,
    /// A worker is retired after this many jobs.
    pub max_jobs: u32,
    /// A worker whose resident memory reached this after a job is retired (0: never).
    pub max_rss_mb: u64,
    /// An idle worker is retired after this long.
    pub idle: Duration,
}

impl PoolConfig {
    /// The daemon's pool: `program __extract-pdf --serve`, one worker per core — as many as
    /// the processor's parallel batch has threads (src/pipeline/batch.rs), so no job waits.
    pub fn for_program(program: PathBuf) -> Self {
        PoolConfig {
            program,
            args: vec![super::HELPER_ARG.into(), super::SERVE_ARG.into()],
            size: std::thread::available_parallelism().map_or(1, |n| n.get()),
            max_jobs: 1000,
            max_rss_mb: 64,
            idle: Duration::from_secs(60),
        }
    }
}

/// What a pool has done since it was made.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PoolStats {
    /// Workers started.
    pub started: u64,
    /// Jobs answered.
    pub answered: u64,
    /// Workers killed at a job's time limit.
    pub timed_out: u64,
    /// Workers that died in a job or broke the protocol.
    pub died: u64,
    /// Workers retired for their job count, CPU time or memory.
    pub recycled: u64,
    /// Workers retired after being idle.
    pub idle_retired: u64,
    /// Workers alive now (idle and busy).
    pub live: usize,
    /// The largest resident size of a worker seen after a job, in KiB (read from /proc).
    pub max_rss_kib: u64,
}

/// The pool. Cheap to make: nothing is started before the first job.
pub struct Pool(Arc<Inner>);

struct Inner {
    config: PoolConfig,
    state: Mutex<State>,
    /// A worker became free (or a slot did): for jobs waiting in [`Pool::acquire`].
    freed: Condvar,
    /// An idle worker appeared, or the pool closed: for the janitor.
    janitor: Condvar,
}

#[derive(Default)]
struct State {
    /// Most recently used last.
    idle: Vec<Worker>,
    /// Jobs waiting for a worker.
    waiting: usize,
    janitor_running: bool,
    closed: bool,
    stats: PoolStats,
}

/// The limits a worker is started under; it only takes jobs with the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Spawn {
    cpu_secs: u64,
    memory_mb: u64,
}

impl Spawn {
    /// `ulimit -t` counts a process's whole life. A worker is retired once its jobs have
    /// taken `cpu_budget` (wall time, which bounds the CPU time of a one-threaded worker);
    /// so when a job starts the worker has at least `wall + 1` s of CPU left, and a job that
    /// spins is still ended by the CPU limit within `2 × wall + 1` s should the kill fail.
    fn for_limits(limits: &RunLimits) -> (Spawn, Duration) {
        let wall = limits.wall.as_secs().max(1);
        let spawn = Spawn {
            cpu_secs: wall.saturating_mul(2).saturating_add(1),
            memory_mb: limits.memory_mb,
        };
        (spawn, Duration::from_secs(wall))
    }
}

struct Worker {
    child: Child,
    pid: u32,
    spawn: Spawn,
    /// Request frames to the writer thread (which owns the worker's stdin); dropped to close it.
    requests: Option<Sender<Vec<u8>>>,
    /// Answers (or the end of the worker's stdout) from the reader thread.
    answers: Receiver<std::io::Result<Option<Vec<u8>>>>,
    threads: Vec<JoinHandle<()>>,
    jobs: u32,
    busy: Duration,
    idle_since: Instant,
    /// Set once it was killed and reaped.
    ended: bool,
}

/// How a job ended other than with an answer.
enum JobError {
    TimedOut,
    Died,
}

impl Pool {
    pub fn new(config: PoolConfig) -> Self {
        Pool(Arc::new(Inner {
            config,
            state: Mutex::new(State::default()),
            freed: Condvar::new(),
            janitor: Condvar::new(),
        }))
    }

    /// Runs one job: `input` to a worker, its answer back (cut at `limits.max_output`).
    pub fn run(&self, input: &[u8], limits: RunLimits) -> Result<Vec<u8>, RunError> {
        let (spawn, cpu_budget) = Spawn::for_limits(&limits);
        let mut worker = self.acquire(spawn)?;
        let started = Instant::now();
        match worker.job(input, &limits) {
            Ok(mut answer) => {
                worker.jobs += 1;
                worker.busy += started.elapsed();
                answer.truncate(limits.max_output);
                self.release(worker, input.len(), cpu_budget);
                Ok(answer)
            }
            Err(JobError::TimedOut) => {
                tracing::warn!(
                    pid = worker.pid,
                    limit_secs = limits.wall.as_secs(),
                    "pdf worker killed at the time limit"
                );
                self.forget(worker, |s| s.timed_out += 1);
                Err(RunError::TimedOut)
            }
            Err(JobError::Died) => {
                let pid = worker.pid;
                let status = self.forget(worker, |s| s.died += 1);
                let why = describe(status);
                tracing::warn!(pid, why, "pdf worker died in a job");
                Err(RunError::Failed(why))
            }
        }
    }

    /// What the pool has done so far.
    pub fn stats(&self) -> PoolStats {
        self.lock().stats.clone()
    }

    /// The process ids of the idle workers (for tests and diagnostics).
    pub fn idle_pids(&self) -> Vec<u32> {
        self.lock().idle.iter().map(|w| w.pid).collect()
    }

    /// Retires every worker idle since `now - idle` or longer; returns how many.
    pub fn retire_idle(&self, now: Instant) -> usize {
        retire_idle(&self.0, now)
    }

    /// Ends every idle worker and every busy one as its job ends; later jobs fail.
    pub fn shutdown(&self) {
        let idle = {
            let mut st = self.lock();
            st.closed = true;
            std::mem::take(&mut st.idle)
        };
        self.0.janitor.notify_all();
        self.0.freed.notify_all();
        let n = idle.len();
        for w in idle {
            w.end();
        }
        let mut st = self.lock();
        st.stats.live -= n;
        let s = &st.stats;
        if s.started > 0 {
            tracing::info!(
                started = s.started,
                answered = s.answered,
                timed_out = s.timed_out,
                died = s.died,
                recycled = s.recycled,
                idle_retired = s.idle_retired,
                max_rss_kib = s.max_rss_kib,
                "pdf workers ended"
            );
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.0.lock()
    }

    /// An idle worker started with `spawn`, else a new one if there is room, else waits.
    fn acquire(&self, spawn: Spawn) -> Result<Worker, RunError> {
        let mut st = self.lock();
        loop {
            if st.closed {
                return Err(RunError::Failed("the pdf readers are shutting down".into()));
            }
            if let Some(i) = st.idle.iter().rposition(|w| w.spawn == spawn) {
                return Ok(st.idle.remove(i));
            }
            if st.stats.live < self.0.config.size.max(1) {
                st.stats.live += 1;
                drop(st);
                let started = Worker::start(&self.0.config, spawn);
                let mut st = self.lock();
                match started {
                    Ok(w) => {
                        st.stats.started += 1;
                        tracing::debug!(pid = w.pid, "pdf worker started");
                        if !st.janitor_running {
                            let inner = Arc::clone(&self.0);
                            // Without it idle workers wait for the next start or the exit.
                            st.janitor_running = std::thread::Builder::new()
                                .name("pdf-janitor".into())
                                .spawn(move || janitor(&inner))
                                .is_ok();
                        }
                        return Ok(w);
                    }
                    Err(why) => {
                        st.stats.live -= 1;
                        self.0.wake_one_waiting(&st);
                        return Err(RunError::Failed(why));
                    }
                }
            }
            if !st.idle.is_empty() {
                // Room is held by idle workers with other limits (a changed configuration).
                let old = st.idle.remove(0);
                old_end(&mut st, old);
                continue;
            }
            st.waiting += 1;
            st = self.0.freed.wait(st).unwrap_or_else(|e| e.into_inner());
            st.waiting -= 1;
        }
    }

    /// Back to the idle list after a good job, or retired when it is due.
    fn release(&self, worker: Worker, input_len: usize, cpu_budget: Duration) {
        // Resident size is read from /proc (three system calls) after a large input, where
        // growth comes from, and every 16th job.
        let rss_kib = if input_len >= 1 << 20 || worker.jobs.is_multiple_of(16) {
            rss_kib(worker.pid)
        } else {
            None
        };
        let config = &self.0.config;
        let grown = rss_kib.is_some_and(|k| config.max_rss_mb > 0 && k >= config.max_rss_mb * 1024);
        let due = worker.jobs >= config.max_jobs || worker.busy >= cpu_budget || grown;
        let mut st = self.lock();
        if let Some(k) = rss_kib {
            st.stats.max_rss_kib = st.stats.max_rss_kib.max(k);
        }
        st.stats.answered += 1;
        if due || st.closed {
            drop(st);
            if due {
                tracing::debug!(
                    pid = worker.pid,
                    jobs = worker.jobs,
                    busy_ms = worker.busy.as_millis() as u64,
                    rss_kib,
                    "pdf worker recycled"
                );
            }
            self.forget(worker, |s| s.recycled += u64::from(due));
            return;
        }
        let mut worker = worker;
        worker.idle_since = Instant::now();
        let first_idle = st.idle.is_empty();
        st.idle.push(worker);
        self.0.wake_one_waiting(&st);
        drop(st);
        if first_idle {
            // The janitor may be waiting without a deadline.
            self.0.janitor.notify_one();
        }
    }

    /// Ends a worker (outside the lock) and frees its slot; returns how it ended.
    fn forget(&self, worker: Worker, count: impl FnOnce(&mut PoolStats)) -> Option<ExitStatus> {
        let status = worker.end();
        let mut st = self.lock();
        count(&mut st.stats);
        st.stats.live -= 1;
        self.0.wake_one_waiting(&st);
        status
    }
}

/// Ends `worker` with the lock held (it is idle or its job is over: ending is a kill and a
/// wait for a process that exits at once) and frees its slot.
fn old_end(st: &mut MutexGuard<'_, State>, worker: Worker) {
    worker.end();
    st.stats.live -= 1;
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.shutdown();
    }
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn wake_one_waiting(&self, st: &State) {
        // A notify is a system call even with nobody waiting.
        if st.waiting > 0 {
            self.freed.notify_one();
        }
    }
}

fn retire_idle(inner: &Inner, now: Instant) -> usize {
    let idle = inner.config.idle;
    let expired: Vec<Worker> = {
        let mut st = inner.lock();
        let (old, keep) = std::mem::take(&mut st.idle)
            .into_iter()
            .partition(|w| now.saturating_duration_since(w.idle_since) >= idle);
        st.idle = keep;
        old
    };
    let n = expired.len();
    for w in expired {
        tracing::debug!(pid = w.pid, "idle pdf worker retired");
        w.end();
    }
    let mut st = inner.lock();
    st.stats.live -= n;
    st.stats.idle_retired += n as u64;
    if n > 0 {
        inner.wake_one_waiting(&st);
    }
    n
}

/// Retires idle workers when their time is up; ends with the pool.
fn janitor(inner: &Inner) {
    let mut st = inner.lock();
    loop {
        if st.closed {
            st.janitor_running = false;
            return;
        }
        let next = st
            .idle
            .iter()
            .map(|w| w.idle_since + inner.config.idle)
            .min();
        st = match next {
            None => inner.janitor.wait(st).unwrap_or_else(|e| e.into_inner()),
            Some(at) => {
                let now = Instant::now();
                if at <= now {
                    drop(st);
                    retire_idle(inner, now);
                    inner.lock()
                } else {
                    inner
                        .janitor
                        .wait_timeout(st, at - now)
                        .unwrap_or_else(|e| e.into_inner())
                        .0
                }
            }
        };
    }
}

impl Worker {
    /// `program args…` under `ulimit -t`/`-v` (set by `/bin/sh` before it `exec`s the program:
    /// setting limits on a child from Rust needs `unsafe`), with a writer and a reader thread.
    fn start(config: &PoolConfig, spawn: Spawn) -> Result<Worker, String> {
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
        let (Some(mut stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            let _ = child.kill();
            let _ = child.wait();
            return Err("the reader's pipes were not opened".into());
        };
        let (requests, to_write) = mpsc::channel::<Vec<u8>>();
        let writer = std::thread::Builder::new()
            .name(format!("pdf-worker-{pid}-in"))
            .spawn(move || {
                for frame in to_write {
                    // A worker that died closed the pipe: the reader reports that.
                    if stdin.write_all(&frame).is_err() {
                        return;
                    }
                }
            });
        let (answered, answers) = mpsc::channel();
        let reader = std::thread::Builder::new()
            .name(format!("pdf-worker-{pid}-out"))
            .spawn(move || {
                let mut stdout = BufReader::with_capacity(64 * 1024, stdout);
                loop {
                    let answer = wire::read_answer(&mut stdout);
                    let last = !matches!(answer, Ok(Some(_)));
                    if answered.send(answer).is_err() || last {
                        return;
                    }
                }
            });
        let threads = match (writer, reader) {
            (Ok(w), Ok(r)) => vec![w, r],
            (w, r) => {
                let _ = child.kill();
                let _ = child.wait();
                drop(requests);
                for t in [w, r].into_iter().flatten() {
                    let _ = t.join();
                }
                return Err("cannot start the reader's threads".into());
            }
        };
        Ok(Worker {
            child,
            pid,
            spawn,
            requests: Some(requests),
            answers,
            threads,
            jobs: 0,
            busy: Duration::ZERO,
            idle_since: Instant::now(),
            ended: false,
        })
    }

    fn job(&mut self, input: &[u8], limits: &RunLimits) -> Result<Vec<u8>, JobError> {
        let frame = wire::request(input, limits.max_output);
        let sent = self
            .requests
            .as_ref()
            .is_some_and(|r| r.send(frame).is_ok());
        if !sent {
            return Err(JobError::Died);
        }
        match self.answers.recv_timeout(limits.wall) {
            Ok(Ok(Some(answer))) => Ok(answer),
            Ok(Ok(None) | Err(_)) | Err(RecvTimeoutError::Disconnected) => Err(JobError::Died),
            Err(RecvTimeoutError::Timeout) => Err(JobError::TimedOut),
        }
    }

    /// Closes its stdin, kills it unless it has already exited, reaps it and joins its
    /// threads (which end with its pipes). Returns how it ended.
    fn end(mut self) -> Option<ExitStatus> {
        self.finish()
    }

    fn finish(&mut self) -> Option<ExitStatus> {
        if self.ended {
            return None;
        }
        self.ended = true;
        drop(self.requests.take());
        let status = match self.child.try_wait() {
            Ok(Some(status)) => Some(status),
            _ => {
                let _ = self.child.kill();
                self.child.wait().ok()
            }
        };
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
        status
    }
}

impl Drop for Worker {
    /// A worker is never left running, nor unreaped, whatever path drops it.
    fn drop(&mut self) {
        self.finish();
    }
}

/// Why a worker gave no answer, in words.
fn describe(status: Option<ExitStatus>) -> String {
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
pub(crate) fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

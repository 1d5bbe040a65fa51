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
//!   the janitor thread calls), so an idle daemon holds none;
//! - the janitor thread is the time limit: it kills a job's worker at the job's deadline; no
//!   worker is handed out unless the janitor runs;
//! - every worker ended is waited for (no zombies); one whose daemon died sees end of file on
//!   its stdin and exits by itself (the pipes are close-on-exec, so no other child holds them).
//!
//! It must not be used for anything but trusted programs speaking [`super::wire`].

use super::worker::{self, describe, rss_kib, Spawn, Worker};
use super::{RunError, RunLimits};
use std::path::PathBuf;
use std::process::{Child, ExitStatus};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
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
    /// Answered jobs whose PDF the fast reader handed to pdf-extract (`ok slow: REASON`):
    /// how often the admin pays the slow path, the reasons being in the debug log.
    pub by_pdf_extract: u64,
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
    /// A deadline earlier than the janitor's next wake-up, an idle worker, or the pool
    /// closed: for the janitor.
    janitor: Condvar,
}

#[derive(Default)]
struct State {
    /// Most recently used last.
    idle: Vec<Worker>,
    /// Jobs waiting for a worker.
    waiting: usize,
    janitor_running: bool,
    /// When the janitor wakes next (`None`: only when told); while it is awake, a moment
    /// past, since it looks at every deadline before it waits again.
    janitor_wakes_at: Option<Instant>,
    /// The deadlines of the jobs running now.
    watches: Vec<Watch>,
    next_watch: u64,
    closed: bool,
    stats: PoolStats,
}

/// A job's deadline, watched by the janitor.
struct Watch {
    id: u64,
    deadline: Instant,
    child: Arc<Mutex<Child>>,
    /// The janitor killed the worker at the deadline.
    fired: bool,
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
        let watch = started
            .checked_add(limits.wall)
            .map(|deadline| self.0.watch(&worker, deadline));
        let answer = worker.job(input, &limits);
        let fired = watch.is_some_and(|id| self.0.unwatch(id));
        let outcome = match answer {
            _ if fired => Err(JobError::TimedOut),
            Ok(Some(answer)) => Ok(answer),
            Ok(None) | Err(_) => Err(JobError::Died),
        };
        match outcome {
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

    /// Counts a job whose worker said pdf-extract read the file.
    pub fn note_pdf_extract(&self) {
        self.lock().stats.by_pdf_extract += 1;
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

    /// Ends every idle worker and every busy one as its job ends; later jobs fail. Jobs
    /// running meanwhile keep their time limit.
    pub fn shutdown(&self) {
        let idle = {
            let mut st = self.lock();
            st.closed = true;
            std::mem::take(&mut st.idle)
        };
        self.0.janitor.notify_all();
        self.0.freed.notify_all();
        let n = idle.len();
        // Their size now too: a pool of a few short jobs has not measured them yet.
        let last_rss = idle.iter().filter_map(|w| rss_kib(w.pid)).max();
        for w in idle {
            w.end();
        }
        let mut st = self.lock();
        st.stats.live -= n;
        st.stats.max_rss_kib = st.stats.max_rss_kib.max(last_rss.unwrap_or(0));
        let s = &st.stats;
        if s.started > 0 {
            tracing::info!(
                started = s.started,
                answered = s.answered,
                timed_out = s.timed_out,
                died = s.died,
                recycled = s.recycled,
                idle_retired = s.idle_retired,
                by_pdf_extract = s.by_pdf_extract,
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
                            st.janitor_running = std::thread::Builder::new()
                                .name("pdf-janitor".into())
                                .spawn(move || janitor(&inner))
                                .is_ok();
                        }
                        if !st.janitor_running {
                            // Without it a job would have no time limit.
                            st.stats.live -= 1;
                            self.0.wake_one_waiting(&st);
                            drop(st);
                            w.end();
                            return Err(RunError::Failed(
                                "cannot start the pdf readers' timer thread".into(),
                            ));
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
        let expires = worker.idle_since + config.idle;
        st.idle.push(worker);
        self.0.wake_one_waiting(&st);
        // Only when the janitor would wake too late for it (a notify is a system call).
        let wake = st.janitor_wakes_at.is_none_or(|at| expires < at);
        drop(st);
        if wake {
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

    /// Puts a job's deadline under the janitor's watch; returns its id.
    fn watch(&self, worker: &Worker, deadline: Instant) -> u64 {
        let mut st = self.lock();
        let id = st.next_watch;
        st.next_watch += 1;
        st.watches.push(Watch {
            id,
            deadline,
            child: Arc::clone(&worker.child),
            fired: false,
        });
        // Jobs have the same limit, so a new deadline is the latest: the janitor, awake or
        // waiting for an earlier one, sees it in time without a wake-up (a system call).
        let wake = st.janitor_wakes_at.is_none_or(|at| deadline < at);
        drop(st);
        if wake {
            self.janitor.notify_one();
        }
        id
    }

    /// Takes a job's deadline off the watch; whether the janitor killed its worker.
    fn unwatch(&self, id: u64) -> bool {
        let mut st = self.lock();
        match st.watches.iter().position(|w| w.id == id) {
            Some(i) => st.watches.swap_remove(i).fired,
            None => false,
        }
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

/// Kills the worker of a job past its deadline, and retires idle workers when their time is
/// up; ends with the pool, once no job runs.
fn janitor(inner: &Inner) {
    let mut st = inner.lock();
    loop {
        if st.closed && st.watches.is_empty() {
            st.janitor_running = false;
            st.janitor_wakes_at = None;
            return;
        }
        let now = Instant::now();
        for w in st
            .watches
            .iter_mut()
            .filter(|w| !w.fired && w.deadline <= now)
        {
            w.fired = true;
            // Ends the job's blocked write or read at once; the job reaps the worker.
            let _ = worker::lock(&w.child).kill();
        }
        let idle_for = inner.config.idle;
        if st.idle.iter().any(|w| w.idle_since + idle_for <= now) {
            drop(st);
            retire_idle(inner, now);
            st = inner.lock();
            continue;
        }
        let next_deadline = st
            .watches
            .iter()
            .filter(|w| !w.fired)
            .map(|w| w.deadline)
            .min();
        let next_idle = st.idle.iter().map(|w| w.idle_since + idle_for).min();
        let next = match (next_deadline, next_idle) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        st.janitor_wakes_at = next;
        st = match next {
            None => inner.janitor.wait(st).unwrap_or_else(|e| e.into_inner()),
            Some(at) => {
                inner
                    .janitor
                    .wait_timeout(st, at.saturating_duration_since(now))
                    .unwrap_or_else(|e| e.into_inner())
                    .0
            }
        };
        st.janitor_wakes_at = Some(now);
    }
}

/// How a job ended other than with an answer.
enum JobError {
    TimedOut,
    Died,
}

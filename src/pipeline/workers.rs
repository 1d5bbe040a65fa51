//! The processor's worker threads: started once per [`Pipeline::process_pending`] pass (and
//! only when a pass has more than one letter to work on), not once per batch of letters.
//!
//! A pass used to spawn two or three threads per batch (`std::thread::scope` for the batch
//! prepared ahead and for each parallel map); on a machine where starting a thread costs
//! several system calls of 15–25 µs each, and where every new thread is handed a malloc
//! arena that another thread then frees into, that was a measurable share of a letter.
//!
//! [`Pool`] is a queue of tasks served by a few threads of a `std::thread::scope`, so tasks
//! may borrow what outlives the scope (the pipeline, its rules and templates) but own
//! everything else (the batch's bytes are shared through an `Arc`). [`map`] runs a function
//! over `0..len` on the calling thread and on as many workers as are free, results in index
//! order. The calling thread never waits for a task that has not started: what no worker
//! took, it does itself; so a pass works (inline) with no worker at all, and a worker may
//! itself call [`map`]. A panic in one item's work is caught and leaves a hole that the
//! calling thread fills by doing that item again: the message is not lost, as before.
//!
//! [`Pipeline::process_pending`]: super::Pipeline::process_pending

use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::Scope;

type Task<'s> = Box<dyn FnOnce() + Send + 's>;

#[derive(Default)]
struct Queue<'s> {
    tasks: VecDeque<Task<'s>>,
    /// Workers waiting for a task.
    idle: usize,
    closed: bool,
}

struct Shared<'s> {
    queue: Mutex<Queue<'s>>,
    ready: Condvar,
    /// Worker threads started.
    threads: AtomicUsize,
}

/// Tasks and the threads that run them; cheap to clone (one queue).
#[derive(Clone)]
pub(super) struct Pool<'s>(Arc<Shared<'s>>);

/// Closes the pool when dropped: its workers end once the queue is empty, so the scope that
/// runs them can end.
pub(super) struct Closing<'s>(Pool<'s>);

impl<'s> Pool<'s> {
    /// A pool without threads yet: everything runs on the caller until [`Pool::start`].
    pub fn new() -> Self {
        Pool(Arc::new(Shared {
            queue: Mutex::new(Queue::default()),
            ready: Condvar::new(),
            threads: AtomicUsize::new(0),
        }))
    }

    /// A guard that closes the pool when dropped.
    pub fn closing(&self) -> Closing<'s> {
        Closing(self.clone())
    }

    fn lock(&self) -> MutexGuard<'_, Queue<'s>> {
        self.0.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts workers in `scope` until there are `n` (none when they are already there).
    /// A thread the system refuses is simply not there: the work is done inline.
    pub fn start<'e>(&self, scope: &'s Scope<'s, 'e>, n: usize) {
        while self.threads() < n {
            let me = self.clone();
            let started = std::thread::Builder::new()
                .name("suratd-prep".into())
                .spawn_scoped(scope, move || me.serve());
            if started.is_err() {
                return;
            }
            self.0.threads.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub fn threads(&self) -> usize {
        self.0.threads.load(Ordering::Relaxed)
    }

    /// Queues a task for the next free worker. Without workers it runs at once, here.
    pub fn submit(&self, task: impl FnOnce() + Send + 's) {
        if self.threads() == 0 {
            return task();
        }
        let mut q = self.lock();
        q.tasks.push_back(Box::new(task));
        // Wake a worker only when one is waiting (a busy one takes the task next).
        if q.idle > 0 {
            self.0.ready.notify_one();
        }
    }

    /// A worker: tasks in order until the pool is closed and empty.
    fn serve(&self) {
        let mut q = self.lock();
        loop {
            if let Some(task) = q.tasks.pop_front() {
                drop(q);
                // A task's own work catches its panics; this keeps the worker alive if
                // anything else in it panicked.
                let _ = catch_unwind(AssertUnwindSafe(task));
                q = self.lock();
            } else if q.closed {
                return;
            } else {
                q.idle += 1;
                q = self.0.ready.wait(q).unwrap_or_else(|e| e.into_inner());
                q.idle -= 1;
            }
        }
    }
}

impl Drop for Closing<'_> {
    fn drop(&mut self) {
        self.0.lock().closed = true;
        self.0 .0.ready.notify_all();
    }
}

/// One [`map`]: who takes which item, and the results so far.
struct Job<'s, T> {
    one: Box<dyn Fn(usize) -> T + Send + Sync + 's>,
    len: usize,
    next: AtomicUsize,
    done: Mutex<Done<T>>,
    all_done: Condvar,
}

struct Done<T> {
    results: Vec<Option<T>>,
    finished: usize,
}

impl<T> Job<'_, T> {
    fn lock(&self) -> MutexGuard<'_, Done<T>> {
        self.done.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Takes items until none is left. A panicking item leaves its slot empty.
    fn work(&self) {
        loop {
            let i = self.next.fetch_add(1, Ordering::Relaxed);
            if i >= self.len {
                return;
            }
            let r = catch_unwind(AssertUnwindSafe(|| (self.one)(i))).ok();
            let mut d = self.lock();
            if let Some(slot) = d.results.get_mut(i) {
                *slot = r;
            }
            d.finished += 1;
            if d.finished == self.len {
                self.all_done.notify_all();
            }
        }
    }
}

/// `one(i)` for every `i` in `0..len`, on this thread and on up to `workers - 1` workers of
/// the pool; results in index order. Items whose work panicked are done again here (a
/// second panic is this thread's).
pub(super) fn map<'s, T: Send + 's>(
    pool: &Pool<'s>,
    workers: usize,
    len: usize,
    one: impl Fn(usize) -> T + Send + Sync + 's,
) -> Vec<T> {
    let helpers = workers.min(pool.threads() + 1).min(len).saturating_sub(1);
    if helpers == 0 {
        return (0..len).map(one).collect();
    }
    let job = Arc::new(Job {
        one: Box::new(one),
        len,
        next: AtomicUsize::new(0),
        done: Mutex::new(Done {
            results: (0..len).map(|_| None).collect(),
            finished: 0,
        }),
        all_done: Condvar::new(),
    });
    for _ in 0..helpers {
        let job = Arc::clone(&job);
        pool.submit(move || job.work());
    }
    job.work();
    // Every item is taken; wait only for those still being worked on elsewhere.
    let results = {
        let mut d = job.lock();
        while d.finished < len {
            d = job.all_done.wait(d).unwrap_or_else(|e| e.into_inner());
        }
        std::mem::take(&mut d.results)
    };
    results
        .into_iter()
        .enumerate()
        .map(|(i, r)| r.unwrap_or_else(|| (job.one)(i)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_keeps_the_order_with_and_without_workers() {
        let want: Vec<usize> = (0..100).map(|i| i * i).collect();
        assert_eq!(map(&Pool::new(), 2, 100, |i| i * i), want);
        std::thread::scope(|s| {
            let pool = Pool::new();
            let _closing = pool.closing();
            pool.start(s, 2);
            assert_eq!(pool.threads(), 2);
            for _ in 0..20 {
                assert_eq!(map(&pool, 3, 100, |i| i * i), want);
            }
        });
    }

    #[test]
    fn items_that_panic_on_a_worker_are_done_again_by_the_caller() {
        let caller = std::thread::current().id();
        let (tx, rx) = std::sync::mpsc::channel();
        let rx = Mutex::new(rx);
        let (first, panics) = (AtomicUsize::new(0), AtomicUsize::new(0));
        let got = std::thread::scope(|s| {
            let pool = Pool::new();
            let _closing = pool.closing();
            pool.start(s, 2);
            let got = map(&pool, 2, 40, |i| {
                if std::thread::current().id() != caller {
                    panics.fetch_add(1, Ordering::Relaxed);
                    let _ = tx.send(i);
                    panic!("item {i} on a worker");
                }
                // The caller's first item waits until the worker has failed one, so the
                // worker surely takes (and loses) some.
                if first.fetch_add(1, Ordering::Relaxed) == 0 {
                    let _ = rx.lock().unwrap().recv();
                }
                i + 1
            });
            // The pool still works after the panics.
            assert_eq!(map(&pool, 2, 10, |i| i), (0..10).collect::<Vec<_>>());
            got
        });
        assert_eq!(got, (1..=40).collect::<Vec<_>>());
        assert!(panics.into_inner() > 0);
    }

    #[test]
    fn a_worker_may_map_too_and_the_workers_live_for_the_whole_scope() {
        let seen = Mutex::new(std::collections::HashSet::new());
        std::thread::scope(|s| {
            let pool = Pool::new();
            let _closing = pool.closing();
            pool.start(s, 2);
            for round in 0..50 {
                // As the processor does: a batch prepared on a worker (which maps over
                // its letters with the other worker) while this thread does its own.
                let (tx, rx) = std::sync::mpsc::channel();
                let (p, seen) = (pool.clone(), &seen);
                pool.submit(move || {
                    let sum: usize = map(&p, 2, 16, move |i| {
                        seen.lock().unwrap().insert(std::thread::current().id());
                        i + round
                    })
                    .iter()
                    .sum();
                    let _ = tx.send(sum);
                });
                let here: usize = map(&pool, 2, 16, |i| {
                    seen.lock().unwrap().insert(std::thread::current().id());
                    i
                })
                .iter()
                .sum();
                assert_eq!(here, 120);
                assert_eq!(rx.recv().expect("the worker's batch"), 120 + 16 * round);
            }
        });
        // This thread and the same two workers for fifty rounds, not a hundred threads.
        let seen = seen.into_inner().unwrap();
        assert!(seen.len() <= 3, "{} threads", seen.len());
        assert!(seen.contains(&std::thread::current().id()));
    }
}

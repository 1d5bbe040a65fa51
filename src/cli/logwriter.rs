//! The daemon's log writer: every line still goes to stderr, but through one background
//! thread that writes what has queued up in one system call, instead of a `write(2)` per
//! piece of every line on the thread that logged it.
//!
//! Why: `suratd run` logs a few lines per letter (ticket created, SLA started, email sent), and
//! a `write` per piece of each line on the logging thread was a measurable share of a letter's
//! cost (issue 7; the 10–20 µs per system call once quoted here was `strace`'s own overhead: a
//! 120-byte `write` to a file takes ~0.5 µs on this machine). A logger appends its line to a
//! shared buffer under a mutex and wakes the writer only when the writer sleeps with nothing to
//! do. Once woken, the writer gathers for [`GATHER`] (2 ms) and then writes everything queued
//! in one `write`; lines logged meanwhile cost no system call at all (no wake-up, no hand-over
//! of a buffer: the line's bytes are copied into the shared buffer and its own buffer is freed
//! by the thread that made it). So a busy daemon pays one wake-up per busy spell and one
//! `write` per 2 ms, and an idle daemon's line is out about 2 ms after it was logged.
//!
//! Guarantees: no line is dropped (the buffer is bounded: a logger that finds [`FULL`] bytes
//! queued wakes the writer early and waits for room); lines keep their order (they are
//! appended under one lock); [`Flush`] (held by `main` for `suratd run`) ends the gathering
//! at once and writes what is queued before the process exits. A `SIGKILL` loses at most
//! the lines still queued, about 2 ms' worth. When the writer thread is gone (or could not
//! be started), lines are written directly, after everything queued before them.

use std::io::Write;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

/// How long the writer, once woken, gathers lines before it writes them.
const GATHER: Duration = Duration::from_millis(2);
/// Bytes queued at which the writer writes without waiting out its gathering, and above
/// which loggers wait for it.
const FULL: usize = 256 * 1024;

/// What loggers and the writer share.
struct Shared {
    state: Mutex<State>,
    /// The writer waits here: for a first line, or through its gathering.
    wake: Condvar,
    /// Loggers wait here while the buffer is full.
    room: Condvar,
    /// Where lines go; locked only to write, by the writer or (when it is gone) a logger.
    out: Mutex<Box<dyn Write + Send>>,
    gather: Duration,
}

#[derive(Default)]
struct State {
    /// Lines queued, in order.
    buf: Vec<u8>,
    /// The writer sleeps until a line comes: the next logger must wake it.
    idle: bool,
    /// Loggers waiting for room.
    waiting: usize,
    /// [`Flush`] asked the writer to write what is queued and end.
    stop: bool,
    /// No writer: loggers write directly.
    gone: bool,
    /// How many times a logger woke the writer (for the tests).
    wakes: u64,
}

impl Shared {
    fn new(out: Box<dyn Write + Send>, gather: Duration) -> Arc<Self> {
        Arc::new(Shared {
            state: Mutex::new(State::default()),
            wake: Condvar::new(),
            room: Condvar::new(),
            out: Mutex::new(out),
            gather,
        })
    }

    /// The state, even if a thread panicked while holding it: a log line must not turn one
    /// panic into two.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn write_out(&self, bytes: &[u8]) {
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        // stderr gone: nothing better to do with a log line.
        let _ = out.write_all(bytes);
        let _ = out.flush();
    }

    /// Queues one line (or writes it, when there is no writer).
    fn log(&self, line: &[u8]) {
        let mut s = self.lock();
        while !s.gone && s.buf.len() >= FULL {
            s.waiting += 1;
            s = self.room.wait(s).unwrap_or_else(|e| e.into_inner());
            s.waiting -= 1;
        }
        if s.gone {
            // Still under the lock, so no later line can overtake this one.
            self.write_out(line);
            return;
        }
        s.buf.extend_from_slice(line);
        if s.idle {
            s.idle = false;
            s.wakes += 1;
            self.wake.notify_one();
        } else if s.buf.len() >= FULL {
            // The writer is gathering: cut it short.
            self.wake.notify_one();
        }
    }

    /// The writer thread: sleep until a line comes, gather, write, until stopped.
    fn run(&self) {
        let mut spare = Vec::new();
        let mut s = self.lock();
        loop {
            while s.buf.is_empty() && !s.stop {
                s.idle = true;
                s = self.wake.wait(s).unwrap_or_else(|e| e.into_inner());
            }
            s.idle = false;
            if !s.stop && s.buf.len() < FULL {
                // Lines logged during this wait cost their loggers no system call.
                s = self
                    .wake
                    .wait_timeout_while(s, self.gather, |s| !s.stop && s.buf.len() < FULL)
                    .unwrap_or_else(|e| e.into_inner())
                    .0;
            }
            if s.buf.is_empty() && s.stop {
                s.gone = true;
                self.room.notify_all();
                return;
            }
            std::mem::swap(&mut s.buf, &mut spare);
            if s.waiting > 0 {
                self.room.notify_all();
            }
            drop(s);
            self.write_out(&spare);
            spare.clear();
            // Keep an ordinary buffer for the next spell, not one a burst blew up.
            spare.shrink_to(FULL);
            s = self.lock();
        }
    }

    fn stop(&self) {
        let mut s = self.lock();
        s.stop = true;
        self.wake.notify_one();
    }
}

/// The `MakeWriter` given to the fmt subscriber.
#[derive(Clone)]
pub struct LogSink(Arc<Shared>);

/// Stops the writer thread after it has written everything queued.
pub struct Flush {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

/// The sink and its flush guard; the writer thread is running.
pub fn start() -> (LogSink, Flush) {
    start_with(Box::new(std::io::stderr()), GATHER)
}

fn start_with(out: Box<dyn Write + Send>, gather: Duration) -> (LogSink, Flush) {
    let shared = Shared::new(out, gather);
    let writer = Arc::clone(&shared);
    let thread = std::thread::Builder::new()
        .name("suratd-log".into())
        .spawn(move || writer.run())
        .ok();
    if thread.is_none() {
        shared.lock().gone = true;
    }
    (LogSink(Arc::clone(&shared)), Flush { shared, thread })
}

impl Drop for Flush {
    fn drop(&mut self) {
        if let Some(t) = self.thread.take() {
            self.shared.stop();
            let _ = t.join();
        }
        // Whatever happened to the writer, loggers from now on write directly.
        self.shared.lock().gone = true;
    }
}

/// One event's bytes, queued as one line when the formatter is done with it.
pub struct Line {
    buf: Vec<u8>,
    shared: Arc<Shared>,
}

impl Write for Line {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for Line {
    fn drop(&mut self) {
        if !self.buf.is_empty() {
            self.shared.log(&self.buf);
        }
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogSink {
    type Writer = Line;
    fn make_writer(&'a self) -> Line {
        Line {
            buf: Vec::with_capacity(256),
            shared: Arc::clone(&self.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer that records each `write` call, to count them.
    #[derive(Clone, Default)]
    struct Calls(Arc<Mutex<Vec<Vec<u8>>>>);

    impl Write for Calls {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().push(b.to_vec());
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Calls {
        fn lines(&self) -> Vec<String> {
            let all = self.0.lock().unwrap().concat();
            String::from_utf8(all)
                .unwrap()
                .lines()
                .map(str::to_string)
                .collect()
        }
    }

    fn log(sink: &LogSink, text: &str) {
        let mut l = tracing_subscriber::fmt::MakeWriter::make_writer(sink);
        writeln!(l, "{text}").unwrap();
    }

    /// A gathering that never ends by itself: only a full buffer or the flush end it.
    const FOREVER: Duration = Duration::from_secs(3600);

    #[test]
    fn a_busy_logger_wakes_the_writer_once_and_every_line_comes_out_in_order() {
        let calls = Calls::default();
        let (sink, flush) = start_with(Box::new(calls.clone()), FOREVER);
        for i in 0..1000 {
            log(&sink, &format!("line {i}"));
        }
        // The first line woke the idle writer (unless it had not gone to sleep yet); the
        // other 999 were queued while it gathered, without waking anyone.
        assert!(sink.0.lock().wakes <= 1, "{} wake-ups", sink.0.lock().wakes);
        assert!(
            calls.0.lock().unwrap().is_empty(),
            "written before the flush"
        );
        drop(flush);
        let lines = calls.lines();
        assert_eq!(lines.len(), 1000);
        assert!(lines
            .iter()
            .enumerate()
            .all(|(i, l)| *l == format!("line {i}")));
        // ~9 KB gathered: one write, not a thousand.
        assert_eq!(calls.0.lock().unwrap().len(), 1);
    }

    #[test]
    fn loggers_on_many_threads_lose_nothing_when_the_buffer_fills() {
        let calls = Calls::default();
        let (sink, flush) = start_with(Box::new(calls.clone()), FOREVER);
        // 4 × 2000 lines of ~100 bytes: 800 KB, three times the buffer; loggers must wait
        // for room, and the full buffer must cut the endless gathering short.
        let line = "x".repeat(90);
        std::thread::scope(|s| {
            for t in 0..4 {
                let (sink, line) = (sink.clone(), line.as_str());
                s.spawn(move || {
                    for i in 0..2000 {
                        log(&sink, &format!("{t} {i:04} {line}"));
                    }
                });
            }
        });
        drop(flush);
        let lines = calls.lines();
        assert_eq!(lines.len(), 8000);
        for t in 0..4 {
            let mine: Vec<&String> = lines
                .iter()
                .filter(|l| l.starts_with(&format!("{t} ")))
                .collect();
            assert_eq!(mine.len(), 2000);
            // Each thread's lines in the order it logged them.
            assert!(mine
                .iter()
                .enumerate()
                .all(|(i, l)| l.starts_with(&format!("{t} {i:04} "))));
        }
        assert!(calls.0.lock().unwrap().len() >= 3);
    }

    #[test]
    fn a_line_after_the_writer_stopped_is_written_directly_after_the_queued_ones() {
        let calls = Calls::default();
        let (sink, flush) = start_with(Box::new(calls.clone()), FOREVER);
        log(&sink, "before");
        drop(flush);
        // The writer is gone: the line is written at once instead of blocking or vanishing.
        log(&sink, "after stop");
        assert_eq!(calls.lines(), ["before", "after stop"]);
    }
}

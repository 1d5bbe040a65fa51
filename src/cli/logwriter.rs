//! The daemon's log writer: every line still goes to stderr, but through one background
//! thread that writes what has queued up in one system call, instead of a `write(2)` per
//! piece of every line on the thread that logged it.
//!
//! Why: `suratd run` logs a few lines per letter (ticket created, SLA started, email sent),
//! and on a machine where a system call costs 10–20 µs that was a measurable share of a
//! letter's cost (issue 7). A line waits at most 2 ms for the next before they are written
//! together, so an idle daemon's log is as prompt as before.
//!
//! Guarantees: no line is dropped (the queue is bounded; a logger waits when it is full);
//! lines keep their order; [`Flush`] (held by `main` for `suratd run`) writes what is queued
//! before the process exits. A `SIGKILL` loses at most the lines still queued, microseconds'
//! worth. When the writer thread is gone, lines are written directly.

use std::io::Write;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::thread::JoinHandle;

/// Lines waiting for the writer before loggers wait.
const QUEUE: usize = 4096;
/// Bytes gathered before a write when lines keep coming.
const BUFFER: usize = 64 * 1024;
/// How long a line may wait for the next before they are written.
const GATHER: std::time::Duration = std::time::Duration::from_millis(2);

enum Msg {
    Line(Vec<u8>),
    Stop,
}

/// The `MakeWriter` given to the fmt subscriber.
#[derive(Clone)]
pub struct LogSink(SyncSender<Msg>);

/// Stops the writer thread after it has written everything queued.
pub struct Flush {
    tx: SyncSender<Msg>,
    thread: Option<JoinHandle<()>>,
}

/// The sink and its flush guard; the writer thread is running.
pub fn start() -> (LogSink, Flush) {
    let (tx, rx) = sync_channel(QUEUE);
    let thread = std::thread::Builder::new()
        .name("suratd-log".into())
        .spawn(move || write_lines(rx, std::io::stderr()))
        .ok();
    (LogSink(tx.clone()), Flush { tx, thread })
}

fn write_lines(rx: Receiver<Msg>, out: impl Write) {
    let mut out = std::io::BufWriter::with_capacity(BUFFER, out);
    while let Ok(first) = rx.recv() {
        let mut next = Some(first);
        while let Some(msg) = next.take() {
            match msg {
                Msg::Line(line) => {
                    // stderr gone: nothing better to do with a log line.
                    let _ = out.write_all(&line);
                }
                Msg::Stop => {
                    let _ = out.flush();
                    return;
                }
            }
            // A busy daemon logs a line every few dozen microseconds: wait a moment for the
            // next before writing, so one write carries many lines.
            next = rx.try_recv().ok().or_else(|| rx.recv_timeout(GATHER).ok());
        }
        let _ = out.flush();
    }
    let _ = out.flush();
}

impl Drop for Flush {
    fn drop(&mut self) {
        if let Some(t) = self.thread.take() {
            if self.tx.send(Msg::Stop).is_ok() {
                let _ = t.join();
            }
        }
    }
}

/// One event's bytes, sent as one line when the formatter is done with it.
pub struct Line {
    buf: Vec<u8>,
    tx: SyncSender<Msg>,
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
        if self.buf.is_empty() {
            return;
        }
        let line = std::mem::take(&mut self.buf);
        if let Err(std::sync::mpsc::SendError(Msg::Line(line))) = self.tx.send(Msg::Line(line)) {
            let _ = std::io::stderr().write_all(&line);
        }
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogSink {
    type Writer = Line;
    fn make_writer(&'a self) -> Line {
        Line {
            buf: Vec::with_capacity(256),
            tx: self.0.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

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

    #[test]
    fn queued_lines_are_written_together_in_order_and_none_is_lost() {
        let (tx, rx) = sync_channel(QUEUE);
        // Everything is queued before the writer starts: it must come out in one write.
        for i in 0..1000 {
            let mut l = Line {
                buf: Vec::new(),
                tx: tx.clone(),
            };
            writeln!(l, "line {i}").unwrap();
        }
        tx.send(Msg::Stop).unwrap();
        let calls = Calls::default();
        write_lines(rx, calls.clone());
        let calls = calls.0.lock().unwrap();
        let all: Vec<u8> = calls.concat();
        let text = String::from_utf8(all).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 1000);
        assert!(lines
            .iter()
            .enumerate()
            .all(|(i, l)| *l == format!("line {i}")));
        // 1000 lines of ~9 bytes fit the buffer: one write, not a thousand.
        assert_eq!(calls.len(), 1, "{} writes", calls.len());
    }

    #[test]
    fn a_line_after_the_writer_stopped_neither_blocks_nor_panics() {
        let (sink, flush) = start();
        drop(flush);
        // The writer is gone: the line goes to stderr directly instead of blocking or vanishing.
        let mut l = sink.make_line();
        writeln!(l, "after stop").unwrap();
        drop(l);
    }

    impl LogSink {
        fn make_line(&self) -> Line {
            tracing_subscriber::fmt::MakeWriter::make_writer(self)
        }
    }
}

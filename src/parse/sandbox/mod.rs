//! PDF text extraction in child processes, killed when they take too long.
//!
//! pdf-extract has no way to be stopped: a hostile PDF (a content stream that inflates to
//! gigabytes of drawing operators, a cyclic object graph) can keep it busy for hours, and a
//! thread that runs it can only be abandoned, spinning, never ended. So the `suratd` binary
//! reads PDFs in copies of itself, `suratd __extract-pdf --serve` ([`helper_main`]): a small
//! pool of long-lived workers ([`Pool`], src/parse/sandbox/pool.rs), one per core, each
//! reading one PDF at a time sent over its stdin and answering on its stdout (the protocol:
//! `wire`). Starting a process costs milliseconds on this kind of machine, more than reading
//! a small PDF, so a worker is kept for many PDFs.
//!
//! What keeps the daemon safe, per job, as when every PDF had its own child:
//! - the daemon waits at most `limits.max-attachment-seconds` for an answer; past that it
//!   kills the worker (SIGKILL by pid), reaps it, and the letter gets the time-limit error;
//!   the next PDF starts a fresh worker. (A job writes its request and reads the answer on
//!   the calling thread; the pool's janitor thread does the killing at the deadline, which
//!   ends that blocked `write` or `read` at once: no thread hand-over per PDF);
//! - each worker runs under `ulimit -v` (address space, `limits.max-extractor-mb`) and
//!   `ulimit -t` (CPU seconds, a backstop), set by `/bin/sh` before it `exec`s the helper
//!   (setting limits on a child from Rust needs `unsafe` (pre_exec), which this crate
//!   forbids): a memory-hungry or crashing file ends that worker, never the daemon, and
//!   fails only the PDF it was reading;
//! - `ulimit -t` counts a process's whole life, so a worker is retired once its jobs have
//!   taken `max-attachment-seconds` in all, before an old budget could end a healthy job; it
//!   is started with `2 × max-attachment-seconds + 1` s, so a job always has more than its
//!   wall limit of CPU left, and a spinning one still meets the CPU limit should the kill fail;
//! - a worker is also retired after 1,000 jobs or once it holds 64 MiB resident (heap kept
//!   after a big PDF), and after 60 s idle, so an idle daemon holds no worker;
//! - workers end with the daemon: [`shutdown`] closes and reaps them; a daemon killed
//!   outright leaves them end of file on stdin, on which they exit.
//!
//! The binary turns this on at start ([`use_helper`]); a library user (the tests, fuzzing)
//! that does not runs the extractor in-process, under `catch_unwind` only, with no time limit.
//!
//! `suratd __extract-pdf` without `--serve` reads one PDF on stdin and writes `ok\n` and the
//! text, or `err\n` and the reason, on stdout (for trying a file by hand; `ok slow: REASON`
//! when pdf-extract read it, see wire.rs).

mod pool;
pub(crate) mod wire;
mod worker;

pub use pool::{Pool, PoolConfig, PoolStats};

use std::io::{Read, Write};
use std::os::fd::AsFd;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

/// The hidden subcommand of the `suratd` binary that extracts PDFs.
pub const HELPER_ARG: &str = "__extract-pdf";
/// Its argument for a long-lived worker speaking `wire`.
pub const SERVE_ARG: &str = "--serve";

/// The pool of this process, once set by [`use_helper`].
static POOL: OnceLock<Pool> = OnceLock::new();

/// Makes every later PDF extraction of this process run in workers `program HELPER_ARG
/// SERVE_ARG` (none is started before the first PDF).
pub fn use_helper(program: PathBuf) {
    let _ = POOL.get_or_init(|| Pool::new(PoolConfig::for_program(program)));
}

pub(crate) fn pool() -> Option<&'static Pool> {
    POOL.get()
}

/// Ends the workers of this process's pool and waits for them (at exit).
pub fn shutdown() {
    if let Some(pool) = POOL.get() {
        pool.shutdown();
    }
}

/// The body of `suratd __extract-pdf [--serve]`: PDF bytes on stdin, the outcome on stdout.
pub fn helper_main() -> std::process::ExitCode {
    // A caught panic must not print: stdout is the answer, stderr is not read.
    std::panic::set_hook(Box::new(|_| {}));
    if std::env::args_os().nth(2).is_some_and(|a| a == SERVE_ARG) {
        return serve_main();
    }
    let mut bytes = Vec::new();
    if let Err(e) = std::io::stdin().read_to_end(&mut bytes) {
        eprintln!("cannot read the pdf from stdin: {e}");
        return std::process::ExitCode::FAILURE;
    }
    match std::io::stdout().lock().write_all(&answer(&bytes)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(_) => std::process::ExitCode::FAILURE,
    }
}

/// `ok\n` and the text, or `err\n` and why not. When the fast reader handed the file to
/// pdf-extract, the first line says why (`ok slow: REASON`), for the daemon's log.
fn answer(pdf: &[u8]) -> Vec<u8> {
    let (outcome, slow) = super::pdf::extract_here_noting(pdf);
    let note = slow
        .map(|why| {
            let why = why.replace(['\n', '\r'], " ");
            format!(" {}{why}", super::pdf::SLOW_NOTE)
        })
        .unwrap_or_default();
    match outcome {
        Ok(text) => format!("ok{note}\n{text}"),
        Err(why) => format!("err{note}\n{why}"),
    }
    .into_bytes()
}

/// The worker loop over stdin and stdout. They are used unbuffered through duplicates of
/// their descriptors (std's stdout is line-buffered: an answer would take a write per line).
fn serve_main() -> std::process::ExitCode {
    let files = std::io::stdin()
        .as_fd()
        .try_clone_to_owned()
        .and_then(|i| Ok((i, std::io::stdout().as_fd().try_clone_to_owned()?)));
    let (input, output) = match files {
        Ok((i, o)) => (std::fs::File::from(i), std::fs::File::from(o)),
        Err(e) => {
            eprintln!("cannot open stdin and stdout: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match wire::serve(input, output, answer) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pdf worker: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Limits for one job.
#[derive(Debug, Clone, Copy)]
pub struct RunLimits {
    /// Wall-clock time; the worker is killed past it.
    pub wall: Duration,
    /// Address space of the worker in MiB (`ulimit -v`); 0 for none.
    pub memory_mb: u64,
    /// The answer is cut at this many bytes.
    pub max_output: usize,
}

/// Why a job gave no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunError {
    /// Killed at the time limit.
    TimedOut,
    /// It could not be started, or ended without an answer (a signal: CPU or memory limit,
    /// a crash). Said in words.
    Failed(String),
}

#[cfg(test)]
mod tests;

//! PDF text extraction in a child process, killed when it takes too long.
//!
//! pdf-extract has no way to be stopped: a hostile PDF (a content stream that inflates to
//! gigabytes of drawing operators, a cyclic object graph) can keep it busy for hours, and a
//! thread that runs it can only be abandoned, spinning, never ended. So the `suratd` binary
//! runs each PDF through a copy of itself: `suratd __extract-pdf` reads the file on stdin and
//! writes the outcome on stdout ([`helper_main`]). The parent waits at most
//! `limits.max-attachment-seconds` and kills the child past that; the child also runs under
//! `ulimit -t` (CPU seconds, a second backstop) and `ulimit -v` (address space,
//! `limits.max-extractor-mb`), set by `/bin/sh` before it `exec`s the helper, so a
//! memory-hungry file ends the child, never the daemon. `sh` is used because setting limits
//! on a child from Rust needs `unsafe` (pre_exec), which this crate forbids.
//!
//! The binary turns this on at start ([`use_helper`]); a library user (the tests, fuzzing)
//! that does not runs the extractor in-process, under `catch_unwind` only, with no time limit.
//!
//! Wire format of the helper's stdout: `ok\n` then the text, or `err\n` then the reason.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{mpsc, OnceLock};
use std::time::Duration;

/// The hidden subcommand of the `suratd` binary that extracts one PDF.
pub const HELPER_ARG: &str = "__extract-pdf";

/// The extractor program (the running `suratd` binary), once set by [`use_helper`].
static HELPER: OnceLock<PathBuf> = OnceLock::new();

/// Makes every later PDF extraction of this process run in `program HELPER_ARG`.
pub fn use_helper(program: PathBuf) {
    let _ = HELPER.set(program);
}

pub(crate) fn helper() -> Option<&'static PathBuf> {
    HELPER.get()
}

/// The body of `suratd __extract-pdf`: PDF bytes on stdin, the outcome on stdout.
pub fn helper_main() -> std::process::ExitCode {
    let mut bytes = Vec::new();
    if let Err(e) = std::io::stdin().read_to_end(&mut bytes) {
        eprintln!("cannot read the pdf from stdin: {e}");
        return std::process::ExitCode::FAILURE;
    }
    // A caught panic must not print: stdout is the answer, stderr is not read.
    std::panic::set_hook(Box::new(|_| {}));
    let out = match super::pdf::extract_here(&bytes) {
        Ok(text) => format!("ok\n{text}"),
        Err(why) => format!("err\n{why}"),
    };
    match std::io::stdout().lock().write_all(out.as_bytes()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(_) => std::process::ExitCode::FAILURE,
    }
}

/// Limits for one run of a helper.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RunLimits {
    /// Wall-clock time; the child is killed past it.
    pub wall: Duration,
    /// Address space of the child in MiB (`ulimit -v`); 0 for none.
    pub memory_mb: u64,
    /// The helper's answer is cut at this many bytes.
    pub max_output: usize,
}

/// Why a run of a helper gave no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RunError {
    /// Killed at the time limit.
    TimedOut,
    /// It could not be started, or ended without an answer (a signal: CPU or memory limit,
    /// a crash). Said in words.
    Failed(String),
}

/// Runs `program args…` with `input` on stdin under `limits`; returns its stdout.
pub(crate) fn run(
    program: &std::path::Path,
    args: &[&str],
    input: &[u8],
    limits: RunLimits,
) -> Result<Vec<u8>, RunError> {
    let cpu_secs = limits.wall.as_secs().saturating_add(1);
    let mut script = format!("ulimit -t {cpu_secs} 2>/dev/null;");
    if limits.memory_mb > 0 {
        let kb = limits.memory_mb.saturating_mul(1024);
        script.push_str(&format!(" ulimit -v {kb} 2>/dev/null;"));
    }
    script.push_str(" exec \"$0\" \"$@\"");
    let mut child = Command::new("/bin/sh")
        .arg("-c")
        .arg(script)
        .arg(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| RunError::Failed(format!("cannot start {}: {e}", program.display())))?;

    // Feed and drain on threads so a child that writes before it has read everything (or
    // never reads) cannot block us; the reader's message is the "done" signal.
    let stdin = child.stdin.take();
    let input = input.to_vec();
    let writer = std::thread::spawn(move || {
        if let Some(mut stdin) = stdin {
            // A child that exits early closes the pipe: that is its answer, not our error.
            let _ = stdin.write_all(&input);
        }
    });
    let (tx, rx) = mpsc::channel();
    let stdout = child.stdout.take();
    let max = limits.max_output;
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        if let Some(stdout) = stdout {
            // Read one byte past the cap to know the answer was cut, and keep reading
            // (discarding) so the child never blocks on a full pipe.
            let mut stdout = stdout;
            let _ = (&mut stdout).take(max as u64 + 1).read_to_end(&mut out);
            let _ = std::io::copy(&mut stdout, &mut std::io::sink());
        }
        let _ = tx.send(out);
    });

    let outcome = match rx.recv_timeout(limits.wall) {
        Ok(out) => Ok(out),
        Err(_) => {
            // Past the limit (or the reader died): end the child. Killing closes its stdout,
            // which ends the reader thread too; nothing is left running.
            let _ = child.kill();
            Err(RunError::TimedOut)
        }
    };
    let status = child.wait();
    let _ = writer.join();
    let _ = reader.join();
    let mut out = outcome?;
    match status {
        Ok(s) if s.success() => {
            out.truncate(max);
            Ok(out)
        }
        Ok(s) => Err(RunError::Failed(match s.code() {
            Some(code) => format!("the reader exited with status {code}"),
            None => {
                "the reader was stopped by a signal (over its CPU or memory limit, or it crashed)"
                    .to_string()
            }
        })),
        Err(e) => Err(RunError::Failed(format!("cannot wait for the reader: {e}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;
    use std::time::Instant;

    fn limits(wall_ms: u64) -> RunLimits {
        RunLimits {
            wall: Duration::from_millis(wall_ms),
            memory_mb: 0,
            max_output: 1000,
        }
    }

    #[test]
    fn a_helper_that_answers_is_read() {
        let out = run(Path::new("/bin/cat"), &[], b"ok\nhalo", limits(10_000));
        assert_eq!(out.as_deref(), Ok(&b"ok\nhalo"[..]));
    }

    #[test]
    fn a_helper_that_spins_is_killed_at_the_limit() {
        // A shell loop that never reads, never writes, never ends: the stand-in for
        // pdf-extract lost in a hostile file.
        let started = Instant::now();
        let out = run(
            Path::new("/bin/sh"),
            &["-c", "while :; do :; done"],
            &vec![b'x'; 1 << 20],
            limits(300),
        );
        assert_eq!(out, Err(RunError::TimedOut));
        let took = started.elapsed();
        assert!(took < Duration::from_secs(5), "killed late: {took:?}");
    }

    #[test]
    fn a_long_answer_is_cut_and_does_not_block() {
        let out = run(
            Path::new("/bin/sh"),
            &["-c", "head -c 5000000 /dev/zero"],
            b"",
            limits(10_000),
        )
        .expect("answers");
        assert_eq!(out.len(), 1000);
    }

    #[test]
    fn a_helper_over_its_memory_limit_fails_without_hurting_us() {
        // Python is not everywhere; the shell's own allocation does: build a 200 MB
        // string under a 64 MB address-space limit.
        let out = run(
            Path::new("/bin/sh"),
            &[
                "-c",
                "x=$(head -c 200000000 /dev/zero | tr '\\0' a); echo ${#x}",
            ],
            b"",
            RunLimits {
                memory_mb: 64,
                ..limits(20_000)
            },
        );
        assert!(
            matches!(&out, Err(RunError::Failed(_))) || out.as_deref() != Ok(b"200000000\n"),
            "{out:?}"
        );
    }

    #[test]
    fn a_missing_helper_is_an_error() {
        let out = run(Path::new("/nonexistent/suratd"), &[], b"", limits(5_000));
        assert!(matches!(out, Err(RunError::Failed(_))), "{out:?}");
    }
}

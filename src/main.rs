//! The `suratd` binary: parse the command line, run it, map the outcome to an exit code.

use std::process::ExitCode;

use suratd::parse::sandbox;

fn main() -> ExitCode {
    // Copies of this binary read the PDFs in worker processes it can kill (see
    // parse::sandbox); they are started with the hidden first argument.
    if std::env::args_os()
        .nth(1)
        .is_some_and(|a| a == sandbox::HELPER_ARG)
    {
        return sandbox::helper_main();
    }
    if let Ok(exe) = std::env::current_exe() {
        few_malloc_arenas(&exe);
        sandbox::use_helper(exe);
    }
    // It ends the PDF workers before it returns (parse::sandbox::shutdown).
    suratd::cli::main()
}

/// glibc's malloc gives each thread that allocates its own arena (up to eight per core) and
/// keeps what each one freed: in a daemon ingesting letters, seven arenas held 25 of its
/// 40 MB. One arena holds the least: with the processor's threads long-lived and the log
/// lines freed where they are made, a running daemon is as fast with one arena as with two
/// and stays under 30 MiB in the PDF-mix ingest (two: 33 MiB); a `run --once` over 2,000
/// letters, where parsing and committing overlap the most, pays about 15 % more CPU in
/// waits for the arena's lock (BENCHMARKS.md). glibc reads the limit
/// from the environment when a process starts, so the first start sets it and starts the
/// same binary again in place (same pid, arguments and streams). An administrator's own
/// `MALLOC_ARENA_MAX` is kept. If that start fails, this one goes on as it is. (Tools that
/// do not follow an `exec`, such as valgrind, need the variable set beforehand.)
fn few_malloc_arenas(exe: &std::path::Path) {
    use std::os::unix::process::CommandExt;
    const VAR: &str = "MALLOC_ARENA_MAX";
    if std::env::var_os(VAR).is_some() {
        return;
    }
    let mut args = std::env::args_os();
    let mut cmd = std::process::Command::new(exe);
    if let Some(arg0) = args.next() {
        cmd.arg0(arg0);
    }
    // Only returns when it failed.
    let _ = cmd.args(args).env(VAR, "1").exec();
}

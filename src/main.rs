//! The `suratd` binary: parse the command line, run it, map the outcome to an exit code.

use std::process::ExitCode;

use suratd::parse::sandbox;

/// Every Rust allocation of the binary: small blocks from mimalloc, large ones from glibc
/// (src/heap.rs says why; the library's tests keep the system allocator). The allocators'
/// settings are at [`allocator_settings`].
#[global_allocator]
static ALLOCATOR: suratd::heap::Split = suratd::heap::Split;

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
        allocator_settings(&exe);
        sandbox::use_helper(exe);
    }
    // It ends the PDF workers before it returns (parse::sandbox::shutdown).
    suratd::cli::main()
}

/// The allocators' settings, which both read from the environment when the process starts:
/// so the first start sets them and starts the same binary again in place (same pid,
/// arguments and streams). If that start fails, this one goes on with the defaults.
/// An administrator's own value of any of them is kept (the others are still set), and
/// nothing is restarted when all are set already.
///
/// - mimalloc (the small blocks, src/heap.rs): commit arena memory as it is used and give
///   freed pages back at once (`MIMALLOC_ARENA_EAGER_COMMIT=0`, `MIMALLOC_PURGE_DELAY=0`); with
///   its defaults a `run --once` over 2,000 letters peaked at 29 MiB instead of 24.
/// - glibc's malloc (the large blocks, SQLite's allocations and the C library's own): one
///   arena (`MALLOC_ARENA_MAX=1`). It would otherwise give each thread an arena of its own and
///   keep what each freed: a few MiB more resident.
///
/// (Tools that do not follow an `exec`, such as valgrind, need the variables set beforehand.)
fn allocator_settings(exe: &std::path::Path) {
    use std::os::unix::process::CommandExt;
    const SETTINGS: [(&str, &str); 3] = [
        ("MIMALLOC_ARENA_EAGER_COMMIT", "0"),
        ("MIMALLOC_PURGE_DELAY", "0"),
        ("MALLOC_ARENA_MAX", "1"),
    ];
    let missing: Vec<(&str, &str)> = SETTINGS
        .into_iter()
        .filter(|(k, _)| std::env::var_os(k).is_none())
        .collect();
    if missing.is_empty() {
        return;
    }
    let mut args = std::env::args_os();
    let mut cmd = std::process::Command::new(exe);
    if let Some(arg0) = args.next() {
        cmd.arg0(arg0);
    }
    // Only returns when it failed.
    let _ = cmd.args(args).envs(missing).exec();
}

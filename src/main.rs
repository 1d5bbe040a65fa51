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
        sandbox::use_helper(exe);
    }
    // It ends the PDF workers before it returns (parse::sandbox::shutdown).
    suratd::cli::main()
}

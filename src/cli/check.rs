//! `suratd check`: every problem in daemon.toml, the templates and the rule files, each as
//! `file:line:col: error: message (hint: …)` with the source line and a caret.
//! Exit 0: all good (warnings allowed); 1: errors found; 2: the config could not be read.

use std::path::Path;
use std::process::ExitCode;

pub fn check(config: &Path) -> anyhow::Result<ExitCode> {
    if !config.exists() {
        eprintln!(
            "error: {}: no such file (hint: pass --config PATH or run from the directory that has daemon.toml)",
            config.display()
        );
        return Ok(ExitCode::from(2));
    }
    match crate::daemon::load(config) {
        Ok(l) => {
            for w in &l.warnings {
                print!("{w}");
            }
            println!(
                "ok: {}, {} rule file(s), {} template(s), {} source(s), {} warning(s)",
                crate::diag::display_path(&l.config.file),
                l.rules.rules.len(),
                l.templates.names().len(),
                l.config.sources.len(),
                l.warnings.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(diags) => {
            for d in &diags {
                print!("{d}");
            }
            let errors = diags.iter().filter(|d| d.is_error()).count();
            let warnings = diags.len() - errors;
            println!("{errors} error(s), {warnings} warning(s)");
            Ok(if errors > 0 {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
    }
}

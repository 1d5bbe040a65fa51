//! `suratd run [--once]`.

use std::path::Path;
use std::process::ExitCode;

pub fn run(config: &Path, once: bool) -> anyhow::Result<ExitCode> {
    let loaded = super::load_or_report(config)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let stats = rt.block_on(crate::daemon::run(loaded, once))?;
    if once {
        let p = &stats.processed;
        println!(
            "stored {} new message(s) ({} duplicate); {} ticket(s), {} triage, {} repl(ies), {} ignored; {} email(s) queued, {} delivered",
            stats.fetched.stored,
            stats.fetched.duplicates,
            p.new_tickets,
            p.triage,
            p.replies,
            p.ignored,
            p.emails_queued,
            stats.delivered
        );
    }
    Ok(ExitCode::SUCCESS)
}

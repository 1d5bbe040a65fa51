//! The command line: one file per subcommand. Errors are printed once, with their chain, and
//! mapped to an exit code here; nothing below this module prints except its own output.

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

pub mod check;
pub mod decide;
mod logwriter;
pub mod quarantine;
pub mod run;
pub mod sla;
pub mod tickets;
pub mod try_letter;

#[derive(Debug, Parser)]
#[command(
    name = "suratd",
    version,
    about = "Runs IT service SOPs over plain email"
)]
pub struct Cli {
    /// The daemon configuration.
    #[arg(
        long,
        short,
        global = true,
        default_value = "daemon.toml",
        env = "SURATD_CONFIG"
    )]
    pub config: PathBuf,
    /// Log as JSON lines instead of text.
    #[arg(long, global = true)]
    pub log_json: bool,
    /// More log output (-v: debug, -vv: trace). RUST_LOG overrides.
    #[arg(long, short, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Fetch, process and answer mail; runs until stopped (SIGTERM/Ctrl-C).
    Run {
        /// One pass over every source, then exit.
        #[arg(long)]
        once: bool,
    },
    /// Check daemon.toml, the rule files and the templates; report every problem.
    /// Exit 0 when all is well, 1 when problems were found, 2 when the check could not run.
    Check,
    /// Show how a message would be handled, without writing or sending anything.
    Try {
        /// The message (.eml).
        file: PathBuf,
        /// Print one JSON object (schema in README.md).
        #[arg(long)]
        json: bool,
    },
    /// List tickets, or show one ticket with its event log.
    Tickets {
        /// A ticket number to show in full.
        number: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Show a template rendered for an existing ticket (nothing is sent or written).
    Render {
        /// The template name, e.g. `ack`, `disposisi`, `aktivasi`.
        template: String,
        /// The ticket whose data fills it.
        #[arg(long)]
        ticket: String,
        /// `id` or `en`; default: the ticket's language.
        #[arg(long)]
        lang: Option<String>,
    },
    /// Open tickets: each step's deadline, and the time left or overdue (working time).
    Sla {
        #[arg(long)]
        json: bool,
    },
    /// List stored messages and how each ended (ticket, reply, ignored and why).
    Messages {
        #[arg(long)]
        json: bool,
    },
    /// List the messages that ended as triage (no rule claimed them, unreadable) and why.
    Quarantine {
        #[arg(long)]
        json: bool,
    },
    /// Process a quarantined message again with the current rules (after a rule fix).
    Replay {
        /// The message id, as `suratd quarantine` lists it.
        id: i64,
        #[arg(long)]
        json: bool,
    },
    /// Approve a disposition on the command line, as PERSON (who must hold the approver role).
    Approve {
        ticket: String,
        /// The deciding person: name or email of a `[[person]]` in daemon.toml.
        #[arg(long = "as")]
        as_person: String,
        /// The staff member to assign (name or email); default: the first with the role.
        #[arg(long)]
        staff: Option<String>,
        #[arg(long)]
        note: Option<String>,
    },
    /// Reject a disposition on the command line, as PERSON; the requester is told the reason.
    Reject {
        ticket: String,
        #[arg(long = "as")]
        as_person: String,
        #[arg(long)]
        reason: String,
    },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    // The daemon writes its log through a background thread (logwriter.rs); the guard
    // writes what is queued before the process ends.
    let daemon = matches!(cli.command, Command::Run { .. });
    let flush = init_logging(cli.verbose, cli.log_json, daemon);
    // A panic inside a third-party parser (a hostile PDF) is caught where it happens and
    // becomes an attachment error; its message goes to the log as one structured line
    // instead of raw text on stderr.
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        // `suratd tickets | head`: the reader went away. Stop quietly, as a Unix tool
        // killed by SIGPIPE would (std turns that into this panic instead).
        if message.starts_with("failed printing to stdout") {
            std::process::exit(0);
        }
        tracing::error!(%location, %message, "panic");
    }));
    let result = match &cli.command {
        Command::Run { once } => run::run(&cli.config, *once),
        Command::Check => check::check(&cli.config),
        Command::Try { file, json } => try_letter::run(&cli.config, file, *json),
        Command::Tickets { number, json } => {
            tickets::tickets(&cli.config, number.as_deref(), *json)
        }
        Command::Messages { json } => tickets::messages(&cli.config, *json),
        Command::Quarantine { json } => quarantine::list(&cli.config, *json),
        Command::Replay { id, json } => quarantine::replay(&cli.config, *id, *json),
        Command::Sla { json } => sla::sla(&cli.config, *json),
        Command::Render {
            template,
            ticket,
            lang,
        } => tickets::render(&cli.config, template, ticket, lang.as_deref()),
        Command::Approve {
            ticket,
            as_person,
            staff,
            note,
        } => decide::decide(
            &cli.config,
            ticket,
            as_person,
            crate::workflow::disposition::Answer::Approve {
                staff: staff.clone(),
                note: note.clone(),
            },
        ),
        Command::Reject {
            ticket,
            as_person,
            reason,
        } => decide::decide(
            &cli.config,
            ticket,
            as_person,
            crate::workflow::disposition::Answer::Reject {
                reason: reason.clone(),
            },
        ),
    };
    // Close the PDF workers and reap them, while the log still takes their last line (a
    // killed daemon's workers exit by themselves: see parse::sandbox).
    crate::parse::sandbox::shutdown();
    drop(flush);
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn init_logging(verbose: u8, json: bool, buffered: bool) -> Option<logwriter::Flush> {
    use tracing_subscriber::EnvFilter;
    let default = match verbose {
        0 => "suratd=info",
        1 => "suratd=debug",
        _ => "suratd=trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false);
    if !buffered {
        let builder = builder.with_writer(std::io::stderr);
        let _ = if json {
            builder.json().try_init()
        } else {
            builder.try_init()
        };
        return None;
    }
    let (sink, flush) = logwriter::start();
    let builder = builder.with_writer(sink);
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
    Some(flush)
}

/// Loads everything or prints every diagnostic and fails.
pub(crate) fn load_or_report(config: &std::path::Path) -> anyhow::Result<crate::daemon::Loaded> {
    crate::daemon::load(config).map_err(|diags| {
        for d in &diags {
            eprint!("{d}");
        }
        anyhow::anyhow!(
            "{} problem(s) in the configuration; run `suratd check` after fixing them",
            diags.iter().filter(|d| d.is_error()).count()
        )
    })
}

//! suratd: the IT service SOPs of a university, run over plain email.
//!
//! The flow of one message is the map of the code, in this order:
//!
//! 1. [`fetch`]: a mail source (an IMAP account on IDLE, or a Maildir folder) hands raw bytes over.
//! 2. [`store`]: the raw bytes are committed to SQLite *before anything else*, deduplicated
//!    by source position and by Message-ID + content hash. Everything after is replayable.
//! 3. [`parse`]: MIME, charsets, HTML and the text of PDF/DOCX/plain attachments.
//! 4. [`classify`]: automatic mail? a reply on a ticket? a new request by the [`rules`]?
//!    unmatched?
//! 5. [`workflow`]: the pure engine: (ticket, event, rule, now) → (new state, actions).
//! 6. [`outbound`]: templates render the emails the actions ask for; they are queued in the
//!    same transaction as the ticket change and delivered by a transport (a file outbox here).
//!
//! 7. [`sla`]: each ticket's current step runs on a working-time clock; reminders and
//!    escalations go out through the outbox when it runs down.
//!
//! [`pipeline`] ties steps 3–6 for one stored message; [`daemon`] runs the loop; [`cli`] is the
//! command line. [`config`] reads `daemon.toml`; [`diag`] renders `file:line:col` diagnostics;
//! [`clock`] lets tests fix the time; [`lifecycle`] holds the shutdown and wake-up signals
//! the daemon's services share.

pub mod approval;
pub mod classify;
pub mod cli;
pub mod clock;
pub mod config;
pub mod daemon;
pub mod diag;
pub mod fetch;
pub mod heap;
pub mod lifecycle;
pub mod outbound;
pub mod parse;
pub mod pipeline;
pub mod reload;
pub mod rules;
pub mod sla;
pub mod store;
pub mod workflow;

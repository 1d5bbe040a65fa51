//! The one integration test binary: the real `suratd` binary and library against the shipped
//! rules, templates and daemon.toml, on scratch installations in temp dirs.

mod cli;
mod disposition;
mod forgery;
mod fuzz_regressions;
mod golden;
mod hostile;
mod imap;
mod imap_cron;
mod lampiran;
mod language;
mod r#loop;
mod notices;
mod pool;
mod quarantine;
mod realmail;
mod reload;
mod replies_eml;
mod scenario;
mod secrets;
mod sla;
mod sla_wake;
mod smtp;
mod support;

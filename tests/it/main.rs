//! The one integration test binary: the real `suratd` binary and library against the shipped
//! rules, templates and daemon.toml, on scratch installations in temp dirs.

mod cli;
mod disposition;
mod golden;
mod imap;
mod r#loop;
mod quarantine;
mod realmail;
mod reload;
mod scenario;
mod smtp;
mod support;

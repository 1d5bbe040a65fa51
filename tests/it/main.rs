//! The one integration test binary: the real `suratd` binary and library against the shipped
//! rules, templates and daemon.toml, on scratch installations in temp dirs.

mod cli;
mod disposition;
mod fuzz_regressions;
mod golden;
mod hostile;
mod imap;
mod realmail;
mod scenario;
mod smtp;
mod support;

//! Outgoing email: templates render it ([`templates`], [`context`]), [`compose`] builds the
//! RFC 5322 message with its identity fixed at queue time, the outbox table holds it (written
//! in the same transaction as the change that caused it), and a transport delivers it
//! ([`file`](mod@file) or [`smtp`], driven by the outbox [`service`]: retries with backoff, parks
//! permanent failures).

pub mod attach;
pub mod compose;
pub mod context;
pub mod file;
pub mod outage;
pub mod service;
pub mod smtp;
pub mod templates;
pub mod transport;
mod walk;

pub use templates::{Rendered, Templates};

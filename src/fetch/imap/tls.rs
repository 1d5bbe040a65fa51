//! TLS for IMAP: rustls with the ring provider. Trusted roots are the system store plus the
//! configured `ca-file` (PEM); `accept-invalid-certs` swaps the verifier for one that takes
//! any certificate, which only a test against a throwaway server may use.
//!
//! Must not: fall back to plain text, or accept a certificate the roots do not vouch for
//! unless told to in so many words.

use super::ImapError;
use crate::config::TlsTrust;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::sync::Arc;

/// The client configuration for one connection attempt. Built per attempt, so a CA file
/// fixed on disk is picked up by the next reconnect without a restart.
pub(super) fn client_config(trust: &TlsTrust) -> Result<Arc<rustls::ClientConfig>, ImapError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| ImapError::TlsSetup(e.to_string()))?;
    let config = if trust.accept_invalid_certs {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate(provider)))
            .with_no_client_auth()
    } else {
        builder
            .with_root_certificates(roots(trust)?)
            .with_no_client_auth()
    };
    Ok(Arc::new(config))
}

fn roots(trust: &TlsTrust) -> Result<RootCertStore, ImapError> {
    let mut roots = RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    for error in &native.errors {
        // A machine without a system store is fine when a ca-file is given.
        tracing::debug!(error = %error, "system CA store: not all certificates loaded");
    }
    roots.add_parsable_certificates(native.certs);
    if let Some(path) = &trust.ca_file {
        let bad =
            |why: String| ImapError::TlsSetup(format!("ca-file \"{}\": {why}", path.display()));
        let certs = CertificateDer::pem_file_iter(path)
            .map_err(|e| bad(e.to_string()))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| bad(e.to_string()))?;
        if certs.is_empty() {
            return Err(bad("holds no PEM certificate".into()));
        }
        for cert in certs {
            roots.add(cert).map_err(|e| bad(e.to_string()))?;
        }
    }
    Ok(roots)
}

/// The server name to verify the certificate against: a DNS name or an IP address.
pub(super) fn server_name(host: &str) -> Result<ServerName<'static>, ImapError> {
    ServerName::try_from(host.to_string())
        .map_err(|e| ImapError::TlsSetup(format!("host \"{host}\" is not a valid TLS name: {e}")))
}

/// Whether a failed handshake was the certificate's fault (a configuration problem that
/// retrying will not fix) rather than the network's.
pub(super) fn is_certificate_error(e: &std::io::Error) -> bool {
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        .is_some_and(|e| {
            matches!(
                e,
                rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented
            )
        })
}

/// Takes any certificate (`accept-invalid-certs`: tests only). The handshake signatures are
/// still checked against the certificate presented, as that costs nothing.
#[derive(Debug)]
struct AcceptAnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ca_file_without_certificates_is_a_setup_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("ca.pem");
        std::fs::write(&path, "not a certificate\n").expect("write");
        let trust = TlsTrust {
            ca_file: Some(path),
            accept_invalid_certs: false,
        };
        let err = client_config(&trust).expect_err("no certificate");
        assert!(
            err.to_string().contains("holds no PEM certificate"),
            "{err}"
        );
        assert!(err.is_permanent());
    }

    #[test]
    fn ip_addresses_and_names_are_server_names() {
        assert!(server_name("127.0.0.1").is_ok());
        assert!(server_name("mail.kampus.ac.id").is_ok());
        assert!(server_name("not a host").is_err());
    }
}

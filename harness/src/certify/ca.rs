//! The TLS material of a certification run: a CA generated for the run (its certificate
//! is what the tester installs on the phone, `--write-ca FILE`) and a server certificate
//! it signs for the names the phone uses; or a lab certificate (`--cert/--key`). The key
//! never leaves memory. Both certificates are short-lived (30 days) with the server-auth
//! usage, which phones require of a certificate under a user-installed CA.

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::{
    self, ServerConfig,
    crypto::aws_lc_rs,
    pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer},
};

/// Days a run's certificates are valid (from yesterday, against clock skew).
const VALID_DAYS: i64 = 30;

/// Why the TLS material could not be made.
#[derive(Debug, thiserror::Error)]
pub enum CaError {
    /// rcgen refused a name or failed.
    #[error("cannot generate the run's certificates: {0}")]
    Generate(#[from] rcgen::Error),
    /// rustls refused the certificate or key.
    #[error("TLS configuration refused the certificate: {0}")]
    Config(#[from] rustls::Error),
}

/// A run's CA and the acceptor serving the certificate it signed.
#[derive(Clone)]
pub struct RunTls {
    /// The CA certificate (PEM) to install on the phone; `None` for a lab certificate.
    pub ca_pem: Option<String>,
    /// The served certificate chain (PEM).
    pub served_pem: String,
    /// The acceptor.
    pub acceptor: TlsAcceptor,
}

impl std::fmt::Debug for RunTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunTls")
            .field("ca_pem", &self.ca_pem.is_some())
            .finish_non_exhaustive()
    }
}

fn validity(params: &mut CertificateParams) {
    let now = chrono::Utc::now();
    let day = |d: chrono::DateTime<chrono::Utc>| {
        use chrono::Datelike;
        rcgen::date_time_ymd(
            d.year(),
            u8::try_from(d.month()).unwrap_or(1),
            u8::try_from(d.day()).unwrap_or(1),
        )
    };
    params.not_before = day(now - chrono::Duration::days(1));
    params.not_after = day(now + chrono::Duration::days(VALID_DAYS));
}

/// A CA named after `run_id` and a server certificate for `hosts` (names or IPs).
pub fn run_ca(run_id: &str, hosts: &[String]) -> Result<RunTls, CaError> {
    let ca_key = KeyPair::generate()?;
    let mut ca = CertificateParams::new(Vec::<String>::new())?;
    let mut dn = DistinguishedName::new();
    dn.push(
        DnType::CommonName,
        format!("swivel-harness certify CA {run_id}"),
    );
    ca.distinguished_name = dn;
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    validity(&mut ca);
    let ca_cert = ca.self_signed(&ca_key)?;
    let ca_pem = ca_cert.pem();
    let issuer = Issuer::new(ca, ca_key);

    let leaf_key = KeyPair::generate()?;
    let mut leaf = CertificateParams::new(hosts.to_vec())?;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, "swivel-harness certify server");
    leaf.distinguished_name = dn;
    leaf.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    leaf.use_authority_key_identifier_extension = true;
    validity(&mut leaf);
    let leaf_cert = leaf.signed_by(&leaf_key, &issuer)?;
    let served_pem = format!("{}{}", leaf_cert.pem(), ca_pem);
    let chain = vec![leaf_cert.der().clone(), ca_cert.der().clone()];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    Ok(RunTls {
        ca_pem: Some(ca_pem),
        served_pem,
        acceptor: acceptor(chain, key)?,
    })
}

fn acceptor(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<TlsAcceptor, CaError> {
    let mut config = ServerConfig::builder_with_provider(Arc::new(aws_lc_rs::default_provider()))
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_run_ca_signs_a_server_certificate_for_the_hosts() {
        let tls = run_ca(
            "20260101T000000Z-0000",
            &["localhost".into(), "127.0.0.1".into()],
        )
        .unwrap();
        let ca = tls.ca_pem.unwrap();
        assert!(ca.starts_with("-----BEGIN CERTIFICATE-----"));
        assert_eq!(tls.served_pem.matches("BEGIN CERTIFICATE").count(), 2);
        assert!(tls.served_pem.ends_with(&ca));
    }
}

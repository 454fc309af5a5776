//! TLS material for the reference server: builds the `TlsAcceptor` the listener uses,
//! either from a freshly generated self-signed certificate or from PEM files, and exposes
//! the served certificate chain as PEM so clients can be told to trust it.

use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::{
    self, ServerConfig,
    crypto::aws_lc_rs,
    pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer},
};

/// Where the server's certificate and key come from.
#[derive(Clone, Debug)]
pub enum TlsSource {
    /// Generate a self-signed certificate at start-up for these host names; entries that
    /// parse as IP addresses become IP subject alternative names, the rest DNS names.
    SelfSigned { hosts: Vec<String> },
    /// Load a PEM certificate chain and a PEM private key (PKCS#8, PKCS#1 or SEC1).
    Files { cert: PathBuf, key: PathBuf },
}

impl TlsSource {
    /// A self-signed source for the loopback names a local client is likely to use.
    pub fn self_signed_localhost() -> Self {
        Self::SelfSigned {
            hosts: vec!["localhost".into(), "127.0.0.1".into(), "::1".into()],
        }
    }
}

/// Why TLS could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read TLS file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("malformed PEM in {}: {source}", path.display())]
    Pem {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("no certificate (BEGIN CERTIFICATE block) found in PEM file {}", path.display())]
    NoCertificate { path: PathBuf },
    #[error(
        "no private key (BEGIN PRIVATE KEY / RSA PRIVATE KEY / EC PRIVATE KEY block) found in PEM file {}",
        path.display()
    )]
    NoPrivateKey { path: PathBuf },
    #[error("self-signed certificate needs at least one host name")]
    NoHosts,
    #[error("TLS configuration rejected the certificate or key: {0}")]
    Config(#[from] rustls::Error),
    #[error("self-signed certificate generation failed: {0}")]
    Generate(#[from] rcgen::Error),
}

/// A ready acceptor plus the certificate chain it presents.
#[derive(Clone)]
pub struct TlsMaterial {
    pub acceptor: TlsAcceptor,
    /// The served certificate chain as PEM, e.g. to hand to a client as `--ca-cert`.
    pub cert_pem: String,
}

impl std::fmt::Debug for TlsMaterial {
    // TlsAcceptor has no Debug impl; the certificate is the useful part anyway.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsMaterial")
            .field("cert_pem", &self.cert_pem)
            .finish_non_exhaustive()
    }
}

/// Builds the TLS acceptor (HTTP/1.1 via ALPN) for `source`.
pub fn tls_acceptor(source: &TlsSource) -> Result<TlsMaterial, TlsError> {
    let (chain, key) = match source {
        TlsSource::SelfSigned { hosts } => self_signed(hosts)?,
        TlsSource::Files { cert, key } => (load_certs(cert)?, load_key(key)?),
    };
    let cert_pem = certs_to_pem(&chain);

    // An explicit provider means no process-wide default has to be installed first, and
    // nothing breaks if another crate in the process installs a different one.
    let mut config = ServerConfig::builder_with_provider(Arc::new(aws_lc_rs::default_provider()))
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key)?;
    // The server speaks HTTP/1.1 only; advertising it lets ALPN-aware clients agree early.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];

    Ok(TlsMaterial {
        acceptor: TlsAcceptor::from(Arc::new(config)),
        cert_pem,
    })
}

type Chain = Vec<CertificateDer<'static>>;

fn self_signed(hosts: &[String]) -> Result<(Chain, PrivateKeyDer<'static>), TlsError> {
    if hosts.is_empty() {
        return Err(TlsError::NoHosts);
    }
    // CertificateParams::new turns IP-looking names into IP SANs and the rest into DNS SANs.
    let mut params = rcgen::CertificateParams::new(hosts.to_vec())?;
    params.distinguished_name = rcgen::DistinguishedName::new();
    params.distinguished_name.push(
        rcgen::DnType::CommonName,
        "swivel reference server (self-signed)",
    );
    let key_pair = rcgen::KeyPair::generate()?;
    let cert = params.self_signed(&key_pair)?;
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key_pair.serialize_der()));
    Ok((vec![cert.der().clone()], key))
}

fn open(path: &Path) -> Result<BufReader<std::fs::File>, TlsError> {
    std::fs::File::open(path)
        .map(BufReader::new)
        .map_err(|source| TlsError::Read {
            path: path.to_path_buf(),
            source,
        })
}

fn load_certs(path: &Path) -> Result<Chain, TlsError> {
    let mut reader = open(path)?;
    let chain = rustls_pemfile::certs(&mut reader)
        .collect::<Result<Chain, _>>()
        .map_err(|source| TlsError::Pem {
            path: path.to_path_buf(),
            source,
        })?;
    if chain.is_empty() {
        return Err(TlsError::NoCertificate {
            path: path.to_path_buf(),
        });
    }
    Ok(chain)
}

fn load_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    let mut reader = open(path)?;
    rustls_pemfile::private_key(&mut reader)
        .map_err(|source| TlsError::Pem {
            path: path.to_path_buf(),
            source,
        })?
        .ok_or_else(|| TlsError::NoPrivateKey {
            path: path.to_path_buf(),
        })
}

/// Re-encodes the parsed chain rather than echoing the input file, so `cert_pem` holds
/// exactly the certificates being served and nothing else from the file (keys, comments).
fn certs_to_pem(chain: &[CertificateDer<'_>]) -> String {
    let blocks: Vec<pem::Pem> = chain
        .iter()
        .map(|cert| pem::Pem::new("CERTIFICATE", cert.as_ref().to_vec()))
        .collect();
    pem::encode_many_config(
        &blocks,
        pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A fresh directory under the system temp dir; no tempfile crate in this workspace.
    fn scratch_dir() -> PathBuf {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "swivel-tls-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn self_signed_produces_parsable_pem() {
        let material = tls_acceptor(&TlsSource::self_signed_localhost()).unwrap();
        assert!(
            material
                .cert_pem
                .starts_with("-----BEGIN CERTIFICATE-----\n")
        );
        let parsed = rustls_pemfile::certs(&mut material.cert_pem.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        assert_eq!(parsed.len(), 1);
    }

    #[test]
    fn self_signed_without_hosts_is_rejected() {
        let err = tls_acceptor(&TlsSource::SelfSigned { hosts: vec![] }).unwrap_err();
        assert!(matches!(err, TlsError::NoHosts), "{err}");
    }

    #[test]
    fn missing_file_error_names_the_path() {
        let dir = scratch_dir();
        let cert = dir.join("does-not-exist-cert.pem");
        let key = dir.join("does-not-exist-key.pem");
        let err = tls_acceptor(&TlsSource::Files {
            cert: cert.clone(),
            key,
        })
        .unwrap_err();
        assert!(matches!(err, TlsError::Read { .. }), "{err:?}");
        assert!(
            err.to_string().contains(&cert.display().to_string()),
            "{err}"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn pem_without_key_gives_no_key_error() {
        let dir = scratch_dir();
        let material = tls_acceptor(&TlsSource::self_signed_localhost()).unwrap();
        let cert = dir.join("cert.pem");
        std::fs::write(&cert, &material.cert_pem).unwrap();
        // The certificate file has no key in it, so using it as the key file must fail.
        let err = tls_acceptor(&TlsSource::Files {
            cert: cert.clone(),
            key: cert.clone(),
        })
        .unwrap_err();
        assert!(matches!(err, TlsError::NoPrivateKey { .. }), "{err:?}");
        assert!(err.to_string().contains("no private key"), "{err}");
        assert!(
            err.to_string().contains(&cert.display().to_string()),
            "{err}"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn pem_without_certificate_gives_no_certificate_error() {
        let dir = scratch_dir();
        let cert = dir.join("empty.pem");
        std::fs::write(&cert, "not a pem file\n").unwrap();
        let err = tls_acceptor(&TlsSource::Files {
            cert: cert.clone(),
            key: cert,
        })
        .unwrap_err();
        assert!(matches!(err, TlsError::NoCertificate { .. }), "{err:?}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn files_round_trip_serves_the_same_chain() {
        let dir = scratch_dir();
        let key_pair = rcgen::KeyPair::generate().unwrap();
        let generated = rcgen::CertificateParams::new(vec!["localhost".to_string()])
            .unwrap()
            .self_signed(&key_pair)
            .unwrap();
        let cert = dir.join("cert.pem");
        let key = dir.join("key.pem");
        std::fs::write(&cert, generated.pem()).unwrap();
        std::fs::write(&key, key_pair.serialize_pem()).unwrap();

        let material = tls_acceptor(&TlsSource::Files { cert, key }).unwrap();
        let parsed = rustls_pemfile::certs(&mut material.cert_pem.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        assert_eq!(parsed, vec![generated.der().clone()]);
        std::fs::remove_dir_all(dir).unwrap();
    }
}

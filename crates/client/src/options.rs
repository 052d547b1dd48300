//! Connection options and their validation into a tonic [`Endpoint`].
//!
//! TLS is the default. The only way to get plaintext is to ask for it with
//! [`TlsOptions::plaintext`]; an endpoint such as `127.0.0.1:5000` is *not*
//! silently downgraded (the reference client did that and leaked keys over
//! cleartext).

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use tonic::transport::{Certificate, ClientTlsConfig, Endpoint};

use crate::error::Error;

/// The default for [`ClientOptions::timeout`].
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// How to secure the channel.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TlsOptions {
    /// Connect without TLS. Off by default; the API key then travels in
    /// cleartext, so only use it on trusted networks or loopback.
    pub plaintext: bool,
    /// A PEM file with the CA certificate(s) to trust instead of the
    /// operating system's roots.
    pub ca_file: Option<PathBuf>,
    /// The name to verify the server certificate against (and send as SNI)
    /// instead of the endpoint's host, e.g. when connecting by IP address.
    pub server_name_override: Option<String>,
}

impl TlsOptions {
    /// TLS with the operating system's roots (the default).
    pub fn tls() -> Self {
        Self::default()
    }

    /// No TLS at all.
    pub fn plaintext() -> Self {
        TlsOptions {
            plaintext: true,
            ..Self::default()
        }
    }
}

/// Where and how to connect.
///
/// `Debug` never prints the API key.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClientOptions {
    /// `host:port`; a scheme is added (`https://`, or `http://` with
    /// plaintext). An explicit scheme must agree with the TLS choice.
    pub endpoint: String,
    /// The API key (`mxgw_<id>_<secret>`), sent as `authorization: Bearer <key>`.
    pub api_key: Option<String>,
    /// TLS settings.
    pub tls: TlsOptions,
    /// The one timeout policy of the client: it bounds connecting, every unary
    /// call (also sent to the gateway as the gRPC deadline), and the opening
    /// of every stream (until the gateway answers). An open stream itself is
    /// not bounded: it lasts until it ends or is dropped.
    pub timeout: Duration,
}

impl ClientOptions {
    /// Options for `endpoint` with TLS, no key and [`DEFAULT_TIMEOUT`].
    pub fn new(endpoint: impl Into<String>) -> Self {
        ClientOptions {
            endpoint: endpoint.into(),
            api_key: None,
            tls: TlsOptions::default(),
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// Sets the API key.
    pub fn with_api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// Sets the TLS options.
    pub fn with_tls(mut self, tls: TlsOptions) -> Self {
        self.tls = tls;
        self
    }

    /// Sets the timeout (see [`ClientOptions::timeout`]).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The URI the channel connects to, after checking that the scheme and
    /// the TLS options agree.
    pub fn uri(&self) -> Result<String, Error> {
        let endpoint = self.endpoint.trim();
        if endpoint.is_empty() {
            return Err(Error::config("the endpoint is empty"));
        }
        let plaintext = self.tls.plaintext;
        if plaintext && self.tls.ca_file.is_some() {
            return Err(Error::config(
                "a CA file was given but plaintext was requested; drop one of them",
            ));
        }
        if plaintext && self.tls.server_name_override.is_some() {
            return Err(Error::config(
                "a TLS server name override was given but plaintext was requested; drop one of them",
            ));
        }
        let uri = match endpoint.split_once("://") {
            Some(("https", _)) if plaintext => {
                return Err(Error::config(format!(
                    "endpoint {endpoint} asks for https:// but plaintext was requested"
                )))
            }
            Some(("http", _)) if !plaintext => {
                return Err(Error::config(format!(
                    "endpoint {endpoint} asks for http:// but TLS is the default; \
                     request plaintext explicitly to connect without TLS"
                )))
            }
            Some(("http" | "https", _)) => endpoint.to_string(),
            Some((scheme, _)) => {
                return Err(Error::config(format!(
                    "endpoint scheme {scheme}:// is not supported (use host:port)"
                )))
            }
            None if plaintext => format!("http://{endpoint}"),
            None => format!("https://{endpoint}"),
        };
        Ok(uri)
    }

    /// Builds the tonic endpoint: URI, TLS configuration and connect timeout.
    /// Reads the CA file, so a missing file fails here rather than at the
    /// first call.
    pub(crate) fn endpoint(&self) -> Result<Endpoint, Error> {
        let uri = self.uri()?;
        let mut endpoint = Endpoint::from_shared(uri.clone())
            .map_err(|e| Error::config(format!("invalid endpoint {uri}: {e}")))?
            .connect_timeout(self.timeout);
        if !self.tls.plaintext {
            let mut tls = ClientTlsConfig::new();
            tls = match &self.tls.ca_file {
                // A custom CA replaces the system roots: trusting both would let
                // any public CA vouch for a private gateway.
                Some(path) => {
                    let pem = std::fs::read(path).map_err(|e| {
                        Error::config(format!("cannot read CA file {}: {e}", path.display()))
                    })?;
                    tls.ca_certificate(Certificate::from_pem(pem))
                }
                None => tls.with_native_roots(),
            };
            if let Some(name) = &self.tls.server_name_override {
                tls = tls.domain_name(name.clone());
            }
            endpoint = endpoint
                .tls_config(tls)
                .map_err(|e| Error::config(format!("invalid TLS configuration: {e}")))?;
        }
        Ok(endpoint)
    }
}

impl fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientOptions")
            .field("endpoint", &self.endpoint)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("tls", &self.tls)
            .field("timeout", &self.timeout)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(endpoint: &str, tls: TlsOptions) -> Result<String, Error> {
        ClientOptions::new(endpoint).with_tls(tls).uri()
    }

    #[test]
    fn tls_is_the_default_even_for_loopback() {
        assert_eq!(
            uri("127.0.0.1:5000", TlsOptions::default()).unwrap(),
            "https://127.0.0.1:5000"
        );
        assert_eq!(
            uri("localhost:5000", TlsOptions::default()).unwrap(),
            "https://localhost:5000"
        );
        assert!(!ClientOptions::new("x:1").tls.plaintext);
    }

    #[test]
    fn plaintext_only_when_asked() {
        assert_eq!(
            uri("localhost:5000", TlsOptions::plaintext()).unwrap(),
            "http://localhost:5000"
        );
        assert_eq!(
            uri("http://localhost:5000", TlsOptions::plaintext()).unwrap(),
            "http://localhost:5000"
        );
    }

    #[test]
    fn scheme_and_tls_choice_must_agree() {
        let e = uri("http://localhost:5000", TlsOptions::default()).unwrap_err();
        assert!(matches!(e, Error::Config { .. }), "{e}");
        let e = uri("https://localhost:5000", TlsOptions::plaintext()).unwrap_err();
        assert!(matches!(e, Error::Config { .. }), "{e}");
        let e = uri("ftp://localhost:5000", TlsOptions::default()).unwrap_err();
        assert!(matches!(e, Error::Config { .. }), "{e}");
        assert!(uri("  ", TlsOptions::default()).is_err());
    }

    #[test]
    fn tls_settings_conflict_with_plaintext() {
        let mut tls = TlsOptions::plaintext();
        tls.ca_file = Some("ca.pem".into());
        assert!(matches!(uri("h:1", tls), Err(Error::Config { .. })));
        let mut tls = TlsOptions::plaintext();
        tls.server_name_override = Some("gw".into());
        assert!(matches!(uri("h:1", tls), Err(Error::Config { .. })));
    }

    #[test]
    fn missing_ca_file_is_a_config_error() {
        let mut tls = TlsOptions::tls();
        tls.ca_file = Some("/nonexistent/mxgw-ca.pem".into());
        let e = ClientOptions::new("h:1")
            .with_tls(tls)
            .endpoint()
            .unwrap_err();
        assert!(matches!(e, Error::Config { .. }), "{e}");
    }

    #[test]
    fn debug_redacts_the_api_key() {
        let options = ClientOptions::new("h:1").with_api_key("mxgw_abc_supersecretvalue");
        let text = format!("{options:?} {:#?}", options);
        assert!(!text.contains("supersecretvalue"), "{text}");
        assert!(text.contains("<redacted>"), "{text}");
    }
}

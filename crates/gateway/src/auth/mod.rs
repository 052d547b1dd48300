//! API-key authentication and scope-based authorization for the gateway.
//!
//! * [`Scope`]: the permissions a key can hold (`mx:read`, ..., `admin`; `admin` implies all).
//! * [`SecretKey`]: a full key `mxgw_<id>_<secret>`; prints redacted, [`SecretKey::expose`]
//!   gives the real string once, at creation.
//! * [`KeyStore`]: keys persisted in `<state_dir>/keys.json` as salted SHA-256 hashes only;
//!   [`KeyStore::verify`] turns a presented key into a [`Principal`].
//! * [`redact`]: safety net that hides every key-shaped secret in arbitrary text.
//! * [`extract_bearer`]: pulls the key out of an `authorization: Bearer <key>` header value.
//!
//! Error reporting rule: [`AuthError`]'s `Display` is detailed and meant for logs (it never
//! contains a secret). What goes to clients comes from [`AuthError::client_message`] /
//! [`AuthError::to_status`], which folds all "bad key" kinds into one `invalid API key` message
//! so a client cannot tell an unknown id from a revoked key or a wrong secret.

mod keys;
mod scopes;
mod store;

use std::io;
use std::path::PathBuf;
use std::sync::Arc;

pub use keys::{is_valid_id, redact, SecretKey, KEY_PREFIX, REDACTED};
pub use scopes::{parse_scopes, ParseScopeError, Scope};
pub use store::{
    CreatedKey, KeyInfo, KeyOptions, KeyStore, BOOTSTRAP_FILE_NAME, BOOTSTRAP_KEY_NAME,
    KEYS_FILE_NAME,
};

/// The single client-facing message for every kind of rejected key.
pub const INVALID_API_KEY: &str = "invalid API key";
/// The client-facing message when no key was presented at all.
pub const MISSING_API_KEY: &str = "missing API key (send `authorization: Bearer <key>`)";

/// Everything that can go wrong in this module. `Display` is for logs; see the module docs for
/// what clients see.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// No credentials were presented.
    #[error("no API key presented")]
    MissingKey,
    /// The presented string is not shaped like `mxgw_<id>_<secret>`. The string itself is not
    /// kept: it may be a real key with a typo.
    #[error("invalid API key: not of the form mxgw_<id>_<secret>")]
    MalformedKey,
    /// Well-formed key whose id is not in the store.
    #[error("invalid API key: unknown key id `{id}`")]
    UnknownKeyId {
        /// The (public) key id.
        id: String,
    },
    /// The key exists and the secret matched, but it was revoked.
    #[error("invalid API key: key `{id}` is revoked")]
    Revoked {
        /// The (public) key id.
        id: String,
    },
    /// The key exists but the secret does not match.
    #[error("invalid API key: wrong secret for key `{id}`")]
    WrongSecret {
        /// The (public) key id.
        id: String,
    },
    /// The key is valid but lacks the scope an operation needs.
    #[error("key `{key_id}` lacks scope `{required}`")]
    MissingScope {
        /// The key that was used.
        key_id: String,
        /// The scope the operation requires.
        required: Scope,
    },
    /// Key management named a key that does not exist (the text is redacted).
    #[error("no API key with id `{id}`")]
    NoSuchKey {
        /// What the caller gave, redacted.
        id: String,
    },
    /// A key name is empty, too long or contains control characters.
    #[error("invalid key name: {0}")]
    InvalidName(String),
    /// A key was requested with no scopes.
    #[error(
        "a key needs at least one scope; valid scopes are: {}",
        Scope::valid_names()
    )]
    NoScopes,
    /// A scope name did not parse.
    #[error(transparent)]
    InvalidScope(#[from] ParseScopeError),
    /// A tag allow-list pattern is empty or contains control characters.
    #[error("invalid tag pattern: {0}")]
    InvalidPattern(String),
    /// Reading or writing the state directory failed.
    #[error("cannot {op} {}: {source}", path.display())]
    Io {
        /// What was being attempted ("read", "write", "create directory", ...).
        op: &'static str,
        /// The file or directory involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// The keys file exists but cannot be understood. The gateway refuses to start rather than
    /// silently starting with no keys (which would trigger a new bootstrap admin key).
    #[error("key store {} is corrupt: {detail}", path.display())]
    Corrupt {
        /// The keys file.
        path: PathBuf,
        /// What is wrong (never contains secrets: the file holds none).
        detail: String,
    },
    /// The OS random number generator failed; no weaker fallback is used.
    #[error("OS random number generator failed: {0}")]
    Random(String),
}

impl AuthError {
    /// A stable, machine-friendly name of the error kind, for structured logs and metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            AuthError::MissingKey => "missing_key",
            AuthError::MalformedKey => "malformed_key",
            AuthError::UnknownKeyId { .. } => "unknown_key_id",
            AuthError::Revoked { .. } => "revoked_key",
            AuthError::WrongSecret { .. } => "wrong_secret",
            AuthError::MissingScope { .. } => "missing_scope",
            AuthError::NoSuchKey { .. } => "no_such_key",
            AuthError::InvalidName(_) => "invalid_name",
            AuthError::NoScopes => "no_scopes",
            AuthError::InvalidScope(_) => "invalid_scope",
            AuthError::InvalidPattern(_) => "invalid_pattern",
            AuthError::Io { .. } => "io",
            AuthError::Corrupt { .. } => "corrupt_store",
            AuthError::Random(_) => "random",
        }
    }

    /// Whether this is a "who are you" failure (gRPC `UNAUTHENTICATED`).
    pub fn is_unauthenticated(&self) -> bool {
        matches!(
            self,
            AuthError::MissingKey
                | AuthError::MalformedKey
                | AuthError::UnknownKeyId { .. }
                | AuthError::Revoked { .. }
                | AuthError::WrongSecret { .. }
        )
    }

    /// The text safe to send to a client. All bad-key kinds give [`INVALID_API_KEY`]; internal
    /// failures give a generic message (details belong in the server log).
    pub fn client_message(&self) -> String {
        match self {
            AuthError::MissingKey => MISSING_API_KEY.to_owned(),
            AuthError::MalformedKey
            | AuthError::UnknownKeyId { .. }
            | AuthError::Revoked { .. }
            | AuthError::WrongSecret { .. } => INVALID_API_KEY.to_owned(),
            AuthError::MissingScope { required, .. } => {
                format!("API key lacks the `{required}` scope")
            }
            AuthError::NoSuchKey { .. }
            | AuthError::InvalidName(_)
            | AuthError::NoScopes
            | AuthError::InvalidScope(_)
            | AuthError::InvalidPattern(_) => self.to_string(),
            AuthError::Io { .. } | AuthError::Corrupt { .. } | AuthError::Random(_) => {
                "internal key store error".to_owned()
            }
        }
    }

    /// The gRPC status for this error, built from [`AuthError::client_message`].
    pub fn to_status(&self) -> tonic::Status {
        let msg = self.client_message();
        match self {
            e if e.is_unauthenticated() => tonic::Status::unauthenticated(msg),
            AuthError::MissingScope { .. } => tonic::Status::permission_denied(msg),
            AuthError::NoSuchKey { .. } => tonic::Status::not_found(msg),
            AuthError::InvalidName(_)
            | AuthError::NoScopes
            | AuthError::InvalidScope(_)
            | AuthError::InvalidPattern(_) => tonic::Status::invalid_argument(msg),
            _ => tonic::Status::internal(msg),
        }
    }
}

impl From<AuthError> for tonic::Status {
    fn from(err: AuthError) -> Self {
        err.to_status()
    }
}

/// The authenticated identity behind a request: which key, its name and its scopes.
///
/// Cheap to clone (one `Arc`), so it can be attached to every request and stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal(Arc<PrincipalInner>);

#[derive(Debug, PartialEq, Eq)]
struct PrincipalInner {
    key_id: String,
    name: String,
    scopes: Vec<Scope>,
    allow_read: Vec<String>,
    allow_write: Vec<String>,
}

impl Principal {
    /// Builds a principal. The gateway gets principals from [`KeyStore::verify`]; this
    /// constructor exists for that and for tests of code that consumes principals.
    pub fn new(key_id: &str, name: &str, scopes: &[Scope]) -> Principal {
        Principal::with_constraints(key_id, name, scopes, &KeyOptions::default())
    }

    pub(crate) fn with_constraints(
        key_id: &str,
        name: &str,
        scopes: &[Scope],
        options: &KeyOptions,
    ) -> Principal {
        Principal(Arc::new(PrincipalInner {
            key_id: key_id.to_owned(),
            name: name.to_owned(),
            scopes: Scope::normalize(scopes),
            allow_read: options.allow_read.clone(),
            allow_write: options.allow_write.clone(),
        }))
    }

    /// The public key id.
    pub fn key_id(&self) -> &str {
        &self.0.key_id
    }

    /// The human-readable key name.
    pub fn name(&self) -> &str {
        &self.0.name
    }

    /// The scopes as stored (sorted, de-duplicated; `admin` is not expanded).
    pub fn scopes(&self) -> &[Scope] {
        &self.0.scopes
    }

    /// Whether this principal may do what `scope` gates. `admin` grants every scope.
    pub fn has(&self, scope: Scope) -> bool {
        Scope::granted_by(scope, &self.0.scopes)
    }

    /// [`Principal::has`] as a `Result`, for `?` in RPC handlers.
    pub fn require(&self, scope: Scope) -> Result<(), AuthError> {
        if self.has(scope) {
            Ok(())
        } else {
            Err(AuthError::MissingScope {
                key_id: self.0.key_id.clone(),
                required: scope,
            })
        }
    }

    /// Glob allow-list for reads (empty = no constraint), enforced by the session's worker.
    pub fn allow_read(&self) -> &[String] {
        &self.0.allow_read
    }

    /// Glob allow-list for writes (empty = no constraint), enforced by the session's worker.
    pub fn allow_write(&self) -> &[String] {
        &self.0.allow_write
    }
}

/// Extracts the key from an `authorization` header value `Bearer <key>`. The scheme is matched
/// case-insensitively and surrounding whitespace is trimmed. Returns `None` for another scheme or
/// an empty token (the caller reports that as [`AuthError::MissingKey`]).
pub fn extract_bearer(header_value: &str) -> Option<&str> {
    let value = header_value.trim();
    let (scheme, rest) = value.split_once(|c: char| c.is_ascii_whitespace())?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let token = rest.trim();
    (!token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_extraction() {
        let key = "mxgw_abcdefghij12_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef";
        assert_eq!(extract_bearer(&format!("Bearer {key}")), Some(key));
        assert_eq!(extract_bearer(&format!("bearer {key}")), Some(key));
        assert_eq!(extract_bearer(&format!("  BEARER \t {key}  ")), Some(key));
        assert_eq!(extract_bearer("Bearer"), None);
        assert_eq!(extract_bearer("Bearer   "), None);
        assert_eq!(extract_bearer(""), None);
        assert_eq!(extract_bearer(key), None);
        assert_eq!(extract_bearer(&format!("Basic {key}")), None);
        assert_eq!(extract_bearer(&format!("Bearerx {key}")), None);
    }

    #[test]
    fn principal_scopes_and_admin() {
        let reader = Principal::new("abcdefghij12", "reader", &[Scope::MxRead, Scope::MxRead]);
        assert_eq!(reader.scopes(), &[Scope::MxRead]);
        assert!(reader.has(Scope::MxRead));
        assert!(!reader.has(Scope::MxWrite));
        assert!(reader.require(Scope::MxRead).is_ok());
        let err = reader.require(Scope::Admin).expect_err("not admin");
        assert_eq!(err.kind(), "missing_scope");
        assert_eq!(err.to_status().code(), tonic::Code::PermissionDenied);

        let admin = Principal::new("abcdefghij13", "root", &[Scope::Admin]);
        for scope in Scope::ALL {
            assert!(admin.has(scope), "admin lacks {scope}");
        }
        let clone = admin.clone();
        assert_eq!(clone, admin);
    }

    #[test]
    fn bad_key_errors_look_the_same_to_clients() {
        let errors = [
            AuthError::MalformedKey,
            AuthError::UnknownKeyId {
                id: "abcdefghij12".into(),
            },
            AuthError::Revoked {
                id: "abcdefghij12".into(),
            },
            AuthError::WrongSecret {
                id: "abcdefghij12".into(),
            },
        ];
        let mut kinds = std::collections::HashSet::new();
        for e in &errors {
            assert!(e.is_unauthenticated());
            assert_eq!(e.client_message(), INVALID_API_KEY);
            let status = e.to_status();
            assert_eq!(status.code(), tonic::Code::Unauthenticated);
            assert_eq!(status.message(), INVALID_API_KEY);
            kinds.insert(e.kind());
        }
        assert_eq!(
            kinds.len(),
            errors.len(),
            "kinds must stay distinct for logs"
        );
        assert_eq!(
            AuthError::MissingKey.to_status().code(),
            tonic::Code::Unauthenticated
        );
    }
}

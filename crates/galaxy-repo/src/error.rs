//! Errors of the Galaxy Repository layer.
//!
//! [`Error`] is `Clone` (SQLite errors are held in an `Arc`) because the cache hands the
//! outcome of one load to every caller that coalesced onto it.
//! Nothing here ever contains a password: connection-string errors name keys and
//! positions, never values, and the SQL Server errors carry the server address only.

use std::sync::Arc;
use std::time::Duration;

/// Why a Galaxy Repository operation failed.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The galaxy model cannot be written as a ZB database (an unknown template,
    /// container or area, an attribute without a type, ...). Models a plant accepted
    /// never fail here.
    #[error("galaxy model cannot be stored in the repository: {0}")]
    Model(String),
    /// The embedded SQLite database failed.
    #[error("SQLite repository: {source}")]
    Sqlite {
        #[source]
        source: Arc<rusqlite::Error>,
    },
    /// The SQL Server connection string is malformed or asks for something unsupported.
    #[error("invalid SQL Server connection string: {0}")]
    ConnectionString(#[from] ConnectionStringError),
    /// No connection (TCP, TLS and login) within the configured connect timeout.
    #[error("could not connect to SQL Server at {address} within {timeout:?}")]
    ConnectTimeout { address: String, timeout: Duration },
    /// A query did not complete within the configured command timeout.
    #[error("SQL Server at {address} did not answer within {timeout:?}")]
    CommandTimeout { address: String, timeout: Duration },
    /// The SQL Server driver failed (network, TLS, login, or a query error).
    #[error("SQL Server at {address}: {source}")]
    SqlServer {
        address: String,
        #[source]
        source: tiberius::error::Error,
    },
    /// A row did not have the expected shape (a NULL or wrongly typed column, an
    /// unparseable deploy time).
    #[error("unexpected data in the Galaxy Repository: {0}")]
    Data(String),
    /// The blocking task that ran a SQLite query panicked or was cancelled.
    #[error("Galaxy Repository task failed: {0}")]
    Task(String),
}

impl From<rusqlite::Error> for Error {
    fn from(source: rusqlite::Error) -> Self {
        Error::Sqlite {
            source: Arc::new(source),
        }
    }
}

/// Why a SQL Server connection string was refused.
///
/// Messages name keys and character positions but never echo values, so a password
/// cannot leak through an error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectionStringError {
    #[error("the connection string is empty")]
    Empty,
    /// A `key=value` pair is malformed (no `=`, an empty key, an unterminated quote).
    #[error("malformed pair at character {position}: {reason}")]
    Syntax {
        position: usize,
        reason: &'static str,
    },
    #[error("unknown key {key:?}")]
    UnknownKey { key: String },
    /// The same setting given twice, possibly under two synonyms
    /// (`Server` and `Data Source`).
    #[error("{key:?} is given more than once")]
    DuplicateKey { key: String },
    #[error("invalid value for {key:?}: expected {expected}")]
    InvalidValue { key: String, expected: &'static str },
    #[error("no server: set Server (or Data Source), e.g. Server=tcp:grnode,1433")]
    MissingServer,
    /// `Server=np:...` and other transports than TCP.
    #[error("only TCP connections are supported (Server={protocol}:... is not)")]
    UnsupportedProtocol { protocol: String },
    #[error(
        "no credentials: set User ID and Password, or Integrated Security=true (Windows only)"
    )]
    MissingCredentials,
    #[error("Integrated Security cannot be combined with User ID or Password")]
    ConflictingCredentials,
    #[error("a User ID needs a Password")]
    MissingPassword,
    #[error("Integrated Security needs the gateway to run on Windows; use User ID and Password")]
    IntegratedSecurityUnsupported,
    #[error("TrustServerCertificate=true cannot be combined with TrustServerCertificateCA")]
    ConflictingTrust,
}

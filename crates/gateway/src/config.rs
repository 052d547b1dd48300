//! Gateway configuration: every limit is a named, documented value here.
//!
//! Precedence: command-line flag, then environment variable (`MXGATEWAY_*`,
//! declared below), then the default. The whole configuration is validated
//! before any port is bound; an invalid one exits with status 64.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Environment variable names, one prefix.
pub mod env {
    pub const LISTEN: &str = "MXGATEWAY_LISTEN";
    pub const STATE_DIR: &str = "MXGATEWAY_STATE_DIR";
    pub const GALAXY: &str = "MXGATEWAY_GALAXY";
    pub const WORKER_PATH: &str = "MXGATEWAY_WORKER_PATH";
    pub const TLS_CERT: &str = "MXGATEWAY_TLS_CERT";
    pub const TLS_KEY: &str = "MXGATEWAY_TLS_KEY";
    pub const LOG: &str = "MXGATEWAY_LOG";
    /// A SQL Server Galaxy Repository connection string (it may hold a password).
    pub const GALAXY_REPOSITORY: &str = "MXGATEWAY_GALAXY_REPOSITORY";
}

/// Default listen address: loopback only.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:5000";

/// Session and worker limits.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Most sessions (and so worker processes) at once.
    pub max_sessions: usize,
    /// A session with no call and no event stream for this long is closed.
    pub session_idle_timeout: Duration,
    /// Deadline of a command when the request gives none.
    pub default_command_timeout: Duration,
    /// Longest deadline a request may ask for.
    pub max_command_timeout: Duration,
    /// Events a session queues before it starts conflating data changes per item.
    pub event_queue_capacity: usize,
    /// Most events in one StreamEvents message.
    pub max_events_per_batch: usize,
    /// Largest gRPC message accepted or sent.
    pub max_message_bytes: usize,
    /// Most entries in one bulk command; advertised in OpenSession, a longer
    /// request is INVALID_ARGUMENT naming this limit.
    pub max_bulk_items: usize,
    /// How long a ReadBulk entry waits for its first data change when the
    /// request gives `timeout_ms = 0`.
    pub read_bulk_timeout: Duration,
    /// How often the gateway and each worker exchange heartbeats.
    pub heartbeat_interval: Duration,
    /// A worker silent for this long is declared hung and killed...
    pub heartbeat_grace: Duration,
    /// ...unless a command is in flight, which may defer the verdict up to this ceiling.
    pub heartbeat_ceiling: Duration,
    /// How long a worker may take to start and answer the handshake.
    pub worker_start_timeout: Duration,
    /// Alarm transitions one StreamAlarms call may fall behind (beyond its own
    /// channel) before it is resynchronized from a fresh snapshot.
    pub alarm_feed_capacity: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_sessions: 256,
            session_idle_timeout: Duration::from_secs(30 * 60),
            default_command_timeout: Duration::from_secs(10),
            max_command_timeout: Duration::from_secs(300),
            event_queue_capacity: 100_000,
            max_events_per_batch: 4096,
            max_message_bytes: 16 * 1024 * 1024,
            max_bulk_items: 10_000,
            read_bulk_timeout: Duration::from_secs(5),
            heartbeat_interval: Duration::from_millis(1000),
            heartbeat_grace: Duration::from_millis(5000),
            heartbeat_ceiling: Duration::from_secs(60),
            worker_start_timeout: Duration::from_secs(10),
            alarm_feed_capacity: mxgateway_sim::DEFAULT_ALARM_FEED_CAPACITY,
        }
    }
}

/// Where the simulated galaxy comes from.
#[derive(Debug, Clone, Default)]
pub enum GalaxySource {
    /// The demo galaxy shipped in the repository.
    #[default]
    Demo,
    /// A model file.
    File(PathBuf),
    /// A model built in memory (generated galaxies, tests).
    Model(Box<mxgateway_sim::GalaxyModel>),
}

/// Where the Galaxy Repository service reads from.
#[derive(Clone, Default)]
pub enum RepositorySource {
    /// An embedded SQLite copy of the simulated galaxy, rebuilt on every deploy.
    #[default]
    Simulated,
    /// A real Galaxy Repository: an ADO.NET-style SQL Server connection string.
    SqlServer(String),
}

impl std::fmt::Debug for RepositorySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RepositorySource::Simulated => f.write_str("Simulated"),
            // The connection string may carry a password.
            RepositorySource::SqlServer(_) => f.write_str("SqlServer(<redacted>)"),
        }
    }
}

/// TLS key material (PEM files).
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// Everything the gateway needs to run.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub state_dir: PathBuf,
    pub galaxy: GalaxySource,
    /// How to start workers; `None` runs this binary as `<binary> worker`.
    pub worker: Option<crate::worker::WorkerCommand>,
    pub tls: Option<TlsFiles>,
    /// Allow plaintext on a non-loopback address (never the default).
    pub allow_insecure_plaintext: bool,
    pub limits: Limits,
    pub repository: RepositorySource,
    pub galaxy_limits: crate::galaxy::GalaxyLimits,
}

/// A configuration that must not start.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "refusing to listen on non-loopback address {0} without TLS: pass --tls-cert and --tls-key, or \
         --allow-insecure-plaintext if you really mean it"
    )]
    PlaintextOnNetwork(SocketAddr),
    #[error("--tls-cert and --tls-key must be given together")]
    HalfTls,
    #[error("cannot read {what} {path}: {source}")]
    Unreadable {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid limit: {0}")]
    Limit(String),
}

impl Config {
    /// Defaults for a given state directory: loopback listener, demo galaxy.
    pub fn new(state_dir: PathBuf) -> Self {
        Config {
            listen: DEFAULT_LISTEN.parse().expect("valid default address"),
            state_dir,
            galaxy: GalaxySource::Demo,
            worker: None,
            tls: None,
            allow_insecure_plaintext: false,
            limits: Limits::default(),
            repository: RepositorySource::Simulated,
            galaxy_limits: crate::galaxy::GalaxyLimits::default(),
        }
    }

    /// Checks the rules that must hold before anything is bound or spawned.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.tls.is_none() && !self.listen.ip().is_loopback() && !self.allow_insecure_plaintext {
            return Err(ConfigError::PlaintextOnNetwork(self.listen));
        }
        if let Some(tls) = &self.tls {
            for (what, path) in [("TLS certificate", &tls.cert), ("TLS key", &tls.key)] {
                std::fs::metadata(path).map_err(|source| ConfigError::Unreadable {
                    what,
                    path: path.clone(),
                    source,
                })?;
            }
        }
        let l = &self.limits;
        if l.max_sessions == 0 || l.event_queue_capacity == 0 || l.max_events_per_batch == 0 {
            return Err(ConfigError::Limit(
                "session, queue and batch limits must be positive".into(),
            ));
        }
        if l.alarm_feed_capacity == 0 {
            return Err(ConfigError::Limit(
                "the alarm feed capacity must be positive".into(),
            ));
        }
        if l.heartbeat_interval.is_zero() || l.heartbeat_grace < l.heartbeat_interval {
            return Err(ConfigError::Limit(
                "the heartbeat grace must be at least one heartbeat interval".into(),
            ));
        }
        let g = &self.galaxy_limits;
        if g.default_page_size == 0
            || g.max_page_size < g.default_page_size
            || g.watch_buffer == 0
            || g.poll_interval.is_zero()
        {
            return Err(ConfigError::Limit(
                "galaxy page sizes, watch buffer and poll interval must be positive, and the \
                 maximum page at least the default"
                    .into(),
            ));
        }
        if l.heartbeat_ceiling < l.heartbeat_grace {
            return Err(ConfigError::Limit(
                "the heartbeat ceiling must be at least the grace".into(),
            ));
        }
        Ok(())
    }
}

/// The default state directory: `$MXGATEWAY_STATE_DIR`, else
/// `$XDG_STATE_HOME/mxgateway`, else `~/.local/state/mxgateway` (on Windows
/// `%LOCALAPPDATA%\mxgateway`), else `./mxgateway-state`.
pub fn default_state_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os(env::STATE_DIR) {
        return PathBuf::from(dir);
    }
    if let Some(dir) = std::env::var_os("XDG_STATE_HOME") {
        return PathBuf::from(dir).join("mxgateway");
    }
    if cfg!(windows) {
        if let Some(dir) = std::env::var_os("LOCALAPPDATA") {
            return PathBuf::from(dir).join("mxgateway");
        }
    }
    if let Some(home) = std::env::var_os("HOME") {
        return PathBuf::from(home).join(".local/state/mxgateway");
    }
    PathBuf::from("mxgateway-state")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plaintext_on_a_network_address_is_refused() {
        let mut c = Config::new(PathBuf::from("/tmp/x"));
        c.listen = "0.0.0.0:5000".parse().unwrap();
        assert!(matches!(
            c.validate(),
            Err(ConfigError::PlaintextOnNetwork(_))
        ));
        c.allow_insecure_plaintext = true;
        assert!(c.validate().is_ok());
        c.listen = "127.0.0.1:5000".parse().unwrap();
        c.allow_insecure_plaintext = false;
        assert!(c.validate().is_ok());
    }

    #[test]
    fn heartbeat_limits_are_checked() {
        let mut c = Config::new(PathBuf::from("/tmp/x"));
        c.limits.heartbeat_grace = Duration::from_millis(10);
        assert!(c.validate().is_err());
    }
}

//! The Galaxy Repository: what a galaxy contains, read from a ZB-shaped database.
//!
//! System Platform keeps a galaxy's configuration in a SQL Server database named after
//! the galaxy (the Galaxy Repository, "ZB"); browse tools query it rather than the
//! runtime. This crate does the same against two databases:
//! - the **embedded SQLite copy** of the simulated galaxy, written from its model in
//!   ZB's shape on every deploy ([`SqliteProvider`], [`build_sqlite`]), so that browse
//!   and runtime always agree and the real query logic is exercised;
//! - a **real Galaxy Repository** on SQL Server ([`SqlServerProvider`]), configured by
//!   an ADO.NET connection string ([`SqlServerConfig`]).
//!
//! Both run the same hierarchy query, rendered per [`Dialect`] ([`Queries`]), and the
//! same Rust code shapes the rows into [`GalaxyObject`]s; [`RepositoryCache`] keeps the
//! last result as an immutable [`Snapshot`] and reloads it only after a deploy.
//!
//! Layout:
//! - `schema`: the DDL; `populate`: model → rows (the conventions are documented
//!   there: base templates, packages, hierarchical names, extensions).
//! - `query`: the dialects, the statements and the shaping (the ordering is
//!   documented there).
//! - `sqlite`, `sqlserver` (+ `connstr`): the providers; `provider`: their trait.
//! - `cache`: snapshots and coalescing refreshes; `types`: the domain types;
//!   `time`: deploy times as text; `error`: [`Error`].
//!
//! This crate knows no wire format: the gateway converts [`GalaxyObject`] to
//! `mxgateway.v1.GalaxyObject`. The schema facts come from
//! `mxaccess-semantics.md` §7.

#![forbid(unsafe_code)]

mod cache;
mod connstr;
mod error;
mod populate;
mod provider;
mod query;
mod schema;
mod sqlite;
mod sqlserver;
mod time;
mod types;

pub use cache::{RefreshOutcome, Refreshed, RepositoryCache, Snapshot};
pub use connstr::{
    Encrypt, SqlServerAuth, SqlServerConfig, DEFAULT_APPLICATION_NAME, DEFAULT_COMMAND_TIMEOUT,
    DEFAULT_CONNECT_TIMEOUT, IGNORED_KEYS, MAX_TIMEOUT_SECONDS,
};
pub use error::{ConnectionStringError, Error};
pub use populate::{build_sqlite, write_galaxy};
pub use provider::{AnyProvider, GalaxyProvider};
pub use query::{Dialect, Queries, MAX_TEMPLATE_DEPTH};
pub use schema::{ALARM_EXTENSION, HISTORY_EXTENSION};
pub use sqlite::SqliteProvider;
pub use sqlserver::SqlServerProvider;
pub use types::{category, GalaxyAttribute, GalaxyObject, Hierarchy};

/// The provider name of the embedded SQLite copy, as `TestConnectionReply.provider`
/// reports it.
pub const SQLITE_PROVIDER: &str = "sqlite";
/// The provider name of a SQL Server repository.
pub const SQLSERVER_PROVIDER: &str = "sqlserver";

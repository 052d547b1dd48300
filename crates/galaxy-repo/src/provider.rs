//! Where a hierarchy comes from: the [`GalaxyProvider`] trait, and [`AnyProvider`] for
//! a gateway that chooses its provider from configuration.

use std::future::Future;

use mxgateway_mx::Timestamp;

use crate::sqlite::SqliteProvider;
use crate::sqlserver::SqlServerProvider;
use crate::types::Hierarchy;
use crate::Error;

/// A Galaxy Repository database that can be browsed.
pub trait GalaxyProvider: Send + Sync + 'static {
    /// `"sqlite"` (the embedded copy of the simulated galaxy) or `"sqlserver"`.
    fn name(&self) -> &'static str;

    /// Runs `SELECT 1`. Fails with a clear error (never hangs: connecting has a
    /// timeout) when the database cannot be reached.
    fn test_connection(&self) -> impl Future<Output = Result<(), Error>> + Send;

    /// `galaxy.time_of_last_deploy`; `None` when the galaxy was never deployed.
    fn last_deploy_time(&self) -> impl Future<Output = Result<Option<Timestamp>, Error>> + Send;

    /// The deployed hierarchy with every object's attributes, parents before children,
    /// together with the deploy time it was read at.
    fn hierarchy(&self) -> impl Future<Output = Result<Hierarchy, Error>> + Send;
}

/// One of the two providers, chosen at run time.
#[derive(Debug, Clone)]
pub enum AnyProvider {
    Sqlite(SqliteProvider),
    SqlServer(SqlServerProvider),
}

impl AnyProvider {
    /// The embedded provider, if that is what this is (deploys of the simulated galaxy
    /// rebuild it).
    pub fn as_sqlite(&self) -> Option<&SqliteProvider> {
        match self {
            AnyProvider::Sqlite(p) => Some(p),
            AnyProvider::SqlServer(_) => None,
        }
    }
}

impl From<SqliteProvider> for AnyProvider {
    fn from(p: SqliteProvider) -> Self {
        AnyProvider::Sqlite(p)
    }
}

impl From<SqlServerProvider> for AnyProvider {
    fn from(p: SqlServerProvider) -> Self {
        AnyProvider::SqlServer(p)
    }
}

impl GalaxyProvider for AnyProvider {
    fn name(&self) -> &'static str {
        match self {
            AnyProvider::Sqlite(p) => p.name(),
            AnyProvider::SqlServer(p) => p.name(),
        }
    }

    async fn test_connection(&self) -> Result<(), Error> {
        match self {
            AnyProvider::Sqlite(p) => p.test_connection().await,
            AnyProvider::SqlServer(p) => p.test_connection().await,
        }
    }

    async fn last_deploy_time(&self) -> Result<Option<Timestamp>, Error> {
        match self {
            AnyProvider::Sqlite(p) => p.last_deploy_time().await,
            AnyProvider::SqlServer(p) => p.last_deploy_time().await,
        }
    }

    async fn hierarchy(&self) -> Result<Hierarchy, Error> {
        match self {
            AnyProvider::Sqlite(p) => p.hierarchy().await,
            AnyProvider::SqlServer(p) => p.hierarchy().await,
        }
    }
}

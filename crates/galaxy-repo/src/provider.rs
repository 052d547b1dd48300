//! Where a hierarchy comes from: the [`GalaxyProvider`] trait.

use std::future::Future;

use mxgateway_mx::Timestamp;

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

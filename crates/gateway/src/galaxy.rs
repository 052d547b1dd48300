//! The Galaxy Repository behind the `GalaxyRepository` service: a provider
//! (the embedded SQLite copy of the simulated galaxy, or SQL Server), its
//! deploy-aware cache, and the deploy feed.
//!
//! How deploys travel:
//! - Simulated galaxy: a deploy replaces the plant's model
//!   ([`mxgateway_sim::Plant::deploy`]); the hub rebuilds the SQLite database
//!   from that model at the plant's deploy time, reloads the cache and then
//!   publishes one feed event, so a watcher that hears of a deploy can browse
//!   it at once. `DeploySimulatedGalaxy` applies the deploy synchronously; a
//!   background task also follows the plant's own deploy watch, so deploys
//!   made any other way are picked up too. Both paths go through
//!   [`GalaxyHub::sync_with_plant`], which applies each plant generation once.
//! - SQL Server: the hub polls `galaxy.time_of_last_deploy` every
//!   `galaxy_poll_interval`; a change reloads the cache and publishes an event.
//!
//! Browse pages are cut from one immutable snapshot; a page token carries the
//! snapshot generation, so a browse never mixes two deploys.

use std::sync::Arc;
use std::time::Duration;

use mxgateway_galaxy_repo::{
    AnyProvider, GalaxyObject, GalaxyProvider, RepositoryCache, Snapshot, SqlServerProvider,
    SqliteProvider,
};
use mxgateway_sim::{GalaxyModel, Plant};
use tokio::sync::{mpsc, Mutex};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{info, warn};

use crate::deploys::{decode_page_token, encode_page_token, DeployEvent, DeployFeed, DeployState};
use crate::error::GatewayError;

/// Browse and deploy-watch limits.
#[derive(Debug, Clone)]
pub struct GalaxyLimits {
    /// Objects per DiscoverHierarchy page when the request says 0.
    pub default_page_size: usize,
    /// Most objects per page, whatever the request says.
    pub max_page_size: usize,
    /// Deploy events buffered per WatchDeployEvents subscriber before they
    /// are dropped for it (it sees a sequence gap).
    pub watch_buffer: usize,
    /// How often a SQL Server repository is asked for its deploy time.
    pub poll_interval: Duration,
}

impl Default for GalaxyLimits {
    fn default() -> Self {
        GalaxyLimits {
            default_page_size: 500,
            max_page_size: 5_000,
            watch_buffer: 64,
            poll_interval: Duration::from_secs(30),
        }
    }
}

/// One page of the browse.
pub struct Page {
    pub objects: Vec<GalaxyObject>,
    /// Empty on the last page.
    pub next_page_token: String,
    pub total_objects: u64,
}

/// The outcome of `TestConnection`.
pub struct ConnectionTest {
    pub ok: bool,
    pub message: String,
    pub provider: &'static str,
}

/// The Galaxy Repository of one gateway.
pub struct GalaxyHub {
    cache: RepositoryCache<AnyProvider>,
    feed: DeployFeed,
    /// The simulated plant whose model the SQLite copy mirrors; `None` when
    /// browsing a real repository.
    plant: Option<Plant>,
    /// The plant deploy generation the repository shows; serializes syncs.
    synced_generation: Mutex<u64>,
    limits: GalaxyLimits,
}

fn state_of(snapshot: &Snapshot) -> DeployState {
    DeployState {
        time_of_last_deploy: snapshot.time_of_last_deploy,
        object_count: snapshot.object_count as u64,
        attribute_count: snapshot.attribute_count as u64,
    }
}

fn repo_error(e: mxgateway_galaxy_repo::Error) -> GatewayError {
    GatewayError::Internal(format!("galaxy repository: {e}"))
}

impl GalaxyHub {
    /// The embedded repository mirroring the simulated `plant`.
    pub async fn simulated(plant: Plant, limits: GalaxyLimits) -> Result<Arc<GalaxyHub>, String> {
        let (model, info) = plant.deployed();
        let provider = tokio::task::spawn_blocking(move || {
            SqliteProvider::new(&model, Some(info.time_of_last_deploy))
        })
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
        let cache = RepositoryCache::new(AnyProvider::from(provider));
        let snapshot = cache.refresh().await.map_err(|e| e.to_string())?.snapshot;
        Ok(Arc::new(GalaxyHub {
            feed: DeployFeed::new(state_of(&snapshot), limits.watch_buffer),
            cache,
            plant: Some(plant),
            synced_generation: Mutex::new(info.generation),
            limits,
        }))
    }

    /// A real Galaxy Repository on SQL Server. An unreachable database does
    /// not stop the gateway: browse is empty and TestConnection says why until
    /// a poll succeeds.
    pub async fn sql_server(
        connection_string: &str,
        limits: GalaxyLimits,
    ) -> Result<Arc<GalaxyHub>, String> {
        let provider = SqlServerProvider::new(connection_string).map_err(|e| e.to_string())?;
        let cache = RepositoryCache::new(AnyProvider::from(provider));
        if let Err(e) = cache.refresh().await {
            warn!(error = %e, "the Galaxy Repository is not reachable yet; browse is empty until it is");
        }
        let snapshot = cache.snapshot();
        Ok(Arc::new(GalaxyHub {
            feed: DeployFeed::new(state_of(&snapshot), limits.watch_buffer),
            cache,
            plant: None,
            synced_generation: Mutex::new(0),
            limits,
        }))
    }

    /// Starts the task that follows deploys (the plant's, or SQL Server polls).
    pub fn spawn_follower(self: &Arc<Self>, cancel: CancellationToken, tracker: &TaskTracker) {
        let hub = Arc::clone(self);
        match &self.plant {
            Some(plant) => {
                let mut deploys = plant.watch_deploys();
                tracker.spawn(async move {
                    loop {
                        tokio::select! {
                            _ = cancel.cancelled() => return,
                            changed = deploys.changed() => {
                                if changed.is_err() {
                                    return;
                                }
                                if let Err(e) = hub.sync_with_plant().await {
                                    warn!(error = %e, "cannot follow a simulated deploy");
                                }
                            }
                        }
                    }
                });
            }
            None => {
                tracker.spawn(async move {
                    let mut tick = tokio::time::interval(hub.limits.poll_interval);
                    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                    loop {
                        tokio::select! {
                            _ = cancel.cancelled() => return,
                            _ = tick.tick() => hub.poll().await,
                        }
                    }
                });
            }
        }
    }

    /// SQL Server: reload when the deploy time changed, and tell the watchers.
    async fn poll(&self) {
        let _serial = self.synced_generation.lock().await;
        let before = self.cache.snapshot().generation;
        match self.cache.refresh().await {
            Ok(r) if r.snapshot.generation != before => {
                info!(
                    objects = r.snapshot.object_count,
                    "the Galaxy Repository reports a new deploy"
                );
                self.feed.publish(state_of(&r.snapshot));
            }
            Ok(_) => {}
            Err(e) => warn!(error = %e, "cannot poll the Galaxy Repository"),
        }
    }

    /// Brings the SQLite copy, the cache and the feed up to the plant's
    /// current deploy; a generation already applied is not applied again.
    pub async fn sync_with_plant(&self) -> Result<Option<DeployEvent>, GatewayError> {
        let Some(plant) = &self.plant else {
            return Ok(None);
        };
        let Some(sqlite) = self.cache.provider().as_sqlite() else {
            return Ok(None);
        };
        let mut synced = self.synced_generation.lock().await;
        let (model, info) = plant.deployed();
        if info.generation <= *synced {
            return Ok(None);
        }
        sqlite
            .rebuild(model, info.time_of_last_deploy)
            .await
            .map_err(repo_error)?;
        let snapshot = self.cache.reload().await.map_err(repo_error)?.snapshot;
        *synced = info.generation;
        let event = self.feed.publish(state_of(&snapshot));
        info!(
            generation = info.generation,
            sequence = event.sequence,
            objects = snapshot.object_count,
            "simulated galaxy deployed"
        );
        Ok(Some(event))
    }

    /// Replaces the simulated galaxy's model and returns the deploy's event.
    pub async fn deploy_simulated(&self, model_toml: &str) -> Result<DeployEvent, GatewayError> {
        let Some(plant) = &self.plant else {
            return Err(GatewayError::FailedPrecondition(
                "this gateway browses a real Galaxy Repository; deploy from the System Platform IDE"
                    .into(),
            ));
        };
        let model = GalaxyModel::from_toml_str(model_toml, "<deploy request>")
            .map_err(|e| GatewayError::InvalidArgument(format!("invalid galaxy model: {e}")))?;
        let plant = plant.clone();
        tokio::task::spawn_blocking(move || plant.deploy(model))
            .await
            .map_err(|e| GatewayError::Internal(format!("deploy task failed: {e}")))?
            .map_err(|e| GatewayError::InvalidArgument(format!("invalid galaxy model: {e}")))?;
        match self.sync_with_plant().await? {
            Some(event) => Ok(event),
            // The follower task applied it first.
            None => Ok(self.feed.current()),
        }
    }

    pub async fn test_connection(&self) -> ConnectionTest {
        let provider = self.cache.provider();
        let result = provider.test_connection().await;
        ConnectionTest {
            ok: result.is_ok(),
            message: result.err().map(|e| e.to_string()).unwrap_or_default(),
            provider: provider.name(),
        }
    }

    /// The deploy the repository shows now.
    pub fn current(&self) -> DeployEvent {
        self.feed.current()
    }

    /// A new deploy watcher.
    pub fn watch(&self, last_seen: Option<mxgateway_mx::Timestamp>) -> mpsc::Receiver<DeployEvent> {
        self.feed.subscribe(last_seen)
    }

    /// One browse page.
    pub fn page(&self, page_size: usize, page_token: &str) -> Result<Page, GatewayError> {
        let snapshot = self.cache.snapshot();
        let offset = if page_token.is_empty() {
            0
        } else {
            decode_page_token(page_token, snapshot.generation)?
        };
        if offset > snapshot.objects.len() {
            return Err(GatewayError::InvalidArgument(format!(
                "invalid page token {page_token:?}"
            )));
        }
        let size = match page_size {
            0 => self.limits.default_page_size,
            n => n.min(self.limits.max_page_size),
        };
        let end = (offset + size).min(snapshot.objects.len());
        Ok(Page {
            objects: snapshot.objects[offset..end].to_vec(),
            next_page_token: if end < snapshot.objects.len() {
                encode_page_token(snapshot.generation, end)
            } else {
                String::new()
            },
            total_objects: snapshot.objects.len() as u64,
        })
    }
}

//! The repository cache: the last browse as one immutable [`Snapshot`], reloaded only
//! when the galaxy was deployed since.
//!
//! Readers call [`RepositoryCache::snapshot`] and keep the `Arc` as long as they like
//! (a paged browse holds one across pages): a snapshot is never modified, a refresh
//! builds a new one completely and then swaps the pointer, so a reader sees the old
//! galaxy or the new one, never a mix, and never waits for a load.
//!
//! Refreshes are serialised and coalesce: a call that arrives while another refresh
//! runs waits for it, and then returns the result of the first refresh that *started
//! after it arrived* if one has finished meanwhile, instead of loading again. So any
//! number of concurrent callers cause at most two loads, and every caller's answer
//! reflects the database as it was at some point after the call.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use mxgateway_mx::Timestamp;

use crate::provider::GalaxyProvider;
use crate::types::{GalaxyObject, Hierarchy};
use crate::Error;

/// One complete, immutable browse result.
#[derive(Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// 1 for the first load, +1 per load; 0 means nothing was loaded yet.
    pub generation: u64,
    /// The deploy this snapshot shows; `None` if the galaxy was never deployed.
    pub time_of_last_deploy: Option<Timestamp>,
    /// Parents before children (see `query.rs`).
    pub objects: Vec<GalaxyObject>,
    pub object_count: usize,
    pub attribute_count: usize,
}

impl Snapshot {
    /// Nothing loaded yet (generation 0).
    pub fn empty() -> Snapshot {
        Snapshot {
            generation: 0,
            time_of_last_deploy: None,
            objects: Vec::new(),
            object_count: 0,
            attribute_count: 0,
        }
    }

    fn new(generation: u64, hierarchy: Hierarchy) -> Snapshot {
        Snapshot {
            generation,
            time_of_last_deploy: hierarchy.time_of_last_deploy,
            object_count: hierarchy.objects.len(),
            attribute_count: hierarchy.attribute_count(),
            objects: hierarchy.objects,
        }
    }

    /// Whether a load has succeeded at least once.
    pub fn is_loaded(&self) -> bool {
        self.generation > 0
    }
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The objects can number hundreds of thousands: show the counts only.
        f.debug_struct("Snapshot")
            .field("generation", &self.generation)
            .field("time_of_last_deploy", &self.time_of_last_deploy)
            .field("object_count", &self.object_count)
            .field("attribute_count", &self.attribute_count)
            .finish_non_exhaustive()
    }
}

/// What a refresh did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshOutcome {
    /// A new snapshot was loaded (the first one, a new deploy, or a forced reload).
    Loaded,
    /// The deploy time had not changed; the current snapshot stays.
    Unchanged,
}

/// The answer to [`RepositoryCache::refresh`].
#[derive(Debug, Clone)]
pub struct Refreshed {
    /// The current snapshot after the refresh.
    pub snapshot: Arc<Snapshot>,
    pub outcome: RefreshOutcome,
    /// This call waited for another caller's refresh and shares its result.
    pub coalesced: bool,
}

/// A deploy-aware cache of a provider's hierarchy.
pub struct RepositoryCache<P> {
    provider: P,
    current: RwLock<Arc<Snapshot>>,
    /// Loads started so far. A caller notes it on arrival; a finished refresh with a
    /// higher number started after the caller arrived and can answer for it.
    started: AtomicU64,
    /// Held for the duration of a refresh; remembers the last one's result.
    refresh: tokio::sync::Mutex<LastRefresh>,
}

#[derive(Default)]
struct LastRefresh {
    number: u64,
    forced: bool,
    result: Option<Result<Refreshed, Error>>,
}

impl<P: std::fmt::Debug> std::fmt::Debug for RepositoryCache<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RepositoryCache")
            .field("provider", &self.provider)
            .field("snapshot", &self.snapshot())
            .finish_non_exhaustive()
    }
}

impl<P> RepositoryCache<P> {
    /// An empty cache (generation 0); nothing is read until the first refresh.
    pub fn new(provider: P) -> RepositoryCache<P> {
        RepositoryCache {
            provider,
            current: RwLock::new(Arc::new(Snapshot::empty())),
            started: AtomicU64::new(0),
            refresh: tokio::sync::Mutex::new(LastRefresh::default()),
        }
    }

    pub fn provider(&self) -> &P {
        &self.provider
    }

    /// The current snapshot. Never waits for a refresh.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        Arc::clone(&self.current.read().unwrap_or_else(PoisonError::into_inner))
    }
}

impl<P: GalaxyProvider> RepositoryCache<P> {
    /// Loads the hierarchy if nothing is loaded yet or the provider's deploy time
    /// differs from the snapshot's; otherwise keeps the snapshot. On error the
    /// current snapshot stays.
    pub async fn refresh(&self) -> Result<Refreshed, Error> {
        self.run(false).await
    }

    /// Loads the hierarchy whatever the deploy time says.
    pub async fn reload(&self) -> Result<Refreshed, Error> {
        self.run(true).await
    }

    async fn run(&self, force: bool) -> Result<Refreshed, Error> {
        let ticket = self.started.load(Ordering::SeqCst);
        let mut last = self.refresh.lock().await;
        if last.number > ticket && (last.forced || !force) {
            if let Some(result) = &last.result {
                return result.clone().map(|r| Refreshed {
                    coalesced: true,
                    ..r
                });
            }
        }
        // A refresh cancelled half-way leaves `last` as it was: the number is
        // spent, its result never recorded, and later callers load again.
        let number = self.started.fetch_add(1, Ordering::SeqCst) + 1;
        let result = self.load(force).await;
        *last = LastRefresh {
            number,
            forced: force,
            result: Some(result.clone()),
        };
        result
    }

    async fn load(&self, force: bool) -> Result<Refreshed, Error> {
        let current = self.snapshot();
        if !force && current.is_loaded() {
            let time = self.provider.last_deploy_time().await?;
            if time == current.time_of_last_deploy {
                return Ok(Refreshed {
                    snapshot: current,
                    outcome: RefreshOutcome::Unchanged,
                    coalesced: false,
                });
            }
        }
        let hierarchy = self.provider.hierarchy().await?;
        let snapshot = Arc::new(Snapshot::new(current.generation + 1, hierarchy));
        tracing::debug!(
            provider = self.provider.name(),
            generation = snapshot.generation,
            objects = snapshot.object_count,
            attributes = snapshot.attribute_count,
            "galaxy repository snapshot loaded"
        );
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Arc::clone(&snapshot);
        Ok(Refreshed {
            snapshot,
            outcome: RefreshOutcome::Loaded,
            coalesced: false,
        })
    }
}

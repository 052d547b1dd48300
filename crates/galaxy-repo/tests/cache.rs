//! The repository cache: reloads only after a deploy, coalesces concurrent refreshes,
//! keeps the last good snapshot on errors, and never shows readers a partial one.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mxgateway_galaxy_repo::{
    category, Error, GalaxyAttribute, GalaxyObject, GalaxyProvider, Hierarchy, RefreshOutcome,
    RepositoryCache, SqliteProvider,
};
use mxgateway_mx::{DataType, SecurityClassification, Timestamp};
use mxgateway_sim::GalaxyModel;
use tokio::sync::Semaphore;

/// A provider whose deploy time the test sets, whose loads can be held at a gate, and
/// which counts its calls. Clones share the script.
#[derive(Clone, Default)]
struct Scripted(Arc<Script>);

struct Script {
    deploy: Mutex<Option<Timestamp>>,
    fail: AtomicBool,
    gated: AtomicBool,
    gate: Semaphore,
    loads_started: AtomicUsize,
    deploy_reads: AtomicUsize,
}

impl Default for Script {
    fn default() -> Self {
        Script {
            deploy: Mutex::new(None),
            fail: AtomicBool::new(false),
            gated: AtomicBool::new(false),
            gate: Semaphore::new(0),
            loads_started: AtomicUsize::new(0),
            deploy_reads: AtomicUsize::new(0),
        }
    }
}

impl std::ops::Deref for Scripted {
    type Target = Script;

    fn deref(&self) -> &Script {
        &self.0
    }
}

impl Script {
    fn set_deploy(&self, seconds: i64) {
        *self.deploy.lock().unwrap() = Some(Timestamp::from_parts(seconds, 0));
    }

    async fn wait_for_loads(&self, n: usize) {
        while self.loads_started.load(Ordering::SeqCst) < n {
            tokio::task::yield_now().await;
        }
    }
}

fn one_object(tag: &str) -> GalaxyObject {
    GalaxyObject {
        gobject_id: 1,
        tag_name: tag.into(),
        contained_name: String::new(),
        hierarchical_name: tag.into(),
        browse_name: tag.into(),
        parent_gobject_id: 0,
        parent_tag_name: String::new(),
        area_tag_name: String::new(),
        template_chain: vec!["$UserDefined".into()],
        category_id: category::APPLICATION_OBJECT,
        category: "ApplicationObject".into(),
        attributes: vec![GalaxyAttribute {
            attribute_name: "PV".into(),
            full_tag_reference: format!("{tag}.PV"),
            data_type: DataType::Double,
            is_array: false,
            security: SecurityClassification::FreeAccess,
            raw_security_classification: 0,
            is_alarm: false,
            is_historized: false,
        }],
    }
}

impl GalaxyProvider for Scripted {
    fn name(&self) -> &'static str {
        "scripted"
    }

    async fn test_connection(&self) -> Result<(), Error> {
        Ok(())
    }

    async fn last_deploy_time(&self) -> Result<Option<Timestamp>, Error> {
        self.deploy_reads.fetch_add(1, Ordering::SeqCst);
        Ok(*self.deploy.lock().unwrap())
    }

    async fn hierarchy(&self) -> Result<Hierarchy, Error> {
        let n = self.loads_started.fetch_add(1, Ordering::SeqCst) + 1;
        let time = *self.deploy.lock().unwrap();
        if self.gated.load(Ordering::SeqCst) {
            self.gate.acquire().await.unwrap().forget();
        }
        if self.fail.load(Ordering::SeqCst) {
            return Err(Error::Data("scripted failure".into()));
        }
        Ok(Hierarchy {
            time_of_last_deploy: time,
            objects: vec![one_object(&format!("Load{n}"))],
        })
    }
}

#[tokio::test]
async fn refresh_loads_once_per_deploy() {
    let provider = Scripted::default();
    let cache = RepositoryCache::new(provider.clone());
    let empty = cache.snapshot();
    assert_eq!((empty.generation, empty.object_count), (0, 0));
    assert!(!empty.is_loaded());

    // Never deployed (NULL time) still loads once, then is unchanged.
    let first = cache.refresh().await.unwrap();
    assert_eq!(first.outcome, RefreshOutcome::Loaded);
    assert_eq!(first.snapshot.generation, 1);
    assert_eq!(first.snapshot.time_of_last_deploy, None);
    assert_eq!(
        (first.snapshot.object_count, first.snapshot.attribute_count),
        (1, 1)
    );
    let again = cache.refresh().await.unwrap();
    assert_eq!(again.outcome, RefreshOutcome::Unchanged);
    assert!(Arc::ptr_eq(&again.snapshot, &first.snapshot));
    assert_eq!(provider.loads_started.load(Ordering::SeqCst), 1);

    provider.set_deploy(100);
    let deployed = cache.refresh().await.unwrap();
    assert_eq!(deployed.outcome, RefreshOutcome::Loaded);
    assert_eq!(deployed.snapshot.generation, 2);
    assert_eq!(
        deployed.snapshot.time_of_last_deploy,
        Some(Timestamp::from_parts(100, 0))
    );
    assert_eq!(deployed.snapshot.objects[0].tag_name, "Load2");
    for _ in 0..3 {
        assert_eq!(
            cache.refresh().await.unwrap().outcome,
            RefreshOutcome::Unchanged
        );
    }
    assert_eq!(provider.loads_started.load(Ordering::SeqCst), 2);
    assert_eq!(provider.deploy_reads.load(Ordering::SeqCst), 5);
    assert!(Arc::ptr_eq(&cache.snapshot(), &deployed.snapshot));

    // A forced reload loads whatever the time says.
    let reloaded = cache.reload().await.unwrap();
    assert_eq!(
        (reloaded.outcome, reloaded.snapshot.generation),
        (RefreshOutcome::Loaded, 3)
    );
}

#[tokio::test]
async fn concurrent_refreshes_coalesce_onto_one_later_load() {
    let provider = Scripted::default();
    provider.gated.store(true, Ordering::SeqCst);
    let cache = Arc::new(RepositoryCache::new(provider.clone()));

    let first = tokio::spawn({
        let cache = Arc::clone(&cache);
        async move { cache.reload().await }
    });
    provider.wait_for_loads(1).await;

    // Ten callers arrive while the first load runs.
    let waiters: Vec<_> = (0..10)
        .map(|_| {
            let cache = Arc::clone(&cache);
            tokio::spawn(async move { cache.reload().await })
        })
        .collect();
    for _ in 0..50 {
        tokio::task::yield_now().await;
    }
    assert_eq!(provider.loads_started.load(Ordering::SeqCst), 1);

    // The first load finishes; one waiter loads again (the first load may have read
    // the database before the waiters asked), and the nine others share its result.
    provider.gate.add_permits(1);
    provider.wait_for_loads(2).await;
    provider.gate.add_permits(1);

    let first = first.await.unwrap().unwrap();
    assert_eq!((first.snapshot.generation, first.coalesced), (1, false));
    let mut coalesced = 0;
    for waiter in waiters {
        let r = waiter.await.unwrap().unwrap();
        assert_eq!(r.snapshot.generation, 2);
        assert_eq!(r.outcome, RefreshOutcome::Loaded);
        coalesced += usize::from(r.coalesced);
    }
    assert_eq!(coalesced, 9);
    assert_eq!(provider.loads_started.load(Ordering::SeqCst), 2);
    assert_eq!(cache.snapshot().generation, 2);
}

#[tokio::test]
async fn a_failed_refresh_keeps_the_snapshot_and_reaches_every_coalesced_caller() {
    let provider = Scripted::default();
    let cache = Arc::new(RepositoryCache::new(provider.clone()));
    provider.set_deploy(1);
    let good = cache.refresh().await.unwrap().snapshot;

    provider.set_deploy(2);
    provider.fail.store(true, Ordering::SeqCst);
    provider.gated.store(true, Ordering::SeqCst);
    let running = tokio::spawn({
        let cache = Arc::clone(&cache);
        async move { cache.refresh().await }
    });
    provider.wait_for_loads(2).await;
    // These arrive during the failing load: one of them retries (and fails too), the
    // others get that retry's error.
    let waiters: Vec<_> = (0..4)
        .map(|_| {
            let cache = Arc::clone(&cache);
            tokio::spawn(async move { cache.refresh().await })
        })
        .collect();
    for _ in 0..50 {
        tokio::task::yield_now().await;
    }
    provider.gate.add_permits(2);
    for task in std::iter::once(running).chain(waiters) {
        let err = task.await.unwrap().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unexpected data in the Galaxy Repository: scripted failure"
        );
    }
    assert_eq!(provider.loads_started.load(Ordering::SeqCst), 3);
    assert!(Arc::ptr_eq(&cache.snapshot(), &good));

    // Once the database recovers, the next refresh loads the new deploy.
    provider.fail.store(false, Ordering::SeqCst);
    provider.gate.add_permits(1);
    let recovered = cache.refresh().await.unwrap();
    assert_eq!(recovered.snapshot.generation, 2);
    assert_eq!(
        recovered.snapshot.time_of_last_deploy,
        Some(Timestamp::from_parts(2, 0))
    );
}

/// Readers on several threads check every snapshot they see for internal consistency
/// while deploys alternate between two galaxies and several tasks refresh at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn readers_always_see_a_complete_snapshot_during_refreshes() {
    const DEPLOYS: i64 = 40;
    let demo = Arc::new(GalaxyModel::demo());
    let generated = Arc::new(GalaxyModel::generated(200, 3, 1000));
    // Deploys at an even second are the demo (18 objects, 71 attributes); odd ones the
    // generated galaxy (206 objects, 600 attributes).
    let expected = |time: Option<Timestamp>| match time.map(|t| t.seconds() % 2) {
        Some(0) => (18, 71),
        Some(_) => (206, 600),
        None => unreachable!("every deploy has a time"),
    };
    let provider = SqliteProvider::new(&demo, Some(Timestamp::from_parts(0, 0))).unwrap();
    let cache = Arc::new(RepositoryCache::new(provider.clone()));
    cache.refresh().await.unwrap();

    let done = Arc::new(AtomicBool::new(false));
    let checks = Arc::new(AtomicU64::new(0));
    let readers: Vec<_> = (0..3)
        .map(|_| {
            let (cache, done, checks) =
                (Arc::clone(&cache), Arc::clone(&done), Arc::clone(&checks));
            tokio::spawn(async move {
                let mut last_generation = 0;
                while !done.load(Ordering::SeqCst) {
                    let s = cache.snapshot();
                    assert!(s.generation >= last_generation, "generations never go back");
                    last_generation = s.generation;
                    let attributes: usize = s.objects.iter().map(|o| o.attributes.len()).sum();
                    assert_eq!(
                        (s.objects.len(), attributes),
                        (s.object_count, s.attribute_count)
                    );
                    assert_eq!(
                        (s.object_count, s.attribute_count),
                        expected(s.time_of_last_deploy)
                    );
                    checks.fetch_add(1, Ordering::SeqCst);
                    tokio::task::yield_now().await;
                }
            })
        })
        .collect();
    let refreshers: Vec<_> = (0..3)
        .map(|_| {
            let (cache, done) = (Arc::clone(&cache), Arc::clone(&done));
            tokio::spawn(async move {
                while !done.load(Ordering::SeqCst) {
                    cache.refresh().await.unwrap();
                    tokio::task::yield_now().await;
                }
            })
        })
        .collect();
    for second in 1..=DEPLOYS {
        let model = if second % 2 == 0 { &demo } else { &generated };
        provider
            .rebuild(Arc::clone(model), Timestamp::from_parts(second, 0))
            .await
            .unwrap();
        cache.refresh().await.unwrap();
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    done.store(true, Ordering::SeqCst);
    for task in readers.into_iter().chain(refreshers) {
        task.await.unwrap();
    }
    let last = cache.snapshot();
    assert_eq!(
        last.time_of_last_deploy,
        Some(Timestamp::from_parts(DEPLOYS, 0))
    );
    assert_eq!((last.object_count, last.attribute_count), (18, 71));
    assert!(last.generation > DEPLOYS as u64 / 2, "{last:?}");
    assert!(checks.load(Ordering::SeqCst) > 0);
}

//! The shared runtime: one state for the whole simulated galaxy, any number of
//! subscriber connections (one per worker link), signal generators, and fault
//! injection.
//!
//! Concurrency design:
//! - All point values, subscriptions and connection bookkeeping live in one
//!   `State` behind a `std::sync::Mutex`. It is never held across an `.await`, and
//!   every critical section is short and allocation-light.
//! - Each connection has its own bounded [`ConflatingQueue`] (own mutex) and a
//!   [`Notify`]. The plant pushes into queues while holding the state lock, which
//!   keeps every subscriber's updates in the order the values changed, but it wakes
//!   consumers only after releasing it. A consumer that never drains cannot block
//!   anyone: its queue conflates per subscription and keeps the latest value.
//! - Changes of one scan tick (or one write, or one fault) are batched per
//!   connection and pushed under one queue lock.
//!
//! Invariant: the fan-out scratch (`Fanout`) is empty whenever the state lock is
//! free; every operation that fills it flushes before unlocking.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use mxgateway_mx::{
    detail, quality, ConflatingQueue, DataType, MxStatus, MxValue, StatusCategory, StatusSource,
    Timestamp, Vtq,
};
use tokio::sync::Notify;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::convert::{convert_array, convert_scalar, element, set_element};
use crate::error::{AuthError, ModelError, PlantError};
use crate::galaxy::{Builtin, Galaxy, ObjectId, PointId};
use crate::generator::StepContext;
use crate::model::GalaxyModel;
use crate::reference::{self, Resolved, Selector};
use crate::security::{authorize_write, WriteIdentity, OPEN_SECURITY_USER_ID};

/// Default bound of a connection's update queue (entries before it starts to conflate).
pub const DEFAULT_QUEUE_CAPACITY: usize = 65_536;

/// Runtime settings of a plant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlantConfig {
    /// Live entries a connection's queue holds before it conflates per subscription.
    pub queue_capacity: usize,
}

impl Default for PlantConfig {
    fn default() -> Self {
        PlantConfig {
            queue_capacity: DEFAULT_QUEUE_CAPACITY,
        }
    }
}

/// A data change for one subscription.
#[derive(Debug, Clone, PartialEq)]
pub struct Update {
    pub sub_id: u64,
    pub vtq: Vtq,
    /// OK for data (whatever the quality); a failure when the reference did not
    /// resolve or the runtime is disconnected.
    pub status: MxStatus,
    /// The attribute's type (`Unknown` when the reference did not resolve).
    pub data_type: DataType,
}

/// A write as MXAccess's Write, Write2, WriteSecured and WriteSecured2 express it.
#[derive(Debug, Clone, PartialEq)]
pub struct WriteRequest {
    pub value: MxValue,
    /// Write2 / WriteSecured2; the plant uses the current time when absent.
    pub timestamp: Option<Timestamp>,
    pub user_id: i32,
    pub verifier_user_id: i32,
    /// WriteSecured / WriteSecured2.
    pub secured: bool,
}

/// Counts for diagnostics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlantStats {
    pub objects: usize,
    pub points: usize,
    pub connections: usize,
    pub subscriptions: usize,
    pub connected: bool,
}

/// The status every delivery carries while the runtime is disconnected.
fn comm_failure() -> MxStatus {
    MxStatus::failure(
        StatusCategory::CommunicationError,
        StatusSource::RequestingLmx,
        detail::PLATFORM_COMMUNICATION_ERROR,
    )
}

fn operational_error(code: i16) -> MxStatus {
    MxStatus::failure(
        StatusCategory::OperationalError,
        StatusSource::RespondingAutomationObject,
        code,
    )
}

// === state ===

/// One subscriber of a point.
#[derive(Debug, Clone, Copy)]
struct Sub {
    conn: u32,
    selector: Selector,
    sub_id: u64,
}

/// The runtime value of one attribute. Subscribers are boxed so that the million
/// points nobody watches cost one pointer, not an empty `Vec`.
struct PointState {
    value: MxValue,
    timestamp: Timestamp,
    quality: i32,
    // A thin pointer on purpose: `Vec` itself is three words on every point.
    #[allow(clippy::box_collection)]
    subs: Option<Box<Vec<Sub>>>,
}

#[derive(Clone, Copy, Default)]
struct ObjectRt {
    /// Set off scan by fault injection.
    off_scan_self: bool,
    /// Off scan itself or through its container, host or area.
    off_scan: bool,
}

struct SubEntry {
    /// Kept so that a later deploy can resolve the subscription again.
    #[allow(dead_code)]
    reference: Box<str>,
    #[allow(dead_code)]
    context: Box<str>,
    #[allow(dead_code)]
    supervisory: bool,
    target: Option<Resolved>,
}

struct ConnEntry {
    shared: Arc<ConnShared>,
    subs: HashMap<u64, SubEntry>,
    /// User ids `authenticate` returned on this connection.
    authenticated: Vec<i32>,
}

/// The consumer side of a connection, shared between the plant and [`Updates`].
struct ConnShared {
    label: Box<str>,
    queue: Mutex<ConflatingQueue<u64, Update>>,
    notify: Notify,
    closed: AtomicBool,
}

/// Per-connection batches being built under the state lock.
#[derive(Default)]
struct Fanout {
    batches: Vec<Vec<Update>>,
    touched: Vec<u32>,
}

impl Fanout {
    fn add(&mut self, conn: u32, update: Update) {
        let batch = &mut self.batches[conn as usize];
        if batch.is_empty() {
            self.touched.push(conn);
        }
        batch.push(update);
    }

    /// Moves every batch into its connection's queue; returns whom to wake.
    fn flush(&mut self, conns: &[Option<ConnEntry>]) -> Vec<Arc<ConnShared>> {
        let mut wake = Vec::with_capacity(self.touched.len());
        for conn in self.touched.drain(..) {
            let batch = &mut self.batches[conn as usize];
            if let Some(entry) = &conns[conn as usize] {
                let mut queue = lock(&entry.shared.queue);
                for update in batch.drain(..) {
                    queue.push(Some(update.sub_id), update);
                }
                wake.push(Arc::clone(&entry.shared));
            }
            batch.clear();
            // A burst must not pin its peak memory for the connection's lifetime.
            if batch.capacity() > 16_384 {
                batch.shrink_to(1024);
            }
        }
        wake
    }
}

struct State {
    galaxy: Arc<Galaxy>,
    points: Vec<PointState>,
    objects: Vec<ObjectRt>,
    /// Scans done per scan group (parallel to `galaxy.scan_groups`).
    ticks: Vec<u64>,
    connected: bool,
    conns: Vec<Option<ConnEntry>>,
    free_slots: Vec<u32>,
    fanout: Fanout,
}

/// Builds the update a subscriber sees for a point right now.
fn delivery(
    ps: &PointState,
    selector: Selector,
    sub_id: u64,
    data_type: DataType,
    out_of_service: bool,
    connected: bool,
) -> Update {
    let value = match selector {
        Selector::Element(i) => element(&ps.value, i as usize).unwrap_or_default(),
        Selector::Value | Selector::WholeArray => ps.value.clone(),
    };
    let (quality, status) = if !connected {
        (quality::BAD_COMM_FAILURE, comm_failure())
    } else if out_of_service {
        (quality::BAD_OUT_OF_SERVICE, MxStatus::OK)
    } else {
        (ps.quality, MxStatus::OK)
    };
    Update {
        sub_id,
        vtq: Vtq {
            value,
            quality,
            timestamp: ps.timestamp,
        },
        status,
        data_type,
    }
}

fn remove_sub(ps: &mut PointState, conn: u32, sub_id: u64) {
    if let Some(subs) = &mut ps.subs {
        subs.retain(|s| !(s.conn == conn && s.sub_id == sub_id));
        if subs.is_empty() {
            ps.subs = None;
        }
    }
}

/// Locks a mutex, recovering from poisoning: plant state stays consistent between
/// statements, and one panicking caller must not take the whole galaxy down.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl State {
    fn new(galaxy: Galaxy) -> State {
        let now = Timestamp::now();
        let mut points = Vec::with_capacity(galaxy.point_count as usize);
        for obj in &galaxy.objects {
            for meta in &obj.schema.attrs {
                points.push(PointState {
                    value: meta.initial.clone(),
                    timestamp: now,
                    quality: quality::GOOD,
                    subs: None,
                });
            }
        }
        State {
            points,
            objects: vec![ObjectRt::default(); galaxy.objects.len()],
            ticks: vec![0; galaxy.scan_groups.len()],
            connected: true,
            conns: Vec::new(),
            free_slots: Vec::new(),
            fanout: Fanout::default(),
            galaxy: Arc::new(galaxy),
        }
    }

    /// Whether deliveries of `point` of `object` show the object as out of service.
    fn out_of_service(&self, object: ObjectId, point: PointId) -> bool {
        self.objects[object as usize].off_scan && !self.is_scan_state(object, point)
    }

    fn is_scan_state(&self, object: ObjectId, point: PointId) -> bool {
        let obj = self.galaxy.object(object);
        obj.schema.attrs[(point - obj.first_point) as usize].builtin == Some(Builtin::ScanState)
    }

    /// One scan of group `g`: steps every generator, fans out changes.
    fn tick_group(&mut self, g: usize, now: Timestamp) {
        let galaxy = Arc::clone(&self.galaxy);
        let group = &galaxy.scan_groups[g];
        self.ticks[g] += 1;
        let tick = self.ticks[g];
        let State {
            points,
            objects,
            fanout,
            connected,
            ..
        } = self;
        for &(p, o) in &group.points {
            if objects[o as usize].off_scan {
                // Off-scan objects do not execute, so their values freeze.
                continue;
            }
            let obj = galaxy.object(o);
            let meta = &obj.schema.attrs[(p - obj.first_point) as usize];
            let ps = &mut points[p as usize];
            let ctx = StepContext {
                tick,
                scan_period_ms: group.period_ms,
                point: p,
                now,
            };
            let Some(next) = meta.generator.step(&ps.value, meta.repr, &ctx) else {
                continue;
            };
            ps.value = next;
            ps.timestamp = now;
            ps.quality = quality::GOOD;
            // While disconnected values move on silently; reconnecting delivers them.
            if *connected {
                if let Some(subs) = &ps.subs {
                    for sub in subs.iter() {
                        fanout.add(
                            sub.conn,
                            delivery(ps, sub.selector, sub.sub_id, meta.data_type, false, true),
                        );
                    }
                }
            }
        }
    }

    /// Queues the current state of `point` for all its subscribers.
    fn fan_out_point(&mut self, object: ObjectId, point: PointId) {
        let out_of_service = self.out_of_service(object, point);
        let obj = self.galaxy.object(object);
        let data_type = obj.schema.attrs[(point - obj.first_point) as usize].data_type;
        let ps = &self.points[point as usize];
        if let Some(subs) = &ps.subs {
            for sub in subs.iter() {
                self.fanout.add(
                    sub.conn,
                    delivery(
                        ps,
                        sub.selector,
                        sub.sub_id,
                        data_type,
                        out_of_service,
                        self.connected,
                    ),
                );
            }
        }
    }

    fn flush(&mut self) -> Vec<Arc<ConnShared>> {
        self.fanout.flush(&self.conns)
    }
}

fn wake(connections: Vec<Arc<ConnShared>>) {
    for c in connections {
        c.notify.notify_one();
    }
}

// === impl Plant ===

/// The simulated galaxy runtime. Cloning is cheap; all clones share one state.
#[derive(Clone)]
pub struct Plant {
    inner: Arc<Inner>,
}

struct Inner {
    config: PlantConfig,
    model: Arc<GalaxyModel>,
    state: Mutex<State>,
}

impl std::fmt::Debug for Plant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plant")
            .field("galaxy", &self.inner.model.galaxy)
            .finish_non_exhaustive()
    }
}

impl Plant {
    /// Validates and starts a plant over a model with the default configuration.
    pub fn new(model: GalaxyModel) -> Result<Plant, ModelError> {
        Self::with_config(model, PlantConfig::default())
    }

    /// Validates and starts a plant over a model.
    pub fn with_config(model: GalaxyModel, config: PlantConfig) -> Result<Plant, ModelError> {
        Self::build(model, config, "<model>")
    }

    fn build(model: GalaxyModel, config: PlantConfig, origin: &str) -> Result<Plant, ModelError> {
        let galaxy = Galaxy::compile(&model, origin)?;
        tracing::debug!(
            galaxy = %galaxy.name,
            objects = galaxy.objects.len(),
            points = galaxy.point_count,
            "plant built"
        );
        Ok(Plant {
            inner: Arc::new(Inner {
                config,
                model: Arc::new(model),
                state: Mutex::new(State::new(galaxy)),
            }),
        })
    }

    /// The demo galaxy (`galaxies/demo.toml`).
    pub fn demo() -> Plant {
        Self::build(
            GalaxyModel::demo(),
            PlantConfig::default(),
            "galaxies/demo.toml (embedded)",
        )
        .expect("the embedded demo galaxy is valid")
    }

    /// Loads, validates and starts a plant from a model file; errors name the path.
    pub fn load(path: &Path) -> Result<Plant, ModelError> {
        let model = GalaxyModel::load(path)?;
        Self::build(model, PlantConfig::default(), &path.display().to_string())
    }

    fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.inner.state)
    }

    pub fn galaxy_name(&self) -> String {
        self.state().galaxy.name.clone()
    }

    /// The model the plant runs (for browse and diagnostics).
    pub fn model(&self) -> Arc<GalaxyModel> {
        Arc::clone(&self.inner.model)
    }

    pub fn config(&self) -> &PlantConfig {
        &self.inner.config
    }

    pub fn stats(&self) -> PlantStats {
        let st = self.state();
        let live = st.conns.iter().flatten();
        PlantStats {
            objects: st.galaxy.objects.len(),
            points: st.points.len(),
            connections: live.clone().count(),
            subscriptions: live.map(|c| c.subs.len()).sum(),
            connected: st.connected,
        }
    }

    /// Runs the signal generators until `cancel` fires. Each scan group ticks on its
    /// own period from the moment `run` starts; ticks missed because the host was
    /// too slow are skipped, not replayed. Run one of these per plant.
    pub async fn run(&self, cancel: CancellationToken) {
        let start = Instant::now();
        let (mut galaxy, mut periods) = self.schedule();
        let mut due: Vec<Instant> = periods.iter().map(|p| start + *p).collect();
        loop {
            let Some(next) = due.iter().min().copied() else {
                cancel.cancelled().await;
                return;
            };
            tokio::select! {
                biased;
                _ = cancel.cancelled() => return,
                _ = tokio::time::sleep_until(next) => {}
            }
            let now = Instant::now();
            let stamp = Timestamp::now();
            let to_wake = {
                let mut st = self.state();
                if !Arc::ptr_eq(&st.galaxy, &galaxy) {
                    // The galaxy was replaced (a deploy): restart the schedule.
                    drop(st);
                    (galaxy, periods) = self.schedule();
                    due = periods.iter().map(|p| now + *p).collect();
                    continue;
                }
                for (g, at) in due.iter_mut().enumerate() {
                    if *at <= now {
                        st.tick_group(g, stamp);
                        *at += periods[g];
                        if *at <= now {
                            *at = now + periods[g];
                        }
                    }
                }
                st.flush()
            };
            wake(to_wake);
        }
    }

    fn schedule(&self) -> (Arc<Galaxy>, Vec<std::time::Duration>) {
        let st = self.state();
        let periods = st
            .galaxy
            .scan_groups
            .iter()
            .map(|g| std::time::Duration::from_millis(g.period_ms))
            .collect();
        (Arc::clone(&st.galaxy), periods)
    }

    /// Opens a subscriber connection; `label` names it in diagnostics.
    pub fn connect(&self, label: &str) -> (Connection, Updates) {
        let shared = Arc::new(ConnShared {
            label: label.into(),
            queue: Mutex::new(ConflatingQueue::new(self.inner.config.queue_capacity)),
            notify: Notify::new(),
            closed: AtomicBool::new(false),
        });
        let slot = {
            let mut st = self.state();
            let slot = match st.free_slots.pop() {
                Some(s) => s,
                None => {
                    st.conns.push(None);
                    (st.conns.len() - 1) as u32
                }
            };
            st.conns[slot as usize] = Some(ConnEntry {
                shared: Arc::clone(&shared),
                subs: HashMap::new(),
                authenticated: Vec::new(),
            });
            if st.fanout.batches.len() <= slot as usize {
                st.fanout.batches.resize_with(slot as usize + 1, Vec::new);
            }
            slot
        };
        tracing::debug!(label, slot, "plant connection opened");
        (
            Connection {
                plant: self.clone(),
                slot,
                shared: Arc::clone(&shared),
            },
            Updates { shared },
        )
    }

    /// Fault injection: takes an object off scan (or back on). Off scan, every
    /// attribute of the object and of everything it contains or hosts is delivered
    /// with quality `BAD_OUT_OF_SERVICE` and generators stop; `ScanState` turns
    /// false (with good quality, so it can serve as a liveness probe). Subscribers
    /// are notified at once.
    pub fn set_scan_state(&self, tag_name: &str, on_scan: bool) -> Result<(), PlantError> {
        let to_wake = {
            let mut st = self.state();
            let galaxy = Arc::clone(&st.galaxy);
            let id = galaxy
                .object_by_tag(tag_name)
                .ok_or_else(|| PlantError::UnknownObject {
                    tag_name: tag_name.to_string(),
                })?;
            st.objects[id as usize].off_scan_self = !on_scan;
            let mut changed = Vec::new();
            for &o in &galaxy.topo_order {
                let obj = galaxy.object(o);
                let off = st.objects[o as usize].off_scan_self
                    || obj.scan_parents().any(|p| st.objects[p as usize].off_scan);
                if off != st.objects[o as usize].off_scan {
                    st.objects[o as usize].off_scan = off;
                    changed.push(o);
                }
            }
            let now = Timestamp::now();
            for &o in &changed {
                let obj = galaxy.object(o);
                let off = st.objects[o as usize].off_scan;
                for (a, meta) in obj.schema.attrs.iter().enumerate() {
                    let p = obj.first_point + a as PointId;
                    let ps = &mut st.points[p as usize];
                    if meta.builtin == Some(Builtin::ScanState) {
                        ps.value = MxValue::Bool(!off);
                    }
                    // The quality change is an event of its own.
                    ps.timestamp = now;
                    st.fan_out_point(o, p);
                }
            }
            tracing::info!(
                tag_name = %galaxy.object(id).tag_name,
                on_scan,
                affected = changed.len(),
                "scan state set"
            );
            st.flush()
        };
        wake(to_wake);
        Ok(())
    }

    /// Fault injection: a runtime disconnect. While disconnected every subscription
    /// is delivered with quality `BAD_COMM_FAILURE` and a CommunicationError status
    /// (detail 2), and writes fail the same way; reconnecting delivers every
    /// subscription's current value.
    pub fn set_connected(&self, connected: bool) {
        let to_wake = {
            let mut st = self.state();
            if st.connected == connected {
                return;
            }
            st.connected = connected;
            let State {
                galaxy,
                points,
                objects,
                conns,
                fanout,
                ..
            } = &mut *st;
            for (slot, entry) in conns.iter().enumerate() {
                let Some(entry) = entry else { continue };
                for (&sub_id, sub) in &entry.subs {
                    let Some(t) = sub.target else { continue };
                    let meta = &galaxy.object(t.object).schema.attrs[usize::from(t.attr)];
                    let oos = objects[t.object as usize].off_scan
                        && meta.builtin != Some(Builtin::ScanState);
                    fanout.add(
                        slot as u32,
                        delivery(
                            &points[t.point as usize],
                            t.selector,
                            sub_id,
                            meta.data_type,
                            oos,
                            connected,
                        ),
                    );
                }
            }
            tracing::info!(connected, "plant runtime connection set");
            st.flush()
        };
        wake(to_wake);
    }

    /// Every attribute reference of the galaxy as `TagName.Attribute` (with `[]` for
    /// arrays), in galaxy order: a browse substitute for tools and bulk tests.
    pub fn references(&self) -> Vec<String> {
        let galaxy = Arc::clone(&self.state().galaxy);
        let mut out = Vec::with_capacity(galaxy.point_count as usize);
        for obj in &galaxy.objects {
            for meta in &obj.schema.attrs {
                let brackets = if meta.array_len.is_some() { "[]" } else { "" };
                out.push(format!("{}.{}{brackets}", obj.tag_name, meta.name));
            }
        }
        out
    }

    /// Reads the current value of a reference (tests and diagnostics).
    pub fn read(&self, reference: &str) -> Result<Vtq, MxStatus> {
        let st = self.state();
        let r = reference::resolve(&st.galaxy, reference, "")?;
        if !st.connected {
            return Err(comm_failure());
        }
        let meta = &st.galaxy.object(r.object).schema.attrs[usize::from(r.attr)];
        let update = delivery(
            &st.points[r.point as usize],
            r.selector,
            0,
            meta.data_type,
            st.out_of_service(r.object, r.point),
            true,
        );
        Ok(update.vtq)
    }
}

// === impl Connection ===

/// One subscriber of the plant (one per worker link). Dropping it removes all its
/// subscriptions and ends its [`Updates`].
pub struct Connection {
    plant: Plant,
    slot: u32,
    shared: Arc<ConnShared>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("label", &self.shared.label)
            .field("slot", &self.slot)
            .finish_non_exhaustive()
    }
}

impl Connection {
    pub fn label(&self) -> &str {
        &self.shared.label
    }

    /// Subscribes `reference` under `sub_id` (replacing an earlier subscription with
    /// that id). Always results in exactly one Update for `sub_id` soon: the current
    /// value, or the failure status when the reference does not resolve. Updates
    /// already queued for an earlier use of `sub_id` may still arrive first.
    pub fn subscribe(&self, sub_id: u64, reference: &str, context: &str, supervisory: bool) {
        let to_wake = {
            let mut st = self.plant.state();
            let State {
                galaxy,
                points,
                objects,
                conns,
                fanout,
                connected,
                ..
            } = &mut *st;
            let Some(entry) = conns[self.slot as usize].as_mut() else {
                return;
            };
            if let Some(old) = entry.subs.remove(&sub_id) {
                if let Some(t) = old.target {
                    remove_sub(&mut points[t.point as usize], self.slot, sub_id);
                }
            }
            let resolved = reference::resolve(galaxy, reference, context);
            let update = match &resolved {
                Ok(t) => {
                    let ps = &mut points[t.point as usize];
                    ps.subs.get_or_insert_with(Default::default).push(Sub {
                        conn: self.slot,
                        selector: t.selector,
                        sub_id,
                    });
                    let meta = &galaxy.object(t.object).schema.attrs[usize::from(t.attr)];
                    let oos = objects[t.object as usize].off_scan
                        && meta.builtin != Some(Builtin::ScanState);
                    delivery(ps, t.selector, sub_id, meta.data_type, oos, *connected)
                }
                Err(status) => Update {
                    sub_id,
                    vtq: Vtq {
                        value: MxValue::Empty,
                        quality: quality::BAD_CONFIG_ERROR,
                        timestamp: Timestamp::now(),
                    },
                    status: *status,
                    data_type: DataType::Unknown,
                },
            };
            entry.subs.insert(
                sub_id,
                SubEntry {
                    reference: reference.into(),
                    context: context.into(),
                    supervisory,
                    target: resolved.ok(),
                },
            );
            fanout.add(self.slot, update);
            st.flush()
        };
        wake(to_wake);
    }

    /// Ends a subscription. Updates already queued for it may still arrive.
    pub fn unsubscribe(&self, sub_id: u64) {
        let mut st = self.plant.state();
        let State { points, conns, .. } = &mut *st;
        if let Some(entry) = conns[self.slot as usize].as_mut() {
            if let Some(t) = entry.subs.remove(&sub_id).and_then(|s| s.target) {
                remove_sub(&mut points[t.point as usize], self.slot, sub_id);
            }
        }
    }

    /// Writes through a resolved subscription and returns the outcome. On success
    /// every subscriber of the point (this one included) gets an Update.
    pub fn write(&self, sub_id: u64, request: WriteRequest) -> MxStatus {
        let (status, to_wake) = {
            let mut st = self.plant.state();
            let status = self.write_locked(&mut st, sub_id, &request);
            let to_wake = st.flush();
            (status, to_wake)
        };
        wake(to_wake);
        status
    }

    fn write_locked(&self, st: &mut State, sub_id: u64, req: &WriteRequest) -> MxStatus {
        if !st.connected {
            return comm_failure();
        }
        let galaxy = Arc::clone(&st.galaxy);
        let Some(entry) = st.conns[self.slot as usize].as_ref() else {
            return comm_failure();
        };
        let Some(t) = entry.subs.get(&sub_id).and_then(|s| s.target) else {
            // The worker checks this first; an unresolved item is simply not writable.
            return MxStatus::failure(
                StatusCategory::OperationalError,
                StatusSource::RequestingLmx,
                detail::NOT_WRITEABLE,
            );
        };
        let meta = &galaxy.object(t.object).schema.attrs[usize::from(t.attr)];
        if !meta.writable {
            return operational_error(detail::NOT_WRITEABLE);
        }
        let who = WriteIdentity {
            user_id: req.user_id,
            verifier_user_id: req.verifier_user_id,
            secured: req.secured,
        };
        if let Err(status) = authorize_write(
            meta.security,
            galaxy.security_enabled,
            &galaxy.users,
            &who,
            |id| entry.authenticated.contains(&id),
        ) {
            return status;
        }
        let ps = &mut st.points[t.point as usize];
        let converted = match t.selector {
            Selector::Value => convert_scalar(&req.value, meta.repr).map(|v| ps.value = v),
            Selector::WholeArray => {
                convert_array(&req.value, meta.repr, meta.array_len.unwrap_or(0) as usize)
                    .map(|v| ps.value = v)
            }
            Selector::Element(i) => convert_scalar(&req.value, meta.repr)
                .and_then(|v| set_element(&mut ps.value, i as usize, v)),
        };
        if let Err(code) = converted {
            return operational_error(code);
        }
        // Off-scan objects accept writes; deliveries keep showing them out of service.
        ps.timestamp = req.timestamp.unwrap_or_else(Timestamp::now);
        ps.quality = quality::GOOD;
        st.fan_out_point(t.object, t.point);
        MxStatus::OK
    }

    /// `AuthenticateUser`: the user's id (> 0, stable for the plant's lifetime).
    /// With security disabled any credentials succeed with id 1. The id counts as
    /// authenticated for writes on this connection only.
    pub fn authenticate(&self, user: &str, password: &str) -> Result<i32, AuthError> {
        let mut st = self.plant.state();
        if !st.galaxy.security_enabled {
            return Ok(OPEN_SECURITY_USER_ID);
        }
        let id = st.galaxy.users.authenticate(user, password);
        match id {
            Some(id) => {
                if let Some(entry) = st.conns[self.slot as usize].as_mut() {
                    if !entry.authenticated.contains(&id) {
                        entry.authenticated.push(id);
                    }
                }
                Ok(id)
            }
            None => {
                tracing::debug!(user, "authentication failed");
                Err(AuthError::InvalidCredentials {
                    user: user.to_string(),
                })
            }
        }
    }

    /// Number of live subscriptions (resolved or not).
    pub fn subscription_count(&self) -> usize {
        self.plant.state().conns[self.slot as usize]
            .as_ref()
            .map_or(0, |e| e.subs.len())
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        {
            let mut st = self.plant.state();
            let State {
                points,
                conns,
                free_slots,
                ..
            } = &mut *st;
            if let Some(entry) = conns[self.slot as usize].take() {
                for (sub_id, sub) in entry.subs {
                    if let Some(t) = sub.target {
                        remove_sub(&mut points[t.point as usize], self.slot, sub_id);
                    }
                }
                free_slots.push(self.slot);
            }
        }
        self.shared.closed.store(true, Ordering::Release);
        self.shared.notify.notify_one();
        tracing::debug!(label = %self.shared.label, "plant connection closed");
    }
}

// === impl Updates ===

/// The receiving side of a [`Connection`]: its bounded, conflating update queue.
pub struct Updates {
    shared: Arc<ConnShared>,
}

impl std::fmt::Debug for Updates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Updates")
            .field("label", &self.shared.label)
            .field("pending", &self.pending())
            .finish()
    }
}

impl Updates {
    /// Waits for at least one update, then moves up to `max` (at least 1) into
    /// `out`; returns false once the connection (and so its view of the plant) is
    /// gone. Cancel-safe: nothing is taken from the queue until the final,
    /// synchronous step, so it can sit in a `select!`.
    pub async fn recv_batch(&mut self, max: usize, out: &mut Vec<Update>) -> bool {
        let max = max.max(1);
        loop {
            if self.shared.closed.load(Ordering::Acquire) {
                return false;
            }
            {
                let mut queue = lock(&self.shared.queue);
                if !queue.is_empty() {
                    for _ in 0..max {
                        match queue.pop() {
                            Some((update, _folded)) => out.push(update),
                            None => break,
                        }
                    }
                    return true;
                }
            }
            // `notify_one` stores a permit when nobody waits, so a push between the
            // check above and this await is not lost.
            self.shared.notify.notified().await;
        }
    }

    /// Updates waiting in the queue.
    pub fn pending(&self) -> usize {
        lock(&self.shared.queue).len()
    }

    /// Updates folded away because this consumer fell behind.
    pub fn conflated_total(&self) -> u64 {
        lock(&self.shared.queue).conflated_total()
    }
}

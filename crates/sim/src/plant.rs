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
//!
//! Deploys ([`Plant::deploy`]) compile the new galaxy outside the state lock, then
//! swap the galaxy, the points, the scan bookkeeping and the model in one critical
//! section, re-resolving every subscription there. So every other operation sees
//! either the old galaxy or the new one, never a mix; a scan task notices the swap
//! by pointer comparison before it ticks (and is woken by the deploy watch).

mod alarms;

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use mxgateway_mx::{
    detail, quality, ConflatingQueue, DataType, MxStatus, MxValue, StatusCategory, StatusSource,
    Timestamp, Vtq,
};
use tokio::sync::{watch, Notify};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use self::alarms::{ack_status, AlarmRt, FeedItem};
pub use self::alarms::{AlarmFeed, AlarmFeedEvent, AlarmSnapshot, DEFAULT_ALARM_FEED_CAPACITY};
use crate::alarms::{AlarmField, MAX_ACK_COMMENT_CHARS};
use crate::convert::{convert_array, convert_scalar, element, set_bit, set_element, Repr};
use crate::error::{AuthError, ModelError, PlantError};
use crate::galaxy::{AttrMeta, Builtin, Galaxy, ObjectId, PointId, Schema};
use crate::generator::StepContext;
use crate::model::GalaxyModel;
use crate::model::Permission;
use crate::reference::{self, Change, Property, Resolved, Selector};
use crate::security::Users;
use crate::security::{authorize_write, WriteIdentity, OPEN_SECURITY_USER_ID};
use crate::sub_table::{SubList, SubTable};

/// Default bound of a connection's update queue (entries before it starts to conflate).
pub const DEFAULT_QUEUE_CAPACITY: usize = 65_536;

/// Runtime settings of a plant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlantConfig {
    /// Live entries a connection's queue holds before it conflates per subscription.
    pub queue_capacity: usize,
    /// Alarm transitions an alarm feed subscriber may fall behind before it is
    /// resynchronized from a snapshot.
    pub alarm_feed_capacity: usize,
}

impl Default for PlantConfig {
    fn default() -> Self {
        PlantConfig {
            queue_capacity: DEFAULT_QUEUE_CAPACITY,
            alarm_feed_capacity: DEFAULT_ALARM_FEED_CAPACITY,
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

/// Where the plant's galaxy stands in its deploy history: what
/// [`Plant::deploy_info`] returns and [`Plant::watch_deploys`] publishes.
///
/// A galaxy served by the simulator counts as deployed once when the plant is
/// built: generation 1, at the time the plant was built. Every successful
/// [`Plant::deploy`] adds one to the generation and sets a strictly later time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeployInfo {
    /// 1 for the galaxy the plant was built with, then +1 per successful deploy.
    pub generation: u64,
    /// When the running galaxy was deployed (`galaxy.time_of_last_deploy` of a
    /// real Galaxy Repository). Strictly increasing from deploy to deploy, even
    /// when the wall clock does not advance (or steps back) in between.
    pub time_of_last_deploy: Timestamp,
    /// Deployed objects: every platform, engine, area and application object
    /// (`[[platforms]]`, `[[engines]]`, `[[areas]]` and `[[objects]]` of the
    /// model), as a Galaxy Repository browse lists them (`gobject` rows with
    /// `is_template = 0`).
    pub object_count: usize,
    /// User-defined attributes of all deployed objects (inherited ones included),
    /// as a browse lists them (`dynamic_attribute`); the built-in `ScanState` is
    /// not counted.
    pub attribute_count: usize,
}

/// Names the model in the errors of a refused deploy.
const DEPLOY_ORIGIN: &str = "<deploy>";

/// The smallest step between two deploy times when the clock did not advance.
const DEPLOY_TIME_STEP_NANOS: i64 = 1_000;

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
    subs: Option<Box<SubList<Sub>>>,
}

#[derive(Clone, Copy, Default)]
struct ObjectRt {
    /// Set off scan by fault injection.
    off_scan_self: bool,
    /// Off scan itself or through its container, host or area.
    off_scan: bool,
}

struct SubEntry {
    /// Kept so that a deploy can resolve the subscription again.
    reference: Box<str>,
    context: Box<str>,
    /// AdviseSupervisory; kept for a deploy, not interpreted by the simulator yet.
    #[allow(dead_code)]
    supervisory: bool,
    /// The point, or why the reference does not resolve.
    target: Result<Resolved, MxStatus>,
}

struct ConnEntry {
    shared: Arc<ConnShared>,
    subs: SubTable<SubEntry>,
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
    /// The model `galaxy` was compiled from.
    model: Arc<GalaxyModel>,
    deploy: DeployInfo,
    points: Vec<PointState>,
    objects: Vec<ObjectRt>,
    /// Scans done per scan group (parallel to `galaxy.scan_groups`).
    ticks: Vec<u64>,
    connected: bool,
    conns: Vec<Option<ConnEntry>>,
    free_slots: Vec<u32>,
    fanout: Fanout,
    /// One entry per alarm of the galaxy (`Object::first_alarm` + index).
    alarms: Vec<AlarmRt>,
    /// Alarm transitions published since the plant started.
    alarm_sequence: u64,
    /// The alarm feed; sent to only under this lock.
    alarm_feed: tokio::sync::broadcast::Sender<FeedItem>,
}

/// `.Category` of a writable attribute: `MxCategoryWriteable_USC` **(guess)**. The
/// vendor's `MxAttributeCategory` numbers are not public; these are the positions
/// of the names in the list `mxaccess-semantics.md` §4 gives (PackageOnly,
/// Calculated, CalculatedRetentive, Writeable_U, _S, _US, _UC, _USC).
pub(crate) const CATEGORY_WRITEABLE_USC: i32 = 7;

/// `.Category` of an attribute no client can write (`writable = false`, ViewOnly,
/// built-ins the runtime maintains): `MxCategoryCalculated` **(guess)**.
pub(crate) const CATEGORY_CALCULATED: i32 = 1;

/// Builds the update a subscriber sees for a point right now. `schema` and `meta`
/// describe the point's attribute; properties and the attribute list are computed
/// from them here, so they cost nothing until someone subscribes.
fn delivery(
    ps: &PointState,
    schema: &Schema,
    meta: &AttrMeta,
    selector: Selector,
    sub_id: u64,
    out_of_service: bool,
    connected: bool,
) -> Update {
    // The attribute's quality as its own subscribers see it.
    let attr_quality = if !connected {
        quality::BAD_COMM_FAILURE
    } else if out_of_service {
        quality::BAD_OUT_OF_SERVICE
    } else {
        ps.quality
    };
    // Properties describe the attribute rather than carry its value, so they stay
    // readable (GOOD) while the object is off scan; only a lost runtime makes them
    // bad (guess, as the ScanState probe).
    let meta_quality = if connected {
        quality::GOOD
    } else {
        quality::BAD_COMM_FAILURE
    };
    let (value, data_type, quality) = match selector {
        Selector::Value | Selector::WholeArray => (ps.value.clone(), meta.data_type, attr_quality),
        Selector::Element(i) => (
            element(&ps.value, i as usize).unwrap_or_default(),
            meta.data_type,
            attr_quality,
        ),
        Selector::Bit(n) => {
            let value = match ps.value {
                MxValue::Int32(v) => MxValue::Bool((v >> n) & 1 == 1),
                _ => MxValue::Empty,
            };
            (value, DataType::Boolean, attr_quality)
        }
        Selector::Property(p) => {
            let value = match p {
                Property::Quality => MxValue::Int32(attr_quality),
                Property::Type => MxValue::Int32(meta.data_type.raw()),
                Property::Dimension1 => MxValue::Int32(meta.array_len.map_or(0, |n| n as i32)),
                Property::SecurityClassification => MxValue::Int32(meta.security.raw()),
                Property::Locked => MxValue::Bool(false),
                Property::Category => MxValue::Int32(if meta.writable {
                    CATEGORY_WRITEABLE_USC
                } else {
                    CATEGORY_CALCULATED
                }),
            };
            (value, p.data_type(), meta_quality)
        }
        Selector::AttributeNames => (
            MxValue::StringArray(schema.attrs.iter().map(|m| m.name.to_string()).collect()),
            DataType::String,
            meta_quality,
        ),
    };
    let status = if connected {
        MxStatus::OK
    } else {
        comm_failure()
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

/// The one update a subscription whose reference does not resolve gets.
fn failure_update(sub_id: u64, status: MxStatus, timestamp: Timestamp) -> Update {
    Update {
        sub_id,
        vtq: Vtq {
            value: MxValue::Empty,
            quality: quality::BAD_CONFIG_ERROR,
            timestamp,
        },
        status,
        data_type: DataType::Unknown,
    }
}

/// What a subscription sees right now: [`delivery`] for a resolved target, the
/// configuration failure (stamped `failure_time`) for an unresolved one.
fn view(
    galaxy: &Galaxy,
    points: &[PointState],
    objects: &[ObjectRt],
    connected: bool,
    target: &Result<Resolved, MxStatus>,
    sub_id: u64,
    failure_time: Timestamp,
) -> Update {
    match target {
        Ok(t) => {
            let schema = &galaxy.object(t.object).schema;
            let meta = &schema.attrs[usize::from(t.attr)];
            let oos =
                objects[t.object as usize].off_scan && meta.builtin != Some(Builtin::ScanState);
            delivery(
                &points[t.point as usize],
                schema,
                meta,
                t.selector,
                sub_id,
                oos,
                connected,
            )
        }
        Err(status) => failure_update(sub_id, *status, failure_time),
    }
}

/// Deploy counts of a compiled galaxy (see [`DeployInfo`]).
fn deploy_counts(galaxy: &Galaxy) -> (usize, usize) {
    let attributes = galaxy
        .objects
        .iter()
        .map(|o| {
            o.schema
                .attrs
                .iter()
                .filter(|m| m.builtin.is_none())
                .count()
        })
        .sum();
    (galaxy.objects.len(), attributes)
}

/// What a deploy takes over from the running galaxy, worked out before it takes
/// the state lock (deploys are serialized, so the running galaxy cannot change
/// in between).
struct Carry {
    /// For each new object, the old object with the same tag name.
    objects: Vec<Option<ObjectId>>,
    /// For each new point, the old point whose value carries over: same object tag
    /// name, same attribute name, same data type and same shape (scalar, or array
    /// of the same length).
    points: Vec<Option<PointId>>,
    /// For each new scan group, the old group with the same period.
    scan_groups: Vec<Option<usize>>,
}

impl Carry {
    fn new(old: &Galaxy, new: &Galaxy) -> Carry {
        // Instances share schemas, so the attribute mapping is worked out once
        // per (new schema, old schema) pair; both galaxies outlive the map, so
        // their schema addresses are stable keys.
        let mut mappings: HashMap<(usize, usize), Vec<Option<u16>>> = HashMap::new();
        let mut objects = Vec::with_capacity(new.objects.len());
        let mut points = Vec::with_capacity(new.point_count as usize);
        for obj in &new.objects {
            let old_id = old.object_by_tag(&obj.tag_name);
            objects.push(old_id);
            let Some(old_obj) = old_id.map(|id| old.object(id)) else {
                points.extend(std::iter::repeat_n(None, obj.schema.attrs.len()));
                continue;
            };
            let key = (
                Arc::as_ptr(&obj.schema) as usize,
                Arc::as_ptr(&old_obj.schema) as usize,
            );
            let mapping = mappings.entry(key).or_insert_with(|| {
                obj.schema
                    .attrs
                    .iter()
                    .map(|meta| {
                        let a = old_obj.schema.find(&meta.name)?;
                        let m = &old_obj.schema.attrs[usize::from(a)];
                        (m.data_type == meta.data_type && m.array_len == meta.array_len)
                            .then_some(a)
                    })
                    .collect()
            });
            points.extend(
                mapping
                    .iter()
                    .map(|a| a.map(|a| old_obj.first_point + PointId::from(a))),
            );
        }
        let scan_groups = new
            .scan_groups
            .iter()
            .map(|g| {
                old.scan_groups
                    .iter()
                    .position(|o| o.period_ms == g.period_ms)
            })
            .collect();
        Carry {
            objects,
            points,
            scan_groups,
        }
    }
}

/// What a deploy replaced; dropped after the state lock is released, because
/// freeing a large galaxy takes a while.
type Replaced = (Arc<Galaxy>, Vec<PointState>, Arc<GalaxyModel>);

fn remove_sub(ps: &mut PointState, conn: u32, sub_id: u64) {
    if let Some(subs) = &mut ps.subs {
        if !subs.retain(|s| !(s.conn == conn && s.sub_id == sub_id)) {
            ps.subs = None;
        }
    }
}

fn add_sub(ps: &mut PointState, sub: Sub) {
    match &mut ps.subs {
        Some(subs) => subs.push(sub),
        None => ps.subs = Some(Box::new(SubList::One(sub))),
    }
}

/// Locks a mutex, recovering from poisoning: plant state stays consistent between
/// statements, and one panicking caller must not take the whole galaxy down.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl State {
    /// The state of a freshly built plant: deploy generation 1 at `now`.
    fn new(galaxy: Galaxy, model: Arc<GalaxyModel>, now: Timestamp, config: &PlantConfig) -> State {
        let (object_count, attribute_count) = deploy_counts(&galaxy);
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
        let mut state = State {
            points,
            objects: vec![ObjectRt::default(); galaxy.objects.len()],
            ticks: vec![0; galaxy.scan_groups.len()],
            connected: true,
            conns: Vec::new(),
            free_slots: Vec::new(),
            fanout: Fanout::default(),
            galaxy: Arc::new(galaxy),
            model,
            deploy: DeployInfo {
                generation: 1,
                time_of_last_deploy: now,
                object_count,
                attribute_count,
            },
            alarms: Vec::new(),
            alarm_sequence: 0,
            alarm_feed: alarms::feed_channel(config.alarm_feed_capacity),
        };
        state.init_alarms(now);
        state
    }

    /// Swaps in a new galaxy (the locked part of [`Plant::deploy`]): builds the
    /// new points with carried-over values, carries scan state and scan ticks
    /// over, re-resolves every subscription and queues an update for each one
    /// whose view changed. Returns the new deploy info and what to drop later.
    fn deploy(
        &mut self,
        galaxy: Galaxy,
        model: Arc<GalaxyModel>,
        carry: &Carry,
        (object_count, attribute_count): (usize, usize),
    ) -> (DeployInfo, Replaced) {
        debug_assert_eq!(carry.points.len(), galaxy.point_count as usize);
        let now = Timestamp::now();
        let previous = self.deploy.time_of_last_deploy;
        let time = if now > previous {
            now
        } else {
            Timestamp {
                unix_nanos: previous.unix_nanos.saturating_add(DEPLOY_TIME_STEP_NANOS),
            }
        };
        let new = Arc::new(galaxy);
        let old = std::mem::replace(&mut self.galaxy, Arc::clone(&new));
        let old_points = std::mem::take(&mut self.points);
        let old_objects = std::mem::take(&mut self.objects);

        // Values: carried over where the attribute survives unchanged in type and
        // shape, else the new model's initial value, stamped with the deploy.
        let mut points = Vec::with_capacity(new.point_count as usize);
        for obj in &new.objects {
            for (a, meta) in obj.schema.attrs.iter().enumerate() {
                let p = obj.first_point as usize + a;
                points.push(match carry.points[p] {
                    Some(op) => {
                        let ops = &old_points[op as usize];
                        PointState {
                            value: ops.value.clone(),
                            timestamp: ops.timestamp,
                            quality: ops.quality,
                            subs: None,
                        }
                    }
                    None => PointState {
                        value: meta.initial.clone(),
                        timestamp: time,
                        quality: quality::GOOD,
                        subs: None,
                    },
                });
            }
        }

        // Scan state: objects that survive keep an injected off-scan fault; the
        // effective state follows the new containment and hosting.
        let mut objects = vec![ObjectRt::default(); new.objects.len()];
        for (o, old_id) in carry.objects.iter().enumerate() {
            if let Some(old_id) = old_id {
                objects[o].off_scan_self = old_objects[*old_id as usize].off_scan_self;
            }
        }
        for &o in &new.topo_order {
            let obj = new.object(o);
            objects[o as usize].off_scan = objects[o as usize].off_scan_self
                || obj.scan_parents().any(|p| objects[p as usize].off_scan);
        }
        for (o, obj) in new.objects.iter().enumerate() {
            let on_scan = MxValue::Bool(!objects[o].off_scan);
            // Built-in attributes come first, so this looks at one or two entries.
            let scan_state = obj
                .schema
                .attrs
                .iter()
                .position(|m| m.builtin == Some(Builtin::ScanState));
            if let Some(a) = scan_state {
                let ps = &mut points[obj.first_point as usize + a];
                if ps.value != on_scan {
                    ps.value = on_scan;
                    ps.timestamp = time;
                }
            }
        }

        // Scan groups of a surviving period count on, so time-based generators
        // continue where they were.
        let ticks = carry
            .scan_groups
            .iter()
            .map(|g| g.map_or(0, |g| self.ticks[g]))
            .collect();

        // Subscriptions: resolved again; an update wherever the view changed.
        let connected = self.connected;
        let State { conns, fanout, .. } = self;
        for (slot, entry) in conns.iter_mut().enumerate() {
            let Some(entry) = entry else { continue };
            for (sub_id, sub) in entry.subs.iter_mut() {
                let before = view(
                    &old,
                    &old_points,
                    &old_objects,
                    connected,
                    &sub.target,
                    sub_id,
                    time,
                );
                sub.target = reference::resolve(&new, &sub.reference, &sub.context);
                if let Ok(t) = &sub.target {
                    add_sub(
                        &mut points[t.point as usize],
                        Sub {
                            conn: slot as u32,
                            selector: t.selector,
                            sub_id,
                        },
                    );
                }
                let after = view(
                    &new,
                    &points,
                    &objects,
                    connected,
                    &sub.target,
                    sub_id,
                    time,
                );
                if after != before {
                    fanout.add(slot as u32, after);
                }
            }
            // An id stays authenticated only while it names the same user.
            entry
                .authenticated
                .retain(|&id| Users::same_user(&new.users, &old.users, id));
        }

        self.points = points;
        self.objects = objects;
        self.ticks = ticks;
        self.redeploy_alarms(&old, &carry.objects, time);
        let old_model = std::mem::replace(&mut self.model, model);
        self.deploy = DeployInfo {
            generation: self.deploy.generation.saturating_add(1),
            time_of_last_deploy: time,
            object_count,
            attribute_count,
        };
        (self.deploy, (old, old_points, old_model))
    }

    /// Whether deliveries of `point` of `object` show the object as out of service.
    fn out_of_service(&self, object: ObjectId, point: PointId) -> bool {
        self.objects[object as usize].off_scan && !self.is_scan_state(object, point)
    }

    fn is_scan_state(&self, object: ObjectId, point: PointId) -> bool {
        let obj = self.galaxy.object(object);
        obj.schema.attrs[(point - obj.first_point) as usize].builtin == Some(Builtin::ScanState)
    }

    /// Slice `k` of a scan of group `g` (see `ScanGroup::slices`): steps its
    /// generators, fans out changes. Slice 0 starts a new scan.
    fn tick_slice(&mut self, g: usize, k: usize, now: Timestamp) {
        let galaxy = Arc::clone(&self.galaxy);
        let group = &galaxy.scan_groups[g];
        if k == 0 {
            self.ticks[g] += 1;
        }
        let tick = self.ticks[g];
        let mut alarm_work = Vec::new();
        let State {
            points,
            objects,
            fanout,
            connected,
            ..
        } = self;
        for &(p, o) in group.slice(k) {
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
            let change = Change::Value {
                quality_changed: ps.quality != quality::GOOD,
            };
            ps.value = next;
            ps.timestamp = now;
            ps.quality = quality::GOOD;
            if !meta.alarm_sources.is_empty() {
                alarm_work.push((o, (p - obj.first_point) as u16));
            }
            // While disconnected values move on silently; reconnecting delivers them.
            if *connected {
                if let Some(subs) = &ps.subs {
                    for sub in subs.iter().filter(|s| s.selector.follows(change)) {
                        fanout.add(
                            sub.conn,
                            delivery(ps, &obj.schema, meta, sub.selector, sub.sub_id, false, true),
                        );
                    }
                }
            }
        }
        // Alarms after the slice (which holds whole objects), so conditions see
        // this scan's values.
        for (o, attr) in alarm_work {
            self.evaluate_alarms_of(o, attr, now);
        }
    }

    /// Queues the current state of `point` for those of its subscribers that
    /// `change` concerns.
    fn fan_out_point(&mut self, object: ObjectId, point: PointId, change: Change) {
        let out_of_service = self.out_of_service(object, point);
        let obj = self.galaxy.object(object);
        let meta = &obj.schema.attrs[(point - obj.first_point) as usize];
        let ps = &self.points[point as usize];
        if let Some(subs) = &ps.subs {
            for sub in subs.iter().filter(|s| s.selector.follows(change)) {
                self.fanout.add(
                    sub.conn,
                    delivery(
                        ps,
                        &obj.schema,
                        meta,
                        sub.selector,
                        sub.sub_id,
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

/// When the slices of one scan group run (`Plant::run`).
#[derive(Debug, Clone, Copy)]
struct ScanSchedule {
    period: Duration,
    slices: usize,
    /// When the current scan started (slice 0 ran, or runs).
    scan_start: Instant,
    next_slice: usize,
}

impl ScanSchedule {
    fn due(&self) -> Instant {
        // `slices` is at most the period in milliseconds, so this is exact enough.
        self.scan_start
            + self
                .period
                .mul_f64(self.next_slice as f64 / self.slices as f64)
    }

    /// Moves past the slice just run; a scan that ended more than a period ago
    /// is not replayed.
    fn advance(&mut self, now: Instant) {
        self.next_slice += 1;
        if self.next_slice == self.slices {
            self.next_slice = 0;
            self.scan_start += self.period;
            if self.scan_start <= now {
                self.scan_start = now + self.period;
            }
        }
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
    state: Mutex<State>,
    /// Serializes deploys, so that the work a deploy does before it takes the
    /// state lock is based on the galaxy it then replaces.
    deploy_lock: Mutex<()>,
    /// Publishes [`DeployInfo`] after every deploy.
    deploys: watch::Sender<DeployInfo>,
}

impl std::fmt::Debug for Plant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("Plant");
        // Never wait for the state here: Debug may run anywhere.
        if let Ok(st) = self.inner.state.try_lock() {
            d.field("galaxy", &st.galaxy.name);
        }
        d.field("deploy_generation", &self.inner.deploys.borrow().generation)
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
        let state = State::new(galaxy, Arc::new(model), Timestamp::now(), &config);
        let (deploys, _) = watch::channel(state.deploy);
        Ok(Plant {
            inner: Arc::new(Inner {
                config,
                state: Mutex::new(state),
                deploy_lock: Mutex::new(()),
                deploys,
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
        Self::load_with_config(path, PlantConfig::default())
    }

    /// [`Plant::load`] with a configuration.
    pub fn load_with_config(path: &Path, config: PlantConfig) -> Result<Plant, ModelError> {
        let model = GalaxyModel::load(path)?;
        Self::build(model, config, &path.display().to_string())
    }

    fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.inner.state)
    }

    /// The name of the running galaxy (it follows deploys).
    pub fn galaxy_name(&self) -> String {
        self.state().galaxy.name.clone()
    }

    /// The model the plant runs (for browse and diagnostics); the last deployed
    /// one after a [`Plant::deploy`].
    pub fn model(&self) -> Arc<GalaxyModel> {
        Arc::clone(&self.state().model)
    }

    /// The running model together with its deploy info, taken atomically (a
    /// browse cache rebuilt from the model can be tagged with the deploy it shows).
    pub fn deployed(&self) -> (Arc<GalaxyModel>, DeployInfo) {
        let st = self.state();
        (Arc::clone(&st.model), st.deploy)
    }

    /// Where the running galaxy stands in its deploy history. The galaxy the plant
    /// was built with is generation 1, deployed when the plant was built.
    pub fn deploy_info(&self) -> DeployInfo {
        self.state().deploy
    }

    /// A receiver of [`DeployInfo`]: it holds the current state (marked as seen)
    /// and changes exactly once per successful deploy. As with any watch channel,
    /// a receiver that does not look in time sees only the latest deploy; the
    /// generation tells how many it missed.
    pub fn watch_deploys(&self) -> watch::Receiver<DeployInfo> {
        self.inner.deploys.subscribe()
    }

    /// Replaces the running galaxy with `model`, as a System Platform deploy
    /// would, while the plant runs. The model is validated and compiled first; if
    /// it is invalid the error lists every problem (origin `<deploy>`) and nothing
    /// changes. Otherwise, atomically for every other operation:
    ///
    /// - the galaxy, the model ([`Plant::model`]), the galaxy name, the users and
    ///   the security settings are the new ones;
    /// - an attribute keeps its current value, timestamp and quality when its
    ///   object (same tag name) and the attribute (same name) exist in both
    ///   models with the same data type and shape (scalar, or array of the same
    ///   length); every other attribute starts at the new model's initial value,
    ///   stamped with the deploy time;
    /// - every subscription of every connection is resolved again from its
    ///   reference and context, and gets one update exactly when what it would
    ///   see changed: a reference that no longer resolves gets the configuration
    ///   failure a fresh subscription would get (quality 4, detail 12 for an
    ///   unknown object, 11 for an unknown attribute...), one that resolves now
    ///   and did not gets its current value, one that still resolves gets an
    ///   update only if its value, quality or data type changed;
    /// - removed objects stop scanning, new ones scan at their periods (a running
    ///   [`Plant::run`] reschedules at once; scan groups of a period that exists
    ///   before and after keep their schedule and scan count);
    /// - objects that survive keep an off-scan fault ([`Plant::set_scan_state`]);
    ///   a runtime disconnect ([`Plant::set_connected`]) stays as it is;
    /// - a user id authenticated on a connection stays valid only if the new
    ///   model gives that id to the same user (same name, case-insensitively, and
    ///   same GUID); otherwise it counts as nobody until the user authenticates
    ///   again. Permission changes apply to the next write.
    ///
    /// Returns the new [`DeployInfo`] (generation + 1, a strictly later time),
    /// which is also sent to every [`Plant::watch_deploys`] receiver.
    pub fn deploy(&self, model: GalaxyModel) -> Result<DeployInfo, ModelError> {
        let _serial = lock(&self.inner.deploy_lock);
        let galaxy = Galaxy::compile(&model, DEPLOY_ORIGIN)?;
        let counts = deploy_counts(&galaxy);
        let old = Arc::clone(&self.state().galaxy);
        let carry = Carry::new(&old, &galaxy);
        let (info, replaced, to_wake) = {
            let mut st = self.state();
            debug_assert!(Arc::ptr_eq(&st.galaxy, &old), "deploys are serialized");
            drop(old);
            let (info, replaced) = st.deploy(galaxy, Arc::new(model), &carry, counts);
            let to_wake = st.flush();
            (info, replaced, to_wake)
        };
        wake(to_wake);
        drop(replaced);
        self.inner.deploys.send_replace(info);
        tracing::info!(
            generation = info.generation,
            objects = info.object_count,
            attributes = info.attribute_count,
            "galaxy deployed"
        );
        Ok(info)
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

    /// Runs the signal generators until `cancel` fires. Each scan group scans on
    /// its own period from the moment `run` starts, a large group in slices spread
    /// over the period (`ScanGroup::slices`); slices that fell due while the host
    /// was busy run at once, but a whole period missed is skipped, not replayed.
    /// Run one of these per plant.
    ///
    /// A deploy wakes it at once: scan groups whose period exists before and after
    /// the deploy keep their schedule, new periods start counting at the deploy,
    /// removed objects are no longer scanned.
    pub async fn run(&self, cancel: CancellationToken) {
        let mut deploys = self.watch_deploys();
        let mut watching = true;
        let start = Instant::now();
        let mut galaxy = Arc::clone(&self.state().galaxy);
        let mut schedule = Self::schedule_of(&galaxy, &[], start);
        loop {
            let next = schedule.iter().map(ScanSchedule::due).min();
            tokio::select! {
                biased;
                _ = cancel.cancelled() => return,
                changed = deploys.changed(), if watching => {
                    // The sender lives as long as the plant, which `self` holds;
                    // should it go anyway, stop listening rather than spin.
                    watching = changed.is_ok();
                }
                _ = tokio::time::sleep_until(next.unwrap_or(start)), if next.is_some() => {}
            }
            let now = Instant::now();
            let stamp = Timestamp::now();
            let to_wake = {
                let mut st = self.state();
                if !Arc::ptr_eq(&st.galaxy, &galaxy) {
                    // A deploy replaced the galaxy: scan groups are matched by period.
                    galaxy = Arc::clone(&st.galaxy);
                    schedule = Self::schedule_of(&galaxy, &schedule, now);
                }
                for (g, s) in schedule.iter_mut().enumerate() {
                    while s.due() <= now {
                        st.tick_slice(g, s.next_slice, stamp);
                        s.advance(now);
                    }
                }
                st.flush()
            };
            wake(to_wake);
        }
    }

    /// One schedule per scan group of `galaxy`; a group whose period had a
    /// schedule in `old` keeps that schedule's scan start.
    fn schedule_of(galaxy: &Galaxy, old: &[ScanSchedule], now: Instant) -> Vec<ScanSchedule> {
        galaxy
            .scan_groups
            .iter()
            .map(|g| {
                let period = Duration::from_millis(g.period_ms);
                let slices = g.slices.len();
                match old.iter().find(|o| o.period == period) {
                    Some(o) if o.next_slice < slices => ScanSchedule { slices, ..*o },
                    // Fewer slices now: the current scan is over.
                    Some(o) => ScanSchedule {
                        period,
                        slices,
                        scan_start: o.scan_start + period,
                        next_slice: 0,
                    },
                    None => ScanSchedule {
                        period,
                        slices,
                        scan_start: now + period,
                        next_slice: 0,
                    },
                }
            })
            .collect()
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
                subs: SubTable::default(),
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
                    // ScanState changes value and keeps its quality; every other
                    // attribute keeps its value and changes the quality it is
                    // delivered with, an event of its own.
                    let change = if meta.builtin == Some(Builtin::ScanState) {
                        ps.value = MxValue::Bool(!off);
                        Change::Value {
                            quality_changed: false,
                        }
                    } else {
                        Change::Quality
                    };
                    ps.timestamp = now;
                    st.fan_out_point(o, p, change);
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
            // Unresolved subscriptions are not affected; their failure stays.
            let unused = Timestamp::default();
            for (slot, entry) in conns.iter().enumerate() {
                let Some(entry) = entry else { continue };
                for (sub_id, sub) in entry.subs.iter() {
                    if sub.target.is_err() {
                        continue;
                    }
                    fanout.add(
                        slot as u32,
                        view(
                            galaxy,
                            points,
                            objects,
                            connected,
                            &sub.target,
                            sub_id,
                            unused,
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
        let schema = &st.galaxy.object(r.object).schema;
        let update = delivery(
            &st.points[r.point as usize],
            schema,
            &schema.attrs[usize::from(r.attr)],
            r.selector,
            0,
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
                if let Ok(t) = old.target {
                    remove_sub(&mut points[t.point as usize], self.slot, sub_id);
                }
            }
            let target = reference::resolve(galaxy, reference, context);
            if let Ok(t) = &target {
                add_sub(
                    &mut points[t.point as usize],
                    Sub {
                        conn: self.slot,
                        selector: t.selector,
                        sub_id,
                    },
                );
            }
            let update = view(
                galaxy,
                points,
                objects,
                *connected,
                &target,
                sub_id,
                Timestamp::now(),
            );
            entry.subs.insert(
                sub_id,
                SubEntry {
                    reference: reference.into(),
                    context: context.into(),
                    supervisory,
                    target,
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
            if let Some(t) = entry.subs.remove(&sub_id).and_then(|s| s.target.ok()) {
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
        let Some(t) = entry.subs.get(&sub_id).and_then(|s| s.target.ok()) else {
            // The worker checks this first; an unresolved item is simply not writable.
            return MxStatus::failure(
                StatusCategory::OperationalError,
                StatusSource::RequestingLmx,
                detail::NOT_WRITEABLE,
            );
        };
        let meta = &galaxy.object(t.object).schema.attrs[usize::from(t.attr)];
        // Properties and the attribute list describe the attribute; they are
        // read-only however writable the attribute is.
        if !meta.writable || !t.selector.is_writable() {
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
        let alarm_field = match meta.builtin {
            Some(Builtin::Alarm { alarm, field }) => Some((alarm, field)),
            _ => None,
        };
        // The alarm sub-attributes have rules for their whole value (a priority
        // range); setting one bit of them is refused rather than half-checked.
        if alarm_field.is_some() && matches!(t.selector, Selector::Bit(_)) {
            return operational_error(detail::NOT_WRITEABLE);
        }
        match alarm_field {
            Some((alarm, AlarmField::AckMsg)) => {
                // Writing `.AckMsg` acknowledges, for the writing user.
                let comment = match convert_scalar(&req.value, Repr::Str) {
                    Ok(MxValue::String(s)) => s,
                    Ok(_) => return operational_error(detail::CONVERSION_NOT_SUPPORTED),
                    Err(code) => return operational_error(code),
                };
                if comment.chars().count() > MAX_ACK_COMMENT_CHARS {
                    return operational_error(detail::DATA_OUT_OF_RANGE);
                }
                let user = entry
                    .authenticated
                    .contains(&req.user_id)
                    .then(|| galaxy.users.by_id(req.user_id))
                    .flatten();
                if galaxy.security_enabled
                    && !user.is_some_and(|u| u.permissions.has(Permission::AckAlarms))
                {
                    return ack_status(detail::NO_ALARM_ACK_PRIVILEGE);
                }
                let operator = user.map(|u| u.name.clone()).unwrap_or_default();
                let now = Timestamp::now();
                return match st.ack_alarm(t.object, alarm, &comment, &operator, now) {
                    Ok(()) => MxStatus::OK,
                    Err(status) => status,
                };
            }
            Some((_, AlarmField::Priority)) => {
                let in_range = matches!(
                    convert_scalar(&req.value, Repr::Int),
                    Ok(MxValue::Int32(p)) if (1..=999).contains(&p)
                );
                if !in_range {
                    return operational_error(detail::DATA_OUT_OF_RANGE);
                }
            }
            _ => {}
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
            // A bit field takes what converts to a Boolean and sets or clears its
            // bit; the other bits keep their values.
            Selector::Bit(n) => convert_scalar(&req.value, Repr::Bool).and_then(|v| {
                let on = matches!(v, MxValue::Bool(true));
                set_bit(&mut ps.value, n, on)
            }),
            Selector::Property(_) | Selector::AttributeNames => Err(detail::NOT_WRITEABLE),
        };
        if let Err(code) = converted {
            return operational_error(code);
        }
        // Off-scan objects accept writes; deliveries keep showing them out of service.
        let change = Change::Value {
            quality_changed: ps.quality != quality::GOOD,
        };
        ps.timestamp = req.timestamp.unwrap_or_else(Timestamp::now);
        ps.quality = quality::GOOD;
        st.fan_out_point(t.object, t.point, change);
        // A new value or a new limit may raise or clear alarms at once.
        let now = Timestamp::now();
        match alarm_field {
            Some((alarm, AlarmField::Limit)) => st.evaluate_alarm(t.object, alarm, now),
            _ => st.evaluate_alarms_of(t.object, t.attr, now),
        }
        MxStatus::OK
    }

    /// `AuthenticateUser`: the user's id (> 0; `FIRST_USER_ID` + the user's
    /// position in the model's users, so stable until a deploy reorders them).
    /// With security disabled any credentials succeed with id 1. The id counts as
    /// authenticated for writes on this connection only, and only while deploys
    /// keep giving it to the same user (see [`Plant::deploy`]).
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

    /// `ArchestrAUserToId`: the id of the galaxy user with this GUID, the same
    /// id [`Connection::authenticate`] gives that user. With security disabled
    /// every well-formed GUID gives [`OPEN_SECURITY_USER_ID`]. A GUID is not a
    /// credential, so the id is *not* authenticated for writes on this
    /// connection by this call.
    pub fn user_to_id(&self, guid: &str) -> Result<i32, AuthError> {
        if crate::security::normalize_guid(guid).is_none() {
            return Err(AuthError::MalformedGuid {
                guid: guid.to_string(),
            });
        }
        let st = self.plant.state();
        if !st.galaxy.security_enabled {
            return Ok(OPEN_SECURITY_USER_ID);
        }
        st.galaxy
            .users
            .id_by_guid(guid)
            .ok_or_else(|| AuthError::UnknownGuid {
                guid: guid.to_string(),
            })
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
                for (sub_id, sub) in entry.subs.into_entries() {
                    if let Ok(t) = sub.target {
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

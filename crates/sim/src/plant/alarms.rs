//! The alarm runtime: evaluates alarm conditions when their source attribute
//! or limit changes, runs the state machine, keeps the alarm sub-attributes
//! (`.InAlarm`, `.Acked`, `.AckMsg`, `.TimeAlarm*`) in step, and publishes every
//! transition on the alarm feed.
//!
//! Everything here runs under the plant's state lock, like every other change
//! of point values, so a transition, the sub-attribute updates it causes and
//! the feed message it sends are one atomic step: a snapshot taken together
//! with a feed subscription is never missing or repeating a transition.
//!
//! The feed is a `tokio::sync::broadcast` channel: sending never blocks, each
//! subscriber has its own cursor into a bounded ring, and one that falls more
//! than the ring behind is told so (`Lagged`) and resynchronizes from a fresh
//! snapshot, so a slow subscriber costs the others nothing.

use std::sync::Arc;

use mxgateway_mx::{detail, quality, MxStatus, MxValue, StatusCategory, StatusSource, Timestamp};
use tokio::sync::broadcast;

use super::{wake, State};
use crate::alarms::{
    AlarmCondition, AlarmFilter, AlarmRecord, AlarmState, DEFAULT_ALARM_PRIORITY,
    MAX_ACK_COMMENT_CHARS,
};
use crate::convert::as_f64;
use crate::error::AlarmAckError;
use crate::galaxy::{Galaxy, ObjectId};
use crate::model::Permission;
use crate::reference::Change;
use crate::Plant;

/// Default number of transitions a feed subscriber may fall behind before it
/// is resynchronized from a snapshot.
pub const DEFAULT_ALARM_FEED_CAPACITY: usize = 4096;

/// The runtime state of one alarm (its sub-attribute points hold the rest).
#[derive(Debug, Clone)]
pub(super) struct AlarmRt {
    state: AlarmState,
    time_on: Option<Timestamp>,
    time_off: Option<Timestamp>,
    time_acked: Option<Timestamp>,
    transition_time: Timestamp,
    ack_operator: Box<str>,
}

impl AlarmRt {
    fn idle(now: Timestamp) -> AlarmRt {
        AlarmRt {
            state: AlarmState::AckRtn,
            time_on: None,
            time_off: None,
            time_acked: None,
            transition_time: now,
            ack_operator: "".into(),
        }
    }
}

/// What the feed carries between the state lock and the subscribers.
#[derive(Debug, Clone)]
pub(super) enum FeedItem {
    Transition {
        sequence: u64,
        record: Arc<AlarmRecord>,
    },
    /// Every subscriber must start again from a snapshot (after a deploy).
    Resync,
}

/// The active alarms at one point of the transition sequence.
#[derive(Debug, Clone, PartialEq)]
pub struct AlarmSnapshot {
    /// The last transition the snapshot includes (0 before the first).
    pub sequence: u64,
    /// Active alarms (`UNACK_ALM`, `ACK_ALM`, `UNACK_RTN`), most urgent first.
    pub alarms: Vec<AlarmRecord>,
}

impl AlarmSnapshot {
    /// Keeps the alarms `filter` passes.
    pub fn filtered(mut self, galaxy_name: &str, filter: &AlarmFilter) -> AlarmSnapshot {
        self.alarms.retain(|r| filter.matches(galaxy_name, r));
        self
    }
}

/// What [`AlarmFeed::next`] yields.
#[derive(Debug, Clone)]
pub enum AlarmFeedEvent {
    /// One state change of one alarm.
    Transition {
        sequence: u64,
        record: Arc<AlarmRecord>,
    },
    /// The subscriber fell behind or a deploy replaced the alarms: this
    /// snapshot replaces everything seen so far; transitions continue after it.
    Resync(AlarmSnapshot),
}

/// A subscription to the alarm feed (see [`Plant::subscribe_alarms`]).
pub struct AlarmFeed {
    plant: Plant,
    rx: broadcast::Receiver<FeedItem>,
}

impl std::fmt::Debug for AlarmFeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AlarmFeed")
            .field("pending", &self.rx.len())
            .finish_non_exhaustive()
    }
}

impl AlarmFeed {
    /// The next transition, or a resynchronizing snapshot. Cancel-safe. The
    /// plant lives as long as this feed holds it, so the feed never ends.
    pub async fn next(&mut self) -> AlarmFeedEvent {
        match self.rx.recv().await {
            Ok(FeedItem::Transition { sequence, record }) => {
                AlarmFeedEvent::Transition { sequence, record }
            }
            Ok(FeedItem::Resync)
            | Err(broadcast::error::RecvError::Lagged(_))
            | Err(broadcast::error::RecvError::Closed) => {
                let (snapshot, rx) = self.plant.alarm_snapshot_and_receiver();
                self.rx = rx;
                AlarmFeedEvent::Resync(snapshot)
            }
        }
    }
}

/// The MXAccess status of a refused acknowledgement (1014 is a security
/// error, the rest operational).
pub(super) fn ack_status(code: i16) -> MxStatus {
    let category = if code == detail::NO_ALARM_ACK_PRIVILEGE {
        StatusCategory::SecurityError
    } else {
        StatusCategory::OperationalError
    };
    MxStatus::failure(category, StatusSource::RespondingAutomationObject, code)
}

/// Splits an alarm reference into its object and alarm: `Tag.Alarm`,
/// `Parent.Child.Alarm` (contained names), or with an `Area!` prefix as alarm
/// clients show it.
pub(super) fn find_alarm(galaxy: &Galaxy, reference: &str) -> Option<(ObjectId, u16)> {
    let reference = reference.trim();
    let reference = reference.rsplit_once('!').map_or(reference, |(_, r)| r);
    let mut split = 0;
    while let Some(dot) = reference[split..].find('.') {
        let (path, alarm) = (&reference[..split + dot], &reference[split + dot + 1..]);
        if let Some(object) = crate::reference::resolve_object_path(galaxy, path) {
            if let Some(local) = galaxy.object(object).schema.find_alarm(alarm) {
                return Some((object, local));
            }
        }
        split += dot + 1;
    }
    None
}

impl State {
    /// A fresh alarm table for the running galaxy (every alarm idle), with
    /// every condition evaluated once.
    pub(super) fn init_alarms(&mut self, now: Timestamp) {
        self.alarms = vec![AlarmRt::idle(now); self.galaxy.alarm_count as usize];
        self.evaluate_all_alarms(now);
    }

    /// After a deploy: alarms that exist before and after (same object tag
    /// name, same alarm name) keep their state; the rest start idle. Then every
    /// condition is evaluated and every feed subscriber resynchronizes.
    pub(super) fn redeploy_alarms(
        &mut self,
        old: &Galaxy,
        old_objects: &[Option<ObjectId>],
        now: Timestamp,
    ) {
        let galaxy = Arc::clone(&self.galaxy);
        let mut table = vec![AlarmRt::idle(now); galaxy.alarm_count as usize];
        for (o, obj) in galaxy.objects.iter().enumerate() {
            let Some(old_id) = old_objects[o] else {
                continue;
            };
            let old_obj = old.object(old_id);
            for (a, alarm) in obj.schema.alarms.iter().enumerate() {
                if let Some(oa) = old_obj.schema.find_alarm(&alarm.name) {
                    let from = (old_obj.first_alarm + u32::from(oa)) as usize;
                    if let Some(rt) = self.alarms.get(from) {
                        table[obj.first_alarm as usize + a] = rt.clone();
                    }
                }
            }
        }
        self.alarms = table;
        self.evaluate_all_alarms(now);
        // Nobody listening is not an error.
        let _ = self.alarm_feed.send(FeedItem::Resync);
    }

    fn evaluate_all_alarms(&mut self, now: Timestamp) {
        let galaxy = Arc::clone(&self.galaxy);
        for (o, obj) in galaxy.objects.iter().enumerate() {
            for a in 0..obj.schema.alarms.len() {
                self.evaluate_alarm(o as ObjectId, a as u16, now);
            }
        }
    }

    /// Evaluates every alarm that watches attribute `attr` of `object`.
    pub(super) fn evaluate_alarms_of(&mut self, object: ObjectId, attr: u16, now: Timestamp) {
        let galaxy = Arc::clone(&self.galaxy);
        let meta = &galaxy.object(object).schema.attrs[usize::from(attr)];
        for &alarm in meta.alarm_sources.iter() {
            self.evaluate_alarm(object, alarm, now);
        }
    }

    /// Evaluates one alarm's condition and runs its state machine.
    pub(super) fn evaluate_alarm(&mut self, object: ObjectId, local: u16, now: Timestamp) {
        if self.objects[object as usize].off_scan {
            // Off-scan objects do not execute, alarms included.
            return;
        }
        let galaxy = Arc::clone(&self.galaxy);
        let obj = galaxy.object(object);
        let am = &obj.schema.alarms[usize::from(local)];
        let id = (obj.first_alarm + u32::from(local)) as usize;
        let value = &self.points[(obj.first_point + u32::from(am.source)) as usize].value;
        let was = self.alarms[id].state.in_alarm();
        let now_in_alarm = match am.condition {
            AlarmCondition::Discrete => match value {
                MxValue::Bool(b) => *b == am.discrete_state,
                _ => was,
            },
            condition => {
                let limit = am
                    .fields
                    .limit
                    .map(|l| &self.points[(obj.first_point + u32::from(l)) as usize].value);
                match (as_f64(value), limit.and_then(as_f64)) {
                    (Some(v), Some(l)) if v.is_finite() && l.is_finite() => {
                        let db = am.deadband;
                        match (condition.is_high(), was) {
                            (true, false) => v >= l,
                            (true, true) => v >= l - db,
                            (false, false) => v <= l,
                            (false, true) => v <= l + db,
                        }
                    }
                    // Not a finite number: no judgement, no change.
                    _ => was,
                }
            }
        };
        let rt = &mut self.alarms[id];
        let next = match (rt.state, now_in_alarm) {
            (AlarmState::AckRtn | AlarmState::UnackRtn, true) => AlarmState::UnackAlm,
            (AlarmState::UnackAlm, false) => AlarmState::UnackRtn,
            (AlarmState::AckAlm, false) => AlarmState::AckRtn,
            _ => return,
        };
        rt.state = next;
        rt.transition_time = now;
        let f = am.fields;
        if next == AlarmState::UnackAlm {
            rt.time_on = Some(now);
            self.set_point(object, f.in_alarm, MxValue::Bool(true), now);
            self.set_point(object, f.acked, MxValue::Bool(false), now);
            self.set_point(object, f.time_on, MxValue::Time(now), now);
        } else {
            rt.time_off = Some(now);
            self.set_point(object, f.in_alarm, MxValue::Bool(false), now);
            self.set_point(object, f.time_off, MxValue::Time(now), now);
        }
        self.publish_alarm(object, local);
    }

    /// Acknowledges an alarm: UNACK_ALM → ACK_ALM, UNACK_RTN → ACK_RTN; any
    /// other state is refused with 1015. Updates `.Acked`, `.AckMsg` and
    /// `.TimeAlarmAcked`. Authorization is the caller's business.
    pub(super) fn ack_alarm(
        &mut self,
        object: ObjectId,
        local: u16,
        comment: &str,
        operator: &str,
        now: Timestamp,
    ) -> Result<(), MxStatus> {
        if comment.chars().count() > MAX_ACK_COMMENT_CHARS {
            return Err(ack_status(detail::DATA_OUT_OF_RANGE));
        }
        let galaxy = Arc::clone(&self.galaxy);
        let obj = galaxy.object(object);
        let am = &obj.schema.alarms[usize::from(local)];
        let rt = &mut self.alarms[(obj.first_alarm + u32::from(local)) as usize];
        rt.state = match rt.state {
            AlarmState::UnackAlm => AlarmState::AckAlm,
            AlarmState::UnackRtn => AlarmState::AckRtn,
            AlarmState::AckAlm | AlarmState::AckRtn => {
                return Err(ack_status(detail::ALARM_ACKED_ALREADY))
            }
        };
        rt.transition_time = now;
        rt.time_acked = Some(now);
        rt.ack_operator = operator.into();
        let f = am.fields;
        self.set_point(object, f.acked, MxValue::Bool(true), now);
        self.set_point(object, f.ack_msg, MxValue::String(comment.to_string()), now);
        self.set_point(object, f.time_acked, MxValue::Time(now), now);
        self.publish_alarm(object, local);
        Ok(())
    }

    /// Whether `operator` may acknowledge alarms: anyone with galaxy security
    /// off, a user with the `ack_alarms` permission with it on.
    pub(super) fn may_acknowledge(&self, operator: &str) -> bool {
        !self.galaxy.security_enabled
            || self
                .galaxy
                .users
                .by_name(operator)
                .is_some_and(|u| u.permissions.has(Permission::AckAlarms))
    }

    /// Sets an alarm sub-attribute and tells its subscribers.
    fn set_point(&mut self, object: ObjectId, attr: u16, value: MxValue, now: Timestamp) {
        let point = self.galaxy.object(object).first_point + u32::from(attr);
        let ps = &mut self.points[point as usize];
        let change = Change::Value {
            quality_changed: ps.quality != quality::GOOD,
        };
        ps.value = value;
        ps.timestamp = now;
        ps.quality = quality::GOOD;
        self.fan_out_point(object, point, change);
    }

    fn publish_alarm(&mut self, object: ObjectId, local: u16) {
        self.alarm_sequence += 1;
        let record = Arc::new(self.alarm_record(object, local));
        // A send fails only when nobody subscribes, which is fine.
        let _ = self.alarm_feed.send(FeedItem::Transition {
            sequence: self.alarm_sequence,
            record,
        });
    }

    /// The record of one alarm as it stands.
    pub(super) fn alarm_record(&self, object: ObjectId, local: u16) -> AlarmRecord {
        let galaxy = &self.galaxy;
        let obj = galaxy.object(object);
        let am = &obj.schema.alarms[usize::from(local)];
        let rt = &self.alarms[(obj.first_alarm + u32::from(local)) as usize];
        let value_of = |a: u16| &self.points[(obj.first_point + u32::from(a)) as usize].value;
        let text = |a: u16| match value_of(a) {
            MxValue::String(s) => s.clone(),
            _ => String::new(),
        };
        let priority = match value_of(am.fields.priority) {
            MxValue::Int32(p) => *p,
            _ => DEFAULT_ALARM_PRIORITY,
        };
        let source = (obj.first_point + u32::from(am.source)) as usize;
        let quality = if !self.connected {
            quality::BAD_COMM_FAILURE
        } else if self.objects[object as usize].off_scan {
            quality::BAD_OUT_OF_SERVICE
        } else {
            self.points[source].quality
        };
        let mut area_path = Vec::new();
        let mut area = obj.area;
        while let Some(a) = area {
            if area_path.len() > galaxy.objects.len() {
                break; // Compilation rejects cycles; never loop regardless.
            }
            let area_obj = galaxy.object(a);
            area_path.push(area_obj.tag_name.clone());
            area = area_obj.area;
        }
        AlarmRecord {
            reference: format!("{}.{}", obj.tag_name, am.name),
            tag_name: obj.tag_name.to_string(),
            alarm_name: am.name.to_string(),
            area: area_path.first().map(|a| a.to_string()).unwrap_or_default(),
            area_path: area_path.into(),
            source_reference: format!(
                "{}.{}",
                obj.tag_name,
                obj.schema.attrs[usize::from(am.source)].name
            ),
            condition: am.condition,
            state: rt.state,
            priority,
            category: text(am.fields.category),
            description: text(am.fields.description),
            value: self.points[source].value.clone(),
            data_type: obj.schema.attrs[usize::from(am.source)].data_type,
            limit: am.fields.limit.map(|l| value_of(l).clone()),
            quality,
            time_alarm_on: rt.time_on,
            time_alarm_off: rt.time_off,
            time_alarm_acked: rt.time_acked,
            ack_operator: rt.ack_operator.to_string(),
            ack_comment: text(am.fields.ack_msg),
            transition_time: rt.transition_time,
        }
    }

    /// Every active alarm, most urgent first.
    fn alarm_snapshot(&self) -> AlarmSnapshot {
        let mut alarms = Vec::new();
        for (o, obj) in self.galaxy.objects.iter().enumerate() {
            for a in 0..obj.schema.alarms.len() {
                let id = obj.first_alarm as usize + a;
                if self.alarms[id].state.is_active() {
                    alarms.push(self.alarm_record(o as ObjectId, a as u16));
                }
            }
        }
        alarms.sort_by(AlarmRecord::summary_order);
        AlarmSnapshot {
            sequence: self.alarm_sequence,
            alarms,
        }
    }
}

/// The feed's sending side, created with the plant.
pub(super) fn feed_channel(capacity: usize) -> broadcast::Sender<FeedItem> {
    broadcast::channel(capacity.max(1)).0
}

impl Plant {
    /// The active alarms (`UNACK_ALM`, `ACK_ALM`, `UNACK_RTN`), most urgent
    /// first (priority, then the oldest occurrence, then the reference).
    pub fn active_alarms(&self) -> AlarmSnapshot {
        self.state().alarm_snapshot()
    }

    /// Subscribes to the alarm feed: the active alarms now, and a feed of
    /// every transition after them, taken atomically.
    pub fn subscribe_alarms(&self) -> (AlarmSnapshot, AlarmFeed) {
        let (snapshot, rx) = self.alarm_snapshot_and_receiver();
        (
            snapshot,
            AlarmFeed {
                plant: self.clone(),
                rx,
            },
        )
    }

    fn alarm_snapshot_and_receiver(&self) -> (AlarmSnapshot, broadcast::Receiver<FeedItem>) {
        let st = self.state();
        (st.alarm_snapshot(), st.alarm_feed.subscribe())
    }

    /// One alarm by reference (`Tank_001.Level.Hi`, `Area!Tank_001.Level.Hi`),
    /// active or not.
    pub fn alarm(&self, reference: &str) -> Option<AlarmRecord> {
        let st = self.state();
        let (object, local) = find_alarm(&st.galaxy, reference)?;
        Some(st.alarm_record(object, local))
    }

    /// Acknowledges an alarm for `operator` (a galaxy user name), as a write
    /// of `comment` to its `.AckMsg` would. With galaxy security on, the
    /// operator must be a user with the `ack_alarms` permission (else 1014);
    /// an alarm that needs no acknowledgement is refused with 1015. Returns the
    /// alarm after the acknowledgement.
    pub fn acknowledge_alarm(
        &self,
        reference: &str,
        comment: &str,
        operator: &str,
    ) -> Result<AlarmRecord, AlarmAckError> {
        let (result, to_wake) = {
            let mut st = self.state();
            let Some((object, local)) = find_alarm(&st.galaxy, reference) else {
                return Err(AlarmAckError::UnknownAlarm {
                    reference: reference.to_string(),
                });
            };
            let outcome = if st.may_acknowledge(operator) {
                st.ack_alarm(object, local, comment, operator, Timestamp::now())
            } else {
                Err(ack_status(detail::NO_ALARM_ACK_PRIVILEGE))
            };
            let record = st.alarm_record(object, local);
            let result = match outcome {
                Ok(()) => Ok(record),
                Err(status) => Err(AlarmAckError::Refused {
                    status,
                    record: Box::new(record),
                }),
            };
            (result, st.flush())
        };
        wake(to_wake);
        result
    }
}

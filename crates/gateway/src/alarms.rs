//! The session-less alarm RPCs of `MxAccessGateway` (StreamAlarms,
//! QueryActiveAlarms, AcknowledgeAlarm) over the simulated plant's alarm
//! runtime, and the conversion of alarm records to the wire.
//!
//! The alarm state lives in the plant, the same state MXAccess sessions see
//! as `.InAlarm`/`.Acked`/`.AckMsg` sub-attributes, so the feed and the
//! sub-attributes always agree. Each StreamAlarms call gets its own plant feed
//! subscription (a cursor into a bounded ring) and its own bounded gRPC
//! channel: a slow client only makes its own subscription fall behind, which
//! the plant answers with a fresh snapshot (`resync`), never by blocking or
//! by dropping anything silently.
//!
//! Tag constraints apply to alarms too: a key with a read allow-list sees an
//! alarm only if the list allows its `<alarm>.InAlarm` reference, and a key
//! with a write allow-list may acknowledge only if it allows `<alarm>.AckMsg`.

use mxgateway_mx::AllowList;
use mxgateway_proto::timestamp_to_pb;
use mxgateway_proto::v1::{
    AcknowledgeAlarmReply, AlarmCondition, AlarmEvent, AlarmEventKind, AlarmRecord, AlarmState,
    MxValue,
};
use mxgateway_sim::{
    AlarmAckError, AlarmFeedEvent, AlarmFilter, AlarmSnapshot, Plant, MAX_ACK_COMMENT_CHARS,
};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tonic::Status;

use crate::auth::Principal;
use crate::error::GatewayError;

/// AlarmEvent messages buffered per StreamAlarms call before the stream's
/// plant subscription starts to fall behind (and is later resynchronized).
pub const ALARM_STREAM_CHANNEL_MESSAGES: usize = 256;

/// The longest operator name AcknowledgeAlarm accepts (characters).
pub const MAX_OPERATOR_CHARS: usize = 256;

/// The alarms one caller may see and acknowledge.
#[derive(Debug, Clone)]
pub(crate) struct AlarmAccess {
    filter: AlarmFilter,
    read: AllowList,
}

impl AlarmAccess {
    /// Parses the request's filter for `principal`; a malformed filter is
    /// INVALID_ARGUMENT with the reason.
    pub(crate) fn new(
        principal: &Principal,
        filter: Option<mxgateway_proto::v1::AlarmFilter>,
    ) -> Result<AlarmAccess, GatewayError> {
        let filter = filter.unwrap_or_default();
        let filter = AlarmFilter::parse(&filter.queries, filter.min_priority, filter.max_priority)
            .map_err(GatewayError::InvalidArgument)?;
        Ok(AlarmAccess {
            filter,
            read: AllowList::new(principal.allow_read()),
        })
    }

    fn admits(&self, galaxy: &str, record: &mxgateway_sim::AlarmRecord) -> bool {
        self.filter.matches(galaxy, record)
            && (self.read.is_unrestricted()
                || self.read.allows(&format!("{}.InAlarm", record.reference)))
    }

    fn cut(&self, galaxy: &str, mut snapshot: AlarmSnapshot) -> AlarmSnapshot {
        snapshot.alarms.retain(|r| self.admits(galaxy, r));
        snapshot
    }
}

fn state_to_pb(s: mxgateway_sim::AlarmState) -> AlarmState {
    match s {
        mxgateway_sim::AlarmState::UnackAlm => AlarmState::UnackAlm,
        mxgateway_sim::AlarmState::AckAlm => AlarmState::AckAlm,
        mxgateway_sim::AlarmState::UnackRtn => AlarmState::UnackRtn,
        mxgateway_sim::AlarmState::AckRtn => AlarmState::AckRtn,
    }
}

fn condition_to_pb(c: mxgateway_sim::AlarmCondition) -> AlarmCondition {
    match c {
        mxgateway_sim::AlarmCondition::HiHi => AlarmCondition::Hihi,
        mxgateway_sim::AlarmCondition::Hi => AlarmCondition::Hi,
        mxgateway_sim::AlarmCondition::Lo => AlarmCondition::Lo,
        mxgateway_sim::AlarmCondition::LoLo => AlarmCondition::Lolo,
        mxgateway_sim::AlarmCondition::Discrete => AlarmCondition::Discrete,
    }
}

/// An alarm record on the wire.
pub(crate) fn record_to_pb(r: &mxgateway_sim::AlarmRecord) -> AlarmRecord {
    AlarmRecord {
        reference: r.reference.clone(),
        tag_name: r.tag_name.clone(),
        alarm_name: r.alarm_name.clone(),
        area: r.area.clone(),
        source_reference: r.source_reference.clone(),
        condition: condition_to_pb(r.condition) as i32,
        state: state_to_pb(r.state) as i32,
        priority: r.priority,
        category: r.category.clone(),
        description: r.description.clone(),
        value: Some(MxValue::from_domain(&r.value, r.data_type)),
        limit: r
            .limit
            .as_ref()
            .map(|l| MxValue::from_domain(l, r.data_type)),
        quality: r.quality,
        time_alarm_on: r.time_alarm_on.map(timestamp_to_pb),
        time_alarm_off: r.time_alarm_off.map(timestamp_to_pb),
        time_alarm_acked: r.time_alarm_acked.map(timestamp_to_pb),
        ack_operator: r.ack_operator.clone(),
        ack_comment: r.ack_comment.clone(),
        transition_time: Some(timestamp_to_pb(r.transition_time)),
    }
}

/// QueryActiveAlarms: the active alarms `access` admits, most urgent first.
pub(crate) fn query_active(plant: &Plant, access: &AlarmAccess) -> Vec<AlarmRecord> {
    let galaxy = plant.galaxy_name();
    access
        .cut(&galaxy, plant.active_alarms())
        .alarms
        .iter()
        .map(record_to_pb)
        .collect()
}

/// Sends one snapshot: its records, then SNAPSHOT_END. Err when the client left.
async fn send_snapshot(
    tx: &mpsc::Sender<Result<AlarmEvent, Status>>,
    snapshot: AlarmSnapshot,
    resync: bool,
) -> Result<(), ()> {
    let count = snapshot.alarms.len();
    for record in &snapshot.alarms {
        let event = AlarmEvent {
            kind: AlarmEventKind::Snapshot as i32,
            sequence: snapshot.sequence,
            alarm: Some(record_to_pb(record)),
            snapshot_count: 0,
            resync,
        };
        tx.send(Ok(event)).await.map_err(|_| ())?;
    }
    let end = AlarmEvent {
        kind: AlarmEventKind::SnapshotEnd as i32,
        sequence: snapshot.sequence,
        alarm: None,
        snapshot_count: u32::try_from(count).unwrap_or(u32::MAX),
        resync,
    };
    tx.send(Ok(end)).await.map_err(|_| ())
}

/// StreamAlarms: subscribes now (so the snapshot and the transitions after it
/// are taken atomically) and feeds a bounded channel from a task that ends
/// when the client leaves or the gateway shuts down.
pub(crate) fn stream(
    plant: &Plant,
    access: AlarmAccess,
    shutdown: CancellationToken,
) -> mpsc::Receiver<Result<AlarmEvent, Status>> {
    let (snapshot, mut feed) = plant.subscribe_alarms();
    let plant = plant.clone();
    let (tx, rx) = mpsc::channel(ALARM_STREAM_CHANNEL_MESSAGES);
    tokio::spawn(async move {
        let run = async {
            let mut galaxy = plant.galaxy_name();
            send_snapshot(&tx, access.cut(&galaxy, snapshot), false).await?;
            loop {
                match feed.next().await {
                    AlarmFeedEvent::Transition { sequence, record } => {
                        if !access.admits(&galaxy, &record) {
                            continue;
                        }
                        let event = AlarmEvent {
                            kind: AlarmEventKind::Transition as i32,
                            sequence,
                            alarm: Some(record_to_pb(&record)),
                            snapshot_count: 0,
                            resync: false,
                        };
                        tx.send(Ok(event)).await.map_err(|_| ())?;
                    }
                    AlarmFeedEvent::Resync(snapshot) => {
                        // Deploys resynchronize, and may rename the galaxy.
                        galaxy = plant.galaxy_name();
                        tracing::debug!(
                            sequence = snapshot.sequence,
                            "alarm stream resynchronized"
                        );
                        send_snapshot(&tx, access.cut(&galaxy, snapshot), true).await?;
                    }
                }
            }
            #[allow(unreachable_code)]
            Ok::<(), ()>(())
        };
        tokio::select! {
            _ = shutdown.cancelled() => {}
            _ = tx.closed() => {}
            _ = run => {}
        }
    });
    rx
}

/// AcknowledgeAlarm: validates the request, checks the key's write
/// allow-list, and acknowledges for `operator`. A refusal by the runtime is a
/// reply with its status, not an error; an unknown reference is NOT_FOUND.
pub(crate) fn acknowledge(
    plant: &Plant,
    principal: &Principal,
    request: mxgateway_proto::v1::AcknowledgeAlarmRequest,
) -> Result<AcknowledgeAlarmReply, GatewayError> {
    let reference = request.reference.trim();
    if reference.is_empty() {
        return Err(GatewayError::InvalidArgument(
            "reference is empty (expected TagName.AlarmName, e.g. Tank_001.Level.Hi)".into(),
        ));
    }
    if request.comment.chars().count() > MAX_ACK_COMMENT_CHARS {
        return Err(GatewayError::InvalidArgument(format!(
            "comment is longer than {MAX_ACK_COMMENT_CHARS} characters"
        )));
    }
    if request.operator.chars().count() > MAX_OPERATOR_CHARS {
        return Err(GatewayError::InvalidArgument(format!(
            "operator is longer than {MAX_OPERATOR_CHARS} characters"
        )));
    }
    let unknown = || GatewayError::NotFound(format!("no alarm {reference:?} in the galaxy"));
    let current = plant.alarm(reference).ok_or_else(unknown)?;
    let write = AllowList::new(principal.allow_write());
    if !write.is_unrestricted() && !write.allows(&format!("{}.AckMsg", current.reference)) {
        return Err(GatewayError::PermissionDenied(format!(
            "the API key may not acknowledge {} (its write allow-list)",
            current.reference
        )));
    }
    let outcome = plant.acknowledge_alarm(reference, &request.comment, &request.operator);
    let (status, record) = match outcome {
        Ok(record) => (mxgateway_mx::MxStatus::OK, record),
        Err(AlarmAckError::Refused { status, record }) => (status, *record),
        Err(AlarmAckError::UnknownAlarm { .. }) => return Err(unknown()),
        Err(other) => return Err(GatewayError::Internal(other.to_string())),
    };
    tracing::info!(
        key_id = principal.key_id(),
        alarm = %record.reference,
        operator = %request.operator,
        detail = status.detail,
        "alarm acknowledgement"
    );
    Ok(AcknowledgeAlarmReply {
        status: Some(status.into()),
        alarm: Some(record_to_pb(&record)),
    })
}

//! An in-process fake `MxAccessGateway` for the client and CLI tests.
//!
//! It records every call (method, `authorization` metadata, request), answers
//! commands with scripted or default replies, and serves scripted event
//! batches. It listens on `127.0.0.1:0` and stops through
//! `serve_with_incoming_shutdown`, so tests never sleep for readiness.
//! The CLI tests include this file with `#[path]`, so it only uses crates both
//! test suites depend on.
//!
//! Every `FakeServer` also serves the fake `GalaxyRepository` of
//! `fake_galaxy.rs` (its state is [`FakeServer::galaxy`]).
//!
//! The alarm RPCs serve canned data: the alarm of the `docs/cli-json.md`
//! examples ([`doc_alarm`]), scripted alarm events and acknowledgement
//! replies (see [`AlarmScript`]).

#![allow(dead_code)]

#[path = "fake_galaxy.rs"]
pub mod galaxy;

pub use galaxy::*;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use mxgateway_proto::v1::{
    self,
    mx_access_gateway_server::{MxAccessGateway, MxAccessGatewayServer},
    mx_command::Command,
    mx_command_reply,
};
use tokio::sync::{mpsc, oneshot, Notify};
use tokio_stream::wrappers::ReceiverStream;
use tonic::transport::server::TcpIncoming;
use tonic::transport::{Identity, Server, ServerTlsConfig};
use tonic::{Request, Response, Status};

/// One recorded request.
#[derive(Debug, Clone)]
pub enum Message {
    Open(v1::OpenSessionRequest),
    Close(v1::CloseSessionRequest),
    Invoke(v1::MxCommandRequest),
    Stream(v1::StreamEventsRequest),
    StreamAlarms(v1::StreamAlarmsRequest),
    QueryAlarms(v1::QueryActiveAlarmsRequest),
    Acknowledge(v1::AcknowledgeAlarmRequest),
}

/// One recorded call.
#[derive(Debug, Clone)]
pub struct Call {
    pub method: &'static str,
    pub authorization: Option<String>,
    pub message: Message,
}

/// The fake's script and recordings.
#[derive(Default)]
pub struct State {
    /// When set, calls whose bearer differs get UNAUTHENTICATED.
    pub required_key: Mutex<Option<String>>,
    /// When true, an authentication failure echoes the header it got, like a
    /// careless proxy would; the client must scrub it.
    pub echo_bad_key: Mutex<bool>,
    pub calls: Mutex<Vec<Call>>,
    /// Replies for the next Invoke calls, in order; then defaults.
    pub replies: Mutex<VecDeque<Result<v1::MxCommandReply, Status>>>,
    /// An error for the next call of any method.
    pub next_error: Mutex<Option<Status>>,
    /// Batches every new event stream sends.
    pub batches: Mutex<Vec<v1::StreamEventsReply>>,
    /// When true, streams end after their batches instead of staying open.
    pub end_streams: Mutex<bool>,
    /// When true, Invoke never answers (for timeout tests).
    pub hang_invoke: Mutex<bool>,
    /// The `max_bulk_items` OpenSession advertises; `None` means 1000.
    pub max_bulk_items: Mutex<Option<u32>>,
    pub streams_cancelled: AtomicUsize,
    pub stream_cancelled: Notify,
    pub sessions_opened: AtomicUsize,
    pub close_calls: AtomicUsize,
    /// The alarm RPCs' script.
    pub alarms: AlarmScript,
}

/// What the alarm RPCs answer.
#[derive(Default)]
pub struct AlarmScript {
    /// Events every new StreamAlarms call sends; then it stays open (or ends,
    /// see `end_streams`).
    pub events: Mutex<Vec<v1::AlarmEvent>>,
    /// An error every new StreamAlarms call sends after its events.
    pub stream_error: Mutex<Option<Status>>,
    /// When true, alarm streams end after their events.
    pub end_streams: Mutex<bool>,
    /// What QueryActiveAlarms returns.
    pub active: Mutex<Vec<v1::AlarmRecord>>,
    /// When true, QueryActiveAlarms sends its records but never ends.
    pub hang_query: Mutex<bool>,
    /// Replies for the next AcknowledgeAlarm calls, in order; then
    /// [`doc_ack_reply`].
    pub ack_replies: Mutex<VecDeque<Result<v1::AcknowledgeAlarmReply, Status>>>,
    pub streams_cancelled: AtomicUsize,
    pub stream_cancelled: Notify,
}

impl State {
    /// The recorded StreamAlarms requests.
    pub fn alarm_streams(&self) -> Vec<v1::StreamAlarmsRequest> {
        self.calls()
            .into_iter()
            .filter_map(|c| match c.message {
                Message::StreamAlarms(r) => Some(r),
                _ => None,
            })
            .collect()
    }

    /// The recorded QueryActiveAlarms requests.
    pub fn alarm_queries(&self) -> Vec<v1::QueryActiveAlarmsRequest> {
        self.calls()
            .into_iter()
            .filter_map(|c| match c.message {
                Message::QueryAlarms(r) => Some(r),
                _ => None,
            })
            .collect()
    }

    /// The recorded AcknowledgeAlarm requests.
    pub fn acknowledgements(&self) -> Vec<v1::AcknowledgeAlarmRequest> {
        self.calls()
            .into_iter()
            .filter_map(|c| match c.message {
                Message::Acknowledge(r) => Some(r),
                _ => None,
            })
            .collect()
    }
}

/// A timestamp at `2026-11-22T03:04:05Z` plus `offset_ms`.
pub fn doc_alarm_time(offset_ms: i64) -> prost_types::Timestamp {
    let ms = 1_795_316_645_000 + offset_ms;
    prost_types::Timestamp {
        seconds: ms.div_euclid(1000),
        nanos: (ms.rem_euclid(1000) * 1_000_000) as i32,
    }
}

pub fn double_value(v: f64) -> v1::MxValue {
    v1::MxValue {
        data_type: v1::MxDataType::Double as i32,
        variant_type: 5,
        kind: Some(v1::mx_value::Kind::DoubleValue(v)),
    }
}

/// The alarm of the `docs/cli-json.md` examples, unacknowledged.
pub fn doc_alarm() -> v1::AlarmRecord {
    v1::AlarmRecord {
        reference: "Tank_001.Level.Hi".into(),
        tag_name: "Tank_001".into(),
        alarm_name: "Level.Hi".into(),
        area: "TankFarm".into(),
        source_reference: "Tank_001.Level".into(),
        condition: v1::AlarmCondition::Hi as i32,
        state: v1::AlarmState::UnackAlm as i32,
        priority: 500,
        category: "Value Hi".into(),
        description: "Tank 1 level high".into(),
        value: Some(double_value(77.5)),
        limit: Some(double_value(75.0)),
        quality: 192,
        time_alarm_on: Some(doc_alarm_time(500)),
        time_alarm_off: None,
        time_alarm_acked: None,
        ack_operator: String::new(),
        ack_comment: String::new(),
        transition_time: Some(doc_alarm_time(500)),
    }
}

/// The doc alarm as `supervisor` acknowledged it with "seen".
pub fn doc_acked_alarm() -> v1::AlarmRecord {
    v1::AlarmRecord {
        state: v1::AlarmState::AckAlm as i32,
        time_alarm_acked: Some(doc_alarm_time(4000)),
        ack_operator: "supervisor".into(),
        ack_comment: "seen".into(),
        transition_time: Some(doc_alarm_time(4000)),
        ..doc_alarm()
    }
}

/// The OK status of an acknowledgement (detected by the automation object).
pub fn ack_ok_status() -> v1::MxStatus {
    v1::MxStatus {
        success: 1,
        category: v1::MxStatusCategory::Ok as i32,
        detected_by: v1::MxStatusSource::RespondingAutomationObject as i32,
        detail: 0,
        raw_category: 0,
        raw_detected_by: 5,
    }
}

/// The reply of the `acknowledge-alarm` doc example.
pub fn doc_ack_reply() -> v1::AcknowledgeAlarmReply {
    v1::AcknowledgeAlarmReply {
        status: Some(ack_ok_status()),
        alarm: Some(doc_acked_alarm()),
    }
}

/// A refused acknowledgement: `detail` 1015 (already acknowledged, an
/// operational error) or 1014 (no privilege, a security error).
pub fn ack_refused_reply(detail: i32) -> v1::AcknowledgeAlarmReply {
    let (category, raw_category) = if detail == 1014 {
        (v1::MxStatusCategory::SecurityError, 6)
    } else {
        (v1::MxStatusCategory::OperationalError, 4)
    };
    v1::AcknowledgeAlarmReply {
        status: Some(v1::MxStatus {
            success: 0,
            category: category as i32,
            detected_by: v1::MxStatusSource::RespondingAutomationObject as i32,
            detail,
            raw_category,
            raw_detected_by: 5,
        }),
        alarm: Some(doc_acked_alarm()),
    }
}

/// An alarm event.
pub fn alarm_event(
    kind: v1::AlarmEventKind,
    sequence: u64,
    alarm: Option<v1::AlarmRecord>,
    snapshot_count: u32,
) -> v1::AlarmEvent {
    v1::AlarmEvent {
        kind: kind as i32,
        sequence,
        alarm,
        snapshot_count,
        resync: false,
    }
}

impl State {
    pub fn new() -> Arc<Self> {
        Arc::new(State::default())
    }

    pub fn calls(&self) -> Vec<Call> {
        self.calls.lock().unwrap().clone()
    }

    pub fn invokes(&self) -> Vec<v1::MxCommandRequest> {
        self.calls()
            .into_iter()
            .filter_map(|c| match c.message {
                Message::Invoke(r) => Some(r),
                _ => None,
            })
            .collect()
    }

    pub fn commands(&self) -> Vec<Command> {
        self.invokes()
            .into_iter()
            .filter_map(|r| r.command.and_then(|c| c.command))
            .collect()
    }

    pub fn push_reply(&self, reply: Result<v1::MxCommandReply, Status>) {
        self.replies.lock().unwrap().push_back(reply);
    }

    pub fn set_next_error(&self, status: Status) {
        *self.next_error.lock().unwrap() = Some(status);
    }

    pub fn set_batches(&self, batches: Vec<v1::StreamEventsReply>) {
        *self.batches.lock().unwrap() = batches;
    }
}

/// A status with the gateway's `mxgateway-error` metadata.
pub fn gateway_status(code: tonic::Code, kind: &str, message: &str) -> Status {
    let mut status = Status::new(code, message);
    status
        .metadata_mut()
        .insert("mxgateway-error", kind.parse().unwrap());
    status
}

/// The status MXAccess reports for success.
pub fn ok_status() -> v1::MxStatus {
    v1::MxStatus {
        success: 1,
        category: v1::MxStatusCategory::Ok as i32,
        detected_by: v1::MxStatusSource::RespondingLmx as i32,
        detail: 0,
        raw_category: 0,
        raw_detected_by: 1,
    }
}

/// A successful reply with an optional result.
pub fn ok_reply(result: Option<mx_command_reply::Result>) -> v1::MxCommandReply {
    v1::MxCommandReply {
        protocol_status: v1::ProtocolStatus::Ok as i32,
        hresult: 0,
        statuses: vec![ok_status()],
        message: String::new(),
        result,
    }
}

/// A data change event.
pub fn data_change(seq: u64, value: v1::MxValue) -> v1::MxEvent {
    v1::MxEvent {
        worker_sequence: seq,
        server_handle: 1,
        item_handle: 2,
        conflated: 0,
        kind: Some(v1::mx_event::Kind::DataChange(v1::OnDataChange {
            value: Some(value),
            quality: 192,
            timestamp: Some(prost_types::Timestamp {
                seconds: 1_700_000_000,
                nanos: 500_000_000,
            }),
            statuses: vec![ok_status()],
        })),
    }
}

pub fn int_value(v: i32) -> v1::MxValue {
    v1::MxValue {
        data_type: v1::MxDataType::Integer as i32,
        variant_type: 3,
        kind: Some(v1::mx_value::Kind::Int32Value(v)),
    }
}

#[derive(Clone)]
struct Fake {
    state: Arc<State>,
}

impl Fake {
    /// Records the call, then applies the auth check and the scripted error.
    fn admit<T: Clone>(
        &self,
        method: &'static str,
        request: &Request<T>,
        wrap: fn(T) -> Message,
    ) -> Result<(), Status> {
        let authorization = request
            .metadata()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        self.state.calls.lock().unwrap().push(Call {
            method,
            authorization: authorization.clone(),
            message: wrap(request.get_ref().clone()),
        });
        if let Some(key) = self.state.required_key.lock().unwrap().clone() {
            if authorization.as_deref() != Some(format!("Bearer {key}").as_str()) {
                let text = if *self.state.echo_bad_key.lock().unwrap() {
                    format!("rejected header {}", authorization.unwrap_or_default())
                } else {
                    "invalid API key".to_string()
                };
                return Err(gateway_status(
                    tonic::Code::Unauthenticated,
                    "unauthenticated",
                    &text,
                ));
            }
        }
        if let Some(status) = self.state.next_error.lock().unwrap().take() {
            return Err(status);
        }
        Ok(())
    }
}

/// A successful bulk entry result for a reference or a handle.
pub fn subscribe_ok(item_definition: &str, item_handle: i32) -> v1::SubscribeResult {
    v1::SubscribeResult {
        item_definition: item_definition.to_string(),
        item_handle,
        was_successful: true,
        hresult: 0,
        statuses: vec![ok_status()],
        message: String::new(),
        denied_by_constraint: false,
    }
}

/// A successful bulk write result.
pub fn write_ok(item_handle: i32) -> v1::BulkWriteResult {
    v1::BulkWriteResult {
        item_handle,
        was_successful: true,
        hresult: 0,
        statuses: vec![ok_status()],
        message: String::new(),
        denied_by_constraint: false,
    }
}

/// A successful, cached bulk read of 42 (as [`data_change`] carries it).
pub fn read_ok(item_definition: &str) -> v1::BulkReadResult {
    v1::BulkReadResult {
        item_definition: item_definition.to_string(),
        was_successful: true,
        was_cached: true,
        value: Some(int_value(42)),
        quality: 192,
        timestamp: Some(prost_types::Timestamp {
            seconds: 1_700_000_000,
            nanos: 500_000_000,
        }),
        statuses: vec![ok_status()],
        message: String::new(),
        denied_by_constraint: false,
    }
}

/// A successful bulk reply: every entry succeeds. References get item
/// handles 2, 3, ... in order; handle entries echo their handle.
pub fn bulk_ok_reply(command: &Command) -> Option<v1::MxCommandReply> {
    use mx_command_reply::Result as R;
    let subscribe = |results| Some(R::SubscribeResults(v1::SubscribeResults { results }));
    let write = |handles: Vec<i32>| {
        Some(R::WriteResults(v1::BulkWriteResults {
            results: handles.into_iter().map(write_ok).collect(),
        }))
    };
    let result = match command {
        Command::AddItemBulk(c) | Command::SubscribeBulk(c) => subscribe(
            c.item_definitions
                .iter()
                .zip(2..)
                .map(|(d, h)| subscribe_ok(d, h))
                .collect(),
        ),
        Command::AdviseItemBulk(c)
        | Command::RemoveItemBulk(c)
        | Command::UnadviseItemBulk(c)
        | Command::UnsubscribeBulk(c) => subscribe(
            c.item_handles
                .iter()
                .map(|&h| subscribe_ok("", h))
                .collect(),
        ),
        Command::WriteBulk(c) => write(c.entries.iter().map(|e| e.item_handle).collect()),
        Command::Write2Bulk(c) => write(c.entries.iter().map(|e| e.item_handle).collect()),
        Command::WriteSecuredBulk(c) => write(c.entries.iter().map(|e| e.item_handle).collect()),
        Command::WriteSecured2Bulk(c) => write(c.entries.iter().map(|e| e.item_handle).collect()),
        Command::ReadBulk(c) => Some(R::ReadResults(v1::BulkReadResults {
            results: c.item_definitions.iter().map(|d| read_ok(d)).collect(),
        })),
        _ => return None,
    };
    Some(ok_reply(result))
}

fn default_reply(command: Option<&Command>) -> v1::MxCommandReply {
    use mx_command_reply::Result as R;
    if let Some(reply) = command.and_then(bulk_ok_reply) {
        return reply;
    }
    let result = match command {
        Some(Command::Register(_)) => Some(R::ServerHandle(1)),
        Some(Command::AddItem(_) | Command::AddItem2(_)) => Some(R::ItemHandle(2)),
        Some(Command::AuthenticateUser(_) | Command::ArchestraUserToId(_)) => Some(R::UserId(7)),
        _ => None,
    };
    ok_reply(result)
}

#[tonic::async_trait]
impl MxAccessGateway for Fake {
    async fn open_session(
        &self,
        request: Request<v1::OpenSessionRequest>,
    ) -> Result<Response<v1::OpenSessionReply>, Status> {
        self.admit("OpenSession", &request, Message::Open)?;
        let n = self.state.sessions_opened.fetch_add(1, Ordering::SeqCst) + 1;
        Ok(Response::new(v1::OpenSessionReply {
            session_id: format!("sess-{n}"),
            gateway_version: "0.1.0-fake".into(),
            capabilities: vec!["mxaccess-core".into(), "event-conflation".into()],
            limits: Some(v1::ServerLimits {
                max_sessions: 64,
                max_bulk_items: self.state.max_bulk_items.lock().unwrap().unwrap_or(1000),
                max_message_bytes: 4 << 20,
                event_queue_capacity: 10_000,
                default_command_timeout_ms: 30_000,
                session_idle_timeout_ms: 600_000,
                max_events_per_batch: 256,
            }),
            worker_protocol_version: 1,
            backend: "sim".into(),
        }))
    }

    async fn close_session(
        &self,
        request: Request<v1::CloseSessionRequest>,
    ) -> Result<Response<v1::CloseSessionReply>, Status> {
        self.state.close_calls.fetch_add(1, Ordering::SeqCst);
        self.admit("CloseSession", &request, Message::Close)?;
        Ok(Response::new(v1::CloseSessionReply { closed: true }))
    }

    async fn invoke(
        &self,
        request: Request<v1::MxCommandRequest>,
    ) -> Result<Response<v1::MxCommandReply>, Status> {
        self.admit("Invoke", &request, Message::Invoke)?;
        if *self.state.hang_invoke.lock().unwrap() {
            std::future::pending::<()>().await;
        }
        if let Some(scripted) = self.state.replies.lock().unwrap().pop_front() {
            return scripted.map(Response::new);
        }
        let command = request
            .get_ref()
            .command
            .as_ref()
            .and_then(|c| c.command.as_ref());
        Ok(Response::new(default_reply(command)))
    }

    type StreamEventsStream = ReceiverStream<Result<v1::StreamEventsReply, Status>>;

    async fn stream_events(
        &self,
        request: Request<v1::StreamEventsRequest>,
    ) -> Result<Response<Self::StreamEventsStream>, Status> {
        self.admit("StreamEvents", &request, Message::Stream)?;
        let (tx, rx) = mpsc::channel(16);
        let batches = self.state.batches.lock().unwrap().clone();
        let end = *self.state.end_streams.lock().unwrap();
        let state = self.state.clone();
        tokio::spawn(async move {
            for batch in batches {
                if tx.send(Ok(batch)).await.is_err() {
                    break;
                }
            }
            if end {
                return;
            }
            // Resolves when the client drops the stream: that is how the
            // gateway learns of a cancelled call.
            tx.closed().await;
            state.streams_cancelled.fetch_add(1, Ordering::SeqCst);
            state.stream_cancelled.notify_one();
        });
        Ok(Response::new(ReceiverStream::new(rx)))
    }

    type StreamAlarmsStream = ReceiverStream<Result<v1::AlarmEvent, Status>>;

    async fn stream_alarms(
        &self,
        request: Request<v1::StreamAlarmsRequest>,
    ) -> Result<Response<Self::StreamAlarmsStream>, Status> {
        self.admit("StreamAlarms", &request, Message::StreamAlarms)?;
        let script = &self.state.alarms;
        let events = script.events.lock().unwrap().clone();
        let error = script.stream_error.lock().unwrap().clone();
        let end = *script.end_streams.lock().unwrap();
        Ok(Response::new(self.alarm_stream(events, error, end)))
    }

    type QueryActiveAlarmsStream = ReceiverStream<Result<v1::AlarmRecord, Status>>;

    async fn query_active_alarms(
        &self,
        request: Request<v1::QueryActiveAlarmsRequest>,
    ) -> Result<Response<Self::QueryActiveAlarmsStream>, Status> {
        self.admit("QueryActiveAlarms", &request, Message::QueryAlarms)?;
        let active = self.state.alarms.active.lock().unwrap().clone();
        let end = !*self.state.alarms.hang_query.lock().unwrap();
        Ok(Response::new(self.alarm_stream(active, None, end)))
    }

    async fn acknowledge_alarm(
        &self,
        request: Request<v1::AcknowledgeAlarmRequest>,
    ) -> Result<Response<v1::AcknowledgeAlarmReply>, Status> {
        self.admit("AcknowledgeAlarm", &request, Message::Acknowledge)?;
        match self.state.alarms.ack_replies.lock().unwrap().pop_front() {
            Some(scripted) => scripted.map(Response::new),
            None => Ok(Response::new(doc_ack_reply())),
        }
    }
}

impl Fake {
    /// Serves `items` (then `error`), then stays open until the client
    /// leaves (counted in the alarm script) unless `end` is set.
    fn alarm_stream<T: Send + 'static>(
        &self,
        items: Vec<T>,
        error: Option<Status>,
        end: bool,
    ) -> ReceiverStream<Result<T, Status>> {
        let (tx, rx) = mpsc::channel(16);
        let state = self.state.clone();
        tokio::spawn(async move {
            for item in items {
                if tx.send(Ok(item)).await.is_err() {
                    break;
                }
            }
            if let Some(status) = error {
                let _ = tx.send(Err(status)).await;
                return;
            }
            if end {
                return;
            }
            tx.closed().await;
            state
                .alarms
                .streams_cancelled
                .fetch_add(1, Ordering::SeqCst);
            state.alarms.stream_cancelled.notify_one();
        });
        ReceiverStream::new(rx)
    }
}

/// A running fake gateway; stops on [`FakeServer::stop`] or drop.
pub struct FakeServer {
    pub addr: SocketAddr,
    pub state: Arc<State>,
    /// The script and recordings of the `GalaxyRepository` service.
    pub galaxy: Arc<GalaxyState>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl FakeServer {
    /// Starts a plaintext fake on `127.0.0.1:0`.
    pub async fn start(state: Arc<State>) -> FakeServer {
        Self::start_with(state, None).await
    }

    /// Starts a TLS fake with the given PEM certificate chain and key.
    pub async fn start_tls(state: Arc<State>, cert_pem: &str, key_pem: &str) -> FakeServer {
        Self::start_with(state, Some(Identity::from_pem(cert_pem, key_pem))).await
    }

    async fn start_with(state: Arc<State>, identity: Option<Identity>) -> FakeServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let incoming = TcpIncoming::from(listener);
        let (shutdown, signal) = oneshot::channel::<()>();
        let mut builder = Server::builder();
        if let Some(identity) = identity {
            // A workspace build links both rustls providers (tiberius brings
            // aws-lc-rs), and tonic's TLS server asks for the process default.
            let _ = rustls::crypto::ring::default_provider().install_default();
            builder = builder
                .tls_config(ServerTlsConfig::new().identity(identity))
                .unwrap();
        }
        let service = MxAccessGatewayServer::new(Fake {
            state: state.clone(),
        });
        let galaxy = Arc::new(GalaxyState::default());
        let galaxy_service = galaxy_service(galaxy.clone());
        let task = tokio::spawn(async move {
            builder
                .add_service(service)
                .add_service(galaxy_service)
                .serve_with_incoming_shutdown(incoming, async {
                    let _ = signal.await;
                })
                .await
                .unwrap();
        });
        FakeServer {
            addr,
            state,
            galaxy,
            shutdown: Some(shutdown),
            task: Some(task),
        }
    }

    /// `127.0.0.1:<port>`.
    pub fn endpoint(&self) -> String {
        self.addr.to_string()
    }

    /// Stops the server and waits for it.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

//! The `MxAccessGateway` gRPC service: authentication, scopes, ownership, and
//! routing to sessions. Only this module (and `server`) knows tonic.

use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use futures::Stream;
use mxgateway_proto::passthrough::server::mx_access_gateway_server::MxAccessGateway;
use mxgateway_proto::passthrough::{RawMxCommandReply, RawStreamEventsReply};
use mxgateway_proto::v1::{
    mx_command::Command, AcknowledgeAlarmReply, AcknowledgeAlarmRequest, AlarmEvent, AlarmRecord,
    CloseSessionReply, CloseSessionRequest, MxCommandRequest, OpenSessionReply, OpenSessionRequest,
    ProtocolStatus, QueryActiveAlarmsRequest, ServerLimits, StreamAlarmsRequest,
    StreamEventsRequest,
};
use mxgateway_proto::worker::TagConstraints;
use mxgateway_sim::Plant;
use mxgateway_worker_protocol::WORKER_PROTOCOL_VERSION;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status};

use crate::alarms::{self, AlarmAccess};
use crate::auth::{extract_bearer, KeyStore, Principal, Scope};
use crate::error::GatewayError;
use crate::events::{Poll, StreamEnd};
use crate::session::SessionManager;

/// Capability tokens this gateway advertises in OpenSession.
pub const CAPABILITIES: &[&str] = &[
    "mxaccess-core",
    "event-conflation",
    "session-reattach",
    "bulk-read-commands",
    "bulk-write-commands",
    "tag-constraints",
    "alarms",
];

/// Time a ReadBulk reply may take beyond its read timeout (the worker's
/// reply, the pipe and the gateway), so the command deadline never cuts off
/// a ReadBulk that completes with timed-out entries.
const READ_BULK_DEADLINE_MARGIN: Duration = Duration::from_secs(2);

/// StreamEvents messages buffered per stream before the queue conflates.
const STREAM_CHANNEL_MESSAGES: usize = 4;

/// The service implementation.
#[derive(Clone)]
pub struct GatewayService {
    keys: Arc<KeyStore>,
    sessions: Arc<SessionManager>,
    /// The runtime the alarm RPCs read and acknowledge.
    plant: Plant,
    /// Ends alarm streams when the gateway shuts down.
    shutdown: CancellationToken,
}

impl GatewayService {
    pub fn new(
        keys: Arc<KeyStore>,
        sessions: Arc<SessionManager>,
        plant: Plant,
        shutdown: CancellationToken,
    ) -> Self {
        GatewayService {
            keys,
            sessions,
            plant,
            shutdown,
        }
    }

    fn authenticate<T>(&self, request: &Request<T>) -> Result<Principal, GatewayError> {
        let header = request
            .metadata()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .ok_or(GatewayError::Unauthenticated)?;
        let key = extract_bearer(header).ok_or(GatewayError::Unauthenticated)?;
        self.keys
            .verify(key)
            .map_err(|_| GatewayError::Unauthenticated)
    }

    fn require(principal: &Principal, scope: Scope) -> Result<(), GatewayError> {
        if principal.has(scope) {
            Ok(())
        } else {
            Err(GatewayError::PermissionDenied(format!(
                "the API key lacks the {scope} scope"
            )))
        }
    }
}

/// The scope each command needs.
fn scope_for(command: &Command) -> Scope {
    match command {
        Command::Write(_) | Command::Write2(_) | Command::WriteBulk(_) | Command::Write2Bulk(_) => {
            Scope::MxWrite
        }
        Command::WriteSecured(_)
        | Command::WriteSecured2(_)
        | Command::WriteSecuredBulk(_)
        | Command::WriteSecured2Bulk(_)
        | Command::AuthenticateUser(_)
        | Command::ArchestraUserToId(_) => Scope::MxWriteSecured,
        _ => Scope::MxRead,
    }
}

/// The number of entries of a bulk command; `None` for single commands.
fn bulk_len(command: &Command) -> Option<usize> {
    Some(match command {
        Command::AddItemBulk(c) | Command::SubscribeBulk(c) => c.item_definitions.len(),
        Command::AdviseItemBulk(c)
        | Command::RemoveItemBulk(c)
        | Command::UnadviseItemBulk(c)
        | Command::UnsubscribeBulk(c) => c.item_handles.len(),
        Command::WriteBulk(c) => c.entries.len(),
        Command::Write2Bulk(c) => c.entries.len(),
        Command::WriteSecuredBulk(c) => c.entries.len(),
        Command::WriteSecured2Bulk(c) => c.entries.len(),
        Command::ReadBulk(c) => c.item_definitions.len(),
        _ => return None,
    })
}

/// Refuses empty and over-size bulk requests before they reach a worker.
fn check_bulk_size(command: &Command, max_bulk_items: usize) -> Result<(), GatewayError> {
    match bulk_len(command) {
        Some(0) => Err(GatewayError::InvalidArgument(
            "the bulk request has no entries".into(),
        )),
        Some(n) if n > max_bulk_items => Err(GatewayError::InvalidArgument(format!(
            "the bulk request has {n} entries, more than the gateway's max_bulk_items limit of \
             {max_bulk_items}"
        ))),
        _ => Ok(()),
    }
}

fn check_session_id(id: &str) -> Result<(), GatewayError> {
    if id.is_empty() {
        Err(GatewayError::InvalidArgument(
            "session_id is required".into(),
        ))
    } else {
        Ok(())
    }
}

type EventStream = Pin<Box<dyn Stream<Item = Result<RawStreamEventsReply, Status>> + Send>>;
type AlarmEventStream = Pin<Box<dyn Stream<Item = Result<AlarmEvent, Status>> + Send>>;
type AlarmRecordStream = Pin<Box<dyn Stream<Item = Result<AlarmRecord, Status>> + Send>>;

#[tonic::async_trait]
impl MxAccessGateway for GatewayService {
    async fn open_session(
        &self,
        request: Request<OpenSessionRequest>,
    ) -> Result<Response<OpenSessionReply>, Status> {
        let principal = self.authenticate(&request)?;
        Self::require(&principal, Scope::MxRead)?;
        let name = request.into_inner().client_session_name;
        let constraints = TagConstraints {
            allow_read: principal.allow_read().to_vec(),
            allow_write: principal.allow_write().to_vec(),
        };
        let session = self
            .sessions
            .open(principal.key_id(), &name, constraints)
            .await?;
        let l = self.sessions.limits();
        Ok(Response::new(OpenSessionReply {
            session_id: session.id.clone(),
            gateway_version: env!("CARGO_PKG_VERSION").to_string(),
            capabilities: CAPABILITIES.iter().map(|c| c.to_string()).collect(),
            limits: Some(ServerLimits {
                max_sessions: l.max_sessions as u32,
                max_bulk_items: l.max_bulk_items as u32,
                max_message_bytes: l.max_message_bytes as u32,
                event_queue_capacity: l.event_queue_capacity as u32,
                default_command_timeout_ms: l.default_command_timeout.as_millis() as u32,
                session_idle_timeout_ms: l.session_idle_timeout.as_millis() as u32,
                max_events_per_batch: l.max_events_per_batch as u32,
            }),
            worker_protocol_version: WORKER_PROTOCOL_VERSION,
            backend: session.worker.backend.clone(),
        }))
    }

    async fn close_session(
        &self,
        request: Request<CloseSessionRequest>,
    ) -> Result<Response<CloseSessionReply>, Status> {
        let principal = self.authenticate(&request)?;
        Self::require(&principal, Scope::MxRead)?;
        let id = request.into_inner().session_id;
        check_session_id(&id)?;
        self.sessions.close(&id, principal.key_id()).await?;
        Ok(Response::new(CloseSessionReply { closed: true }))
    }

    async fn invoke(
        &self,
        request: Request<MxCommandRequest>,
    ) -> Result<Response<RawMxCommandReply>, Status> {
        let principal = self.authenticate(&request)?;
        let request = request.into_inner();
        check_session_id(&request.session_id)?;
        let mut command = request
            .command
            .filter(|c| c.command.is_some())
            .ok_or_else(|| {
                GatewayError::InvalidArgument("the request carries no command".into())
            })?;
        let limits = self.sessions.limits();
        if let Some(arm) = &command.command {
            Self::require(&principal, scope_for(arm))?;
            check_bulk_size(arm, limits.max_bulk_items)?;
        }
        let session = self.sessions.get(&request.session_id, principal.key_id())?;
        let mut deadline = match request.timeout_ms {
            0 => limits.default_command_timeout,
            ms => Duration::from_millis(u64::from(ms)).min(limits.max_command_timeout),
        };
        if let Some(Command::ReadBulk(read)) = &mut command.command {
            // The gateway owns the default; the worker gets an explicit timeout.
            let read_timeout = match read.timeout_ms {
                0 => limits.read_bulk_timeout,
                ms => Duration::from_millis(u64::from(ms)),
            }
            .min(limits.max_command_timeout);
            read.timeout_ms = u32::try_from(read_timeout.as_millis()).unwrap_or(u32::MAX);
            deadline = deadline.max(read_timeout + READ_BULK_DEADLINE_MARGIN);
        }
        let reply = session.worker.invoke(command, deadline).await?;
        session.touch();
        // The reply goes out as the worker encoded it; only its status is read.
        let (status, message) = reply.status().map_err(|e| {
            GatewayError::Internal(format!("the worker sent a malformed reply: {e}"))
        })?;
        match ProtocolStatus::try_from(status) {
            Ok(ProtocolStatus::Ok) => Ok(Response::new(reply)),
            Ok(ProtocolStatus::InvalidRequest) => {
                Err(GatewayError::InvalidArgument(message).into())
            }
            Ok(ProtocolStatus::PermissionDenied) => {
                Err(GatewayError::PermissionDenied(message).into())
            }
            _ => Err(
                GatewayError::Internal(format!("the worker failed the command: {message}")).into(),
            ),
        }
    }

    type StreamEventsStream = EventStream;

    async fn stream_events(
        &self,
        request: Request<StreamEventsRequest>,
    ) -> Result<Response<Self::StreamEventsStream>, Status> {
        let principal = self.authenticate(&request)?;
        Self::require(&principal, Scope::MxRead)?;
        let id = request.into_inner().session_id;
        check_session_id(&id)?;
        let session = self.sessions.get(&id, principal.key_id())?;
        let max_batch = self.sessions.limits().max_events_per_batch;
        let (tx, rx) = mpsc::channel(STREAM_CHANNEL_MESSAGES);
        let consumer = session.events.take_over();
        tokio::spawn(async move {
            let _guard = session.stream_guard();
            loop {
                match session.events.poll(consumer, max_batch) {
                    Poll::Batch(batch) => {
                        // A failed send means the client went away: stop and let the queue hold events.
                        if tx.send(Ok(batch)).await.is_err() {
                            return;
                        }
                    }
                    Poll::Ended(StreamEnd::Closed) => return,
                    Poll::Ended(StreamEnd::Superseded) => {
                        let _ = tx
                            .send(Err(Status::aborted(
                                "another StreamEvents call took over this session's events",
                            )))
                            .await;
                        return;
                    }
                    Poll::Ended(StreamEnd::Failed(why)) => {
                        let _ = tx
                            .send(Err(GatewayError::WorkerUnavailable(why).into()))
                            .await;
                        return;
                    }
                    Poll::Empty => {
                        tokio::select! {
                            _ = session.events.changed() => {}
                            _ = tx.closed() => return,
                        }
                    }
                }
            }
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
    }

    type StreamAlarmsStream = AlarmEventStream;

    async fn stream_alarms(
        &self,
        request: Request<StreamAlarmsRequest>,
    ) -> Result<Response<Self::StreamAlarmsStream>, Status> {
        let principal = self.authenticate(&request)?;
        Self::require(&principal, Scope::AlarmsRead)?;
        let access = AlarmAccess::new(&principal, request.into_inner().filter)?;
        let rx = alarms::stream(&self.plant, access, self.shutdown.clone());
        Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
    }

    type QueryActiveAlarmsStream = AlarmRecordStream;

    async fn query_active_alarms(
        &self,
        request: Request<QueryActiveAlarmsRequest>,
    ) -> Result<Response<Self::QueryActiveAlarmsStream>, Status> {
        let principal = self.authenticate(&request)?;
        Self::require(&principal, Scope::AlarmsRead)?;
        let access = AlarmAccess::new(&principal, request.into_inner().filter)?;
        let records = alarms::query_active(&self.plant, &access);
        Ok(Response::new(Box::pin(tokio_stream::iter(
            records.into_iter().map(Ok),
        ))))
    }

    async fn acknowledge_alarm(
        &self,
        request: Request<AcknowledgeAlarmRequest>,
    ) -> Result<Response<AcknowledgeAlarmReply>, Status> {
        let principal = self.authenticate(&request)?;
        Self::require(&principal, Scope::AlarmsAck)?;
        let reply = alarms::acknowledge(&self.plant, &principal, request.into_inner())?;
        Ok(Response::new(reply))
    }
}

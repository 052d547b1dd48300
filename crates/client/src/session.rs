//! [`Session`]: typed MXAccess commands on one gateway session.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use mxgateway_mx::{MxValue, Timestamp};
use mxgateway_proto::v1::{self, mx_command::Command, mx_command_reply};

use crate::check;
use crate::client::GatewayClient;
use crate::error::Error;
use crate::stream::{EventBatches, EventStream};
use crate::value;

struct Shared {
    client: GatewayClient,
    id: String,
    open_reply: Option<v1::OpenSessionReply>,
    closed: AtomicBool,
}

/// A gateway session. Cheap to clone; clones share the closed state.
///
/// The typed methods are *checked*: an MXAccess failure (non-zero HRESULT or a
/// failed status) is an [`Error::MxAccess`] carrying the raw reply.
/// [`Session::invoke_raw`] is the unchecked escape hatch.
///
/// Dropping a `Session` does not close it (sessions outlive client processes
/// by design); call [`Session::close`].
#[derive(Clone)]
pub struct Session {
    shared: Arc<Shared>,
    command_timeout_ms: u32,
    max_bulk_items: Option<u32>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("id", &self.shared.id)
            .field("closed", &self.is_closed())
            .field("command_timeout_ms", &self.command_timeout_ms)
            .field("max_bulk_items", &self.max_bulk_items)
            .finish()
    }
}

impl Session {
    pub(crate) fn opened(client: GatewayClient, reply: v1::OpenSessionReply) -> Self {
        Self::new(client, reply.session_id.clone(), Some(reply))
    }

    pub(crate) fn attached(client: GatewayClient, id: String) -> Self {
        Self::new(client, id, None)
    }

    fn new(client: GatewayClient, id: String, open_reply: Option<v1::OpenSessionReply>) -> Self {
        let max_bulk_items = open_reply
            .as_ref()
            .and_then(|r| r.limits.as_ref())
            .map(|l| l.max_bulk_items)
            .filter(|&max| max != 0);
        Session {
            shared: Arc::new(Shared {
                client,
                id,
                open_reply,
                closed: AtomicBool::new(false),
            }),
            command_timeout_ms: 0,
            max_bulk_items,
        }
    }

    /// The session id.
    pub fn id(&self) -> &str {
        &self.shared.id
    }

    /// The gateway's OpenSession reply, if this handle opened the session.
    pub fn open_reply(&self) -> Option<&v1::OpenSessionReply> {
        self.shared.open_reply.as_ref()
    }

    /// The client this session uses.
    pub fn client(&self) -> &GatewayClient {
        &self.shared.client
    }

    /// A handle whose commands ask the gateway for this per-command deadline
    /// (`MxCommandRequest.timeout_ms`) instead of its default. The client's
    /// own timeout still bounds each call.
    pub fn with_command_timeout(&self, timeout: Duration) -> Session {
        Session {
            shared: self.shared.clone(),
            command_timeout_ms: u32::try_from(timeout.as_millis()).unwrap_or(u32::MAX),
            max_bulk_items: self.max_bulk_items,
        }
    }

    /// The most entries a bulk command of this handle may carry: the
    /// gateway's `max_bulk_items` when this handle opened the session and the
    /// gateway advertised a non-zero limit, or the value given to
    /// [`Session::with_max_bulk_items`]; `None` when unknown (e.g. a session
    /// attached by id), and then only the gateway checks. Longer bulk
    /// requests are refused locally (see [`crate::bulk`]).
    pub fn max_bulk_items(&self) -> Option<u32> {
        self.max_bulk_items
    }

    /// A handle that refuses bulk commands longer than `max` entries locally,
    /// e.g. for a session attached by id whose gateway limit the caller
    /// knows; 0 removes the local check.
    pub fn with_max_bulk_items(&self, max: u32) -> Session {
        Session {
            shared: self.shared.clone(),
            command_timeout_ms: self.command_timeout_ms,
            max_bulk_items: Some(max).filter(|&m| m != 0),
        }
    }

    /// True once [`Session::close`] was called on this handle or a clone.
    pub fn is_closed(&self) -> bool {
        self.shared.closed.load(Ordering::SeqCst)
    }

    fn ensure_open(&self) -> Result<(), Error> {
        if self.is_closed() {
            return Err(Error::Session {
                code: tonic::Code::FailedPrecondition,
                message: format!("session {} was closed by this client", self.id()),
            });
        }
        Ok(())
    }

    // === commands ===

    /// Runs one command and returns the reply as is: fails only for
    /// gateway-level problems; MXAccess failures stay in the reply.
    pub async fn invoke_raw(&self, command: Command) -> Result<v1::MxCommandReply, Error> {
        self.ensure_open()?;
        self.shared
            .client
            .invoke_raw(v1::MxCommandRequest {
                session_id: self.shared.id.clone(),
                timeout_ms: self.command_timeout_ms,
                command: Some(v1::MxCommand {
                    command: Some(command),
                }),
            })
            .await
    }

    /// Runs one command and fails with [`Error::MxAccess`] on an MXAccess
    /// failure (see [`crate::check`]).
    pub async fn invoke(&self, command: Command) -> Result<v1::MxCommandReply, Error> {
        check::check_reply(self.invoke_raw(command).await?)
    }

    /// `Register(client_name)`: returns the server handle.
    pub async fn register(&self, client_name: &str) -> Result<i32, Error> {
        let reply = self
            .invoke(Command::Register(v1::RegisterCommand {
                client_name: client_name.to_string(),
            }))
            .await?;
        result_of(reply, "server handle", |r| match r {
            mx_command_reply::Result::ServerHandle(h) => Some(*h),
            _ => None,
        })
    }

    /// `Unregister(server_handle)`.
    pub async fn unregister(&self, server_handle: i32) -> Result<(), Error> {
        self.invoke(Command::Unregister(v1::UnregisterCommand { server_handle }))
            .await
            .map(drop)
    }

    /// `AddItem(server_handle, item)`: returns the item handle.
    pub async fn add_item(&self, server_handle: i32, item: &str) -> Result<i32, Error> {
        let reply = self
            .invoke(Command::AddItem(v1::AddItemCommand {
                server_handle,
                item_definition: item.to_string(),
            }))
            .await?;
        item_handle_of(reply)
    }

    /// `AddItem2(server_handle, item, context)`: returns the item handle.
    pub async fn add_item2(
        &self,
        server_handle: i32,
        item: &str,
        context: &str,
    ) -> Result<i32, Error> {
        let reply = self
            .invoke(Command::AddItem2(v1::AddItem2Command {
                server_handle,
                item_definition: item.to_string(),
                item_context: context.to_string(),
            }))
            .await?;
        item_handle_of(reply)
    }

    /// `AddBufferedItem(server_handle, item, context)`: returns the item
    /// handle. Once advised, the item reports through `bufferedDataChange`
    /// events ([`v1::OnBufferedDataChange`]): every change is a sample, and
    /// the samples arrive together once per buffered update interval.
    pub async fn add_buffered_item(
        &self,
        server_handle: i32,
        item: &str,
        context: &str,
    ) -> Result<i32, Error> {
        let reply = self
            .invoke(Command::AddBufferedItem(v1::AddBufferedItemCommand {
                server_handle,
                item_definition: item.to_string(),
                item_context: context.to_string(),
            }))
            .await?;
        item_handle_of(reply)
    }

    /// `SetBufferedUpdateInterval(server_handle, interval_ms)`: how often the
    /// server handle's buffered items report (1 to 3,600,000 ms, rounded up
    /// to a multiple of 100 ms). Returns the interval in effect; an interval
    /// out of range fails with [`Error::MxAccess`] (E_INVALIDARG).
    pub async fn set_buffered_update_interval(
        &self,
        server_handle: i32,
        interval_ms: i32,
    ) -> Result<i32, Error> {
        let reply = self
            .invoke(Command::SetBufferedUpdateInterval(
                v1::SetBufferedUpdateIntervalCommand {
                    server_handle,
                    update_interval_ms: interval_ms,
                },
            ))
            .await?;
        result_of(reply, "update interval", |r| match r {
            mx_command_reply::Result::UpdateIntervalMs(ms) => Some(*ms),
            _ => None,
        })
    }

    /// `RemoveItem(server_handle, item_handle)`.
    pub async fn remove_item(&self, server_handle: i32, item_handle: i32) -> Result<(), Error> {
        self.invoke(Command::RemoveItem(item_command(
            server_handle,
            item_handle,
        )))
        .await
        .map(drop)
    }

    /// `Advise(server_handle, item_handle)`.
    pub async fn advise(&self, server_handle: i32, item_handle: i32) -> Result<(), Error> {
        self.invoke(Command::Advise(item_command(server_handle, item_handle)))
            .await
            .map(drop)
    }

    /// `AdviseSupervisory(server_handle, item_handle)`.
    pub async fn advise_supervisory(
        &self,
        server_handle: i32,
        item_handle: i32,
    ) -> Result<(), Error> {
        self.invoke(Command::AdviseSupervisory(item_command(
            server_handle,
            item_handle,
        )))
        .await
        .map(drop)
    }

    /// `UnAdvise(server_handle, item_handle)`.
    pub async fn unadvise(&self, server_handle: i32, item_handle: i32) -> Result<(), Error> {
        self.invoke(Command::Unadvise(item_command(server_handle, item_handle)))
            .await
            .map(drop)
    }

    /// `Suspend(server_handle, item_handle)` of an advised item: it keeps
    /// its subscription but delivers no data changes until activated. Returns
    /// the synchronous MxStatus; an `operationComplete` event follows.
    pub async fn suspend(
        &self,
        server_handle: i32,
        item_handle: i32,
    ) -> Result<v1::MxStatus, Error> {
        let reply = self
            .invoke(Command::Suspend(item_command(server_handle, item_handle)))
            .await?;
        Ok(reply.statuses.first().copied().unwrap_or_default())
    }

    /// `Activate(server_handle, item_handle)`: ends a suspension and
    /// delivers the item's current value at once as a data change. Returns
    /// the synchronous MxStatus; an `operationComplete` event follows.
    pub async fn activate(
        &self,
        server_handle: i32,
        item_handle: i32,
    ) -> Result<v1::MxStatus, Error> {
        let reply = self
            .invoke(Command::Activate(item_command(server_handle, item_handle)))
            .await?;
        Ok(reply.statuses.first().copied().unwrap_or_default())
    }

    /// `Write(server_handle, item_handle, value, user_id)`. Completion
    /// arrives later as a `writeComplete` event.
    pub async fn write(
        &self,
        server_handle: i32,
        item_handle: i32,
        value: &MxValue,
        user_id: i32,
    ) -> Result<v1::MxCommandReply, Error> {
        let value = value::to_wire(value)?;
        self.invoke(Command::Write(v1::WriteCommand {
            server_handle,
            item_handle,
            value: Some(value),
            user_id,
        }))
        .await
    }

    /// `Write2(server_handle, item_handle, value, timestamp, user_id)`.
    pub async fn write2(
        &self,
        server_handle: i32,
        item_handle: i32,
        value: &MxValue,
        timestamp: Timestamp,
        user_id: i32,
    ) -> Result<v1::MxCommandReply, Error> {
        let value = value::to_wire(value)?;
        self.invoke(Command::Write2(v1::Write2Command {
            server_handle,
            item_handle,
            value: Some(value),
            timestamp: Some(value::timestamp_to_wire(timestamp)),
            user_id,
        }))
        .await
    }

    /// `WriteSecured(server_handle, item_handle, current_user_id,
    /// verifier_user_id, value)`.
    pub async fn write_secured(
        &self,
        server_handle: i32,
        item_handle: i32,
        current_user_id: i32,
        verifier_user_id: i32,
        value: &MxValue,
    ) -> Result<v1::MxCommandReply, Error> {
        let value = value::to_wire(value)?;
        self.invoke(Command::WriteSecured(v1::WriteSecuredCommand {
            server_handle,
            item_handle,
            current_user_id,
            verifier_user_id,
            value: Some(value),
        }))
        .await
    }

    /// `WriteSecured2(server_handle, item_handle, current_user_id,
    /// verifier_user_id, value, timestamp)`.
    pub async fn write_secured2(
        &self,
        server_handle: i32,
        item_handle: i32,
        current_user_id: i32,
        verifier_user_id: i32,
        value: &MxValue,
        timestamp: Timestamp,
    ) -> Result<v1::MxCommandReply, Error> {
        let value = value::to_wire(value)?;
        self.invoke(Command::WriteSecured2(v1::WriteSecured2Command {
            server_handle,
            item_handle,
            current_user_id,
            verifier_user_id,
            value: Some(value),
            timestamp: Some(value::timestamp_to_wire(timestamp)),
        }))
        .await
    }

    /// `AuthenticateUser(server_handle, user, password)`: returns the user id
    /// for secured and verified writes. The password is never logged or
    /// printed by `Debug`.
    pub async fn authenticate_user(
        &self,
        server_handle: i32,
        user: &str,
        password: &str,
    ) -> Result<i32, Error> {
        let reply = self
            .invoke(Command::AuthenticateUser(v1::AuthenticateUserCommand {
                server_handle,
                user_name: user.to_string(),
                password: password.to_string(),
            }))
            .await?;
        result_of(reply, "user id", |r| match r {
            mx_command_reply::Result::UserId(id) => Some(*id),
            _ => None,
        })
    }

    /// `ArchestrAUserToId(server_handle, user_guid)`: the id of the galaxy
    /// user with this ArchestrA user GUID (the id `AuthenticateUser` returns
    /// for that user). An unknown or malformed GUID fails with
    /// [`Error::MxAccess`] carrying E_INVALIDARG. The id counts for secured writes
    /// only once the user authenticated on the session.
    pub async fn archestra_user_to_id(
        &self,
        server_handle: i32,
        user_guid: &str,
    ) -> Result<i32, Error> {
        let reply = self
            .invoke(Command::ArchestraUserToId(v1::ArchestraUserToIdCommand {
                server_handle,
                user_guid: user_guid.to_string(),
            }))
            .await?;
        result_of(reply, "user id", |r| match r {
            mx_command_reply::Result::UserId(id) => Some(*id),
            _ => None,
        })
    }

    // === events ===

    /// The session's events, one at a time. Dropping the stream cancels the
    /// gRPC call. A new stream of the same session replaces an older one at
    /// the gateway.
    pub async fn stream_events(&self) -> Result<EventStream, Error> {
        Ok(EventStream::new(self.stream_event_batches().await?))
    }

    /// The session's events as the gateway batches them on the wire, with
    /// the conflation counters.
    pub async fn stream_event_batches(&self) -> Result<EventBatches, Error> {
        self.ensure_open()?;
        self.shared.client.stream_events_raw(&self.shared.id).await
    }

    // === lifecycle ===

    /// Closes the session. Idempotent, also under concurrent calls: the first
    /// call sends the one CloseSession RPC; later calls return `Ok(())`
    /// immediately.
    pub async fn close(&self) -> Result<(), Error> {
        // The flag flips before the first await, so two concurrent closes
        // cannot both reach the network.
        if self.shared.closed.swap(true, Ordering::SeqCst) {
            return Ok(());
        }
        self.shared
            .client
            .close_session(&self.shared.id)
            .await
            .map(drop)
    }
}

fn item_command(server_handle: i32, item_handle: i32) -> v1::ItemCommand {
    v1::ItemCommand {
        server_handle,
        item_handle,
    }
}

fn item_handle_of(reply: v1::MxCommandReply) -> Result<i32, Error> {
    result_of(reply, "item handle", |r| match r {
        mx_command_reply::Result::ItemHandle(h) => Some(*h),
        _ => None,
    })
}

/// Extracts the typed result; a successful reply without it is a gateway
/// protocol failure, reported with the reply.
fn result_of(
    reply: v1::MxCommandReply,
    what: &str,
    pick: impl FnOnce(&mx_command_reply::Result) -> Option<i32>,
) -> Result<i32, Error> {
    match reply.result.as_ref().and_then(pick) {
        Some(v) => Ok(v),
        None => Err(Error::Command {
            message: format!("the reply carries no {what}"),
            reply: Some(Box::new(reply)),
            code: None,
        }),
    }
}

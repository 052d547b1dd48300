//! The MXAccess semantics layer: what LMXProxyServer does with each call.
//!
//! Rules implemented here (see `mxaccess-semantics.md` §1, §2, §9):
//! - `Register` returns a server handle > 0, unique within the session.
//! - `AddItem`/`AddItem2` always return a handle for a non-empty definition;
//!   a bad reference fails later, through OnDataChange, when advised.
//!   Item handles are small positive integers, unique within the session, and
//!   the smallest freed handle is reused after `RemoveItem`.
//! - `Advise`/`AdviseSupervisory` start delivery: the current value first, then
//!   every change. Advising an advised item is a no-op. `UnAdvise` ends both kinds.
//! - Writes need an advised item whose first data change resolved it;
//!   otherwise the call fails with E_INVALIDARG, as the real runtime's
//!   `ArgumentException` does. An accepted write completes through exactly one
//!   OnWriteComplete carrying the runtime's status.
//! - An unknown server or item handle fails the call with E_INVALIDARG.
//! - `Suspend`/`Activate` need an advised item: a suspended item keeps its
//!   subscription (and its cached last value) but raises no OnDataChange;
//!   `Activate` raises the current value at once. Each successful call is
//!   followed by one OperationComplete (semantics chosen here and documented
//!   on `ItemCommand` in `commands.proto`, since the vendor's are not public).
//! - `AddBufferedItem` adds an item that, once advised, reports through
//!   OnBufferedDataChange: its changes are kept as samples and delivered
//!   together at the server handle's buffered update interval
//!   (`SetBufferedUpdateInterval`, rounded up to 100 ms); see `buffered.rs`.
//! - `ArchestrAUserToId` answers the user id the runtime maps the GUID to;
//!   an unknown or malformed GUID fails the call with E_INVALIDARG.
//! - Every event gets the next `worker_sequence` (1, 2, 3, ...) of the session.
//!
//! - Tag constraints (the session owner's allow-lists): AddItem/AddItem2 need
//!   the read list to allow the reference, every write needs the write list to
//!   allow the item's reference. A refused single command is answered with
//!   `PROTOCOL_STATUS_PERMISSION_DENIED`, which the gateway turns into gRPC
//!   PERMISSION_DENIED; the bulk arms (see `bulk.rs`) refuse per entry.
//!
//! Each subscription gets a fresh id that is never reused, so an update that
//! was in flight for a removed item can never land on a reused item handle.
//! Every advised item keeps its last data change, which `ReadBulk` serves.

use std::collections::BTreeSet;
use std::future::Future;
use std::pin::Pin;

use mxgateway_mx::{hresult, quality, AllowList, DataType, HandleMap, MxStatus};
use mxgateway_proto::passthrough::{DataChangeRef, EventFrameBuilder};
use mxgateway_proto::v1::{
    mx_command::Command, mx_command_reply, mx_event, MxCommand, MxCommandReply, MxEvent, MxValue,
    OnDataChange, OnWriteComplete, OperationComplete, ProtocolStatus,
};
use mxgateway_proto::{data_type_from_pb, plant};
use tokio::sync::mpsc;

use crate::backend::{Backend, BackendError};
use crate::bulk::PendingReads;
use crate::references::ReferenceIndex;

/// A write the runtime has decided on, to become OnWriteComplete.
#[derive(Debug)]
pub struct WriteDone {
    pub server_handle: i32,
    pub item_handle: i32,
    pub status: MxStatus,
}

/// A reply that needs the runtime first (AuthenticateUser).
pub type LaterReply = Pin<Box<dyn Future<Output = MxCommandReply> + Send>>;

/// What handling a command produced.
pub enum Handled {
    Now(MxCommandReply),
    Later(LaterReply),
}

/// A subscription id: a sequence number in the high 32 bits and the item
/// handle in the low 32 (0 for ReadBulk's reads). An update so names its item
/// directly, which spares the event path a lookup in a table of every
/// subscription, and the sequence tells a re-advised item's updates from those
/// of its previous advise.
fn subscription_id(sequence: u32, item_handle: i32) -> u64 {
    (u64::from(sequence) << 32) | u64::from(item_handle as u32)
}

/// The item whose current advise has subscription `id`; `None` for a
/// ReadBulk read, or an advise that has ended (its late updates are dropped).
fn advised_item(items: &mut crate::slab::HandleSlab<Item>, id: u64) -> Option<&mut Item> {
    items
        .get_mut(&item_of(id))
        .filter(|item| item.advise.as_ref().map(|a| a.subscription_id) == Some(id))
}

/// The item handle part of a subscription id.
fn item_of(subscription_id: u64) -> i32 {
    subscription_id as u32 as i32
}

pub(crate) struct Advise {
    pub(crate) subscription_id: u64,
}

pub(crate) struct Item {
    pub(crate) server_handle: i32,
    // Boxed strings: no spare capacity, and 8 bytes less each, per item.
    pub(crate) definition: Box<str>,
    pub(crate) context: Box<str>,
    pub(crate) advise: Option<Advise>,
    /// Set by the first successful data change after Advise.
    pub(crate) resolved: bool,
    pub(crate) data_type: DataType,
    /// The last data change while advised (what ReadBulk serves as cached).
    pub(crate) last: Option<CachedChange>,
    /// Suspended by `Suspend`: data changes are kept in `last`, not raised.
    pub(crate) suspended: bool,
    /// Added by AddBufferedItem: changes become samples (see `buffered.rs`).
    pub(crate) buffered: Option<Box<crate::buffered::SampleBuffer>>,
}

/// An advised item's last data change, kept compact (no heap for scalars).
pub(crate) struct CachedChange {
    pub(crate) value: Option<MxValue>,
    pub(crate) quality: i32,
    pub(crate) timestamp: Option<prost_types::Timestamp>,
    pub(crate) status: mxgateway_proto::v1::MxStatus,
}

/// The session owner's tag constraints (glob allow-lists; empty allows all).
#[derive(Debug, Clone, Default)]
pub struct TagConstraints {
    pub read: AllowList,
    pub write: AllowList,
}

/// Relative reference keywords (`mxaccess-semantics.md` §5); only `Me.` can be
/// resolved from an AddItem2 context without the galaxy model.
const RELATIVE_PREFIXES: &[&str] = &[
    "me.",
    "mycontainer.",
    "myarea.",
    "myplatform.",
    "myengine.",
    "myhost.",
];

/// The reference a constraint is checked against: the definition as written,
/// with `Me.` replaced by the AddItem2 context. `None` when the definition is
/// relative in a way that cannot be resolved here; a constrained key is then
/// refused (fail closed) rather than guessed at.
pub(crate) fn constraint_reference(definition: &str, context: &str) -> Option<String> {
    let lower = definition.to_ascii_lowercase();
    let Some(prefix) = RELATIVE_PREFIXES.iter().find(|p| lower.starts_with(**p)) else {
        return Some(definition.to_string());
    };
    if *prefix == "me." && !context.is_empty() {
        return Some(format!("{context}.{}", &definition[prefix.len()..]));
    }
    None
}

/// Which allow-list a check uses.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Access {
    Read,
    Write,
}

impl TagConstraints {
    /// `Err(message)` naming the reference when the constraint refuses it.
    pub(crate) fn check(
        &self,
        access: Access,
        definition: &str,
        context: &str,
    ) -> Result<(), String> {
        let (list, verb) = match access {
            Access::Read => (&self.read, "read"),
            Access::Write => (&self.write, "write"),
        };
        if list.is_unrestricted() {
            return Ok(());
        }
        match constraint_reference(definition, context) {
            Some(reference) if list.allows(&reference) => Ok(()),
            Some(reference) => Err(format!("the API key may not {verb} {reference}")),
            None => Err(format!(
                "the API key may not {verb} {definition}: a constrained key cannot use this relative reference"
            )),
        }
    }
}

/// One session's MXAccess state. Owned by the worker's main loop.
pub struct MxSession<B: Backend> {
    pub(crate) backend: B,
    pub(crate) servers: HandleMap<i32, Server>,
    next_server: i32,
    pub(crate) items: crate::slab::HandleSlab<Item>,
    free_items: BTreeSet<i32>,
    next_item: i32,
    /// The sequence part of the next subscription id (see [`subscription_id`]).
    next_subscription: u32,
    sequence: u64,
    /// Accepted writes, in the order they were accepted, to `write_pump`.
    writes: mpsc::UnboundedSender<QueuedWrite>,
    pub(crate) constraints: TagConstraints,
    /// Item handles by reference, for ReadBulk's cache (`references.rs`).
    pub(crate) by_reference: ReferenceIndex,
    pub(crate) reads: PendingReads,
    /// Events a command raised (Activate's value, OperationComplete), for the
    /// main loop to send after the reply; at most a few per command.
    pub(crate) raised: Vec<MxEvent>,
    /// Buffered items holding samples, for the next flush.
    pub(crate) buffered_pending: BTreeSet<i32>,
}

/// A registered server handle.
pub(crate) struct Server {
    #[allow(dead_code)] // kept for diagnostics; MXAccess never reads it back
    pub(crate) client_name: String,
    pub(crate) buffered: crate::buffered::ServerClock,
}

/// A write accepted by a Write command, on its way to the runtime.
struct QueuedWrite {
    server_handle: i32,
    item_handle: i32,
    request: plant::Write,
}

/// Sends accepted writes to the runtime one after another, in acceptance
/// order, and turns each verdict into a [`WriteDone`] when it arrives
/// (verdicts are awaited concurrently, so a slow one holds up nothing).
///
/// The queue is unbounded on purpose: the worker's command loop must accept
/// a write without waiting (it also serves data changes), and what it can
/// hold is bounded upstream by the gateway's command size and deadlines,
/// exactly as the task-per-write it replaces was.
async fn write_pump<B: Backend>(
    backend: B,
    mut queue: mpsc::UnboundedReceiver<QueuedWrite>,
    done: mpsc::Sender<WriteDone>,
) {
    while let Some(write) = queue.recv().await {
        let verdict = backend.submit_write(write.request).await;
        let done = done.clone();
        tokio::spawn(async move {
            let status = verdict
                .await
                .unwrap_or_else(|_| mxgateway_plant_link::client::link_lost());
            let _ = done
                .send(WriteDone {
                    server_handle: write.server_handle,
                    item_handle: write.item_handle,
                    status,
                })
                .await;
        });
    }
}

/// A reply carrying the HRESULT of a failed call (what COM would raise).
pub fn hresult_failure(hr: i32, message: impl Into<String>) -> MxCommandReply {
    MxCommandReply {
        protocol_status: ProtocolStatus::Ok as i32,
        hresult: hr,
        message: message.into(),
        ..Default::default()
    }
}

/// A reply refusing a single command because of the tag constraints.
pub fn permission_denied(message: impl Into<String>) -> MxCommandReply {
    MxCommandReply {
        protocol_status: ProtocolStatus::PermissionDenied as i32,
        message: message.into(),
        ..Default::default()
    }
}

/// A reply for a request the worker cannot even interpret.
pub fn invalid_request(message: impl Into<String>) -> MxCommandReply {
    MxCommandReply {
        protocol_status: ProtocolStatus::InvalidRequest as i32,
        message: message.into(),
        ..Default::default()
    }
}

pub(crate) fn ok(result: Option<mx_command_reply::Result>) -> MxCommandReply {
    MxCommandReply {
        protocol_status: ProtocolStatus::Ok as i32,
        hresult: hresult::S_OK,
        result,
        ..Default::default()
    }
}

pub(crate) fn backend_failure(e: BackendError) -> MxCommandReply {
    hresult_failure(hresult::E_FAIL, e.to_string())
}

impl<B: Backend> MxSession<B> {
    /// A session whose write outcomes are reported on `write_done`, with no
    /// tag constraints.
    pub fn new(backend: B, write_done: mpsc::Sender<WriteDone>) -> Self {
        Self::with_constraints(backend, write_done, TagConstraints::default())
    }

    /// A session enforcing the owner's tag constraints.
    pub fn with_constraints(
        backend: B,
        write_done: mpsc::Sender<WriteDone>,
        constraints: TagConstraints,
    ) -> Self {
        let (writes, queue) = mpsc::unbounded_channel();
        tokio::spawn(write_pump(backend.clone(), queue, write_done));
        MxSession {
            backend,
            servers: HandleMap::default(),
            next_server: 1,
            items: crate::slab::HandleSlab::default(),
            free_items: BTreeSet::new(),
            next_item: 1,
            next_subscription: 1,
            sequence: 0,
            writes,
            constraints,
            by_reference: ReferenceIndex::default(),
            reads: PendingReads::default(),
            raised: Vec::new(),
            buffered_pending: BTreeSet::new(),
        }
    }

    /// Items currently advised (for diagnostics and tests).
    pub fn advised_count(&self) -> usize {
        self.items
            .iter()
            .filter(|(_, i)| i.advise.is_some())
            .count()
    }

    /// A fresh id for a subscription that is not an item's advise (ReadBulk's
    /// temporary reads): its item part is 0, which no item handle is.
    pub(crate) fn next_subscription_id(&mut self) -> u64 {
        self.subscription_id_for(0)
    }

    fn subscription_id_for(&mut self, item_handle: i32) -> u64 {
        let sequence = self.next_subscription;
        // Wraps after 2^32 - 1 subscriptions, skipping 0; an id could only
        // collide with one of the same handle that many subscriptions ago.
        self.next_subscription = self.next_subscription.checked_add(1).unwrap_or(1);
        subscription_id(sequence, item_handle)
    }

    pub(crate) fn next_sequence(&mut self) -> u64 {
        self.sequence += 1;
        self.sequence
    }

    pub(crate) fn check_server(&self, server_handle: i32) -> Result<(), MxCommandReply> {
        if self.servers.contains_key(&server_handle) {
            Ok(())
        } else {
            Err(hresult_failure(
                hresult::E_INVALIDARG,
                format!("unknown server handle {server_handle}"),
            ))
        }
    }

    pub(crate) fn item(
        &self,
        server_handle: i32,
        item_handle: i32,
    ) -> Result<&Item, MxCommandReply> {
        self.check_server(server_handle)?;
        match self.items.get(&item_handle) {
            Some(item) if item.server_handle == server_handle => Ok(item),
            _ => Err(hresult_failure(
                hresult::E_INVALIDARG,
                format!("unknown item handle {item_handle} for server handle {server_handle}"),
            )),
        }
    }

    /// Handles one command.
    pub async fn handle(&mut self, command: MxCommand) -> Handled {
        let Some(command) = command.command else {
            return Handled::Now(invalid_request("the command has no arm set"));
        };
        let reply = match command {
            Command::Register(c) => {
                let handle = self.next_server;
                self.next_server += 1;
                self.servers.insert(
                    handle,
                    Server {
                        client_name: c.client_name,
                        buffered: Default::default(),
                    },
                );
                Ok(ok(Some(mx_command_reply::Result::ServerHandle(handle))))
            }
            Command::Unregister(c) => self.unregister(c.server_handle).await,
            Command::AddItem(c) => {
                self.add_item_checked(c.server_handle, c.item_definition, String::new())
            }
            Command::AddItem2(c) => {
                self.add_item_checked(c.server_handle, c.item_definition, c.item_context)
            }
            Command::AddBufferedItem(c) => self.add_buffered_item(c),
            Command::SetBufferedUpdateInterval(c) => self.set_buffered_update_interval(c),
            Command::RemoveItem(c) => self.remove_item(c.server_handle, c.item_handle).await,
            Command::Advise(c) => self.advise(c.server_handle, c.item_handle, false).await,
            Command::AdviseSupervisory(c) => {
                self.advise(c.server_handle, c.item_handle, true).await
            }
            Command::Unadvise(c) => self.unadvise(c.server_handle, c.item_handle).await,
            Command::Suspend(c) => self.suspend_or_activate(c.server_handle, c.item_handle, true),
            Command::Activate(c) => self.suspend_or_activate(c.server_handle, c.item_handle, false),
            Command::Write(c) => self.write_checked(
                c.server_handle,
                WriteArgs {
                    item_handle: c.item_handle,
                    value: c.value,
                    timestamp: None,
                    user_id: c.user_id,
                    verifier_user_id: 0,
                    secured: false,
                },
            ),
            Command::Write2(c) => {
                if c.timestamp.is_none() {
                    return Handled::Now(invalid_request("Write2 needs a timestamp"));
                }
                self.write_checked(
                    c.server_handle,
                    WriteArgs {
                        item_handle: c.item_handle,
                        value: c.value,
                        timestamp: c.timestamp,
                        user_id: c.user_id,
                        verifier_user_id: 0,
                        secured: false,
                    },
                )
            }
            Command::WriteSecured(c) => self.write_checked(
                c.server_handle,
                WriteArgs {
                    item_handle: c.item_handle,
                    value: c.value,
                    timestamp: None,
                    user_id: c.current_user_id,
                    verifier_user_id: c.verifier_user_id,
                    secured: true,
                },
            ),
            Command::WriteSecured2(c) => {
                if c.timestamp.is_none() {
                    return Handled::Now(invalid_request("WriteSecured2 needs a timestamp"));
                }
                self.write_checked(
                    c.server_handle,
                    WriteArgs {
                        item_handle: c.item_handle,
                        value: c.value,
                        timestamp: c.timestamp,
                        user_id: c.current_user_id,
                        verifier_user_id: c.verifier_user_id,
                        secured: true,
                    },
                )
            }
            Command::AuthenticateUser(c) => {
                if let Err(reply) = self.check_server(c.server_handle) {
                    return Handled::Now(reply);
                }
                let backend = self.backend.clone();
                return Handled::Later(Box::pin(async move {
                    match backend.authenticate(&c.user_name, &c.password).await {
                        Ok(user_id) => ok(Some(mx_command_reply::Result::UserId(user_id))),
                        Err(why) => hresult_failure(
                            hresult::E_INVALIDARG,
                            format!("AuthenticateUser failed: {why}"),
                        ),
                    }
                }));
            }
            Command::ArchestraUserToId(c) => {
                if let Err(reply) = self.check_server(c.server_handle) {
                    return Handled::Now(reply);
                }
                let backend = self.backend.clone();
                return Handled::Later(Box::pin(async move {
                    match backend.user_to_id(&c.user_guid).await {
                        Ok(user_id) => ok(Some(mx_command_reply::Result::UserId(user_id))),
                        Err(why) => hresult_failure(
                            hresult::E_INVALIDARG,
                            format!("ArchestrAUserToId failed: {why}"),
                        ),
                    }
                }));
            }
            Command::ReadBulk(c) => return self.read_bulk(c).await,
            bulk => return Handled::Now(self.handle_bulk(bulk).await),
        };
        Handled::Now(reply.unwrap_or_else(|failure| failure))
    }

    async fn unregister(&mut self, server_handle: i32) -> Result<MxCommandReply, MxCommandReply> {
        self.check_server(server_handle)?;
        let handles: Vec<i32> = self
            .items
            .iter()
            .filter(|(_, i)| i.server_handle == server_handle)
            .map(|(h, _)| h)
            .collect();
        let ended: Vec<u64> = handles.iter().filter_map(|&h| self.end_advise(h)).collect();
        self.unsubscribe_many(ended).await?;
        for handle in handles {
            self.forget_item(handle);
        }
        self.servers.remove(&server_handle);
        Ok(ok(None))
    }

    fn add_item_checked(
        &mut self,
        server_handle: i32,
        definition: String,
        context: String,
    ) -> Result<MxCommandReply, MxCommandReply> {
        self.check_server(server_handle)?;
        if let Err(why) = self.constraints.check(Access::Read, &definition, &context) {
            return Err(permission_denied(why));
        }
        self.add_item(server_handle, definition, context)
    }

    /// AddItem without the constraint check (callers check first).
    pub(crate) fn add_item(
        &mut self,
        server_handle: i32,
        definition: String,
        context: String,
    ) -> Result<MxCommandReply, MxCommandReply> {
        self.check_server(server_handle)?;
        if definition.trim().is_empty() {
            return Err(hresult_failure(
                hresult::E_INVALIDARG,
                "the item definition is empty",
            ));
        }
        let handle = match self.free_items.pop_first() {
            Some(h) => h,
            None => {
                let h = self.next_item;
                self.next_item += 1;
                h
            }
        };
        self.by_reference.insert(&definition, &context, handle);
        self.items.insert(
            handle,
            Item {
                server_handle,
                definition: definition.into_boxed_str(),
                context: context.into_boxed_str(),
                advise: None,
                resolved: false,
                data_type: DataType::NoData,
                last: None,
                suspended: false,
                buffered: None,
            },
        );
        Ok(ok(Some(mx_command_reply::Result::ItemHandle(handle))))
    }

    /// Drops an item whose advise has already ended, freeing its handle.
    fn forget_item(&mut self, item_handle: i32) {
        let Some(item) = self.items.remove(&item_handle) else {
            return;
        };
        self.buffered_pending.remove(&item_handle);
        self.by_reference
            .remove(&item.definition, &item.context, item_handle);
        self.free_items.insert(item_handle);
    }

    pub(crate) async fn remove_item(
        &mut self,
        server_handle: i32,
        item_handle: i32,
    ) -> Result<MxCommandReply, MxCommandReply> {
        self.item(server_handle, item_handle)?;
        if let Some(id) = self.end_advise(item_handle) {
            self.unsubscribe_many(vec![id]).await?;
        }
        self.forget_item(item_handle);
        Ok(ok(None))
    }

    /// Removes items whose handles were validated, with one backend call.
    pub(crate) async fn remove_items(
        &mut self,
        item_handles: &[i32],
    ) -> Result<(), MxCommandReply> {
        let ended: Vec<u64> = item_handles
            .iter()
            .filter_map(|&h| self.end_advise(h))
            .collect();
        let result = self.unsubscribe_many(ended).await;
        for &h in item_handles {
            self.forget_item(h);
        }
        result
    }

    async fn advise(
        &mut self,
        server_handle: i32,
        item_handle: i32,
        supervisory: bool,
    ) -> Result<MxCommandReply, MxCommandReply> {
        self.item(server_handle, item_handle)?;
        let requests: Vec<plant::Subscribe> = self
            .begin_advise(item_handle, supervisory)
            .into_iter()
            .collect();
        self.subscribe_many(requests).await?;
        Ok(ok(None))
    }

    /// Book-keeping for an Advise of a validated item; the returned request
    /// must be sent to the backend (`None`: already advised, a no-op).
    /// Book-keeping comes first because the initial update may arrive before
    /// the backend call returns.
    pub(crate) fn begin_advise(
        &mut self,
        item_handle: i32,
        supervisory: bool,
    ) -> Option<plant::Subscribe> {
        if self.items.get(&item_handle)?.advise.is_some() {
            return None;
        }
        let subscription_id = self.subscription_id_for(item_handle);
        let item = self.items.get_mut(&item_handle)?;
        item.advise = Some(Advise { subscription_id });
        item.resolved = false;
        item.last = None;
        item.suspended = false;
        if let Some(buffer) = item.buffered.as_mut() {
            buffer.clear();
        }
        let request = plant::Subscribe {
            subscription_id,
            reference: item.definition.to_string(),
            context: item.context.to_string(),
            supervisory,
        };
        Some(request)
    }

    /// Sends advise requests; on a backend failure the advises are undone.
    pub(crate) async fn subscribe_many(
        &mut self,
        requests: Vec<plant::Subscribe>,
    ) -> Result<(), MxCommandReply> {
        if requests.is_empty() {
            return Ok(());
        }
        let ids: Vec<u64> = requests.iter().map(|r| r.subscription_id).collect();
        if let Err(e) = self.backend.subscribe_many(requests).await {
            for id in ids {
                if let Some(item) = advised_item(&mut self.items, id) {
                    item.advise = None;
                }
            }
            return Err(backend_failure(e));
        }
        Ok(())
    }

    pub(crate) async fn unsubscribe_many(&mut self, ids: Vec<u64>) -> Result<(), MxCommandReply> {
        if ids.is_empty() {
            return Ok(());
        }
        self.backend
            .unsubscribe_many(ids)
            .await
            .map_err(backend_failure)
    }

    async fn unadvise(
        &mut self,
        server_handle: i32,
        item_handle: i32,
    ) -> Result<MxCommandReply, MxCommandReply> {
        self.item(server_handle, item_handle)?;
        if let Some(id) = self.end_advise(item_handle) {
            self.unsubscribe_many(vec![id]).await?;
        }
        Ok(ok(None))
    }

    /// Book-keeping for an UnAdvise; returns the subscription to end, if any.
    pub(crate) fn end_advise(&mut self, item_handle: i32) -> Option<u64> {
        let item = self.items.get_mut(&item_handle)?;
        let advise = item.advise.take()?;
        item.resolved = false;
        item.last = None;
        item.suspended = false;
        if let Some(buffer) = item.buffered.as_mut() {
            buffer.clear();
        }
        self.buffered_pending.remove(&item_handle);
        Some(advise.subscription_id)
    }

    /// Events raised by the last commands (moved into `out`, in order).
    pub fn take_raised(&mut self, out: &mut Vec<MxEvent>) {
        out.append(&mut self.raised);
    }

    /// `Suspend` (`suspend`) or `Activate` of an advised item.
    fn suspend_or_activate(
        &mut self,
        server_handle: i32,
        item_handle: i32,
        suspend: bool,
    ) -> Result<MxCommandReply, MxCommandReply> {
        let item = self.item(server_handle, item_handle)?;
        if item.advise.is_none() {
            let call = if suspend { "Suspend" } else { "Activate" };
            return Err(hresult_failure(
                hresult::E_INVALIDARG,
                format!("{call} needs an advised item; item {item_handle} is not advised"),
            ));
        }
        let mut raised = Vec::with_capacity(2);
        if let Some(item) = self.items.get_mut(&item_handle) {
            let resumed = item.suspended && !suspend;
            item.suspended = suspend;
            if let (true, Some(buffer)) = (resumed, item.buffered.as_mut()) {
                // A buffered item delivers what it held plus its current value.
                if let Some(last) = &item.last {
                    buffer.catch_up(last);
                }
                if let Some(event) = buffer.take_event(item.data_type) {
                    raised.push(mx_event::Kind::BufferedDataChange(event));
                }
                self.buffered_pending.remove(&item_handle);
            } else if let (true, Some(last)) = (resumed, &item.last) {
                raised.push(mx_event::Kind::DataChange(OnDataChange {
                    value: last.value.clone(),
                    quality: last.quality,
                    timestamp: last.timestamp,
                    statuses: vec![last.status],
                }));
            }
        }
        let status: mxgateway_proto::v1::MxStatus = MxStatus::OK.into();
        raised.push(mx_event::Kind::OperationComplete(OperationComplete {
            statuses: vec![status],
        }));
        for kind in raised {
            let worker_sequence = self.next_sequence();
            self.raised.push(MxEvent {
                worker_sequence,
                server_handle,
                item_handle,
                conflated: 0,
                kind: Some(kind),
            });
        }
        let mut reply = ok(None);
        reply.statuses = vec![status];
        Ok(reply)
    }

    fn write_checked(
        &mut self,
        server_handle: i32,
        args: WriteArgs,
    ) -> Result<MxCommandReply, MxCommandReply> {
        let item = self.item(server_handle, args.item_handle)?;
        if let Err(why) = self
            .constraints
            .check(Access::Write, &item.definition, &item.context)
        {
            return Err(permission_denied(why));
        }
        self.write(server_handle, args)
    }

    /// A write to an item whose handle and constraint were checked.
    pub(crate) fn write(
        &mut self,
        server_handle: i32,
        args: WriteArgs,
    ) -> Result<MxCommandReply, MxCommandReply> {
        let WriteArgs {
            item_handle,
            value,
            timestamp,
            user_id,
            verifier_user_id,
            secured,
        } = args;
        let item = self.item(server_handle, item_handle)?;
        let Some(value) = value else {
            return Err(invalid_request("the write has no value"));
        };
        if let Err(e) = value.to_domain() {
            return Err(invalid_request(format!("invalid value: {e}")));
        }
        let subscription_id = match (&item.advise, item.resolved) {
            (Some(a), true) => a.subscription_id,
            _ => {
                return Err(hresult_failure(
                    hresult::E_INVALIDARG,
                    format!(
                        "value does not fall within the expected range: item {item_handle} must be advised and \
                         resolved (data type {}) before a write",
                        item.data_type.name()
                    ),
                ))
            }
        };
        let request = plant::Write {
            request_id: 0,
            subscription_id,
            value: Some(value),
            timestamp,
            user_id,
            verifier_user_id,
            secured,
        };
        // Through the one ordered queue, so writes reach the runtime in the
        // order the client issued them (a task per write would race).
        let queued = QueuedWrite {
            server_handle,
            item_handle,
            request,
        };
        if self.writes.send(queued).is_err() {
            return Err(hresult_failure(
                hresult::E_FAIL,
                "the worker's write queue is closed",
            ));
        }
        Ok(ok(None))
    }

    /// Turns plant updates into OnDataChange events, dropping updates of
    /// subscriptions that ended meanwhile, and completes ReadBulk entries.
    pub fn on_updates(&mut self, updates: Vec<plant::Update>, events: &mut impl EventSink) {
        for update in updates {
            let item_handle = item_of(update.subscription_id);
            let Some(item) = advised_item(&mut self.items, update.subscription_id) else {
                self.on_read_update(update);
                continue;
            };
            let (cached, data_type) = cached_change(update);
            if cached.status.success != 0 {
                item.resolved = true;
                item.data_type = data_type;
            }
            if let Some(buffer) = item.buffered.as_mut() {
                if !item.suspended {
                    buffer.push(&cached);
                    if self.buffered_pending.insert(item_handle) {
                        let now = tokio::time::Instant::now();
                        if let Some(server) = self.servers.get_mut(&item.server_handle) {
                            server.buffered.schedule(now);
                        }
                    }
                } else {
                    buffer.missed();
                }
                item.last = Some(cached);
                continue;
            }
            // The cache keeps the value; the event is encoded from it.
            let last = item.last.insert(cached);
            if item.suspended {
                continue;
            }
            // `self.sequence` directly: `item` borrows only `self.items`.
            self.sequence += 1;
            events.push_data_change(
                self.sequence,
                item.server_handle,
                item_handle,
                DataChangeRef {
                    value: last.value.as_ref(),
                    quality: last.quality,
                    timestamp: last.timestamp.as_ref(),
                    status: &last.status,
                },
            );
        }
    }

    /// Turns a decided write into OnWriteComplete.
    pub fn on_write_done(&mut self, done: WriteDone) -> MxEvent {
        MxEvent {
            worker_sequence: self.next_sequence(),
            server_handle: done.server_handle,
            item_handle: done.item_handle,
            conflated: 0,
            kind: Some(mx_event::Kind::WriteComplete(OnWriteComplete {
                statuses: vec![done.status.into()],
            })),
        }
    }
}

/// The arguments every write arm reduces to.
pub(crate) struct WriteArgs {
    pub(crate) item_handle: i32,
    pub(crate) value: Option<MxValue>,
    pub(crate) timestamp: Option<prost_types::Timestamp>,
    pub(crate) user_id: i32,
    pub(crate) verifier_user_id: i32,
    pub(crate) secured: bool,
}

/// A plant update as MXAccess reports it, with the value's data type.
pub(crate) fn data_change(update: plant::Update) -> (OnDataChange, DataType) {
    let (change, data_type) = cached_change(update);
    (
        OnDataChange {
            value: change.value,
            quality: change.quality,
            timestamp: change.timestamp,
            statuses: vec![change.status],
        },
        data_type,
    )
}

/// [`data_change`] in the compact form an item caches.
pub(crate) fn cached_change(update: plant::Update) -> (CachedChange, DataType) {
    let status = update.status.unwrap_or_default();
    let success = status.success != 0;
    let data_type = update
        .value
        .as_ref()
        .map(|v| data_type_from_pb(v.data_type))
        .unwrap_or_default();
    // A failed status never arrives with Good quality.
    let quality = if success || !quality::is_good(update.quality) {
        update.quality
    } else {
        quality::BAD
    };
    (
        CachedChange {
            value: update.value,
            quality,
            timestamp: update.timestamp,
            status,
        },
        data_type,
    )
}

/// Where a session puts the data changes it raises: the pipe encodes them at
/// once ([`EventFrameBuilder`], no message is built), tests keep messages
/// (`Vec<MxEvent>`).
pub trait EventSink {
    fn push_data_change(
        &mut self,
        worker_sequence: u64,
        server_handle: i32,
        item_handle: i32,
        change: DataChangeRef<'_>,
    );
}

impl EventSink for Vec<MxEvent> {
    fn push_data_change(
        &mut self,
        worker_sequence: u64,
        server_handle: i32,
        item_handle: i32,
        change: DataChangeRef<'_>,
    ) {
        self.push(MxEvent {
            worker_sequence,
            server_handle,
            item_handle,
            conflated: 0,
            kind: Some(mx_event::Kind::DataChange(change.to_message())),
        });
    }
}

impl EventSink for EventFrameBuilder {
    fn push_data_change(
        &mut self,
        worker_sequence: u64,
        server_handle: i32,
        item_handle: i32,
        change: DataChangeRef<'_>,
    ) {
        EventFrameBuilder::push_data_change(
            self,
            worker_sequence,
            server_handle,
            item_handle,
            change,
        );
    }
}

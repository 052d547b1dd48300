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
//! - Every event gets the next `worker_sequence` (1, 2, 3, ...) of the session.
//!
//! Each subscription gets a fresh id that is never reused, so an update that
//! was in flight for a removed item can never land on a reused item handle.

use std::collections::{BTreeSet, HashMap};
use std::future::Future;
use std::pin::Pin;

use mxgateway_mx::{hresult, quality, DataType, MxStatus};
use mxgateway_proto::v1::{
    mx_command::Command, mx_command_reply, mx_event, MxCommand, MxCommandReply, MxEvent, MxValue,
    OnDataChange, OnWriteComplete, ProtocolStatus,
};
use mxgateway_proto::{data_type_from_pb, plant};
use tokio::sync::mpsc;

use crate::backend::{Backend, BackendError};

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

struct Advise {
    subscription_id: u64,
}

struct Item {
    server_handle: i32,
    definition: String,
    context: String,
    advise: Option<Advise>,
    /// Set by the first successful data change after Advise.
    resolved: bool,
    data_type: DataType,
}

/// One session's MXAccess state. Owned by the worker's main loop.
pub struct MxSession<B: Backend> {
    backend: B,
    servers: HashMap<i32, String>,
    next_server: i32,
    items: HashMap<i32, Item>,
    free_items: BTreeSet<i32>,
    next_item: i32,
    subscriptions: HashMap<u64, i32>,
    next_subscription: u64,
    sequence: u64,
    write_done: mpsc::Sender<WriteDone>,
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

/// A reply for a request the worker cannot even interpret.
pub fn invalid_request(message: impl Into<String>) -> MxCommandReply {
    MxCommandReply {
        protocol_status: ProtocolStatus::InvalidRequest as i32,
        message: message.into(),
        ..Default::default()
    }
}

fn ok(result: Option<mx_command_reply::Result>) -> MxCommandReply {
    MxCommandReply {
        protocol_status: ProtocolStatus::Ok as i32,
        hresult: hresult::S_OK,
        result,
        ..Default::default()
    }
}

fn backend_failure(e: BackendError) -> MxCommandReply {
    hresult_failure(hresult::E_FAIL, e.to_string())
}

impl<B: Backend> MxSession<B> {
    /// A session whose write outcomes are reported on `write_done`.
    pub fn new(backend: B, write_done: mpsc::Sender<WriteDone>) -> Self {
        MxSession {
            backend,
            servers: HashMap::new(),
            next_server: 1,
            items: HashMap::new(),
            free_items: BTreeSet::new(),
            next_item: 1,
            subscriptions: HashMap::new(),
            next_subscription: 1,
            sequence: 0,
            write_done,
        }
    }

    /// Items currently advised (for diagnostics and tests).
    pub fn advised_count(&self) -> usize {
        self.subscriptions.len()
    }

    fn next_sequence(&mut self) -> u64 {
        self.sequence += 1;
        self.sequence
    }

    fn check_server(&self, server_handle: i32) -> Result<(), MxCommandReply> {
        if self.servers.contains_key(&server_handle) {
            Ok(())
        } else {
            Err(hresult_failure(
                hresult::E_INVALIDARG,
                format!("unknown server handle {server_handle}"),
            ))
        }
    }

    fn item(&self, server_handle: i32, item_handle: i32) -> Result<&Item, MxCommandReply> {
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
                self.servers.insert(handle, c.client_name);
                Ok(ok(Some(mx_command_reply::Result::ServerHandle(handle))))
            }
            Command::Unregister(c) => self.unregister(c.server_handle).await,
            Command::AddItem(c) => self.add_item(c.server_handle, c.item_definition, String::new()),
            Command::AddItem2(c) => {
                self.add_item(c.server_handle, c.item_definition, c.item_context)
            }
            Command::RemoveItem(c) => self.remove_item(c.server_handle, c.item_handle).await,
            Command::Advise(c) => self.advise(c.server_handle, c.item_handle, false).await,
            Command::AdviseSupervisory(c) => {
                self.advise(c.server_handle, c.item_handle, true).await
            }
            Command::Unadvise(c) => self.unadvise(c.server_handle, c.item_handle).await,
            Command::Write(c) => self.write(
                c.server_handle,
                c.item_handle,
                c.value,
                None,
                c.user_id,
                0,
                false,
            ),
            Command::Write2(c) => {
                if c.timestamp.is_none() {
                    return Handled::Now(invalid_request("Write2 needs a timestamp"));
                }
                self.write(
                    c.server_handle,
                    c.item_handle,
                    c.value,
                    c.timestamp,
                    c.user_id,
                    0,
                    false,
                )
            }
            Command::WriteSecured(c) => self.write(
                c.server_handle,
                c.item_handle,
                c.value,
                None,
                c.current_user_id,
                c.verifier_user_id,
                true,
            ),
            Command::WriteSecured2(c) => {
                if c.timestamp.is_none() {
                    return Handled::Now(invalid_request("WriteSecured2 needs a timestamp"));
                }
                self.write(
                    c.server_handle,
                    c.item_handle,
                    c.value,
                    c.timestamp,
                    c.current_user_id,
                    c.verifier_user_id,
                    true,
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
        };
        Handled::Now(reply.unwrap_or_else(|failure| failure))
    }

    async fn unregister(&mut self, server_handle: i32) -> Result<MxCommandReply, MxCommandReply> {
        self.check_server(server_handle)?;
        let handles: Vec<i32> = self
            .items
            .iter()
            .filter(|(_, i)| i.server_handle == server_handle)
            .map(|(h, _)| *h)
            .collect();
        for handle in handles {
            self.remove_item(server_handle, handle).await?;
        }
        self.servers.remove(&server_handle);
        Ok(ok(None))
    }

    fn add_item(
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
        self.items.insert(
            handle,
            Item {
                server_handle,
                definition,
                context,
                advise: None,
                resolved: false,
                data_type: DataType::NoData,
            },
        );
        Ok(ok(Some(mx_command_reply::Result::ItemHandle(handle))))
    }

    async fn remove_item(
        &mut self,
        server_handle: i32,
        item_handle: i32,
    ) -> Result<MxCommandReply, MxCommandReply> {
        self.item(server_handle, item_handle)?;
        self.stop_advise(item_handle).await?;
        self.items.remove(&item_handle);
        self.free_items.insert(item_handle);
        Ok(ok(None))
    }

    async fn advise(
        &mut self,
        server_handle: i32,
        item_handle: i32,
        supervisory: bool,
    ) -> Result<MxCommandReply, MxCommandReply> {
        let item = self.item(server_handle, item_handle)?;
        if item.advise.is_some() {
            return Ok(ok(None));
        }
        let (definition, context) = (item.definition.clone(), item.context.clone());
        let subscription_id = self.next_subscription;
        self.next_subscription += 1;
        // Book-keeping first: the initial update may arrive before this returns.
        self.subscriptions.insert(subscription_id, item_handle);
        if let Some(item) = self.items.get_mut(&item_handle) {
            item.advise = Some(Advise { subscription_id });
            item.resolved = false;
        }
        if let Err(e) = self
            .backend
            .subscribe(subscription_id, &definition, &context, supervisory)
            .await
        {
            self.subscriptions.remove(&subscription_id);
            if let Some(item) = self.items.get_mut(&item_handle) {
                item.advise = None;
            }
            return Err(backend_failure(e));
        }
        Ok(ok(None))
    }

    async fn unadvise(
        &mut self,
        server_handle: i32,
        item_handle: i32,
    ) -> Result<MxCommandReply, MxCommandReply> {
        self.item(server_handle, item_handle)?;
        self.stop_advise(item_handle).await?;
        Ok(ok(None))
    }

    async fn stop_advise(&mut self, item_handle: i32) -> Result<(), MxCommandReply> {
        let Some(item) = self.items.get_mut(&item_handle) else {
            return Ok(());
        };
        let Some(advise) = item.advise.take() else {
            return Ok(());
        };
        item.resolved = false;
        self.subscriptions.remove(&advise.subscription_id);
        self.backend
            .unsubscribe(advise.subscription_id)
            .await
            .map_err(backend_failure)
    }

    #[allow(clippy::too_many_arguments)]
    fn write(
        &mut self,
        server_handle: i32,
        item_handle: i32,
        value: Option<MxValue>,
        timestamp: Option<prost_types::Timestamp>,
        user_id: i32,
        verifier_user_id: i32,
        secured: bool,
    ) -> Result<MxCommandReply, MxCommandReply> {
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
        let backend = self.backend.clone();
        let done = self.write_done.clone();
        tokio::spawn(async move {
            let status = backend.write(request).await;
            let _ = done
                .send(WriteDone {
                    server_handle,
                    item_handle,
                    status,
                })
                .await;
        });
        Ok(ok(None))
    }

    /// Turns plant updates into OnDataChange events, dropping updates of
    /// subscriptions that ended meanwhile.
    pub fn on_updates(&mut self, updates: Vec<plant::Update>, events: &mut Vec<MxEvent>) {
        for update in updates {
            let Some(&item_handle) = self.subscriptions.get(&update.subscription_id) else {
                continue;
            };
            let Some(item) = self.items.get_mut(&item_handle) else {
                continue;
            };
            let status = update.status.unwrap_or_default();
            let success = status.success != 0;
            let data_type = update
                .value
                .as_ref()
                .map(|v| data_type_from_pb(v.data_type))
                .unwrap_or_default();
            if success {
                item.resolved = true;
                item.data_type = data_type;
            }
            let server_handle = item.server_handle;
            // A failed status never arrives with Good quality.
            let quality = if success || !quality::is_good(update.quality) {
                update.quality
            } else {
                quality::BAD
            };
            let sequence = self.next_sequence();
            events.push(MxEvent {
                worker_sequence: sequence,
                server_handle,
                item_handle,
                conflated: 0,
                kind: Some(mx_event::Kind::DataChange(OnDataChange {
                    value: update.value,
                    quality,
                    timestamp: update.timestamp,
                    statuses: vec![status],
                })),
            });
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

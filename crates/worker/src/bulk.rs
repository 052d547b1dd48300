//! The bulk command family: the single MXAccess calls run for every entry in
//! one round trip, with one result per entry in request order.
//!
//! Rules:
//! - A bad server handle fails the whole call (E_INVALIDARG), as the single
//!   calls do; everything about an entry (empty definition, unknown handle,
//!   missing or malformed value, tag constraint) fails only that entry.
//! - Backend requests of one bulk call go out together (one flush), so a
//!   SubscribeBulk of thousands of items costs one plant-link write.
//! - A constraint refusal is `was_successful = false`,
//!   `denied_by_constraint = true`, HRESULT E_ACCESSDENIED and a security
//!   status (detail 1006 "not readable" for reads, 1008 "write access denied"
//!   for writes), while the other entries proceed.
//! - ReadBulk serves an entry from the session's own subscription when an
//!   item with that exact reference (case-insensitive, no context) is advised
//!   and has delivered a data change (`was_cached`, subscription untouched).
//!   Every other entry is read the MXAccess way, all at once: a temporary
//!   subscription (AddItem + Advise without a client-visible handle), the
//!   first data change, then UnAdvise + RemoveItem. An entry without a data
//!   change by the deadline fails with a request-timed-out status
//!   (CommunicationError, detail 1) and quality 0. The reply is sent when the
//!   last entry completes or the deadline passes, while the worker keeps
//!   serving other commands and events.

use std::collections::HashMap;

use mxgateway_mx::{detail, hresult, quality, MxStatus, StatusCategory, StatusSource};
use mxgateway_proto::plant;
use mxgateway_proto::v1::{
    mx_command::Command, mx_command_reply, BulkReadResult, BulkReadResults, BulkWriteResult,
    BulkWriteResults, ItemDefinitionsBulkCommand, ItemHandlesBulkCommand, MxCommandReply,
    ReadBulkCommand, SubscribeResult, SubscribeResults,
};
use tokio::sync::{mpsc, oneshot};

use crate::backend::Backend;
use crate::references::same_reference;
use crate::semantics::{
    data_change, hresult_failure, invalid_request, ok, Access, Handled, MxSession, WriteArgs,
};

/// Used when a ReadBulk arrives with `timeout_ms = 0` (the gateway normally
/// fills in its configured default first).
pub const DEFAULT_READ_TIMEOUT_MS: u32 = 5_000;

/// ReadBulk calls waiting for data changes.
#[derive(Default)]
pub(crate) struct PendingReads {
    next_id: u64,
    calls: HashMap<u64, PendingRead>,
    /// Temporary subscription id → (call id, entry index).
    slots: HashMap<u64, (u64, usize)>,
    /// Temporary subscriptions that completed and must be ended.
    retired: Vec<u64>,
    /// Where a ReadBulk's deadline timer reports (set by the main loop).
    expired: Option<mpsc::Sender<u64>>,
}

struct PendingRead {
    results: Vec<BulkReadResult>,
    outstanding: usize,
    reply: oneshot::Sender<Vec<BulkReadResult>>,
}

fn entry_failure(reply: MxCommandReply) -> SubscribeResult {
    SubscribeResult {
        was_successful: false,
        hresult: reply.hresult,
        statuses: reply.statuses,
        message: reply.message,
        ..Default::default()
    }
}

fn denied_status(access: Access) -> mxgateway_proto::v1::MxStatus {
    let detail = match access {
        Access::Read => detail::NOT_READABLE,
        Access::Write => detail::WRITE_ACCESS_DENIED,
    };
    MxStatus::failure(
        StatusCategory::SecurityError,
        StatusSource::RequestingLmx,
        detail,
    )
    .into()
}

fn subscribe_denied(definition: String, message: String) -> SubscribeResult {
    SubscribeResult {
        item_definition: definition,
        was_successful: false,
        hresult: hresult::E_ACCESSDENIED,
        statuses: vec![denied_status(Access::Read)],
        message,
        denied_by_constraint: true,
        ..Default::default()
    }
}

fn write_result(
    item_handle: i32,
    outcome: Result<MxCommandReply, MxCommandReply>,
) -> BulkWriteResult {
    match outcome {
        Ok(reply) => BulkWriteResult {
            item_handle,
            was_successful: true,
            hresult: reply.hresult,
            statuses: reply.statuses,
            ..Default::default()
        },
        Err(reply) => BulkWriteResult {
            item_handle,
            was_successful: false,
            hresult: if reply.hresult == 0 {
                hresult::E_INVALIDARG
            } else {
                reply.hresult
            },
            statuses: reply.statuses,
            message: reply.message,
            ..Default::default()
        },
    }
}

fn subscribe_results(results: Vec<SubscribeResult>) -> MxCommandReply {
    ok(Some(mx_command_reply::Result::SubscribeResults(
        SubscribeResults { results },
    )))
}

fn read_reply(results: Vec<BulkReadResult>) -> MxCommandReply {
    ok(Some(mx_command_reply::Result::ReadResults(
        BulkReadResults { results },
    )))
}

fn timed_out(definition: &str) -> BulkReadResult {
    BulkReadResult {
        item_definition: definition.to_string(),
        was_successful: false,
        quality: quality::BAD,
        statuses: vec![MxStatus::failure(
            StatusCategory::CommunicationError,
            StatusSource::RequestingLmx,
            detail::REQUEST_TIMED_OUT,
        )
        .into()],
        message: "no data change arrived before the ReadBulk timeout".into(),
        ..Default::default()
    }
}

/// One write entry of any write arm.
struct WriteEntry {
    args: WriteArgs,
    /// Write2 / WriteSecured2 entries must carry a timestamp.
    needs_timestamp: bool,
}

impl<B: Backend> MxSession<B> {
    /// Handles every bulk arm except ReadBulk.
    pub(crate) async fn handle_bulk(&mut self, command: Command) -> MxCommandReply {
        let outcome = match command {
            Command::AddItemBulk(c) => self.add_item_bulk(c, false).await,
            Command::SubscribeBulk(c) => self.add_item_bulk(c, true).await,
            Command::AdviseItemBulk(c) => self.advise_item_bulk(c).await,
            Command::UnadviseItemBulk(c) => self.remove_bulk(c, false).await,
            Command::RemoveItemBulk(c) => self.remove_bulk(c, true).await,
            Command::UnsubscribeBulk(c) => self.remove_bulk(c, true).await,
            Command::WriteBulk(c) => {
                let entries = c.entries.into_iter().map(|e| WriteEntry {
                    args: WriteArgs {
                        item_handle: e.item_handle,
                        value: e.value,
                        timestamp: None,
                        user_id: e.user_id,
                        verifier_user_id: 0,
                        secured: false,
                    },
                    needs_timestamp: false,
                });
                self.write_bulk(c.server_handle, entries.collect())
            }
            Command::Write2Bulk(c) => {
                let entries = c.entries.into_iter().map(|e| WriteEntry {
                    args: WriteArgs {
                        item_handle: e.item_handle,
                        value: e.value,
                        timestamp: e.timestamp,
                        user_id: e.user_id,
                        verifier_user_id: 0,
                        secured: false,
                    },
                    needs_timestamp: true,
                });
                self.write_bulk(c.server_handle, entries.collect())
            }
            Command::WriteSecuredBulk(c) => {
                let entries = c.entries.into_iter().map(|e| WriteEntry {
                    args: WriteArgs {
                        item_handle: e.item_handle,
                        value: e.value,
                        timestamp: None,
                        user_id: e.current_user_id,
                        verifier_user_id: e.verifier_user_id,
                        secured: true,
                    },
                    needs_timestamp: false,
                });
                self.write_bulk(c.server_handle, entries.collect())
            }
            Command::WriteSecured2Bulk(c) => {
                let entries = c.entries.into_iter().map(|e| WriteEntry {
                    args: WriteArgs {
                        item_handle: e.item_handle,
                        value: e.value,
                        timestamp: e.timestamp,
                        user_id: e.current_user_id,
                        verifier_user_id: e.verifier_user_id,
                        secured: true,
                    },
                    needs_timestamp: true,
                });
                self.write_bulk(c.server_handle, entries.collect())
            }
            other => Err(invalid_request(format!(
                "not a bulk command: {}",
                command_name(&other)
            ))),
        };
        outcome.unwrap_or_else(|failure| failure)
    }

    /// AddItemBulk, and SubscribeBulk when `advise` (AddItem + Advise per entry).
    async fn add_item_bulk(
        &mut self,
        c: ItemDefinitionsBulkCommand,
        advise: bool,
    ) -> Result<MxCommandReply, MxCommandReply> {
        self.check_server(c.server_handle)?;
        let mut results = Vec::with_capacity(c.item_definitions.len());
        let mut requests = Vec::new();
        for definition in c.item_definitions {
            if let Err(why) = self.constraints.check(Access::Read, &definition, "") {
                results.push(subscribe_denied(definition, why));
                continue;
            }
            let result = match self.add_item(c.server_handle, definition.clone(), String::new()) {
                Ok(reply) => {
                    let handle = match reply.result {
                        Some(mx_command_reply::Result::ItemHandle(h)) => h,
                        _ => 0,
                    };
                    if advise {
                        requests.extend(self.begin_advise(handle, false));
                    }
                    SubscribeResult {
                        item_handle: handle,
                        was_successful: true,
                        ..Default::default()
                    }
                }
                Err(reply) => entry_failure(reply),
            };
            results.push(SubscribeResult {
                item_definition: definition,
                ..result
            });
        }
        self.subscribe_many(requests).await?;
        Ok(subscribe_results(results))
    }

    async fn advise_item_bulk(
        &mut self,
        c: ItemHandlesBulkCommand,
    ) -> Result<MxCommandReply, MxCommandReply> {
        self.check_server(c.server_handle)?;
        let mut results = Vec::with_capacity(c.item_handles.len());
        let mut requests = Vec::new();
        for handle in c.item_handles {
            results.push(match self.item(c.server_handle, handle) {
                Ok(_) => {
                    requests.extend(self.begin_advise(handle, false));
                    SubscribeResult {
                        item_handle: handle,
                        was_successful: true,
                        ..Default::default()
                    }
                }
                Err(reply) => SubscribeResult {
                    item_handle: handle,
                    ..entry_failure(reply)
                },
            });
        }
        self.subscribe_many(requests).await?;
        Ok(subscribe_results(results))
    }

    /// UnadviseItemBulk, and RemoveItemBulk / UnsubscribeBulk when `remove`
    /// (RemoveItem ends an advise first, so the two are the same here).
    async fn remove_bulk(
        &mut self,
        c: ItemHandlesBulkCommand,
        remove: bool,
    ) -> Result<MxCommandReply, MxCommandReply> {
        self.check_server(c.server_handle)?;
        let mut results = Vec::with_capacity(c.item_handles.len());
        let mut valid = Vec::new();
        for handle in c.item_handles {
            // A handle listed twice is removed once; the second entry fails
            // as it would as a second RemoveItem call.
            let known = self.item(c.server_handle, handle).map(|_| ());
            let known = match known {
                Ok(()) if remove && valid.contains(&handle) => Err(hresult_failure(
                    hresult::E_INVALIDARG,
                    format!("item handle {handle} is listed more than once"),
                )),
                other => other,
            };
            results.push(match known {
                Ok(()) => {
                    valid.push(handle);
                    SubscribeResult {
                        item_handle: handle,
                        was_successful: true,
                        ..Default::default()
                    }
                }
                Err(reply) => SubscribeResult {
                    item_handle: handle,
                    ..entry_failure(reply)
                },
            });
        }
        if remove {
            self.remove_items(&valid).await?;
        } else {
            let ended: Vec<u64> = valid.iter().filter_map(|&h| self.end_advise(h)).collect();
            self.unsubscribe_many(ended).await?;
        }
        Ok(subscribe_results(results))
    }

    fn write_bulk(
        &mut self,
        server_handle: i32,
        entries: Vec<WriteEntry>,
    ) -> Result<MxCommandReply, MxCommandReply> {
        self.check_server(server_handle)?;
        let mut results = Vec::with_capacity(entries.len());
        for entry in entries {
            let handle = entry.args.item_handle;
            let item = match self.item(server_handle, handle) {
                Ok(item) => item,
                Err(reply) => {
                    results.push(write_result(handle, Err(reply)));
                    continue;
                }
            };
            if let Err(why) = self
                .constraints
                .check(Access::Write, &item.definition, &item.context)
            {
                results.push(BulkWriteResult {
                    item_handle: handle,
                    was_successful: false,
                    hresult: hresult::E_ACCESSDENIED,
                    statuses: vec![denied_status(Access::Write)],
                    message: why,
                    denied_by_constraint: true,
                });
                continue;
            }
            if entry.needs_timestamp && entry.args.timestamp.is_none() {
                results.push(write_result(
                    handle,
                    Err(hresult_failure(
                        hresult::E_INVALIDARG,
                        "the entry needs a timestamp",
                    )),
                ));
                continue;
            }
            let outcome = self.write(server_handle, entry.args);
            results.push(write_result(handle, outcome));
        }
        Ok(ok(Some(mx_command_reply::Result::WriteResults(
            BulkWriteResults { results },
        ))))
    }

    /// ReadBulk: cached entries at once, the rest through temporary
    /// subscriptions completed by `on_updates` or the deadline.
    pub(crate) async fn read_bulk(&mut self, c: ReadBulkCommand) -> Handled {
        if let Err(reply) = self.check_server(c.server_handle) {
            return Handled::Now(reply);
        }
        let timeout_ms = match c.timeout_ms {
            0 => DEFAULT_READ_TIMEOUT_MS,
            ms => ms,
        };
        let call_id = self.reads.next_id;
        self.reads.next_id += 1;
        let mut results = Vec::with_capacity(c.item_definitions.len());
        let mut requests = Vec::new();
        let mut slots = Vec::new();
        for (index, definition) in c.item_definitions.into_iter().enumerate() {
            if definition.trim().is_empty() {
                results.push(BulkReadResult {
                    item_definition: definition,
                    message: "the item definition is empty".into(),
                    ..Default::default()
                });
                continue;
            }
            if let Err(why) = self.constraints.check(Access::Read, &definition, "") {
                results.push(BulkReadResult {
                    item_definition: definition,
                    statuses: vec![denied_status(Access::Read)],
                    message: why,
                    denied_by_constraint: true,
                    ..Default::default()
                });
                continue;
            }
            if let Some(cached) = self.cached(&definition) {
                results.push(cached);
                continue;
            }
            let subscription_id = self.next_subscription_id();
            requests.push(plant::Subscribe {
                subscription_id,
                reference: definition.clone(),
                context: String::new(),
                supervisory: false,
            });
            slots.push((subscription_id, index));
            results.push(timed_out(&definition));
        }
        if requests.is_empty() {
            return Handled::Now(read_reply(results));
        }
        if let Err(e) = self.backend.subscribe_many(requests).await {
            let why = format!("the runtime refused the read: {e}");
            for &(_, index) in &slots {
                results[index].message.clone_from(&why);
            }
            return Handled::Now(read_reply(results));
        }
        let (reply_tx, reply_rx) = oneshot::channel();
        for &(subscription_id, index) in &slots {
            self.reads.slots.insert(subscription_id, (call_id, index));
        }
        self.reads.calls.insert(
            call_id,
            PendingRead {
                results,
                outstanding: slots.len(),
                reply: reply_tx,
            },
        );
        let expired = self.reads.expired.clone();
        Handled::Later(Box::pin(async move {
            let mut reply_rx = reply_rx;
            let deadline = std::time::Duration::from_millis(u64::from(timeout_ms));
            let results = tokio::select! {
                results = &mut reply_rx => results,
                _ = tokio::time::sleep(deadline) => {
                    // The main loop completes the call with timeouts.
                    match expired {
                        Some(tx) if tx.send(call_id).await.is_ok() => reply_rx.await,
                        _ => reply_rx.await,
                    }
                }
            };
            match results {
                Ok(results) => read_reply(results),
                Err(_) => hresult_failure(hresult::E_FAIL, "the worker stopped during ReadBulk"),
            }
        }))
    }

    /// The cached last data change of an advised item with this reference.
    fn cached(&self, definition: &str) -> Option<BulkReadResult> {
        let mut handles = self.by_reference.candidates(definition, "");
        handles.find_map(|h| {
            let item = self.items.get(&h)?;
            if !same_reference((&item.definition, &item.context), (definition, "")) {
                return None;
            }
            item.advise.as_ref()?;
            let last = item.last.as_ref()?;
            Some(BulkReadResult {
                item_definition: definition.to_string(),
                was_successful: last.status.success != 0,
                was_cached: true,
                value: last.value.clone(),
                quality: last.quality,
                timestamp: last.timestamp,
                statuses: vec![last.status],
                ..Default::default()
            })
        })
    }

    /// Sets where ReadBulk deadline timers report; the main loop passes the
    /// ids it receives there to [`MxSession::expire_read`].
    pub fn set_read_expiry(&mut self, expired: mpsc::Sender<u64>) {
        self.reads.expired = Some(expired);
    }

    /// Completes a temporary ReadBulk subscription from its first update.
    pub(crate) fn on_read_update(&mut self, update: plant::Update) {
        let Some((call_id, index)) = self.reads.slots.remove(&update.subscription_id) else {
            return;
        };
        self.reads.retired.push(update.subscription_id);
        let Some(call) = self.reads.calls.get_mut(&call_id) else {
            return;
        };
        let (change, _) = data_change(update);
        let slot = &mut call.results[index];
        slot.was_successful = change.statuses.first().is_some_and(|s| s.success != 0);
        slot.message = if slot.was_successful {
            String::new()
        } else {
            "the runtime reported a failure status".into()
        };
        slot.value = change.value;
        slot.quality = change.quality;
        slot.timestamp = change.timestamp;
        slot.statuses = change.statuses;
        call.outstanding -= 1;
        if call.outstanding == 0 {
            if let Some(call) = self.reads.calls.remove(&call_id) {
                let _ = call.reply.send(call.results);
            }
        }
    }

    /// A ReadBulk's deadline passed: its open entries keep their timed-out
    /// results and their temporary subscriptions end.
    pub fn expire_read(&mut self, call_id: u64) {
        let Some(call) = self.reads.calls.remove(&call_id) else {
            return;
        };
        let open: Vec<u64> = self
            .reads
            .slots
            .iter()
            .filter(|(_, (id, _))| *id == call_id)
            .map(|(sub, _)| *sub)
            .collect();
        for sub in open {
            self.reads.slots.remove(&sub);
            self.reads.retired.push(sub);
        }
        let _ = call.reply.send(call.results);
    }

    /// Ends the temporary subscriptions of completed ReadBulk entries.
    pub async fn end_retired_reads(&mut self) -> Result<(), String> {
        if self.reads.retired.is_empty() {
            return Ok(());
        }
        let ids = std::mem::take(&mut self.reads.retired);
        self.unsubscribe_many(ids).await.map_err(|r| r.message)
    }
}

fn command_name(command: &Command) -> &'static str {
    match command {
        Command::Register(_) => "Register",
        Command::Unregister(_) => "Unregister",
        Command::AddItem(_) => "AddItem",
        Command::AddItem2(_) => "AddItem2",
        Command::RemoveItem(_) => "RemoveItem",
        Command::Advise(_) => "Advise",
        Command::AdviseSupervisory(_) => "AdviseSupervisory",
        Command::Unadvise(_) => "UnAdvise",
        Command::Suspend(_) => "Suspend",
        Command::Activate(_) => "Activate",
        Command::AddBufferedItem(_) => "AddBufferedItem",
        Command::SetBufferedUpdateInterval(_) => "SetBufferedUpdateInterval",
        Command::Write(_) => "Write",
        Command::Write2(_) => "Write2",
        Command::WriteSecured(_) => "WriteSecured",
        Command::WriteSecured2(_) => "WriteSecured2",
        Command::AuthenticateUser(_) => "AuthenticateUser",
        Command::ArchestraUserToId(_) => "ArchestrAUserToId",
        Command::AddItemBulk(_) => "AddItemBulk",
        Command::AdviseItemBulk(_) => "AdviseItemBulk",
        Command::RemoveItemBulk(_) => "RemoveItemBulk",
        Command::UnadviseItemBulk(_) => "UnadviseItemBulk",
        Command::SubscribeBulk(_) => "SubscribeBulk",
        Command::UnsubscribeBulk(_) => "UnsubscribeBulk",
        Command::WriteBulk(_) => "WriteBulk",
        Command::Write2Bulk(_) => "Write2Bulk",
        Command::WriteSecuredBulk(_) => "WriteSecuredBulk",
        Command::WriteSecured2Bulk(_) => "WriteSecured2Bulk",
        Command::ReadBulk(_) => "ReadBulk",
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use mxgateway_proto::v1::{
        mx_command::Command, mx_value, AddItemCommand, ItemCommand, MxCommand, MxValue,
        RegisterCommand,
    };

    use super::*;
    use crate::backend::BackendError;

    /// A runtime that records requests and answers nothing by itself.
    #[derive(Clone, Default)]
    struct Recorder {
        subscribed: Arc<Mutex<Vec<u64>>>,
        unsubscribed: Arc<Mutex<Vec<u64>>>,
    }

    impl Backend for Recorder {
        fn name(&self) -> &'static str {
            "recorder"
        }
        async fn subscribe(&self, id: u64, _: &str, _: &str, _: bool) -> Result<(), BackendError> {
            self.subscribed.lock().unwrap().push(id);
            Ok(())
        }
        async fn unsubscribe(&self, id: u64) -> Result<(), BackendError> {
            self.unsubscribed.lock().unwrap().push(id);
            Ok(())
        }
        async fn subscribe_many(
            &self,
            requests: Vec<plant::Subscribe>,
        ) -> Result<(), BackendError> {
            let mut s = self.subscribed.lock().unwrap();
            s.extend(requests.iter().map(|r| r.subscription_id));
            Ok(())
        }
        async fn unsubscribe_many(&self, ids: Vec<u64>) -> Result<(), BackendError> {
            self.unsubscribed.lock().unwrap().extend(ids);
            Ok(())
        }
        async fn submit_write(&self, _: plant::Write) -> tokio::sync::oneshot::Receiver<MxStatus> {
            let (tx, rx) = tokio::sync::oneshot::channel();
            let _ = tx.send(MxStatus::OK);
            rx
        }
        async fn authenticate(&self, _: &str, _: &str) -> Result<i32, String> {
            Err("no users".into())
        }
        async fn user_to_id(&self, _: &str) -> Result<i32, String> {
            Err("no users".into())
        }
    }

    fn good_update(subscription_id: u64, v: i32) -> plant::Update {
        plant::Update {
            subscription_id,
            value: Some(MxValue {
                kind: Some(mx_value::Kind::Int32Value(v)),
                ..Default::default()
            }),
            quality: quality::GOOD,
            timestamp: Some(prost_types::Timestamp {
                seconds: 1,
                nanos: 0,
            }),
            status: Some(MxStatus::OK.into()),
        }
    }

    async fn now(session: &mut MxSession<Recorder>, command: Command) -> MxCommandReply {
        match session
            .handle(MxCommand {
                command: Some(command),
            })
            .await
        {
            Handled::Now(reply) => reply,
            Handled::Later(_) => panic!("expected an immediate reply"),
        }
    }

    fn read(server_handle: i32, items: &[&str], timeout_ms: u32) -> MxCommand {
        MxCommand {
            command: Some(Command::ReadBulk(ReadBulkCommand {
                server_handle,
                item_definitions: items.iter().map(|s| s.to_string()).collect(),
                timeout_ms,
            })),
        }
    }

    fn results(reply: MxCommandReply) -> Vec<BulkReadResult> {
        match reply.result {
            Some(mx_command_reply::Result::ReadResults(r)) => r.results,
            other => panic!("no read results: {other:?}"),
        }
    }

    #[tokio::test]
    async fn uncached_entries_complete_from_their_first_update_and_end_their_subscription() {
        let backend = Recorder::default();
        let (done, _) = mpsc::channel(4);
        let mut session = MxSession::new(backend.clone(), done);
        let (expiry_tx, _expiries) = mpsc::channel(4);
        session.set_read_expiry(expiry_tx);
        now(
            &mut session,
            Command::Register(RegisterCommand {
                client_name: "t".into(),
            }),
        )
        .await;
        let Handled::Later(reply) = session.handle(read(1, &["A.X", "B.Y"], 60_000)).await else {
            panic!("uncached reads complete later");
        };
        let reply = tokio::spawn(reply);
        let temp = backend.subscribed.lock().unwrap().clone();
        assert_eq!(temp.len(), 2, "both entries are read at once");
        let mut events = Vec::new();
        session.on_updates(
            vec![good_update(temp[1], 2), good_update(temp[0], 1)],
            &mut events,
        );
        assert!(events.is_empty(), "temporary reads raise no OnDataChange");
        session.end_retired_reads().await.unwrap();
        let results = results(reply.await.unwrap());
        assert_eq!(results[0].item_definition, "A.X");
        assert!(results[0].was_successful && !results[0].was_cached);
        assert_eq!(
            results[1].value.as_ref().unwrap().kind,
            Some(mx_value::Kind::Int32Value(2))
        );
        let mut ended = backend.unsubscribed.lock().unwrap().clone();
        ended.sort_unstable();
        assert_eq!(ended, temp);
    }

    #[tokio::test]
    async fn entries_without_a_data_change_time_out_with_a_status_and_are_cleaned_up() {
        let backend = Recorder::default();
        let (done, _) = mpsc::channel(4);
        let mut session = MxSession::new(backend.clone(), done);
        let (expiry_tx, mut expiries) = mpsc::channel(4);
        session.set_read_expiry(expiry_tx);
        now(
            &mut session,
            Command::Register(RegisterCommand {
                client_name: "t".into(),
            }),
        )
        .await;
        let Handled::Later(reply) = session.handle(read(1, &["Slow.A", "Fast.B"], 50)).await else {
            panic!("uncached reads complete later");
        };
        let reply = tokio::spawn(reply);
        let temp = backend.subscribed.lock().unwrap().clone();
        let mut events = Vec::new();
        session.on_updates(vec![good_update(temp[1], 5)], &mut events);
        // The main loop's part: the deadline timer reports, the session expires the call.
        let call = expiries.recv().await.expect("deadline reported");
        session.expire_read(call);
        session.end_retired_reads().await.unwrap();
        let results = results(reply.await.unwrap());
        assert!(!results[0].was_successful);
        assert_eq!(
            results[0].statuses[0].detail,
            i32::from(detail::REQUEST_TIMED_OUT)
        );
        assert_eq!(results[0].quality, quality::BAD);
        assert!(results[0].value.is_none());
        assert!(results[1].was_successful);
        let mut ended = backend.unsubscribed.lock().unwrap().clone();
        ended.sort_unstable();
        assert_eq!(ended, temp, "both temporary subscriptions ended");
        // A late update for an expired read changes nothing.
        session.on_updates(vec![good_update(temp[0], 9)], &mut events);
        assert!(events.is_empty());
    }

    #[tokio::test]
    async fn advised_items_are_served_from_the_cache_without_touching_the_subscription() {
        let backend = Recorder::default();
        let (done, _) = mpsc::channel(4);
        let mut session = MxSession::new(backend.clone(), done);
        now(
            &mut session,
            Command::Register(RegisterCommand {
                client_name: "t".into(),
            }),
        )
        .await;
        let added = now(
            &mut session,
            Command::AddItem(AddItemCommand {
                server_handle: 1,
                item_definition: "Obj.Attr".into(),
            }),
        )
        .await;
        let Some(mx_command_reply::Result::ItemHandle(handle)) = added.result else {
            panic!("no handle");
        };
        now(
            &mut session,
            Command::Advise(ItemCommand {
                server_handle: 1,
                item_handle: handle,
            }),
        )
        .await;
        let advise_id = backend.subscribed.lock().unwrap()[0];
        // Advised but no data change yet: not cached, read afresh.
        assert!(matches!(
            session.handle(read(1, &["obj.attr"], 1000)).await,
            Handled::Later(_)
        ));
        let mut events = Vec::new();
        session.on_updates(vec![good_update(advise_id, 42)], &mut events);
        assert_eq!(events.len(), 1);
        let Handled::Now(reply) = session.handle(read(1, &["OBJ.ATTR"], 1000)).await else {
            panic!("a cached read is immediate");
        };
        let r = &results(reply)[0];
        assert!(r.was_cached && r.was_successful);
        assert_eq!(r.item_definition, "OBJ.ATTR");
        assert_eq!(
            r.value.as_ref().unwrap().kind,
            Some(mx_value::Kind::Int32Value(42))
        );
        assert!(!backend.unsubscribed.lock().unwrap().contains(&advise_id));
        assert_eq!(session.advised_count(), 1);
    }
}

//! The bulk command family: many MXAccess calls in one round trip.
//!
//! MXAccess itself has no bulk calls. The gateway's worker runs the single
//! call(s) for every entry of a bulk command and answers with exactly one
//! result per entry, in request order. The [`Session`] methods here are:
//!
//! | Method | MXAccess calls per entry | Result |
//! | --- | --- | --- |
//! | [`Session::add_item_bulk`] | `AddItem` | [`v1::SubscribeResult`] |
//! | [`Session::subscribe_bulk`] | `AddItem` + `Advise` | [`v1::SubscribeResult`] |
//! | [`Session::advise_item_bulk`] | `Advise` | [`v1::SubscribeResult`] |
//! | [`Session::unadvise_item_bulk`] | `UnAdvise` | [`v1::SubscribeResult`] |
//! | [`Session::remove_item_bulk`] | `RemoveItem` | [`v1::SubscribeResult`] |
//! | [`Session::unsubscribe_bulk`] | `UnAdvise` + `RemoveItem` | [`v1::SubscribeResult`] |
//! | [`Session::write_bulk`] | `Write` | [`v1::BulkWriteResult`] |
//! | [`Session::write2_bulk`] | `Write2` | [`v1::BulkWriteResult`] |
//! | [`Session::write_secured_bulk`] | `WriteSecured` | [`v1::BulkWriteResult`] |
//! | [`Session::write_secured2_bulk`] | `WriteSecured2` | [`v1::BulkWriteResult`] |
//! | [`Session::read_bulk`] | cached value, or `AddItem` + `Advise` + first `OnDataChange` + `UnAdvise` + `RemoveItem` | [`v1::BulkReadResult`] |
//!
//! # Two levels of failure
//!
//! - **Per entry.** A failed entry has `was_successful == false` and carries
//!   its own `hresult`, `statuses`, `message`, and `denied_by_constraint`
//!   (true when the API key's tag allow-lists refused the reference). It
//!   never fails the call: the methods return `Ok` with every result, and
//!   the caller inspects them.
//! - **Per call.** A gRPC error, a protocol failure, or a failed HRESULT or
//!   status on the reply as a whole fails the call exactly as for the single
//!   commands (see [`crate::check`]).
//!
//! A reply without the result list the command calls for (missing, or of
//! another kind), or with a different number of results than entries, is a
//! gateway protocol failure: [`Error::Command`], carrying the reply.
//!
//! # Local checks
//!
//! Nothing is sent for an empty request, nor for one longer than the
//! gateway's `max_bulk_items` when the session knows it (see
//! [`Session::max_bulk_items`]; exactly at the limit is allowed). Both are
//! [`Error::InvalidArgument`], the kind the gateway itself would answer with.
//! A session attached by id does not know the limit unless told
//! ([`Session::with_max_bulk_items`]); the gateway enforces it anyway.

use std::borrow::Borrow;

use mxgateway_mx::{MxValue, Timestamp};
use mxgateway_proto::v1::{self, mx_command::Command, mx_command_reply};

use crate::error::Error;
use crate::session::Session;
use crate::value;

/// One entry of [`Session::write_bulk`]: `Write(h, item_handle, value, user_id)`.
#[derive(Debug, Clone, PartialEq)]
pub struct WriteEntry {
    pub item_handle: i32,
    pub value: MxValue,
    /// The MXAccess user id (0: none).
    pub user_id: i32,
}

impl WriteEntry {
    /// An entry with user id 0.
    pub fn new(item_handle: i32, value: MxValue) -> Self {
        WriteEntry {
            item_handle,
            value,
            user_id: 0,
        }
    }

    /// Sets the MXAccess user id.
    pub fn with_user_id(mut self, user_id: i32) -> Self {
        self.user_id = user_id;
        self
    }
}

/// One entry of [`Session::write2_bulk`]:
/// `Write2(h, item_handle, value, timestamp, user_id)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Write2Entry {
    pub item_handle: i32,
    pub value: MxValue,
    /// The source timestamp written with the value.
    pub timestamp: Timestamp,
    /// The MXAccess user id (0: none).
    pub user_id: i32,
}

impl Write2Entry {
    /// An entry with user id 0.
    pub fn new(item_handle: i32, value: MxValue, timestamp: Timestamp) -> Self {
        Write2Entry {
            item_handle,
            value,
            timestamp,
            user_id: 0,
        }
    }

    /// Sets the MXAccess user id.
    pub fn with_user_id(mut self, user_id: i32) -> Self {
        self.user_id = user_id;
        self
    }
}

/// One entry of [`Session::write_secured_bulk`]:
/// `WriteSecured(h, item_handle, current_user_id, verifier_user_id, value)`.
#[derive(Debug, Clone, PartialEq)]
pub struct WriteSecuredEntry {
    pub item_handle: i32,
    /// The writing user, from [`Session::authenticate_user`].
    pub current_user_id: i32,
    /// The verifying user for verified writes (0: none).
    pub verifier_user_id: i32,
    pub value: MxValue,
}

impl WriteSecuredEntry {
    /// An entry without a verifier.
    pub fn new(item_handle: i32, current_user_id: i32, value: MxValue) -> Self {
        WriteSecuredEntry {
            item_handle,
            current_user_id,
            verifier_user_id: 0,
            value,
        }
    }

    /// Sets the verifying user.
    pub fn with_verifier(mut self, verifier_user_id: i32) -> Self {
        self.verifier_user_id = verifier_user_id;
        self
    }
}

/// One entry of [`Session::write_secured2_bulk`]: `WriteSecured2(h,
/// item_handle, current_user_id, verifier_user_id, value, timestamp)`.
#[derive(Debug, Clone, PartialEq)]
pub struct WriteSecured2Entry {
    pub item_handle: i32,
    /// The writing user, from [`Session::authenticate_user`].
    pub current_user_id: i32,
    /// The verifying user for verified writes (0: none).
    pub verifier_user_id: i32,
    pub value: MxValue,
    /// The source timestamp written with the value.
    pub timestamp: Timestamp,
}

impl WriteSecured2Entry {
    /// An entry without a verifier.
    pub fn new(
        item_handle: i32,
        current_user_id: i32,
        value: MxValue,
        timestamp: Timestamp,
    ) -> Self {
        WriteSecured2Entry {
            item_handle,
            current_user_id,
            verifier_user_id: 0,
            value,
            timestamp,
        }
    }

    /// Sets the verifying user.
    pub fn with_verifier(mut self, verifier_user_id: i32) -> Self {
        self.verifier_user_id = verifier_user_id;
        self
    }
}

/// The kind of result list a bulk reply carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ResultKind {
    Subscribe,
    Write,
    Read,
}

impl ResultKind {
    fn name(self) -> &'static str {
        match self {
            ResultKind::Subscribe => "subscribe results",
            ResultKind::Write => "write results",
            ResultKind::Read => "read results",
        }
    }
}

/// The entry count and the result kind a bulk command calls for; `None` for
/// the single commands.
fn shape(command: &Command) -> Option<(usize, ResultKind)> {
    use ResultKind::*;
    Some(match command {
        Command::AddItemBulk(c) | Command::SubscribeBulk(c) => {
            (c.item_definitions.len(), Subscribe)
        }
        Command::AdviseItemBulk(c)
        | Command::RemoveItemBulk(c)
        | Command::UnadviseItemBulk(c)
        | Command::UnsubscribeBulk(c) => (c.item_handles.len(), Subscribe),
        Command::WriteBulk(c) => (c.entries.len(), Write),
        Command::Write2Bulk(c) => (c.entries.len(), Write),
        Command::WriteSecuredBulk(c) => (c.entries.len(), Write),
        Command::WriteSecured2Bulk(c) => (c.entries.len(), Write),
        Command::ReadBulk(c) => (c.item_definitions.len(), Read),
        Command::Register(_)
        | Command::Unregister(_)
        | Command::AddItem(_)
        | Command::AddItem2(_)
        | Command::RemoveItem(_)
        | Command::Advise(_)
        | Command::AdviseSupervisory(_)
        | Command::Unadvise(_)
        | Command::Write(_)
        | Command::Write2(_)
        | Command::WriteSecured(_)
        | Command::WriteSecured2(_)
        | Command::AuthenticateUser(_)
        | Command::ArchestraUserToId(_)
        | Command::Suspend(_)
        | Command::Activate(_)
        | Command::AddBufferedItem(_)
        | Command::SetBufferedUpdateInterval(_) => return None,
    })
}

/// The kind and length of the result list a reply carries, if any.
fn carried(reply: &v1::MxCommandReply) -> Option<(ResultKind, usize)> {
    use mx_command_reply::Result as R;
    match &reply.result {
        Some(R::SubscribeResults(r)) => Some((ResultKind::Subscribe, r.results.len())),
        Some(R::WriteResults(r)) => Some((ResultKind::Write, r.results.len())),
        Some(R::ReadResults(r)) => Some((ResultKind::Read, r.results.len())),
        Some(R::ServerHandle(_) | R::ItemHandle(_) | R::UserId(_) | R::UpdateIntervalMs(_))
        | None => None,
    }
}

fn invalid_argument(message: String) -> Error {
    Error::InvalidArgument {
        code: tonic::Code::InvalidArgument,
        message,
    }
}

fn protocol_error(reply: v1::MxCommandReply, message: String) -> Error {
    Error::Command {
        reply: Some(Box::new(reply)),
        code: None,
        message,
    }
}

/// Passes a reply through when it carries `entries` results of `kind`.
fn check_results(
    reply: v1::MxCommandReply,
    kind: ResultKind,
    entries: usize,
) -> Result<v1::MxCommandReply, Error> {
    match carried(&reply) {
        None => {
            let message = format!("the reply carries no {}", kind.name());
            Err(protocol_error(reply, message))
        }
        Some((got, _)) if got != kind => {
            let message = format!(
                "the reply carries {} where {} were expected",
                got.name(),
                kind.name()
            );
            Err(protocol_error(reply, message))
        }
        Some((_, n)) if n != entries => {
            let message = format!(
                "the reply carries {n} result{} for {entries} entr{}",
                if n == 1 { "" } else { "s" },
                if entries == 1 { "y" } else { "ies" }
            );
            Err(protocol_error(reply, message))
        }
        Some(_) => Ok(reply),
    }
}

fn subscribe_results(mut reply: v1::MxCommandReply) -> Result<Vec<v1::SubscribeResult>, Error> {
    match reply.result.take() {
        Some(mx_command_reply::Result::SubscribeResults(r)) => Ok(r.results),
        other => {
            reply.result = other;
            Err(protocol_error(
                reply,
                "the reply carries no subscribe results".into(),
            ))
        }
    }
}

fn write_results(mut reply: v1::MxCommandReply) -> Result<Vec<v1::BulkWriteResult>, Error> {
    match reply.result.take() {
        Some(mx_command_reply::Result::WriteResults(r)) => Ok(r.results),
        other => {
            reply.result = other;
            Err(protocol_error(
                reply,
                "the reply carries no write results".into(),
            ))
        }
    }
}

fn read_results(mut reply: v1::MxCommandReply) -> Result<Vec<v1::BulkReadResult>, Error> {
    match reply.result.take() {
        Some(mx_command_reply::Result::ReadResults(r)) => Ok(r.results),
        other => {
            reply.result = other;
            Err(protocol_error(
                reply,
                "the reply carries no read results".into(),
            ))
        }
    }
}

fn definitions(
    server_handle: i32,
    items: impl IntoIterator<Item = impl AsRef<str>>,
) -> v1::ItemDefinitionsBulkCommand {
    v1::ItemDefinitionsBulkCommand {
        server_handle,
        item_definitions: items.into_iter().map(|i| i.as_ref().to_string()).collect(),
    }
}

fn handles(
    server_handle: i32,
    item_handles: impl IntoIterator<Item = impl Borrow<i32>>,
) -> v1::ItemHandlesBulkCommand {
    v1::ItemHandlesBulkCommand {
        server_handle,
        item_handles: item_handles.into_iter().map(|h| *h.borrow()).collect(),
    }
}

/// Converts every entry, failing on the first value that cannot be sent.
fn convert<E, W>(
    entries: impl IntoIterator<Item = impl Borrow<E>>,
    wire: impl Fn(&E) -> Result<W, Error>,
) -> Result<Vec<W>, Error> {
    entries.into_iter().map(|e| wire(e.borrow())).collect()
}

/// Bulk commands. See the [module documentation](crate::bulk) for the
/// failure levels and the local checks every method applies.
///
/// The reference lists take anything iterable over string-likes (`&[&str]`,
/// `Vec<String>`, `&Vec<String>`, an iterator); the handle and entry lists
/// take values or references (`[2, 3]`, `&handles`, `handles.iter()`).
impl Session {
    /// Refuses an empty request, and one over the known limit.
    fn check_bulk_size(&self, entries: usize) -> Result<(), Error> {
        if entries == 0 {
            return Err(invalid_argument(
                "a bulk command needs at least one entry".into(),
            ));
        }
        if let Some(max) = self.max_bulk_items() {
            if entries > max as usize {
                return Err(invalid_argument(format!(
                    "{entries} entries exceed the gateway's limit of {max} per bulk command \
                     (max_bulk_items)"
                )));
            }
        }
        Ok(())
    }

    /// Runs one bulk command, checked like [`Session::invoke`], and returns
    /// the reply with its result list, which is guaranteed to be of the kind
    /// the command calls for and to hold exactly one result per entry.
    ///
    /// Use it when the call-level `statuses` matter; the typed methods below
    /// return just the results.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] without sending for a command that is not a
    /// bulk command, an empty one, or one longer than
    /// [`Session::max_bulk_items`]; [`Error::Command`] for a reply whose
    /// results are missing, of the wrong kind or miscounted; otherwise as
    /// [`Session::invoke`]. Failed entries are not errors.
    pub async fn invoke_bulk(&self, command: Command) -> Result<v1::MxCommandReply, Error> {
        let Some((entries, kind)) = shape(&command) else {
            return Err(invalid_argument(
                "invoke_bulk takes a bulk command; use invoke for single commands".into(),
            ));
        };
        self.check_bulk_size(entries)?;
        let reply = self.invoke(command).await?;
        check_results(reply, kind, entries)
    }

    /// `AddItem(server_handle, item)` for every reference.
    ///
    /// Each result names its reference (`item_definition`) and carries the
    /// item handle AddItem assigned (`item_handle`, 0 when the entry failed).
    /// One result per reference, in order; failed entries are not errors.
    pub async fn add_item_bulk(
        &self,
        server_handle: i32,
        items: impl IntoIterator<Item = impl AsRef<str>>,
    ) -> Result<Vec<v1::SubscribeResult>, Error> {
        let command = Command::AddItemBulk(definitions(server_handle, items));
        subscribe_results(self.invoke_bulk(command).await?)
    }

    /// `AddItem(server_handle, item)` then `Advise(server_handle, handle)`
    /// for every reference: one round trip from references to data changes,
    /// which then arrive on the event stream.
    ///
    /// Each result names its reference and carries the assigned item handle
    /// (0 when no handle was assigned; a failed entry whose AddItem succeeded
    /// carries its handle). One result per reference, in order; failed
    /// entries are not errors.
    pub async fn subscribe_bulk(
        &self,
        server_handle: i32,
        items: impl IntoIterator<Item = impl AsRef<str>>,
    ) -> Result<Vec<v1::SubscribeResult>, Error> {
        let command = Command::SubscribeBulk(definitions(server_handle, items));
        subscribe_results(self.invoke_bulk(command).await?)
    }

    /// `Advise(server_handle, item_handle)` for every handle.
    ///
    /// Each result carries its `item_handle` (`item_definition` is empty).
    /// One result per handle, in order; failed entries are not errors.
    pub async fn advise_item_bulk(
        &self,
        server_handle: i32,
        item_handles: impl IntoIterator<Item = impl Borrow<i32>>,
    ) -> Result<Vec<v1::SubscribeResult>, Error> {
        let command = Command::AdviseItemBulk(handles(server_handle, item_handles));
        subscribe_results(self.invoke_bulk(command).await?)
    }

    /// `UnAdvise(server_handle, item_handle)` for every handle.
    ///
    /// Each result carries its `item_handle` (`item_definition` is empty).
    /// One result per handle, in order; failed entries are not errors.
    pub async fn unadvise_item_bulk(
        &self,
        server_handle: i32,
        item_handles: impl IntoIterator<Item = impl Borrow<i32>>,
    ) -> Result<Vec<v1::SubscribeResult>, Error> {
        let command = Command::UnadviseItemBulk(handles(server_handle, item_handles));
        subscribe_results(self.invoke_bulk(command).await?)
    }

    /// `RemoveItem(server_handle, item_handle)` for every handle.
    ///
    /// Each result carries its `item_handle` (`item_definition` is empty).
    /// One result per handle, in order; failed entries are not errors.
    pub async fn remove_item_bulk(
        &self,
        server_handle: i32,
        item_handles: impl IntoIterator<Item = impl Borrow<i32>>,
    ) -> Result<Vec<v1::SubscribeResult>, Error> {
        let command = Command::RemoveItemBulk(handles(server_handle, item_handles));
        subscribe_results(self.invoke_bulk(command).await?)
    }

    /// `UnAdvise(server_handle, item_handle)` then `RemoveItem(server_handle,
    /// item_handle)` for every handle: the inverse of
    /// [`Session::subscribe_bulk`].
    ///
    /// Each result carries its `item_handle` (`item_definition` is empty).
    /// One result per handle, in order; failed entries are not errors.
    pub async fn unsubscribe_bulk(
        &self,
        server_handle: i32,
        item_handles: impl IntoIterator<Item = impl Borrow<i32>>,
    ) -> Result<Vec<v1::SubscribeResult>, Error> {
        let command = Command::UnsubscribeBulk(handles(server_handle, item_handles));
        subscribe_results(self.invoke_bulk(command).await?)
    }

    /// `Write(server_handle, item_handle, value, user_id)` for every entry.
    ///
    /// A successful result means the runtime accepted the write; its outcome
    /// arrives later as a `writeComplete` event for the item handle, as for
    /// [`Session::write`]. One result per entry, in order; failed entries are
    /// not errors. A non-finite float in any entry is an
    /// [`Error::InvalidValue`] and nothing is sent.
    pub async fn write_bulk(
        &self,
        server_handle: i32,
        entries: impl IntoIterator<Item = impl Borrow<WriteEntry>>,
    ) -> Result<Vec<v1::BulkWriteResult>, Error> {
        let entries = convert(entries, |e: &WriteEntry| {
            Ok(v1::WriteBulkEntry {
                item_handle: e.item_handle,
                value: Some(value::to_wire(&e.value)?),
                user_id: e.user_id,
            })
        })?;
        let command = Command::WriteBulk(v1::WriteBulkCommand {
            server_handle,
            entries,
        });
        write_results(self.invoke_bulk(command).await?)
    }

    /// `Write2(server_handle, item_handle, value, timestamp, user_id)` for
    /// every entry: [`Session::write_bulk`] with a source timestamp per entry.
    pub async fn write2_bulk(
        &self,
        server_handle: i32,
        entries: impl IntoIterator<Item = impl Borrow<Write2Entry>>,
    ) -> Result<Vec<v1::BulkWriteResult>, Error> {
        let entries = convert(entries, |e: &Write2Entry| {
            Ok(v1::Write2BulkEntry {
                item_handle: e.item_handle,
                value: Some(value::to_wire(&e.value)?),
                timestamp: Some(value::timestamp_to_wire(e.timestamp)),
                user_id: e.user_id,
            })
        })?;
        let command = Command::Write2Bulk(v1::Write2BulkCommand {
            server_handle,
            entries,
        });
        write_results(self.invoke_bulk(command).await?)
    }

    /// `WriteSecured(server_handle, item_handle, current_user_id,
    /// verifier_user_id, value)` for every entry.
    ///
    /// Result semantics as for [`Session::write_bulk`]; a refused secured
    /// write is a failed entry (typically a `SECURITY_ERROR` status).
    pub async fn write_secured_bulk(
        &self,
        server_handle: i32,
        entries: impl IntoIterator<Item = impl Borrow<WriteSecuredEntry>>,
    ) -> Result<Vec<v1::BulkWriteResult>, Error> {
        let entries = convert(entries, |e: &WriteSecuredEntry| {
            Ok(v1::WriteSecuredBulkEntry {
                item_handle: e.item_handle,
                current_user_id: e.current_user_id,
                verifier_user_id: e.verifier_user_id,
                value: Some(value::to_wire(&e.value)?),
            })
        })?;
        let command = Command::WriteSecuredBulk(v1::WriteSecuredBulkCommand {
            server_handle,
            entries,
        });
        write_results(self.invoke_bulk(command).await?)
    }

    /// `WriteSecured2(server_handle, item_handle, current_user_id,
    /// verifier_user_id, value, timestamp)` for every entry:
    /// [`Session::write_secured_bulk`] with a source timestamp per entry.
    pub async fn write_secured2_bulk(
        &self,
        server_handle: i32,
        entries: impl IntoIterator<Item = impl Borrow<WriteSecured2Entry>>,
    ) -> Result<Vec<v1::BulkWriteResult>, Error> {
        let entries = convert(entries, |e: &WriteSecured2Entry| {
            Ok(v1::WriteSecured2BulkEntry {
                item_handle: e.item_handle,
                current_user_id: e.current_user_id,
                verifier_user_id: e.verifier_user_id,
                value: Some(value::to_wire(&e.value)?),
                timestamp: Some(value::timestamp_to_wire(e.timestamp)),
            })
        })?;
        let command = Command::WriteSecured2Bulk(v1::WriteSecured2BulkCommand {
            server_handle,
            entries,
        });
        write_results(self.invoke_bulk(command).await?)
    }

    /// Reads every reference once.
    ///
    /// For a reference the session already advises, the result is the
    /// cached last `OnDataChange` (`was_cached`; the subscription is left
    /// alone). Otherwise the gateway reads it the MXAccess way, all entries
    /// concurrently: `AddItem`, `Advise`, wait for the first `OnDataChange`,
    /// `UnAdvise`, `RemoveItem`. `timeout_ms` bounds that wait per entry;
    /// 0 means the gateway's configured default.
    ///
    /// A result is successful when a data change with a successful status
    /// arrived; it then carries `value`, `quality`, `timestamp` and
    /// `statuses`. An entry that got no data change has no value and quality
    /// 0. One result per reference, in order; failed entries are not errors.
    pub async fn read_bulk(
        &self,
        server_handle: i32,
        items: impl IntoIterator<Item = impl AsRef<str>>,
        timeout_ms: u32,
    ) -> Result<Vec<v1::BulkReadResult>, Error> {
        let command = Command::ReadBulk(v1::ReadBulkCommand {
            server_handle,
            item_definitions: definitions(server_handle, items).item_definitions,
            timeout_ms,
        });
        read_results(self.invoke_bulk(command).await?)
    }
}

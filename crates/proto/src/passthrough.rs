//! Messages the gateway forwards as their encodings: the worker's command
//! replies and events travel to the client without being decoded and
//! encoded again.
//!
//! Why: at saturation every event crossed the gateway as a full decode into
//! an `MxEvent` (a heap allocation or two) and a full encode, and a ReadBulk
//! reply of 1,000 entries did the same 1,000 times; that was about half of
//! the gateway's CPU (perf, `docs/benchmarks.md`). The gateway needs only a
//! few fields: the correlation id of a reply, its protocol status and
//! message, and the handles and kind of an event (its conflation key). Those
//! are read by a shallow scan; the rest stays the worker's bytes
//! ([`bytes::Bytes`]).
//!
//! The wire format does not change: protobuf concatenates fields, and for a
//! repeated scalar the last value wins, so the gateway's `conflated` count is
//! appended to an event's bytes rather than rewritten in place. The gateway's
//! server is generated a second time (`build.rs`) with these types in place
//! of `MxCommandReply` and `StreamEventsReply` ([`server`]); clients keep the
//! decoded types.

use bytes::{Buf, BufMut, Bytes};
use prost::encoding::{
    bytes as pb_bytes, check_wire_type, decode_key, decode_varint, encode_key, encode_varint,
    encoded_len_varint, fixed32, fixed64, int32, key_len, message, skip_field, string, uint32,
    uint64, DecodeContext, WireType,
};
use prost::{DecodeError, Message};

use crate::v1::{MxCommandReply, MxEvent, MxStatus, MxValue, OnDataChange};

/// The generated gateway server whose `Invoke` answers a
/// [`RawMxCommandReply`] and whose `StreamEvents` yields
/// [`RawStreamEventsReply`] batches.
pub mod server {
    include!(concat!(env!("OUT_DIR"), "/passthrough/mxgateway.v1.rs"));
}

/// Field numbers this module reads (see the `.proto` files).
mod field {
    pub const REPLY_PROTOCOL_STATUS: u32 = 1;
    pub const REPLY_MESSAGE: u32 = 4;
    pub const EVENT_SERVER_HANDLE: u32 = 2;
    pub const EVENT_ITEM_HANDLE: u32 = 3;
    pub const EVENT_CONFLATED: u32 = 4;
    pub const EVENT_DATA_CHANGE: u32 = 10;
    pub const EVENT_WRITE_COMPLETE: u32 = 11;
    pub const EVENT_OPERATION_COMPLETE: u32 = 12;
    pub const EVENT_BUFFERED_DATA_CHANGE: u32 = 13;
    pub const STREAM_EVENTS: u32 = 1;
    pub const STREAM_CONFLATED_SINCE_LAST: u32 = 2;
    pub const STREAM_CONFLATED_TOTAL: u32 = 3;
    pub const WORKER_READY: u32 = 1;
    pub const WORKER_HEARTBEAT: u32 = 2;
    pub const WORKER_REPLY: u32 = 3;
    pub const WORKER_EVENTS: u32 = 4;
    pub const COMMAND_REPLY_CORRELATION_ID: u32 = 1;
    pub const COMMAND_REPLY_REPLY: u32 = 2;
    pub const EVENT_BATCH_EVENTS: u32 = 1;
}

/// Copies one field (its key and payload) from `buf` to `out` unchanged.
fn copy_field(
    tag: u32,
    wire_type: WireType,
    buf: &mut impl Buf,
    ctx: DecodeContext,
    out: &mut Vec<u8>,
) -> Result<(), DecodeError> {
    encode_key(tag, wire_type, out);
    match wire_type {
        WireType::Varint => {
            let mut v = 0u64;
            uint64::merge(wire_type, &mut v, buf, ctx)?;
            encode_varint(v, out);
        }
        WireType::LengthDelimited => {
            let mut v = Bytes::new();
            pb_bytes::merge(wire_type, &mut v, buf, ctx)?;
            encode_varint(v.len() as u64, out);
            out.put_slice(&v);
        }
        WireType::SixtyFourBit => {
            let mut v = 0u64;
            fixed64::merge(wire_type, &mut v, buf, ctx)?;
            out.put_u64_le(v);
        }
        WireType::ThirtyTwoBit => {
            let mut v = 0u32;
            fixed32::merge(wire_type, &mut v, buf, ctx)?;
            out.put_u32_le(v);
        }
        WireType::StartGroup | WireType::EndGroup => skip_field(wire_type, tag, buf, ctx)?,
    }
    Ok(())
}

/// Reads each field of a message from `buf`: `read` takes the fields it
/// knows (returning `true`); the others are skipped.
fn for_each_field<B: Buf>(
    buf: &mut B,
    mut read: impl FnMut(u32, WireType, &mut B, DecodeContext) -> Result<bool, DecodeError>,
) -> Result<(), DecodeError> {
    while buf.has_remaining() {
        let (tag, wire_type) = decode_key(buf)?;
        if !read(tag, wire_type, buf, DecodeContext::default())? {
            skip_field(wire_type, tag, buf, DecodeContext::default())?;
        }
    }
    Ok(())
}

/// An `MxCommandReply` kept as the worker encoded it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RawMxCommandReply {
    bytes: Bytes,
}

impl RawMxCommandReply {
    /// Wraps an encoded `MxCommandReply` (not validated: see [`Self::status`]).
    pub fn from_encoded(bytes: Bytes) -> Self {
        RawMxCommandReply { bytes }
    }

    /// Encodes a decoded reply.
    pub fn encode_from(reply: &MxCommandReply) -> Self {
        RawMxCommandReply {
            bytes: reply.encode_to_vec().into(),
        }
    }

    /// The encoding.
    pub fn as_bytes(&self) -> &Bytes {
        &self.bytes
    }

    /// The full reply.
    pub fn decode_reply(&self) -> Result<MxCommandReply, DecodeError> {
        MxCommandReply::decode(self.bytes.clone())
    }

    /// `protocol_status` and `message`, read without decoding the rest; an
    /// error means the bytes are not an `MxCommandReply`.
    pub fn status(&self) -> Result<(i32, String), DecodeError> {
        let (mut status, mut message) = (0i32, String::new());
        for_each_field(&mut self.bytes.as_ref(), |tag, wire_type, buf, ctx| {
            match tag {
                field::REPLY_PROTOCOL_STATUS => int32::merge(wire_type, &mut status, buf, ctx)?,
                field::REPLY_MESSAGE => string::merge(wire_type, &mut message, buf, ctx)?,
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        Ok((status, message))
    }
}

impl Message for RawMxCommandReply {
    fn encode_raw(&self, buf: &mut impl BufMut) {
        buf.put_slice(&self.bytes);
    }

    /// Keeps every field as it came. Only tests decode into this type; the
    /// gateway builds it from the worker's frame.
    fn merge_field(
        &mut self,
        tag: u32,
        wire_type: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError> {
        let mut out = self.bytes.to_vec();
        copy_field(tag, wire_type, buf, ctx, &mut out)?;
        self.bytes = out.into();
        Ok(())
    }

    fn encoded_len(&self) -> usize {
        self.bytes.len()
    }

    fn clear(&mut self) {
        self.bytes = Bytes::new();
    }
}

/// Which arm of `MxEvent.kind` an event carries.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum EventKind {
    #[default]
    None,
    DataChange,
    WriteComplete,
    OperationComplete,
    BufferedDataChange,
}

/// An `MxEvent` kept as the worker encoded it, with the fields the gateway
/// reads.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RawEvent {
    bytes: Bytes,
    server_handle: i32,
    item_handle: i32,
    kind: EventKind,
    /// `conflated` as encoded in `bytes`.
    encoded_conflated: u32,
    /// `conflated` as it goes out; appended when it differs.
    conflated: u32,
}

impl RawEvent {
    /// Reads the handles, kind and `conflated` count of an encoded `MxEvent`.
    pub fn parse(bytes: Bytes) -> Result<Self, DecodeError> {
        let mut event = Self::scan(&bytes)?;
        event.bytes = bytes;
        Ok(event)
    }

    /// The fields of `parse`, read from a plain slice (cloning a `Bytes`
    /// made from a `Vec` would allocate to share it).
    fn scan(mut buf: &[u8]) -> Result<Self, DecodeError> {
        let mut event = RawEvent::default();
        for_each_field(&mut buf, |tag, wire_type, buf, ctx| {
            let kind = match tag {
                field::EVENT_SERVER_HANDLE => {
                    int32::merge(wire_type, &mut event.server_handle, buf, ctx)?;
                    return Ok(true);
                }
                field::EVENT_ITEM_HANDLE => {
                    int32::merge(wire_type, &mut event.item_handle, buf, ctx)?;
                    return Ok(true);
                }
                field::EVENT_CONFLATED => {
                    uint32::merge(wire_type, &mut event.encoded_conflated, buf, ctx)?;
                    return Ok(true);
                }
                field::EVENT_DATA_CHANGE => EventKind::DataChange,
                field::EVENT_WRITE_COMPLETE => EventKind::WriteComplete,
                field::EVENT_OPERATION_COMPLETE => EventKind::OperationComplete,
                field::EVENT_BUFFERED_DATA_CHANGE => EventKind::BufferedDataChange,
                _ => return Ok(false),
            };
            // A oneof arm is a message: length-delimited, last one wins.
            check_wire_type(WireType::LengthDelimited, wire_type)?;
            skip_field(wire_type, tag, buf, ctx)?;
            event.kind = kind;
            Ok(true)
        })?;
        event.conflated = event.encoded_conflated;
        Ok(event)
    }

    /// Encodes a decoded event.
    pub fn encode_from(event: &MxEvent) -> Self {
        // Our own encoding always parses.
        Self::parse(event.encode_to_vec().into()).unwrap_or_default()
    }

    /// The full event.
    pub fn decode_event(&self) -> Result<MxEvent, DecodeError> {
        let mut event = MxEvent::decode(self.bytes.clone())?;
        event.conflated = self.conflated;
        Ok(event)
    }

    pub fn server_handle(&self) -> i32 {
        self.server_handle
    }

    pub fn item_handle(&self) -> i32 {
        self.item_handle
    }

    pub fn kind(&self) -> EventKind {
        self.kind
    }

    pub fn conflated(&self) -> u32 {
        self.conflated
    }

    /// Sets the `conflated` count the client sees.
    pub fn set_conflated(&mut self, conflated: u32) {
        self.conflated = conflated;
    }

    /// The appended `conflated` field, when it differs from the encoded one.
    fn trailer_len(&self) -> usize {
        if self.conflated == self.encoded_conflated {
            0
        } else {
            key_len(field::EVENT_CONFLATED) + encoded_len_varint(u64::from(self.conflated))
        }
    }

    fn encoded_len(&self) -> usize {
        self.bytes.len() + self.trailer_len()
    }

    fn encode_raw(&self, buf: &mut impl BufMut) {
        buf.put_slice(&self.bytes);
        if self.trailer_len() > 0 {
            uint32::encode(field::EVENT_CONFLATED, &self.conflated, buf);
        }
    }
}

/// A `StreamEventsReply` whose events are [`RawEvent`]s.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RawStreamEventsReply {
    pub events: Vec<RawEvent>,
    pub conflated_since_last: u64,
    pub conflated_total: u64,
}

impl Message for RawStreamEventsReply {
    fn encode_raw(&self, buf: &mut impl BufMut) {
        for event in &self.events {
            encode_key(field::STREAM_EVENTS, WireType::LengthDelimited, buf);
            encode_varint(event.encoded_len() as u64, buf);
            event.encode_raw(buf);
        }
        if self.conflated_since_last != 0 {
            uint64::encode(
                field::STREAM_CONFLATED_SINCE_LAST,
                &self.conflated_since_last,
                buf,
            );
        }
        if self.conflated_total != 0 {
            uint64::encode(field::STREAM_CONFLATED_TOTAL, &self.conflated_total, buf);
        }
    }

    fn merge_field(
        &mut self,
        tag: u32,
        wire_type: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError> {
        match tag {
            field::STREAM_EVENTS => {
                let mut bytes = Bytes::new();
                pb_bytes::merge(wire_type, &mut bytes, buf, ctx)?;
                self.events.push(RawEvent::parse(bytes)?);
                Ok(())
            }
            field::STREAM_CONFLATED_SINCE_LAST => {
                uint64::merge(wire_type, &mut self.conflated_since_last, buf, ctx)
            }
            field::STREAM_CONFLATED_TOTAL => {
                uint64::merge(wire_type, &mut self.conflated_total, buf, ctx)
            }
            _ => skip_field(wire_type, tag, buf, ctx),
        }
    }

    fn encoded_len(&self) -> usize {
        let events: usize = self
            .events
            .iter()
            .map(|e| {
                let len = e.encoded_len();
                key_len(field::STREAM_EVENTS) + encoded_len_varint(len as u64) + len
            })
            .sum();
        let counter = |tag: u32, v: u64| {
            if v == 0 {
                0
            } else {
                key_len(tag) + encoded_len_varint(v)
            }
        };
        events
            + counter(
                field::STREAM_CONFLATED_SINCE_LAST,
                self.conflated_since_last,
            )
            + counter(field::STREAM_CONFLATED_TOTAL, self.conflated_total)
    }

    fn clear(&mut self) {
        *self = RawStreamEventsReply::default();
    }
}

/// A `WorkerToGateway` frame as the gateway reads it.
#[derive(Clone, Debug, PartialEq)]
pub enum WorkerFrame {
    /// `events`: the batch's events, each still encoded.
    Events(Vec<RawEvent>),
    /// `reply`: a command reply and the request it answers.
    Reply {
        correlation_id: u64,
        reply: RawMxCommandReply,
    },
    /// `ready`, `heartbeat`, or an empty frame: nothing to forward.
    Other,
}

impl WorkerFrame {
    /// Parses an encoded `WorkerToGateway`. A reply is sliced out of
    /// `frame` without a copy; each event is copied into its own buffer.
    pub fn parse(mut frame: Bytes) -> Result<Self, DecodeError> {
        let mut parsed = WorkerFrame::Other;
        for_each_field(&mut frame, |tag, wire_type, buf, ctx| {
            // `message` is a oneof: the last arm present wins.
            parsed = match tag {
                field::WORKER_EVENTS => {
                    let mut batch = Bytes::new();
                    pb_bytes::merge(wire_type, &mut batch, buf, ctx)?;
                    WorkerFrame::Events(parse_event_batch(&batch)?)
                }
                field::WORKER_REPLY => {
                    let mut reply = Bytes::new();
                    pb_bytes::merge(wire_type, &mut reply, buf, ctx)?;
                    parse_command_reply(reply)?
                }
                field::WORKER_READY | field::WORKER_HEARTBEAT => {
                    skip_field(wire_type, tag, buf, ctx)?;
                    WorkerFrame::Other
                }
                _ => return Ok(false),
            };
            Ok(true)
        })?;
        Ok(parsed)
    }
}

/// An OnDataChange by reference, for encoding without building the message
/// (and its status list) first.
#[derive(Clone, Copy, Debug)]
pub struct DataChangeRef<'a> {
    pub value: Option<&'a MxValue>,
    pub quality: i32,
    pub timestamp: Option<&'a prost_types::Timestamp>,
    /// The one MXSTATUS_PROXY entry a data change carries.
    pub status: &'a MxStatus,
}

impl DataChangeRef<'_> {
    /// The message this refers to.
    pub fn to_message(&self) -> OnDataChange {
        OnDataChange {
            value: self.value.cloned(),
            quality: self.quality,
            timestamp: self.timestamp.copied(),
            statuses: vec![*self.status],
        }
    }

    fn encoded_len(&self) -> usize {
        self.value.map_or(0, |v| message::encoded_len(1, v))
            + if self.quality != 0 {
                int32::encoded_len(2, &self.quality)
            } else {
                0
            }
            + self.timestamp.map_or(0, |t| message::encoded_len(3, t))
            + message::encoded_len(4, self.status)
    }

    /// Field for field what prost writes for the `OnDataChange`.
    fn encode_raw(&self, buf: &mut impl BufMut) {
        if let Some(value) = self.value {
            message::encode(1, value, buf);
        }
        if self.quality != 0 {
            int32::encode(2, &self.quality, buf);
        }
        if let Some(timestamp) = self.timestamp {
            message::encode(3, timestamp, buf);
        }
        message::encode(4, self.status, buf);
    }
}

/// Builds the worker's event frames (`WorkerToGateway { events }`) event by
/// event: each event is encoded as it is added, a data change straight from
/// its parts ([`DataChangeRef`]), and a frame is closed every `max_events`.
/// The bytes are what prost writes for the same messages.
#[derive(Debug)]
pub struct EventFrameBuilder {
    max_events: usize,
    /// The open frame's encoded events (`EventBatch.events` fields).
    open: Vec<u8>,
    open_events: usize,
    closed: Vec<Vec<u8>>,
}

impl EventFrameBuilder {
    /// Frames of at most `max_events` events (at least one).
    pub fn new(max_events: usize) -> Self {
        EventFrameBuilder {
            max_events: max_events.max(1),
            open: Vec::new(),
            open_events: 0,
            closed: Vec::new(),
        }
    }

    /// Events added and not yet taken.
    pub fn len(&self) -> usize {
        self.closed.len() * self.max_events + self.open_events
    }

    pub fn is_empty(&self) -> bool {
        self.closed.is_empty() && self.open_events == 0
    }

    /// The events of the open frame, for a caller that fills frames up.
    pub fn open_len(&self) -> usize {
        self.open_events
    }

    fn begin_event(&mut self, len: usize) {
        if self.open_events == self.max_events {
            self.close();
        }
        encode_key(
            field::EVENT_BATCH_EVENTS,
            WireType::LengthDelimited,
            &mut self.open,
        );
        encode_varint(len as u64, &mut self.open);
        self.open_events += 1;
    }

    /// Adds an event.
    pub fn push(&mut self, event: &MxEvent) {
        self.begin_event(event.encoded_len());
        event.encode_raw(&mut self.open);
    }

    /// Adds the `MxEvent` carrying this data change.
    pub fn push_data_change(
        &mut self,
        worker_sequence: u64,
        server_handle: i32,
        item_handle: i32,
        change: DataChangeRef<'_>,
    ) {
        let change_len = change.encoded_len();
        let header = |tag: u32, v: u64| {
            if v == 0 {
                0
            } else {
                key_len(tag) + encoded_len_varint(v)
            }
        };
        // int32 fields are varints of their sign extension.
        let len = header(1, worker_sequence)
            + header(2, server_handle as i64 as u64)
            + header(3, item_handle as i64 as u64)
            + key_len(field::EVENT_DATA_CHANGE)
            + encoded_len_varint(change_len as u64)
            + change_len;
        self.begin_event(len);
        let out = &mut self.open;
        if worker_sequence != 0 {
            uint64::encode(1, &worker_sequence, out);
        }
        if server_handle != 0 {
            int32::encode(field::EVENT_SERVER_HANDLE, &server_handle, out);
        }
        if item_handle != 0 {
            int32::encode(field::EVENT_ITEM_HANDLE, &item_handle, out);
        }
        encode_key(field::EVENT_DATA_CHANGE, WireType::LengthDelimited, out);
        encode_varint(change_len as u64, out);
        change.encode_raw(out);
    }

    fn close(&mut self) {
        if self.open_events == 0 {
            return;
        }
        let mut frame = Vec::with_capacity(
            key_len(field::WORKER_EVENTS)
                + encoded_len_varint(self.open.len() as u64)
                + self.open.len(),
        );
        encode_key(field::WORKER_EVENTS, WireType::LengthDelimited, &mut frame);
        encode_varint(self.open.len() as u64, &mut frame);
        frame.extend_from_slice(&self.open);
        self.open.clear();
        self.open_events = 0;
        self.closed.push(frame);
    }

    /// Every frame built so far, the open one closed; the builder is empty
    /// after (and keeps its buffer).
    pub fn take_frames(&mut self) -> std::vec::Drain<'_, Vec<u8>> {
        self.close();
        self.closed.drain(..)
    }
}

fn parse_event_batch(mut batch: &[u8]) -> Result<Vec<RawEvent>, DecodeError> {
    let mut events = Vec::new();
    for_each_field(&mut batch, |tag, wire_type, buf, ctx| {
        if tag != field::EVENT_BATCH_EVENTS {
            return Ok(false);
        }
        check_wire_type(WireType::LengthDelimited, wire_type)?;
        // skip_field checks that the whole payload is there.
        let mut rest = *buf;
        skip_field(wire_type, tag, &mut rest, ctx)?;
        let mut event = &buf[..buf.len() - rest.len()];
        decode_varint(&mut event)?;
        *buf = rest;
        // A copy of its own: a queued event must not keep the whole frame's
        // buffer alive (the session queue's memory bound counts events, and a
        // conflated survivor could pin a large frame).
        let mut raw = RawEvent::scan(event)?;
        raw.bytes = Bytes::copy_from_slice(event);
        events.push(raw);
        Ok(true)
    })?;
    Ok(events)
}

fn parse_command_reply(mut buf: Bytes) -> Result<WorkerFrame, DecodeError> {
    let mut correlation_id = 0u64;
    let mut reply = Bytes::new();
    for_each_field(&mut buf, |tag, wire_type, buf, ctx| {
        match tag {
            field::COMMAND_REPLY_CORRELATION_ID => {
                uint64::merge(wire_type, &mut correlation_id, buf, ctx)?
            }
            field::COMMAND_REPLY_REPLY => pb_bytes::merge(wire_type, &mut reply, buf, ctx)?,
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    Ok(WorkerFrame::Reply {
        correlation_id,
        reply: RawMxCommandReply::from_encoded(reply),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::v1::{
        mx_event, MxStatus, OnBufferedDataChange, OnDataChange, OnWriteComplete, ProtocolStatus,
        StreamEventsReply,
    };
    use crate::worker::{worker_to_gateway, CommandReply, EventBatch, Heartbeat, WorkerToGateway};

    fn change(item: i32, quality: i32) -> MxEvent {
        MxEvent {
            worker_sequence: 7,
            server_handle: 3,
            item_handle: item,
            conflated: 0,
            kind: Some(mx_event::Kind::DataChange(OnDataChange {
                quality,
                statuses: vec![MxStatus {
                    success: 1,
                    ..Default::default()
                }],
                ..Default::default()
            })),
        }
    }

    #[test]
    fn an_event_batch_frame_yields_each_event_with_its_key_and_bytes() {
        let events = vec![
            change(11, 192),
            MxEvent {
                server_handle: 3,
                item_handle: 12,
                kind: Some(mx_event::Kind::BufferedDataChange(
                    OnBufferedDataChange::default(),
                )),
                ..Default::default()
            },
            MxEvent {
                server_handle: 3,
                item_handle: 13,
                kind: Some(mx_event::Kind::WriteComplete(OnWriteComplete::default())),
                ..Default::default()
            },
        ];
        let frame = WorkerToGateway {
            message: Some(worker_to_gateway::Message::Events(EventBatch {
                events: events.clone(),
            })),
        };
        let WorkerFrame::Events(raw) = WorkerFrame::parse(frame.encode_to_vec().into()).unwrap()
        else {
            panic!("not an event frame");
        };
        let kinds: Vec<_> = raw.iter().map(|e| (e.item_handle(), e.kind())).collect();
        assert_eq!(
            kinds,
            [
                (11, EventKind::DataChange),
                (12, EventKind::BufferedDataChange),
                (13, EventKind::WriteComplete)
            ]
        );
        assert!(raw.iter().all(|e| e.server_handle() == 3));
        let decoded: Vec<MxEvent> = raw.iter().map(|e| e.decode_event().unwrap()).collect();
        assert_eq!(decoded, events);
    }

    #[test]
    fn built_frames_are_what_prost_writes_for_the_same_events() {
        let status = MxStatus {
            success: 1,
            ..Default::default()
        };
        let failed = MxStatus {
            category: 3,
            detail: 12,
            ..Default::default()
        };
        let value = MxValue {
            data_type: 3,
            variant_type: 5,
            kind: Some(crate::v1::mx_value::Kind::DoubleValue(1.5)),
        };
        let when = prost_types::Timestamp {
            seconds: 1_700_000_000,
            nanos: 5,
        };
        let changes = [
            DataChangeRef {
                value: Some(&value),
                quality: 192,
                timestamp: Some(&when),
                status: &status,
            },
            DataChangeRef {
                value: None,
                quality: 0,
                timestamp: None,
                status: &failed,
            },
        ];
        let mut builder = EventFrameBuilder::new(3);
        let mut expected = Vec::new();
        for i in 0..7u64 {
            let (server, item) = ([0, 1, -1][i as usize % 3], (i as i32 - 3) * 1000);
            if i == 4 {
                let other = MxEvent {
                    worker_sequence: i,
                    item_handle: item,
                    kind: Some(mx_event::Kind::WriteComplete(OnWriteComplete {
                        statuses: vec![status],
                    })),
                    ..Default::default()
                };
                builder.push(&other);
                expected.push(other);
                continue;
            }
            let change = changes[i as usize % 2];
            builder.push_data_change(i, server, item, change);
            expected.push(MxEvent {
                worker_sequence: i,
                server_handle: server,
                item_handle: item,
                conflated: 0,
                kind: Some(mx_event::Kind::DataChange(change.to_message())),
            });
        }
        assert_eq!(builder.len(), 7);
        let frames: Vec<Vec<u8>> = builder.take_frames().collect();
        assert!(builder.is_empty());
        let prost: Vec<Vec<u8>> = expected
            .chunks(3)
            .map(|chunk| {
                WorkerToGateway {
                    message: Some(worker_to_gateway::Message::Events(EventBatch {
                        events: chunk.to_vec(),
                    })),
                }
                .encode_to_vec()
            })
            .collect();
        assert_eq!(frames, prost);
        assert_eq!(builder.take_frames().count(), 0);
    }

    #[test]
    fn a_reply_frame_yields_its_correlation_id_status_and_the_reply_untouched() {
        let reply = MxCommandReply {
            protocol_status: ProtocolStatus::InvalidRequest as i32,
            hresult: -5,
            message: "no such handle".into(),
            ..Default::default()
        };
        let frame = WorkerToGateway {
            message: Some(worker_to_gateway::Message::Reply(CommandReply {
                correlation_id: 42,
                reply: Some(reply.clone()),
            })),
        };
        let WorkerFrame::Reply {
            correlation_id,
            reply: raw,
        } = WorkerFrame::parse(frame.encode_to_vec().into()).unwrap()
        else {
            panic!("not a reply frame");
        };
        assert_eq!(correlation_id, 42);
        assert_eq!(
            raw.status().unwrap(),
            (
                ProtocolStatus::InvalidRequest as i32,
                "no such handle".into()
            )
        );
        assert_eq!(raw.decode_reply().unwrap(), reply);
        assert_eq!(raw.encode_to_vec(), reply.encode_to_vec());
    }

    #[test]
    fn other_frames_and_malformed_bytes() {
        let heartbeat = WorkerToGateway {
            message: Some(worker_to_gateway::Message::Heartbeat(Heartbeat {
                sequence: 9,
            })),
        };
        assert_eq!(
            WorkerFrame::parse(heartbeat.encode_to_vec().into()).unwrap(),
            WorkerFrame::Other
        );
        // A field this gateway does not know (a newer worker's) is skipped.
        let events = WorkerToGateway {
            message: Some(worker_to_gateway::Message::Events(EventBatch {
                events: vec![change(1, 192)],
            })),
        };
        let mut bytes = events.encode_to_vec();
        bytes.extend_from_slice(&[0x78, 0x01]); // field 15, varint 1
        assert!(matches!(
            WorkerFrame::parse(bytes.into()).unwrap(),
            WorkerFrame::Events(e) if e.len() == 1
        ));
        // An events field whose length runs past the frame.
        assert!(WorkerFrame::parse(Bytes::from_static(&[0x22, 0x10, 0x0a])).is_err());
        // An event whose item handle is length-delimited.
        let bad_event = [0x22, 0x04, 0x0a, 0x02, 0x1a, 0x00];
        assert!(WorkerFrame::parse(Bytes::copy_from_slice(&bad_event)).is_err());
        assert!(RawMxCommandReply::from_encoded(Bytes::from_static(&[0x08]))
            .status()
            .is_err());
    }

    #[test]
    fn a_stream_reply_decodes_as_the_generated_type_with_the_gateways_conflated_counts() {
        let mut first = RawEvent::encode_from(&change(1, 192));
        first.set_conflated(300);
        let second = RawEvent::encode_from(&change(2, 0));
        let raw = RawStreamEventsReply {
            events: vec![first, second],
            conflated_since_last: 300,
            conflated_total: 1000,
        };
        let bytes = raw.encode_to_vec();
        assert_eq!(bytes.len(), raw.encoded_len());
        let decoded = StreamEventsReply::decode(bytes.as_slice()).unwrap();
        let mut expected_first = change(1, 192);
        expected_first.conflated = 300;
        assert_eq!(
            decoded,
            StreamEventsReply {
                events: vec![expected_first, change(2, 0)],
                conflated_since_last: 300,
                conflated_total: 1000,
            }
        );
        // And back: the raw type reads its own encoding.
        let again = RawStreamEventsReply::decode(bytes.as_slice()).unwrap();
        assert_eq!(again.events[0].conflated(), 300);
        assert_eq!(again.encode_to_vec(), bytes);
    }

    #[test]
    fn an_encoded_conflated_count_can_be_reset_to_zero() {
        let mut event = change(5, 192);
        event.conflated = 4;
        let mut raw = RawEvent::encode_from(&event);
        assert_eq!(raw.conflated(), 4);
        raw.set_conflated(0);
        let reply = RawStreamEventsReply {
            events: vec![raw],
            ..Default::default()
        };
        let decoded = StreamEventsReply::decode(reply.encode_to_vec().as_slice()).unwrap();
        assert_eq!(decoded.events[0].conflated, 0);
    }

    #[test]
    fn a_raw_reply_decoded_from_the_wire_keeps_every_field() {
        let reply = MxCommandReply {
            hresult: 1,
            statuses: vec![MxStatus {
                success: 1,
                detail: 1012,
                ..Default::default()
            }],
            message: "x".into(),
            result: Some(crate::v1::mx_command_reply::Result::ItemHandle(9)),
            ..Default::default()
        };
        let raw = RawMxCommandReply::decode(reply.encode_to_vec().as_slice()).unwrap();
        assert_eq!(raw.decode_reply().unwrap(), reply);
    }
}

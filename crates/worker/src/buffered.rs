//! Buffered items: `AddBufferedItem`, `SetBufferedUpdateInterval` and the
//! `OnBufferedDataChange` event (ILMXProxyServer5, `mxaccess-semantics.md` §1–§2).
//!
//! The vendor documents the calls, not their timing, so the rules are ours:
//! - A buffered item is an ordinary item (same handles, Advise, Suspend,
//!   writes, ReadBulk cache) whose data changes become samples instead of
//!   OnDataChange events.
//! - Each server handle has a buffered update interval, 1000 ms until
//!   `SetBufferedUpdateInterval` sets another, rounded up to a multiple of
//!   100 ms as the runtime's native path does. The first sample buffered while
//!   nothing is pending starts the interval; when it ends, every buffered item
//!   of that server handle holding samples raises one OnBufferedDataChange
//!   with all of them, oldest first. Nothing pending, no event, no timer: an
//!   idle session never wakes up.
//! - An item holds at most [`MAX_BUFFERED_SAMPLES`]; beyond that the oldest
//!   samples are dropped and counted in `samples_dropped`.
//! - A suspended buffered item collects nothing and holds what it had;
//!   Activate raises at once the held samples plus the current value (unless
//!   the held samples already end with it). UnAdvise discards held samples.

use std::collections::VecDeque;
use std::time::Duration;

use mxgateway_mx::{
    hresult, DataType, BUFFERED_INTERVAL_STEP_MS, DEFAULT_BUFFERED_INTERVAL_MS,
    MAX_BUFFERED_INTERVAL_MS, MAX_BUFFERED_SAMPLES,
};
use mxgateway_proto::data_type_to_pb;
use mxgateway_proto::v1::{
    mx_command_reply, mx_event, AddBufferedItemCommand, BufferedSample, MxCommandReply, MxEvent,
    OnBufferedDataChange, SetBufferedUpdateIntervalCommand,
};
use tokio::time::Instant;

use crate::backend::Backend;
use crate::semantics::{hresult_failure, ok, permission_denied, Access, CachedChange, MxSession};

/// The samples a buffered item holds for its next OnBufferedDataChange.
#[derive(Debug, Default)]
pub(crate) struct SampleBuffer {
    samples: VecDeque<BufferedSample>,
    dropped: u32,
    /// The item's newest change is the last sample (false once a change
    /// arrived while suspended, so Activate knows to add it).
    current: bool,
}

impl SampleBuffer {
    /// Keeps a change as a sample, dropping the oldest beyond the limit.
    pub(crate) fn push(&mut self, change: &CachedChange) {
        if self.samples.len() == MAX_BUFFERED_SAMPLES {
            self.samples.pop_front();
            self.dropped = self.dropped.saturating_add(1);
        }
        self.samples.push_back(BufferedSample {
            value: change.value.clone(),
            quality: change.quality,
            timestamp: change.timestamp,
            status: Some(change.status),
        });
        self.current = true;
    }

    /// A change arrived while suspended: it is not a sample, but Activate
    /// must deliver the value it left.
    pub(crate) fn missed(&mut self) {
        self.current = false;
    }

    /// On Activate: makes sure the current value is the last sample.
    pub(crate) fn catch_up(&mut self, current: &CachedChange) {
        if !self.current || self.samples.is_empty() {
            self.push(current);
        }
    }

    /// Everything held, as one event (`None` when nothing is held).
    pub(crate) fn take_event(&mut self, data_type: DataType) -> Option<OnBufferedDataChange> {
        let newest = self.samples.back()?.status.unwrap_or_default();
        let samples: Vec<BufferedSample> = self.samples.drain(..).collect();
        Some(OnBufferedDataChange {
            data_type: data_type_to_pb(data_type) as i32,
            samples,
            statuses: vec![newest],
            samples_dropped: std::mem::take(&mut self.dropped),
        })
    }

    /// Forgets what is held (UnAdvise, a new Advise).
    pub(crate) fn clear(&mut self) {
        self.samples.clear();
        self.dropped = 0;
        self.current = false;
    }
}

/// A server handle's buffered update interval and its pending deadline.
#[derive(Debug, Default)]
pub(crate) struct ServerClock {
    /// 0 until SetBufferedUpdateInterval: the default applies.
    interval_ms: i32,
    flush_at: Option<Instant>,
}

impl ServerClock {
    pub(crate) fn interval_ms(&self) -> i32 {
        if self.interval_ms == 0 {
            DEFAULT_BUFFERED_INTERVAL_MS
        } else {
            self.interval_ms
        }
    }

    fn interval(&self) -> Duration {
        Duration::from_millis(self.interval_ms() as u64)
    }

    /// A sample is pending: flush one interval from now unless a flush is due already.
    pub(crate) fn schedule(&mut self, now: Instant) {
        if self.flush_at.is_none() {
            self.flush_at = Some(now + self.interval());
        }
    }
}

/// The interval in effect for a requested one: rounded up to the next
/// multiple of 100 ms; `None` outside 1 ms ..= one hour.
pub fn effective_interval_ms(requested: i32) -> Option<i32> {
    if !(1..=MAX_BUFFERED_INTERVAL_MS).contains(&requested) {
        return None;
    }
    let step = BUFFERED_INTERVAL_STEP_MS;
    Some((requested + step - 1) / step * step)
}

impl<B: Backend> MxSession<B> {
    pub(crate) fn add_buffered_item(
        &mut self,
        c: AddBufferedItemCommand,
    ) -> Result<MxCommandReply, MxCommandReply> {
        self.check_server(c.server_handle)?;
        if let Err(why) = self
            .constraints
            .check(Access::Read, &c.item_definition, &c.item_context)
        {
            return Err(permission_denied(why));
        }
        let reply = self.add_item(c.server_handle, c.item_definition, c.item_context)?;
        if let Some(mx_command_reply::Result::ItemHandle(handle)) = reply.result {
            if let Some(item) = self.items.get_mut(&handle) {
                item.buffered = Some(Box::default());
            }
        }
        Ok(reply)
    }

    pub(crate) fn set_buffered_update_interval(
        &mut self,
        c: SetBufferedUpdateIntervalCommand,
    ) -> Result<MxCommandReply, MxCommandReply> {
        self.check_server(c.server_handle)?;
        let Some(interval_ms) = effective_interval_ms(c.update_interval_ms) else {
            return Err(hresult_failure(
                hresult::E_INVALIDARG,
                format!(
                    "the buffered update interval must be 1 to {MAX_BUFFERED_INTERVAL_MS} ms, not {}",
                    c.update_interval_ms
                ),
            ));
        };
        if let Some(server) = self.servers.get_mut(&c.server_handle) {
            let clock = &mut server.buffered;
            clock.interval_ms = interval_ms;
            // A pending flush never waits longer than the new interval.
            let latest = Instant::now() + clock.interval();
            if let Some(at) = clock.flush_at.as_mut() {
                *at = (*at).min(latest);
            }
        }
        Ok(ok(Some(mx_command_reply::Result::UpdateIntervalMs(
            interval_ms,
        ))))
    }

    /// When the next buffered flush is due (`None`: nothing is pending).
    pub fn next_buffer_flush(&self) -> Option<Instant> {
        self.servers
            .values()
            .filter_map(|s| s.buffered.flush_at)
            .min()
    }

    /// Raises OnBufferedDataChange for every server handle whose interval
    /// ended by `now`, into `events`.
    pub fn flush_buffers(&mut self, now: Instant, events: &mut Vec<MxEvent>) {
        let mut due = Vec::new();
        for (&handle, server) in self.servers.iter_mut() {
            if server.buffered.flush_at.is_some_and(|at| at <= now) {
                server.buffered.flush_at = None;
                due.push(handle);
            }
        }
        if due.is_empty() {
            return;
        }
        let pending: Vec<i32> = self.buffered_pending.iter().copied().collect();
        for item_handle in pending {
            let Some(item) = self.items.get_mut(&item_handle) else {
                self.buffered_pending.remove(&item_handle);
                continue;
            };
            if !due.contains(&item.server_handle) || item.suspended {
                continue;
            }
            let server_handle = item.server_handle;
            let data_type = item.data_type;
            let event = item
                .buffered
                .as_mut()
                .and_then(|buffer| buffer.take_event(data_type));
            self.buffered_pending.remove(&item_handle);
            if let Some(event) = event {
                let worker_sequence = self.next_sequence();
                events.push(MxEvent {
                    worker_sequence,
                    server_handle,
                    item_handle,
                    conflated: 0,
                    kind: Some(mx_event::Kind::BufferedDataChange(event)),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_round_up_to_100_ms_and_reject_the_out_of_range() {
        assert_eq!(effective_interval_ms(1), Some(100));
        assert_eq!(effective_interval_ms(100), Some(100));
        assert_eq!(effective_interval_ms(101), Some(200));
        assert_eq!(effective_interval_ms(250), Some(300));
        assert_eq!(effective_interval_ms(3_600_000), Some(3_600_000));
        assert_eq!(effective_interval_ms(0), None);
        assert_eq!(effective_interval_ms(-100), None);
        assert_eq!(effective_interval_ms(3_600_001), None);
        assert_eq!(effective_interval_ms(i32::MAX), None);
    }

    #[test]
    fn a_full_buffer_drops_the_oldest_samples() {
        let mut buffer = SampleBuffer::default();
        for n in 0..(MAX_BUFFERED_SAMPLES as i32 + 5) {
            buffer.push(&CachedChange {
                value: None,
                quality: n,
                timestamp: None,
                status: Default::default(),
            });
        }
        let event = buffer.take_event(DataType::Integer).unwrap();
        assert_eq!(event.samples.len(), MAX_BUFFERED_SAMPLES);
        assert_eq!(event.samples[0].quality, 5);
        assert_eq!(event.samples_dropped, 5);
        assert!(buffer.samples.is_empty());
        assert!(buffer.take_event(DataType::Integer).is_none());
    }
}

//! A session's event queue: bounded by conflation, shared by the worker
//! reader (producer) and at most one StreamEvents call (consumer).
//!
//! The producer never waits: a slow or absent consumer makes the queue fold
//! older data changes of the same item into the newest one (see
//! [`mxgateway_mx::ConflatingQueue`]), so memory stays bounded by the capacity
//! plus one entry per advised item, and the latest value of every item is
//! always delivered. The consumer learns how many changes were folded from
//! `StreamEventsReply.conflated_*` and each event's `conflated` count.

use std::sync::Mutex;

use mxgateway_mx::ConflatingQueue;
use mxgateway_proto::merge_buffered;
use mxgateway_proto::passthrough::{EventKind, RawEvent, RawStreamEventsReply};
use mxgateway_proto::v1::mx_event;
use tokio::sync::Notify;

/// Why a session's stream ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamEnd {
    /// The session closed normally.
    Closed,
    /// The worker died or hung; the message says how.
    Failed(String),
    /// Another StreamEvents call took over this session's events.
    Superseded,
}

/// Server handle, item handle, and whether the event is a buffered one (an
/// item handle can be reused by an item of the other kind).
type ConflationKey = (i32, i32, bool);

struct State {
    queue: ConflatingQueue<ConflationKey, RawEvent>,
    end: Option<StreamEnd>,
    /// Bumped when a new stream takes over; older streams stop.
    consumer: u64,
    reported_conflated: u64,
}

/// Folds a pending event into a newer one of the same key: buffered events
/// keep both sets of samples (the only place the gateway decodes an event);
/// a data change simply replaces the older one.
fn merge_events(older: RawEvent, newer: &mut RawEvent) {
    if older.kind() != EventKind::BufferedDataChange
        || newer.kind() != EventKind::BufferedDataChange
    {
        return;
    }
    // Events the worker encoded decode; if one did not, the newer event goes
    // out alone and its client sees the same decode error it would anyway.
    let (Ok(older), Ok(mut merged)) = (older.decode_event(), newer.decode_event()) else {
        return;
    };
    if let (
        Some(mx_event::Kind::BufferedDataChange(older)),
        Some(mx_event::Kind::BufferedDataChange(samples)),
    ) = (older.kind, merged.kind.as_mut())
    {
        merge_buffered(older, samples);
        *newer = RawEvent::encode_from(&merged);
    }
}

/// See the module documentation.
pub struct EventQueue {
    state: Mutex<State>,
    notify: Notify,
}

/// What one poll of the queue gave a consumer.
pub enum Poll {
    Batch(RawStreamEventsReply),
    Ended(StreamEnd),
    Empty,
}

impl EventQueue {
    pub fn new(capacity: usize) -> Self {
        EventQueue {
            state: Mutex::new(State {
                queue: ConflatingQueue::new(capacity),
                end: None,
                consumer: 0,
                reported_conflated: 0,
            }),
            notify: Notify::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A poisoned lock only means a panic elsewhere; the queue itself is consistent.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds a worker batch. Never blocks on the consumer.
    pub fn push_batch(&self, events: Vec<RawEvent>) {
        {
            let mut s = self.lock();
            if s.end.is_some() {
                return;
            }
            for event in events {
                let key = match event.kind() {
                    EventKind::DataChange => {
                        Some((event.server_handle(), event.item_handle(), false))
                    }
                    EventKind::BufferedDataChange => {
                        Some((event.server_handle(), event.item_handle(), true))
                    }
                    _ => None,
                };
                s.queue.push_merging(key, event, merge_events);
            }
        }
        self.notify.notify_waiters();
        self.notify.notify_one();
    }

    /// Ends every stream of this queue (a closed or failed session).
    pub fn end(&self, end: StreamEnd) {
        {
            let mut s = self.lock();
            if s.end.is_none() {
                s.end = Some(end);
            }
        }
        self.notify.notify_waiters();
        self.notify.notify_one();
    }

    /// Registers a new consumer; any previous one stops with `Superseded`.
    pub fn take_over(&self) -> u64 {
        let id = {
            let mut s = self.lock();
            s.consumer += 1;
            s.consumer
        };
        self.notify.notify_waiters();
        id
    }

    /// Events waiting now.
    pub fn len(&self) -> usize {
        self.lock().queue.len()
    }

    /// True when nothing waits.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Data changes folded away since the session opened.
    pub fn conflated_total(&self) -> u64 {
        self.lock().queue.conflated_total()
    }

    /// Takes up to `max` events for consumer `consumer`.
    pub fn poll(&self, consumer: u64, max: usize) -> Poll {
        let mut s = self.lock();
        if s.consumer != consumer {
            return Poll::Ended(StreamEnd::Superseded);
        }
        if !s.queue.is_empty() {
            let mut taken = Vec::with_capacity(max.min(s.queue.len()));
            s.queue.drain_up_to(max, &mut taken);
            let total = s.queue.conflated_total();
            let since = total - s.reported_conflated;
            s.reported_conflated = total;
            let events = taken
                .into_iter()
                .map(|(mut e, folded)| {
                    e.set_conflated(folded);
                    e
                })
                .collect();
            return Poll::Batch(RawStreamEventsReply {
                events,
                conflated_since_last: since,
                conflated_total: total,
            });
        }
        match &s.end {
            Some(end) => Poll::Ended(end.clone()),
            None => Poll::Empty,
        }
    }

    /// Waits until something may have changed for consumers.
    pub async fn changed(&self) {
        self.notify.notified().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mxgateway_proto::v1::{MxEvent, OnDataChange};

    fn change(seq: u64, item: i32) -> RawEvent {
        RawEvent::encode_from(&MxEvent {
            worker_sequence: seq,
            server_handle: 1,
            item_handle: item,
            conflated: 0,
            kind: Some(mx_event::Kind::DataChange(OnDataChange {
                quality: 192,
                ..Default::default()
            })),
        })
    }

    /// The events of a batch as a client decodes them.
    fn decoded(batch: RawStreamEventsReply) -> Vec<MxEvent> {
        batch
            .events
            .iter()
            .map(|e| e.decode_event().expect("the gateway forwards valid events"))
            .collect()
    }

    #[test]
    fn a_stalled_consumer_gets_the_latest_value_of_every_item() {
        let q = EventQueue::new(100);
        let consumer = q.take_over();
        let mut seq = 0;
        for _round in 0..100 {
            let batch = (0..1000)
                .map(|item| {
                    seq += 1;
                    change(seq, item)
                })
                .collect();
            q.push_batch(batch);
        }
        assert!(q.len() <= 100 + 1000);
        let mut last_seq = 0;
        let mut seen = std::collections::HashMap::new();
        let mut conflated = 0;
        let mut per_event = 0;
        while let Poll::Batch(b) = q.poll(consumer, 4096) {
            conflated += b.conflated_since_last;
            for e in decoded(b) {
                per_event += u64::from(e.conflated);
                assert!(e.worker_sequence > last_seq, "sequences stay monotonic");
                last_seq = e.worker_sequence;
                seen.insert(e.item_handle, e.worker_sequence);
            }
        }
        assert_eq!(seen.len(), 1000);
        // Round 99 pushed item i with sequence 99_000 + i + 1.
        assert!(seen.iter().all(|(item, s)| *s == 99_000 + *item as u64 + 1));
        assert!(conflated > 0);
        // Each event carries its own folded count, appended to its bytes.
        assert_eq!(per_event, conflated);
    }

    #[test]
    fn takeover_supersedes_the_previous_consumer_and_end_is_reported_after_draining() {
        let q = EventQueue::new(10);
        let first = q.take_over();
        let second = q.take_over();
        assert!(matches!(
            q.poll(first, 10),
            Poll::Ended(StreamEnd::Superseded)
        ));
        q.push_batch(vec![change(1, 1)]);
        q.end(StreamEnd::Failed("worker exited".into()));
        assert!(matches!(q.poll(second, 10), Poll::Batch(_)));
        assert!(matches!(
            q.poll(second, 10),
            Poll::Ended(StreamEnd::Failed(_))
        ));
    }

    #[test]
    fn a_stalled_consumer_keeps_every_buffered_sample_merged_per_item() {
        use mxgateway_proto::v1::{BufferedSample, OnBufferedDataChange};
        let q = EventQueue::new(4);
        let consumer = q.take_over();
        let buffered = |seq: u64, item: i32, first: i32| {
            RawEvent::encode_from(&MxEvent {
                worker_sequence: seq,
                server_handle: 1,
                item_handle: item,
                conflated: 0,
                kind: Some(mx_event::Kind::BufferedDataChange(OnBufferedDataChange {
                    samples: (first..first + 3)
                        .map(|n| BufferedSample {
                            quality: n,
                            ..Default::default()
                        })
                        .collect(),
                    ..Default::default()
                })),
            })
        };
        let mut seq = 0;
        for round in 0..10 {
            let batch = (1..=3)
                .map(|item| {
                    seq += 1;
                    buffered(seq, item, round * 3)
                })
                .collect();
            q.push_batch(batch);
            // A data change of item 1 never merges with its buffered events.
            seq += 1;
            q.push_batch(vec![change(seq, 1)]);
        }
        let mut samples: std::collections::HashMap<i32, Vec<i32>> = Default::default();
        while let Poll::Batch(b) = q.poll(consumer, 100) {
            for e in decoded(b) {
                if let Some(mx_event::Kind::BufferedDataChange(d)) = e.kind {
                    assert_eq!(d.samples_dropped, 0);
                    samples
                        .entry(e.item_handle)
                        .or_default()
                        .extend(d.samples.iter().map(|s| s.quality));
                }
            }
        }
        for item in 1..=3 {
            assert_eq!(samples[&item], (0..30).collect::<Vec<_>>(), "item {item}");
        }
        assert!(q.conflated_total() > 0, "the queue was over capacity");
    }
}

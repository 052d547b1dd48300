//! The deploy feed behind `WatchDeployEvents`, and browse page tokens.
//!
//! Rules:
//! - Every deploy the gateway learns of gets the next `sequence` (the state at
//!   gateway start is sequence 1), so sequences are monotonic per gateway start.
//! - A new subscriber first gets the current state under its current sequence,
//!   unless its `last_seen` deploy time equals the current one; then every
//!   later deploy. Registration and the bootstrap event happen under the same
//!   lock as publishing, so no deploy falls between them.
//! - Each subscriber has a bounded buffer; when it is full the event is dropped
//!   for that subscriber only (it sees a gap in `sequence`), so a slow
//!   subscriber never blocks the others or the deploy.
//! - A page token names the browse snapshot generation and an offset; a token
//!   of an older generation (a deploy happened mid-browse) is refused.

use std::sync::Mutex;

use mxgateway_mx::Timestamp;
use tokio::sync::mpsc;

use crate::error::GatewayError;

/// What a deploy left behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeployState {
    /// `galaxy.time_of_last_deploy`; `None` when the galaxy was never deployed.
    pub time_of_last_deploy: Option<Timestamp>,
    pub object_count: u64,
    pub attribute_count: u64,
}

/// One event of the feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeployEvent {
    pub sequence: u64,
    pub state: DeployState,
}

struct FeedInner {
    current: DeployEvent,
    subscribers: Vec<mpsc::Sender<DeployEvent>>,
}

/// Fans deploy events out to `WatchDeployEvents` subscribers.
pub struct DeployFeed {
    inner: Mutex<FeedInner>,
    buffer: usize,
}

impl DeployFeed {
    /// A feed whose current state (sequence 1) is `initial`; each subscriber
    /// buffers at most `buffer` events.
    pub fn new(initial: DeployState, buffer: usize) -> Self {
        DeployFeed {
            inner: Mutex::new(FeedInner {
                current: DeployEvent {
                    sequence: 1,
                    state: initial,
                },
                subscribers: Vec::new(),
            }),
            buffer: buffer.max(1),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, FeedInner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The latest event.
    pub fn current(&self) -> DeployEvent {
        self.lock().current
    }

    /// A new subscriber: the bootstrap event (unless `last_seen` is the
    /// current deploy time), then every later deploy.
    pub fn subscribe(&self, last_seen: Option<Timestamp>) -> mpsc::Receiver<DeployEvent> {
        let (tx, rx) = mpsc::channel(self.buffer);
        let mut inner = self.lock();
        let current = inner.current;
        let suppressed = last_seen.is_some() && last_seen == current.state.time_of_last_deploy;
        if !suppressed {
            // The channel is new and has room for at least one event.
            let _ = tx.try_send(current);
        }
        inner.subscribers.retain(|s| !s.is_closed());
        inner.subscribers.push(tx);
        rx
    }

    /// Records a deploy and offers it to every subscriber; returns its event.
    pub fn publish(&self, state: DeployState) -> DeployEvent {
        let mut inner = self.lock();
        let event = DeployEvent {
            sequence: inner.current.sequence + 1,
            state,
        };
        inner.current = event;
        inner.subscribers.retain(|s| match s.try_send(event) {
            Ok(()) | Err(mpsc::error::TrySendError::Full(_)) => true,
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        });
        event
    }

    /// Open subscriptions (diagnostics and tests).
    pub fn subscriber_count(&self) -> usize {
        let mut inner = self.lock();
        inner.subscribers.retain(|s| !s.is_closed());
        inner.subscribers.len()
    }
}

/// A browse page token: the snapshot generation and the next offset.
pub fn encode_page_token(generation: u64, offset: usize) -> String {
    format!("g{generation}o{offset}")
}

/// Reads a page token; `current_generation` is the snapshot now served.
pub fn decode_page_token(token: &str, current_generation: u64) -> Result<usize, GatewayError> {
    let invalid = || GatewayError::InvalidArgument(format!("invalid page token {token:?}"));
    let rest = token.strip_prefix('g').ok_or_else(invalid)?;
    let (generation, offset) = rest.split_once('o').ok_or_else(invalid)?;
    let generation: u64 = generation.parse().map_err(|_| invalid())?;
    let offset: usize = offset.parse().map_err(|_| invalid())?;
    if generation != current_generation {
        return Err(GatewayError::Aborted(
            "the galaxy was redeployed since this browse began; start again without a page token"
                .into(),
        ));
    }
    Ok(offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(t: i64, objects: u64) -> DeployState {
        DeployState {
            time_of_last_deploy: Some(Timestamp { unix_nanos: t }),
            object_count: objects,
            attribute_count: objects * 2,
        }
    }

    #[tokio::test]
    async fn bootstrap_then_one_event_per_deploy_with_monotonic_sequences() {
        let feed = DeployFeed::new(state(1, 10), 8);
        let mut a = feed.subscribe(None);
        assert_eq!(a.recv().await.unwrap().sequence, 1);
        feed.publish(state(2, 11));
        let mut b = feed.subscribe(None);
        assert_eq!(b.recv().await.unwrap(), feed.current());
        feed.publish(state(3, 12));
        assert_eq!(a.recv().await.unwrap().sequence, 2);
        let third = a.recv().await.unwrap();
        assert_eq!((third.sequence, third.state.object_count), (3, 12));
        assert_eq!(b.recv().await.unwrap().sequence, 3);
        assert!(a.try_recv().is_err() && b.try_recv().is_err());
    }

    #[tokio::test]
    async fn last_seen_deploy_time_suppresses_only_a_matching_bootstrap() {
        let feed = DeployFeed::new(state(5, 1), 8);
        let mut same = feed.subscribe(Some(Timestamp { unix_nanos: 5 }));
        let mut older = feed.subscribe(Some(Timestamp { unix_nanos: 4 }));
        assert!(same.try_recv().is_err());
        assert_eq!(older.try_recv().unwrap().sequence, 1);
        feed.publish(state(6, 2));
        assert_eq!(same.recv().await.unwrap().sequence, 2);
    }

    #[tokio::test]
    async fn a_full_subscriber_loses_events_and_sees_a_gap_without_blocking_others() {
        let feed = DeployFeed::new(state(1, 1), 2);
        let mut slow = feed.subscribe(None);
        let mut fast = feed.subscribe(None);
        assert_eq!(fast.recv().await.unwrap().sequence, 1);
        for t in 2..=5 {
            feed.publish(state(t, 1));
            assert_eq!(fast.recv().await.unwrap().sequence, t as u64);
        }
        // slow held the bootstrap and one more; 3..5 were dropped for it.
        assert_eq!(slow.recv().await.unwrap().sequence, 1);
        assert_eq!(slow.recv().await.unwrap().sequence, 2);
        feed.publish(state(6, 1));
        assert_eq!(
            slow.recv().await.unwrap().sequence,
            6,
            "the gap shows the drop"
        );
    }

    #[test]
    fn closed_subscribers_are_forgotten() {
        let feed = DeployFeed::new(state(1, 1), 2);
        let rx = feed.subscribe(None);
        assert_eq!(feed.subscriber_count(), 1);
        drop(rx);
        feed.publish(state(2, 1));
        assert_eq!(feed.subscriber_count(), 0);
    }

    #[test]
    fn page_tokens_round_trip_and_go_stale_on_deploy() {
        let token = encode_page_token(3, 500);
        assert_eq!(decode_page_token(&token, 3).unwrap(), 500);
        assert!(matches!(
            decode_page_token(&token, 4),
            Err(GatewayError::Aborted(_))
        ));
        for bad in ["", "x", "g", "g1", "g1o", "go5", "g-1o5", "g1o-5", "g1o5x"] {
            assert!(
                matches!(
                    decode_page_token(bad, 1),
                    Err(GatewayError::InvalidArgument(_))
                ),
                "{bad}"
            );
        }
    }
}

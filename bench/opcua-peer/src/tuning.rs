//! Every setting that differs from `async-opcua`'s defaults, with the reason.
//!
//! The defaults (async-opcua 0.19) would make the peer look slower than it
//! is, or lose data without an error: a 100 ms subscription timer and 100 ms
//! minimum sampling and publishing intervals coalesce changes; a queue of one
//! value per monitored item keeps only the latest change between publishes;
//! 20 queued notification messages per subscription drop the oldest under
//! load; and a publish response of more than 1000 notifications, 327,675
//! bytes or 5 chunks is rejected. The values below lift each limit far enough
//! that the load, not a limit, decides the figures. The server applies
//! [`server_limits`]; the client applies [`client_builder`] and requests the
//! per-subscription and per-item values.

use opcua::client::ClientBuilder;
use opcua::server::Limits;

// === Server ===

/// The server's subscription timer (default 100 ms). Publishing intervals
/// are effectively rounded up to a multiple of it, so it must be well below
/// the publishing interval the client asks for.
pub const SUBSCRIPTION_POLL_INTERVAL_MS: u64 = 1;

/// Lowest publishing interval the server grants (default 100 ms).
pub const MIN_PUBLISHING_INTERVAL_MS: f64 = 1.0;

/// Lowest sampling interval the server grants (default 100 ms). At 0 a
/// requested sampling interval of 0 stays 0, which async-opcua implements as
/// "report every change"; any other value makes it hold back a change that
/// arrives sooner than one interval after the previous one.
pub const MIN_SAMPLING_INTERVAL_MS: f64 = 0.0;

/// Largest monitored-item queue the server grants (default 10).
pub const MAX_MONITORED_ITEM_QUEUE_SIZE: usize = 10_000;

/// Notification messages a subscription keeps while no publish request is
/// waiting (default 20; beyond it the oldest is dropped with a warning).
pub const MAX_QUEUED_NOTIFICATIONS: usize = 10_000;

/// Outstanding publish requests the server accepts per subscription
/// (default 4) and per session (default 20): the client pipelines publish
/// requests so a response is always ready to go.
pub const MAX_PUBLISH_REQUESTS_PER_SUBSCRIPTION: usize = 64;
pub const MAX_PENDING_PUBLISH_REQUESTS: usize = 4096;

/// Subscriptions per session (default 10), for `client --subscriptions`.
pub const MAX_SUBSCRIPTIONS_PER_SESSION: usize = 1000;

/// Monitored items per subscription: 0 is unlimited (default 1000).
pub const MAX_MONITORED_ITEMS_PER_SUB: usize = 0;

/// Monitored items per CreateMonitoredItems call (default 1000).
pub const MAX_MONITORED_ITEMS_PER_CALL: usize = 100_000;

// === Both sides: the wire limits ===

/// Elements per array (default 1000, which rejects a publish response of
/// more than 1000 notifications and a CreateMonitoredItems call of more
/// than 1000 items).
pub const MAX_ARRAY_LENGTH: usize = 10_000_000;

/// Bytes per message (default 327,675: about 8,000 notifications).
pub const MAX_MESSAGE_SIZE: usize = 256 << 20;

/// Chunks per message (default 5).
pub const MAX_CHUNK_COUNT: usize = 4096;

/// Bytes per chunk, i.e. the transport buffer sizes (default 65,535). Fewer,
/// larger chunks cost less framing per notification.
pub const CHUNK_SIZE: usize = 1 << 20;

// === Client requests ===

/// Requested publishing interval: 1 ms, the server's timer tick (the
/// async-opcua client asks for 500 ms by default, and never publishes faster
/// than its `min_publish_interval`, 100 ms by default, which
/// [`client_builder`] lowers to 1 ms). Measured here at 100,000 changes/s,
/// 10 ms gave p50/p99 latencies of about 7/13 ms and 1 ms about 1.2/4 ms;
/// at saturation both delivered the same rate.
pub const PUBLISHING_INTERVAL_MS: u64 = 1;

/// Requested sampling interval: 0, i.e. every change (see
/// [`MIN_SAMPLING_INTERVAL_MS`]). Equal to the scan period would not do:
/// a scan that comes a little early is then held back to the next one.
pub const SAMPLING_INTERVAL_MS: f64 = 0.0;

/// Requested values per monitored-item queue (the OPC UA default is 1: only
/// the latest value survives between two publishes). One value per item is
/// enough while publishes keep up; 1000 lets a server that falls behind
/// queue instead of dropping, so that saturation shows as a lower rate and a
/// higher latency rather than as conflation.
pub const QUEUE_SIZE: u32 = 1000;

/// Requested notifications per publish response (0 would be unlimited):
/// keeps each response well under [`MAX_MESSAGE_SIZE`] even when a backlog
/// builds up, and lets the server stream a large burst as several responses
/// while the client decodes the first.
pub const MAX_NOTIFICATIONS_PER_PUBLISH: u32 = 10_000;

/// Keep-alive count and lifetime count, in publishing intervals: about 1 s
/// and 60 s whatever the interval. The defaults (20 and 60 intervals) would
/// expire a 1 ms subscription after 60 ms without a publish request, which a
/// busy client easily misses.
pub fn keep_alive_and_lifetime_counts(publishing_ms: u64) -> (u32, u32) {
    let keep_alive = u32::try_from(1_000 / publishing_ms.max(1))
        .unwrap_or(1)
        .max(1);
    let lifetime = u32::try_from(60_000 / publishing_ms.max(1))
        .unwrap_or(u32::MAX)
        .max(3 * keep_alive);
    (keep_alive, lifetime)
}

/// Monitored items per CreateMonitoredItems call made by the client.
pub const CREATE_BATCH: usize = 5_000;

/// The server limits: the defaults with every limit above lifted.
pub fn server_limits(limits: &mut Limits) {
    limits.max_array_length = MAX_ARRAY_LENGTH;
    limits.max_message_size = MAX_MESSAGE_SIZE;
    limits.max_chunk_count = MAX_CHUNK_COUNT;
    limits.send_buffer_size = CHUNK_SIZE;
    limits.receive_buffer_size = CHUNK_SIZE;
    let subs = &mut limits.subscriptions;
    subs.min_sampling_interval_ms = MIN_SAMPLING_INTERVAL_MS;
    subs.min_publishing_interval_ms = MIN_PUBLISHING_INTERVAL_MS;
    subs.max_monitored_item_queue_size = MAX_MONITORED_ITEM_QUEUE_SIZE;
    subs.max_queued_notifications = MAX_QUEUED_NOTIFICATIONS;
    subs.max_publish_requests_per_subscription = MAX_PUBLISH_REQUESTS_PER_SUBSCRIPTION;
    subs.max_pending_publish_requests = MAX_PENDING_PUBLISH_REQUESTS;
    subs.max_subscriptions_per_session = MAX_SUBSCRIPTIONS_PER_SESSION;
    subs.max_monitored_items_per_sub = MAX_MONITORED_ITEMS_PER_SUB;
    // 0: the server does not cap notifications per publish; the client's
    // request (MAX_NOTIFICATIONS_PER_PUBLISH) decides.
    subs.max_notifications_per_publish = 0;
    limits.operational.max_monitored_items_per_call = MAX_MONITORED_ITEMS_PER_CALL;
}

/// The client's wire limits and publishing pace.
pub fn client_builder(builder: ClientBuilder) -> ClientBuilder {
    builder
        .max_array_length(MAX_ARRAY_LENGTH)
        .max_message_size(MAX_MESSAGE_SIZE)
        .max_chunk_count(MAX_CHUNK_COUNT)
        .max_chunk_size(CHUNK_SIZE)
        .max_incoming_chunk_size(CHUNK_SIZE)
        .min_publish_interval(std::time::Duration::from_millis(1))
}

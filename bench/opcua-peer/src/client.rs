//! `client`: subscribes to every variable of a `server` and measures the
//! stream of data-change notifications.
//!
//! The items are spread over `--subscriptions` subscriptions in contiguous
//! ranges and created in calls of [`tuning::CREATE_BATCH`]. The client handle
//! of item `i` is `i + 1`, so the callback finds the item's last counter by
//! index, without a map lookup. Each subscription's callback takes the
//! wall clock once per NotificationMessage (the moment the publish response
//! reaches the application) and records, per notification, the latency from
//! its SourceTimestamp and any counter values skipped since the item's
//! previous notification. Only notifications received between the end of
//! the warm-up and the end of the measured window are counted. See
//! [`Recorder`] for responses handled out of order.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{anyhow, bail, Context};
use opcua::client::{
    ClientBuilder, IdentityToken, MonitoredItemMap, OnSubscriptionNotificationCore,
};
use opcua::types::{
    DataChangeNotification, ExtensionObject, MonitoredItemCreateRequest, MonitoringMode,
    MonitoringParameters, NotificationMessage, ReadValueId, TimestampsToReturn, Variant,
};

use crate::report::StreamReport;
use crate::server::{item_node_id, NAMESPACE};
use crate::{tuning, ClientArgs, ScratchDir};

/// What the callbacks share with the measuring task.
///
/// Publish responses may be handled out of order: the client keeps several
/// publish requests in flight and two responses that arrive together can be
/// processed either way round. Neither count below treats that as a loss:
/// a counter value older than the item's latest takes back one conflated
/// change, and a sequence number is a gap only while it is still missing.
struct Recorder {
    measuring: bool,
    /// The highest counter value seen per item (index = client handle - 1);
    /// `u64::MAX` until the first notification.
    last: Vec<u64>,
    /// Per subscription (in creation order).
    sequences: Vec<Sequences>,
    total_events: u64,
    conflated_events: u64,
    latencies_ms: Vec<f64>,
}

/// The NotificationMessage sequence numbers of one subscription.
#[derive(Default)]
struct Sequences {
    highest: Option<u32>,
    /// Numbers skipped since measuring began and not received since.
    missing: BTreeSet<u32>,
}

impl Sequences {
    fn received(&mut self, sequence: u32, measuring: bool) {
        match self.highest {
            Some(highest) if sequence > highest => {
                if measuring {
                    self.missing.extend(highest + 1..sequence);
                }
                self.highest = Some(sequence);
            }
            Some(_) => {
                self.missing.remove(&sequence);
            }
            None => self.highest = Some(sequence),
        }
    }
}

impl Recorder {
    fn new(items: usize, subscriptions: usize) -> Self {
        Recorder {
            measuring: false,
            last: vec![u64::MAX; items],
            sequences: (0..subscriptions).map(|_| Sequences::default()).collect(),
            total_events: 0,
            conflated_events: 0,
            latencies_ms: Vec::new(),
        }
    }

    fn data_change(&mut self, handle: u32, counter: Option<u64>, latency_ms: Option<f64>) {
        let Some(last) = self.last.get_mut(handle.wrapping_sub(1) as usize) else {
            return;
        };
        let previous = *last;
        if let Some(counter) = counter {
            if previous == u64::MAX || counter > previous {
                *last = counter;
            }
        }
        if !self.measuring {
            return;
        }
        self.total_events += 1;
        match counter {
            Some(counter) if previous != u64::MAX && counter > previous + 1 => {
                self.conflated_events += counter - previous - 1;
            }
            // A late change, counted as conflated when a newer one came first.
            Some(counter) if previous != u64::MAX && counter < previous => {
                self.conflated_events = self.conflated_events.saturating_sub(1);
            }
            _ => {}
        }
        if let Some(latency_ms) = latency_ms {
            self.latencies_ms.push(latency_ms);
        }
    }

    fn sequence_gaps(&self) -> u64 {
        self.sequences.iter().map(|s| s.missing.len() as u64).sum()
    }
}

/// The callback of subscription number `index`.
struct Callback {
    recorder: Arc<Mutex<Recorder>>,
    index: usize,
}

impl OnSubscriptionNotificationCore for Callback {
    fn on_subscription_notification(
        &mut self,
        notification: NotificationMessage,
        _items: MonitoredItemMap<'_>,
    ) {
        let received_us = unix_micros(SystemTime::now());
        let Some(data) = notification.notification_data else {
            // A keep-alive: it carries the next sequence number, unused.
            return;
        };
        let mut recorder = self.recorder.lock().unwrap();
        let measuring = recorder.measuring;
        recorder.sequences[self.index].received(notification.sequence_number, measuring);
        for object in data {
            let Some(changes) = object.into_inner_as::<DataChangeNotification>() else {
                continue;
            };
            for item in changes.monitored_items.into_iter().flatten() {
                let value = item.value;
                let counter = match value.value {
                    Some(Variant::Double(v)) if v >= 0.0 => Some(v as u64),
                    _ => None,
                };
                let latency = value
                    .source_timestamp
                    .map(|ts| (received_us - ts.as_chrono().timestamp_micros()) as f64 / 1000.0);
                recorder.data_change(item.client_handle, counter, latency);
            }
        }
    }
}

fn unix_micros(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0)
}

fn seconds(s: f64, flag: &str) -> anyhow::Result<Duration> {
    Duration::try_from_secs_f64(s)
        .map_err(|_| anyhow!("{flag} must be a non-negative number of seconds"))
}

pub async fn run(args: ClientArgs) -> anyhow::Result<()> {
    let warmup = seconds(args.warmup_seconds, "--warmup-seconds")?;
    let duration = seconds(args.duration_seconds, "--duration-seconds")?;
    let items = args.shape.items();
    if items == 0 {
        bail!("--objects and --attributes must be at least 1");
    }
    let pki = ScratchDir::new("client");
    let mut client = tuning::client_builder(
        ClientBuilder::new()
            .application_name("mxgateway-bench-opcua")
            .application_uri("urn:mxgateway-bench-opcua:client")
            .product_uri("urn:mxgateway-bench-opcua")
            .pki_dir(&pki.0)
            .trust_server_certs(true)
            // A reconnect in the middle of a run would spoil the figures:
            // fail instead.
            .session_retry_limit(0),
    )
    .client()
    .map_err(|e| anyhow!("client configuration: {}", e.join(", ")))?;

    let (session, event_loop) = client
        .connect_to_matching_endpoint(args.endpoint.as_str(), IdentityToken::Anonymous)
        .await
        .with_context(|| format!("cannot connect to {}", args.endpoint))?;
    let mut event_loop = event_loop.spawn();
    tokio::select! {
        connected = session.wait_for_connection() => {
            if !connected {
                bail!("cannot open a session on {}", args.endpoint);
            }
        }
        status = &mut event_loop => bail!("session ended while connecting: {status:?}"),
    }
    let ns = session
        .get_namespace_index(NAMESPACE)
        .await
        .with_context(|| format!("{NAMESPACE} is not served at {}", args.endpoint))?;

    let per_subscription = items.div_ceil(args.subscriptions as usize);
    let recorder = Arc::new(Mutex::new(Recorder::new(
        items,
        items.div_ceil(per_subscription),
    )));
    let mut tags = 0;
    let mut subscription_ids = Vec::new();
    let (keep_alive_count, lifetime_count) =
        tuning::keep_alive_and_lifetime_counts(args.publishing_ms);
    for start in (0..items).step_by(per_subscription) {
        let end = (start + per_subscription).min(items);
        let id = session
            .create_subscription(
                Duration::from_millis(args.publishing_ms),
                lifetime_count,
                keep_alive_count,
                args.max_notifications,
                0,
                true,
                Callback {
                    recorder: recorder.clone(),
                    index: subscription_ids.len(),
                },
            )
            .await
            .context("CreateSubscription")?;
        subscription_ids.push(id);
        for batch in (start..end).step_by(tuning::CREATE_BATCH) {
            let requests = (batch..(batch + tuning::CREATE_BATCH).min(end))
                .map(|i| MonitoredItemCreateRequest {
                    item_to_monitor: ReadValueId::from(item_node_id(ns, i)),
                    monitoring_mode: MonitoringMode::Reporting,
                    requested_parameters: MonitoringParameters {
                        client_handle: i as u32 + 1,
                        sampling_interval: tuning::SAMPLING_INTERVAL_MS,
                        filter: ExtensionObject::null(),
                        queue_size: args.queue_size,
                        discard_oldest: true,
                    },
                })
                .collect();
            let created = session
                .create_monitored_items(id, TimestampsToReturn::Both, requests)
                .await
                .context("CreateMonitoredItems")?;
            let failed = created.iter().filter(|c| !c.result.status_code.is_good());
            if let Some(first) = failed.clone().next() {
                bail!(
                    "{} monitored items were refused, the first with {}",
                    failed.count(),
                    first.result.status_code
                );
            }
            tags += created.len();
        }
    }

    let measured = async {
        tokio::time::sleep(warmup).await;
        let started = {
            let mut r = recorder.lock().unwrap();
            r.measuring = true;
            Instant::now()
        };
        tokio::time::sleep(duration).await;
        let mut r = recorder.lock().unwrap();
        r.measuring = false;
        (
            started.elapsed(),
            r.total_events,
            r.conflated_events,
            r.sequence_gaps(),
            std::mem::take(&mut r.latencies_ms),
        )
    };
    let (elapsed, total_events, conflated_events, sequence_gaps, latencies_ms) = tokio::select! {
        m = measured => m,
        status = &mut event_loop => bail!("session ended while measuring: {status:?}"),
    };

    // Cleanup failures are reported, not swallowed, and do not void the run.
    if let Err(e) = session.delete_subscriptions(&subscription_ids).await {
        eprintln!("mxgateway-bench-opcua client: DeleteSubscriptions failed: {e}");
    }
    if let Err(e) = session.disconnect().await {
        eprintln!("mxgateway-bench-opcua client: closing the session failed: {e}");
    }

    let report = StreamReport {
        endpoint: args.endpoint,
        duration_seconds: args.duration_seconds,
        warmup_seconds: args.warmup_seconds,
        duration_ms: elapsed.as_secs_f64() * 1000.0,
        tags,
        total_events,
        conflated_events,
        sequence_gaps,
        latencies_ms,
    };
    if args.json {
        println!("{}", report.into_json());
    } else {
        let json = report.into_json();
        println!(
            "{} items, {} events in {} ms: {} events/s, conflated {}, sequence gaps {}",
            json["tags"],
            json["totalEvents"],
            json["durationMs"],
            json["eventsPerSecond"],
            json["conflatedEvents"],
            json["sequenceGaps"]
        );
        println!("latency ms: {}", json["latencyMs"]);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skipped_counters_are_conflated_unless_they_arrive_late() {
        let mut r = Recorder::new(2, 1);
        r.data_change(1, Some(1), None);
        r.measuring = true;
        r.data_change(1, Some(4), Some(1.0)); // 2 and 3 skipped
        assert_eq!(r.conflated_events, 2);
        r.data_change(1, Some(3), Some(1.0)); // 3 came after all
        assert_eq!(r.conflated_events, 1);
        r.data_change(1, Some(5), Some(1.0));
        r.data_change(2, Some(7), Some(1.0)); // first sight of item 2
        assert_eq!((r.total_events, r.conflated_events), (4, 1));
        assert_eq!(r.latencies_ms.len(), 4);
    }

    #[test]
    fn sequence_numbers_out_of_order_are_not_gaps() {
        let mut s = Sequences::default();
        s.received(10, true);
        s.received(12, true);
        s.received(11, true);
        s.received(15, true);
        assert_eq!(s.missing.iter().copied().collect::<Vec<_>>(), vec![13, 14]);
        s.received(13, true);
        assert_eq!(s.missing.len(), 1);
    }
}

//! `bench-read-bulk` and `bench-stream-events`: client-side benchmarks whose
//! JSON output is a contract shared with `mxgw-py` (`docs/cli-json.md`,
//! "Benchmarks"; the key lists are pinned in `fixtures/bench-schema.json`).
//!
//! Both open their own session, register, subscribe the tags (SubscribeBulk),
//! run a warm-up that is not measured, then measure for the given duration
//! and close the session; a failed close is reported on stderr, never
//! swallowed. Latencies of failed calls stay out of the latency summary.
//! Percentiles use one algorithm in every language: the samples sorted,
//! `rank = q * (n - 1)`, linear interpolation between the neighbouring ranks;
//! no samples give 0 and one sample gives itself. Figures are rounded to
//! three decimals.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use futures::StreamExt;
use mxgateway_client::Session;

use crate::args::{BenchReadBulkArgs, BenchStreamEventsArgs, ConnectArgs};
use crate::commands::{CliError, Printer};
use crate::json::Json;

/// The `q` quantile (0..=1) of ascending `sorted` samples.
pub fn percentile(sorted: &[f64], q: f64) -> f64 {
    match sorted.len() {
        0 => 0.0,
        1 => sorted[0],
        n => {
            let rank = q.clamp(0.0, 1.0) * (n - 1) as f64;
            let low = rank.floor() as usize;
            let high = rank.ceil() as usize;
            let fraction = rank - low as f64;
            sorted[low] + (sorted[high] - sorted[low]) * fraction
        }
    }
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

/// `{p50, p95, p99, max, mean}` of the samples (milliseconds), rounded.
pub fn latency_summary(mut samples: Vec<f64>) -> Json {
    samples.sort_by(f64::total_cmp);
    let mean = if samples.is_empty() {
        0.0
    } else {
        samples.iter().sum::<f64>() / samples.len() as f64
    };
    Json::obj([
        ("p50", Json::from(round3(percentile(&samples, 0.50)))),
        ("p95", Json::from(round3(percentile(&samples, 0.95)))),
        ("p99", Json::from(round3(percentile(&samples, 0.99)))),
        (
            "max",
            Json::from(round3(samples.last().copied().unwrap_or(0.0))),
        ),
        ("mean", Json::from(round3(mean))),
    ])
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn seconds(s: f64, flag: &str) -> anyhow::Result<Duration> {
    Duration::try_from_secs_f64(s).map_err(|_| {
        CliError::new(
            "usage",
            format!("{flag} must be a non-negative number of seconds"),
        )
        .into()
    })
}

/// Tags per SubscribeBulk call: the gateway's default `max_bulk_items`, so a
/// benchmark of any size works against a gateway with default limits.
pub const SUBSCRIBE_CHUNK: usize = 10_000;

/// Opens the bench's session with its tags subscribed; returns the session
/// and the server handle.
async fn bench_session(
    connect: &ConnectArgs,
    client_name: &str,
    tags: &[String],
) -> anyhow::Result<(Session, i32)> {
    if tags.is_empty() {
        return Err(CliError::new("usage", "a benchmark needs at least one --item").into());
    }
    let client = crate::commands::connect(connect).await?;
    let session = client.open_session(client_name).await?;
    let subscribed = async {
        let server = session.register(client_name).await.context("register")?;
        let mut results = Vec::with_capacity(tags.len());
        for chunk in tags.chunks(SUBSCRIBE_CHUNK) {
            results.extend(
                session
                    .subscribe_bulk(server, chunk)
                    .await
                    .context("subscribe-bulk")?,
            );
        }
        if let Some(failed) = results.iter().find(|r| !r.was_successful) {
            return Err(CliError::new(
                "command",
                format!(
                    "subscribing {} failed: {}",
                    failed.item_definition, failed.message
                ),
            )
            .into());
        }
        Ok(server)
    }
    .await;
    match subscribed {
        Ok(server) => Ok((session, server)),
        Err(e) => {
            close_reporting(&session).await;
            Err(e)
        }
    }
}

async fn close_reporting(session: &Session) {
    if let Err(e) = session.close().await {
        eprintln!(
            "mxgw: warning: closing benchmark session {} failed: {e}",
            session.id()
        );
    }
}

fn tags_of(items: &[String], file: Option<&std::path::Path>) -> anyhow::Result<Vec<String>> {
    Ok(crate::items::references(items, file)?)
}

/// `mxgw bench-read-bulk`.
pub async fn read_bulk(a: BenchReadBulkArgs, out: &Printer) -> anyhow::Result<()> {
    let duration = seconds(a.duration_seconds, "--duration-seconds")?;
    let warmup = seconds(a.warmup_seconds, "--warmup-seconds")?;
    let tags = tags_of(&a.entries.items, a.entries.items_file.as_deref())?;
    let bulk_size = match a.bulk_size {
        0 => tags.len().max(1),
        n => n as usize,
    };
    let (session, server) = bench_session(&a.connect, &a.client_name, &tags).await?;
    // Calls walk the tag list in windows of `bulk_size`, wrapping around.
    let mut next = 0usize;
    let mut window = || {
        let batch: Vec<&str> = (0..bulk_size)
            .map(|i| tags[(next + i) % tags.len()].as_str())
            .collect();
        next = (next + bulk_size) % tags.len();
        batch
    };
    // Whatever happens from here, the session is closed (a failed warm-up
    // call must not leave it, and its worker, behind).
    let measured = async {
        let warm_until = Instant::now() + warmup;
        while Instant::now() < warm_until {
            // Warm-up failures are not counted, but a gateway that is down fails now.
            session.read_bulk(server, window(), a.timeout_ms).await?;
        }
        let mut latencies = Vec::new();
        let (mut calls, mut failed, mut results, mut cached) = (0u64, 0u64, 0u64, 0u64);
        let started = Instant::now();
        while started.elapsed() < duration || calls == 0 {
            let call = Instant::now();
            let outcome = session.read_bulk(server, window(), a.timeout_ms).await;
            let took = call.elapsed();
            calls += 1;
            match outcome {
                Ok(entries) => {
                    latencies.push(millis(took));
                    results += entries.len() as u64;
                    cached += entries.iter().filter(|e| e.was_cached).count() as u64;
                }
                Err(e) => {
                    failed += 1;
                    eprintln!("mxgw: warning: read-bulk call failed: {e}");
                }
            }
        }
        anyhow::Ok((calls, failed, results, cached, latencies, started.elapsed()))
    }
    .await;
    close_reporting(&session).await;
    let (calls, failed, results, cached, latencies, elapsed) = measured?;
    let successful = calls - failed;
    out.result(&Json::obj([
        ("language", Json::from("rust")),
        ("command", Json::from("bench-read-bulk")),
        ("endpoint", Json::from(a.connect.endpoint.as_str())),
        ("clientName", Json::from(a.client_name.as_str())),
        ("bulkSize", Json::from(bulk_size as u64)),
        ("durationSeconds", Json::from(a.duration_seconds)),
        ("warmupSeconds", Json::from(a.warmup_seconds)),
        ("durationMs", Json::from(round3(millis(elapsed)))),
        ("tags", Json::from(tags.len() as u64)),
        ("totalCalls", Json::from(calls)),
        ("successfulCalls", Json::from(successful)),
        ("failedCalls", Json::from(failed)),
        ("totalReadResults", Json::from(results)),
        ("cachedReadResults", Json::from(cached)),
        (
            "callsPerSecond",
            Json::from(round3(successful as f64 / elapsed.as_secs_f64())),
        ),
        ("latencyMs", latency_summary(latencies)),
    ]))?;
    Ok(())
}

/// Milliseconds from a source timestamp to now (negative clock skew counts as 0).
fn age_ms(t: &prost_types::Timestamp, now: SystemTime) -> f64 {
    let now = now
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs_f64();
    let source = t.seconds as f64 + f64::from(t.nanos) / 1e9;
    ((now - source) * 1000.0).max(0.0)
}

/// What the measured part of an event stream showed.
#[derive(Debug, Default, PartialEq)]
pub struct StreamTally {
    pub events: u64,
    pub data_changes: u64,
    pub conflated: u64,
    pub sequence_gaps: u64,
    last_sequence: Option<u64>,
}

impl StreamTally {
    /// Counts one batch: its events, the gateway's conflation since the last
    /// batch, and sequence numbers skipped (conflated or lost events).
    pub fn batch(&mut self, reply: &mxgateway_client::proto::StreamEventsReply) {
        self.conflated += reply.conflated_since_last;
        for event in &reply.events {
            self.events += 1;
            if let Some(last) = self.last_sequence {
                self.sequence_gaps += event.worker_sequence.saturating_sub(last + 1);
            }
            self.last_sequence = Some(event.worker_sequence);
        }
    }
}

/// `mxgw bench-stream-events`.
pub async fn stream_events(a: BenchStreamEventsArgs, out: &Printer) -> anyhow::Result<()> {
    use mxgateway_client::proto::mx_event::Kind;
    let duration = seconds(a.duration_seconds, "--duration-seconds")?;
    let warmup = seconds(a.warmup_seconds, "--warmup-seconds")?;
    let tags = tags_of(&a.entries.items, a.entries.items_file.as_deref())?;
    let (session, _server) = bench_session(&a.connect, &a.client_name, &tags).await?;
    let measured = async {
        let mut batches = session
            .stream_event_batches()
            .await
            .context("stream-events")?;
        let mut deadline = tokio::time::Instant::now() + warmup;
        let mut tally = StreamTally::default();
        let mut latencies = Vec::new();
        // Set when the warm-up ends; the measured window runs from then.
        let mut started: Option<Instant> = None;
        loop {
            let batch = tokio::select! {
                b = batches.next() => b,
                () = tokio::time::sleep_until(deadline) => {
                    if started.is_none() {
                        started = Some(Instant::now());
                        deadline = tokio::time::Instant::now() + duration;
                        continue;
                    }
                    break;
                }
            };
            let batch = match batch {
                Some(b) => b.context("stream-events")?,
                None => {
                    return Err(CliError::new("transport", "the event stream ended").into());
                }
            };
            if started.is_none() {
                continue;
            }
            let now = SystemTime::now();
            tally.batch(&batch);
            for event in &batch.events {
                if let Some(Kind::DataChange(change)) = &event.kind {
                    tally.data_changes += 1;
                    if let Some(t) = &change.timestamp {
                        latencies.push(age_ms(t, now));
                    }
                }
            }
        }
        let elapsed = started.map(|s| s.elapsed()).unwrap_or_default();
        anyhow::Ok((tally, latencies, elapsed))
    }
    .await;
    close_reporting(&session).await;
    let (tally, latencies, elapsed) = measured?;
    let seconds = elapsed.as_secs_f64().max(f64::MIN_POSITIVE);
    out.result(&Json::obj([
        ("language", Json::from("rust")),
        ("command", Json::from("bench-stream-events")),
        ("endpoint", Json::from(a.connect.endpoint.as_str())),
        ("clientName", Json::from(a.client_name.as_str())),
        ("durationSeconds", Json::from(a.duration_seconds)),
        ("warmupSeconds", Json::from(a.warmup_seconds)),
        ("durationMs", Json::from(round3(millis(elapsed)))),
        ("tags", Json::from(tags.len() as u64)),
        ("totalEvents", Json::from(tally.events)),
        ("dataChanges", Json::from(tally.data_changes)),
        (
            "eventsPerSecond",
            Json::from(round3(tally.events as f64 / seconds)),
        ),
        ("conflatedEvents", Json::from(tally.conflated)),
        ("sequenceGaps", Json::from(tally.sequence_gaps)),
        ("latencyMs", latency_summary(latencies)),
    ]))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_follow_the_cross_language_algorithm() {
        assert_eq!(percentile(&[], 0.5), 0.0);
        assert_eq!(percentile(&[7.0], 0.99), 7.0);
        let five = [10.0, 20.0, 30.0, 40.0, 50.0];
        assert_eq!(percentile(&five, 0.5), 30.0);
        assert!((percentile(&five, 0.95) - 48.0).abs() < 1e-9);
        assert!((percentile(&five, 0.99) - 49.6).abs() < 1e-9);
        assert_eq!(percentile(&five, 1.0), 50.0);
        assert_eq!(percentile(&five, 0.0), 10.0);
    }

    #[test]
    fn the_summary_has_the_contract_keys_and_rounds_to_three_decimals() {
        let summary = latency_summary(vec![0.0004, 1.23456, 2.0]).render();
        assert_eq!(
            summary,
            r#"{"p50":1.235,"p95":1.923,"p99":1.985,"max":2.0,"mean":1.078}"#
        );
        assert_eq!(
            latency_summary(Vec::new()).render(),
            r#"{"p50":0.0,"p95":0.0,"p99":0.0,"max":0.0,"mean":0.0}"#
        );
    }

    #[test]
    fn sequence_gaps_count_the_skipped_numbers() {
        use mxgateway_client::proto::{MxEvent, StreamEventsReply};
        let reply = |seqs: &[u64], conflated: u64| StreamEventsReply {
            events: seqs
                .iter()
                .map(|&s| MxEvent {
                    worker_sequence: s,
                    ..Default::default()
                })
                .collect(),
            conflated_since_last: conflated,
            conflated_total: 0,
        };
        let mut tally = StreamTally::default();
        tally.batch(&reply(&[5, 6, 9], 2));
        tally.batch(&reply(&[10, 14], 3));
        assert_eq!(tally.events, 5);
        assert_eq!(tally.sequence_gaps, 2 + 3);
        assert_eq!(tally.conflated, 5);
    }
}

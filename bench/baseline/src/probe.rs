//! `mxgateway-bench-probe`: the gateway figures that are not a stream rate.
//!
//! - `sessions`: OpenSession latency including the worker start, one session
//!   at a time (`--count`), then `--concurrent` sessions opened all at once
//!   (how many opened, how many failed, and how long the slowest took).
//! - `write-latency`: a write in one session to the OnDataChange it raises in
//!   another, at light load: session A advises the item and streams its
//!   events, session B writes a fresh value every `--interval-ms`; the time
//!   from just before B's Write call to A receiving that value is one sample.
//!
//! - `memory`: gateway plus worker memory per advised item. It reads the
//!   resident memory of the gateway (`--gateway-pid`) and its child processes
//!   from `/proc` after opening a session, subscribes every tag of
//!   `--items-file` while draining the event stream (as a client would), waits
//!   for the initial values to be delivered, and reads it again: the growth
//!   divided by the tags is the cost of one advised item. The galaxy's own points
//!   exist before and after, so they are not counted. Linux only.
//!
//! Each prints one JSON line; latencies use the percentile algorithm of the
//! bench commands (`fixtures/bench-schema.json`). A tool under `bench/`, run
//! by `bench/run`; never a dependency of the product.

#![forbid(unsafe_code)]

use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{Parser, Subcommand};
use futures::StreamExt;
use mxgateway_client::proto::mx_event;
use mxgateway_client::proto::mx_value::Kind as WireKind;
use mxgateway_client::{ClientOptions, GatewayClient, Session, TlsOptions};
use mxgateway_mx::MxValue;

#[derive(Debug, Parser)]
#[command(
    version,
    about = "Gateway probes for bench/run: session start and write latency."
)]
struct Args {
    /// The gateway, e.g. 127.0.0.1:5001 (plaintext).
    #[arg(long)]
    endpoint: String,
    /// Environment variable holding the API key.
    #[arg(long, default_value = "MXGW_BENCH_KEY")]
    api_key_env: String,
    #[command(subcommand)]
    probe: Probe,
}

#[derive(Debug, Subcommand)]
enum Probe {
    /// OpenSession latency, sequential then concurrent.
    Sessions {
        /// Sessions opened (and closed) one after another.
        #[arg(long, default_value_t = 50)]
        count: usize,
        /// Sessions opened at the same moment.
        #[arg(long, default_value_t = 200)]
        concurrent: usize,
    },
    /// Resident memory of the gateway and its workers per advised item.
    Memory {
        /// Tags to subscribe, one per line.
        #[arg(long)]
        items_file: std::path::PathBuf,
        /// The gateway process (its child processes are its workers).
        #[arg(long)]
        gateway_pid: u32,
    },
    /// Write in one session → OnDataChange in another.
    WriteLatency {
        /// A writable Double attribute.
        #[arg(long)]
        item: String,
        /// Writes measured.
        #[arg(long, default_value_t = 500)]
        count: usize,
        /// Pause between writes (light load).
        #[arg(long, default_value_t = 5)]
        interval_ms: u64,
    },
}

/// The value at rank `q * (n - 1)` of sorted samples, interpolated linearly
/// (the algorithm of `fixtures/bench-schema.json`, as in `mxgw`).
fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = q * (sorted.len() - 1) as f64;
    let low = rank.floor() as usize;
    let high = rank.ceil() as usize;
    sorted[low] + (sorted[high] - sorted[low]) * (rank - low as f64)
}

/// Rounded to 3 decimals, halves away from zero.
fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

fn latency_summary(mut samples: Vec<f64>) -> serde_json::Value {
    samples.sort_by(f64::total_cmp);
    let mean = if samples.is_empty() {
        0.0
    } else {
        samples.iter().sum::<f64>() / samples.len() as f64
    };
    serde_json::json!({
        "p50": round3(percentile(&samples, 0.50)),
        "p95": round3(percentile(&samples, 0.95)),
        "p99": round3(percentile(&samples, 0.99)),
        "max": round3(samples.last().copied().unwrap_or(0.0)),
        "mean": round3(mean),
    })
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn sessions(
    client: &GatewayClient,
    count: usize,
    concurrent: usize,
) -> anyhow::Result<serde_json::Value> {
    let mut sequential = Vec::with_capacity(count);
    let mut closes = Vec::with_capacity(count);
    for i in 0..count {
        let started = Instant::now();
        let session = client
            .open_session(&format!("probe-seq-{i}"))
            .await
            .context("OpenSession")?;
        sequential.push(millis(started.elapsed()));
        let started = Instant::now();
        session.close().await.context("CloseSession")?;
        closes.push(millis(started.elapsed()));
    }
    let started = Instant::now();
    let opened = futures::future::join_all((0..concurrent).map(|i| async move {
        let t = Instant::now();
        let result = client.open_session(&format!("probe-con-{i}")).await;
        (result, millis(t.elapsed()))
    }))
    .await;
    let wall = millis(started.elapsed());
    let mut latencies = Vec::new();
    let mut failures = Vec::new();
    let mut open = Vec::new();
    for (result, ms) in opened {
        match result {
            Ok(session) => {
                latencies.push(ms);
                open.push(session);
            }
            Err(e) => failures.push(e.to_string()),
        }
    }
    let closed = futures::future::join_all(open.iter().map(|s| s.close())).await;
    if let Some(Err(e)) = closed.into_iter().find(Result::is_err) {
        return Err(e).context("CloseSession");
    }
    failures.dedup();
    Ok(serde_json::json!({
        "probe": "sessions",
        "sequentialCount": count,
        "sequentialOpenMs": latency_summary(sequential),
        "sequentialCloseMs": latency_summary(closes),
        "concurrentCount": concurrent,
        "concurrentOpened": open.len(),
        "concurrentFailed": concurrent - open.len(),
        "concurrentWallMs": round3(wall),
        "concurrentOpenMs": latency_summary(latencies),
        "firstFailures": failures.into_iter().take(3).collect::<Vec<_>>(),
    }))
}

/// Resident bytes of `pid` alone (Linux `/proc`).
fn own_resident_bytes(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("reading /proc/{pid}/status"))?;
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .context("no VmRSS")?;
    Ok(kib * 1024)
}

/// Resident bytes of `pid`'s children, recursively.
fn children_resident_bytes(pid: u32) -> anyhow::Result<u64> {
    let mut total = 0;
    for task in std::fs::read_dir(format!("/proc/{pid}/task"))? {
        let children = std::fs::read_to_string(task?.path().join("children")).unwrap_or_default();
        for child in children.split_whitespace().filter_map(|c| c.parse().ok()) {
            total += own_resident_bytes(child).unwrap_or(0) + children_resident_bytes(child)?;
        }
    }
    Ok(total)
}

async fn memory(
    client: &GatewayClient,
    items_file: &std::path::Path,
    gateway_pid: u32,
) -> anyhow::Result<serde_json::Value> {
    let tags: Vec<String> = std::fs::read_to_string(items_file)
        .with_context(|| format!("reading {}", items_file.display()))?
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect();
    let session = client.open_session("probe-memory").await?;
    let result = async {
        let server = session.register("probe-memory").await?;
        let mut events = session.stream_event_batches().await?;
        let delivered = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let drain = tokio::spawn({
            let delivered = delivered.clone();
            async move {
                while let Some(Ok(batch)) = events.next().await {
                    delivered.fetch_add(
                        batch.events.len() as u64,
                        std::sync::atomic::Ordering::Relaxed,
                    );
                }
            }
        });
        let before = (
            own_resident_bytes(gateway_pid)?,
            children_resident_bytes(gateway_pid)?,
        );
        let started = Instant::now();
        for chunk in tags.chunks(10_000) {
            let results = session.subscribe_bulk(server, chunk).await?;
            if let Some(bad) = results.iter().find(|r| !r.was_successful) {
                anyhow::bail!(
                    "subscribing {} failed: {}",
                    bad.item_definition,
                    bad.message
                );
            }
        }
        let subscribe_ms = millis(started.elapsed());
        // Every advised item raises its initial value; wait until they are all
        // through, so queued events are not counted as the items' cost.
        let deadline = Instant::now() + Duration::from_secs(120);
        while delivered.load(std::sync::atomic::Ordering::Relaxed) < tags.len() as u64
            && Instant::now() < deadline
        {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let after = (
            own_resident_bytes(gateway_pid)?,
            children_resident_bytes(gateway_pid)?,
        );
        drain.abort();
        anyhow::Ok((
            before,
            after,
            subscribe_ms,
            delivered.load(std::sync::atomic::Ordering::Relaxed),
        ))
    }
    .await;
    session.close().await.ok();
    let (before, after, subscribe_ms, delivered) = result?;
    let per_item = |b: u64, a: u64| round3(a.saturating_sub(b) as f64 / tags.len().max(1) as f64);
    Ok(serde_json::json!({
        "probe": "memory",
        "items": tags.len(),
        "subscribeMs": round3(subscribe_ms),
        "initialValuesDelivered": delivered,
        "gatewayResidentBytes": [before.0, after.0],
        "workerResidentBytes": [before.1, after.1],
        "gatewayBytesPerItem": per_item(before.0, after.0),
        "workerBytesPerItem": per_item(before.1, after.1),
        "bytesPerItem": per_item(before.0 + before.1, after.0 + after.1),
    }))
}

async fn advised(session: &Session, item: &str) -> anyhow::Result<(i32, i32)> {
    let server = session.register("probe").await.context("Register")?;
    let handle = session.add_item(server, item).await.context("AddItem")?;
    session.advise(server, handle).await.context("Advise")?;
    Ok((server, handle))
}

async fn write_latency(
    client: &GatewayClient,
    item: &str,
    count: usize,
    interval: Duration,
) -> anyhow::Result<serde_json::Value> {
    let reader = client.open_session("probe-reader").await?;
    let writer = client.open_session("probe-writer").await?;
    let result = async {
        let (_, read_handle) = advised(&reader, item).await?;
        let mut events = reader.stream_event_batches().await?;
        let (server, handle) = advised(&writer, item).await?;
        // Values no generator produces, so a match is our write.
        let base = 7_000_000.0 + f64::from(std::process::id() % 1000) * 1000.0;
        let mut samples = Vec::with_capacity(count);
        for i in 0..count {
            let value = base + i as f64 + 0.5;
            let started = Instant::now();
            let reply = writer
                .write(server, handle, &MxValue::Double(value), 0)
                .await
                .context("Write")?;
            anyhow::ensure!(reply.hresult == 0, "Write failed: {reply:?}");
            let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
            'wait: loop {
                let batch = tokio::time::timeout_at(deadline, events.next())
                    .await
                    .context("no data change within 5 s of a write")?
                    .context("the event stream ended")??;
                for event in &batch.events {
                    if event.item_handle != read_handle {
                        continue;
                    }
                    if let Some(mx_event::Kind::DataChange(change)) = &event.kind {
                        if let Some(WireKind::DoubleValue(v)) =
                            change.value.as_ref().and_then(|v| v.kind.as_ref())
                        {
                            if *v == value {
                                samples.push(millis(started.elapsed()));
                                break 'wait;
                            }
                        }
                    }
                }
            }
            tokio::time::sleep(interval).await;
        }
        anyhow::Ok(samples)
    }
    .await;
    reader.close().await.ok();
    writer.close().await.ok();
    let samples = result?;
    Ok(serde_json::json!({
        "probe": "write-latency",
        "item": item,
        "writes": samples.len(),
        "intervalMs": millis(interval),
        "latencyMs": latency_summary(samples),
    }))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let key = std::env::var(&args.api_key_env)
        .with_context(|| format!("${} holds no API key", args.api_key_env))?;
    let client = GatewayClient::connect(
        ClientOptions::new(args.endpoint.clone())
            .with_api_key(key)
            .with_tls(TlsOptions::plaintext())
            .with_timeout(Duration::from_secs(60)),
    )
    .await?;
    let out = match args.probe {
        Probe::Sessions { count, concurrent } => sessions(&client, count, concurrent).await?,
        Probe::Memory {
            items_file,
            gateway_pid,
        } => memory(&client, &items_file, gateway_pid).await?,
        Probe::WriteLatency {
            item,
            count,
            interval_ms,
        } => write_latency(&client, &item, count, Duration::from_millis(interval_ms)).await?,
    };
    println!("{out}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_follow_the_shared_fixture() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../fixtures/bench-schema.json"
        );
        let fixture: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let samples: Vec<f64> = fixture["percentiles"]["samples"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        assert_eq!(latency_summary(samples), fixture["percentiles"]["expected"]);
    }
}

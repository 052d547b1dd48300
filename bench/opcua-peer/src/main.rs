//! `mxgateway-bench-opcua`: the OPC UA peer of the benchmark harness
//! (`bench/run`, issue 7). A benchmark tool, never a product dependency: it
//! lives in its own cargo workspace, which the product workspace excludes.
//!
//! Two subcommands, both built on `async-opcua`:
//!
//! - `server --listen 127.0.0.1:0 --objects O --attributes A --scan-ms S`
//!   serves O×A Double variables (`GenObj_000001/Attr_0001` ..., the names of
//!   the gateway's `--generated-galaxy OxA@S`), all changing once every S ms,
//!   so it offers O×A×1000/S changes per second, as the gateway does (the
//!   scan spread over the period in slices, as the gateway's simulator). Each
//!   value is a per-variable counter (the number of the scan), and each change
//!   carries SourceTimestamp = the wall clock of that scan. It prints
//!   `listening on opc.tcp://HOST:PORT/` once it is bound.
//! - `client --endpoint opc.tcp://HOST:PORT/ --objects O --attributes A
//!   --duration-seconds D --warmup-seconds W --json` subscribes to every
//!   variable, lets W seconds pass unmeasured, measures D seconds and prints
//!   one JSON object with the keys of `bench-stream-events`
//!   (`fixtures/bench-schema.json`, `docs/cli-json.md` "Benchmarks").
//!
//! # What the client reports
//!
//! `totalEvents` and `dataChanges` count the data-change notifications
//! received while measuring; `eventsPerSecond` is `totalEvents` over the
//! measured time. `latencyMs` is, per notification, the time from its
//! SourceTimestamp to the moment the client's subscription callback sees it
//! (both clocks of this machine), with the percentile algorithm every bench
//! client shares. `conflatedEvents` counts the changes the server offered but
//! the client never saw: since each value is a counter, a notification that
//! jumps from n to n+k stands for k-1 lost changes (dropped by a full
//! monitored-item queue, a dropped notification message, or sampling).
//! `sequenceGaps` counts NotificationMessage sequence numbers skipped within
//! a subscription (whole publish messages lost). Changes still in flight when
//! the window closes are not counted either way.
//!
//! # Security
//!
//! The endpoint is `SecurityPolicy#None` with anonymous identity: this is a
//! loopback benchmark, and signing or encryption would measure the crypto,
//! which the gateway's plaintext runs do not pay either. Both sides keep
//! their (empty) PKI directory in a temporary directory removed on exit.
//!
//! # Tuning
//!
//! `async-opcua`'s defaults are made for small, slow address spaces and
//! silently coalesce or reject a benchmark's load. Every knob this tool sets,
//! and why, is listed in [`tuning`]; in short:
//!
//! - the server's subscription timer ticks every 1 ms (default 100 ms), its
//!   minimum publishing interval is 1 ms (default 100 ms) and its minimum
//!   sampling interval 0 (default 100 ms), so that a sampling interval of 0
//!   reports every change instead of resampling it;
//! - the client requests sampling interval 0, a 1 ms publishing interval,
//!   a monitored-item queue of 1000 values (default 1: only the latest value
//!   survives between two publishes) and at most 10,000 notifications per
//!   publish response, which the server allows (queue cap 10,000, no cap of
//!   its own on notifications per publish);
//! - the server keeps up to 10,000 notification messages per subscription
//!   waiting for publish requests (default 20, oldest dropped) and accepts
//!   64 outstanding publish requests per subscription (default 4);
//! - monitored items per subscription are unlimited (default 1000) and per
//!   call 100,000 (default 1000); the client creates them in calls of 5000;
//! - on both sides arrays may hold 10,000,000 elements (default 1000, which
//!   rejects any publish response of more than 1000 notifications), messages
//!   may be 256 MiB (default 327,675 bytes) in up to 4096 chunks (default 5)
//!   of up to 1 MiB (default 64 KiB).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

mod client;
mod report;
mod server;
pub mod tuning;

/// The OPC UA peer of the benchmark harness (bench/run).
#[derive(Parser)]
#[command(name = "mxgateway-bench-opcua", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serves OxA Double variables changing once every SCAN_MS.
    Server(ServerArgs),
    /// Subscribes to every variable of a `server` and measures the stream.
    Client(ClientArgs),
}

/// The shape of the generated address space, as in the gateway's
/// `--generated-galaxy OxA@SCAN_MS`.
#[derive(Args, Clone, Copy)]
pub struct Shape {
    /// Objects (`GenObj_000001` ...).
    #[arg(long, default_value_t = 100)]
    pub objects: usize,
    /// Double variables per object (`Attr_0001` ...).
    #[arg(long, default_value_t = 100)]
    pub attributes: usize,
}

impl Shape {
    pub fn items(&self) -> usize {
        self.objects * self.attributes
    }
}

#[derive(Args)]
pub struct ServerArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    #[command(flatten)]
    pub shape: Shape,
    /// Every variable changes once per scan of this many milliseconds.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..))]
    pub scan_ms: u64,
    /// Most variables set per slice of a scan (one `set_values` call, one
    /// SourceTimestamp); the default is the gateway simulator's.
    #[arg(long, default_value_t = server::SCAN_SLICE_POINTS, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub slice_points: usize,
}

#[derive(Args)]
pub struct ClientArgs {
    /// The server's endpoint URL, as `server` prints it.
    #[arg(long)]
    pub endpoint: String,
    #[command(flatten)]
    pub shape: Shape,
    /// Measured time.
    #[arg(long, default_value_t = 10.0)]
    pub duration_seconds: f64,
    /// Unmeasured time before measuring.
    #[arg(long, default_value_t = 2.0)]
    pub warmup_seconds: f64,
    /// Print one JSON object (the only output format with every figure).
    #[arg(long)]
    pub json: bool,
    /// Requested publishing interval of each subscription.
    #[arg(long, default_value_t = tuning::PUBLISHING_INTERVAL_MS, value_parser = clap::value_parser!(u64).range(1..))]
    pub publishing_ms: u64,
    /// Requested monitored-item queue size (values kept between publishes).
    #[arg(long, default_value_t = tuning::QUEUE_SIZE)]
    pub queue_size: u32,
    /// Requested maximum notifications per publish response (0: no limit).
    #[arg(long, default_value_t = tuning::MAX_NOTIFICATIONS_PER_PUBLISH)]
    pub max_notifications: u32,
    /// Subscriptions the items are spread over.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub subscriptions: u32,
}

/// A per-process scratch directory for async-opcua's PKI folders (it
/// creates them even for SecurityPolicy None), removed on drop.
pub struct ScratchDir(pub PathBuf);

impl ScratchDir {
    pub fn new(role: &str) -> Self {
        ScratchDir(std::env::temp_dir().join(format!(
            "mxgateway-bench-opcua-{role}-{}",
            std::process::id()
        )))
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Exit codes: 0 success, 1 a failed run (the error on stderr), 2 a usage
/// error (clap's).
fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(anyhow::Error::from)
        .and_then(|runtime| {
            let result = match cli.command {
                Command::Server(args) => runtime.block_on(server::run(args)),
                Command::Client(args) => runtime.block_on(client::run(args)),
            };
            // Leftover session tasks must not keep the process alive.
            runtime.shutdown_timeout(std::time::Duration::from_millis(500));
            result
        });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mxgateway-bench-opcua: {e:#}");
            ExitCode::FAILURE
        }
    }
}

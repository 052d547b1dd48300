//! Worker supervision: spawning one `mxgateway-worker` per session, the
//! handshake, command routing by correlation id, heartbeats and the hang
//! watchdog, and turning a worker's death into data for its session.
//!
//! Tasks per worker (all stop when the worker dies):
//! - writer: owns the child's stdin; sends commands and heartbeats;
//! - reader: owns the child's stdout; routes replies, pushes event batches
//!   into the session's queue (never waiting on a consumer), notes heartbeats;
//! - monitor: owns the child; waits for its exit or kills it on request, then
//!   fails every pending call with the exit status;
//! - watchdog: sends heartbeats and kills a worker that stops answering.
//!
//! This is the only module that starts processes.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mxgateway_proto::passthrough::{RawMxCommandReply, WorkerFrame};
use mxgateway_proto::v1::MxCommand;
use mxgateway_proto::worker::{
    gateway_to_worker, worker_to_gateway, CommandRequest, GatewayToWorker, Heartbeat, Init,
    Shutdown, TagConstraints, WorkerToGateway,
};
use mxgateway_worker_protocol::{FrameError, FrameReader, FrameWriter, WORKER_PROTOCOL_VERSION};
use tokio::io::AsyncBufReadExt;
use tokio::process::{Child, Command};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use crate::config::Limits;
use crate::error::GatewayError;
use crate::events::{EventQueue, StreamEnd};

/// Frames waiting for the worker's stdin.
const TO_WORKER_FRAMES: usize = 1024;
/// Lines of worker stderr kept to explain a death.
const STDERR_TAIL_LINES: usize = 10;

/// Where the plant link listens, for the worker's Init.
#[derive(Debug, Clone)]
pub struct PlantEndpoint {
    pub address: String,
    pub token: String,
}

/// How to start a worker process.
#[derive(Debug, Clone)]
pub struct WorkerCommand {
    pub program: PathBuf,
    pub args: Vec<String>,
}

impl WorkerCommand {
    /// The worker built into a gateway binary: `<program> worker`.
    pub fn embedded(gateway_binary: PathBuf) -> Self {
        WorkerCommand {
            program: gateway_binary,
            args: vec!["worker".to_string()],
        }
    }

    /// A standalone worker executable (e.g. `mxgateway-worker`, or the
    /// Windows COM worker), run without arguments.
    pub fn standalone(program: PathBuf) -> Self {
        WorkerCommand {
            program,
            args: Vec::new(),
        }
    }

    /// The configured worker, else this very binary in worker mode.
    pub fn resolve(configured: Option<&Path>) -> Result<Self, GatewayError> {
        match configured {
            Some(path) => Ok(Self::standalone(path.to_path_buf())),
            None => std::env::current_exe()
                .map(Self::embedded)
                .map_err(|e| GatewayError::Internal(format!("cannot find own executable: {e}"))),
        }
    }
}

struct Shared {
    session_id: String,
    pending: Mutex<HashMap<u64, oneshot::Sender<RawMxCommandReply>>>,
    /// Set once, when the worker is gone; the reason for every later call.
    failure: Mutex<Option<String>>,
    dead: CancellationToken,
    kill: CancellationToken,
    kill_reason: Mutex<Option<String>>,
    last_heard: Mutex<Instant>,
    stderr_tail: Mutex<Vec<String>>,
}

impl Shared {
    fn fail(&self, reason: String) {
        let mut failure = self.failure.lock().unwrap_or_else(|p| p.into_inner());
        if failure.is_none() {
            *failure = Some(reason);
        }
        drop(failure);
        self.pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
        self.dead.cancel();
    }

    fn failure(&self) -> String {
        self.failure
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .unwrap_or_else(|| "the session's worker is gone".to_string())
    }
}

/// A running worker process. Dropping it does not stop the worker; call
/// [`Worker::shutdown`] (the session manager does).
pub struct Worker {
    shared: Arc<Shared>,
    to_worker: mpsc::Sender<GatewayToWorker>,
    next_correlation: AtomicU64,
    pub pid: u32,
    pub backend: String,
}

impl Worker {
    /// Starts a worker, runs the handshake and its tasks.
    pub async fn spawn(
        command: &WorkerCommand,
        session_id: &str,
        plant: &PlantEndpoint,
        limits: &Limits,
        constraints: TagConstraints,
        events: Arc<EventQueue>,
    ) -> Result<Worker, GatewayError> {
        let mut child = Command::new(&command.program)
            .args(&command.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| {
                GatewayError::Internal(format!("cannot start {}: {e}", command.program.display()))
            })?;
        let pid = child.id().unwrap_or(0);
        let stdin = child
            .stdin
            .take()
            .ok_or_else(|| GatewayError::Internal("worker stdin missing".into()))?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| GatewayError::Internal("worker stdout missing".into()))?;
        let stderr = child.stderr.take();

        let shared = Arc::new(Shared {
            session_id: session_id.to_string(),
            pending: Mutex::new(HashMap::new()),
            failure: Mutex::new(None),
            dead: CancellationToken::new(),
            kill: CancellationToken::new(),
            kill_reason: Mutex::new(None),
            last_heard: Mutex::new(Instant::now()),
            stderr_tail: Mutex::new(Vec::new()),
        });
        if let Some(stderr) = stderr {
            tokio::spawn(stderr_loop(stderr, shared.clone()));
        }

        let mut writer = FrameWriter::new(stdin);
        let mut reader = FrameReader::new(stdout);
        let init = Init {
            protocol_version: WORKER_PROTOCOL_VERSION,
            session_id: session_id.to_string(),
            heartbeat_interval_ms: limits.heartbeat_interval.as_millis() as u32,
            heartbeat_grace_ms: limits.heartbeat_grace.as_millis() as u32,
            plant_address: plant.address.clone(),
            plant_token: plant.token.clone(),
            max_events_per_batch: limits.max_events_per_batch as u32,
            constraints: Some(constraints),
        };
        let handshake = async {
            writer
                .send(&GatewayToWorker {
                    message: Some(gateway_to_worker::Message::Init(init)),
                })
                .await
                .map_err(|e| format!("cannot send Init: {e}"))?;
            match reader.read::<WorkerToGateway>().await {
                Ok(Some(WorkerToGateway {
                    message: Some(worker_to_gateway::Message::Ready(ready)),
                })) => Ok(ready),
                Ok(_) => Err("the worker closed its pipe during the handshake".to_string()),
                Err(e) => Err(format!("bad handshake frame: {e}")),
            }
        };
        let ready = match tokio::time::timeout(limits.worker_start_timeout, handshake).await {
            Ok(Ok(ready)) => ready,
            outcome => {
                let why = match outcome {
                    Ok(Err(why)) => why,
                    _ => format!(
                        "no handshake within {} ms",
                        limits.worker_start_timeout.as_millis()
                    ),
                };
                let _ = child.start_kill();
                let status = tokio::time::timeout(Duration::from_secs(2), child.wait()).await;
                let status = match status {
                    Ok(Ok(s)) => s.to_string(),
                    _ => "unknown".to_string(),
                };
                let tail = shared
                    .stderr_tail
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .join(" | ");
                return Err(GatewayError::WorkerUnavailable(format!(
                    "the worker failed to start ({why}; exit status {status}){}",
                    if tail.is_empty() {
                        String::new()
                    } else {
                        format!("; stderr: {tail}")
                    }
                )));
            }
        };
        if ready.protocol_version != WORKER_PROTOCOL_VERSION {
            let _ = child.start_kill();
            return Err(GatewayError::WorkerUnavailable(format!(
                "worker protocol version {} does not match the gateway's {WORKER_PROTOCOL_VERSION}",
                ready.protocol_version
            )));
        }
        debug!(session = session_id, pid, "worker started");

        let (to_worker, from_gateway) = mpsc::channel(TO_WORKER_FRAMES);
        tokio::spawn(write_loop(writer, from_gateway, shared.clone()));
        tokio::spawn(read_loop(reader, shared.clone(), events.clone()));
        tokio::spawn(monitor(child, shared.clone(), events));
        tokio::spawn(watchdog(to_worker.clone(), shared.clone(), limits.clone()));

        Ok(Worker {
            shared,
            to_worker,
            next_correlation: AtomicU64::new(1),
            pid,
            backend: ready.backend,
        })
    }

    /// True once the worker has died or been killed.
    pub fn is_dead(&self) -> bool {
        self.shared.dead.is_cancelled()
    }

    /// Resolves when the worker is gone.
    pub async fn dead(&self) {
        self.shared.dead.cancelled().await
    }

    /// Why the worker is gone, if it is.
    pub fn failure(&self) -> Option<String> {
        self.shared
            .failure
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Sends one command and waits for its reply within `deadline`. The
    /// reply stays as the worker encoded it (`mxgateway_proto::passthrough`).
    pub async fn invoke(
        &self,
        command: MxCommand,
        deadline: Duration,
    ) -> Result<RawMxCommandReply, GatewayError> {
        if self.is_dead() {
            return Err(GatewayError::WorkerUnavailable(self.shared.failure()));
        }
        let correlation_id = self.next_correlation.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        self.shared
            .pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(correlation_id, tx);
        let frame = GatewayToWorker {
            message: Some(gateway_to_worker::Message::Command(CommandRequest {
                correlation_id,
                command: Some(command),
            })),
        };
        let forget = || {
            self.shared
                .pending
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&correlation_id);
        };
        let outcome = tokio::time::timeout(deadline, async {
            if self.to_worker.send(frame).await.is_err() {
                return Err(GatewayError::WorkerUnavailable(self.shared.failure()));
            }
            tokio::select! {
                reply = rx => reply.map_err(|_| GatewayError::WorkerUnavailable(self.shared.failure())),
                _ = self.shared.dead.cancelled() => Err(GatewayError::WorkerUnavailable(self.shared.failure())),
            }
        })
        .await;
        match outcome {
            Ok(result) => {
                if result.is_err() {
                    forget();
                }
                result
            }
            Err(_) => {
                forget();
                Err(GatewayError::DeadlineExceeded(deadline))
            }
        }
    }

    /// Asks the worker to exit, and kills it if it has not within `grace`.
    pub async fn shutdown(&self, grace: Duration) {
        if self.is_dead() {
            return;
        }
        let bye = GatewayToWorker {
            message: Some(gateway_to_worker::Message::Shutdown(Shutdown {})),
        };
        let _ = tokio::time::timeout(grace, self.to_worker.send(bye)).await;
        if tokio::time::timeout(grace, self.shared.dead.cancelled())
            .await
            .is_err()
        {
            self.kill("the worker did not stop when asked and was killed".into());
            self.shared.dead.cancelled().await;
        }
    }

    /// Kills the worker now; `reason` becomes the session's failure.
    pub fn kill(&self, reason: String) {
        *self
            .shared
            .kill_reason
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Some(reason);
        self.shared.kill.cancel();
    }
}

async fn write_loop(
    mut writer: FrameWriter<tokio::process::ChildStdin>,
    mut frames: mpsc::Receiver<GatewayToWorker>,
    shared: Arc<Shared>,
) {
    loop {
        let frame = tokio::select! {
            _ = shared.dead.cancelled() => return,
            frame = frames.recv() => frame,
        };
        let Some(frame) = frame else { return };
        if writer.write(&frame).await.is_err() {
            return;
        }
        while let Ok(more) = frames.try_recv() {
            if writer.write(&more).await.is_err() {
                return;
            }
        }
        if writer.flush().await.is_err() {
            return;
        }
    }
}

async fn read_loop(
    mut reader: FrameReader<tokio::process::ChildStdout>,
    shared: Arc<Shared>,
    events: Arc<EventQueue>,
) {
    loop {
        // Only the fields the gateway needs are read; events and replies are
        // forwarded as the worker encoded them.
        let frame = match reader.read_frame().await {
            Ok(Some(frame)) => WorkerFrame::parse(frame).map_err(FrameError::from),
            Ok(None) => return,
            Err(e) => Err(e),
        };
        let frame = match frame {
            Ok(frame) => frame,
            Err(e) => {
                warn!(session = %shared.session_id, error = %e, "bad frame from worker; killing it");
                *shared.kill_reason.lock().unwrap_or_else(|p| p.into_inner()) = Some(format!(
                    "the worker sent a malformed frame ({e}) and was killed"
                ));
                shared.kill.cancel();
                return;
            }
        };
        *shared.last_heard.lock().unwrap_or_else(|p| p.into_inner()) = Instant::now();
        match frame {
            WorkerFrame::Events(batch) => events.push_batch(batch),
            WorkerFrame::Reply {
                correlation_id,
                reply,
            } => {
                let waiter = shared
                    .pending
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .remove(&correlation_id);
                if let Some(waiter) = waiter {
                    let _ = waiter.send(reply);
                }
            }
            WorkerFrame::Other => {}
        }
    }
}

async fn monitor(mut child: Child, shared: Arc<Shared>, events: Arc<EventQueue>) {
    let status = tokio::select! {
        status = child.wait() => status,
        _ = shared.kill.cancelled() => {
            let _ = child.start_kill();
            child.wait().await
        }
    };
    let status = match status {
        Ok(s) => s.to_string(),
        Err(e) => format!("unknown ({e})"),
    };
    let killed = shared
        .kill_reason
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take();
    let reason = match killed {
        Some(why) => format!("{why} ({status})"),
        None => {
            let tail = shared
                .stderr_tail
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .join(" | ");
            let tail = if tail.is_empty() {
                String::new()
            } else {
                format!("; stderr: {tail}")
            };
            format!("the session's worker process exited ({status}){tail}")
        }
    };
    info!(session = %shared.session_id, %reason, "worker gone");
    shared.fail(crate::auth::redact(&reason));
    events.end(StreamEnd::Failed(shared.failure()));
}

async fn watchdog(to_worker: mpsc::Sender<GatewayToWorker>, shared: Arc<Shared>, limits: Limits) {
    let mut tick = tokio::time::interval(limits.heartbeat_interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut sequence = 0u64;
    loop {
        tokio::select! {
            _ = shared.dead.cancelled() => return,
            _ = tick.tick() => {}
        }
        sequence += 1;
        let hb = GatewayToWorker {
            message: Some(gateway_to_worker::Message::Heartbeat(Heartbeat {
                sequence,
            })),
        };
        // Never wait on a full pipe here: a stuck worker must not stall its watchdog.
        let _ = to_worker.try_send(hb);
        let silent = shared
            .last_heard
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .elapsed();
        if silent <= limits.heartbeat_grace {
            continue;
        }
        let busy = !shared
            .pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_empty();
        if busy && silent <= limits.heartbeat_ceiling {
            continue;
        }
        let reason = format!(
            "the session's worker stopped answering heartbeats for {} ms (grace {} ms) and was killed",
            silent.as_millis(),
            limits.heartbeat_grace.as_millis()
        );
        warn!(session = %shared.session_id, "{reason}");
        *shared.kill_reason.lock().unwrap_or_else(|p| p.into_inner()) = Some(reason);
        shared.kill.cancel();
        return;
    }
}

async fn stderr_loop(stderr: tokio::process::ChildStderr, shared: Arc<Shared>) {
    let mut lines = tokio::io::BufReader::new(stderr).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let line = crate::auth::redact(&line);
        debug!(session = %shared.session_id, "worker: {line}");
        let mut tail = shared.stderr_tail.lock().unwrap_or_else(|p| p.into_inner());
        if tail.len() == STDERR_TAIL_LINES {
            tail.remove(0);
        }
        tail.push(line);
    }
}

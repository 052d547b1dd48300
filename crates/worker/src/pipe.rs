//! The worker's main loop: handshake, command dispatch, event batching and the
//! heartbeat watchdog over the stdio pipe.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use mxgateway_plant_link::client::PlantClient;
use mxgateway_proto::passthrough::EventFrameBuilder;
use mxgateway_proto::worker::{
    gateway_to_worker, worker_to_gateway, CommandReply, GatewayToWorker, Heartbeat, Ready,
    WorkerToGateway,
};
use mxgateway_worker_protocol::{exit_code, FrameReader, FrameWriter, WORKER_PROTOCOL_VERSION};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;
use tracing::{error, info, warn};

use crate::backend::SimBackend;
use crate::semantics::{Handled, MxSession, TagConstraints};

/// Heartbeat frames waiting for the stdout writer. They overtake everything
/// else, so a busy event stream never makes the worker look hung.
const CONTROL_FRAMES: usize = 16;
/// Replies and event frames waiting for the stdout writer, in the order they
/// happened: a reply never overtakes an event raised before it (as with
/// MXAccess, no event of an item arrives after the RemoveItem that freed its
/// handle, which a new item may reuse).
const ORDERED_FRAMES: usize = 256;
/// Event frames among them. Kept short on purpose: when the gateway reads
/// slowly, the worker stops taking plant updates and the plant conflates
/// them, instead of a deep backlog building up here.
const EVENT_FRAMES: usize = 4;
/// Inbound frames read ahead from stdin.
const INBOUND_FRAMES: usize = 64;
/// Write outcomes waiting to become OnWriteComplete.
const WRITE_OUTCOMES: usize = 1024;
/// ReadBulk deadlines waiting for the main loop.
const READ_EXPIRIES: usize = 256;
/// Used when the gateway asks for an unbounded batch size.
const DEFAULT_EVENTS_PER_BATCH: usize = 8192;

fn message(m: worker_to_gateway::Message) -> WorkerToGateway {
    WorkerToGateway { message: Some(m) }
}

/// A frame of the ordered queue.
enum Ordered {
    Reply(WorkerToGateway),
    /// An encoded event frame and its place among the [`EVENT_FRAMES`].
    Events(Vec<u8>, OwnedSemaphorePermit),
}

/// Where the main loop sends replies and events, in order.
#[derive(Clone)]
struct OrderedOut {
    frames: mpsc::Sender<Ordered>,
    event_frames: Arc<Semaphore>,
}

impl OrderedOut {
    async fn reply(&self, reply: CommandReply) -> bool {
        let frame = message(worker_to_gateway::Message::Reply(reply));
        self.frames.send(Ordered::Reply(frame)).await.is_ok()
    }

    async fn events(&self, frame: Vec<u8>) -> bool {
        let Ok(permit) = self.event_frames.clone().acquire_owned().await else {
            return false;
        };
        self.frames
            .send(Ordered::Events(frame, permit))
            .await
            .is_ok()
    }
}

/// Runs the worker over the given pipe ends and returns the process exit code.
pub async fn run<R, W>(input: R, output: W) -> i32
where
    R: AsyncRead + Unpin + Send + 'static,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let mut reader = FrameReader::new(input);
    let init = match reader.read::<GatewayToWorker>().await {
        Ok(Some(GatewayToWorker {
            message: Some(gateway_to_worker::Message::Init(init)),
        })) => init,
        Ok(_) => {
            error!("the first frame from the gateway was not Init");
            return exit_code::USAGE;
        }
        Err(e) => {
            error!(error = %e, "cannot read Init");
            return exit_code::FAILURE;
        }
    };
    if init.protocol_version != WORKER_PROTOCOL_VERSION {
        error!(
            gateway = init.protocol_version,
            worker = WORKER_PROTOCOL_VERSION,
            "worker protocol version mismatch"
        );
        return exit_code::VERSION_MISMATCH;
    }
    let (plant, mut updates) = match PlantClient::connect(
        &init.plant_address,
        &init.plant_token,
        &init.session_id,
    )
    .await
    {
        Ok(link) => link,
        Err(e) => {
            error!(error = %e, "cannot reach the plant");
            return exit_code::BACKEND_FAILED;
        }
    };
    info!(session = %init.session_id, galaxy = plant.galaxy_name(), "worker ready");

    let (out_tx, out_rx) = mpsc::channel::<WorkerToGateway>(CONTROL_FRAMES);
    let (ordered_tx, ordered_rx) = mpsc::channel::<Ordered>(ORDERED_FRAMES);
    let ordered_out = OrderedOut {
        frames: ordered_tx,
        event_frames: Arc::new(Semaphore::new(EVENT_FRAMES)),
    };
    let writer = tokio::spawn(write_loop(FrameWriter::new(output), out_rx, ordered_rx));
    let ready = Ready {
        protocol_version: WORKER_PROTOCOL_VERSION,
        worker_version: env!("CARGO_PKG_VERSION").to_string(),
        backend: "sim".to_string(),
        process_id: std::process::id(),
    };
    if out_tx
        .send(message(worker_to_gateway::Message::Ready(ready)))
        .await
        .is_err()
    {
        return exit_code::FAILURE;
    }

    let (in_tx, mut inbound) = mpsc::channel::<GatewayToWorker>(INBOUND_FRAMES);
    // The gateway's liveness is judged where its frames arrive, not where they
    // are handled, so a busy main loop never mistakes a live gateway for a dead one.
    let started = Instant::now();
    let last_heard_ms = Arc::new(AtomicU64::new(0));
    let heard = last_heard_ms.clone();
    tokio::spawn(async move {
        loop {
            match reader.read::<GatewayToWorker>().await {
                Ok(Some(frame)) => {
                    heard.store(started.elapsed().as_millis() as u64, Ordering::Relaxed);
                    if in_tx.send(frame).await.is_err() {
                        break;
                    }
                }
                Ok(None) => break,
                // The main loop has ended (a Shutdown, a closed session): the
                // runtime is cancelling this read, which is no fault of the gateway.
                Err(_) if in_tx.is_closed() => break,
                Err(e) => {
                    error!(error = %e, "bad frame from the gateway");
                    break;
                }
            }
        }
    });

    let (done_tx, mut write_done) = mpsc::channel(WRITE_OUTCOMES);
    let constraints = init
        .constraints
        .as_ref()
        .map(|c| TagConstraints {
            read: mxgateway_mx::AllowList::new(&c.allow_read),
            write: mxgateway_mx::AllowList::new(&c.allow_write),
        })
        .unwrap_or_default();
    let mut session = MxSession::with_constraints(SimBackend::new(plant), done_tx, constraints);
    let (expiry_tx, mut expiries) = mpsc::channel::<u64>(READ_EXPIRIES);
    session.set_read_expiry(expiry_tx);
    let max_batch = match init.max_events_per_batch {
        0 => DEFAULT_EVENTS_PER_BATCH,
        n => n as usize,
    };
    let grace = Duration::from_millis(u64::from(init.heartbeat_grace_ms));
    let mut watchdog = tokio::time::interval(if grace.is_zero() {
        Duration::from_secs(3600)
    } else {
        grace / 4
    });
    // Data changes are encoded into frames as they are raised; other events
    // (write completions, buffered batches, what a command raised) pass
    // through `events` first.
    let mut frames = EventFrameBuilder::new(max_batch);
    let mut events = Vec::new();

    let code = loop {
        tokio::select! {
            frame = inbound.recv() => {
                let Some(frame) = frame else { break exit_code::OK };
                match frame.message {
                    Some(gateway_to_worker::Message::Heartbeat(hb)) => {
                        let echo = message(worker_to_gateway::Message::Heartbeat(Heartbeat { sequence: hb.sequence }));
                        if out_tx.send(echo).await.is_err() { break exit_code::OK }
                    }
                    Some(gateway_to_worker::Message::Command(request)) => {
                        let correlation_id = request.correlation_id;
                        let handled = session.handle(request.command.unwrap_or_default()).await;
                        match handled {
                            Handled::Now(reply) => {
                                let reply = CommandReply { correlation_id, reply: Some(reply) };
                                if !ordered_out.reply(reply).await {
                                    break exit_code::OK;
                                }
                                // Events the command raised follow its reply.
                                session.take_raised(&mut events);
                                if !send_events(&ordered_out, &mut frames, &mut events).await { break exit_code::OK }
                            }
                            Handled::Later(future) => {
                                let out = ordered_out.clone();
                                tokio::spawn(async move {
                                    let reply = CommandReply { correlation_id, reply: Some(future.await) };
                                    out.reply(reply).await;
                                });
                            }
                        }
                    }
                    Some(gateway_to_worker::Message::Shutdown(_)) => break exit_code::OK,
                    Some(gateway_to_worker::Message::Init(_)) => warn!("ignoring a second Init"),
                    None => {}
                }
            }
            batch = updates.recv() => {
                let Some(batch) = batch else {
                    error!("the plant link closed");
                    break exit_code::BACKEND_FAILED;
                };
                session.on_updates(batch.updates, &mut frames);
                // Take what else is already waiting, so one frame carries it all.
                while frames.len() < max_batch {
                    match updates.try_recv() {
                        Ok(more) => session.on_updates(more.updates, &mut frames),
                        Err(_) => break,
                    }
                }
                if let Err(why) = session.end_retired_reads().await {
                    error!(error = %why, "cannot end ReadBulk subscriptions");
                }
                if !send_events(&ordered_out, &mut frames, &mut events).await { break exit_code::OK }
            }
            expired = expiries.recv() => {
                if let Some(call_id) = expired {
                    session.expire_read(call_id);
                    if let Err(why) = session.end_retired_reads().await {
                        error!(error = %why, "cannot end ReadBulk subscriptions");
                    }
                }
            }
            done = write_done.recv() => {
                if let Some(done) = done {
                    events.push(session.on_write_done(done));
                    if !send_events(&ordered_out, &mut frames, &mut events).await { break exit_code::OK }
                }
            }
            _ = buffer_flush(session.next_buffer_flush()) => {
                session.flush_buffers(tokio::time::Instant::now(), &mut events);
                if !send_events(&ordered_out, &mut frames, &mut events).await { break exit_code::OK }
            }
            _ = watchdog.tick() => {
                let silent = started.elapsed().saturating_sub(Duration::from_millis(last_heard_ms.load(Ordering::Relaxed)));
                if !grace.is_zero() && silent > grace {
                    error!(grace_ms = grace.as_millis() as u64, "the gateway went silent; exiting");
                    break exit_code::GATEWAY_SILENT;
                }
            }
        }
    };
    drop(out_tx);
    drop(ordered_out);
    let _ = tokio::time::timeout(Duration::from_secs(2), writer).await;
    code
}

/// Completes when the session's next buffered flush is due; never when
/// nothing is buffered.
async fn buffer_flush(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Sends the built frames, after adding `events` (which it leaves empty) in
/// their order: what each frame holds was raised before anything later.
async fn send_events(
    out: &OrderedOut,
    frames: &mut EventFrameBuilder,
    events: &mut Vec<mxgateway_proto::v1::MxEvent>,
) -> bool {
    for event in events.drain(..) {
        frames.push(&event);
    }
    for frame in frames.take_frames() {
        if !out.events(frame).await {
            return false;
        }
    }
    true
}

async fn write_loop<W: AsyncWrite + Unpin>(
    mut writer: FrameWriter<W>,
    mut control: mpsc::Receiver<WorkerToGateway>,
    mut ordered: mpsc::Receiver<Ordered>,
) {
    /// A frame to write: a heartbeat, or one of the ordered queue.
    enum Out {
        Control(WorkerToGateway),
        Ordered(Ordered),
    }
    async fn write<W: AsyncWrite + Unpin>(
        writer: &mut FrameWriter<W>,
        frame: Out,
    ) -> Result<(), mxgateway_worker_protocol::FrameError> {
        match frame {
            Out::Control(frame) | Out::Ordered(Ordered::Reply(frame)) => writer.write(&frame).await,
            // The permit is released once the frame is written.
            Out::Ordered(Ordered::Events(frame, _permit)) => writer.write_encoded(&frame).await,
        }
    }
    let (mut control_open, mut ordered_open) = (true, true);
    while control_open || ordered_open {
        let frame = tokio::select! {
            biased;
            frame = control.recv(), if control_open => frame.map(Out::Control).or_else(|| { control_open = false; None }),
            frame = ordered.recv(), if ordered_open => frame.map(Out::Ordered).or_else(|| { ordered_open = false; None }),
        };
        let Some(frame) = frame else { continue };
        if write(&mut writer, frame).await.is_err() {
            return;
        }
        // Coalesce whatever is queued into one flush, control frames first.
        while let Ok(more) = control
            .try_recv()
            .map(Out::Control)
            .or_else(|_| ordered.try_recv().map(Out::Ordered))
        {
            if write(&mut writer, more).await.is_err() {
                return;
            }
        }
        if writer.flush().await.is_err() {
            return;
        }
    }
}

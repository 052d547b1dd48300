//! The worker test harness: the worker's `run` over in-memory pipes against a
//! real plant link server on loopback, driven frame by frame.

#![allow(dead_code)] // each test binary uses a different part

use std::time::Duration;

use mxgateway_plant_link::server::PlantLinkServer;
use mxgateway_proto::v1::{mx_command::Command, MxCommand, MxCommandReply};
use mxgateway_proto::worker::{
    gateway_to_worker, worker_to_gateway, CommandRequest, GatewayToWorker, Init, WorkerToGateway,
};
use mxgateway_sim::Plant;
use mxgateway_worker_protocol::{FrameReader, FrameWriter, WORKER_PROTOCOL_VERSION};
use tokio::io::{DuplexStream, ReadHalf, WriteHalf};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub const WAIT: Duration = Duration::from_secs(10);

pub struct Harness {
    pub to_worker: FrameWriter<WriteHalf<DuplexStream>>,
    pub from_worker: FrameReader<ReadHalf<DuplexStream>>,
    pub worker: tokio::task::JoinHandle<i32>,
    _cancel: tokio_util::sync::DropGuard,
    /// Events received but not yet looked at by `events_until`.
    pub backlog: std::collections::VecDeque<mxgateway_proto::v1::MxEvent>,
}

pub async fn start(init: impl FnOnce(&mut Init)) -> Harness {
    let cancel = CancellationToken::new();
    let tracker = TaskTracker::new();
    let plant = Plant::demo();
    let link = PlantLinkServer::start(plant, "token-1".into(), cancel.clone(), &tracker)
        .await
        .unwrap();
    let (gateway_side, worker_side) = tokio::io::duplex(1 << 16);
    let (worker_in, worker_out) = tokio::io::split(worker_side);
    let worker = tokio::spawn(mxgateway_worker::run(worker_in, worker_out));
    let (from_worker, to_worker) = tokio::io::split(gateway_side);
    let mut h = Harness {
        to_worker: FrameWriter::new(to_worker),
        from_worker: FrameReader::new(from_worker),
        worker,
        _cancel: cancel.drop_guard(),
        backlog: Default::default(),
    };
    let mut message = Init {
        protocol_version: WORKER_PROTOCOL_VERSION,
        session_id: "s-test".into(),
        heartbeat_interval_ms: 100,
        heartbeat_grace_ms: 0,
        plant_address: link.addr().to_string(),
        plant_token: link.token().to_string(),
        max_events_per_batch: 100,
        constraints: None,
    };
    init(&mut message);
    h.send(gateway_to_worker::Message::Init(message)).await;
    h
}

impl Harness {
    pub async fn send(&mut self, m: gateway_to_worker::Message) {
        self.to_worker
            .send(&GatewayToWorker { message: Some(m) })
            .await
            .unwrap();
    }

    pub async fn recv(&mut self) -> Option<worker_to_gateway::Message> {
        tokio::time::timeout(WAIT, self.from_worker.read::<WorkerToGateway>())
            .await
            .expect("a frame in time")
            .unwrap()
            .and_then(|f| f.message)
    }

    pub async fn command(&mut self, id: u64, command: Command) -> MxCommandReply {
        let request = CommandRequest {
            correlation_id: id,
            command: Some(MxCommand {
                command: Some(command),
            }),
        };
        self.send(gateway_to_worker::Message::Command(request))
            .await;
        loop {
            if let Some(worker_to_gateway::Message::Reply(r)) = self.recv().await {
                assert_eq!(r.correlation_id, id);
                return r.reply.unwrap();
            }
        }
    }
}

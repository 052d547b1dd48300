//! The shared MXAccess conformance cases (`fixtures/conformance.json`) through
//! the worker pipe protocol: commands as frames in, replies and event batches
//! as frames out, against the demo galaxy. See `mxgateway-conformance`.

mod harness;

use std::time::Duration;

use harness::*;
use mxgateway_conformance::Transport;
use mxgateway_proto::v1::{mx_command::Command, MxCommandReply, MxEvent};
use mxgateway_proto::worker::worker_to_gateway;

struct Pipe {
    h: Harness,
    next_id: u64,
}

impl Transport for Pipe {
    async fn command(&mut self, command: Command) -> MxCommandReply {
        self.next_id += 1;
        let id = self.next_id;
        // Replies come in order with events between them; events seen while
        // waiting stay in the harness backlog.
        let request = mxgateway_proto::worker::CommandRequest {
            correlation_id: id,
            command: Some(mxgateway_proto::v1::MxCommand {
                command: Some(command),
            }),
        };
        self.h
            .send(mxgateway_proto::worker::gateway_to_worker::Message::Command(request))
            .await;
        loop {
            match self.h.recv().await {
                Some(worker_to_gateway::Message::Reply(r)) => {
                    assert_eq!(r.correlation_id, id);
                    return r.reply.unwrap();
                }
                Some(worker_to_gateway::Message::Events(batch)) => {
                    self.h.backlog.extend(batch.events)
                }
                _ => {}
            }
        }
    }

    /// Exact here: the worker never sends a reply ahead of an event raised
    /// before it, so every event of the removed item is already held.
    fn discard_events_of(&mut self, item: i32) {
        self.h.backlog.retain(|e| e.item_handle != item);
    }

    async fn next_event(&mut self) -> Option<MxEvent> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(event) = self.h.backlog.pop_front() {
                return Some(event);
            }
            let frame = tokio::time::timeout_at(
                deadline,
                self.h
                    .from_worker
                    .read::<mxgateway_proto::worker::WorkerToGateway>(),
            )
            .await
            .ok()?
            .ok()??;
            if let Some(worker_to_gateway::Message::Events(batch)) = frame.message {
                self.h.backlog.extend(batch.events);
            }
        }
    }
}

#[tokio::test]
async fn every_conformance_case_holds_through_the_worker_protocol() {
    let mut h = start(|_| {}).await;
    assert!(matches!(
        h.recv().await,
        Some(worker_to_gateway::Message::Ready(_))
    ));
    let mut pipe = Pipe { h, next_id: 0 };
    let (failures, ran) = mxgateway_conformance::run_all(&mut pipe).await;
    assert!(
        failures.is_empty(),
        "{} of {ran} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

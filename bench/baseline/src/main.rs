//! `mxgateway-bench-baseline`: the practical gRPC limit on this machine.
//!
//! A minimal `MxAccessGateway` server with no MXAccess behind it: it answers
//! OpenSession, Register and SubscribeBulk just enough for the real clients'
//! benchmark commands (`mxgw bench-stream-events`, `mxgw-py ...`), then
//! streams OnDataChange events for the subscribed items straight from memory,
//! in the same messages and batch size the gateway uses. Whatever rate the
//! client reaches here is what tonic, HTTP/2 and protobuf allow on this
//! machine; the gateway's figure divided by this one is its efficiency.
//!
//! `--rate` caps the events per second (0: as fast as the client takes them);
//! events carry the current time as their source timestamp, so the client's
//! latency figure is the transport's own. A tool under `bench/`, never a
//! dependency of the product.

#![forbid(unsafe_code)]

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clap::Parser;
use futures::Stream;
use mxgateway_proto::v1::mx_access_gateway_server::{MxAccessGateway, MxAccessGatewayServer};
use mxgateway_proto::v1::{
    mx_command::Command, mx_command_reply, mx_event, mx_value, AcknowledgeAlarmReply,
    AcknowledgeAlarmRequest, AlarmEvent, AlarmRecord, CloseSessionReply, CloseSessionRequest,
    MxCommandReply, MxCommandRequest, MxDataType, MxEvent, MxStatus, MxStatusCategory,
    MxStatusSource, MxValue, OnDataChange, OpenSessionReply, OpenSessionRequest, ProtocolStatus,
    QueryActiveAlarmsRequest, ServerLimits, StreamAlarmsRequest, StreamEventsReply,
    StreamEventsRequest, SubscribeResult, SubscribeResults,
};
use tokio::sync::mpsc;
use tonic::{Request, Response, Status};

#[derive(Debug, Parser)]
#[command(
    version,
    about = "A minimal MxAccessGateway server streaming events from memory (benchmark baseline)"
)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// Events per second across all items (0: as fast as the client reads).
    #[arg(long, default_value_t = 0)]
    rate: u64,
    /// Events per StreamEvents message (the gateway's default is 4096).
    #[arg(long, default_value_t = 4096)]
    batch: usize,
}

struct Baseline {
    items: Arc<AtomicU64>,
    rate: u64,
    batch: usize,
}

type BoxStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send>>;

fn ok_status() -> MxStatus {
    MxStatus {
        success: 1,
        category: MxStatusCategory::Ok as i32,
        detected_by: MxStatusSource::RespondingLmx as i32,
        detail: 0,
        raw_category: 0,
        raw_detected_by: 1,
    }
}

fn now() -> prost_types::Timestamp {
    let t = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    prost_types::Timestamp {
        seconds: t.as_secs() as i64,
        nanos: t.subsec_nanos() as i32,
    }
}

/// One batch of `n` data changes continuing the item rotation at `next`.
fn batch(n: usize, items: u64, next: &mut u64, sequence: &mut u64) -> StreamEventsReply {
    let timestamp = Some(now());
    let events = (0..n)
        .map(|_| {
            *sequence += 1;
            let item = (*next % items) as i32 + 1;
            *next += 1;
            MxEvent {
                worker_sequence: *sequence,
                server_handle: 1,
                item_handle: item,
                conflated: 0,
                kind: Some(mx_event::Kind::DataChange(OnDataChange {
                    value: Some(MxValue {
                        data_type: MxDataType::Double as i32,
                        variant_type: 5,
                        kind: Some(mx_value::Kind::DoubleValue(*sequence as f64)),
                    }),
                    quality: 192,
                    timestamp,
                    statuses: vec![ok_status()],
                })),
            }
        })
        .collect();
    StreamEventsReply {
        events,
        conflated_since_last: 0,
        conflated_total: 0,
    }
}

#[tonic::async_trait]
impl MxAccessGateway for Baseline {
    async fn open_session(
        &self,
        _: Request<OpenSessionRequest>,
    ) -> Result<Response<OpenSessionReply>, Status> {
        Ok(Response::new(OpenSessionReply {
            session_id: "baseline".into(),
            gateway_version: "baseline".into(),
            capabilities: vec!["mxaccess-core".into()],
            limits: Some(ServerLimits {
                max_bulk_items: 1_000_000,
                ..Default::default()
            }),
            worker_protocol_version: 0,
            backend: "baseline".into(),
        }))
    }

    async fn close_session(
        &self,
        _: Request<CloseSessionRequest>,
    ) -> Result<Response<CloseSessionReply>, Status> {
        Ok(Response::new(CloseSessionReply { closed: true }))
    }

    async fn invoke(
        &self,
        request: Request<MxCommandRequest>,
    ) -> Result<Response<MxCommandReply>, Status> {
        let command = request.into_inner().command.and_then(|c| c.command);
        let result = match command {
            Some(Command::Register(_)) => mx_command_reply::Result::ServerHandle(1),
            Some(Command::SubscribeBulk(c)) => {
                self.items
                    .store(c.item_definitions.len() as u64, Ordering::Relaxed);
                mx_command_reply::Result::SubscribeResults(SubscribeResults {
                    results: c
                        .item_definitions
                        .into_iter()
                        .enumerate()
                        .map(|(i, item_definition)| SubscribeResult {
                            item_definition,
                            item_handle: i as i32 + 1,
                            was_successful: true,
                            ..Default::default()
                        })
                        .collect(),
                })
            }
            _ => {
                return Err(Status::unimplemented(
                    "the baseline serves Register and SubscribeBulk only",
                ))
            }
        };
        Ok(Response::new(MxCommandReply {
            protocol_status: ProtocolStatus::Ok as i32,
            result: Some(result),
            ..Default::default()
        }))
    }

    type StreamEventsStream = BoxStream<StreamEventsReply>;

    async fn stream_events(
        &self,
        _: Request<StreamEventsRequest>,
    ) -> Result<Response<Self::StreamEventsStream>, Status> {
        let (tx, rx) = mpsc::channel(4);
        let items = self.items.clone();
        let (rate, size) = (self.rate, self.batch.max(1));
        tokio::spawn(async move {
            let (mut next, mut sequence) = (0u64, 0u64);
            // Paced in 10 ms slices when a rate is set; otherwise the bounded
            // channel paces the producer to the client.
            let per_slice = (rate / 100).max(1) as usize;
            let mut slice = tokio::time::interval(Duration::from_millis(10));
            loop {
                let count = items.load(Ordering::Relaxed).max(1);
                let mut due = if rate == 0 { size } else { per_slice };
                if rate != 0 {
                    slice.tick().await;
                }
                while due > 0 {
                    let n = due.min(size);
                    due -= n;
                    if tx
                        .send(Ok(batch(n, count, &mut next, &mut sequence)))
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
            }
        });
        Ok(Response::new(Box::pin(
            tokio_stream::wrappers::ReceiverStream::new(rx),
        )))
    }

    type StreamAlarmsStream = BoxStream<AlarmEvent>;

    async fn stream_alarms(
        &self,
        _: Request<StreamAlarmsRequest>,
    ) -> Result<Response<Self::StreamAlarmsStream>, Status> {
        Err(Status::unimplemented("no alarms in the baseline"))
    }

    type QueryActiveAlarmsStream = BoxStream<AlarmRecord>;

    async fn query_active_alarms(
        &self,
        _: Request<QueryActiveAlarmsRequest>,
    ) -> Result<Response<Self::QueryActiveAlarmsStream>, Status> {
        Err(Status::unimplemented("no alarms in the baseline"))
    }

    async fn acknowledge_alarm(
        &self,
        _: Request<AcknowledgeAlarmRequest>,
    ) -> Result<Response<AcknowledgeAlarmReply>, Status> {
        Err(Status::unimplemented("no alarms in the baseline"))
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    let addr = listener.local_addr()?;
    println!("baseline listening on {addr}");
    let service = Baseline {
        items: Arc::new(AtomicU64::new(1)),
        rate: args.rate,
        batch: args.batch,
    };
    tonic::transport::Server::builder()
        .add_service(
            MxAccessGatewayServer::new(service).max_decoding_message_size(64 * 1024 * 1024),
        )
        .serve_with_incoming_shutdown(
            // As the gateway does: no Nagle delay on accepted sockets.
            tonic::transport::server::TcpIncoming::from(listener).with_nodelay(Some(true)),
            async {
                let _ = tokio::signal::ctrl_c().await;
            },
        )
        .await?;
    Ok(())
}

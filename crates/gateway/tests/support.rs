//! Shared harness for the gateway's integration tests: a real gateway on
//! `127.0.0.1:0` in this process, real worker processes (the built
//! `mxgateway` binary in worker mode), and a raw generated gRPC client.

#![allow(dead_code)]

use std::time::Duration;

use mxgateway::auth::Scope;
use mxgateway::config::{Config, GalaxySource};
use mxgateway::worker::WorkerCommand;
use mxgateway::Gateway;
use mxgateway_proto::v1::mx_access_gateway_client::MxAccessGatewayClient;
use mxgateway_proto::v1::{
    mx_command::Command, mx_command_reply, mx_event, AddItemCommand, ItemCommand, MxCommand,
    MxCommandReply, MxCommandRequest, MxEvent, OpenSessionRequest, RegisterCommand,
    StreamEventsRequest,
};
use tonic::metadata::MetadataValue;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;
use tonic::{Request, Status};

pub type Client = MxAccessGatewayClient<InterceptedService<Channel, Auth>>;
pub type GalaxyClient = mxgateway_proto::v1::galaxy_repository_client::GalaxyRepositoryClient<
    InterceptedService<Channel, Auth>,
>;

/// Adds the bearer key to every call.
#[derive(Clone)]
pub struct Auth(pub String);

impl tonic::service::Interceptor for Auth {
    fn call(&mut self, mut request: Request<()>) -> Result<Request<()>, Status> {
        let value: MetadataValue<_> = format!("Bearer {}", self.0).parse().expect("ascii key");
        request.metadata_mut().insert("authorization", value);
        Ok(request)
    }
}

pub struct TestGateway {
    pub gateway: Gateway,
    pub admin_key: String,
    _dir: tempfile::TempDir,
}

/// Limits suited to tests: quick heartbeats so hang detection is fast.
pub fn test_config(dir: &std::path::Path) -> Config {
    let mut config = Config::new(dir.to_path_buf());
    config.listen = "127.0.0.1:0".parse().unwrap();
    config.worker = Some(WorkerCommand::embedded(
        env!("CARGO_BIN_EXE_mxgateway").into(),
    ));
    config.limits.heartbeat_interval = Duration::from_millis(100);
    config.limits.heartbeat_grace = Duration::from_millis(1000);
    config.limits.heartbeat_ceiling = Duration::from_millis(2000);
    config
}

impl TestGateway {
    pub async fn start() -> TestGateway {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(adjust: impl FnOnce(&mut Config)) -> TestGateway {
        let dir = tempfile::tempdir().unwrap();
        let mut config = test_config(dir.path());
        adjust(&mut config);
        let gateway = Gateway::start(config).await.expect("gateway starts");
        let admin_key = gateway
            .keys()
            .create("test-admin", &[Scope::Admin])
            .unwrap()
            .key
            .expose()
            .to_string();
        TestGateway {
            gateway,
            admin_key,
            _dir: dir,
        }
    }

    pub fn key(&self, scopes: &[Scope]) -> String {
        self.gateway
            .keys()
            .create("test", scopes)
            .unwrap()
            .key
            .expose()
            .to_string()
    }

    pub async fn client(&self, key: &str) -> Client {
        let channel = Channel::from_shared(format!("http://{}", self.gateway.local_addr()))
            .unwrap()
            .connect()
            .await
            .expect("connects");
        MxAccessGatewayClient::with_interceptor(channel, Auth(key.to_string()))
            .max_decoding_message_size(64 * 1024 * 1024)
    }

    pub async fn galaxy(&self, key: &str) -> GalaxyClient {
        let channel = Channel::from_shared(format!("http://{}", self.gateway.local_addr()))
            .unwrap()
            .connect()
            .await
            .expect("connects");
        mxgateway_proto::v1::galaxy_repository_client::GalaxyRepositoryClient::with_interceptor(
            channel,
            Auth(key.to_string()),
        )
        .max_decoding_message_size(64 * 1024 * 1024)
    }

    pub async fn admin(&self) -> Client {
        self.client(&self.admin_key.clone()).await
    }

    pub fn uses_generated(galaxy: GalaxySource) -> GalaxySource {
        galaxy
    }
}

pub async fn open(client: &mut Client) -> String {
    client
        .open_session(OpenSessionRequest {
            client_session_name: "test".into(),
        })
        .await
        .expect("open session")
        .into_inner()
        .session_id
}

pub async fn invoke(
    client: &mut Client,
    session: &str,
    command: Command,
) -> Result<MxCommandReply, Status> {
    client
        .invoke(MxCommandRequest {
            session_id: session.to_string(),
            timeout_ms: 0,
            command: Some(MxCommand {
                command: Some(command),
            }),
        })
        .await
        .map(|r| r.into_inner())
}

pub async fn register(client: &mut Client, session: &str) -> i32 {
    let reply = invoke(
        client,
        session,
        Command::Register(RegisterCommand {
            client_name: "t".into(),
        }),
    )
    .await
    .unwrap();
    match reply.result {
        Some(mx_command_reply::Result::ServerHandle(h)) => h,
        other => panic!("no server handle: {other:?}"),
    }
}

pub async fn add_item(client: &mut Client, session: &str, server: i32, item: &str) -> i32 {
    let reply = invoke(
        client,
        session,
        Command::AddItem(AddItemCommand {
            server_handle: server,
            item_definition: item.into(),
        }),
    )
    .await
    .unwrap();
    assert_eq!(reply.hresult, 0, "{reply:?}");
    match reply.result {
        Some(mx_command_reply::Result::ItemHandle(h)) => h,
        other => panic!("no item handle: {other:?}"),
    }
}

pub async fn advise(client: &mut Client, session: &str, server: i32, item: i32) {
    let reply = invoke(
        client,
        session,
        Command::Advise(ItemCommand {
            server_handle: server,
            item_handle: item,
        }),
    )
    .await
    .unwrap();
    assert_eq!(reply.hresult, 0, "{reply:?}");
}

/// An event stream flattened to single events.
pub struct Events {
    stream: tonic::Streaming<mxgateway_proto::v1::StreamEventsReply>,
    buffered: std::collections::VecDeque<MxEvent>,
    pub conflated_total: u64,
}

impl Events {
    pub async fn open(client: &mut Client, session: &str) -> Events {
        let stream = client
            .stream_events(StreamEventsRequest {
                session_id: session.to_string(),
            })
            .await
            .expect("stream")
            .into_inner();
        Events {
            stream,
            buffered: Default::default(),
            conflated_total: 0,
        }
    }

    /// The next event, failing the test after `within`.
    pub async fn next(&mut self, within: Duration) -> Result<MxEvent, Status> {
        tokio::time::timeout(within, async {
            loop {
                if let Some(e) = self.buffered.pop_front() {
                    return Ok(e);
                }
                match self.stream.message().await? {
                    Some(batch) => {
                        self.conflated_total = batch.conflated_total;
                        self.buffered.extend(batch.events);
                    }
                    None => return Err(Status::cancelled("stream ended")),
                }
            }
        })
        .await
        .unwrap_or_else(|_| Err(Status::deadline_exceeded("no event in time")))
    }

    /// The next event matching `pred`.
    pub async fn find(&mut self, within: Duration, pred: impl Fn(&MxEvent) -> bool) -> MxEvent {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let e = self.next(left).await.expect("event before deadline");
            if pred(&e) {
                return e;
            }
        }
    }
}

pub fn is_data_change(e: &MxEvent, item: i32) -> bool {
    e.item_handle == item && matches!(e.kind, Some(mx_event::Kind::DataChange(_)))
}

pub fn is_write_complete(e: &MxEvent, item: i32) -> bool {
    e.item_handle == item && matches!(e.kind, Some(mx_event::Kind::WriteComplete(_)))
}

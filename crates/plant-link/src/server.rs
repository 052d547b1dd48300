//! Serves the shared plant to worker processes over loopback TCP.

use std::net::SocketAddr;
use std::sync::Arc;

use mxgateway_proto::plant::{self, link_message, link_request, LinkMessage, LinkRequest};
use mxgateway_proto::v1;
use mxgateway_sim::{Connection, Plant, Update, WriteRequest};
use mxgateway_worker_protocol::{FrameReader, FrameWriter, PLANT_LINK_VERSION};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{debug, warn};

/// Most updates packed into one frame.
pub const MAX_UPDATES_PER_FRAME: usize = 8192;

/// A running plant link listener.
pub struct PlantLinkServer {
    addr: SocketAddr,
    token: Arc<str>,
}

impl PlantLinkServer {
    /// Binds `127.0.0.1:0` and serves `plant` until `cancel` fires. Only peers
    /// presenting `token` are served.
    pub async fn start(
        plant: Plant,
        token: String,
        cancel: CancellationToken,
        tracker: &TaskTracker,
    ) -> std::io::Result<PlantLinkServer> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let token: Arc<str> = token.into();
        let server = PlantLinkServer {
            addr,
            token: token.clone(),
        };
        let conn_tracker = tracker.clone();
        tracker.spawn(async move {
            loop {
                let accepted = tokio::select! {
                    _ = cancel.cancelled() => break,
                    accepted = listener.accept() => accepted,
                };
                match accepted {
                    Ok((stream, peer)) => {
                        let plant = plant.clone();
                        let token = token.clone();
                        let cancel = cancel.clone();
                        conn_tracker.spawn(async move {
                            if let Err(e) = serve_connection(plant, stream, &token, cancel).await {
                                debug!(%peer, error = %e, "plant link connection ended");
                            }
                        });
                    }
                    Err(e) => warn!(error = %e, "plant link accept failed"),
                }
            }
        });
        Ok(server)
    }

    /// Where workers connect.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The token workers must present.
    pub fn token(&self) -> &str {
        &self.token
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

type SharedWriter = Arc<Mutex<FrameWriter<OwnedWriteHalf>>>;

async fn serve_connection(
    plant: Plant,
    stream: TcpStream,
    token: &str,
    cancel: CancellationToken,
) -> Result<(), crate::LinkError> {
    stream.set_nodelay(true).ok();
    let (read, write) = stream.into_split();
    let mut reader = FrameReader::new(read);
    let writer: SharedWriter = Arc::new(Mutex::new(FrameWriter::new(write)));

    let hello = match reader.read::<LinkRequest>().await? {
        Some(LinkRequest {
            message: Some(link_request::Message::Hello(h)),
        }) => h,
        _ => return Err(crate::LinkError::Refused("expected Hello".into())),
    };
    if !constant_time_eq(hello.token.as_bytes(), token.as_bytes()) {
        return Err(crate::LinkError::Refused("bad token".into()));
    }
    if hello.protocol_version != PLANT_LINK_VERSION {
        return Err(crate::LinkError::Refused(format!(
            "plant link version {} unsupported (expected {PLANT_LINK_VERSION})",
            hello.protocol_version
        )));
    }
    let welcome = plant::Welcome {
        protocol_version: PLANT_LINK_VERSION,
        galaxy_name: plant.galaxy_name(),
    };
    send(&writer, link_message::Message::Welcome(welcome)).await?;

    let (connection, mut updates) = plant.connect(&hello.label);
    let link_done = CancellationToken::new();

    // Updates flow out on their own task so that a slow worker never stalls
    // request handling; the plant conflates per subscription meanwhile.
    let update_writer = writer.clone();
    let stop = link_done.clone();
    let pump = tokio::spawn(async move {
        let mut batch: Vec<Update> = Vec::with_capacity(MAX_UPDATES_PER_FRAME);
        loop {
            batch.clear();
            let more = tokio::select! {
                _ = stop.cancelled() => false,
                more = updates.recv_batch(MAX_UPDATES_PER_FRAME, &mut batch) => more,
            };
            if !batch.is_empty() {
                let msg = plant::Updates {
                    updates: batch.drain(..).map(update_to_pb).collect(),
                };
                if send(&update_writer, link_message::Message::Updates(msg))
                    .await
                    .is_err()
                {
                    break;
                }
            }
            if !more {
                break;
            }
        }
    });

    let result = loop {
        let request = tokio::select! {
            _ = cancel.cancelled() => break Ok(()),
            r = reader.read::<LinkRequest>() => r,
        };
        match request {
            Ok(Some(LinkRequest { message: Some(m) })) => {
                if let Err(e) = handle_request(&connection, &writer, m).await {
                    break Err(e);
                }
            }
            Ok(Some(LinkRequest { message: None })) => {}
            Ok(None) => break Ok(()),
            Err(e) => break Err(e.into()),
        }
    };
    link_done.cancel();
    let _ = pump.await;
    drop(connection);
    result
}

async fn handle_request(
    connection: &Connection,
    writer: &SharedWriter,
    message: link_request::Message,
) -> Result<(), crate::LinkError> {
    match message {
        link_request::Message::Hello(_) => {}
        link_request::Message::Subscribe(s) => {
            connection.subscribe(s.subscription_id, &s.reference, &s.context, s.supervisory);
        }
        link_request::Message::Unsubscribe(u) => connection.unsubscribe(u.subscription_id),
        link_request::Message::Write(w) => {
            let status = match write_request(&w) {
                Ok(request) => connection.write(w.subscription_id, request),
                Err(status) => status,
            };
            let result = plant::WriteResult {
                request_id: w.request_id,
                status: Some(status.into()),
            };
            send(writer, link_message::Message::WriteResult(result)).await?;
        }
        link_request::Message::Authenticate(a) => {
            let result = match connection.authenticate(&a.user_name, &a.password) {
                Ok(user_id) => plant::AuthenticateResult {
                    request_id: a.request_id,
                    user_id,
                    error: String::new(),
                },
                Err(e) => plant::AuthenticateResult {
                    request_id: a.request_id,
                    user_id: 0,
                    error: e.to_string(),
                },
            };
            send(writer, link_message::Message::AuthenticateResult(result)).await?;
        }
        link_request::Message::UserToId(u) => {
            let (user_id, error) = match connection.user_to_id(&u.user_guid) {
                Ok(id) => (id, String::new()),
                Err(e) => (0, e.to_string()),
            };
            let result = plant::UserIdResult {
                request_id: u.request_id,
                user_id,
                error,
            };
            send(writer, link_message::Message::UserIdResult(result)).await?;
        }
    }
    Ok(())
}

fn write_request(w: &plant::Write) -> Result<WriteRequest, mxgateway_mx::MxStatus> {
    use mxgateway_mx::{detail, MxStatus, StatusCategory, StatusSource};
    let invalid = MxStatus::failure(
        StatusCategory::SoftwareError,
        StatusSource::RequestingLmx,
        detail::WRONG_DATA_TYPE,
    );
    let value = w
        .value
        .as_ref()
        .ok_or(invalid)?
        .to_domain()
        .map_err(|_| invalid)?;
    let timestamp = match &w.timestamp {
        Some(t) => Some(mxgateway_proto::timestamp_from_pb(t).map_err(|_| invalid)?),
        None => None,
    };
    Ok(WriteRequest {
        value,
        timestamp,
        user_id: w.user_id,
        verifier_user_id: w.verifier_user_id,
        secured: w.secured,
    })
}

fn update_to_pb(u: Update) -> plant::Update {
    plant::Update {
        subscription_id: u.sub_id,
        value: Some(v1::MxValue::from_domain(&u.vtq.value, u.data_type)),
        quality: u.vtq.quality,
        timestamp: Some(mxgateway_proto::timestamp_to_pb(u.vtq.timestamp)),
        status: Some(u.status.into()),
    }
}

async fn send(
    writer: &SharedWriter,
    message: link_message::Message,
) -> Result<(), crate::LinkError> {
    let mut w = writer.lock().await;
    w.send(&LinkMessage {
        message: Some(message),
    })
    .await?;
    Ok(())
}

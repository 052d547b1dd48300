//! The worker's end of the plant link.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex as StdMutex};

use mxgateway_mx::{detail, MxStatus, StatusCategory, StatusSource};
use mxgateway_proto::plant::{self, link_message, link_request, LinkMessage, LinkRequest};
use mxgateway_worker_protocol::{FrameReader, FrameWriter, PLANT_LINK_VERSION};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot, Mutex};

use crate::LinkError;

/// Batches of updates waiting for the worker; small, because the plant
/// conflates upstream when the worker falls behind.
pub const UPDATE_CHANNEL_BATCHES: usize = 16;

#[derive(Default)]
struct Pending {
    writes: HashMap<u64, oneshot::Sender<MxStatus>>,
    /// AuthenticateUser and ArchestrAUserToId requests (same answer shape).
    auths: HashMap<u64, oneshot::Sender<Result<i32, String>>>,
}

/// A connected plant link. Cheap to clone.
#[derive(Clone)]
pub struct PlantClient {
    writer: Arc<Mutex<FrameWriter<OwnedWriteHalf>>>,
    pending: Arc<StdMutex<Pending>>,
    next_request: Arc<AtomicU64>,
    galaxy_name: Arc<str>,
}

impl PlantClient {
    /// Connects, presents the token and waits for Welcome. Update batches are
    /// delivered on the returned receiver until the link closes.
    pub async fn connect(
        addr: &str,
        token: &str,
        label: &str,
    ) -> Result<(PlantClient, mpsc::Receiver<plant::Updates>), LinkError> {
        let stream = TcpStream::connect(addr)
            .await
            .map_err(|source| LinkError::Connect {
                addr: addr.to_string(),
                source,
            })?;
        stream.set_nodelay(true).ok();
        let (read, write) = stream.into_split();
        let mut reader = FrameReader::new(read);
        let mut writer = FrameWriter::new(write);
        let hello = plant::Hello {
            protocol_version: PLANT_LINK_VERSION,
            token: token.to_string(),
            label: label.to_string(),
        };
        writer
            .send(&LinkRequest {
                message: Some(link_request::Message::Hello(hello)),
            })
            .await?;
        let galaxy_name = match reader.read::<LinkMessage>().await? {
            Some(LinkMessage {
                message: Some(link_message::Message::Welcome(w)),
            }) => w.galaxy_name,
            Some(_) => return Err(LinkError::Refused("expected Welcome".into())),
            None => {
                return Err(LinkError::Refused(
                    "the plant closed the link during the handshake".into(),
                ))
            }
        };
        let pending = Arc::new(StdMutex::new(Pending::default()));
        let (tx, rx) = mpsc::channel(UPDATE_CHANNEL_BATCHES);
        tokio::spawn(read_loop(reader, tx, pending.clone()));
        let client = PlantClient {
            writer: Arc::new(Mutex::new(writer)),
            pending,
            next_request: Arc::new(AtomicU64::new(1)),
            galaxy_name: galaxy_name.into(),
        };
        Ok((client, rx))
    }

    /// The galaxy the plant simulates.
    pub fn galaxy_name(&self) -> &str {
        &self.galaxy_name
    }

    async fn send(&self, message: link_request::Message) -> Result<(), LinkError> {
        let mut w = self.writer.lock().await;
        w.send(&LinkRequest {
            message: Some(message),
        })
        .await?;
        Ok(())
    }

    /// Sends many requests with one flush (the bulk commands' path).
    async fn send_many(&self, messages: Vec<link_request::Message>) -> Result<(), LinkError> {
        let mut w = self.writer.lock().await;
        for message in messages {
            w.write(&LinkRequest {
                message: Some(message),
            })
            .await?;
        }
        w.flush().await?;
        Ok(())
    }

    /// Starts delivery of many subscriptions at once; each is answered as by
    /// [`PlantClient::subscribe`].
    pub async fn subscribe_many(&self, requests: Vec<plant::Subscribe>) -> Result<(), LinkError> {
        self.send_many(
            requests
                .into_iter()
                .map(link_request::Message::Subscribe)
                .collect(),
        )
        .await
    }

    /// Stops delivery of many subscriptions at once.
    pub async fn unsubscribe_many(&self, subscription_ids: &[u64]) -> Result<(), LinkError> {
        let messages = subscription_ids
            .iter()
            .map(|&subscription_id| {
                link_request::Message::Unsubscribe(plant::Unsubscribe { subscription_id })
            })
            .collect();
        self.send_many(messages).await
    }

    /// Starts delivery; the plant answers with one update (value or failure).
    pub async fn subscribe(
        &self,
        subscription_id: u64,
        reference: &str,
        context: &str,
        supervisory: bool,
    ) -> Result<(), LinkError> {
        self.send(link_request::Message::Subscribe(plant::Subscribe {
            subscription_id,
            reference: reference.to_string(),
            context: context.to_string(),
            supervisory,
        }))
        .await
    }

    /// Stops delivery.
    pub async fn unsubscribe(&self, subscription_id: u64) -> Result<(), LinkError> {
        self.send(link_request::Message::Unsubscribe(plant::Unsubscribe {
            subscription_id,
        }))
        .await
    }

    /// Writes and waits for the plant's verdict. A closed link yields a
    /// communication-error status rather than an error, because MXAccess
    /// reports a failed write through OnWriteComplete.
    pub async fn write(&self, write: plant::Write) -> MxStatus {
        self.submit_write(write)
            .await
            .await
            .unwrap_or_else(|_| link_lost())
    }

    /// Sends a write and returns at once with a receiver of the plant's
    /// verdict. The plant applies a link's requests in the order they were
    /// sent, so writes submitted one after another (each awaited) are applied
    /// in that order while their verdicts are still outstanding. A closed link
    /// yields a receiver already holding a communication-error status; a
    /// receiver that fails means the link was lost too.
    pub async fn submit_write(&self, mut write: plant::Write) -> oneshot::Receiver<MxStatus> {
        let id = self.next_request.fetch_add(1, Ordering::Relaxed);
        write.request_id = id;
        let (tx, rx) = oneshot::channel();
        self.pending
            .lock()
            .expect("pending lock")
            .writes
            .insert(id, tx);
        if self
            .send(link_request::Message::Write(write))
            .await
            .is_err()
        {
            let tx = self
                .pending
                .lock()
                .expect("pending lock")
                .writes
                .remove(&id);
            if let Some(tx) = tx {
                let _ = tx.send(link_lost());
            }
        }
        rx
    }

    /// Authenticates a galaxy user; the error text never contains the password.
    pub async fn authenticate(&self, user_name: &str, password: &str) -> Result<i32, String> {
        self.user_request(|request_id| {
            link_request::Message::Authenticate(plant::Authenticate {
                request_id,
                user_name: user_name.to_string(),
                password: password.to_string(),
            })
        })
        .await
    }

    /// `ArchestrAUserToId`: the id of the galaxy user with this GUID.
    pub async fn user_to_id(&self, user_guid: &str) -> Result<i32, String> {
        self.user_request(|request_id| {
            link_request::Message::UserToId(plant::UserToId {
                request_id,
                user_guid: user_guid.to_string(),
            })
        })
        .await
    }

    /// Sends a request answered by a user id (or why there is none).
    async fn user_request(
        &self,
        request: impl FnOnce(u64) -> link_request::Message,
    ) -> Result<i32, String> {
        let id = self.next_request.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        self.pending
            .lock()
            .expect("pending lock")
            .auths
            .insert(id, tx);
        if self.send(request(id)).await.is_err() {
            self.pending.lock().expect("pending lock").auths.remove(&id);
            return Err("the plant link is closed".into());
        }
        rx.await
            .unwrap_or_else(|_| Err("the plant link is closed".into()))
    }
}

async fn read_loop(
    mut reader: FrameReader<tokio::net::tcp::OwnedReadHalf>,
    updates: mpsc::Sender<plant::Updates>,
    pending: Arc<StdMutex<Pending>>,
) {
    while let Ok(Some(LinkMessage {
        message: Some(message),
    })) = reader.read::<LinkMessage>().await
    {
        match message {
            link_message::Message::Updates(batch) => {
                if updates.send(batch).await.is_err() {
                    break;
                }
            }
            link_message::Message::WriteResult(r) => {
                let status = r.status.map(|s| s.to_domain()).unwrap_or(MxStatus::OK);
                if let Some(tx) = pending
                    .lock()
                    .expect("pending lock")
                    .writes
                    .remove(&r.request_id)
                {
                    let _ = tx.send(status);
                }
            }
            link_message::Message::AuthenticateResult(plant::AuthenticateResult {
                request_id,
                user_id,
                error,
            })
            | link_message::Message::UserIdResult(plant::UserIdResult {
                request_id,
                user_id,
                error,
            }) => {
                let result = if user_id > 0 { Ok(user_id) } else { Err(error) };
                if let Some(tx) = pending
                    .lock()
                    .expect("pending lock")
                    .auths
                    .remove(&request_id)
                {
                    let _ = tx.send(result);
                }
            }
            link_message::Message::Welcome(_) => {}
        }
    }
    // Dropping the senders fails every waiter: the link is gone.
    let mut p = pending.lock().expect("pending lock");
    p.writes.clear();
    p.auths.clear();
}

/// The status of a write whose link went away before the plant answered.
pub fn link_lost() -> MxStatus {
    MxStatus::failure(
        StatusCategory::CommunicationError,
        StatusSource::RequestingLmx,
        detail::PLATFORM_COMMUNICATION_ERROR,
    )
}

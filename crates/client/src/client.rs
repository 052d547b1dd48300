//! [`GatewayClient`]: one authenticated channel to a gateway.

use std::fmt;
use std::time::Duration;

use mxgateway_proto::v1::{self, mx_access_gateway_client::MxAccessGatewayClient};

use crate::check;
use crate::error::{Error, Redactor};
use crate::galaxy::GalaxyRepositoryClient;
use crate::options::ClientOptions;
use crate::session::Session;
use crate::stream::EventBatches;
use crate::transport::{AuthChannel, Transport};

pub(crate) type Rpc = MxAccessGatewayClient<AuthChannel>;

/// A client of the `MxAccessGateway` service. Cheap to clone: clones share
/// the channel.
#[derive(Clone)]
pub struct GatewayClient {
    // Crate-visible for the RPC families in their own modules (`alarms`).
    pub(crate) rpc: Rpc,
    pub(crate) transport: Transport,
}

impl fmt::Debug for GatewayClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GatewayClient")
            .field("endpoint", &self.transport.endpoint())
            .field("timeout", &self.transport.timeout())
            .finish_non_exhaustive()
    }
}

impl GatewayClient {
    /// Validates the options and connects (bounded by the options' timeout).
    pub async fn connect(options: ClientOptions) -> Result<Self, Error> {
        Ok(Self::from_transport(Transport::connect(&options).await?))
    }

    /// Validates the options and returns a client that connects on first use.
    pub fn connect_lazy(options: ClientOptions) -> Result<Self, Error> {
        Ok(Self::from_transport(Transport::connect_lazy(&options)?))
    }

    fn from_transport(transport: Transport) -> Self {
        GatewayClient {
            rpc: MxAccessGatewayClient::new(transport.channel()),
            transport,
        }
    }

    /// The timeout applied to each call (see [`ClientOptions::timeout`]).
    pub fn timeout(&self) -> Duration {
        self.transport.timeout()
    }

    /// A client of the gateway's `GalaxyRepository` service on the same
    /// channel, key and timeout as this client.
    pub fn galaxy(&self) -> GalaxyRepositoryClient {
        GalaxyRepositoryClient::from_transport(self.transport.clone())
    }

    /// Opens a session labelled `client_session_name`.
    pub async fn open_session(&self, client_session_name: &str) -> Result<Session, Error> {
        let reply = self
            .open_session_raw(v1::OpenSessionRequest {
                client_session_name: client_session_name.to_string(),
            })
            .await?;
        if reply.session_id.is_empty() {
            return Err(Error::Internal {
                code: tonic::Code::Internal,
                message: "the gateway opened a session without an id".into(),
            });
        }
        Ok(Session::opened(self.clone(), reply))
    }

    /// Opens a session and returns the gateway's reply as is.
    pub async fn open_session_raw(
        &self,
        request: v1::OpenSessionRequest,
    ) -> Result<v1::OpenSessionReply, Error> {
        let mut rpc = self.rpc.clone();
        self.transport
            .unary(
                move |req| async move { rpc.open_session(req).await },
                request,
            )
            .await
    }

    /// Attaches to an existing session by id, e.g. one opened by another
    /// process: sessions outlive the clients that opened them. No call is
    /// made; an unknown id fails on first use with [`Error::Session`].
    pub fn session(&self, session_id: impl Into<String>) -> Session {
        Session::attached(self.clone(), session_id.into())
    }

    /// Runs one command. Fails only for gateway-level problems (including a
    /// protocol failure reply, as [`Error::Command`]); MXAccess failures stay
    /// inside the returned reply. See [`crate::check`].
    pub async fn invoke_raw(
        &self,
        request: v1::MxCommandRequest,
    ) -> Result<v1::MxCommandReply, Error> {
        let mut rpc = self.rpc.clone();
        let mut reply = self
            .transport
            .unary(move |req| async move { rpc.invoke(req).await }, request)
            .await?;
        // The one edit to a raw reply: a gateway quoting our own key back
        // must not put it into the caller's logs (nor, through the bulk
        // results' messages, into a CLI's output).
        scrub_messages(&mut reply, self.transport.redactor());
        check::check_protocol(reply)
    }

    /// Closes a session by id. Returns the gateway's `closed` flag.
    pub async fn close_session(&self, session_id: &str) -> Result<bool, Error> {
        let mut rpc = self.rpc.clone();
        let reply = self
            .transport
            .unary(
                move |req| async move { rpc.close_session(req).await },
                v1::CloseSessionRequest {
                    session_id: session_id.to_string(),
                },
            )
            .await?;
        Ok(reply.closed)
    }

    /// Opens the event stream of a session, yielding the wire batches.
    /// Dropping the stream cancels the call.
    pub async fn stream_events_raw(&self, session_id: &str) -> Result<EventBatches, Error> {
        let mut rpc = self.rpc.clone();
        let streaming = self
            .transport
            .open_stream(
                move |req| async move { rpc.stream_events(req).await },
                v1::StreamEventsRequest {
                    session_id: session_id.to_string(),
                },
            )
            .await?;
        Ok(EventBatches::new(
            streaming,
            self.transport.redactor().clone(),
        ))
    }
}

/// Scrubs the key from the reply's message and its bulk results' messages.
fn scrub_messages(reply: &mut v1::MxCommandReply, redactor: &Redactor) {
    use v1::mx_command_reply::Result as R;
    let scrub = |message: &mut String| {
        if !message.is_empty() {
            *message = redactor.scrub(message);
        }
    };
    scrub(&mut reply.message);
    match &mut reply.result {
        Some(R::SubscribeResults(r)) => r.results.iter_mut().for_each(|e| scrub(&mut e.message)),
        Some(R::WriteResults(r)) => r.results.iter_mut().for_each(|e| scrub(&mut e.message)),
        Some(R::ReadResults(r)) => r.results.iter_mut().for_each(|e| scrub(&mut e.message)),
        Some(R::ServerHandle(_) | R::ItemHandle(_) | R::UserId(_) | R::UpdateIntervalMs(_))
        | None => {}
    }
}

//! [`GatewayClient`]: one authenticated channel to a gateway.

use std::fmt;
use std::future::Future;
use std::time::Duration;

use mxgateway_proto::v1::{self, mx_access_gateway_client::MxAccessGatewayClient};
use tonic::metadata::{Ascii, MetadataValue};
use tonic::service::interceptor::InterceptedService;
use tonic::service::Interceptor;
use tonic::transport::Channel;

use crate::check;
use crate::error::{chain_text, from_status, Error, Redactor};
use crate::options::ClientOptions;
use crate::session::Session;
use crate::stream::EventBatches;

type Rpc = MxAccessGatewayClient<InterceptedService<Channel, AuthInterceptor>>;

/// Adds the bearer header to every request, unary and streaming alike:
/// tonic runs interceptors for both, so no call path can forget the key.
#[derive(Clone)]
pub(crate) struct AuthInterceptor {
    header: Option<MetadataValue<Ascii>>,
}

impl AuthInterceptor {
    fn new(api_key: Option<&str>) -> Result<Self, Error> {
        let header = match api_key {
            None => None,
            Some(key) => {
                let mut value = MetadataValue::try_from(format!("Bearer {key}")).map_err(|_| {
                    // Never echo the key, not even a malformed one.
                    Error::config("the API key contains characters not allowed in a header")
                })?;
                // Keeps the value out of HPACK's dynamic table and of any
                // Debug output of the metadata.
                value.set_sensitive(true);
                Some(value)
            }
        };
        Ok(AuthInterceptor { header })
    }
}

impl Interceptor for AuthInterceptor {
    fn call(
        &mut self,
        mut request: tonic::Request<()>,
    ) -> Result<tonic::Request<()>, tonic::Status> {
        if let Some(header) = &self.header {
            request
                .metadata_mut()
                .insert("authorization", header.clone());
        }
        Ok(request)
    }
}

/// A client of the `MxAccessGateway` service. Cheap to clone: clones share
/// the channel.
#[derive(Clone)]
pub struct GatewayClient {
    rpc: Rpc,
    endpoint: String,
    timeout: Duration,
    redactor: Redactor,
}

impl fmt::Debug for GatewayClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GatewayClient")
            .field("endpoint", &self.endpoint)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl GatewayClient {
    /// Validates the options and connects (bounded by the options' timeout).
    pub async fn connect(options: ClientOptions) -> Result<Self, Error> {
        let endpoint = options.endpoint()?;
        let interceptor = AuthInterceptor::new(options.api_key.as_deref())?;
        let redactor = Redactor::new(options.api_key.as_deref());
        let channel = endpoint.connect().await.map_err(|e| Error::Transport {
            code: tonic::Code::Unavailable,
            message: redactor.scrub(&format!(
                "cannot connect to {}: {}",
                options.endpoint,
                // tonic's outer error only says "transport error"; the
                // sources say what happened.
                std::error::Error::source(&e).map_or_else(|| e.to_string(), chain_text)
            )),
        })?;
        Ok(Self::from_parts(channel, interceptor, redactor, &options))
    }

    /// Validates the options and returns a client that connects on first use.
    pub fn connect_lazy(options: ClientOptions) -> Result<Self, Error> {
        let endpoint = options.endpoint()?;
        let interceptor = AuthInterceptor::new(options.api_key.as_deref())?;
        let redactor = Redactor::new(options.api_key.as_deref());
        Ok(Self::from_parts(
            endpoint.connect_lazy(),
            interceptor,
            redactor,
            &options,
        ))
    }

    fn from_parts(
        channel: Channel,
        interceptor: AuthInterceptor,
        redactor: Redactor,
        options: &ClientOptions,
    ) -> Self {
        GatewayClient {
            rpc: MxAccessGatewayClient::with_interceptor(channel, interceptor),
            endpoint: options.endpoint.clone(),
            timeout: options.timeout,
            redactor,
        }
    }

    /// The timeout applied to each call (see [`ClientOptions::timeout`]).
    pub fn timeout(&self) -> Duration {
        self.timeout
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
        self.unary(
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
            .unary(move |req| async move { rpc.invoke(req).await }, request)
            .await?;
        // The one edit to a raw reply: a gateway quoting our own key back
        // must not put it into the caller's logs (nor, through the bulk
        // results' messages, into a CLI's output).
        scrub_messages(&mut reply, &self.redactor);
        check::check_protocol(reply)
    }

    /// Closes a session by id. Returns the gateway's `closed` flag.
    pub async fn close_session(&self, session_id: &str) -> Result<bool, Error> {
        let mut rpc = self.rpc.clone();
        let reply = self
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
        let request = tonic::Request::new(v1::StreamEventsRequest {
            session_id: session_id.to_string(),
        });
        // No gRPC deadline here: it would end a healthy stream. The timeout
        // bounds only the wait for the gateway to accept the stream.
        let streaming = self
            .bounded(async move { rpc.stream_events(request).await })
            .await?;
        Ok(EventBatches::new(
            streaming.into_inner(),
            self.redactor.clone(),
        ))
    }

    /// The unary call path: the timeout becomes the gRPC deadline (so the
    /// gateway stops working on an abandoned call) and also bounds the wait
    /// locally (so a gateway that ignores deadlines cannot hang us).
    async fn unary<Req, Resp, F, Fut>(&self, call: F, message: Req) -> Result<Resp, Error>
    where
        F: FnOnce(tonic::Request<Req>) -> Fut,
        Fut: Future<Output = Result<tonic::Response<Resp>, tonic::Status>>,
    {
        let mut request = tonic::Request::new(message);
        if !self.timeout.is_zero() {
            request.set_timeout(self.timeout);
        }
        Ok(self.bounded(call(request)).await?.into_inner())
    }

    /// Bounds a call by the timeout and maps its status. Every call path,
    /// unary and streaming, goes through here.
    async fn bounded<T, Fut>(&self, call: Fut) -> Result<T, Error>
    where
        Fut: Future<Output = Result<T, tonic::Status>>,
    {
        let result = if self.timeout.is_zero() {
            call.await
        } else {
            match tokio::time::timeout(self.timeout, call).await {
                Ok(result) => result,
                Err(_) => {
                    return Err(Error::Timeout {
                        code: tonic::Code::DeadlineExceeded,
                        message: format!(
                            "no answer from the gateway within {} ms",
                            self.timeout.as_millis()
                        ),
                    })
                }
            }
        };
        result.map_err(|status| from_status(&status, &self.redactor))
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
        Some(R::ServerHandle(_) | R::ItemHandle(_) | R::UserId(_)) | None => {}
    }
}

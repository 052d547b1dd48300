//! The one authenticated channel every service client of this crate uses:
//! connecting (TLS options, connect timeout), the bearer header on every
//! call, the timeout policy and the mapping of statuses to [`Error`].
//!
//! [`GatewayClient`](crate::GatewayClient) and
//! [`GalaxyRepositoryClient`](crate::GalaxyRepositoryClient) both sit on a
//! [`Transport`]; neither builds a channel, an interceptor or a timeout of
//! its own, so the two services cannot drift apart on security.

use std::future::Future;
use std::time::Duration;

use tonic::metadata::{Ascii, MetadataValue};
use tonic::service::interceptor::InterceptedService;
use tonic::service::Interceptor;
use tonic::transport::Channel;

use crate::error::{chain_text, from_status, Error, Redactor};
use crate::options::ClientOptions;

/// The channel with the bearer interceptor, as the generated clients take it.
pub(crate) type AuthChannel = InterceptedService<Channel, AuthInterceptor>;

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

/// One channel to one gateway, with its key, timeout and redactor. Cheap to
/// clone: clones share the channel.
#[derive(Clone)]
pub(crate) struct Transport {
    channel: AuthChannel,
    endpoint: String,
    timeout: Duration,
    redactor: Redactor,
}

impl Transport {
    /// Validates the options and connects (bounded by the options' timeout).
    pub(crate) async fn connect(options: &ClientOptions) -> Result<Self, Error> {
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
        Ok(Self::from_parts(channel, interceptor, redactor, options))
    }

    /// Validates the options; the channel connects on first use.
    pub(crate) fn connect_lazy(options: &ClientOptions) -> Result<Self, Error> {
        let endpoint = options.endpoint()?;
        let interceptor = AuthInterceptor::new(options.api_key.as_deref())?;
        let redactor = Redactor::new(options.api_key.as_deref());
        Ok(Self::from_parts(
            endpoint.connect_lazy(),
            interceptor,
            redactor,
            options,
        ))
    }

    fn from_parts(
        channel: Channel,
        interceptor: AuthInterceptor,
        redactor: Redactor,
        options: &ClientOptions,
    ) -> Self {
        Transport {
            channel: InterceptedService::new(channel, interceptor),
            endpoint: options.endpoint.clone(),
            timeout: options.timeout,
            redactor,
        }
    }

    /// The authenticated channel, for a generated client.
    pub(crate) fn channel(&self) -> AuthChannel {
        self.channel.clone()
    }

    /// The endpoint as the options named it (for `Debug`).
    pub(crate) fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The timeout applied to each call (see [`ClientOptions::timeout`]).
    pub(crate) fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Scrubs the API key from text the gateway sent.
    pub(crate) fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// The unary call path: the timeout becomes the gRPC deadline (so the
    /// gateway stops working on an abandoned call) and also bounds the wait
    /// locally (so a gateway that ignores deadlines cannot hang us).
    pub(crate) async fn unary<Req, Resp, F, Fut>(
        &self,
        call: F,
        message: Req,
    ) -> Result<Resp, Error>
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

    /// Opens a server stream: no gRPC deadline (it would end a healthy
    /// stream); the timeout bounds only the wait for the gateway to accept
    /// the stream.
    pub(crate) async fn open_stream<Req, S, F, Fut>(
        &self,
        call: F,
        message: Req,
    ) -> Result<S, Error>
    where
        F: FnOnce(tonic::Request<Req>) -> Fut,
        Fut: Future<Output = Result<tonic::Response<S>, tonic::Status>>,
    {
        Ok(self
            .bounded(call(tonic::Request::new(message)))
            .await?
            .into_inner())
    }

    /// A finite server stream read to its end as one call (e.g.
    /// QueryActiveAlarms): the same policy as [`unary`](Self::unary), the
    /// timeout being the gRPC deadline and the local bound of the whole
    /// call, from the request to the last message.
    pub(crate) async fn collect<Req, T, F, Fut>(
        &self,
        call: F,
        message: Req,
    ) -> Result<Vec<T>, Error>
    where
        F: FnOnce(tonic::Request<Req>) -> Fut,
        Fut: Future<Output = Result<tonic::Response<tonic::Streaming<T>>, tonic::Status>>,
    {
        let mut request = tonic::Request::new(message);
        if !self.timeout.is_zero() {
            request.set_timeout(self.timeout);
        }
        self.bounded(async move {
            let mut stream = call(request).await?.into_inner();
            let mut items = Vec::new();
            while let Some(item) = stream.message().await? {
                items.push(item);
            }
            Ok(items)
        })
        .await
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

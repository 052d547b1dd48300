//! [`GalaxyRepositoryClient`]: what the galaxy contains and when it was last
//! deployed, from the gateway's `GalaxyRepository` service
//! (`proto/mxgateway/v1/galaxy.proto`).
//!
//! The service takes no session. It needs scope `metadata:read`, and
//! [`GalaxyRepositoryClient::deploy_simulated_galaxy`] needs `admin`.
//!
//! # Browsing
//!
//! The hierarchy comes one page per call, parents before children.
//! [`GalaxyRepositoryClient::hierarchy`] is a lazy [`Stream`] of objects that
//! holds at most one page and asks for the next page only when the current
//! one is used up, so a consumer that stops early never fetches the rest.
//! Two rules keep a browse from going wrong:
//!
//! - A page token is only valid for the deploy it was issued under; after a
//!   deploy the gateway refuses it with `ABORTED`, which is an
//!   [`Error::Command`] with `code` `Some(Code::Aborted)`: start again.
//! - A `next_page_token` the gateway already returned in this browse is an
//!   [`Error::Command`] (no code, no reply) instead of a request: a repeated
//!   token can only lead back to pages already seen, so following it would
//!   loop. The error comes before any object of the page that carried the
//!   repeated token (as in the Python client, so both CLIs print the same).
//!
//! # Example
//!
//! ```no_run
//! # async fn demo() -> Result<(), mxgateway_client::Error> {
//! use futures::TryStreamExt;
//! use mxgateway_client::{ClientOptions, GalaxyRepositoryClient};
//!
//! let options = ClientOptions::new("gateway.example:5000").with_api_key("mxgw_id_secret");
//! let galaxy = GalaxyRepositoryClient::connect(options).await?;
//! let mut objects = galaxy.hierarchy(0);
//! while let Some(object) = objects.try_next().await? {
//!     println!("{} ({} attributes)", object.tag_name, object.attributes.len());
//! }
//! # Ok(())
//! # }
//! ```

use std::collections::{HashSet, VecDeque};
use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::future::BoxFuture;
use futures::{Stream, TryStreamExt};
use mxgateway_mx::Timestamp;
use mxgateway_proto::v1::{self, galaxy_repository_client::GalaxyRepositoryClient as Rpc};

use crate::error::Error;
use crate::options::ClientOptions;
use crate::stream::RpcStream;
use crate::transport::{AuthChannel, Transport};

/// A client of the gateway's `GalaxyRepository` service. Cheap to clone:
/// clones share the channel.
///
/// It connects with the same [`ClientOptions`] as
/// [`GatewayClient`](crate::GatewayClient) (TLS by default, the API key as
/// `authorization: Bearer <key>` on every call, the one timeout policy, the
/// key scrubbed from every error), or shares a `GatewayClient`'s channel
/// through [`GatewayClient::galaxy`](crate::GatewayClient::galaxy).
#[derive(Clone)]
pub struct GalaxyRepositoryClient {
    rpc: Rpc<AuthChannel>,
    transport: Transport,
}

impl fmt::Debug for GalaxyRepositoryClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GalaxyRepositoryClient")
            .field("endpoint", &self.transport.endpoint())
            .field("timeout", &self.transport.timeout())
            .finish_non_exhaustive()
    }
}

impl GalaxyRepositoryClient {
    /// Validates the options and connects (bounded by the options' timeout).
    pub async fn connect(options: ClientOptions) -> Result<Self, Error> {
        Ok(Self::from_transport(Transport::connect(&options).await?))
    }

    /// Validates the options and returns a client that connects on first use.
    pub fn connect_lazy(options: ClientOptions) -> Result<Self, Error> {
        Ok(Self::from_transport(Transport::connect_lazy(&options)?))
    }

    pub(crate) fn from_transport(transport: Transport) -> Self {
        GalaxyRepositoryClient {
            rpc: Rpc::new(transport.channel()),
            transport,
        }
    }

    /// The timeout applied to each call (see [`ClientOptions::timeout`]).
    pub fn timeout(&self) -> Duration {
        self.transport.timeout()
    }

    /// Whether the gateway can query its repository database. An unreachable
    /// database is not an error: `ok` is false and `message` says why (with
    /// the API key scrubbed from it). `provider` is `sqlite` (the embedded
    /// copy of the simulated galaxy) or `sqlserver`.
    pub async fn test_connection(&self) -> Result<v1::TestConnectionReply, Error> {
        let mut rpc = self.rpc.clone();
        let mut reply = self
            .transport
            .unary(
                move |req| async move { rpc.test_connection(req).await },
                v1::TestConnectionRequest {},
            )
            .await?;
        if !reply.message.is_empty() {
            reply.message = self.transport.redactor().scrub(&reply.message);
        }
        Ok(reply)
    }

    /// The gateway's reply to `GetLastDeployTime`, as is.
    pub async fn last_deploy_time_raw(&self) -> Result<v1::GetLastDeployTimeReply, Error> {
        let mut rpc = self.rpc.clone();
        self.transport
            .unary(
                move |req| async move { rpc.get_last_deploy_time(req).await },
                v1::GetLastDeployTimeRequest {},
            )
            .await
    }

    /// The galaxy's `time_of_last_deploy`; `None` when it was never deployed
    /// (`present` false).
    ///
    /// Fails with [`Error::Command`] when the gateway says a time is present
    /// but sends none, and with [`Error::InvalidValue`] for a time outside
    /// what [`Timestamp`] holds (1677..2262).
    pub async fn last_deploy_time(&self) -> Result<Option<Timestamp>, Error> {
        let reply = self.last_deploy_time_raw().await?;
        if !reply.present {
            return Ok(None);
        }
        match &reply.time_of_last_deploy {
            Some(t) => timestamp_from_wire(t).map(Some),
            None => Err(Error::protocol(
                "the gateway reported a last deploy time but sent none",
            )),
        }
    }

    /// One page of the hierarchy: `page_size` objects at most (0: the
    /// gateway's default; larger values are capped at its maximum), from
    /// `page_token` (empty for the first page, then the previous reply's
    /// `next_page_token`, which is empty on the last page).
    ///
    /// A token issued before a deploy is refused with `ABORTED`
    /// ([`Error::Command`]): start again. Prefer
    /// [`hierarchy`](Self::hierarchy), which follows the tokens and refuses
    /// a repeated one.
    pub async fn discover_page(
        &self,
        page_size: u32,
        page_token: &str,
    ) -> Result<v1::DiscoverHierarchyReply, Error> {
        let mut rpc = self.rpc.clone();
        self.transport
            .unary(
                move |req| async move { rpc.discover_hierarchy(req).await },
                v1::DiscoverHierarchyRequest {
                    page_size,
                    page_token: page_token.to_string(),
                },
            )
            .await
    }

    /// The deployed hierarchy, parents before children, as a lazy stream of
    /// objects fetched one page at a time (`page_size` as for
    /// [`discover_page`](Self::discover_page)). See the module docs for
    /// the rules; nothing is sent until the stream is first polled.
    pub fn hierarchy(&self, page_size: u32) -> Hierarchy {
        Hierarchy::new(self.clone(), page_size)
    }

    /// The whole deployed hierarchy, parents before children, collected from
    /// [`hierarchy`](Self::hierarchy).
    pub async fn discover_hierarchy(&self, page_size: u32) -> Result<Vec<v1::GalaxyObject>, Error> {
        self.hierarchy(page_size).try_collect().await
    }

    /// Watches deploys: the current deploy state first (unless `last_seen`
    /// equals the current deploy time), then one event per deploy.
    ///
    /// The stream has no deadline; the client's timeout bounds only the wait
    /// for the gateway to accept it. Dropping the stream cancels the call.
    pub async fn watch_deploy_events(
        &self,
        last_seen: Option<Timestamp>,
    ) -> Result<DeployEvents, Error> {
        let mut rpc = self.rpc.clone();
        let streaming = self
            .transport
            .open_stream(
                move |req| async move { rpc.watch_deploy_events(req).await },
                v1::WatchDeployEventsRequest {
                    last_seen_deploy_time: last_seen.map(mxgateway_proto::timestamp_to_pb),
                },
            )
            .await?;
        Ok(DeployEvents {
            inner: RpcStream::new(streaming, self.transport.redactor().clone()),
        })
    }

    /// Replaces the simulated galaxy's model (TOML, `docs/galaxy-model.md`),
    /// as a deploy from the IDE would. Needs the `admin` scope. An invalid
    /// model is [`Error::InvalidArgument`] and changes nothing; a gateway
    /// that browses a real repository answers `FAILED_PRECONDITION`
    /// ([`Error::Command`]).
    pub async fn deploy_simulated_galaxy(
        &self,
        model_toml: &str,
    ) -> Result<v1::DeploySimulatedGalaxyReply, Error> {
        let mut rpc = self.rpc.clone();
        self.transport
            .unary(
                move |req| async move { rpc.deploy_simulated_galaxy(req).await },
                v1::DeploySimulatedGalaxyRequest {
                    model_toml: model_toml.to_string(),
                },
            )
            .await
    }
}

/// A received protobuf timestamp as a domain timestamp.
fn timestamp_from_wire(t: &prost_types::Timestamp) -> Result<Timestamp, Error> {
    mxgateway_proto::timestamp_from_pb(t)
        .map_err(|e| Error::invalid_value(format!("last deploy time: {e}")))
}

/// What a [`Hierarchy`] does once its current page is used up.
#[derive(Debug)]
enum Next {
    /// Ask for the page of this token (empty: the first page).
    Page(String),
    /// The gateway repeated this token: fail instead of asking for it.
    Repeated(String),
    /// The last page was received.
    End,
}

/// The deployed hierarchy as a lazy stream of objects, from
/// [`GalaxyRepositoryClient::hierarchy`].
///
/// It holds at most one page: the next page is requested only when the
/// stream is polled after the current page's last object. The first error
/// ends the stream. Dropping it abandons the browse (a page request in
/// flight is cancelled).
pub struct Hierarchy {
    client: GalaxyRepositoryClient,
    page_size: u32,
    page: VecDeque<v1::GalaxyObject>,
    next: Next,
    seen_tokens: HashSet<String>,
    in_flight: Option<BoxFuture<'static, Result<v1::DiscoverHierarchyReply, Error>>>,
    total_objects: Option<u64>,
    pages: u64,
    done: bool,
}

impl fmt::Debug for Hierarchy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hierarchy")
            .field("page_size", &self.page_size)
            .field("held_objects", &self.page.len())
            .field("pages", &self.pages)
            .field("total_objects", &self.total_objects)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl Hierarchy {
    fn new(client: GalaxyRepositoryClient, page_size: u32) -> Self {
        Hierarchy {
            client,
            page_size,
            page: VecDeque::new(),
            next: Next::Page(String::new()),
            seen_tokens: HashSet::new(),
            in_flight: None,
            total_objects: None,
            pages: 0,
            done: false,
        }
    }

    /// The number of objects in the whole hierarchy, as the latest page
    /// reported it; `None` before the first page.
    pub fn total_objects(&self) -> Option<u64> {
        self.total_objects
    }

    /// How many pages were received so far.
    pub fn pages(&self) -> u64 {
        self.pages
    }

    /// How many objects of the current page are not yet yielded (never more
    /// than one page).
    pub fn held_objects(&self) -> usize {
        self.page.len()
    }

    /// Takes in a received page and decides what comes after it.
    fn accept(&mut self, reply: v1::DiscoverHierarchyReply) {
        self.pages += 1;
        self.total_objects = Some(reply.total_objects);
        let token = reply.next_page_token;
        if !token.is_empty() && !self.seen_tokens.insert(token.clone()) {
            // A page from a gateway that lost its place: none of it is used.
            self.next = Next::Repeated(token);
            return;
        }
        self.page = reply.objects.into();
        self.next = if token.is_empty() {
            Next::End
        } else {
            Next::Page(token)
        };
    }
}

impl Stream for Hierarchy {
    type Item = Result<v1::GalaxyObject, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if let Some(object) = this.page.pop_front() {
                return Poll::Ready(Some(Ok(object)));
            }
            if this.done {
                return Poll::Ready(None);
            }
            if this.in_flight.is_none() {
                match std::mem::replace(&mut this.next, Next::End) {
                    Next::End => {
                        this.done = true;
                        return Poll::Ready(None);
                    }
                    Next::Repeated(token) => {
                        this.done = true;
                        return Poll::Ready(Some(Err(Error::protocol(format!(
                            "the gateway repeated the page token {token:?} after {} pages; \
                             stopping instead of browsing in a loop",
                            this.pages
                        )))));
                    }
                    Next::Page(token) => {
                        let client = this.client.clone();
                        let page_size = this.page_size;
                        this.in_flight = Some(Box::pin(async move {
                            client.discover_page(page_size, &token).await
                        }));
                    }
                }
            }
            let Some(in_flight) = this.in_flight.as_mut() else {
                continue;
            };
            let result = match in_flight.as_mut().poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(result) => result,
            };
            this.in_flight = None;
            match result {
                Ok(reply) => this.accept(reply),
                Err(e) => {
                    this.done = true;
                    return Poll::Ready(Some(Err(e)));
                }
            }
        }
    }
}

/// Deploy events from [`GalaxyRepositoryClient::watch_deploy_events`]: the
/// current deploy state first, then one event per deploy. `sequence` is
/// monotonic per gateway start; a gap means the gateway dropped events for
/// this slow subscriber. The first error ends the stream; dropping it
/// cancels the call at the gateway.
pub struct DeployEvents {
    inner: RpcStream<v1::DeployEvent>,
}

impl fmt::Debug for DeployEvents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeployEvents")
            .field("done", &self.inner.is_done())
            .finish_non_exhaustive()
    }
}

impl Stream for DeployEvents {
    type Item = Result<v1::DeployEvent, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Pin::new(&mut self.inner).poll_next(cx)
    }
}

//! Async Rust client for the MXAccess Gateway (`mxgateway.v1`).
//!
//! # Layout
//!
//! - [`ClientOptions`] / [`TlsOptions`]: where and how to connect. TLS is the
//!   default; plaintext only when [`TlsOptions::plaintext`] is set. There is no
//!   implicit downgrade for loopback endpoints.
//! - [`GatewayClient`]: one channel to one gateway. Every call, unary and
//!   streaming, carries `authorization: Bearer <key>` and follows one timeout
//!   policy (see [`ClientOptions::timeout`]).
//! - [`Session`]: a cheap-to-clone handle on a gateway session with one typed
//!   method per MXAccess command, and the event streams.
//! - [`bulk`]: the bulk command family on [`Session`] (`add_item_bulk`,
//!   `subscribe_bulk`, `write_bulk`, `read_bulk`, ...): many MXAccess calls in
//!   one round trip, one result per entry, and failed entries that never fail
//!   the call.
//! - [`GalaxyRepositoryClient`] ([`galaxy`]): the `GalaxyRepository` service,
//!   which takes no session: test the repository connection, the last deploy
//!   time, the deployed hierarchy page by page ([`Hierarchy`], a lazy stream
//!   that holds at most one page), deploy events ([`DeployEvents`]), and
//!   deploying a new simulated galaxy. Same options and security as
//!   [`GatewayClient`]; [`GatewayClient::galaxy`] shares its channel.
//! - [`alarms`]: the session-less alarm RPCs on [`GatewayClient`]: the alarm
//!   feed ([`AlarmEvents`]), the active alarms, and acknowledgement (raw and
//!   checked), with [`AlarmFilter`] to choose the alarms.
//! - [`Error`]: every failure, classified by the gateway's `mxgateway-error`
//!   metadata or the gRPC code, never by message text.
//!
//! # Raw and checked calls
//!
//! MXAccess failures are not gRPC errors: the gateway returns them inside the
//! reply (`hresult`, `statuses`). The `*_raw` methods
//! ([`GatewayClient::invoke_raw`], [`Session::invoke_raw`]) fail only for
//! gateway-level problems (transport, auth, unknown session, protocol status)
//! and hand back MXAccess failures inside the reply for the caller to inspect.
//! [`Session::invoke`] and the typed helpers ([`Session::register`],
//! [`Session::write`], ...) additionally check the reply and fail with
//! [`Error::MxAccess`], which carries the raw reply. See [`check`] for the exact
//! rules (a status whose category is unpopulated is never a failure).
//!
//! # Example
//!
//! ```no_run
//! # async fn demo() -> Result<(), mxgateway_client::Error> {
//! use futures::StreamExt;
//! use mxgateway_client::{ClientOptions, GatewayClient};
//!
//! let mut options = ClientOptions::new("gateway.example:5000");
//! options.api_key = Some(std::env::var("MXGATEWAY_API_KEY").unwrap_or_default());
//! let client = GatewayClient::connect(options).await?;
//! let session = client.open_session("example").await?;
//! let server = session.register("example").await?;
//! let item = session.add_item(server, "TestChildObject.TestInt").await?;
//! session.advise(server, item).await?;
//! let mut events = session.stream_events().await?;
//! if let Some(event) = events.next().await {
//!     println!("{:?}", event?);
//! }
//! session.close().await?;
//! # Ok(())
//! # }
//! ```

#![forbid(unsafe_code)]
#![deny(rust_2018_idioms)]

pub mod alarms;
pub mod bulk;
pub mod check;
mod client;
mod error;
pub mod galaxy;
mod options;
mod session;
mod stream;
mod transport;
pub mod value;

pub use alarms::{AlarmEvents, AlarmFilter};
pub use bulk::{Write2Entry, WriteEntry, WriteSecured2Entry, WriteSecuredEntry};
pub use client::GatewayClient;
pub use error::Error;
pub use galaxy::{DeployEvents, GalaxyRepositoryClient, Hierarchy};
pub use options::{ClientOptions, TlsOptions, DEFAULT_TIMEOUT};
pub use session::Session;
pub use stream::{EventBatches, EventStream};

/// The generated `mxgateway.v1` messages this API speaks, re-exported so
/// callers need not depend on `mxgateway-proto` directly.
pub use mxgateway_proto::v1 as proto;

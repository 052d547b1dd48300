//! The plant link: the wire boundary between workers and the simulated plant.
//!
//! The gateway hosts one [`mxgateway_sim::Plant`] and serves it on a loopback
//! TCP port with [`server::PlantLinkServer`]; each worker's simulator backend
//! connects with [`client::PlantClient`], proving with a per-gateway token that
//! the gateway started it. Frames are the worker pipe's length-prefixed
//! protobuf messages (`mxgateway.plant.v1`).
//!
//! Architecture invariant: every session's worker sees the same plant, so a
//! write through one session is an update in every other session.

#![forbid(unsafe_code)]

pub mod client;
pub mod server;

/// Why the link failed.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("cannot reach the plant at {addr}: {source}")]
    Connect {
        addr: String,
        source: std::io::Error,
    },
    #[error("plant link framing failed: {0}")]
    Frame(#[from] mxgateway_worker_protocol::FrameError),
    #[error("the plant refused the link: {0}")]
    Refused(String),
    #[error("the plant link closed")]
    Closed,
}

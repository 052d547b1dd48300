//! The gateway ↔ worker pipe protocol: framing and versions.
//!
//! A frame is a 4-byte little-endian length followed by one protobuf message.
//! The same framing carries the plant link (worker ↔ simulated plant). Message
//! types live in `mxgateway-proto` (`worker` and `plant` modules); this crate
//! only knows how to move them, so codecs and message types stay apart.
//!
//! Handshake on the worker pipe: the gateway writes `Init` carrying
//! [`WORKER_PROTOCOL_VERSION`]; the worker answers `Ready` with its own version,
//! or exits with [`exit_code::VERSION_MISMATCH`].

#![forbid(unsafe_code)]

mod frame;

pub use frame::{FrameError, FrameReader, FrameWriter, MAX_FRAME_BYTES};

/// Version of the worker pipe protocol (`mxgateway.worker.v1`).
pub const WORKER_PROTOCOL_VERSION: u32 = 3;

/// Version of the plant link protocol (`mxgateway.plant.v1`).
pub const PLANT_LINK_VERSION: u32 = 2;

/// Exit codes of the worker process, so the gateway can explain a death.
pub mod exit_code {
    /// Clean shutdown (asked to, or the gateway closed the pipe).
    pub const OK: i32 = 0;
    /// Any other failure.
    pub const FAILURE: i32 = 1;
    /// Bad command line or environment.
    pub const USAGE: i32 = 2;
    /// The gateway speaks another protocol version.
    pub const VERSION_MISMATCH: i32 = 3;
    /// The gateway stopped sending heartbeats.
    pub const GATEWAY_SILENT: i32 = 4;
    /// The backend (plant link or COM) failed.
    pub const BACKEND_FAILED: i32 = 5;
}

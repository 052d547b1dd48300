//! The MXAccess domain model shared by the simulator, the worker and the gateway.
//!
//! These are plain Rust types with the vendor's numbers (`mxaccess-semantics.md` §3–§4).
//! No wire format lives here: the `mxgateway-proto` crate converts to and from protobuf.

#![forbid(unsafe_code)]

mod conflate;
mod pattern;
mod status;
mod value;

pub use conflate::{ConflatingQueue, Push};
pub use pattern::{AllowList, TagPattern};
pub use status::{
    detail, hresult, quality, MxStatus, SecurityClassification, StatusCategory, StatusSource,
};
pub use value::{DataType, MxValue, Timestamp, ValueError, Vtq};

/// A map keyed by handles or ids (integers the runtime hands out, never text a
/// client chose) on the event path. `foldhash` hashes such keys several times
/// faster than the standard SipHash and is still seeded per process; at a
/// million events a second, every event does a few of these lookups.
pub type HandleMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// The most samples one buffered item holds for delivery (in the worker
/// between two buffered update intervals, and in the gateway's merged events
/// while a consumer falls behind). Beyond it the oldest samples are dropped
/// and counted in `OnBufferedDataChange.samples_dropped`.
pub const MAX_BUFFERED_SAMPLES: usize = 1000;

/// `SetBufferedUpdateInterval` rounds to multiples of this (ms), as the
/// runtime's native path does (`mxaccess-semantics.md` §1).
pub const BUFFERED_INTERVAL_STEP_MS: i32 = 100;

/// The buffered update interval of a server handle before any
/// `SetBufferedUpdateInterval` (ms). The vendor's default is not public.
pub const DEFAULT_BUFFERED_INTERVAL_MS: i32 = 1000;

/// The longest buffered update interval accepted (one hour, in ms).
pub const MAX_BUFFERED_INTERVAL_MS: i32 = 3_600_000;

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

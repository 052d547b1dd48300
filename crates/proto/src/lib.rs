//! Generated protobuf messages and tonic services for every wire boundary of
//! the gateway, plus the one place that converts them to and from the domain
//! model in `mxgateway-mx`.
//!
//! - [`v1`]: the public gRPC API (`mxgateway.v1`) and the shared value model.
//! - [`worker`]: the gateway ↔ worker pipe (`mxgateway.worker.v1`).
//! - [`plant`]: the worker ↔ simulated plant link (`mxgateway.plant.v1`).
//! - [`passthrough`]: the gateway's server, forwarding the worker's encoded
//!   replies and events.

#![forbid(unsafe_code)]
#![allow(clippy::large_enum_variant, clippy::doc_lazy_continuation)]

mod buffered;
pub mod codec;
mod convert;
pub mod passthrough;
mod redact;

pub use buffered::merge_buffered;
pub use convert::ConvertError;

/// The generated code, nested as the proto packages are.
pub mod generated {
    pub mod mxgateway {
        pub mod v1 {
            tonic::include_proto!("mxgateway.v1");
        }
        pub mod worker {
            pub mod v1 {
                tonic::include_proto!("mxgateway.worker.v1");
            }
        }
        pub mod plant {
            pub mod v1 {
                tonic::include_proto!("mxgateway.plant.v1");
            }
        }
    }
}

/// The encoded `FileDescriptorSet` of every contract, for gRPC server reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/mxgateway_descriptor.bin"));

pub use convert::{
    data_type_from_pb, data_type_to_pb, security_to_pb, timestamp_from_pb, timestamp_to_pb,
};
/// `mxgateway.plant.v1`: frames on the plant link.
pub use generated::mxgateway::plant::v1 as plant;
/// `mxgateway.v1`: the gateway service, commands, events and values.
pub use generated::mxgateway::v1;
/// `mxgateway.worker.v1`: frames on the worker's stdio.
pub use generated::mxgateway::worker::v1 as worker;

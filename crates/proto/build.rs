//! Compiles `proto/` with protox (a pure-Rust protobuf compiler), so a fresh
//! machine needs nothing but cargo: no system `protoc`.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../proto");
    let files = [
        "mxgateway/v1/values.proto",
        "mxgateway/v1/commands.proto",
        "mxgateway/v1/alarms.proto",
        "mxgateway/v1/gateway.proto",
        "mxgateway/v1/galaxy.proto",
        "mxgateway/worker/v1/worker.proto",
        "mxgateway/plant/v1/plant.proto",
    ];
    let descriptors = protox::compile(files, [&root])?;
    // The encoded descriptors also feed gRPC server reflection.
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(
        out.join("mxgateway_descriptor.bin"),
        prost::Message::encode_to_vec(&descriptors),
    )?;
    tonic_prost_build::configure()
        .build_server(true)
        .build_client(true)
        // Contiguous encoding and decoding (src/codec.rs).
        .codec_path("crate::codec::FlatCodec")
        .skip_debug([
            "mxgateway.v1.AuthenticateUserCommand",
            "mxgateway.plant.v1.Authenticate",
        ])
        .compile_fds(descriptors.clone())?;
    // The gateway's own server: the same service, except that command replies
    // and event batches are carried as their encodings (src/passthrough.rs),
    // so the gateway forwards what the worker encoded without decoding it.
    // Only the service is generated here; every message resolves to the
    // types above.
    let mut service_only = descriptors;
    service_only
        .file
        .retain(|f| f.name() == "mxgateway/v1/gateway.proto");
    for file in &mut service_only.file {
        file.message_type.clear();
        file.enum_type.clear();
    }
    let passthrough = out.join("passthrough");
    std::fs::create_dir_all(&passthrough)?;
    tonic_prost_build::configure()
        .build_server(true)
        .build_client(false)
        .out_dir(&passthrough)
        .codec_path("crate::codec::FlatCodec")
        .extern_path(
            ".mxgateway.v1.MxCommandReply",
            "crate::passthrough::RawMxCommandReply",
        )
        .extern_path(
            ".mxgateway.v1.StreamEventsReply",
            "crate::passthrough::RawStreamEventsReply",
        )
        .extern_path(".mxgateway", "crate::generated::mxgateway")
        .compile_fds(service_only)?;
    println!("cargo:rerun-if-changed={}", root.display());
    Ok(())
}

//! `mxgateway-worker`: the per-session worker process. Started by the gateway
//! with the worker protocol on stdin/stdout; not meant to be run by hand.
//! (`mxgateway worker` is the same program inside the gateway binary.)

#![forbid(unsafe_code)]

fn main() {
    if std::env::args().any(|a| a == "--version") {
        println!("mxgateway-worker {}", env!("CARGO_PKG_VERSION"));
        return;
    }
    std::process::exit(mxgateway_worker::process_main());
}

//! The per-session worker process.
//!
//! One worker serves one gateway session, so a crash or hang stays inside it.
//! It reads `mxgateway.worker.v1` frames from stdin, writes them to stdout and
//! logs to stderr. [`semantics::MxSession`] implements the MXAccess rules
//! (handles, advise, write preconditions, event sequencing) over a
//! [`backend::Backend`]; the first backend is the simulated plant reached over
//! the plant link, and a COM backend on Windows will implement the same trait.
//!
//! Architecture invariant: the worker never listens on the network; its only
//! peers are its parent (stdio) and the plant link address its parent gave it.

#![forbid(unsafe_code)]

pub mod backend;
mod buffered;
mod bulk;
mod pipe;
mod references;
pub mod semantics;
mod slab;

pub use buffered::effective_interval_ms;
pub use bulk::DEFAULT_READ_TIMEOUT_MS;
pub use pipe::run;

/// Runs a worker process on this process's stdio and returns its exit code.
/// Logs go to stderr (filter: `MXGATEWAY_WORKER_LOG`, default `warn`),
/// because stdout carries protocol frames.
pub fn process_main() -> i32 {
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("MXGATEWAY_WORKER_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .try_init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("mxgateway-worker: cannot start the runtime: {e}");
            return mxgateway_worker_protocol::exit_code::FAILURE;
        }
    };
    let code = runtime.block_on(run(tokio::io::stdin(), tokio::io::stdout()));
    // `run` has flushed every frame. What may still run is the blocking read of
    // stdin, which no timeout can interrupt: waiting for it made every
    // CloseSession take a full second, so the process leaves it behind.
    runtime.shutdown_background();
    code
}

//! The MXAccess Gateway server.
//!
//! Layout (one module per concern):
//! - [`config`]: every setting and limit, validated before anything starts;
//! - [`auth`]: API keys (salted hashes on disk) and scopes;
//! - [`worker`]: spawning and supervising one worker process per session;
//! - [`events`]: a session's bounded, conflating event queue;
//! - [`session`]: sessions, ownership, idle timeout and the session limit;
//! - [`alarms`]: the session-less alarm RPCs over the plant's alarm runtime;
//! - [`service`]: the tonic service (the only place that knows gRPC besides `server`);
//! - [`error`]: the one table from gateway errors to gRPC statuses;
//! - [`server`]: assembling and shutting down a running [`Gateway`].

#![forbid(unsafe_code)]

pub mod alarms;
pub mod auth;
pub mod config;
pub mod deploys;
pub mod error;
pub mod events;
pub mod galaxy;
pub mod galaxy_service;
pub mod server;
pub mod service;
pub mod session;
pub mod worker;

pub use config::Config;
pub use server::{Gateway, StartError};

//! The command line, as clap parses it. `mxgw-py` accepts the same commands
//! and flags; `docs/cli-json.md` lists them.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::values::ValueType;

/// The cap on `--max-events`: a bound on what one invocation collects, so a
/// typo cannot turn into an unbounded buffer (smoke keeps its events in memory).
pub const MAX_EVENTS_CAP: u32 = 1_000_000;

#[derive(Debug, Parser)]
#[command(
    name = "mxgw",
    version,
    about = "Command-line client of the MXAccess Gateway",
    long_about = "Command-line client of the MXAccess Gateway.\n\n\
        Exit codes: 0 success, 1 runtime error, 2 usage error. With --json, results \
        and errors are JSON on stdout (see docs/cli-json.md)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the client version and protocol.
    Version(VersionArgs),
    /// Open a session and print its id, capabilities and limits.
    OpenSession(OpenSessionArgs),
    /// Close a session (and stop its worker).
    CloseSession(SessionOnlyArgs),
    /// Register(clientName) -> serverHandle.
    Register(RegisterArgs),
    /// Unregister(serverHandle).
    Unregister(ServerHandleArgs),
    /// AddItem(serverHandle, item) -> itemHandle; AddItem2 with --context.
    AddItem(AddItemArgs),
    /// RemoveItem(serverHandle, itemHandle).
    RemoveItem(ItemArgs),
    /// Advise(serverHandle, itemHandle); AdviseSupervisory with --supervisory.
    Advise(AdviseArgs),
    /// UnAdvise(serverHandle, itemHandle).
    Unadvise(ItemArgs),
    /// Write(serverHandle, itemHandle, value, userId); Write2 with --timestamp.
    Write(WriteArgs),
    /// WriteSecured(serverHandle, itemHandle, currentUserId, verifierUserId, value);
    /// WriteSecured2 with --timestamp.
    WriteSecured(WriteSecuredArgs),
    /// AuthenticateUser(serverHandle, user, password) -> userId.
    AuthenticateUser(AuthenticateUserArgs),
    /// Stream a session's events, one line per event (JSON Lines with --json).
    StreamEvents(StreamEventsArgs),
    /// Open, register, add, advise, collect events, and always close the session.
    Smoke(SmokeArgs),
}

/// How to reach the gateway. TLS is the default; plaintext only on request.
#[derive(Debug, Clone, Args)]
pub struct ConnectArgs {
    /// The gateway address, host:port.
    #[arg(long, default_value = "127.0.0.1:5000", value_name = "HOST:PORT")]
    pub endpoint: String,
    /// The API key (mxgw_<id>_<secret>). Prefer --api-key-env: command lines are visible to other users.
    #[arg(long, value_name = "KEY", conflicts_with = "api_key_env")]
    pub api_key: Option<String>,
    /// Read the API key from this environment variable.
    #[arg(long, value_name = "NAME")]
    pub api_key_env: Option<String>,
    /// Connect without TLS (the key then travels in cleartext).
    #[arg(long, conflicts_with = "tls")]
    pub plaintext: bool,
    /// Connect with TLS (the default; accepted for explicitness).
    #[arg(long)]
    pub tls: bool,
    /// A PEM file of CA certificates to trust instead of the system roots.
    #[arg(long, value_name = "PATH", conflicts_with = "plaintext")]
    pub ca_file: Option<PathBuf>,
    /// The name to verify the server certificate against.
    #[arg(long, value_name = "NAME", conflicts_with = "plaintext")]
    pub server_name_override: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct OutputArgs {
    /// Print JSON (one object; JSON Lines for stream-events).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct VersionArgs {
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct OpenSessionArgs {
    /// A label for operators, shown in the gateway's session list.
    #[arg(long, default_value = "mxgw", value_name = "NAME")]
    pub client_session_name: String,
    #[command(flatten)]
    pub connect: ConnectArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct SessionOnlyArgs {
    /// The session id, as open-session printed it.
    #[arg(long, value_name = "ID")]
    pub session_id: String,
    #[command(flatten)]
    pub connect: ConnectArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct RegisterArgs {
    /// The session id.
    #[arg(long, value_name = "ID")]
    pub session_id: String,
    /// The MXAccess client name.
    #[arg(long, default_value = "mxgw", value_name = "NAME")]
    pub client_name: String,
    #[command(flatten)]
    pub connect: ConnectArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct ServerHandleArgs {
    /// The session id.
    #[arg(long, value_name = "ID")]
    pub session_id: String,
    /// The handle Register returned.
    #[arg(long, value_name = "HANDLE", allow_negative_numbers = true)]
    pub server_handle: i32,
    #[command(flatten)]
    pub connect: ConnectArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct AddItemArgs {
    /// The session id.
    #[arg(long, value_name = "ID")]
    pub session_id: String,
    /// The handle Register returned.
    #[arg(long, value_name = "HANDLE", allow_negative_numbers = true)]
    pub server_handle: i32,
    /// The item reference, e.g. TestChildObject.TestInt.
    #[arg(long, value_name = "REFERENCE")]
    pub item: String,
    /// An item context; uses AddItem2.
    #[arg(long, value_name = "CONTEXT")]
    pub context: Option<String>,
    #[command(flatten)]
    pub connect: ConnectArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// The session and handles every item command needs.
#[derive(Debug, Clone, Args)]
pub struct HandleArgs {
    /// The session id.
    #[arg(long, value_name = "ID")]
    pub session_id: String,
    /// The handle Register returned.
    #[arg(long, value_name = "HANDLE", allow_negative_numbers = true)]
    pub server_handle: i32,
    /// The handle AddItem returned.
    #[arg(long, value_name = "HANDLE", allow_negative_numbers = true)]
    pub item_handle: i32,
}

#[derive(Debug, Args)]
pub struct ItemArgs {
    #[command(flatten)]
    pub handles: HandleArgs,
    #[command(flatten)]
    pub connect: ConnectArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct AdviseArgs {
    #[command(flatten)]
    pub handles: HandleArgs,
    /// Use AdviseSupervisory (no user security checks on later writes).
    #[arg(long)]
    pub supervisory: bool,
    #[command(flatten)]
    pub connect: ConnectArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// A value to write.
#[derive(Debug, Clone, Args)]
pub struct ValueArgs {
    /// The value type. Array types take a JSON array as --value.
    #[arg(long = "type", value_enum, value_name = "TYPE")]
    pub value_type: ValueType,
    /// The value, e.g. 123, 1.5, true, 2024-01-02T03:04:05Z, or [1,2,3].
    #[arg(long, value_name = "VALUE", allow_hyphen_values = true)]
    pub value: String,
    /// A source timestamp (RFC 3339 with offset); uses Write2 / WriteSecured2.
    #[arg(long, value_name = "RFC3339")]
    pub timestamp: Option<String>,
}

#[derive(Debug, Args)]
pub struct WriteArgs {
    #[command(flatten)]
    pub handles: HandleArgs,
    #[command(flatten)]
    pub value: ValueArgs,
    /// The MXAccess user id (0: none).
    #[arg(
        long,
        default_value_t = 0,
        value_name = "ID",
        allow_negative_numbers = true
    )]
    pub user_id: i32,
    #[command(flatten)]
    pub connect: ConnectArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct WriteSecuredArgs {
    #[command(flatten)]
    pub handles: HandleArgs,
    #[command(flatten)]
    pub value: ValueArgs,
    /// The writing user's id, from authenticate-user.
    #[arg(long, value_name = "ID", allow_negative_numbers = true)]
    pub current_user_id: i32,
    /// The verifying user's id, for verified writes (0: none).
    #[arg(
        long,
        default_value_t = 0,
        value_name = "ID",
        allow_negative_numbers = true
    )]
    pub verifier_user_id: i32,
    #[command(flatten)]
    pub connect: ConnectArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct PasswordArgs {
    /// The password. Prefer --password-env: command lines are visible to other users.
    #[arg(long, value_name = "PASSWORD")]
    pub password: Option<String>,
    /// Read the password from this environment variable.
    #[arg(long, value_name = "NAME")]
    pub password_env: Option<String>,
}

#[derive(Debug, Args)]
pub struct AuthenticateUserArgs {
    /// The session id.
    #[arg(long, value_name = "ID")]
    pub session_id: String,
    /// The handle Register returned.
    #[arg(long, value_name = "HANDLE", allow_negative_numbers = true)]
    pub server_handle: i32,
    /// The user name.
    #[arg(long, value_name = "NAME")]
    pub user: String,
    #[command(flatten)]
    pub password: PasswordArgs,
    #[command(flatten)]
    pub connect: ConnectArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

fn max_events() -> clap::builder::RangedI64ValueParser<u32> {
    clap::value_parser!(u32).range(0..=i64::from(MAX_EVENTS_CAP))
}

#[derive(Debug, Args)]
pub struct StreamEventsArgs {
    /// The session id.
    #[arg(long, value_name = "ID")]
    pub session_id: String,
    /// Stop after this many events (0: until interrupted or --timeout-ms; at most 1000000).
    #[arg(long, default_value_t = 0, value_name = "N", value_parser = max_events())]
    pub max_events: u32,
    /// Stop after this long, in milliseconds (0: no limit). Ending at the limit is not an error.
    #[arg(long, default_value_t = 0, value_name = "MS")]
    pub timeout_ms: u64,
    #[command(flatten)]
    pub connect: ConnectArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct SmokeArgs {
    /// The item reference to subscribe to, e.g. TestChildObject.TestInt.
    #[arg(long, value_name = "REFERENCE")]
    pub item: String,
    /// The MXAccess client name (also the session label).
    #[arg(long, default_value = "mxgw-smoke", value_name = "NAME")]
    pub client_name: String,
    /// How many events to collect (at most 1000000).
    #[arg(long, default_value_t = 1, value_name = "N", value_parser = max_events())]
    pub max_events: u32,
    /// How long to wait for the events, in milliseconds; fewer events is a timeout error.
    #[arg(long, default_value_t = 10_000, value_name = "MS")]
    pub timeout_ms: u64,
    #[command(flatten)]
    pub connect: ConnectArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

impl Command {
    /// The `--json` flag of whichever command this is.
    pub fn json(&self) -> bool {
        match self {
            Command::Version(a) => a.output.json,
            Command::OpenSession(a) => a.output.json,
            Command::CloseSession(a) => a.output.json,
            Command::Register(a) => a.output.json,
            Command::Unregister(a) => a.output.json,
            Command::AddItem(a) => a.output.json,
            Command::RemoveItem(a) => a.output.json,
            Command::Advise(a) => a.output.json,
            Command::Unadvise(a) => a.output.json,
            Command::Write(a) => a.output.json,
            Command::WriteSecured(a) => a.output.json,
            Command::AuthenticateUser(a) => a.output.json,
            Command::StreamEvents(a) => a.output.json,
            Command::Smoke(a) => a.output.json,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}

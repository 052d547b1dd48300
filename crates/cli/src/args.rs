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
    /// AddBufferedItem(serverHandle, item, context) -> itemHandle: once advised, the item
    /// reports through bufferedDataChange events.
    AddBufferedItem(AddBufferedItemArgs),
    /// SetBufferedUpdateInterval(serverHandle, intervalMs): rounded up to 100 ms.
    SetBufferedUpdateInterval(SetBufferedUpdateIntervalArgs),
    /// RemoveItem(serverHandle, itemHandle).
    RemoveItem(ItemArgs),
    /// Advise(serverHandle, itemHandle); AdviseSupervisory with --supervisory.
    Advise(AdviseArgs),
    /// UnAdvise(serverHandle, itemHandle).
    Unadvise(ItemArgs),
    /// Suspend(serverHandle, itemHandle): an advised item stops delivering data changes.
    Suspend(ItemArgs),
    /// Activate(serverHandle, itemHandle): ends a suspension; the current value is delivered at once.
    Activate(ItemArgs),
    /// Write(serverHandle, itemHandle, value, userId); Write2 with --timestamp.
    Write(WriteArgs),
    /// WriteSecured(serverHandle, itemHandle, currentUserId, verifierUserId, value);
    /// WriteSecured2 with --timestamp.
    WriteSecured(WriteSecuredArgs),
    /// AuthenticateUser(serverHandle, user, password) -> userId.
    AuthenticateUser(AuthenticateUserArgs),
    /// ArchestrAUserToId(serverHandle, userGuid) -> userId.
    ArchestraUserToId(ArchestraUserToIdArgs),
    /// AddItem for every --item reference, in one call.
    #[command(long_about = BULK_ADD_ITEM)]
    AddItemBulk(ReferenceBulkArgs),
    /// AddItem and Advise for every --item reference, in one call.
    #[command(long_about = BULK_SUBSCRIBE)]
    SubscribeBulk(ReferenceBulkArgs),
    /// Advise for every --item-handle, in one call.
    #[command(long_about = BULK_ADVISE)]
    AdviseItemBulk(HandleBulkArgs),
    /// UnAdvise for every --item-handle, in one call.
    #[command(long_about = BULK_UNADVISE)]
    UnadviseItemBulk(HandleBulkArgs),
    /// RemoveItem for every --item-handle, in one call.
    #[command(long_about = BULK_REMOVE)]
    RemoveItemBulk(HandleBulkArgs),
    /// UnAdvise and RemoveItem for every --item-handle, in one call.
    #[command(long_about = BULK_UNSUBSCRIBE)]
    UnsubscribeBulk(HandleBulkArgs),
    /// Read every --item reference once (cached if advised, else a one-off subscription).
    #[command(long_about = BULK_READ)]
    ReadBulk(ReadBulkArgs),
    /// Write(value, userId) for every --item HANDLE=VALUE, in one call.
    #[command(long_about = BULK_WRITE)]
    WriteBulk(WriteBulkArgs),
    /// Write2(value, timestamp, userId) for every --item HANDLE=VALUE, in one call.
    #[command(long_about = BULK_WRITE2)]
    Write2Bulk(Write2BulkArgs),
    /// WriteSecured(currentUserId, verifierUserId, value) for every --item HANDLE=VALUE, in one call.
    #[command(long_about = BULK_WRITE_SECURED)]
    WriteSecuredBulk(WriteSecuredBulkArgs),
    /// WriteSecured2(currentUserId, verifierUserId, value, timestamp) for every --item HANDLE=VALUE, in one call.
    #[command(long_about = BULK_WRITE_SECURED2)]
    WriteSecured2Bulk(WriteSecured2BulkArgs),
    /// Stream a session's events, one line per event (JSON Lines with --json).
    StreamEvents(StreamEventsArgs),
    /// Open, register, add, advise, collect events, and always close the session.
    Smoke(SmokeArgs),
    /// Benchmark ReadBulk on subscribed (cached) tags: calls/s and latency percentiles.
    #[command(long_about = BENCH_READ_BULK)]
    BenchReadBulk(BenchReadBulkArgs),
    /// Benchmark the event stream of subscribed tags: events/s, source-to-client latency, conflation.
    #[command(long_about = BENCH_STREAM_EVENTS)]
    BenchStreamEvents(BenchStreamEventsArgs),
    /// Whether the gateway can query its Galaxy Repository database.
    #[command(long_about = GALAXY_TEST_CONNECTION)]
    GalaxyTestConnection(GalaxyArgs),
    /// The galaxy's last deploy time (null when it was never deployed).
    #[command(long_about = GALAXY_LAST_DEPLOY)]
    GalaxyLastDeploy(GalaxyArgs),
    /// The deployed objects with their attributes, one line per object (JSON Lines with --json).
    #[command(long_about = GALAXY_DISCOVER)]
    GalaxyDiscover(GalaxyDiscoverArgs),
    /// Stream deploy events, one line per deploy (JSON Lines with --json).
    #[command(long_about = GALAXY_WATCH)]
    GalaxyWatch(GalaxyWatchArgs),
    /// Replace the simulated galaxy's model with a TOML model file (admin scope).
    #[command(long_about = GALAXY_DEPLOY)]
    GalaxyDeploy(GalaxyDeployArgs),
    /// Stream alarms: a snapshot of the active ones, then every transition (JSON Lines with --json).
    #[command(long_about = STREAM_ALARMS)]
    StreamAlarms(StreamAlarmsArgs),
    /// The active alarms, most urgent first.
    #[command(long_about = QUERY_ACTIVE_ALARMS)]
    QueryActiveAlarms(QueryActiveAlarmsArgs),
    /// Acknowledge one alarm for a galaxy user (alarms:ack scope).
    #[command(long_about = ACKNOWLEDGE_ALARM)]
    AcknowledgeAlarm(AcknowledgeAlarmArgs),
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
    /// Print JSON (one object; JSON Lines for stream-events, galaxy-discover, galaxy-watch and stream-alarms).
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

#[derive(Debug, Args)]
pub struct AddBufferedItemArgs {
    /// The session id.
    #[arg(long, value_name = "ID")]
    pub session_id: String,
    /// The handle Register returned.
    #[arg(long, value_name = "HANDLE", allow_negative_numbers = true)]
    pub server_handle: i32,
    /// The item reference, e.g. TestChildObject.TestInt.
    #[arg(long, value_name = "REFERENCE")]
    pub item: String,
    /// The item context relative references resolve in (default: none).
    #[arg(long, value_name = "CONTEXT", default_value = "")]
    pub context: String,
    #[command(flatten)]
    pub connect: ConnectArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct SetBufferedUpdateIntervalArgs {
    /// The session id.
    #[arg(long, value_name = "ID")]
    pub session_id: String,
    /// The handle Register returned.
    #[arg(long, value_name = "HANDLE", allow_negative_numbers = true)]
    pub server_handle: i32,
    /// The interval of the server handle's bufferedDataChange events, 1 to 3600000 ms;
    /// the gateway rounds it up to a multiple of 100 ms.
    #[arg(long, value_name = "MS", allow_negative_numbers = true)]
    pub interval_ms: i32,
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
pub struct ArchestraUserToIdArgs {
    /// The session id.
    #[arg(long, value_name = "ID")]
    pub session_id: String,
    /// The handle Register returned.
    #[arg(long, value_name = "HANDLE", allow_negative_numbers = true)]
    pub server_handle: i32,
    /// The ArchestrA user GUID (8-4-4-4-12 hex digits, braces optional).
    #[arg(long, value_name = "GUID")]
    pub user_guid: String,
    #[command(flatten)]
    pub connect: ConnectArgs,
    #[command(flatten)]
    pub output: OutputArgs,
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

// === bulk commands ===

/// What every bulk command's long help ends with.
macro_rules! bulk_help {
    ($head:literal, $entries:literal) => {
        concat!(
            $head,
            "\n\n",
            $entries,
            " Entries come from the repeated flag, then from --items-file (one per line; \
             surrounding whitespace is trimmed, blank lines and lines starting with # are \
             skipped). No entries, or a malformed one, is a usage error and nothing is sent; \
             the gateway refuses more entries than its maxBulkItems limit (see open-session) \
             as invalid-argument.",
            "\n\n",
            "Prints one result per entry, in order. A failed entry (wasSuccessful false, with \
             its hresult, statuses, message, and deniedByConstraint when the API key's tag \
             allow-lists refused it) does not fail the command; a failure of the call as a \
             whole does, as for the single commands."
        )
    };
}

const BULK_ADD_ITEM: &str = bulk_help!(
    "AddItem(serverHandle, item) for every reference, in one round trip. Each result \
     carries the reference and the item handle AddItem assigned.",
    "Entries: --item REFERENCE."
);
const BULK_SUBSCRIBE: &str = bulk_help!(
    "AddItem(serverHandle, item) then Advise(serverHandle, itemHandle) for every reference, \
     in one round trip; data changes then arrive on stream-events. Each result carries the \
     reference and the assigned item handle.",
    "Entries: --item REFERENCE."
);
const BULK_ADVISE: &str = bulk_help!(
    "Advise(serverHandle, itemHandle) for every item handle, in one round trip.",
    "Entries: --item-handle N."
);
const BULK_UNADVISE: &str = bulk_help!(
    "UnAdvise(serverHandle, itemHandle) for every item handle, in one round trip.",
    "Entries: --item-handle N."
);
const BULK_REMOVE: &str = bulk_help!(
    "RemoveItem(serverHandle, itemHandle) for every item handle, in one round trip.",
    "Entries: --item-handle N."
);
const BULK_UNSUBSCRIBE: &str = bulk_help!(
    "UnAdvise(serverHandle, itemHandle) then RemoveItem(serverHandle, itemHandle) for every \
     item handle, in one round trip: the inverse of subscribe-bulk.",
    "Entries: --item-handle N."
);
const BULK_READ: &str = bulk_help!(
    "Reads every reference once, in one round trip. A reference the session already \
     advises is answered from its last data change (wasCached true; the subscription is \
     untouched); any other is read the MXAccess way (AddItem, Advise, first data change, \
     UnAdvise, RemoveItem), all concurrently, each waiting at most --timeout-ms. Each \
     result prints its value as a dataChange event does; an entry that got no data change \
     has value null and quality 0.",
    "Entries: --item REFERENCE."
);
const BULK_WRITE: &str = bulk_help!(
    "Write(serverHandle, itemHandle, value, userId) for every entry, in one round trip. A \
     successful entry means the runtime accepted the write; its outcome arrives later as a \
     writeComplete event.",
    "Entries: --item HANDLE=VALUE (the text after the first = is the value, verbatim), \
     every value of --type."
);
const BULK_WRITE2: &str = bulk_help!(
    "Write2(serverHandle, itemHandle, value, timestamp, userId) for every entry, in one \
     round trip, all with the source timestamp --timestamp. A successful entry means the \
     runtime accepted the write; its outcome arrives later as a writeComplete event.",
    "Entries: --item HANDLE=VALUE (the text after the first = is the value, verbatim), \
     every value of --type."
);
const BULK_WRITE_SECURED: &str = bulk_help!(
    "WriteSecured(serverHandle, itemHandle, currentUserId, verifierUserId, value) for every \
     entry, in one round trip. A successful entry means the runtime accepted the write; its \
     outcome arrives later as a writeComplete event.",
    "Entries: --item HANDLE=VALUE (the text after the first = is the value, verbatim), \
     every value of --type."
);
const BULK_WRITE_SECURED2: &str = bulk_help!(
    "WriteSecured2(serverHandle, itemHandle, currentUserId, verifierUserId, value, \
     timestamp) for every entry, in one round trip, all with the source timestamp \
     --timestamp. A successful entry means the runtime accepted the write; its outcome \
     arrives later as a writeComplete event.",
    "Entries: --item HANDLE=VALUE (the text after the first = is the value, verbatim), \
     every value of --type."
);

/// The session and server handle every bulk command takes.
#[derive(Debug, Clone, Args)]
pub struct BulkTargetArgs {
    /// The session id.
    #[arg(long, value_name = "ID")]
    pub session_id: String,
    /// The handle Register returned.
    #[arg(long, value_name = "HANDLE", allow_negative_numbers = true)]
    pub server_handle: i32,
}

/// Entries given as item references.
#[derive(Debug, Clone, Args)]
pub struct ReferenceEntries {
    /// An item reference, e.g. TestChildObject.TestInt (repeatable).
    #[arg(long = "item", value_name = "REFERENCE", allow_hyphen_values = true)]
    pub items: Vec<String>,
    /// A file of more references, one per line (after the --item ones); blank lines and lines starting with # are skipped.
    #[arg(long, value_name = "PATH")]
    pub items_file: Option<PathBuf>,
}

/// Entries given as item handles.
#[derive(Debug, Clone, Args)]
pub struct HandleEntries {
    /// An item handle from add-item or add-item-bulk (repeatable).
    #[arg(
        long = "item-handle",
        value_name = "HANDLE",
        allow_hyphen_values = true
    )]
    pub item_handles: Vec<String>,
    /// A file of more item handles, one per line (after the --item-handle ones); blank lines and lines starting with # are skipped.
    #[arg(long, value_name = "PATH")]
    pub items_file: Option<PathBuf>,
}

/// Entries given as `HANDLE=VALUE`, all of one type.
#[derive(Debug, Clone, Args)]
pub struct WriteEntries {
    /// HANDLE=VALUE: an item handle and the value to write (repeatable); the text after the first = is the value, verbatim.
    #[arg(long = "item", value_name = "HANDLE=VALUE", allow_hyphen_values = true)]
    pub items: Vec<String>,
    /// A file of more HANDLE=VALUE entries, one per line (after the --item ones); blank lines and lines starting with # are skipped.
    #[arg(long, value_name = "PATH")]
    pub items_file: Option<PathBuf>,
    /// The type of every value. Array types take a JSON array.
    #[arg(long = "type", value_enum, value_name = "TYPE")]
    pub value_type: ValueType,
}

/// The users of a secured bulk write.
#[derive(Debug, Clone, Args)]
pub struct SecuredUserArgs {
    /// The writing user's id, from authenticate-user.
    #[arg(
        long,
        default_value_t = 0,
        value_name = "ID",
        allow_negative_numbers = true
    )]
    pub current_user_id: i32,
    /// The verifying user's id, for verified writes (0: none).
    #[arg(
        long,
        default_value_t = 0,
        value_name = "ID",
        allow_negative_numbers = true
    )]
    pub verifier_user_id: i32,
}

#[derive(Debug, Args)]
pub struct ReferenceBulkArgs {
    #[command(flatten)]
    pub target: BulkTargetArgs,
    #[command(flatten)]
    pub entries: ReferenceEntries,
    #[command(flatten)]
    pub connect: ConnectArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct HandleBulkArgs {
    #[command(flatten)]
    pub target: BulkTargetArgs,
    #[command(flatten)]
    pub entries: HandleEntries,
    #[command(flatten)]
    pub connect: ConnectArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct ReadBulkArgs {
    #[command(flatten)]
    pub target: BulkTargetArgs,
    #[command(flatten)]
    pub entries: ReferenceEntries,
    /// How long an item the session does not advise may wait for its first data change, in milliseconds (0: the gateway's default).
    #[arg(long, default_value_t = 0, value_name = "MS")]
    pub timeout_ms: u32,
    #[command(flatten)]
    pub connect: ConnectArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct WriteBulkArgs {
    #[command(flatten)]
    pub target: BulkTargetArgs,
    #[command(flatten)]
    pub entries: WriteEntries,
    /// The MXAccess user id of every entry (0: none).
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
pub struct Write2BulkArgs {
    #[command(flatten)]
    pub target: BulkTargetArgs,
    #[command(flatten)]
    pub entries: WriteEntries,
    /// The source timestamp of every entry (RFC 3339 with offset).
    #[arg(long, value_name = "RFC3339")]
    pub timestamp: String,
    /// The MXAccess user id of every entry (0: none).
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
pub struct WriteSecuredBulkArgs {
    #[command(flatten)]
    pub target: BulkTargetArgs,
    #[command(flatten)]
    pub entries: WriteEntries,
    #[command(flatten)]
    pub users: SecuredUserArgs,
    #[command(flatten)]
    pub connect: ConnectArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct WriteSecured2BulkArgs {
    #[command(flatten)]
    pub target: BulkTargetArgs,
    #[command(flatten)]
    pub entries: WriteEntries,
    /// The source timestamp of every entry (RFC 3339 with offset).
    #[arg(long, value_name = "RFC3339")]
    pub timestamp: String,
    #[command(flatten)]
    pub users: SecuredUserArgs,
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

const BENCH_READ_BULK: &str = "Opens its own session, registers, subscribes every --item \
(SubscribeBulk, so reads are served from the cache), calls ReadBulk with --bulk-size tags per call \
(walking the tag list) for --warmup-seconds unmeasured and then --duration-seconds measured, and \
closes the session. Prints calls per second and the latency percentiles of successful calls \
(docs/cli-json.md, Benchmarks); the keys are the same in mxgw-py.";

const BENCH_STREAM_EVENTS: &str = "Opens its own session, registers, subscribes every --item, \
reads the event stream for --warmup-seconds unmeasured and then --duration-seconds measured, and \
closes the session. Prints events per second, the latency from each data change's source \
timestamp to its receipt, the gateway's conflation count and worker-sequence gaps \
(docs/cli-json.md, Benchmarks); the keys are the same in mxgw-py.";

#[derive(Debug, Args)]
pub struct BenchReadBulkArgs {
    #[command(flatten)]
    pub entries: ReferenceEntries,
    /// Tags per ReadBulk call (0: all of them).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub bulk_size: u32,
    /// How long to measure, in seconds.
    #[arg(
        long,
        default_value_t = 10.0,
        value_name = "S",
        allow_negative_numbers = true
    )]
    pub duration_seconds: f64,
    /// How long to run before measuring, in seconds.
    #[arg(
        long,
        default_value_t = 2.0,
        value_name = "S",
        allow_negative_numbers = true
    )]
    pub warmup_seconds: f64,
    /// Per-tag ReadBulk timeout in milliseconds (0: the gateway's default).
    #[arg(long, default_value_t = 0, value_name = "MS")]
    pub timeout_ms: u32,
    /// The MXAccess client name (also the session label).
    #[arg(long, default_value = "mxgw-bench", value_name = "NAME")]
    pub client_name: String,
    #[command(flatten)]
    pub connect: ConnectArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct BenchStreamEventsArgs {
    #[command(flatten)]
    pub entries: ReferenceEntries,
    /// How long to measure, in seconds.
    #[arg(
        long,
        default_value_t = 10.0,
        value_name = "S",
        allow_negative_numbers = true
    )]
    pub duration_seconds: f64,
    /// How long to read before measuring, in seconds.
    #[arg(
        long,
        default_value_t = 2.0,
        value_name = "S",
        allow_negative_numbers = true
    )]
    pub warmup_seconds: f64,
    /// The MXAccess client name (also the session label).
    #[arg(long, default_value = "mxgw-bench", value_name = "NAME")]
    pub client_name: String,
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

// === Galaxy Repository commands ===

const GALAXY_TEST_CONNECTION: &str = "Whether the gateway can query its Galaxy Repository \
     database: the embedded copy of the simulated galaxy (provider sqlite) or a real System \
     Platform repository (provider sqlserver). An unreachable database is not an error: ok \
     is false and message says why.\n\n\
     Needs the metadata:read scope; takes no session.";
const GALAXY_LAST_DEPLOY: &str = "The galaxy's time_of_last_deploy, from the gateway's cache. \
     present is false and timeOfLastDeploy null when the galaxy was never deployed.\n\n\
     Needs the metadata:read scope; takes no session.";
const GALAXY_DISCOVER: &str = "The deployed objects with their user-defined attributes, \
     parents before children, one line per object (JSON Lines with --json). Pages are \
     fetched one at a time, each only when the previous one is printed, so --max-objects \
     stops the browse without fetching the rest.\n\n\
     A page token the gateway repeats is an error (type command), never a loop. A deploy \
     during the browse makes the gateway refuse the next page token (type command): start \
     again.\n\n\
     Needs the metadata:read scope; takes no session.";
const GALAXY_WATCH: &str = "Streams deploy events, one line per event (JSON Lines with \
     --json): the current deploy state first (unless --last-seen-deploy-time equals it), \
     then one event per deploy. sequence is monotonic per gateway start; a gap means the \
     gateway dropped events for this slow subscriber.\n\n\
     Ends at --max-events, --timeout-ms, Ctrl-C or the end of the stream, none of which is \
     an error; leaving cancels the stream at the gateway.\n\n\
     Needs the metadata:read scope; takes no session.";
const GALAXY_DEPLOY: &str = "Replaces the simulated galaxy's model with the TOML model in \
     --model (docs/galaxy-model.md), as a deploy from the IDE would, and prints the new \
     deploy time and counts. An invalid model is an invalid-argument error and changes \
     nothing; a gateway that browses a real repository refuses (type command).\n\n\
     Needs the admin scope; takes no session.";

/// A Galaxy Repository command without inputs of its own.
#[derive(Debug, Args)]
pub struct GalaxyArgs {
    #[command(flatten)]
    pub connect: ConnectArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct GalaxyDiscoverArgs {
    /// Objects per page (0: the gateway's default; larger values are capped at its maximum).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub page_size: u32,
    /// Stop after this many objects (0: all).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub max_objects: u64,
    #[command(flatten)]
    pub connect: ConnectArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct GalaxyWatchArgs {
    /// Skip the first event when the current deploy time equals this one (RFC 3339 with offset).
    #[arg(long, value_name = "RFC3339")]
    pub last_seen_deploy_time: Option<String>,
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
pub struct GalaxyDeployArgs {
    /// The galaxy model, a TOML file (docs/galaxy-model.md).
    #[arg(long, value_name = "FILE")]
    pub model: PathBuf,
    #[command(flatten)]
    pub connect: ConnectArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

// === alarm commands ===

const STREAM_ALARMS: &str = "Streams the alarm feed, one line per alarm event (JSON Lines \
     with --json): the active alarms matching the filter as SNAPSHOT lines, closed by a \
     SNAPSHOT_END line (snapshotCount: how many came before it), then one TRANSITION line \
     per state change. A snapshot with resync true replaces everything seen before it.\n\n\
     Ends at --max-messages, --timeout-ms, Ctrl-C or the end of the stream, none of which \
     is an error; leaving cancels the stream at the gateway.\n\n\
     Needs the alarms:read scope; takes no session.";
const QUERY_ACTIVE_ALARMS: &str = "The active alarms (UNACK_ALM, ACK_ALM, UNACK_RTN) \
     matching the filter, most urgent first (priority, then the oldest timeAlarmOn, then \
     the reference): one object with --json, else one line per alarm.\n\n\
     Needs the alarms:read scope; takes no session.";
const ACKNOWLEDGE_ALARM: &str = "Acknowledges the alarm --reference (TagName.AlarmName, e.g. \
     Tank_001.Level.Hi) for the galaxy user --operator, writing --comment to its .AckMsg, \
     and prints the status and the alarm after the call.\n\n\
     A refused acknowledgement (detail 1015: already acknowledged; detail 1014: the \
     operator may not acknowledge alarms) is an mxaccess error (exit 1); an unknown alarm \
     is a not-found error.\n\n\
     Needs the alarms:ack scope; takes no session.";

/// Which alarms a stream or query covers.
#[derive(Debug, Clone, Args)]
pub struct AlarmFilterArgs {
    /// An alarm query, \Galaxy!Area or \Galaxy!Area!Filter* (repeatable; none: every alarm).
    #[arg(long = "query", value_name = "Q", allow_hyphen_values = true)]
    pub queries: Vec<String>,
    /// Only alarms with priority N or above, numerically (1-999; 0: open).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub min_priority: u32,
    /// Only alarms with priority N or below, numerically (1-999; 0: open).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub max_priority: u32,
}

#[derive(Debug, Args)]
pub struct StreamAlarmsArgs {
    #[command(flatten)]
    pub filter: AlarmFilterArgs,
    /// Stop after this many lines (0: until interrupted or --timeout-ms; at most 1000000).
    #[arg(long, default_value_t = 0, value_name = "N", value_parser = max_events())]
    pub max_messages: u32,
    /// Stop after this long, in milliseconds (0: no limit). Ending at the limit is not an error.
    #[arg(long, default_value_t = 0, value_name = "MS")]
    pub timeout_ms: u64,
    #[command(flatten)]
    pub connect: ConnectArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct QueryActiveAlarmsArgs {
    #[command(flatten)]
    pub filter: AlarmFilterArgs,
    #[command(flatten)]
    pub connect: ConnectArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct AcknowledgeAlarmArgs {
    /// The alarm, TagName.AlarmName (e.g. Tank_001.Level.Hi).
    #[arg(long, value_name = "REFERENCE")]
    pub reference: String,
    /// The acknowledgement comment, written to the alarm's .AckMsg (at most 256 characters).
    #[arg(
        long,
        default_value = "",
        value_name = "TEXT",
        allow_hyphen_values = true
    )]
    pub comment: String,
    /// The galaxy user acknowledging; with galaxy security on, one allowed to acknowledge alarms.
    #[arg(long, default_value = "", value_name = "USER")]
    pub operator: String,
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
            Command::AddBufferedItem(a) => a.output.json,
            Command::SetBufferedUpdateInterval(a) => a.output.json,
            Command::RemoveItem(a) => a.output.json,
            Command::Advise(a) => a.output.json,
            Command::Unadvise(a) | Command::Suspend(a) | Command::Activate(a) => a.output.json,
            Command::Write(a) => a.output.json,
            Command::WriteSecured(a) => a.output.json,
            Command::AuthenticateUser(a) => a.output.json,
            Command::ArchestraUserToId(a) => a.output.json,
            Command::AddItemBulk(a) | Command::SubscribeBulk(a) => a.output.json,
            Command::AdviseItemBulk(a)
            | Command::UnadviseItemBulk(a)
            | Command::RemoveItemBulk(a)
            | Command::UnsubscribeBulk(a) => a.output.json,
            Command::ReadBulk(a) => a.output.json,
            Command::WriteBulk(a) => a.output.json,
            Command::Write2Bulk(a) => a.output.json,
            Command::WriteSecuredBulk(a) => a.output.json,
            Command::WriteSecured2Bulk(a) => a.output.json,
            Command::StreamEvents(a) => a.output.json,
            Command::Smoke(a) => a.output.json,
            Command::BenchReadBulk(a) => a.output.json,
            Command::BenchStreamEvents(a) => a.output.json,
            Command::GalaxyTestConnection(a) | Command::GalaxyLastDeploy(a) => a.output.json,
            Command::GalaxyDiscover(a) => a.output.json,
            Command::GalaxyWatch(a) => a.output.json,
            Command::GalaxyDeploy(a) => a.output.json,
            Command::StreamAlarms(a) => a.output.json,
            Command::QueryActiveAlarms(a) => a.output.json,
            Command::AcknowledgeAlarm(a) => a.output.json,
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

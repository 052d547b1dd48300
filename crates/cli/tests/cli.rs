//! `mxgw` as users run it: the built binary, in a temp dir, against the
//! in-process fake gateway. JSON output is deserialized into typed structs
//! that reject unknown fields, so the contract in `docs/cli-json.md` cannot
//! drift silently.

#![forbid(unsafe_code)]

#[path = "../../client/tests/support/fake_gateway.rs"]
mod fake_gateway;

use std::process::Output;
use std::sync::atomic::Ordering;
use std::time::Duration;

use fake_gateway::*;
use mxgateway_proto::v1::{self, mx_command::Command};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

const KEY: &str = "mxgw_cli01_Zq8sEcReTkEyVaLuE42";
const KEY_SECRET: &str = "Zq8sEcReTkEyVaLuE42";
const PASSWORD: &str = "pa55-w0rd-Unique-Xy";

const COMMANDS: [&str; 19] = [
    "version",
    "open-session",
    "close-session",
    "register",
    "unregister",
    "add-item",
    "add-buffered-item",
    "set-buffered-update-interval",
    "remove-item",
    "advise",
    "unadvise",
    "suspend",
    "activate",
    "write",
    "write-secured",
    "authenticate-user",
    "archestra-user-to-id",
    "stream-events",
    "smoke",
];

const BULK_COMMANDS: [&str; 11] = [
    "add-item-bulk",
    "subscribe-bulk",
    "advise-item-bulk",
    "unadvise-item-bulk",
    "remove-item-bulk",
    "unsubscribe-bulk",
    "read-bulk",
    "write-bulk",
    "write2-bulk",
    "write-secured-bulk",
    "write-secured2-bulk",
];

// === harness ===

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn from(out: Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    fn json<T: DeserializeOwned>(&self) -> T {
        assert_eq!(
            self.code, 0,
            "stdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
        let line = self.stdout.trim_end();
        assert!(!line.contains('\n'), "one JSON object expected: {line}");
        serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"))
    }

    fn error(&self) -> ErrorOut {
        let line = self.stdout.trim_end().lines().last().unwrap_or_default();
        serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {}", self.stdout))
    }

    fn all_output(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

/// Runs the binary in a fresh temp dir with a clean MXGATEWAY_* environment.
async fn mxgw(args: &[&str], env: &[(&str, &str)]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_mxgw"));
    cmd.args(args).current_dir(dir.path()).kill_on_drop(true);
    for (k, _) in std::env::vars() {
        if k.starts_with("MXGATEWAY") {
            cmd.env_remove(k);
        }
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = tokio::time::timeout(Duration::from_secs(60), cmd.output())
        .await
        .expect("mxgw finished")
        .unwrap();
    Run::from(out)
}

/// Connection flags for the plaintext fake.
fn conn(server: &FakeServer) -> Vec<String> {
    vec![
        "--endpoint".into(),
        server.endpoint(),
        "--plaintext".into(),
        "--api-key".into(),
        KEY.into(),
    ]
}

async fn run_with(server: &FakeServer, args: &[&str]) -> Run {
    let mut all: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    all.extend(conn(server));
    let refs: Vec<&str> = all.iter().map(String::as_str).collect();
    mxgw(&refs, &[]).await
}

// === typed output (the contract) ===

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ErrorOut {
    error: String,
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct StatusOut {
    success: i32,
    category: String,
    detected_by: String,
    detail: i32,
    raw_category: i32,
    raw_detected_by: i32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VersionOut {
    client: String,
    version: String,
    protocol: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct LimitsOut {
    max_sessions: u32,
    max_bulk_items: u32,
    max_message_bytes: u32,
    event_queue_capacity: u32,
    default_command_timeout_ms: u32,
    session_idle_timeout_ms: u32,
    max_events_per_batch: u32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct OpenSessionOut {
    session_id: String,
    gateway_version: String,
    backend: String,
    worker_protocol_version: u32,
    capabilities: Vec<String>,
    limits: LimitsOut,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct CloseSessionOut {
    session_id: String,
    closed: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RegisterOut {
    command: String,
    session_id: String,
    client_name: String,
    server_handle: i32,
    hresult: i32,
    statuses: Vec<StatusOut>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct UnregisterOut {
    command: String,
    session_id: String,
    server_handle: i32,
    hresult: i32,
    statuses: Vec<StatusOut>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct AddItemOut {
    command: String,
    session_id: String,
    server_handle: i32,
    item: String,
    context: Option<String>,
    item_handle: i32,
    hresult: i32,
    statuses: Vec<StatusOut>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ItemOut {
    command: String,
    session_id: String,
    server_handle: i32,
    item_handle: i32,
    hresult: i32,
    statuses: Vec<StatusOut>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct AdviseOut {
    command: String,
    session_id: String,
    server_handle: i32,
    item_handle: i32,
    supervisory: bool,
    hresult: i32,
    statuses: Vec<StatusOut>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct WriteOut {
    command: String,
    session_id: String,
    server_handle: i32,
    item_handle: i32,
    #[serde(rename = "type")]
    value_type: String,
    value: Value,
    user_id: i32,
    timestamp: Option<String>,
    hresult: i32,
    statuses: Vec<StatusOut>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct WriteSecuredOut {
    command: String,
    session_id: String,
    server_handle: i32,
    item_handle: i32,
    #[serde(rename = "type")]
    value_type: String,
    value: Value,
    current_user_id: i32,
    verifier_user_id: i32,
    timestamp: Option<String>,
    hresult: i32,
    statuses: Vec<StatusOut>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct UserToIdOut {
    command: String,
    session_id: String,
    server_handle: i32,
    user_guid: String,
    user_id: i32,
    hresult: i32,
    statuses: Vec<StatusOut>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct AuthenticateUserOut {
    command: String,
    session_id: String,
    server_handle: i32,
    user: String,
    user_id: i32,
    hresult: i32,
    statuses: Vec<StatusOut>,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase", deny_unknown_fields)]
enum EventOut {
    #[serde(rename_all = "camelCase")]
    DataChange {
        worker_sequence: u64,
        server_handle: i32,
        item_handle: i32,
        conflated: u32,
        value: Value,
        data_type: String,
        variant_type: i32,
        quality: i32,
        timestamp: Option<String>,
        statuses: Vec<StatusOut>,
    },
    #[serde(rename_all = "camelCase")]
    WriteComplete {
        worker_sequence: u64,
        server_handle: i32,
        item_handle: i32,
        conflated: u32,
        statuses: Vec<StatusOut>,
    },
    #[serde(rename_all = "camelCase")]
    OperationComplete {
        worker_sequence: u64,
        server_handle: i32,
        item_handle: i32,
        conflated: u32,
        statuses: Vec<StatusOut>,
    },
    #[serde(rename_all = "camelCase")]
    #[allow(dead_code)] // the contract is the shape
    BufferedDataChange {
        worker_sequence: u64,
        server_handle: i32,
        item_handle: i32,
        conflated: u32,
        data_type: String,
        samples: Vec<SampleOut>,
        samples_dropped: u32,
        statuses: Vec<StatusOut>,
    },
}

// The contract is the shape (deny_unknown_fields); not every field is read.
#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct SampleOut {
    value: Value,
    data_type: String,
    variant_type: i32,
    quality: i32,
    timestamp: Option<String>,
    status: StatusOut,
}

// The contract is the shape (deny_unknown_fields); not every field is read.
#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct AddBufferedItemOut {
    command: String,
    session_id: String,
    server_handle: i32,
    item: String,
    context: String,
    item_handle: i32,
    hresult: i32,
    statuses: Vec<StatusOut>,
}

// The contract is the shape (deny_unknown_fields); not every field is read.
#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct BufferedIntervalOut {
    command: String,
    session_id: String,
    server_handle: i32,
    requested_interval_ms: i32,
    update_interval_ms: i32,
    hresult: i32,
    statuses: Vec<StatusOut>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct SmokeOut {
    session_id: String,
    client_name: String,
    item: String,
    server_handle: i32,
    item_handle: i32,
    events: Vec<EventOut>,
    closed: bool,
}

/// One entry of the reference and handle bulk commands.
#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct SubscribeResultOut {
    item_definition: String,
    item_handle: i32,
    was_successful: bool,
    hresult: i32,
    statuses: Vec<StatusOut>,
    message: String,
    denied_by_constraint: bool,
}

/// One entry of a bulk write.
#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct WriteResultOut {
    item_handle: i32,
    was_successful: bool,
    hresult: i32,
    statuses: Vec<StatusOut>,
    message: String,
    denied_by_constraint: bool,
}

/// One entry of `read-bulk`.
#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ReadResultOut {
    item_definition: String,
    was_successful: bool,
    was_cached: bool,
    value: Value,
    data_type: String,
    variant_type: i32,
    quality: i32,
    timestamp: Option<String>,
    statuses: Vec<StatusOut>,
    message: String,
    denied_by_constraint: bool,
}

/// `add-item-bulk`, `subscribe-bulk` and the four handle commands.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct SubscribeBulkOut {
    command: String,
    session_id: String,
    server_handle: i32,
    hresult: i32,
    statuses: Vec<StatusOut>,
    results: Vec<SubscribeResultOut>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ReadBulkOut {
    command: String,
    session_id: String,
    server_handle: i32,
    timeout_ms: u32,
    hresult: i32,
    statuses: Vec<StatusOut>,
    results: Vec<ReadResultOut>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct WriteBulkOut {
    command: String,
    session_id: String,
    server_handle: i32,
    #[serde(rename = "type")]
    value_type: String,
    user_id: i32,
    hresult: i32,
    statuses: Vec<StatusOut>,
    results: Vec<WriteResultOut>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Write2BulkOut {
    command: String,
    session_id: String,
    server_handle: i32,
    #[serde(rename = "type")]
    value_type: String,
    user_id: i32,
    timestamp: String,
    hresult: i32,
    statuses: Vec<StatusOut>,
    results: Vec<WriteResultOut>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct WriteSecuredBulkOut {
    command: String,
    session_id: String,
    server_handle: i32,
    #[serde(rename = "type")]
    value_type: String,
    current_user_id: i32,
    verifier_user_id: i32,
    hresult: i32,
    statuses: Vec<StatusOut>,
    results: Vec<WriteResultOut>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct WriteSecured2BulkOut {
    command: String,
    session_id: String,
    server_handle: i32,
    #[serde(rename = "type")]
    value_type: String,
    current_user_id: i32,
    verifier_user_id: i32,
    timestamp: String,
    hresult: i32,
    statuses: Vec<StatusOut>,
    results: Vec<WriteResultOut>,
}

/// Deserializes one bulk command's output into its strict type, chosen by its
/// `command`; returns the command name.
fn parse_bulk_output(text: &str) -> String {
    let first: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"));
    let command = first["command"].as_str().expect("a command").to_string();
    let label = command.as_str();
    match label {
        "add-item-bulk" | "subscribe-bulk" | "advise-item-bulk" | "unadvise-item-bulk"
        | "remove-item-bulk" | "unsubscribe-bulk" => {
            drop(parse_doc::<SubscribeBulkOut>(label, text))
        }
        "read-bulk" => drop(parse_doc::<ReadBulkOut>(label, text)),
        "write-bulk" => drop(parse_doc::<WriteBulkOut>(label, text)),
        "write2-bulk" => drop(parse_doc::<Write2BulkOut>(label, text)),
        "write-secured-bulk" => drop(parse_doc::<WriteSecuredBulkOut>(label, text)),
        "write-secured2-bulk" => drop(parse_doc::<WriteSecured2BulkOut>(label, text)),
        other => panic!("no contract type for {other}"),
    }
    command
}

fn ok_status_out() -> StatusOut {
    StatusOut {
        success: 1,
        category: "OK".into(),
        detected_by: "RESPONDING_LMX".into(),
        detail: 0,
        raw_category: 0,
        raw_detected_by: 1,
    }
}

fn write_complete(seq: u64) -> v1::MxEvent {
    v1::MxEvent {
        worker_sequence: seq,
        server_handle: 1,
        item_handle: 2,
        conflated: 0,
        kind: Some(v1::mx_event::Kind::WriteComplete(v1::OnWriteComplete {
            statuses: vec![ok_status()],
        })),
    }
}

// === help, usage and TLS flags ===

#[tokio::test]
async fn every_command_has_help_and_is_documented() {
    let docs = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/cli-json.md"
    ))
    .unwrap();
    let top = mxgw(&["--help"], &[]).await;
    assert_eq!(top.code, 0);
    for command in COMMANDS {
        assert!(
            top.stdout.contains(command),
            "{command} missing from --help"
        );
        let run = mxgw(&[command, "--help"], &[]).await;
        assert_eq!(run.code, 0, "{command}: {}", run.stderr);
        assert!(
            run.stdout.contains(&format!("Usage: mxgw {command}")),
            "{command}: {}",
            run.stdout
        );
        if command != "version" {
            assert!(run.stdout.contains("--json"), "{command}");
        }
        assert!(
            docs.contains(&format!("### `{command}`")),
            "{command} is not documented in docs/cli-json.md"
        );
    }
}

/// The first ```json block of a `### `command`` section of the docs.
fn doc_example(docs: &str, command: &str) -> String {
    let start = docs
        .find(&format!("### `{command}`"))
        .unwrap_or_else(|| panic!("no section for {command}"));
    let section = &docs[start..];
    let block = section.find("```json\n").expect("a json example") + "```json\n".len();
    let end = section[block..].find("```").unwrap();
    section[block..block + end].to_string()
}

fn parse_doc<T: DeserializeOwned>(command: &str, text: &str) -> T {
    serde_json::from_str(text.trim()).unwrap_or_else(|e| panic!("{command} example: {e}: {text}"))
}

#[test]
fn documented_examples_match_the_contract() {
    let docs = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/cli-json.md"
    ))
    .unwrap();
    for command in COMMANDS {
        let text = doc_example(&docs, command);
        match command {
            "version" => drop(parse_doc::<VersionOut>(command, &text)),
            "open-session" => drop(parse_doc::<OpenSessionOut>(command, &text)),
            "close-session" => drop(parse_doc::<CloseSessionOut>(command, &text)),
            "register" => drop(parse_doc::<RegisterOut>(command, &text)),
            "unregister" => drop(parse_doc::<UnregisterOut>(command, &text)),
            "add-item" => drop(parse_doc::<AddItemOut>(command, &text)),
            "add-buffered-item" => drop(parse_doc::<AddBufferedItemOut>(command, &text)),
            "set-buffered-update-interval" => {
                let out = parse_doc::<BufferedIntervalOut>(command, &text);
                assert_eq!(out.update_interval_ms % 100, 0, "rounded to 100 ms");
                assert!(out.update_interval_ms >= out.requested_interval_ms);
            }
            "remove-item" | "unadvise" | "suspend" | "activate" => {
                let out = parse_doc::<ItemOut>(command, &text);
                if command == "suspend" || command == "activate" {
                    assert_eq!(out.statuses.len(), 1, "{command}: the synchronous status");
                }
            }
            "advise" => drop(parse_doc::<AdviseOut>(command, &text)),
            "write" => drop(parse_doc::<WriteOut>(command, &text)),
            "write-secured" => drop(parse_doc::<WriteSecuredOut>(command, &text)),
            "authenticate-user" => drop(parse_doc::<AuthenticateUserOut>(command, &text)),
            "archestra-user-to-id" => drop(parse_doc::<UserToIdOut>(command, &text)),
            "stream-events" => {
                let kinds: Vec<EventOut> = text.lines().map(|l| parse_doc(command, l)).collect();
                assert_eq!(kinds.len(), 4);
                assert!(matches!(
                    &kinds[3],
                    EventOut::BufferedDataChange { samples, .. } if samples.len() == 2
                ));
            }
            "smoke" => drop(parse_doc::<SmokeOut>(command, &text)),
            other => panic!("no contract type for {other}"),
        }
        // Examples are printed the way the CLI prints: compact, one line per object.
        assert!(
            !text.contains(": ") && !text.contains(", "),
            "{command}: not compact"
        );
        if text.contains("\"command\"") {
            let first: Value = parse_doc(command, text.lines().next().unwrap());
            assert_eq!(first["command"], command);
        }
    }
    // The error object and the status object too.
    let errors = &docs[docs.find("### Exit codes").unwrap()..];
    let block = &errors[errors.find("```json\n").unwrap() + 8..];
    let err: ErrorOut = parse_doc("error", &block[..block.find("```").unwrap()]);
    assert_eq!(err.kind, "session");
    let shared = &docs[docs.find("## Shared objects").unwrap()..];
    let block = &shared[shared.find("```json\n").unwrap() + 8..];
    let status: StatusOut = parse_doc("status", &block[..block.find("```").unwrap()]);
    assert_eq!(status, ok_status_out());
}

#[tokio::test]
async fn version_json() {
    let out: VersionOut = mxgw(&["version", "--json"], &[]).await.json();
    assert_eq!(out.client, "mxgw");
    assert_eq!(out.version, env!("CARGO_PKG_VERSION"));
    assert_eq!(out.protocol, "mxgateway.v1");
}

#[tokio::test]
async fn tls_and_plaintext_together_is_a_usage_error() {
    let args = ["open-session", "--tls", "--plaintext"];
    let run = mxgw(&args, &[]).await;
    assert_eq!(run.code, 2, "{}", run.all_output());
    assert!(run.stderr.starts_with("mxgw: error: "), "{}", run.stderr);
    let run = mxgw(&[&args[..], &["--json"]].concat(), &[]).await;
    assert_eq!(run.code, 2);
    assert_eq!(run.error().kind, "usage");
    // TLS-only options make no sense with plaintext either.
    let run = mxgw(&["open-session", "--plaintext", "--ca-file", "ca.pem"], &[]).await;
    assert_eq!(run.code, 2);
    let run = mxgw(
        &[
            "open-session",
            "--plaintext",
            "--server-name-override",
            "gw",
        ],
        &[],
    )
    .await;
    assert_eq!(run.code, 2);
}

#[tokio::test]
async fn tls_is_the_default_even_for_loopback() {
    let server = FakeServer::start(State::new()).await;
    let endpoint = server.endpoint();
    for extra in [&[][..], &["--tls"][..]] {
        let mut args = vec!["open-session", "--endpoint", &endpoint, "--json"];
        args.extend_from_slice(extra);
        let run = mxgw(&args, &[]).await;
        assert_eq!(run.code, 1, "{}", run.all_output());
        assert_eq!(run.error().kind, "transport");
    }
    assert!(
        server.state.calls().is_empty(),
        "no plaintext call may happen"
    );
}

#[tokio::test]
async fn a_missing_ca_file_is_a_config_error() {
    let run = mxgw(
        &["open-session", "--ca-file", "/nonexistent/ca.pem", "--json"],
        &[],
    )
    .await;
    assert_eq!(run.code, 2, "{}", run.all_output());
    assert_eq!(run.error().kind, "config");
}

#[tokio::test]
async fn usage_errors_with_json_are_json() {
    let run = mxgw(&["register", "--json"], &[]).await;
    assert_eq!(run.code, 2);
    let err = run.error();
    assert_eq!(err.kind, "usage");
    assert!(err.error.contains("--session-id"), "{}", err.error);
    let run = mxgw(&["register"], &[]).await;
    assert_eq!(run.code, 2);
    assert!(run.stdout.is_empty());
    assert!(run.stderr.starts_with("mxgw: error: "), "{}", run.stderr);
    let run = mxgw(&["no-such-command", "--json"], &[]).await;
    assert_eq!(run.code, 2);
    assert_eq!(run.error().kind, "usage");
}

#[tokio::test]
async fn a_missing_key_variable_is_a_usage_error() {
    let run = mxgw(
        &[
            "open-session",
            "--plaintext",
            "--api-key-env",
            "MXGATEWAY_TEST_UNSET_VARIABLE",
            "--json",
        ],
        &[],
    )
    .await;
    assert_eq!(run.code, 2, "{}", run.all_output());
    let err = run.error();
    assert_eq!(err.kind, "usage");
    assert!(err.error.contains("MXGATEWAY_TEST_UNSET_VARIABLE"));
}

// === command shapes ===

#[tokio::test]
async fn open_and_close_session() {
    let server = FakeServer::start(State::new()).await;
    let run = run_with(
        &server,
        &["open-session", "--client-session-name", "ops", "--json"],
    )
    .await;
    assert!(
        run.stdout
            .starts_with(r#"{"sessionId":"sess-1","gatewayVersion":"0.1.0-fake","backend":"sim","#),
        "{}",
        run.stdout
    );
    let out: OpenSessionOut = run.json();
    assert_eq!(out.session_id, "sess-1");
    assert_eq!(out.gateway_version, "0.1.0-fake");
    assert_eq!(out.backend, "sim");
    assert_eq!(out.worker_protocol_version, 1);
    assert_eq!(out.capabilities, ["mxaccess-core", "event-conflation"]);
    assert_eq!(out.limits.max_sessions, 64);
    assert_eq!(out.limits.max_bulk_items, 1000);
    assert_eq!(out.limits.max_message_bytes, 4 << 20);
    assert_eq!(out.limits.event_queue_capacity, 10_000);
    assert_eq!(out.limits.default_command_timeout_ms, 30_000);
    assert_eq!(out.limits.session_idle_timeout_ms, 600_000);
    assert_eq!(out.limits.max_events_per_batch, 256);
    match &server.state.calls()[0].message {
        Message::Open(r) => assert_eq!(r.client_session_name, "ops"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        server.state.calls()[0].authorization.as_deref(),
        Some(format!("Bearer {KEY}").as_str())
    );

    let out: CloseSessionOut = run_with(
        &server,
        &["close-session", "--session-id", "sess-1", "--json"],
    )
    .await
    .json();
    assert_eq!(out.session_id, "sess-1");
    assert!(out.closed);
}

#[tokio::test]
async fn register_prints_exactly_the_documented_object() {
    let server = FakeServer::start(State::new()).await;
    let run = run_with(
        &server,
        &[
            "register",
            "--session-id",
            "sess-1",
            "--client-name",
            "c1",
            "--json",
        ],
    )
    .await;
    assert_eq!(
        run.stdout,
        concat!(
            r#"{"command":"register","sessionId":"sess-1","clientName":"c1","serverHandle":1,"hresult":0,"#,
            r#""statuses":[{"success":1,"category":"OK","detectedBy":"RESPONDING_LMX","detail":0,"rawCategory":0,"rawDetectedBy":1}]}"#,
            "\n"
        )
    );
    let out: RegisterOut = run.json();
    assert_eq!(out.command, "register");
    assert_eq!(out.session_id, "sess-1");
    assert_eq!(out.client_name, "c1");
    assert_eq!(out.server_handle, 1);
    assert_eq!(out.hresult, 0);
    assert_eq!(out.statuses, vec![ok_status_out()]);
    let invokes = server.state.invokes();
    assert_eq!(invokes[0].session_id, "sess-1");

    // Without --json: plain text, not JSON.
    let run = run_with(&server, &["register", "--session-id", "sess-1"]).await;
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("serverHandle: 1"), "{}", run.stdout);
}

#[tokio::test]
async fn item_commands_send_the_right_mxaccess_calls() {
    let server = FakeServer::start(State::new()).await;
    let h = ["--session-id", "sess-1", "--server-handle", "1"];
    let hi = [
        "--session-id",
        "sess-1",
        "--server-handle",
        "1",
        "--item-handle",
        "2",
    ];

    let out: UnregisterOut = run_with(&server, &[&["unregister"][..], &h, &["--json"]].concat())
        .await
        .json();
    assert_eq!((out.command.as_str(), out.server_handle), ("unregister", 1));
    assert_eq!((out.session_id.as_str(), out.hresult), ("sess-1", 0));
    assert_eq!(out.statuses.len(), 1);

    let out: AddItemOut = run_with(
        &server,
        &[&["add-item"][..], &h, &["--item", "Obj.Attr", "--json"]].concat(),
    )
    .await
    .json();
    assert_eq!(out.command, "add-item");
    assert_eq!(out.item, "Obj.Attr");
    assert_eq!(out.context, None);
    assert_eq!((out.server_handle, out.item_handle, out.hresult), (1, 2, 0));
    assert_eq!((out.session_id.as_str(), out.statuses.len()), ("sess-1", 1));

    let out: AddItemOut = run_with(
        &server,
        &[
            &["add-item"][..],
            &h,
            &["--item", "Obj.Attr", "--context", "ctx", "--json"],
        ]
        .concat(),
    )
    .await
    .json();
    assert_eq!(out.context.as_deref(), Some("ctx"));

    for (name, supervisory) in [("advise", false), ("advise", true)] {
        let mut args = vec![name];
        args.extend_from_slice(&hi);
        if supervisory {
            args.push("--supervisory");
        }
        args.push("--json");
        let out: AdviseOut = run_with(&server, &args).await.json();
        assert_eq!(out.command, "advise");
        assert_eq!(out.supervisory, supervisory);
        assert_eq!((out.server_handle, out.item_handle), (1, 2));
        assert_eq!(
            (out.session_id.as_str(), out.hresult, out.statuses.len()),
            ("sess-1", 0, 1)
        );
    }
    for name in ["remove-item", "unadvise"] {
        let out: ItemOut = run_with(&server, &[&[name][..], &hi, &["--json"]].concat())
            .await
            .json();
        assert_eq!(out.command, name);
        assert_eq!((out.server_handle, out.item_handle), (1, 2));
        assert_eq!(
            (out.session_id.as_str(), out.hresult, out.statuses.len()),
            ("sess-1", 0, 1)
        );
    }

    let item = v1::ItemCommand {
        server_handle: 1,
        item_handle: 2,
    };
    assert_eq!(
        server.state.commands(),
        vec![
            Command::Unregister(v1::UnregisterCommand { server_handle: 1 }),
            Command::AddItem(v1::AddItemCommand {
                server_handle: 1,
                item_definition: "Obj.Attr".into(),
            }),
            Command::AddItem2(v1::AddItem2Command {
                server_handle: 1,
                item_definition: "Obj.Attr".into(),
                item_context: "ctx".into(),
            }),
            Command::Advise(item),
            Command::AdviseSupervisory(item),
            Command::RemoveItem(item),
            Command::Unadvise(item),
        ]
    );
}

#[tokio::test]
async fn write_and_write2() {
    let server = FakeServer::start(State::new()).await;
    let hi = [
        "--session-id",
        "sess-1",
        "--server-handle",
        "1",
        "--item-handle",
        "2",
    ];
    let out: WriteOut = run_with(
        &server,
        &[
            &["write"][..],
            &hi,
            &["--type", "int32", "--value", "-123", "--json"],
        ]
        .concat(),
    )
    .await
    .json();
    assert_eq!(out.command, "write");
    assert_eq!(out.value_type, "int32");
    assert_eq!(out.value, serde_json::json!(-123));
    assert_eq!((out.user_id, out.timestamp.as_deref()), (0, None));
    assert_eq!((out.server_handle, out.item_handle, out.hresult), (1, 2, 0));
    assert_eq!((out.session_id.as_str(), out.statuses.len()), ("sess-1", 1));

    let out: WriteOut = run_with(
        &server,
        &[
            &["write"][..],
            &hi,
            &[
                "--type",
                "double",
                "--value",
                "1.5",
                "--user-id",
                "4",
                "--timestamp",
                "2024-01-02T03:04:05.5+01:00",
                "--json",
            ],
        ]
        .concat(),
    )
    .await
    .json();
    assert_eq!(out.value, serde_json::json!(1.5));
    assert_eq!(out.user_id, 4);
    assert_eq!(out.timestamp.as_deref(), Some("2024-01-02T02:04:05.500Z"));

    let commands = server.state.commands();
    match &commands[0] {
        Command::Write(w) => {
            assert_eq!((w.server_handle, w.item_handle, w.user_id), (1, 2, 0));
            assert_eq!(w.value, Some(int_value(-123)));
        }
        other => panic!("{other:?}"),
    }
    match &commands[1] {
        Command::Write2(w) => {
            assert_eq!(w.user_id, 4);
            assert_eq!(
                w.timestamp,
                Some(prost_types::Timestamp {
                    seconds: 1_704_161_045,
                    nanos: 500_000_000
                })
            );
            assert_eq!(w.value.as_ref().unwrap().variant_type, 5);
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn invalid_values_are_usage_errors_and_never_sent() {
    let server = FakeServer::start(State::new()).await;
    let hi = [
        "--session-id",
        "sess-1",
        "--server-handle",
        "1",
        "--item-handle",
        "2",
    ];
    for (ty, value) in [
        ("double", "nan"),
        ("float", "inf"),
        ("double", "-inf"),
        ("int32", "abc"),
        ("double-array", "[1.0, \"nan\"]"),
        ("time", "2024-01-02"),
    ] {
        let run = run_with(
            &server,
            &[
                &["write"][..],
                &hi,
                &["--type", ty, "--value", value, "--json"],
            ]
            .concat(),
        )
        .await;
        assert_eq!(run.code, 2, "{ty} {value}: {}", run.all_output());
        assert_eq!(run.error().kind, "invalid-value", "{ty} {value}");
    }
    let run = run_with(
        &server,
        &[
            &["write"][..],
            &hi,
            &[
                "--type",
                "int32",
                "--value",
                "1",
                "--timestamp",
                "noon",
                "--json",
            ],
        ]
        .concat(),
    )
    .await;
    assert_eq!(run.code, 2);
    assert_eq!(run.error().kind, "invalid-value");
    assert!(server.state.invokes().is_empty());
}

#[tokio::test]
async fn secured_write_flow_never_prints_secrets() {
    let server = FakeServer::start(State::new()).await;
    let mut everything = String::new();

    let env = [("MXGW_TEST_KEY", KEY), ("MXGW_TEST_PASSWORD", PASSWORD)];
    let endpoint = server.endpoint();
    let common = [
        "--endpoint",
        &endpoint,
        "--plaintext",
        "--api-key-env",
        "MXGW_TEST_KEY",
    ]
    .map(str::to_string);
    let common: Vec<&str> = common.iter().map(String::as_str).collect();

    let run = mxgw(
        &[
            &[
                "authenticate-user",
                "--session-id",
                "sess-1",
                "--server-handle",
                "1",
                "--user",
                "operator",
                "--password-env",
                "MXGW_TEST_PASSWORD",
                "--json",
            ][..],
            &common,
        ]
        .concat(),
        &env,
    )
    .await;
    everything.push_str(&run.all_output());
    let out: AuthenticateUserOut = run.json();
    assert_eq!(out.command, "authenticate-user");
    assert_eq!((out.user.as_str(), out.user_id), ("operator", 7));
    assert_eq!((out.session_id.as_str(), out.server_handle), ("sess-1", 1));
    assert_eq!((out.hresult, out.statuses.len()), (0, 1));

    let hi = [
        "--session-id",
        "sess-1",
        "--server-handle",
        "1",
        "--item-handle",
        "2",
    ];
    let run = mxgw(
        &[
            &["write-secured"][..],
            &hi,
            &[
                "--type",
                "bool",
                "--value",
                "true",
                "--current-user-id",
                "7",
                "--verifier-user-id",
                "8",
                "--json",
            ],
            &common,
        ]
        .concat(),
        &env,
    )
    .await;
    everything.push_str(&run.all_output());
    let out: WriteSecuredOut = run.json();
    assert_eq!(out.command, "write-secured");
    assert_eq!((out.current_user_id, out.verifier_user_id), (7, 8));
    assert_eq!(
        (out.value_type.as_str(), &out.value),
        ("bool", &Value::Bool(true))
    );
    assert_eq!(out.timestamp, None);
    assert_eq!((out.server_handle, out.item_handle, out.hresult), (1, 2, 0));
    assert_eq!((out.session_id.as_str(), out.statuses.len()), ("sess-1", 1));

    // WriteSecured2, refused by MXAccess (secured write needs a verifier).
    server.state.push_reply(Ok(v1::MxCommandReply {
        protocol_status: v1::ProtocolStatus::Ok as i32,
        statuses: vec![v1::MxStatus {
            success: 0,
            category: v1::MxStatusCategory::SecurityError as i32,
            detected_by: v1::MxStatusSource::RespondingAutomationObject as i32,
            detail: 1012,
            raw_category: 6,
            raw_detected_by: 5,
        }],
        message: format!("denied for Bearer {KEY}"),
        ..Default::default()
    }));
    for json in [true, false] {
        if !json {
            server.state.push_reply(Ok(v1::MxCommandReply {
                protocol_status: v1::ProtocolStatus::Ok as i32,
                hresult: mxgateway_mx::hresult::E_INVALIDARG,
                message: format!("echo {KEY_SECRET}"),
                ..Default::default()
            }));
        }
        let mut args = [
            &["write-secured"][..],
            &hi,
            &[
                "--type",
                "string",
                "--value",
                "x",
                "--current-user-id",
                "7",
                "--timestamp",
                "2024-01-02T03:04:05Z",
            ],
            &common,
        ]
        .concat();
        if json {
            args.push("--json");
        }
        let run = mxgw(&args, &env).await;
        everything.push_str(&run.all_output());
        assert_eq!(run.code, 1, "{}", run.all_output());
        if json {
            assert_eq!(run.error().kind, "mxaccess");
        } else {
            assert!(run.stderr.starts_with("mxgw: error: "), "{}", run.stderr);
        }
    }
    assert!(matches!(
        server.state.commands()[2],
        Command::WriteSecured2(_)
    ));

    // A failed authentication whose reply quotes the password back.
    server.state.push_reply(Ok(v1::MxCommandReply {
        protocol_status: v1::ProtocolStatus::Ok as i32,
        hresult: mxgateway_mx::hresult::E_INVALIDARG,
        message: format!("bad credentials {PASSWORD}"),
        ..Default::default()
    }));
    let run = mxgw(
        &[
            &[
                "authenticate-user",
                "--session-id",
                "sess-1",
                "--server-handle",
                "1",
                "--user",
                "operator",
                &format!("--password={PASSWORD}"),
            ][..],
            &common,
        ]
        .concat(),
        &env,
    )
    .await;
    assert_eq!(run.code, 1);
    everything.push_str(&run.all_output());

    assert!(!everything.contains(KEY), "{everything}");
    assert!(!everything.contains(KEY_SECRET), "{everything}");
    assert!(!everything.contains(PASSWORD), "{everything}");
    assert!(everything.contains("<redacted>"), "{everything}");
}

#[tokio::test]
async fn a_wrong_key_is_an_authentication_error_without_the_key() {
    let server = FakeServer::start(State::new()).await;
    *server.state.required_key.lock().unwrap() = Some("mxgw_other_TheRightKeyValue".into());
    // The fake echoes the header it rejected, like a careless proxy.
    *server.state.echo_bad_key.lock().unwrap() = true;
    for json in [true, false] {
        let mut args = vec!["open-session"];
        if json {
            args.push("--json");
        }
        let run = run_with(&server, &args).await;
        assert_eq!(run.code, 1, "{}", run.all_output());
        if json {
            let err = run.error();
            assert_eq!(err.kind, "authentication");
            assert!(err.error.contains("<redacted>"), "{}", err.error);
            assert!(run.stderr.is_empty(), "{}", run.stderr);
        } else {
            assert!(run.stdout.is_empty());
            assert!(
                run.stderr.starts_with("mxgw: error: authentication failed"),
                "{}",
                run.stderr
            );
        }
        assert!(
            !run.all_output().contains(KEY_SECRET),
            "{}",
            run.all_output()
        );
    }
    // Through --api-key-env as well.
    let endpoint = server.endpoint();
    let run = mxgw(
        &[
            "register",
            "--session-id",
            "s",
            "--endpoint",
            &endpoint,
            "--plaintext",
            "--api-key-env",
            "MXGW_TEST_KEY",
        ],
        &[("MXGW_TEST_KEY", KEY)],
    )
    .await;
    assert_eq!(run.code, 1);
    assert!(
        !run.all_output().contains(KEY_SECRET),
        "{}",
        run.all_output()
    );
}

#[tokio::test]
async fn gateway_errors_become_typed_json_errors() {
    let server = FakeServer::start(State::new()).await;
    let cases = [
        (tonic::Code::NotFound, "session-not-found", "session"),
        (tonic::Code::Unavailable, "worker-unavailable", "worker"),
        (
            tonic::Code::PermissionDenied,
            "permission-denied",
            "authorization",
        ),
        (
            tonic::Code::ResourceExhausted,
            "session-limit",
            "resource-exhausted",
        ),
    ];
    for (code, kind, expected) in cases {
        server
            .state
            .set_next_error(gateway_status(code, kind, "from the gateway"));
        let run = run_with(&server, &["register", "--session-id", "sess-9", "--json"]).await;
        assert_eq!(run.code, 1);
        let err = run.error();
        assert_eq!(err.kind, expected);
        assert!(err.error.contains("from the gateway"), "{}", err.error);
    }
    // An MXAccess failure in the reply.
    server.state.push_reply(Ok(v1::MxCommandReply {
        protocol_status: v1::ProtocolStatus::Ok as i32,
        hresult: mxgateway_mx::hresult::E_INVALIDARG,
        message: "unknown server handle".into(),
        ..Default::default()
    }));
    let run = run_with(
        &server,
        &[
            "unregister",
            "--session-id",
            "sess-1",
            "--server-handle",
            "9",
            "--json",
        ],
    )
    .await;
    assert_eq!(run.code, 1);
    let err = run.error();
    assert_eq!(err.kind, "mxaccess");
    assert!(err.error.contains("0x80070057"), "{}", err.error);
}

// === events ===

#[tokio::test]
async fn stream_events_prints_json_lines_and_cancels_the_stream() {
    let server = FakeServer::start(State::new()).await;
    server.state.set_batches(vec![
        v1::StreamEventsReply {
            events: vec![data_change(u64::MAX, int_value(42)), write_complete(7)],
            ..Default::default()
        },
        v1::StreamEventsReply {
            events: vec![data_change(8, int_value(43)), data_change(9, int_value(44))],
            ..Default::default()
        },
    ]);
    let run = run_with(
        &server,
        &[
            "stream-events",
            "--session-id",
            "sess-1",
            "--max-events",
            "3",
            "--json",
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", run.stdout);
    assert!(lines[0].starts_with(r#"{"type":"dataChange","workerSequence":18446744073709551615,"#));
    assert_eq!(
        lines[0],
        concat!(
            r#"{"type":"dataChange","workerSequence":18446744073709551615,"serverHandle":1,"itemHandle":2,"#,
            r#""conflated":0,"value":42,"dataType":"Integer","variantType":3,"quality":192,"#,
            r#""timestamp":"2023-11-14T22:13:20.500Z","statuses":[{"success":1,"category":"OK","#,
            r#""detectedBy":"RESPONDING_LMX","detail":0,"rawCategory":0,"rawDetectedBy":1}]}"#
        )
    );
    let events: Vec<EventOut> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    match &events[0] {
        EventOut::DataChange {
            worker_sequence,
            server_handle,
            item_handle,
            conflated,
            value,
            data_type,
            variant_type,
            quality,
            timestamp,
            statuses,
        } => {
            assert_eq!(*worker_sequence, u64::MAX);
            assert_eq!((*server_handle, *item_handle, *conflated), (1, 2, 0));
            assert_eq!(value, &serde_json::json!(42));
            assert_eq!(
                (data_type.as_str(), *variant_type, *quality),
                ("Integer", 3, 192)
            );
            assert_eq!(timestamp.as_deref(), Some("2023-11-14T22:13:20.500Z"));
            assert_eq!(statuses, &vec![ok_status_out()]);
        }
        other => panic!("{other:?}"),
    }
    match &events[1] {
        EventOut::WriteComplete {
            worker_sequence,
            server_handle,
            item_handle,
            conflated,
            statuses,
        } => {
            assert_eq!(
                (*worker_sequence, *server_handle, *item_handle, *conflated),
                (7, 1, 2, 0)
            );
            assert_eq!(statuses.len(), 1);
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        events[2],
        EventOut::DataChange {
            worker_sequence: 8,
            ..
        }
    ));
    // The CLI stopped after three events and its exit cancelled the call.
    tokio::time::timeout(Duration::from_secs(10), async {
        while server.state.streams_cancelled.load(Ordering::SeqCst) == 0 {
            server.state.stream_cancelled.notified().await;
        }
    })
    .await
    .expect("stream cancelled at the gateway");
}

#[tokio::test]
async fn operation_complete_events_have_their_shape() {
    let server = FakeServer::start(State::new()).await;
    server.state.set_batches(vec![v1::StreamEventsReply {
        events: vec![v1::MxEvent {
            worker_sequence: 3,
            server_handle: 1,
            item_handle: 0,
            conflated: 0,
            kind: Some(v1::mx_event::Kind::OperationComplete(
                v1::OperationComplete { statuses: vec![] },
            )),
        }],
        ..Default::default()
    }]);
    let run = run_with(
        &server,
        &[
            "stream-events",
            "--session-id",
            "sess-1",
            "--max-events",
            "1",
            "--json",
        ],
    )
    .await;
    let event: EventOut = run.json();
    match event {
        EventOut::OperationComplete {
            worker_sequence,
            server_handle,
            item_handle,
            conflated,
            statuses,
        } => {
            assert_eq!(
                (worker_sequence, server_handle, item_handle, conflated),
                (3, 1, 0, 0)
            );
            assert!(statuses.is_empty());
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn max_events_cap_is_enforced_at_the_boundary() {
    let server = FakeServer::start(State::new()).await;
    server.state.set_batches(vec![v1::StreamEventsReply {
        events: vec![data_change(1, int_value(1)), data_change(2, int_value(2))],
        ..Default::default()
    }]);
    // At the cap: accepted; the timeout ends the wait, which is not an error.
    let run = run_with(
        &server,
        &[
            "stream-events",
            "--session-id",
            "sess-1",
            "--max-events",
            "1000000",
            "--timeout-ms",
            "300",
            "--json",
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    assert_eq!(run.stdout.lines().count(), 2);
    // Above the cap: a usage error before any network use.
    let calls_before = server.state.calls().len();
    for command in [
        vec!["stream-events", "--session-id", "sess-1"],
        vec!["smoke", "--item", "Obj.Attr"],
    ] {
        let mut args = command.clone();
        args.extend(["--max-events", "1000001", "--json"]);
        let run = run_with(&server, &args).await;
        assert_eq!(run.code, 2, "{}", run.all_output());
        assert_eq!(run.error().kind, "usage");
        assert!(run.error().error.contains("1000001"));
    }
    assert_eq!(server.state.calls().len(), calls_before);
}

#[tokio::test]
async fn smoke_collects_events_and_closes_the_session() {
    let server = FakeServer::start(State::new()).await;
    server.state.set_batches(vec![v1::StreamEventsReply {
        events: vec![data_change(1, int_value(5)), data_change(2, int_value(6))],
        ..Default::default()
    }]);
    let run = run_with(
        &server,
        &[
            "smoke",
            "--item",
            "TestChildObject.TestInt",
            "--max-events",
            "2",
            "--json",
        ],
    )
    .await;
    assert!(
        run.stdout
            .starts_with(r#"{"sessionId":"sess-1","clientName":"mxgw-smoke","#),
        "{}",
        run.stdout
    );
    let out: SmokeOut = run.json();
    assert_eq!(out.session_id, "sess-1");
    assert_eq!(out.client_name, "mxgw-smoke");
    assert_eq!(out.item, "TestChildObject.TestInt");
    assert_eq!((out.server_handle, out.item_handle), (1, 2));
    assert_eq!(out.events.len(), 2);
    assert!(out.closed);
    let methods: Vec<_> = server.state.calls().iter().map(|c| c.method).collect();
    assert_eq!(
        methods,
        [
            "OpenSession",
            "Invoke",
            "Invoke",
            "Invoke",
            "StreamEvents",
            "CloseSession"
        ]
    );
    match &server.state.calls()[0].message {
        Message::Open(r) => assert_eq!(r.client_session_name, "mxgw-smoke"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(server.state.commands()[2], Command::Advise(_)));
}

#[tokio::test]
async fn smoke_closes_the_session_when_a_step_fails() {
    let server = FakeServer::start(State::new()).await;
    server.state.push_reply(Ok(ok_reply(Some(
        v1::mx_command_reply::Result::ServerHandle(1),
    ))));
    server.state.push_reply(Ok(ok_reply(Some(
        v1::mx_command_reply::Result::ItemHandle(2),
    ))));
    server.state.push_reply(Ok(v1::MxCommandReply {
        protocol_status: v1::ProtocolStatus::Ok as i32,
        hresult: mxgateway_mx::hresult::E_INVALIDARG,
        ..Default::default()
    }));
    let run = run_with(&server, &["smoke", "--item", "Bad.Item", "--json"]).await;
    assert_eq!(run.code, 1, "{}", run.all_output());
    let err = run.error();
    assert_eq!(err.kind, "mxaccess");
    assert!(err.error.starts_with("advise: "), "{}", err.error);
    assert_eq!(server.state.close_calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn smoke_times_out_without_events_and_still_closes() {
    let server = FakeServer::start(State::new()).await;
    let run = run_with(
        &server,
        &[
            "smoke",
            "--item",
            "Quiet.Item",
            "--timeout-ms",
            "200",
            "--json",
        ],
    )
    .await;
    assert_eq!(run.code, 1, "{}", run.all_output());
    assert_eq!(run.error().kind, "timeout");
    assert_eq!(server.state.close_calls.load(Ordering::SeqCst), 1);
}

// === bulk commands ===

/// The session id the documentation's examples use.
const DOC_SESSION: &str = "2f0c6d0e9a2b4d1f";
const OK_STATUS_JSON: &str = r#"{"success":1,"category":"OK","detectedBy":"RESPONDING_LMX","detail":0,"rawCategory":0,"rawDetectedBy":1}"#;

/// The "Bulk commands" section of the docs, up to the next command.
fn bulk_section(docs: &str) -> &str {
    let start = docs.find("### Bulk commands").expect("a bulk section");
    let rest = &docs[start..];
    let end = rest[1..].find("\n### ").map_or(rest.len(), |i| i + 1);
    &rest[..end]
}

/// The ```json blocks of a section, trimmed.
fn json_blocks(section: &str) -> Vec<String> {
    section
        .split("```json\n")
        .skip(1)
        .map(|b| {
            b[..b.find("```").expect("a closed block")]
                .trim()
                .to_string()
        })
        .collect()
}

fn read_docs() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/cli-json.md"
    ))
    .unwrap()
}

/// A reply with no call-level statuses and the given results.
fn bulk_reply(result: v1::mx_command_reply::Result) -> v1::MxCommandReply {
    v1::MxCommandReply {
        statuses: vec![],
        ..ok_reply(Some(result))
    }
}

fn subscribe_results(results: Vec<v1::SubscribeResult>) -> v1::mx_command_reply::Result {
    v1::mx_command_reply::Result::SubscribeResults(v1::SubscribeResults { results })
}

fn write_results(results: Vec<v1::BulkWriteResult>) -> v1::mx_command_reply::Result {
    v1::mx_command_reply::Result::WriteResults(v1::BulkWriteResults { results })
}

fn read_results(results: Vec<v1::BulkReadResult>) -> v1::mx_command_reply::Result {
    v1::mx_command_reply::Result::ReadResults(v1::BulkReadResults { results })
}

/// The arguments and the reply behind each example of the bulk section.
fn doc_case(command: &str) -> (Vec<&'static str>, v1::MxCommandReply) {
    match command {
        "subscribe-bulk" => (
            vec!["--item", "TestChildObject.TestInt", "--item", "Secret.Tag"],
            bulk_reply(subscribe_results(vec![
                v1::SubscribeResult {
                    item_definition: "TestChildObject.TestInt".into(),
                    item_handle: 1,
                    was_successful: true,
                    ..Default::default()
                },
                v1::SubscribeResult {
                    item_definition: "Secret.Tag".into(),
                    item_handle: 0,
                    was_successful: false,
                    hresult: -2147024891,
                    statuses: vec![v1::MxStatus {
                        success: 0,
                        category: v1::MxStatusCategory::SecurityError as i32,
                        detected_by: v1::MxStatusSource::RequestingLmx as i32,
                        detail: 1006,
                        raw_category: 6,
                        raw_detected_by: 0,
                    }],
                    message: "the API key may not read Secret.Tag".into(),
                    denied_by_constraint: true,
                },
            ])),
        ),
        "write-bulk" => (
            vec!["--type", "int32", "--item", "2=7"],
            bulk_reply(write_results(vec![v1::BulkWriteResult {
                item_handle: 2,
                was_successful: true,
                ..Default::default()
            }])),
        ),
        "read-bulk" => (
            vec!["--item", "TestChildObject.TestInt"],
            bulk_reply(read_results(vec![read_ok("TestChildObject.TestInt")])),
        ),
        other => panic!("add a reply for the {other} example"),
    }
}

#[tokio::test]
async fn bulk_commands_have_help_and_are_documented() {
    let docs = read_docs();
    let section = bulk_section(&docs);
    let top = mxgw(&["--help"], &[]).await;
    assert_eq!(top.code, 0);
    for command in BULK_COMMANDS {
        assert!(
            top.stdout.contains(command),
            "{command} missing from --help"
        );
        let run = mxgw(&[command, "--help"], &[]).await;
        assert_eq!(run.code, 0, "{command}: {}", run.stderr);
        assert!(
            run.stdout.contains(&format!("Usage: mxgw {command}")),
            "{command}: {}",
            run.stdout
        );
        for flag in ["--session-id", "--server-handle", "--items-file", "--json"] {
            assert!(run.stdout.contains(flag), "{command}: {flag}");
        }
        // The long help explains entries and failed entries.
        assert!(run.stdout.contains("wasSuccessful"), "{command}");
        assert!(
            section.contains(&format!("| `{command}` |")),
            "{command} is not in the table of docs/cli-json.md"
        );
    }
}

#[test]
fn documented_bulk_examples_match_the_contract() {
    let docs = read_docs();
    let blocks = json_blocks(bulk_section(&docs));
    assert!(blocks.len() >= 3, "{blocks:?}");
    for block in &blocks {
        assert_eq!(block.lines().count(), 1, "one object per block: {block}");
        assert!(
            !block.contains(": ") && !block.contains(", "),
            "not compact: {block}"
        );
        let command = parse_bulk_output(block);
        assert!(BULK_COMMANDS.contains(&command.as_str()), "{command}");
    }
}

#[tokio::test]
async fn bulk_doc_examples_are_printed_byte_for_byte() {
    let docs = read_docs();
    let server = FakeServer::start(State::new()).await;
    for block in json_blocks(bulk_section(&docs)) {
        let example: Value = serde_json::from_str(&block).unwrap();
        let command = example["command"].as_str().unwrap();
        let (argv, reply) = doc_case(command);
        server.state.push_reply(Ok(reply));
        let mut args = vec![
            command,
            "--session-id",
            DOC_SESSION,
            "--server-handle",
            "1",
            "--json",
        ];
        args.extend(argv);
        let run = run_with(&server, &args).await;
        assert_eq!(run.code, 0, "{command}: {}", run.all_output());
        assert_eq!(run.stdout, format!("{block}\n"), "{command}");
    }
}

fn ok_entry(definition: &str, handle: i32) -> String {
    format!(
        r#"{{"itemDefinition":"{definition}","itemHandle":{handle},"wasSuccessful":true,"hresult":0,"statuses":[{OK_STATUS_JSON}],"message":"","deniedByConstraint":false}}"#
    )
}

fn write_result_out(handle: i32) -> WriteResultOut {
    WriteResultOut {
        item_handle: handle,
        was_successful: true,
        hresult: 0,
        statuses: vec![ok_status_out()],
        message: String::new(),
        denied_by_constraint: false,
    }
}

fn ok_write_entry(handle: i32) -> String {
    format!(
        r#"{{"itemHandle":{handle},"wasSuccessful":true,"hresult":0,"statuses":[{OK_STATUS_JSON}],"message":"","deniedByConstraint":false}}"#
    )
}

/// `{"command",...,"serverHandle":1,<inputs>"hresult":0,"statuses":[OK],"results":[<results>]}`.
fn bulk_line(command: &str, inputs: &str, results: &[String]) -> String {
    format!(
        r#"{{"command":"{command}","sessionId":"sess-1","serverHandle":1,{inputs}"hresult":0,"statuses":[{OK_STATUS_JSON}],"results":[{}]}}"#,
        results.join(",")
    ) + "\n"
}

const TARGET: [&str; 4] = ["--session-id", "sess-1", "--server-handle", "1"];

async fn bulk_run(server: &FakeServer, command: &str, extra: &[&str]) -> Run {
    run_with(
        server,
        &[&[command][..], &TARGET, extra, &["--json"]].concat(),
    )
    .await
}

#[tokio::test]
async fn reference_and_handle_bulk_commands_print_every_result() {
    let server = FakeServer::start(State::new()).await;

    let run = bulk_run(
        &server,
        "add-item-bulk",
        &["--item", "A.B", "--item", "C.D"],
    )
    .await;
    assert_eq!(
        run.stdout,
        bulk_line(
            "add-item-bulk",
            "",
            &[ok_entry("A.B", 2), ok_entry("C.D", 3)]
        )
    );
    let out: SubscribeBulkOut = run.json();
    assert_eq!(
        (out.command.as_str(), out.session_id.as_str()),
        ("add-item-bulk", "sess-1")
    );
    assert_eq!((out.server_handle, out.hresult), (1, 0));
    assert_eq!(out.statuses, vec![ok_status_out()]);
    assert_eq!(out.results[1].item_definition, "C.D");

    let run = bulk_run(&server, "subscribe-bulk", &["--item", "A.B"]).await;
    assert_eq!(
        run.stdout,
        bulk_line("subscribe-bulk", "", &[ok_entry("A.B", 2)])
    );

    let handle_commands = [
        "advise-item-bulk",
        "unadvise-item-bulk",
        "remove-item-bulk",
        "unsubscribe-bulk",
    ];
    for command in handle_commands {
        let run = bulk_run(
            &server,
            command,
            &["--item-handle", "4", "--item-handle", "-5"],
        )
        .await;
        assert_eq!(
            run.stdout,
            bulk_line(command, "", &[ok_entry("", 4), ok_entry("", -5)]),
            "{command}"
        );
        let out: SubscribeBulkOut = run.json();
        assert_eq!(out.command, command);
    }

    let definitions = |defs: &[&str]| v1::ItemDefinitionsBulkCommand {
        server_handle: 1,
        item_definitions: defs.iter().map(|d| d.to_string()).collect(),
    };
    let handles = v1::ItemHandlesBulkCommand {
        server_handle: 1,
        item_handles: vec![4, -5],
    };
    assert_eq!(
        server.state.commands(),
        vec![
            Command::AddItemBulk(definitions(&["A.B", "C.D"])),
            Command::SubscribeBulk(definitions(&["A.B"])),
            Command::AdviseItemBulk(handles.clone()),
            Command::UnadviseItemBulk(handles.clone()),
            Command::RemoveItemBulk(handles.clone()),
            Command::UnsubscribeBulk(handles),
        ]
    );
    assert!(server
        .state
        .invokes()
        .iter()
        .all(|r| r.session_id == "sess-1"));
}

#[tokio::test]
async fn read_bulk_prints_values_like_data_changes() {
    let server = FakeServer::start(State::new()).await;
    server.state.push_reply(Ok(ok_reply(Some(read_results(vec![
        read_ok("A.Int"),
        v1::BulkReadResult {
            item_definition: "Quiet.Tag".into(),
            was_successful: false,
            message: "no data change within 2500 ms".into(),
            ..Default::default()
        },
    ])))));
    let run = bulk_run(
        &server,
        "read-bulk",
        &[
            "--item",
            "A.Int",
            "--item",
            "Quiet.Tag",
            "--timeout-ms",
            "2500",
        ],
    )
    .await;
    let read = format!(
        concat!(
            r#"{{"itemDefinition":"A.Int","wasSuccessful":true,"wasCached":true,"value":42,"#,
            r#""dataType":"Integer","variantType":3,"quality":192,"timestamp":"2023-11-14T22:13:20.500Z","#,
            r#""statuses":[{}],"message":"","deniedByConstraint":false}}"#
        ),
        OK_STATUS_JSON
    );
    let unread = concat!(
        r#"{"itemDefinition":"Quiet.Tag","wasSuccessful":false,"wasCached":false,"value":null,"#,
        r#""dataType":"NoData","variantType":0,"quality":0,"timestamp":null,"statuses":[],"#,
        r#""message":"no data change within 2500 ms","deniedByConstraint":false}"#
    )
    .to_string();
    assert_eq!(
        run.stdout,
        bulk_line("read-bulk", r#""timeoutMs":2500,"#, &[read, unread])
    );
    let out: ReadBulkOut = run.json();
    assert_eq!((out.command.as_str(), out.timeout_ms), ("read-bulk", 2500));
    assert_eq!((out.session_id.as_str(), out.server_handle), ("sess-1", 1));
    assert_eq!((out.hresult, out.statuses), (0, vec![ok_status_out()]));
    assert_eq!(out.results[0].value, serde_json::json!(42));
    assert_eq!(out.results[1].value, Value::Null);
    assert_eq!(out.results[1].timestamp, None);

    // The default timeout is 0 (the gateway's default); u32::MAX is accepted.
    let out: ReadBulkOut = bulk_run(&server, "read-bulk", &["--item", "A.Int"])
        .await
        .json();
    assert_eq!(out.timeout_ms, 0);
    let out: ReadBulkOut = bulk_run(
        &server,
        "read-bulk",
        &["--item", "A.Int", "--timeout-ms", "4294967295"],
    )
    .await
    .json();
    assert_eq!(out.timeout_ms, u32::MAX);
    let timeouts: Vec<u32> = server
        .state
        .commands()
        .iter()
        .map(|c| match c {
            Command::ReadBulk(r) => r.timeout_ms,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(timeouts, [2500, 0, u32::MAX]);
    let run = bulk_run(
        &server,
        "read-bulk",
        &["--item", "A.Int", "--timeout-ms", "4294967296"],
    )
    .await;
    assert_eq!(run.code, 2, "{}", run.all_output());
    assert_eq!(run.error().kind, "usage");
}

#[tokio::test]
async fn bulk_writes_print_their_inputs_and_results() {
    let server = FakeServer::start(State::new()).await;

    let run = bulk_run(
        &server,
        "write-bulk",
        &[
            "--type",
            "double",
            "--item",
            "2=0.1",
            "--item",
            "3=1e16",
            "--user-id",
            "4",
        ],
    )
    .await;
    assert_eq!(
        run.stdout,
        bulk_line(
            "write-bulk",
            r#""type":"double","userId":4,"#,
            &[ok_write_entry(2), ok_write_entry(3)]
        )
    );
    let out: WriteBulkOut = run.json();
    assert_eq!(
        (out.command.as_str(), out.session_id.as_str()),
        ("write-bulk", "sess-1")
    );
    assert_eq!((out.value_type.as_str(), out.user_id), ("double", 4));
    assert_eq!(
        (out.server_handle, out.hresult, out.statuses.len()),
        (1, 0, 1)
    );
    assert_eq!(out.results.len(), 2);

    let run = bulk_run(
        &server,
        "write2-bulk",
        &[
            "--type",
            "string",
            "--item",
            "2=a=b",
            "--timestamp",
            "2024-01-02T03:04:05.5+01:00",
        ],
    )
    .await;
    assert_eq!(
        run.stdout,
        bulk_line(
            "write2-bulk",
            r#""type":"string","userId":0,"timestamp":"2024-01-02T02:04:05.500Z","#,
            &[ok_write_entry(2)]
        )
    );
    let out: Write2BulkOut = run.json();
    assert_eq!(
        (out.command.as_str(), out.session_id.as_str()),
        ("write2-bulk", "sess-1")
    );
    assert_eq!((out.value_type.as_str(), out.user_id), ("string", 0));
    assert_eq!(out.timestamp, "2024-01-02T02:04:05.500Z");
    assert_eq!(
        (out.server_handle, out.hresult, out.statuses.len()),
        (1, 0, 1)
    );
    assert_eq!(out.results, vec![write_result_out(2)]);

    let run = bulk_run(
        &server,
        "write-secured-bulk",
        &[
            "--type",
            "bool",
            "--item",
            "2=true",
            "--current-user-id",
            "7",
            "--verifier-user-id",
            "8",
        ],
    )
    .await;
    assert_eq!(
        run.stdout,
        bulk_line(
            "write-secured-bulk",
            r#""type":"bool","currentUserId":7,"verifierUserId":8,"#,
            &[ok_write_entry(2)]
        )
    );
    let out: WriteSecuredBulkOut = run.json();
    assert_eq!(
        (
            out.command.as_str(),
            out.session_id.as_str(),
            out.value_type.as_str()
        ),
        ("write-secured-bulk", "sess-1", "bool")
    );
    assert_eq!((out.current_user_id, out.verifier_user_id), (7, 8));
    assert_eq!(
        (out.server_handle, out.hresult, out.statuses.len()),
        (1, 0, 1)
    );
    assert_eq!(out.results, vec![write_result_out(2)]);

    let run = bulk_run(
        &server,
        "write-secured2-bulk",
        &[
            "--type",
            "int32-array",
            "--item",
            "2=[1,\"2\"]",
            "--item",
            "-3=[]",
            "--current-user-id",
            "7",
            "--timestamp",
            "2024-01-02T03:04:05Z",
        ],
    )
    .await;
    assert_eq!(
        run.stdout,
        bulk_line(
            "write-secured2-bulk",
            r#""type":"int32-array","currentUserId":7,"verifierUserId":0,"timestamp":"2024-01-02T03:04:05Z","#,
            &[ok_write_entry(2), ok_write_entry(-3)]
        )
    );
    let out: WriteSecured2BulkOut = run.json();
    assert_eq!(
        (
            out.command.as_str(),
            out.session_id.as_str(),
            out.value_type.as_str()
        ),
        ("write-secured2-bulk", "sess-1", "int32-array")
    );
    assert_eq!((out.current_user_id, out.verifier_user_id), (7, 0));
    assert_eq!(out.timestamp, "2024-01-02T03:04:05Z");
    assert_eq!(
        (out.server_handle, out.hresult, out.statuses.len()),
        (1, 0, 1)
    );
    assert_eq!(out.results, vec![write_result_out(2), write_result_out(-3)]);

    let double = |v: f64| v1::MxValue {
        data_type: v1::MxDataType::Double as i32,
        variant_type: 5,
        kind: Some(v1::mx_value::Kind::DoubleValue(v)),
    };
    let string = v1::MxValue {
        data_type: v1::MxDataType::String as i32,
        variant_type: 8,
        kind: Some(v1::mx_value::Kind::StringValue("a=b".into())),
    };
    let boolean = v1::MxValue {
        data_type: v1::MxDataType::Boolean as i32,
        variant_type: 11,
        kind: Some(v1::mx_value::Kind::BoolValue(true)),
    };
    let ints = |v: Vec<i32>| v1::MxValue {
        data_type: v1::MxDataType::Integer as i32,
        variant_type: 0x2000 | 3,
        kind: Some(v1::mx_value::Kind::Int32Array(v1::Int32Array { values: v })),
    };
    let t = |seconds, nanos| Some(prost_types::Timestamp { seconds, nanos });
    assert_eq!(
        server.state.commands(),
        vec![
            Command::WriteBulk(v1::WriteBulkCommand {
                server_handle: 1,
                entries: vec![
                    v1::WriteBulkEntry {
                        item_handle: 2,
                        value: Some(double(0.1)),
                        user_id: 4,
                    },
                    v1::WriteBulkEntry {
                        item_handle: 3,
                        value: Some(double(1e16)),
                        user_id: 4,
                    },
                ],
            }),
            Command::Write2Bulk(v1::Write2BulkCommand {
                server_handle: 1,
                entries: vec![v1::Write2BulkEntry {
                    item_handle: 2,
                    value: Some(string),
                    timestamp: t(1_704_161_045, 500_000_000),
                    user_id: 0,
                }],
            }),
            Command::WriteSecuredBulk(v1::WriteSecuredBulkCommand {
                server_handle: 1,
                entries: vec![v1::WriteSecuredBulkEntry {
                    item_handle: 2,
                    current_user_id: 7,
                    verifier_user_id: 8,
                    value: Some(boolean),
                }],
            }),
            Command::WriteSecured2Bulk(v1::WriteSecured2BulkCommand {
                server_handle: 1,
                entries: vec![
                    v1::WriteSecured2BulkEntry {
                        item_handle: 2,
                        current_user_id: 7,
                        verifier_user_id: 0,
                        value: Some(ints(vec![1, 2])),
                        timestamp: t(1_704_164_645, 0),
                    },
                    v1::WriteSecured2BulkEntry {
                        item_handle: -3,
                        current_user_id: 7,
                        verifier_user_id: 0,
                        value: Some(ints(vec![])),
                        timestamp: t(1_704_164_645, 0),
                    },
                ],
            }),
        ]
    );
}

/// Writes `text` to a file in `dir` and returns its path.
fn items_file(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

#[tokio::test]
async fn items_files_follow_the_flag_entries() {
    let server = FakeServer::start(State::new()).await;
    let dir = tempfile::tempdir().unwrap();
    let refs = items_file(
        &dir,
        "refs.txt",
        "# references\n\n  Obj.B  \r\nObj.C\n   # an indented comment\n\t\n",
    );
    let handles = items_file(&dir, "handles.txt", "2\n\n# comment\n -3 \n");
    let writes = items_file(&dir, "writes.txt", "2=5\n# skipped\n  3=-6  \n");

    let out: SubscribeBulkOut = bulk_run(
        &server,
        "subscribe-bulk",
        &["--items-file", &refs, "--item", "Obj.A"],
    )
    .await
    .json();
    let defs: Vec<&str> = out
        .results
        .iter()
        .map(|r| r.item_definition.as_str())
        .collect();
    assert_eq!(defs, ["Obj.A", "Obj.B", "Obj.C"]);
    // The file alone is enough.
    let out: ReadBulkOut = bulk_run(&server, "read-bulk", &["--items-file", &refs])
        .await
        .json();
    assert_eq!(out.results.len(), 2);
    let out: SubscribeBulkOut = bulk_run(
        &server,
        "unsubscribe-bulk",
        &["--item-handle", "1", "--items-file", &handles],
    )
    .await
    .json();
    let got: Vec<i32> = out.results.iter().map(|r| r.item_handle).collect();
    assert_eq!(got, [1, 2, -3]);
    let out: WriteBulkOut = bulk_run(
        &server,
        "write-bulk",
        &["--type", "int32", "--item", "1=4", "--items-file", &writes],
    )
    .await
    .json();
    assert_eq!(out.results.len(), 3);

    let commands = server.state.commands();
    match &commands[0] {
        Command::SubscribeBulk(c) => assert_eq!(c.item_definitions, ["Obj.A", "Obj.B", "Obj.C"]),
        other => panic!("{other:?}"),
    }
    match &commands[1] {
        Command::ReadBulk(c) => assert_eq!(c.item_definitions, ["Obj.B", "Obj.C"]),
        other => panic!("{other:?}"),
    }
    match &commands[2] {
        Command::UnsubscribeBulk(c) => assert_eq!(c.item_handles, [1, 2, -3]),
        other => panic!("{other:?}"),
    }
    match &commands[3] {
        Command::WriteBulk(c) => {
            let sent: Vec<(i32, Option<v1::MxValue>)> = c
                .entries
                .iter()
                .map(|e| (e.item_handle, e.value.clone()))
                .collect();
            assert_eq!(
                sent,
                [
                    (1, Some(int_value(4))),
                    (2, Some(int_value(5))),
                    (3, Some(int_value(-6)))
                ]
            );
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn malformed_entries_are_usage_or_invalid_value_errors_and_nothing_is_sent() {
    let server = FakeServer::start(State::new()).await;
    let dir = tempfile::tempdir().unwrap();
    let bad_handle = items_file(&dir, "bad-handle.txt", "2\n\n  seven  \n");
    let no_equals = items_file(&dir, "no-equals.txt", "# header\n2=5\n3\n");
    let bad_value = items_file(&dir, "bad-value.txt", "2=5\n3=abc\n");
    let empty = items_file(&dir, "empty.txt", "\n# nothing here\n   \n");
    let missing = dir.path().join("missing.txt");
    let missing = missing.to_str().unwrap();

    // (command and entry arguments, error type, texts the message names)
    let cases: Vec<(Vec<&str>, &str, Vec<String>)> = vec![
        (
            vec!["advise-item-bulk", "--items-file", &bad_handle],
            "usage",
            vec![
                format!("items file {bad_handle} line 3"),
                "\"seven\"".into(),
            ],
        ),
        (
            vec![
                "remove-item-bulk",
                "--item-handle",
                "2",
                "--item-handle",
                "x",
            ],
            "usage",
            vec!["--item-handle #2".into(), "\"x\"".into()],
        ),
        (
            vec!["unadvise-item-bulk", "--item-handle", "2147483648"],
            "usage",
            vec!["--item-handle #1".into()],
        ),
        (
            vec!["write-bulk", "--type", "int32", "--items-file", &no_equals],
            "usage",
            vec![format!("items file {no_equals} line 3"), "no '='".into()],
        ),
        (
            vec!["write-bulk", "--type", "int32", "--item", "x=5"],
            "usage",
            vec!["--item #1".into()],
        ),
        (
            vec![
                "write-secured-bulk",
                "--type",
                "int32",
                "--items-file",
                &bad_value,
            ],
            "invalid-value",
            vec![format!("items file {bad_value} line 2"), "\"abc\"".into()],
        ),
        (
            vec![
                "write2-bulk",
                "--type",
                "double",
                "--item",
                "2=nan",
                "--timestamp",
                "2024-01-02T03:04:05Z",
            ],
            "invalid-value",
            vec!["--item #1".into()],
        ),
        (
            vec![
                "write2-bulk",
                "--type",
                "double",
                "--item",
                "2=1",
                "--timestamp",
                "noon",
            ],
            "invalid-value",
            vec!["noon".into()],
        ),
        (
            vec!["subscribe-bulk", "--items-file", &empty],
            "usage",
            vec!["no entries".into()],
        ),
        (
            vec!["read-bulk", "--items-file", missing],
            "usage",
            vec![format!("cannot read items file {missing}")],
        ),
        // Clap's own checks: a required --timestamp, one the command does not take.
        (
            vec!["write-secured2-bulk", "--type", "int32", "--item", "2=5"],
            "usage",
            vec!["--timestamp".into()],
        ),
        (
            vec![
                "write-bulk",
                "--type",
                "int32",
                "--item",
                "2=5",
                "--timestamp",
                "2024-01-02T03:04:05Z",
            ],
            "usage",
            vec!["--timestamp".into()],
        ),
        (
            vec!["write-bulk", "--item", "2=5"],
            "usage",
            vec!["--type".into()],
        ),
    ];
    for (args, kind, texts) in cases {
        let run = bulk_run(&server, args[0], &args[1..]).await;
        assert_eq!(run.code, 2, "{args:?}: {}", run.all_output());
        let err = run.error();
        assert_eq!(err.kind, kind, "{args:?}: {}", err.error);
        for text in texts {
            assert!(
                err.error.contains(&text),
                "{args:?}: {text} not in {}",
                err.error
            );
        }
    }

    // No entries at all, for every command.
    for command in BULK_COMMANDS {
        let extra: &[&str] = match command {
            "write-bulk" | "write-secured-bulk" => &["--type", "int32"],
            "write2-bulk" | "write-secured2-bulk" => {
                &["--type", "int32", "--timestamp", "2024-01-02T03:04:05Z"]
            }
            _ => &[],
        };
        let run = bulk_run(&server, command, extra).await;
        assert_eq!(run.code, 2, "{command}: {}", run.all_output());
        let err = run.error();
        assert_eq!(err.kind, "usage", "{command}");
        assert!(
            err.error.starts_with("no entries"),
            "{command}: {}",
            err.error
        );
    }

    // Without --json: one line on stderr.
    let run = run_with(
        &server,
        &[
            &["advise-item-bulk"][..],
            &TARGET,
            &["--items-file", &bad_handle],
        ]
        .concat(),
    )
    .await;
    assert_eq!(run.code, 2);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(
        run.stderr
            .starts_with(&format!("mxgw: error: items file {bad_handle} line 3: ")),
        "{}",
        run.stderr
    );

    assert!(server.state.invokes().is_empty(), "nothing may be sent");
}

#[tokio::test]
async fn failed_entries_exit_0_and_call_failures_are_typed_errors() {
    let server = FakeServer::start(State::new()).await;

    // A failed entry is a result, not an error.
    server.state.push_reply(Ok(ok_reply(Some(write_results(vec![
        write_ok(2),
        v1::BulkWriteResult {
            item_handle: 9,
            was_successful: false,
            hresult: mxgateway_mx::hresult::E_INVALIDARG,
            statuses: vec![],
            message: "unknown item handle".into(),
            denied_by_constraint: false,
        },
    ])))));
    let run = bulk_run(
        &server,
        "write-bulk",
        &["--type", "int32", "--item", "2=1", "--item", "9=1"],
    )
    .await;
    assert!(
        run.stdout.ends_with(concat!(
            r#"{"itemHandle":9,"wasSuccessful":false,"hresult":-2147024809,"statuses":[],"#,
            r#""message":"unknown item handle","deniedByConstraint":false}]}"#,
            "\n"
        )),
        "{}",
        run.stdout
    );
    let out: WriteBulkOut = run.json();
    assert!(out.results[0].was_successful);
    assert!(!out.results[1].was_successful);

    // A failed HRESULT on the whole call.
    server.state.push_reply(Ok(v1::MxCommandReply {
        hresult: mxgateway_mx::hresult::E_INVALIDARG,
        message: "unknown server handle".into(),
        ..ok_reply(Some(subscribe_results(vec![subscribe_ok("A.B", 2)])))
    }));
    let run = bulk_run(&server, "add-item-bulk", &["--item", "A.B"]).await;
    assert_eq!(run.code, 1, "{}", run.all_output());
    assert_eq!(run.error().kind, "mxaccess");

    // The gateway's refusals map through the one error table.
    for (code, kind, expected) in [
        (
            tonic::Code::InvalidArgument,
            "invalid-argument",
            "invalid-argument",
        ),
        (tonic::Code::NotFound, "session-not-found", "session"),
        (
            tonic::Code::PermissionDenied,
            "permission-denied",
            "authorization",
        ),
    ] {
        server
            .state
            .set_next_error(gateway_status(code, kind, "refused by the gateway"));
        let run = bulk_run(&server, "read-bulk", &["--item", "A.B"]).await;
        assert_eq!(run.code, 1, "{}", run.all_output());
        let err = run.error();
        assert_eq!(err.kind, expected);
        assert!(
            err.error.contains("refused by the gateway"),
            "{}",
            err.error
        );
    }

    // A reply with a result per entry missing is a gateway protocol failure.
    server
        .state
        .push_reply(Ok(ok_reply(Some(subscribe_results(vec![subscribe_ok(
            "", 2,
        )])))));
    let run = bulk_run(
        &server,
        "advise-item-bulk",
        &["--item-handle", "2", "--item-handle", "3"],
    )
    .await;
    assert_eq!(run.code, 1, "{}", run.all_output());
    let err = run.error();
    assert_eq!(err.kind, "command");
    assert!(
        err.error.contains("1 result for 2 entries"),
        "{}",
        err.error
    );

    // Plain text output, for humans.
    let run = run_with(
        &server,
        &[&["remove-item-bulk"][..], &TARGET, &["--item-handle", "2"]].concat(),
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    assert!(
        run.stdout.contains("command: remove-item-bulk"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("results: [{"), "{}", run.stdout);
}

#[tokio::test]
async fn entry_messages_never_carry_the_key() {
    let server = FakeServer::start(State::new()).await;
    let mut echo = subscribe_ok("A.B", 2);
    echo.message = format!("refused for Bearer {KEY}");
    server
        .state
        .push_reply(Ok(ok_reply(Some(subscribe_results(vec![echo])))));
    let run = bulk_run(&server, "subscribe-bulk", &["--item", "A.B"]).await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    assert!(
        !run.all_output().contains(KEY_SECRET),
        "{}",
        run.all_output()
    );
    let out: SubscribeBulkOut = run.json();
    assert_eq!(out.results[0].message, "refused for Bearer <redacted>");
}

// === TLS ===

#[tokio::test]
async fn smoke_over_tls_with_a_custom_ca_and_name_override() {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["gateway.test".to_string()])
        .unwrap()
        .signed_by(&key, &ca)
        .unwrap();
    let server = FakeServer::start_tls(State::new(), &cert.pem(), &key.serialize_pem()).await;
    server.state.set_batches(vec![v1::StreamEventsReply {
        events: vec![data_change(1, int_value(5))],
        ..Default::default()
    }]);
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, ca.pem()).unwrap();
    let endpoint = server.endpoint();
    let ca_path = ca_file.to_str().unwrap();
    let args = [
        "smoke",
        "--endpoint",
        &endpoint,
        "--tls",
        "--ca-file",
        ca_path,
        "--server-name-override",
        "gateway.test",
        "--api-key-env",
        "MXGATEWAY_API_KEY",
        "--item",
        "Object.Attribute",
        "--json",
    ];
    let out: SmokeOut = mxgw(&args, &[("MXGATEWAY_API_KEY", KEY)]).await.json();
    assert!(out.closed);
    assert_eq!(out.events.len(), 1);
    assert_eq!(
        server.state.calls()[0].authorization.as_deref(),
        Some(format!("Bearer {KEY}").as_str())
    );

    // The wrong name fails the handshake: a runtime transport error.
    let mut wrong = args;
    wrong[7] = "other.test";
    let run = mxgw(&wrong, &[("MXGATEWAY_API_KEY", KEY)]).await;
    assert_eq!(run.code, 1, "{}", run.all_output());
    assert_eq!(run.error().kind, "transport");
    assert!(!run.all_output().contains(KEY_SECRET));
}

// === Galaxy Repository ===

const GALAXY_COMMANDS: [&str; 5] = [
    "galaxy-test-connection",
    "galaxy-last-deploy",
    "galaxy-discover",
    "galaxy-watch",
    "galaxy-deploy",
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct GalaxyTestConnectionOut {
    command: String,
    ok: bool,
    provider: String,
    message: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct GalaxyLastDeployOut {
    command: String,
    present: bool,
    time_of_last_deploy: Option<String>,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct GalaxyAttributeOut {
    attribute_name: String,
    full_tag_reference: String,
    data_type: String,
    is_array: bool,
    security_classification: String,
    raw_security_classification: i32,
    is_alarm: bool,
    is_historized: bool,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct GalaxyObjectOut {
    gobject_id: i32,
    tag_name: String,
    contained_name: String,
    hierarchical_name: String,
    browse_name: String,
    parent_gobject_id: i32,
    parent_tag_name: String,
    area_tag_name: String,
    template_chain: Vec<String>,
    category_id: i32,
    category: String,
    attributes: Vec<GalaxyAttributeOut>,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct DeployEventOut {
    sequence: u64,
    time_of_last_deploy: Option<String>,
    time_of_last_deploy_present: bool,
    object_count: u64,
    attribute_count: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct GalaxyDeployOut {
    command: String,
    time_of_last_deploy: Option<String>,
    object_count: u64,
    attribute_count: u64,
}

/// The "Galaxy Repository commands" section of the docs, up to the next
/// command.
fn galaxy_section(docs: &str) -> &str {
    let start = docs
        .find("### Galaxy Repository commands")
        .expect("a galaxy section");
    let rest = &docs[start..];
    let end = rest[1..].find("\n### ").map_or(rest.len(), |i| i + 1);
    &rest[..end]
}

/// Which command printed a line of the galaxy section, checked against the
/// strict type of its shape.
fn parse_galaxy_line(line: &str) -> &'static str {
    let value: Value = parse_doc("galaxy", line);
    match value.get("command").and_then(Value::as_str) {
        Some("galaxy-test-connection") => {
            let out: GalaxyTestConnectionOut = parse_doc("galaxy-test-connection", line);
            assert_eq!(out.command, "galaxy-test-connection");
            assert!(!out.provider.is_empty());
            // `message` says why a test failed; it is empty when ok.
            assert_eq!(out.ok, out.message.is_empty());
            "galaxy-test-connection"
        }
        Some("galaxy-last-deploy") => {
            let out: GalaxyLastDeployOut = parse_doc("galaxy-last-deploy", line);
            assert_eq!(out.command, "galaxy-last-deploy");
            assert_eq!(out.present, out.time_of_last_deploy.is_some());
            "galaxy-last-deploy"
        }
        Some("galaxy-deploy") => {
            drop(parse_doc::<GalaxyDeployOut>("galaxy-deploy", line));
            "galaxy-deploy"
        }
        Some(other) => panic!("unknown command {other}"),
        // The JSON Lines commands print no `command` key.
        None if value.get("gobjectId").is_some() => {
            drop(parse_doc::<GalaxyObjectOut>("galaxy-discover", line));
            "galaxy-discover"
        }
        None => {
            drop(parse_doc::<DeployEventOut>("galaxy-watch", line));
            "galaxy-watch"
        }
    }
}

/// A deploy event as the docs' `galaxy-watch` example shows it.
fn doc_deploy_event() -> v1::DeployEvent {
    v1::DeployEvent {
        sequence: 1,
        time_of_last_deploy: Some(doc_deploy_time()),
        time_of_last_deploy_present: true,
        object_count: 17,
        attribute_count: 96,
    }
}

/// A model file in `dir`.
fn model_file(dir: &tempfile::TempDir, bytes: &[u8]) -> String {
    let path = dir.path().join("model.toml");
    std::fs::write(&path, bytes).unwrap();
    path.to_str().unwrap().to_string()
}

#[tokio::test]
async fn galaxy_commands_have_help_and_are_documented() {
    let docs = read_docs();
    let section = galaxy_section(&docs);
    let top = mxgw(&["--help"], &[]).await;
    assert_eq!(top.code, 0);
    for command in GALAXY_COMMANDS {
        assert!(
            top.stdout.contains(command),
            "{command} missing from --help"
        );
        let run = mxgw(&[command, "--help"], &[]).await;
        assert_eq!(run.code, 0, "{command}: {}", run.stderr);
        assert!(
            run.stdout.contains(&format!("Usage: mxgw {command}")),
            "{command}: {}",
            run.stdout
        );
        for flag in ["--endpoint", "--api-key-env", "--json"] {
            assert!(run.stdout.contains(flag), "{command}: {flag}");
        }
        // The long help names the scope.
        assert!(run.stdout.contains("scope"), "{command}: {}", run.stdout);
        assert!(
            section.contains(&format!("`mxgw {command} ")),
            "{command} is not in the galaxy section of docs/cli-json.md"
        );
    }
    let flags = [
        ("galaxy-discover", &["--page-size", "--max-objects"][..]),
        (
            "galaxy-watch",
            &["--last-seen-deploy-time", "--max-events", "--timeout-ms"][..],
        ),
        ("galaxy-deploy", &["--model"][..]),
    ];
    for (command, flags) in flags {
        let run = mxgw(&[command, "--help"], &[]).await;
        for flag in flags {
            assert!(run.stdout.contains(flag), "{command}: {flag}");
            assert!(section.contains(flag), "{flag} is not documented");
        }
    }
}

#[test]
fn documented_galaxy_examples_match_the_contract() {
    let docs = read_docs();
    let blocks = json_blocks(galaxy_section(&docs));
    let mut shown: Vec<&str> = Vec::new();
    for block in &blocks {
        assert!(
            !block.contains(": ") && !block.contains(", "),
            "not compact: {block}"
        );
        for line in block.lines() {
            shown.push(parse_galaxy_line(line));
        }
    }
    shown.sort_unstable();
    let mut all = GALAXY_COMMANDS.to_vec();
    all.sort_unstable();
    assert_eq!(shown, all, "one example per command");
}

#[tokio::test]
async fn galaxy_doc_examples_are_printed_byte_for_byte() {
    let docs = read_docs();
    let server = FakeServer::start(State::new()).await;
    server.galaxy.set_hierarchy(vec![doc_object()], 100);
    *server.galaxy.events.lock().unwrap() = vec![doc_deploy_event()];
    let dir = tempfile::tempdir().unwrap();
    let model = model_file(&dir, b"[galaxy]\n");
    for block in json_blocks(galaxy_section(&docs)) {
        let command = parse_galaxy_line(block.lines().next().unwrap());
        let mut args = vec![command, "--json"];
        match command {
            "galaxy-watch" => args.extend(["--max-events", "1"]),
            "galaxy-deploy" => args.extend(["--model", model.as_str()]),
            _ => {}
        }
        let run = run_with(&server, &args).await;
        assert_eq!(run.code, 0, "{command}: {}", run.all_output());
        assert_eq!(run.stdout, format!("{block}\n"), "{command}");
    }
    // No galaxy command touches the session service.
    assert!(server.state.calls().is_empty());
}

#[tokio::test]
async fn galaxy_test_connection_prints_a_failure_as_a_result() {
    let server = FakeServer::start(State::new()).await;
    *server.galaxy.test_connection.lock().unwrap() = v1::TestConnectionReply {
        ok: false,
        message: format!("login failed: \"{KEY}\"\n"),
        provider: "sqlserver".into(),
    };
    let run = run_with(&server, &["galaxy-test-connection", "--json"]).await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    assert_eq!(
        run.stdout,
        "{\"command\":\"galaxy-test-connection\",\"ok\":false,\"provider\":\"sqlserver\",\
         \"message\":\"login failed: \\\"<redacted>\\\"\\n\"}\n"
    );
    let calls = server.galaxy.calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].method, "TestConnection");
    assert_eq!(
        calls[0].authorization.as_deref(),
        Some(format!("Bearer {KEY}").as_str())
    );
}

#[tokio::test]
async fn galaxy_last_deploy_prints_null_when_never_deployed() {
    let server = FakeServer::start(State::new()).await;
    for (present, time) in [(false, None), (false, Some(doc_deploy_time()))] {
        *server.galaxy.last_deploy.lock().unwrap() = v1::GetLastDeployTimeReply {
            present,
            time_of_last_deploy: time,
        };
        let run = run_with(&server, &["galaxy-last-deploy", "--json"]).await;
        assert_eq!(
            run.stdout,
            "{\"command\":\"galaxy-last-deploy\",\"present\":false,\"timeOfLastDeploy\":null}\n",
            "{}",
            run.stderr
        );
    }
    // Whole seconds print without a fraction, as every timestamp does.
    *server.galaxy.last_deploy.lock().unwrap() = v1::GetLastDeployTimeReply {
        present: true,
        time_of_last_deploy: Some(prost_types::Timestamp {
            seconds: 1_795_304_836,
            nanos: 0,
        }),
    };
    let out: GalaxyLastDeployOut = run_with(&server, &["galaxy-last-deploy", "--json"])
        .await
        .json();
    assert_eq!(
        out.time_of_last_deploy.as_deref(),
        Some("2026-11-21T23:47:16Z")
    );
}

#[tokio::test]
async fn galaxy_discover_fetches_pages_lazily_up_to_max_objects() {
    let server = FakeServer::start(State::new()).await;
    server
        .galaxy
        .set_hierarchy((1..=5).map(galaxy_object).collect(), 2);
    let tokens = |server: &FakeServer| -> Vec<String> {
        let discovers = server.galaxy.discovers();
        server.galaxy.calls.lock().unwrap().clear();
        discovers.into_iter().map(|r| r.page_token).collect()
    };

    // Everything: three pages, each token passed back.
    let run = run_with(&server, &["galaxy-discover", "--page-size", "2", "--json"]).await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    let objects: Vec<GalaxyObjectOut> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let ids: Vec<i32> = objects.iter().map(|o| o.gobject_id).collect();
    assert_eq!(ids, [1, 2, 3, 4, 5]);
    assert_eq!(objects[0].tag_name, "Obj1");
    assert!(server.galaxy.discovers().iter().all(|r| r.page_size == 2));
    assert_eq!(tokens(&server), ["", "page-1", "page-2"]);

    // --max-objects stops the browse: no page beyond the one it needs.
    let cases: [(&str, usize, &[&str]); 4] = [
        ("1", 1, &[""]),
        ("2", 2, &[""]),
        ("3", 3, &["", "page-1"]),
        ("9", 5, &["", "page-1", "page-2"]),
    ];
    for (max, lines, expected) in cases {
        let run = run_with(
            &server,
            &[
                "galaxy-discover",
                "--page-size",
                "2",
                "--max-objects",
                max,
                "--json",
            ],
        )
        .await;
        assert_eq!(run.code, 0, "{}", run.all_output());
        assert_eq!(run.stdout.lines().count(), lines, "--max-objects {max}");
        assert_eq!(tokens(&server), expected, "--max-objects {max}");
    }

    // The default page size is the gateway's (0), and an empty galaxy prints nothing.
    server.galaxy.set_hierarchy(vec![], 10);
    let run = run_with(&server, &["galaxy-discover", "--json"]).await;
    assert_eq!((run.code, run.stdout.as_str()), (0, ""), "{}", run.stderr);
    assert_eq!(server.galaxy.discovers()[0].page_size, 0);

    // A page size beyond uint32 is a usage error.
    let run = run_with(
        &server,
        &["galaxy-discover", "--page-size", "4294967296", "--json"],
    )
    .await;
    assert_eq!(run.code, 2);
    assert_eq!(run.error().kind, "usage");
}

#[tokio::test]
async fn galaxy_discover_names_classifications_and_data_types() {
    let server = FakeServer::start(State::new()).await;
    let attribute =
        |name: &str, data_type: v1::MxDataType, class: i32, raw: i32| v1::GalaxyAttribute {
            attribute_name: name.into(),
            full_tag_reference: format!("Obj1.{name}"),
            data_type: data_type as i32,
            is_array: true,
            security_classification: class,
            raw_security_classification: raw,
            is_alarm: true,
            is_historized: true,
        };
    use v1::SecurityClassification as S;
    let mut object = galaxy_object(1);
    object.attributes = vec![
        attribute("A", v1::MxDataType::Double, S::VerifiedWrite as i32, 3),
        attribute("B", v1::MxDataType::String, S::Undefined as i32, -1),
        attribute("C", v1::MxDataType::Boolean, S::Unspecified as i32, 0),
        attribute("D", v1::MxDataType::Time, 99, 42),
    ];
    server.galaxy.set_hierarchy(vec![object], 10);
    let run = run_with(&server, &["galaxy-discover", "--json"]).await;
    let out: GalaxyObjectOut = run.json();
    let names: Vec<(&str, &str, i32)> = out
        .attributes
        .iter()
        .map(|a| {
            (
                a.data_type.as_str(),
                a.security_classification.as_str(),
                a.raw_security_classification,
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            ("Double", "VERIFIED_WRITE", 3),
            ("String", "UNDEFINED", -1),
            ("Boolean", "UNSPECIFIED", 0),
            ("Time", "UNRECOGNIZED", 42),
        ]
    );
    assert!(out
        .attributes
        .iter()
        .all(|a| a.is_array && a.is_alarm && a.is_historized));
}

#[tokio::test]
async fn galaxy_discover_errors_follow_the_objects_already_printed() {
    let server = FakeServer::start(State::new()).await;
    // A repeated page token: an error, never a loop.
    server.galaxy.set_page("", vec![galaxy_object(1)], "t1");
    server.galaxy.set_page("t1", vec![galaxy_object(2)], "t2");
    server.galaxy.set_page("t2", vec![galaxy_object(3)], "t1");
    let run = run_with(&server, &["galaxy-discover", "--json"]).await;
    assert_eq!(run.code, 1, "{}", run.all_output());
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", run.stdout);
    // The page that carried the repeated token is not printed.
    for (line, id) in lines.iter().zip([1, 2]) {
        let object: GalaxyObjectOut = serde_json::from_str(line).unwrap();
        assert_eq!(object.gobject_id, id);
    }
    let err = run.error();
    assert_eq!(err.kind, "command");
    assert!(err.error.contains("t1"), "{}", err.error);
    assert_eq!(server.galaxy.discovers().len(), 3);

    // A deploy during the browse: the gateway refuses the next token.
    server
        .galaxy
        .set_hierarchy((1..=4).map(galaxy_object).collect(), 2);
    server.galaxy.pages.lock().unwrap().remove("page-1");
    let run = run_with(&server, &["galaxy-discover", "--json"]).await;
    assert_eq!(run.code, 1, "{}", run.all_output());
    assert_eq!(run.stdout.lines().count(), 3, "{}", run.stdout);
    assert_eq!(run.error().kind, "command");

    // Without --json the error is one line on stderr, after the objects.
    let run = run_with(&server, &["galaxy-discover"]).await;
    assert_eq!(run.code, 1);
    assert_eq!(run.stdout.lines().count(), 2, "{}", run.stdout);
    assert!(
        run.stderr
            .starts_with("mxgw: error: command failed at the gateway"),
        "{}",
        run.stderr
    );
}

#[tokio::test]
async fn galaxy_watch_prints_json_lines_and_cancels_the_stream() {
    let server = FakeServer::start(State::new()).await;
    *server.galaxy.events.lock().unwrap() = vec![
        doc_deploy_event(),
        v1::DeployEvent {
            sequence: u64::MAX,
            time_of_last_deploy: None,
            time_of_last_deploy_present: false,
            object_count: 0,
            attribute_count: 0,
        },
        deploy_event(3, 1_795_305_002, 18),
    ];
    let run = run_with(
        &server,
        &[
            "galaxy-watch",
            "--last-seen-deploy-time",
            "2026-11-22T00:47:16.854+01:00",
            "--max-events",
            "2",
            "--json",
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    assert_eq!(
        run.stdout,
        concat!(
            r#"{"sequence":1,"timeOfLastDeploy":"2026-11-21T23:47:16.854Z","timeOfLastDeployPresent":true,"objectCount":17,"attributeCount":96}"#,
            "\n",
            r#"{"sequence":18446744073709551615,"timeOfLastDeploy":null,"timeOfLastDeployPresent":false,"objectCount":0,"attributeCount":0}"#,
            "\n"
        )
    );
    match &server.galaxy.calls()[0].message {
        GalaxyMessage::Watch(r) => {
            assert_eq!(r.last_seen_deploy_time, Some(doc_deploy_time()));
        }
        other => panic!("{other:?}"),
    }
    // The CLI stopped after two events and its exit cancelled the call.
    tokio::time::timeout(Duration::from_secs(10), async {
        while server.galaxy.watches_cancelled.load(Ordering::SeqCst) == 0 {
            server.galaxy.watch_cancelled.notified().await;
        }
    })
    .await
    .expect("watch cancelled at the gateway");

    // Without a time, no time is sent; --timeout-ms ends the wait, which is
    // not an error.
    server.galaxy.calls.lock().unwrap().clear();
    let run = run_with(&server, &["galaxy-watch", "--timeout-ms", "300", "--json"]).await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    let events: Vec<DeployEventOut> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(events.len(), 3);
    assert_eq!(events[2].sequence, 3);
    match &server.galaxy.calls()[0].message {
        GalaxyMessage::Watch(r) => assert_eq!(r.last_seen_deploy_time, None),
        other => panic!("{other:?}"),
    }

    // The end of the stream ends the command; an error in it is typed.
    *server.galaxy.end_watches.lock().unwrap() = true;
    let run = run_with(&server, &["galaxy-watch", "--json"]).await;
    assert_eq!((run.code, run.stdout.lines().count()), (0, 3));
    *server.galaxy.watch_error.lock().unwrap() = Some(galaxy_status(
        tonic::Code::Unavailable,
        "shutting-down",
        "the gateway is shutting down",
    ));
    let run = run_with(&server, &["galaxy-watch", "--json"]).await;
    assert_eq!(run.code, 1, "{}", run.all_output());
    assert_eq!(run.stdout.lines().count(), 4);
    assert_eq!(run.error().kind, "shutting-down");
}

#[tokio::test]
async fn galaxy_watch_flags_are_checked_before_any_network_use() {
    let server = FakeServer::start(State::new()).await;
    let cases: [(&[&str], i32, &str); 4] = [
        (
            &["--last-seen-deploy-time", "2026-11-21 23:47:16"],
            2,
            "invalid-value",
        ),
        (
            &["--last-seen-deploy-time", "2026-11-21T23:47:16"],
            2,
            "invalid-value",
        ),
        (&["--max-events", "1000001"], 2, "usage"),
        (&["--timeout-ms", "-1"], 2, "usage"),
    ];
    for (flags, code, kind) in cases {
        let mut args = vec!["galaxy-watch", "--json"];
        args.extend(flags);
        let run = run_with(&server, &args).await;
        assert_eq!(run.code, code, "{flags:?}: {}", run.all_output());
        assert_eq!(run.error().kind, kind, "{flags:?}");
    }
    assert!(server.galaxy.calls().is_empty());
}

#[tokio::test]
async fn galaxy_deploy_sends_the_model_and_maps_refusals() {
    let server = FakeServer::start(State::new()).await;
    let dir = tempfile::tempdir().unwrap();
    let text = "# ünïcode stays as is\r\n[galaxy]\nname = \"demo\"\n";
    let model = model_file(&dir, text.as_bytes());
    let out: GalaxyDeployOut = run_with(&server, &["galaxy-deploy", "--model", &model, "--json"])
        .await
        .json();
    assert_eq!(
        (out.command.as_str(), out.object_count, out.attribute_count),
        ("galaxy-deploy", 18, 99)
    );
    assert_eq!(
        out.time_of_last_deploy.as_deref(),
        Some("2026-11-21T23:50:02.001Z")
    );
    match &server.galaxy.calls()[0].message {
        GalaxyMessage::Deploy(r) => assert_eq!(r.model_toml, text),
        other => panic!("{other:?}"),
    }

    // Gateway refusals are typed errors with exit status 1.
    let cases = [
        (
            galaxy_status(
                tonic::Code::FailedPrecondition,
                "failed-precondition",
                "the gateway browses a real repository",
            ),
            "command",
        ),
        (
            galaxy_status(
                tonic::Code::InvalidArgument,
                "invalid-argument",
                "model line 2: unknown key",
            ),
            "invalid-argument",
        ),
        (
            galaxy_status(
                tonic::Code::PermissionDenied,
                "permission-denied",
                "the API key lacks the admin scope",
            ),
            "authorization",
        ),
    ];
    for (status, kind) in cases {
        let message = status.message().to_string();
        server.galaxy.set_next_error(status);
        let run = run_with(&server, &["galaxy-deploy", "--model", &model, "--json"]).await;
        assert_eq!(run.code, 1, "{}", run.all_output());
        let err = run.error();
        assert_eq!(err.kind, kind);
        assert!(err.error.contains(&message), "{}", err.error);
        assert_eq!(run.stdout.lines().count(), 1);
    }

    // An unreadable or non-UTF-8 model is a usage error and nothing is sent.
    server.galaxy.calls.lock().unwrap().clear();
    let missing = dir.path().join("missing.toml");
    let not_utf8 = dir.path().join("latin1.toml");
    std::fs::write(&not_utf8, b"name = \"caf\xe9\"\n").unwrap();
    for path in [&missing, &not_utf8] {
        let path = path.to_str().unwrap();
        let run = run_with(&server, &["galaxy-deploy", "--model", path, "--json"]).await;
        assert_eq!(run.code, 2, "{}", run.all_output());
        let err = run.error();
        assert_eq!(err.kind, "usage");
        assert!(
            err.error.contains("cannot read model file"),
            "{}",
            err.error
        );
    }
    // --model is required.
    let run = run_with(&server, &["galaxy-deploy", "--json"]).await;
    assert_eq!((run.code, run.error().kind.as_str()), (2, "usage"));
    assert!(server.galaxy.calls().is_empty());
}

#[tokio::test]
async fn galaxy_errors_never_carry_the_key() {
    let server = FakeServer::start(State::new()).await;
    *server.galaxy.required_key.lock().unwrap() = Some("mxgw_other_key".into());
    for command in GALAXY_COMMANDS {
        let dir = tempfile::tempdir().unwrap();
        let model = model_file(&dir, b"[galaxy]\n");
        let mut args = vec![command, "--json"];
        if command == "galaxy-deploy" {
            args.extend(["--model", model.as_str()]);
        }
        let run = run_with(&server, &args).await;
        assert_eq!(run.code, 1, "{command}: {}", run.all_output());
        assert_eq!(run.error().kind, "authentication", "{command}");
        assert!(!run.all_output().contains(KEY_SECRET), "{command}");
    }
}

// === alarms ===

const ALARM_COMMANDS: [&str; 3] = ["stream-alarms", "query-active-alarms", "acknowledge-alarm"];

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct AlarmOut {
    reference: String,
    tag_name: String,
    alarm_name: String,
    area: String,
    source_reference: String,
    condition: String,
    state: String,
    priority: i32,
    category: String,
    description: String,
    value: Value,
    limit: Value,
    quality: i32,
    time_alarm_on: Option<String>,
    time_alarm_off: Option<String>,
    time_alarm_acked: Option<String>,
    ack_operator: String,
    ack_comment: String,
    transition_time: Option<String>,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct AlarmEventOut {
    kind: String,
    sequence: u64,
    resync: bool,
    snapshot_count: u32,
    alarm: Option<AlarmOut>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct QueryActiveAlarmsOut {
    command: String,
    alarms: Vec<AlarmOut>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct AcknowledgeAlarmOut {
    command: String,
    reference: String,
    status: StatusOut,
    alarm: AlarmOut,
}

/// The "Alarm commands" section of the docs, up to the next command.
fn alarm_section(docs: &str) -> &str {
    let start = docs.find("### Alarm commands").expect("an alarm section");
    let rest = &docs[start..];
    let end = rest[1..].find("\n### ").map_or(rest.len(), |i| i + 1);
    &rest[..end]
}

/// What a line of the alarm section shows, checked against its strict type.
fn parse_alarm_line(line: &str) -> &'static str {
    let value: Value = parse_doc("alarms", line);
    match value.get("command").and_then(Value::as_str) {
        Some("query-active-alarms") => {
            let out: QueryActiveAlarmsOut = parse_doc("query-active-alarms", line);
            assert_eq!(out.command, "query-active-alarms");
            // Only active alarms are listed.
            assert!(out.alarms.iter().all(|a| a.state != "ACK_RTN"), "{line}");
            "query-active-alarms"
        }
        Some("acknowledge-alarm") => {
            let out: AcknowledgeAlarmOut = parse_doc("acknowledge-alarm", line);
            assert_eq!(out.command, "acknowledge-alarm");
            assert_eq!(out.reference, out.alarm.reference);
            "acknowledge-alarm"
        }
        Some(other) => panic!("unknown command {other}"),
        None if value.get("kind").is_some() => {
            let out: AlarmEventOut = parse_doc("stream-alarms", line);
            // `alarm` is null exactly on SNAPSHOT_END, and only it counts.
            assert_eq!(out.kind == "SNAPSHOT_END", out.alarm.is_none(), "{line}");
            if out.kind != "SNAPSHOT_END" {
                assert_eq!(out.snapshot_count, 0, "{line}");
            }
            "stream-alarms"
        }
        None => {
            drop(parse_doc::<AlarmOut>("alarm", line));
            "alarm"
        }
    }
}

/// The doc alarm as JSON, taken from the first block of the alarm section.
fn doc_alarm_json(docs: &str) -> String {
    json_blocks(alarm_section(docs))[0].clone()
}

#[tokio::test]
async fn alarm_commands_have_help_and_are_documented() {
    let docs = read_docs();
    let section = alarm_section(&docs);
    let top = mxgw(&["--help"], &[]).await;
    assert_eq!(top.code, 0);
    for command in ALARM_COMMANDS {
        assert!(
            top.stdout.contains(command),
            "{command} missing from --help"
        );
        let run = mxgw(&[command, "--help"], &[]).await;
        assert_eq!(run.code, 0, "{command}: {}", run.stderr);
        assert!(
            run.stdout.contains(&format!("Usage: mxgw {command}")),
            "{command}: {}",
            run.stdout
        );
        for flag in ["--endpoint", "--api-key-env", "--json"] {
            assert!(run.stdout.contains(flag), "{command}: {flag}");
        }
        assert!(run.stdout.contains("scope"), "{command}: {}", run.stdout);
        assert!(
            section.contains(&format!("`mxgw {command} ")),
            "{command} is not in the alarm section of docs/cli-json.md"
        );
    }
    let flags = [
        (
            "stream-alarms",
            &[
                "--query",
                "--min-priority",
                "--max-priority",
                "--max-messages",
                "--timeout-ms",
            ][..],
        ),
        (
            "query-active-alarms",
            &["--query", "--min-priority", "--max-priority"][..],
        ),
        (
            "acknowledge-alarm",
            &["--reference", "--comment", "--operator"][..],
        ),
    ];
    for (command, flags) in flags {
        let run = mxgw(&[command, "--help"], &[]).await;
        for flag in flags {
            assert!(run.stdout.contains(flag), "{command}: {flag}");
            assert!(section.contains(flag), "{flag} is not documented");
        }
    }
}

#[test]
fn documented_alarm_examples_match_the_contract() {
    let docs = read_docs();
    let blocks = json_blocks(alarm_section(&docs));
    let mut shown: Vec<&str> = Vec::new();
    for block in &blocks {
        assert!(
            !block.contains(": ") && !block.contains(", "),
            "not compact: {block}"
        );
        for line in block.lines() {
            shown.push(parse_alarm_line(line));
        }
    }
    assert_eq!(
        shown,
        [
            "alarm",
            "stream-alarms",
            "query-active-alarms",
            "acknowledge-alarm"
        ]
    );
    // The alarm of the first example is the one acknowledged in the last,
    // before and after: the same alarm, now ACK_ALM by its operator.
    let before: AlarmOut = parse_doc("alarm", &blocks[0]);
    let after: AcknowledgeAlarmOut = parse_doc("acknowledge-alarm", &blocks[3]);
    assert_eq!(before.state, "UNACK_ALM");
    assert_eq!(after.alarm.state, "ACK_ALM");
    assert_eq!(after.alarm.time_alarm_on, before.time_alarm_on);
    assert!(after.status.success == 1 && after.status.category == "OK");
    // The error type list names not-found.
    assert!(docs.contains("`not-found` (an unknown alarm)"));
}

#[tokio::test]
async fn alarm_doc_examples_are_printed_byte_for_byte() {
    let docs = read_docs();
    let blocks = json_blocks(alarm_section(&docs));
    let server = FakeServer::start(State::new()).await;

    // The alarm object, inside a query's result and a snapshot line.
    *server.state.alarms.active.lock().unwrap() = vec![doc_alarm()];
    let run = run_with(&server, &["query-active-alarms", "--json"]).await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    assert_eq!(
        run.stdout,
        format!(
            "{{\"command\":\"query-active-alarms\",\"alarms\":[{}]}}\n",
            doc_alarm_json(&docs)
        )
    );
    // The empty query of the docs.
    server.state.alarms.active.lock().unwrap().clear();
    let run = run_with(&server, &["query-active-alarms", "--json"]).await;
    assert_eq!(run.stdout, format!("{}\n", blocks[2]));

    // The stream: a snapshot of the doc alarm and the documented SNAPSHOT_END.
    *server.state.alarms.events.lock().unwrap() = vec![
        alarm_event(v1::AlarmEventKind::Snapshot, 41, Some(doc_alarm()), 0),
        alarm_event(v1::AlarmEventKind::SnapshotEnd, 41, None, 0),
    ];
    let run = run_with(&server, &["stream-alarms", "--max-messages", "2", "--json"]).await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    assert_eq!(
        run.stdout,
        format!(
            "{{\"kind\":\"SNAPSHOT\",\"sequence\":41,\"resync\":false,\"snapshotCount\":0,\"alarm\":{}}}\n{}\n",
            doc_alarm_json(&docs),
            blocks[1]
        )
    );

    // The acknowledgement of the docs.
    let run = run_with(
        &server,
        &[
            "acknowledge-alarm",
            "--reference",
            "Tank_001.Level.Hi",
            "--comment",
            "seen",
            "--operator",
            "supervisor",
            "--json",
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    assert_eq!(run.stdout, format!("{}\n", blocks[3]));
    // No alarm command touches a session.
    assert!(server
        .state
        .calls()
        .iter()
        .all(|c| !matches!(c.message, Message::Open(_) | Message::Invoke(_))));
}

#[tokio::test]
async fn alarm_filters_and_acknowledgements_send_what_the_flags_say() {
    let server = FakeServer::start(State::new()).await;
    let run = run_with(
        &server,
        &[
            "query-active-alarms",
            "--query",
            r"\Galaxy!TankFarm",
            "--query",
            r"\Galaxy!Utilities!Comp*",
            "--min-priority",
            "100",
            "--max-priority",
            "600",
            "--json",
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    let filter = v1::AlarmFilter {
        queries: vec![
            r"\Galaxy!TankFarm".into(),
            r"\Galaxy!Utilities!Comp*".into(),
        ],
        min_priority: 100,
        max_priority: 600,
    };
    assert_eq!(server.state.alarm_queries()[0].filter, Some(filter.clone()));
    // No flags: every alarm.
    run_with(&server, &["query-active-alarms", "--json"]).await;
    assert_eq!(
        server.state.alarm_queries()[1].filter,
        Some(v1::AlarmFilter::default())
    );

    let run = run_with(
        &server,
        &[
            "stream-alarms",
            "--query",
            r"\Galaxy!TankFarm",
            "--query",
            r"\Galaxy!Utilities!Comp*",
            "--min-priority",
            "100",
            "--max-priority",
            "600",
            "--timeout-ms",
            "200",
            "--json",
        ],
    )
    .await;
    assert_eq!((run.code, run.stdout.as_str()), (0, ""), "{}", run.stderr);
    assert_eq!(server.state.alarm_streams()[0].filter, Some(filter));

    // --comment and --operator default to empty.
    let run = run_with(
        &server,
        &[
            "acknowledge-alarm",
            "--reference",
            "Tank_001.Level.Hi",
            "--json",
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    assert_eq!(
        server.state.acknowledgements(),
        vec![v1::AcknowledgeAlarmRequest {
            reference: "Tank_001.Level.Hi".into(),
            comment: String::new(),
            operator: String::new(),
        }]
    );
    // --reference is required; priorities are numbers; --max-messages is capped.
    for args in [
        &["acknowledge-alarm", "--json"][..],
        &["query-active-alarms", "--min-priority", "high", "--json"][..],
        &["stream-alarms", "--max-messages", "1000001", "--json"][..],
    ] {
        let run = run_with(&server, args).await;
        assert_eq!(run.code, 2, "{args:?}: {}", run.all_output());
        assert_eq!(run.error().kind, "usage", "{args:?}");
    }
    assert_eq!(
        server.state.acknowledgements().len(),
        1,
        "nothing more sent"
    );
}

#[tokio::test]
async fn stream_alarms_stops_at_max_messages_and_cancels_the_stream() {
    let server = FakeServer::start(State::new()).await;
    *server.state.alarms.events.lock().unwrap() = vec![
        alarm_event(v1::AlarmEventKind::Snapshot, 41, Some(doc_alarm()), 0),
        alarm_event(v1::AlarmEventKind::SnapshotEnd, 41, None, 1),
        alarm_event(
            v1::AlarmEventKind::Transition,
            42,
            Some(doc_acked_alarm()),
            0,
        ),
    ];
    let run = run_with(&server, &["stream-alarms", "--max-messages", "2", "--json"]).await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    let lines: Vec<AlarmEventOut> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1].kind, "SNAPSHOT_END");
    assert_eq!(lines[1].snapshot_count, 1);
    tokio::time::timeout(Duration::from_secs(10), async {
        while server.state.alarms.streams_cancelled.load(Ordering::SeqCst) == 0 {
            server.state.alarms.stream_cancelled.notified().await;
        }
    })
    .await
    .expect("the stream was cancelled at the gateway");

    // Human output: one line per event, naming the kind and the alarm.
    let run = run_with(&server, &["stream-alarms", "--max-messages", "3"]).await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", run.stdout);
    assert!(
        lines[0].starts_with("SNAPSHOT #41 Tank_001.Level.Hi UNACK_ALM"),
        "{}",
        lines[0]
    );
    assert!(lines[1].starts_with("SNAPSHOT_END #41"), "{}", lines[1]);
    assert!(
        lines[2].starts_with("TRANSITION #42 Tank_001.Level.Hi ACK_ALM"),
        "{}",
        lines[2]
    );

    // The end of the stream ends the command; an error in it is typed, after
    // the lines already printed.
    *server.state.alarms.end_streams.lock().unwrap() = true;
    let run = run_with(&server, &["stream-alarms", "--json"]).await;
    assert_eq!((run.code, run.stdout.lines().count()), (0, 3));
    *server.state.alarms.stream_error.lock().unwrap() = Some(gateway_status(
        tonic::Code::Unavailable,
        "shutting-down",
        "the gateway is shutting down",
    ));
    let run = run_with(&server, &["stream-alarms", "--json"]).await;
    assert_eq!(run.code, 1, "{}", run.all_output());
    assert_eq!(run.stdout.lines().count(), 4);
    assert_eq!(run.error().kind, "shutting-down");
}

#[tokio::test]
async fn refused_and_unknown_acknowledgements_are_typed_errors() {
    let server = FakeServer::start(State::new()).await;
    let ack = [
        "acknowledge-alarm",
        "--reference",
        "Tank_001.Level.Hi",
        "--json",
    ];
    for detail in [1015, 1014] {
        server
            .state
            .alarms
            .ack_replies
            .lock()
            .unwrap()
            .push_back(Ok(ack_refused_reply(detail)));
        let run = run_with(&server, &ack).await;
        assert_eq!(run.code, 1, "{}", run.all_output());
        assert_eq!(
            run.stdout.lines().count(),
            1,
            "only the error: {}",
            run.stdout
        );
        let error = run.error();
        assert_eq!(error.kind, "mxaccess");
        assert!(error.error.contains(&detail.to_string()), "{}", error.error);
    }
    let cases = [
        (
            gateway_status(tonic::Code::NotFound, "not-found", "no alarm \"Nope.Hi\""),
            "not-found",
        ),
        (
            gateway_status(
                tonic::Code::PermissionDenied,
                "permission-denied",
                "missing scope alarms:ack",
            ),
            "authorization",
        ),
        (
            gateway_status(
                tonic::Code::InvalidArgument,
                "invalid-argument",
                "comment is longer than 256 characters",
            ),
            "invalid-argument",
        ),
    ];
    for (status, kind) in cases {
        server.state.set_next_error(status);
        let run = run_with(&server, &ack).await;
        assert_eq!(run.code, 1, "{}", run.all_output());
        assert_eq!(run.error().kind, kind);
    }
    // Without --json: one line on stderr, nothing on stdout.
    server.state.set_next_error(gateway_status(
        tonic::Code::NotFound,
        "not-found",
        "no alarm",
    ));
    let run = run_with(&server, &ack[..3]).await;
    assert_eq!(run.code, 1);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr.starts_with("mxgw: error: not found"),
        "{}",
        run.stderr
    );
    // A refused filter is the gateway's invalid-argument, also for the stream.
    for command in ["query-active-alarms", "stream-alarms"] {
        server.state.set_next_error(gateway_status(
            tonic::Code::InvalidArgument,
            "invalid-argument",
            "min_priority 1000 is not within 1..=999 (0 = open)",
        ));
        let run = run_with(&server, &[command, "--min-priority", "1000", "--json"]).await;
        assert_eq!(run.code, 1, "{command}: {}", run.all_output());
        assert_eq!(run.error().kind, "invalid-argument", "{command}");
    }
    assert!(!server
        .state
        .calls()
        .iter()
        .any(|c| c.authorization.as_deref().is_some_and(|a| !a.contains(KEY))));
}

#[tokio::test]
async fn archestra_user_to_id_prints_the_documented_object() {
    let server = FakeServer::start(State::new()).await;
    let guid = "6f1d2a3b-0001-4c5d-8e9f-0a1b2c3d4e01";
    let run = run_with(
        &server,
        &[
            "archestra-user-to-id",
            "--session-id",
            "sess-1",
            "--server-handle",
            "1",
            "--user-guid",
            guid,
            "--json",
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    let out: UserToIdOut = run.json();
    assert_eq!(out.command, "archestra-user-to-id");
    assert_eq!((out.session_id.as_str(), out.server_handle), ("sess-1", 1));
    assert_eq!((out.user_guid.as_str(), out.user_id), (guid, 7));
    assert_eq!((out.hresult, out.statuses.len()), (0, 1));
    let sent = server.state.invokes();
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0].command.as_ref().and_then(|c| c.command.clone()),
        Some(Command::ArchestraUserToId(v1::ArchestraUserToIdCommand {
            server_handle: 1,
            user_guid: guid.into(),
        }))
    );
}

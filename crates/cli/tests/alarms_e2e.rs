//! The alarm commands through the built binaries against `mxgateway serve`
//! on the demo galaxy: the feed (the compressor overload comes and goes by
//! itself), a limit alarm tripped by an `mxgw write`, its acknowledgement
//! (refused for a user without the privilege, accepted for the supervisor,
//! refused again once acknowledged), an unknown alarm, and a key without the
//! alarm scopes.

mod gateway_harness;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use gateway_harness::*;
use serde_json::Value;

/// The alarm `mxgw write` trips (demo galaxy: Hi limit 100, priority 300,
/// the only alarm of that priority).
const DOUBLE_HI: &str = "TestChildObject.TestDouble.Hi";

struct Cli<'a> {
    addr: &'a str,
    key: String,
}

impl Cli<'_> {
    /// Runs `mxgw ... --json`; returns (exit code, every stdout line as JSON).
    fn run_lines(&self, args: &[&str]) -> (i32, Vec<Value>) {
        let out = mxgw_json(self.addr, &self.key, args);
        (out.status.code().unwrap_or(-1), json_lines(args, &out))
    }

    /// Runs a one-object command; returns (exit code, the object).
    fn run(&self, args: &[&str]) -> (i32, Value) {
        let (code, mut lines) = self.run_lines(args);
        assert_eq!(lines.len(), 1, "{args:?}: one object expected: {lines:?}");
        (code, lines.remove(0))
    }

    fn ok(&self, args: &[&str]) -> Value {
        let (code, json) = self.run(args);
        assert_eq!(code, 0, "{args:?}: {json}");
        json
    }

    /// Runs a command that must fail; returns its error object.
    fn fails(&self, args: &[&str]) -> Value {
        let (code, json) = self.run(args);
        assert_eq!(code, 1, "{args:?}: {json}");
        assert!(json["error"].is_string(), "{args:?}: {json}");
        json
    }
}

fn create_key(state: &Path, name: &str, scopes: &[&str]) -> String {
    let mut command = Command::new(gateway_binary());
    command
        .args(["keys", "create", "--state-dir", state.to_str().unwrap()])
        .args(["--name", name]);
    for scope in scopes {
        command.args(["--scope", scope]);
    }
    let out = command.arg("--json").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    json["key"].as_str().unwrap().to_string()
}

fn alarm<'a>(alarms: &'a Value, reference: &str) -> Option<&'a Value> {
    alarms
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["reference"] == reference)
}

#[test]
fn alarms_stream_trip_acknowledge_and_refuse_through_the_built_binaries() {
    let state = tempfile::tempdir().unwrap();
    let operator_key = create_key(
        state.path(),
        "alarm-desk",
        &["mx:read", "mx:write", "alarms:read", "alarms:ack"],
    );
    let reader_key = create_key(state.path(), "tag-reader", &["mx:read"]);
    let gw = serve(state.path(), &[]);
    let cli = Cli {
        addr: &gw.addr,
        key: operator_key,
    };

    // The feed: three lines within 30 s, the compressor overload among them
    // (it is either active in the snapshot or raised within 5 s).
    let started = Instant::now();
    let (code, lines) = cli.run_lines(&[
        "stream-alarms",
        "--max-messages",
        "3",
        "--timeout-ms",
        "30000",
    ]);
    assert_eq!(code, 0, "{lines:?}");
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(started.elapsed() < Duration::from_secs(30));
    assert!(
        matches!(lines[0]["kind"].as_str(), Some("SNAPSHOT" | "SNAPSHOT_END")),
        "the stream starts with its snapshot: {lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l["alarm"]["reference"] == "Compressor_001.Overload"),
        "{lines:?}"
    );
    for line in &lines {
        let kind = line["kind"].as_str().unwrap();
        assert_eq!(kind == "SNAPSHOT_END", line["alarm"].is_null(), "{line}");
        if kind != "SNAPSHOT_END" {
            assert_eq!(line["alarm"]["priority"], 250, "{line}");
            assert_eq!(line["alarm"]["condition"], "DISCRETE", "{line}");
        }
    }
    // Nothing of priority 300 is active yet.
    let (code, before) = cli.run(&[
        "query-active-alarms",
        "--min-priority",
        "300",
        "--max-priority",
        "300",
    ]);
    assert_eq!(code, 0, "{before}");
    assert_eq!(before["alarms"], serde_json::json!([]), "{before}");

    // Trip TestDouble.Hi with a plain write through a session.
    let session = cli.ok(&["open-session"])["sessionId"]
        .as_str()
        .unwrap()
        .to_string();
    let s = session.as_str();
    let server = cli.ok(&["register", "--session-id", s])["serverHandle"]
        .as_i64()
        .unwrap()
        .to_string();
    let item = cli.ok(&[
        "add-item",
        "--session-id",
        s,
        "--server-handle",
        &server,
        "--item",
        "TestChildObject.TestDouble",
    ])["itemHandle"]
        .as_i64()
        .unwrap()
        .to_string();
    let handles = [
        "--session-id",
        s,
        "--server-handle",
        &server,
        "--item-handle",
        &item,
    ];
    cli.ok(&[&["advise"][..], &handles[..]].concat());
    // A write needs a resolved item: wait for its first data change.
    let (code, first) = cli.run_lines(&[
        "stream-events",
        "--session-id",
        s,
        "--max-events",
        "1",
        "--timeout-ms",
        "20000",
    ]);
    assert_eq!((code, first.len()), (0, 1), "{first:?}");
    cli.ok(&[
        &["write"][..],
        &handles[..],
        &["--type", "double", "--value", "150"][..],
    ]
    .concat());
    // Wait for the alarm through the feed (no sleeping): either the snapshot
    // already has it, or its transition follows the (empty) snapshot.
    let (code, feed) = cli.run_lines(&[
        "stream-alarms",
        "--min-priority",
        "300",
        "--max-priority",
        "300",
        "--max-messages",
        "2",
        "--timeout-ms",
        "20000",
    ]);
    assert_eq!(code, 0, "{feed:?}");
    assert!(
        feed.iter().any(|l| l["alarm"]["reference"] == DOUBLE_HI),
        "{feed:?}"
    );

    let active = cli.ok(&["query-active-alarms"]);
    assert_eq!(active["command"], "query-active-alarms");
    let hi = alarm(&active["alarms"], DOUBLE_HI).unwrap_or_else(|| panic!("{active}"));
    assert_eq!(hi["state"], "UNACK_ALM", "{hi}");
    assert_eq!(hi["condition"], "HI", "{hi}");
    assert_eq!(hi["priority"], 300, "{hi}");
    assert_eq!(hi["value"], 150.0, "{hi}");
    assert_eq!(hi["limit"], 100.0, "{hi}");
    assert_eq!(hi["sourceReference"], "TestChildObject.TestDouble", "{hi}");
    assert!(
        hi["timeAlarmOn"].is_string() && hi["timeAlarmAcked"].is_null(),
        "{hi}"
    );

    // Alarm queries select by area (TestChildObject is in its container's
    // TestArea) and by a filter on the reference.
    for (query, listed) in [
        (r"\Galaxy!TestArea", true),
        (r"\Galaxy!TestArea!TestChildObject.*", true),
        (r"\Galaxy!TestArea!Tank_*", false),
        (r"\Galaxy!TankFarm", false),
    ] {
        let found = cli.ok(&["query-active-alarms", "--query", query]);
        assert_eq!(
            alarm(&found["alarms"], DOUBLE_HI).is_some(),
            listed,
            "{query}: {found}"
        );
    }

    // A user without the acknowledge privilege is refused (detail 1014).
    let ack = [
        "acknowledge-alarm",
        "--reference",
        DOUBLE_HI,
        "--comment",
        "seen",
    ];
    let refused = cli.fails(&[&ack[..], &["--operator", "operator"][..]].concat());
    assert_eq!(refused["type"], "mxaccess", "{refused}");
    assert!(
        refused["error"].as_str().unwrap().contains("1014"),
        "{refused}"
    );
    let still = cli.ok(&[
        "query-active-alarms",
        "--min-priority",
        "300",
        "--max-priority",
        "300",
    ]);
    assert_eq!(
        alarm(&still["alarms"], DOUBLE_HI).unwrap()["state"],
        "UNACK_ALM"
    );

    // The supervisor may.
    let acked = cli.ok(&[&ack[..], &["--operator", "supervisor"][..]].concat());
    assert_eq!(acked["command"], "acknowledge-alarm");
    assert_eq!(acked["reference"], DOUBLE_HI);
    assert_eq!(acked["status"]["success"], 1, "{acked}");
    assert_eq!(acked["status"]["category"], "OK", "{acked}");
    assert_eq!(acked["alarm"]["state"], "ACK_ALM", "{acked}");
    assert_eq!(acked["alarm"]["ackOperator"], "supervisor", "{acked}");
    assert_eq!(acked["alarm"]["ackComment"], "seen", "{acked}");
    assert!(acked["alarm"]["timeAlarmAcked"].is_string(), "{acked}");
    let after = cli.ok(&["query-active-alarms"]);
    assert_eq!(
        alarm(&after["alarms"], DOUBLE_HI).unwrap()["state"],
        "ACK_ALM"
    );

    // Twice is refused (detail 1015), as an MXAccess failure.
    let again = cli.fails(&[&ack[..], &["--operator", "supervisor"][..]].concat());
    assert_eq!(again["type"], "mxaccess", "{again}");
    assert!(again["error"].as_str().unwrap().contains("1015"), "{again}");

    // An unknown alarm.
    let unknown = cli.fails(&[
        "acknowledge-alarm",
        "--reference",
        "Nope_001.Missing.Hi",
        "--operator",
        "supervisor",
    ]);
    assert_eq!(unknown["type"], "not-found", "{unknown}");

    // A bad filter is the gateway's invalid-argument.
    let bad = cli.fails(&["query-active-alarms", "--min-priority", "1000"]);
    assert_eq!(bad["type"], "invalid-argument", "{bad}");

    // A key without alarms:read (or alarms:ack) may do none of it.
    let reader = Cli {
        addr: &gw.addr,
        key: reader_key,
    };
    for args in [
        &[
            "stream-alarms",
            "--max-messages",
            "1",
            "--timeout-ms",
            "20000",
        ][..],
        &["query-active-alarms"][..],
        &[
            "acknowledge-alarm",
            "--reference",
            DOUBLE_HI,
            "--operator",
            "supervisor",
        ][..],
    ] {
        let denied = reader.fails(args);
        assert_eq!(denied["type"], "authorization", "{args:?}: {denied}");
    }

    cli.ok(&["close-session", "--session-id", s]);
}

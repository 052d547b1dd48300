//! Issue 8's commands through the built binaries: `mxgw` against a real
//! `mxgateway serve` process on the demo galaxy.

mod gateway_harness;

use std::process::Command;

use gateway_harness::*;
use serde_json::Value;

struct Cli<'a> {
    addr: &'a str,
    key: String,
}

impl Cli<'_> {
    /// Runs `mxgw` with the connection flags; returns (exit code, JSON of the last stdout line).
    fn run(&self, args: &[&str]) -> (i32, Value) {
        let out = mxgw_json(self.addr, &self.key, args);
        (out.status.code().unwrap_or(-1), last_json(args, &out))
    }

    fn ok(&self, args: &[&str]) -> Value {
        let (code, json) = self.run(args);
        assert_eq!(code, 0, "{args:?}: {json}");
        json
    }
}

fn start() -> KeyedGateway {
    KeyedGateway::start(&[])
}

/// Opens a session and registers; returns (session id, server handle).
fn session(cli: &Cli) -> (String, String) {
    let session = cli.ok(&["open-session"])["sessionId"]
        .as_str()
        .unwrap()
        .to_string();
    let server = cli.ok(&["register", "--session-id", &session])["serverHandle"]
        .as_i64()
        .unwrap()
        .to_string();
    (session, server)
}

#[test]
fn archestra_user_to_id_prints_the_id_authenticate_user_gives() {
    let started = start();
    let cli = Cli {
        addr: &started.gw.addr,
        key: started.key.clone(),
    };
    let (s, h) = session(&cli);
    let auth = cli.ok(&[
        "authenticate-user",
        "--session-id",
        &s,
        "--server-handle",
        &h,
        "--user",
        "engineer",
        "--password",
        "engineer-demo",
    ]);
    let guid = "{6F1D2A3B-0003-4C5D-8E9F-0A1B2C3D4E03}";
    let out = cli.ok(&[
        "archestra-user-to-id",
        "--session-id",
        &s,
        "--server-handle",
        &h,
        "--user-guid",
        guid,
    ]);
    assert_eq!(out["command"], "archestra-user-to-id");
    assert_eq!(out["sessionId"], s.as_str());
    assert_eq!(out["userGuid"], guid);
    assert_eq!(out["userId"], auth["userId"]);
    assert_eq!(out["hresult"], 0);

    let (code, err) = cli.run(&[
        "archestra-user-to-id",
        "--session-id",
        &s,
        "--server-handle",
        &h,
        "--user-guid",
        "00000000-0000-0000-0000-000000000000",
    ]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(err["type"], "mxaccess", "{err}");
}

#[test]
fn suspend_and_activate_print_the_synchronous_status_and_complete_on_the_stream() {
    let started = start();
    let cli = Cli {
        addr: &started.gw.addr,
        key: started.key.clone(),
    };
    let (s, h) = session(&cli);
    let item = cli.ok(&[
        "add-item",
        "--session-id",
        &s,
        "--server-handle",
        &h,
        "--item",
        "TestChildObject.TestString",
    ])["itemHandle"]
        .as_i64()
        .unwrap()
        .to_string();
    let handles = [
        "--session-id",
        &s,
        "--server-handle",
        &h,
        "--item-handle",
        &item,
    ];

    // Not advised yet: an MXAccess failure.
    let (code, err) = cli.run(&[&["suspend"][..], &handles].concat());
    assert_eq!((code, err["type"].as_str()), (1, Some("mxaccess")), "{err}");

    cli.ok(&[&["advise"][..], &handles].concat());
    for command in ["suspend", "activate"] {
        let out = cli.ok(&[&[command][..], &handles].concat());
        assert_eq!(out["command"], command);
        assert_eq!(out["hresult"], 0);
        assert_eq!(out["statuses"][0]["category"], "OK", "{out}");
    }

    // The stream holds: the advise's value, Suspend's completion, Activate's
    // value, Activate's completion.
    let out = Command::new(mxgw_binary())
        .args(["stream-events", "--session-id", &s, "--max-events", "4"])
        .args([
            "--timeout-ms",
            "20000",
            "--endpoint",
            cli.addr,
            "--plaintext",
        ])
        .args(["--api-key-env", "MXGW_TEST_KEY", "--json"])
        .env("MXGW_TEST_KEY", &cli.key)
        .output()
        .unwrap();
    let kinds: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .map(|e| e["type"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(
        kinds,
        [
            "dataChange",
            "operationComplete",
            "dataChange",
            "operationComplete"
        ]
    );
}

#[test]
fn buffered_items_report_written_values_as_samples_in_buffered_data_change_events() {
    let started = start();
    let cli = Cli {
        addr: &started.gw.addr,
        key: started.key.clone(),
    };
    let (s, h) = session(&cli);
    let interval = |ms: &str| {
        cli.run(&[
            "set-buffered-update-interval",
            "--session-id",
            &s,
            "--server-handle",
            &h,
            "--interval-ms",
            ms,
        ])
    };
    let (code, err) = interval("0");
    assert_eq!((code, err["type"].as_str()), (1, Some("mxaccess")), "{err}");
    let (code, out) = interval("150");
    assert_eq!(code, 0, "{out}");
    assert_eq!(out["command"], "set-buffered-update-interval");
    assert_eq!(out["requestedIntervalMs"], 150);
    assert_eq!(out["updateIntervalMs"], 200);

    let buffered = cli.ok(&[
        "add-buffered-item",
        "--session-id",
        &s,
        "--server-handle",
        &h,
        "--item",
        "Me.FreeAccessValue",
        "--context",
        "TestChildObject",
    ]);
    assert_eq!(buffered["command"], "add-buffered-item");
    assert_eq!(buffered["context"], "TestChildObject");
    let buffered = buffered["itemHandle"].as_i64().unwrap().to_string();
    let witness = cli.ok(&[
        "add-item",
        "--session-id",
        &s,
        "--server-handle",
        &h,
        "--item",
        "TestChildObject.FreeAccessValue",
    ])["itemHandle"]
        .as_i64()
        .unwrap()
        .to_string();
    for item in [&witness, &buffered] {
        cli.ok(&[
            "advise",
            "--session-id",
            &s,
            "--server-handle",
            &h,
            "--item-handle",
            item,
        ]);
    }
    let stream = |max: &str| {
        let out = Command::new(mxgw_binary())
            .args(["stream-events", "--session-id", &s, "--max-events", max])
            .args([
                "--timeout-ms",
                "20000",
                "--endpoint",
                cli.addr,
                "--plaintext",
            ])
            .args(["--api-key-env", "MXGW_TEST_KEY", "--json"])
            .env("MXGW_TEST_KEY", &cli.key)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .collect::<Vec<Value>>()
    };
    // The witness's value, then the buffered item's initial sample.
    let events = stream("2");
    assert_eq!(events[0]["type"], "dataChange", "{events:?}");
    let first = &events[1];
    assert_eq!(first["type"], "bufferedDataChange", "{first}");
    assert_eq!(first["itemHandle"].to_string(), buffered);
    assert_eq!(first["dataType"], "Integer");
    assert_eq!(first["samples"].as_array().unwrap().len(), 1, "{first}");
    assert_eq!(first["samples"][0]["status"]["category"], "OK");
    assert_eq!(first["samplesDropped"], 0);
    assert_eq!(first["statuses"][0]["category"], "OK");

    for value in ["11", "12", "13"] {
        cli.ok(&[
            "write",
            "--session-id",
            &s,
            "--server-handle",
            &h,
            "--item-handle",
            &witness,
            "--type",
            "int32",
            "--value",
            value,
        ]);
    }
    // Each write: the witness's dataChange and writeComplete; the buffered
    // item's samples arrive in one or more bufferedDataChange events.
    let mut samples = Vec::new();
    while samples.last() != Some(&13) {
        let event = stream("1").pop().expect("an event");
        if event["type"] == "bufferedDataChange" {
            for sample in event["samples"].as_array().unwrap() {
                samples.push(sample["value"].as_i64().unwrap());
            }
        } else {
            assert_ne!(event["itemHandle"].to_string(), buffered, "{event}");
        }
    }
    assert_eq!(samples, [11, 12, 13]);
}

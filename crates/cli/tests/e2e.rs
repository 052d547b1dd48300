//! `mxgw` against a real `mxgateway serve` process on the demo galaxy.

mod gateway_harness;

use std::process::Command;

use gateway_harness::*;

#[test]
fn smoke_prints_a_good_data_change_from_the_demo_galaxy() {
    let state = tempfile::tempdir().unwrap();
    let gw = RunningGateway::start(
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--state-dir",
            state.path().to_str().unwrap(),
        ],
        &[],
        &[],
    );
    let key_file = gw.bootstrap_key_file().expect("bootstrap key announced");
    assert!(key_file.starts_with(state.path()));
    let key = std::fs::read_to_string(&key_file)
        .unwrap()
        .trim()
        .to_string();
    assert!(
        !gw.stdout_lines.iter().any(|l| l.contains(&key)),
        "the key itself is never printed"
    );

    let out = Command::new(mxgw_binary())
        .args([
            "smoke",
            "--endpoint",
            &gw.addr,
            "--plaintext",
            "--api-key-env",
            "MXGATEWAY_API_KEY",
        ])
        .args(["--item", "TestChildObject.TestInt", "--json"])
        .env("MXGATEWAY_API_KEY", &key)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "smoke failed: {stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("one JSON object");
    assert!(json["sessionId"].as_str().is_some_and(|s| !s.is_empty()));
    assert!(json["serverHandle"].as_i64().unwrap() > 0);
    assert!(json["itemHandle"].as_i64().unwrap() > 0);
    let event = &json["events"][0];
    assert_eq!(event["type"], "dataChange");
    assert_eq!(event["quality"], 192);
    assert!(event["value"].is_i64());
    assert!(event["timestamp"]
        .as_str()
        .is_some_and(|t| t.ends_with('Z')));
    assert_eq!(json["closed"], true);
    assert!(!stdout.contains(&key) && !String::from_utf8_lossy(&out.stderr).contains(&key));
}

#[cfg(unix)]
#[test]
fn sigterm_stops_the_gateway_cleanly() {
    let state = tempfile::tempdir().unwrap();
    let gw = RunningGateway::start(
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--state-dir",
            state.path().to_str().unwrap(),
        ],
        &[],
        &[],
    );
    let status = gw.terminate();
    assert!(status.success(), "{status}");
}

#[test]
fn plaintext_on_a_network_address_is_refused_with_exit_64() {
    let state = tempfile::tempdir().unwrap();
    let out = Command::new(gateway_binary())
        .args([
            "serve",
            "--listen",
            "0.0.0.0:0",
            "--state-dir",
            state.path().to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(64));
    assert!(String::from_utf8_lossy(&out.stderr).contains("without TLS"));
}

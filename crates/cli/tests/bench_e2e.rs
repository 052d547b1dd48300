//! The benchmark commands through the built binaries: `mxgw bench-read-bulk`
//! and `mxgw bench-stream-events` against a real `mxgateway serve` on the demo
//! galaxy. The output keys must be exactly those of `fixtures/bench-schema.json`
//! (the same file pins `mxgw-py`). These tests check behaviour and shape; the
//! figures themselves are measured by the benchmarks, not asserted here.

mod gateway_harness;

use gateway_harness::*;
use serde_json::Value;

fn schema() -> Value {
    serde_json::from_str(include_str!("../../../fixtures/bench-schema.json")).unwrap()
}

/// Checks that `line` (one JSON object as printed) has exactly the keys of
/// `expected`, in that order (serde_json's map does not keep the order, so
/// the printed text is searched).
fn assert_keys_in_order(line: &str, value: &Value, expected: &Value) {
    let expected = names(expected);
    let mut got: Vec<String> = value.as_object().unwrap().keys().cloned().collect();
    let mut wanted = expected.clone();
    got.sort();
    wanted.sort();
    assert_eq!(got, wanted, "{line}");
    let positions: Vec<usize> = expected
        .iter()
        .map(|k| line.find(&format!("\"{k}\":")).unwrap())
        .collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "keys out of order: {line}"
    );
}

fn names(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap().to_string())
        .collect()
}

struct Bench(KeyedGateway);

impl Bench {
    fn start() -> Bench {
        Self::start_with(&[])
    }

    fn start_with(extra: &[&str]) -> Bench {
        Bench(KeyedGateway::start(extra))
    }

    /// Runs `mxgw` with the connection flags and `--json`; (exit code, stdout, stderr).
    fn run(&self, args: &[&str]) -> (i32, String, String) {
        let out = mxgw_json(&self.0.gw.addr, &self.0.key, args);
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// The one printed object, checked against the schema of its command.
    fn json(&self, args: &[&str]) -> Value {
        let (code, stdout, stderr) = self.run(args);
        assert_eq!(code, 0, "{args:?}: {stdout} {stderr}");
        assert_eq!(stdout.lines().count(), 1, "one object: {stdout}");
        let line = stdout.trim();
        let value: Value = serde_json::from_str(line).unwrap();
        let schema = schema();
        assert_keys_in_order(line, &value, &schema[args[0]]);
        let latency = &line[line.find("\"latencyMs\":").unwrap()..];
        assert_keys_in_order(&latency[12..], &value["latencyMs"], &schema["latencyMs"]);
        value
    }
}

fn assert_latency_summary(v: &Value) {
    let p = |k: &str| v[k].as_f64().unwrap();
    assert!(
        p("p50") <= p("p95") && p("p95") <= p("p99") && p("p99") <= p("max"),
        "{v}"
    );
    assert!(p("mean") <= p("max"), "{v}");
}

#[test]
fn bench_read_bulk_prints_the_shared_schema_and_reads_from_the_cache() {
    let bench = Bench::start();
    let out = bench.json(&[
        "bench-read-bulk",
        "--item",
        "TestChildObject.TestInt",
        "--item",
        "TestChildObject.TestDouble",
        "--item",
        "Tank_001.Level",
        "--bulk-size",
        "2",
        "--duration-seconds",
        "1",
        "--warmup-seconds",
        "0.2",
        "--client-name",
        "bench-test",
    ]);
    assert_eq!(out["language"], "rust");
    assert_eq!(out["command"], "bench-read-bulk");
    assert_eq!(out["endpoint"], bench.0.gw.addr.as_str());
    assert_eq!(out["clientName"], "bench-test");
    assert_eq!(out["bulkSize"], 2);
    assert_eq!(out["tags"], 3);
    assert_eq!(out["durationSeconds"], 1.0);
    assert_eq!(out["warmupSeconds"], 0.2);
    assert!(out["durationMs"].as_f64().unwrap() >= 1000.0, "{out}");
    let calls = out["successfulCalls"].as_u64().unwrap();
    assert!(calls > 0, "{out}");
    assert_eq!(out["totalCalls"].as_u64().unwrap(), calls);
    assert_eq!(out["failedCalls"], 0);
    assert_eq!(out["totalReadResults"].as_u64().unwrap(), 2 * calls);
    assert_eq!(out["cachedReadResults"], out["totalReadResults"]);
    assert!(out["callsPerSecond"].as_f64().unwrap() > 0.0);
    assert_latency_summary(&out["latencyMs"]);
}

#[test]
fn bench_stream_events_prints_the_shared_schema_and_counts_data_changes() {
    let bench = Bench::start();
    // GoodCount changes every 500 ms scan.
    let out = bench.json(&[
        "bench-stream-events",
        "--item",
        "PackLine_001.GoodCount",
        "--item",
        "TestChildObject.TestInt",
        "--duration-seconds",
        "1.5",
        "--warmup-seconds",
        "0.2",
    ]);
    assert_eq!(out["language"], "rust");
    assert_eq!(out["command"], "bench-stream-events");
    assert_eq!(out["clientName"], "mxgw-bench");
    assert_eq!(out["tags"], 2);
    let data_changes = out["dataChanges"].as_u64().unwrap();
    assert!(data_changes >= 1, "{out}");
    assert!(out["totalEvents"].as_u64().unwrap() >= data_changes);
    assert_eq!(out["conflatedEvents"], 0, "a light load is never conflated");
    assert_eq!(out["sequenceGaps"], 0, "{out}");
    assert_latency_summary(&out["latencyMs"]);
}

#[test]
fn bench_usage_errors_exit_2_and_unknown_tags_are_command_errors() {
    let bench = Bench::start();
    for args in [
        &["bench-read-bulk", "--duration-seconds", "1"][..],
        &[
            "bench-stream-events",
            "--item",
            "X.Y",
            "--duration-seconds",
            "-1",
        ][..],
    ] {
        let (code, stdout, _) = bench.run(args);
        assert_eq!(code, 2, "{args:?}: {stdout}");
        let err: Value = serde_json::from_str(stdout.trim()).unwrap();
        assert_eq!(err["type"], "usage", "{err}");
    }
    // A tag that does not resolve still subscribes (MXAccess reports the bad
    // reference later), so the bench runs and reads it as a failed entry.
    let out = bench.json(&[
        "bench-read-bulk",
        "--item",
        "NoSuchObject.PV",
        "--duration-seconds",
        "0.3",
        "--warmup-seconds",
        "0",
    ]);
    assert_eq!(out["failedCalls"], 0, "{out}");
}

#[test]
fn a_failed_bench_still_closes_its_session() {
    // One session at most: a bench that left its session open would make
    // the next one fail with the session limit.
    let bench = Bench::start_with(&["--max-sessions", "1", "--max-bulk-items", "10"]);
    let too_many: Vec<String> = (0..11)
        .map(|_| "TestChildObject.TestInt".to_string())
        .collect();
    let mut args = vec![
        "bench-read-bulk",
        "--duration-seconds",
        "0.2",
        "--warmup-seconds",
        "0.2",
    ];
    for item in &too_many[..2] {
        args.extend(["--item", item.as_str()]);
    }
    args.extend(["--bulk-size", "11"]);
    let (code, stdout, stderr) = bench.run(&args);
    assert_eq!(code, 1, "{stdout} {stderr}");
    let err: Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(err["type"], "invalid-argument", "{err}");
    let out = bench.json(&[
        "bench-read-bulk",
        "--item",
        "TestChildObject.TestInt",
        "--duration-seconds",
        "0.2",
        "--warmup-seconds",
        "0",
    ]);
    assert_eq!(out["failedCalls"], 0, "{out}");
    // Negative durations are refused by the bench, not taken for flags.
    let (code, stdout, _) = bench.run(&[
        "bench-stream-events",
        "--item",
        "X.Y",
        "--duration-seconds",
        "-1",
    ]);
    assert_eq!(code, 2, "{stdout}");
    assert!(stdout.contains("non-negative"), "{stdout}");
}

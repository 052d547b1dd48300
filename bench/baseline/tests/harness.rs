//! The benchmark harness end to end, in its smallest form: `bench/run --quick`
//! with the debug binaries and one-second runs. It checks that every step
//! runs and that the final JSON line has the documented shape; it asserts no
//! figure (figures come from release builds, see the README's Benchmarks).
//!
//! Needs `mxgateway` and `mxgw` built beside this test (`cargo build
//! --workspace --bins`, as `scripts/test` does first) and python3.

use std::path::PathBuf;
use std::process::Command;

fn bin_dir() -> PathBuf {
    // target/debug/deps/harness-<hash> -> target/debug
    let exe = std::env::current_exe().unwrap();
    exe.parent().unwrap().parent().unwrap().to_path_buf()
}

#[test]
fn the_quick_harness_runs_every_system_and_prints_one_json_summary() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let bins = bin_dir();
    for name in [
        "mxgateway",
        "mxgw",
        "mxgateway-bench-baseline",
        "mxgateway-bench-probe",
    ] {
        assert!(
            bins.join(name).exists(),
            "{name} is not built in {}: run cargo build --workspace --bins",
            bins.display()
        );
    }
    let out = Command::new("python3")
        .arg(root.join("bench/run"))
        .args(["--quick", "--bin-dir"])
        .arg(&bins)
        .args(["--duration-seconds", "1", "--warmup-seconds", "0.2"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for row in [
        "gateway + Rust client",
        "baseline tonic + Rust client",
        "OPC UA peer",
    ] {
        assert!(stdout.contains(row), "no {row} row: {stdout}");
    }
    let summary: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!(summary["items"], 10_000);
    for key in ["gatewayRust", "baselineRust", "readBulkRust"] {
        let result = &summary["results"][key];
        assert!(result.get("error").is_none(), "{key}: {result}");
        assert_eq!(result["language"], "rust", "{key}");
    }
    assert!(
        summary["results"]["gatewayRust"]["totalEvents"]
            .as_u64()
            .unwrap()
            > 0
    );
    assert!(summary["ratioToBaseline"]["gatewayRust"].is_number());
    // The probes ran and reported what the targets need.
    let results = &summary["results"];
    for key in ["writeLatency", "sessions", "memory"] {
        assert!(
            results[key].get("error").is_none(),
            "{key}: {}",
            results[key]
        );
    }
    assert!(results["writeLatency"]["writes"].as_u64().unwrap() > 0);
    assert!(results["writeLatency"]["latencyMs"]["p99"].is_number());
    assert_eq!(results["sessions"]["concurrentOpened"], 200);
    assert_eq!(results["sessions"]["concurrentFailed"], 0);
    assert!(results["sessions"]["sequentialOpenMs"]["p50"].is_number());
    assert_eq!(results["memory"]["items"], 100_000);
    assert_eq!(results["memory"]["initialValuesDelivered"], 100_000);
    assert!(results["memory"]["bytesPerItem"].as_f64().unwrap() > 0.0);
}

//! The README's "Run by hand" in small: the built binary's `server` on port
//! 0, its `client` subscribed to every variable for a second, one JSON line
//! with the schema's keys, every offered change received. A check that the
//! peer works end to end, not a benchmark: it asserts no rate or latency.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        // SIGTERM, so the server removes its scratch PKI directory; SIGKILL
        // only if that fails.
        let terminated = Command::new("kill")
            .arg(self.0.id().to_string())
            .status()
            .is_ok_and(|s| s.success());
        if !terminated {
            let _ = self.0.kill();
        }
        let _ = self.0.wait();
    }
}

#[test]
fn the_client_receives_every_change_the_server_offers() {
    let exe = env!("CARGO_BIN_EXE_mxgateway-bench-opcua");
    let shape = ["--objects", "5", "--attributes", "20"];
    let mut server = Server(
        Command::new(exe)
            .args(["server", "--listen", "127.0.0.1:0", "--scan-ms", "50"])
            .args(shape)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut line = String::new();
    BufReader::new(server.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let endpoint = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
        .to_string();
    assert!(endpoint.starts_with("opc.tcp://127.0.0.1:"), "{endpoint}");

    let out = Command::new(exe)
        .args(["client", "--endpoint", &endpoint])
        .args(shape)
        .args([
            "--duration-seconds",
            "1",
            "--warmup-seconds",
            "0.5",
            "--json",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../../../fixtures/bench-schema.json")).unwrap();
    let keys: Vec<&str> = report
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let expected: Vec<&str> = schema["bench-stream-events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap())
        .collect();
    assert_eq!(keys, expected);
    assert_eq!(report["endpoint"], endpoint.as_str());
    assert_eq!(report["tags"], 100);
    // 100 variables every 50 ms: about 2000 changes in the second measured.
    assert!(report["totalEvents"].as_u64().unwrap() > 1000, "{report}");
    assert_eq!(report["conflatedEvents"], 0, "{report}");
    assert_eq!(report["sequenceGaps"], 0, "{report}");
}

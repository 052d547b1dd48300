//! Runs every example of the repository README, as written, against real
//! `mxgateway` processes. Only what cannot run inside a test is translated,
//! and each translation is listed here:
//! - `cargo run --release -p <pkg> --` becomes the built binary `<pkg>`;
//! - the listen address `127.0.0.1:5000` (or `0.0.0.0:5001`) becomes a free
//!   loopback port, and endpoints follow it;
//! - placeholders `SESSION` and `ID` take the values earlier examples printed;
//! - `HOME` is a temporary directory, so the default state directory is fresh;
//! - `scripts/test` is checked to exist but not run (it is what runs this test).

mod gateway_harness;

use std::path::{Path, PathBuf};
use std::process::Command;

use gateway_harness::*;

/// The fenced `sh` blocks of the README, in order.
fn sh_blocks() -> Vec<Vec<String>> {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"))
            .unwrap();
    let mut blocks = Vec::new();
    let mut current: Option<Vec<String>> = None;
    for line in readme.lines() {
        match (&mut current, line.trim()) {
            (None, "```sh") => current = Some(Vec::new()),
            (Some(_), "```") => blocks.push(current.take().unwrap()),
            (Some(block), l) if !l.is_empty() => block.push(l.to_string()),
            _ => {}
        }
    }
    blocks
}

struct Sandbox {
    home: tempfile::TempDir,
    bin: PathBuf,
}

impl Sandbox {
    fn new() -> Sandbox {
        let home = tempfile::tempdir().unwrap();
        let bin = home.path().join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(mxgw_binary(), bin.join("mxgw")).unwrap();
            std::os::unix::fs::symlink(gateway_binary(), bin.join("mxgateway")).unwrap();
        }
        Sandbox { home, bin }
    }

    fn path_var(&self) -> String {
        format!(
            "{}:{}",
            self.bin.display(),
            std::env::var("PATH").unwrap_or_default()
        )
    }

    /// Runs one README line in `sh`, from the sandbox home.
    fn run(&self, script: &str) -> (bool, String, String) {
        let out = Command::new("sh")
            .arg("-ec")
            .arg(script)
            .current_dir(self.home.path())
            .env("HOME", self.home.path())
            .env("PATH", self.path_var())
            .env_remove("XDG_STATE_HOME")
            .env_remove("MXGATEWAY_STATE_DIR")
            .env_remove("MXGATEWAY_API_KEY")
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

fn translate(line: &str, addr: &str) -> String {
    line.replace("cargo run --release -p mxgw --", "mxgw")
        .replace("cargo run --release -p mxgateway --", "mxgateway")
        .replace("127.0.0.1:5000", addr)
}

fn json_line(stdout: &str) -> serde_json::Value {
    let line = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
}

#[cfg(unix)]
#[test]
fn every_readme_example_runs() {
    let blocks = sh_blocks();
    assert_eq!(
        blocks.len(),
        8,
        "update this test when README examples change: {blocks:#?}"
    );
    let sandbox = Sandbox::new();

    // Block 1: zero-configuration start, with the default state directory under HOME.
    assert_eq!(blocks[0], ["cargo run --release -p mxgateway -- serve"]);
    let home = sandbox.home.path().to_path_buf();
    let gw = RunningGateway::start(
        &["serve"],
        &[
            ("HOME", &home),
            ("MXGATEWAY_LISTEN", Path::new("127.0.0.1:0")),
        ],
        &["XDG_STATE_HOME", "MXGATEWAY_STATE_DIR"],
    );
    let key_file = home.join(".local/state/mxgateway/bootstrap-admin.key");
    assert_eq!(gw.bootstrap_key_file().as_deref(), Some(key_file.as_path()));

    // Block 2: the test command itself.
    assert_eq!(blocks[1], ["scripts/test"]);
    assert!(Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../scripts/test")
        .is_file());

    // Block 3: the bootstrap key and a smoke test, as one shell session.
    let script = blocks[2]
        .iter()
        .map(|l| translate(l, &gw.addr))
        .collect::<Vec<_>>()
        .join("\n");
    let (ok, stdout, stderr) = sandbox.run(&script);
    assert!(ok, "{stdout}{stderr}");
    let smoke = json_line(&stdout);
    assert_eq!(smoke["events"][0]["quality"], 192);
    let key = std::fs::read_to_string(&key_file)
        .unwrap()
        .trim()
        .to_string();
    assert!(!stdout.contains(&key) && !stderr.contains(&key));

    // Block 4: one command per step, the session living across processes.
    let export = format!("export MXGATEWAY_API_KEY=\"$(cat {})\"", key_file.display());
    let mut session = String::new();
    for line in &blocks[3] {
        let command = translate(line, &gw.addr).replace("SESSION", &session);
        let (ok, stdout, stderr) = sandbox.run(&format!("{export}\n{command}"));
        assert!(ok, "{command}: {stdout}{stderr}");
        let json = json_line(&stdout);
        if line.starts_with("mxgw open-session") {
            session = json["sessionId"].as_str().unwrap().to_string();
        }
        if line.starts_with("mxgw stream-events") {
            assert_eq!(json["type"], "dataChange");
        }
        if line.starts_with("mxgw subscribe-bulk") {
            let results = json["results"].as_array().unwrap();
            assert_eq!(results.len(), 2, "{json}");
            assert!(results.iter().all(|r| r["wasSuccessful"] == true), "{json}");
        }
        if line.starts_with("mxgw read-bulk") {
            // TestInt is advised since `advise` above; TestBool is read afresh.
            let results = json["results"].as_array().unwrap();
            assert_eq!(results[0]["itemDefinition"], "TestChildObject.TestInt");
            assert_eq!(results[0]["wasCached"], true, "{json}");
            assert_eq!(results[0]["quality"], 192, "{json}");
            assert_eq!(results[1]["wasCached"], false, "{json}");
            assert_eq!(results[1]["wasSuccessful"], true, "{json}");
        }
    }
    assert!(!session.is_empty());

    // Block 5: key management in ./state.
    let mut id = String::new();
    for line in &blocks[4] {
        let command = line.replace("ID", &id);
        let (ok, stdout, stderr) = sandbox.run(&command);
        assert!(ok, "{command}: {stdout}{stderr}");
        let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        if line.contains("keys create") && id.is_empty() {
            id = json["id"].as_str().unwrap().to_string();
            assert!(json["key"].as_str().unwrap().starts_with("mxgw_"));
        }
        if line.contains("--allow-write") {
            assert_eq!(
                json["allow_read"],
                serde_json::json!(["Area_A.*"]),
                "{json}"
            );
            assert_eq!(
                json["allow_write"],
                serde_json::json!(["Area_A.*Setpoint"]),
                "{json}"
            );
        }
    }
    assert!(!id.is_empty());

    // Block 6: TLS. The certificate names gateway.example; we listen on loopback.
    write_pki(sandbox.home.path(), "gateway.example");
    let serve = &blocks[5][0];
    assert!(serve.starts_with(
        "mxgateway serve --listen 0.0.0.0:5001 --tls-cert server.pem --tls-key server-key.pem"
    ));
    let args: Vec<String> = serve
        .replace("0.0.0.0:5001", "127.0.0.1:0")
        .split_whitespace()
        .skip(1)
        .map(String::from)
        .collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let tls_gw = RunningGateway::start_in(
        &args,
        sandbox.home.path(),
        &[("HOME", &home)],
        &["XDG_STATE_HOME", "MXGATEWAY_STATE_DIR"],
    );
    assert!(tls_gw.stdout_lines.iter().any(|l| l.ends_with("(tls)")));
    let smoke = blocks[5][1].replace("gateway.example:5001", &tls_gw.addr);
    let (ok, stdout, stderr) = sandbox.run(&format!("{export}\n{smoke}"));
    assert!(ok, "{smoke}: {stdout}{stderr}");
    assert_eq!(json_line(&stdout)["events"][0]["quality"], 192);

    // Block 7: the Galaxy Repository of the block-1 gateway; the deploy reads
    // galaxies/demo.toml relative to where it runs, as from the repository root.
    std::fs::create_dir_all(sandbox.home.path().join("galaxies")).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../galaxies/demo.toml"),
        sandbox.home.path().join("galaxies/demo.toml"),
    )
    .unwrap();
    for line in &blocks[6] {
        let command = translate(line, &gw.addr);
        let (ok, stdout, stderr) = sandbox.run(&format!("{export}\n{command}"));
        assert!(ok, "{command}: {stdout}{stderr}");
        let lines: Vec<serde_json::Value> = stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        if line.contains("galaxy-test-connection") {
            assert_eq!(lines[0]["ok"], true, "{stdout}");
        }
        if line.contains("galaxy-last-deploy") {
            assert_eq!(lines[0]["present"], true, "{stdout}");
        }
        if line.contains("galaxy-discover") {
            assert_eq!(lines.len(), 3, "{stdout}");
            assert!(lines.iter().all(|o| o["tagName"].is_string()));
        }
        if line.contains("galaxy-watch") {
            assert_eq!(lines[0]["sequence"], 1, "{stdout}");
        }
        if line.contains("galaxy-deploy") {
            assert!(lines[0]["objectCount"].as_u64().unwrap() > 10, "{stdout}");
        }
    }
    // Alarms: the demo compressor's overload has come at least once by the time
    // three stream messages (a snapshot end and transitions) arrived.
    for line in &blocks[7] {
        let command = translate(line, &gw.addr);
        let (ok, stdout, stderr) = sandbox.run(&format!("{export}\n{command}"));
        assert!(ok, "{command}: {stdout}{stderr}");
        let lines: Vec<serde_json::Value> = stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        if line.contains("stream-alarms") {
            assert_eq!(lines.len(), 3, "{stdout}");
            assert!(lines
                .iter()
                .any(|e| e["alarm"]["reference"] == "Compressor_001.Overload"));
        }
        if line.contains("query-active-alarms") {
            let alarms = lines[0]["alarms"].as_array().unwrap();
            assert!(alarms.iter().all(|a| a["area"] == "Utilities"), "{stdout}");
            assert!(alarms
                .iter()
                .any(|a| a["reference"] == "Compressor_001.Overload"));
        }
        if line.contains("acknowledge-alarm") {
            let state = &lines[0]["alarm"]["state"];
            assert!(state == "ACK_ALM" || state == "ACK_RTN", "{stdout}");
            assert_eq!(lines[0]["alarm"]["ackOperator"], "supervisor");
        }
    }
}

/// A CA (ca.pem) and a server certificate for `name` (server.pem, server-key.pem).
fn write_pki(dir: &Path, name: &str) {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec![name.to_string()])
        .unwrap()
        .signed_by(&key, &ca)
        .unwrap();
    std::fs::write(dir.join("ca.pem"), ca.pem()).unwrap();
    std::fs::write(dir.join("server.pem"), cert.pem()).unwrap();
    std::fs::write(dir.join("server-key.pem"), key.serialize_pem()).unwrap();
}

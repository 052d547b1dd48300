//! Runs the real `mxgateway` binary for end-to-end CLI tests: starts it on
//! `127.0.0.1:0`, waits for its "listening on" line (no sleeps), and kills
//! it on drop.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;

/// The `mxgateway` binary, built on demand: cargo only exposes the binaries
/// of the package under test, so this test asks cargo for the gateway's.
pub fn gateway_binary() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let mxgw = PathBuf::from(env!("CARGO_BIN_EXE_mxgw"));
            let dir = mxgw.parent().expect("target dir").to_path_buf();
            let status = Command::new(env!("CARGO"))
                .args(["build", "--quiet", "--workspace", "--bins", "--locked"])
                .env("CARGO_TARGET_DIR", dir.parent().expect("target root"))
                .status()
                .expect("cargo runs");
            assert!(status.success(), "building mxgateway failed");
            let path = dir.join(format!("mxgateway{}", std::env::consts::EXE_SUFFIX));
            assert!(path.is_file(), "{} missing", path.display());
            path
        })
        .clone()
}

pub fn mxgw_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_mxgw"))
}

/// A running `mxgateway serve`.
pub struct RunningGateway {
    child: Child,
    pub addr: String,
    pub stdout_lines: Vec<String>,
}

impl RunningGateway {
    /// Starts `mxgateway` with `args` and `envs`; waits for it to listen.
    pub fn start(args: &[&str], envs: &[(&str, &Path)], remove_env: &[&str]) -> RunningGateway {
        Self::start_in(args, Path::new("."), envs, remove_env)
    }

    /// Like [`RunningGateway::start`], from the working directory `cwd`.
    pub fn start_in(
        args: &[&str],
        cwd: &Path,
        envs: &[(&str, &Path)],
        remove_env: &[&str],
    ) -> RunningGateway {
        let mut command = Command::new(gateway_binary());
        command
            .current_dir(cwd)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        for (k, v) in envs {
            command.env(k, v);
        }
        for k in remove_env {
            command.env_remove(k);
        }
        let mut child = command.spawn().expect("gateway starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut reader = BufReader::new(stdout);
        let mut lines = Vec::new();
        let addr = loop {
            let mut line = String::new();
            let n = reader.read_line(&mut line).expect("read gateway stdout");
            assert!(
                n > 0,
                "the gateway exited before listening; output so far: {lines:?}"
            );
            let line = line.trim().to_string();
            lines.push(line.clone());
            if let Some(rest) = line.strip_prefix("mxgateway listening on ") {
                break rest.split_whitespace().next().expect("address").to_string();
            }
        };
        // Keep draining stdout so the gateway never blocks on a full pipe.
        std::thread::spawn(move || {
            let mut sink = String::new();
            while reader.read_line(&mut sink).map(|n| n > 0).unwrap_or(false) {
                sink.clear();
            }
        });
        RunningGateway {
            child,
            addr,
            stdout_lines: lines,
        }
    }

    /// The bootstrap key file the gateway announced, if any.
    pub fn bootstrap_key_file(&self) -> Option<PathBuf> {
        self.stdout_lines.iter().find_map(|l| {
            l.strip_prefix("bootstrap admin key file: ")
                .map(PathBuf::from)
        })
    }

    /// Sends SIGTERM and waits for a clean exit.
    #[cfg(unix)]
    pub fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let status = self.child.wait().expect("wait");
        std::mem::forget(self);
        status
    }
}

/// Starts `mxgateway serve` on `127.0.0.1:0` with a fresh state directory
/// (first `setup` may add keys to it), `extra` arguments after the state
/// directory's; waits for it to listen.
pub fn serve(state: &Path, extra: &[&str]) -> RunningGateway {
    let mut args = vec![
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--state-dir",
        state.to_str().expect("UTF-8 path"),
    ];
    args.extend_from_slice(extra);
    RunningGateway::start(&args, &[], &[])
}

/// The bootstrap admin key a gateway wrote on its first start.
pub fn bootstrap_key(gw: &RunningGateway) -> String {
    std::fs::read_to_string(gw.bootstrap_key_file().expect("a bootstrap key file"))
        .expect("the key file reads")
        .trim()
        .to_string()
}

/// A gateway on a fresh state directory with its bootstrap admin key.
pub struct KeyedGateway {
    _state: tempfile::TempDir,
    pub gw: RunningGateway,
    pub key: String,
}

impl KeyedGateway {
    pub fn start(extra: &[&str]) -> KeyedGateway {
        let state = tempfile::tempdir().expect("temp dir");
        let gw = serve(state.path(), extra);
        let key = bootstrap_key(&gw);
        KeyedGateway {
            _state: state,
            gw,
            key,
        }
    }
}

/// Runs the built `mxgw` with `args`, connected to `addr` (plaintext) with
/// `key` (through `$MXGW_TEST_KEY`, never on the command line) and `--json`.
pub fn mxgw_json(addr: &str, key: &str, args: &[&str]) -> std::process::Output {
    Command::new(mxgw_binary())
        .args(args)
        .args(["--endpoint", addr, "--plaintext"])
        .args(["--api-key-env", "MXGW_TEST_KEY", "--json"])
        .env("MXGW_TEST_KEY", key)
        .output()
        .expect("mxgw runs")
}

/// Every stdout line of `out` as JSON; panics with the output otherwise.
pub fn json_lines(args: &[&str], out: &std::process::Output) -> Vec<serde_json::Value> {
    let stdout = String::from_utf8_lossy(&out.stdout);
    stdout
        .lines()
        .map(|l| {
            serde_json::from_str(l).unwrap_or_else(|e| {
                panic!(
                    "{args:?}: not JSON ({e}): {stdout} {}",
                    String::from_utf8_lossy(&out.stderr)
                )
            })
        })
        .collect()
}

/// The JSON of the last stdout line of `out`; panics with the output otherwise.
pub fn last_json(args: &[&str], out: &std::process::Output) -> serde_json::Value {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(line).unwrap_or_else(|e| {
        panic!(
            "{args:?}: not JSON ({e}): {stdout} {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

impl Drop for RunningGateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

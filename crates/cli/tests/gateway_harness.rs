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

impl Drop for RunningGateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

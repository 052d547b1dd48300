//! `mxgateway`: the gateway binary. `serve` runs the gateway; `keys` manages
//! API keys in a state directory. Exit codes: 0 ok, 1 runtime failure,
//! 2 usage (clap), 64 invalid configuration.

#![forbid(unsafe_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use mxgateway::auth::{KeyOptions, KeyStore, Scope};
use mxgateway::config::{self, Config, GalaxySource, RepositorySource, TlsFiles};
use mxgateway::{Gateway, StartError};

/// Exit status for an invalid configuration (EX_USAGE from sysexits).
const EX_CONFIG: u8 = 64;
/// How long shutdown waits for streams and workers.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

#[derive(Parser)]
#[command(
    name = "mxgateway",
    version,
    about = "MXAccess Gateway: secure, fast network access to MXAccess"
)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run the gateway (zero configuration: demo galaxy on 127.0.0.1:5000).
    Serve(Box<ServeArgs>),
    /// Manage API keys.
    #[command(subcommand)]
    Keys(KeysCmd),
    /// Run as a session worker (started by the gateway itself; speaks the worker protocol on stdio).
    #[command(hide = true)]
    Worker,
}

#[derive(Args)]
struct ServeArgs {
    /// Address to listen on. Non-loopback addresses need TLS or --allow-insecure-plaintext.
    #[arg(long, env = config::env::LISTEN, default_value = config::DEFAULT_LISTEN)]
    listen: SocketAddr,
    /// State directory (API keys, bootstrap key). Default: $XDG_STATE_HOME/mxgateway or ~/.local/state/mxgateway.
    #[arg(long, env = config::env::STATE_DIR)]
    state_dir: Option<PathBuf>,
    /// Galaxy model file (TOML). Default: the demo galaxy shipped with the gateway.
    #[arg(long, env = config::env::GALAXY, conflicts_with = "generated_galaxy")]
    galaxy: Option<PathBuf>,
    /// Serve a generated galaxy instead: OBJECTSxATTRIBUTES[@SCAN_MS], e.g. 100x10@1000 is
    /// GenObj_000001.Attr_0001 ... GenObj_000100.Attr_0010, every value changing each scan
    /// (default 1000 ms), so OBJECTS×ATTRIBUTES×1000/SCAN_MS changes a second, spread evenly
    /// over the period in slices of about 256 attributes. Deterministic: the same spec gives
    /// the same galaxy. The load setting of the benchmarks (bench/run).
    #[arg(long, value_name = "SPEC", value_parser = parse_generated_galaxy)]
    generated_galaxy: Option<GeneratedGalaxy>,
    /// Browse a real Galaxy Repository on SQL Server instead of the simulated galaxy's embedded
    /// copy: an ADO.NET connection string, e.g. "server=tcp:gr-node,1433;database=ZB;
    /// IntegratedSecurity=false;user=reader;password=...;TrustServerCertificate=true".
    /// Prefer the environment variable: it may hold a password.
    #[arg(long, env = config::env::GALAXY_REPOSITORY, hide_env_values = true)]
    galaxy_repository: Option<String>,
    /// How often a SQL Server Galaxy Repository is polled for a new deploy.
    #[arg(long)]
    galaxy_poll_interval_ms: Option<u64>,
    /// A standalone worker executable (e.g. mxgateway-worker). Default: this binary in worker mode.
    #[arg(long, env = config::env::WORKER_PATH)]
    worker_path: Option<PathBuf>,
    /// TLS certificate chain (PEM).
    #[arg(long, env = config::env::TLS_CERT, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// TLS private key (PEM).
    #[arg(long, env = config::env::TLS_KEY, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Allow plaintext on a non-loopback address. Only for isolated test networks.
    #[arg(long)]
    allow_insecure_plaintext: bool,
    /// Most concurrent sessions (each is one worker process).
    #[arg(long)]
    max_sessions: Option<usize>,
    /// Close sessions with no call and no stream for this long.
    #[arg(long)]
    session_idle_timeout_ms: Option<u64>,
    /// Default per-command deadline.
    #[arg(long)]
    command_timeout_ms: Option<u64>,
    /// Events queued per session before data changes are conflated per item.
    #[arg(long)]
    event_queue_capacity: Option<usize>,
    /// Largest bulk request (entries per call), advertised in OpenSession.
    #[arg(long)]
    max_bulk_items: Option<usize>,
    /// How long a ReadBulk entry waits for its first data change when the request says 0.
    #[arg(long)]
    read_bulk_timeout_ms: Option<u64>,
    /// Heartbeat period between the gateway and each worker.
    #[arg(long)]
    heartbeat_interval_ms: Option<u64>,
    /// A worker silent this long is declared hung and killed.
    #[arg(long)]
    heartbeat_grace_ms: Option<u64>,
    /// Longest an in-flight command may defer the hang verdict.
    #[arg(long)]
    heartbeat_ceiling_ms: Option<u64>,
}

/// `--generated-galaxy OBJECTSxATTRIBUTES[@SCAN_MS]`.
#[derive(Debug, Clone, Copy)]
struct GeneratedGalaxy {
    objects: usize,
    attributes: usize,
    scan_ms: u64,
}

/// Largest generated galaxy `serve` accepts (items = objects × attributes).
const MAX_GENERATED_ITEMS: usize = 10_000_000;

fn parse_generated_galaxy(spec: &str) -> Result<GeneratedGalaxy, String> {
    let usage = || format!("{spec:?} is not OBJECTSxATTRIBUTES[@SCAN_MS], e.g. 100x10@1000");
    let (size, scan_ms) = match spec.split_once('@') {
        Some((size, scan)) => (size, scan.parse::<u64>().map_err(|_| usage())?),
        None => (spec, 1000),
    };
    let (objects, attributes) = size.split_once(['x', 'X']).ok_or_else(usage)?;
    let objects: usize = objects.parse().map_err(|_| usage())?;
    let attributes: usize = attributes.parse().map_err(|_| usage())?;
    if objects == 0 || attributes == 0 || scan_ms == 0 {
        return Err(format!(
            "{spec:?}: objects, attributes and scan period must be positive"
        ));
    }
    if attributes > 9999
        || objects > 999_999
        || objects.saturating_mul(attributes) > MAX_GENERATED_ITEMS
    {
        return Err(format!(
            "{spec:?}: at most 999999 objects, 9999 attributes and {MAX_GENERATED_ITEMS} items"
        ));
    }
    Ok(GeneratedGalaxy {
        objects,
        attributes,
        scan_ms,
    })
}

#[derive(Subcommand)]
enum KeysCmd {
    /// Create a key and print it once.
    Create {
        #[arg(long)]
        state_dir: Option<PathBuf>,
        /// A label for the key.
        #[arg(long)]
        name: String,
        /// Scopes (repeatable): mx:read, mx:write, mx:write-secured, metadata:read, alarms:read, alarms:ack, admin.
        #[arg(long = "scope", required = true)]
        scopes: Vec<String>,
        /// Read allow-list glob (repeatable): AddItem, AddItem2, AddItemBulk, SubscribeBulk and
        /// ReadBulk only accept matching references. `*` matches any run of characters, `?` one;
        /// case-insensitive. Without any, the key may read every tag.
        #[arg(long = "allow-read", value_name = "PATTERN")]
        allow_read: Vec<String>,
        /// Write allow-list glob (repeatable): every write arm, single and bulk, only writes items
        /// whose reference matches. Without any, the key may write every tag its scopes allow.
        #[arg(long = "allow-write", value_name = "PATTERN")]
        allow_write: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// List keys (never their secrets).
    List {
        #[arg(long)]
        state_dir: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Revoke a key by id.
    Revoke {
        #[arg(long)]
        state_dir: Option<PathBuf>,
        #[arg(long)]
        id: String,
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Cmd::Worker = cli.command {
        // The worker sets up its own stderr logging; stdout carries frames.
        let code = mxgateway_worker::process_main();
        return ExitCode::from(u8::try_from(code).unwrap_or(1));
    }
    let log_filter = tracing_subscriber::EnvFilter::try_from_env(config::env::LOG)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(log_filter)
        .init();
    let result = match cli.command {
        Cmd::Serve(args) => serve(*args),
        Cmd::Keys(cmd) => keys(cmd).map(|()| ExitCode::SUCCESS),
        Cmd::Worker => Ok(ExitCode::SUCCESS),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!(
                "mxgateway: error: {}",
                mxgateway::auth::redact(&format!("{e:#}"))
            );
            ExitCode::FAILURE
        }
    }
}

fn millis(v: Option<u64>, default: Duration) -> Duration {
    v.map(Duration::from_millis).unwrap_or(default)
}

fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let mut config = Config::new(args.state_dir.unwrap_or_else(config::default_state_dir));
    config.listen = args.listen;
    config.galaxy =
        match (args.galaxy, args.generated_galaxy) {
            (Some(file), _) => GalaxySource::File(file),
            (None, Some(g)) => GalaxySource::Model(Box::new(
                mxgateway_sim::GalaxyModel::generated(g.objects, g.attributes, g.scan_ms),
            )),
            (None, None) => GalaxySource::Demo,
        };
    config.worker = args
        .worker_path
        .map(mxgateway::worker::WorkerCommand::standalone);
    config.tls = args
        .tls_cert
        .zip(args.tls_key)
        .map(|(cert, key)| TlsFiles { cert, key });
    config.allow_insecure_plaintext = args.allow_insecure_plaintext;
    if let Some(connection) = args.galaxy_repository {
        config.repository = RepositorySource::SqlServer(connection);
    }
    config.galaxy_limits.poll_interval = millis(
        args.galaxy_poll_interval_ms,
        config.galaxy_limits.poll_interval,
    );
    let l = &mut config.limits;
    l.max_sessions = args.max_sessions.unwrap_or(l.max_sessions);
    l.session_idle_timeout = millis(args.session_idle_timeout_ms, l.session_idle_timeout);
    l.default_command_timeout = millis(args.command_timeout_ms, l.default_command_timeout);
    l.event_queue_capacity = args.event_queue_capacity.unwrap_or(l.event_queue_capacity);
    l.max_bulk_items = args.max_bulk_items.unwrap_or(l.max_bulk_items);
    l.read_bulk_timeout = millis(args.read_bulk_timeout_ms, l.read_bulk_timeout);
    l.heartbeat_interval = millis(args.heartbeat_interval_ms, l.heartbeat_interval);
    l.heartbeat_grace = millis(args.heartbeat_grace_ms, l.heartbeat_grace);
    l.heartbeat_ceiling = millis(args.heartbeat_ceiling_ms, l.heartbeat_ceiling);

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("tokio runtime")?;
    runtime.block_on(async move {
        let gateway = match Gateway::start(config).await {
            Ok(g) => g,
            Err(StartError::Config(e)) => {
                eprintln!("mxgateway: invalid configuration: {e}");
                return Ok(ExitCode::from(EX_CONFIG));
            }
            Err(e) => return Err(anyhow::Error::new(e)),
        };
        if let Some(path) = gateway.bootstrap_key_file() {
            println!("bootstrap admin key file: {}", path.display());
        }
        // Installed before the line below: a supervisor may send SIGTERM as soon
        // as it reads it, and a signal before the handler would kill the process
        // uncleanly (seen in a test on a loaded machine).
        let signals = ShutdownSignals::install();
        // Printed last: tests and scripts wait for this line instead of sleeping.
        println!(
            "mxgateway listening on {} ({})",
            gateway.local_addr(),
            if gateway.is_tls() { "tls" } else { "plaintext" }
        );
        signals.wait().await;
        gateway.shutdown(SHUTDOWN_GRACE).await;
        Ok(ExitCode::SUCCESS)
    })
}

/// SIGINT or SIGTERM (Ctrl-C elsewhere), listened for from `install` on.
struct ShutdownSignals {
    #[cfg(unix)]
    unix: Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
}

impl ShutdownSignals {
    fn install() -> ShutdownSignals {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let unix = match (
                signal(SignalKind::interrupt()),
                signal(SignalKind::terminate()),
            ) {
                (Ok(int), Ok(term)) => Some((int, term)),
                _ => None,
            };
            ShutdownSignals { unix }
        }
        #[cfg(not(unix))]
        ShutdownSignals {}
    }

    async fn wait(self) {
        #[cfg(unix)]
        if let Some((mut int, mut term)) = self.unix {
            tokio::select! {
                _ = int.recv() => {}
                _ = term.recv() => {}
            }
            return;
        }
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn keys(cmd: KeysCmd) -> anyhow::Result<()> {
    match cmd {
        KeysCmd::Create {
            state_dir,
            name,
            scopes,
            allow_read,
            allow_write,
            json,
        } => {
            let scopes: Vec<Scope> = scopes.iter().map(|s| s.parse()).collect::<Result<_, _>>()?;
            let store = KeyStore::open(&state_dir.unwrap_or_else(config::default_state_dir))?;
            let options = KeyOptions {
                allow_read,
                allow_write,
            };
            let created = store.create_with_options(&name, &scopes, options)?;
            let info = serde_json::to_value(&created.record)?;
            if json {
                let mut out = serde_json::json!({ "key": created.key.expose() });
                if let (Some(out), Some(info)) = (out.as_object_mut(), info.as_object()) {
                    for (k, v) in info {
                        out.insert(k.clone(), v.clone());
                    }
                }
                println!("{}", serde_json::to_string_pretty(&out)?);
            } else {
                println!(
                    "created key {} ({name}); it is shown only once:",
                    created.record.id
                );
                println!("{}", created.key.expose());
            }
        }
        KeysCmd::List { state_dir, json } => {
            let store = KeyStore::open(&state_dir.unwrap_or_else(config::default_state_dir))?;
            let list = store.list();
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else {
                for k in list {
                    println!(
                        "{}\t{}\t{}",
                        k.id,
                        k.name,
                        serde_json::to_string(&k.scopes)?
                    );
                }
            }
        }
        KeysCmd::Revoke {
            state_dir,
            id,
            json,
        } => {
            let store = KeyStore::open(&state_dir.unwrap_or_else(config::default_state_dir))?;
            let info = store.revoke(&id)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&info)?);
            } else {
                println!("revoked {}", info.id);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::parse_generated_galaxy;

    #[test]
    fn generated_galaxy_specs() {
        let g = parse_generated_galaxy("100x10@250").unwrap();
        assert_eq!((g.objects, g.attributes, g.scan_ms), (100, 10, 250));
        let g = parse_generated_galaxy("5X2").unwrap();
        assert_eq!((g.objects, g.attributes, g.scan_ms), (5, 2, 1000));
        for bad in [
            "",
            "100",
            "x10",
            "100x",
            "0x10",
            "10x0",
            "10x10@0",
            "10x10@fast",
            "1000000x1",
            "2000000x10",
        ] {
            assert!(parse_generated_galaxy(bad).is_err(), "{bad}");
        }
    }
}

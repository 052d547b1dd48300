//! Assembles a running gateway: the plant and its link, the key store, the
//! session manager, the gRPC server and the background tasks, with graceful
//! shutdown.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use mxgateway_plant_link::server::PlantLinkServer;
use mxgateway_proto::passthrough::server::mx_access_gateway_server::MxAccessGatewayServer;
use mxgateway_proto::v1::galaxy_repository_server::GalaxyRepositoryServer;
use mxgateway_sim::{GalaxyModel, Plant, PlantConfig};
use rand::Rng;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tonic::transport::server::TcpIncoming;
use tonic::transport::{Identity, Server, ServerTlsConfig};
use tracing::{info, warn};

use crate::auth::KeyStore;
use crate::config::{Config, ConfigError, GalaxySource, RepositorySource};
use crate::galaxy::GalaxyHub;
use crate::galaxy_service::GalaxyRepositoryService;
use crate::service::GatewayService;
use crate::session::SessionManager;
use crate::worker::{PlantEndpoint, WorkerCommand};

/// Why the gateway could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("cannot load the galaxy: {0}")]
    Galaxy(String),
    #[error("cannot open the key store: {0}")]
    Keys(String),
    #[error("cannot find the worker: {0}")]
    Worker(String),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("TLS setup failed: {0}")]
    Tls(String),
    #[error("server reflection setup failed: {0}")]
    Reflection(String),
    #[error("cannot open the Galaxy Repository: {0}")]
    Repository(String),
}

/// A running gateway.
pub struct Gateway {
    addr: SocketAddr,
    tls: bool,
    plant: Plant,
    keys: Arc<KeyStore>,
    sessions: Arc<SessionManager>,
    galaxy: Arc<GalaxyHub>,
    bootstrap_key_file: Option<PathBuf>,
    cancel: CancellationToken,
    tracker: TaskTracker,
    server: tokio::task::JoinHandle<Result<(), tonic::transport::Error>>,
}

impl Gateway {
    /// Validates `config`, starts everything and begins serving.
    pub async fn start(config: Config) -> Result<Gateway, StartError> {
        config.validate()?;
        // Both ring (tonic) and aws-lc-rs (tiberius) are linked, so rustls cannot
        // pick a process default by itself; choose ring. An already installed
        // provider (a second gateway in one process) is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let plant_config = PlantConfig {
            alarm_feed_capacity: config.limits.alarm_feed_capacity,
            ..PlantConfig::default()
        };
        let plant = match &config.galaxy {
            GalaxySource::Demo => Plant::with_config(GalaxyModel::demo(), plant_config),
            GalaxySource::File(path) => Plant::load_with_config(path, plant_config),
            GalaxySource::Model(model) => Plant::with_config((**model).clone(), plant_config),
        }
        .map_err(|e| StartError::Galaxy(e.to_string()))?;
        let keys = Arc::new(
            KeyStore::open(&config.state_dir).map_err(|e| StartError::Keys(e.to_string()))?,
        );
        let bootstrap_key_file = keys
            .ensure_bootstrap()
            .map_err(|e| StartError::Keys(e.to_string()))?;
        let worker = match &config.worker {
            Some(w) => w.clone(),
            None => WorkerCommand::resolve(None).map_err(|e| StartError::Worker(e.to_string()))?,
        };

        let tls = match &config.tls {
            Some(files) => {
                let cert = std::fs::read(&files.cert)
                    .map_err(|e| StartError::Tls(format!("{}: {e}", files.cert.display())))?;
                let key = std::fs::read(&files.key)
                    .map_err(|e| StartError::Tls(format!("{}: {e}", files.key.display())))?;
                Some(ServerTlsConfig::new().identity(Identity::from_pem(cert, key)))
            }
            None => None,
        };

        let listener =
            TcpListener::bind(config.listen)
                .await
                .map_err(|source| StartError::Listen {
                    addr: config.listen,
                    source,
                })?;
        let addr = listener.local_addr().map_err(|source| StartError::Listen {
            addr: config.listen,
            source,
        })?;

        let cancel = CancellationToken::new();
        let tracker = TaskTracker::new();
        {
            let plant = plant.clone();
            let cancel = cancel.clone();
            tracker.spawn(async move { plant.run(cancel).await });
        }
        let token_bytes: [u8; 24] = rand::rng().random();
        let link = PlantLinkServer::start(
            plant.clone(),
            hex::encode(token_bytes),
            cancel.clone(),
            &tracker,
        )
        .await
        .map_err(|source| StartError::Listen {
            addr: "127.0.0.1:0".parse().expect("addr"),
            source,
        })?;
        let endpoint = PlantEndpoint {
            address: link.addr().to_string(),
            token: link.token().to_string(),
        };

        let sessions = Arc::new(SessionManager::new(config.limits.clone(), worker, endpoint));
        {
            let sessions = sessions.clone();
            let cancel = cancel.clone();
            let period = (config.limits.session_idle_timeout / 4)
                .clamp(Duration::from_millis(50), Duration::from_secs(30));
            tracker.spawn(async move {
                let mut tick = tokio::time::interval(period);
                loop {
                    tokio::select! {
                        _ = cancel.cancelled() => return,
                        _ = tick.tick() => { sessions.reap_idle().await; }
                    }
                }
            });
        }

        let hub = match &config.repository {
            RepositorySource::Simulated => {
                GalaxyHub::simulated(plant.clone(), config.galaxy_limits.clone()).await
            }
            RepositorySource::SqlServer(connection) => {
                GalaxyHub::sql_server(connection, config.galaxy_limits.clone()).await
            }
        }
        .map_err(|e| StartError::Repository(crate::auth::redact(&e)))?;
        hub.spawn_follower(cancel.clone(), &tracker);
        let galaxy_svc = GalaxyRepositoryServer::new(GalaxyRepositoryService::new(
            keys.clone(),
            hub.clone(),
            cancel.clone(),
        ))
        .max_decoding_message_size(config.limits.max_message_bytes)
        .max_encoding_message_size(config.limits.max_message_bytes);

        let service = GatewayService::new(
            keys.clone(),
            sessions.clone(),
            plant.clone(),
            cancel.clone(),
        );
        let max = config.limits.max_message_bytes;
        let svc = MxAccessGatewayServer::new(service)
            .max_decoding_message_size(max)
            .max_encoding_message_size(max);
        // Standard gRPC health checking and server reflection, so any gRPC
        // tooling (grpcurl, grpc_health_probe, load balancers) can see the service.
        let (health_reporter, health) = tonic_health::server::health_reporter();
        health_reporter
            .set_serving::<MxAccessGatewayServer<GatewayService>>()
            .await;
        health_reporter
            .set_serving::<GalaxyRepositoryServer<GalaxyRepositoryService>>()
            .await;
        let reflection = tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(mxgateway_proto::FILE_DESCRIPTOR_SET)
            .build_v1()
            .map_err(|e| StartError::Reflection(e.to_string()))?;
        let mut builder = Server::builder().tcp_nodelay(true);
        let is_tls = tls.is_some();
        if let Some(tls) = tls {
            builder = builder
                .tls_config(tls)
                .map_err(|e| StartError::Tls(e.to_string()))?;
        }
        let shutdown = cancel.clone();
        let server = tokio::spawn(
            builder
                .add_service(health)
                .add_service(reflection)
                .add_service(svc)
                .add_service(galaxy_svc)
                // `tcp_nodelay` on the builder only reaches sockets tonic binds
                // itself; an accepted stream of our own listener needs it here,
                // or Nagle holds the tail of every multi-segment reply until the
                // client's delayed ACK (ReadBulk of 1000 tags took 40+ ms a call).
                .serve_with_incoming_shutdown(
                    TcpIncoming::from(listener).with_nodelay(Some(true)),
                    shutdown.cancelled_owned(),
                ),
        );
        info!(%addr, tls = is_tls, galaxy = %plant.galaxy_name(), "gateway listening");
        Ok(Gateway {
            addr,
            tls: is_tls,
            plant,
            keys,
            sessions,
            galaxy: hub,
            bootstrap_key_file,
            cancel,
            tracker,
            server,
        })
    }

    /// The bound address (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// True when serving TLS.
    pub fn is_tls(&self) -> bool {
        self.tls
    }

    /// The shared simulated galaxy (for fault injection in tests and admin tools).
    pub fn plant(&self) -> &Plant {
        &self.plant
    }

    /// The Galaxy Repository (browse, deploy feed, simulated deploys).
    pub fn galaxy(&self) -> &Arc<GalaxyHub> {
        &self.galaxy
    }

    /// The API key store.
    pub fn keys(&self) -> &Arc<KeyStore> {
        &self.keys
    }

    /// The sessions.
    pub fn sessions(&self) -> &Arc<SessionManager> {
        &self.sessions
    }

    /// Where the bootstrap admin key was written, if the store created one.
    pub fn bootstrap_key_file(&self) -> Option<&PathBuf> {
        self.bootstrap_key_file.as_ref()
    }

    /// Stops serving, ends every stream, stops every worker and the plant.
    pub async fn shutdown(self, grace: Duration) {
        info!("gateway shutting down");
        self.sessions.close_all().await;
        self.cancel.cancel();
        self.tracker.close();
        if tokio::time::timeout(grace, self.tracker.wait())
            .await
            .is_err()
        {
            warn!("background tasks did not stop within the grace period");
        }
        match tokio::time::timeout(grace, self.server).await {
            Ok(Ok(Err(e))) => warn!(error = %e, "gRPC server ended with an error"),
            Err(_) => warn!("gRPC server did not stop within the grace period"),
            _ => {}
        }
    }
}

//! An in-process fake `GalaxyRepository` service, served next to the fake
//! `MxAccessGateway` by every `FakeServer` (see `fake_gateway.rs`, which
//! includes this file as its `galaxy` module).
//!
//! It records every call (method, `authorization` metadata, request) and
//! answers from a script: a test-connection reply, a last-deploy reply,
//! pages keyed by the page token they answer (an unknown token is refused
//! with ABORTED, as the gateway refuses a token from before a deploy),
//! deploy events, and a deploy reply.

#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use mxgateway_proto::v1::{
    self,
    galaxy_repository_server::{GalaxyRepository, GalaxyRepositoryServer},
};
use tokio::sync::{mpsc, Notify};
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status};

/// One recorded request.
#[derive(Debug, Clone)]
pub enum GalaxyMessage {
    TestConnection,
    LastDeploy,
    Discover(v1::DiscoverHierarchyRequest),
    Watch(v1::WatchDeployEventsRequest),
    Deploy(v1::DeploySimulatedGalaxyRequest),
}

/// One recorded call.
#[derive(Debug, Clone)]
pub struct GalaxyCall {
    pub method: &'static str,
    pub authorization: Option<String>,
    pub message: GalaxyMessage,
}

/// The fake's script and recordings.
pub struct GalaxyState {
    /// When set, calls whose bearer differs get UNAUTHENTICATED.
    pub required_key: Mutex<Option<String>>,
    pub calls: Mutex<Vec<GalaxyCall>>,
    /// An error for the next call of any method.
    pub next_error: Mutex<Option<Status>>,
    pub test_connection: Mutex<v1::TestConnectionReply>,
    pub last_deploy: Mutex<v1::GetLastDeployTimeReply>,
    /// The reply to each page token ("" is the first page).
    pub pages: Mutex<HashMap<String, v1::DiscoverHierarchyReply>>,
    /// Events every new watch sends.
    pub events: Mutex<Vec<v1::DeployEvent>>,
    /// An error every new watch sends after its events.
    pub watch_error: Mutex<Option<Status>>,
    /// When true, watches end after their events instead of staying open.
    pub end_watches: Mutex<bool>,
    /// The reply to DeploySimulatedGalaxy.
    pub deploy: Mutex<v1::DeploySimulatedGalaxyReply>,
    pub watches_cancelled: AtomicUsize,
    pub watch_cancelled: Notify,
}

impl Default for GalaxyState {
    fn default() -> Self {
        GalaxyState {
            required_key: Mutex::new(None),
            calls: Mutex::new(Vec::new()),
            next_error: Mutex::new(None),
            test_connection: Mutex::new(v1::TestConnectionReply {
                ok: true,
                message: String::new(),
                provider: "sqlite".into(),
            }),
            last_deploy: Mutex::new(v1::GetLastDeployTimeReply {
                present: true,
                time_of_last_deploy: Some(doc_deploy_time()),
            }),
            pages: Mutex::new(HashMap::new()),
            events: Mutex::new(Vec::new()),
            watch_error: Mutex::new(None),
            end_watches: Mutex::new(false),
            deploy: Mutex::new(v1::DeploySimulatedGalaxyReply {
                time_of_last_deploy: Some(prost_types::Timestamp {
                    seconds: 1_795_305_002,
                    nanos: 1_000_000,
                }),
                object_count: 18,
                attribute_count: 99,
            }),
            watches_cancelled: AtomicUsize::new(0),
            watch_cancelled: Notify::new(),
        }
    }
}

impl GalaxyState {
    pub fn calls(&self) -> Vec<GalaxyCall> {
        self.calls.lock().unwrap().clone()
    }

    /// The DiscoverHierarchy requests, in order.
    pub fn discovers(&self) -> Vec<v1::DiscoverHierarchyRequest> {
        self.calls()
            .into_iter()
            .filter_map(|c| match c.message {
                GalaxyMessage::Discover(r) => Some(r),
                _ => None,
            })
            .collect()
    }

    pub fn set_next_error(&self, status: Status) {
        *self.next_error.lock().unwrap() = Some(status);
    }

    /// Serves `objects` in pages of `per_page`, chained by the tokens
    /// `page-1`, `page-2`, ...
    pub fn set_hierarchy(&self, objects: Vec<v1::GalaxyObject>, per_page: usize) {
        let total = objects.len() as u64;
        let chunks: Vec<Vec<v1::GalaxyObject>> = if objects.is_empty() {
            vec![Vec::new()]
        } else {
            objects.chunks(per_page).map(<[_]>::to_vec).collect()
        };
        let count = chunks.len();
        let mut pages = HashMap::new();
        for (i, chunk) in chunks.into_iter().enumerate() {
            let token = if i == 0 {
                String::new()
            } else {
                format!("page-{i}")
            };
            let next = if i + 1 == count {
                String::new()
            } else {
                format!("page-{}", i + 1)
            };
            pages.insert(
                token,
                v1::DiscoverHierarchyReply {
                    objects: chunk,
                    next_page_token: next,
                    total_objects: total,
                },
            );
        }
        *self.pages.lock().unwrap() = pages;
    }

    /// Sets the reply to one page token.
    pub fn set_page(&self, token: &str, objects: Vec<v1::GalaxyObject>, next: &str) {
        let reply = v1::DiscoverHierarchyReply {
            objects,
            next_page_token: next.to_string(),
            total_objects: 0,
        };
        self.pages.lock().unwrap().insert(token.to_string(), reply);
    }
}

/// A status with the gateway's `mxgateway-error` metadata.
pub fn galaxy_status(code: tonic::Code, kind: &str, message: &str) -> Status {
    let mut status = Status::new(code, message);
    status
        .metadata_mut()
        .insert("mxgateway-error", kind.parse().unwrap());
    status
}

/// The deploy time of the docs' examples, 2026-11-21T23:47:16.854Z.
pub fn doc_deploy_time() -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: 1_795_304_836,
        nanos: 854_000_000,
    }
}

/// The object of the docs' `galaxy-discover` example.
pub fn doc_object() -> v1::GalaxyObject {
    v1::GalaxyObject {
        gobject_id: 5,
        tag_name: "TestChildObject".into(),
        contained_name: "TestChild".into(),
        hierarchical_name: "TestParentObject.TestChild".into(),
        browse_name: "TestChild".into(),
        parent_gobject_id: 4,
        parent_tag_name: "TestParentObject".into(),
        area_tag_name: "TestArea".into(),
        template_chain: vec!["$TestChild".into(), "$UserDefined".into()],
        category_id: 10,
        category: "ApplicationObject".into(),
        attributes: vec![v1::GalaxyAttribute {
            attribute_name: "TestInt".into(),
            full_tag_reference: "TestChildObject.TestInt".into(),
            data_type: v1::MxDataType::Integer as i32,
            is_array: false,
            security_classification: v1::SecurityClassification::FreeAccess as i32,
            raw_security_classification: 0,
            is_alarm: false,
            is_historized: false,
        }],
    }
}

/// A plain object `Obj<id>` with no attributes.
pub fn galaxy_object(id: i32) -> v1::GalaxyObject {
    v1::GalaxyObject {
        gobject_id: id,
        tag_name: format!("Obj{id}"),
        browse_name: format!("Obj{id}"),
        hierarchical_name: format!("Obj{id}"),
        category_id: 10,
        category: "ApplicationObject".into(),
        ..Default::default()
    }
}

/// A deploy event of `objects` objects at `seconds` past the epoch.
pub fn deploy_event(sequence: u64, seconds: i64, objects: u64) -> v1::DeployEvent {
    v1::DeployEvent {
        sequence,
        time_of_last_deploy: Some(prost_types::Timestamp { seconds, nanos: 0 }),
        time_of_last_deploy_present: true,
        object_count: objects,
        attribute_count: objects * 2,
    }
}

#[derive(Clone)]
struct FakeGalaxy {
    state: Arc<GalaxyState>,
}

/// The fake service on `state`, for a tonic server.
pub fn galaxy_service(state: Arc<GalaxyState>) -> GalaxyRepositoryServer<impl GalaxyRepository> {
    GalaxyRepositoryServer::new(FakeGalaxy { state })
}

impl FakeGalaxy {
    /// Records the call, then applies the auth check and the scripted error.
    fn admit<T: Clone>(
        &self,
        method: &'static str,
        request: &Request<T>,
        wrap: impl FnOnce(T) -> GalaxyMessage,
    ) -> Result<(), Status> {
        let authorization = request
            .metadata()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        self.state.calls.lock().unwrap().push(GalaxyCall {
            method,
            authorization: authorization.clone(),
            message: wrap(request.get_ref().clone()),
        });
        if let Some(key) = self.state.required_key.lock().unwrap().clone() {
            if authorization.as_deref() != Some(format!("Bearer {key}").as_str()) {
                return Err(galaxy_status(
                    tonic::Code::Unauthenticated,
                    "unauthenticated",
                    "invalid API key",
                ));
            }
        }
        if let Some(status) = self.state.next_error.lock().unwrap().take() {
            return Err(status);
        }
        Ok(())
    }
}

#[tonic::async_trait]
impl GalaxyRepository for FakeGalaxy {
    async fn test_connection(
        &self,
        request: Request<v1::TestConnectionRequest>,
    ) -> Result<Response<v1::TestConnectionReply>, Status> {
        self.admit("TestConnection", &request, |_| {
            GalaxyMessage::TestConnection
        })?;
        Ok(Response::new(
            self.state.test_connection.lock().unwrap().clone(),
        ))
    }

    async fn get_last_deploy_time(
        &self,
        request: Request<v1::GetLastDeployTimeRequest>,
    ) -> Result<Response<v1::GetLastDeployTimeReply>, Status> {
        self.admit("GetLastDeployTime", &request, |_| GalaxyMessage::LastDeploy)?;
        Ok(Response::new(*self.state.last_deploy.lock().unwrap()))
    }

    async fn discover_hierarchy(
        &self,
        request: Request<v1::DiscoverHierarchyRequest>,
    ) -> Result<Response<v1::DiscoverHierarchyReply>, Status> {
        self.admit("DiscoverHierarchy", &request, GalaxyMessage::Discover)?;
        let token = &request.get_ref().page_token;
        match self.state.pages.lock().unwrap().get(token) {
            Some(reply) => Ok(Response::new(reply.clone())),
            None => Err(galaxy_status(
                tonic::Code::Aborted,
                "aborted",
                "the page token was issued before the last deploy; start the browse again",
            )),
        }
    }

    type WatchDeployEventsStream = ReceiverStream<Result<v1::DeployEvent, Status>>;

    async fn watch_deploy_events(
        &self,
        request: Request<v1::WatchDeployEventsRequest>,
    ) -> Result<Response<Self::WatchDeployEventsStream>, Status> {
        self.admit("WatchDeployEvents", &request, GalaxyMessage::Watch)?;
        let (tx, rx) = mpsc::channel(16);
        let events = self.state.events.lock().unwrap().clone();
        let error = self.state.watch_error.lock().unwrap().clone();
        let end = *self.state.end_watches.lock().unwrap();
        let state = self.state.clone();
        tokio::spawn(async move {
            for event in events {
                if tx.send(Ok(event)).await.is_err() {
                    break;
                }
            }
            if let Some(status) = error {
                let _ = tx.send(Err(status)).await;
                return;
            }
            if end {
                return;
            }
            // Resolves when the client drops the stream: that is how the
            // gateway learns of a cancelled call.
            tx.closed().await;
            state.watches_cancelled.fetch_add(1, Ordering::SeqCst);
            state.watch_cancelled.notify_one();
        });
        Ok(Response::new(ReceiverStream::new(rx)))
    }

    async fn deploy_simulated_galaxy(
        &self,
        request: Request<v1::DeploySimulatedGalaxyRequest>,
    ) -> Result<Response<v1::DeploySimulatedGalaxyReply>, Status> {
        self.admit("DeploySimulatedGalaxy", &request, GalaxyMessage::Deploy)?;
        Ok(Response::new(*self.state.deploy.lock().unwrap()))
    }
}

//! Sessions: one worker each, owned by the API key that opened them, living
//! across client connections until closed, idle too long, or the gateway stops.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::Rng;
use tokio::time::Instant;
use tracing::info;

use mxgateway_proto::worker::TagConstraints;

use crate::config::Limits;
use crate::error::GatewayError;
use crate::events::{EventQueue, StreamEnd};
use crate::worker::{PlantEndpoint, Worker, WorkerCommand};

/// How long a closing session's worker gets to exit before it is killed.
pub const WORKER_STOP_GRACE: Duration = Duration::from_secs(2);

/// One gateway session.
pub struct Session {
    pub id: String,
    /// The id of the API key that opened it.
    pub owner: String,
    pub name: String,
    pub worker: Worker,
    pub events: Arc<EventQueue>,
    last_activity: Mutex<Instant>,
    active_streams: AtomicUsize,
}

impl Session {
    /// Marks the session as used now (keeps it from idling out).
    pub fn touch(&self) {
        *self.last_activity.lock().unwrap_or_else(|p| p.into_inner()) = Instant::now();
    }

    fn idle_for(&self) -> Duration {
        self.last_activity
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .elapsed()
    }

    /// Counts a stream for as long as the guard lives.
    pub fn stream_guard(self: &Arc<Self>) -> StreamGuard {
        self.active_streams.fetch_add(1, Ordering::SeqCst);
        self.touch();
        StreamGuard {
            session: self.clone(),
        }
    }
}

/// Keeps a session from idling out while a stream is open.
pub struct StreamGuard {
    session: Arc<Session>,
}

impl Drop for StreamGuard {
    fn drop(&mut self) {
        self.session.active_streams.fetch_sub(1, Ordering::SeqCst);
        self.session.touch();
    }
}

/// All sessions of the gateway.
pub struct SessionManager {
    sessions: Mutex<HashMap<String, Arc<Session>>>,
    /// Sessions counted against the limit while their worker starts.
    starting: AtomicUsize,
    limits: Limits,
    worker: WorkerCommand,
    plant: PlantEndpoint,
}

fn new_session_id() -> String {
    let bytes: [u8; 16] = rand::rng().random();
    format!("s-{}", hex::encode(bytes))
}

impl SessionManager {
    pub fn new(limits: Limits, worker: WorkerCommand, plant: PlantEndpoint) -> Self {
        SessionManager {
            sessions: Mutex::new(HashMap::new()),
            starting: AtomicUsize::new(0),
            limits,
            worker,
            plant,
        }
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Session>>> {
        self.sessions.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Number of open sessions.
    pub fn count(&self) -> usize {
        self.map().len()
    }

    /// Opens a session and starts its worker.
    /// `constraints` are the owner key's tag allow-lists, which the worker enforces.
    pub async fn open(
        &self,
        owner: &str,
        name: &str,
        constraints: TagConstraints,
    ) -> Result<Arc<Session>, GatewayError> {
        {
            let map = self.map();
            let reserved = self.starting.fetch_add(1, Ordering::SeqCst) + 1;
            if map.len() + reserved > self.limits.max_sessions {
                self.starting.fetch_sub(1, Ordering::SeqCst);
                return Err(GatewayError::SessionLimit(self.limits.max_sessions));
            }
        }
        let id = new_session_id();
        let events = Arc::new(EventQueue::new(self.limits.event_queue_capacity));
        let spawned = Worker::spawn(
            &self.worker,
            &id,
            &self.plant,
            &self.limits,
            constraints,
            events.clone(),
        )
        .await;
        let result = spawned.map(|worker| {
            let session = Arc::new(Session {
                id: id.clone(),
                owner: owner.to_string(),
                name: name.to_string(),
                worker,
                events,
                last_activity: Mutex::new(Instant::now()),
                active_streams: AtomicUsize::new(0),
            });
            self.map().insert(id.clone(), session.clone());
            session
        });
        self.starting.fetch_sub(1, Ordering::SeqCst);
        if let Ok(s) = &result {
            info!(session = %s.id, name = %s.name, pid = s.worker.pid, "session opened");
        }
        result
    }

    /// The session `id`, whoever owns it (for operators and tests).
    pub fn lookup(&self, id: &str) -> Option<Arc<Session>> {
        self.map().get(id).cloned()
    }

    /// The session `id` if `owner` may use it.
    pub fn get(&self, id: &str, owner: &str) -> Result<Arc<Session>, GatewayError> {
        let session = self
            .map()
            .get(id)
            .cloned()
            .ok_or_else(|| GatewayError::SessionNotFound(id.to_string()))?;
        if session.owner != owner {
            return Err(GatewayError::PermissionDenied(format!(
                "session {id} belongs to another API key"
            )));
        }
        session.touch();
        Ok(session)
    }

    /// Closes a session: ends its streams and stops its worker.
    pub async fn close(&self, id: &str, owner: &str) -> Result<(), GatewayError> {
        self.get(id, owner)?;
        let session = self.map().remove(id);
        if let Some(session) = session {
            stop(&session).await;
        }
        Ok(())
    }

    /// Closes every session (gateway shutdown).
    pub async fn close_all(&self) {
        let all: Vec<Arc<Session>> = self.map().drain().map(|(_, s)| s).collect();
        futures::future::join_all(all.iter().map(|s| stop(s))).await;
    }

    /// Closes sessions idle longer than the limit; returns how many.
    pub async fn reap_idle(&self) -> usize {
        let idle_limit = self.limits.session_idle_timeout;
        let idle: Vec<Arc<Session>> = {
            let mut map = self.map();
            let ids: Vec<String> = map
                .values()
                .filter(|s| {
                    s.active_streams.load(Ordering::SeqCst) == 0 && s.idle_for() > idle_limit
                })
                .map(|s| s.id.clone())
                .collect();
            ids.iter().filter_map(|id| map.remove(id)).collect()
        };
        for session in &idle {
            info!(session = %session.id, "closing idle session");
            stop(session).await;
        }
        idle.len()
    }
}

async fn stop(session: &Session) {
    session.events.end(StreamEnd::Closed);
    session.worker.shutdown(WORKER_STOP_GRACE).await;
}

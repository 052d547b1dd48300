//! The backend trait the MXAccess semantics layer drives, and its simulator
//! implementation over the plant link.

use std::future::Future;

use mxgateway_mx::MxStatus;
use mxgateway_plant_link::client::PlantClient;
use mxgateway_proto::plant;
use tokio::sync::oneshot;

/// The runtime behind the worker: the simulated plant, or (later) LMXProxyServer.
///
/// Requests are issued in order; `subscribe` is answered later by exactly one
/// update for that subscription (value or failure status), delivered through
/// the update channel the backend was created with.
pub trait Backend: Clone + Send + Sync + 'static {
    /// A short name reported in the handshake ("sim", "com").
    fn name(&self) -> &'static str;
    fn subscribe(
        &self,
        subscription_id: u64,
        reference: &str,
        context: &str,
        supervisory: bool,
    ) -> impl Future<Output = Result<(), BackendError>> + Send;
    fn unsubscribe(
        &self,
        subscription_id: u64,
    ) -> impl Future<Output = Result<(), BackendError>> + Send;
    /// Many subscriptions in one go (the bulk commands); same contract as `subscribe`.
    fn subscribe_many(
        &self,
        requests: Vec<plant::Subscribe>,
    ) -> impl Future<Output = Result<(), BackendError>> + Send;
    fn unsubscribe_many(
        &self,
        subscription_ids: Vec<u64>,
    ) -> impl Future<Output = Result<(), BackendError>> + Send;
    /// Sends a write; completes once it is on its way, with a receiver of the
    /// runtime's verdict (which becomes OnWriteComplete; a failed receiver
    /// means the runtime was lost). Writes submitted one after another, each
    /// awaited, reach the runtime in that order.
    fn submit_write(
        &self,
        request: plant::Write,
    ) -> impl Future<Output = oneshot::Receiver<MxStatus>> + Send;
    fn authenticate(
        &self,
        user_name: &str,
        password: &str,
    ) -> impl Future<Output = Result<i32, String>> + Send;
    /// `ArchestrAUserToId`: the user id for a user GUID, or why there is none.
    fn user_to_id(&self, user_guid: &str) -> impl Future<Output = Result<i32, String>> + Send;
}

/// The backend is gone; the worker cannot go on.
#[derive(Debug, thiserror::Error)]
#[error("backend failed: {0}")]
pub struct BackendError(pub String);

/// The simulator backend: the shared plant over the plant link.
#[derive(Clone)]
pub struct SimBackend {
    client: PlantClient,
}

impl SimBackend {
    pub fn new(client: PlantClient) -> Self {
        SimBackend { client }
    }
}

impl Backend for SimBackend {
    fn name(&self) -> &'static str {
        "sim"
    }

    async fn subscribe(
        &self,
        subscription_id: u64,
        reference: &str,
        context: &str,
        supervisory: bool,
    ) -> Result<(), BackendError> {
        self.client
            .subscribe(subscription_id, reference, context, supervisory)
            .await
            .map_err(|e| BackendError(e.to_string()))
    }

    async fn unsubscribe(&self, subscription_id: u64) -> Result<(), BackendError> {
        self.client
            .unsubscribe(subscription_id)
            .await
            .map_err(|e| BackendError(e.to_string()))
    }

    async fn subscribe_many(&self, requests: Vec<plant::Subscribe>) -> Result<(), BackendError> {
        self.client
            .subscribe_many(requests)
            .await
            .map_err(|e| BackendError(e.to_string()))
    }

    async fn unsubscribe_many(&self, subscription_ids: Vec<u64>) -> Result<(), BackendError> {
        self.client
            .unsubscribe_many(&subscription_ids)
            .await
            .map_err(|e| BackendError(e.to_string()))
    }

    async fn submit_write(&self, request: plant::Write) -> oneshot::Receiver<MxStatus> {
        self.client.submit_write(request).await
    }

    async fn authenticate(&self, user_name: &str, password: &str) -> Result<i32, String> {
        self.client.authenticate(user_name, password).await
    }

    async fn user_to_id(&self, user_guid: &str) -> Result<i32, String> {
        self.client.user_to_id(user_guid).await
    }
}

//! The `GalaxyRepository` gRPC service: authentication, scopes and the
//! conversion of the hub's domain types to the wire. Scope `metadata:read`;
//! `DeploySimulatedGalaxy` needs `admin`.

use std::pin::Pin;
use std::sync::Arc;

use futures::Stream;
use futures::StreamExt;
use mxgateway_proto::v1::galaxy_repository_server::GalaxyRepository;
use mxgateway_proto::v1::{
    DeployEvent, DeploySimulatedGalaxyReply, DeploySimulatedGalaxyRequest, DiscoverHierarchyReply,
    DiscoverHierarchyRequest, GalaxyAttribute, GalaxyObject, GetLastDeployTimeReply,
    GetLastDeployTimeRequest, TestConnectionReply, TestConnectionRequest, WatchDeployEventsRequest,
};
use mxgateway_proto::{data_type_to_pb, security_to_pb, timestamp_from_pb, timestamp_to_pb};
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status};

use crate::auth::{extract_bearer, KeyStore, Principal, Scope};
use crate::deploys;
use crate::error::GatewayError;
use crate::galaxy::GalaxyHub;

/// The service implementation.
#[derive(Clone)]
pub struct GalaxyRepositoryService {
    keys: Arc<KeyStore>,
    hub: Arc<GalaxyHub>,
    /// Ends deploy watches when the gateway shuts down.
    shutdown: CancellationToken,
}

impl GalaxyRepositoryService {
    pub fn new(keys: Arc<KeyStore>, hub: Arc<GalaxyHub>, shutdown: CancellationToken) -> Self {
        GalaxyRepositoryService {
            keys,
            hub,
            shutdown,
        }
    }

    fn authorize<T>(&self, request: &Request<T>, scope: Scope) -> Result<Principal, GatewayError> {
        let key = request
            .metadata()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(extract_bearer)
            .ok_or(GatewayError::Unauthenticated)?;
        let principal = self
            .keys
            .verify(key)
            .map_err(|_| GatewayError::Unauthenticated)?;
        if principal.has(scope) {
            Ok(principal)
        } else {
            Err(GatewayError::PermissionDenied(format!(
                "the API key lacks the {scope} scope"
            )))
        }
    }
}

fn object_to_pb(o: mxgateway_galaxy_repo::GalaxyObject) -> GalaxyObject {
    GalaxyObject {
        gobject_id: o.gobject_id,
        tag_name: o.tag_name,
        contained_name: o.contained_name,
        hierarchical_name: o.hierarchical_name,
        browse_name: o.browse_name,
        parent_gobject_id: o.parent_gobject_id,
        parent_tag_name: o.parent_tag_name,
        area_tag_name: o.area_tag_name,
        template_chain: o.template_chain,
        category_id: o.category_id,
        category: o.category,
        attributes: o
            .attributes
            .into_iter()
            .map(|a| GalaxyAttribute {
                attribute_name: a.attribute_name,
                full_tag_reference: a.full_tag_reference,
                data_type: data_type_to_pb(a.data_type) as i32,
                is_array: a.is_array,
                security_classification: security_to_pb(a.security) as i32,
                raw_security_classification: a.raw_security_classification,
                is_alarm: a.is_alarm,
                is_historized: a.is_historized,
            })
            .collect(),
    }
}

fn event_to_pb(e: deploys::DeployEvent) -> DeployEvent {
    DeployEvent {
        sequence: e.sequence,
        time_of_last_deploy: e.state.time_of_last_deploy.map(timestamp_to_pb),
        time_of_last_deploy_present: e.state.time_of_last_deploy.is_some(),
        object_count: e.state.object_count,
        attribute_count: e.state.attribute_count,
    }
}

type DeployStream = Pin<Box<dyn Stream<Item = Result<DeployEvent, Status>> + Send>>;

#[tonic::async_trait]
impl GalaxyRepository for GalaxyRepositoryService {
    async fn test_connection(
        &self,
        request: Request<TestConnectionRequest>,
    ) -> Result<Response<TestConnectionReply>, Status> {
        self.authorize(&request, Scope::MetadataRead)?;
        let test = self.hub.test_connection().await;
        Ok(Response::new(TestConnectionReply {
            ok: test.ok,
            message: crate::auth::redact(&test.message),
            provider: test.provider.to_string(),
        }))
    }

    async fn get_last_deploy_time(
        &self,
        request: Request<GetLastDeployTimeRequest>,
    ) -> Result<Response<GetLastDeployTimeReply>, Status> {
        self.authorize(&request, Scope::MetadataRead)?;
        let time = self.hub.current().state.time_of_last_deploy;
        Ok(Response::new(GetLastDeployTimeReply {
            present: time.is_some(),
            time_of_last_deploy: time.map(timestamp_to_pb),
        }))
    }

    async fn discover_hierarchy(
        &self,
        request: Request<DiscoverHierarchyRequest>,
    ) -> Result<Response<DiscoverHierarchyReply>, Status> {
        self.authorize(&request, Scope::MetadataRead)?;
        let request = request.into_inner();
        let page = self
            .hub
            .page(request.page_size as usize, &request.page_token)?;
        Ok(Response::new(DiscoverHierarchyReply {
            objects: page.objects.into_iter().map(object_to_pb).collect(),
            next_page_token: page.next_page_token,
            total_objects: page.total_objects,
        }))
    }

    type WatchDeployEventsStream = DeployStream;

    async fn watch_deploy_events(
        &self,
        request: Request<WatchDeployEventsRequest>,
    ) -> Result<Response<Self::WatchDeployEventsStream>, Status> {
        self.authorize(&request, Scope::MetadataRead)?;
        let last_seen = match request.into_inner().last_seen_deploy_time {
            Some(t) => Some(timestamp_from_pb(&t).map_err(|e| {
                GatewayError::InvalidArgument(format!("last_seen_deploy_time: {e}"))
            })?),
            None => None,
        };
        let events = self.hub.watch(last_seen);
        let stream = ReceiverStream::new(events)
            .map(|e| Ok(event_to_pb(e)))
            .take_until(self.shutdown.clone().cancelled_owned());
        Ok(Response::new(Box::pin(stream)))
    }

    async fn deploy_simulated_galaxy(
        &self,
        request: Request<DeploySimulatedGalaxyRequest>,
    ) -> Result<Response<DeploySimulatedGalaxyReply>, Status> {
        self.authorize(&request, Scope::Admin)?;
        let event = self
            .hub
            .deploy_simulated(&request.into_inner().model_toml)
            .await?;
        Ok(Response::new(DeploySimulatedGalaxyReply {
            time_of_last_deploy: event.state.time_of_last_deploy.map(timestamp_to_pb),
            object_count: event.state.object_count,
            attribute_count: event.state.attribute_count,
        }))
    }
}

//! The shared MXAccess conformance cases (`fixtures/conformance.json`) end to
//! end: a real gateway with real worker processes, driven by the Rust client
//! (`mxgateway-client`) over gRPC. The same cases run through the worker
//! protocol alone (`crates/worker/tests/conformance.rs`) and through the
//! Python client (`clients/python/tests/test_integration_conformance.py`).

mod support;

use std::time::Duration;

use futures::StreamExt;
use mxgateway::auth::Scope;
use mxgateway_client::proto::{mx_command::Command, MxCommandReply, MxEvent};
use mxgateway_client::{ClientOptions, EventStream, GatewayClient, Session, TlsOptions};
use mxgateway_conformance::Transport;
use support::TestGateway;

struct RustClient {
    session: Session,
    events: EventStream,
}

impl Transport for RustClient {
    async fn command(&mut self, command: Command) -> MxCommandReply {
        let shown = format!("{command:?}");
        self.session
            .invoke_raw(command)
            .await
            .unwrap_or_else(|e| panic!("{shown}: {e}"))
    }

    async fn next_event(&mut self) -> Option<MxEvent> {
        let next = tokio::time::timeout(Duration::from_secs(10), self.events.next()).await;
        Some(next.ok()??.expect("the event stream stays up"))
    }
}

#[tokio::test]
async fn every_conformance_case_holds_through_the_gateway_and_the_rust_client() {
    let gw = TestGateway::start().await;
    let key = gw.key(&[Scope::MxRead, Scope::MxWrite, Scope::MxWriteSecured]);
    let options = ClientOptions::new(gw.gateway.local_addr().to_string())
        .with_tls(TlsOptions::plaintext())
        .with_api_key(key);
    let client = GatewayClient::connect(options).await.unwrap();
    let session = client.open_session("conformance").await.unwrap();
    let events = session.stream_events().await.unwrap();
    let mut transport = RustClient { session, events };
    let (failures, ran) = mxgateway_conformance::run_all(&mut transport).await;
    assert!(
        failures.is_empty(),
        "{} of {ran} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    transport.session.close().await.unwrap();
}

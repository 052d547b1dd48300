//! The Galaxy Repository client against the in-process fake: metadata and
//! request shapes, paging (tokens passed back, at most one page held, a
//! repeated token refused), the absent deploy time, the deploy watch and
//! its cancellation, and the error mapping.

#![forbid(unsafe_code)]

mod support {
    pub mod fake_gateway;
}

use std::sync::atomic::Ordering;
use std::time::Duration;

use futures::StreamExt;
use mxgateway_client::{ClientOptions, Error, GalaxyRepositoryClient, GatewayClient, TlsOptions};
use mxgateway_mx::Timestamp;
use mxgateway_proto::v1;
use support::fake_gateway::*;
use tonic::Code;

const KEY: &str = "mxgw_galaxy01_GalaxySecretValue0123456789";
const KEY_SECRET: &str = "GalaxySecretValue0123456789";

fn options(server: &FakeServer) -> ClientOptions {
    ClientOptions::new(server.endpoint())
        .with_api_key(KEY)
        .with_tls(TlsOptions::plaintext())
}

async fn connect(server: &FakeServer) -> GalaxyRepositoryClient {
    GalaxyRepositoryClient::connect(options(server))
        .await
        .unwrap()
}

fn ids(objects: &[v1::GalaxyObject]) -> Vec<i32> {
    objects.iter().map(|o| o.gobject_id).collect()
}

fn tokens(server: &FakeServer) -> Vec<String> {
    server
        .galaxy
        .discovers()
        .into_iter()
        .map(|r| r.page_token)
        .collect()
}

/// Waits for the fake to see a watch cancelled, bounded so a regression
/// fails instead of hanging.
async fn wait_for_watch_cancel(state: &GalaxyState) {
    tokio::time::timeout(Duration::from_secs(10), async {
        while state.watches_cancelled.load(Ordering::SeqCst) == 0 {
            state.watch_cancelled.notified().await;
        }
    })
    .await
    .expect("the gateway never saw the watch cancelled");
}

// === metadata and request shapes ===

#[tokio::test]
async fn every_call_carries_the_bearer_and_its_request() {
    let server = FakeServer::start(State::new()).await;
    server.galaxy.set_hierarchy(vec![galaxy_object(1)], 10);
    let galaxy = connect(&server).await;

    let reply = galaxy.test_connection().await.unwrap();
    assert!(reply.ok);
    assert_eq!(reply.provider, "sqlite");
    galaxy.last_deploy_time().await.unwrap();
    galaxy.discover_page(50, "").await.unwrap();
    let at = Timestamp::from_parts(1_795_304_836, 854_000_000);
    drop(galaxy.watch_deploy_events(Some(at)).await.unwrap());
    drop(galaxy.watch_deploy_events(None).await.unwrap());
    let model = "[galaxy]\nname = \"x\"\n";
    galaxy.deploy_simulated_galaxy(model).await.unwrap();

    let calls = server.galaxy.calls();
    let methods: Vec<_> = calls.iter().map(|c| c.method).collect();
    assert_eq!(
        methods,
        [
            "TestConnection",
            "GetLastDeployTime",
            "DiscoverHierarchy",
            "WatchDeployEvents",
            "WatchDeployEvents",
            "DeploySimulatedGalaxy"
        ]
    );
    for call in &calls {
        assert_eq!(
            call.authorization.as_deref(),
            Some(format!("Bearer {KEY}").as_str()),
            "{}",
            call.method
        );
    }
    match &calls[2].message {
        GalaxyMessage::Discover(r) => {
            assert_eq!((r.page_size, r.page_token.as_str()), (50, ""));
        }
        other => panic!("{other:?}"),
    }
    match &calls[3].message {
        GalaxyMessage::Watch(r) => assert_eq!(r.last_seen_deploy_time, Some(doc_deploy_time())),
        other => panic!("{other:?}"),
    }
    match &calls[4].message {
        GalaxyMessage::Watch(r) => assert_eq!(r.last_seen_deploy_time, None),
        other => panic!("{other:?}"),
    }
    match &calls[5].message {
        GalaxyMessage::Deploy(r) => assert_eq!(r.model_toml, model),
        other => panic!("{other:?}"),
    }
    // The gateway client's channel carries the galaxy service too.
    assert!(server.state.calls().is_empty());
}

#[tokio::test]
async fn a_gateway_client_shares_its_channel_and_key() {
    let server = FakeServer::start(State::new()).await;
    let client = GatewayClient::connect(options(&server)).await.unwrap();
    let galaxy = client.galaxy();
    assert_eq!(galaxy.timeout(), client.timeout());
    assert!(galaxy.test_connection().await.unwrap().ok);
    assert_eq!(
        server.galaxy.calls()[0].authorization.as_deref(),
        Some(format!("Bearer {KEY}").as_str())
    );
    // Debug shows where, never the key.
    let text = format!("{galaxy:?}");
    assert!(text.contains("GalaxyRepositoryClient"), "{text}");
    assert!(!text.contains(KEY_SECRET), "{text}");
}

#[tokio::test]
async fn options_are_validated_as_for_the_gateway_client() {
    // TLS is the default: an http:// endpoint without plaintext is refused.
    let e =
        GalaxyRepositoryClient::connect_lazy(ClientOptions::new("http://127.0.0.1:1")).unwrap_err();
    assert!(matches!(e, Error::Config { .. }), "{e}");
    let e = GalaxyRepositoryClient::connect_lazy(
        ClientOptions::new("127.0.0.1:1")
            .with_tls(TlsOptions::plaintext())
            .with_api_key("mxgw_a_bad\nsecret"),
    )
    .unwrap_err();
    assert!(matches!(e, Error::Config { .. }), "{e}");
    assert!(!e.to_string().contains("secret"), "{e}");
    // And TLS against a plaintext server fails instead of downgrading.
    let server = FakeServer::start(State::new()).await;
    let e =
        GalaxyRepositoryClient::connect(ClientOptions::new(server.endpoint()).with_api_key(KEY))
            .await
            .unwrap_err();
    assert!(matches!(e, Error::Transport { .. }), "{e}");
    assert!(server.galaxy.calls().is_empty());
}

#[tokio::test]
async fn a_failed_test_is_a_reply_and_its_message_is_scrubbed() {
    let server = FakeServer::start(State::new()).await;
    *server.galaxy.test_connection.lock().unwrap() = v1::TestConnectionReply {
        ok: false,
        message: format!("login failed for Bearer {KEY}"),
        provider: "sqlserver".into(),
    };
    let reply = connect(&server).await.test_connection().await.unwrap();
    assert!(!reply.ok);
    assert_eq!(reply.provider, "sqlserver");
    assert_eq!(reply.message, "login failed for Bearer <redacted>");
}

// === last deploy time ===

#[tokio::test]
async fn the_last_deploy_time_is_none_when_absent() {
    let server = FakeServer::start(State::new()).await;
    let galaxy = connect(&server).await;
    assert_eq!(
        galaxy.last_deploy_time().await.unwrap(),
        Some(Timestamp::from_parts(1_795_304_836, 854_000_000))
    );

    *server.galaxy.last_deploy.lock().unwrap() = v1::GetLastDeployTimeReply {
        present: false,
        time_of_last_deploy: None,
    };
    assert_eq!(galaxy.last_deploy_time().await.unwrap(), None);
    // `present` decides, not a stray time.
    *server.galaxy.last_deploy.lock().unwrap() = v1::GetLastDeployTimeReply {
        present: false,
        time_of_last_deploy: Some(doc_deploy_time()),
    };
    assert_eq!(galaxy.last_deploy_time().await.unwrap(), None);
    let raw = galaxy.last_deploy_time_raw().await.unwrap();
    assert!(!raw.present);

    // Present without a time breaks the protocol.
    *server.galaxy.last_deploy.lock().unwrap() = v1::GetLastDeployTimeReply {
        present: true,
        time_of_last_deploy: None,
    };
    let e = galaxy.last_deploy_time().await.unwrap_err();
    assert_eq!(e.kind(), "command", "{e}");
    assert_eq!((e.code(), e.reply()), (None, None));
}

// === paging ===

#[tokio::test]
async fn the_hierarchy_follows_the_page_tokens_one_page_at_a_time() {
    let server = FakeServer::start(State::new()).await;
    server
        .galaxy
        .set_hierarchy((1..=5).map(galaxy_object).collect(), 2);
    let galaxy = connect(&server).await;

    let mut hierarchy = galaxy.hierarchy(2);
    // Nothing is sent before the first poll.
    assert!(server.galaxy.calls().is_empty());
    assert_eq!((hierarchy.total_objects(), hierarchy.pages()), (None, 0));

    let mut seen = Vec::new();
    // (objects taken, requests the gateway has seen by then)
    let expected_requests = [1, 1, 2, 2, 3];
    while let Some(object) = hierarchy.next().await {
        seen.push(object.unwrap().gobject_id);
        assert!(hierarchy.held_objects() <= 1, "at most one page is held");
        assert_eq!(
            server.galaxy.discovers().len(),
            expected_requests[seen.len() - 1],
            "after {} objects",
            seen.len()
        );
    }
    assert_eq!(seen, [1, 2, 3, 4, 5]);
    assert_eq!((hierarchy.total_objects(), hierarchy.pages()), (Some(5), 3));
    // Every request asked for the same page size and passed the previous
    // reply's token back.
    assert_eq!(tokens(&server), ["", "page-1", "page-2"]);
    assert!(server.galaxy.discovers().iter().all(|r| r.page_size == 2));
    // The stream stays ended.
    assert!(hierarchy.next().await.is_none());
    assert_eq!(server.galaxy.discovers().len(), 3);

    // discover_hierarchy collects the same.
    let all = galaxy.discover_hierarchy(2).await.unwrap();
    assert_eq!(ids(&all), [1, 2, 3, 4, 5]);
}

#[tokio::test]
async fn a_consumer_that_stops_early_fetches_no_more_pages() {
    let server = FakeServer::start(State::new()).await;
    server
        .galaxy
        .set_hierarchy((1..=6).map(galaxy_object).collect(), 3);
    let galaxy = connect(&server).await;
    let first: Vec<_> = galaxy.hierarchy(3).take(3).collect().await;
    assert_eq!(first.len(), 3);
    assert_eq!(tokens(&server), [""]);
}

#[tokio::test]
async fn empty_pages_are_followed_and_an_empty_hierarchy_ends() {
    let server = FakeServer::start(State::new()).await;
    server.galaxy.set_page("", vec![], "a");
    server.galaxy.set_page("a", vec![galaxy_object(1)], "b");
    server.galaxy.set_page("b", vec![], "");
    let galaxy = connect(&server).await;
    assert_eq!(ids(&galaxy.discover_hierarchy(0).await.unwrap()), [1]);
    assert_eq!(tokens(&server), ["", "a", "b"]);
    assert!(server.galaxy.discovers().iter().all(|r| r.page_size == 0));

    server.galaxy.set_hierarchy(vec![], 10);
    assert!(galaxy.discover_hierarchy(0).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_repeated_page_token_is_an_error_not_a_loop() {
    let server = FakeServer::start(State::new()).await;
    // "" -> t1 -> t2 -> t1 again: following it would loop forever.
    server.galaxy.set_page("", vec![galaxy_object(1)], "t1");
    server.galaxy.set_page("t1", vec![galaxy_object(2)], "t2");
    server.galaxy.set_page("t2", vec![galaxy_object(3)], "t1");
    let galaxy = connect(&server).await;

    let mut hierarchy = galaxy.hierarchy(1);
    let mut seen = Vec::new();
    let error = loop {
        match hierarchy.next().await {
            Some(Ok(object)) => seen.push(object.gobject_id),
            Some(Err(e)) => break e,
            None => panic!("the browse ended without an error"),
        }
    };
    // The error comes before the objects of the page that carried the
    // repeated token, and the token is not followed.
    assert_eq!(seen, [1, 2]);
    assert!(matches!(error, Error::Command { .. }), "{error:?}");
    assert_eq!(error.kind(), "command");
    assert_eq!((error.code(), error.reply()), (None, None));
    assert!(error.to_string().contains("repeated"), "{error}");
    assert!(error.to_string().contains("t1"), "{error}");
    assert!(hierarchy.next().await.is_none(), "an error ends the stream");
    assert_eq!(tokens(&server), ["", "t1", "t2"]);

    // A token that repeats itself at once, through discover_hierarchy.
    server.galaxy.set_page("", vec![galaxy_object(1)], "same");
    server
        .galaxy
        .set_page("same", vec![galaxy_object(2)], "same");
    let e = galaxy.discover_hierarchy(1).await.unwrap_err();
    assert_eq!(e.kind(), "command", "{e}");
    assert_eq!(tokens(&server)[3..], ["", "same"]);
}

#[tokio::test]
async fn a_deploy_during_the_browse_aborts_it() {
    let server = FakeServer::start(State::new()).await;
    server
        .galaxy
        .set_hierarchy((1..=4).map(galaxy_object).collect(), 2);
    let galaxy = connect(&server).await;
    let mut hierarchy = galaxy.hierarchy(2);
    assert_eq!(hierarchy.next().await.unwrap().unwrap().gobject_id, 1);
    // A deploy: the old tokens are refused with ABORTED.
    server.galaxy.set_page("", vec![galaxy_object(9)], "");
    server.galaxy.pages.lock().unwrap().remove("page-1");
    assert_eq!(hierarchy.next().await.unwrap().unwrap().gobject_id, 2);
    let e = hierarchy.next().await.unwrap().unwrap_err();
    assert!(
        matches!(
            e,
            Error::Command {
                reply: None,
                code: Some(Code::Aborted),
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(e.kind(), "command");
    assert!(hierarchy.next().await.is_none());
    // Starting again works.
    assert_eq!(ids(&galaxy.discover_hierarchy(2).await.unwrap()), [9]);
}

// === deploy events ===

#[tokio::test]
async fn deploy_events_stream_until_dropped_and_dropping_cancels() {
    let server = FakeServer::start(State::new()).await;
    *server.galaxy.events.lock().unwrap() = vec![
        deploy_event(1, 1_795_304_836, 17),
        deploy_event(2, 1_795_305_002, 18),
    ];
    let galaxy = connect(&server).await;
    let mut events = galaxy.watch_deploy_events(None).await.unwrap();
    let first = events.next().await.unwrap().unwrap();
    assert_eq!((first.sequence, first.object_count), (1, 17));
    assert!(first.time_of_last_deploy_present);
    let second = events.next().await.unwrap().unwrap();
    assert_eq!((second.sequence, second.attribute_count), (2, 36));
    drop(events);
    wait_for_watch_cancel(&server.galaxy).await;
}

#[tokio::test]
async fn a_watch_ends_with_the_stream_or_its_error() {
    let server = FakeServer::start(State::new()).await;
    *server.galaxy.events.lock().unwrap() = vec![deploy_event(1, 1_795_304_836, 17)];
    *server.galaxy.end_watches.lock().unwrap() = true;
    let galaxy = connect(&server).await;
    let events: Vec<_> = galaxy
        .watch_deploy_events(None)
        .await
        .unwrap()
        .collect()
        .await;
    assert_eq!(events.len(), 1);
    assert!(events[0].is_ok());

    *server.galaxy.watch_error.lock().unwrap() = Some(galaxy_status(
        Code::Unavailable,
        "shutting-down",
        format!("bye {KEY}").as_str(),
    ));
    let mut events = galaxy.watch_deploy_events(None).await.unwrap();
    assert!(events.next().await.unwrap().is_ok());
    let e = events.next().await.unwrap().unwrap_err();
    assert_eq!(e.kind(), "shutting-down");
    assert!(!format!("{e} {e:?}").contains(KEY_SECRET), "{e:?}");
    assert!(events.next().await.is_none());
}

// === errors ===

#[tokio::test]
async fn gateway_errors_map_as_for_the_gateway_client() {
    let server = FakeServer::start(State::new()).await;
    let galaxy = connect(&server).await;
    let cases = [
        (
            galaxy_status(
                Code::FailedPrecondition,
                "failed-precondition",
                "the gateway browses a real repository",
            ),
            "command",
        ),
        (
            galaxy_status(Code::Aborted, "aborted", "stale token"),
            "command",
        ),
        // Without the gateway's metadata, the code decides.
        (
            tonic::Status::failed_precondition("real repository"),
            "command",
        ),
        (tonic::Status::aborted("stale"), "command"),
        (
            galaxy_status(Code::InvalidArgument, "invalid-argument", "bad model"),
            "invalid-argument",
        ),
        (
            galaxy_status(Code::PermissionDenied, "permission-denied", "needs admin"),
            "authorization",
        ),
        (
            galaxy_status(Code::Unauthenticated, "unauthenticated", "no key"),
            "authentication",
        ),
    ];
    for (status, kind) in cases {
        let code = status.code();
        server.galaxy.set_next_error(status);
        let e = galaxy.deploy_simulated_galaxy("x").await.unwrap_err();
        assert_eq!(e.kind(), kind, "{e:?}");
        assert_eq!(e.code(), Some(code), "{e:?}");
    }
    // Opening a watch fails the same way.
    server.galaxy.set_next_error(galaxy_status(
        Code::PermissionDenied,
        "permission-denied",
        "needs metadata:read",
    ));
    let e = galaxy.watch_deploy_events(None).await.unwrap_err();
    assert_eq!(e.kind(), "authorization");
}

#[tokio::test]
async fn a_wrong_key_is_an_authentication_error_without_the_key() {
    let server = FakeServer::start(State::new()).await;
    *server.galaxy.required_key.lock().unwrap() = Some("mxgw_other_key".into());
    let galaxy = connect(&server).await;
    let e = galaxy.test_connection().await.unwrap_err();
    assert!(matches!(e, Error::Authentication { .. }), "{e}");
    assert!(!format!("{e} {e:?}").contains(KEY_SECRET));
}

#[tokio::test]
async fn unary_calls_time_out_with_the_client_timeout() {
    // A listener that accepts and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let _hold = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let galaxy = GalaxyRepositoryClient::connect_lazy(
        ClientOptions::new(addr.to_string())
            .with_tls(TlsOptions::plaintext())
            .with_timeout(Duration::from_millis(300)),
    )
    .unwrap();
    let e = galaxy.last_deploy_time().await.unwrap_err();
    assert_eq!(e.kind(), "timeout", "{e}");
}

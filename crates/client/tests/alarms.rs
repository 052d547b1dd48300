//! The alarm RPCs of the client against the in-process fake: request shapes
//! (filter, reference, comment, operator, the bearer header), the feed and
//! its cancellation on drop, the query, raw and checked acknowledgement, and
//! the error mapping (`not-found`, authorization, the key scrubbed).

#![forbid(unsafe_code)]

mod support {
    pub mod fake_gateway;
}

use std::sync::atomic::Ordering;
use std::time::Duration;

use futures::StreamExt;
use mxgateway_client::{AlarmFilter, ClientOptions, Error, GatewayClient, TlsOptions};
use mxgateway_proto::v1;
use support::fake_gateway::*;
use tonic::Code;

const KEY: &str = "mxgw_alarms01_AlarmSecretValue0123456789";
const KEY_SECRET: &str = "AlarmSecretValue0123456789";

async fn connect(server: &FakeServer) -> GatewayClient {
    let options = ClientOptions::new(server.endpoint())
        .with_api_key(KEY)
        .with_tls(TlsOptions::plaintext());
    GatewayClient::connect(options).await.unwrap()
}

fn filter() -> AlarmFilter {
    AlarmFilter::new()
        .query(r"\Galaxy!TankFarm")
        .query(r"\Galaxy!Utilities!Comp*")
        .min_priority(100)
        .max_priority(600)
}

fn wire_filter() -> v1::AlarmFilter {
    v1::AlarmFilter {
        queries: vec![
            r"\Galaxy!TankFarm".into(),
            r"\Galaxy!Utilities!Comp*".into(),
        ],
        min_priority: 100,
        max_priority: 600,
    }
}

fn snapshot_events() -> Vec<v1::AlarmEvent> {
    use v1::AlarmEventKind as K;
    vec![
        alarm_event(K::Snapshot, 41, Some(doc_alarm()), 0),
        alarm_event(K::SnapshotEnd, 41, None, 1),
        alarm_event(K::Transition, 42, Some(doc_acked_alarm()), 0),
    ]
}

#[tokio::test]
async fn stream_alarms_sends_the_filter_yields_the_feed_and_cancels_on_drop() {
    let state = State::new();
    *state.alarms.events.lock().unwrap() = snapshot_events();
    let server = FakeServer::start(state.clone()).await;
    let client = connect(&server).await;

    let mut feed = client.stream_alarms(&filter()).await.unwrap();
    let mut got = Vec::new();
    for _ in 0..3 {
        let event = tokio::time::timeout(Duration::from_secs(10), feed.next())
            .await
            .expect("an event within 10 s")
            .expect("the stream is open")
            .unwrap();
        got.push(event);
    }
    assert_eq!(got, snapshot_events());
    assert_eq!(
        state.alarm_streams(),
        vec![v1::StreamAlarmsRequest {
            filter: Some(wire_filter())
        }]
    );
    let calls = state.calls();
    assert_eq!(calls[0].method, "StreamAlarms");
    assert_eq!(
        calls[0].authorization.as_deref(),
        Some(format!("Bearer {KEY}").as_str())
    );

    assert_eq!(state.alarms.streams_cancelled.load(Ordering::SeqCst), 0);
    drop(feed);
    tokio::time::timeout(Duration::from_secs(10), async {
        while state.alarms.streams_cancelled.load(Ordering::SeqCst) == 0 {
            state.alarms.stream_cancelled.notified().await;
        }
    })
    .await
    .expect("dropping the feed cancels the call at the gateway");
    server.stop().await;
}

#[tokio::test]
async fn an_empty_filter_covers_every_alarm_and_a_stream_error_ends_the_feed() {
    let state = State::new();
    *state.alarms.events.lock().unwrap() =
        vec![alarm_event(v1::AlarmEventKind::SnapshotEnd, 7, None, 0)];
    *state.alarms.stream_error.lock().unwrap() = Some(gateway_status(
        Code::Unavailable,
        "shutting-down",
        "the gateway is stopping",
    ));
    let server = FakeServer::start(state.clone()).await;
    let client = connect(&server).await;
    let mut feed = client.stream_alarms(&AlarmFilter::new()).await.unwrap();
    let first = feed.next().await.unwrap().unwrap();
    assert_eq!(first.kind, v1::AlarmEventKind::SnapshotEnd as i32);
    let e = feed.next().await.unwrap().unwrap_err();
    assert_eq!(e.kind(), "shutting-down", "{e:?}");
    assert!(feed.next().await.is_none(), "an error ends the feed");
    assert_eq!(
        state.alarm_streams()[0].filter,
        Some(v1::AlarmFilter::default())
    );
    server.stop().await;
}

#[tokio::test]
async fn query_active_alarms_collects_every_record_in_order() {
    let state = State::new();
    let second = v1::AlarmRecord {
        reference: "Compressor_001.Overload".into(),
        priority: 250,
        ..doc_alarm()
    };
    *state.alarms.active.lock().unwrap() = vec![doc_alarm(), second.clone()];
    let server = FakeServer::start(state.clone()).await;
    let client = connect(&server).await;
    let records = client.query_active_alarms(&filter()).await.unwrap();
    assert_eq!(records, vec![doc_alarm(), second]);
    assert_eq!(
        state.alarm_queries(),
        vec![v1::QueryActiveAlarmsRequest {
            filter: Some(wire_filter())
        }]
    );
    // None at all is an empty list, not an error.
    state.alarms.active.lock().unwrap().clear();
    assert!(client
        .query_active_alarms(&AlarmFilter::new())
        .await
        .unwrap()
        .is_empty());
    server.stop().await;
}

#[tokio::test]
async fn a_bad_filter_is_an_invalid_argument() {
    let state = State::new();
    let server = FakeServer::start(state.clone()).await;
    let client = connect(&server).await;
    state.set_next_error(gateway_status(
        Code::InvalidArgument,
        "invalid-argument",
        "min_priority 1000 is not within 1..=999 (0 = open)",
    ));
    let e = client
        .query_active_alarms(&AlarmFilter::new().min_priority(1000))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::InvalidArgument { .. }), "{e:?}");
    server.stop().await;
}

#[tokio::test]
async fn acknowledge_sends_reference_comment_and_operator() {
    let state = State::new();
    let server = FakeServer::start(state.clone()).await;
    let client = connect(&server).await;
    let record = client
        .acknowledge_alarm("Tank_001.Level.Hi", "seen", "supervisor")
        .await
        .unwrap();
    assert_eq!(record, doc_acked_alarm());
    assert_eq!(
        state.acknowledgements(),
        vec![v1::AcknowledgeAlarmRequest {
            reference: "Tank_001.Level.Hi".into(),
            comment: "seen".into(),
            operator: "supervisor".into(),
        }]
    );
    assert_eq!(
        state.calls()[0].authorization.as_deref(),
        Some(format!("Bearer {KEY}").as_str())
    );
    server.stop().await;
}

#[tokio::test]
async fn a_refused_acknowledgement_is_a_reply_raw_and_an_mxaccess_error_checked() {
    let state = State::new();
    let server = FakeServer::start(state.clone()).await;
    let client = connect(&server).await;
    for detail in [1015, 1014] {
        state
            .alarms
            .ack_replies
            .lock()
            .unwrap()
            .push_back(Ok(ack_refused_reply(detail)));
        let raw = client
            .acknowledge_alarm_raw("Tank_001.Level.Hi", "", "operator")
            .await
            .unwrap();
        assert_eq!(raw, ack_refused_reply(detail));

        state
            .alarms
            .ack_replies
            .lock()
            .unwrap()
            .push_back(Ok(ack_refused_reply(detail)));
        let e = client
            .acknowledge_alarm("Tank_001.Level.Hi", "", "operator")
            .await
            .unwrap_err();
        assert_eq!(e.kind(), "mxaccess");
        match &e {
            Error::AlarmAckRefused { reply, status } => {
                assert_eq!(status.detail, detail);
                assert_eq!(**reply, ack_refused_reply(detail));
            }
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(e.acknowledge_reply(), Some(&ack_refused_reply(detail)));
        assert!(e.to_string().contains(&detail.to_string()), "{e}");
    }
    server.stop().await;
}

#[tokio::test]
async fn a_reply_without_the_alarm_is_a_protocol_error_only_when_checked() {
    let state = State::new();
    let server = FakeServer::start(state.clone()).await;
    let client = connect(&server).await;
    let broken = v1::AcknowledgeAlarmReply {
        status: Some(ack_ok_status()),
        alarm: None,
    };
    let script = &state.alarms.ack_replies;
    script.lock().unwrap().push_back(Ok(broken.clone()));
    script.lock().unwrap().push_back(Ok(broken.clone()));
    assert_eq!(
        client.acknowledge_alarm_raw("A.B", "", "").await.unwrap(),
        broken
    );
    let e = client.acknowledge_alarm("A.B", "", "").await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::Command {
                reply: None,
                code: None,
                ..
            }
        ),
        "{e:?}"
    );
    server.stop().await;
}

#[tokio::test]
async fn gateway_errors_map_to_kinds_without_the_key() {
    let state = State::new();
    let server = FakeServer::start(state.clone()).await;
    let client = connect(&server).await;
    let cases = [
        (
            gateway_status(
                Code::NotFound,
                "not-found",
                "no alarm \"Nope.Hi\" in the galaxy",
            ),
            "not-found",
        ),
        (
            gateway_status(
                Code::PermissionDenied,
                "permission-denied",
                &format!("key {KEY} lacks scope alarms:ack"),
            ),
            "authorization",
        ),
        (
            gateway_status(
                Code::InvalidArgument,
                "invalid-argument",
                "comment is longer than 256 characters",
            ),
            "invalid-argument",
        ),
    ];
    for (status, kind) in cases {
        state.set_next_error(status);
        let e = client
            .acknowledge_alarm("Nope.Hi", "", "supervisor")
            .await
            .unwrap_err();
        assert_eq!(e.kind(), kind, "{e:?}");
        let text = format!("{e} {e:?}");
        assert!(!text.contains(KEY_SECRET), "{text}");
    }
    let e = {
        state.set_next_error(gateway_status(Code::NotFound, "not-found", "no alarm"));
        client
            .acknowledge_alarm_raw("Nope.Hi", "", "")
            .await
            .unwrap_err()
    };
    assert!(
        matches!(
            e,
            Error::NotFound {
                code: Code::NotFound,
                ..
            }
        ),
        "{e:?}"
    );
    // Scopes apply to the feed and the query alike.
    state.set_next_error(gateway_status(
        Code::PermissionDenied,
        "permission-denied",
        "missing scope alarms:read",
    ));
    let e = client.stream_alarms(&AlarmFilter::new()).await.unwrap_err();
    assert_eq!(e.kind(), "authorization");
    state.set_next_error(gateway_status(
        Code::PermissionDenied,
        "permission-denied",
        "missing scope alarms:read",
    ));
    let e = client
        .query_active_alarms(&AlarmFilter::new())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), "authorization");
    server.stop().await;
}

#[tokio::test]
async fn a_query_that_never_ends_times_out_under_the_unary_policy() {
    let state = State::new();
    *state.alarms.active.lock().unwrap() = vec![doc_alarm()];
    *state.alarms.hang_query.lock().unwrap() = true;
    let server = FakeServer::start(state.clone()).await;
    let mut options = ClientOptions::new(server.endpoint())
        .with_api_key(KEY)
        .with_tls(TlsOptions::plaintext());
    options.timeout = Duration::from_millis(300);
    let client = GatewayClient::connect(options).await.unwrap();
    let e = tokio::time::timeout(
        Duration::from_secs(10),
        client.query_active_alarms(&AlarmFilter::new()),
    )
    .await
    .expect("the client's timeout bounds the whole query")
    .unwrap_err();
    assert_eq!(e.kind(), "timeout", "{e:?}");
    server.stop().await;
}

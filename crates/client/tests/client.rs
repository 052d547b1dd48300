//! The client against an in-process fake gateway: metadata, request shapes,
//! error mapping, raw vs checked replies, streams, redaction and TLS.

#![forbid(unsafe_code)]

mod support {
    pub mod fake_gateway;
}

use std::sync::atomic::Ordering;
use std::time::Duration;

use futures::StreamExt;
use mxgateway_client::{check, ClientOptions, Error, GatewayClient, TlsOptions};
use mxgateway_mx::{hresult, MxValue, Timestamp};
use mxgateway_proto::v1::{self, mx_command::Command, mx_command_reply};
use support::fake_gateway::*;
use tonic::Code;

const KEY: &str = "mxgw_test01_s3cretvalue0123456789";

fn options(server: &FakeServer) -> ClientOptions {
    ClientOptions::new(server.endpoint())
        .with_api_key(KEY)
        .with_tls(TlsOptions::plaintext())
}

async fn connect(server: &FakeServer) -> GatewayClient {
    GatewayClient::connect(options(server)).await.unwrap()
}

/// Waits for the fake to see a stream cancelled, bounded so a regression
/// fails instead of hanging.
async fn wait_for_cancel(state: &State) {
    tokio::time::timeout(Duration::from_secs(10), state.stream_cancelled.notified())
        .await
        .expect("the gateway never saw the stream cancelled");
}

#[tokio::test]
async fn bearer_metadata_on_unary_and_streaming_calls() {
    let server = FakeServer::start(State::new()).await;
    let client = connect(&server).await;
    let session = client.open_session("meta").await.unwrap();
    session.register("meta").await.unwrap();
    let stream = session.stream_events().await.unwrap();
    drop(stream);
    session.close().await.unwrap();

    let calls = server.state.calls();
    let methods: Vec<_> = calls.iter().map(|c| c.method).collect();
    assert_eq!(
        methods,
        ["OpenSession", "Invoke", "StreamEvents", "CloseSession"]
    );
    for call in calls {
        assert_eq!(
            call.authorization.as_deref(),
            Some(format!("Bearer {KEY}").as_str()),
            "{}",
            call.method
        );
    }
}

#[tokio::test]
async fn no_key_means_no_authorization_header() {
    let server = FakeServer::start(State::new()).await;
    let client = GatewayClient::connect(
        ClientOptions::new(server.endpoint()).with_tls(TlsOptions::plaintext()),
    )
    .await
    .unwrap();
    client.open_session("anon").await.unwrap();
    assert_eq!(server.state.calls()[0].authorization, None);
}

#[tokio::test]
async fn every_session_method_sends_its_command() {
    let server = FakeServer::start(State::new()).await;
    let client = connect(&server).await;
    let session = client.open_session("shapes").await.unwrap();
    assert_eq!(session.id(), "sess-1");
    assert_eq!(session.open_reply().unwrap().backend, "sim");

    assert_eq!(session.register("shapes-client").await.unwrap(), 1);
    assert_eq!(session.add_item(1, "Obj.A").await.unwrap(), 2);
    assert_eq!(session.add_item2(1, "Obj.B", "ctx").await.unwrap(), 2);
    session.remove_item(1, 2).await.unwrap();
    session.advise(1, 2).await.unwrap();
    session.advise_supervisory(1, 2).await.unwrap();
    session.unadvise(1, 2).await.unwrap();
    let t = Timestamp::from_parts(1_700_000_000, 250_000_000);
    session.write(1, 2, &MxValue::Int32(42), 0).await.unwrap();
    session
        .write2(1, 2, &MxValue::Double(1.5), t, 3)
        .await
        .unwrap();
    session
        .write_secured(1, 2, 7, 8, &MxValue::Bool(true))
        .await
        .unwrap();
    session
        .write_secured2(1, 2, 7, 8, &MxValue::String("s".into()), t)
        .await
        .unwrap();
    assert_eq!(
        session
            .authenticate_user(1, "operator", "pw")
            .await
            .unwrap(),
        7
    );
    assert_eq!(
        session
            .archestra_user_to_id(1, "6f1d2a3b-0001-4c5d-8e9f-0a1b2c3d4e01")
            .await
            .unwrap(),
        7
    );
    assert_eq!(session.suspend(1, 2).await.unwrap().success, 1);
    assert_eq!(session.activate(1, 2).await.unwrap().success, 1);
    session.unregister(1).await.unwrap();

    let invokes = server.state.invokes();
    assert!(invokes.iter().all(|r| r.session_id == "sess-1"));
    assert!(invokes.iter().all(|r| r.timeout_ms == 0));
    let ts = Some(prost_types::Timestamp {
        seconds: 1_700_000_000,
        nanos: 250_000_000,
    });
    let item = v1::ItemCommand {
        server_handle: 1,
        item_handle: 2,
    };
    let expected = vec![
        Command::Register(v1::RegisterCommand {
            client_name: "shapes-client".into(),
        }),
        Command::AddItem(v1::AddItemCommand {
            server_handle: 1,
            item_definition: "Obj.A".into(),
        }),
        Command::AddItem2(v1::AddItem2Command {
            server_handle: 1,
            item_definition: "Obj.B".into(),
            item_context: "ctx".into(),
        }),
        Command::RemoveItem(item),
        Command::Advise(item),
        Command::AdviseSupervisory(item),
        Command::Unadvise(item),
        Command::Write(v1::WriteCommand {
            server_handle: 1,
            item_handle: 2,
            value: Some(int_value(42)),
            user_id: 0,
        }),
        Command::Write2(v1::Write2Command {
            server_handle: 1,
            item_handle: 2,
            value: Some(v1::MxValue {
                data_type: v1::MxDataType::Double as i32,
                variant_type: 5,
                kind: Some(v1::mx_value::Kind::DoubleValue(1.5)),
            }),
            timestamp: ts,
            user_id: 3,
        }),
        Command::WriteSecured(v1::WriteSecuredCommand {
            server_handle: 1,
            item_handle: 2,
            current_user_id: 7,
            verifier_user_id: 8,
            value: Some(v1::MxValue {
                data_type: v1::MxDataType::Boolean as i32,
                variant_type: 11,
                kind: Some(v1::mx_value::Kind::BoolValue(true)),
            }),
        }),
        Command::WriteSecured2(v1::WriteSecured2Command {
            server_handle: 1,
            item_handle: 2,
            current_user_id: 7,
            verifier_user_id: 8,
            value: Some(v1::MxValue {
                data_type: v1::MxDataType::String as i32,
                variant_type: 8,
                kind: Some(v1::mx_value::Kind::StringValue("s".into())),
            }),
            timestamp: ts,
        }),
        Command::AuthenticateUser(v1::AuthenticateUserCommand {
            server_handle: 1,
            user_name: "operator".into(),
            password: "pw".into(),
        }),
        Command::ArchestraUserToId(v1::ArchestraUserToIdCommand {
            server_handle: 1,
            user_guid: "6f1d2a3b-0001-4c5d-8e9f-0a1b2c3d4e01".into(),
        }),
        Command::Suspend(item),
        Command::Activate(item),
        Command::Unregister(v1::UnregisterCommand { server_handle: 1 }),
    ];
    assert_eq!(server.state.commands(), expected);
}

#[tokio::test]
async fn command_timeout_travels_in_the_request() {
    let server = FakeServer::start(State::new()).await;
    let client = connect(&server).await;
    let session = client
        .session("sess-9")
        .with_command_timeout(Duration::from_millis(1500));
    session.advise(1, 2).await.unwrap();
    let invokes = server.state.invokes();
    assert_eq!(invokes[0].session_id, "sess-9");
    assert_eq!(invokes[0].timeout_ms, 1500);
}

#[tokio::test]
async fn gateway_errors_map_by_metadata_kind_over_the_wire() {
    let server = FakeServer::start(State::new()).await;
    let client = connect(&server).await;
    let session = client.session("sess-x");
    let cases = [
        (Code::Unauthenticated, "unauthenticated", "authentication"),
        (Code::PermissionDenied, "permission-denied", "authorization"),
        (Code::NotFound, "session-not-found", "session"),
        (
            Code::ResourceExhausted,
            "session-limit",
            "resource-exhausted",
        ),
        (Code::Unavailable, "worker-unavailable", "worker"),
        (
            Code::InvalidArgument,
            "invalid-argument",
            "invalid-argument",
        ),
        (Code::DeadlineExceeded, "deadline-exceeded", "timeout"),
        (
            Code::ResourceExhausted,
            "resource-exhausted",
            "resource-exhausted",
        ),
        (Code::Internal, "internal", "internal"),
        (Code::Unavailable, "shutting-down", "shutting-down"),
    ];
    for (code, kind, expected) in cases {
        server
            .state
            .set_next_error(gateway_status(code, kind, "worker exited with status 3"));
        let e = session.advise(1, 2).await.unwrap_err();
        assert_eq!(e.kind(), expected, "{kind}: {e}");
        assert_eq!(e.code(), Some(code));
        assert!(e.to_string().contains("worker exited with status 3"), "{e}");
    }
}

#[tokio::test]
async fn gateway_errors_map_by_code_without_metadata() {
    let server = FakeServer::start(State::new()).await;
    let client = connect(&server).await;
    let cases = [
        (Code::Unauthenticated, "authentication"),
        (Code::PermissionDenied, "authorization"),
        (Code::NotFound, "session"),
        (Code::InvalidArgument, "invalid-argument"),
        (Code::DeadlineExceeded, "timeout"),
        (Code::ResourceExhausted, "resource-exhausted"),
        (Code::Unavailable, "transport"),
        (Code::Internal, "internal"),
    ];
    for (code, expected) in cases {
        server
            .state
            .set_next_error(tonic::Status::new(code, "plain status"));
        let e = client.open_session("x").await.unwrap_err();
        assert_eq!(e.kind(), expected, "{code:?}: {e}");
    }
}

#[tokio::test]
async fn worker_error_carries_the_gateway_text() {
    let server = FakeServer::start(State::new()).await;
    let client = connect(&server).await;
    server.state.set_next_error(gateway_status(
        Code::Unavailable,
        "worker-unavailable",
        "worker for session sess-1 exited: exit status: 101",
    ));
    match client.session("sess-1").register("x").await.unwrap_err() {
        Error::Worker { code, message } => {
            assert_eq!(code, Code::Unavailable);
            assert!(message.contains("exit status: 101"), "{message}");
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn raw_returns_mxaccess_failures_and_checked_raises_them() {
    let server = FakeServer::start(State::new()).await;
    let client = connect(&server).await;
    let session = client.session("sess-1");
    let failing = v1::MxCommandReply {
        protocol_status: v1::ProtocolStatus::Ok as i32,
        hresult: hresult::E_INVALIDARG,
        message: "unknown item handle".into(),
        ..Default::default()
    };
    let command = || {
        Command::Advise(v1::ItemCommand {
            server_handle: 1,
            item_handle: 99,
        })
    };

    server.state.push_reply(Ok(failing.clone()));
    let reply = session.invoke_raw(command()).await.unwrap();
    assert_eq!(reply, failing);

    server.state.push_reply(Ok(failing.clone()));
    match session.invoke(command()).await.unwrap_err() {
        Error::MxAccess {
            reply,
            hresult: h,
            status,
        } => {
            assert_eq!(h, hresult::E_INVALIDARG);
            assert_eq!(*reply, failing);
            assert_eq!(status, None);
        }
        other => panic!("unexpected {other:?}"),
    }

    // The typed helpers are checked too.
    server.state.push_reply(Ok(failing.clone()));
    let e = session.advise(1, 99).await.unwrap_err();
    assert_eq!(e.kind(), "mxaccess");
    assert_eq!(e.reply(), Some(&failing));

    // A raw call also hands back a failed status.
    let status_failure = check_status_failure();
    server.state.push_reply(Ok(status_failure.clone()));
    assert_eq!(
        client
            .invoke_raw(v1::MxCommandRequest {
                session_id: "sess-1".into(),
                timeout_ms: 0,
                command: Some(v1::MxCommand {
                    command: Some(command())
                }),
            })
            .await
            .unwrap(),
        status_failure
    );
    server.state.push_reply(Ok(status_failure.clone()));
    match session
        .write(1, 2, &MxValue::Int32(1), 0)
        .await
        .unwrap_err()
    {
        Error::MxAccess { status, .. } => {
            assert_eq!(status, Some(status_failure.statuses[0]));
        }
        other => panic!("unexpected {other:?}"),
    }
}

fn check_status_failure() -> v1::MxCommandReply {
    v1::MxCommandReply {
        protocol_status: v1::ProtocolStatus::Ok as i32,
        statuses: vec![v1::MxStatus {
            success: 0,
            category: v1::MxStatusCategory::SecurityError as i32,
            detected_by: v1::MxStatusSource::RespondingAutomationObject as i32,
            detail: 1012,
            raw_category: 6,
            raw_detected_by: 5,
        }],
        ..Default::default()
    }
}

#[tokio::test]
async fn protocol_failures_raise_even_on_raw_calls() {
    let server = FakeServer::start(State::new()).await;
    let client = connect(&server).await;
    let session = client.session("sess-1");
    let reply = v1::MxCommandReply {
        protocol_status: v1::ProtocolStatus::InvalidRequest as i32,
        message: "no command set".into(),
        ..Default::default()
    };
    server.state.push_reply(Ok(reply.clone()));
    let e = session
        .invoke_raw(Command::Unregister(v1::UnregisterCommand {
            server_handle: 1,
        }))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Command { .. }), "{e}");
    assert_eq!(e.reply(), Some(&reply));
    assert!(e.to_string().contains("no command set"), "{e}");
}

#[tokio::test]
async fn unpopulated_statuses_do_not_raise() {
    let server = FakeServer::start(State::new()).await;
    let client = connect(&server).await;
    let session = client.session("sess-1");
    let mut reply = ok_reply(Some(mx_command_reply::Result::ServerHandle(5)));
    reply.statuses = vec![
        v1::MxStatus::default(),
        v1::MxStatus {
            success: 0,
            category: v1::MxStatusCategory::Unknown as i32,
            ..Default::default()
        },
        v1::MxStatus {
            success: 0,
            category: v1::MxStatusCategory::Ok as i32,
            ..Default::default()
        },
    ];
    server.state.push_reply(Ok(reply));
    assert_eq!(session.register("x").await.unwrap(), 5);
    assert!(!check::status_is_failure(&v1::MxStatus::default()));
}

#[tokio::test]
async fn a_successful_reply_without_its_result_is_a_command_error() {
    let server = FakeServer::start(State::new()).await;
    let client = connect(&server).await;
    server.state.push_reply(Ok(ok_reply(None)));
    let e = client.session("sess-1").register("x").await.unwrap_err();
    assert!(matches!(e, Error::Command { .. }), "{e}");
}

#[tokio::test]
async fn non_finite_values_are_rejected_before_sending() {
    let server = FakeServer::start(State::new()).await;
    let client = connect(&server).await;
    let session = client.session("sess-1");
    for value in [
        MxValue::Double(f64::NAN),
        MxValue::Float(f32::INFINITY),
        MxValue::DoubleArray(vec![0.0, f64::NEG_INFINITY]),
    ] {
        let e = session.write(1, 2, &value, 0).await.unwrap_err();
        assert!(matches!(e, Error::InvalidValue { .. }), "{e}");
    }
    assert!(server.state.invokes().is_empty());
}

#[tokio::test]
async fn events_are_flattened_in_order_and_dropping_cancels() {
    let server = FakeServer::start(State::new()).await;
    server.state.set_batches(vec![
        v1::StreamEventsReply {
            events: vec![data_change(1, int_value(10)), data_change(2, int_value(11))],
            conflated_since_last: 0,
            conflated_total: 0,
        },
        v1::StreamEventsReply::default(),
        v1::StreamEventsReply {
            events: vec![data_change(5, int_value(12))],
            conflated_since_last: 2,
            conflated_total: 2,
        },
    ]);
    let client = connect(&server).await;
    let session = client.session("sess-1");
    let mut events = session.stream_events().await.unwrap();
    let mut seqs = Vec::new();
    for _ in 0..3 {
        seqs.push(events.next().await.unwrap().unwrap().worker_sequence);
    }
    assert_eq!(seqs, [1, 2, 5]);
    assert_eq!(events.conflated_total(), 2);
    assert_eq!(events.conflated_since_start(), 2);
    assert_eq!(server.state.streams_cancelled.load(Ordering::SeqCst), 0);
    drop(events);
    wait_for_cancel(&server.state).await;
    assert_eq!(server.state.streams_cancelled.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn batches_are_available_raw_and_cancelling_a_task_cancels_the_call() {
    let server = FakeServer::start(State::new()).await;
    server.state.set_batches(vec![v1::StreamEventsReply {
        events: vec![data_change(1, int_value(1))],
        conflated_since_last: 0,
        conflated_total: 7,
    }]);
    let client = connect(&server).await;
    let mut batches = client.stream_events_raw("sess-1").await.unwrap();
    let first = batches.next().await.unwrap().unwrap();
    assert_eq!(first.events.len(), 1);
    assert_eq!(first.conflated_total, 7);
    drop(batches);
    wait_for_cancel(&server.state).await;

    // A task waiting on a stream, aborted: the call goes with it.
    let session = client.session("sess-1");
    let task = tokio::spawn(async move {
        let mut events = session.stream_events().await.unwrap();
        while events.next().await.is_some() {}
    });
    while server
        .state
        .calls()
        .iter()
        .filter(|c| c.method == "StreamEvents")
        .count()
        < 2
    {
        tokio::task::yield_now().await;
    }
    task.abort();
    let _ = task.await;
    wait_for_cancel(&server.state).await;
    assert_eq!(server.state.streams_cancelled.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn stream_errors_map_like_unary_errors() {
    let server = FakeServer::start(State::new()).await;
    server.state.set_next_error(gateway_status(
        Code::NotFound,
        "session-not-found",
        "no session sess-404",
    ));
    let client = connect(&server).await;
    let e = client
        .session("sess-404")
        .stream_events()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Session { .. }), "{e}");
}

#[tokio::test]
async fn a_finished_stream_ends_cleanly() {
    let server = FakeServer::start(State::new()).await;
    *server.state.end_streams.lock().unwrap() = true;
    server.state.set_batches(vec![v1::StreamEventsReply {
        events: vec![data_change(1, int_value(1))],
        ..Default::default()
    }]);
    let client = connect(&server).await;
    let events: Vec<_> = client
        .session("sess-1")
        .stream_events()
        .await
        .unwrap()
        .collect()
        .await;
    assert_eq!(events.len(), 1);
    assert!(events[0].is_ok());
}

#[tokio::test]
async fn close_is_idempotent_under_concurrent_calls() {
    let server = FakeServer::start(State::new()).await;
    let client = connect(&server).await;
    let session = client.open_session("closer").await.unwrap();
    let other = session.clone();
    let (a, b, c) = tokio::join!(session.close(), other.close(), session.close());
    a.unwrap();
    b.unwrap();
    c.unwrap();
    session.close().await.unwrap();
    assert_eq!(server.state.close_calls.load(Ordering::SeqCst), 1);
    assert!(other.is_closed());
    // A closed session refuses commands locally.
    let before = server.state.calls().len();
    let e = session.register("late").await.unwrap_err();
    assert!(matches!(e, Error::Session { .. }), "{e}");
    assert!(session.stream_events().await.is_err());
    assert_eq!(server.state.calls().len(), before);
}

#[tokio::test]
async fn the_key_never_appears_in_errors() {
    let server = FakeServer::start(State::new()).await;
    *server.state.required_key.lock().unwrap() = Some("mxgw_right_key000000000".into());
    *server.state.echo_bad_key.lock().unwrap() = true;
    let client = connect(&server).await;
    let e = client.open_session("x").await.unwrap_err();
    assert!(matches!(e, Error::Authentication { .. }), "{e}");
    let text = format!("{e} | {e:?} | {client:?} | {:?}", options(&server));
    assert!(!text.contains(KEY), "{text}");
    assert!(!text.contains("s3cretvalue0123456789"), "{text}");
    assert!(text.contains("<redacted>"), "{text}");

    let e = client.session("sess-1").stream_events().await.unwrap_err();
    assert!(!format!("{e} {e:?}").contains(KEY));
}

#[tokio::test]
async fn a_key_that_cannot_be_a_header_is_rejected_without_echo() {
    let e = GatewayClient::connect_lazy(
        ClientOptions::new("127.0.0.1:1")
            .with_tls(TlsOptions::plaintext())
            .with_api_key("mxgw_a_bad\nsecret"),
    )
    .unwrap_err();
    assert!(matches!(e, Error::Config { .. }), "{e}");
    assert!(!e.to_string().contains("secret"), "{e}");
}

#[tokio::test]
async fn unary_calls_time_out_with_the_client_timeout() {
    let server = FakeServer::start(State::new()).await;
    *server.state.hang_invoke.lock().unwrap() = true;
    let client = GatewayClient::connect(options(&server).with_timeout(Duration::from_millis(300)))
        .await
        .unwrap();
    let e = client.session("sess-1").advise(1, 2).await.unwrap_err();
    assert!(matches!(e, Error::Timeout { .. }), "{e}");
}

#[tokio::test]
async fn connection_refused_is_a_transport_error() {
    // Bind then drop a listener to get a port nobody listens on.
    let port = {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        l.local_addr().unwrap().port()
    };
    let e = GatewayClient::connect(
        ClientOptions::new(format!("127.0.0.1:{port}"))
            .with_tls(TlsOptions::plaintext())
            .with_api_key(KEY),
    )
    .await
    .unwrap_err();
    assert!(matches!(e, Error::Transport { .. }), "{e}");
    assert!(!e.to_string().contains(KEY));
}

// === TLS ===

struct Pki {
    ca_pem: String,
    cert_pem: String,
    key_pem: String,
}

/// A CA and a server certificate for `localhost`, minted per test.
fn pki() -> Pki {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["localhost".to_string()])
        .unwrap()
        .signed_by(&key, &ca)
        .unwrap();
    Pki {
        ca_pem: ca.pem(),
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
    }
}

fn tls_options(server: &FakeServer, ca_file: &std::path::Path) -> ClientOptions {
    let mut tls = TlsOptions::tls();
    tls.ca_file = Some(ca_file.to_path_buf());
    // We dial 127.0.0.1 but the certificate names localhost.
    tls.server_name_override = Some("localhost".into());
    ClientOptions::new(server.endpoint())
        .with_api_key(KEY)
        .with_tls(tls)
}

#[tokio::test]
async fn tls_handshake_with_a_custom_ca_and_name_override() {
    let pki = pki();
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, &pki.ca_pem).unwrap();
    let server = FakeServer::start_tls(State::new(), &pki.cert_pem, &pki.key_pem).await;

    let client = GatewayClient::connect(tls_options(&server, &ca_file))
        .await
        .unwrap();
    let session = client.open_session("tls").await.unwrap();
    session.register("tls").await.unwrap();
    assert_eq!(
        server.state.calls()[0].authorization.as_deref(),
        Some(format!("Bearer {KEY}").as_str())
    );

    // Plaintext against a TLS server fails; it never silently succeeds.
    let plain = GatewayClient::connect(options(&server)).await;
    let failed = match plain {
        Err(e) => e,
        Ok(c) => c.open_session("plain").await.unwrap_err(),
    };
    assert!(
        matches!(failed, Error::Transport { .. } | Error::Internal { .. }),
        "{failed}"
    );
}

#[tokio::test]
async fn tls_rejects_a_certificate_from_an_unknown_ca() {
    let server_pki = pki();
    let other = pki();
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("other-ca.pem");
    std::fs::write(&ca_file, &other.ca_pem).unwrap();
    let server =
        FakeServer::start_tls(State::new(), &server_pki.cert_pem, &server_pki.key_pem).await;
    let e = GatewayClient::connect(tls_options(&server, &ca_file))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Transport { .. }), "{e}");
    assert!(server.state.calls().is_empty());
}

#[tokio::test]
async fn tls_client_cannot_talk_to_a_plaintext_server() {
    // TLS is the default, also for loopback: no silent downgrade.
    let server = FakeServer::start(State::new()).await;
    let options = ClientOptions::new(server.endpoint()).with_api_key(KEY);
    let e = GatewayClient::connect(options).await.unwrap_err();
    assert!(matches!(e, Error::Transport { .. }), "{e}");
    assert!(server.state.calls().is_empty());
}

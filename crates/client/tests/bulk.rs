//! The bulk command family against the in-process fake gateway: request
//! shapes, the local size checks, reply validation, and per-entry failures
//! that pass through while call-level failures raise.

#![forbid(unsafe_code)]

mod support {
    pub mod fake_gateway;
}

use mxgateway_client::{
    ClientOptions, Error, GatewayClient, Session, TlsOptions, Write2Entry, WriteEntry,
    WriteSecured2Entry, WriteSecuredEntry,
};
use mxgateway_mx::{hresult, MxValue, Timestamp};
use mxgateway_proto::v1::{self, mx_command::Command, mx_command_reply::Result as R};
use support::fake_gateway::*;
use tonic::Code;

const KEY: &str = "mxgw_bulk01_BulkSecretValue0123456789";
const KEY_SECRET: &str = "BulkSecretValue0123456789";
const E_ACCESSDENIED: i32 = 0x8007_0005_u32 as i32;

async fn connect(server: &FakeServer) -> GatewayClient {
    GatewayClient::connect(
        ClientOptions::new(server.endpoint())
            .with_api_key(KEY)
            .with_tls(TlsOptions::plaintext()),
    )
    .await
    .unwrap()
}

/// A session opened through the fake, so it knows the advertised limit.
async fn opened(server: &FakeServer) -> Session {
    connect(server).await.open_session("bulk").await.unwrap()
}

fn t() -> Timestamp {
    Timestamp::from_parts(1_700_000_000, 250_000_000)
}

fn ts() -> Option<prost_types::Timestamp> {
    Some(prost_types::Timestamp {
        seconds: 1_700_000_000,
        nanos: 250_000_000,
    })
}

fn double_value(v: f64) -> v1::MxValue {
    v1::MxValue {
        data_type: v1::MxDataType::Double as i32,
        variant_type: 5,
        kind: Some(v1::mx_value::Kind::DoubleValue(v)),
    }
}

fn failed_security_status() -> v1::MxStatus {
    v1::MxStatus {
        success: 0,
        category: v1::MxStatusCategory::SecurityError as i32,
        detected_by: v1::MxStatusSource::RequestingLmx as i32,
        detail: 1006,
        raw_category: 6,
        raw_detected_by: 0,
    }
}

/// Calls each of the eleven typed methods with `n` entries and returns the
/// number of results each produced (or its error).
async fn call_every_arm(session: &Session, n: usize) -> Vec<Result<usize, Error>> {
    let refs: Vec<String> = (0..n).map(|i| format!("Obj.Attr{i}")).collect();
    let handles: Vec<i32> = (0..n).map(|i| i as i32 + 2).collect();
    let writes: Vec<WriteEntry> = handles
        .iter()
        .map(|&h| WriteEntry::new(h, MxValue::Int32(h)))
        .collect();
    let writes2: Vec<Write2Entry> = handles
        .iter()
        .map(|&h| Write2Entry::new(h, MxValue::Int32(h), t()))
        .collect();
    let secured: Vec<WriteSecuredEntry> = handles
        .iter()
        .map(|&h| WriteSecuredEntry::new(h, 7, MxValue::Int32(h)))
        .collect();
    let secured2: Vec<WriteSecured2Entry> = handles
        .iter()
        .map(|&h| WriteSecured2Entry::new(h, 7, MxValue::Int32(h), t()))
        .collect();
    vec![
        session.add_item_bulk(1, &refs).await.map(|r| r.len()),
        session.subscribe_bulk(1, &refs).await.map(|r| r.len()),
        session.advise_item_bulk(1, &handles).await.map(|r| r.len()),
        session
            .unadvise_item_bulk(1, &handles)
            .await
            .map(|r| r.len()),
        session.remove_item_bulk(1, &handles).await.map(|r| r.len()),
        session.unsubscribe_bulk(1, &handles).await.map(|r| r.len()),
        session.write_bulk(1, &writes).await.map(|r| r.len()),
        session.write2_bulk(1, &writes2).await.map(|r| r.len()),
        session
            .write_secured_bulk(1, &secured)
            .await
            .map(|r| r.len()),
        session
            .write_secured2_bulk(1, &secured2)
            .await
            .map(|r| r.len()),
        session.read_bulk(1, &refs, 0).await.map(|r| r.len()),
    ]
}

// === request shapes ===

#[tokio::test]
async fn every_bulk_method_sends_its_command() {
    let server = FakeServer::start(State::new()).await;
    let session = opened(&server).await;

    let added = session.add_item_bulk(1, ["Obj.A", "Obj.B"]).await.unwrap();
    assert_eq!(
        added,
        vec![subscribe_ok("Obj.A", 2), subscribe_ok("Obj.B", 3)]
    );
    let subscribed = session
        .subscribe_bulk(1, vec!["Obj.A".to_string(), "Obj.B".to_string()])
        .await
        .unwrap();
    assert_eq!(subscribed.len(), 2);
    assert_eq!(
        session.advise_item_bulk(1, [2, 3]).await.unwrap(),
        vec![subscribe_ok("", 2), subscribe_ok("", 3)]
    );
    let handles = vec![2, 3];
    session.unadvise_item_bulk(1, &handles).await.unwrap();
    session.remove_item_bulk(1, handles.iter()).await.unwrap();
    session.unsubscribe_bulk(1, [4]).await.unwrap();
    let written = session
        .write_bulk(
            1,
            [
                WriteEntry::new(2, MxValue::Int32(5)),
                WriteEntry::new(3, MxValue::Int32(-7)).with_user_id(100),
            ],
        )
        .await
        .unwrap();
    assert_eq!(written, vec![write_ok(2), write_ok(3)]);
    session
        .write2_bulk(
            1,
            &[Write2Entry::new(2, MxValue::Double(1.5), t()).with_user_id(4)],
        )
        .await
        .unwrap();
    session
        .write_secured_bulk(
            1,
            vec![WriteSecuredEntry::new(2, 7, MxValue::Bool(true)).with_verifier(8)],
        )
        .await
        .unwrap();
    session
        .write_secured2_bulk(
            1,
            [WriteSecured2Entry::new(
                2,
                7,
                MxValue::String("s".into()),
                t(),
            )],
        )
        .await
        .unwrap();
    let read = session
        .read_bulk(1, ["Obj.A".to_string()].iter(), 2500)
        .await
        .unwrap();
    assert_eq!(read, vec![read_ok("Obj.A")]);

    let invokes = server.state.invokes();
    assert!(invokes.iter().all(|r| r.session_id == "sess-1"));
    let definitions = |defs: &[&str]| v1::ItemDefinitionsBulkCommand {
        server_handle: 1,
        item_definitions: defs.iter().map(|d| d.to_string()).collect(),
    };
    let handles = |hs: &[i32]| v1::ItemHandlesBulkCommand {
        server_handle: 1,
        item_handles: hs.to_vec(),
    };
    let expected = vec![
        Command::AddItemBulk(definitions(&["Obj.A", "Obj.B"])),
        Command::SubscribeBulk(definitions(&["Obj.A", "Obj.B"])),
        Command::AdviseItemBulk(handles(&[2, 3])),
        Command::UnadviseItemBulk(handles(&[2, 3])),
        Command::RemoveItemBulk(handles(&[2, 3])),
        Command::UnsubscribeBulk(handles(&[4])),
        Command::WriteBulk(v1::WriteBulkCommand {
            server_handle: 1,
            entries: vec![
                v1::WriteBulkEntry {
                    item_handle: 2,
                    value: Some(int_value(5)),
                    user_id: 0,
                },
                v1::WriteBulkEntry {
                    item_handle: 3,
                    value: Some(int_value(-7)),
                    user_id: 100,
                },
            ],
        }),
        Command::Write2Bulk(v1::Write2BulkCommand {
            server_handle: 1,
            entries: vec![v1::Write2BulkEntry {
                item_handle: 2,
                value: Some(double_value(1.5)),
                timestamp: ts(),
                user_id: 4,
            }],
        }),
        Command::WriteSecuredBulk(v1::WriteSecuredBulkCommand {
            server_handle: 1,
            entries: vec![v1::WriteSecuredBulkEntry {
                item_handle: 2,
                current_user_id: 7,
                verifier_user_id: 8,
                value: Some(v1::MxValue {
                    data_type: v1::MxDataType::Boolean as i32,
                    variant_type: 11,
                    kind: Some(v1::mx_value::Kind::BoolValue(true)),
                }),
            }],
        }),
        Command::WriteSecured2Bulk(v1::WriteSecured2BulkCommand {
            server_handle: 1,
            entries: vec![v1::WriteSecured2BulkEntry {
                item_handle: 2,
                current_user_id: 7,
                verifier_user_id: 0,
                value: Some(v1::MxValue {
                    data_type: v1::MxDataType::String as i32,
                    variant_type: 8,
                    kind: Some(v1::mx_value::Kind::StringValue("s".into())),
                }),
                timestamp: ts(),
            }],
        }),
        Command::ReadBulk(v1::ReadBulkCommand {
            server_handle: 1,
            item_definitions: vec!["Obj.A".into()],
            timeout_ms: 2500,
        }),
    ];
    assert_eq!(server.state.commands(), expected);
}

#[tokio::test]
async fn invoke_bulk_returns_the_reply_and_refuses_single_commands() {
    let server = FakeServer::start(State::new()).await;
    let session = opened(&server).await;
    let reply = session
        .invoke_bulk(Command::AdviseItemBulk(v1::ItemHandlesBulkCommand {
            server_handle: 1,
            item_handles: vec![2, 3],
        }))
        .await
        .unwrap();
    assert_eq!(reply.statuses, vec![ok_status()]);
    match reply.result {
        Some(R::SubscribeResults(r)) => assert_eq!(r.results.len(), 2),
        other => panic!("{other:?}"),
    }
    let e = session
        .invoke_bulk(Command::Advise(v1::ItemCommand {
            server_handle: 1,
            item_handle: 2,
        }))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::InvalidArgument { .. }), "{e}");
    assert_eq!(server.state.invokes().len(), 1);
}

// === local checks ===

#[tokio::test]
async fn exactly_the_limit_is_sent_and_one_more_is_refused_locally() {
    let state = State::new();
    *state.max_bulk_items.lock().unwrap() = Some(50);
    let server = FakeServer::start(state).await;
    let session = opened(&server).await;
    assert_eq!(session.max_bulk_items(), Some(50));

    for result in call_every_arm(&session, 50).await {
        assert_eq!(result.unwrap(), 50);
    }
    assert_eq!(server.state.invokes().len(), 11);

    for result in call_every_arm(&session, 51).await {
        let e = result.unwrap_err();
        assert!(matches!(e, Error::InvalidArgument { .. }), "{e}");
        assert_eq!(e.kind(), "invalid-argument");
        assert_eq!(e.code(), Some(Code::InvalidArgument));
        let text = e.to_string();
        assert!(text.contains("51 entries"), "{text}");
        assert!(text.contains("limit of 50"), "{text}");
        assert!(text.contains("max_bulk_items"), "{text}");
    }
    assert_eq!(
        server.state.invokes().len(),
        11,
        "nothing over the limit is sent"
    );

    // invoke_bulk applies the same check.
    let e = session
        .invoke_bulk(Command::ReadBulk(v1::ReadBulkCommand {
            server_handle: 1,
            item_definitions: vec!["x".into(); 51],
            timeout_ms: 0,
        }))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::InvalidArgument { .. }), "{e}");
    assert_eq!(server.state.invokes().len(), 11);
}

#[tokio::test]
async fn the_default_limit_of_the_fake_is_honoured_too() {
    let server = FakeServer::start(State::new()).await;
    let session = opened(&server).await;
    assert_eq!(session.max_bulk_items(), Some(1000));
    let refs: Vec<String> = (0..1000).map(|i| format!("Obj.A{i}")).collect();
    assert_eq!(session.subscribe_bulk(1, &refs).await.unwrap().len(), 1000);
    let refs: Vec<String> = (0..1001).map(|i| format!("Obj.A{i}")).collect();
    let e = session.subscribe_bulk(1, &refs).await.unwrap_err();
    assert!(e.to_string().contains("limit of 1000"), "{e}");
    assert_eq!(server.state.invokes().len(), 1);
}

#[tokio::test]
async fn an_unknown_limit_leaves_the_check_to_the_gateway() {
    let state = State::new();
    *state.max_bulk_items.lock().unwrap() = Some(0);
    let server = FakeServer::start(state).await;
    let client = connect(&server).await;

    // A gateway that advertises 0 does not announce a limit.
    let session = client.open_session("bulk").await.unwrap();
    assert_eq!(session.max_bulk_items(), None);
    assert_eq!(call_every_arm(&session, 3).await.len(), 11);

    // A session attached by id knows no limit either: the gateway refuses.
    let attached = client.session("sess-1");
    assert_eq!(attached.max_bulk_items(), None);
    server.state.set_next_error(gateway_status(
        Code::InvalidArgument,
        "invalid-argument",
        "1001 entries exceed max_bulk_items 1000",
    ));
    let handles: Vec<i32> = (0..1001).collect();
    let e = attached.advise_item_bulk(1, &handles).await.unwrap_err();
    assert!(matches!(e, Error::InvalidArgument { .. }), "{e}");
    assert!(e.to_string().contains("max_bulk_items 1000"), "{e}");
    let sent = server.state.commands();
    match sent.last() {
        Some(Command::AdviseItemBulk(c)) => assert_eq!(c.item_handles.len(), 1001),
        other => panic!("{other:?}"),
    }

    // ... unless the caller tells the handle.
    let told = attached.with_max_bulk_items(1000);
    assert_eq!(told.max_bulk_items(), Some(1000));
    let before = server.state.invokes().len();
    let e = told.advise_item_bulk(1, &handles).await.unwrap_err();
    assert!(e.to_string().contains("limit of 1000"), "{e}");
    assert_eq!(server.state.invokes().len(), before);
    assert_eq!(told.with_max_bulk_items(0).max_bulk_items(), None);
}

#[tokio::test]
async fn empty_requests_are_refused_locally() {
    let server = FakeServer::start(State::new()).await;
    let client = connect(&server).await;
    for session in [opened(&server).await, client.session("sess-1")] {
        for result in call_every_arm(&session, 0).await {
            let e = result.unwrap_err();
            assert!(matches!(e, Error::InvalidArgument { .. }), "{e}");
            assert!(e.to_string().contains("at least one entry"), "{e}");
        }
    }
    assert!(server.state.invokes().is_empty());
}

#[tokio::test]
async fn non_finite_write_values_are_refused_before_sending() {
    let server = FakeServer::start(State::new()).await;
    let session = opened(&server).await;
    let entries = [
        WriteEntry::new(2, MxValue::Double(1.0)),
        WriteEntry::new(3, MxValue::Double(f64::NAN)),
    ];
    let e = session.write_bulk(1, &entries).await.unwrap_err();
    assert!(matches!(e, Error::InvalidValue { .. }), "{e}");
    let e = session
        .write_secured2_bulk(
            1,
            [WriteSecured2Entry::new(
                2,
                7,
                MxValue::FloatArray(vec![f32::INFINITY]),
                t(),
            )],
        )
        .await
        .unwrap_err();
    assert!(matches!(e, Error::InvalidValue { .. }), "{e}");
    assert!(server.state.invokes().is_empty());
}

#[tokio::test]
async fn a_closed_session_refuses_bulk_commands_locally() {
    let server = FakeServer::start(State::new()).await;
    let session = opened(&server).await;
    session.close().await.unwrap();
    let e = session.subscribe_bulk(1, ["Obj.A"]).await.unwrap_err();
    assert!(matches!(e, Error::Session { .. }), "{e}");
    assert!(server.state.invokes().is_empty());
}

// === reply validation ===

fn subscribe_reply(results: Vec<v1::SubscribeResult>) -> v1::MxCommandReply {
    ok_reply(Some(R::SubscribeResults(v1::SubscribeResults { results })))
}

#[tokio::test]
async fn a_result_count_that_differs_from_the_entries_is_a_protocol_error() {
    let server = FakeServer::start(State::new()).await;
    let session = opened(&server).await;

    // Fewer results than entries.
    let short = subscribe_reply(vec![subscribe_ok("Obj.A", 2)]);
    server.state.push_reply(Ok(short.clone()));
    let e = session
        .add_item_bulk(1, ["Obj.A", "Obj.B"])
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Command { .. }), "{e}");
    assert_eq!(e.kind(), "command");
    assert!(e.to_string().contains("1 result for 2 entries"), "{e}");
    assert_eq!(e.reply(), Some(&short));

    // More results than entries.
    server.state.push_reply(Ok(v1::MxCommandReply {
        result: Some(R::WriteResults(v1::BulkWriteResults {
            results: vec![write_ok(2), write_ok(2)],
        })),
        ..ok_reply(None)
    }));
    let e = session
        .write_bulk(1, [WriteEntry::new(2, MxValue::Int32(1))])
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Command { .. }), "{e}");
    assert!(e.to_string().contains("2 results for 1 entry"), "{e}");

    // Read results, miscounted.
    server.state.push_reply(Ok(v1::MxCommandReply {
        result: Some(R::ReadResults(v1::BulkReadResults { results: vec![] })),
        ..ok_reply(None)
    }));
    let e = session.read_bulk(1, ["Obj.A"], 0).await.unwrap_err();
    assert!(e.to_string().contains("0 results for 1 entry"), "{e}");
}

#[tokio::test]
async fn a_missing_or_foreign_result_list_is_a_protocol_error() {
    let server = FakeServer::start(State::new()).await;
    let session = opened(&server).await;

    server.state.push_reply(Ok(ok_reply(None)));
    let e = session.unsubscribe_bulk(1, [2]).await.unwrap_err();
    assert!(matches!(e, Error::Command { .. }), "{e}");
    assert!(e.to_string().contains("no subscribe results"), "{e}");

    server
        .state
        .push_reply(Ok(ok_reply(Some(R::ItemHandle(2)))));
    let e = session
        .write2_bulk(1, [Write2Entry::new(2, MxValue::Int32(1), t())])
        .await
        .unwrap_err();
    assert!(e.to_string().contains("no write results"), "{e}");

    // Results of another kind, even with the right count.
    server
        .state
        .push_reply(Ok(subscribe_reply(vec![subscribe_ok("Obj.A", 2)])));
    let e = session.read_bulk(1, ["Obj.A"], 0).await.unwrap_err();
    assert!(matches!(e, Error::Command { .. }), "{e}");
    assert!(
        e.to_string()
            .contains("subscribe results where read results were expected"),
        "{e}"
    );
    server.state.push_reply(Ok(v1::MxCommandReply {
        result: Some(R::WriteResults(v1::BulkWriteResults {
            results: vec![write_ok(2)],
        })),
        ..ok_reply(None)
    }));
    let e = session.advise_item_bulk(1, [2]).await.unwrap_err();
    assert!(
        e.to_string()
            .contains("write results where subscribe results were expected"),
        "{e}"
    );
}

// === failures ===

#[tokio::test]
async fn failed_entries_pass_through_and_never_fail_the_call() {
    let server = FakeServer::start(State::new()).await;
    let session = opened(&server).await;

    let denied = v1::SubscribeResult {
        item_definition: "Secret.Tag".into(),
        item_handle: 0,
        was_successful: false,
        hresult: E_ACCESSDENIED,
        statuses: vec![failed_security_status()],
        message: "the API key may not read Secret.Tag".into(),
        denied_by_constraint: true,
    };
    let results = vec![subscribe_ok("Obj.A", 2), denied.clone()];
    server
        .state
        .push_reply(Ok(subscribe_reply(results.clone())));
    let got = session
        .subscribe_bulk(1, ["Obj.A", "Secret.Tag"])
        .await
        .unwrap();
    assert_eq!(got, results);

    // Every entry failed: still not an error.
    let refused = v1::BulkWriteResult {
        item_handle: 9,
        was_successful: false,
        hresult: hresult::E_INVALIDARG,
        statuses: vec![],
        message: "unknown item handle".into(),
        denied_by_constraint: false,
    };
    server.state.push_reply(Ok(v1::MxCommandReply {
        result: Some(R::WriteResults(v1::BulkWriteResults {
            results: vec![refused.clone()],
        })),
        ..ok_reply(None)
    }));
    let got = session
        .write_secured_bulk(1, [WriteSecuredEntry::new(9, 7, MxValue::Int32(1))])
        .await
        .unwrap();
    assert_eq!(got, vec![refused]);

    // A read that got no data change.
    let unread = v1::BulkReadResult {
        item_definition: "Quiet.Tag".into(),
        was_successful: false,
        message: "no data change within 2500 ms".into(),
        ..Default::default()
    };
    server.state.push_reply(Ok(v1::MxCommandReply {
        result: Some(R::ReadResults(v1::BulkReadResults {
            results: vec![unread.clone()],
        })),
        ..ok_reply(None)
    }));
    let got = session.read_bulk(1, ["Quiet.Tag"], 2500).await.unwrap();
    assert_eq!(got, vec![unread]);
}

#[tokio::test]
async fn call_level_failures_raise_as_for_single_commands() {
    let server = FakeServer::start(State::new()).await;
    let session = opened(&server).await;

    // A failed HRESULT on the whole reply, even with results attached.
    let failing = v1::MxCommandReply {
        hresult: hresult::E_INVALIDARG,
        message: "unknown server handle".into(),
        statuses: vec![],
        ..subscribe_reply(vec![subscribe_ok("Obj.A", 2)])
    };
    server.state.push_reply(Ok(failing.clone()));
    match session.add_item_bulk(9, ["Obj.A"]).await.unwrap_err() {
        Error::MxAccess {
            hresult: h, reply, ..
        } => {
            assert_eq!(h, hresult::E_INVALIDARG);
            assert_eq!(*reply, failing);
        }
        other => panic!("unexpected {other:?}"),
    }

    // A failed status on the whole reply.
    server.state.push_reply(Ok(v1::MxCommandReply {
        statuses: vec![failed_security_status()],
        ..subscribe_reply(vec![subscribe_ok("", 2)])
    }));
    let e = session.remove_item_bulk(1, [2]).await.unwrap_err();
    assert_eq!(e.kind(), "mxaccess");

    // A protocol failure.
    server.state.push_reply(Ok(v1::MxCommandReply {
        protocol_status: v1::ProtocolStatus::PermissionDenied as i32,
        message: "tag constraints".into(),
        ..Default::default()
    }));
    let e = session.read_bulk(1, ["Obj.A"], 0).await.unwrap_err();
    assert!(matches!(e, Error::Command { .. }), "{e}");
    assert!(e.to_string().contains("PERMISSION_DENIED"), "{e}");

    // gRPC errors map through the one table.
    for (code, kind, expected) in [
        (Code::NotFound, "session-not-found", "session"),
        (Code::Unavailable, "worker-unavailable", "worker"),
        (Code::PermissionDenied, "permission-denied", "authorization"),
    ] {
        server
            .state
            .set_next_error(gateway_status(code, kind, "from the gateway"));
        let e = session
            .write_bulk(1, [WriteEntry::new(2, MxValue::Int32(1))])
            .await
            .unwrap_err();
        assert_eq!(e.kind(), expected, "{e}");
    }
}

#[tokio::test]
async fn entry_messages_are_scrubbed_of_the_key() {
    let server = FakeServer::start(State::new()).await;
    let session = opened(&server).await;
    let mut echo = subscribe_ok("Obj.A", 2);
    echo.message = format!("refused Bearer {KEY} ({KEY_SECRET})");
    server.state.push_reply(Ok(subscribe_reply(vec![echo])));
    let got = session.add_item_bulk(1, ["Obj.A"]).await.unwrap();
    assert!(!got[0].message.contains(KEY_SECRET), "{}", got[0].message);
    assert!(got[0].message.contains("<redacted>"), "{}", got[0].message);

    let mut write = write_ok(2);
    write.message = format!("echo {KEY}");
    let mut read = read_ok("Obj.A");
    read.message = format!("echo {KEY_SECRET}");
    server.state.push_reply(Ok(v1::MxCommandReply {
        result: Some(R::WriteResults(v1::BulkWriteResults {
            results: vec![write],
        })),
        ..ok_reply(None)
    }));
    server.state.push_reply(Ok(v1::MxCommandReply {
        result: Some(R::ReadResults(v1::BulkReadResults {
            results: vec![read],
        })),
        ..ok_reply(None)
    }));
    let w = session
        .write_bulk(1, [WriteEntry::new(2, MxValue::Int32(1))])
        .await
        .unwrap();
    let r = session.read_bulk(1, ["Obj.A"], 0).await.unwrap();
    assert_eq!(w[0].message, "echo <redacted>");
    assert_eq!(r[0].message, "echo <redacted>");
}

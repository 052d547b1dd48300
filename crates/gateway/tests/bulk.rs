//! The bulk command family end to end (issue 4): one round trip per call, one
//! result per entry, limits, ReadBulk's cache, and mixed good and bad entries,
//! over real gRPC, real workers and the shared simulated galaxy.

mod support;

use std::collections::HashSet;
use std::time::Duration;

use mxgateway::config::GalaxySource;
use mxgateway_mx::{detail, hresult, quality};
use mxgateway_proto::v1::{
    mx_command::Command, mx_command_reply, mx_value, BulkReadResult, BulkWriteResult,
    ItemDefinitionsBulkCommand, ItemHandlesBulkCommand, MxValue, OpenSessionRequest,
    ReadBulkCommand, SubscribeResult, Write2BulkCommand, Write2BulkEntry, WriteBulkCommand,
    WriteBulkEntry,
};
use mxgateway_sim::GalaxyModel;
use support::*;
use tonic::Code;

const WAIT: Duration = Duration::from_secs(15);

fn int(v: i32) -> MxValue {
    MxValue {
        kind: Some(mx_value::Kind::Int32Value(v)),
        ..Default::default()
    }
}

fn subscribe_results(reply: mxgateway_proto::v1::MxCommandReply) -> Vec<SubscribeResult> {
    match reply.result {
        Some(mx_command_reply::Result::SubscribeResults(r)) => r.results,
        other => panic!("no subscribe results: {other:?}"),
    }
}

fn write_results(reply: mxgateway_proto::v1::MxCommandReply) -> Vec<BulkWriteResult> {
    match reply.result {
        Some(mx_command_reply::Result::WriteResults(r)) => r.results,
        other => panic!("no write results: {other:?}"),
    }
}

fn read_results(reply: mxgateway_proto::v1::MxCommandReply) -> Vec<BulkReadResult> {
    match reply.result {
        Some(mx_command_reply::Result::ReadResults(r)) => r.results,
        other => panic!("no read results: {other:?}"),
    }
}

fn defs(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

async fn subscribe_bulk(
    client: &mut Client,
    session: &str,
    server: i32,
    items: Vec<String>,
) -> Vec<SubscribeResult> {
    subscribe_results(
        invoke(
            client,
            session,
            Command::SubscribeBulk(ItemDefinitionsBulkCommand {
                server_handle: server,
                item_definitions: items,
            }),
        )
        .await
        .expect("subscribe bulk"),
    )
}

async fn read_bulk(
    client: &mut Client,
    session: &str,
    server: i32,
    items: Vec<String>,
    timeout_ms: u32,
) -> Vec<BulkReadResult> {
    read_results(
        invoke(
            client,
            session,
            Command::ReadBulk(ReadBulkCommand {
                server_handle: server,
                item_definitions: items,
                timeout_ms,
            }),
        )
        .await
        .expect("read bulk"),
    )
}

#[tokio::test]
async fn read_bulk_of_1000_generated_references_is_one_call_with_cached_entries_for_advised_tags() {
    let gw = TestGateway::start_with(|c| {
        c.galaxy = GalaxySource::Model(Box::new(GalaxyModel::generated(100, 10, 500)));
    })
    .await;
    let mut client = gw.admin().await;
    let session = open(&mut client).await;
    let server = register(&mut client, &session).await;
    let references: Vec<String> = (1..=100)
        .flat_map(|o| (1..=10).map(move |a| format!("GenObj_{o:06}.Attr_{a:04}")))
        .collect();
    assert_eq!(references.len(), 1000);

    // Advise the first 300 and wait until each has delivered a data change.
    let advised = subscribe_bulk(&mut client, &session, server, references[..300].to_vec()).await;
    assert_eq!(advised.len(), 300);
    assert!(advised
        .iter()
        .all(|r| r.was_successful && r.item_handle > 0));
    let mut events = Events::open(&mut client, &session).await;
    let mut seen = HashSet::new();
    while seen.len() < 300 {
        let e = events.next(WAIT).await.expect("initial data changes");
        seen.insert(e.item_handle);
    }

    let results = read_bulk(&mut client, &session, server, references.clone(), 0).await;
    assert_eq!(results.len(), 1000);
    for (i, (r, reference)) in results.iter().zip(&references).enumerate() {
        assert_eq!(&r.item_definition, reference);
        assert!(r.was_successful, "entry {i}: {r:?}");
        assert_eq!(r.was_cached, i < 300, "entry {i}");
        assert!(r.value.is_some(), "entry {i}");
        assert!(quality::is_good(r.quality), "entry {i}: {r:?}");
        assert!(r.timestamp.is_some(), "entry {i}");
    }

    // The advised subscriptions are untouched: their data changes keep coming.
    let first = advised[0].item_handle;
    events.find(WAIT, |e| is_data_change(e, first)).await;
    // Case-insensitive match still hits the cache.
    let again = read_bulk(
        &mut client,
        &session,
        server,
        vec![references[0].to_uppercase()],
        0,
    )
    .await;
    assert!(again[0].was_cached, "{again:?}");
}

#[tokio::test]
async fn bulk_limits_are_advertised_and_enforced_at_and_over_the_limit() {
    let gw = TestGateway::start_with(|c| c.limits.max_bulk_items = 5).await;
    let mut client = gw.admin().await;
    let opened = client
        .open_session(OpenSessionRequest {
            client_session_name: "limits".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(opened.limits.unwrap().max_bulk_items, 5);
    for token in [
        "bulk-read-commands",
        "bulk-write-commands",
        "tag-constraints",
    ] {
        assert!(
            opened.capabilities.iter().any(|c| c == token),
            "{:?}",
            opened.capabilities
        );
    }
    let session = opened.session_id;
    let server = register(&mut client, &session).await;
    let five = vec!["TestChildObject.TestInt".to_string(); 5];
    let at_limit = subscribe_bulk(&mut client, &session, server, five.clone()).await;
    assert_eq!(at_limit.len(), 5);

    let six = vec!["TestChildObject.TestInt".to_string(); 6];
    let over = [
        Command::AddItemBulk(ItemDefinitionsBulkCommand {
            server_handle: server,
            item_definitions: six.clone(),
        }),
        Command::ReadBulk(ReadBulkCommand {
            server_handle: server,
            item_definitions: six.clone(),
            timeout_ms: 0,
        }),
        Command::UnsubscribeBulk(ItemHandlesBulkCommand {
            server_handle: server,
            item_handles: vec![1; 6],
        }),
        Command::WriteBulk(WriteBulkCommand {
            server_handle: server,
            entries: vec![
                WriteBulkEntry {
                    item_handle: 1,
                    value: Some(int(1)),
                    user_id: 0,
                };
                6
            ],
        }),
    ];
    for command in over {
        let err = invoke(&mut client, &session, command).await.unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument);
        assert!(
            err.message().contains("max_bulk_items"),
            "{}",
            err.message()
        );
        assert!(err.message().contains('5'), "{}", err.message());
    }
    let empty = invoke(
        &mut client,
        &session,
        Command::AdviseItemBulk(ItemHandlesBulkCommand {
            server_handle: server,
            item_handles: vec![],
        }),
    )
    .await
    .unwrap_err();
    assert_eq!(empty.code(), Code::InvalidArgument);
    assert!(
        empty.message().contains("no entries"),
        "{}",
        empty.message()
    );

    // Nothing was lost: the five items added at the limit are still there.
    let removed = subscribe_results(
        invoke(
            &mut client,
            &session,
            Command::UnsubscribeBulk(ItemHandlesBulkCommand {
                server_handle: server,
                item_handles: at_limit.iter().map(|r| r.item_handle).collect(),
            }),
        )
        .await
        .unwrap(),
    );
    assert!(removed.iter().all(|r| r.was_successful), "{removed:?}");
}

#[tokio::test]
async fn mixed_good_and_bad_entries_fail_only_themselves() {
    let gw = TestGateway::start().await;
    let mut client = gw.admin().await;
    let session = open(&mut client).await;
    let server = register(&mut client, &session).await;

    let added = subscribe_bulk(
        &mut client,
        &session,
        server,
        defs(&[
            "TestChildObject.TestInt",
            "  ",
            "TestChildObject.TestString",
        ]),
    )
    .await;
    assert_eq!(added.len(), 3);
    assert!(added[0].was_successful && added[0].item_handle > 0);
    assert!(!added[1].was_successful);
    assert_eq!(added[1].hresult, hresult::E_INVALIDARG);
    assert!(added[1].message.contains("empty"), "{:?}", added[1]);
    assert!(added[2].was_successful && added[2].item_handle > 0);
    let (int_handle, string_handle) = (added[0].item_handle, added[2].item_handle);

    // A call-level failure: an unknown server handle.
    let bad_server = invoke(
        &mut client,
        &session,
        Command::AddItemBulk(ItemDefinitionsBulkCommand {
            server_handle: 99,
            item_definitions: defs(&["TestChildObject.TestInt"]),
        }),
    )
    .await
    .unwrap();
    assert_eq!(bad_server.hresult, hresult::E_INVALIDARG);

    // ReadBulk: a bad reference answers with its configuration error, fast.
    let reads = read_bulk(
        &mut client,
        &session,
        server,
        defs(&[
            "NoSuchObject.Attr",
            "TestChildObject.NoSuchAttr",
            "TestChildObject.TestBool",
            "",
        ]),
        3_000,
    )
    .await;
    assert_eq!(reads.len(), 4);
    assert!(!reads[0].was_successful);
    assert_eq!(
        reads[0].statuses[0].detail,
        i32::from(detail::RESOLVING_OBJECT)
    );
    assert!(!reads[1].was_successful);
    assert_eq!(
        reads[1].statuses[0].detail,
        i32::from(detail::RESOLVING_ATTRIBUTE)
    );
    assert!(reads[2].was_successful && !reads[2].was_cached);
    assert!(!reads[3].was_successful && reads[3].message.contains("empty"));

    // Wait until both items resolved, then write: good, unknown handle, no value,
    // NaN, wrong type for the attribute.
    let mut events = Events::open(&mut client, &session).await;
    events.find(WAIT, |e| is_data_change(e, int_handle)).await;
    events
        .find(WAIT, |e| is_data_change(e, string_handle))
        .await;
    let nan = MxValue {
        kind: Some(mx_value::Kind::DoubleValue(f64::NAN)),
        ..Default::default()
    };
    let writes = write_results(
        invoke(
            &mut client,
            &session,
            Command::WriteBulk(WriteBulkCommand {
                server_handle: server,
                entries: vec![
                    WriteBulkEntry {
                        item_handle: int_handle,
                        value: Some(int(4242)),
                        user_id: 0,
                    },
                    WriteBulkEntry {
                        item_handle: 999,
                        value: Some(int(1)),
                        user_id: 0,
                    },
                    WriteBulkEntry {
                        item_handle: int_handle,
                        value: None,
                        user_id: 0,
                    },
                    WriteBulkEntry {
                        item_handle: int_handle,
                        value: Some(nan),
                        user_id: 0,
                    },
                ],
            }),
        )
        .await
        .unwrap(),
    );
    assert_eq!(writes.len(), 4);
    assert!(writes[0].was_successful, "{:?}", writes[0]);
    for (i, w) in writes.iter().enumerate().skip(1) {
        assert!(!w.was_successful, "entry {i}: {w:?}");
        assert_eq!(w.hresult, hresult::E_INVALIDARG, "entry {i}");
        assert!(!w.message.is_empty(), "entry {i}");
        assert!(!w.denied_by_constraint);
    }
    assert_eq!(writes[1].item_handle, 999);
    let done = events
        .find(WAIT, |e| is_write_complete(e, int_handle))
        .await;
    assert!(matches!(
        done.kind,
        Some(mxgateway_proto::v1::mx_event::Kind::WriteComplete(ref w)) if w.statuses[0].success == 1
    ));
    // The good write landed and is what ReadBulk now serves from the cache.
    let change = events.find(WAIT, |e| is_data_change(e, int_handle)).await;
    let cached = read_bulk(
        &mut client,
        &session,
        server,
        defs(&["TestChildObject.TestInt"]),
        0,
    )
    .await;
    assert!(cached[0].was_cached);
    if let Some(mxgateway_proto::v1::mx_event::Kind::DataChange(dc)) = change.kind {
        assert!(cached[0].value.is_some() && dc.value.is_some());
    }

    // Write2Bulk without a timestamp on an entry fails only that entry.
    let w2 = write_results(
        invoke(
            &mut client,
            &session,
            Command::Write2Bulk(Write2BulkCommand {
                server_handle: server,
                entries: vec![
                    Write2BulkEntry {
                        item_handle: int_handle,
                        value: Some(int(7)),
                        timestamp: Some(prost_types::Timestamp {
                            seconds: 1_700_000_000,
                            nanos: 0,
                        }),
                        user_id: 0,
                    },
                    Write2BulkEntry {
                        item_handle: int_handle,
                        value: Some(int(8)),
                        timestamp: None,
                        user_id: 0,
                    },
                ],
            }),
        )
        .await
        .unwrap(),
    );
    assert!(w2[0].was_successful, "{:?}", w2[0]);
    assert!(!w2[1].was_successful && w2[1].message.contains("timestamp"));

    // UnsubscribeBulk with a good, an unknown and a repeated handle.
    let gone = subscribe_results(
        invoke(
            &mut client,
            &session,
            Command::UnsubscribeBulk(ItemHandlesBulkCommand {
                server_handle: server,
                item_handles: vec![int_handle, 777, int_handle],
            }),
        )
        .await
        .unwrap(),
    );
    assert!(gone[0].was_successful);
    assert!(!gone[1].was_successful && gone[1].item_handle == 777);
    assert!(!gone[2].was_successful);
    // The removed item is gone for good; the other one is still advised.
    let after = write_results(
        invoke(
            &mut client,
            &session,
            Command::WriteBulk(WriteBulkCommand {
                server_handle: server,
                entries: vec![WriteBulkEntry {
                    item_handle: int_handle,
                    value: Some(int(1)),
                    user_id: 0,
                }],
            }),
        )
        .await
        .unwrap(),
    );
    assert!(!after[0].was_successful);
    let still = read_bulk(
        &mut client,
        &session,
        server,
        defs(&["TestChildObject.TestString"]),
        0,
    )
    .await;
    assert!(still[0].was_cached);
}

#[tokio::test]
async fn add_advise_unadvise_and_remove_bulk_follow_the_single_call_rules() {
    let gw = TestGateway::start().await;
    let mut client = gw.admin().await;
    let session = open(&mut client).await;
    let server = register(&mut client, &session).await;
    let added = subscribe_results(
        invoke(
            &mut client,
            &session,
            Command::AddItemBulk(ItemDefinitionsBulkCommand {
                server_handle: server,
                item_definitions: defs(&["TestChildObject.TestInt", "TestChildObject.TestDouble"]),
            }),
        )
        .await
        .unwrap(),
    );
    let handles: Vec<i32> = added.iter().map(|r| r.item_handle).collect();
    assert_eq!(handles.len(), 2);
    let mut events = Events::open(&mut client, &session).await;

    let advise = |handles: Vec<i32>| {
        Command::AdviseItemBulk(ItemHandlesBulkCommand {
            server_handle: server,
            item_handles: handles,
        })
    };
    let advised = subscribe_results(
        invoke(
            &mut client,
            &session,
            advise(vec![handles[0], handles[1], 55]),
        )
        .await
        .unwrap(),
    );
    assert!(advised[0].was_successful && advised[1].was_successful);
    assert!(!advised[2].was_successful);
    events.find(WAIT, |e| is_data_change(e, handles[0])).await;
    events.find(WAIT, |e| is_data_change(e, handles[1])).await;

    let unadvised = subscribe_results(
        invoke(
            &mut client,
            &session,
            Command::UnadviseItemBulk(ItemHandlesBulkCommand {
                server_handle: server,
                item_handles: handles.clone(),
            }),
        )
        .await
        .unwrap(),
    );
    assert!(unadvised.iter().all(|r| r.was_successful));
    // Unadvised items are no longer cached: ReadBulk reads them afresh.
    let reads = read_bulk(
        &mut client,
        &session,
        server,
        defs(&["TestChildObject.TestInt"]),
        0,
    )
    .await;
    assert!(reads[0].was_successful && !reads[0].was_cached);

    let removed = subscribe_results(
        invoke(
            &mut client,
            &session,
            Command::RemoveItemBulk(ItemHandlesBulkCommand {
                server_handle: server,
                item_handles: handles.clone(),
            }),
        )
        .await
        .unwrap(),
    );
    assert!(removed.iter().all(|r| r.was_successful));
    // Removed handles are unknown now, and get reused by the next add.
    let again = subscribe_results(
        invoke(&mut client, &session, advise(handles.clone()))
            .await
            .unwrap(),
    );
    assert!(again
        .iter()
        .all(|r| !r.was_successful && r.hresult == hresult::E_INVALIDARG));
}

/// Writes are asynchronous (OnWriteComplete comes later), but the runtime
/// applies one session's writes in the order it issued them: the last of many
/// writes to one item is the value that stays.
#[tokio::test]
async fn one_sessions_writes_reach_the_runtime_in_order() {
    let gw = TestGateway::start().await;
    let mut c = gw.admin().await;
    let session = open(&mut c).await;
    let server = register(&mut c, &session).await;
    let item = add_item(&mut c, &session, server, "TestChildObject.TestDouble").await;
    let mut events = Events::open(&mut c, &session).await;
    advise(&mut c, &session, server, item).await;
    events.find(WAIT, |e| is_data_change(e, item)).await;
    const WRITES: usize = 3_000;
    let entries = (1..=WRITES)
        .map(|i| mxgateway_proto::v1::WriteBulkEntry {
            item_handle: item,
            value: Some(mxgateway_proto::v1::MxValue {
                kind: Some(mxgateway_proto::v1::mx_value::Kind::DoubleValue(i as f64)),
                ..Default::default()
            }),
            user_id: 0,
        })
        .collect();
    let reply = invoke(
        &mut c,
        &session,
        Command::WriteBulk(mxgateway_proto::v1::WriteBulkCommand {
            server_handle: server,
            entries,
        }),
    )
    .await
    .unwrap();
    assert_eq!(reply.hresult, 0);
    let mut completed = 0;
    while completed < WRITES {
        events.find(WAIT, |e| is_write_complete(e, item)).await;
        completed += 1;
    }
    assert_eq!(
        gw.gateway
            .plant()
            .read("TestChildObject.TestDouble")
            .unwrap()
            .value,
        mxgateway_mx::MxValue::Double(WRITES as f64)
    );
}

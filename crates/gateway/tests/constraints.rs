//! Tag constraints per API key (issue 4): read and write allow-lists hold on
//! every path. A key allowed to write only `Area_A.*` cannot write `Area_B.*`
//! through any write arm, single or bulk; a key allowed to read only
//! `Area_A.*` cannot add or read `Area_B.*` through any read arm. Denied
//! commands lose nothing: the refused tag keeps its value.

mod support;

use std::time::Duration;

use mxgateway::auth::{KeyOptions, Scope};
use mxgateway::config::GalaxySource;
use mxgateway_mx::{detail, hresult};
use mxgateway_proto::v1::{
    mx_command::Command, mx_command_reply, mx_value, AddItem2Command, AddItemCommand,
    BulkReadResult, BulkWriteResult, ItemDefinitionsBulkCommand, MxCommandReply, MxValue,
    ReadBulkCommand, SubscribeResult, Write2BulkCommand, Write2BulkEntry, Write2Command,
    WriteBulkCommand, WriteBulkEntry, WriteCommand, WriteSecured2BulkCommand,
    WriteSecured2BulkEntry, WriteSecured2Command, WriteSecuredBulkCommand, WriteSecuredBulkEntry,
    WriteSecuredCommand,
};
use mxgateway_sim::GalaxyModel;
use support::*;
use tonic::Code;

const WAIT: Duration = Duration::from_secs(15);

/// Two objects named like areas, so `Area_A.*` and `Area_B.*` split the tags.
const GALAXY: &str = include_str!("../../../fixtures/galaxies/constrained.toml");

fn int(v: i32) -> MxValue {
    MxValue {
        kind: Some(mx_value::Kind::Int32Value(v)),
        ..Default::default()
    }
}

fn ts() -> Option<prost_types::Timestamp> {
    Some(prost_types::Timestamp {
        seconds: 1_700_000_000,
        nanos: 0,
    })
}

async fn gateway() -> TestGateway {
    let model = GalaxyModel::from_toml_str(GALAXY, "constraints test").expect("test galaxy");
    TestGateway::start_with(|c| c.galaxy = GalaxySource::Model(Box::new(model))).await
}

fn constrained_key(gw: &TestGateway, allow_read: &[&str], allow_write: &[&str]) -> String {
    gw.gateway
        .keys()
        .create_with_options(
            "constrained",
            &[Scope::MxRead, Scope::MxWrite, Scope::MxWriteSecured],
            KeyOptions {
                allow_read: allow_read.iter().map(|s| s.to_string()).collect(),
                allow_write: allow_write.iter().map(|s| s.to_string()).collect(),
            },
        )
        .unwrap()
        .key
        .expose()
        .to_string()
}

fn write_results(reply: MxCommandReply) -> Vec<BulkWriteResult> {
    match reply.result {
        Some(mx_command_reply::Result::WriteResults(r)) => r.results,
        other => panic!("no write results: {other:?}"),
    }
}

fn subscribe_results(reply: MxCommandReply) -> Vec<SubscribeResult> {
    match reply.result {
        Some(mx_command_reply::Result::SubscribeResults(r)) => r.results,
        other => panic!("no subscribe results: {other:?}"),
    }
}

fn read_results(reply: MxCommandReply) -> Vec<BulkReadResult> {
    match reply.result {
        Some(mx_command_reply::Result::ReadResults(r)) => r.results,
        other => panic!("no read results: {other:?}"),
    }
}

fn assert_denied(result: Result<MxCommandReply, tonic::Status>, reference: &str, arm: &str) {
    let status = result.expect_err(arm);
    assert_eq!(status.code(), Code::PermissionDenied, "{arm}: {status:?}");
    assert!(
        status.message().contains(reference),
        "{arm}: the denial names the reference: {}",
        status.message()
    );
}

/// The current value of `Area_B.Setpoint` as an unconstrained session reads it.
async fn area_b_setpoint(gw: &TestGateway) -> i32 {
    let mut admin = gw.admin().await;
    let session = open(&mut admin).await;
    let server = register(&mut admin, &session).await;
    let reply = invoke(
        &mut admin,
        &session,
        Command::ReadBulk(ReadBulkCommand {
            server_handle: server,
            item_definitions: vec!["Area_B.Setpoint".into()],
            timeout_ms: 0,
        }),
    )
    .await
    .unwrap();
    match read_results(reply)[0]
        .value
        .as_ref()
        .and_then(|v| v.kind.clone())
    {
        Some(mx_value::Kind::Int32Value(v)) => v,
        other => panic!("no int value: {other:?}"),
    }
}

#[tokio::test]
async fn a_key_allowed_to_write_only_area_a_cannot_write_area_b_through_any_arm() {
    let gw = gateway().await;
    let key = constrained_key(&gw, &[], &["Area_A.*"]);
    let mut client = gw.client(&key).await;
    let session = open(&mut client).await;
    let server = register(&mut client, &session).await;
    // Reads are unconstrained for this key: both items can be added and advised.
    let a = add_item(&mut client, &session, server, "Area_A.Setpoint").await;
    let b = add_item(&mut client, &session, server, "Area_B.Setpoint").await;
    advise(&mut client, &session, server, a).await;
    advise(&mut client, &session, server, b).await;
    let mut events = Events::open(&mut client, &session).await;
    events.find(WAIT, |e| is_data_change(e, a)).await;
    events.find(WAIT, |e| is_data_change(e, b)).await;
    let before = area_b_setpoint(&gw).await;

    // Single arms: Area_B is PERMISSION_DENIED naming the reference; Area_A is accepted.
    type Single = fn(i32, i32) -> Command;
    let singles: [(&str, Single); 4] = [
        ("Write", |server_handle, item_handle| {
            Command::Write(WriteCommand {
                server_handle,
                item_handle,
                value: Some(int(501)),
                user_id: 0,
            })
        }),
        ("Write2", |server_handle, item_handle| {
            Command::Write2(Write2Command {
                server_handle,
                item_handle,
                value: Some(int(502)),
                timestamp: ts(),
                user_id: 0,
            })
        }),
        ("WriteSecured", |server_handle, item_handle| {
            Command::WriteSecured(WriteSecuredCommand {
                server_handle,
                item_handle,
                current_user_id: 0,
                verifier_user_id: 0,
                value: Some(int(503)),
            })
        }),
        ("WriteSecured2", |server_handle, item_handle| {
            Command::WriteSecured2(WriteSecured2Command {
                server_handle,
                item_handle,
                current_user_id: 0,
                verifier_user_id: 0,
                value: Some(int(504)),
                timestamp: ts(),
            })
        }),
    ];
    for (arm, make) in singles {
        assert_denied(
            invoke(&mut client, &session, make(server, b)).await,
            "Area_B.Setpoint",
            arm,
        );
        let allowed = invoke(&mut client, &session, make(server, a))
            .await
            .unwrap_or_else(|e| panic!("{arm} on Area_A: {e:?}"));
        assert_eq!(allowed.hresult, 0, "{arm} on Area_A: {allowed:?}");
    }

    // Bulk arms: the Area_B entry fails with a constraint status, the Area_A entry proceeds.
    let bulks: Vec<(&str, Command)> = vec![
        (
            "WriteBulk",
            Command::WriteBulk(WriteBulkCommand {
                server_handle: server,
                entries: [a, b]
                    .map(|h| WriteBulkEntry {
                        item_handle: h,
                        value: Some(int(601)),
                        user_id: 0,
                    })
                    .into(),
            }),
        ),
        (
            "Write2Bulk",
            Command::Write2Bulk(Write2BulkCommand {
                server_handle: server,
                entries: [a, b]
                    .map(|h| Write2BulkEntry {
                        item_handle: h,
                        value: Some(int(602)),
                        timestamp: ts(),
                        user_id: 0,
                    })
                    .into(),
            }),
        ),
        (
            "WriteSecuredBulk",
            Command::WriteSecuredBulk(WriteSecuredBulkCommand {
                server_handle: server,
                entries: [a, b]
                    .map(|h| WriteSecuredBulkEntry {
                        item_handle: h,
                        current_user_id: 0,
                        verifier_user_id: 0,
                        value: Some(int(603)),
                    })
                    .into(),
            }),
        ),
        (
            "WriteSecured2Bulk",
            Command::WriteSecured2Bulk(WriteSecured2BulkCommand {
                server_handle: server,
                entries: [a, b]
                    .map(|h| WriteSecured2BulkEntry {
                        item_handle: h,
                        current_user_id: 0,
                        verifier_user_id: 0,
                        value: Some(int(604)),
                        timestamp: ts(),
                    })
                    .into(),
            }),
        ),
    ];
    for (arm, command) in bulks {
        let results = write_results(
            invoke(&mut client, &session, command)
                .await
                .unwrap_or_else(|e| panic!("{arm}: {e:?}")),
        );
        assert_eq!(results.len(), 2, "{arm}");
        assert!(results[0].was_successful, "{arm}: {:?}", results[0]);
        assert!(!results[0].denied_by_constraint, "{arm}");
        let denied = &results[1];
        assert_eq!(denied.item_handle, b, "{arm}");
        assert!(!denied.was_successful, "{arm}");
        assert!(denied.denied_by_constraint, "{arm}");
        assert_eq!(denied.hresult, hresult::E_ACCESSDENIED, "{arm}");
        assert_eq!(denied.statuses[0].success, 0, "{arm}");
        assert_eq!(
            denied.statuses[0].detail,
            i32::from(detail::WRITE_ACCESS_DENIED),
            "{arm}"
        );
        assert!(
            denied.message.contains("Area_B.Setpoint"),
            "{arm}: {denied:?}"
        );
    }

    // Nothing reached Area_B; the other session's view agrees.
    assert_eq!(area_b_setpoint(&gw).await, before);
}

#[tokio::test]
async fn a_key_allowed_to_read_only_area_a_cannot_add_or_read_area_b_through_any_arm() {
    let gw = gateway().await;
    let key = constrained_key(&gw, &["Area_A.*"], &[]);
    let mut client = gw.client(&key).await;
    let session = open(&mut client).await;
    let server = register(&mut client, &session).await;

    assert_denied(
        invoke(
            &mut client,
            &session,
            Command::AddItem(AddItemCommand {
                server_handle: server,
                item_definition: "Area_B.Setpoint".into(),
            }),
        )
        .await,
        "Area_B.Setpoint",
        "AddItem",
    );
    // Case does not open a way around the constraint, and AddItem2's `Me.` resolves
    // through the context before the check.
    assert_denied(
        invoke(
            &mut client,
            &session,
            Command::AddItem2(AddItem2Command {
                server_handle: server,
                item_definition: "Me.Setpoint".into(),
                item_context: "Area_B".into(),
            }),
        )
        .await,
        "Area_B.Setpoint",
        "AddItem2",
    );
    let allowed = invoke(
        &mut client,
        &session,
        Command::AddItem2(AddItem2Command {
            server_handle: server,
            item_definition: "Me.Setpoint".into(),
            item_context: "AREA_A".into(),
        }),
    )
    .await
    .expect("AddItem2 on Area_A");
    assert_eq!(allowed.hresult, 0);
    // A relative form the gateway cannot resolve is refused for a constrained key.
    assert_denied(
        invoke(
            &mut client,
            &session,
            Command::AddItem2(AddItem2Command {
                server_handle: server,
                item_definition: "MyContainer.Setpoint".into(),
                item_context: "Area_A".into(),
            }),
        )
        .await,
        "MyContainer.Setpoint",
        "AddItem2 relative",
    );

    for (arm, advise) in [("AddItemBulk", false), ("SubscribeBulk", true)] {
        let items = vec!["area_a.Setpoint".to_string(), "Area_B.Setpoint".to_string()];
        let command = if advise {
            Command::SubscribeBulk(ItemDefinitionsBulkCommand {
                server_handle: server,
                item_definitions: items,
            })
        } else {
            Command::AddItemBulk(ItemDefinitionsBulkCommand {
                server_handle: server,
                item_definitions: items,
            })
        };
        let results = subscribe_results(invoke(&mut client, &session, command).await.unwrap());
        assert!(
            results[0].was_successful && results[0].item_handle > 0,
            "{arm}"
        );
        assert!(!results[1].was_successful, "{arm}");
        assert!(results[1].denied_by_constraint, "{arm}");
        assert_eq!(results[1].item_handle, 0, "{arm}");
        assert_eq!(results[1].hresult, hresult::E_ACCESSDENIED, "{arm}");
        assert_eq!(
            results[1].statuses[0].detail,
            i32::from(detail::NOT_READABLE),
            "{arm}"
        );
        assert!(results[1].message.contains("Area_B.Setpoint"), "{arm}");
    }

    let reads = read_results(
        invoke(
            &mut client,
            &session,
            Command::ReadBulk(ReadBulkCommand {
                server_handle: server,
                item_definitions: vec!["Area_A.Label".into(), "Area_B.Label".into()],
                timeout_ms: 0,
            }),
        )
        .await
        .unwrap(),
    );
    assert!(reads[0].was_successful, "{:?}", reads[0]);
    assert!(!reads[1].was_successful);
    assert!(reads[1].denied_by_constraint);
    assert!(reads[1].value.is_none(), "a denied read returns no value");
    assert!(reads[1].message.contains("Area_B.Label"));
}

//! End to end through a real gateway: the rest of the MXAccess surface
//! (issue 8): ArchestrAUserToId, Suspend/Activate and buffered items.

mod support;

use mxgateway::auth::Scope;
use mxgateway_mx::hresult;
use std::time::Duration;

use mxgateway_proto::v1::{
    mx_command::Command, mx_command_reply, mx_event, mx_value, ArchestraUserToIdCommand,
    AuthenticateUserCommand, ItemCommand, MxEvent,
};
use support::*;
use tonic::Code;

const WAIT: Duration = Duration::from_secs(10);

const SUPERVISOR_GUID: &str = "6f1d2a3b-0002-4c5d-8e9f-0a1b2c3d4e02";

fn user_to_id(server_handle: i32, guid: &str) -> Command {
    Command::ArchestraUserToId(ArchestraUserToIdCommand {
        server_handle,
        user_guid: guid.into(),
    })
}

#[tokio::test]
async fn archestra_user_to_id_gives_the_authenticated_id_and_needs_the_secured_scope() {
    let gw = TestGateway::start().await;
    let key = gw.key(&[Scope::MxRead, Scope::MxWriteSecured]);
    let mut c = gw.client(&key).await;
    let s = open(&mut c).await;
    let h = register(&mut c, &s).await;

    let auth = invoke(
        &mut c,
        &s,
        Command::AuthenticateUser(AuthenticateUserCommand {
            server_handle: h,
            user_name: "supervisor".into(),
            password: "supervisor-demo".into(),
        }),
    )
    .await
    .unwrap();
    let Some(mx_command_reply::Result::UserId(supervisor)) = auth.result else {
        panic!("{auth:?}")
    };
    let reply = invoke(&mut c, &s, user_to_id(h, SUPERVISOR_GUID))
        .await
        .unwrap();
    assert_eq!(reply.hresult, hresult::S_OK);
    assert_eq!(
        reply.result,
        Some(mx_command_reply::Result::UserId(supervisor))
    );
    let reply = invoke(
        &mut c,
        &s,
        user_to_id(h, "{6F1D2A3B-0002-4C5D-8E9F-0A1B2C3D4E02}"),
    )
    .await
    .unwrap();
    assert_eq!(
        reply.result,
        Some(mx_command_reply::Result::UserId(supervisor))
    );

    // MXAccess failures travel in the reply, not as gRPC errors.
    for guid in ["00000000-0000-0000-0000-000000000000", "not-a-guid"] {
        let reply = invoke(&mut c, &s, user_to_id(h, guid)).await.unwrap();
        assert_eq!(reply.hresult, hresult::E_INVALIDARG, "{guid}");
        assert!(reply.message.contains(guid), "{reply:?}");
    }

    // The scope is mx:write-secured, like AuthenticateUser; mx:write is not enough.
    for scopes in [vec![Scope::MxRead], vec![Scope::MxRead, Scope::MxWrite]] {
        let key = gw.key(&scopes);
        let mut other = gw.client(&key).await;
        let os = open(&mut other).await;
        let oh = register(&mut other, &os).await;
        let err = invoke(&mut other, &os, user_to_id(oh, SUPERVISOR_GUID))
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::PermissionDenied, "{scopes:?}");
        assert!(err.message().contains("mx:write-secured"), "{err:?}");
    }
}

fn int_value(e: &MxEvent) -> Option<i32> {
    match &e.kind {
        Some(mx_event::Kind::DataChange(d)) => match d.value.as_ref()?.kind {
            Some(mx_value::Kind::Int32Value(v)) => Some(v),
            _ => None,
        },
        _ => None,
    }
}

fn is_operation_complete(e: &MxEvent, item: i32) -> bool {
    e.item_handle == item && matches!(e.kind, Some(mx_event::Kind::OperationComplete(_)))
}

#[tokio::test]
async fn suspend_silences_an_advised_item_and_activate_delivers_its_current_value() {
    let gw = TestGateway::start().await;
    let mut c = gw.client(&gw.key(&[Scope::MxRead])).await;
    let s = open(&mut c).await;
    let h = register(&mut c, &s).await;
    let mut events = Events::open(&mut c, &s).await;
    // TestInt counts up every scan: the witness proves time passed.
    let item = add_item(&mut c, &s, h, "TestChildObject.TestInt").await;
    let witness = add_item(&mut c, &s, h, "TestChildObject.TestInt").await;
    let idle = add_item(&mut c, &s, h, "TestChildObject.TestFloat").await;
    let handles = |item_handle| ItemCommand {
        server_handle: h,
        item_handle,
    };

    let reply = invoke(&mut c, &s, Command::Suspend(handles(idle)))
        .await
        .unwrap();
    assert_eq!(reply.hresult, hresult::E_INVALIDARG, "not advised");

    advise(&mut c, &s, h, item).await;
    events.find(WAIT, |e| is_data_change(e, item)).await;
    advise(&mut c, &s, h, witness).await;
    events.find(WAIT, |e| is_data_change(e, witness)).await;

    let reply = invoke(&mut c, &s, Command::Suspend(handles(item)))
        .await
        .unwrap();
    assert_eq!(reply.hresult, hresult::S_OK);
    assert_eq!(reply.statuses[0].success, 1, "{reply:?}");
    events.find(WAIT, |e| is_operation_complete(e, item)).await;

    // Two more scans reach the witness; the suspended item stays silent.
    let mut witnessed = 0;
    let mut last_witnessed = 0;
    while witnessed < 2 {
        let e = events.next(WAIT).await.unwrap();
        assert!(
            e.item_handle != item,
            "a suspended item raised an event: {e:?}"
        );
        if let (true, Some(v)) = (e.item_handle == witness, int_value(&e)) {
            witnessed += 1;
            last_witnessed = v;
        }
    }

    let reply = invoke(&mut c, &s, Command::Activate(handles(item)))
        .await
        .unwrap();
    assert_eq!((reply.hresult, reply.statuses[0].success), (0, 1));
    let first = events.find(WAIT, |e| e.item_handle == item).await;
    let value = int_value(&first).expect("Activate delivers the current value first");
    assert!(
        value >= last_witnessed,
        "{value} is older than {last_witnessed}"
    );
    let done = events
        .find(WAIT, |e| {
            e.item_handle == item && !matches!(e.kind, Some(mx_event::Kind::DataChange(_)))
        })
        .await;
    assert!(is_operation_complete(&done, item), "{done:?}");
    assert!(done.worker_sequence > first.worker_sequence);
    // Delivery goes on as before.
    let next = events.find(WAIT, |e| is_data_change(e, item)).await;
    assert!(int_value(&next).unwrap() > value);
}

//! End to end through a real gateway: the rest of the MXAccess surface
//! (issue 8): ArchestrAUserToId, Suspend/Activate and buffered items.

mod support;

use mxgateway::auth::Scope;
use mxgateway_mx::hresult;
use mxgateway_proto::v1::{
    mx_command::Command, mx_command_reply, ArchestraUserToIdCommand, AuthenticateUserCommand,
};
use support::*;
use tonic::Code;

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

//! End-to-end behaviour of the gateway core over real gRPC, real workers and
//! the shared simulated galaxy (issue 2's acceptance criteria).

mod support;

use std::time::Duration;

use mxgateway::auth::Scope;
use mxgateway_mx::{detail, hresult, quality};
use mxgateway_proto::v1::{
    mx_command::Command, mx_command_reply, mx_event, mx_value, AuthenticateUserCommand,
    CloseSessionRequest, ItemCommand, MxCommand, MxCommandRequest, MxValue, StreamEventsRequest,
    WriteCommand, WriteSecuredCommand,
};
use support::*;
use tonic::Code;

const WAIT: Duration = Duration::from_secs(10);

fn int(v: i32) -> MxValue {
    MxValue {
        kind: Some(mx_value::Kind::Int32Value(v)),
        ..Default::default()
    }
}

fn double(v: f64) -> MxValue {
    MxValue {
        kind: Some(mx_value::Kind::DoubleValue(v)),
        ..Default::default()
    }
}

fn data_change(e: &mxgateway_proto::v1::MxEvent) -> &mxgateway_proto::v1::OnDataChange {
    match &e.kind {
        Some(mx_event::Kind::DataChange(d)) => d,
        other => panic!("not a data change: {other:?}"),
    }
}

fn write_detail(e: &mxgateway_proto::v1::MxEvent) -> (i32, i32) {
    match &e.kind {
        Some(mx_event::Kind::WriteComplete(w)) => (w.statuses[0].success, w.statuses[0].detail),
        other => panic!("not a write complete: {other:?}"),
    }
}

async fn authenticate(
    client: &mut Client,
    session: &str,
    server: i32,
    user: &str,
    password: &str,
) -> i32 {
    let reply = invoke(
        client,
        session,
        Command::AuthenticateUser(AuthenticateUserCommand {
            server_handle: server,
            user_name: user.into(),
            password: password.into(),
        }),
    )
    .await
    .unwrap();
    match reply.result {
        Some(mx_command_reply::Result::UserId(id)) => id,
        _ => panic!("authentication of {user} failed: {}", reply.message),
    }
}

#[tokio::test]
async fn advise_delivers_the_current_value_with_good_quality_and_a_timestamp() {
    let gw = TestGateway::start().await;
    let mut c = gw.admin().await;
    let session = open(&mut c).await;
    let server = register(&mut c, &session).await;
    let item = add_item(&mut c, &session, server, "TestChildObject.TestInt").await;
    let mut events = Events::open(&mut c, &session).await;
    advise(&mut c, &session, server, item).await;
    let e = events.find(WAIT, |e| is_data_change(e, item)).await;
    let d = data_change(&e);
    assert_eq!(d.quality, quality::GOOD);
    assert!(d
        .timestamp
        .as_ref()
        .is_some_and(|t| t.seconds > 1_600_000_000));
    assert!(matches!(
        d.value.as_ref().and_then(|v| v.kind.clone()),
        Some(mx_value::Kind::Int32Value(_))
    ));
    assert_eq!(
        e.worker_sequence, 1,
        "the first event of a session has sequence 1"
    );
}

#[tokio::test]
async fn a_write_in_one_session_is_a_data_change_in_another() {
    let gw = TestGateway::start().await;
    let mut a = gw.admin().await;
    let mut b = gw.admin().await;
    let (sa, sb) = (open(&mut a).await, open(&mut b).await);
    let (ha, hb) = (register(&mut a, &sa).await, register(&mut b, &sb).await);
    let ia = add_item(&mut a, &sa, ha, "TestChildObject.TestInt").await;
    let ib = add_item(&mut b, &sb, hb, "TestParentObject.TestChild.TestInt").await;
    let mut ea = Events::open(&mut a, &sa).await;
    let mut eb = Events::open(&mut b, &sb).await;
    advise(&mut a, &sa, ha, ia).await;
    advise(&mut b, &sb, hb, ib).await;
    ea.find(WAIT, |e| is_data_change(e, ia)).await;
    eb.find(WAIT, |e| is_data_change(e, ib)).await;

    let written = 7_654_321;
    let reply = invoke(
        &mut a,
        &sa,
        Command::Write(WriteCommand {
            server_handle: ha,
            item_handle: ia,
            value: Some(int(written)),
            user_id: 0,
        }),
    )
    .await
    .unwrap();
    assert_eq!(reply.hresult, 0, "{reply:?}");
    let done = ea.find(WAIT, |e| is_write_complete(e, ia)).await;
    assert_eq!(write_detail(&done), (1, 0));
    eb.find(WAIT, |e| {
        is_data_change(e, ib)
            && matches!(
                data_change(e).value.as_ref().and_then(|v| v.kind.clone()),
                Some(mx_value::Kind::Int32Value(v)) if v >= written
            )
    })
    .await;
}

#[tokio::test]
async fn security_classifications_are_enforced() {
    let gw = TestGateway::start().await;
    let mut c = gw.admin().await;
    let s = open(&mut c).await;
    let h = register(&mut c, &s).await;
    let mut events = Events::open(&mut c, &s).await;
    let secured = add_item(&mut c, &s, h, "TestChildObject.SecuredSetpoint").await;
    let verified = add_item(&mut c, &s, h, "TestChildObject.VerifiedSetpoint").await;
    let view_only = add_item(&mut c, &s, h, "TestChildObject.ViewOnlyValue").await;
    for item in [secured, verified, view_only] {
        advise(&mut c, &s, h, item).await;
        events.find(WAIT, |e| is_data_change(e, item)).await;
    }

    let plain = |item| {
        Command::Write(WriteCommand {
            server_handle: h,
            item_handle: item,
            value: Some(double(12.5)),
            user_id: 0,
        })
    };
    for (item, expected) in [
        (secured, detail::SECURED_WRITE),
        (verified, detail::VERIFIED_WRITE),
        (view_only, detail::NOT_WRITEABLE),
    ] {
        let reply = invoke(&mut c, &s, plain(item)).await.unwrap();
        assert_eq!(
            reply.hresult, 0,
            "the write is accepted and fails asynchronously"
        );
        let done = events.find(WAIT, |e| is_write_complete(e, item)).await;
        assert_eq!(write_detail(&done), (0, i32::from(expected)));
    }

    let operator = authenticate(&mut c, &s, h, "operator", "operator-demo").await;
    let supervisor = authenticate(&mut c, &s, h, "supervisor", "supervisor-demo").await;
    let secured_write = |item, user, verifier| {
        Command::WriteSecured(WriteSecuredCommand {
            server_handle: h,
            item_handle: item,
            current_user_id: user,
            verifier_user_id: verifier,
            value: Some(double(42.0)),
        })
    };
    invoke(&mut c, &s, secured_write(secured, operator, operator))
        .await
        .unwrap();
    let done = events.find(WAIT, |e| is_write_complete(e, secured)).await;
    assert_eq!(
        write_detail(&done),
        (1, 0),
        "secured write with valid credentials succeeds"
    );

    invoke(&mut c, &s, secured_write(verified, operator, supervisor))
        .await
        .unwrap();
    let done = events.find(WAIT, |e| is_write_complete(e, verified)).await;
    assert_eq!(
        write_detail(&done),
        (1, 0),
        "verified write with a distinct verifier succeeds"
    );

    invoke(&mut c, &s, secured_write(verified, operator, operator))
        .await
        .unwrap();
    let done = events.find(WAIT, |e| is_write_complete(e, verified)).await;
    assert_eq!(
        write_detail(&done).0,
        0,
        "a verifier equal to the user fails"
    );

    invoke(&mut c, &s, secured_write(view_only, operator, supervisor))
        .await
        .unwrap();
    let done = events.find(WAIT, |e| is_write_complete(e, view_only)).await;
    assert_eq!(write_detail(&done), (0, i32::from(detail::NOT_WRITEABLE)));

    let bad = invoke(
        &mut c,
        &s,
        Command::AuthenticateUser(AuthenticateUserCommand {
            server_handle: h,
            user_name: "operator".into(),
            password: "wrong-password-xyz".into(),
        }),
    )
    .await
    .unwrap();
    assert_eq!(bad.hresult, hresult::E_INVALIDARG);
    assert!(!bad.message.contains("wrong-password-xyz"));
}

#[tokio::test]
async fn a_bad_reference_gets_a_handle_then_a_failed_data_change() {
    let gw = TestGateway::start().await;
    let mut c = gw.admin().await;
    let s = open(&mut c).await;
    let h = register(&mut c, &s).await;
    let mut events = Events::open(&mut c, &s).await;
    let item = add_item(&mut c, &s, h, "NoSuchObject.NoSuchAttribute").await;
    assert!(item > 0);
    advise(&mut c, &s, h, item).await;
    let e = events.find(WAIT, |e| is_data_change(e, item)).await;
    let d = data_change(&e);
    assert_eq!(d.statuses[0].success, 0);
    assert!(!quality::is_good(d.quality));
    assert_eq!(d.statuses[0].detail, i32::from(detail::RESOLVING_OBJECT));

    let reply = invoke(
        &mut c,
        &s,
        Command::Write(WriteCommand {
            server_handle: h,
            item_handle: item,
            value: Some(int(1)),
            user_id: 0,
        }),
    )
    .await
    .unwrap();
    assert_eq!(
        reply.hresult,
        hresult::E_INVALIDARG,
        "an unresolved item cannot be written"
    );
}

#[tokio::test]
async fn authentication_scopes_ownership_and_bad_input_are_clear_errors() {
    let gw = TestGateway::start().await;
    let mut admin = gw.admin().await;
    let s = open(&mut admin).await;

    let mut stranger = gw
        .client("mxgw_abcdefghijkl_0123456789abcdefghijklmnopqrstuv")
        .await;
    let err = stranger
        .open_session(mxgateway_proto::v1::OpenSessionRequest::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Unauthenticated);
    assert!(!err.message().contains("0123456789abcdefghijklmnopqrstuv"));

    let read_only = gw.key(&[Scope::MxRead]);
    let mut reader = gw.client(&read_only).await;
    let rs = open(&mut reader).await;
    let rh = register(&mut reader, &rs).await;
    let item = add_item(&mut reader, &rs, rh, "TestChildObject.TestInt").await;
    let err = invoke(
        &mut reader,
        &rs,
        Command::Write(WriteCommand {
            server_handle: rh,
            item_handle: item,
            value: Some(int(1)),
            user_id: 0,
        }),
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);

    let err = invoke(&mut reader, &s, Command::Register(Default::default()))
        .await
        .unwrap_err();
    assert_eq!(
        err.code(),
        Code::PermissionDenied,
        "another key's session is refused"
    );
    let err = reader
        .stream_events(StreamEventsRequest {
            session_id: s.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    let err = reader
        .close_session(CloseSessionRequest {
            session_id: s.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);

    let err = invoke(
        &mut admin,
        "s-unknown",
        Command::Register(Default::default()),
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    let err = admin
        .invoke(MxCommandRequest {
            session_id: s.clone(),
            timeout_ms: 0,
            command: Some(MxCommand { command: None }),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);

    let h = register(&mut admin, &s).await;
    for command in [
        Command::Advise(ItemCommand {
            server_handle: h,
            item_handle: 999,
        }),
        Command::RemoveItem(ItemCommand {
            server_handle: 999,
            item_handle: 1,
        }),
        Command::Unadvise(ItemCommand {
            server_handle: h,
            item_handle: -5,
        }),
    ] {
        let reply = invoke(&mut admin, &s, command).await.unwrap();
        assert_eq!(reply.hresult, hresult::E_INVALIDARG);
        assert!(reply.message.contains("unknown"), "{}", reply.message);
    }
    let item = add_item(&mut admin, &s, h, "TestChildObject.TestInt").await;
    let mut events = Events::open(&mut admin, &s).await;
    advise(&mut admin, &s, h, item).await;
    events.find(WAIT, |e| is_data_change(e, item)).await;
    let nan = MxValue {
        kind: Some(mx_value::Kind::DoubleValue(f64::NAN)),
        ..Default::default()
    };
    let err = invoke(
        &mut admin,
        &s,
        Command::Write(WriteCommand {
            server_handle: h,
            item_handle: item,
            value: Some(nan),
            user_id: 0,
        }),
    )
    .await
    .unwrap_err();
    assert_eq!(
        err.code(),
        Code::InvalidArgument,
        "non-finite floats are rejected"
    );
}

#[tokio::test]
async fn sessions_outlive_connections_and_close_ends_them() {
    let gw = TestGateway::start().await;
    let s = {
        let mut first = gw.admin().await;
        open(&mut first).await
    };
    let mut second = gw.admin().await;
    let h = register(&mut second, &s).await;
    assert!(h > 0);
    second
        .close_session(CloseSessionRequest {
            session_id: s.clone(),
        })
        .await
        .unwrap();
    let err = invoke(&mut second, &s, Command::Register(Default::default()))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
}

#[tokio::test]
async fn an_object_taken_off_scan_turns_its_items_bad_and_back() {
    let gw = TestGateway::start().await;
    let mut c = gw.admin().await;
    let s = open(&mut c).await;
    let h = register(&mut c, &s).await;
    let item = add_item(&mut c, &s, h, "TestChildObject.TestInt").await;
    let mut events = Events::open(&mut c, &s).await;
    advise(&mut c, &s, h, item).await;
    events.find(WAIT, |e| is_data_change(e, item)).await;

    gw.gateway
        .plant()
        .set_scan_state("TestChildObject", false)
        .unwrap();
    events
        .find(WAIT, |e| {
            is_data_change(e, item) && data_change(e).quality == quality::BAD_OUT_OF_SERVICE
        })
        .await;
    gw.gateway
        .plant()
        .set_scan_state("TestChildObject", true)
        .unwrap();
    events
        .find(WAIT, |e| {
            is_data_change(e, item) && data_change(e).quality == quality::GOOD
        })
        .await;
}

#[tokio::test]
async fn health_checking_reports_serving_without_a_key() {
    let gw = TestGateway::start().await;
    let channel =
        tonic::transport::Channel::from_shared(format!("http://{}", gw.gateway.local_addr()))
            .unwrap()
            .connect()
            .await
            .unwrap();
    let mut health = tonic_health::pb::health_client::HealthClient::new(channel);
    let reply = health
        .check(tonic_health::pb::HealthCheckRequest {
            service: "mxgateway.v1.MxAccessGateway".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        reply.status,
        tonic_health::pb::health_check_response::ServingStatus::Serving as i32
    );
}

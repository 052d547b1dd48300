//! The alarm RPCs end to end (issue 6): StreamAlarms, QueryActiveAlarms and
//! AcknowledgeAlarm over real gRPC, agreeing with the alarm sub-attributes
//! that MXAccess sessions (real worker processes) advise and write.

mod support;

use std::time::Duration;

use mxgateway::auth::{KeyOptions, Scope};
use mxgateway_mx::detail;
use mxgateway_proto::timestamp_from_pb;
use mxgateway_proto::v1::{
    mx_command::Command, mx_event, mx_value, AcknowledgeAlarmRequest, AlarmEvent, AlarmEventKind,
    AlarmFilter, AlarmRecord, AlarmState, AuthenticateUserCommand, MxValue,
    QueryActiveAlarmsRequest, StreamAlarmsRequest, WriteBulkCommand, WriteBulkEntry, WriteCommand,
};
use support::*;
use tonic::{Code, Streaming};

const WAIT: Duration = Duration::from_secs(15);
const TEST_DOUBLE_HI: &str = "TestChildObject.TestDouble.Hi";
/// The demo galaxy's default scan period.
const SCAN_PERIOD: Duration = Duration::from_millis(1000);

fn double(v: f64) -> MxValue {
    MxValue {
        kind: Some(mx_value::Kind::DoubleValue(v)),
        ..Default::default()
    }
}

fn text(v: &str) -> MxValue {
    MxValue {
        kind: Some(mx_value::Kind::StringValue(v.into())),
        ..Default::default()
    }
}

fn boolean(v: bool) -> MxValue {
    MxValue {
        kind: Some(mx_value::Kind::BoolValue(v)),
        ..Default::default()
    }
}

fn filter(queries: &[&str]) -> Option<AlarmFilter> {
    Some(AlarmFilter {
        queries: queries.iter().map(|q| q.to_string()).collect(),
        ..Default::default()
    })
}

/// An open StreamAlarms call whose snapshot has been read.
struct AlarmStream {
    inner: Streaming<AlarmEvent>,
    snapshot: Vec<AlarmRecord>,
}

impl AlarmStream {
    async fn open(client: &mut Client, filter: Option<AlarmFilter>) -> AlarmStream {
        let mut inner = client
            .stream_alarms(StreamAlarmsRequest { filter })
            .await
            .expect("stream opens")
            .into_inner();
        let mut snapshot = Vec::new();
        loop {
            let e = tokio::time::timeout(WAIT, inner.message())
                .await
                .expect("snapshot in time")
                .expect("stream ok")
                .expect("stream open");
            match AlarmEventKind::try_from(e.kind).unwrap() {
                AlarmEventKind::Snapshot => snapshot.push(e.alarm.unwrap()),
                AlarmEventKind::SnapshotEnd => {
                    assert_eq!(e.snapshot_count as usize, snapshot.len());
                    assert!(!e.resync);
                    return AlarmStream { inner, snapshot };
                }
                other => panic!("{other:?} inside the first snapshot"),
            }
        }
    }

    async fn next(&mut self) -> AlarmEvent {
        tokio::time::timeout(WAIT, self.inner.message())
            .await
            .expect("an alarm event in time")
            .expect("stream ok")
            .expect("stream open")
    }

    /// The next transition of alarm `reference` (others are skipped).
    async fn transition_of(&mut self, reference: &str) -> AlarmRecord {
        loop {
            let e = self.next().await;
            if e.kind == AlarmEventKind::Transition as i32 {
                let alarm = e.alarm.unwrap();
                if alarm.reference == reference {
                    return alarm;
                }
            }
        }
    }
}

fn state(r: &AlarmRecord) -> AlarmState {
    AlarmState::try_from(r.state).unwrap()
}

/// A session with `item` added and advised; returns (session, server, item, events).
async fn advised(client: &mut Client, item: &str) -> (String, i32, i32, Events) {
    let session = open(client).await;
    let server = register(client, &session).await;
    let handle = add_item(client, &session, server, item).await;
    let mut events = Events::open(client, &session).await;
    advise(client, &session, server, handle).await;
    events.find(WAIT, |e| is_data_change(e, handle)).await;
    (session, server, handle, events)
}

async fn write(
    client: &mut Client,
    session: &str,
    server: i32,
    item: i32,
    value: MxValue,
    user_id: i32,
) {
    let reply = invoke(
        client,
        session,
        Command::Write(WriteCommand {
            server_handle: server,
            item_handle: item,
            value: Some(value),
            user_id,
        }),
    )
    .await
    .unwrap();
    assert_eq!(reply.hresult, 0, "{reply:?}");
}

fn write_status(e: &mxgateway_proto::v1::MxEvent) -> (i32, i32) {
    let Some(mx_event::Kind::WriteComplete(w)) = &e.kind else {
        panic!("{e:?}")
    };
    (w.statuses[0].success, w.statuses[0].detail)
}

fn bool_of(e: &mxgateway_proto::v1::MxEvent) -> Option<bool> {
    match &e.kind {
        Some(mx_event::Kind::DataChange(dc)) => match dc.value.as_ref()?.kind {
            Some(mx_value::Kind::BoolValue(b)) => Some(b),
            _ => None,
        },
        _ => None,
    }
}

#[tokio::test]
async fn a_limit_write_raises_an_alarm_on_every_stream_and_both_kinds_of_ack_reach_everyone() {
    let gw = TestGateway::start().await;
    let reader = gw.key(&[Scope::AlarmsRead]);
    let mut r1 = gw.client(&reader).await;
    let mut r2 = gw.client(&reader).await;
    let mut s1 = AlarmStream::open(&mut r1, None).await;
    let mut s2 = AlarmStream::open(&mut r2, filter(&[r"\Galaxy!TestArea"])).await;
    assert!(s1.snapshot.iter().all(|a| a.reference != TEST_DOUBLE_HI));

    // Session B watches the alarm's sub-attributes like any MXAccess client.
    let mut b = gw.admin().await;
    let (sb, hb, acked, mut eb) = advised(&mut b, "TestChildObject.TestDouble.Hi.Acked").await;
    let in_alarm = add_item(&mut b, &sb, hb, "TestChildObject.TestDouble.Hi.InAlarm").await;
    advise(&mut b, &sb, hb, in_alarm).await;
    let first = eb.find(WAIT, |e| is_data_change(e, in_alarm)).await;
    assert_eq!(bool_of(&first), Some(false));

    // Session A pushes the value past the limit.
    let mut a = gw.admin().await;
    let (sa, ha, value, mut ea) = advised(&mut a, "TestChildObject.TestDouble").await;
    write(&mut a, &sa, ha, value, double(150.0), 0).await;
    let written = ea
        .find(WAIT, |e| {
            is_data_change(e, value)
                && matches!(&e.kind, Some(mx_event::Kind::DataChange(dc))
                    if dc.value.as_ref().and_then(|v| v.kind.clone()) == Some(mx_value::Kind::DoubleValue(150.0)))
        })
        .await;
    let Some(mx_event::Kind::DataChange(dc)) = written.kind else {
        unreachable!()
    };
    let source_time = timestamp_from_pb(dc.timestamp.as_ref().unwrap()).unwrap();
    for stream in [&mut s1, &mut s2] {
        let raised = stream.transition_of(TEST_DOUBLE_HI).await;
        assert_eq!(state(&raised), AlarmState::UnackAlm);
        assert_eq!(
            raised.value,
            Some(MxValue {
                data_type: raised.value.as_ref().unwrap().data_type,
                variant_type: 5,
                kind: Some(mx_value::Kind::DoubleValue(150.0))
            })
        );
        // Raised by the write itself, not by a later scan.
        let on = timestamp_from_pb(raised.time_alarm_on.as_ref().unwrap()).unwrap();
        let lag = on.unix_nanos - source_time.unix_nanos;
        assert!(
            (0..SCAN_PERIOD.as_nanos() as i64).contains(&lag),
            "raised {lag} ns after the write"
        );
    }
    let raised_in_b = eb
        .find(WAIT, |e| {
            is_data_change(e, in_alarm) && bool_of(e) == Some(true)
        })
        .await;
    assert!(bool_of(&raised_in_b).unwrap());
    eb.find(WAIT, |e| {
        is_data_change(e, acked) && bool_of(e) == Some(false)
    })
    .await;

    // 1. AcknowledgeAlarm.
    let mut acker = gw.client(&gw.key(&[Scope::AlarmsAck])).await;
    let reply = acker
        .acknowledge_alarm(AcknowledgeAlarmRequest {
            reference: TEST_DOUBLE_HI.into(),
            comment: "seen".into(),
            operator: "supervisor".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(reply.status.unwrap().success, 1);
    let alarm = reply.alarm.unwrap();
    assert_eq!(state(&alarm), AlarmState::AckAlm);
    assert_eq!(alarm.ack_operator, "supervisor");
    for stream in [&mut s1, &mut s2] {
        let acked_event = stream.transition_of(TEST_DOUBLE_HI).await;
        assert_eq!(state(&acked_event), AlarmState::AckAlm);
        assert_eq!(acked_event.ack_comment, "seen");
    }
    eb.find(WAIT, |e| {
        is_data_change(e, acked) && bool_of(e) == Some(true)
    })
    .await;

    // Clear it, raise it again, then 2. acknowledge by writing .AckMsg.
    write(&mut a, &sa, ha, value, double(10.0), 0).await;
    write(&mut a, &sa, ha, value, double(120.0), 0).await;
    for stream in [&mut s1, &mut s2] {
        assert_eq!(
            state(&stream.transition_of(TEST_DOUBLE_HI).await),
            AlarmState::AckRtn
        );
        assert_eq!(
            state(&stream.transition_of(TEST_DOUBLE_HI).await),
            AlarmState::UnackAlm
        );
    }
    eb.find(WAIT, |e| {
        is_data_change(e, acked) && bool_of(e) == Some(false)
    })
    .await;
    let ack_msg = add_item(&mut a, &sa, ha, "TestChildObject.TestDouble.Hi.AckMsg").await;
    advise(&mut a, &sa, ha, ack_msg).await;
    let reply = invoke(
        &mut a,
        &sa,
        Command::AuthenticateUser(AuthenticateUserCommand {
            server_handle: ha,
            user_name: "supervisor".into(),
            password: "supervisor-demo".into(),
        }),
    )
    .await
    .unwrap();
    let Some(mxgateway_proto::v1::mx_command_reply::Result::UserId(supervisor)) = reply.result
    else {
        panic!("{reply:?}")
    };
    write(&mut a, &sa, ha, ack_msg, text("by write"), supervisor).await;
    let done = ea.find(WAIT, |e| is_write_complete(e, ack_msg)).await;
    assert_eq!(write_status(&done), (1, 0));
    for stream in [&mut s1, &mut s2] {
        let by_write = stream.transition_of(TEST_DOUBLE_HI).await;
        assert_eq!(state(&by_write), AlarmState::AckAlm);
        assert_eq!(by_write.ack_comment, "by write");
        assert_eq!(by_write.ack_operator, "supervisor");
    }
    eb.find(WAIT, |e| {
        is_data_change(e, acked) && bool_of(e) == Some(true)
    })
    .await;
    // A second write acknowledges nothing: 1015 in OnWriteComplete.
    write(&mut a, &sa, ha, ack_msg, text("again"), supervisor).await;
    let again = ea.find(WAIT, |e| is_write_complete(e, ack_msg)).await;
    assert_eq!(
        write_status(&again),
        (0, i32::from(detail::ALARM_ACKED_ALREADY))
    );
}

#[tokio::test]
async fn query_active_alarms_filters_orders_and_refuses_bad_queries() {
    let gw = TestGateway::start().await;
    let mut a = gw.admin().await;
    let (sa, ha, flag, _ea) = advised(&mut a, "TestChildObject.TestBool").await;
    write(&mut a, &sa, ha, flag, boolean(true), 0).await;
    let reader = gw.client(&gw.key(&[Scope::AlarmsRead])).await;
    let query = |queries: &[&str], min: u32, max: u32| QueryActiveAlarmsRequest {
        filter: Some(AlarmFilter {
            queries: queries.iter().map(|q| q.to_string()).collect(),
            min_priority: min,
            max_priority: max,
        }),
    };
    let collect = |request: QueryActiveAlarmsRequest| {
        let mut reader = reader.clone();
        async move {
            let mut stream = reader.query_active_alarms(request).await?.into_inner();
            let mut out = Vec::new();
            while let Some(r) = stream.message().await? {
                out.push(r);
            }
            Ok::<_, tonic::Status>(out)
        }
    };
    let test_area = collect(query(&[r"\Galaxy!TestArea"], 0, 0)).await.unwrap();
    let refs: Vec<&str> = test_area.iter().map(|r| r.reference.as_str()).collect();
    assert_eq!(refs, ["TestChildObject.TestBool"]);
    assert_eq!(state(&test_area[0]), AlarmState::UnackAlm);
    assert_eq!(test_area[0].area, "TestArea");
    assert!(collect(query(&[r"\Galaxy!TankFarm!Tank_*"], 0, 0))
        .await
        .unwrap()
        .iter()
        .all(|r| r.tag_name.starts_with("Tank_")));
    assert!(collect(query(&[], 201, 999))
        .await
        .unwrap()
        .iter()
        .all(|r| r.reference != "TestChildObject.TestBool"));
    let all = collect(query(&[], 0, 0)).await.unwrap();
    assert!(all.windows(2).all(|w| w[0].priority <= w[1].priority));
    for bad in [
        query(&["Galaxy!TestArea"], 0, 0),
        query(&[], 0, 1000),
        query(&[], 500, 100),
    ] {
        let err = collect(bad).await.unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument, "{err:?}");
    }
}

#[tokio::test]
async fn acknowledge_alarm_statuses_errors_and_scopes() {
    let gw = TestGateway::start().await;
    let mut a = gw.admin().await;
    let (sa, ha, flag, _ea) = advised(&mut a, "TestChildObject.TestBool").await;
    write(&mut a, &sa, ha, flag, boolean(true), 0).await;
    let mut acker = gw.client(&gw.key(&[Scope::AlarmsAck])).await;
    let ack = |reference: &str, comment: &str, operator: &str| AcknowledgeAlarmRequest {
        reference: reference.into(),
        comment: comment.into(),
        operator: operator.into(),
    };
    // No privilege: 1014, nothing changes.
    let reply = acker
        .acknowledge_alarm(ack("TestChildObject.TestBool", "", "operator"))
        .await
        .unwrap()
        .into_inner();
    let status = reply.status.unwrap();
    assert_eq!(
        (status.success, status.detail),
        (0, i32::from(detail::NO_ALARM_ACK_PRIVILEGE))
    );
    assert_eq!(state(&reply.alarm.unwrap()), AlarmState::UnackAlm);
    // The area form works; then a second ack is 1015.
    let reply = acker
        .acknowledge_alarm(ack("TestArea!TestChildObject.TestBool", "ok", "supervisor"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(reply.status.unwrap().success, 1);
    let reply = acker
        .acknowledge_alarm(ack("TestChildObject.TestBool", "", "supervisor"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        reply.status.unwrap().detail,
        i32::from(detail::ALARM_ACKED_ALREADY)
    );

    let err = acker
        .acknowledge_alarm(ack("TestChildObject.NoSuchAlarm", "", "supervisor"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    assert_eq!(err.metadata().get("mxgateway-error").unwrap(), "not-found");
    assert!(
        err.message().contains("TestChildObject.NoSuchAlarm"),
        "{err:?}"
    );
    for bad in [
        ack("", "", "supervisor"),
        ack("TestChildObject.TestBool", &"x".repeat(257), "supervisor"),
        ack("TestChildObject.TestBool", "", &"x".repeat(257)),
    ] {
        let err = acker.acknowledge_alarm(bad).await.unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument, "{err:?}");
    }

    // Scopes: reading alarms does not allow acknowledging them, and back.
    let mut reader = gw.client(&gw.key(&[Scope::AlarmsRead])).await;
    let err = reader
        .acknowledge_alarm(ack("TestChildObject.TestBool", "", "supervisor"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    let err = acker
        .stream_alarms(StreamAlarmsRequest { filter: None })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    let err = acker
        .query_active_alarms(QueryActiveAlarmsRequest { filter: None })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    let mut nobody = gw.client("mxgw_nobody_notakey").await;
    let err = nobody
        .query_active_alarms(QueryActiveAlarmsRequest { filter: None })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Unauthenticated);
}

#[tokio::test]
async fn tag_constraints_limit_which_alarms_a_key_sees_and_acknowledges() {
    let gw = TestGateway::start().await;
    let mut a = gw.admin().await;
    let (sa, ha, flag, _ea) = advised(&mut a, "TestChildObject.TestBool").await;
    write(&mut a, &sa, ha, flag, boolean(true), 0).await;
    let key = gw
        .gateway
        .keys()
        .create_with_options(
            "tanks only",
            &[Scope::AlarmsRead, Scope::AlarmsAck],
            KeyOptions {
                allow_read: vec!["Tank_*".into()],
                allow_write: vec!["Tank_*".into()],
            },
        )
        .unwrap()
        .key
        .expose()
        .to_string();
    let mut tanks = gw.client(&key).await;
    let stream = AlarmStream::open(&mut tanks, None).await;
    assert!(stream
        .snapshot
        .iter()
        .all(|r| r.tag_name.starts_with("Tank_")));
    let mut query = tanks
        .query_active_alarms(QueryActiveAlarmsRequest { filter: None })
        .await
        .unwrap()
        .into_inner();
    while let Some(r) = query.message().await.unwrap() {
        assert!(r.tag_name.starts_with("Tank_"), "{r:?}");
    }
    let err = tanks
        .acknowledge_alarm(AcknowledgeAlarmRequest {
            reference: "TestChildObject.TestBool".into(),
            comment: String::new(),
            operator: "supervisor".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    assert!(err.message().contains("TestChildObject.TestBool"));
}

/// What a StreamAlarms client shows: the active alarms by reference, built
/// from snapshots (a new one replaces the view) and transitions.
#[derive(Default)]
struct AlarmView {
    active: std::collections::HashMap<String, AlarmState>,
    in_snapshot: bool,
    resyncs: usize,
}

impl AlarmView {
    fn apply(&mut self, e: AlarmEvent) {
        if std::env::var("ALARM_DEBUG").is_ok() {
            eprintln!(
                "{} {} {} {:?}",
                e.kind,
                e.sequence,
                e.resync,
                e.alarm.as_ref().map(|a| (&a.reference, a.state))
            );
        }
        match AlarmEventKind::try_from(e.kind).unwrap() {
            AlarmEventKind::Snapshot => {
                if !self.in_snapshot {
                    self.active.clear();
                    self.in_snapshot = true;
                }
                let a = e.alarm.unwrap();
                self.active.insert(a.reference.clone(), state(&a));
            }
            AlarmEventKind::SnapshotEnd => {
                if !self.in_snapshot {
                    self.active.clear();
                }
                self.in_snapshot = false;
                self.resyncs += usize::from(e.resync);
            }
            AlarmEventKind::Transition => {
                let a = e.alarm.unwrap();
                match state(&a) {
                    AlarmState::AckRtn => self.active.remove(&a.reference),
                    s => self.active.insert(a.reference.clone(), s),
                };
            }
            AlarmEventKind::Unspecified => panic!("unspecified alarm event"),
        }
    }

    /// Reads until the view shows `reference` in `state`.
    async fn follow_until(&mut self, stream: &mut AlarmStream, reference: &str, state: AlarmState) {
        while self.active.get(reference) != Some(&state) || self.in_snapshot {
            self.apply(stream.next().await);
        }
    }
}

#[tokio::test]
async fn a_stalled_alarm_stream_resynchronizes_and_never_holds_up_the_others() {
    let gw = TestGateway::start_with(|c| c.limits.alarm_feed_capacity = 64).await;
    let reader = gw.key(&[Scope::AlarmsRead]);
    // A small HTTP/2 window, so the stalled client stops accepting data soon.
    let channel =
        tonic::transport::Endpoint::from_shared(format!("http://{}", gw.gateway.local_addr()))
            .unwrap()
            .initial_stream_window_size(Some(16 * 1024))
            .initial_connection_window_size(Some(16 * 1024))
            .connect()
            .await
            .unwrap();
    let mut stalled_client =
        mxgateway_proto::v1::mx_access_gateway_client::MxAccessGatewayClient::with_interceptor(
            channel,
            Auth(reader.clone()),
        );
    let mut stalled = AlarmStream::open(&mut stalled_client, None).await;
    let mut prompt_client = gw.client(&reader).await;
    let mut prompt = AlarmStream::open(&mut prompt_client, filter(&[r"\Galaxy!TestArea"])).await;
    let mut prompt_view = AlarmView::default();
    let mut stalled_view = AlarmView::default();
    for (view, stream) in [(&mut prompt_view, &prompt), (&mut stalled_view, &stalled)] {
        for a in &stream.snapshot {
            view.active.insert(a.reference.clone(), state(a));
        }
    }

    // 5,000 transitions in one bulk write while the stalled stream reads
    // nothing: the write completes, which is the point.
    const FLIPS: usize = 5_000;
    let mut a = gw.admin().await;
    let (sa, ha, flag, mut ea) = advised(&mut a, "TestChildObject.TestBool").await;
    let entries = (0..FLIPS)
        .map(|i| WriteBulkEntry {
            item_handle: flag,
            value: Some(boolean(i % 2 == 0)),
            user_id: 0,
        })
        .collect();
    let reply = invoke(
        &mut a,
        &sa,
        Command::WriteBulk(WriteBulkCommand {
            server_handle: ha,
            entries,
        }),
    )
    .await
    .unwrap();
    assert_eq!(reply.hresult, 0);
    let Some(mxgateway_proto::v1::mx_command_reply::Result::WriteResults(results)) = reply.result
    else {
        panic!("{reply:?}")
    };
    let failed: Vec<_> = results
        .results
        .iter()
        .filter(|r| !r.was_successful)
        .collect();
    assert!(
        failed.is_empty(),
        "{} failed, e.g. {:?}",
        failed.len(),
        failed.first()
    );
    // A sentinel after the flips, through the same session so the plant applies
    // it after them (writes complete asynchronously): once a view shows it, it
    // has everything before.
    let value = add_item(&mut a, &sa, ha, "TestChildObject.TestDouble").await;
    advise(&mut a, &sa, ha, value).await;
    ea.find(WAIT, |e| is_data_change(e, value)).await;
    write(&mut a, &sa, ha, value, double(500.0), 0).await;

    prompt_view
        .follow_until(&mut prompt, TEST_DOUBLE_HI, AlarmState::UnackAlm)
        .await;
    assert_eq!(
        prompt_view.active.get("TestChildObject.TestBool"),
        Some(&AlarmState::UnackRtn),
        "the last flip cleared the flag"
    );
    stalled_view
        .follow_until(&mut stalled, TEST_DOUBLE_HI, AlarmState::UnackAlm)
        .await;
    assert!(
        stalled_view.resyncs >= 1,
        "the stalled stream fell behind and resynchronized"
    );
    assert_eq!(
        stalled_view.active.get("TestChildObject.TestBool"),
        Some(&AlarmState::UnackRtn)
    );
    assert_eq!(
        prompt_view.active.get(TEST_DOUBLE_HI),
        stalled_view.active.get(TEST_DOUBLE_HI)
    );
}

//! Alarm conditions, the alarm state machine, acknowledgement (through the
//! plant API and through writes to `.AckMsg`), the feed and its resync, and
//! the alarm parts of model validation.

use std::time::Duration;

use mxgateway_mx::{detail, MxStatus, MxValue, StatusCategory, Timestamp};

use super::{as_user, demo_without_security, drain, next, spawn_run, write};
use crate::*;

const TEST_DOUBLE_HI: &str = "TestChildObject.TestDouble.Hi";

/// The next feed event, which must be a transition; returns its record.
async fn transition(feed: &mut AlarmFeed) -> (u64, AlarmRecord) {
    match tokio::time::timeout(Duration::from_secs(30), feed.next())
        .await
        .expect("an alarm transition")
    {
        AlarmFeedEvent::Transition { sequence, record } => (sequence, (*record).clone()),
        AlarmFeedEvent::Resync(s) => panic!("unexpected resync: {s:?}"),
    }
}

/// A connection with `reference` subscribed as id 1, its first update consumed.
async fn writer(plant: &Plant, reference: &str) -> (Connection, Updates) {
    let (conn, mut updates) = plant.connect("writer");
    conn.subscribe(1, reference, "", false);
    next(&mut updates).await;
    (conn, updates)
}

fn refused_detail(err: AlarmAckError) -> (StatusCategory, i16, AlarmState) {
    match err {
        AlarmAckError::Refused { status, record } => (status.category, status.detail, record.state),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn a_write_past_a_limit_raises_the_alarm_and_its_sub_attributes_follow() {
    let plant = demo_without_security();
    let (snapshot, mut feed) = plant.subscribe_alarms();
    assert!(
        snapshot
            .alarms
            .iter()
            .all(|a| a.reference != TEST_DOUBLE_HI),
        "idle at start"
    );
    let (conn, _w) = writer(&plant, "TestChildObject.TestDouble").await;
    let (watch, mut watched) = plant.connect("watcher");
    watch.subscribe(10, "TestChildObject.TestDouble.Hi.InAlarm", "", false);
    watch.subscribe(11, "TestChildObject.TestDouble.Hi.Acked", "", false);
    let initial = drain(&mut watched).await;
    assert_eq!(initial.len(), 2);
    assert_eq!(initial[0].vtq.value, MxValue::Bool(false));
    assert_eq!(initial[1].vtq.value, MxValue::Bool(true));

    assert_eq!(conn.write(1, write(MxValue::Double(150.0))), MxStatus::OK);
    let (seq, raised) = transition(&mut feed).await;
    assert!(seq > snapshot.sequence);
    assert_eq!(raised.reference, TEST_DOUBLE_HI);
    assert_eq!(raised.state, AlarmState::UnackAlm);
    assert_eq!(raised.condition, AlarmCondition::Hi);
    assert_eq!(raised.value, MxValue::Double(150.0));
    assert_eq!(raised.limit, Some(MxValue::Double(100.0)));
    assert_eq!(raised.priority, 300);
    assert_eq!(raised.category, "Value Hi");
    assert_eq!(raised.description, "Test value high");
    assert_eq!(raised.area, "TestArea");
    assert_eq!(raised.source_reference, "TestChildObject.TestDouble");
    assert!(raised.time_alarm_on.is_some());
    assert_eq!(raised.time_alarm_acked, None);
    let changes = drain(&mut watched).await;
    let of = |id: u64| changes.iter().rev().find(|u| u.sub_id == id).unwrap();
    assert_eq!(of(10).vtq.value, MxValue::Bool(true));
    assert_eq!(of(11).vtq.value, MxValue::Bool(false));
    assert_eq!(
        plant
            .read("TestChildObject.TestDouble.Hi.TimeAlarmOn")
            .unwrap()
            .value,
        MxValue::Time(raised.time_alarm_on.unwrap())
    );

    // Back under the limit: unacknowledged return to normal, still active.
    assert_eq!(conn.write(1, write(MxValue::Double(50.0))), MxStatus::OK);
    let (_, back) = transition(&mut feed).await;
    assert_eq!(back.state, AlarmState::UnackRtn);
    assert!(back.time_alarm_off.is_some());
    assert!(plant
        .active_alarms()
        .alarms
        .iter()
        .any(|a| a.reference == TEST_DOUBLE_HI));

    // Acknowledging the return ends it; a second acknowledgement is 1015.
    let acked = plant
        .acknowledge_alarm(TEST_DOUBLE_HI, "seen", "anyone")
        .unwrap();
    assert_eq!(acked.state, AlarmState::AckRtn);
    assert_eq!(acked.ack_comment, "seen");
    assert_eq!(acked.ack_operator, "anyone");
    let (_, ended) = transition(&mut feed).await;
    assert_eq!(ended.state, AlarmState::AckRtn);
    assert!(plant
        .active_alarms()
        .alarms
        .iter()
        .all(|a| a.reference != TEST_DOUBLE_HI));
    let err = plant
        .acknowledge_alarm(TEST_DOUBLE_HI, "", "anyone")
        .unwrap_err();
    assert_eq!(
        refused_detail(err),
        (
            StatusCategory::OperationalError,
            detail::ALARM_ACKED_ALREADY,
            AlarmState::AckRtn
        )
    );
}

#[tokio::test]
async fn acknowledging_in_alarm_keeps_it_active_until_it_returns() {
    let plant = demo_without_security();
    let (_, mut feed) = plant.subscribe_alarms();
    let (conn, _w) = writer(&plant, "TestChildObject.TestBool").await;
    assert_eq!(conn.write(1, write(MxValue::Bool(true))), MxStatus::OK);
    let (_, raised) = transition(&mut feed).await;
    assert_eq!(raised.reference, "TestChildObject.TestBool");
    assert_eq!(raised.condition, AlarmCondition::Discrete);
    assert_eq!(raised.limit, None);
    let acked = plant
        .acknowledge_alarm("TestChildObject.TestBool", "on it", "op")
        .unwrap();
    assert_eq!(acked.state, AlarmState::AckAlm);
    assert_eq!(transition(&mut feed).await.1.state, AlarmState::AckAlm);
    assert_eq!(
        plant.read("TestChildObject.TestBool.Acked").unwrap().value,
        MxValue::Bool(true)
    );
    assert_eq!(
        plant.read("TestChildObject.TestBool.AckMsg").unwrap().value,
        MxValue::String("on it".into())
    );
    assert_eq!(conn.write(1, write(MxValue::Bool(false))), MxStatus::OK);
    assert_eq!(transition(&mut feed).await.1.state, AlarmState::AckRtn);
    // A new occurrence resets Acked.
    assert_eq!(conn.write(1, write(MxValue::Bool(true))), MxStatus::OK);
    assert_eq!(transition(&mut feed).await.1.state, AlarmState::UnackAlm);
    assert_eq!(
        plant.read("TestChildObject.TestBool.Acked").unwrap().value,
        MxValue::Bool(false)
    );
}

#[tokio::test]
async fn writing_ackmsg_acknowledges_for_an_authenticated_user_with_the_privilege() {
    let plant = Plant::demo();
    let (_, mut feed) = plant.subscribe_alarms();
    let (conn, _w) = writer(&plant, "TestChildObject.TestBool").await;
    assert_eq!(conn.write(1, write(MxValue::Bool(true))), MxStatus::OK);
    transition(&mut feed).await;

    let (acker, _a) = writer(&plant, "TestChildObject.TestBool.AckMsg").await;
    // Nobody, and a user without ack_alarms: 1014.
    let operator = acker.authenticate("operator", "operator-demo").unwrap();
    for user_id in [0, operator] {
        let status = acker.write(1, as_user(MxValue::String("x".into()), user_id));
        assert_eq!(
            (status.category, status.detail),
            (
                StatusCategory::SecurityError,
                detail::NO_ALARM_ACK_PRIVILEGE
            )
        );
    }
    // An id authenticated on another connection counts as nobody here.
    let (other, _o) = plant.connect("other");
    let supervisor_elsewhere = other.authenticate("supervisor", "supervisor-demo").unwrap();
    let status = acker.write(
        1,
        as_user(MxValue::String("x".into()), supervisor_elsewhere),
    );
    assert_eq!(status.detail, detail::NO_ALARM_ACK_PRIVILEGE);

    let supervisor = acker.authenticate("supervisor", "supervisor-demo").unwrap();
    let status = acker.write(1, as_user(MxValue::String("checked".into()), supervisor));
    assert_eq!(status, MxStatus::OK);
    let (_, acked) = transition(&mut feed).await;
    assert_eq!(acked.state, AlarmState::AckAlm);
    assert_eq!(acked.ack_operator, "supervisor");
    assert_eq!(acked.ack_comment, "checked");
    // Already acknowledged: 1015, and nothing changes.
    let status = acker.write(1, as_user(MxValue::String("again".into()), supervisor));
    assert_eq!(
        (status.category, status.detail),
        (
            StatusCategory::OperationalError,
            detail::ALARM_ACKED_ALREADY
        )
    );
    assert_eq!(
        plant.read("TestChildObject.TestBool.AckMsg").unwrap().value,
        MxValue::String("checked".into())
    );
    // Comments are limited to 256 characters.
    assert_eq!(conn.write(1, write(MxValue::Bool(false))), MxStatus::OK);
    assert_eq!(conn.write(1, write(MxValue::Bool(true))), MxStatus::OK);
    let long = "x".repeat(MAX_ACK_COMMENT_CHARS + 1);
    let status = acker.write(1, as_user(MxValue::String(long), supervisor));
    assert_eq!(status.detail, detail::DATA_OUT_OF_RANGE);
    let empty = acker.write(1, as_user(MxValue::String(String::new()), supervisor));
    assert_eq!(empty, MxStatus::OK, "an empty comment acknowledges too");
}

#[tokio::test]
async fn acknowledge_alarm_checks_the_operator_and_accepts_every_reference_form() {
    let plant = Plant::demo();
    let (conn, _w) = writer(&plant, "TestChildObject.TestDouble").await;
    assert_eq!(conn.write(1, write(MxValue::Double(101.0))), MxStatus::OK);
    for operator in ["operator", "viewer", "nobody", ""] {
        let err = plant
            .acknowledge_alarm(TEST_DOUBLE_HI, "", operator)
            .unwrap_err();
        assert_eq!(
            refused_detail(err),
            (
                StatusCategory::SecurityError,
                detail::NO_ALARM_ACK_PRIVILEGE,
                AlarmState::UnackAlm
            ),
            "{operator}"
        );
    }
    match plant.acknowledge_alarm("TestChildObject.NoSuch.Hi", "", "supervisor") {
        Err(AlarmAckError::UnknownAlarm { reference }) => {
            assert_eq!(reference, "TestChildObject.NoSuch.Hi")
        }
        other => panic!("{other:?}"),
    }
    for reference in [
        "testchildobject.testdouble.hi",
        "TestArea!TestChildObject.TestDouble.Hi",
        "TestParentObject.TestChild.TestDouble.Hi",
    ] {
        let found = plant.alarm(reference).expect(reference);
        assert_eq!(found.reference, TEST_DOUBLE_HI);
    }
    let acked = plant
        .acknowledge_alarm(
            "TestParentObject.TestChild.TestDouble.Hi",
            "ok",
            "Supervisor",
        )
        .unwrap();
    assert_eq!(acked.state, AlarmState::AckAlm);
    assert!(plant.alarm("TestChildObject.TestDouble").is_none());
}

#[tokio::test]
async fn limit_alarms_respect_levels_deadbands_and_limit_writes() {
    let plant = demo_without_security();
    let (conn, _w) = writer(&plant, "Tank_001.Level").await;
    let state = |r: &str| plant.alarm(r).unwrap().state;
    assert_eq!(conn.write(1, write(MxValue::Double(96.0))), MxStatus::OK);
    assert_eq!(state("Tank_001.Level.HiHi"), AlarmState::UnackAlm);
    assert_eq!(state("Tank_001.Level.Hi"), AlarmState::UnackAlm);
    // Hi has a deadband of 1: it stays in alarm down to 74.
    assert_eq!(conn.write(1, write(MxValue::Double(74.5))), MxStatus::OK);
    assert_eq!(state("Tank_001.Level.HiHi"), AlarmState::UnackRtn);
    assert_eq!(state("Tank_001.Level.Hi"), AlarmState::UnackAlm);
    assert_eq!(conn.write(1, write(MxValue::Double(73.9))), MxStatus::OK);
    assert_eq!(state("Tank_001.Level.Hi"), AlarmState::UnackRtn);
    // Exactly at a low limit is in alarm.
    assert_eq!(conn.write(1, write(MxValue::Double(15.0))), MxStatus::OK);
    assert_eq!(state("Tank_001.Level.Lo"), AlarmState::UnackAlm);
    assert_eq!(state("Tank_001.Level.LoLo"), AlarmState::AckRtn);
    // Moving the limit raises or clears at once.
    let (limit, _l) = writer(&plant, "Tank_001.Level.Lo.Limit").await;
    assert_eq!(limit.write(1, write(MxValue::Double(10.0))), MxStatus::OK);
    assert_eq!(state("Tank_001.Level.Lo"), AlarmState::UnackRtn);
    assert_eq!(
        plant.alarm("Tank_001.Level.Lo").unwrap().limit,
        Some(MxValue::Double(10.0))
    );
    let (limit, _l) = writer(&plant, "TestChildObject.TestDouble.Hi.Limit").await;
    assert_eq!(limit.write(1, write(MxValue::Int32(3))), MxStatus::OK);
    assert_eq!(state(TEST_DOUBLE_HI), AlarmState::UnackAlm);
    // Tank_002 has its own alarms.
    assert_eq!(state("Tank_002.Level.Hi"), AlarmState::AckRtn);
}

#[tokio::test]
async fn alarm_sub_attributes_keep_their_rules() {
    let plant = demo_without_security();
    for (reference, expected) in [
        ("Tank_001.Level.Hi.Priority", MxValue::Int32(500)),
        ("Tank_001.Level.HiHi.Priority", MxValue::Int32(100)),
        (
            "Tank_001.Level.Hi.Category",
            MxValue::String("Value Hi".into()),
        ),
        (
            "Tank_001.Level.Hi.Description",
            MxValue::String("Tank level high".into()),
        ),
        ("Tank_001.Level.Hi.Limit", MxValue::Double(75.0)),
        (
            "Compressor_001.Overload.Category",
            MxValue::String("Process".into()),
        ),
        ("Compressor_001.Overload.InAlarm", MxValue::Bool(false)),
        ("Tank_001.Level.Hi.AckMsg", MxValue::String(String::new())),
        (
            "Tank_001.Level.Hi.TimeAlarmOn",
            MxValue::Time(Timestamp::default()),
        ),
    ] {
        assert_eq!(
            plant.read(reference).unwrap().value,
            expected,
            "{reference}"
        );
    }
    for read_only in [
        "Tank_001.Level.Hi.InAlarm",
        "Tank_001.Level.Hi.Acked",
        "Tank_001.Level.Hi.TimeAlarmOn",
        "Tank_001.Level.Hi.Category",
    ] {
        let (conn, _u) = writer(&plant, read_only).await;
        let status = conn.write(1, write(MxValue::Bool(true)));
        assert_eq!(status.detail, detail::NOT_WRITEABLE, "{read_only}");
    }
    let (conn, _u) = writer(&plant, "Tank_001.Level.Hi.Priority").await;
    for bad in [0, 1000, -5] {
        let status = conn.write(1, write(MxValue::Int32(bad)));
        assert_eq!(status.detail, detail::DATA_OUT_OF_RANGE, "{bad}");
    }
    assert_eq!(conn.write(1, write(MxValue::Int32(7))), MxStatus::OK);
    assert_eq!(plant.alarm("Tank_001.Level.Hi").unwrap().priority, 7);
    // The alarm primitive itself is not an attribute.
    assert!(plant.read("Tank_001.Level.Hi").is_err());
}

#[tokio::test]
async fn snapshots_list_active_alarms_most_urgent_first() {
    let plant = demo_without_security();
    let (a, _a) = writer(&plant, "TestChildObject.TestDouble").await;
    let (b, _b) = writer(&plant, "TestChildObject.TestBool").await;
    let (c, _c) = writer(&plant, "Tank_002.Level").await;
    assert_eq!(a.write(1, write(MxValue::Double(500.0))), MxStatus::OK);
    assert_eq!(b.write(1, write(MxValue::Bool(true))), MxStatus::OK);
    assert_eq!(c.write(1, write(MxValue::Double(99.0))), MxStatus::OK);
    let refs: Vec<String> = plant
        .active_alarms()
        .alarms
        .into_iter()
        .map(|r| r.reference)
        .collect();
    assert_eq!(
        refs,
        [
            "Tank_002.Level.HiHi",
            "TestChildObject.TestBool",
            "TestChildObject.TestDouble.Hi",
            "Tank_002.Level.Hi",
        ]
    );
    let filter = AlarmFilter::parse(&[r"\Galaxy!TankFarm".to_string()], 0, 0).unwrap();
    let tanks = plant.active_alarms().filtered("ZB", &filter);
    assert_eq!(tanks.alarms.len(), 2);
}

#[tokio::test]
async fn a_lagging_subscriber_resynchronizes_from_a_fresh_snapshot() {
    let plant = Plant::with_config(
        {
            let mut m = GalaxyModel::demo();
            m.security_enabled = false;
            m
        },
        PlantConfig {
            alarm_feed_capacity: 2,
            ..PlantConfig::default()
        },
    )
    .unwrap();
    let (_, mut slow) = plant.subscribe_alarms();
    let (_, mut prompt) = plant.subscribe_alarms();
    let (conn, _w) = writer(&plant, "TestChildObject.TestBool").await;
    for i in 0..5 {
        assert_eq!(
            conn.write(1, write(MxValue::Bool(i % 2 == 0))),
            MxStatus::OK
        );
        // The prompt subscriber keeps up and sees every transition.
        let (_, r) = transition(&mut prompt).await;
        assert_eq!(r.state.in_alarm(), i % 2 == 0);
    }
    let AlarmFeedEvent::Resync(snapshot) = slow.next().await else {
        panic!("the slow subscriber must resync");
    };
    let bool_alarm = snapshot
        .alarms
        .iter()
        .find(|a| a.reference == "TestChildObject.TestBool")
        .expect("the alarm is active");
    assert_eq!(bool_alarm.state, AlarmState::UnackAlm);
    // After the resync it follows again.
    assert_eq!(conn.write(1, write(MxValue::Bool(false))), MxStatus::OK);
    let (sequence, r) = transition(&mut slow).await;
    assert_eq!(r.state, AlarmState::UnackRtn);
    assert_eq!(sequence, snapshot.sequence + 1);
}

#[tokio::test]
async fn a_deploy_keeps_alarm_state_and_resynchronizes_feeds() {
    let plant = demo_without_security();
    let (conn, _w) = writer(&plant, "TestChildObject.TestBool").await;
    assert_eq!(conn.write(1, write(MxValue::Bool(true))), MxStatus::OK);
    let (_, mut feed) = plant.subscribe_alarms();
    let before = plant.alarm("TestChildObject.TestBool").unwrap();
    let mut model = GalaxyModel::demo();
    model.security_enabled = false;
    plant.deploy(model).unwrap();
    let AlarmFeedEvent::Resync(snapshot) = feed.next().await else {
        panic!("a deploy resynchronizes");
    };
    let after = snapshot
        .alarms
        .iter()
        .find(|a| a.reference == "TestChildObject.TestBool")
        .unwrap();
    assert_eq!(after.state, AlarmState::UnackAlm);
    assert_eq!(after.time_alarm_on, before.time_alarm_on);
}

#[tokio::test(start_paused = true)]
async fn the_demo_compressor_overload_comes_and_goes_on_its_own() {
    let plant = Plant::demo();
    let (_, mut feed) = plant.subscribe_alarms();
    let (cancel, task) = spawn_run(&plant);
    let mut seen = Vec::new();
    while seen.len() < 3 {
        let (_, r) = transition(&mut feed).await;
        if r.reference == "Compressor_001.Overload" {
            seen.push(r.state);
        }
    }
    assert_eq!(
        seen,
        [
            AlarmState::UnackAlm,
            AlarmState::UnackRtn,
            AlarmState::UnackAlm
        ]
    );
    cancel.cancel();
    task.await.unwrap();
}

#[test]
fn alarm_definitions_are_validated() {
    fn invalid(toml_attr: &str) -> String {
        let text = format!(
            "galaxy = \"G\"\n[[templates]]\nname = \"$T\"\nattributes = [ {toml_attr} ]\n[[objects]]\ntag_name = \"O\"\ntemplate = \"$T\"\n"
        );
        let model = GalaxyModel::from_toml_str(&text, "t").unwrap();
        Plant::new(model).unwrap_err().to_string()
    }
    for (attr, needle) in [
        (
            r#"{ name = "B", type = "Boolean", alarms = { hi = { limit = 1.0 } } }"#,
            "limit alarms need",
        ),
        (
            r#"{ name = "S", type = "String", alarms = { lo = { limit = 1.0 } } }"#,
            "limit alarms need",
        ),
        (
            r#"{ name = "D", type = "Double", alarms = { discrete = {} } }"#,
            "discrete alarm needs a Boolean",
        ),
        (
            r#"{ name = "A", type = "Double", array = 2, alarms = { hi = { limit = 1.0 } } }"#,
            "scalar",
        ),
        (
            r#"{ name = "P", type = "Double", alarms = { hi = { limit = 1.0, priority = 0 } } }"#,
            "priority 0",
        ),
        (
            r#"{ name = "P", type = "Double", alarms = { hi = { limit = 1.0, priority = 1000 } } }"#,
            "priority 1000",
        ),
        (
            r#"{ name = "N", type = "Double", alarms = { hi = { limit = nan } } }"#,
            "finite",
        ),
        (
            r#"{ name = "N", type = "Double", alarms = { hi = { limit = 1.0, deadband = -1.0 } } }"#,
            "deadband",
        ),
        (
            r#"{ name = "X", type = "Boolean", alarms = { discrete = {} } }, { name = "X.InAlarm", type = "Boolean" }"#,
            "also declared",
        ),
    ] {
        let err = invalid(attr);
        assert!(err.contains(needle), "{attr}: {err}");
    }
}

//! Behaviour tests of the plant through its public API: the demo galaxy, reference
//! resolution, writes and security, conversions, faults, back-pressure and large
//! generated galaxies. Time-dependent tests run on tokio's paused clock.

use std::collections::HashMap;
use std::time::Duration;

use mxgateway_mx::{detail, quality, DataType, MxStatus, MxValue, StatusCategory, StatusSource};
use tokio_util::sync::CancellationToken;

use crate::*;

mod alarms;
mod conformance;
mod deploy;

// === helpers ===

/// Waits for the next update (the queue is filled synchronously by the plant, so
/// this never waits on a clock for subscribe/write/fault updates).
async fn next(updates: &mut Updates) -> Update {
    let mut out = Vec::new();
    assert!(updates.recv_batch(1, &mut out).await, "plant gone");
    out.pop().unwrap()
}

/// Takes everything queued right now.
async fn drain(updates: &mut Updates) -> Vec<Update> {
    let mut out = Vec::new();
    while updates.pending() > 0 {
        assert!(updates.recv_batch(usize::MAX, &mut out).await);
    }
    out
}

fn write(value: MxValue) -> WriteRequest {
    WriteRequest {
        value,
        timestamp: None,
        user_id: 0,
        verifier_user_id: 0,
        secured: false,
    }
}

fn as_user(value: MxValue, user_id: i32) -> WriteRequest {
    WriteRequest {
        user_id,
        ..write(value)
    }
}

fn secured(value: MxValue, user_id: i32, verifier_user_id: i32) -> WriteRequest {
    WriteRequest {
        value,
        timestamp: None,
        user_id,
        verifier_user_id,
        secured: true,
    }
}

fn value(plant: &Plant, reference: &str) -> MxValue {
    plant.read(reference).unwrap().value
}

/// A subscription on a fresh connection, with its initial update consumed.
async fn subscribed(plant: &Plant, reference: &str) -> (Connection, Updates, Update) {
    let (conn, mut updates) = plant.connect("test");
    conn.subscribe(1, reference, "", false);
    let first = next(&mut updates).await;
    assert_eq!(first.sub_id, 1);
    (conn, updates, first)
}

fn demo_without_security() -> Plant {
    let mut model = GalaxyModel::demo();
    model.security_enabled = false;
    Plant::new(model).unwrap()
}

fn detail_of(status: MxStatus) -> (StatusCategory, i16) {
    (status.category, status.detail)
}

// === the model ===

#[test]
fn demo_model_parses_validates_and_round_trips() {
    let model = GalaxyModel::demo();
    model.validate().unwrap();
    assert_eq!(model.galaxy, "ZB");
    assert!(model.security_enabled);
    let text = model.to_toml_string().unwrap();
    assert_eq!(
        GalaxyModel::from_toml_str(&text, "round trip").unwrap(),
        model
    );
    assert_eq!(Plant::demo().galaxy_name(), "ZB");
}

#[test]
fn demo_covers_every_scalar_type_arrays_classifications_and_users() {
    let plant = Plant::demo();
    for (reference, data_type) in [
        ("TestChildObject.TestBool", MxValue::Bool(false)),
        ("TestChildObject.TestInt", MxValue::Int32(0)),
        ("TestChildObject.TestFloat", MxValue::Float(1.5)),
        ("TestChildObject.TestDouble", MxValue::Double(3.25)),
        (
            "TestChildObject.TestString",
            MxValue::String("Hello, galaxy".into()),
        ),
        (
            "TestChildObject.TestElapsedTime",
            MxValue::ElapsedTime(90_500_000_000),
        ),
    ] {
        assert_eq!(value(&plant, reference), data_type, "{reference}");
    }
    assert!(
        matches!(value(&plant, "TestChildObject.TestTime"), MxValue::Time(t) if t.seconds() == 1_704_067_200)
    );
    assert_eq!(
        value(&plant, "TestChildObject.TestDoubleArray[]"),
        MxValue::DoubleArray(vec![1.0, 2.0, 3.0, 4.0, 5.0])
    );
    assert!(
        matches!(value(&plant, "TestChildObject.TestStringArray[]"), MxValue::StringArray(a) if a.len() == 3)
    );
    let model = plant.model();
    let names: Vec<_> = model.users.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(names, ["operator", "supervisor", "engineer", "viewer"]);
    assert_eq!(model.areas.len(), 4);
    // Every object has ScanState, true while on scan.
    for reference in plant
        .references()
        .iter()
        .filter(|r| r.ends_with(".ScanState"))
    {
        assert_eq!(value(&plant, reference), MxValue::Bool(true), "{reference}");
    }
}

#[test]
fn every_demo_attribute_resolves_with_good_quality() {
    let plant = Plant::demo();
    let references = plant.references();
    assert!(references.len() > 80, "{}", references.len());
    for reference in &references {
        let vtq = plant
            .read(reference)
            .unwrap_or_else(|s| panic!("{reference}: {s:?}"));
        assert_eq!(vtq.quality, quality::GOOD, "{reference}");
    }
}

#[test]
fn invalid_models_list_every_problem() {
    let text = r#"
        galaxy = "Broken"
        security_enabled = true

        [[areas]]
        name = "A"
        engine = "NoEngine"

        [[templates]]
        name = "NoDollar"

        [[templates]]
        name = "$Loop1"
        derived_from = "$Loop2"

        [[templates]]
        name = "$Loop2"
        derived_from = "$Loop1"

        [[objects]]
        tag_name = "Obj"
        template = "$Missing"
        attributes = [
          { name = "X", type = "Quaternion" },
          { name = "Y" },
          { name = "Z", type = "Integer", value = "twelve" },
          { name = "W", type = "String", generator = { kind = "sine" } },
          { name = "ScanState", type = "Boolean" },
        ]

        [[objects]]
        tag_name = "obj"
        container = "Nowhere"
    "#;
    let model = GalaxyModel::from_toml_str(text, "broken.toml").unwrap();
    let err = Plant::new(model).unwrap_err();
    let message = err.to_string();
    for needle in [
        "no users",
        "engine \"NoEngine\"",
        "start with '$'",
        "cycle",
        "template \"$Missing\"",
        "unknown type \"Quaternion\"",
        "no type",
        "cannot parse",
        "numeric attribute",
        "ScanState is built in",
        "used twice",
        "container \"Nowhere\"",
    ] {
        assert!(
            message.contains(needle),
            "missing {needle:?} in:\n{message}"
        );
    }
}

#[test]
fn load_errors_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.toml");
    let err = Plant::load(&missing).unwrap_err();
    assert!(matches!(err, ModelError::Read { .. }));
    assert!(err.to_string().contains("missing.toml"), "{err}");

    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "galaxy = \"X\"\nsurprise = 1\n").unwrap();
    let err = Plant::load(&bad).unwrap_err();
    assert!(matches!(err, ModelError::Parse { .. }));
    let text = err.to_string();
    assert!(
        text.contains("bad.toml") && text.contains("surprise"),
        "{text}"
    );

    let good = dir.path().join("demo.toml");
    std::fs::write(&good, DEMO_GALAXY_TOML).unwrap();
    assert_eq!(Plant::load(&good).unwrap().galaxy_name(), "ZB");
}

#[test]
fn user_passwords_are_redacted_in_debug_output() {
    let model = GalaxyModel::demo();
    let debug = format!("{model:?}");
    assert!(!debug.contains("operator-demo"));
    assert!(debug.contains("<redacted>"));
}

// === references ===

#[tokio::test]
async fn hierarchical_relative_and_tag_references_reach_the_same_point() {
    let plant = Plant::demo();
    let (conn, mut updates) = plant.connect("refs");
    let forms = [
        ("TestChildObject.TestInt", ""),
        ("TestParentObject.TestChild.TestInt", ""),
        ("testchildobject.TESTINT", ""),
        ("Me.TestInt", "TestChildObject"),
        ("ME.TestInt", "TestParentObject.TestChild"),
        ("MyContainer.TestChild.TestInt", "TestChildObject"),
    ];
    for (i, (reference, context)) in forms.iter().enumerate() {
        conn.subscribe(i as u64, reference, context, false);
        let u = next(&mut updates).await;
        assert!(u.status.is_success(), "{reference}: {:?}", u.status);
    }
    assert_eq!(conn.write(3, write(MxValue::Int32(4242))), MxStatus::OK);
    let got = drain(&mut updates).await;
    assert_eq!(got.len(), forms.len());
    assert!(got
        .iter()
        .all(|u| u.vtq.value == MxValue::Int32(4242) && u.data_type == DataType::Integer));
}

#[tokio::test]
async fn bare_objects_mean_pv_and_relative_anchors_follow_the_model() {
    let plant = Plant::demo();
    let (conn, mut updates) = plant.connect("pv");
    conn.subscribe(1, "TestParentObject", "", false);
    conn.subscribe(2, "MyContainer", "TestChildObject", false);
    conn.subscribe(3, "Tank_001.InletValve", "", false);
    conn.subscribe(4, "MyArea.ScanState", "Tank_001", false);
    conn.subscribe(5, "myengine.ScanState", "InletValve_001", false);
    conn.subscribe(6, "MyPlatform.ScanState", "Boiler_001", false);
    let got = drain(&mut updates).await;
    assert_eq!(got.len(), 6);
    assert_eq!(got[0].data_type, DataType::Double);
    assert_eq!(got[1].vtq.value, got[0].vtq.value);
    assert_eq!(got[2].data_type, DataType::Boolean);
    assert!(got.iter().all(|u| u.status.is_success()), "{got:?}");
}

#[tokio::test]
async fn unknown_objects_and_attributes_fail_with_config_errors() {
    let plant = Plant::demo();
    let (conn, mut updates) = plant.connect("bad");
    let cases = [
        (
            "NoSuchObject.Attr",
            "",
            StatusSource::RequestingLmx,
            detail::RESOLVING_OBJECT,
        ),
        (
            "TestChildObject.NoSuchAttr",
            "",
            StatusSource::RespondingAutomationObject,
            detail::RESOLVING_ATTRIBUTE,
        ),
        (
            "TestParentObject.NoChild.TestInt",
            "",
            StatusSource::RespondingAutomationObject,
            detail::RESOLVING_ATTRIBUTE,
        ),
        // No PV on TestChildObject.
        (
            "TestChildObject",
            "",
            StatusSource::RespondingAutomationObject,
            detail::RESOLVING_ATTRIBUTE,
        ),
        (
            "Me.TestInt",
            "",
            StatusSource::RequestingLmx,
            detail::RESOLVING_OBJECT,
        ),
        (
            "MyContainer.PV",
            "TestParentObject",
            StatusSource::RequestingLmx,
            detail::RESOLVING_OBJECT,
        ),
        (
            "",
            "",
            StatusSource::RequestingLmx,
            detail::INVALID_REFERENCE,
        ),
        (
            "TestChildObject..TestInt",
            "",
            StatusSource::RequestingLmx,
            detail::INVALID_REFERENCE,
        ),
        (
            "TestChildObject.Test[Int",
            "",
            StatusSource::RequestingLmx,
            detail::INVALID_REFERENCE,
        ),
    ];
    for (i, (reference, context, source, code)) in cases.iter().enumerate() {
        conn.subscribe(i as u64, reference, context, false);
        let u = next(&mut updates).await;
        assert_eq!(u.sub_id, i as u64);
        assert_eq!(u.status.success, 0, "{reference}");
        assert_eq!(
            u.status.category,
            StatusCategory::ConfigurationError,
            "{reference}"
        );
        assert_eq!(u.status.detected_by, *source, "{reference}");
        assert_eq!(u.status.detail, *code, "{reference}");
        assert_eq!(u.vtq.quality, quality::BAD_CONFIG_ERROR);
        assert_eq!(u.vtq.value, MxValue::Empty);
        assert_eq!(u.data_type, DataType::Unknown);
    }
    assert_eq!(
        plant.read("NoSuchObject.Attr").unwrap_err().detail,
        detail::RESOLVING_OBJECT
    );
}

#[test]
fn attribute_names_with_dots_resolve() {
    let plant = Plant::demo();
    assert_eq!(value(&plant, "Tank_001.Level.Max"), MxValue::Double(90.0));
    assert_eq!(value(&plant, "Tank_001.Level.Min"), MxValue::Double(10.0));
    assert!(plant.read("Tank_001.Level").is_ok());
    assert_eq!(
        plant.read("Tank_001.Level.Mid").unwrap_err().detail,
        detail::RESOLVING_ATTRIBUTE
    );
}

#[test]
fn array_reference_forms() {
    let plant = Plant::demo();
    assert_eq!(
        value(&plant, "TestChildObject.TestDoubleArray[]"),
        MxValue::DoubleArray(vec![1.0, 2.0, 3.0, 4.0, 5.0])
    );
    assert_eq!(
        value(&plant, "TestChildObject.TestDoubleArray[2]"),
        MxValue::Double(2.0)
    );
    assert_eq!(
        value(&plant, "TestChildObject.TestStringArray[3]"),
        MxValue::String("gamma".into())
    );
    let failure = |r: &str| detail_of(plant.read(r).unwrap_err());
    let config = StatusCategory::ConfigurationError;
    assert_eq!(
        failure("TestChildObject.TestDoubleArray"),
        (config, detail::INDEX_OUT_OF_RANGE)
    );
    assert_eq!(
        failure("TestChildObject.TestDoubleArray[6]"),
        (config, detail::INDEX_OUT_OF_RANGE)
    );
    assert_eq!(
        failure("TestChildObject.TestDoubleArray[0]"),
        (config, detail::INVALID_INDEX)
    );
    assert_eq!(
        failure("TestChildObject.TestDoubleArray[-1]"),
        (config, detail::INVALID_INDEX)
    );
    assert_eq!(
        failure("TestChildObject.TestDoubleArray[x]"),
        (config, detail::INVALID_INDEX)
    );
    assert_eq!(
        failure("TestChildObject.TestInt[]"),
        (config, detail::WRONG_NUMBER_OF_DIMENSIONS)
    );
    assert_eq!(
        failure("TestChildObject.TestInt[1]"),
        (config, detail::WRONG_NUMBER_OF_DIMENSIONS)
    );
}

// === subscriptions and writes ===

#[tokio::test]
async fn a_write_through_one_connection_reaches_every_subscriber() {
    let plant = Plant::demo();
    let (writer, mut writer_updates, _) = subscribed(&plant, "TestChildObject.TestInt").await;
    let (_reader, mut reader_updates, first) =
        subscribed(&plant, "TestParentObject.TestChild.TestInt").await;
    assert_eq!(first.vtq.value, MxValue::Int32(0));
    let stamp = mxgateway_mx::Timestamp::from_parts(1_700_000_000, 0);
    let status = writer.write(
        1,
        WriteRequest {
            timestamp: Some(stamp),
            ..write(MxValue::Int32(42))
        },
    );
    assert_eq!(status, MxStatus::OK);
    for updates in [&mut writer_updates, &mut reader_updates] {
        let u = next(updates).await;
        assert_eq!(u.vtq.value, MxValue::Int32(42));
        assert_eq!(u.vtq.quality, quality::GOOD);
        assert_eq!(u.vtq.timestamp, stamp);
        assert_eq!(u.status, MxStatus::OK);
    }
    assert_eq!(value(&plant, "TestChildObject.TestInt"), MxValue::Int32(42));
}

#[tokio::test]
async fn unsubscribe_and_drop_remove_subscriptions() {
    let plant = Plant::demo();
    let (conn, mut updates, _) = subscribed(&plant, "TestChildObject.TestDouble").await;
    let (other, mut other_updates, _) = subscribed(&plant, "TestChildObject.TestDouble").await;
    assert_eq!(plant.stats().subscriptions, 2);
    conn.unsubscribe(1);
    assert_eq!(other.write(1, write(MxValue::Double(1.0))), MxStatus::OK);
    assert_eq!(
        next(&mut other_updates).await.vtq.value,
        MxValue::Double(1.0)
    );
    assert_eq!(updates.pending(), 0);
    // A write needs a live subscription.
    assert_eq!(
        detail_of(conn.write(1, write(MxValue::Double(2.0)))),
        (StatusCategory::OperationalError, detail::NOT_WRITEABLE)
    );
    drop(conn);
    let mut out = Vec::new();
    assert!(!updates.recv_batch(10, &mut out).await);
    assert_eq!(plant.stats().subscriptions, 1);
    assert_eq!(plant.stats().connections, 1);
}

#[tokio::test]
async fn resubscribing_an_id_replaces_the_subscription() {
    let plant = Plant::demo();
    let (conn, mut updates, _) = subscribed(&plant, "TestChildObject.TestDouble").await;
    conn.subscribe(1, "TestChildObject.TestString", "", false);
    assert_eq!(next(&mut updates).await.data_type, DataType::String);
    assert_eq!(conn.subscription_count(), 1);
    assert_eq!(
        conn.write(1, write(MxValue::String("x".into()))),
        MxStatus::OK
    );
    assert_eq!(
        value(&plant, "TestChildObject.TestDouble"),
        MxValue::Double(3.25)
    );
}

#[tokio::test]
async fn writes_convert_values_when_they_sensibly_can() {
    let plant = Plant::demo();
    let (conn, mut updates) = plant.connect("convert");
    let refs = [
        "TestChildObject.TestInt",
        "TestChildObject.TestBool",
        "TestChildObject.TestDouble",
        "TestChildObject.TestString",
        "TestChildObject.TestTime",
        "TestChildObject.TestElapsedTime",
        "TestChildObject.TestFloat",
        "TestChildObject.TestDoubleArray[2]",
        "TestChildObject.TestStringArray[]",
    ];
    for (i, r) in refs.iter().enumerate() {
        conn.subscribe(i as u64, r, "", false);
    }
    drain(&mut updates).await;
    let ok = |sub: u64, v: MxValue| assert_eq!(conn.write(sub, write(v)), MxStatus::OK);
    let fails = |sub: u64, v: MxValue, code: i16| {
        let status = conn.write(sub, write(v));
        assert_eq!(
            (status.category, status.detected_by, status.detail),
            (
                StatusCategory::OperationalError,
                StatusSource::RespondingAutomationObject,
                code
            )
        );
    };
    ok(0, MxValue::String(" 42 ".into()));
    assert_eq!(value(&plant, refs[0]), MxValue::Int32(42));
    ok(0, MxValue::Double(7.6));
    assert_eq!(value(&plant, refs[0]), MxValue::Int32(8));
    fails(
        0,
        MxValue::String("forty".into()),
        detail::UNABLE_TO_CONVERT_STRING,
    );
    fails(0, MxValue::Double(1e12), detail::OVERFLOW);
    fails(
        0,
        MxValue::Time(mxgateway_mx::Timestamp::default()),
        detail::WRONG_DATA_TYPE,
    );
    fails(0, MxValue::Int32Array(vec![1]), detail::WRONG_DATA_TYPE);
    assert_eq!(
        value(&plant, refs[0]),
        MxValue::Int32(8),
        "failed writes change nothing"
    );
    ok(1, MxValue::Int32(5));
    assert_eq!(value(&plant, refs[1]), MxValue::Bool(true));
    ok(1, MxValue::String("false".into()));
    assert_eq!(value(&plant, refs[1]), MxValue::Bool(false));
    ok(2, MxValue::Int32(12));
    assert_eq!(value(&plant, refs[2]), MxValue::Double(12.0));
    fails(2, MxValue::Double(f64::NAN), detail::OVERFLOW);
    ok(3, MxValue::Double(2.5));
    assert_eq!(value(&plant, refs[3]), MxValue::String("2.5".into()));
    ok(4, MxValue::String("2025-03-04T05:06:07Z".into()));
    assert!(matches!(value(&plant, refs[4]), MxValue::Time(t) if t.seconds() == 1_741_064_767));
    fails(
        4,
        MxValue::String("soon".into()),
        detail::UNABLE_TO_CONVERT_STRING,
    );
    ok(5, MxValue::Double(1.5));
    assert_eq!(value(&plant, refs[5]), MxValue::ElapsedTime(1_500_000_000));
    fails(6, MxValue::Double(1e300), detail::OVERFLOW);
    // Element and whole-array writes.
    ok(7, MxValue::Int32(7));
    assert_eq!(
        value(&plant, "TestChildObject.TestDoubleArray[]"),
        MxValue::DoubleArray(vec![1.0, 7.0, 3.0, 4.0, 5.0])
    );
    fails(7, MxValue::DoubleArray(vec![1.0]), detail::WRONG_DATA_TYPE);
    ok(
        8,
        MxValue::StringArray(vec!["x".into(), "y".into(), "z".into()]),
    );
    assert_eq!(
        value(&plant, "TestChildObject.TestStringArray[2]"),
        MxValue::String("y".into())
    );
    fails(
        8,
        MxValue::StringArray(vec!["x".into()]),
        detail::DATA_OUT_OF_RANGE,
    );
    fails(8, MxValue::String("x".into()), detail::WRONG_DATA_TYPE);
    // An element subscriber sees only its element.
    let element_updates: Vec<_> = drain(&mut updates)
        .await
        .into_iter()
        .filter(|u| u.sub_id == 7)
        .collect();
    assert_eq!(
        element_updates.last().unwrap().vtq.value,
        MxValue::Double(7.0)
    );
}

// === security ===

struct SecurityFixture {
    plant: Plant,
    conn: Connection,
    _updates: Updates,
    subs: HashMap<&'static str, u64>,
}

impl SecurityFixture {
    fn new(plant: Plant) -> Self {
        let (conn, updates) = plant.connect("security");
        let mut subs = HashMap::new();
        for (i, attr) in [
            "FreeAccessValue",
            "OperateValue",
            "TuneValue",
            "ConfigureValue",
            "SecuredSetpoint",
            "VerifiedSetpoint",
            "ViewOnlyValue",
            "ReadOnlyValue",
            "ScanState",
        ]
        .into_iter()
        .enumerate()
        {
            conn.subscribe(i as u64, &format!("TestChildObject.{attr}"), "", false);
            subs.insert(attr, i as u64);
        }
        SecurityFixture {
            plant,
            conn,
            _updates: updates,
            subs,
        }
    }

    fn login(&self, user: &str) -> i32 {
        self.conn
            .authenticate(user, &format!("{user}-demo"))
            .unwrap()
    }

    fn write(&self, attr: &str, request: WriteRequest) -> (StatusCategory, i16) {
        detail_of(self.conn.write(self.subs[attr], request))
    }
}

const OK: (StatusCategory, i16) = (StatusCategory::Ok, detail::SUCCESS);
const SECURITY: StatusCategory = StatusCategory::SecurityError;
const OPERATIONAL: StatusCategory = StatusCategory::OperationalError;

#[test]
fn view_only_and_read_only_attributes_are_never_writable() {
    for plant in [Plant::demo(), demo_without_security()] {
        let f = SecurityFixture::new(plant);
        let engineer = f.login("engineer");
        for attr in ["ViewOnlyValue", "ReadOnlyValue", "ScanState"] {
            let v = MxValue::Int32(1);
            assert_eq!(
                f.write(attr, write(v.clone())),
                (OPERATIONAL, detail::NOT_WRITEABLE)
            );
            assert_eq!(
                f.write(attr, secured(v, engineer, engineer)),
                (OPERATIONAL, detail::NOT_WRITEABLE)
            );
        }
    }
}

#[test]
fn permission_classifications_need_an_authenticated_user_with_the_permission() {
    let f = SecurityFixture::new(Plant::demo());
    let operator = f.login("operator");
    let supervisor = f.login("supervisor");
    let engineer = f.login("engineer");
    let viewer = f.login("viewer");
    let v = || MxValue::Int32(5);
    assert_eq!(f.write("FreeAccessValue", write(v())), OK);
    assert_eq!(
        f.write("OperateValue", write(v())),
        (SECURITY, detail::USER_NOT_HAVING_ACCESS_RIGHTS)
    );
    assert_eq!(
        f.write("OperateValue", as_user(v(), viewer)),
        (SECURITY, detail::USER_NOT_HAVING_ACCESS_RIGHTS)
    );
    assert_eq!(f.write("OperateValue", as_user(v(), operator)), OK);
    assert_eq!(
        f.write("TuneValue", as_user(v(), operator)),
        (SECURITY, detail::USER_NOT_HAVING_ACCESS_RIGHTS)
    );
    assert_eq!(f.write("TuneValue", as_user(v(), supervisor)), OK);
    assert_eq!(
        f.write("ConfigureValue", as_user(v(), supervisor)),
        (SECURITY, detail::USER_NOT_HAVING_ACCESS_RIGHTS)
    );
    assert_eq!(f.write("ConfigureValue", as_user(v(), engineer)), OK);
    assert_eq!(
        f.plant
            .read("TestChildObject.ConfigureValue")
            .unwrap()
            .value,
        MxValue::Double(5.0)
    );

    // An id authenticated on another connection does not count here.
    let g = SecurityFixture::new(f.plant.clone());
    assert_eq!(
        g.write("OperateValue", as_user(v(), operator)),
        (SECURITY, detail::USER_NOT_HAVING_ACCESS_RIGHTS)
    );
}

#[test]
fn secured_and_verified_writes() {
    let f = SecurityFixture::new(Plant::demo());
    let operator = f.login("operator");
    let supervisor = f.login("supervisor");
    let viewer = f.login("viewer");
    let v = || MxValue::Double(55.0);
    // SecuredWrite: plain writes are refused whoever writes.
    assert_eq!(
        f.write("SecuredSetpoint", as_user(v(), operator)),
        (SECURITY, detail::SECURED_WRITE)
    );
    assert_eq!(
        f.write("SecuredSetpoint", secured(v(), viewer, viewer)),
        (SECURITY, detail::USER_NOT_HAVING_ACCESS_RIGHTS)
    );
    assert_eq!(
        f.write("SecuredSetpoint", secured(v(), 0, 0)),
        (SECURITY, detail::USER_NOT_HAVING_ACCESS_RIGHTS)
    );
    assert_eq!(
        f.write("SecuredSetpoint", secured(v(), operator, operator)),
        OK
    );
    // VerifiedWrite: a different verifier with verify rights.
    assert_eq!(
        f.write("VerifiedSetpoint", as_user(v(), operator)),
        (SECURITY, detail::VERIFIED_WRITE)
    );
    assert_eq!(
        f.write("VerifiedSetpoint", secured(v(), operator, operator)),
        (SECURITY, detail::VERIFIER_NOT_HAVING_VERIFY_RIGHTS)
    );
    assert_eq!(
        f.write("VerifiedSetpoint", secured(v(), operator, viewer)),
        (SECURITY, detail::VERIFIER_NOT_HAVING_VERIFY_RIGHTS)
    );
    assert_eq!(
        f.write("VerifiedSetpoint", secured(v(), operator, 0)),
        (SECURITY, detail::VERIFIER_NOT_HAVING_VERIFY_RIGHTS)
    );
    assert_eq!(
        f.write("VerifiedSetpoint", secured(v(), viewer, supervisor)),
        (SECURITY, detail::USER_NOT_HAVING_ACCESS_RIGHTS)
    );
    assert_eq!(
        f.write("VerifiedSetpoint", secured(v(), operator, supervisor)),
        OK
    );
    assert_eq!(
        f.plant
            .read("TestChildObject.VerifiedSetpoint")
            .unwrap()
            .value,
        MxValue::Double(55.0)
    );
    // Security statuses are detected by the attribute's object.
    let status = f.conn.write(f.subs["SecuredSetpoint"], write(v()));
    assert_eq!(status.detected_by, StatusSource::RespondingAutomationObject);
}

#[test]
fn with_security_disabled_only_view_only_restricts_writes() {
    let f = SecurityFixture::new(demo_without_security());
    let v = || MxValue::Int32(9);
    for attr in [
        "FreeAccessValue",
        "OperateValue",
        "TuneValue",
        "ConfigureValue",
        "SecuredSetpoint",
        "VerifiedSetpoint",
    ] {
        assert_eq!(f.write(attr, write(v())), OK, "{attr}");
    }
    assert_eq!(
        f.conn.authenticate("anyone", "anything"),
        Ok(OPEN_SECURITY_USER_ID)
    );
}

#[test]
fn authentication_ids_are_stable_and_failures_hide_the_password() {
    let plant = Plant::demo();
    let (a, _ua) = plant.connect("a");
    let (b, _ub) = plant.connect("b");
    let op = a.authenticate("operator", "operator-demo").unwrap();
    assert!(op > 0);
    assert_eq!(b.authenticate("OPERATOR", "operator-demo").unwrap(), op);
    assert_ne!(a.authenticate("engineer", "engineer-demo").unwrap(), op);
    for (user, password) in [
        ("operator", "wrong-secret"),
        ("nobody", "wrong-secret"),
        ("operator", ""),
    ] {
        let err = a.authenticate(user, password).unwrap_err();
        assert_eq!(err, AuthError::InvalidCredentials { user: user.into() });
        assert!(!err.to_string().contains("wrong-secret"));
        assert!(!format!("{err:?}").contains("wrong-secret"));
    }
}

#[test]
fn user_guids_map_to_the_ids_authenticate_gives() {
    let plant = Plant::demo();
    let (conn, _updates) = plant.connect("guid");
    let operator = conn.authenticate("operator", "operator-demo").unwrap();
    let engineer = conn.authenticate("engineer", "engineer-demo").unwrap();
    let operator_guid = "6f1d2a3b-0001-4c5d-8e9f-0a1b2c3d4e01";
    assert_eq!(conn.user_to_id(operator_guid), Ok(operator));
    // Case and braces do not matter.
    assert_eq!(
        conn.user_to_id("{6F1D2A3B-0003-4C5D-8E9F-0A1B2C3D4E03}"),
        Ok(engineer)
    );
    // A well-formed GUID nobody has, and text that is no GUID at all.
    let unknown = "00000000-0000-0000-0000-000000000000";
    assert_eq!(
        conn.user_to_id(unknown),
        Err(AuthError::UnknownGuid {
            guid: unknown.into()
        })
    );
    assert_eq!(
        conn.user_to_id("operator"),
        Err(AuthError::MalformedGuid {
            guid: "operator".into()
        })
    );
    // Without galaxy security, every well-formed GUID is the open id; malformed text still fails.
    let open = demo_without_security();
    let (conn, _updates) = open.connect("guid-open");
    assert_eq!(conn.user_to_id(unknown), Ok(OPEN_SECURITY_USER_ID));
    assert!(matches!(
        conn.user_to_id("not-a-guid"),
        Err(AuthError::MalformedGuid { .. })
    ));
}

#[test]
fn a_user_id_from_a_guid_is_not_a_credential() {
    let f = SecurityFixture::new(Plant::demo());
    let operator = f
        .conn
        .user_to_id("6f1d2a3b-0001-4c5d-8e9f-0a1b2c3d4e01")
        .unwrap();
    assert_eq!(
        f.write("OperateValue", as_user(MxValue::Int32(5), operator)),
        (SECURITY, detail::USER_NOT_HAVING_ACCESS_RIGHTS)
    );
    // Once the user authenticates, the very same id writes.
    assert_eq!(
        f.conn.authenticate("operator", "operator-demo"),
        Ok(operator)
    );
    assert_eq!(
        f.write("OperateValue", as_user(MxValue::Int32(5), operator)),
        OK
    );
}

// === generators and faults (paused time) ===

fn spawn_run(plant: &Plant) -> (CancellationToken, tokio::task::JoinHandle<()>) {
    let cancel = CancellationToken::new();
    let task = tokio::spawn({
        let plant = plant.clone();
        let cancel = cancel.clone();
        async move { plant.run(cancel).await }
    });
    (cancel, task)
}

#[tokio::test(start_paused = true)]
async fn test_int_counts_and_continues_from_a_written_value() {
    let plant = Plant::demo();
    let (cancel, task) = spawn_run(&plant);
    let (conn, mut updates, first) = subscribed(&plant, "TestChildObject.TestInt").await;
    assert_eq!(first.vtq.value, MxValue::Int32(0));
    assert_eq!(next(&mut updates).await.vtq.value, MxValue::Int32(1));
    assert_eq!(next(&mut updates).await.vtq.value, MxValue::Int32(2));
    assert_eq!(conn.write(1, write(MxValue::Int32(100))), MxStatus::OK);
    assert_eq!(next(&mut updates).await.vtq.value, MxValue::Int32(100));
    assert_eq!(next(&mut updates).await.vtq.value, MxValue::Int32(101));
    // Static attributes change only by writes.
    assert_eq!(
        value(&plant, "TestChildObject.TestDouble"),
        MxValue::Double(3.25)
    );
    cancel.cancel();
    task.await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn generators_are_deterministic() {
    async fn sample() -> Vec<MxValue> {
        let plant = Plant::demo();
        let (cancel, task) = spawn_run(&plant);
        tokio::time::sleep(Duration::from_millis(10_500)).await;
        cancel.cancel();
        task.await.unwrap();
        [
            "Tank_001.Level",
            "Tank_001.Temperature",
            "Tank_002.Temperature",
            "Boiler_001.Temperature",
            "PackLine_001.GoodCount",
            "PackLine_001.Running",
            "Compressor_001.PV",
            "InletValve_001.Position",
        ]
        .iter()
        .map(|r| value(&plant, r))
        .collect()
    }
    let a = sample().await;
    assert_eq!(a, sample().await);
    // Instances of one template walk differently.
    assert_ne!(a[1], a[2]);
    assert_ne!(a[1], MxValue::Float(20.0));
}

#[tokio::test(start_paused = true)]
async fn off_scan_objects_deliver_out_of_service_and_recover() {
    let plant = Plant::demo();
    let (cancel, task) = spawn_run(&plant);
    let (conn, mut updates) = plant.connect("scan");
    conn.subscribe(1, "TestChildObject.TestInt", "", false);
    conn.subscribe(2, "TestChildObject.ScanState", "", false);
    conn.subscribe(3, "Tank_001.Level", "", false);
    drain(&mut updates).await;

    plant.set_scan_state("TestParentObject", false).unwrap();
    let got = drain(&mut updates).await;
    let int = got.iter().find(|u| u.sub_id == 1).unwrap();
    assert_eq!(int.vtq.quality, quality::BAD_OUT_OF_SERVICE);
    assert_eq!(int.status, MxStatus::OK);
    let scan = got.iter().find(|u| u.sub_id == 2).unwrap();
    assert_eq!(scan.vtq.value, MxValue::Bool(false));
    assert_eq!(scan.vtq.quality, quality::GOOD);
    assert!(
        got.iter().all(|u| u.sub_id != 3),
        "other objects are unaffected"
    );
    let frozen = value(&plant, "TestChildObject.TestInt");
    assert_eq!(
        plant.read("TestChildObject.TestInt").unwrap().quality,
        quality::BAD_OUT_OF_SERVICE
    );

    // Off scan the counter stops; writes are accepted and stay out of service.
    tokio::time::sleep(Duration::from_millis(3_500)).await;
    assert_eq!(value(&plant, "TestChildObject.TestInt"), frozen);
    assert_eq!(conn.write(1, write(MxValue::Int32(500))), MxStatus::OK);
    let u = drain(&mut updates)
        .await
        .into_iter()
        .find(|u| u.sub_id == 1)
        .unwrap();
    assert_eq!(
        (u.vtq.value, u.vtq.quality),
        (MxValue::Int32(500), quality::BAD_OUT_OF_SERVICE)
    );

    plant.set_scan_state("TestParentObject", true).unwrap();
    let got = drain(&mut updates).await;
    let int = got.iter().find(|u| u.sub_id == 1).unwrap();
    assert_eq!(
        (int.vtq.value.clone(), int.vtq.quality),
        (MxValue::Int32(500), quality::GOOD)
    );
    assert_eq!(
        got.iter().find(|u| u.sub_id == 2).unwrap().vtq.value,
        MxValue::Bool(true)
    );

    // An engine takes its areas' objects with it.
    plant.set_scan_state("AppEngine_001", false).unwrap();
    assert_eq!(
        plant.read("Tank_001.Level").unwrap().quality,
        quality::BAD_OUT_OF_SERVICE
    );
    assert_eq!(
        plant.read("InletValve_001.PV").unwrap().quality,
        quality::BAD_OUT_OF_SERVICE
    );
    assert_eq!(plant.read("Boiler_001.PV").unwrap().quality, quality::GOOD);
    plant.set_scan_state("appengine_001", true).unwrap();
    assert_eq!(plant.read("Tank_001.Level").unwrap().quality, quality::GOOD);

    assert_eq!(
        plant.set_scan_state("Nope", false),
        Err(PlantError::UnknownObject {
            tag_name: "Nope".into()
        })
    );
    cancel.cancel();
    task.await.unwrap();
}

#[tokio::test]
async fn runtime_disconnect_delivers_comm_failure_until_reconnected() {
    let plant = Plant::demo();
    let (conn, mut updates, _) = subscribed(&plant, "TestChildObject.TestDouble").await;
    conn.subscribe(2, "NoSuchObject.X", "", false);
    next(&mut updates).await;

    plant.set_connected(false);
    let got = drain(&mut updates).await;
    assert_eq!(got.len(), 1, "only resolved subscriptions get the fault");
    assert_eq!(got[0].vtq.quality, quality::BAD_COMM_FAILURE);
    assert_eq!(got[0].status.category, StatusCategory::CommunicationError);
    assert_eq!(
        conn.write(1, write(MxValue::Double(1.0))).category,
        StatusCategory::CommunicationError
    );
    conn.subscribe(3, "TestChildObject.TestInt", "", false);
    assert_eq!(
        next(&mut updates).await.vtq.quality,
        quality::BAD_COMM_FAILURE
    );
    assert_eq!(
        plant.read("TestChildObject.TestInt").unwrap_err().category,
        StatusCategory::CommunicationError
    );
    assert!(!plant.stats().connected);

    plant.set_connected(true);
    let got = drain(&mut updates).await;
    assert_eq!(got.len(), 2);
    assert!(got
        .iter()
        .all(|u| u.vtq.quality == quality::GOOD && u.status.is_success()));
}

// === scale ===

#[tokio::test(start_paused = true)]
async fn a_slow_connection_stays_bounded_and_keeps_the_latest_values() {
    const CAPACITY: usize = 1_000;
    let plant = Plant::with_config(
        GalaxyModel::generated(1_000, 10, 100),
        PlantConfig {
            queue_capacity: CAPACITY,
            ..PlantConfig::default()
        },
    )
    .unwrap();
    let (slow, mut slow_updates) = plant.connect("slow");
    let (fast, mut fast_updates) = plant.connect("fast");
    let references: Vec<String> = plant
        .references()
        .into_iter()
        .filter(|r| r.contains(".Attr_"))
        .collect();
    assert_eq!(references.len(), 10_000);
    for (i, r) in references.iter().enumerate() {
        slow.subscribe(i as u64, r, "", false);
    }
    fast.subscribe(0, &references[0], "", false);
    let (cancel, task) = spawn_run(&plant);
    let mut fast_seen = 0;
    let mut out = Vec::new();
    for _ in 0..30 {
        // Three scans per round; the fast consumer keeps up, the slow one never reads.
        tokio::time::sleep(Duration::from_millis(300)).await;
        out.clear();
        while fast_updates.pending() > 0 {
            fast_updates.recv_batch(1024, &mut out).await;
        }
        fast_seen += out.len();
        assert!(
            slow_updates.pending() <= CAPACITY + references.len(),
            "{}",
            slow_updates.pending()
        );
    }
    cancel.cancel();
    task.await.unwrap();
    assert!(
        fast_seen >= 60,
        "the fast consumer kept receiving ({fast_seen})"
    );
    assert!(slow_updates.conflated_total() > 100_000);

    let mut latest: HashMap<u64, MxValue> = HashMap::new();
    for u in drain(&mut slow_updates).await {
        latest.insert(u.sub_id, u.vtq.value);
    }
    assert_eq!(latest.len(), references.len());
    for (i, r) in references.iter().enumerate() {
        assert_eq!(latest[&(i as u64)], value(&plant, r), "{r}");
    }
}

#[test]
fn generated_galaxies_have_the_requested_size() {
    let model = GalaxyModel::generated(3, 7, 250);
    assert_eq!(model.objects.len(), 3);
    assert_eq!(model.templates[0].attributes.len(), 7);
    let plant = Plant::new(model).unwrap();
    let references = plant.references();
    assert!(references.contains(&"GenObj_000003.Attr_0007".to_string()));
    assert_eq!(
        references
            .iter()
            .filter(|r| r.starts_with("GenObj_"))
            .count(),
        3 * 8
    );
    assert_eq!(
        plant.read("GenObj_000003.Attr_0007").unwrap().quality,
        quality::GOOD
    );
    assert_eq!(
        GalaxyModel::generated(3, 7, 250),
        GalaxyModel::generated(3, 7, 250)
    );
}

#[test]
fn a_generated_million_attribute_galaxy_builds_quickly() {
    let started = std::time::Instant::now();
    let model = GalaxyModel::generated(100_000, 10, 1000);
    let plant = Plant::new(model).unwrap();
    let elapsed = started.elapsed();
    let stats = plant.stats();
    assert_eq!(stats.objects, 100_000 + 1 + 1 + GENERATED_AREAS);
    // Ten attributes plus ScanState per object, ScanState for the topology.
    assert_eq!(stats.points, 100_000 * 11 + 1 + 1 + GENERATED_AREAS);
    assert_eq!(
        plant.read("GenObj_100000.Attr_0010").unwrap().quality,
        quality::GOOD
    );
    // Generous: unoptimised test builds on a busy two-core machine.
    assert!(elapsed < Duration::from_secs(30), "{elapsed:?}");
}

#[test]
fn scan_slices_cut_large_groups_at_object_boundaries() {
    use crate::galaxy::{ScanGroup, SCAN_SLICE_POINTS};
    // Objects of 3 points: 1000 points need 4 slices of about 250, each cut moved
    // forward to the next object.
    let points: Vec<_> = (0..1000u32).map(|p| (p, p / 3)).collect();
    let group = ScanGroup::new(100, points.clone());
    assert_eq!(group.slices, vec![0, 252, 504, 756]);
    let joined: Vec<_> = (0..group.slices.len())
        .flat_map(|k| group.slice(k).to_vec())
        .collect();
    assert_eq!(joined, points);
    for &start in &group.slices[1..] {
        assert_ne!(points[start].1, points[start - 1].1);
    }
    // Small groups execute in one slice; a short period limits the slice count.
    assert_eq!(
        ScanGroup::new(100, points[..SCAN_SLICE_POINTS].to_vec()).slices,
        vec![0]
    );
    assert_eq!(ScanGroup::new(2, points.clone()).slices.len(), 2);
    assert_eq!(ScanGroup::new(100, Vec::new()).slices, vec![0]);
}

#[tokio::test(start_paused = true)]
async fn a_large_scan_group_executes_in_slices_spread_over_its_period() {
    // 40 objects of 20 points: four slices of ten objects, 25 ms apart.
    let plant = Plant::new(GalaxyModel::generated(40, 20, 100)).unwrap();
    let (conn, mut updates) = plant.connect("slices");
    let mut objects_of = HashMap::new();
    for o in 1..=40 {
        for a in 1..=20 {
            let sub = objects_of.len() as u64;
            conn.subscribe(
                sub,
                &format!("{}.{}", generated_tag_name(o), generated_attribute_name(a)),
                "",
                false,
            );
            objects_of.insert(sub, o);
        }
    }
    drain(&mut updates).await;
    let (cancel, task) = spawn_run(&plant);
    let objects_changed = |got: Vec<Update>| {
        let mut objects: Vec<usize> = got.iter().map(|u| objects_of[&u.sub_id]).collect();
        objects.sort_unstable();
        objects.dedup();
        objects
    };
    // The first scan starts one period after `run`.
    tokio::time::sleep(Duration::from_millis(101)).await;
    assert_eq!(
        objects_changed(drain(&mut updates).await),
        (1..=10).collect::<Vec<_>>()
    );
    tokio::time::sleep(Duration::from_millis(25)).await;
    assert_eq!(
        objects_changed(drain(&mut updates).await),
        (11..=20).collect::<Vec<_>>()
    );
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(
        objects_changed(drain(&mut updates).await),
        (21..=40).collect::<Vec<_>>()
    );
    // The next scan starts over at the first slice.
    tokio::time::sleep(Duration::from_millis(25)).await;
    assert_eq!(
        objects_changed(drain(&mut updates).await),
        (1..=10).collect::<Vec<_>>()
    );
    cancel.cancel();
    task.await.unwrap();
}

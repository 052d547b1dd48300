//! Deploys: replacing the running galaxy while connections subscribe, write and
//! scan (`Plant::deploy`, `deploy_info`, `watch_deploys`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use mxgateway_mx::{detail, quality, DataType, MxStatus, MxValue, StatusCategory, StatusSource};

use super::{
    as_user, demo_without_security, drain, next, spawn_run, subscribed, value, write,
    SecurityFixture, OK, SECURITY,
};
use crate::*;

// === helpers ===

/// The demo model with `change` applied.
fn demo_with(change: impl FnOnce(&mut GalaxyModel)) -> GalaxyModel {
    let mut model = GalaxyModel::demo();
    change(&mut model);
    model
}

fn attribute(name: &str, data_type: &str, value: Option<toml::Value>) -> AttributeDef {
    AttributeDef {
        name: name.into(),
        data_type: Some(data_type.into()),
        value,
        ..AttributeDef::default()
    }
}

/// An application object with its own attributes and no template.
fn object(tag_name: &str, area: &str, attributes: Vec<AttributeDef>) -> ObjectDef {
    ObjectDef {
        tag_name: tag_name.into(),
        template: None,
        area: Some(area.into()),
        container: None,
        contained_name: None,
        scan_period_ms: None,
        description: None,
        attributes,
    }
}

fn remove_object(model: &mut GalaxyModel, tag_name: &str) {
    let before = model.objects.len();
    model.objects.retain(|o| o.tag_name != tag_name);
    assert_eq!(model.objects.len(), before - 1, "{tag_name}");
}

/// The `$TestChild` template (only `TestChildObject` instantiates it).
fn test_child(model: &mut GalaxyModel) -> &mut TemplateDef {
    model
        .templates
        .iter_mut()
        .find(|t| t.name == "$TestChild")
        .unwrap()
}

fn config_error(source: StatusSource, code: i16) -> MxStatus {
    MxStatus::failure(StatusCategory::ConfigurationError, source, code)
}

/// Asserts the update a subscription gets when its reference does not resolve.
fn assert_config_error(u: &Update, source: StatusSource, code: i16) {
    assert_eq!(u.status, config_error(source, code), "{u:?}");
    assert_eq!(u.vtq.quality, quality::BAD_CONFIG_ERROR, "{u:?}");
    assert_eq!(u.vtq.value, MxValue::Empty, "{u:?}");
    assert_eq!(u.data_type, DataType::Unknown, "{u:?}");
}

fn assert_good(u: &Update, data_type: DataType, expected: &MxValue) {
    assert_eq!(u.status, MxStatus::OK, "{u:?}");
    assert_eq!(u.vtq.quality, quality::GOOD, "{u:?}");
    assert_eq!(u.data_type, data_type, "{u:?}");
    assert_eq!(&u.vtq.value, expected, "{u:?}");
}

/// The one update queued for `sub_id`, after checking that no other
/// subscription got one.
async fn only_update(updates: &mut Updates, sub_id: u64) -> Update {
    let got = drain(updates).await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].sub_id, sub_id, "{got:?}");
    got.into_iter().next().unwrap()
}

// === resolution ===

#[tokio::test]
async fn deploying_an_added_object_resolves_waiting_subscriptions() {
    let plant = Plant::demo();
    let (conn, mut updates) = plant.connect("deploy");
    conn.subscribe(1, "Pump_001.PV", "", false);
    conn.subscribe(2, "Pump_001", "", false);
    conn.subscribe(3, "Me.Speed", "Pump_001", false);
    conn.subscribe(4, "Pump_001.NoSuchAttr", "", false);
    conn.subscribe(5, "TestChildObject.TestDouble", "", false);
    let got = drain(&mut updates).await;
    assert_eq!(got.len(), 5);
    for u in &got[..4] {
        assert_config_error(u, StatusSource::RequestingLmx, detail::RESOLVING_OBJECT);
    }

    let model = demo_with(|m| {
        m.objects.push(object(
            "Pump_001",
            "Utilities",
            vec![
                attribute("PV", "Double", Some(toml::Value::Float(12.5))),
                attribute("Speed", "Integer", Some(toml::Value::Integer(1450))),
            ],
        ))
    });
    let info = plant.deploy(model.clone()).unwrap();
    assert_eq!(info.generation, 2);

    let mut got = drain(&mut updates).await;
    got.sort_by_key(|u| u.sub_id);
    let ids: Vec<u64> = got.iter().map(|u| u.sub_id).collect();
    assert_eq!(ids, [1, 2, 3, 4], "unchanged subscriptions get nothing");
    assert_good(&got[0], DataType::Double, &MxValue::Double(12.5));
    assert_good(&got[1], DataType::Double, &MxValue::Double(12.5));
    assert_good(&got[2], DataType::Integer, &MxValue::Int32(1450));
    // The object exists now, the attribute still does not: a different failure.
    assert_config_error(
        &got[3],
        StatusSource::RespondingAutomationObject,
        detail::RESOLVING_ATTRIBUTE,
    );

    // Resolved subscriptions keep flowing: a write reaches both PV subscriptions.
    assert_eq!(conn.write(1, write(MxValue::Double(20.0))), MxStatus::OK);
    let got = drain(&mut updates).await;
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(got.iter().all(|u| u.vtq.value == MxValue::Double(20.0)));

    // New subscriptions, the browse substitute and reads see the new object.
    let (_other, _other_updates, first) = subscribed(&plant, "Pump_001.Speed").await;
    assert_good(&first, DataType::Integer, &MxValue::Int32(1450));
    let references = plant.references();
    assert!(references.iter().any(|r| r == "Pump_001.PV"));
    assert_eq!(value(&plant, "Pump_001.ScanState"), MxValue::Bool(true));
    assert_eq!(*plant.model(), model);
}

#[tokio::test]
async fn deploying_without_an_object_fails_its_subscriptions_on_every_connection() {
    let plant = demo_without_security();
    let (a, mut a_updates, _) = subscribed(&plant, "Compressor_001.PV").await;
    a.subscribe(2, "TestChildObject.TestInt", "", false);
    next(&mut a_updates).await;
    let (b, mut b_updates, _) = subscribed(&plant, "Compressor_001.Setpoint").await;
    let objects = plant.stats().objects;

    let mut model = GalaxyModel::demo();
    model.security_enabled = false;
    remove_object(&mut model, "Compressor_001");
    plant.deploy(model).unwrap();

    for updates in [&mut a_updates, &mut b_updates] {
        let u = only_update(updates, 1).await;
        assert_config_error(&u, StatusSource::RequestingLmx, detail::RESOLVING_OBJECT);
    }
    // An unresolved item is not writable, and reads fail like subscriptions.
    for conn in [&a, &b] {
        assert_eq!(
            conn.write(1, write(MxValue::Double(1.0))),
            MxStatus::failure(
                StatusCategory::OperationalError,
                StatusSource::RequestingLmx,
                detail::NOT_WRITEABLE
            )
        );
    }
    assert_eq!(
        plant.read("Compressor_001.PV").unwrap_err().detail,
        detail::RESOLVING_OBJECT
    );
    assert!(!plant
        .references()
        .iter()
        .any(|r| r.starts_with("Compressor")));
    let stats = plant.stats();
    assert_eq!(stats.objects, objects - 1);
    assert_eq!(stats.subscriptions, 3, "subscriptions stay, unresolved");
    // The surviving subscription still works.
    assert_eq!(a.write(2, write(MxValue::Int32(7))), MxStatus::OK);
    assert_eq!(
        only_update(&mut a_updates, 2).await.vtq.value,
        MxValue::Int32(7)
    );
}

#[tokio::test]
async fn deploying_without_an_attribute_fails_its_subscriptions_with_detail_11() {
    let plant = Plant::demo();
    let (conn, mut updates, _) = subscribed(&plant, "TestChildObject.TestFloat").await;
    conn.subscribe(2, "TestParentObject.TestChild.TestFloat", "", false);
    conn.subscribe(3, "Me.TestFloat", "TestChildObject", false);
    conn.subscribe(4, "TestChildObject.TestDouble", "", false);
    drain(&mut updates).await;

    plant
        .deploy(demo_with(|m| {
            test_child(m).attributes.retain(|a| a.name != "TestFloat")
        }))
        .unwrap();
    let mut got = drain(&mut updates).await;
    got.sort_by_key(|u| u.sub_id);
    assert_eq!(got.len(), 3, "{got:?}");
    for (u, sub_id) in got.iter().zip([1, 2, 3]) {
        assert_eq!(u.sub_id, sub_id);
        assert_config_error(
            u,
            StatusSource::RespondingAutomationObject,
            detail::RESOLVING_ATTRIBUTE,
        );
    }
}

#[tokio::test]
async fn a_changed_type_or_shape_delivers_the_new_initial_value() {
    let plant = demo_without_security();
    let (conn, mut updates, _) = subscribed(&plant, "TestChildObject.TestDouble").await;
    conn.subscribe(2, "TestChildObject.TestIntArray[]", "", false);
    conn.subscribe(3, "TestChildObject.TestIntArray[4]", "", false);
    conn.subscribe(4, "TestChildObject.TestString", "", false);
    drain(&mut updates).await;
    // Written values are lost when the type changes, kept when nothing changes.
    assert_eq!(conn.write(1, write(MxValue::Double(9.5))), MxStatus::OK);
    assert_eq!(
        conn.write(4, write(MxValue::String("kept".into()))),
        MxStatus::OK
    );
    drain(&mut updates).await;

    let mut model = demo_with(|m| {
        let attrs = &mut test_child(m).attributes;
        let double = attrs.iter_mut().find(|a| a.name == "TestDouble").unwrap();
        double.data_type = Some("String".into());
        double.value = Some(toml::Value::String("now a string".into()));
        // Its limit alarm needs a number.
        double.alarms = None;
        let array = attrs.iter_mut().find(|a| a.name == "TestIntArray").unwrap();
        array.array = Some(2);
        array.value = Some(toml::Value::Array(vec![
            toml::Value::Integer(1),
            toml::Value::Integer(2),
        ]));
    });
    model.security_enabled = false;
    plant.deploy(model).unwrap();

    let mut got = drain(&mut updates).await;
    got.sort_by_key(|u| u.sub_id);
    assert_eq!(got.len(), 3, "{got:?}");
    assert_good(
        &got[0],
        DataType::String,
        &MxValue::String("now a string".into()),
    );
    assert_good(&got[1], DataType::Integer, &MxValue::Int32Array(vec![1, 2]));
    // Element 4 of a 2-element array.
    assert_config_error(
        &got[2],
        StatusSource::RespondingAutomationObject,
        detail::INDEX_OUT_OF_RANGE,
    );
    assert_eq!(
        value(&plant, "TestChildObject.TestString"),
        MxValue::String("kept".into())
    );
    // The new type applies to writes.
    assert_eq!(
        conn.write(1, write(MxValue::Int32(3))),
        MxStatus::OK,
        "an integer converts to a string"
    );
    assert_eq!(
        only_update(&mut updates, 1).await.vtq.value,
        MxValue::String("3".into())
    );
}

#[tokio::test]
async fn unchanged_attributes_keep_their_values_and_timestamps() {
    let plant = demo_without_security();
    let (conn, mut updates, _) = subscribed(&plant, "TestChildObject.TestInt").await;
    conn.subscribe(2, "Tank_001.BatchId", "", false);
    conn.subscribe(3, "TestChildObject.TestDoubleArray[2]", "", false);
    drain(&mut updates).await;
    assert_eq!(conn.write(1, write(MxValue::Int32(42))), MxStatus::OK);
    assert_eq!(
        conn.write(2, write(MxValue::String("B-4711".into()))),
        MxStatus::OK
    );
    assert_eq!(conn.write(3, write(MxValue::Double(-2.0))), MxStatus::OK);
    drain(&mut updates).await;
    let before: Vec<_> = [
        "TestChildObject.TestInt",
        "Tank_001.BatchId",
        "TestChildObject.TestDoubleArray[]",
    ]
    .iter()
    .map(|r| plant.read(r).unwrap())
    .collect();

    // A deploy that changes other things (and even the initial values of these).
    let mut model = demo_with(|m| {
        m.objects.push(object(
            "Extra_001",
            "TestArea",
            vec![attribute("PV", "Double", None)],
        ));
        let attrs = &mut test_child(m).attributes;
        let int = attrs.iter_mut().find(|a| a.name == "TestInt").unwrap();
        int.value = Some(toml::Value::Integer(1000));
    });
    model.security_enabled = false;
    plant.deploy(model).unwrap();

    assert_eq!(
        updates.pending(),
        0,
        "nothing changed for these subscriptions"
    );
    let after: Vec<_> = [
        "TestChildObject.TestInt",
        "Tank_001.BatchId",
        "TestChildObject.TestDoubleArray[]",
    ]
    .iter()
    .map(|r| plant.read(r).unwrap())
    .collect();
    assert_eq!(after, before);
    assert_eq!(after[0].value, MxValue::Int32(42));
    // The subscriptions keep flowing.
    assert_eq!(conn.write(1, write(MxValue::Int32(43))), MxStatus::OK);
    assert_eq!(
        only_update(&mut updates, 1).await.vtq.value,
        MxValue::Int32(43)
    );
}

// === refused deploys, deploy info ===

#[tokio::test]
async fn an_invalid_model_is_refused_and_changes_nothing() {
    let plant = Plant::demo();
    let (conn, mut updates, _) = subscribed(&plant, "TestChildObject.TestInt").await;
    conn.subscribe(2, "Pump_001.PV", "", false);
    drain(&mut updates).await;
    let watch = plant.watch_deploys();
    let (model, info) = plant.deployed();

    let broken = demo_with(|m| {
        m.galaxy = "Other".into();
        m.objects.push(object(
            "Pump_001",
            "NoSuchArea",
            vec![attribute("PV", "Double", None)],
        ));
        m.objects.push(object(
            "Tank_001",
            "TankFarm",
            vec![attribute("X", "Quaternion", None)],
        ));
    });
    let err = plant.deploy(broken).unwrap_err();
    let ModelError::Invalid { origin, problems } = &err else {
        panic!("{err}");
    };
    assert_eq!(origin, "<deploy>");
    let text = problems.join("\n");
    for needle in ["NoSuchArea", "Quaternion", "used twice"] {
        assert!(text.contains(needle), "missing {needle:?} in {text}");
    }

    assert_eq!(plant.deploy_info(), info);
    assert!(Arc::ptr_eq(&plant.model(), &model));
    assert_eq!(plant.galaxy_name(), "ZB");
    assert!(!watch.has_changed().unwrap());
    assert_eq!(updates.pending(), 0);
    assert!(plant.read("Pump_001.PV").is_err());
    assert_eq!(conn.subscription_count(), 2);
}

#[test]
fn deploy_info_counts_objects_and_user_defined_attributes() {
    let text = r#"
        galaxy = "Small"

        [[platforms]]
        name = "P"

        [[engines]]
        name = "E"
        platform = "P"

        [[areas]]
        name = "A"
        engine = "E"

        [[templates]]
        name = "$Base"
        attributes = [{ name = "PV", type = "Double" }, { name = "Mode", type = "String" }]

        [[templates]]
        name = "$Derived"
        derived_from = "$Base"
        attributes = [{ name = "Extra", type = "Integer", array = 3 }]

        [[objects]]
        tag_name = "One"
        template = "$Base"
        area = "A"

        [[objects]]
        tag_name = "Two"
        template = "$Derived"
        area = "A"
        attributes = [{ name = "PV", type = "Float" }, { name = "Own", type = "Boolean" }]
    "#;
    let before = mxgateway_mx::Timestamp::now();
    let plant = Plant::new(GalaxyModel::from_toml_str(text, "small").unwrap()).unwrap();
    let info = plant.deploy_info();
    assert_eq!(info.generation, 1);
    assert!(info.time_of_last_deploy >= before);
    assert!(info.time_of_last_deploy <= mxgateway_mx::Timestamp::now());
    // P, E, A, One, Two; One: PV, Mode; Two: PV, Mode, Extra, Own (ScanState is not counted).
    assert_eq!((info.object_count, info.attribute_count), (5, 6));

    let demo = Plant::demo().deploy_info();
    let model = GalaxyModel::demo();
    let objects =
        model.platforms.len() + model.engines.len() + model.areas.len() + model.objects.len();
    assert_eq!(demo.object_count, objects);
    // Alarm sub-attributes are runtime references, not browsed attributes: an
    // alarm `X` has `X.InAlarm` and eight or nine siblings.
    let references = Plant::demo().references();
    let alarm_prefixes: Vec<&str> = references
        .iter()
        .filter_map(|r| r.strip_suffix(".InAlarm"))
        .collect();
    let alarm_attributes = references
        .iter()
        .filter(|r| {
            r.rsplit_once('.')
                .is_some_and(|(prefix, _)| alarm_prefixes.contains(&prefix))
        })
        .count();
    assert_eq!(
        demo.attribute_count,
        references.len() - alarm_attributes - objects,
        "every object has exactly one built-in attribute"
    );
}

#[test]
fn every_deploy_publishes_exactly_one_later_generation() {
    let plant = Plant::demo();
    let mut watch = plant.watch_deploys();
    let first = *watch.borrow();
    assert_eq!(first, plant.deploy_info());
    assert!(!watch.has_changed().unwrap());

    let mut previous = first;
    // Back to back: the clock may not advance between two deploys.
    for i in 0..20usize {
        let model = demo_with(|m| {
            for n in 0..i {
                m.objects
                    .push(object(&format!("Extra_{n:03}"), "TestArea", Vec::new()));
            }
        });
        let info = plant.deploy(model).unwrap();
        assert!(watch.has_changed().unwrap(), "deploy {i}");
        assert_eq!(*watch.borrow_and_update(), info);
        assert!(!watch.has_changed().unwrap(), "one value per deploy");
        assert_eq!(info.generation, previous.generation + 1);
        assert!(info.time_of_last_deploy > previous.time_of_last_deploy);
        assert_eq!(info.object_count, first.object_count + i);
        assert_eq!(info.attribute_count, first.attribute_count);
        assert_eq!(plant.deploy_info(), info);
        assert_eq!(plant.deployed().1, info);
        previous = info;
    }
    // A receiver made later starts at the current state.
    let late = plant.watch_deploys();
    assert_eq!(*late.borrow(), previous);
    assert!(!late.has_changed().unwrap());
}

// === users ===

#[test]
fn authenticated_ids_survive_a_deploy_only_for_the_same_user() {
    let f = SecurityFixture::new(Plant::demo());
    let operator = f.login("operator");
    let v = || MxValue::Int32(5);
    assert_eq!(f.write("OperateValue", as_user(v(), operator)), OK);

    // Users unchanged: still authenticated.
    f.plant
        .deploy(demo_with(|m| {
            m.objects.push(object("Extra_001", "TestArea", Vec::new()))
        }))
        .unwrap();
    assert_eq!(f.write("OperateValue", as_user(v(), operator)), OK);

    // Permissions changed: they apply to the next write.
    f.plant
        .deploy(demo_with(|m| m.users[0].permissions.clear()))
        .unwrap();
    assert_eq!(
        f.write("OperateValue", as_user(v(), operator)),
        (SECURITY, detail::USER_NOT_HAVING_ACCESS_RIGHTS)
    );

    // Users reordered: the old id now belongs to someone else and counts as nobody.
    f.plant.deploy(demo_with(|m| m.users.reverse())).unwrap();
    assert_eq!(
        f.write("OperateValue", as_user(v(), operator)),
        (SECURITY, detail::USER_NOT_HAVING_ACCESS_RIGHTS)
    );
    let again = f.login("operator");
    assert_ne!(again, operator);
    assert_eq!(f.write("OperateValue", as_user(v(), again)), OK);

    // Security switched off: anyone may write, and any credentials succeed.
    f.plant
        .deploy(demo_with(|m| m.security_enabled = false))
        .unwrap();
    assert_eq!(f.write("OperateValue", write(v())), OK);
    assert_eq!(
        f.conn.authenticate("nobody", "x"),
        Ok(OPEN_SECURITY_USER_ID)
    );
}

// === scanning (paused time) ===

#[tokio::test(start_paused = true)]
async fn scanning_continues_for_surviving_and_new_objects_and_stops_for_removed_ones() {
    // Attr_0002 is an Integer counter, +1 per scan.
    let counter = |n: usize| format!("{}.{}", generated_tag_name(n), generated_attribute_name(2));
    let plant = Plant::new(GalaxyModel::generated(1, 2, 1000)).unwrap();
    let (cancel, task) = spawn_run(&plant);
    let (conn, mut updates, first) = subscribed(&plant, &counter(1)).await;
    assert_eq!(first.vtq.value, MxValue::Int32(0));
    conn.subscribe(2, &counter(2), "", false);
    assert_eq!(
        next(&mut updates).await.status.detail,
        detail::RESOLVING_OBJECT
    );
    assert_eq!(next(&mut updates).await.vtq.value, MxValue::Int32(1));

    // Object 2 appears: it scans from 0, object 1 counts on from where it was.
    plant.deploy(GalaxyModel::generated(2, 2, 1000)).unwrap();
    let u = next(&mut updates).await;
    assert_eq!((u.sub_id, u.vtq.value), (2, MxValue::Int32(0)));
    let mut seen = Vec::new();
    while seen.len() < 4 {
        let u = next(&mut updates).await;
        seen.push((u.sub_id, u.vtq.value));
    }
    seen.sort_by_key(|(id, _)| *id);
    assert_eq!(
        seen,
        [
            (1, MxValue::Int32(2)),
            (1, MxValue::Int32(3)),
            (2, MxValue::Int32(1)),
            (2, MxValue::Int32(2)),
        ]
    );

    // Object 2 goes again: its subscription fails once and nothing more comes.
    plant.deploy(GalaxyModel::generated(1, 2, 1000)).unwrap();
    let u = next(&mut updates).await;
    assert_eq!(u.sub_id, 2);
    assert_eq!(u.status.detail, detail::RESOLVING_OBJECT);
    tokio::time::sleep(Duration::from_millis(3_500)).await;
    let got = drain(&mut updates).await;
    assert_eq!(got.len(), 3, "{got:?}");
    assert!(got.iter().all(|u| u.sub_id == 1), "{got:?}");
    assert_eq!(got[2].vtq.value, MxValue::Int32(6));

    // A new scan period: 4 scans per second from the deploy on.
    plant.deploy(GalaxyModel::generated(1, 2, 250)).unwrap();
    assert_eq!(updates.pending(), 0, "the counter kept its value");
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let got = drain(&mut updates).await;
    assert_eq!(got.last().unwrap().vtq.value, MxValue::Int32(10), "{got:?}");
    cancel.cancel();
    task.await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_deploy_starts_scanning_a_galaxy_that_had_nothing_to_scan() {
    let still = r#"
        galaxy = "Still"
        [[objects]]
        tag_name = "Obj"
        attributes = [{ name = "Count", type = "Integer" }]
    "#;
    let moving = r#"
        galaxy = "Moving"
        [[objects]]
        tag_name = "Obj"
        attributes = [{ name = "Count", type = "Integer", generator = { kind = "counter" } }]
    "#;
    let plant = Plant::new(GalaxyModel::from_toml_str(still, "still").unwrap()).unwrap();
    let (cancel, task) = spawn_run(&plant);
    let (_conn, mut updates, first) = subscribed(&plant, "Obj.Count").await;
    assert_eq!(first.vtq.value, MxValue::Int32(0));
    tokio::time::sleep(Duration::from_millis(5_000)).await;
    assert_eq!(updates.pending(), 0);

    plant
        .deploy(GalaxyModel::from_toml_str(moving, "moving").unwrap())
        .unwrap();
    assert_eq!(plant.galaxy_name(), "Moving");
    assert_eq!(updates.pending(), 0, "same type: the value carries over");
    assert_eq!(next(&mut updates).await.vtq.value, MxValue::Int32(1));
    assert_eq!(next(&mut updates).await.vtq.value, MxValue::Int32(2));
    cancel.cancel();
    task.await.unwrap();
}

// === faults across deploys ===

#[tokio::test]
async fn off_scan_faults_follow_surviving_objects() {
    let plant = Plant::demo();
    let (conn, mut updates, _) = subscribed(&plant, "Tank_001.Level").await;
    conn.subscribe(2, "Boiler_001.PV", "", false);
    drain(&mut updates).await;
    plant.set_scan_state("Tank_001", false).unwrap();
    plant.set_scan_state("Utilities", false).unwrap();
    drain(&mut updates).await;

    // Tank_001 survives (still off scan); Boiler_001 moves to an area on scan.
    plant
        .deploy(demo_with(|m| {
            let boiler = m
                .objects
                .iter_mut()
                .find(|o| o.tag_name == "Boiler_001")
                .unwrap();
            boiler.area = Some("TestArea".into());
        }))
        .unwrap();
    let u = only_update(&mut updates, 2).await;
    assert_eq!(u.vtq.quality, quality::GOOD);
    assert_eq!(
        plant.read("Tank_001.Level").unwrap().quality,
        quality::BAD_OUT_OF_SERVICE
    );
    assert_eq!(value(&plant, "Tank_001.ScanState"), MxValue::Bool(false));
    assert_eq!(value(&plant, "Boiler_001.ScanState"), MxValue::Bool(true));
    plant.set_scan_state("Tank_001", true).unwrap();
    assert_eq!(
        only_update(&mut updates, 1).await.vtq.quality,
        quality::GOOD
    );
}

#[tokio::test]
async fn a_deploy_while_disconnected_keeps_the_disconnect() {
    let plant = Plant::demo();
    let (conn, mut updates, _) = subscribed(&plant, "Pump_001.PV").await;
    plant.set_connected(false);
    assert_eq!(
        updates.pending(),
        0,
        "unresolved subscriptions are not affected"
    );

    plant
        .deploy(demo_with(|m| {
            m.objects.push(object(
                "Pump_001",
                "Utilities",
                vec![attribute("PV", "Double", None)],
            ))
        }))
        .unwrap();
    let u = next(&mut updates).await;
    assert_eq!(u.vtq.quality, quality::BAD_COMM_FAILURE);
    assert_eq!(u.status.category, StatusCategory::CommunicationError);
    plant.set_connected(true);
    assert_good(
        &only_update(&mut updates, 1).await,
        DataType::Double,
        &MxValue::Double(0.0),
    );
    drop(conn);
}

// === round trip ===

#[tokio::test]
async fn demo_to_modified_demo_and_back() {
    let plant = demo_without_security();
    let original_references = plant.references();
    let (conn, mut updates, _) = subscribed(&plant, "TestChildObject.TestInt").await;
    conn.subscribe(2, "Tank_002.BatchId", "", false);
    conn.subscribe(3, "Tank_002.InletValve.Cmd", "", false);
    conn.subscribe(4, "Boiler_001.Setpoint", "", false);
    conn.subscribe(5, "Mixer_001.Speed", "", false);
    drain(&mut updates).await;
    assert_eq!(conn.write(1, write(MxValue::Int32(42))), MxStatus::OK);
    assert_eq!(
        conn.write(2, write(MxValue::String("B-9".into()))),
        MxStatus::OK
    );
    drain(&mut updates).await;

    let unsecured = |change: &dyn Fn(&mut GalaxyModel)| {
        demo_with(|m| {
            m.security_enabled = false;
            change(m);
        })
    };
    let modified = unsecured(&|m| {
        for tag in ["Tank_002", "InletValve_002", "OutletValve_002"] {
            remove_object(m, tag);
        }
        let boiler = m
            .templates
            .iter_mut()
            .find(|t| t.name == "$Boiler")
            .unwrap();
        let setpoint = boiler
            .attributes
            .iter_mut()
            .find(|a| a.name == "Setpoint")
            .unwrap();
        setpoint.data_type = Some("Integer".into());
        setpoint.value = Some(toml::Value::Integer(11));
        m.objects.push(object(
            "Mixer_001",
            "Packaging",
            vec![attribute("Speed", "Double", Some(toml::Value::Float(3.0)))],
        ));
    });
    // Through the file format, as the gateway receives it.
    let text = modified.to_toml_string().unwrap();
    let info = plant
        .deploy(GalaxyModel::from_toml_str(&text, "modified").unwrap())
        .unwrap();
    assert_eq!(info.generation, 2);
    let mut got = drain(&mut updates).await;
    got.sort_by_key(|u| u.sub_id);
    assert_eq!(got.len(), 4, "{got:?}");
    assert_config_error(
        &got[0],
        StatusSource::RequestingLmx,
        detail::RESOLVING_OBJECT,
    );
    assert_eq!(got[0].sub_id, 2);
    assert_config_error(
        &got[1],
        StatusSource::RequestingLmx,
        detail::RESOLVING_OBJECT,
    );
    assert_good(&got[2], DataType::Integer, &MxValue::Int32(11));
    assert_good(&got[3], DataType::Double, &MxValue::Double(3.0));
    assert_eq!(value(&plant, "TestChildObject.TestInt"), MxValue::Int32(42));

    // And back: the removed objects return with their initial values.
    let info = plant.deploy(unsecured(&|_| {})).unwrap();
    assert_eq!(info.generation, 3);
    let mut got = drain(&mut updates).await;
    got.sort_by_key(|u| u.sub_id);
    assert_eq!(got.len(), 4, "{got:?}");
    assert_good(&got[0], DataType::String, &MxValue::String("B-0002".into()));
    assert_good(&got[1], DataType::Boolean, &MxValue::Bool(false));
    assert_good(&got[2], DataType::Double, &MxValue::Double(10.0));
    assert_config_error(
        &got[3],
        StatusSource::RequestingLmx,
        detail::RESOLVING_OBJECT,
    );
    assert_eq!(value(&plant, "TestChildObject.TestInt"), MxValue::Int32(42));
    assert_eq!(plant.references(), original_references);
    assert_eq!(*plant.model(), unsecured(&|_| {}));
    assert_eq!(plant.stats().subscriptions, 5);
}

// === concurrency ===

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn deploys_race_safely_with_subscribes_writes_and_scans() {
    let plant = demo_without_security();
    let (cancel, task) = spawn_run(&plant);
    let with_pump = demo_with(|m| {
        m.security_enabled = false;
        m.objects.push(object(
            "Pump_001",
            "Utilities",
            vec![attribute("PV", "Double", None)],
        ))
    });
    let without_pump = demo_with(|m| m.security_enabled = false);
    let stop = Arc::new(AtomicBool::new(false));
    let mut workers = Vec::new();
    for w in 0..3u64 {
        let plant = plant.clone();
        let stop = Arc::clone(&stop);
        workers.push(std::thread::spawn(move || {
            let (conn, _updates) = plant.connect("racer");
            let mut i = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let id = i % 8;
                let reference = if (i + w).is_multiple_of(2) {
                    "Pump_001.PV"
                } else {
                    "TestChildObject.TestInt"
                };
                conn.subscribe(id, reference, "", false);
                let _ = conn.write(id, write(MxValue::Int32(i as i32)));
                if i.is_multiple_of(3) {
                    conn.unsubscribe(id);
                }
                i += 1;
            }
        }));
    }
    let (_watcher, mut updates, _) = subscribed(&plant, "Pump_001.PV").await;
    for round in 0..40 {
        let model = if round % 2 == 0 {
            &with_pump
        } else {
            &without_pump
        };
        plant.deploy(model.clone()).unwrap();
        let expected = if round % 2 == 0 {
            quality::GOOD
        } else {
            quality::BAD_CONFIG_ERROR
        };
        // Racing writes may have queued good updates before the deploy; the
        // deploy's own update comes after them.
        let outcome = tokio::time::timeout(Duration::from_secs(10), async {
            loop {
                let u = next(&mut updates).await;
                if u.vtq.quality == expected {
                    return u;
                }
                assert_eq!(u.vtq.quality, quality::GOOD, "round {round}: {u:?}");
            }
        })
        .await;
        assert!(outcome.is_ok(), "round {round}: no update with {expected}");
    }
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.join().unwrap();
    }
    assert_eq!(plant.deploy_info().generation, 41);
    cancel.cancel();
    task.await.unwrap();
}

// === scale ===

#[tokio::test]
async fn a_million_attribute_galaxy_deploys_with_its_values() {
    let plant = Plant::new(GalaxyModel::generated(100_000, 10, 1000)).unwrap();
    let counter = format!(
        "{}.{}",
        generated_tag_name(50_000),
        generated_attribute_name(2)
    );
    let (conn, mut updates, _) = subscribed(&plant, &counter).await;
    assert_eq!(conn.write(1, write(MxValue::Int32(4711))), MxStatus::OK);
    drain(&mut updates).await;

    let started = std::time::Instant::now();
    let info = plant
        .deploy(GalaxyModel::generated(100_001, 10, 1000))
        .unwrap();
    let elapsed = started.elapsed();
    assert_eq!(info.object_count, 100_001 + 1 + 1 + GENERATED_AREAS);
    assert_eq!(info.attribute_count, 100_001 * 10);
    assert_eq!(updates.pending(), 0);
    assert_eq!(value(&plant, &counter), MxValue::Int32(4711));
    assert!(plant
        .read(&format!("{}.Attr_0010", generated_tag_name(100_001)))
        .is_ok());
    // Generous: unoptimised test builds on a busy two-core machine.
    assert!(elapsed < Duration::from_secs(30), "{elapsed:?}");
}

//! The MXAccess conformance suite of the simulator: one test per reference rule of
//! `mxaccess-semantics.md` §5 (as `docs/galaxy-model.md` §6 documents it) and per
//! status the simulator can produce (§7, §8), run through the public
//! `Plant`/`Connection` API exactly as a worker drives it: subscribe and look at
//! the first update (status, quality, value, data type), or write and look at the
//! returned status. Tests are named after the rule they pin, so a failure names
//! the broken rule.

use mxgateway_mx::{detail, quality, DataType, MxStatus, MxValue, StatusCategory, StatusSource};

use super::{demo_without_security, drain, next, secured, write};
use crate::*;

// === helpers ===

/// The first update of `reference` (with `context`) on a fresh connection.
async fn first(plant: &Plant, reference: &str, context: &str) -> Update {
    let (conn, mut updates) = plant.connect("conformance");
    conn.subscribe(1, reference, context, false);
    let u = next(&mut updates).await;
    assert_eq!(u.sub_id, 1);
    u
}

/// Asserts a successful first update and returns its value and data type.
async fn good(plant: &Plant, reference: &str, context: &str) -> (MxValue, DataType) {
    let u = first(plant, reference, context).await;
    assert_eq!(u.status, MxStatus::OK, "{reference} (context {context:?})");
    assert_eq!(u.vtq.quality, quality::GOOD, "{reference}");
    (u.vtq.value, u.data_type)
}

/// Asserts the configuration failure a reference that does not resolve gets
/// (quality 4, empty value, type Unknown) and returns (detected by, detail).
async fn config_failure(plant: &Plant, reference: &str, context: &str) -> (StatusSource, i16) {
    let u = first(plant, reference, context).await;
    assert_eq!(u.status.success, 0, "{reference}");
    assert_eq!(
        u.status.category,
        StatusCategory::ConfigurationError,
        "{reference}"
    );
    assert_eq!(u.vtq.quality, quality::BAD_CONFIG_ERROR, "{reference}");
    assert_eq!(u.vtq.value, MxValue::Empty, "{reference}");
    assert_eq!(u.data_type, DataType::Unknown, "{reference}");
    (u.status.detected_by, u.status.detail)
}

const OBJECT: StatusSource = StatusSource::RequestingLmx;
const ATTRIBUTE: StatusSource = StatusSource::RespondingAutomationObject;

/// The status of one plain write (user 0) of `value` through `reference`.
async fn write_status(plant: &Plant, reference: &str, value: MxValue) -> MxStatus {
    let (conn, mut updates) = plant.connect("conformance-write");
    conn.subscribe(1, reference, "", false);
    next(&mut updates).await;
    conn.write(1, write(value))
}

fn operational(code: i16) -> MxStatus {
    MxStatus::failure(
        StatusCategory::OperationalError,
        StatusSource::RespondingAutomationObject,
        code,
    )
}

fn security(code: i16) -> MxStatus {
    MxStatus::failure(
        StatusCategory::SecurityError,
        StatusSource::RespondingAutomationObject,
        code,
    )
}

fn s(text: &str) -> MxValue {
    MxValue::String(text.into())
}

// === names ===

#[tokio::test]
async fn tag_name_dot_attribute_resolves() {
    let plant = Plant::demo();
    assert_eq!(
        good(&plant, "TestChildObject.TestInt", "").await,
        (MxValue::Int32(0), DataType::Integer)
    );
}

#[tokio::test]
async fn names_are_case_insensitive() {
    let plant = Plant::demo();
    assert_eq!(
        good(&plant, "testchildobject.TESTDOUBLE", "").await,
        (MxValue::Double(3.25), DataType::Double)
    );
}

#[tokio::test]
async fn dotted_attribute_names_win_over_contained_names() {
    let plant = Plant::demo();
    assert_eq!(
        good(&plant, "Tank_001.Level.Max", "").await.0,
        MxValue::Double(90.0)
    );
}

#[tokio::test]
async fn hierarchical_names_go_through_contained_names() {
    let plant = Plant::demo();
    assert_eq!(
        good(&plant, "TestParentObject.TestChild.TestString", "").await,
        good(&plant, "TestChildObject.TestString", "").await
    );
}

#[tokio::test]
async fn area_members_resolve_under_their_area() {
    let plant = Plant::demo();
    let direct = good(&plant, "Tank_001.InletValve.Cmd", "").await;
    assert_eq!(
        good(&plant, "TankFarm.Tank_001.InletValve.Cmd", "").await,
        direct
    );
    assert_eq!(
        good(&plant, "MyArea.Tank_001.InletValve.Cmd", "Tank_002").await,
        direct
    );
    // Only members: an object of another area is not under this one.
    assert_eq!(
        config_failure(&plant, "TankFarm.Boiler_001.PV", "").await,
        (ATTRIBUTE, detail::RESOLVING_ATTRIBUTE)
    );
}

#[tokio::test]
async fn a_bare_object_means_its_pv() {
    let plant = Plant::demo();
    let pv = good(&plant, "Tank_001.InletValve.PV", "").await;
    assert_eq!(pv.1, DataType::Boolean);
    assert_eq!(good(&plant, "Tank_001.InletValve", "").await, pv);
    assert_eq!(good(&plant, "InletValve_001", "").await, pv);
}

#[tokio::test]
async fn a_bare_object_without_pv_is_11() {
    let plant = Plant::demo();
    assert_eq!(
        config_failure(&plant, "TestChildObject", "").await,
        (ATTRIBUTE, detail::RESOLVING_ATTRIBUTE)
    );
}

#[tokio::test]
async fn an_unknown_object_is_12() {
    let plant = Plant::demo();
    assert_eq!(
        config_failure(&plant, "NoSuchObject.PV", "").await,
        (OBJECT, detail::RESOLVING_OBJECT)
    );
}

#[tokio::test]
async fn an_unknown_attribute_or_contained_name_is_11() {
    let plant = Plant::demo();
    for reference in [
        "TestChildObject.NoSuchAttr",
        "TestParentObject.NoChild.TestInt",
    ] {
        assert_eq!(
            config_failure(&plant, reference, "").await,
            (ATTRIBUTE, detail::RESOLVING_ATTRIBUTE),
            "{reference}"
        );
    }
}

#[tokio::test]
async fn malformed_references_are_6() {
    let plant = Plant::demo();
    for reference in [
        "",
        "   ",
        "TestChildObject..TestInt",
        ".TestInt",
        "TestChildObject.TestInt.",
        "TestChildObject.Test[Int",
        "TestChildObject.TestIntArray[1].00",
    ] {
        assert_eq!(
            config_failure(&plant, reference, "").await,
            (OBJECT, detail::INVALID_REFERENCE),
            "{reference:?}"
        );
    }
}

// === relative references ===

#[tokio::test]
async fn me_is_the_context_object_by_tag_or_hierarchical_name() {
    let plant = Plant::demo();
    let direct = good(&plant, "TestChildObject.TestString", "").await;
    assert_eq!(
        good(&plant, "Me.TestString", "TestChildObject").await,
        direct
    );
    assert_eq!(
        good(&plant, "me.TestString", "TestParentObject.TestChild").await,
        direct
    );
}

#[tokio::test]
async fn my_container_is_the_containing_object() {
    let plant = Plant::demo();
    assert_eq!(
        good(&plant, "MyContainer.Description", "TestChildObject").await,
        good(&plant, "TestParentObject.Description", "").await
    );
}

#[tokio::test]
async fn my_container_reaches_sibling_contained_objects() {
    let plant = Plant::demo();
    assert_eq!(
        good(&plant, "MYCONTAINER.OutletValve.Cmd", "InletValve_001").await,
        good(&plant, "OutletValve_001.Cmd", "").await
    );
}

#[tokio::test]
async fn my_area_my_host_my_engine_my_platform_follow_the_deployment_model() {
    let plant = Plant::demo();
    let (conn, mut updates) = plant.connect("anchors");
    // Take each anchor's target off scan in turn: the relative ScanState follows.
    for (reference, context, target) in [
        ("MyArea.ScanState", "InletValve_001", "TankFarm"),
        ("myhost.ScanState", "Tank_001", "TankFarm"),
        ("MyHost.ScanState", "TankFarm", "AppEngine_001"),
        ("MyEngine.ScanState", "InletValve_001", "AppEngine_001"),
        ("myplatform.ScanState", "Boiler_001", "GRPlatform"),
    ] {
        conn.subscribe(1, reference, context, false);
        let u = next(&mut updates).await;
        assert_eq!(u.vtq.value, MxValue::Bool(true), "{reference}");
        plant.set_scan_state(target, false).unwrap();
        let got = drain(&mut updates).await;
        assert_eq!(
            got.last().map(|u| &u.vtq.value),
            Some(&MxValue::Bool(false)),
            "{reference} from {context} is {target}"
        );
        plant.set_scan_state(target, true).unwrap();
        drain(&mut updates).await;
    }
}

#[tokio::test]
async fn a_relative_keyword_without_a_usable_context_is_12() {
    let plant = Plant::demo();
    for (reference, context) in [
        ("Me.TestInt", ""),
        ("Me.TestInt", "NoSuchObject"),
        ("MyContainer.PV", "TestParentObject"),
        ("MyArea.ScanState", "GRPlatform"),
    ] {
        assert_eq!(
            config_failure(&plant, reference, context).await,
            (OBJECT, detail::RESOLVING_OBJECT),
            "{reference} in {context:?}"
        );
    }
}

// === arrays ===

#[tokio::test]
async fn empty_brackets_are_the_whole_array() {
    let plant = Plant::demo();
    assert_eq!(
        good(&plant, "TestChildObject.TestIntArray[]", "").await,
        (MxValue::Int32Array(vec![10, 20, 30, 40]), DataType::Integer)
    );
}

#[tokio::test]
async fn an_index_is_one_based() {
    let plant = Plant::demo();
    assert_eq!(
        good(&plant, "TestChildObject.TestIntArray[1]", "").await.0,
        MxValue::Int32(10)
    );
    assert_eq!(
        good(&plant, "TestChildObject.TestIntArray[4]", "").await.0,
        MxValue::Int32(40)
    );
}

#[tokio::test]
async fn an_array_without_brackets_is_1003() {
    let plant = Plant::demo();
    assert_eq!(
        config_failure(&plant, "TestChildObject.TestIntArray", "").await,
        (ATTRIBUTE, detail::INDEX_OUT_OF_RANGE)
    );
}

#[tokio::test]
async fn an_index_past_the_end_is_1003() {
    let plant = Plant::demo();
    assert_eq!(
        config_failure(&plant, "TestChildObject.TestIntArray[5]", "").await,
        (ATTRIBUTE, detail::INDEX_OUT_OF_RANGE)
    );
}

#[tokio::test]
async fn index_zero_negative_or_not_a_number_is_15() {
    let plant = Plant::demo();
    for reference in [
        "TestChildObject.TestIntArray[0]",
        "TestChildObject.TestIntArray[-1]",
        "TestChildObject.TestIntArray[one]",
    ] {
        assert_eq!(
            config_failure(&plant, reference, "").await,
            (ATTRIBUTE, detail::INVALID_INDEX),
            "{reference}"
        );
    }
}

#[tokio::test]
async fn brackets_on_a_scalar_are_14() {
    let plant = Plant::demo();
    for reference in ["TestChildObject.TestInt[]", "TestChildObject.TestInt[1]"] {
        assert_eq!(
            config_failure(&plant, reference, "").await,
            (ATTRIBUTE, detail::WRONG_NUMBER_OF_DIMENSIONS),
            "{reference}"
        );
    }
}

// === properties ===

#[tokio::test]
async fn value_property_is_the_attribute_itself() {
    let plant = demo_without_security();
    let (conn, mut updates) = plant.connect("value");
    conn.subscribe(1, "TestChildObject.TestInt.Value", "", false);
    conn.subscribe(2, "TestChildObject.TestInt", "", false);
    let got = drain(&mut updates).await;
    assert_eq!(got[0].vtq, got[1].vtq);
    assert_eq!(got[0].data_type, DataType::Integer);
    // It is the one writable property.
    assert_eq!(conn.write(1, write(MxValue::Int32(77))), MxStatus::OK);
    let got = drain(&mut updates).await;
    assert_eq!(got.len(), 2, "both items see the write: {got:?}");
    assert!(got.iter().all(|u| u.vtq.value == MxValue::Int32(77)));
}

#[tokio::test]
async fn value_property_of_an_array_is_1003_like_the_bare_array() {
    let plant = Plant::demo();
    assert_eq!(
        config_failure(&plant, "TestChildObject.TestIntArray.Value", "").await,
        (ATTRIBUTE, detail::INDEX_OUT_OF_RANGE)
    );
}

#[tokio::test]
async fn quality_property_is_the_attributes_quality_as_an_integer() {
    let plant = Plant::demo();
    assert_eq!(
        good(&plant, "TestChildObject.TestDouble.Quality", "").await,
        (MxValue::Int32(quality::GOOD), DataType::Integer)
    );
}

#[tokio::test]
async fn quality_property_updates_when_the_quality_changes_and_only_then() {
    let plant = demo_without_security();
    let (conn, mut updates) = plant.connect("quality");
    conn.subscribe(1, "TestChildObject.TestDouble.Quality", "", false);
    conn.subscribe(2, "TestChildObject.TestDouble", "", false);
    drain(&mut updates).await;
    // A value change with unchanged quality reaches only the value item.
    assert_eq!(conn.write(2, write(MxValue::Double(1.0))), MxStatus::OK);
    let got = drain(&mut updates).await;
    assert_eq!(got.iter().map(|u| u.sub_id).collect::<Vec<_>>(), [2]);
    // Off scan: the property reports 28 and stays readable itself.
    plant.set_scan_state("TestChildObject", false).unwrap();
    let got = drain(&mut updates).await;
    let q = got.iter().find(|u| u.sub_id == 1).expect("quality update");
    assert_eq!(q.vtq.value, MxValue::Int32(quality::BAD_OUT_OF_SERVICE));
    assert_eq!(q.vtq.quality, quality::GOOD);
    assert_eq!(q.status, MxStatus::OK);
    plant.set_scan_state("TestChildObject", true).unwrap();
    let got = drain(&mut updates).await;
    let q = got.iter().find(|u| u.sub_id == 1).expect("quality update");
    assert_eq!(q.vtq.value, MxValue::Int32(quality::GOOD));
}

#[tokio::test]
async fn type_property_is_the_mx_data_type_number() {
    let plant = Plant::demo();
    for (reference, data_type) in [
        ("TestChildObject.TestBool.Type", DataType::Boolean),
        ("TestChildObject.TestDouble.Type", DataType::Double),
        ("TestChildObject.TestStringArray.Type", DataType::String),
        (
            "TestChildObject.TestElapsedTime.Type",
            DataType::ElapsedTime,
        ),
    ] {
        assert_eq!(
            good(&plant, reference, "").await,
            (MxValue::Int32(data_type.raw()), DataType::Integer),
            "{reference}"
        );
    }
}

#[tokio::test]
async fn dimension1_is_the_array_length_and_0_on_a_scalar() {
    let plant = Plant::demo();
    assert_eq!(
        good(&plant, "TestChildObject.TestDoubleArray.Dimension1", "").await,
        (MxValue::Int32(5), DataType::Integer)
    );
    assert_eq!(
        good(&plant, "TestChildObject.TestDouble.Dimension1", "").await,
        (MxValue::Int32(0), DataType::Integer)
    );
}

#[tokio::test]
async fn security_classification_is_the_vendor_number() {
    let plant = Plant::demo();
    for (attr, classification) in [
        ("FreeAccessValue", 0),
        ("OperateValue", 1),
        ("SecuredSetpoint", 2),
        ("VerifiedSetpoint", 3),
        ("TuneValue", 4),
        ("ConfigureValue", 5),
        ("ViewOnlyValue", 6),
    ] {
        let reference = format!("TestChildObject.{attr}.SecurityClassification");
        assert_eq!(
            good(&plant, &reference, "").await,
            (MxValue::Int32(classification), DataType::Integer),
            "{reference}"
        );
    }
}

#[tokio::test]
async fn locked_is_always_false() {
    let plant = Plant::demo();
    for reference in [
        "TestChildObject.TestInt.Locked",
        "TestChildObject.ReadOnlyValue.Locked",
    ] {
        assert_eq!(
            good(&plant, reference, "").await,
            (MxValue::Bool(false), DataType::Boolean),
            "{reference}"
        );
    }
}

#[tokio::test]
async fn category_tells_writable_from_calculated() {
    let plant = Plant::demo();
    assert_eq!(
        good(&plant, "TestChildObject.TestInt.Category", "").await,
        (MxValue::Int32(7), DataType::Integer)
    );
    for reference in [
        "TestChildObject.ReadOnlyValue.Category",
        "TestChildObject.ViewOnlyValue.Category",
        "TestChildObject.ScanState.Category",
    ] {
        assert_eq!(
            good(&plant, reference, "").await.0,
            MxValue::Int32(1),
            "{reference}"
        );
    }
}

#[tokio::test]
async fn an_attribute_named_like_a_property_wins() {
    // `TestDouble.Hi.Category` is the alarm's Category sub-attribute (a string),
    // not the Category property of an attribute `TestDouble.Hi`.
    let plant = Plant::demo();
    assert_eq!(
        good(&plant, "TestChildObject.TestDouble.Hi.Category", "")
            .await
            .1,
        DataType::String
    );
    assert_eq!(
        good(&plant, "TestChildObject.TestDouble.Category", "").await,
        (MxValue::Int32(7), DataType::Integer)
    );
}

#[tokio::test]
async fn property_names_are_case_insensitive() {
    let plant = Plant::demo();
    assert_eq!(
        good(&plant, "TestChildObject.TestDoubleArray.DIMENSION1", "").await,
        good(&plant, "TestChildObject.TestDoubleArray.dimension1", "").await
    );
}

#[tokio::test]
async fn the_property_function_form_names_the_same_property() {
    let plant = Plant::demo();
    assert_eq!(
        good(
            &plant,
            "TestChildObject.TestDoubleArray.PROPERTY(Dimension1)",
            ""
        )
        .await,
        (MxValue::Int32(5), DataType::Integer)
    );
    assert_eq!(
        good(&plant, "TestChildObject.TestInt.property(value)", "").await,
        good(&plant, "TestChildObject.TestInt", "").await
    );
}

#[tokio::test]
async fn an_unknown_property_in_the_function_form_is_1002() {
    let plant = Plant::demo();
    assert_eq!(
        config_failure(&plant, "TestChildObject.TestInt.PROPERTY(Colour)", "").await,
        (ATTRIBUTE, detail::INVALID_PROPERTY_ID)
    );
}

#[tokio::test]
async fn an_unknown_dotted_property_is_an_unknown_attribute_11() {
    let plant = Plant::demo();
    assert_eq!(
        config_failure(&plant, "TestChildObject.TestInt.Colour", "").await,
        (ATTRIBUTE, detail::RESOLVING_ATTRIBUTE)
    );
}

#[tokio::test]
async fn an_index_on_a_property_is_14() {
    let plant = Plant::demo();
    assert_eq!(
        config_failure(&plant, "TestChildObject.TestDoubleArray.Dimension1[]", "").await,
        (ATTRIBUTE, detail::WRONG_NUMBER_OF_DIMENSIONS)
    );
}

#[tokio::test]
async fn properties_are_read_only_1007() {
    let plant = demo_without_security();
    for reference in [
        "TestChildObject.TestInt.Quality",
        "TestChildObject.TestInt.Type",
        "TestChildObject.TestDoubleArray.Dimension1",
        "TestChildObject.TestInt.SecurityClassification",
        "TestChildObject.TestInt.Locked",
        "TestChildObject.TestInt.Category",
    ] {
        assert_eq!(
            write_status(&plant, reference, MxValue::Int32(1)).await,
            operational(detail::NOT_WRITEABLE),
            "{reference}"
        );
    }
    assert_eq!(
        plant.read("TestChildObject.TestInt").unwrap().value,
        MxValue::Int32(0)
    );
}

#[tokio::test]
async fn static_properties_are_not_redelivered_on_value_changes() {
    let plant = demo_without_security();
    let (conn, mut updates) = plant.connect("static");
    conn.subscribe(1, "TestChildObject.TestInt", "", false);
    conn.subscribe(2, "TestChildObject.TestInt.Type", "", false);
    conn.subscribe(3, "TestChildObject.TestInt.Category", "", false);
    conn.subscribe(4, "TestChildObject._Attributes", "", false);
    assert_eq!(drain(&mut updates).await.len(), 4);
    assert_eq!(conn.write(1, write(MxValue::Int32(3))), MxStatus::OK);
    plant.set_scan_state("TestChildObject", false).unwrap();
    let got = drain(&mut updates).await;
    assert!(got.iter().all(|u| u.sub_id == 1), "{got:?}");
}

#[tokio::test]
async fn properties_turn_bad_while_the_runtime_is_disconnected() {
    let plant = Plant::demo();
    let (conn, mut updates) = plant.connect("disconnect");
    conn.subscribe(1, "TestChildObject.TestInt.Type", "", false);
    conn.subscribe(2, "TestChildObject.TestInt.Quality", "", false);
    drain(&mut updates).await;
    plant.set_connected(false);
    let got = drain(&mut updates).await;
    assert_eq!(got.len(), 2);
    for u in &got {
        assert_eq!(u.vtq.quality, quality::BAD_COMM_FAILURE);
        assert_eq!(u.status.category, StatusCategory::CommunicationError);
        assert_eq!(u.status.detail, detail::PLATFORM_COMMUNICATION_ERROR);
    }
    let q = got.iter().find(|u| u.sub_id == 2).unwrap();
    assert_eq!(q.vtq.value, MxValue::Int32(quality::BAD_COMM_FAILURE));
}

// === bit fields ===

#[tokio::test]
async fn a_bit_field_is_that_bit_of_an_integer_as_a_boolean() {
    let plant = demo_without_security();
    assert_eq!(
        write_status(&plant, "TestChildObject.TestInt", MxValue::Int32(5)).await,
        MxStatus::OK
    );
    for (bit, set) in [("00", true), ("01", false), ("02", true), ("31", false)] {
        assert_eq!(
            good(&plant, &format!("TestChildObject.TestInt.{bit}"), "").await,
            (MxValue::Bool(set), DataType::Boolean),
            "bit {bit}"
        );
    }
    assert_eq!(
        write_status(&plant, "TestChildObject.TestInt", MxValue::Int32(i32::MIN)).await,
        MxStatus::OK
    );
    assert_eq!(
        good(&plant, "TestChildObject.TestInt.31", "").await.0,
        MxValue::Bool(true)
    );
}

#[tokio::test]
async fn a_bit_field_write_sets_or_clears_only_that_bit() {
    let plant = demo_without_security();
    let (conn, mut updates) = plant.connect("bits");
    conn.subscribe(1, "TestChildObject.FreeAccessValue.03", "", false);
    conn.subscribe(2, "TestChildObject.FreeAccessValue", "", false);
    drain(&mut updates).await;
    assert_eq!(conn.write(1, write(MxValue::Bool(true))), MxStatus::OK);
    assert_eq!(
        plant.read("TestChildObject.FreeAccessValue").unwrap().value,
        MxValue::Int32(1 | 8)
    );
    let got = drain(&mut updates).await;
    assert_eq!(got.len(), 2, "both the bit and the integer item: {got:?}");
    assert_eq!(got[0].vtq.value, MxValue::Bool(true));
    // Anything that converts to a Boolean works, with the same failures.
    assert_eq!(conn.write(1, write(s("off"))), MxStatus::OK);
    assert_eq!(
        plant.read("TestChildObject.FreeAccessValue").unwrap().value,
        MxValue::Int32(1)
    );
    assert_eq!(
        conn.write(1, write(s("maybe"))),
        operational(detail::UNABLE_TO_CONVERT_STRING)
    );
}

#[tokio::test]
async fn a_bit_field_write_follows_the_attributes_security() {
    let plant = Plant::demo();
    assert_eq!(
        write_status(
            &plant,
            "TestChildObject.OperateValue.00",
            MxValue::Bool(true)
        )
        .await,
        security(detail::USER_NOT_HAVING_ACCESS_RIGHTS)
    );
    assert_eq!(
        write_status(
            &plant,
            "TestChildObject.ReadOnlyValue.00",
            MxValue::Bool(true)
        )
        .await,
        operational(detail::NOT_WRITEABLE)
    );
}

#[tokio::test]
async fn a_bit_field_on_anything_but_a_scalar_integer_is_1005() {
    let plant = Plant::demo();
    for reference in [
        "TestChildObject.TestDouble.00",
        "TestChildObject.TestBool.01",
        "TestChildObject.TestString.02",
        "TestChildObject.TestIntArray.00",
    ] {
        assert_eq!(
            config_failure(&plant, reference, "").await,
            (ATTRIBUTE, detail::INCORRECT_DATA_TYPE),
            "{reference}"
        );
    }
}

#[tokio::test]
async fn a_bit_number_past_31_is_1003() {
    let plant = Plant::demo();
    assert_eq!(
        config_failure(&plant, "TestChildObject.TestInt.32", "").await,
        (ATTRIBUTE, detail::INDEX_OUT_OF_RANGE)
    );
}

#[tokio::test]
async fn a_bit_field_needs_two_digits() {
    let plant = Plant::demo();
    for reference in ["TestChildObject.TestInt.3", "TestChildObject.TestInt.003"] {
        assert_eq!(
            config_failure(&plant, reference, "").await,
            (ATTRIBUTE, detail::RESOLVING_ATTRIBUTE),
            "{reference}"
        );
    }
}

#[tokio::test]
async fn bit_fields_of_alarm_sub_attributes_are_read_only() {
    let plant = demo_without_security();
    assert_eq!(
        good(&plant, "TestChildObject.TestDouble.Hi.Priority.02", "").await,
        (MxValue::Bool(true), DataType::Boolean),
        "priority 300 has bit 2 set"
    );
    assert_eq!(
        write_status(
            &plant,
            "TestChildObject.TestDouble.Hi.Priority.00",
            MxValue::Bool(true)
        )
        .await,
        operational(detail::NOT_WRITEABLE)
    );
}

// === _Attributes ===

#[tokio::test]
async fn attributes_lists_every_attribute_name_of_the_object() {
    let plant = Plant::demo();
    let (value, data_type) = good(&plant, "TestChildObject._Attributes", "").await;
    assert_eq!(data_type, DataType::String);
    let MxValue::StringArray(names) = value else {
        panic!("a string array, got {value:?}");
    };
    assert_eq!(names.first().map(String::as_str), Some(SCAN_STATE));
    for name in [
        "TestInt",
        "TestDoubleArray",
        "ReadOnlyValue",
        "TestDouble.Hi.InAlarm",
        "TestBool.AckMsg",
    ] {
        assert!(names.iter().any(|n| n == name), "{name} in {names:?}");
    }
    assert!(!names.iter().any(|n| n == ATTRIBUTE_LIST));
    // Every listed name is a reference that resolves (arrays with brackets).
    for name in &names {
        let reference = format!("TestChildObject.{name}");
        let u = first(&plant, &reference, "").await;
        let ok = u.status.is_success() || u.status.detail == detail::INDEX_OUT_OF_RANGE;
        assert!(ok, "{reference}: {:?}", u.status);
    }
}

#[tokio::test]
async fn attributes_resolves_relative_case_insensitive_and_with_empty_brackets() {
    let plant = Plant::demo();
    let direct = good(&plant, "TestParentObject._Attributes", "").await;
    assert_eq!(
        direct.0,
        MxValue::StringArray(vec!["ScanState".into(), "PV".into(), "Description".into()])
    );
    assert_eq!(
        good(&plant, "MyContainer._attributes", "TestChildObject").await,
        direct
    );
    assert_eq!(
        good(&plant, "TestParentObject._Attributes[]", "").await,
        direct
    );
}

#[tokio::test]
async fn attributes_is_read_whole_and_read_only() {
    let plant = demo_without_security();
    assert_eq!(
        config_failure(&plant, "TestParentObject._Attributes[1]", "").await,
        (ATTRIBUTE, detail::INVALID_INDEX)
    );
    assert_eq!(
        write_status(
            &plant,
            "TestParentObject._Attributes",
            MxValue::StringArray(vec!["x".into()])
        )
        .await,
        operational(detail::NOT_WRITEABLE)
    );
}

#[test]
fn attributes_is_reserved_in_models() {
    let mut model = GalaxyModel::demo();
    model.templates[1].attributes[0].name = "_attributes".into();
    let err = Plant::new(model).unwrap_err().to_string();
    assert!(err.contains("_Attributes is built in"), "{err}");
}

// === delivery statuses ===

#[tokio::test]
async fn an_off_scan_object_delivers_quality_28_with_status_ok() {
    let plant = Plant::demo();
    plant.set_scan_state("TestChildObject", false).unwrap();
    let u = first(&plant, "TestChildObject.TestInt", "").await;
    assert_eq!(u.status, MxStatus::OK);
    assert_eq!(u.vtq.quality, quality::BAD_OUT_OF_SERVICE);
    assert_eq!(u.vtq.value, MxValue::Int32(0));
    // ScanState itself stays good and tells the object is off scan.
    let u = first(&plant, "TestChildObject.ScanState", "").await;
    assert_eq!(
        (u.vtq.quality, u.vtq.value),
        (quality::GOOD, MxValue::Bool(false))
    );
}

#[tokio::test]
async fn a_disconnected_runtime_delivers_quality_24_and_detail_2() {
    let plant = Plant::demo();
    plant.set_connected(false);
    let u = first(&plant, "TestChildObject.TestInt.00", "").await;
    assert_eq!(u.vtq.quality, quality::BAD_COMM_FAILURE);
    assert_eq!(
        u.status,
        MxStatus::failure(
            StatusCategory::CommunicationError,
            StatusSource::RequestingLmx,
            detail::PLATFORM_COMMUNICATION_ERROR
        )
    );
}

// === write statuses ===

#[tokio::test]
async fn a_write_while_disconnected_is_detail_2() {
    let plant = demo_without_security();
    let (conn, mut updates) = plant.connect("w");
    conn.subscribe(1, "TestChildObject.TestInt", "", false);
    next(&mut updates).await;
    plant.set_connected(false);
    assert_eq!(
        conn.write(1, write(MxValue::Int32(1))),
        MxStatus::failure(
            StatusCategory::CommunicationError,
            StatusSource::RequestingLmx,
            detail::PLATFORM_COMMUNICATION_ERROR
        )
    );
}

#[tokio::test]
async fn a_write_through_an_unresolved_item_is_1007_from_the_requesting_lmx() {
    let plant = demo_without_security();
    assert_eq!(
        write_status(&plant, "NoSuchObject.PV", MxValue::Int32(1)).await,
        MxStatus::failure(
            StatusCategory::OperationalError,
            StatusSource::RequestingLmx,
            detail::NOT_WRITEABLE
        )
    );
}

#[tokio::test]
async fn a_write_to_a_read_only_or_view_only_attribute_is_1007() {
    for plant in [Plant::demo(), demo_without_security()] {
        for reference in [
            "TestChildObject.ReadOnlyValue",
            "TestChildObject.ViewOnlyValue",
            "TestChildObject.ScanState",
        ] {
            assert_eq!(
                write_status(&plant, reference, MxValue::Int32(1)).await,
                operational(detail::NOT_WRITEABLE),
                "{reference}"
            );
        }
    }
}

#[tokio::test]
async fn plain_writes_to_secured_and_verified_attributes_are_1012_and_1013() {
    let plant = Plant::demo();
    assert_eq!(
        write_status(
            &plant,
            "TestChildObject.SecuredSetpoint",
            MxValue::Double(1.0)
        )
        .await,
        security(detail::SECURED_WRITE)
    );
    assert_eq!(
        write_status(
            &plant,
            "TestChildObject.VerifiedSetpoint",
            MxValue::Double(1.0)
        )
        .await,
        security(detail::VERIFIED_WRITE)
    );
}

#[tokio::test]
async fn a_user_without_the_permission_is_1016_and_a_bad_verifier_1017() {
    let plant = Plant::demo();
    let (conn, mut updates) = plant.connect("rights");
    conn.subscribe(1, "TestChildObject.TuneValue", "", false);
    conn.subscribe(2, "TestChildObject.VerifiedSetpoint", "", false);
    drain(&mut updates).await;
    let operator = conn.authenticate("operator", "operator-demo").unwrap();
    assert_eq!(
        conn.write(1, super::as_user(MxValue::Double(1.0), operator)),
        security(detail::USER_NOT_HAVING_ACCESS_RIGHTS)
    );
    assert_eq!(
        conn.write(2, secured(MxValue::Double(1.0), operator, operator)),
        security(detail::VERIFIER_NOT_HAVING_VERIFY_RIGHTS)
    );
}

#[tokio::test]
async fn a_value_of_no_convertible_type_is_13() {
    let plant = demo_without_security();
    for (reference, value) in [
        ("TestChildObject.TestInt", MxValue::Time(Default::default())),
        ("TestChildObject.TestTime", MxValue::Double(1.0)),
        (
            "TestChildObject.TestDouble",
            MxValue::DoubleArray(vec![1.0]),
        ),
        ("TestChildObject.TestDoubleArray[]", MxValue::Double(1.0)),
        ("TestChildObject.TestString", MxValue::Empty),
        ("TestChildObject.TestElapsedTime", MxValue::Bool(true)),
    ] {
        assert_eq!(
            write_status(&plant, reference, value.clone()).await,
            operational(detail::WRONG_DATA_TYPE),
            "{value:?} into {reference}"
        );
    }
}

#[tokio::test]
async fn a_numeric_string_converts_into_a_number() {
    let plant = demo_without_security();
    for (reference, text, expected) in [
        ("TestChildObject.TestInt", " 42 ", MxValue::Int32(42)),
        ("TestChildObject.TestInt", "-2.5", MxValue::Int32(-3)),
        (
            "TestChildObject.TestDouble",
            "1.5e2",
            MxValue::Double(150.0),
        ),
        ("TestChildObject.TestFloat", "0.25", MxValue::Float(0.25)),
        ("TestChildObject.TestBool", "on", MxValue::Bool(true)),
        ("TestChildObject.TestBool", "0", MxValue::Bool(false)),
        (
            "TestChildObject.TestElapsedTime",
            "00:01:30.5",
            MxValue::ElapsedTime(90_500_000_000),
        ),
        ("TestChildObject.TestIntArray[2]", "7", MxValue::Int32(7)),
    ] {
        assert_eq!(
            write_status(&plant, reference, s(text)).await,
            MxStatus::OK,
            "{text:?} into {reference}"
        );
        assert_eq!(
            plant.read(reference).unwrap().value,
            expected,
            "{reference}"
        );
    }
}

#[tokio::test]
async fn a_string_that_does_not_parse_is_19() {
    let plant = demo_without_security();
    for (reference, text) in [
        ("TestChildObject.TestInt", "forty"),
        ("TestChildObject.TestInt", "NaN"),
        ("TestChildObject.TestDouble", "inf"),
        ("TestChildObject.TestDouble", ""),
        ("TestChildObject.TestBool", "maybe"),
        ("TestChildObject.TestTime", "tomorrow"),
        ("TestChildObject.TestElapsedTime", "1:99:00"),
    ] {
        assert_eq!(
            write_status(&plant, reference, s(text)).await,
            operational(detail::UNABLE_TO_CONVERT_STRING),
            "{text:?} into {reference}"
        );
    }
}

#[tokio::test]
async fn a_number_the_attribute_cannot_hold_is_20() {
    let plant = demo_without_security();
    for (reference, value) in [
        ("TestChildObject.TestInt", MxValue::Double(3e9)),
        ("TestChildObject.TestInt", s("2147483648")),
        ("TestChildObject.TestInt", MxValue::Double(f64::NAN)),
        ("TestChildObject.TestFloat", MxValue::Double(1e39)),
        ("TestChildObject.TestFloat", s("1e39")),
        ("TestChildObject.TestDouble", MxValue::Double(f64::INFINITY)),
        ("TestChildObject.TestDouble", s("1e400")),
        ("TestChildObject.TestBool", MxValue::Double(f64::NAN)),
        ("TestChildObject.TestElapsedTime", MxValue::Double(1e300)),
    ] {
        assert_eq!(
            write_status(&plant, reference, value.clone()).await,
            operational(detail::OVERFLOW),
            "{value:?} into {reference}"
        );
    }
}

#[tokio::test]
async fn booleans_and_numbers_convert_both_ways() {
    let plant = demo_without_security();
    for (reference, value, expected) in [
        (
            "TestChildObject.TestInt",
            MxValue::Bool(true),
            MxValue::Int32(1),
        ),
        (
            "TestChildObject.TestDouble",
            MxValue::Bool(true),
            MxValue::Double(1.0),
        ),
        (
            "TestChildObject.TestBool",
            MxValue::Int32(-4),
            MxValue::Bool(true),
        ),
        (
            "TestChildObject.TestBool",
            MxValue::Double(0.0),
            MxValue::Bool(false),
        ),
        (
            "TestChildObject.TestString",
            MxValue::Bool(false),
            s("false"),
        ),
        (
            "TestChildObject.TestInt",
            MxValue::Double(2.5),
            MxValue::Int32(3),
        ),
    ] {
        assert_eq!(
            write_status(&plant, reference, value.clone()).await,
            MxStatus::OK,
            "{value:?} into {reference}"
        );
        assert_eq!(
            plant.read(reference).unwrap().value,
            expected,
            "{reference}"
        );
    }
}

#[tokio::test]
async fn a_whole_array_of_the_wrong_length_is_1004() {
    let plant = demo_without_security();
    assert_eq!(
        write_status(
            &plant,
            "TestChildObject.TestIntArray[]",
            MxValue::Int32Array(vec![1, 2])
        )
        .await,
        operational(detail::DATA_OUT_OF_RANGE)
    );
}

#[tokio::test]
async fn an_ack_without_the_privilege_is_1014_and_with_nothing_to_ack_1015() {
    let plant = Plant::demo();
    assert_eq!(
        write_status(&plant, "TestChildObject.TestBool.AckMsg", s("")).await,
        security(detail::NO_ALARM_ACK_PRIVILEGE)
    );
    let open = demo_without_security();
    let status = write_status(&open, "TestChildObject.TestBool.AckMsg", s("")).await;
    assert_eq!(status.detail, detail::ALARM_ACKED_ALREADY);
    assert_eq!(status.category, StatusCategory::OperationalError);
}

#[tokio::test]
async fn an_out_of_range_priority_is_1004() {
    let plant = demo_without_security();
    assert_eq!(
        write_status(
            &plant,
            "TestChildObject.TestDouble.Hi.Priority",
            MxValue::Int32(1000)
        )
        .await,
        operational(detail::DATA_OUT_OF_RANGE)
    );
}

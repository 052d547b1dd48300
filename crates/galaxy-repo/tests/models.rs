//! Galaxies other than the demo: a large generated one, deep template chains,
//! instance overrides, sub-areas and objects without a template or an area.
//!
//! Models are written in the model-file format (`docs/galaxy-model.md`), so these
//! tests keep compiling as the model grows optional fields.

use mxgateway_galaxy_repo::{
    category, GalaxyProvider, Hierarchy, SqliteProvider, MAX_TEMPLATE_DEPTH,
};
use mxgateway_mx::{DataType, SecurityClassification, Timestamp};
use mxgateway_sim::GalaxyModel;

async fn browse(toml: &str) -> Hierarchy {
    let model = GalaxyModel::from_toml_str(toml, "test model").unwrap();
    SqliteProvider::new(&model, None)
        .unwrap()
        .hierarchy()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_generated_galaxy_of_1000_objects_lists_5000_attributes() {
    let model = GalaxyModel::generated(1000, 5, 1000);
    let provider = SqliteProvider::new(&model, Some(Timestamp::now())).unwrap();
    let hierarchy = provider.hierarchy().await.unwrap();

    let apps: Vec<_> = hierarchy
        .objects
        .iter()
        .filter(|o| o.category_id == category::APPLICATION_OBJECT)
        .collect();
    assert_eq!(apps.len(), 1000);
    assert_eq!(hierarchy.attribute_count(), 5000);
    // Plus the platform, the engine and the four areas that hold them.
    assert_eq!(hierarchy.objects.len(), 1006);

    let first = apps.iter().find(|o| o.tag_name == "GenObj_000001").unwrap();
    assert_eq!(first.template_chain, ["$GenObject"]);
    assert_eq!(first.parent_tag_name, "GenArea_01");
    assert_eq!(first.area_tag_name, "GenArea_01");
    assert_eq!(first.attributes.len(), 5);
    assert_eq!(
        first.attributes[0].full_tag_reference,
        "GenObj_000001.Attr_0001"
    );
    assert_eq!(first.attributes[0].data_type, DataType::Double);
    assert_eq!(first.attributes[3].data_type, DataType::Boolean);
    // Each area is followed by its 250 objects; the engine and platform come last.
    let tag = |i: usize| hierarchy.objects[i].tag_name.as_str();
    assert_eq!(
        [tag(0), tag(1), tag(2)],
        ["GenArea_01", "GenObj_000001", "GenObj_000005"]
    );
    assert_eq!([tag(251), tag(252)], ["GenArea_02", "GenObj_000002"]);
    assert_eq!([tag(1004), tag(1005)], ["GenEngine_01", "GenPlatform_01"]);
}

#[tokio::test]
async fn template_chains_and_package_chains_stop_at_the_depth_limit() {
    // $T01 <- $T02 <- ... <- $T12, each adding one attribute; Deep instantiates $T12.
    let mut toml = String::from("galaxy = \"Deep\"\n");
    for n in 1..=12 {
        toml += &format!("[[templates]]\nname = \"$T{n:02}\"\n");
        if n > 1 {
            toml += &format!("derived_from = \"$T{:02}\"\n", n - 1);
        }
        toml += &format!("attributes = [{{ name = \"A{n:02}\", type = \"Integer\" }}]\n");
    }
    toml += "[[objects]]\ntag_name = \"Deep\"\ntemplate = \"$T12\"\n";
    let hierarchy = browse(&toml).await;

    let deep = &hierarchy.objects[0];
    let expected_chain: Vec<String> = (3..=12).rev().map(|n| format!("$T{n:02}")).collect();
    assert_eq!(deep.template_chain, expected_chain);
    assert_eq!(deep.template_chain.len(), MAX_TEMPLATE_DEPTH as usize);
    // The attributes of every listed template, none of the two beyond the limit.
    let names: Vec<&str> = deep.attributes.iter().map(|a| &*a.attribute_name).collect();
    let expected: Vec<String> = (3..=12).map(|n| format!("A{n:02}")).collect();
    assert_eq!(names, expected);
}

#[tokio::test]
async fn the_nearest_override_wins_and_instances_add_attributes() {
    let hierarchy = browse(
        r#"
        galaxy = "Overrides"

        [[templates]]
        name = "$Base"
        attributes = [
          { name = "Level", type = "Double", security = "Tune" },
          { name = "Profile", type = "Double", array = 4 },
        ]

        # Different casing: still an override of Level, which keeps its first name.
        [[templates]]
        name = "$Derived"
        derived_from = "$Base"
        attributes = [{ name = "level", security = "Operate" }]

        [[objects]]
        tag_name = "Plain"
        template = "$Derived"

        [[objects]]
        tag_name = "Special"
        template = "$Derived"
        attributes = [
          { name = "Level", type = "Float" },
          { name = "Extra", type = "String" },
        ]
        "#,
    )
    .await;
    let find = |tag: &str| {
        hierarchy
            .objects
            .iter()
            .find(|o| o.tag_name == tag)
            .unwrap()
    };
    let summary = |tag: &str| -> Vec<(String, DataType, bool, SecurityClassification)> {
        find(tag)
            .attributes
            .iter()
            .map(|a| {
                (
                    a.full_tag_reference.clone(),
                    a.data_type,
                    a.is_array,
                    a.security,
                )
            })
            .collect()
    };
    use DataType as T;
    use SecurityClassification as S;
    assert_eq!(
        summary("Plain"),
        [
            ("Plain.Level".into(), T::Double, false, S::Operate),
            ("Plain.Profile[]".into(), T::Double, true, S::FreeAccess),
        ]
    );
    assert_eq!(
        summary("Special"),
        [
            ("Special.Extra".into(), T::String, false, S::FreeAccess),
            ("Special.Level".into(), T::Float, false, S::Operate),
            ("Special.Profile[]".into(), T::Double, true, S::FreeAccess),
        ]
    );
    assert_eq!(find("Plain").template_chain, ["$Derived", "$Base"]);
}

#[tokio::test]
async fn sub_areas_loose_objects_and_nested_containment() {
    // Children are listed before their containers, and the sub-area before its parent.
    let hierarchy = browse(
        r#"
        galaxy = "Nested"

        [[areas]]
        name = "Line1"
        parent = "Site"

        [[areas]]
        name = "Site"

        [[templates]]
        name = "$Thing"
        attributes = [{ name = "PV", type = "Double" }]

        [[objects]]
        tag_name = "Sensor_1"     # no contained name: the tag name serves
        template = "$Thing"
        container = "Head_1"

        [[objects]]
        tag_name = "Head_1"
        template = "$Thing"
        container = "Machine"
        contained_name = "Head"

        [[objects]]
        tag_name = "Machine"
        template = "$Thing"
        area = "Line1"

        [[objects]]
        tag_name = "Loose"        # no template, no area
        "#,
    )
    .await;
    let rows: Vec<(&str, &str, &str, &str, &str)> = hierarchy
        .objects
        .iter()
        .map(|o| {
            (
                o.tag_name.as_str(),
                o.parent_tag_name.as_str(),
                o.area_tag_name.as_str(),
                o.hierarchical_name.as_str(),
                o.browse_name.as_str(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("Loose", "", "", "Loose", "Loose"),
            ("Site", "", "", "Site", "Site"),
            ("Line1", "Site", "Site", "Line1", "Line1"),
            ("Machine", "Line1", "Line1", "Machine", "Machine"),
            ("Head_1", "Machine", "Line1", "Machine.Head", "Head"),
            (
                "Sensor_1",
                "Head_1",
                "Line1",
                "Machine.Head.Sensor_1",
                "Sensor_1"
            ),
        ]
    );
    // An object without a template derives from $UserDefined.
    assert_eq!(hierarchy.objects[0].template_chain, ["$UserDefined"]);
    assert!(hierarchy.objects[0].attributes.is_empty());
}

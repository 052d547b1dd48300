//! The embedded repository built from the demo galaxy: schema, population, the
//! hierarchy query, and agreement with the running simulator.

use std::collections::{HashMap, HashSet};

use mxgateway_galaxy_repo::{
    build_sqlite, category, GalaxyObject, GalaxyProvider, Hierarchy, SqliteProvider,
};
use mxgateway_mx::{quality, DataType, SecurityClassification, Timestamp};
use mxgateway_sim::{GalaxyModel, Plant};

const DEPLOYED_AT: Timestamp = Timestamp {
    unix_nanos: 1_714_564_800_123_456_789,
};

async fn demo_hierarchy() -> Hierarchy {
    let provider = SqliteProvider::new(&GalaxyModel::demo(), Some(DEPLOYED_AT)).unwrap();
    provider.hierarchy().await.unwrap()
}

fn by_tag(hierarchy: &Hierarchy) -> HashMap<&str, &GalaxyObject> {
    hierarchy
        .objects
        .iter()
        .map(|o| (o.tag_name.as_str(), o))
        .collect()
}

#[tokio::test]
async fn demo_objects_come_parents_first_in_browse_order() {
    let hierarchy = demo_hierarchy().await;
    let order: Vec<&str> = hierarchy.objects.iter().map(|o| &*o.tag_name).collect();
    assert_eq!(
        order,
        [
            "AppEngine_001",
            "AppEngine_002",
            "GRPlatform",
            "Packaging",
            "PackLine_001",
            "TankFarm",
            "Tank_001",
            "InletValve_001",
            "OutletValve_001",
            "Tank_002",
            "InletValve_002",
            "OutletValve_002",
            "TestArea",
            "TestParentObject",
            "TestChildObject",
            "Utilities",
            "Boiler_001",
            "Compressor_001",
        ]
    );
    let mut seen = HashSet::new();
    for o in &hierarchy.objects {
        assert!(
            o.parent_gobject_id == 0 || seen.contains(&o.parent_gobject_id),
            "{} comes before its parent",
            o.tag_name
        );
        seen.insert(o.gobject_id);
    }
    assert_eq!(hierarchy.time_of_last_deploy, Some(DEPLOYED_AT));
}

#[tokio::test]
async fn demo_categories_templates_areas_and_names() {
    let hierarchy = demo_hierarchy().await;
    let objects = by_tag(&hierarchy);
    let id = |tag: &str| objects[tag].gobject_id;

    let mut per_category: HashMap<&str, usize> = HashMap::new();
    for o in &hierarchy.objects {
        *per_category.entry(&o.category).or_default() += 1;
    }
    assert_eq!(
        per_category,
        HashMap::from([
            ("PlatformEngine", 1),
            ("ApplicationEngine", 2),
            ("Area", 4),
            ("ApplicationObject", 11),
        ])
    );

    let platform = objects["GRPlatform"];
    assert_eq!(
        (platform.category_id, platform.template_chain.clone()),
        (category::PLATFORM, vec!["$WinPlatform".to_string()])
    );
    let engine = objects["AppEngine_001"];
    assert_eq!(
        (engine.category_id, engine.template_chain.clone()),
        (category::APPLICATION_ENGINE, vec!["$AppEngine".to_string()])
    );
    assert_eq!(engine.parent_gobject_id, 0);

    let area = objects["TankFarm"];
    assert_eq!(area.category_id, category::AREA);
    assert_eq!(area.category, "Area");
    assert_eq!(area.template_chain, ["$Area"]);
    assert_eq!(
        (area.parent_gobject_id, area.parent_tag_name.as_str()),
        (0, "")
    );
    assert_eq!(area.area_tag_name, "");
    assert!(area.attributes.is_empty());

    let parent = objects["TestParentObject"];
    assert_eq!(parent.category_id, category::APPLICATION_OBJECT);
    assert_eq!(parent.template_chain, ["$TestParent", "$UserDefined"]);
    assert_eq!(parent.contained_name, "");
    assert_eq!(parent.browse_name, "TestParentObject");
    assert_eq!(parent.hierarchical_name, "TestParentObject");
    assert_eq!(parent.parent_gobject_id, id("TestArea"));
    assert_eq!(parent.parent_tag_name, "TestArea");
    assert_eq!(parent.area_tag_name, "TestArea");

    let child = objects["TestChildObject"];
    assert_eq!(child.template_chain, ["$TestChild", "$UserDefined"]);
    assert_eq!(child.contained_name, "TestChild");
    assert_eq!(child.browse_name, "TestChild");
    assert_eq!(child.hierarchical_name, "TestParentObject.TestChild");
    assert_eq!(child.parent_gobject_id, id("TestParentObject"));
    assert_eq!(child.parent_tag_name, "TestParentObject");
    assert_eq!(
        child.area_tag_name, "TestArea",
        "inherited from the container"
    );

    let tank = objects["Tank_001"];
    assert_eq!(tank.template_chain, ["$Tank", "$UserDefined"]);
    assert_eq!(
        (tank.parent_tag_name.as_str(), tank.area_tag_name.as_str()),
        ("TankFarm", "TankFarm")
    );
    for (valve, contained) in [
        ("InletValve_001", "InletValve"),
        ("OutletValve_001", "OutletValve"),
    ] {
        let v = objects[valve];
        assert_eq!(v.contained_name, contained);
        assert_eq!(v.browse_name, contained);
        assert_eq!(v.hierarchical_name, format!("Tank_001.{contained}"));
        assert_eq!(v.parent_gobject_id, id("Tank_001"));
        assert_eq!(v.parent_tag_name, "Tank_001");
        assert_eq!(v.area_tag_name, "TankFarm");
        assert_eq!(v.template_chain, ["$Valve", "$UserDefined"]);
    }
    assert_eq!(
        objects["InletValve_002"].hierarchical_name,
        "Tank_002.InletValve"
    );
}

#[tokio::test]
async fn demo_attributes_follow_the_template_chain_and_overrides() {
    let hierarchy = demo_hierarchy().await;
    let objects = by_tag(&hierarchy);
    let attribute = |tag: &str, name: &str| {
        objects[tag]
            .attributes
            .iter()
            .find(|a| a.attribute_name == name)
            .unwrap_or_else(|| panic!("{tag}.{name} is listed"))
            .clone()
    };
    let counts: Vec<(&str, usize)> = [
        "TestParentObject",
        "TestChildObject",
        "Tank_001",
        "Tank_002",
        "InletValve_001",
        "PackLine_001",
        "Compressor_001",
        "Boiler_001",
    ]
    .into_iter()
    .map(|t| (t, objects[t].attributes.len()))
    .collect();
    assert_eq!(
        counts,
        [
            ("TestParentObject", 2),
            ("TestChildObject", 19),
            ("Tank_001", 9),
            ("Tank_002", 9),
            ("InletValve_001", 3),
            ("PackLine_001", 11),
            ("Compressor_001", 5),
            ("Boiler_001", 4),
        ]
    );
    assert_eq!(hierarchy.attribute_count(), 71);

    let int = attribute("TestChildObject", "TestInt");
    assert_eq!(int.full_tag_reference, "TestChildObject.TestInt");
    assert_eq!(int.data_type, DataType::Integer);
    assert!(!int.is_array);
    assert_eq!(int.security, SecurityClassification::FreeAccess);
    assert_eq!(int.raw_security_classification, 0);
    assert!(!int.is_alarm && !int.is_historized);

    let array = attribute("TestChildObject", "TestDoubleArray");
    assert!(array.is_array);
    assert_eq!(array.data_type, DataType::Double);
    assert_eq!(
        array.full_tag_reference,
        "TestChildObject.TestDoubleArray[]"
    );

    let verified = attribute("TestChildObject", "VerifiedSetpoint");
    assert_eq!(verified.security, SecurityClassification::VerifiedWrite);
    assert_eq!(verified.raw_security_classification, 3);

    let hi = attribute("Tank_001", "Level.Max");
    assert_eq!(hi.full_tag_reference, "Tank_001.Level.Max");
    assert_eq!(hi.security, SecurityClassification::Tune);

    // Overrides that change only values or generators keep the inherited metadata.
    let batch = attribute("Tank_002", "BatchId");
    assert_eq!(
        (batch.data_type, batch.security),
        (DataType::String, SecurityClassification::Operate)
    );
    let outlet = attribute("OutletValve_001", "PV");
    assert_eq!(outlet.data_type, DataType::Boolean);

    // Attributes are sorted by name, case-insensitively.
    let names: Vec<&str> = objects["Compressor_001"]
        .attributes
        .iter()
        .map(|a| &*a.attribute_name)
        .collect();
    assert_eq!(names, ["Overload", "PV", "Running", "Setpoint", "Starts"]);
}

#[tokio::test]
async fn template_attributes_live_in_the_template_package() {
    let conn = build_sqlite(&GalaxyModel::demo(), Some(DEPLOYED_AT)).unwrap();
    let rows_in_package_of = |tag: &str| -> i64 {
        conn.query_row(
            "SELECT COUNT(*) FROM dynamic_attribute da
             JOIN gobject g ON g.deployed_package_id = da.package_id OR
                               (g.is_template = 1 AND g.checked_in_package_id = da.package_id)
             WHERE g.tag_name = ?1",
            [tag],
            |r| r.get(0),
        )
        .unwrap()
    };
    assert_eq!(rows_in_package_of("$Tank"), 9);
    assert_eq!(rows_in_package_of("Tank_001"), 0, "nothing of its own");
    assert_eq!(rows_in_package_of("Tank_002"), 2, "its two overrides");

    // The instance's package derives from its template's.
    let (template_package, derived_from): (i64, i64) = conn
        .query_row(
            "SELECT t.checked_in_package_id, p.derived_from_package_id
             FROM gobject g
             JOIN gobject t ON t.gobject_id = g.derived_from_gobject_id
             JOIN package p ON p.package_id = g.deployed_package_id
             WHERE g.tag_name = 'Tank_001'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(template_package, derived_from);

    // Templates are gobjects with `$` names that are never deployed.
    let templates: Vec<(String, i64)> = conn
        .prepare("SELECT tag_name, deployed_package_id FROM gobject WHERE is_template = 1 ORDER BY gobject_id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(templates
        .iter()
        .all(|(name, deployed)| name.starts_with('$') && *deployed == 0));
    assert_eq!(
        templates
            .iter()
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>(),
        [
            "$WinPlatform",
            "$AppEngine",
            "$Area",
            "$UserDefined",
            "$TestParent",
            "$TestChild",
            "$Valve",
            "$Tank",
            "$PackagingLine",
            "$Compressor",
            "$Boiler"
        ]
    );
    let deploy: String = conn
        .query_row("SELECT time_of_last_deploy FROM galaxy", [], |r| r.get(0))
        .unwrap();
    assert_eq!(deploy, "2024-05-01T12:00:00.123456789Z");
}

#[tokio::test]
async fn extension_primitives_in_the_package_chain_flag_alarms_and_history() {
    let conn = build_sqlite(&GalaxyModel::demo(), Some(DEPLOYED_AT)).unwrap();
    // The model's alarms (the template's Level, inherited by both tanks, and
    // others) come from the model; history on Tank_002's own Temperature is
    // added here, as a real galaxy stores extension primitives.
    conn.execute_batch(
        "INSERT INTO primitive_instance (gobject_id, package_id, mx_primitive_id,
             primitive_name, primitive_definition_id)
         SELECT g.gobject_id, g.deployed_package_id, 9000, 'Temperature', pd.primitive_definition_id
         FROM gobject g, primitive_definition pd
         WHERE g.tag_name = 'Tank_002' AND pd.primitive_name = 'HistoryExtension';",
    )
    .unwrap();
    let hierarchy = SqliteProvider::from_connection(conn)
        .hierarchy()
        .await
        .unwrap();
    let flags: Vec<(String, bool, bool)> = hierarchy
        .objects
        .iter()
        .flat_map(|o| o.attributes.iter())
        .filter(|a| a.is_alarm || a.is_historized)
        .map(|a| (a.full_tag_reference.clone(), a.is_alarm, a.is_historized))
        .collect();
    assert_eq!(
        flags,
        [
            ("Tank_001.Level".to_string(), true, false),
            ("Tank_002.Level".to_string(), true, false),
            ("Tank_002.Temperature".to_string(), false, true),
            ("TestChildObject.TestBool".to_string(), true, false),
            ("TestChildObject.TestDouble".to_string(), true, false),
            ("Compressor_001.Overload".to_string(), true, false),
        ]
    );
}

#[tokio::test]
async fn a_galaxy_never_deployed_has_no_deploy_time() {
    let provider = SqliteProvider::new(&GalaxyModel::demo(), None).unwrap();
    assert_eq!(provider.last_deploy_time().await.unwrap(), None);
    assert_eq!(
        provider.hierarchy().await.unwrap().time_of_last_deploy,
        None
    );
    provider.test_connection().await.unwrap();
    assert_eq!(provider.name(), "sqlite");
}

#[tokio::test]
async fn rebuild_replaces_the_galaxy() {
    let provider = SqliteProvider::new(&GalaxyModel::demo(), Some(DEPLOYED_AT)).unwrap();
    let later = Timestamp {
        unix_nanos: DEPLOYED_AT.unix_nanos + 1,
    };
    provider
        .rebuild(GalaxyModel::generated(3, 2, 1000).into(), later)
        .await
        .unwrap();
    let hierarchy = provider.hierarchy().await.unwrap();
    assert_eq!(hierarchy.time_of_last_deploy, Some(later));
    assert_eq!(provider.last_deploy_time().await.unwrap(), Some(later));
    let apps = hierarchy
        .objects
        .iter()
        .filter(|o| o.category_id == category::APPLICATION_OBJECT)
        .count();
    assert_eq!((apps, hierarchy.attribute_count()), (3, 6));

    // A model that cannot be stored leaves the old galaxy in place.
    let mut broken = GalaxyModel::demo();
    broken.objects[0].template = Some("$Missing".into());
    let err = provider
        .rebuild(broken.into(), Timestamp::now())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("$Missing"), "{err}");
    assert_eq!(provider.last_deploy_time().await.unwrap(), Some(later));
}

/// Every attribute the browse lists resolves on the simulator running the same model,
/// with a good first update of the listed type; and the browse misses nothing but the
/// built-in `ScanState`.
#[tokio::test]
async fn every_listed_reference_resolves_on_the_simulator() {
    let hierarchy = demo_hierarchy().await;
    let attributes: Vec<_> = hierarchy
        .objects
        .iter()
        .flat_map(|o| o.attributes.iter())
        .collect();
    assert_eq!(attributes.len(), 71);

    let plant = Plant::demo();
    let (conn, mut updates) = plant.connect("galaxy-repo test");
    for (i, a) in attributes.iter().enumerate() {
        conn.subscribe(i as u64 + 1, &a.full_tag_reference, "", false);
    }
    let mut first: HashMap<u64, mxgateway_sim::Update> = HashMap::new();
    let mut batch = Vec::new();
    while first.len() < attributes.len() {
        assert!(
            updates.recv_batch(usize::MAX, &mut batch).await,
            "plant gone"
        );
        for u in batch.drain(..) {
            first.entry(u.sub_id).or_insert(u);
        }
    }
    for (i, a) in attributes.iter().enumerate() {
        let u = &first[&(i as u64 + 1)];
        assert!(
            u.status.is_success(),
            "{}: {:?}",
            a.full_tag_reference,
            u.status
        );
        assert_eq!(u.vtq.quality, quality::GOOD, "{}", a.full_tag_reference);
        assert_eq!(u.data_type, a.data_type, "{}", a.full_tag_reference);
    }

    let listed: HashSet<&str> = attributes
        .iter()
        .map(|a| a.full_tag_reference.as_str())
        .collect();
    // Alarm sub-attributes (`X.InAlarm` and siblings) belong to the alarm
    // extension of the listed attribute, not to the attribute list.
    let references = plant.references();
    let alarms: HashSet<&str> = references
        .iter()
        .filter_map(|r| r.strip_suffix(".InAlarm"))
        .collect();
    let unlisted: Vec<String> = references
        .iter()
        .filter(|r| !listed.contains(r.as_str()))
        .filter(|r| !r.ends_with(".ScanState"))
        .filter(|r| !r.rsplit_once('.').is_some_and(|(p, _)| alarms.contains(p)))
        .cloned()
        .collect();
    assert!(unlisted.is_empty(), "not browsed: {unlisted:?}");
}

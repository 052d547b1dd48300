//! The GalaxyRepository service end to end (issue 5): browse agrees with the
//! runtime, paging, deploy time, deploy watch, simulated deploys and scopes,
//! over real gRPC, real workers and the shared simulated galaxy.

mod support;

use std::collections::HashMap;
use std::time::Duration;

use mxgateway::auth::Scope;
use mxgateway_mx::{detail, quality};
use mxgateway_proto::v1::{
    mx_command::Command, mx_command_reply, mx_event, DeploySimulatedGalaxyRequest,
    DiscoverHierarchyRequest, GalaxyObject, GetLastDeployTimeRequest, ItemDefinitionsBulkCommand,
    TestConnectionRequest, WatchDeployEventsRequest,
};
use mxgateway_sim::{GalaxyModel, ObjectDef};
use support::*;
use tonic::Code;

const WAIT: Duration = Duration::from_secs(15);

/// Every object, page by page.
async fn browse(galaxy: &mut GalaxyClient, page_size: u32) -> Vec<GalaxyObject> {
    let mut objects = Vec::new();
    let mut token = String::new();
    loop {
        let page = galaxy
            .discover_hierarchy(DiscoverHierarchyRequest {
                page_size,
                page_token: token.clone(),
            })
            .await
            .expect("page")
            .into_inner();
        assert!(page.objects.len() <= page_size.max(1) as usize || page_size == 0);
        objects.extend(page.objects);
        if page.next_page_token.is_empty() {
            assert_eq!(objects.len() as u64, page.total_objects);
            return objects;
        }
        assert_ne!(page.next_page_token, token, "a page token never repeats");
        token = page.next_page_token;
    }
}

#[tokio::test]
async fn every_attribute_the_demo_browse_lists_can_be_added_and_advised_with_good_quality() {
    let gw = TestGateway::start().await;
    let mut galaxy = gw.galaxy(&gw.admin_key).await;
    let objects = browse(&mut galaxy, 7).await;
    let references: Vec<String> = objects
        .iter()
        .flat_map(|o| o.attributes.iter().map(|a| a.full_tag_reference.clone()))
        .collect();
    assert!(references.len() > 50, "{}", references.len());
    assert!(references.iter().any(|r| r == "TestChildObject.TestInt"));
    let child = objects
        .iter()
        .find(|o| o.tag_name == "TestChildObject")
        .expect("TestChildObject is browsable");
    assert_eq!(child.contained_name, "TestChild");
    assert_eq!(child.parent_tag_name, "TestParentObject");
    // Parents come before their children.
    let position: HashMap<&str, usize> = objects
        .iter()
        .enumerate()
        .map(|(i, o)| (o.tag_name.as_str(), i))
        .collect();
    for o in &objects {
        if !o.parent_tag_name.is_empty() {
            assert!(position[o.parent_tag_name.as_str()] < position[o.tag_name.as_str()]);
        }
    }

    let mut client = gw.admin().await;
    let session = open(&mut client).await;
    let server = register(&mut client, &session).await;
    let reply = invoke(
        &mut client,
        &session,
        Command::SubscribeBulk(ItemDefinitionsBulkCommand {
            server_handle: server,
            item_definitions: references.clone(),
        }),
    )
    .await
    .unwrap();
    let Some(mx_command_reply::Result::SubscribeResults(results)) = reply.result else {
        panic!("{reply:?}")
    };
    let mut by_handle = HashMap::new();
    for (r, reference) in results.results.iter().zip(&references) {
        assert!(r.was_successful, "{reference}: {r:?}");
        by_handle.insert(r.item_handle, reference.clone());
    }
    let mut events = Events::open(&mut client, &session).await;
    while !by_handle.is_empty() {
        let e = events.next(WAIT).await.expect("first data changes");
        let Some(reference) = by_handle.remove(&e.item_handle) else {
            continue;
        };
        let Some(mx_event::Kind::DataChange(dc)) = e.kind else {
            panic!("{e:?}")
        };
        assert_eq!(dc.statuses[0].success, 1, "{reference}: {dc:?}");
        assert!(quality::is_good(dc.quality), "{reference}: {dc:?}");
    }
}

#[tokio::test]
async fn test_connection_last_deploy_time_and_scopes() {
    let gw = TestGateway::start().await;
    let reader = gw.key(&[Scope::MetadataRead]);
    let mut galaxy = gw.galaxy(&reader).await;
    let test = galaxy
        .test_connection(TestConnectionRequest {})
        .await
        .unwrap()
        .into_inner();
    assert!(test.ok, "{test:?}");
    assert_eq!(test.provider, "sqlite");
    let last = galaxy
        .get_last_deploy_time(GetLastDeployTimeRequest {})
        .await
        .unwrap()
        .into_inner();
    assert!(last.present && last.time_of_last_deploy.is_some());

    // Deploying needs admin; browsing needs metadata:read.
    let denied = galaxy
        .deploy_simulated_galaxy(DeploySimulatedGalaxyRequest {
            model_toml: GalaxyModel::demo().to_toml_string().unwrap(),
        })
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied);
    let mut no_scope = gw.galaxy(&gw.key(&[Scope::MxRead])).await;
    let denied = no_scope
        .discover_hierarchy(DiscoverHierarchyRequest::default())
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied);
    assert!(denied.message().contains("metadata:read"));
    let mut no_key = gw.galaxy("mxgw_nobody_secret").await;
    let denied = no_key
        .test_connection(TestConnectionRequest {})
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::Unauthenticated);

    // Bad page tokens are refused, never looped on.
    for bad in ["nonsense", "g1o999999"] {
        let err = galaxy
            .discover_hierarchy(DiscoverHierarchyRequest {
                page_size: 5,
                page_token: bad.into(),
            })
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument, "{bad}");
    }
    // An invalid model changes nothing.
    let mut admin = gw.galaxy(&gw.admin_key).await;
    let err = admin
        .deploy_simulated_galaxy(DeploySimulatedGalaxyRequest {
            model_toml: "galaxy = ".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    let after = galaxy
        .get_last_deploy_time(GetLastDeployTimeRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(after, last);
}

#[tokio::test]
async fn a_deploy_reaches_every_watcher_once_and_browse_and_runtime_follow_it() {
    let gw = TestGateway::start().await;
    let mut admin = gw.galaxy(&gw.admin_key).await;
    let before = browse(&mut admin, 0).await;
    let first_page = admin
        .discover_hierarchy(DiscoverHierarchyRequest {
            page_size: 3,
            page_token: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(!first_page.next_page_token.is_empty());

    // Two watchers: both get the bootstrap event first.
    let mut watchers = Vec::new();
    for _ in 0..2 {
        let mut w = admin
            .watch_deploy_events(WatchDeployEventsRequest::default())
            .await
            .unwrap()
            .into_inner();
        let boot = w.message().await.unwrap().unwrap();
        assert!(boot.time_of_last_deploy_present);
        assert_eq!(boot.object_count, before.len() as u64);
        watchers.push((w, boot));
    }
    // A watcher that already saw this deploy gets no bootstrap event.
    let mut seen = admin
        .watch_deploy_events(WatchDeployEventsRequest {
            last_seen_deploy_time: watchers[0].1.time_of_last_deploy,
        })
        .await
        .unwrap()
        .into_inner();

    // A session advising an object the deploy removes.
    let mut client = gw.admin().await;
    let session = open(&mut client).await;
    let server = register(&mut client, &session).await;
    let doomed = add_item(&mut client, &session, server, "Tank_001.Level").await;
    advise(&mut client, &session, server, doomed).await;
    let mut events = Events::open(&mut client, &session).await;
    events.find(WAIT, |e| is_data_change(e, doomed)).await;

    // The deploy: one object added, Tank_001 (and what it contains) removed.
    let mut model = GalaxyModel::demo();
    model
        .objects
        .retain(|o| o.tag_name != "Tank_001" && o.container.as_deref() != Some("Tank_001"));
    model.objects.push(ObjectDef {
        tag_name: "NewMachine_001".into(),
        template: Some("$TestChild".into()),
        area: Some("TestArea".into()),
        container: None,
        contained_name: None,
        scan_period_ms: None,
        description: None,
        attributes: Vec::new(),
    });
    let reply = admin
        .deploy_simulated_galaxy(DeploySimulatedGalaxyRequest {
            model_toml: model.to_toml_string().unwrap(),
        })
        .await
        .unwrap()
        .into_inner();

    for (w, boot) in &mut watchers {
        let event = tokio::time::timeout(WAIT, w.message())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        assert_eq!(event.sequence, boot.sequence + 1);
        assert_eq!(event.time_of_last_deploy, reply.time_of_last_deploy);
        assert_eq!(event.object_count, reply.object_count);
        assert!(
            event.time_of_last_deploy.unwrap().seconds * 1_000_000_000
                + i64::from(event.time_of_last_deploy.unwrap().nanos)
                > boot.time_of_last_deploy.unwrap().seconds * 1_000_000_000
                    + i64::from(boot.time_of_last_deploy.unwrap().nanos)
        );
        // Exactly one: nothing else is waiting.
        assert!(
            tokio::time::timeout(Duration::from_millis(300), w.message())
                .await
                .is_err(),
            "one event per deploy"
        );
    }
    let next = tokio::time::timeout(WAIT, seen.message())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(next.sequence, watchers[0].1.sequence + 1);

    // Browse reflects the deploy; a page token from before it is stale.
    let after = browse(&mut admin, 0).await;
    assert!(after.iter().any(|o| o.tag_name == "NewMachine_001"));
    assert!(!after.iter().any(|o| o.tag_name == "Tank_001"));
    assert_eq!(after.len() as u64, reply.object_count);
    let stale = admin
        .discover_hierarchy(DiscoverHierarchyRequest {
            page_size: 3,
            page_token: first_page.next_page_token,
        })
        .await
        .unwrap_err();
    assert_eq!(stale.code(), Code::Aborted);

    // Runtime agrees: the removed object's item turns bad with a configuration
    // error, and the new object resolves.
    let gone = events.find(WAIT, |e| is_data_change(e, doomed)).await;
    let Some(mx_event::Kind::DataChange(dc)) = gone.kind else {
        panic!("{gone:?}")
    };
    assert_eq!(dc.quality, quality::BAD_CONFIG_ERROR);
    assert_eq!(dc.statuses[0].detail, i32::from(detail::RESOLVING_OBJECT));
    let fresh = add_item(&mut client, &session, server, "NewMachine_001.TestInt").await;
    advise(&mut client, &session, server, fresh).await;
    let first = events.find(WAIT, |e| is_data_change(e, fresh)).await;
    let Some(mx_event::Kind::DataChange(dc)) = first.kind else {
        panic!("{first:?}")
    };
    assert!(quality::is_good(dc.quality), "{dc:?}");
}

//! The worker pipe protocol at its boundary: the worker's `run` over in-memory
//! pipes, against a real plant link server on loopback.

use std::time::Duration;

use mxgateway_mx::{hresult, quality};
use mxgateway_proto::v1::{
    mx_command::Command, mx_command_reply, mx_event, AddItemCommand, ItemCommand, MxCommand,
    MxCommandReply, RegisterCommand,
};
use mxgateway_proto::worker::{gateway_to_worker, worker_to_gateway, CommandRequest, Heartbeat};
use mxgateway_worker_protocol::{exit_code, WORKER_PROTOCOL_VERSION};

mod harness;

use harness::*;

#[tokio::test]
async fn handshake_commands_events_and_heartbeats() {
    let mut h = start(|_| {}).await;
    match h.recv().await {
        Some(worker_to_gateway::Message::Ready(r)) => {
            assert_eq!(r.protocol_version, WORKER_PROTOCOL_VERSION);
            assert_eq!(r.backend, "sim");
        }
        other => panic!("expected Ready, got {other:?}"),
    }
    h.send(gateway_to_worker::Message::Heartbeat(Heartbeat {
        sequence: 7,
    }))
    .await;
    assert!(matches!(
        h.recv().await,
        Some(worker_to_gateway::Message::Heartbeat(Heartbeat {
            sequence: 7
        }))
    ));

    let reply = h
        .command(
            1,
            Command::Register(RegisterCommand {
                client_name: "t".into(),
            }),
        )
        .await;
    let Some(mx_command_reply::Result::ServerHandle(server)) = reply.result else {
        panic!("{reply:?}")
    };
    let add = |def: &str| {
        Command::AddItem(AddItemCommand {
            server_handle: server,
            item_definition: def.into(),
        })
    };
    let reply = h.command(2, add("TestChildObject.TestInt")).await;
    let Some(mx_command_reply::Result::ItemHandle(item)) = reply.result else {
        panic!("{reply:?}")
    };
    assert_eq!(item, 1);
    let reply = h.command(3, add("   ")).await;
    assert_eq!(
        reply.hresult,
        hresult::E_INVALIDARG,
        "an empty definition is refused"
    );

    let reply = h
        .command(
            4,
            Command::Advise(ItemCommand {
                server_handle: server,
                item_handle: item,
            }),
        )
        .await;
    assert_eq!(reply.hresult, 0);
    let event = loop {
        if let Some(worker_to_gateway::Message::Events(batch)) = h.recv().await {
            break batch.events.into_iter().next().unwrap();
        }
    };
    assert_eq!(event.worker_sequence, 1);
    assert_eq!(event.item_handle, item);
    match event.kind {
        Some(mx_event::Kind::DataChange(d)) => assert_eq!(d.quality, quality::GOOD),
        other => panic!("{other:?}"),
    }

    // Handles are reused after RemoveItem, smallest first.
    let reply = h
        .command(
            5,
            Command::RemoveItem(ItemCommand {
                server_handle: server,
                item_handle: item,
            }),
        )
        .await;
    assert_eq!(reply.hresult, 0);
    let reply = h.command(6, add("TestChildObject.TestInt")).await;
    assert_eq!(
        reply.result,
        Some(mx_command_reply::Result::ItemHandle(item))
    );

    // A command with no arm is an invalid request, not a crash.
    let request = CommandRequest {
        correlation_id: 8,
        command: Some(MxCommand { command: None }),
    };
    h.send(gateway_to_worker::Message::Command(request)).await;
    loop {
        if let Some(worker_to_gateway::Message::Reply(r)) = h.recv().await {
            assert_eq!(
                r.reply.unwrap().protocol_status,
                mxgateway_proto::v1::ProtocolStatus::InvalidRequest as i32
            );
            break;
        }
    }

    h.send(gateway_to_worker::Message::Shutdown(Default::default()))
        .await;
    assert_eq!(
        tokio::time::timeout(WAIT, h.worker).await.unwrap().unwrap(),
        exit_code::OK
    );
}

#[tokio::test]
async fn a_version_mismatch_stops_the_worker() {
    let h = start(|init| init.protocol_version = WORKER_PROTOCOL_VERSION + 1).await;
    assert_eq!(
        tokio::time::timeout(WAIT, h.worker).await.unwrap().unwrap(),
        exit_code::VERSION_MISMATCH
    );
}

#[tokio::test]
async fn a_bad_plant_token_is_a_backend_failure() {
    let h = start(|init| init.plant_token = "wrong".into()).await;
    assert_eq!(
        tokio::time::timeout(WAIT, h.worker).await.unwrap().unwrap(),
        exit_code::BACKEND_FAILED
    );
}

#[tokio::test]
async fn a_silent_gateway_makes_the_worker_exit() {
    let mut h = start(|init| init.heartbeat_grace_ms = 300).await;
    assert!(matches!(
        h.recv().await,
        Some(worker_to_gateway::Message::Ready(_))
    ));
    // No heartbeats from here on.
    assert_eq!(
        tokio::time::timeout(WAIT, h.worker).await.unwrap().unwrap(),
        exit_code::GATEWAY_SILENT
    );
}

#[tokio::test]
async fn init_constraints_are_enforced_by_the_worker_per_command_and_per_entry() {
    let mut h = start(|init| {
        init.constraints = Some(mxgateway_proto::worker::TagConstraints {
            allow_read: vec!["TestChildObject.*".into()],
            allow_write: vec!["TestChildObject.TestString".into()],
        });
    })
    .await;
    assert!(matches!(
        h.recv().await,
        Some(worker_to_gateway::Message::Ready(_))
    ));
    let reply = h
        .command(
            1,
            Command::Register(RegisterCommand {
                client_name: "t".into(),
            }),
        )
        .await;
    let Some(mx_command_reply::Result::ServerHandle(server)) = reply.result else {
        panic!("{reply:?}")
    };
    let denied = h
        .command(
            2,
            Command::AddItem(AddItemCommand {
                server_handle: server,
                item_definition: "TestParentObject.PV".into(),
            }),
        )
        .await;
    assert_eq!(
        denied.protocol_status,
        mxgateway_proto::v1::ProtocolStatus::PermissionDenied as i32
    );
    assert!(denied.message.contains("TestParentObject.PV"), "{denied:?}");
    let read = h
        .command(
            3,
            Command::ReadBulk(mxgateway_proto::v1::ReadBulkCommand {
                server_handle: server,
                item_definitions: vec![
                    "TestChildObject.TestInt".into(),
                    "TestParentObject.PV".into(),
                ],
                timeout_ms: 5_000,
            }),
        )
        .await;
    let Some(mx_command_reply::Result::ReadResults(read)) = read.result else {
        panic!("{read:?}")
    };
    assert!(read.results[0].was_successful, "{:?}", read.results[0]);
    assert!(read.results[1].denied_by_constraint);
    assert!(read.results[1].value.is_none());
}

/// Starts a worker, takes its Ready and registers; returns the server handle.
async fn registered(h: &mut Harness) -> i32 {
    assert!(matches!(
        h.recv().await,
        Some(worker_to_gateway::Message::Ready(_))
    ));
    let reply = h
        .command(
            900,
            Command::Register(RegisterCommand {
                client_name: "t".into(),
            }),
        )
        .await;
    let Some(mx_command_reply::Result::ServerHandle(server)) = reply.result else {
        panic!("{reply:?}")
    };
    server
}

#[tokio::test]
async fn archestra_user_to_id_maps_guids_to_the_ids_authenticate_user_gives() {
    let mut h = start(|_| {}).await;
    let server = registered(&mut h).await;
    let reply = h
        .command(
            1,
            Command::AuthenticateUser(mxgateway_proto::v1::AuthenticateUserCommand {
                server_handle: server,
                user_name: "supervisor".into(),
                password: "supervisor-demo".into(),
            }),
        )
        .await;
    let Some(mx_command_reply::Result::UserId(supervisor)) = reply.result else {
        panic!("{reply:?}")
    };
    let to_id = |server_handle: i32, guid: &str| {
        Command::ArchestraUserToId(mxgateway_proto::v1::ArchestraUserToIdCommand {
            server_handle,
            user_guid: guid.into(),
        })
    };
    let reply = h
        .command(2, to_id(server, "{6F1D2A3B-0002-4C5D-8E9F-0A1B2C3D4E02}"))
        .await;
    assert_eq!(reply.hresult, hresult::S_OK, "{reply:?}");
    assert_eq!(
        reply.result,
        Some(mx_command_reply::Result::UserId(supervisor))
    );
    for (id, guid) in [
        (3, "00000000-0000-0000-0000-000000000000"),
        (4, "supervisor"),
    ] {
        let reply = h.command(id, to_id(server, guid)).await;
        assert_eq!(reply.hresult, hresult::E_INVALIDARG, "{guid}: {reply:?}");
        assert_eq!(reply.result, None);
        assert!(reply.message.contains(guid), "{reply:?}");
    }
    let reply = h
        .command(5, to_id(server + 1, "6f1d2a3b-0002-4c5d-8e9f-0a1b2c3d4e02"))
        .await;
    assert_eq!(
        reply.hresult,
        hresult::E_INVALIDARG,
        "an unknown server handle"
    );
}

/// Events until `stop` matches one (inclusive), replies are skipped; events
/// after it in the same batch stay for the next call.
async fn events_until(
    h: &mut Harness,
    stop: impl Fn(&mxgateway_proto::v1::MxEvent) -> bool,
) -> Vec<mxgateway_proto::v1::MxEvent> {
    let mut seen = Vec::new();
    loop {
        while let Some(event) = h.backlog.pop_front() {
            let done = stop(&event);
            seen.push(event);
            if done {
                return seen;
            }
        }
        if let Some(worker_to_gateway::Message::Events(batch)) = h.recv().await {
            h.backlog.extend(batch.events);
        }
    }
}

fn int_of(e: &mxgateway_proto::v1::MxEvent) -> Option<i32> {
    match &e.kind {
        Some(mx_event::Kind::DataChange(d)) => match d.value.as_ref()?.kind {
            Some(mxgateway_proto::v1::mx_value::Kind::Int32Value(v)) => Some(v),
            _ => None,
        },
        _ => None,
    }
}

fn is_operation_complete(e: &mxgateway_proto::v1::MxEvent, item: i32) -> bool {
    e.item_handle == item && matches!(e.kind, Some(mx_event::Kind::OperationComplete(_)))
}

#[tokio::test]
async fn a_suspended_item_delivers_nothing_until_activate_delivers_its_current_value() {
    let mut h = start(|_| {}).await;
    let server = registered(&mut h).await;
    let add = |def: &str| {
        Command::AddItem(AddItemCommand {
            server_handle: server,
            item_definition: def.into(),
        })
    };
    let item_of = |reply: MxCommandReply| match reply.result {
        Some(mx_command_reply::Result::ItemHandle(i)) => i,
        _ => panic!("{reply:?}"),
    };
    let handles = |item_handle| ItemCommand {
        server_handle: server,
        item_handle,
    };
    let suspended = item_of(h.command(1, add("TestChildObject.FreeAccessValue")).await);
    let witness = item_of(h.command(2, add("TestChildObject.FreeAccessValue")).await);
    let idle = item_of(h.command(3, add("TestChildObject.TestFloat")).await);

    // Suspend and Activate need an advised item.
    for (id, command) in [
        (4, Command::Suspend(handles(idle))),
        (5, Command::Activate(handles(idle))),
    ] {
        let reply = h.command(id, command).await;
        assert_eq!(reply.hresult, hresult::E_INVALIDARG, "{reply:?}");
    }

    for (id, item) in [(6, suspended), (7, witness)] {
        assert_eq!(
            h.command(id, Command::Advise(handles(item))).await.hresult,
            0
        );
        events_until(&mut h, |e| e.item_handle == item && int_of(e).is_some()).await;
    }
    let reply = h.command(8, Command::Suspend(handles(suspended))).await;
    assert_eq!(reply.hresult, hresult::S_OK);
    assert_eq!(reply.statuses.len(), 1);
    assert_eq!(reply.statuses[0].success, 1, "{reply:?}");
    let seen = events_until(&mut h, |e| is_operation_complete(e, suspended)).await;
    assert!(seen.iter().all(|e| int_of(e).is_none()), "{seen:?}");

    // A write through the witness changes the value both items advise; only
    // the witness hears of it.
    let write = int_write(server, witness, 4242);
    assert_eq!(h.command(9, write).await.hresult, 0);
    let seen = events_until(&mut h, |e| {
        e.item_handle == witness && int_of(e) == Some(4242)
    })
    .await;
    assert!(
        seen.iter()
            .all(|e| e.item_handle != suspended || e.kind.is_none()),
        "a suspended item raised an event: {seen:?}"
    );

    // Activate delivers the current value at once, then OperationComplete.
    let reply = h.command(10, Command::Activate(handles(suspended))).await;
    assert_eq!((reply.hresult, reply.statuses[0].success), (0, 1));
    let seen = events_until(&mut h, |e| is_operation_complete(e, suspended)).await;
    let values: Vec<i32> = seen
        .iter()
        .filter(|e| e.item_handle == suspended)
        .filter_map(int_of)
        .collect();
    assert_eq!(values, vec![4242], "{seen:?}");
    let sequences: Vec<u64> = seen.iter().map(|e| e.worker_sequence).collect();
    assert!(sequences.windows(2).all(|w| w[0] < w[1]), "{sequences:?}");

    // Activating an active item changes nothing but still completes.
    let reply = h.command(11, Command::Activate(handles(suspended))).await;
    assert_eq!(reply.hresult, 0);
    let seen = events_until(&mut h, |e| is_operation_complete(e, suspended)).await;
    assert!(
        seen.iter()
            .all(|e| e.item_handle != suspended || int_of(e).is_none()),
        "{seen:?}"
    );
}

/// A plain Write (user 0) of an integer.
fn int_write(server_handle: i32, item_handle: i32, value: i32) -> Command {
    Command::Write(mxgateway_proto::v1::WriteCommand {
        server_handle,
        item_handle,
        value: Some(mxgateway_proto::v1::MxValue {
            kind: Some(mxgateway_proto::v1::mx_value::Kind::Int32Value(value)),
            ..Default::default()
        }),
        user_id: 0,
    })
}

fn buffered_ints(e: &mxgateway_proto::v1::MxEvent) -> Option<Vec<i32>> {
    match &e.kind {
        Some(mx_event::Kind::BufferedDataChange(b)) => Some(
            b.samples
                .iter()
                .map(|s| match s.value.as_ref().and_then(|v| v.kind.as_ref()) {
                    Some(mxgateway_proto::v1::mx_value::Kind::Int32Value(v)) => *v,
                    other => panic!("not an integer sample: {other:?}"),
                })
                .collect(),
        ),
        _ => None,
    }
}

#[tokio::test]
async fn buffered_items_deliver_every_change_as_samples_once_per_interval() {
    use mxgateway_proto::v1::{AddBufferedItemCommand, SetBufferedUpdateIntervalCommand};
    let mut h = start(|_| {}).await;
    let server = registered(&mut h).await;
    let interval = |server_handle: i32, ms: i32| {
        Command::SetBufferedUpdateInterval(SetBufferedUpdateIntervalCommand {
            server_handle,
            update_interval_ms: ms,
        })
    };
    // Out of range or an unknown server handle: E_INVALIDARG, nothing changes.
    for (id, command) in [
        (1, interval(server, 0)),
        (2, interval(server, -100)),
        (3, interval(server, 3_600_001)),
        (4, interval(server + 1, 500)),
    ] {
        let reply = h.command(id, command).await;
        assert_eq!(reply.hresult, hresult::E_INVALIDARG, "{reply:?}");
        assert_eq!(reply.result, None);
    }
    // Rounded up to a multiple of 100 ms.
    let reply = h.command(5, interval(server, 250)).await;
    assert_eq!(reply.hresult, 0);
    assert_eq!(
        reply.result,
        Some(mx_command_reply::Result::UpdateIntervalMs(300))
    );

    let item_of = |reply: MxCommandReply| match reply.result {
        Some(mx_command_reply::Result::ItemHandle(i)) => i,
        _ => panic!("{reply:?}"),
    };
    let buffered = item_of(
        h.command(
            6,
            Command::AddBufferedItem(AddBufferedItemCommand {
                server_handle: server,
                item_definition: "Me.FreeAccessValue".into(),
                item_context: "TestChildObject".into(),
            }),
        )
        .await,
    );
    let witness = item_of(
        h.command(
            7,
            Command::AddItem(AddItemCommand {
                server_handle: server,
                item_definition: "TestChildObject.FreeAccessValue".into(),
            }),
        )
        .await,
    );
    let handles = |item_handle| ItemCommand {
        server_handle: server,
        item_handle,
    };
    assert_eq!(
        h.command(8, Command::Advise(handles(witness)))
            .await
            .hresult,
        0
    );
    events_until(&mut h, |e| e.item_handle == witness && int_of(e).is_some()).await;
    assert_eq!(
        h.command(9, Command::Advise(handles(buffered)))
            .await
            .hresult,
        0
    );
    // The initial value arrives as a one-sample buffered event.
    let seen = events_until(&mut h, |e| e.item_handle == buffered).await;
    let first = seen.last().unwrap();
    let Some(mx_event::Kind::BufferedDataChange(event)) = &first.kind else {
        panic!("a buffered item raised {first:?}")
    };
    assert_eq!(event.samples.len(), 1, "{event:?}");
    assert_eq!(
        event.data_type,
        mxgateway_proto::v1::MxDataType::Integer as i32
    );
    assert_eq!(event.statuses.len(), 1);
    assert_eq!(event.statuses[0].success, 1);
    assert_eq!(event.samples_dropped, 0);

    // Five writes within one interval: every value arrives, oldest first,
    // in as few events as the interval allows (never as data changes).
    for (n, value) in (1..=5).enumerate() {
        let write = int_write(server, witness, value);
        assert_eq!(h.command(20 + n as u64, write).await.hresult, 0);
    }
    let mut samples = Vec::new();
    let mut buffered_events = 0;
    let seen = events_until(&mut h, |e| {
        e.item_handle == buffered && buffered_ints(e).is_some_and(|v| v.last() == Some(&5))
    })
    .await;
    for e in seen.iter().filter(|e| e.item_handle == buffered) {
        let values = buffered_ints(e).unwrap_or_else(|| panic!("{e:?}"));
        samples.extend(values);
        buffered_events += 1;
    }
    assert_eq!(samples, vec![1, 2, 3, 4, 5]);
    assert!(
        buffered_events <= 2,
        "{buffered_events} events for one burst"
    );

    // Suspended, the item collects nothing; Activate raises the current
    // value at once, then OperationComplete.
    assert_eq!(
        h.command(30, Command::Suspend(handles(buffered)))
            .await
            .hresult,
        0
    );
    events_until(&mut h, |e| is_operation_complete(e, buffered)).await;
    for (n, value) in [6, 7].into_iter().enumerate() {
        let write = int_write(server, witness, value);
        assert_eq!(h.command(31 + n as u64, write).await.hresult, 0);
    }
    events_until(&mut h, |e| e.item_handle == witness && int_of(e) == Some(7)).await;
    // Two intervals in which a flush could have happened, had it collected.
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(
        h.command(40, Command::Activate(handles(buffered)))
            .await
            .hresult,
        0
    );
    let seen = events_until(&mut h, |e| is_operation_complete(e, buffered)).await;
    let raised: Vec<Vec<i32>> = seen
        .iter()
        .filter(|e| e.item_handle == buffered)
        .filter_map(buffered_ints)
        .collect();
    assert_eq!(raised, vec![vec![7]], "{seen:?}");
}

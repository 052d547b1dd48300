//! Failure isolation, hang detection, limits, slow consumers and shutdown,
//! with real worker processes.

mod support;

use std::time::Duration;

use mxgateway::config::GalaxySource;
use mxgateway_proto::v1::{
    mx_command::Command, mx_value, MxValue, OpenSessionRequest, WriteCommand,
};
use support::*;
use tonic::Code;

const WAIT: Duration = Duration::from_secs(10);

#[cfg(unix)]
fn signal(pid: u32, sig: &str) {
    let status = std::process::Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(pid.to_string())
        .status()
        .unwrap();
    assert!(status.success(), "kill -{sig} {pid}");
}

#[cfg(unix)]
fn alive(pid: u32) -> bool {
    std::process::Command::new("kill")
        .arg("-0")
        .arg(pid.to_string())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

fn worker_pid(gw: &TestGateway, session: &str) -> u32 {
    gw.gateway
        .sessions()
        .lookup(session)
        .expect("session exists")
        .worker
        .pid
}

#[cfg(unix)]
#[tokio::test]
async fn a_killed_worker_fails_only_its_own_session() {
    let gw = TestGateway::start().await;
    let mut a = gw.admin().await;
    let mut b = gw.admin().await;
    let (sa, sb) = (open(&mut a).await, open(&mut b).await);
    let (ha, hb) = (register(&mut a, &sa).await, register(&mut b, &sb).await);
    let ib = add_item(&mut b, &sb, hb, "TestChildObject.TestInt").await;
    let mut ea = Events::open(&mut a, &sa).await;
    let mut eb = Events::open(&mut b, &sb).await;
    advise(&mut b, &sb, hb, ib).await;
    eb.find(WAIT, |e| is_data_change(e, ib)).await;

    signal(worker_pid(&gw, &sa), "KILL");

    let status = ea
        .next(WAIT)
        .await
        .expect_err("the stream of the dead session fails");
    assert_eq!(status.code(), Code::Unavailable);
    let err = invoke(&mut a, &sa, Command::Register(Default::default()))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Unavailable);
    assert!(
        err.message().contains("signal: 9") || err.message().contains("SIGKILL"),
        "{}",
        err.message()
    );
    let _ = ha;

    // The other session carries on: a write round-trips and changes keep coming.
    let value = MxValue {
        kind: Some(mx_value::Kind::Int32Value(99)),
        ..Default::default()
    };
    let reply = invoke(
        &mut b,
        &sb,
        Command::Write(WriteCommand {
            server_handle: hb,
            item_handle: ib,
            value: Some(value),
            user_id: 0,
        }),
    )
    .await
    .unwrap();
    assert_eq!(reply.hresult, 0);
    eb.find(WAIT, |e| is_write_complete(e, ib)).await;
    eb.find(WAIT, |e| is_data_change(e, ib)).await;
}

#[cfg(unix)]
#[tokio::test]
async fn a_stopped_worker_is_detected_within_the_grace() {
    let gw = TestGateway::start().await; // grace 1000 ms, interval 100 ms
    let mut a = gw.admin().await;
    let s = open(&mut a).await;
    let mut events = Events::open(&mut a, &s).await;
    let pid = worker_pid(&gw, &s);
    let stopped_at = tokio::time::Instant::now();
    signal(pid, "STOP");
    let status = events
        .next(WAIT)
        .await
        .expect_err("the hung session's stream fails");
    let detected = stopped_at.elapsed();
    assert_eq!(status.code(), Code::Unavailable);
    assert!(
        status.message().contains("heartbeat"),
        "{}",
        status.message()
    );
    assert!(
        detected < Duration::from_millis(1000 + 1500),
        "detected after {detected:?}"
    );
    assert!(
        !alive(pid) || {
            // The kill is asynchronous; give the kernel a moment to reap.
            tokio::time::sleep(Duration::from_millis(500)).await;
            !alive(pid)
        }
    );
}

#[tokio::test]
async fn the_session_limit_is_enforced() {
    let gw = TestGateway::start_with(|c| c.limits.max_sessions = 1).await;
    let mut c = gw.admin().await;
    open(&mut c).await;
    let err = c
        .open_session(OpenSessionRequest::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::ResourceExhausted);
}

#[tokio::test]
async fn idle_sessions_are_closed() {
    let gw =
        TestGateway::start_with(|c| c.limits.session_idle_timeout = Duration::from_millis(300))
            .await;
    let mut c = gw.admin().await;
    let s = open(&mut c).await;
    let deadline = tokio::time::Instant::now() + WAIT;
    // Poll the gateway's own state rather than sleeping a guessed time.
    while gw.gateway.sessions().lookup(&s).is_some() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the idle session was not closed"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let err = invoke(&mut c, &s, Command::Register(Default::default()))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
}

#[cfg(unix)]
#[tokio::test]
async fn shutdown_stops_every_worker() {
    let gw = TestGateway::start().await;
    let mut c = gw.admin().await;
    let pids: Vec<u32> = {
        let mut pids = Vec::new();
        for _ in 0..3 {
            let s = open(&mut c).await;
            pids.push(worker_pid(&gw, &s));
        }
        pids
    };
    assert!(pids.iter().all(|p| alive(*p)));
    gw.gateway.shutdown(Duration::from_secs(5)).await;
    for pid in pids {
        assert!(!alive(pid), "worker {pid} outlived the gateway");
    }
}

/// A consumer that stops reading for 10 s while 10,000 items change every
/// 100 ms: the queue stays bounded, and on resuming the consumer receives the
/// latest value of every item.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_consumer_stays_bounded_and_gets_the_latest_values() {
    const ITEMS: usize = 10_000;
    const CAPACITY: usize = 2_000;
    let stall: Duration = std::env::var("MXGATEWAY_TEST_STALL_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map(Duration::from_millis)
        .unwrap_or(Duration::from_secs(10));
    let gw = TestGateway::start_with(|c| {
        c.galaxy = GalaxySource::Model(Box::new(mxgateway_sim::GalaxyModel::generated(
            1_000, 10, 100,
        )));
        c.limits.event_queue_capacity = CAPACITY;
    })
    .await;
    let mut c = gw.admin().await;
    let s = open(&mut c).await;
    let h = register(&mut c, &s).await;
    // The generated attributes all change every scan (ScanState does not).
    let references: Vec<String> = gw
        .gateway
        .plant()
        .references()
        .into_iter()
        .filter(|r| !r.ends_with(".ScanState"))
        .take(ITEMS)
        .collect();
    let mut items = Vec::with_capacity(ITEMS);
    for reference in &references {
        let item = add_item(&mut c, &s, h, reference).await;
        advise(&mut c, &s, h, item).await;
        items.push(item);
    }
    assert_eq!(items.len(), ITEMS);

    let session = gw.gateway.sessions().lookup(&s).unwrap();
    let stall_end = tokio::time::Instant::now() + stall;
    let mut peak = 0;
    while tokio::time::Instant::now() < stall_end {
        tokio::time::sleep(Duration::from_millis(250)).await;
        peak = peak.max(session.events.len());
        assert!(
            session.events.len() <= CAPACITY + ITEMS,
            "queue grew to {}",
            session.events.len()
        );
    }
    assert!(
        session.events.conflated_total() > 0,
        "the stall made the queue conflate"
    );
    // What each item holds when the consumer comes back.
    let at_resume: std::collections::HashMap<i32, i64> = items
        .iter()
        .zip(&references)
        .map(|(item, r)| {
            (
                *item,
                gw.gateway
                    .plant()
                    .read(r)
                    .expect("readable")
                    .timestamp
                    .unix_nanos,
            )
        })
        .collect();

    // Read until every item has delivered a value produced around the resume
    // (its latest), counting what it took: the backlog is at most the FIFO part
    // of the queue plus one conflated entry per item, never the stall's history.
    let mut events = Events::open(&mut c, &s).await;
    let mut fresh = std::collections::HashSet::new();
    let mut consumed = 0usize;
    let catch_up_deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while fresh.len() < ITEMS {
        assert!(
            tokio::time::Instant::now() < catch_up_deadline,
            "only {} of {ITEMS} items current after {consumed} events",
            fresh.len()
        );
        let e = events.next(WAIT).await.expect("events flow after resuming");
        consumed += 1;
        if let Some(mxgateway_proto::v1::mx_event::Kind::DataChange(d)) = &e.kind {
            let t = d.timestamp.unwrap_or_default();
            if t.seconds * 1_000_000_000 + i64::from(t.nanos) >= at_resume[&e.item_handle] {
                fresh.insert(e.item_handle);
            }
        }
    }
    let produced_during_stall = ITEMS * 10 * stall.as_secs().max(1) as usize;
    assert!(
        consumed <= CAPACITY + ITEMS + 10 * ITEMS,
        "{consumed} events before every item was current (stall produced about {produced_during_stall})"
    );
    assert!(
        events.conflated_total > 0,
        "the client was told about conflation"
    );
    eprintln!("consumed {consumed} events until all {ITEMS} items were current");
    eprintln!("peak queue length {peak} (bound {})", CAPACITY + ITEMS);
}

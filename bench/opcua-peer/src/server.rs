//! `server`: an async-opcua server with O×A Double variables that all change
//! once per scan.
//!
//! The variables live in a `SimpleNodeManager` (namespace [`NAMESPACE`]),
//! one folder per object under Objects (`GenObj_000001/Attr_0001` ..., the
//! names of the gateway's generated galaxy), with numeric NodeIds in item
//! order ([`item_node_id`]). A dedicated thread runs
//! the scans as the gateway's simulator runs a generated galaxy: every
//! `--scan-ms` each variable is set once, to the scan number, with
//! SourceTimestamp and ServerTimestamp = now, the scan cut into slices of
//! about 256 variables spread evenly over the period (so the load is steady,
//! not one burst per scan). Each slice is one `set_values` call, which
//! queues the notifications of every monitored item when it returns.

use std::io::Write;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context};
use opcua::nodes::Variable;
use opcua::server::diagnostics::NamespaceMetadata;
use opcua::server::node_manager::memory::{simple_node_manager, SimpleNodeManager};
use opcua::server::{ServerBuilder, SubscriptionCache};
use opcua::types::{DataValue, DateTime, NodeId, ObjectId, StatusCode, Variant};

use crate::{tuning, ScratchDir, ServerArgs, Shape};

/// The namespace of the generated variables.
pub const NAMESPACE: &str = "urn:mxgateway-bench-opcua";

pub async fn run(args: ServerArgs) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let addr = listener.local_addr()?;
    let pki = ScratchDir::new("server");

    let mut builder = ServerBuilder::new_anonymous("mxgateway-bench-opcua")
        .application_uri("urn:mxgateway-bench-opcua:server")
        .product_uri("urn:mxgateway-bench-opcua")
        .host(addr.ip().to_string())
        .port(addr.port())
        .pki_dir(&pki.0)
        .subscription_poll_interval_ms(tuning::SUBSCRIPTION_POLL_INTERVAL_MS)
        .with_node_manager(simple_node_manager(
            NamespaceMetadata {
                namespace_uri: NAMESPACE.into(),
                ..Default::default()
            },
            "bench",
        ));
    tuning::server_limits(builder.limits_mut());
    let (server, handle) = builder.build().map_err(|e| anyhow!("server: {e}"))?;

    let manager = handle
        .node_managers()
        .get_of_type::<SimpleNodeManager>()
        .context("no simple node manager")?;
    let ns = handle
        .get_namespace_index(NAMESPACE)
        .context("namespace not registered")?;
    let ids = populate(&manager, ns, args.shape);

    let subscriptions = handle.subscriptions().clone();
    let scan = Duration::from_millis(args.scan_ms);
    let slice_points = args.slice_points;
    std::thread::Builder::new()
        .name("scan".into())
        .spawn(move || scan_loop(&manager, &subscriptions, &ids, scan, slice_points))?;

    let mut stdout = std::io::stdout();
    writeln!(stdout, "listening on opc.tcp://{addr}/")?;
    stdout.flush()?;

    // The server runs on a worker thread, so that the signals are seen even
    // while it is busy; on SIGTERM or Ctrl-C the process ends at once
    // (main shuts the runtime down without waiting for the sessions).
    let mut server = tokio::spawn(server.run_with(listener));
    let mut sigterm = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        res = &mut server => res?.map_err(|e| anyhow!("server: {e}"))?,
        _ = tokio::signal::ctrl_c() => {}
        _ = sigterm.recv() => {}
    }
    handle.cancel();
    Ok(())
}

/// Adds one folder per object (`GenObj_000001`, a string NodeId) and its
/// variables (browse name `Attr_0001`, NodeId [`item_node_id`]), all 0.0;
/// returns the variables' NodeIds in item order.
fn populate(manager: &SimpleNodeManager, ns: u16, shape: Shape) -> Vec<NodeId> {
    let mut space = manager.address_space().write();
    let objects_folder: NodeId = ObjectId::ObjectsFolder.into();
    let mut ids = Vec::with_capacity(shape.items());
    for o in 0..shape.objects {
        let object_name = format!("GenObj_{:06}", o + 1);
        let folder = NodeId::new(ns, object_name.clone());
        space.add_folder(
            &folder,
            object_name.as_str(),
            object_name.as_str(),
            &objects_folder,
        );
        let first = o * shape.attributes;
        let variables = (first..first + shape.attributes)
            .map(|i| {
                let id = item_node_id(ns, i);
                let attr = format!("Attr_{:04}", i - first + 1);
                ids.push(id.clone());
                Variable::new(&id, attr.as_str(), attr.as_str(), 0.0f64)
            })
            .collect();
        space.add_variables(variables, &folder);
    }
    ids
}

/// The NodeId of item `i` (0-based): numeric, `i + 1`. Numeric NodeIds are
/// the cheapest OPC UA has (the server hashes and compares the NodeId of
/// every change twice); string NodeIds such as `GenObj_000001.Attr_0001`
/// cost about 10% of the saturation throughput.
pub fn item_node_id(ns: u16, i: usize) -> NodeId {
    NodeId::new(ns, i as u32 + 1)
}

/// Most variables one slice of a scan sets by default: the gateway
/// simulator's `SCAN_SLICE_POINTS` (crates/sim/src/galaxy.rs).
pub const SCAN_SLICE_POINTS: usize = 256;

/// Where each slice of a scan of `items` variables every `period_ms` starts:
/// as in the gateway's simulator, about `slice_points` variables per slice,
/// at most one slice per millisecond of the period.
fn slices(items: usize, period_ms: u64, slice_points: usize) -> Vec<usize> {
    let wanted = items
        .div_ceil(slice_points.max(1))
        .min(usize::try_from(period_ms).unwrap_or(usize::MAX))
        .max(1);
    let per_slice = items.div_ceil(wanted).max(1);
    (0..items).step_by(per_slice).collect()
}

/// Sets every variable to the scan number once per `period`, forever. A scan
/// runs in slices spread over the period, as the gateway's simulator runs its
/// generated galaxies: slice `k` of `n` runs `k/n` of the way through the
/// period, in one `set_values` call stamped with the time it starts. Slices
/// that fell due while the thread was busy run at once; a whole period
/// missed is skipped, not replayed, and the counter does not advance for it
/// (those changes were never offered). Every 10 s it reports on stderr how
/// busy the thread was.
fn scan_loop(
    manager: &SimpleNodeManager,
    subscriptions: &SubscriptionCache,
    ids: &[NodeId],
    period: Duration,
    slice_points: usize,
) {
    let starts = slices(ids.len(), period.as_millis() as u64, slice_points);
    let n = starts.len() as u32;
    let mut scan_start = Instant::now() + period;
    let mut scan: u64 = 1;
    let mut k: u32 = 0;
    let mut skipped: u64 = 0;
    let (mut busy, mut report_start) = (Duration::ZERO, Instant::now());
    loop {
        let due = scan_start + period * k / n;
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        let started = Instant::now();
        let first = starts[k as usize];
        let end = starts.get(k as usize + 1).copied().unwrap_or(ids.len());
        let now = DateTime::now();
        let value = DataValue {
            value: Some(Variant::Double(scan as f64)),
            status: Some(StatusCode::Good),
            source_timestamp: Some(now),
            server_timestamp: Some(now),
            ..Default::default()
        };
        if let Err(status) = manager.set_values(
            subscriptions,
            ids[first..end].iter().map(|id| (id, None, value.clone())),
        ) {
            eprintln!("mxgateway-bench-opcua server: set_values failed: {status}");
        }
        busy += started.elapsed();
        k += 1;
        if k == n {
            (k, scan) = (0, scan + 1);
            scan_start += period;
        }
        let behind = Instant::now().saturating_duration_since(scan_start + period * k / n);
        if behind >= period {
            let missed = (behind.as_nanos() / period.as_nanos()) as u32;
            skipped += u64::from(missed);
            scan_start += period * missed;
        }
        let window = report_start.elapsed();
        if window >= Duration::from_secs(10) {
            eprintln!(
                "mxgateway-bench-opcua server: {} variables in {n} slices per scan; scan thread busy {:.1}%; {skipped} periods skipped in all",
                ids.len(),
                busy.as_secs_f64() * 100.0 / window.as_secs_f64(),
            );
            (busy, report_start) = (Duration::ZERO, Instant::now());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{slices, SCAN_SLICE_POINTS};

    #[test]
    fn scans_are_sliced_like_the_gateway_simulator() {
        // 10,000 items every 100 ms: 40 slices of 250.
        let s = slices(10_000, 100, SCAN_SLICE_POINTS);
        assert_eq!(s.len(), 40);
        assert_eq!(s[1], 250);
        // At most one slice per millisecond of the period.
        assert_eq!(slices(100_000, 100, SCAN_SLICE_POINTS).len(), 100);
        // Small scans run in one slice.
        assert_eq!(slices(100, 1000, SCAN_SLICE_POINTS), vec![0]);
        assert_eq!(slices(1, 1, SCAN_SLICE_POINTS), vec![0]);
        // Larger slices, fewer of them.
        assert_eq!(slices(100_000, 100, 10_000).len(), 10);
    }
}

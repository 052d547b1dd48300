//! Issue 4's acceptance criteria through the built binaries: `mxgw read-bulk`
//! over 1,000 references of a generated galaxy in one call (advised tags
//! cached), and a key allowed to write only `Area_A.*` refused on `Area_B.*`
//! by every write subcommand, single and bulk.

mod gateway_harness;

use std::path::Path;
use std::process::Command;

use gateway_harness::*;
use serde_json::Value;

struct Cli<'a> {
    addr: &'a str,
    key: String,
}

impl Cli<'_> {
    /// Runs `mxgw` with the connection flags; returns (success, JSON of the last stdout line).
    fn run(&self, args: &[&str]) -> (bool, Value) {
        let out = mxgw_json(self.addr, &self.key, args);
        (out.status.success(), last_json(args, &out))
    }

    /// Up to `count` events of the session (within 20 s), one JSON object each.
    fn events(&self, session: &str, count: usize) -> Vec<Value> {
        let count = count.to_string();
        let out = Command::new(mxgw_binary())
            .args([
                "stream-events",
                "--session-id",
                session,
                "--max-events",
                &count,
            ])
            .args([
                "--timeout-ms",
                "20000",
                "--endpoint",
                self.addr,
                "--plaintext",
            ])
            .args(["--api-key-env", "MXGW_TEST_KEY", "--json"])
            .env("MXGW_TEST_KEY", &self.key)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    fn ok(&self, args: &[&str]) -> Value {
        let (ok, json) = self.run(args);
        assert!(ok, "{args:?}: {json}");
        json
    }
}

#[test]
fn read_bulk_over_1000_generated_references_is_one_call_with_cached_advised_tags() {
    let state = tempfile::tempdir().unwrap();
    let gw = serve(state.path(), &["--generated-galaxy", "100x10@500"]);
    let cli = Cli {
        addr: &gw.addr,
        key: bootstrap_key(&gw),
    };
    let session = cli.ok(&["open-session"])["sessionId"]
        .as_str()
        .unwrap()
        .to_string();
    let s = session.as_str();
    cli.ok(&["register", "--session-id", s]);

    let references: Vec<String> = (1..=100)
        .flat_map(|o| (1..=10).map(move |a| format!("GenObj_{o:06}.Attr_{a:04}")))
        .collect();
    let advised_file = state.path().join("advised.txt");
    std::fs::write(
        &advised_file,
        format!("# the first 20 tags\n\n{}\n", references[..20].join("\n")),
    )
    .unwrap();
    let all_file = state.path().join("all.txt");
    std::fs::write(&all_file, references.join("\n")).unwrap();

    let subscribed = cli.ok(&[
        "subscribe-bulk",
        "--session-id",
        s,
        "--server-handle",
        "1",
        "--items-file",
        advised_file.to_str().unwrap(),
    ]);
    assert_eq!(subscribed["results"].as_array().unwrap().len(), 20);
    // Wait until every advised tag has delivered its first data change.
    let first_changes: std::collections::HashSet<i64> = cli
        .events(s, 20)
        .iter()
        .filter_map(|e| e["itemHandle"].as_i64())
        .collect();
    assert_eq!(
        first_changes.len(),
        20,
        "initial data changes of the advised tags"
    );

    let read = cli.ok(&[
        "read-bulk",
        "--session-id",
        s,
        "--server-handle",
        "1",
        "--items-file",
        all_file.to_str().unwrap(),
    ]);
    let results = read["results"].as_array().unwrap();
    assert_eq!(results.len(), 1000);
    for (i, (r, reference)) in results.iter().zip(&references).enumerate() {
        assert_eq!(r["itemDefinition"], reference.as_str());
        assert_eq!(r["wasSuccessful"], true, "entry {i}: {r}");
        assert_eq!(r["wasCached"], i < 20, "entry {i}: {r}");
        assert_eq!(r["quality"], 192, "entry {i}: {r}");
    }
    cli.ok(&["close-session", "--session-id", s]);
}

/// Two objects named like areas, so `Area_A.*` and `Area_B.*` split the tags.
const GALAXY: &str = include_str!("../../../fixtures/galaxies/constrained.toml");

fn create_key(state: &Path, args: &[&str]) -> String {
    let out = Command::new(gateway_binary())
        .args(["keys", "create", "--state-dir", state.to_str().unwrap()])
        .args(args)
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    json["key"].as_str().unwrap().to_string()
}

#[test]
fn a_key_allowed_to_write_only_area_a_is_refused_on_area_b_by_every_write_subcommand() {
    let state = tempfile::tempdir().unwrap();
    let galaxy = state.path().join("constrained.toml");
    std::fs::write(&galaxy, GALAXY).unwrap();
    let key = create_key(
        state.path(),
        &[
            "--name",
            "line-a",
            "--scope",
            "mx:read",
            "--scope",
            "mx:write",
            "--scope",
            "mx:write-secured",
            "--allow-write",
            "Area_A.*",
        ],
    );
    let gw = serve(state.path(), &["--galaxy", galaxy.to_str().unwrap()]);
    let cli = Cli {
        addr: &gw.addr,
        key,
    };
    let session = cli.ok(&["open-session"])["sessionId"]
        .as_str()
        .unwrap()
        .to_string();
    let s = session.as_str();
    cli.ok(&["register", "--session-id", s]);
    let subscribed = cli.ok(&[
        "subscribe-bulk",
        "--session-id",
        s,
        "--server-handle",
        "1",
        "--item",
        "Area_A.Setpoint",
        "--item",
        "Area_B.Setpoint",
    ]);
    let a = subscribed["results"][0]["itemHandle"]
        .as_i64()
        .unwrap()
        .to_string();
    let b = subscribed["results"][1]["itemHandle"]
        .as_i64()
        .unwrap()
        .to_string();
    // Writes need resolved items: wait for both first data changes.
    assert_eq!(cli.events(s, 2).len(), 2);

    let ts = "2026-01-02T03:04:05Z";
    let item_flags = |h: &str| vec!["--item-handle".to_string(), h.to_string()];
    // Single arms: refused with an authorization error naming the reference.
    for (arm, extra) in [
        ("write", vec![]),
        ("write", vec!["--timestamp", ts]),
        ("write-secured", vec![]),
        ("write-secured", vec!["--timestamp", ts]),
    ] {
        let mut args: Vec<String> = [arm, "--session-id", s, "--server-handle", "1"]
            .iter()
            .map(|a| a.to_string())
            .collect();
        args.extend(["--type", "int32", "--value", "9"].map(String::from));
        args.extend(extra.iter().map(|a| a.to_string()));
        if arm == "write-secured" {
            args.extend(["--current-user-id", "0"].map(String::from));
        }
        let mut denied = args.clone();
        denied.extend(item_flags(&b));
        let denied: Vec<&str> = denied.iter().map(String::as_str).collect();
        let (ok, json) = cli.run(&denied);
        assert!(!ok, "{arm} {extra:?} on Area_B: {json}");
        assert_eq!(json["type"], "authorization", "{arm} {extra:?}: {json}");
        assert!(
            json["error"].as_str().unwrap().contains("Area_B.Setpoint"),
            "{json}"
        );
        let mut allowed = args.clone();
        allowed.extend(item_flags(&a));
        let allowed: Vec<&str> = allowed.iter().map(String::as_str).collect();
        cli.ok(&allowed);
    }
    // Bulk arms: the Area_B entry is refused by the constraint, Area_A proceeds.
    let entry_a = format!("{a}=10");
    let entry_b = format!("{b}=10");
    for (arm, extra) in [
        ("write-bulk", vec![]),
        ("write2-bulk", vec!["--timestamp", ts]),
        ("write-secured-bulk", vec!["--current-user-id", "0"]),
        (
            "write-secured2-bulk",
            vec!["--current-user-id", "0", "--timestamp", ts],
        ),
    ] {
        let mut args = vec![
            arm,
            "--session-id",
            s,
            "--server-handle",
            "1",
            "--type",
            "int32",
            "--item",
            &entry_a,
            "--item",
            &entry_b,
        ];
        args.extend(extra);
        let json = cli.ok(&args);
        let results = json["results"].as_array().unwrap();
        assert_eq!(results[0]["wasSuccessful"], true, "{arm}: {json}");
        assert_eq!(results[1]["wasSuccessful"], false, "{arm}: {json}");
        assert_eq!(results[1]["deniedByConstraint"], true, "{arm}: {json}");
        assert_eq!(results[1]["statuses"][0]["category"], "SECURITY_ERROR");
    }
}

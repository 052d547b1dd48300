//! Checks the shared command vectors in `fixtures/commands.json`: each CLI
//! invocation must send exactly the recorded request (compared as canonical
//! proto3 JSON, which the Python tests produce with `json_format`).

#[path = "../../client/tests/support/fake_gateway.rs"]
mod fake_gateway;

use fake_gateway::*;
use mxgateway_proto::v1::{self, mx_command::Command, mx_value::Kind};
use serde_json::{json, Map, Value};

const KEY: &str = "mxgw_fixture0001_SecretForFixtureTestsOnly01";

fn put(map: &mut Map<String, Value>, key: &str, value: Value) {
    // Canonical proto3 JSON omits default values.
    let is_default = matches!(&value, Value::Number(n) if n.as_f64() == Some(0.0))
        || value == json!("")
        || value == json!(false)
        || value == Value::Null;
    if !is_default {
        map.insert(key.to_string(), value);
    }
}

fn timestamp(t: &prost_types::Timestamp) -> Value {
    assert_eq!(t.nanos, 0, "fixtures use whole seconds");
    let days = t.seconds.div_euclid(86_400);
    let secs = t.seconds.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    json!(format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    ))
}

fn value(v: &v1::MxValue) -> Value {
    let mut m = Map::new();
    let data_type = v1::MxDataType::try_from(v.data_type)
        .map(|t| t.as_str_name())
        .unwrap_or("UNRECOGNIZED");
    if v.data_type != 0 {
        m.insert("dataType".into(), json!(data_type));
    }
    put(&mut m, "variantType", json!(v.variant_type));
    match &v.kind {
        Some(Kind::BoolValue(b)) => {
            m.insert("boolValue".into(), json!(b));
        }
        Some(Kind::Int32Value(i)) => {
            m.insert("int32Value".into(), json!(i));
        }
        Some(Kind::DoubleValue(d)) => {
            m.insert("doubleValue".into(), json!(d));
        }
        Some(Kind::StringValue(s)) => {
            m.insert("stringValue".into(), json!(s));
        }
        other => panic!("extend the fixture converter for {other:?}"),
    }
    Value::Object(m)
}

fn item(server: i32, item: i32) -> Value {
    let mut m = Map::new();
    put(&mut m, "serverHandle", json!(server));
    put(&mut m, "itemHandle", json!(item));
    Value::Object(m)
}

fn definitions(c: &v1::ItemDefinitionsBulkCommand) -> Value {
    let mut m = Map::new();
    put(&mut m, "serverHandle", json!(c.server_handle));
    if !c.item_definitions.is_empty() {
        m.insert("itemDefinitions".into(), json!(c.item_definitions));
    }
    Value::Object(m)
}

fn handles(c: &v1::ItemHandlesBulkCommand) -> Value {
    let mut m = Map::new();
    put(&mut m, "serverHandle", json!(c.server_handle));
    if !c.item_handles.is_empty() {
        m.insert("itemHandles".into(), json!(c.item_handles));
    }
    Value::Object(m)
}

/// `{"serverHandle", "entries"}`, each entry built by `entry`.
fn entries<E>(server_handle: i32, list: &[E], entry: impl Fn(&E) -> Map<String, Value>) -> Value {
    let mut m = Map::new();
    put(&mut m, "serverHandle", json!(server_handle));
    if !list.is_empty() {
        let list: Vec<Value> = list.iter().map(|e| Value::Object(entry(e))).collect();
        m.insert("entries".into(), Value::Array(list));
    }
    Value::Object(m)
}

fn command(c: &Command) -> Value {
    let (name, body) = match c {
        Command::Register(r) => ("register", json!({"clientName": r.client_name})),
        Command::Unregister(u) => ("unregister", json!({"serverHandle": u.server_handle})),
        Command::AddItem(a) => (
            "addItem",
            json!({"serverHandle": a.server_handle, "itemDefinition": a.item_definition}),
        ),
        Command::AddItem2(a) => (
            "addItem2",
            json!({"serverHandle": a.server_handle, "itemDefinition": a.item_definition, "itemContext": a.item_context}),
        ),
        Command::AddBufferedItem(a) => (
            "addBufferedItem",
            json!({"serverHandle": a.server_handle, "itemDefinition": a.item_definition, "itemContext": a.item_context}),
        ),
        Command::SetBufferedUpdateInterval(a) => (
            "setBufferedUpdateInterval",
            json!({"serverHandle": a.server_handle, "updateIntervalMs": a.update_interval_ms}),
        ),
        Command::RemoveItem(i) => ("removeItem", item(i.server_handle, i.item_handle)),
        Command::Advise(i) => ("advise", item(i.server_handle, i.item_handle)),
        Command::AdviseSupervisory(i) => {
            ("adviseSupervisory", item(i.server_handle, i.item_handle))
        }
        Command::Unadvise(i) => ("unadvise", item(i.server_handle, i.item_handle)),
        Command::Write(w) => {
            let mut m = Map::new();
            put(&mut m, "serverHandle", json!(w.server_handle));
            put(&mut m, "itemHandle", json!(w.item_handle));
            m.insert("value".into(), value(w.value.as_ref().unwrap()));
            put(&mut m, "userId", json!(w.user_id));
            ("write", Value::Object(m))
        }
        Command::Write2(w) => {
            let mut m = Map::new();
            put(&mut m, "serverHandle", json!(w.server_handle));
            put(&mut m, "itemHandle", json!(w.item_handle));
            m.insert("value".into(), value(w.value.as_ref().unwrap()));
            m.insert("timestamp".into(), timestamp(w.timestamp.as_ref().unwrap()));
            put(&mut m, "userId", json!(w.user_id));
            ("write2", Value::Object(m))
        }
        Command::WriteSecured(w) => {
            let mut m = Map::new();
            put(&mut m, "serverHandle", json!(w.server_handle));
            put(&mut m, "itemHandle", json!(w.item_handle));
            put(&mut m, "currentUserId", json!(w.current_user_id));
            put(&mut m, "verifierUserId", json!(w.verifier_user_id));
            m.insert("value".into(), value(w.value.as_ref().unwrap()));
            ("writeSecured", Value::Object(m))
        }
        Command::AuthenticateUser(a) => (
            "authenticateUser",
            json!({"serverHandle": a.server_handle, "userName": a.user_name, "password": a.password}),
        ),
        Command::Suspend(c) => ("suspend", item(c.server_handle, c.item_handle)),
        Command::Activate(c) => ("activate", item(c.server_handle, c.item_handle)),
        Command::ArchestraUserToId(a) => (
            "archestraUserToId",
            json!({"serverHandle": a.server_handle, "userGuid": a.user_guid}),
        ),
        Command::AddItemBulk(c) => ("addItemBulk", definitions(c)),
        Command::SubscribeBulk(c) => ("subscribeBulk", definitions(c)),
        Command::AdviseItemBulk(c) => ("adviseItemBulk", handles(c)),
        Command::UnadviseItemBulk(c) => ("unadviseItemBulk", handles(c)),
        Command::RemoveItemBulk(c) => ("removeItemBulk", handles(c)),
        Command::UnsubscribeBulk(c) => ("unsubscribeBulk", handles(c)),
        Command::ReadBulk(c) => {
            let mut m = Map::new();
            put(&mut m, "serverHandle", json!(c.server_handle));
            if !c.item_definitions.is_empty() {
                m.insert("itemDefinitions".into(), json!(c.item_definitions));
            }
            put(&mut m, "timeoutMs", json!(c.timeout_ms));
            ("readBulk", Value::Object(m))
        }
        Command::WriteBulk(c) => (
            "writeBulk",
            entries(c.server_handle, &c.entries, |e| {
                let mut m = Map::new();
                put(&mut m, "itemHandle", json!(e.item_handle));
                m.insert("value".into(), value(e.value.as_ref().unwrap()));
                put(&mut m, "userId", json!(e.user_id));
                m
            }),
        ),
        Command::Write2Bulk(c) => (
            "write2Bulk",
            entries(c.server_handle, &c.entries, |e| {
                let mut m = Map::new();
                put(&mut m, "itemHandle", json!(e.item_handle));
                m.insert("value".into(), value(e.value.as_ref().unwrap()));
                m.insert("timestamp".into(), timestamp(e.timestamp.as_ref().unwrap()));
                put(&mut m, "userId", json!(e.user_id));
                m
            }),
        ),
        Command::WriteSecuredBulk(c) => (
            "writeSecuredBulk",
            entries(c.server_handle, &c.entries, |e| {
                let mut m = Map::new();
                put(&mut m, "itemHandle", json!(e.item_handle));
                put(&mut m, "currentUserId", json!(e.current_user_id));
                put(&mut m, "verifierUserId", json!(e.verifier_user_id));
                m.insert("value".into(), value(e.value.as_ref().unwrap()));
                m
            }),
        ),
        Command::WriteSecured2Bulk(c) => (
            "writeSecured2Bulk",
            entries(c.server_handle, &c.entries, |e| {
                let mut m = Map::new();
                put(&mut m, "itemHandle", json!(e.item_handle));
                put(&mut m, "currentUserId", json!(e.current_user_id));
                put(&mut m, "verifierUserId", json!(e.verifier_user_id));
                m.insert("value".into(), value(e.value.as_ref().unwrap()));
                m.insert("timestamp".into(), timestamp(e.timestamp.as_ref().unwrap()));
                m
            }),
        ),
        other => panic!("extend the fixture converter for {other:?}"),
    };
    json!({ name: body })
}

#[tokio::test]
async fn cli_invocations_send_the_fixture_requests() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/commands.json"
    ))
    .unwrap();
    let fixture: Value = serde_json::from_str(&text).unwrap();
    let cases = fixture["cases"].as_array().unwrap();
    assert!(cases.len() >= 25);
    let state = State::new();
    let server = FakeServer::start(state.clone()).await;
    for case in cases {
        let before = state.invokes().len();
        let argv: Vec<String> = case["argv"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap().to_string())
            .collect();
        let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_mxgw"))
            .args(&argv)
            .args([
                "--endpoint",
                &server.endpoint(),
                "--plaintext",
                "--api-key",
                KEY,
                "--json",
            ])
            .output()
            .await
            .unwrap();
        let invokes = state.invokes();
        assert_eq!(
            invokes.len(),
            before + 1,
            "{}: {}",
            case["name"],
            String::from_utf8_lossy(&out.stderr)
        );
        let sent = &invokes[before];
        let got = json!({"sessionId": sent.session_id, "command": command(sent.command.as_ref().unwrap().command.as_ref().unwrap())});
        assert_eq!(got, case["request"], "case {}", case["name"]);
    }
    server.stop().await;
}

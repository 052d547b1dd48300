//! The MXAccess conformance cases of `fixtures/conformance.json`, runnable
//! over any layer that carries MXAccess commands and events: the worker pipe
//! protocol, the gateway through the Rust client, and (in Python) the gateway
//! through the Python client. The simulator's own suite
//! (`crates/sim/src/tests/conformance.rs`) pins the same rules one level down;
//! running the cases again through each layer proves that no layer changes a
//! status, a quality, a data type or a value on the way.
//!
//! A transport implements [`Transport`]; [`run_all`] executes every case in
//! order in one registered session and returns a report of each mismatch, so
//! one run names every broken rule rather than the first.

#![forbid(unsafe_code)]

use std::collections::{HashMap, VecDeque};
use std::future::Future;

use mxgateway_proto::v1::{
    mx_command::Command, mx_command_reply, mx_event, mx_value, AddItem2Command,
    AuthenticateUserCommand, ItemCommand, MxCommandReply, MxEvent, MxStatus, MxValue,
    RegisterCommand, WriteCommand, WriteSecuredCommand,
};
use serde_json::{json, Value};

/// The fixture, embedded so every test binary runs the same cases.
pub const CASES_JSON: &str = include_str!("../../../fixtures/conformance.json");

/// Carries one session's commands and events.
pub trait Transport {
    /// Sends one command and returns its reply (gateway-level failures are
    /// the transport's to report, as a panic with context).
    fn command(&mut self, command: Command) -> impl Future<Output = MxCommandReply>;
    /// The session's next event; `None` when nothing came in time.
    fn next_event(&mut self) -> impl Future<Output = Option<MxEvent>>;
    /// Drops events of `item` the transport holds back after its RemoveItem
    /// replied: the next case may get the same handle, and a stale event
    /// must not pass for the new item's first data change.
    fn discard_events_of(&mut self, _item: i32) {}
}

/// Parses the embedded fixture.
pub fn cases() -> Value {
    serde_json::from_str(CASES_JSON).expect("fixtures/conformance.json is JSON")
}

/// Runs every case; returns one line per mismatch (empty: all passed) and
/// the number of cases run.
pub async fn run_all(transport: &mut impl Transport) -> (Vec<String>, usize) {
    let doc = cases();
    let mut runner = Runner {
        transport,
        backlog: VecDeque::new(),
        users: HashMap::new(),
        passwords: doc["users"].clone(),
        server: 0,
    };
    runner.server = match runner
        .transport
        .command(Command::Register(RegisterCommand {
            client_name: "conformance".into(),
        }))
        .await
        .result
    {
        Some(mx_command_reply::Result::ServerHandle(h)) => h,
        other => panic!("Register failed: {other:?}"),
    };
    let cases = doc["cases"].as_array().expect("a cases array");
    let mut failures = Vec::new();
    for case in cases {
        let name = case["name"].as_str().unwrap_or("?");
        if let Err(why) = runner.run(case).await {
            failures.push(format!(
                "{name} [{}] {:?}: {why}",
                case["reference"].as_str().unwrap_or(""),
                case["context"].as_str().unwrap_or("")
            ));
        }
    }
    (failures, cases.len())
}

struct Runner<'t, T: Transport> {
    transport: &'t mut T,
    backlog: VecDeque<MxEvent>,
    users: HashMap<String, i32>,
    passwords: Value,
    server: i32,
}

impl<T: Transport> Runner<'_, T> {
    async fn run(&mut self, case: &Value) -> Result<(), String> {
        let reference = case["reference"].as_str().unwrap_or_default();
        let context = case["context"].as_str().unwrap_or_default();
        let reply = self
            .transport
            .command(Command::AddItem2(AddItem2Command {
                server_handle: self.server,
                item_definition: reference.into(),
                item_context: context.into(),
            }))
            .await;
        let Some(mx_command_reply::Result::ItemHandle(item)) = reply.result else {
            return Err(format!("AddItem2 failed: {reply:?}"));
        };
        let outcome = self.run_item(case, item).await;
        // Leave nothing behind for the next case, whatever happened.
        let handles = ItemCommand {
            server_handle: self.server,
            item_handle: item,
        };
        self.transport.command(Command::Unadvise(handles)).await;
        self.transport.command(Command::RemoveItem(handles)).await;
        self.backlog.retain(|e| e.item_handle != item);
        self.transport.discard_events_of(item);
        outcome
    }

    async fn run_item(&mut self, case: &Value, item: i32) -> Result<(), String> {
        let reply = self
            .transport
            .command(Command::Advise(ItemCommand {
                server_handle: self.server,
                item_handle: item,
            }))
            .await;
        if reply.hresult != 0 {
            return Err(format!("Advise failed: {reply:?}"));
        }
        let first = self
            .event_of(item, |e| {
                matches!(e.kind, Some(mx_event::Kind::DataChange(_)))
            })
            .await
            .ok_or("no OnDataChange after Advise")?;
        let Some(mx_event::Kind::DataChange(change)) = first.kind else {
            unreachable!("filtered above")
        };
        let status = change.statuses.first().copied().unwrap_or_default();
        match case.get("read") {
            Some(read) => {
                check_status("read status", &status, &read["status"])?;
                if let Some(q) = read.get("quality").and_then(Value::as_i64) {
                    if i64::from(change.quality) != q {
                        return Err(format!("quality {} (expected {q})", change.quality));
                    }
                }
                let value = change.value.clone().unwrap_or_default();
                if let Some(t) = read.get("dataType").and_then(Value::as_str) {
                    let got = data_type_name(value.data_type);
                    if got != t {
                        return Err(format!("data type {got} (expected {t})"));
                    }
                }
                if let Some(expected) = read.get("value") {
                    let got = value_json(&value);
                    if &got != expected {
                        return Err(format!("value {got} (expected {expected})"));
                    }
                }
            }
            None if status.success == 0 => {
                return Err(format!("the item did not resolve: {status:?}"));
            }
            None => {}
        }
        match case.get("write") {
            Some(write) => self.write(case, write, item).await,
            None => Ok(()),
        }
    }

    async fn write(&mut self, case: &Value, write: &Value, item: i32) -> Result<(), String> {
        let value = value_from_json(&write["value"])?;
        let user = match write.get("user").and_then(Value::as_str) {
            Some(name) => self.user_id(name).await?,
            None => 0,
        };
        let command = match write.get("verifier").and_then(Value::as_str) {
            Some(verifier) => Command::WriteSecured(WriteSecuredCommand {
                server_handle: self.server,
                item_handle: item,
                current_user_id: user,
                verifier_user_id: self.user_id(verifier).await?,
                value: Some(value),
            }),
            None => Command::Write(WriteCommand {
                server_handle: self.server,
                item_handle: item,
                value: Some(value),
                user_id: user,
            }),
        };
        let reply = self.transport.command(command).await;
        if let Some(hr) = case.get("writeHresult").and_then(Value::as_i64) {
            return if i64::from(reply.hresult) == hr {
                Ok(())
            } else {
                Err(format!("write HRESULT {} (expected {hr})", reply.hresult))
            };
        }
        if reply.hresult != 0 {
            return Err(format!("the write was refused: {reply:?}"));
        }
        let done = self
            .event_of(item, |e| {
                matches!(e.kind, Some(mx_event::Kind::WriteComplete(_)))
            })
            .await
            .ok_or("no OnWriteComplete")?;
        let Some(mx_event::Kind::WriteComplete(done)) = done.kind else {
            unreachable!("filtered above")
        };
        let status = done.statuses.first().copied().unwrap_or_default();
        check_status("write status", &status, &case["writeStatus"])?;
        if let Some(after) = case.get("after") {
            let wanted = after.clone();
            self.event_of(item, move |e| match &e.kind {
                Some(mx_event::Kind::DataChange(d)) => {
                    value_json(&d.value.clone().unwrap_or_default()) == wanted
                }
                _ => false,
            })
            .await
            .ok_or_else(|| format!("no OnDataChange carrying {after} after the write"))?;
        }
        Ok(())
    }

    async fn user_id(&mut self, name: &str) -> Result<i32, String> {
        if let Some(id) = self.users.get(name) {
            return Ok(*id);
        }
        let password = self.passwords[name]
            .as_str()
            .ok_or_else(|| format!("no password for demo user {name}"))?;
        let reply = self
            .transport
            .command(Command::AuthenticateUser(AuthenticateUserCommand {
                server_handle: self.server,
                user_name: name.into(),
                password: password.into(),
            }))
            .await;
        let Some(mx_command_reply::Result::UserId(id)) = reply.result else {
            return Err(format!("AuthenticateUser {name} failed: {reply:?}"));
        };
        self.users.insert(name.into(), id);
        Ok(id)
    }

    /// The first event of `item` matching `wanted`, from the backlog or the
    /// transport; events of other items wait in the backlog.
    async fn event_of(&mut self, item: i32, wanted: impl Fn(&MxEvent) -> bool) -> Option<MxEvent> {
        if let Some(at) = self
            .backlog
            .iter()
            .position(|e| e.item_handle == item && wanted(e))
        {
            return self.backlog.remove(at);
        }
        loop {
            let event = self.transport.next_event().await?;
            if event.item_handle == item && wanted(&event) {
                return Some(event);
            }
            self.backlog.push_back(event);
        }
    }
}

/// `"ok"` or `{category, detectedBy, detail}` against a status.
fn check_status(what: &str, got: &MxStatus, expected: &Value) -> Result<(), String> {
    let category = category_name(got.category);
    let source = source_name(got.detected_by);
    let matches = if expected == "ok" {
        got.success != 0
    } else {
        got.success == 0
            && expected["category"] == category
            && expected["detectedBy"] == source
            && expected["detail"] == got.detail
    };
    if matches {
        Ok(())
    } else {
        Err(format!(
            "{what} success={} {category} {source} detail {} (expected {expected})",
            got.success, got.detail
        ))
    }
}

fn data_type_name(raw: i32) -> &'static str {
    mxgateway_proto::v1::MxDataType::try_from(raw)
        .map(|t| t.as_str_name())
        .unwrap_or("UNRECOGNIZED")
}

fn category_name(raw: i32) -> &'static str {
    mxgateway_proto::v1::MxStatusCategory::try_from(raw)
        .map(|t| t.as_str_name())
        .unwrap_or("UNRECOGNIZED")
}

fn source_name(raw: i32) -> &'static str {
    mxgateway_proto::v1::MxStatusSource::try_from(raw)
        .map(|t| t.as_str_name())
        .unwrap_or("UNRECOGNIZED")
}

/// A value in the protobuf JSON form of its `kind` (`{"int32Value": 5}`),
/// as the fixture writes it. Times render as RFC 3339 seconds and nanos are
/// not compared by any case, so they print their raw fields.
pub fn value_json(v: &MxValue) -> Value {
    use mx_value::Kind;
    match &v.kind {
        None => json!({}),
        Some(Kind::BoolValue(b)) => json!({ "boolValue": b }),
        Some(Kind::Int32Value(i)) => json!({ "int32Value": i }),
        Some(Kind::FloatValue(f)) => json!({ "floatValue": f }),
        Some(Kind::DoubleValue(d)) => json!({ "doubleValue": d }),
        Some(Kind::StringValue(s)) => json!({ "stringValue": s }),
        Some(Kind::BoolArray(a)) => json!({ "boolArray": { "values": a.values } }),
        Some(Kind::Int32Array(a)) => json!({ "int32Array": { "values": a.values } }),
        Some(Kind::FloatArray(a)) => json!({ "floatArray": { "values": a.values } }),
        Some(Kind::DoubleArray(a)) => json!({ "doubleArray": { "values": a.values } }),
        Some(Kind::StringArray(a)) => json!({ "stringArray": { "values": a.values } }),
        Some(Kind::TimeValue(t)) => json!({ "timeValue": [t.seconds, t.nanos] }),
        Some(Kind::ElapsedValue(d)) => json!({ "elapsedValue": [d.seconds, d.nanos] }),
        Some(other) => json!({ "unsupported": format!("{other:?}") }),
    }
}

/// The fixture's JSON form of a value to write.
pub fn value_from_json(v: &Value) -> Result<MxValue, String> {
    use mx_value::Kind;
    let (key, inner) = v
        .as_object()
        .and_then(|o| o.iter().next())
        .ok_or_else(|| format!("not a value: {v}"))?;
    let numbers =
        |inner: &Value| -> Vec<Value> { inner["values"].as_array().cloned().unwrap_or_default() };
    let kind = match key.as_str() {
        "boolValue" => Kind::BoolValue(inner.as_bool().ok_or("a boolean")?),
        "int32Value" => Kind::Int32Value(
            inner
                .as_i64()
                .and_then(|i| i32::try_from(i).ok())
                .ok_or("an int32")?,
        ),
        "floatValue" => Kind::FloatValue(inner.as_f64().ok_or("a number")? as f32),
        "doubleValue" => Kind::DoubleValue(inner.as_f64().ok_or("a number")?),
        "stringValue" => Kind::StringValue(inner.as_str().ok_or("a string")?.into()),
        "int32Array" => Kind::Int32Array(mxgateway_proto::v1::Int32Array {
            values: numbers(inner)
                .iter()
                .map(|n| n.as_i64().unwrap_or_default() as i32)
                .collect(),
        }),
        "doubleArray" => Kind::DoubleArray(mxgateway_proto::v1::DoubleArray {
            values: numbers(inner)
                .iter()
                .map(|n| n.as_f64().unwrap_or_default())
                .collect(),
        }),
        "stringArray" => Kind::StringArray(mxgateway_proto::v1::StringArray {
            values: numbers(inner)
                .iter()
                .map(|n| n.as_str().unwrap_or_default().to_string())
                .collect(),
        }),
        other => return Err(format!("the fixture's value kind {other} is not supported")),
    };
    Ok(MxValue {
        kind: Some(kind),
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fixture_is_well_formed() {
        let doc = cases();
        let cases = doc["cases"].as_array().unwrap();
        assert!(cases.len() > 100);
        let mut names = std::collections::HashSet::new();
        for case in cases {
            let name = case["name"].as_str().expect("a name");
            assert!(names.insert(name), "duplicate case name {name}");
            assert!(case["reference"].is_string(), "{name}");
            assert!(
                case.get("read").is_some() || case.get("write").is_some(),
                "{name}"
            );
            if let Some(write) = case.get("write") {
                value_from_json(&write["value"]).unwrap_or_else(|e| panic!("{name}: {e}"));
                assert!(
                    case.get("writeStatus").is_some() || case.get("writeHresult").is_some(),
                    "{name}"
                );
            }
        }
    }

    #[test]
    fn values_round_trip_through_the_fixture_form() {
        for v in [
            json!({"int32Value": 5}),
            json!({"doubleValue": 1.5}),
            json!({"stringValue": "x"}),
            json!({"boolValue": true}),
            json!({"int32Array": {"values": [1, 2]}}),
            json!({"stringArray": {"values": ["a"]}}),
        ] {
            assert_eq!(value_json(&value_from_json(&v).unwrap()), v);
        }
    }
}

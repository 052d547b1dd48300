//! What each command does, and the JSON it prints (`docs/cli-json.md` is the
//! specification; keep them in step).

use std::io::Write as _;
use std::time::Duration;

use anyhow::Context as _;
use futures::StreamExt;
use mxgateway_client::{
    alarms::check_acknowledge_reply, check, AlarmFilter, ClientOptions, GalaxyRepositoryClient,
    GatewayClient, Session, TlsOptions,
};
use mxgateway_mx::MxValue;
use mxgateway_proto::v1::{self, mx_command::Command as Mx, mx_command_reply::Result as MxResult};

use crate::args::{self, Command, ConnectArgs};
use crate::items;
use crate::json::Json;
use crate::rfc3339;
use crate::values::{self, ValueType};

/// The protocol this CLI speaks, printed by `version`.
pub const PROTOCOL: &str = "mxgateway.v1";

/// An error with a class for the `"type"` of the JSON error object.
#[derive(Debug)]
pub struct CliError {
    pub kind: &'static str,
    pub message: String,
}

impl CliError {
    pub fn new(kind: &'static str, message: impl Into<String>) -> Self {
        CliError {
            kind,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CliError {}

/// Prints results: JSON (one object per line) or plain text.
pub struct Printer {
    pub json: bool,
}

impl Printer {
    /// Prints a command's one result.
    pub(crate) fn result(&self, value: &Json) -> std::io::Result<()> {
        let text = if self.json {
            value.render()
        } else {
            match value {
                Json::Obj(fields) => fields
                    .iter()
                    .map(|(k, v)| format!("{k}: {}", v.human()))
                    .collect::<Vec<_>>()
                    .join("\n"),
                other => other.human(),
            }
        };
        self.line(&text)
    }

    /// Prints one event (one line either way).
    fn event(&self, value: &Json) -> std::io::Result<()> {
        let text = if self.json {
            value.render()
        } else {
            match value {
                Json::Obj(fields) => fields
                    .iter()
                    .enumerate()
                    .map(|(i, (k, v))| {
                        if i == 0 {
                            v.human()
                        } else {
                            format!("{k}={}", v.render())
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(" "),
                other => other.human(),
            }
        };
        self.line(&text)
    }

    /// Prints one line: the JSON, or a text written for humans.
    fn either(&self, value: &Json, human: impl FnOnce() -> String) -> std::io::Result<()> {
        if self.json {
            self.line(&value.render())
        } else {
            self.line(&human())
        }
    }

    fn line(&self, text: &str) -> std::io::Result<()> {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{text}")?;
        // Flushed per line so JSON Lines consumers see events as they come.
        out.flush()
    }
}

// === JSON shapes ===

/// `{"success","category","detectedBy","detail","rawCategory","rawDetectedBy"}`.
pub fn status_json(s: &v1::MxStatus) -> Json {
    Json::obj([
        ("success", Json::from(s.success)),
        ("category", Json::from(check::category_name(s.category))),
        ("detectedBy", Json::from(check::source_name(s.detected_by))),
        ("detail", Json::from(s.detail)),
        ("rawCategory", Json::from(s.raw_category)),
        ("rawDetectedBy", Json::from(s.raw_detected_by)),
    ])
}

fn statuses_json(statuses: &[v1::MxStatus]) -> Json {
    Json::Arr(statuses.iter().map(status_json).collect())
}

/// One event: a common header, then the fields of its kind.
pub fn event_json(e: &v1::MxEvent) -> Json {
    use v1::mx_event::Kind;
    let kind = match &e.kind {
        Some(Kind::DataChange(_)) => "dataChange",
        Some(Kind::WriteComplete(_)) => "writeComplete",
        Some(Kind::OperationComplete(_)) => "operationComplete",
        Some(Kind::BufferedDataChange(_)) => "bufferedDataChange",
        None => "unknown",
    };
    let mut fields: Vec<(&str, Json)> = vec![
        ("type", Json::from(kind)),
        ("workerSequence", Json::from(e.worker_sequence)),
        ("serverHandle", Json::from(e.server_handle)),
        ("itemHandle", Json::from(e.item_handle)),
        ("conflated", Json::from(e.conflated)),
    ];
    match &e.kind {
        Some(Kind::DataChange(dc)) => {
            fields.extend(data_fields(
                dc.value.as_ref(),
                dc.quality,
                dc.timestamp.as_ref(),
            ));
            fields.push(("statuses", statuses_json(&dc.statuses)));
        }
        Some(Kind::WriteComplete(w)) => fields.push(("statuses", statuses_json(&w.statuses))),
        Some(Kind::OperationComplete(o)) => fields.push(("statuses", statuses_json(&o.statuses))),
        Some(Kind::BufferedDataChange(b)) => {
            fields.push(("dataType", Json::from(values::data_type_name(b.data_type))));
            let samples = b.samples.iter().map(|sample| {
                let mut f: Vec<(&str, Json)> = data_fields(
                    sample.value.as_ref(),
                    sample.quality,
                    sample.timestamp.as_ref(),
                )
                .into();
                let status = sample.status.unwrap_or_default();
                f.push(("status", status_json(&status)));
                Json::obj(f)
            });
            fields.push(("samples", Json::Arr(samples.collect())));
            fields.push(("samplesDropped", Json::from(b.samples_dropped)));
            fields.push(("statuses", statuses_json(&b.statuses)));
        }
        None => fields.push(("statuses", Json::Arr(Vec::new()))),
    }
    Json::obj(fields)
}

/// `value`, `dataType`, `variantType`, `quality`, `timestamp`: a data change
/// as events and read results print it. An unset value prints as `null`,
/// `NoData`, 0; a missing or unprintable timestamp as `null`.
fn data_fields(
    value: Option<&v1::MxValue>,
    quality: i32,
    timestamp: Option<&prost_types::Timestamp>,
) -> [(&'static str, Json); 5] {
    let unset = v1::MxValue::default();
    let value = value.unwrap_or(&unset);
    [
        ("value", values::render_value(value)),
        (
            "dataType",
            Json::from(values::data_type_name(value.data_type)),
        ),
        ("variantType", Json::from(value.variant_type)),
        ("quality", Json::from(quality)),
        (
            "timestamp",
            Json::from(timestamp.and_then(|t| rfc3339::format(t.seconds, t.nanos))),
        ),
    ]
}

/// The fields every bulk result ends with.
fn outcome_fields(
    statuses: &[v1::MxStatus],
    message: &str,
    denied_by_constraint: bool,
) -> [(&'static str, Json); 3] {
    [
        ("statuses", statuses_json(statuses)),
        ("message", Json::from(message)),
        ("deniedByConstraint", Json::from(denied_by_constraint)),
    ]
}

/// One entry of the reference and handle bulk commands.
pub fn subscribe_result_json(r: &v1::SubscribeResult) -> Json {
    let mut fields = vec![
        ("itemDefinition", Json::from(r.item_definition.as_str())),
        ("itemHandle", Json::from(r.item_handle)),
        ("wasSuccessful", Json::from(r.was_successful)),
        ("hresult", Json::from(r.hresult)),
    ];
    fields.extend(outcome_fields(
        &r.statuses,
        &r.message,
        r.denied_by_constraint,
    ));
    Json::obj(fields)
}

/// One entry of a bulk write.
pub fn write_result_json(r: &v1::BulkWriteResult) -> Json {
    let mut fields = vec![
        ("itemHandle", Json::from(r.item_handle)),
        ("wasSuccessful", Json::from(r.was_successful)),
        ("hresult", Json::from(r.hresult)),
    ];
    fields.extend(outcome_fields(
        &r.statuses,
        &r.message,
        r.denied_by_constraint,
    ));
    Json::obj(fields)
}

/// One entry of `read-bulk`: its value printed as a data change prints it.
pub fn read_result_json(r: &v1::BulkReadResult) -> Json {
    let mut fields = vec![
        ("itemDefinition", Json::from(r.item_definition.as_str())),
        ("wasSuccessful", Json::from(r.was_successful)),
        ("wasCached", Json::from(r.was_cached)),
    ];
    fields.extend(data_fields(
        r.value.as_ref(),
        r.quality,
        r.timestamp.as_ref(),
    ));
    fields.extend(outcome_fields(
        &r.statuses,
        &r.message,
        r.denied_by_constraint,
    ));
    Json::obj(fields)
}

/// The `results` of a bulk reply (which `Session::invoke_bulk` has checked
/// to be of the command's kind and count).
fn results_json(reply: &v1::MxCommandReply) -> Json {
    Json::Arr(match &reply.result {
        Some(MxResult::SubscribeResults(r)) => {
            r.results.iter().map(subscribe_result_json).collect()
        }
        Some(MxResult::WriteResults(r)) => r.results.iter().map(write_result_json).collect(),
        Some(MxResult::ReadResults(r)) => r.results.iter().map(read_result_json).collect(),
        Some(
            MxResult::ServerHandle(_)
            | MxResult::ItemHandle(_)
            | MxResult::UserId(_)
            | MxResult::UpdateIntervalMs(_),
        )
        | None => Vec::new(),
    })
}

/// `{"command", "sessionId", <inputs>, <result>, "hresult", "statuses"}`.
fn command_json(
    command: &str,
    session_id: &str,
    inputs: Vec<(&str, Json)>,
    reply: &v1::MxCommandReply,
) -> Json {
    let mut fields = vec![
        ("command", Json::from(command)),
        ("sessionId", Json::from(session_id)),
    ];
    fields.extend(inputs);
    fields.push(("hresult", Json::from(reply.hresult)));
    fields.push(("statuses", statuses_json(&reply.statuses)));
    Json::obj(fields)
}

// === Galaxy Repository shapes ===

/// `SECURITY_CLASSIFICATION_FREE_ACCESS` → `FREE_ACCESS`; a number this
/// client does not know → `UNRECOGNIZED`.
pub fn security_classification_name(raw: i32) -> &'static str {
    v1::SecurityClassification::try_from(raw).map_or("UNRECOGNIZED", |c| {
        let name = c.as_str_name();
        name.strip_prefix("SECURITY_CLASSIFICATION_")
            .unwrap_or(name)
    })
}

/// `timeOfLastDeploy`: the time, or `null` when not present (or not sent,
/// or outside the years 1..=9999).
fn deploy_time_json(present: bool, time: Option<&prost_types::Timestamp>) -> Json {
    Json::from(
        time.filter(|_| present)
            .and_then(|t| rfc3339::format(t.seconds, t.nanos)),
    )
}

/// `galaxy-test-connection`.
pub fn test_connection_json(r: &v1::TestConnectionReply) -> Json {
    Json::obj([
        ("command", Json::from("galaxy-test-connection")),
        ("ok", Json::from(r.ok)),
        ("provider", Json::from(r.provider.as_str())),
        ("message", Json::from(r.message.as_str())),
    ])
}

/// `galaxy-last-deploy`.
pub fn last_deploy_json(r: &v1::GetLastDeployTimeReply) -> Json {
    Json::obj([
        ("command", Json::from("galaxy-last-deploy")),
        ("present", Json::from(r.present)),
        (
            "timeOfLastDeploy",
            deploy_time_json(r.present, r.time_of_last_deploy.as_ref()),
        ),
    ])
}

/// One attribute of a `galaxy-discover` object.
pub fn galaxy_attribute_json(a: &v1::GalaxyAttribute) -> Json {
    Json::obj([
        ("attributeName", Json::from(a.attribute_name.as_str())),
        (
            "fullTagReference",
            Json::from(a.full_tag_reference.as_str()),
        ),
        ("dataType", Json::from(values::data_type_name(a.data_type))),
        ("isArray", Json::from(a.is_array)),
        (
            "securityClassification",
            Json::from(security_classification_name(a.security_classification)),
        ),
        (
            "rawSecurityClassification",
            Json::from(a.raw_security_classification),
        ),
        ("isAlarm", Json::from(a.is_alarm)),
        ("isHistorized", Json::from(a.is_historized)),
    ])
}

/// One line of `galaxy-discover`.
pub fn galaxy_object_json(o: &v1::GalaxyObject) -> Json {
    Json::obj([
        ("gobjectId", Json::from(o.gobject_id)),
        ("tagName", Json::from(o.tag_name.as_str())),
        ("containedName", Json::from(o.contained_name.as_str())),
        ("hierarchicalName", Json::from(o.hierarchical_name.as_str())),
        ("browseName", Json::from(o.browse_name.as_str())),
        ("parentGobjectId", Json::from(o.parent_gobject_id)),
        ("parentTagName", Json::from(o.parent_tag_name.as_str())),
        ("areaTagName", Json::from(o.area_tag_name.as_str())),
        ("templateChain", Json::from(o.template_chain.clone())),
        ("categoryId", Json::from(o.category_id)),
        ("category", Json::from(o.category.as_str())),
        (
            "attributes",
            Json::Arr(o.attributes.iter().map(galaxy_attribute_json).collect()),
        ),
    ])
}

/// One line of `galaxy-watch`.
pub fn deploy_event_json(e: &v1::DeployEvent) -> Json {
    Json::obj([
        ("sequence", Json::from(e.sequence)),
        (
            "timeOfLastDeploy",
            deploy_time_json(
                e.time_of_last_deploy_present,
                e.time_of_last_deploy.as_ref(),
            ),
        ),
        (
            "timeOfLastDeployPresent",
            Json::from(e.time_of_last_deploy_present),
        ),
        ("objectCount", Json::from(e.object_count)),
        ("attributeCount", Json::from(e.attribute_count)),
    ])
}

/// `galaxy-deploy`.
pub fn deploy_reply_json(r: &v1::DeploySimulatedGalaxyReply) -> Json {
    Json::obj([
        ("command", Json::from("galaxy-deploy")),
        (
            "timeOfLastDeploy",
            deploy_time_json(true, r.time_of_last_deploy.as_ref()),
        ),
        ("objectCount", Json::from(r.object_count)),
        ("attributeCount", Json::from(r.attribute_count)),
    ])
}

// === alarm shapes ===

/// A proto enum name without its prefix; `UNRECOGNIZED` for a number this
/// client does not know.
fn enum_name(name: Option<&'static str>, prefix: &str) -> &'static str {
    name.map_or("UNRECOGNIZED", |n| n.strip_prefix(prefix).unwrap_or(n))
}

/// `ALARM_STATE_UNACK_ALM` → `UNACK_ALM`.
pub fn alarm_state_name(raw: i32) -> &'static str {
    enum_name(
        v1::AlarmState::try_from(raw).ok().map(|s| s.as_str_name()),
        "ALARM_STATE_",
    )
}

/// `ALARM_CONDITION_HI` → `HI`.
pub fn alarm_condition_name(raw: i32) -> &'static str {
    enum_name(
        v1::AlarmCondition::try_from(raw)
            .ok()
            .map(|c| c.as_str_name()),
        "ALARM_CONDITION_",
    )
}

/// `ALARM_EVENT_KIND_SNAPSHOT_END` → `SNAPSHOT_END`.
pub fn alarm_event_kind_name(raw: i32) -> &'static str {
    enum_name(
        v1::AlarmEventKind::try_from(raw)
            .ok()
            .map(|k| k.as_str_name()),
        "ALARM_EVENT_KIND_",
    )
}

/// An optional time: RFC 3339, or `null` when unset (or outside the years
/// 1..=9999).
fn optional_time(t: Option<&prost_types::Timestamp>) -> Json {
    Json::from(t.and_then(|t| rfc3339::format(t.seconds, t.nanos)))
}

/// An optional value: rendered as values are, `null` when unset.
fn optional_value(v: Option<&v1::MxValue>) -> Json {
    v.map_or(Json::Null, values::render_value)
}

/// One alarm, as every alarm command prints it.
pub fn alarm_json(a: &v1::AlarmRecord) -> Json {
    Json::obj([
        ("reference", Json::from(a.reference.as_str())),
        ("tagName", Json::from(a.tag_name.as_str())),
        ("alarmName", Json::from(a.alarm_name.as_str())),
        ("area", Json::from(a.area.as_str())),
        ("sourceReference", Json::from(a.source_reference.as_str())),
        ("condition", Json::from(alarm_condition_name(a.condition))),
        ("state", Json::from(alarm_state_name(a.state))),
        ("priority", Json::from(a.priority)),
        ("category", Json::from(a.category.as_str())),
        ("description", Json::from(a.description.as_str())),
        ("value", optional_value(a.value.as_ref())),
        ("limit", optional_value(a.limit.as_ref())),
        ("quality", Json::from(a.quality)),
        ("timeAlarmOn", optional_time(a.time_alarm_on.as_ref())),
        ("timeAlarmOff", optional_time(a.time_alarm_off.as_ref())),
        ("timeAlarmAcked", optional_time(a.time_alarm_acked.as_ref())),
        ("ackOperator", Json::from(a.ack_operator.as_str())),
        ("ackComment", Json::from(a.ack_comment.as_str())),
        ("transitionTime", optional_time(a.transition_time.as_ref())),
    ])
}

/// One line of `stream-alarms`.
pub fn alarm_event_json(e: &v1::AlarmEvent) -> Json {
    Json::obj([
        ("kind", Json::from(alarm_event_kind_name(e.kind))),
        ("sequence", Json::from(e.sequence)),
        ("resync", Json::from(e.resync)),
        ("snapshotCount", Json::from(e.snapshot_count)),
        ("alarm", e.alarm.as_ref().map_or(Json::Null, alarm_json)),
    ])
}

/// `query-active-alarms`.
pub fn active_alarms_json(alarms: &[v1::AlarmRecord]) -> Json {
    Json::obj([
        ("command", Json::from("query-active-alarms")),
        ("alarms", Json::Arr(alarms.iter().map(alarm_json).collect())),
    ])
}

/// `acknowledge-alarm` (of a reply `check_acknowledge_reply` passed, so
/// both parts are present).
pub fn acknowledge_json(reference: &str, r: &v1::AcknowledgeAlarmReply) -> Json {
    Json::obj([
        ("command", Json::from("acknowledge-alarm")),
        ("reference", Json::from(reference)),
        ("status", r.status.as_ref().map_or(Json::Null, status_json)),
        ("alarm", r.alarm.as_ref().map_or(Json::Null, alarm_json)),
    ])
}

/// One alarm as a line for humans (not a contract).
pub fn alarm_line(a: &v1::AlarmRecord) -> String {
    let mut line = format!(
        "{} {} {} priority={} value={}",
        a.reference,
        alarm_state_name(a.state),
        alarm_condition_name(a.condition),
        a.priority,
        optional_value(a.value.as_ref()).render(),
    );
    if let Some(limit) = &a.limit {
        line.push_str(&format!(" limit={}", values::render_value(limit).render()));
    }
    if let Some(on) = a
        .time_alarm_on
        .as_ref()
        .and_then(|t| rfc3339::format(t.seconds, t.nanos))
    {
        line.push_str(&format!(" on={on}"));
    }
    if !a.ack_operator.is_empty() {
        line.push_str(&format!(" ackedBy={}", a.ack_operator));
    }
    line.push_str(&format!(" {}", Json::from(a.description.as_str()).render()));
    line
}

/// One alarm event as a line for humans (not a contract).
pub fn alarm_event_line(e: &v1::AlarmEvent) -> String {
    let mut line = format!("{} #{}", alarm_event_kind_name(e.kind), e.sequence);
    if e.resync {
        line.push_str(" resync");
    }
    match &e.alarm {
        Some(a) => line.push_str(&format!(" {}", alarm_line(a))),
        None => line.push_str(&format!(" snapshotCount={}", e.snapshot_count)),
    }
    line
}

fn alarm_filter(f: &args::AlarmFilterArgs) -> AlarmFilter {
    AlarmFilter::new()
        .queries(f.queries.iter().cloned())
        .min_priority(f.min_priority)
        .max_priority(f.max_priority)
}

fn limits_json(l: &v1::ServerLimits) -> Json {
    Json::obj([
        ("maxSessions", Json::from(l.max_sessions)),
        ("maxBulkItems", Json::from(l.max_bulk_items)),
        ("maxMessageBytes", Json::from(l.max_message_bytes)),
        ("eventQueueCapacity", Json::from(l.event_queue_capacity)),
        (
            "defaultCommandTimeoutMs",
            Json::from(l.default_command_timeout_ms),
        ),
        (
            "sessionIdleTimeoutMs",
            Json::from(l.session_idle_timeout_ms),
        ),
        ("maxEventsPerBatch", Json::from(l.max_events_per_batch)),
    ])
}

// === plumbing ===

/// Reads a secret from the environment variable a `--*-env` flag names.
fn env_secret(name: &str, flag: &str) -> anyhow::Result<String> {
    match std::env::var(name) {
        Ok(v) if !v.is_empty() => Ok(v),
        _ => Err(CliError::new(
            "usage",
            format!("environment variable {name} (named by {flag}) is not set"),
        )
        .into()),
    }
}

/// The API key the flags name, if any.
pub fn api_key(c: &ConnectArgs) -> anyhow::Result<Option<String>> {
    match (&c.api_key, &c.api_key_env) {
        (Some(key), _) => Ok(Some(key.clone())),
        (None, Some(name)) => env_secret(name, "--api-key-env").map(Some),
        (None, None) => Ok(None),
    }
}

/// The client options the connection flags describe (the same for every
/// service).
fn client_options(c: &ConnectArgs) -> anyhow::Result<ClientOptions> {
    let mut tls = if c.plaintext {
        TlsOptions::plaintext()
    } else {
        TlsOptions::tls()
    };
    tls.ca_file = c.ca_file.clone();
    tls.server_name_override = c.server_name_override.clone();
    let mut options = ClientOptions::new(c.endpoint.clone()).with_tls(tls);
    options.api_key = api_key(c)?;
    Ok(options)
}

pub(crate) async fn connect(c: &ConnectArgs) -> anyhow::Result<GatewayClient> {
    Ok(GatewayClient::connect(client_options(c)?).await?)
}

async fn connect_galaxy(c: &ConnectArgs) -> anyhow::Result<GalaxyRepositoryClient> {
    Ok(GalaxyRepositoryClient::connect(client_options(c)?).await?)
}

fn invalid_value(e: values::InvalidValue) -> anyhow::Error {
    CliError::new("invalid-value", e.0).into()
}

fn result_i32(
    reply: &v1::MxCommandReply,
    what: &str,
    pick: fn(&MxResult) -> Option<i32>,
) -> anyhow::Result<i32> {
    reply
        .result
        .as_ref()
        .and_then(pick)
        .ok_or_else(|| CliError::new("command", format!("the reply carries no {what}")).into())
}

/// A parsed `--type`/`--value`/`--timestamp`, checked before any network use.
struct WriteInput {
    value_type: ValueType,
    value: MxValue,
    wire: v1::MxValue,
    timestamp: Option<mxgateway_mx::Timestamp>,
}

fn write_input(a: &args::ValueArgs) -> anyhow::Result<WriteInput> {
    let value = values::parse_value(a.value_type, &a.value).map_err(invalid_value)?;
    let wire = mxgateway_client::value::to_wire(&value)?;
    let timestamp = a
        .timestamp
        .as_deref()
        .map(values::parse_timestamp)
        .transpose()
        .map_err(invalid_value)?;
    Ok(WriteInput {
        value_type: a.value_type,
        value,
        wire,
        timestamp,
    })
}

impl WriteInput {
    fn timestamp_json(&self) -> Json {
        Json::from(
            self.timestamp
                .and_then(|t| rfc3339::format(t.seconds(), t.subsec_nanos())),
        )
    }
}

// === commands ===

/// Runs one command, printing its result.
pub async fn run(command: Command, out: &Printer) -> anyhow::Result<()> {
    match command {
        Command::Version(_) => out.result(&Json::obj([
            ("client", Json::from("mxgw")),
            ("version", Json::from(env!("CARGO_PKG_VERSION"))),
            ("protocol", Json::from(PROTOCOL)),
        ]))?,
        Command::OpenSession(a) => {
            let client = connect(&a.connect).await?;
            let reply = client
                .open_session_raw(v1::OpenSessionRequest {
                    client_session_name: a.client_session_name.clone(),
                })
                .await?;
            out.result(&Json::obj([
                ("sessionId", Json::from(reply.session_id.as_str())),
                ("gatewayVersion", Json::from(reply.gateway_version.as_str())),
                ("backend", Json::from(reply.backend.as_str())),
                (
                    "workerProtocolVersion",
                    Json::from(reply.worker_protocol_version),
                ),
                ("capabilities", Json::from(reply.capabilities.clone())),
                (
                    "limits",
                    reply.limits.as_ref().map_or(Json::Null, limits_json),
                ),
            ]))?;
        }
        Command::CloseSession(a) => {
            let client = connect(&a.connect).await?;
            let closed = client.close_session(&a.session_id).await?;
            out.result(&Json::obj([
                ("sessionId", Json::from(a.session_id.as_str())),
                ("closed", Json::from(closed)),
            ]))?;
        }
        Command::Register(a) => {
            let session = connect(&a.connect).await?.session(a.session_id.clone());
            let reply = session
                .invoke(Mx::Register(v1::RegisterCommand {
                    client_name: a.client_name.clone(),
                }))
                .await?;
            let handle = result_i32(&reply, "server handle", |r| match r {
                MxResult::ServerHandle(h) => Some(*h),
                _ => None,
            })?;
            out.result(&command_json(
                "register",
                session.id(),
                vec![
                    ("clientName", Json::from(a.client_name.as_str())),
                    ("serverHandle", Json::from(handle)),
                ],
                &reply,
            ))?;
        }
        Command::Unregister(a) => {
            let session = connect(&a.connect).await?.session(a.session_id.clone());
            let reply = session
                .invoke(Mx::Unregister(v1::UnregisterCommand {
                    server_handle: a.server_handle,
                }))
                .await?;
            out.result(&command_json(
                "unregister",
                session.id(),
                vec![("serverHandle", Json::from(a.server_handle))],
                &reply,
            ))?;
        }
        Command::AddItem(a) => {
            let session = connect(&a.connect).await?.session(a.session_id.clone());
            let command = match &a.context {
                Some(context) => Mx::AddItem2(v1::AddItem2Command {
                    server_handle: a.server_handle,
                    item_definition: a.item.clone(),
                    item_context: context.clone(),
                }),
                None => Mx::AddItem(v1::AddItemCommand {
                    server_handle: a.server_handle,
                    item_definition: a.item.clone(),
                }),
            };
            let reply = session.invoke(command).await?;
            let handle = result_i32(&reply, "item handle", |r| match r {
                MxResult::ItemHandle(h) => Some(*h),
                _ => None,
            })?;
            out.result(&command_json(
                "add-item",
                session.id(),
                vec![
                    ("serverHandle", Json::from(a.server_handle)),
                    ("item", Json::from(a.item.as_str())),
                    ("context", Json::from(a.context.clone())),
                    ("itemHandle", Json::from(handle)),
                ],
                &reply,
            ))?;
        }
        Command::AddBufferedItem(a) => {
            let session = connect(&a.connect).await?.session(a.session_id.clone());
            let reply = session
                .invoke(Mx::AddBufferedItem(v1::AddBufferedItemCommand {
                    server_handle: a.server_handle,
                    item_definition: a.item.clone(),
                    item_context: a.context.clone(),
                }))
                .await?;
            let handle = result_i32(&reply, "item handle", |r| match r {
                MxResult::ItemHandle(h) => Some(*h),
                _ => None,
            })?;
            out.result(&command_json(
                "add-buffered-item",
                session.id(),
                vec![
                    ("serverHandle", Json::from(a.server_handle)),
                    ("item", Json::from(a.item.as_str())),
                    ("context", Json::from(a.context.as_str())),
                    ("itemHandle", Json::from(handle)),
                ],
                &reply,
            ))?;
        }
        Command::SetBufferedUpdateInterval(a) => {
            let session = connect(&a.connect).await?.session(a.session_id.clone());
            let reply = session
                .invoke(Mx::SetBufferedUpdateInterval(
                    v1::SetBufferedUpdateIntervalCommand {
                        server_handle: a.server_handle,
                        update_interval_ms: a.interval_ms,
                    },
                ))
                .await?;
            let effective = result_i32(&reply, "update interval", |r| match r {
                MxResult::UpdateIntervalMs(ms) => Some(*ms),
                _ => None,
            })?;
            out.result(&command_json(
                "set-buffered-update-interval",
                session.id(),
                vec![
                    ("serverHandle", Json::from(a.server_handle)),
                    ("requestedIntervalMs", Json::from(a.interval_ms)),
                    ("updateIntervalMs", Json::from(effective)),
                ],
                &reply,
            ))?;
        }
        Command::RemoveItem(a) => {
            item_command(
                &a.connect,
                &a.handles,
                "remove-item",
                Mx::RemoveItem,
                vec![],
                out,
            )
            .await?
        }
        Command::Unadvise(a) => {
            item_command(
                &a.connect,
                &a.handles,
                "unadvise",
                Mx::Unadvise,
                vec![],
                out,
            )
            .await?
        }
        Command::Suspend(a) => {
            item_command(&a.connect, &a.handles, "suspend", Mx::Suspend, vec![], out).await?
        }
        Command::Activate(a) => {
            item_command(
                &a.connect,
                &a.handles,
                "activate",
                Mx::Activate,
                vec![],
                out,
            )
            .await?
        }
        Command::Advise(a) => {
            let make = if a.supervisory {
                Mx::AdviseSupervisory
            } else {
                Mx::Advise
            };
            let extra = vec![("supervisory", Json::from(a.supervisory))];
            item_command(&a.connect, &a.handles, "advise", make, extra, out).await?
        }
        Command::Write(a) => {
            let input = write_input(&a.value)?;
            let h = &a.handles;
            let session = connect(&a.connect).await?.session(h.session_id.clone());
            let reply = match input.timestamp {
                None => {
                    session
                        .write(h.server_handle, h.item_handle, &input.value, a.user_id)
                        .await?
                }
                Some(t) => {
                    session
                        .write2(h.server_handle, h.item_handle, &input.value, t, a.user_id)
                        .await?
                }
            };
            out.result(&command_json(
                "write",
                session.id(),
                vec![
                    ("serverHandle", Json::from(h.server_handle)),
                    ("itemHandle", Json::from(h.item_handle)),
                    ("type", Json::from(input.value_type.name())),
                    ("value", values::render_value(&input.wire)),
                    ("userId", Json::from(a.user_id)),
                    ("timestamp", input.timestamp_json()),
                ],
                &reply,
            ))?;
        }
        Command::WriteSecured(a) => {
            let input = write_input(&a.value)?;
            let h = &a.handles;
            let session = connect(&a.connect).await?.session(h.session_id.clone());
            let (cur, ver) = (a.current_user_id, a.verifier_user_id);
            let reply = match input.timestamp {
                None => {
                    session
                        .write_secured(h.server_handle, h.item_handle, cur, ver, &input.value)
                        .await?
                }
                Some(t) => {
                    session
                        .write_secured2(h.server_handle, h.item_handle, cur, ver, &input.value, t)
                        .await?
                }
            };
            out.result(&command_json(
                "write-secured",
                session.id(),
                vec![
                    ("serverHandle", Json::from(h.server_handle)),
                    ("itemHandle", Json::from(h.item_handle)),
                    ("type", Json::from(input.value_type.name())),
                    ("value", values::render_value(&input.wire)),
                    ("currentUserId", Json::from(cur)),
                    ("verifierUserId", Json::from(ver)),
                    ("timestamp", input.timestamp_json()),
                ],
                &reply,
            ))?;
        }
        Command::AuthenticateUser(a) => {
            let password = match (&a.password.password, &a.password.password_env) {
                (Some(p), _) => p.clone(),
                (None, Some(name)) => env_secret(name, "--password-env")?,
                (None, None) => {
                    return Err(
                        CliError::new("usage", "--password or --password-env is required").into(),
                    )
                }
            };
            let session = connect(&a.connect).await?.session(a.session_id.clone());
            let reply = session
                .invoke(Mx::AuthenticateUser(v1::AuthenticateUserCommand {
                    server_handle: a.server_handle,
                    user_name: a.user.clone(),
                    password,
                }))
                .await?;
            let user_id = result_i32(&reply, "user id", |r| match r {
                MxResult::UserId(id) => Some(*id),
                _ => None,
            })?;
            out.result(&command_json(
                "authenticate-user",
                session.id(),
                vec![
                    ("serverHandle", Json::from(a.server_handle)),
                    ("user", Json::from(a.user.as_str())),
                    ("userId", Json::from(user_id)),
                ],
                &reply,
            ))?;
        }
        Command::ArchestraUserToId(a) => {
            let session = connect(&a.connect).await?.session(a.session_id.clone());
            let reply = session
                .invoke(Mx::ArchestraUserToId(v1::ArchestraUserToIdCommand {
                    server_handle: a.server_handle,
                    user_guid: a.user_guid.clone(),
                }))
                .await?;
            let user_id = result_i32(&reply, "user id", |r| match r {
                MxResult::UserId(id) => Some(*id),
                _ => None,
            })?;
            out.result(&command_json(
                "archestra-user-to-id",
                session.id(),
                vec![
                    ("serverHandle", Json::from(a.server_handle)),
                    ("userGuid", Json::from(a.user_guid.as_str())),
                    ("userId", Json::from(user_id)),
                ],
                &reply,
            ))?;
        }
        Command::AddItemBulk(a) => reference_bulk(a, "add-item-bulk", Mx::AddItemBulk, out).await?,
        Command::SubscribeBulk(a) => {
            reference_bulk(a, "subscribe-bulk", Mx::SubscribeBulk, out).await?
        }
        Command::AdviseItemBulk(a) => {
            handle_bulk(a, "advise-item-bulk", Mx::AdviseItemBulk, out).await?
        }
        Command::UnadviseItemBulk(a) => {
            handle_bulk(a, "unadvise-item-bulk", Mx::UnadviseItemBulk, out).await?
        }
        Command::RemoveItemBulk(a) => {
            handle_bulk(a, "remove-item-bulk", Mx::RemoveItemBulk, out).await?
        }
        Command::UnsubscribeBulk(a) => {
            handle_bulk(a, "unsubscribe-bulk", Mx::UnsubscribeBulk, out).await?
        }
        Command::ReadBulk(a) => {
            let item_definitions =
                items::references(&a.entries.items, a.entries.items_file.as_deref())?;
            let command = Mx::ReadBulk(v1::ReadBulkCommand {
                server_handle: a.target.server_handle,
                item_definitions,
                timeout_ms: a.timeout_ms,
            });
            let inputs = vec![("timeoutMs", Json::from(a.timeout_ms))];
            bulk(&a.connect, &a.target, "read-bulk", inputs, command, out).await?
        }
        Command::WriteBulk(a) => {
            let entries = write_entries(&a.entries)?
                .into_iter()
                .map(|(item_handle, value)| v1::WriteBulkEntry {
                    item_handle,
                    value: Some(value),
                    user_id: a.user_id,
                })
                .collect();
            let command = Mx::WriteBulk(v1::WriteBulkCommand {
                server_handle: a.target.server_handle,
                entries,
            });
            let inputs = vec![
                ("type", Json::from(a.entries.value_type.name())),
                ("userId", Json::from(a.user_id)),
            ];
            bulk(&a.connect, &a.target, "write-bulk", inputs, command, out).await?
        }
        Command::Write2Bulk(a) => {
            let pairs = write_entries(&a.entries)?;
            let timestamp = bulk_timestamp(&a.timestamp)?;
            let entries = pairs
                .into_iter()
                .map(|(item_handle, value)| v1::Write2BulkEntry {
                    item_handle,
                    value: Some(value),
                    timestamp: Some(timestamp),
                    user_id: a.user_id,
                })
                .collect();
            let command = Mx::Write2Bulk(v1::Write2BulkCommand {
                server_handle: a.target.server_handle,
                entries,
            });
            let inputs = vec![
                ("type", Json::from(a.entries.value_type.name())),
                ("userId", Json::from(a.user_id)),
                ("timestamp", timestamp_json(&timestamp)),
            ];
            bulk(&a.connect, &a.target, "write2-bulk", inputs, command, out).await?
        }
        Command::WriteSecuredBulk(a) => {
            let (cur, ver) = (a.users.current_user_id, a.users.verifier_user_id);
            let entries = write_entries(&a.entries)?
                .into_iter()
                .map(|(item_handle, value)| v1::WriteSecuredBulkEntry {
                    item_handle,
                    current_user_id: cur,
                    verifier_user_id: ver,
                    value: Some(value),
                })
                .collect();
            let command = Mx::WriteSecuredBulk(v1::WriteSecuredBulkCommand {
                server_handle: a.target.server_handle,
                entries,
            });
            let inputs = vec![
                ("type", Json::from(a.entries.value_type.name())),
                ("currentUserId", Json::from(cur)),
                ("verifierUserId", Json::from(ver)),
            ];
            bulk(
                &a.connect,
                &a.target,
                "write-secured-bulk",
                inputs,
                command,
                out,
            )
            .await?
        }
        Command::WriteSecured2Bulk(a) => {
            let (cur, ver) = (a.users.current_user_id, a.users.verifier_user_id);
            let pairs = write_entries(&a.entries)?;
            let timestamp = bulk_timestamp(&a.timestamp)?;
            let entries = pairs
                .into_iter()
                .map(|(item_handle, value)| v1::WriteSecured2BulkEntry {
                    item_handle,
                    current_user_id: cur,
                    verifier_user_id: ver,
                    value: Some(value),
                    timestamp: Some(timestamp),
                })
                .collect();
            let command = Mx::WriteSecured2Bulk(v1::WriteSecured2BulkCommand {
                server_handle: a.target.server_handle,
                entries,
            });
            let inputs = vec![
                ("type", Json::from(a.entries.value_type.name())),
                ("currentUserId", Json::from(cur)),
                ("verifierUserId", Json::from(ver)),
                ("timestamp", timestamp_json(&timestamp)),
            ];
            bulk(
                &a.connect,
                &a.target,
                "write-secured2-bulk",
                inputs,
                command,
                out,
            )
            .await?
        }
        Command::StreamEvents(a) => {
            let session = connect(&a.connect).await?.session(a.session_id.clone());
            stream_events(&session, a.max_events, a.timeout_ms, out).await?;
        }
        Command::Smoke(a) => smoke(a, out).await?,
        Command::BenchReadBulk(a) => crate::bench::read_bulk(a, out).await?,
        Command::BenchStreamEvents(a) => crate::bench::stream_events(a, out).await?,
        Command::GalaxyTestConnection(a) => {
            let reply = connect_galaxy(&a.connect).await?.test_connection().await?;
            out.result(&test_connection_json(&reply))?;
        }
        Command::GalaxyLastDeploy(a) => {
            let reply = connect_galaxy(&a.connect)
                .await?
                .last_deploy_time_raw()
                .await?;
            out.result(&last_deploy_json(&reply))?;
        }
        Command::GalaxyDiscover(a) => galaxy_discover(a, out).await?,
        Command::GalaxyWatch(a) => {
            // Checked before connecting: a bad time sends nothing.
            let last_seen = a
                .last_seen_deploy_time
                .as_deref()
                .map(values::parse_timestamp)
                .transpose()
                .map_err(invalid_value)?;
            let events = connect_galaxy(&a.connect)
                .await?
                .watch_deploy_events(last_seen)
                .await?;
            print_stream(events, a.max_events, a.timeout_ms, |e| {
                out.event(&deploy_event_json(e))
            })
            .await?;
        }
        Command::StreamAlarms(a) => {
            let events = connect(&a.connect)
                .await?
                .stream_alarms(&alarm_filter(&a.filter))
                .await?;
            print_stream(events, a.max_messages, a.timeout_ms, |e| {
                out.either(&alarm_event_json(e), || alarm_event_line(e))
            })
            .await?;
        }
        Command::QueryActiveAlarms(a) => {
            let alarms = connect(&a.connect)
                .await?
                .query_active_alarms(&alarm_filter(&a.filter))
                .await?;
            if out.json {
                out.result(&active_alarms_json(&alarms))?;
            } else {
                for alarm in &alarms {
                    out.line(&alarm_line(alarm))?;
                }
            }
        }
        Command::AcknowledgeAlarm(a) => {
            let reply = connect(&a.connect)
                .await?
                .acknowledge_alarm_raw(&a.reference, &a.comment, &a.operator)
                .await?;
            let reply = check_acknowledge_reply(reply)?;
            out.either(&acknowledge_json(&a.reference, &reply), || {
                let alarm = reply.alarm.as_ref().map_or_else(String::new, alarm_line);
                format!("acknowledged {alarm}")
            })?;
        }
        Command::GalaxyDeploy(a) => {
            // Read before connecting: an unreadable file sends nothing.
            let model = read_model(&a.model)?;
            let reply = connect_galaxy(&a.connect)
                .await?
                .deploy_simulated_galaxy(&model)
                .await?;
            out.result(&deploy_reply_json(&reply))?;
        }
    }
    Ok(())
}

// === Galaxy Repository commands ===

/// Prints the hierarchy one object per line, fetching a page only when the
/// previous one is printed, until `--max-objects` (0: all).
async fn galaxy_discover(a: args::GalaxyDiscoverArgs, out: &Printer) -> anyhow::Result<()> {
    let galaxy = connect_galaxy(&a.connect).await?;
    let mut objects = galaxy.hierarchy(a.page_size);
    let mut count: u64 = 0;
    while a.max_objects == 0 || count < a.max_objects {
        match objects.next().await {
            Some(object) => {
                out.event(&galaxy_object_json(&object?))?;
                count += 1;
            }
            None => break,
        }
    }
    Ok(())
}

/// The text of `--model`, as UTF-8.
fn read_model(path: &std::path::Path) -> anyhow::Result<String> {
    let bytes = std::fs::read(path).map_err(|e| {
        // "No such file or directory", without Rust's "(os error 2)".
        let text = e.to_string();
        let reason = text
            .rsplit_once(" (os error ")
            .map_or(text.as_str(), |(reason, _)| reason)
            .to_string();
        CliError::new(
            "usage",
            format!("cannot read model file {}: {reason}", path.display()),
        )
    })?;
    String::from_utf8(bytes).map_err(|_| {
        CliError::new(
            "usage",
            format!(
                "cannot read model file {}: it is not valid UTF-8",
                path.display()
            ),
        )
        .into()
    })
}

async fn item_command(
    connect_args: &ConnectArgs,
    h: &args::HandleArgs,
    name: &str,
    make: fn(v1::ItemCommand) -> Mx,
    extra: Vec<(&str, Json)>,
    out: &Printer,
) -> anyhow::Result<()> {
    let session = connect(connect_args).await?.session(h.session_id.clone());
    let reply = session
        .invoke(make(v1::ItemCommand {
            server_handle: h.server_handle,
            item_handle: h.item_handle,
        }))
        .await?;
    let mut inputs = vec![
        ("serverHandle", Json::from(h.server_handle)),
        ("itemHandle", Json::from(h.item_handle)),
    ];
    inputs.extend(extra);
    out.result(&command_json(name, session.id(), inputs, &reply))?;
    Ok(())
}

// === bulk commands ===

/// Sends a bulk command, built and checked before any network use, and
/// prints `{"command", "sessionId", "serverHandle", <inputs>, "hresult",
/// "statuses", "results"}`.
async fn bulk(
    connect_args: &ConnectArgs,
    target: &args::BulkTargetArgs,
    name: &str,
    inputs: Vec<(&str, Json)>,
    command: Mx,
    out: &Printer,
) -> anyhow::Result<()> {
    let session = connect(connect_args)
        .await?
        .session(target.session_id.clone());
    let reply = session.invoke_bulk(command).await?;
    let mut fields = vec![
        ("command", Json::from(name)),
        ("sessionId", Json::from(session.id())),
        ("serverHandle", Json::from(target.server_handle)),
    ];
    fields.extend(inputs);
    fields.push(("hresult", Json::from(reply.hresult)));
    fields.push(("statuses", statuses_json(&reply.statuses)));
    fields.push(("results", results_json(&reply)));
    out.result(&Json::obj(fields))?;
    Ok(())
}

/// `add-item-bulk` and `subscribe-bulk`.
async fn reference_bulk(
    a: args::ReferenceBulkArgs,
    name: &str,
    make: fn(v1::ItemDefinitionsBulkCommand) -> Mx,
    out: &Printer,
) -> anyhow::Result<()> {
    let item_definitions = items::references(&a.entries.items, a.entries.items_file.as_deref())?;
    let command = make(v1::ItemDefinitionsBulkCommand {
        server_handle: a.target.server_handle,
        item_definitions,
    });
    bulk(&a.connect, &a.target, name, vec![], command, out).await
}

/// `advise-item-bulk`, `unadvise-item-bulk`, `remove-item-bulk` and
/// `unsubscribe-bulk`.
async fn handle_bulk(
    a: args::HandleBulkArgs,
    name: &str,
    make: fn(v1::ItemHandlesBulkCommand) -> Mx,
    out: &Printer,
) -> anyhow::Result<()> {
    let item_handles = items::handles(&a.entries.item_handles, a.entries.items_file.as_deref())?;
    let command = make(v1::ItemHandlesBulkCommand {
        server_handle: a.target.server_handle,
        item_handles,
    });
    bulk(&a.connect, &a.target, name, vec![], command, out).await
}

/// The `(handle, wire value)` pairs of a bulk write.
fn write_entries(e: &args::WriteEntries) -> anyhow::Result<Vec<(i32, v1::MxValue)>> {
    items::handle_values(&e.items, e.items_file.as_deref(), e.value_type)?
        .into_iter()
        .map(|(handle, value)| Ok((handle, mxgateway_client::value::to_wire(&value)?)))
        .collect()
}

/// The `--timestamp` of a `2` bulk write.
fn bulk_timestamp(text: &str) -> anyhow::Result<prost_types::Timestamp> {
    let t = values::parse_timestamp(text).map_err(invalid_value)?;
    Ok(mxgateway_client::value::timestamp_to_wire(t))
}

/// A timestamp normalized to UTC.
fn timestamp_json(t: &prost_types::Timestamp) -> Json {
    Json::from(rfc3339::format(t.seconds, t.nanos))
}

/// Prints events as they arrive until `max_events` (0: no limit), the
/// timeout (0: none), Ctrl-C, or the end of the stream.
async fn stream_events(
    session: &Session,
    max_events: u32,
    timeout_ms: u64,
    out: &Printer,
) -> anyhow::Result<()> {
    let events = session.stream_events().await?;
    print_stream(events, max_events, timeout_ms, |e| {
        out.event(&event_json(e))
    })
    .await
}

/// The one loop of `stream-events`, `galaxy-watch` and `stream-alarms`:
/// prints each message of an open stream as one line (through `print`) until
/// `max_events` (0: no limit), the timeout (0: none, counted from now),
/// Ctrl-C, or the end of the stream, none of which is an error. Leaving
/// drops the stream, which cancels the call at the gateway.
async fn print_stream<S, T>(
    mut stream: S,
    max_events: u32,
    timeout_ms: u64,
    print: impl Fn(&T) -> std::io::Result<()>,
) -> anyhow::Result<()>
where
    S: futures::Stream<Item = Result<T, mxgateway_client::Error>> + Unpin,
{
    let deadline = deadline(timeout_ms);
    tokio::pin!(deadline);
    let interrupt = tokio::signal::ctrl_c();
    tokio::pin!(interrupt);
    let mut count: u32 = 0;
    while max_events == 0 || count < max_events {
        tokio::select! {
            next = stream.next() => match next {
                Some(Ok(message)) => {
                    print(&message)?;
                    count += 1;
                }
                Some(Err(e)) => return Err(e.into()),
                None => break,
            },
            () = &mut deadline => break,
            _ = &mut interrupt => break,
        }
    }
    // Dropping the stream cancels the call at the gateway.
    drop(stream);
    Ok(())
}

/// Sleeps for `ms` milliseconds, or forever for 0.
async fn deadline(ms: u64) {
    if ms == 0 {
        std::future::pending::<()>().await;
    } else {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
}

async fn smoke(a: args::SmokeArgs, out: &Printer) -> anyhow::Result<()> {
    let client = connect(&a.connect).await?;
    let session = client.open_session(&a.client_name).await?;
    let outcome = smoke_steps(&session, &a).await;
    // The session is closed whatever happened: a smoke test must not leak
    // sessions (and their workers) into the gateway.
    let closed = session.close().await;
    let (server_handle, item_handle, events) = match (outcome, closed) {
        (Ok(result), Ok(())) => result,
        (Ok(_), Err(close_error)) => {
            return Err(anyhow::Error::from(close_error)
                .context(format!("closing session {} failed", session.id())))
        }
        (Err(e), Ok(())) => return Err(e),
        (Err(e), Err(close_error)) => {
            // Reported, not swallowed; the first failure stays the error.
            eprintln!(
                "mxgw: warning: closing session {} failed: {close_error}",
                session.id()
            );
            return Err(e);
        }
    };
    out.result(&Json::obj([
        ("sessionId", Json::from(session.id())),
        ("clientName", Json::from(a.client_name.as_str())),
        ("item", Json::from(a.item.as_str())),
        ("serverHandle", Json::from(server_handle)),
        ("itemHandle", Json::from(item_handle)),
        ("events", Json::Arr(events.iter().map(event_json).collect())),
        ("closed", Json::from(true)),
    ]))?;
    Ok(())
}

async fn smoke_steps(
    session: &Session,
    a: &args::SmokeArgs,
) -> anyhow::Result<(i32, i32, Vec<v1::MxEvent>)> {
    let server_handle = session.register(&a.client_name).await.context("register")?;
    let item_handle = session
        .add_item(server_handle, &a.item)
        .await
        .context("add-item")?;
    session
        .advise(server_handle, item_handle)
        .await
        .context("advise")?;
    let mut collected = Vec::new();
    if a.max_events == 0 {
        return Ok((server_handle, item_handle, collected));
    }
    // Events raised before the stream opens wait in the session's queue, so
    // advising first loses nothing.
    let mut events = session.stream_events().await.context("stream-events")?;
    let deadline = deadline(a.timeout_ms);
    tokio::pin!(deadline);
    let want = a.max_events as usize;
    while collected.len() < want {
        tokio::select! {
            next = events.next() => match next {
                Some(Ok(event)) => collected.push(event),
                Some(Err(e)) => return Err(anyhow::Error::from(e).context("stream-events")),
                None => {
                    return Err(CliError::new(
                        "transport",
                        format!("the event stream ended after {} of {want} events", collected.len()),
                    )
                    .into())
                }
            },
            () = &mut deadline => {
                return Err(CliError::new(
                    "timeout",
                    format!(
                        "received {} of {want} events within {} ms",
                        collected.len(),
                        a.timeout_ms
                    ),
                )
                .into())
            }
        }
    }
    Ok((server_handle, item_handle, collected))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alarm_enum_names_drop_their_prefix_and_unknown_numbers_are_unrecognized() {
        assert_eq!(
            alarm_state_name(v1::AlarmState::UnackRtn as i32),
            "UNACK_RTN"
        );
        assert_eq!(alarm_state_name(0), "UNSPECIFIED");
        assert_eq!(alarm_state_name(99), "UNRECOGNIZED");
        assert_eq!(
            alarm_condition_name(v1::AlarmCondition::Lolo as i32),
            "LOLO"
        );
        assert_eq!(alarm_condition_name(-1), "UNRECOGNIZED");
        assert_eq!(
            alarm_event_kind_name(v1::AlarmEventKind::SnapshotEnd as i32),
            "SNAPSHOT_END"
        );
        assert_eq!(alarm_event_kind_name(7), "UNRECOGNIZED");
    }

    #[test]
    fn unset_alarm_fields_are_null_in_place() {
        let text = alarm_json(&v1::AlarmRecord::default()).render();
        assert_eq!(
            text,
            concat!(
                r#"{"reference":"","tagName":"","alarmName":"","area":"","sourceReference":"","#,
                r#""condition":"UNSPECIFIED","state":"UNSPECIFIED","priority":0,"category":"","#,
                r#""description":"","value":null,"limit":null,"quality":0,"timeAlarmOn":null,"#,
                r#""timeAlarmOff":null,"timeAlarmAcked":null,"ackOperator":"","ackComment":"","#,
                r#""transitionTime":null}"#
            )
        );
    }
}

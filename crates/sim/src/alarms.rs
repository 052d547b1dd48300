//! Simulated alarms: the alarm primitives a galaxy model declares, the records
//! the alarm feed carries, and the alarm query filter (`mxaccess-semantics.md`
//! §8).
//!
//! A System Platform runtime has no alarm events in MXAccess: an alarm is an
//! alarm primitive whose state is a set of sub-attributes (`.InAlarm`,
//! `.Acked`, `.AckMsg`, `.Priority`, `.TimeAlarmOn`...). The simulator does the
//! same: every alarm condition of the model compiles into ordinary points of its
//! object (so MXAccess sessions add, advise and write them like any attribute),
//! and the runtime (`plant/alarms.rs`) keeps them and the alarm feed in step,
//! under the one state lock, so the feed and the sub-attributes never disagree.
//!
//! Choices where the vendor's behaviour is not public (documented in
//! `docs/alarms.md`):
//! - HiHi/Hi are in alarm at or above the limit, Lo/LoLo at or below; leaving
//!   needs the value to be past the limit by more than the deadband.
//! - A value that is not a finite number never changes an alarm.
//! - Writing `.AckMsg` acknowledges; with galaxy security on, the writing user
//!   needs the `ack_alarms` permission (else 1014). Acknowledging an alarm that
//!   needs no acknowledgement is refused with 1015. A comment longer than 256
//!   characters is refused with 1004 (data out of range).

use std::sync::Arc;

use mxgateway_mx::{DataType, MxValue, SecurityClassification, Timestamp};

use crate::convert::Repr;
use crate::galaxy::{AttrMeta, Builtin, DEFAULT_SCAN_PERIOD_MS};
use crate::generator::Generator;
use crate::model::{AlarmsDef, AttributeDef, DiscreteAlarmDef, LimitAlarmDef};

/// The longest `.AckMsg` comment the runtime accepts (characters).
pub const MAX_ACK_COMMENT_CHARS: usize = 256;

/// The priority of an alarm whose model sets none.
pub const DEFAULT_ALARM_PRIORITY: i32 = 500;

/// The state of an alarm (see `proto/mxgateway/v1/alarms.proto`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AlarmState {
    /// In alarm, not acknowledged.
    UnackAlm,
    /// In alarm, acknowledged.
    AckAlm,
    /// Back to normal, not acknowledged.
    UnackRtn,
    /// Back to normal and acknowledged: the idle state.
    AckRtn,
}

impl AlarmState {
    /// Whether an alarm summary shows it (in alarm, or still unacknowledged).
    pub fn is_active(self) -> bool {
        self != AlarmState::AckRtn
    }

    /// Whether the condition holds (`.InAlarm`).
    pub fn in_alarm(self) -> bool {
        matches!(self, AlarmState::UnackAlm | AlarmState::AckAlm)
    }

    /// Whether it is acknowledged (`.Acked`).
    pub fn acked(self) -> bool {
        matches!(self, AlarmState::AckAlm | AlarmState::AckRtn)
    }

    /// The vendor's name (`UNACK_ALM`...).
    pub fn name(self) -> &'static str {
        match self {
            AlarmState::UnackAlm => "UNACK_ALM",
            AlarmState::AckAlm => "ACK_ALM",
            AlarmState::UnackRtn => "UNACK_RTN",
            AlarmState::AckRtn => "ACK_RTN",
        }
    }
}

/// What raises an alarm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AlarmCondition {
    HiHi,
    Hi,
    Lo,
    LoLo,
    Discrete,
}

impl AlarmCondition {
    /// The alarm primitive's name suffix (`Hi` in `Level.Hi`); none for discrete.
    fn suffix(self) -> Option<&'static str> {
        match self {
            AlarmCondition::HiHi => Some("HiHi"),
            AlarmCondition::Hi => Some("Hi"),
            AlarmCondition::Lo => Some("Lo"),
            AlarmCondition::LoLo => Some("LoLo"),
            AlarmCondition::Discrete => None,
        }
    }

    fn default_category(self) -> &'static str {
        match self {
            AlarmCondition::HiHi => "Value HiHi",
            AlarmCondition::Hi => "Value Hi",
            AlarmCondition::Lo => "Value Lo",
            AlarmCondition::LoLo => "Value LoLo",
            AlarmCondition::Discrete => "Discrete",
        }
    }

    fn default_description(self, attribute: &str) -> String {
        match self {
            AlarmCondition::HiHi => format!("{attribute} high high"),
            AlarmCondition::Hi => format!("{attribute} high"),
            AlarmCondition::Lo => format!("{attribute} low"),
            AlarmCondition::LoLo => format!("{attribute} low low"),
            AlarmCondition::Discrete => format!("{attribute} alarm"),
        }
    }

    /// True for the limit alarms that trip upwards.
    pub(crate) fn is_high(self) -> bool {
        matches!(self, AlarmCondition::HiHi | AlarmCondition::Hi)
    }
}

/// One sub-attribute of an alarm primitive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AlarmField {
    InAlarm,
    Acked,
    AckMsg,
    Priority,
    Category,
    Description,
    TimeAlarmOn,
    TimeAlarmOff,
    TimeAlarmAcked,
    Limit,
}

impl AlarmField {
    fn name(self) -> &'static str {
        match self {
            AlarmField::InAlarm => "InAlarm",
            AlarmField::Acked => "Acked",
            AlarmField::AckMsg => "AckMsg",
            AlarmField::Priority => "Priority",
            AlarmField::Category => "Category",
            AlarmField::Description => "Description",
            AlarmField::TimeAlarmOn => "TimeAlarmOn",
            AlarmField::TimeAlarmOff => "TimeAlarmOff",
            AlarmField::TimeAlarmAcked => "TimeAlarmAcked",
            AlarmField::Limit => "Limit",
        }
    }
}

/// Attribute indexes (in the object's schema) of one alarm's sub-attributes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AlarmFields {
    pub in_alarm: u16,
    pub acked: u16,
    pub ack_msg: u16,
    pub priority: u16,
    pub time_on: u16,
    pub time_off: u16,
    pub time_acked: u16,
    pub category: u16,
    pub description: u16,
    pub limit: Option<u16>,
}

/// One alarm primitive of a schema.
#[derive(Debug)]
pub(crate) struct AlarmMeta {
    /// `Level.Hi`, or the attribute's own name for a discrete alarm.
    pub name: Box<str>,
    pub condition: AlarmCondition,
    /// For discrete alarms: the value that is the alarm state.
    pub discrete_state: bool,
    pub deadband: f64,
    /// The watched attribute.
    pub source: u16,
    pub fields: AlarmFields,
}

/// Compiles the alarms of attribute `def` (already compiled at index `source`
/// of `attrs`): appends their sub-attributes to `attrs` and their primitives to
/// `alarms`. Problems are returned as text for the caller to prefix.
pub(crate) fn compile_alarms(
    def: &AttributeDef,
    alarms_def: &AlarmsDef,
    source: u16,
    attrs: &mut Vec<AttrMeta>,
    alarms: &mut Vec<AlarmMeta>,
) -> Result<(), String> {
    let src = &attrs[usize::from(source)];
    let (data_type, repr, is_array) = (src.data_type, src.repr, src.array_len.is_some());
    let limits = [
        (AlarmCondition::HiHi, &alarms_def.hihi),
        (AlarmCondition::Hi, &alarms_def.hi),
        (AlarmCondition::Lo, &alarms_def.lo),
        (AlarmCondition::LoLo, &alarms_def.lolo),
    ];
    let any_limit = limits.iter().any(|(_, d)| d.is_some());
    if is_array {
        return Err("alarms need a scalar attribute".into());
    }
    if any_limit && !matches!(repr, Repr::Int | Repr::Float | Repr::Double) {
        return Err(format!(
            "limit alarms need an Integer, Float or Double attribute, not {}",
            data_type.name()
        ));
    }
    if alarms_def.discrete.is_some() && repr != Repr::Bool {
        return Err(format!(
            "a discrete alarm needs a Boolean attribute, not {}",
            data_type.name()
        ));
    }
    for (condition, limit_def) in limits {
        let Some(l) = limit_def else { continue };
        check_limit(l).map_err(|e| format!("alarm {}: {e}", condition_key(condition)))?;
        let props = AlarmProps {
            priority: l.priority,
            category: l.category.as_deref(),
            description: l.description.as_deref(),
        };
        let meta = push_alarm(
            &def.name,
            condition,
            &props,
            source,
            Some((repr, data_type, l.limit)),
            attrs,
        )
        .map_err(|e| format!("alarm {}: {e}", condition_key(condition)))?;
        alarms.push(AlarmMeta {
            deadband: l.deadband.unwrap_or(0.0),
            ..meta
        });
    }
    if let Some(d) = &alarms_def.discrete {
        let DiscreteAlarmDef {
            state,
            priority,
            category,
            description,
        } = d;
        let props = AlarmProps {
            priority: *priority,
            category: category.as_deref(),
            description: description.as_deref(),
        };
        let meta = push_alarm(
            &def.name,
            AlarmCondition::Discrete,
            &props,
            source,
            None,
            attrs,
        )
        .map_err(|e| format!("alarm discrete: {e}"))?;
        alarms.push(AlarmMeta {
            discrete_state: state.unwrap_or(true),
            ..meta
        });
    }
    Ok(())
}

fn condition_key(c: AlarmCondition) -> &'static str {
    match c {
        AlarmCondition::HiHi => "hihi",
        AlarmCondition::Hi => "hi",
        AlarmCondition::Lo => "lo",
        AlarmCondition::LoLo => "lolo",
        AlarmCondition::Discrete => "discrete",
    }
}

fn check_limit(l: &LimitAlarmDef) -> Result<(), String> {
    if !l.limit.is_finite() {
        return Err("the limit must be a finite number".into());
    }
    if let Some(d) = l.deadband {
        if !d.is_finite() || d < 0.0 {
            return Err("the deadband must be a finite number >= 0".into());
        }
    }
    Ok(())
}

struct AlarmProps<'a> {
    priority: Option<i32>,
    category: Option<&'a str>,
    description: Option<&'a str>,
}

fn push_alarm(
    attribute: &str,
    condition: AlarmCondition,
    props: &AlarmProps<'_>,
    source: u16,
    limit: Option<(Repr, DataType, f64)>,
    attrs: &mut Vec<AttrMeta>,
) -> Result<AlarmMeta, String> {
    let priority = props.priority.unwrap_or(DEFAULT_ALARM_PRIORITY);
    if !(1..=999).contains(&priority) {
        return Err(format!("priority {priority} is not within 1..=999"));
    }
    let name: Box<str> = match condition.suffix() {
        Some(s) => format!("{attribute}.{s}").into(),
        None => attribute.into(),
    };
    let alarm = alarms_index_placeholder();
    let mut add = |field: AlarmField,
                   data_type: DataType,
                   repr: Repr,
                   initial: MxValue,
                   security: SecurityClassification,
                   writable: bool|
     -> u16 {
        attrs.push(AttrMeta {
            name: format!("{name}.{}", field.name()).into(),
            data_type,
            repr,
            array_len: None,
            security,
            writable,
            initial,
            generator: Generator::Static,
            scan_period_ms: DEFAULT_SCAN_PERIOD_MS,
            builtin: Some(Builtin::Alarm { alarm, field }),
            alarm_sources: Box::default(),
        });
        (attrs.len() - 1) as u16
    };
    let never = MxValue::Time(Timestamp::default());
    let ro = SecurityClassification::ViewOnly;
    let fields = AlarmFields {
        in_alarm: add(
            AlarmField::InAlarm,
            DataType::Boolean,
            Repr::Bool,
            MxValue::Bool(false),
            ro,
            false,
        ),
        acked: add(
            AlarmField::Acked,
            DataType::Boolean,
            Repr::Bool,
            MxValue::Bool(true),
            ro,
            false,
        ),
        ack_msg: add(
            AlarmField::AckMsg,
            DataType::String,
            Repr::Str,
            MxValue::String(String::new()),
            SecurityClassification::FreeAccess,
            true,
        ),
        priority: add(
            AlarmField::Priority,
            DataType::Integer,
            Repr::Int,
            MxValue::Int32(priority),
            SecurityClassification::Tune,
            true,
        ),
        category: add(
            AlarmField::Category,
            DataType::String,
            Repr::Str,
            MxValue::String(
                props
                    .category
                    .unwrap_or(condition.default_category())
                    .to_string(),
            ),
            ro,
            false,
        ),
        description: add(
            AlarmField::Description,
            DataType::String,
            Repr::Str,
            MxValue::String(
                props
                    .description
                    .map(str::to_string)
                    .unwrap_or_else(|| condition.default_description(attribute)),
            ),
            ro,
            false,
        ),
        time_on: add(
            AlarmField::TimeAlarmOn,
            DataType::Time,
            Repr::Time,
            never.clone(),
            ro,
            false,
        ),
        time_off: add(
            AlarmField::TimeAlarmOff,
            DataType::Time,
            Repr::Time,
            never.clone(),
            ro,
            false,
        ),
        time_acked: add(
            AlarmField::TimeAlarmAcked,
            DataType::Time,
            Repr::Time,
            never,
            ro,
            false,
        ),
        limit: limit.map(|(repr, data_type, value)| {
            add(
                AlarmField::Limit,
                data_type,
                repr,
                repr.number(value),
                SecurityClassification::Tune,
                true,
            )
        }),
    };
    Ok(AlarmMeta {
        name,
        condition,
        discrete_state: true,
        deadband: 0.0,
        source,
        fields,
    })
}

/// Alarm indexes are fixed up by [`number_alarms`] once the schema's alarm
/// list is complete; until then sub-attributes carry this placeholder.
fn alarms_index_placeholder() -> u16 {
    u16::MAX
}

/// Points every alarm sub-attribute at its alarm and every source attribute at
/// the alarms that watch it (run once per schema, after all alarms compiled).
pub(crate) fn number_alarms(attrs: &mut [AttrMeta], alarms: &[AlarmMeta]) {
    let mut sources: Vec<Vec<u16>> = vec![Vec::new(); attrs.len()];
    for (i, alarm) in alarms.iter().enumerate() {
        let i = i as u16;
        sources[usize::from(alarm.source)].push(i);
        let f = alarm.fields;
        let members = [
            f.in_alarm,
            f.acked,
            f.ack_msg,
            f.priority,
            f.time_on,
            f.time_off,
            f.time_acked,
            f.category,
            f.description,
        ];
        for a in members.into_iter().chain(f.limit) {
            if let Some(Builtin::Alarm { alarm, .. }) = &mut attrs[usize::from(a)].builtin {
                *alarm = i;
            }
        }
    }
    for (meta, s) in attrs.iter_mut().zip(sources) {
        if !s.is_empty() {
            meta.alarm_sources = s.into_boxed_slice();
        }
    }
}

// === records ===

/// One alarm as the feed and the queries report it.
#[derive(Debug, Clone, PartialEq)]
pub struct AlarmRecord {
    /// `TagName.AlarmName` (`Tank_001.Level.Hi`).
    pub reference: String,
    pub tag_name: String,
    /// `Level.Hi`.
    pub alarm_name: String,
    /// The object's area tag name, empty when it has none.
    pub area: String,
    /// The area and every area above it, nearest first (for alarm queries).
    pub area_path: Arc<[Box<str>]>,
    /// `Tank_001.Level`.
    pub source_reference: String,
    pub condition: AlarmCondition,
    pub state: AlarmState,
    pub priority: i32,
    pub category: String,
    pub description: String,
    /// The source attribute's value.
    pub value: MxValue,
    /// The source attribute's data type (also the limit's).
    pub data_type: DataType,
    /// The limit, for limit alarms.
    pub limit: Option<MxValue>,
    /// The quality of `.InAlarm` (that of the source attribute).
    pub quality: i32,
    pub time_alarm_on: Option<Timestamp>,
    pub time_alarm_off: Option<Timestamp>,
    pub time_alarm_acked: Option<Timestamp>,
    pub ack_operator: String,
    pub ack_comment: String,
    /// When the alarm entered its current state.
    pub transition_time: Timestamp,
}

impl AlarmRecord {
    /// The order of an alarm summary: most urgent priority first, then the
    /// oldest occurrence, then the reference.
    pub fn summary_order(a: &AlarmRecord, b: &AlarmRecord) -> std::cmp::Ordering {
        a.priority
            .cmp(&b.priority)
            .then(a.time_alarm_on.cmp(&b.time_alarm_on))
            .then_with(|| a.reference.cmp(&b.reference))
    }
}

// === filter ===

/// A parsed alarm filter: queries in the System Platform alarm query syntax
/// plus a priority range (see [`AlarmFilter::parse`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AlarmFilter {
    queries: Vec<AlarmQuery>,
    min_priority: Option<i32>,
    max_priority: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct AlarmQuery {
    /// Lower-cased provider part after `Galaxy_`, when given.
    galaxy: Option<String>,
    /// Lower-cased area tag name.
    area: String,
    pattern: Option<NamePattern>,
}

/// `*` at the start, the end, both, or neither (case-insensitive).
#[derive(Debug, Clone, PartialEq, Eq)]
enum NamePattern {
    Exact(String),
    Prefix(String),
    Suffix(String),
    Contains(String),
}

impl NamePattern {
    fn parse(text: &str) -> Result<NamePattern, String> {
        let lower = text.to_lowercase();
        let (starts, ends) = (lower.starts_with('*'), lower.ends_with('*'));
        let core = lower.trim_start_matches('*').trim_end_matches('*');
        if core.contains('*') {
            return Err(format!(
                "alarm filter {text:?}: '*' is allowed only at the start or the end"
            ));
        }
        let core = core.to_string();
        Ok(match (starts, ends) {
            (false, false) => NamePattern::Exact(core),
            (false, true) => NamePattern::Prefix(core),
            (true, false) => NamePattern::Suffix(core),
            (true, true) => NamePattern::Contains(core),
        })
    }

    fn matches(&self, lower: &str) -> bool {
        match self {
            NamePattern::Exact(s) => lower == s,
            NamePattern::Prefix(s) => lower.starts_with(s.as_str()),
            NamePattern::Suffix(s) => lower.ends_with(s.as_str()),
            NamePattern::Contains(s) => lower.contains(s.as_str()),
        }
    }
}

impl AlarmFilter {
    /// Parses alarm queries and a priority range (0 = open).
    ///
    /// Accepted query forms (case-insensitive): `\Galaxy!Area`,
    /// `\\Node\Galaxy!Area` (any node), `\Galaxy_<GalaxyName>!Area`, each
    /// optionally followed by `!Filter` where the filter matches the alarm
    /// reference (`Tank_001.Level.Hi`) or the alarm's tag name and may have
    /// `*` at its start or end. An area includes its sub-areas.
    pub fn parse(
        queries: &[String],
        min_priority: u32,
        max_priority: u32,
    ) -> Result<AlarmFilter, String> {
        let prio = |p: u32, what: &str| -> Result<Option<i32>, String> {
            match p {
                0 => Ok(None),
                1..=999 => Ok(Some(p as i32)),
                _ => Err(format!("{what} {p} is not within 1..=999 (0 = open)")),
            }
        };
        let min_priority = prio(min_priority, "min_priority")?;
        let max_priority = prio(max_priority, "max_priority")?;
        if let (Some(lo), Some(hi)) = (min_priority, max_priority) {
            if lo > hi {
                return Err(format!("min_priority {lo} is above max_priority {hi}"));
            }
        }
        let queries = queries
            .iter()
            .map(|q| parse_query(q))
            .collect::<Result<_, _>>()?;
        Ok(AlarmFilter {
            queries,
            min_priority,
            max_priority,
        })
    }

    /// Whether `record` of galaxy `galaxy_name` passes the filter.
    pub fn matches(&self, galaxy_name: &str, record: &AlarmRecord) -> bool {
        if self.min_priority.is_some_and(|p| record.priority < p)
            || self.max_priority.is_some_and(|p| record.priority > p)
        {
            return false;
        }
        if self.queries.is_empty() {
            return true;
        }
        let reference = record.reference.to_lowercase();
        let tag = record.tag_name.to_lowercase();
        self.queries.iter().any(|q| {
            q.galaxy
                .as_deref()
                .is_none_or(|g| g.eq_ignore_ascii_case(galaxy_name))
                && record
                    .area_path
                    .iter()
                    .any(|a| a.eq_ignore_ascii_case(&q.area))
                && q.pattern
                    .as_ref()
                    .is_none_or(|p| p.matches(&reference) || p.matches(&tag))
        })
    }
}

fn parse_query(text: &str) -> Result<AlarmQuery, String> {
    let bad = |why: &str| {
        format!(
            "alarm query {text:?}: {why} (expected \\Galaxy!Area or \\Galaxy!Area!Filter, see docs/alarms.md)"
        )
    };
    let t = text.trim();
    // `\\Node\Provider!...` or `\Provider!...`.
    let rest = if let Some(r) = t.strip_prefix("\\\\") {
        let (node, r) = r
            .split_once('\\')
            .ok_or_else(|| bad("no provider after the node"))?;
        if node.is_empty() {
            return Err(bad("the node name is empty"));
        }
        r
    } else {
        t.strip_prefix('\\')
            .ok_or_else(|| bad("a query starts with '\\'"))?
    };
    let mut parts = rest.split('!');
    let provider = parts.next().unwrap_or_default();
    let area = parts.next().ok_or_else(|| bad("no area"))?;
    let pattern = parts.next();
    if parts.next().is_some() {
        return Err(bad("too many '!'"));
    }
    let galaxy = if provider.eq_ignore_ascii_case("Galaxy") {
        None
    } else if provider.len() > 7 && provider[..7].eq_ignore_ascii_case("Galaxy_") {
        Some(provider[7..].to_lowercase())
    } else {
        return Err(bad("the provider is `Galaxy` or `Galaxy_<GalaxyName>`"));
    };
    if area.is_empty() {
        return Err(bad("the area is empty"));
    }
    let pattern = match pattern {
        None => None,
        Some("") => return Err(bad("the filter is empty")),
        Some(p) => Some(NamePattern::parse(p)?),
    };
    Ok(AlarmQuery {
        galaxy,
        area: area.to_lowercase(),
        pattern,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(reference: &str, areas: &[&str], priority: i32) -> AlarmRecord {
        let (tag, alarm) = reference.split_once('.').unwrap();
        AlarmRecord {
            reference: reference.into(),
            tag_name: tag.into(),
            alarm_name: alarm.into(),
            area: areas.first().copied().unwrap_or_default().into(),
            area_path: areas.iter().map(|a| Box::from(*a)).collect(),
            source_reference: String::new(),
            condition: AlarmCondition::Hi,
            state: AlarmState::UnackAlm,
            priority,
            category: String::new(),
            description: String::new(),
            value: MxValue::Empty,
            data_type: DataType::Double,
            limit: None,
            quality: 192,
            time_alarm_on: None,
            time_alarm_off: None,
            time_alarm_acked: None,
            ack_operator: String::new(),
            ack_comment: String::new(),
            transition_time: Timestamp::default(),
        }
    }

    fn filter(queries: &[&str]) -> AlarmFilter {
        let q: Vec<String> = queries.iter().map(|s| s.to_string()).collect();
        AlarmFilter::parse(&q, 0, 0).unwrap()
    }

    #[test]
    fn queries_select_areas_with_sub_areas_and_filters() {
        let tank = record("Tank_001.Level.Hi", &["TankFarm", "Site"], 500);
        let pump = record("Pump_001.Fault", &["Pumps", "Site"], 100);
        assert!(filter(&[]).matches("ZB", &tank));
        assert!(filter(&[r"\Galaxy!TankFarm"]).matches("ZB", &tank));
        assert!(!filter(&[r"\Galaxy!TankFarm"]).matches("ZB", &pump));
        assert!(
            filter(&[r"\Galaxy!site"]).matches("ZB", &pump),
            "sub-areas count"
        );
        assert!(filter(&[r"\\grnode\Galaxy!TankFarm"]).matches("ZB", &tank));
        assert!(filter(&[r"\Galaxy_ZB!TankFarm"]).matches("zb", &tank));
        assert!(!filter(&[r"\Galaxy_Other!TankFarm"]).matches("ZB", &tank));
        assert!(filter(&[r"\Galaxy!TankFarm!Tank_*"]).matches("ZB", &tank));
        assert!(filter(&[r"\Galaxy!TankFarm!*.hi"]).matches("ZB", &tank));
        assert!(filter(&[r"\Galaxy!TankFarm!tank_001"]).matches("ZB", &tank));
        assert!(!filter(&[r"\Galaxy!TankFarm!Pump*"]).matches("ZB", &tank));
        assert!(filter(&[r"\Galaxy!Pumps", r"\Galaxy!TankFarm"]).matches("ZB", &tank));
    }

    #[test]
    fn malformed_queries_are_refused_with_the_reason() {
        for q in [
            "Galaxy!Area",
            r"\Galaxy",
            r"\Galaxy!",
            r"\Other!Area",
            r"\Galaxy!Area!Ta*nk",
            r"\Galaxy!Area!",
            r"\Galaxy!A!B!C",
            r"\\\Galaxy!Area",
        ] {
            let err = AlarmFilter::parse(&[q.to_string()], 0, 0).unwrap_err();
            assert!(err.contains("alarm"), "{q}: {err}");
        }
    }

    #[test]
    fn priority_ranges_are_inclusive_and_checked() {
        let f = AlarmFilter::parse(&[], 100, 500).unwrap();
        assert!(f.matches("ZB", &record("T.A", &[], 100)));
        assert!(f.matches("ZB", &record("T.A", &[], 500)));
        assert!(!f.matches("ZB", &record("T.A", &[], 501)));
        assert!(!f.matches("ZB", &record("T.A", &[], 99)));
        assert!(AlarmFilter::parse(&[], 1000, 0).is_err());
        assert!(AlarmFilter::parse(&[], 600, 500).is_err());
    }
}

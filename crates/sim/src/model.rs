//! The galaxy model file: the serde schema of the human-editable TOML that defines a
//! simulated galaxy (see `docs/galaxy-model.md` for the format with examples).
//!
//! These types are a faithful image of the file and are validated only when a
//! [`crate::Plant`] compiles them (`galaxy.rs`), so that every problem in a file is
//! reported at once with its location. Most fields are optional so that an
//! instance can override single properties of an inherited attribute, and so that
//! later additions (alarm conditions, deploys) stay backwards compatible.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::ModelError;

/// The demo galaxy shipped with the project (`galaxies/demo.toml`).
pub const DEMO_GALAXY_TOML: &str = include_str!("../../../galaxies/demo.toml");

/// A whole galaxy: users, the deployment topology, templates and instances.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GalaxyModel {
    /// The galaxy name (the Galaxy Repository database name on a real node).
    pub galaxy: String,
    /// When false, security classifications other than ViewOnly do not restrict
    /// writes and `AuthenticateUser` accepts any credentials (as real galaxies do).
    #[serde(default)]
    pub security_enabled: bool,
    /// Scan period for attributes that set none themselves (1000 ms when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_scan_period_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<UserDef>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub platforms: Vec<PlatformDef>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub engines: Vec<EngineDef>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub areas: Vec<AreaDef>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub templates: Vec<TemplateDef>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub objects: Vec<ObjectDef>,
}

/// A galaxy user for `AuthenticateUser` and secured/verified writes.
///
/// The password is plaintext because this is a demo simulator; `Debug` redacts it.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserDef {
    pub name: String,
    #[serde(default)]
    pub password: String,
    /// The ArchestrA user GUID; derived from the name when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
    #[serde(default)]
    pub permissions: Vec<Permission>,
}

impl std::fmt::Debug for UserDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserDef")
            .field("name", &self.name)
            .field("password", &"<redacted>")
            .field("guid", &self.guid)
            .field("full_name", &self.full_name)
            .field("permissions", &self.permissions)
            .finish()
    }
}

/// What a user may do; the security classification of an attribute names the
/// permission a write needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    Operate,
    Tune,
    Configure,
    /// "Can verify writes": may act as the verifier of a VerifiedWrite.
    Verify,
    AckAlarms,
}

/// A `$WinPlatform`: hosts engines.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlatformDef {
    pub name: String,
    /// The node (computer) name, for browse output.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
}

/// An `$AppEngine`: hosts areas, is hosted by a platform.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EngineDef {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
}

/// An `$Area`: groups objects, is hosted by an engine, may sit in a parent area.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AreaDef {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
}

/// A template (`$`-prefixed name). Its attributes are inherited by templates
/// derived from it and by its instances.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateDef {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub derived_from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scan_period_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<AttributeDef>,
}

/// A deployed instance (an automation object).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectDef {
    pub tag_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    /// The area; contained objects default to their container's area.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area: Option<String>,
    /// The tag name of the parent object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    /// The name inside the container; defaults to the tag name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contained_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scan_period_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// New attributes, or overrides of inherited ones (matched by name).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<AttributeDef>,
}

/// An attribute, or an override of an inherited attribute of the same name: every
/// property that is set replaces the inherited one. `type` is required once the
/// whole chain is merged.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttributeDef {
    /// May contain dots (`Level.Hi`).
    pub name: String,
    /// A `DataType::name()`: Boolean, Integer, Float, Double, String, Time, ElapsedTime, ...
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub data_type: Option<String>,
    /// Array length; absent for scalars.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub array: Option<u32>,
    /// A `SecurityClassification::name()`; FreeAccess when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security: Option<String>,
    /// Whether clients may write it at all; true when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub writable: Option<bool>,
    /// The initial value; the type's zero value when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<toml::Value>,
    /// How the value changes on its own; `static` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generator: Option<GeneratorDef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scan_period_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Alarm conditions on this attribute (limit alarms on Integer, Float and
    /// Double scalars, a discrete alarm on a Boolean scalar). An override
    /// replaces the inherited set as a whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alarms: Option<AlarmsDef>,
}

/// The alarm conditions of one attribute `X`. Each becomes an alarm primitive
/// with the sub-attributes of `mxaccess-semantics.md` §8: limit alarms are
/// named `X.HiHi`, `X.Hi`, `X.Lo` and `X.LoLo` (with a writable `.Limit`),
/// the discrete alarm is named `X` itself.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlarmsDef {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hihi: Option<LimitAlarmDef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hi: Option<LimitAlarmDef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lo: Option<LimitAlarmDef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lolo: Option<LimitAlarmDef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discrete: Option<DiscreteAlarmDef>,
}

/// A limit alarm: HiHi and Hi are in alarm while the value is at or above the
/// limit, Lo and LoLo while it is at or below; leaving the alarm needs the
/// value to pass the limit by more than `deadband`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitAlarmDef {
    pub limit: f64,
    /// 1 (most urgent) to 999; 500 when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<i32>,
    /// "Value HiHi", "Value Hi", "Value Lo" or "Value LoLo" when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// The alarm message; "<tag name> <attribute> <condition>" when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Hysteresis in the attribute's units (>= 0); 0 when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadband: Option<f64>,
}

/// A discrete alarm on a Boolean attribute: in alarm while the value equals
/// `state` (true when absent).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiscreteAlarmDef {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<i32>,
    /// "Discrete" when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A signal generator: how an attribute changes on every scan of its period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum GeneratorDef {
    /// Changes only by writes.
    Static,
    Sine(SineDef),
    Ramp(RampDef),
    RandomWalk(RandomWalkDef),
    Square(SquareDef),
    Counter(CounterDef),
    /// Cycles through a list of values, one per scan.
    Sequence(SequenceDef),
    /// The current time on every scan (Time attributes).
    Clock,
}

/// `offset + amplitude * sin(2π t / period + phase)`, a function of scan time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SineDef {
    pub amplitude: f64,
    pub offset: f64,
    pub period_ms: u64,
    pub phase_deg: f64,
}

impl Default for SineDef {
    fn default() -> Self {
        SineDef {
            amplitude: 1.0,
            offset: 0.0,
            period_ms: 60_000,
            phase_deg: 0.0,
        }
    }
}

/// Adds `step` per scan to the current value, wrapping from past `max` to `min`
/// (or from below `min` to `max` for negative steps).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RampDef {
    pub min: f64,
    pub max: f64,
    pub step: f64,
}

impl Default for RampDef {
    fn default() -> Self {
        RampDef {
            min: 0.0,
            max: 100.0,
            step: 1.0,
        }
    }
}

/// Adds a deterministic pseudo-random amount in `[-step, step]` per scan, clamped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RandomWalkDef {
    pub min: f64,
    pub max: f64,
    pub step: f64,
    /// Mixed with the attribute's position in the galaxy, so instances of one
    /// template walk differently.
    pub seed: u64,
}

impl Default for RandomWalkDef {
    fn default() -> Self {
        RandomWalkDef {
            min: 0.0,
            max: 100.0,
            step: 1.0,
            seed: 0,
        }
    }
}

/// `high` for the first half of each period, `low` for the second (true/false
/// for Boolean attributes), a function of scan time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SquareDef {
    pub low: f64,
    pub high: f64,
    pub period_ms: u64,
}

impl Default for SquareDef {
    fn default() -> Self {
        SquareDef {
            low: 0.0,
            high: 1.0,
            period_ms: 10_000,
        }
    }
}

/// Adds `step` per scan to the current value; past `max` it restarts at `min`
/// (0 when absent).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CounterDef {
    pub step: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
}

impl Default for CounterDef {
    fn default() -> Self {
        CounterDef {
            step: 1.0,
            min: None,
            max: None,
        }
    }
}

/// Values in the attribute's type, cycled through one per scan.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SequenceDef {
    pub values: Vec<toml::Value>,
}

// === impl GalaxyModel ===

impl GalaxyModel {
    /// Parses a model from TOML text. `origin` names the text in errors (a path,
    /// or something like `"<embedded demo>"`). Only the syntax and the schema are
    /// checked here; consistency is checked by [`crate::Plant::new`].
    pub fn from_toml_str(text: &str, origin: &str) -> Result<GalaxyModel, ModelError> {
        toml::from_str(text).map_err(|e| ModelError::Parse {
            origin: origin.to_string(),
            source: Box::new(e),
        })
    }

    /// Reads and parses a model file.
    pub fn load(path: &Path) -> Result<GalaxyModel, ModelError> {
        let text = std::fs::read_to_string(path).map_err(|e| ModelError::Read {
            path: path.to_path_buf(),
            source: e,
        })?;
        Self::from_toml_str(&text, &path.display().to_string())
    }

    /// The demo galaxy (`galaxies/demo.toml`, embedded at build time).
    pub fn demo() -> GalaxyModel {
        // The demo file is part of the crate and covered by tests, so a parse
        // failure is a build defect, not a runtime condition.
        Self::from_toml_str(DEMO_GALAXY_TOML, "galaxies/demo.toml (embedded)")
            .expect("the embedded demo galaxy parses")
    }

    /// Renders the model as TOML (e.g. to save a generated galaxy for inspection).
    pub fn to_toml_string(&self) -> Result<String, toml::ser::Error> {
        toml::to_string(self)
    }

    /// Checks the model without starting a plant; returns every problem found.
    pub fn validate(&self) -> Result<(), ModelError> {
        crate::galaxy::Galaxy::compile(self, "<model>").map(|_| ())
    }
}

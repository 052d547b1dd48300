//! The simulated galaxy ("plant"): a human-editable model file, a demo galaxy, a
//! generator for large galaxies, and one shared runtime with MXAccess semantics
//! (reference resolution, statuses, qualities, security, signal generators, fault
//! injection).
//!
//! Layout:
//! - `model`: the TOML schema ([`GalaxyModel`]); `generate`: large galaxies.
//! - `galaxy`: validation and compilation into objects, shared schemas and points.
//! - `reference`: item reference resolution (the grammar of `mxaccess-semantics.md`
//!   §5: names, relative anchors, arrays, properties, bit fields, `_Attributes`).
//! - `convert`, `generator`, `security`: value conversion, signal generators, users
//!   and write rules.
//! - `plant`: the runtime ([`Plant`], [`Connection`], [`Updates`]); its
//!   `alarms` submodule runs alarm conditions and the alarm feed.
//! - `alarms`: alarm primitives, alarm records and the alarm query filter.
//!
//! This crate is domain logic only: no wire formats. The plant link crate exposes it
//! to workers; `docs/galaxy-model.md` documents the file format and the conventions.
//!
//! # Deploys
//!
//! [`Plant::deploy`] replaces the running galaxy with a new model while the plant
//! runs, as a System Platform deploy would. An invalid model is refused with every
//! problem listed, and nothing changes. A valid one is swapped in atomically:
//!
//! - Attributes that exist before and after (same object tag name, same attribute
//!   name, same data type and shape) keep their value, timestamp and quality;
//!   every other attribute starts at its initial value from the new model.
//! - Every subscription is resolved again from its reference and context, and gets
//!   one update exactly when what it sees changes: the configuration failure a
//!   fresh subscription would get when it no longer resolves (quality 4; detail 12
//!   for an unknown object, 11 for an unknown attribute), its current value when it
//!   resolves now and did not before, the new value when its attribute was reset.
//!   Subscriptions whose attribute carried over get nothing.
//! - New objects scan at their periods, removed ones stop; [`Plant::run`] notices
//!   at once. Scan groups of a period that exists before and after keep their
//!   schedule and scan count, so time-based generators continue smoothly.
//! - Off-scan faults stay on objects that survive; a runtime disconnect stays.
//! - Users and security apply from the next call. A user id authenticated before
//!   stays valid on its connection only if the new model gives that id to the same
//!   user (same name and GUID); otherwise the user authenticates again.
//!
//! The galaxy a plant is built with counts as deployed once, when the plant was
//! built: [`DeployInfo`] generation 1. Each deploy adds one to the generation, sets
//! a strictly later `time_of_last_deploy`, and publishes exactly one new value to
//! every [`Plant::watch_deploys`] receiver.

#![forbid(unsafe_code)]

mod alarms;
mod convert;
mod error;
mod galaxy;
mod generate;
mod generator;
mod model;
mod plant;
mod reference;
mod security;
mod sub_table;

pub use alarms::{
    AlarmCondition, AlarmFilter, AlarmRecord, AlarmState, DEFAULT_ALARM_PRIORITY,
    MAX_ACK_COMMENT_CHARS,
};
pub use error::{AlarmAckError, AuthError, ModelError, PlantError};
pub use galaxy::{DEFAULT_SCAN_PERIOD_MS, MAX_ARRAY_LEN, MAX_IDENTIFIER_LEN, SCAN_STATE};
pub use generate::{
    generated_attribute_name, generated_tag_name, GENERATED_AREAS, GENERATED_TEMPLATE,
};
pub use model::{
    AlarmsDef, AreaDef, AttributeDef, CounterDef, DiscreteAlarmDef, EngineDef, GalaxyModel,
    GeneratorDef, LimitAlarmDef, ObjectDef, Permission, PlatformDef, RampDef, RandomWalkDef,
    SequenceDef, SineDef, SquareDef, TemplateDef, UserDef, DEMO_GALAXY_TOML,
};
pub use plant::{
    AlarmFeed, AlarmFeedEvent, AlarmSnapshot, Connection, DeployInfo, Plant, PlantConfig,
    PlantStats, Update, Updates, WriteRequest, DEFAULT_ALARM_FEED_CAPACITY, DEFAULT_QUEUE_CAPACITY,
};
pub use reference::ATTRIBUTE_LIST;
pub use security::{FIRST_USER_ID, OPEN_SECURITY_USER_ID};

#[cfg(test)]
mod tests;

//! The simulated galaxy ("plant"): a human-editable model file, a demo galaxy, a
//! generator for large galaxies, and one shared runtime with MXAccess semantics
//! (reference resolution, statuses, qualities, security, signal generators, fault
//! injection).
//!
//! Layout:
//! - `model`: the TOML schema ([`GalaxyModel`]); `generate`: large galaxies.
//! - `galaxy`: validation and compilation into objects, shared schemas and points.
//! - `reference`: item reference resolution (grows into the full grammar).
//! - `convert`, `generator`, `security`: value conversion, signal generators, users
//!   and write rules.
//! - `plant`: the runtime ([`Plant`], [`Connection`], [`Updates`]).
//!
//! This crate is domain logic only: no wire formats. The plant link crate exposes it
//! to workers; `docs/galaxy-model.md` documents the file format and the conventions.

#![forbid(unsafe_code)]

mod convert;
mod error;
mod galaxy;
mod generate;
mod generator;
mod model;
mod plant;
mod reference;
mod security;

pub use error::{AuthError, ModelError, PlantError};
pub use galaxy::{DEFAULT_SCAN_PERIOD_MS, MAX_ARRAY_LEN, MAX_IDENTIFIER_LEN, SCAN_STATE};
pub use generate::{
    generated_attribute_name, generated_tag_name, GENERATED_AREAS, GENERATED_TEMPLATE,
};
pub use model::{
    AreaDef, AttributeDef, CounterDef, EngineDef, GalaxyModel, GeneratorDef, ObjectDef, Permission,
    PlatformDef, RampDef, RandomWalkDef, SequenceDef, SineDef, SquareDef, TemplateDef, UserDef,
    DEMO_GALAXY_TOML,
};
pub use plant::{
    Connection, Plant, PlantConfig, PlantStats, Update, Updates, WriteRequest,
    DEFAULT_QUEUE_CAPACITY,
};
pub use security::{FIRST_USER_ID, OPEN_SECURITY_USER_ID};

#[cfg(test)]
mod tests;

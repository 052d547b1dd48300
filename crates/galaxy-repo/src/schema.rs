//! The ZB-shaped schema of the embedded SQLite copy.
//!
//! Tables and column names follow the real Galaxy Repository (`mxaccess-semantics.md`
//! §7), restricted to what the hierarchy queries and a faithful picture of a galaxy
//! need. Differences from SQL Server that the queries must not depend on:
//! - ids and flags are `INTEGER` (SQL Server: `int`, `smallint`, `bit`); the queries
//!   cast what they return so that both drivers read plain integers;
//! - name columns are `COLLATE NOCASE`, because ZB's default collation is
//!   case-insensitive and galaxy names are compared that way;
//! - `galaxy.time_of_last_deploy` is ISO-8601 UTC text (`time.rs`), not `datetime`;
//! - `mx_value` (the serialized default value) is always NULL: nothing decodes it.
//!
//! Ids are `0` where ZB means "none" (no container, no area, not deployed), never NULL.

/// The DDL, run once on an empty database.
pub(crate) const DDL: &str = "
CREATE TABLE galaxy (
    galaxy_id INTEGER PRIMARY KEY,
    galaxy_name TEXT NOT NULL COLLATE NOCASE,
    time_of_last_deploy TEXT NULL
);

CREATE TABLE template_definition (
    template_definition_id INTEGER PRIMARY KEY,
    base_gobject_id INTEGER NOT NULL DEFAULT 0,
    original_template_tagname TEXT NOT NULL COLLATE NOCASE,
    category_id INTEGER NOT NULL
);

CREATE TABLE gobject (
    gobject_id INTEGER PRIMARY KEY,
    template_definition_id INTEGER NOT NULL REFERENCES template_definition (template_definition_id),
    derived_from_gobject_id INTEGER NOT NULL DEFAULT 0,
    contained_by_gobject_id INTEGER NOT NULL DEFAULT 0,
    area_gobject_id INTEGER NOT NULL DEFAULT 0,
    hosted_by_gobject_id INTEGER NOT NULL DEFAULT 0,
    checked_in_package_id INTEGER NOT NULL DEFAULT 0,
    checked_out_package_id INTEGER NOT NULL DEFAULT 0,
    deployed_package_id INTEGER NOT NULL DEFAULT 0,
    last_deployed_package_id INTEGER NOT NULL DEFAULT 0,
    tag_name TEXT NOT NULL COLLATE NOCASE,
    contained_name TEXT NOT NULL DEFAULT '' COLLATE NOCASE,
    hierarchical_name TEXT NOT NULL DEFAULT '' COLLATE NOCASE,
    is_template INTEGER NOT NULL DEFAULT 0,
    is_hidden INTEGER NOT NULL DEFAULT 0,
    software_upgrade_needed INTEGER NOT NULL DEFAULT 0,
    deployment_pending_status INTEGER NOT NULL DEFAULT 0,
    hosting_tree_level INTEGER NOT NULL DEFAULT 0,
    namespace_id INTEGER NOT NULL DEFAULT 1,
    configuration_version INTEGER NOT NULL DEFAULT 1,
    deployed_version INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX gobject_tag_name ON gobject (tag_name, namespace_id);
CREATE INDEX gobject_derived_from ON gobject (derived_from_gobject_id);

CREATE TABLE package (
    package_id INTEGER PRIMARY KEY,
    gobject_id INTEGER NOT NULL REFERENCES gobject (gobject_id),
    derived_from_package_id INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE dynamic_attribute (
    gobject_id INTEGER NOT NULL REFERENCES gobject (gobject_id),
    package_id INTEGER NOT NULL REFERENCES package (package_id),
    mx_primitive_id INTEGER NOT NULL,
    mx_attribute_id INTEGER NOT NULL,
    attribute_name TEXT NOT NULL COLLATE NOCASE,
    mx_data_type INTEGER NOT NULL,
    is_array INTEGER NOT NULL DEFAULT 0,
    security_classification INTEGER NOT NULL DEFAULT 0,
    lock_type INTEGER NOT NULL DEFAULT 0,
    mx_value BLOB NULL,
    PRIMARY KEY (package_id, attribute_name)
);

CREATE TABLE primitive_definition (
    primitive_definition_id INTEGER PRIMARY KEY,
    primitive_name TEXT NOT NULL COLLATE NOCASE
);

CREATE TABLE primitive_instance (
    gobject_id INTEGER NOT NULL REFERENCES gobject (gobject_id),
    package_id INTEGER NOT NULL REFERENCES package (package_id),
    mx_primitive_id INTEGER NOT NULL,
    primitive_name TEXT NOT NULL COLLATE NOCASE,
    primitive_definition_id INTEGER NOT NULL REFERENCES primitive_definition (primitive_definition_id),
    extension_type TEXT NOT NULL DEFAULT '' COLLATE NOCASE,
    created_by_parent INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (package_id, mx_primitive_id)
);
";

/// `gobject.namespace_id` of automation objects (`Namespace.AutomationObject`).
pub(crate) const NAMESPACE_AUTOMATION_OBJECT: i32 = 1;

/// `mx_primitive_id` of the primitive that holds an object's user-defined attributes
/// **(guess: the real number is unconfirmed and nothing queries it)**.
pub(crate) const USER_DEFINED_PRIMITIVE_ID: i32 = 2;

/// The first `mx_primitive_id` given to extension primitives of one package.
pub(crate) const FIRST_EXTENSION_PRIMITIVE_ID: i32 = 100;

/// `primitive_definition.primitive_name` of the alarm extension.
pub const ALARM_EXTENSION: &str = "AlarmExtension";
/// `primitive_definition.primitive_name` of the history extension.
pub const HISTORY_EXTENSION: &str = "HistoryExtension";

/// `primitive_definition_id`s of the extension primitives in the SQLite copy.
pub(crate) const ALARM_EXTENSION_DEFINITION_ID: i32 = 1;
pub(crate) const HISTORY_EXTENSION_DEFINITION_ID: i32 = 2;

/// `lock_type` of an attribute clients may write.
pub(crate) const LOCK_TYPE_WRITABLE: i32 = 0;
/// `lock_type` given to attributes the model declares `writable = false`
/// **(guess: ZB's lock types describe template locking; only 0 = writable is known)**.
pub(crate) const LOCK_TYPE_READ_ONLY: i32 = 1;

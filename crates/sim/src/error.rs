//! Errors of the simulator's own API (model loading, fault injection, authentication).
//!
//! MXAccess outcomes (a reference that does not resolve, a refused write) are not
//! errors of this crate: they are [`mxgateway_mx::MxStatus`] values, because the
//! worker forwards them to clients exactly as MXAccess would report them.

use std::path::PathBuf;

/// Why a galaxy model could not be loaded or compiled.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    #[error("cannot read galaxy model {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML or does not match the schema (unknown keys included).
    #[error("{origin}: invalid galaxy model: {source}")]
    Parse {
        origin: String,
        #[source]
        source: Box<toml::de::Error>,
    },
    /// The file parsed but is inconsistent; every problem found is listed.
    #[error("{origin}: {} problem(s) in the galaxy model:\n  - {}", problems.len(), problems.join("\n  - "))]
    Invalid {
        origin: String,
        problems: Vec<String>,
    },
}

/// Why a fault-injection or diagnostic call on the plant failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PlantError {
    #[error("no object with tag name {tag_name:?} in the galaxy")]
    UnknownObject { tag_name: String },
}

/// Why `AuthenticateUser` failed.
///
/// Unknown users and wrong passwords are deliberately one variant so the answer
/// does not reveal which user names exist. The password never appears here.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    #[error("authentication failed for user {user:?}: unknown user or wrong password")]
    InvalidCredentials { user: String },
    /// `ArchestrAUserToId` was given text that is not a GUID.
    #[error("{guid:?} is not a user GUID (expected 8-4-4-4-12 hex digits, braces optional)")]
    MalformedGuid { guid: String },
    /// `ArchestrAUserToId`: no galaxy user has this GUID.
    #[error("no galaxy user has the GUID {guid:?}")]
    UnknownGuid { guid: String },
}

/// Why [`crate::Plant::acknowledge_alarm`] did not acknowledge.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum AlarmAckError {
    /// No alarm has this reference.
    #[error("no alarm {reference:?} in the galaxy")]
    UnknownAlarm { reference: String },
    /// The runtime refused, as it would refuse a write to `.AckMsg`: detail
    /// 1015 (already acknowledged), 1014 (no acknowledge privilege) or 1004
    /// (comment too long). `record` is the alarm as it stands.
    #[error("acknowledgement of {} refused with detail {}", record.reference, status.detail)]
    Refused {
        status: mxgateway_mx::MxStatus,
        record: Box<crate::alarms::AlarmRecord>,
    },
}

//! Authorization scopes carried by API keys.
//!
//! A scope gates one family of RPCs. Scopes have stable wire names (`mx:read`, `admin`, ...) that
//! appear in the key store file, in CLI arguments and in error messages, so the names are part of
//! the public contract and must never change spelling.
//!
//! **`admin` implies every other scope.** A principal holding `admin` passes every
//! [`Scope`] check; see [`Scope::implies`]. Keep that rule in one place (here) so the gateway's
//! RPC guards and the CLI agree on it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// One permission a key may hold. Wire names are given per variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Scope {
    /// `mx:read`: read tag values and subscribe to tag events.
    #[serde(rename = "mx:read")]
    MxRead,
    /// `mx:write`: plain (unsecured) writes.
    #[serde(rename = "mx:write")]
    MxWrite,
    /// `mx:write-secured`: secured and verified writes (carry user credentials).
    #[serde(rename = "mx:write-secured")]
    MxWriteSecured,
    /// `metadata:read`: browse the Galaxy hierarchy and attribute metadata.
    #[serde(rename = "metadata:read")]
    MetadataRead,
    /// `alarms:read`: query and stream alarms.
    #[serde(rename = "alarms:read")]
    AlarmsRead,
    /// `alarms:ack`: acknowledge alarms.
    #[serde(rename = "alarms:ack")]
    AlarmsAck,
    /// `admin`: key management and gateway administration. Implies every other scope.
    #[serde(rename = "admin")]
    Admin,
}

impl Scope {
    /// Every scope, in declaration order (the order used for listing and normalisation).
    pub const ALL: [Scope; 7] = [
        Scope::MxRead,
        Scope::MxWrite,
        Scope::MxWriteSecured,
        Scope::MetadataRead,
        Scope::AlarmsRead,
        Scope::AlarmsAck,
        Scope::Admin,
    ];

    /// The stable wire name, e.g. `mx:write-secured`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Scope::MxRead => "mx:read",
            Scope::MxWrite => "mx:write",
            Scope::MxWriteSecured => "mx:write-secured",
            Scope::MetadataRead => "metadata:read",
            Scope::AlarmsRead => "alarms:read",
            Scope::AlarmsAck => "alarms:ack",
            Scope::Admin => "admin",
        }
    }

    /// Whether holding `self` grants `required`. A scope grants itself, and `admin` grants
    /// everything. No other implications exist: in particular `mx:write` does not grant
    /// `mx:read` and `mx:write-secured` does not grant `mx:write`, so keys stay least-privilege.
    pub fn implies(self, required: Scope) -> bool {
        self == Scope::Admin || self == required
    }

    /// Whether any scope in `held` grants `required` (the check every RPC guard performs).
    pub fn granted_by(required: Scope, held: &[Scope]) -> bool {
        held.iter().any(|s| s.implies(required))
    }

    /// Sorts and de-duplicates a scope list so stored and displayed lists are canonical.
    pub fn normalize(scopes: &[Scope]) -> Vec<Scope> {
        let mut out = scopes.to_vec();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The comma-separated list of valid wire names, used in error messages and CLI help.
    pub fn valid_names() -> String {
        Scope::ALL
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A scope name that is not one of the wire names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown scope `{given}`; valid scopes are: {valid}", valid = Scope::valid_names())]
pub struct ParseScopeError {
    /// What the caller gave, with anything key-shaped redacted (people paste keys into the wrong
    /// argument, and this text ends up in terminals and logs).
    pub given: String,
}

impl FromStr for Scope {
    type Err = ParseScopeError;

    /// Parses a wire name. Surrounding whitespace is ignored; matching is exact otherwise
    /// (case-sensitive) so there is only one spelling of each scope in files and logs.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let trimmed = s.trim();
        Scope::ALL
            .iter()
            .copied()
            .find(|scope| scope.as_str() == trimmed)
            .ok_or_else(|| ParseScopeError {
                given: super::redact(trimmed),
            })
    }
}

/// Parses a list like `mx:read,mx:write` or `mx:read mx:write` (commas and/or whitespace).
/// The result is normalised (sorted, de-duplicated). Empty input gives an empty list; callers
/// that require at least one scope check that themselves.
pub fn parse_scopes(list: &str) -> Result<Vec<Scope>, ParseScopeError> {
    let parsed = list
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|part| !part.is_empty())
        .map(Scope::from_str)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Scope::normalize(&parsed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_round_trip() {
        for scope in Scope::ALL {
            let name = scope.to_string();
            assert_eq!(name, scope.as_str());
            assert_eq!(name.parse::<Scope>(), Ok(scope));
            // serde uses the same names as Display/FromStr.
            let json = serde_json::to_string(&scope).expect("serialize scope");
            assert_eq!(json, format!("\"{name}\""));
            let back: Scope = serde_json::from_str(&json).expect("deserialize scope");
            assert_eq!(back, scope);
        }
    }

    #[test]
    fn exact_wire_names() {
        let names: Vec<&str> = Scope::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(
            names,
            [
                "mx:read",
                "mx:write",
                "mx:write-secured",
                "metadata:read",
                "alarms:read",
                "alarms:ack",
                "admin"
            ]
        );
    }

    #[test]
    fn parse_trims_but_is_case_sensitive() {
        assert_eq!(" mx:read ".parse::<Scope>(), Ok(Scope::MxRead));
        assert!("MX:READ".parse::<Scope>().is_err());
    }

    #[test]
    fn parse_error_lists_valid_names() {
        let err = "mx:delete".parse::<Scope>().expect_err("not a scope");
        let msg = err.to_string();
        assert!(msg.contains("`mx:delete`"), "{msg}");
        for scope in Scope::ALL {
            assert!(msg.contains(scope.as_str()), "{msg} lacks {scope}");
        }
        assert!("".parse::<Scope>().is_err());
        assert!("mx:read,".parse::<Scope>().is_err());
    }

    #[test]
    fn parse_error_redacts_pasted_keys() {
        let key = "mxgw_abcdefghijkl_ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
        let err = key.parse::<Scope>().expect_err("not a scope");
        assert!(!err.to_string().contains("ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"));
    }

    #[test]
    fn parse_list() {
        assert_eq!(
            parse_scopes("mx:write, mx:read  mx:read,,admin"),
            Ok(vec![Scope::MxRead, Scope::MxWrite, Scope::Admin])
        );
        assert_eq!(parse_scopes(""), Ok(vec![]));
        assert!(parse_scopes("mx:read,bogus").is_err());
    }

    #[test]
    fn admin_implies_all() {
        for required in Scope::ALL {
            assert!(Scope::Admin.implies(required));
            assert!(Scope::granted_by(required, &[Scope::Admin]));
        }
    }

    #[test]
    fn no_other_implications() {
        for held in Scope::ALL {
            for required in Scope::ALL {
                let expected = held == Scope::Admin || held == required;
                assert_eq!(held.implies(required), expected, "{held} -> {required}");
            }
        }
        assert!(!Scope::granted_by(Scope::MxRead, &[]));
        assert!(!Scope::granted_by(
            Scope::Admin,
            &[Scope::MxRead, Scope::MxWrite]
        ));
    }
}

//! When a command reply is a failure.
//!
//! The rules, shared with the Python client:
//!
//! - **Protocol failure** ([`Error::Command`]): `protocol_status` is
//!   `INVALID_REQUEST`, `INTERNAL_ERROR`, `PERMISSION_DENIED` or a number this
//!   client does not know. `OK` is success, and so is `UNSPECIFIED` (an
//!   unpopulated field is not evidence of failure). Raw calls raise these.
//!   (The gateway turns failures into gRPC errors, so a client sees such a
//!   reply only from a gateway that breaks that rule.)
//! - **MXAccess failure** ([`Error::MxAccess`]): `hresult != 0`, or a status
//!   with `success == 0` whose category is `WARNING` or one of the error
//!   categories. Only checked calls raise these.
//! - The bulk commands apply these rules to the reply as a whole; the results
//!   of single entries are data, never errors (see [`crate::bulk`]).
//! - A status with `success == 0` and category `UNSPECIFIED` or `UNKNOWN` is an
//!   unpopulated placeholder (a proto default, a null COM entry), not a
//!   failure. `OK` never fails, and neither does `PENDING` (the operation is
//!   still in progress; its outcome arrives as an event).

use mxgateway_proto::v1::{self, MxStatusCategory, MxStatusSource, ProtocolStatus};

use crate::error::Error;

/// True when `status` reports a failure (see the module docs).
pub fn status_is_failure(status: &v1::MxStatus) -> bool {
    if status.success != 0 {
        return false;
    }
    match MxStatusCategory::try_from(status.category) {
        Ok(
            MxStatusCategory::Unspecified
            | MxStatusCategory::Unknown
            | MxStatusCategory::Ok
            | MxStatusCategory::Pending,
        ) => false,
        Ok(
            MxStatusCategory::Warning
            | MxStatusCategory::CommunicationError
            | MxStatusCategory::ConfigurationError
            | MxStatusCategory::OperationalError
            | MxStatusCategory::SecurityError
            | MxStatusCategory::SoftwareError
            | MxStatusCategory::OtherError,
        ) => true,
        // A category number from a newer gateway: we cannot tell, and an
        // unpopulated-looking entry must not raise.
        Err(_) => false,
    }
}

/// The first failed status of `statuses`, if any.
pub fn first_failed_status(statuses: &[v1::MxStatus]) -> Option<&v1::MxStatus> {
    statuses.iter().find(|s| status_is_failure(s))
}

/// True when the reply's `protocol_status` is a gateway-level failure.
pub fn is_protocol_failure(reply: &v1::MxCommandReply) -> bool {
    !matches!(
        ProtocolStatus::try_from(reply.protocol_status),
        Ok(ProtocolStatus::Ok | ProtocolStatus::Unspecified)
    )
}

/// Passes a reply through unless it is a protocol failure (the raw check).
pub fn check_protocol(reply: v1::MxCommandReply) -> Result<v1::MxCommandReply, Error> {
    if is_protocol_failure(&reply) {
        let status = ProtocolStatus::try_from(reply.protocol_status)
            .map(|s| s.as_str_name().to_string())
            .unwrap_or_else(|_| reply.protocol_status.to_string());
        let message = if reply.message.is_empty() {
            format!("protocol status {status}")
        } else {
            format!("protocol status {status}: {}", reply.message)
        };
        return Err(Error::Command {
            reply: Some(Box::new(reply)),
            code: None,
            message,
        });
    }
    Ok(reply)
}

/// Passes a reply through unless it is a protocol or MXAccess failure (the
/// checked path).
pub fn check_reply(reply: v1::MxCommandReply) -> Result<v1::MxCommandReply, Error> {
    let reply = check_protocol(reply)?;
    let failed = first_failed_status(&reply.statuses).copied();
    if reply.hresult != 0 || failed.is_some() {
        return Err(Error::MxAccess {
            hresult: reply.hresult,
            status: failed,
            reply: Box::new(reply),
        });
    }
    Ok(reply)
}

/// The category's proto name without the `MX_STATUS_CATEGORY_` prefix, e.g.
/// `OK`; `UNRECOGNIZED` for a number this client does not know.
pub fn category_name(raw: i32) -> &'static str {
    MxStatusCategory::try_from(raw)
        .map(|c| {
            c.as_str_name()
                .strip_prefix("MX_STATUS_CATEGORY_")
                .unwrap_or(c.as_str_name())
        })
        .unwrap_or("UNRECOGNIZED")
}

/// The source's proto name without the `MX_STATUS_SOURCE_` prefix, e.g.
/// `RESPONDING_LMX`; `UNRECOGNIZED` for a number this client does not know.
pub fn source_name(raw: i32) -> &'static str {
    MxStatusSource::try_from(raw)
        .map(|s| {
            s.as_str_name()
                .strip_prefix("MX_STATUS_SOURCE_")
                .unwrap_or(s.as_str_name())
        })
        .unwrap_or("UNRECOGNIZED")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(success: i32, category: MxStatusCategory) -> v1::MxStatus {
        v1::MxStatus {
            success,
            category: category as i32,
            ..Default::default()
        }
    }

    #[test]
    fn unpopulated_statuses_are_not_failures() {
        assert!(!status_is_failure(&v1::MxStatus::default()));
        assert!(!status_is_failure(&status(
            0,
            MxStatusCategory::Unspecified
        )));
        assert!(!status_is_failure(&status(0, MxStatusCategory::Unknown)));
        assert!(!status_is_failure(&v1::MxStatus {
            category: 99,
            ..Default::default()
        }));
    }

    #[test]
    fn ok_and_pending_never_fail() {
        assert!(!status_is_failure(&status(0, MxStatusCategory::Ok)));
        assert!(!status_is_failure(&status(1, MxStatusCategory::Ok)));
        assert!(!status_is_failure(&status(0, MxStatusCategory::Pending)));
    }

    #[test]
    fn warning_and_error_categories_fail() {
        for c in [
            MxStatusCategory::Warning,
            MxStatusCategory::CommunicationError,
            MxStatusCategory::ConfigurationError,
            MxStatusCategory::OperationalError,
            MxStatusCategory::SecurityError,
            MxStatusCategory::SoftwareError,
            MxStatusCategory::OtherError,
        ] {
            assert!(status_is_failure(&status(0, c)), "{c:?}");
            // A non-zero success flag wins.
            assert!(!status_is_failure(&status(1, c)), "{c:?}");
        }
    }

    #[test]
    fn protocol_status_rules() {
        let reply = |p: i32| v1::MxCommandReply {
            protocol_status: p,
            ..Default::default()
        };
        assert!(check_protocol(reply(ProtocolStatus::Ok as i32)).is_ok());
        assert!(check_protocol(reply(ProtocolStatus::Unspecified as i32)).is_ok());
        for p in [
            ProtocolStatus::InvalidRequest as i32,
            ProtocolStatus::InternalError as i32,
            ProtocolStatus::PermissionDenied as i32,
            42,
        ] {
            let e = check_protocol(reply(p)).unwrap_err();
            assert!(matches!(e, Error::Command { .. }), "{e}");
            assert_eq!(e.reply().unwrap().protocol_status, p);
        }
    }

    #[test]
    fn checked_reply_carries_the_failed_status() {
        let failed = v1::MxStatus {
            success: 0,
            category: MxStatusCategory::SecurityError as i32,
            detected_by: MxStatusSource::RespondingAutomationObject as i32,
            detail: 1012,
            raw_category: 6,
            raw_detected_by: 5,
        };
        let reply = v1::MxCommandReply {
            protocol_status: ProtocolStatus::Ok as i32,
            statuses: vec![status(0, MxStatusCategory::Unspecified), failed],
            ..Default::default()
        };
        match check_reply(reply).unwrap_err() {
            Error::MxAccess {
                hresult,
                status,
                reply,
            } => {
                assert_eq!(hresult, 0);
                assert_eq!(status, Some(failed));
                assert_eq!(reply.statuses.len(), 2);
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn names_drop_the_prefix() {
        assert_eq!(category_name(MxStatusCategory::Ok as i32), "OK");
        assert_eq!(
            category_name(MxStatusCategory::SecurityError as i32),
            "SECURITY_ERROR"
        );
        assert_eq!(category_name(0), "UNSPECIFIED");
        assert_eq!(category_name(77), "UNRECOGNIZED");
        assert_eq!(
            source_name(MxStatusSource::RespondingLmx as i32),
            "RESPONDING_LMX"
        );
    }
}

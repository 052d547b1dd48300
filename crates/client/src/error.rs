//! The client's error type and the one table that maps a gRPC status to it.
//!
//! Classification uses the gateway's `mxgateway-error` metadata when present,
//! else the gRPC code; never the message text, which is for humans.
//! No variant ever contains the API key: messages pass through [`Redactor`].

use std::sync::Arc;

use mxgateway_proto::v1;
use tonic::Code;

/// The metadata key the gateway sets on error statuses.
pub const ERROR_KIND_METADATA: &str = "mxgateway-error";

/// Every way a client call can fail.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The options are inconsistent (e.g. `http://` with TLS) or unusable.
    #[error("invalid client options: {message}")]
    Config { message: String },
    /// The gateway could not be reached or the connection broke.
    #[error("transport error: {message}")]
    Transport { code: Code, message: String },
    /// The API key is missing, malformed, unknown or revoked.
    #[error("authentication failed: {message}")]
    Authentication { code: Code, message: String },
    /// The key is valid but lacks the scope or tag permission for this call.
    #[error("permission denied: {message}")]
    Authorization { code: Code, message: String },
    /// The session is unknown, belongs to another key, or was closed.
    #[error("session error: {message}")]
    Session { code: Code, message: String },
    /// The gateway knows no such object: an unknown alarm reference
    /// (gateway kind `not-found`). A `NOT_FOUND` status without a gateway
    /// kind stays [`Error::Session`], as it always was.
    #[error("not found: {message}")]
    NotFound { code: Code, message: String },
    /// The session's worker died or is unavailable; the message carries the
    /// gateway's account (e.g. the worker's exit status).
    #[error("worker unavailable: {message}")]
    Worker { code: Code, message: String },
    /// The gateway rejected the request as malformed.
    #[error("invalid argument: {message}")]
    InvalidArgument { code: Code, message: String },
    /// A deadline passed, on the client or in the gateway.
    #[error("timed out: {message}")]
    Timeout { code: Code, message: String },
    /// A gateway limit was hit (sessions, queue, message size).
    #[error("resource exhausted: {message}")]
    ResourceExhausted { code: Code, message: String },
    /// The gateway is shutting down.
    #[error("gateway is shutting down: {message}")]
    ShuttingDown { code: Code, message: String },
    /// An internal gateway error or an unclassified gRPC status.
    #[error("gateway error ({code:?}): {message}")]
    Internal { code: Code, message: String },
    /// The gateway refused a request it understood, or answered in a way
    /// that breaks the protocol:
    ///
    /// - a command reply that is a protocol failure (a non-OK
    ///   `protocol_status`, or a reply without the expected result):
    ///   `reply` holds it;
    /// - a gRPC `ABORTED` (state went stale under the request, e.g. a browse
    ///   page token issued before a deploy: start again) or
    ///   `FAILED_PRECONDITION` (the request does not apply to this gateway,
    ///   e.g. a simulated deploy on a gateway that browses a real
    ///   repository), or the gateway kinds `aborted` / `failed-precondition`:
    ///   `code` holds the code;
    /// - a reply that breaks the protocol of its RPC (e.g. a browse page
    ///   token the gateway had already issued): neither is set.
    #[error("command failed at the gateway: {message}")]
    Command {
        /// The command reply, when a reply was the failure.
        reply: Option<Box<v1::MxCommandReply>>,
        /// The gRPC code, when a status was the failure.
        code: Option<Code>,
        /// What went wrong, for humans (scrubbed of the API key).
        message: String,
    },
    /// MXAccess reported a failure: a non-zero HRESULT or a failed status.
    /// Only the checked calls raise it; the raw reply is kept.
    #[error("{}", mxaccess_message(*.hresult, .status.as_ref(), reply))]
    MxAccess {
        reply: Box<v1::MxCommandReply>,
        hresult: i32,
        /// The first failed status, if a status (rather than the HRESULT) failed.
        status: Option<v1::MxStatus>,
    },
    /// A value cannot be sent or received (e.g. NaN, an out-of-range time).
    #[error("invalid value: {message}")]
    InvalidValue { message: String },
    /// The alarm runtime refused an acknowledgement: the reply's status
    /// failed (detail 1015: already acknowledged; 1014: the operator may not
    /// acknowledge alarms). Only the checked
    /// [`GatewayClient::acknowledge_alarm`](crate::GatewayClient::acknowledge_alarm)
    /// raises it; its [`kind`](Error::kind) is `mxaccess`, as for
    /// [`Error::MxAccess`], and the raw reply (with the alarm as it stands
    /// after the call) is kept.
    #[error("{}", ack_refused_message(status, reply))]
    AlarmAckRefused {
        /// The gateway's reply, as is.
        reply: Box<v1::AcknowledgeAlarmReply>,
        /// The failed status (a copy of the reply's).
        status: v1::MxStatus,
    },
}

impl Error {
    pub(crate) fn config(message: impl Into<String>) -> Self {
        Error::Config {
            message: message.into(),
        }
    }

    /// A protocol failure that is neither a reply nor a status (see
    /// [`Error::Command`]).
    pub(crate) fn protocol(message: impl Into<String>) -> Self {
        Error::Command {
            reply: None,
            code: None,
            message: message.into(),
        }
    }

    pub(crate) fn invalid_value(message: impl Into<String>) -> Self {
        Error::InvalidValue {
            message: message.into(),
        }
    }

    /// A short, stable name of the error class, used as `"type"` in the CLI's
    /// JSON errors: `config`, `transport`, `authentication`, `authorization`,
    /// `session`, `not-found`, `worker`, `invalid-argument`, `timeout`,
    /// `resource-exhausted`, `shutting-down`, `internal`, `command`,
    /// `mxaccess` (also [`Error::AlarmAckRefused`]), `invalid-value`.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Config { .. } => "config",
            Error::Transport { .. } => "transport",
            Error::Authentication { .. } => "authentication",
            Error::Authorization { .. } => "authorization",
            Error::Session { .. } => "session",
            Error::NotFound { .. } => "not-found",
            Error::Worker { .. } => "worker",
            Error::InvalidArgument { .. } => "invalid-argument",
            Error::Timeout { .. } => "timeout",
            Error::ResourceExhausted { .. } => "resource-exhausted",
            Error::ShuttingDown { .. } => "shutting-down",
            Error::Internal { .. } => "internal",
            Error::Command { .. } => "command",
            Error::MxAccess { .. } => "mxaccess",
            Error::InvalidValue { .. } => "invalid-value",
            Error::AlarmAckRefused { .. } => "mxaccess",
        }
    }

    /// The gRPC code for errors that came from (or stand for) a gRPC status.
    pub fn code(&self) -> Option<Code> {
        match self {
            Error::Transport { code, .. }
            | Error::Authentication { code, .. }
            | Error::Authorization { code, .. }
            | Error::Session { code, .. }
            | Error::NotFound { code, .. }
            | Error::Worker { code, .. }
            | Error::InvalidArgument { code, .. }
            | Error::Timeout { code, .. }
            | Error::ResourceExhausted { code, .. }
            | Error::ShuttingDown { code, .. }
            | Error::Internal { code, .. } => Some(*code),
            Error::Command { code, .. } => *code,
            _ => None,
        }
    }

    /// The raw command reply: always for [`Error::MxAccess`], and for an
    /// [`Error::Command`] that a reply caused.
    pub fn reply(&self) -> Option<&v1::MxCommandReply> {
        match self {
            Error::Command {
                reply: Some(reply), ..
            }
            | Error::MxAccess { reply, .. } => Some(reply),
            _ => None,
        }
    }

    /// The raw acknowledgement reply of an [`Error::AlarmAckRefused`].
    pub fn acknowledge_reply(&self) -> Option<&v1::AcknowledgeAlarmReply> {
        match self {
            Error::AlarmAckRefused { reply, .. } => Some(reply),
            _ => None,
        }
    }
}

fn mxaccess_message(
    hresult: i32,
    status: Option<&v1::MxStatus>,
    reply: &v1::MxCommandReply,
) -> String {
    let mut text = format!("MXAccess call failed: HRESULT 0x{:08X}", hresult as u32);
    if let Some(name) = hresult_name(hresult) {
        text.push_str(&format!(" ({name})"));
    }
    if let Some(s) = status {
        text.push_str(&format!(
            "; status category {}, detail {}, detected by {}",
            crate::check::category_name(s.category),
            s.detail,
            crate::check::source_name(s.detected_by),
        ));
    }
    if !reply.message.is_empty() {
        text.push_str(": ");
        text.push_str(&reply.message);
    }
    text
}

fn ack_refused_message(status: &v1::MxStatus, reply: &v1::AcknowledgeAlarmReply) -> String {
    let mut text = format!(
        "MXAccess refused the acknowledgement: status category {}, detail {}, detected by {}",
        crate::check::category_name(status.category),
        status.detail,
        crate::check::source_name(status.detected_by),
    );
    if let Some(reason) = ack_detail_name(status.detail) {
        text.push_str(&format!(" ({reason})"));
    }
    if let Some(alarm) = &reply.alarm {
        text.push_str(&format!(": {}", alarm.reference));
    }
    text
}

/// The alarm acknowledgement refusals the gateway documents.
fn ack_detail_name(detail: i32) -> Option<&'static str> {
    match detail {
        1014 => Some("the operator may not acknowledge alarms"),
        1015 => Some("the alarm is already acknowledged"),
        _ => None,
    }
}

fn hresult_name(hresult: i32) -> Option<&'static str> {
    use mxgateway_mx::hresult::{E_FAIL, E_INVALIDARG, S_OK};
    match hresult {
        S_OK => Some("S_OK"),
        E_INVALIDARG => Some("E_INVALIDARG"),
        E_FAIL => Some("E_FAIL"),
        _ => None,
    }
}

/// Removes the API key from text that might echo it (a proxy's error page, a
/// gateway message quoting the header). Cheap to clone.
#[derive(Clone, Default)]
pub(crate) struct Redactor {
    secrets: Arc<[String]>,
}

impl Redactor {
    pub(crate) fn new(api_key: Option<&str>) -> Self {
        let mut secrets = Vec::new();
        if let Some(key) = api_key.filter(|k| !k.is_empty()) {
            secrets.push(key.to_string());
            // The secret part of `mxgw_<id>_<secret>` alone is just as sensitive.
            if let Some((_, secret)) = key.rsplit_once('_') {
                if secret.len() >= 8 && secret != key {
                    secrets.push(secret.to_string());
                }
            }
        }
        Redactor {
            secrets: secrets.into(),
        }
    }

    pub(crate) fn scrub(&self, text: &str) -> String {
        let mut out = text.to_string();
        for secret in self.secrets.iter() {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), "<redacted>");
            }
        }
        out
    }
}

/// Maps a gRPC status to an [`Error`]: the one table of the client.
pub(crate) fn from_status(status: &tonic::Status, redactor: &Redactor) -> Error {
    let code = status.code();
    let message = redactor.scrub(&status_text(status));
    // tonic enforces the gRPC deadline on our side too and reports it as a
    // CANCELLED status whose source is `TimeoutExpired`: classify by that type.
    if caused_by::<tonic::TimeoutExpired>(status) {
        return Error::Timeout {
            code: Code::DeadlineExceeded,
            message,
        };
    }
    let kind = status
        .metadata()
        .get(ERROR_KIND_METADATA)
        .and_then(|v| v.to_str().ok());
    match kind {
        Some("unauthenticated") => Error::Authentication { code, message },
        Some("permission-denied") => Error::Authorization { code, message },
        Some("session-not-found") => Error::Session { code, message },
        Some("not-found") => Error::NotFound { code, message },
        Some("session-limit") | Some("resource-exhausted") => {
            Error::ResourceExhausted { code, message }
        }
        Some("worker-unavailable") => Error::Worker { code, message },
        Some("invalid-argument") => Error::InvalidArgument { code, message },
        Some("deadline-exceeded") => Error::Timeout { code, message },
        Some("shutting-down") => Error::ShuttingDown { code, message },
        Some("internal") => Error::Internal { code, message },
        Some("aborted") | Some("failed-precondition") => Error::Command {
            reply: None,
            code: Some(code),
            message,
        },
        // No (or an unknown) gateway kind: a proxy, an older gateway, or a
        // failure on our side of the wire. Fall back to the code.
        _ => match code {
            Code::Unauthenticated => Error::Authentication { code, message },
            Code::PermissionDenied => Error::Authorization { code, message },
            Code::NotFound => Error::Session { code, message },
            Code::InvalidArgument | Code::OutOfRange => Error::InvalidArgument { code, message },
            Code::DeadlineExceeded => Error::Timeout { code, message },
            Code::ResourceExhausted => Error::ResourceExhausted { code, message },
            Code::Unavailable | Code::Cancelled => Error::Transport { code, message },
            Code::Aborted | Code::FailedPrecondition => Error::Command {
                reply: None,
                code: Some(code),
                message,
            },
            _ => Error::Internal { code, message },
        },
    }
}

/// True when `T` is somewhere in the status's source chain.
fn caused_by<T: std::error::Error + 'static>(status: &tonic::Status) -> bool {
    let mut source = std::error::Error::source(status);
    while let Some(err) = source {
        if err.is::<T>() {
            return true;
        }
        source = err.source();
    }
    false
}

/// The status message, or for statuses tonic made from a local failure (no
/// message, a source error), the source chain.
fn status_text(status: &tonic::Status) -> String {
    let mut text = status.message().to_string();
    let mut source = std::error::Error::source(status);
    while let Some(err) = source {
        let part = err.to_string();
        if !text.contains(&part) {
            if !text.is_empty() {
                text.push_str(": ");
            }
            text.push_str(&part);
        }
        source = err.source();
    }
    if text.is_empty() {
        text = format!("{:?}", status.code());
    }
    text
}

/// Formats an error and its sources as one line.
pub(crate) fn chain_text(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(inner) = source {
        let part = inner.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = inner.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use tonic::metadata::MetadataValue;

    fn status_with_kind(code: Code, kind: &str) -> tonic::Status {
        let mut status = tonic::Status::new(code, "text");
        status
            .metadata_mut()
            .insert(ERROR_KIND_METADATA, MetadataValue::try_from(kind).unwrap());
        status
    }

    #[test]
    fn metadata_kind_wins_over_code() {
        let r = Redactor::default();
        let cases = [
            ("unauthenticated", "authentication"),
            ("permission-denied", "authorization"),
            ("session-not-found", "session"),
            ("not-found", "not-found"),
            ("session-limit", "resource-exhausted"),
            ("worker-unavailable", "worker"),
            ("invalid-argument", "invalid-argument"),
            ("deadline-exceeded", "timeout"),
            ("resource-exhausted", "resource-exhausted"),
            ("internal", "internal"),
            ("shutting-down", "shutting-down"),
            ("aborted", "command"),
            ("failed-precondition", "command"),
        ];
        for (kind, expected) in cases {
            // The code is deliberately unrelated: the metadata decides.
            let e = from_status(&status_with_kind(Code::Unknown, kind), &r);
            assert_eq!(e.kind(), expected, "{kind}");
            assert_eq!(e.code(), Some(Code::Unknown));
        }
    }

    #[test]
    fn code_decides_without_metadata() {
        let r = Redactor::default();
        let cases = [
            (Code::Unauthenticated, "authentication"),
            (Code::PermissionDenied, "authorization"),
            (Code::NotFound, "session"),
            (Code::InvalidArgument, "invalid-argument"),
            (Code::OutOfRange, "invalid-argument"),
            (Code::DeadlineExceeded, "timeout"),
            (Code::ResourceExhausted, "resource-exhausted"),
            (Code::Unavailable, "transport"),
            (Code::Cancelled, "transport"),
            (Code::Aborted, "command"),
            (Code::FailedPrecondition, "command"),
            (Code::Internal, "internal"),
            (Code::Unknown, "internal"),
            (Code::Unimplemented, "internal"),
        ];
        for (code, expected) in cases {
            let e = from_status(&tonic::Status::new(code, "x"), &r);
            assert_eq!(e.kind(), expected, "{code:?}");
        }
        // A status that is a command error keeps its code and has no reply.
        let e = from_status(&tonic::Status::aborted("stale page token"), &r);
        assert!(
            matches!(
                e,
                Error::Command {
                    reply: None,
                    code: Some(Code::Aborted),
                    ..
                }
            ),
            "{e:?}"
        );
        assert_eq!(e.code(), Some(Code::Aborted));
        assert_eq!(e.reply(), None);
        // An unknown metadata kind falls back to the code.
        let e = from_status(&status_with_kind(Code::NotFound, "brand-new-kind"), &r);
        assert_eq!(e.kind(), "session");
    }

    #[test]
    fn messages_are_scrubbed_of_the_key() {
        let r = Redactor::new(Some("mxgw_id1_topsecretvalue"));
        let status = tonic::Status::unauthenticated(
            "bad header: Bearer mxgw_id1_topsecretvalue (also topsecretvalue)",
        );
        let e = from_status(&status, &r);
        let text = format!("{e} {e:?}");
        assert!(!text.contains("topsecretvalue"), "{text}");
    }

    #[test]
    fn mxaccess_display_names_the_hresult() {
        let reply = v1::MxCommandReply {
            hresult: mxgateway_mx::hresult::E_INVALIDARG,
            message: "unknown handle".into(),
            ..Default::default()
        };
        let e = Error::MxAccess {
            hresult: reply.hresult,
            reply: Box::new(reply),
            status: None,
        };
        let text = e.to_string();
        assert!(text.contains("0x80070057"), "{text}");
        assert!(text.contains("E_INVALIDARG"), "{text}");
        assert!(text.contains("unknown handle"), "{text}");
    }

    #[test]
    fn a_refused_acknowledgement_is_an_mxaccess_error_with_its_reply() {
        let status = v1::MxStatus {
            success: 0,
            category: v1::MxStatusCategory::SecurityError as i32,
            detected_by: v1::MxStatusSource::RespondingAutomationObject as i32,
            detail: 1014,
            raw_category: 6,
            raw_detected_by: 5,
        };
        let reply = v1::AcknowledgeAlarmReply {
            status: Some(status),
            alarm: Some(v1::AlarmRecord {
                reference: "Tank_001.Level.Hi".into(),
                ..Default::default()
            }),
        };
        let e = Error::AlarmAckRefused {
            reply: Box::new(reply.clone()),
            status,
        };
        assert_eq!(e.kind(), "mxaccess");
        assert_eq!(e.code(), None);
        assert_eq!(e.acknowledge_reply(), Some(&reply));
        let text = e.to_string();
        for part in [
            "SECURITY_ERROR",
            "1014",
            "may not acknowledge",
            "Tank_001.Level.Hi",
        ] {
            assert!(text.contains(part), "{text}");
        }
    }

    #[test]
    fn not_found_without_the_gateway_kind_stays_a_session_error() {
        let r = Redactor::default();
        let e = from_status(&status_with_kind(Code::NotFound, "not-found"), &r);
        assert!(
            matches!(
                e,
                Error::NotFound {
                    code: Code::NotFound,
                    ..
                }
            ),
            "{e:?}"
        );
        let e = from_status(&tonic::Status::not_found("no session"), &r);
        assert!(matches!(e, Error::Session { .. }), "{e:?}");
    }
}

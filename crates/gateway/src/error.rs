//! Gateway errors and the one table that maps them to gRPC statuses.
//!
//! Every failure a client can see passes through [`GatewayError`]'s
//! `From<GatewayError> for tonic::Status`. Besides the code, each status
//! carries the machine-readable metadata key [`ERROR_KIND_METADATA`], so
//! clients classify errors by kind, never by message text. MXAccess failures
//! are not errors here: they travel inside `MxCommandReply`.

use std::time::Duration;

use tonic::metadata::MetadataValue;
use tonic::{Code, Status};

/// Status metadata key naming the error kind (e.g. `worker-unavailable`).
pub const ERROR_KIND_METADATA: &str = "mxgateway-error";

/// A failure of the gateway itself (not of MXAccess).
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum GatewayError {
    #[error("missing or invalid API key")]
    Unauthenticated,
    #[error("permission denied: {0}")]
    PermissionDenied(String),
    #[error("unknown session {0}")]
    SessionNotFound(String),
    #[error("the gateway already runs its maximum of {0} sessions")]
    SessionLimit(usize),
    #[error("{0}")]
    WorkerUnavailable(String),
    #[error("invalid request: {0}")]
    InvalidArgument(String),
    #[error("the command did not complete within {} ms", .0.as_millis())]
    DeadlineExceeded(Duration),
    #[error("{0}")]
    ResourceExhausted(String),
    #[error("internal error: {0}")]
    Internal(String),
    #[error("the gateway is shutting down")]
    ShuttingDown,
    /// The request's state went stale under it (a browse page token issued
    /// before a deploy); the client should start again.
    #[error("{0}")]
    Aborted(String),
    /// The request does not apply to this gateway's configuration (a
    /// simulated deploy on a gateway that browses a real repository).
    #[error("{0}")]
    FailedPrecondition(String),
    /// Something the request names does not exist (an alarm reference).
    #[error("{0}")]
    NotFound(String),
}

impl GatewayError {
    /// The code and kind of this error: the reviewed table.
    pub fn code_and_kind(&self) -> (Code, &'static str) {
        match self {
            GatewayError::Unauthenticated => (Code::Unauthenticated, "unauthenticated"),
            GatewayError::PermissionDenied(_) => (Code::PermissionDenied, "permission-denied"),
            GatewayError::SessionNotFound(_) => (Code::NotFound, "session-not-found"),
            GatewayError::SessionLimit(_) => (Code::ResourceExhausted, "session-limit"),
            GatewayError::WorkerUnavailable(_) => (Code::Unavailable, "worker-unavailable"),
            GatewayError::InvalidArgument(_) => (Code::InvalidArgument, "invalid-argument"),
            GatewayError::DeadlineExceeded(_) => (Code::DeadlineExceeded, "deadline-exceeded"),
            GatewayError::ResourceExhausted(_) => (Code::ResourceExhausted, "resource-exhausted"),
            GatewayError::Internal(_) => (Code::Internal, "internal"),
            GatewayError::ShuttingDown => (Code::Unavailable, "shutting-down"),
            GatewayError::Aborted(_) => (Code::Aborted, "aborted"),
            GatewayError::FailedPrecondition(_) => {
                (Code::FailedPrecondition, "failed-precondition")
            }
            GatewayError::NotFound(_) => (Code::NotFound, "not-found"),
        }
    }
}

impl GatewayError {
    /// The status message: what went wrong, without repeating what the code
    /// already says (clients prefix their own "permission denied: ", and a
    /// second one from here printed as "permission denied: permission denied: ...").
    pub fn status_message(&self) -> String {
        match self {
            GatewayError::PermissionDenied(m)
            | GatewayError::InvalidArgument(m)
            | GatewayError::Internal(m) => m.clone(),
            other => other.to_string(),
        }
    }
}

impl From<GatewayError> for Status {
    fn from(e: GatewayError) -> Status {
        let (code, kind) = e.code_and_kind();
        let mut status = Status::new(code, crate::auth::redact(&e.status_message()));
        status
            .metadata_mut()
            .insert(ERROR_KIND_METADATA, MetadataValue::from_static(kind));
        status
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_messages_do_not_repeat_the_code() {
        let status = Status::from(GatewayError::PermissionDenied(
            "the API key lacks the mx:write scope".into(),
        ));
        assert_eq!(status.message(), "the API key lacks the mx:write scope");
        let status = Status::from(GatewayError::InvalidArgument("bad handle".into()));
        assert_eq!(status.message(), "bad handle");
        let status = Status::from(GatewayError::SessionNotFound("s1".into()));
        assert_eq!(status.message(), "unknown session s1");
    }

    #[test]
    fn every_error_has_a_code_and_kind_in_metadata() {
        let cases = [
            (GatewayError::Unauthenticated, Code::Unauthenticated),
            (
                GatewayError::PermissionDenied("x".into()),
                Code::PermissionDenied,
            ),
            (GatewayError::SessionNotFound("s".into()), Code::NotFound),
            (GatewayError::SessionLimit(2), Code::ResourceExhausted),
            (
                GatewayError::WorkerUnavailable("dead".into()),
                Code::Unavailable,
            ),
            (
                GatewayError::InvalidArgument("bad".into()),
                Code::InvalidArgument,
            ),
            (
                GatewayError::DeadlineExceeded(Duration::from_millis(5)),
                Code::DeadlineExceeded,
            ),
            (
                GatewayError::ResourceExhausted("full".into()),
                Code::ResourceExhausted,
            ),
            (GatewayError::Internal("oops".into()), Code::Internal),
            (GatewayError::ShuttingDown, Code::Unavailable),
            (GatewayError::Aborted("stale".into()), Code::Aborted),
            (GatewayError::NotFound("no alarm".into()), Code::NotFound),
            (
                GatewayError::FailedPrecondition("real".into()),
                Code::FailedPrecondition,
            ),
        ];
        for (error, code) in cases {
            let kind = error.code_and_kind().1;
            let status: Status = error.into();
            assert_eq!(status.code(), code);
            assert_eq!(
                status
                    .metadata()
                    .get(ERROR_KIND_METADATA)
                    .unwrap()
                    .to_str()
                    .unwrap(),
                kind
            );
        }
    }
}

"""The exceptions of the client, and the one place gRPC errors become them.

The tree::

    MxGatewayError                      root; ``kind`` names the class for scripts
    ├── MxGatewayConfigError            inconsistent or unusable client options
    ├── MxGatewayTransportError         the gateway cannot be reached / the connection broke
    │   └── MxGatewayTimeoutError       a deadline passed, on our side or in the gateway
    ├── MxGatewayAuthenticationError    missing, malformed, unknown or revoked API key
    ├── MxGatewayAuthorizationError     the key lacks the scope for this call
    ├── MxGatewaySessionError           unknown session, another key's session, or closed
    ├── MxGatewayNotFoundError          the request names something the gateway does not
    │                                   know (an unknown alarm reference)
    ├── MxGatewayWorkerError            the session's worker died or is unavailable
    ├── MxGatewayInvalidArgumentError   the gateway rejected the request as malformed
    ├── MxGatewayResourceExhaustedError a gateway limit (sessions, queue, size) was hit
    ├── MxGatewayShuttingDownError      the gateway is shutting down
    ├── MxGatewayInternalError          an internal gateway error or unclassified status
    └── MxGatewayCommandError           the gateway refused the command itself: a protocol
        │                               failure reply (``reply``), a request whose state went
        │                               stale (ABORTED: a page token from before a deploy), or
        │                               one that does not apply to this gateway
        │                               (FAILED_PRECONDITION)
        └── MxAccessError               MXAccess reported a failure
                                        (``reply``, ``hresult``, ``status``); also a
                                        refused alarm acknowledgement

Every gRPC error is classified by :func:`map_rpc_error`, the only function
that looks at a :class:`grpc.aio.AioRpcError`: the gateway's
``mxgateway-error`` metadata decides first, then the status code. The message
text is never used for classification, and it passes through a
:class:`Redactor` so that no exception ever carries the API key.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

import grpc

from .generated.mxgateway.v1 import alarms_pb2, commands_pb2, values_pb2

__all__ = [
    "ERROR_KIND_METADATA",
    "MxAccessError",
    "MxGatewayAuthenticationError",
    "MxGatewayAuthorizationError",
    "MxGatewayCommandError",
    "MxGatewayConfigError",
    "MxGatewayError",
    "MxGatewayInternalError",
    "MxGatewayInvalidArgumentError",
    "MxGatewayNotFoundError",
    "MxGatewayResourceExhaustedError",
    "MxGatewaySessionError",
    "MxGatewayShuttingDownError",
    "MxGatewayTimeoutError",
    "MxGatewayTransportError",
    "MxGatewayWorkerError",
    "Redactor",
    "map_rpc_error",
]

#: The trailing-metadata key the gateway sets on every error status.
ERROR_KIND_METADATA = "mxgateway-error"

REDACTED = "<redacted>"


class MxGatewayError(Exception):
    """The root of every error the client raises (besides ``ValueError`` for bad values)."""

    #: A short stable class name, the CLI's JSON ``"type"``.
    kind: str = "runtime"
    #: The text before the message in ``str(error)``.
    prefix: str = "gateway error"

    def __init__(self, message: str, *, code: grpc.StatusCode | None = None) -> None:
        super().__init__(message)
        self.message = message
        #: The gRPC status code, for errors that came from a gRPC status.
        self.code = code

    def __str__(self) -> str:
        return f"{self.prefix}: {self.message}"


class MxGatewayConfigError(MxGatewayError):
    """The client options are inconsistent or unusable (e.g. an unreadable CA file)."""

    kind = "config"
    prefix = "invalid client options"


class MxGatewayTransportError(MxGatewayError):
    """The gateway could not be reached, or the connection broke."""

    kind = "transport"
    prefix = "transport error"


class MxGatewayTimeoutError(MxGatewayTransportError):
    """A deadline passed, on the client or in the gateway."""

    kind = "timeout"
    prefix = "timed out"


class MxGatewayAuthenticationError(MxGatewayError):
    """The API key is missing, malformed, unknown or revoked."""

    kind = "authentication"
    prefix = "authentication failed"


class MxGatewayAuthorizationError(MxGatewayError):
    """The key is valid but lacks the scope or permission for this call."""

    kind = "authorization"
    prefix = "permission denied"


class MxGatewaySessionError(MxGatewayError):
    """The session is unknown, belongs to another key, or was closed."""

    kind = "session"
    prefix = "session error"


class MxGatewayNotFoundError(MxGatewayError):
    """The request names something the gateway does not know: an unknown
    alarm reference (the gateway's kind ``not-found``). A ``NOT_FOUND``
    status without that kind stays a :class:`MxGatewaySessionError`."""

    kind = "not-found"
    prefix = "not found"


class MxGatewayWorkerError(MxGatewayError):
    """The session's worker died or is unavailable (the message says why)."""

    kind = "worker"
    prefix = "worker unavailable"


class MxGatewayInvalidArgumentError(MxGatewayError):
    """The gateway rejected the request as malformed."""

    kind = "invalid-argument"
    prefix = "invalid argument"


class MxGatewayResourceExhaustedError(MxGatewayError):
    """A gateway limit was hit (sessions, event queue, message size)."""

    kind = "resource-exhausted"
    prefix = "resource exhausted"


class MxGatewayShuttingDownError(MxGatewayError):
    """The gateway is shutting down."""

    kind = "shutting-down"
    prefix = "gateway is shutting down"


class MxGatewayInternalError(MxGatewayError):
    """An internal gateway error, or a gRPC status no other class covers."""

    kind = "internal"
    prefix = "gateway error"

    def __str__(self) -> str:
        code = self.code.name if self.code is not None else "UNKNOWN"
        return f"gateway error ({code}): {self.message}"


class MxGatewayCommandError(MxGatewayError):
    """The gateway refused the command itself.

    Either it answered with a protocol failure (``reply`` is then the raw
    :class:`MxCommandReply`), or the call failed with gRPC ``ABORTED`` (the
    request's state went stale, e.g. a browse page token issued before a
    deploy: start again) or ``FAILED_PRECONDITION`` (the call does not apply
    to this gateway, e.g. a simulated deploy on a real repository); ``reply``
    is then ``None`` and ``code`` the status code. The client raises it too
    when a gateway breaks the protocol (a browse page token repeated).
    """

    kind = "command"
    prefix = "command failed at the gateway"

    def __init__(
        self,
        message: str,
        reply: commands_pb2.MxCommandReply | alarms_pb2.AcknowledgeAlarmReply | None = None,
        *,
        code: grpc.StatusCode | None = None,
    ) -> None:
        super().__init__(message, code=code)
        #: The raw reply: the :class:`MxCommandReply` of a protocol failure
        #: (or of an :class:`MxAccessError`), the :class:`AcknowledgeAlarmReply`
        #: of a refused acknowledgement; ``None`` for a gRPC status.
        self.reply = reply


class MxAccessError(MxGatewayCommandError):
    """MXAccess reported a failure: a non-zero HRESULT or a failed status.

    Only the checked calls raise it. ``reply`` is the raw reply, ``hresult``
    its HRESULT and ``status`` the first failed status (``None`` when only the
    HRESULT failed).

    :meth:`GatewayClient.acknowledge_alarm` raises it too when the alarm
    runtime refuses an acknowledgement (detail 1015: already acknowledged;
    1014: the operator may not acknowledge alarms). ``reply`` is then the
    :class:`AcknowledgeAlarmReply` (with the alarm as it stands after the
    call), ``status`` its failed status, and ``hresult`` 0 (there is none).
    """

    kind = "mxaccess"
    #: Always the raw reply (never ``None`` here).
    reply: commands_pb2.MxCommandReply | alarms_pb2.AcknowledgeAlarmReply

    def __init__(
        self,
        reply: commands_pb2.MxCommandReply | alarms_pb2.AcknowledgeAlarmReply,
        status: values_pb2.MxStatus | None,
    ) -> None:
        if isinstance(reply, alarms_pb2.AcknowledgeAlarmReply):
            message = _ack_refused_message(reply, status)
            hresult = 0
        else:
            message = _mxaccess_message(reply, status)
            hresult = reply.hresult
        super().__init__(message, reply)
        self.hresult = hresult
        self.status = status

    def __str__(self) -> str:
        return self.message


_HRESULT_NAMES = {0: "S_OK", -2147024809: "E_INVALIDARG", -2147467259: "E_FAIL"}


def _mxaccess_message(
    reply: commands_pb2.MxCommandReply, status: values_pb2.MxStatus | None
) -> str:
    from ._check import category_name, source_name

    text = f"MXAccess call failed: HRESULT 0x{reply.hresult & 0xFFFFFFFF:08X}"
    name = _HRESULT_NAMES.get(reply.hresult)
    if name is not None:
        text += f" ({name})"
    if status is not None:
        text += (
            f"; status category {category_name(status.category)}, detail {status.detail}, "
            f"detected by {source_name(status.detected_by)}"
        )
    if reply.message:
        text += f": {reply.message}"
    return text


#: The alarm acknowledgement refusals the gateway documents, by detail code.
_ACK_DETAIL_NAMES = {
    1014: "the operator may not acknowledge alarms",
    1015: "the alarm is already acknowledged",
}


def _ack_refused_message(
    reply: alarms_pb2.AcknowledgeAlarmReply, status: values_pb2.MxStatus | None
) -> str:
    """The text ``mxgw`` prints for a refused acknowledgement, to the byte."""
    from ._check import category_name, source_name

    s = status if status is not None else reply.status
    text = (
        f"MXAccess refused the acknowledgement: status category {category_name(s.category)}, "
        f"detail {s.detail}, detected by {source_name(s.detected_by)}"
    )
    reason = _ACK_DETAIL_NAMES.get(s.detail)
    if reason is not None:
        text += f" ({reason})"
    if reply.HasField("alarm"):
        text += f": {reply.alarm.reference}"
    return text


class Redactor:
    """Removes an API key (and its secret part alone) from text."""

    def __init__(self, api_key: str | None) -> None:
        secrets: list[str] = []
        if api_key:
            secrets.append(api_key)
            # The secret part of `mxgw_<id>_<secret>` alone is just as sensitive.
            _, sep, tail = api_key.rpartition("_")
            if sep and len(tail) >= 8:
                secrets.append(tail)
        self._secrets = tuple(secrets)

    def __repr__(self) -> str:
        return f"Redactor(<{len(self._secrets)} secrets>)"

    def scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text


_BY_KIND: dict[str, type[MxGatewayError]] = {
    "unauthenticated": MxGatewayAuthenticationError,
    "permission-denied": MxGatewayAuthorizationError,
    "session-not-found": MxGatewaySessionError,
    "not-found": MxGatewayNotFoundError,
    "session-limit": MxGatewayResourceExhaustedError,
    "resource-exhausted": MxGatewayResourceExhaustedError,
    "worker-unavailable": MxGatewayWorkerError,
    "invalid-argument": MxGatewayInvalidArgumentError,
    "deadline-exceeded": MxGatewayTimeoutError,
    "shutting-down": MxGatewayShuttingDownError,
    "internal": MxGatewayInternalError,
    "aborted": MxGatewayCommandError,
    "failed-precondition": MxGatewayCommandError,
}

_BY_CODE: dict[grpc.StatusCode, type[MxGatewayError]] = {
    grpc.StatusCode.UNAUTHENTICATED: MxGatewayAuthenticationError,
    grpc.StatusCode.PERMISSION_DENIED: MxGatewayAuthorizationError,
    grpc.StatusCode.NOT_FOUND: MxGatewaySessionError,
    grpc.StatusCode.INVALID_ARGUMENT: MxGatewayInvalidArgumentError,
    grpc.StatusCode.OUT_OF_RANGE: MxGatewayInvalidArgumentError,
    grpc.StatusCode.DEADLINE_EXCEEDED: MxGatewayTimeoutError,
    grpc.StatusCode.RESOURCE_EXHAUSTED: MxGatewayResourceExhaustedError,
    grpc.StatusCode.UNAVAILABLE: MxGatewayTransportError,
    grpc.StatusCode.CANCELLED: MxGatewayTransportError,
    grpc.StatusCode.ABORTED: MxGatewayCommandError,
    grpc.StatusCode.FAILED_PRECONDITION: MxGatewayCommandError,
}


def _error_kind(error: grpc.aio.AioRpcError) -> str | None:
    for metadata in (error.trailing_metadata(), error.initial_metadata()):
        if not metadata:
            continue
        for key, value in cast("Iterable[tuple[str, str | bytes]]", metadata):
            if key == ERROR_KIND_METADATA:
                return value if isinstance(value, str) else value.decode("ascii", "replace")
    return None


def map_rpc_error(error: grpc.aio.AioRpcError, redactor: Redactor) -> MxGatewayError:
    """Classifies a gRPC error: the gateway's kind metadata first, then the code."""
    code = error.code()
    message = redactor.scrub(error.details() or code.name)
    cls = _BY_KIND.get(_error_kind(error) or "")
    if cls is None:
        # No (or an unknown) gateway kind: a proxy, an older gateway, or a
        # failure on our side of the wire. Fall back to the code.
        cls = _BY_CODE.get(code, MxGatewayInternalError)
    return cls(message, code=code)

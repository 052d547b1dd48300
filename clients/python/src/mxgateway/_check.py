"""When a command reply is a failure (the rules shared with the Rust client).

- **Protocol failure** (:class:`MxGatewayCommandError`): ``protocol_status``
  is ``INVALID_REQUEST``, ``INTERNAL_ERROR``, ``PERMISSION_DENIED`` (the API
  key's tag constraints refused a single command) or a number this client does
  not know. ``OK`` is success, and so is ``UNSPECIFIED`` (an unpopulated field is
  not evidence of failure). Raw calls raise these.
- **MXAccess failure** (:class:`MxAccessError`): ``hresult != 0``, or a status
  with ``success == 0`` whose category is ``WARNING`` or an error category.
  Only checked calls raise these.
- A status with ``success == 0`` and category ``UNSPECIFIED`` or ``UNKNOWN``
  is an unpopulated placeholder, not a failure. ``OK`` and ``PENDING`` never
  fail.
"""

from __future__ import annotations

from collections.abc import Iterable

from ._errors import MxAccessError, MxGatewayCommandError
from .generated.mxgateway.v1 import commands_pb2, values_pb2

__all__ = [
    "category_name",
    "check_protocol",
    "check_reply",
    "first_failed_status",
    "is_protocol_failure",
    "source_name",
    "status_is_failure",
]

_FAILING_CATEGORIES = frozenset(
    {
        values_pb2.MX_STATUS_CATEGORY_WARNING,
        values_pb2.MX_STATUS_CATEGORY_COMMUNICATION_ERROR,
        values_pb2.MX_STATUS_CATEGORY_CONFIGURATION_ERROR,
        values_pb2.MX_STATUS_CATEGORY_OPERATIONAL_ERROR,
        values_pb2.MX_STATUS_CATEGORY_SECURITY_ERROR,
        values_pb2.MX_STATUS_CATEGORY_SOFTWARE_ERROR,
        values_pb2.MX_STATUS_CATEGORY_OTHER_ERROR,
    }
)

_PROTOCOL_SUCCESS = frozenset(
    {commands_pb2.PROTOCOL_STATUS_OK, commands_pb2.PROTOCOL_STATUS_UNSPECIFIED}
)


def status_is_failure(status: values_pb2.MxStatus) -> bool:
    """True when ``status`` reports a failure (see the module docstring)."""
    # Unknown category numbers (a newer gateway) are not in the set: an
    # unpopulated-looking entry must not raise.
    return status.success == 0 and status.category in _FAILING_CATEGORIES


def first_failed_status(
    statuses: Iterable[values_pb2.MxStatus],
) -> values_pb2.MxStatus | None:
    """The first failed status, if any."""
    return next((s for s in statuses if status_is_failure(s)), None)


def is_protocol_failure(reply: commands_pb2.MxCommandReply) -> bool:
    """True when the reply's ``protocol_status`` is a gateway-level failure."""
    return reply.protocol_status not in _PROTOCOL_SUCCESS


def check_protocol(reply: commands_pb2.MxCommandReply) -> commands_pb2.MxCommandReply:
    """Returns the reply unless it is a protocol failure (the raw check)."""
    if is_protocol_failure(reply):
        try:
            name = commands_pb2.ProtocolStatus.Name(reply.protocol_status)
        except ValueError:
            name = str(reply.protocol_status)
        message = f"protocol status {name}"
        if reply.message:
            message += f": {reply.message}"
        raise MxGatewayCommandError(message, reply)
    return reply


def check_reply(reply: commands_pb2.MxCommandReply) -> commands_pb2.MxCommandReply:
    """Returns the reply unless it is a protocol or MXAccess failure (the checked path)."""
    check_protocol(reply)
    failed = first_failed_status(reply.statuses)
    if reply.hresult != 0 or failed is not None:
        raise MxAccessError(reply, failed)
    return reply


def _enum_name(enum: str, prefix: str, number: int) -> str:
    descriptor = values_pb2.DESCRIPTOR.enum_types_by_name[enum]
    value = descriptor.values_by_number.get(number)
    if value is None:
        return "UNRECOGNIZED"
    return value.name.removeprefix(prefix)


def category_name(number: int) -> str:
    """``MX_STATUS_CATEGORY_OK`` → ``OK``; ``UNRECOGNIZED`` for unknown numbers."""
    return _enum_name("MxStatusCategory", "MX_STATUS_CATEGORY_", number)


def source_name(number: int) -> str:
    """``MX_STATUS_SOURCE_RESPONDING_LMX`` → ``RESPONDING_LMX``; else ``UNRECOGNIZED``."""
    return _enum_name("MxStatusSource", "MX_STATUS_SOURCE_", number)

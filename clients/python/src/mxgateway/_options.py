"""Connection options and the one place a gRPC channel is built from them.

TLS is the default, for every endpoint including loopback: plaintext happens
only when the caller says ``plaintext=True``. An endpoint such as
``127.0.0.1:5000`` is never silently downgraded.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc

from ._errors import MxGatewayConfigError

__all__ = [
    "DEFAULT_TIMEOUT",
    "ChannelPlan",
    "ClientOptions",
    "build_channel",
    "merge_options",
    "plan_channel",
]

#: The default of :attr:`ClientOptions.timeout`, in seconds.
DEFAULT_TIMEOUT = 30.0

#: The gRPC channel option that sets the name the server certificate is checked against.
SERVER_NAME_OVERRIDE_OPTION = "grpc.ssl_target_name_override"


@dataclass(frozen=True)
class ClientOptions:
    """Where and how to connect. ``repr`` never shows the API key.

    ``timeout`` (seconds) is the client's one timeout policy: it bounds
    connecting, every unary call (sent to the gateway as the gRPC deadline)
    and the opening of every stream. An open stream itself is not bounded.
    ``0`` or ``None`` disables it.
    """

    endpoint: str = "127.0.0.1:5000"
    api_key: str | None = dataclasses.field(default=None, repr=False)
    plaintext: bool = False
    ca_file: str | Path | None = None
    server_name_override: str | None = None
    timeout: float | None = DEFAULT_TIMEOUT

    def __repr__(self) -> str:
        key = None if self.api_key is None else "<redacted>"
        return (
            f"ClientOptions(endpoint={self.endpoint!r}, api_key={key}, "
            f"plaintext={self.plaintext!r}, ca_file={self.ca_file!r}, "
            f"server_name_override={self.server_name_override!r}, timeout={self.timeout!r})"
        )

    @property
    def effective_timeout(self) -> float | None:
        """The timeout in seconds, or ``None`` when disabled."""
        return self.timeout if self.timeout else None


def merge_options(
    options: ClientOptions | None,
    *,
    endpoint: str | None = None,
    api_key: str | None = None,
    plaintext: bool | None = None,
    ca_file: str | Path | None = None,
    server_name_override: str | None = None,
    timeout: float | None = None,
) -> ClientOptions:
    """``options`` (default: ``ClientOptions()``) with every keyword that is not
    ``None`` replacing its field: the merge rule of the clients' ``connect``."""
    options = options or ClientOptions()
    overrides = {
        "endpoint": endpoint,
        "api_key": api_key,
        "plaintext": plaintext,
        "ca_file": ca_file,
        "server_name_override": server_name_override,
        "timeout": timeout,
    }
    changes: dict[str, Any] = {k: v for k, v in overrides.items() if v is not None}
    return dataclasses.replace(options, **changes) if changes else options


@dataclass(frozen=True)
class ChannelPlan:
    """What :func:`build_channel` will create; pure data, for tests and logs."""

    target: str
    #: PEM bytes of the CA file, ``None`` for the system roots; unused with plaintext.
    root_certificates: bytes | None
    plaintext: bool
    channel_options: tuple[tuple[str, str | int], ...]


def plan_channel(options: ClientOptions) -> ChannelPlan:
    """Validates the options into a :class:`ChannelPlan` (reads the CA file)."""
    endpoint = options.endpoint.strip()
    if not endpoint:
        raise MxGatewayConfigError("the endpoint is empty")
    plaintext = options.plaintext
    if plaintext and options.ca_file is not None:
        raise MxGatewayConfigError(
            "a CA file was given but plaintext was requested; drop one of them"
        )
    if plaintext and options.server_name_override is not None:
        raise MxGatewayConfigError(
            "a TLS server name override was given but plaintext was requested; drop one of them"
        )
    scheme, sep, rest = endpoint.partition("://")
    if sep:
        if scheme == "https" and plaintext:
            raise MxGatewayConfigError(
                f"endpoint {endpoint} asks for https:// but plaintext was requested"
            )
        if scheme == "http" and not plaintext:
            raise MxGatewayConfigError(
                f"endpoint {endpoint} asks for http:// but TLS is the default; "
                "request plaintext explicitly to connect without TLS"
            )
        if scheme not in ("http", "https"):
            raise MxGatewayConfigError(
                f"endpoint scheme {scheme}:// is not supported (use host:port)"
            )
        endpoint = rest.rstrip("/")
    roots: bytes | None = None
    if options.ca_file is not None:
        try:
            roots = Path(options.ca_file).read_bytes()
        except OSError as e:
            raise MxGatewayConfigError(
                f"cannot read CA file {options.ca_file}: {e.strerror or e}"
            ) from None
    channel_options: list[tuple[str, str | int]] = []
    if options.server_name_override is not None:
        channel_options.append((SERVER_NAME_OVERRIDE_OPTION, options.server_name_override))
    return ChannelPlan(
        target=endpoint,
        root_certificates=roots,
        plaintext=plaintext,
        channel_options=tuple(channel_options),
    )


def build_channel(plan: ChannelPlan) -> grpc.aio.Channel:
    """Creates the (lazy) grpc.aio channel a plan describes."""
    if plan.plaintext:
        return grpc.aio.insecure_channel(plan.target, options=list(plan.channel_options))
    # A custom CA replaces the system roots: trusting both would let any
    # public CA vouch for a private gateway.
    credentials = grpc.ssl_channel_credentials(root_certificates=plan.root_certificates)
    return grpc.aio.secure_channel(plan.target, credentials, options=list(plan.channel_options))

"""The public surface is locked: a change here is a reviewed API change."""

from __future__ import annotations

import importlib

import mxgateway
import mxgateway_cli

EXPECTED = {
    "DEFAULT_TIMEOUT",
    "ERROR_KIND_METADATA",
    "PROTOCOL",
    "VALUE_TYPES",
    "AlarmEvent",
    "AlarmRecord",
    "ClientOptions",
    "DeployEvent",
    "EventStream",
    "GalaxyAttribute",
    "GalaxyObject",
    "GalaxyRepositoryClient",
    "GatewayClient",
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
    "MxValueInput",
    "MxValueOutput",
    "RpcStream",
    "Session",
    "Write2Entry",
    "WriteEntry",
    "WriteSecured2Entry",
    "WriteSecuredEntry",
    "__version__",
    "auth_metadata",
    "category_name",
    "from_mx_value",
    "pb",
    "source_name",
    "status_is_failure",
    "to_mx_value",
}


def test_public_names_are_locked() -> None:
    assert set(mxgateway.__all__) == EXPECTED
    for name in mxgateway.__all__:
        assert hasattr(mxgateway, name), name
    assert set(mxgateway_cli.__all__) == {"cli", "main", "run"}


def test_every_module_has_a_docstring_and_all() -> None:
    for name in [
        "mxgateway",
        "mxgateway._bulk",
        "mxgateway._check",
        "mxgateway._client",
        "mxgateway._errors",
        "mxgateway._galaxy",
        "mxgateway._options",
        "mxgateway._session",
        "mxgateway._streams",
        "mxgateway._transport",
        "mxgateway._values",
        "mxgateway.pb",
        "mxgateway_cli",
        "mxgateway_cli._commands",
        "mxgateway_cli._items",
        "mxgateway_cli._json",
        "mxgateway_cli._parse",
        "mxgateway_cli._rfc3339",
        "mxgateway_cli.__main__",
    ]:
        module = importlib.import_module(name)
        assert module.__doc__, name
        assert isinstance(getattr(module, "__all__", None), list), name


def test_pb_exposes_every_generated_message() -> None:
    from mxgateway.generated.mxgateway.v1 import (
        alarms_pb2,
        commands_pb2,
        galaxy_pb2,
        gateway_pb2,
        values_pb2,
    )

    for module in (values_pb2, commands_pb2, gateway_pb2, galaxy_pb2, alarms_pb2):
        for name in module.DESCRIPTOR.message_types_by_name:
            assert name in mxgateway.pb.__all__, name
        for name in module.DESCRIPTOR.enum_types_by_name:
            assert name in mxgateway.pb.__all__, name


def test_galaxy_names_are_the_generated_messages() -> None:
    assert mxgateway.GalaxyObject is mxgateway.pb.GalaxyObject
    assert mxgateway.GalaxyAttribute is mxgateway.pb.GalaxyAttribute
    assert mxgateway.DeployEvent is mxgateway.pb.DeployEvent


def test_alarm_names_are_the_generated_messages() -> None:
    assert mxgateway.AlarmEvent is mxgateway.pb.AlarmEvent
    assert mxgateway.AlarmRecord is mxgateway.pb.AlarmRecord

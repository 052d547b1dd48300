"""Async Python client of the MXAccess Gateway.

Layout: the public names below are re-exported from private modules
(``_client``, ``_session``, ``_bulk``, ``_galaxy``, ``_errors``, ``_values``, ...); the generated
protobuf bindings live in :mod:`mxgateway.generated` and, under short names,
in :mod:`mxgateway.pb`. ``tests/test_exports.py`` locks this list.

Typical use::

    async with await GatewayClient.connect(endpoint="gw:5001", api_key=key) as client:
        session = await client.open_session(client_session_name="python-client")
        try:
            server = await session.register("python-client")
            item = await session.add_item(server, "TestChildObject.TestInt")
            await session.advise(server, item)
            refs = ["TestChildObject.TestDouble", "TestChildObject.PV"]
            results = await session.subscribe_bulk(server, refs)  # one result per ref
            handles = [r.item_handle for r in results if r.was_successful]
            await session.write_bulk(server, [WriteEntry(h, 1.5) for h in handles])
        finally:
            await session.close()

    async with await GatewayClient.connect(endpoint="gw:5001", api_key=key) as client:
        for alarm in await client.query_active_alarms(min_priority=1, max_priority=500):
            print(alarm.reference, pb.AlarmState.Name(alarm.state))
        await client.acknowledge_alarm("Tank_001.Level.Hi", "seen", operator="supervisor")

    async with await GalaxyRepositoryClient.connect(endpoint="gw:5001", api_key=key) as galaxy:
        async for obj in galaxy.iter_hierarchy():  # one page at a time
            print(obj.tag_name, [a.full_tag_reference for a in obj.attributes])
"""

from __future__ import annotations

from . import pb
from ._bulk import Write2Entry, WriteEntry, WriteSecured2Entry, WriteSecuredEntry
from ._check import category_name, source_name, status_is_failure
from ._client import AlarmEvent, AlarmRecord, GatewayClient
from ._errors import (
    ERROR_KIND_METADATA,
    MxAccessError,
    MxGatewayAuthenticationError,
    MxGatewayAuthorizationError,
    MxGatewayCommandError,
    MxGatewayConfigError,
    MxGatewayError,
    MxGatewayInternalError,
    MxGatewayInvalidArgumentError,
    MxGatewayNotFoundError,
    MxGatewayResourceExhaustedError,
    MxGatewaySessionError,
    MxGatewayShuttingDownError,
    MxGatewayTimeoutError,
    MxGatewayTransportError,
    MxGatewayWorkerError,
)
from ._galaxy import DeployEvent, GalaxyAttribute, GalaxyObject, GalaxyRepositoryClient
from ._options import DEFAULT_TIMEOUT, ClientOptions
from ._session import EventStream, Session
from ._streams import RpcStream
from ._transport import auth_metadata
from ._values import VALUE_TYPES, MxValueInput, MxValueOutput, from_mx_value, to_mx_value

__version__ = "0.1.0"

#: The wire protocol this client speaks.
PROTOCOL = "mxgateway.v1"

__all__ = [
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
]

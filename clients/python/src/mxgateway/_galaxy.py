"""``GalaxyRepositoryClient``: the gateway's ``GalaxyRepository`` service.

The service answers what the galaxy contains and when it was last deployed,
from the gateway's repository database (its embedded copy of the simulated
galaxy, or a real System Platform Galaxy Repository). It takes no session.
Connecting, TLS, the API key metadata, the timeout and the error mapping are
those of :class:`GatewayClient` (both connect through
:meth:`Transport.open`).

Browsing is paged: :meth:`GalaxyRepositoryClient.iter_hierarchy` asks for
the next page only once the caller has taken every object of the current
one, so at most one page is held, and it refuses a page token the gateway
already returned (a gateway that loops is an error, never an endless
browse). A deploy during a browse makes the gateway refuse the next token
with ``ABORTED`` (:class:`MxGatewayCommandError`): start again.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime, timezone
from types import TracebackType

import grpc

from ._errors import MxGatewayCommandError
from ._options import ClientOptions, merge_options
from ._streams import RpcStream
from ._transport import GALAXY_SERVICE, Transport
from ._values import TimestampInput, to_timestamp
from .generated.mxgateway.v1 import galaxy_pb2

__all__ = ["DeployEvent", "GalaxyAttribute", "GalaxyObject", "GalaxyRepositoryClient"]

#: One deploy-state notification of :meth:`GalaxyRepositoryClient.watch_deploy_events`.
DeployEvent = galaxy_pb2.DeployEvent
#: A deployed object with its attributes, as the browse returns it.
GalaxyObject = galaxy_pb2.GalaxyObject
#: A user-defined attribute of a :data:`GalaxyObject`.
GalaxyAttribute = galaxy_pb2.GalaxyAttribute

#: The largest ``page_size`` the wire can carry (a ``uint32``).
_MAX_PAGE_SIZE = 2**32 - 1


def _short(token: str) -> str:
    """A page token for a message: tokens are opaque and may be long."""
    return repr(token if len(token) <= 64 else token[:64] + "...")


class GalaxyRepositoryClient:
    """A client of the ``GalaxyRepository`` service (scope ``metadata:read``;
    :meth:`deploy_simulated_galaxy` needs ``admin``).

    Create it with :meth:`connect`; use it as ``async with await
    GalaxyRepositoryClient.connect(...) as galaxy``.
    """

    def __init__(self, transport: Transport, options: ClientOptions) -> None:
        self._transport = transport
        self._options = options
        self._closed = False

    def __repr__(self) -> str:
        return f"GalaxyRepositoryClient({self._options!r}, closed={self._closed})"

    @classmethod
    async def connect(
        cls,
        options: ClientOptions | None = None,
        *,
        endpoint: str | None = None,
        api_key: str | None = None,
        plaintext: bool | None = None,
        ca_file: str | None = None,
        server_name_override: str | None = None,
        timeout: float | None = None,
        channel: grpc.aio.Channel | None = None,
    ) -> GalaxyRepositoryClient:
        """Validates the options and connects, bounded by the timeout.

        The same options as :meth:`GatewayClient.connect`: a
        :class:`ClientOptions`, keyword arguments, or both (keywords override
        the options); TLS unless ``plaintext=True``. ``channel`` injects a
        ready-made channel (the test seam); the TLS options are then not used.
        """
        options = merge_options(
            options,
            endpoint=endpoint,
            api_key=api_key,
            plaintext=plaintext,
            ca_file=ca_file,
            server_name_override=server_name_override,
            timeout=timeout,
        )
        transport = await Transport.open(options, GALAXY_SERVICE, channel)
        return cls(transport, options)

    @property
    def options(self) -> ClientOptions:
        """The options this client connected with (``repr`` hides the key)."""
        return self._options

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called."""
        return self._closed

    # === connection and deploy time ===

    async def test_connection_raw(self) -> galaxy_pb2.TestConnectionReply:
        """TestConnection, returning the reply (``ok``, ``message``, ``provider``).

        An unreachable database is not an error: ``ok`` is false and
        ``message`` says why.
        """
        reply = await self._transport.unary(
            "TestConnection", galaxy_pb2.TestConnectionRequest(), galaxy_pb2.TestConnectionReply
        )
        if reply.message:
            # A gateway quoting our own key back must not put it in the caller's logs.
            reply.message = self._transport.redactor.scrub(reply.message)
        return reply

    async def test_connection(self) -> bool:
        """Whether the gateway can query its repository database."""
        return (await self.test_connection_raw()).ok

    async def get_last_deploy_time_raw(self) -> galaxy_pb2.GetLastDeployTimeReply:
        """GetLastDeployTime, returning the reply (exact to the nanosecond)."""
        return await self._transport.unary(
            "GetLastDeployTime",
            galaxy_pb2.GetLastDeployTimeRequest(),
            galaxy_pb2.GetLastDeployTimeReply,
        )

    async def get_last_deploy_time(self) -> datetime | None:
        """The galaxy's last deploy time as an aware UTC ``datetime``
        (microsecond precision), or ``None`` when it was never deployed."""
        reply = await self.get_last_deploy_time_raw()
        if not reply.present:
            return None
        return reply.time_of_last_deploy.ToDatetime(tzinfo=timezone.utc)

    # === browse ===

    async def discover_hierarchy_page(
        self, page_size: int = 0, page_token: str = ""
    ) -> galaxy_pb2.DiscoverHierarchyReply:
        """One DiscoverHierarchy call: the page after ``page_token`` ("" for the first).

        ``page_size`` 0 asks for the gateway's default; larger sizes are
        capped at its maximum. Prefer :meth:`iter_hierarchy`, which chains
        the pages and checks the tokens.
        """
        if not 0 <= page_size <= _MAX_PAGE_SIZE:
            raise ValueError(f"page_size {page_size} is outside 0..{_MAX_PAGE_SIZE}")
        return await self._transport.unary(
            "DiscoverHierarchy",
            galaxy_pb2.DiscoverHierarchyRequest(page_size=page_size, page_token=page_token),
            galaxy_pb2.DiscoverHierarchyReply,
        )

    async def iter_hierarchy(
        self, page_size: int = 0
    ) -> AsyncGenerator[galaxy_pb2.GalaxyObject, None]:
        """The deployed objects, parents before children, one page at a time.

        An async generator: the next page is requested only after the caller
        has taken every object of the current one, and the client holds one
        page at most. A page token the gateway already returned raises
        :class:`MxGatewayCommandError` before any object of that page is
        yielded. So does a deploy during the browse (the gateway refuses the
        next token with ``ABORTED``); the objects already yielded belong to
        the old deploy, so start again.
        """
        if not 0 <= page_size <= _MAX_PAGE_SIZE:
            raise ValueError(f"page_size {page_size} is outside 0..{_MAX_PAGE_SIZE}")
        returned: set[str] = set()
        token = ""
        while True:
            page = await self.discover_hierarchy_page(page_size, token)
            token = page.next_page_token
            if token in returned:
                raise MxGatewayCommandError(
                    f"the gateway returned page token {_short(token)} a second time "
                    f"(after {len(returned)} pages); stopping the browse instead of looping"
                )
            if token:
                returned.add(token)
            for obj in page.objects:
                yield obj
            # Dropped before the next request, so two pages are never held at once.
            del page
            if not token:
                return

    async def discover_hierarchy(self, page_size: int = 0) -> list[galaxy_pb2.GalaxyObject]:
        """Every deployed object, with its attributes, in one list.

        Built on :meth:`iter_hierarchy` (same errors); for a large galaxy
        iterate that instead, to hold one page at a time.
        """
        return [obj async for obj in self.iter_hierarchy(page_size)]

    # === deploys ===

    def watch_deploy_events(
        self, last_seen_deploy_time: TimestampInput | None = None
    ) -> RpcStream[galaxy_pb2.DeployEvent]:
        """The deploy state now, then one :data:`DeployEvent` per deploy.

        With ``last_seen_deploy_time`` (an aware ``datetime`` or a protobuf
        ``Timestamp``) equal to the current deploy time the first event is not
        sent. The stream opens at the first iteration (bounded by the
        timeout; an open stream is not). Leaving the loop, ``aclose()``, the
        end of an ``async with`` block or cancelling the consuming task
        cancels the gRPC call. A ``sequence`` gap means the gateway dropped
        events for this (slow) subscriber.
        """
        request = galaxy_pb2.WatchDeployEventsRequest()
        if last_seen_deploy_time is not None:
            request.last_seen_deploy_time.CopyFrom(to_timestamp(last_seen_deploy_time))
        return self._transport.server_stream("WatchDeployEvents", request, galaxy_pb2.DeployEvent)

    async def deploy_simulated_galaxy(
        self, model_toml: str
    ) -> galaxy_pb2.DeploySimulatedGalaxyReply:
        """Replaces the simulated galaxy's model (TOML, ``docs/galaxy-model.md``),
        as a deploy from the IDE would; returns the new deploy time and counts.

        Needs the ``admin`` scope. An invalid model raises
        :class:`MxGatewayInvalidArgumentError` and changes nothing; a gateway
        that browses a real repository raises :class:`MxGatewayCommandError`
        (``FAILED_PRECONDITION``).
        """
        return await self._transport.unary(
            "DeploySimulatedGalaxy",
            galaxy_pb2.DeploySimulatedGalaxyRequest(model_toml=model_toml),
            galaxy_pb2.DeploySimulatedGalaxyReply,
        )

    # === lifetime ===

    async def close(self) -> None:
        """Closes the channel. Idempotent, also under concurrent calls."""
        if self._closed:
            return
        # Set before the first await, so a concurrent close returns at once.
        self._closed = True
        await self._transport.close()

    async def __aenter__(self) -> GalaxyRepositoryClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

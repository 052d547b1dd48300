"""The ``mxgw-py`` commands: the same commands, flags, defaults, JSON and exit
codes as the Rust ``mxgw`` (``docs/cli-json.md`` is the contract).

Exit codes: 0 success; 1 runtime error; 2 usage error (bad flags, a
``--value`` not valid for ``--type``, inconsistent TLS options, an unreadable
CA file, an unset ``--*-env`` variable). Errors print as
``mxgw-py: error: ...`` on stderr, or with ``--json`` as
``{"error": ..., "type": ...}`` on stdout. Every secret given on the command
line or named by ``--api-key-env`` / ``--password-env`` is scrubbed from
every message.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import math
import os
import re
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, NoReturn, Protocol, TypeVar, cast

import click
from google.protobuf import timestamp_pb2

import mxgateway
from mxgateway import (
    GalaxyRepositoryClient,
    GatewayClient,
    MxAccessError,
    MxGatewayError,
    Session,
    _bulk,
    pb,
    status_is_failure,
)
from mxgateway._errors import REDACTED

from . import _bench
from ._items import Entry, EntryError, collect, parse_handle, parse_handle_value
from ._json import (
    Json,
    acknowledge_json,
    active_alarms_json,
    alarm_event_json,
    bulk_json,
    command_json,
    connection_json,
    deploy_event_json,
    deploy_reply_json,
    event_json,
    galaxy_object_json,
    last_deploy_json,
    limits_json,
    read_result_json,
    render,
    subscribe_result_json,
    value_json,
    write_result_json,
)
from ._parse import VALUE_TYPES, InvalidValue, parse_time, parse_value
from ._rfc3339 import format_timestamp

__all__ = ["PROTOCOL", "CliError", "cli", "main", "run"]

#: The protocol this CLI speaks, printed by ``version``.
PROTOCOL = "mxgateway.v1"
#: The cap on ``--max-events``: one invocation cannot buffer without bound.
MAX_EVENTS_CAP = 1_000_000
PROG = "mxgw-py"

F = TypeVar("F", bound=Callable[..., Any])

INT32 = click.IntRange(-(2**31), 2**31 - 1)
MAX_EVENTS = click.IntRange(0, MAX_EVENTS_CAP)
U64 = click.IntRange(0, 2**64 - 1)
U32 = click.IntRange(0, 2**32 - 1)


class CliError(Exception):
    """An error with a class for the ``"type"`` of the JSON error object."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message

    def __str__(self) -> str:
        return self.message


# === output ===


@dataclass
class Printer:
    """Prints results: JSON (one object per line) or plain text."""

    json: bool

    def result(self, value: Json) -> None:
        if self.json:
            text = render(value)
        elif isinstance(value, dict):
            text = "\n".join(f"{k}: {_human(v)}" for k, v in value.items())
        else:
            text = _human(value)
        self._line(text)

    def event(self, value: Json) -> None:
        if self.json:
            text = render(value)
        elif isinstance(value, dict):
            parts = [
                _human(v) if i == 0 else f"{k}={render(v)}"
                for i, (k, v) in enumerate(value.items())
            ]
            text = " ".join(parts)
        else:
            text = _human(value)
        self._line(text)

    @staticmethod
    def _line(text: str) -> None:
        sys.stdout.write(text + "\n")
        # Flushed per line so JSON Lines consumers see events as they come.
        sys.stdout.flush()


def _human(value: Json) -> str:
    return value if isinstance(value, str) else render(value)


# === the shared flags ===


@dataclass(frozen=True)
class Connect:
    """How to reach the gateway, as the common flags say."""

    endpoint: str
    api_key: str | None
    api_key_env: str | None
    plaintext: bool
    tls: bool
    ca_file: str | None
    server_name_override: str | None


def connect_options(func: F) -> F:
    """Adds the common connection flags (the one place they are declared)."""
    options = [
        click.option(
            "--endpoint",
            default="127.0.0.1:5000",
            show_default=True,
            metavar="HOST:PORT",
            help="The gateway address, host:port.",
        ),
        click.option(
            "--api-key",
            metavar="KEY",
            help="The API key (mxgw_<id>_<secret>). Prefer --api-key-env: command lines "
            "are visible to other users.",
        ),
        click.option(
            "--api-key-env", metavar="NAME", help="Read the API key from this environment variable."
        ),
        click.option(
            "--plaintext",
            is_flag=True,
            help="Connect without TLS (the key then travels in cleartext).",
        ),
        click.option(
            "--tls", is_flag=True, help="Connect with TLS (the default; accepted for explicitness)."
        ),
        click.option(
            "--ca-file",
            metavar="PATH",
            help="A PEM file of CA certificates to trust instead of the system roots.",
        ),
        click.option(
            "--server-name-override",
            metavar="NAME",
            help="The name to verify the server certificate against.",
        ),
    ]

    @functools.wraps(func)
    def wrapper(**kwargs: Any) -> Any:
        kwargs["connect"] = _connect_args(
            Connect(
                endpoint=kwargs.pop("endpoint"),
                api_key=kwargs.pop("api_key"),
                api_key_env=kwargs.pop("api_key_env"),
                plaintext=kwargs.pop("plaintext"),
                tls=kwargs.pop("tls"),
                ca_file=kwargs.pop("ca_file"),
                server_name_override=kwargs.pop("server_name_override"),
            )
        )
        return func(**kwargs)

    decorated: Callable[..., Any] = wrapper
    for option in reversed(options):
        decorated = option(decorated)
    return cast(F, json_option(decorated))


def json_option(func: F) -> F:
    """Adds ``--json`` (shared by every command)."""
    return click.option(
        "--json",
        "json_output",
        is_flag=True,
        help="Print JSON (one object; JSON Lines for stream-events, galaxy-discover, "
        "galaxy-watch and stream-alarms).",
    )(func)


def _connect_args(c: Connect) -> Connect:
    """The flag conflicts ``mxgw`` rejects as usage errors."""
    if c.plaintext and c.tls:
        raise click.UsageError("the argument '--plaintext' cannot be used with '--tls'")
    if c.api_key is not None and c.api_key_env is not None:
        raise click.UsageError("the argument '--api-key' cannot be used with '--api-key-env'")
    if c.plaintext and c.ca_file is not None:
        raise click.UsageError("the argument '--ca-file' cannot be used with '--plaintext'")
    if c.plaintext and c.server_name_override is not None:
        raise click.UsageError(
            "the argument '--server-name-override' cannot be used with '--plaintext'"
        )
    return c


def _env_secret(name: str, flag: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        raise CliError("usage", f"environment variable {name} (named by {flag}) is not set")
    return value


def _api_key(c: Connect) -> str | None:
    if c.api_key is not None:
        return c.api_key
    if c.api_key_env is not None:
        return _env_secret(c.api_key_env, "--api-key-env")
    return None


async def _connect(c: Connect) -> GatewayClient:
    return await GatewayClient.connect(
        endpoint=c.endpoint,
        api_key=_api_key(c),
        plaintext=c.plaintext,
        ca_file=c.ca_file,
        server_name_override=c.server_name_override,
    )


def _run(coro: Awaitable[None]) -> None:
    async def wrapped() -> None:
        await coro

    asyncio.run(wrapped())


def session_option(func: F) -> F:
    return click.option("--session-id", required=True, metavar="ID", help="The session id.")(func)


def handle_options(func: F) -> F:
    func = click.option(
        "--item-handle",
        required=True,
        type=INT32,
        metavar="HANDLE",
        help="The handle AddItem returned.",
    )(func)
    func = click.option(
        "--server-handle",
        required=True,
        type=INT32,
        metavar="HANDLE",
        help="The handle Register returned.",
    )(func)
    return session_option(func)


def value_options(func: F) -> F:
    func = click.option(
        "--timestamp",
        metavar="RFC3339",
        help="A source timestamp (RFC 3339 with offset); uses Write2 / WriteSecured2.",
    )(func)
    func = click.option(
        "--value",
        "value_text",
        required=True,
        metavar="VALUE",
        help="The value, e.g. 123, 1.5, true, 2024-01-02T03:04:05Z, or [1,2,3].",
    )(func)
    return click.option(
        "--type",
        "value_type",
        required=True,
        type=click.Choice(VALUE_TYPES),
        metavar="TYPE",
        help=f"The value type ({', '.join(VALUE_TYPES)}). Array types take a JSON array.",
    )(func)


# === the command line ===


class MxgwGroup(click.Group):
    """Runs a command and turns every failure into the documented output and exit code."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        code = _main(self, argv, prog_name or PROG, **extra)
        if standalone_mode:
            sys.exit(code)
        return code


def _main(group: click.Group, argv: list[str], prog_name: str, **extra: Any) -> int:
    secrets = _secrets_in(argv)
    json_mode = "--json" in argv
    try:
        result = click.Group.main(
            group, args=argv, prog_name=prog_name, standalone_mode=False, **extra
        )
    except click.UsageError as e:
        return _report(e.format_message(), "usage", json_mode, secrets)
    except click.ClickException as e:
        return _report(e.format_message(), "usage", json_mode, secrets)
    except click.Abort:
        return 130
    except BrokenPipeError:
        # A closed stdout (e.g. `| head`) ends the output; that is not a failure.
        return 0
    except CliError as e:
        return _report(e.message, e.kind, json_mode, secrets)
    except InvalidValue as e:
        return _report(str(e), "invalid-value", json_mode, secrets)
    except MxGatewayError as e:
        return _report(str(e), e.kind, json_mode, secrets)
    except ValueError as e:
        return _report(str(e), "invalid-value", json_mode, secrets)
    return result if isinstance(result, int) else 0


def _report(message: str, kind: str, json_mode: bool, secrets: list[str]) -> int:
    message = _scrub(message.strip(), secrets)
    if json_mode:
        sys.stdout.write(render({"error": message, "type": kind}) + "\n")
        sys.stdout.flush()
    else:
        sys.stderr.write(f"{PROG}: error: {message}\n")
    return 2 if kind in ("usage", "config", "invalid-value") else 1


def _secrets_in(argv: list[str]) -> list[str]:
    """The secrets this invocation carries: ``--api-key`` / ``--password`` values
    and the values of the variables ``--api-key-env`` / ``--password-env`` name.
    Taken from the raw arguments, so even a rejected command line is scrubbed."""
    found: list[str] = []
    for i, arg in enumerate(argv):
        for flag in ("--api-key", "--password", "--api-key-env", "--password-env"):
            if arg == flag:
                value = argv[i + 1] if i + 1 < len(argv) else None
            elif arg.startswith(flag + "="):
                value = arg[len(flag) + 1 :]
            else:
                continue
            if value is None:
                continue
            if flag.endswith("-env"):
                env = os.environ.get(value)
                if env:
                    found.append(env)
            else:
                found.append(value)
    secrets: list[str] = []
    for secret in filter(None, found):
        # The secret part of `mxgw_<id>_<secret>` alone is just as sensitive.
        _, sep, tail = secret.rpartition("_")
        if sep and len(tail) >= 8:
            secrets.append(tail)
        secrets.append(secret)
    # Longest first, so a key is replaced whole before its tail is.
    return sorted(set(secrets), key=len, reverse=True)


def _scrub(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    return text


@click.group(
    cls=MxgwGroup,
    help="Command-line client of the MXAccess Gateway.\n\nExit codes: 0 success, "
    "1 runtime error, 2 usage error. With --json, results and errors are JSON on "
    "stdout (see docs/cli-json.md).",
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(mxgateway.__version__, "-V", "--version", prog_name=PROG)
def cli() -> None:
    pass


@cli.command("version", help="Print the client version and protocol.")
@json_option
def version_cmd(json_output: bool) -> None:
    Printer(json_output).result(
        {"client": PROG, "version": mxgateway.__version__, "protocol": PROTOCOL}
    )


@cli.command("open-session", help="Open a session and print its id, capabilities and limits.")
@click.option(
    "--client-session-name",
    default="mxgw",
    show_default=True,
    metavar="NAME",
    help="A label for operators, shown in the gateway's session list.",
)
@connect_options
def open_session_cmd(client_session_name: str, connect: Connect, json_output: bool) -> None:
    async def go() -> None:
        async with await _connect(connect) as client:
            reply = await client.open_session_raw(
                pb.OpenSessionRequest(client_session_name=client_session_name)
            )
        Printer(json_output).result(
            {
                "sessionId": reply.session_id,
                "gatewayVersion": reply.gateway_version,
                "backend": reply.backend,
                "workerProtocolVersion": reply.worker_protocol_version,
                "capabilities": list(reply.capabilities),
                "limits": limits_json(reply.limits) if reply.HasField("limits") else None,
            }
        )

    _run(go())


@cli.command("close-session", help="Close a session (and stop its worker).")
@session_option
@connect_options
def close_session_cmd(session_id: str, connect: Connect, json_output: bool) -> None:
    async def go() -> None:
        async with await _connect(connect) as client:
            closed = await client.close_session(session_id)
        Printer(json_output).result({"sessionId": session_id, "closed": closed})

    _run(go())


def _session_command(
    connect: Connect,
    session_id: str,
    body: Callable[[Session], Awaitable[Json]],
    json_output: bool,
) -> None:
    async def go() -> None:
        async with await _connect(connect) as client:
            result = await body(client.session(session_id))
        Printer(json_output).result(result)

    _run(go())


def _result(reply: pb.MxCommandReply, field: str, what: str) -> int:
    if reply.WhichOneof("result") != field:
        raise CliError("command", f"the reply carries no {what}")
    value: int = getattr(reply, field)
    return value


@cli.command("register", help="Register(clientName) -> serverHandle.")
@session_option
@click.option(
    "--client-name",
    default="mxgw",
    show_default=True,
    metavar="NAME",
    help="The MXAccess client name.",
)
@connect_options
def register_cmd(session_id: str, client_name: str, connect: Connect, json_output: bool) -> None:
    async def body(session: Session) -> Json:
        reply = await session.invoke(
            pb.MxCommand(register=pb.RegisterCommand(client_name=client_name))
        )
        handle = _result(reply, "server_handle", "server handle")
        inputs: dict[str, Json] = {"clientName": client_name, "serverHandle": handle}
        return command_json("register", session.session_id, inputs, reply)

    _session_command(connect, session_id, body, json_output)


@cli.command("unregister", help="Unregister(serverHandle).")
@session_option
@click.option(
    "--server-handle",
    required=True,
    type=INT32,
    metavar="HANDLE",
    help="The handle Register returned.",
)
@connect_options
def unregister_cmd(
    session_id: str, server_handle: int, connect: Connect, json_output: bool
) -> None:
    async def body(session: Session) -> Json:
        reply = await session.invoke(
            pb.MxCommand(unregister=pb.UnregisterCommand(server_handle=server_handle))
        )
        return command_json(
            "unregister", session.session_id, {"serverHandle": server_handle}, reply
        )

    _session_command(connect, session_id, body, json_output)


@cli.command("add-item", help="AddItem(serverHandle, item) -> itemHandle; AddItem2 with --context.")
@session_option
@click.option(
    "--server-handle",
    required=True,
    type=INT32,
    metavar="HANDLE",
    help="The handle Register returned.",
)
@click.option(
    "--item",
    required=True,
    metavar="REFERENCE",
    help="The item reference, e.g. TestChildObject.TestInt.",
)
@click.option("--context", metavar="CONTEXT", help="An item context; uses AddItem2.")
@connect_options
def add_item_cmd(
    session_id: str,
    server_handle: int,
    item: str,
    context: str | None,
    connect: Connect,
    json_output: bool,
) -> None:
    async def body(session: Session) -> Json:
        if context is None:
            command = pb.MxCommand(
                add_item=pb.AddItemCommand(server_handle=server_handle, item_definition=item)
            )
        else:
            command = pb.MxCommand(
                add_item2=pb.AddItem2Command(
                    server_handle=server_handle, item_definition=item, item_context=context
                )
            )
        reply = await session.invoke(command)
        handle = _result(reply, "item_handle", "item handle")
        inputs: dict[str, Json] = {
            "serverHandle": server_handle,
            "item": item,
            "context": context,
            "itemHandle": handle,
        }
        return command_json("add-item", session.session_id, inputs, reply)

    _session_command(connect, session_id, body, json_output)


def server_handle_option(func: F) -> F:
    return click.option(
        "--server-handle",
        required=True,
        type=INT32,
        metavar="HANDLE",
        help="The handle Register returned.",
    )(func)


@cli.command(
    "add-buffered-item",
    help="AddBufferedItem(serverHandle, item, context) -> itemHandle: once advised, the item "
    "reports through bufferedDataChange events.",
)
@session_option
@server_handle_option
@click.option(
    "--item",
    required=True,
    metavar="REFERENCE",
    help="The item reference, e.g. TestChildObject.TestInt.",
)
@click.option(
    "--context",
    default="",
    metavar="CONTEXT",
    help="The item context relative references resolve in (default: none).",
)
@connect_options
def add_buffered_item_cmd(
    session_id: str,
    server_handle: int,
    item: str,
    context: str,
    connect: Connect,
    json_output: bool,
) -> None:
    async def body(session: Session) -> Json:
        reply = await session.invoke(
            pb.MxCommand(
                add_buffered_item=pb.AddBufferedItemCommand(
                    server_handle=server_handle, item_definition=item, item_context=context
                )
            )
        )
        handle = _result(reply, "item_handle", "item handle")
        inputs: dict[str, Json] = {
            "serverHandle": server_handle,
            "item": item,
            "context": context,
            "itemHandle": handle,
        }
        return command_json("add-buffered-item", session.session_id, inputs, reply)

    _session_command(connect, session_id, body, json_output)


@cli.command(
    "set-buffered-update-interval",
    help="SetBufferedUpdateInterval(serverHandle, intervalMs): rounded up to 100 ms.",
)
@session_option
@server_handle_option
@click.option(
    "--interval-ms",
    required=True,
    type=INT32,
    metavar="MS",
    help="The interval of the server handle's bufferedDataChange events, 1 to 3600000 ms; "
    "the gateway rounds it up to a multiple of 100 ms.",
)
@connect_options
def set_buffered_update_interval_cmd(
    session_id: str, server_handle: int, interval_ms: int, connect: Connect, json_output: bool
) -> None:
    # Out-of-range intervals (0, negative) are sent as given: refusing them is
    # the gateway's call (E_INVALIDARG), as it is for mxgw.
    async def body(session: Session) -> Json:
        reply = await session.invoke(
            pb.MxCommand(
                set_buffered_update_interval=pb.SetBufferedUpdateIntervalCommand(
                    server_handle=server_handle, update_interval_ms=interval_ms
                )
            )
        )
        effective = _result(reply, "update_interval_ms", "update interval")
        inputs: dict[str, Json] = {
            "serverHandle": server_handle,
            "requestedIntervalMs": interval_ms,
            "updateIntervalMs": effective,
        }
        return command_json("set-buffered-update-interval", session.session_id, inputs, reply)

    _session_command(connect, session_id, body, json_output)


def _item_command(
    name: str,
    arm: str,
    session_id: str,
    server_handle: int,
    item_handle: int,
    extra: dict[str, Json],
    connect: Connect,
    json_output: bool,
) -> None:
    async def body(session: Session) -> Json:
        item = pb.ItemCommand(server_handle=server_handle, item_handle=item_handle)
        command = pb.MxCommand()
        getattr(command, arm).CopyFrom(item)
        reply = await session.invoke(command)
        inputs: dict[str, Json] = {"serverHandle": server_handle, "itemHandle": item_handle}
        inputs.update(extra)
        return command_json(name, session.session_id, inputs, reply)

    _session_command(connect, session_id, body, json_output)


@cli.command("remove-item", help="RemoveItem(serverHandle, itemHandle).")
@handle_options
@connect_options
def remove_item_cmd(
    session_id: str, server_handle: int, item_handle: int, connect: Connect, json_output: bool
) -> None:
    _item_command(
        "remove-item",
        "remove_item",
        session_id,
        server_handle,
        item_handle,
        {},
        connect,
        json_output,
    )


@cli.command(
    "advise", help="Advise(serverHandle, itemHandle); AdviseSupervisory with --supervisory."
)
@handle_options
@click.option(
    "--supervisory",
    is_flag=True,
    help="Use AdviseSupervisory (no user security checks on later writes).",
)
@connect_options
def advise_cmd(
    session_id: str,
    server_handle: int,
    item_handle: int,
    supervisory: bool,
    connect: Connect,
    json_output: bool,
) -> None:
    arm = "advise_supervisory" if supervisory else "advise"
    _item_command(
        "advise",
        arm,
        session_id,
        server_handle,
        item_handle,
        {"supervisory": supervisory},
        connect,
        json_output,
    )


@cli.command("unadvise", help="UnAdvise(serverHandle, itemHandle).")
@handle_options
@connect_options
def unadvise_cmd(
    session_id: str, server_handle: int, item_handle: int, connect: Connect, json_output: bool
) -> None:
    _item_command(
        "unadvise", "unadvise", session_id, server_handle, item_handle, {}, connect, json_output
    )


@cli.command(
    "suspend",
    help="Suspend(serverHandle, itemHandle): an advised item stops delivering data changes.",
)
@handle_options
@connect_options
def suspend_cmd(
    session_id: str, server_handle: int, item_handle: int, connect: Connect, json_output: bool
) -> None:
    _item_command(
        "suspend", "suspend", session_id, server_handle, item_handle, {}, connect, json_output
    )


@cli.command(
    "activate",
    help="Activate(serverHandle, itemHandle): ends a suspension; the current value is "
    "delivered at once.",
)
@handle_options
@connect_options
def activate_cmd(
    session_id: str, server_handle: int, item_handle: int, connect: Connect, json_output: bool
) -> None:
    _item_command(
        "activate", "activate", session_id, server_handle, item_handle, {}, connect, json_output
    )


@dataclass(frozen=True)
class WriteInput:
    """A parsed ``--type``/``--value``/``--timestamp``, checked before any network use."""

    value_type: str
    value: pb.MxValue
    time: timestamp_pb2.Timestamp | None = None

    def timestamp_json(self) -> Json:
        if self.time is None:
            return None
        return format_timestamp(self.time.seconds, self.time.nanos)


def _write_input(value_type: str, value_text: str, timestamp: str | None) -> WriteInput:
    value = parse_value(value_type, value_text)
    mxgateway.to_mx_value(value)  # the library's checks (e.g. non-finite floats)
    time = parse_time(timestamp) if timestamp is not None else None
    return WriteInput(value_type=value_type, value=value, time=time)


@cli.command(
    "write", help="Write(serverHandle, itemHandle, value, userId); Write2 with --timestamp."
)
@handle_options
@value_options
@click.option(
    "--user-id",
    default=0,
    show_default=True,
    type=INT32,
    metavar="ID",
    help="The MXAccess user id (0: none).",
)
@connect_options
def write_cmd(
    session_id: str,
    server_handle: int,
    item_handle: int,
    value_type: str,
    value_text: str,
    timestamp: str | None,
    user_id: int,
    connect: Connect,
    json_output: bool,
) -> None:
    data = _write_input(value_type, value_text, timestamp)

    async def body(session: Session) -> Json:
        if data.time is None:
            reply = await session.write(server_handle, item_handle, data.value, user_id)
        else:
            reply = await session.write2(server_handle, item_handle, data.value, data.time, user_id)
        inputs: dict[str, Json] = {
            "serverHandle": server_handle,
            "itemHandle": item_handle,
            "type": value_type,
            "value": value_json(data.value),
            "userId": user_id,
            "timestamp": data.timestamp_json(),
        }
        return command_json("write", session.session_id, inputs, reply)

    _session_command(connect, session_id, body, json_output)


@cli.command(
    "write-secured",
    help="WriteSecured(serverHandle, itemHandle, currentUserId, verifierUserId, value); "
    "WriteSecured2 with --timestamp.",
)
@handle_options
@value_options
@click.option(
    "--current-user-id",
    required=True,
    type=INT32,
    metavar="ID",
    help="The writing user's id, from authenticate-user.",
)
@click.option(
    "--verifier-user-id",
    default=0,
    show_default=True,
    type=INT32,
    metavar="ID",
    help="The verifying user's id, for verified writes (0: none).",
)
@connect_options
def write_secured_cmd(
    session_id: str,
    server_handle: int,
    item_handle: int,
    value_type: str,
    value_text: str,
    timestamp: str | None,
    current_user_id: int,
    verifier_user_id: int,
    connect: Connect,
    json_output: bool,
) -> None:
    data = _write_input(value_type, value_text, timestamp)
    cur, ver = current_user_id, verifier_user_id

    async def body(session: Session) -> Json:
        if data.time is None:
            reply = await session.write_secured(server_handle, item_handle, cur, ver, data.value)
        else:
            reply = await session.write_secured2(
                server_handle, item_handle, cur, ver, data.value, data.time
            )
        inputs: dict[str, Json] = {
            "serverHandle": server_handle,
            "itemHandle": item_handle,
            "type": value_type,
            "value": value_json(data.value),
            "currentUserId": cur,
            "verifierUserId": ver,
            "timestamp": data.timestamp_json(),
        }
        return command_json("write-secured", session.session_id, inputs, reply)

    _session_command(connect, session_id, body, json_output)


@cli.command("authenticate-user", help="AuthenticateUser(serverHandle, user, password) -> userId.")
@session_option
@click.option(
    "--server-handle",
    required=True,
    type=INT32,
    metavar="HANDLE",
    help="The handle Register returned.",
)
@click.option("--user", required=True, metavar="NAME", help="The user name.")
@click.option(
    "--password",
    metavar="PASSWORD",
    help="The password. Prefer --password-env: command lines are visible to other users.",
)
@click.option(
    "--password-env", metavar="NAME", help="Read the password from this environment variable."
)
@connect_options
def authenticate_user_cmd(
    session_id: str,
    server_handle: int,
    user: str,
    password: str | None,
    password_env: str | None,
    connect: Connect,
    json_output: bool,
) -> None:
    if password is not None and password_env is not None:
        raise click.UsageError("the argument '--password' cannot be used with '--password-env'")
    if password is None and password_env is None:
        raise click.UsageError("one of --password or --password-env is required")
    secret = password if password is not None else _env_secret(str(password_env), "--password-env")

    async def body(session: Session) -> Json:
        reply = await session.invoke(
            pb.MxCommand(
                authenticate_user=pb.AuthenticateUserCommand(
                    server_handle=server_handle, user_name=user, password=secret
                )
            )
        )
        user_id = _result(reply, "user_id", "user id")
        inputs: dict[str, Json] = {"serverHandle": server_handle, "user": user, "userId": user_id}
        return command_json("authenticate-user", session.session_id, inputs, reply)

    _session_command(connect, session_id, body, json_output)


@cli.command("archestra-user-to-id", help="ArchestrAUserToId(serverHandle, userGuid) -> userId.")
@session_option
@server_handle_option
@click.option(
    "--user-guid",
    required=True,
    metavar="GUID",
    help="The ArchestrA user GUID (8-4-4-4-12 hex digits, braces optional).",
)
@connect_options
def archestra_user_to_id_cmd(
    session_id: str, server_handle: int, user_guid: str, connect: Connect, json_output: bool
) -> None:
    async def body(session: Session) -> Json:
        reply = await session.invoke(
            pb.MxCommand(
                archestra_user_to_id=pb.ArchestraUserToIdCommand(
                    server_handle=server_handle, user_guid=user_guid
                )
            )
        )
        user_id = _result(reply, "user_id", "user id")
        inputs: dict[str, Json] = {
            "serverHandle": server_handle,
            "userGuid": user_guid,
            "userId": user_id,
        }
        return command_json("archestra-user-to-id", session.session_id, inputs, reply)

    _session_command(connect, session_id, body, json_output)


# === bulk commands ===

U32 = click.IntRange(0, 2**32 - 1)


def bulk_options(flag: str, dest: str, metavar: str, help_text: str) -> Callable[[F], F]:
    """``--session-id``, ``--server-handle``, the repeated entry flag and ``--items-file``."""

    def decorate(func: F) -> F:
        func = click.option(
            "--items-file",
            metavar="PATH",
            help=f"A file of more entries, one {metavar} per line (after the {flag} ones); "
            "blank lines and lines starting with # are skipped.",
        )(func)
        func = click.option(flag, dest, multiple=True, metavar=metavar, help=help_text)(func)
        func = click.option(
            "--server-handle",
            required=True,
            type=INT32,
            metavar="HANDLE",
            help="The handle Register returned.",
        )(func)
        return session_option(func)

    return decorate


def _entries(flag: str, values: tuple[str, ...], items_file: str | None) -> list[Entry]:
    try:
        return collect(flag, values, items_file)
    except EntryError as e:
        raise CliError("usage", str(e)) from None


def _handles(values: tuple[str, ...], items_file: str | None) -> list[int]:
    try:
        return [parse_handle(e) for e in _entries("--item-handle", values, items_file)]
    except EntryError as e:
        raise CliError("usage", str(e)) from None


def _handle_values(
    values: tuple[str, ...], items_file: str | None, value_type: str
) -> list[tuple[int, pb.MxValue]]:
    try:
        return [parse_handle_value(e, value_type) for e in _entries("--item", values, items_file)]
    except EntryError as e:
        raise CliError("usage", str(e)) from None


_Results = Callable[[pb.MxCommandReply, pb.MxCommand], Sequence[Any]]


def _bulk_command(
    name: str,
    session_id: str,
    server_handle: int,
    inputs: dict[str, Json],
    command: pb.MxCommand,
    results: _Results,
    result_json: Callable[[Any], Json],
    connect: Connect,
    json_output: bool,
) -> None:
    """Sends a bulk command built (and checked) before connecting, and prints its results."""

    async def body(session: Session) -> Json:
        reply = await session.invoke(command)
        entries = [result_json(r) for r in results(reply, command)]
        return bulk_json(
            name, session.session_id, {"serverHandle": server_handle, **inputs}, reply, entries
        )

    _session_command(connect, session_id, body, json_output)


def _definitions_command(
    name: str,
    arm: _bulk.DefinitionsArm,
    session_id: str,
    server_handle: int,
    items: tuple[str, ...],
    items_file: str | None,
    connect: Connect,
    json_output: bool,
) -> None:
    refs = [e.text for e in _entries("--item", items, items_file)]
    command = _bulk.item_definitions_command(arm, server_handle, refs)
    _bulk_command(
        name,
        session_id,
        server_handle,
        {},
        command,
        _bulk.subscribe_results,
        subscribe_result_json,
        connect,
        json_output,
    )


def _handles_command(
    name: str,
    arm: _bulk.HandlesArm,
    session_id: str,
    server_handle: int,
    item_handles: tuple[str, ...],
    items_file: str | None,
    connect: Connect,
    json_output: bool,
) -> None:
    command = _bulk.item_handles_command(arm, server_handle, _handles(item_handles, items_file))
    _bulk_command(
        name,
        session_id,
        server_handle,
        {},
        command,
        _bulk.subscribe_results,
        subscribe_result_json,
        connect,
        json_output,
    )


_REF_HELP = "An item reference, e.g. TestChildObject.TestInt (repeatable)."
_HANDLE_HELP = "An item handle from add-item or add-item-bulk (repeatable)."


@cli.command("add-item-bulk", help="AddItem for every --item, in one call.")
@bulk_options("--item", "items", "REFERENCE", _REF_HELP)
@connect_options
def add_item_bulk_cmd(
    session_id: str,
    server_handle: int,
    items: tuple[str, ...],
    items_file: str | None,
    connect: Connect,
    json_output: bool,
) -> None:
    _definitions_command(
        "add-item-bulk",
        "add_item_bulk",
        session_id,
        server_handle,
        items,
        items_file,
        connect,
        json_output,
    )


@cli.command("subscribe-bulk", help="AddItem and Advise for every --item, in one call.")
@bulk_options("--item", "items", "REFERENCE", _REF_HELP)
@connect_options
def subscribe_bulk_cmd(
    session_id: str,
    server_handle: int,
    items: tuple[str, ...],
    items_file: str | None,
    connect: Connect,
    json_output: bool,
) -> None:
    _definitions_command(
        "subscribe-bulk",
        "subscribe_bulk",
        session_id,
        server_handle,
        items,
        items_file,
        connect,
        json_output,
    )


@cli.command("advise-item-bulk", help="Advise for every --item-handle, in one call.")
@bulk_options("--item-handle", "item_handles", "HANDLE", _HANDLE_HELP)
@connect_options
def advise_item_bulk_cmd(
    session_id: str,
    server_handle: int,
    item_handles: tuple[str, ...],
    items_file: str | None,
    connect: Connect,
    json_output: bool,
) -> None:
    _handles_command(
        "advise-item-bulk",
        "advise_item_bulk",
        session_id,
        server_handle,
        item_handles,
        items_file,
        connect,
        json_output,
    )


@cli.command("unadvise-item-bulk", help="UnAdvise for every --item-handle, in one call.")
@bulk_options("--item-handle", "item_handles", "HANDLE", _HANDLE_HELP)
@connect_options
def unadvise_item_bulk_cmd(
    session_id: str,
    server_handle: int,
    item_handles: tuple[str, ...],
    items_file: str | None,
    connect: Connect,
    json_output: bool,
) -> None:
    _handles_command(
        "unadvise-item-bulk",
        "unadvise_item_bulk",
        session_id,
        server_handle,
        item_handles,
        items_file,
        connect,
        json_output,
    )


@cli.command("remove-item-bulk", help="RemoveItem for every --item-handle, in one call.")
@bulk_options("--item-handle", "item_handles", "HANDLE", _HANDLE_HELP)
@connect_options
def remove_item_bulk_cmd(
    session_id: str,
    server_handle: int,
    item_handles: tuple[str, ...],
    items_file: str | None,
    connect: Connect,
    json_output: bool,
) -> None:
    _handles_command(
        "remove-item-bulk",
        "remove_item_bulk",
        session_id,
        server_handle,
        item_handles,
        items_file,
        connect,
        json_output,
    )


@cli.command(
    "unsubscribe-bulk", help="UnAdvise and RemoveItem for every --item-handle, in one call."
)
@bulk_options("--item-handle", "item_handles", "HANDLE", _HANDLE_HELP)
@connect_options
def unsubscribe_bulk_cmd(
    session_id: str,
    server_handle: int,
    item_handles: tuple[str, ...],
    items_file: str | None,
    connect: Connect,
    json_output: bool,
) -> None:
    _handles_command(
        "unsubscribe-bulk",
        "unsubscribe_bulk",
        session_id,
        server_handle,
        item_handles,
        items_file,
        connect,
        json_output,
    )


@cli.command(
    "read-bulk",
    help="Read every --item: from the session's subscription when it advises the item, "
    "else by a one-off subscription.",
)
@bulk_options("--item", "items", "REFERENCE", _REF_HELP)
@click.option(
    "--timeout-ms",
    default=0,
    show_default=True,
    type=U32,
    metavar="MS",
    help="How long an unsubscribed item may wait for its first data change "
    "(0: the gateway's default).",
)
@connect_options
def read_bulk_cmd(
    session_id: str,
    server_handle: int,
    items: tuple[str, ...],
    items_file: str | None,
    timeout_ms: int,
    connect: Connect,
    json_output: bool,
) -> None:
    refs = [e.text for e in _entries("--item", items, items_file)]
    command = _bulk.read_bulk_command(server_handle, refs, timeout_ms)
    _bulk_command(
        "read-bulk",
        session_id,
        server_handle,
        {"timeoutMs": timeout_ms},
        command,
        _bulk.read_results,
        read_result_json,
        connect,
        json_output,
    )


_WRITE_ITEM_HELP = (
    "HANDLE=VALUE: an item handle and the value to write (repeatable); the text after the "
    "first = is the value, verbatim."
)


def bulk_write_options(timestamp: bool) -> Callable[[F], F]:
    """The entry flags, ``--type``, and for the ``2`` variants a required ``--timestamp``."""

    def decorate(func: F) -> F:
        if timestamp:
            func = click.option(
                "--timestamp",
                required=True,
                metavar="RFC3339",
                help="The source timestamp of every entry (RFC 3339 with offset).",
            )(func)
        func = click.option(
            "--type",
            "value_type",
            required=True,
            type=click.Choice(VALUE_TYPES),
            metavar="TYPE",
            help=f"The type of every value ({', '.join(VALUE_TYPES)}). "
            "Array types take a JSON array.",
        )(func)
        return bulk_options("--item", "items", "HANDLE=VALUE", _WRITE_ITEM_HELP)(func)

    return decorate


def _user_id_option(func: F) -> F:
    return click.option(
        "--user-id",
        default=0,
        show_default=True,
        type=INT32,
        metavar="ID",
        help="The MXAccess user id of every entry (0: none).",
    )(func)


def _secured_user_options(func: F) -> F:
    func = click.option(
        "--verifier-user-id",
        default=0,
        show_default=True,
        type=INT32,
        metavar="ID",
        help="The verifying user's id, for verified writes (0: none).",
    )(func)
    return click.option(
        "--current-user-id",
        default=0,
        show_default=True,
        type=INT32,
        metavar="ID",
        help="The writing user's id, from authenticate-user.",
    )(func)


def _timestamp_json(time: timestamp_pb2.Timestamp) -> Json:
    return format_timestamp(time.seconds, time.nanos)


@cli.command("write-bulk", help="Write(value, userId) for every HANDLE=VALUE, in one call.")
@bulk_write_options(timestamp=False)
@_user_id_option
@connect_options
def write_bulk_cmd(
    session_id: str,
    server_handle: int,
    items: tuple[str, ...],
    items_file: str | None,
    value_type: str,
    user_id: int,
    connect: Connect,
    json_output: bool,
) -> None:
    entries = [
        mxgateway.WriteEntry(handle, value, user_id=user_id)
        for handle, value in _handle_values(items, items_file, value_type)
    ]
    command = _bulk.write_bulk_command(server_handle, entries)
    inputs: dict[str, Json] = {"type": value_type, "userId": user_id}
    _bulk_command(
        "write-bulk",
        session_id,
        server_handle,
        inputs,
        command,
        _bulk.write_results,
        write_result_json,
        connect,
        json_output,
    )


@cli.command(
    "write2-bulk",
    help="Write2(value, timestamp, userId) for every HANDLE=VALUE, in one call.",
)
@bulk_write_options(timestamp=True)
@_user_id_option
@connect_options
def write2_bulk_cmd(
    session_id: str,
    server_handle: int,
    items: tuple[str, ...],
    items_file: str | None,
    value_type: str,
    timestamp: str,
    user_id: int,
    connect: Connect,
    json_output: bool,
) -> None:
    pairs = _handle_values(items, items_file, value_type)
    time = parse_time(timestamp)
    entries = [
        mxgateway.Write2Entry(handle, value, timestamp=time, user_id=user_id)
        for handle, value in pairs
    ]
    command = _bulk.write2_bulk_command(server_handle, entries)
    inputs: dict[str, Json] = {
        "type": value_type,
        "userId": user_id,
        "timestamp": _timestamp_json(time),
    }
    _bulk_command(
        "write2-bulk",
        session_id,
        server_handle,
        inputs,
        command,
        _bulk.write_results,
        write_result_json,
        connect,
        json_output,
    )


@cli.command(
    "write-secured-bulk",
    help="WriteSecured(currentUserId, verifierUserId, value) for every HANDLE=VALUE, in one call.",
)
@bulk_write_options(timestamp=False)
@_secured_user_options
@connect_options
def write_secured_bulk_cmd(
    session_id: str,
    server_handle: int,
    items: tuple[str, ...],
    items_file: str | None,
    value_type: str,
    current_user_id: int,
    verifier_user_id: int,
    connect: Connect,
    json_output: bool,
) -> None:
    entries = [
        mxgateway.WriteSecuredEntry(
            handle, value, current_user_id=current_user_id, verifier_user_id=verifier_user_id
        )
        for handle, value in _handle_values(items, items_file, value_type)
    ]
    command = _bulk.write_secured_bulk_command(server_handle, entries)
    inputs: dict[str, Json] = {
        "type": value_type,
        "currentUserId": current_user_id,
        "verifierUserId": verifier_user_id,
    }
    _bulk_command(
        "write-secured-bulk",
        session_id,
        server_handle,
        inputs,
        command,
        _bulk.write_results,
        write_result_json,
        connect,
        json_output,
    )


@cli.command(
    "write-secured2-bulk",
    help="WriteSecured2(currentUserId, verifierUserId, value, timestamp) for every "
    "HANDLE=VALUE, in one call.",
)
@bulk_write_options(timestamp=True)
@_secured_user_options
@connect_options
def write_secured2_bulk_cmd(
    session_id: str,
    server_handle: int,
    items: tuple[str, ...],
    items_file: str | None,
    value_type: str,
    timestamp: str,
    current_user_id: int,
    verifier_user_id: int,
    connect: Connect,
    json_output: bool,
) -> None:
    pairs = _handle_values(items, items_file, value_type)
    time = parse_time(timestamp)
    entries = [
        mxgateway.WriteSecured2Entry(
            handle,
            value,
            current_user_id=current_user_id,
            verifier_user_id=verifier_user_id,
            timestamp=time,
        )
        for handle, value in pairs
    ]
    command = _bulk.write_secured2_bulk_command(server_handle, entries)
    inputs: dict[str, Json] = {
        "type": value_type,
        "currentUserId": current_user_id,
        "verifierUserId": verifier_user_id,
        "timestamp": _timestamp_json(time),
    }
    _bulk_command(
        "write-secured2-bulk",
        session_id,
        server_handle,
        inputs,
        command,
        _bulk.write_results,
        write_result_json,
        connect,
        json_output,
    )


T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


class _Stream(Protocol[T_co]):
    """An async iterator of messages that is closed by ``async with``."""

    def __aiter__(self) -> AsyncIterator[T_co]: ...

    async def __anext__(self) -> T_co: ...

    async def __aenter__(self) -> Any: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


async def _drain(
    stream: _Stream[T],
    max_events: int,
    timeout_ms: int,
    on_event: Callable[[T], None],
) -> tuple[int, str]:
    """Feeds a stream's messages to ``on_event`` until ``max_events`` (0: no
    limit), the timeout (0: none) or the end of the stream. Returns (count, why
    it stopped): ``max``, ``timeout`` or ``end``. Leaving cancels the stream at
    the gateway. The one loop of ``stream-events``, ``smoke`` and ``galaxy-watch``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_ms / 1000 if timeout_ms else None
    count = 0
    async with stream:
        while max_events == 0 or count < max_events:
            remaining = None if deadline is None else deadline - loop.time()
            if remaining is not None and remaining <= 0:
                return count, "timeout"
            try:
                event = await asyncio.wait_for(stream.__anext__(), remaining)
            except StopAsyncIteration:
                return count, "end"
            except asyncio.TimeoutError:
                return count, "timeout"
            on_event(event)
            count += 1
    return count, "max"


async def _collect(
    session: Session,
    max_events: int,
    timeout_ms: int,
    on_event: Callable[[pb.MxEvent], None],
) -> tuple[int, str]:
    """:func:`_drain` over a session's events."""
    return await _drain(session.stream_events(), max_events, timeout_ms, on_event)


@cli.command(
    "stream-events",
    help="Stream a session's events, one line per event (JSON Lines with --json).",
)
@session_option
@click.option(
    "--max-events",
    default=0,
    show_default=True,
    type=MAX_EVENTS,
    metavar="N",
    help="Stop after this many events (0: until interrupted or --timeout-ms; at most 1000000).",
)
@click.option(
    "--timeout-ms",
    default=0,
    show_default=True,
    type=U64,
    metavar="MS",
    help="Stop after this long, in milliseconds (0: no limit). Ending at the limit "
    "is not an error.",
)
@connect_options
def stream_events_cmd(
    session_id: str, max_events: int, timeout_ms: int, connect: Connect, json_output: bool
) -> None:
    printer = Printer(json_output)

    async def go() -> None:
        async with await _connect(connect) as client:
            session = client.session(session_id)
            await _collect(session, max_events, timeout_ms, lambda e: printer.event(event_json(e)))

    try:
        _run(go())
    except KeyboardInterrupt:
        pass  # Ctrl-C ends the stream; that is not an error.


@cli.command(
    "smoke", help="Open, register, add, advise, collect events, and always close the session."
)
@click.option(
    "--item",
    required=True,
    metavar="REFERENCE",
    help="The item reference to subscribe to, e.g. TestChildObject.TestInt.",
)
@click.option(
    "--client-name",
    default="mxgw-smoke",
    show_default=True,
    metavar="NAME",
    help="The MXAccess client name (also the session label).",
)
@click.option(
    "--max-events",
    default=1,
    show_default=True,
    type=MAX_EVENTS,
    metavar="N",
    help="How many events to collect (at most 1000000).",
)
@click.option(
    "--timeout-ms",
    default=10_000,
    show_default=True,
    type=U64,
    metavar="MS",
    help="How long to wait for the events, in milliseconds; fewer events is a timeout error.",
)
@connect_options
def smoke_cmd(
    item: str,
    client_name: str,
    max_events: int,
    timeout_ms: int,
    connect: Connect,
    json_output: bool,
) -> None:
    async def go() -> None:
        async with await _connect(connect) as client:
            session = await client.open_session(client_name)
            try:
                outcome = await _smoke_steps(session, item, client_name, max_events, timeout_ms)
            except BaseException as first:
                # The session is closed whatever happened: a smoke test must
                # not leak sessions (and their workers) into the gateway.
                try:
                    await session.close()
                except MxGatewayError as close_error:
                    # Reported, not swallowed; the first failure stays the error.
                    sys.stderr.write(
                        f"{PROG}: warning: closing session {session.session_id} failed: "
                        f"{close_error}\n"
                    )
                raise first
            try:
                await session.close()
            except MxGatewayError as e:
                raise CliError(e.kind, f"closing session {session.session_id} failed: {e}") from e
        server_handle, item_handle, events = outcome
        Printer(json_output).result(
            {
                "sessionId": session.session_id,
                "clientName": client_name,
                "item": item,
                "serverHandle": server_handle,
                "itemHandle": item_handle,
                "events": [event_json(e) for e in events],
                "closed": True,
            }
        )

    _run(go())


async def _step(name: str, call: Awaitable[Any]) -> Any:
    try:
        return await call
    except MxGatewayError as e:
        raise CliError(e.kind, f"{name}: {e}") from e


async def _smoke_steps(
    session: Session, item: str, client_name: str, max_events: int, timeout_ms: int
) -> tuple[int, int, list[pb.MxEvent]]:
    server_handle: int = await _step("register", session.register(client_name))
    item_handle: int = await _step("add-item", session.add_item(server_handle, item))
    await _step("advise", session.advise(server_handle, item_handle))
    collected: list[pb.MxEvent] = []
    if max_events == 0:
        return server_handle, item_handle, collected
    # Events raised before the stream opens wait in the session's queue, so
    # advising first loses nothing.
    _, why = await _step(
        "stream-events", _collect(session, max_events, timeout_ms, collected.append)
    )
    if why == "timeout":
        raise CliError(
            "timeout",
            f"received {len(collected)} of {max_events} events within {timeout_ms} ms",
        )
    if why == "end":
        raise CliError(
            "transport",
            f"the event stream ended after {len(collected)} of {max_events} events",
        )
    return server_handle, item_handle, collected


# === benchmarks ===


#: Rust's float syntax (``str::parse::<f64>``): no underscores or spaces, as Python allows.
_RUST_F64 = re.compile(
    r"[+-]?(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|(?i:inf|infinity|nan))"
)


def _parse_seconds(ctx: click.Context, param: click.Parameter, value: str | float) -> float:
    """A number of seconds as ``mxgw`` parses it. Negative and non-finite numbers
    parse; the command refuses them (:func:`_seconds`), as ``mxgw`` does."""
    if isinstance(value, float):
        return value  # the default
    if not _RUST_F64.fullmatch(value):
        raise click.BadParameter(f"{value!r} is not a number of seconds", ctx, param)
    return float(value)


def _seconds(value: float, flag: str) -> float:
    """A duration flag's value: a non-negative number of seconds, or a usage error."""
    # The range of Rust's Duration::try_from_secs_f64 (mxgw rejects the rest).
    if not (math.isfinite(value) and 0 <= value < 2.0**64):
        raise CliError("usage", f"{flag} must be a non-negative number of seconds")
    return value


def bench_options(read: bool) -> Callable[[F], F]:
    """The entry flags and timing flags of a benchmark (``--bulk-size`` and
    ``--timeout-ms`` for the ReadBulk one), and ``--client-name``."""

    def decorate(func: F) -> F:
        func = click.option(
            "--client-name",
            default="mxgw-bench",
            show_default=True,
            metavar="NAME",
            help="The MXAccess client name (also the session label).",
        )(func)
        if read:
            func = click.option(
                "--timeout-ms",
                default=0,
                show_default=True,
                type=U32,
                metavar="MS",
                help="Per-tag ReadBulk timeout in milliseconds (0: the gateway's default).",
            )(func)
        func = click.option(
            "--warmup-seconds",
            default=2.0,
            show_default=True,
            type=click.STRING,
            callback=_parse_seconds,
            metavar="S",
            help=f"How long to {'run' if read else 'read'} before measuring, in seconds.",
        )(func)
        func = click.option(
            "--duration-seconds",
            default=10.0,
            show_default=True,
            type=click.STRING,
            callback=_parse_seconds,
            metavar="S",
            help="How long to measure, in seconds.",
        )(func)
        if read:
            func = click.option(
                "--bulk-size",
                default=0,
                show_default=True,
                type=U32,
                metavar="N",
                help="Tags per ReadBulk call (0: all of them).",
            )(func)
        func = click.option(
            "--items-file",
            metavar="PATH",
            help="A file of more references, one per line (after the --item ones); "
            "blank lines and lines starting with # are skipped.",
        )(func)
        return click.option("--item", "items", multiple=True, metavar="REFERENCE", help=_REF_HELP)(
            func
        )

    return decorate


async def _close_bench_session(session: Session) -> None:
    """Closes a benchmark's session; a failure is a warning, never swallowed and
    never the command's error."""
    try:
        await session.close()
    except MxGatewayError as e:
        sys.stderr.write(
            f"{PROG}: warning: closing benchmark session {session.session_id} failed: {e}\n"
        )


@contextlib.asynccontextmanager
async def _bench_session(
    client: GatewayClient, client_name: str, tags: list[str]
) -> AsyncIterator[tuple[Session, int]]:
    """The benchmark's own session, registered as ``client_name`` with every tag
    subscribed (SubscribeBulk; a failed entry is a ``command`` error); yields the
    session and its server handle, and closes the session whatever happens."""
    session = await client.open_session(client_name)
    try:
        server: int = await _step("register", session.register(client_name))
        results = []
        for start in range(0, len(tags), _bench.SUBSCRIBE_CHUNK):
            chunk = tags[start : start + _bench.SUBSCRIBE_CHUNK]
            results.extend(await _step("subscribe-bulk", session.subscribe_bulk(server, chunk)))
        failed = next((r for r in results if not r.was_successful), None)
        if failed is not None:
            raise CliError(
                "command", f"subscribing {failed.item_definition} failed: {failed.message}"
            )
        yield session, server
    finally:
        await _close_bench_session(session)


_BENCH_READ_BULK_HELP = (
    "Benchmark ReadBulk on subscribed (cached) tags: calls/s and latency percentiles.\n\n"
    "Opens its own session, registers, subscribes every --item (SubscribeBulk, so reads are "
    "served from the cache), calls ReadBulk with --bulk-size tags per call (walking the tag "
    "list) for --warmup-seconds unmeasured and then --duration-seconds measured, and closes "
    "the session. Prints calls per second and the latency percentiles of successful calls "
    "(docs/cli-json.md, Benchmarks); the keys are the same in mxgw."
)

_BENCH_STREAM_EVENTS_HELP = (
    "Benchmark the event stream of subscribed tags: events/s, source-to-client latency, "
    "conflation.\n\n"
    "Opens its own session, registers, subscribes every --item, reads the event stream for "
    "--warmup-seconds unmeasured and then --duration-seconds measured, and closes the "
    "session. Prints events per second, the latency from each data change's source timestamp "
    "to its receipt, the gateway's conflation count and worker-sequence gaps "
    "(docs/cli-json.md, Benchmarks); the keys are the same in mxgw."
)


@cli.command("bench-read-bulk", help=_BENCH_READ_BULK_HELP)
@bench_options(read=True)
@connect_options
def bench_read_bulk_cmd(
    items: tuple[str, ...],
    items_file: str | None,
    bulk_size: int,
    duration_seconds: float,
    warmup_seconds: float,
    timeout_ms: int,
    client_name: str,
    connect: Connect,
    json_output: bool,
) -> None:
    duration = _seconds(duration_seconds, "--duration-seconds")
    warmup = _seconds(warmup_seconds, "--warmup-seconds")
    tags = [e.text for e in _entries("--item", items, items_file)]
    size = bulk_size or len(tags)

    async def go() -> _bench.ReadTally:
        async with (
            await _connect(connect) as client,
            _bench_session(client, client_name, tags) as (session, server),
        ):

            async def read(batch: list[str]) -> Sequence[pb.BulkReadResult]:
                return await session.read_bulk(server, batch, timeout_ms)

            def failed(e: MxGatewayError) -> None:
                sys.stderr.write(f"{PROG}: warning: read-bulk call failed: {e}\n")

            windows = _bench.TagWindows(tags, size)
            return await _bench.measure_read_bulk(read, windows, warmup, duration, failed)

    tally = asyncio.run(go())
    Printer(json_output).result(
        {
            "language": "python",
            "command": "bench-read-bulk",
            "endpoint": connect.endpoint,
            "clientName": client_name,
            "bulkSize": size,
            "durationSeconds": duration_seconds,
            "warmupSeconds": warmup_seconds,
            "durationMs": _bench.round3(tally.elapsed * 1000.0),
            "tags": len(tags),
            "totalCalls": tally.calls,
            "successfulCalls": tally.successful,
            "failedCalls": tally.failed,
            "totalReadResults": tally.results,
            "cachedReadResults": tally.cached,
            "callsPerSecond": _bench.round3(_bench.rate(tally.successful, tally.elapsed)),
            "latencyMs": _bench.latency_summary(tally.latencies),
        }
    )


@cli.command("bench-stream-events", help=_BENCH_STREAM_EVENTS_HELP)
@bench_options(read=False)
@connect_options
def bench_stream_events_cmd(
    items: tuple[str, ...],
    items_file: str | None,
    duration_seconds: float,
    warmup_seconds: float,
    client_name: str,
    connect: Connect,
    json_output: bool,
) -> None:
    duration = _seconds(duration_seconds, "--duration-seconds")
    warmup = _seconds(warmup_seconds, "--warmup-seconds")
    tags = [e.text for e in _entries("--item", items, items_file)]

    async def go() -> _bench.StreamMeasurement:
        async with (
            await _connect(connect) as client,
            _bench_session(client, client_name, tags) as (session, _server),
        ):
            try:
                async with session.stream_events_raw() as batches:
                    measured: _bench.StreamMeasurement = await _step(
                        "stream-events", _bench.measure_stream(batches, warmup, duration)
                    )
            except _bench.StreamEnded:
                raise CliError("transport", "the event stream ended") from None
            return measured

    measured = asyncio.run(go())
    tally = measured.tally
    Printer(json_output).result(
        {
            "language": "python",
            "command": "bench-stream-events",
            "endpoint": connect.endpoint,
            "clientName": client_name,
            "durationSeconds": duration_seconds,
            "warmupSeconds": warmup_seconds,
            "durationMs": _bench.round3(measured.elapsed * 1000.0),
            "tags": len(tags),
            "totalEvents": tally.events,
            "dataChanges": tally.data_changes,
            "eventsPerSecond": _bench.round3(_bench.stream_rate(tally.events, measured.elapsed)),
            "conflatedEvents": tally.conflated,
            "sequenceGaps": tally.sequence_gaps,
            "latencyMs": _bench.latency_summary(measured.latencies),
        }
    )


# === Galaxy Repository ===


async def _connect_galaxy(c: Connect) -> GalaxyRepositoryClient:
    return await GalaxyRepositoryClient.connect(
        endpoint=c.endpoint,
        api_key=_api_key(c),
        plaintext=c.plaintext,
        ca_file=c.ca_file,
        server_name_override=c.server_name_override,
    )


@cli.command(
    "galaxy-test-connection",
    help="Whether the gateway can query its Galaxy Repository database (an unreachable "
    "database prints ok false; it is not an error).",
)
@connect_options
def galaxy_test_connection_cmd(connect: Connect, json_output: bool) -> None:
    async def go() -> None:
        async with await _connect_galaxy(connect) as galaxy:
            reply = await galaxy.test_connection_raw()
        Printer(json_output).result(connection_json(reply))

    _run(go())


@cli.command(
    "galaxy-last-deploy",
    help="The galaxy's last deploy time (null when it was never deployed).",
)
@connect_options
def galaxy_last_deploy_cmd(connect: Connect, json_output: bool) -> None:
    async def go() -> None:
        async with await _connect_galaxy(connect) as galaxy:
            reply = await galaxy.get_last_deploy_time_raw()
        Printer(json_output).result(last_deploy_json(reply))

    _run(go())


@cli.command(
    "galaxy-discover",
    help="The deployed objects with their attributes, parents before children, one line "
    "per object (JSON Lines with --json), fetched one page at a time.",
)
@click.option(
    "--page-size",
    default=0,
    show_default=True,
    type=U32,
    metavar="N",
    help="Objects per page (0: the gateway's default; larger values are capped at its maximum).",
)
@click.option(
    "--max-objects",
    default=0,
    show_default=True,
    type=U64,
    metavar="N",
    help="Stop after this many objects (0: all).",
)
@connect_options
def galaxy_discover_cmd(
    page_size: int, max_objects: int, connect: Connect, json_output: bool
) -> None:
    printer = Printer(json_output)

    async def go() -> None:
        async with await _connect_galaxy(connect) as galaxy:
            count = 0
            async with contextlib.aclosing(galaxy.iter_hierarchy(page_size)) as objects:
                async for obj in objects:
                    printer.event(galaxy_object_json(obj))
                    count += 1
                    if count == max_objects:
                        # No further page is requested.
                        break

    _run(go())


@cli.command(
    "galaxy-watch",
    help="Stream deploy events: the current deploy state first, then one line per deploy "
    "(JSON Lines with --json).",
)
@click.option(
    "--last-seen-deploy-time",
    metavar="RFC3339",
    help="Skip the first event when the current deploy time equals this one.",
)
@click.option(
    "--max-events",
    default=0,
    show_default=True,
    type=MAX_EVENTS,
    metavar="N",
    help="Stop after this many events (0: until interrupted or --timeout-ms; at most 1000000).",
)
@click.option(
    "--timeout-ms",
    default=0,
    show_default=True,
    type=U64,
    metavar="MS",
    help="Stop after this long, in milliseconds (0: no limit). Ending at the limit "
    "is not an error.",
)
@connect_options
def galaxy_watch_cmd(
    last_seen_deploy_time: str | None,
    max_events: int,
    timeout_ms: int,
    connect: Connect,
    json_output: bool,
) -> None:
    printer = Printer(json_output)
    # Checked before connecting: a bad time sends nothing.
    last_seen = None if last_seen_deploy_time is None else parse_time(last_seen_deploy_time)

    async def go() -> None:
        async with await _connect_galaxy(connect) as galaxy:
            await _drain(
                galaxy.watch_deploy_events(last_seen),
                max_events,
                timeout_ms,
                lambda e: printer.event(deploy_event_json(e)),
            )

    try:
        _run(go())
    except KeyboardInterrupt:
        pass  # Ctrl-C ends the stream; that is not an error.


@cli.command(
    "galaxy-deploy",
    help="Replace the simulated galaxy's model with a TOML model file (docs/galaxy-model.md), "
    "as a deploy would. Needs the admin scope.",
)
@click.option(
    "--model",
    "model_path",
    required=True,
    metavar="FILE",
    help="The galaxy model, a TOML file.",
)
@connect_options
def galaxy_deploy_cmd(model_path: str, connect: Connect, json_output: bool) -> None:
    # Read before connecting: an unreadable file sends nothing.
    try:
        model = Path(model_path).read_bytes().decode("utf-8")
    except OSError as e:
        raise CliError("usage", f"cannot read model file {model_path}: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise CliError(
            "usage", f"cannot read model file {model_path}: it is not valid UTF-8"
        ) from None

    async def go() -> None:
        async with await _connect_galaxy(connect) as galaxy:
            reply = await galaxy.deploy_simulated_galaxy(model)
        Printer(json_output).result(deploy_reply_json(reply))

    _run(go())


# === alarms (session-less) ===


def alarm_filter_options(func: F) -> F:
    """``--query`` (repeatable), ``--min-priority`` and ``--max-priority``."""
    func = click.option(
        "--max-priority",
        default=0,
        show_default=True,
        type=U32,
        metavar="N",
        help="The least urgent priority to include, 1-999 (0: open).",
    )(func)
    func = click.option(
        "--min-priority",
        default=0,
        show_default=True,
        type=U32,
        metavar="N",
        help="The most urgent priority to include, 1-999 (0: open; 1 is the most urgent).",
    )(func)
    return click.option(
        "--query",
        "queries",
        multiple=True,
        metavar="QUERY",
        help="An alarm query, e.g. \\Galaxy!TankFarm or \\Galaxy!TankFarm!Tank_* (repeatable; any "
        "may match; none: every alarm).",
    )(func)


@cli.command(
    "stream-alarms",
    help="Stream alarms (scope alarms:read): a snapshot of the active alarms closed by "
    "SNAPSHOT_END, then one TRANSITION line per state change (JSON Lines with --json). "
    "A snapshot with resync true replaces everything before it.",
)
@alarm_filter_options
@click.option(
    "--max-messages",
    default=0,
    show_default=True,
    type=MAX_EVENTS,
    metavar="N",
    help="Stop after this many lines (0: until interrupted or --timeout-ms; at most 1000000).",
)
@click.option(
    "--timeout-ms",
    default=0,
    show_default=True,
    type=U64,
    metavar="MS",
    help="Stop after this long, in milliseconds (0: no limit). Ending at the limit "
    "is not an error.",
)
@connect_options
def stream_alarms_cmd(
    queries: tuple[str, ...],
    min_priority: int,
    max_priority: int,
    max_messages: int,
    timeout_ms: int,
    connect: Connect,
    json_output: bool,
) -> None:
    printer = Printer(json_output)

    async def go() -> None:
        async with await _connect(connect) as client:
            await _drain(
                client.stream_alarms(queries, min_priority, max_priority),
                max_messages,
                timeout_ms,
                lambda e: printer.event(alarm_event_json(e)),
            )

    try:
        _run(go())
    except KeyboardInterrupt:
        pass  # Ctrl-C ends the stream; that is not an error.


@cli.command(
    "query-active-alarms",
    help="The active alarms (UNACK_ALM, ACK_ALM, UNACK_RTN), most urgent first "
    "(scope alarms:read).",
)
@alarm_filter_options
@connect_options
def query_active_alarms_cmd(
    queries: tuple[str, ...],
    min_priority: int,
    max_priority: int,
    connect: Connect,
    json_output: bool,
) -> None:
    async def go() -> None:
        async with await _connect(connect) as client:
            records = await client.query_active_alarms(queries, min_priority, max_priority)
        Printer(json_output).result(active_alarms_json(records))

    _run(go())


@cli.command(
    "acknowledge-alarm",
    help="Acknowledge one alarm, as a write to its .AckMsg would (scope alarms:ack). A refused "
    "acknowledgement (detail 1015: already acknowledged; 1014: the operator may not "
    "acknowledge alarms) is an error of type mxaccess; an unknown alarm, type not-found.",
)
@click.option(
    "--reference",
    required=True,
    metavar="REFERENCE",
    help="The alarm, TagName.AlarmName (e.g. Tank_001.Level.Hi) or Area!TagName.AlarmName.",
)
@click.option(
    "--comment",
    default="",
    metavar="TEXT",
    help="The acknowledgement comment, written to .AckMsg (at most 256 characters).",
)
@click.option(
    "--operator",
    default="",
    metavar="USER",
    help="The galaxy user acknowledging (with galaxy security on, one allowed to "
    "acknowledge alarms).",
)
@connect_options
def acknowledge_alarm_cmd(
    reference: str, comment: str, operator: str, connect: Connect, json_output: bool
) -> None:
    async def go() -> None:
        async with await _connect(connect) as client:
            reply = await client.acknowledge_alarm_raw(reference, comment, operator)
        if reply.HasField("status") and status_is_failure(reply.status):
            raise MxAccessError(reply, reply.status)
        Printer(json_output).result(acknowledge_json(reference, reply))

    _run(go())


def run(argv: Sequence[str] | None = None) -> int:
    """Runs ``mxgw-py`` with ``argv`` (default: the process arguments); returns the exit code."""
    code: int = cli.main(args=argv, prog_name=PROG, standalone_mode=False)
    return code


def main() -> NoReturn:
    """The console-script entry point."""
    sys.exit(run())

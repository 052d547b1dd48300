"""The error table, redaction and the reply-check rules."""

from __future__ import annotations

import grpc
import pytest

import mxgateway
from mxgateway import MxAccessError, MxGatewayCommandError, MxGatewayError, pb
from mxgateway._check import check_protocol, check_reply, status_is_failure
from mxgateway._errors import Redactor, map_rpc_error


def rpc_error(
    code: grpc.StatusCode, kind: str | None, details: str = "text"
) -> grpc.aio.AioRpcError:
    trailing = grpc.aio.Metadata(("mxgateway-error", kind)) if kind else grpc.aio.Metadata()
    return grpc.aio.AioRpcError(code, grpc.aio.Metadata(), trailing, details, None)


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("unauthenticated", "authentication"),
        ("permission-denied", "authorization"),
        ("session-not-found", "session"),
        ("session-limit", "resource-exhausted"),
        ("worker-unavailable", "worker"),
        ("invalid-argument", "invalid-argument"),
        ("deadline-exceeded", "timeout"),
        ("resource-exhausted", "resource-exhausted"),
        ("internal", "internal"),
        ("shutting-down", "shutting-down"),
        ("aborted", "command"),
        ("failed-precondition", "command"),
    ],
)
def test_metadata_kind_wins_over_code(kind: str, expected: str) -> None:
    # The code is deliberately unrelated: the metadata decides.
    e = map_rpc_error(rpc_error(grpc.StatusCode.UNKNOWN, kind), Redactor(None))
    assert e.kind == expected
    assert e.code is grpc.StatusCode.UNKNOWN


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (grpc.StatusCode.UNAUTHENTICATED, "authentication"),
        (grpc.StatusCode.PERMISSION_DENIED, "authorization"),
        (grpc.StatusCode.NOT_FOUND, "session"),
        (grpc.StatusCode.INVALID_ARGUMENT, "invalid-argument"),
        (grpc.StatusCode.OUT_OF_RANGE, "invalid-argument"),
        (grpc.StatusCode.DEADLINE_EXCEEDED, "timeout"),
        (grpc.StatusCode.RESOURCE_EXHAUSTED, "resource-exhausted"),
        (grpc.StatusCode.UNAVAILABLE, "transport"),
        (grpc.StatusCode.CANCELLED, "transport"),
        (grpc.StatusCode.INTERNAL, "internal"),
        (grpc.StatusCode.UNKNOWN, "internal"),
        (grpc.StatusCode.UNIMPLEMENTED, "internal"),
        (grpc.StatusCode.ABORTED, "command"),
        (grpc.StatusCode.FAILED_PRECONDITION, "command"),
    ],
)
def test_code_decides_without_metadata(code: grpc.StatusCode, expected: str) -> None:
    assert map_rpc_error(rpc_error(code, None), Redactor(None)).kind == expected


@pytest.mark.parametrize("code", [grpc.StatusCode.ABORTED, grpc.StatusCode.FAILED_PRECONDITION])
def test_stale_and_inapplicable_requests_are_command_errors_without_a_reply(
    code: grpc.StatusCode,
) -> None:
    e = map_rpc_error(rpc_error(code, None, "page token from an earlier deploy"), Redactor(None))
    assert type(e) is MxGatewayCommandError
    assert e.reply is None and e.code is code
    assert str(e) == "command failed at the gateway: page token from an earlier deploy"


def test_unknown_kind_falls_back_to_the_code() -> None:
    e = map_rpc_error(rpc_error(grpc.StatusCode.NOT_FOUND, "brand-new-kind"), Redactor(None))
    assert e.kind == "session"


def test_classes_form_the_documented_tree() -> None:
    assert issubclass(MxAccessError, MxGatewayCommandError)
    for name in mxgateway.__all__:
        obj = getattr(mxgateway, name)
        if isinstance(obj, type) and name.startswith("Mx") and name.endswith("Error"):
            assert issubclass(obj, MxGatewayError), name
            assert name in (mxgateway._errors.__doc__ or ""), f"{name} missing from the tree"


def test_messages_are_scrubbed_of_the_key_and_its_secret() -> None:
    key = "mxgw_id1_topsecretvalue"
    e = map_rpc_error(
        rpc_error(grpc.StatusCode.UNAUTHENTICATED, None, f"bad Bearer {key} (topsecretvalue)"),
        Redactor(key),
    )
    text = f"{e} {e!r} {e.args} {e.message}"
    assert "topsecretvalue" not in text and "<redacted>" in text


def status(success: int, category: int) -> pb.MxStatus:
    s = pb.MxStatus(success=success)
    s.category = category  # type: ignore[assignment]  # also unknown numbers
    return s


def test_unpopulated_statuses_are_not_failures() -> None:
    assert not status_is_failure(pb.MxStatus())
    assert not status_is_failure(status(0, pb.MX_STATUS_CATEGORY_UNSPECIFIED))
    assert not status_is_failure(status(0, pb.MX_STATUS_CATEGORY_UNKNOWN))
    assert not status_is_failure(status(0, 99))


def test_ok_and_pending_never_fail() -> None:
    assert not status_is_failure(status(0, pb.MX_STATUS_CATEGORY_OK))
    assert not status_is_failure(status(1, pb.MX_STATUS_CATEGORY_OK))
    assert not status_is_failure(status(0, pb.MX_STATUS_CATEGORY_PENDING))


@pytest.mark.parametrize("category", range(3, 10))
def test_warning_and_error_categories_fail(category: int) -> None:
    assert status_is_failure(status(0, category))
    assert not status_is_failure(status(1, category))


@pytest.mark.parametrize("protocol_status", [2, 3, 42])
def test_protocol_failures_raise_on_the_raw_path(protocol_status: int) -> None:
    reply = pb.MxCommandReply()
    reply.protocol_status = protocol_status  # type: ignore[assignment]
    with pytest.raises(MxGatewayCommandError) as e:
        check_protocol(reply)
    assert not isinstance(e.value, MxAccessError)
    assert isinstance(e.value.reply, pb.MxCommandReply)
    assert e.value.reply.protocol_status == protocol_status


def test_ok_and_unspecified_protocol_status_pass() -> None:
    check_protocol(pb.MxCommandReply(protocol_status=pb.PROTOCOL_STATUS_OK))
    check_protocol(pb.MxCommandReply())


def test_checked_reply_carries_the_first_failed_status() -> None:
    failed = pb.MxStatus(
        success=0, category=pb.MX_STATUS_CATEGORY_SECURITY_ERROR, detail=1012, raw_category=6
    )
    reply = pb.MxCommandReply(
        protocol_status=pb.PROTOCOL_STATUS_OK, statuses=[pb.MxStatus(), failed]
    )
    with pytest.raises(MxAccessError) as e:
        check_reply(reply)
    assert e.value.hresult == 0 and e.value.status == failed
    assert isinstance(e.value.reply, pb.MxCommandReply) and len(e.value.reply.statuses) == 2
    assert "SECURITY_ERROR" in str(e.value) and "1012" in str(e.value)

from mxgateway.generated.mxgateway.v1 import alarms_pb2 as _alarms_pb2
from mxgateway.generated.mxgateway.v1 import commands_pb2 as _commands_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class OpenSessionRequest(_message.Message):
    __slots__ = ("client_session_name",)
    CLIENT_SESSION_NAME_FIELD_NUMBER: _ClassVar[int]
    client_session_name: str
    def __init__(self, client_session_name: _Optional[str] = ...) -> None: ...

class ServerLimits(_message.Message):
    __slots__ = ("max_sessions", "max_bulk_items", "max_message_bytes", "event_queue_capacity", "default_command_timeout_ms", "session_idle_timeout_ms", "max_events_per_batch")
    MAX_SESSIONS_FIELD_NUMBER: _ClassVar[int]
    MAX_BULK_ITEMS_FIELD_NUMBER: _ClassVar[int]
    MAX_MESSAGE_BYTES_FIELD_NUMBER: _ClassVar[int]
    EVENT_QUEUE_CAPACITY_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_COMMAND_TIMEOUT_MS_FIELD_NUMBER: _ClassVar[int]
    SESSION_IDLE_TIMEOUT_MS_FIELD_NUMBER: _ClassVar[int]
    MAX_EVENTS_PER_BATCH_FIELD_NUMBER: _ClassVar[int]
    max_sessions: int
    max_bulk_items: int
    max_message_bytes: int
    event_queue_capacity: int
    default_command_timeout_ms: int
    session_idle_timeout_ms: int
    max_events_per_batch: int
    def __init__(self, max_sessions: _Optional[int] = ..., max_bulk_items: _Optional[int] = ..., max_message_bytes: _Optional[int] = ..., event_queue_capacity: _Optional[int] = ..., default_command_timeout_ms: _Optional[int] = ..., session_idle_timeout_ms: _Optional[int] = ..., max_events_per_batch: _Optional[int] = ...) -> None: ...

class OpenSessionReply(_message.Message):
    __slots__ = ("session_id", "gateway_version", "capabilities", "limits", "worker_protocol_version", "backend")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    GATEWAY_VERSION_FIELD_NUMBER: _ClassVar[int]
    CAPABILITIES_FIELD_NUMBER: _ClassVar[int]
    LIMITS_FIELD_NUMBER: _ClassVar[int]
    WORKER_PROTOCOL_VERSION_FIELD_NUMBER: _ClassVar[int]
    BACKEND_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    gateway_version: str
    capabilities: _containers.RepeatedScalarFieldContainer[str]
    limits: ServerLimits
    worker_protocol_version: int
    backend: str
    def __init__(self, session_id: _Optional[str] = ..., gateway_version: _Optional[str] = ..., capabilities: _Optional[_Iterable[str]] = ..., limits: _Optional[_Union[ServerLimits, _Mapping]] = ..., worker_protocol_version: _Optional[int] = ..., backend: _Optional[str] = ...) -> None: ...

class CloseSessionRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class CloseSessionReply(_message.Message):
    __slots__ = ("closed",)
    CLOSED_FIELD_NUMBER: _ClassVar[int]
    closed: bool
    def __init__(self, closed: _Optional[bool] = ...) -> None: ...

class MxCommandRequest(_message.Message):
    __slots__ = ("session_id", "timeout_ms", "command")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_MS_FIELD_NUMBER: _ClassVar[int]
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    timeout_ms: int
    command: _commands_pb2.MxCommand
    def __init__(self, session_id: _Optional[str] = ..., timeout_ms: _Optional[int] = ..., command: _Optional[_Union[_commands_pb2.MxCommand, _Mapping]] = ...) -> None: ...

class StreamEventsRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class StreamEventsReply(_message.Message):
    __slots__ = ("events", "conflated_since_last", "conflated_total")
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    CONFLATED_SINCE_LAST_FIELD_NUMBER: _ClassVar[int]
    CONFLATED_TOTAL_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[_commands_pb2.MxEvent]
    conflated_since_last: int
    conflated_total: int
    def __init__(self, events: _Optional[_Iterable[_Union[_commands_pb2.MxEvent, _Mapping]]] = ..., conflated_since_last: _Optional[int] = ..., conflated_total: _Optional[int] = ...) -> None: ...

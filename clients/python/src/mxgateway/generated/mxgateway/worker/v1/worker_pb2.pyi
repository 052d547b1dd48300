from mxgateway.generated.mxgateway.v1 import commands_pb2 as _commands_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Init(_message.Message):
    __slots__ = ("protocol_version", "session_id", "heartbeat_interval_ms", "heartbeat_grace_ms", "plant_address", "plant_token", "max_events_per_batch", "constraints")
    PROTOCOL_VERSION_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_INTERVAL_MS_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_GRACE_MS_FIELD_NUMBER: _ClassVar[int]
    PLANT_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    PLANT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    MAX_EVENTS_PER_BATCH_FIELD_NUMBER: _ClassVar[int]
    CONSTRAINTS_FIELD_NUMBER: _ClassVar[int]
    protocol_version: int
    session_id: str
    heartbeat_interval_ms: int
    heartbeat_grace_ms: int
    plant_address: str
    plant_token: str
    max_events_per_batch: int
    constraints: TagConstraints
    def __init__(self, protocol_version: _Optional[int] = ..., session_id: _Optional[str] = ..., heartbeat_interval_ms: _Optional[int] = ..., heartbeat_grace_ms: _Optional[int] = ..., plant_address: _Optional[str] = ..., plant_token: _Optional[str] = ..., max_events_per_batch: _Optional[int] = ..., constraints: _Optional[_Union[TagConstraints, _Mapping]] = ...) -> None: ...

class TagConstraints(_message.Message):
    __slots__ = ("allow_read", "allow_write")
    ALLOW_READ_FIELD_NUMBER: _ClassVar[int]
    ALLOW_WRITE_FIELD_NUMBER: _ClassVar[int]
    allow_read: _containers.RepeatedScalarFieldContainer[str]
    allow_write: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, allow_read: _Optional[_Iterable[str]] = ..., allow_write: _Optional[_Iterable[str]] = ...) -> None: ...

class Ready(_message.Message):
    __slots__ = ("protocol_version", "worker_version", "backend", "process_id")
    PROTOCOL_VERSION_FIELD_NUMBER: _ClassVar[int]
    WORKER_VERSION_FIELD_NUMBER: _ClassVar[int]
    BACKEND_FIELD_NUMBER: _ClassVar[int]
    PROCESS_ID_FIELD_NUMBER: _ClassVar[int]
    protocol_version: int
    worker_version: str
    backend: str
    process_id: int
    def __init__(self, protocol_version: _Optional[int] = ..., worker_version: _Optional[str] = ..., backend: _Optional[str] = ..., process_id: _Optional[int] = ...) -> None: ...

class Heartbeat(_message.Message):
    __slots__ = ("sequence",)
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    def __init__(self, sequence: _Optional[int] = ...) -> None: ...

class CommandRequest(_message.Message):
    __slots__ = ("correlation_id", "command")
    CORRELATION_ID_FIELD_NUMBER: _ClassVar[int]
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    correlation_id: int
    command: _commands_pb2.MxCommand
    def __init__(self, correlation_id: _Optional[int] = ..., command: _Optional[_Union[_commands_pb2.MxCommand, _Mapping]] = ...) -> None: ...

class CommandReply(_message.Message):
    __slots__ = ("correlation_id", "reply")
    CORRELATION_ID_FIELD_NUMBER: _ClassVar[int]
    REPLY_FIELD_NUMBER: _ClassVar[int]
    correlation_id: int
    reply: _commands_pb2.MxCommandReply
    def __init__(self, correlation_id: _Optional[int] = ..., reply: _Optional[_Union[_commands_pb2.MxCommandReply, _Mapping]] = ...) -> None: ...

class EventBatch(_message.Message):
    __slots__ = ("events",)
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[_commands_pb2.MxEvent]
    def __init__(self, events: _Optional[_Iterable[_Union[_commands_pb2.MxEvent, _Mapping]]] = ...) -> None: ...

class Shutdown(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GatewayToWorker(_message.Message):
    __slots__ = ("init", "heartbeat", "command", "shutdown")
    INIT_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_FIELD_NUMBER: _ClassVar[int]
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    SHUTDOWN_FIELD_NUMBER: _ClassVar[int]
    init: Init
    heartbeat: Heartbeat
    command: CommandRequest
    shutdown: Shutdown
    def __init__(self, init: _Optional[_Union[Init, _Mapping]] = ..., heartbeat: _Optional[_Union[Heartbeat, _Mapping]] = ..., command: _Optional[_Union[CommandRequest, _Mapping]] = ..., shutdown: _Optional[_Union[Shutdown, _Mapping]] = ...) -> None: ...

class WorkerToGateway(_message.Message):
    __slots__ = ("ready", "heartbeat", "reply", "events")
    READY_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_FIELD_NUMBER: _ClassVar[int]
    REPLY_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    ready: Ready
    heartbeat: Heartbeat
    reply: CommandReply
    events: EventBatch
    def __init__(self, ready: _Optional[_Union[Ready, _Mapping]] = ..., heartbeat: _Optional[_Union[Heartbeat, _Mapping]] = ..., reply: _Optional[_Union[CommandReply, _Mapping]] = ..., events: _Optional[_Union[EventBatch, _Mapping]] = ...) -> None: ...

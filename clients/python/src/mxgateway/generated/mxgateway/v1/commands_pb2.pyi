import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from mxgateway.generated.mxgateway.v1 import values_pb2 as _values_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ProtocolStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PROTOCOL_STATUS_UNSPECIFIED: _ClassVar[ProtocolStatus]
    PROTOCOL_STATUS_OK: _ClassVar[ProtocolStatus]
    PROTOCOL_STATUS_INVALID_REQUEST: _ClassVar[ProtocolStatus]
    PROTOCOL_STATUS_INTERNAL_ERROR: _ClassVar[ProtocolStatus]
    PROTOCOL_STATUS_PERMISSION_DENIED: _ClassVar[ProtocolStatus]
PROTOCOL_STATUS_UNSPECIFIED: ProtocolStatus
PROTOCOL_STATUS_OK: ProtocolStatus
PROTOCOL_STATUS_INVALID_REQUEST: ProtocolStatus
PROTOCOL_STATUS_INTERNAL_ERROR: ProtocolStatus
PROTOCOL_STATUS_PERMISSION_DENIED: ProtocolStatus

class RegisterCommand(_message.Message):
    __slots__ = ("client_name",)
    CLIENT_NAME_FIELD_NUMBER: _ClassVar[int]
    client_name: str
    def __init__(self, client_name: _Optional[str] = ...) -> None: ...

class UnregisterCommand(_message.Message):
    __slots__ = ("server_handle",)
    SERVER_HANDLE_FIELD_NUMBER: _ClassVar[int]
    server_handle: int
    def __init__(self, server_handle: _Optional[int] = ...) -> None: ...

class AddItemCommand(_message.Message):
    __slots__ = ("server_handle", "item_definition")
    SERVER_HANDLE_FIELD_NUMBER: _ClassVar[int]
    ITEM_DEFINITION_FIELD_NUMBER: _ClassVar[int]
    server_handle: int
    item_definition: str
    def __init__(self, server_handle: _Optional[int] = ..., item_definition: _Optional[str] = ...) -> None: ...

class AddItem2Command(_message.Message):
    __slots__ = ("server_handle", "item_definition", "item_context")
    SERVER_HANDLE_FIELD_NUMBER: _ClassVar[int]
    ITEM_DEFINITION_FIELD_NUMBER: _ClassVar[int]
    ITEM_CONTEXT_FIELD_NUMBER: _ClassVar[int]
    server_handle: int
    item_definition: str
    item_context: str
    def __init__(self, server_handle: _Optional[int] = ..., item_definition: _Optional[str] = ..., item_context: _Optional[str] = ...) -> None: ...

class ItemCommand(_message.Message):
    __slots__ = ("server_handle", "item_handle")
    SERVER_HANDLE_FIELD_NUMBER: _ClassVar[int]
    ITEM_HANDLE_FIELD_NUMBER: _ClassVar[int]
    server_handle: int
    item_handle: int
    def __init__(self, server_handle: _Optional[int] = ..., item_handle: _Optional[int] = ...) -> None: ...

class WriteCommand(_message.Message):
    __slots__ = ("server_handle", "item_handle", "value", "user_id")
    SERVER_HANDLE_FIELD_NUMBER: _ClassVar[int]
    ITEM_HANDLE_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    server_handle: int
    item_handle: int
    value: _values_pb2.MxValue
    user_id: int
    def __init__(self, server_handle: _Optional[int] = ..., item_handle: _Optional[int] = ..., value: _Optional[_Union[_values_pb2.MxValue, _Mapping]] = ..., user_id: _Optional[int] = ...) -> None: ...

class Write2Command(_message.Message):
    __slots__ = ("server_handle", "item_handle", "value", "timestamp", "user_id")
    SERVER_HANDLE_FIELD_NUMBER: _ClassVar[int]
    ITEM_HANDLE_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    server_handle: int
    item_handle: int
    value: _values_pb2.MxValue
    timestamp: _timestamp_pb2.Timestamp
    user_id: int
    def __init__(self, server_handle: _Optional[int] = ..., item_handle: _Optional[int] = ..., value: _Optional[_Union[_values_pb2.MxValue, _Mapping]] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., user_id: _Optional[int] = ...) -> None: ...

class WriteSecuredCommand(_message.Message):
    __slots__ = ("server_handle", "item_handle", "current_user_id", "verifier_user_id", "value")
    SERVER_HANDLE_FIELD_NUMBER: _ClassVar[int]
    ITEM_HANDLE_FIELD_NUMBER: _ClassVar[int]
    CURRENT_USER_ID_FIELD_NUMBER: _ClassVar[int]
    VERIFIER_USER_ID_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    server_handle: int
    item_handle: int
    current_user_id: int
    verifier_user_id: int
    value: _values_pb2.MxValue
    def __init__(self, server_handle: _Optional[int] = ..., item_handle: _Optional[int] = ..., current_user_id: _Optional[int] = ..., verifier_user_id: _Optional[int] = ..., value: _Optional[_Union[_values_pb2.MxValue, _Mapping]] = ...) -> None: ...

class WriteSecured2Command(_message.Message):
    __slots__ = ("server_handle", "item_handle", "current_user_id", "verifier_user_id", "value", "timestamp")
    SERVER_HANDLE_FIELD_NUMBER: _ClassVar[int]
    ITEM_HANDLE_FIELD_NUMBER: _ClassVar[int]
    CURRENT_USER_ID_FIELD_NUMBER: _ClassVar[int]
    VERIFIER_USER_ID_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    server_handle: int
    item_handle: int
    current_user_id: int
    verifier_user_id: int
    value: _values_pb2.MxValue
    timestamp: _timestamp_pb2.Timestamp
    def __init__(self, server_handle: _Optional[int] = ..., item_handle: _Optional[int] = ..., current_user_id: _Optional[int] = ..., verifier_user_id: _Optional[int] = ..., value: _Optional[_Union[_values_pb2.MxValue, _Mapping]] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class AuthenticateUserCommand(_message.Message):
    __slots__ = ("server_handle", "user_name", "password")
    SERVER_HANDLE_FIELD_NUMBER: _ClassVar[int]
    USER_NAME_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    server_handle: int
    user_name: str
    password: str
    def __init__(self, server_handle: _Optional[int] = ..., user_name: _Optional[str] = ..., password: _Optional[str] = ...) -> None: ...

class ArchestraUserToIdCommand(_message.Message):
    __slots__ = ("server_handle", "user_guid")
    SERVER_HANDLE_FIELD_NUMBER: _ClassVar[int]
    USER_GUID_FIELD_NUMBER: _ClassVar[int]
    server_handle: int
    user_guid: str
    def __init__(self, server_handle: _Optional[int] = ..., user_guid: _Optional[str] = ...) -> None: ...

class AddBufferedItemCommand(_message.Message):
    __slots__ = ("server_handle", "item_definition", "item_context")
    SERVER_HANDLE_FIELD_NUMBER: _ClassVar[int]
    ITEM_DEFINITION_FIELD_NUMBER: _ClassVar[int]
    ITEM_CONTEXT_FIELD_NUMBER: _ClassVar[int]
    server_handle: int
    item_definition: str
    item_context: str
    def __init__(self, server_handle: _Optional[int] = ..., item_definition: _Optional[str] = ..., item_context: _Optional[str] = ...) -> None: ...

class SetBufferedUpdateIntervalCommand(_message.Message):
    __slots__ = ("server_handle", "update_interval_ms")
    SERVER_HANDLE_FIELD_NUMBER: _ClassVar[int]
    UPDATE_INTERVAL_MS_FIELD_NUMBER: _ClassVar[int]
    server_handle: int
    update_interval_ms: int
    def __init__(self, server_handle: _Optional[int] = ..., update_interval_ms: _Optional[int] = ...) -> None: ...

class ItemDefinitionsBulkCommand(_message.Message):
    __slots__ = ("server_handle", "item_definitions")
    SERVER_HANDLE_FIELD_NUMBER: _ClassVar[int]
    ITEM_DEFINITIONS_FIELD_NUMBER: _ClassVar[int]
    server_handle: int
    item_definitions: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, server_handle: _Optional[int] = ..., item_definitions: _Optional[_Iterable[str]] = ...) -> None: ...

class ItemHandlesBulkCommand(_message.Message):
    __slots__ = ("server_handle", "item_handles")
    SERVER_HANDLE_FIELD_NUMBER: _ClassVar[int]
    ITEM_HANDLES_FIELD_NUMBER: _ClassVar[int]
    server_handle: int
    item_handles: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, server_handle: _Optional[int] = ..., item_handles: _Optional[_Iterable[int]] = ...) -> None: ...

class WriteBulkEntry(_message.Message):
    __slots__ = ("item_handle", "value", "user_id")
    ITEM_HANDLE_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    item_handle: int
    value: _values_pb2.MxValue
    user_id: int
    def __init__(self, item_handle: _Optional[int] = ..., value: _Optional[_Union[_values_pb2.MxValue, _Mapping]] = ..., user_id: _Optional[int] = ...) -> None: ...

class WriteBulkCommand(_message.Message):
    __slots__ = ("server_handle", "entries")
    SERVER_HANDLE_FIELD_NUMBER: _ClassVar[int]
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    server_handle: int
    entries: _containers.RepeatedCompositeFieldContainer[WriteBulkEntry]
    def __init__(self, server_handle: _Optional[int] = ..., entries: _Optional[_Iterable[_Union[WriteBulkEntry, _Mapping]]] = ...) -> None: ...

class Write2BulkEntry(_message.Message):
    __slots__ = ("item_handle", "value", "timestamp", "user_id")
    ITEM_HANDLE_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    item_handle: int
    value: _values_pb2.MxValue
    timestamp: _timestamp_pb2.Timestamp
    user_id: int
    def __init__(self, item_handle: _Optional[int] = ..., value: _Optional[_Union[_values_pb2.MxValue, _Mapping]] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., user_id: _Optional[int] = ...) -> None: ...

class Write2BulkCommand(_message.Message):
    __slots__ = ("server_handle", "entries")
    SERVER_HANDLE_FIELD_NUMBER: _ClassVar[int]
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    server_handle: int
    entries: _containers.RepeatedCompositeFieldContainer[Write2BulkEntry]
    def __init__(self, server_handle: _Optional[int] = ..., entries: _Optional[_Iterable[_Union[Write2BulkEntry, _Mapping]]] = ...) -> None: ...

class WriteSecuredBulkEntry(_message.Message):
    __slots__ = ("item_handle", "current_user_id", "verifier_user_id", "value")
    ITEM_HANDLE_FIELD_NUMBER: _ClassVar[int]
    CURRENT_USER_ID_FIELD_NUMBER: _ClassVar[int]
    VERIFIER_USER_ID_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    item_handle: int
    current_user_id: int
    verifier_user_id: int
    value: _values_pb2.MxValue
    def __init__(self, item_handle: _Optional[int] = ..., current_user_id: _Optional[int] = ..., verifier_user_id: _Optional[int] = ..., value: _Optional[_Union[_values_pb2.MxValue, _Mapping]] = ...) -> None: ...

class WriteSecuredBulkCommand(_message.Message):
    __slots__ = ("server_handle", "entries")
    SERVER_HANDLE_FIELD_NUMBER: _ClassVar[int]
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    server_handle: int
    entries: _containers.RepeatedCompositeFieldContainer[WriteSecuredBulkEntry]
    def __init__(self, server_handle: _Optional[int] = ..., entries: _Optional[_Iterable[_Union[WriteSecuredBulkEntry, _Mapping]]] = ...) -> None: ...

class WriteSecured2BulkEntry(_message.Message):
    __slots__ = ("item_handle", "current_user_id", "verifier_user_id", "value", "timestamp")
    ITEM_HANDLE_FIELD_NUMBER: _ClassVar[int]
    CURRENT_USER_ID_FIELD_NUMBER: _ClassVar[int]
    VERIFIER_USER_ID_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    item_handle: int
    current_user_id: int
    verifier_user_id: int
    value: _values_pb2.MxValue
    timestamp: _timestamp_pb2.Timestamp
    def __init__(self, item_handle: _Optional[int] = ..., current_user_id: _Optional[int] = ..., verifier_user_id: _Optional[int] = ..., value: _Optional[_Union[_values_pb2.MxValue, _Mapping]] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class WriteSecured2BulkCommand(_message.Message):
    __slots__ = ("server_handle", "entries")
    SERVER_HANDLE_FIELD_NUMBER: _ClassVar[int]
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    server_handle: int
    entries: _containers.RepeatedCompositeFieldContainer[WriteSecured2BulkEntry]
    def __init__(self, server_handle: _Optional[int] = ..., entries: _Optional[_Iterable[_Union[WriteSecured2BulkEntry, _Mapping]]] = ...) -> None: ...

class ReadBulkCommand(_message.Message):
    __slots__ = ("server_handle", "item_definitions", "timeout_ms")
    SERVER_HANDLE_FIELD_NUMBER: _ClassVar[int]
    ITEM_DEFINITIONS_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_MS_FIELD_NUMBER: _ClassVar[int]
    server_handle: int
    item_definitions: _containers.RepeatedScalarFieldContainer[str]
    timeout_ms: int
    def __init__(self, server_handle: _Optional[int] = ..., item_definitions: _Optional[_Iterable[str]] = ..., timeout_ms: _Optional[int] = ...) -> None: ...

class SubscribeResult(_message.Message):
    __slots__ = ("item_definition", "item_handle", "was_successful", "hresult", "statuses", "message", "denied_by_constraint")
    ITEM_DEFINITION_FIELD_NUMBER: _ClassVar[int]
    ITEM_HANDLE_FIELD_NUMBER: _ClassVar[int]
    WAS_SUCCESSFUL_FIELD_NUMBER: _ClassVar[int]
    HRESULT_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    DENIED_BY_CONSTRAINT_FIELD_NUMBER: _ClassVar[int]
    item_definition: str
    item_handle: int
    was_successful: bool
    hresult: int
    statuses: _containers.RepeatedCompositeFieldContainer[_values_pb2.MxStatus]
    message: str
    denied_by_constraint: bool
    def __init__(self, item_definition: _Optional[str] = ..., item_handle: _Optional[int] = ..., was_successful: _Optional[bool] = ..., hresult: _Optional[int] = ..., statuses: _Optional[_Iterable[_Union[_values_pb2.MxStatus, _Mapping]]] = ..., message: _Optional[str] = ..., denied_by_constraint: _Optional[bool] = ...) -> None: ...

class BulkWriteResult(_message.Message):
    __slots__ = ("item_handle", "was_successful", "hresult", "statuses", "message", "denied_by_constraint")
    ITEM_HANDLE_FIELD_NUMBER: _ClassVar[int]
    WAS_SUCCESSFUL_FIELD_NUMBER: _ClassVar[int]
    HRESULT_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    DENIED_BY_CONSTRAINT_FIELD_NUMBER: _ClassVar[int]
    item_handle: int
    was_successful: bool
    hresult: int
    statuses: _containers.RepeatedCompositeFieldContainer[_values_pb2.MxStatus]
    message: str
    denied_by_constraint: bool
    def __init__(self, item_handle: _Optional[int] = ..., was_successful: _Optional[bool] = ..., hresult: _Optional[int] = ..., statuses: _Optional[_Iterable[_Union[_values_pb2.MxStatus, _Mapping]]] = ..., message: _Optional[str] = ..., denied_by_constraint: _Optional[bool] = ...) -> None: ...

class BulkReadResult(_message.Message):
    __slots__ = ("item_definition", "was_successful", "was_cached", "value", "quality", "timestamp", "statuses", "message", "denied_by_constraint")
    ITEM_DEFINITION_FIELD_NUMBER: _ClassVar[int]
    WAS_SUCCESSFUL_FIELD_NUMBER: _ClassVar[int]
    WAS_CACHED_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    QUALITY_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    DENIED_BY_CONSTRAINT_FIELD_NUMBER: _ClassVar[int]
    item_definition: str
    was_successful: bool
    was_cached: bool
    value: _values_pb2.MxValue
    quality: int
    timestamp: _timestamp_pb2.Timestamp
    statuses: _containers.RepeatedCompositeFieldContainer[_values_pb2.MxStatus]
    message: str
    denied_by_constraint: bool
    def __init__(self, item_definition: _Optional[str] = ..., was_successful: _Optional[bool] = ..., was_cached: _Optional[bool] = ..., value: _Optional[_Union[_values_pb2.MxValue, _Mapping]] = ..., quality: _Optional[int] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., statuses: _Optional[_Iterable[_Union[_values_pb2.MxStatus, _Mapping]]] = ..., message: _Optional[str] = ..., denied_by_constraint: _Optional[bool] = ...) -> None: ...

class SubscribeResults(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[SubscribeResult]
    def __init__(self, results: _Optional[_Iterable[_Union[SubscribeResult, _Mapping]]] = ...) -> None: ...

class BulkWriteResults(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[BulkWriteResult]
    def __init__(self, results: _Optional[_Iterable[_Union[BulkWriteResult, _Mapping]]] = ...) -> None: ...

class BulkReadResults(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[BulkReadResult]
    def __init__(self, results: _Optional[_Iterable[_Union[BulkReadResult, _Mapping]]] = ...) -> None: ...

class MxCommand(_message.Message):
    __slots__ = ("register", "unregister", "add_item", "add_item2", "remove_item", "advise", "advise_supervisory", "unadvise", "write", "write2", "write_secured", "write_secured2", "authenticate_user", "add_item_bulk", "advise_item_bulk", "remove_item_bulk", "unadvise_item_bulk", "subscribe_bulk", "unsubscribe_bulk", "write_bulk", "write2_bulk", "write_secured_bulk", "write_secured2_bulk", "read_bulk", "archestra_user_to_id", "suspend", "activate", "add_buffered_item", "set_buffered_update_interval")
    REGISTER_FIELD_NUMBER: _ClassVar[int]
    UNREGISTER_FIELD_NUMBER: _ClassVar[int]
    ADD_ITEM_FIELD_NUMBER: _ClassVar[int]
    ADD_ITEM2_FIELD_NUMBER: _ClassVar[int]
    REMOVE_ITEM_FIELD_NUMBER: _ClassVar[int]
    ADVISE_FIELD_NUMBER: _ClassVar[int]
    ADVISE_SUPERVISORY_FIELD_NUMBER: _ClassVar[int]
    UNADVISE_FIELD_NUMBER: _ClassVar[int]
    WRITE_FIELD_NUMBER: _ClassVar[int]
    WRITE2_FIELD_NUMBER: _ClassVar[int]
    WRITE_SECURED_FIELD_NUMBER: _ClassVar[int]
    WRITE_SECURED2_FIELD_NUMBER: _ClassVar[int]
    AUTHENTICATE_USER_FIELD_NUMBER: _ClassVar[int]
    ADD_ITEM_BULK_FIELD_NUMBER: _ClassVar[int]
    ADVISE_ITEM_BULK_FIELD_NUMBER: _ClassVar[int]
    REMOVE_ITEM_BULK_FIELD_NUMBER: _ClassVar[int]
    UNADVISE_ITEM_BULK_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIBE_BULK_FIELD_NUMBER: _ClassVar[int]
    UNSUBSCRIBE_BULK_FIELD_NUMBER: _ClassVar[int]
    WRITE_BULK_FIELD_NUMBER: _ClassVar[int]
    WRITE2_BULK_FIELD_NUMBER: _ClassVar[int]
    WRITE_SECURED_BULK_FIELD_NUMBER: _ClassVar[int]
    WRITE_SECURED2_BULK_FIELD_NUMBER: _ClassVar[int]
    READ_BULK_FIELD_NUMBER: _ClassVar[int]
    ARCHESTRA_USER_TO_ID_FIELD_NUMBER: _ClassVar[int]
    SUSPEND_FIELD_NUMBER: _ClassVar[int]
    ACTIVATE_FIELD_NUMBER: _ClassVar[int]
    ADD_BUFFERED_ITEM_FIELD_NUMBER: _ClassVar[int]
    SET_BUFFERED_UPDATE_INTERVAL_FIELD_NUMBER: _ClassVar[int]
    register: RegisterCommand
    unregister: UnregisterCommand
    add_item: AddItemCommand
    add_item2: AddItem2Command
    remove_item: ItemCommand
    advise: ItemCommand
    advise_supervisory: ItemCommand
    unadvise: ItemCommand
    write: WriteCommand
    write2: Write2Command
    write_secured: WriteSecuredCommand
    write_secured2: WriteSecured2Command
    authenticate_user: AuthenticateUserCommand
    add_item_bulk: ItemDefinitionsBulkCommand
    advise_item_bulk: ItemHandlesBulkCommand
    remove_item_bulk: ItemHandlesBulkCommand
    unadvise_item_bulk: ItemHandlesBulkCommand
    subscribe_bulk: ItemDefinitionsBulkCommand
    unsubscribe_bulk: ItemHandlesBulkCommand
    write_bulk: WriteBulkCommand
    write2_bulk: Write2BulkCommand
    write_secured_bulk: WriteSecuredBulkCommand
    write_secured2_bulk: WriteSecured2BulkCommand
    read_bulk: ReadBulkCommand
    archestra_user_to_id: ArchestraUserToIdCommand
    suspend: ItemCommand
    activate: ItemCommand
    add_buffered_item: AddBufferedItemCommand
    set_buffered_update_interval: SetBufferedUpdateIntervalCommand
    def __init__(self, register: _Optional[_Union[RegisterCommand, _Mapping]] = ..., unregister: _Optional[_Union[UnregisterCommand, _Mapping]] = ..., add_item: _Optional[_Union[AddItemCommand, _Mapping]] = ..., add_item2: _Optional[_Union[AddItem2Command, _Mapping]] = ..., remove_item: _Optional[_Union[ItemCommand, _Mapping]] = ..., advise: _Optional[_Union[ItemCommand, _Mapping]] = ..., advise_supervisory: _Optional[_Union[ItemCommand, _Mapping]] = ..., unadvise: _Optional[_Union[ItemCommand, _Mapping]] = ..., write: _Optional[_Union[WriteCommand, _Mapping]] = ..., write2: _Optional[_Union[Write2Command, _Mapping]] = ..., write_secured: _Optional[_Union[WriteSecuredCommand, _Mapping]] = ..., write_secured2: _Optional[_Union[WriteSecured2Command, _Mapping]] = ..., authenticate_user: _Optional[_Union[AuthenticateUserCommand, _Mapping]] = ..., add_item_bulk: _Optional[_Union[ItemDefinitionsBulkCommand, _Mapping]] = ..., advise_item_bulk: _Optional[_Union[ItemHandlesBulkCommand, _Mapping]] = ..., remove_item_bulk: _Optional[_Union[ItemHandlesBulkCommand, _Mapping]] = ..., unadvise_item_bulk: _Optional[_Union[ItemHandlesBulkCommand, _Mapping]] = ..., subscribe_bulk: _Optional[_Union[ItemDefinitionsBulkCommand, _Mapping]] = ..., unsubscribe_bulk: _Optional[_Union[ItemHandlesBulkCommand, _Mapping]] = ..., write_bulk: _Optional[_Union[WriteBulkCommand, _Mapping]] = ..., write2_bulk: _Optional[_Union[Write2BulkCommand, _Mapping]] = ..., write_secured_bulk: _Optional[_Union[WriteSecuredBulkCommand, _Mapping]] = ..., write_secured2_bulk: _Optional[_Union[WriteSecured2BulkCommand, _Mapping]] = ..., read_bulk: _Optional[_Union[ReadBulkCommand, _Mapping]] = ..., archestra_user_to_id: _Optional[_Union[ArchestraUserToIdCommand, _Mapping]] = ..., suspend: _Optional[_Union[ItemCommand, _Mapping]] = ..., activate: _Optional[_Union[ItemCommand, _Mapping]] = ..., add_buffered_item: _Optional[_Union[AddBufferedItemCommand, _Mapping]] = ..., set_buffered_update_interval: _Optional[_Union[SetBufferedUpdateIntervalCommand, _Mapping]] = ...) -> None: ...

class MxCommandReply(_message.Message):
    __slots__ = ("protocol_status", "hresult", "statuses", "message", "server_handle", "item_handle", "user_id", "subscribe_results", "write_results", "read_results", "update_interval_ms")
    PROTOCOL_STATUS_FIELD_NUMBER: _ClassVar[int]
    HRESULT_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    SERVER_HANDLE_FIELD_NUMBER: _ClassVar[int]
    ITEM_HANDLE_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIBE_RESULTS_FIELD_NUMBER: _ClassVar[int]
    WRITE_RESULTS_FIELD_NUMBER: _ClassVar[int]
    READ_RESULTS_FIELD_NUMBER: _ClassVar[int]
    UPDATE_INTERVAL_MS_FIELD_NUMBER: _ClassVar[int]
    protocol_status: ProtocolStatus
    hresult: int
    statuses: _containers.RepeatedCompositeFieldContainer[_values_pb2.MxStatus]
    message: str
    server_handle: int
    item_handle: int
    user_id: int
    subscribe_results: SubscribeResults
    write_results: BulkWriteResults
    read_results: BulkReadResults
    update_interval_ms: int
    def __init__(self, protocol_status: _Optional[_Union[ProtocolStatus, str]] = ..., hresult: _Optional[int] = ..., statuses: _Optional[_Iterable[_Union[_values_pb2.MxStatus, _Mapping]]] = ..., message: _Optional[str] = ..., server_handle: _Optional[int] = ..., item_handle: _Optional[int] = ..., user_id: _Optional[int] = ..., subscribe_results: _Optional[_Union[SubscribeResults, _Mapping]] = ..., write_results: _Optional[_Union[BulkWriteResults, _Mapping]] = ..., read_results: _Optional[_Union[BulkReadResults, _Mapping]] = ..., update_interval_ms: _Optional[int] = ...) -> None: ...

class OnDataChange(_message.Message):
    __slots__ = ("value", "quality", "timestamp", "statuses")
    VALUE_FIELD_NUMBER: _ClassVar[int]
    QUALITY_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    value: _values_pb2.MxValue
    quality: int
    timestamp: _timestamp_pb2.Timestamp
    statuses: _containers.RepeatedCompositeFieldContainer[_values_pb2.MxStatus]
    def __init__(self, value: _Optional[_Union[_values_pb2.MxValue, _Mapping]] = ..., quality: _Optional[int] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., statuses: _Optional[_Iterable[_Union[_values_pb2.MxStatus, _Mapping]]] = ...) -> None: ...

class OnWriteComplete(_message.Message):
    __slots__ = ("statuses",)
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    statuses: _containers.RepeatedCompositeFieldContainer[_values_pb2.MxStatus]
    def __init__(self, statuses: _Optional[_Iterable[_Union[_values_pb2.MxStatus, _Mapping]]] = ...) -> None: ...

class OperationComplete(_message.Message):
    __slots__ = ("statuses",)
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    statuses: _containers.RepeatedCompositeFieldContainer[_values_pb2.MxStatus]
    def __init__(self, statuses: _Optional[_Iterable[_Union[_values_pb2.MxStatus, _Mapping]]] = ...) -> None: ...

class BufferedSample(_message.Message):
    __slots__ = ("value", "quality", "timestamp", "status")
    VALUE_FIELD_NUMBER: _ClassVar[int]
    QUALITY_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    value: _values_pb2.MxValue
    quality: int
    timestamp: _timestamp_pb2.Timestamp
    status: _values_pb2.MxStatus
    def __init__(self, value: _Optional[_Union[_values_pb2.MxValue, _Mapping]] = ..., quality: _Optional[int] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., status: _Optional[_Union[_values_pb2.MxStatus, _Mapping]] = ...) -> None: ...

class OnBufferedDataChange(_message.Message):
    __slots__ = ("data_type", "samples", "statuses", "samples_dropped")
    DATA_TYPE_FIELD_NUMBER: _ClassVar[int]
    SAMPLES_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    SAMPLES_DROPPED_FIELD_NUMBER: _ClassVar[int]
    data_type: _values_pb2.MxDataType
    samples: _containers.RepeatedCompositeFieldContainer[BufferedSample]
    statuses: _containers.RepeatedCompositeFieldContainer[_values_pb2.MxStatus]
    samples_dropped: int
    def __init__(self, data_type: _Optional[_Union[_values_pb2.MxDataType, str]] = ..., samples: _Optional[_Iterable[_Union[BufferedSample, _Mapping]]] = ..., statuses: _Optional[_Iterable[_Union[_values_pb2.MxStatus, _Mapping]]] = ..., samples_dropped: _Optional[int] = ...) -> None: ...

class MxEvent(_message.Message):
    __slots__ = ("worker_sequence", "server_handle", "item_handle", "conflated", "data_change", "write_complete", "operation_complete", "buffered_data_change")
    WORKER_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    SERVER_HANDLE_FIELD_NUMBER: _ClassVar[int]
    ITEM_HANDLE_FIELD_NUMBER: _ClassVar[int]
    CONFLATED_FIELD_NUMBER: _ClassVar[int]
    DATA_CHANGE_FIELD_NUMBER: _ClassVar[int]
    WRITE_COMPLETE_FIELD_NUMBER: _ClassVar[int]
    OPERATION_COMPLETE_FIELD_NUMBER: _ClassVar[int]
    BUFFERED_DATA_CHANGE_FIELD_NUMBER: _ClassVar[int]
    worker_sequence: int
    server_handle: int
    item_handle: int
    conflated: int
    data_change: OnDataChange
    write_complete: OnWriteComplete
    operation_complete: OperationComplete
    buffered_data_change: OnBufferedDataChange
    def __init__(self, worker_sequence: _Optional[int] = ..., server_handle: _Optional[int] = ..., item_handle: _Optional[int] = ..., conflated: _Optional[int] = ..., data_change: _Optional[_Union[OnDataChange, _Mapping]] = ..., write_complete: _Optional[_Union[OnWriteComplete, _Mapping]] = ..., operation_complete: _Optional[_Union[OperationComplete, _Mapping]] = ..., buffered_data_change: _Optional[_Union[OnBufferedDataChange, _Mapping]] = ...) -> None: ...

import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from mxgateway.generated.mxgateway.v1 import values_pb2 as _values_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Hello(_message.Message):
    __slots__ = ("protocol_version", "token", "label")
    PROTOCOL_VERSION_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    protocol_version: int
    token: str
    label: str
    def __init__(self, protocol_version: _Optional[int] = ..., token: _Optional[str] = ..., label: _Optional[str] = ...) -> None: ...

class Welcome(_message.Message):
    __slots__ = ("protocol_version", "galaxy_name")
    PROTOCOL_VERSION_FIELD_NUMBER: _ClassVar[int]
    GALAXY_NAME_FIELD_NUMBER: _ClassVar[int]
    protocol_version: int
    galaxy_name: str
    def __init__(self, protocol_version: _Optional[int] = ..., galaxy_name: _Optional[str] = ...) -> None: ...

class Subscribe(_message.Message):
    __slots__ = ("subscription_id", "reference", "context", "supervisory")
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    SUPERVISORY_FIELD_NUMBER: _ClassVar[int]
    subscription_id: int
    reference: str
    context: str
    supervisory: bool
    def __init__(self, subscription_id: _Optional[int] = ..., reference: _Optional[str] = ..., context: _Optional[str] = ..., supervisory: _Optional[bool] = ...) -> None: ...

class Unsubscribe(_message.Message):
    __slots__ = ("subscription_id",)
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    subscription_id: int
    def __init__(self, subscription_id: _Optional[int] = ...) -> None: ...

class Write(_message.Message):
    __slots__ = ("request_id", "subscription_id", "value", "timestamp", "user_id", "verifier_user_id", "secured")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    VERIFIER_USER_ID_FIELD_NUMBER: _ClassVar[int]
    SECURED_FIELD_NUMBER: _ClassVar[int]
    request_id: int
    subscription_id: int
    value: _values_pb2.MxValue
    timestamp: _timestamp_pb2.Timestamp
    user_id: int
    verifier_user_id: int
    secured: bool
    def __init__(self, request_id: _Optional[int] = ..., subscription_id: _Optional[int] = ..., value: _Optional[_Union[_values_pb2.MxValue, _Mapping]] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., user_id: _Optional[int] = ..., verifier_user_id: _Optional[int] = ..., secured: _Optional[bool] = ...) -> None: ...

class Authenticate(_message.Message):
    __slots__ = ("request_id", "user_name", "password")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    USER_NAME_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    request_id: int
    user_name: str
    password: str
    def __init__(self, request_id: _Optional[int] = ..., user_name: _Optional[str] = ..., password: _Optional[str] = ...) -> None: ...

class UserToId(_message.Message):
    __slots__ = ("request_id", "user_guid")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    USER_GUID_FIELD_NUMBER: _ClassVar[int]
    request_id: int
    user_guid: str
    def __init__(self, request_id: _Optional[int] = ..., user_guid: _Optional[str] = ...) -> None: ...

class LinkRequest(_message.Message):
    __slots__ = ("hello", "subscribe", "unsubscribe", "write", "authenticate", "user_to_id")
    HELLO_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIBE_FIELD_NUMBER: _ClassVar[int]
    UNSUBSCRIBE_FIELD_NUMBER: _ClassVar[int]
    WRITE_FIELD_NUMBER: _ClassVar[int]
    AUTHENTICATE_FIELD_NUMBER: _ClassVar[int]
    USER_TO_ID_FIELD_NUMBER: _ClassVar[int]
    hello: Hello
    subscribe: Subscribe
    unsubscribe: Unsubscribe
    write: Write
    authenticate: Authenticate
    user_to_id: UserToId
    def __init__(self, hello: _Optional[_Union[Hello, _Mapping]] = ..., subscribe: _Optional[_Union[Subscribe, _Mapping]] = ..., unsubscribe: _Optional[_Union[Unsubscribe, _Mapping]] = ..., write: _Optional[_Union[Write, _Mapping]] = ..., authenticate: _Optional[_Union[Authenticate, _Mapping]] = ..., user_to_id: _Optional[_Union[UserToId, _Mapping]] = ...) -> None: ...

class Update(_message.Message):
    __slots__ = ("subscription_id", "value", "quality", "timestamp", "status")
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    QUALITY_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    subscription_id: int
    value: _values_pb2.MxValue
    quality: int
    timestamp: _timestamp_pb2.Timestamp
    status: _values_pb2.MxStatus
    def __init__(self, subscription_id: _Optional[int] = ..., value: _Optional[_Union[_values_pb2.MxValue, _Mapping]] = ..., quality: _Optional[int] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., status: _Optional[_Union[_values_pb2.MxStatus, _Mapping]] = ...) -> None: ...

class Updates(_message.Message):
    __slots__ = ("updates",)
    UPDATES_FIELD_NUMBER: _ClassVar[int]
    updates: _containers.RepeatedCompositeFieldContainer[Update]
    def __init__(self, updates: _Optional[_Iterable[_Union[Update, _Mapping]]] = ...) -> None: ...

class WriteResult(_message.Message):
    __slots__ = ("request_id", "status")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    request_id: int
    status: _values_pb2.MxStatus
    def __init__(self, request_id: _Optional[int] = ..., status: _Optional[_Union[_values_pb2.MxStatus, _Mapping]] = ...) -> None: ...

class AuthenticateResult(_message.Message):
    __slots__ = ("request_id", "user_id", "error")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    request_id: int
    user_id: int
    error: str
    def __init__(self, request_id: _Optional[int] = ..., user_id: _Optional[int] = ..., error: _Optional[str] = ...) -> None: ...

class UserIdResult(_message.Message):
    __slots__ = ("request_id", "user_id", "error")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    request_id: int
    user_id: int
    error: str
    def __init__(self, request_id: _Optional[int] = ..., user_id: _Optional[int] = ..., error: _Optional[str] = ...) -> None: ...

class LinkMessage(_message.Message):
    __slots__ = ("welcome", "updates", "write_result", "authenticate_result", "user_id_result")
    WELCOME_FIELD_NUMBER: _ClassVar[int]
    UPDATES_FIELD_NUMBER: _ClassVar[int]
    WRITE_RESULT_FIELD_NUMBER: _ClassVar[int]
    AUTHENTICATE_RESULT_FIELD_NUMBER: _ClassVar[int]
    USER_ID_RESULT_FIELD_NUMBER: _ClassVar[int]
    welcome: Welcome
    updates: Updates
    write_result: WriteResult
    authenticate_result: AuthenticateResult
    user_id_result: UserIdResult
    def __init__(self, welcome: _Optional[_Union[Welcome, _Mapping]] = ..., updates: _Optional[_Union[Updates, _Mapping]] = ..., write_result: _Optional[_Union[WriteResult, _Mapping]] = ..., authenticate_result: _Optional[_Union[AuthenticateResult, _Mapping]] = ..., user_id_result: _Optional[_Union[UserIdResult, _Mapping]] = ...) -> None: ...

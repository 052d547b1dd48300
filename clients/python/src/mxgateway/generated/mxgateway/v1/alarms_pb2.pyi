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

class AlarmState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ALARM_STATE_UNSPECIFIED: _ClassVar[AlarmState]
    ALARM_STATE_UNACK_ALM: _ClassVar[AlarmState]
    ALARM_STATE_ACK_ALM: _ClassVar[AlarmState]
    ALARM_STATE_UNACK_RTN: _ClassVar[AlarmState]
    ALARM_STATE_ACK_RTN: _ClassVar[AlarmState]

class AlarmCondition(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ALARM_CONDITION_UNSPECIFIED: _ClassVar[AlarmCondition]
    ALARM_CONDITION_HIHI: _ClassVar[AlarmCondition]
    ALARM_CONDITION_HI: _ClassVar[AlarmCondition]
    ALARM_CONDITION_LO: _ClassVar[AlarmCondition]
    ALARM_CONDITION_LOLO: _ClassVar[AlarmCondition]
    ALARM_CONDITION_DISCRETE: _ClassVar[AlarmCondition]

class AlarmEventKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ALARM_EVENT_KIND_UNSPECIFIED: _ClassVar[AlarmEventKind]
    ALARM_EVENT_KIND_SNAPSHOT: _ClassVar[AlarmEventKind]
    ALARM_EVENT_KIND_SNAPSHOT_END: _ClassVar[AlarmEventKind]
    ALARM_EVENT_KIND_TRANSITION: _ClassVar[AlarmEventKind]
ALARM_STATE_UNSPECIFIED: AlarmState
ALARM_STATE_UNACK_ALM: AlarmState
ALARM_STATE_ACK_ALM: AlarmState
ALARM_STATE_UNACK_RTN: AlarmState
ALARM_STATE_ACK_RTN: AlarmState
ALARM_CONDITION_UNSPECIFIED: AlarmCondition
ALARM_CONDITION_HIHI: AlarmCondition
ALARM_CONDITION_HI: AlarmCondition
ALARM_CONDITION_LO: AlarmCondition
ALARM_CONDITION_LOLO: AlarmCondition
ALARM_CONDITION_DISCRETE: AlarmCondition
ALARM_EVENT_KIND_UNSPECIFIED: AlarmEventKind
ALARM_EVENT_KIND_SNAPSHOT: AlarmEventKind
ALARM_EVENT_KIND_SNAPSHOT_END: AlarmEventKind
ALARM_EVENT_KIND_TRANSITION: AlarmEventKind

class AlarmFilter(_message.Message):
    __slots__ = ("queries", "min_priority", "max_priority")
    QUERIES_FIELD_NUMBER: _ClassVar[int]
    MIN_PRIORITY_FIELD_NUMBER: _ClassVar[int]
    MAX_PRIORITY_FIELD_NUMBER: _ClassVar[int]
    queries: _containers.RepeatedScalarFieldContainer[str]
    min_priority: int
    max_priority: int
    def __init__(self, queries: _Optional[_Iterable[str]] = ..., min_priority: _Optional[int] = ..., max_priority: _Optional[int] = ...) -> None: ...

class AlarmRecord(_message.Message):
    __slots__ = ("reference", "tag_name", "alarm_name", "area", "source_reference", "condition", "state", "priority", "category", "description", "value", "limit", "quality", "time_alarm_on", "time_alarm_off", "time_alarm_acked", "ack_operator", "ack_comment", "transition_time")
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    TAG_NAME_FIELD_NUMBER: _ClassVar[int]
    ALARM_NAME_FIELD_NUMBER: _ClassVar[int]
    AREA_FIELD_NUMBER: _ClassVar[int]
    SOURCE_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    CONDITION_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    QUALITY_FIELD_NUMBER: _ClassVar[int]
    TIME_ALARM_ON_FIELD_NUMBER: _ClassVar[int]
    TIME_ALARM_OFF_FIELD_NUMBER: _ClassVar[int]
    TIME_ALARM_ACKED_FIELD_NUMBER: _ClassVar[int]
    ACK_OPERATOR_FIELD_NUMBER: _ClassVar[int]
    ACK_COMMENT_FIELD_NUMBER: _ClassVar[int]
    TRANSITION_TIME_FIELD_NUMBER: _ClassVar[int]
    reference: str
    tag_name: str
    alarm_name: str
    area: str
    source_reference: str
    condition: AlarmCondition
    state: AlarmState
    priority: int
    category: str
    description: str
    value: _values_pb2.MxValue
    limit: _values_pb2.MxValue
    quality: int
    time_alarm_on: _timestamp_pb2.Timestamp
    time_alarm_off: _timestamp_pb2.Timestamp
    time_alarm_acked: _timestamp_pb2.Timestamp
    ack_operator: str
    ack_comment: str
    transition_time: _timestamp_pb2.Timestamp
    def __init__(self, reference: _Optional[str] = ..., tag_name: _Optional[str] = ..., alarm_name: _Optional[str] = ..., area: _Optional[str] = ..., source_reference: _Optional[str] = ..., condition: _Optional[_Union[AlarmCondition, str]] = ..., state: _Optional[_Union[AlarmState, str]] = ..., priority: _Optional[int] = ..., category: _Optional[str] = ..., description: _Optional[str] = ..., value: _Optional[_Union[_values_pb2.MxValue, _Mapping]] = ..., limit: _Optional[_Union[_values_pb2.MxValue, _Mapping]] = ..., quality: _Optional[int] = ..., time_alarm_on: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., time_alarm_off: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., time_alarm_acked: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., ack_operator: _Optional[str] = ..., ack_comment: _Optional[str] = ..., transition_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class AlarmEvent(_message.Message):
    __slots__ = ("kind", "sequence", "alarm", "snapshot_count", "resync")
    KIND_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    ALARM_FIELD_NUMBER: _ClassVar[int]
    SNAPSHOT_COUNT_FIELD_NUMBER: _ClassVar[int]
    RESYNC_FIELD_NUMBER: _ClassVar[int]
    kind: AlarmEventKind
    sequence: int
    alarm: AlarmRecord
    snapshot_count: int
    resync: bool
    def __init__(self, kind: _Optional[_Union[AlarmEventKind, str]] = ..., sequence: _Optional[int] = ..., alarm: _Optional[_Union[AlarmRecord, _Mapping]] = ..., snapshot_count: _Optional[int] = ..., resync: _Optional[bool] = ...) -> None: ...

class StreamAlarmsRequest(_message.Message):
    __slots__ = ("filter",)
    FILTER_FIELD_NUMBER: _ClassVar[int]
    filter: AlarmFilter
    def __init__(self, filter: _Optional[_Union[AlarmFilter, _Mapping]] = ...) -> None: ...

class QueryActiveAlarmsRequest(_message.Message):
    __slots__ = ("filter",)
    FILTER_FIELD_NUMBER: _ClassVar[int]
    filter: AlarmFilter
    def __init__(self, filter: _Optional[_Union[AlarmFilter, _Mapping]] = ...) -> None: ...

class AcknowledgeAlarmRequest(_message.Message):
    __slots__ = ("reference", "comment", "operator")
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_FIELD_NUMBER: _ClassVar[int]
    reference: str
    comment: str
    operator: str
    def __init__(self, reference: _Optional[str] = ..., comment: _Optional[str] = ..., operator: _Optional[str] = ...) -> None: ...

class AcknowledgeAlarmReply(_message.Message):
    __slots__ = ("status", "alarm")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ALARM_FIELD_NUMBER: _ClassVar[int]
    status: _values_pb2.MxStatus
    alarm: AlarmRecord
    def __init__(self, status: _Optional[_Union[_values_pb2.MxStatus, _Mapping]] = ..., alarm: _Optional[_Union[AlarmRecord, _Mapping]] = ...) -> None: ...

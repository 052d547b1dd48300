import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from mxgateway.generated.mxgateway.v1 import values_pb2 as _values_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TestConnectionRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class TestConnectionReply(_message.Message):
    __slots__ = ("ok", "message", "provider")
    OK_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    ok: bool
    message: str
    provider: str
    def __init__(self, ok: _Optional[bool] = ..., message: _Optional[str] = ..., provider: _Optional[str] = ...) -> None: ...

class GetLastDeployTimeRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetLastDeployTimeReply(_message.Message):
    __slots__ = ("present", "time_of_last_deploy")
    PRESENT_FIELD_NUMBER: _ClassVar[int]
    TIME_OF_LAST_DEPLOY_FIELD_NUMBER: _ClassVar[int]
    present: bool
    time_of_last_deploy: _timestamp_pb2.Timestamp
    def __init__(self, present: _Optional[bool] = ..., time_of_last_deploy: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class DiscoverHierarchyRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class DiscoverHierarchyReply(_message.Message):
    __slots__ = ("objects", "next_page_token", "total_objects")
    OBJECTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_OBJECTS_FIELD_NUMBER: _ClassVar[int]
    objects: _containers.RepeatedCompositeFieldContainer[GalaxyObject]
    next_page_token: str
    total_objects: int
    def __init__(self, objects: _Optional[_Iterable[_Union[GalaxyObject, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_objects: _Optional[int] = ...) -> None: ...

class GalaxyObject(_message.Message):
    __slots__ = ("gobject_id", "tag_name", "contained_name", "hierarchical_name", "browse_name", "parent_gobject_id", "parent_tag_name", "area_tag_name", "template_chain", "category_id", "category", "attributes")
    GOBJECT_ID_FIELD_NUMBER: _ClassVar[int]
    TAG_NAME_FIELD_NUMBER: _ClassVar[int]
    CONTAINED_NAME_FIELD_NUMBER: _ClassVar[int]
    HIERARCHICAL_NAME_FIELD_NUMBER: _ClassVar[int]
    BROWSE_NAME_FIELD_NUMBER: _ClassVar[int]
    PARENT_GOBJECT_ID_FIELD_NUMBER: _ClassVar[int]
    PARENT_TAG_NAME_FIELD_NUMBER: _ClassVar[int]
    AREA_TAG_NAME_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_CHAIN_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_ID_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    gobject_id: int
    tag_name: str
    contained_name: str
    hierarchical_name: str
    browse_name: str
    parent_gobject_id: int
    parent_tag_name: str
    area_tag_name: str
    template_chain: _containers.RepeatedScalarFieldContainer[str]
    category_id: int
    category: str
    attributes: _containers.RepeatedCompositeFieldContainer[GalaxyAttribute]
    def __init__(self, gobject_id: _Optional[int] = ..., tag_name: _Optional[str] = ..., contained_name: _Optional[str] = ..., hierarchical_name: _Optional[str] = ..., browse_name: _Optional[str] = ..., parent_gobject_id: _Optional[int] = ..., parent_tag_name: _Optional[str] = ..., area_tag_name: _Optional[str] = ..., template_chain: _Optional[_Iterable[str]] = ..., category_id: _Optional[int] = ..., category: _Optional[str] = ..., attributes: _Optional[_Iterable[_Union[GalaxyAttribute, _Mapping]]] = ...) -> None: ...

class GalaxyAttribute(_message.Message):
    __slots__ = ("attribute_name", "full_tag_reference", "data_type", "is_array", "security_classification", "raw_security_classification", "is_alarm", "is_historized")
    ATTRIBUTE_NAME_FIELD_NUMBER: _ClassVar[int]
    FULL_TAG_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    DATA_TYPE_FIELD_NUMBER: _ClassVar[int]
    IS_ARRAY_FIELD_NUMBER: _ClassVar[int]
    SECURITY_CLASSIFICATION_FIELD_NUMBER: _ClassVar[int]
    RAW_SECURITY_CLASSIFICATION_FIELD_NUMBER: _ClassVar[int]
    IS_ALARM_FIELD_NUMBER: _ClassVar[int]
    IS_HISTORIZED_FIELD_NUMBER: _ClassVar[int]
    attribute_name: str
    full_tag_reference: str
    data_type: _values_pb2.MxDataType
    is_array: bool
    security_classification: _values_pb2.SecurityClassification
    raw_security_classification: int
    is_alarm: bool
    is_historized: bool
    def __init__(self, attribute_name: _Optional[str] = ..., full_tag_reference: _Optional[str] = ..., data_type: _Optional[_Union[_values_pb2.MxDataType, str]] = ..., is_array: _Optional[bool] = ..., security_classification: _Optional[_Union[_values_pb2.SecurityClassification, str]] = ..., raw_security_classification: _Optional[int] = ..., is_alarm: _Optional[bool] = ..., is_historized: _Optional[bool] = ...) -> None: ...

class WatchDeployEventsRequest(_message.Message):
    __slots__ = ("last_seen_deploy_time",)
    LAST_SEEN_DEPLOY_TIME_FIELD_NUMBER: _ClassVar[int]
    last_seen_deploy_time: _timestamp_pb2.Timestamp
    def __init__(self, last_seen_deploy_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class DeployEvent(_message.Message):
    __slots__ = ("sequence", "time_of_last_deploy", "time_of_last_deploy_present", "object_count", "attribute_count")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    TIME_OF_LAST_DEPLOY_FIELD_NUMBER: _ClassVar[int]
    TIME_OF_LAST_DEPLOY_PRESENT_FIELD_NUMBER: _ClassVar[int]
    OBJECT_COUNT_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTE_COUNT_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    time_of_last_deploy: _timestamp_pb2.Timestamp
    time_of_last_deploy_present: bool
    object_count: int
    attribute_count: int
    def __init__(self, sequence: _Optional[int] = ..., time_of_last_deploy: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., time_of_last_deploy_present: _Optional[bool] = ..., object_count: _Optional[int] = ..., attribute_count: _Optional[int] = ...) -> None: ...

class DeploySimulatedGalaxyRequest(_message.Message):
    __slots__ = ("model_toml",)
    MODEL_TOML_FIELD_NUMBER: _ClassVar[int]
    model_toml: str
    def __init__(self, model_toml: _Optional[str] = ...) -> None: ...

class DeploySimulatedGalaxyReply(_message.Message):
    __slots__ = ("time_of_last_deploy", "object_count", "attribute_count")
    TIME_OF_LAST_DEPLOY_FIELD_NUMBER: _ClassVar[int]
    OBJECT_COUNT_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTE_COUNT_FIELD_NUMBER: _ClassVar[int]
    time_of_last_deploy: _timestamp_pb2.Timestamp
    object_count: int
    attribute_count: int
    def __init__(self, time_of_last_deploy: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., object_count: _Optional[int] = ..., attribute_count: _Optional[int] = ...) -> None: ...

import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class MxDataType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MX_DATA_TYPE_NO_DATA: _ClassVar[MxDataType]
    MX_DATA_TYPE_BOOLEAN: _ClassVar[MxDataType]
    MX_DATA_TYPE_INTEGER: _ClassVar[MxDataType]
    MX_DATA_TYPE_FLOAT: _ClassVar[MxDataType]
    MX_DATA_TYPE_DOUBLE: _ClassVar[MxDataType]
    MX_DATA_TYPE_STRING: _ClassVar[MxDataType]
    MX_DATA_TYPE_TIME: _ClassVar[MxDataType]
    MX_DATA_TYPE_ELAPSED_TIME: _ClassVar[MxDataType]
    MX_DATA_TYPE_REFERENCE: _ClassVar[MxDataType]
    MX_DATA_TYPE_STATUS: _ClassVar[MxDataType]
    MX_DATA_TYPE_DATA_TYPE_ENUM: _ClassVar[MxDataType]
    MX_DATA_TYPE_SECURITY_CLASSIFICATION_ENUM: _ClassVar[MxDataType]
    MX_DATA_TYPE_DATA_QUALITY: _ClassVar[MxDataType]
    MX_DATA_TYPE_QUALIFIED_ENUM: _ClassVar[MxDataType]
    MX_DATA_TYPE_QUALIFIED_STRUCT: _ClassVar[MxDataType]
    MX_DATA_TYPE_INTERNATIONALIZED_STRING: _ClassVar[MxDataType]
    MX_DATA_TYPE_BIG_STRING: _ClassVar[MxDataType]
    MX_DATA_TYPE_UNKNOWN: _ClassVar[MxDataType]

class MxStatusCategory(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MX_STATUS_CATEGORY_UNSPECIFIED: _ClassVar[MxStatusCategory]
    MX_STATUS_CATEGORY_OK: _ClassVar[MxStatusCategory]
    MX_STATUS_CATEGORY_PENDING: _ClassVar[MxStatusCategory]
    MX_STATUS_CATEGORY_WARNING: _ClassVar[MxStatusCategory]
    MX_STATUS_CATEGORY_COMMUNICATION_ERROR: _ClassVar[MxStatusCategory]
    MX_STATUS_CATEGORY_CONFIGURATION_ERROR: _ClassVar[MxStatusCategory]
    MX_STATUS_CATEGORY_OPERATIONAL_ERROR: _ClassVar[MxStatusCategory]
    MX_STATUS_CATEGORY_SECURITY_ERROR: _ClassVar[MxStatusCategory]
    MX_STATUS_CATEGORY_SOFTWARE_ERROR: _ClassVar[MxStatusCategory]
    MX_STATUS_CATEGORY_OTHER_ERROR: _ClassVar[MxStatusCategory]
    MX_STATUS_CATEGORY_UNKNOWN: _ClassVar[MxStatusCategory]

class MxStatusSource(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MX_STATUS_SOURCE_UNSPECIFIED: _ClassVar[MxStatusSource]
    MX_STATUS_SOURCE_REQUESTING_LMX: _ClassVar[MxStatusSource]
    MX_STATUS_SOURCE_RESPONDING_LMX: _ClassVar[MxStatusSource]
    MX_STATUS_SOURCE_REQUESTING_NMX: _ClassVar[MxStatusSource]
    MX_STATUS_SOURCE_RESPONDING_NMX: _ClassVar[MxStatusSource]
    MX_STATUS_SOURCE_REQUESTING_AUTOMATION_OBJECT: _ClassVar[MxStatusSource]
    MX_STATUS_SOURCE_RESPONDING_AUTOMATION_OBJECT: _ClassVar[MxStatusSource]
    MX_STATUS_SOURCE_UNKNOWN: _ClassVar[MxStatusSource]

class SecurityClassification(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SECURITY_CLASSIFICATION_UNSPECIFIED: _ClassVar[SecurityClassification]
    SECURITY_CLASSIFICATION_FREE_ACCESS: _ClassVar[SecurityClassification]
    SECURITY_CLASSIFICATION_OPERATE: _ClassVar[SecurityClassification]
    SECURITY_CLASSIFICATION_SECURED_WRITE: _ClassVar[SecurityClassification]
    SECURITY_CLASSIFICATION_VERIFIED_WRITE: _ClassVar[SecurityClassification]
    SECURITY_CLASSIFICATION_TUNE: _ClassVar[SecurityClassification]
    SECURITY_CLASSIFICATION_CONFIGURE: _ClassVar[SecurityClassification]
    SECURITY_CLASSIFICATION_VIEW_ONLY: _ClassVar[SecurityClassification]
    SECURITY_CLASSIFICATION_UNDEFINED: _ClassVar[SecurityClassification]
MX_DATA_TYPE_NO_DATA: MxDataType
MX_DATA_TYPE_BOOLEAN: MxDataType
MX_DATA_TYPE_INTEGER: MxDataType
MX_DATA_TYPE_FLOAT: MxDataType
MX_DATA_TYPE_DOUBLE: MxDataType
MX_DATA_TYPE_STRING: MxDataType
MX_DATA_TYPE_TIME: MxDataType
MX_DATA_TYPE_ELAPSED_TIME: MxDataType
MX_DATA_TYPE_REFERENCE: MxDataType
MX_DATA_TYPE_STATUS: MxDataType
MX_DATA_TYPE_DATA_TYPE_ENUM: MxDataType
MX_DATA_TYPE_SECURITY_CLASSIFICATION_ENUM: MxDataType
MX_DATA_TYPE_DATA_QUALITY: MxDataType
MX_DATA_TYPE_QUALIFIED_ENUM: MxDataType
MX_DATA_TYPE_QUALIFIED_STRUCT: MxDataType
MX_DATA_TYPE_INTERNATIONALIZED_STRING: MxDataType
MX_DATA_TYPE_BIG_STRING: MxDataType
MX_DATA_TYPE_UNKNOWN: MxDataType
MX_STATUS_CATEGORY_UNSPECIFIED: MxStatusCategory
MX_STATUS_CATEGORY_OK: MxStatusCategory
MX_STATUS_CATEGORY_PENDING: MxStatusCategory
MX_STATUS_CATEGORY_WARNING: MxStatusCategory
MX_STATUS_CATEGORY_COMMUNICATION_ERROR: MxStatusCategory
MX_STATUS_CATEGORY_CONFIGURATION_ERROR: MxStatusCategory
MX_STATUS_CATEGORY_OPERATIONAL_ERROR: MxStatusCategory
MX_STATUS_CATEGORY_SECURITY_ERROR: MxStatusCategory
MX_STATUS_CATEGORY_SOFTWARE_ERROR: MxStatusCategory
MX_STATUS_CATEGORY_OTHER_ERROR: MxStatusCategory
MX_STATUS_CATEGORY_UNKNOWN: MxStatusCategory
MX_STATUS_SOURCE_UNSPECIFIED: MxStatusSource
MX_STATUS_SOURCE_REQUESTING_LMX: MxStatusSource
MX_STATUS_SOURCE_RESPONDING_LMX: MxStatusSource
MX_STATUS_SOURCE_REQUESTING_NMX: MxStatusSource
MX_STATUS_SOURCE_RESPONDING_NMX: MxStatusSource
MX_STATUS_SOURCE_REQUESTING_AUTOMATION_OBJECT: MxStatusSource
MX_STATUS_SOURCE_RESPONDING_AUTOMATION_OBJECT: MxStatusSource
MX_STATUS_SOURCE_UNKNOWN: MxStatusSource
SECURITY_CLASSIFICATION_UNSPECIFIED: SecurityClassification
SECURITY_CLASSIFICATION_FREE_ACCESS: SecurityClassification
SECURITY_CLASSIFICATION_OPERATE: SecurityClassification
SECURITY_CLASSIFICATION_SECURED_WRITE: SecurityClassification
SECURITY_CLASSIFICATION_VERIFIED_WRITE: SecurityClassification
SECURITY_CLASSIFICATION_TUNE: SecurityClassification
SECURITY_CLASSIFICATION_CONFIGURE: SecurityClassification
SECURITY_CLASSIFICATION_VIEW_ONLY: SecurityClassification
SECURITY_CLASSIFICATION_UNDEFINED: SecurityClassification

class BoolArray(_message.Message):
    __slots__ = ("values",)
    VALUES_FIELD_NUMBER: _ClassVar[int]
    values: _containers.RepeatedScalarFieldContainer[bool]
    def __init__(self, values: _Optional[_Iterable[bool]] = ...) -> None: ...

class Int32Array(_message.Message):
    __slots__ = ("values",)
    VALUES_FIELD_NUMBER: _ClassVar[int]
    values: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, values: _Optional[_Iterable[int]] = ...) -> None: ...

class FloatArray(_message.Message):
    __slots__ = ("values",)
    VALUES_FIELD_NUMBER: _ClassVar[int]
    values: _containers.RepeatedScalarFieldContainer[float]
    def __init__(self, values: _Optional[_Iterable[float]] = ...) -> None: ...

class DoubleArray(_message.Message):
    __slots__ = ("values",)
    VALUES_FIELD_NUMBER: _ClassVar[int]
    values: _containers.RepeatedScalarFieldContainer[float]
    def __init__(self, values: _Optional[_Iterable[float]] = ...) -> None: ...

class StringArray(_message.Message):
    __slots__ = ("values",)
    VALUES_FIELD_NUMBER: _ClassVar[int]
    values: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, values: _Optional[_Iterable[str]] = ...) -> None: ...

class TimeArray(_message.Message):
    __slots__ = ("values",)
    VALUES_FIELD_NUMBER: _ClassVar[int]
    values: _containers.RepeatedCompositeFieldContainer[_timestamp_pb2.Timestamp]
    def __init__(self, values: _Optional[_Iterable[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]]] = ...) -> None: ...

class DurationArray(_message.Message):
    __slots__ = ("values",)
    VALUES_FIELD_NUMBER: _ClassVar[int]
    values: _containers.RepeatedCompositeFieldContainer[_duration_pb2.Duration]
    def __init__(self, values: _Optional[_Iterable[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]]] = ...) -> None: ...

class MxValue(_message.Message):
    __slots__ = ("data_type", "variant_type", "bool_value", "int32_value", "float_value", "double_value", "string_value", "time_value", "elapsed_value", "bool_array", "int32_array", "float_array", "double_array", "string_array", "time_array", "elapsed_array", "record_value")
    DATA_TYPE_FIELD_NUMBER: _ClassVar[int]
    VARIANT_TYPE_FIELD_NUMBER: _ClassVar[int]
    BOOL_VALUE_FIELD_NUMBER: _ClassVar[int]
    INT32_VALUE_FIELD_NUMBER: _ClassVar[int]
    FLOAT_VALUE_FIELD_NUMBER: _ClassVar[int]
    DOUBLE_VALUE_FIELD_NUMBER: _ClassVar[int]
    STRING_VALUE_FIELD_NUMBER: _ClassVar[int]
    TIME_VALUE_FIELD_NUMBER: _ClassVar[int]
    ELAPSED_VALUE_FIELD_NUMBER: _ClassVar[int]
    BOOL_ARRAY_FIELD_NUMBER: _ClassVar[int]
    INT32_ARRAY_FIELD_NUMBER: _ClassVar[int]
    FLOAT_ARRAY_FIELD_NUMBER: _ClassVar[int]
    DOUBLE_ARRAY_FIELD_NUMBER: _ClassVar[int]
    STRING_ARRAY_FIELD_NUMBER: _ClassVar[int]
    TIME_ARRAY_FIELD_NUMBER: _ClassVar[int]
    ELAPSED_ARRAY_FIELD_NUMBER: _ClassVar[int]
    RECORD_VALUE_FIELD_NUMBER: _ClassVar[int]
    data_type: MxDataType
    variant_type: int
    bool_value: bool
    int32_value: int
    float_value: float
    double_value: float
    string_value: str
    time_value: _timestamp_pb2.Timestamp
    elapsed_value: _duration_pb2.Duration
    bool_array: BoolArray
    int32_array: Int32Array
    float_array: FloatArray
    double_array: DoubleArray
    string_array: StringArray
    time_array: TimeArray
    elapsed_array: DurationArray
    record_value: bytes
    def __init__(self, data_type: _Optional[_Union[MxDataType, str]] = ..., variant_type: _Optional[int] = ..., bool_value: _Optional[bool] = ..., int32_value: _Optional[int] = ..., float_value: _Optional[float] = ..., double_value: _Optional[float] = ..., string_value: _Optional[str] = ..., time_value: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., elapsed_value: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., bool_array: _Optional[_Union[BoolArray, _Mapping]] = ..., int32_array: _Optional[_Union[Int32Array, _Mapping]] = ..., float_array: _Optional[_Union[FloatArray, _Mapping]] = ..., double_array: _Optional[_Union[DoubleArray, _Mapping]] = ..., string_array: _Optional[_Union[StringArray, _Mapping]] = ..., time_array: _Optional[_Union[TimeArray, _Mapping]] = ..., elapsed_array: _Optional[_Union[DurationArray, _Mapping]] = ..., record_value: _Optional[bytes] = ...) -> None: ...

class MxStatus(_message.Message):
    __slots__ = ("success", "category", "detected_by", "detail", "raw_category", "raw_detected_by")
    SUCCESS_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    DETECTED_BY_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    RAW_CATEGORY_FIELD_NUMBER: _ClassVar[int]
    RAW_DETECTED_BY_FIELD_NUMBER: _ClassVar[int]
    success: int
    category: MxStatusCategory
    detected_by: MxStatusSource
    detail: int
    raw_category: int
    raw_detected_by: int
    def __init__(self, success: _Optional[int] = ..., category: _Optional[_Union[MxStatusCategory, str]] = ..., detected_by: _Optional[_Union[MxStatusSource, str]] = ..., detail: _Optional[int] = ..., raw_category: _Optional[int] = ..., raw_detected_by: _Optional[int] = ...) -> None: ...

"""The generated protobuf messages and enums of ``mxgateway.v1``, under short names.

Use ``from mxgateway import pb`` and then ``pb.MxCommandReply``, ``pb.MxEvent``,
``pb.GalaxyObject``, ... The modules themselves live in ``mxgateway.generated.mxgateway.v1``.
"""

from __future__ import annotations

from .generated.mxgateway.v1.alarms_pb2 import (
    ALARM_CONDITION_DISCRETE as ALARM_CONDITION_DISCRETE,
)
from .generated.mxgateway.v1.alarms_pb2 import (
    ALARM_CONDITION_HI as ALARM_CONDITION_HI,
)
from .generated.mxgateway.v1.alarms_pb2 import (
    ALARM_CONDITION_HIHI as ALARM_CONDITION_HIHI,
)
from .generated.mxgateway.v1.alarms_pb2 import (
    ALARM_CONDITION_LO as ALARM_CONDITION_LO,
)
from .generated.mxgateway.v1.alarms_pb2 import (
    ALARM_CONDITION_LOLO as ALARM_CONDITION_LOLO,
)
from .generated.mxgateway.v1.alarms_pb2 import (
    ALARM_CONDITION_UNSPECIFIED as ALARM_CONDITION_UNSPECIFIED,
)
from .generated.mxgateway.v1.alarms_pb2 import (
    ALARM_EVENT_KIND_SNAPSHOT as ALARM_EVENT_KIND_SNAPSHOT,
)
from .generated.mxgateway.v1.alarms_pb2 import (
    ALARM_EVENT_KIND_SNAPSHOT_END as ALARM_EVENT_KIND_SNAPSHOT_END,
)
from .generated.mxgateway.v1.alarms_pb2 import (
    ALARM_EVENT_KIND_TRANSITION as ALARM_EVENT_KIND_TRANSITION,
)
from .generated.mxgateway.v1.alarms_pb2 import (
    ALARM_EVENT_KIND_UNSPECIFIED as ALARM_EVENT_KIND_UNSPECIFIED,
)
from .generated.mxgateway.v1.alarms_pb2 import (
    ALARM_STATE_ACK_ALM as ALARM_STATE_ACK_ALM,
)
from .generated.mxgateway.v1.alarms_pb2 import (
    ALARM_STATE_ACK_RTN as ALARM_STATE_ACK_RTN,
)
from .generated.mxgateway.v1.alarms_pb2 import (
    ALARM_STATE_UNACK_ALM as ALARM_STATE_UNACK_ALM,
)
from .generated.mxgateway.v1.alarms_pb2 import (
    ALARM_STATE_UNACK_RTN as ALARM_STATE_UNACK_RTN,
)
from .generated.mxgateway.v1.alarms_pb2 import (
    ALARM_STATE_UNSPECIFIED as ALARM_STATE_UNSPECIFIED,
)
from .generated.mxgateway.v1.alarms_pb2 import (
    AcknowledgeAlarmReply as AcknowledgeAlarmReply,
)
from .generated.mxgateway.v1.alarms_pb2 import (
    AcknowledgeAlarmRequest as AcknowledgeAlarmRequest,
)
from .generated.mxgateway.v1.alarms_pb2 import (
    AlarmCondition as AlarmCondition,
)
from .generated.mxgateway.v1.alarms_pb2 import (
    AlarmEvent as AlarmEvent,
)
from .generated.mxgateway.v1.alarms_pb2 import (
    AlarmEventKind as AlarmEventKind,
)
from .generated.mxgateway.v1.alarms_pb2 import (
    AlarmFilter as AlarmFilter,
)
from .generated.mxgateway.v1.alarms_pb2 import (
    AlarmRecord as AlarmRecord,
)
from .generated.mxgateway.v1.alarms_pb2 import (
    AlarmState as AlarmState,
)
from .generated.mxgateway.v1.alarms_pb2 import (
    QueryActiveAlarmsRequest as QueryActiveAlarmsRequest,
)
from .generated.mxgateway.v1.alarms_pb2 import (
    StreamAlarmsRequest as StreamAlarmsRequest,
)
from .generated.mxgateway.v1.commands_pb2 import (
    PROTOCOL_STATUS_INTERNAL_ERROR as PROTOCOL_STATUS_INTERNAL_ERROR,
)
from .generated.mxgateway.v1.commands_pb2 import (
    PROTOCOL_STATUS_INVALID_REQUEST as PROTOCOL_STATUS_INVALID_REQUEST,
)
from .generated.mxgateway.v1.commands_pb2 import (
    PROTOCOL_STATUS_OK as PROTOCOL_STATUS_OK,
)
from .generated.mxgateway.v1.commands_pb2 import (
    PROTOCOL_STATUS_PERMISSION_DENIED as PROTOCOL_STATUS_PERMISSION_DENIED,
)
from .generated.mxgateway.v1.commands_pb2 import (
    PROTOCOL_STATUS_UNSPECIFIED as PROTOCOL_STATUS_UNSPECIFIED,
)
from .generated.mxgateway.v1.commands_pb2 import (
    AddBufferedItemCommand as AddBufferedItemCommand,
)
from .generated.mxgateway.v1.commands_pb2 import (
    AddItem2Command as AddItem2Command,
)
from .generated.mxgateway.v1.commands_pb2 import (
    AddItemCommand as AddItemCommand,
)
from .generated.mxgateway.v1.commands_pb2 import (
    ArchestraUserToIdCommand as ArchestraUserToIdCommand,
)
from .generated.mxgateway.v1.commands_pb2 import (
    AuthenticateUserCommand as AuthenticateUserCommand,
)
from .generated.mxgateway.v1.commands_pb2 import (
    BufferedSample as BufferedSample,
)
from .generated.mxgateway.v1.commands_pb2 import (
    BulkReadResult as BulkReadResult,
)
from .generated.mxgateway.v1.commands_pb2 import (
    BulkReadResults as BulkReadResults,
)
from .generated.mxgateway.v1.commands_pb2 import (
    BulkWriteResult as BulkWriteResult,
)
from .generated.mxgateway.v1.commands_pb2 import (
    BulkWriteResults as BulkWriteResults,
)
from .generated.mxgateway.v1.commands_pb2 import (
    ItemCommand as ItemCommand,
)
from .generated.mxgateway.v1.commands_pb2 import (
    ItemDefinitionsBulkCommand as ItemDefinitionsBulkCommand,
)
from .generated.mxgateway.v1.commands_pb2 import (
    ItemHandlesBulkCommand as ItemHandlesBulkCommand,
)
from .generated.mxgateway.v1.commands_pb2 import (
    MxCommand as MxCommand,
)
from .generated.mxgateway.v1.commands_pb2 import (
    MxCommandReply as MxCommandReply,
)
from .generated.mxgateway.v1.commands_pb2 import (
    MxEvent as MxEvent,
)
from .generated.mxgateway.v1.commands_pb2 import (
    OnBufferedDataChange as OnBufferedDataChange,
)
from .generated.mxgateway.v1.commands_pb2 import (
    OnDataChange as OnDataChange,
)
from .generated.mxgateway.v1.commands_pb2 import (
    OnWriteComplete as OnWriteComplete,
)
from .generated.mxgateway.v1.commands_pb2 import (
    OperationComplete as OperationComplete,
)
from .generated.mxgateway.v1.commands_pb2 import (
    ProtocolStatus as ProtocolStatus,
)
from .generated.mxgateway.v1.commands_pb2 import (
    ReadBulkCommand as ReadBulkCommand,
)
from .generated.mxgateway.v1.commands_pb2 import (
    RegisterCommand as RegisterCommand,
)
from .generated.mxgateway.v1.commands_pb2 import (
    SetBufferedUpdateIntervalCommand as SetBufferedUpdateIntervalCommand,
)
from .generated.mxgateway.v1.commands_pb2 import (
    SubscribeResult as SubscribeResult,
)
from .generated.mxgateway.v1.commands_pb2 import (
    SubscribeResults as SubscribeResults,
)
from .generated.mxgateway.v1.commands_pb2 import (
    UnregisterCommand as UnregisterCommand,
)
from .generated.mxgateway.v1.commands_pb2 import (
    Write2BulkCommand as Write2BulkCommand,
)
from .generated.mxgateway.v1.commands_pb2 import (
    Write2BulkEntry as Write2BulkEntry,
)
from .generated.mxgateway.v1.commands_pb2 import (
    Write2Command as Write2Command,
)
from .generated.mxgateway.v1.commands_pb2 import (
    WriteBulkCommand as WriteBulkCommand,
)
from .generated.mxgateway.v1.commands_pb2 import (
    WriteBulkEntry as WriteBulkEntry,
)
from .generated.mxgateway.v1.commands_pb2 import (
    WriteCommand as WriteCommand,
)
from .generated.mxgateway.v1.commands_pb2 import (
    WriteSecured2BulkCommand as WriteSecured2BulkCommand,
)
from .generated.mxgateway.v1.commands_pb2 import (
    WriteSecured2BulkEntry as WriteSecured2BulkEntry,
)
from .generated.mxgateway.v1.commands_pb2 import (
    WriteSecured2Command as WriteSecured2Command,
)
from .generated.mxgateway.v1.commands_pb2 import (
    WriteSecuredBulkCommand as WriteSecuredBulkCommand,
)
from .generated.mxgateway.v1.commands_pb2 import (
    WriteSecuredBulkEntry as WriteSecuredBulkEntry,
)
from .generated.mxgateway.v1.commands_pb2 import (
    WriteSecuredCommand as WriteSecuredCommand,
)
from .generated.mxgateway.v1.galaxy_pb2 import (
    DeployEvent as DeployEvent,
)
from .generated.mxgateway.v1.galaxy_pb2 import (
    DeploySimulatedGalaxyReply as DeploySimulatedGalaxyReply,
)
from .generated.mxgateway.v1.galaxy_pb2 import (
    DeploySimulatedGalaxyRequest as DeploySimulatedGalaxyRequest,
)
from .generated.mxgateway.v1.galaxy_pb2 import (
    DiscoverHierarchyReply as DiscoverHierarchyReply,
)
from .generated.mxgateway.v1.galaxy_pb2 import (
    DiscoverHierarchyRequest as DiscoverHierarchyRequest,
)
from .generated.mxgateway.v1.galaxy_pb2 import (
    GalaxyAttribute as GalaxyAttribute,
)
from .generated.mxgateway.v1.galaxy_pb2 import (
    GalaxyObject as GalaxyObject,
)
from .generated.mxgateway.v1.galaxy_pb2 import (
    GetLastDeployTimeReply as GetLastDeployTimeReply,
)
from .generated.mxgateway.v1.galaxy_pb2 import (
    GetLastDeployTimeRequest as GetLastDeployTimeRequest,
)
from .generated.mxgateway.v1.galaxy_pb2 import (
    TestConnectionReply as TestConnectionReply,
)
from .generated.mxgateway.v1.galaxy_pb2 import (
    TestConnectionRequest as TestConnectionRequest,
)
from .generated.mxgateway.v1.galaxy_pb2 import (
    WatchDeployEventsRequest as WatchDeployEventsRequest,
)
from .generated.mxgateway.v1.gateway_pb2 import (
    CloseSessionReply as CloseSessionReply,
)
from .generated.mxgateway.v1.gateway_pb2 import (
    CloseSessionRequest as CloseSessionRequest,
)
from .generated.mxgateway.v1.gateway_pb2 import (
    MxCommandRequest as MxCommandRequest,
)
from .generated.mxgateway.v1.gateway_pb2 import (
    OpenSessionReply as OpenSessionReply,
)
from .generated.mxgateway.v1.gateway_pb2 import (
    OpenSessionRequest as OpenSessionRequest,
)
from .generated.mxgateway.v1.gateway_pb2 import (
    ServerLimits as ServerLimits,
)
from .generated.mxgateway.v1.gateway_pb2 import (
    StreamEventsReply as StreamEventsReply,
)
from .generated.mxgateway.v1.gateway_pb2 import (
    StreamEventsRequest as StreamEventsRequest,
)
from .generated.mxgateway.v1.values_pb2 import (
    MX_DATA_TYPE_BIG_STRING as MX_DATA_TYPE_BIG_STRING,
)
from .generated.mxgateway.v1.values_pb2 import (
    MX_DATA_TYPE_BOOLEAN as MX_DATA_TYPE_BOOLEAN,
)
from .generated.mxgateway.v1.values_pb2 import (
    MX_DATA_TYPE_DATA_QUALITY as MX_DATA_TYPE_DATA_QUALITY,
)
from .generated.mxgateway.v1.values_pb2 import (
    MX_DATA_TYPE_DATA_TYPE_ENUM as MX_DATA_TYPE_DATA_TYPE_ENUM,
)
from .generated.mxgateway.v1.values_pb2 import (
    MX_DATA_TYPE_DOUBLE as MX_DATA_TYPE_DOUBLE,
)
from .generated.mxgateway.v1.values_pb2 import (
    MX_DATA_TYPE_ELAPSED_TIME as MX_DATA_TYPE_ELAPSED_TIME,
)
from .generated.mxgateway.v1.values_pb2 import (
    MX_DATA_TYPE_FLOAT as MX_DATA_TYPE_FLOAT,
)
from .generated.mxgateway.v1.values_pb2 import (
    MX_DATA_TYPE_INTEGER as MX_DATA_TYPE_INTEGER,
)
from .generated.mxgateway.v1.values_pb2 import (
    MX_DATA_TYPE_INTERNATIONALIZED_STRING as MX_DATA_TYPE_INTERNATIONALIZED_STRING,
)
from .generated.mxgateway.v1.values_pb2 import (
    MX_DATA_TYPE_NO_DATA as MX_DATA_TYPE_NO_DATA,
)
from .generated.mxgateway.v1.values_pb2 import (
    MX_DATA_TYPE_QUALIFIED_ENUM as MX_DATA_TYPE_QUALIFIED_ENUM,
)
from .generated.mxgateway.v1.values_pb2 import (
    MX_DATA_TYPE_QUALIFIED_STRUCT as MX_DATA_TYPE_QUALIFIED_STRUCT,
)
from .generated.mxgateway.v1.values_pb2 import (
    MX_DATA_TYPE_REFERENCE as MX_DATA_TYPE_REFERENCE,
)
from .generated.mxgateway.v1.values_pb2 import (
    MX_DATA_TYPE_SECURITY_CLASSIFICATION_ENUM as MX_DATA_TYPE_SECURITY_CLASSIFICATION_ENUM,
)
from .generated.mxgateway.v1.values_pb2 import (
    MX_DATA_TYPE_STATUS as MX_DATA_TYPE_STATUS,
)
from .generated.mxgateway.v1.values_pb2 import (
    MX_DATA_TYPE_STRING as MX_DATA_TYPE_STRING,
)
from .generated.mxgateway.v1.values_pb2 import (
    MX_DATA_TYPE_TIME as MX_DATA_TYPE_TIME,
)
from .generated.mxgateway.v1.values_pb2 import (
    MX_DATA_TYPE_UNKNOWN as MX_DATA_TYPE_UNKNOWN,
)
from .generated.mxgateway.v1.values_pb2 import (
    MX_STATUS_CATEGORY_COMMUNICATION_ERROR as MX_STATUS_CATEGORY_COMMUNICATION_ERROR,
)
from .generated.mxgateway.v1.values_pb2 import (
    MX_STATUS_CATEGORY_CONFIGURATION_ERROR as MX_STATUS_CATEGORY_CONFIGURATION_ERROR,
)
from .generated.mxgateway.v1.values_pb2 import (
    MX_STATUS_CATEGORY_OK as MX_STATUS_CATEGORY_OK,
)
from .generated.mxgateway.v1.values_pb2 import (
    MX_STATUS_CATEGORY_OPERATIONAL_ERROR as MX_STATUS_CATEGORY_OPERATIONAL_ERROR,
)
from .generated.mxgateway.v1.values_pb2 import (
    MX_STATUS_CATEGORY_OTHER_ERROR as MX_STATUS_CATEGORY_OTHER_ERROR,
)
from .generated.mxgateway.v1.values_pb2 import (
    MX_STATUS_CATEGORY_PENDING as MX_STATUS_CATEGORY_PENDING,
)
from .generated.mxgateway.v1.values_pb2 import (
    MX_STATUS_CATEGORY_SECURITY_ERROR as MX_STATUS_CATEGORY_SECURITY_ERROR,
)
from .generated.mxgateway.v1.values_pb2 import (
    MX_STATUS_CATEGORY_SOFTWARE_ERROR as MX_STATUS_CATEGORY_SOFTWARE_ERROR,
)
from .generated.mxgateway.v1.values_pb2 import (
    MX_STATUS_CATEGORY_UNKNOWN as MX_STATUS_CATEGORY_UNKNOWN,
)
from .generated.mxgateway.v1.values_pb2 import (
    MX_STATUS_CATEGORY_UNSPECIFIED as MX_STATUS_CATEGORY_UNSPECIFIED,
)
from .generated.mxgateway.v1.values_pb2 import (
    MX_STATUS_CATEGORY_WARNING as MX_STATUS_CATEGORY_WARNING,
)
from .generated.mxgateway.v1.values_pb2 import (
    MX_STATUS_SOURCE_REQUESTING_AUTOMATION_OBJECT as MX_STATUS_SOURCE_REQUESTING_AUTOMATION_OBJECT,
)
from .generated.mxgateway.v1.values_pb2 import (
    MX_STATUS_SOURCE_REQUESTING_LMX as MX_STATUS_SOURCE_REQUESTING_LMX,
)
from .generated.mxgateway.v1.values_pb2 import (
    MX_STATUS_SOURCE_REQUESTING_NMX as MX_STATUS_SOURCE_REQUESTING_NMX,
)
from .generated.mxgateway.v1.values_pb2 import (
    MX_STATUS_SOURCE_RESPONDING_AUTOMATION_OBJECT as MX_STATUS_SOURCE_RESPONDING_AUTOMATION_OBJECT,
)
from .generated.mxgateway.v1.values_pb2 import (
    MX_STATUS_SOURCE_RESPONDING_LMX as MX_STATUS_SOURCE_RESPONDING_LMX,
)
from .generated.mxgateway.v1.values_pb2 import (
    MX_STATUS_SOURCE_RESPONDING_NMX as MX_STATUS_SOURCE_RESPONDING_NMX,
)
from .generated.mxgateway.v1.values_pb2 import (
    MX_STATUS_SOURCE_UNKNOWN as MX_STATUS_SOURCE_UNKNOWN,
)
from .generated.mxgateway.v1.values_pb2 import (
    MX_STATUS_SOURCE_UNSPECIFIED as MX_STATUS_SOURCE_UNSPECIFIED,
)
from .generated.mxgateway.v1.values_pb2 import (
    SECURITY_CLASSIFICATION_CONFIGURE as SECURITY_CLASSIFICATION_CONFIGURE,
)
from .generated.mxgateway.v1.values_pb2 import (
    SECURITY_CLASSIFICATION_FREE_ACCESS as SECURITY_CLASSIFICATION_FREE_ACCESS,
)
from .generated.mxgateway.v1.values_pb2 import (
    SECURITY_CLASSIFICATION_OPERATE as SECURITY_CLASSIFICATION_OPERATE,
)
from .generated.mxgateway.v1.values_pb2 import (
    SECURITY_CLASSIFICATION_SECURED_WRITE as SECURITY_CLASSIFICATION_SECURED_WRITE,
)
from .generated.mxgateway.v1.values_pb2 import (
    SECURITY_CLASSIFICATION_TUNE as SECURITY_CLASSIFICATION_TUNE,
)
from .generated.mxgateway.v1.values_pb2 import (
    SECURITY_CLASSIFICATION_UNDEFINED as SECURITY_CLASSIFICATION_UNDEFINED,
)
from .generated.mxgateway.v1.values_pb2 import (
    SECURITY_CLASSIFICATION_UNSPECIFIED as SECURITY_CLASSIFICATION_UNSPECIFIED,
)
from .generated.mxgateway.v1.values_pb2 import (
    SECURITY_CLASSIFICATION_VERIFIED_WRITE as SECURITY_CLASSIFICATION_VERIFIED_WRITE,
)
from .generated.mxgateway.v1.values_pb2 import (
    SECURITY_CLASSIFICATION_VIEW_ONLY as SECURITY_CLASSIFICATION_VIEW_ONLY,
)
from .generated.mxgateway.v1.values_pb2 import (
    BoolArray as BoolArray,
)
from .generated.mxgateway.v1.values_pb2 import (
    DoubleArray as DoubleArray,
)
from .generated.mxgateway.v1.values_pb2 import (
    DurationArray as DurationArray,
)
from .generated.mxgateway.v1.values_pb2 import (
    FloatArray as FloatArray,
)
from .generated.mxgateway.v1.values_pb2 import (
    Int32Array as Int32Array,
)
from .generated.mxgateway.v1.values_pb2 import (
    MxDataType as MxDataType,
)
from .generated.mxgateway.v1.values_pb2 import (
    MxStatus as MxStatus,
)
from .generated.mxgateway.v1.values_pb2 import (
    MxStatusCategory as MxStatusCategory,
)
from .generated.mxgateway.v1.values_pb2 import (
    MxStatusSource as MxStatusSource,
)
from .generated.mxgateway.v1.values_pb2 import (
    MxValue as MxValue,
)
from .generated.mxgateway.v1.values_pb2 import (
    SecurityClassification as SecurityClassification,
)
from .generated.mxgateway.v1.values_pb2 import (
    StringArray as StringArray,
)
from .generated.mxgateway.v1.values_pb2 import (
    TimeArray as TimeArray,
)

__all__ = [
    "ALARM_CONDITION_DISCRETE",
    "ALARM_CONDITION_HI",
    "ALARM_CONDITION_HIHI",
    "ALARM_CONDITION_LO",
    "ALARM_CONDITION_LOLO",
    "ALARM_CONDITION_UNSPECIFIED",
    "ALARM_EVENT_KIND_SNAPSHOT",
    "ALARM_EVENT_KIND_SNAPSHOT_END",
    "ALARM_EVENT_KIND_TRANSITION",
    "ALARM_EVENT_KIND_UNSPECIFIED",
    "ALARM_STATE_ACK_ALM",
    "ALARM_STATE_ACK_RTN",
    "ALARM_STATE_UNACK_ALM",
    "ALARM_STATE_UNACK_RTN",
    "ALARM_STATE_UNSPECIFIED",
    "AcknowledgeAlarmReply",
    "AcknowledgeAlarmRequest",
    "AddBufferedItemCommand",
    "AddItem2Command",
    "AddItemCommand",
    "AlarmCondition",
    "AlarmEvent",
    "AlarmEventKind",
    "AlarmFilter",
    "AlarmRecord",
    "AlarmState",
    "ArchestraUserToIdCommand",
    "AuthenticateUserCommand",
    "BoolArray",
    "BufferedSample",
    "BulkReadResult",
    "BulkReadResults",
    "BulkWriteResult",
    "BulkWriteResults",
    "CloseSessionReply",
    "CloseSessionRequest",
    "DeployEvent",
    "DeploySimulatedGalaxyReply",
    "DeploySimulatedGalaxyRequest",
    "DiscoverHierarchyReply",
    "DiscoverHierarchyRequest",
    "DoubleArray",
    "DurationArray",
    "FloatArray",
    "GalaxyAttribute",
    "GalaxyObject",
    "GetLastDeployTimeReply",
    "GetLastDeployTimeRequest",
    "Int32Array",
    "ItemCommand",
    "ItemDefinitionsBulkCommand",
    "ItemHandlesBulkCommand",
    "MX_DATA_TYPE_BIG_STRING",
    "MX_DATA_TYPE_BOOLEAN",
    "MX_DATA_TYPE_DATA_QUALITY",
    "MX_DATA_TYPE_DATA_TYPE_ENUM",
    "MX_DATA_TYPE_DOUBLE",
    "MX_DATA_TYPE_ELAPSED_TIME",
    "MX_DATA_TYPE_FLOAT",
    "MX_DATA_TYPE_INTEGER",
    "MX_DATA_TYPE_INTERNATIONALIZED_STRING",
    "MX_DATA_TYPE_NO_DATA",
    "MX_DATA_TYPE_QUALIFIED_ENUM",
    "MX_DATA_TYPE_QUALIFIED_STRUCT",
    "MX_DATA_TYPE_REFERENCE",
    "MX_DATA_TYPE_SECURITY_CLASSIFICATION_ENUM",
    "MX_DATA_TYPE_STATUS",
    "MX_DATA_TYPE_STRING",
    "MX_DATA_TYPE_TIME",
    "MX_DATA_TYPE_UNKNOWN",
    "MX_STATUS_CATEGORY_COMMUNICATION_ERROR",
    "MX_STATUS_CATEGORY_CONFIGURATION_ERROR",
    "MX_STATUS_CATEGORY_OK",
    "MX_STATUS_CATEGORY_OPERATIONAL_ERROR",
    "MX_STATUS_CATEGORY_OTHER_ERROR",
    "MX_STATUS_CATEGORY_PENDING",
    "MX_STATUS_CATEGORY_SECURITY_ERROR",
    "MX_STATUS_CATEGORY_SOFTWARE_ERROR",
    "MX_STATUS_CATEGORY_UNKNOWN",
    "MX_STATUS_CATEGORY_UNSPECIFIED",
    "MX_STATUS_CATEGORY_WARNING",
    "MX_STATUS_SOURCE_REQUESTING_AUTOMATION_OBJECT",
    "MX_STATUS_SOURCE_REQUESTING_LMX",
    "MX_STATUS_SOURCE_REQUESTING_NMX",
    "MX_STATUS_SOURCE_RESPONDING_AUTOMATION_OBJECT",
    "MX_STATUS_SOURCE_RESPONDING_LMX",
    "MX_STATUS_SOURCE_RESPONDING_NMX",
    "MX_STATUS_SOURCE_UNKNOWN",
    "MX_STATUS_SOURCE_UNSPECIFIED",
    "MxCommand",
    "MxCommandReply",
    "MxCommandRequest",
    "MxDataType",
    "MxEvent",
    "MxStatus",
    "MxStatusCategory",
    "MxStatusSource",
    "MxValue",
    "OnBufferedDataChange",
    "OnDataChange",
    "OnWriteComplete",
    "OpenSessionReply",
    "OpenSessionRequest",
    "OperationComplete",
    "PROTOCOL_STATUS_INTERNAL_ERROR",
    "PROTOCOL_STATUS_INVALID_REQUEST",
    "PROTOCOL_STATUS_OK",
    "PROTOCOL_STATUS_PERMISSION_DENIED",
    "PROTOCOL_STATUS_UNSPECIFIED",
    "ProtocolStatus",
    "QueryActiveAlarmsRequest",
    "ReadBulkCommand",
    "RegisterCommand",
    "SECURITY_CLASSIFICATION_CONFIGURE",
    "SECURITY_CLASSIFICATION_FREE_ACCESS",
    "SECURITY_CLASSIFICATION_OPERATE",
    "SECURITY_CLASSIFICATION_SECURED_WRITE",
    "SECURITY_CLASSIFICATION_TUNE",
    "SECURITY_CLASSIFICATION_UNDEFINED",
    "SECURITY_CLASSIFICATION_UNSPECIFIED",
    "SECURITY_CLASSIFICATION_VERIFIED_WRITE",
    "SECURITY_CLASSIFICATION_VIEW_ONLY",
    "SecurityClassification",
    "ServerLimits",
    "SetBufferedUpdateIntervalCommand",
    "StreamAlarmsRequest",
    "StreamEventsReply",
    "StreamEventsRequest",
    "StringArray",
    "SubscribeResult",
    "SubscribeResults",
    "TestConnectionReply",
    "TestConnectionRequest",
    "TimeArray",
    "UnregisterCommand",
    "WatchDeployEventsRequest",
    "Write2BulkCommand",
    "Write2BulkEntry",
    "Write2Command",
    "WriteBulkCommand",
    "WriteBulkEntry",
    "WriteCommand",
    "WriteSecured2BulkCommand",
    "WriteSecured2BulkEntry",
    "WriteSecured2Command",
    "WriteSecuredBulkCommand",
    "WriteSecuredBulkEntry",
    "WriteSecuredCommand",
]

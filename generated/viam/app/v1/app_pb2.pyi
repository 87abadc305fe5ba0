import datetime

from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from generated.viam.common.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class LoginMethod(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LOGIN_METHOD_UNSPECIFIED: _ClassVar[LoginMethod]
    LOGIN_METHOD_PASSWORD: _ClassVar[LoginMethod]
    LOGIN_METHOD_GOOGLE: _ClassVar[LoginMethod]
    LOGIN_METHOD_GITHUB: _ClassVar[LoginMethod]
    LOGIN_METHOD_APPLE: _ClassVar[LoginMethod]

class OnlineState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ONLINE_STATE_UNSPECIFIED: _ClassVar[OnlineState]
    ONLINE_STATE_ONLINE: _ClassVar[OnlineState]
    ONLINE_STATE_OFFLINE: _ClassVar[OnlineState]
    ONLINE_STATE_AWAITING_SETUP: _ClassVar[OnlineState]

class AuthenticationType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AUTHENTICATION_TYPE_UNSPECIFIED: _ClassVar[AuthenticationType]
    AUTHENTICATION_TYPE_WEB_OAUTH: _ClassVar[AuthenticationType]
    AUTHENTICATION_TYPE_API_KEY: _ClassVar[AuthenticationType]
    AUTHENTICATION_TYPE_ROBOT_PART_SECRET: _ClassVar[AuthenticationType]
    AUTHENTICATION_TYPE_LOCATION_SECRET: _ClassVar[AuthenticationType]

class LogOrder(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LOG_ORDER_UNSPECIFIED: _ClassVar[LogOrder]
    LOG_ORDER_ASCENDING: _ClassVar[LogOrder]
    LOG_ORDER_DESCENDING: _ClassVar[LogOrder]

class FragmentVisibility(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FRAGMENT_VISIBILITY_UNSPECIFIED: _ClassVar[FragmentVisibility]
    FRAGMENT_VISIBILITY_PRIVATE: _ClassVar[FragmentVisibility]
    FRAGMENT_VISIBILITY_PUBLIC: _ClassVar[FragmentVisibility]
    FRAGMENT_VISIBILITY_PUBLIC_UNLISTED: _ClassVar[FragmentVisibility]

class FragmentErrorType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FRAGMENT_ERROR_TYPE_UNSPECIFIED: _ClassVar[FragmentErrorType]
    FRAGMENT_ERROR_TYPE_NO_ACCESS: _ClassVar[FragmentErrorType]
    FRAGMENT_ERROR_TYPE_NESTING_LIMIT_EXCEEDED: _ClassVar[FragmentErrorType]
    FRAGMENT_ERROR_TYPE_CHILD_ID_INVALID: _ClassVar[FragmentErrorType]
    FRAGMENT_ERROR_TYPE_CYCLE_DETECTED: _ClassVar[FragmentErrorType]
LOGIN_METHOD_UNSPECIFIED: LoginMethod
LOGIN_METHOD_PASSWORD: LoginMethod
LOGIN_METHOD_GOOGLE: LoginMethod
LOGIN_METHOD_GITHUB: LoginMethod
LOGIN_METHOD_APPLE: LoginMethod
ONLINE_STATE_UNSPECIFIED: OnlineState
ONLINE_STATE_ONLINE: OnlineState
ONLINE_STATE_OFFLINE: OnlineState
ONLINE_STATE_AWAITING_SETUP: OnlineState
AUTHENTICATION_TYPE_UNSPECIFIED: AuthenticationType
AUTHENTICATION_TYPE_WEB_OAUTH: AuthenticationType
AUTHENTICATION_TYPE_API_KEY: AuthenticationType
AUTHENTICATION_TYPE_ROBOT_PART_SECRET: AuthenticationType
AUTHENTICATION_TYPE_LOCATION_SECRET: AuthenticationType
LOG_ORDER_UNSPECIFIED: LogOrder
LOG_ORDER_ASCENDING: LogOrder
LOG_ORDER_DESCENDING: LogOrder
FRAGMENT_VISIBILITY_UNSPECIFIED: FragmentVisibility
FRAGMENT_VISIBILITY_PRIVATE: FragmentVisibility
FRAGMENT_VISIBILITY_PUBLIC: FragmentVisibility
FRAGMENT_VISIBILITY_PUBLIC_UNLISTED: FragmentVisibility
FRAGMENT_ERROR_TYPE_UNSPECIFIED: FragmentErrorType
FRAGMENT_ERROR_TYPE_NO_ACCESS: FragmentErrorType
FRAGMENT_ERROR_TYPE_NESTING_LIMIT_EXCEEDED: FragmentErrorType
FRAGMENT_ERROR_TYPE_CHILD_ID_INVALID: FragmentErrorType
FRAGMENT_ERROR_TYPE_CYCLE_DETECTED: FragmentErrorType

class CreateOrganizationRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class CreateOrganizationResponse(_message.Message):
    __slots__ = ("organization",)
    ORGANIZATION_FIELD_NUMBER: _ClassVar[int]
    organization: Organization
    def __init__(self, organization: _Optional[_Union[Organization, _Mapping]] = ...) -> None: ...

class Organization(_message.Message):
    __slots__ = ("id", "name", "created_on", "public_namespace", "default_region", "cid", "default_fragments", "allowed_login_methods")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CREATED_ON_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_REGION_FIELD_NUMBER: _ClassVar[int]
    CID_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_FRAGMENTS_FIELD_NUMBER: _ClassVar[int]
    ALLOWED_LOGIN_METHODS_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    created_on: _timestamp_pb2.Timestamp
    public_namespace: str
    default_region: str
    cid: str
    default_fragments: FragmentImportList
    allowed_login_methods: AllowedLoginMethods
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., created_on: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., public_namespace: _Optional[str] = ..., default_region: _Optional[str] = ..., cid: _Optional[str] = ..., default_fragments: _Optional[_Union[FragmentImportList, _Mapping]] = ..., allowed_login_methods: _Optional[_Union[AllowedLoginMethods, _Mapping]] = ...) -> None: ...

class FragmentImportList(_message.Message):
    __slots__ = ("fragments",)
    FRAGMENTS_FIELD_NUMBER: _ClassVar[int]
    fragments: _containers.RepeatedCompositeFieldContainer[FragmentImport]
    def __init__(self, fragments: _Optional[_Iterable[_Union[FragmentImport, _Mapping]]] = ...) -> None: ...

class FragmentImport(_message.Message):
    __slots__ = ("fragment_id", "version", "prefix", "variables", "fragment_variables")
    class VariablesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    FRAGMENT_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    PREFIX_FIELD_NUMBER: _ClassVar[int]
    VARIABLES_FIELD_NUMBER: _ClassVar[int]
    FRAGMENT_VARIABLES_FIELD_NUMBER: _ClassVar[int]
    fragment_id: str
    version: str
    prefix: str
    variables: _containers.ScalarMap[str, str]
    fragment_variables: _struct_pb2.Struct
    def __init__(self, fragment_id: _Optional[str] = ..., version: _Optional[str] = ..., prefix: _Optional[str] = ..., variables: _Optional[_Mapping[str, str]] = ..., fragment_variables: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class AllowedLoginMethods(_message.Message):
    __slots__ = ("methods",)
    METHODS_FIELD_NUMBER: _ClassVar[int]
    methods: _containers.RepeatedScalarFieldContainer[LoginMethod]
    def __init__(self, methods: _Optional[_Iterable[_Union[LoginMethod, str]]] = ...) -> None: ...

class ListOrganizationsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListOrganizationsResponse(_message.Message):
    __slots__ = ("organizations",)
    ORGANIZATIONS_FIELD_NUMBER: _ClassVar[int]
    organizations: _containers.RepeatedCompositeFieldContainer[Organization]
    def __init__(self, organizations: _Optional[_Iterable[_Union[Organization, _Mapping]]] = ...) -> None: ...

class GetOrganizationRequest(_message.Message):
    __slots__ = ("organization_id",)
    ORGANIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    organization_id: str
    def __init__(self, organization_id: _Optional[str] = ...) -> None: ...

class GetOrganizationResponse(_message.Message):
    __slots__ = ("organization",)
    ORGANIZATION_FIELD_NUMBER: _ClassVar[int]
    organization: Organization
    def __init__(self, organization: _Optional[_Union[Organization, _Mapping]] = ...) -> None: ...

class GetOrganizationNamespaceAvailabilityRequest(_message.Message):
    __slots__ = ("public_namespace", "organization_id")
    PUBLIC_NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    ORGANIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    public_namespace: str
    organization_id: str
    def __init__(self, public_namespace: _Optional[str] = ..., organization_id: _Optional[str] = ...) -> None: ...

class GetOrganizationNamespaceAvailabilityResponse(_message.Message):
    __slots__ = ("available",)
    AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    available: bool
    def __init__(self, available: _Optional[bool] = ...) -> None: ...

class UpdateOrganizationRequest(_message.Message):
    __slots__ = ("organization_id", "name", "public_namespace", "region", "cid", "default_fragments", "allowed_login_methods")
    ORGANIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    CID_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_FRAGMENTS_FIELD_NUMBER: _ClassVar[int]
    ALLOWED_LOGIN_METHODS_FIELD_NUMBER: _ClassVar[int]
    organization_id: str
    name: str
    public_namespace: str
    region: str
    cid: str
    default_fragments: FragmentImportList
    allowed_login_methods: AllowedLoginMethods
    def __init__(self, organization_id: _Optional[str] = ..., name: _Optional[str] = ..., public_namespace: _Optional[str] = ..., region: _Optional[str] = ..., cid: _Optional[str] = ..., default_fragments: _Optional[_Union[FragmentImportList, _Mapping]] = ..., allowed_login_methods: _Optional[_Union[AllowedLoginMethods, _Mapping]] = ...) -> None: ...

class UpdateOrganizationResponse(_message.Message):
    __slots__ = ("organization",)
    ORGANIZATION_FIELD_NUMBER: _ClassVar[int]
    organization: Organization
    def __init__(self, organization: _Optional[_Union[Organization, _Mapping]] = ...) -> None: ...

class DeleteOrganizationRequest(_message.Message):
    __slots__ = ("organization_id",)
    ORGANIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    organization_id: str
    def __init__(self, organization_id: _Optional[str] = ...) -> None: ...

class DeleteOrganizationResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetOrganizationMetadataRequest(_message.Message):
    __slots__ = ("organization_id",)
    ORGANIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    organization_id: str
    def __init__(self, organization_id: _Optional[str] = ...) -> None: ...

class GetOrganizationMetadataResponse(_message.Message):
    __slots__ = ("data",)
    DATA_FIELD_NUMBER: _ClassVar[int]
    data: _struct_pb2.Struct
    def __init__(self, data: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class UpdateOrganizationMetadataRequest(_message.Message):
    __slots__ = ("organization_id", "data")
    ORGANIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    organization_id: str
    data: _struct_pb2.Struct
    def __init__(self, organization_id: _Optional[str] = ..., data: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class UpdateOrganizationMetadataResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class CreateLocationRequest(_message.Message):
    __slots__ = ("organization_id", "name", "parent_location_id")
    ORGANIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PARENT_LOCATION_ID_FIELD_NUMBER: _ClassVar[int]
    organization_id: str
    name: str
    parent_location_id: str
    def __init__(self, organization_id: _Optional[str] = ..., name: _Optional[str] = ..., parent_location_id: _Optional[str] = ...) -> None: ...

class CreateLocationResponse(_message.Message):
    __slots__ = ("location",)
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    location: Location
    def __init__(self, location: _Optional[_Union[Location, _Mapping]] = ...) -> None: ...

class Location(_message.Message):
    __slots__ = ("id", "name", "parent_location_id", "auth", "organizations", "created_on", "robot_count", "config", "primary_org_identity")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PARENT_LOCATION_ID_FIELD_NUMBER: _ClassVar[int]
    AUTH_FIELD_NUMBER: _ClassVar[int]
    ORGANIZATIONS_FIELD_NUMBER: _ClassVar[int]
    CREATED_ON_FIELD_NUMBER: _ClassVar[int]
    ROBOT_COUNT_FIELD_NUMBER: _ClassVar[int]
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    PRIMARY_ORG_IDENTITY_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    parent_location_id: str
    auth: LocationAuth
    organizations: _containers.RepeatedCompositeFieldContainer[LocationOrganization]
    created_on: _timestamp_pb2.Timestamp
    robot_count: int
    config: StorageConfig
    primary_org_identity: OrganizationIdentity
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., parent_location_id: _Optional[str] = ..., auth: _Optional[_Union[LocationAuth, _Mapping]] = ..., organizations: _Optional[_Iterable[_Union[LocationOrganization, _Mapping]]] = ..., created_on: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., robot_count: _Optional[int] = ..., config: _Optional[_Union[StorageConfig, _Mapping]] = ..., primary_org_identity: _Optional[_Union[OrganizationIdentity, _Mapping]] = ...) -> None: ...

class LocationAuth(_message.Message):
    __slots__ = ("secret", "location_id", "secrets")
    SECRET_FIELD_NUMBER: _ClassVar[int]
    LOCATION_ID_FIELD_NUMBER: _ClassVar[int]
    SECRETS_FIELD_NUMBER: _ClassVar[int]
    secret: str
    location_id: str
    secrets: _containers.RepeatedCompositeFieldContainer[SharedSecret]
    def __init__(self, secret: _Optional[str] = ..., location_id: _Optional[str] = ..., secrets: _Optional[_Iterable[_Union[SharedSecret, _Mapping]]] = ...) -> None: ...

class SharedSecret(_message.Message):
    __slots__ = ("id", "secret", "created_on", "state")
    class State(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        STATE_UNSPECIFIED: _ClassVar[SharedSecret.State]
        STATE_ENABLED: _ClassVar[SharedSecret.State]
        STATE_DISABLED: _ClassVar[SharedSecret.State]
    STATE_UNSPECIFIED: SharedSecret.State
    STATE_ENABLED: SharedSecret.State
    STATE_DISABLED: SharedSecret.State
    ID_FIELD_NUMBER: _ClassVar[int]
    SECRET_FIELD_NUMBER: _ClassVar[int]
    CREATED_ON_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    id: str
    secret: str
    created_on: _timestamp_pb2.Timestamp
    state: SharedSecret.State
    def __init__(self, id: _Optional[str] = ..., secret: _Optional[str] = ..., created_on: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., state: _Optional[_Union[SharedSecret.State, str]] = ...) -> None: ...

class LocationOrganization(_message.Message):
    __slots__ = ("organization_id", "primary")
    ORGANIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    PRIMARY_FIELD_NUMBER: _ClassVar[int]
    organization_id: str
    primary: bool
    def __init__(self, organization_id: _Optional[str] = ..., primary: _Optional[bool] = ...) -> None: ...

class StorageConfig(_message.Message):
    __slots__ = ("region",)
    REGION_FIELD_NUMBER: _ClassVar[int]
    region: str
    def __init__(self, region: _Optional[str] = ...) -> None: ...

class OrganizationIdentity(_message.Message):
    __slots__ = ("id", "name")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class GetLocationRequest(_message.Message):
    __slots__ = ("location_id",)
    LOCATION_ID_FIELD_NUMBER: _ClassVar[int]
    location_id: str
    def __init__(self, location_id: _Optional[str] = ...) -> None: ...

class GetLocationResponse(_message.Message):
    __slots__ = ("location",)
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    location: Location
    def __init__(self, location: _Optional[_Union[Location, _Mapping]] = ...) -> None: ...

class UpdateLocationRequest(_message.Message):
    __slots__ = ("location_id", "name", "parent_location_id", "region")
    LOCATION_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PARENT_LOCATION_ID_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    location_id: str
    name: str
    parent_location_id: str
    region: str
    def __init__(self, location_id: _Optional[str] = ..., name: _Optional[str] = ..., parent_location_id: _Optional[str] = ..., region: _Optional[str] = ...) -> None: ...

class UpdateLocationResponse(_message.Message):
    __slots__ = ("location",)
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    location: Location
    def __init__(self, location: _Optional[_Union[Location, _Mapping]] = ...) -> None: ...

class DeleteLocationRequest(_message.Message):
    __slots__ = ("location_id",)
    LOCATION_ID_FIELD_NUMBER: _ClassVar[int]
    location_id: str
    def __init__(self, location_id: _Optional[str] = ...) -> None: ...

class DeleteLocationResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListLocationsRequest(_message.Message):
    __slots__ = ("organization_id",)
    ORGANIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    organization_id: str
    def __init__(self, organization_id: _Optional[str] = ...) -> None: ...

class ListLocationsResponse(_message.Message):
    __slots__ = ("locations",)
    LOCATIONS_FIELD_NUMBER: _ClassVar[int]
    locations: _containers.RepeatedCompositeFieldContainer[Location]
    def __init__(self, locations: _Optional[_Iterable[_Union[Location, _Mapping]]] = ...) -> None: ...

class GetLocationMetadataRequest(_message.Message):
    __slots__ = ("location_id",)
    LOCATION_ID_FIELD_NUMBER: _ClassVar[int]
    location_id: str
    def __init__(self, location_id: _Optional[str] = ...) -> None: ...

class GetLocationMetadataResponse(_message.Message):
    __slots__ = ("data",)
    DATA_FIELD_NUMBER: _ClassVar[int]
    data: _struct_pb2.Struct
    def __init__(self, data: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class UpdateLocationMetadataRequest(_message.Message):
    __slots__ = ("location_id", "data")
    LOCATION_ID_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    location_id: str
    data: _struct_pb2.Struct
    def __init__(self, location_id: _Optional[str] = ..., data: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class UpdateLocationMetadataResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class NewRobotRequest(_message.Message):
    __slots__ = ("name", "location")
    NAME_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    name: str
    location: str
    def __init__(self, name: _Optional[str] = ..., location: _Optional[str] = ...) -> None: ...

class NewRobotResponse(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetRobotRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetRobotResponse(_message.Message):
    __slots__ = ("robot",)
    ROBOT_FIELD_NUMBER: _ClassVar[int]
    robot: Robot
    def __init__(self, robot: _Optional[_Union[Robot, _Mapping]] = ...) -> None: ...

class Robot(_message.Message):
    __slots__ = ("id", "name", "location", "last_access", "created_on", "online_state", "seconds_since_online")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    LAST_ACCESS_FIELD_NUMBER: _ClassVar[int]
    CREATED_ON_FIELD_NUMBER: _ClassVar[int]
    ONLINE_STATE_FIELD_NUMBER: _ClassVar[int]
    SECONDS_SINCE_ONLINE_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    location: str
    last_access: _timestamp_pb2.Timestamp
    created_on: _timestamp_pb2.Timestamp
    online_state: OnlineState
    seconds_since_online: int
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., location: _Optional[str] = ..., last_access: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_on: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., online_state: _Optional[_Union[OnlineState, str]] = ..., seconds_since_online: _Optional[int] = ...) -> None: ...

class UpdateRobotRequest(_message.Message):
    __slots__ = ("id", "name", "location")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    location: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., location: _Optional[str] = ...) -> None: ...

class UpdateRobotResponse(_message.Message):
    __slots__ = ("robot",)
    ROBOT_FIELD_NUMBER: _ClassVar[int]
    robot: Robot
    def __init__(self, robot: _Optional[_Union[Robot, _Mapping]] = ...) -> None: ...

class DeleteRobotRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class DeleteRobotResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListRobotsRequest(_message.Message):
    __slots__ = ("location_id",)
    LOCATION_ID_FIELD_NUMBER: _ClassVar[int]
    location_id: str
    def __init__(self, location_id: _Optional[str] = ...) -> None: ...

class ListRobotsResponse(_message.Message):
    __slots__ = ("robots",)
    ROBOTS_FIELD_NUMBER: _ClassVar[int]
    robots: _containers.RepeatedCompositeFieldContainer[Robot]
    def __init__(self, robots: _Optional[_Iterable[_Union[Robot, _Mapping]]] = ...) -> None: ...

class ListRobotsForOrgRequest(_message.Message):
    __slots__ = ("org_id",)
    ORG_ID_FIELD_NUMBER: _ClassVar[int]
    org_id: str
    def __init__(self, org_id: _Optional[str] = ...) -> None: ...

class ListRobotsForOrgResponse(_message.Message):
    __slots__ = ("robots",)
    ROBOTS_FIELD_NUMBER: _ClassVar[int]
    robots: _containers.RepeatedCompositeFieldContainer[Robot]
    def __init__(self, robots: _Optional[_Iterable[_Union[Robot, _Mapping]]] = ...) -> None: ...

class ListRobotsForLocationsRequest(_message.Message):
    __slots__ = ("location_ids",)
    LOCATION_IDS_FIELD_NUMBER: _ClassVar[int]
    location_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, location_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class ListRobotsForLocationsResponse(_message.Message):
    __slots__ = ("robots",)
    ROBOTS_FIELD_NUMBER: _ClassVar[int]
    robots: _containers.RepeatedCompositeFieldContainer[Robot]
    def __init__(self, robots: _Optional[_Iterable[_Union[Robot, _Mapping]]] = ...) -> None: ...

class GetRobotMetadataRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetRobotMetadataResponse(_message.Message):
    __slots__ = ("data",)
    DATA_FIELD_NUMBER: _ClassVar[int]
    data: _struct_pb2.Struct
    def __init__(self, data: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class UpdateRobotMetadataRequest(_message.Message):
    __slots__ = ("id", "data")
    ID_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    id: str
    data: _struct_pb2.Struct
    def __init__(self, id: _Optional[str] = ..., data: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class UpdateRobotMetadataResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class NewRobotPartRequest(_message.Message):
    __slots__ = ("robot_id", "part_name")
    ROBOT_ID_FIELD_NUMBER: _ClassVar[int]
    PART_NAME_FIELD_NUMBER: _ClassVar[int]
    robot_id: str
    part_name: str
    def __init__(self, robot_id: _Optional[str] = ..., part_name: _Optional[str] = ...) -> None: ...

class NewRobotPartResponse(_message.Message):
    __slots__ = ("part_id",)
    PART_ID_FIELD_NUMBER: _ClassVar[int]
    part_id: str
    def __init__(self, part_id: _Optional[str] = ...) -> None: ...

class GetRobotPartRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetRobotPartResponse(_message.Message):
    __slots__ = ("part", "config_json")
    PART_FIELD_NUMBER: _ClassVar[int]
    CONFIG_JSON_FIELD_NUMBER: _ClassVar[int]
    part: RobotPart
    config_json: str
    def __init__(self, part: _Optional[_Union[RobotPart, _Mapping]] = ..., config_json: _Optional[str] = ...) -> None: ...

class RobotPart(_message.Message):
    __slots__ = ("id", "name", "dns_name", "secret", "robot", "location_id", "robot_config", "last_access", "user_supplied_info", "main_part", "fqdn", "local_fqdn", "created_on", "secrets", "last_updated", "online_state", "seconds_since_online", "robot_config_json")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DNS_NAME_FIELD_NUMBER: _ClassVar[int]
    SECRET_FIELD_NUMBER: _ClassVar[int]
    ROBOT_FIELD_NUMBER: _ClassVar[int]
    LOCATION_ID_FIELD_NUMBER: _ClassVar[int]
    ROBOT_CONFIG_FIELD_NUMBER: _ClassVar[int]
    LAST_ACCESS_FIELD_NUMBER: _ClassVar[int]
    USER_SUPPLIED_INFO_FIELD_NUMBER: _ClassVar[int]
    MAIN_PART_FIELD_NUMBER: _ClassVar[int]
    FQDN_FIELD_NUMBER: _ClassVar[int]
    LOCAL_FQDN_FIELD_NUMBER: _ClassVar[int]
    CREATED_ON_FIELD_NUMBER: _ClassVar[int]
    SECRETS_FIELD_NUMBER: _ClassVar[int]
    LAST_UPDATED_FIELD_NUMBER: _ClassVar[int]
    ONLINE_STATE_FIELD_NUMBER: _ClassVar[int]
    SECONDS_SINCE_ONLINE_FIELD_NUMBER: _ClassVar[int]
    ROBOT_CONFIG_JSON_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    dns_name: str
    secret: str
    robot: str
    location_id: str
    robot_config: _struct_pb2.Struct
    last_access: _timestamp_pb2.Timestamp
    user_supplied_info: _struct_pb2.Struct
    main_part: bool
    fqdn: str
    local_fqdn: str
    created_on: _timestamp_pb2.Timestamp
    secrets: _containers.RepeatedCompositeFieldContainer[SharedSecret]
    last_updated: _timestamp_pb2.Timestamp
    online_state: OnlineState
    seconds_since_online: int
    robot_config_json: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., dns_name: _Optional[str] = ..., secret: _Optional[str] = ..., robot: _Optional[str] = ..., location_id: _Optional[str] = ..., robot_config: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., last_access: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., user_supplied_info: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., main_part: _Optional[bool] = ..., fqdn: _Optional[str] = ..., local_fqdn: _Optional[str] = ..., created_on: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., secrets: _Optional[_Iterable[_Union[SharedSecret, _Mapping]]] = ..., last_updated: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., online_state: _Optional[_Union[OnlineState, str]] = ..., seconds_since_online: _Optional[int] = ..., robot_config_json: _Optional[str] = ...) -> None: ...

class GetRobotPartsRequest(_message.Message):
    __slots__ = ("robot_id",)
    ROBOT_ID_FIELD_NUMBER: _ClassVar[int]
    robot_id: str
    def __init__(self, robot_id: _Optional[str] = ...) -> None: ...

class GetRobotPartsResponse(_message.Message):
    __slots__ = ("parts",)
    PARTS_FIELD_NUMBER: _ClassVar[int]
    parts: _containers.RepeatedCompositeFieldContainer[RobotPart]
    def __init__(self, parts: _Optional[_Iterable[_Union[RobotPart, _Mapping]]] = ...) -> None: ...

class GetRobotPartByNameAndLocationRequest(_message.Message):
    __slots__ = ("name", "location_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    LOCATION_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    location_id: str
    def __init__(self, name: _Optional[str] = ..., location_id: _Optional[str] = ...) -> None: ...

class GetRobotPartByNameAndLocationResponse(_message.Message):
    __slots__ = ("part",)
    PART_FIELD_NUMBER: _ClassVar[int]
    part: RobotPart
    def __init__(self, part: _Optional[_Union[RobotPart, _Mapping]] = ...) -> None: ...

class DeleteRobotPartRequest(_message.Message):
    __slots__ = ("part_id",)
    PART_ID_FIELD_NUMBER: _ClassVar[int]
    part_id: str
    def __init__(self, part_id: _Optional[str] = ...) -> None: ...

class DeleteRobotPartResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class MarkPartAsMainRequest(_message.Message):
    __slots__ = ("part_id",)
    PART_ID_FIELD_NUMBER: _ClassVar[int]
    part_id: str
    def __init__(self, part_id: _Optional[str] = ...) -> None: ...

class MarkPartAsMainResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetRobotPartMetadataRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetRobotPartMetadataResponse(_message.Message):
    __slots__ = ("data",)
    DATA_FIELD_NUMBER: _ClassVar[int]
    data: _struct_pb2.Struct
    def __init__(self, data: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class UpdateRobotPartMetadataRequest(_message.Message):
    __slots__ = ("id", "data")
    ID_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    id: str
    data: _struct_pb2.Struct
    def __init__(self, id: _Optional[str] = ..., data: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class UpdateRobotPartMetadataResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class UpdateRobotPartRequest(_message.Message):
    __slots__ = ("id", "name", "robot_config", "last_known_update", "robot_config_json")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ROBOT_CONFIG_FIELD_NUMBER: _ClassVar[int]
    LAST_KNOWN_UPDATE_FIELD_NUMBER: _ClassVar[int]
    ROBOT_CONFIG_JSON_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    robot_config: _struct_pb2.Struct
    last_known_update: _timestamp_pb2.Timestamp
    robot_config_json: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., robot_config: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., last_known_update: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., robot_config_json: _Optional[str] = ...) -> None: ...

class UpdateRobotPartResponse(_message.Message):
    __slots__ = ("part",)
    PART_FIELD_NUMBER: _ClassVar[int]
    part: RobotPart
    def __init__(self, part: _Optional[_Union[RobotPart, _Mapping]] = ...) -> None: ...

class GetRobotPartHistoryRequest(_message.Message):
    __slots__ = ("id", "page_token", "page_limit", "start", "end")
    ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    PAGE_LIMIT_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    id: str
    page_token: str
    page_limit: int
    start: _timestamp_pb2.Timestamp
    end: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., page_token: _Optional[str] = ..., page_limit: _Optional[int] = ..., start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetRobotPartHistoryResponse(_message.Message):
    __slots__ = ("history", "next_page_token")
    HISTORY_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    history: _containers.RepeatedCompositeFieldContainer[RobotPartHistoryEntry]
    next_page_token: str
    def __init__(self, history: _Optional[_Iterable[_Union[RobotPartHistoryEntry, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class RobotPartHistoryEntry(_message.Message):
    __slots__ = ("part", "robot", "when", "old", "edited_by")
    PART_FIELD_NUMBER: _ClassVar[int]
    ROBOT_FIELD_NUMBER: _ClassVar[int]
    WHEN_FIELD_NUMBER: _ClassVar[int]
    OLD_FIELD_NUMBER: _ClassVar[int]
    EDITED_BY_FIELD_NUMBER: _ClassVar[int]
    part: str
    robot: str
    when: _timestamp_pb2.Timestamp
    old: RobotPart
    edited_by: AuthenticatorInfo
    def __init__(self, part: _Optional[str] = ..., robot: _Optional[str] = ..., when: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., old: _Optional[_Union[RobotPart, _Mapping]] = ..., edited_by: _Optional[_Union[AuthenticatorInfo, _Mapping]] = ...) -> None: ...

class AuthenticatorInfo(_message.Message):
    __slots__ = ("type", "value", "is_deactivated")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    IS_DEACTIVATED_FIELD_NUMBER: _ClassVar[int]
    type: AuthenticationType
    value: str
    is_deactivated: bool
    def __init__(self, type: _Optional[_Union[AuthenticationType, str]] = ..., value: _Optional[str] = ..., is_deactivated: _Optional[bool] = ...) -> None: ...

class MarkPartForRestartRequest(_message.Message):
    __slots__ = ("part_id",)
    PART_ID_FIELD_NUMBER: _ClassVar[int]
    part_id: str
    def __init__(self, part_id: _Optional[str] = ...) -> None: ...

class MarkPartForRestartResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetRobotPartLogsRequest(_message.Message):
    __slots__ = ("id", "errors_only", "filter", "page_token", "levels", "start", "end", "limit", "source", "user_facing_only", "order", "range")
    ID_FIELD_NUMBER: _ClassVar[int]
    ERRORS_ONLY_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    LEVELS_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    USER_FACING_ONLY_FIELD_NUMBER: _ClassVar[int]
    ORDER_FIELD_NUMBER: _ClassVar[int]
    RANGE_FIELD_NUMBER: _ClassVar[int]
    id: str
    errors_only: bool
    filter: str
    page_token: str
    levels: _containers.RepeatedScalarFieldContainer[str]
    start: _timestamp_pb2.Timestamp
    end: _timestamp_pb2.Timestamp
    limit: int
    source: str
    user_facing_only: bool
    order: LogOrder
    range: str
    def __init__(self, id: _Optional[str] = ..., errors_only: _Optional[bool] = ..., filter: _Optional[str] = ..., page_token: _Optional[str] = ..., levels: _Optional[_Iterable[str]] = ..., start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., limit: _Optional[int] = ..., source: _Optional[str] = ..., user_facing_only: _Optional[bool] = ..., order: _Optional[_Union[LogOrder, str]] = ..., range: _Optional[str] = ...) -> None: ...

class GetRobotPartLogsResponse(_message.Message):
    __slots__ = ("logs", "next_page_token")
    LOGS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    logs: _containers.RepeatedCompositeFieldContainer[_common_pb2.LogEntry]
    next_page_token: str
    def __init__(self, logs: _Optional[_Iterable[_Union[_common_pb2.LogEntry, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class TailRobotPartLogsRequest(_message.Message):
    __slots__ = ("id", "errors_only", "filter")
    ID_FIELD_NUMBER: _ClassVar[int]
    ERRORS_ONLY_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    id: str
    errors_only: bool
    filter: str
    def __init__(self, id: _Optional[str] = ..., errors_only: _Optional[bool] = ..., filter: _Optional[str] = ...) -> None: ...

class TailRobotPartLogsResponse(_message.Message):
    __slots__ = ("logs",)
    LOGS_FIELD_NUMBER: _ClassVar[int]
    logs: _containers.RepeatedCompositeFieldContainer[_common_pb2.LogEntry]
    def __init__(self, logs: _Optional[_Iterable[_Union[_common_pb2.LogEntry, _Mapping]]] = ...) -> None: ...

class CreateKeyRequest(_message.Message):
    __slots__ = ("authorizations", "name")
    AUTHORIZATIONS_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    authorizations: _containers.RepeatedCompositeFieldContainer[Authorization]
    name: str
    def __init__(self, authorizations: _Optional[_Iterable[_Union[Authorization, _Mapping]]] = ..., name: _Optional[str] = ...) -> None: ...

class CreateKeyResponse(_message.Message):
    __slots__ = ("key", "id")
    KEY_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    key: str
    id: str
    def __init__(self, key: _Optional[str] = ..., id: _Optional[str] = ...) -> None: ...

class ListKeysRequest(_message.Message):
    __slots__ = ("org_id",)
    ORG_ID_FIELD_NUMBER: _ClassVar[int]
    org_id: str
    def __init__(self, org_id: _Optional[str] = ...) -> None: ...

class ListKeysResponse(_message.Message):
    __slots__ = ("api_keys",)
    API_KEYS_FIELD_NUMBER: _ClassVar[int]
    api_keys: _containers.RepeatedCompositeFieldContainer[APIKeyWithAuthorizations]
    def __init__(self, api_keys: _Optional[_Iterable[_Union[APIKeyWithAuthorizations, _Mapping]]] = ...) -> None: ...

class DeleteKeyRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class DeleteKeyResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RotateKeyRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class RotateKeyResponse(_message.Message):
    __slots__ = ("id", "key")
    ID_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    id: str
    key: str
    def __init__(self, id: _Optional[str] = ..., key: _Optional[str] = ...) -> None: ...

class RenameKeyRequest(_message.Message):
    __slots__ = ("id", "name")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class RenameKeyResponse(_message.Message):
    __slots__ = ("id", "name")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class CreateKeyFromExistingKeyAuthorizationsRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class CreateKeyFromExistingKeyAuthorizationsResponse(_message.Message):
    __slots__ = ("id", "key")
    ID_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    id: str
    key: str
    def __init__(self, id: _Optional[str] = ..., key: _Optional[str] = ...) -> None: ...

class GetRobotAPIKeysRequest(_message.Message):
    __slots__ = ("robot_id",)
    ROBOT_ID_FIELD_NUMBER: _ClassVar[int]
    robot_id: str
    def __init__(self, robot_id: _Optional[str] = ...) -> None: ...

class GetRobotAPIKeysResponse(_message.Message):
    __slots__ = ("api_keys",)
    API_KEYS_FIELD_NUMBER: _ClassVar[int]
    api_keys: _containers.RepeatedCompositeFieldContainer[APIKeyWithAuthorizations]
    def __init__(self, api_keys: _Optional[_Iterable[_Union[APIKeyWithAuthorizations, _Mapping]]] = ...) -> None: ...

class AddRoleRequest(_message.Message):
    __slots__ = ("authorization",)
    AUTHORIZATION_FIELD_NUMBER: _ClassVar[int]
    authorization: Authorization
    def __init__(self, authorization: _Optional[_Union[Authorization, _Mapping]] = ...) -> None: ...

class AddRoleResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RemoveRoleRequest(_message.Message):
    __slots__ = ("authorization",)
    AUTHORIZATION_FIELD_NUMBER: _ClassVar[int]
    authorization: Authorization
    def __init__(self, authorization: _Optional[_Union[Authorization, _Mapping]] = ...) -> None: ...

class RemoveRoleResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ChangeRoleRequest(_message.Message):
    __slots__ = ("old_authorization", "new_authorization")
    OLD_AUTHORIZATION_FIELD_NUMBER: _ClassVar[int]
    NEW_AUTHORIZATION_FIELD_NUMBER: _ClassVar[int]
    old_authorization: Authorization
    new_authorization: Authorization
    def __init__(self, old_authorization: _Optional[_Union[Authorization, _Mapping]] = ..., new_authorization: _Optional[_Union[Authorization, _Mapping]] = ...) -> None: ...

class ChangeRoleResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListAuthorizationsRequest(_message.Message):
    __slots__ = ("organization_id", "resource_ids")
    ORGANIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_IDS_FIELD_NUMBER: _ClassVar[int]
    organization_id: str
    resource_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, organization_id: _Optional[str] = ..., resource_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class ListAuthorizationsResponse(_message.Message):
    __slots__ = ("authorizations",)
    AUTHORIZATIONS_FIELD_NUMBER: _ClassVar[int]
    authorizations: _containers.RepeatedCompositeFieldContainer[Authorization]
    def __init__(self, authorizations: _Optional[_Iterable[_Union[Authorization, _Mapping]]] = ...) -> None: ...

class CheckPermissionsRequest(_message.Message):
    __slots__ = ("permissions",)
    PERMISSIONS_FIELD_NUMBER: _ClassVar[int]
    permissions: _containers.RepeatedCompositeFieldContainer[AuthorizedPermissions]
    def __init__(self, permissions: _Optional[_Iterable[_Union[AuthorizedPermissions, _Mapping]]] = ...) -> None: ...

class CheckPermissionsResponse(_message.Message):
    __slots__ = ("authorized_permissions",)
    AUTHORIZED_PERMISSIONS_FIELD_NUMBER: _ClassVar[int]
    authorized_permissions: _containers.RepeatedCompositeFieldContainer[AuthorizedPermissions]
    def __init__(self, authorized_permissions: _Optional[_Iterable[_Union[AuthorizedPermissions, _Mapping]]] = ...) -> None: ...

class GetUserIDByEmailRequest(_message.Message):
    __slots__ = ("email",)
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    email: str
    def __init__(self, email: _Optional[str] = ...) -> None: ...

class GetUserIDByEmailResponse(_message.Message):
    __slots__ = ("user_id",)
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    def __init__(self, user_id: _Optional[str] = ...) -> None: ...

class ListOrganizationsByUserRequest(_message.Message):
    __slots__ = ("user_id",)
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    def __init__(self, user_id: _Optional[str] = ...) -> None: ...

class ListOrganizationsByUserResponse(_message.Message):
    __slots__ = ("orgs",)
    ORGS_FIELD_NUMBER: _ClassVar[int]
    orgs: _containers.RepeatedCompositeFieldContainer[OrgDetails]
    def __init__(self, orgs: _Optional[_Iterable[_Union[OrgDetails, _Mapping]]] = ...) -> None: ...

class GetOrganizationsWithAccessToLocationRequest(_message.Message):
    __slots__ = ("location_id",)
    LOCATION_ID_FIELD_NUMBER: _ClassVar[int]
    location_id: str
    def __init__(self, location_id: _Optional[str] = ...) -> None: ...

class GetOrganizationsWithAccessToLocationResponse(_message.Message):
    __slots__ = ("organization_identities",)
    ORGANIZATION_IDENTITIES_FIELD_NUMBER: _ClassVar[int]
    organization_identities: _containers.RepeatedCompositeFieldContainer[OrganizationIdentity]
    def __init__(self, organization_identities: _Optional[_Iterable[_Union[OrganizationIdentity, _Mapping]]] = ...) -> None: ...

class ListOrganizationMembersRequest(_message.Message):
    __slots__ = ("organization_id",)
    ORGANIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    organization_id: str
    def __init__(self, organization_id: _Optional[str] = ...) -> None: ...

class ListOrganizationMembersResponse(_message.Message):
    __slots__ = ("organization_id", "members", "invites")
    ORGANIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBERS_FIELD_NUMBER: _ClassVar[int]
    INVITES_FIELD_NUMBER: _ClassVar[int]
    organization_id: str
    members: _containers.RepeatedCompositeFieldContainer[OrganizationMember]
    invites: _containers.RepeatedCompositeFieldContainer[OrganizationInvite]
    def __init__(self, organization_id: _Optional[str] = ..., members: _Optional[_Iterable[_Union[OrganizationMember, _Mapping]]] = ..., invites: _Optional[_Iterable[_Union[OrganizationInvite, _Mapping]]] = ...) -> None: ...

class CreateOrganizationInviteRequest(_message.Message):
    __slots__ = ("organization_id", "email", "authorizations", "send_email_invite")
    ORGANIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    AUTHORIZATIONS_FIELD_NUMBER: _ClassVar[int]
    SEND_EMAIL_INVITE_FIELD_NUMBER: _ClassVar[int]
    organization_id: str
    email: str
    authorizations: _containers.RepeatedCompositeFieldContainer[Authorization]
    send_email_invite: bool
    def __init__(self, organization_id: _Optional[str] = ..., email: _Optional[str] = ..., authorizations: _Optional[_Iterable[_Union[Authorization, _Mapping]]] = ..., send_email_invite: _Optional[bool] = ...) -> None: ...

class CreateOrganizationInviteResponse(_message.Message):
    __slots__ = ("invite",)
    INVITE_FIELD_NUMBER: _ClassVar[int]
    invite: OrganizationInvite
    def __init__(self, invite: _Optional[_Union[OrganizationInvite, _Mapping]] = ...) -> None: ...

class UpdateOrganizationInviteAuthorizationsRequest(_message.Message):
    __slots__ = ("organization_id", "email", "add_authorizations", "remove_authorizations")
    ORGANIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    ADD_AUTHORIZATIONS_FIELD_NUMBER: _ClassVar[int]
    REMOVE_AUTHORIZATIONS_FIELD_NUMBER: _ClassVar[int]
    organization_id: str
    email: str
    add_authorizations: _containers.RepeatedCompositeFieldContainer[Authorization]
    remove_authorizations: _containers.RepeatedCompositeFieldContainer[Authorization]
    def __init__(self, organization_id: _Optional[str] = ..., email: _Optional[str] = ..., add_authorizations: _Optional[_Iterable[_Union[Authorization, _Mapping]]] = ..., remove_authorizations: _Optional[_Iterable[_Union[Authorization, _Mapping]]] = ...) -> None: ...

class UpdateOrganizationInviteAuthorizationsResponse(_message.Message):
    __slots__ = ("invite",)
    INVITE_FIELD_NUMBER: _ClassVar[int]
    invite: OrganizationInvite
    def __init__(self, invite: _Optional[_Union[OrganizationInvite, _Mapping]] = ...) -> None: ...

class DeleteOrganizationInviteRequest(_message.Message):
    __slots__ = ("organization_id", "email")
    ORGANIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    organization_id: str
    email: str
    def __init__(self, organization_id: _Optional[str] = ..., email: _Optional[str] = ...) -> None: ...

class DeleteOrganizationInviteResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ResendOrganizationInviteRequest(_message.Message):
    __slots__ = ("organization_id", "email", "send_email_invite")
    ORGANIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    SEND_EMAIL_INVITE_FIELD_NUMBER: _ClassVar[int]
    organization_id: str
    email: str
    send_email_invite: bool
    def __init__(self, organization_id: _Optional[str] = ..., email: _Optional[str] = ..., send_email_invite: _Optional[bool] = ...) -> None: ...

class ResendOrganizationInviteResponse(_message.Message):
    __slots__ = ("invite",)
    INVITE_FIELD_NUMBER: _ClassVar[int]
    invite: OrganizationInvite
    def __init__(self, invite: _Optional[_Union[OrganizationInvite, _Mapping]] = ...) -> None: ...

class DeleteOrganizationMemberRequest(_message.Message):
    __slots__ = ("organization_id", "user_id")
    ORGANIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    organization_id: str
    user_id: str
    def __init__(self, organization_id: _Optional[str] = ..., user_id: _Optional[str] = ...) -> None: ...

class DeleteOrganizationMemberResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class LocationAuthRequest(_message.Message):
    __slots__ = ("location_id",)
    LOCATION_ID_FIELD_NUMBER: _ClassVar[int]
    location_id: str
    def __init__(self, location_id: _Optional[str] = ...) -> None: ...

class LocationAuthResponse(_message.Message):
    __slots__ = ("auth",)
    AUTH_FIELD_NUMBER: _ClassVar[int]
    auth: LocationAuth
    def __init__(self, auth: _Optional[_Union[LocationAuth, _Mapping]] = ...) -> None: ...

class CreateLocationSecretRequest(_message.Message):
    __slots__ = ("location_id",)
    LOCATION_ID_FIELD_NUMBER: _ClassVar[int]
    location_id: str
    def __init__(self, location_id: _Optional[str] = ...) -> None: ...

class CreateLocationSecretResponse(_message.Message):
    __slots__ = ("auth",)
    AUTH_FIELD_NUMBER: _ClassVar[int]
    auth: LocationAuth
    def __init__(self, auth: _Optional[_Union[LocationAuth, _Mapping]] = ...) -> None: ...

class DeleteLocationSecretRequest(_message.Message):
    __slots__ = ("location_id", "secret_id")
    LOCATION_ID_FIELD_NUMBER: _ClassVar[int]
    SECRET_ID_FIELD_NUMBER: _ClassVar[int]
    location_id: str
    secret_id: str
    def __init__(self, location_id: _Optional[str] = ..., secret_id: _Optional[str] = ...) -> None: ...

class DeleteLocationSecretResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class CreateRobotPartSecretRequest(_message.Message):
    __slots__ = ("part_id",)
    PART_ID_FIELD_NUMBER: _ClassVar[int]
    part_id: str
    def __init__(self, part_id: _Optional[str] = ...) -> None: ...

class CreateRobotPartSecretResponse(_message.Message):
    __slots__ = ("part",)
    PART_FIELD_NUMBER: _ClassVar[int]
    part: RobotPart
    def __init__(self, part: _Optional[_Union[RobotPart, _Mapping]] = ...) -> None: ...

class DeleteRobotPartSecretRequest(_message.Message):
    __slots__ = ("part_id", "secret_id")
    PART_ID_FIELD_NUMBER: _ClassVar[int]
    SECRET_ID_FIELD_NUMBER: _ClassVar[int]
    part_id: str
    secret_id: str
    def __init__(self, part_id: _Optional[str] = ..., secret_id: _Optional[str] = ...) -> None: ...

class DeleteRobotPartSecretResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ShareLocationRequest(_message.Message):
    __slots__ = ("location_id", "organization_id")
    LOCATION_ID_FIELD_NUMBER: _ClassVar[int]
    ORGANIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    location_id: str
    organization_id: str
    def __init__(self, location_id: _Optional[str] = ..., organization_id: _Optional[str] = ...) -> None: ...

class ShareLocationResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class UnshareLocationRequest(_message.Message):
    __slots__ = ("location_id", "organization_id")
    LOCATION_ID_FIELD_NUMBER: _ClassVar[int]
    ORGANIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    location_id: str
    organization_id: str
    def __init__(self, location_id: _Optional[str] = ..., organization_id: _Optional[str] = ...) -> None: ...

class UnshareLocationResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class Authorization(_message.Message):
    __slots__ = ("authorization_type", "authorization_id", "resource_type", "resource_id", "identity_id", "organization_id", "identity_type")
    AUTHORIZATION_TYPE_FIELD_NUMBER: _ClassVar[int]
    AUTHORIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_TYPE_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    IDENTITY_ID_FIELD_NUMBER: _ClassVar[int]
    ORGANIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    IDENTITY_TYPE_FIELD_NUMBER: _ClassVar[int]
    authorization_type: str
    authorization_id: str
    resource_type: str
    resource_id: str
    identity_id: str
    organization_id: str
    identity_type: str
    def __init__(self, authorization_type: _Optional[str] = ..., authorization_id: _Optional[str] = ..., resource_type: _Optional[str] = ..., resource_id: _Optional[str] = ..., identity_id: _Optional[str] = ..., organization_id: _Optional[str] = ..., identity_type: _Optional[str] = ...) -> None: ...

class APIKeyWithAuthorizations(_message.Message):
    __slots__ = ("api_key", "authorizations")
    API_KEY_FIELD_NUMBER: _ClassVar[int]
    AUTHORIZATIONS_FIELD_NUMBER: _ClassVar[int]
    api_key: APIKey
    authorizations: _containers.RepeatedCompositeFieldContainer[AuthorizationDetails]
    def __init__(self, api_key: _Optional[_Union[APIKey, _Mapping]] = ..., authorizations: _Optional[_Iterable[_Union[AuthorizationDetails, _Mapping]]] = ...) -> None: ...

class AuthorizedPermissions(_message.Message):
    __slots__ = ("resource_type", "resource_id", "permissions")
    RESOURCE_TYPE_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    PERMISSIONS_FIELD_NUMBER: _ClassVar[int]
    resource_type: str
    resource_id: str
    permissions: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, resource_type: _Optional[str] = ..., resource_id: _Optional[str] = ..., permissions: _Optional[_Iterable[str]] = ...) -> None: ...

class OrgDetails(_message.Message):
    __slots__ = ("org_id", "org_name", "org_cid", "public_namespace", "billing_tier")
    ORG_ID_FIELD_NUMBER: _ClassVar[int]
    ORG_NAME_FIELD_NUMBER: _ClassVar[int]
    ORG_CID_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    BILLING_TIER_FIELD_NUMBER: _ClassVar[int]
    org_id: str
    org_name: str
    org_cid: str
    public_namespace: str
    billing_tier: str
    def __init__(self, org_id: _Optional[str] = ..., org_name: _Optional[str] = ..., org_cid: _Optional[str] = ..., public_namespace: _Optional[str] = ..., billing_tier: _Optional[str] = ...) -> None: ...

class OrganizationMember(_message.Message):
    __slots__ = ("user_id", "emails", "date_added", "last_login", "last_access")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    EMAILS_FIELD_NUMBER: _ClassVar[int]
    DATE_ADDED_FIELD_NUMBER: _ClassVar[int]
    LAST_LOGIN_FIELD_NUMBER: _ClassVar[int]
    LAST_ACCESS_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    emails: _containers.RepeatedScalarFieldContainer[str]
    date_added: _timestamp_pb2.Timestamp
    last_login: _timestamp_pb2.Timestamp
    last_access: _timestamp_pb2.Timestamp
    def __init__(self, user_id: _Optional[str] = ..., emails: _Optional[_Iterable[str]] = ..., date_added: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_login: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_access: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class OrganizationInvite(_message.Message):
    __slots__ = ("organization_id", "email", "created_on", "authorizations")
    ORGANIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    CREATED_ON_FIELD_NUMBER: _ClassVar[int]
    AUTHORIZATIONS_FIELD_NUMBER: _ClassVar[int]
    organization_id: str
    email: str
    created_on: _timestamp_pb2.Timestamp
    authorizations: _containers.RepeatedCompositeFieldContainer[Authorization]
    def __init__(self, organization_id: _Optional[str] = ..., email: _Optional[str] = ..., created_on: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., authorizations: _Optional[_Iterable[_Union[Authorization, _Mapping]]] = ...) -> None: ...

class APIKey(_message.Message):
    __slots__ = ("id", "key", "name", "created_on")
    ID_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CREATED_ON_FIELD_NUMBER: _ClassVar[int]
    id: str
    key: str
    name: str
    created_on: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., key: _Optional[str] = ..., name: _Optional[str] = ..., created_on: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class AuthorizationDetails(_message.Message):
    __slots__ = ("authorization_type", "authorization_id", "resource_type", "resource_id", "org_id")
    AUTHORIZATION_TYPE_FIELD_NUMBER: _ClassVar[int]
    AUTHORIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_TYPE_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    ORG_ID_FIELD_NUMBER: _ClassVar[int]
    authorization_type: str
    authorization_id: str
    resource_type: str
    resource_id: str
    org_id: str
    def __init__(self, authorization_type: _Optional[str] = ..., authorization_id: _Optional[str] = ..., resource_type: _Optional[str] = ..., resource_id: _Optional[str] = ..., org_id: _Optional[str] = ...) -> None: ...

class ListFragmentsRequest(_message.Message):
    __slots__ = ("organization_id", "show_public", "fragment_visibility")
    ORGANIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    SHOW_PUBLIC_FIELD_NUMBER: _ClassVar[int]
    FRAGMENT_VISIBILITY_FIELD_NUMBER: _ClassVar[int]
    organization_id: str
    show_public: bool
    fragment_visibility: _containers.RepeatedScalarFieldContainer[FragmentVisibility]
    def __init__(self, organization_id: _Optional[str] = ..., show_public: _Optional[bool] = ..., fragment_visibility: _Optional[_Iterable[_Union[FragmentVisibility, str]]] = ...) -> None: ...

class ListFragmentsResponse(_message.Message):
    __slots__ = ("fragments", "fragment_usages")
    FRAGMENTS_FIELD_NUMBER: _ClassVar[int]
    FRAGMENT_USAGES_FIELD_NUMBER: _ClassVar[int]
    fragments: _containers.RepeatedCompositeFieldContainer[Fragment]
    fragment_usages: _containers.RepeatedCompositeFieldContainer[FragmentUsage]
    def __init__(self, fragments: _Optional[_Iterable[_Union[Fragment, _Mapping]]] = ..., fragment_usages: _Optional[_Iterable[_Union[FragmentUsage, _Mapping]]] = ...) -> None: ...

class Fragment(_message.Message):
    __slots__ = ("id", "name", "fragment", "organization_owner", "public", "created_on", "organization_name", "robot_part_count", "organization_count", "only_used_by_owner", "visibility", "last_updated", "revision", "public_namespace", "fragment_config_json")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    FRAGMENT_FIELD_NUMBER: _ClassVar[int]
    ORGANIZATION_OWNER_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_FIELD_NUMBER: _ClassVar[int]
    CREATED_ON_FIELD_NUMBER: _ClassVar[int]
    ORGANIZATION_NAME_FIELD_NUMBER: _ClassVar[int]
    ROBOT_PART_COUNT_FIELD_NUMBER: _ClassVar[int]
    ORGANIZATION_COUNT_FIELD_NUMBER: _ClassVar[int]
    ONLY_USED_BY_OWNER_FIELD_NUMBER: _ClassVar[int]
    VISIBILITY_FIELD_NUMBER: _ClassVar[int]
    LAST_UPDATED_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    FRAGMENT_CONFIG_JSON_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    fragment: _struct_pb2.Struct
    organization_owner: str
    public: bool
    created_on: _timestamp_pb2.Timestamp
    organization_name: str
    robot_part_count: int
    organization_count: int
    only_used_by_owner: bool
    visibility: FragmentVisibility
    last_updated: _timestamp_pb2.Timestamp
    revision: str
    public_namespace: str
    fragment_config_json: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., fragment: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., organization_owner: _Optional[str] = ..., public: _Optional[bool] = ..., created_on: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., organization_name: _Optional[str] = ..., robot_part_count: _Optional[int] = ..., organization_count: _Optional[int] = ..., only_used_by_owner: _Optional[bool] = ..., visibility: _Optional[_Union[FragmentVisibility, str]] = ..., last_updated: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., revision: _Optional[str] = ..., public_namespace: _Optional[str] = ..., fragment_config_json: _Optional[str] = ...) -> None: ...

class FragmentUsage(_message.Message):
    __slots__ = ("fragment_id", "organizations", "machines", "machines_in_current_org", "version")
    FRAGMENT_ID_FIELD_NUMBER: _ClassVar[int]
    ORGANIZATIONS_FIELD_NUMBER: _ClassVar[int]
    MACHINES_FIELD_NUMBER: _ClassVar[int]
    MACHINES_IN_CURRENT_ORG_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    fragment_id: str
    organizations: int
    machines: int
    machines_in_current_org: int
    version: str
    def __init__(self, fragment_id: _Optional[str] = ..., organizations: _Optional[int] = ..., machines: _Optional[int] = ..., machines_in_current_org: _Optional[int] = ..., version: _Optional[str] = ...) -> None: ...

class GetFragmentRequest(_message.Message):
    __slots__ = ("id", "current_organization_id", "version")
    ID_FIELD_NUMBER: _ClassVar[int]
    CURRENT_ORGANIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    id: str
    current_organization_id: str
    version: str
    def __init__(self, id: _Optional[str] = ..., current_organization_id: _Optional[str] = ..., version: _Optional[str] = ...) -> None: ...

class GetFragmentResponse(_message.Message):
    __slots__ = ("fragment", "fragment_usage", "revisions", "tags")
    FRAGMENT_FIELD_NUMBER: _ClassVar[int]
    FRAGMENT_USAGE_FIELD_NUMBER: _ClassVar[int]
    REVISIONS_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    fragment: Fragment
    fragment_usage: FragmentUsage
    revisions: _containers.RepeatedCompositeFieldContainer[FragmentRevision]
    tags: _containers.RepeatedCompositeFieldContainer[FragmentTag]
    def __init__(self, fragment: _Optional[_Union[Fragment, _Mapping]] = ..., fragment_usage: _Optional[_Union[FragmentUsage, _Mapping]] = ..., revisions: _Optional[_Iterable[_Union[FragmentRevision, _Mapping]]] = ..., tags: _Optional[_Iterable[_Union[FragmentTag, _Mapping]]] = ...) -> None: ...

class FragmentRevision(_message.Message):
    __slots__ = ("revision", "created_at")
    REVISION_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    revision: str
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, revision: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class FragmentTag(_message.Message):
    __slots__ = ("tag", "revision")
    TAG_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    tag: str
    revision: str
    def __init__(self, tag: _Optional[str] = ..., revision: _Optional[str] = ...) -> None: ...

class CreateFragmentRequest(_message.Message):
    __slots__ = ("name", "config", "organization_id", "visibility")
    NAME_FIELD_NUMBER: _ClassVar[int]
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    ORGANIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    VISIBILITY_FIELD_NUMBER: _ClassVar[int]
    name: str
    config: _struct_pb2.Struct
    organization_id: str
    visibility: FragmentVisibility
    def __init__(self, name: _Optional[str] = ..., config: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., organization_id: _Optional[str] = ..., visibility: _Optional[_Union[FragmentVisibility, str]] = ...) -> None: ...

class CreateFragmentResponse(_message.Message):
    __slots__ = ("fragment",)
    FRAGMENT_FIELD_NUMBER: _ClassVar[int]
    fragment: Fragment
    def __init__(self, fragment: _Optional[_Union[Fragment, _Mapping]] = ...) -> None: ...

class UpdateFragmentRequest(_message.Message):
    __slots__ = ("id", "name", "config", "public", "visibility", "last_known_update", "fragment_config_json")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_FIELD_NUMBER: _ClassVar[int]
    VISIBILITY_FIELD_NUMBER: _ClassVar[int]
    LAST_KNOWN_UPDATE_FIELD_NUMBER: _ClassVar[int]
    FRAGMENT_CONFIG_JSON_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    config: _struct_pb2.Struct
    public: bool
    visibility: FragmentVisibility
    last_known_update: _timestamp_pb2.Timestamp
    fragment_config_json: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., config: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., public: _Optional[bool] = ..., visibility: _Optional[_Union[FragmentVisibility, str]] = ..., last_known_update: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., fragment_config_json: _Optional[str] = ...) -> None: ...

class UpdateFragmentResponse(_message.Message):
    __slots__ = ("fragment",)
    FRAGMENT_FIELD_NUMBER: _ClassVar[int]
    fragment: Fragment
    def __init__(self, fragment: _Optional[_Union[Fragment, _Mapping]] = ...) -> None: ...

class DeleteFragmentRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class DeleteFragmentResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListNestedFragmentsRequest(_message.Message):
    __slots__ = ("fragment_id", "additional_fragments")
    FRAGMENT_ID_FIELD_NUMBER: _ClassVar[int]
    ADDITIONAL_FRAGMENTS_FIELD_NUMBER: _ClassVar[int]
    fragment_id: str
    additional_fragments: _containers.RepeatedCompositeFieldContainer[AdditionalFragment]
    def __init__(self, fragment_id: _Optional[str] = ..., additional_fragments: _Optional[_Iterable[_Union[AdditionalFragment, _Mapping]]] = ...) -> None: ...

class AdditionalFragment(_message.Message):
    __slots__ = ("fragment_id", "version")
    FRAGMENT_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    fragment_id: str
    version: str
    def __init__(self, fragment_id: _Optional[str] = ..., version: _Optional[str] = ...) -> None: ...

class ListNestedFragmentsResponse(_message.Message):
    __slots__ = ("fragments", "resolved_fragments")
    FRAGMENTS_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_FRAGMENTS_FIELD_NUMBER: _ClassVar[int]
    fragments: _containers.RepeatedCompositeFieldContainer[Fragment]
    resolved_fragments: _containers.RepeatedCompositeFieldContainer[ResolvedFragment]
    def __init__(self, fragments: _Optional[_Iterable[_Union[Fragment, _Mapping]]] = ..., resolved_fragments: _Optional[_Iterable[_Union[ResolvedFragment, _Mapping]]] = ...) -> None: ...

class ResolvedFragment(_message.Message):
    __slots__ = ("fragment_id", "resolved_config", "error", "revision")
    FRAGMENT_ID_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_CONFIG_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    fragment_id: str
    resolved_config: _struct_pb2.Struct
    error: FragmentError
    revision: str
    def __init__(self, fragment_id: _Optional[str] = ..., resolved_config: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., error: _Optional[_Union[FragmentError, _Mapping]] = ..., revision: _Optional[str] = ...) -> None: ...

class FragmentError(_message.Message):
    __slots__ = ("error_type", "fragment_id", "detail")
    ERROR_TYPE_FIELD_NUMBER: _ClassVar[int]
    FRAGMENT_ID_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    error_type: FragmentErrorType
    fragment_id: str
    detail: str
    def __init__(self, error_type: _Optional[_Union[FragmentErrorType, str]] = ..., fragment_id: _Optional[str] = ..., detail: _Optional[str] = ...) -> None: ...

class ListMachineFragmentsRequest(_message.Message):
    __slots__ = ("machine_id", "additional_fragment_ids", "additional_fragments")
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    ADDITIONAL_FRAGMENT_IDS_FIELD_NUMBER: _ClassVar[int]
    ADDITIONAL_FRAGMENTS_FIELD_NUMBER: _ClassVar[int]
    machine_id: str
    additional_fragment_ids: _containers.RepeatedScalarFieldContainer[str]
    additional_fragments: _containers.RepeatedCompositeFieldContainer[AdditionalFragment]
    def __init__(self, machine_id: _Optional[str] = ..., additional_fragment_ids: _Optional[_Iterable[str]] = ..., additional_fragments: _Optional[_Iterable[_Union[AdditionalFragment, _Mapping]]] = ...) -> None: ...

class ListMachineFragmentsResponse(_message.Message):
    __slots__ = ("fragments", "resolved_fragments")
    FRAGMENTS_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_FRAGMENTS_FIELD_NUMBER: _ClassVar[int]
    fragments: _containers.RepeatedCompositeFieldContainer[Fragment]
    resolved_fragments: _containers.RepeatedCompositeFieldContainer[ResolvedFragment]
    def __init__(self, fragments: _Optional[_Iterable[_Union[Fragment, _Mapping]]] = ..., resolved_fragments: _Optional[_Iterable[_Union[ResolvedFragment, _Mapping]]] = ...) -> None: ...

class ListMachineSummariesRequest(_message.Message):
    __slots__ = ("organization_id", "fragment_ids", "location_ids", "limit")
    ORGANIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    FRAGMENT_IDS_FIELD_NUMBER: _ClassVar[int]
    LOCATION_IDS_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    organization_id: str
    fragment_ids: _containers.RepeatedScalarFieldContainer[str]
    location_ids: _containers.RepeatedScalarFieldContainer[str]
    limit: int
    def __init__(self, organization_id: _Optional[str] = ..., fragment_ids: _Optional[_Iterable[str]] = ..., location_ids: _Optional[_Iterable[str]] = ..., limit: _Optional[int] = ...) -> None: ...

class ListMachineSummariesResponse(_message.Message):
    __slots__ = ("location_summaries",)
    LOCATION_SUMMARIES_FIELD_NUMBER: _ClassVar[int]
    location_summaries: _containers.RepeatedCompositeFieldContainer[LocationSummary]
    def __init__(self, location_summaries: _Optional[_Iterable[_Union[LocationSummary, _Mapping]]] = ...) -> None: ...

class LocationSummary(_message.Message):
    __slots__ = ("location_id", "location_name", "machine_summaries")
    LOCATION_ID_FIELD_NUMBER: _ClassVar[int]
    LOCATION_NAME_FIELD_NUMBER: _ClassVar[int]
    MACHINE_SUMMARIES_FIELD_NUMBER: _ClassVar[int]
    location_id: str
    location_name: str
    machine_summaries: _containers.RepeatedCompositeFieldContainer[MachineSummary]
    def __init__(self, location_id: _Optional[str] = ..., location_name: _Optional[str] = ..., machine_summaries: _Optional[_Iterable[_Union[MachineSummary, _Mapping]]] = ...) -> None: ...

class MachineSummary(_message.Message):
    __slots__ = ("machine_id", "machine_name", "part_summaries")
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    MACHINE_NAME_FIELD_NUMBER: _ClassVar[int]
    PART_SUMMARIES_FIELD_NUMBER: _ClassVar[int]
    machine_id: str
    machine_name: str
    part_summaries: _containers.RepeatedCompositeFieldContainer[PartSummary]
    def __init__(self, machine_id: _Optional[str] = ..., machine_name: _Optional[str] = ..., part_summaries: _Optional[_Iterable[_Union[PartSummary, _Mapping]]] = ...) -> None: ...

class PartSummary(_message.Message):
    __slots__ = ("part_id", "part_name", "is_main_part", "online_state", "seconds_since_online", "last_access", "last_online", "viam_server_version", "viam_agent_version", "os", "platform", "public_ip_address", "dns_name", "fragments")
    PART_ID_FIELD_NUMBER: _ClassVar[int]
    PART_NAME_FIELD_NUMBER: _ClassVar[int]
    IS_MAIN_PART_FIELD_NUMBER: _ClassVar[int]
    ONLINE_STATE_FIELD_NUMBER: _ClassVar[int]
    SECONDS_SINCE_ONLINE_FIELD_NUMBER: _ClassVar[int]
    LAST_ACCESS_FIELD_NUMBER: _ClassVar[int]
    LAST_ONLINE_FIELD_NUMBER: _ClassVar[int]
    VIAM_SERVER_VERSION_FIELD_NUMBER: _ClassVar[int]
    VIAM_AGENT_VERSION_FIELD_NUMBER: _ClassVar[int]
    OS_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_IP_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    DNS_NAME_FIELD_NUMBER: _ClassVar[int]
    FRAGMENTS_FIELD_NUMBER: _ClassVar[int]
    part_id: str
    part_name: str
    is_main_part: bool
    online_state: OnlineState
    seconds_since_online: int
    last_access: _timestamp_pb2.Timestamp
    last_online: _timestamp_pb2.Timestamp
    viam_server_version: ViamServerVersion
    viam_agent_version: ViamAgentVersion
    os: str
    platform: str
    public_ip_address: str
    dns_name: str
    fragments: _containers.RepeatedCompositeFieldContainer[FragmentSummary]
    def __init__(self, part_id: _Optional[str] = ..., part_name: _Optional[str] = ..., is_main_part: _Optional[bool] = ..., online_state: _Optional[_Union[OnlineState, str]] = ..., seconds_since_online: _Optional[int] = ..., last_access: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_online: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., viam_server_version: _Optional[_Union[ViamServerVersion, _Mapping]] = ..., viam_agent_version: _Optional[_Union[ViamAgentVersion, _Mapping]] = ..., os: _Optional[str] = ..., platform: _Optional[str] = ..., public_ip_address: _Optional[str] = ..., dns_name: _Optional[str] = ..., fragments: _Optional[_Iterable[_Union[FragmentSummary, _Mapping]]] = ...) -> None: ...

class ViamServerVersion(_message.Message):
    __slots__ = ("major", "minor")
    MAJOR_FIELD_NUMBER: _ClassVar[int]
    MINOR_FIELD_NUMBER: _ClassVar[int]
    major: str
    minor: str
    def __init__(self, major: _Optional[str] = ..., minor: _Optional[str] = ...) -> None: ...

class ViamAgentVersion(_message.Message):
    __slots__ = ("major", "minor")
    MAJOR_FIELD_NUMBER: _ClassVar[int]
    MINOR_FIELD_NUMBER: _ClassVar[int]
    major: str
    minor: str
    def __init__(self, major: _Optional[str] = ..., minor: _Optional[str] = ...) -> None: ...

class FragmentSummary(_message.Message):
    __slots__ = ("id", "name")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class GetFragmentHistoryRequest(_message.Message):
    __slots__ = ("id", "page_token", "page_limit")
    ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    PAGE_LIMIT_FIELD_NUMBER: _ClassVar[int]
    id: str
    page_token: str
    page_limit: int
    def __init__(self, id: _Optional[str] = ..., page_token: _Optional[str] = ..., page_limit: _Optional[int] = ...) -> None: ...

class GetFragmentHistoryResponse(_message.Message):
    __slots__ = ("history", "next_page_token")
    HISTORY_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    history: _containers.RepeatedCompositeFieldContainer[FragmentHistoryEntry]
    next_page_token: str
    def __init__(self, history: _Optional[_Iterable[_Union[FragmentHistoryEntry, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class FragmentHistoryEntry(_message.Message):
    __slots__ = ("fragment", "edited_on", "old", "edited_by", "revision", "config")
    FRAGMENT_FIELD_NUMBER: _ClassVar[int]
    EDITED_ON_FIELD_NUMBER: _ClassVar[int]
    OLD_FIELD_NUMBER: _ClassVar[int]
    EDITED_BY_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    fragment: str
    edited_on: _timestamp_pb2.Timestamp
    old: Fragment
    edited_by: AuthenticatorInfo
    revision: str
    config: _struct_pb2.Struct
    def __init__(self, fragment: _Optional[str] = ..., edited_on: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., old: _Optional[_Union[Fragment, _Mapping]] = ..., edited_by: _Optional[_Union[AuthenticatorInfo, _Mapping]] = ..., revision: _Optional[str] = ..., config: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class GetFragmentUsageRequest(_message.Message):
    __slots__ = ("fragment_id",)
    FRAGMENT_ID_FIELD_NUMBER: _ClassVar[int]
    fragment_id: str
    def __init__(self, fragment_id: _Optional[str] = ...) -> None: ...

class GetFragmentUsageResponse(_message.Message):
    __slots__ = ("version_usages",)
    VERSION_USAGES_FIELD_NUMBER: _ClassVar[int]
    version_usages: _containers.RepeatedCompositeFieldContainer[FragmentUsage]
    def __init__(self, version_usages: _Optional[_Iterable[_Union[FragmentUsage, _Mapping]]] = ...) -> None: ...

class SetFragmentTagRequest(_message.Message):
    __slots__ = ("fragment_id", "tag", "revision")
    FRAGMENT_ID_FIELD_NUMBER: _ClassVar[int]
    TAG_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    fragment_id: str
    tag: str
    revision: str
    def __init__(self, fragment_id: _Optional[str] = ..., tag: _Optional[str] = ..., revision: _Optional[str] = ...) -> None: ...

class SetFragmentTagResponse(_message.Message):
    __slots__ = ("tags",)
    TAGS_FIELD_NUMBER: _ClassVar[int]
    tags: _containers.RepeatedCompositeFieldContainer[FragmentTag]
    def __init__(self, tags: _Optional[_Iterable[_Union[FragmentTag, _Mapping]]] = ...) -> None: ...

class DeleteFragmentTagRequest(_message.Message):
    __slots__ = ("fragment_id", "tag")
    FRAGMENT_ID_FIELD_NUMBER: _ClassVar[int]
    TAG_FIELD_NUMBER: _ClassVar[int]
    fragment_id: str
    tag: str
    def __init__(self, fragment_id: _Optional[str] = ..., tag: _Optional[str] = ...) -> None: ...

class DeleteFragmentTagResponse(_message.Message):
    __slots__ = ("tags",)
    TAGS_FIELD_NUMBER: _ClassVar[int]
    tags: _containers.RepeatedCompositeFieldContainer[FragmentTag]
    def __init__(self, tags: _Optional[_Iterable[_Union[FragmentTag, _Mapping]]] = ...) -> None: ...

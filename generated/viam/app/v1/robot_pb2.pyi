import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from generated.viam.common.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CredentialsType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CREDENTIALS_TYPE_UNSPECIFIED: _ClassVar[CredentialsType]
    CREDENTIALS_TYPE_INTERNAL: _ClassVar[CredentialsType]
    CREDENTIALS_TYPE_API_KEY: _ClassVar[CredentialsType]
    CREDENTIALS_TYPE_ROBOT_SECRET: _ClassVar[CredentialsType]
    CREDENTIALS_TYPE_ROBOT_LOCATION_SECRET: _ClassVar[CredentialsType]
CREDENTIALS_TYPE_UNSPECIFIED: CredentialsType
CREDENTIALS_TYPE_INTERNAL: CredentialsType
CREDENTIALS_TYPE_API_KEY: CredentialsType
CREDENTIALS_TYPE_ROBOT_SECRET: CredentialsType
CREDENTIALS_TYPE_ROBOT_LOCATION_SECRET: CredentialsType

class LogRequest(_message.Message):
    __slots__ = ("id", "logs")
    ID_FIELD_NUMBER: _ClassVar[int]
    LOGS_FIELD_NUMBER: _ClassVar[int]
    id: str
    logs: _containers.RepeatedCompositeFieldContainer[_common_pb2.LogEntry]
    def __init__(self, id: _Optional[str] = ..., logs: _Optional[_Iterable[_Union[_common_pb2.LogEntry, _Mapping]]] = ...) -> None: ...

class LogResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ConfigRequest(_message.Message):
    __slots__ = ("id", "agent_info")
    ID_FIELD_NUMBER: _ClassVar[int]
    AGENT_INFO_FIELD_NUMBER: _ClassVar[int]
    id: str
    agent_info: AgentInfo
    def __init__(self, id: _Optional[str] = ..., agent_info: _Optional[_Union[AgentInfo, _Mapping]] = ...) -> None: ...

class AgentInfo(_message.Message):
    __slots__ = ("host", "os", "ips", "version", "git_revision", "platform", "platform_tags")
    HOST_FIELD_NUMBER: _ClassVar[int]
    OS_FIELD_NUMBER: _ClassVar[int]
    IPS_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    GIT_REVISION_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_TAGS_FIELD_NUMBER: _ClassVar[int]
    host: str
    os: str
    ips: _containers.RepeatedScalarFieldContainer[str]
    version: str
    git_revision: str
    platform: str
    platform_tags: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, host: _Optional[str] = ..., os: _Optional[str] = ..., ips: _Optional[_Iterable[str]] = ..., version: _Optional[str] = ..., git_revision: _Optional[str] = ..., platform: _Optional[str] = ..., platform_tags: _Optional[_Iterable[str]] = ...) -> None: ...

class ConfigResponse(_message.Message):
    __slots__ = ("config",)
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    config: RobotConfig
    def __init__(self, config: _Optional[_Union[RobotConfig, _Mapping]] = ...) -> None: ...

class RobotConfig(_message.Message):
    __slots__ = ("cloud", "remotes", "components", "processes", "services", "network", "auth", "debug", "modules", "disable_partial_start", "packages", "overwrite_fragment_status", "enable_web_profile", "log", "revision", "maintenance", "disable_log_deduplication", "jobs", "tracing")
    CLOUD_FIELD_NUMBER: _ClassVar[int]
    REMOTES_FIELD_NUMBER: _ClassVar[int]
    COMPONENTS_FIELD_NUMBER: _ClassVar[int]
    PROCESSES_FIELD_NUMBER: _ClassVar[int]
    SERVICES_FIELD_NUMBER: _ClassVar[int]
    NETWORK_FIELD_NUMBER: _ClassVar[int]
    AUTH_FIELD_NUMBER: _ClassVar[int]
    DEBUG_FIELD_NUMBER: _ClassVar[int]
    MODULES_FIELD_NUMBER: _ClassVar[int]
    DISABLE_PARTIAL_START_FIELD_NUMBER: _ClassVar[int]
    PACKAGES_FIELD_NUMBER: _ClassVar[int]
    OVERWRITE_FRAGMENT_STATUS_FIELD_NUMBER: _ClassVar[int]
    ENABLE_WEB_PROFILE_FIELD_NUMBER: _ClassVar[int]
    LOG_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    MAINTENANCE_FIELD_NUMBER: _ClassVar[int]
    DISABLE_LOG_DEDUPLICATION_FIELD_NUMBER: _ClassVar[int]
    JOBS_FIELD_NUMBER: _ClassVar[int]
    TRACING_FIELD_NUMBER: _ClassVar[int]
    cloud: CloudConfig
    remotes: _containers.RepeatedCompositeFieldContainer[RemoteConfig]
    components: _containers.RepeatedCompositeFieldContainer[ComponentConfig]
    processes: _containers.RepeatedCompositeFieldContainer[ProcessConfig]
    services: _containers.RepeatedCompositeFieldContainer[ServiceConfig]
    network: NetworkConfig
    auth: AuthConfig
    debug: bool
    modules: _containers.RepeatedCompositeFieldContainer[ModuleConfig]
    disable_partial_start: bool
    packages: _containers.RepeatedCompositeFieldContainer[PackageConfig]
    overwrite_fragment_status: _containers.RepeatedCompositeFieldContainer[AppValidationStatus]
    enable_web_profile: bool
    log: _containers.RepeatedCompositeFieldContainer[LogPatternConfig]
    revision: str
    maintenance: MaintenanceConfig
    disable_log_deduplication: bool
    jobs: _containers.RepeatedCompositeFieldContainer[JobConfig]
    tracing: TracingConfig
    def __init__(self, cloud: _Optional[_Union[CloudConfig, _Mapping]] = ..., remotes: _Optional[_Iterable[_Union[RemoteConfig, _Mapping]]] = ..., components: _Optional[_Iterable[_Union[ComponentConfig, _Mapping]]] = ..., processes: _Optional[_Iterable[_Union[ProcessConfig, _Mapping]]] = ..., services: _Optional[_Iterable[_Union[ServiceConfig, _Mapping]]] = ..., network: _Optional[_Union[NetworkConfig, _Mapping]] = ..., auth: _Optional[_Union[AuthConfig, _Mapping]] = ..., debug: _Optional[bool] = ..., modules: _Optional[_Iterable[_Union[ModuleConfig, _Mapping]]] = ..., disable_partial_start: _Optional[bool] = ..., packages: _Optional[_Iterable[_Union[PackageConfig, _Mapping]]] = ..., overwrite_fragment_status: _Optional[_Iterable[_Union[AppValidationStatus, _Mapping]]] = ..., enable_web_profile: _Optional[bool] = ..., log: _Optional[_Iterable[_Union[LogPatternConfig, _Mapping]]] = ..., revision: _Optional[str] = ..., maintenance: _Optional[_Union[MaintenanceConfig, _Mapping]] = ..., disable_log_deduplication: _Optional[bool] = ..., jobs: _Optional[_Iterable[_Union[JobConfig, _Mapping]]] = ..., tracing: _Optional[_Union[TracingConfig, _Mapping]] = ...) -> None: ...

class TracingConfig(_message.Message):
    __slots__ = ("enabled", "disk", "console", "otlp_endpoint")
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    DISK_FIELD_NUMBER: _ClassVar[int]
    CONSOLE_FIELD_NUMBER: _ClassVar[int]
    OTLP_ENDPOINT_FIELD_NUMBER: _ClassVar[int]
    enabled: bool
    disk: bool
    console: bool
    otlp_endpoint: str
    def __init__(self, enabled: _Optional[bool] = ..., disk: _Optional[bool] = ..., console: _Optional[bool] = ..., otlp_endpoint: _Optional[str] = ...) -> None: ...

class JobConfig(_message.Message):
    __slots__ = ("name", "schedule", "resource", "method", "command", "log_configuration")
    NAME_FIELD_NUMBER: _ClassVar[int]
    SCHEDULE_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    LOG_CONFIGURATION_FIELD_NUMBER: _ClassVar[int]
    name: str
    schedule: str
    resource: str
    method: str
    command: _struct_pb2.Struct
    log_configuration: LogConfiguration
    def __init__(self, name: _Optional[str] = ..., schedule: _Optional[str] = ..., resource: _Optional[str] = ..., method: _Optional[str] = ..., command: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., log_configuration: _Optional[_Union[LogConfiguration, _Mapping]] = ...) -> None: ...

class LogConfiguration(_message.Message):
    __slots__ = ("level",)
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    level: str
    def __init__(self, level: _Optional[str] = ...) -> None: ...

class MaintenanceConfig(_message.Message):
    __slots__ = ("sensor_name", "maintenance_allowed_key")
    SENSOR_NAME_FIELD_NUMBER: _ClassVar[int]
    MAINTENANCE_ALLOWED_KEY_FIELD_NUMBER: _ClassVar[int]
    sensor_name: _common_pb2.ResourceName
    maintenance_allowed_key: str
    def __init__(self, sensor_name: _Optional[_Union[_common_pb2.ResourceName, _Mapping]] = ..., maintenance_allowed_key: _Optional[str] = ...) -> None: ...

class LogPatternConfig(_message.Message):
    __slots__ = ("pattern", "level")
    PATTERN_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    pattern: str
    level: str
    def __init__(self, pattern: _Optional[str] = ..., level: _Optional[str] = ...) -> None: ...

class AppValidationStatus(_message.Message):
    __slots__ = ("error",)
    ERROR_FIELD_NUMBER: _ClassVar[int]
    error: str
    def __init__(self, error: _Optional[str] = ...) -> None: ...

class PackageConfig(_message.Message):
    __slots__ = ("name", "package", "version", "type", "status")
    NAME_FIELD_NUMBER: _ClassVar[int]
    PACKAGE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    name: str
    package: str
    version: str
    type: str
    status: AppValidationStatus
    def __init__(self, name: _Optional[str] = ..., package: _Optional[str] = ..., version: _Optional[str] = ..., type: _Optional[str] = ..., status: _Optional[_Union[AppValidationStatus, _Mapping]] = ...) -> None: ...

class ModuleConfig(_message.Message):
    __slots__ = ("name", "path", "log_level", "type", "module_id", "env", "status", "first_run_timeout", "tcp_mode")
    class EnvEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    LOG_LEVEL_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    MODULE_ID_FIELD_NUMBER: _ClassVar[int]
    ENV_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    FIRST_RUN_TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    TCP_MODE_FIELD_NUMBER: _ClassVar[int]
    name: str
    path: str
    log_level: str
    type: str
    module_id: str
    env: _containers.ScalarMap[str, str]
    status: AppValidationStatus
    first_run_timeout: _duration_pb2.Duration
    tcp_mode: bool
    def __init__(self, name: _Optional[str] = ..., path: _Optional[str] = ..., log_level: _Optional[str] = ..., type: _Optional[str] = ..., module_id: _Optional[str] = ..., env: _Optional[_Mapping[str, str]] = ..., status: _Optional[_Union[AppValidationStatus, _Mapping]] = ..., first_run_timeout: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., tcp_mode: _Optional[bool] = ...) -> None: ...

class AuthConfig(_message.Message):
    __slots__ = ("handlers", "tls_auth_entities", "external_auth_config", "user_permissions")
    HANDLERS_FIELD_NUMBER: _ClassVar[int]
    TLS_AUTH_ENTITIES_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_AUTH_CONFIG_FIELD_NUMBER: _ClassVar[int]
    USER_PERMISSIONS_FIELD_NUMBER: _ClassVar[int]
    handlers: _containers.RepeatedCompositeFieldContainer[AuthHandlerConfig]
    tls_auth_entities: _containers.RepeatedScalarFieldContainer[str]
    external_auth_config: ExternalAuthConfig
    user_permissions: _containers.RepeatedCompositeFieldContainer[UserPermission]
    def __init__(self, handlers: _Optional[_Iterable[_Union[AuthHandlerConfig, _Mapping]]] = ..., tls_auth_entities: _Optional[_Iterable[str]] = ..., external_auth_config: _Optional[_Union[ExternalAuthConfig, _Mapping]] = ..., user_permissions: _Optional[_Iterable[_Union[UserPermission, _Mapping]]] = ...) -> None: ...

class UserPermission(_message.Message):
    __slots__ = ("user", "permissions")
    USER_FIELD_NUMBER: _ClassVar[int]
    PERMISSIONS_FIELD_NUMBER: _ClassVar[int]
    user: User
    permissions: _containers.RepeatedCompositeFieldContainer[Permission]
    def __init__(self, user: _Optional[_Union[User, _Mapping]] = ..., permissions: _Optional[_Iterable[_Union[Permission, _Mapping]]] = ...) -> None: ...

class Permission(_message.Message):
    __slots__ = ("resources", "allowed_methods")
    RESOURCES_FIELD_NUMBER: _ClassVar[int]
    ALLOWED_METHODS_FIELD_NUMBER: _ClassVar[int]
    resources: _containers.RepeatedScalarFieldContainer[str]
    allowed_methods: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, resources: _Optional[_Iterable[str]] = ..., allowed_methods: _Optional[_Iterable[str]] = ...) -> None: ...

class User(_message.Message):
    __slots__ = ("type", "id")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    type: str
    id: str
    def __init__(self, type: _Optional[str] = ..., id: _Optional[str] = ...) -> None: ...

class ExternalAuthConfig(_message.Message):
    __slots__ = ("jwks",)
    JWKS_FIELD_NUMBER: _ClassVar[int]
    jwks: JWKSFile
    def __init__(self, jwks: _Optional[_Union[JWKSFile, _Mapping]] = ...) -> None: ...

class JWKSFile(_message.Message):
    __slots__ = ("json",)
    JSON_FIELD_NUMBER: _ClassVar[int]
    json: _struct_pb2.Struct
    def __init__(self, json: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class AuthHandlerConfig(_message.Message):
    __slots__ = ("type", "config")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    type: CredentialsType
    config: _struct_pb2.Struct
    def __init__(self, type: _Optional[_Union[CredentialsType, str]] = ..., config: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class NetworkConfig(_message.Message):
    __slots__ = ("fqdn", "bind_address", "tls_cert_file", "tls_key_file", "sessions", "traffic_tunnel_endpoints", "no_tls")
    FQDN_FIELD_NUMBER: _ClassVar[int]
    BIND_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    TLS_CERT_FILE_FIELD_NUMBER: _ClassVar[int]
    TLS_KEY_FILE_FIELD_NUMBER: _ClassVar[int]
    SESSIONS_FIELD_NUMBER: _ClassVar[int]
    TRAFFIC_TUNNEL_ENDPOINTS_FIELD_NUMBER: _ClassVar[int]
    NO_TLS_FIELD_NUMBER: _ClassVar[int]
    fqdn: str
    bind_address: str
    tls_cert_file: str
    tls_key_file: str
    sessions: SessionsConfig
    traffic_tunnel_endpoints: _containers.RepeatedCompositeFieldContainer[TrafficTunnelEndpoint]
    no_tls: bool
    def __init__(self, fqdn: _Optional[str] = ..., bind_address: _Optional[str] = ..., tls_cert_file: _Optional[str] = ..., tls_key_file: _Optional[str] = ..., sessions: _Optional[_Union[SessionsConfig, _Mapping]] = ..., traffic_tunnel_endpoints: _Optional[_Iterable[_Union[TrafficTunnelEndpoint, _Mapping]]] = ..., no_tls: _Optional[bool] = ...) -> None: ...

class TrafficTunnelEndpoint(_message.Message):
    __slots__ = ("port", "connection_timeout")
    PORT_FIELD_NUMBER: _ClassVar[int]
    CONNECTION_TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    port: int
    connection_timeout: _duration_pb2.Duration
    def __init__(self, port: _Optional[int] = ..., connection_timeout: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class SessionsConfig(_message.Message):
    __slots__ = ("heartbeat_window",)
    HEARTBEAT_WINDOW_FIELD_NUMBER: _ClassVar[int]
    heartbeat_window: _duration_pb2.Duration
    def __init__(self, heartbeat_window: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class ServiceConfig(_message.Message):
    __slots__ = ("name", "namespace", "type", "attributes", "depends_on", "model", "api", "service_configs", "log_configuration")
    NAME_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    DEPENDS_ON_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    API_FIELD_NUMBER: _ClassVar[int]
    SERVICE_CONFIGS_FIELD_NUMBER: _ClassVar[int]
    LOG_CONFIGURATION_FIELD_NUMBER: _ClassVar[int]
    name: str
    namespace: str
    type: str
    attributes: _struct_pb2.Struct
    depends_on: _containers.RepeatedScalarFieldContainer[str]
    model: str
    api: str
    service_configs: _containers.RepeatedCompositeFieldContainer[ResourceLevelServiceConfig]
    log_configuration: LogConfiguration
    def __init__(self, name: _Optional[str] = ..., namespace: _Optional[str] = ..., type: _Optional[str] = ..., attributes: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., depends_on: _Optional[_Iterable[str]] = ..., model: _Optional[str] = ..., api: _Optional[str] = ..., service_configs: _Optional[_Iterable[_Union[ResourceLevelServiceConfig, _Mapping]]] = ..., log_configuration: _Optional[_Union[LogConfiguration, _Mapping]] = ...) -> None: ...

class ResourceLevelServiceConfig(_message.Message):
    __slots__ = ("type", "attributes")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    type: str
    attributes: _struct_pb2.Struct
    def __init__(self, type: _Optional[str] = ..., attributes: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class ProcessConfig(_message.Message):
    __slots__ = ("id", "name", "args", "cwd", "one_shot", "log", "stop_signal", "stop_timeout", "env", "username")
    class EnvEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ARGS_FIELD_NUMBER: _ClassVar[int]
    CWD_FIELD_NUMBER: _ClassVar[int]
    ONE_SHOT_FIELD_NUMBER: _ClassVar[int]
    LOG_FIELD_NUMBER: _ClassVar[int]
    STOP_SIGNAL_FIELD_NUMBER: _ClassVar[int]
    STOP_TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    ENV_FIELD_NUMBER: _ClassVar[int]
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    args: _containers.RepeatedScalarFieldContainer[str]
    cwd: str
    one_shot: bool
    log: bool
    stop_signal: int
    stop_timeout: _duration_pb2.Duration
    env: _containers.ScalarMap[str, str]
    username: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., args: _Optional[_Iterable[str]] = ..., cwd: _Optional[str] = ..., one_shot: _Optional[bool] = ..., log: _Optional[bool] = ..., stop_signal: _Optional[int] = ..., stop_timeout: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., env: _Optional[_Mapping[str, str]] = ..., username: _Optional[str] = ...) -> None: ...

class ComponentConfig(_message.Message):
    __slots__ = ("name", "namespace", "type", "model", "frame", "depends_on", "service_configs", "attributes", "api", "log_configuration")
    NAME_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    FRAME_FIELD_NUMBER: _ClassVar[int]
    DEPENDS_ON_FIELD_NUMBER: _ClassVar[int]
    SERVICE_CONFIGS_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    API_FIELD_NUMBER: _ClassVar[int]
    LOG_CONFIGURATION_FIELD_NUMBER: _ClassVar[int]
    name: str
    namespace: str
    type: str
    model: str
    frame: Frame
    depends_on: _containers.RepeatedScalarFieldContainer[str]
    service_configs: _containers.RepeatedCompositeFieldContainer[ResourceLevelServiceConfig]
    attributes: _struct_pb2.Struct
    api: str
    log_configuration: LogConfiguration
    def __init__(self, name: _Optional[str] = ..., namespace: _Optional[str] = ..., type: _Optional[str] = ..., model: _Optional[str] = ..., frame: _Optional[_Union[Frame, _Mapping]] = ..., depends_on: _Optional[_Iterable[str]] = ..., service_configs: _Optional[_Iterable[_Union[ResourceLevelServiceConfig, _Mapping]]] = ..., attributes: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., api: _Optional[str] = ..., log_configuration: _Optional[_Union[LogConfiguration, _Mapping]] = ...) -> None: ...

class Frame(_message.Message):
    __slots__ = ("parent", "translation", "orientation", "geometry")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    TRANSLATION_FIELD_NUMBER: _ClassVar[int]
    ORIENTATION_FIELD_NUMBER: _ClassVar[int]
    GEOMETRY_FIELD_NUMBER: _ClassVar[int]
    parent: str
    translation: Translation
    orientation: Orientation
    geometry: _common_pb2.Geometry
    def __init__(self, parent: _Optional[str] = ..., translation: _Optional[_Union[Translation, _Mapping]] = ..., orientation: _Optional[_Union[Orientation, _Mapping]] = ..., geometry: _Optional[_Union[_common_pb2.Geometry, _Mapping]] = ...) -> None: ...

class Orientation(_message.Message):
    __slots__ = ("no_orientation", "vector_radians", "vector_degrees", "euler_angles", "axis_angles", "quaternion")
    class NoOrientation(_message.Message):
        __slots__ = ()
        def __init__(self) -> None: ...
    class OrientationVectorRadians(_message.Message):
        __slots__ = ("theta", "x", "y", "z")
        THETA_FIELD_NUMBER: _ClassVar[int]
        X_FIELD_NUMBER: _ClassVar[int]
        Y_FIELD_NUMBER: _ClassVar[int]
        Z_FIELD_NUMBER: _ClassVar[int]
        theta: float
        x: float
        y: float
        z: float
        def __init__(self, theta: _Optional[float] = ..., x: _Optional[float] = ..., y: _Optional[float] = ..., z: _Optional[float] = ...) -> None: ...
    class OrientationVectorDegrees(_message.Message):
        __slots__ = ("theta", "x", "y", "z")
        THETA_FIELD_NUMBER: _ClassVar[int]
        X_FIELD_NUMBER: _ClassVar[int]
        Y_FIELD_NUMBER: _ClassVar[int]
        Z_FIELD_NUMBER: _ClassVar[int]
        theta: float
        x: float
        y: float
        z: float
        def __init__(self, theta: _Optional[float] = ..., x: _Optional[float] = ..., y: _Optional[float] = ..., z: _Optional[float] = ...) -> None: ...
    class EulerAngles(_message.Message):
        __slots__ = ("roll", "pitch", "yaw")
        ROLL_FIELD_NUMBER: _ClassVar[int]
        PITCH_FIELD_NUMBER: _ClassVar[int]
        YAW_FIELD_NUMBER: _ClassVar[int]
        roll: float
        pitch: float
        yaw: float
        def __init__(self, roll: _Optional[float] = ..., pitch: _Optional[float] = ..., yaw: _Optional[float] = ...) -> None: ...
    class AxisAngles(_message.Message):
        __slots__ = ("theta", "x", "y", "z")
        THETA_FIELD_NUMBER: _ClassVar[int]
        X_FIELD_NUMBER: _ClassVar[int]
        Y_FIELD_NUMBER: _ClassVar[int]
        Z_FIELD_NUMBER: _ClassVar[int]
        theta: float
        x: float
        y: float
        z: float
        def __init__(self, theta: _Optional[float] = ..., x: _Optional[float] = ..., y: _Optional[float] = ..., z: _Optional[float] = ...) -> None: ...
    class Quaternion(_message.Message):
        __slots__ = ("w", "x", "y", "z")
        W_FIELD_NUMBER: _ClassVar[int]
        X_FIELD_NUMBER: _ClassVar[int]
        Y_FIELD_NUMBER: _ClassVar[int]
        Z_FIELD_NUMBER: _ClassVar[int]
        w: float
        x: float
        y: float
        z: float
        def __init__(self, w: _Optional[float] = ..., x: _Optional[float] = ..., y: _Optional[float] = ..., z: _Optional[float] = ...) -> None: ...
    NO_ORIENTATION_FIELD_NUMBER: _ClassVar[int]
    VECTOR_RADIANS_FIELD_NUMBER: _ClassVar[int]
    VECTOR_DEGREES_FIELD_NUMBER: _ClassVar[int]
    EULER_ANGLES_FIELD_NUMBER: _ClassVar[int]
    AXIS_ANGLES_FIELD_NUMBER: _ClassVar[int]
    QUATERNION_FIELD_NUMBER: _ClassVar[int]
    no_orientation: Orientation.NoOrientation
    vector_radians: Orientation.OrientationVectorRadians
    vector_degrees: Orientation.OrientationVectorDegrees
    euler_angles: Orientation.EulerAngles
    axis_angles: Orientation.AxisAngles
    quaternion: Orientation.Quaternion
    def __init__(self, no_orientation: _Optional[_Union[Orientation.NoOrientation, _Mapping]] = ..., vector_radians: _Optional[_Union[Orientation.OrientationVectorRadians, _Mapping]] = ..., vector_degrees: _Optional[_Union[Orientation.OrientationVectorDegrees, _Mapping]] = ..., euler_angles: _Optional[_Union[Orientation.EulerAngles, _Mapping]] = ..., axis_angles: _Optional[_Union[Orientation.AxisAngles, _Mapping]] = ..., quaternion: _Optional[_Union[Orientation.Quaternion, _Mapping]] = ...) -> None: ...

class Translation(_message.Message):
    __slots__ = ("x", "y", "z")
    X_FIELD_NUMBER: _ClassVar[int]
    Y_FIELD_NUMBER: _ClassVar[int]
    Z_FIELD_NUMBER: _ClassVar[int]
    x: float
    y: float
    z: float
    def __init__(self, x: _Optional[float] = ..., y: _Optional[float] = ..., z: _Optional[float] = ...) -> None: ...

class RemoteConfig(_message.Message):
    __slots__ = ("name", "address", "frame", "auth", "managed_by", "insecure", "connection_check_interval", "reconnect_interval", "service_configs", "secret", "prefix")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    FRAME_FIELD_NUMBER: _ClassVar[int]
    AUTH_FIELD_NUMBER: _ClassVar[int]
    MANAGED_BY_FIELD_NUMBER: _ClassVar[int]
    INSECURE_FIELD_NUMBER: _ClassVar[int]
    CONNECTION_CHECK_INTERVAL_FIELD_NUMBER: _ClassVar[int]
    RECONNECT_INTERVAL_FIELD_NUMBER: _ClassVar[int]
    SERVICE_CONFIGS_FIELD_NUMBER: _ClassVar[int]
    SECRET_FIELD_NUMBER: _ClassVar[int]
    PREFIX_FIELD_NUMBER: _ClassVar[int]
    name: str
    address: str
    frame: Frame
    auth: RemoteAuth
    managed_by: str
    insecure: bool
    connection_check_interval: _duration_pb2.Duration
    reconnect_interval: _duration_pb2.Duration
    service_configs: _containers.RepeatedCompositeFieldContainer[ResourceLevelServiceConfig]
    secret: str
    prefix: str
    def __init__(self, name: _Optional[str] = ..., address: _Optional[str] = ..., frame: _Optional[_Union[Frame, _Mapping]] = ..., auth: _Optional[_Union[RemoteAuth, _Mapping]] = ..., managed_by: _Optional[str] = ..., insecure: _Optional[bool] = ..., connection_check_interval: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., reconnect_interval: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., service_configs: _Optional[_Iterable[_Union[ResourceLevelServiceConfig, _Mapping]]] = ..., secret: _Optional[str] = ..., prefix: _Optional[str] = ...) -> None: ...

class RemoteAuth(_message.Message):
    __slots__ = ("credentials", "entity")
    class Credentials(_message.Message):
        __slots__ = ("type", "payload")
        TYPE_FIELD_NUMBER: _ClassVar[int]
        PAYLOAD_FIELD_NUMBER: _ClassVar[int]
        type: CredentialsType
        payload: str
        def __init__(self, type: _Optional[_Union[CredentialsType, str]] = ..., payload: _Optional[str] = ...) -> None: ...
    CREDENTIALS_FIELD_NUMBER: _ClassVar[int]
    ENTITY_FIELD_NUMBER: _ClassVar[int]
    credentials: RemoteAuth.Credentials
    entity: str
    def __init__(self, credentials: _Optional[_Union[RemoteAuth.Credentials, _Mapping]] = ..., entity: _Optional[str] = ...) -> None: ...

class CloudConfig(_message.Message):
    __slots__ = ("id", "fqdn", "local_fqdn", "managed_by", "signaling_address", "signaling_insecure", "location_secret", "secret", "location_secrets", "primary_org_id", "location_id", "machine_id")
    ID_FIELD_NUMBER: _ClassVar[int]
    FQDN_FIELD_NUMBER: _ClassVar[int]
    LOCAL_FQDN_FIELD_NUMBER: _ClassVar[int]
    MANAGED_BY_FIELD_NUMBER: _ClassVar[int]
    SIGNALING_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    SIGNALING_INSECURE_FIELD_NUMBER: _ClassVar[int]
    LOCATION_SECRET_FIELD_NUMBER: _ClassVar[int]
    SECRET_FIELD_NUMBER: _ClassVar[int]
    LOCATION_SECRETS_FIELD_NUMBER: _ClassVar[int]
    PRIMARY_ORG_ID_FIELD_NUMBER: _ClassVar[int]
    LOCATION_ID_FIELD_NUMBER: _ClassVar[int]
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    fqdn: str
    local_fqdn: str
    managed_by: str
    signaling_address: str
    signaling_insecure: bool
    location_secret: str
    secret: str
    location_secrets: _containers.RepeatedCompositeFieldContainer[LocationSecret]
    primary_org_id: str
    location_id: str
    machine_id: str
    def __init__(self, id: _Optional[str] = ..., fqdn: _Optional[str] = ..., local_fqdn: _Optional[str] = ..., managed_by: _Optional[str] = ..., signaling_address: _Optional[str] = ..., signaling_insecure: _Optional[bool] = ..., location_secret: _Optional[str] = ..., secret: _Optional[str] = ..., location_secrets: _Optional[_Iterable[_Union[LocationSecret, _Mapping]]] = ..., primary_org_id: _Optional[str] = ..., location_id: _Optional[str] = ..., machine_id: _Optional[str] = ...) -> None: ...

class LocationSecret(_message.Message):
    __slots__ = ("id", "secret")
    ID_FIELD_NUMBER: _ClassVar[int]
    SECRET_FIELD_NUMBER: _ClassVar[int]
    id: str
    secret: str
    def __init__(self, id: _Optional[str] = ..., secret: _Optional[str] = ...) -> None: ...

class NeedsRestartRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class NeedsRestartResponse(_message.Message):
    __slots__ = ("id", "must_restart", "restart_check_interval")
    ID_FIELD_NUMBER: _ClassVar[int]
    MUST_RESTART_FIELD_NUMBER: _ClassVar[int]
    RESTART_CHECK_INTERVAL_FIELD_NUMBER: _ClassVar[int]
    id: str
    must_restart: bool
    restart_check_interval: _duration_pb2.Duration
    def __init__(self, id: _Optional[str] = ..., must_restart: _Optional[bool] = ..., restart_check_interval: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

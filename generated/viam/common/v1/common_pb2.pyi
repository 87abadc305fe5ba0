import datetime

from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class LogEntry(_message.Message):
    __slots__ = ("host", "level", "time", "logger_name", "message", "caller", "stack", "fields")
    HOST_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    LOGGER_NAME_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    CALLER_FIELD_NUMBER: _ClassVar[int]
    STACK_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    host: str
    level: str
    time: _timestamp_pb2.Timestamp
    logger_name: str
    message: str
    caller: _struct_pb2.Struct
    stack: str
    fields: _containers.RepeatedCompositeFieldContainer[_struct_pb2.Struct]
    def __init__(self, host: _Optional[str] = ..., level: _Optional[str] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., logger_name: _Optional[str] = ..., message: _Optional[str] = ..., caller: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., stack: _Optional[str] = ..., fields: _Optional[_Iterable[_Union[_struct_pb2.Struct, _Mapping]]] = ...) -> None: ...

class ResourceName(_message.Message):
    __slots__ = ("namespace", "type", "subtype", "name")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    SUBTYPE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    type: str
    subtype: str
    name: str
    def __init__(self, namespace: _Optional[str] = ..., type: _Optional[str] = ..., subtype: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class Geometry(_message.Message):
    __slots__ = ("center", "sphere", "box", "capsule", "mesh", "pointcloud", "label")
    CENTER_FIELD_NUMBER: _ClassVar[int]
    SPHERE_FIELD_NUMBER: _ClassVar[int]
    BOX_FIELD_NUMBER: _ClassVar[int]
    CAPSULE_FIELD_NUMBER: _ClassVar[int]
    MESH_FIELD_NUMBER: _ClassVar[int]
    POINTCLOUD_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    center: Pose
    sphere: Sphere
    box: RectangularPrism
    capsule: Capsule
    mesh: Mesh
    pointcloud: PointCloud
    label: str
    def __init__(self, center: _Optional[_Union[Pose, _Mapping]] = ..., sphere: _Optional[_Union[Sphere, _Mapping]] = ..., box: _Optional[_Union[RectangularPrism, _Mapping]] = ..., capsule: _Optional[_Union[Capsule, _Mapping]] = ..., mesh: _Optional[_Union[Mesh, _Mapping]] = ..., pointcloud: _Optional[_Union[PointCloud, _Mapping]] = ..., label: _Optional[str] = ...) -> None: ...

class PointCloud(_message.Message):
    __slots__ = ("point_cloud",)
    POINT_CLOUD_FIELD_NUMBER: _ClassVar[int]
    point_cloud: bytes
    def __init__(self, point_cloud: _Optional[bytes] = ...) -> None: ...

class Mesh(_message.Message):
    __slots__ = ("content_type", "mesh", "original_file_source_path_diagnostic")
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    MESH_FIELD_NUMBER: _ClassVar[int]
    ORIGINAL_FILE_SOURCE_PATH_DIAGNOSTIC_FIELD_NUMBER: _ClassVar[int]
    content_type: str
    mesh: bytes
    original_file_source_path_diagnostic: str
    def __init__(self, content_type: _Optional[str] = ..., mesh: _Optional[bytes] = ..., original_file_source_path_diagnostic: _Optional[str] = ...) -> None: ...

class Capsule(_message.Message):
    __slots__ = ("radius_mm", "length_mm")
    RADIUS_MM_FIELD_NUMBER: _ClassVar[int]
    LENGTH_MM_FIELD_NUMBER: _ClassVar[int]
    radius_mm: float
    length_mm: float
    def __init__(self, radius_mm: _Optional[float] = ..., length_mm: _Optional[float] = ...) -> None: ...

class RectangularPrism(_message.Message):
    __slots__ = ("dims_mm",)
    DIMS_MM_FIELD_NUMBER: _ClassVar[int]
    dims_mm: Vector3
    def __init__(self, dims_mm: _Optional[_Union[Vector3, _Mapping]] = ...) -> None: ...

class Vector3(_message.Message):
    __slots__ = ("x", "y", "z")
    X_FIELD_NUMBER: _ClassVar[int]
    Y_FIELD_NUMBER: _ClassVar[int]
    Z_FIELD_NUMBER: _ClassVar[int]
    x: float
    y: float
    z: float
    def __init__(self, x: _Optional[float] = ..., y: _Optional[float] = ..., z: _Optional[float] = ...) -> None: ...

class Sphere(_message.Message):
    __slots__ = ("radius_mm",)
    RADIUS_MM_FIELD_NUMBER: _ClassVar[int]
    radius_mm: float
    def __init__(self, radius_mm: _Optional[float] = ...) -> None: ...

class Pose(_message.Message):
    __slots__ = ("x", "y", "z", "o_x", "o_y", "o_z", "theta")
    X_FIELD_NUMBER: _ClassVar[int]
    Y_FIELD_NUMBER: _ClassVar[int]
    Z_FIELD_NUMBER: _ClassVar[int]
    O_X_FIELD_NUMBER: _ClassVar[int]
    O_Y_FIELD_NUMBER: _ClassVar[int]
    O_Z_FIELD_NUMBER: _ClassVar[int]
    THETA_FIELD_NUMBER: _ClassVar[int]
    x: float
    y: float
    z: float
    o_x: float
    o_y: float
    o_z: float
    theta: float
    def __init__(self, x: _Optional[float] = ..., y: _Optional[float] = ..., z: _Optional[float] = ..., o_x: _Optional[float] = ..., o_y: _Optional[float] = ..., o_z: _Optional[float] = ..., theta: _Optional[float] = ...) -> None: ...

"""Server reflection that also resolves method names (grpcurl describe pkg.Service.Method).

grpcio-reflection asks the descriptor pool for the file containing a symbol;
protobuf's upb pool indexes services but not their methods, so a method name
would be NOT_FOUND. This pool wrapper falls back to the method's service.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import grpc
from google.protobuf import descriptor_pool
from grpc_reflection.v1alpha import reflection


class _MethodAwarePool:
    def __init__(self, pool: descriptor_pool.DescriptorPool):
        self._pool = pool

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pool, name)

    def FindFileContainingSymbol(self, symbol: str) -> Any:  # noqa: N802 (protobuf's name)
        try:
            return self._pool.FindFileContainingSymbol(symbol)
        except KeyError:
            service_name, _, method_name = symbol.rpartition(".")
            service = self._pool.FindServiceByName(service_name)  # KeyError: a real NOT_FOUND
            if method_name not in service.methods_by_name:
                raise
            return service.file


def enable_reflection(server: grpc.aio.Server, service_names: Iterable[str]) -> None:
    names = (*service_names, reflection.SERVICE_NAME)
    reflection.enable_server_reflection(names, server, pool=_MethodAwarePool(descriptor_pool.Default()))

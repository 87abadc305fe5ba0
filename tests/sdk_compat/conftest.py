"""Fixtures for the viam-sdk compatibility suite (see sdk_helpers.py for how it connects).

Runs in its own pytest process (tests/test_sdk_compat.py starts it): viam-sdk and
our generated code both register `viam.app.v1` and must not share a process.
"""

from __future__ import annotations

from typing import Any

import pytest
from sdk_helpers import BOOTSTRAP_ORG_NAME, AppClient, SdkServer, ServerProcess, bootstrap, unique


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def sdk_server(tmp_path_factory: pytest.TempPathFactory) -> Any:
    data_dir = tmp_path_factory.mktemp("sdk-fleet") / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    boot = bootstrap(data_dir, BOOTSTRAP_ORG_NAME)
    process = ServerProcess(data_dir).start()
    try:
        yield SdkServer(process=process, boot=boot)
    finally:
        process.stop()


@pytest.fixture
def org_id(sdk_server: SdkServer) -> str:
    """A fresh organization created through the SDK (the bootstrap key becomes its owner)."""

    async def body(app: AppClient) -> str:
        return (await app.create_organization(unique("org"))).id

    return sdk_server.run(body)

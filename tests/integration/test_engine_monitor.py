"""The engine monitor gives its connection back when it stops watching."""

from __future__ import annotations

import docker
import pytest
from pytestqt.qtbot import QtBot

from tests.harness.engine import EngineHandle
from tests.qtsupport import MakeContext

pytestmark = pytest.mark.engine


def pooled_connections(api: docker.APIClient) -> int:
    return sum(len(getattr(adapter, "pools", ())) for adapter in api.adapters.values())


def test_stopping_the_monitor_closes_its_engine_connection(
        make_ctx: MakeContext, qtbot: QtBot, test_engine: EngineHandle) -> None:
    # Left open, the client's socket was closed by whichever garbage collection came
    # next, in the middle of another test, as a ResourceWarning (CI failed on it once).
    ctx = make_ctx({"DOCKER_HOST": test_engine.docker_host})
    with qtbot.waitSignal(ctx.engine.connected, timeout=30_000):
        ctx.engine.start()
    engine = ctx.engine.engine
    assert engine is not None
    engine.api.ping()
    assert pooled_connections(engine.api) >= 1
    ctx.engine.stop()
    assert pooled_connections(engine.api) == 0

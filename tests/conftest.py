"""Shared fixtures: a real engine, real registries, the test base image, the app context.

Qt must be told to run offscreen before anything imports it.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_API", "pyside6")

import gc
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from tests.harness.base_image import ensure_base_image
from tests.harness.engine import EngineHandle, start_engine
from tests.harness.registry import RegistryHandle, start_registry


@pytest.fixture(autouse=True)
def _collect_garbage_after_each_test() -> Iterator[None]:
    """An unclosed socket or file is reported (ResourceWarning, an error here) when the
    collector frees it: collecting after every test pins the report on the test that
    leaked it, not on whichever test a later collection happened to fall in."""
    yield
    gc.collect()


@pytest.fixture(scope="session")
def test_engine() -> Iterator[EngineHandle]:
    engine = start_engine()
    old = os.environ.get("DOCKER_HOST")
    os.environ["DOCKER_HOST"] = engine.docker_host  # the app resolves it like the CLI would
    yield engine
    if old is None:
        os.environ.pop("DOCKER_HOST", None)
    else:
        os.environ["DOCKER_HOST"] = old
    engine.stop()


@pytest.fixture(scope="session")
def engine_api(test_engine: EngineHandle) -> Iterator[docker.APIClient]:
    api = docker.APIClient(base_url=test_engine.docker_host, version="auto", timeout=120)
    yield api
    api.close()


@pytest.fixture(scope="session")
def base_image(engine_api: docker.APIClient) -> str:
    """The name of the imported busybox-static base image."""
    from tests.harness.base_image import BASE_IMAGE

    ensure_base_image(engine_api)
    return BASE_IMAGE


@pytest.fixture(scope="session")
def registry() -> Iterator[RegistryHandle]:
    reg = start_registry(tls=False)
    yield reg
    reg.stop()


@pytest.fixture(scope="session")
def tls_registry() -> Iterator[RegistryHandle]:
    reg = start_registry(tls=True)
    yield reg
    reg.stop()


@pytest.fixture
def containers_before(engine_api: docker.APIClient) -> set[str]:
    return {c["Id"] for c in engine_api.containers(all=True)}


def new_containers(api: docker.APIClient, before: set[str]) -> list[str]:
    return [c["Id"] for c in api.containers(all=True) if c["Id"] not in before]


@pytest.fixture
def context_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "context"
    folder.mkdir()
    return folder

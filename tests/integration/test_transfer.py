"""Pull with per-layer progress from the real test registry; cancel leaves the engine clean."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator

import docker
import pytest

from tests.harness.images import RegistryAccess, build_layered, push_tags, read_manifest
from tests.harness.registry import RegistryHandle
from workbench.engine import Engine, connect
from workbench.transfer import (
    LayerPhase,
    LayerUpdate,
    PullCancelled,
    PullDone,
    PullEvent,
    PullFailed,
    PullProgress,
    PullRun,
    PullStarted,
)

pytestmark = [pytest.mark.engine, pytest.mark.registry]

LAYERS = [24_000_000, 24_000_000, 24_000_000, 24_000_000]


@pytest.fixture(scope="module")
def engine(test_engine: object) -> Iterator[Engine]:
    eng = connect()
    yield eng
    eng.close()


@pytest.fixture(scope="module")
def big_image(engine_api: docker.APIClient, base_image: str, registry: RegistryHandle) -> str:
    """A five-layer image (busybox + four random 24 MB layers) in the plain registry."""
    local = "workbench-test/transfer-big:build"
    build_layered(engine_api, base_image, local, LAYERS)
    push_tags(engine_api, local, registry.host, "workbench-test/transfer-big", ["1"])
    engine_api.remove_image(local)
    return f"{registry.host}/workbench-test/transfer-big:1"


def _remove(api: docker.APIClient, reference: str) -> None:
    with contextlib.suppress(docker.errors.NotFound):
        api.remove_image(reference, force=True)


def _dangling(api: docker.APIClient) -> set[str]:
    return {i["Id"] for i in api.images(filters={"dangling": True})}


def test_pull_reports_every_layer_and_the_bytes(engine: Engine, engine_api: docker.APIClient,
                                                big_image: str,
                                                registry: RegistryHandle) -> None:
    _remove(engine_api, big_image)
    events: list[PullEvent] = list(PullRun(engine, big_image))
    progress = PullProgress()
    for event in events:
        progress.feed(event)
    assert isinstance(events[0], PullStarted)
    assert isinstance(events[-1], PullDone), events[-1]
    assert events[-1].digest and events[-1].digest.startswith("sha256:")
    _, manifest = read_manifest(RegistryAccess(registry.url), "workbench-test/transfer-big", "1")
    sizes = [int(layer["size"]) for layer in manifest["layers"]]
    assert len(progress.layers) == len(sizes) == len(LAYERS) + 1
    assert all(layer.phase.finished for layer in progress.layers.values())
    downloaded = [layer for layer in progress.layers.values()
                  if layer.phase is LayerPhase.COMPLETE]
    # The base layer is already on the engine; the four random ones were downloaded.
    assert len(downloaded) >= len(LAYERS)
    assert sorted(layer.size for layer in downloaded) == sorted(sizes)[-len(downloaded):]
    assert progress.total_bytes == progress.downloaded_bytes == sum(
        layer.size for layer in downloaded)
    assert progress.fraction == 1.0
    seen_partial = [e for e in events if isinstance(e, LayerUpdate)
                    and e.phase is LayerPhase.DOWNLOADING and 0 < e.current < e.total]
    assert seen_partial, "progress inside a layer was reported"
    assert engine_api.inspect_image(big_image)["RepoTags"] == [big_image]

    again = list(PullRun(engine, big_image))
    assert isinstance(again[-1], PullDone) and again[-1].up_to_date


def test_cancel_mid_pull_leaves_the_engine_consistent(engine: Engine,
                                                      engine_api: docker.APIClient,
                                                      big_image: str) -> None:
    _remove(engine_api, big_image)
    dangling_before = _dangling(engine_api)
    run = PullRun(engine, big_image)
    events: list[PullEvent] = []
    for event in run:
        events.append(event)
        if (isinstance(event, LayerUpdate) and event.phase is LayerPhase.DOWNLOADING
                and event.current > 0 and not run.cancelled):
            threading.Thread(target=run.cancel).start()  # from another thread, as the UI does
    last = events[-1]
    assert isinstance(last, PullCancelled), last
    assert not last.image_present
    assert not any(isinstance(e, PullDone | PullFailed) for e in events)
    # The daemon drops the partial pull: no tag, no half image, nothing dangling.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        tags = [t for i in engine_api.images() for t in (i.get("RepoTags") or [])]
        if big_image not in tags and _dangling(engine_api) == dangling_before:
            break
        time.sleep(0.2)
    tags = [t for i in engine_api.images() for t in (i.get("RepoTags") or [])]
    assert big_image not in tags
    assert _dangling(engine_api) == dangling_before
    with pytest.raises(docker.errors.ImageNotFound):
        engine_api.inspect_image(big_image)
    # And the engine takes the same pull again, completely.
    again = list(PullRun(engine, big_image))
    assert isinstance(again[-1], PullDone), again[-1]
    assert engine_api.inspect_image(big_image)["RepoTags"] == [big_image]


def test_cancel_before_start_and_a_missing_tag(engine: Engine, registry: RegistryHandle) -> None:
    run = PullRun(engine, f"{registry.host}/workbench-test/transfer-big:1")
    run.cancel()
    events = list(run)
    assert isinstance(events[-1], PullCancelled)

    missing = list(PullRun(engine, f"{registry.host}/workbench-test/nothing-here:9"))
    assert isinstance(missing[-1], PullFailed)
    assert "check the name and the tag" in missing[-1].message

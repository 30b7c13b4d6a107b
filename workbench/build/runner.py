"""Run one classic-builder build as a plain, cancellable generator of events."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import docker.errors
import requests
from docker.types import CancellableStream

from workbench.build.events import (
    BuildCancelled,
    BuildEvent,
    BuildFailed,
    BuildSucceeded,
    ContainerRemoved,
    ContainerStarted,
    LayerSizes,
    StageFinished,
)
from workbench.build.request import BuildRequest, pack_context
from workbench.build.stream import BuildStreamParser, decode_json_lines
from workbench.cancelling import StreamCanceller
from workbench.engine import Engine
from workbench.explain import explain_api_error, parse_error_line
from workbench.reference import split_tag

LEFTOVER_WAIT_S = 10.0


class BuildRun:
    """Iterate to run the build; call ``cancel()`` from any thread to stop it.

    Cancelling shuts the response socket: the daemon stops at once and
    force-removes the running step's container. We then wait for that removal
    and remove anything the daemon left behind, so no container survives.
    """

    def __init__(self, engine: Engine, request: BuildRequest,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.engine = engine
        self.request = request
        self._clock = clock
        self._canceller = StreamCanceller()

    @property
    def cancelled(self) -> bool:
        return self._canceller.cancelled

    def cancel(self) -> None:
        self._canceller.cancel()

    def __iter__(self) -> Iterator[BuildEvent]:
        api = self.engine.new_client(timeout=None)
        self._canceller.watch(api)
        fileobj, dockerfile_name = pack_context(self.request)
        parser = BuildStreamParser(self._clock)
        running: set[str] = set()
        stage_images: list[str] = []
        try:
            if self.cancelled:
                yield BuildCancelled(0, self._clock())
                return
            try:
                raw = api.build(
                    fileobj=fileobj, custom_context=True, dockerfile=dockerfile_name,
                    tag=self.request.tags[0] if self.request.tags else None,
                    rm=True, forcerm=True, decode=False,
                    nocache=self.request.no_cache, pull=self.request.pull,
                    buildargs=dict(self.request.build_args) or None,
                    target=self.request.target or None,
                    labels=dict(self.request.labels) or None,
                    platform=self.request.platform or None,
                )
                chunks = iter(raw)
                first_chunk = next(chunks, None)  # a pre-stream daemon error raises here
            except docker.errors.APIError as exc:
                yield BuildFailed(0, self._clock(), explain_api_error(exc), None,
                                  parse_error_line(str(exc.explanation or "")))
                return
            cancelled_early = self.cancelled
            stream = self._canceller.attach(chunks)
            pending = [first_chunk] if first_chunk is not None and not cancelled_early else []
            for obj in decode_json_lines(_chain(pending, stream)):
                for event in parser.feed(obj):
                    if isinstance(event, ContainerStarted):
                        running.add(event.container_id)
                    elif isinstance(event, ContainerRemoved):
                        running.discard(event.container_id)
                    elif isinstance(event, StageFinished):
                        stage_images.append(event.image_id)
                    yield event
            if self.cancelled:
                removed = _remove_leftovers(self.engine, running)
                yield BuildCancelled(parser.step, self._clock(), tuple(removed))
                return
            final = parser.finish()
            if parser.failure is not None:
                if running:
                    _remove_leftovers(self.engine, running)
                yield from final
                return
            image_id = parser.final_id or parser.built_id
            for extra in self.request.tags[1:]:
                repo, tag = split_tag(extra)
                api.tag(image_id, repo, tag)
            sizes: dict[str, int] = {}
            for stage_image in dict.fromkeys([*stage_images, image_id]):
                sizes.update(_layer_sizes(api, stage_image))
            if sizes:
                yield LayerSizes(parser.step, self._clock(), sizes)
            for event in final:
                if isinstance(event, BuildSucceeded):
                    event = BuildSucceeded(event.step, event.at, event.image_id,
                                           tuple(dict.fromkeys((*event.tags,
                                                                *self.request.tags[1:]))))
                yield event
        finally:
            fileobj.close()
            api.close()


def _layer_sizes(api: docker.APIClient, image_id: str | None) -> dict[str, int]:
    """Each step's layer size: the classic builder's step images are the history ids."""
    if not image_id:
        return {}
    try:
        history = api.history(image_id)
    except docker.errors.APIError:
        return {}
    return {str(h["Id"]).removeprefix("sha256:")[:12]: int(h.get("Size") or 0)
            for h in history if str(h.get("Id", "")).startswith("sha256:")}


def _chain(first: list[bytes], rest: CancellableStream) -> Iterator[bytes]:
    yield from first
    yield from rest


def _remove_leftovers(engine: Engine, container_ids: set[str]) -> list[str]:
    """Wait for the daemon to drop the step containers, then remove stragglers."""
    if not container_ids:
        return []
    try:
        engine.ping()
    except (ConnectionError, docker.errors.DockerException, requests.RequestException):
        return []  # the engine itself is gone: it took its containers' state with it
    api = engine.new_client(timeout=30)
    removed: list[str] = []
    try:
        deadline = time.monotonic() + LEFTOVER_WAIT_S
        remaining = set(container_ids)
        while remaining and time.monotonic() < deadline:
            for cid in list(remaining):
                if not api.containers(all=True, filters={"id": cid}):
                    remaining.discard(cid)
            if remaining:
                time.sleep(0.2)
        for cid in remaining:
            try:
                api.remove_container(cid, force=True, v=True)
                removed.append(cid)
            except docker.errors.NotFound:
                pass
    except (docker.errors.DockerException, requests.RequestException):
        pass  # the engine went away; nothing more we can do from here
    finally:
        api.close()
    return removed

"""Pull an image with per-layer progress, as a plain cancellable generator.

API (no Qt; run it off the GUI thread, e.g. ``ctx.tasks.stream(lambda: run, ...)``)::

    run = PullRun(engine, "127.0.0.1:5000/app:1")   # auth_config=None: the user's
    progress = PullProgress()                       # docker credentials (config.json,
    for event in run:                               # credential helpers), like the CLI
        progress.feed(event)                        # per-layer state and byte totals
        ...                                         # run.cancel() from any thread

Events, in order (all frozen dataclasses):

- ``PullStarted(reference)`` — once, first.
- ``PullLine(text)`` — the daemon's general lines ("Pulling from …", "Digest: …").
- ``LayerUpdate(layer_id, phase, current, total)`` — one layer moved on; ``phase``
  is a :class:`LayerPhase`; ``current``/``total`` are compressed bytes while
  downloading or extracting (``total`` 0 when the daemon does not say).
- exactly one of, last:
  ``PullDone(reference, digest, up_to_date)``,
  ``PullFailed(reference, message)`` (plain words, from ``workbench.explain``),
  ``PullCancelled(reference, image_present)`` (``image_present``: the pull had
  already completed when the cancel arrived).

``PullProgress`` folds events into ``layers`` (id → ``LayerState``, in first-seen
order), ``downloaded_bytes``, ``total_bytes`` and ``fraction``; the picker and the
image list's Pull action both use it, so they agree on the numbers.

Cancel closes the response socket (the daemon cancels the pull's context and
discards partial downloads, so no tag and no half image stays behind). Each run
uses its own engine client so closing it cannot disturb other calls.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import docker.errors
import requests

from workbench.cancelling import StreamCanceller
from workbench.engine import Engine
from workbench.explain import explain, explain_pull_message


class LayerPhase(enum.Enum):
    WAITING = "waiting"
    DOWNLOADING = "downloading"
    VERIFYING = "verifying"
    DOWNLOADED = "downloaded"
    EXTRACTING = "extracting"
    COMPLETE = "complete"
    EXISTS = "already here"  # the engine had the layer: nothing to download

    @property
    def finished(self) -> bool:
        return self in (LayerPhase.COMPLETE, LayerPhase.EXISTS)


# The daemon's status words (moby distribution/pull_v2.go, progress output).
_PHASES: dict[str, LayerPhase] = {
    "pulling fs layer": LayerPhase.WAITING,
    "waiting": LayerPhase.WAITING,
    "downloading": LayerPhase.DOWNLOADING,
    "retrying": LayerPhase.DOWNLOADING,
    "verifying checksum": LayerPhase.VERIFYING,
    "download complete": LayerPhase.DOWNLOADED,
    "extracting": LayerPhase.EXTRACTING,
    "pull complete": LayerPhase.COMPLETE,
    "already exists": LayerPhase.EXISTS,
}


@dataclass(frozen=True)
class PullStarted:
    reference: str


@dataclass(frozen=True)
class PullLine:
    text: str


@dataclass(frozen=True)
class LayerUpdate:
    layer_id: str
    phase: LayerPhase
    current: int = 0
    total: int = 0


@dataclass(frozen=True)
class PullDone:
    reference: str
    digest: str | None
    up_to_date: bool


@dataclass(frozen=True)
class PullFailed:
    reference: str
    message: str


@dataclass(frozen=True)
class PullCancelled:
    reference: str
    image_present: bool


PullEvent = PullStarted | PullLine | LayerUpdate | PullDone | PullFailed | PullCancelled


def parse_pull_line(obj: Mapping[str, Any]) -> PullEvent | None:
    """One JSON object of the daemon's pull stream → an event (None: nothing to show).

    Errors are not handled here: ``PullRun`` turns them into ``PullFailed``.
    """
    status = str(obj.get("status") or "").strip()
    layer = obj.get("id")
    if not status:
        return None
    phase = _PHASES.get(status.lower())
    if phase is not None and isinstance(layer, str):
        detail = obj.get("progressDetail") or {}
        current = int(detail.get("current") or 0)
        total = int(detail.get("total") or 0)
        return LayerUpdate(layer, phase, current, total)
    if isinstance(layer, str) and status.startswith("Pulling from"):
        return PullLine(f"{status} (tag {layer})")
    return PullLine(status)


@dataclass
class LayerState:
    layer_id: str
    phase: LayerPhase = LayerPhase.WAITING
    downloaded: int = 0  # compressed bytes received so far
    size: int = 0  # compressed size, once the daemon has said it (0 = not known)
    extracted: int = 0

    @property
    def phase_fraction(self) -> float:
        """0..1 within the current phase (downloading, then extracting), as the CLI's bars."""
        if self.phase.finished:
            return 1.0
        if self.phase is LayerPhase.EXTRACTING and self.size:
            return min(1.0, self.extracted / self.size)
        if self.phase in (LayerPhase.VERIFYING, LayerPhase.DOWNLOADED):
            return 1.0
        if self.size:
            return min(1.0, self.downloaded / self.size)
        return 0.0

    @property
    def phase_bytes(self) -> int:
        """Bytes done in the current phase (extracted while extracting, else downloaded)."""
        return self.extracted if self.phase is LayerPhase.EXTRACTING else self.downloaded

    @property
    def fraction(self) -> float:
        """0..1 of the whole layer: download is the first 70 %, extraction the rest."""
        if self.phase.finished:
            return 1.0
        if self.phase in (LayerPhase.VERIFYING, LayerPhase.DOWNLOADED):
            return 0.7
        if self.phase is LayerPhase.EXTRACTING and self.size:
            return 0.7 + 0.3 * min(1.0, self.extracted / self.size)
        if self.size:
            return 0.7 * min(1.0, self.downloaded / self.size)
        return 0.0


@dataclass
class PullProgress:
    """Per-layer state and byte totals, folded from events (plain data, no threads)."""

    layers: dict[str, LayerState] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)
    outcome: PullDone | PullFailed | PullCancelled | None = None

    def feed(self, event: PullEvent) -> LayerState | None:
        """Apply one event; returns the layer it changed, if any."""
        if isinstance(event, LayerUpdate):
            state = self.layers.setdefault(event.layer_id, LayerState(event.layer_id))
            state.phase = event.phase
            if event.phase is LayerPhase.DOWNLOADING:
                state.downloaded = event.current
                state.size = event.total or state.size
            elif event.phase is LayerPhase.EXTRACTING:
                state.extracted = event.current
                state.size = state.size or event.total
                state.downloaded = state.size
            elif event.phase in (LayerPhase.DOWNLOADED, LayerPhase.VERIFYING,
                                 LayerPhase.COMPLETE):
                state.downloaded = state.size or state.downloaded
            return state
        if isinstance(event, PullLine):
            self.lines.append(event.text)
        elif isinstance(event, PullDone | PullFailed | PullCancelled):
            self.outcome = event
        return None

    @property
    def downloaded_bytes(self) -> int:
        return sum(layer.downloaded for layer in self.layers.values())

    @property
    def total_bytes(self) -> int:
        """Compressed bytes to download, as far as the daemon has told us so far."""
        return sum(layer.size for layer in self.layers.values())

    @property
    def fraction(self) -> float:
        todo = [layer for layer in self.layers.values() if layer.phase is not LayerPhase.EXISTS]
        if not todo:
            return 1.0 if self.outcome is not None else 0.0
        return sum(layer.fraction for layer in todo) / len(todo)


def split_for_pull(reference: str) -> tuple[str, str]:
    """``repo[:tag][@digest]`` → (repository, tag or digest) for the pull endpoint."""
    name, at, digest = reference.partition("@")
    if at:
        return name.rsplit(":", 1)[0] if ":" in name.rsplit("/", 1)[-1] else name, digest
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        repo, _, tag = name.rpartition(":")
        return repo, tag
    return name, "latest"


class PullRun:
    """Iterate to pull ``reference``; ``cancel()`` from any thread stops it.

    ``auth_config=None`` lets the docker SDK send the user's own credentials for
    the image's registry (``~/.docker/config.json`` and credential helpers).
    """

    def __init__(self, engine: Engine, reference: str,
                 auth_config: Mapping[str, str] | None = None,
                 platform: str | None = None) -> None:
        self.engine = engine
        self.reference = reference
        self.auth_config = dict(auth_config) if auth_config is not None else None
        self.platform = platform
        self._canceller = StreamCanceller()

    @property
    def cancelled(self) -> bool:
        return self._canceller.cancelled

    def cancel(self) -> None:
        self._canceller.cancel()

    def __iter__(self) -> Iterator[PullEvent]:
        yield PullStarted(self.reference)
        repository, tag = split_for_pull(self.reference)
        api = self.engine.new_client(timeout=None)
        self._canceller.watch(api)
        try:
            if self.cancelled:
                yield PullCancelled(self.reference, False)
                return
            try:
                raw = api.pull(repository, tag=tag, stream=True, decode=True,
                               auth_config=self.auth_config, platform=self.platform)
            except docker.errors.APIError as exc:  # refused before the stream began
                yield PullFailed(self.reference,
                                 explain_pull_message(str(exc.explanation or exc)))
                return
            except (docker.errors.DockerException, requests.RequestException) as exc:
                yield PullFailed(self.reference, explain(exc))
                return
            stream = self._canceller.attach(raw)
            digest: str | None = None
            up_to_date = False
            try:
                for obj in stream:
                    if "error" in obj or "errorDetail" in obj:
                        detail = obj.get("errorDetail") or {}
                        message = str(detail.get("message") or obj.get("error") or "")
                        yield PullFailed(self.reference, explain_pull_message(message))
                        return
                    event = parse_pull_line(obj)
                    if isinstance(event, PullLine):
                        if event.text.startswith("Digest: "):
                            digest = event.text.removeprefix("Digest: ").strip()
                        up_to_date = up_to_date or "Image is up to date" in event.text
                    if event is not None:
                        yield event
            except (requests.RequestException, OSError, ValueError,
                    AttributeError) as exc:
                # Closing the socket from another thread surfaces as one of these.
                if not self.cancelled:
                    yield PullFailed(self.reference, explain(exc))
                    return
            if self.cancelled:
                yield PullCancelled(self.reference, self._image_present(api))
                return
            yield PullDone(self.reference, digest, up_to_date)
        finally:
            api.close()

    def _image_present(self, api: docker.APIClient) -> bool:
        try:
            api.inspect_image(self.reference)
            return True
        except (docker.errors.DockerException, requests.RequestException):
            return False


"""Typed events made from the classic builder's JSON stream.

``step`` is the 1-based step number the event belongs to (0 before the first
``Step`` line). ``at`` is the client's monotonic clock when the event was
parsed: the daemon sends no timestamps, so durations come from these.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Stream = Literal["stdout", "stderr"]


@dataclass(frozen=True)
class BuildEvent:
    step: int
    at: float


@dataclass(frozen=True)
class StepStarted(BuildEvent):
    total: int
    instruction: str


@dataclass(frozen=True)
class UsingCache(BuildEvent):
    pass


@dataclass(frozen=True)
class ContainerStarted(BuildEvent):
    container_id: str


@dataclass(frozen=True)
class ContainerRemoved(BuildEvent):
    container_id: str


@dataclass(frozen=True)
class LayerCommitted(BuildEvent):
    image_id: str


@dataclass(frozen=True)
class Output(BuildEvent):
    """Consecutive lines of one stream, as one event: a RUN printing 200,000 lines
    arrives in a few hundred daemon messages, and one event per message (not per
    line) is what keeps the GUI thread and the garbage collector out of the way."""

    lines: tuple[str, ...]
    stream: Stream


@dataclass(frozen=True)
class DaemonWarning(BuildEvent):
    text: str


@dataclass(frozen=True)
class PullProgress(BuildEvent):
    layer: str
    status: str
    current: int | None
    total: int | None


@dataclass(frozen=True)
class StageFinished(BuildEvent):
    image_id: str


@dataclass(frozen=True)
class LayerSizes(BuildEvent):
    """Sizes of the layers the build produced, by 12-character id (from image history)."""

    sizes: dict[str, int]


@dataclass(frozen=True)
class BuildSucceeded(BuildEvent):
    image_id: str
    tags: tuple[str, ...]


@dataclass(frozen=True)
class BuildFailed(BuildEvent):
    message: str
    exit_code: int | None
    line: int | None = None  # a Dockerfile line the daemon named (parse errors)


@dataclass(frozen=True)
class BuildCancelled(BuildEvent):
    leftover_removed: tuple[str, ...] = ()


FinalEvent = BuildSucceeded | BuildFailed | BuildCancelled

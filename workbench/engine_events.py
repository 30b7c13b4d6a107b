"""The engine's event stream (``docker events``) as a plain generator with ``cancel()``.

Only what changes the image and container lists is asked for. The stream holds
its own client (``Engine.new_client``) so closing its socket to cancel cannot
disturb other calls; it never times out because an idle engine sends nothing.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests

from workbench.engine import Engine

IMAGE_ACTIONS = ("tag", "untag", "delete", "pull", "import", "load")
CONTAINER_ACTIONS = ("create", "destroy", "start", "die", "stop", "rename", "pause",
                     "unpause")


@dataclass(frozen=True)
class EngineEvent:
    kind: str  # "image" or "container"
    action: str
    actor_id: str  # an image id, a reference (pull, load), or a container id
    attributes: Mapping[str, str] = field(default_factory=dict)
    time: float = 0.0

    @property
    def image(self) -> str:
        """For container events, the image the container was made from (as named)."""
        return str(self.attributes.get("image", ""))


def parse_event(obj: Mapping[str, Any]) -> EngineEvent | None:
    kind = str(obj.get("Type") or "")
    action = str(obj.get("Action") or obj.get("status") or "")
    # Actions can carry details after a colon ("exec_start: sh"); the verb is first.
    action = action.split(":", 1)[0].strip()
    actor = obj.get("Actor") or {}
    actor_id = str(actor.get("ID") or obj.get("id") or "")
    if kind not in ("image", "container") or not action or not actor_id:
        return None
    attributes = {str(k): str(v) for k, v in (actor.get("Attributes") or {}).items()}
    stamp = obj.get("timeNano")
    when = int(stamp) / 1e9 if stamp else float(obj.get("time") or 0)
    return EngineEvent(kind, action, actor_id, attributes, when)


class EventStream:
    """Iterate for image and container events; ``cancel()`` from any thread ends it.

    ``since`` (unix seconds) makes the engine replay events from then, so a list
    read just before the stream started misses nothing.
    """

    def __init__(self, engine: Engine, since: float | None = None) -> None:
        self.engine = engine
        self.since = since
        self._lock = threading.Lock()
        self._cancelled = False
        self._stream: Any = None

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def cancel(self) -> None:
        with self._lock:
            self._cancelled = True
            stream = self._stream
        if stream is not None:
            with contextlib.suppress(Exception):  # the socket may be gone already
                stream.close()

    def __iter__(self) -> Iterator[EngineEvent]:
        api = self.engine.new_client(timeout=None)
        try:
            filters = {"type": ["image", "container"],
                       "event": list(IMAGE_ACTIONS + CONTAINER_ACTIONS)}
            since = int(self.since) if self.since is not None else None
            stream = api.events(decode=True, filters=filters, since=since)
            with self._lock:
                self._stream = stream
                cancelled = self._cancelled
            if cancelled:
                stream.close()
                return
            try:
                for obj in stream:
                    event = parse_event(obj)
                    if event is not None:
                        yield event
            except (requests.RequestException, OSError, ValueError, AttributeError):
                # Closing the socket from another thread surfaces as one of these;
                # anything else (the engine went away) is the caller's to hear.
                if not self._cancelled:
                    raise
        finally:
            api.close()


def affected_images(batch: list[EngineEvent]) -> tuple[set[str], bool]:
    """The images a batch of events touches, and whether container counts changed."""
    images: set[str] = set()
    containers = False
    for event in batch:
        if event.kind == "image":
            images.add(event.actor_id)
        elif event.action in ("create", "destroy"):
            containers = True
    return images, containers

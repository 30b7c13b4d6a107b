"""Follows the engine's event stream for the whole app; restarts it when the engine returns."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QTimer, Signal, Slot

from ui.context import AppContext
from ui.worker import Job
from workbench.engine_events import EngineEvent, EventStream

RESTART_MS = 2000
REPLAY_S = 2.0  # ask the engine to replay this much, so nothing falls between list and stream


class EventFollower(QObject):
    """One ``docker events`` stream, shared by the image list and the containers panel.

    Signals:
        events(list): a batch of EngineEvent, in order (one per event-loop turn at most).
        restarted(): the stream (re)started after the engine (re)connected: anything may
            have changed meanwhile, so listeners re-read their lists.
    """

    events = Signal(list)
    restarted = Signal()

    def __init__(self, ctx: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._job: Job | None = None
        self._stream: EventStream | None = None
        self._wanted = False
        self._closed = False
        self._retry = QTimer(self)
        self._retry.setSingleShot(True)
        self._retry.setInterval(RESTART_MS)
        self._retry.timeout.connect(self.start)
        ctx.engine.connected.connect(self._on_connected)
        ctx.engine.disconnected.connect(self._on_disconnected)

    @property
    def running(self) -> bool:
        return self._job is not None

    @Slot()
    def start(self) -> None:
        """Follow events from now on (idempotent). Without an engine, waits for one."""
        if self._closed:
            return
        self._wanted = True
        engine = self._ctx.engine.engine
        if engine is None or self._job is not None:
            return
        stream = EventStream(engine, since=time.time() - REPLAY_S)
        job = self._ctx.tasks.stream(lambda: stream, description="Following engine events",
                                     report_errors=False)
        job.items.connect(self._on_items)
        job.finished.connect(self._on_finished)
        self._job, self._stream = job, stream
        self.restarted.emit()

    @Slot(list)
    def _on_items(self, batch: list[EngineEvent]) -> None:
        self.events.emit(batch)

    def stop(self) -> None:
        self._wanted = False
        self._retry.stop()
        if self._job is not None:
            self._job.cancel()

    def close(self) -> None:
        """Stop for good: the window is going; no refresh may start the stream again."""
        self._closed = True
        self.stop()

    def _on_connected(self, _info: object) -> None:
        if self._wanted:
            if self._job is not None:
                self._job.cancel()  # an old engine's stream; a new one starts when it ends
            else:
                self.start()

    def _on_disconnected(self, _message: str, _advice: str) -> None:
        if self._job is not None:
            self._job.cancel()

    def _on_finished(self) -> None:
        self._job, self._stream = None, None
        if self._wanted and self._ctx.engine.engine is not None:
            # The stream ended while the engine seemed fine (a restart, a proxy):
            # try again shortly; a lost engine is handled by the connected signal.
            self._retry.start()


def guarded(owner: QObject, fn: Callable[..., Any]) -> Callable[..., None]:
    """``fn`` for a Job's signal, skipped once ``owner`` is gone (a job may outlive the
    widget that started it; PySide only drops connections to bound methods by itself)."""

    def call(*args: Any) -> None:
        if shiboken6.isValid(owner):
            fn(*args)

    return call

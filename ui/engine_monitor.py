"""Keeps one engine connection, reconnecting by itself when it is lost."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from ui.worker import TaskRunner
from workbench.engine import Engine, EngineUnavailable, connect

RETRY_INTERVAL_MS = 5000
PING_INTERVAL_MS = 10000


class EngineMonitor(QObject):
    """The current engine, or why there is none.

    Signals:
        connected(object): an EngineInfo; the engine is ready for calls.
        disconnected(str, str): what happened and what the user can do.
    """

    connected = Signal(object)
    disconnected = Signal(str, str)

    def __init__(self, tasks: TaskRunner, environ: Mapping[str, str] | None = None,
                 home: Path | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._environ = environ
        self._home = home
        self.engine: Engine | None = None
        self.problem = ("Looking for a Docker engine…", "")
        self._connecting = False
        self._stopped = False
        self._retry = QTimer(self)
        self._retry.setInterval(RETRY_INTERVAL_MS)
        self._retry.timeout.connect(self.reconnect)
        self._ping = QTimer(self)
        self._ping.setInterval(PING_INTERVAL_MS)
        self._ping.timeout.connect(self._check_alive)

    def start(self) -> None:
        self._stopped = False
        self.reconnect()

    def stop(self) -> None:
        self._stopped = True
        self._retry.stop()
        self._ping.stop()
        if self.engine is not None:
            # Its client holds a connection to the engine's socket: left to the garbage
            # collector it was closed (with a ResourceWarning) whenever a collection ran.
            self.engine.close()

    @Slot()
    def reconnect(self) -> None:
        if self._connecting:
            return
        self._connecting = True
        job = self._tasks.call(connect, self._environ, self._home,
                               description="Connecting to the Docker engine",
                               report_errors=False)
        job.succeeded.connect(self._on_connected)
        job.failed.connect(self._on_connect_failed)

    def _on_connected(self, engine: Engine) -> None:
        self._connecting = False
        if self._stopped:  # the connection finished after the app stopped watching
            engine.close()
            return
        old, self.engine = self.engine, engine
        if old is not None:
            old.close()
        self._retry.stop()
        self._ping.start()
        self.connected.emit(engine.info)

    def _on_connect_failed(self, message: str, exc: BaseException) -> None:
        self._connecting = False
        if isinstance(exc, EngineUnavailable):
            self._set_lost(exc.message, exc.advice)
        else:
            self._set_lost(message, "")

    def report_lost(self, message: str) -> None:
        """Another part of the app saw the connection fail."""
        if self.engine is not None:
            self._set_lost(message, "The app keeps trying to reconnect.")
            self.reconnect()

    def _set_lost(self, message: str, advice: str) -> None:
        if self.engine is not None:
            self.engine.close()
        self.engine = None
        self.problem = (message, advice)
        self._ping.stop()
        if not self._retry.isActive():
            self._retry.start()
        self.disconnected.emit(message, advice)

    @Slot()
    def _check_alive(self) -> None:
        engine = self.engine
        if engine is None:
            return
        job = self._tasks.call(engine.ping, description="Checking the engine",
                               report_errors=False)
        job.failed.connect(lambda message, _exc: self.report_lost(
            f"The Docker engine stopped answering ({message})"))

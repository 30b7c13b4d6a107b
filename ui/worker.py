"""The one way the app runs work off the GUI thread.

A ``Job`` wraps a callable (one result) or an iterable (a stream of items).
It runs on a ``QThreadPool`` thread; everything it reports crosses back to
the GUI thread through the Job's own ``@Slot`` methods over queued
connections, and is then re-emitted on the GUI thread. So callers may
connect anything (lambdas, partials) to the public signals safely, and only
the Job's decorated slots ever receive a cross-thread signal (PySide6 crashes
otherwise, PYSIDE-3124).

Stream items are coalesced: the worker appends to a queue and wakes the GUI
only when the queue was empty, so a fast stream costs one GUI wake per event
loop turn, not one per item.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, QTimer, Signal, Slot

from workbench.explain import explain

log = logging.getLogger(__name__)
MAX_BATCH = 2000  # items handed to the GUI per event-loop turn
# While items keep coming, hand them over at most this often: a flood then costs
# the GUI one update per few milliseconds, while a lone item still goes at once.
DRAIN_GAP_S = 0.008
YIELD_EVERY = 200  # stream items between two looks at the GUI's backlog


class Job(QObject):
    """One piece of background work.

    Signals (all emitted on the GUI thread):
        items(list): a batch of items from a stream, in order.
        succeeded(object): the callable's return value (None for streams).
        failed(str, object): a plain-words message and the exception.
        finished(): always last, after succeeded / failed, also when cancelled.
    """

    items = Signal(list)
    succeeded = Signal(object)
    failed = Signal(str, object)
    finished = Signal()

    _wake = Signal()
    _done = Signal()

    def __init__(self, work: Callable[[], Any], description: str, streaming: bool,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.description = description
        self._work = work
        self._streaming = streaming
        self._lock = threading.Lock()
        self._pending: list[Any] = []
        self._cancel_requested = threading.Event()
        self._source: Any = None
        self._outcome: tuple[Any, BaseException | None] = (None, None)
        self.is_finished = False
        self._last_drain = 0.0
        self._drain_timer = QTimer(self)
        self._drain_timer.setSingleShot(True)
        self._drain_timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._drain_timer.timeout.connect(self._deliver)
        self._wake.connect(self._drain, Qt.ConnectionType.QueuedConnection)
        self._done.connect(self._complete, Qt.ConnectionType.QueuedConnection)

    @property
    def cancel_requested(self) -> bool:
        return self._cancel_requested.is_set()

    def cancel(self) -> None:
        """Ask the work to stop. A source with its own ``cancel()`` is told at once
        (and keeps reporting until it ends); any other stream stops at its next item."""
        self._cancel_requested.set()
        source = self._source
        cancel = getattr(source, "cancel", None)
        if callable(cancel):
            try:
                cancel()
            except Exception:
                log.exception("cancel of %s failed", self.description)

    # --- worker thread -------------------------------------------------
    def run_in_worker(self) -> None:
        result: Any = None
        error: BaseException | None = None
        try:
            if self._streaming:
                source = self._work()
                self._source = source
                if self.cancel_requested:
                    self.cancel()
                delegate = callable(getattr(source, "cancel", None))
                for count, item in enumerate(source, 1):
                    self._push(item)
                    if self.cancel_requested and not delegate:
                        break
                    if count % YIELD_EVERY == 0:
                        self._wait_while_behind()
            else:
                result = self._work()
        except BaseException as exc:  # noqa: BLE001 - reported to the GUI, never lost
            log.debug("job %s failed:\n%s", self.description, traceback.format_exc())
            error = exc
        with self._lock:
            self._outcome = (result, error)
        # No arguments cross the thread boundary: the outcome waits in the job.
        self._done.emit()

    def _wait_while_behind(self) -> None:
        """Back-pressure: while the GUI is far behind, stop producing for a moment.

        Sleeping releases the GIL, which the GUI thread needs for every call Qt
        makes into Python (painting, model data) — and it bounds the backlog.
        """
        with self._lock:
            backlog = len(self._pending)
        if backlog > 4 * MAX_BATCH:
            time.sleep(0.002)

    def _push(self, item: Any) -> None:
        with self._lock:
            was_empty = not self._pending
            self._pending.append(item)
        if was_empty:
            self._wake.emit()

    # --- GUI thread ----------------------------------------------------
    @Slot()
    def _drain(self) -> None:
        """The worker has items: deliver now, or soon if a delivery just happened."""
        wait = self._last_drain + DRAIN_GAP_S - time.monotonic()
        if wait > 0:
            if not self._drain_timer.isActive():
                self._drain_timer.start(max(1, round(wait * 1000)))
            return
        self._deliver()

    @Slot()
    def _deliver(self) -> None:
        """Deliver at most MAX_BATCH items, then let the event loop breathe.

        A fast stream (200,000 build-output lines) must not stall the GUI in one
        long handler: the rest is picked up on the next loop turn.
        """
        self._last_drain = time.monotonic()
        with self._lock:
            batch = self._pending[:MAX_BATCH]
            del self._pending[:MAX_BATCH]
            more = bool(self._pending)
        if batch:
            self.items.emit(batch)
        if more:
            QTimer.singleShot(0, self._deliver)

    @Slot()
    def _complete(self) -> None:
        with self._lock:
            backlog = bool(self._pending)
            result, error = self._outcome
        if backlog:  # finish only after every item was delivered
            self._drain_timer.stop()
            self._deliver()
            QTimer.singleShot(0, self._complete)
            return
        self.is_finished = True
        if error is not None:
            self.failed.emit(explain(error), error)
        else:
            self.succeeded.emit(result)
        self.finished.emit()


class _Runnable(QRunnable):
    def __init__(self, job: Job) -> None:
        super().__init__()
        self.job = job
        self.setAutoDelete(False)  # we own it; avoids Qt and Python both freeing it

    def run(self) -> None:
        self.job.run_in_worker()


class TaskRunner(QObject):
    """Owns every background job: starts them, reports their errors, waits on exit.

    Signals:
        errorOccurred(str, str): a job's description and its plain-words error,
            for jobs whose caller did not handle ``failed`` itself.
        busyChanged(int): number of running jobs.
    """

    errorOccurred = Signal(str, str)
    busyChanged = Signal(int)

    def __init__(self, parent: QObject | None = None, max_threads: int = 8) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self._running: dict[Job, _Runnable] = {}

    @property
    def active_jobs(self) -> list[Job]:
        return list(self._running)

    def call(self, fn: Callable[..., Any], *args: Any, description: str,
             report_errors: bool = True) -> Job:
        """Run ``fn(*args)`` off the GUI thread; connect to the Job's signals for the result."""
        return self._start(Job(lambda: fn(*args), description, streaming=False),
                           report_errors)

    def stream(self, source: Callable[[], Iterable[Any]], *, description: str,
               report_errors: bool = True) -> Job:
        """Iterate ``source()`` off the GUI thread; items arrive in batches on ``Job.items``."""
        return self._start(Job(source, description, streaming=True), report_errors)

    def _start(self, job: Job, report_errors: bool) -> Job:
        runnable = _Runnable(job)
        self._running[job] = runnable
        job.finished.connect(lambda: self._forget(job))
        if report_errors:
            job.failed.connect(lambda message, _exc: self.errorOccurred.emit(
                job.description, message))
        # Results arrive through queued signals, so callers connecting right
        # after this returns still see everything.
        self._pool.start(runnable)
        self.busyChanged.emit(len(self._running))
        return job

    def _forget(self, job: Job) -> None:
        self._running.pop(job, None)
        job.deleteLater()
        self.busyChanged.emit(len(self._running))

    def shutdown(self, timeout_ms: int = 15000) -> bool:
        """Cancel everything and wait for the threads; True if all ended in time."""
        for job in list(self._running):
            job.cancel()
        done = self._pool.waitForDone(timeout_ms)
        return bool(done)

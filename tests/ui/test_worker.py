"""The shared off-thread mechanism: results, errors, streams, batching, cancel."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QThread, QTimer
from pytestqt.qtbot import QtBot

from ui.worker import TaskRunner


@pytest.fixture
def tasks(qtbot: QtBot) -> Iterator[TaskRunner]:
    runner = TaskRunner()
    yield runner
    qtbot.waitUntil(lambda: not runner.active_jobs, timeout=10_000)
    assert runner.shutdown(5_000)


def test_call_runs_off_the_gui_thread_and_returns_on_it(qtbot: QtBot, tasks: TaskRunner) -> None:
    gui = QThread.currentThread()
    seen: dict[str, object] = {}

    def work() -> int:
        seen["worker_is_gui"] = QThread.currentThread() is gui
        return 42

    job = tasks.call(work, description="answer")
    job.succeeded.connect(lambda value: seen.update(value=value,
                                                    slot_is_gui=QThread.currentThread() is gui))
    with qtbot.waitSignal(job.finished, timeout=5_000):
        pass
    assert seen == {"worker_is_gui": False, "value": 42, "slot_is_gui": True}


def test_exceptions_become_plain_messages(qtbot: QtBot, tasks: TaskRunner) -> None:
    def boom() -> None:
        raise FileNotFoundError("The build context folder does not exist: /nope")

    job = tasks.call(boom, description="Building")
    reported: list[tuple[str, str]] = []
    tasks.errorOccurred.connect(lambda d, m: reported.append((d, m)))
    with qtbot.waitSignal(job.failed, timeout=5_000) as blocker:
        pass
    message, exc = blocker.args
    assert isinstance(exc, FileNotFoundError)
    assert message == "The build context folder does not exist: /nope"
    qtbot.waitUntil(lambda: bool(reported))
    assert reported == [("Building", message)]


def test_stream_items_arrive_in_order_and_in_batches(qtbot: QtBot, tasks: TaskRunner) -> None:
    got: list[int] = []
    batches: list[int] = []

    def on_items(items: list[int]) -> None:
        got.extend(items)
        batches.append(len(items))

    job = tasks.stream(lambda: iter(range(20_000)), description="numbers")
    job.items.connect(on_items)
    with qtbot.waitSignal(job.finished, timeout=10_000):
        pass
    assert got == list(range(20_000))
    assert len(batches) < 20_000 / 10  # coalesced, not one signal per item


def test_a_steady_trickle_is_handed_over_in_few_batches(qtbot: QtBot,
                                                       tasks: TaskRunner) -> None:
    """Items 1 ms apart (a fast build's messages): the GUI gets them a few at a time,
    at most once per hand-over gap, instead of once per item; all of them, in order."""
    got: list[int] = []
    deliveries: list[float] = []

    def trickle() -> Iterator[int]:
        for i in range(300):
            time.sleep(0.001)
            yield i

    def on_items(items: list[int]) -> None:
        got.extend(items)
        deliveries.append(time.monotonic())

    job = tasks.stream(trickle, description="trickle")
    job.items.connect(on_items)
    with qtbot.waitSignal(job.finished, timeout=10_000):
        pass
    assert got == list(range(300))
    assert len(deliveries) < 150  # 300 items, at least ~0.3 s: one per 8 ms is ~40


def test_cancel_stops_a_plain_generator_at_its_next_item(qtbot: QtBot,
                                                         tasks: TaskRunner) -> None:
    produced: list[int] = []

    def slow() -> Iterator[int]:
        for i in range(1000):
            produced.append(i)
            time.sleep(0.01)
            yield i

    job = tasks.stream(slow, description="slow")
    qtbot.waitUntil(lambda: len(produced) >= 3, timeout=5_000)
    job.cancel()
    with qtbot.waitSignal(job.finished, timeout=5_000):
        pass
    assert len(produced) < 100


class _Source:
    """A stream with its own cancel(), like BuildRun: told at once, keeps reporting."""

    def __init__(self) -> None:
        self.stop = threading.Event()

    def cancel(self) -> None:
        self.stop.set()

    def __iter__(self) -> Iterator[str]:
        yield "started"
        self.stop.wait(10)
        yield "cleaned up"


def test_cancel_is_delegated_and_the_tail_still_arrives(qtbot: QtBot, tasks: TaskRunner) -> None:
    got: list[str] = []
    job = tasks.stream(_Source, description="source")
    job.items.connect(got.extend)
    qtbot.waitUntil(lambda: got == ["started"], timeout=5_000)
    job.cancel()
    with qtbot.waitSignal(job.finished, timeout=5_000):
        pass
    assert got == ["started", "cleaned up"]


def test_gui_keeps_processing_events_while_a_job_blocks(qtbot: QtBot, tasks: TaskRunner) -> None:
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start()
    job = tasks.call(time.sleep, 1.0, description="sleep")
    with qtbot.waitSignal(job.finished, timeout=5_000):
        pass
    timer.stop()
    assert len(ticks) >= 50  # ~100 expected; a blocked GUI would give ~0
    assert max(b - a for a, b in itertools.pairwise(ticks)) < 0.25

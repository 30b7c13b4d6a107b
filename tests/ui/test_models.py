"""The app's item models, fed real event sequences, checked by qtmodeltester."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QSortFilterProxyModel, Qt
from pytestqt.modeltest import ModelTester

from ui.images.model import ImagesModel
from ui.roles import Role
from ui.timeline.log import StepLogModel
from ui.timeline.steps import StepsModel, StepStatus
from workbench.build.events import Output
from workbench.build.stream import BuildStreamParser
from workbench.images import ImageRow, rows_from_summaries

STREAMS = Path(__file__).resolve().parent.parent / "data" / "streams"


def recorded_events(name: str) -> list[Any]:
    objs = [json.loads(line) for line in (STREAMS / f"{name}.jsonl").read_text().splitlines()]
    counter = itertools.count()
    parser = BuildStreamParser(clock=lambda: float(next(counter)))
    return list(parser.feed_all(o for o in objs if "_meta" not in o))


def test_steps_model_follows_a_real_build(qtmodeltester: ModelTester) -> None:
    model = StepsModel(clock=lambda: 100.0)
    qtmodeltester.check(model)
    events = recorded_events("success")
    for event in events:  # one at a time, as a slow stream would deliver them
        model.apply([event])
    assert [s.status for s in model.steps] == [StepStatus.DONE] * 3
    assert model.data(model.index_of_step(1, StepsModel.COL_STEP)) == "Step 2/3"
    assert model.data(model.index_of_step(1, StepsModel.COL_LINES)) == "2"
    container = model.data(model.index_of_step(1, StepsModel.COL_CONTAINER))
    assert container.endswith("(removed)") and len(container.split()[0]) == 12
    assert len(model.data(model.index_of_step(1, StepsModel.COL_LAYER))) == 12
    qtmodeltester.check(model)


def test_steps_model_marks_the_failed_and_cached_steps(qtmodeltester: ModelTester) -> None:
    model = StepsModel()
    model.apply(recorded_events("run-fails"))
    qtmodeltester.check(model)
    assert [s.status for s in model.steps] == [StepStatus.DONE, StepStatus.FAILED]
    assert model.failed_row() == 1
    assert "non-zero code: 3" in model.data(model.index_of_step(1, 0), Qt.ItemDataRole.ToolTipRole)
    cached = StepsModel()
    cached.apply(recorded_events("success-cached"))
    assert [s.status for s in cached.steps] == [StepStatus.DONE, StepStatus.CACHED,
                                                StepStatus.CACHED]
    assert cached.data(cached.index_of_step(1, 0), Role.STATUS) == "cached"


def test_output_reaches_the_log_at_once_and_the_tree_at_the_tick(
        qtmodeltester: ModelTester) -> None:
    """A flood of output must not repaint the timeline per batch: the log hears of every
    line at once, the tree's line count follows at the next tick."""
    model = StepsModel(clock=lambda: 100.0)
    events = recorded_events("success")
    cut = 1 + next(i for i, e in enumerate(events) if type(e).__name__ == "ContainerStarted")
    model.apply(events[:cut])
    changed: list[int | None] = []
    added: list[tuple[int, int]] = []
    model.dataChanged.connect(lambda top, *_: changed.append(model.step_of(top)))
    model.linesAdded.connect(lambda row, count: added.append((row, count)))
    model.apply([Output(2, 100.0, ("a", "b"), "stdout")])
    model.apply([Output(2, 100.0, ("c",), "stderr")])
    assert added == [(1, 2), (1, 1)]
    assert changed == []
    model.tick()
    assert 1 in changed
    assert model.data(model.index_of_step(1, StepsModel.COL_LINES)) == "3"
    assert list(model.steps[1].lines) == [("a", "stdout"), ("b", "stdout"), ("c", "stderr")]
    qtmodeltester.check(model)


def test_log_model_shows_one_step_and_grows(qtmodeltester: ModelTester) -> None:
    steps = StepsModel()
    log = StepLogModel(steps)
    qtmodeltester.check(log)
    events = recorded_events("success")
    cut = 1 + next(i for i, e in enumerate(events) if type(e).__name__ == "ContainerStarted")
    steps.apply(events[:cut])  # up to the RUN's container start
    log.show_step(1)
    assert log.rowCount() == 0
    steps.apply(events[cut:])
    assert sorted(log.data(log.index(r, 0)) for r in range(log.rowCount())) == [
        "err-line", "out-line"]
    streams = {log.data(log.index(r, 0)): log.data(log.index(r, 0), Role.STREAM)
               for r in range(log.rowCount())}
    assert streams == {"err-line": "stderr", "out-line": "stdout"}
    qtmodeltester.check(log)


def _row(ref: str, image_id: str, created: int, size: int) -> ImageRow:
    repo, tag = ref.split(":")
    return ImageRow(repo, tag, image_id, created, size)


def test_images_model_updates_in_place_and_keeps_selection(
        qtmodeltester: ModelTester) -> None:
    model = ImagesModel(clock=lambda: 1000.0)
    qtmodeltester.check(model)
    model.set_rows([_row("a:1", "sha256:" + "a" * 64, 900, 5_000_000),
                    _row("b:1", "sha256:" + "b" * 64, 995, 10)])
    selection = QItemSelectionModel(model)
    selection.select(model.index(1, 0), QItemSelectionModel.SelectionFlag.Select)
    model.set_rows([_row("b:1", "sha256:" + "b" * 64, 995, 10),
                    _row("c:2", "sha256:" + "c" * 64, 999, 1_500_000_000)])
    assert [r.reference for r in model.rows] == ["b:1", "c:2"]
    assert [i.row() for i in selection.selectedIndexes()] == [0]  # b:1 moved up, still selected
    assert model.data(model.index(0, ImagesModel.COL_ID)) == "b" * 12
    assert model.data(model.index(0, ImagesModel.COL_CREATED)) == "5 seconds ago"
    assert model.data(model.index(1, ImagesModel.COL_SIZE)) == "1.5GB"
    qtmodeltester.check(model)


def test_images_sort_by_size_numerically_not_as_text() -> None:
    model = ImagesModel(clock=lambda: 1000.0)
    model.set_rows([_row("big:1", "sha256:1", 1, 2_000_000_000),
                    _row("mid:1", "sha256:2", 2, 90_000_000),
                    _row("small:1", "sha256:3", 3, 800_000)])
    proxy = QSortFilterProxyModel()
    proxy.setSourceModel(model)
    proxy.setSortRole(Role.SORT)
    proxy.sort(ImagesModel.COL_SIZE, Qt.SortOrder.AscendingOrder)
    assert [proxy.data(proxy.index(r, 0)) for r in range(3)] == ["small", "mid", "big"]
    proxy.sort(ImagesModel.COL_CREATED, Qt.SortOrder.DescendingOrder)
    assert [proxy.data(proxy.index(r, 0)) for r in range(3)] == ["small", "mid", "big"]


def test_rows_from_summaries_one_per_tag_and_dangling_hidden() -> None:
    summaries = [
        {"Id": "sha256:" + "1" * 64, "RepoTags": ["x:1", "x:2"], "Created": 5, "Size": 7},
        {"Id": "sha256:" + "2" * 64, "RepoTags": ["<none>:<none>"], "Created": 6, "Size": 8},
        {"Id": "sha256:" + "3" * 64, "RepoTags": None, "Created": 6, "Size": 8},
    ]
    assert [r.reference for r in rows_from_summaries(summaries)] == ["x:1", "x:2"]
    assert len(rows_from_summaries(summaries, dangling=True)) == 4

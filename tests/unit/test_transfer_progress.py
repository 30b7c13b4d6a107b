"""The pull stream's lines → typed events → per-layer progress and byte totals."""

from __future__ import annotations

import json
from pathlib import Path

from workbench.transfer import (
    LayerPhase,
    LayerUpdate,
    PullDone,
    PullLine,
    PullProgress,
    parse_pull_line,
    split_for_pull,
)

STREAMS = Path(__file__).resolve().parent.parent / "data" / "streams"


def _pull_lines() -> list[dict[str, object]]:
    # The recorded build stream's FROM step is a real daemon pull of a two-layer image.
    lines = [json.loads(line) for line in (STREAMS / "pull-base.jsonl").read_text().splitlines()]
    return [obj for obj in lines if "status" in obj]


def test_recorded_pull_folds_into_layers_and_bytes() -> None:
    progress = PullProgress()
    events = [e for obj in _pull_lines() if (e := parse_pull_line(obj)) is not None]
    for event in events:
        progress.feed(event)
    assert list(progress.layers) == ["3cf9c68315e4", "739802da8cf6"]
    assert progress.layers["3cf9c68315e4"].phase is LayerPhase.EXISTS
    fresh = progress.layers["739802da8cf6"]
    assert fresh.phase is LayerPhase.COMPLETE and fresh.size == 120 and fresh.fraction == 1.0
    assert progress.total_bytes == progress.downloaded_bytes == 120
    assert progress.lines[0] == "Pulling from workbench-test/two-layers (tag 1)"
    assert any(line.startswith("Digest: sha256:") for line in progress.lines)


def test_partial_progress_and_phase_words() -> None:
    progress = PullProgress()
    progress.feed(LayerUpdate("a", LayerPhase.WAITING))
    progress.feed(LayerUpdate("b", LayerPhase.DOWNLOADING, 50, 200))
    assert progress.total_bytes == 200 and progress.downloaded_bytes == 50
    assert 0 < progress.fraction < 0.5
    assert progress.layers["b"].phase_fraction == 0.25
    progress.feed(LayerUpdate("b", LayerPhase.EXTRACTING, 100, 200))
    assert progress.downloaded_bytes == 200
    assert 0.7 < progress.layers["b"].fraction < 1.0
    assert progress.layers["b"].phase_fraction == 0.5  # the bar shows extraction alone
    assert progress.layers["b"].phase_bytes == 100
    progress.feed(PullDone("x", None, False))
    assert isinstance(progress.outcome, PullDone)
    assert parse_pull_line({"status": "Waiting", "id": "c"}) == LayerUpdate(
        "c", LayerPhase.WAITING)
    assert parse_pull_line({"status": "Status: Image is up to date for x"}) == PullLine(
        "Status: Image is up to date for x")
    assert parse_pull_line({"progressDetail": {}}) is None


def test_split_for_pull() -> None:
    assert split_for_pull("alpine") == ("alpine", "latest")
    assert split_for_pull("127.0.0.1:5000/app") == ("127.0.0.1:5000/app", "latest")
    assert split_for_pull("127.0.0.1:5000/app:1") == ("127.0.0.1:5000/app", "1")
    assert split_for_pull("quay.io/centos/centos@sha256:ab") == (
        "quay.io/centos/centos", "sha256:ab")
    assert split_for_pull("app:1@sha256:ab") == ("app", "sha256:ab")

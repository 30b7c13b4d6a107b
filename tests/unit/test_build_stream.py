"""The stream parser on streams recorded from a real daemon (tools/record_streams.py)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest

from workbench.build.events import (
    BuildEvent,
    BuildFailed,
    BuildSucceeded,
    ContainerRemoved,
    ContainerStarted,
    LayerCommitted,
    Output,
    PullProgress,
    StageFinished,
    StepStarted,
    UsingCache,
)
from workbench.build.stream import BuildStreamParser

STREAMS = Path(__file__).resolve().parent.parent / "data" / "streams"


def load(name: str) -> list[dict[str, Any]]:
    lines = (STREAMS / f"{name}.jsonl").read_text().splitlines()
    return [obj for obj in map(json.loads, lines) if "_meta" not in obj]


def parse(objs: list[dict[str, Any]]) -> list[BuildEvent]:
    counter = itertools.count()
    return list(BuildStreamParser(clock=lambda: float(next(counter))).feed_all(objs))


def lines_of(events: list[BuildEvent]) -> list[tuple[int, str, str]]:
    return [(o.step, line, o.stream) for o in of(events, Output) for line in o.lines]


def of(events: list[BuildEvent], kind: type) -> list[Any]:
    return [e for e in events if isinstance(e, kind)]


def test_success_stream_gives_steps_containers_layers_and_output() -> None:
    events = parse(load("success"))
    steps = of(events, StepStarted)
    assert [(s.step, s.total, s.instruction) for s in steps] == [
        (1, 3, "FROM workbench-test/busybox:latest"),
        (2, 3, "RUN echo out-line && echo err-line >&2"),
        (3, 3, 'CMD ["echo", "hello"]'),
    ]
    started = of(events, ContainerStarted)
    removed = of(events, ContainerRemoved)
    assert [c.container_id for c in started] == [c.container_id for c in removed]
    assert [c.step for c in started] == [2, 3]
    assert [layer.step for layer in of(events, LayerCommitted)] == [1, 2, 3]
    # stdout and stderr are separate pipes: their relative order varies between runs.
    output = sorted(lines_of(events))
    assert output == [(2, "err-line", "stderr"), (2, "out-line", "stdout")]
    final = events[-1]
    assert isinstance(final, BuildSucceeded)
    assert final.image_id.startswith("sha256:")
    assert final.tags == ("workbench-rec/success:latest",)
    assert of(events, StageFinished)[-1].image_id == final.image_id


def test_cached_rebuild_marks_every_step_after_from_as_cached() -> None:
    events = parse(load("success-cached"))
    assert [c.step for c in of(events, UsingCache)] == [2, 3]
    assert not of(events, ContainerStarted)
    assert isinstance(events[-1], BuildSucceeded)


def test_failing_run_reports_step_exit_code_and_message() -> None:
    events = parse(load("run-fails"))
    final = events[-1]
    assert isinstance(final, BuildFailed)
    assert final.step == 2
    assert final.exit_code == 3
    assert "returned a non-zero code: 3" in final.message
    assert not of(events, BuildSucceeded)
    assert lines_of(events) == [(2, "before", "stdout")]


def test_copy_of_missing_file_fails_without_exit_code() -> None:
    final = parse(load("copy-missing"))[-1]
    assert isinstance(final, BuildFailed)
    assert final.step == 2
    assert final.exit_code is None
    assert "COPY failed" in final.message


def test_multi_stage_reports_each_stage_and_the_last_image() -> None:
    events = parse(load("multi-stage"))
    assert [s.instruction.split()[0] for s in of(events, StepStarted)] == [
        "FROM", "RUN", "FROM", "COPY", "CMD"]
    final = events[-1]
    assert isinstance(final, BuildSucceeded)


def test_output_without_newline_does_not_swallow_the_daemon_line() -> None:
    events = parse(load("no-newline-output"))
    output = lines_of(events)
    assert output == [(2, "partial", "stdout"), (3, "e", "stderr")]
    assert [c.step for c in of(events, ContainerRemoved)] == [2, 3]


def test_base_image_pull_progress_belongs_to_the_from_step() -> None:
    events = parse(load("pull-base"))
    pulls = of(events, PullProgress)
    assert pulls and all(p.step == 1 for p in pulls)
    downloading = [p for p in pulls if p.status == "Downloading"]
    assert downloading and downloading[0].current == downloading[0].total == 120
    assert {p.status for p in pulls} >= {"Pulling fs layer", "Pull complete"}
    assert isinstance(events[-1], BuildSucceeded)


def test_missing_base_registry_is_a_failure_of_step_one() -> None:
    final = parse(load("pull-missing-base"))[-1]
    assert isinstance(final, BuildFailed)
    assert final.step == 1
    assert "connection refused" in final.message


@pytest.mark.parametrize("name", ["success", "run-fails", "multi-stage", "pull-base"])
def test_chunk_boundaries_do_not_change_the_events(name: str) -> None:
    """Re-split every text at each character: the daemon does not align chunks to lines."""
    objs = load(name)
    split: list[dict[str, Any]] = []
    for obj in objs:
        if "stream" in obj and len(obj) == 1:
            split.extend({"stream": ch} for ch in obj["stream"])
        else:
            split.append(obj)
    def strip(events: list[BuildEvent]) -> list[tuple[str, dict[str, Any]]]:
        # Output blocks follow the daemon's messages, so compare their lines one by one.
        out: list[tuple[str, dict[str, Any]]] = []
        for e in events:
            if isinstance(e, Output):
                out.extend(("line", {"step": e.step, "text": t, "stream": e.stream})
                           for t in e.lines)
            else:
                out.append((type(e).__name__, {k: v for k, v in vars(e).items() if k != "at"}))
        return out

    assert strip(parse(split)) == strip(parse(objs))


def test_stream_that_stops_without_success_is_a_failure() -> None:
    objs = load("success")
    cut = [o for o in objs if "aux" not in o and "Successfully" not in o.get("stream", "")]
    final = parse(cut)[-1]
    assert isinstance(final, BuildFailed)
    assert "without reporting success" in final.message


def test_engine_25_removal_line_is_understood() -> None:
    """Engine >= 25 writes ' ---> Removed intermediate container <id>' (moby 5dc44f03f0).

    The engine here is older, so this form is written by hand, not recorded.
    """
    events = parse([
        {"stream": "Step 1/1 : RUN true\n"},
        {"stream": " ---> Running in 0123456789ab\n"},
        {"stream": " ---> Removed intermediate container 0123456789ab\n"},
        {"stream": " ---> ba9876543210\n"},
    ])
    assert [type(e).__name__ for e in events[:4]] == [
        "StepStarted", "ContainerStarted", "ContainerRemoved", "LayerCommitted"]
    assert of(events, ContainerRemoved)[0].container_id == "0123456789ab"


def test_a_message_of_many_lines_is_one_output_event_in_order() -> None:
    """A fast RUN sends hundreds of lines per daemon message: one event per message,
    split only where the builder speaks or the stream changes."""
    events = parse([
        {"stream": "Step 1/1 : RUN seq 1 3\n"},
        {"stream": " ---> Running in 0123456789ab\n"},
        {"stream": "1\n2\n3\n"},
        {"stream": "4\n\x1b[91moops\n\x1b[0m5\n"},
        {"stream": "Removing intermediate container 0123456789ab\n ---> ba9876543210\n"},
        {"stream": "Successfully built ba9876543210\n"},
    ])
    blocks = [(o.lines, o.stream) for o in of(events, Output)]
    assert blocks == [(("1", "2", "3"), "stdout"), (("4",), "stdout"), (("oops",), "stderr"),
                      (("5",), "stdout")]
    assert [type(e).__name__ for e in events] == [
        "StepStarted", "ContainerStarted", "Output", "Output", "Output", "Output",
        "ContainerRemoved", "LayerCommitted", "BuildSucceeded"]

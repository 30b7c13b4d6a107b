"""A step's output lines: texts and streams kept apart, read back as pairs."""

from __future__ import annotations

import gc

from workbench.build.lines import OutputLines


def test_lines_read_back_in_order_with_their_streams() -> None:
    lines = OutputLines([("first", "stdout")])
    lines.extend(["a", "b"], "stderr")
    lines.append("last", "stdout")
    lines.extend([], "stderr")
    assert len(lines) == 4 and bool(lines)
    assert list(lines) == [("first", "stdout"), ("a", "stderr"), ("b", "stderr"),
                           ("last", "stdout")]
    assert lines[2] == ("b", "stderr") and lines.stream(3) == "stdout"
    assert lines.texts == ["first", "a", "b", "last"]
    assert not OutputLines()


def test_many_lines_add_nothing_for_the_garbage_collector() -> None:
    lines = OutputLines()
    gc.disable()  # no collection may untrack anything behind our back meanwhile
    try:
        before = len(gc.get_objects())
        lines.extend((str(i) for i in range(100_000)), "stdout")
        for i in range(1_000):
            lines.append(str(i), "stderr")
        # Strings and a bytearray are not tracked: the collector's work does not grow
        # (a list of (text, stream) tuples would add 101,000 tracked objects here).
        assert len(gc.get_objects()) - before < 100
    finally:
        gc.enable()
    assert len(lines) == 101_000

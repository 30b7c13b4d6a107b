"""dive's efficiency, flat formulation against the tree formulation it replaced
(``tests/harness/dive_reference.py``, itself checked against dive on real images in
``tests/integration/test_layers_dive.py``), on generated layers full of dive's corner
cases: whiteouts of files, folders and missing paths, opaque markers, bookkeeping
entries, names sorting on either side of ".wh.", paths repeated within a layer."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.harness.dive_reference import tree_efficiency
from workbench.layers.archive import entry_of
from workbench.layers.efficiency import Efficiency, dive_efficiency, prepare_layer
from workbench.layers.model import Entry, LayerFiles

# "-x" sorts before ".wh.x" and "x" after it; ".wh." alone trims to an empty name;
# "a\0b" (only a PAX record can carry a NUL) must not change the order either.
NAMES = ["a", "b", "x", "-x", "ab", "é", ".wh.x", ".wh.-x", ".wh.a", ".wh.b", ".wh.ab",
         ".wh.", ".wh.zz", ".wh..wh..opq", ".wh..wh.plnk", ".wh..wh.aufs", "a\0b",
         ".wh.a\0b"]
FLAGS = [b"0", b"0", b"5", b"5", b"2", b"1", b"3"]

paths = st.lists(st.sampled_from(NAMES), min_size=1, max_size=4).map("/".join)


@st.composite
def layer(draw: st.DrawFn) -> LayerFiles:
    entries: list[Entry] = []
    for name in draw(st.lists(paths, max_size=14)):
        flag = draw(st.sampled_from(FLAGS))
        size = draw(st.sampled_from([0, 1, 7, 100, 4096])) if flag == b"0" else 0
        made = entry_of(draw(st.sampled_from(["", "./"])) + name, flag, size, 0o644, 0, 0,
                        "a" if flag in (b"1", b"2") else "")
        if made is not None:
            entries.append(made)
    return LayerFiles("", entries)


def same(ours: Efficiency, theirs: Efficiency) -> bool:
    def equal(a: float, b: float) -> bool:
        return a == b or (math.isnan(a) and math.isnan(b))

    return (equal(ours.score, theirs.score) and ours.wasted_bytes == theirs.wasted_bytes
            and equal(ours.user_wasted_ratio, theirs.user_wasted_ratio)
            and ours.image_size == theirs.image_size and ours.user_size == theirs.user_size
            and ours.inefficiencies == theirs.inefficiencies)


@settings(max_examples=600, deadline=None)
@given(st.lists(layer(), min_size=1, max_size=5))
def test_the_flat_formulation_gives_the_trees_numbers(layers: list[LayerFiles]) -> None:
    reference = tree_efficiency(layers)
    assert same(dive_efficiency(layers), reference)
    # Prepared while streaming (as the export does) or not: the same answer.
    assert same(dive_efficiency(layers, [prepare_layer(la) for la in layers]), reference)


def test_generated_layers_reach_the_corner_cases() -> None:
    """The generator is worth something only if it makes the cases dive stumbles on."""
    a = entry_of("a", b"5", 0, 0o755, 0, 0, "")
    f = entry_of("a/x", b"0", 100, 0o644, 0, 0, "")
    gone = entry_of(".wh.a", b"0", 0, 0o644, 0, 0, "")
    ghost = entry_of(".wh.zz", b"0", 0, 0o644, 0, 0, "")
    after = entry_of("x", b"0", 7, 0o644, 0, 0, "")
    assert a and f and gone and ghost and after
    layers = [LayerFiles("", [a, f]), LayerFiles("", [gone]), LayerFiles("", [ghost, after])]
    ours, reference = dive_efficiency(layers), tree_efficiency(layers)
    assert same(ours, reference)
    # /a/x counts 100 and the folder's whiteout 100 (what it removed); the whiteout of the
    # missing /zz leaves its -1 and ends layer 2's visit before /x (7 bytes, never counted).
    assert ours.score == (100 + 100 - 1) / (100 + 100)
    assert ours.wasted_bytes == 0 and not ours.inefficiencies


def test_a_name_with_a_nul_keeps_dive_s_order() -> None:
    """Only a PAX record can carry a NUL in a name. dive compares names part by part, so
    "a/x" comes before "a\\0b"; a sort on whole paths would put "a\\0b" first, and then a
    whiteout ends the visit at a different place."""
    def make(name: str, size: int = 10) -> Entry:
        made = entry_of(name, b"0", size, 0o644, 0, 0, "")
        assert made is not None
        return made

    layers = [LayerFiles("", [make("a/x"), make("a\0b"), make("a\0b/.wh.q", 0)]),
              LayerFiles("", [make(".wh.a\0b", 0), make("a/x")])]
    assert same(dive_efficiency(layers), tree_efficiency(layers))

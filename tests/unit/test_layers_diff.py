"""The diff's stacked filesystem at any layer, from the recorded changes, against
applying the layers themselves (on the generated layers of the efficiency tests)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.test_layers_efficiency import layer
from workbench.layers.diff import ImageDiff, _Stack, layer_changes
from workbench.layers.model import LayerFiles


@settings(max_examples=400, deadline=None)
@given(st.lists(layer(), min_size=1, max_size=5))
def test_the_stack_at_a_layer_is_the_layers_applied(layers: list[LayerFiles]) -> None:
    diff = ImageDiff(layers)
    for index in range(len(layers)):
        applied = _Stack()
        for below in layers[:index + 1]:
            layer_changes(applied, below)
        diff._cached = None  # each layer computed afresh, not from the one-entry cache
        assert diff.stack_at(index) == applied.entries

"""The layer inspector: history, layers with size bars, the file tree, efficiency."""

from ui.layers.inspector import LayerInspector

__all__ = ["LayerInspector"]

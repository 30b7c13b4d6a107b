"""The layer inspector's core: read an image's export once, diff its layers, and
compute dive's efficiency numbers (and the correct ones beside them)."""

from workbench.layers.diff import Analysis, FileChange, ImageDiff
from workbench.layers.efficiency import Efficiency, Inefficiency, dive_efficiency
from workbench.layers.index import LayerIndex
from workbench.layers.load import LayerLoad, Loaded, LoadProgress, analyse_export
from workbench.layers.model import Change, Entry, HistoryRow, ImageLayers, Kind, LayerFiles

__all__ = ["Analysis", "Change", "Efficiency", "Entry", "FileChange", "HistoryRow",
           "ImageDiff", "ImageLayers", "Inefficiency", "Kind", "LayerFiles", "LayerIndex",
           "LayerLoad", "LoadProgress", "Loaded", "analyse_export", "dive_efficiency"]

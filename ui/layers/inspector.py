"""The layer inspector window: history, layers with size bars, the file tree in two
modes with filters, and the efficiency panel. Opened from the image list ("Inspect")."""

from __future__ import annotations

import csv
import functools
import re
from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt, Signal, Slot
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from ui.context import AppContext
from ui.icons import icon
from ui.layers.delegates import SizeBarDelegate
from ui.layers.efficiency import EfficiencyPanel
from ui.layers.models import HistoryModel, LayersModel
from ui.layers.tree import FileTreeModel, Node, TreeMode, build_tree
from ui.worker import Job
from workbench.dockerfile.parse import Document
from workbench.formatting import human_size
from workbench.layers import Analysis, Change, LayerIndex, LayerLoad, Loaded, LoadProgress
from workbench.layers.compare import Comparison, compare
from workbench.layers.extract import Extracted, extract
from workbench.layers.history import dockerfile_lines
from workbench.layers.load import LoadCancelled

INDEX_FOLDER = "layer-index"


class LayerInspector(QWidget):
    """Look inside every layer of an image.

    Signals:
        loaded(object): an ``Analysis`` is shown.
        loadFailed(str): the image could not be opened (plain words).
        compared(object): a ``Comparison`` with another image is shown in the tree.
        extracted(object): an ``Extracted`` result (files written to disk).
        lineChosen(int): a history row of an app-built image was chosen: its
            Dockerfile line (1-based), for the editor to show.
    """

    loaded = Signal(object)
    loadFailed = Signal(str)
    compared = Signal(object)
    extracted = Signal(object)
    lineChosen = Signal(int)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("layerInspector")
        self.setAccessibleName("Layer inspector")
        self.setWindowTitle("Layer inspector")
        self._ctx = ctx
        self._job: Job | None = None
        self._compare_ref = ""
        self.analysis: Analysis | None = None
        self.ref = ""
        self.layer = 0
        self.dockerfile: Document | None = None

        self.title = QLabel("<b>No image</b>")
        self.title.setObjectName("layerImageTitle")
        self.status = QLabel()
        self.status.setObjectName("layerStatus")
        self.cancel_button = QPushButton(icon("cancel"), "Cancel")
        self.cancel_button.setObjectName("layerCancelButton")
        self.cancel_button.setAccessibleName("Stop reading the image")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        top = QHBoxLayout()
        top.addWidget(self.title)
        top.addWidget(self.status, 1)
        top.addWidget(self.cancel_button)

        self.history_model = HistoryModel(self)
        self.history = QTableView()
        self.history.setObjectName("layerHistory")
        self.history.setAccessibleName("Image history, one row per step")
        self.history.setModel(self.history_model)
        self._table_look(self.history, stretch=1)
        # Selections, not current indexes: a view makes row 0 current when it gets focus,
        # which must not jump to layer 0.
        self.history.selectionModel().selectionChanged.connect(self._history_row)

        self.layers_model = LayersModel(self)
        self.layers = QTableView()
        self.layers.setObjectName("layerList")
        self.layers.setAccessibleName("Layers with their sizes")
        self.layers.setModel(self.layers_model)
        self.layers.setItemDelegateForColumn(1, SizeBarDelegate(self.layers))
        self._table_look(self.layers, stretch=2)
        self.layers.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Fixed)
        self.layers.setColumnWidth(1, 110)
        self.layers.selectionModel().selectionChanged.connect(self._layer_row)

        self.efficiency = EfficiencyPanel()
        self.efficiency.pathChosen.connect(self.show_path)

        self.mode = QComboBox()
        self.mode.setObjectName("layerTreeMode")
        self.mode.setAccessibleName("Show this layer's changes or the whole image")
        for m in TreeMode:
            self.mode.addItem(m.value, m)
        self.mode.setCurrentIndex(1)
        self.mode.currentIndexChanged.connect(self._rebuild_tree)
        self.show_boxes: dict[Change, QCheckBox] = {}
        filters = QHBoxLayout()
        filters.addWidget(self.mode)
        for change in Change:
            box = QCheckBox(change.value.capitalize())
            box.setObjectName(f"layerShow{change.value.capitalize()}")
            box.setAccessibleName(f"Show {change.value} files")
            box.setChecked(True)
            box.toggled.connect(self._filters_changed)
            self.show_boxes[change] = box
            filters.addWidget(box)
        self.path_filter = QLineEdit()
        self.path_filter.setObjectName("layerPathFilter")
        self.path_filter.setAccessibleName("Path filter (regular expression)")
        self.path_filter.setPlaceholderText("Path regex, e.g. ^/usr/lib")
        self.path_filter.setClearButtonEnabled(True)
        self.path_filter.textChanged.connect(self._filters_changed)
        self.min_size = QSpinBox()
        self.min_size.setObjectName("layerMinSize")
        self.min_size.setAccessibleName("Minimum size in kilobytes")
        self.min_size.setRange(0, 10_000_000)
        self.min_size.setSuffix(" kB")
        self.min_size.setPrefix("≥ ")
        self.min_size.valueChanged.connect(self._filters_changed)
        filters.addWidget(self.path_filter, 1)
        filters.addWidget(self.min_size)

        self.tree_model = FileTreeModel(self)
        self.tree = QTreeView()
        self.tree.setObjectName("layerFileTree")
        self.tree.setAccessibleName("Files of the selected layer")
        self.tree.setModel(self.tree_model)
        self.tree.setUniformRowHeights(True)  # keeps 100,000-row trees fast
        self.tree.setSortingEnabled(True)
        self.tree.sortByColumn(FileTreeModel.COL_NAME, Qt.SortOrder.AscendingOrder)
        self.tree.header().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.tree.setColumnWidth(0, 320)
        self.expand_button = QPushButton("Expand all")
        self.expand_button.setObjectName("layerExpandAll")
        self.expand_button.setAccessibleName("Expand every folder")
        self.expand_button.clicked.connect(self.tree.expandAll)
        self.collapse_button = QPushButton("Collapse all")
        self.collapse_button.setObjectName("layerCollapseAll")
        self.collapse_button.setAccessibleName("Collapse every folder")
        self.collapse_button.clicked.connect(self.tree.collapseAll)
        self.csv_button = QPushButton(icon("save"), "Export CSV…")
        self.csv_button.setObjectName("layerExportCsv")
        self.csv_button.setAccessibleName("Export the shown file list as CSV")
        self.csv_button.clicked.connect(self._ask_csv)
        self.extract_button = QPushButton(icon("browse"), "Extract…")
        self.extract_button.setObjectName("layerExtract")
        self.extract_button.setAccessibleName("Extract the selected file or folder to disk")
        self.extract_button.clicked.connect(self._ask_extract)
        self.compare_edit = QLineEdit()
        self.compare_edit.setObjectName("layerCompareWith")
        self.compare_edit.setAccessibleName("Image to compare with")
        self.compare_edit.setPlaceholderText("Compare with image…")
        self.compare_edit.returnPressed.connect(self._compare_clicked)
        self.compare_button = QPushButton(icon("refresh"), "Compare")
        self.compare_button.setObjectName("layerCompareButton")
        self.compare_button.setAccessibleName("Compare this image with another one")
        self.compare_button.clicked.connect(self._compare_clicked)
        self.comparison: Comparison | None = None
        self.tree_title = QLabel()
        self.tree_title.setObjectName("layerTreeTitle")
        self.tree_title.setWordWrap(True)
        tree_bar = QHBoxLayout()
        tree_bar.addWidget(self.tree_title, 1)
        for b in (self.expand_button, self.collapse_button, self.csv_button,
                  self.extract_button):
            tree_bar.addWidget(b)
        compare_bar = QHBoxLayout()
        compare_bar.addWidget(self.compare_edit, 1)
        compare_bar.addWidget(self.compare_button)

        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(self._titled("History", self.history))
        left.addWidget(self._titled("Layers", self.layers))
        left.addWidget(self._titled("Efficiency", self.efficiency))
        left.setSizes([200, 160, 300])
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addLayout(compare_bar)
        right_layout.addLayout(filters)
        right_layout.addLayout(tree_bar)
        right_layout.addWidget(self.tree, 1)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([560, 640])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split, 1)

    @staticmethod
    def _titled(title: str, widget: QWidget) -> QWidget:
        box = QWidget()
        lay = QVBoxLayout(box)
        lay.setContentsMargins(0, 4, 0, 0)
        lay.addWidget(QLabel(f"<b>{title}</b>"))
        lay.addWidget(widget, 1)
        return box

    @staticmethod
    def _table_look(view: QTableView, stretch: int) -> None:
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        view.verticalHeader().hide()
        view.setWordWrap(False)
        view.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)

    # --- opening an image ----------------------------------------------------------
    @property
    def index(self) -> LayerIndex:
        return LayerIndex(self._ctx.dirs.cache / INDEX_FOLDER)

    def inspect(self, image_ref: str, dockerfile: Document | None = None) -> None:
        """Open ``image_ref`` (name or id): from the index if known, else by one export.

        ``dockerfile``: the parsed Dockerfile the app built it from, to link history rows
        to its lines."""
        self.cancel()
        self.dockerfile = dockerfile
        engine = self._ctx.engine.engine
        self.ref = image_ref
        self.title.setText(f"<b>{image_ref}</b>")
        if engine is None:
            self._fail("No Docker engine is connected; the image cannot be read. Start the "
                       "engine; the app reconnects by itself.")
            return
        self.status.setText("Opening…")
        self.cancel_button.setEnabled(True)
        load = LayerLoad(functools.partial(engine.new_client, None), image_ref, self.index)
        job = self._ctx.tasks.stream(lambda: load, description=f"inspect {image_ref}",
                                     report_errors=False)
        job.items.connect(self._on_items)
        job.failed.connect(self._on_failed)
        # A bound slot, not a partial: Qt drops the connection when this window is
        # deleted, while the job may still be writing the index after the answer.
        job.finished.connect(self._on_finished)
        self._job = job

    @Slot()
    def cancel(self) -> None:
        if self._job is not None:
            self._job.cancel()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.cancel()  # closing the window stops a running export at once
        super().closeEvent(event)

    def _on_items(self, items: list[object]) -> None:
        for item in items:
            if isinstance(item, LoadProgress):
                total = f" of about {human_size(item.total_hint)}" if item.total_hint else ""
                self.status.setText(f"Reading the export: {human_size(item.bytes_read)}"
                                    f"{total}, {item.layers_read} layers…")
            elif isinstance(item, Loaded):
                how = ("from the index, nothing exported" if not item.exported else
                       f"{item.layers_parsed} layers read, {item.layers_reused} from the index")
                self.status.setText(f"Opened in {item.seconds:.2f} s ({how}).")
                # What the job still does (writing the index) is not the user's to stop.
                self.cancel_button.setEnabled(False)
                self.set_analysis(item.analysis)

    def _on_failed(self, message: str, exc: object) -> None:
        if isinstance(exc, LoadCancelled):
            self.status.setText("Cancelled.")
            return
        self._fail(message)

    @Slot()
    def _on_finished(self) -> None:
        if self._job is not None and self._job.is_finished:  # not a newer job's
            self._job = None
            self.cancel_button.setEnabled(False)

    def _fail(self, message: str) -> None:
        self.status.setText(message)
        self.loadFailed.emit(message)

    # --- showing ----------------------------------------------------------------
    def set_analysis(self, analysis: Analysis) -> None:
        self.analysis = analysis
        image = analysis.image
        self.title.setText(f"<b>{self.ref or image.ref}</b> · {len(image.layers)} layers · "
                           f"{human_size(analysis.efficiency.image_size)}")
        lines = dockerfile_lines(image.history, self.dockerfile) if self.dockerfile else {}
        self.history_model.set_history(image.history, lines)
        self.layers_model.set_analysis(analysis)
        self.efficiency.set_analysis(analysis)
        self.select_layer(len(image.layers) - 1)
        self.loaded.emit(analysis)

    def select_layer(self, layer: int) -> None:
        if self.analysis is None or not self.analysis.image.layers:
            return
        self.layer = max(0, min(layer, len(self.analysis.image.layers) - 1))
        selected = self.layers.selectionModel().selectedRows()
        if not selected or selected[0].row() != self.layer:
            self.layers.selectRow(self.layer)
        self._rebuild_tree()

    @Slot()
    def _history_row(self) -> None:
        selected = self.history.selectionModel().selectedRows()
        row = selected[0].row() if selected else -1
        if 0 <= row < len(self.history_model.rows):
            line = self.history_model.lines.get(self.history_model.rows[row].index)
            if line is not None:
                self.lineChosen.emit(line)
            layer = self.history_model.rows[row].layer
            if layer is not None:
                self.select_layer(layer)

    @Slot()
    def _layer_row(self) -> None:
        selected = self.layers.selectionModel().selectedRows()
        row = selected[0].row() if selected else -1
        if row >= 0 and row != self.layer:
            self.select_layer(row)

    @property
    def tree_mode(self) -> TreeMode:
        mode = self.mode.currentData()
        return mode if isinstance(mode, TreeMode) else TreeMode.IMAGE

    @Slot()
    def _rebuild_tree(self) -> None:
        if self.analysis is None:
            return
        self.comparison = None
        diff = self.analysis.diff
        changes = diff.changes[self.layer]
        root = build_tree(diff.stack_at(self.layer), changes, self.tree_mode)
        self.tree_model.set_root(root)
        step = self.analysis.image.layer_step(self.layer)
        counts = {c: 0 for c in Change}
        for ch in changes.values():
            counts[ch.change] += 1
        what = ("changes of" if self.tree_mode is TreeMode.CHANGES else "image up to")
        self.tree_title.setText(
            f"{what} layer {self.layer} (step {step}): {counts[Change.ADDED]} added, "
            f"{counts[Change.MODIFIED]} modified, {counts[Change.REMOVED]} removed")

    @Slot()
    def _filters_changed(self) -> None:
        shown = {c for c, box in self.show_boxes.items() if box.isChecked()}
        try:
            self.tree_model.set_filters(shown, self.path_filter.text(),
                                        self.min_size.value() * 1000)
        except re.error as exc:
            self.path_filter.setToolTip(f"Not a valid regular expression: {exc}")
            self.path_filter.setStyleSheet("QLineEdit { color: #d03030; }")
            return
        self.path_filter.setToolTip("")
        self.path_filter.setStyleSheet("")

    @Slot(str, int)
    def show_path(self, path: str, layer: int) -> None:
        """Select ``layer`` and reveal ``path`` in the file tree."""
        self.mode.setCurrentIndex(list(TreeMode).index(TreeMode.CHANGES))
        self.select_layer(layer)
        parent = QModelIndex()
        found = QModelIndex()
        for part in [p for p in path.split("/") if p]:
            if self.tree_model.canFetchMore(parent):
                self.tree_model.fetchMore(parent)
            found = QModelIndex()
            for row in range(self.tree_model.rowCount(parent)):
                index = self.tree_model.index(row, 0, parent)
                node: Node = index.internalPointer()
                if node.name == part:
                    found = index
                    break
            if not found.isValid():
                return
            if parent.isValid():
                self.tree.expand(parent)
            parent = found
        if found.isValid():
            self.tree.setCurrentIndex(found)
            self.tree.scrollTo(found)

    # --- beyond dive: compare, extract -----------------------------------------------
    @Slot()
    def _compare_clicked(self) -> None:
        other = self.compare_edit.text().strip()
        if other:
            self.compare_with(other)

    def compare_with(self, other_ref: str) -> None:
        """Load ``other_ref`` (index first) and show what differs from this image."""
        engine = self._ctx.engine.engine
        if self.analysis is None or engine is None:
            self.status.setText("Open an image (with the engine connected) before comparing.")
            return
        load = LayerLoad(functools.partial(engine.new_client, None), other_ref, self.index)
        job = self._ctx.tasks.stream(lambda: load, description=f"compare with {other_ref}",
                                     report_errors=False)
        # Bound slots only (no lambdas or partials): Qt drops them with this window.
        self._compare_ref = other_ref
        job.items.connect(self._on_compare_items)
        job.failed.connect(self._on_job_failed)
        self.status.setText(f"Reading {other_ref} to compare…")

    @Slot(str, object)
    def _on_job_failed(self, message: str, _exc: object) -> None:
        self.status.setText(message)

    @Slot(list)
    def _on_compare_items(self, items: list[object]) -> None:
        other_ref = self._compare_ref
        for item in items:
            if isinstance(item, Loaded) and self.analysis is not None:
                result = compare(self.analysis, item.analysis)
                root = build_tree(item.analysis.diff.final, result.changes, TreeMode.CHANGES)
                self.tree_model.set_root(root)
                self.comparison = result
                self.tree_title.setText(f"{self.ref} → {other_ref}: {result.summary()}")
                self.status.setText(f"Compared with {other_ref}.")
                self.compared.emit(result)

    @Slot()
    def _ask_extract(self) -> None:
        index = self.tree.currentIndex()
        if self.analysis is None or not index.isValid():
            self.status.setText("Select a file or folder in the tree to extract.")
            return
        node: Node = index.internalPointer()
        target = self._ctx.interaction.choose_directory(self, Path.home())
        if target is not None:
            self.extract(node.path, self.layer, target)

    def extract(self, path: str, layer: int, destination: Path) -> None:
        """Write ``path`` as layer ``layer`` holds it into ``destination`` (off-thread)."""
        engine = self._ctx.engine.engine
        if self.analysis is None or engine is None:
            self.status.setText("Open an image (with the engine connected) before extracting.")
            return
        image = self.analysis.image
        job = self._ctx.tasks.call(extract, functools.partial(engine.new_client, None),
                                   image.image_id, image.layers[layer].diff_id, path,
                                   destination, self.index,
                                   description=f"extract {path}", report_errors=False)
        job.succeeded.connect(self._on_extracted)
        job.failed.connect(self._on_job_failed)
        self.status.setText(f"Extracting {path} from layer {layer}…")

    def _on_extracted(self, result: Extracted) -> None:
        self.status.setText(f"Extracted {result.files} files, {result.folders} folders, "
                            f"{result.links} links ({human_size(result.bytes)}) to "
                            f"{result.target}.")
        self.extracted.emit(result)

    # --- export -----------------------------------------------------------------
    @Slot()
    def _ask_csv(self) -> None:
        if self.analysis is None:
            return
        start = Path.home() / f"layer-{self.layer}-files.csv"
        target = self._ctx.interaction.choose_save_file(self, start)
        if target is not None:
            count = self.export_csv(target)
            self.status.setText(f"Wrote {count} rows to {target}.")

    def export_csv(self, target: Path) -> int:
        """The file list the tree shows (filters applied) as CSV; returns the row count."""
        rows = 0
        with target.open("w", newline="", encoding="utf-8") as f:
            out = csv.writer(f)
            out.writerow(["path", "change", "type", "size", "mode", "uid", "gid", "link"])
            for node in self.tree_model.visible_nodes():
                e = node.entry
                out.writerow([node.path, node.change.value, e.kind.value if e else "dir",
                              node.size, f"{e.mode:o}" if e else "", e.uid if e else "",
                              e.gid if e else "", e.link if e else ""])
                rows += 1
        return rows


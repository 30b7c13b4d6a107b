"""The efficiency panel: dive's numbers, the correct waste beside them, and the
inefficient files with their waste explained in words."""

from __future__ import annotations

import math

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ui.layers.models import InefficiencyModel
from workbench.formatting import human_size
from workbench.layers import Analysis


class EfficiencyPanel(QWidget):
    """Signals:
    pathChosen(str, int): a path of the list and the last layer it appears in.
    """

    pathChosen = Signal(str, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("layerEfficiency")
        self.setAccessibleName("Image efficiency and wasted space")
        self.summary = QLabel("No image inspected yet.")
        self.summary.setObjectName("layerEfficiencySummary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.model = InefficiencyModel(self)
        self.table = QTableView()
        self.table.setObjectName("layerInefficientFiles")
        self.table.setAccessibleName("Inefficient files")
        self.table.setModel(self.model)  # it sorts itself (see RowTableModel.sort)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(1, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # Widths from the first rows only: measuring 1,000 rows' text (Qt's default) on
        # every new analysis cost more than the analysis's own last step.
        header.setResizeContentsPrecision(64)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.why = QLabel()
        self.why.setObjectName("layerWasteExplanation")
        self.why.setWordWrap(True)
        self.why.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # Selection, not the current index: a view may make row 0 current on its own
        # (focus), and selecting that row then changes no current index.
        self.table.selectionModel().selectionChanged.connect(self._row_changed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.why)

    def set_analysis(self, analysis: Analysis) -> None:
        eff = analysis.efficiency
        ratio = eff.user_wasted_ratio
        user = "n/a (one layer)" if math.isnan(ratio) else f"{ratio * 100:.1f} %"
        true_waste = analysis.diff.true_waste()
        hidden = analysis.diff.opaque_hidden()
        note = ""
        if hidden:
            note = (f"<br><i>{len(hidden)} paths are hidden by opaque directories; dive "
                    "ignores opaque markers and still shows them.</i>")
        self.summary.setText(
            f"<b>Efficiency {eff.score * 100:.2f} %</b> · potential waste "
            f"<b>{human_size(eff.wasted_bytes)}</b> · user wasted {user}<br>"
            f"<i>dive's figures, identical to <tt>dive --json</tt></i><br>"
            f"Image {human_size(eff.image_size)} · shipped but not in the final "
            f"filesystem: <b>{human_size(true_waste)}</b> · "
            f"{len(eff.inefficiencies)} paths in more than one layer{note}")
        self.model.set_analysis(analysis)
        self.why.setText("Select a file to see why it wastes space."
                         if self.model.rows else "No path is shipped more than once.")

    @Slot()
    def _row_changed(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return
        item = self.model.rows[rows[0].row()]
        self.why.setText(self.model.words(item))
        self.pathChosen.emit(item.path, item.layers[-1] if item.layers else 0)

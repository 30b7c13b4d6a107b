"""The problems list (``problemsList``): every finding, clicking one selects its line.

Signals (ProblemsPanel):
    chosen(object): a Diagnostic the user activated.
    fixRequested(object): a Diagnostic whose quick fix the user asked for.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from ui.editor.editor import SEVERITY_COLOURS
from ui.table_model import RowTableModel
from workbench.dockerfile import Diagnostic, Severity

Index = QModelIndex | QPersistentModelIndex
DIAGNOSTIC_ROLE = Qt.ItemDataRole.UserRole + 61
_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


class ProblemsModel(RowTableModel):
    HEADERS = ("Severity", "Line", "Rule", "Problem")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[Diagnostic] = []

    def set_diagnostics(self, diagnostics: Sequence[Diagnostic]) -> bool:
        """Show these findings; False (and no reset) when they are the ones shown."""
        rows = sorted(diagnostics, key=lambda d: (_ORDER[d.severity], d.line, d.start))
        if rows == self.rows:
            return False  # most keystrokes change no finding: keep selection and scroll
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()
        return True

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        d = self.rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (d.severity.value.capitalize(), str(d.line),
                    d.code + (" ✎" if d.fix else ""), d.message)[column]
        if role == Qt.ItemDataRole.ForegroundRole and column == 0:
            return QBrush(QColor(SEVERITY_COLOURS[d.severity]))
        if role == Qt.ItemDataRole.ToolTipRole:
            fix = f"\nQuick fix: {d.fix.title}" if d.fix else ""
            more = f"\nMore: {d.url}" if d.url else ""
            return f"{d.code} ({d.source}), line {d.line}: {d.message}{fix}{more}"
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 1:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == DIAGNOSTIC_ROLE:
            return d
        return None

    def counts(self) -> dict[Severity, int]:
        found = dict.fromkeys(Severity, 0)
        for d in self.rows:
            found[d.severity] += 1
        return found


class ProblemsPanel(QWidget):
    chosen = Signal(object)
    fixRequested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("problemsPanel")
        self.model = ProblemsModel(self)
        self.view = QTreeView()
        self.view.setObjectName("problemsList")
        self.view.setAccessibleName("Problems in the Dockerfile")
        self.view.setRootIsDecorated(False)
        self.view.setUniformRowHeights(True)
        self.view.setAlternatingRowColors(True)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setModel(self.model)
        header = self.view.header()
        header.setStretchLastSection(True)
        # Fixed widths from the font, not ResizeToContents: that asks every row's
        # text on each reset (150 ms for 500 hadolint findings).
        em = self.fontMetrics().horizontalAdvance("M")
        for column, chars in ((0, 7), (1, 4), (2, 15)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(column, chars * em)
        self.summary = QLabel("No problems found.")
        self.summary.setObjectName("problemsSummary")
        self.notice = QLabel()
        self.notice.setObjectName("problemsNotice")
        self.notice.setWordWrap(True)
        self.notice.hide()
        self.fix_button = QPushButton("Apply quick fix")
        self.fix_button.setObjectName("applyFixButton")
        self.fix_button.setAccessibleName("Apply the selected problem's quick fix")
        self.fix_button.setEnabled(False)
        self.fix_button.clicked.connect(self.fix_selected)
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.fix_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.notice)
        layout.addWidget(self.view, 1)
        self.view.activated.connect(self._activated)
        self.view.clicked.connect(self._activated)
        self.view.selectionModel().currentRowChanged.connect(self._current_changed)

    def set_diagnostics(self, diagnostics: Sequence[Diagnostic]) -> None:
        if not self.model.set_diagnostics(diagnostics):
            return
        counts = self.model.counts()
        if not self.model.rows:
            self.summary.setText("No problems found.")
        else:
            self.summary.setText(", ".join(
                f"{n} {s.value}{'s' if n != 1 else ''}" for s, n in counts.items() if n))
        self.fix_button.setEnabled(False)

    def show_notice(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.setVisible(bool(text))

    def selected(self) -> Diagnostic | None:
        index = self.view.currentIndex()
        value = index.data(DIAGNOSTIC_ROLE) if index.isValid() else None
        return value if isinstance(value, Diagnostic) else None

    @Slot()
    def fix_selected(self) -> None:
        d = self.selected()
        if d is not None and d.fix is not None:
            self.fixRequested.emit(d)

    def _activated(self, index: QModelIndex) -> None:
        value = index.data(DIAGNOSTIC_ROLE)
        if isinstance(value, Diagnostic):
            self.chosen.emit(value)

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        value = current.data(DIAGNOSTIC_ROLE) if current.isValid() else None
        self.fix_button.setEnabled(isinstance(value, Diagnostic) and value.fix is not None)

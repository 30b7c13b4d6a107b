"""The stage outline (``stageOutline``): stages (``FROM … AS name``) and their
instructions, from the same Document the diagnostics use. Clicking jumps to
the line. The build panel may reuse ``OutlineModel`` for its target-stage list
(top-level rows with a ``STAGE_ROLE``) and for step-to-line mapping.

Signals (OutlineView):
    lineChosen(int): the 1-based line of the row the user activated.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QTreeView, QWidget

from workbench.dockerfile import Document, Instruction, Stage, parse

Index = QModelIndex | QPersistentModelIndex
LINE_ROLE = Qt.ItemDataRole.UserRole + 62         # int, 1-based first line
STAGE_ROLE = Qt.ItemDataRole.UserRole + 63        # the Stage (top-level rows only)
INSTRUCTION_ROLE = Qt.ItemDataRole.UserRole + 64  # the Instruction (child rows)
EXPAND_LIMIT = 400  # rows
_TOP = 0  # internalId of top-level rows; children carry their parent's row + 1


class OutlineModel(QAbstractItemModel):
    """Top level: one row per stage (plus "Before the first FROM" for meta ARGs)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document: Document = parse("")
        self._groups: list[tuple[Stage | None, list[Instruction]]] = []

    def set_document(self, document: Document) -> None:
        """Show this Document's stages; rows that only changed text are updated in
        place (expansion and selection stay), a new shape resets the model."""
        groups: list[tuple[Stage | None, list[Instruction]]] = []
        meta = [i for i in document.instructions if i.stage is None]
        if meta:
            groups.append((None, meta))
        for stage in document.stages:
            groups.append((stage, [document.instructions[i] for i in stage.instructions[1:]]))
        same_shape = [len(m) for _, m in groups] == [len(m) for _, m in self._groups]
        if same_shape and groups == self._groups:
            self.document = document
            return
        if same_shape:
            self.document = document
            self._groups = groups
            if groups:
                self.dataChanged.emit(self.index(0, 0), self.index(len(groups) - 1, 0))
                for row, (_, members) in enumerate(groups):
                    if members:
                        parent = self.index(row, 0)
                        self.dataChanged.emit(self.index(0, 0, parent),
                                              self.index(len(members) - 1, 0, parent))
            return
        self.beginResetModel()
        self.document = document
        self._groups = groups
        self.endResetModel()

    def stages(self) -> list[Stage]:
        return [stage for stage, _ in self._groups if stage is not None]

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if column != 0 or row < 0:
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, 0, _TOP) if row < len(self._groups) else QModelIndex()
        if parent.internalId() != _TOP or not 0 <= parent.row() < len(self._groups):
            return QModelIndex()
        if row >= len(self._groups[parent.row()][1]):
            return QModelIndex()
        return self.createIndex(row, 0, parent.row() + 1)

    def parent(self, child: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not child.isValid() or child.internalId() == _TOP:
            return QModelIndex()
        return self.createIndex(child.internalId() - 1, 0, _TOP)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if not parent.isValid():
            return len(self._groups)
        if parent.column() != 0 or parent.internalId() != _TOP:
            return 0
        return len(self._groups[parent.row()][1]) if parent.row() < len(self._groups) else 0

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 1

    def _item(self, index: Index) -> tuple[Stage | None, Instruction | None, bool]:
        if index.internalId() == _TOP:
            stage, members = self._groups[index.row()]
            return stage, None, True
        stage, members = self._groups[index.internalId() - 1]
        return stage, members[index.row()], False

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        stage, ins, top = self._item(index)
        if top:
            first = stage.first_line if stage else self._groups[index.row()][1][0].first_line
            if role == Qt.ItemDataRole.DisplayRole:
                if stage is None:
                    return "Before the first FROM"
                return f"{stage.label}  ·  FROM {stage.base}"
            if role == Qt.ItemDataRole.ToolTipRole:
                return (f"Stage {stage.index} from line {stage.first_line} to "
                        f"{stage.last_line}" if stage else "ARGs usable in FROM lines")
            if role == Qt.ItemDataRole.FontRole:
                font = QFont()
                font.setBold(True)
                return font
            if role == LINE_ROLE:
                return first
            if role == STAGE_ROLE:
                return stage
            return None
        assert ins is not None
        if role == Qt.ItemDataRole.DisplayRole:
            rest = ins.rest if len(ins.rest) <= 50 else ins.rest[:49] + "…"
            return f"{ins.first_line}  {ins.keyword} {rest}".rstrip()
        if role == Qt.ItemDataRole.ToolTipRole:
            return ins.text
        if role == LINE_ROLE:
            return ins.first_line
        if role == INSTRUCTION_ROLE:
            return ins
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


class OutlineView(QTreeView):
    lineChosen = Signal(int)

    def __init__(self, model: OutlineModel | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stageOutline")
        self.setAccessibleName("Stages and instructions")
        self.setHeaderHidden(True)
        self.setUniformRowHeights(True)
        self.outline = model or OutlineModel(self)
        self.setModel(self.outline)
        self.outline.modelReset.connect(self._expand)
        self.activated.connect(self._chosen)
        self.clicked.connect(self._chosen)

    def _expand(self) -> None:
        # Expanding thousands of rows costs tens of ms; big files start collapsed.
        rows = self.outline.rowCount()
        total = rows + sum(self.outline.rowCount(self.outline.index(r, 0)) for r in range(rows))
        if total <= EXPAND_LIMIT:
            self.expandAll()

    def _chosen(self, index: QModelIndex) -> None:
        line = index.data(LINE_ROLE)
        if isinstance(line, int):
            self.lineChosen.emit(line)

"""Build options: args (prefilled from the Dockerfile's ARGs), target stage, cache, pull,
labels, platform. Remembered per Dockerfile by the build panel."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ui.table_model import RowTableModel
from workbench.build.options import BuildOptions, declared_args, parse_labels, stages
from workbench.dockerfile import Document

Index = QModelIndex | QPersistentModelIndex


@dataclass
class ArgRow:
    name: str
    value: str
    default: str | None
    declared: bool  # False: added by the user, not in the Dockerfile


class BuildArgsModel(RowTableModel):
    HEADERS = ("Build arg", "Value", "Default in Dockerfile")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[ArgRow] = []

    def set_declared(self, declared: list[tuple[str, str | None]]) -> None:
        """Refresh from the Dockerfile; values the user typed survive."""
        typed = {r.name: r.value for r in self.rows if r.value}
        extra = [r for r in self.rows if not r.declared]
        names = {n for n, _ in declared}
        self.beginResetModel()
        self.rows = [ArgRow(n, typed.get(n, ""), d, True) for n, d in declared]
        self.rows += [r for r in extra if r.name not in names]
        self.endResetModel()

    def add_row(self, name: str = "", value: str = "") -> int:
        row = len(self.rows)
        self.beginInsertRows(QModelIndex(), row, row)
        self.rows.append(ArgRow(name, value, None, False))
        self.endInsertRows()
        return row

    def values(self) -> dict[str, str]:
        """Only args the user set: an empty value means "use the Dockerfile's default"."""
        return {r.name: r.value for r in self.rows if r.name and r.value}

    def set_values(self, values: dict[str, str]) -> None:
        for row, arg in enumerate(self.rows):
            if arg.name in values:
                arg.value = values[arg.name]
                self.dataChanged.emit(self.index(row, 1), self.index(row, 1))
        known = {r.name for r in self.rows}
        for name, value in values.items():
            if name not in known:
                self.add_row(name, value)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self.rows)):
            return None
        arg = self.rows[index.row()]
        col = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if col == 0:
                return arg.name
            if col == 1:
                return arg.value
            return "" if arg.default is None else arg.default
        if role == Qt.ItemDataRole.ForegroundRole and col == 2:
            return QBrush(QColor("#757575"))
        if role == Qt.ItemDataRole.ToolTipRole:
            if not arg.declared:
                return "Not declared with ARG in this Dockerfile: the engine will warn it is unused"
            return "Leave Value empty to use the Dockerfile's default"
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        if not index.isValid():
            return base
        arg = self.rows[index.row()]
        if index.column() == 1 or (index.column() == 0 and not arg.declared):
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        arg = self.rows[index.row()]
        if index.column() == 1:
            arg.value = str(value)
        elif index.column() == 0 and not arg.declared:
            arg.name = str(value).strip()
        else:
            return False
        self.dataChanged.emit(index, index)
        return True


LAST_STAGE = "(the last stage)"


class BuildOptionsWidget(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("buildOptions")
        self.args = BuildArgsModel(self)
        self.args_view = QTableView()
        self.args_view.setObjectName("buildArgsTable")
        self.args_view.setAccessibleName("Build arguments")
        self.args_view.setModel(self.args)
        self.args_view.verticalHeader().hide()
        self.args_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.args_view.setEditTriggers(QAbstractItemView.EditTrigger.AllEditTriggers)
        self.args_view.setMaximumHeight(110)
        self.add_arg_button = QPushButton("Add arg")
        self.add_arg_button.setObjectName("addBuildArgButton")
        self.add_arg_button.setAccessibleName("Add a build argument")
        self.add_arg_button.clicked.connect(self._add_arg)
        self.target = QComboBox()
        self.target.setObjectName("targetStageCombo")
        self.target.setAccessibleName("Target stage")
        self.target.setToolTip("Stop the build after this stage (docker build --target)")
        self.no_cache = QCheckBox("No cache")
        self.no_cache.setObjectName("noCacheCheck")
        self.no_cache.setAccessibleName("Build without the cache")
        self.no_cache.setToolTip("Run every step again instead of reusing earlier layers")
        self.pull = QCheckBox("Always pull base")
        self.pull.setObjectName("pullCheck")
        self.pull.setAccessibleName("Always pull the base image")
        self.pull.setToolTip("Pull a newer version of the FROM images even if one is local")
        self.labels = QLineEdit()
        self.labels.setObjectName("buildLabelsEdit")
        self.labels.setAccessibleName("Image labels")
        self.labels.setPlaceholderText('key=value key2="two words"')
        self.platform = QComboBox()
        self.platform.setObjectName("buildPlatformCombo")
        self.platform.setAccessibleName("Target platform")
        self.platform.setEditable(True)
        self.platform.addItems(["", "linux/amd64", "linux/arm64", "linux/arm/v7"])
        self.platform.setToolTip("Empty: the engine's own platform. Others need emulation "
                                 "on the engine.")
        self.error = QLabel()
        self.error.setObjectName("buildOptionsError")
        self.error.setStyleSheet("color: #b71c1c")
        self.error.hide()

        checks = QHBoxLayout()
        checks.addWidget(self.no_cache)
        checks.addWidget(self.pull)
        checks.addStretch(1)
        args_row = QHBoxLayout()
        args_row.addWidget(self.args_view, 1)
        args_row.addWidget(self.add_arg_button, 0, Qt.AlignmentFlag.AlignTop)
        form = QFormLayout()
        form.addRow("Target stage:", self.target)
        form.addRow("Labels:", self.labels)
        form.addRow("Platform:", self.platform)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(args_row)
        layout.addLayout(checks)
        layout.addLayout(form)
        layout.addWidget(self.error)
        self.set_document(Document(()))

    def _add_arg(self) -> None:
        row = self.args.add_row()
        self.args_view.edit(self.args.index(row, 0))

    def set_document(self, document: Document) -> None:
        self.args.set_declared([(a.name, a.default) for a in declared_args(document)])
        current = self.target.currentData()
        self.target.blockSignals(True)
        self.target.clear()
        self.target.addItem(LAST_STAGE, None)
        for stage in stages(document):
            if stage.name:
                self.target.addItem(
                    f"{stage.name} (stage {stage.index + 1}, FROM {stage.base})", stage.name)
        found = self.target.findData(current) if current else -1
        self.target.setCurrentIndex(max(found, 0))
        self.target.blockSignals(False)

    def options(self) -> BuildOptions:
        """Raises ValueError, with the reason shown under the fields, on bad labels."""
        try:
            labels = parse_labels(self.labels.text())
        except ValueError as exc:
            self.error.setText(f"Labels: {exc}. Write them as key=value, separated by spaces.")
            self.error.show()
            raise
        self.error.hide()
        target = self.target.currentData()
        return BuildOptions(
            build_args=self.args.values(), target=target if isinstance(target, str) else None,
            no_cache=self.no_cache.isChecked(), pull=self.pull.isChecked(), labels=labels,
            platform=self.platform.currentText().strip() or None)

    def apply(self, options: BuildOptions) -> None:
        self.args.set_values(options.build_args)
        found = self.target.findData(options.target) if options.target else 0
        self.target.setCurrentIndex(max(found, 0))
        self.no_cache.setChecked(options.no_cache)
        self.pull.setChecked(options.pull)
        self.labels.setText(" ".join(f"{k}={v}" if " " not in v else f'{k}="{v}"'
                                     for k, v in options.labels.items()))
        self.platform.setCurrentText(options.platform or "")

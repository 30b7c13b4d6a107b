"""New from template (``templateGallery``): the tutorial's hello first, then real
starting points, each with one line of description (``resources/templates``).

Signals (TemplateGallery):
    chosen(object): the Template the user picked.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtWidgets import QLabel, QListView, QPushButton, QVBoxLayout, QWidget

from workbench.dockerfile.templates import Template, load_templates

Index = QModelIndex | QPersistentModelIndex
TEMPLATE_ROLE = Qt.ItemDataRole.UserRole + 65


class TemplatesModel(QAbstractListModel):
    def __init__(self, templates: list[Template], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.templates = templates

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.templates)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self.templates):
            return None
        t = self.templates[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{t.title}\n{t.description}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return t.text()
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{t.title}: {t.description}"
        if role == TEMPLATE_ROLE:
            return t
        return None


class TemplateGallery(QWidget):
    chosen = Signal(object)

    def __init__(self, folder: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("templateGalleryPanel")
        self.model = TemplatesModel(load_templates(folder), self)
        self.view = QListView()
        self.view.setObjectName("templateGallery")
        self.view.setAccessibleName("Dockerfile templates")
        self.view.setModel(self.model)
        self.view.setWordWrap(True)
        self.view.setSpacing(2)
        self.view.setAlternatingRowColors(True)
        self.view.setCurrentIndex(self.model.index(0, 0))
        self.use_button = QPushButton("Start from this template")
        self.use_button.setObjectName("useTemplateButton")
        self.use_button.setAccessibleName("Start a new Dockerfile from the selected template")
        self.use_button.clicked.connect(self.use_selected)
        self.view.activated.connect(self._activated)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        hint = QLabel("Double-click a template to start a new Dockerfile from it.")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.use_button)

    @Slot()
    def use_selected(self) -> None:
        self._activated(self.view.currentIndex())

    def _activated(self, index: QModelIndex) -> None:
        value = index.data(TEMPLATE_ROLE) if index.isValid() else None
        if isinstance(value, Template):
            self.chosen.emit(value)

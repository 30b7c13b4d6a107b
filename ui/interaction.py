"""Every question the app asks the user, behind one seam.

Widgets ask here instead of opening dialogs themselves, so tests can answer
with a scripted ``Interaction`` and never block on a modal dialog.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget


class SaveChoice(Enum):
    SAVE = "save"
    DISCARD = "discard"
    CANCEL = "cancel"


class Interaction:
    def ask_save_changes(self, parent: QWidget, name: str) -> SaveChoice:
        answer = QMessageBox.question(
            parent, "Unsaved changes",
            f"“{name}” has changes that are not saved. Save them before closing?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save,
        )
        if answer == QMessageBox.StandardButton.Save:
            return SaveChoice.SAVE
        if answer == QMessageBox.StandardButton.Discard:
            return SaveChoice.DISCARD
        return SaveChoice.CANCEL

    def confirm(self, parent: QWidget, title: str, text: str) -> bool:
        answer = QMessageBox.question(parent, title, text)
        return answer == QMessageBox.StandardButton.Yes

    def choose_open_file(self, parent: QWidget, start: Path) -> Path | None:
        name, _ = QFileDialog.getOpenFileName(
            parent, "Open Dockerfile", str(start),
            "Dockerfiles (*Dockerfile* *.dockerfile);;All files (*)")
        return Path(name) if name else None

    def choose_save_file(self, parent: QWidget, start: Path) -> Path | None:
        name, _ = QFileDialog.getSaveFileName(parent, "Save Dockerfile", str(start))
        return Path(name) if name else None

    def choose_directory(self, parent: QWidget, start: Path) -> Path | None:
        name = QFileDialog.getExistingDirectory(parent, "Build context folder", str(start))
        return Path(name) if name else None

    def show_error(self, parent: QWidget, title: str, text: str) -> None:
        QMessageBox.warning(parent, title, text)

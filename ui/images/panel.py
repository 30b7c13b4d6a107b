"""The image list: ``docker images`` as a sortable table that refreshes off-thread."""

from __future__ import annotations

from PySide6.QtCore import QSortFilterProxyModel, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ui.context import AppContext
from ui.icons import icon
from ui.images.model import ImagesModel
from ui.roles import Role
from ui.worker import Job
from workbench.explain import is_connection_lost
from workbench.images import ImageRow, list_images

AGE_REFRESH_MS = 30_000


class ImagesPanel(QWidget):
    """Signals:
    refreshed(int): the list was filled from the engine, with this many rows.
    """

    refreshed = Signal(int)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("imagesPanel")
        self._ctx = ctx
        self._job: Job | None = None
        self._again = False
        self.model = ImagesModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(Role.SORT)
        self.view = QTableView()
        self.view.setObjectName("imageList")
        self.view.setAccessibleName("Images in the engine")
        self.view.setModel(self.proxy)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(ImagesModel.COL_CREATED, Qt.SortOrder.DescendingOrder)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.verticalHeader().hide()
        self.view.setWordWrap(False)
        self.view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(ImagesModel.COL_REPO, QHeaderView.ResizeMode.Stretch)
        self.title = QLabel("<b>Images</b>")
        self.status = QLabel()
        self.status.setObjectName("imageListStatus")
        self.refresh_button = QPushButton(icon("refresh"), "Refresh")
        self.refresh_button.setObjectName("refreshImagesButton")
        self.refresh_button.setAccessibleName("Refresh the image list")
        self.refresh_button.clicked.connect(self.refresh)
        top = QHBoxLayout()
        top.addWidget(self.title)
        top.addWidget(self.status, 1)
        top.addWidget(self.refresh_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        self._ages = QTimer(self)
        self._ages.setInterval(AGE_REFRESH_MS)
        self._ages.timeout.connect(self.model.refresh_ages)
        self._ages.start()

    @Slot()
    def refresh(self) -> None:
        engine = self._ctx.engine.engine
        if engine is None:
            self.status.setText("No engine connected.")
            return
        if self._job is not None:
            self._again = True  # coalesce: one more refresh when this one ends
            return
        self.status.setText("Refreshing…")
        job = self._ctx.tasks.call(list_images, engine.api, description="Listing images",
                                   report_errors=False)
        job.succeeded.connect(self._on_rows)
        job.failed.connect(self._on_failed)
        job.finished.connect(self._on_finished)
        self._job = job

    def _on_rows(self, rows: list[ImageRow]) -> None:
        self.model.set_rows(rows)
        self.status.setText(f"{len(rows)} image tags")
        self.refreshed.emit(len(rows))

    def _on_failed(self, message: str, exc: BaseException) -> None:
        self.status.setText(f"Could not list images: {message}")
        if is_connection_lost(exc):
            self._ctx.engine.report_lost(message)

    def _on_finished(self) -> None:
        self._job = None
        if self._again:
            self._again = False
            self.refresh()

    def clear(self) -> None:
        self.model.set_rows([])
        self.status.setText("No engine connected: the list fills when one answers.")

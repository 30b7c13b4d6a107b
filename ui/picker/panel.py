"""The base-image picker: which base image, and why, in numbers.

Rows come from the catalogue (plus search results). Each row first shows the
catalogue's published figure, labelled "as of <date>", then the registry's live
answer replaces it; when the registry cannot be asked the dated figure stays
and says why. Tags the engine already has show their real on-disk size and
"available offline". Every registry and engine call runs through
``ctx.tasks``; answers carry a token so a stale one (an older tag, an older
search) is dropped.
"""

from __future__ import annotations

import platform as host_platform
from functools import partial
from typing import Any

import docker
from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from ui.context import AppContext
from ui.icons import icon
from ui.images.progress import LayerLine, LayersModel, ProgressDelegate
from ui.picker.from_edit import TextEdit, use_image_edit
from ui.picker.model import LocalImage, PickerModel, PickerRole, PickerRow
from ui.roles import Role
from ui.worker import Job
from workbench.catalogue import Catalogue, load_catalogue
from workbench.commands import pull_command
from workbench.formatting import human_size
from workbench.registry import (
    Platform,
    RegistryClient,
    RegistryError,
    SearchResult,
    SizeFigure,
    known_repositories,
    parse_reference,
    published_figure,
    size_figure,
)
from workbench.transfer import (
    LayerPhase,
    PullCancelled,
    PullDone,
    PullEvent,
    PullFailed,
    PullProgress,
    PullRun,
)

SEARCH_DEBOUNCE_MS = 400
_MACHINE_ARCH = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64",
                 "armv7l": "arm", "ppc64le": "ppc64le", "s390x": "s390x"}


def list_local(api: docker.APIClient) -> dict[str, LocalImage]:
    """reference → LocalImage for every tag the engine has (sizes as image inspect has them)."""
    found: dict[str, LocalImage] = {}
    for image in api.images():
        for tag in image.get("RepoTags") or []:
            if tag != "<none>:<none>":
                found[tag] = LocalImage(tag, int(image.get("Size") or 0), str(image["Id"]))
    return found


class PickerFilter(QSortFilterProxyModel):
    """Sorts on raw numbers (Role.SORT); filters by the search box text."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.setSortRole(Role.SORT)
        self._text = ""
        self._query = ""

    def set_text(self, text: str, query: str) -> None:
        self.beginFilterChange()  # Qt 6.9+: replaces the deprecated invalidateFilter()
        self._text = text.strip().lower()
        self._query = query
        self.endFilterChange()

    def filterAcceptsRow(self, source_row: int,
                         source_parent: QModelIndex | QPersistentModelIndex) -> bool:
        if not self._text:
            return True
        model = self.sourceModel()
        row: PickerRow = model.data(model.index(source_row, 0, source_parent), PickerRole.ROW)
        if row.entry is None and row.description.startswith("found by"):
            return True  # search results stay: the registry chose them for this query
        words = f"{row.repository} {row.title} {row.description}".lower()
        if self._text.startswith(row.repository.lower()):
            return True  # "quay.io/centos/centos:stream9" shows that repository's row
        return self._text in words or (row.entry is not None and
                                       self._text in row.entry.description.lower())


class BaseImagePicker(QWidget):
    """Choose a base image by size, tag and what it is good for; Use it or Pull it.

    Signals:
        pullFinished(str): a pull of this reference succeeded (refresh the image list).
        imageUsed(str): this reference was written into the editor's FROM.
    """

    pullFinished = Signal(str)
    imageUsed = Signal(str)

    def __init__(self, ctx: AppContext, editor: QPlainTextEdit, parent: QWidget | None = None,
                 *, catalogue: Catalogue | None = None,
                 client: RegistryClient | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("baseImagePicker")
        self.setAccessibleName("Base image picker")
        self._ctx = ctx
        self._editor = editor
        self.catalogue = catalogue if catalogue is not None else load_catalogue()
        self._client = client
        self._tokens: dict[str, int] = {}  # repository → token of its newest look-up
        self._search_token = 0
        self._tags_token = 0
        self._pull_job: Job | None = None
        self._pull_run: PullRun | None = None
        self._local: dict[str, LocalImage] = {}
        self._closed = False
        self.progress = PullProgress()

        self.model = PickerModel(self)
        self.proxy = PickerFilter(self)
        self.proxy.setSourceModel(self.model)
        self._build_ui()
        self.model.set_rows([PickerRow(e.repository, e.tags[0], e, e.description)
                             for e in self.catalogue.entries])
        self.view.sortByColumn(PickerModel.COL_DOWNLOAD, Qt.SortOrder.AscendingOrder)
        for row in self.model.rows:
            self._look_up(row.repository)
        self.refresh_local()
        ctx.engine.connected.connect(self._on_engine)
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)
        if self.proxy.rowCount():
            self.view.selectRow(0)

    # --- layout --------------------------------------------------------
    def _build_ui(self) -> None:
        self.search = QLineEdit()
        self.search.setObjectName("baseImageSearch")
        self.search.setAccessibleName("Search for any image repository")
        self.search.setPlaceholderText("Search: nginx, quay.io/centos/centos, "
                                       "127.0.0.1:5000/team/app …")
        self.search.setClearButtonEnabled(True)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DEBOUNCE_MS)
        self._debounce.timeout.connect(self._search_now)
        self.search.textChanged.connect(self._on_search_text)
        self.platform_label = QLabel()
        self.platform_label.setObjectName("baseImagePlatform")
        self.search_status = QLabel()
        self.search_status.setObjectName("baseImageSearchStatus")
        self.search_status.setWordWrap(True)

        self.view = QTableView()
        self.view.setObjectName("baseImageList")
        self.view.setAccessibleName("Base images, sortable by size")
        self.view.setModel(self.proxy)
        self.view.setSortingEnabled(True)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.verticalHeader().hide()
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.view.selectionModel().currentRowChanged.connect(self._on_current)
        self.view.doubleClicked.connect(lambda _index: self.use_selected())

        self.title = QLabel()
        self.title.setObjectName("baseImageTitle")
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.description = QLabel()
        self.description.setObjectName("baseImageDescription")
        self.description.setWordWrap(True)
        self.eol_label = QLabel()
        self.eol_label.setObjectName("baseImageEndOfLife")
        self.eol_label.setWordWrap(True)
        self.eol_label.setStyleSheet("color: #b71c1c;")
        self.eol_label.linkActivated.connect(self.show_repository)
        self.tag_combo = QComboBox()
        self.tag_combo.setObjectName("baseImageTag")
        self.tag_combo.setAccessibleName("Tag of the selected base image")
        self.tag_combo.setEditable(True)
        self.tag_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.tag_combo.setMinimumContentsLength(14)
        self.tag_combo.activated.connect(self._on_tag_chosen)
        tag_edit = self.tag_combo.lineEdit()
        assert tag_edit is not None  # the combo is editable
        tag_edit.returnPressed.connect(
            lambda: self.set_tag(self.tag_combo.currentText().strip()))
        self.sizes_label = QLabel()
        self.sizes_label.setObjectName("baseImageSizes")
        self.sizes_label.setWordWrap(True)
        self.sizes_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.use_button = QPushButton("Use")
        self.use_button.setObjectName("useBaseImageButton")
        self.use_button.setAccessibleName("Use this image in the FROM line under the cursor")
        self.use_button.setToolTip("Replace the FROM of the stage under the cursor "
                                   "(or add one at the top). Ctrl+Z undoes it.")
        self.use_button.clicked.connect(self.use_selected)
        self.pull_button = QPushButton("Pull")
        self.pull_button.setObjectName("pullBaseImageButton")
        self.pull_button.setAccessibleName("Pull the selected base image")
        self.pull_button.clicked.connect(self.pull_selected)
        self.command_button = QPushButton(icon("command"), "Show command")
        self.command_button.setObjectName("showPullCommandButton")
        self.command_button.setAccessibleName("Show the docker pull command")
        self.command_button.setCheckable(True)
        self.command_button.toggled.connect(self._update_command)
        self.command_line = QLineEdit()
        self.command_line.setObjectName("pullCommandLine")
        self.command_line.setAccessibleName("The equivalent docker pull command")
        self.command_line.setReadOnly(True)
        self.command_line.hide()

        details = QGroupBox("Selected image")
        details.setObjectName("baseImageDetails")
        tag_row = QHBoxLayout()
        tag_row.addWidget(QLabel("Tag:"))
        tag_row.addWidget(self.tag_combo)
        tag_row.addStretch(1)
        tag_row.addWidget(self.use_button)
        tag_row.addWidget(self.pull_button)
        tag_row.addWidget(self.command_button)
        box = QVBoxLayout(details)
        box.addWidget(self.title)
        box.addWidget(self.description)
        box.addWidget(self.eol_label)
        box.addLayout(tag_row)
        box.addWidget(self.sizes_label)
        box.addWidget(self.command_line)

        self.pull_box = QGroupBox("Pull")
        self.pull_box.setObjectName("baseImagePullBox")
        self.pull_status = QLabel()
        self.pull_status.setObjectName("pullStatus")
        self.pull_status.setWordWrap(True)
        self.pull_total = QProgressBar()
        self.pull_total.setObjectName("pullTotalProgress")
        self.pull_total.setAccessibleName("Pull progress, all layers")
        self.pull_total.setRange(0, 1000)
        self.cancel_button = QPushButton(icon("cancel"), "Cancel")
        self.cancel_button.setObjectName("cancelPullButton")
        self.cancel_button.setAccessibleName("Cancel the pull")
        self.cancel_button.clicked.connect(self.cancel_pull)
        self.cancel_button.setEnabled(False)
        self.layers = LayersModel(self)
        self.layers_view = QTableView()
        self.layers_view.setObjectName("pullLayers")
        self.layers_view.setAccessibleName("Layers of the pull")
        self.layers_view.setModel(self.layers)
        self.layers_view.verticalHeader().hide()
        # The image list's own layer model and bars (one per layer; the image column is
        # the same for every row here, so it is hidden).
        self.layers_view.setItemDelegateForColumn(LayersModel.COL_PROGRESS,
                                                  ProgressDelegate(self))
        self.layers_view.setColumnHidden(LayersModel.COL_GROUP, True)
        self.layers_view.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.layers_view.horizontalHeader().setSectionResizeMode(
            LayersModel.COL_PROGRESS, QHeaderView.ResizeMode.Stretch)
        self.layers_view.setMaximumHeight(160)
        pull_top = QHBoxLayout()
        pull_top.addWidget(self.pull_total, 1)
        pull_top.addWidget(self.cancel_button)
        pull_layout = QVBoxLayout(self.pull_box)
        pull_layout.addWidget(self.pull_status)
        pull_layout.addLayout(pull_top)
        pull_layout.addWidget(self.layers_view)
        self.pull_box.hide()

        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.platform_label)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.search_status)
        layout.addWidget(self.view, 1)
        layout.addWidget(details)
        layout.addWidget(self.pull_box)
        self._update_platform_label()

    # --- platform and client -------------------------------------------
    @property
    def platform(self) -> Platform:
        engine = self._ctx.engine.engine
        if engine is not None:
            return Platform.of_engine(engine.info.os, engine.info.arch)
        machine = host_platform.machine().lower()
        return Platform.of_engine("linux", _MACHINE_ARCH.get(machine, machine))

    @property
    def client(self) -> RegistryClient:
        wanted = self.platform
        if self._client is None or self._client.platform != wanted:
            if self._client is not None:
                # Same settings, the engine's platform (it may have changed on reconnect).
                # Answers still on their way from the old one are stale and dropped.
                old = self._client
                self._client = RegistryClient(
                    wanted, auth_config=old.auth_config, ca_files=old.ca_files,
                    certs_dirs=old.certs_dirs, timeout=old.timeout, ttl_s=old.ttl_s)
                old.close()
            else:
                self._client = RegistryClient(wanted)
        return self._client

    def _update_platform_label(self) -> None:
        engine = self._ctx.engine.engine
        whose = "this engine" if engine is not None else "this computer; no engine yet"
        self.platform_label.setText(f"Sizes for {self.platform.short} ({whose})")

    @Slot(object)
    def _on_engine(self, _engine: object) -> None:
        self._update_platform_label()
        for row in self.model.rows:
            self._look_up(row.repository)
        self.refresh_local()

    # --- sizes ---------------------------------------------------------
    def _look_up(self, repository: str) -> None:
        """Show the published figure now; ask the registry; newest answer wins."""
        number = self.model.row_of(repository)
        if number is None:
            return
        row = self.model.rows[number]
        token = self._tokens.get(repository, 0) + 1
        self._tokens[repository] = token
        reference = row.reference
        try:
            published: SizeFigure | None = published_figure(self.catalogue, reference,
                                                            self.platform)
        except RegistryError:
            published = None
        self.model.update(repository, figure=published, looking_up=True)
        job = self._ctx.tasks.call(size_figure, self.client, self.catalogue, reference,
                                   description=f"Looking up the size of {reference}",
                                   report_errors=False)
        job.succeeded.connect(partial(self._on_figure, repository, token))
        job.failed.connect(partial(self._on_figure_failed, repository, token))
        if self._selected_repository() == repository:
            self._show_details()

    def _on_figure(self, repository: str, token: int, figure: SizeFigure) -> None:
        if not self._alive():
            return  # the answer came after the picker was closed
        if self._tokens.get(repository) != token:
            return  # an answer for a tag no longer chosen
        self.model.update(repository, figure=figure, looking_up=False)
        if self._selected_repository() == repository:
            self._show_details()

    def _on_figure_failed(self, repository: str, token: int, message: str,
                          _exc: BaseException) -> None:
        if not self._alive():
            return  # the answer came after the picker was closed
        if self._tokens.get(repository) != token:
            return
        number = self.model.row_of(repository)
        if number is None:
            return
        old = self.model.rows[number].figure
        figure = old if old is not None else SizeFigure(
            self.model.rows[number].reference, None, None, False, None, "", message)
        self.model.update(repository, figure=figure, looking_up=False)
        if self._selected_repository() == repository:
            self._show_details()

    @Slot()
    def refresh_local(self) -> None:
        """Which chosen tags the engine already has, with their real on-disk sizes."""
        engine = self._ctx.engine.engine
        if engine is None:
            return
        job = self._ctx.tasks.call(list_local, engine.api, description="Listing local images",
                                   report_errors=False)
        job.succeeded.connect(self._on_local)

    def _on_local(self, local: dict[str, LocalImage]) -> None:
        if not self._alive():
            return  # the answer came after the picker was closed
        self._local = local
        self.model.set_local(local)
        self._show_details()

    # --- selection and details -----------------------------------------
    def _selected_row(self) -> PickerRow | None:
        index = self.view.selectionModel().currentIndex()
        if not index.isValid():
            return None
        row: PickerRow = self.proxy.data(index, PickerRole.ROW)
        return row

    def _selected_repository(self) -> str | None:
        row = self._selected_row()
        return row.repository if row else None

    def select_repository(self, repository: str) -> bool:
        number = self.model.row_of(repository)
        if number is None:
            return False
        index = self.proxy.mapFromSource(self.model.index(number, 0))
        if not index.isValid():
            return False
        self.view.setCurrentIndex(index)
        self.view.scrollTo(index)
        return True

    @Slot(str)
    def show_repository(self, reference: str, keep_search: bool = False) -> None:
        """Select (adding it if needed) an image such as a suggested CentOS successor."""
        try:
            ref = parse_reference(reference)
        except RegistryError:
            return
        if self.model.row_of(ref.name) is None:
            entry = self.catalogue.entry(ref.name)
            self.model.add_rows([PickerRow(ref.name, ref.tag, entry,
                                           entry.description if entry else "")])
            self._look_up(ref.name)
        if not keep_search:
            self.search.clear()
        self.select_repository(ref.name)
        self.set_tag(ref.tag)

    def _on_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self._show_details()
        row = self._selected_row()
        if row is None:
            return
        self._fill_tags(row, [])
        self._tags_token += 1
        job = self._ctx.tasks.call(self.client.tags, row.repository,
                                   description=f"Listing tags of {row.repository}",
                                   report_errors=False)
        job.succeeded.connect(partial(self._on_tags, row.repository, self._tags_token))

    def _on_tags(self, repository: str, token: int, tags: list[str]) -> None:
        if not self._alive():
            return  # the answer came after the picker was closed
        row = self._selected_row()
        if token != self._tags_token or row is None or row.repository != repository:
            return  # the user moved on
        self._fill_tags(row, tags)

    def _fill_tags(self, row: PickerRow, extra: list[str]) -> None:
        recommended = list(row.entry.tags) if row.entry else []
        names = list(dict.fromkeys([row.tag, *recommended,
                                    *sorted(set(extra) - set(recommended), reverse=True)]))
        self.tag_combo.blockSignals(True)
        self.tag_combo.clear()
        for name in names:
            hint = " (recommended)" if name in recommended else ""
            self.tag_combo.addItem(f"{name}{hint}", name)
        self.tag_combo.setCurrentIndex(0)
        self.tag_combo.blockSignals(False)

    def _on_tag_chosen(self, number: int) -> None:
        tag = self.tag_combo.itemData(number) or self.tag_combo.itemText(number)
        self.set_tag(str(tag))

    def set_tag(self, tag: str) -> None:
        row = self._selected_row()
        if row is None or not tag or tag == row.tag:
            return
        self.model.update(row.repository, tag=tag, figure=None, local=None)
        self.model.set_local(self._local)
        self._look_up(row.repository)
        self._show_details()

    def _show_details(self) -> None:
        row = self._selected_row()
        has_row = row is not None
        for widget in (self.use_button, self.pull_button, self.command_button, self.tag_combo):
            widget.setEnabled(has_row)
        self.pull_button.setEnabled(has_row and self._pull_job is None)
        if row is None:
            self.title.setText("Choose a base image")
            self.description.clear()
            self.eol_label.hide()
            self.sizes_label.clear()
            return
        self.title.setText(f"{row.title} — {row.reference}")
        self.description.setText(row.entry.description if row.entry else row.description)
        if row.entry and row.entry.eol:
            links = ", ".join(f'<a href="{s}">{s}</a>' for s in row.entry.eol.successors)
            self.eol_label.setText(f"End of life since {row.entry.eol.date}: "
                                   f"{row.entry.eol.note} Use instead: {links}.")
            self.eol_label.show()
        else:
            self.eol_label.hide()
        self.sizes_label.setText(self._sizes_text(row))
        self._update_command()

    def _sizes_text(self, row: PickerRow) -> str:
        figure = row.figure
        parts = []
        if figure is None or figure.download is None:
            state = "looking it up…" if row.looking_up else "not known"
            parts.append(f"Download (compressed): {state}")
        else:
            approx = "" if figure.exact else "about "
            parts.append(f"Download (compressed): {approx}{human_size(figure.download)} — "
                         f"{figure.label.removeprefix('download (compressed), ')}"
                         f" ({figure.source})")
        if row.local is not None:
            parts.append(f"On disk: {human_size(row.local.size)} — this engine has it: "
                         "available offline")
        elif figure is not None and figure.on_disk is not None:
            parts.append(f"On disk (unpacked, published): about {human_size(figure.on_disk)}")
        else:
            parts.append("On disk (unpacked): known once pulled; usually 2–3× the download")
        if figure is not None and figure.problem and not figure.live:
            parts.append(f"Registry not asked: {figure.problem}")
        return "\n".join(parts)

    @Slot()
    def _update_command(self, _checked: bool = False) -> None:
        row = self._selected_row()
        shown = self.command_button.isChecked() and row is not None
        self.command_line.setVisible(shown)
        if row is not None:
            self.command_line.setText(pull_command(row.reference))

    # --- search --------------------------------------------------------
    def _on_search_text(self, text: str) -> None:
        self.proxy.set_text(text, text)
        self._debounce.start()

    @Slot()
    def _search_now(self) -> None:
        query = self.search.text().strip()
        self._search_token += 1
        token = self._search_token
        if not query:
            self.search_status.clear()
            return
        self.search_status.setText(f"Searching for “{query}”…")
        job = self._ctx.tasks.call(self.client.search, query,
                                   description=f"Searching for {query}", report_errors=False)
        job.succeeded.connect(partial(self._on_search_results, query, token))
        job.failed.connect(partial(self._on_search_failed, query, token))

    @staticmethod
    def _direct_reference(query: str) -> str | None:
        """A full name with a registry or a tag (quay.io/…, app:1) is shown as it is."""
        first = query.split("/", 1)[0]
        has_registry = "/" in query and ("." in first or ":" in first or first == "localhost")
        has_tag = ":" in query.rsplit("/", 1)[-1]
        if not (has_registry and not query.endswith("/")) and not has_tag:
            return None
        try:
            return str(parse_reference(query))
        except RegistryError:
            return None

    def _on_search_results(self, query: str, token: int, results: list[SearchResult]) -> None:
        if not self._alive():
            return  # the answer came after the picker was closed
        if token != self._search_token:
            return  # a newer query is under way
        self._add_results(results, query)
        self._show_direct(query, results)
        self.search_status.setText(f"{len(results)} repositories found for “{query}”."
                                   if results else f"No repositories found for “{query}”.")

    def _on_search_failed(self, query: str, token: int, message: str,
                          _exc: BaseException) -> None:
        if not self._alive():
            return  # the answer came after the picker was closed
        if token != self._search_token:
            return
        self._show_direct(query, [])
        local = known_repositories(self.catalogue, query)
        self.search_status.setText(f"Search did not answer: {message} "
                                   f"Showing the {len(local)} catalogue matches.")

    def _show_direct(self, query: str, results: list[SearchResult]) -> None:
        """A full name typed in (quay.io/…, app:1) is shown even if search did not list it;
        a partial one that search completed is left to the results."""
        direct = self._direct_reference(query)
        if direct is None:
            return
        name = parse_reference(direct).name
        has_tag = ":" in query.rsplit("/", 1)[-1]
        if results and not has_tag:
            if any(r.name == name for r in results):
                self.select_repository(name)
            return
        self.show_repository(direct, keep_search=True)

    def _add_results(self, results: list[SearchResult], query: str) -> None:
        fresh = []
        for result in results:
            if self.model.row_of(result.name) is not None:
                continue
            entry = self.catalogue.entry(result.name)
            note = result.description or ("official image" if result.official else "")
            fresh.append(PickerRow(result.name, "latest", entry,
                                   f"found by “{query}”" + (f": {note}" if note else "")))
        self.model.add_rows(fresh)
        for row in fresh:
            self._look_up(row.repository)

    # --- Use -----------------------------------------------------------
    @Slot()
    def use_selected(self) -> None:
        row = self._selected_row()
        if row is None:
            return
        cursor = self._editor.textCursor()
        edit = use_image_edit(self._editor.toPlainText(), cursor.blockNumber() + 1,
                              row.reference)
        apply_to_editor(self._editor, edit)
        self.imageUsed.emit(row.reference)

    # --- Pull ----------------------------------------------------------
    @Slot()
    def pull_selected(self) -> None:
        row = self._selected_row()
        engine = self._ctx.engine.engine
        if row is None or self._pull_job is not None:
            return
        self.pull_box.show()
        if engine is None:
            self.pull_status.setText("No engine connected: pulling needs one.")
            return
        self.progress = PullProgress()
        self.layers.clear()
        self.pull_total.setValue(0)
        reference = row.reference
        self.pull_box.setTitle(f"Pull {reference}")
        self.pull_status.setText(f"Pulling {reference}…")
        run = PullRun(engine, reference)
        self._pull_run = run
        job = self._ctx.tasks.stream(lambda: run, description=f"Pulling {reference}",
                                     report_errors=False)
        job.items.connect(self._on_pull_events)
        job.failed.connect(self._on_pull_failed)
        job.finished.connect(self._on_pull_finished)
        self._pull_job = job
        self.cancel_button.setEnabled(True)
        self.pull_button.setEnabled(False)

    @Slot()
    def cancel_pull(self) -> None:
        if self._pull_job is not None:
            self.pull_status.setText("Cancelling…")
            self.cancel_button.setEnabled(False)
            self._pull_job.cancel()

    def _on_pull_events(self, events: list[PullEvent]) -> None:
        if not self._alive():
            return  # the answer came after the picker was closed
        reference = self._pull_run.reference if self._pull_run else ""
        for event in events:
            state = self.progress.feed(event)
            if state is not None:
                # Each bar shows its phase, like the CLI; the total bar weighs both phases.
                self.layers.upsert(LayerLine(reference, state.layer_id, state.phase.value,
                                             state.phase_bytes, state.size,
                                             state.phase_fraction))
        self.pull_total.setValue(int(self.progress.fraction * 1000))
        outcome = self.progress.outcome
        total = self.progress.total_bytes
        done = self.progress.downloaded_bytes
        layers = len(self.progress.layers)
        here = sum(1 for layer in self.progress.layers.values()
                   if layer.phase is LayerPhase.EXISTS)
        bytes_text = (f"{human_size(done)} of {human_size(total)} downloaded (compressed), "
                      f"{layers} layers")
        if here:
            bytes_text += f" ({here} already on this engine)"
        if isinstance(outcome, PullDone):
            up = " (already up to date)" if outcome.up_to_date else ""
            self.pull_status.setText(f"Pulled {outcome.reference}{up}: {bytes_text}.")
        elif isinstance(outcome, PullFailed):
            self.pull_status.setText(f"Pull failed: {outcome.message}")
        elif isinstance(outcome, PullCancelled):
            self.pull_status.setText(
                f"Pull cancelled after {human_size(done)}; the engine keeps no partial image.")
        elif self._pull_job is not None and not self._pull_job.cancel_requested:
            self.pull_status.setText(f"Pulling: {bytes_text}")

    def _on_pull_failed(self, message: str, _exc: BaseException) -> None:
        if not self._alive():
            return  # the answer came after the picker was closed
        self.pull_status.setText(f"Pull failed: {message}")

    def _on_pull_finished(self) -> None:
        if not self._alive():
            return  # the answer came after the picker was closed
        self._pull_job = None
        self._pull_run = None
        self.cancel_button.setEnabled(False)
        self._show_details()
        outcome = self.progress.outcome
        if isinstance(outcome, PullDone):
            self.refresh_local()
            self.pullFinished.emit(outcome.reference)

    def _alive(self) -> bool:
        """False once the widget is gone or shut down: late job answers are dropped."""
        return not self._closed and isValid(self) and isValid(self.model)

    @property
    def pulling(self) -> bool:
        return self._pull_job is not None

    @Slot()
    def shutdown(self) -> None:
        """Cancel a running pull and close the registry connections (on quit)."""
        self._closed = True
        if self._pull_job is not None:
            self._pull_job.cancel()
        if self._client is not None:
            self._client.close()


def _utf16(text: str) -> int:
    """Qt positions count UTF-16 code units; Python counts code points."""
    return len(text.encode("utf-16-le")) // 2


def apply_to_editor(editor: QPlainTextEdit, edit: TextEdit) -> None:
    """Apply ``edit`` as one undoable step."""
    document = editor.document()

    def position(line: int, column: int) -> int:
        block = document.findBlockByNumber(line - 1)
        if not block.isValid():
            return max(0, document.characterCount() - 1)  # after the last line
        return block.position() + _utf16(block.text()[:column])

    cursor = QTextCursor(document)
    cursor.beginEditBlock()
    start = position(edit.first_line, edit.first_column)
    text = edit.text
    if edit.is_insert and not document.findBlockByNumber(edit.first_line - 1).isValid():
        # Inserting after the last line: make sure the FROM starts a line of its own.
        last = document.lastBlock().text()
        if last:
            text = "\n" + text
    cursor.setPosition(start)
    cursor.setPosition(position(edit.last_line, edit.last_column),
                       QTextCursor.MoveMode.KeepAnchor)
    cursor.insertText(text)
    cursor.endEditBlock()

"""The image actions' dialogs: tag, create / run, push (with login), pull.

They open window-modal but never block (``open()``, not ``exec()``), so the
event loop — and the tests — keep running while they are shown.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ui.context import AppContext
from ui.images.events import guarded
from ui.images.progress import LayerLine, LayersModel, ProgressDelegate
from ui.table_model import RowTableModel
from ui.worker import Job
from workbench import commands
from workbench.containers import (
    ContainerSpec,
    InvalidSetting,
    check_name,
    parse_env,
    parse_mount,
    parse_port,
    port_is_free,
)
from workbench.credentials import CredentialPlace, Credentials, verify_login
from workbench.images import ImageRow
from workbench.push import (
    PushCancelled,
    PushDone,
    PushEvent,
    PushFailed,
    PushLayer,
    PushLine,
    PushRun,
    PushStarted,
    qualification_problem,
)
from workbench.reference import InvalidReference, check, parse
from workbench.transfer import (
    LayerUpdate,
    PullCancelled,
    PullDone,
    PullEvent,
    PullFailed,
    PullLine,
    PullProgress,
    PullRun,
)

Index = QModelIndex | QPersistentModelIndex
_OK = "color: #2e7d32"
_BAD = "color: #c62828"


def _mono(widget: QWidget) -> None:
    font = QFont("monospace")
    font.setStyleHint(QFont.StyleHint.TypeWriter)
    widget.setFont(font)


def _command_label(name: str) -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    label.setAccessibleName("Equivalent docker command")
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setWordWrap(True)
    _mono(label)
    return label


# --- Tag -------------------------------------------------------------------------------
class TagDialog(QDialog):
    """Add a tag, checked as typed: the reason in words, or what the engine will store."""

    def __init__(self, source: ImageRow, parent: Any = None,
                 existing: Sequence[ImageRow] = ()) -> None:
        super().__init__(parent)
        self.setObjectName("tagDialog")
        self.setWindowTitle("Tag image")
        self._source = source
        self._existing = {r.reference: r for r in existing}
        self.edit = QLineEdit()
        self.edit.setObjectName("tagTargetEdit")
        self.edit.setAccessibleName("New tag")
        self.edit.setPlaceholderText("user/app:1.0  or  registry:5000/app:1.0")
        self.edit.setMinimumWidth(420)
        self.reason = QLabel()
        self.reason.setObjectName("tagReason")
        self.reason.setWordWrap(True)
        self.command = _command_label("tagCommand")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Add tag")
        self.ok_button.setObjectName("tagOkButton")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        shown = source.short_id if source.dangling else source.reference
        form.addRow("Image:", QLabel(f"{shown}  ({source.short_id})"))
        form.addRow("New tag:", self.edit)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.reason)
        layout.addWidget(self.command)
        layout.addWidget(self.buttons)
        self.edit.textChanged.connect(self._validate)
        if not source.dangling:
            self.edit.setText(source.repository + ":")
        self._validate()

    def target(self) -> str:
        return self.edit.text()

    def _validate(self) -> None:
        result = check(self.edit.text())
        self.ok_button.setEnabled(result.ok)
        source = self._source.image_id if self._source.dangling else self._source.reference
        if result.reference is None:
            self.reason.setText(result.reason)
            self.reason.setStyleSheet(_BAD)
            self.command.setText("")
            return
        ref = result.reference
        text = f"The engine will store: {ref.canonical}"
        other = self._existing.get(ref.familiar)
        if other is not None and other.image_id != self._source.image_id:
            text += (f"\nNote: {ref.familiar} now names another image ({other.short_id}); "
                     "the tag moves to this one.")
        self.reason.setText(text)
        self.reason.setStyleSheet(_OK)
        self.command.setText(commands.tag_command(source, ref.familiar))


# --- Create / run ------------------------------------------------------------------------
class CreateContainerDialog(QDialog):
    """The ``docker create`` / ``docker run`` settings, each checked as typed."""

    def __init__(self, image: str, run: bool, parent: Any = None) -> None:
        super().__init__(parent)
        self.setObjectName("runContainerDialog" if run else "createContainerDialog")
        self.setWindowTitle(f"{'Run' if run else 'Create'} a container from {image}")
        self._image = image
        self._run = run

        def field(name: str, accessible: str, placeholder: str) -> QLineEdit:
            edit = QLineEdit()
            edit.setObjectName(name)
            edit.setAccessibleName(accessible)
            edit.setPlaceholderText(placeholder)
            edit.textChanged.connect(self._validate)
            return edit

        def lines(name: str, accessible: str, placeholder: str) -> QPlainTextEdit:
            edit = QPlainTextEdit()
            edit.setObjectName(name)
            edit.setAccessibleName(accessible)
            edit.setPlaceholderText(placeholder)
            edit.setFixedHeight(56)
            edit.setTabChangesFocus(True)
            edit.textChanged.connect(self._validate)
            return edit

        self.name_edit = field("containerNameEdit", "Container name",
                               "optional; the engine picks one")
        self.command_edit = field("containerCommandEdit", "Command",
                                  "optional; the image's CMD otherwise")
        self.env_edit = lines("containerEnvEdit", "Environment, one NAME=value a line",
                              "GREETING=hello")
        self.ports_edit = lines("containerPortsEdit", "Published ports, one a line",
                                "8080:80   (host:container[/udp])")
        self.mounts_edit = lines("containerMountsEdit", "Bind mounts and volumes, one a line",
                                 "/home/me/site:/srv:ro   or   data:/var/lib/data")
        self.entrypoint_edit = field("containerEntrypointEdit", "Entrypoint",
                                     "optional; the image's ENTRYPOINT otherwise")
        self.workdir_edit = field("containerWorkdirEdit", "Working directory",
                                  "optional; /app")
        self.user_edit = field("containerUserEdit", "User", "optional; name or uid[:gid]")
        self.restart_combo = QComboBox()
        self.restart_combo.setObjectName("containerRestartCombo")
        self.restart_combo.setAccessibleName("Restart policy")
        for policy, words in (("no", "never (no)"), ("on-failure", "when it fails (on-failure)"),
                              ("unless-stopped", "unless stopped (unless-stopped)"),
                              ("always", "always")):
            self.restart_combo.addItem(words, policy)
        self.restart_combo.currentIndexChanged.connect(self._validate)
        self.auto_remove = QCheckBox("Remove the container when it exits (--rm)")
        self.auto_remove.setObjectName("autoRemoveCheck")
        self.auto_remove.setAccessibleName("Remove the container when it exits")
        self.auto_remove.toggled.connect(self._validate)
        self.problems = QLabel()
        self.problems.setObjectName("containerProblems")
        self.problems.setWordWrap(True)
        self.command = _command_label("containerCommandPreview")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Run" if run else "Create")
        self.ok_button.setObjectName("containerOkButton")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("Image:", QLabel(image))
        form.addRow("Name:", self.name_edit)
        form.addRow("Command:", self.command_edit)
        form.addRow("Environment:", self.env_edit)
        form.addRow("Ports:", self.ports_edit)
        form.addRow("Mounts:", self.mounts_edit)
        form.addRow("Entrypoint:", self.entrypoint_edit)
        form.addRow("Working dir:", self.workdir_edit)
        form.addRow("User:", self.user_edit)
        form.addRow("Restart:", self.restart_combo)
        form.addRow("", self.auto_remove)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problems)
        layout.addWidget(self.command)
        layout.addWidget(self.buttons)
        self.resize(560, 0)
        self._spec: ContainerSpec | None = None
        self._validate()

    def spec(self) -> ContainerSpec:
        if self._spec is None:
            raise InvalidSetting(self.problems.text())
        return self._spec

    @staticmethod
    def _rows(edit: QPlainTextEdit) -> list[str]:
        return [line.strip() for line in edit.toPlainText().splitlines() if line.strip()]

    def _validate(self) -> None:
        problems: list[str] = []
        notes: list[str] = []
        env, ports, mounts = [], [], []
        for text in self._rows(self.env_edit):
            try:
                env.append(parse_env(text))
            except InvalidSetting as exc:
                problems.append(str(exc))
        for text in self._rows(self.ports_edit):
            try:
                port = parse_port(text)
            except InvalidSetting as exc:
                problems.append(str(exc))
                continue
            if port.host_port is not None and not port_is_free(port.host_port, port.host_ip,
                                                               port.protocol):
                problems.append(f"Port {port.host_port} on this computer is already in use; "
                                "choose another host port (or leave it out: host:container "
                                "→ container lets the engine pick).")
            ports.append(port)
        for text in self._rows(self.mounts_edit):
            try:
                mount = parse_mount(text)
            except InvalidSetting as exc:
                problems.append(str(exc))
                continue
            if mount.is_bind:
                from pathlib import Path

                if not Path(mount.source).exists():
                    notes.append(f"{mount.source} does not exist yet; the engine will create "
                                 "it as an empty folder.")
            mounts.append(mount)
        entrypoint = self.entrypoint_edit.text().strip()
        if any(c.isspace() for c in entrypoint):
            notes.append(f"The entrypoint is run as one program named “{entrypoint}”; to pass "
                         "it arguments, put them in the command.")
        spec = ContainerSpec(self._image, self.name_edit.text().strip(),
                             self.command_edit.text(), tuple(env), tuple(ports),
                             tuple(mounts), self.auto_remove.isChecked(), entrypoint,
                             self.workdir_edit.text().strip(), self.user_edit.text().strip(),
                             str(self.restart_combo.currentData()))
        problems = spec.problems() + problems
        if (reason := check_name(spec.name)) is not None and reason not in problems:
            problems.insert(0, reason)
        self._spec = None if problems else spec
        self.ok_button.setEnabled(not problems)
        self.problems.setText("\n".join(problems + notes))
        self.problems.setStyleSheet(_BAD if problems else "")
        line = commands.run_command(spec) if self._run else commands.create_command(spec)
        self.command.setText(line if not problems else "")


# --- Push ---------------------------------------------------------------------------------
class PushTargetsModel(RowTableModel):
    """The tags that can be pushed: a checkbox each, then their state and digest."""

    HEADERS = ("Tag", "State", "Digest")
    COL_REF, COL_STATE, COL_DIGEST = range(3)
    checkedChanged = Signal()

    def __init__(self, references: Sequence[str], checked: Sequence[str],
                 parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[str] = list(dict.fromkeys(references))
        self.checked = {r: r in checked for r in self.rows}
        self.states: dict[str, str] = {}
        self.digests: dict[str, str] = {}

    @property
    def references(self) -> list[str]:
        return self.rows

    def add(self, reference: str, checked: bool = True) -> None:
        if reference in self.checked:
            return
        row = len(self.rows)
        self.beginInsertRows(QModelIndex(), row, row)
        self.rows.append(reference)
        self.checked[reference] = checked
        self.endInsertRows()

    def set_state(self, reference: str, state: str, digest: str | None = None) -> None:
        if reference not in self.checked:
            self.add(reference)
        self.states[reference] = state
        if digest:
            self.digests[reference] = digest
        row = self.rows.index(reference)
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.HEADERS) - 1))

    def chosen(self) -> list[str]:
        return [r for r in self.rows if self.checked[r]]

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        if index.isValid() and index.column() == self.COL_REF:
            return base | Qt.ItemFlag.ItemIsUserCheckable
        return base

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self.rows)):
            return None
        ref = self.rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (ref, self.states.get(ref, ""), self.digests.get(ref, ""))[col]
        if role == Qt.ItemDataRole.ToolTipRole and col == self.COL_STATE:
            return self.states.get(ref) or None
        if role == Qt.ItemDataRole.ToolTipRole and col == self.COL_DIGEST:
            return self.digests.get(ref) or None
        if role == Qt.ItemDataRole.CheckStateRole and col == self.COL_REF:
            return Qt.CheckState.Checked if self.checked[ref] else Qt.CheckState.Unchecked
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if (not index.isValid() or index.column() != self.COL_REF
                or role != Qt.ItemDataRole.CheckStateRole):
            return False
        ref = self.rows[index.row()]
        state = value if isinstance(value, Qt.CheckState) else Qt.CheckState(int(value))
        self.checked[ref] = state == Qt.CheckState.Checked
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.CheckStateRole])
        self.checkedChanged.emit()
        return True


class LoginDialog(QDialog):
    """User name and password for one registry; says where ``docker login`` keeps them.

    Signals:
        submitted(str, str): user name and password, to be checked with the registry.
    """

    submitted = Signal(str, str)

    def __init__(self, registry: str, place: CredentialPlace, reason: str,
                 parent: Any = None) -> None:
        super().__init__(parent)
        self.setObjectName("loginDialog")
        self.setWindowTitle(f"Log in to {registry}")
        self.registry = registry
        self.user_edit = QLineEdit()
        self.user_edit.setObjectName("loginUserEdit")
        self.user_edit.setAccessibleName("User name")
        self.password_edit = QLineEdit()
        self.password_edit.setObjectName("loginPasswordEdit")
        self.password_edit.setAccessibleName("Password or access token")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = QLabel(reason)
        self.message.setObjectName("loginMessage")
        self.message.setWordWrap(True)
        self.where = QLabel(f"Kept in {place.description}, like `docker login`; never in "
                            "this app's own files.")
        self.where.setObjectName("loginWhere")
        self.where.setWordWrap(True)
        self.command = _command_label("loginCommand")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Log in")
        self.ok_button.setObjectName("loginOkButton")
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("User name:", self.user_edit)
        form.addRow("Password:", self.password_edit)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addLayout(form)
        layout.addWidget(self.where)
        layout.addWidget(self.command)
        layout.addWidget(self.buttons)
        self.user_edit.textChanged.connect(self._changed)
        self.password_edit.textChanged.connect(self._changed)
        self._changed()

    def _changed(self) -> None:
        user = self.user_edit.text().strip()
        self.ok_button.setEnabled(bool(user and self.password_edit.text()))
        self.command.setText(commands.login_command(self.registry, user or "USER"))

    def _submit(self) -> None:
        self.ok_button.setEnabled(False)
        self.message.setText(f"Checking with {self.registry}…")
        self.message.setStyleSheet("")
        self.submitted.emit(self.user_edit.text().strip(), self.password_edit.text())

    def refused(self, message: str) -> None:
        self.message.setText(message)
        self.message.setStyleSheet(_BAD)
        self.password_edit.clear()
        self.password_edit.setFocus()
        self._changed()


def _login_and_store(api: Any, credentials: Credentials, registry: str, username: str,
                     password: str) -> CredentialPlace:
    verify_login(api, registry, username, password)
    return credentials.store(registry, username, password)


def _words_for_login_failure(registry: str, message: str) -> str:
    low = message.lower()
    if "401" in low or "unauthorized" in low or "incorrect" in low:
        return (f"{registry} refused this user name or password. Check them and try again "
                "(nothing was stored).")
    return f"Could not log in to {registry}: {message}"


class _TransferDialog(QDialog):
    """What the push and pull dialogs share: one streamed run, its buttons and cancel.

    Subclasses create ``status`` and call ``_make_buttons``.
    """

    start_button: QPushButton
    cancel_button: QPushButton
    status: QLabel

    def __init__(self, ctx: AppContext, parent: Any = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._job: Job | None = None

    def _start_stream(self, run: Any, description: str, busy_text: str,
                      on_events: Callable[[list[Any]], None],
                      on_finished: Callable[[], None]) -> None:
        job = self._ctx.tasks.stream(lambda: run, description=description,
                                     report_errors=False)
        job.items.connect(on_events)
        job.failed.connect(guarded(self, lambda message, _exc: self.status.setText(
            message)))
        job.finished.connect(on_finished)
        self._job = job
        self.start_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.status.setText(busy_text)

    def cancel(self) -> None:
        if self._job is not None:
            self._job.cancel()

    def _make_buttons(self, verb: str, gerund: str,
                      start: Callable[[], None]) -> QDialogButtonBox:
        """Start ("Push"), "Cancel push" and Close, named ``{verb}StartButton`` and
        ``{verb}CancelButton`` (lower case verb)."""
        name = verb.lower()
        self.start_button = QPushButton(verb)
        self.start_button.setObjectName(f"{name}StartButton")
        self.start_button.setAccessibleName(f"Start {gerund}")
        self.start_button.clicked.connect(start)
        self.cancel_button = QPushButton(f"Cancel {name}")
        self.cancel_button.setObjectName(f"{name}CancelButton")
        self.cancel_button.setAccessibleName(f"Cancel the {name}")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.addButton(self.start_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.rejected.connect(self.reject)
        return self.buttons


class PushDialog(_TransferDialog):
    """Choose tags (and extra registries), push with per-layer progress, log in if asked.

    Signals:
        finishedPush(bool): every chosen tag was pushed (True) or some failed (False).
    """

    finishedPush = Signal(bool)

    def __init__(self, ctx: AppContext, selected: Sequence[str], siblings: Sequence[str],
                 credentials: Credentials, parent: Any = None) -> None:
        super().__init__(ctx, parent)
        self.setObjectName("pushDialog")
        self.setWindowTitle("Push to registries")
        self.credentials = credentials
        self._run: PushRun | None = None
        self._failed_login: dict[str, list[str]] = {}
        self.login_dialog: LoginDialog | None = None
        self.digests: dict[str, str] = {}
        self.failures: dict[str, str] = {}
        self.targets = PushTargetsModel([*selected, *siblings], selected, self)
        self.targets_view = QTableView()
        self.targets_view.setObjectName("pushTargets")
        self.targets_view.setAccessibleName("Tags to push")
        self.targets_view.setModel(self.targets)
        self.targets_view.verticalHeader().hide()
        self.targets_view.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.Stretch)
        self.targets_view.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.targets_view.setWordWrap(False)
        self.registries_edit = QLineEdit()
        self.registries_edit.setObjectName("pushRegistriesEdit")
        self.registries_edit.setAccessibleName("Also push to these registries")
        self.registries_edit.setPlaceholderText("also push to: localhost:5000, ghcr.io/me")
        self.layers = LayersModel(self)
        self.layers_view = QTableView()
        self.layers_view.setObjectName("pushLayers")
        self.layers_view.setAccessibleName("Layer progress")
        self.layers_view.setModel(self.layers)
        self.layers_view.setItemDelegateForColumn(LayersModel.COL_PROGRESS,
                                                  ProgressDelegate(self.layers_view))
        self.layers_view.verticalHeader().hide()
        self.layers_view.setWordWrap(False)
        self.layers_view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        header = self.layers_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.status = QLabel("Choose the tags to push.")
        self.status.setObjectName("pushStatus")
        self.status.setWordWrap(True)
        self.command = _command_label("pushCommand")
        self._make_buttons("Push", "pushing", self._start_clicked)
        layout = QVBoxLayout(self)
        layout.addWidget(self.targets_view, 1)
        layout.addWidget(self.registries_edit)
        layout.addWidget(self.layers_view, 2)
        layout.addWidget(self.status)
        layout.addWidget(self.command)
        layout.addWidget(self.buttons)
        self.resize(760, 520)
        self.targets.checkedChanged.connect(self._preview)
        self.registries_edit.textChanged.connect(self._preview)
        self._preview()

    def plan(self) -> tuple[list[str], dict[str, str], list[str]]:
        """(references to push, new reference → source to tag first, problems)."""
        chosen = self.targets.chosen()
        refs = list(chosen)
        sources: dict[str, str] = {}
        problems: list[str] = []
        for registry in (r.strip().rstrip("/") for r in self.registries_edit.text().split(",")):
            if not registry:
                continue
            for source in chosen:
                try:
                    ref = parse(source)
                except InvalidReference as exc:
                    problems.append(str(exc))
                    continue
                # The repository path stays; only the registry changes.
                path = ref.path.removeprefix("library/")
                target = f"{registry}/{path}:{ref.tag or 'latest'}"
                if check(target).ok:
                    refs.append(target)
                    sources[target] = source
                else:
                    problems.append(f"{registry}: {check(target).reason}")
        return list(dict.fromkeys(refs)), sources, problems

    def command_text(self) -> str:
        refs, sources, _ = self.plan()
        lines = [commands.tag_command(src, dst) for dst, src in sources.items()]
        lines += [commands.push_command(r) for r in refs]
        return " && ".join(lines)

    def _preview(self) -> None:
        refs, _sources, problems = self.plan()
        self.command.setText(self.command_text())
        self.start_button.setEnabled(bool(refs) and not problems and self._job is None)
        if problems:
            self.status.setText("\n".join(problems))

    @Slot()
    def _start_clicked(self) -> None:
        self.start()

    def start(self, only: Sequence[str] | None = None) -> None:
        engine = self._ctx.engine.engine
        if engine is None:
            self.status.setText("No engine connected.")
            return
        refs, sources, problems = self.plan()
        if only is not None:
            refs = [r for r in refs if r in only]
        if problems or not refs:
            return
        ready = []
        for ref in refs:
            problem = qualification_problem(ref)
            if problem:
                self.targets.set_state(ref, f"Refused: {problem}")
                self.failures[ref] = problem
            else:
                ready.append(ref)
        if not ready:
            self.status.setText("Nothing to push: " + "; ".join(self.failures.values()))
            self.finishedPush.emit(False)
            return
        for ref in ready:
            self.failures.pop(ref, None)
            self.targets.set_state(ref, "Waiting")
        run = PushRun(engine, ready, self.credentials, sources=sources)
        self._run = run
        self._start_stream(run, "Pushing images", f"Pushing {len(ready)} tag(s)…",
                           self._on_events, self._on_finished)

    def _on_events(self, batch: list[PushEvent]) -> None:
        for event in batch:
            if isinstance(event, PushStarted):
                self.targets.set_state(event.reference, f"Pushing to {event.registry}…")
            elif isinstance(event, PushLayer):
                fraction = 1.0 if event.finished else (
                    event.current / event.total if event.total else -1.0)
                self.layers.upsert(LayerLine(event.reference, event.layer_id, event.status,
                                             event.current, event.total, min(fraction, 1.0)))
            elif isinstance(event, PushLine):
                self.status.setText(event.text)
            elif isinstance(event, PushDone):
                self.digests[event.reference] = event.digest
                self.targets.set_state(event.reference, "Pushed", event.digest)
            elif isinstance(event, PushFailed):
                self.failures[event.reference] = event.message
                self.targets.set_state(event.reference, f"Failed: {event.message}")
                if event.needs_login:
                    registry = parse(event.reference).domain
                    self._failed_login.setdefault(registry, []).append(event.reference)
            elif isinstance(event, PushCancelled):
                self.targets.set_state(event.reference, "Cancelled")

    def _on_finished(self) -> None:
        self._job = None
        self._run = None
        self.cancel_button.setEnabled(False)
        self._preview()
        if self._failed_login:
            registry = next(iter(self._failed_login))
            self._ask_login(registry)
            return
        done = [r for r in self.targets.references if r in self.digests]
        if self.failures:
            self.status.setText("Not pushed: " + " ".join(
                f"{r}: {m}" for r, m in self.failures.items()))
        else:
            self.status.setText("Pushed " + ", ".join(f"{r} ({self.digests[r]})" for r in done))
        self.finishedPush.emit(not self.failures)

    def _ask_login(self, registry: str) -> None:
        refs = self._failed_login.get(registry, [])
        reason = self.failures.get(refs[0], "") if refs else ""
        dialog = LoginDialog(registry, self.credentials.place(registry), reason, self)
        dialog.submitted.connect(lambda user, password: self._login(dialog, user, password))
        dialog.rejected.connect(lambda: self._login_given_up(registry))
        self.login_dialog = dialog
        dialog.open()

    def _login(self, dialog: LoginDialog, username: str, password: str) -> None:
        engine = self._ctx.engine.engine
        if engine is None:
            dialog.refused("No engine connected.")
            return
        api = engine.new_client()
        # The description is logged on failure: it names the registry, never the secret.
        job = self._ctx.tasks.call(_login_and_store, api, self.credentials, dialog.registry,
                                   username, password,
                                   description=f"Logging in to {dialog.registry}",
                                   report_errors=False)
        job.succeeded.connect(guarded(self, lambda place: self._logged_in(dialog, place)))
        job.failed.connect(guarded(self, lambda message, _exc: dialog.refused(
            _words_for_login_failure(dialog.registry, message))))
        job.finished.connect(api.close)

    def _logged_in(self, dialog: LoginDialog, place: CredentialPlace) -> None:
        registry = dialog.registry
        dialog.accept()
        self.login_dialog = None
        retry = self._failed_login.pop(registry, [])
        self.status.setText(f"Logged in to {registry} (kept in {place.description}); "
                            "pushing again…")
        self.start(only=retry)

    def _login_given_up(self, registry: str) -> None:
        self._failed_login.pop(registry, None)
        self.login_dialog = None
        self._on_finished()

    def done(self, result: int) -> None:
        self.cancel()
        super().done(result)


# --- Pull -----------------------------------------------------------------------------------
class PullDialog(_TransferDialog):
    """Pull a reference with per-layer progress and cancel (workbench.transfer).

    Signals:
        finishedPull(bool): the image is here (True) or not.
    """

    finishedPull = Signal(bool)

    def __init__(self, ctx: AppContext, reference: str, credentials: Credentials,
                 parent: Any = None) -> None:
        super().__init__(ctx, parent)
        self.setObjectName("pullDialog")
        self.setWindowTitle("Pull an image")
        self.credentials = credentials
        self.progress = PullProgress()
        self.edit = QLineEdit(reference)
        self.edit.setObjectName("pullReferenceEdit")
        self.edit.setAccessibleName("Image to pull")
        self.edit.setPlaceholderText("registry:5000/app:1.0")
        self.reason = QLabel()
        self.reason.setObjectName("pullReason")
        self.reason.setWordWrap(True)
        self.layers = LayersModel(self)
        self.layers_view = QTableView()
        self.layers_view.setObjectName("pullLayers")
        self.layers_view.setAccessibleName("Layer progress")
        self.layers_view.setModel(self.layers)
        self.layers_view.setItemDelegateForColumn(LayersModel.COL_PROGRESS,
                                                  ProgressDelegate(self.layers_view))
        self.layers_view.verticalHeader().hide()
        self.layers_view.setWordWrap(False)
        self.layers_view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.layers_view.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.Stretch)
        self.status = QLabel()
        self.status.setObjectName("pullStatus")
        self.status.setWordWrap(True)
        self.command = _command_label("pullCommand")
        buttons = self._make_buttons("Pull", "pulling", self.start)
        layout = QVBoxLayout(self)
        layout.addWidget(self.edit)
        layout.addWidget(self.reason)
        layout.addWidget(self.layers_view, 1)
        layout.addWidget(self.status)
        layout.addWidget(self.command)
        layout.addWidget(buttons)
        self.resize(700, 420)
        self.edit.textChanged.connect(self._validate)
        self._validate()

    def _validate(self) -> None:
        text = self.edit.text().strip()
        try:
            ref = parse(text)
        except InvalidReference as exc:
            self.reason.setText(str(exc))
            self.reason.setStyleSheet(_BAD)
            self.command.setText("")
            self.start_button.setEnabled(False)
            return
        self.reason.setText(f"The engine will pull: {ref.canonical}")
        self.reason.setStyleSheet(_OK)
        self.command.setText(commands.pull_command(text))
        self.start_button.setEnabled(self._job is None)

    def start(self) -> None:
        engine = self._ctx.engine.engine
        if engine is None or self._job is not None:
            return
        reference = self.edit.text().strip()
        self.progress = PullProgress()
        self.layers.clear()
        # auth_config=None: the SDK reads the user's docker credentials (config.json,
        # credential helpers) itself, in the worker thread, as `docker pull` would.
        run = PullRun(engine, reference, auth_config=None)
        self._start_stream(run, f"Pulling {reference}", f"Pulling {reference}…",
                           self._on_events, self._on_finished)

    def _on_events(self, batch: list[PullEvent]) -> None:
        for event in batch:
            state = self.progress.feed(event)
            if isinstance(event, LayerUpdate) and state is not None:
                self.layers.upsert(LayerLine(self.edit.text().strip(), state.layer_id,
                                             state.phase.value, state.downloaded, state.size,
                                             state.fraction))
            elif isinstance(event, PullLine):
                self.status.setText(event.text)
            elif isinstance(event, PullDone):
                self.status.setText(f"Pulled {event.reference}"
                                    + (f" ({event.digest})" if event.digest else "")
                                    + (": already up to date" if event.up_to_date else ""))
            elif isinstance(event, PullFailed):
                self.status.setText(event.message)
            elif isinstance(event, PullCancelled):
                self.status.setText("Cancelled" + (": the image had already arrived"
                                                   if event.image_present else "."))

    def _on_finished(self) -> None:
        self._job = None
        self.cancel_button.setEnabled(False)
        self._validate()
        outcome = self.progress.outcome
        self.finishedPull.emit(isinstance(outcome, PullDone)
                               or (isinstance(outcome, PullCancelled) and outcome.image_present))

    def done(self, result: int) -> None:
        self.cancel()
        super().done(result)

"""Live diagnostics: debounced, off the GUI thread, stale results dropped.

Each text change restarts a short timer; when it fires, the text is checked
(parse + the project's checks + hadolint) by ``ctx.tasks``. Every run gets a
number, and only the newest run's result is shown, so a slow check of an old
text can never overwrite a newer one (git-cola's diff-token pattern).

Signals:
    analysed(object): a ``CheckResult`` that was applied to the editor.
    notice(str): said once per runner, e.g. that hadolint is not installed.
"""

from __future__ import annotations

from pathlib import Path

import shiboken6
from PySide6.QtCore import QObject, QTimer, Signal, Slot

from ui.context import AppContext
from ui.editor.editor import DockerfileEditor
from ui.worker import Job
from workbench.dockerfile.check import CheckResult, check

DELAY_MS = 300


class DiagnosticsRunner(QObject):
    analysed = Signal(object)
    notice = Signal(str)

    def __init__(self, ctx: AppContext, editor: DockerfileEditor, use_hadolint: bool = True,
                 delay_ms: int = DELAY_MS) -> None:
        super().__init__(editor)
        self._ctx = ctx
        self._editor = editor
        self.use_hadolint = use_hadolint
        self.cwd: Path | None = None  # where hadolint looks for .hadolint.yaml
        self.hadolint: Path | None = None  # None: the installed one
        self.latest: CheckResult | None = None
        self.runs = 0
        self.applied = 0
        self._told = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self.run_now)
        editor.textChanged.connect(self._timer.start)

    @Slot()
    def run_now(self) -> Job:
        self._timer.stop()
        self.runs += 1
        run = self.runs
        job = self._ctx.tasks.call(check, self._editor.toPlainText(), self.use_hadolint,
                                   self.cwd, self.hadolint, description="Checking the Dockerfile")
        job.succeeded.connect(lambda result, run=run: self._apply(run, result))
        return job

    @property
    def pending(self) -> bool:
        return self._timer.isActive()

    def _apply(self, run: int, result: CheckResult) -> None:
        if not shiboken6.isValid(self):
            return  # the editor was closed while the check ran
        if run != self.runs:
            return  # a newer check is on its way; this text is gone
        self.latest = result
        self.applied += 1
        self._editor.set_analysis(result.document, result.diagnostics)
        if result.hadolint_problem and not self._told:
            self._told = True
            self.notice.emit(result.hadolint_problem)
        self.analysed.emit(result)

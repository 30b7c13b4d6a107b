"""Live diagnostics: debounced, off the GUI thread, stale results dropped.

Each text change restarts a short timer; when it fires, the text is checked
in two jobs on ``ctx.tasks``: first the parse and the project's own checks
(fast: the outline and problems update at once), then hadolint (a subprocess
that takes seconds on big files), whose findings are merged in. Every run
gets a number, and only the newest run's results are shown, so a slow check
of an old text can never overwrite a newer one (git-cola's diff-token pattern).

Signals:
    checked(object): the own-checks ``CheckResult`` was applied to the editor.
    analysed(object): the complete ``CheckResult`` (with hadolint's findings, or
        ``hadolint_problem`` saying why not) was applied.
    notice(str): said once per runner, e.g. that hadolint is not installed.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import shiboken6
from PySide6.QtCore import QObject, QTimer, Signal, Slot

from ui.context import AppContext
from ui.editor.editor import DockerfileEditor
from ui.worker import Job
from workbench.dockerfile import Diagnostic
from workbench.dockerfile.check import CheckResult, check, merge
from workbench.dockerfile.hadolint import run_hadolint

DELAY_MS = 300


class DiagnosticsRunner(QObject):
    checked = Signal(object)
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
        self.lints = 0  # hadolint runs started
        self._told = False
        self._lint_job: Job | None = None
        self._lint_wanted: tuple[int, str, CheckResult] | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self.run_now)
        editor.textChanged.connect(self._timer.start)

    @Slot()
    def run_now(self) -> Job:
        """Check the current text now; returns the first (own checks) job."""
        self._timer.stop()
        self.runs += 1
        run = self.runs
        text = self._editor.toPlainText()
        job = self._ctx.tasks.call(check, text, False, description="Checking the Dockerfile")
        job.succeeded.connect(lambda result, run=run: self._own_done(run, text, result))
        return job

    @property
    def pending(self) -> bool:
        return self._timer.isActive()

    def _current(self, run: int) -> bool:
        # The editor may have been closed while the check ran; a newer run wins.
        return shiboken6.isValid(self) and run == self.runs

    def _own_done(self, run: int, text: str, result: CheckResult) -> None:
        if not self._current(run):
            return
        self._show(result)
        self.checked.emit(result)
        if not self.use_hadolint:
            self.analysed.emit(result)
            return
        # One hadolint at a time (seconds on big files): a newer text waits for the
        # running one to end, and only the newest waiting text is linted then.
        self._lint_wanted = (run, text, result)
        if self._lint_job is None:
            self._start_lint()

    def _start_lint(self) -> None:
        wanted, self._lint_wanted = self._lint_wanted, None
        if wanted is None or not self._current(wanted[0]):
            return
        run, text, result = wanted
        self.lints += 1
        job = self._ctx.tasks.call(run_hadolint, text, self.hadolint, self.cwd,
                                   description="Running hadolint", report_errors=False)
        job.succeeded.connect(lambda found, run=run: self._lint_done(run, result, found, None))
        job.failed.connect(lambda _message, exc, run=run: self._lint_done(run, result, [],
                                                                          str(exc)))
        job.finished.connect(self._lint_finished)
        self._lint_job = job

    def _lint_finished(self) -> None:
        if not shiboken6.isValid(self):
            return
        self._lint_job = None
        self._start_lint()

    def _lint_done(self, run: int, own: CheckResult, found: list[Diagnostic],
                   problem: str | None) -> None:
        if not self._current(run):
            return
        result = dataclasses.replace(own, diagnostics=merge(own.diagnostics, found),
                                     hadolint_problem=problem)
        self._show(result)
        if problem and not self._told:
            self._told = True
            self.notice.emit(problem)
        self.analysed.emit(result)

    def _show(self, result: CheckResult) -> None:
        self.latest = result
        self.applied += 1
        self._editor.set_analysis(result.document, result.diagnostics)

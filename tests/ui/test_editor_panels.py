"""The problems list, stage outline, template gallery and live diagnostics runner."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from tests.qtsupport import MakeContext
from ui.editor.diagnostics import DiagnosticsRunner
from ui.editor.editor import DockerfileEditor
from ui.editor.outline import INSTRUCTION_ROLE, LINE_ROLE, STAGE_ROLE, OutlineModel, OutlineView
from ui.editor.problems import ProblemsModel, ProblemsPanel
from ui.editor.templates import TemplateGallery, TemplatesModel
from workbench.data_files import RESOURCES
from workbench.dockerfile import Diagnostic, Severity, diagnose, parse
from workbench.dockerfile.check import CheckResult
from workbench.dockerfile.templates import Template, load_templates

MULTI = ("ARG BASE=busybox\nFROM $BASE AS build\nRUN make\n\nFROM alpine\n"
         "COPY --from=build /a /a\nCMD ['a']\n")


def test_problems_model_and_panel(qtbot: QtBot, qtmodeltester: object) -> None:
    panel = ProblemsPanel()
    qtbot.addWidget(panel)
    found = diagnose(parse("from x\nRUM a\nCMD ['a']\n"))
    panel.set_diagnostics(found)
    qtmodeltester.check(panel.model)  # type: ignore[attr-defined]
    model = panel.model
    assert [model.index(r, 0).data() for r in range(model.rowCount())] == [
        "Error", "Warning", "Info"]
    assert panel.summary.text() == "1 error, 1 warning, 1 info"
    assert model.index(0, 3).data().startswith("RUM is not a Dockerfile instruction")
    chosen: list[Diagnostic] = []
    fixes: list[Diagnostic] = []
    panel.chosen.connect(chosen.append)
    panel.fixRequested.connect(fixes.append)
    panel.view.setCurrentIndex(model.index(0, 0))
    panel.view.activated.emit(model.index(0, 0))
    assert chosen[0].code == "unknown-instruction"
    assert panel.fix_button.isEnabled()
    panel.fix_button.click()
    assert fixes[0].fix is not None and fixes[0].fix.replacement == "RUN a"
    panel.set_diagnostics([])
    assert panel.summary.text() == "No problems found." and not panel.fix_button.isEnabled()
    assert isinstance(ProblemsModel().rowCount(), int)


def test_outline_has_stages_and_their_instructions(qtbot: QtBot,
                                                   qtmodeltester: object) -> None:
    view = OutlineView()
    qtbot.addWidget(view)
    model = view.outline
    model.set_document(parse(MULTI))
    qtmodeltester.check(model)  # type: ignore[attr-defined]
    tops = [model.index(r, 0) for r in range(model.rowCount())]
    assert [i.data() for i in tops] == ["Before the first FROM", "build  ·  FROM $BASE",
                                        "stage 2  ·  FROM alpine"]
    assert [s.name for s in model.stages()] == ["build", None]
    assert tops[1].data(STAGE_ROLE).first_line == 2
    children = [model.index(r, 0, tops[2]) for r in range(model.rowCount(tops[2]))]
    assert [c.data(LINE_ROLE) for c in children] == [6, 7]
    assert children[0].data(INSTRUCTION_ROLE).keyword == "COPY"
    lines: list[int] = []
    view.lineChosen.connect(lines.append)
    view.clicked.emit(children[1])
    view.clicked.emit(tops[1])
    assert lines == [7, 2]
    model.set_document(parse(""))
    assert model.rowCount() == 0
    qtmodeltester.check(OutlineModel())  # type: ignore[attr-defined]


def test_template_gallery_lists_the_tutorial_first(qtbot: QtBot,
                                                   qtmodeltester: object) -> None:
    gallery = TemplateGallery(RESOURCES / "templates")
    qtbot.addWidget(gallery)
    qtmodeltester.check(gallery.model)  # type: ignore[attr-defined]
    first = gallery.model.index(0, 0).data()
    assert first.startswith("Hello from alpine\n")
    picked: list[Template] = []
    gallery.chosen.connect(picked.append)
    gallery.view.setCurrentIndex(gallery.model.index(4, 0))
    gallery.use_button.click()
    assert picked[0].title == "Multi-stage build"
    assert TemplatesModel(load_templates()).rowCount() == 5


def test_runner_is_debounced_and_drops_stale_results(make_ctx: MakeContext,
                                                     qtbot: QtBot) -> None:
    ctx = make_ctx()
    editor = DockerfileEditor()
    qtbot.addWidget(editor)
    runner = DiagnosticsRunner(ctx, editor, delay_ms=50)
    results: list[CheckResult] = []
    quick: list[CheckResult] = []
    runner.analysed.connect(results.append)
    runner.checked.connect(quick.append)
    for ch in "FROM x\nRUM\nCMD ['a']":
        editor.insertPlainText(ch)
    assert runner.pending and runner.runs == 0  # no check per keystroke
    qtbot.waitUntil(lambda: len(results) == 1, timeout=10_000)
    assert runner.runs == 1
    assert [d.code for d in results[0].diagnostics if d.source == "workbench"] == [
        "unknown-instruction", "json-single-quotes"]
    # hadolint stops at RUM with only DL1000, which ours says better: nothing of its stays
    assert [d.code for d in results[0].diagnostics if d.source == "hadolint"] == []
    assert [d.source for d in quick[0].diagnostics] == ["workbench"] * 2, "own checks first"
    assert runner.applied == 2
    assert editor.diagnostics == list(results[0].diagnostics)
    # Two checks in flight: only the newer text's result may land.
    editor.setPlainText("FROM x\nCMD ['a']\n")
    runner.run_now()
    editor.setPlainText("FROM x\nRUN ok\n")
    last = runner.run_now()
    with qtbot.waitSignal(last.finished, timeout=10_000):
        pass
    qtbot.waitUntil(lambda: not ctx.tasks.active_jobs, timeout=10_000)
    # run 1: own checks, then with hadolint; run 2 finished but was dropped; run 3 twice
    assert runner.runs == 3 and runner.applied == 4
    assert not [d for d in editor.diagnostics if d.source == "workbench"]
    assert editor.parsed.instructions[1].keyword == "RUN"


def test_missing_hadolint_is_said_once_and_own_checks_still_run(
        make_ctx: MakeContext, qtbot: QtBot, tmp_path: Path) -> None:
    ctx = make_ctx()
    editor = DockerfileEditor()
    qtbot.addWidget(editor)
    runner = DiagnosticsRunner(ctx, editor, delay_ms=10)
    runner.hadolint = tmp_path / "no-hadolint-here"
    notices: list[str] = []
    runner.notice.connect(notices.append)
    for text in ("FROM x\nRUM a\n", "FROM x\nRUM b\n"):
        editor.setPlainText(text)
        with qtbot.waitSignal(runner.analysed, timeout=10_000):
            pass
    assert len(notices) == 1 and "hadolint is not installed" in notices[0]
    assert [d.code for d in editor.diagnostics] == ["unknown-instruction"]
    assert all(d.severity is Severity.ERROR for d in editor.diagnostics)


def test_one_hadolint_at_a_time_and_only_for_the_newest_text(make_ctx: MakeContext,
                                                              qtbot: QtBot) -> None:
    ctx = make_ctx()
    editor = DockerfileEditor()
    qtbot.addWidget(editor)
    runner = DiagnosticsRunner(ctx, editor, delay_ms=10_000)
    editor.setPlainText("FROM alpine\n")
    with qtbot.waitSignal(runner.checked, timeout=10_000):
        runner.run_now()  # its own checks are done; hadolint now runs
    assert runner.lints == 1
    for text in ("FROM busybox\n", "FROM ubuntu\nRUN cd /tmp\n"):
        editor.setPlainText(text)
        runner.run_now()
    qtbot.waitUntil(lambda: not ctx.tasks.active_jobs, timeout=30_000)
    assert runner.lints == 2, "the middle text was never linted"
    assert [(d.line, d.code) for d in editor.diagnostics if d.source == "hadolint"] == [
        (1, "DL3006"), (2, "DL3003"), (2, "SC2164")]


def test_outline_updates_rows_in_place_when_only_text_changed(qtbot: QtBot,
                                                              qtmodeltester: object) -> None:
    view = OutlineView()
    qtbot.addWidget(view)
    model = view.outline
    model.set_document(parse(MULTI))
    qtmodeltester.check(model)  # type: ignore[attr-defined]
    resets: list[bool] = []
    changed: list[int] = []
    model.modelReset.connect(lambda: resets.append(True))
    model.dataChanged.connect(lambda first, _last, _roles=(): changed.append(first.row()))
    model.set_document(parse(MULTI))
    assert resets == [] and changed == [], "the same text changes nothing"
    model.set_document(parse(MULTI.replace("RUN make", "RUN make all")))
    assert resets == [] and changed, "same shape: rows updated in place"
    child = model.index(0, 0, model.index(1, 0))
    assert child.data() == "3  RUN make all"
    model.set_document(parse(MULTI + "FROM scratch\n"))
    assert resets == [True]
    qtmodeltester.check(model)  # type: ignore[attr-defined]

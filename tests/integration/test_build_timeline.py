"""The build timeline on the real engine: stages, cache, args, target, pulls, failures,
history, the remembered options and the CLI twin."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import docker
import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.harness.registry import RegistryHandle
from tests.integration.windows import MakeWindow, build
from ui.main_window import MainWindow
from ui.timeline.steps import StepsModel, StepStatus
from workbench.dockerfile import parse

pytestmark = pytest.mark.engine


def prepare(window: MainWindow, text: str, context: Path, tag: str = "") -> None:
    window.editor.setPlainText(text)
    window.build_panel.set_document(parse(text))
    window.build_panel.set_context_dir(context)
    window.build_panel.tag_edit.setText(tag)


def status_column(window: MainWindow) -> list[str]:
    steps = window.build_panel.steps
    return [steps.data(steps.index_of_step(r, StepsModel.COL_STATUS))
            for r in range(len(steps.steps))]


MULTI = ("FROM {base} AS builder\nRUN echo built-{marker} > /artifact\n"
         "FROM {base}\nCOPY --from=builder /artifact /artifact\nCMD [\"cat\", \"/artifact\"]\n")


def test_multi_stage_is_grouped_and_the_second_run_is_cached(
        qtbot: QtBot, make_window: MakeWindow, base_image: str, context_dir: Path,
        request: pytest.FixtureRequest) -> None:
    window = make_window()
    prepare(window, MULTI.format(base=base_image, marker=request.node.name),
            context_dir, "workbench-it/multi:1")
    build(qtbot, window)
    steps = window.build_panel.steps
    assert [s.status for s in steps.steps] == [StepStatus.DONE] * 5
    assert steps.rowCount() == 2
    assert steps.data(steps.index(0, 0)) == "Stage 1 “builder”"
    assert [steps.rowCount(steps.index(i, 0)) for i in range(2)] == [2, 3]
    first_sizes = [s.layer_size for s in steps.steps]
    assert all(size is not None for size in first_sizes)
    assert steps.data(steps.index_of_step(1, StepsModel.COL_SIZE)).endswith("B")

    build(qtbot, window)
    assert status_column(window) == ["done", "cached", "done", "cached", "cached"]
    assert "3 from cache" in window.build_panel.message.text()
    # Step times are compared with the previous build of the same Dockerfile.
    qtbot.waitUntil(lambda: steps.steps[1].previous_duration is not None, timeout=5_000)
    assert "(was " in steps.data(steps.index_of_step(1, StepsModel.COL_DURATION))


def test_a_build_arg_changes_the_run_output(qtbot: QtBot, make_window: MakeWindow,
                                            base_image: str, context_dir: Path) -> None:
    window = make_window()
    text = (f"ARG GREETING=hi\nFROM {base_image}\nARG GREETING\n"
            'RUN echo "say $GREETING"\n')
    prepare(window, text, context_dir)
    args = window.build_panel.options.args
    assert [(r.name, r.default) for r in args.rows] == [("GREETING", "hi")]
    build(qtbot, window)
    assert list(window.build_panel.steps.steps[-1].lines) == [("say hi", "stdout")]

    args.setData(args.index(0, 1), "bonjour")
    build(qtbot, window)
    assert list(window.build_panel.steps.steps[-1].lines) == [("say bonjour", "stdout")]


def test_target_stage_stops_early(qtbot: QtBot, make_window: MakeWindow,
                                  engine_api: docker.APIClient, base_image: str,
                                  context_dir: Path) -> None:
    window = make_window()
    prepare(window, MULTI.format(base=base_image, marker="target"), context_dir,
            "workbench-it/target:1")
    combo = window.build_panel.options.target
    assert [combo.itemData(i) for i in range(combo.count())] == [None, "builder"]
    combo.setCurrentIndex(1)
    build(qtbot, window)
    steps = window.build_panel.steps.steps
    assert [(s.instruction.split()[0], s.status) for s in steps[2:]] == [
        ("FROM", StepStatus.NOT_RUN), ("COPY", StepStatus.NOT_RUN), ("CMD", StepStatus.NOT_RUN)]
    assert all(s.status in (StepStatus.DONE, StepStatus.CACHED) for s in steps[:2])
    config = engine_api.inspect_image("workbench-it/target:1")["Config"]
    assert config["Cmd"] != ["cat", "/artifact"]  # the final stage never ran


def test_copy_of_a_missing_file_is_explained(qtbot: QtBot, make_window: MakeWindow,
                                             base_image: str, context_dir: Path) -> None:
    window = make_window()
    prepare(window, f"FROM {base_image}\nCOPY notes.txt /notes.txt\n", context_dir)
    build(qtbot, window)
    message = window.build_panel.message.text()
    assert "“notes.txt” is not in the build context folder" in message
    assert str(context_dir) in message
    assert "The engine said: COPY failed" in message
    assert status_column(window) == ["done", "failed"]


def test_base_image_pulled_from_the_registry_shows_progress_under_from(
        qtbot: QtBot, make_window: MakeWindow, engine_api: docker.APIClient, base_image: str,
        registry: RegistryHandle, context_dir: Path) -> None:
    ref = f"{registry.host}/workbench-test/pulled-base"
    # A layer of its own, so that the pull has something to download.
    list(engine_api.build(fileobj=BytesIO(f"FROM {base_image}\nRUN head -c 300000 "
                                          "/dev/urandom > /blob\n".encode()), tag=f"{ref}:1",
                          rm=True, forcerm=True, nocache=True, decode=True))
    list(engine_api.push(ref, tag="1", stream=True, decode=True, auth_config={}))
    engine_api.remove_image(f"{ref}:1")
    window = make_window()
    prepare(window, f"FROM {ref}:1\nRUN echo pulled\n", context_dir)
    seen: list[str] = []
    window.build_panel.steps.dataChanged.connect(lambda *_: seen.append(
        window.build_panel.steps.data(window.build_panel.steps.index_of_step(
            0, StepsModel.COL_STATUS))) if window.build_panel.steps.steps else None)
    build(qtbot, window)
    from_step = window.build_panel.steps.steps[0]
    assert from_step.pull is not None and from_step.pull.layers
    assert any(text.startswith("Status: Downloaded newer image") for text, _ in from_step.lines)
    assert any(s and s.startswith("pulling:") for s in seen), "pull progress shown while running"
    assert status_column(window) == ["done", "done"]


def test_options_are_remembered_per_dockerfile_and_the_cli_twin_matches(
        qtbot: QtBot, make_window: MakeWindow, base_image: str, context_dir: Path) -> None:
    window = make_window()
    panel = window.build_panel
    text = f"FROM {base_image} AS only\nARG V=1\nRUN echo $V\n"
    prepare(window, text, context_dir, "workbench-it/remember:1 workbench-it/remember:2")
    panel.set_dockerfile_key("/projects/app/Dockerfile")
    panel.options.args.setData(panel.options.args.index(0, 1), "2")
    panel.options.no_cache.setChecked(True)
    panel.options.labels.setText('team=infra note="two words"')
    panel.command_action.trigger()
    command = panel.message.text()
    assert "DOCKER_BUILDKIT=0 docker build" in command
    assert "-t workbench-it/remember:1 -t workbench-it/remember:2" in command
    assert "--build-arg V=2" in command and "--no-cache" in command
    assert "--label team=infra --label 'note=two words'" in command
    build(qtbot, window)
    assert "workbench-it/remember:2" in panel.message.text()

    stored = panel.options_store.load("/projects/app/Dockerfile")
    assert stored is not None
    assert stored.build_args == {"V": "2"} and stored.no_cache
    assert stored.labels == {"team": "infra", "note": "two words"}
    panel.options.no_cache.setChecked(False)
    panel.options.args.setData(panel.options.args.index(0, 1), "")
    panel.set_dockerfile_key("/projects/app/Dockerfile")
    qtbot.waitUntil(panel.options.no_cache.isChecked, timeout=5_000)
    assert panel.options.args.values() == {"V": "2"}

    records = panel.history.records()
    assert records[-1].outcome == "succeeded"
    assert records[-1].dockerfile == "/projects/app/Dockerfile"
    # The classic builder applies --label as extra LABEL steps at the end.
    assert [s.instruction for s in records[-1].steps] == [
        f"FROM {base_image} AS only", "ARG V=1", "RUN echo $V", "LABEL note=two words",
        "LABEL team=infra"]


def test_history_dialog_shows_a_past_timeline(qtbot: QtBot, make_window: MakeWindow,
                                              base_image: str, context_dir: Path) -> None:
    window = make_window()
    prepare(window, f"FROM {base_image}\nRUN exit 4\n", context_dir)
    build(qtbot, window)
    panel = window.build_panel
    qtbot.waitUntil(lambda: bool(panel.history.records()), timeout=5_000)
    panel.show_history()
    qtbot.waitUntil(lambda: hasattr(panel, "history_dialog"), timeout=5_000)
    dialog = panel.history_dialog
    assert dialog.model.data(dialog.model.index(0, 3)) == "failed"
    assert [s.status for s in dialog.steps.steps] == [StepStatus.DONE, StepStatus.FAILED]
    assert dialog.steps.steps[0].duration(0) >= 0
    dialog.close()


def test_clicking_a_step_selects_its_lines_and_the_log_tools_work(
        qtbot: QtBot, make_window: MakeWindow, base_image: str, context_dir: Path,
        tmp_path: Path) -> None:
    window = make_window()
    text = f"FROM {base_image}\nRUN echo one \\\n    && echo two \\\n    && echo three\n"
    prepare(window, text, context_dir)
    build(qtbot, window)
    panel = window.build_panel
    index = panel.steps.index_of_step(1, StepsModel.COL_INSTRUCTION)
    rect = panel.timeline.visualRect(index)
    with qtbot.waitSignal(panel.stepLinesSelected) as picked:
        qtbot.mouseClick(panel.timeline.viewport(), Qt.MouseButton.LeftButton,
                         pos=rect.center())
    assert picked.args == [2, 4]
    assert panel.log.all_text() == "one\ntwo\nthree"
    panel.search_edit.setText("THREE")
    panel.find_next()
    assert panel.log_view.currentIndex().row() == 2
    panel.copy_selected_lines()
    from PySide6.QtGui import QGuiApplication

    assert QGuiApplication.clipboard().text() == "three"
    target = tmp_path / "saved.log"
    window._ctx.interaction.save_files.append(target)  # type: ignore[attr-defined]
    panel.save_log()
    qtbot.waitUntil(target.exists, timeout=5_000)
    saved = target.read_text()
    assert "Step 2/2 : RUN echo one" in saved and "    three" in saved


def test_buildkit_only_syntax_is_explained_before_sending(
        qtbot: QtBot, make_window: MakeWindow, engine_api: docker.APIClient, base_image: str,
        context_dir: Path, containers_before: set[str]) -> None:
    window = make_window()
    text = f"FROM {base_image}\nRUN --mount=type=cache,target=/root/.cache echo hi\n"
    prepare(window, text, context_dir)
    panel = window.build_panel
    with qtbot.assertNotEmitted(panel.buildEnded, wait=300):
        qtbot.mouseClick(panel.build_button, Qt.MouseButton.LeftButton)
    message = panel.message.text()
    assert message.startswith("Not sent:") and "Line 2" in message and "BuildKit" in message
    assert not panel.steps.steps and panel.build_button.isEnabled()
    assert 2 in [m.cursor.blockNumber() + 1 for m in window.editor.extraSelections()]
    # Pressing Build again sends it anyway: the engine's own refusal then shows.
    build(qtbot, window)
    assert "requires BuildKit" in panel.message.text()


def test_missing_or_protected_base_images_are_explained(
        qtbot: QtBot, make_window: MakeWindow, registry: RegistryHandle,
        tls_registry: RegistryHandle, context_dir: Path) -> None:
    window = make_window()
    prepare(window, f"FROM {registry.host}/workbench-test/absent:1\nRUN true\n", context_dir)
    build(qtbot, window)
    message = window.build_panel.message.text()
    assert "could not be pulled" in message and "Check the FROM line" in message
    assert status_column(window)[0] == "failed"

    prepare(window, f"FROM {tls_registry.host}/workbench-test/secret:1\n", context_dir)
    build(qtbot, window)
    message = window.build_panel.message.text()
    assert "could not be pulled" in message and "docker login" in message

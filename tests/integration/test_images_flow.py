"""The image list and its actions on the real engine: live rows from events alone,
tag / untag, remove an image in use, prune, create with settings, Run showing "hello"."""

from __future__ import annotations

import contextlib
import io
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import docker
import docker.errors
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from tests.harness.registry import free_port
from tests.qtsupport import MakeContext, ScriptedInteraction
from ui.containers.panel import ContainersPanel
from ui.context import AppContext
from ui.images.dialogs import CreateContainerDialog
from ui.images.panel import ImagesPanel

pytestmark = pytest.mark.engine


@dataclass
class Panels:
    ctx: AppContext
    images: ImagesPanel
    containers: ContainersPanel
    window: QWidget

    @property
    def interaction(self) -> ScriptedInteraction:
        assert isinstance(self.ctx.interaction, ScriptedInteraction)
        return self.ctx.interaction


MakePanels = Callable[..., Panels]


@pytest.fixture
def make_panels(make_ctx: MakeContext, qtbot: QtBot, test_engine: object,
                base_image: str) -> MakePanels:
    def make(environ: dict[str, str] | None = None, connect: bool = True) -> Panels:
        ctx = make_ctx(environ)
        window = QWidget()
        window.setObjectName("imagesTestWindow")
        images = ImagesPanel(ctx, window)
        containers = ContainersPanel(ctx, images.events, window)
        images.runRequested.connect(containers.run)  # as the main window wires it
        from PySide6.QtWidgets import QHBoxLayout

        layout = QHBoxLayout(window)
        layout.addWidget(images, 3)
        layout.addWidget(containers, 2)
        window.resize(1300, 600)
        qtbot.addWidget(window)
        window.show()
        ctx.engine.connected.connect(lambda _info: images.refresh())
        if connect:
            with qtbot.waitSignal(images.refreshed, timeout=20_000):
                ctx.engine.start()
            qtbot.waitUntil(lambda: images.events.running, timeout=5_000)
        return Panels(ctx, images, containers, window)
    return make


def unique(prefix: str) -> str:
    return f"workbench-it/{prefix}-{uuid.uuid4().hex[:8]}"


def build_image(api: docker.APIClient, base: str, tag: str, extra: str = "") -> str:
    dockerfile = f"FROM {base}\n{extra}\n"
    out = list(api.build(fileobj=io.BytesIO(dockerfile.encode()), tag=tag, rm=True,
                         forcerm=True, decode=True))
    assert not [o for o in out if "error" in o], out
    return str(api.inspect_image(tag)["Id"])


@pytest.fixture
def cleanup(engine_api: docker.APIClient) -> Iterator[list[str]]:
    """Names of images and containers to remove at the end, whatever happened."""
    names: list[str] = []
    yield names
    for name in names:
        for remove in (lambda n: engine_api.remove_container(n, force=True),
                       lambda n: engine_api.remove_image(n, force=True)):
            with contextlib.suppress(docker.errors.APIError):
                remove(name)


def test_tag_and_untag_rows_come_and_go_through_events_alone(
        qtbot: QtBot, make_panels: MakePanels, engine_api: docker.APIClient,
        base_image: str, cleanup: list[str]) -> None:
    p = make_panels()
    images = p.images
    repo = unique("tagged")
    cleanup.extend([f"{repo}:1", f"{repo}:outside"])
    images.select(base_image)
    assert images.selected_rows()[0].reference == base_image
    refreshes: list[int] = []
    images.refreshed.connect(refreshes.append)

    images.actions_by_name["tag"].trigger()
    dialog = images.tag_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.edit.clear()
    qtbot.keyClicks(dialog.edit, f"{repo}:1")
    assert dialog.ok_button.isEnabled()
    assert f"docker.io/{repo}:1" in dialog.reason.text()
    assert dialog.command.text() == f"docker tag {base_image} {repo}:1"
    with qtbot.waitSignal(images.actionDone, timeout=10_000):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: images.model.row_for(f"{repo}:1") is not None, timeout=10_000)

    # A tag made outside the app (the CLI, a script) shows up too.
    engine_api.tag(base_image, repo, "outside")
    qtbot.waitUntil(lambda: images.model.row_for(f"{repo}:outside") is not None,
                    timeout=10_000)
    assert images.selected_rows()[0].reference == base_image, "selection survives"

    images.select(f"{repo}:1")
    assert images.actions_by_name["untag"].isEnabled()  # the image has other tags
    with qtbot.waitSignal(images.actionDone, timeout=10_000) as done:
        images.actions_by_name["untag"].trigger()
    assert done.args == [f"docker rmi {repo}:1"]
    qtbot.waitUntil(lambda: images.model.row_for(f"{repo}:1") is None, timeout=10_000)
    engine_api.remove_image(f"{repo}:outside")
    qtbot.waitUntil(lambda: images.model.row_for(f"{repo}:outside") is None, timeout=10_000)
    assert refreshes == [], "rows changed through events, not by re-reading the list"
    assert images.model.row_for(base_image) is not None


def test_tag_dialog_refuses_bad_names_with_the_reason(
        qtbot: QtBot, make_panels: MakePanels, base_image: str) -> None:
    p = make_panels()
    p.images.select(base_image)
    p.images.tag_selected()
    dialog = p.images.tag_dialog
    assert dialog is not None
    for text, words in (("My/App:1", "lowercase"), ("app:" + "x" * 129, "129 characters"),
                        ("app@sha256:" + "a" * 64, "digest"), ("a" * 64, "64-character"),
                        ("app:-x", "starts with '-'"), ("app!", "'!'")):
        dialog.edit.setText(text)
        assert not dialog.ok_button.isEnabled(), text
        assert words in dialog.reason.text(), (text, dialog.reason.text())
    dialog.edit.setText("app")
    assert dialog.ok_button.isEnabled()
    assert "docker.io/library/app:latest" in dialog.reason.text()
    dialog.reject()


def test_remove_in_use_image_is_explained_and_can_take_the_container(
        qtbot: QtBot, make_panels: MakePanels, engine_api: docker.APIClient,
        base_image: str, cleanup: list[str]) -> None:
    p = make_panels()
    repo = unique("inuse")
    cleanup.append(f"{repo}:1")
    image_id = build_image(engine_api, base_image, f"{repo}:1", "LABEL purpose=in-use")
    name = f"wb-user-{uuid.uuid4().hex[:6]}"
    cleanup.append(name)
    engine_api.create_container(f"{repo}:1", command=["true"], name=name)
    qtbot.waitUntil(lambda: p.images.model.row_for(f"{repo}:1") is not None, timeout=10_000)
    row = p.images.model.rows[p.images.model.row_for(f"{repo}:1") or 0]
    qtbot.waitUntil(lambda: p.images.model.rows[p.images.model.row_for(
        f"{repo}:1") or 0].containers == 1, timeout=10_000)
    assert row.image_id == image_id

    p.images.select(f"{repo}:1")
    # Remove? yes. The container too? no. Force, keeping the container? no.
    p.interaction.confirms.extend([True, False, False])
    with qtbot.waitSignal(p.images.actionFailed, timeout=10_000) as failed:
        p.images.actions_by_name["remove"].trigger()
    assert f"in use by container “{name}”" in failed.args[0]
    assert p.interaction.asked == ["confirm: Remove images", "confirm: Image in use",
                                   "confirm: Force removal"]
    engine_api.inspect_image(image_id)  # still there

    p.interaction.confirms.extend([True, True])  # now also remove the container
    with qtbot.waitSignal(p.images.actionDone, timeout=15_000) as done:
        p.images.actions_by_name["remove"].trigger()
    assert done.args[0] == f"docker rm -f {name} && docker rmi {repo}:1"
    qtbot.waitUntil(lambda: p.images.model.row_for(f"{repo}:1") is None, timeout=10_000)
    with pytest.raises(docker.errors.NotFound):
        engine_api.inspect_image(image_id)
    with pytest.raises(docker.errors.NotFound):
        engine_api.inspect_container(name)


def test_prune_dangling_shows_the_space_the_engine_freed(
        qtbot: QtBot, make_panels: MakePanels, engine_api: docker.APIClient,
        base_image: str, cleanup: list[str]) -> None:
    engine_api.prune_images(filters={"dangling": True})  # start from none
    repo = unique("prune")
    cleanup.append(f"{repo}:1")
    old = build_image(engine_api, base_image, f"{repo}:1",
                      f"RUN head -c 300000 /dev/urandom > /blob-{uuid.uuid4().hex}")
    build_image(engine_api, base_image, f"{repo}:1", "LABEL replaced=yes")  # old dangles
    df = engine_api.df()
    expected = sum(i["Size"] - max(i["SharedSize"], 0) for i in df["Images"]
                   if i["Id"] == old)
    assert expected >= 300_000
    p = make_panels()
    p.images.dangling_check.setChecked(True)
    assert p.images.model.row_for(old) is not None
    assert p.images.proxy.mapFromSource(p.images.model.index(
        p.images.model.row_for(old) or 0, 0)).isValid(), "dangling rows show when asked"
    p.images.dangling_check.setChecked(False)
    assert not p.images.proxy.mapFromSource(p.images.model.index(
        p.images.model.row_for(old) or 0, 0)).isValid(), "and hide otherwise"

    p.interaction.confirms.append(True)
    with qtbot.waitSignal(p.images.actionDone, timeout=20_000) as done:
        p.images.actions_by_name["prune_dangling"].trigger()
    assert done.args == ["docker image prune -f"]
    result = p.images.last_prune
    assert result is not None
    assert result.space_reclaimed == expected
    assert f"({expected:,} bytes)" in p.images.status.text()
    qtbot.waitUntil(lambda: p.images.model.row_for(old) is None, timeout=10_000)


def open_create_dialog(make_panels: MakePanels, image: str,
                       cleanup: list[str]) -> tuple[Panels, CreateContainerDialog, str]:
    """The panels, the Create dialog opened on ``image``, and a fresh container name
    (removed after the test)."""
    p = make_panels()
    p.images.select(image)
    p.images.actions_by_name["create"].trigger()
    dialog = p.images.create_dialog
    assert dialog is not None
    name = f"wb-create-{uuid.uuid4().hex[:6]}"
    cleanup.append(name)
    return p, dialog, name


def submit(qtbot: QtBot, p: Panels, dialog: CreateContainerDialog, expected: str) -> None:
    """Check the shown command, press Create, and see the action report that command."""
    assert dialog.command.text() == expected
    with qtbot.waitSignal(p.images.actionDone, timeout=15_000) as done:
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert done.args == [expected]


def test_create_with_env_port_and_bind_mount(
        qtbot: QtBot, make_panels: MakePanels, engine_api: docker.APIClient,
        base_image: str, cleanup: list[str], tmp_path: Path) -> None:
    p, dialog, name = open_create_dialog(make_panels, base_image, cleanup)
    dialog.name_edit.setText("x")  # too short
    assert not dialog.ok_button.isEnabled()
    assert "at least two characters" in dialog.problems.text()
    port = free_port()
    share = tmp_path / "share"
    share.mkdir()
    dialog.name_edit.setText(name)
    dialog.command_edit.setText("sh -c 'echo $GREETING'")
    dialog.env_edit.setPlainText("GREETING=hello there\nEMPTY=")
    dialog.ports_edit.setPlainText(f"{port}:80")
    dialog.mounts_edit.setPlainText(f"{share}:/data:ro")
    assert dialog.ok_button.isEnabled(), dialog.problems.text()
    expected = (f"docker create --name {name} -e 'GREETING=hello there' -e EMPTY= "
                f"-p {port}:80 -v {share}:/data:ro {base_image} sh -c 'echo $GREETING'")
    submit(qtbot, p, dialog, expected)
    info = engine_api.inspect_container(name)
    assert "GREETING=hello there" in info["Config"]["Env"]
    assert "EMPTY=" in info["Config"]["Env"]
    assert info["Config"]["Cmd"] == ["sh", "-c", "echo $GREETING"]
    assert info["HostConfig"]["PortBindings"] == {"80/tcp": [{"HostIp": "",
                                                              "HostPort": str(port)}]}
    assert info["HostConfig"]["Binds"] == [f"{share}:/data:ro"]
    assert info["HostConfig"]["AutoRemove"] is False
    qtbot.waitUntil(lambda: p.containers.model.row_for(name) is not None, timeout=10_000)


def test_create_with_entrypoint_workdir_user_and_restart_policy(
        qtbot: QtBot, make_panels: MakePanels, engine_api: docker.APIClient,
        base_image: str, cleanup: list[str]) -> None:
    p, dialog, name = open_create_dialog(make_panels, base_image, cleanup)
    dialog.name_edit.setText(name)
    dialog.entrypoint_edit.setText("/bin/sh -c")  # allowed, but said: one program
    assert "run as one program named “/bin/sh -c”" in dialog.problems.text()
    dialog.entrypoint_edit.setText("/bin/sh")
    dialog.command_edit.setText("-c 'pwd; id -u'")
    dialog.workdir_edit.setText("tmp")
    assert not dialog.ok_button.isEnabled() and "absolute" in dialog.problems.text()
    dialog.workdir_edit.setText("/tmp")
    dialog.user_edit.setText("1000")
    dialog.restart_combo.setCurrentIndex(dialog.restart_combo.findData("on-failure"))
    dialog.auto_remove.setChecked(True)
    assert not dialog.ok_button.isEnabled() and "--rm with --restart" in dialog.problems.text()
    dialog.auto_remove.setChecked(False)
    assert dialog.ok_button.isEnabled(), dialog.problems.text()
    expected = (f"docker create --name {name} --restart on-failure --entrypoint /bin/sh "
                f"-w /tmp -u 1000 {base_image} -c 'pwd; id -u'")
    submit(qtbot, p, dialog, expected)
    info = engine_api.inspect_container(name)
    assert info["Config"]["Entrypoint"] == ["/bin/sh"]
    assert info["Config"]["Cmd"] == ["-c", "pwd; id -u"]
    assert info["Config"]["WorkingDir"] == "/tmp" and info["Config"]["User"] == "1000"
    assert info["HostConfig"]["RestartPolicy"]["Name"] == "on-failure"
    engine_api.start(name)
    assert engine_api.wait(name, timeout=30)["StatusCode"] == 0
    assert engine_api.logs(name).decode().split() == ["/tmp", "1000"]


def test_busy_port_is_refused_before_create(qtbot: QtBot, make_panels: MakePanels,
                                            base_image: str) -> None:
    import socket

    p = make_panels()
    p.images.select(base_image)
    p.images.create_container(run=False)
    dialog = p.images.create_dialog
    assert dialog is not None
    with socket.socket() as busy:
        busy.bind(("0.0.0.0", 0))
        busy.listen()
        dialog.ports_edit.setPlainText(f"{busy.getsockname()[1]}:80")
        assert not dialog.ok_button.isEnabled()
        assert "already in use" in dialog.problems.text()
    dialog.ports_edit.setPlainText("80")  # the engine picks the host port
    assert dialog.ok_button.isEnabled()
    dialog.reject()


def test_run_the_tutorial_image_shows_hello(
        qtbot: QtBot, make_panels: MakePanels, engine_api: docker.APIClient,
        base_image: str, cleanup: list[str]) -> None:
    p = make_panels()
    repo = unique("hello")
    cleanup.append(f"{repo}:1")
    build_image(engine_api, base_image, f"{repo}:1", 'CMD ["echo", "hello"]')
    qtbot.waitUntil(lambda: p.images.model.row_for(f"{repo}:1") is not None, timeout=10_000)
    p.images.select(f"{repo}:1")
    p.images.actions_by_name["run"].trigger()
    dialog = p.images.create_dialog
    assert dialog is not None and dialog.objectName() == "runContainerDialog"
    dialog.auto_remove.setChecked(True)
    assert dialog.command.text() == f"docker run --rm {repo}:1"
    with qtbot.waitSignal(p.containers.runEnded, timeout=20_000) as ended:
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert ended.args == [0]
    assert p.containers.output.all_text().splitlines() == ["hello"]
    assert p.containers.console.objectName() == "containerOutput"
    cid = p.containers.container_id
    assert cid is not None
    qtbot.waitUntil(lambda: cid not in {c["Id"] for c in engine_api.containers(all=True)},
                    timeout=10_000)  # --rm took it away


def test_containers_panel_start_logs_stop_remove(
        qtbot: QtBot, make_panels: MakePanels, engine_api: docker.APIClient,
        base_image: str, cleanup: list[str]) -> None:
    p = make_panels()
    name = f"wb-panel-{uuid.uuid4().hex[:6]}"
    cleanup.append(name)
    engine_api.create_container(base_image, name=name,
                                command=["sh", "-c", "echo started; sleep 60"])
    # The create event alone brings the row.
    qtbot.waitUntil(lambda: p.containers.model.row_for(name) is not None, timeout=10_000)
    p.containers.select(name)
    assert p.containers.actions_by_name["start"].isEnabled()
    assert not p.containers.actions_by_name["stop"].isEnabled()
    with qtbot.waitSignal(p.containers.actionDone, timeout=10_000) as done:
        p.containers.actions_by_name["start"].trigger()
    assert done.args == [f"docker start {name}"]
    qtbot.waitUntil(lambda: p.containers.model.rows[
        p.containers.model.row_for(name) or 0].running, timeout=10_000)
    p.containers.select(name)
    p.containers.actions_by_name["logs"].trigger()
    qtbot.waitUntil(lambda: "started" in p.containers.output.all_text(), timeout=10_000)
    with qtbot.waitSignal(p.containers.actionDone, timeout=20_000):
        p.containers.actions_by_name["stop"].trigger()
    p.containers.stop_console()
    qtbot.waitUntil(lambda: not p.containers.model.rows[
        p.containers.model.row_for(name) or 0].running, timeout=10_000)
    p.containers.select(name)
    p.interaction.confirms.append(True)
    with qtbot.waitSignal(p.containers.actionDone, timeout=10_000):
        p.containers.actions_by_name["remove"].trigger()
    qtbot.waitUntil(lambda: p.containers.model.row_for(name) is None, timeout=10_000)


def test_events_follow_an_engine_that_comes_back(
        qtbot: QtBot, make_panels: MakePanels, engine_api: docker.APIClient,
        test_engine: object, base_image: str, cleanup: list[str], tmp_path: Path) -> None:
    environ = {"DOCKER_HOST": f"unix://{tmp_path}/nothing.sock"}
    p = make_panels(environ, connect=False)
    with qtbot.waitSignal(p.ctx.engine.disconnected, timeout=20_000):
        p.ctx.engine.start()
    assert not p.images.events.running
    environ["DOCKER_HOST"] = test_engine.docker_host  # type: ignore[attr-defined]
    with qtbot.waitSignal(p.images.refreshed, timeout=20_000):
        p.ctx.engine.reconnect()
    qtbot.waitUntil(lambda: p.images.events.running, timeout=5_000)
    repo = unique("back")
    cleanup.append(f"{repo}:1")
    engine_api.tag(base_image, repo, "1")
    qtbot.waitUntil(lambda: p.images.model.row_for(f"{repo}:1") is not None, timeout=10_000)


def test_event_stream_restarts_after_the_engine_is_lost_and_found(
        qtbot: QtBot, make_panels: MakePanels, engine_api: docker.APIClient,
        test_engine: object, base_image: str, cleanup: list[str], tmp_path: Path) -> None:
    host = test_engine.docker_host  # type: ignore[attr-defined]
    environ = {"DOCKER_HOST": host}
    p = make_panels(environ)
    p.ctx.engine.disconnected.connect(lambda _m, _a: p.images.clear())  # as the main window
    environ["DOCKER_HOST"] = f"unix://{tmp_path}/gone.sock"  # the engine goes away
    with qtbot.waitSignal(p.ctx.engine.disconnected, timeout=10_000):
        p.ctx.engine.report_lost("the engine stopped answering")
    qtbot.waitUntil(lambda: not p.images.events.running, timeout=10_000)
    assert p.images.model.rowCount() == 0
    environ["DOCKER_HOST"] = host  # and comes back
    with qtbot.waitSignal(p.images.refreshed, timeout=20_000):
        p.ctx.engine.reconnect()
    qtbot.waitUntil(lambda: p.images.events.running, timeout=5_000)
    repo = unique("again")
    cleanup.append(f"{repo}:1")
    engine_api.tag(base_image, repo, "1")
    qtbot.waitUntil(lambda: p.images.model.row_for(f"{repo}:1") is not None, timeout=10_000)


def test_force_removal_keeps_the_stopped_container(
        qtbot: QtBot, make_panels: MakePanels, engine_api: docker.APIClient,
        base_image: str, cleanup: list[str]) -> None:
    p = make_panels()
    repo = unique("forced")
    cleanup.append(f"{repo}:1")
    image_id = build_image(engine_api, base_image, f"{repo}:1", "LABEL purpose=forced")
    name = f"wb-keep-{uuid.uuid4().hex[:6]}"
    cleanup.append(name)
    engine_api.create_container(f"{repo}:1", command=["true"], name=name)
    qtbot.waitUntil(lambda: p.images.model.row_for(f"{repo}:1") is not None, timeout=10_000)
    p.images.select(f"{repo}:1")
    p.interaction.confirms.extend([True, False, True])  # remove, not the container, force
    with qtbot.waitSignal(p.images.actionDone, timeout=15_000) as done:
        p.images.actions_by_name["remove"].trigger()
    assert done.args == [f"docker rmi -f {repo}:1"]
    qtbot.waitUntil(lambda: p.images.model.row_for(f"{repo}:1") is None, timeout=10_000)
    assert engine_api.inspect_container(name)["Image"] == image_id  # the container stays

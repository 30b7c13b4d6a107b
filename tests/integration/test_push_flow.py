"""Push and pull from the image list on the real engine and the test registries:
the digest shown is the registry's, a login is asked for and stored the docker CLI's
way (never the password in logs or the app's files), refusals in plain words."""

from __future__ import annotations

import base64
import json
import logging
import ssl
import urllib.request
import uuid
from pathlib import Path

import docker
import docker.errors
import pytest
from pytestqt.qtbot import QtBot

from tests.harness.registry import RegistryHandle, free_port
from tests.integration.test_images_flow import MakePanels, build_image, cleanup, make_panels
from workbench.credentials import Credentials
from workbench.reference import parse

pytestmark = [pytest.mark.engine, pytest.mark.registry]
__all__ = ["cleanup", "make_panels"]  # fixtures shared with the image-list tests

MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"


def manifest_digest(registry: RegistryHandle, repo: str, tag: str,
                    auth: tuple[str, str] | None = None) -> str:
    request = urllib.request.Request(f"{registry.url}/v2/{repo}/manifests/{tag}",
                                     method="HEAD", headers={"Accept": MANIFEST})
    if auth is not None:
        token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    context = ssl.create_default_context(cafile=str(registry.ca_file)) if registry.tls \
        else None
    with urllib.request.urlopen(request, context=context) as answer:
        return str(answer.headers["Docker-Content-Digest"])


def test_push_to_plain_registry_shows_the_registry_digest_and_does_two_in_one_go(
        qtbot: QtBot, make_panels: MakePanels, engine_api: docker.APIClient,
        base_image: str, registry: RegistryHandle, tls_registry: RegistryHandle,
        cleanup: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "docker-config"))
    repo = f"workbench-it/push-{uuid.uuid4().hex[:6]}"
    target = f"{registry.host}/{repo}:1"
    cleanup.append(target)
    build_image(engine_api, base_image, target,
                f"RUN head -c 200000 /dev/urandom > /blob-{uuid.uuid4().hex}")
    p = make_panels()
    qtbot.waitUntil(lambda: p.images.model.row_for(target) is not None, timeout=10_000)
    p.images.select(target)
    p.images.actions_by_name["push"].trigger()
    dialog = p.images.push_dialog
    assert dialog is not None
    assert dialog.targets.chosen() == [target]
    assert dialog.command.text() == f"docker push {target}"
    with qtbot.waitSignal(dialog.finishedPush, timeout=60_000) as finished:
        dialog.start_button.click()
    assert finished.args == [True], dialog.status.text()
    shown = dialog.digests[target]
    assert shown == manifest_digest(registry, repo, "1")
    assert shown in dialog.status.text()
    statuses = {line.status for line in dialog.layers.lines}
    assert statuses & {"Pushed", "Layer already exists"}, statuses
    assert all(line.fraction == 1.0 for line in dialog.layers.lines)

    # The same image to another registry in one go: tagged there first, then pushed.
    second = f"{tls_registry.host}/{repo}:1"
    cleanup.append(second)
    dialog.registries_edit.setText(tls_registry.host)
    assert dialog.plan()[0] == [target, second]
    assert dialog.command.text() == (f"docker tag {target} {second} && docker push {target} "
                                     f"&& docker push {second}")
    # The user logged in to the second one before (as `docker login` would have).
    Credentials().store(tls_registry.host, tls_registry.username or "",
                        tls_registry.password or "")
    with qtbot.waitSignal(dialog.finishedPush, timeout=60_000) as finished:
        dialog.start_button.click()
    assert finished.args == [True], dialog.status.text()
    assert dialog.digests[second] == manifest_digest(
        tls_registry, repo, "1", (tls_registry.username or "", tls_registry.password or ""))
    assert dialog.digests[target] == shown
    qtbot.waitUntil(lambda: p.images.model.row_for(second) is not None, timeout=10_000)
    dialog.reject()


def test_push_to_tls_registry_asks_a_login_wrong_then_right_and_never_leaks_it(
        qtbot: QtBot, make_panels: MakePanels, engine_api: docker.APIClient,
        base_image: str, tls_registry: RegistryHandle, cleanup: list[str],
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    config_dir = tmp_path / "docker-config"
    monkeypatch.setenv("DOCKER_CONFIG", str(config_dir))
    password = tls_registry.password or ""
    user = tls_registry.username or ""
    assert password
    repo = f"workbench-it/secure-{uuid.uuid4().hex[:6]}"
    target = f"{tls_registry.host}/{repo}:1"
    cleanup.append(target)
    engine_api.tag(base_image, f"{tls_registry.host}/{repo}", "1")
    p = make_panels()
    qtbot.waitUntil(lambda: p.images.model.row_for(target) is not None, timeout=10_000)
    p.images.select(target)
    p.images.push_selected()
    dialog = p.images.push_dialog
    assert dialog is not None
    dialog.start_button.click()
    qtbot.waitUntil(lambda: dialog.login_dialog is not None, timeout=30_000)
    login = dialog.login_dialog
    assert login is not None and login.isVisible()
    assert "log in" in login.message.text().lower()
    assert str(config_dir / "config.json") in login.where.text()

    login.user_edit.setText(user)
    login.password_edit.setText("wrong-password")
    assert login.command.text() == f"docker login --username {user} {tls_registry.host}"
    login.ok_button.click()
    qtbot.waitUntil(lambda: "refused" in login.message.text(), timeout=30_000)
    assert "user name or password" in login.message.text()
    assert not (config_dir / "config.json").exists(), "nothing stored on a wrong password"

    login.password_edit.setText(password)
    with qtbot.waitSignal(dialog.finishedPush, timeout=60_000) as finished:
        login.ok_button.click()
    assert finished.args == [True], dialog.status.text()
    assert dialog.digests[target] == manifest_digest(tls_registry, repo, "1", (user, password))

    stored = json.loads((config_dir / "config.json").read_text())
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    assert stored == {"auths": {tls_registry.host: {"auth": token}}}  # as `docker login`
    assert (config_dir / "config.json").stat().st_mode & 0o077 == 0
    # The password in plain text nowhere: not in logs, not in any file the app wrote.
    assert all(password not in record.getMessage() for record in caplog.records)
    written = [f for f in tmp_path.rglob("*") if f.is_file()]
    assert written, "the app's user folders and the docker config are under tmp_path"
    for path in written:
        assert password.encode() not in path.read_bytes(), path
    assert password not in dialog.status.text()
    dialog.reject()


def test_push_to_a_dead_port_says_the_registry_does_not_answer(
        qtbot: QtBot, make_panels: MakePanels, engine_api: docker.APIClient,
        base_image: str, cleanup: list[str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "docker-config"))
    host = f"127.0.0.1:{free_port()}"
    target = f"{host}/workbench-it/nowhere:1"
    cleanup.append(target)
    engine_api.tag(base_image, f"{host}/workbench-it/nowhere", "1")
    p = make_panels()
    qtbot.waitUntil(lambda: p.images.model.row_for(target) is not None, timeout=10_000)
    p.images.select(target)
    p.images.push_selected()
    dialog = p.images.push_dialog
    assert dialog is not None
    with qtbot.waitSignal(dialog.finishedPush, timeout=60_000) as finished:
        dialog.start_button.click()
    assert finished.args == [False]
    assert f"The registry {host} does not answer" in dialog.failures[target]
    assert dialog.login_dialog is None
    dialog.reject()


def test_unqualified_name_is_refused_before_pushing(
        qtbot: QtBot, make_panels: MakePanels, base_image: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, engine_api: docker.APIClient,
        cleanup: list[str]) -> None:
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "docker-config"))
    name = f"plainname{uuid.uuid4().hex[:6]}:1"
    cleanup.append(name)
    engine_api.tag(base_image, name.split(":")[0], "1")
    p = make_panels()
    qtbot.waitUntil(lambda: p.images.model.row_for(name) is not None, timeout=10_000)
    p.images.select(name)
    p.images.push_selected()
    dialog = p.images.push_dialog
    assert dialog is not None
    with qtbot.waitSignal(dialog.finishedPush, timeout=10_000) as finished:
        dialog.start_button.click()
    assert finished.args == [False]
    assert "Docker Hub's official images" in dialog.failures[name]
    dialog.reject()


def test_pull_from_the_registry_with_layer_progress(
        qtbot: QtBot, make_panels: MakePanels, engine_api: docker.APIClient,
        base_image: str, registry: RegistryHandle, cleanup: list[str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "docker-config"))
    repo = f"workbench-it/pull-{uuid.uuid4().hex[:6]}"
    target = f"{registry.host}/{repo}:1"
    cleanup.append(target)
    image_id = build_image(engine_api, base_image, target,
                           f"RUN head -c 400000 /dev/urandom > /blob-{uuid.uuid4().hex}")
    out = list(engine_api.push(f"{registry.host}/{repo}", tag="1", stream=True, decode=True,
                               auth_config={}))
    assert not [o for o in out if "error" in o], out
    engine_api.remove_image(image_id, force=True)
    p = make_panels()
    qtbot.waitUntil(lambda: p.images.model.row_for(target) is None, timeout=10_000)
    p.images.actions_by_name["pull"].trigger()
    dialog = p.images.pull_dialog
    assert dialog is not None
    dialog.edit.setText(target)
    assert dialog.command.text() == f"docker pull {target}"
    assert parse(target).canonical in dialog.reason.text()
    with qtbot.waitSignal(dialog.finishedPull, timeout=60_000) as finished:
        dialog.start_button.click()
    assert finished.args == [True], dialog.status.text()
    phases = {line.status for line in dialog.layers.lines}
    assert "complete" in phases, phases  # the new layer was downloaded and extracted
    assert "already here" in phases, phases  # the base layer was not
    assert all(line.fraction == 1.0 for line in dialog.layers.lines)
    qtbot.waitUntil(lambda: p.images.model.row_for(target) is not None, timeout=10_000)
    dialog.reject()
    with pytest.raises(docker.errors.NotFound):
        engine_api.inspect_image(f"{registry.host}/{repo}:nope")


def test_pull_can_be_cancelled_midway(
        qtbot: QtBot, make_panels: MakePanels, engine_api: docker.APIClient,
        base_image: str, registry: RegistryHandle, cleanup: list[str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "docker-config"))
    repo = f"workbench-it/big-{uuid.uuid4().hex[:6]}"
    target = f"{registry.host}/{repo}:1"
    cleanup.append(target)
    image_id = build_image(engine_api, base_image, target,
                           f"RUN head -c 60000000 /dev/urandom > /big-{uuid.uuid4().hex}")
    out = list(engine_api.push(f"{registry.host}/{repo}", tag="1", stream=True, decode=True,
                               auth_config={}))
    assert not [o for o in out if "error" in o], out
    engine_api.remove_image(image_id, force=True)
    p = make_panels()
    p.images.pull()
    dialog = p.images.pull_dialog
    assert dialog is not None
    dialog.edit.setText(target)
    dialog.start_button.click()
    qtbot.waitUntil(lambda: any(line.status == "downloading" and line.current > 0
                                for line in dialog.layers.lines), timeout=60_000)
    assert dialog.cancel_button.isEnabled()
    with qtbot.waitSignal(dialog.finishedPull, timeout=30_000) as finished:
        dialog.cancel_button.click()
    present = finished.args == [True]
    assert dialog.status.text().startswith("Cancelled"), dialog.status.text()
    if not present:  # the usual case: cancelled before the last layer landed
        with pytest.raises(docker.errors.NotFound):
            engine_api.inspect_image(target)
    dialog.reject()

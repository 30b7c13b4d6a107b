"""Endpoint resolution in the docker CLI's order, on real files in a temporary home."""

from __future__ import annotations

import hashlib
import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from workbench.engine import (
    DEFAULT_UNIX_SOCKET,
    EngineUnavailable,
    candidate_endpoints,
    connect,
)


def write_context(home: Path, name: str, host: str, tls: bool = False,
                  skip_verify: bool = False) -> None:
    digest = hashlib.sha256(name.encode()).hexdigest()
    meta = home / ".docker" / "contexts" / "meta" / digest
    meta.mkdir(parents=True)
    (meta / "meta.json").write_text(json.dumps({
        "Name": name, "Metadata": {},
        "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": skip_verify}}}))
    if tls:
        tls_dir = home / ".docker" / "contexts" / "tls" / digest / "docker"
        tls_dir.mkdir(parents=True)
        for f in ("ca.pem", "cert.pem", "key.pem"):
            (tls_dir / f).write_text("x")


def set_current(home: Path, name: str) -> None:
    (home / ".docker").mkdir(exist_ok=True)
    (home / ".docker" / "config.json").write_text(json.dumps({"currentContext": name}))


@pytest.fixture
def listening_socket(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "home" / ".docker" / "desktop" / "docker.sock"
    path.parent.mkdir(parents=True)
    s = socket.socket(socket.AF_UNIX)
    s.bind(str(path))
    yield path
    s.close()


def test_docker_host_beats_context_and_config(tmp_path: Path) -> None:
    write_context(tmp_path, "remote", "tcp://10.0.0.1:2376")
    set_current(tmp_path, "remote")
    eps = candidate_endpoints({"DOCKER_HOST": "tcp://1.2.3.4:2375", "DOCKER_CONTEXT": "remote"},
                              tmp_path, "linux")
    assert [(e.host, e.source, e.explicit) for e in eps] == [
        ("tcp://1.2.3.4:2375", "DOCKER_HOST", True)]


def test_docker_context_beats_current_context(tmp_path: Path) -> None:
    write_context(tmp_path, "a", "unix:///a.sock")
    write_context(tmp_path, "b", "unix:///b.sock")
    set_current(tmp_path, "b")
    assert candidate_endpoints({"DOCKER_CONTEXT": "a"}, tmp_path, "linux")[0].host == (
        "unix:///a.sock")
    assert candidate_endpoints({}, tmp_path, "linux")[0].host == "unix:///b.sock"


def test_docker_config_env_moves_the_config_dir(tmp_path: Path) -> None:
    other = tmp_path / "elsewhere"
    write_context(other.parent / "x", "ctx", "unix:///x.sock")  # not this one
    digest = hashlib.sha256(b"ctx").hexdigest()
    meta = other / "contexts" / "meta" / digest
    meta.mkdir(parents=True)
    (meta / "meta.json").write_text(json.dumps(
        {"Name": "ctx", "Endpoints": {"docker": {"Host": "unix:///right.sock"}}}))
    (other / "config.json").write_text(json.dumps({"currentContext": "ctx"}))
    eps = candidate_endpoints({"DOCKER_CONFIG": str(other)}, tmp_path, "linux")
    assert eps[0].host == "unix:///right.sock"
    assert "ctx" in eps[0].source


def test_context_tls_files_are_used_and_skip_verify_honoured(tmp_path: Path) -> None:
    write_context(tmp_path, "secure", "tcp://h:2376", tls=True, skip_verify=True)
    ep = candidate_endpoints({"DOCKER_CONTEXT": "secure"}, tmp_path, "linux")[0]
    assert ep.tls is not None
    assert ep.tls.verify is False
    assert ep.tls.cert is not None and ep.tls.cert[0].endswith("cert.pem")


def test_tls_environment_for_docker_host(tmp_path: Path) -> None:
    certs = tmp_path / "certs"
    certs.mkdir()
    for f in ("ca.pem", "cert.pem", "key.pem"):
        (certs / f).write_text("x")
    ep = candidate_endpoints({"DOCKER_HOST": "tcp://h:2376", "DOCKER_TLS_VERIFY": "1",
                              "DOCKER_CERT_PATH": str(certs)}, tmp_path, "linux")[0]
    assert ep.tls is not None and ep.tls.verify
    assert ep.tls.ca_cert == str(certs / "ca.pem")
    plain = candidate_endpoints({"DOCKER_HOST": "tcp://h:2375"}, tmp_path, "linux")[0]
    assert plain.tls is None


def test_tls_switched_on_without_certificates_is_explained(tmp_path: Path) -> None:
    with pytest.raises(EngineUnavailable) as info:
        candidate_endpoints({"DOCKER_HOST": "tcp://h:2376", "DOCKER_TLS_VERIFY": "1",
                             "DOCKER_CERT_PATH": str(tmp_path / "none")}, tmp_path, "linux")
    assert "DOCKER_CERT_PATH" in info.value.advice


def test_ssh_host_is_passed_to_the_sdk_as_is(tmp_path: Path) -> None:
    ep = candidate_endpoints({"DOCKER_HOST": "ssh://me@build-box"}, tmp_path, "linux")[0]
    assert ep.client_kwargs() == {"base_url": "ssh://me@build-box"}


def test_broken_context_metadata_explains_itself(tmp_path: Path) -> None:
    digest = hashlib.sha256(b"bad").hexdigest()
    meta = tmp_path / ".docker" / "contexts" / "meta" / digest
    meta.mkdir(parents=True)
    (meta / "meta.json").write_text("{not json")
    with pytest.raises(EngineUnavailable) as info:
        candidate_endpoints({"DOCKER_CONTEXT": "bad"}, tmp_path, "linux")
    assert "docker context use default" in info.value.advice


def test_default_context_name_means_default_socket(tmp_path: Path) -> None:
    set_current(tmp_path, "default")
    eps = candidate_endpoints({}, tmp_path, "linux")
    assert eps[0].host == DEFAULT_UNIX_SOCKET


def test_well_known_sockets_are_tried_only_when_present(tmp_path: Path,
                                                        listening_socket: Path) -> None:
    home = tmp_path / "home"
    env = {"XDG_RUNTIME_DIR": str(tmp_path / "run")}
    eps = candidate_endpoints(env, home, "linux")
    assert [e.host for e in eps] == [DEFAULT_UNIX_SOCKET, f"unix://{listening_socket}"]
    assert eps[1].source == "Docker Desktop"
    rootless = tmp_path / "run" / "docker.sock"
    rootless.parent.mkdir()
    rootless.touch()
    assert f"unix://{rootless}" in [e.host for e in candidate_endpoints(env, home, "linux")]


def test_windows_default_is_the_named_pipe(tmp_path: Path) -> None:
    assert candidate_endpoints({}, tmp_path, "win32")[0].host == "npipe:////./pipe/docker_engine"


def test_no_engine_gives_plain_advice(tmp_path: Path) -> None:
    with pytest.raises(EngineUnavailable) as info:
        connect({"DOCKER_HOST": f"unix://{tmp_path}/absent.sock"}, tmp_path, "linux",
                timeout=1)
    assert "absent.sock" in info.value.message
    assert "DOCKER_HOST" in info.value.advice


def test_no_engine_on_default_suggests_starting_docker(tmp_path: Path) -> None:
    from workbench.engine import Endpoint, no_engine_advice

    advice = no_engine_advice("linux", [Endpoint(DEFAULT_UNIX_SOCKET, "default socket")],
                              ["connection refused"])
    assert "sudo systemctl start docker" in advice and "Docker Desktop" in advice
    denied = no_engine_advice("linux", [Endpoint(DEFAULT_UNIX_SOCKET, "default socket")],
                              ["Permission denied"])
    assert "docker” group" in denied

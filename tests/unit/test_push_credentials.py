"""Credentials go where `docker login` puts them: a configured helper, else config.json."""

from __future__ import annotations

import base64
import json
import os
import stat
from pathlib import Path

import pytest

from workbench.credentials import HUB_KEY, Credentials, CredentialsError, server_key

HELPER = """#!/bin/sh
# A credential helper speaking the docker-credential protocol, keeping one file.
store="$(dirname "$0")/store.json"
case "$1" in
  store) cat > "$store" ;;
  get) read server
       if [ -f "$store" ]; then cat "$store"; else echo "credentials not found"; exit 1; fi ;;
  erase) rm -f "$store" ;;
esac
"""


def test_config_json_round_trip_keeps_other_settings(tmp_path: Path) -> None:
    config = tmp_path / "cfg"
    config.mkdir()
    (config / "config.json").write_text(json.dumps({"currentContext": "default",
                                                    "auths": {"other:5000": {"auth": "eDp5"}}}))
    creds = Credentials(environ={"DOCKER_CONFIG": str(config)}, home=tmp_path / "home")
    assert creds.lookup("127.0.0.1:5000") is None
    place = creds.store("127.0.0.1:5000", "me", "pa:ss")
    assert place.helper is None and place.config_file == config / "config.json"
    data = json.loads((config / "config.json").read_text())
    assert data["currentContext"] == "default"
    assert data["auths"]["other:5000"] == {"auth": "eDp5"}
    assert data["auths"]["127.0.0.1:5000"] == {
        "auth": base64.b64encode(b"me:pa:ss").decode()}
    assert stat.S_IMODE((config / "config.json").stat().st_mode) == 0o600
    found = creds.lookup("127.0.0.1:5000")
    assert found is not None
    assert (found["username"], found["password"]) == ("me", "pa:ss")


def test_a_configured_helper_gets_the_secret_not_the_file(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    helper = bin_dir / "docker-credential-wbtest"
    helper.write_text(HELPER)
    helper.chmod(0o755)
    config = tmp_path / "cfg"
    config.mkdir()
    (config / "config.json").write_text(json.dumps({"credHelpers": {"reg:5000": "wbtest"}}))
    environ = {"DOCKER_CONFIG": str(config), "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    old_path = os.environ["PATH"]
    os.environ["PATH"] = environ["PATH"]  # the SDK finds helpers on the process PATH
    try:
        creds = Credentials(environ=environ, home=tmp_path)
        place = creds.store("reg:5000", "me", "s3cret")
        assert place.helper == "wbtest"
        assert "s3cret" not in (config / "config.json").read_text()
        assert json.loads((bin_dir / "store.json").read_text())["Secret"] == "s3cret"
        found = creds.lookup("reg:5000")
        assert found is not None and found["password"] == "s3cret"
    finally:
        os.environ["PATH"] = old_path


def test_unreadable_config_is_explained(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("{not json")
    creds = Credentials(environ={"DOCKER_CONFIG": str(tmp_path)}, home=tmp_path)
    with pytest.raises(CredentialsError, match="cannot be read"):
        creds.lookup("reg:5000")


def test_hub_key() -> None:
    assert server_key("docker.io") == HUB_KEY
    assert server_key("https://index.docker.io/v1/") == HUB_KEY
    assert server_key("127.0.0.1:5000") == "127.0.0.1:5000"

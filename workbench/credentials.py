"""Registry credentials kept where the docker CLI keeps them, never in the app's files.

Reading is the docker SDK's own resolution (``credHelpers[registry]`` →
``credsStore`` → ``auths`` in ``$DOCKER_CONFIG/config.json``). Storing follows
``docker login``: into the user's credential helper when one is configured for
the registry, else base64 ``user:password`` under ``auths`` in config.json
(written atomically, readable by the user only). Nothing here logs a secret.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker
import docker.auth
import docker.credentials
import docker.errors

from workbench.engine import docker_config_dir

HUB_KEY = "https://index.docker.io/v1/"  # the key the CLI uses for Docker Hub
HUB_NAMES = ("docker.io", "index.docker.io", "registry-1.docker.io")


class CredentialsError(Exception):
    """The credential store could not be used; ``str()`` says what to do."""


def server_key(registry: str) -> str:
    """The key ``docker login`` stores a registry's credentials under."""
    host = docker.auth.convert_to_hostname(registry)
    return HUB_KEY if host in HUB_NAMES else host


@dataclass(frozen=True)
class CredentialPlace:
    """Where ``docker login`` would put credentials for one registry."""

    config_file: Path
    helper: str | None  # "desktop", "osxkeychain", … or None for config.json

    @property
    def description(self) -> str:
        if self.helper:
            return f"the credential helper docker-credential-{self.helper}"
        return f"{self.config_file} (as `docker login` does)"


class Credentials:
    """The user's docker credentials, with an injectable environment (tests use a
    temporary ``DOCKER_CONFIG``)."""

    def __init__(self, environ: Mapping[str, str] | None = None,
                 home: Path | None = None) -> None:
        self.environ = dict(os.environ if environ is None else environ)
        self.home = Path.home() if home is None else home

    @property
    def config_file(self) -> Path:
        return docker_config_dir(self.environ, self.home) / "config.json"

    def _config(self) -> dict[str, Any]:
        try:
            data = json.loads(self.config_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise CredentialsError(
                f"{self.config_file} cannot be read ({exc}). Fix or move it; `docker login` "
                "has the same problem with it.") from exc
        return data if isinstance(data, dict) else {}

    def place(self, registry: str) -> CredentialPlace:
        config = self._config()
        helpers = config.get("credHelpers") or {}
        key = server_key(registry)
        helper = helpers.get(key) or helpers.get(docker.auth.convert_to_hostname(registry)) \
            or config.get("credsStore") or None
        return CredentialPlace(self.config_file, str(helper) if helper else None)

    def lookup(self, registry: str) -> dict[str, str] | None:
        """The stored auth for a registry (an ``auth_config`` for push/pull), or None."""
        config = self._config()
        if not config:
            return None
        try:
            # The SDK's loader decodes the "auth" entries; given the dict it never looks
            # at any other file (the real home stays out of tests).
            auth = docker.auth.load_config(config_dict=config, credstore_env=self.environ)
            found = auth.resolve_authconfig(docker.auth.resolve_index_name(registry))
        except docker.errors.DockerException as exc:
            raise CredentialsError(
                f"The credential helper could not be asked ({exc}). Check that it is "
                "installed and on PATH.") from exc
        if not found:
            return None
        out = {k.lower(): str(v) for k, v in found.items() if v}
        # The engine wants username/password/serveraddress (or identitytoken).
        return {k: v for k, v in out.items()
                if k in ("username", "password", "serveraddress", "identitytoken")} or None

    def store(self, registry: str, username: str, password: str) -> CredentialPlace:
        """Keep credentials the way ``docker login`` does; returns where they went."""
        place = self.place(registry)
        key = server_key(registry)
        if place.helper:
            store = docker.credentials.Store(place.helper, environment=self.environ)
            try:
                store.store(server=key, username=username, secret=password)
            except docker.credentials.StoreError as exc:
                raise CredentialsError(
                    f"docker-credential-{place.helper} refused to store the login ({exc}).")\
                    from exc
            return place
        config = self._config()
        auths = config.setdefault("auths", {})
        token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
        entry = dict(auths.get(key) or {})
        entry.pop("identitytoken", None)
        entry["auth"] = token
        auths[key] = entry
        _write_private(self.config_file, json.dumps(config, indent="\t") + "\n")
        return place


def _write_private(path: Path, text: str) -> None:
    """Atomic write, mode 0600 (the file holds secrets), keeping the old one until done."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(prefix=".config.json.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def verify_login(api: docker.APIClient, registry: str, username: str, password: str) -> str:
    """Ask the engine to check the login with the registry (``POST /auth``).

    Returns the engine's status text; raises docker.errors.APIError when refused.
    The client's in-memory copy dies with the client, which the caller closes.
    """
    answer = api.login(username=username, password=password, registry=registry,
                       reauth=True)
    return str((answer or {}).get("Status") or "Login Succeeded")

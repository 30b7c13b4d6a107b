"""Finding and connecting to a Docker-compatible engine.

The resolution order is the docker CLI's (docker/cli ``resolveContextName``):
``DOCKER_HOST``, then ``DOCKER_CONTEXT``, then ``currentContext`` in the
config file, then the platform's default socket. When the user chose nothing
explicitly we also probe the places Docker Desktop, rootless Docker, Podman
and Colima put their sockets, because "the default socket is missing" is the
most common reason a GUI cannot find an engine that the terminal can.

The context store is read here rather than through ``docker.ContextAPI``:
that API reads only the real home directory (untestable) and raises for the
whole store when any one ``meta.json`` is malformed.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docker
from docker.constants import DEFAULT_DOCKER_API_VERSION
from docker.errors import TLSParameterError
from docker.tls import TLSConfig
from docker.utils import version_lt

from workbench import sdk_fixes

sdk_fixes.apply()

DEFAULT_UNIX_SOCKET = "unix:///var/run/docker.sock"
DEFAULT_WINDOWS_PIPE = "npipe:////./pipe/docker_engine"
CONNECT_TIMEOUT_S = 3.0
MIN_API_VERSION = "1.24"


@dataclass(frozen=True)
class Endpoint:
    """One place an engine may listen, and why we are looking there."""

    host: str
    source: str
    tls: TLSConfig | None = field(default=None, compare=False)
    explicit: bool = False

    def client_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"base_url": self.host}
        if self.tls is not None:
            kwargs["tls"] = self.tls
        return kwargs


@dataclass(frozen=True)
class EngineInfo:
    """What the status bar says about the connected engine."""

    name: str
    endpoint: str
    source: str
    version: str
    api_version: str
    os: str
    arch: str

    @property
    def summary(self) -> str:
        return (
            f"{self.name} {self.version} (API {self.api_version}, {self.os}/{self.arch})"
            f" at {self.endpoint}"
        )


class EngineUnavailable(Exception):
    """No engine answered. ``advice`` says what the user can do about it."""

    def __init__(self, message: str, advice: str, tried: list[str]) -> None:
        super().__init__(message)
        self.message = message
        self.advice = advice
        self.tried = tried

    def __str__(self) -> str:
        return f"{self.message} {self.advice}"


def docker_config_dir(environ: Mapping[str, str], home: Path) -> Path:
    configured = environ.get("DOCKER_CONFIG")
    return Path(configured) if configured else home / ".docker"


def _tls_from_env(environ: Mapping[str, str], home: Path) -> TLSConfig | None:
    # Same rules as docker.utils.kwargs_from_env, but with an injectable home.
    cert_path = environ.get("DOCKER_CERT_PATH") or None
    verify_raw = environ.get("DOCKER_TLS_VERIFY")
    verify = verify_raw is not None and verify_raw != ""
    if not (cert_path or verify):
        return None
    base = Path(cert_path) if cert_path else home / ".docker"
    try:
        return TLSConfig(
            client_cert=(str(base / "cert.pem"), str(base / "key.pem")),
            ca_cert=str(base / "ca.pem"),
            verify=verify,
        )
    except TLSParameterError as exc:
        raise EngineUnavailable(
            f"TLS is switched on (DOCKER_TLS_VERIFY / DOCKER_CERT_PATH) but the certificates "
            f"in {base} are missing or unreadable.",
            "Put ca.pem, cert.pem and key.pem there, point DOCKER_CERT_PATH at them, or unset "
            "DOCKER_TLS_VERIFY for a plain connection.",
            [str(exc)],
        ) from exc


def _current_context_name(environ: Mapping[str, str], config_dir: Path) -> str | None:
    name = environ.get("DOCKER_CONTEXT")
    if name:
        return name
    try:
        config = json.loads((config_dir / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    current = config.get("currentContext") if isinstance(config, dict) else None
    return current if isinstance(current, str) and current else None


def _context_endpoint(name: str, config_dir: Path) -> Endpoint:
    digest = hashlib.sha256(name.encode()).hexdigest()
    meta_path = config_dir / "contexts" / "meta" / digest / "meta.json"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        docker_ep = meta["Endpoints"]["docker"]
        host = docker_ep["Host"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise EngineUnavailable(
            f"The docker context “{name}” is selected but cannot be read ({meta_path}).",
            "Run `docker context ls` to see the contexts, `docker context use default` "
            "to go back to the local engine, or unset DOCKER_CONTEXT.",
            [f"context {name}"],
        ) from exc
    tls_dir = config_dir / "contexts" / "tls" / digest / "docker"
    tls: TLSConfig | None = None
    ca, cert, key = (tls_dir / n for n in ("ca.pem", "cert.pem", "key.pem"))
    if ca.exists() and cert.exists() and key.exists():
        tls = TLSConfig(
            client_cert=(str(cert), str(key)),
            ca_cert=str(ca),
            verify=not bool(docker_ep.get("SkipTLSVerify")),
        )
    return Endpoint(host=host, source=f"docker context “{name}”", tls=tls, explicit=True)


def _well_known_sockets(environ: Mapping[str, str], home: Path, platform: str) -> list[Endpoint]:
    places: list[tuple[str, str]] = []
    runtime_dir = environ.get("XDG_RUNTIME_DIR") or (
        f"/run/user/{os.getuid()}" if hasattr(os, "getuid") else ""
    )
    if platform.startswith("linux"):
        places.append((str(home / ".docker" / "desktop" / "docker.sock"), "Docker Desktop"))
        if runtime_dir:
            places.append((f"{runtime_dir}/docker.sock", "rootless Docker"))
            places.append((f"{runtime_dir}/podman/podman.sock", "Podman (rootless)"))
        places.append(("/run/podman/podman.sock", "Podman"))
    if platform == "darwin":
        places.append((str(home / ".docker" / "run" / "docker.sock"), "Docker Desktop"))
    if platform != "win32":
        colima_home = Path(environ.get("COLIMA_HOME") or home / ".colima")
        places.append((str(colima_home / "default" / "docker.sock"), "Colima"))
        places.append((str(home / ".rd" / "docker.sock"), "Rancher Desktop"))
    return [Endpoint(host=f"unix://{path}", source=label) for path, label in places]


def candidate_endpoints(
    environ: Mapping[str, str] | None = None,
    home: Path | None = None,
    platform: str | None = None,
) -> list[Endpoint]:
    """The endpoints to try, in order. An explicit choice is the only candidate."""
    environ = os.environ if environ is None else environ
    home = Path.home() if home is None else home
    platform = sys.platform if platform is None else platform

    host = environ.get("DOCKER_HOST")
    if host:
        return [
            Endpoint(host=host, source="DOCKER_HOST", tls=_tls_from_env(environ, home),
                     explicit=True)
        ]
    config_dir = docker_config_dir(environ, home)
    context = _current_context_name(environ, config_dir)
    if context and context != "default":
        return [_context_endpoint(context, config_dir)]

    default_host = DEFAULT_WINDOWS_PIPE if platform == "win32" else DEFAULT_UNIX_SOCKET
    default = Endpoint(host=default_host, source="default socket",
                       tls=_tls_from_env(environ, home))
    seen = {default.host}
    extra = []
    for ep in _well_known_sockets(environ, home, platform):
        if ep.host not in seen and Path(ep.host.removeprefix("unix://")).exists():
            seen.add(ep.host)
            extra.append(ep)
    return [default, *extra]


class Engine:
    """A connected engine: its info and a way to make more clients for it.

    Streams (build, push, events) each get their own client so that closing
    one stream's socket to cancel it cannot disturb any other call.
    """

    def __init__(self, endpoint: Endpoint, api: docker.APIClient, info: EngineInfo) -> None:
        self.endpoint = endpoint
        self.api = api
        self.info = info

    def new_client(self, timeout: float | None = None) -> docker.APIClient:
        return docker.APIClient(
            version=self.info.api_version, timeout=timeout, **self.endpoint.client_kwargs()
        )

    def ping(self) -> None:
        """Raise if the engine stopped answering."""
        _check_unix_socket(self.endpoint.host, CONNECT_TIMEOUT_S)
        self.api.ping()

    def close(self) -> None:
        self.api.close()


def _engine_info(endpoint: Endpoint, version: Mapping[str, Any]) -> EngineInfo:
    components = version.get("Components") or []
    name = "Docker Engine"
    for component in components:
        if isinstance(component, dict) and component.get("Name") == "Podman Engine":
            name = "Podman Engine"
    platform_name = (version.get("Platform") or {}).get("Name")
    if name == "Docker Engine" and platform_name:
        name = str(platform_name)
    return EngineInfo(
        name=name,
        endpoint=endpoint.host,
        source=endpoint.source,
        version=str(version.get("Version", "?")),
        api_version=str(version.get("ApiVersion", "?")),
        os=str(version.get("Os", "?")),
        arch=str(version.get("Arch", "?")),
    )


def _check_unix_socket(host: str, timeout: float) -> None:
    """Fail fast, with the OS's own reason, when a unix socket cannot be reached.

    docker-py leaks the socket of a failed unix connect, and its error text
    buries the reason ("Permission denied", "No such file") in a long chain.
    """
    if not host.startswith("unix://") or not hasattr(socket, "AF_UNIX"):
        return
    path = host.removeprefix("unix://")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        try:
            sock.connect(path)
        except OSError as exc:
            raise ConnectionError(f"{exc.strerror or exc} ({path})") from exc


def connect_endpoint(endpoint: Endpoint, timeout: float = CONNECT_TIMEOUT_S) -> Engine:
    """Connect to one endpoint; raises docker.errors.DockerException on failure.

    ``version="auto"`` would leak the client's socket when the engine is absent
    (the constructor raises before we hold the client), so we ask ``/version``
    with a probe client we can close, then talk at the version both sides know.
    """
    _check_unix_socket(endpoint.host, timeout)
    probe = docker.APIClient(version=MIN_API_VERSION, timeout=timeout,
                             **endpoint.client_kwargs())
    try:
        version = probe.version(api_version=False)
    finally:
        probe.close()
    server_api = str(version.get("ApiVersion", MIN_API_VERSION))
    api_version = (server_api if version_lt(server_api, DEFAULT_DOCKER_API_VERSION)
                   else DEFAULT_DOCKER_API_VERSION)
    # Later calls (image lists on big engines) may legitimately take longer.
    api = docker.APIClient(version=api_version, timeout=60, **endpoint.client_kwargs())
    info = _engine_info(endpoint, {**version, "ApiVersion": api_version})
    return Engine(endpoint, api, info)


def no_engine_advice(platform: str, tried: list[Endpoint], errors: list[str]) -> str:
    if any("Permission denied" in e for e in errors):
        return (
            "The engine's socket exists but this user may not use it: add yourself to the "
            "“docker” group (`sudo usermod -aG docker $USER`, then log in again)."
        )
    if tried and tried[0].explicit:
        return (
            f"Check that the engine at {tried[0].host} ({tried[0].source}) is running, "
            "or change DOCKER_HOST / the docker context."
        )
    if platform == "darwin" or platform == "win32":
        return "Start Docker Desktop (or Podman Desktop), or set DOCKER_HOST."
    return (
        "Start Docker Desktop, or the system engine with `sudo systemctl start docker`, "
        "or set DOCKER_HOST to the engine you want."
    )


def connect(
    environ: Mapping[str, str] | None = None,
    home: Path | None = None,
    platform: str | None = None,
    timeout: float = CONNECT_TIMEOUT_S,
) -> Engine:
    """Connect to the first endpoint that answers, or raise EngineUnavailable."""
    platform = sys.platform if platform is None else platform
    candidates = candidate_endpoints(environ, home, platform)
    errors: list[str] = []
    for endpoint in candidates:
        try:
            return connect_endpoint(endpoint, timeout)
        except Exception as exc:  # noqa: BLE001 - every failure means "try the next one"
            errors.append(f"{endpoint.host}: {exc}")
    where = ", ".join(ep.host for ep in candidates)
    raise EngineUnavailable(
        f"No Docker engine answered (tried {where}).",
        no_engine_advice(platform, candidates, errors),
        errors,
    )

"""Containers: the create/run settings, validated; creating, running with output, listing.

``ContainerRun`` is a plain generator (create → attach → start → output → exit)
with ``cancel()``, so the UI streams a container's output as it comes.
"""

from __future__ import annotations

import contextlib
import re
import shlex
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docker
import docker.errors
import requests

from workbench.engine import Engine

# moby daemon/names: restrictedNameChars, at least two characters.
_NAME = re.compile(r"^/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$")
_ENV_KEY = re.compile(r"^[^=\s]+$")
_VOLUME_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]+$")
_USER = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*(?::[A-Za-z0-9_][A-Za-z0-9_.-]*)?$")
RESTART_POLICIES = ("no", "on-failure", "unless-stopped", "always")  # as `docker run` names them


class InvalidSetting(ValueError):
    """A create/run setting the engine would refuse; ``str()`` says why and what to do."""


def check_name(name: str) -> str | None:
    """The reason a container name is refused, or None (an empty name lets the engine pick)."""
    if name == "":
        return None
    if not _NAME.match(name):
        return (f"“{name}” cannot be a container name: use at least two characters, "
                "letters, digits, '_', '.' or '-', starting with a letter or digit.")
    return None


@dataclass(frozen=True)
class PortMapping:
    container_port: int
    host_port: int | None  # None: the engine picks a free one
    protocol: str = "tcp"
    host_ip: str = ""

    @property
    def key(self) -> str:
        return f"{self.container_port}/{self.protocol}"

    @property
    def flag(self) -> str:
        host = f"{self.host_ip}:" if self.host_ip else ""
        published = f"{host}{self.host_port}:" if self.host_port else host
        suffix = "" if self.protocol == "tcp" else f"/{self.protocol}"
        return f"{published}{self.container_port}{suffix}"


def parse_port(text: str) -> PortMapping:
    """``[ip:][host:]container[/proto]`` as ``docker run -p`` takes it."""
    spec, _, proto = text.strip().partition("/")
    proto = proto or "tcp"
    if proto not in ("tcp", "udp", "sctp"):
        raise InvalidSetting(f"“{text}”: the protocol must be tcp, udp or sctp.")
    parts = spec.split(":")
    if len(parts) > 3 or not parts[-1]:
        raise InvalidSetting(f"“{text}” is not a port mapping; write host:container, "
                             "like 8080:80.")
    ip = parts[0] if len(parts) == 3 else ""
    host = parts[-2] if len(parts) >= 2 else ""
    try:
        container = int(parts[-1])
        host_port = int(host) if host else None
    except ValueError:
        raise InvalidSetting(f"“{text}”: ports are numbers, like 8080:80.") from None
    for port in (container, host_port):
        if port is not None and not 1 <= port <= 65535:
            raise InvalidSetting(f"“{text}”: ports go from 1 to 65535.")
    return PortMapping(container, host_port, proto, ip)


def port_is_free(port: int, host_ip: str = "", protocol: str = "tcp") -> bool:
    """True when nothing on this machine listens there (meaningful for a local engine)."""
    kind = socket.SOCK_DGRAM if protocol == "udp" else socket.SOCK_STREAM
    with socket.socket(socket.AF_INET, kind) as sock:
        try:
            sock.bind((host_ip or "0.0.0.0", port))
        except OSError:
            return False
    return True


@dataclass(frozen=True)
class Mount:
    source: str  # a host path (absolute) or a volume name
    target: str  # the path inside the container
    read_only: bool = False

    @property
    def is_bind(self) -> bool:
        return self.source.startswith(("/", "~", ".")) or bool(
            re.match(r"^[A-Za-z]:[\\/]", self.source))

    @property
    def flag(self) -> str:
        return f"{self.source}:{self.target}{':ro' if self.read_only else ''}"


def parse_mount(text: str) -> Mount:
    """``source:target[:ro]`` as ``docker run -v`` takes it (a Windows drive kept whole)."""
    raw = text.strip()
    drive = ""
    if re.match(r"^[A-Za-z]:[\\/]", raw):
        drive, raw = raw[:2], raw[2:]
    parts = raw.split(":")
    read_only = False
    if len(parts) == 3 and parts[2] in ("ro", "rw"):
        read_only = parts.pop() == "ro"
    if len(parts) != 2 or not parts[0] or not parts[1]:
        raise InvalidSetting(f"“{text}”: write source:target, like /home/me/site:/usr/share/html "
                             "or a volume name, data:/var/lib/data.")
    source, target = drive + parts[0], parts[1]
    if not target.startswith("/"):
        raise InvalidSetting(f"“{text}”: the path inside the container must be absolute "
                             f"(“/{target}”).")
    mount = Mount(source, target, read_only)
    if mount.is_bind:
        path = Path(source).expanduser()
        if not path.is_absolute():
            raise InvalidSetting(f"“{text}”: a folder to share must be an absolute path.")
        mount = Mount(str(path), target, read_only)
    elif not _VOLUME_NAME.match(source):
        raise InvalidSetting(f"“{source}” is neither an absolute folder nor a volume name "
                             "(letters, digits, '_', '.', '-').")
    return mount


def parse_env(text: str) -> tuple[str, str]:
    key, eq, value = text.partition("=")
    if not eq or not _ENV_KEY.match(key):
        raise InvalidSetting(f"“{text}”: write NAME=value, like GREETING=hello.")
    return key, value


@dataclass(frozen=True)
class ContainerSpec:
    """Everything the create / run dialog sets (``docker create`` flags)."""

    image: str
    name: str = ""
    command: str = ""  # as typed; split like a shell would
    env: tuple[tuple[str, str], ...] = ()
    ports: tuple[PortMapping, ...] = ()
    mounts: tuple[Mount, ...] = ()
    auto_remove: bool = False
    entrypoint: str = ""  # one executable, as ``--entrypoint`` takes it; "" keeps the image's
    workdir: str = ""  # ``-w``: absolute, inside the container
    user: str = ""  # ``-u``: name or uid, optionally :group
    restart: str = "no"  # ``--restart``: one of RESTART_POLICIES

    @property
    def argv(self) -> list[str] | None:
        return shlex.split(self.command) if self.command.strip() else None

    def problems(self) -> list[str]:
        found = []
        if (reason := check_name(self.name)) is not None:
            found.append(reason)
        try:
            self.argv  # noqa: B018 - checks the quoting
        except ValueError as exc:
            found.append(f"The command cannot be split into words ({exc}): check the quotes.")
        seen: set[str] = set()
        for port in self.ports:
            if port.key in seen:
                found.append(f"Container port {port.key} is published twice.")
            seen.add(port.key)
        if self.workdir and not self.workdir.startswith("/"):
            found.append(f"The working directory must be an absolute path inside the "
                         f"container (“/{self.workdir}”).")
        if self.user and not _USER.match(self.user):
            found.append(f"“{self.user}” is not a user: write a name or a number, optionally "
                         "with a group (app, 1000, 1000:1000).")
        if self.restart not in RESTART_POLICIES:
            found.append(f"“{self.restart}” is not a restart policy: "
                         f"{', '.join(RESTART_POLICIES)}.")
        elif self.restart != "no" and self.auto_remove:
            found.append("A container removed when it exits cannot also be restarted: choose "
                         "one (the engine refuses --rm with --restart).")
        return found


def create_kwargs(api: docker.APIClient, spec: ContainerSpec) -> dict[str, Any]:
    bindings: dict[str, Any] = {}
    for port in spec.ports:
        bindings[port.key] = (port.host_ip, port.host_port) if port.host_ip else port.host_port
    binds = [m.flag for m in spec.mounts]
    restart = {"Name": spec.restart} if spec.restart != "no" else None
    host_config = api.create_host_config(port_bindings=bindings or None, binds=binds or None,
                                         auto_remove=spec.auto_remove, restart_policy=restart)
    return {
        "image": spec.image,
        "command": spec.argv,
        "name": spec.name or None,
        "environment": [f"{k}={v}" for k, v in spec.env] or None,
        "ports": [(p.container_port, p.protocol) for p in spec.ports] or None,
        "entrypoint": [spec.entrypoint] if spec.entrypoint else None,
        "working_dir": spec.workdir or None,
        "user": spec.user or None,
        "host_config": host_config,
    }


def create_container(api: docker.APIClient, spec: ContainerSpec) -> str:
    """``docker create``: the new container's id."""
    if problems := spec.problems():
        raise InvalidSetting(" ".join(problems))
    return str(api.create_container(**create_kwargs(api, spec))["Id"])


# --- run with output ---------------------------------------------------------------
@dataclass(frozen=True)
class Created:
    container_id: str
    name: str


@dataclass(frozen=True)
class Output:
    text: str
    stream: str  # "stdout" / "stderr"


@dataclass(frozen=True)
class Exited:
    container_id: str
    exit_code: int | None  # None: cancelled before it ended
    error: str = ""


RunEvent = Created | Output | Exited


class ContainerRun:
    """``docker run`` (attached): create, attach, start, the output, the exit code.

    Attaching before starting (with ``logs``) catches output of containers that
    end at once, like the tutorial's ``echo hello``, also with auto-remove.
    ``cancel()`` stops following (the container keeps running; stop it separately).
    """

    def __init__(self, engine: Engine, spec: ContainerSpec,
                 container_id: str | None = None) -> None:
        self.engine = engine
        self.spec = spec
        self.container_id = container_id  # set: start this existing container instead
        self._lock = threading.Lock()
        self._cancelled = False
        self._stream: Any = None

    def cancel(self) -> None:
        with self._lock:
            self._cancelled = True
            stream = self._stream
        if stream is not None:
            with contextlib.suppress(Exception):
                stream.close()

    def __iter__(self) -> Iterator[RunEvent]:
        api = self.engine.new_client(timeout=None)
        try:
            cid = self.container_id or create_container(api, self.spec)
            name = str(api.inspect_container(cid)["Name"]).lstrip("/")
            yield Created(cid, name)
            stream = api.attach(cid, stream=True, logs=True, demux=True)
            with self._lock:
                self._stream = stream
            api.start(cid)
            decoder = {"stdout": _Utf8(), "stderr": _Utf8()}
            try:
                for out, err in stream:
                    for data, kind in ((out, "stdout"), (err, "stderr")):
                        if data:
                            yield Output(decoder[kind].feed(data), kind)
            except (requests.RequestException, OSError, ValueError, AttributeError):
                if not self._cancelled:
                    raise
            if self._cancelled:
                yield Exited(cid, None)
                return
            try:
                code = int(api.wait(cid, timeout=30)["StatusCode"])
            except docker.errors.NotFound:  # auto-removed before we asked
                code = 0
            except docker.errors.APIError as exc:
                yield Exited(cid, None, str(exc.explanation))
                return
            yield Exited(cid, code)
        finally:
            api.close()


class _Utf8:
    """Decode a byte stream whose chunks may split a character."""

    def __init__(self) -> None:
        import codecs

        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")

    def feed(self, data: bytes) -> str:
        return str(self._decoder.decode(data))


class LogStream:
    """``docker logs -f``: a container's output so far and then as it comes."""

    def __init__(self, engine: Engine, container_id: str, follow: bool = True) -> None:
        self.engine = engine
        self.container_id = container_id
        self.follow = follow
        self._cancelled = False
        self._stream: Any = None

    def cancel(self) -> None:
        self._cancelled = True
        if self._stream is not None:
            with contextlib.suppress(Exception):
                self._stream.close()

    def __iter__(self) -> Iterator[Output]:
        api = self.engine.new_client(timeout=None)
        try:
            self._stream = api.logs(self.container_id, stream=True, follow=self.follow,
                                    stdout=True, stderr=True)
            decoder = _Utf8()
            try:
                for chunk in self._stream:
                    yield Output(decoder.feed(chunk), "stdout")
            except (requests.RequestException, OSError, ValueError, AttributeError):
                if not self._cancelled:
                    raise
        finally:
            api.close()


# --- listing -------------------------------------------------------------------------
@dataclass(frozen=True)
class ContainerRow:
    container_id: str
    name: str
    image: str
    state: str  # running, exited, created, …
    status: str  # the engine's words: "Exited (0) 3 seconds ago"
    created: int
    ports: str = ""
    labels: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    @property
    def short_id(self) -> str:
        return self.container_id[:12]

    @property
    def running(self) -> bool:
        return self.state in ("running", "paused", "restarting")


def list_containers(api: docker.APIClient) -> list[ContainerRow]:
    rows = []
    for c in api.containers(all=True):
        names = c.get("Names") or ["/" + c["Id"][:12]]
        ports = ", ".join(
            f"{p.get('IP', '')}:{p['PublicPort']}->{p['PrivatePort']}/{p.get('Type', 'tcp')}"
            if p.get("PublicPort") else f"{p['PrivatePort']}/{p.get('Type', 'tcp')}"
            for p in c.get("Ports") or [])
        rows.append(ContainerRow(str(c["Id"]), str(names[0]).lstrip("/"), str(c.get("Image")),
                                 str(c.get("State")), str(c.get("Status")),
                                 int(c.get("Created") or 0), ports))
    return rows


def start_container(api: docker.APIClient, container_id: str) -> None:
    api.start(container_id)


def stop_container(api: docker.APIClient, container_id: str) -> None:
    api.stop(container_id, timeout=10)


def remove_container(api: docker.APIClient, container_id: str, force: bool = False) -> None:
    api.remove_container(container_id, force=force)

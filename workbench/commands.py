"""The ``docker …`` command line each action is equal to. One place."""

from __future__ import annotations

import shlex
from pathlib import Path

from workbench.build.request import BuildRequest
from workbench.containers import ContainerSpec


def build_command(request: BuildRequest) -> str:
    parts = ["DOCKER_BUILDKIT=0", "docker", "build"]
    dockerfile = request.dockerfile_path
    if dockerfile is not None and dockerfile != request.context_dir / "Dockerfile":
        parts += ["-f", _rel(dockerfile)]
    for tag in request.tags:
        parts += ["-t", tag]
    for key, value in request.build_args.items():
        parts += ["--build-arg", f"{key}={value}"]
    for key, value in request.labels.items():
        parts += ["--label", f"{key}={value}"]
    if request.target:
        parts += ["--target", request.target]
    if request.platform:
        parts += ["--platform", request.platform]
    if request.no_cache:
        parts.append("--no-cache")
    if request.pull:
        parts.append("--pull")
    parts.append(_rel(request.context_dir))
    return " ".join(p if p == "DOCKER_BUILDKIT=0" else shlex.quote(p) for p in parts)


def _rel(path: Path) -> str:
    try:
        rel = path.resolve().relative_to(Path.cwd().resolve())
        return "." if str(rel) == "." else f"./{rel}"
    except ValueError:
        return str(path)


# --- images, containers, registries (the image list's actions) --------------------
def _line(*parts: str) -> str:
    return " ".join(shlex.quote(p) for p in parts)


def tag_command(source: str, target: str) -> str:
    return _line("docker", "tag", source, target)


def rmi_command(references: list[str], force: bool = False) -> str:
    return _line("docker", "rmi", *(["-f"] if force else []), *references)


def prune_command(all_unused: bool) -> str:
    return _line("docker", "image", "prune", *(["-a"] if all_unused else []), "-f")


def container_command(verb: str, spec: ContainerSpec) -> str:
    """``docker create`` / ``docker run`` with the dialog's settings."""
    parts = ["docker", verb]
    if spec.name:
        parts += ["--name", spec.name]
    if spec.auto_remove:
        parts.append("--rm")
    if spec.restart != "no":
        parts += ["--restart", spec.restart]
    if spec.entrypoint:
        parts += ["--entrypoint", spec.entrypoint]
    if spec.workdir:
        parts += ["-w", spec.workdir]
    if spec.user:
        parts += ["-u", spec.user]
    for key, value in spec.env:
        parts += ["-e", f"{key}={value}"]
    for port in spec.ports:
        parts += ["-p", port.flag]
    for mount in spec.mounts:
        parts += ["-v", mount.flag]
    parts.append(spec.image)
    line = _line(*parts)
    if spec.command.strip():
        line += " " + spec.command.strip()  # as typed: the user's own shell quoting
    return line


def create_command(spec: ContainerSpec) -> str:
    return container_command("create", spec)


def run_command(spec: ContainerSpec) -> str:
    return container_command("run", spec)


def start_command(container: str, attach: bool = False) -> str:
    return _line("docker", "start", *(["-a"] if attach else []), container)


def stop_command(container: str) -> str:
    return _line("docker", "stop", container)


def rm_command(container: str, force: bool = False) -> str:
    return _line("docker", "rm", *(["-f"] if force else []), container)


def logs_command(container: str) -> str:
    return _line("docker", "logs", "-f", container)


def push_command(reference: str) -> str:
    return _line("docker", "push", reference)


def pull_command(reference: str) -> str:
    return _line("docker", "pull", reference)


def login_command(registry: str, username: str) -> str:
    """The password is never part of the line: ``docker login`` asks for it."""
    return _line("docker", "login", "--username", username, registry)

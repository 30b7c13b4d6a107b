"""The ``docker …`` command line each action is equal to. One place."""

from __future__ import annotations

import shlex
from pathlib import Path

from workbench.build.request import BuildRequest


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

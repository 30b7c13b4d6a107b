"""What to build, and how the build context is packed for the engine."""

from __future__ import annotations

import secrets
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from docker.utils.build import tar


@dataclass(frozen=True)
class BuildRequest:
    """One build. ``dockerfile_text`` is what the editor holds, saved or not."""

    context_dir: Path
    dockerfile_text: str
    tags: tuple[str, ...] = ()
    build_args: dict[str, str] = field(default_factory=dict)
    target: str | None = None
    no_cache: bool = False
    pull: bool = False
    labels: dict[str, str] = field(default_factory=dict)
    platform: str | None = None
    dockerfile_path: Path | None = None  # where the editor's file lives, for the CLI twin


def read_dockerignore(context_dir: Path) -> list[str]:
    """The context's ``.dockerignore`` patterns, read as docker-py reads them."""
    path = context_dir / ".dockerignore"
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    return [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]


def pack_context(request: BuildRequest) -> tuple[IO[bytes], str]:
    """Tar the context with the editor's text as a hidden, uniquely named Dockerfile.

    Sending the text under its own name means a different ``Dockerfile`` in the
    context is neither overwritten on disk nor used by mistake. Returns the open
    tar file (at offset 0) and the Dockerfile's name inside it.
    """
    if not request.context_dir.is_dir():
        raise FileNotFoundError(f"The build context folder does not exist: {request.context_dir}")
    name = f".dockerfile.workbench.{secrets.token_hex(8)}"
    fileobj = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the caller, who closes it
    tar(str(request.context_dir), exclude=read_dockerignore(request.context_dir),
        dockerfile=(name, request.dockerfile_text), fileobj=fileobj)
    fileobj.seek(0)
    return fileobj, name

"""The build-context check: what ``docker build`` would send, before it is sent.

Uses the docker SDK's own ``.dockerignore`` matcher (``PatternMatcher``, the
one ``docker.utils.build.tar`` and so ``pack_context`` use), so the count and
size are exactly what the app would upload. Walking a big folder takes time,
so :func:`scan_context` is a generator (progress, then the report) that the UI
runs off the GUI thread and can stop between items.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import stat
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from docker.utils.build import PatternMatcher

from workbench.build.request import read_dockerignore
from workbench.dockerfile.parse import Document, Instruction
from workbench.formatting import human_size

TOO_BIG = 100 * 1000 * 1000  # bytes; "100 MB" as the docker CLI counts
PROGRESS_EVERY = 2000  # files
# The hidden name pack_context gives the editor's text; never in the folder itself.
_SENT_AS = ".dockerfile.workbench"

_SECRET_NAMES = frozenset({
    ".env", "id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", ".netrc", ".npmrc", ".pypirc",
    ".git-credentials", "credentials", ".htpasswd",
})
_SECRET_SUFFIXES = (".pem", ".key", ".p12", ".pfx", ".jks", ".keystore")
_HARMLESS_ENV = (".example", ".sample", ".template", ".dist")
_URL_CREDENTIALS = re.compile(r"url\s*=\s*\w+://[^/\s@]+:[^/\s@]+@", re.I)


@dataclass(frozen=True)
class ContextWarning:
    kind: str        # too-big, secret, copy-missing, copy-excluded, no-folder
    message: str     # plain words, with what to do
    path: str | None = None  # relative to the context, "/"-separated
    line: int | None = None  # the Dockerfile line (COPY/ADD checks)


@dataclass(frozen=True)
class ContextReport:
    root: Path
    files: int
    size: int          # bytes of regular files that would be sent
    ignored: int       # entries .dockerignore kept out (top-most excluded ones)
    patterns: tuple[str, ...]
    warnings: tuple[ContextWarning, ...]
    seconds: float

    @property
    def summary(self) -> str:
        files = "1 file" if self.files == 1 else f"{self.files:,} files"
        return f"{files}, {human_size(self.size)} will be sent to the engine"


@dataclass(frozen=True)
class Progress:
    files: int
    size: int


def check_context(root: Path, document: Document | None = None) -> ContextReport:
    """The whole scan at once (for callers that are already off the GUI thread)."""
    report = None
    for item in scan_context(root, document):
        if isinstance(item, ContextReport):
            report = item
    assert report is not None
    return report


def scan_context(root: Path, document: Document | None = None
                 ) -> Iterator[Progress | ContextReport]:
    began = time.perf_counter()
    if not root.is_dir():
        yield ContextReport(root, 0, 0, 0, (), (ContextWarning(
            "no-folder", f"The build context folder {root} does not exist. Choose an "
                         "existing folder (usually the one the Dockerfile is in)."),),
            time.perf_counter() - began)
        return
    patterns = read_dockerignore(root)
    matcher = PatternMatcher([*patterns, f"!{_SENT_AS}"])
    included: set[str] = set()
    files = size = 0
    secrets_found: list[str] = []
    for rel in matcher.walk(str(root)):
        rel_posix = rel.replace(os.sep, "/")
        included.add(rel_posix)
        try:
            info = os.lstat(root / rel)
        except OSError:
            continue
        if stat.S_ISREG(info.st_mode):
            files += 1
            size += info.st_size
            if _looks_secret(root, rel_posix):
                secrets_found.append(rel_posix)
            if files % PROGRESS_EVERY == 0:
                yield Progress(files, size)
    ignored = _count_ignored(root, included)
    warnings: list[ContextWarning] = []
    if size > TOO_BIG:
        warnings.append(ContextWarning(
            "too-big", f"The context is {human_size(size)} ({files:,} files). That is "
                       "usually the wrong folder (a home folder, or one with data or "
                       "node_modules). Choose the project's folder, or list big folders in "
                       ".dockerignore."))
    for rel in secrets_found:
        warnings.append(ContextWarning(
            "secret", f"{rel} looks like a secret (a key, password or token file) and would "
                      f"be sent to the engine, where any COPY could put it into the image. "
                      f"Add {_ignore_line(rel)} to .dockerignore.", rel))
    if document is not None:
        warnings.extend(_copy_sources(root, document, included))
    yield ContextReport(root, files, size, ignored, tuple(patterns), tuple(warnings),
                        time.perf_counter() - began)


def _looks_secret(root: Path, rel: str) -> bool:
    name = rel.rsplit("/", 1)[-1]
    lower = name.lower()
    if lower in _SECRET_NAMES and not (lower == "credentials" and "/.aws/" not in f"/{rel}"):
        return True
    if lower.startswith(".env.") and not lower.endswith(_HARMLESS_ENV):
        return True
    if lower.endswith(_SECRET_SUFFIXES):
        return True
    if rel == ".git/config" or rel.endswith("/.git/config"):
        try:
            return bool(_URL_CREDENTIALS.search((root / rel).read_text("utf-8", "replace")))
        except OSError:
            return False
    return rel.endswith(".docker/config.json") and _has_docker_auth(root / rel)


def _has_docker_auth(path: Path) -> bool:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return False
    auths = data.get("auths") if isinstance(data, dict) else None
    return isinstance(auths, dict) and any(
        isinstance(v, dict) and v.get("auth") for v in auths.values())


def _ignore_line(rel: str) -> str:
    if rel.endswith("/.git/config") or rel == ".git/config":
        return rel[: -len("config")]
    return rel


def _count_ignored(root: Path, included: set[str]) -> int:
    """Top-level entries (and entries of included folders) that .dockerignore left out."""
    count = 0
    folders = ["", *sorted(p for p in included
                           if (root / p).is_dir() and not (root / p).is_symlink())]
    for folder in folders[:500]:  # enough for a summary; deep trees are the walk's job
        try:
            names = os.listdir(root / folder) if folder else os.listdir(root)
        except OSError:
            continue
        for name in names:
            rel = f"{folder}/{name}" if folder else name
            if rel not in included:
                count += 1
    return count


def copy_sources(ins: Instruction) -> list[str]:
    """The context paths a COPY/ADD reads (not from a stage, no URLs, no variables)."""
    if ins.keyword not in ("COPY", "ADD") or ins.flag("from") or ins.heredocs:
        return []
    words = ins.exec_form
    if words is None:
        try:
            words = shlex.split(ins.rest, posix=True)
        except ValueError:
            return []
    sources = words[:-1]
    return [s for s in sources if "$" not in s and "://" not in s
            and not s.startswith("git@")]


def _glob_regex(pattern: str) -> re.Pattern[str]:
    out = []
    for ch in pattern:
        out.append({"*": "[^/]*", "?": "[^/]"}.get(ch, re.escape(ch) if ch not in "[]^-!"
                                                        else ch))
    return re.compile("".join(out).replace("[!", "[^") + "(/.*)?")


def _copy_sources(root: Path, document: Document, included: set[str]) -> list[ContextWarning]:
    found = []
    for ins in document.instructions:
        for source in copy_sources(ins):
            clean = str(PurePosixPath("/" + source.replace("\\", "/"))).lstrip("/")
            if clean in ("", "."):
                continue
            if any(ch in clean for ch in "*?["):
                regex = _glob_regex(clean)
                if any(regex.fullmatch(p) for p in included):
                    continue
                on_disk = any(root.glob(clean))
            else:
                if clean in included:
                    continue
                on_disk = (root / clean).exists()
            if on_disk:
                found.append(ContextWarning(
                    "copy-excluded", f"{ins.keyword} {source}: .dockerignore leaves it out of "
                                     "the context, so the build will fail with \"file not "
                                     "found in build context or excluded by .dockerignore\". "
                                     f"Remove the matching line from .dockerignore or add "
                                     f"!{clean} to it.", clean, ins.first_line))
            else:
                found.append(ContextWarning(
                    "copy-missing", f"{ins.keyword} {source}: there is no {clean} in the "
                                    f"context folder {root}, so the build will fail with "
                                    "\"file not found in build context\". Check the name, or "
                                    "choose the folder that contains it.", clean,
                    ins.first_line))
    return found

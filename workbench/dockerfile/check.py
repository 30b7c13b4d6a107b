"""Everything the editor shows about a text, computed in one call off the GUI thread:
the Document, the project's diagnostics and (when installed) hadolint's."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from workbench.dockerfile.diagnose import Diagnostic, diagnose
from workbench.dockerfile.hadolint import HadolintFailed, HadolintMissing, run_hadolint
from workbench.dockerfile.parse import Document, parse


@dataclass(frozen=True)
class CheckResult:
    document: Document
    diagnostics: tuple[Diagnostic, ...]
    hadolint_problem: str | None  # why hadolint's findings are missing, if they are
    seconds: float


def check(text: str, use_hadolint: bool = True, cwd: Path | None = None,
          hadolint: Path | None = None) -> CheckResult:
    began = time.perf_counter()
    document = parse(text)
    found = diagnose(document)
    problem = None
    if use_hadolint:
        try:
            found += run_hadolint(text, hadolint, cwd)
        except (HadolintMissing, HadolintFailed) as exc:
            problem = str(exc)
    found.sort(key=lambda d: (d.line, d.start, d.source, d.code))
    return CheckResult(document, tuple(found), problem, time.perf_counter() - began)

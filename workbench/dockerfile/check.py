"""Everything the editor shows about a text, computed in one call off the GUI thread:
the Document, the project's diagnostics and (when installed) hadolint's."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from workbench.dockerfile.diagnose import Diagnostic, Severity, diagnose
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
    linted: list[Diagnostic] = []
    if use_hadolint:
        try:
            linted = run_hadolint(text, hadolint, cwd)
        except (HadolintMissing, HadolintFailed) as exc:
            problem = str(exc)
    return CheckResult(document, merge(found, linted), problem, time.perf_counter() - began)


def merge(own: Sequence[Diagnostic], linted: Sequence[Diagnostic]) -> tuple[Diagnostic, ...]:
    """Both lists in line order. hadolint's "cannot parse" (DL1000) is dropped where
    our own checks already report an error on that line: it says the same, less clearly."""
    own_errors = {d.line for d in own if d.severity is Severity.ERROR}
    kept = [d for d in linted if not (d.code == "DL1000" and d.line in own_errors)]
    return tuple(sorted((*own, *kept), key=lambda d: (d.line, d.start, d.source, d.code)))

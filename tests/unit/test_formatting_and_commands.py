from __future__ import annotations

from pathlib import Path

import pytest

from workbench.build.request import BuildRequest
from workbench.commands import build_command
from workbench.formatting import format_duration, human_ago, human_duration, human_size
from workbench.reference import split_tag


@pytest.mark.parametrize(("size", "text"), [
    (0, "0B"), (999, "999B"), (1000, "1kB"), (4_260_000, "4.26MB"), (7_800_000, "7.8MB"),
    (77_812_345, "77.8MB"), (123_456_789, "123MB"), (1_234_567_890, "1.23GB"),
])
def test_sizes_like_docker_images(size: int, text: str) -> None:
    assert human_size(size) == text


@pytest.mark.parametrize(("seconds", "text"), [
    (0.4, "Less than a second"), (1, "1 second"), (5, "5 seconds"), (59, "59 seconds"),
    (60, "About a minute"), (119, "About a minute"), (120, "2 minutes"),
    (3599, "59 minutes"), (3600, "About an hour"), (2 * 3600, "2 hours"),
    (47 * 3600, "47 hours"), (48 * 3600, "2 days"), (13 * 86400, "13 days"),
    (14 * 86400, "2 weeks"), (59 * 86400, "8 weeks"), (60 * 86400, "2 months"),
    (729 * 86400, "24 months"), (730 * 86400, "2 years"),
])
def test_ages_like_docker_images(seconds: float, text: str) -> None:
    assert human_duration(seconds) == text


def test_ago_never_goes_negative() -> None:
    assert human_ago(100, 95) == "Less than a second ago"
    assert human_ago(0, 5) == "5 seconds ago"


def test_step_durations() -> None:
    assert format_duration(0.42) == "0.4s"
    assert format_duration(125) == "2m05s"


@pytest.mark.parametrize(("ref", "parts"), [
    ("hello", ("hello", "latest")), ("user/app:1.0", ("user/app", "1.0")),
    ("localhost:5000/app", ("localhost:5000/app", "latest")),
    ("localhost:5000/app:v2", ("localhost:5000/app", "v2")),
])
def test_split_tag(ref: str, parts: tuple[str, str]) -> None:
    assert split_tag(ref) == parts


def test_build_command_is_the_classic_cli_twin(tmp_path: Path) -> None:
    ctx = tmp_path / "my app"
    request = BuildRequest(ctx, "FROM x", tags=("magicnc7/hello:latest", "hello:1"),
                           build_args={"V": "1 2"}, target="final", no_cache=True, pull=True,
                           dockerfile_path=ctx / "build.Dockerfile")
    assert build_command(request) == (
        f"DOCKER_BUILDKIT=0 docker build -f '{ctx}/build.Dockerfile' -t magicnc7/hello:latest "
        f"-t hello:1 --build-arg 'V=1 2' --target final --no-cache --pull '{ctx}'")
    plain = BuildRequest(ctx, "FROM x", dockerfile_path=ctx / "Dockerfile")
    assert build_command(plain) == f"DOCKER_BUILDKIT=0 docker build '{ctx}'"

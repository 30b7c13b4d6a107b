"""What the diagnostics promise about the classic builder, checked on the real engine.

``Severity.ERROR`` means "the engine will refuse this": for each case the
build either fails and ``blocking()`` said so, or succeeds and it did not.
"""

from __future__ import annotations

import io
import tarfile

import docker
import pytest

from workbench.dockerfile import blocking, diagnose, parse

CASES = {
    "run_mount": ("RUN --mount=type=cache,target=/c echo hi", True),
    "run_network": ("RUN --network=none echo hi", True),
    "copy_chmod": ("COPY --chmod=755 a.txt /a.txt", True),
    "copy_link": ("COPY --link a.txt /a.txt", True),
    "add_chmod": ("ADD --chmod=755 a.txt /a.txt", True),
    "add_checksum": ("ADD --checksum=sha256:00 a.txt /a.txt", True),
    "copy_parents": ("COPY --parents a.txt /x/", True),
    "heredoc": ("RUN <<EOF\necho hi\nEOF", True),
    "healthcheck_start_interval": ("HEALTHCHECK --start-interval=1s CMD true", True),
    "unknown_instruction": ("RUM echo hi", True),
    "copy_chown": ("COPY --chown=1:1 a.txt /a.txt", False),
    "single_quoted_cmd": ("CMD ['echo', 'hi']", False),
    "lowercase": ("run echo hi", False),
    "healthcheck_classic_flags": ("HEALTHCHECK --interval=5s --retries=2 CMD true", False),
}


def build(api: docker.APIClient, dockerfile: str) -> tuple[bool, str]:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in (("Dockerfile", dockerfile.encode()), ("a.txt", b"a\n")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    buf.seek(0)
    try:
        chunks = list(api.build(fileobj=buf, custom_context=True, rm=True, forcerm=True,
                                decode=True))
    except docker.errors.APIError as exc:
        return False, str(exc)
    errors = [c["error"] for c in chunks if "error" in c]
    return not errors and any("Successfully built" in c.get("stream", "") for c in chunks), \
        " ".join(errors)


@pytest.mark.parametrize("case", sorted(CASES))
def test_errors_are_exactly_what_the_classic_builder_refuses(
        case: str, engine_api: docker.APIClient, base_image: str) -> None:
    line, refused = CASES[case]
    text = f"FROM {base_image}\n{line}\n"
    ok, error = build(engine_api, text)
    assert ok is not refused, error
    assert bool(blocking(diagnose(parse(text)))) is refused


def test_syntax_directive_is_ignored_not_refused(engine_api: docker.APIClient,
                                                 base_image: str) -> None:
    text = f"# syntax=docker/dockerfile:1\nFROM {base_image}\nRUN echo hi\n"
    ok, error = build(engine_api, text)
    assert ok, error
    found = diagnose(parse(text))
    assert [d.code for d in found] == ["directive-ignored"] and not blocking(found)


def test_instruction_before_from_is_refused(engine_api: docker.APIClient,
                                            base_image: str) -> None:
    text = f"RUN echo hi\nFROM {base_image}\n"
    ok, error = build(engine_api, text)
    assert not ok and "no build stage" in error
    assert [d.code for d in blocking(diagnose(parse(text)))] == ["no-from"]

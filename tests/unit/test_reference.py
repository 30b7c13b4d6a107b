"""The reference grammar (distribution/reference) with its edge cases, and the reasons given."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workbench.reference import (
    REFERENCE_RE,
    InvalidReference,
    check,
    check_tag_target,
    parse,
    split_domain,
    split_tag,
)

HEX64 = "0123456789abcdef" * 4


@pytest.mark.parametrize(("text", "canonical", "familiar"), [
    ("app", "docker.io/library/app:latest", "app:latest"),
    ("user/app:1.0", "docker.io/user/app:1.0", "user/app:1.0"),
    ("docker.io/app", "docker.io/library/app:latest", "app:latest"),
    ("index.docker.io/user/app", "docker.io/user/app:latest", "user/app:latest"),
    ("library/app:2", "docker.io/library/app:2", "app:2"),
    ("localhost/app", "localhost/app:latest", "localhost/app:latest"),
    ("localhost:5000/a/b:c", "localhost:5000/a/b:c", "localhost:5000/a/b:c"),
    ("127.0.0.1:5000/app", "127.0.0.1:5000/app:latest", "127.0.0.1:5000/app:latest"),
    ("[::1]:5000/app", "[::1]:5000/app:latest", "[::1]:5000/app:latest"),
    ("Registry.Example.COM/app", "Registry.Example.COM/app:latest",
     "Registry.Example.COM/app:latest"),  # uppercase is fine in a host
    ("a__b", "docker.io/library/a__b:latest", "a__b:latest"),
    ("a--------b.c_d", "docker.io/library/a--------b.c_d:latest", "a--------b.c_d:latest"),
    ("app:UPPER_tag.1-x", "docker.io/library/app:UPPER_tag.1-x", "app:UPPER_tag.1-x"),
    ("app:_x", "docker.io/library/app:_x", "app:_x"),
    ("app:" + "t" * 128, "docker.io/library/app:" + "t" * 128, "app:" + "t" * 128),
    ("a" * 63, f"docker.io/library/{'a' * 63}:latest", f"{'a' * 63}:latest"),
])
def test_valid_references_normalise_like_the_engine(text: str, canonical: str,
                                                    familiar: str) -> None:
    ref = check_tag_target(text)
    assert ref.canonical == canonical
    assert ref.familiar == familiar


@pytest.mark.parametrize(("text", "words"), [
    ("", "Type a name"),
    ("My/App", "must be lowercase"),
    ("MyApp", "must be lowercase"),
    ("user/App:1", "Use “app”"),
    ("app:" + "t" * 129, "129 characters"),
    ("app:-x", "starts with '-'"),
    ("app:.x", "starts with '.'"),
    ("app:", "Nothing follows the ':'"),
    ("app:a+b", "'+'"),
    ("app b", "a space"),
    ("app!", "'!'"),
    ("a___b", "separators"),
    ("a._b", "separators"),
    ("-app", "starts or ends with a separator"),
    ("app-", "starts or ends with a separator"),
    ("a//b", "empty part"),
    ("a/", "empty part"),
    ("/a", "empty part"),
    (HEX64, "64-character hexadecimal"),
    ("sha256", "“sha256” is refused"),
    ("sha256:abc", "“sha256” is refused"),
    (f"app@sha256:{HEX64}", "cannot contain a digest"),
    (f"app:1@sha256:{HEX64}", "cannot contain a digest"),
    ("exa_mple.com:5000/app", "not a registry address"),
    ("example.com:port/app", None),  # ':port' makes the last part look like a tag
    ("x/" + "a" * 260, "at most 255"),
    (" app", "space"),
])
def test_refused_target_gives_the_reason_in_words(text: str, words: str | None) -> None:
    result = check(text)
    assert not result.ok
    assert result.reason
    if words is not None:
        assert words in result.reason, result.reason


def test_digest_references_parse_but_are_not_tag_targets() -> None:
    ref = parse(f"user/app:1@sha256:{HEX64}")
    assert ref.digest == f"sha256:{HEX64}"
    assert ref.canonical == f"docker.io/user/app:1@sha256:{HEX64}"
    with pytest.raises(InvalidReference, match="not a digest"):
        parse("app@sha256:abc")
    with pytest.raises(InvalidReference, match="not a digest the engine knows"):
        parse(f"app@sha256:{HEX64}00")
    with pytest.raises(InvalidReference, match="not a digest the engine knows"):
        parse("app@md5:" + "a" * 32)


def test_split_domain_follows_split_docker_domain() -> None:
    assert split_domain("app") == ("docker.io", "library/app")
    assert split_domain("user/app") == ("docker.io", "user/app")
    assert split_domain("localhost/app") == ("localhost", "app")
    assert split_domain("host:5000/app") == ("host:5000", "app")
    assert split_domain("my.host/app") == ("my.host", "app")
    assert split_domain("Upper/app") == ("Upper", "app")
    assert split_domain("index.docker.io/app") == ("docker.io", "library/app")


def test_split_tag_keeps_registry_ports() -> None:
    assert split_tag("localhost:5000/app") == ("localhost:5000/app", "latest")
    assert split_tag("localhost:5000/app:2") == ("localhost:5000/app", "2")
    assert split_tag("app@sha256:" + HEX64) == ("app", "latest")


_PIECES = st.sampled_from([*"abAZ09._-:/@ ", "__", "___", "sha256:", "localhost", HEX64,
                           "t" * 128])


@given(st.lists(_PIECES, max_size=8).map("".join))
def test_words_agree_with_the_grammar(text: str) -> None:
    """Accepted exactly when the grammar (after normalising) accepts; never a crash."""
    result = check(text)
    if result.ok:
        assert result.reference is not None
        assert REFERENCE_RE.match(result.reference.canonical)
    else:
        assert result.reason
        looks_valid = (REFERENCE_RE.match(text) and text.lower().split("/")[0] == text.split(
            "/")[0] and "@" not in text and not re.fullmatch("[a-f0-9]{64}", text)
            and text.split(":")[0] != "sha256" and "/" not in text)
        assert not looks_valid or len(text) > 200, (text, result.reason)

"""Image references (``[registry/]repo[:tag][@digest]``), split and checked the engine's way.

The grammar is distribution/reference's (``regexp.go``, ``normalize.go``), ported
as regular expressions so the engine and the app agree on what is valid. On top
of the yes/no answer, ``check_reference`` says *why* a name is refused in words,
and ``Reference`` shows what the engine will actually store
(``docker.io/library/…:latest``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DEFAULT_DOMAIN = "docker.io"
LEGACY_DEFAULT_DOMAIN = "index.docker.io"
OFFICIAL_REPO_PREFIX = "library/"
DEFAULT_TAG = "latest"
NAME_TOTAL_LENGTH_MAX = 255
TAG_LENGTH_MAX = 128

# --- the grammar, as in distribution/reference regexp.go --------------------
_ALNUM = r"[a-z0-9]+"
_SEPARATOR = r"(?:[._]|__|[-]+)"
_PATH_COMPONENT = rf"{_ALNUM}(?:{_SEPARATOR}{_ALNUM})*"
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN_NAME = rf"{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*"
_IPV6 = r"\[(?:[a-fA-F0-9:]+)\]"
_HOST = rf"(?:{_DOMAIN_NAME}|{_IPV6})"
_DOMAIN = rf"{_HOST}(?::[0-9]+)?"
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
_NAME = rf"(?:{_DOMAIN}/)?{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*"

REFERENCE_RE = re.compile(rf"^({_NAME})(?::({_TAG}))?(?:@({_DIGEST}))?$", re.ASCII)
PATH_COMPONENT_RE = re.compile(rf"^{_PATH_COMPONENT}$", re.ASCII)
DOMAIN_RE = re.compile(rf"^{_DOMAIN}$", re.ASCII)
TAG_RE = re.compile(rf"^{_TAG}$", re.ASCII)
DIGEST_RE = re.compile(rf"^{_DIGEST}$", re.ASCII)
IDENTIFIER_RE = re.compile(r"^[a-f0-9]{64}$")
# Known digest algorithms and their hex lengths (opencontainers/go-digest).
DIGEST_LENGTHS = {"sha256": 64, "sha384": 96, "sha512": 128}


class InvalidReference(ValueError):
    """A reference the engine would refuse; ``str()`` is the reason in words."""


@dataclass(frozen=True)
class Reference:
    """A parsed, normalised reference: what the engine stores."""

    domain: str
    path: str
    tag: str | None
    digest: str | None

    @property
    def name(self) -> str:
        return f"{self.domain}/{self.path}"

    @property
    def canonical(self) -> str:
        """The full form with defaults made visible: ``docker.io/library/app:latest``."""
        if self.digest:
            # With both, the engine keeps the digest (the tag is only informative).
            return f"{self.name}{':' + self.tag if self.tag else ''}@{self.digest}"
        return f"{self.name}:{self.tag or DEFAULT_TAG}"

    @property
    def familiar_name(self) -> str:
        """The name as ``docker images`` prints it (no ``docker.io/``, no ``library/``)."""
        if self.domain == DEFAULT_DOMAIN:
            return self.path.removeprefix(OFFICIAL_REPO_PREFIX)
        return self.name

    @property
    def familiar(self) -> str:
        """``familiar_name:tag`` with the default tag added, as ``Successfully tagged``."""
        if self.digest and not self.tag:
            return f"{self.familiar_name}@{self.digest}"
        return f"{self.familiar_name}:{self.tag or DEFAULT_TAG}"

    @property
    def registry(self) -> str:
        """The registry host a push goes to (``docker.io`` for Hub names)."""
        return self.domain


def split_tag(reference: str) -> tuple[str, str]:
    """``repo[:tag]`` → (repo, tag); the tag defaults to ``latest``.

    A colon in the registry part (``localhost:5000/app``) is a port, not a tag.
    """
    name, _, _digest = reference.partition("@")
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        repo, _, tag = name.rpartition(":")
        return repo, tag
    return name, "latest"


def split_domain(name: str) -> tuple[str, str]:
    """distribution/reference ``splitDockerDomain``: (domain, remainder), defaults applied.

    The first part is a registry only if it is ``localhost``, holds a ``.`` or a
    ``:``, or has uppercase letters; otherwise it is a Docker Hub namespace.
    """
    first, slash, rest = name.partition("/")
    if not slash or (not any(c in first for c in ".:") and first != "localhost"
                     and first.lower() == first):
        domain, remainder = DEFAULT_DOMAIN, name
    else:
        domain, remainder = first, rest
    if domain == LEGACY_DEFAULT_DOMAIN:
        domain = DEFAULT_DOMAIN
    if domain == DEFAULT_DOMAIN and "/" not in remainder:
        remainder = OFFICIAL_REPO_PREFIX + remainder
    return domain, remainder


def _split_parts(text: str) -> tuple[str, str | None, str | None]:
    name, at, digest = text.partition("@")
    last_slash = name.rfind("/")
    colon = name.rfind(":")
    if colon > last_slash:
        return name[:colon], name[colon + 1:], digest if at else None
    return name, None, digest if at else None


def _tag_problem(tag: str) -> str | None:
    if tag == "":
        return "Nothing follows the ':'. Type a tag such as 1.0, or remove the ':'."
    if len(tag) > TAG_LENGTH_MAX:
        return (f"The tag is {len(tag)} characters long; at most {TAG_LENGTH_MAX} are allowed. "
                "Shorten it.")
    if tag[0] in ".-":
        return (f"The tag “{tag}” starts with '{tag[0]}'. A tag must start with a letter, "
                "digit or '_'.")
    bad = sorted({c for c in tag if not re.match(r"[\w.-]", c, re.ASCII)})
    if bad:
        return (f"The tag “{tag}” has {_chars(bad)}. A tag may use letters, digits, "
                "'_', '.' and '-' only.")
    return None


def _component_problem(part: str) -> str | None:
    if part == "":
        return ("The name has an empty part (a leading, trailing or doubled '/'). "
                "Remove the extra '/'.")
    if part != part.lower():
        return (f"“{part}” has uppercase letters; repository names must be lowercase. "
                f"Use “{part.lower()}”.")
    bad = sorted({c for c in part if not re.match(r"[a-z0-9._-]", c)})
    if bad:
        return (f"“{part}” has {_chars(bad)}. Repository names use lowercase letters, digits "
                "and the separators '.', '_', '__' or '-'.")
    if not (part[0].isalnum() and part[-1].isalnum()):
        return (f"“{part}” starts or ends with a separator. Each part of a name must start "
                "and end with a letter or digit.")
    return (f"“{part}” joins letters with separators the engine does not accept "
            "(only one '.', one or two '_', or any number of '-' between letters or digits).")


def _chars(chars: list[str]) -> str:
    shown = ", ".join("a space" if c == " " else f"'{c}'" for c in chars)
    return f"{shown}, which {'are' if len(chars) > 1 else 'is'} not allowed"


def parse(text: str) -> Reference:
    """distribution/reference ``ParseNormalizedNamed`` with reasons in words.

    Raises InvalidReference for anything the engine would refuse.
    """
    if text == "":
        raise InvalidReference("Type a name, such as user/app:1.0.")
    if text != text.strip():
        raise InvalidReference("The name begins or ends with a space. Remove it.")
    if IDENTIFIER_RE.match(text):
        raise InvalidReference(
            "A bare 64-character hexadecimal string is an image ID, not a name. "
            "Choose a name such as user/app:1.0.")
    name, tag, digest = _split_parts(text)
    if tag is not None and (problem := _tag_problem(tag)):
        raise InvalidReference(problem)
    if digest is not None:
        algorithm, colon, hexpart = digest.partition(":")
        if not DIGEST_RE.match(digest):
            raise InvalidReference(
                f"“@{digest}” is not a digest (it should look like @sha256: and 64 hex "
                "characters).")
        expected = DIGEST_LENGTHS.get(algorithm)
        if expected is None or len(hexpart) != expected or not colon:
            raise InvalidReference(
                f"“@{digest}” is not a digest the engine knows (sha256 wants 64 hex "
                "characters).")
    domain, remainder = split_domain(name)
    if not DOMAIN_RE.match(domain):
        raise InvalidReference(
                f"“{domain}” is not a registry address (a host name or IP, optionally "
                "“:port”, such as localhost:5000).")
    for part in remainder.split("/"):
        if not PATH_COMPONENT_RE.match(part):
            raise InvalidReference(_component_problem(part) or "invalid reference format")
    full = f"{domain}/{remainder}"
    if len(full) > NAME_TOTAL_LENGTH_MAX:
        raise InvalidReference(
            f"The name is {len(full)} characters long; at most {NAME_TOTAL_LENGTH_MAX} are "
            "allowed. Shorten it.")
    # The grammar itself has the last word, so the words above can never let through
    # something the engine refuses.
    if not REFERENCE_RE.match(f"{full}{':' + tag if tag is not None else ''}"
                              f"{'@' + digest if digest is not None else ''}"):
        raise InvalidReference("The engine would refuse this name (invalid reference format).")
    return Reference(domain, remainder, tag, digest)


def check_tag_target(text: str) -> Reference:
    """What ``docker tag SOURCE TARGET`` accepts as TARGET (moby image_tag.go, refstore).

    Besides the grammar: no digest, and not the name ``sha256``.
    """
    ref = parse(text)
    if ref.digest is not None:
        raise InvalidReference(
            "A tag cannot contain a digest (@sha256:…): a digest names content, it is not "
            "something you can point at another image. Remove the '@…' part.")
    if ref.familiar_name == "sha256":
        raise InvalidReference(
            "“sha256” is refused as a repository name because it reads like an image ID. "
            "Choose another name.")
    return ref


@dataclass(frozen=True)
class TagCheck:
    """The answer for live validation: the stored form, or the reason it is refused."""

    text: str
    reference: Reference | None
    reason: str

    @property
    def ok(self) -> bool:
        return self.reference is not None


def check(text: str) -> TagCheck:
    try:
        return TagCheck(text, check_tag_target(text), "")
    except InvalidReference as exc:
        return TagCheck(text, None, str(exc))

"""Image references (``[registry/]repo[:tag][@digest]``), split the engine's way."""

from __future__ import annotations


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

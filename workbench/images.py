"""The engine's images as rows, one per repository:tag like ``docker images``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import docker

from workbench.reference import split_tag


@dataclass(frozen=True)
class ImageRow:
    repository: str
    tag: str
    image_id: str  # full "sha256:…"
    created: int  # unix seconds
    size: int  # bytes

    @property
    def short_id(self) -> str:
        return self.image_id.removeprefix("sha256:")[:12]

    @property
    def reference(self) -> str:
        return f"{self.repository}:{self.tag}"


def rows_from_summaries(summaries: list[dict[str, Any]], dangling: bool = False) -> list[ImageRow]:
    rows: list[ImageRow] = []
    for image in summaries:
        tags = [t for t in image.get("RepoTags") or [] if t != "<none>:<none>"]
        image_id = str(image["Id"])
        created, size = int(image.get("Created") or 0), int(image.get("Size") or 0)
        if tags:
            rows.extend(ImageRow(*split_tag(t), image_id, created, size) for t in tags)
        elif dangling:
            rows.append(ImageRow("<none>", "<none>", image_id, created, size))
    return rows


def list_images(api: docker.APIClient, dangling: bool = False) -> list[ImageRow]:
    return rows_from_summaries(api.images(all=False), dangling)

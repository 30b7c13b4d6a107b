"""The engine's images as rows, one per repository:tag like ``docker images``.

Also the image actions (tag, untag, remove, prune), disk usage with reclaimable
space, and which actions a selection allows (a pure function, so it is tested
without a GUI).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import docker
import docker.errors

from workbench.reference import check_tag_target, split_tag

NONE = "<none>"


@dataclass(frozen=True)
class ImageRow:
    repository: str
    tag: str
    image_id: str  # full "sha256:…"
    created: int  # unix seconds
    size: int  # bytes
    containers: int = 0  # containers (running or not) made from this image
    # The row's key: ``repo:tag``, or the image id for a dangling image. Kept as a
    # field, not a property: the model reads it thousands of times per update.
    reference: str = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        key = self.image_id if self.dangling else f"{self.repository}:{self.tag}"
        object.__setattr__(self, "reference", key)

    @property
    def short_id(self) -> str:
        return self.image_id.removeprefix("sha256:")[:12]

    @property
    def dangling(self) -> bool:
        return self.repository == NONE and self.tag == NONE


def rows_from_summaries(summaries: list[dict[str, Any]], dangling: bool = False,
                        containers: Mapping[str, int] | None = None) -> list[ImageRow]:
    rows: list[ImageRow] = []
    counts = containers or {}
    for image in summaries:
        tags = [t for t in image.get("RepoTags") or [] if t != "<none>:<none>"]
        image_id = str(image["Id"])
        created, size = int(image.get("Created") or 0), int(image.get("Size") or 0)
        used = counts.get(image_id, 0)
        if tags:
            rows.extend(ImageRow(*split_tag(t), image_id, created, size, used) for t in tags)
        elif dangling:
            rows.append(ImageRow(NONE, NONE, image_id, created, size, used))
    return rows


def container_counts(api: docker.APIClient) -> Counter[str]:
    """Image id → number of containers (any state) made from it."""
    return Counter(str(c.get("ImageID") or "") for c in api.containers(all=True))


def list_images(api: docker.APIClient, dangling: bool = False) -> list[ImageRow]:
    return rows_from_summaries(api.images(all=False), dangling, container_counts(api))


def rows_for_image(api: docker.APIClient, image_id: str,
                   counts: Mapping[str, int]) -> list[ImageRow]:
    """The rows one image has now (empty when it is gone); used for live updates."""
    try:
        info = api.inspect_image(image_id)
    except docker.errors.NotFound:
        return []
    summary = {"Id": info["Id"], "RepoTags": info.get("RepoTags") or [],
               "Created": _unix(info.get("Created")), "Size": info.get("Size") or 0}
    return rows_from_summaries([summary], dangling=True, containers=counts)


@dataclass(frozen=True)
class ImageUpdate:
    """What changed for some images: their current rows (an id with [] is gone),
    and every image's container count read at the same moment."""

    rows_by_image: dict[str, list[ImageRow]]
    counts: dict[str, int]


def update_images(api: docker.APIClient, image_ids: Iterable[str]) -> ImageUpdate:
    """Re-read only the named images (an event burst costs one inspect per image)."""
    counts = dict(container_counts(api))
    return ImageUpdate({i: rows_for_image(api, i, counts) for i in image_ids}, counts)


def _unix(created: Any) -> int:
    """Inspect's RFC 3339 ``Created`` → unix seconds (the list endpoint has them already)."""
    if isinstance(created, int | float):
        return int(created)
    from datetime import datetime

    text = str(created or "")
    if not text:
        return 0
    # Go prints nanoseconds; Python's fromisoformat takes up to microseconds.
    text = re.sub(r"\.(\d{6})\d*", r".\1", text).replace("Z", "+00:00")
    try:
        return int(datetime.fromisoformat(text).timestamp())
    except ValueError:
        return 0


# --- disk use ------------------------------------------------------------------
@dataclass(frozen=True)
class DiskUsage:
    images: int
    total: int  # bytes of all image layers on disk
    reclaimable: int  # bytes freed by removing every image no container uses
    active: int  # images some container uses


def disk_usage(api: docker.APIClient) -> DiskUsage:
    """``docker system df``'s image line, computed the way the CLI does."""
    df = api.df()
    images = df.get("Images") or []
    total = int(df.get("LayersSize") or 0)
    used = 0
    active = 0
    for image in images:
        if int(image.get("Containers") or 0) > 0:
            active += 1
            size, shared = int(image.get("Size") or 0), int(image.get("SharedSize") or 0)
            if size >= 0 and shared >= 0:
                used += size - shared
    return DiskUsage(len(images), total, max(0, total - used), active)


# --- actions -------------------------------------------------------------------
def tag_image(api: docker.APIClient, source: str, target: str) -> str:
    """``docker tag``: returns the familiar name stored. The target is checked first."""
    ref = check_tag_target(target)
    repository = ref.familiar_name
    api.tag(source, repository, ref.tag or "latest")
    return ref.familiar


def untag_image(api: docker.APIClient, reference: str) -> list[dict[str, str]]:
    """``docker rmi repo:tag``: drops the tag (the image too, if it was the last)."""
    return list(api.remove_image(reference))


@dataclass(frozen=True)
class ContainerUse:
    container_id: str
    name: str
    state: str

    @property
    def running(self) -> bool:
        return self.state in ("running", "paused", "restarting")


def containers_using(api: docker.APIClient, image_id: str) -> list[ContainerUse]:
    out = []
    for c in api.containers(all=True):
        if c.get("ImageID") == image_id:
            names = c.get("Names") or [c["Id"][:12]]
            out.append(ContainerUse(c["Id"], str(names[0]).lstrip("/"), str(c.get("State"))))
    return out


class ImageInUse(Exception):
    """Removing an image was refused because containers use it."""

    def __init__(self, image: str, users: list[ContainerUse], engine_message: str) -> None:
        self.image = image
        self.users = users
        self.engine_message = engine_message
        super().__init__(describe_in_use(image, users))


def describe_in_use(image: str, users: Sequence[ContainerUse]) -> str:
    names = ", ".join(f"“{u.name}” ({'running' if u.running else u.state})" for u in users)
    noun = "container" if len(users) == 1 else "containers"
    return (f"{image} is in use by {noun} {names}. An image cannot be removed while a "
            f"container is made from it: remove the {noun} too, or keep the image.")


@dataclass
class RemoveResult:
    untagged: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    containers_removed: list[str] = field(default_factory=list)


def remove_image(api: docker.APIClient, reference: str, image_id: str, force: bool = False,
                 remove_containers: bool = False) -> RemoveResult:
    """``docker rmi [-f]``; with ``remove_containers`` first ``docker rm -f`` its users.

    Raises ImageInUse (with the containers named) when the engine refuses.
    """
    result = RemoveResult()
    if remove_containers:
        for user in containers_using(api, image_id):
            api.remove_container(user.container_id, force=True, v=False)
            result.containers_removed.append(user.name)
    try:
        answer = api.remove_image(reference, force=force)
    except docker.errors.APIError as exc:
        if exc.status_code == 409:
            users = containers_using(api, image_id)
            if users:
                raise ImageInUse(reference, users, str(exc.explanation)) from exc
        raise
    for item in answer or []:
        if "Untagged" in item:
            result.untagged.append(item["Untagged"])
        if "Deleted" in item:
            result.deleted.append(item["Deleted"])
    return result


@dataclass(frozen=True)
class PruneResult:
    deleted: list[str]
    untagged: list[str]
    space_reclaimed: int


def prune_images(api: docker.APIClient, all_unused: bool) -> PruneResult:
    """``docker image prune [-a]``: dangling only, or every image no container uses."""
    answer = api.prune_images(filters={"dangling": not all_unused})
    items = answer.get("ImagesDeleted") or []
    return PruneResult([i["Deleted"] for i in items if "Deleted" in i],
                       [i["Untagged"] for i in items if "Untagged" in i],
                       int(answer.get("SpaceReclaimed") or 0))


# --- which actions a selection allows -------------------------------------------
TAG, UNTAG, REMOVE, PRUNE, CREATE, RUN, PUSH, PULL, INSPECT = (
    "tag", "untag", "remove", "prune", "create", "run", "push", "pull", "inspect")


def available_actions(selection: Sequence[ImageRow],
                      all_rows: Sequence[ImageRow] = ()) -> set[str]:
    """The image actions that make sense for the selected rows.

    Untag needs another tag to stay on the image (else it is Remove); push and
    pull need names; create / run and tag work on exactly one image.
    """
    actions = {PRUNE, PULL}
    if not selection:
        return actions
    actions.add(REMOVE)
    tagged = [r for r in selection if not r.dangling]
    if len({r.image_id for r in selection}) == 1:
        actions |= {TAG, CREATE, RUN, INSPECT}
    tags_per_image = Counter(r.image_id for r in (all_rows or selection) if not r.dangling)
    if tagged and all(tags_per_image[r.image_id] > 1 for r in tagged):
        actions.add(UNTAG)
    if tagged:
        actions.add(PUSH)
    return actions

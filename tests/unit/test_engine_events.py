"""Engine events (``docker events`` JSON) → typed events, and what a batch touches."""

from __future__ import annotations

from workbench.engine_events import EngineEvent, affected_images, parse_event

IMAGE = "sha256:" + "a" * 64


def test_parse_image_and_container_events() -> None:
    tag = parse_event({"Type": "image", "Action": "tag", "Actor": {
        "ID": IMAGE, "Attributes": {"name": "app:1"}}, "time": 5, "timeNano": 5_000_000_123})
    assert tag == EngineEvent("image", "tag", IMAGE, {"name": "app:1"}, 5.000000123)
    pull = parse_event({"Type": "image", "Action": "pull", "Actor": {"ID": "reg/app:1"}})
    assert pull is not None and pull.actor_id == "reg/app:1"
    create = parse_event({"Type": "container", "Action": "create", "Actor": {
        "ID": "c" * 64, "Attributes": {"image": "app:1", "name": "web"}}})
    assert create is not None and create.image == "app:1"
    # "exec_start: sh -c …" style actions keep only the verb.
    exec_start = parse_event({"Type": "container", "Action": "exec_start: sh", "Actor": {
        "ID": "c" * 64}})
    assert exec_start is not None and exec_start.action == "exec_start"
    assert parse_event({"Type": "network", "Action": "connect", "Actor": {"ID": "n"}}) is None
    assert parse_event({"Type": "image", "Action": "", "Actor": {"ID": IMAGE}}) is None
    # The pre-1.22 shape (status / id at the top) is still read.
    assert parse_event({"Type": "image", "status": "delete", "id": IMAGE}) == EngineEvent(
        "image", "delete", IMAGE, {}, 0.0)


def test_a_batch_names_the_images_it_touches() -> None:
    batch = [EngineEvent("image", "tag", IMAGE), EngineEvent("image", "untag", IMAGE),
             EngineEvent("image", "pull", "reg/app:1"),
             EngineEvent("container", "start", "c")]
    assert affected_images(batch) == ({IMAGE, "reg/app:1"}, False)
    assert affected_images([EngineEvent("container", "destroy", "c")]) == (set(), True)

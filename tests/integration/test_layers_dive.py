"""The layer inspector's core on real images built in the test engine, with dive's own
``--json`` analysis of the same image as the reference for every number."""

from __future__ import annotations

import io
import math
import os
import posixpath
from pathlib import Path
from typing import Any

import docker
import pytest

from tests.harness.engine import EngineHandle
from tests.harness.layers import build_image, dive_json, export_bytes, to_oci_layout
from workbench.layers import (
    Analysis,
    Change,
    Kind,
    LayerIndex,
    LayerLoad,
    Loaded,
    LoadProgress,
    analyse_export,
)
from workbench.layers.archive import ExportContents, read_export
from workbench.layers.load import LoadCancelled

pytestmark = pytest.mark.engine


def client() -> docker.APIClient:
    # A dedicated client per load, like the app's Engine.new_client(); DOCKER_HOST is the
    # test engine's for the session.
    return docker.APIClient(base_url=os.environ["DOCKER_HOST"], version="auto", timeout=None)


def load(engine_api: docker.APIClient, ref: str, index: LayerIndex | None = None) -> Loaded:
    events = list(LayerLoad(client, ref, index))
    assert all(isinstance(e, LoadProgress) for e in events[:-1])
    final = events[-1]
    assert isinstance(final, Loaded)
    return final


def assert_same_as_dive(analysis: Analysis, dive: dict[str, Any]) -> None:
    """Every number dive exports, equal; inefficient files equal and in dive's order
    (dive's sort is unstable only for lists longer than 12, which these are not)."""
    eff = analysis.efficiency
    image = dive["image"]
    assert eff.score == pytest.approx(image["efficiencyScore"], rel=0, abs=1e-12)
    assert eff.wasted_bytes == image["inefficientBytes"]
    assert eff.image_size == image["sizeBytes"]
    ours = [(i.count, i.size, i.path) for i in eff.inefficiencies]
    theirs = [(f["count"], f["sizeBytes"], f["file"]) for f in image["fileReference"]]
    assert ours == theirs
    assert [layer.size for layer in analysis.image.layers] == [
        layer["sizeBytes"] for layer in dive["layer"]]
    assert [layer.diff_id for layer in analysis.image.layers] == [
        layer["digestId"] for layer in dive["layer"]]
    # The raw entries of each layer, as dive lists them (it drops ".wh..wh." markers).
    for layer, dive_layer in zip(analysis.image.layers, dive["layer"], strict=True):
        mine = set()
        for e in layer.entries:
            if e.kind in (Kind.OPAQUE, Kind.META):
                continue
            raw = posixpath.join(posixpath.dirname(e.path), e.name).lstrip("/")
            link = e.link.lstrip("/") if e.kind is Kind.HARDLINK else e.link
            mine.add((raw, ord(e.typeflag), link, e.size, e.uid, e.gid))
        theirs_files = {(f["path"], f["typeFlag"], f["linkName"].lstrip("/")
                         if f["typeFlag"] == ord("1") else f["linkName"], f["size"], f["uid"],
                         f["gid"]) for f in dive_layer["fileList"] if f["path"]}
        assert mine == theirs_files


def changes(analysis: Analysis, layer: int) -> dict[str, Change]:
    return {p: c.change for p, c in analysis.diff.changes[layer].items()}


def test_file_added_then_deleted(engine_api: docker.APIClient, base_image: str,
                                 test_engine: EngineHandle) -> None:
    build_image(engine_api, f"FROM {base_image}\n"
                "RUN head -c 300000 /dev/urandom > /big.bin\n"
                "RUN rm /big.bin\n", "workbench-layers/deleted:1")
    result = load(engine_api, "workbench-layers/deleted:1")
    a = result.analysis
    assert changes(a, 1)["/big.bin"] is Change.ADDED
    assert changes(a, 2) == {"/big.bin": Change.REMOVED}
    assert "/big.bin" not in a.diff.final
    assert_same_as_dive(a, dive_json("workbench-layers/deleted:1", test_engine.docker_host))
    top = a.efficiency.inefficiencies[0]
    assert (top.path, top.count, top.size) == ("/big.bin", 2, 300000)
    text = dict((i.path, t) for i, t in a.explanations())["/big.bin"]
    assert text == ("/big.bin (300kB) is added in step 2 and removed in step 3: it is still "
                    "shipped; do both in one RUN (or use a multi-stage build).")
    assert a.diff.true_waste() == 300000


def test_directory_replaced_through_an_opaque_whiteout(
        engine_api: docker.APIClient, base_image: str, test_engine: EngineHandle) -> None:
    build_image(engine_api, f"FROM {base_image}\n"
                "RUN mkdir -p /data/sub && head -c 1000 /dev/zero > /data/a "
                "&& head -c 2000 /dev/zero > /data/sub/b\n"
                "RUN rm -rf /data && mkdir /data && head -c 3000 /dev/zero > /data/c\n"
                "RUN rm -rf /data\n"
                "RUN mkdir /data\n", "workbench-layers/opaque:1")
    a = load(engine_api, "workbench-layers/opaque:1").analysis
    kinds = {(e.path, e.kind) for e in a.image.layers[2].entries}
    assert ("/data", Kind.OPAQUE) in kinds  # overlay2 wrote an opaque marker
    hidden = {c.path for c in a.diff.changes[2].values() if c.hidden_by_opaque}
    assert hidden == {"/data/a", "/data/sub", "/data/sub/b"}
    assert changes(a, 2)["/data/c"] is Change.ADDED
    assert "/data/a" not in a.diff.stack_at(2) and "/data/c" in a.diff.stack_at(2)
    # Layer 3 deletes /data: truly only /data and /data/c (3000 bytes) were there.
    assert set(changes(a, 3)) == {"/data", "/data/c"}
    assert sum(a.diff.changes[3][p].entry.size for p in changes(a, 3)) == 3000
    dive = dive_json("workbench-layers/opaque:1", test_engine.docker_host)
    assert_same_as_dive(a, dive)
    # dive is wrong here, and we match it on purpose in its own numbers: ignoring the
    # opaque marker, its stacked tree still holds /data/a and /data/sub/b, so the
    # whiteout of /data is sized 1000 + 2000 + 3000 and /data is "inefficient" by 6000.
    by_path = {f["file"]: f["sizeBytes"] for f in dive["image"]["fileReference"]}
    assert by_path["/data"] == 6000
    assert a.diff.true_waste() == 6000  # what was shipped and is gone: a, b, c
    assert {c.path for _, c in a.diff.opaque_hidden()} == hidden


def test_file_modified_only_in_mode(engine_api: docker.APIClient, base_image: str,
                                    test_engine: EngineHandle) -> None:
    build_image(engine_api, f"FROM {base_image}\nRUN chmod 600 /etc/passwd\n",
                "workbench-layers/mode:1")
    a = load(engine_api, "workbench-layers/mode:1").analysis
    change = a.diff.changes[1]["/etc/passwd"]
    assert change.change is Change.MODIFIED and change.before is not None
    assert change.entry.difference(change.before) == ["mode 644→600"]
    assert_same_as_dive(a, dive_json("workbench-layers/mode:1", test_engine.docker_host))
    text = dict((i.path, t) for i, t in a.explanations())["/etc/passwd"]
    assert "changes only its mode" in text and "COPY --chmod" in text


def test_hard_link_and_symlink(engine_api: docker.APIClient, base_image: str,
                               test_engine: EngineHandle) -> None:
    build_image(engine_api, f"FROM {base_image}\n"
                "RUN echo hello > /f && ln /f /hard && ln -s /f /sym\n"
                "RUN echo again > /f2 && ln -sf /f2 /sym\n", "workbench-layers/links:1")
    a = load(engine_api, "workbench-layers/links:1").analysis
    entries = {e.path: e for e in a.image.layers[1].entries}
    assert (entries["/hard"].kind, entries["/hard"].link) == (Kind.HARDLINK, "/f")
    assert (entries["/sym"].kind, entries["/sym"].link) == (Kind.SYMLINK, "/f")
    assert entries["/f"].size == 6 and entries["/hard"].size == 0
    sym = a.diff.changes[2]["/sym"]
    assert sym.change is Change.MODIFIED and sym.entry.link == "/f2"
    assert_same_as_dive(a, dive_json("workbench-layers/links:1", test_engine.docker_host))


def test_metadata_only_layers_and_history(engine_api: docker.APIClient, base_image: str,
                                          test_engine: EngineHandle) -> None:
    image_id = build_image(engine_api, f"FROM {base_image}\n"
                           "ENV GREETING=hi\nLABEL purpose=test\n"
                           "RUN touch /etc/group\n"
                           "RUN chown 1:1 /etc/group\n", "workbench-layers/meta:1")
    a = load(engine_api, "workbench-layers/meta:1").analysis
    rows = a.image.history
    assert [r.instruction for r in rows[-4:]] == [
        "ENV GREETING=hi", "LABEL purpose=test", "RUN touch /etc/group",
        "RUN chown 1:1 /etc/group"]
    assert [r.empty for r in rows[-4:]] == [True, True, False, False]
    assert [r.layer for r in rows if not r.empty] == list(range(len(a.image.layers)))
    rootfs = engine_api.inspect_image(image_id)["RootFS"]["Layers"]
    assert [r.diff_id for r in rows if not r.empty] == rootfs
    assert a.image.image_id == image_id
    touched = a.diff.changes[1]["/etc/group"]
    assert touched.change is Change.UNMODIFIED  # only its mtime moved: dive says the same
    owned = a.diff.changes[2]["/etc/group"]
    assert owned.change is Change.MODIFIED and owned.before is not None
    assert owned.entry.difference(owned.before) == ["owner 0:0→1:1"]
    assert_same_as_dive(a, dive_json("workbench-layers/meta:1", test_engine.docker_host))
    words = dict((i.path, t) for i, t in a.explanations())["/etc/group"]
    assert "writes it again unchanged" in words and "changes only its owner" in words


def test_oci_layout_with_gzip_and_zstd_layers(
        engine_api: docker.APIClient, base_image: str, test_engine: EngineHandle,
        tmp_path: Path) -> None:
    build_image(engine_api, f"FROM {base_image}\n"
                "RUN mkdir -p /d && head -c 5000 /dev/urandom > /d/x && ln -s x /d/y\n"
                "RUN rm -rf /d && mkdir /d && echo new > /d/z\n"
                "RUN rm /d/z && chmod 700 /d\n", "workbench-layers/oci:1")
    legacy = export_bytes(engine_api, "workbench-layers/oci:1")
    reference = analyse_export(io.BytesIO(legacy))
    for compress in (["", "", "", ""], ["gzip", "zstd", "gzip", "zstd"]):
        oci = to_oci_layout(legacy, compress)
        a = analyse_export(io.BytesIO(oci))
        assert [layer.entries for layer in a.image.layers] == [
            layer.entries for layer in reference.image.layers]
        assert a.efficiency == reference.efficiency
        assert [r.instruction for r in a.image.history] == [
            r.instruction for r in reference.image.history]
    # In the OCI layout a layer blob is named by its digest, so known layers can be let
    # go by unparsed (here: uncompressed blobs, whose digest is the diff id).
    plain = to_oci_layout(legacy, ["", "", "", ""])
    known = {"blobs/sha256/" + d.removeprefix("sha256:")
             for d in (la.diff_id for la in reference.image.layers[:3])}
    contents = list(read_export(io.BytesIO(plain), skip=known.__contains__))[-1]
    assert isinstance(contents, ExportContents)
    assert contents.skipped == known and len(contents.layers) == 1
    # dive reads the OCI layout too (it has no zstd): same numbers again.
    archive = tmp_path / "oci.tar"
    archive.write_bytes(to_oci_layout(legacy, ["gzip", "", "gzip", ""]))
    dive = dive_json(str(archive), test_engine.docker_host, source="docker-archive")
    assert reference.efficiency.score == pytest.approx(dive["image"]["efficiencyScore"],
                                                       abs=1e-12)
    assert reference.efficiency.wasted_bytes == dive["image"]["inefficientBytes"]


def test_index_opens_without_export_and_rebuild_rereads_only_new_layers(
        engine_api: docker.APIClient, base_image: str, tmp_path: Path) -> None:
    index = LayerIndex(tmp_path / "cache")
    build_image(engine_api, f"FROM {base_image}\nRUN head -c 1000 /dev/urandom > /a\n"
                "RUN echo one > /b\n", "workbench-layers/index:1")
    first = load(engine_api, "workbench-layers/index:1", index)
    assert first.exported and first.layers_parsed == 3 and first.layers_reused == 0
    again = load(engine_api, "workbench-layers/index:1", index)
    assert not again.exported and again.layers_reused == 3
    assert again.analysis.efficiency == first.analysis.efficiency
    assert again.analysis.image.history == first.analysis.image.history
    assert [la.entries for la in again.analysis.image.layers] == [
        la.entries for la in first.analysis.image.layers]
    build_image(engine_api, f"FROM {base_image}\nRUN head -c 1000 /dev/urandom > /a\n"
                "RUN echo one > /b\nRUN echo two > /c\n", "workbench-layers/index:2")
    rebuilt = load(engine_api, "workbench-layers/index:2", index)
    # Legacy exports name a layer by a v1 id that, for the top layer only, depends on
    # the image config: the old top (/b) is read again, the two below it are skipped.
    assert rebuilt.exported and rebuilt.layers_parsed == 2 and rebuilt.layers_reused == 2
    fresh = load(engine_api, "workbench-layers/index:2")
    assert rebuilt.analysis.efficiency == fresh.analysis.efficiency


def test_cancel_stops_the_export(engine_api: docker.APIClient, base_image: str) -> None:
    build_image(engine_api, f"FROM {base_image}\nRUN head -c 20000000 /dev/urandom > /r\n",
                "workbench-layers/cancel:1")
    run = LayerLoad(client, "workbench-layers/cancel:1")
    seen = 0
    with pytest.raises(LoadCancelled):
        for event in run:
            seen += 1
            if isinstance(event, LoadProgress):
                run.cancel()
    assert seen >= 1


def test_single_layer_image_matches_dive(engine_api: docker.APIClient, base_image: str,
                                         test_engine: EngineHandle) -> None:
    a = load(engine_api, base_image).analysis
    assert a.efficiency.score == 1.0 and a.efficiency.wasted_bytes == 0
    assert math.isnan(a.efficiency.user_wasted_ratio)  # 0/0, as dive computes it
    assert_same_as_dive(a, dive_json(base_image, test_engine.docker_host))

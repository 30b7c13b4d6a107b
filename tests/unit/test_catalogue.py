"""The shipped catalogue: complete, dated, sourced, and read strictly."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.catalogue import CatalogueError, load_catalogue, normalise_repository


def test_catalogue_has_the_images_beginners_choose_between() -> None:
    catalogue = load_catalogue()
    names = {e.repository for e in catalogue.entries}
    assert {"alpine", "busybox", "ubuntu", "debian", "centos", "quay.io/centos/centos",
            "rockylinux/rockylinux", "almalinux", "python", "node"} <= names
    for entry in catalogue.entries:
        assert entry.description and entry.package_manager and entry.libc and entry.tags
        for size in entry.sizes:
            assert size.date and size.source and size.download > 0
            assert size.platform in ("linux/amd64", "linux/arm64")
    debian = catalogue.entry("docker.io/library/debian")
    assert debian is not None and any(t.endswith("-slim") for t in debian.tags)
    alpine = catalogue.entry("alpine")
    assert alpine is not None
    figure = alpine.published("3.22", "linux/amd64")
    assert figure is not None and figure.download == 3_792_075 and figure.on_disk == 8_300_000
    assert alpine.published("3.22", "linux/arm64") is not None
    python = catalogue.entry("python")
    assert python is not None and {"3.12-slim", "3.12-alpine"} <= set(python.tags)
    node = catalogue.entry("node")
    assert node is not None and any("alpine" in t for t in node.tags)


def test_centos_is_end_of_life_with_successors() -> None:
    centos = load_catalogue().entry("centos")
    assert centos is not None and centos.eol is not None
    assert centos.eol.date == "2024-06-30"
    assert "quay.io/centos/centos:stream9" in centos.eol.successors
    assert any(s.startswith("rockylinux") for s in centos.eol.successors)
    assert any(s.startswith("almalinux") for s in centos.eol.successors)


def test_normalise_repository() -> None:
    assert normalise_repository("docker.io/library/alpine") == "alpine"
    assert normalise_repository("library/alpine") == "alpine"
    assert normalise_repository("quay.io/centos/centos") == "quay.io/centos/centos"


def test_bad_files_are_named(tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text('repository = "x"\ntitle = "X"\n')
    with pytest.raises(CatalogueError, match=r"bad\.toml: `description`"):
        load_catalogue(tmp_path)
    (tmp_path / "bad.toml").write_text(
        'repository="x"\ntitle="X"\ndescription="d"\npackage_manager="apk"\nlibc="musl"\n'
        'tags=["1"]\n[[sizes]]\ntag="1"\nplatform="linux/amd64"\ndownload=1\n'
        'date="yesterday"\nsource="s"\n')
    with pytest.raises(CatalogueError, match="sizes #1: `date`"):
        load_catalogue(tmp_path)
    (tmp_path / "bad.toml").write_text("repository = [")
    with pytest.raises(CatalogueError, match=r"bad\.toml"):
        load_catalogue(tmp_path)

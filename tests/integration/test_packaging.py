"""A wheel of the app carries its data files (templates, hover docs, the catalogue, the
icon) and finds them once installed outside the checkout; the compiled scanner is in it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CHECK = """
import sys
from pathlib import Path
import workbench
from workbench.data_files import RESOURCES
from workbench.catalogue import load_catalogue
from workbench.dockerfile.docs import load_docs
from workbench.dockerfile.templates import load_templates
site = Path(sys.argv[1]).resolve()
assert Path(workbench.__file__).resolve().is_relative_to(site), workbench.__file__
assert RESOURCES == site / "workbench" / "_resources", RESOURCES
assert load_templates()[0].file == "alpine-hello.Dockerfile"
assert "alpine" in {e.repository for e in load_catalogue().entries}
assert load_docs().get("FROM") is not None
assert (RESOURCES / "icons" / "image-workbench.svg").is_file()
print("ok")
"""


SKIPPED = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "__pycache__",
                                 ".*_cache", ".hypothesis", "*.so")


def clean_source(target: Path) -> Path:
    """The checkout's tracked files (or, outside git, the tree without builds and caches):
    a build in the checkout itself would reuse its ``build/`` folder and leave one behind."""
    listed = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z"], capture_output=True,
                            check=False)
    if listed.returncode != 0:
        return Path(shutil.copytree(ROOT, target, ignore=SKIPPED))
    for name in filter(None, listed.stdout.decode().split("\0")):
        if (ROOT / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target / name)
    return target


def test_a_wheel_carries_the_data_files_and_finds_them(tmp_path: Path) -> None:
    source = clean_source(tmp_path / "source")
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist),
                    str(source)], check=True, timeout=600, capture_output=True)
    (wheel,) = dist.glob("image_workbench-*.whl")
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        archive.extractall(site)
    assert {"workbench/_resources/templates/alpine-hello.Dockerfile",
            "workbench/_resources/catalogue/alpine.toml",
            "workbench/_resources/docs/en/instructions.toml"} <= names
    assert not any("screenshots" in name for name in names)  # documentation, not data
    assert any(name.startswith("workbench/layers/_native.") for name in names
               if name.endswith((".so", ".pyd")))
    env = {**os.environ, "PYTHONPATH": str(site)}
    done = subprocess.run([sys.executable, "-c", CHECK, str(site)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr

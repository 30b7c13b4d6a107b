"""Where the app's data files are: templates, hover docs, the base-image catalogue, icons.

They live in the repository's top-level ``resources/``, which a checkout (and an editable
install) reads in place. A wheel cannot ship a top-level folder beside its packages, so
``setup.py`` copies it into the package as ``workbench/_resources``; that copy wins when
it is there.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def resources_folder() -> Path:
    bundled = _PACKAGE / "_resources"
    return bundled if bundled.is_dir() else _PACKAGE.parent / "resources"


RESOURCES = resources_folder()

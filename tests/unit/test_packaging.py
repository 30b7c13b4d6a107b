"""The desktop entry and the entry point agree with the app's identity."""

from __future__ import annotations

import configparser
import tomllib
from pathlib import Path

from workbench import APP_ID

ROOT = Path(__file__).resolve().parents[2]


def test_desktop_entry_matches_the_gui_script_and_app_id() -> None:
    desktop = ROOT / "packaging" / f"{APP_ID}.desktop"
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(desktop)
    entry = parser["Desktop Entry"]
    assert entry["Type"] == "Application" and entry["Icon"] == APP_ID
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["gui-scripts"]
    assert scripts == {entry["Exec"]: "ui.app:main"}
    assert (ROOT / "packaging" / f"{APP_ID}.svg").read_text().startswith("<svg")

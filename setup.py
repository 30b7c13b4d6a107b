"""The one compiled part, the layer-tar scanner (``workbench/layers/_native.c``), and the
data files a wheel carries. Everything else is in pyproject.toml.

The extension is optional: without a C compiler the install still succeeds and
``workbench.layers.archive`` uses the pure-Python scanner (same results, slower on big
images). The top-level ``resources/`` (templates, hover docs, the base-image catalogue,
icons; not the screenshots) is copied into wheels as ``workbench/_resources``, which
``workbench.data_files`` finds; editable installs read ``resources/`` in place.
"""

from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


class BuildWithResources(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        source = HERE / "resources"
        target = Path(self.build_lib) / "workbench" / "_resources"
        for path in sorted(source.rglob("*")):
            if path.is_file() and "screenshots" not in path.relative_to(source).parts:
                dest = target / path.relative_to(source)
                dest.parent.mkdir(parents=True, exist_ok=True)
                self.copy_file(str(path), str(dest))


setup(ext_modules=[Extension("workbench.layers._native", ["workbench/layers/_native.c"],
                             optional=True)],
      cmdclass={"build_py": BuildWithResources})

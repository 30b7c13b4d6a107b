"""The one compiled part, the layer-tar scanner (``workbench/layers/_native.c``), and the
data files a wheel carries. Everything else is in pyproject.toml.

The extension is optional: without a C compiler the install still succeeds and
``workbench.layers.archive`` uses the pure-Python scanner (same results, slower on big
images). The top-level ``resources/`` (templates, hover docs, the base-image catalogue,
icons; not the screenshots) is copied into wheels as ``workbench/_resources``, which
``workbench.data_files`` finds; editable installs read ``resources/`` in place.
"""

import shutil
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


class BuildWithResources(build_py):
    def _data_files(self) -> list[tuple[Path, Path]]:
        source = HERE / "resources"
        target = Path(self.build_lib) / "workbench" / "_resources"
        return [(path, target / path.relative_to(source)) for path in sorted(source.rglob("*"))
                if path.is_file() and "screenshots" not in path.relative_to(source).parts]

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "workbench" / "_resources"
        shutil.rmtree(target, ignore_errors=True)  # nothing left from an earlier build
        for path, dest in self._data_files():
            dest.parent.mkdir(parents=True, exist_ok=True)
            self.copy_file(str(path), str(dest))

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        outputs: list[str] = super().get_outputs(include_bytecode)
        if not getattr(self, "editable_mode", False):
            outputs += [str(dest) for _, dest in self._data_files()]
        return outputs


setup(ext_modules=[Extension("workbench.layers._native", ["workbench/layers/_native.c"],
                             optional=True)],
      cmdclass={"build_py": BuildWithResources})

"""The one compiled part: the layer-tar scanner (``workbench/layers/_native.c``).

Everything else is in pyproject.toml. The extension is optional: without a C compiler
the install still succeeds and ``workbench.layers.archive`` uses the pure-Python scanner
(same results, slower on big images).
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("workbench.layers._native", ["workbench/layers/_native.c"],
                             optional=True)])

"""The compiled part of the layer reader (``_native.c``), or None where it was not built.

One switch for every user (``archive`` for the scanner, ``load`` for the reader): they
look ``compiled`` up when they run, so the pure-Python path is one assignment away.
"""

from __future__ import annotations

from types import ModuleType

compiled: ModuleType | None
try:  # setup.py builds it when a C compiler is there
    from workbench.layers import _native as compiled
except ImportError:  # pragma: no cover - the pure-Python code does the same, slower
    compiled = None

"""Image Workbench's Qt front end (PySide6). The core it drives is ``workbench``."""

import os

# qtawesome goes through QtPy; pin it to our one binding before anything imports it.
os.environ.setdefault("QT_API", "pyside6")

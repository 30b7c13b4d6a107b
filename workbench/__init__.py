"""Image Workbench core: plain Python over the docker SDK, with no Qt.

Everything the app knows about engines, Dockerfiles, builds and images lives
here so that it can be tested and reused without a GUI.
"""

APP_ID = "io.github.imageworkbench.ImageWorkbench"
APP_NAME = "Image Workbench"
__version__ = "0.1.0"

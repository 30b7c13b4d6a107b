"""Every icon the app uses, named once (qtawesome after the QApplication exists)."""

from __future__ import annotations

from functools import cache

from PySide6.QtGui import QIcon


@cache
def icon(name: str) -> QIcon:
    import qtawesome  # imported late: it needs a QApplication and costs start-up time

    names = {
        "open": "mdi6.folder-open-outline",
        "save": "mdi6.content-save-outline",
        "build": "mdi6.hammer-wrench",
        "cancel": "mdi6.stop-circle-outline",
        "reconnect": "mdi6.lan-connect",
        "refresh": "mdi6.refresh",
        "browse": "mdi6.folder-search-outline",
        "new": "mdi6.file-document-plus-outline",
        "command": "mdi6.console",
        "tag": "mdi6.tag-plus-outline",
        "untag": "mdi6.tag-remove-outline",
        "remove": "mdi6.delete-outline",
        "prune": "mdi6.broom",
        "create": "mdi6.package-variant-plus",
        "run": "mdi6.play-circle-outline",
        "push": "mdi6.cloud-upload-outline",
        "pull": "mdi6.cloud-download-outline",
        "start": "mdi6.play",
        "stop": "mdi6.stop",
        "logs": "mdi6.text-box-outline",
        "history": "mdi6.history",
        "inspect": "mdi6.layers-search-outline",
        "copy": "mdi6.content-copy",
    }
    return QIcon(qtawesome.icon(names[name]))

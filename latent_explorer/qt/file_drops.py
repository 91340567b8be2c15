"""What a file dropped on the window is: an image to place, a session or a model to open."""

from __future__ import annotations

from PySide6.QtGui import QDragEnterEvent, QDropEvent

from latent_explorer.qt.model_controller import IMAGE_SUFFIXES

OPENED_FILES = (".lxs", ".json", ".safetensors", ".pt", ".pth", ".ckpt", ".ts", ".pkl", ".py")
"""Files dropped on the window that open: a session, or a model (through Open Model)."""


def dropped(event: QDragEnterEvent | QDropEvent) -> tuple[str, str] | None:
    """``(kind, path)`` of the first local file the drag carries that the window takes:
    ``image`` (placed on the map), ``session`` or ``model``; ``None`` for anything else."""
    for url in event.mimeData().urls():
        if not url.isLocalFile():
            continue
        path = str(url.toLocalFile())
        name = path.lower()
        if name.endswith(IMAGE_SUFFIXES):
            return "image", path
        if name.endswith(OPENED_FILES):
            return ("session" if name.endswith(".lxs") else "model"), path
    return None

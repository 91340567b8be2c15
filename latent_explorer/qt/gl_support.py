"""Whether OpenGL works here, and what to show in place of the 3-D map when it does not.

The 3-D map draws with OpenGL. Remote sessions, the ``offscreen`` Qt platform, containers
without a Mesa driver and machines without PyOpenGL have none; creating an OpenGL widget there
either fails or shows a black rectangle. :func:`opengl_available` tries what the widget will
need (a context made current on an offscreen surface) and says in plain words why not.
:func:`make_map_view_3d` returns the real view or a placeholder that explains itself. This
module imports neither PyOpenGL nor ``pyqtgraph.opengl``, so it is safe to import anywhere.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget

from latent_explorer.qt.palette import MAP_BACKGROUND

if TYPE_CHECKING:
    from latent_explorer.core.session.state import ExplorerState
    from latent_explorer.qt.widgets.map_view_3d import QtMapView3D

DISABLE_ENV = "LATENT_EXPLORER_NO_GL"
"""Set this environment variable to ``1`` to pretend OpenGL is missing (to test the fallback)."""

_GL_RENDERER = 0x1F01
_GL_VERSION = 0x1F02
_cache: tuple[bool, str] | None = None


def opengl_available(refresh: bool = False) -> tuple[bool, str]:
    """``(True, "<renderer>, OpenGL <version>")`` if the 3-D map can draw, else ``(False, why)``.

    Needs a ``QGuiApplication``. The answer is cached for the process (``refresh`` re-checks).
    """
    global _cache
    if _cache is not None and not refresh:
        return _cache
    _cache = _probe()
    return _cache


def _probe() -> tuple[bool, str]:
    if os.environ.get(DISABLE_ENV, "") not in ("", "0"):
        return False, f"it was turned off with {DISABLE_ENV}"
    try:
        import OpenGL.GL  # noqa: F401  (PyOpenGL: pyqtgraph's 3-D items call it)
    except Exception as exc:  # ImportError, or PyOpenGL failing to find libGL
        return False, f"PyOpenGL could not be loaded ({exc})"
    from PySide6.QtGui import QGuiApplication, QOffscreenSurface, QOpenGLContext

    app = QGuiApplication.instance()
    if app is None:
        return False, "no Qt application is running"
    platform = QGuiApplication.platformName()
    context = QOpenGLContext()
    if not context.create():
        return False, f"no OpenGL driver answers on the '{platform}' display platform"
    surface = QOffscreenSurface()
    surface.setFormat(context.format())
    surface.create()
    try:
        if not surface.isValid() or not context.makeCurrent(surface):
            return False, f"an OpenGL context cannot be made current on '{platform}'"
        functions = context.functions()
        renderer = functions.glGetString(_GL_RENDERER) or "unknown renderer"
        version = functions.glGetString(_GL_VERSION) or "unknown version"
        major, minor = context.format().version()
        context.doneCurrent()
    finally:
        surface.destroy()
    if not context.isOpenGLES() and (major, minor) < (2, 1):
        return False, f"OpenGL {major}.{minor} is too old (2.1 is needed; {renderer})"
    return True, f"{renderer}, OpenGL {version}"


class QtMapView3DUnavailable(QWidget):
    """Shown instead of the 3-D map where OpenGL is missing; says why in plain words."""

    def __init__(self, reason: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.reason = reason
        self.setAutoFillBackground(True)
        self.setStyleSheet(f"background: {MAP_BACKGROUND}; color: #d8dee9;")
        self.label = QLabel(
            f"3-D view needs OpenGL: {reason}. The 2-D map works as usual.", self)
        self.label.setWordWrap(True)
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 40, 40, 40)
        layout.addWidget(self.label)


def make_map_view_3d(state: ExplorerState,
                     parent: QWidget | None = None) -> QtMapView3D | QtMapView3DUnavailable:
    """The 3-D map bound to ``state`` if OpenGL works here, else the explaining placeholder."""
    if QApplication.instance() is None:
        return QtMapView3DUnavailable("no Qt application is running", parent)
    ok, reason = opengl_available()
    if not ok:
        return QtMapView3DUnavailable(reason, parent)
    from latent_explorer.qt.widgets.map_view_3d import QtMapView3D

    return QtMapView3D(state, parent)

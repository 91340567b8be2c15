"""How fast the 3-D map draws while the camera orbits: ``bench_gl()``.

Needs a working OpenGL context (a display, or ``xvfb-run`` with Mesa). Each frame orbits the
camera, lets Qt render and compose the frame, then waits for the GPU (``glFinish``), so the time is
what a user sees per frame while dragging, not just the time to queue the commands.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

import numpy as np


def _clustered_points(n: int, classes: int = 10, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, classes, n)
    centres = rng.normal(0.0, 4.0, (classes, 3))
    coords = centres[labels] + rng.normal(0.0, 1.0, (n, 3))
    return coords.astype(np.float32), labels


def bench_gl(counts: Iterable[int] = (100_000, 1_000_000), frames: int = 30,
             size: tuple[int, int] = (900, 650)) -> dict[str, float | str]:
    """Median frame time in ms while orbiting, per point count, and the GL renderer string.

    Keys: ``gl_frame_ms_100k``, ``gl_frame_ms_1m`` (``gl_frame_ms_<n>`` for other counts):
    frames while orbiting, as the user sees them (under a software renderer the view draws a
    fixed random sample of the points while the camera moves); ``gl_full_frame_ms_<n>``: the
    same frames with every point drawn (what the view shows once the camera stops); and
    ``gl_renderer``. Raises ``RuntimeError`` when OpenGL is not available.
    """
    from OpenGL import GL
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from latent_explorer.core.session.state import ExplorerState
    from latent_explorer.qt.gl_support import opengl_available
    from latent_explorer.qt.widgets.map_view_3d import QtMapView3D

    app = QApplication.instance() or QApplication([])
    ok, reason = opengl_available()
    if not ok:
        raise RuntimeError(f"OpenGL is not available: {reason}")
    results: dict[str, float | str] = {}
    for n in counts:
        view = QtMapView3D(ExplorerState())
        view.resize(*size)
        view.show()
        QTest.qWaitForWindowExposed(view, 5000)
        coords, labels = _clustered_points(n)
        view.set_points(coords, labels)
        for _ in range(3):  # first frames compile shaders and upload the buffers
            view.repaint()
            app.processEvents()
        view.makeCurrent()
        results["gl_renderer"] = str(GL.glGetString(GL.GL_RENDERER).decode())
        name = {100_000: "100k", 1_000_000: "1m"}.get(n, str(n))
        for key, full in ((f"gl_frame_ms_{name}", False), (f"gl_full_frame_ms_{name}", True)):
            times = []
            painted = view.frame_count
            for _ in range(frames):
                view.orbit(3.0, 0.5)  # marks the view dirty; the next event loop pass paints it
                if full:  # every point, as drawn once the camera stops
                    view.points.draw_count = None
                start = time.perf_counter()
                # repaint() does not re-render a QOpenGLWidget; the update request does, and it
                # also composes the frame into the window, as a user would see it.
                app.processEvents()
                view.makeCurrent()
                GL.glFinish()
                times.append((time.perf_counter() - start) * 1000.0)
            if view.frame_count - painted < frames:
                raise RuntimeError("the view did not repaint on request (is it exposed?)")
            results[key] = round(float(np.median(times)), 2)
        view.close()
        view.deleteLater()
        app.processEvents()
    return results


if __name__ == "__main__":
    print(bench_gl())

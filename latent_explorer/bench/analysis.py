"""Benchmarks of the research tools on a million points, measured in a real window.

- ``lasso_1m_ms``: a lasso around about half of 1,000,000 points: point-in-polygon, the new
  selection in the state, the dimmed palette index on the map, the Selection panel (count,
  label mix, thumbnails) and one synchronous repaint of the map.
- ``recolor_1m_ms``: colour the same points by another numeric column, with a repaint; the
  point set is not rebuilt (``recolor_geometry_builds`` stays 0).
- ``knn_1m_ms``: the 10 nearest of 1,000,000 latents of dimension 64 to one query.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

POINTS = 1_000_000


def _median_ms(fn: Any, repeats: int) -> float:
    times = []
    for i in range(repeats):
        start = time.perf_counter()
        fn(i)
        times.append((time.perf_counter() - start) * 1000.0)
    return round(float(np.median(times)), 2)


def _window(cache_dir: Path) -> Any:
    os.environ["LATENT_EXPLORER_CACHE"] = str(cache_dir)
    from PySide6.QtCore import QSettings

    from latent_explorer.qt.app import make_application
    from latent_explorer.qt.main_window import MainWindow

    make_application()
    settings = QSettings(str(cache_dir / "bench-settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings, use_cache=False)
    window.resize(1400, 900)
    window.show()
    return window


def _lasso(coords: np.ndarray, shift: float) -> np.ndarray:
    """A 64-vertex wobbly loop around the left half of the points (shifted a little)."""
    lo, hi = coords.min(axis=0), coords.max(axis=0)
    centre = np.array([np.median(coords[:, 0]) - (hi[0] - lo[0]) * 0.25, float(
        np.median(coords[:, 1]))])
    radius = (hi - lo) * np.array([0.32 + shift, 0.62])
    angles = np.linspace(0, 2 * np.pi, 64, endpoint=False)
    wobble = 1.0 + 0.04 * np.sin(7 * angles)
    circle = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    loop: np.ndarray = centre + circle * radius * wobble[:, None]
    return loop


def bench_analysis(quick: bool = False) -> dict[str, Any]:
    """Lasso, recolour and nearest-neighbour timings on 1,000,000 points (milliseconds)."""
    from PySide6.QtWidgets import QApplication

    from latent_explorer.bench.window import _big_workspace
    from latent_explorer.core.analysis.nearest import NeighborIndex
    from latent_explorer.core.datasets.columns import column_from_array

    repeats = 3 if quick else 7
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        window = _window(Path(tmp))
        try:
            ws = _big_workspace(window, POINTS)
            rng = np.random.default_rng(1)
            ws.dataset.metadata["brightness"] = column_from_array(rng.random(POINTS))
            ws.dataset.metadata["noise"] = column_from_array(rng.standard_normal(POINTS))
            window._install_workspace(ws, None, None)
            QApplication.processEvents()
            view, analysis = window.map_view, window.analysis
            view.viewport().repaint()
            coords = view.coords

            polygons = [_lasso(coords, 0.0), _lasso(coords, 0.02)]

            def lasso(i: int) -> None:
                analysis.select_polygon(polygons[i % 2])
                view.viewport().repaint()

            results["lasso_1m_ms"] = _median_ms(lasso, repeats)
            results["lasso_1m_selected"] = len(analysis.state.selection)
            analysis.state.clear_selection()
            view.viewport().repaint()
            builds = view.cloud.geometry_builds

            def recolour(i: int) -> None:
                analysis.state.colour_by = ("brightness", "noise")[i % 2]
                view.viewport().repaint()

            results["recolor_1m_ms"] = _median_ms(recolour, repeats)
            results["recolor_geometry_builds"] = view.cloud.geometry_builds - builds
        finally:
            window.close()
            QApplication.processEvents()
    codes = np.random.default_rng(2).standard_normal((POINTS, 64)).astype(np.float32)
    index = NeighborIndex(codes)
    index.query(codes[0], 10)
    queries = codes[np.random.default_rng(3).integers(0, POINTS, repeats)] + 0.01
    results["knn_1m_ms"] = _median_ms(lambda i: index.query(queries[i], 10), repeats)
    return results


if __name__ == "__main__":  # pragma: no cover - a manual run
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    print(bench_analysis(quick=True))

"""A million embeddings with no decoder, opened in the real window.

- ``vectors_1m_open_s``: ``gui --latents`` on a ``.npy`` of 1,000,000 x 512 float32 vectors
  (2 GB, just written, so in the page cache) with labels beside it: memory-mapped, checked for
  NaN, a PCA fitted on 20,000 rows and all rows projected, the window's map drawn;
- ``vectors_1m_frame_p95_ms``: repaint time of that map while panning and zooming;
- ``vectors_1m_hover_ms``: p95 of the hover lookup at random places once its index is built.

Run ``latent-explorer bench --only vectors`` (it writes 2 GB to a temporary folder).
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

COUNT, DIM = 1_000_000, 512


def _write(path: Path, count: int, dim: int) -> None:
    rng = np.random.default_rng(0)
    centres = rng.normal(0.0, 2.0, (10, dim)).astype(np.float32)
    labels = rng.integers(0, 10, count)
    out = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(count, dim))
    for start in range(0, count, 50_000):
        block = rng.standard_normal((min(50_000, count - start), dim), dtype=np.float32)
        block += centres[labels[start:start + len(block)]]
        out[start:start + len(block)] = block
    out.flush()
    del out
    np.save(path.with_name(path.stem + ".labels.npy"), labels.astype(np.int64))


def bench_vectors(quick: bool = False) -> dict[str, Any]:
    """Open 1,000,000 x 512 vectors (100,000 with ``quick``) and move around the map."""
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from latent_explorer.core.compute.vectors_workspace import VectorsSpec
    from latent_explorer.qt.app import make_application
    from latent_explorer.qt.main_window import MainWindow

    count = 100_000 if quick else COUNT
    app = make_application()
    with tempfile.TemporaryDirectory(prefix="le-vectors-") as tmp:
        folder = Path(tmp)
        os.environ["LATENT_EXPLORER_CACHE"] = str(folder / "cache")
        path = folder / "z.npy"
        _write(path, count, DIM)
        settings = QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(settings=settings, use_cache=False)
        window.resize(1400, 900)
        window.show()
        app.processEvents()
        shown: list[float] = []
        window.workspace_changed.connect(lambda ws: shown.append(time.perf_counter()))
        start = time.perf_counter()
        window.open(None, VectorsSpec(str(path)).to_spec())
        while not shown and time.perf_counter() - start < 600:
            app.processEvents()
            time.sleep(0.002)
        view = window.map_view
        view.viewport().repaint()
        opened = time.perf_counter() - start
        frames = []
        (x0, x1), (y0, y1) = view.view_box.viewRange()
        cx, cy, w, h = (x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0
        for i in range(10 if quick else 40):
            zoom = 1.0 / (1 + (i % 10) * 0.4)
            view.view_box.setRange(xRange=(cx - w * zoom / 2 + i * w * 0.01,
                                           cx + w * zoom / 2 + i * w * 0.01),
                                   yRange=(cy - h * zoom / 2, cy + h * zoom / 2), padding=0)
            tick = time.perf_counter()
            view.viewport().repaint()
            frames.append((time.perf_counter() - tick) * 1000)
        view.wait_index(120.0)
        from PySide6.QtCore import QPointF

        rng = np.random.default_rng(1)
        hovers = []
        for _ in range(200):
            point = QPointF(float(rng.uniform(x0, x1)), float(rng.uniform(y0, y1)))
            tick = time.perf_counter()
            view.nearest_point(point)
            hovers.append((time.perf_counter() - tick) * 1000)
        window.close()
        QApplication.processEvents()
    size = "1m" if not quick else "100k"
    return {f"vectors_{size}_open_s": round(opened, 2),
            f"vectors_{size}_frame_p95_ms": round(float(np.percentile(frames, 95)), 1),
            f"vectors_{size}_hover_ms": round(float(np.percentile(hovers, 95)), 2)}

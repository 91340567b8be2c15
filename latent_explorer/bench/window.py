"""Benchmarks measured in a real Qt event loop: decode latency, UI blocking, cold start."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QEventLoop, QPointF, QSettings, QTimer
from PySide6.QtWidgets import QApplication

from latent_explorer.bench.heartbeat import Heartbeat

TIMING_ENV = "LATENT_EXPLORER_TIMING"


def percentiles(values: list[float], keys: tuple[int, ...] = (50, 95)) -> dict[str, float]:
    """``{"p50": ..., "p95": ...}`` of ``values`` (rounded to 0.01)."""
    array = np.asarray(values, dtype=float)
    return {f"p{k}": round(float(np.percentile(array, k)), 2) for k in keys}


class _PaintWaiter:
    """Times from an action to the decoded pane's repaint that shows its result."""

    def __init__(self, window: Any) -> None:
        self.window = window
        self.target = 0
        self.loop = QEventLoop()
        self.painted_at = 0.0
        window.decoder_view.decoded_pane.painted.connect(self._on_painted)

    def _on_painted(self) -> None:
        if self.target and self.window.decoder._last_delivered >= self.target:
            self.painted_at = time.perf_counter()
            self.target = 0
            self.loop.quit()

    def measure(self, action: Any, timeout_ms: int = 5000) -> float:
        """Run ``action()``, then wait until its decode is on screen; returns milliseconds."""
        self.painted_at = 0.0
        start = time.perf_counter()
        action()
        self.target = self.window.decoder.worker._next_id
        if self.painted_at == 0.0:
            QTimer.singleShot(timeout_ms, self.loop.quit)
            self.loop.exec()
        if self.painted_at == 0.0:
            raise RuntimeError("the decoded image was not repainted in time")
        return (self.painted_at - start) * 1000.0


def _make_window(cache_dir: Path) -> Any:
    os.environ["LATENT_EXPLORER_CACHE"] = str(cache_dir)
    from latent_explorer.qt.app import make_application
    from latent_explorer.qt.main_window import MainWindow

    make_application()
    settings = QSettings(str(cache_dir / "bench-settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings)
    window.resize(1400, 900)
    window.show()
    return window


def _wait_for(signal: Any, timeout_ms: int) -> None:
    loop = QEventLoop()
    signal.connect(loop.quit)
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()
    signal.disconnect(loop.quit)


def _slider_latencies(window: Any, count: int) -> list[float]:
    waiter = _PaintWaiter(window)
    times = []
    slider = window.sliders.sliders[0]
    for i in range(count + 5):
        value = 200 + (i * 37) % 600
        ms = waiter.measure(lambda v=value: slider.setValue(v))
        if i >= 5:  # the first few warm up torch's kernels
            times.append(ms)
    return times


def _probe_latencies(window: Any, count: int) -> list[float]:
    waiter = _PaintWaiter(window)
    coords = window.workspace.projector.coords
    lo, hi = coords.min(axis=0), coords.max(axis=0)
    rng = np.random.default_rng(0)
    times = []
    for i in range(count + 5):
        x, y = lo + (hi - lo) * rng.random(2)
        ms = waiter.measure(lambda x=x, y=y: window.map_view.probe.setPos(QPointF(x, y)))
        if i >= 5:
            times.append(ms)
    return times


def _big_workspace(window: Any, count: int) -> Any:
    """``count`` points: the demo's digits repeated with a little noise in latent space."""
    from latent_explorer.core.analysis.latent_stats import compute_latent_stats
    from latent_explorer.core.compute.pipeline import Workspace, encode_cached
    from latent_explorer.core.datasets import load_dataset
    from latent_explorer.core.datasets.base import ArrayDataset
    from latent_explorer.core.models import load_model
    from latent_explorer.core.projection import fit_projection
    from latent_explorer.core.projection.base import ProjectionParams

    digits, model = load_dataset("digits"), load_model("demo")
    base = encode_cached(model, digits)
    reps = -(-count // len(digits))
    rng = np.random.default_rng(0)
    latents = np.tile(base, (reps, 1))[:count]
    latents = latents + rng.normal(0, 0.05, latents.shape).astype(np.float32)
    images = np.tile(digits.images, (reps, 1, 1, 1))[:count]
    assert digits.labels is not None
    labels = np.tile(digits.labels, reps)[:count]
    dataset = ArrayDataset(f"digits x{reps}", "bench", images, labels, digits.label_names)
    projector = fit_projection(latents, ProjectionParams("pca", 2))
    return Workspace(dataset, model, latents, f"bench-{count}", projector,
                     compute_latent_stats(latents))


def bench_window(quick: bool = False) -> dict[str, Any]:
    """Slider and probe latency, and GUI-thread blocking while UMAP runs."""
    from latent_explorer.core.compute.pipeline import Workspace
    from latent_explorer.core.datasets.base import ArrayDataset
    from latent_explorer.core.models.base import sample_prior
    from latent_explorer.core.models.reference import conv_generator_64
    from latent_explorer.core.projection import fit_projection
    from latent_explorer.core.projection.base import ProjectionParams

    count = 30 if quick else 200
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="le-bench-") as tmp:
        window = _make_window(Path(tmp))
        try:
            _wait_for(window.workspace_changed, 0)  # nothing loaded yet; just spin once
            window.open("digits", "demo")
            _wait_for(window.workspace_changed, 60_000)
            results["slider_latency_ms"] = percentiles(_slider_latencies(window, count))

            conv = conv_generator_64()
            latents = sample_prior(500, conv.latent_dim, seed=0)
            images = (conv.decode(latents[:500]) * 255).astype(np.uint8)
            dataset = ArrayDataset("conv64 samples", "bench", images)
            from latent_explorer.core.analysis.latent_stats import compute_latent_stats

            ws = Workspace(dataset, conv, latents, "bench-conv64",
                           fit_projection(latents, ProjectionParams("pca", 2)),
                           compute_latent_stats(latents))
            window._install_workspace(ws, None, None)
            results["slider_latency_64px_ms"] = percentiles(_slider_latencies(window, count))

            n_points = 5_000 if quick else 70_000
            big = _big_workspace(window, n_points)
            window._install_workspace(big, None, None)
            # Draw the new map first: the measurement is of the window while UMAP runs.
            window.map_view.viewport().repaint()
            QApplication.processEvents()
            heartbeat = Heartbeat()
            lateness = heartbeat.lateness
            window.projection.method = "umap"
            started = time.perf_counter()
            heartbeat.start()
            window.compute_projection()
            _wait_for(window.map_changed, 600_000)
            heartbeat.stop()
            results["umap_in_window_s"] = round(time.perf_counter() - started, 2)
            results["ui_block_ms"] = {
                "p99": round(float(np.percentile(lateness, 99)), 2),
                "max": round(float(np.max(lateness)), 2),
            }
            if window.workspace.projector.params.method != "umap":
                raise RuntimeError("UMAP did not finish in the benchmark window")
            results["probe_latency_ms"] = percentiles(_probe_latencies(window, count))
            results["probe_points"] = n_points
        finally:
            window.close()
    return results


def bench_cold_start(quick: bool = False) -> dict[str, Any]:
    """Start the app in a new process (empty cache) and time the window and first image."""
    runs = 1 if quick else 3
    visible, decoded = [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="le-start-") as tmp:
            env = dict(os.environ, LATENT_EXPLORER_CACHE=str(Path(tmp) / "cache"),
                       LATENT_EXPLORER_CONFIG=str(Path(tmp) / "config"),
                       **{TIMING_ENV: "1"})
            env.setdefault("QT_QPA_PLATFORM", "offscreen")
            started = time.time()
            proc = subprocess.run(
                [sys.executable, "-m", "latent_explorer", "gui", "--screenshot",
                 str(Path(tmp) / "shot.png")],
                env=env, capture_output=True, text=True, timeout=300, check=False)
            events = {}
            for line in proc.stderr.splitlines():
                if line.startswith("timing "):
                    _, name, stamp = line.split()
                    events[name] = float(stamp) - started
            if proc.returncode != 0 or "first_decode_visible" not in events:
                raise RuntimeError(f"the app did not start cleanly: {proc.stderr[-2000:]}")
            visible.append(events["window_visible"])
            decoded.append(events["first_decode_visible"])
    return {"window_visible_s": round(float(np.median(visible)), 3),
            "first_decode_visible_s": round(float(np.median(decoded)), 3)}

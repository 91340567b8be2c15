"""How late the window gets while it autosaves a million-point map.

The window holds a UMAP-style map of 1,000,000 points (its coordinates go into the session)
and five named selections of 200,000 samples each; the user's sample in view changes before
each autosave, so each one writes. A 10 ms heartbeat timer on the GUI thread measures how
late it fires (as the other window benchmarks do) while the autosaves run, and for two
seconds with nothing to do (what the machine's load alone costs); the GUI thread's own CPU
time for each snapshot and the time until each file is on disk are reported too.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QEventLoop, QSettings, QTimer

from latent_explorer.bench.heartbeat import Heartbeat
from latent_explorer.bench.window import percentiles

SELECTIONS = 5


def _workspace(count: int) -> Any:
    from latent_explorer.core.analysis.latent_stats import compute_latent_stats
    from latent_explorer.core.compute.pipeline import Workspace
    from latent_explorer.core.datasets.base import ArrayDataset
    from latent_explorer.core.models import load_model
    from latent_explorer.core.models.base import sample_prior
    from latent_explorer.core.projection import projector_from_arrays
    from latent_explorer.core.projection.base import ProjectionParams

    model = load_model("demo")
    latents = sample_prior(count, model.latent_dim, seed=0)
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, count)
    dataset = ArrayDataset("bench points", "bench-autosave",
                           np.zeros((count, *model.image_shape), dtype=np.uint8), labels)
    coords = rng.standard_normal((count, 2)).astype(np.float32)
    projector = projector_from_arrays(ProjectionParams("umap", 2), {
        "coords": coords, "latents": latents, "sampled": np.array(-1, dtype=np.int64)})
    dataset.fingerprint(), model.fingerprint()  # as opening does (they are remembered)
    return Workspace(dataset, model, latents, f"bench-autosave-{count}", projector,
                     compute_latent_stats(latents))


def _settle(window: Any) -> None:
    """Let the window finish drawing and decoding, so that only autosaves are measured."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        loop = QEventLoop()
        QTimer.singleShot(300, loop.quit)
        loop.exec()
        if window.decoder.worker.wait_idle(0) and not window.jobs.running:
            return


def bench_autosave(quick: bool = False) -> dict[str, Any]:
    """``autosave_1m_ui_block_ms``: the heartbeat's lateness while autosaves are written."""
    from latent_explorer.core.session.autosave import RecoveryStore
    from latent_explorer.core.session.data import Selection
    from latent_explorer.qt.app import make_application
    from latent_explorer.qt.main_window import MainWindow

    count = 200_000 if quick else 1_000_000
    saves = 3 if quick else 8
    make_application()
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="le-autosave-") as tmp:
        window = MainWindow(settings=QSettings(str(Path(tmp) / "bench.ini"),
                                               QSettings.Format.IniFormat),
                            recovery=RecoveryStore(Path(tmp) / "state"))
        try:
            window.resize(1400, 900)
            window.show()
            sessions = window.sessions
            sessions.timer.stop()  # autosaves come when measured, not every 3 s
            window._install_workspace(_workspace(count), None, None)
            rng = np.random.default_rng(1)
            window.analysis.state.named_selections = tuple(
                Selection(f"picked {i}", np.sort(rng.choice(count, count // 5, replace=False)))
                for i in range(SELECTIONS))
            heartbeat = Heartbeat()
            lateness = heartbeat.lateness
            snapshot_cpu, written = [], []
            loop = QEventLoop()
            sessions.autosaved.connect(loop.quit)
            heartbeat.start()
            _settle(window)
            # The same heartbeat with nothing to do: what the machine's load alone costs.
            lateness.clear()
            idle_loop = QEventLoop()
            QTimer.singleShot(2000, idle_loop.quit)
            idle_loop.exec()
            idle = list(lateness)
            measured: list[float] = []
            for index in range(saves):
                # Something changed, so the autosave writes; what the window does to show the
                # change is not the autosave's and is let settle first.
                window.explorer.selected_index = index
                _settle(window)
                lateness.clear()
                start, start_cpu = time.perf_counter(), time.thread_time()
                sessions.autosave()
                snapshot_cpu.append((time.thread_time() - start_cpu) * 1000.0)
                QTimer.singleShot(120_000, loop.quit)
                loop.exec()
                written.append(time.perf_counter() - start)
                measured += lateness
            heartbeat.stop()
            lateness = measured
            size = sessions.recovery.path.stat().st_size if sessions.recovery else 0
            tag = "1m" if count == 1_000_000 else f"{count // 1000}k"
            results[f"autosave_{tag}_ui_block_ms"] = {
                "p99": round(float(np.percentile(lateness, 99)), 2),
                "max": round(float(np.max(lateness)), 2)}
            results["autosave_idle_ui_block_ms"] = {
                "p99": round(float(np.percentile(idle, 99)), 2),
                "max": round(float(np.max(idle)), 2)}
            results[f"autosave_{tag}_snapshot_gui_cpu_ms"] = percentiles(snapshot_cpu)
            results[f"autosave_{tag}_written_s"] = round(float(np.median(written)), 2)
            results[f"autosave_{tag}_file_mb"] = round(size / 2**20, 1)
        finally:
            window.close()
    return results

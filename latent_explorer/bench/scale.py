"""``bench_scale``: a million points on the map, measured against the naive way and napari.

Every figure is measured in one run on this machine, in a real Qt event loop:

- ``map_1m_load_s``: a ``.npy`` of 1,000,000 x 64 float32 latents and its labels on disk ->
  memory-mapped, PCA fitted on a 50,000-row sample, all rows projected in chunks,
  ``set_points``, first frame painted;
- ``map_1m_frame_p95_ms``: repaint time after each step of a pan/zoom sequence
  (``viewport().repaint()`` timed, so the whole scene is really drawn);
- ``hover_1m_ms``: p95 of ``nearest_point`` at random places, once the index is ready;
- peers at 100,000 and 1,000,000 points: pyqtgraph's ``ScatterPlotItem`` with a brush per point
  (the naive way) in this process, and napari's points layer in a child process under
  ``xvfb-run`` (it needs OpenGL). The child also measures our map under the same display, so
  the napari ratios compare like with like. Ratios are the peer's median time over ours.
- ``umap_70k_first_s`` / ``umap_70k_warm_s``: a 70,000 x 32 UMAP fit in a fresh child, then
  again in the same warm child; ``umap_transform_1m_s`` places 1,000,000 further points;
- ``encode_images_per_s`` (demo model, 8x8 digits) and ``encode_images_per_s_64px`` (a conv
  encoder of realistic size on 64x64 RGB), batched on all cores.

Run ``python -m latent_explorer.bench.scale [--quick]`` or ``latent-explorer bench --only
scale``.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

FULL, SMALL = 1_000_000, 100_000
_NAPARI_FLAG = "--napari-child"
_LOAD_FLAG = "--load-child"


def clustered_latents(n: int, dim: int, classes: int = 10, seed: int = 0,
                      spread: float = 2.0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` latents in ``classes`` overlapping Gaussian clusters, and their labels."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0.0, spread, (classes, dim)).astype(np.float32)
    labels = rng.integers(0, classes, n)
    latents = rng.standard_normal((n, dim), dtype=np.float32)
    latents += centres[labels]
    return latents, labels.astype(np.int64)


def _percentile(values: list[float], q: float) -> float:
    return round(float(np.percentile(np.asarray(values), q)), 2)


def _app() -> Any:
    from latent_explorer.qt.app import make_application

    return make_application()


def _process_events(rounds: int = 3) -> None:
    from PySide6.QtWidgets import QApplication

    for _ in range(rounds):
        QApplication.processEvents()


def _map_view() -> Any:
    from latent_explorer.core.session.state import ExplorerState
    from latent_explorer.qt.widgets.map_view import QtMapView

    view = QtMapView(ExplorerState())
    view.resize(1200, 800)
    view.show()
    _process_events()
    return view


def _pan_zoom_steps(view_box: Any, lo: np.ndarray, hi: np.ndarray, steps: int) -> list[Any]:
    """A sequence of view ranges: zoom in towards a point, pan, zoom back out."""
    centre = lo + (hi - lo) * np.array([0.55, 0.45])
    ranges = []
    half = (hi - lo) / 2.0
    for i in range(steps):
        scale = 0.82 ** min(i, steps // 2) if i < steps * 3 // 4 else 0.82 ** (steps - i)
        shift = (hi - lo) * 0.01 * (i % 5)
        c = centre + shift
        h = half * scale
        ranges.append(((float(c[0] - h[0]), float(c[0] + h[0])),
                       (float(c[1] - h[1]), float(c[1] + h[1]))))
    return ranges


def frame_times(view: Any, steps: int) -> list[float]:
    """Milliseconds to repaint ``view`` after each pan/zoom step (set range, then repaint)."""
    view_box = view.getPlotItem().getViewBox()
    (x0, x1), (y0, y1) = view_box.viewRange()
    ranges = _pan_zoom_steps(view_box, np.array([x0, y0]), np.array([x1, y1]), steps)
    times = []
    for x_range, y_range in ranges:
        start = time.perf_counter()
        view_box.setRange(xRange=x_range, yRange=y_range, padding=0)
        view.viewport().repaint()
        times.append((time.perf_counter() - start) * 1000.0)
    view_box.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
    return times


def ours_display(coords: np.ndarray, labels: np.ndarray, steps: int) -> dict[str, Any]:
    """Our map: set_points + first paint, then frame times and hover lookups."""
    from PySide6.QtCore import QPointF

    view = _map_view()
    try:
        start = time.perf_counter()
        view.set_points(coords, labels)
        view.viewport().repaint()
        load = time.perf_counter() - start
        mode_out = view.cloud.mode
        view.wait_index(60.0)
        view.viewport().repaint()  # the first frame in the spatial draw order
        frames = frame_times(view, steps)
        rng = np.random.default_rng(1)
        lo, hi = coords.min(axis=0), coords.max(axis=0)
        hover = []
        for _ in range(200):
            x, y = lo + (hi - lo) * rng.random(2)
            t = time.perf_counter()
            view.nearest_point(QPointF(float(x), float(y)))
            hover.append((time.perf_counter() - t) * 1000.0)
        return {"load_s": load, "frames": frames, "hover": hover, "mode_zoomed_out": mode_out}
    finally:
        view.close()
        view.deleteLater()
        _process_events()


def naive_display(coords: np.ndarray, labels: np.ndarray, steps: int) -> dict[str, Any]:
    """pyqtgraph's ScatterPlotItem with one brush per point: the way most apps start."""
    import pyqtgraph as pg

    from latent_explorer.qt.palette import category_color

    widget = pg.PlotWidget()
    widget.resize(1200, 800)
    widget.show()
    _process_events()
    try:
        start = time.perf_counter()
        brushes = {int(c): pg.mkBrush(category_color(int(c))) for c in np.unique(labels)}
        item = pg.ScatterPlotItem(x=coords[:, 0], y=coords[:, 1], size=3, pen=None,
                                  brush=[brushes[int(c)] for c in labels])
        widget.addItem(item)
        widget.viewport().repaint()
        load = time.perf_counter() - start
        frames = frame_times(widget, steps)
        return {"load_s": load, "frames": frames}
    finally:
        widget.close()
        widget.deleteLater()
        _process_events()


def napari_display(coords: np.ndarray, labels: np.ndarray, steps: int) -> dict[str, Any]:
    """napari's points layer: add_points + first draw, then camera steps + redraw."""
    import napari

    from latent_explorer.qt.palette import category_color

    viewer = napari.Viewer(show=True)
    try:
        window = viewer.window._qt_window
        window.resize(1200, 800)
        _process_events(10)
        canvas = viewer.window._qt_viewer.canvas
        scene_canvas = canvas._scene_canvas

        def draw() -> None:
            # render() draws the whole scene into a framebuffer and reads it back, so the time
            # is the real drawing time (a bare repaint() of the GL widget may draw nothing).
            scene_canvas.render()

        palette = np.array([category_color(int(c)).getRgbF() for c in range(int(labels.max()) + 1)])
        start = time.perf_counter()
        # napari draws (row, col); give it (y, x) so the picture matches ours.
        viewer.add_points(coords[:, ::-1], face_color=palette[labels], size=0.01,
                          border_width=0)
        _process_events()
        draw()
        load = time.perf_counter() - start
        viewer.reset_view()
        draw()
        scene = getattr(viewer, "scene", None)
        camera = scene.camera if scene is not None and hasattr(scene, "camera") else viewer.camera
        zoom0, centre0 = camera.zoom, np.asarray(camera.center)
        frames = []
        steps = min(steps, 4 if len(coords) >= FULL else 12)  # seconds per frame at 1M on Mesa
        for i in range(steps):
            scale = 0.82 ** min(i, steps // 2) if i < steps * 3 // 4 else 0.82 ** (steps - i)
            start = time.perf_counter()
            camera.zoom = zoom0 / scale
            camera.center = tuple(centre0[-2:] + 0.01 * (i % 5))
            draw()
            frames.append((time.perf_counter() - start) * 1000.0)
        return {"load_s": load, "frames": frames}
    finally:
        viewer.close()


def _napari_child(sizes: list[int], steps: int) -> dict[str, Any]:
    """Runs in the xvfb child: ours and napari's at each size, under the same display."""
    _app()
    out: dict[str, Any] = {}
    for n in sizes:
        latents, labels = clustered_latents(n, 2, seed=3)
        coords = latents[:, :2]
        ours = ours_display(coords, labels, steps)
        theirs = napari_display(coords, labels, steps)
        out[str(n)] = {
            "ours_load_s": ours["load_s"], "ours_frame_ms": float(np.median(ours["frames"])),
            "napari_load_s": theirs["load_s"],
            "napari_frame_ms": float(np.median(theirs["frames"])),
        }
    return out


def _tag(n: int) -> str:
    return "1m" if n == FULL else f"{n // 1000}k"


def napari_ratios(sizes: list[int], steps: int) -> dict[str, Any]:
    """Run the napari comparison in a child under ``xvfb-run``; keys say why when skipped."""
    import importlib.util

    if importlib.util.find_spec("napari") is None:
        return {"napari_note": "napari not installed: napari keys skipped "
                               "(pip install napari to measure it; it is not a dependency)"}
    command = [sys.executable, "-m", "latent_explorer.bench.scale", _NAPARI_FLAG,
               ",".join(str(n) for n in sizes), str(steps)]
    env = dict(os.environ)
    if not env.get("DISPLAY"):
        if shutil.which("xvfb-run") is None:
            return {"napari_note": "napari needs a display: install xvfb (xvfb-run) to measure"}
        command = ["xvfb-run", "-a", "-s", "-screen 0 1600x1000x24", *command]
    env["QT_QPA_PLATFORM"] = "xcb"
    proc = subprocess.run(command, env=env, capture_output=True, text=True, timeout=1800,
                          check=False)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        return {"napari_note": f"napari run failed: {proc.stderr.strip()[-600:]}"}
    data = json.loads(lines[-1])
    results: dict[str, Any] = {}
    for n in sizes:
        row = data[str(n)]
        tag = _tag(n)
        results[f"speedup_vs_napari_load_{tag}"] = round(
            row["napari_load_s"] / row["ours_load_s"], 2)
        results[f"speedup_vs_napari_frame_{tag}"] = round(
            row["napari_frame_ms"] / row["ours_frame_ms"], 2)
        results[f"napari_{tag}_detail"] = {k: round(v, 4) for k, v in row.items()}
    results["napari_note"] = "ours vs napari measured in one child under xvfb-run (xcb, Mesa)"
    return results


def map_from_disk(latents_path: Path, labels_path: Path) -> tuple[Any, np.ndarray, float]:
    """Open latents on disk, project them with a sample-fitted PCA and draw the map.

    Returns the view, the coordinates and the seconds from the files to the first frame.
    """
    from latent_explorer.core.compute.latent_store import quick_pca_map

    start = time.perf_counter()
    latents = np.load(latents_path, mmap_mode="r")
    labels = np.load(labels_path)
    coords = quick_pca_map(latents)
    view = _map_view()
    view.set_points(coords, labels)
    view.viewport().repaint()
    return view, coords, time.perf_counter() - start


def _load_child(folder: str) -> dict[str, Any]:
    """Runs in a fresh process: files -> map drawn, then the peak memory of the whole app."""
    _app()
    view, _, load = map_from_disk(Path(folder) / "latents.npy", Path(folder) / "labels.npy")
    mode = view.cloud.mode
    view.wait_index(60.0)
    view.viewport().repaint()
    frame_times(view, 10)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    return {"load_s": load, "mode": mode, "peak_rss_mb": peak, "note": view.status_note}


def bench_map(quick: bool) -> dict[str, Any]:
    """Load, frames and hover at a million points (100k in quick mode), and the naive peer."""
    n = SMALL if quick else FULL
    steps = 12 if quick else 40
    tag = _tag(n)
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="le-scale-") as tmp:
        latents, labels = clustered_latents(n, 64)
        np.save(Path(tmp) / "latents.npy", latents)
        np.save(Path(tmp) / "labels.npy", labels)
        del latents
        # In a fresh process, so the load time and the peak memory are the app's alone.
        proc = subprocess.run([sys.executable, "-m", "latent_explorer.bench.scale",
                               _LOAD_FLAG, tmp], capture_output=True, text=True, timeout=600,
                              check=False)
        lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
        if proc.returncode != 0 or not lines:
            raise RuntimeError(f"the load benchmark failed: {proc.stderr[-2000:]}")
        child = json.loads(lines[-1])
        results[f"map_{tag}_load_s"] = round(child["load_s"], 3)
        results[f"map_{tag}_mode_zoomed_out"] = child["mode"]
        results[f"peak_rss_{tag}_mb"] = round(child["peak_rss_mb"], 1)
        from latent_explorer.core.compute.latent_store import quick_pca_map

        coords = quick_pca_map(np.load(Path(tmp) / "latents.npy", mmap_mode="r"))
    _app()
    ours = ours_display(coords, labels, steps)
    results[f"map_{tag}_frame_p95_ms"] = _percentile(ours["frames"], 95)
    results[f"map_{tag}_frame_p50_ms"] = _percentile(ours["frames"], 50)
    results[f"hover_{tag}_ms"] = _percentile(ours["hover"], 95)
    for size in ([SMALL] if quick else [SMALL, FULL]):
        sub_coords, sub_labels = coords[:size], labels[:size]
        mine = ours_display(sub_coords, sub_labels, steps) if size != n else ours
        naive = naive_display(sub_coords, sub_labels, 4 if size == FULL else 8)
        t = _tag(size)
        results[f"speedup_vs_naive_load_{t}"] = round(naive["load_s"] / mine["load_s"], 1)
        results[f"speedup_vs_naive_frame_{t}"] = round(
            float(np.median(naive["frames"]) / np.median(mine["frames"])), 1)
        results[f"naive_{t}_detail"] = {"load_s": round(naive["load_s"], 3),
                                        "frame_ms": round(float(np.median(naive["frames"])), 1),
                                        "ours_frame_ms": round(float(np.median(mine["frames"])), 2)}
    results.update(napari_ratios([SMALL] if quick else [SMALL, FULL], steps))
    return results


def bench_umap(quick: bool) -> dict[str, Any]:
    """UMAP in a fresh child, the same fit in the warm child, and placing 1M further points."""
    from latent_explorer.core.projection import ProjectionParams, fit_projection
    from latent_explorer.core.projection.umap_projector import enable_warm_umap, shutdown_warm_umap

    n = 10_000 if quick else 70_000
    tag = f"{n // 1000}k"
    latents, _ = clustered_latents(n, 32, seed=2)
    enable_warm_umap(warm_up=False)
    try:
        start = time.perf_counter()
        projector = fit_projection(latents, ProjectionParams("umap", 2, seed=0))
        first = time.perf_counter() - start
        start = time.perf_counter()
        fit_projection(latents, ProjectionParams("umap", 2, seed=1))
        warm = time.perf_counter() - start
    finally:
        shutdown_warm_umap()
    more, _ = clustered_latents(100_000 if quick else FULL, 32, seed=2)
    start = time.perf_counter()
    for begin in range(0, len(more), 65_536):
        projector.transform(more[begin : begin + 65_536])
    place = time.perf_counter() - start
    return {f"umap_{tag}_first_s": round(first, 2), f"umap_{tag}_warm_s": round(warm, 2),
            f"umap_transform_{_tag(len(more))}_s": round(place, 2)}


def bench_encode(quick: bool) -> dict[str, Any]:
    """Images encoded per second: the demo model on digits, and a conv encoder on 64x64."""
    from latent_explorer.core.compute.distributed import encode_fast, reference_encoder_64
    from latent_explorer.core.datasets import load_dataset
    from latent_explorer.core.datasets.base import ArrayDataset
    from latent_explorer.core.models import load_model

    digits = load_dataset("digits")
    reps = 4 if quick else 30
    images = np.tile(digits.images, (reps, 1, 1, 1))
    dataset = ArrayDataset("digits tiled", "bench", images)
    model = load_model("demo")
    encode_fast(model, ArrayDataset("warm", "bench", digits.images[:256]))
    start = time.perf_counter()
    encode_fast(model, dataset)
    demo_rate = len(dataset) / (time.perf_counter() - start)
    conv = reference_encoder_64()
    count = 512 if quick else 4096
    rng = np.random.default_rng(0)
    big = ArrayDataset("noise64", "bench", rng.integers(0, 256, (count, 64, 64, 3), dtype=np.uint8))
    encode_fast(conv, ArrayDataset("warm", "bench", big.images[:64]))
    start = time.perf_counter()
    encode_fast(conv, big)
    conv_rate = count / (time.perf_counter() - start)
    return {"encode_images_per_s": round(demo_rate), "encode_images_per_s_64px": round(conv_rate)}


def bench_scale(quick: bool = False) -> dict[str, Any]:
    """All scale figures (see the module docs); ``quick`` uses 100k points and smaller fits."""
    results = bench_map(quick)
    results.update(bench_encode(quick))
    results.update(bench_umap(quick))
    return results


def main(argv: list[str] | None = None) -> int:
    """``python -m latent_explorer.bench.scale [--quick] [--only map,umap,encode]``."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == _LOAD_FLAG:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        print(json.dumps(_load_child(args[1])), flush=True)
        return 0
    if args and args[0] == _NAPARI_FLAG:
        sizes = [int(v) for v in args[1].split(",")]
        print(json.dumps(_napari_child(sizes, int(args[2]))), flush=True)
        return 0
    if not os.environ.get("DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    quick = "--quick" in args
    only = next((a.split("=", 1)[1] for a in args if a.startswith("--only=")), "")
    groups = {"map": bench_map, "encode": bench_encode, "umap": bench_umap}
    chosen = only.split(",") if only else list(groups)
    results: dict[str, Any] = {}
    for name in chosen:
        results.update(groups[name](quick))
        print(json.dumps(results), file=sys.stderr, flush=True)
    print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

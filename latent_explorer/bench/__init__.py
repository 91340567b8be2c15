"""``latent-explorer bench``: the speed figures the product promises, measured for real.

Each benchmark group returns a dict of keys; the command prints them as a table, or as one JSON
object with ``--json``. GUI figures are measured inside a real Qt event loop (offscreen when no
screen is available).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from typing import Any

GOALS = {
    "slider_latency_ms": "p50 <= 8, p95 <= 16",
    "slider_latency_64px_ms": "p95 <= 33",
    "probe_latency_ms": "p95 <= 16 (70k points, UMAP)",
    "ui_block_ms": "max <= 50 while UMAP runs",
    "window_visible_s": "<= 1.5",
    "first_decode_visible_s": "<= 4",
    "quit_on_sigterm_s": "<= 2 (while a t-SNE map is computed)",
    "quit_on_sigterm_looking_s": "<= 2 (while a model file is looked at)",
    "render_mp4_300x512_s": "<= 5",
    "lasso_1m_ms": "<= 200",
    "recolor_1m_ms": "<= 150",
    "knn_1m_ms": "<= 50",
    "map_1m_load_s": "<= 3",
    "map_1m_frame_p95_ms": "<= 50",
    "hover_1m_ms": "<= 5",
    "speedup_vs_naive_frame_1m": ">= 5",
    "speedup_vs_napari_load_1m": "> 1",
    "speedup_vs_napari_frame_1m": "> 1",
    "gl_frame_ms_100k": "<= 33 (orbiting, software OpenGL)",
    "probe_preview_heavy_ms": "p95 <= 16 (decoder >= 300 ms per image)",
    "ui_block_heavy_ms": "max <= 50 while dragging with that decoder",
    "autosave_1m_ui_block_ms": "max <= 50 (1M-point map, five named selections)",
    "atlas_8x8_taesd256_s": "report",
    "train_epoch_10k_s": "<= 20 (2 cores)",
    "vectors_1m_frame_p95_ms": "<= 50",
    "encode_folder_1k_photos_s": "report (open at 256 px + encode)",
    "decode_speedup_taesd256": ">= 1.5 (fastest exact CPU path / eager)",
    "decode_stylegan2_256_ms": "report (real widths; GFLOP/s beside the matmul peak)",
    "decode_stylegan3_256_ms": "report (real widths; GFLOP/s beside the matmul peak)",
    "probe_preview_stylegan256_ms": "p95 <= 16 (dragging over a map of seeds)",
    "ui_block_stylegan_ms": "max <= 50 while dragging with a 256 px StyleGAN2",
    "render_120x256_stylegan2_s": "report (a 120-frame seed walk to MP4)",
}


def bench_render(quick: bool = False) -> dict[str, Any]:
    """Render 300 frames at 512x512 with the demo model to MP4 (and GIF), headless."""
    import tempfile
    from pathlib import Path

    import numpy as np

    from latent_explorer.core.export.render import render_path
    from latent_explorer.core.models import load_model

    model = load_model("demo")
    anchors = np.random.default_rng(0).standard_normal((4, model.latent_dim)).astype(np.float32)
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="le-render-") as tmp:
        render_path(model, anchors, Path(tmp) / "warm.mp4", frames=30, size=512)  # warm-up
        runs = []
        for _ in range(1 if quick else 3):
            start = time.perf_counter()
            report = render_path(model, anchors, Path(tmp) / "walk.mp4", frames=300, loop=True,
                                 size=512)
            runs.append((time.perf_counter() - start, report))
        took, report = sorted(runs, key=lambda r: r[0])[len(runs) // 2]
        results["render_mp4_300x512_s"] = round(took, 3)
        results["render_decode_fps"] = round(report.decode_fps, 1)
        results["render_mp4_encode_fps"] = round(report.encode_fps, 1)
        start = time.perf_counter()
        gif = render_path(model, anchors, Path(tmp) / "walk.gif", frames=300, loop=True, size=512)
        results["render_gif_300x512_s"] = round(time.perf_counter() - start, 3)
        results["render_gif_encode_fps"] = round(gif.encode_fps, 1)
    return results


def machine_description() -> str:
    """CPU, core count and Python version of this machine, for the README table."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{cpu}, {cores} cores, Python {platform.python_version()}, {platform.system()}"


def _groups() -> dict[str, Callable[[bool], dict[str, Any]]]:
    def window(quick: bool) -> dict[str, Any]:
        from latent_explorer.bench.window import bench_window

        return bench_window(quick)

    def startup(quick: bool) -> dict[str, Any]:
        from latent_explorer.bench.looking import bench_quit_while_looking
        from latent_explorer.bench.shutdown import bench_quit_on_sigterm
        from latent_explorer.bench.window import bench_cold_start

        return {**bench_cold_start(quick), **bench_quit_on_sigterm(quick),
                **bench_quit_while_looking(quick)}

    def analysis(quick: bool) -> dict[str, Any]:
        from latent_explorer.bench.analysis import bench_analysis

        return bench_analysis(quick)

    def heavy(quick: bool) -> dict[str, Any]:
        from latent_explorer.bench.heavy import bench_heavy

        return bench_heavy(quick)

    def scale(quick: bool) -> dict[str, Any]:
        from latent_explorer.bench.scale import bench_scale

        return bench_scale(quick)

    def train(quick: bool) -> dict[str, Any]:
        from latent_explorer.bench.train import bench_train

        return bench_train(quick)

    def vectors(quick: bool) -> dict[str, Any]:
        from latent_explorer.bench.vectors import bench_vectors

        return bench_vectors(quick)

    def data(quick: bool) -> dict[str, Any]:
        from latent_explorer.bench.data import bench_data

        return bench_data(quick)

    def autosave(quick: bool) -> dict[str, Any]:
        from latent_explorer.bench.autosave import bench_autosave

        return bench_autosave(quick)

    def models(quick: bool) -> dict[str, Any]:
        from latent_explorer.bench.models import bench_models

        return bench_models(quick)

    def stylegan(quick: bool) -> dict[str, Any]:
        from latent_explorer.bench.stylegan import bench_stylegan

        return bench_stylegan(quick)

    return {"window": window, "startup": startup, "render": bench_render, "analysis": analysis,
            "gl": bench_3d, "scale": scale, "heavy": heavy, "train": train,
            "vectors": vectors, "data": data, "models": models, "autosave": autosave,
            "stylegan": stylegan}


def bench_3d(quick: bool = False) -> dict[str, Any]:
    """Frame times of the 3-D map while orbiting (needs OpenGL: a display or ``xvfb-run``).

    Without OpenGL (e.g. on the offscreen platform) nothing is measured and ``gl_renderer``
    says why, so the other groups still report.
    """
    from latent_explorer.bench.gl import bench_gl
    from latent_explorer.qt.app import make_application
    from latent_explorer.qt.gl_support import opengl_available

    make_application()
    ok, reason = opengl_available()
    if not ok:
        return {"gl_renderer": f"not measured: {reason} (run under xvfb-run or on a display)"}
    if quick:
        return bench_gl(counts=(100_000,), frames=5)
    return bench_gl()


DEFAULT_GROUPS = ("window", "startup", "render", "analysis", "gl", "heavy", "train",
                  "data", "models", "autosave", "stylegan")
"""What plain ``bench`` runs; ``--scale`` adds the ten-minute ``scale`` group."""


def run_bench(args: argparse.Namespace) -> int:
    """Run the selected benchmark groups and print the results."""
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    groups = _groups()
    if args.only:
        chosen = [g.strip() for g in args.only.split(",")]
    else:
        chosen = [*DEFAULT_GROUPS, *(["scale"] if getattr(args, "scale", False) else [])]
    unknown = [g for g in chosen if g not in groups]
    if unknown:
        from latent_explorer.core.errors import SpecError

        raise SpecError(f"unknown benchmark group {', '.join(unknown)}; "
                        f"choose from {', '.join(groups)}")
    results: dict[str, Any] = {"machine": machine_description(),
                               "date": time.strftime("%Y-%m-%d")}
    for name in chosen:
        print(f"running {name} ...", file=sys.stderr, flush=True)
        start = time.perf_counter()
        found = groups[name](bool(args.quick))
        results.update(found)
        # A line as each group ends: a whole run takes many minutes, more on a busy machine.
        print(group_line(name, found, time.perf_counter() - start), file=sys.stderr,
              flush=True)
    if args.json:
        print(json.dumps(results, indent=None, sort_keys=False))
    else:
        print(format_table(results))
    return 0


def group_line(name: str, found: dict[str, Any], seconds: float) -> str:
    """One line for a group that just finished: its name, how long it took, its figures."""
    figures = "; ".join(f"{key} {_text(value)}" for key, value in found.items())
    return f"{name} done in {seconds:.0f} s: {figures or 'nothing measured'}"


def _text(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k} {v:.2f}" if isinstance(v, float) else f"{k} {v}"
                         for k, v in value.items())
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def format_table(results: dict[str, Any]) -> str:
    """A readable two-column table of ``results`` with goals beside the figures."""
    rows = []
    for key, value in results.items():
        rows.append((key, _text(value), GOALS.get(key, "")))
    width = max(len(r[0]) for r in rows)
    vwidth = max(len(r[1]) for r in rows)
    lines = [f"{'benchmark'.ljust(width)}  {'result'.ljust(vwidth)}  goal"]
    lines.append("-" * (width + vwidth + 20))
    for key, text, goal in rows:
        lines.append(f"{key.ljust(width)}  {text.ljust(vwidth)}  {goal}")
    return "\n".join(lines)

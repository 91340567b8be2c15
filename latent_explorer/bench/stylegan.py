"""The ``stylegan`` benchmark group: StyleGAN2 and StyleGAN3 generators of the real size.

The networks are 256 px generators with the real channel widths (StyleGAN2: ``channel_base``
16384, StyleGAN3-T: 32768, ``channel_max`` 512, 512-wide ``z`` and ``w``, an 8-layer mapping
network) and random weights (a decode costs the same whatever the weights), built by
:func:`~latent_explorer.core.models.families.stylegan.random_networks.random_stylegan` through
the builder a real snapshot goes through. Each decode figure has the work done beside it:
the GFLOP of one image (counted by torch's FLOP counter), the GFLOP/s achieved and the
machine's measured matmul peak, so a slow figure says whether the machine or the code is slow.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from latent_explorer.bench.heavy import _decode_ms, drag_with_previews
from latent_explorer.bench.window import _make_window

GENERATIONS = {"stylegan2": "StyleGAN2", "stylegan3": "StyleGAN3-T"}
"""Benchmark key -> the generation measured."""
SIDE = 256


def matmul_peak_gflops(size: int = 2048, runs: int = 5) -> float:
    """The best GFLOP/s of a ``size`` x ``size`` float32 matmul on all of torch's threads."""
    import torch

    a = torch.randn(size, size)
    b = torch.randn(size, size)
    a @ b  # warm-up
    best = float("inf")
    for _ in range(runs):
        began = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - began)
    return 2 * size**3 / best / 1e9


def synthesis_gflop(model: Any) -> float:
    """The GFLOP of one image through ``model``'s synthesis network (torch's counter: 2 per
    multiply-add of convolutions and matmuls; the elementwise work is left out)."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    ws = torch.from_numpy(model.sample_latents(1, seed=0)).unsqueeze(1)
    ws = ws.repeat(1, model.num_ws, 1)
    counter = FlopCounterMode(display=False)
    with torch.inference_mode(), counter:
        model.generator.synthesis(ws, noise_mode="const")
    return float(counter.get_total_flops()) / 1e9


def bench_decode(quick: bool = False) -> dict[str, Any]:
    """``decode_<generation>_256_ms`` for StyleGAN2 and StyleGAN3-T, with the work done."""
    import torch

    from latent_explorer.core.models.families.stylegan.random_networks import random_stylegan

    peak = matmul_peak_gflops()
    results: dict[str, Any] = {"matmul_peak_gflops": round(peak, 1),
                               "stylegan_threads": torch.get_num_threads()}
    for key, generation in GENERATIONS.items():
        model = random_stylegan(generation, SIDE)
        ms = _decode_ms(model, 1 if quick else 3)
        gflop = synthesis_gflop(model)
        achieved = gflop / (ms / 1000.0)
        results[f"decode_{key}_256_ms"] = round(ms, 1)
        results[f"decode_{key}_256_work"] = (
            f"{gflop:.1f} GFLOP per image, {achieved:.1f} GFLOP/s achieved "
            f"({100 * achieved / peak:.0f}% of the {peak:.1f} GFLOP/s matmul peak), eager "
            "PyTorch")
    return results


def _seed_workspace(model: Any, count: int) -> Any:
    """The map the window shows for a snapshot opened alone: the ``w`` of ``count`` seeds."""
    from latent_explorer.core.analysis.latent_stats import compute_latent_stats
    from latent_explorer.core.compute.pipeline import Workspace
    from latent_explorer.core.compute.prior_map import prior_dataset
    from latent_explorer.core.projection import fit_projection
    from latent_explorer.core.projection.base import ProjectionParams

    dataset, latents = prior_dataset(model, count)  # a 256 px network: no pictures up front
    return Workspace(dataset, model, latents, f"bench-stylegan-{count}",
                     fit_projection(latents, ProjectionParams("pca", 2)),
                     compute_latent_stats(latents))


def bench_stylegan_window(quick: bool = False) -> dict[str, Any]:
    """``probe_preview_stylegan256_ms`` and ``ui_block_stylegan_ms``: dragging the probe
    across a map of StyleGAN2 seeds (the atlas's previews while the true pictures decode)."""
    from latent_explorer.core.models.families.stylegan.random_networks import random_stylegan

    model = random_stylegan("StyleGAN2", SIDE)
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="le-stylegan-") as tmp:
        window = _make_window(Path(tmp))
        try:
            window._install_workspace(_seed_workspace(model, 500), None, None)
            found = drag_with_previews(window, 15 if quick else 60)
            results["probe_preview_stylegan256_ms"] = found["probe_preview"]
            results["probe_preview_stylegan256_gui_cpu_ms"] = found["gui_cpu"]
            results["probe_preview_stylegan256_shown"] = found["shown"]
            results["ui_block_stylegan_ms"] = found["ui_block"]
            results["atlas_grid_stylegan256"] = found["atlas_grid"]
        finally:
            window.close()
    return results


def bench_stylegan_render(quick: bool = False) -> dict[str, Any]:
    """``render_120x256_stylegan2_s``: a looping walk through four seeds' ``w`` (lerp in W),
    120 frames at 256 px to MP4 (12 frames with ``quick``, named so)."""
    from latent_explorer.core.export.render import render_path
    from latent_explorer.core.models.families.stylegan.random_networks import random_stylegan

    frames = 12 if quick else 120
    model = random_stylegan("StyleGAN2", SIDE)
    anchors = model.seed_z([1, 2, 3, 4])
    anchors = model.map_z(anchors)
    model.decode(anchors[:1])  # warm-up
    with tempfile.TemporaryDirectory(prefix="le-stylegan-render-") as tmp:
        began = time.perf_counter()
        report = render_path(model, anchors, Path(tmp) / "seeds.mp4", interp="lerp",
                             frames=frames, loop=True, size=SIDE)
        took = time.perf_counter() - began
    return {f"render_{frames}x256_stylegan2_s": round(took, 1),
            "render_stylegan2_decode_ms_per_frame": round(
                1000 * report.decode_seconds / frames, 1)}


def bench_stylegan(quick: bool = False) -> dict[str, Any]:
    """The ``stylegan`` group: decode speed, the window while dragging, a seed walk video."""
    results = bench_decode(quick)
    results.update(bench_stylegan_window(quick))
    results.update(bench_stylegan_render(quick))
    return results

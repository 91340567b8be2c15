"""The ``models`` benchmark group: decoding a TAESD-size decoder on the CPU, and a video.

The decoder has the real TAESD layout and size (4 latent channels, 8x, 1.2 M weights) with
random weights, saved as a user's ``taesd_decoder.pth`` and opened with ``load_model``. It is
timed on each CPU path (eager PyTorch, channels-last, ONNX Runtime; with 1 thread and with all
threads), then through the path the app picks, and rendering 300 frames to MP4.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np


def _median_ms(run: Any, z: Any, repeats: int) -> float:
    run(z)  # warm-up
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        run(z)
        times.append((time.perf_counter() - began) * 1000)
    return float(np.median(times))


def _decoder_file(folder: Path) -> Path:
    import torch

    from latent_explorer.core.models.families.taesd import decoder_layers
    from latent_explorer.core.models.families.taesd_net import build

    torch.manual_seed(0)
    path = folder / "taesd_decoder.pth"
    torch.save(build(decoder_layers(4, 8, False), 3.0).state_dict(), path)
    return path


def bench_models(quick: bool = False) -> dict[str, Any]:
    """Decode times at 256 and 512 pixels per path, the speed-up, and a 256-pixel render."""
    import torch

    from latent_explorer.core.models import load_model
    from latent_explorer.core.models.families.fast_decode import (
        DECODE_ENV,
        PATHS,
        onnxruntime_available,
        path_runner,
    )

    repeats = 3 if quick else 7
    results: dict[str, Any] = {}
    saved_env = {k: os.environ.get(k) for k in (DECODE_ENV, "LATENT_EXPLORER_CACHE")}
    threads = torch.get_num_threads()
    with tempfile.TemporaryDirectory(prefix="le-models-") as tmp:
        os.environ["LATENT_EXPLORER_CACHE"] = str(Path(tmp) / "cache")
        try:
            path = _decoder_file(Path(tmp))
            os.environ[DECODE_ENV] = "eager"
            model: Any = load_model(path, image_size=256)
            network = model.network["decoder"]
            names = [n for n in PATHS if n != "onnxruntime" or onnxruntime_available()]
            for size in (256, 512):
                z = torch.randn(1, 4, size // 8, size // 8)
                with torch.inference_mode():
                    for name in names:
                        run = path_runner(name, network, z, lambda: "bench")
                        ms = _median_ms(run, z, repeats)
                        results[f"decode_{name}_taesd{size}_ms"] = round(ms, 1)
                    torch.set_num_threads(1)
                    try:
                        results[f"decode_eager_1thread_taesd{size}_ms"] = round(
                            _median_ms(network, z, max(2, repeats // 2)), 1)
                    finally:
                        torch.set_num_threads(threads)
            results["decode_taesd256_ms"] = results["decode_eager_taesd256_ms"]
            results.update(_chosen_path(path, repeats))
            results.update(_render(path, quick))
        finally:
            for key, value in saved_env.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
    results["decode_threads"] = threads
    return results


def _chosen_path(path: Path, repeats: int) -> dict[str, Any]:
    """What the app picks on its own (``auto``), and its speed-up over eager at 256 px."""
    from latent_explorer.core.models import load_model
    from latent_explorer.core.models.families.fast_decode import DECODE_ENV

    os.environ[DECODE_ENV] = "auto"
    model = load_model(path, image_size=256)
    z = np.random.default_rng(0).standard_normal((1, model.latent_dim)).astype(np.float32)
    began = time.perf_counter()
    model.decode(z)  # the first decode tries the paths (and exports ONNX once)
    first_s = time.perf_counter() - began
    fast_ms = _median_ms(model.decode, z, repeats)
    os.environ[DECODE_ENV] = "eager"
    eager = load_model(path, image_size=256)
    eager_ms = _median_ms(eager.decode, z, repeats)
    decoder: Any = getattr(model, "_raw_decode", None)
    return {
        "decode_path_taesd256": getattr(decoder, "path", "eager"),
        "decode_fast_taesd256_ms": round(fast_ms, 1),
        "decode_speedup_taesd256": round(eager_ms / fast_ms, 2),
        "decode_first_call_taesd256_s": round(first_s, 2),
    }


def _render(path: Path, quick: bool) -> dict[str, Any]:
    """300 frames (30 with ``quick``) at 256x256 through the decoder into an MP4."""
    from latent_explorer.core.export.render import render_path
    from latent_explorer.core.models import load_model
    from latent_explorer.core.models.families.fast_decode import DECODE_ENV

    frames = 30 if quick else 300
    os.environ[DECODE_ENV] = "auto"
    model = load_model(path, image_size=256)
    anchors = np.random.default_rng(1).standard_normal((4, model.latent_dim)).astype(np.float32)
    model.decode(anchors[:1])  # the path trial belongs to opening, not to the render
    out = path.parent / "walk.mp4"
    began = time.perf_counter()
    report = render_path(model, anchors, out, frames=frames, loop=True, size=256)
    took = time.perf_counter() - began
    return {
        f"render_{frames}x256_taesd_s": round(took, 2),
        "render_taesd_decode_ms_per_frame": round(1000 * report.decode_seconds / frames, 1),
    }

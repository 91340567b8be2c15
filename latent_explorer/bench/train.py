"""Training benchmark: one epoch of the VAE the window trains for 28x28 grey images.

- ``train_epoch_10k_s``: one pass over 10,000 images of 28x28 (grey, MNIST-sized), with the
  architecture, batch size and thread count that **Train a model on these images** uses for
  them (:func:`~latent_explorer.core.models.train_plan.plan_training`). The images are drawn
  strokes, not noise, so the loss falls as it would on digits; the time does not depend on
  what they show.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

COUNT = 10_000


def stroke_images(count: int, side: int = 28, seed: int = 0) -> np.ndarray:
    """``count`` grey ``(side, side, 1)`` uint8 images of one thick random line each."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:side, 0:side].astype(np.float32)
    images = np.empty((count, side, side, 1), dtype=np.uint8)
    for i in range(count):
        (x0, y0), (x1, y1) = rng.uniform(4, side - 4, (2, 2))
        dx, dy = x1 - x0, y1 - y0
        t = np.clip(((xx - x0) * dx + (yy - y0) * dy) / max(dx * dx + dy * dy, 1e-6), 0, 1)
        dist = np.hypot(xx - (x0 + t * dx), yy - (y0 + t * dy))
        images[i, ..., 0] = (np.clip(2.5 - dist, 0, 1) * 255).astype(np.uint8)
    return images


def bench_train(quick: bool = False) -> dict[str, Any]:
    """Time one training epoch over 10,000 28x28 images (the median of 3, 1 with quick)."""
    from latent_explorer.core.datasets.base import ArrayDataset
    from latent_explorer.core.models.train_plan import plan_training
    from latent_explorer.core.models.training import train_vae

    dataset = ArrayDataset("strokes", "bench", stroke_images(COUNT))
    plan = plan_training(dataset.image_shape, COUNT)
    runs = []
    for seed in range(1 if quick else 3):
        start = time.perf_counter()
        _, history = train_vae(dataset, plan.config, 1, plan.batch_size, plan.lr, seed)
        runs.append(time.perf_counter() - start)
    return {"train_epoch_10k_s": round(float(np.median(runs)), 2),
            "train_model": f"{plan.config.kind} {'-'.join(map(str, plan.config.hidden))}, "
                           f"latent {plan.config.latent_dim}, batch {plan.batch_size}",
            "train_epoch_loss": round(float(history.losses[-1]), 1)}

"""How many worker processes, and how large a chunk, a local Dask cluster may have here.

Each worker is a Python process of its own holding torch, the model and one chunk of images
at a time; 100,000 workers (or a chunk of a billion images) must be refused before a cluster
starts, not found out by the kernel.
"""

from __future__ import annotations

import math

from latent_explorer.core.errors import LatentExplorerError
from latent_explorer.core.memory_budget import memory_budget
from latent_explorer.core.sizes import format_size

WORKER_BYTES = 512 << 20
"""What one worker process holds before its first chunk: Python, torch, the model."""
_BYTES_PER_PIXEL = 9
"""A chunk's pixels as uint8, then as float32 twice (the batch and the network's input)."""


def check_local_cluster(workers: int, chunk: int, image_shape: tuple[int, ...]) -> None:
    """Refuse a local cluster of ``workers`` processes encoding ``chunk`` images each at once
    that would not fit in memory.

    Raises
    ------
    LatentExplorerError
        Saying how much it would need and how many workers would fit.
    """
    if workers < 1:
        raise LatentExplorerError(f"--workers must be at least 1, got {workers}")
    per_worker = WORKER_BYTES + chunk * math.prod(image_shape) * _BYTES_PER_PIXEL
    budget = memory_budget()
    if workers * per_worker > budget.size:
        fit = budget.size // per_worker
        raise LatentExplorerError(
            f"{workers:,} worker processes encoding {chunk:,} images at a time would need "
            f"{format_size(workers * per_worker)} of memory, more than the "
            f"{budget.describe()} one job may take here; "
            + (f"use at most {fit:,} workers" if fit else "use a smaller --chunk"))

"""A researcher's embeddings and metadata table, as they come: a category, a float score, a
date, free text, an integer id, a boolean flag, and a picture column that is empty on most rows.

Small (2,000 rows x 16 dims by default) so the tests stay lean; shaped like the 50,000 x 128
table of issue 25.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

SPECIES = ("ant", "bee", "cat", "dog", "eel")
PICTURE_EVERY = 97
"""Every this many rows has a picture; the others' picture cell is empty."""


def researcher_vectors(count: int = 2000, dim: int = 16, seed: int = 0) -> np.ndarray:
    """``(count, dim)`` float32 embeddings in five clusters (one per species)."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((len(SPECIES), dim)).astype(np.float32) * 5
    which = np.arange(count) % len(SPECIES)
    return (centres[which] + rng.standard_normal((count, dim)).astype(np.float32)).astype(
        np.float32)


def researcher_table(folder: Path | None = None, count: int = 2000, seed: int = 0) -> Any:
    """The metadata DataFrame: ``species`` (category), ``score`` (float), ``taken`` (a date,
    about 700 distinct days), ``caption`` (free text, a different one per row), ``id`` (whole
    numbers from 100,000), ``is_outlier`` (true/false) and, with ``folder``, ``picture`` (PNG
    files written there for every :data:`PICTURE_EVERY`-th row, empty elsewhere)."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    rows = np.arange(count)
    days = rng.integers(0, 700, count)
    frame = pd.DataFrame({
        "species": pd.Categorical([SPECIES[i % len(SPECIES)] for i in rows]),
        "score": rng.random(count),
        "taken": pd.Timestamp("2024-03-01") + pd.to_timedelta(days, unit="D"),
        "caption": [f"a photo of {SPECIES[i % len(SPECIES)]} number {i} by the river"
                    for i in rows],
        "id": (100_000 + rows).astype(np.int64),
        "is_outlier": rng.random(count) < 0.1,
    })
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        pictures: list[str | None] = []
        for i in rows:
            if i % PICTURE_EVERY:
                pictures.append(None)
                continue
            name = f"pic_{i}.png"
            colour = np.full((8, 8, 3), (i * 37) % 256, dtype=np.uint8)
            Image.fromarray(colour).save(folder / name)
            pictures.append(name)
        frame["picture"] = pd.Series(pictures, dtype=object)
    return frame

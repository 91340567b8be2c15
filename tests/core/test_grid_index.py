"""The grid index behind map hover and click: same answers as a brute-force search."""

from __future__ import annotations

import numpy as np

from latent_explorer.core.compute.grid_index import GridIndex, build_in_background


def _brute(coords: np.ndarray, x: float, y: float, rx: float, ry: float,
           visible: np.ndarray | None = None) -> int | None:
    d = ((coords[:, 0] - x) / rx) ** 2 + ((coords[:, 1] - y) / ry) ** 2
    if visible is not None:
        d = np.where(visible, d, np.inf)
    best = int(np.argmin(d))
    return best if d[best] <= 1.0 else None


def test_nearest_matches_brute_force_with_outliers_and_hidden_points() -> None:
    rng = np.random.default_rng(0)
    coords = rng.normal(size=(30_000, 2)).astype(np.float32)
    coords[:20] *= 50  # far outliers land in the clamped edge cells
    index = GridIndex.build(coords)
    assert sorted(index.order.tolist()) == list(range(len(coords)))
    visible = rng.random(len(coords)) > 0.3
    for _ in range(300):
        x, y = rng.normal(size=2) * 3
        rx, ry = rng.uniform(0.005, 0.5, size=2)
        assert index.nearest(x, y, rx, ry) == _brute(coords, x, y, rx, ry)
        assert index.nearest(x, y, rx, ry, visible) == _brute(coords, x, y, rx, ry, visible)
    x, y = (float(v) for v in coords[3])  # an outlier is found too
    assert index.nearest(x, y, 0.1, 0.1) == 3


def test_empty_and_tiny_inputs() -> None:
    assert GridIndex.build(np.zeros((0, 2))).nearest(0, 0, 1, 1) is None
    one = GridIndex.build(np.array([[1.0, 1.0]]))
    assert one.nearest(1.0, 1.0, 0.1, 0.1) == 0
    assert one.nearest(5.0, 5.0, 0.1, 0.1) is None


def test_build_in_background_calls_back() -> None:
    got: list[GridIndex] = []
    thread = build_in_background(np.random.default_rng(1).normal(size=(1000, 2)), got.append)
    thread.join(10)
    assert len(got) == 1 and len(got[0].order) == 1000

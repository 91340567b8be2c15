"""The built-in ``shapes`` dataset: coloured shapes on a dark background with known factors.

Every image is 32x32 RGB and shows one shape (circle, square, triangle, star or cross) whose
generating factors are kept as metadata columns, so the map can be coloured by each of them
and attribute directions can be checked against the truth:

``shape``
    The shape's name (also the label; ``label_names`` lists the five names).
``size``
    The shape's radius in pixels (5.5 .. 9): the circle's radius; the other shapes are
    scaled from it so that all look about equally large.
``rotation``
    Degrees, in ``[0, 360 / n)`` where ``n`` is the shape's rotational symmetry (90 for the
    square and cross, 120 for the triangle, 60 for the star), so every value is a distinct
    pose; always 0 for the circle.
``hue``
    The fill colour's hue in ``[0, 1)`` (saturation 0.85, value 0.95).
``x``, ``y``
    The shape's centre in pixels from the top-left corner (column, row), 12.5 .. 19.5.

Shapes are drawn from signed distances to their edges, with the coverage of each pixel taken
from the distance at its centre: edges are anti-aliased without supersampling, and 6,000
images take a fraction of a second. The same ``count`` and ``seed`` give identical images.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from latent_explorer.core.datasets.base import ArrayDataset
from latent_explorer.core.datasets.columns import as_columns

SHAPES_NAME = "shapes"
SHAPE_NAMES = ["circle", "square", "triangle", "star", "cross"]
"""Class names; the label of a shape is its index here."""
SIZE = 32
_SYMMETRY = {"circle": 0, "square": 4, "triangle": 3, "star": 6, "cross": 4}
_BACKGROUND = np.array([14.0, 14.0, 20.0], dtype=np.float32) / 255.0
_Floats = npt.NDArray[np.float32]


def load_shapes_dataset(count: int = 6000, seed: int = 0) -> ArrayDataset:
    """Generate the ``shapes`` dataset.

    Parameters
    ----------
    count
        Number of images; the five shapes occur equally often (up to one).
    seed
        Seeds every factor; equal seeds give equal datasets.

    Returns
    -------
    ArrayDataset
        ``(count, 32, 32, 3)`` uint8 images named and sourced ``"shapes"``, labelled by
        shape, with metadata columns ``shape``, ``size``, ``rotation``, ``hue``, ``x``, ``y``.
    """
    if count < 1:
        raise ValueError(f"count must be positive, got {count}")
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(count) % len(SHAPE_NAMES)).astype(np.int64)
    size = rng.uniform(5.5, 9.0, count).astype(np.float32)
    turn = rng.uniform(0.0, 1.0, count)
    hue = rng.uniform(0.0, 1.0, count).astype(np.float32)
    x = rng.uniform(12.5, 19.5, count).astype(np.float32)
    y = rng.uniform(12.5, 19.5, count).astype(np.float32)
    period = np.array([360.0 / n if n else 0.0 for n in _SYMMETRY.values()])
    rotation = (turn * period[labels]).astype(np.float32)

    images = render_shapes(labels, size, rotation, hue, x, y)
    metadata: dict[str, npt.NDArray[np.generic]] = {
        "shape": np.array(SHAPE_NAMES, dtype=str)[labels],
        "size": size,
        "rotation": rotation,
        "hue": hue,
        "x": x,
        "y": y,
    }
    return ArrayDataset(
        name=SHAPES_NAME,
        source=SHAPES_NAME,
        images=images,
        labels=labels,
        label_names=list(SHAPE_NAMES),
        metadata=as_columns(metadata),
    )


def render_shapes(
    labels: npt.ArrayLike,
    size: npt.ArrayLike,
    rotation: npt.ArrayLike,
    hue: npt.ArrayLike,
    x: npt.ArrayLike,
    y: npt.ArrayLike,
) -> npt.NDArray[np.uint8]:
    """Draw shapes from their factors (see the module docstring for their meaning).

    Parameters
    ----------
    labels
        ``(n,)`` shape ids (indices into :data:`SHAPE_NAMES`).
    size, rotation, hue, x, y
        ``(n,)`` factors each.

    Returns
    -------
    numpy.ndarray
        ``(n, 32, 32, 3)`` uint8 images.
    """
    ids = np.asarray(labels, dtype=np.int64).reshape(-1)
    count = len(ids)
    factors = [np.broadcast_to(np.asarray(v, dtype=np.float32), (count,))
               for v in (size, rotation, hue, x, y)]
    size_, rotation_, hue_, x_, y_ = factors
    coverage = np.empty((count, SIZE * SIZE), dtype=np.float32)
    for label, name in enumerate(SHAPE_NAMES):
        rows = np.flatnonzero(ids == label)
        if len(rows):
            distance = _signed_distance(name, x_[rows], y_[rows], size_[rows], rotation_[rows])
            coverage[rows] = np.clip(0.5 - distance, 0.0, 1.0)
    colour = _hsv_to_rgb(hue_, 0.85, 0.95)
    images = np.empty((count, SIZE, SIZE, 3), dtype=np.uint8)
    for channel in range(3):
        # One channel at a time: broadcasting over a last axis of 3 is several times slower.
        low = np.float32(255.0 * _BACKGROUND[channel])
        span = (255.0 * colour[:, channel] - low)[:, None]
        values = low + np.float32(0.5) + coverage * span
        images[..., channel] = values.astype(np.uint8).reshape(count, SIZE, SIZE)
    return images


def _signed_distance(
    name: str, x: _Floats, y: _Floats, size: _Floats, rotation: _Floats
) -> _Floats:
    """Distance in pixels from each pixel centre to the shape's edge (negative inside).

    Returns ``(n, 1024)``. Polygons use the largest distance to their edge lines, exact
    inside and near the edges, which is all the anti-aliasing needs.
    """
    centres = np.arange(SIZE, dtype=np.float32) + np.float32(0.5)
    grid_y, grid_x = np.meshgrid(centres, centres, indexing="ij")
    dx = grid_x.reshape(1, -1) - x[:, None]
    dy = grid_y.reshape(1, -1) - y[:, None]
    theta = np.deg2rad(rotation).astype(np.float32)[:, None]
    cos, sin = np.cos(theta), np.sin(theta)
    # Rotate the pixel offsets by -rotation: the shape itself turns by +rotation.
    u = cos * dx + sin * dy
    v = -sin * dx + cos * dy
    r = size[:, None]
    if name == "circle":
        result = np.sqrt(u * u + v * v) - r
    elif name == "square":
        result = np.maximum(np.abs(u), np.abs(v)) - 0.85 * r
    elif name == "triangle":
        result = _polygon(u, v, 3, 1.35 * r, -np.pi / 2)
    elif name == "star":
        outer = 1.3 * r
        result = np.minimum(
            _polygon(u, v, 3, outer, -np.pi / 2), _polygon(u, v, 3, outer, np.pi / 2)
        )
    elif name == "cross":
        arm, half_width = 1.15 * r, 0.38 * r
        result = np.minimum(
            np.maximum(np.abs(u) - arm, np.abs(v) - half_width),
            np.maximum(np.abs(u) - half_width, np.abs(v) - arm),
        )
    else:
        raise ValueError(f"unknown shape {name!r}")
    return np.asarray(result, dtype=np.float32)


def _polygon(u: _Floats, v: _Floats, sides: int, radius: _Floats, vertex: float) -> _Floats:
    """Signed distance to a regular polygon with circumradius ``radius``.

    ``vertex`` is the angle of one corner (radians, image rows grow downwards).
    """
    apothem = radius * np.float32(np.cos(np.pi / sides))
    result: _Floats | None = None
    for i in range(sides):
        # Edge normals point half-way between neighbouring corners.
        angle = vertex + np.pi / sides + 2.0 * np.pi * i / sides
        edge = u * np.float32(np.cos(angle)) + v * np.float32(np.sin(angle)) - apothem
        result = edge if result is None else np.maximum(result, edge)
    assert result is not None
    return result


def _hsv_to_rgb(hue: _Floats, saturation: float, value: float) -> _Floats:
    """``(n, 3)`` RGB in [0, 1] for hues in [0, 1) at a fixed saturation and value."""
    k = (np.array([5.0, 3.0, 1.0], dtype=np.float32) + hue[:, None] * 6.0) % 6.0
    weight = np.clip(np.minimum(k, 4.0 - k), 0.0, 1.0)
    return (value - value * saturation * weight).astype(np.float32)

"""The built-in shapes dataset and the bundled demo-shapes model."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

from latent_explorer.core.datasets import BUILTIN_LOADERS, load_dataset
from latent_explorer.core.datasets.shapes import SHAPE_NAMES, load_shapes_dataset, render_shapes
from latent_explorer.core.models import BUNDLED_MODELS, load_model


def test_shapes_dataset_shape_labels_and_metadata() -> None:
    start = time.perf_counter()
    data = load_dataset("shapes")
    elapsed = time.perf_counter() - start
    assert "shapes" in BUILTIN_LOADERS
    assert data.name == data.source == "shapes"
    assert data.images.shape == (6000, 32, 32, 3) and data.images.dtype == np.uint8
    assert data.label_names == SHAPE_NAMES
    assert data.labels is not None
    assert np.bincount(data.labels).tolist() == [1200] * 5
    assert set(data.metadata) == {"shape", "size", "rotation", "hue", "x", "y"}
    assert data.metadata["shape"].tolist() == [SHAPE_NAMES[i] for i in data.labels]
    size, rotation, hue = (np.asarray(data.metadata[k]) for k in ("size", "rotation", "hue"))
    assert size.min() >= 5.5 and size.max() <= 9.0
    assert hue.min() >= 0.0 and hue.max() < 1.0
    assert np.all(rotation[data.labels == 0] == 0.0)
    assert rotation[data.labels == 3].max() < 60.0  # the star repeats every 60 degrees
    for axis in ("x", "y"):
        assert np.asarray(data.metadata[axis]).min() >= 12.5
        assert np.asarray(data.metadata[axis]).max() <= 19.5
    print(f"\nshapes: 6,000 images in {elapsed:.2f} s")


def test_shapes_are_deterministic_and_seeded() -> None:
    a, b = load_shapes_dataset(50, seed=3), load_shapes_dataset(50, seed=3)
    assert np.array_equal(a.images, b.images) and a.fingerprint() == b.fingerprint()
    assert not np.array_equal(a.images, load_shapes_dataset(50, seed=4).images)
    assert np.array_equal(load_shapes_dataset().images[:50], load_shapes_dataset(6000).images[:50])
    with pytest.raises(ValueError, match="count"):
        load_shapes_dataset(0)


def test_rendered_shapes_sit_where_their_factors_say() -> None:
    image = render_shapes([0], 6.0, 0.0, 0.0, 10.0, 20.0)[0].astype(float)
    assert image[0, 0].tolist() == [14, 14, 20]  # dark background
    assert image[20, 10].tolist() == [242, 36, 36]  # hue 0: red, in the centre (row y, col x)
    rows, cols = np.nonzero(image[..., 0] > 128)
    assert abs(rows.mean() + 0.5 - 20.0) < 0.3 and abs(cols.mean() + 0.5 - 10.0) < 0.3
    area = (image[..., 0] - 14) / (242 - 14)
    assert area.sum() == pytest.approx(np.pi * 36, rel=0.03)  # anti-aliased edge, exact area
    # Each shape looks different from the others at the same pose and colour.
    drawn = render_shapes(range(5), 8.0, 10.0, 0.5, 16.0, 16.0).astype(float)
    gaps = [np.abs(drawn[i] - drawn[j]).mean() for i in range(5) for j in range(i + 1, 5)]
    assert min(gaps) > 3.0


def _hue(rgb: np.ndarray) -> np.ndarray:
    high, low = rgb.max(-1), rgb.min(-1)
    delta = np.maximum(high - low, 1e-6)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    sector = np.where(high == r, ((g - b) / delta) % 6,
                      np.where(high == g, (b - r) / delta + 2, (r - g) / delta + 4))
    return sector / 6.0


def test_demo_shapes_model_reconstructs_shape_and_colour() -> None:
    """Reconstructions are nearest to the right shape drawn at the same pose and colour."""
    meta = json.loads(BUNDLED_MODELS["demo-shapes"].read_text(encoding="utf-8"))
    assert meta["training"]["command"].startswith("latent-explorer train --dataset shapes")
    assert (BUNDLED_MODELS["demo-shapes"].parent / "model.safetensors").stat().st_size < 2e6
    model = load_model("demo-shapes")
    assert model.source == "demo-shapes"
    data = load_shapes_dataset()
    assert model.image_shape == data.image_shape
    rows = np.arange(0, len(data), 10)
    originals = data.float_batch(0, len(data))[rows]
    decoded = model.decode(model.encode(originals))
    assert data.labels is not None
    truth = data.labels[rows]
    meta_rows = {k: data.metadata[k][rows] for k in ("size", "rotation", "hue", "x", "y")}
    errors = [
        np.mean((render_shapes(np.full(len(rows), label), **meta_rows) / 255.0 - decoded) ** 2,
                axis=(1, 2, 3))
        for label in range(len(SHAPE_NAMES))
    ]
    predicted = np.argmin(np.stack(errors), axis=0)
    per_shape = [float(np.mean(predicted[truth == s] == s)) for s in range(len(SHAPE_NAMES))]
    print(f"\ndemo-shapes: shape kept for {np.mean(predicted == truth):.1%}; per shape "
          + ", ".join(f"{n} {p:.0%}" for n, p in zip(SHAPE_NAMES, per_shape, strict=True)))
    assert np.mean(predicted == truth) >= 0.8
    inside = originals.max(axis=-1) > 0.5
    hue_in = _hue(np.stack([o[m].mean(0) for o, m in zip(originals, inside, strict=True)]))
    hue_out = _hue(np.stack([d[m].mean(0) for d, m in zip(decoded, inside, strict=True)]))
    gap = np.abs(hue_in - hue_out)
    gap = np.minimum(gap, 1.0 - gap)
    print(f"demo-shapes: mean hue error {gap.mean():.4f} (of a full turn 1.0)")
    assert gap.mean() < 0.03
    assert float(np.mean((decoded - originals) ** 2)) < 0.01

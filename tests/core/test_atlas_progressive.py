"""The decoded atlas builder and progressive decoding, tested without Qt and without sleeps."""

from __future__ import annotations

import os
import sys
import threading

import numpy as np
import pytest

from latent_explorer.core.compute.atlas import (
    AtlasBuilder,
    AtlasLevel,
    AtlasRequest,
    decode_level,
    grid_centres,
    shrink,
    tile_side,
)
from latent_explorer.core.compute.decoder import DecodeResult, LatestWinsDecoder, decode_one
from latent_explorer.core.compute.progressive import can_decode_reduced, decode_reduced, pooled
from latent_explorer.core.models.torch_adapter import TorchModel
from tests.core.fakes import LinearModel
from tests.core.spatial_models import spatial_conv_model


def _linear_inverse(model: LinearModel):  # type: ignore[no-untyped-def]
    def inverse(points: np.ndarray) -> np.ndarray:
        latents = np.zeros((len(points), model.latent_dim), dtype=np.float32)
        latents[:, :2] = points
        return latents

    return inverse


def test_grid_centres_run_left_to_right_and_top_to_bottom() -> None:
    centres = grid_centres((0.0, 0.0, 4.0, 2.0), 4)
    assert centres.shape == (4, 4, 2)
    np.testing.assert_allclose(centres[0, :, 0], [0.5, 1.5, 2.5, 3.5])
    np.testing.assert_allclose(centres[:, 0, 1], [1.75, 1.25, 0.75, 0.25])


def test_a_level_holds_the_decode_of_each_cell_centre() -> None:
    model = LinearModel(latent_dim=3, side=4)
    inverse = _linear_inverse(model)
    request = AtlasRequest(1, (-2.0, -1.0, 2.0, 1.0), (4,))
    level = decode_level(model, inverse, request, 4)
    assert level is not None and level.tiles.shape == (4, 4, 4, 4, 1)
    centres = grid_centres(request.rect, 4)
    for row in range(4):
        for col in range(4):
            latent = inverse(centres[row, col][None, :])[0]
            np.testing.assert_array_equal(level.tiles[row, col], decode_one(model, latent))
    assert level.mosaic.shape == (16, 16, 1)
    np.testing.assert_array_equal(level.mosaic[4:8, 8:12], level.tiles[1, 2])


def test_blend_is_exact_at_a_tile_centre_and_mixes_between() -> None:
    mosaic = np.array([[0, 200], [100, 40]], dtype=np.uint8)[:, :, None]
    level = AtlasLevel(AtlasRequest(1, (0.0, 0.0, 2.0, 2.0)), 2, mosaic, 0.0)
    assert level.tiles.shape == (2, 2, 1, 1, 1) and level.tiles[1, 0, 0, 0, 0] == 100
    assert level.blend((0.5, 1.5))[0, 0, 0] == 0  # top-left cell centre
    assert level.blend((1.5, 0.5))[0, 0, 0] == 40  # bottom-right
    assert level.blend((1.0, 1.5))[0, 0, 0] == 100  # half way along the top row
    assert level.blend((1.0, 1.0))[0, 0, 0] == 85  # the mean of the four
    assert level.blend((-5.0, 9.0))[0, 0, 0] == 0  # outside: the border tile
    assert level.covers((1.0, 1.0)) and not level.covers((3.0, 1.0))


def test_fine_grids_store_smaller_tiles() -> None:
    assert tile_side(256, 4) == 256 and tile_side(256, 16) == 128 and tile_side(32, 16) == 32
    images = np.arange(2 * 4 * 4 * 3, dtype=np.uint8).reshape(2, 4, 4, 3)
    small = shrink(images, (2, 2))
    assert small.shape == (2, 2, 2, 3)
    assert small[0, 0, 0, 0] == round(images[0, :2, :2, 0].mean())


def test_the_builder_goes_coarse_to_fine_and_a_new_request_cancels_the_old() -> None:
    model = LinearModel(latent_dim=3, side=4)
    gate, entered = threading.Event(), threading.Event()

    def slow_inverse(points: np.ndarray) -> np.ndarray:
        entered.set()
        assert gate.wait(10)
        return _linear_inverse(model)(points)

    levels: list[AtlasLevel] = []
    builder = AtlasBuilder(levels.append)
    try:
        old = builder.start(model, slow_inverse, (0.0, 0.0, 1.0, 1.0), (4, 8))
        assert entered.wait(5)  # the first grid of the old request is being placed
        new = builder.start(model, _linear_inverse(model), (0.0, 0.0, 2.0, 2.0), (2, 4, 8))
        gate.set()
        assert builder.wait_idle(10)
    finally:
        builder.close()
    assert [level.request.request_id for level in levels] == [new, new, new]
    assert [level.side for level in levels] == [2, 4, 8]
    assert old < new and levels[-1].rect == (0.0, 0.0, 2.0, 2.0)
    with pytest.raises(ValueError, match="positive size"):
        AtlasBuilder(levels.append).start(model, slow_inverse, (1.0, 0.0, 1.0, 1.0))


def test_pooling_averages_two_by_two_cells() -> None:
    maps = np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4)
    np.testing.assert_allclose(pooled(maps)[0, 0], [[2.5, 4.5], [10.5, 12.5]])


def test_a_fully_convolutional_decoder_gives_a_half_resolution_first_look() -> None:
    model = spatial_conv_model(4, 8)
    assert can_decode_reduced(model)
    assert not can_decode_reduced(LinearModel())
    latent = np.random.default_rng(0).standard_normal(model.latent_dim).astype(np.float32)
    first = decode_reduced(model, latent)
    full = decode_one(model, latent)
    assert first.shape == full.shape == (32, 32, 3)
    # The same picture at half the resolution: 2x2 blocks, close to the full one's colours.
    np.testing.assert_array_equal(first[::2, ::2], first[1::2, 1::2])
    assert np.abs(first.astype(float).mean((0, 1)) - full.astype(float).mean((0, 1))).max() < 20


def test_a_dense_decoder_is_not_progressive() -> None:
    import torch
    from torch import nn

    net = nn.Sequential(nn.Flatten(), nn.Linear(4 * 4 * 4, 8 * 8 * 3), nn.Sigmoid(),
                        nn.Unflatten(1, (3, 8, 8)))
    model = TorchModel(net, name="dense", source="test", latent_shape=(4, 4, 4),
                       image_shape=(8, 8, 3), channels_first=True, keep_alive=net)
    with torch.inference_mode():
        assert not can_decode_reduced(model)


def test_progressive_worker_orders_first_looks_and_skips_stale_full_decodes() -> None:
    base = spatial_conv_model(4, 8)
    gate, entered = threading.Event(), threading.Event()

    def decode_fn(z):  # type: ignore[no-untyped-def]
        if z.shape[-1] == 4 and z[0, 0, 0, 0] > 50:  # the first request's reduced decode
            entered.set()
            assert gate.wait(10)
        return base.network[1](z)

    model = TorchModel(decode_fn, name="gated conv", source="test", latent_shape=(4, 8, 8),
                       image_shape=(32, 32, 3), channels_first=True)
    assert can_decode_reduced(model)
    results: list[DecodeResult] = []
    decoder = LatestWinsDecoder(model, results.append, progressive=True)
    try:
        first = decoder.submit(np.full(256, 100.0, dtype=np.float32))
        assert entered.wait(5)
        second = decoder.submit(np.zeros(256, dtype=np.float32))
        gate.set()
        assert decoder.wait_idle(10)
    finally:
        decoder.close()
    # The first request's full decode was skipped: a newer one was waiting.
    assert [(r.request_id, r.stage) for r in results] == [
        (first, "reduced"), (second, "reduced"), (second, "full")]
    np.testing.assert_array_equal(results[-1].image, decode_one(model, np.zeros(256, np.float32)))


def test_finer_grids_wait_while_the_decoder_is_busy() -> None:
    model = LinearModel(latent_dim=3, side=4)
    busy = threading.Event()
    busy.set()
    waited = threading.Event()

    def yield_to() -> bool:
        if busy.is_set():
            waited.set()
        return busy.is_set()

    levels: list[AtlasLevel] = []
    builder = AtlasBuilder(levels.append, yield_to=yield_to)
    try:
        builder.start(model, _linear_inverse(model), (0.0, 0.0, 1.0, 1.0), (2, 4))
        assert waited.wait(5)
        assert [level.side for level in levels] == [2]  # the coarse grid never waits
        busy.clear()
        assert builder.wait_idle(10)
    finally:
        builder.close()
    assert [level.side for level in levels] == [2, 4]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread niceness is Linux's")
def test_the_atlas_worker_runs_at_a_lower_priority() -> None:
    levels: list[AtlasLevel] = []
    builder = AtlasBuilder(levels.append)
    try:
        tid = builder._thread.native_id
        model = LinearModel()
        builder.start(model, _linear_inverse(model), (0.0, 0.0, 1.0, 1.0), (2,))
        assert builder.wait_idle(5) and levels  # the worker has run: its priority is set
        nice = os.getpriority(os.PRIO_PROCESS, tid)
        assert nice > os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    finally:
        builder.close()

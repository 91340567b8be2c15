"""Encoding on a Dask cluster into a Zarr latent store, the store itself, and fast encoding."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from latent_explorer.core.compute.encoding import encode_dataset
from latent_explorer.core.compute.latent_store import (
    LatentStoreError,
    create_latent_store,
    mark_complete,
    open_latent_store,
    quick_pca,
)
from latent_explorer.core.datasets import load_dataset
from latent_explorer.core.jobs import JobContext
from latent_explorer.core.models import load_model
from latent_explorer.core.projection import ProjectionParams, fit_projection

zarr = pytest.importorskip("zarr")


@pytest.fixture(scope="module")
def digits_latents() -> np.ndarray:
    return encode_dataset(load_model("demo"), load_dataset("digits"))


@pytest.mark.slow
def test_a_local_cluster_of_two_workers_encodes_like_the_in_process_encoder(
        tmp_path: Path, digits_latents: np.ndarray) -> None:
    pytest.importorskip("dask.distributed")
    from latent_explorer.core.compute.distributed import encode_distributed

    messages: list[str] = []
    ctx = JobContext(lambda fraction, message: messages.append(message))
    store = tmp_path / "digits.zarr"
    _earlier_store(store)  # replaced as a whole once the new store is complete
    summary = encode_distributed("digits", "demo", store, workers=2, chunk=500, ctx=ctx)
    assert summary["count"] == 1797 and summary["workers"] == 2
    latents, labels, meta = open_latent_store(store)
    assert latents.shape == digits_latents.shape
    np.testing.assert_allclose(latents[:], digits_latents, atol=1e-5)
    np.testing.assert_array_equal(labels, load_dataset("digits").labels)
    assert meta["model"] == "demo" and meta["dataset"] == "digits" and meta["complete"]
    assert meta["model_fingerprint"] == load_model("demo").fingerprint()
    assert any("left" in m or "/s" in m for m in messages)  # progress with a rate or an ETA
    from tests.kill_points import hidden_leftovers

    assert hidden_leftovers(tmp_path) == [] and summary["store"] == str(store)


def test_the_store_round_trips(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    latents = rng.standard_normal((1000, 8)).astype(np.float32)
    labels = rng.integers(0, 3, 1000)
    path = tmp_path / "s.zarr"
    create_latent_store(path, 1000, 8, chunk=128, labels=labels,
                        metadata={"model": "m", "label_names": ["a", "b", "c"]})
    array = zarr.open_array(str(path / "latents"), mode="r+")
    for start in range(0, 1000, 128):  # as workers do: whole chunks each
        array[start:start + 128] = latents[start:start + 128]
    mark_complete(path)
    got, got_labels, meta = open_latent_store(path)
    np.testing.assert_array_equal(got[:], latents)
    np.testing.assert_array_equal(got_labels, labels)
    assert meta["label_names"] == ["a", "b", "c"] and meta["count"] == 1000
    # A quick map straight from the store: PCA on a sample, every row placed.
    projector = quick_pca(got, sample=400)
    assert projector.coords.shape == (1000, 2) and projector.sampled == 400
    full = quick_pca(got, sample=10_000)
    assert full.sampled is None
    exact = fit_projection(latents, ProjectionParams("pca", 2))
    np.testing.assert_allclose(full.coords, exact.coords, atol=1e-4)


def test_a_npy_file_opens_memory_mapped(tmp_path: Path) -> None:
    latents = np.arange(40, dtype=np.float32).reshape(10, 4)
    np.save(tmp_path / "z.npy", latents)
    np.save(tmp_path / "z.labels.npy", np.arange(10))
    got, labels, meta = open_latent_store(tmp_path / "z.npy")
    assert isinstance(got, np.memmap)
    np.testing.assert_array_equal(got, latents)
    assert labels is not None and meta["count"] == 10


def test_bad_stores_give_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(LatentStoreError, match="no latent store"):
        open_latent_store(tmp_path / "missing.zarr")
    (tmp_path / "plain").mkdir()
    with pytest.raises(LatentStoreError, match="not a latent store"):
        open_latent_store(tmp_path / "plain")
    zarr.open_group(str(tmp_path / "other.zarr"), mode="w").attrs["format"] = "something"
    with pytest.raises(LatentStoreError, match="not a latent-explorer latent store"):
        open_latent_store(tmp_path / "other.zarr")
    create_latent_store(tmp_path / "half.zarr", 10, 4)
    with pytest.raises(LatentStoreError, match="unfinished"):
        open_latent_store(tmp_path / "half.zarr")
    (tmp_path / "bad.npy").write_bytes(b"not numpy")
    with pytest.raises(LatentStoreError, match=r"not a readable \.npy"):
        open_latent_store(tmp_path / "bad.npy")


def test_fast_encoding_matches_and_reports_an_eta(digits_latents: np.ndarray) -> None:
    from latent_explorer.core.compute.distributed import encode_fast

    messages: list[str] = []
    ctx = JobContext(lambda fraction, message: messages.append(message))
    latents = encode_fast(load_model("demo"), load_dataset("digits"), ctx, batch_size=256)
    np.testing.assert_allclose(latents, digits_latents, atol=1e-5)
    assert any("about" in m and "left" in m for m in messages)
    assert messages[-1].startswith("Encoded 1,797 of 1,797 images")


def test_the_64px_reference_encoder_encodes() -> None:
    pytest.importorskip("torch")
    from latent_explorer.core.compute.distributed import reference_encoder_64

    model = reference_encoder_64()
    images = np.random.default_rng(0).random((5, 64, 64, 3), dtype=np.float32)
    codes = model.encode(images)
    assert codes.shape == (5, 64) and np.isfinite(codes).all()


def double_in_child(arrays: dict[str, np.ndarray], *, factor: float) -> dict[str, np.ndarray]:
    """A child function for the warm-child tests; also returns the child's process id."""
    import os

    return {"y": np.asarray(arrays["x"]) * factor, "pid": np.array(os.getpid())}


def sleep_in_child(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """A child function that takes far too long."""
    import time

    time.sleep(60)
    return {}


def test_a_warm_child_serves_many_calls_and_restarts_after_cancel() -> None:
    import threading

    from latent_explorer.core.errors import JobCancelled
    from latent_explorer.core.projection.subprocess_runner import WarmChild

    child = WarmChild("latent-explorer test warm")
    name = f"{__name__}:double_in_child"
    x = np.arange(5, dtype=np.float32)
    try:
        child.warm_up(name, {"x": x}, {"factor": 1.0})
        first = child.call(name, {"x": x}, {"factor": 2.0}, JobContext(), "m")
        second = child.call(name, {"x": x}, {"factor": 3.0}, JobContext(), "m")
        np.testing.assert_array_equal(second["y"], x * 3)
        assert first["pid"].item() == second["pid"].item() and child.starts == 1
        ctx = JobContext()
        threading.Timer(0.5, ctx.cancel).start()
        with pytest.raises(JobCancelled):
            child.call(f"{__name__}:sleep_in_child", {}, {}, ctx, "slow")
        assert not child.alive  # cancel killed it ...
        third = child.call(name, {"x": x}, {"factor": 1.0}, JobContext(), "m")
        assert child.starts == 2  # ... and it restarts
        assert third["pid"].item() != first["pid"].item()
    finally:
        child.close()
    assert not child.alive


def test_a_worker_task_opens_a_photo_folder_at_the_size_asked(tmp_path: Path) -> None:
    from PIL import Image

    from latent_explorer.core.compute.distributed import encode_chunk_task

    rng = np.random.default_rng(5)
    folder = tmp_path / "photos"
    folder.mkdir()
    for i in range(5):
        Image.fromarray(rng.integers(0, 256, (40, 60, 3), dtype=np.uint8)).save(
            folder / f"{i}.jpg")
    model = load_model("demo-shapes")
    store = tmp_path / "photos.zarr"
    create_latent_store(store, 5, model.latent_dim, chunk=5)
    assert encode_chunk_task(str(folder), "demo-shapes", str(store), 0, 5,
                             image_size=32) == (0, 5)
    mark_complete(store)
    latents, _, _ = open_latent_store(store)
    expected = encode_dataset(model, load_dataset(str(folder), image_size=32))
    np.testing.assert_allclose(latents[:], expected, atol=1e-5)


def test_a_folder_of_the_users_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    """Zarr's ``mode="w"`` empties the folder it is given: ``--out ~/data`` would have deleted
    the user's files. A folder holding anything but a latent store, or a file, is refused."""
    pytest.importorskip("dask.distributed")
    from latent_explorer.core.compute.distributed import encode_distributed

    mine = tmp_path / "thesis"
    mine.mkdir()
    (mine / "chapter1.txt").write_text("months of work")
    with pytest.raises(LatentStoreError, match=r"not a latent store.*choose a new name"):
        encode_distributed("digits", "demo", mine, workers=1)
    assert [p.name for p in mine.iterdir()] == ["chapter1.txt"]
    assert (mine / "chapter1.txt").read_text() == "months of work"
    (tmp_path / "notes.zarr").write_text("a file")
    with pytest.raises(LatentStoreError, match="is not a folder"):
        encode_distributed("digits", "demo", tmp_path / "notes.zarr", workers=1)
    assert (tmp_path / "notes.zarr").read_text() == "a file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.zarr", "thesis"]


def _earlier_store(path: Path) -> np.ndarray:
    latents = np.arange(40, dtype=np.float32).reshape(10, 4)
    create_latent_store(path, 10, 4, chunk=5, metadata={"model": "earlier"})
    zarr.open_array(str(path / "latents"), mode="r+")[:] = latents
    mark_complete(path)
    return latents


@pytest.mark.slow
def test_an_encoding_stopped_part_way_leaves_the_earlier_store_whole(tmp_path: Path) -> None:
    """Cancelled after the first chunk came back (Ctrl-C and SIGTERM unwind the same way):
    the earlier store opens as before and nothing the run wrote is left beside it."""
    pytest.importorskip("dask.distributed")
    from latent_explorer.core.compute.distributed import encode_distributed
    from latent_explorer.core.errors import JobCancelled
    from tests.kill_points import hidden_leftovers

    store = tmp_path / "latents.zarr"
    before = _earlier_store(store)
    chunks_done: list[float | None] = []

    def on_progress(fraction: float | None, message: str) -> None:
        if fraction:  # a chunk is in the staged store
            chunks_done.append(fraction)
            ctx.cancel()

    ctx = JobContext(on_progress)
    with pytest.raises(JobCancelled):
        encode_distributed("digits", "demo", store, workers=1, chunk=500, ctx=ctx)
    assert chunks_done, "the run was stopped after it had written"
    latents, _, meta = open_latent_store(store)
    np.testing.assert_array_equal(latents[:], before)
    assert meta["model"] == "earlier"
    assert hidden_leftovers(tmp_path) == []

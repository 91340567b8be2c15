"""Encoding at scale: batched on all cores here, or on a Dask cluster into a Zarr latent store.

:func:`encode_fast` is the one-machine path: big batches, torch using every core, and an ETA in
the progress message. :func:`encode_distributed` splits a dataset into row chunks, lets each
Dask worker open the dataset and the model itself (by their specs, so the data never travels
through the scheduler) and write its chunk straight into a
:mod:`~latent_explorer.core.compute.latent_store` that every worker can reach (a shared disk,
or any fsspec URL Zarr understands). Without ``scheduler`` it starts a ``LocalCluster`` of
worker processes on this machine; with ``scheduler="tcp://host:8786"`` the same call runs on a
user's cluster. The desktop app opens the finished store as a dataset of latents.

Dask and Zarr are optional (``pip install 'latent-explorer[scale]'``) and imported lazily.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from latent_explorer.core.compute.cluster_limits import check_local_cluster
from latent_explorer.core.compute.encoding import check_compatible
from latent_explorer.core.datasets.base import Dataset
from latent_explorer.core.errors import JobCancelled, LatentExplorerError, ModelOutputError
from latent_explorer.core.jobs import JobContext, null_context
from latent_explorer.core.models.base import GenerativeModel
from latent_explorer.core.models.trust import Trust

_TARGET_BATCH_VALUES = 4_000_000
"""About 16 MB of float32 pixels per batch: big enough to keep every core busy."""


def eta_message(done: int, total: int, started: float, what: str = "images") -> str:
    """``"Encoded 12,288 of 1,000,000 images (4,100/s, about 4 min left)"``."""
    elapsed = max(time.perf_counter() - started, 1e-9)
    rate = done / elapsed
    text = f"Encoded {done:,} of {total:,} {what}"
    if done and done < total:
        left = (total - done) / rate
        when = f"{left:.0f} s" if left < 90 else f"{left / 60:.0f} min"
        text += f" ({rate:,.0f}/s, about {when} left)"
    elif done:
        text += f" ({rate:,.0f}/s)"
    return text


def auto_batch(image_shape: tuple[int, ...]) -> int:
    """A batch size that keeps about four million pixel values per batch."""
    values = int(np.prod(image_shape)) or 1
    return int(np.clip(_TARGET_BATCH_VALUES // values, 64, 8192))


def usable_cores() -> int:
    """Cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


@contextmanager
def torch_threads(count: int | None) -> Iterator[None]:
    """Let torch use ``count`` threads (all cores when ``None``) inside the block."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(max(1, int(count or usable_cores())))
    try:
        yield
    finally:
        torch.set_num_threads(before)


def encode_rows(model: GenerativeModel, dataset: Dataset, start: int, stop: int,
                batch_size: int) -> npt.NDArray[np.float32]:
    """Encode images ``start:stop``; raises :class:`ModelOutputError` for non-finite codes."""
    out = np.empty((stop - start, model.latent_dim), dtype=np.float32)
    for begin in range(start, stop, batch_size):
        end = min(begin + batch_size, stop)
        codes = model.encode(dataset.float_batch(begin, end))
        if not np.all(np.isfinite(codes)):
            raise ModelOutputError(
                f"{model.name} returned NaN or infinite latents for images {begin}-{end - 1}")
        out[begin - start : end - start] = codes
    return out


def encode_fast(model: GenerativeModel, dataset: Dataset, ctx: JobContext | None = None,
                batch_size: int | None = None, threads: int | None = None
                ) -> npt.NDArray[np.float32]:
    """Encode every image of ``dataset`` on all cores; ``(N, latent_dim)`` float32.

    Same result as :func:`~latent_explorer.core.compute.encoding.encode_dataset` (up to float
    rounding of a different batch split), with bigger batches, every core, and progress
    messages that carry the rate and the time left.
    """
    ctx = ctx or null_context()
    check_compatible(model, dataset)
    total = len(dataset)
    batch = batch_size or auto_batch(tuple(dataset.image_shape))
    own_batch = getattr(model, "batch_size", None)
    if isinstance(own_batch, int):  # a TorchModel splits batches again by its own size
        model.batch_size = max(own_batch, batch)  # type: ignore[attr-defined]
    out = np.empty((total, model.latent_dim), dtype=np.float32)
    ctx.progress(0.0, f"Encoding {total:,} images")
    started = time.perf_counter()
    try:
        with torch_threads(threads):
            for begin in range(0, total, batch):
                end = min(begin + batch, total)
                out[begin:end] = encode_rows(model, dataset, begin, end, batch)
                ctx.progress(end / total, eta_message(end, total, started))
    finally:
        if isinstance(own_batch, int):
            model.batch_size = own_batch  # type: ignore[attr-defined]
    return out


def reference_encoder_64(latent_dim: int = 64, seed: int = 0) -> GenerativeModel:
    """A 64x64 RGB conv VAE of realistic size (~1.3 M encoder parameters), random weights.

    The encoder mirrors :func:`~latent_explorer.core.models.reference.conv_generator_64`'s
    decoder (four stride-2 convolutions, 32 -> 256 channels, then ``mu`` and ``logvar``);
    random weights are enough to time encoding.
    """
    import torch
    from torch import nn

    from latent_explorer.core.models.reference import conv_generator_64
    from latent_explorer.core.models.torch_adapter import TorchModel

    generator = conv_generator_64(latent_dim, seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed + 1)
        encoder = nn.Sequential(
            nn.Conv2d(3, 32, 4, 2, 1), nn.ReLU(),  # 32x32
            nn.Conv2d(32, 64, 4, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),  # 16x16
            nn.Conv2d(64, 128, 4, 2, 1), nn.BatchNorm2d(128), nn.ReLU(),  # 8x8
            nn.Conv2d(128, 256, 4, 2, 1), nn.BatchNorm2d(256), nn.ReLU(),  # 4x4
            nn.Flatten(), nn.Linear(256 * 4 * 4, 2 * latent_dim),
        ).eval()
    decoder: Any = generator.network
    return TorchModel(decoder, name="conv64 VAE (random weights)", source="reference:conv64-vae",
                      latent_shape=(latent_dim,), encode_fn=encoder, output_range="-1,1",
                      image_shape=(64, 64, 3), channels_first=True,
                      encoder_input_range="-1,1", encoder_output="split_half",
                      encoder_layout="nchw", keep_alive=(decoder, encoder),
                      state_fn=lambda: {**{f"d.{k}": v for k, v in decoder.state_dict().items()},
                                        **{f"e.{k}": v for k, v in encoder.state_dict().items()}})


# --- Dask --------------------------------------------------------------------------------------

_worker_cache: dict[tuple[str, ...], Any] = {}
"""Per worker process: datasets and models already opened, by spec."""


def _cached(key: tuple[str, ...], load: Any) -> Any:
    if key not in _worker_cache:
        if len(_worker_cache) > 8:
            _worker_cache.clear()
        _worker_cache[key] = load()
    return _worker_cache[key]


def encode_chunk_task(dataset_spec: str, model_spec: str, store: str, start: int, stop: int,
                      trust_code: Trust = False, labels_spec: str | None = None,
                      threads: int = 1, image_size: int | tuple[int, int] | None = None,
                      ) -> tuple[int, int]:
    """Runs on a worker: encode rows ``start:stop`` and write them into ``store``.

    ``image_size``: the size a folder or zip of images is loaded at; the resized images come
    from the cache folder when the submitting process (on the same machine) made them.
    """
    import zarr

    from latent_explorer.core.compute.cache import default_cache_dir
    from latent_explorer.core.datasets import load_dataset
    from latent_explorer.core.models import load_model

    cache_dir = None if image_size is None else default_cache_dir()
    dataset = _cached(("dataset", dataset_spec, str(labels_spec), repr(image_size)),
                      lambda: load_dataset(dataset_spec, labels=labels_spec,
                                           image_size=image_size, cache_dir=cache_dir))
    model = _cached(("model", model_spec, str(trust_code)),
                    lambda: load_model(model_spec, trust_code=trust_code))
    from latent_explorer.core.models.calibration import fit_to_dataset

    model = fit_to_dataset(model, dataset)  # settled as the submitting process settled it
    with torch_threads(threads):
        codes = encode_rows(model, dataset, start, stop, auto_batch(tuple(dataset.image_shape)))
    zarr.open_array(f"{store}/latents", mode="r+")[start:stop] = codes
    return start, stop


def encode_distributed(dataset_spec: str, model_spec: str, out: str | Path, *,
                       workers: int | None = None, scheduler: str | None = None,
                       chunk: int = 4096, trust_code: Trust = False,
                       labels_spec: str | None = None, threads_per_worker: int = 1,
                       ctx: JobContext | None = None,
                       image_size: int | tuple[int, int] | None = None) -> dict[str, Any]:
    """Encode ``dataset_spec`` with ``model_spec`` on a Dask cluster into the store ``out``.

    Parameters
    ----------
    dataset_spec, model_spec
        What ``load_dataset`` / ``load_model`` open; every worker opens them itself, so a path
        must be readable by every worker at the same name (a shared file system).
    out
        The Zarr store to create; every worker must be able to write it. On this file system
        it is written into a hidden folder beside ``out`` and replaces an earlier store only
        when complete; a folder that holds anything but a latent store is refused.
    workers
        Worker processes of the local cluster (default: one per core). Ignored with
        ``scheduler``.
    scheduler
        Address of a running Dask scheduler, e.g. ``tcp://host:8786``; ``None`` starts a
        ``LocalCluster`` of processes here and stops it afterwards.
    chunk
        Rows per task and per Zarr chunk.
    image_size
        For a folder or zip of images: the size to load them at (as ``load_dataset``).

    Returns
    -------
    dict
        ``count``, ``latent_dim``, ``seconds``, ``images_per_s``, ``workers``, ``store``.

    Raises
    ------
    JobCancelled
        When ``ctx`` is cancelled (queued tasks are cancelled; an earlier store at ``out``
        stays as it was, a store at a URL stays unfinished).
    LatentExplorerError
        For bad specs, a model that cannot encode the dataset, a failed task, or an ``out``
        that is neither free nor a latent store.
    """
    import importlib

    from latent_explorer.core.compute.latent_store import create_latent_store
    from latent_explorer.core.datasets import load_dataset
    from latent_explorer.core.models import load_model

    try:
        dask_distributed: Any = importlib.import_module("dask.distributed")
    except ImportError as exc:
        raise LatentExplorerError(
            "distributed encoding needs dask: pip install 'latent-explorer[scale]'") from exc
    ctx = ctx or null_context()
    if chunk < 1:
        raise LatentExplorerError(f"--chunk must be at least 1, got {chunk}")
    local = "://" not in str(out)
    store = str(Path(out).resolve()) if local else str(out)
    if local:  # refused before anything is opened: a folder of the user's is never emptied
        from latent_explorer.core.compute.latent_store import check_replaceable

        check_replaceable(store)
    if scheduler is None:  # the processes alone, before opening anything; their chunks below
        check_local_cluster(usable_cores() if workers is None else workers, 0, ())
    ctx.progress(None, f"Opening {dataset_spec} and {model_spec}")
    from latent_explorer.core.compute.cache import default_cache_dir

    dataset = load_dataset(dataset_spec, labels=labels_spec, image_size=image_size,
                           cache_dir=None if image_size is None else default_cache_dir())
    model = load_model(model_spec, trust_code=trust_code)
    from latent_explorer.core.models.calibration import fit_to_dataset

    model = fit_to_dataset(model, dataset)  # what the file leaves open, settled on its images
    check_compatible(model, dataset)
    total = len(dataset)
    # A store on this file system is written into a hidden folder beside it and put in place
    # of the earlier one only when it is complete: a run stopped or killed part way leaves
    # the earlier store whole (and its staging folder to the next command's sweep).
    if scheduler is None:  # a remote cluster's workers have memory of their own
        check_local_cluster(usable_cores() if workers is None else workers, min(chunk, total),
                            tuple(dataset.image_shape))
    staging = _stage(Path(store)) if local else None
    written = str(staging) if staging is not None else store
    try:
        create_latent_store(written, total, model.latent_dim, chunk, dataset.labels, {
            "model": model_spec, "model_fingerprint": model.fingerprint(),
            "dataset": dataset_spec, "dataset_fingerprint": dataset.fingerprint(),
            "label_names": dataset.label_names, "encoder": model.name,
        })
        del dataset  # the workers open their own
        summary = _run_cluster(dask_distributed, dataset_spec, model_spec, written, total,
                               chunk, trust_code, labels_spec, threads_per_worker,
                               image_size, workers, scheduler, ctx)
        if staging is not None:
            from latent_explorer.core.file_switch import switch_folder
            from latent_explorer.core.pause_points import pause_point

            ctx.check()
            pause_point("store-written")
            switch_folder(staging, Path(store))
    except BaseException:
        if staging is not None:
            import shutil

            shutil.rmtree(staging, ignore_errors=True)
        raise
    return {**summary, "latent_dim": model.latent_dim, "store": store}


def _stage(target: Path) -> Path:
    """A fresh hidden folder beside ``target`` to write the store into (swept by the next
    command when this process is killed)."""
    from latent_explorer.core.fileio import reserve_temp_dir

    return reserve_temp_dir(target)


def _run_cluster(dask_distributed: Any, dataset_spec: str, model_spec: str, store: str,
                 total: int, chunk: int, trust_code: Trust, labels_spec: str | None,
                 threads_per_worker: int, image_size: int | tuple[int, int] | None,
                 workers: int | None, scheduler: str | None,
                 ctx: JobContext) -> dict[str, Any]:
    """Encode every chunk into ``store`` on the cluster and mark the store complete;
    ``count``, ``seconds``, ``images_per_s`` and ``workers``."""
    from latent_explorer.core.compute.latent_store import mark_complete

    cluster: Any = None
    if scheduler is None:
        count = usable_cores() if workers is None else workers
        ctx.progress(None, f"Starting a local Dask cluster of {count} worker processes")
        cluster = dask_distributed.LocalCluster(n_workers=count, threads_per_worker=1,
                                                processes=True, dashboard_address=None)
    client: Any = dask_distributed.Client(cluster if cluster is not None else scheduler)
    started = time.perf_counter()
    try:
        n_workers = len(client.scheduler_info().get("workers", {}))
        futures = [client.submit(encode_chunk_task, dataset_spec, model_spec, store, begin,
                                 min(begin + chunk, total), trust_code, labels_spec,
                                 threads_per_worker, image_size, pure=False)
                   for begin in range(0, total, chunk)]
        done = 0
        try:
            for future in dask_distributed.as_completed(futures):
                begin, end = future.result()
                done += end - begin
                ctx.progress(done / max(total, 1), eta_message(done, total, started))
        except JobCancelled:
            client.cancel(futures)
            raise
        except LatentExplorerError:
            client.cancel(futures)
            raise
        except Exception as exc:
            client.cancel(futures)
            raise LatentExplorerError(f"a worker failed: {type(exc).__name__}: {exc}") from exc
        mark_complete(store)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    seconds = time.perf_counter() - started
    return {"count": total, "seconds": seconds, "images_per_s": total / max(seconds, 1e-9),
            "workers": n_workers}

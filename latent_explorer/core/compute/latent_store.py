"""A chunked store of latents on disk (Zarr), which the app opens as a dataset of latents.

Layout of ``something.zarr`` (a Zarr group, format 3)::

    latents   (N, D) float32, chunked by rows (``chunk`` x D)
    labels    (N,)   int64, optional
    attrs     {"format": "latent-explorer-latents", "version": 1, "count": N, "latent_dim": D,
               "complete": true, "model": ..., "model_fingerprint": ..., "dataset": ...,
               "dataset_fingerprint": ..., "label_names": [...] | null}

:func:`create_latent_store` makes an empty store that many workers fill in parallel (each
writes whole chunks, so no two write the same chunk); :func:`mark_complete` is the last step.
:func:`open_latent_store` refuses unfinished or foreign stores with a clear message. A plain
``.npy`` file (with an optional ``<name>.labels.npy`` beside it) opens too, memory-mapped.

:func:`quick_pca` maps a million latents in well under a second: PCA fitted on a sample, all
rows projected in chunks, without ever holding more than one chunk in memory besides the map.

Zarr is an optional dependency (``pip install latent-explorer[scale]``); importing this module
does not import it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from latent_explorer.core.errors import LatentExplorerError

STORE_FORMAT = "latent-explorer-latents"
STORE_VERSION = 1


class LatentStoreError(LatentExplorerError):
    """A latent store is missing, unfinished, damaged or of another format."""


def _zarr() -> Any:
    try:
        import zarr
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise LatentStoreError(
            "latent stores need zarr: pip install 'latent-explorer[scale]'"
        ) from exc
    return zarr


def create_latent_store(path: str | Path, count: int, latent_dim: int, chunk: int = 4096,
                        labels: npt.NDArray[np.int64] | None = None,
                        metadata: dict[str, Any] | None = None) -> Any:
    """Create (overwrite) an empty store for ``count`` latents; returns the Zarr group."""
    zarr = _zarr()
    if count < 0 or latent_dim < 1 or chunk < 1:
        raise LatentStoreError(f"bad store shape: {count} x {latent_dim}, chunk {chunk}")
    group = zarr.open_group(str(path), mode="w")
    group.create_array("latents", shape=(count, latent_dim), chunks=(chunk, latent_dim),
                       dtype="float32", fill_value=np.nan)
    if labels is not None:
        group.create_array("labels", data=np.asarray(labels, dtype=np.int64),
                           chunks=(max(chunk * 16, 1),))
    attrs = {"format": STORE_FORMAT, "version": STORE_VERSION, "count": int(count),
             "latent_dim": int(latent_dim), "chunk": int(chunk), "complete": False}
    attrs.update(metadata or {})
    group.attrs.update(attrs)
    return group


def check_replaceable(path: str | Path) -> None:
    """Raise :class:`LatentStoreError` unless writing a store at ``path`` loses nothing but an
    earlier latent store: nothing is there, or a latent store (finished or not) is.

    Zarr's ``mode="w"`` empties whatever folder it is given; a user who names a folder of
    their own (``--out ~/data``) must get a refusal, not an empty folder.
    """
    path = Path(path)
    if not path.exists() and not path.is_symlink():
        return
    if not path.is_dir():
        raise LatentStoreError(f"{path}: exists and is not a folder; a latent store is a "
                               "folder (choose a new name, such as latents.zarr)")
    if not any(path.iterdir()):
        return  # an empty folder loses nothing
    try:
        attrs = dict(_zarr().open_group(str(path), mode="r").attrs)
    except LatentStoreError:
        raise
    except Exception:  # zarr raises several kinds for foreign folders
        attrs = {}
    if attrs.get("format") != STORE_FORMAT:
        raise LatentStoreError(f"{path}: the folder is not a latent store, and writing one "
                               "there would replace what it holds; choose a new name")


def mark_complete(path: str | Path) -> None:
    """Record that every chunk of the store was written."""
    group = _zarr().open_group(str(path), mode="r+")
    group.attrs["complete"] = True


def open_latent_store(path: str | Path) -> tuple[Any, npt.NDArray[np.int64] | None, dict[str, Any]]:
    """Open a latent store: ``(latents, labels, metadata)``.

    ``latents`` is a lazily read ``(N, D)`` array (a Zarr array, or a read-only memory map for
    ``.npy``): slice it in blocks. ``labels`` is in memory (or ``None``).

    Raises
    ------
    LatentStoreError
        When nothing is at ``path``, it is no latent store, it is unfinished, or it is damaged.
    """
    path = Path(path)
    if not path.exists():
        raise LatentStoreError(f"no latent store at {path}")
    if path.is_file() and path.suffix == ".npy":
        return _open_npy(path)
    zarr = _zarr()
    try:
        group = zarr.open_group(str(path), mode="r")
        attrs = dict(group.attrs)
    except Exception as exc:  # zarr raises several kinds for foreign folders
        raise LatentStoreError(f"{path} is not a latent store (not a Zarr group: {exc})") from exc
    if attrs.get("format") != STORE_FORMAT:
        raise LatentStoreError(f"{path} is a Zarr group but not a latent-explorer latent store")
    if int(attrs.get("version", 0)) > STORE_VERSION:
        raise LatentStoreError(f"{path} was written by a newer latent-explorer "
                               f"(store version {attrs.get('version')})")
    if not attrs.get("complete", False):
        raise LatentStoreError(f"{path} is unfinished: the encoding that wrote it stopped "
                               "before the end; run it again")
    try:
        latents = group["latents"]
        labels = np.asarray(group["labels"][:], dtype=np.int64) if "labels" in group else None
    except Exception as exc:
        raise LatentStoreError(f"{path} is damaged: {exc}") from exc
    count, dim = int(attrs.get("count", -1)), int(attrs.get("latent_dim", -1))
    if tuple(latents.shape) != (count, dim) or latents.dtype != np.float32:
        raise LatentStoreError(f"{path} is damaged: latents are {latents.shape} "
                               f"{latents.dtype}, the metadata says {count} x {dim} float32")
    if labels is not None and len(labels) != count:
        raise LatentStoreError(f"{path} is damaged: {len(labels)} labels for {count} latents")
    return latents, labels, attrs


def _open_npy(path: Path) -> tuple[Any, npt.NDArray[np.int64] | None, dict[str, Any]]:
    try:
        latents = np.load(path, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError, EOFError) as exc:  # EOFError: an empty or cut header
        raise LatentStoreError(f"{path} is not a readable .npy file: {exc}") from exc
    if latents.ndim != 2 or latents.dtype.kind != "f":
        raise LatentStoreError(f"{path} holds {latents.shape} {latents.dtype}, "
                               "not (N, D) floating-point latents")
    labels_path = path.with_name(path.stem + ".labels.npy")
    labels = None
    if labels_path.exists():
        try:  # mapped: a header declaring more than the file holds is refused, not allocated
            labels = np.asarray(np.load(labels_path, mmap_mode="r", allow_pickle=False),
                                dtype=np.int64)
        except (OSError, ValueError, EOFError, TypeError) as exc:
            raise LatentStoreError(f"{labels_path} is not a readable .npy file of labels: "
                                   f"{exc}") from exc
        if labels.ndim != 1 or len(labels) != len(latents):
            raise LatentStoreError(f"{labels_path} has {len(labels)} labels for "
                                   f"{len(latents)} latents")
    meta = {"format": "npy", "count": int(latents.shape[0]), "latent_dim": int(latents.shape[1])}
    return latents, labels, meta


def read_rows(latents: Any, rows: npt.NDArray[np.int64]) -> npt.NDArray[np.float32]:
    """Rows ``rows`` (sorted) of a memory map or Zarr array, as float32."""
    if hasattr(latents, "get_orthogonal_selection"):
        return np.asarray(latents.get_orthogonal_selection((rows, slice(None))), dtype=np.float32)
    return np.asarray(latents[rows], dtype=np.float32)


def quick_pca(latents: Any, n_components: int = 2, sample: int = 50_000, chunk: int = 131_072,
              seed: int = 0) -> Any:
    """A PCA map of ``latents`` ``(N, D)`` fitted on a random sample, all rows projected.

    Returns a :class:`~latent_explorer.core.projection.pca.PCAProjector`; its ``sampled`` is
    the sample size when a sample was used (the window says so), else ``None``. Reads
    ``latents`` (memory map or Zarr array) once, in chunks of ``chunk`` rows.
    """
    from latent_explorer.core.projection.base import ProjectionParams
    from latent_explorer.core.projection.pca import PCAProjector

    n, dim = int(latents.shape[0]), int(latents.shape[1])
    if n < 2 or dim < n_components:
        raise LatentExplorerError(f"cannot map {n} latents of {dim} dimensions in "
                                  f"{n_components}-D")
    rng = np.random.default_rng(seed)
    used = min(n, sample)
    rows = np.sort(rng.choice(n, used, replace=False)) if used < n else np.arange(n)
    fit = read_rows(latents, rows).astype(np.float64)
    mean = fit.mean(axis=0)
    fit -= mean
    if used > dim:
        variance, vectors = np.linalg.eigh(fit.T @ fit / (used - 1))
        order = np.argsort(variance)[::-1]
        components, variance = vectors[:, order].T, np.clip(variance[order], 0.0, None)
    else:
        _, singular, components = np.linalg.svd(fit, full_matrices=False)
        variance = singular**2 / (used - 1)
    largest = np.argmax(np.abs(components), axis=1)
    signs = np.sign(components[np.arange(len(components)), largest])
    components *= np.where(signs == 0, 1.0, signs)[:, None]
    plane = components[:n_components].T.astype(np.float32)
    shift = (mean.astype(np.float32) @ plane).astype(np.float32)
    coords = np.empty((n, n_components), dtype=np.float32)
    for start in range(0, n, chunk):
        block = np.asarray(latents[start : start + chunk], dtype=np.float32)
        np.matmul(block, plane, out=coords[start : start + len(block)])
        coords[start : start + len(block)] -= shift
    projector = PCAProjector(ProjectionParams("pca", n_components, seed=seed), mean, components,
                             variance, coords)
    projector.sampled = used if used < n else None
    return projector


def quick_pca_map(latents: Any, sample: int = 50_000) -> npt.NDArray[np.float32]:
    """Just the ``(N, 2)`` coordinates of :func:`quick_pca`."""
    coords: npt.NDArray[np.float32] = quick_pca(latents, 2, sample).coords
    return coords

"""Maps with no decoder: embeddings made elsewhere, or a dataset's own pixels.

Two ways to a :class:`~latent_explorer.core.compute.pipeline.Workspace` whose model is a
:class:`~latent_explorer.core.models.no_decoder.NoDecoder`:

- :func:`open_latents_workspace`: vectors from another network (CLIP, DINO, your encoder),
  given as an array or a file (``.npy``, ``.npz``, ``.csv``, ``.tsv``, ``.parquet``, a
  ``.zarr`` latent store), optionally with the images they came from, labels and metadata.
  This is the one entry that the Python API (``lx.explore(latents=Z, ...)``), the command line
  (``latent-explorer gui --latents z.npy``) and the window share.
- :func:`~latent_explorer.core.compute.pixel_map.open_pixels_workspace`: a dataset with no
  model that fits: the map of its images' own pixels, until a model is trained on them.

Both reopen from a spec string (a session's model spec): ``pixels`` for the second, and
``vectors:{json}`` (:class:`VectorsSpec`) for the first, see :func:`open_spec_workspace`.
Nothing here decodes; the window hides what would.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from latent_explorer.core.analysis.latent_stats import LatentStats, compute_latent_stats
from latent_explorer.core.compute.cache import ResultCache, cache_key, enabled_folder
from latent_explorer.core.compute.pipeline import Workspace, project_cached
from latent_explorer.core.datasets.base import ArrayDataset, Dataset
from latent_explorer.core.datasets.columns import Column, as_column, column_from_series
from latent_explorer.core.errors import InputFileError, LatentExplorerError, SpecError
from latent_explorer.core.jobs import JobContext, null_context
from latent_explorer.core.models.no_decoder import PIXELS_SPEC, NoDecoder
from latent_explorer.core.projection.base import ProjectionParams, Projector

VECTORS_PREFIX = "vectors:"
QUICK_PCA_VALUES = 20_000_000
"""Above this many values (N x D) the first PCA map is fitted on a sample of rows."""
STATS_ROWS = 2_000
LATENTS_SUFFIXES = (".npy", ".npz", ".zarr", ".csv", ".tsv", ".parquet", ".pq")

NO_DECODER_REASON = "these vectors came without a decoder"
NO_MODEL_REASON = "no model yet: the map shows the images' own pixels"


@dataclass(frozen=True)
class VectorsSpec:
    """The files a vectors map was opened from; its text form reopens it (sessions).

    ``latents`` is ``None`` for vectors that were handed over in memory (they cannot be
    reopened from a session; save them as ``.npy`` first).
    """

    latents: str | None
    dataset: str | None = None
    metadata: str | None = None
    xy: tuple[str, str] | None = None
    """The table's columns that are the map's x and y (``None``: the map is computed)."""

    def to_spec(self) -> str:
        """``vectors:{"latents": ..., "dataset": ..., "metadata": ...}`` (and ``"xy"`` when
        the map is the table's own columns)."""
        fields: dict[str, object] = {"latents": self.latents, "dataset": self.dataset,
                                     "metadata": self.metadata}
        if self.xy is not None:
            fields["xy"] = list(self.xy)
        return VECTORS_PREFIX + json.dumps(fields, sort_keys=True)

    @classmethod
    def parse(cls, spec: str) -> VectorsSpec:
        """Read :meth:`to_spec`'s text (raises :class:`SpecError` when malformed)."""
        try:
            data = json.loads(spec[len(VECTORS_PREFIX):])
            if not isinstance(data, dict):
                raise ValueError("not an object")
            xy = data.get("xy")
            if xy is not None and (not isinstance(xy, list) or len(xy) != 2
                                   or not all(isinstance(v, str) for v in xy)):
                raise ValueError("xy must name two columns")
            latents, dataset, metadata = (None if data.get(k) is None else str(data[k])
                                          for k in ("latents", "dataset", "metadata"))
            return cls(latents, dataset, metadata, None if xy is None else (xy[0], xy[1]))
        except ValueError as exc:
            raise SpecError(f"{spec!r} is not a readable vectors spec ({exc})") from None

    def paths(self) -> list[str]:
        """Every file this spec names (for sessions that check their files are still there)."""
        return [p for p in (self.latents, self.dataset, self.metadata) if p]


def is_vectors_spec(spec: object) -> bool:
    """Whether ``spec`` is a ``vectors:`` spec."""
    return isinstance(spec, str) and spec.startswith(VECTORS_PREFIX)


def is_no_model_spec(spec: object) -> bool:
    """Whether ``spec`` names a map with no decoder (``pixels`` or a ``vectors:`` spec)."""
    return spec == PIXELS_SPEC or is_vectors_spec(spec)


# --- vectors ---------------------------------------------------------------------------------
def open_latents_workspace(
    latents: Any,
    dataset: Dataset | str | Path | None = None,
    labels: Any = None,
    metadata: Any = None,
    *,
    params: ProjectionParams | None = None,
    cache: ResultCache | None = None,
    ctx: JobContext | None = None,
    name: str | None = None,
    image_size: int | tuple[int, int] | None = None,
) -> Workspace:
    """The map of vectors that came without a decoder (embeddings from another network).

    This is the Qt-free entry shared by the Python API (``lx.explore(latents=Z, data=...,
    labels=..., metadata=...)``), ``latent-explorer gui --latents`` and the window.

    Parameters
    ----------
    latents
        ``(N, D)`` vectors: a numpy array (any float dtype, views welcome), a CPU torch
        tensor, or a path: ``.npy`` (memory-mapped, so a million x 512 opens without being
        read whole; labels from ``<name>.labels.npy`` beside it), ``.npz`` (the array
        ``latents``, ``embeddings``, ``z`` or the only one; labels from ``labels``/``y``), a
        table ``.csv``/``.tsv``/``.parquet`` (see :mod:`latent_explorer.core.datasets.table`:
        vector columns plus labels, metadata and an image-path column), or a ``.zarr`` latent
        store.
    dataset
        The N images the vectors belong to, shown on the map, in hover cards, thumbnails and
        prototypes: a :class:`Dataset`, a dataset spec (a folder, an ``.npz``...), an array or
        CPU tensor ``(N, H, W)``, ``(N, H, W, C)`` or ``(N, C, H, W)`` (uint8, or floats in
        [0, 1]), or a list of images (arrays or PIL images). ``None``: the images of a
        table's image column, else no images.
    labels
        N class labels, whole numbers or text (text becomes class names); win over labels
        found in the files.
    metadata
        N-row columns to colour, filter and hover by: a mapping of name -> values, a pandas
        DataFrame, or a ``.csv``/``.parquet`` path (whose label and image columns are used as
        such when ``labels`` / ``dataset`` are not given; a DataFrame's image paths are
        relative to the working folder). Columns keep their types (whole numbers, true/false,
        dates and times, categories, free text; see
        :mod:`latent_explorer.core.datasets.columns`); a row whose image cell is empty has no
        picture.
    params
        The first map (default: a 2-D PCA; with more than :data:`QUICK_PCA_VALUES` values it
        is fitted on a sample of rows and the window says so). A ``table`` projection
        (:func:`~latent_explorer.core.projection.table_projector.table_params`) takes two of
        the metadata's number columns as the map's x and y, as they come.
    cache
        Where PCA/UMAP/t-SNE maps are cached.
    ctx
        Progress and cancel.
    name
        What the window calls the vectors (default: the file name, or ``vectors``).
    image_size
        The size to load ``dataset`` at when it names a folder or zip of images (cropped and
        resized, kept in the image cache of ``cache``'s folder).

    Returns
    -------
    Workspace
        Its ``model`` is a :class:`NoDecoder` (``has_decoder`` False) whose ``source`` is a
        ``vectors:`` spec that reopens the map when ``latents`` (and the other inputs) were
        given as files.

    Raises
    ------
    LatentExplorerError
        Unreadable files, vectors that are not ``(N, D)`` finite numbers, or labels, metadata
        or images whose count is not N (the message names what and where).
    """
    ctx = ctx or null_context()
    xy = ((str(params.option("x", "")), str(params.option("y", "")))
          if params is not None and params.method == "table" else None)
    spec_files: dict[str, str | None] = {"latents": None, "dataset": None, "metadata": None}
    notes: list[str] = []
    found = _Found()
    if isinstance(latents, (str, Path)):
        path = Path(latents).expanduser().resolve()
        spec_files["latents"] = str(path)
        ctx.progress(None, f"Reading {path.name}")
        keep = xy or ()
        values, key = _read_latents_file(path, found, notes, keep)
        label = name or path.name
    else:
        values = _as_vectors(latents, "the vectors")
        key = _content_key(values)
        label = name or "vectors"
    count, dim = int(values.shape[0]), int(values.shape[1])
    if isinstance(metadata, (str, Path)):
        from latent_explorer.core.datasets.table import read_vector_table

        meta_path = Path(metadata).expanduser().resolve()
        spec_files["metadata"] = str(meta_path)
        table = read_vector_table(meta_path, need_vectors=False)
        _check_rows(table.rows, count, meta_path)
        found.take_table(table)
    elif metadata is not None:
        found.metadata.update(_columns(metadata, count))
        if hasattr(metadata, "columns") and found.image_paths is None:  # a DataFrame
            from latent_explorer.core.datasets.table import frame_images

            image, found.image_paths = frame_images(metadata, Path.cwd())
            if image is not None:
                column = found.metadata[image]
                found.metadata[image] = Column(column.values, "image",
                                               source_dtype=column.source_dtype)
    if labels is not None:
        from latent_explorer.core.datasets.table import labels_from_values

        found.labels, found.label_names = labels_from_values(_to_numpy(labels))
        _check_rows(len(found.labels), count, "labels")
    ctx.check()
    cache_dir = enabled_folder(cache)
    images_dataset = _images_for(dataset, found, count, spec_files, ctx.sub(0.0, 0.5), notes,
                                 image_size, cache_dir)
    data = _vectors_dataset(images_dataset, values, found, label, spec_files["latents"], key,
                            notes)
    spec = VectorsSpec(**spec_files, xy=xy) if spec_files["latents"] else VectorsSpec(None)
    model = NoDecoder(dim, spec.to_spec(), f"no model ({label})", NO_DECODER_REASON,
                      cache_key("vectors", key))
    return finish_workspace(data, model, values, params, cache, ctx.sub(0.5, 1.0))


class _Found:
    """Labels, metadata and image files gathered from the inputs."""

    def __init__(self) -> None:
        self.labels: npt.NDArray[np.int64] | None = None
        self.label_names: list[str] | None = None
        self.metadata: dict[str, Column] = {}
        self.image_paths: list[Path | None] | None = None
        self.notes: list[str] = []

    def take_table(self, table: Any) -> None:
        if self.labels is None and table.labels is not None:
            self.labels, self.label_names = table.labels, table.label_names
        self.metadata.update(table.metadata)
        if self.image_paths is None:
            self.image_paths = table.image_paths


def _read_latents_file(path: Path, found: _Found, notes: list[str],
                       keep: tuple[str, ...] = ()) -> tuple[npt.NDArray[np.float32], str]:
    if not path.exists():
        raise InputFileError(path, "no such file")
    suffix = path.suffix.lower()
    stat = path.stat()
    key = cache_key("vectors-file", str(path), str(stat.st_size), str(stat.st_mtime_ns),
                    *keep)
    if suffix in (".csv", ".tsv", ".parquet", ".pq"):
        from latent_explorer.core.datasets.table import read_vector_table

        table = read_vector_table(path, need_vectors=True, keep=keep)
        assert table.vectors is not None
        found.take_table(table)
        notes.append(f"vectors from the columns {table.vector_columns}")
        return table.vectors, key
    if suffix == ".zarr" or path.is_dir():
        from latent_explorer.core.compute.latent_store import open_latent_store

        store, labels, _ = open_latent_store(path)
        if labels is not None:
            found.labels = labels
        return _as_vectors(store[:], path), key
    if suffix == ".npz":
        return _read_npz(path, found), key
    from latent_explorer.core.compute.latent_store import open_latent_store

    try:
        array, labels, _ = open_latent_store(path)  # .npy: memory-mapped, labels beside it
    except LatentExplorerError as exc:
        raise InputFileError(path, str(exc).replace(f"{path} ", "")) from None
    if labels is not None:
        found.labels = labels
    if array.dtype != np.float32 or not array.flags.c_contiguous:
        return _as_vectors(array, path), key
    _check_finite(array, path)
    return array, key


def _read_npz(path: Path, found: _Found) -> npt.NDArray[np.float32]:
    from latent_explorer.core.datasets.declared_memory import npz_declared_bytes
    from latent_explorer.core.memory_budget import check_memory

    # Each member is read whole, then copied to float32: refused before, if it cannot fit.
    check_memory(path, 2 * npz_declared_bytes(path), "its arrays (as declared)")
    try:
        with np.load(path, allow_pickle=False) as archive:
            names = list(archive.files)
            key = next((k for k in ("latents", "embeddings", "z", "vectors", "x") if k in names),
                       None)
            if key is None:
                arrays = [k for k in names if k not in ("labels", "y")]
                if len(arrays) != 1:
                    raise InputFileError(path, f"holds {names}; name the vectors 'latents' "
                                               "or 'embeddings'")
                key = arrays[0]
            values = archive[key]
            label_key = next((k for k in ("labels", "y") if k in names), None)
            if label_key is not None:
                from latent_explorer.core.datasets.table import labels_from_values

                found.labels, found.label_names = labels_from_values(archive[label_key], path,
                                                                     label_key)
    except (OSError, ValueError) as exc:
        raise InputFileError(path, f"is not a readable .npz file ({exc})") from None
    return _as_vectors(values, path)


def _to_numpy(values: Any) -> Any:
    if hasattr(values, "detach"):  # a torch tensor
        values = values.detach().cpu().numpy()
    if hasattr(values, "to_numpy"):  # pandas
        values = values.to_numpy()
    return np.asarray(values)


def _problem(where: str | Path, message: str) -> LatentExplorerError:
    """An error naming the file (``where`` a path) or the object handed over (a phrase)."""
    if isinstance(where, Path):
        return InputFileError(where, message)
    return SpecError(f"{where} {message}")


def _as_vectors(values: Any, where: str | Path) -> npt.NDArray[np.float32]:
    array = _to_numpy(values)
    if array.ndim != 2 or array.shape[0] < 2 or array.shape[1] < 2:
        raise _problem(where, f"hold an array of shape {array.shape}; vectors must be (N, D) "
                              "with N >= 2 samples and D >= 2 values")
    if array.dtype.kind not in "fiub":
        raise _problem(where, f"hold {array.dtype} values, not numbers")
    vectors = np.ascontiguousarray(array, dtype=np.float32)
    _check_finite(vectors, where)
    return vectors


def _check_finite(values: npt.NDArray[np.float32], where: str | Path) -> None:
    step = 65_536
    for start in range(0, len(values), step):
        block = values[start:start + step]
        bad = ~np.isfinite(block).all(axis=1)
        if bad.any():
            row = start + int(np.flatnonzero(bad)[0])
            raise _problem(where, f"have NaN or infinite values (the first in row {row})")


def _content_key(values: npt.NDArray[np.float32]) -> str:
    digest = hashlib.sha256(repr(values.shape).encode())
    step = max(1, len(values) // 8192)
    digest.update(np.ascontiguousarray(values[::step]).tobytes())
    digest.update(values.sum(axis=0, dtype=np.float64).tobytes())
    return digest.hexdigest()[:40]


def _check_rows(rows: int, count: int, what: str | Path, unit: str = "rows") -> None:
    """``what`` (a file, or a plural noun for objects handed over) must have ``count`` rows."""
    if rows == count:
        return
    if isinstance(what, Path):
        raise InputFileError(what, f"has {rows:,} {unit} but there are {count:,} vectors; "
                                   "they must match one to one")
    raise SpecError(f"{rows:,} {what} were given for {count:,} vectors; they must match one "
                    "to one")


def _columns(metadata: Any, count: int) -> dict[str, Column]:
    """Typed columns of a DataFrame or a mapping of columns (see
    :mod:`latent_explorer.core.datasets.columns`)."""
    if hasattr(metadata, "columns") and hasattr(metadata, "__getitem__"):  # a DataFrame
        items = {str(c): column_from_series(metadata[c]) for c in metadata.columns}
    elif isinstance(metadata, Mapping):
        items = {}
        for key, column in metadata.items():
            try:
                items[str(key)] = as_column(column)
            except ValueError as exc:
                raise SpecError(f"metadata column {key!r}: {exc}") from None
    else:
        raise SpecError("metadata must be a mapping of columns, a DataFrame or a table file")
    for key, typed in items.items():
        if len(typed) != count:
            raise SpecError(f"metadata column {key!r} has {len(typed):,} values for "
                            f"{count:,} vectors")
    return items


def _images_for(dataset: Dataset | str | Path | None, found: _Found, count: int,
                spec_files: dict[str, str | None], ctx: JobContext, notes: list[str],
                image_size: int | tuple[int, int] | None, cache_dir: Path | None
                ) -> Dataset | None:
    if isinstance(dataset, str | Path):  # a spec, or a path (Python users pass both)
        from latent_explorer.core.datasets import load_dataset

        dataset = load_dataset(str(dataset), ctx=ctx, image_size=image_size,
                               cache_dir=cache_dir)
        spec_files["dataset"] = dataset.source
    elif dataset is not None and not isinstance(dataset, Dataset):
        dataset = _images_from_objects(dataset, notes, ctx)
    if dataset is not None:
        if len(dataset) != count:
            _check_rows(len(dataset), count,
                        Path(dataset.source) if dataset.source else "images", "images")
        return dataset
    if found.image_paths is not None:
        from latent_explorer.core.datasets.image_list import read_image_files

        images, image_notes = read_image_files(found.image_paths, ctx)
        notes.extend(image_notes)
        pictured = np.array([file is not None for file in found.image_paths], dtype=bool)
        return ArrayDataset("images", "", images, pictured=None if pictured.all() else pictured)
    return None


def _images_from_objects(images: Any, notes: list[str], ctx: JobContext) -> ArrayDataset:
    """Images handed over in memory: an array or tensor ``(N, H, W[, C])`` / ``(N, C, H, W)``
    of uint8 or floats, or a list of such images or of PIL images."""
    from latent_explorer.core.datasets.conversion import to_images

    if isinstance(images, (list, tuple)):
        images = np.stack([np.asarray(image) for image in images])
    array = _to_numpy(images)
    return ArrayDataset("images", "", to_images(array, "the images", notes, ctx))


def _vectors_dataset(images: Dataset | None, values: npt.NDArray[np.float32], found: _Found,
                     label: str, latents_path: str | None, key: str, notes: list[str]
                     ) -> ArrayDataset:
    count = len(values)
    labels, names = found.labels, found.label_names
    metadata: dict[str, Column] = {}
    if images is not None:
        if labels is None:
            labels, names = images.labels, images.label_names
        metadata.update(images.metadata)
        notes = [*images.notes, *notes]
    metadata.update(found.metadata)
    if labels is not None:
        _check_rows(len(labels), count, "labels")
    pictured = getattr(images, "pictured", None)
    if images is not None and images.source:
        return ArrayDataset(images.name, images.source, images.images, labels, names, metadata,
                            notes, pictured=pictured)
    pixels = (images.images if images is not None
              else np.broadcast_to(np.zeros((1, 1, 1, 1), np.uint8), (count, 1, 1, 1)))
    return ArrayDataset(label, latents_path or "", pixels, labels, names, metadata, notes,
                        _fingerprint=key[:32], has_images=images is not None,
                        pictured=pictured)


# --- shared ----------------------------------------------------------------------------------
def finish_workspace(dataset: Dataset, model: NoDecoder, values: npt.NDArray[np.float32],
                     params: ProjectionParams | None, cache: ResultCache | None,
                     ctx: JobContext) -> Workspace:
    """The map, stats and workspace of ``values`` (shared by vectors and pixel maps)."""
    params = params or ProjectionParams()
    key = model.fingerprint()
    projector: Projector
    if params.method == "table":
        from latent_explorer.core.projection.table_projector import fit_table

        projector = fit_table(values, dataset.metadata, params, ctx.sub(0.0, 0.9))
    elif params.method == "pca" and values.size > QUICK_PCA_VALUES:
        from latent_explorer.core.compute.latent_store import quick_pca

        ctx.progress(None, f"PCA of {len(values):,} vectors")
        projector = quick_pca(values, params.n_components, sample=20_000, seed=params.seed)
    else:
        projector = project_cached(values, params, cache, ctx.sub(0.0, 0.9), key)
    stats = _sample_stats(values)
    ctx.progress(1.0, "Ready")
    return Workspace(dataset, model, values, key, projector, stats)


def _sample_stats(values: npt.NDArray[np.float32]) -> LatentStats:
    if len(values) > STATS_ROWS:
        rows = np.sort(np.random.default_rng(0).choice(len(values), STATS_ROWS, replace=False))
        values = np.asarray(values[rows], dtype=np.float32)
    return compute_latent_stats(values)


def open_spec_workspace(dataset: Dataset | str, spec: str,
                        params: ProjectionParams | None = None,
                        cache: ResultCache | None = None, ctx: JobContext | None = None,
                        labels: str | None = None,
                        image_size: int | tuple[int, int] | None = None) -> Workspace:
    """Open a no-decoder map from its model spec (``pixels`` or ``vectors:...``);
    ``image_size`` is the size to load a folder or zip of images at."""
    if spec == PIXELS_SPEC:
        from latent_explorer.core.compute.pixel_map import open_pixels_workspace

        return open_pixels_workspace(dataset, params, cache, ctx, labels,
                                     image_size=image_size)
    parsed = VectorsSpec.parse(spec)
    if parsed.latents is None:
        raise SpecError("these vectors were handed over in memory and saved nowhere, so they "
                        "cannot be reopened: save the session again from the window that "
                        "shows them (it offers to write them beside the session), or save "
                        "them with numpy.save and open the .npy")
    for path in parsed.paths():
        if not Path(path).exists():
            raise InputFileError(Path(path), "no such file or folder (named by the session)")
    if parsed.xy is not None:  # the map is the table's own x and y, as when it was opened
        from latent_explorer.core.projection.table_projector import table_params

        params = table_params(*parsed.xy)
    return open_latents_workspace(parsed.latents, parsed.dataset, None, parsed.metadata,
                                  params=params, cache=cache, ctx=ctx, image_size=image_size)

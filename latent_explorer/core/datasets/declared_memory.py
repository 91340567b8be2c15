"""What opening an array dataset would hold in memory, from the shapes its headers declare.

``.npz`` members, ``.npy`` files and gzipped IDX files say their shapes and value types in a
few header bytes, and the data can compress a thousandfold (a 200-byte ``.npz`` declared
93 GiB). The loaders add up, from the headers alone, what they would allocate (the values as
read, and the uint8 images they become) and ask :func:`check_dataset_memory` before reading.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from latent_explorer.core.errors import DatasetError
from latent_explorer.core.memory_budget import check_memory

_CONVERT_CHUNK = 4096
"""Images converted at a time (as :mod:`~latent_explorer.core.datasets.conversion` does)."""


def image_conversion_bytes(shape: tuple[int, ...], dtype: np.dtype[np.generic]) -> int:
    """Bytes :func:`~latent_explorer.core.datasets.conversion.to_images` allocates for an
    array of ``shape`` and ``dtype``: nothing for uint8 images already laid out as
    ``(N, H, W[, C])``, else the uint8 result (and float chunks on the way)."""
    count = math.prod(shape)
    channel_first = len(shape) == 4 and shape[-1] not in (1, 2, 3, 4)
    if dtype == np.uint8 and not channel_first:
        return 0
    per_image = count // max(1, shape[0]) if shape else 0
    floats = 0 if dtype.kind in "bu" and dtype.itemsize == 1 else \
        min(shape[0] if shape else 0, _CONVERT_CHUNK) * per_image * 8
    return count * (2 if channel_first and dtype != np.uint8 else 1) + floats


def array_bytes(shape: tuple[int, ...], dtype: np.dtype[np.generic]) -> int:
    """Bytes an array of ``shape`` and ``dtype`` takes once read."""
    return math.prod(shape) * dtype.itemsize


def describe(shape: tuple[int, ...], dtype: np.dtype[np.generic]) -> str:
    """``70,000 x 28 x 28 float64``."""
    return f"{' x '.join(f'{n:,}' for n in shape)} {dtype}"


def check_dataset_memory(path: str | Path, nbytes: int, what: str) -> None:
    """Refuse, naming the file, a dataset whose declared arrays would not fit in memory."""
    check_memory(path, nbytes, what, DatasetError)


def npz_declared_bytes(path: str | Path) -> int:
    """Bytes the ``.npy`` members of an ``.npz`` declare together (read from their headers,
    not their data); 0 for an archive that cannot be read (its reader says why)."""
    import tokenize
    import zipfile
    import zlib

    total = 0
    try:
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                if not name.endswith(".npy"):
                    continue
                with archive.open(name) as stream:
                    version = np.lib.format.read_magic(stream)
                    read = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                            else np.lib.format.read_array_header_2_0)
                    shape, _, dtype = read(stream)
                total += array_bytes(tuple(int(n) for n in shape), np.dtype(dtype))
    except (OSError, EOFError, ValueError, SyntaxError, tokenize.TokenError,
            zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError):
        return 0
    return total

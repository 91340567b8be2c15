"""Samples named as a user names them: by number, by file name, or by a glob of file names.

An artist thinks of ``airplane/0004.jpg``, not of sample 4,187. Wherever samples are named
(``render --anchors``, ``explorer.render(anchors=...)``, ``explorer.selection = ...``,
``explorer.set_latent(...)``), each item may be:

- a sample number (``12``, or ``"12"``), 0 .. N-1;
- a file name as the dataset lists it (``"horse/0703.jpg"``, relative to the folder or zip),
  or just its base name (``"0703.jpg"``) when no other file has it;
- a glob (``"horse/*.jpg"``, ``"*/00[0-4]?.jpg"``): every file it matches, in the dataset's
  order.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Sequence

import numpy as np

from latent_explorer.core.datasets.base import Dataset
from latent_explorer.core.errors import SpecError

FILE_COLUMNS = ("file", "filename", "path")
"""Metadata columns that hold each sample's file name (a folder or zip of images has
``file``)."""
_GLOB = frozenset("*?[")


def sample_files(dataset: Dataset) -> list[str] | None:
    """Each sample's file name (``/`` separators), or ``None`` when the samples have none."""
    for key in FILE_COLUMNS:
        column = dataset.metadata.get(key)
        if column is None:
            continue
        values = np.asarray(column)
        if values.dtype.kind in "US" and len(values) == len(dataset):
            return [str(name).replace("\\", "/") for name in values]
    return None


def resolve_samples(dataset: Dataset, items: str | Iterable[int | str],
                    what: str = "samples") -> list[int]:
    """The sample numbers that ``items`` name, in order (a glob adds all it matches).

    Parameters
    ----------
    dataset
        The samples.
    items
        Numbers, file names and globs; a string is split at commas (as ``--anchors`` takes).
    what
        How the caller names them in errors (``"--anchors"``, ``"anchors"``).

    Raises
    ------
    SpecError
        A number out of range, a name no file has (or several have), a glob that matches
        nothing, a name for samples without file names, or nothing named at all.
    """
    words: Sequence[int | str] = ([w.strip() for w in items.split(",") if w.strip()]
                                  if isinstance(items, str) else list(items))
    if not words:
        raise SpecError(f"{what} names no samples")
    files = sample_files(dataset)
    index: dict[str, int] = {}
    for number, file in enumerate(files or ()):
        index.setdefault(file, number)
    found: list[int] = []
    for word in words:
        found.extend(_resolve(dataset, files, index, word, what))
    return found


def _resolve(dataset: Dataset, files: list[str] | None, index: dict[str, int],
             word: int | str, what: str) -> list[int]:
    count = len(dataset)
    number = _as_number(word)
    if number is not None:
        if not 0 <= number < count:
            raise SpecError(f"{what}: {dataset.name} has sample numbers 0 to {count - 1}; "
                            f"{number} is out of range")
        return [number]
    name = str(word).strip().replace("\\", "/")
    if files is None:
        raise SpecError(f"{what} {name!r}: {dataset.name} has no file names, so samples are "
                        f"comma-separated numbers 0 to {count - 1}")
    if name in index:
        return [index[name]]
    if _GLOB & set(name):
        matched = [i for i, file in enumerate(files) if fnmatch.fnmatchcase(file, name)]
        if not matched:
            raise SpecError(f"{what} {name!r}: no file of {dataset.name} matches it "
                            f"(names look like {files[0]!r})")
        return matched
    same_base = [i for i, file in enumerate(files) if file.rsplit("/", 1)[-1] == name]
    if len(same_base) == 1:
        return same_base
    if same_base:
        shown = ", ".join(repr(files[i]) for i in same_base[:3])
        raise SpecError(f"{what} {name!r}: {len(same_base)} files of {dataset.name} have that "
                        f"name ({shown}{' ...' if len(same_base) > 3 else ''}); give its folder "
                        "too")
    raise SpecError(f"{what} {name!r}: no file of {dataset.name} has that name (names look "
                    f"like {files[0]!r})")


def _as_number(word: int | str) -> int | None:
    if isinstance(word, bool):
        return None
    if isinstance(word, int | np.integer):
        return int(word)
    text = str(word).strip()
    return int(text) if text.isdigit() or (text.startswith("-") and text[1:].isdigit()) \
        else None

"""What a loaded session must hold: every field of the document it was read from.

The fuzz tests used to accept any session that loaded without an unexpected exception, so a
reader that silently dropped a field (or the size cap switched off) passed them. Here a loaded
session is written back into a document (:func:`encode_session`) and compared, field by
field, with the document it came from: every value the file states must come back, arrays
by value.
"""

from __future__ import annotations

import copy
import io
import zipfile
from typing import Any

import numpy as np

from latent_explorer.core.session.analysis_data import AnalysisSnapshot, encode_analysis
from latent_explorer.core.session.data import SessionData
from latent_explorer.core.session.schema import encode_session, migrate

ARRAY_SECTIONS = ("projection", "view", "selections", "bookmarks", "attributes", "paths",
                  "analysis")
ARRAY_FIELDS = ("coords", "current_latent", "indices", "labels", "latent", "vector", "anchors",
                "selection", "clusters")
ARRAY_MAPS = (("analysis", "scores"),)
"""Records whose every value names an array (a score's name -> its array)."""
UNORDERED = ("hidden_labels",)
"""Fields stored as a set: their order and repeats in the file carry no meaning."""
NOT_KEPT = ("app_version",)
"""Fields that say who wrote the file, not what it holds."""


def npz_arrays(npz: bytes) -> dict[str, np.ndarray]:
    """The arrays of an ``arrays.npz`` held in memory, by key."""
    with zipfile.ZipFile(io.BytesIO(npz)) as archive:
        return {name.removesuffix(".npy"): np.load(io.BytesIO(archive.read(name)))
                for name in archive.namelist()}


def assert_reflects(doc: dict[str, Any], arrays: dict[str, np.ndarray],
                    session: SessionData) -> None:
    """Assert that ``session`` holds every value ``doc`` (any schema version) states."""
    stated = migrate(copy.deepcopy(doc), "fuzz")
    kept, kept_arrays = encode_session(session)
    _compare(stated, kept, arrays, kept_arrays, ())


def _compare(stated: Any, kept: Any, arrays: dict[str, np.ndarray],
             kept_arrays: dict[str, np.ndarray], where: tuple[Any, ...]) -> None:
    name = ".".join(str(part) for part in where) or "document"
    if where and where[-1] in NOT_KEPT:
        return
    if where == ("analysis",) and stated is None:  # a version-2 file: no analysis yet
        stated = encode_analysis(AnalysisSnapshot(), lambda key, values, dtype: None)
    if _is_array_ref(where, stated):
        assert isinstance(kept, str), f"{name}: the array was dropped"
        want, got = arrays[stated], kept_arrays[kept]
        np.testing.assert_array_equal(want.astype(got.dtype), got, err_msg=name)
        return
    if isinstance(stated, dict):
        assert isinstance(kept, dict), f"{name}: {kept!r} is no record"
        for key, value in stated.items():
            if key in kept:  # a key the schema does not know is ignored by design
                _compare(value, kept[key], arrays, kept_arrays, (*where, key))
        return
    if where and where[-1] in UNORDERED:
        assert sorted(set(stated)) == kept, f"{name}: {stated!r} came back as {kept!r}"
        return
    if isinstance(stated, list):
        assert isinstance(kept, list) and len(stated) == len(kept), \
            f"{name}: {stated!r} came back as {kept!r}"
        for index, (a, b) in enumerate(zip(stated, kept, strict=True)):
            _compare(a, b, arrays, kept_arrays, (*where, index))
        return
    assert stated == kept and (stated is None) == (kept is None), \
        f"{name}: the file says {stated!r}, the loaded session {kept!r}"


def _is_array_ref(where: tuple[Any, ...], value: Any) -> bool:
    return isinstance(value, str) and len(where) >= 2 and (
        (where[0] in ARRAY_SECTIONS and where[-1] in ARRAY_FIELDS)
        or tuple(where[:-1]) in ARRAY_MAPS)

"""The research tools' work in a session: the current selection, the filter, clusters with
their settings, and computed scores, so reopening a session recomputes nothing.

Stored in the session file (schema version 3) under ``"analysis"``::

    "analysis": {"selection": "analysis.selection", "filter_text": "taken > 2025-01-01",
                 "opacity_by": "", "cluster_method": "kmeans", "cluster_param": 12,
                 "clusters": "analysis.clusters", "scores": {"density": "analysis.density"},
                 "outlier_score": "density", "outlier_count": 24,
                 "neighbor_k": 10, "neighbor_metric": "euclidean",
                 "card_columns": ["species", "id"], "chart_columns": ["score", "taken"]}

``card_columns`` and ``chart_columns`` (the fields a row's card shows, the columns charted
beside the map) may be absent: older version 3 files have neither.

Arrays live in ``arrays.npz`` like every other: ``selection`` and ``clusters`` int64 (a
cluster id per sample, -1 for HDBSCAN's noise), scores float32 per sample.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float32]
CLUSTER_METHODS = ("kmeans", "hdbscan")
SCORES = ("error", "density")
NEIGHBOR_METRICS = ("euclidean", "cosine")


@dataclass(eq=False)
class AnalysisSnapshot:
    """What the research tools computed and how they were set. Every field has a default."""

    selection: IntArray | None = None
    """The current (unnamed) selection: sorted sample indices, or ``None``."""
    filter_text: str = ""
    """The filter typed in the filter bar."""
    opacity_by: str = ""
    """The column that sets the points' opacity (empty: opaque)."""
    cluster_method: str = "kmeans"
    """``kmeans`` or ``hdbscan``."""
    cluster_param: int = 10
    """k for k-means, the minimum cluster size for HDBSCAN."""
    clusters: IntArray | None = None
    """The cluster id of every sample (-1: noise) as computed with those settings."""
    scores: dict[str, FloatArray] = field(default_factory=dict)
    """Computed per-sample scores by name: ``density`` (isolation), ``error``."""
    outlier_score: str = "error"
    outlier_count: int = 24
    neighbor_k: int = 10
    neighbor_metric: str = "euclidean"
    card_columns: tuple[str, ...] = ()
    """The columns a row's card shows (empty: the first few with a value)."""
    chart_columns: tuple[str, ...] = ()
    """The columns charted beside the map (empty: the first few that chart)."""

    def arrays(self) -> list[npt.NDArray[Any]]:
        """Its per-sample arrays (for checks that they fit one dataset)."""
        found: list[npt.NDArray[Any]] = [] if self.clusters is None else [self.clusters]
        return found + list(self.scores.values())


def encode_analysis(snapshot: AnalysisSnapshot,
                    put: Any) -> dict[str, Any]:
    """The JSON part of ``snapshot``; ``put(key, array, dtype)`` stores an array and returns
    its key (see :func:`latent_explorer.core.session.schema.encode_session`)."""
    return {
        "selection": put("analysis.selection", snapshot.selection if snapshot.selection
                         is not None and len(snapshot.selection) else None, np.int64),
        "filter_text": snapshot.filter_text,
        "opacity_by": snapshot.opacity_by,
        "cluster_method": snapshot.cluster_method,
        "cluster_param": int(snapshot.cluster_param),
        "clusters": put("analysis.clusters", snapshot.clusters, np.int64),
        "scores": {name: put(f"analysis.{name}", values, np.float32)
                   for name, values in sorted(snapshot.scores.items())},
        "outlier_score": snapshot.outlier_score,
        "outlier_count": int(snapshot.outlier_count),
        "neighbor_k": int(snapshot.neighbor_k),
        "neighbor_metric": snapshot.neighbor_metric,
        "card_columns": list(snapshot.card_columns),
        "chart_columns": list(snapshot.chart_columns),
    }


def analysis_array_fields(doc: dict[str, Any]) -> list[tuple[str, str]]:
    """The keys of ``arrays.npz`` that the ``"analysis"`` part of ``doc`` refers to, each with
    the kind of copy the reader makes of it (``"int"``: int64, ``"float"``: float32), once
    per field naming it."""
    part = doc.get("analysis")
    if not isinstance(part, dict):
        return []
    fields: list[tuple[Any, str]] = [(part.get("selection"), "int"),
                                     (part.get("clusters"), "int")]
    scores = part.get("scores")
    if isinstance(scores, dict):
        fields.extend((key, "float") for key in scores.values())
    return [(key, kind) for key, kind in fields if isinstance(key, str)]


def decode_analysis(r: Any, value: Any) -> AnalysisSnapshot:
    """Check the ``"analysis"`` part (``r`` is the session reader) and build its snapshot."""
    if value is None:
        return AnalysisSnapshot()
    a = r.obj(value, "analysis")
    selection = a.get("selection")
    clusters = a.get("clusters")
    cluster_array = None if clusters is None else r.array(clusters, "analysis.clusters", 1,
                                                          True)
    if cluster_array is not None and np.any(cluster_array < -1):
        raise r.fail("analysis.clusters", "holds ids below -1 (noise)")
    scores = {}
    for name, key in r.obj(a.get("scores", {}), "analysis.scores").items():
        if name not in SCORES:
            raise r.fail("analysis.scores", f"names {name!r}; expected one of "
                                            f"{', '.join(SCORES)}")
        scores[name] = r.floats(key, f"analysis.scores.{name}", 1)
    snapshot = AnalysisSnapshot(
        selection=None if selection is None else r.ints(selection, "analysis.selection"),
        filter_text=r.text(a.get("filter_text", ""), "analysis.filter_text"),
        opacity_by=r.text(a.get("opacity_by", ""), "analysis.opacity_by"),
        cluster_method=r.choice(a.get("cluster_method", "kmeans"), "analysis.cluster_method",
                                CLUSTER_METHODS),
        cluster_param=r.integer(a.get("cluster_param", 10), "analysis.cluster_param", 2),
        clusters=cluster_array,
        scores=scores,
        outlier_score=r.choice(a.get("outlier_score", "error"), "analysis.outlier_score",
                               SCORES),
        outlier_count=r.integer(a.get("outlier_count", 24), "analysis.outlier_count", 1),
        neighbor_k=r.integer(a.get("neighbor_k", 10), "analysis.neighbor_k", 1),
        neighbor_metric=r.choice(a.get("neighbor_metric", "euclidean"),
                                 "analysis.neighbor_metric", NEIGHBOR_METRICS),
        card_columns=_names(r, a.get("card_columns", []), "analysis.card_columns"),
        chart_columns=_names(r, a.get("chart_columns", []), "analysis.chart_columns"),
    )
    lengths = {len(array) for array in snapshot.arrays()}
    if len(lengths) > 1:
        raise r.fail("analysis", f"holds clusters and scores of different lengths "
                                 f"({sorted(lengths)}); they describe one dataset")
    return snapshot


def _names(r: Any, value: Any, where: str) -> tuple[str, ...]:
    """A list of column names."""
    if not isinstance(value, list):
        raise r.fail(where, f"must be a list of column names, not {type(value).__name__}")
    return tuple(r.text(item, f"{where}[{i}]") for i, item in enumerate(value))


def check_fits(r: Any, snapshot: AnalysisSnapshot, count: int) -> None:
    """Refuse a snapshot whose arrays do not fit a map of ``count`` samples."""
    for array in snapshot.arrays():
        if len(array) != count:
            raise r.fail("analysis", f"holds {len(array)} values per sample, but the map "
                                     f"has {count} samples")
    if snapshot.selection is not None and np.any(snapshot.selection >= count):
        raise r.fail("analysis.selection", f"holds indices beyond the map's {count} samples")


def v2_to_v3(doc: dict[str, Any]) -> dict[str, Any]:
    """Version 2 -> 3: sessions gain the research tools' ``"analysis"`` (empty before)."""
    migrated = dict(doc)
    migrated["schema_version"] = 3
    migrated.setdefault("analysis", None)
    return migrated

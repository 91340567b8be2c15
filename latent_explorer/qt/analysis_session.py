"""The research tools' part of a session: taken from the window and put back.

Saved: named selections, attribute vectors, the colouring, the current (unnamed) selection,
the filter, clusters with their settings, computed scores, outlier and neighbour settings.
Restoring puts them back as they were: clusters keep the k they were computed with and
scores are not computed again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from latent_explorer.core.analysis.attributes import AttributeVector
from latent_explorer.core.session.analysis_data import SCORES, AnalysisSnapshot
from latent_explorer.core.session.analysis_state import AnalysisState

if TYPE_CHECKING:
    from latent_explorer.core.compute.pipeline import Workspace
    from latent_explorer.core.session.data import SessionData


class AnalysisParts(Protocol):
    """What is read and restored (the analysis controller)."""

    state: AnalysisState
    computed: dict[str, np.ndarray]

    def adopt_computed(self, values: dict[str, np.ndarray]) -> None: ...
    def apply_filter_when_ready(self, text: str) -> None: ...
    def show_clusters(self, ws: Workspace, labels: np.ndarray, title: str) -> None: ...


def analysis_snapshot(parts: AnalysisParts) -> AnalysisSnapshot:
    """The tools' work now, for a session."""
    s = parts.state
    scores = {name: np.asarray(parts.computed[name], dtype=np.float32) for name in SCORES
              if name in parts.computed and np.all(np.isfinite(parts.computed[name]))}
    clusters = parts.computed.get("cluster")
    return AnalysisSnapshot(
        selection=s.selection.copy() if len(s.selection) else None,
        filter_text=s.filter_text, opacity_by=s.opacity_by,
        cluster_method=s.cluster_method, cluster_param=int(s.cluster_param),
        clusters=None if clusters is None else np.asarray(clusters, dtype=np.int64),
        scores=scores, outlier_score=s.outlier_score, outlier_count=int(s.outlier_count),
        neighbor_k=int(s.neighbor_k), neighbor_metric=s.neighbor_metric)


def restore_analysis(parts: AnalysisParts, session: SessionData, ws: Workspace) -> list[str]:
    """Put the session's research work back on ``ws``; returns notes on what did not fit."""
    s = parts.state
    a = session.analysis
    count = len(ws.dataset)
    notes = []
    s.named_selections = tuple(session.selections)
    s.attributes = tuple(AttributeVector(v.name, np.asarray(v.vector, np.float32),
                                         v.description) for v in session.attributes)
    s.cluster_method, s.cluster_param = a.cluster_method, a.cluster_param
    s.outlier_count, s.neighbor_k, s.neighbor_metric = a.outlier_count, a.neighbor_k, \
        a.neighbor_metric
    if ws.has_decoder or a.outlier_score != "error":
        s.outlier_score = a.outlier_score
    fitting = [x for x in a.arrays() if len(x) == count]
    if len(fitting) != len(a.arrays()):
        notes.append("the saved clusters and scores are of another dataset; not restored")
    else:
        computed: dict[str, np.ndarray] = {name: np.asarray(values, dtype=np.float64)
                                           for name, values in a.scores.items()}
        if a.clusters is not None:
            computed["cluster"] = np.asarray(a.clusters, dtype=np.int64)
        parts.adopt_computed(computed)
        if a.clusters is not None:
            method = "k-means with k" if a.cluster_method == "kmeans" \
                else "HDBSCAN, min cluster size"
            parts.show_clusters(ws, computed["cluster"], f"{method} = {a.cluster_param}")
    s.colour_by = session.colour_by or "label"
    s.opacity_by = a.opacity_by
    if a.selection is not None:
        if len(a.selection) and int(a.selection.max()) >= count:
            notes.append("the saved selection does not fit these samples; not restored")
        else:
            s.select(a.selection)
    if a.filter_text:
        parts.apply_filter_when_ready(a.filter_text)
    return notes


def named_parts(state: AnalysisState) -> tuple[list[Any], list[Any], str]:
    """(named selections, attribute vectors, colour-by) for a session snapshot."""
    from latent_explorer.core.session.data import AttributeVector as SessionVector

    vectors = [SessionVector(a.name, a.vector, a.description) for a in state.attributes]
    return list(state.named_selections), vectors, state.colour_by

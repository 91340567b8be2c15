"""Issue 25: sessions keep the research work (schema version 3), and older files still open."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from latent_explorer.core.session.schema import SessionError
from latent_explorer.core.session.store import load_session, save_session
from tests.core.test_session_store import DATA, assert_same, full_session


def test_committed_v3_file_keeps_the_research_work() -> None:
    """Version 3 keeps the current selection, the filter, clusters with their k, and scores
    (issue 25: k-means k = 12 came back as 10, isolation scores were recomputed)."""
    session = load_session(DATA / "v3.lxs")
    a = session.analysis
    assert a.selection is not None and a.selection.tolist() == [1, 4, 9]
    assert a.filter_text == "label in (1, 7) and index < 15" and a.opacity_by == "density"
    assert (a.cluster_method, a.cluster_param) == ("kmeans", 12)
    assert a.clusters is not None and a.clusters.tolist() == [i % 12 for i in range(20)]
    np.testing.assert_allclose(a.scores["density"], np.linspace(0.5, 2.5, 20), rtol=1e-6)
    assert (a.outlier_score, a.outlier_count, a.neighbor_k, a.neighbor_metric) == (
        "density", 5, 7, "cosine")
    assert session.colour_by == "cluster"
    # The rest is the v2 file's.
    assert_same(session.projection.coords, load_session(DATA / "v2.lxs").projection.coords)


def test_older_files_open_with_no_research_work() -> None:
    from latent_explorer.core.session.analysis_data import AnalysisSnapshot

    for name in ("v1.lxs", "v2.lxs"):
        assert_same(load_session(DATA / name).analysis, AnalysisSnapshot(), name)


def test_research_work_that_does_not_fit_the_map_is_refused(tmp_path: Path) -> None:
    session = full_session()
    session.analysis.clusters = np.zeros(49, np.int64)  # the scores have 50
    with pytest.raises(SessionError, match=r"clusters and scores of different lengths"):
        save_session(tmp_path / "bad.lxs", session)
    session.analysis.scores = {}
    with pytest.raises(SessionError, match="analysis holds 49 values per sample, but the map "
                                           "has 50"):
        save_session(tmp_path / "bad.lxs", session)
    session = full_session()
    session.analysis.clusters = np.full(50, -2, np.int64)
    with pytest.raises(SessionError, match="ids below -1"):
        save_session(tmp_path / "bad.lxs", session)

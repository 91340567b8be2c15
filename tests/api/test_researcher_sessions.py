"""Issue 25, section 3: sessions of embeddings keep the work (clusters with their k, the
filter, the unnamed selection, computed scores) and reopen by every route; vectors handed
over in memory are saved beside the session when the user agrees."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

import latent_explorer as lx
from latent_explorer.core.compute.vectors_workspace import VectorsSpec
from latent_explorer.qt.main_window import MainWindow
from tests.conftest import REPO
from tests.researcher_data import researcher_table, researcher_vectors

pd = pytest.importorskip("pandas")
pytest.importorskip("pyarrow")


def _window(qtbot: Any, tmp_path: Path, name: str) -> MainWindow:
    window = MainWindow(settings=QSettings(str(tmp_path / f"{name}.ini"),
                                           QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.resize(1200, 800)
    window.show()
    return window


def _files(folder: Path) -> tuple[Path, Path]:
    researcher_table(folder).to_parquet(folder / "meta.parquet")  # pictures beside it
    np.save(folder / "z.npy", researcher_vectors())
    return folder / "z.npy", folder / "meta.parquet"


def test_a_session_of_embeddings_keeps_the_work_and_reopens_by_every_route(
        qtbot: Any, tmp_path: Path) -> None:
    z_path, meta = _files(tmp_path)
    window = _window(qtbot, tmp_path, "first")
    with qtbot.waitSignal(window.workspace_changed, timeout=60_000):
        window.open(None, VectorsSpec(str(z_path), None, str(meta)).to_spec())
    analysis = window.analysis
    analysis.state.cluster_param = 12
    with qtbot.waitSignal(analysis.jobs.prototypes_ready, timeout=120_000):
        analysis.compute("cluster")
    with qtbot.waitSignal(analysis.jobs.computed, timeout=120_000):
        analysis.compute("density")
    clusters = analysis.computed["cluster"].copy()
    density = analysis.computed["density"].copy()
    assert len(np.unique(clusters)) == 12
    analysis.filter_bar.edit.setText("taken >= 2025-01-01 and not is_outlier")
    analysis.filter_bar.apply()
    shown = analysis.map_view.cloud.visible.copy()
    analysis.state.select([5, 6, 7, 1999])
    analysis.state.colour_by = "cluster"
    saved = window.sessions.save(tmp_path / "embeddings.lxs")
    assert saved is not None

    # The command line reopens it and takes a screenshot (it checked the "vectors:" spec as
    # a file and said the files no longer existed).
    shot = tmp_path / "shot.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen",
               XDG_STATE_HOME=str(tmp_path / "state"), XDG_DATA_HOME=str(tmp_path / "data"),
               PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    result = subprocess.run([sys.executable, "-m", "latent_explorer", "--no-cache", "gui",
                             "--session", str(saved), "--screenshot", str(shot)],
                            cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=600, check=False)
    assert result.returncode == 0, result.stderr
    assert shot.is_file()

    # The window reopens it as it was: nothing is computed again.
    again = _window(qtbot, tmp_path, "again")
    with qtbot.waitSignal(again.sessions.restored, timeout=120_000):
        again.sessions.open_session(saved)
    restored = again.analysis
    assert not any(runner.running for runner in restored.jobs.scores.values())
    assert (restored.state.cluster_method, restored.state.cluster_param) == ("kmeans", 12)
    np.testing.assert_array_equal(restored.computed["cluster"], clusters)
    np.testing.assert_allclose(restored.computed["density"], density, rtol=1e-6)
    assert restored.state.filter_text == "taken >= 2025-01-01 and not is_outlier"
    assert restored.filter_bar.edit.text() == restored.state.filter_text
    np.testing.assert_array_equal(again.map_view.cloud.visible, shown)
    assert restored.state.selection.tolist() == [5, 6, 7, 1999]
    assert restored.state.colour_by == "cluster"
    assert restored.colour_panel.legend.count() == 12
    qtbot.waitUntil(lambda: len(restored.prototype_strip.grid.keys) == 12, timeout=30_000)


def _click_when_asked(text: str, asked: list[str]) -> None:
    """Answer the question about vectors in memory with the button ``text`` once shown."""
    from latent_explorer.qt.vectors_session import BOX_NAME

    def answer() -> None:
        boxes = [w for w in QApplication.topLevelWidgets()
                 if isinstance(w, QMessageBox) and w.objectName() == BOX_NAME and w.isVisible()]
        if not boxes:
            QTimer.singleShot(20, answer)
            return
        asked.append(boxes[0].text())
        button = next(b for b in boxes[0].buttons() if b.text() == text)
        button.click()

    QTimer.singleShot(0, answer)


def test_vectors_in_memory_are_saved_beside_the_session(open_explorer: Any, qtbot: Any,
                                                         tmp_path: Path,
                                                         monkeypatch: Any) -> None:
    frame = researcher_table(count=300)
    vectors = researcher_vectors(300)
    images = np.random.default_rng(3).integers(0, 256, (300, 6, 6, 3), np.uint8)
    explorer = open_explorer(latents=vectors, data=images, labels=frame["species"].astype(str),
                             metadata=frame.drop(columns=["species"]))
    # From Python: a clear message instead of a session that cannot reopen.
    with pytest.raises(lx.LatentExplorerError, match="save_vectors=True"):
        explorer.save_session(tmp_path / "api.lxs")
    assert not (tmp_path / "api.lxs").exists()
    window = explorer.window
    # In the window: Save Session asks, and "Save Vectors Beside It" writes them there.
    target = tmp_path / "work.lxs"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(target), "")))
    asked: list[str] = []
    _click_when_asked("Save Vectors Beside It", asked)
    window.save_session_action.trigger()
    assert asked and "could not reopen" in asked[0] and "work.vectors.npy" in asked[0]
    assert target.is_file() and (tmp_path / "work.vectors.npy").is_file()
    np.testing.assert_array_equal(np.load(tmp_path / "work.vectors.npy"), vectors)
    # It reopens: the same vectors, labels, pictures and typed columns.
    again = _window(qtbot, tmp_path, "again")
    with qtbot.waitSignal(again.sessions.restored, timeout=120_000):
        again.sessions.open_session(target)
    ws = again.workspace
    np.testing.assert_array_equal(ws.latents, vectors)
    np.testing.assert_array_equal(ws.dataset.images, images)
    assert ws.dataset.label_names == ["ant", "bee", "cat", "dog", "eel"]
    meta = ws.dataset.metadata
    assert meta["id"].is_integer and meta["id"].text(7) == "100007"
    assert meta["taken"].kind == "datetime" and meta["is_outlier"].kind == "boolean"
    # Python: save_vectors=True does the same without a question.
    saved = explorer.save_session(tmp_path / "api.lxs", save_vectors=True)
    assert saved.is_file()

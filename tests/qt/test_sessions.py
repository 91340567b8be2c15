"""Sessions in the window: save and reopen everything, relocate moved files, survive a kill."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QFileDialog, QMessageBox

from latent_explorer.core.session.autosave import RecoveryStore
from latent_explorer.qt.main_window import MainWindow
from tests.qt.conftest import wait_decoded


def _fresh_window(qtbot, tmp_path: Path, name: str, recovery=None) -> MainWindow:  # type: ignore[no-untyped-def]
    window = MainWindow(settings=QSettings(str(tmp_path / f"{name}.ini"),
                                           QSettings.Format.IniFormat), recovery=recovery)
    qtbot.addWidget(window)
    window.show()
    return window


def _build_some_work(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    ws = window.workspace
    window.paths.path.add_anchor(ws.latents[3], 3)
    window.paths.path.add_anchor(ws.latents[99], 99)
    window.paths.path.loop = True
    window.paths.library.add("Second")
    window.paths.path.add_anchor(ws.latents[7], 7)
    window.paths.path.add_anchor(ws.latents[8], 8)
    window.paths.path.set_hold(1, 5)
    window.explorer.selected_index = 42
    window.explorer.hidden_labels = frozenset({3, 5})
    window.explorer.slider_basis = "pca"
    window.explorer.current_latent = np.linspace(-1, 1, 8).astype(np.float32)
    wait_decoded(qtbot, window)


def test_save_and_reopen_a_session_restores_everything(make_window, qtbot, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                       monkeypatch) -> None:
    window = make_window()
    # t-SNE of the 1,797 digits: under a minute on a quiet machine, minutes on a busy one.
    with qtbot.waitSignal(window.map_changed, timeout=300_000):
        window.projection.method = "tsne"
        window.compute_projection()
    _build_some_work(window, qtbot)
    target = tmp_path / "work.lxs"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(target), "")))
    window.save_session_action.trigger()
    assert target.exists() and "work" in window.windowTitle()

    again = _fresh_window(qtbot, tmp_path, "again")
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(target), "")))
    with qtbot.waitSignal(again.sessions.restored, timeout=60_000):
        again.open_session_action.trigger()
    try:
        assert again.workspace.projector.params.method == "tsne"
        np.testing.assert_allclose(again.workspace.projector.coords,
                                   window.workspace.projector.coords)
        assert again.explorer.hidden_labels == frozenset({3, 5})
        assert again.explorer.slider_basis == "pca"
        assert again.sliders.basis_combo.currentIndex() == 1
        assert again.explorer.selected_index == 42
        np.testing.assert_allclose(again.explorer.current_latent, np.linspace(-1, 1, 8))
        names = [p.name for p in again.paths.library.paths]
        assert names == ["Path 1", "Second"] and again.paths.library.active_index == 1
        first, second = again.paths.library.paths
        assert first.loop and [a.index for a in first.anchors] == [3, 99]
        assert [a.hold for a in second.anchors] == [0, 5]
        wait_decoded(qtbot, again)
        assert again.decoder_view.decoded_pane.array is not None
    finally:
        again.close()


def test_a_moved_dataset_can_be_relocated(  # type: ignore[no-untyped-def]
        make_window, qtbot, tmp_path: Path, monkeypatch) -> None:
    from sklearn.datasets import load_digits

    original = tmp_path / "digits.npz"
    digits = load_digits()
    np.savez(original, images=(digits.images * 255 / 16).round().astype(np.uint8),
             labels=digits.target)
    window = make_window(dataset=str(original))
    _build_some_work(window, qtbot)
    session = tmp_path / "s.lxs"
    window.sessions.save(session)
    moved = tmp_path / "moved.npz"
    original.rename(moved)
    again = _fresh_window(qtbot, tmp_path, "again")
    monkeypatch.setattr(QMessageBox, "question",
                        staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes))
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(moved), "")))
    with qtbot.waitSignal(again.sessions.restored, timeout=60_000):
        again.sessions.open_session(session)
    try:
        assert again.workspace.dataset.source.endswith("moved.npz")
        assert [a.index for a in again.paths.library.paths[0].anchors] == [3, 99]
    finally:
        again.close()


def test_a_broken_session_file_changes_nothing(make_window, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    ws = window.workspace
    broken = tmp_path / "broken.lxs"
    broken.write_bytes(b"PK\x03\x04 this is not a session")
    with qtbot.waitSignal(window.jobs.started, timeout=5000) as started:
        window.sessions.open_session(broken)  # read in the background, as a job
    assert started.args[0] == "Opening session broken.lxs"
    qtbot.waitUntil(lambda: "broken.lxs" in window.last_error, timeout=10_000)
    assert window.workspace is ws


def _pending_recovery(state: Path) -> Path:
    """A recovery file left by a run that was killed: a path through samples 10 and 20."""
    from latent_explorer.core.session.data import SessionData, SessionPath
    from tests.core.test_session_recovery import dead_pid

    ws_latents = np.eye(2, 8, dtype=np.float32)
    crashed = RecoveryStore(state, pid=dead_pid())
    crashed.write(SessionData(selected_index=77,
                              current_latent=np.full(8, 0.25, dtype=np.float32),
                              paths=[SessionPath("tour", ws_latents, indices=(10, 20))],
                              active_path=0))
    pending = RecoveryStore(state).pending()
    assert pending is not None
    return pending


def test_the_restore_question_does_not_block_and_survives_a_vanished_file(  # type: ignore[no-untyped-def]
        qtbot, tmp_path: Path) -> None:
    from PySide6.QtWidgets import QMessageBox

    state = tmp_path / "state"
    _pending_recovery(state)
    window = _fresh_window(qtbot, tmp_path, "after", recovery=RecoveryStore(state))
    try:
        assert window.sessions.offer_recovery()  # returns at once: nothing waits for it
        box = window.sessions.recovery_box
        assert box is not None and box.isVisible()
        with qtbot.waitSignal(window.workspace_changed, timeout=60_000):
            window.open("digits", "demo")  # the command line's dataset loads meanwhile
        assert box.isVisible()
        with qtbot.waitSignal(window.sessions.restored, timeout=60_000):
            box.button(QMessageBox.StandardButton.Yes).click()
        assert [a.index for a in window.paths.path.anchors] == [10, 20]
        assert window.explorer.selected_index == 77
        np.testing.assert_allclose(window.explorer.current_latent, 0.25)
        # Again, but another window takes the file while the question is open.
        pending = _pending_recovery(state)
        assert window.sessions.offer_recovery()
        RecoveryStore(state).take(pending)
        window.sessions.recovery_box.button(QMessageBox.StandardButton.Yes).click()
        assert "another Latent Explorer window" in window.last_error
        assert window.workspace is not None and window.isVisible()
    finally:
        window.close()


def test_quitting_while_the_restore_question_is_open_keeps_the_crashed_work(  # type: ignore[no-untyped-def]
        qtbot, tmp_path: Path) -> None:
    """Closing the window is no answer: the crashed session's file stays, and the next start
    offers it again. Only No discards it."""
    from PySide6.QtWidgets import QMessageBox

    state = tmp_path / "state"
    pending = _pending_recovery(state)
    window = _fresh_window(qtbot, tmp_path, "quit", recovery=RecoveryStore(state))
    assert window.sessions.offer_recovery()
    with qtbot.waitSignal(window.workspace_changed, timeout=60_000):
        window.open("digits", "demo")
    # A quit (SIGTERM and logout included) closes the window, then every other window of the
    # app, the question too, as Qt does when the application quits.
    box = window.sessions.recovery_box
    assert box is not None
    window.close()
    box.close()
    qtbot.waitUntil(lambda: window.sessions.recovery_box is None, timeout=2000)
    assert pending.is_file() and RecoveryStore(state).pending() == pending

    again = _fresh_window(qtbot, tmp_path, "again", recovery=RecoveryStore(state))
    try:
        assert again.sessions.offer_recovery()
        answer = again.sessions.recovery_box
        assert answer is not None
        answer.button(QMessageBox.StandardButton.No).click()
        qtbot.waitUntil(lambda: again.sessions.recovery_box is None)
        assert not pending.exists() and RecoveryStore(state).pending() is None
    finally:
        again.close()


def _pending_with_a_moved_dataset(state: Path, tmp_path: Path) -> Path:
    """A crashed run's recovery file whose dataset file has since been deleted."""
    from latent_explorer.core.session.data import DatasetRef, ModelRef, Selection, SessionData
    from tests.core.test_session_recovery import dead_pid

    gone = tmp_path / "moved.npz"
    np.savez(gone, images=np.zeros((30, 8, 8), np.uint8))
    crashed = RecoveryStore(state, pid=dead_pid())
    crashed.write(SessionData(dataset=DatasetRef(str(gone)), model=ModelRef("demo"),
                              selections=[Selection("mine", np.arange(5))]))
    gone.unlink()
    pending = RecoveryStore(state).pending()
    assert pending is not None
    return pending


def _holds_the_crashed_work(path: Path | None) -> bool:
    from latent_explorer.core.session.store import load_session

    return path is not None and [s.name for s in load_session(path).selections] == ["mine"]


@pytest.mark.parametrize("how", ["declined", "quit"])
def test_recovered_work_not_shown_is_kept_for_the_next_start(  # type: ignore[no-untyped-def]
        qtbot, tmp_path: Path, monkeypatch, how: str) -> None:
    """Restoring asks where the moved dataset is; answering No, or quitting while the
    question is open, keeps the crashed work for the next start (this run's autosaves go
    elsewhere)."""
    from PySide6.QtWidgets import QMessageBox

    state = tmp_path / "state"
    _pending_with_a_moved_dataset(state, tmp_path)
    window = _fresh_window(qtbot, tmp_path, how, recovery=RecoveryStore(state))
    with qtbot.waitSignal(window.workspace_changed, timeout=60_000):
        window.open("digits", "demo")

    def question(*args, **kwargs):  # type: ignore[no-untyped-def]
        if how == "quit":
            window.close()  # SIGTERM or a logout while the question waits
        return QMessageBox.StandardButton.No

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    assert window.sessions.offer_recovery(ask=False)
    if how == "declined":
        assert "kept and offered again at the next start" in window.last_error
        window.sessions.autosave()  # this run's own work
        window.close()
    assert _holds_the_crashed_work(RecoveryStore(state).pending())


@pytest.mark.qt_no_exception_capture  # this test checks our own handler, not pytest-qt's
def test_uncaught_exceptions_are_logged_and_shown(make_window, qtbot, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                  monkeypatch) -> None:
    from PySide6.QtCore import QTimer

    from latent_explorer.qt.crash_handler import install_crash_handler

    monkeypatch.setenv("LATENT_EXPLORER_LOG", str(tmp_path / "logs"))
    window = make_window()
    old_hook = sys.excepthook
    handler = install_crash_handler(window)
    try:
        def broken_slot() -> None:
            raise RuntimeError("a bug in a slot")

        QTimer.singleShot(0, broken_slot)
        qtbot.waitUntil(lambda: bool(handler.dialogs), timeout=5000)
        box = handler.dialogs[0]
        assert "a bug in a slot" in box.text() and "RuntimeError" in box.detailedText()
        assert "a bug in a slot" in (tmp_path / "logs").glob("*.log").__next__().read_text()
        assert window.isVisible() and window.workspace is not None
        box.close()
    finally:
        sys.excepthook = old_hook
        import threading

        threading.excepthook = threading.__excepthook__


def test_bookmarks_jump_back_and_are_saved(make_window, qtbot, tmp_path: Path,  # type: ignore[no-untyped-def]
                                           monkeypatch) -> None:
    from PySide6.QtWidgets import QInputDialog

    window = make_window()
    window.explorer.current_latent = np.full(8, 0.3, dtype=np.float32)
    window.map_view.view_box.setRange(xRange=(0.0, 1.0), yRange=(-1.0, 0.5), padding=0)
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("thin 7", True)))
    window.bookmarks.add_action.trigger()
    window.explorer.current_latent = np.zeros(8, dtype=np.float32)
    window.map_view.reset_view()
    window.bookmarks.menu.aboutToShow.emit()
    jump = next(a for a in window.bookmarks.menu.actions() if a.text() == "thin 7")
    jump.trigger()
    np.testing.assert_allclose(window.explorer.current_latent, 0.3)
    (x0, x1), _ = window.map_view.view_box.viewRange()
    assert abs(x0) < 1e-6 and abs(x1 - 1.0) < 1e-6
    path = window.sessions.save(tmp_path / "b.lxs")
    again = _fresh_window(qtbot, tmp_path, "again")
    with qtbot.waitSignal(again.sessions.restored, timeout=60_000):
        again.sessions.open_session(path)
    try:
        assert [b.name for b in again.bookmarks.bookmarks] == ["thin 7"]
    finally:
        again.close()

"""The trust gate of the window attacked as a hostile file's author would (issue 23).

A TorchScript archive that writes a file when it loads is tried after a trusted adapter on
every route a user has to open a model (the command line's and the API's ``window.open``,
File > Open Recent, a session with and without its trust flag, a file dropped on the window,
the Open Model dialog, the A/B comparison): nothing of it runs until the user says yes to that
file by its name. Then the grant is bound to the content at the moment of the yes: a session's
model located elsewhere is asked about by its new name, and a file (or a module beside it)
changed after the dialog's tick is asked about again, naming it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox

from latent_explorer.core.session.data import ModelRef
from latent_explorer.core.session.store import load_session, save_session
from tests.core.trust_attacks import torchscript_that_writes, touching
from tests.qt.conftest import wait_decoded
from tests.qt.test_trust_in_window import ADAPTER_8, adapter

ROUTES = ["open", "recent", "session", "trusted session", "drop", "dialog", "compare"]


@pytest.fixture
def trusted_window(make_window, qtbot, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A window that has opened one adapter the user trusted (``a/trusted.py``)."""
    window = make_window()
    trusted, trusted_ran = adapter(tmp_path / "a", "trusted")
    with qtbot.waitSignal(window.workspace_changed, timeout=60_000):
        window.open(model=str(trusted), trust_code=True)
    assert trusted_ran.exists()
    wait_decoded(qtbot, window)
    return window


def _answer(monkeypatch, button: QMessageBox.StandardButton) -> list[str]:  # type: ignore[no-untyped-def]
    """Answer every question with ``button``; returns the questions' texts."""
    asked: list[str] = []

    def answer(parent, title, text, *args, **kwargs):  # type: ignore[no-untyped-def]
        asked.append(text)
        return button

    monkeypatch.setattr(QMessageBox, "warning", staticmethod(answer))
    return asked


def _settle(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: not window.jobs.running and not window.models.jobs.running,
                    timeout=60_000)


def _start_route(route: str, window, spec: Path, tmp_path: Path, monkeypatch,  # type: ignore[no-untyped-def]
                 qtbot) -> list[str]:
    """Open ``spec`` through ``route``; returns what the Open Model dialog showed, if used."""
    from latent_explorer.qt.dialogs.open_model_dialog import QtOpenModelDialog
    from latent_explorer.qt.settings import remember_file

    shown: list[str] = []

    def exec_(dialog: QtOpenModelDialog) -> int:  # the user looks, does not tick, cancels
        dialog.show()
        qtbot.waitUntil(lambda: not dialog.busy(), timeout=30_000)
        shown.append(dialog.kind_label.text())
        assert not dialog.trust_check.isChecked()
        return 0

    monkeypatch.setattr(QtOpenModelDialog, "exec", exec_)
    if route == "open":
        window.open(model=str(spec))
    elif route == "recent":
        remember_file(window.settings, "models", str(spec))
        window._fill_recent_menu()
        next(a for a in window.recent_menu.actions() if spec.name in a.text()).trigger()
    elif route in ("session", "trusted session"):
        saved = window.sessions.save(tmp_path / "trusted.lxs")
        session = load_session(saved)
        session.model = ModelRef(str(spec), route == "trusted session")
        window.sessions.open_session(save_session(tmp_path / f"{route}.lxs", session))
    elif route == "drop":
        data = QMimeData()
        data.setUrls([QUrl.fromLocalFile(str(spec))])
        window.dropEvent(QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, data,
                                    Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier))
    elif route == "dialog":
        monkeypatch.setattr(QFileDialog, "getOpenFileName",
                            staticmethod(lambda *a, **k: (str(spec), "")))
        window.open_model_action.trigger()
    else:
        monkeypatch.setattr(QFileDialog, "getOpenFileName",
                            staticmethod(lambda *a, **k: (str(spec), "")))
        window.compare_action.trigger()
    return shown


@pytest.mark.parametrize("route", ROUTES)
def test_no_route_runs_a_torchscript_archive_without_a_yes_for_it(  # type: ignore[no-untyped-def]
        route: str, trusted_window, qtbot, tmp_path: Path, monkeypatch) -> None:
    window = trusted_window
    marker = tmp_path / "written-by-torchscript"
    archive = torchscript_that_writes(tmp_path / "G.pt", marker)
    asked = _answer(monkeypatch, QMessageBox.StandardButton.Cancel)
    shown = _start_route(route, window, archive, tmp_path, monkeypatch, qtbot)
    _settle(qtbot, window)
    assert not marker.exists()
    assert "trusted.py" in window.workspace.model.source  # the window kept what it showed
    if route in ("drop", "dialog"):  # the dialog said what it is, and ran nothing
        assert shown and "TorchScript archive" in shown[0] and "only if you trust" in shown[0]
        return
    assert asked and str(archive) in asked[0] and "TorchScript archive" in asked[0]
    error = window.last_error
    assert "\n" not in error and "G.pt" in error and "did not say you trust it" in error
    assert "tick" not in error  # no route tells the user to tick a box it does not have
    if route == "compare":
        assert error.startswith("No comparison") and window.models.compare_model is None
    if "session" in route:
        assert error.startswith("The session was not restored")


def test_a_torchscript_archive_opens_with_a_yes_for_that_file(  # type: ignore[no-untyped-def]
        trusted_window, qtbot, tmp_path: Path, monkeypatch) -> None:
    window = trusted_window
    marker = tmp_path / "written-by-torchscript"
    archive = torchscript_that_writes(tmp_path / "G.pt", marker)
    asked = _answer(monkeypatch, QMessageBox.StandardButton.Open)
    with qtbot.waitSignal(window.workspace_changed, timeout=60_000):
        window.open(model=str(archive))
    assert len(asked) == 1 and str(archive) in asked[0]
    assert marker.exists() and window.workspace.model.source.endswith("G.pt")
    assert window.workspaces.model_trust is not None
    assert window.workspaces.model_trust.path == archive.resolve()


def test_a_session_asks_about_the_file_located_for_a_moved_model(  # type: ignore[no-untyped-def]
        trusted_window, qtbot, tmp_path: Path, monkeypatch) -> None:
    """The session's trusted adapter moved; the user locates another file: the question
    names the file that will run, not the one the session named."""
    window = trusted_window
    saved = window.sessions.save(tmp_path / "trusted.lxs")
    assert load_session(saved).model.trust_code
    (tmp_path / "a").rename(tmp_path / "gone")  # the trusted adapter's folder moved away
    picked, picked_ran = adapter(tmp_path / "elsewhere", "picked")
    monkeypatch.setattr(QMessageBox, "question",
                        staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes))
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(picked), "")))
    asked: list[str] = []

    def answer(parent, title, text, *args, **kwargs):  # type: ignore[no-untyped-def]
        asked.append(text)
        return QMessageBox.StandardButton.Open

    monkeypatch.setattr(QMessageBox, "warning", staticmethod(answer))
    with qtbot.waitSignal(window.sessions.restored, timeout=60_000):
        window.sessions.open_session(saved)
    assert picked_ran.exists() and window.workspace.model.source == str(picked)
    assert asked and all(str(picked) in text for text in asked)
    assert not any("trusted.py" in text for text in asked)


@pytest.mark.parametrize("what", ["the file", "a module beside it"])
def test_a_change_after_the_dialogs_tick_is_asked_about_again(  # type: ignore[no-untyped-def]
        what: str, trusted_window, qtbot, tmp_path: Path, monkeypatch) -> None:
    from latent_explorer.qt.dialogs.open_model_dialog import QtOpenModelDialog

    window = trusted_window
    folder = tmp_path / "m"
    folder.mkdir()
    first, second = tmp_path / "ran-first", tmp_path / "ran-second"
    helper = folder / "helper.py"
    helper.write_text("SCALE = 1\n")
    model = folder / "model.py"
    model.write_text(touching(first) + "from helper import SCALE\n" + ADAPTER_8)
    changed = model if what == "the file" else helper

    def exec_(dialog: QtOpenModelDialog) -> int:
        dialog.show()
        qtbot.waitUntil(lambda: not dialog.busy(), timeout=30_000)
        dialog.trust_check.setChecked(True)  # the user's yes, for the content now
        qtbot.waitUntil(lambda: not dialog.busy() and dialog.preview is not None,
                        timeout=30_000)
        assert first.exists()
        first.unlink()
        changed.write_text(touching(second) + changed.read_text())  # then the file changes
        dialog.accept()
        return int(QDialog.DialogCode.Accepted)

    monkeypatch.setattr(QtOpenModelDialog, "exec", exec_)
    asked = _answer(monkeypatch, QMessageBox.StandardButton.Cancel)
    window.workspaces.open_model_file(str(model))
    _settle(qtbot, window)
    assert not second.exists() and not first.exists()
    assert asked and f"{changed} has changed since you said you trust model.py" in asked[0]
    assert "trusted.py" in window.workspace.model.source
    assert "model.py was not opened" in window.last_error


def test_the_dialog_unticks_when_the_file_changes_after_the_tick(  # type: ignore[no-untyped-def]
        qtbot, tmp_path: Path) -> None:
    from latent_explorer.qt.dialogs.open_model_dialog import QtOpenModelDialog

    first, second = tmp_path / "ran-first", tmp_path / "ran-second"
    model = tmp_path / "model.py"
    model.write_text(touching(first) + ADAPTER_8)
    dialog = QtOpenModelDialog(str(model), fallback_folder=tmp_path / "cards")
    qtbot.addWidget(dialog)
    try:
        qtbot.waitUntil(lambda: not dialog.busy(), timeout=30_000)
        dialog.trust_check.setChecked(True)
        qtbot.waitUntil(lambda: dialog.preview is not None and not dialog.busy(),
                        timeout=30_000)
        model.write_text(touching(second) + ADAPTER_8)
        dialog.options_box.latent_edit.setText("8")  # any change makes a new preview
        dialog.range_combo.setCurrentIndex((dialog.range_combo.currentIndex() + 1) % 2)
        qtbot.waitUntil(lambda: not dialog.busy(), timeout=30_000)
        assert not second.exists() and not dialog.trust_check.isChecked()
        assert "changed since you ticked" in dialog.status_label.text()
        assert not dialog.ok_button.isEnabled() and dialog.trust_code() is None
    finally:
        dialog.shutdown()


def test_a_session_opened_with_trust_code_trusts_its_model_only(  # type: ignore[no-untyped-def]
        trusted_window, qtbot, tmp_path: Path, monkeypatch) -> None:
    """``gui --session s.lxs --trust-code``: the session's model file opens without a
    question; a file located instead of it is asked about."""
    window = trusted_window
    marker = tmp_path / "written-by-torchscript"
    archive = torchscript_that_writes(tmp_path / "G.pt", marker)
    session = load_session(window.sessions.save(tmp_path / "trusted.lxs"))
    session.model = ModelRef(str(archive))
    named = save_session(tmp_path / "named.lxs", session)
    asked = _answer(monkeypatch, QMessageBox.StandardButton.Cancel)
    with qtbot.waitSignal(window.sessions.restored, timeout=60_000):
        window.sessions.open_session(named, trust_code=True)
    assert not asked and marker.exists() and window.workspace.model.source.endswith("G.pt")
    marker.unlink()
    archive.rename(tmp_path / "moved.pt")  # now the session's model is missing
    other = torchscript_that_writes(tmp_path / "other.pt", tmp_path / "written-by-other")
    monkeypatch.setattr(QMessageBox, "question",
                        staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes))
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(other), "")))
    window.sessions.open_session(named, trust_code=True)
    _settle(qtbot, window)
    assert asked and str(other) in asked[0]
    assert not (tmp_path / "written-by-other").exists()

"""Trust never carries over in the window: after a trusted adapter, another one asks again.

Each route a user has to open a model (File > Open Model, File > Open Recent, a session, a
file dropped on the window, the command line) is tried with an adapter file that leaves a
marker when its code runs; it must never run without the user's own yes for that file.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QFileDialog, QMessageBox

from latent_explorer.core.models import TrustGrant
from latent_explorer.core.session.store import load_session
from tests.core.test_trust import write_adapter
from tests.qt.conftest import wait_decoded

ADAPTER_8 = """
import torch
LATENT_SHAPE = (8,)
OUTPUT_RANGE = "0,1"

class Decoder(torch.nn.Module):
    def decode(self, z):
        return torch.sigmoid(z.sum(dim=1, keepdim=True)).expand(-1, 64).reshape(-1, 8, 8)

    def encode(self, x):
        return x.reshape(x.shape[0], -1)[:, :8]

def load(checkpoint_dir):
    return Decoder()
"""


def adapter(folder: Path, name: str) -> tuple[Path, Path]:
    """An 8x8 adapter (with an encoder, so it opens on digits) that leaves a marker."""
    path, marker = write_adapter(folder, name)
    path.write_text(f"open({str(marker)!r}, 'w').close()\n" + ADAPTER_8)
    return path, marker


@pytest.fixture
def trusted_window(make_window, qtbot, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A window that has opened one adapter the user trusted."""
    window = make_window()
    trusted, trusted_ran = adapter(tmp_path / "a", "trusted")
    with qtbot.waitSignal(window.workspace_changed, timeout=60_000):
        window.open(model=str(trusted), trust_code=True)
    assert trusted_ran.exists()
    wait_decoded(qtbot, window)
    return window


def _refuse_questions(monkeypatch) -> list[str]:  # type: ignore[no-untyped-def]
    asked: list[str] = []

    def answer(parent, title, text, *args, **kwargs):  # type: ignore[no-untyped-def]
        asked.append(text)
        return QMessageBox.StandardButton.Cancel

    for name in ("warning", "question"):
        monkeypatch.setattr(QMessageBox, name, staticmethod(answer))
    return asked


def _settle(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: not window.jobs.running, timeout=60_000)


def test_open_recent_asks_again(trusted_window, qtbot, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    window = trusted_window
    other, other_ran = adapter(tmp_path / "b", "other")
    from latent_explorer.qt.settings import remember_file

    remember_file(window.settings, "models", str(other))
    asked = _refuse_questions(monkeypatch)
    window._fill_recent_menu()
    action = next(a for a in window.recent_menu.actions() if "other.py" in a.text())
    action.trigger()
    _settle(qtbot, window)
    assert asked and "other.py" in asked[0] and "runs" in asked[0]
    assert not other_ran.exists()
    assert "trusted.py" in window.workspace.model.source


def test_open_model_dialog_asks_again(trusted_window, qtbot, tmp_path: Path,  # type: ignore[no-untyped-def]
                                      monkeypatch) -> None:
    from latent_explorer.qt.dialogs.open_model_dialog import QtOpenModelDialog

    window = trusted_window
    other, other_ran = adapter(tmp_path / "b", "other")
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(other), "")))
    seen: list[bool] = []

    def exec_(dialog: QtOpenModelDialog) -> int:
        seen.append(dialog.trust_check.isChecked())
        return 0  # the user cancels: they did not tick "I trust this file"

    monkeypatch.setattr(QtOpenModelDialog, "exec", exec_)
    window.open_model_action.trigger()
    _settle(qtbot, window)
    assert seen == [False]
    assert not other_ran.exists()


def test_a_session_naming_another_adapter_asks_again(trusted_window, qtbot, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                     monkeypatch) -> None:
    window = trusted_window
    # The session saved now records trust for the trusted adapter only ...
    saved = window.sessions.save(tmp_path / "trusted.lxs")
    assert load_session(saved).model.trust_code
    other, other_ran = adapter(tmp_path / "b", "other")
    from latent_explorer.core.session.data import ModelRef
    from latent_explorer.core.session.store import save_session

    # ... and a session naming another adapter, with or without a trust flag, asks again.
    for flag in (False, True):
        session = load_session(saved)
        session.model = ModelRef(str(other), flag)
        path = save_session(tmp_path / f"other-{flag}.lxs", session)
        asked = _refuse_questions(monkeypatch)
        window.sessions.open_session(path)
        _settle(qtbot, window)
        assert asked, "no question was asked"
        assert not other_ran.exists()
    assert "trusted.py" in window.workspace.model.source


def test_a_session_saved_after_another_model_does_not_record_trust(  # type: ignore[no-untyped-def]
        trusted_window, qtbot, tmp_path: Path) -> None:
    window = trusted_window
    with qtbot.waitSignal(window.workspace_changed, timeout=60_000):
        window.open(model="demo")
    saved = window.sessions.save(tmp_path / "demo.lxs")
    assert not load_session(saved).model.trust_code


def test_a_dropped_adapter_asks_again(trusted_window, qtbot, tmp_path: Path,  # type: ignore[no-untyped-def]
                                      monkeypatch) -> None:
    from latent_explorer.qt.dialogs.open_model_dialog import QtOpenModelDialog

    window = trusted_window
    other, other_ran = adapter(tmp_path / "b", "other")
    seen: list[str] = []

    def exec_(dialog: QtOpenModelDialog) -> int:
        seen.append(dialog.path_edit.text())
        assert not dialog.trust_check.isChecked()
        return 0

    monkeypatch.setattr(QtOpenModelDialog, "exec", exec_)
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(other))])
    event = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, data,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)
    _settle(qtbot, window)
    assert seen and seen[0].endswith("other.py")
    assert not other_ran.exists()


def test_the_command_line_trust_covers_only_its_model(trusted_window, qtbot, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                      monkeypatch) -> None:
    """``gui --model a.py --trust-code`` (the window's first open) trusts a.py only: opening
    another adapter later (here through the API the window is driven by) asks again."""
    window = trusted_window
    other, other_ran = adapter(tmp_path / "b", "other")
    asked = _refuse_questions(monkeypatch)
    window.open(model=str(other))
    _settle(qtbot, window)
    assert asked and not other_ran.exists()
    # A grant for one file opens that file, not another.
    third, third_ran = adapter(tmp_path / "c", "third")
    window.open(model=str(third), trust_code=TrustGrant.for_file(other))
    _settle(qtbot, window)
    assert not third_ran.exists() and not other_ran.exists()

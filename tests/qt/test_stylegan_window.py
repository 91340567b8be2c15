"""StyleGAN snapshots in the window: the Open Model dialog says what they are, they open with no
question through every route (dialog, drop, Open Recent, a session, the command line), and
nothing in them ever runs, even right after the user trusted another file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QFileDialog, QMessageBox

from latent_explorer.core.compute import prior_map
from latent_explorer.core.models import load_model
from latent_explorer.core.models.base import to_uint8
from latent_explorer.core.models.detect import ModelKind
from latent_explorer.core.models.families.stylegan.model import StyleGANModel
from latent_explorer.qt.dialogs.open_model_dialog import QtOpenModelDialog
from latent_explorer.qt.settings import remember_file
from tests.core.stylegan_files import (
    attack_source,
    sg2_tree,
    write_forbidden_global,
    write_snapshot,
)
from tests.qt.conftest import wait_decoded
from tests.qt.test_open_model_dialog import assert_thumbnails, click_open
from tests.qt.test_open_model_dialog import open_dialog as open_dialog  # the fixture
from tests.qt.test_trust_in_window import trusted_window as trusted_window  # the fixture


def _tree(c_dim: int = 0):  # type: ignore[no-untyped-def]
    return sg2_tree(z_dim=16, w_dim=16, resolution=16, c_dim=c_dim, channel_base=128,
                    channel_max=16, mapping_layers=2)


@pytest.fixture
def snapshots(tmp_path: Path) -> dict[str, Path]:
    """A plain snapshot, one whose embedded source writes ``ran`` and one that calls
    ``os.system`` (writing ``ran`` too) if anything runs it."""
    folder = tmp_path / "models"
    folder.mkdir()
    marker = tmp_path / "ran"
    return {
        "good": write_snapshot(folder / "network-snapshot-000400.pkl", _tree()),
        "source": write_snapshot(folder / "network-snapshot-000800.pkl", _tree(),
                                 source=attack_source(marker)),
        "global": write_forbidden_global(folder / "network-snapshot-001200.pkl", _tree(),
                                         marker),
        "marker": marker,
    }


@pytest.fixture(autouse=True)
def _few_seeds(monkeypatch: pytest.MonkeyPatch) -> None:
    """A decoder-only model opened over a dataset maps this many seeds (2,000 in use)."""
    monkeypatch.setattr(prior_map, "DEFAULT_PRIOR_SAMPLES", 24)


def test_dialog_says_what_a_snapshot_is_and_previews_its_seeds(  # type: ignore[no-untyped-def]
        open_dialog, qtbot, snapshots) -> None:
    path = snapshots["good"]
    dialog = open_dialog(path)
    detection = dialog.detection
    assert detection is not None and detection.kind is ModelKind.FAMILY
    assert not detection.runs_code and not detection.problem
    text = dialog.kind_label.text()
    for words in ("StyleGAN snapshot", "StyleGAN2 generator", "z 16 values", "w 16 values",
                  "16x16 RGB images", "from G_ema", "opens with no code",
                  "characters of Python source it embeds are neither kept nor run"):
        assert words in text, (words, text)
    assert not dialog.trust_check.isVisible() and not dialog.warning_label.isVisible()
    assert not dialog.options_box.isEnabled() and dialog.card_path() is None
    model = load_model(path)
    assert isinstance(model, StyleGANModel)
    assert_thumbnails(dialog, to_uint8(model.decode(model.sample_latents(8, seed=0))))
    assert "latents 16 -> 16x16 RGB images" in dialog.status_label.text()
    click_open(qtbot, dialog)
    assert dialog.result_spec() == str(path)


def test_dialog_names_the_classes_of_a_conditional_snapshot(open_dialog, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = write_snapshot(tmp_path / "cond.pkl", _tree(c_dim=3))
    dialog = open_dialog(path)
    assert "conditional on 3 classes" in dialog.kind_label.text()
    assert "3 classes" in dialog.status_label.text()
    model = load_model(path)
    assert isinstance(model, StyleGANModel)
    labels = np.zeros(8, np.int64)
    assert_thumbnails(dialog, to_uint8(model.decode(model.sample_latents(8, label=0), labels)))


def test_dialog_refuses_a_forbidden_global_in_one_line(open_dialog, snapshots) -> None:  # type: ignore[no-untyped-def]
    dialog = open_dialog(snapshots["global"])
    assert dialog.error == (f"{snapshots['global']}: names the global os.system, which a "
                            "StyleGAN snapshot never holds; nothing was run")
    assert not dialog.trust_check.isVisible()  # no way to trust it into running
    assert not dialog.ok_button.isEnabled()
    assert not snapshots["marker"].exists()


def test_the_window_maps_seeds_of_a_snapshot_given_on_the_command_line(  # type: ignore[no-untyped-def]
        make_window, qtbot, snapshots) -> None:
    window = make_window(dataset="prior:30", model=str(snapshots["good"]))
    ws = window.workspace
    assert isinstance(ws.model, StyleGANModel)
    assert ws.dataset.name == "30 seeds" and "seeds 0 to 29" in ws.dataset.notes[0]
    np.testing.assert_allclose(ws.latents, ws.model.sample_latents(30), atol=1e-6)
    assert ws.projector.params.method == "pca"
    np.testing.assert_array_equal(ws.dataset.images[3],
                                  to_uint8(ws.model.decode(ws.latents[3:4]))[0])
    wait_decoded(qtbot, window)
    shown = window.decoder_view.decoded_pane.array
    assert shown is not None and shown.shape == (16, 16, 3)


def _answer_dialog(qtbot, seen: list[QtOpenModelDialog]):  # type: ignore[no-untyped-def]
    """A stand-in for the dialog's exec: wait for its verdict, then Open if it can."""
    def exec_(dialog: QtOpenModelDialog) -> int:
        seen.append(dialog)
        qtbot.waitUntil(lambda: not dialog.busy(), timeout=60_000)
        if not dialog.ok_button.isEnabled():
            return 0
        dialog.accept()
        return 1
    return exec_


def _settle(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: not window.jobs.running, timeout=60_000)


def test_every_route_after_a_trusted_file_runs_nothing_from_a_snapshot(  # type: ignore[no-untyped-def]
        trusted_window, qtbot, tmp_path: Path, snapshots, monkeypatch) -> None:
    window = trusted_window
    marker = snapshots["marker"]
    asked: list[str] = []
    for name in ("warning", "question"):
        monkeypatch.setattr(QMessageBox, name, staticmethod(
            lambda parent, title, text, *a, **k: asked.append(text)
            or QMessageBox.StandardButton.Cancel))
    seen: list[QtOpenModelDialog] = []
    monkeypatch.setattr(QtOpenModelDialog, "exec", _answer_dialog(qtbot, seen))

    # File > Open Model: the snapshot whose source would write the marker opens, as data.
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(snapshots["source"]), "")))
    with qtbot.waitSignal(window.workspace_changed, timeout=60_000):
        window.open_model_action.trigger()
    assert isinstance(window.workspace.model, StyleGANModel)
    assert window.workspace.model.source == str(snapshots["source"])
    assert not seen[-1].trust_check.isVisible()

    # A dropped snapshot naming os.system: the dialog refuses it; the window keeps its model.
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(snapshots["global"]))])
    window.dropEvent(QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, data,
                                Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier))
    _settle(qtbot, window)
    assert seen[-1].path_edit.text() == str(snapshots["global"])
    assert "names the global os.system" in seen[-1].error
    assert window.workspace.model.source == str(snapshots["source"])

    # Open Recent, with it listed there: refused in one line, nothing asked, nothing run.
    remember_file(window.settings, "models", str(snapshots["global"]))
    window._fill_recent_menu()
    action = next(a for a in window.recent_menu.actions() if "001200" in a.text())
    action.trigger()
    _settle(qtbot, window)
    qtbot.waitUntil(lambda: "os.system" in window.last_error, timeout=30_000)
    assert window.last_error.count("\n") == 0

    # A session naming it (saved with the good snapshot, then pointed at the bad one).
    from latent_explorer.core.session.data import ModelRef
    from latent_explorer.core.session.store import load_session, save_session

    saved = window.sessions.save(tmp_path / "source.lxs")
    assert not load_session(saved).model.trust_code  # a snapshot needs no trust: none recorded
    for claims_trust in (False, True):
        session = load_session(saved)
        session.model = ModelRef(str(snapshots["global"]), claims_trust)
        bad = save_session(tmp_path / f"global-{claims_trust}.lxs", session)
        window.last_error = ""
        asked.clear()
        window.sessions.open_session(bad)
        _settle(qtbot, window)
        # A session never carries trust, and nothing in a snapshot runs: read as data and
        # refused in one line, with no question, whatever the session claims.
        qtbot.waitUntil(lambda: "os.system" in window.last_error, timeout=30_000)
        assert not asked
        assert window.workspace.model.source == str(snapshots["source"])

    # The Python API.
    import latent_explorer as lx
    from latent_explorer.core.errors import ModelError

    with pytest.raises(ModelError, match=r"names the global os\.system"):
        lx.load_model(snapshots["global"], trust_code=True)  # trust changes nothing
    assert isinstance(lx.load_model(snapshots["source"]), StyleGANModel)
    assert not marker.exists()


def test_a_snapshot_reopens_from_recent_and_from_a_session(  # type: ignore[no-untyped-def]
        make_window, qtbot, tmp_path: Path, snapshots) -> None:
    window = make_window(dataset="prior:20", model=str(snapshots["good"]))
    saved = window.sessions.save(tmp_path / "seeds.lxs")
    with qtbot.waitSignal(window.workspace_changed, timeout=60_000):
        window.open(model="demo")  # something else, then back through Open Recent
    window._fill_recent_menu()
    action = next(a for a in window.recent_menu.actions() if "000400" in a.text())
    with qtbot.waitSignal(window.workspace_changed, timeout=60_000):
        action.trigger()
    assert isinstance(window.workspace.model, StyleGANModel)
    with qtbot.waitSignal(window.workspace_changed, timeout=60_000):
        window.open(model="demo")
    with qtbot.waitSignal(window.sessions.restored, timeout=60_000):
        window.sessions.open_session(saved)
    ws = window.workspace
    assert isinstance(ws.model, StyleGANModel) and ws.dataset.name == "20 seeds"
    np.testing.assert_allclose(ws.latents, ws.model.sample_latents(20), atol=1e-6)


def test_a_large_network_maps_its_seeds_without_decoding_them_all(  # type: ignore[no-untyped-def]
        make_window, qtbot, snapshots, monkeypatch) -> None:
    """Past the picture budget (a 256 px network: 2,000 pictures would take tens of minutes)
    the map is the seeds' w alone and the probe decodes what it points at."""
    monkeypatch.setattr(prior_map, "PICTURE_BUDGET", 100)
    window = make_window(dataset="prior:30", model=str(snapshots["good"]))
    ws = window.workspace
    assert not ws.has_images and ws.has_decoder
    assert "30 seeds: 30 samples from the prior" in window.info_label.text()
    wait_decoded(qtbot, window)
    shown = window.decoder_view.decoded_pane.array
    expected = to_uint8(ws.model.decode(window.explorer.current_latent[None]))[0]
    np.testing.assert_array_equal(shown, expected)

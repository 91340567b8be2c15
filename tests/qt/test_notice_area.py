"""The no-model panel's notices (why there is no decoder, training one, the model files that
open with no code) are never cut off mid-line: on a laptop screen the decoder dock grows to
show them whole, where it cannot they scroll, and the window stays the size it was given."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QLabel

from latent_explorer.core.compute.pipeline import AUTO_MODEL_SPEC
from latent_explorer.qt.main_window import MainWindow
from tests.qt.conftest import noise_photos


def _open_photos(qtbot, window: MainWindow, photos: Path, width: int,  # type: ignore[no-untyped-def]
                 height: int) -> None:
    window.resize(width, height)
    qtbot.waitUntil(lambda: window.width() == width, timeout=5_000)
    with qtbot.waitSignal(window.workspace_changed, timeout=60_000):
        window.open(str(photos), AUTO_MODEL_SPEC)
    assert not window.workspace.has_decoder
    note = window.model_files.note
    qtbot.waitUntil(lambda: note.isVisible() and note.height() > 0, timeout=5_000)
    for _ in range(5):  # the dock makes room after the notices appear
        QApplication.processEvents()


def _cut_labels(window: MainWindow) -> list[str]:
    """Wrapped labels of the notices given less height than their text needs."""
    labels = [*window.training.panel.findChildren(QLabel),
              *window.model_files.note.findChildren(QLabel)]
    return [label.text()[:40] for label in labels
            if label.isVisible() and label.wordWrap() and label.text()
            and label.height() < label.heightForWidth(label.width())]


@pytest.mark.parametrize(("width", "height"), [(1366, 768), (1024, 700)])
def test_no_model_notices_are_whole_or_scroll(make_window, qtbot, tmp_path: Path,  # type: ignore[no-untyped-def]
                                              width: int, height: int) -> None:
    photos = noise_photos(tmp_path / "photos", count=4, side=32)
    window = make_window(None)
    _open_photos(qtbot, window, photos, width, height)
    assert window.height() == height  # the notices never make the window taller
    assert not _cut_labels(window)
    notices = window.decoder_view.notices
    bar = notices.verticalScrollBar()
    if width >= 1366:  # a laptop screen: the dock made room, nothing to scroll
        qtbot.waitUntil(lambda: notices.height() >= notices.sizeHint().height(), timeout=5_000)
        assert bar.maximum() == 0
    else:  # lower: what does not fit is a scroll away, never cut off
        assert notices.height() >= notices.sizeHint().height() or bar.maximum() > 0
    assert "StyleGAN snapshots" in window.model_files.note.label.text()


def test_the_notices_step_aside_when_a_model_opens(make_window, qtbot, tmp_path: Path  # type: ignore[no-untyped-def]
                                                   ) -> None:
    window = make_window(None)
    _open_photos(qtbot, window, noise_photos(tmp_path / "photos", count=4, side=32), 1366, 768)
    with qtbot.waitSignal(window.workspace_changed, timeout=60_000):
        window.open("shapes", "demo-shapes")
    assert window.workspace.has_decoder
    assert not window.decoder_view.notices.isVisible()
    assert window.decoder_view.decoded_pane.isVisible()

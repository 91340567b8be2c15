"""The window's PNGs (the map export, screenshots) go through the one atomic writer."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QImage


def test_map_png_export_is_atomic(make_window, qtbot, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from latent_explorer.core import fileio

    window = make_window()
    written: list[str] = []
    real = fileio._create_temp

    def spy(target: Path, mode: int) -> tuple[int, str]:
        written.append(target.name)
        return real(target, mode)

    monkeypatch.setattr(fileio, "_create_temp", spy)
    target = tmp_path / "map.png"
    target.write_bytes(b"old")
    jobs = window.analysis.jobs
    with qtbot.waitSignal(jobs.exported, timeout=10_000):
        jobs.export_map_png(target)
    assert written == ["map.png"]
    assert QImage(str(target)).width() == window.map_view.width()
    # A write that fails (a full disk) leaves the file as it was.
    monkeypatch.setattr(fileio, "_create_temp", lambda target, mode: (_ for _ in ()).throw(
        OSError(28, "No space left on device")))
    jobs.export_map_png(target)
    assert "cannot be written" in window.last_error
    assert QImage(str(target)).width() == window.map_view.width()
    assert not list(tmp_path.glob(".map.png.*"))

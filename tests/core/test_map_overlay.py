"""The map beside the output: layout, a marker that moves along the path, files and cancel."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from latent_explorer.core.errors import LatentExplorerError
from latent_explorer.core.export.map_overlay import (
    MARKER_FILL,
    MARKER_HALO,
    MARKER_OUTLINE,
    MapBeside,
    MapBesideFrames,
    draw_marker,
)
from latent_explorer.core.export.render import render_latents
from latent_explorer.core.jobs import JobCancelled, JobContext
from tests.core.fakes import LinearModel
from tests.core.test_export_video import probe_video

MAP_HW = (60, 80)


def _map() -> np.ndarray:
    image = np.zeros((*MAP_HW, 3), dtype=np.uint8)
    image[..., 2] = 90  # plain dark blue: nothing in it is the marker's yellow
    return image


def _line(frames: int) -> np.ndarray:
    """Positions from the map's upper left to its lower right."""
    t = np.linspace(0.0, 1.0, frames)[:, None]
    return np.array([10.0, 10.0]) + t * np.array([60.0, 40.0])


def _latents(frames: int) -> np.ndarray:
    return np.linspace(-1, 1, frames * 3, dtype=np.float32).reshape(frames, 3)


def _marker_centre(frame: np.ndarray, map_width: int) -> tuple[float, float]:
    ys, xs = np.nonzero(np.all(frame[:, :map_width] == MARKER_FILL, axis=2))
    assert len(xs) > 0, "no marker drawn"
    return float(xs.mean()), float(ys.mean())


def test_draw_marker_fills_and_outlines_and_clips() -> None:
    image = np.zeros((20, 20, 3), dtype=np.uint8)
    draw_marker(image, 10, 10, 5)
    assert tuple(image[10, 10]) == MARKER_FILL
    assert tuple(image[10, 14]) == MARKER_OUTLINE
    assert tuple(image[10, 15]) == MARKER_HALO
    assert tuple(image[0, 0]) == (0, 0, 0)
    draw_marker(image, -50, 3, 5)  # wholly off: nothing
    draw_marker(image, np.nan, 3, 5)
    draw_marker(image, 19, 19, 5)  # partly off: clipped
    assert tuple(image[19, 19]) == MARKER_FILL


def test_layout_and_marker_follow_the_positions() -> None:
    frames = [np.full((32, 24, 1), 200, np.uint8) for _ in range(5)]
    composer = MapBesideFrames(frames, (32, 24), MapBeside(_map(), _line(5)), even=True)
    out = list(composer)
    map_width = round(80 * 32 / 60)
    assert composer.map_width == map_width
    assert composer.width == map_width + composer.gap + 24 and composer.width % 2 == 0
    assert all(f.shape == (32, composer.width, 3) for f in out)
    np.testing.assert_array_equal(out[0][:, -24:], 200)  # the grey frame, now RGB
    centres = [_marker_centre(f, map_width) for f in out]
    for index, (x, y) in enumerate(centres):
        ex, ey = composer.marker_at(index)
        assert abs(x - ex) < 1 and abs(y - ey) < 1
    xs = [c[0] for c in centres]
    assert xs == sorted(xs) and xs[-1] - xs[0] > 15  # moves right along the path


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(LatentExplorerError, match="uint8"):
        MapBeside(np.zeros((4, 4), np.uint8), _line(2))
    with pytest.raises(LatentExplorerError, match="positions"):
        MapBeside(_map(), np.zeros((3, 3)))
    with pytest.raises(LatentExplorerError, match="3 marker positions for 4 frames"):
        render_latents(LinearModel(), _latents(4), "x.gif", beside=MapBeside(_map(), _line(3)))


def test_png_frames_show_the_marker_moving(tmp_path: Path) -> None:
    out = tmp_path / "walk"
    report = render_latents(LinearModel(), _latents(6), out, size=40,
                            beside=MapBeside(_map(), _line(6)))
    files = sorted(out.iterdir())
    assert len(files) == 6 and report.height == 40
    frames = [np.asarray(Image.open(f).convert("RGB")) for f in files]
    map_width = round(80 * 40 / 60)
    assert report.width == frames[0].shape[1] > map_width + 40
    xs = [_marker_centre(f, map_width)[0] for f in frames]
    assert xs == sorted(xs) and xs[-1] - xs[0] > 20


def test_mp4_and_gif_have_the_side_by_side_width(tmp_path: Path) -> None:
    beside = MapBeside(_map(), _line(8))
    video = render_latents(LinearModel(), _latents(8), tmp_path / "walk.mp4", size=48,
                           beside=beside)
    frames, size, _ = probe_video(tmp_path / "walk.mp4")
    expected = MapBesideFrames([], (48, 48), beside, even=True)
    assert size == (expected.width, 48) == (video.width, video.height) and len(frames) == 8
    gif = render_latents(LinearModel(), _latents(8), tmp_path / "walk.gif", size=48,
                         beside=beside)
    with Image.open(tmp_path / "walk.gif") as image:
        assert image.size == (MapBesideFrames([], (48, 48), beside, even=False).width, 48)
    assert gif.width == image.size[0]


def test_cancel_leaves_no_file(tmp_path: Path) -> None:
    def cancel_on_progress(fraction: float | None, message: str) -> None:
        if fraction is not None and fraction > 0.2:
            ctx.cancel()

    ctx = JobContext(cancel_on_progress)
    with pytest.raises(JobCancelled):
        render_latents(LinearModel(), _latents(40), tmp_path / "walk.mp4", size=32,
                       batch_size=4, beside=MapBeside(_map(), _line(40)), ctx=ctx)
    assert list(tmp_path.iterdir()) == []

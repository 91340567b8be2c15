"""The turning 3-D map beside a video: projection, occlusion, the turn, the path and files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from latent_explorer.core.errors import LatentExplorerError
from latent_explorer.core.export import turntable as turntable_module
from latent_explorer.core.export.map_overlay import MARKER_FILL, MapBesideFrames
from latent_explorer.core.export.render import render_latents
from latent_explorer.core.export.turntable import (
    ANCHOR_COLOUR,
    BACKGROUND,
    PATH_COLOUR,
    Turntable,
)
from tests.core.fakes import LinearModel

RED, BLUE = (230, 20, 20), (20, 20, 230)


def _two_blobs(n: int = 400) -> tuple[np.ndarray, np.ndarray]:
    """A red blob at x = -3 and a blue blob at x = +3 (z up)."""
    rng = np.random.default_rng(0)
    red = rng.normal(0, 0.3, (n, 3)) + np.array([-3.0, 0.0, 0.0])
    blue = rng.normal(0, 0.3, (n, 3)) + np.array([3.0, 0.0, 0.0])
    colors = np.array([RED] * n + [BLUE] * n, dtype=np.uint8)
    return np.vstack([red, blue]), colors


def _centre_of(image: np.ndarray, colour: tuple[int, int, int], tol: int = 90) -> float:
    """Mean column of the pixels close to ``colour`` (faded ones included)."""
    distance = np.abs(image.astype(int) - np.array(colour)).sum(axis=2)
    _, xs = np.nonzero(distance < tol)
    assert len(xs) > 0, f"no {colour} pixels"
    return float(xs.mean())


def test_the_map_turns_over_the_video() -> None:
    points, colors = _two_blobs()
    path = np.zeros((8, 3))  # the path waits at the centre
    table = Turntable(points, colors, path, azimuth=0.0, elevation=0.0)
    # Azimuth 0 looks along x: both blobs are on the view axis, so they overlap in the middle.
    first, _ = table.render(0, 120, 120)
    assert abs(_centre_of(first, RED) - _centre_of(first, BLUE)) < 6
    # A quarter turn later (frame 2 of 8) they are side by side, left and right.
    quarter, _ = table.render(2, 120, 120)
    assert abs(_centre_of(quarter, RED) - _centre_of(quarter, BLUE)) > 50
    # Half a turn (frame 4) swaps them: whatever was left is now right.
    half, _ = table.render(4, 120, 120)
    assert np.sign(_centre_of(half, RED) - _centre_of(half, BLUE)) == -np.sign(
        _centre_of(quarter, RED) - _centre_of(quarter, BLUE))
    assert table.angle(8) == pytest.approx(360.0)  # one full turn over the eight frames


def test_nearer_points_cover_farther_ones() -> None:
    # Two points at the same screen place, one in front of the other, whatever the order given.
    for order in ((0, 1), (1, 0)):
        points = np.array([[0.0, 0.0, 0.0], [-2.0, 0.0, 0.0]])[list(order)]
        colors = np.array([RED, BLUE], dtype=np.uint8)[list(order)]
        table = Turntable(points, colors, np.zeros((1, 3)), azimuth=0.0, elevation=0.0)
        image, _ = table.render(0, 64, 64)
        _, _, depth = table.project(table.points, 0, 64, 64)
        nearest = colors[int(np.argmax(depth))]
        cols, rows, _ = table.project(table.points, 0, 64, 64)
        pixel = image[round(float(rows[0])), round(float(cols[0]))]
        assert tuple(pixel) == tuple(nearest)  # the nearest is drawn unfaded, on top


def test_path_anchors_and_marker_position() -> None:
    points, colors = _two_blobs(50)
    path = np.linspace([-3.0, 0.0, 2.0], [3.0, 0.0, 2.0], 10)
    table = Turntable(points, colors, path, anchors=path[[0, -1]], azimuth=90.0,
                      elevation=10.0, turns=0.0)
    image, (x, y) = table.render(0, 100, 100)
    assert (np.all(image == PATH_COLOUR, axis=2)).sum() > 40  # the line between the anchors
    assert (np.all(image == ANCHOR_COLOUR, axis=2)).sum() > 10
    _, (x_last, y_last) = table.render(9, 100, 100)
    assert abs(x_last - x) > 40 and abs(y_last - y) < 2  # turns=0: the marker walks across
    assert np.isfinite([x, y]).all()


def test_bad_input_and_big_clouds() -> None:
    with pytest.raises(LatentExplorerError, match=r"\(N, 3\)"):
        Turntable(np.zeros((5, 2)), np.zeros((5, 3), dtype=np.uint8), np.zeros((2, 3)))
    with pytest.raises(LatentExplorerError, match="one RGB colour per point"):
        Turntable(np.zeros((5, 3)), np.zeros((4, 3), dtype=np.uint8), np.zeros((2, 3)))
    with pytest.raises(LatentExplorerError, match="no points"):
        Turntable(np.zeros((0, 3)), np.zeros((0, 3), dtype=np.uint8), np.zeros((0, 3)))
    # Non-finite points are left out; float colours in [0, 1] are taken as such.
    points = np.array([[0.0, 0.0, 0.0], [np.nan, 0.0, 0.0], [1.0, 1.0, 1.0]])
    table = Turntable(points, np.ones((3, 3)), np.zeros((2, 3)))
    assert table.drawn == 2 and table.colors.dtype == np.uint8 and table.note == ""


def test_more_points_than_drawn_are_reported(monkeypatch: pytest.MonkeyPatch,
                                             tmp_path: Path) -> None:
    monkeypatch.setattr(turntable_module, "MAX_POINTS", 100)
    points, colors = _two_blobs(200)
    table = Turntable(points, colors, np.zeros((4, 3)))
    assert table.drawn == 100 and "100 points" in table.note
    report = render_latents(LinearModel(), np.zeros((4, 3), dtype=np.float32),
                            tmp_path / "walk.gif", size=40, beside=table)
    assert any("sample of 100 points" in note for note in report.notes)


def test_video_frames_carry_the_turning_panel_and_marker(tmp_path: Path) -> None:
    points, colors = _two_blobs(100)
    path = np.linspace([-3.0, 0.0, 0.0], [3.0, 0.0, 0.0], 6)
    table = Turntable(points, colors, path, azimuth=0.0, elevation=20.0)
    out = tmp_path / "walk"
    report = render_latents(LinearModel(), np.linspace(-1, 1, 18, dtype=np.float32)
                            .reshape(6, 3), out, size=48, beside=table)
    files = sorted(out.iterdir())
    assert len(files) == 6
    layout = MapBesideFrames([], (48, 48), table, even=False)
    assert layout.map_width == 48 and report.width == layout.width
    frames = [np.asarray(Image.open(f).convert("RGB")) for f in files]
    for frame in frames:
        panel = frame[:, : layout.map_width]
        assert np.all(panel == MARKER_FILL, axis=2).any()  # the marker
        assert (~np.all(panel == BACKGROUND, axis=2)).sum() > 100  # and the cloud
    # The panel differs frame to frame: the map turns.
    assert not np.array_equal(frames[0][:, :48], frames[3][:, :48])

"""render_path: exact frame counts over the interpolation module, reports, sheets, timings."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from latent_explorer.core.errors import LatentExplorerError
from latent_explorer.core.export.path_file import PathFile
from latent_explorer.core.export.render import (
    build_path,
    path_spec,
    render_path,
    render_path_file,
)
from latent_explorer.core.interpolation import sample_path
from latent_explorer.core.models import DEMO_MODEL_PATH
from tests.core.fakes import LinearModel

ANCHORS = np.array([[1.0, 0.0, 0.5], [0.0, 1.0, -0.5], [-1.0, 0.5, 0.0]], np.float32)


@pytest.mark.parametrize("settings", [
    {}, {"loop": True}, {"pingpong": True}, {"hold": 2}, {"hold": (1, 0, 3)},
    {"pingpong": True, "hold": 1}, {"interp": "lerp", "easing": "ease-in-out"},
    {"interp": "spline", "loop": True},
])
def test_total_frames_match_sample_path_when_they_divide(settings: dict[str, object]) -> None:
    reference = sample_path(path_spec(ANCHORS, frames_per_segment=5, **settings))  # type: ignore[arg-type]
    ours = build_path(ANCHORS, frames=len(reference), **settings)  # type: ignore[arg-type]
    np.testing.assert_allclose(ours, reference, atol=1e-6)


@pytest.mark.parametrize("frames", [7, 10, 23, 120])
def test_any_total_gives_exactly_that_many_frames(frames: int) -> None:
    path = build_path(ANCHORS, interp="lerp", frames=frames, hold=1)
    assert len(path) == frames
    np.testing.assert_array_equal(path[0], ANCHORS[0])
    np.testing.assert_array_equal(path[-1], ANCHORS[-1])
    assert any(np.array_equal(row, ANCHORS[1]) for row in path)
    looped = build_path(ANCHORS, frames=frames, loop=True)
    assert len(looped) == frames and not np.array_equal(looped[-1], ANCHORS[0])


def test_too_few_frames_and_single_anchor() -> None:
    with pytest.raises(LatentExplorerError, match="too few"):
        build_path(ANCHORS, frames=2)
    assert build_path(ANCHORS[:1], frames=4).shape == (4, 3)
    assert len(build_path(ANCHORS, frames=9, pingpong=True)) == 8  # mirrored: even


def test_render_report_and_sheet(tmp_path: Path) -> None:
    from PIL import Image

    model = LinearModel()
    report = render_path(model, ANCHORS, tmp_path / "walk.gif", frames=20, fps=10, size=48,
                         sheet=5, batch_size=8)
    assert (report.frames, report.width, report.height, report.fps) == (20, 48, 48, 10.0)
    assert report.format == "gif" and report.path == tmp_path / "walk.gif"
    assert report.decode_seconds > 0 and report.encode_seconds > 0
    assert report.decode_fps > 0 and "rendered 20 frames" in report.summary()
    assert report.sheet == tmp_path / "walk_sheet.png"
    with Image.open(report.sheet) as sheet:
        assert sheet.size == (3 * 48 + 4 * 4, 2 * 48 + 3 * 4)  # 5 tiles in 3 x 2
    assert model.decode_calls == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["walk.gif", "walk_sheet.png"]


def test_render_checks_its_inputs(tmp_path: Path) -> None:
    model = LinearModel()
    with pytest.raises(LatentExplorerError, match="takes latents of 3"):
        render_path(model, np.zeros((2, 5), np.float32), tmp_path / "a.mp4")
    with pytest.raises(LatentExplorerError, match="not conditional"):
        render_path(model, ANCHORS, tmp_path / "a.mp4", label=0)
    with pytest.raises(LatentExplorerError, match="unknown easing"):
        render_path(model, ANCHORS, tmp_path / "a.mp4", easing="bouncy")
    assert list(tmp_path.iterdir()) == []


def test_render_path_file_and_odd_pingpong_note(tmp_path: Path) -> None:
    spec = PathFile(anchors=ANCHORS, frames=9, pingpong=True, size=16, fps=12)
    report = render_path_file(LinearModel(), spec, tmp_path / "p.mp4")
    assert report.frames == 8 and any("ping-pong" in note for note in report.notes)


def test_written_files_get_normal_permissions(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    os.umask(umask)
    report = render_path(LinearModel(), ANCHORS, tmp_path / "w.mp4", frames=6, size=16)
    assert report.path.stat().st_mode & 0o777 == 0o666 & ~umask


@pytest.mark.skipif(not DEMO_MODEL_PATH.is_file(), reason="the demo model is not built yet")
def test_benchmark_demo_300_frames_512(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                        ) -> None:
    """Prints the speed of a 300-frame 512x512 render (no assertion on the time)."""
    from latent_explorer.core.models import load_model

    model = load_model("demo")
    anchors = np.random.default_rng(0).standard_normal((5, model.latent_dim)).astype(np.float32)
    lines = []
    for name in ("walk.mp4", "walk.gif"):
        report = render_path(model, anchors, tmp_path / name, frames=300, size=512, loop=True)
        assert report.frames == 300
        lines.append(f"{name}: {report.seconds:.2f} s, decode {report.decode_fps:.0f} frames/s,"
                     f" encode {report.encode_fps:.0f} frames/s")
    with capsys.disabled():
        print("\n[render 300 frames 512x512, demo model] " + "; ".join(lines))

"""Frames, video, GIF and PNG-sequence export: read back, cancel and failure leave nothing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from latent_explorer.core.errors import JobCancelled, LatentExplorerError, ModelOutputError
from latent_explorer.core.export.frames import FrameScaler, FrameStream, output_size, to_rgb
from latent_explorer.core.export.video import (
    ExportError,
    export_format,
    frame_names,
    gif_durations,
    webm_codec,
    write_export,
)
from latent_explorer.core.jobs import JobContext
from tests.core.fakes import LinearModel


def _path(frames: int, dim: int = 3) -> np.ndarray:
    t = np.linspace(0.0, 1.0, frames, dtype=np.float32)[:, None]
    start, stop = np.full(dim, -3.0, np.float32), np.full(dim, 3.0, np.float32)
    return (1 - t) * start + t * stop


def _stream(frames: int = 12, size: int = 32, ctx: JobContext | None = None,
            model: LinearModel | None = None, batch: int = 4) -> FrameStream:
    return FrameStream(model or LinearModel(), _path(frames), size=size, batch_size=batch,
                       ctx=ctx)


def probe_video(path: Path) -> tuple[np.ndarray, tuple[int, int], float]:
    """Frames (grey, decoded by ffmpeg), ``(width, height)`` and fps of a video file."""
    import re
    import subprocess

    import imageio_ffmpeg

    exe = imageio_ffmpeg.get_ffmpeg_exe()
    info = subprocess.run([exe, "-hide_banner", "-i", str(path)], capture_output=True,
                          text=True, check=False).stderr
    stream = next(line for line in info.splitlines() if "Video:" in line)
    width, height = map(int, re.search(r", (\d+)x(\d+)", stream).groups())  # type: ignore[union-attr]
    fps = float(re.search(r"([\d.]+) fps", stream).group(1))  # type: ignore[union-attr]
    raw = subprocess.run([exe, "-v", "error", "-i", str(path), "-f", "rawvideo", "-pix_fmt",
                          "gray", "-"], capture_output=True, check=True).stdout
    frames = np.frombuffer(raw, np.uint8).reshape(-1, height, width)
    return frames, (width, height), fps


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


class ColourModel(LinearModel):
    """3-channel output, 6x4 images (not square, to check the aspect ratio)."""

    def __init__(self) -> None:
        super().__init__(latent_dim=3, side=4)
        self.image_shape = (6, 4, 3)
        rng = np.random.default_rng(1)
        self.weights = rng.standard_normal((3, 6 * 4 * 3)).astype(np.float32)


class FailingModel(LinearModel):
    """Decodes ``good`` batches, then raises like a broken network would."""

    def __init__(self, good: int) -> None:
        super().__init__()
        self.good = good

    def decode(self, latents: np.ndarray, labels: np.ndarray | None = None) -> np.ndarray:
        if self.decode_calls >= self.good:
            raise ModelOutputError("the decoder blew up")
        return super().decode(latents, labels)


def test_output_size_keeps_aspect_and_rounds_to_even() -> None:
    assert output_size((8, 8), 512) == (512, 512)
    assert output_size((6, 4), 100) == (100, 68)
    assert output_size((5, 3), None, even=False) == (5, 3)
    assert output_size((5, 3), None) == (6, 4)
    with pytest.raises(LatentExplorerError):
        output_size((8, 8), 0)


def test_nearest_scaling_is_an_exact_repeat_and_smooth_blends() -> None:
    small = np.arange(16, dtype=np.uint8).reshape(4, 4, 1) * 16
    big = FrameScaler((4, 4), (12, 12), "nearest")(small)
    assert np.array_equal(big, np.repeat(np.repeat(small, 3, 0), 3, 1))
    smooth = FrameScaler((4, 4), (12, 12), "smooth")(small)
    assert smooth.shape == (12, 12, 1)
    assert len(np.unique(smooth)) > len(np.unique(small))
    assert to_rgb(small).shape == (4, 4, 3)
    with pytest.raises(LatentExplorerError, match="unknown scaling"):
        FrameScaler((4, 4), (8, 8), "bilinear")


def test_frame_stream_decodes_in_batches() -> None:
    model = LinearModel()
    stream = FrameStream(model, _path(10), size=16, batch_size=4)
    frames = list(stream)
    assert len(frames) == 10 and model.decode_calls == 3
    assert frames[0].shape == (16, 16, 1) and frames[0].dtype == np.uint8
    with pytest.raises(LatentExplorerError, match="decodes"):
        FrameStream(model, np.zeros((4, 5), np.float32))


def test_export_format_from_suffix(tmp_path: Path) -> None:
    assert export_format(tmp_path / "a.MP4") == "mp4"
    assert export_format(tmp_path / "a.webm") == "webm"
    assert export_format(tmp_path / "a.gif") == "gif"
    assert export_format(tmp_path / "frames") == "frames"
    assert export_format(tmp_path / "walk_%04d.png") == "frames"
    with pytest.raises(ExportError, match="folder"):
        export_format(tmp_path / "walk.png")
    with pytest.raises(ExportError, match="unknown export format"):
        export_format(tmp_path / "walk.avi")
    assert frame_names(tmp_path / "f" / "w_####.png") == (tmp_path / "f", "w_{:04d}.png")


@pytest.mark.parametrize("suffix", [".mp4", ".webm"])
def test_video_reads_back_with_frames_size_and_fps(tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"walk{suffix}"
    expected = np.stack(list(_stream(frames=15, size=32)))[..., 0]
    result = write_export(_stream(frames=15, size=32), out, fps=24)
    assert result.path == out and result.frames == 15 and (result.width, result.height) == (32, 32)
    frames, size, fps = probe_video(out)
    assert size == (32, 32)
    assert fps == pytest.approx(24)
    assert len(frames) == 15
    error = np.abs(frames.astype(int) - expected.astype(int)).mean()
    assert error < 6, f"the video differs from the frames by {error:.1f} grey levels on average"
    assert _leftovers(tmp_path) == [out.name]


def test_webm_codec_is_vp9_or_says_why_not() -> None:
    codec, note = webm_codec()
    assert codec in ("libvpx-vp9", "libvpx")
    assert (note is None) == (codec == "libvpx-vp9")


def test_colour_mp4_keeps_aspect_ratio(tmp_path: Path) -> None:
    stream = FrameStream(ColourModel(), _path(6), size=60)
    write_export(stream, tmp_path / "c.mp4", fps=10)
    frames, size, fps = probe_video(tmp_path / "c.mp4")
    assert size == (40, 60) and len(frames) == 6 and fps == pytest.approx(10)


def test_gif_loops_with_exact_timing(tmp_path: Path) -> None:
    from PIL import Image

    out = tmp_path / "walk.gif"
    write_export(_stream(frames=12, size=32), out, fps=30)
    with Image.open(out) as gif:
        assert gif.n_frames == 12
        assert gif.size == (32, 32)
        assert gif.info["loop"] == 0
        durations = []
        for index in range(gif.n_frames):
            gif.seek(index)
            durations.append(gif.info["duration"])
    assert sum(durations) == 400  # 12 frames at 30 fps
    assert set(durations) == {30, 40}
    assert gif_durations(3, 100) == [20, 20, 20]


def test_colour_gif_keeps_colours(tmp_path: Path) -> None:
    from PIL import Image

    stream = FrameStream(ColourModel(), _path(5), size=24)
    expected = list(FrameStream(ColourModel(), _path(5), size=24))
    write_export(stream, tmp_path / "c.gif", fps=10)
    with Image.open(tmp_path / "c.gif") as gif:
        gif.seek(2)
        shown = np.asarray(gif.convert("RGB"))
    assert np.array_equal(shown, expected[2])  # few colours: the palette is exact


def test_png_frames_folder_and_pattern(tmp_path: Path) -> None:
    from PIL import Image

    folder = tmp_path / "walk"
    result = write_export(_stream(frames=5, size=16), folder, fps=30)
    assert result.format == "frames"
    assert _leftovers(folder) == [f"walk_{i:04d}.png" for i in range(1, 6)]
    with Image.open(folder / "walk_0003.png") as image:
        assert image.size == (16, 16)
    write_export(_stream(frames=3, size=16), folder, fps=30)  # replaces the earlier render
    assert _leftovers(folder) == [f"walk_{i:04d}.png" for i in range(1, 4)]
    assert _leftovers(tmp_path) == ["walk"]

    write_export(_stream(frames=3, size=16), tmp_path / "seq" / "f_%03d.png", fps=30)
    assert _leftovers(tmp_path / "seq") == ["f_001.png", "f_002.png", "f_003.png"]

    (folder / "notes.txt").write_text("mine")
    with pytest.raises(ExportError, match="other files"):
        write_export(_stream(frames=3, size=16), folder, fps=30)


@pytest.mark.parametrize("name", ["walk.mp4", "walk.webm", "walk.gif", "walk"])
def test_cancel_leaves_no_file(tmp_path: Path, name: str) -> None:
    seen = []

    def on_progress(fraction: float | None, message: str) -> None:
        seen.append(fraction)
        if len(seen) == 3:
            ctx.cancel()

    ctx = JobContext(on_progress)
    with pytest.raises(JobCancelled):
        write_export(_stream(frames=40, size=16, ctx=ctx), tmp_path / name, fps=30, ctx=ctx)
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("name", ["walk.mp4", "walk.gif", "walk"])
def test_model_failing_mid_export_leaves_no_file(tmp_path: Path, name: str) -> None:
    stream = _stream(frames=40, size=16, model=FailingModel(good=2), batch=4)
    with pytest.raises(ModelOutputError):
        write_export(stream, tmp_path / name, fps=30)
    assert _leftovers(tmp_path) == []


def test_failed_export_keeps_the_earlier_file(tmp_path: Path) -> None:
    out = tmp_path / "walk.mp4"
    out.write_bytes(b"earlier render")
    with pytest.raises(ModelOutputError):
        write_export(_stream(frames=40, size=16, model=FailingModel(good=1)), out, fps=30)
    assert out.read_bytes() == b"earlier render"
    assert _leftovers(tmp_path) == ["walk.mp4"]


def test_odd_sizes_and_empty_streams_are_refused(tmp_path: Path) -> None:
    odd = [np.zeros((5, 6, 1), np.uint8)] * 3
    with pytest.raises(ExportError, match="even"):
        write_export(odd, tmp_path / "odd.mp4", fps=30)
    with pytest.raises(ExportError, match="no frames"):
        write_export([], tmp_path / "none.gif", fps=30)
    mixed = [np.zeros((4, 4, 1), np.uint8), np.zeros((6, 6, 1), np.uint8)]
    with pytest.raises(ExportError, match="frame 2"):
        write_export(mixed, tmp_path / "mixed.mp4", fps=30)
    assert _leftovers(tmp_path) == []

"""Writing a stream of frames as MP4, WebM, GIF or a folder of PNG files.

Every writer works on a temporary name in the target folder and renames it into place only
once the file is complete, so a cancelled or failed export leaves neither a half-written file
under the final name nor a temporary file behind.

MP4 (H.264) and WebM (VP9, or VP8 where the bundled ffmpeg lacks VP9) are encoded by the
ffmpeg binary that imageio-ffmpeg ships. It is run directly with :mod:`subprocess` rather than
through ``imageio_ffmpeg.write_frames`` because an export must be able to kill it at once on
cancel, see its exit status, and quote its error output; the process lives only for the
duration of one call, so this is no worker in the sense of ``core/compute``.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Iterator, Sized
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import IO, TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from latent_explorer.core.errors import ExportError
from latent_explorer.core.file_switch import switch_files, switch_folder
from latent_explorer.core.fileio import export_path, reserve_temp_dir
from latent_explorer.core.jobs import JobContext, null_context
from latent_explorer.core.pause_points import pause_point

if TYPE_CHECKING:
    from PIL.Image import Image as PILImage

Frame = npt.NDArray[np.uint8]

FORMATS: tuple[str, ...] = ("mp4", "webm", "gif", "frames")
"""Export formats, chosen by :func:`export_format` from the output path."""

FORMATS_HELP = (
    ".mp4 (H.264), .webm (VP9), .gif, or PNG frames: a folder (a path without suffix) or a "
    "pattern like frames/walk_%04d.png"
)

_PATTERN = re.compile(r"%0?(\d*)d|#+")
_GIF_MAX_FPS = 50.0


@dataclass(frozen=True)
class ExportResult:
    """What a writer wrote."""

    path: Path
    format: str
    frames: int
    width: int
    height: int
    notes: tuple[str, ...] = ()


def export_format(out: str | Path) -> str:
    """``mp4``, ``webm``, ``gif`` or ``frames`` for an output path.

    A path without suffix, an existing folder, or a ``.png`` name with a frame-number
    pattern (``%04d`` or ``####``) means a PNG frame sequence.
    """
    path = Path(out)
    suffix = path.suffix.lower()
    if suffix in (".mp4", ".m4v"):
        return "mp4"
    if suffix in (".webm", ".gif"):
        return suffix[1:]
    if path.is_dir() or suffix == "" or (suffix == ".png" and _PATTERN.search(path.name)):
        return "frames"
    if suffix == ".png":
        raise ExportError(
            f"{path}: to write PNG frames, give a folder (e.g. {path.with_suffix('')}) or a "
            f"numbered pattern (e.g. {path.stem}_%04d.png)"
        )
    raise ExportError(f"{path}: unknown export format {suffix!r}; use {FORMATS_HELP}")


def write_export(frames: Iterable[Frame], out: str | Path, fps: float, *,
                 total: int | None = None, crf: int | None = None,
                 preset: str = "veryfast", ctx: JobContext | None = None) -> ExportResult:
    """Write ``frames`` (uint8 ``(h, w, 1|3)``, all one size) in the format ``out`` names.

    Parameters
    ----------
    frames
        The frames, typically a streaming :class:`~.frames.FrameStream`.
    out
        Output path; its suffix picks the format (see :func:`export_format`).
    fps
        Frames per second.
    total
        Number of frames, for progress (and exact GIF timing); ``len(frames)`` if it has one.
    crf
        Constant rate factor for MP4/WebM (lower is better; default 18 for H.264, 32 for VP9).
    preset
        x264 speed preset (``ultrafast`` ... ``veryslow``).
    ctx
        Progress per frame; a cancel stops the export and removes everything it wrote.
    """
    if not fps > 0:
        raise ExportError(f"the frame rate must be positive, not {fps}")
    kind = export_format(out)
    if total is None and isinstance(frames, Sized):
        total = len(frames)
    ctx = ctx or null_context()
    if kind == "gif":
        return write_gif(frames, out, fps, total=total, ctx=ctx)
    if kind == "frames":
        return write_png_frames(frames, out, total=total, ctx=ctx)
    return write_video(frames, out, fps, total=total, crf=crf, preset=preset, ctx=ctx)


# -- MP4 / WebM through ffmpeg ---------------------------------------------------------------


@functools.cache
def ffmpeg_encoders() -> frozenset[str]:
    """Names of the video encoders the bundled ffmpeg has."""
    exe = _ffmpeg_exe()
    try:
        listing = subprocess.run([exe, "-hide_banner", "-encoders"], capture_output=True,
                                 text=True, timeout=30, check=False).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        raise ExportError(f"cannot run ffmpeg ({exe}): {exc}") from exc
    names = set()
    for line in listing.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0].startswith("V"):
            names.add(parts[1])
    return frozenset(names)


def webm_codec() -> tuple[str, str | None]:
    """The WebM encoder to use and a note for the user when it is the VP8 fallback."""
    encoders = ffmpeg_encoders()
    if "libvpx-vp9" in encoders:
        return "libvpx-vp9", None
    if "libvpx" in encoders:
        return "libvpx", "this ffmpeg has no VP9 encoder, so the WebM video uses VP8"
    raise ExportError("this ffmpeg can write no WebM video (it has neither VP9 nor VP8)")


def _ffmpeg_exe() -> str:
    try:
        import imageio_ffmpeg

        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except (ImportError, RuntimeError) as exc:
        raise ExportError(f"no ffmpeg to encode video with (install imageio-ffmpeg): {exc}"
                          ) from exc


def _codec_args(kind: str, crf: int | None, preset: str) -> tuple[list[str], str | None]:
    if kind == "mp4":
        if "libx264" not in ffmpeg_encoders():
            raise ExportError("this ffmpeg has no H.264 encoder (libx264); try .webm or .gif")
        return ["-c:v", "libx264", "-preset", preset, "-crf", str(18 if crf is None else crf),
                "-movflags", "+faststart"], None
    codec, note = webm_codec()
    quality = str(32 if crf is None else crf)
    if codec == "libvpx-vp9":
        # realtime + cpu-used 8 is VP9's fast path; row-mt lets it use every core.
        return ["-c:v", codec, "-crf", quality, "-b:v", "0", "-deadline", "realtime",
                "-cpu-used", "8", "-row-mt", "1"], note
    return ["-c:v", codec, "-crf", quality, "-b:v", "4M", "-deadline", "realtime",
            "-cpu-used", "8"], note


def write_video(frames: Iterable[Frame], out: str | Path, fps: float, *,
                total: int | None = None, crf: int | None = None, preset: str = "veryfast",
                ctx: JobContext | None = None) -> ExportResult:
    """Encode ``frames`` as MP4 (H.264) or WebM (VP9/VP8), chosen by ``out``'s suffix.

    Frames must have even width and height (4:2:0 colour); grey frames are sent to ffmpeg
    as grey, which is a third of the data of RGB.
    """
    target = Path(out)
    kind = export_format(target)
    if kind not in ("mp4", "webm"):
        raise ExportError(f"{target}: not an .mp4 or .webm name")
    ctx = ctx or null_context()
    codec_args, note = _codec_args(kind, crf, preset)
    stream = iter(frames)
    first = _first_frame(stream, target)
    height, width, channels = first.shape
    if height % 2 or width % 2:
        raise ExportError(f"{target}: video frames need even sizes, not {width}x{height}")
    rate = Fraction(fps).limit_denominator(1001)
    count = 0
    with export_path(target) as tmp, tempfile.TemporaryFile() as errors:
        cmd = [_ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", "-loglevel", "error",
               "-f", "rawvideo", "-pix_fmt", "gray" if channels == 1 else "rgb24",
               "-s", f"{width}x{height}", "-framerate", str(rate), "-i", "pipe:0", "-an",
               *codec_args, "-pix_fmt", "yuv420p", "-f", kind, str(tmp)]
        # A session of its own: Ctrl-C in a terminal reaches this process alone, which
        # stops ffmpeg itself and removes the part file (ffmpeg would not say why it ended).
        process = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                   stderr=errors, start_new_session=os.name == "posix")
        try:
            assert process.stdin is not None
            for frame in _chain(first, stream):
                _check_frame(frame, first.shape, count, target)
                try:
                    process.stdin.write(np.ascontiguousarray(frame).data)
                except BrokenPipeError:
                    break  # ffmpeg stopped; its exit status and message say why
                count += 1
                _report(ctx, count, total, "Encoding")
            _close_quietly(process.stdin)
            status = process.wait()
        except BaseException:
            process.kill()
            process.wait()
            raise
        finally:
            _close_quietly(process.stdin)
        if status != 0:
            raise ExportError(f"{target}: ffmpeg failed ({_tail(errors)})")
    notes = (note,) if note else ()
    return ExportResult(target, kind, count, width, height, notes)


def _close_quietly(stream: IO[bytes] | None) -> None:
    if stream is not None and not stream.closed:
        # BrokenPipeError when ffmpeg is gone: there is nothing left to flush into.
        with contextlib.suppress(OSError):
            stream.close()


def _tail(stream: IO[bytes]) -> str:
    stream.seek(0)
    text = stream.read().decode("utf-8", "replace").strip()
    lines = [line for line in text.splitlines() if line.strip()]
    return " / ".join(lines[-3:]) or "no message"


# -- GIF -------------------------------------------------------------------------------------


def gif_durations(count: int, fps: float) -> list[int]:
    """Per-frame durations in ms that keep a GIF on time for ``fps``.

    GIF stores delays in hundredths of a second, so 30 fps alternates 30 and 40 ms instead of
    drifting at 30 ms; browsers slow down delays under 20 ms, so no delay is shorter.
    """
    ticks = [round(i * 100 / fps) for i in range(count + 1)]
    return [max(2, ticks[i + 1] - ticks[i]) * 10 for i in range(count)]


def write_gif(frames: Iterable[Frame], out: str | Path, fps: float, *,
              total: int | None = None, ctx: JobContext | None = None) -> ExportResult:
    """Write an endlessly looping GIF.

    Grey frames keep their exact 256 grey levels; colour frames get each their own
    256-colour palette (exact for images with that few colours, the case for small decodes
    enlarged with ``nearest``). Pillow keeps the frames until the file is written, and merges
    identical consecutive frames (such as holds) into one longer frame.
    """
    target = Path(out)
    ctx = ctx or null_context()
    stream = iter(frames)
    first = _first_frame(stream, target)
    notes: list[str] = []
    if fps > _GIF_MAX_FPS:
        notes.append(f"GIF plays at most {_GIF_MAX_FPS:g} frames per second; "
                     f"this one plays slower than {fps:g}")
    durations: int | list[int] = gif_durations(total, fps) if total else max(20, round(
        1000 / fps))
    count = 0

    def images() -> Iterator[PILImage]:
        nonlocal count
        for frame in _chain(first, stream):
            _check_frame(frame, first.shape, count, target)
            count += 1
            yield _gif_image(frame)
            _report(ctx, count, total, "Writing GIF")

    with export_path(target) as tmp:
        sequence = images()
        head = next(sequence)
        with tmp.open("wb") as handle:
            head.save(handle, format="GIF", save_all=True, append_images=sequence, loop=0,
                      duration=durations, disposal=1)
    if total and count != total:
        raise ExportError(f"{target}: expected {total} frames but got {count}")
    return ExportResult(target, "gif", count, first.shape[1], first.shape[0], tuple(notes))


def _gif_image(frame: Frame) -> PILImage:
    from PIL import Image

    if frame.shape[2] == 1:
        return Image.fromarray(frame[:, :, 0], mode="L")
    return Image.fromarray(frame).quantize(
        256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE
    )


# -- PNG frame sequence ----------------------------------------------------------------------


def frame_names(out: str | Path) -> tuple[Path, str]:
    """The folder and a ``str.format`` name template (``walk_{:04d}.png``) for PNG frames."""
    path = Path(out)
    match = _PATTERN.search(path.name) if path.suffix.lower() == ".png" else None
    if match is None:
        return path, path.name + "_{:04d}.png"
    digits = len(match.group(0)) if match.group(0).startswith("#") else int(match.group(1) or 1)

    def escape(text: str) -> str:
        return text.replace("{", "{{").replace("}", "}}")

    head, tail = path.name[: match.start()], path.name[match.end():]
    return path.parent, escape(head) + f"{{:0{digits}d}}" + escape(tail)


def write_png_frames(frames: Iterable[Frame], out: str | Path, *, total: int | None = None,
                     ctx: JobContext | None = None) -> ExportResult:
    """Write ``name_0001.png`` ... into a folder, or files named by a ``%04d`` pattern.

    The frames replace an earlier render as a whole, never frame by frame. They are written
    into a hidden staging folder first; then a folder target is put in place of the old
    folder (one holding anything but such frames is refused), and the files of a pattern are
    moved in, while the frames of an earlier, longer render under the same pattern are
    removed, so the pattern holds this render alone. The switch is recorded before it starts
    (:mod:`~latent_explorer.core.file_switch`): a process killed while switching leaves a
    record that the next start of any command finishes.

    Pause points (:mod:`~latent_explorer.core.pause_points`): ``frames-written`` once every
    frame is staged, then ``switch-committed`` and ``switch-moved`` (after each move).
    """
    from PIL import Image

    folder, template = frame_names(out)
    target = Path(out)
    ctx = ctx or null_context()
    is_folder = folder == target
    if is_folder:
        _check_replaceable(folder, template)
    staging = reserve_temp_dir(target)
    shape: tuple[int, ...] = ()
    count = 0
    try:
        for frame in frames:
            shape = shape or frame.shape
            _check_frame(frame, shape, count, target)
            count += 1
            image = frame[:, :, 0] if frame.shape[2] == 1 else frame
            with (staging / template.format(count)).open("wb") as handle:
                Image.fromarray(image).save(handle, format="PNG", compress_level=3)
                handle.flush()
                os.fsync(handle.fileno())  # on disk before the switch
            _report(ctx, count, total, "Writing PNG frames")
        if count == 0:
            raise ExportError(f"{target}: there are no frames to write")
        ctx.check()
        pause_point("frames-written")
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    try:
        if is_folder:
            switch_folder(staging, folder)
        else:
            names = [template.format(index) for index in range(1, count + 1)]
            switch_files(staging, names, pattern_frames(folder, target.name))
    except OSError as exc:
        raise ExportError(f"{target}: the frames cannot be put in place "
                          f"({exc.strerror or exc})") from exc
    return ExportResult(target, "frames", count, int(shape[1]), int(shape[0]))


def pattern_frames(folder: Path, pattern: str) -> list[str]:
    """The names of the files in ``folder`` that the frame pattern ``pattern``
    (``walk_%04d.png``) makes: exactly its numbers, as it writes them."""
    match = _PATTERN.search(pattern)
    if match is None:
        return []
    _, template = frame_names(folder / pattern)
    head, tail = pattern[: match.start()], pattern[match.end():]
    numbered = re.compile(re.escape(head) + r"([0-9]+)" + re.escape(tail))
    try:
        names = [entry.name for entry in os.scandir(folder) if entry.is_file()]
    except OSError:
        return []
    return sorted(name for name in names
                  if (hit := numbered.fullmatch(name)) and template.format(int(hit[1])) == name)


def _check_replaceable(folder: Path, template: str) -> None:
    if folder.exists() and not folder.is_dir():
        raise ExportError(f"{folder}: exists and is not a folder")
    if not folder.is_dir():
        return
    prefix = template.split("{", 1)[0]
    strangers = [p.name for p in folder.iterdir()
                 if not (p.name.startswith(prefix) and p.suffix == ".png")]
    if strangers:
        raise ExportError(f"{folder}: the folder already holds other files ({strangers[0]} ...); "
                          "choose a new or empty folder for the frames")


# -- shared helpers ---------------------------------------------------------------------------


def _first_frame(stream: Iterator[Frame], target: Path) -> Frame:
    first = next(stream, None)
    if first is None:
        raise ExportError(f"{target}: there are no frames to write")
    if first.ndim != 3 or first.shape[2] not in (1, 3) or first.dtype != np.uint8:
        raise ExportError(f"{target}: frames must be uint8 (height, width, 1 or 3), "
                          f"not {first.dtype} {first.shape}")
    return first


def _chain(first: Frame, rest: Iterator[Frame]) -> Iterator[Frame]:
    yield first
    yield from rest


def _check_frame(frame: Frame, shape: tuple[int, ...], index: int, target: Path) -> None:
    if frame.shape != shape:
        raise ExportError(f"{target}: frame {index + 1} has shape {frame.shape}, the first "
                          f"had {shape}")


def _report(ctx: JobContext, done: int, total: int | None, verb: str) -> None:
    pause_point("frame-written")
    if total:
        # About 200 updates per export are plenty for a bar; cancel is checked every frame.
        if done == total or done % max(1, total // 200) == 0:
            ctx.progress(done / total, f"{verb} frame {done:,} of {total:,}")
            return
    elif done % 10 == 0:
        ctx.progress(None, f"{verb} frame {done:,}")
        return
    ctx.check()

"""Rendering a path through latent space to a video, GIF or PNG frames (plus a contact sheet).

``render_path`` samples the path between the anchors, decodes it in batches, scales the
frames and streams them into the writer that the output name picks. Decode and encode time
are measured separately so the benchmark can report both rates.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from latent_explorer.core.errors import LatentExplorerError
from latent_explorer.core.export.frames import FrameScaler, FrameStream, output_size
from latent_explorer.core.export.map_overlay import MapBeside, MapBesideFrames
from latent_explorer.core.export.path_file import PathFile
from latent_explorer.core.export.render_limits import check_render
from latent_explorer.core.export.sheet import save_contact_sheet, sheet_indices, sheet_path
from latent_explorer.core.export.turntable import Turntable
from latent_explorer.core.export.video import export_format, write_export
from latent_explorer.core.interpolation.paths import PathSpec, sample_path, sample_path_at
from latent_explorer.core.jobs import JobContext, null_context
from latent_explorer.core.models.base import GenerativeModel

SHEET_TILE = 256
"""Largest side of one contact-sheet tile in pixels."""


@dataclass(frozen=True)
class RenderReport:
    """What a render wrote and how long each half took."""

    path: Path
    format: str
    frames: int
    width: int
    height: int
    fps: float
    decode_seconds: float
    """Decoding and scaling the frames."""
    encode_seconds: float
    """Encoding and writing them (everything else of the render)."""
    sheet: Path | None = None
    notes: tuple[str, ...] = ()

    @property
    def seconds(self) -> float:
        """Total time of the render."""
        return self.decode_seconds + self.encode_seconds

    @property
    def decode_fps(self) -> float:
        """Frames decoded per second."""
        return self.frames / self.decode_seconds if self.decode_seconds > 0 else float("inf")

    @property
    def encode_fps(self) -> float:
        """Frames encoded per second."""
        return self.frames / self.encode_seconds if self.encode_seconds > 0 else float("inf")

    def summary(self) -> str:
        """One line for the user: frames, size, duration, time taken, file."""
        length = self.frames / self.fps
        return (f"rendered {self.frames} frames ({length:.1f} s at {self.fps:g} fps) of "
                f"{self.width}x{self.height} in {self.seconds:.2f} s "
                f"(decode {self.decode_seconds:.2f} s, encode {self.encode_seconds:.2f} s): "
                f"{self.path}")


def path_spec(anchors: npt.ArrayLike, *, interp: str = "slerp",
              frames_per_segment: int | None = None, easing: str = "linear",
              loop: bool = False, pingpong: bool = False,
              hold: int | tuple[int, ...] = 0) -> PathSpec:
    """The interpolation module's :class:`PathSpec` for these settings.

    ``easing`` may be written with hyphens as on the command line (``ease-in-out``).
    """
    return PathSpec(anchors, interp=interp, easing=easing.replace("-", "_"), loop=loop,
                    pingpong=pingpong, holds=hold,
                    frames_per_segment=30 if frames_per_segment is None else frames_per_segment)


def build_path(anchors: npt.ArrayLike, *, interp: str = "slerp", frames: int | None = None,
               frames_per_segment: int | None = None, easing: str = "linear",
               loop: bool = False, pingpong: bool = False,
               hold: int | tuple[int, ...] = 0) -> npt.NDArray[np.float32]:
    """The ``(F, D)`` latents of a path through ``anchors`` ``(K, D)``.

    Parameters
    ----------
    interp
        ``slerp``, ``lerp`` or ``spline`` (see :mod:`latent_explorer.core.interpolation`).
    frames
        TOTAL frames of the result, holds included, spread as evenly as possible over the
        segments (some get one frame more). A ping-pong path mirrors its frames, so its
        number of moving frames is even: an odd remainder gives one frame less.
    frames_per_segment
        Alternatively, frames from one anchor up to the next (default 30 when neither is
        given); exactly :func:`~latent_explorer.core.interpolation.sample_path`.
    easing
        Easing within each segment (``linear``, ``ease-in-out`` ...).
    loop
        Go on from the last anchor back to the first; the last frame stops one short of the
        start, so the video repeats seamlessly.
    pingpong
        Go through the anchors and back again (not together with ``loop``).
    hold
        Extra frames each anchor stays on screen whenever the path reaches it (one count, or
        one per anchor).
    """
    spec = path_spec(anchors, interp=interp, frames_per_segment=frames_per_segment,
                     easing=easing, loop=loop, pingpong=pingpong, hold=hold)
    if frames is None:
        return sample_path(spec)
    if frames < 1:
        raise LatentExplorerError(f"a path needs at least 1 frame, not {frames}")
    segments = spec.n_segments
    if segments == 0:
        return np.repeat(sample_path(spec)[:1], frames, axis=0)
    positions = _positions(spec, frames)
    return sample_path_at(spec, positions / segments)


def _positions(spec: PathSpec, frames: int) -> npt.NDArray[np.float64]:
    """Frame positions in segment units for ``frames`` frames in total (as in ``paths``).

    ``sample_path`` gives every segment the same number of frames; a total that does not
    divide evenly needs segments one frame apart, so the timing is laid out here and the path
    evaluated with ``sample_path_at``.
    """
    segments, holds = spec.n_segments, spec.hold_counts
    open_end = 0 if spec.loop else 1
    visits = [*range(segments + open_end)]
    if spec.pingpong:
        visits += visits[-2:0:-1]
    held = sum(holds[v % len(holds)] for v in visits)
    moving = frames - held
    steps = (moving // 2 if spec.pingpong else moving - open_end)
    if steps < segments:
        least = frames + (segments - steps) * (2 if spec.pingpong else 1)
        raise LatentExplorerError(
            f"{frames} frames are too few for a path of {segments} segment(s) with these "
            f"holds; use at least {least}"
        )
    base, extra = divmod(steps, segments)
    parts = [seg + np.arange(n) / n for seg, n in
             enumerate(base + (1 if i < extra else 0) for i in range(segments))]
    if open_end:
        parts.append(np.array([float(segments)]))
    positions = np.concatenate(parts)
    if spec.pingpong:
        positions = np.concatenate([positions, positions[-2:0:-1]])
    repeat = np.zeros(len(positions), dtype=np.int64)
    on_anchor = positions == np.round(positions)
    repeat[on_anchor] = np.asarray(holds)[np.round(positions[on_anchor]).astype(int)
                                          % len(holds)]
    return np.repeat(positions, 1 + repeat)


def render_path(model: GenerativeModel, anchors: npt.ArrayLike, out: str | Path, *,
                interp: str = "slerp", frames: int | None = None,
                frames_per_segment: int | None = None, easing: str = "linear",
                loop: bool = False, pingpong: bool = False, hold: int | tuple[int, ...] = 0,
                fps: float = 30.0, size: int | None = 512, scale_mode: str = "nearest",
                label: int | None = None, sheet: int = 0, crf: int | None = None,
                preset: str = "veryfast", batch_size: int = 64,
                ctx: JobContext | None = None) -> RenderReport:
    """Render the path through ``anchors`` ``(K, latent_dim)`` into ``out``.

    The format follows ``out`` (see :func:`~.video.export_format`). Path parameters are those
    of :func:`build_path`; ``size`` is the long side of the frames in pixels, ``scale_mode``
    ``nearest`` or ``smooth``; ``label`` the class for a conditional model; ``sheet`` > 0 also
    writes a contact sheet of that many frames as ``<out stem>_sheet.png``.

    Raises
    ------
    LatentExplorerError
        Bad settings, an anchor of the wrong length, or an unwritable output
        (:class:`~.video.ExportError`); :class:`ModelOutputError` from the model;
        :class:`JobCancelled` when ``ctx`` is cancelled. A failed render leaves no file.
    """
    ctx = ctx or null_context()
    export_format(out)  # fail on an unknown output format before building anything
    points = np.asarray(anchors, dtype=np.float32)
    if points.ndim != 2 or points.shape[1] != model.latent_dim:
        raise LatentExplorerError(f"the anchors have shape {points.shape}, but {model.name} "
                                  f"takes latents of {model.latent_dim} values")
    if label is not None and not model.num_classes:
        raise LatentExplorerError(f"{model.name} is not conditional; it takes no label")
    if label is not None and not 0 <= label < model.num_classes:
        raise LatentExplorerError(f"{model.name} has classes 0 to {model.num_classes - 1}, "
                                  f"not {label}")
    _check_size(model, out, most_frames(len(points), frames, frames_per_segment, loop,
                                        pingpong, hold), size, sheet, fps)
    path = build_path(points, interp=interp, frames=frames, frames_per_segment=frames_per_segment,
                      easing=easing, loop=loop, pingpong=pingpong, hold=hold)
    notes: list[str] = []
    if frames is not None and len(path) != frames:
        notes.append(f"a ping-pong path mirrors its frames, so it has {len(path)} frames, "
                     f"not {frames}")
    return render_latents(model, path, out, fps=fps, size=size, scale_mode=scale_mode,
                          label=label, sheet=sheet, crf=crf, preset=preset,
                          batch_size=batch_size, ctx=ctx, notes=notes)


def render_latents(model: GenerativeModel, latents: npt.ArrayLike, out: str | Path, *,
                   fps: float = 30.0, size: int | None = 512, scale_mode: str = "nearest",
                   label: int | None = None, sheet: int = 0, crf: int | None = None,
                   preset: str = "veryfast", batch_size: int = 64,
                   ctx: JobContext | None = None,
                   notes: list[str] | None = None,
                   beside: MapBeside | Turntable | None = None) -> RenderReport:
    """Decode the frames ``latents`` ``(F, latent_dim)`` and write them to ``out``.

    The window uses this for paths it has already laid out (e.g. at an even speed); the other
    arguments are those of :func:`render_path`. With ``beside`` (one marker position per
    frame) each output frame is the map with a marker where the frame lies, then the frame
    (see :mod:`~latent_explorer.core.export.map_overlay`); a
    :class:`~latent_explorer.core.export.turntable.Turntable` puts a turning 3-D map there
    instead. A contact sheet still shows the frames alone. A failed or cancelled render leaves
    no file.
    """
    ctx = ctx or null_context()
    kind = export_format(out)
    path = np.asarray(latents, dtype=np.float32)
    if path.ndim != 2 or path.shape[1] != model.latent_dim or len(path) == 0:
        raise LatentExplorerError(f"the frames have shape {path.shape}, but {model.name} "
                                  f"takes latents of {model.latent_dim} values")
    if beside is not None and len(beside.positions) != len(path):
        raise LatentExplorerError(f"the map has {len(beside.positions)} marker positions for "
                                  f"{len(path)} frames")
    _check_size(model, out, len(path), size, sheet, fps)
    began = time.perf_counter()
    even = kind in ("mp4", "webm")
    stream = FrameStream(model, path, size=size, scale_mode=scale_mode, label=label,
                         batch_size=batch_size, even=even, ctx=ctx)
    stream.keep = set(sheet_indices(len(path), sheet))
    frames: FrameStream | MapBesideFrames = stream
    if beside is not None:
        frames = MapBesideFrames(stream, stream.frame_hw, beside, even=even)
    result = write_export(frames, out, fps, total=len(path), crf=crf, preset=preset, ctx=ctx)
    all_notes = [*result.notes, *(notes or [])]
    if isinstance(beside, Turntable) and beside.note:
        all_notes.append(beside.note)
    sheet_file = None
    if sheet > 0:
        sheet_file = _write_sheet(stream, Path(out), scale_mode)
    took = time.perf_counter() - began
    return RenderReport(result.path, result.format, result.frames, result.width, result.height,
                        float(fps), stream.decode_seconds, took - stream.decode_seconds,
                        sheet_file, tuple(all_notes))


def render_path_file(model: GenerativeModel, spec: PathFile, out: str | Path, *, sheet: int = 0,
                     crf: int | None = None, preset: str = "veryfast",
                     ctx: JobContext | None = None) -> RenderReport:
    """Render what a loaded path file describes (see :func:`render_path`)."""
    return render_path(model, spec.anchors, out, interp=spec.interp, frames=spec.frames,
                       frames_per_segment=spec.frames_per_segment, easing=spec.easing,
                       loop=spec.loop, pingpong=spec.pingpong, hold=spec.hold, fps=spec.fps,
                       size=spec.size, scale_mode=spec.scale, label=spec.label, sheet=sheet,
                       crf=crf, preset=preset, ctx=ctx)


def most_frames(anchors: int, frames: int | None, frames_per_segment: int | None,
                loop: bool, pingpong: bool, hold: int | tuple[int, ...]) -> int:
    """At least as many frames as the path will have, counted without laying it out."""
    if frames is not None:
        return frames
    segments = 0 if anchors < 2 else anchors if loop else anchors - 1
    holds = hold * anchors if isinstance(hold, int) else sum(hold)
    moving = segments * (30 if frames_per_segment is None else frames_per_segment) + 1
    return (moving + holds) * (2 if pingpong else 1)


def _check_size(model: GenerativeModel, out: str | Path, frames: int, size: int | None,
                sheet: int, fps: float) -> None:
    shape = tuple(model.image_shape)
    if len(shape) != 3:
        return  # a 1-D signal: FrameStream says it makes no frames
    kind = export_format(out)
    frame_hw = output_size((shape[0], shape[1]), size, even=kind in ("mp4", "webm"))
    check_render(out, kind, frames, frame_hw, int(shape[2]), model.latent_dim, sheet, fps)


def _write_sheet(stream: FrameStream, out: Path, scale_mode: str) -> Path:
    small = [stream.small_frames[i] for i in sorted(stream.small_frames)]
    source = small[0].shape[:2]
    tile = min(SHEET_TILE, max(stream.frame_hw))
    scaler = FrameScaler(source, output_size(source, tile, even=False), scale_mode)
    return save_contact_sheet(sheet_path(out), [scaler(frame) for frame in small])

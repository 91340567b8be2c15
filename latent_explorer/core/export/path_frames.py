"""From a :class:`PathState` to the latents of every frame (optionally at an even pace)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from latent_explorer.core.export.render import build_path, path_spec
from latent_explorer.core.interpolation import even_speed_params, sample_path_at
from latent_explorer.core.models.base import GenerativeModel
from latent_explorer.core.session.path_state import PathState

DENSITY = 4
"""Samples measured per output frame when evening out the pace."""


def path_latents(path: PathState, model: GenerativeModel | None = None,
                 label: int | None = None) -> npt.NDArray[np.float32]:
    """The ``(F, D)`` latents of ``path``'s frames (``(0, D)`` without anchors).

    With ``path.even_speed`` and a ``model``, the frames are re-spaced so that consecutive
    decoded images differ by the same amount: the path is decoded densely, the image change of
    each small step measured, and the frames placed at equal shares of the total change. Easing
    and holds do not apply then (an even pace is the point).

    With ``path.total_frames`` set, the path has that many frames in all (holds included, as
    :func:`~latent_explorer.core.export.render.build_path` lays them out; an even-speed path
    has no holds, and a ping-pong path an even count, so an odd total gives one frame less).

    Raises
    ------
    LatentExplorerError
        When ``path.total_frames`` is too few for the segments and holds (the message says
        how many are needed).
    """
    anchors = path.anchor_latents()
    if len(anchors) == 0:
        return np.zeros((0, 0), dtype=np.float32)
    holds = tuple(a.hold for a in path.anchors)
    if len(anchors) == 1:
        return np.repeat(anchors, path.total_frames or 1 + holds[0], axis=0)
    if not path.even_speed or model is None:
        return build_path(anchors, interp=path.interp, frames=path.total_frames,
                          frames_per_segment=path.frames_per_segment, easing=path.easing,
                          loop=path.loop, pingpong=path.pingpong, hold=holds)
    spec = path_spec(anchors, interp=path.interp, frames_per_segment=path.frames_per_segment,
                     easing="linear", loop=path.loop)
    count = _even_count(path, spec.n_segments)
    dense_params = np.linspace(0.0, 1.0, DENSITY * (count - 1) + 1)
    dense = sample_path_at(spec, dense_params, eased=False)
    steps = image_steps(model, dense, label)
    params = even_speed_params(steps, count, dense_params)
    frames = sample_path_at(spec, params, eased=False)
    if path.loop:
        frames = frames[:-1]  # the last frame equals the first: drop it for a seamless wrap
    elif path.pingpong:
        frames = np.concatenate([frames, frames[-2:0:-1]])
    return frames.astype(np.float32)


def _even_count(path: PathState, segments: int) -> int:
    """Frames from the first anchor to the last (both included) before loop or ping-pong."""
    total = path.total_frames
    if total is None:
        return segments * path.frames_per_segment + 1
    if path.loop:
        return max(2, total) + 1  # the closing frame is dropped again
    if path.pingpong:
        return max(2, total // 2 + 1)  # mirrored: 2 * count - 2 frames
    return max(2, total)


STEP_BATCH_PIXELS = 1 << 22
"""Pixels decoded at once while measuring the steps (bounds memory for large images)."""


def image_steps(model: GenerativeModel, latents: npt.NDArray[np.float32],
                label: int | None = None) -> npt.NDArray[np.float32]:
    """Root-mean-square image change between consecutive ``latents``, decoded in batches.

    Only one batch of images (about :data:`STEP_BATCH_PIXELS` pixels) is held at a time, so a
    dense path at 512x512 does not need every decoded image in memory at once.
    """
    pixels = max(1, int(np.prod(model.image_shape)))
    batch = max(2, STEP_BATCH_PIXELS // pixels)
    steps: list[npt.NDArray[np.float32]] = []
    previous: npt.NDArray[np.float32] | None = None
    for start in range(0, len(latents), batch):
        chunk = latents[start:start + batch]
        labels = None if label is None else np.full(len(chunk), label, dtype=np.int64)
        images = model.decode(chunk, labels).reshape(len(chunk), -1)
        if previous is not None:
            images = np.concatenate([previous, images])
        steps.append(np.sqrt(((images[1:] - images[:-1]) ** 2).mean(axis=1)))
        previous = images[-1:]
    return np.concatenate(steps) if steps else np.zeros(0, dtype=np.float32)

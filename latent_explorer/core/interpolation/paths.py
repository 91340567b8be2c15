"""Paths through several anchor latents: the frames of an animation or a video.

A :class:`PathSpec` says how to go through its anchors: ``K`` anchors give ``K - 1`` segments
(``K`` when the path loops back to the first). Each segment gets ``frames_per_segment`` frames,
starting exactly on its first anchor and stopping one frame short of the next, so consecutive
segments share no frame. An open path ends with one frame on the last anchor; a looping path
does not repeat the first anchor at the end, so playing it on repeat is seamless.

Positions along the path use a *global parameter* in [0, 1]: anchor ``j`` sits at ``j / S`` for
``S`` segments (a loop comes back to the first anchor at 1). :func:`sample_path_at` evaluates
the path at any such positions; :func:`sample_path` gives the frames of the spec, with holds
and ping-pong applied, and :func:`frame_params` the global parameter of each of those frames.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from latent_explorer.core.errors import LatentExplorerError
from latent_explorer.core.interpolation.blend import lerp, slerp
from latent_explorer.core.interpolation.easing import EASINGS, get_easing

INTERPOLATIONS = ("lerp", "slerp", "spline")
"""``spline`` is a centripetal Catmull-Rom spline through all anchors (closed when looping)."""

_SNAP = 1e-9
"""Segment positions this close to an anchor are put exactly on it."""


@dataclass(frozen=True)
class PathSpec:
    """How to travel through a list of anchor latents.

    Parameters
    ----------
    anchors
        ``(K, D)`` anchor latents (an array or nested sequences); stored as a tuple of tuples
        so the spec stays hashable. :attr:`anchor_array` gives them back as an array.
    interp
        ``"lerp"``, ``"slerp"`` (each segment on its own) or ``"spline"`` (one smooth curve).
    frames_per_segment
        Frames from one anchor up to, not including, the next.
    easing
        A name from :data:`~latent_explorer.core.interpolation.easing.EASINGS`, applied to
        each segment on its own.
    loop
        Go on from the last anchor back to the first.
    pingpong
        Play the path forwards, then backwards (without repeating the turn-around frames).
        An open path only: a loop already comes back.
    holds
        Extra frames to stay on each anchor: one count per anchor, or one count for all.
    """

    anchors: npt.ArrayLike
    interp: str = "lerp"
    frames_per_segment: int = 30
    easing: str = "linear"
    loop: bool = False
    pingpong: bool = False
    holds: int | tuple[int, ...] = 0

    def __post_init__(self) -> None:
        array = np.asarray(self.anchors, dtype=np.float64)
        if array.ndim != 2 or array.shape[0] < 1 or array.shape[1] < 1:
            raise LatentExplorerError(
                f"a path needs anchors of shape (K, D) with K >= 1, got {array.shape}"
            )
        if not np.isfinite(array).all():
            raise LatentExplorerError("path anchors contain NaN or infinite values")
        object.__setattr__(self, "anchors", tuple(tuple(float(v) for v in row) for row in array))
        count = array.shape[0]
        given = np.asarray(self.holds)
        holds = tuple(given.tolist()) if given.ndim == 1 else (given.item(),) * count
        if len(holds) != count or any(int(h) != h or h < 0 for h in holds):
            raise LatentExplorerError(
                f"holds must be one count >= 0 or one per anchor ({count}), got {self.holds!r}"
            )
        object.__setattr__(self, "holds", tuple(int(h) for h in holds))
        if self.interp not in INTERPOLATIONS:
            raise LatentExplorerError(
                f"unknown interpolation {self.interp!r}; choose one of {', '.join(INTERPOLATIONS)}"
            )
        get_easing(self.easing)
        if int(self.frames_per_segment) != self.frames_per_segment or self.frames_per_segment < 1:
            raise LatentExplorerError(
                f"frames_per_segment must be a whole number >= 1, got {self.frames_per_segment!r}"
            )
        if self.loop and self.pingpong:
            raise LatentExplorerError("a path can loop or ping-pong, not both")

    @property
    def anchor_array(self) -> npt.NDArray[np.float64]:
        """The anchors as a ``(K, D)`` float64 array."""
        return np.array(self.anchors, dtype=np.float64)

    @property
    def n_segments(self) -> int:
        """``K - 1`` for an open path, ``K`` for a loop, 0 for a single anchor."""
        count = len(self.anchors)  # type: ignore[arg-type]
        return 0 if count < 2 else count if self.loop else count - 1

    @property
    def hold_counts(self) -> tuple[int, ...]:
        """The extra frames on each anchor, one count per anchor."""
        return self.holds if isinstance(self.holds, tuple) else ()

    @property
    def frame_count(self) -> int:
        """How many frames :func:`sample_path` gives."""
        return len(_segment_positions(self))


def _segment_positions(spec: PathSpec) -> npt.NDArray[np.float64]:
    """Frame positions in segment units (anchor ``j`` at ``j``), holds and ping-pong applied."""
    segments, per = spec.n_segments, int(spec.frames_per_segment)
    if segments == 0:
        base = np.zeros(1)
    else:
        steps = np.arange(segments * per)
        base = steps // per + (steps % per) / per
        if not spec.loop:
            base = np.append(base, float(segments))
    if spec.pingpong and len(base) > 2:
        base = np.concatenate([base, base[-2:0:-1]])
    holds = np.zeros(len(base), dtype=np.int64)
    on_anchor = base == np.round(base)
    count = len(spec.hold_counts)
    holds[on_anchor] = np.asarray(spec.hold_counts)[np.round(base[on_anchor]).astype(int) % count]
    return np.repeat(base, 1 + holds)


def frame_params(spec: PathSpec) -> npt.NDArray[np.float64]:
    """The global parameter in [0, 1] of every frame of :func:`sample_path`."""
    positions = _segment_positions(spec)
    return positions / spec.n_segments if spec.n_segments else positions


def sample_path(spec: PathSpec) -> npt.NDArray[np.float32]:
    """All frames of the path, ``(F, D)`` float32 (``F`` is ``spec.frame_count``).

    Anchors are hit exactly at the start of their segments.
    """
    return _evaluate(spec, _segment_positions(spec), eased=True)


def sample_path_at(
    spec: PathSpec, params: npt.ArrayLike, *, eased: bool = True
) -> npt.NDArray[np.float32]:
    """The path at global parameters ``params`` in [0, 1] (clipped), ``(T, D)`` float32.

    Holds and ping-pong are ignored: this is the path's shape, not its timing.

    Parameters
    ----------
    spec
        The path.
    params
        ``T`` positions; anchor ``j`` is at ``j / n_segments``.
    eased
        Apply the spec's easing inside each segment, as :func:`sample_path` does. Use the same
        setting for the uniform samples that step sizes were measured on and for the
        positions that :func:`~latent_explorer.core.interpolation.resample.even_speed_params`
        returns.
    """
    values = np.clip(np.asarray(params, dtype=np.float64).ravel(), 0.0, 1.0)
    return _evaluate(spec, values * spec.n_segments, eased=eased)


def _evaluate(
    spec: PathSpec, positions: npt.NDArray[np.float64], *, eased: bool
) -> npt.NDArray[np.float32]:
    anchors = spec.anchor_array
    segments = spec.n_segments
    out = np.empty((len(positions), anchors.shape[1]), dtype=np.float64)
    if segments == 0:
        out[:] = anchors[0]
        return out.astype(np.float32)
    snapped = np.round(positions)
    positions = np.where(np.abs(positions - snapped) < _SNAP, snapped, positions)
    index = np.clip(np.floor(positions).astype(np.int64), 0, segments - 1)
    local = positions - index
    if eased:
        local = EASINGS[spec.easing](local)
    for seg in np.unique(index):
        rows = index == seg
        out[rows] = _segment(spec, anchors, int(seg), local[rows])
    return out.astype(np.float32)


def _segment(
    spec: PathSpec, anchors: npt.NDArray[np.float64], seg: int, u: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    count = len(anchors)
    start, end = anchors[seg], anchors[(seg + 1) % count]
    if spec.interp == "lerp":
        values = lerp(start, end, u)
    elif spec.interp == "slerp":
        values = slerp(start, end, u)
    else:
        if spec.loop:
            before, after = anchors[(seg - 1) % count], anchors[(seg + 2) % count]
        else:
            before = anchors[seg - 1] if seg > 0 else 2.0 * start - end
            after = anchors[seg + 2] if seg + 2 < count else 2.0 * end - start
        values = _catmull_rom(before, start, end, after, u)
    values = np.where(u[:, None] == 0.0, start, values)
    return np.asarray(np.where(u[:, None] == 1.0, end, values), dtype=np.float64)


def _catmull_rom(
    p0: npt.NDArray[np.float64],
    p1: npt.NDArray[np.float64],
    p2: npt.NDArray[np.float64],
    p3: npt.NDArray[np.float64],
    u: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    """Centripetal Catmull-Rom from ``p1`` (u=0) to ``p2`` (u=1) (Barry-Goldman pyramid)."""
    gaps = [float(np.linalg.norm(q - p)) ** 0.5 for p, q in ((p0, p1), (p1, p2), (p2, p3))]
    floor = max(max(gaps), 1.0) * 1e-9  # coincident anchors: keep the knots apart
    t0 = 0.0
    t1 = t0 + max(gaps[0], floor)
    t2 = t1 + max(gaps[1], floor)
    t3 = t2 + max(gaps[2], floor)
    t = (t1 + u * (t2 - t1))[:, None]

    def mix(
        a: npt.NDArray[np.float64], b: npt.NDArray[np.float64], ta: float, tb: float
    ) -> npt.NDArray[np.float64]:
        return np.asarray(((tb - t) * a + (t - ta) * b) / (tb - ta), dtype=np.float64)

    a1, a2, a3 = mix(p0, p1, t0, t1), mix(p1, p2, t1, t2), mix(p2, p3, t2, t3)
    b1, b2 = mix(a1, a2, t0, t2), mix(a2, a3, t1, t3)
    return mix(b1, b2, t1, t2)

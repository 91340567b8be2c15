"""Interpolation paths the user builds on the map: anchors, settings, and a library of paths.

A :class:`PathState` is evented like the other state objects: the path panel writes into it,
the map, the filmstrip and the exporter redraw from its events. :class:`PathLibrary` keeps
several named paths and says which one is active.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

import numpy as np
import numpy.typing as npt
from psygnal import Signal, evented

from latent_explorer.core.errors import LatentExplorerError

if TYPE_CHECKING:
    from psygnal import SignalGroup, SignalInstance

    class PathEvents(SignalGroup):
        """For the type checker: the signals ``@evented`` adds to :class:`PathState`."""

        name: SignalInstance
        anchors: SignalInstance
        interp: SignalInstance
        frames_per_segment: SignalInstance
        total_frames: SignalInstance
        easing: SignalInstance
        loop: SignalInstance
        pingpong: SignalInstance
        even_speed: SignalInstance
        fps: SignalInstance


@dataclass(frozen=True, eq=False)
class Anchor:
    """One keyframe of a path: a latent, the sample it came from (if any), extra hold frames."""

    latent: npt.NDArray[np.float32]
    index: int | None = None
    hold: int = 0

    def with_hold(self, hold: int) -> Anchor:
        """The same anchor held for ``hold`` extra frames."""
        return Anchor(self.latent, self.index, max(0, int(hold)))


@evented
@dataclass
class PathState:
    """One path: its anchors and how frames are laid between them."""

    if TYPE_CHECKING:
        events: ClassVar[PathEvents]

    name: str = "Path 1"
    anchors: tuple[Anchor, ...] = ()
    """The keyframes, in order."""
    interp: str = "slerp"
    """``slerp`` (default: keeps norms, right for Gaussian priors), ``lerp`` or ``spline``."""
    frames_per_segment: int = 30
    """Frames from one anchor to the next (used while :attr:`total_frames` is ``None``)."""
    total_frames: int | None = None
    """The whole path's length in frames, holds included, spread over the segments as
    :func:`~latent_explorer.core.export.render.build_path` does; ``None``: the length follows
    from :attr:`frames_per_segment`."""
    easing: str = "ease_in_out"
    """``linear``, ``ease_in_out`` ... within each segment."""
    loop: bool = False
    """Close the path: the last anchor leads back to the first, seamlessly."""
    pingpong: bool = False
    """Go through the anchors and back again."""
    even_speed: bool = False
    """Re-space frames so the decoded images change at an even pace."""
    fps: float = 30.0
    """Playback and export speed."""

    def add_anchor(self, latent: npt.NDArray[np.float32], index: int | None = None) -> None:
        """Append a keyframe."""
        vector = np.array(latent, dtype=np.float32).reshape(-1)
        if self.anchors and len(self.anchors[0].latent) != len(vector):
            raise LatentExplorerError(
                f"this path's anchors have {len(self.anchors[0].latent)} values, "
                f"the new one has {len(vector)}")
        self.anchors = (*self.anchors, Anchor(vector, index))

    def remove_anchor(self, position: int) -> None:
        """Remove the keyframe at ``position``."""
        items = list(self.anchors)
        del items[position]
        self.anchors = tuple(items)

    def move_anchor(self, source: int, target: int) -> None:
        """Move the keyframe at ``source`` to ``target``."""
        items = list(self.anchors)
        items.insert(target, items.pop(source))
        self.anchors = tuple(items)

    def set_hold(self, position: int, hold: int) -> None:
        """Hold the keyframe at ``position`` for ``hold`` extra frames."""
        items = list(self.anchors)
        items[position] = items[position].with_hold(hold)
        self.anchors = tuple(items)

    def anchor_latents(self) -> npt.NDArray[np.float32]:
        """The anchors as a ``(K, D)`` array."""
        if not self.anchors:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([a.latent for a in self.anchors]).astype(np.float32)


class PathLibrary:
    """Several named paths, one of them active."""

    changed = Signal()
    """Paths were added, removed or renamed. Emitted on the thread that changed them."""
    active_changed = Signal(object)
    """Another :class:`PathState` became active."""

    def __init__(self) -> None:
        self.paths: list[PathState] = [PathState(name="Path 1")]
        self.active_index = 0

    @property
    def active(self) -> PathState:
        """The path being edited, played and exported."""
        return self.paths[self.active_index]

    def add(self, name: str | None = None) -> PathState:
        """Add an empty path (with the active path's settings) and make it active."""
        base = self.active
        path = PathState(name=name or self._free_name(), interp=base.interp,
                         frames_per_segment=base.frames_per_segment,
                         total_frames=base.total_frames, easing=base.easing, fps=base.fps)
        self.paths.append(path)
        self.changed.emit()
        self.set_active(len(self.paths) - 1)
        return path

    def remove(self, index: int) -> None:
        """Remove path ``index`` (the last path is emptied instead)."""
        if len(self.paths) == 1:
            self.paths[0].anchors = ()
            return
        del self.paths[index]
        self.changed.emit()
        self.set_active(min(self.active_index if index > self.active_index else
                            max(0, self.active_index - 1), len(self.paths) - 1), force=True)

    def rename(self, index: int, name: str) -> None:
        """Rename path ``index``."""
        name = name.strip()
        if name:
            self.paths[index].name = name
            self.changed.emit()

    def set_active(self, index: int, force: bool = False) -> None:
        """Make path ``index`` the active one."""
        if index != self.active_index or force:
            self.active_index = index
            self.active_changed.emit(self.active)

    def _free_name(self) -> str:
        names = {p.name for p in self.paths}
        n = len(self.paths) + 1
        while f"Path {n}" in names:
            n += 1
        return f"Path {n}"


@dataclass(frozen=True, eq=False)
class PathFrames:
    """The latents of every frame of a path and where each anchor's frame is."""

    latents: npt.NDArray[np.float32]
    anchor_frames: tuple[int, ...] = field(default_factory=tuple)

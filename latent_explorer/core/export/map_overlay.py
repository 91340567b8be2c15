"""The map beside the output: each video frame as [map with a moving marker | decoded frame].

The window grabs its 2-D map (with the path drawn on it) once, on the GUI thread, and works
out where every frame of the path lies on that picture. :class:`MapBeside` carries both into
the export job, which never touches Qt: :class:`MapBesideFrames` wraps the stream of decoded
frames and, per frame, draws a marker at that frame's position on the scaled map and places
the frame to its right, so :func:`~latent_explorer.core.export.video.write_export` writes the
result like any other export.

For a 3-D map, a :class:`~latent_explorer.core.export.turntable.Turntable` takes the place of
:class:`MapBeside`: a square panel drawn anew for every frame, the map turning as the path
plays, with the marker at the frame's place in 3-D.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from latent_explorer.core.errors import LatentExplorerError
from latent_explorer.core.export.frames import Frame, FrameScaler, to_rgb
from latent_explorer.core.export.markers import (
    MARKER_FILL,
    MARKER_HALO,
    MARKER_OUTLINE,
    draw_marker,
)
from latent_explorer.core.export.turntable import BACKGROUND, Turntable

__all__ = ["MARKER_FILL", "MARKER_HALO", "MARKER_OUTLINE", "MapBeside", "MapBesideFrames",
           "draw_marker"]

GAP = 0.04
"""Width of the dark gap between map and frame, as a fraction of the height."""
GAP_COLOUR = (22, 24, 29)
MARKER_RADIUS = 0.025
"""Marker radius as a fraction of the height (at least 5 pixels)."""


@dataclass(frozen=True, eq=False)
class MapBeside:
    """A picture of the map and where each frame of the path lies on it.

    Attributes
    ----------
    background
        ``(h, w, 3)`` uint8 picture of the map (the path already drawn on it).
    positions
        ``(F, 2)`` position ``(x, y)`` of each frame on ``background`` in pixels, x right and
        y down from the picture's top-left corner (``(w, h)`` is its bottom-right corner, as
        in widget coordinates); a frame whose position is off the picture or not finite gets
        no marker.
    map_scale
        How the map is brought to the frames' height: ``smooth`` (default, right for a
        screenshot that is mostly shrunk) or ``nearest``.
    """

    background: npt.NDArray[np.uint8]
    positions: npt.NDArray[np.float64]
    map_scale: str = "smooth"

    def __post_init__(self) -> None:
        image = np.asarray(self.background)
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8 or 0 in image.shape:
            raise LatentExplorerError(f"the map picture must be uint8 (height, width, 3), not "
                                      f"{image.dtype} {image.shape}")
        points = np.asarray(self.positions, dtype=np.float64)
        if points.ndim != 2 or points.shape[1] != 2:
            raise LatentExplorerError(f"marker positions must be (frames, 2), not {points.shape}")
        object.__setattr__(self, "positions", points)


class MapBesideFrames:
    """Frames of ``frames`` (all ``frame_hw``) with the marked map to their left.

    Parameters
    ----------
    frames
        The decoded frames, e.g. a :class:`~latent_explorer.core.export.frames.FrameStream`;
        frame ``i`` gets the marker at ``beside.positions[i]``.
    frame_hw
        ``(height, width)`` of those frames; the map is scaled to that height.
    beside
        The map picture and the marker positions, or a turning 3-D map (a square panel).
    even
        Make the total width even (MP4 and WebM need it) by widening the gap one pixel.

    Attributes
    ----------
    map_width, gap, width, height
        The layout: ``width == map_width + gap + frame width``.
    """

    def __init__(self, frames: Iterable[Frame], frame_hw: tuple[int, int],
                 beside: MapBeside | Turntable, *, even: bool = True) -> None:
        self.frames = frames
        self.beside = beside
        self.height, self.frame_width = int(frame_hw[0]), int(frame_hw[1])
        if isinstance(beside, Turntable):
            source_h, source_w = self.height, self.height
        else:
            source_h, source_w = beside.background.shape[:2]
        self.map_width = max(1, round(source_w * self.height / source_h))
        self.gap = max(1, round(self.height * GAP))
        if even and (self.map_width + self.gap + self.frame_width) % 2:
            self.gap += 1
        self.width = self.map_width + self.gap + self.frame_width
        self.scale = (self.map_width / source_w, self.height / source_h)
        self.radius = max(5.0, self.height * MARKER_RADIUS)
        canvas = np.empty((self.height, self.width, 3), dtype=np.uint8)
        canvas[:] = GAP_COLOUR
        if isinstance(beside, Turntable):
            canvas[:, : self.map_width] = BACKGROUND
        else:
            scaler = FrameScaler((source_h, source_w), (self.height, self.map_width),
                                 beside.map_scale)
            canvas[:, : self.map_width] = scaler(np.ascontiguousarray(beside.background))
        self.canvas = canvas

    def __len__(self) -> int:
        return len(self.beside.positions)

    def marker_at(self, index: int) -> tuple[float, float]:
        """Pixel ``(column, row)`` of frame ``index``'s marker centre in the output frame."""
        if isinstance(self.beside, Turntable):
            return self.beside.render(index, self.height, self.map_width)[1]
        x, y = self.beside.positions[index]
        # Output pixel i covers [i, i + 1): the continuous position u is nearest pixel u - 0.5.
        return (x * self.scale[0] - 0.5, y * self.scale[1] - 0.5)

    def __iter__(self) -> Iterator[Frame]:
        count = len(self.beside.positions)
        left = self.map_width + self.gap
        for index, frame in enumerate(self.frames):
            if index >= count:
                raise LatentExplorerError(f"the map has marker positions for {count} frames, "
                                          "but there are more frames")
            if frame.shape[:2] != (self.height, self.frame_width):
                raise LatentExplorerError(f"frame {index + 1} is {frame.shape[1]}x"
                                          f"{frame.shape[0]}, not {self.frame_width}x"
                                          f"{self.height}")
            out = self.canvas.copy()
            out[:, left:] = to_rgb(frame)
            if isinstance(self.beside, Turntable):
                panel, marker = self.beside.render(index, self.height, self.map_width)
                out[:, : self.map_width] = panel
            else:
                marker = self.marker_at(index)
            # Drawn into the map's columns only: a marker at the edge is clipped, never spills
            # into the gap or the frame.
            draw_marker(out[:, : self.map_width], *marker, self.radius)
            yield out

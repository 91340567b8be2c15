"""A turning 3-D map for videos: the point cloud rotates once while the path plays.

:class:`Turntable` holds the 3-D map's points and colours, the path's frames in 3-D and where
the camera starts; :meth:`Turntable.render` draws frame ``i`` of the video's map panel with the
camera turned ``i / F`` of the way round (a turntable: the azimuth advances, the elevation
stays). Qt-free, so an export job draws it on its own thread; the window hands over plain
arrays taken from its 3-D view.

Drawing is a small software renderer in numpy: the points are projected (orthographic), sorted
far to near and splatted as small squares, so nearer points cover farther ones; far points fade
towards the background as in the window. The path is drawn over them as a white line with its
anchors; :class:`~latent_explorer.core.export.map_overlay.MapBesideFrames` adds the marker.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from latent_explorer.core.errors import LatentExplorerError
from latent_explorer.core.export.markers import draw_marker

BACKGROUND = (22, 24, 29)
PATH_COLOUR = (235, 235, 235)
ANCHOR_COLOUR = (243, 114, 44)
MAX_POINTS = 250_000
"""At most this many points are drawn (a fixed random sample); more add nothing at video size."""
FADE = 0.55
"""How far the farthest points fade towards the background (as in the 3-D view)."""


def _rgb(colors: npt.ArrayLike, n: int) -> npt.NDArray[np.uint8]:
    array = np.asarray(colors)
    if array.shape != (n, 3):
        raise LatentExplorerError(f"the 3-D map needs one RGB colour per point, (N, 3) with N = "
                                  f"{n}, not {array.shape}")
    if array.dtype.kind == "f":
        array = np.clip(np.rint(array * 255.0), 0, 255)
    return np.asarray(array, dtype=np.uint8)


def _xyz(points: npt.ArrayLike, what: str) -> npt.NDArray[np.float64]:
    array = np.asarray(points, dtype=np.float64)
    if array.ndim != 2 or array.shape[1] != 3:
        raise LatentExplorerError(f"{what} must be (N, 3) positions, not {array.shape}")
    return array


@dataclass(frozen=True, eq=False)
class Turntable:
    """The 3-D map of a path, turning about the vertical axis over the video.

    Attributes
    ----------
    points
        ``(N, 3)`` positions of the samples (z is up).
    colors
        ``(N, 3)`` RGB colour of each point, uint8 (or floats in [0, 1]).
    positions
        ``(F, 3)`` position of each video frame's latent: the path, drawn as a line, and the
        marker's place in frame ``i``.
    anchors
        ``(A, 3)`` positions of the path's anchors (may be empty).
    azimuth, elevation
        The camera at the first frame, in degrees (as in the 3-D view).
    turns
        Full turns over the video (``1.0``: the last frame comes back round to the first).
    """

    points: npt.NDArray[np.float64]
    colors: npt.NDArray[np.uint8]
    positions: npt.NDArray[np.float64]
    anchors: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros((0, 3)))
    azimuth: float = 45.0
    elevation: float = 25.0
    turns: float = 1.0
    drawn: int = field(init=False)
    """How many points are drawn (all of them up to :data:`MAX_POINTS`)."""
    radius: float = field(init=False)
    """Radius of the sphere round the map's centre that holds the path and 99.5 % of the points."""

    def __post_init__(self) -> None:
        points = _xyz(self.points, "the 3-D map's points")
        colors = _rgb(self.colors, len(points))
        finite = np.isfinite(points).all(axis=1)
        points, colors = points[finite], colors[finite]
        if len(points) > MAX_POINTS:
            keep = np.sort(np.random.default_rng(0).choice(len(points), MAX_POINTS, replace=False))
            points, colors = points[keep], colors[keep]
        positions = _xyz(self.positions, "the path's positions")
        anchors = _xyz(self.anchors, "the path's anchors").reshape(-1, 3)
        everything = np.vstack([points, positions[np.isfinite(positions).all(axis=1)]])
        if len(everything) == 0:
            raise LatentExplorerError("the 3-D map has no points to draw")
        low, high = everything.min(axis=0), everything.max(axis=0)
        centre = (low + high) / 2.0
        # A sphere that holds the path and all but the farthest 0.5 % of the points stays in
        # the panel at every angle (a few stray points may leave it, not the path).
        reach = np.sqrt(((points - centre) ** 2).sum(axis=1))
        along = np.sqrt(((positions[np.isfinite(positions).all(axis=1)] - centre) ** 2).sum(axis=1))
        radius = max(float(np.percentile(reach, 99.5)) if len(reach) else 0.0,
                     float(along.max()) if len(along) else 0.0) or 1.0
        object.__setattr__(self, "points", points - centre)
        object.__setattr__(self, "colors", colors)
        object.__setattr__(self, "positions", positions - centre)
        object.__setattr__(self, "anchors", anchors - centre)
        object.__setattr__(self, "drawn", len(points))
        object.__setattr__(self, "radius", radius)

    @property
    def note(self) -> str:
        """What the panel leaves out, for the export report (empty when nothing)."""
        return (f"the 3-D map panel draws a sample of {self.drawn:,} points"
                if self.drawn == MAX_POINTS else "")

    def angle(self, index: int) -> float:
        """The camera's azimuth in frame ``index``, degrees."""
        count = max(1, len(self.positions))
        return self.azimuth + 360.0 * self.turns * index / count

    def project(self, xyz: npt.NDArray[np.float64], index: int, height: int,
                width: int) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64],
                                     npt.NDArray[np.float64]]:
        """Pixel columns, rows and depth (larger: nearer) of ``xyz`` in frame ``index``."""
        phi, theta = np.radians(self.angle(index)), np.radians(self.elevation)
        x, y, z = xyz[:, 0], xyz[:, 1], xyz[:, 2]
        across = -x * np.sin(phi) + y * np.cos(phi)
        toward = x * np.cos(phi) + y * np.sin(phi)  # horizontal, towards the camera
        up = z * np.cos(theta) - toward * np.sin(theta)
        depth = toward * np.cos(theta) + z * np.sin(theta)
        scale = 0.46 * min(height, width) / self.radius
        return width / 2.0 + across * scale, height / 2.0 - up * scale, depth

    def render(self, index: int, height: int, width: int) -> tuple[npt.NDArray[np.uint8],
                                                                   tuple[float, float]]:
        """The panel for video frame ``index``, ``(height, width, 3)`` uint8, and the pixel
        ``(x, y)`` of that frame's place on it (for the marker)."""
        image = np.empty((height, width, 3), dtype=np.uint8)
        image[:] = BACKGROUND
        self._draw_points(image, index)
        if len(self.positions):
            cols, rows, _ = self.project(self.positions, index, height, width)
            _draw_polyline(image, cols, rows, PATH_COLOUR, max(1, round(height / 300)))
            if len(self.anchors):
                a_cols, a_rows, _ = self.project(self.anchors, index, height, width)
                for x, y in zip(a_cols, a_rows, strict=True):
                    draw_marker(image, float(x), float(y), max(3.0, height / 90),
                                ANCHOR_COLOUR, ANCHOR_COLOUR, ANCHOR_COLOUR)
            at = min(index, len(cols) - 1)
            marker = (float(cols[at]), float(rows[at]))
        else:
            marker = (float("nan"), float("nan"))
        return image, marker

    def _draw_points(self, image: npt.NDArray[np.uint8], index: int) -> None:
        height, width = image.shape[:2]
        n = len(self.points)
        if n == 0:
            return
        cols, rows, depth = self.project(self.points, index, height, width)
        order = np.argsort(depth, kind="stable")  # far first: nearer points are drawn over them
        near, far = float(depth.max()), float(depth.min())
        fade = FADE * (near - depth[order]) / ((near - far) or 1.0)
        colors = self.colors[order].astype(np.float32)
        colors += (np.asarray(BACKGROUND, dtype=np.float32) - colors) * fade[:, None]
        colors = colors.astype(np.uint8)
        col = np.rint(cols[order]).astype(np.int64)
        row = np.rint(rows[order]).astype(np.int64)
        size = _point_size(n, height)
        flat = image.reshape(-1, 3)
        for dy in range(size):
            for dx in range(size):
                c, r = col + dx - size // 2, row + dy - size // 2
                inside = (c >= 0) & (c < width) & (r >= 0) & (r < height)
                # One assignment in depth order: where several points share a pixel, the last
                # (nearest) one is what stays, since numpy assigns in index order.
                flat[(r * width + c)[inside]] = colors[inside]


def _point_size(n: int, height: int) -> int:
    """Square dot size in pixels: bigger for few points and big panels."""
    base = 3 if n < 40_000 else 2 if n < 300_000 else 1
    return max(1, round(base * height / 512))


def _draw_polyline(image: npt.NDArray[np.uint8], cols: npt.NDArray[np.float64],
                   rows: npt.NDArray[np.float64], colour: tuple[int, int, int],
                   thickness: int) -> None:
    """Straight segments between consecutive finite points, ``thickness`` pixels wide."""
    height, width = image.shape[:2]
    ok = np.isfinite(cols) & np.isfinite(rows)
    segment = ok[:-1] & ok[1:]
    x0, x1 = cols[:-1][segment], cols[1:][segment]
    y0, y1 = rows[:-1][segment], rows[1:][segment]
    if len(x0) == 0:
        return
    # Every segment sampled about once per pixel of its length, all segments in one go.
    steps = np.ceil(np.maximum(np.abs(x1 - x0), np.abs(y1 - y0))).astype(np.int64) + 1
    owner = np.repeat(np.arange(len(steps)), steps + 1)
    starts = np.cumsum(steps + 1) - (steps + 1)
    t = (np.arange(len(owner)) - starts[owner]) / steps[owner]
    xs = np.rint(x0[owner] + (x1 - x0)[owner] * t).astype(np.int64)
    ys = np.rint(y0[owner] + (y1 - y0)[owner] * t).astype(np.int64)
    for d in range(thickness):
        for c, r in ((xs + d - thickness // 2, ys), (xs, ys + d - thickness // 2)):
            inside = (c >= 0) & (c < width) & (r >= 0) & (r < height)
            image[r[inside], c[inside]] = colour

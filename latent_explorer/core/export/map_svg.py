"""The map as a true vector image: one SVG circle per visible point, with an optional path.

Points are grouped by colour (one ``<g fill=...>`` per colour), so the file stays small and
each group can be restyled in a vector editor. Map y grows upwards, SVG y downwards: the
image is flipped so it looks like the window. Written to a temporary file beside the target
and renamed over it, so a failed export never leaves half a file.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import numpy.typing as npt

from latent_explorer.core.fileio import export_bytes

Range = tuple[tuple[float, float], tuple[float, float]]


@dataclass(frozen=True)
class MapLabel:
    """A text placed at a map position (e.g. a numbered path anchor)."""

    x: float
    y: float
    text: str
    colour: str = "#ffffff"


def map_svg(
    coords: npt.ArrayLike,
    colours: npt.ArrayLike,
    *,
    visible: npt.ArrayLike | None = None,
    view_range: Range | None = None,
    size: tuple[int, int] = (800, 800),
    radius: float = 2.5,
    background: str | None = "#16181d",
    path: npt.ArrayLike | None = None,
    path_colour: str = "#ffffff",
    labels: list[MapLabel] | None = None,
    title: str = "",
) -> str:
    """The SVG text of a map.

    Parameters
    ----------
    coords
        ``(N, 2)`` map positions.
    colours
        ``(N, 3)`` or ``(N, 4)`` uint8 RGB(A) per point (alpha 0 hides a point).
    visible
        ``(N,)`` bool; hidden points are left out. Default: all.
    view_range
        ``((x0, x1), (y0, y1))`` of the map shown; points outside are left out. Default: all
        points with a 4 % margin.
    size
        ``(width, height)`` of the image in pixels (SVG user units).
    radius
        Circle radius in pixels.
    background
        Fill of the whole image, or ``None`` for transparent.
    path
        ``(F, 2)`` map positions of a curve drawn over the points, or ``None``.
    labels
        Texts at map positions, drawn last.
    title
        The document's ``<title>``.
    """
    xy = np.asarray(coords, dtype=np.float64).reshape(-1, 2)
    rgba = np.asarray(colours, dtype=np.uint8)
    if rgba.ndim != 2 or rgba.shape[0] != len(xy) or rgba.shape[1] not in (3, 4):
        raise ValueError(f"colours must be ({len(xy)}, 3|4) uint8, got {rgba.shape}")
    if rgba.shape[1] == 3:
        rgba = np.concatenate([rgba, np.full((len(xy), 1), 255, np.uint8)], axis=1)
    keep = np.ones(len(xy), bool) if visible is None else np.asarray(visible, bool).copy()
    keep &= rgba[:, 3] > 0
    width, height = (int(v) for v in size)
    (x0, x1), (y0, y1) = view_range or _fit(xy[keep] if keep.any() else xy)
    sx = width / ((x1 - x0) or 1.0)
    sy = height / ((y1 - y0) or 1.0)
    keep &= (xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0) & (xy[:, 1] <= y1)
    out = io.StringIO()
    out.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" '
              f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">\n')
    if title:
        out.write(f"<title>{escape(title)}</title>\n")
    if background:
        out.write(f'<rect width="100%" height="100%" fill="{escape(background)}"/>\n')
    rows = np.flatnonzero(keep)
    px = (xy[rows, 0] - x0) * sx
    py = (y1 - xy[rows, 1]) * sy
    packed = rgba[rows].astype(np.uint32)
    words = (packed[:, 0] << 24) | (packed[:, 1] << 16) | (packed[:, 2] << 8) | packed[:, 3]
    r = f"{radius:g}"
    for word in np.unique(words):
        members = words == word
        red, green, blue, alpha = (int(word) >> s & 255 for s in (24, 16, 8, 0))
        opacity = "" if alpha == 255 else f' fill-opacity="{alpha / 255:.3f}"'
        out.write(f'<g fill="#{red:02x}{green:02x}{blue:02x}"{opacity}>\n')
        out.writelines(f'<circle cx="{x:.2f}" cy="{y:.2f}" r="{r}"/>\n'
                       for x, y in zip(px[members], py[members], strict=True))
        out.write("</g>\n")
    if path is not None:
        curve = np.asarray(path, dtype=np.float64).reshape(-1, 2)
        if len(curve) >= 2:
            points = " ".join(f"{(x - x0) * sx:.2f},{(y1 - y) * sy:.2f}" for x, y in curve)
            out.write(f'<polyline points="{points}" fill="none" stroke="{escape(path_colour)}" '
                      'stroke-width="2" stroke-opacity="0.8"/>\n')
    for label in labels or []:
        out.write(f'<text x="{(label.x - x0) * sx + 4:.2f}" y="{(y1 - label.y) * sy - 4:.2f}" '
                  f'fill="{escape(label.colour)}" font-family="sans-serif" font-size="12">'
                  f"{escape(label.text)}</text>\n")
    out.write("</svg>\n")
    return out.getvalue()


def write_map_svg(target: str | Path, coords: npt.ArrayLike, colours: npt.ArrayLike,
                  **options: object) -> Path:
    """Write :func:`map_svg` to ``target`` atomically; options as for :func:`map_svg`.

    Raises
    ------
    ExportError
        If the file cannot be written.
    """
    text = map_svg(coords, colours, **options)  # type: ignore[arg-type]
    return export_bytes(target, text.encode("utf-8"))


def _fit(xy: np.ndarray) -> Range:
    if not len(xy):
        return (0.0, 1.0), (0.0, 1.0)
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    pad = (hi - lo) * 0.04 + 1e-9
    return (float(lo[0] - pad[0]), float(hi[0] + pad[0])), (float(lo[1] - pad[1]),
                                                            float(hi[1] + pad[1]))

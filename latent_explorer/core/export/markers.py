"""Round markers drawn into RGB frames with numpy: the video's "you are here" dot and the
path's anchors on exported maps."""

from __future__ import annotations

import numpy as np

from latent_explorer.core.export.frames import Frame

MARKER_FILL = (255, 221, 0)
"""Bright yellow: distinct from the orange anchors and the white path curve."""
MARKER_OUTLINE = (22, 24, 29)
MARKER_HALO = (255, 255, 255)
"""A light ring outside the dark outline: the marker stands out on the dark background and
on points of any label colour (one of which is yellow)."""


def draw_marker(image: Frame, x: float, y: float, radius: float,
                fill: tuple[int, int, int] = MARKER_FILL,
                outline: tuple[int, int, int] = MARKER_OUTLINE,
                halo: tuple[int, int, int] = MARKER_HALO) -> None:
    """Draw a filled circle, outlined and haloed, centred on pixel ``(x, y)`` into ``image``.

    ``radius`` is the outer radius; the halo and the outline are each a fifth of it wide
    (at least one pixel).

    Only the marker's bounding box is touched; a marker partly off the image is clipped, one
    wholly off it (or at a non-finite position) draws nothing.
    """
    if not (np.isfinite(x) and np.isfinite(y)):
        return
    height, width = image.shape[:2]
    top, bottom = max(0, int(np.floor(y - radius))), min(height, int(np.ceil(y + radius)) + 1)
    left, right = max(0, int(np.floor(x - radius))), min(width, int(np.ceil(x + radius)) + 1)
    if top >= bottom or left >= right:
        return
    rows = np.arange(top, bottom)[:, None] - y
    cols = np.arange(left, right)[None, :] - x
    distance = np.sqrt(rows**2 + cols**2)
    ring = max(1.0, radius / 5)
    box = image[top:bottom, left:right]
    box[distance <= radius] = halo
    box[distance <= radius - ring] = outline
    box[distance <= radius - 2 * ring] = fill

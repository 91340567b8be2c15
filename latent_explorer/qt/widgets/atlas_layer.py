"""The decoded atlas drawn on the map: a mosaic of decoded tiles placed over its region."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QRectF

from latent_explorer.core.compute.atlas import AtlasLevel

ATLAS_Z = -10
"""Below the points (z 0), the path, the selection and the probe."""


class AtlasLayer(pg.ImageItem):  # type: ignore[misc]
    """A mosaic of an :class:`AtlasLevel`, stretched over the map region it was decoded for."""

    def __init__(self) -> None:
        super().__init__(axisOrder="row-major")
        self.setZValue(ATLAS_Z)
        self.level: AtlasLevel | None = None
        self.setVisible(False)

    def show_level(self, level: AtlasLevel | None) -> None:
        """Draw ``level``'s mosaic over its region (``None`` clears the layer)."""
        self.level = level
        if level is None:
            self.clear()
            return
        self.setImage(level.mosaic, autoLevels=False, levels=(0, 255))
        # The mosaic's first row is the top of the region, and an image's first row is drawn
        # at the rectangle's first y: start the rectangle at the top, with a negative height
        # (the map's y axis points up), rather than copying the picture upside down.
        x0, y0, x1, y1 = level.rect
        self.setRect(QRectF(x0, y1, x1 - x0, y0 - y1))

"""Cluster prototypes: each cluster's centre decoded, in a strip that works as a legend."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget

from latent_explorer.qt.palette import category_color
from latent_explorer.qt.widgets.analysis.thumbnail_grid import QtThumbnailGrid


class QtPrototypeStrip(QWidget):
    """The decoded centre of every cluster, captioned with its id and size."""

    cluster_clicked = Signal(int)
    """A cluster id whose prototype was clicked. Emitted on the GUI thread."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel("")
        self.grid = QtThumbnailGrid(side=56, placeholder="Compute clusters (Colour panel) to "
                                    "see each cluster's decoded centre here")
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.grid)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addWidget(self.title)
        layout.addWidget(scroll, 1)
        self.grid.item_clicked.connect(self.cluster_clicked.emit)

    def set_prototypes(self, ids: list[int], images: list[np.ndarray | None],
                       sizes: list[int], title: str) -> None:
        """Show decoded prototypes ``images`` of clusters ``ids`` holding ``sizes`` samples."""
        captions = [f"{i}: {n:,}" for i, n in zip(ids, sizes, strict=True)]
        self.grid.set_items(ids, images, captions)
        self.grid.set_colours([category_color(i) for i in ids])  # as the map colours them
        self.title.setText(title)

    def clear(self, decoding: bool = True) -> None:
        """No clusters; the hint says what will show here (a decoded centre, or with no
        decoder the sample nearest each centre)."""
        what = ("decoded centre" if decoding
                else "most central sample")
        self.grid.placeholder = f"Compute clusters (Colour panel) to see each cluster's {what} here"
        self.grid.set_items([], [])
        self.title.setText("")

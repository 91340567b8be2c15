"""Offering the model files that open with no code on a map that has no model.

The controller puts :class:`QtModelFilesNote` under the training panel of the decoder area,
shows it while the map has no decoder, and routes its button to File > Open Model. It gets
the parts it drives, never the window.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from latent_explorer.qt.widgets.decoder_view import QtDecoderView
from latent_explorer.qt.widgets.model_files_note import QtModelFilesNote
from latent_explorer.qt.window_services import WindowServices

if TYPE_CHECKING:
    from latent_explorer.core.compute.pipeline import Workspace


class ModelFilesOffer(QObject):
    """The note naming the files that open with no code, and its **Open a Model File...**."""

    def __init__(self, services: WindowServices, decoder_view: QtDecoderView, below: QWidget,
                 open_model: Callable[[], None]) -> None:
        """Adds the note to ``decoder_view`` under the notice ``below``; its button calls
        ``open_model()`` (the Open Model route: a file dialog, then how to call the file)."""
        super().__init__(services.parent)
        self.note = QtModelFilesNote()
        self.note.setVisible(False)
        decoder_view.add_notice(self.note, after=below)
        self.note.open_requested.connect(open_model)
        services.workspace_changed.connect(self.show_workspace)

    def show_workspace(self, ws: Workspace | None) -> None:
        """Shown while the map has no decoder (pixels, embeddings), hidden otherwise."""
        self.note.setVisible(ws is not None and not ws.has_decoder)

"""Saving a session of vectors that were handed over in memory: ask, and write them beside.

A map opened with ``lx.explore(latents=Z)`` shows vectors that live in no file, and a session
names files: saved as it is, the session would not reopen its map. Save Session therefore
asks first, with a button that writes the vectors (and their labels, metadata and pictures)
beside the session file and points the session at them.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from PySide6.QtWidgets import QMessageBox, QWidget

from latent_explorer.core.session.data import SessionData
from latent_explorer.core.session.vectors_beside import beside_paths, save_vectors_beside

if TYPE_CHECKING:
    from latent_explorer.core.compute.pipeline import Workspace

Choice = Literal["beside", "only", "cancel"]
BOX_NAME = "vectors_beside_box"
BESIDE_TEXT = "Save Vectors Beside It"
ONLY_TEXT = "Save Session Only"


def ask_about_vectors(parent: QWidget | None, target: Path) -> Choice:
    """Ask whether to write the in-memory vectors beside ``target`` (the session file)."""
    name = beside_paths(target)["latents"].name
    box = QMessageBox(QMessageBox.Icon.Warning, "These vectors are saved nowhere",
                      "The vectors on this map were handed over from Python and live in no "
                      "file, so this session could not reopen its map.\n\n"
                      f"Save them beside the session as {name} (with their labels, metadata "
                      "and pictures), so that it reopens?", parent=parent)
    box.setObjectName(BOX_NAME)
    beside = box.addButton(BESIDE_TEXT, QMessageBox.ButtonRole.AcceptRole)
    only = box.addButton(ONLY_TEXT, QMessageBox.ButtonRole.DestructiveRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(beside)
    box.exec()
    clicked = box.clickedButton()
    if clicked is beside:
        return "beside"
    return "only" if clicked is only else "cancel"


class VectorsKeeper:
    """Remembers where the shown in-memory vectors were written, so later saves point there
    without asking again."""

    def __init__(self) -> None:
        self._kept: tuple[object, SessionData] | None = None

    def kept_for(self, ws: Workspace | None) -> bool:
        """Whether ``ws``'s vectors were written beside a session already (and are there)."""
        return (ws is not None and self._kept is not None and self._kept[0] is ws
                and all(Path(p).exists() for p in _files(self._kept[1])))

    def prepare(self, parent: QWidget | None, session: SessionData, ws: Workspace | None,
                target: Path, choice: Choice | None = None) -> SessionData | None:
        """``session`` ready to save to ``target``: pointing at vectors written beside it
        (asked, unless ``choice`` says), as it is (``only``), or ``None`` (cancelled)."""
        if ws is None:
            return session
        if self._kept is not None and self.kept_for(ws):
            files = self._kept[1]
            return dataclasses.replace(session, dataset=files.dataset, model=files.model)
        choice = choice or ask_about_vectors(parent, target)
        if choice == "cancel":
            return None
        if choice == "only":
            return session
        kept = save_vectors_beside(target, session, ws)
        self._kept = (ws, kept)
        return kept


def _files(session: SessionData) -> list[str]:
    from latent_explorer.core.compute.vectors_workspace import VectorsSpec

    return VectorsSpec.parse(session.model.spec).paths()

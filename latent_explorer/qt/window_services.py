"""What a controller may ask of the window around it: small callables and signals, never the
window itself (so no controller imports the window, and each can be built and tested alone)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import SignalInstance
from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
    from latent_explorer.core.compute.pipeline import Workspace


@dataclass(frozen=True)
class WindowServices:
    """The window's services shared by its controllers.

    Attributes
    ----------
    parent
        Owner of a controller's Qt objects and parent of its dialogs.
    workspace
        Returns the :class:`Workspace` shown now (``None`` before anything is open).
    show_status
        ``show_status(message, milliseconds)`` shows a note in the status bar.
    report_error
        ``report_error(message)`` shows an error (and remembers it for the log and tests).
    workspace_changed
        Emits a new :class:`Workspace` once it is shown (GUI thread).
    map_changed
        Emits after the 2-D map's points were redrawn: new data or projection (GUI thread).
    """

    parent: QWidget
    workspace: Callable[[], Workspace | None]
    show_status: Callable[[str, int], None]
    report_error: Callable[[str], None]
    workspace_changed: SignalInstance
    map_changed: SignalInstance

"""A note beside the probe that invites the first drag.

The probe is the app's one idea that no other tool has: drag it and the model decodes what
lies beneath. A new user sees a small crosshair among many points and may never touch it, so
until the probe has been dragged once (ever: the settings remember it) a short note follows
it on the map, on whichever side of the probe has the room for it (a narrow window's map
cut it off on the right).
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QObject, QSettings

from latent_explorer.core.session.state import ExplorerState
from latent_explorer.qt.widgets.map_view import QtMapView

HINT_TEXT = "drag me: the model draws what lies under the crosshair"
_TWO_LINES = "drag me: the model draws\nwhat lies under the crosshair"
"""The note where one line fits on neither side of the probe (a narrow map)."""
_RIGHT, _LEFT = (-0.06, 1.15), (1.06, 1.15)
"""The note's anchors beside the probe: to its right, or to its left."""
DONE_KEY = "hints/probe_dragged"
"""Set in the settings once the user has moved the probe; the note never shows again."""


class ProbeHint(QObject):
    """Shows :data:`HINT_TEXT` beside ``view``'s probe until the user moves the probe."""

    def __init__(self, view: QtMapView, state: ExplorerState, settings: QSettings) -> None:
        super().__init__(view)
        self.view = view
        self.settings = settings
        self.done = str(settings.value(DONE_KEY, "")).lower() in ("1", "true")
        self.dismissed = False
        self.item = pg.TextItem(HINT_TEXT, color="#ffd166", anchor=_RIGHT,
                                fill=pg.mkBrush(22, 24, 29, 200))
        self.item.setZValue(41)  # over the probe
        self.item.setVisible(False)
        view.addItem(self.item, ignoreBounds=True)
        view.probe.sigPositionChanged.connect(self._follow)
        view.probe.visibleChanged.connect(self._update)
        view.view_box.sigRangeChanged.connect(self._follow)
        view.view_box.sigResized.connect(self._follow)
        state.events.probe_position.connect(self._on_moved)
        self._update()

    def dismiss(self) -> None:
        """Hide the note for this run (a restored session: the user has been here before)."""
        self.dismissed = True
        self._update()

    @property
    def shown(self) -> bool:
        """Whether the note is on the map now."""
        return bool(self.item.isVisible())

    def _follow(self, *_: object) -> None:
        position = self.view.probe.pos()
        self.item.setPos(position)
        self._place(position.x())
        self._update()

    def _place(self, x: float) -> None:
        """One line on the side of the probe where it fits, else two lines; where even those
        fit on neither side, the side with more room."""
        box = self.view.view_box
        (left, right), _ = box.viewRange()
        width = float(box.width())
        at = (x - left) / (right - left) * width if right > left else 0.0
        for text in (HINT_TEXT, _TWO_LINES):
            if self.item.textItem.toPlainText() != text:
                self.item.setText(text)
            needed = float(self.item.boundingRect().width()) * 1.06
            if at + needed <= width or at - needed >= 0:
                self.item.setAnchor(_RIGHT if at + needed <= width else _LEFT)
                return
        self.item.setAnchor(_RIGHT if width - at >= at else _LEFT)

    def _update(self) -> None:
        self.item.setVisible(not self.done and not self.dismissed and self.view.probe.isVisible()
                             and len(self.view.coords) > 0)

    def _on_moved(self, position: object) -> None:
        if position is None or self.done:
            return
        self.done = True  # the user dragged (or clicked to place) the probe
        self.settings.setValue(DONE_KEY, True)
        self._update()

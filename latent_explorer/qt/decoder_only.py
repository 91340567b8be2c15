"""What needs a decoder steps aside, with one line saying why, while the map has none.

A map of embeddings or of raw pixels has no model to decode with. The docks that only make
sense with one (latent sliders, paths, the filmstrip, attribute sliders) show a single line
instead of their controls; the actions that would decode (A/B comparison, place an image,
export or save a path, keyframes, play) are disabled with the reason as their tip; the probe
is hidden. Everything comes back when a model is opened.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget, QLabel, QStackedWidget, QWidget


class DecoderOnlyParts:
    """Hides or disables the window's decoder-only parts for a map with no decoder."""

    def __init__(self, docks: Sequence[QDockWidget], actions: Sequence[QAction],
                 probe: pg.TargetItem, extra_widgets: Sequence[QWidget] = (),
                 instead: Sequence[QDockWidget] = ()) -> None:
        """``instead``: docks brought to the front (over tabbed decoder-only docks) while
        there is no decoder."""
        self.docks = list(docks)
        self.instead = list(instead)
        self.actions = list(actions)
        self.probe = probe
        self.extra_widgets = list(extra_widgets)
        self._stacks: dict[int, tuple[QStackedWidget, QLabel]] = {}
        self._tips = {id(a): a.toolTip() for a in self.actions}
        self.reason = ""

    def set_available(self, available: bool, reason: str = "") -> None:
        """Show the decoder-only parts (``available``) or replace them by ``reason``."""
        self.reason = "" if available else reason
        for dock in self.docks:
            stack, label = self._stack(dock)
            label.setText(f"{dock.windowTitle()}: needs a model that decodes ({reason}). "
                          "Open one with File > Open Model, or train one in the Decoder "
                          "panel.")
            stack.setCurrentIndex(0 if available else 1)
        for action in self.actions:
            action.setEnabled(available)
            tip = self._tips.get(id(action), "")
            action.setToolTip(tip if available else f"Needs a decoder: {reason}")
            action.setStatusTip("" if available else f"Needs a decoder: {reason}")
        for widget in self.extra_widgets:
            widget.setVisible(available)
        self.probe.setVisible(available)
        if not available:
            for dock in self.instead:
                dock.raise_()

    def _stack(self, dock: QDockWidget) -> tuple[QStackedWidget, QLabel]:
        known = self._stacks.get(id(dock))
        if known is not None:
            return known
        content = dock.widget()
        stack = QStackedWidget()
        label = QLabel()
        label.setWordWrap(True)
        label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        label.setMargin(10)
        dock.setWidget(stack)
        stack.addWidget(content)
        stack.addWidget(label)
        self._stacks[id(dock)] = (stack, label)
        return stack, label

    def notice(self, dock: QDockWidget) -> QLabel | None:
        """The reason line shown in ``dock`` (``None`` before the first map without decoder)."""
        known = self._stacks.get(id(dock))
        return None if known is None else known[1]

"""What needs a decoder steps aside, with one line saying why, while the map has none.

A map of raw pixels has no model to decode with yet: the docks that only make sense with one
(latent sliders, paths, the filmstrip, attribute sliders) show a single line instead of their
controls, pointing to training one in the Decoder panel; the actions that would decode (A/B
comparison, place an image, export or save a path, keyframes, play) are disabled with the
reason as their tip; the probe is hidden.

A map of vectors (embeddings made elsewhere) will not get a decoder: those docks and actions
are hidden altogether, so the window shows what works on vectors (neighbours, clusters,
outliers, filters). Everything comes back when a model is opened.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget, QLabel, QStackedWidget, QWidget


class DecoderOnlyParts:
    """Hides or disables the window's decoder-only parts for a map with no decoder."""

    def __init__(self, docks: Sequence[QDockWidget], actions: Sequence[QAction],
                 probe: pg.TargetItem, extra_widgets: Sequence[QWidget] = (),
                 instead: Sequence[QDockWidget] = (),
                 kind: Callable[[], tuple[bool, bool]] = lambda: (False, True)) -> None:
        """``instead``: docks brought to the front (over tabbed decoder-only docks) while
        there is no decoder. ``kind()`` says, for the map being shown, ``(vectors,
        trainable)``: whether it is a map of vectors (its decoder-only parts are hidden) and
        whether a model can be trained on its images (only then the notice says so)."""
        self.kind = kind
        self.hidden: list[QDockWidget] = []
        """Docks hidden for a map of vectors (shown again when a model is opened)."""
        self.docks = list(docks)
        self.instead = list(instead)
        self.actions = list(actions)
        self.probe = probe
        self.extra_widgets = list(extra_widgets)
        self._stacks: dict[int, tuple[QStackedWidget, QLabel]] = {}
        self._tips = {id(a): a.toolTip() for a in self.actions}
        self.reason = ""

    def set_available(self, available: bool, reason: str = "") -> None:
        """Show the decoder-only parts (``available``) or replace them by ``reason`` (for a
        map of vectors: hide them)."""
        self.reason = "" if available else reason
        vectors, trainable = (False, True) if available else self.kind()
        hint = ("Open one with File > Open Model, or train one in the Decoder panel."
                if trainable else "Open one with File > Open Model.")
        for dock in self.docks:
            stack, label = self._stack(dock)
            label.setText(f"{dock.windowTitle()}: needs a model that decodes ({reason}). "
                          + hint)
            stack.setCurrentIndex(0 if available else 1)
        self._hide_docks(vectors)
        for action in self.actions:
            action.setEnabled(available)
            action.setVisible(not vectors)
            tip = self._tips.get(id(action), "")
            action.setToolTip(tip if available else f"Needs a decoder: {reason}")
            action.setStatusTip("" if available else f"Needs a decoder: {reason}")
        for widget in self.extra_widgets:
            widget.setVisible(available)
        self.probe.setVisible(available)
        if not available:
            for dock in self.instead:
                dock.raise_()

    def show_hidden(self) -> None:
        """Show the docks hidden for a map of vectors (before the window saves its layout
        for the next start, which may have a decoder)."""
        self._hide_docks(False)

    def _hide_docks(self, hide: bool) -> None:
        """Hide the decoder-only docks (and their View menu entries) for a map of vectors;
        show again those hidden here once it is gone."""
        if hide:
            for dock in self.docks:
                if not dock.isHidden() and dock not in self.hidden:
                    self.hidden.append(dock)
                dock.hide()
                dock.toggleViewAction().setVisible(False)
            return
        for dock in self.docks:
            dock.toggleViewAction().setVisible(True)
        for dock in self.hidden:
            dock.show()
        self.hidden = []

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

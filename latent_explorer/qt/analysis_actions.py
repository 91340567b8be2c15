"""The research tools' toolbar (pan, lasso, rectangle, the filter bar) and their menu
actions (export the selection, the map as PNG or SVG)."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QToolBar


def build_analysis_actions(c: Any) -> None:
    """Give the analysis controller ``c`` its ``toolbar``, ``tool_actions`` and export
    actions (``export_selection_action``, ``export_png_action``, ``export_svg_action``)."""
    parent = c.services.parent
    c.toolbar = QToolBar("Select and filter", parent)
    c.toolbar.setObjectName("analysis_toolbar")
    c.tool_actions = {}
    group = QActionGroup(c)
    for tool, text, key in (("pan", "Pan", "Esc"), ("lasso", "Lasso", "L"),
                            ("rectangle", "Rectangle", "R")):
        action = QAction(text, parent)
        action.setCheckable(True)
        action.setShortcut(QKeySequence(key))
        action.setToolTip(f"{text}: left drag on the map ({key})")
        action.triggered.connect(lambda _=False, t=tool: setattr(c.state, "tool", t))
        group.addAction(action)
        c.toolbar.addAction(action)
        c.tool_actions[tool] = action
    c.tool_actions["pan"].setChecked(True)
    c.toolbar.addSeparator()
    c.toolbar.addWidget(c.filter_bar)
    c.export_selection_action = QAction("Export &Selection...", parent)
    c.export_selection_action.setToolTip("Save the selected samples as a CSV or Parquet "
                                         "table or a NumPy archive, every column of its type")
    c.export_selection_action.triggered.connect(lambda: c.export_selection_dialog())
    c.export_png_action = QAction("Export Map as &PNG...", parent)
    c.export_png_action.triggered.connect(lambda: c.export_map_dialog("png"))
    c.export_svg_action = QAction("Export Map as S&VG...", parent)
    c.export_svg_action.triggered.connect(lambda: c.export_map_dialog("svg"))

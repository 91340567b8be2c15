"""Colours of the map: a categorical palette readable on the dark map background."""

from __future__ import annotations

from PySide6.QtGui import QColor

# Twelve hues spaced for contrast on a near-black background, then repeated lighter/darker.
_BASE = [
    "#4cc9f0", "#f8961e", "#ef476f", "#90be6d", "#f9e04b", "#b388eb",
    "#43aa8b", "#ff8fab", "#c08552", "#e0e0e0", "#577590", "#f3722c",
]
MAP_BACKGROUND = "#16181d"
UNLABELLED = "#8ecae6"


def category_color(index: int) -> QColor:
    """The colour of class ``index`` (cycling, with lightness varied after twelve)."""
    color = QColor(_BASE[index % len(_BASE)])
    cycle = index // len(_BASE)
    if cycle % 2 == 1:
        color = color.darker(140)
    elif cycle:
        color = color.lighter(130)
    return color

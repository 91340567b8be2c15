"""The columns the research tools offer, typed, and which tool each is offered to.

Every per-sample column of the map (the labels, the dataset's metadata, a joined metadata
CSV's, computed scores) is a typed :class:`~latent_explorer.core.datasets.columns.Column`.
The Colour panel offers those that colour (numbers, true/false, dates, categories); free text
and image paths go to the filter (``contains``) and search instead of 50,000 colours.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtGui import QColor

from latent_explorer.core.datasets.columns import Column, as_column, column_from_array
from latent_explorer.qt.widgets.analysis import colouring

if TYPE_CHECKING:
    from latent_explorer.core.compute.pipeline import Workspace

COMPUTED_NAMES = {"cluster": "cluster", "error": "reconstruction error",
                  "density": "isolation (density)"}


def workspace_columns(ws: Workspace | None, *sources: Mapping[str, Any]) -> dict[str, Column]:
    """Every per-sample column: ``label``, ``index``, the dataset's metadata, then each of
    ``sources`` (joined and computed columns), typed; columns of another length are left
    out (they belong to data shown before)."""
    if ws is None:
        return {}
    count = len(ws.dataset)
    found: dict[str, Column] = {}
    if ws.dataset.labels is not None:
        found["label"] = column_from_array(np.asarray(ws.dataset.labels))
    found["index"] = column_from_array(np.arange(count, dtype=np.int64))
    for source in (ws.dataset.metadata, *sources):
        for name, values in source.items():
            if len(values) == count:
                found[name] = as_column(values)
    return found


def offered(columns: Mapping[str, Column]) -> tuple[list[str], list[str]]:
    """``(colour, opacity)``: the columns offered to colour the map by (any that colours) and
    to set its opacity (numbers and dates)."""
    colour = [name for name, column in columns.items()
              if name != "index" and column.colourable]
    opacity = [name for name, column in columns.items()
               if name not in ("index", "label") and column.kind in ("number", "datetime")]
    return colour, opacity


def filter_help(columns: Mapping[str, Column]) -> str:
    """The filter bar's tooltip: every column with what it holds and how to test it."""
    lines = ["Columns (click into the filter and type, e.g. taken > 2025-01-01):"]
    for name, column in columns.items():
        how = {"boolean": f"{name} == true", "datetime": f"{name} >= 2025-01-01",
               "category": f'{name} == "..."', "text": f'{name} contains "..."',
               "image": f'{name} contains "..."'}.get(column.kind, f"{name} > 0")
        lines.append(f"  {name}: {column.describe()}  ({how})")
    return "\n".join(lines)


def scheme_for(ws: Workspace, columns: Mapping[str, Column], name: str
               ) -> colouring.ColourScheme:
    """How the map is coloured by column ``name`` (grey when there is no such column)."""
    if name == "label" and ws.dataset.labels is not None:
        return colouring.categorical_scheme(
            "label", np.asarray(ws.dataset.labels), lambda v: ws.dataset.label_name(int(v)))
    if name in columns:
        namer = (lambda v: f"cluster {v}") if name == "cluster" else str
        title = COMPUTED_NAMES.get(name, name) if name in ("error", "density") else name
        scheme = colouring.scheme_for(title, columns[name], namer)
        ends = colouring.COLUMN_ENDS.get(name)
        if ends is not None and scheme.numeric:
            import dataclasses

            scheme = dataclasses.replace(scheme, ends=ends)
        return scheme
    count = len(ws.dataset)
    return colouring.ColourScheme("", np.zeros(count, dtype=np.int64),
                                  [QColor(colouring.MISSING)], [])

"""What the row tools (cards, the table, search, the charts) read from the research tools:
the typed columns, the neighbours, which points the map shows, and when each changes.

The table, charts and cards controllers get this small bundle instead of the analysis
controller, so each can be built and tested alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import SignalInstance

from latent_explorer.core.datasets.columns import Column
from latent_explorer.core.session.analysis_state import AnalysisState
from latent_explorer.core.session.state import ExplorerState
from latent_explorer.qt.window_services import WindowServices

if TYPE_CHECKING:
    from latent_explorer.qt.analysis_controller import AnalysisController


@dataclass(frozen=True)
class RowSources:
    """The research tools' parts the row tools read.

    Attributes
    ----------
    services
        The window's services (the workspace shown, the status bar, its signals).
    explorer, state
        The explorer state (the clicked sample) and the research tools' state (selection,
        filter, card and chart columns, the table's rows, the search).
    columns
        ``columns()``: every per-sample column, typed.
    namers
        ``namers()``: how a column's values read where they have names (``label``).
    neighbors
        ``neighbors()``: the sample indices of the neighbours shown.
    shown
        ``shown()``: which points the map shows (filter, legend and isolate together).
    columns_changed, neighbors_shown, visibility_changed
        Emitted when the columns change (a workspace, a joined CSV, a computed score), the
        neighbours were found again, and the points shown change (GUI thread).
    """

    services: WindowServices
    explorer: ExplorerState
    state: AnalysisState
    columns: Callable[[], dict[str, Column]]
    namers: Callable[[], dict[str, Any]]
    neighbors: Callable[[], np.ndarray]
    shown: Callable[[], np.ndarray]
    columns_changed: SignalInstance
    neighbors_shown: SignalInstance
    visibility_changed: SignalInstance


def row_sources(analysis: AnalysisController, explorer: ExplorerState) -> RowSources:
    """The row tools' view of ``analysis`` (the research tools of a window)."""
    from latent_explorer.qt.analysis_columns import column_namers

    services = analysis.services
    cloud = analysis.map_view.cloud
    return RowSources(
        services, explorer, analysis.state, analysis.columns,
        lambda: column_namers(services.workspace()), lambda: analysis.neighbors,
        lambda: cloud.visible, analysis.columns_changed, analysis.neighbors_shown,
        cloud.visibility_changed)

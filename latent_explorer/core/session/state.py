"""Small evented state objects: the single source of truth that views bind to.

Each field emits ``state.events.<field>(new_value)`` when it changes (psygnal). A widget takes
its state object as its first argument, writes user input into it, and redraws from its events;
it never keeps the canonical value itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

import numpy as np
import numpy.typing as npt
from psygnal import evented

from latent_explorer.core.projection.base import ProjectionParams

if TYPE_CHECKING:
    from psygnal import SignalGroup, SignalInstance

    class ExplorerEvents(SignalGroup):
        """For the type checker: the signals ``@evented`` adds to :class:`ExplorerState`."""

        current_latent: SignalInstance
        probe_position: SignalInstance
        selected_index: SignalInstance
        condition_label: SignalInstance
        hidden_labels: SignalInstance
        slider_basis: SignalInstance

    class ProjectionEvents(SignalGroup):
        """For the type checker: the signals ``@evented`` adds to :class:`ProjectionState`."""

        method: SignalInstance
        n_components: SignalInstance
        n_neighbors: SignalInstance
        min_dist: SignalInstance
        perplexity: SignalInstance
        seed: SignalInstance
        x_column: SignalInstance
        y_column: SignalInstance


@evented
@dataclass
class ExplorerState:
    """What the user is looking at right now."""

    if TYPE_CHECKING:
        events: ClassVar[ExplorerEvents]

    current_latent: npt.NDArray[np.float32] | None = None
    """The latent shown in the decoder view (flat, ``(latent_dim,)``)."""
    probe_position: tuple[float, ...] | None = None
    """Where the probe sits on the map (2 or 3 values), or ``None`` before it moved."""
    selected_index: int | None = None
    """The dataset sample the user clicked, or ``None``."""
    condition_label: int | None = None
    """The class fed to a conditional decoder, or ``None`` for an unconditional one."""
    hidden_labels: frozenset[int] = field(default_factory=frozenset)
    """Classes hidden from the map by the legend."""
    slider_basis: str = "raw"
    """``raw``: one slider per latent dimension; ``pca``: principal directions of the data."""


@evented
@dataclass
class ProjectionState:
    """The projection the user chose in the side panel."""

    if TYPE_CHECKING:
        events: ClassVar[ProjectionEvents]

    method: str = "pca"
    """``pca``, ``umap``, ``tsne``, or ``table`` (the table's own x and y columns)."""
    n_components: int = 2
    """2 for the flat map, 3 for the 3-D view."""
    n_neighbors: int = 15
    """UMAP: how many neighbours shape the local structure (larger: more global)."""
    min_dist: float = 0.1
    """UMAP: how tightly points may pack (smaller: tighter clusters)."""
    perplexity: float = 30.0
    """t-SNE: the effective number of neighbours each point attends to."""
    seed: int = 0
    """Random seed, so a layout can be reproduced."""
    x_column: str = ""
    """``table``: the column that is the map's x (e.g. ``umap_x``)."""
    y_column: str = ""
    """``table``: the column that is the map's y."""

    def to_params(self) -> ProjectionParams:
        """The frozen parameters of the current choice."""
        options: tuple[tuple[str, object], ...] = ()
        if self.method == "table":
            return ProjectionParams("table", 2, 0, (("x", self.x_column),
                                                    ("y", self.y_column)))
        if self.method == "umap":
            options = (("min_dist", float(self.min_dist)), ("n_neighbors", int(self.n_neighbors)))
        elif self.method == "tsne":
            options = (("perplexity", float(self.perplexity)),)
        return ProjectionParams(self.method, int(self.n_components), int(self.seed), options)

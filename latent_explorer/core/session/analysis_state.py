"""Evented state of the research tools: the selection, colouring, filter, neighbours, vectors.

:class:`AnalysisState` is the single source of truth the analysis panels bind to (psygnal,
no Qt). The selection is a sorted, unique int64 array of sample indices; named selections and
attribute vectors are tuples of small values that a session saves and restores.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Literal

import numpy as np
import numpy.typing as npt
from psygnal import evented

from latent_explorer.core.analysis.attributes import AttributeVector
from latent_explorer.core.session.data import Selection

if TYPE_CHECKING:
    from psygnal import SignalGroup, SignalInstance

    class AnalysisEvents(SignalGroup):
        """For the type checker: the signals ``@evented`` adds to :class:`AnalysisState`."""

        selection: SignalInstance
        colour_by: SignalInstance
        opacity_by: SignalInstance
        filter_text: SignalInstance
        isolated: SignalInstance
        tool: SignalInstance
        neighbor_k: SignalInstance
        neighbor_metric: SignalInstance
        neighbor_source: SignalInstance
        outlier_score: SignalInstance
        outlier_count: SignalInstance
        cluster_method: SignalInstance
        cluster_param: SignalInstance
        named_selections: SignalInstance
        attributes: SignalInstance
        card_columns: SignalInstance
        chart_columns: SignalInstance
        table_rows: SignalInstance
        search_text: SignalInstance

IntArray = npt.NDArray[np.int64]
SelectMode = Literal["replace", "add", "remove", "toggle"]
TOOLS = ("pan", "lasso", "rectangle")
"""What a left drag on the map does."""
OUTLIER_SCORES = ("error", "density")
TABLE_ROWS = ("auto", "selection", "filter", "neighbors", "all")
"""Which rows the table lists: ``auto`` (the selection, else the rows the filter shows, else
every row), the ``selection``, the rows the ``filter`` shows, the ``neighbors``, or ``all``."""


def _empty() -> IntArray:
    return np.zeros(0, dtype=np.int64)


def _mask(indices: IntArray, size: int) -> npt.NDArray[np.bool_]:
    mask = np.zeros(size, dtype=bool)
    mask[indices] = True
    return mask


@evented
@dataclass
class AnalysisState:
    """What the user selected, how the map is coloured and filtered, and the tools' settings."""

    if TYPE_CHECKING:
        events: ClassVar[AnalysisEvents]

    selection: IntArray = field(default_factory=_empty)
    """Selected sample indices, sorted and unique (int64)."""
    colour_by: str = "label"
    """Column the map is coloured by: ``label``, a metadata column, ``cluster``, ``error``,
    ``density`` or an attribute vector's name."""
    opacity_by: str = ""
    """Numeric column that sets each point's opacity (8 levels), or empty for opaque."""
    filter_text: str = ""
    """The filter expression typed in the filter bar (empty: no filter)."""
    isolated: bool = False
    """Only the selected samples are shown on the map."""
    tool: str = "pan"
    """What a left drag on the map does: one of :data:`TOOLS`."""
    neighbor_k: int = 10
    """How many nearest neighbours are shown."""
    neighbor_metric: str = "euclidean"
    """``euclidean`` or ``cosine``."""
    neighbor_source: str = "sample"
    """Neighbours of the ``sample`` selected on the map, or of the ``latent`` shown now."""
    outlier_score: str = "error"
    """The anomaly view ranks by reconstruction ``error`` or isolation (``density``)."""
    outlier_count: int = 24
    """How many outliers the anomaly view shows."""
    cluster_method: str = "kmeans"
    """``kmeans`` or ``hdbscan``."""
    cluster_param: int = 10
    """k for k-means, the minimum cluster size for HDBSCAN."""
    named_selections: tuple[Selection, ...] = ()
    """Selections the user saved under a name (kept in the session)."""
    attributes: tuple[AttributeVector, ...] = ()
    """Attribute directions the user made (kept in the session)."""
    card_columns: tuple[str, ...] = ()
    """The columns a row's card shows (neighbours, the selection, the clicked sample), in
    order; empty: the first few that have a value (kept in the session)."""
    chart_columns: tuple[str, ...] = ()
    """The columns charted beside the map, in order; empty: the first few that have a chart
    (kept in the session)."""
    table_rows: str = "auto"
    """Which rows the table lists: one of :data:`TABLE_ROWS`."""
    search_text: str = ""
    """The words searched for in the text columns (empty: no search)."""

    # --- selection ------------------------------------------------------------------------
    def select(self, indices: npt.ArrayLike, mode: SelectMode = "replace") -> None:
        """Change the selection by ``indices``: replace it, add to, remove from, or toggle."""
        if mode not in ("replace", "add", "remove", "toggle"):
            raise ValueError(f"unknown selection mode {mode!r}")
        new = np.asarray(indices, dtype=np.int64).reshape(-1)
        if len(new) and new.min() < 0:
            raise ValueError("sample indices must not be negative")
        current = self.selection
        # Boolean masks over the indices: linear time, and a million indices take
        # milliseconds (np.unique / union1d sort or hash them).
        size = max(int(new.max(initial=-1)), int(current.max(initial=-1))) + 1
        mask = _mask(new, size)
        if mode == "add":
            mask |= _mask(current, size)
        elif mode == "remove":
            mask = _mask(current, size) & ~mask
        elif mode == "toggle":
            mask ^= _mask(current, size)
        self.selection = np.flatnonzero(mask).astype(np.int64, copy=False)

    def clear_selection(self) -> None:
        """Select nothing (and show everything again)."""
        self.selection = _empty()
        self.isolated = False

    def save_selection(self, name: str, labels: npt.ArrayLike | None = None) -> Selection:
        """Keep the current selection as ``name`` (replacing one of the same name)."""
        name = name.strip() or f"Selection {len(self.named_selections) + 1}"
        rows = self.selection.copy()
        kept = None if labels is None else np.asarray(labels, dtype=np.int64)[rows]
        saved = Selection(name, rows, kept)
        others = tuple(s for s in self.named_selections if s.name != name)
        self.named_selections = (*others, saved)
        return saved

    def selection_named(self, name: str) -> Selection | None:
        """The named selection ``name``, or ``None``."""
        return next((s for s in self.named_selections if s.name == name), None)

    def delete_selection(self, name: str) -> None:
        """Forget the named selection ``name``."""
        self.named_selections = tuple(s for s in self.named_selections if s.name != name)

    # --- attribute vectors ----------------------------------------------------------------
    def add_attributes(self, vectors: list[AttributeVector]) -> None:
        """Append ``vectors``; a name already taken gets a number appended."""
        current = list(self.attributes)
        for vector in vectors:
            taken = {a.name for a in current}
            name, n = vector.name, 2
            while name in taken:
                name, n = f"{vector.name} ({n})", n + 1
            current.append(AttributeVector(name, vector.vector, vector.description))
        self.attributes = tuple(current)

    def rename_attribute(self, old: str, new: str) -> bool:
        """Rename an attribute vector; ``False`` when ``new`` is empty or taken."""
        new = new.strip()
        if not new or any(a.name == new for a in self.attributes if a.name != old):
            return False
        self.attributes = tuple(AttributeVector(new, a.vector, a.description) if a.name == old
                                else a for a in self.attributes)
        return True

    def delete_attribute(self, name: str) -> None:
        """Forget the attribute vector ``name``."""
        self.attributes = tuple(a for a in self.attributes if a.name != name)

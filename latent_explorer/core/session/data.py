"""What a saved session holds: plain dataclasses, filled from the window's state and back.

:class:`SessionData` is deliberately *not* evented: it is a snapshot. The window copies its
evented state objects into one to save (or autosave) and copies the fields back to restore.
Every field has a default, so ``SessionData(dataset=DatasetRef("digits"),
model=ModelRef("demo"))`` is a complete session. Arrays are numpy arrays (``float32`` latents,
``int64`` indices); :mod:`latent_explorer.core.session.store` writes them to ``arrays.npz``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from latent_explorer.core.session.analysis_data import AnalysisSnapshot

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]
ViewRange = tuple[tuple[float, float], ...]
"""``((x0, x1), (y0, y1))`` (or three pairs for the 3-D view)."""


@dataclass(frozen=True)
class DatasetRef:
    """Which dataset the session was made on."""

    spec: str = "digits"
    """What ``load_dataset`` opens: a built-in name or an absolute path."""
    labels: str | None = None
    """A separate labels file, or ``None``."""
    fingerprint: str = ""
    """``dataset.fingerprint()`` when saved; empty when unknown."""
    image_size: tuple[int, int] | None = None
    """``(height, width)`` a folder or zip of images was loaded at; ``None``: their own size."""


@dataclass(frozen=True)
class ModelRef:
    """Which model the session was made with."""

    spec: str = "demo"
    """What ``load_model`` opens: ``demo`` or an absolute path."""
    trust_code: bool = False
    """Whether the user trusted the file to run code. Restoring must ask again, not obey."""
    fingerprint: str = ""
    """``model.fingerprint()`` when saved; empty when unknown."""
    options: dict[str, Any] = field(default_factory=dict)
    """How the model decoded besides its weights: a StyleGAN's ``truncation_psi``,
    ``noise_mode``, ``mix_seed``, ``mix_layers``, ``edit_layers`` (JSON values; empty for
    other models). Part of the fingerprint where they change every picture."""


@dataclass(eq=False)
class ProjectionSettings:
    """The projection choice (mirrors ``ProjectionState``) and, optionally, its result."""

    method: str = "pca"
    n_components: int = 2
    n_neighbors: int = 15
    min_dist: float = 0.1
    perplexity: float = 30.0
    seed: int = 0
    coords: FloatArray | None = None
    """``(N, n_components)`` map coordinates, so reopening needs no recomputation."""
    x_column: str = ""
    """Method ``table``: the column that is the map's x."""
    y_column: str = ""
    """Method ``table``: the column that is the map's y."""


@dataclass(eq=False)
class Selection:
    """A named set of samples; the labels let a restore check it still fits the dataset."""

    name: str
    indices: IntArray
    """``(n,)`` sample indices, each >= 0."""
    labels: IntArray | None = None
    """``(n,)`` the label of each of those samples when saved, or ``None`` (no labels)."""


@dataclass(eq=False)
class Bookmark:
    """A latent the user wants to come back to, with the map view it was seen in."""

    name: str
    latent: FloatArray
    """``(latent_dim,)``."""
    view_range: ViewRange | None = None


@dataclass(eq=False)
class AttributeVector:
    """A direction in latent space with a meaning (``smile``, ``thickness``)."""

    name: str
    vector: FloatArray
    """``(latent_dim,)``."""
    description: str = ""


@dataclass(eq=False)
class SessionPath:
    """An interpolation path through anchor latents, with its render settings."""

    name: str
    anchors: FloatArray
    """``(K, latent_dim)``, K >= 1."""
    indices: tuple[int | None, ...] | None = None
    """The dataset sample each anchor came from (``None`` per anchor when it did not)."""
    holds: tuple[int, ...] = ()
    """Extra frames each anchor is held for: one count per anchor, or empty for none."""
    interp: str = "slerp"
    frames_per_segment: int = 30
    easing: str = "linear"
    loop: bool = False
    pingpong: bool = False
    even_speed: bool = False
    fps: float = 30.0
    total_frames: int | None = None
    """The path's length in frames in all, or ``None`` when :attr:`frames_per_segment` sets it.
    Optional in the file: sessions saved before it existed load with ``None``."""


@dataclass(eq=False)
class SessionData:
    """Everything a user made in one session. Every field has a default."""

    dataset: DatasetRef = field(default_factory=DatasetRef)
    model: ModelRef = field(default_factory=ModelRef)
    projection: ProjectionSettings = field(default_factory=ProjectionSettings)
    current_latent: FloatArray | None = None
    """``(latent_dim,)``: the latent shown in the decoder view."""
    probe_position: tuple[float, ...] | None = None
    selected_index: int | None = None
    hidden_labels: frozenset[int] = frozenset()
    slider_basis: str = "raw"
    condition_label: int | None = None
    selections: list[Selection] = field(default_factory=list)
    bookmarks: list[Bookmark] = field(default_factory=list)
    attributes: list[AttributeVector] = field(default_factory=list)
    paths: list[SessionPath] = field(default_factory=list)
    active_path: int | None = None
    """Index into :attr:`paths` of the path being edited, or ``None``."""
    colour_by: str = "label"
    analysis: AnalysisSnapshot = field(default_factory=AnalysisSnapshot)
    """The research tools' selection, filter, clusters and scores (schema version 3)."""
    dock_state: str | None = None
    """Base64 of ``QMainWindow.saveState()``; opaque to the core."""
    window_geometry: str | None = None
    """Base64 of ``QWidget.saveGeometry()``; opaque to the core."""

    @property
    def latent_dim(self) -> int | None:
        """The latent size the stored latents share, or ``None`` when none is stored."""
        for array in self.latents():
            return int(array.shape[-1])
        return None

    def latents(self) -> list[FloatArray]:
        """Every stored latent-space array (current latent, bookmarks, vectors, anchors)."""
        found: list[FloatArray] = []
        if self.current_latent is not None:
            found.append(self.current_latent)
        found.extend(b.latent for b in self.bookmarks)
        found.extend(a.vector for a in self.attributes)
        found.extend(p.anchors for p in self.paths)
        return found

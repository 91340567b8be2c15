"""The built-in demo as a first start shows it: the shapes, their model, the decoded atlas.

A new user starts ``latent-explorer`` with no arguments and should see what the README shows:
a map of the bundled coloured shapes laid out by UMAP (its layout ships with the demo, so it
is there at once), the decoded atlas under the points, and the probe waiting to be dragged.
**File > Open the Built-in Demo** opens the same.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from latent_explorer.core.compute.pipeline import Workspace

DEMO_DATASET, DEMO_MODEL = "shapes", "demo-shapes"
DEMO_PROJECTION = "umap"
"""The demo's map: UMAP separates the five shapes, where PCA's first two axes are mostly hue."""


def open_demo(window: Any, on_ready: Callable[[Workspace], None] | None = None,
              projection: str | None = None, atlas: str | None = None) -> None:
    """Open the demo in ``window`` (the main window, or what the menus see of it: its
    ``projection`` state, ``atlas`` and ``open``): the shapes and their model, UMAP, the atlas
    under the points.

    ``projection`` and ``atlas`` (as ``gui --projection`` / ``--atlas`` give them) win. Without
    them the map is UMAP unless the user chose another method in the window before (a choice
    this does not overwrite), and the atlas shows under the points.
    """
    if projection:
        window.projection.method = projection
    elif window.projection.method == "pca":  # the default, not a choice the user made
        window.projection.method = DEMO_PROJECTION
    window.atlas.set_mode(atlas or "under")
    window.open(DEMO_DATASET, DEMO_MODEL, on_ready=on_ready)

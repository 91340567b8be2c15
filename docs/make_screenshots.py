"""Regenerate the README's pictures with the app itself.

Run from the repository root (in the environment where the app is installed):

    python docs/make_screenshots.py

It writes into ``resources/screenshots/``, all made from what ships with the app (the bundled
``shapes`` dataset and ``demo-shapes`` model): a session (a UMAP map of the shapes, one sample
selected, a path through four of them), ``window.png`` (the window restoring that session with
the decoded atlas shown instead of the points), ``window-points.png`` (the same with the atlas
under the points), ``window-3d.png`` (the 3-D map, only where OpenGL is available, e.g. under
``xvfb-run``) and ``walk.gif`` (a looping interpolation through the four shapes, rendered
headless).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "resources" / "screenshots"
DATASET, MODEL = "shapes", "demo-shapes"
SHAPES = (0, 2, 3, 4)  # a circle, a triangle, a star and a cross


def anchors() -> tuple[int, ...]:
    """The first sample of each of :data:`SHAPES` in the bundled dataset."""
    from latent_explorer.core.datasets import load_dataset

    labels = load_dataset(DATASET).labels
    assert labels is not None
    return tuple(int(np.flatnonzero(labels == shape)[0]) for shape in SHAPES)


def make_session() -> Path:
    """A session on the shapes: UMAP map, one sample selected, a looping path."""
    from latent_explorer.core.compute.pipeline import open_workspace
    from latent_explorer.core.projection import fit_projection
    from latent_explorer.core.projection.base import ProjectionParams
    from latent_explorer.core.session.data import (
        DatasetRef,
        ModelRef,
        ProjectionSettings,
        SessionData,
        SessionPath,
    )
    from latent_explorer.core.session.store import save_session

    ws = open_workspace(DATASET, MODEL)
    params = ProjectionParams("umap", 2, 0, (("min_dist", 0.1), ("n_neighbors", 15)))
    umap = fit_projection(ws.latents, params)
    picked = anchors()
    path = SessionPath("Four shapes", ws.latents[list(picked)], indices=picked,
                       interp="slerp", frames_per_segment=30, easing="ease_in_out", loop=True)
    selected = picked[2]
    session = SessionData(
        dataset=DatasetRef(DATASET, None, ws.dataset.fingerprint()),
        model=ModelRef(MODEL, False, ws.model.fingerprint()),
        projection=ProjectionSettings("umap", 2, 15, 0.1, 30.0, 0, umap.coords),
        current_latent=ws.latents[selected].astype(np.float32), selected_index=selected,
        paths=[path], active_path=0)
    return save_session(OUT / "demo-session.lxs", session)


def run(*args: str, env: dict[str, str] | None = None) -> None:
    """Run a command, echoing it."""
    print("+", " ".join(args))
    subprocess.run(args, check=True, env=env)


def main() -> int:
    """Write every picture."""
    OUT.mkdir(parents=True, exist_ok=True)
    session = make_session()
    import tempfile

    # Fresh settings, so a layout or projection remembered from other runs does not leak in.
    config = tempfile.mkdtemp(prefix="le-shots-")
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"),
               LATENT_EXPLORER_CONFIG=config)
    exe = [sys.executable, "-m", "latent_explorer"]
    run(*exe, "gui", "--session", str(session), "--atlas", "instead", "--size", "1400x860",
        "--screenshot", str(OUT / "window.png"), env=env)
    run(*exe, "gui", "--session", str(session), "--atlas", "under", "--size", "1400x860",
        "--screenshot", str(OUT / "window-points.png"), env=env)
    if os.environ.get("DISPLAY"):
        run(*exe, "gui", "--dataset", DATASET, "--model", MODEL, "--view", "3d",
            "--projection", "umap", "--size", "1400x860",
            "--screenshot", str(OUT / "window-3d.png"), env=dict(env, QT_QPA_PLATFORM="xcb",
                                                                  LATENT_EXPLORER_CONFIG=config
                                                                  + "-3d"))
    run(*exe, "render", "--dataset", DATASET, "--model", MODEL, "--anchors",
        ",".join(str(a) for a in anchors()), "--frames", "96", "--fps", "24", "--loop",
        "--easing", "ease-in-out", "--size", "192", "--out", str(OUT / "walk.gif"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Regenerate the README's pictures with the app itself.

Run from the repository root (in the environment where the app is installed):

    python docs/make_screenshots.py

It writes into ``resources/screenshots/``: a demo session (a UMAP map with a path through four
digits), ``window.png`` (the window restoring that session), ``window-3d.png`` (the 3-D map,
only where OpenGL is available, e.g. under ``xvfb-run``) and ``walk.gif`` (a looping
interpolation rendered headless).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "resources" / "screenshots"
ANCHORS = (0, 11, 42, 3)  # a 0, a 1, a 4 and a 3 from scikit-learn's digits


def make_session() -> Path:
    """A session on the demo: UMAP map, one sample selected, a looping path."""
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

    ws = open_workspace("digits", "demo")
    params = ProjectionParams("umap", 2, 0, (("min_dist", 0.1), ("n_neighbors", 15)))
    umap = fit_projection(ws.latents, params)
    path = SessionPath("Four digits", ws.latents[list(ANCHORS)], indices=ANCHORS,
                       interp="slerp", frames_per_segment=30, easing="ease_in_out", loop=True)
    session = SessionData(
        dataset=DatasetRef("digits", None, ws.dataset.fingerprint()),
        model=ModelRef("demo", False, ws.model.fingerprint()),
        projection=ProjectionSettings("umap", 2, 15, 0.1, 30.0, 0, umap.coords),
        current_latent=ws.latents[42].astype(np.float32), selected_index=42, paths=[path],
        active_path=0)
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
    run(*exe, "gui", "--session", str(session), "--size", "1400x860",
        "--screenshot", str(OUT / "window.png"), env=env)
    if os.environ.get("DISPLAY"):
        run(*exe, "gui", "--view", "3d", "--projection", "umap", "--size", "1400x860",
            "--screenshot", str(OUT / "window-3d.png"), env=dict(env, QT_QPA_PLATFORM="xcb",
                                                                  LATENT_EXPLORER_CONFIG=config
                                                                  + "-3d"))
    run(*exe, "render", "--dataset", "digits", "--model", "demo", "--anchors",
        ",".join(str(a) for a in ANCHORS), "--frames", "96", "--fps", "24", "--loop",
        "--easing", "ease-in-out", "--size", "192", "--out", str(OUT / "walk.gif"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

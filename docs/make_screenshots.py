"""Regenerate the README's pictures with the app itself.

Run from the repository root (in the environment where the app is installed), under a virtual
screen so the 3-D picture can be made too:

    xvfb-run -a python docs/make_screenshots.py

It writes into ``resources/screenshots/``, all made from what ships with the app (the bundled
``shapes`` dataset and ``demo-shapes`` model), each by the one command that :data:`COMMANDS`
lists and the README prints beside the picture:

- ``window.png``: what plain ``latent-explorer`` opens on a first start (fresh settings);
- ``window-path.png``: the window on ``demo-session.lxs``, a session this script saves (a UMAP
  map of the shapes, one sample selected, a looping path through four of them), with the
  decoded atlas shown instead of the points;
- ``window-3d.png``: the 3-D map (only where OpenGL is available, e.g. under ``xvfb-run``);
- ``walk.gif``: a looping interpolation through the four shapes, rendered headless.
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


SESSION = "resources/screenshots/demo-session.lxs"
SIZE = "1400x860"
COMMANDS: dict[str, list[str]] = {
    "window.png": ["gui", "--screenshot", "resources/screenshots/window.png", "--size", SIZE],
    "window-path.png": ["gui", "--session", SESSION, "--atlas", "instead", "--screenshot",
                        "resources/screenshots/window-path.png", "--size", SIZE],
    "window-3d.png": ["gui", "--dataset", DATASET, "--model", MODEL, "--view", "3d",
                      "--projection", "umap", "--screenshot",
                      "resources/screenshots/window-3d.png", "--size", SIZE],
    "walk.gif": ["render", "--dataset", DATASET, "--model", MODEL, "--anchors", "0,6,2,4",
                 "--frames", "96", "--fps", "24", "--loop", "--easing", "ease-in-out",
                 "--size", "192", "--out", "resources/screenshots/walk.gif"],
}
"""The ``latent-explorer`` command (its arguments) that makes each picture; run from the
repository root. The README gives the same command beside each picture."""


def run(args: list[str], env: dict[str, str]) -> None:
    """Run ``latent-explorer ARGS`` from the repository root, echoing it."""
    print("+ latent-explorer", " ".join(args))
    subprocess.run([sys.executable, "-m", "latent_explorer", *args], check=True, env=env,
                   cwd=ROOT)


def main() -> int:
    """Write every picture."""
    import tempfile

    OUT.mkdir(parents=True, exist_ok=True)
    walk = COMMANDS["walk.gif"]
    assert ",".join(map(str, anchors())) == walk[walk.index("--anchors") + 1], "shapes changed"
    make_session()
    for name, args in COMMANDS.items():
        # Fresh settings and state each time: a first start as a new user sees it, with no
        # layout or projection remembered from other runs.
        profile = tempfile.mkdtemp(prefix="le-shots-")
        env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"),
                   LATENT_EXPLORER_CONFIG=f"{profile}/config",
                   LATENT_EXPLORER_STATE=f"{profile}/state")
        if name == "window-3d.png":
            if not os.environ.get("DISPLAY"):
                print(f"skipped {name}: it needs OpenGL (run under xvfb-run)")
                continue
            env["QT_QPA_PLATFORM"] = "xcb"
        run(args, env)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

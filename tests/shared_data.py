"""Where the real data of ``shared/data`` lies (MNIST, the StyleGAN reference networks).

The folder is not in the repository. It is looked for where an environment variable names it,
then as ``shared/data`` beside the checkout or beside any folder above it (a worktree or a CI
clone may sit deeper than the main checkout), then at ``/work/shared/data``, where the
development machines keep it. Tests that need it skip, saying so, where it is absent.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
_MACHINE_FOLDER = Path("/work/shared/data")


def shared_data(name: str, env: str) -> Path:
    """The folder ``shared/data/<name>``, or where ``env`` points (which wins)."""
    if os.environ.get(env):
        return Path(os.environ[env])
    for folder in REPO.parents:
        candidate = folder / "shared" / "data" / name
        if candidate.is_dir():
            return candidate
    fallback = _MACHINE_FOLDER / name
    return fallback if fallback.is_dir() else REPO.parent / "shared" / "data" / name

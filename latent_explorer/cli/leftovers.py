"""What killed runs left behind, swept at the start of every command.

A run killed while it wrote (SIGKILL, a power cut) leaves hidden temporary files beside its
target: ``.walk.mp4.<pid>-<token>.part``, a staging folder of frames, a half-done switch of a
frame pattern or of a model's files. Every writer remembers the folders it writes in (a list in
the app's state folder, see :func:`~latent_explorer.core.fileio.track_write_folders`); each
command, the window's included, first sweeps those folders: switches begun are finished, the
rest of what dead processes left is removed, and never a user's file. The arrays a killed run
handed to a child process computing a map (in the system's temporary folder) go too
(:func:`~latent_explorer.core.projection.subprocess_runner.sweep_job_folders`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator


@contextlib.contextmanager
def leftovers_swept() -> Iterator[None]:
    """Sweep what killed runs left, then remember this run's write folders until the block
    ends."""
    from latent_explorer.core.fileio import sweep_write_folders, track_write_folders
    from latent_explorer.core.projection.subprocess_runner import sweep_job_folders
    from latent_explorer.core.session.autosave import default_state_dir

    state = default_state_dir()
    sweep_write_folders(state)
    sweep_job_folders()
    track_write_folders(state)
    try:
        yield
    finally:
        track_write_folders(None)

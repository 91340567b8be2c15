"""Named steps of the long writes where a test can stop the process, to kill it right there.

A crash test must kill a writer at a chosen step (between two renames, say), not after a
random sleep that misses the step on a busy machine. The writers call :func:`pause_point`
with a name at each such step. When the environment variable ``LATENT_EXPLORER_PAUSE_AT``
names that step (``frames-moved``, or ``frames-moved#3`` for the third time it is reached),
the process prints ``latent-explorer: paused at frames-moved`` on stderr and waits there
until a signal ends it. Users never set the variable; then a pause point costs one look-up.

The names:

``file-written``
    A whole-file write (:func:`~latent_explorer.core.fileio.atomic_writer`: latents, maps,
    sessions, PNGs) is complete under its temporary name, not yet renamed onto its target.
``frame-written``
    One more frame went to an export (a video, a GIF, PNG frames).
``export-written``
    A single-file export (video, GIF, trained weights ...) is complete under its temporary
    name and about to be renamed onto its target.
``frames-written``
    Every PNG frame is written into the staging folder; nothing has been switched yet.
``switch-committed``
    The switch record is on disk; the files have not been moved yet.
``switch-moved``
    One more file (or the old folder) has been moved during a switch.
``model-weights-written``
    A trained model's new weights are on disk; its ``model.json`` still names the old ones.
``store-written``
    Every chunk of ``encode-distributed``'s latent store is in its staging folder, which has
    not yet taken the place of ``--out``.
"""

from __future__ import annotations

import os
import sys
import time

PAUSE_ENV = "LATENT_EXPLORER_PAUSE_AT"

_reached: dict[str, int] = {}


def pause_point(name: str) -> None:
    """Wait here for a signal when ``$LATENT_EXPLORER_PAUSE_AT`` names this step."""
    wanted = os.environ.get(PAUSE_ENV)
    if not wanted:
        return
    point, _, nth = wanted.partition("#")
    if point != name:
        return
    _reached[name] = count = _reached.get(name, 0) + 1
    if count != (int(nth) if nth.isdigit() else 1):
        return
    sys.stderr.write(f"latent-explorer: paused at {name}\n")
    sys.stderr.flush()
    while True:  # a signal's handler (or its default action) ends the wait
        time.sleep(3600)

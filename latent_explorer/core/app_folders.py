"""Where the app keeps what it writes, and the environment variables that move each folder.

Every folder the app writes to has a variable that overrides it, so a clean profile (for a
test, a demo, a bug report) or a portable one (on a USB stick) is a matter of setting them:

``LATENT_EXPLORER_CONFIG``  settings, window layout, recent files, model cards that cannot sit
                            beside their checkpoint
``LATENT_EXPLORER_STATE``   autosaves and crash recovery
``LATENT_EXPLORER_CACHE``   latents, maps, resized images, ONNX exports (limit:
                            ``LATENT_EXPLORER_CACHE_LIMIT``)
``LATENT_EXPLORER_LOG``     the error log
``LATENT_EXPLORER_DATA``    models trained in the window

Each folder's own module says where it is by default (the system's usual place, through
``platformdirs``); this one holds the data folder and the list.
"""

from __future__ import annotations

import os
from pathlib import Path

DATA_ENV = "LATENT_EXPLORER_DATA"

PROFILE_VARIABLES: tuple[str, ...] = (
    "LATENT_EXPLORER_CONFIG", "LATENT_EXPLORER_STATE", "LATENT_EXPLORER_CACHE",
    "LATENT_EXPLORER_LOG", DATA_ENV,
)
"""The variables that together move everything the app writes."""


def default_data_dir() -> Path:
    """The folder of what the user makes in the app and keeps (models trained in the window);
    ``$LATENT_EXPLORER_DATA`` overrides it."""
    override = os.environ.get(DATA_ENV)
    if override:
        return Path(override)
    from platformdirs import user_data_dir

    return Path(user_data_dir("latent-explorer", appauthor=False))

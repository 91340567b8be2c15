"""Where the app's data files (demo model, icons) live, in a checkout and in a frozen bundle.

In a source checkout (or an editable install) they are in ``<repository>/resources``. A wheel
(``pip install .``) installs them as data files to ``<prefix>/share/latent-explorer/resources``.
A bundle built by PyInstaller (``packaging/``) unpacks them to ``<sys._MEIPASS>/resources``.
The environment variable ``LATENT_EXPLORER_RESOURCES`` overrides all of these, for distribution
packages that install the files elsewhere (e.g. ``/usr/share/latent-explorer``).

Imports neither Qt nor torch.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

RESOURCES_ENV = "LATENT_EXPLORER_RESOURCES"
"""Environment variable naming a folder to use instead of the built-in ``resources``."""


def resource_root() -> Path:
    """The folder holding the app's resources (which need not exist)."""
    override = os.environ.get(RESOURCES_ENV)
    if override:
        return Path(override).expanduser()
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle is not None:
        return Path(bundle) / "resources"
    checkout = Path(__file__).resolve().parent.parent / "resources"
    installed = Path(sys.prefix) / "share" / "latent-explorer" / "resources"
    if not checkout.is_dir() and installed.is_dir():
        return installed
    return checkout


def resource_path(*parts: str) -> Path:
    """The path of a resource, e.g. ``resource_path("demo", "model.json")``.

    Parameters
    ----------
    *parts
        Path components below the resources folder.

    Returns
    -------
    Path
        The absolute path; it is not checked for existence, so callers can report a missing
        file in their own words.
    """
    return resource_root().joinpath(*parts)

"""The app's settings file, read without Qt.

The window keeps its settings in ``settings.ini`` in the user's configuration folder
(``$LATENT_EXPLORER_CONFIG`` overrides the folder), written through Qt's ``QSettings`` in its
INI format. The few settings that also apply where there is no window (the command line,
scripts, worker processes), such as the size limit of the image cache, are read here, so
every process honours what the user chose in the window.
"""

from __future__ import annotations

import os
from pathlib import Path

CONFIG_ENV = "LATENT_EXPLORER_CONFIG"
SETTINGS_NAME = "settings.ini"


def default_config_dir() -> Path:
    """The folder of the settings file (``$LATENT_EXPLORER_CONFIG`` overrides it)."""
    override = os.environ.get(CONFIG_ENV)
    if override:
        return Path(override)
    from platformdirs import user_config_dir

    return Path(user_config_dir("latent-explorer", appauthor=False))


def settings_path() -> Path:
    """The settings file of the app (it may not exist yet)."""
    return default_config_dir() / SETTINGS_NAME


def read_setting(key: str, path: Path | None = None) -> str | None:
    """The text of the setting ``key`` (``group/name``, as the window stores it).

    Parameters
    ----------
    key
        ``"cache/image_limit"``: the name ``image_limit`` in the ``[cache]`` section.
    path
        The settings file; ``None`` reads :func:`settings_path`.

    Returns
    -------
    str or None
        The value as written in the file (surrounding quotes removed), or ``None`` when the
        file or the setting is missing or the file cannot be read.
    """
    group, _, name = key.rpartition("/")
    section = f"[{group or 'General'}]"
    try:
        text = (path or settings_path()).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    inside = False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("["):
            inside = stripped == section
            continue
        if not inside:
            continue
        found, sep, value = stripped.partition("=")
        if sep and found.strip() == name:
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] == '"':
                value = value[1:-1]
            return value
    return None

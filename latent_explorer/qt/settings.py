"""Where the window keeps its settings (layout, recent files, last projection)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import cast

from PySide6.QtCore import QSettings

from latent_explorer.core.settings_file import CONFIG_ENV as CONFIG_ENV
from latent_explorer.core.settings_file import settings_path

LAYOUT_VERSION = 4
"""Version of the saved dock layout (window settings and sessions): bumped whenever docks are
added or regrouped, so an older layout is not applied to docks it does not know."""

MAX_RECENT = 8


def app_settings() -> QSettings:
    """The settings file (``$LATENT_EXPLORER_CONFIG/settings.ini`` overrides the location)."""
    path = settings_path()  # core reads the settings that apply without a window from there
    path.parent.mkdir(parents=True, exist_ok=True)
    return QSettings(str(path), QSettings.Format.IniFormat)


def recent_files(settings: QSettings, kind: str) -> list[str]:
    """The recently opened ``kind`` (``datasets`` / ``models``), newest first."""
    value = settings.value(f"recent/{kind}", [])
    if isinstance(value, str):
        value = [value]
    return [str(v) for v in cast("Iterable[object]", value or [])]


def remember_file(settings: QSettings, kind: str, spec: str) -> None:
    """Put ``spec`` first in the recent ``kind`` list, a file by its absolute path (so it
    reopens whatever the working folder of a later start)."""
    spec = absolute_spec(spec)
    items = [spec] + [v for v in recent_files(settings, kind) if v != spec]
    settings.setValue(f"recent/{kind}", items[:MAX_RECENT])


def absolute_spec(spec: str) -> str:
    """``spec`` with a file path made absolute; built-in names (``digits``, ``demo``,
    ``prior:500``) as they are."""
    if not looks_like_path(spec):
        return spec
    return str(Path(spec).expanduser().resolve())


def looks_like_path(spec: str) -> bool:
    """Whether ``spec`` names a file or folder (not a built-in name)."""
    return "/" in spec or "\\" in spec or Path(spec).suffix != ""


def existing_recent_files(settings: QSettings, kind: str) -> tuple[list[str], list[str]]:
    """The recent ``kind`` that still exist, and those that no longer do (which are dropped
    from the settings, so they are named once)."""
    present: list[str] = []
    missing: list[str] = []
    for spec in recent_files(settings, kind):
        (missing if looks_like_path(spec) and not Path(spec).exists() else present).append(spec)
    if missing:
        settings.setValue(f"recent/{kind}", present)
    return present, missing

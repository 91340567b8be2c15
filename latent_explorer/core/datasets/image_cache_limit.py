"""How much disk the image cache may take: its size limit, and sizes written for people.

The limit comes, first found first, from the environment variable
``LATENT_EXPLORER_CACHE_LIMIT``, from the value the window set in this process
(:func:`set_image_cache_limit`), from the app's settings file (``cache/image_limit``, set in
the window or by ``latent-explorer cache --limit``), else :data:`DEFAULT_LIMIT`.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

from latent_explorer.core.errors import SpecError
from latent_explorer.core.settings_file import read_setting
from latent_explorer.core.sizes import format_size as format_size  # re-exported
from latent_explorer.core.sizes import parse_size as parse_size  # re-exported

log = logging.getLogger(__name__)

DEFAULT_LIMIT = 10 << 30
"""10 GiB: about 13,000 photos at 512x512, or 54,000 at 256x256."""
LIMIT_ENV = "LATENT_EXPLORER_CACHE_LIMIT"
LIMIT_SETTING = "cache/image_limit"
"""The key of the limit (in bytes) in the app's settings file."""

_configured: int | None = None


@dataclass(frozen=True)
class CacheLimit:
    """The limit in force and where it was set."""

    size: int
    """Bytes."""
    source: str
    """``"environment"``, ``"process"`` (set by the window or a command), ``"settings"`` or
    ``"default"``."""

    def describe(self) -> str:
        """The limit for people: ``10.0 GiB (the default)``."""
        text = format_size(self.size)
        if self.source == "environment":
            return f"{text} (set by {LIMIT_ENV})"
        if self.source == "default":
            return f"{text} (the default)"
        return text


def set_image_cache_limit(size: int | None) -> None:
    """Use ``size`` bytes as this process's limit (the window's setting); ``None``: forget it
    (the settings file, or the default, applies again)."""
    global _configured
    _configured = None if size is None else max(0, int(size))


def image_cache_limit() -> CacheLimit:
    """The limit in force now.

    Raises
    ------
    SpecError
        When ``LATENT_EXPLORER_CACHE_LIMIT`` holds no size.
    """
    text = os.environ.get(LIMIT_ENV, "").strip()
    if text:
        try:
            return CacheLimit(parse_size(text), "environment")
        except ValueError as exc:
            raise SpecError(f"{LIMIT_ENV}: {exc}") from None
    if _configured is not None:
        return CacheLimit(_configured, "process")
    stored = read_setting(LIMIT_SETTING)
    if stored:
        try:
            return CacheLimit(max(0, int(stored)), "settings")
        except ValueError:
            log.warning("the image cache limit in the settings (%r) is no number of bytes; "
                        "the default applies", stored)
    return CacheLimit(DEFAULT_LIMIT, "default")

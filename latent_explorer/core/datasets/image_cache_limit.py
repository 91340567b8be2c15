"""How much disk the image cache may take: its size limit, and sizes written for people.

The limit comes, first found first, from the environment variable
``LATENT_EXPLORER_CACHE_LIMIT``, from the value the window set in this process
(:func:`set_image_cache_limit`), from the app's settings file (``cache/image_limit``, set in
the window or by ``latent-explorer cache --limit``), else :data:`DEFAULT_LIMIT`.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass

from latent_explorer.core.errors import SpecError
from latent_explorer.core.settings_file import read_setting

log = logging.getLogger(__name__)

DEFAULT_LIMIT = 10 << 30
"""10 GiB: about 13,000 photos at 512x512, or 54,000 at 256x256."""
LIMIT_ENV = "LATENT_EXPLORER_CACHE_LIMIT"
LIMIT_SETTING = "cache/image_limit"
"""The key of the limit (in bytes) in the app's settings file."""

SIZE_HELP = "a size in bytes or with a unit: 500M, 10G, 2.5GiB, 800MB (K, M, G, T are 1024-based)"

_UNITS = {"": 1, "b": 1, "k": 1 << 10, "kib": 1 << 10, "kb": 10**3, "m": 1 << 20,
          "mib": 1 << 20, "mb": 10**6, "g": 1 << 30, "gib": 1 << 30, "gb": 10**9,
          "t": 1 << 40, "tib": 1 << 40, "tb": 10**12}
_SIZE = re.compile(r"^\s*(?P<number>[0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*(?P<unit>[a-zA-Z]*)\s*$")

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


def parse_size(text: str) -> int:
    """Bytes for ``text`` such as ``10G``, ``500 MB``, ``2.5GiB`` or ``1048576``.

    Raises
    ------
    ValueError
        When ``text`` is no size (the message says what is taken).
    """
    match = _SIZE.match(text)
    unit = match["unit"].lower() if match else ""
    if match is None or unit not in _UNITS:
        raise ValueError(f"{text!r} is not a size: give {SIZE_HELP}")
    return int(float(match["number"]) * _UNITS[unit])


def format_size(size: int) -> str:
    """``size`` bytes for people: ``812 bytes``, ``3.4 MiB``, ``10.0 GiB``."""
    if size < 1024:
        return f"{size} byte{'s' if size != 1 else ''}"
    value = float(size)
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        value /= 1024
        if value < 1024 or unit == "TiB":
            break
    return f"{value:.1f} {unit}"


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

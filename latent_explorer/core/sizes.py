"""Sizes in bytes, read from people (``500M``, ``2.5GiB``) and written for them (``3.4 MiB``)."""

from __future__ import annotations

import re

SIZE_HELP = "a size in bytes or with a unit: 500M, 10G, 2.5GiB, 800MB (K, M, G, T are 1024-based)"
LARGEST = 1 << 60
"""1 EiB: no disk or memory holds more; a larger number is a typing slip (and overflows the
64-bit integers that settings and file systems keep sizes in)."""

_UNITS = {"": 1, "b": 1, "k": 1 << 10, "kib": 1 << 10, "kb": 10**3, "m": 1 << 20,
          "mib": 1 << 20, "mb": 10**6, "g": 1 << 30, "gib": 1 << 30, "gb": 10**9,
          "t": 1 << 40, "tib": 1 << 40, "tb": 10**12}
_SIZE = re.compile(r"^\s*(?P<number>[0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*(?P<unit>[a-zA-Z]*)\s*$")


def parse_size(text: str) -> int:
    """Bytes for ``text`` such as ``10G``, ``500 MB``, ``2.5GiB`` or ``1048576``.

    Raises
    ------
    ValueError
        When ``text`` is no size, or more than :data:`LARGEST` (the message says what is
        taken).
    """
    match = _SIZE.match(text)
    unit = match["unit"].lower() if match else ""
    if match is None or unit not in _UNITS:
        raise ValueError(f"{text!r} is not a size: give {SIZE_HELP}")
    number = float(match["number"])  # at most ~1e308 digits' worth: inf for longer ones
    if not number * _UNITS[unit] <= LARGEST:
        raise ValueError(f"{text!r} is more than {format_size(LARGEST)}, more than any disk "
                         "holds")
    return int(number * _UNITS[unit])


def format_size(size: int) -> str:
    """``size`` bytes for people: ``812 bytes``, ``3.4 MiB``, ``10.0 GiB``."""
    if size < 1024:
        return f"{size} byte{'s' if size != 1 else ''}"
    value = float(size)
    for unit in ("KiB", "MiB", "GiB", "TiB", "PiB", "EiB"):
        value /= 1024
        if value < 1024 or unit == "EiB":
            break
    return f"{value:.1f} {unit}"

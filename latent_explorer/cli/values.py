"""Argument types that refuse a bad value while the command line is read, before any work.

Each factory returns a function for ``add_argument(type=...)``: it turns the text into the
number, or raises :class:`argparse.ArgumentTypeError` with what is accepted, which the parser
prints as one line naming the option (exit status 2).
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable

SEED_MAX = 2**32 - 1
"""numpy's and torch's seeds both take 0 .. 2**32 - 1 on every platform."""


def whole(low: int, high: int | None = None, what: str = "") -> Callable[[str], int]:
    """A whole number from ``low`` to ``high`` (no upper end when ``None``)."""
    def parse(text: str) -> int:
        try:
            value = int(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < low or (high is not None and value > high):
            span = f"from {low:,} to {high:,}" if high is not None else f"at least {low:,}"
            raise argparse.ArgumentTypeError(f"{text} is out of range: give {span}{what}")
        return value

    return parse


def number(low: float, high: float | None = None, *, above: bool = False,
           what: str = "") -> Callable[[str], float]:
    """A finite number from ``low`` (excluded when ``above``) to ``high`` (included)."""
    def parse(text: str) -> float:
        try:
            value = float(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        too_low = value <= low if above else value < low
        if not math.isfinite(value) or too_low or (high is not None and value > high):
            start = f"more than {low:g}" if above else f"at least {low:g}"
            span = f"{start} and at most {high:g}" if high is not None else start
            raise argparse.ArgumentTypeError(f"{text} is out of range: give a number {span}"
                                             f"{what}")
        return value

    return parse


seed = whole(0, SEED_MAX)
"""A random seed: 0 .. 2**32 - 1."""


MAX_WINDOW_SIDE = 16384
"""The widest and tallest window the screenshot option makes (a 16K screen); 4 bytes a pixel,
the largest takes 1 GiB."""


def window_size(text: str) -> str:
    """``--size WIDTHxHEIGHT`` for the window, each side 1 .. :data:`MAX_WINDOW_SIDE`."""
    width, sep, height = text.strip().lower().partition("x")
    if not (sep and width.isdigit() and height.isdigit()):
        raise argparse.ArgumentTypeError(f"{text!r} is not WIDTHxHEIGHT in pixels, like 1400x900")
    sides = int(width), int(height)
    if not all(1 <= side <= MAX_WINDOW_SIDE for side in sides):
        raise argparse.ArgumentTypeError(f"{text}: each side goes from 1 to {MAX_WINDOW_SIDE} "
                                         "pixels")
    return f"{sides[0]}x{sides[1]}"

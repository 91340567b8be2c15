"""Reading a latent shape as people write it: ``8``, ``"8,2,2"``, ``"8x2x2"``, ``[8, 2, 2]``.

At the bottom of ``core/models`` (it imports nothing of the app), so that the modules that
find shapes by trying a network (:mod:`.probing`) and the model cards (:mod:`.card`) both use
it without importing each other.
"""

from __future__ import annotations

from typing import Any


def parse_latent_shape(value: object) -> tuple[int, ...]:
    """Read ``8``, ``"8,2,2"``, ``"8x2x2"`` or ``[8, 2, 2]`` as a latent shape."""
    if isinstance(value, str):
        parts: list[Any] = [p for p in value.replace("x", ",").split(",") if p.strip()]
    elif isinstance(value, int):
        parts = [value]
    elif isinstance(value, list | tuple):
        parts = list(value)
    else:
        raise ValueError(f"cannot read a latent shape from {value!r}")
    shape = tuple(int(p) for p in parts)
    if not shape or min(shape) < 1:
        raise ValueError(f"a latent shape needs positive sizes, got {value!r}")
    return shape

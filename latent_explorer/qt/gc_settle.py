"""Keeping Python's full garbage collections from freezing the window."""

from __future__ import annotations

import gc

_settled = False


def settle_long_lived_objects() -> None:
    """Exempt what start-up created (torch, Qt, modules: ~200,000 objects) from garbage collection.

    Python's full collections walk every tracked object while holding the GIL; with torch and
    Qt loaded that is a 130 ms freeze of the window whenever one triggers (typically while a
    background job allocates). :func:`gc.freeze` moves the objects alive now to a permanent
    generation that collections skip. Done once, after the first dataset and model are shown.
    """
    global _settled
    if not _settled:
        _settled = True
        gc.freeze()

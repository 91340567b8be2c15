"""A ``.safetensors`` file's header, bounded before it is parsed.

The header is JSON that names every tensor; the ``safetensors`` library parses it whole, in one
call that holds Python's global lock, so a file declaring a header of 88 MB (a million tiny
tensors) froze every thread of the app, the window's too, for most of a minute. Model files
have headers of kilobytes (a few thousand tensors); one larger than :data:`MAX_HEADER_BYTES`
is refused before it is read.
"""

from __future__ import annotations

import struct
from pathlib import Path

from latent_explorer.core.errors import ModelError

MAX_HEADER_BYTES = 8 << 20
"""About 80,000 tensors: far more than any model this app opens."""


def check_header(path: Path) -> None:
    """Refuse ``path`` if its header is larger than :data:`MAX_HEADER_BYTES` (or unreadable).

    Raises
    ------
    ModelError
        Naming the file and the size its header declares.
    """
    try:
        with path.open("rb") as stream:
            head = stream.read(8)
    except OSError as exc:
        raise ModelError(path, f"cannot be read ({exc.strerror or exc})") from exc
    if len(head) < 8:
        raise ModelError(path, "is too short to be a .safetensors file")
    (size,) = struct.unpack("<Q", head)
    if size > MAX_HEADER_BYTES:
        raise ModelError(path, f"declares a header of {size:,} bytes (more than "
                               f"{MAX_HEADER_BYTES:,}): no model this app opens has so many "
                               "tensors, so it is not read")

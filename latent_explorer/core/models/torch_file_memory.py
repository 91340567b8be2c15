"""What reading a ``torch.save`` zip would unpack, from what its zip declares, checked first.

``torch.save`` stores the members of its zip uncompressed, so a checkpoint's tensors take no
more memory than the file's own bytes (and a memory-mapped load not even that). A zip member
can be deflated, though, and torch inflates it whole: a 256 KB ``.pt`` of deflated zeros
became 256 MB, a few megabytes would become gigabytes. The sizes the zip declares for its
compressed members are added up and checked against the machine's memory budget
(:mod:`latent_explorer.core.memory_budget`) before torch reads anything.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from latent_explorer.core.errors import ModelError
from latent_explorer.core.memory_budget import check_memory


def compressed_bytes(path: Path) -> tuple[int, int]:
    """(members, bytes once unpacked) of the compressed members of the zip at ``path``;
    ``(0, 0)`` for a file that is no zip (the legacy pickle format declares its storages
    inside its own bytes)."""
    try:
        with zipfile.ZipFile(path) as archive:
            packed = [m for m in archive.infolist() if m.compress_type != zipfile.ZIP_STORED]
    except (OSError, zipfile.BadZipFile, ValueError):
        return 0, 0
    return len(packed), sum(max(0, m.file_size) for m in packed)


def check_torch_file_memory(path: Path) -> None:
    """Refuse, naming ``path``, a checkpoint whose compressed members would not fit in
    memory once torch unpacks them (before any is read)."""
    members, unpacked = compressed_bytes(path)
    if members:
        check_memory(path, unpacked, f"its {members:,} compressed member"
                                     f"{'s' if members != 1 else ''}, unpacked as its zip "
                                     "declares (torch.save never compresses them),", ModelError)

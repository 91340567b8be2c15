"""Tell a model file's kind by its first bytes, whatever its name ends with.

People rename checkpoints (``vae.pth`` -> ``vae.bak``, ``generator.pt.old``, ``model``
without an extension); the bytes still say what the file is. The Open Model dialog reads files
by content, and so do ``load_model`` and the command line, through :func:`kind_by_content`.
Only bytes are read: nothing is unpickled or run.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Literal

ContentKind = Literal["checkpoint", "json"]


def kind_by_content(path: Path) -> ContentKind | None:
    """``"checkpoint"`` for what ``torch.save`` / ``torch.jit.save`` write (a zip holding
    ``data.pkl`` or TorchScript code, or a pickle), ``"json"`` for a JSON object (a model card
    or a VAE's ``model.json``), ``None`` for anything else."""
    from latent_explorer.core.models.torchscript import is_torchscript_archive

    if is_torchscript_archive(path) or looks_like_torch_file(path):
        return "checkpoint"
    try:
        with path.open("rb") as stream:
            head = stream.read(64).lstrip()
    except OSError:
        return None
    return "json" if head.startswith(b"{") else None


def looks_like_torch_file(path: Path) -> bool:
    """Whether ``path`` starts like a ``torch.save`` file (a zip with data.pkl, or pickle 2+).

    Checked first because the unpickler reads any file starting with ``c`` as a pickle.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            return any(n.endswith("data.pkl") for n in archive.namelist())
    except (OSError, zipfile.BadZipFile):
        pass
    try:
        with path.open("rb") as stream:
            return stream.read(1) == b"\x80"  # the PROTO opcode of pickle protocol 2 and up
    except OSError:
        return False

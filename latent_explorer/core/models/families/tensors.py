"""Reading the tensors of a weights file as data: names and shapes first, values on demand.

Known model families are recognised by their tensor names and shapes. This module reads those
without running code from the file: ``.safetensors`` through its JSON header, PyTorch files
with ``torch.load(..., weights_only=True, mmap=True)`` (the values stay on disk until used).
Files larger than a family can be are not read at all.
"""

from __future__ import annotations

import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from latent_explorer.core.errors import ModelError

if TYPE_CHECKING:
    import torch

Shapes = dict[str, tuple[int, ...]]
"""Tensor name -> shape."""

TORCH_SUFFIXES = (".pt", ".pth", ".ckpt", ".bin")
WEIGHT_SUFFIXES = (".safetensors", *TORCH_SUFFIXES)


def is_weights_file(path: Path) -> bool:
    """Whether ``path`` is a file with a suffix weights are saved under."""
    return path.is_file() and path.suffix.lower() in WEIGHT_SUFFIXES


def read_shapes(path: Path, max_bytes: int) -> Shapes | None:
    """The name and shape of every tensor in ``path``, or ``None`` if it holds no flat dict.

    Nothing is read from a file larger than ``max_bytes`` (``None`` is returned), so looking
    at a multi-gigabyte checkpoint costs nothing. Never raises for unreadable files.
    """
    try:
        if path.stat().st_size > max_bytes:
            return None
        if path.suffix.lower() == ".safetensors":
            return _safetensors_shapes(path)
        state = _torch_state(path)
    except Exception:  # any unreadable file is simply "not this family"
        return None
    if state is None:
        return None
    return {k: tuple(int(n) for n in v.shape) for k, v in state.items()}


def read_state(path: Path) -> dict[str, torch.Tensor]:
    """Every tensor of the weights file ``path`` on the CPU (safetensors, or a weights-only
    ``torch.save`` of a flat dict).

    Raises
    ------
    ModelError
        Naming the file, if it cannot be read or holds something else than named tensors.
    """
    try:
        if path.suffix.lower() == ".safetensors":
            from safetensors.torch import load_file

            return dict(load_file(str(path), device="cpu"))
        state = _torch_state(path)
    except ModelError:
        raise
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelError(path, f"cannot be read as weights: {first}") from exc
    if state is None:
        raise ModelError(path, "holds no named tensors (a state_dict)")
    return state


def _safetensors_shapes(path: Path) -> Shapes:
    from safetensors import safe_open

    from latent_explorer.core.models.safetensors_header import check_header

    check_header(path)  # parsing holds the global lock: a huge header would freeze the app

    shapes: Shapes = {}
    with safe_open(str(path), framework="pt") as handle:
        for key in handle.keys():  # noqa: SIM118 - safe_open is no mapping
            shapes[key] = tuple(int(n) for n in handle.get_slice(key).get_shape())
    return shapes


def _torch_state(path: Path) -> dict[str, torch.Tensor] | None:
    """A weights-only load of a flat ``{name: tensor}`` dict, memory-mapped when possible."""
    import torch

    if _is_torchscript(path):
        return None
    with path.open("rb") as stream:
        head = stream.read(4)
    zipped = head.startswith(b"PK")
    if not zipped and not head.startswith(b"\x80"):
        return None  # neither a torch zip nor a pickle: the unpickler would misread it
    from latent_explorer.core.models.torch_file_memory import check_torch_file_memory

    check_torch_file_memory(path)  # a deflated member would be inflated whole
    data: Any = torch.load(path, map_location="cpu", weights_only=True, mmap=zipped)
    if isinstance(data, Mapping) and "state_dict" in data and isinstance(
            data["state_dict"], Mapping):
        data = data["state_dict"]
    if not isinstance(data, Mapping) or not data:
        return None
    if not all(isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in data.items()):
        return None
    return dict(data)


def _is_torchscript(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (OSError, zipfile.BadZipFile):
        return False
    return any(n.endswith("/constants.pkl") or "/code/" in n for n in names)

"""Content hashes of model weights and files, for :meth:`TorchModel.fingerprint`."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol


class Digest(Protocol):
    """What ``hashlib`` digests offer and these helpers need."""

    def update(self, data: bytes, /) -> None: ...


def hash_state(digest: Digest, state: Mapping[str, Any]) -> None:
    """Feed every tensor's name, dtype, shape and bytes into ``digest``, in name order."""
    import torch

    for key in sorted(state):
        value = state[key]
        digest.update(key.encode())
        if isinstance(value, torch.Tensor):
            tensor = value.detach().to("cpu").contiguous()
            digest.update(f"{tensor.dtype}{tuple(tensor.shape)}".encode())
            digest.update(tensor.reshape(-1).view(torch.uint8).numpy().tobytes())
        else:
            digest.update(repr(value).encode())


def hash_file(digest: Digest, path: Path) -> None:
    """Feed the bytes of ``path`` into ``digest``, a megabyte at a time."""
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)

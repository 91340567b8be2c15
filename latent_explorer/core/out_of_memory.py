"""Telling the user, in one line, that something needed more memory than there was.

numpy raises :class:`MemoryError` ("Unable to allocate 596. GiB for an array with shape
..."), PyTorch's CPU allocator a :class:`RuntimeError` ("DefaultCPUAllocator: can't allocate
memory: you tried to allocate 102400000000 bytes"). Both become one sentence that says how
much was asked for, when the error says it.
"""

from __future__ import annotations

import re

from latent_explorer.core.sizes import format_size

_TORCH = re.compile(r"can't allocate memory: you tried to allocate (\d+) bytes")
_NUMPY = re.compile(r"Unable to allocate ([\d.]+ ?[KMGTPE]?i?B)")


def out_of_memory(exc: BaseException) -> bool:
    """Whether ``exc`` says an allocation failed (numpy's, torch's or Python's own)."""
    if isinstance(exc, MemoryError):
        return True
    return isinstance(exc, RuntimeError) and _TORCH.search(str(exc)) is not None


def out_of_memory_message(exc: BaseException) -> str:
    """``not enough memory: it asked for 596 GiB at once`` (or without the amount)."""
    text = str(exc)
    torch_size = _TORCH.search(text)
    numpy_size = _NUMPY.search(text)
    if torch_size:
        amount = f": it asked for {format_size(int(torch_size.group(1)))} at once"
    elif numpy_size:
        amount = f": it asked for {numpy_size.group(1).replace('. ', ' ')} at once"
    else:
        amount = ""
    return (f"not enough memory{amount}. Choose smaller sizes or fewer items, or close other "
            "programs")

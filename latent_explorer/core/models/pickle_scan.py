"""Read what a pickle states (the classes it names, a latent size) as opcodes, unpickling nothing.

A whole pickled module runs code when it is unpickled, so before the user trusts it, the Open
Model dialog reads its opcodes as data: the classes it would import, and a ``latent_dim``-like
attribute or key followed by a whole number.
"""

from __future__ import annotations

import pickletools
import zipfile
from pathlib import Path

from latent_explorer.core.models.probing import DIM_NAMES

__all__ = ["pickled_classes", "pickled_latent_shape"]


def pickled_classes(path: Path, limit: int = 20) -> list[str]:
    """Classes (``module.Name``) a torch pickle names, read as opcodes (nothing is unpickled)."""
    data = _pickle_bytes(path)
    found: list[str] = []
    strings: list[str] = []
    try:
        for opcode, arg, _ in pickletools.genops(data):
            if isinstance(arg, str):
                strings.append(arg)
            qualname = None
            if opcode.name == "GLOBAL" and isinstance(arg, str):
                qualname = arg.replace(" ", ".")
            elif opcode.name == "STACK_GLOBAL" and len(strings) >= 2:
                qualname = f"{strings[-2]}.{strings[-1]}"
            if qualname and not qualname.startswith(("torch", "collections", "__builtin__",
                                                     "builtins", "_codecs")):  # fmt: skip
                if qualname not in found:
                    found.append(qualname)
                if len(found) >= limit:
                    break
    except Exception:  # a legacy file goes on after the pickle; what was read is enough
        pass
    return found


_INT_OPCODES = ("BININT", "BININT1", "BININT2", "LONG1", "INT", "LONG")
_MEMO_OPCODES = ("BINPUT", "LONG_BINPUT", "MEMOIZE", "PUT")


def pickled_latent_shape(path: Path) -> tuple[int, ...] | None:
    """A ``latent_dim``-like key or attribute stated in a pickle, read as opcodes (nothing is
    unpickled): the key's string followed by a whole number."""
    data = _pickle_bytes(path)
    waiting = False
    try:
        for opcode, arg, _ in pickletools.genops(data):
            if opcode.name in _MEMO_OPCODES:
                continue
            if waiting and opcode.name in _INT_OPCODES and isinstance(arg, int) and arg > 0:
                return (arg,)
            waiting = isinstance(arg, str) and arg in DIM_NAMES
    except Exception:  # a legacy file goes on after the pickle; what was read is enough
        pass
    return None


def _pickle_bytes(path: Path) -> bytes:
    try:
        with zipfile.ZipFile(path) as archive:
            name = next((n for n in archive.namelist() if n.endswith("data.pkl")), None)
            return archive.read(name) if name else b""
    except (OSError, zipfile.BadZipFile):
        try:
            return path.read_bytes()
        except OSError:
            return b""

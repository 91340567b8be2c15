"""What a TorchScript archive says about itself, read as data: nothing is loaded or run.

A TorchScript archive is a program: ``torch.jit.load`` compiles the code in its ``code/``
folder and runs it (a class's ``__setstate__`` runs during the load, and TorchScript can map
any file read-write with ``torch.from_file``). So it is told apart by the names in its zip, and
what it states is read without loading it: the methods from the text of its code, and the
module's convention attributes (``latent_shape``, ``output_range`` ...) from ``data.pkl``
with a restricted unpickler that names each global it allows and reads no tensor.
"""

from __future__ import annotations

import io
import pickle
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ATTRIBUTES = ("latent_shape", "output_range", "output_index", "num_classes", "image_shape")
"""The convention attributes a scripted module may carry."""
MAX_PICKLE_BYTES = 16 << 20
"""A ``data.pkl`` larger than this is not read (the attributes then stay unknown)."""
MAX_CODE_BYTES = 4 << 20


def is_torchscript_archive(path: Path) -> bool:
    """Whether ``path`` is a zip holding TorchScript code (not a plain ``torch.save`` file),
    told from its members' names alone."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (OSError, zipfile.BadZipFile, ValueError):
        return False
    return any(_is_code_name(name) for name in names)


def _is_code_name(name: str) -> bool:
    # torch.jit.save writes <root>/constants.pkl and <root>/code/...; torch.save writes
    # neither (its root folder is named after the file, so a file code.pt has code/data.pkl).
    parts = name.replace("\\", "/").split("/")
    return parts[-1] == "constants.pkl" or "code" in parts[1:-1]


@dataclass(frozen=True)
class TorchScriptFacts:
    """What a TorchScript archive states, read without loading it."""

    methods: frozenset[str] = frozenset()
    """The methods of its top-level module (``forward``, ``decode``, ``encode`` ...)."""
    attributes: dict[str, Any] = field(default_factory=dict)
    """Its convention attributes found (see :data:`ATTRIBUTES`), as plain values."""


def read_torchscript_facts(path: Path) -> TorchScriptFacts:
    """The top-level module's methods and convention attributes (empty where unreadable)."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = {info.filename: info for info in archive.infolist()}
            pickled = next((n for n in infos if n.split("/")[-1] == "data.pkl"), None)
            if pickled is None or infos[pickled].file_size > MAX_PICKLE_BYTES:
                return TorchScriptFacts()
            state = _read_state(archive.read(pickled))
            if state is None:
                return TorchScriptFacts()
            code_file = _code_member(pickled, state.module, infos)
            code = b""
            if code_file is not None and infos[code_file].file_size <= MAX_CODE_BYTES:
                code = archive.read(code_file)
    except (OSError, zipfile.BadZipFile, ValueError, KeyError, RuntimeError):
        return TorchScriptFacts()
    methods = _methods(code.decode("utf-8", errors="replace"), state.name)
    return TorchScriptFacts(methods, _attributes(state.state))


class _Scripted:
    """Stands for an object of a TorchScript class: keeps its name and state, runs nothing."""

    module = ""
    name = ""
    state: Any = None

    def __setstate__(self, state: Any) -> None:
        self.state = state


class _Tensor:
    """Stands for a tensor (its bytes are never read)."""


def _rebuild_tensor(*_: Any) -> _Tensor:
    return _Tensor()


def _same(value: Any) -> Any:
    return value


_ALLOWED: dict[tuple[str, str], Any] = {
    ("collections", "OrderedDict"): dict,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
    ("torch._utils", "_rebuild_qtensor"): _rebuild_tensor,
    ("torch.jit._pickle", "build_intlist"): _same,
    ("torch.jit._pickle", "build_doublelist"): _same,
    ("torch.jit._pickle", "build_boollist"): _same,
    ("torch.jit._pickle", "build_tensorlist"): _same,
    ("torch.jit._pickle", "build_complexlist"): _same,
    ("torch.jit._pickle", "restore_type_tag"): lambda value, _tag: value,
}


class _RestrictedUnpickler(pickle.Unpickler):
    """Allows the globals of :data:`_ALLOWED`, storage names, and TorchScript classes (as
    :class:`_Scripted` stand-ins); refuses any other."""

    def find_class(self, module: str, name: str) -> Any:
        if module == "__torch__" or module.startswith("__torch__."):
            return type(name, (_Scripted,), {"module": module, "name": name})
        if module == "torch" and name.endswith("Storage"):
            return name
        allowed = _ALLOWED.get((module, name))
        if allowed is None:
            raise pickle.UnpicklingError(f"{module}.{name} is not read")
        return allowed

    def persistent_load(self, pid: Any) -> None:
        return None  # a tensor's storage: never read


def _read_state(data: bytes) -> _Scripted | None:
    try:
        top = _RestrictedUnpickler(io.BytesIO(data)).load()
    except Exception:  # anything unexpected: the attributes stay unknown
        return None
    return top if isinstance(top, _Scripted) else None


def _code_member(pickled: str, module: str, infos: dict[str, Any]) -> str | None:
    """The archive member holding the source of ``module`` (``__torch__.a.b`` is
    ``code/__torch__/a/b.py``)."""
    root = pickled.rsplit("/", 1)[0] + "/" if "/" in pickled else ""
    name = f"{root}code/{module.replace('.', '/')}.py"
    return name if name in infos else None


def _methods(code: str, class_name: str) -> frozenset[str]:
    match = re.search(rf"^class {re.escape(class_name)}\(.*?(?=^class |\Z)", code,
                      flags=re.MULTILINE | re.DOTALL)
    if match is None:
        return frozenset()
    return frozenset(re.findall(r"^  def (\w+)\(", match.group(0), flags=re.MULTILINE))


def _attributes(state: Any) -> dict[str, Any]:
    if not isinstance(state, dict):
        return {}
    found: dict[str, Any] = {}
    for name in ATTRIBUTES:
        value = state.get(name)
        if isinstance(value, bool) or value is None:
            continue
        if isinstance(value, list | tuple) and all(isinstance(v, int) for v in value):
            found[name] = [int(v) for v in value]
        elif isinstance(value, int | str):
            found[name] = value
    return found

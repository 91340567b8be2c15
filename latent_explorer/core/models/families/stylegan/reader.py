"""Read a StyleGAN ``network-snapshot-*.pkl`` as data: nothing in the file is run.

NVIDIA's training code pickles ``dict(G=..., D=..., G_ema=..., augment_pipe=...,
training_set_kwargs=...)``; each network object is a call of
``torch_utils.persistence._reconstruct_persistent_obj(meta)`` whose ``meta`` carries the
source of its Python module. NVIDIA's loader runs that source; this reader never does. It is
a restricted unpickler that names each global it allows:

- the persistence hook, turned into a :class:`PersistentObject` (class name and state; the
  source is neither kept nor run);
- torch's ``_rebuild_tensor_v2`` / ``_rebuild_tensor`` / ``_rebuild_parameter`` /
  ``_rebuild_parameter_with_state`` and ``torch.storage._load_from_bytes``: tensors are kept
  as bytes and read later with ``torch.load(weights_only=True)``, only for the network built
  (see :mod:`.storages`);
- ``collections.OrderedDict``, ``builtins.set`` (files of pickle protocol 3, the default of
  the Python 3.7 that StyleGAN2-ADA used), ``dnnlib.util.EasyDict`` (a plain dict), numpy's dtypes,
  scalars and arrays in both the numpy-1 (``numpy.core``) and numpy-2 (``numpy._core``)
  spellings.

Any other global is refused with one line naming it, before anything of it is called.
Memory is bounded before reading: the file must fit in :func:`memory_cap`, and so must the
storages of the network that is built, whose declared sizes are checked before each is read.
"""

from __future__ import annotations

import collections
import io
import pickle
import pickletools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from latent_explorer.core.errors import ModelError
from latent_explorer.core.models.families.stylegan.records import PersistentObject
from latent_explorer.core.models.families.stylegan.storages import (
    LazyTensor,
    StorageError,
    load_from_bytes,
    rebuild_parameter,
    rebuild_tensor,
)

HOOK = "torch_utils.persistence._reconstruct_persistent_obj"
"""The global every network object of a snapshot is rebuilt through."""
NETWORK_KEYS = ("G_ema", "G")
"""The snapshot's keys that hold the generator, in the order they are preferred."""
HEAD_BYTES = 1 << 20
NETWORK_COPIES = 2
"""A network built from a snapshot holds its tensors twice for a moment: as read, and the
network's own copies (see :mod:`.generator`)."""
"""How much of a file is scanned to recognise a snapshot (the hook comes in the first KB)."""


def _numpy_globals() -> dict[str, Any]:
    import importlib

    import numpy as np

    try:  # numpy 2 (numpy.core is a deprecated alias there)
        multiarray = importlib.import_module("numpy._core.multiarray")
    except ImportError:  # numpy 1
        multiarray = importlib.import_module("numpy.core.multiarray")
    found: dict[str, Any] = {"numpy.ndarray": np.ndarray, "numpy.dtype": np.dtype}
    for package in ("numpy.core", "numpy._core"):  # files written with numpy 1 or 2
        found[f"{package}.multiarray.scalar"] = multiarray.scalar
        found[f"{package}.multiarray._reconstruct"] = multiarray._reconstruct
    return found


class _EasyDict(dict[str, Any]):
    """``dnnlib.util.EasyDict`` read as a plain dict (its attribute access is not needed)."""

    def __setstate__(self, state: object) -> None:
        if isinstance(state, Mapping):
            self.update(state)


def _ordered_dict(*args: Any) -> collections.OrderedDict[Any, Any]:
    if args and not (len(args) == 1 and isinstance(args[0], list | tuple)):
        raise StorageError("collections.OrderedDict is called with arguments no pickle uses")
    return collections.OrderedDict(*args)


def _persistent_object(meta: object) -> PersistentObject:
    if not isinstance(meta, Mapping) or not isinstance(meta.get("class_name"), str):
        raise StorageError("a network object is not described as NVIDIA's persistence "
                           "module describes one (type, version, class_name, state)")
    if meta.get("type") != "class":
        raise StorageError(f"a network object is of type {meta.get('type')!r}, not 'class'")
    state = meta.get("state")
    if not isinstance(state, Mapping):
        raise StorageError(f"{meta['class_name']}'s state is a {type(state).__name__}, "
                           "not a dict")
    source = meta.get("module_src")
    return PersistentObject(meta["class_name"], dict(state),
                            len(source) if isinstance(source, str) else 0)


class _SnapshotUnpickler(pickle.Unpickler):
    """The restricted unpickler: :meth:`find_class` names every global a snapshot holds."""

    def __init__(self, stream: io.BytesIO) -> None:
        super().__init__(stream)
        self.allowed: dict[str, Callable[..., Any] | type] = {
            HOOK: _persistent_object,
            "torch._utils._rebuild_tensor_v2": rebuild_tensor,
            "torch._utils._rebuild_tensor": rebuild_tensor,
            "torch._utils._rebuild_parameter": rebuild_parameter,
            "torch._utils._rebuild_parameter_with_state": rebuild_parameter,
            "torch.storage._load_from_bytes": load_from_bytes,
            "collections.OrderedDict": _ordered_dict,
            "builtins.set": set,  # protocols 2 and 3 have no opcode for a set (an empty
            "__builtin__.set": set,  # _non_persistent_buffers_set in every module)
            "dnnlib.util.EasyDict": _EasyDict,
            **_numpy_globals(),
        }

    def find_class(self, module: str, name: str) -> Any:
        found = self.allowed.get(f"{module}.{name}")
        if found is None:
            raise _RefusedError(f"names the global {module}.{name}, which a StyleGAN snapshot "
                                "never holds; nothing was run")
        return found

    def persistent_load(self, pid: Any) -> Any:
        raise _RefusedError("refers to objects outside the pickle (persistent ids), which a "
                            "StyleGAN snapshot never does; nothing was run")


class _RefusedError(Exception):
    """Raised inside the unpickler for what a snapshot never holds."""


@dataclass(frozen=True)
class Snapshot:
    """A snapshot read as data.

    Attributes
    ----------
    path
        The file.
    network
        The generator (``G_ema``, else ``G``); its tensors are :class:`LazyTensor` until
        :func:`materialise` reads them.
    key
        Which of the snapshot's keys the network came from.
    contents
        The snapshot's top-level keys and what each holds (a class name, or a type name).
    """

    path: Path
    network: PersistentObject
    key: str
    contents: Mapping[str, str]


def memory_cap() -> int:
    """The most bytes a snapshot (and, separately, the network read from it) may take: the
    share of this machine's free memory one file may take (see
    :mod:`latent_explorer.core.memory_budget`: it follows a container's or ``ulimit -v``'s
    limit, and ``LATENT_EXPLORER_MEMORY_LIMIT``)."""
    from latent_explorer.core.memory_budget import memory_budget

    return memory_budget().size


def _room(cap: int | None) -> str:
    """What may be used, for messages: the budget's description, or the size given."""
    if cap is not None:
        return f"{_gb(cap)} may be used now"
    from latent_explorer.core.memory_budget import memory_budget

    return f"{memory_budget().describe()} may be used now"


def is_snapshot(path: Path) -> bool:
    """Whether ``path`` is a pickle naming NVIDIA's persistence hook (its head is read as
    opcodes; nothing is unpickled)."""
    try:
        if not path.is_file():
            return False
        with path.open("rb") as stream:
            head = stream.read(HEAD_BYTES)
    except OSError:
        return False
    return head[:1] == b"\x80" and HOOK in pickled_globals(head)


def pickled_globals(data: bytes) -> list[str]:
    """The globals (``module.name``) a pickle names, in order, read as opcodes; a pickle cut
    short (a file's head) gives those named before the cut."""
    found: list[str] = []
    memo: dict[int, object] = {}
    stack: list[object] = []  # only the strings pushed matter (for STACK_GLOBAL)
    try:
        for opcode, arg, _ in pickletools.genops(data):
            name = opcode.name
            if name == "GLOBAL" and isinstance(arg, str):
                found.append(arg.replace(" ", "."))
            elif name == "STACK_GLOBAL" and len(stack) >= 2:
                found.append(f"{stack[-2]}.{stack[-1]}")
            if name == "MEMOIZE":
                memo[len(memo)] = stack[-1] if stack else None
            elif name in ("BINPUT", "LONG_BINPUT", "PUT") and isinstance(arg, int):
                memo[arg] = stack[-1] if stack else None
            elif name in ("BINGET", "LONG_BINGET", "GET") and isinstance(arg, int):
                stack.append(memo.get(arg))
            elif name in ("SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "UNICODE"):
                stack.append(arg)
            elif name not in ("FRAME", "PROTO"):
                stack.append(None)  # what else is pushed or popped does not matter here
            if name == "STOP":
                break
    except Exception:  # the head ends inside an opcode, or damage: what was read counts
        pass
    return found


def read_snapshot(path: Path, cap: int | None = None) -> Snapshot:
    """Read the snapshot at ``path`` as data (the generator's tensors stay unread).

    Raises
    ------
    ModelError
        Naming the file: a global a snapshot never holds (nothing is run), a file larger
        than ``cap`` (default :func:`memory_cap`), damage, or no generator in it.
    """
    limit = memory_cap() if cap is None else cap
    try:
        size = path.stat().st_size
        if size > limit:
            raise ModelError(path, f"is {_gb(size)}; reading it needs more memory than is free "
                                   f"({_room(cap)}); refused before reading it")
        data = path.read_bytes()
    except OSError as exc:
        raise ModelError(path, f"cannot be read: {exc.strerror or exc}") from None
    try:
        top = _SnapshotUnpickler(io.BytesIO(data)).load()
    except _RefusedError as exc:
        raise ModelError(path, str(exc)) from None
    except StorageError as exc:
        raise ModelError(path, f"is a damaged StyleGAN snapshot: {exc}") from None
    except RecursionError:
        raise ModelError(path, "is nested too deeply to be a StyleGAN snapshot") from None
    except Exception as exc:  # truncation, damage: the pickle module raises many kinds
        raise ModelError(path, f"cannot be read as a StyleGAN snapshot ({_first_line(exc)})"
                         ) from None
    if isinstance(top, PersistentObject):  # a pickle of the generator alone
        return Snapshot(path, top, "", {"": top.class_name})
    if not isinstance(top, Mapping):
        raise ModelError(path, f"holds a {type(top).__name__}, not a StyleGAN snapshot's dict")
    contents = {str(k): _kind(v) for k, v in top.items()}
    for key in NETWORK_KEYS:
        network = top.get(key)
        if isinstance(network, PersistentObject):
            return Snapshot(path, network, key, contents)
    keys = ", ".join(contents) or "nothing"
    raise ModelError(path, f"holds no generator (G_ema or G); it holds {keys}")


def _kind(value: object) -> str:
    if isinstance(value, PersistentObject):
        return value.class_name
    return "dict" if isinstance(value, dict) else type(value).__name__


def materialise(snapshot: Snapshot, cap: int | None = None) -> PersistentObject:
    """The snapshot's network with its tensors read (on the CPU).

    The storages' sizes are added up and checked against ``cap`` (default
    :func:`memory_cap`) before any is read, and each storage's declared sizes are checked
    against its bytes. Raises :class:`ModelError` naming the file.
    """
    limit = memory_cap() if cap is None else cap
    storages = {id(t.storage): t.storage for t in _lazy_tensors(snapshot.network)}
    total = sum(s.size for s in storages.values())
    # The tensors read, and the network's own copies of them (it never shares their storage).
    if NETWORK_COPIES * total > limit:
        raise ModelError(snapshot.path, f"its {snapshot.key or 'network'} holds "
                         f"{_gb(total)} of tensors, {_gb(NETWORK_COPIES * total)} once the "
                         f"network is built; more than the memory free ({_room(cap)})")
    try:
        return _with_tensors(snapshot.network)
    except StorageError as exc:
        raise ModelError(snapshot.path, f"is a damaged StyleGAN snapshot: {exc}") from None


def _lazy_tensors(record: PersistentObject) -> list[LazyTensor]:
    found = [v for group in ("_parameters", "_buffers")
             for v in (record.state.get(group) or {}).values() if isinstance(v, LazyTensor)]
    for child in record.children.values():
        found.extend(_lazy_tensors(child))
    return found


def _with_tensors(record: PersistentObject) -> PersistentObject:
    state = dict(record.state)
    for group in ("_parameters", "_buffers"):
        values = state.get(group)
        if isinstance(values, Mapping):
            state[group] = {k: (v.load() if isinstance(v, LazyTensor) else v)
                            for k, v in values.items()}  # fmt: skip
    modules = state.get("_modules")
    if isinstance(modules, Mapping):
        state["_modules"] = {k: (_with_tensors(v) if isinstance(v, PersistentObject) else v)
                             for k, v in modules.items()}  # fmt: skip
    return PersistentObject(record.class_name, state, record.source_chars)


def _gb(size: int) -> str:
    return f"{size / (1 << 30):.1f} GB" if size >= 1 << 28 else f"{size / (1 << 20):.0f} MB"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__

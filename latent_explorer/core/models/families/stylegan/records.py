"""What a StyleGAN snapshot holds, as plain data: one record per persistent network object.

NVIDIA's training code saves every network object through its ``persistence`` module: the
pickle calls ``torch_utils.persistence._reconstruct_persistent_obj(meta)`` with ``meta`` =
``{type, version, module_src, class_name, state}``. The loader of that code base runs
``module_src``; this app never does. A :class:`PersistentObject` keeps what such a call
carries, minus the source: the class name and the object's ``state`` (its ``__dict__``: for a
``torch.nn.Module`` the ``_parameters``, ``_buffers`` and ``_modules`` dicts, the network's own
attributes such as ``resolution`` or ``conv_clamp``, and ``_init_args`` / ``_init_kwargs``, the
arguments its constructor was called with).

The networks in this package are built from these records alone.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch


@dataclass(frozen=True)
class PersistentObject:
    """One network object of a snapshot, as data.

    Attributes
    ----------
    class_name
        The class the object was an instance of (``"SynthesisLayer"`` ...).
    state
        The object's ``__dict__`` as pickled: ``_parameters`` and ``_buffers`` map names to
        CPU tensors (or ``None``), ``_modules`` maps names to :class:`PersistentObject` (or
        ``None``); the rest are the object's own attributes.
    source_chars
        How many characters of Python source the snapshot embedded for the object's module
        (kept only to describe the file; the source itself is never kept nor run).
    """

    class_name: str
    state: Mapping[str, Any]
    source_chars: int = field(default=0, compare=False)

    @property
    def parameters(self) -> Mapping[str, torch.Tensor]:
        """The object's own parameters (not its children's), name -> tensor."""
        return {k: v for k, v in (self.state.get("_parameters") or {}).items() if v is not None}

    @property
    def buffers(self) -> Mapping[str, torch.Tensor]:
        """The object's own buffers (``w_avg``, ``resample_filter`` ...), name -> tensor."""
        return {k: v for k, v in (self.state.get("_buffers") or {}).items() if v is not None}

    @property
    def children(self) -> Mapping[str, PersistentObject]:
        """The object's sub-networks, name -> record, in their stored order."""
        return {k: v for k, v in (self.state.get("_modules") or {}).items()
                if isinstance(v, PersistentObject)}  # fmt: skip

    @property
    def init_kwargs(self) -> Mapping[str, Any]:
        """The keyword arguments the object's constructor was called with."""
        return self.state.get("_init_kwargs") or {}

    @property
    def init_args(self) -> tuple[Any, ...]:
        """The positional arguments the object's constructor was called with."""
        return tuple(self.state.get("_init_args") or ())

    def attr(self, name: str, default: Any = None) -> Any:
        """A plain attribute of the object (``resolution``, ``conv_clamp`` ...)."""
        return self.state.get(name, default)

    def child(self, name: str) -> PersistentObject:
        """The sub-network ``name``.

        Raises
        ------
        KeyError
            If the object has no such sub-network.
        """
        found = self.children.get(name)
        if found is None:
            raise KeyError(f"{self.class_name} has no sub-network {name!r}")
        return found

    def tensors(self, prefix: str = "") -> Iterator[tuple[str, torch.Tensor]]:
        """Every parameter and buffer below this object, keyed by its dotted module path
        (``synthesis.b8.conv0.weight``), as ``state_dict`` would name them."""
        for name, tensor in {**self.parameters, **self.buffers}.items():
            yield prefix + name, tensor
        for name, child in self.children.items():
            yield from child.tensors(f"{prefix}{name}.")

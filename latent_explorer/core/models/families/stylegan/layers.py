"""Reading a network's facts off its record, and the fully connected layer every StyleGAN
network is built with (the mapping network's layers, the affine "A" of each synthesis layer).

Networks are built from the attributes the snapshot stores (``weight_gain``, ``conv_clamp``
...) rather than from what their constructor would have derived, so a file trained with other
settings is read as it is. Anything missing or of the wrong kind raises ``ValueError`` naming
the class and the attribute.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from torch import nn

from latent_explorer.core.models.families.stylegan.ops import bias_act, check_activation
from latent_explorer.core.models.families.stylegan.records import PersistentObject

if TYPE_CHECKING:
    import torch


def tensor(record: PersistentObject, name: str, ndim: int | None = None) -> torch.Tensor:
    """The parameter or buffer ``name`` of ``record`` (float32), checked for ``ndim``."""
    found = record.parameters.get(name)
    if found is None:
        found = record.buffers.get(name)
    if found is None:
        raise ValueError(f"{record.class_name} has no tensor {name!r}")
    if ndim is not None and found.ndim != ndim:
        raise ValueError(f"{record.class_name}.{name} has shape {tuple(found.shape)}, not "
                         f"{ndim} axes")
    return _own_copy(found)


def _own_copy(found: torch.Tensor) -> torch.Tensor:
    """A float32 copy: the network never shares storage with the record it was built from."""
    import torch

    return found.detach().to(torch.float32, copy=True)


def optional_tensor(record: PersistentObject, name: str) -> torch.Tensor | None:
    """The parameter or buffer ``name`` (float32), or ``None`` where it is absent or None."""
    found = record.parameters.get(name)
    if found is None:
        found = record.buffers.get(name)
    return None if found is None else _own_copy(found)


def whole(record: PersistentObject, name: str, default: int | None = None) -> int:
    """The whole-number attribute ``name`` (numpy integers too)."""
    value = record.attr(name, record.init_kwargs.get(name, default))
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"{record.class_name}.{name} is {value!r}, not a whole number"
                         ) from None
    if number != value and not isinstance(value, bool):
        raise ValueError(f"{record.class_name}.{name} is {value!r}, not a whole number")
    return number


def real(record: PersistentObject, name: str, default: float | None = None) -> float | None:
    """The number attribute ``name`` as a float (``None`` stays ``None``)."""
    value = record.attr(name, record.init_kwargs.get(name, default))
    if value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{record.class_name}.{name} is {value!r}, not a number") from None


class FullyConnectedLayer(nn.Module):
    """``activation(x @ (weight * weight_gain).T + bias * bias_gain)``: the gains are how the
    learning-rate multiplier (equalized learning rate) is stored; they are folded into the
    weights once, as each forward pass of the original would compute them."""

    def __init__(self, weight: torch.Tensor, bias: torch.Tensor | None, activation: str) -> None:
        super().__init__()
        self.activation = check_activation(activation)
        self.weight: torch.Tensor
        self.bias: torch.Tensor | None
        self.register_buffer("weight", weight)
        self.register_buffer("bias", bias)

    @property
    def in_features(self) -> int:
        """Inputs per sample."""
        return int(self.weight.shape[1])

    @property
    def out_features(self) -> int:
        """Outputs per sample."""
        return int(self.weight.shape[0])

    @classmethod
    def from_record(cls, record: PersistentObject) -> FullyConnectedLayer:
        """The layer a ``FullyConnectedLayer`` record describes."""
        weight = tensor(record, "weight", ndim=2)
        lr = real(record, "lr_multiplier", 1.0) or 1.0
        weight_gain = real(record, "weight_gain", lr / math.sqrt(weight.shape[1]))
        bias_gain = real(record, "bias_gain", lr)
        bias = optional_tensor(record, "bias")
        if bias is not None and bias.shape != (weight.shape[0],):
            raise ValueError(f"{record.class_name}.bias has shape {tuple(bias.shape)} for "
                             f"{weight.shape[0]} outputs")
        assert weight_gain is not None and bias_gain is not None
        activation = record.attr("activation", record.init_kwargs.get("activation", "linear"))
        return cls(weight * weight_gain, None if bias is None else bias * bias_gain,
                   activation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        import torch

        if self.activation == "linear" and self.bias is not None:
            return torch.addmm(self.bias.unsqueeze(0), x, self.weight.t())
        return bias_act(x.matmul(self.weight.t()), self.bias, self.activation)

    def extra_repr(self) -> str:
        return f"{self.in_features} -> {self.out_features}, {self.activation}"


def children_named(record: PersistentObject, prefix: str) -> list[PersistentObject]:
    """``record``'s children ``prefix0``, ``prefix1`` ... in order."""
    found: list[PersistentObject] = []
    while (child := record.children.get(f"{prefix}{len(found)}")) is not None:
        found.append(child)
    return found


def as_number(value: Any) -> Any:
    """numpy scalars as Python numbers (other values unchanged)."""
    item = getattr(value, "item", None)
    return item() if callable(item) and getattr(value, "ndim", 1) == 0 else value

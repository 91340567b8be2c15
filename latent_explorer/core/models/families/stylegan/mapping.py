"""The mapping network of StyleGAN2 and StyleGAN3: ``z`` (and a class label) to ``w``.

As both papers describe it: ``z`` is normalised to unit mean square; a conditional network
embeds its one-hot class ``c`` with a fully connected layer, normalises that too and appends it
to ``z``; a stack of fully connected layers with leaky ReLU (and the learning-rate multiplier,
stored as each layer's gains) makes ``w``, which is broadcast to the ``num_ws`` inputs of the
synthesis network. Truncation moves ``w`` toward the running average ``w_avg`` the file
stores: ``w_avg + psi * (w - w_avg)``, for the first ``truncation_cutoff`` of the ``num_ws``
(all when ``None``).

The two generations store the same kind of record (``MappingNetwork`` with ``fc0`` ...
``fc{n-1}``, an optional ``embed`` and the ``w_avg`` buffer); StyleGAN3 keeps ``embed = None``
as a plain attribute when the network has no classes.
"""

from __future__ import annotations

import itertools

import torch
from torch import nn

from latent_explorer.core.models.families.stylegan.layers import (
    FullyConnectedLayer,
    children_named,
    tensor,
    whole,
)
from latent_explorer.core.models.families.stylegan.ops import normalize_2nd_moment
from latent_explorer.core.models.families.stylegan.records import PersistentObject


class MappingNetwork(nn.Module):
    """``z`` (N, z_dim) and ``c`` (N, c_dim) to ``ws`` (N, num_ws, w_dim)."""

    def __init__(self, z_dim: int, c_dim: int, w_dim: int, num_ws: int,
                 layers: list[FullyConnectedLayer], embed: FullyConnectedLayer | None,
                 w_avg: torch.Tensor) -> None:
        super().__init__()
        self.z_dim, self.c_dim, self.w_dim, self.num_ws = z_dim, c_dim, w_dim, num_ws
        self.embed = embed
        self.layers = nn.ModuleList(layers)
        self.w_avg: torch.Tensor
        self.register_buffer("w_avg", w_avg)

    @classmethod
    def from_record(cls, record: PersistentObject) -> MappingNetwork:
        """The network a ``MappingNetwork`` record describes (StyleGAN2 or StyleGAN3).

        Raises ``ValueError`` naming what does not fit.
        """
        z_dim, c_dim = whole(record, "z_dim"), whole(record, "c_dim", 0)
        w_dim, num_ws = whole(record, "w_dim"), whole(record, "num_ws")
        layers = [FullyConnectedLayer.from_record(r) for r in children_named(record, "fc")]
        if not layers:
            raise ValueError(f"{record.class_name} has no fully connected layers (fc0 ...)")
        stated = record.attr("num_layers")
        if stated is not None and int(stated) != len(layers):
            raise ValueError(f"{record.class_name} states {stated} layers but holds "
                             f"{len(layers)}")
        embed_record = record.children.get("embed")
        embed = FullyConnectedLayer.from_record(embed_record) if embed_record else None
        if c_dim and embed is None:
            raise ValueError(f"{record.class_name} takes {c_dim} classes but has no embed layer")
        features = (z_dim if z_dim else 0) + (embed.out_features if embed is not None else 0)
        if layers[0].in_features != features:
            raise ValueError(f"{record.class_name}.fc0 takes {layers[0].in_features} values, "
                             f"not z ({z_dim}) and the class embedding")
        if layers[-1].out_features != w_dim:
            raise ValueError(f"{record.class_name}'s last layer gives "
                             f"{layers[-1].out_features} values, not w_dim {w_dim}")
        for before, after in itertools.pairwise(layers):
            if before.out_features != after.in_features:
                raise ValueError(f"{record.class_name}'s layers do not fit one another "
                                 f"({before.out_features} -> {after.in_features})")
        w_avg = tensor(record, "w_avg", ndim=1)
        if w_avg.shape != (w_dim,):
            raise ValueError(f"{record.class_name}.w_avg has {w_avg.shape[0]} values, not "
                             f"{w_dim}")
        return cls(z_dim, c_dim, w_dim, num_ws, layers, embed, w_avg)

    def forward(self, z: torch.Tensor, c: torch.Tensor | None = None,
                truncation_psi: float = 1.0, truncation_cutoff: int | None = None
                ) -> torch.Tensor:
        parts = []
        if self.z_dim:
            parts.append(normalize_2nd_moment(z.float()))
        if self.c_dim:
            if c is None:
                raise ValueError(f"this network takes a class label (one-hot, {self.c_dim} "
                                 "values)")
            assert self.embed is not None
            parts.append(normalize_2nd_moment(self.embed(c.float())))
        x = parts[0] if len(parts) == 1 else torch.cat(parts, dim=1)
        for layer in self.layers:
            x = layer(x)
        ws = x.unsqueeze(1).repeat(1, self.num_ws, 1)
        if truncation_psi != 1:
            return truncate(ws, self.w_avg, truncation_psi, truncation_cutoff)
        return ws

    def extra_repr(self) -> str:
        return (f"z_dim={self.z_dim}, c_dim={self.c_dim}, w_dim={self.w_dim}, "
                f"num_ws={self.num_ws}")


def truncate(ws: torch.Tensor, w_avg: torch.Tensor, psi: float,
             cutoff: int | None = None) -> torch.Tensor:
    """``ws`` (N, num_ws, w_dim) moved toward ``w_avg`` by ``psi`` (1: unchanged, 0: the
    average) for its first ``cutoff`` entries (all when ``None``)."""
    if cutoff is None:
        return w_avg.lerp(ws, psi)
    out = ws.clone()
    out[:, :cutoff] = w_avg.lerp(ws[:, :cutoff], psi)
    return out


def build_mapping(record: PersistentObject) -> MappingNetwork:
    """The mapping network of a StyleGAN2 or StyleGAN3 ``MappingNetwork`` record."""
    return MappingNetwork.from_record(record)

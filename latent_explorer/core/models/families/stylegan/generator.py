"""A StyleGAN generator built from a snapshot's record: mapping network plus synthesis network.

The synthesis network is picked by what the record holds: StyleGAN2's blocks (``b4``, ``b8``
...) are built by :mod:`.sg2_synthesis`, StyleGAN3's ``input`` and ``L0_...`` layers by
``sg3_synthesis.build_sg3_synthesis`` (imported only when needed). The object keeps both
halves apart so that truncation, style mixing and per-layer edits work on ``ws``.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

import torch
from torch import nn

from latent_explorer.core.models.families.stylegan.layers import whole
from latent_explorer.core.models.families.stylegan.mapping import MappingNetwork
from latent_explorer.core.models.families.stylegan.records import PersistentObject
from latent_explorer.core.models.families.stylegan.sg2_synthesis import (
    build_sg2_synthesis,
    is_sg2_synthesis,
)

SG3_MODULE = "latent_explorer.core.models.families.stylegan.sg3_synthesis"


class UnsupportedNetworkError(ValueError):
    """The record is a StyleGAN network this version cannot build (said in one line)."""


@dataclass(frozen=True)
class Architecture:
    """Which generation a record is, in words: ``StyleGAN2``, ``StyleGAN3-T``, ``StyleGAN3-R``."""

    generation: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.generation} ({self.detail})" if self.detail else self.generation


def architecture(record: PersistentObject) -> Architecture:
    """The generation of the generator ``record`` (read from its synthesis network's layout).

    Raises ``ValueError`` when the record is no StyleGAN generator.
    """
    synthesis = record.children.get("synthesis")
    if synthesis is None or "mapping" not in record.children:
        raise ValueError(f"the network is a {record.class_name} without a mapping and a "
                         "synthesis network, not a StyleGAN generator")
    if is_sg2_synthesis(synthesis):
        blocks = [c for n, c in synthesis.children.items() if n.startswith("b")]
        kind = str(blocks[-1].attr("architecture", "skip")) if blocks else "skip"
        return Architecture("StyleGAN2", f"{kind} architecture")
    if "input" in synthesis.children:
        layers = [c for n, c in synthesis.children.items() if n.startswith("L")]
        kernel = layers[0].attr("conv_kernel", 3) if layers else 3
        radial = any(bool(c.attr("down_radial", False)) for c in layers)
        if kernel == 1 or radial:
            return Architecture("StyleGAN3-R", "rotation equivariant")
        return Architecture("StyleGAN3-T", "translation equivariant")
    names = ", ".join(list(synthesis.children)[:4]) or "nothing"
    raise ValueError(f"its synthesis network holds {names}: neither StyleGAN2's blocks nor "
                     "StyleGAN3's layers")


class StyleGANGenerator(nn.Module):
    """``z`` (and a one-hot class) to images, through ``ws`` (N, num_ws, w_dim).

    Attributes ``z_dim``, ``c_dim``, ``w_dim``, ``num_ws``, ``img_resolution`` and
    ``img_channels`` are the file's; :attr:`mapping` and :attr:`synthesis` can be called
    apart: ``mapping(z, c, truncation_psi, truncation_cutoff) -> ws`` and
    ``synthesis(ws, noise_mode) -> images`` (N, C, H, W), values about [-1, 1].
    """

    def __init__(self, mapping: MappingNetwork, synthesis: nn.Module, img_resolution: int,
                 img_channels: int, architecture: Architecture) -> None:
        super().__init__()
        self.mapping = mapping
        self.synthesis = synthesis
        self.z_dim, self.c_dim, self.w_dim = mapping.z_dim, mapping.c_dim, mapping.w_dim
        self.num_ws = mapping.num_ws
        self.img_resolution, self.img_channels = img_resolution, img_channels
        self.architecture = architecture

    def forward(self, z: torch.Tensor, c: torch.Tensor | None = None,
                truncation_psi: float = 1.0, truncation_cutoff: int | None = None,
                noise_mode: str = "const") -> torch.Tensor:
        ws = self.mapping(z, c, truncation_psi=truncation_psi,
                          truncation_cutoff=truncation_cutoff)
        out: torch.Tensor = self.synthesis(ws, noise_mode=noise_mode)
        return out


def build_generator(record: PersistentObject) -> StyleGANGenerator:
    """The generator a snapshot's ``Generator`` record describes, filled with its tensors.

    Raises
    ------
    UnsupportedNetworkError
        For a StyleGAN3 network when this version has no StyleGAN3 synthesis network.
    ValueError, KeyError
        When the record does not hold what a StyleGAN generator holds.
    """
    kind = architecture(record)
    synthesis_record = record.child("synthesis")
    mapping = MappingNetwork.from_record(record.child("mapping"))
    synthesis: nn.Module
    if kind.generation == "StyleGAN2":
        synthesis = build_sg2_synthesis(synthesis_record)
    else:
        try:
            module = importlib.import_module(SG3_MODULE)
        except ModuleNotFoundError as exc:
            if exc.name != SG3_MODULE:
                raise
            raise UnsupportedNetworkError(
                f"it is a {kind.generation} generator, which this version of Latent Explorer "
                "cannot build yet (only StyleGAN2)") from None
        synthesis = module.build_sg3_synthesis(synthesis_record)
    resolution = whole(record, "img_resolution", whole(synthesis_record, "img_resolution"))
    channels = whole(record, "img_channels", whole(synthesis_record, "img_channels", 3))
    num_ws = getattr(synthesis, "num_ws", mapping.num_ws)
    if int(num_ws) != mapping.num_ws:
        raise ValueError(f"the mapping network makes {mapping.num_ws} ws but the synthesis "
                         f"network takes {num_ws}")
    if getattr(synthesis, "w_dim", mapping.w_dim) != mapping.w_dim:
        raise ValueError("the mapping and synthesis networks disagree on w_dim")
    return StyleGANGenerator(mapping, synthesis, resolution, channels, kind).eval()

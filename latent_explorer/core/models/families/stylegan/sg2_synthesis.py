"""The StyleGAN2 synthesis network (also StyleGAN2-ADA's): ``ws`` to an image.

From the paper ("Analyzing and Improving the Image Quality of StyleGAN", Karras et al. 2020)
and the records a snapshot stores. One block per resolution, 4x4 up to the image size:

- the first block starts from a learned constant ``const``; every other block up-samples with
  its first convolution (a transposed convolution followed by the stored FIR filter);
- each convolution is modulated by a style (an affine map of its ``w``), demodulated, gets
  per-pixel noise times the stored ``noise_strength`` (the stored ``noise_const``, fresh random
  noise, or none), a bias, leaky ReLU with the stored gain, and a clamp at ``conv_clamp``;
- to-RGB layers (1x1, modulated, not demodulated) turn features into colours. In the ``skip``
  architecture each block adds its colours to the up-sampled image of the blocks before;
  ``resnet`` blocks add a 1x1 up-sampled skip path (both halves scaled by sqrt(1/2)) and only
  the last block makes colours, as in ``orig``.

Block ``b`` uses ``num_conv + num_torgb`` consecutive entries of ``ws``, starting where the
previous block's convolutions ended (its to-RGB layer shares the next block's first ``w``).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from latent_explorer.core.models.families.stylegan.layers import (
    FullyConnectedLayer,
    optional_tensor,
    real,
    tensor,
    whole,
)
from latent_explorer.core.models.families.stylegan.ops import (
    bias_act,
    check_activation,
    conv2d_resample,
    modulated_conv2d,
    upsample2d,
)
from latent_explorer.core.models.families.stylegan.records import PersistentObject

NOISE_MODES = ("const", "random", "none")
"""Where the per-pixel noise comes from: the file's stored noise, fresh noise, or none."""
ARCHITECTURES = ("skip", "resnet", "orig")


def _clamp(record: PersistentObject) -> float | None:
    return real(record, "conv_clamp")


class SynthesisLayer(nn.Module):
    """A modulated 3x3 convolution (up-sampling by ``up``), noise, bias, activation, clamp."""

    def __init__(self, record: PersistentObject) -> None:
        super().__init__()
        self.affine = FullyConnectedLayer.from_record(record.child("affine"))
        self.weight: torch.Tensor
        self.register_buffer("weight", tensor(record, "weight", ndim=4))
        self.bias: torch.Tensor
        self.register_buffer("bias", tensor(record, "bias", ndim=1))
        self.up = whole(record, "up", 1)
        self.padding = whole(record, "padding", self.weight.shape[-1] // 2)
        self.resolution = whole(record, "resolution")
        self.activation = check_activation(record.attr("activation", "lrelu"))
        self.act_gain = real(record, "act_gain", math.sqrt(2)) or 1.0
        self.conv_clamp = _clamp(record)
        self.use_noise = bool(record.attr("use_noise", True))
        self.resample_filter: torch.Tensor | None
        self.register_buffer("resample_filter", optional_tensor(record, "resample_filter"))
        self.noise_const: torch.Tensor | None
        self.register_buffer("noise_const", optional_tensor(record, "noise_const")
                             if self.use_noise else None)
        self.noise_strength: torch.Tensor | None
        self.register_buffer("noise_strength", optional_tensor(record, "noise_strength")
                             if self.use_noise else None)
        if self.use_noise and (self.noise_const is None or self.noise_strength is None):
            raise ValueError(f"{record.class_name} uses noise but stores no noise_const or "
                             "noise_strength")
        if self.affine.out_features != self.weight.shape[1]:
            raise ValueError(f"{record.class_name}'s styles ({self.affine.out_features}) do not "
                             f"fit its {self.weight.shape[1]} input channels")
        if self.up > 1 and self.resample_filter is None:
            raise ValueError(f"{record.class_name} up-samples but stores no resample_filter")

    def forward(self, x: torch.Tensor, w: torch.Tensor, noise_mode: str = "const",
                gain: float = 1.0) -> torch.Tensor:
        styles = self.affine(w)
        noise = None
        if self.use_noise and noise_mode != "none":
            assert self.noise_strength is not None and self.noise_const is not None
            if noise_mode == "random":
                size = self.resolution
                noise = torch.randn(x.shape[0], 1, size, size, device=x.device) * \
                    self.noise_strength
            else:
                noise = self.noise_const * self.noise_strength
        x = modulated_conv2d(x, self.weight, styles, noise, self.up, self.padding,
                             self.resample_filter)
        clamp = None if self.conv_clamp is None else self.conv_clamp * gain
        return bias_act(x, self.bias, self.activation, self.act_gain * gain, clamp)


class ToRGBLayer(nn.Module):
    """A modulated (not demodulated) 1x1 convolution from features to colours."""

    def __init__(self, record: PersistentObject) -> None:
        super().__init__()
        self.affine = FullyConnectedLayer.from_record(record.child("affine"))
        weight = tensor(record, "weight", ndim=4)
        gain = real(record, "weight_gain", 1 / math.sqrt(weight.shape[1] * weight[0, 0].numel()))
        self.weight_gain = float(gain or 1.0)
        self.weight: torch.Tensor
        self.register_buffer("weight", weight)
        self.bias: torch.Tensor
        self.register_buffer("bias", tensor(record, "bias", ndim=1))
        self.conv_clamp = _clamp(record)

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        styles = self.affine(w) * self.weight_gain
        x = modulated_conv2d(x, self.weight, styles, demodulate=False)
        return bias_act(x, self.bias, clamp=self.conv_clamp)


class Conv2dLayer(nn.Module):
    """A plain convolution with up-sampling (the ``resnet`` architecture's skip path)."""

    def __init__(self, record: PersistentObject) -> None:
        super().__init__()
        weight = tensor(record, "weight", ndim=4)
        gain = real(record, "weight_gain", 1 / math.sqrt(weight.shape[1] * weight[0, 0].numel()))
        self.weight: torch.Tensor
        self.register_buffer("weight", weight * float(gain or 1.0))
        self.bias: torch.Tensor | None
        self.register_buffer("bias", optional_tensor(record, "bias"))
        self.up = whole(record, "up", 1)
        if whole(record, "down", 1) != 1:
            raise ValueError(f"{record.class_name} down-samples, which no generator does")
        self.padding = whole(record, "padding", weight.shape[-1] // 2)
        self.activation = check_activation(record.attr("activation", "linear"))
        self.act_gain = real(record, "act_gain", 1.0) or 1.0
        self.conv_clamp = _clamp(record)
        self.resample_filter: torch.Tensor | None
        self.register_buffer("resample_filter", optional_tensor(record, "resample_filter"))

    def forward(self, x: torch.Tensor, gain: float = 1.0) -> torch.Tensor:
        x = conv2d_resample(x, self.weight, self.resample_filter, self.up, self.padding)
        clamp = None if self.conv_clamp is None else self.conv_clamp * gain
        return bias_act(x, self.bias, self.activation, self.act_gain * gain, clamp)


class SynthesisBlock(nn.Module):
    """One resolution: (constant or up-sampling conv0) and conv1, maybe to-RGB and a skip."""

    def __init__(self, record: PersistentObject) -> None:
        super().__init__()
        self.in_channels = whole(record, "in_channels")
        self.architecture = str(record.attr("architecture", "skip"))
        if self.architecture not in ARCHITECTURES:
            raise ValueError(f"{record.class_name} has the architecture "
                             f"{self.architecture!r}, not one of {', '.join(ARCHITECTURES)}")
        self.is_last = bool(record.attr("is_last", False))
        self.const: torch.Tensor | None
        self.register_buffer("const", tensor(record, "const", ndim=3)
                             if self.in_channels == 0 else None)
        self.conv0 = SynthesisLayer(record.child("conv0")) if self.in_channels else None
        self.conv1 = SynthesisLayer(record.child("conv1"))
        torgb = record.children.get("torgb")
        self.torgb = ToRGBLayer(torgb) if torgb is not None else None
        skip = record.children.get("skip")
        self.skip = Conv2dLayer(skip) if skip is not None and self.in_channels else None
        if self.architecture == "resnet" and self.in_channels and self.skip is None:
            raise ValueError(f"{record.class_name} is a resnet block without its skip layer")
        self.resample_filter: torch.Tensor | None
        self.register_buffer("resample_filter", optional_tensor(record, "resample_filter"))
        self.num_conv = 1 if self.in_channels == 0 else 2
        self.num_torgb = 1 if self.torgb is not None else 0
        stated = (record.attr("num_conv"), record.attr("num_torgb"))
        if (stated[0] is not None and int(stated[0]) != self.num_conv) or (
                stated[1] is not None and int(stated[1]) != self.num_torgb):
            raise ValueError(f"{record.class_name} states {stated[0]} convolutions and "
                             f"{stated[1]} to-RGB layers but holds {self.num_conv} and "
                             f"{self.num_torgb}")

    def forward(self, x: torch.Tensor | None, img: torch.Tensor | None, ws: torch.Tensor,
                noise_mode: str) -> tuple[torch.Tensor, torch.Tensor | None]:
        w = iter(ws.unbind(dim=1))
        if self.in_channels == 0:
            assert self.const is not None
            x = self.const.unsqueeze(0).repeat(ws.shape[0], 1, 1, 1)
            x = self.conv1(x, next(w), noise_mode)
        else:
            assert x is not None and self.conv0 is not None
            if self.architecture == "resnet":
                assert self.skip is not None
                y = self.skip(x, gain=math.sqrt(0.5))
                x = self.conv0(x, next(w), noise_mode)
                x = self.conv1(x, next(w), noise_mode, gain=math.sqrt(0.5))
                x = y + x
            else:
                x = self.conv0(x, next(w), noise_mode)
                x = self.conv1(x, next(w), noise_mode)
        if img is not None:
            if self.resample_filter is None:
                raise ValueError("a block up-samples its image but stores no resample_filter")
            img = upsample2d(img, self.resample_filter)
        if self.torgb is not None:
            y = self.torgb(x, next(w)).float()
            img = y if img is None else img + y
        return x, img


class SynthesisNetwork(nn.Module):
    """The StyleGAN2 synthesis network: ``ws`` (N, num_ws, w_dim) to images (N, C, H, W)."""

    def __init__(self, record: PersistentObject) -> None:
        super().__init__()
        self.w_dim = whole(record, "w_dim")
        self.img_resolution = whole(record, "img_resolution")
        self.img_channels = whole(record, "img_channels", 3)
        resolutions = [2 ** i for i in range(2, int(math.log2(self.img_resolution)) + 1)]
        if 2 ** int(math.log2(self.img_resolution)) != self.img_resolution:
            raise ValueError(f"{record.class_name} makes {self.img_resolution} px images, "
                             "not a power of two")
        self.blocks = nn.ModuleList()
        self.block_ws: list[int] = []
        num_ws = 0
        for res in resolutions:
            block = SynthesisBlock(record.child(f"b{res}"))
            self.blocks.append(block)
            self.block_ws.append(num_ws)
            num_ws += block.num_conv
        last = self.blocks[-1]
        assert isinstance(last, SynthesisBlock)
        self.num_ws = num_ws + last.num_torgb
        stated = record.attr("num_ws")
        if stated is not None and int(stated) != self.num_ws:
            raise ValueError(f"{record.class_name} states {stated} ws but its blocks take "
                             f"{self.num_ws}")

    def forward(self, ws: torch.Tensor, noise_mode: str = "const") -> torch.Tensor:
        if noise_mode not in NOISE_MODES:
            raise ValueError(f"the noise mode is one of {', '.join(NOISE_MODES)}, not "
                             f"{noise_mode!r}")
        if ws.ndim != 3 or ws.shape[1:] != (self.num_ws, self.w_dim):
            raise ValueError(f"the synthesis network takes ws of shape (N, {self.num_ws}, "
                             f"{self.w_dim}), not {tuple(ws.shape)}")
        ws = ws.float()
        x = img = None
        for start, block in zip(self.block_ws, self.blocks, strict=True):
            assert isinstance(block, SynthesisBlock)
            take = block.num_conv + block.num_torgb
            x, img = block(x, img, ws[:, start:start + take], noise_mode)
        assert isinstance(img, torch.Tensor)
        return img

    def extra_repr(self) -> str:
        return (f"w_dim={self.w_dim}, num_ws={self.num_ws}, "
                f"img_resolution={self.img_resolution}, img_channels={self.img_channels}")


def is_sg2_synthesis(record: PersistentObject) -> bool:
    """Whether ``record`` is a StyleGAN2 synthesis network (blocks ``b4``, ``b8`` ...)."""
    return "b4" in record.children


def build_sg2_synthesis(record: PersistentObject) -> SynthesisNetwork:
    """The StyleGAN2 synthesis network a ``SynthesisNetwork`` record describes.

    Raises ``ValueError`` (or ``KeyError`` for a missing block) naming what does not fit.
    """
    return SynthesisNetwork(record)

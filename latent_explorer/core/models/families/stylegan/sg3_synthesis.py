"""The StyleGAN3 synthesis network (-T and -R), written from the paper, built from a record.

"Alias-Free Generative Adversarial Networks" (Karras et al. 2021) replaces StyleGAN2's
constant input and noise with a signal-processing view of the generator:

- the input is a set of Fourier features (sinusoids of stored frequencies and phases), sampled
  on a grid a little larger than the image; the first style ``w[0]`` rotates and translates
  them (after the stored, user-settable ``transform``), and each feature fades out as its
  frequency nears the bandwidth;
- each layer is a modulated convolution (per-sample input scaling by the style, weight
  demodulation), its input first divided by the running RMS of its activations seen in
  training (``magnitude_ema``), then a *filtered* leaky ReLU: upsample with the stored low-pass
  filter, leaky ReLU (gain sqrt 2, clamped), low-pass and downsample with the stored down
  filter (radially symmetric 2-D in StyleGAN3-R), the borders cropped or padded as stored;
- the last layer is a plain modulated 1x1 convolution to RGB (no demodulation), and the
  output is scaled by ``output_scale``.

Everything the network needs is read from the snapshot's record tree (its ``_init_kwargs``,
its attributes and its tensors); nothing of NVIDIA's code is used. The network has no noise
inputs: ``noise_mode`` is accepted and ignored.

Imported only when a StyleGAN3 network is built: this module imports torch.
"""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F  # noqa: N812 (the usual spelling)
from torch import nn

from latent_explorer.core.models.families.stylegan.records import PersistentObject
from latent_explorer.core.models.families.stylegan.sg3_filters import Downsampler, Upsampler
from latent_explorer.core.models.families.stylegan.sg3_modconv import modulated_conv2d

__all__ = ["StyleGan3Synthesis", "build_sg3_synthesis"]

_LRELU_SLOPE = 0.2
_LRELU_GAIN = math.sqrt(2)


def _usable(value: Any) -> bool:
    """Whether an attribute holds a value (not a type name standing for an array, not None)."""
    return value is not None and not (isinstance(value, str) and value.startswith("<class"))


def _setting(record: PersistentObject, name: str, default: Any = None) -> Any:
    """An attribute of ``record``, or the constructor argument of that name where the
    attribute is not a usable value."""
    value = record.attr(name)
    if _usable(value):
        return value
    value = record.init_kwargs.get(name)
    if _usable(value):
        return value
    if default is not None:
        return default
    raise ValueError(f"the {record.class_name} in the snapshot has no {name!r}")


def _size(record: PersistentObject, name: str) -> tuple[int, int]:
    """A (width, height) size, stored as an int, a pair or a numpy array."""
    value = _setting(record, name)
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        width, height = (int(v) for v in value) if len(value) == 2 else (int(value[0]),) * 2
        return width, height
    return int(value), int(value)


def _tensor(record: PersistentObject, name: str) -> torch.Tensor:
    tensors = {**record.parameters, **record.buffers}
    if name not in tensors:
        raise ValueError(f"the {record.class_name} in the snapshot has no tensor {name!r}")
    return tensors[name].detach().to(torch.float32).clone()


class Affine(nn.Module):
    """A fully connected layer with its stored weight and bias gains (learning-rate
    multipliers folded in), mapping ``w`` to styles."""

    def __init__(self, record: PersistentObject) -> None:
        super().__init__()
        self.weight = nn.Parameter(_tensor(record, "weight"), requires_grad=False)
        self.bias = nn.Parameter(_tensor(record, "bias"), requires_grad=False)
        self.weight_gain = float(_setting(record, "weight_gain",
                                          1 / math.sqrt(self.weight.shape[1])))
        self.bias_gain = float(_setting(record, "bias_gain", 1.0))

    def forward(self, w: torch.Tensor) -> torch.Tensor:
        return F.linear(w, self.weight * self.weight_gain, self.bias * self.bias_gain)


class FourierInput(nn.Module):
    """The input: Fourier features on a ``size`` grid at ``sampling_rate``, turned by ``w``."""

    def __init__(self, record: PersistentObject) -> None:
        super().__init__()
        self.affine = Affine(record.child("affine"))
        self.weight = nn.Parameter(_tensor(record, "weight"), requires_grad=False)
        self.transform: torch.Tensor
        self.freqs: torch.Tensor
        self.phases: torch.Tensor
        self.register_buffer("transform", _tensor(record, "transform"))
        self.register_buffer("freqs", _tensor(record, "freqs"))
        self.register_buffer("phases", _tensor(record, "phases"))
        self.size = _size(record, "size")
        self.sampling_rate = float(_setting(record, "sampling_rate"))
        self.bandwidth = float(_setting(record, "bandwidth"))
        self.channels = int(self.weight.shape[0])

    def forward(self, w: torch.Tensor) -> torch.Tensor:
        n = w.shape[0]
        t: torch.Tensor = self.affine(w)
        t = t / t[:, :2].norm(dim=1, keepdim=True)  # a pure rotation, and a translation
        rotate = torch.eye(3, dtype=w.dtype, device=w.device).repeat(n, 1, 1)
        rotate[:, 0, 0], rotate[:, 0, 1] = t[:, 0], -t[:, 1]
        rotate[:, 1, 0], rotate[:, 1, 1] = t[:, 1], t[:, 0]
        shift = torch.eye(3, dtype=w.dtype, device=w.device).repeat(n, 1, 1)
        shift[:, 0, 2], shift[:, 1, 2] = -t[:, 2], -t[:, 3]
        transform = rotate @ shift @ self.transform
        phases = self.phases + (self.freqs @ transform[:, :2, 2:]).squeeze(2)  # (N, C)
        freqs = self.freqs @ transform[:, :2, :2]  # (N, C, 2)
        half_rate = self.sampling_rate / 2
        amplitudes = (1 - (freqs.norm(dim=2) - self.bandwidth)
                      / (half_rate - self.bandwidth)).clamp(0, 1)
        width, height = self.size
        # Sample centres, in units of the signal: the grid spans size / sampling_rate.
        rate = self.sampling_rate
        xs = (torch.arange(width, dtype=w.dtype, device=w.device) + 0.5 - width / 2) / rate
        ys = (torch.arange(height, dtype=w.dtype, device=w.device) + 0.5 - height / 2) / rate
        arg = (xs[None, None, :, None] * freqs[:, None, None, :, 0]
               + ys[None, :, None, None] * freqs[:, None, None, :, 1]
               + phases[:, None, None, :])  # (N, H, W, C)
        x = torch.sin(arg * (2 * math.pi)) * amplitudes[:, None, None, :]
        mix: torch.Tensor = self.weight / math.sqrt(self.channels)
        out: torch.Tensor = (x @ mix.t()).permute(0, 3, 1, 2).contiguous()
        return out


class AliasFreeLayer(nn.Module):
    """One synthesis layer: modulated convolution and filtered leaky ReLU (or, for the last
    layer, the modulated 1x1 convolution to RGB).

    The parameters and buffers carry the snapshot's names (``weight``, ``affine.bias``,
    ``up_filter`` ...); what is derived from them (the normalised weight, the resampling
    kernels) is computed once, when the layer is built.
    """

    def __init__(self, record: PersistentObject) -> None:
        super().__init__()
        self.affine = Affine(record.child("affine"))
        self.weight = nn.Parameter(_tensor(record, "weight"), requires_grad=False)
        self.bias = nn.Parameter(_tensor(record, "bias"), requires_grad=False)
        self.magnitude_ema: torch.Tensor
        self.register_buffer("magnitude_ema", _tensor(record, "magnitude_ema"))
        buffers = record.buffers
        self.up_filter: torch.Tensor | None
        self.down_filter: torch.Tensor | None
        for name in ("up_filter", "down_filter"):
            tensor = buffers.get(name)
            self.register_buffer(name, None if tensor is None else _tensor(record, name))
        self.is_torgb = bool(_setting(record, "is_torgb", False))
        self.conv_kernel = int(self.weight.shape[-1])
        self.up_factor = int(_setting(record, "up_factor", 1))
        self.down_factor = int(_setting(record, "down_factor", 1))
        padding = [int(p) for p in _setting(record, "padding", [0, 0, 0, 0])]
        if len(padding) != 4:
            raise ValueError(f"the {record.class_name} in the snapshot has padding {padding}")
        self.padding = (padding[0], padding[1], padding[2], padding[3])
        self.in_channels = int(self.weight.shape[1])
        self.out_channels = int(self.weight.shape[0])
        # The leaky ReLU's gain is folded into the up filter: lrelu(g * x) = g * lrelu(x).
        up = self.up_factor
        self.upsample = Upsampler(self.up_filter, self.out_channels, up, self.padding,
                                  gain=up ** 2 * _LRELU_GAIN)
        self.downsample = Downsampler(self.down_filter, self.out_channels, self.down_factor)
        # Demodulation divides by the weight's norm, so its scale is free: unit RMS per
        # output channel keeps the arithmetic away from tiny or huge numbers.
        unit = self.weight.detach()
        if not self.is_torgb:
            unit = unit * unit.square().mean(dim=(1, 2, 3), keepdim=True).rsqrt()
        self.unit_weight: torch.Tensor
        self.weight_power: torch.Tensor
        self.register_buffer("unit_weight", unit, persistent=False)
        self.register_buffer("weight_power", unit.square().sum(dim=(2, 3)).t().contiguous(),
                             persistent=False)  # (in, out)
        clamp = record.attr("conv_clamp")
        self.conv_clamp = None if clamp is None else float(clamp)

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        styles: torch.Tensor = self.affine(w)  # (N, in_channels)
        demodulation = None
        if self.is_torgb:
            styles = styles * (1 / math.sqrt(self.in_channels * self.conv_kernel ** 2))
        else:
            styles = styles * styles.square().mean(dim=1, keepdim=True).rsqrt()
            demodulation = (styles.square() @ self.weight_power + 1e-8).rsqrt()
        # The input is first brought to unit RMS by the magnitude seen in training.
        gains = styles * self.magnitude_ema.rsqrt()
        x = modulated_conv2d(x, self.unit_weight, gains, demodulation, self.bias,
                             self.conv_kernel - 1)
        if self.is_torgb:
            return x if self.conv_clamp is None else x.clamp(-self.conv_clamp, self.conv_clamp)
        x = self.upsample(x)
        if x.requires_grad:  # (photos are fitted to W through this network)
            x = F.leaky_relu(x, _LRELU_SLOPE)
            if self.conv_clamp is not None:
                x = x.clamp(-self.conv_clamp, self.conv_clamp)
        else:  # in place: one pass less over the largest feature maps
            x = F.leaky_relu_(x, _LRELU_SLOPE)
            if self.conv_clamp is not None:
                x = x.clamp_(-self.conv_clamp, self.conv_clamp)
        out: torch.Tensor = self.downsample(x)
        return out


class StyleGan3Synthesis(nn.Module):
    """The StyleGAN3 synthesis network: ``ws`` (N, num_ws, w_dim) -> images (N, C, H, W),
    about -1..1."""

    def __init__(self, record: PersistentObject) -> None:
        super().__init__()
        children = record.children
        if "input" not in children:
            raise ValueError(f"the {record.class_name} in the snapshot has no Fourier input")
        self.input = FourierInput(children["input"])
        names = [str(n) for n in (record.attr("layer_names") or [])] or [
            n for n in children if n != "input"]
        self.layer_names = names
        self.layers = nn.ModuleList(AliasFreeLayer(children[n]) for n in names)
        self.w_dim = int(_setting(record, "w_dim", self.input.affine.weight.shape[1]))
        self.num_ws = int(_setting(record, "num_ws", len(names) + 1))
        self.img_resolution = int(_setting(record, "img_resolution"))
        self.img_channels = int(_setting(record, "img_channels", 3))
        self.output_scale = float(_setting(record, "output_scale", 1.0))
        if self.num_ws != len(names) + 1:
            raise ValueError(f"the {record.class_name} in the snapshot has {len(names)} layers "
                             f"but {self.num_ws} ws")

    def forward(self, ws: torch.Tensor, noise_mode: str = "const") -> torch.Tensor:
        """Images for ``ws`` (N, num_ws, w_dim); ``noise_mode`` is ignored (no noise)."""
        del noise_mode
        if ws.ndim != 3 or tuple(ws.shape[1:]) != (self.num_ws, self.w_dim):
            raise ValueError(f"StyleGAN3 synthesis takes ws of shape (N, {self.num_ws}, "
                             f"{self.w_dim}), not {tuple(ws.shape)}")
        ws = ws.to(torch.float32)
        x: torch.Tensor = self.input(ws[:, 0])
        for i, layer in enumerate(self.layers):
            x = layer(x, ws[:, i + 1])
        return (x * self.output_scale).contiguous()


def build_sg3_synthesis(record: PersistentObject) -> StyleGan3Synthesis:
    """The synthesis network of a StyleGAN3 snapshot (``SynthesisNetwork`` record), in eval
    mode on the CPU, float32."""
    if record.class_name != "SynthesisNetwork" or "input" not in record.children:
        raise ValueError(f"not a StyleGAN3 synthesis network: {record.class_name}")
    return StyleGan3Synthesis(record).eval()


"""The modulated convolution of StyleGAN3, on the fastest exact path a CPU offers.

A style ``s`` (one value per input channel and sample) scales the convolution's weight along
its input channels; with demodulation, each output channel's weight is then divided by its
norm, so the output keeps unit variance (StyleGAN2's weight demodulation, kept by StyleGAN3).
Mathematically, ``conv(x, w * s) * d == conv(x * s, w) * d``: the modulation can sit in the
weight (one weight per sample) or in the input (one shared weight), and the demodulation
coefficients ``d`` in the weight or on the output.

Which is faster depends on the batch and the kernel (measured on the 2-core AVX2 machines of
the project, PyTorch 2.13, one thread, CPU time):

- one sample (the explorer's usual decode): style, demodulation and bias are folded into the
  weight (a few MB), so the feature maps are read once, by the convolution alone;
- 3x3 kernels on the CPU: NNPACK's Winograd convolution (in the standard PyTorch wheels; it
  uses Winograd for a single image) takes 1.3x (36 px maps) to 3x (148 px) less time than
  oneDNN's direct convolution, with relative errors near 1e-5, far below the 1/255 of an
  8-bit image; a whole 128 px decode takes 1.55x less. A batch runs image by image with
  folded weights: 1.4x faster than one batched direct convolution (4 images at 128 px);
- otherwise (the 1x1 kernels of StyleGAN3-R in a batch, a GPU): one convolution for the whole
  batch with the shared weight, the input scaled per sample and the output by ``d``.

Imported only when a StyleGAN3 network is built: this module imports torch.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F  # noqa: N812 (the usual spelling)

# NNPACK's convolution (a private op of the standard wheels): used only where it exists and
# works, the direct convolution otherwise.
_NNPACK_CONV = getattr(torch, "_nnpack_spatial_convolution", None)
_nnpack_available = getattr(torch, "_nnpack_available", None)
_WINOGRAD = bool(_NNPACK_CONV is not None and _nnpack_available is not None
                 and _nnpack_available())


def _conv(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None,
          padding: int) -> torch.Tensor:
    """One image's convolution (zero padding on every side), by Winograd where it helps."""
    if _NNPACK_CONV is not None and _uses_winograd(x, weight) and x.shape[0] == 1:
        try:
            out: torch.Tensor = _NNPACK_CONV(x.contiguous(), weight.contiguous(), bias,
                                             [padding, padding], [1, 1])
            return out
        except RuntimeError:  # an NNPACK that refuses this shape: the direct way below
            pass
    return F.conv2d(x, weight, bias, padding=padding)


def _uses_winograd(x: torch.Tensor, weight: torch.Tensor) -> bool:
    return _WINOGRAD and x.device.type == "cpu" and weight.shape[-1] == 3


def modulated_conv2d(x: torch.Tensor, weight: torch.Tensor, styles: torch.Tensor,
                     demodulation: torch.Tensor | None, bias: torch.Tensor,
                     padding: int) -> torch.Tensor:
    """``conv(x, weight * styles) * demodulation + bias``, per sample.

    Parameters
    ----------
    x
        Feature maps (N, I, H, W), any memory format.
    weight
        (O, I, k, k), shared by the batch.
    styles
        (N, I): the modulation, input gains included.
    demodulation
        (N, O) coefficients, or ``None`` (no demodulation).
    bias
        (O,), added last.
    """
    n = x.shape[0]
    if n == 1 or _uses_winograd(x, weight):
        outs = []
        for i in range(n):  # see the module's docstring: faster than one batched call here
            folded = weight * styles[i][None, :, None, None]
            if demodulation is not None:
                folded = folded * demodulation[i][:, None, None, None]
            outs.append(_conv(x[i:i + 1], folded, bias, padding))
        return outs[0] if n == 1 else torch.cat(outs)
    y = F.conv2d(x * styles[:, :, None, None], weight, padding=padding)
    if demodulation is None:
        return y + bias[None, :, None, None]
    return torch.addcmul(bias[None, :, None, None], y, demodulation[:, :, None, None])

"""The layer schedule of a StyleGAN3 synthesis network, and such networks with random weights.

"Alias-Free Generative Adversarial Networks" (Karras et al. 2021, appendix on the network
configuration) fixes the whole synthesis network from a few numbers: 14 layers plus the
to-RGB layer, the last two critically sampled; the cutoff frequency grows geometrically from 2
to half the image resolution, the stopband from 2**2.1 to 2**0.3 above that cutoff; each
layer samples at the smallest power of two that holds twice its stopband; every feature map
carries a 10-sample margin (except the last two, at the image size); channels are
``channel_base / 2 / cutoff``, capped by ``channel_max``. Each layer's up and down filters are
Kaiser-windowed low-pass filters (``filter_size = 6`` taps per resampling factor; a radially
symmetric jinc filter for the down filters of StyleGAN3-R), and its padding is what makes the
output exactly ``out_size``.

:func:`random_synthesis_record` builds, from this schedule, the record tree that a snapshot of
such a network would give (attributes, constructor arguments, tensors; sizes as numpy arrays
as NVIDIA's code stores them), filled with random weights: networks of the real sizes (512-wide
``w``, 256 or 1024 px) for benchmarks and tests, which cannot download a trained one.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from latent_explorer.core.models.families.stylegan.records import PersistentObject

if TYPE_CHECKING:
    import torch

NUM_LAYERS = 14
NUM_CRITICAL = 2
FIRST_CUTOFF = 2.0
FIRST_STOPBAND = 2**2.1
LAST_STOPBAND_REL = 2**0.3
MARGIN_SIZE = 10
OUTPUT_SCALE = 0.25
FILTER_SIZE = 6
LRELU_UPSAMPLING = 2
CONV_CLAMP = 256


def lowpass_filter(numtaps: int, cutoff: float, width: float, fs: float,
                   radial: bool = False) -> np.ndarray | None:
    """A Kaiser-windowed low-pass FIR filter (1-D, or 2-D radially symmetric); ``None`` for a
    single tap (no filtering)."""
    import scipy.signal
    import scipy.special

    if numtaps == 1:
        return None
    if not radial:
        return np.asarray(scipy.signal.firwin(numtaps=numtaps, cutoff=cutoff, width=width,
                                              fs=fs), dtype=np.float64)
    x = (np.arange(numtaps) - (numtaps - 1) / 2) / fs
    r = np.hypot(*np.meshgrid(x, x))
    jinc = scipy.special.j1(2 * cutoff * (np.pi * r)) / (np.pi * r)
    beta = scipy.signal.kaiser_beta(scipy.signal.kaiser_atten(numtaps, width / (fs / 2)))
    window = np.kaiser(numtaps, beta)
    f = jinc * np.outer(window, window)
    return np.asarray(f / np.sum(f), dtype=np.float64)


def synthesis_layers(img_resolution: int, img_channels: int = 3, channel_base: int = 32768,
                     channel_max: int = 512, conv_kernel: int = 3,
                     use_radial_filters: bool = False) -> list[dict[str, Any]]:
    """Every layer's settings (the ``SynthesisLayer`` constructor arguments and the values it
    derives: sampling rates, filter taps and factors, padding), first the input's."""
    exponents = np.minimum(np.arange(NUM_LAYERS + 1) / (NUM_LAYERS - NUM_CRITICAL), 1)
    last_cutoff = img_resolution / 2
    last_stopband = last_cutoff * LAST_STOPBAND_REL
    cutoffs = FIRST_CUTOFF * (last_cutoff / FIRST_CUTOFF) ** exponents
    stopbands = FIRST_STOPBAND * (last_stopband / FIRST_STOPBAND) ** exponents
    rates = np.exp2(np.ceil(np.log2(np.minimum(stopbands * 2, img_resolution))))
    half_widths = np.maximum(stopbands, rates / 2) - cutoffs
    sizes = rates + MARGIN_SIZE * 2
    sizes[-2:] = img_resolution
    channels = np.rint(np.minimum((channel_base / 2) / cutoffs, channel_max))
    channels[-1] = img_channels
    layers = []
    for i in range(NUM_LAYERS + 1):
        prev = max(i - 1, 0)
        torgb = i == NUM_LAYERS
        tmp_rate = max(rates[prev], rates[i]) * (1 if torgb else LRELU_UPSAMPLING)
        up = int(np.rint(tmp_rate / rates[prev]))
        down = int(np.rint(tmp_rate / rates[i]))
        up_taps = FILTER_SIZE * up if up > 1 and not torgb else 1
        down_taps = FILTER_SIZE * down if down > 1 and not torgb else 1
        kernel = 1 if torgb else conv_kernel
        pad_total = (int(sizes[i]) - 1) * down + 1
        pad_total -= (int(sizes[prev]) + kernel - 1) * up
        pad_total += up_taps + down_taps - 2
        pad_lo = (pad_total + up) // 2
        pad_hi = pad_total - pad_lo
        layers.append({
            "is_torgb": torgb, "is_critically_sampled": i >= NUM_LAYERS - NUM_CRITICAL,
            "in_channels": int(channels[prev]), "out_channels": int(channels[i]),
            "in_size": int(sizes[prev]), "out_size": int(sizes[i]),
            "in_sampling_rate": int(rates[prev]), "out_sampling_rate": int(rates[i]),
            "tmp_sampling_rate": int(tmp_rate),
            "in_cutoff": float(cutoffs[prev]), "out_cutoff": float(cutoffs[i]),
            "in_half_width": float(half_widths[prev]), "out_half_width": float(half_widths[i]),
            "conv_kernel": kernel, "up_factor": up, "up_taps": up_taps,
            "down_factor": down, "down_taps": down_taps,
            "down_radial": use_radial_filters and i < NUM_LAYERS - NUM_CRITICAL,
            "padding": [pad_lo, pad_hi, pad_lo, pad_hi],
        })  # fmt: skip
    return layers


def _fc(generator: np.random.Generator, n_in: int, n_out: int,
        bias: np.ndarray) -> PersistentObject:
    state = {
        "_parameters": {"weight": _t(generator.standard_normal((n_out, n_in))),
                        "bias": _t(bias)},
        "_buffers": {}, "_modules": {}, "in_features": n_in, "out_features": n_out,
        "activation": "linear", "weight_gain": 1 / math.sqrt(n_in), "bias_gain": 1,
        "_init_args": [n_in, n_out], "_init_kwargs": {"bias_init": 1},
    }  # fmt: skip
    return PersistentObject("FullyConnectedLayer", state)


def _t(array: np.ndarray) -> torch.Tensor:
    import torch

    return torch.from_numpy(np.asarray(array, dtype=np.float32).copy())


def random_synthesis_record(img_resolution: int = 256, w_dim: int = 512, img_channels: int = 3,
                            channel_base: int = 32768, channel_max: int = 512,
                            radial: bool = False, seed: int = 0) -> PersistentObject:
    """The ``SynthesisNetwork`` record of a StyleGAN3-T (or, with ``radial``, -R: 1x1
    convolutions and radial filters) network of the given size, with random weights."""
    generator = np.random.default_rng(seed)
    layers = synthesis_layers(img_resolution, img_channels, channel_base, channel_max,
                              1 if radial else 3, radial)
    modules: dict[str, PersistentObject] = {}
    first = layers[0]
    freqs = generator.standard_normal((first["in_channels"], 2))
    radii = np.sqrt(np.sum(freqs**2, axis=1, keepdims=True))
    freqs = freqs / (radii * np.exp(radii**2) ** 0.25) * first["in_cutoff"]
    size = np.array([first["in_size"]] * 2)
    angle = generator.uniform(-np.pi, np.pi)  # a user transform: turned and shifted a little
    transform = np.array([[np.cos(angle), -np.sin(angle), 0.1],
                          [np.sin(angle), np.cos(angle), -0.05], [0, 0, 1]])
    modules["input"] = PersistentObject("SynthesisInput", {
        "_parameters": {"weight": _t(generator.standard_normal((first["in_channels"],) * 2))},
        "_buffers": {"transform": _t(transform), "freqs": _t(freqs),
                     "phases": _t(generator.uniform(-0.5, 0.5, first["in_channels"]))},
        "_modules": {"affine": _fc(generator, w_dim, 4,
                                   np.array([1.0, 0, 0, 0]) + generator.normal(0, 0.05, 4))},
        "w_dim": w_dim, "channels": first["in_channels"], "size": size,
        "sampling_rate": float(first["in_sampling_rate"]),
        "bandwidth": float(first["in_cutoff"]),
        "_init_args": [], "_init_kwargs": {
            "w_dim": w_dim, "channels": first["in_channels"], "size": first["in_size"],
            "sampling_rate": float(first["in_sampling_rate"]),
            "bandwidth": float(first["in_cutoff"])},
    })  # fmt: skip
    names = []
    for index, spec in enumerate(layers):
        name = f"L{index}_{spec['out_size']}_{spec['out_channels']}"
        names.append(name)
        n_in, n_out, kernel = spec["in_channels"], spec["out_channels"], spec["conv_kernel"]
        rate = spec["tmp_sampling_rate"]
        up = lowpass_filter(spec["up_taps"], spec["in_cutoff"], spec["in_half_width"] * 2, rate)
        down = lowpass_filter(spec["down_taps"], spec["out_cutoff"],
                              spec["out_half_width"] * 2, rate, spec["down_radial"])
        init = {key: spec[key] for key in (
            "is_torgb", "is_critically_sampled", "in_channels", "out_channels", "in_size",
            "out_size", "in_sampling_rate", "out_sampling_rate", "in_cutoff", "out_cutoff",
            "in_half_width", "out_half_width")}
        modules[name] = PersistentObject("SynthesisLayer", {
            "_parameters": {"weight": _t(generator.standard_normal((n_out, n_in, kernel, kernel))),
                            "bias": _t(generator.normal(0, 0.1, n_out))},
            "_buffers": {"magnitude_ema": _t(np.array(generator.uniform(0.5, 2.0))),
                         "up_filter": None if up is None else _t(up),
                         "down_filter": None if down is None else _t(down)},
            "_modules": {"affine": _fc(generator, w_dim, n_in, np.ones(n_in))},
            **spec, "w_dim": w_dim, "use_fp16": np.bool_(False),
            "in_size": np.array([spec["in_size"]] * 2),
            "out_size": np.array([spec["out_size"]] * 2),
            "conv_clamp": CONV_CLAMP, "magnitude_ema_beta": 0.999,
            "_init_args": [], "_init_kwargs": {**init, "w_dim": w_dim, "conv_kernel": kernel,
                                               "use_radial_filters": radial},
        })  # fmt: skip
    kwargs = {"w_dim": w_dim, "img_resolution": img_resolution, "img_channels": img_channels,
              "channel_base": channel_base, "channel_max": channel_max}
    return PersistentObject("SynthesisNetwork", {
        "_parameters": {}, "_buffers": {}, "_modules": modules, **kwargs,
        "num_ws": len(layers) + 1, "num_layers": NUM_LAYERS, "num_critical": NUM_CRITICAL,
        "margin_size": MARGIN_SIZE, "output_scale": OUTPUT_SCALE, "layer_names": names,
        "_init_args": [], "_init_kwargs": kwargs,
    })  # fmt: skip

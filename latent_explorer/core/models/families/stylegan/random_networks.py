"""StyleGAN generators of the real sizes with random weights, for benchmarks.

No trained network can be downloaded here, and what a decode costs does not depend on the
weights: a generator with the layout NVIDIA's snapshots hold (StyleGAN2's
``channel_base = 16384``, StyleGAN3's ``32768``, ``channel_max = 512``, ``w_dim = 512``, an
8-layer mapping network) is built from record trees as a snapshot would give them, through
the same builder a real file goes through.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from latent_explorer.core.models.families.stylegan.records import PersistentObject

GENERATIONS = ("StyleGAN2", "StyleGAN3-T", "StyleGAN3-R")


def _t(array: Any) -> Any:
    import torch

    return torch.from_numpy(np.asarray(array, dtype=np.float32).copy())


def _module(class_name: str, attrs: dict[str, Any], params: dict[str, Any],
            buffers: dict[str, Any] | None = None,
            modules: dict[str, PersistentObject] | None = None) -> PersistentObject:
    return PersistentObject(class_name, {
        "_parameters": params, "_buffers": buffers or {}, "_modules": modules or {}, **attrs,
        "_init_args": [], "_init_kwargs": {}})


def _fc(rng: np.random.Generator, n_in: int, n_out: int, activation: str = "linear",
        lr: float = 1.0, bias_init: float = 0.0) -> PersistentObject:
    return _module("FullyConnectedLayer", {
        "in_features": n_in, "out_features": n_out, "activation": activation,
        "weight_gain": lr / math.sqrt(n_in), "bias_gain": lr,
    }, {"weight": _t(rng.standard_normal((n_out, n_in)) / lr),
        "bias": _t(bias_init + 0.1 * rng.standard_normal(n_out))})  # fmt: skip


def _blur() -> Any:
    f = np.array([1.0, 3.0, 3.0, 1.0])
    f = f[:, None] * f[None, :]
    return _t(f / f.sum())


def _sg2_layer(rng: np.random.Generator, n_in: int, n_out: int, w_dim: int, res: int,
               up: int) -> PersistentObject:
    return _module("SynthesisLayer", {
        "in_channels": n_in, "out_channels": n_out, "w_dim": w_dim, "resolution": res,
        "up": up, "use_noise": True, "activation": "lrelu", "conv_clamp": 256, "padding": 1,
        "act_gain": math.sqrt(2),
    }, {"weight": _t(rng.standard_normal((n_out, n_in, 3, 3))),
        "noise_strength": _t(np.array(0.1)), "bias": _t(0.1 * rng.standard_normal(n_out))},
        {"resample_filter": _blur(), "noise_const": _t(rng.standard_normal((res, res)))},
        {"affine": _fc(rng, w_dim, n_in, bias_init=1)})  # fmt: skip


def sg2_synthesis_record(resolution: int = 256, w_dim: int = 512, channels: int = 3,
                         channel_base: int = 16384, channel_max: int = 512,
                         seed: int = 0) -> PersistentObject:
    """A StyleGAN2 ``SynthesisNetwork`` record (skip architecture) with random weights."""
    rng = np.random.default_rng(seed)
    resolutions = [2**i for i in range(2, int(math.log2(resolution)) + 1)]
    width = {r: min(channel_base // r, channel_max) for r in resolutions}
    blocks: dict[str, PersistentObject] = {}
    num_ws = 1
    for r in resolutions:
        n_in, n_out = (0 if r == 4 else width[r // 2]), width[r]
        params: dict[str, Any] = {}
        modules: dict[str, PersistentObject] = {}
        if r == 4:
            params["const"] = _t(rng.standard_normal((n_out, 4, 4)))
        else:
            modules["conv0"] = _sg2_layer(rng, n_in, n_out, w_dim, r, 2)
        modules["conv1"] = _sg2_layer(rng, n_out, n_out, w_dim, r, 1)
        modules["torgb"] = _module("ToRGBLayer", {
            "in_channels": n_out, "out_channels": channels, "w_dim": w_dim, "conv_clamp": 256,
            "weight_gain": 1 / math.sqrt(n_out),
        }, {"weight": _t(rng.standard_normal((channels, n_out, 1, 1))),
            "bias": _t(0.1 * rng.standard_normal(channels))},
            modules={"affine": _fc(rng, w_dim, n_out, bias_init=1)})  # fmt: skip
        num_conv = 1 if r == 4 else 2
        blocks[f"b{r}"] = _module("SynthesisBlock", {
            "in_channels": n_in, "w_dim": w_dim, "resolution": r, "img_channels": channels,
            "is_last": r == resolution, "architecture": "skip", "use_fp16": False,
            "num_conv": num_conv, "num_torgb": 1,
        }, params, {"resample_filter": _blur()}, modules)  # fmt: skip
        num_ws += num_conv
    return _module("SynthesisNetwork", {
        "w_dim": w_dim, "img_resolution": resolution, "img_channels": channels,
        "num_fp16_res": 0, "block_resolutions": resolutions, "num_ws": num_ws,
    }, {}, modules=blocks)  # fmt: skip


def random_generator_record(generation: str = "StyleGAN2", resolution: int = 256,
                            z_dim: int = 512, w_dim: int = 512, mapping_layers: int = 8,
                            seed: int = 0) -> PersistentObject:
    """A ``Generator`` record of ``generation`` (one of :data:`GENERATIONS`) at the real
    channel widths, with random weights."""
    if generation not in GENERATIONS:
        raise ValueError(f"generation must be one of {', '.join(GENERATIONS)}")
    if generation == "StyleGAN2":
        synthesis = sg2_synthesis_record(resolution, w_dim, seed=seed)
    else:
        from latent_explorer.core.models.families.stylegan.sg3_layout import (
            random_synthesis_record,
        )

        synthesis = random_synthesis_record(resolution, w_dim,
                                            radial=generation.endswith("R"), seed=seed)
    num_ws = int(synthesis.attr("num_ws"))
    rng = np.random.default_rng(seed + 1)
    fcs = {f"fc{i}": _fc(rng, z_dim if i == 0 else w_dim, w_dim, "lrelu", lr=0.01)
           for i in range(mapping_layers)}
    mapping = _module("MappingNetwork", {
        "z_dim": z_dim, "c_dim": 0, "w_dim": w_dim, "num_ws": num_ws,
        "num_layers": mapping_layers,
    }, {}, {"w_avg": _t(0.5 * rng.standard_normal(w_dim))}, fcs)  # fmt: skip
    return _module("Generator", {
        "z_dim": z_dim, "c_dim": 0, "w_dim": w_dim, "img_resolution": resolution,
        "img_channels": 3, "num_ws": num_ws,
    }, {}, modules={"synthesis": synthesis, "mapping": mapping})  # fmt: skip


def random_stylegan(generation: str = "StyleGAN2", resolution: int = 256,
                    device: str = "cpu", seed: int = 0) -> Any:
    """A :class:`~.model.StyleGANModel` of ``generation`` at ``resolution`` px with the real
    widths and random weights (named ``random-<generation>-<resolution>``)."""
    from latent_explorer.core.models.families.stylegan.generator import build_generator
    from latent_explorer.core.models.families.stylegan.model import StyleGANModel

    generator = build_generator(random_generator_record(generation, resolution, seed=seed))
    name = f"random-{generation}-{resolution}"
    return StyleGANModel(generator.to(device), name=name, source=name, device=device,
                         description=f"{generation}, {resolution}x{resolution}, random weights")

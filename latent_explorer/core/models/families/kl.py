"""Stable Diffusion-style KL autoencoders, opened with the optional ``diffusers`` library.

Two ways users have these files:

- a diffusers folder: ``config.json`` + ``diffusion_pytorch_model.safetensors`` (also the
  ``vae/`` sub-folder of a whole pipeline folder);
- one ``.safetensors`` file as image tools save a VAE, in the original LDM key layout
  (``encoder.down.0.block.0.conv1.weight`` ...; also inside a whole checkpoint under
  ``first_stage_model.``, of which only the VAE's tensors are read) or in diffusers' layout.
  Its architecture is read from the tensor shapes, and LDM keys are converted with diffusers'
  own conversion function. A ``config.json`` beside the file, if any, gives the scaling.

Weights are read through safetensors only (never a pickle). Latents are the ones the diffusion
model works with: ``(raw - shift_factor) * scaling_factor`` (or per channel, with
``latents_mean`` / ``latents_std``), so they have about unit variance.
"""

from __future__ import annotations

import importlib.util
import json
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from latent_explorer.core.errors import ModelError
from latent_explorer.core.models.base import OutputRange
from latent_explorer.core.models.families.kl_config import check_weights_memory, checked_config
from latent_explorer.core.models.families.spatial import FamilyInfo, SpatialModel
from latent_explorer.core.models.families.tensors import Shapes

if TYPE_CHECKING:
    from latent_explorer.core.models.families import FamilyMatch

FAMILY = "KL autoencoder"
EXTRA = "pip install 'latent-explorer[diffusers]'"
NEEDS_DIFFUSERS = f"opening it needs the optional diffusers library: {EXTRA}"
WEIGHTS_NAMES = ("diffusion_pytorch_model.safetensors", "diffusion_pytorch_model.fp16.safetensors")
_PREFIXES = ("", "first_stage_model.", "vae.")
# Scaling the diffusion models document, by latent channels (file names only break ties).
_SD = {"scaling_factor": 0.18215}
_SDXL = {"scaling_factor": 0.13025}
_SD3 = {"scaling_factor": 1.5305, "shift_factor": 0.0609}
_FLUX = {"scaling_factor": 0.3611, "shift_factor": 0.1159}


@dataclass(frozen=True)
class KLFiles:
    """A KL autoencoder found on disk."""

    weights: Path
    """The ``.safetensors`` file with the weights."""
    config: dict[str, Any]
    """diffusers' ``AutoencoderKL`` config (read, or derived from the shapes)."""
    layout: str
    """``"diffusers"`` or ``"ldm"``: the key layout of the weights."""
    prefix: str
    """What the VAE's keys start with inside the file (``first_stage_model.`` ...)."""
    info: FamilyInfo
    """What the files say (channels, scale, range)."""
    scaling: str
    """Where the scaling came from, in words."""


def diffusers_available() -> bool:
    """Whether the optional ``diffusers`` library is installed."""
    return importlib.util.find_spec("diffusers") is not None


def recognise(path: Path) -> KLFiles | None:
    """``path`` (a folder or a ``.safetensors`` file) as a KL autoencoder, or ``None``.

    Raises :class:`ModelError` for a diffusers folder whose ``config.json`` is unreadable.
    """
    if path.is_dir():
        return _recognise_folder(path)
    if path.is_file() and path.suffix.lower() == ".safetensors":
        return _recognise_file(path)
    return None


def _recognise_folder(folder: Path) -> KLFiles | None:
    if not (folder / "config.json").is_file() and (folder / "vae" / "config.json").is_file():
        folder = folder / "vae"
    config_path = folder / "config.json"
    weights = next((folder / n for n in WEIGHTS_NAMES if (folder / n).is_file()), None)
    if not config_path.is_file() or weights is None:
        return None
    config = _read_json(config_path)
    if config.get("_class_name") not in (None, "AutoencoderKL") or "latent_channels" not in config:
        return None
    shapes = _shapes(weights)
    if shapes is None:
        return None
    derived = _derive_config(shapes, "", "diffusers")
    if derived is None:
        raise ModelError(weights, "does not hold the tensors of the AutoencoderKL that "
                         f"{config_path.name} describes")  # fmt: skip
    config = {k: v for k, v in config.items() if not k.startswith("_")}
    # The network is built from the config before any weight is compared with it: a config
    # that states other sizes than the weights hold (widths of 4096 beside weights of 128)
    # would build many gigabytes first. Every size is checked against the tensors' shapes.
    config = checked_config(config, derived, config_path, weights)
    return _files(weights, config, "diffusers", "", f"scaling from {config_path.name}")


def _recognise_file(path: Path) -> KLFiles | None:
    shapes = _shapes(path)
    if shapes is None:
        return None
    for prefix in _PREFIXES:
        for layout in ("ldm", "diffusers"):
            config = _derive_config(shapes, prefix, layout)
            if config is None:
                continue
            beside = path.with_name("config.json")
            scaling: dict[str, Any] = {}
            source = ""
            if beside.is_file():
                try:
                    stated = _read_json(beside)
                except ModelError:
                    stated = {}
                scaling = {k: stated[k] for k in ("scaling_factor", "shift_factor",
                                                  "latents_mean", "latents_std") if k in stated}
                source = f"scaling from {beside.name}" if scaling else ""
            if not scaling:
                scaling, source = _default_scaling(path, config["latent_channels"])
            return _files(path, {**config, **scaling}, layout, prefix, source)
    return None


def _files(weights: Path, config: dict[str, Any], layout: str, prefix: str,
           scaling: str) -> KLFiles:
    channels = int(config["latent_channels"])
    scale = 2 ** (len(config["block_out_channels"]) - 1)
    info = FamilyInfo(FAMILY, _variant(channels), channels, scale, (-3.0, 3.0), (weights,),
                      OutputRange.SYMMETRIC)  # fmt: skip
    return KLFiles(weights, config, layout, prefix, info, scaling)


def _variant(channels: int) -> str:
    if channels == 4:
        return "(Stable Diffusion 1.x, 2.x or XL style)"
    if channels == 16:
        return "(Stable Diffusion 3 or FLUX.1 style)"
    return f"({channels} latent channels)"


def _default_scaling(path: Path, channels: int) -> tuple[dict[str, float], str]:
    name = path.name.lower()
    if channels == 4:
        if "xl" in name:
            return dict(_SDXL), "SDXL's scaling factor 0.13025 (the file name says XL)"
        return dict(_SD), ("Stable Diffusion 1.x/2.x's scaling factor 0.18215 (for an SDXL "
                           "VAE, put its config.json beside the file)")  # fmt: skip
    if channels == 16:
        if "flux" in name or path.stem.lower() == "ae":
            return dict(_FLUX), "FLUX.1's scaling 0.3611 and shift 0.1159 (the file name)"
        return dict(_SD3), ("Stable Diffusion 3's scaling 1.5305 and shift 0.0609 (for a "
                            "FLUX.1 VAE, put its config.json beside the file)")  # fmt: skip
    return {"scaling_factor": 1.0}, "no known scaling: the latents are the raw ones"


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ModelError(path, f"cannot be read as JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ModelError(path, "is not a JSON object")
    return data


def _shapes(path: Path) -> Shapes | None:
    from latent_explorer.core.models.families.tensors import read_shapes

    return read_shapes(path, 1 << 40)  # the header alone is read, whatever the file's size


def _derive_config(shapes: Shapes, prefix: str, layout: str) -> dict[str, Any] | None:
    """diffusers' AutoencoderKL config from the tensor shapes, or ``None`` if they are none."""
    def get(key: str) -> tuple[int, ...] | None:
        return shapes.get(prefix + key)

    down, block, mid_attn = (("down", "block", "mid.attn_1") if layout == "ldm"
                             else ("down_blocks", "resnets", "mid_block.attentions.0"))
    conv_in, dec_in, dec_out = (get("encoder.conv_in.weight"), get("decoder.conv_in.weight"),
                                get("decoder.conv_out.weight"))  # fmt: skip
    if conv_in is None or dec_in is None or dec_out is None:
        return None
    widths: list[int] = []
    while (shape := get(f"encoder.{down}.{len(widths)}.{block}.0.conv1.weight")) is not None:
        widths.append(shape[0])
    if not widths:
        return None
    pattern = re.compile(re.escape(f"{prefix}encoder.{down}.0.{block}.") + r"(\d+)\.")
    layers = len({m.group(1) for k in shapes if (m := pattern.match(k))})
    groups = 32 if all(w % 32 == 0 for w in widths) else _common_divisor(widths)
    return {
        "in_channels": conv_in[1], "out_channels": dec_out[0],
        "down_block_types": ["DownEncoderBlock2D"] * len(widths),
        "up_block_types": ["UpDecoderBlock2D"] * len(widths),
        "block_out_channels": widths, "layers_per_block": layers,
        "latent_channels": dec_in[1], "norm_num_groups": groups,
        "use_quant_conv": get("quant_conv.weight") is not None,
        "use_post_quant_conv": get("post_quant_conv.weight") is not None,
        "mid_block_add_attention": any(k.startswith(f"{prefix}encoder.{mid_attn}.")
                                       for k in shapes),
    }  # fmt: skip


def _common_divisor(widths: list[int]) -> int:
    import math

    return math.gcd(*widths)


def detect(path: Path) -> FamilyMatch | None:
    """``path`` as a :class:`~latent_explorer.core.models.families.FamilyMatch`, or ``None``."""
    from latent_explorer.core.models.families import FamilyMatch

    try:
        found = recognise(path)
    except ModelError as exc:
        info = FamilyInfo(FAMILY, "", 0, 8, (0.0, 0.0), (path,))
        return FamilyMatch(info, "", problem=str(exc))
    if found is None:
        return None
    info = found.info
    where = ("a diffusers folder" if found.layout == "diffusers" and path.is_dir()
             else f"one .safetensors file ({found.layout.upper()} key layout)")
    lo, hi = info.latent_range
    summary = (f"A {info.family} {info.variant} in {where}: latents have "
               f"{info.latent_channels} channels at 1/{info.scale} of the image size, values "
               f"about {lo:g} to {hi:g} with {found.scaling}. It opens with no code, through "
               "the diffusers library.")  # fmt: skip
    problem = "" if diffusers_available() else f"{found.weights}: {NEEDS_DIFFUSERS}"
    return FamilyMatch(info, summary, problem=problem)


def open_kl(found: KLFiles, image_size: tuple[int, int], source: str,
            device: str = "cpu") -> SpatialModel:
    """Build the autoencoder with diffusers and load its weights (safetensors only).

    ``source`` is what ``load_model`` reopens it with (the folder or the file given).

    Raises :class:`ModelError` naming the weights when diffusers is missing or the weights
    do not fit.
    """
    if not diffusers_available():
        raise ModelError(found.weights, NEEDS_DIFFUSERS)
    import torch
    from diffusers import AutoencoderKL

    check_weights_memory(found.weights, found.prefix)
    state = _read_vae_state(found)
    config = dict(found.config)
    if found.layout == "ldm":
        from diffusers.loaders.single_file_utils import convert_ldm_vae_checkpoint

        state = convert_ldm_vae_checkpoint(state, config)  # type: ignore[no-untyped-call]
    elif found.prefix:
        state = {k.removeprefix(found.prefix): v for k, v in state.items()}
    try:
        vae: Any = AutoencoderKL.from_config(config)  # type: ignore[no-untyped-call]
        vae.load_state_dict(state, strict=True)
    except (RuntimeError, ValueError, TypeError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelError(found.weights, f"does not fit a KL autoencoder: {first}") from exc
    vae = vae.float().eval().to(device)  # read on the CPU, then moved
    mean, std = _channel_stats(config, torch, device)
    scale = float(config.get("scaling_factor") or 1.0)
    shift = float(config.get("shift_factor") or 0.0)

    def decode(z: torch.Tensor) -> torch.Tensor:
        z = z.to(device)
        raw = z * std / scale + mean if mean is not None else z / scale + shift
        out: torch.Tensor = vae.decode(raw).sample
        return out

    def encode(x: torch.Tensor) -> torch.Tensor:
        raw = vae.encode(x.to(device)).latent_dist.mean
        out: torch.Tensor = ((raw - mean) * scale / std if mean is not None
                             else (raw - shift) * scale)
        return out

    info = replace(found.info, variant=f"{found.info.variant}, {found.scaling}")
    name = found.weights.parent.name if found.weights.name in WEIGHTS_NAMES else \
        found.weights.stem
    # A quarter of TAESD's batch: the widest full-resolution layers have 128+ channels.
    return SpatialModel(info, image_size, decode, encode, name=name, source=source,
                        state_fn=vae.state_dict, network=vae, batch_pixels=1 << 18)


def _channel_stats(config: dict[str, Any], torch: Any, device: str) -> tuple[Any, Any]:
    mean, std = config.get("latents_mean"), config.get("latents_std")
    if mean is None or std is None:
        return None, None
    shape = (1, -1, 1, 1)
    return (torch.tensor(mean, dtype=torch.float32, device=device).reshape(shape),
            torch.tensor(std, dtype=torch.float32, device=device).reshape(shape))


def _read_vae_state(found: KLFiles) -> dict[str, Any]:
    """The VAE's tensors (only those under its prefix), through safetensors."""
    from safetensors import safe_open

    try:
        with safe_open(str(found.weights), framework="pt", device="cpu") as handle:
            keys = [k for k in handle.keys() if k.startswith(found.prefix)]  # noqa: SIM118
            return {k: handle.get_tensor(k) for k in keys}
    except Exception as exc:
        raise ModelError(found.weights, f"cannot be read as safetensors: {exc}") from exc

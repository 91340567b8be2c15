"""Random-weight files of the known families, saved the way users' files are saved.

The TAESD layouts are written out here by hand, layer by layer as the published files have
them (not through the app's own builder), so the tests check the app against the real key
layout. The KL autoencoders are built with diffusers (small configs) and saved both as a
diffusers folder and as one ``.safetensors`` file in the original LDM key layout.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import nn


def _conv(n_in: int, n_out: int, stride: int = 1, bias: bool = True) -> nn.Conv2d:
    return nn.Conv2d(n_in, n_out, 3, stride=stride, padding=1, bias=bias)


class _Block(nn.Module):
    def __init__(self, n: int, gn: bool = False) -> None:
        super().__init__()
        self.conv = nn.Sequential(_conv(n, n), nn.ReLU(), _conv(n, n), nn.ReLU(), _conv(n, n))
        self.skip = nn.Identity()
        self.fuse = nn.ReLU()
        if gn:
            self.pool = nn.Sequential(nn.Conv2d(n, 4 * n, 1, bias=False), nn.GroupNorm(4, 4 * n),
                                      nn.ReLU(), nn.Conv2d(4 * n, n, 1, bias=False))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if hasattr(self, "pool"):
            x = x + self.pool(x)
        return self.fuse(self.conv(x) + self.skip(x))


class _Clamp(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.tanh(x / 3) * 3


def taesd_decoder(channels: int = 4, gn: bool = False, f32: bool = False) -> nn.Sequential:
    """The published decoder layout: 8x (f32=False) or the 32x one."""
    if f32:
        return nn.Sequential(
            _Clamp(), _conv(channels, 256), nn.ReLU(),
            _Block(256), _Block(256), _Block(256), nn.Upsample(scale_factor=2),
            _conv(256, 128, bias=False),
            _Block(128), _Block(128), _Block(128), nn.Upsample(scale_factor=2),
            _conv(128, 64, bias=False),
            *(m for _ in range(3) for m in (_Block(64), _Block(64), _Block(64),
                                            nn.Upsample(scale_factor=2),
                                            _conv(64, 64, bias=False))),
            _Block(64), _conv(64, 3),
        )
    return nn.Sequential(
        _Clamp(), _conv(channels, 64), nn.ReLU(),
        _Block(64, gn), _Block(64, gn), _Block(64, gn), nn.Upsample(scale_factor=2),
        _conv(64, 64, bias=False),
        _Block(64), _Block(64), _Block(64), nn.Upsample(scale_factor=2), _conv(64, 64, bias=False),
        _Block(64), _Block(64), _Block(64), nn.Upsample(scale_factor=2), _conv(64, 64, bias=False),
        _Block(64), _conv(64, 3),
    )


def taesd_encoder(channels: int = 4, gn: bool = False, f32: bool = False) -> nn.Sequential:
    """The published encoder layout."""
    stem: list[nn.Module] = ([_conv(3, 32, 2), nn.ReLU(), _conv(32, 64, 2), nn.ReLU()] if f32
                             else [_conv(3, 64)])
    return nn.Sequential(
        *stem, _Block(64),
        _conv(64, 64, 2, bias=False), _Block(64), _Block(64), _Block(64),
        _conv(64, 64, 2, bias=False), _Block(64), _Block(64), _Block(64),
        _conv(64, 64, 2, bias=False), _Block(64, gn), _Block(64, gn), _Block(64, gn),
        _conv(64, channels),
    )


def save_taesd(folder: Path, name: str = "taesd", channels: int = 4, gn: bool = False,
               f32: bool = False, encoder: bool = True, decoder: bool = True,
               seed: int = 0) -> tuple[nn.Module | None, nn.Module | None]:
    """Save ``<name>_decoder.pth`` / ``<name>_encoder.pth`` as ``torch.save(state_dict)``."""
    torch.manual_seed(seed)
    folder.mkdir(parents=True, exist_ok=True)
    dec = taesd_decoder(channels, gn, f32).eval() if decoder else None
    enc = taesd_encoder(channels, gn, f32).eval() if encoder else None
    if dec is not None:
        torch.save(dec.state_dict(), folder / f"{name}_decoder.pth")
    if enc is not None:
        torch.save(enc.state_dict(), folder / f"{name}_encoder.pth")
    return dec, enc


KL_CONFIG: dict[str, Any] = {
    "in_channels": 3, "out_channels": 3, "latent_channels": 4,
    "down_block_types": ["DownEncoderBlock2D"] * 2, "up_block_types": ["UpDecoderBlock2D"] * 2,
    "block_out_channels": [32, 64], "layers_per_block": 1, "norm_num_groups": 32,
    "sample_size": 32, "scaling_factor": 0.18215,
}


def small_kl(seed: int = 0, **changes: Any) -> Any:
    """A small random AutoencoderKL (2 stages: scale 2)."""
    from diffusers import AutoencoderKL

    torch.manual_seed(seed)
    return AutoencoderKL(**{**KL_CONFIG, **changes}).eval()


def save_kl_folder(vae: Any, folder: Path) -> Path:
    """``config.json`` + ``diffusion_pytorch_model.safetensors``, as diffusers saves them."""
    vae.save_pretrained(folder, safe_serialization=True)
    return folder


def ldm_state(vae: Any) -> dict[str, torch.Tensor]:
    """The VAE's weights in the original LDM key layout (as image tools save a VAE file)."""
    out: dict[str, torch.Tensor] = {}
    ups = len(vae.config.up_block_types)
    for key, value in vae.state_dict().items():
        new = key
        new = new.replace("down_blocks.", "down.").replace("resnets.", "block.")
        new = new.replace("downsamplers.0", "downsample")
        new = new.replace("upsamplers.0", "upsample")
        new = new.replace("conv_shortcut", "nin_shortcut")
        new = new.replace("mid_block.block.0", "mid.block_1")
        new = new.replace("mid_block.block.1", "mid.block_2")
        new = new.replace("mid_block.attentions.0", "mid.attn_1")
        new = new.replace("conv_norm_out", "norm_out")
        if new.startswith("decoder.up_blocks."):
            rest = new.removeprefix("decoder.up_blocks.")
            index, _, tail = rest.partition(".")
            new = f"decoder.up.{ups - 1 - int(index)}.{tail}"
        for ours, theirs in (("group_norm", "norm"), ("to_q", "q"), ("to_k", "k"),
                             ("to_v", "v"), ("to_out.0", "proj_out")):
            new = new.replace(f"attn_1.{ours}.", f"attn_1.{theirs}.")
        if ".attn_1." in new and new.endswith(".weight") and value.ndim == 2:
            value = value[:, :, None, None]  # LDM attention weights are 1x1 convolutions
        out[new] = value.detach().clone().contiguous()
    return out


def save_kl_file(vae: Any, path: Path, prefix: str = "") -> Path:
    """One ``.safetensors`` file in the LDM layout (``prefix``: e.g. ``first_stage_model.``)."""
    from safetensors.torch import save_file

    save_file({prefix + k: v for k, v in ldm_state(vae).items()}, str(path))
    return path

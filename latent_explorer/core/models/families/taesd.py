"""The TAESD family (taesd, taesdxl, taesd3, taef1, taef2 ...): tiny image autoencoders.

Their files (``*_encoder.pth`` / ``*_decoder.pth``, or the same as ``.safetensors``) are plain
``nn.Sequential`` state_dicts: tensors named ``1.weight``, ``3.conv.0.weight``, ``3.skip.weight``
... by layer index. A file is recognised by comparing its tensor names and shapes with the
layouts below, never by its name:

- decoder (8x): soft clamp to [-3, 3], conv(C -> 64), ReLU, three stages of
  3 residual blocks + 2x upsample + conv, one more block, conv(64 -> 3);
- encoder (8x): conv(3 -> 64), a block, three stages of stride-2 conv + 3 blocks,
  conv(64 -> C);
- the newer members (taef2) add a group-norm bottleneck to the blocks next to the latent;
- the 32x members (e.g. taesana) start wider (256 channels) and have five upsampling stages;
  their encoder begins with two stride-2 convolutions.

The latent channels C (4, 16, 32 ...) are read from the shapes. Latents are those of the
diffusion model the member was distilled for (already scaled: about unit variance), and the
decoder clamps them to [-3, 3]. Images are RGB in [0, 1] on both sides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from latent_explorer.core.errors import ModelError
from latent_explorer.core.models.families.spatial import FamilyInfo, SpatialModel
from latent_explorer.core.models.families.tensors import (
    Shapes,
    is_weights_file,
    read_shapes,
    read_state,
)

if TYPE_CHECKING:
    from torch import nn

FAMILY = "TAESD"
LATENT_LIMIT = 3.0
"""The decoder squashes latents into (-3, 3): the family's latent range."""
MAX_FILE_BYTES = 256 << 20
"""Larger files are no TAESD files (the biggest member is about 40 MB); they are not read."""
_SCALES = (8, 32)
_ROLES = ("decoder", "encoder")


@dataclass(frozen=True)
class Layer:
    """One entry of the ``nn.Sequential``: ``clamp``, ``relu``, ``up``, ``conv`` or ``block``."""

    kind: str
    n_in: int = 0
    n_out: int = 0
    stride: int = 1
    bias: bool = True
    group_norm: bool = False


def _blocks(width: int, count: int, group_norm: bool = False) -> list[Layer]:
    return [Layer("block", width, width, group_norm=group_norm) for _ in range(count)]


def decoder_layers(latent_channels: int, scale: int, group_norm: bool) -> list[Layer]:
    """The decoder of a member with ``latent_channels`` at ``scale`` (8 or 32)."""
    widths = [64, 64, 64] if scale == 8 else [256, 128, 64, 64, 64]
    after = [*widths[1:], 64]
    layers = [Layer("clamp"), Layer("conv", latent_channels, widths[0]), Layer("relu")]
    for stage, (width, out) in enumerate(zip(widths, after, strict=True)):
        layers += _blocks(width, 3, group_norm and stage == 0)
        layers += [Layer("up"), Layer("conv", width, out, bias=False)]
    return [*layers, *_blocks(64, 1), Layer("conv", 64, 3)]


def encoder_layers(latent_channels: int, scale: int, group_norm: bool) -> list[Layer]:
    """The encoder of a member with ``latent_channels`` at ``scale`` (8 or 32)."""
    if scale == 8:
        layers = [Layer("conv", 3, 64)]
    else:
        layers = [Layer("conv", 3, 32, stride=2), Layer("relu"),
                  Layer("conv", 32, 64, stride=2), Layer("relu")]  # fmt: skip
    layers += _blocks(64, 1)
    for stage in range(3):
        layers.append(Layer("conv", 64, 64, stride=2, bias=False))
        layers += _blocks(64, 3, group_norm and stage == 2)
    return [*layers, Layer("conv", 64, latent_channels)]


def layer_shapes(layers: list[Layer]) -> Shapes:
    """The tensor names and shapes a state_dict of ``layers`` has."""
    shapes: Shapes = {}
    for i, layer in enumerate(layers):
        n_in, n_out = layer.n_in, layer.n_out
        if layer.kind == "conv":
            shapes[f"{i}.weight"] = (n_out, n_in, 3, 3)
            if layer.bias:
                shapes[f"{i}.bias"] = (n_out,)
        elif layer.kind == "block":
            for j, first in ((0, n_in), (2, n_out), (4, n_out)):
                shapes[f"{i}.conv.{j}.weight"] = (n_out, first, 3, 3)
                shapes[f"{i}.conv.{j}.bias"] = (n_out,)
            if n_in != n_out:
                shapes[f"{i}.skip.weight"] = (n_out, n_in, 1, 1)
            if layer.group_norm:
                wide = 4 * n_in
                shapes[f"{i}.pool.0.weight"] = (wide, n_in, 1, 1)
                shapes[f"{i}.pool.1.weight"] = (wide,)
                shapes[f"{i}.pool.1.bias"] = (wide,)
                shapes[f"{i}.pool.3.weight"] = (n_in, wide, 1, 1)
    return shapes


def layers_for(role: str, latent_channels: int, scale: int, group_norm: bool) -> list[Layer]:
    """The layers of a decoder or an encoder."""
    build = decoder_layers if role == "decoder" else encoder_layers
    return build(latent_channels, scale, group_norm)


@dataclass(frozen=True)
class TaesdFile:
    """A file recognised as one half of a TAESD member."""

    path: Path
    role: str
    """``"decoder"`` or ``"encoder"``."""
    latent_channels: int
    scale: int
    group_norm: bool

    @property
    def layers(self) -> list[Layer]:
        """The network the file holds."""
        return layers_for(self.role, self.latent_channels, self.scale, self.group_norm)


def match_shapes(path: Path, shapes: Shapes) -> TaesdFile | None:
    """The member whose layout ``shapes`` is exactly, or ``None``."""
    for role in _ROLES:
        channels = _latent_channels(role, shapes)
        if channels is None:
            continue
        for scale in _SCALES:
            for group_norm in (False, True):
                if layer_shapes(layers_for(role, channels, scale, group_norm)) == shapes:
                    return TaesdFile(path, role, channels, scale, group_norm)
    return None


def near_miss(shapes: Shapes) -> str:
    """Why ``shapes`` almost but not quite has a TAESD layout ("" if it is nothing like one)."""
    best: tuple[int, str] | None = None
    for role in _ROLES:
        channels = _latent_channels(role, shapes) or 4
        for scale in _SCALES:
            for group_norm in (False, True):
                want = layer_shapes(layers_for(role, channels, scale, group_norm))
                common = set(want) & set(shapes)
                if len(common) < 0.75 * len(want):
                    continue
                missing = sorted(set(want) - set(shapes), key=_natural)
                extra = sorted(set(shapes) - set(want), key=_natural)
                wrong = sorted((k for k in common if want[k] != shapes[k]), key=_natural)
                score = len(missing) + len(extra) + len(wrong)
                if wrong:
                    k = wrong[0]
                    why = f"tensor {k} has shape {shapes[k]}, the layout needs {want[k]}"
                elif missing:
                    why = f"tensor {missing[0]} is missing"
                else:
                    why = f"it has a tensor {extra[0]} the layout does not"
                if best is None or score < best[0]:
                    best = (score, f"looks like a TAESD {role} but does not fit its layout: {why}")
    return "" if best is None else best[1]


def _latent_channels(role: str, shapes: Shapes) -> int | None:
    if role == "decoder":
        shape = shapes.get("1.weight")
        return shape[1] if shape is not None and len(shape) == 4 else None
    convs = [k for k in shapes if re.fullmatch(r"\d+\.weight", k)]
    if not convs:
        return None
    shape = shapes[max(convs, key=_natural)]
    return shape[0] if len(shape) == 4 else None


def _natural(key: str) -> tuple[Any, ...]:
    return tuple(int(p) if p.isdigit() else p for p in key.split("."))


def recognise(path: Path, strict: bool = False) -> TaesdFile | None:
    """``path`` as a TAESD half, read as data (``None``: not one, or unreadable).

    With ``strict``, a file that almost has a TAESD layout raises :class:`ModelError` saying
    which tensor does not fit, instead of being "not one".
    """
    if not is_weights_file(path):
        return None
    shapes = read_shapes(path, MAX_FILE_BYTES)
    if shapes is None:
        return None
    found = match_shapes(path, shapes)
    if found is None and strict:
        why = near_miss(shapes)
        if why:
            raise ModelError(path, why)
    return found


def partner(half: TaesdFile) -> TaesdFile | None:
    """The other half beside ``half`` (``x_decoder.pth`` <-> ``x_encoder.pth``), if it fits."""
    other = "encoder" if half.role == "decoder" else "decoder"
    pattern = re.compile(half.role, re.IGNORECASE)
    if not pattern.search(half.path.name):
        return None

    def swap(match: re.Match[str]) -> str:
        word = match.group(0)
        return other.upper() if word.isupper() else (other.capitalize() if word[0].isupper()
                                                    else other)  # fmt: skip

    stem = pattern.sub(swap, half.path.stem)
    suffixes = [half.path.suffix, *(s for s in (".pth", ".safetensors", ".pt")
                                    if s != half.path.suffix.lower())]  # fmt: skip
    for suffix in suffixes:
        candidate = half.path.with_name(stem + suffix)
        found = recognise(candidate) if candidate.is_file() else None
        if (found is not None and found.role == other
                and found.latent_channels == half.latent_channels and found.scale == half.scale):
            return found
    return None


def halves(path: Path) -> tuple[TaesdFile | None, TaesdFile | None] | None:
    """The (decoder, encoder) that ``path`` (a file or a folder) opens, or ``None``.

    Raises :class:`ModelError` for a folder holding several TAESD decoders, and for a file
    that almost has a TAESD layout (saying which tensor does not fit).
    """
    if path.is_dir():
        return _halves_in_folder(path)
    half = recognise(path, strict=True)
    if half is None:
        return None
    other = partner(half)
    return (half, other) if half.role == "decoder" else (other, half)


def _halves_in_folder(folder: Path) -> tuple[TaesdFile | None, TaesdFile | None] | None:
    files = sorted(p for p in folder.iterdir() if is_weights_file(p))[:64]
    found = [f for f in (recognise(p) for p in files) if f is not None]
    decoders = [f for f in found if f.role == "decoder"]
    if len(decoders) > 1:
        names = ", ".join(f.path.name for f in decoders)
        raise ModelError(folder, f"holds several TAESD decoders ({names}); choose one file")
    if decoders:
        return decoders[0], partner(decoders[0])
    encoders = [f for f in found if f.role == "encoder"]
    return (None, encoders[0]) if len(encoders) == 1 else None


def variant(latent_channels: int, scale: int, group_norm: bool) -> str:
    """Which member(s) this layout is, in words."""
    if scale == 8 and not group_norm and latent_channels == 4:
        return "taesd / taesdxl (Stable Diffusion 1.x, 2.x and XL latents)"
    if scale == 8 and not group_norm and latent_channels == 16:
        return "taesd3 / taef1 (Stable Diffusion 3 and FLUX.1 latents)"
    if scale == 8 and group_norm and latent_channels == 32:
        return "taef2 (FLUX.2 latents, unpacked)"
    if scale == 32:
        return f"32x member ({latent_channels} channels, e.g. taesana for Sana)"
    return f"member with {latent_channels} latent channels"


def describe(decoder: TaesdFile | None, encoder: TaesdFile | None) -> FamilyInfo:
    """What a pair (or a half) says about the model."""
    first = decoder or encoder
    assert first is not None
    files = tuple(f.path for f in (decoder, encoder) if f is not None)
    return FamilyInfo(FAMILY, variant(first.latent_channels, first.scale, first.group_norm),
                      first.latent_channels, first.scale, (-LATENT_LIMIT, LATENT_LIMIT),
                      files)  # fmt: skip


def model_name(half: TaesdFile) -> str:
    """``taesd`` for ``taesd_decoder.pth``; the folder's name for a bare ``decoder.pth``."""
    stem = re.sub(r"[_.\- ]*(de|en)coder[_.\- ]*", "", half.path.stem, flags=re.IGNORECASE)
    return stem or half.path.parent.name or FAMILY


def build_network(half: TaesdFile) -> nn.Sequential:
    """The half's network with its weights, in eval mode on the CPU."""
    from latent_explorer.core.models.families.taesd_net import build

    network = build(half.layers, LATENT_LIMIT)
    state = read_state(half.path)
    try:
        network.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        raise ModelError(half.path, f"does not fit the TAESD {half.role} layout: "
                         f"{str(exc).splitlines()[0]}") from exc  # fmt: skip
    return network.float().eval()


def open_taesd(
    decoder: TaesdFile | None,
    encoder: TaesdFile | None,
    image_size: tuple[int, int],
    device: str = "cpu",
) -> SpatialModel:
    """Open a TAESD pair (or a half alone) making ``image_size`` images on ``device``.

    The weights are read on the CPU, then moved; on the CPU the decoder takes the fastest
    exact path (see :mod:`~latent_explorer.core.models.families.fast_decode`).
    """
    from latent_explorer.core.models.families.fast_decode import FastDecoder

    info = describe(decoder, encoder)
    first = decoder or encoder
    assert first is not None
    dec = build_network(decoder).to(device) if decoder is not None else None
    enc = build_network(encoder).to(device) if encoder is not None else None
    modules = {"decoder": dec, "encoder": enc}

    def state() -> dict[str, Any]:
        return {f"{role}.{k}": v for role, net in modules.items() if net is not None
                for k, v in net.state_dict().items()}  # fmt: skip

    decode = None if dec is None else FastDecoder(dec, lambda: _digest(dec), device)

    def encode(x: Any) -> Any:
        assert enc is not None
        return enc(x.to(device))

    return SpatialModel(info, image_size, decode, encode if enc is not None else None,
                        name=model_name(first), source=str(first.path), state_fn=state,
                        network=modules)  # fmt: skip


def _digest(network: nn.Module) -> str:
    import hashlib

    from latent_explorer.core.models.hashing import hash_state

    digest = hashlib.sha256()
    hash_state(digest, network.state_dict())
    return digest.hexdigest()[:24]

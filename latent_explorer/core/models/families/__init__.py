"""Known families of image autoencoders that open with no code and no trust.

- :mod:`.taesd`: the TAESD family (``*_decoder.pth`` / ``*_encoder.pth``), built here;
- :mod:`.kl`: Stable Diffusion-style KL autoencoders (a diffusers folder or a single
  ``.safetensors`` file), built by the optional ``diffusers`` library;
- :mod:`.stylegan`: StyleGAN generators from NVIDIA's ``network-snapshot-*.pkl`` files, read
  by a restricted unpickler that runs nothing, built here.

Files are recognised by their contents (tensor names and shapes, a pickle's globals), read as
data. :func:`detect_family`
says what a path is (for the Open Model dialog), :func:`open_family` opens it (for
``load_model``). Both return ``None`` for anything that is no known family, so the caller goes
on with its other formats.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from latent_explorer.core.errors import ModelError
from latent_explorer.core.models.base import GenerativeModel
from latent_explorer.core.models.families.spatial import (
    DEFAULT_IMAGE_SIZE,
    FamilyInfo,
    SpatialModel,
    check_image_size,
    fit_to_images,
    parse_image_size,
)

if TYPE_CHECKING:
    from latent_explorer.core.models.families.stylegan.family import SnapshotInfo

__all__ = [
    "DEFAULT_IMAGE_SIZE",
    "FamilyInfo",
    "FamilyMatch",
    "SpatialModel",
    "detect_family",
    "fit_to_images",
    "open_family",
    "parse_image_size",
]


@dataclass(frozen=True)
class FamilyMatch:
    """A path recognised as a known family, in words for the user."""

    info: FamilyInfo | SnapshotInfo | None
    """What the files say (``None`` when they could not be read)."""
    summary: str
    """One or two sentences: what the files are and that they open with no code."""
    problem: str = ""
    """Why it cannot be opened here (e.g. a missing optional library); empty when it can."""


def detect_family(path: Path) -> FamilyMatch | None:
    """``path`` as a known family (read as data, nothing is run), or ``None``."""
    from latent_explorer.core.models.families import kl, taesd
    from latent_explorer.core.models.families.stylegan import family as stylegan

    found = stylegan.detect(path)
    if found is not None:
        return FamilyMatch(*found)
    try:
        pair = taesd.halves(path)
    except ModelError as exc:
        info = FamilyInfo(taesd.FAMILY, "", 0, 8, (0.0, 0.0), (path,))
        return FamilyMatch(info, "", problem=str(exc))
    if pair is not None:
        decoder, encoder = pair
        info = taesd.describe(decoder, encoder)
        if decoder is not None and encoder is not None:
            halves = f"decoder {decoder.path.name} with its encoder {encoder.path.name}"
        elif decoder is not None:
            halves = f"decoder {decoder.path.name} (no encoder file beside it: decoding only)"
        else:
            assert encoder is not None
            halves = (f"encoder {encoder.path.name} alone (no decoder file beside it: it "
                      "places images on the map but cannot show latents as images)")
        summary = (f"A {info.family} tiny autoencoder, {info.variant}: the {halves}. "
                   f"{_latents(info)} It opens with no code.")  # fmt: skip
        return FamilyMatch(info, summary)
    return kl.detect(path)


def _latents(info: FamilyInfo) -> str:
    lo, hi = info.latent_range
    return (f"Latents have {info.latent_channels} channels at 1/{info.scale} of the image "
            f"size, values about {lo:g} to {hi:g}.")


def open_family(
    path: Path,
    image_size: int | str | tuple[int, int] | None = None,
    latent_shape: tuple[int, ...] | None = None,
    device: str | None = None,
) -> GenerativeModel | None:
    """Open ``path`` as a known family, or return ``None`` if it is none.

    Parameters
    ----------
    path
        A weights file or a folder.
    image_size
        The images' side (or ``(height, width)``); a multiple of the family's scale.
        Default: ``latent_shape``'s size, else :data:`DEFAULT_IMAGE_SIZE`. A StyleGAN makes
        images of its own size and ignores it.
    latent_shape
        ``(C, h, w)`` stated by the user: sets the image size to ``h * scale`` (for a
        StyleGAN, only ``(w_dim,)`` is accepted).
    device
        ``auto``, ``cpu``, ``cuda`` or ``mps`` (``None``: the process-wide preference, see
        :mod:`~latent_explorer.core.models.families.devices`).

    Raises
    ------
    ModelError
        Naming the file, if it is a known family that cannot be opened as asked (a broken
        file, a size that is no multiple of the scale, a missing optional library, a device
        this machine does not have).
    """
    from latent_explorer.core.models.families import kl, taesd
    from latent_explorer.core.models.families.devices import resolve_device
    from latent_explorer.core.models.families.stylegan import family as stylegan

    if stylegan.recognise(path):
        return _open_stylegan(path, latent_shape, device)
    pair = taesd.halves(path)
    found = None if pair is not None else kl.recognise(path)
    if pair is None and found is None:
        return None
    try:
        where = resolve_device(device)
    except ValueError as exc:
        raise ModelError(path, str(exc)) from None
    if pair is not None:
        decoder, encoder = pair
        info = taesd.describe(decoder, encoder)
        size = _size(path, info, image_size, latent_shape)
        return taesd.open_taesd(decoder, encoder, size, where)
    assert found is not None
    size = _size(path, found.info, image_size, latent_shape)
    return kl.open_kl(found, size, str(path), where)


def _open_stylegan(path: Path, latent_shape: tuple[int, ...] | None,
                   device: str | None) -> GenerativeModel:
    from latent_explorer.core.models.families.devices import resolve_device
    from latent_explorer.core.models.families.stylegan.family import open_stylegan

    try:
        where = resolve_device(device)
    except ValueError as exc:
        raise ModelError(path, str(exc)) from None
    model = open_stylegan(path, where)
    if latent_shape is not None and tuple(latent_shape) != model.latent_shape:
        raise ModelError(path, f"its latent is w, of shape {model.latent_shape}, not "
                               f"{tuple(latent_shape)}")
    return model


def _size(
    path: Path,
    info: FamilyInfo,
    image_size: int | str | tuple[int, int] | None,
    latent_shape: tuple[int, ...] | None,
) -> tuple[int, int]:
    try:
        size = parse_image_size(image_size)
        if latent_shape is not None:
            if len(latent_shape) != 3 or latent_shape[0] != info.latent_channels:
                raise ValueError(f"its latents have shape ({info.latent_channels}, H/"
                                 f"{info.scale}, W/{info.scale}), not {latent_shape}")
            stated = (latent_shape[1] * info.scale, latent_shape[2] * info.scale)
            if size is not None and size != stated:
                raise ValueError(f"latent shape {latent_shape} means {stated[0]}x{stated[1]} "
                                 f"images, not {size[0]}x{size[1]}")
            size = stated
        return check_image_size(size or (DEFAULT_IMAGE_SIZE, DEFAULT_IMAGE_SIZE), info.scale)
    except ValueError as exc:
        raise ModelError(path, str(exc)) from None

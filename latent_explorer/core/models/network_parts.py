"""Which callables of a network decode and encode: its methods, or the halves of a whole
autoencoder.

A network usually says how to call it with ``decode`` (and ``encode``) methods, or is itself a
generator whose ``forward`` decodes. A whole autoencoder whose ``forward`` maps images to
images has neither: its halves are children, ``encoder`` and ``decoder`` (or ``enc`` and
``dec``). Handing such a module latents fails inside its first convolution ("expected 3
channels"), so :func:`network_parts` recognises it and decodes with the decoder child and
encodes with the encoder child, saying so. :func:`describe_image_input` words what a module
whose ``forward`` takes images was found to be, for errors when no child fits.

Nothing here imports torch; networks are looked at through their attributes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

DECODER_PARTS = ("decoder", "dec")
"""Child names under which a whole autoencoder keeps the half that decodes."""
ENCODER_PARTS = ("encoder", "enc")
"""Child names under which a whole autoencoder keeps the half that encodes."""
_IMAGE_CHANNELS = (1, 3, 4)


@dataclass(frozen=True)
class NetworkParts:
    """The callables that decode and encode, and how they were found, in words."""

    decode: Callable[..., Any] | None
    """``decode(z)``; ``None`` when the object has nothing to call."""
    encode: Callable[..., Any] | None
    """``encode(x)``, or ``None`` (a decoder only)."""
    note: str = ""
    """What was recognised (a whole autoencoder's children), for the model's notes."""


def network_parts(obj: Any, name: str = "") -> NetworkParts:
    """The decoder and encoder of ``obj``, whose methods are used first.

    ``obj.decode`` (with ``obj.encode`` when present) wins; a module with neither method but
    with ``encoder`` and ``decoder`` children (``enc`` and ``dec``) is a whole autoencoder,
    decoded by its decoder child and encoded by its encoder child; anything else callable
    decodes with its own ``forward``.
    """
    decode = getattr(obj, "decode", None)
    encode = getattr(obj, "encode", None)
    encode = encode if callable(encode) else None
    if callable(decode):
        return NetworkParts(decode, encode)
    decoder = _part(obj, DECODER_PARTS)
    encoder = encode or _part(obj, ENCODER_PARTS)
    if decoder is not None and encoder is not None:
        label = name or type(obj).__name__
        dec_name = _part_name(obj, decoder)
        enc = "encode method" if encode is not None else f"{_part_name(obj, encoder)} child"
        note = (f"{label}'s forward maps images to images (a whole autoencoder): its {dec_name} "
                f"child decodes and its {enc} encodes")
        return NetworkParts(decoder, encoder, note)
    return NetworkParts(obj if callable(obj) else None, encode)


def _part(obj: Any, names: Sequence[str]) -> Any:
    """The first child of ``obj`` under ``names`` that is a callable module."""
    for child_name in names:
        child = getattr(obj, child_name, None)
        if child is not None and callable(child) and callable(getattr(child, "named_modules",
                                                                      None)):
            return child
    return None


def _part_name(obj: Any, part: Any) -> str:
    for child_name in (*DECODER_PARTS, *ENCODER_PARTS):
        if getattr(obj, child_name, None) is part:
            return child_name
    return type(part).__name__


def describe_image_input(obj: Any) -> str:
    """A sentence when ``obj``'s ``forward`` takes images rather than latents, else ``""``.

    Read off its first layer: a convolution over 1, 3 or 4 channels takes images, so a
    ``forward`` that starts with one is an encoder or a whole image-to-image network.
    """
    from latent_explorer.core.models.probing import describe_layer, first_layer

    if callable(getattr(obj, "decode", None)):
        return ""
    layer = first_layer(obj)
    if layer is None:
        return ""
    kind = str(getattr(layer, "original_name", type(layer).__name__))
    try:
        channels = int(layer.in_channels) if kind.startswith("Conv") and "Transpose" not in \
            kind else 0
    except (AttributeError, TypeError, ValueError, RuntimeError):
        return ""
    if channels not in _IMAGE_CHANNELS:
        return ""
    return (f"Its forward starts with {describe_layer(layer)}, which takes images, not "
            "latents: it looks like an encoder or a whole autoencoder (image in, image out). "
            "Give its decoding half as the decoder (decode=, or a decode method, or children "
            "named encoder and decoder)")

""":class:`SpatialModel`: an image autoencoder whose latents are small pictures ``(C, h, w)``.

The known families (TAESD, KL autoencoders) are fully convolutional: one network works at any
image size that is a multiple of its scale (8 or 32), and a latent of an ``H x W`` image has
shape ``(C, H / scale, W / scale)``. The app works with flat latents of a fixed length, so a
:class:`SpatialModel` is opened at one image size (:data:`DEFAULT_IMAGE_SIZE` unless told) and
:meth:`SpatialModel.at_size` gives the same network at another size, e.g. the size of the
dataset it is paired with (:func:`fit_to_images`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from latent_explorer.core.models.base import GenerativeModel, OutputRange
from latent_explorer.core.models.torch_adapter import TorchModel

DEFAULT_IMAGE_SIZE = 64
"""The side of the images a spatial model makes when neither a dataset nor the user sets it.

64 pixels keeps one decode of a tiny (TAESD-size) decoder near 25 ms on a 2-core CPU, so the
map and the sliders stay live; pair the model with a dataset (or give ``image_size``) to work
at 256 or 512 pixels.
"""
ACTIVATION_BUDGET = 1 << 20
"""Pixels per batch (batch * H * W) handed to a tiny (64-channel) network at once."""


@dataclass(frozen=True)
class FamilyInfo:
    """What a known family's files say about the model, read from their tensor shapes."""

    family: str
    """The family, e.g. ``"TAESD"`` or ``"KL autoencoder"``."""
    variant: str
    """Which member, in words, e.g. ``"taesd / taesdxl (SD 1.x, 2.x, XL latents)"``."""
    latent_channels: int
    """Channels of a latent (4, 16, 32 ...)."""
    scale: int
    """How many image pixels one latent cell covers per side (8 or 32)."""
    latent_range: tuple[float, float]
    """Where the latent values of real images lie (TAESD's decoder clamps to this range)."""
    files: tuple[Path, ...]
    """The files the model was read from (decoder first)."""
    output_range: OutputRange = OutputRange.UNIT
    """The range of the decoder's output pixels (and of the encoder's input)."""

    def describe(self) -> str:
        """One line for the user: family, variant, latent layout and range."""
        lo, hi = self.latent_range
        return (f"{self.family} {self.variant}: {self.latent_channels} latent channels at "
                f"1/{self.scale} of the image size, values about {lo:g} to {hi:g}")


class SpatialModel(TorchModel):
    """A :class:`TorchModel` around a fully convolutional autoencoder, at one image size.

    Parameters
    ----------
    info
        What the family's files say (channels, scale, range).
    image_size
        ``(height, width)`` of the images, multiples of ``info.scale``.
    decode_fn, encode_fn
        The networks: ``decode_fn(z)`` maps ``(B, C, h, w)`` latents to ``(B, 3, H, W)``
        pixels in ``info.output_range``; ``encode_fn`` the reverse (``None``: no encoder).
    name, source
        As for :class:`TorchModel`.
    state_fn
        The tensors to fingerprint.
    network
        The modules to keep alive (returned by :attr:`network`).
    batch_pixels
        Pixels (batch * H * W) handed to the network at once, which bounds memory; a wide
        network (a KL autoencoder) takes fewer than a tiny one.
    """

    def __init__(
        self,
        info: FamilyInfo,
        image_size: tuple[int, int],
        decode_fn: Callable[[Any], Any] | None,
        encode_fn: Callable[[Any], Any] | None,
        *,
        name: str,
        source: str,
        state_fn: Callable[[], Mapping[str, Any]] | None = None,
        network: object = None,
        batch_pixels: int = ACTIVATION_BUDGET,
    ) -> None:
        height, width = check_image_size(image_size, info.scale)
        self.info = info
        self.batch_pixels = int(batch_pixels)
        self._raw_decode = decode_fn
        self._raw_encode = encode_fn
        self._state = state_fn
        latent_shape = (info.latent_channels, height // info.scale, width // info.scale)
        super().__init__(
            decode_fn if decode_fn is not None else self._no_decoder,
            name=name, source=source, latent_shape=latent_shape, encode_fn=encode_fn,
            output_range=info.output_range, image_shape=(height, width, 3),
            channels_first=True, encoder_input_range=info.output_range,
            encoder_output="first", encoder_layout="nchw", state_fn=state_fn,
            batch_size=max(1, self.batch_pixels // (height * width)), keep_alive=network,
        )  # fmt: skip

    def __repr__(self) -> str:
        return (f"SpatialModel(name={self.name!r}, family={self.info.family!r}, "
                f"latent_shape={self.latent_shape}, image_shape={self.image_shape}, "
                f"has_encoder={self.has_encoder})")

    @property
    def image_size(self) -> tuple[int, int]:
        """``(height, width)`` of the images this model makes."""
        return int(self.image_shape[0]), int(self.image_shape[1])

    @property
    def latent_range(self) -> tuple[float, float]:
        """Where the latent values of real images lie."""
        return self.info.latent_range

    @property
    def has_decoder(self) -> bool:
        """Whether the model can decode (an encoder file alone cannot)."""
        return self._raw_decode is not None

    def at_size(self, height: int, width: int | None = None) -> SpatialModel:
        """The same network making ``height x width`` images (``self`` if that is its size).

        Raises ``ValueError`` if the size is no positive multiple of the model's scale.
        """
        width = height if width is None else width
        if (height, width) == self.image_size:
            return self
        return SpatialModel(self.info, (height, width), self._raw_decode, self._raw_encode,
                            name=self.name, source=self.source, state_fn=self._state,
                            network=self.network, batch_pixels=self.batch_pixels)  # fmt: skip

    def settings(self) -> dict[str, object]:
        """The conventions and the family (part of :meth:`fingerprint`)."""
        return {**super().settings(), "family": self.info.family, "scale": self.info.scale}

    def _no_decoder(self, z: Any) -> Any:
        names = ", ".join(p.name for p in self.info.files)
        raise RuntimeError(f"only an encoder was found ({names}); put the matching decoder "
                           "file beside it to see images")


def check_image_size(size: Sequence[int], scale: int) -> tuple[int, int]:
    """``size`` as ``(height, width)``; ``ValueError`` unless both are multiples of ``scale``."""
    if len(size) != 2:
        raise ValueError(f"an image size is (height, width), got {tuple(size)}")
    height, width = (int(v) for v in size)
    if height < scale or width < scale or height % scale or width % scale:
        raise ValueError(f"this model makes images whose sides are multiples of {scale} "
                         f"pixels, not {height}x{width}")
    return height, width


def parse_image_size(value: int | str | Sequence[int] | None) -> tuple[int, int] | None:
    """``256``, ``"256"``, ``"256x192"`` or ``(256, 192)`` as ``(height, width)``."""
    if value is None:
        return None
    if isinstance(value, int):
        return value, value
    if isinstance(value, str):
        parts = [p for p in value.lower().replace(",", "x").split("x") if p.strip()]
        numbers = [int(p) for p in parts]
    else:
        numbers = [int(v) for v in value]
    if len(numbers) == 1:
        return numbers[0], numbers[0]
    if len(numbers) == 2:
        return numbers[0], numbers[1]
    raise ValueError(f"an image size is N or HxW, not {value!r}")


def fit_to_images(model: GenerativeModel, image_shape: Sequence[int]) -> GenerativeModel:
    """``model`` at the size of ``(H, W, C)`` images, if it is a spatial model that can be.

    Any other model, grey images, or a size that is no multiple of the model's scale: the
    model is returned as is (the usual shape check then says what does not fit).
    """
    if not isinstance(model, SpatialModel) or len(image_shape) != 3 or image_shape[2] != 3:
        return model
    height, width = int(image_shape[0]), int(image_shape[1])
    try:
        return model.at_size(height, width)
    except ValueError:
        return model

